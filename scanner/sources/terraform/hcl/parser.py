"""Recursive-descent parser for HCL native syntax (Terraform `.tf` files).

Binary operators are parsed with an explicit operator stack and prefix
operators with a loop, so Python recursion only grows with bracket nesting,
which is capped at `MAX_DEPTH` (about three frames per level).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from .ast import (
    Attribute,
    BinaryOp,
    Block,
    Body,
    Conditional,
    DeferredBlock,
    Expr,
    ForExpr,
    FunctionCall,
    GetAttr,
    Index,
    Interpolation,
    LiteralValue,
    ObjectExpr,
    ObjectItem,
    Parens,
    Range,
    Splat,
    SplatItem,
    TemplateExpr,
    TemplateFor,
    TemplateIf,
    TemplatePart,
    TupleExpr,
    UnaryOp,
    Variable,
)
from .lexer import (
    CHEREDOC,
    CQUOTE,
    EOF,
    IDENT,
    NL,
    NUMBER,
    OHEREDOC,
    OQUOTE,
    STRING,
    TCONTROL,
    TEND,
    TINTERP,
    TLIT,
    HclSyntaxError,
    Token,
    _Lexer,
    tokenize,
)

MAX_DEPTH: Final = 256

_BINARY: Final = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}
_KEYWORDS: Final[dict[str, bool | None]] = {"true": True, "false": False, "null": None}
_DESCRIPTIONS: Final = {
    NL: "newline",
    EOF: "end of file",
    STRING: "string",
    OQUOTE: "string",
    NUMBER: "number",
    OHEREDOC: "heredoc",
    TLIT: "template text",
    TINTERP: '"${"',
    TCONTROL: '"%{"',
    TEND: '"}"',
}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building hundreds of thousands of nodes triggers many useless cyclic-GC
    passes (the tree has no cycles); pausing it halves the parse time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Ends the tokens of one top-level statement: `parse` reads a file statement by statement.
_END: Final = "END"


def parse(text: str, filename: str, defer: frozenset[str] = frozenset()) -> Body:
    """Parse a configuration file; raises `HclSyntaxError` on any malformed input.

    The file is tokenized and parsed one top-level statement at a time, so a large file is never held as one
    token list. Top-level blocks whose type is in `defer` keep only their text (`DeferredBlock`).
    """
    with _gc_paused():
        lexer = _Lexer(text, filename, 1, False)
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        statements = lexer.statements()
        end: Token | None = None
        for tokens, start, start_line, stop in statements:
            end = tokens[-1]
            if end[0] != EOF:
                tokens.append((_END, "", end[4], end[5], end[4], end[5]))
            parser = _Parser(tokens, filename)
            before = len(blocks)
            try:
                with _no_recursion_error(parser):
                    parser.body(EOF, None, (attributes, blocks))
            except HclSyntaxError:
                # As if the whole file had been tokenized first: a malformed token further on is the error.
                for _ in statements:
                    pass
                raise
            if defer and len(blocks) == before + 1 and blocks[-1].type in defer:
                blocks[-1] = _deferred(blocks[-1], lexer.text, start, start_line, stop, filename)
    assert end is not None  # the last statement ends with EOF
    return Body(attributes, blocks, Range(1, 1, end[2], end[3]))


def _deferred(block: Block, text: str, start: int, start_line: int, stop: int, filename: str) -> DeferredBlock:
    """`block` as its own text: from its first token (at its column) through the end of its statement."""
    offset = start
    for _ in range(block.range.start_line - start_line):
        offset = text.index("\n", offset) + 1
    column = block.range.start_column
    return DeferredBlock(block, " " * (column - 1) + text[offset + column - 1:stop], filename)


def parse_block(text: str, filename: str, first_line: int) -> Block:
    """The one block in `text`, whose first line is `first_line` of its file (a `DeferredBlock`'s)."""
    with _gc_paused():
        tokens = tokenize(text, filename, first_line=first_line)
        parser = _Parser(tokens, filename)
        with _no_recursion_error(parser):
            _, blocks = parser.body(EOF, None)
    return blocks[0]


def parse_expression(text: str, filename: str, line_offset: int = 0) -> Expr:
    """Parse a standalone expression; lines are shifted by `line_offset`."""
    tokens = tokenize(text, filename, first_line=1 + line_offset)
    parser = _Parser(tokens, filename)
    parser.nl_ignore = True
    with _no_recursion_error(parser):
        expr = parser.expression()
        parser.expect(EOF, "end of expression")
    return expr


def parse_template(text: str, filename: str, line_offset: int = 0) -> Expr:
    """Parse a whole text as a template, as `templatefile` reads it; lines are shifted by `line_offset`."""
    tokens = tokenize(text, filename, first_line=1 + line_offset, template=True)
    parser = _Parser(tokens, filename)
    with _no_recursion_error(parser):
        parts, end, keyword, _ = parser.template_seq(CHEREDOC, False)
        if keyword is not None:
            raise parser.error(end, f'unexpected "%{{ {keyword} }}"')
    start = tokens[0]
    return _template_node(parts, Range(start[2], start[3], end[4], end[5]))


def _rng(first: Token, last: Token) -> Range:
    return Range(first[2], first[3], last[4], last[5])


def _tok_range(tok: Token) -> Range:
    return Range(tok[2], tok[3], tok[4], tok[5])


def _describe(tok: Token) -> str:
    kind = tok[0]
    if kind == IDENT:
        return f'"{tok[1]}"'
    return _DESCRIPTIONS.get(kind, f'"{kind}"')


def _template_node(parts: list[TemplatePart], rng: Range) -> Expr:
    if not parts:
        return LiteralValue("", rng)
    if len(parts) == 1 and isinstance(parts[0], str):
        return LiteralValue(parts[0], rng)
    return TemplateExpr(parts, rng)


def _merged(parts: list[TemplatePart]) -> list[TemplatePart]:
    """Join adjacent literal pieces (once, at the end: repeated `+=` would be quadratic)."""
    out: list[TemplatePart] = []
    run: list[str] = []
    for part in parts:
        if isinstance(part, str):
            run.append(part)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(part)
    if run:
        out.append("".join(run))
    return out


def _strip_last(parts: list[TemplatePart]) -> None:
    """A `~` strip marker: drop the whitespace before it, across literal pieces."""
    while parts and isinstance(parts[-1], str):
        stripped = parts[-1].rstrip()
        if stripped:
            parts[-1] = stripped
            return
        parts.pop()


@contextmanager
def _no_recursion_error(parser: _Parser) -> Iterator[None]:
    """Should the depth cap not suffice (a caller deep in its own stack), a
    RecursionError still becomes a syntax error."""
    try:
        yield
    except RecursionError:
        raise parser.error(parser.toks[parser.pos], "nesting is too deep") from None


class _Parser:
    __slots__ = ("depth", "filename", "nl_ignore", "open", "pos", "toks")

    def __init__(self, toks: list[Token], filename: str) -> None:
        self.toks = toks
        self.filename = filename
        self.pos = 0
        self.depth = 0
        # Unclosed brackets, quotes of interpolations and directives: an error
        # at end of file is reported at the innermost one.
        self.open: list[Token] = []
        # Inside (), [], for expressions and interpolations newlines are insignificant.
        self.nl_ignore = False

    # --- token helpers -------------------------------------------------------

    def error(self, tok: Token, message: str) -> HclSyntaxError:
        if tok[0] == EOF and self.open:
            opener = self.open[-1]
            return HclSyntaxError(self.filename, opener[2], opener[3], f'"{opener[1]}" is never closed')
        return HclSyntaxError(self.filename, tok[2], tok[3], message)

    def peek(self) -> Token:
        tok = self.toks[self.pos]
        if tok[0] == NL and self.nl_ignore:
            self.skip_nl()
            tok = self.toks[self.pos]
        return tok

    def skip_nl(self) -> None:
        toks = self.toks
        pos = self.pos
        while toks[pos][0] == NL:
            pos += 1
        self.pos = pos

    def expect(self, kind: str, what: str) -> Token:
        tok = self.peek()
        if tok[0] != kind:
            raise self.error(tok, f"expected {what}, found {_describe(tok)}")
        self.pos += 1
        return tok

    def expect_close(self, kind: str, what: str) -> Token:
        """Consume the token closing the innermost open bracket."""
        tok = self.peek()
        if tok[0] != kind:
            raise self.error(tok, f"expected {what}, found {_describe(tok)}")
        self.pos += 1
        self.open.pop()
        return tok

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(self.toks[self.pos], f"nesting is deeper than {MAX_DEPTH} levels")

    # --- bodies --------------------------------------------------------------

    def body(self, closer: str, opener: Token | None,
             into: tuple[dict[str, Attribute], list[Block]] | None = None) -> tuple[dict[str, Attribute], list[Block]]:
        """`into`: the file's attributes and blocks so far, when this is one top-level statement of it."""
        toks = self.toks
        attributes, blocks = into if into is not None else ({}, [])
        while True:
            tok = toks[self.pos]
            kind = tok[0]
            if kind == NL:
                self.pos += 1
                continue
            if kind == closer or (kind == _END and opener is None):
                return attributes, blocks
            if kind == EOF and opener is not None:
                raise self.error(opener, '"{" is never closed')
            if kind != IDENT:
                raise self.error(tok, f"expected an attribute or a block, found {_describe(tok)}")
            if toks[self.pos + 1][0] == "=":
                self.pos += 2
                expr = self.expression()
                end = toks[self.pos][0]
                if end != NL and end != closer and end != EOF:
                    raise self.error(
                        toks[self.pos],
                        f"expected a newline after the value of {tok[1]!r}, found {_describe(toks[self.pos])}",
                    )
                name = tok[1]
                previous = attributes.get(name)
                if previous is not None:
                    raise self.error(tok, f'attribute "{name}" is already defined at line {previous.range.start_line}')
                name_range = _tok_range(tok)
                attributes[name] = Attribute(name, expr, name_range.to(expr.range), name_range)
            else:
                blocks.append(self.block(tok))

    def block(self, type_tok: Token) -> Block:
        toks = self.toks
        self.pos += 1
        labels: list[str] = []
        label_ranges: list[Range] = []
        while True:
            tok = toks[self.pos]
            kind = tok[0]
            if kind in (STRING, IDENT):
                labels.append(tok[1])
                label_ranges.append(_tok_range(tok))
                self.pos += 1
            elif kind == OQUOTE:
                label = self.operand()
                if not isinstance(label, LiteralValue):
                    raise self.error(tok, "block labels cannot contain templates")
                labels.append(str(label.value))
                label_ranges.append(label.range)
            elif kind == "{":
                break
            elif labels:
                raise self.error(tok, f'expected "{{" to open the "{type_tok[1]}" block, found {_describe(tok)}')
            else:
                raise self.error(tok, f'expected "=" or a block after "{type_tok[1]}", found {_describe(tok)}')
        opener = toks[self.pos]
        self.pos += 1
        self.enter()
        attributes, blocks = self.body("}", opener)
        self.depth -= 1
        close = toks[self.pos]
        self.pos += 1
        after = toks[self.pos][0]
        if after != NL and after != EOF and after != "}":
            raise self.error(toks[self.pos], f"expected a newline after the block, found {_describe(toks[self.pos])}")
        return Block(
            type_tok[1],
            tuple(labels),
            Body(attributes, blocks, _rng(opener, close)),
            _rng(type_tok, close),
            _tok_range(type_tok),
            tuple(label_ranges),
        )

    # --- expressions ---------------------------------------------------------

    def expression(self) -> Expr:
        """A full expression: binary operators by precedence, then `? :`.

        Recursion passes only through expression -> operand -> (tuple, object,
        call, template) -> expression, three frames per nesting level."""
        self.enter()
        expr = self.operand()
        tok = self.peek()
        prec = _BINARY.get(tok[0])
        if prec is not None:
            operands = [expr]
            ops: list[tuple[str, int]] = []
            while prec is not None:
                self.pos += 1
                self.skip_nl()
                while ops and ops[-1][1] >= prec:
                    self.reduce(operands, ops)
                ops.append((tok[0], prec))
                operands.append(self.operand())
                tok = self.peek()
                prec = _BINARY.get(tok[0])
            while ops:
                self.reduce(operands, ops)
            expr = operands[0]
        if tok[0] == "?":
            self.pos += 1
            self.skip_nl()
            true_expr = self.expression()
            self.expect(":", '":" in the conditional expression')
            self.skip_nl()
            false_expr = self.expression()
            expr = Conditional(expr, true_expr, false_expr, expr.range.to(false_expr.range))
        self.depth -= 1
        return expr

    @staticmethod
    def reduce(operands: list[Expr], ops: list[tuple[str, int]]) -> None:
        right = operands.pop()
        left = operands.pop()
        operands.append(BinaryOp(ops.pop()[0], left, right, left.range.to(right.range)))

    def operand(self) -> Expr:
        """Prefix operators, a term, then its traversal steps."""
        tok = self.peek()
        kind = tok[0]
        prefix: list[Token] = []
        while kind == "!" or kind == "-":
            prefix.append(tok)
            self.pos += 1
            tok = self.peek()
            kind = tok[0]
        if prefix and self.depth + len(prefix) > MAX_DEPTH:
            raise self.error(tok, f"nesting is deeper than {MAX_DEPTH} levels")
        toks = self.toks
        expr: Expr
        if kind == IDENT:
            self.pos += 1
            name = tok[1]
            nxt = toks[self.pos][0]
            if name in _KEYWORDS:
                expr = LiteralValue(_KEYWORDS[name], _tok_range(tok))
            elif nxt == "(":
                expr = self.call(name, tok)
            elif nxt == "::":
                while toks[self.pos][0] == "::" and toks[self.pos + 1][0] == IDENT:
                    name += "::" + toks[self.pos + 1][1]
                    self.pos += 2
                if toks[self.pos][0] != "(":
                    raise self.error(toks[self.pos], f'expected "(" to call function "{name}"')
                expr = self.call(name, tok)
            else:
                expr = Variable(name, _tok_range(tok))
        elif kind == STRING:
            self.pos += 1
            expr = LiteralValue(tok[1], _tok_range(tok))
        elif kind == NUMBER:
            self.pos += 1
            expr = LiteralValue(self.number(tok), _tok_range(tok))
        elif kind in (OQUOTE, OHEREDOC):
            self.pos += 1
            parts, end, keyword, _ = self.template_seq(CQUOTE if kind == OQUOTE else CHEREDOC, False)
            if keyword is not None:
                raise self.error(end, f'unexpected "%{{ {keyword} }}"')
            expr = _template_node(parts, _rng(tok, end))
        elif kind == "(":
            self.pos += 1
            self.open.append(tok)
            saved = self.nl_ignore
            self.nl_ignore = True
            inner = self.expression()
            close = self.expect_close(")", '")"')
            self.nl_ignore = saved
            expr = Parens(inner, _rng(tok, close))
        elif kind == "[":
            expr = self.tuple_expr(tok)
        elif kind == "{":
            expr = self.object_expr(tok)
        else:
            raise self.error(tok, f"expected an expression, found {_describe(tok)}")
        tok = self.peek()
        if tok[0] == "." or tok[0] == "[":
            expr = self.postfix(expr)
        for op in reversed(prefix):
            rng = Range(op[2], op[3], expr.range.end_line, expr.range.end_column)
            if (
                op[0] == "-"
                and isinstance(expr, LiteralValue)
                and isinstance(expr.value, int | float)
                and not isinstance(expr.value, bool)
            ):
                expr = LiteralValue(-expr.value, rng)
            else:
                expr = UnaryOp(op[0], expr, rng)
        return expr

    def number(self, tok: Token) -> int | float:
        text = tok[1]
        try:
            value = float(text) if "." in text or "e" in text or "E" in text else int(text)
        except ValueError:  # Python refuses integers of more than 4300 digits.
            value = math.inf
        if value == math.inf:
            raise self.error(tok, "number literal is too large")
        return value

    def call(self, name: str, name_tok: Token) -> FunctionCall:
        opener = self.toks[self.pos]
        self.pos += 1
        self.open.append(opener)
        saved = self.nl_ignore
        self.nl_ignore = True
        args: list[Expr] = []
        expand = False
        tok = self.peek()
        while tok[0] != ")":
            args.append(self.expression())
            tok = self.peek()
            if tok[0] == "...":
                expand = True
                self.pos += 1
                tok = self.peek()
                if tok[0] != ")":
                    raise self.error(tok, f'expected ")" after "...", found {_describe(tok)}')
            elif tok[0] == ",":
                self.pos += 1
                tok = self.peek()
            elif tok[0] != ")":
                break
        close = self.expect_close(")", '"," or ")" in the function call')
        self.nl_ignore = saved
        return FunctionCall(name, args, expand, _rng(name_tok, close))

    def is_for(self) -> bool:
        toks = self.toks
        tok = toks[self.pos]
        return tok[0] == IDENT and tok[1] == "for" and toks[self.pos + 1][0] == IDENT

    def tuple_expr(self, opener: Token) -> Expr:
        self.pos += 1
        self.open.append(opener)
        saved = self.nl_ignore
        self.nl_ignore = True
        self.peek()
        if self.is_for():
            expr: Expr = self.for_expr(opener, False)
        else:
            items: list[Expr] = []
            tok = self.peek()
            while tok[0] != "]":
                items.append(self.expression())
                tok = self.peek()
                if tok[0] == ",":
                    self.pos += 1
                    tok = self.peek()
                elif tok[0] != "]":
                    break
            close = self.expect_close("]", '"," or "]"')
            expr = TupleExpr(items, _rng(opener, close))
        self.nl_ignore = saved
        return expr

    def object_expr(self, opener: Token) -> Expr:
        toks = self.toks
        self.pos += 1
        self.open.append(opener)
        saved = self.nl_ignore
        self.skip_nl()
        if self.is_for():
            self.nl_ignore = True
            expr = self.for_expr(opener, True)
            self.nl_ignore = saved
            return expr
        # Newlines separate items, so they are significant here.
        self.nl_ignore = False
        items: list[ObjectItem] = []
        while True:
            self.skip_nl()
            tok = toks[self.pos]
            if tok[0] == "}" or tok[0] == EOF:
                break
            key: Expr
            if tok[0] == IDENT and (toks[self.pos + 1][0] == "=" or toks[self.pos + 1][0] == ":"):
                key = LiteralValue(tok[1], _tok_range(tok))
                self.pos += 1
            else:
                key = self.expression()
            sep = toks[self.pos]
            if sep[0] != "=" and sep[0] != ":":
                raise self.error(sep, f'expected "=" after the object key, found {_describe(sep)}')
            self.pos += 1
            self.skip_nl()
            value = self.expression()
            items.append(ObjectItem(key, value, key.range.to(value.range)))
            after = toks[self.pos][0]
            if after == "," or after == NL:
                self.pos += 1
            elif after != "}":
                break
        close = self.expect_close("}", '"," or a newline between object items, or "}"')
        self.nl_ignore = saved
        return ObjectExpr(items, _rng(opener, close))

    def for_vars(self) -> tuple[str | None, str]:
        first = self.expect(IDENT, "a variable name")[1]
        if self.peek()[0] == ",":
            self.pos += 1
            return first, self.expect(IDENT, "a variable name")[1]
        return None, first

    def keyword(self, word: str) -> None:
        tok = self.peek()
        if tok[0] != IDENT or tok[1] != word:
            raise self.error(tok, f'expected "{word}", found {_describe(tok)}')
        self.pos += 1

    def for_expr(self, opener: Token, is_object: bool) -> ForExpr:
        self.pos += 1  # "for"
        key_var, value_var = self.for_vars()
        self.keyword("in")
        collection = self.expression()
        self.expect(":", '":" after the for collection')
        key_expr: Expr | None = None
        group = False
        if is_object:
            key_expr = self.expression()
            self.expect("=>", '"=>" in the object for expression')
        value_expr = self.expression()
        if is_object and self.peek()[0] == "...":
            self.pos += 1
            group = True
        cond: Expr | None = None
        tok = self.peek()
        if tok[0] == IDENT and tok[1] == "if":
            self.pos += 1
            cond = self.expression()
        closer = "}" if is_object else "]"
        close = self.expect_close(closer, f'"{closer}" to end the for expression')
        return ForExpr(
            key_var, value_var, collection, key_expr, value_expr, cond, group, is_object, _rng(opener, close)
        )

    # --- traversals ----------------------------------------------------------

    def postfix(self, expr: Expr) -> Expr:
        """Attribute, index and splat steps after `expr`. A full splat `[*]`
        takes every following step into its `each`."""
        toks = self.toks
        while True:
            tok = self.peek()
            kind = tok[0]
            if kind == ".":
                nxt = toks[self.pos + 1]
                if nxt[0] == IDENT:
                    self.pos += 2
                    expr = GetAttr(expr, nxt[1], expr.range.to(_tok_range(nxt)))
                elif nxt[0] == NUMBER:
                    self.pos += 2
                    expr = self.legacy_index(expr, nxt)
                elif nxt[0] == "*":
                    self.pos += 2
                    expr = self.attr_splat(expr, _rng(tok, nxt))
                else:
                    raise self.error(nxt, f'expected an attribute name after ".", found {_describe(nxt)}')
            elif kind == "[":
                if toks[self.pos + 1][0] == "*" and toks[self.pos + 2][0] == "]":
                    star_range = _rng(tok, toks[self.pos + 2])
                    self.pos += 3
                    self.enter()
                    each = self.postfix(SplatItem(star_range))
                    self.depth -= 1
                    return Splat(expr, each, expr.range.to(each.range))
                self.pos += 1
                self.open.append(tok)
                saved = self.nl_ignore
                self.nl_ignore = True
                key = self.expression()
                close = self.expect_close("]", '"]"')
                self.nl_ignore = saved
                expr = Index(expr, key, expr.range.to(_tok_range(close)))
            else:
                return expr

    def attr_splat(self, source: Expr, star_range: Range) -> Splat:
        """`source.*.a.b`: only attribute steps belong to the splat."""
        toks = self.toks
        each: Expr = SplatItem(star_range)
        while toks[self.pos][0] == "." and toks[self.pos + 1][0] in (IDENT, NUMBER):
            nxt = toks[self.pos + 1]
            self.pos += 2
            if nxt[0] == IDENT:
                each = GetAttr(each, nxt[1], each.range.to(_tok_range(nxt)))
            else:
                each = self.legacy_index(each, nxt)
        return Splat(source, each, source.range.to(each.range))

    def legacy_index(self, expr: Expr, tok: Token) -> Expr:
        """`foo.0` (and `foo.0.1`, which the lexer reads as the number 0.1)."""
        text = tok[1]
        if not text.replace(".", "").isdigit():
            raise self.error(tok, f"invalid index {text!r}")
        line, column = tok[2], tok[3]
        for piece in text.split("."):
            rng = Range(line, column, line, column + len(piece))
            expr = Index(expr, LiteralValue(int(piece), rng), expr.range.to(rng))
            column += len(piece) + 1
        return expr

    # --- templates -----------------------------------------------------------

    def template_seq(self, end_kind: str, strip_first: bool) -> tuple[list[TemplatePart], Token, str | None, bool]:
        """Parts up to the end of the template or to an `else`/`endif`/`endfor`
        directive. Returns (parts, last token, directive keyword or None,
        whether that directive strips the whitespace after it)."""
        toks = self.toks
        parts: list[TemplatePart] = []
        strip_next = strip_first
        while True:
            tok = toks[self.pos]
            kind = tok[0]
            if kind == TLIT:
                self.pos += 1
                text = tok[1]
                if strip_next:  # may span several literal tokens (heredoc lines)
                    text = text.lstrip()
                    strip_next = not text
                if text:
                    parts.append(text)
            elif kind == TINTERP:
                self.pos += 1
                self.open.append(tok)
                if tok[1].endswith("~"):
                    _strip_last(parts)
                saved = self.nl_ignore
                self.nl_ignore = True
                expr = self.expression()
                end = self.expect_close(TEND, '"}" to end the interpolation')
                self.nl_ignore = saved
                strip_next = end[1] == "~}"
                parts.append(Interpolation(expr, tok[1].endswith("~"), strip_next, _rng(tok, end)))
            elif kind == TCONTROL:
                self.pos += 1
                self.open.append(tok)
                if tok[1].endswith("~"):
                    _strip_last(parts)
                saved = self.nl_ignore
                self.nl_ignore = True
                word = self.peek()
                if word[0] != IDENT:
                    raise self.error(word, f"expected a template directive, found {_describe(word)}")
                self.pos += 1
                directive = word[1]
                if directive in ("else", "endif", "endfor"):
                    end = self.expect_close(TEND, '"}" to end the directive')
                    self.nl_ignore = saved
                    return _merged(parts), end, directive, end[1] == "~}"
                if directive == "if":
                    cond = self.expression()
                    end = self.expect_close(TEND, '"}" to end the directive')
                    self.nl_ignore = saved
                    self.enter()
                    then_parts, last, word_end, strip_after = self.template_seq(end_kind, end[1] == "~}")
                    else_parts: list[TemplatePart] = []
                    if word_end == "else":
                        else_parts, last, word_end, strip_after = self.template_seq(end_kind, strip_after)
                    if word_end != "endif":
                        raise self.error(last if word_end else tok, 'expected "%{ endif }" to close this "if"')
                    self.depth -= 1
                    parts.append(TemplateIf(cond, then_parts, else_parts, _rng(tok, last)))
                elif directive == "for":
                    key_var, value_var = self.for_vars()
                    self.keyword("in")
                    collection = self.expression()
                    end = self.expect_close(TEND, '"}" to end the directive')
                    self.nl_ignore = saved
                    self.enter()
                    body, last, word_end, strip_after = self.template_seq(end_kind, end[1] == "~}")
                    if word_end != "endfor":
                        raise self.error(last if word_end else tok, 'expected "%{ endfor }" to close this "for"')
                    self.depth -= 1
                    parts.append(TemplateFor(key_var, value_var, collection, body, _rng(tok, last)))
                else:
                    raise self.error(word, f"unknown template directive {directive!r}")
                strip_next = strip_after
            else:  # the closing quote or heredoc marker: template mode produces nothing else
                self.pos += 1
                return _merged(parts), tok, None, False

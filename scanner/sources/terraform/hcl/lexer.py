"""Tokenizer for HCL native syntax.

One compiled master regex per mode (normal, quoted template, heredoc), driven
by a stack of open braces, interpolations and templates, so the whole file is
tokenized in a single linear pass. Tokens are plain tuples for speed:
`(kind, text, start_line, start_column, end_line, end_column)`, 1-based with
an exclusive end column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from sys import intern
from typing import Final

Token = tuple[str, str, int, int, int, int]

# Token kinds. Punctuation and operators use their own text as kind.
NL: Final = "NL"
EOF: Final = "EOF"
IDENT: Final = "IDENT"
NUMBER: Final = "NUMBER"
STRING: Final = "STRING"  # a quoted string without templates; text is decoded
OQUOTE: Final = "OQUOTE"
CQUOTE: Final = "CQUOTE"
TLIT: Final = "TLIT"  # literal template text, decoded
TINTERP: Final = "TINTERP"  # "${" or "${~"
TCONTROL: Final = "TCONTROL"  # "%{" or "%{~"
TEND: Final = "TEND"  # "}" or "~}" closing an interpolation or directive
OHEREDOC: Final = "OHEREDOC"  # "<<EOF" or "<<-EOF"
CHEREDOC: Final = "CHEREDOC"

# Short string literals (protocols, ports, CIDRs, names of values) are interned too.
_INTERNED_STRING: Final = 32

_NORMAL: Final = re.compile(
    r"""[ \t\r]*(?:
      (?P<ident>[^\W\d][\w-]*)
    | (?P<comment>\#[^\n]*|//[^\n]*)
    | (?P<bcomment>/\*)
    | (?P<heredoc><<(?P<hstrip>-?)(?P<hname>[^\W\d][\w-]*)[ \t\r]*\n)
    | (?P<punct>\.\.\.|=>|==|!=|<=|>=|&&|\|\||::|~\}|[-+*/%<>!?:=,.(){}\[\]])
    | (?P<nl>\n)
    | (?P<string>"(?:[^"\\\n$%]|\\[^\n]|\$(?!\{)|%(?!\{))*")
    | (?P<oquote>")
    | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    | (?P<eof>\Z)
    )""",
    re.VERBOSE,
)
# Literal runs (`[^…]+` inside the loop) are safe from backtracking blow-ups
# here because nothing after the loop can fail; the STRING fast path above can
# fail, so it matches one character per step.
_QUOTED: Final = re.compile(
    r"""(?P<lit>(?:[^"\\\n$%]+|\\[^\n]|\$\$\{|%%\{|\$(?!\{)|%(?!\{))+)
    | (?P<open>[$%]\{~?)
    | (?P<close>")""",
    re.VERBOSE,
)
_HEREDOC_LIT: Final = re.compile(r"(?:[^$%\n]+|\$\$\{|%%\{|\$(?!\{)|%(?!\{))+\n?|\n")
_HEREDOC_END: Final = re.compile(r"[ \t\r]*([^\W\d][\w-]*)[ \t\r]*(?=\n|\Z)")
_TEMPLATE_OPEN: Final = re.compile(r"[$%]\{~?")
_ESCAPE: Final = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))|\$\$\{|%%\{", re.DOTALL)
_SIMPLE_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}

# A newline after these does not end a statement (`a = 1 +` goes on on the next line); nor does a blank line.
_CONTINUED: Final = frozenset({NL, "||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "?", ":"})

# Stack frames: an object/block brace, or the inside of `${ }` / `%{ }`.
_BRACE: Final = "B"
_INTERP: Final = "I"


class HclSyntaxError(Exception):
    """Malformed HCL; `str()` gives `file:line:column: message`."""

    def __init__(self, filename: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{filename}:{line}:{column}: {message}")
        self.filename = filename
        self.line = line
        self.column = column
        self.message = message


class _Quoted:
    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class _Heredoc:
    """An open heredoc (or, with `name` None, a template file ending at EOF)."""

    __slots__ = ("at_line_start", "column", "line", "line_starts", "name", "strip")

    def __init__(self, name: str | None, strip: bool, line: int, column: int) -> None:
        self.name = name
        self.strip = strip
        self.line = line
        self.column = column
        self.at_line_start = True
        # Tokens that begin a line: (token index, is literal), for `<<-` flushing.
        self.line_starts: list[tuple[int, bool]] = []


_Frame = str | _Quoted | _Heredoc


def tokenize(text: str, filename: str, first_line: int = 1, template: bool = False) -> list[Token]:
    """Tokens of `text`, ending with an EOF token. With `template`, the whole
    text is a template (as read by `templatefile`)."""
    return _Lexer(text, filename, first_line, template).run()


def prepare(text: str, filename: str, first_line: int = 1) -> str:
    """Drop a BOM, normalize CRLF, and refuse binary content up front."""
    if text.startswith("\ufeff"):
        text = text[1:]
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul)
        column = nul - text.rfind("\n", 0, nul)
        raise HclSyntaxError(filename, first_line + line, column, "binary content (NUL byte) is not HCL")
    return text.replace("\r\n", "\n") if "\r" in text else text


class _Lexer:
    def __init__(self, text: str, filename: str, first_line: int, template: bool) -> None:
        self.text = prepare(text, filename, first_line)
        self.filename = filename
        self.tokens: list[Token] = []
        self.pos = 0
        self.line = first_line
        self.line_start = 0  # offset of the current line's first character
        self.stack: list[_Frame] = [_Heredoc(None, False, first_line, 1)] if template else []
        self.done = False
        # `statements()`: stop after each top-level statement; brackets open outside any brace (newlines inside
        # them do not end a statement).
        self.by_statement = False
        self.cut = False
        self.brackets = 0

    def error(self, line: int, line_start: int, offset: int, message: str) -> HclSyntaxError:
        return HclSyntaxError(self.filename, line, offset - line_start + 1, message)

    def statements(self) -> Iterator[tuple[list[Token], int, int, int]]:
        """The tokens of each top-level statement (an attribute or a block) in turn, with the newlines before
        it and through the newline that ends it; the last ends with EOF. With each, the offset in `text` and
        the line where it starts, and the offset where it ends."""
        self.by_statement = True
        while not self.done:
            start, line = self.pos, self.line
            self.cut = False
            while not self.done and not self.cut:
                self.step()
            tokens, self.tokens = self.tokens, []
            yield tokens, start, line, self.pos

    def run(self) -> list[Token]:
        while not self.done:
            self.step()
        return self.tokens

    def step(self) -> None:
        top = self.stack[-1] if self.stack else _BRACE
        if isinstance(top, str):
            self.scan_normal()
        elif isinstance(top, _Quoted):
            self.scan_quoted(top)
        else:
            self.scan_heredoc(top)

    def scan_normal(self) -> None:
        """Scan until EOF or a switch into template mode (or back out of it)."""
        text = self.text
        append = self.tokens.append
        stack = self.stack
        match = _NORMAL.match
        pos = self.pos
        line = self.line
        ls = self.line_start
        try:
            while True:
                m = match(text, pos)
                if m is None:
                    pos = len(text) - len(text[pos:].lstrip(" \t\r"))
                    raise self.error(line, ls, pos, f"invalid character {text[pos]!r}")
                group = m.lastindex or 0
                kind = m.lastgroup
                start = m.start(group)
                pos = m.end()
                col = start - ls + 1
                if kind == "ident":
                    # Interned: the same few names (`from_port`, `cidr_blocks` …) recur in every resource.
                    append((IDENT, intern(text[start:pos]), line, col, line, pos - ls + 1))
                elif kind == "punct":
                    p = text[start:pos]
                    if not stack and self.by_statement and p in "([)]":
                        self.brackets = self.brackets + 1 if p in "([" else max(self.brackets - 1, 0)
                    if p == "{":
                        stack.append(_BRACE)
                    elif p == "}" or p == "~}":
                        top = stack[-1] if stack else None
                        if top is _INTERP:
                            stack.pop()
                            append((TEND, p, line, col, line, pos - ls + 1))
                            return
                        if p == "~}":
                            raise self.error(line, ls, start, 'unexpected "~"')
                        if top is _BRACE:
                            stack.pop()
                    append((p, p, line, col, line, pos - ls + 1))
                elif kind == "nl":
                    ends = (self.by_statement and not stack and not self.brackets and self.tokens
                            and self.tokens[-1][0] not in _CONTINUED)
                    append((NL, "\n", line, col, line + 1, 1))
                    line += 1
                    ls = pos
                    if ends:
                        self.cut = True
                        return
                elif kind == "string":
                    raw = text[start + 1 : pos - 1]
                    value = self.decode(raw, line, col + 1) if "\\" in raw or "{" in raw else raw
                    if len(value) <= _INTERNED_STRING:
                        value = intern(value)
                    append((STRING, value, line, col, line, pos - ls + 1))
                elif kind == "number":
                    append((NUMBER, text[start:pos], line, col, line, pos - ls + 1))
                elif kind == "comment":
                    pass
                elif kind == "bcomment":
                    end = text.find("*/", pos)
                    if end < 0:
                        raise self.error(line, ls, start, "unterminated block comment")
                    pos = end + 2
                    newlines = text.count("\n", start, pos)
                    if newlines:
                        line += newlines
                        ls = text.rfind("\n", start, pos) + 1
                elif kind == "oquote":
                    append((OQUOTE, '"', line, col, line, col + 1))
                    stack.append(_Quoted(line, col))
                    return
                elif kind == "heredoc":
                    name = m.group("hname")
                    marker_end = m.end("hname")
                    append((OHEREDOC, text[start:marker_end], line, col, line, marker_end - ls + 1))
                    stack.append(_Heredoc(name, m.group("hstrip") == "-", line, col))
                    line += 1
                    ls = pos
                    return
                else:  # end of input
                    append((EOF, "", line, col, line, col))
                    self.done = True
                    return
        finally:
            self.pos, self.line, self.line_start = pos, line, ls

    def scan_quoted(self, frame: _Quoted) -> None:
        text = self.text
        line = self.line
        ls = self.line_start
        append = self.tokens.append
        while True:
            pos = self.pos
            m = _QUOTED.match(text, pos)
            if m is None:
                raise HclSyntaxError(self.filename, frame.line, frame.column, "unterminated string")
            kind = m.lastgroup
            end = m.end()
            col = pos - ls + 1
            self.pos = end
            if kind == "lit":
                raw = m.group()
                value = self.decode(raw, line, col) if "\\" in raw or "{" in raw else raw
                append((TLIT, value, line, col, line, end - ls + 1))
            elif kind == "open":
                opener = m.group()
                append((TINTERP if opener[0] == "$" else TCONTROL, opener, line, col, line, end - ls + 1))
                self.stack.append(_INTERP)
                return
            else:
                append((CQUOTE, '"', line, col, line, col + 1))
                self.stack.pop()
                return

    def scan_heredoc(self, frame: _Heredoc) -> None:
        text = self.text
        append = self.tokens.append
        tokens = self.tokens
        while True:
            pos = self.pos
            col = pos - self.line_start + 1
            if frame.at_line_start and frame.name is not None:
                m = _HEREDOC_END.match(text, pos)
                if m is not None and m.group(1) == frame.name:
                    append(
                        (
                            CHEREDOC,
                            frame.name,
                            self.line,
                            m.start(1) - self.line_start + 1,
                            self.line,
                            m.end(1) - self.line_start + 1,
                        )
                    )
                    self.pos = m.end()
                    self.close_heredoc(frame)
                    return
            if pos >= len(text):
                if frame.name is not None:
                    raise HclSyntaxError(
                        self.filename,
                        frame.line,
                        frame.column,
                        f'unterminated heredoc: no closing "{frame.name}" line for the heredoc started here',
                    )
                append((CHEREDOC, "", self.line, col, self.line, col))
                self.stack.pop()
                return
            m = _HEREDOC_LIT.match(text, pos)
            if m is None:
                m = _TEMPLATE_OPEN.match(text, pos)
                assert m is not None  # The literal pattern stops only at "${" or "%{".
                opener = m.group()
                if frame.at_line_start:
                    frame.line_starts.append((len(tokens), False))
                frame.at_line_start = False
                self.pos = m.end()
                append(
                    (
                        TINTERP if opener[0] == "$" else TCONTROL,
                        opener,
                        self.line,
                        col,
                        self.line,
                        self.pos - self.line_start + 1,
                    )
                )
                self.stack.append(_INTERP)
                return
            raw = m.group()
            self.pos = m.end()
            if frame.at_line_start:
                frame.line_starts.append((len(tokens), True))
            value = raw.replace("$${", "${").replace("%%{", "%{") if "{" in raw else raw
            if raw.endswith("\n"):
                append((TLIT, value, self.line, col, self.line + 1, 1))
                self.line += 1
                self.line_start = self.pos
                frame.at_line_start = True
            else:
                append((TLIT, value, self.line, col, self.line, self.pos - self.line_start + 1))
                frame.at_line_start = False

    def close_heredoc(self, frame: _Heredoc) -> None:
        self.stack.pop()
        if not frame.strip:
            return
        # Terraform's `<<-` rule: remove the smallest indentation among lines
        # that start with text; whitespace-only lines do not count, and a line
        # starting with an interpolation counts as unindented.
        tokens = self.tokens
        smallest = -1
        adjust: list[int] = []
        for index, literal in frame.line_starts:
            if not literal:
                smallest = 0
                continue
            value = tokens[index][1]
            trimmed = value.lstrip()
            if not trimmed and value.endswith("\n"):
                continue
            spaces = len(value) - len(trimmed)
            smallest = spaces if smallest < 0 else min(smallest, spaces)
            adjust.append(index)
        if smallest <= 0:
            return
        for index in adjust:
            kind, value, sl, sc, el, ec = tokens[index]
            tokens[index] = (kind, value[smallest:], sl, sc + smallest, el, ec)

    def decode(self, raw: str, line: int, column: int) -> str:
        """Decode backslash escapes and `$${`/`%%{` in a quoted-string chunk."""

        def replace(m: re.Match[str]) -> str:
            whole = m.group()
            if whole[0] != "\\":
                return whole[1:]
            code = m.group(1) or m.group(2)
            if code is not None:
                point = int(code, 16)
                if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
                    raise HclSyntaxError(self.filename, line, column + m.start(), f"invalid character escape {whole}")
                return chr(point)
            simple = _SIMPLE_ESCAPES.get(m.group(3))
            if simple is None:
                raise HclSyntaxError(self.filename, line, column + m.start(), f"invalid escape sequence {whole!r}")
            return simple

        return _ESCAPE.sub(replace, raw)

"""Syntax tree of HCL native syntax, with an exact source range on every node.

Ranges are 1-based; `end_column` is exclusive (the column after the last
character), as in HashiCorp hcl and SARIF. Columns count code points.
Nodes are frozen slotted dataclasses: a large repository produces hundreds of
thousands of them, so they stay cheap to build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(slots=True, frozen=True)
class Range:
    start_line: int
    start_column: int
    end_line: int
    end_column: int

    def to(self, other: Range) -> Range:
        """The range from the start of this one to the end of `other`."""
        return Range(self.start_line, self.start_column, other.end_line, other.end_column)


# --- Expressions -------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class LiteralValue:
    """A number, string without templates, `true`, `false` or `null`.

    A minus sign directly in front of a number literal is folded in: `-1` is
    `LiteralValue(-1)`, not a `UnaryOp`.
    """

    value: str | int | float | bool | None
    range: Range


@dataclass(slots=True, frozen=True)
class Interpolation:
    """`${expr}` in a template. Strip markers (`${~ … ~}`) are already applied
    to the neighbouring literal parts; the flags only record them."""

    expr: Expr
    strip_left: bool
    strip_right: bool
    range: Range


@dataclass(slots=True, frozen=True)
class TemplateIf:
    """`%{ if cond }…%{ else }…%{ endif }`."""

    cond: Expr
    then_parts: list[TemplatePart]
    else_parts: list[TemplatePart]
    range: Range


@dataclass(slots=True, frozen=True)
class TemplateFor:
    """`%{ for key_var, value_var in collection }…%{ endfor }`."""

    key_var: str | None
    value_var: str
    collection: Expr
    body_parts: list[TemplatePart]
    range: Range


@dataclass(slots=True, frozen=True)
class TemplateExpr:
    """A quoted string or heredoc with at least one interpolation or directive.

    Literal parts are plain `str`, with escapes decoded, adjacent literals
    merged, strip markers and `<<-` indentation already applied.
    """

    parts: list[TemplatePart]
    range: Range


@dataclass(slots=True, frozen=True)
class TupleExpr:
    items: list[Expr]
    range: Range


@dataclass(slots=True, frozen=True)
class ObjectItem:
    """`key = value` (or `key: value`); a bare identifier key is a `LiteralValue` str."""

    key: Expr
    value: Expr
    range: Range


@dataclass(slots=True, frozen=True)
class ObjectExpr:
    items: list[ObjectItem]
    range: Range


@dataclass(slots=True, frozen=True)
class Variable:
    """The root of a traversal: `var`, `aws_vpc`, a `for` variable…"""

    name: str
    range: Range


@dataclass(slots=True, frozen=True)
class GetAttr:
    obj: Expr
    name: str
    range: Range


@dataclass(slots=True, frozen=True)
class Index:
    """`obj[key]`, and the legacy `obj.0` form."""

    obj: Expr
    key: Expr
    range: Range


@dataclass(slots=True, frozen=True)
class SplatItem:
    """Inside `Splat.each`: the element being visited."""

    range: Range


@dataclass(slots=True, frozen=True)
class Splat:
    """`source[*].a.b` or `source.*.a`: `each` is evaluated once per element,
    with `SplatItem` standing for the element. For the attribute-only form a
    following index applies to the resulting list, as in Terraform."""

    source: Expr
    each: Expr
    range: Range


@dataclass(slots=True, frozen=True)
class FunctionCall:
    """`name(args)`; `name` may hold `::` provider namespaces. `expand_final`
    is set when the last argument is followed by `...`."""

    name: str
    args: list[Expr]
    expand_final: bool
    range: Range


@dataclass(slots=True, frozen=True)
class Conditional:
    cond: Expr
    true_expr: Expr
    false_expr: Expr
    range: Range


@dataclass(slots=True, frozen=True)
class BinaryOp:
    op: str
    left: Expr
    right: Expr
    range: Range


@dataclass(slots=True, frozen=True)
class UnaryOp:
    op: str
    operand: Expr
    range: Range


@dataclass(slots=True, frozen=True)
class Parens:
    expr: Expr
    range: Range


@dataclass(slots=True, frozen=True)
class ForExpr:
    """`[for k, v in coll : value if cond]` or `{for k, v in coll : key => value... if cond}`."""

    key_var: str | None
    value_var: str
    collection: Expr
    key_expr: Expr | None
    value_expr: Expr
    cond: Expr | None
    group: bool
    is_object: bool
    range: Range


Expr: TypeAlias = (
    LiteralValue
    | TemplateExpr
    | TupleExpr
    | ObjectExpr
    | Variable
    | GetAttr
    | Index
    | Splat
    | SplatItem
    | FunctionCall
    | Conditional
    | BinaryOp
    | UnaryOp
    | Parens
    | ForExpr
)
TemplatePart: TypeAlias = str | Interpolation | TemplateIf | TemplateFor


# --- Structure ---------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Attribute:
    """`name = expr`; `range` covers both, `name_range` only the name."""

    name: str
    expr: Expr
    range: Range
    name_range: Range


@dataclass(slots=True, frozen=True)
class Body:
    """The contents of a file or of a block. Its range spans the whole file, or
    a block's braces."""

    attributes: dict[str, Attribute]
    blocks: list[Block]
    range: Range


@dataclass(slots=True, frozen=True)
class Block:
    """`type "label" ident { … }`; `range` runs from the type to the closing brace."""

    type: str
    labels: tuple[str, ...]
    body: Body
    range: Range
    type_range: Range
    label_ranges: tuple[Range, ...]

    def sets(self, name: str) -> bool:
        """Whether the body sets the attribute `name`."""
        return name in self.body.attributes

    def release(self) -> None:
        """Drop what can be made again (a `DeferredBlock`'s parsed body)."""


# Attribute-name sets, shared by every deferred block that sets the same names.
_NAME_SETS: dict[frozenset[str], frozenset[str]] = {}


class DeferredBlock(Block):
    """A top-level block kept as its own text and parsed again when its body is read.

    A large configuration holds hundreds of thousands of resource blocks, and a module's resources are
    mapped one at a time: the syntax tree of each is made when it is needed and dropped again with `release`,
    instead of all of them being held at once. Parsing the same text gives the same tree, ranges included
    (the text keeps its first line and column).
    """

    __slots__ = ("_filename", "_first_line", "_names", "_parsed", "_text")
    _filename: str
    _first_line: int
    _names: frozenset[str]
    _parsed: Block | None
    _text: str

    def __init__(self, parsed: Block, text: str, filename: str) -> None:
        object.__setattr__(self, "type", parsed.type)
        object.__setattr__(self, "labels", parsed.labels)
        object.__setattr__(self, "range", parsed.range)
        names = frozenset(parsed.body.attributes)
        object.__setattr__(self, "_names", _NAME_SETS.setdefault(names, names))
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_filename", filename)
        object.__setattr__(self, "_first_line", parsed.range.start_line)
        object.__setattr__(self, "_parsed", None)

    @property
    def body(self) -> Body:
        return self.parsed().body

    @property
    def type_range(self) -> Range:
        return self.parsed().type_range

    @property
    def label_ranges(self) -> tuple[Range, ...]:
        return self.parsed().label_ranges

    def parsed(self) -> Block:
        """The block's syntax tree, parsed again if it was released."""
        parsed: Block | None = self._parsed
        if parsed is None:
            from .parser import parse_block

            parsed = parse_block(self._text, self._filename, self._first_line)
            object.__setattr__(self, "_parsed", parsed)
        return parsed

    def sets(self, name: str) -> bool:
        return name in self._names

    def release(self) -> None:
        object.__setattr__(self, "_parsed", None)


# --- Analysis ----------------------------------------------------------------


def children(node: Expr | TemplatePart) -> list[Expr]:
    """The direct sub-expressions of a node, in source order."""
    if isinstance(node, str | LiteralValue | Variable | SplatItem):
        return []
    if isinstance(node, GetAttr):
        return [node.obj]
    if isinstance(node, Index):
        return [node.obj, node.key]
    if isinstance(node, Splat):
        return [node.source, node.each]
    if isinstance(node, TupleExpr):
        return list(node.items)
    if isinstance(node, ObjectExpr):
        return [e for item in node.items for e in (item.key, item.value)]
    if isinstance(node, FunctionCall):
        return list(node.args)
    if isinstance(node, Conditional):
        return [node.cond, node.true_expr, node.false_expr]
    if isinstance(node, BinaryOp):
        return [node.left, node.right]
    if isinstance(node, UnaryOp):
        return [node.operand]
    if isinstance(node, Parens | Interpolation):
        return [node.expr]
    if isinstance(node, ForExpr):
        found = [node.collection]
        if node.key_expr is not None:
            found.append(node.key_expr)
        found.append(node.value_expr)
        if node.cond is not None:
            found.append(node.cond)
        return found
    if isinstance(node, TemplateExpr):
        return [e for part in node.parts for e in _part_exprs(part)]
    if isinstance(node, TemplateIf):
        return [node.cond, *_parts_exprs(node.then_parts), *_parts_exprs(node.else_parts)]
    return [node.collection, *_parts_exprs(node.body_parts)]


def _part_exprs(part: TemplatePart) -> list[Expr]:
    if isinstance(part, str):
        return []
    if isinstance(part, Interpolation):
        return [part.expr]
    return children(part)


def _parts_exprs(parts: list[TemplatePart]) -> list[Expr]:
    return [e for part in parts for e in _part_exprs(part)]


def references(expr: Expr) -> list[tuple[str, ...]]:
    """The traversals an expression reads, for dependency ordering.

    Each path is the root name followed by attribute names (and literal string
    index keys) up to the first dynamic step, number index or splat:
    `aws_instance.web[0].id` gives `("aws_instance", "web")`, `var.tags["a"]`
    gives `("var", "tags", "a")`. Variables bound by enclosing `for`
    expressions or directives are not references. Paths come in source order,
    without duplicates.
    """
    found: dict[tuple[str, ...], None] = {}
    # Explicit stack: expressions can be nested a few hundred levels deep.
    stack: list[tuple[Expr | TemplatePart, frozenset[str]]] = [(expr, frozenset())]
    while stack:
        node, bound = stack.pop()
        pending: list[tuple[Expr | TemplatePart, frozenset[str]]] = []
        if isinstance(node, GetAttr | Index | Variable):
            path: list[str] = []
            cur: Expr = node
            while isinstance(cur, GetAttr | Index):
                if isinstance(cur, GetAttr):
                    path.append(cur.name)
                else:
                    pending.append((cur.key, bound))
                    key = cur.key.value if isinstance(cur.key, LiteralValue) else None
                    if isinstance(key, str):
                        path.append(key)
                    else:
                        path.clear()  # Only the steps before a dynamic one are static.
                cur = cur.obj
            if isinstance(cur, Variable):
                if cur.name not in bound:
                    found[(cur.name, *reversed(path))] = None
            else:
                pending.append((cur, bound))
        elif isinstance(node, ForExpr):
            inner = bound | {node.value_var} | ({node.key_var} if node.key_var else set())
            pending.append((node.collection, bound))
            pending.extend((child, inner) for child in children(node)[1:])
        elif isinstance(node, TemplateFor):
            inner = bound | {node.value_var} | ({node.key_var} if node.key_var else set())
            pending.append((node.collection, bound))
            pending.extend((part, inner) for part in node.body_parts)
        elif isinstance(node, TemplateExpr):
            pending.extend((part, bound) for part in node.parts)
        elif isinstance(node, TemplateIf):
            pending.append((node.cond, bound))
            pending.extend((part, bound) for part in [*node.then_parts, *node.else_parts])
        else:
            pending.extend((child, bound) for child in children(node))
        stack.extend(reversed(pending))
    return list(found)

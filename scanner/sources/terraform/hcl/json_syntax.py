"""Terraform's JSON syntax (`.tf.json`, `.tfvars.json`) read into the same tree the native parser builds.

JSON values carry their source ranges, so findings point at exact lines. As Terraform reads it:
- a JSON string in an expression position is a template (`"${var.x}"`), and its object keys too;
- a block type's labels are the keys of nested objects (`"resource": {"aws_s3_bucket": {"b": {...}}}`), and
  an array at any of those levels stands for several blocks;
- a `"//"` property is a comment;
- what is an attribute and what a nested block depends on the provider's schema, which Tenet does not have:
  a resource's nested objects stay attributes here, and `HclView.blocks` reads them as blocks when asked for
  them (`json_blocks`);
- a variable's `type`, and references by name (`depends_on`, `provider`, a dynamic block's `iterator`) are
  expressions written as strings; a variable's `default` and a `.tfvars.json` value are literal.
"""

from __future__ import annotations

import dataclasses

from scanner.sources.json_lines import JsonNode, JsonSyntaxError, read_json

from .ast import (
    Attribute,
    Block,
    Body,
    Expr,
    Interpolation,
    LiteralValue,
    ObjectExpr,
    ObjectItem,
    Range,
    TemplateExpr,
    TupleExpr,
)
from .lexer import HclSyntaxError
from .parser import parse_expression, parse_template

# Top-level block types and how many labels each has.
_TOP_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1, "locals": 0,
               "terraform": 0, "moved": 0, "import": 0, "check": 1, "removed": 0}
# Nested blocks Terraform itself defines (not a provider's schema), with their labels.
_META_BLOCKS = {"lifecycle": 0, "provisioner": 1, "connection": 0, "validation": 0, "precondition": 0,
                "postcondition": 0, "backend": 1, "required_providers": 0, "cloud": 0}
# Per block type: attributes written as strings that hold references or type expressions, not templates.
_EXPRESSION_STRINGS: dict[str, frozenset[str]] = {
    "resource": frozenset({"depends_on", "provider"}),
    "data": frozenset({"depends_on", "provider"}),
    "module": frozenset({"depends_on", "providers"}),
    "output": frozenset({"depends_on"}),
    "variable": frozenset({"type"}),
    "moved": frozenset({"from", "to"}),
    "removed": frozenset({"from"}),
    "import": frozenset({"to", "provider"}),
    "lifecycle": frozenset({"ignore_changes", "replace_triggered_by"}),
    "dynamic": frozenset({"iterator"}),
}


def parse_json(text: str, filename: str) -> JsonNode:
    try:
        return read_json(text, Range)
    except JsonSyntaxError as exc:
        raise HclSyntaxError(filename, exc.line, exc.column, exc.message) from None


def parse_json_config(text: str, filename: str) -> Body:
    """A `.tf.json` file as the body the native parser would give for the same configuration."""
    root = parse_json(text, filename)
    return _Converter(filename).top(root)


def parse_json_values(text: str, filename: str) -> Body:
    """A `.tfvars.json` file: one attribute per variable, each a literal value."""
    root = parse_json(text, filename)
    if not root.is_object:
        raise HclSyntaxError(filename, root.range.start_line, root.range.start_column,
                             "a variables file in JSON must be an object of variable names to values")
    converter = _Converter(filename)
    attributes: dict[str, Attribute] = {}
    for key, value in root.value:
        if key.value == "//":
            continue
        converter.unique(attributes, key)
        attributes[key.value] = Attribute(key.value, literal(value), key.range.to(value.range), key.range)
    return Body(attributes, [], root.range)


def literal(node: JsonNode) -> Expr:
    """A JSON value taken as it is: strings are not templates."""
    if node.is_object:
        return ObjectExpr([ObjectItem(LiteralValue(k.value, k.range), literal(v), k.range.to(v.range))
                           for k, v in node.value], node.range)
    if isinstance(node.value, list):
        return TupleExpr([literal(item) for item in node.value], node.range)
    return LiteralValue(node.value, node.range)


class _Converter:
    def __init__(self, filename: str) -> None:
        self.filename = filename

    def error(self, node: JsonNode, message: str) -> HclSyntaxError:
        return HclSyntaxError(self.filename, node.range.start_line, node.range.start_column, message)

    def unique(self, attributes: dict[str, Attribute], key: JsonNode) -> None:
        if key.value in attributes:
            raise self.error(key, f'duplicate argument "{key.value}" (already set on line '
                                  f'{attributes[key.value].range.start_line})')

    def top(self, root: JsonNode) -> Body:
        if not root.is_object:
            raise self.error(root, "a Terraform JSON file must hold one object at its top level")
        blocks: list[Block] = []
        for key, value in root.value:
            if key.value == "//":
                continue
            labels = _TOP_LABELS.get(key.value)
            if labels is None:
                raise self.error(key, f'unsupported block type "{key.value}" at the top level of a Terraform '
                                      "JSON file")
            blocks.extend(self.blocks(key, value, labels))
        return Body({}, blocks, root.range)

    def blocks(self, key: JsonNode, value: JsonNode, labels: int, *,
               found: tuple[tuple[str, Range], ...] = ()) -> list[Block]:
        """The blocks of `"type": value`: labels are the keys of nested objects; arrays mean several."""
        if isinstance(value.value, list) and not value.is_object:
            return [b for item in value.value for b in self.blocks(key, item, labels, found=found)]
        if not value.is_object:
            raise self.error(value, f'"{key.value}" must be an object (a block), not {_kind(value)}')
        if len(found) < labels:
            out: list[Block] = []
            for label, inner in value.value:
                if label.value == "//":
                    continue
                out.extend(self.blocks(key, inner, labels, found=(*found, (label.value, label.range))))
            return out
        references = _EXPRESSION_STRINGS.get(key.value, frozenset())
        if key.value == "locals":
            body = self.body(value, attributes_only=True)
        elif key.value == "variable":
            body = self.body(value, literal_names=frozenset({"default"}), references=references)
        else:
            body = self.body(value, references=references)
        start = found[-1][1] if found else value.range
        return [Block(key.value, tuple(label for label, _ in found), body, start.to(value.range), key.range,
                      tuple(r for _, r in found))]

    def body(self, node: JsonNode, *, attributes_only: bool = False, literal_names: frozenset[str] = frozenset(),
             references: frozenset[str] = frozenset()) -> Body:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for key, value in node.value:
            name = key.value
            if name == "//":
                continue
            if not attributes_only and name == "dynamic":
                blocks.extend(self.dynamic(key, value))
                continue
            if not attributes_only and name in _META_BLOCKS:
                blocks.extend(self.blocks(key, value, _META_BLOCKS[name]))
                continue
            self.unique(attributes, key)
            if name in literal_names:
                expr = literal(value)
            elif name in references:
                expr = self.reference(value)
            else:
                expr = self.expression(value)
            attributes[name] = Attribute(name, expr, key.range.to(value.range), key.range)
        return Body(attributes, blocks, node.range)

    def dynamic(self, key: JsonNode, value: JsonNode) -> list[Block]:
        """`"dynamic": {"ingress": {"for_each": …, "content": {…}}}`, as the native `dynamic` block."""
        out: list[Block] = []
        for holder in value.value if isinstance(value.value, list) and not value.is_object else [value]:
            if not holder.is_object:
                raise self.error(holder, f'"dynamic" must be an object (a block), not {_kind(holder)}')
            for label, inner in holder.value:
                if label.value == "//":
                    continue
                for spec in inner.value if isinstance(inner.value, list) and not inner.is_object else [inner]:
                    if not spec.is_object:
                        raise self.error(spec, f'dynamic "{label.value}" must be an object, not {_kind(spec)}')
                    content = [v for k, v in spec.value if k.value == "content"]
                    rest = JsonNode([(k, v) for k, v in spec.value if k.value != "content"], spec.range, True)
                    body = self.body(rest, references=_EXPRESSION_STRINGS["dynamic"])
                    for c in content:
                        if not c.is_object:
                            raise self.error(c, "a dynamic block's content must be an object")
                        body.blocks.append(Block("content", (), self.body(c), c.range, c.range, ()))
                    out.append(Block("dynamic", (label.value,), body, label.range.to(spec.range), key.range,
                                     (label.range,)))
        return out

    def reference(self, node: JsonNode) -> Expr:
        """Strings holding expressions (references, type constraints), in arrays and objects too."""
        if isinstance(node.value, str):
            return self.parse_string(node, as_template=False)
        if node.is_object:
            return ObjectExpr([ObjectItem(LiteralValue(k.value, k.range), self.reference(v), k.range.to(v.range))
                               for k, v in node.value], node.range)
        if isinstance(node.value, list):
            return TupleExpr([self.reference(item) for item in node.value], node.range)
        return LiteralValue(node.value, node.range)

    def expression(self, node: JsonNode) -> Expr:
        if isinstance(node.value, str):
            return self.parse_string(node, as_template=True)
        if node.is_object:
            return ObjectExpr([ObjectItem(self.expression(k), self.expression(v), k.range.to(v.range))
                               for k, v in node.value], node.range)
        if isinstance(node.value, list):
            return TupleExpr([self.expression(item) for item in node.value], node.range)
        return LiteralValue(node.value, node.range)

    def parse_string(self, node: JsonNode, *, as_template: bool) -> Expr:
        text: str = node.value
        if as_template and "${" not in text and "%{" not in text:
            return LiteralValue(text, node.range)
        offset = node.range.start_line - 1
        if as_template:
            parsed = parse_template(text, self.filename, line_offset=offset)
            if (isinstance(parsed, TemplateExpr) and len(parsed.parts) == 1
                    and isinstance(parsed.parts[0], Interpolation)):
                parsed = parsed.parts[0].expr  # "${x}" is x itself: the tree the native `x` gives
        else:
            parsed = parse_expression(text, self.filename, line_offset=offset)
        return _relocated(parsed, node.range)


def _relocated(expr: Expr, where: Range) -> Expr:
    """The outermost node spans the JSON string (the inner ones keep their lines within it)."""
    return dataclasses.replace(expr, range=where)


def _kind(node: JsonNode) -> str:
    if node.is_object:
        return "an object"
    if isinstance(node.value, list):
        return "an array"
    if isinstance(node.value, str):
        return "a string"
    if node.value is None:
        return "null"
    if isinstance(node.value, bool):
        return "a boolean"
    return "a number"


def json_blocks(expr: Expr, block_type: str) -> list[Block]:
    """A JSON-syntax attribute read as nested blocks: an object is one block, an array of objects several."""
    items = expr.items if isinstance(expr, TupleExpr) else [expr]
    if not all(isinstance(item, ObjectExpr) for item in items):
        return []
    out: list[Block] = []
    for item in items:
        assert isinstance(item, ObjectExpr)
        attributes: dict[str, Attribute] = {}
        for entry in item.items:
            key = entry.key.value if isinstance(entry.key, LiteralValue) else None
            if isinstance(key, str) and key != "//":
                attributes[key] = Attribute(key, entry.value, entry.range, entry.key.range)
        out.append(Block(block_type, (), Body(attributes, [], item.range), item.range, item.range, ()))
    return out

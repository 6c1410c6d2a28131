"""`ResourceView` over HCL: attributes evaluated in the module's scope, `dynamic` blocks expanded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.engine.findings import ScanError
from scanner.model import Origin, Unknown
from scanner.sources.terraform.data_sources import LocatedDocument
from scanner.sources.terraform.hcl import Block, Body, FunctionCall, ObjectExpr, Scope, TupleExpr, references
from scanner.sources.terraform.hcl.sensitive import Sensitive, mark, unmark
from scanner.sources.terraform.module import Instance, Module, _Overlay, location


class HclView:
    """A resource instance or a nested block, read through its module's scope."""

    def __init__(self, module: Module, body: Body, *, block_type: str, address: str, origin: Origin, path: str,
                 scope: Scope, multiplicity: int = 1) -> None:
        self.module = module
        self.body = body
        self._type = block_type
        self._address = address
        self._origin = origin
        self.path = path
        self.scope = scope
        # How many blocks like this one there are for the resource (its instances, enclosing dynamic blocks):
        # a dynamic block inside expands to at most `max_instances` divided by it.
        self.multiplicity = multiplicity
        # Attribute values read so far: the view's own, so they go when it does (a module's views are made as its
        # resources are mapped, one at a time).
        self._values: dict[str, Any] = {}

    @classmethod
    def of_instance(cls, instance: Instance, multiplicity: int = 1) -> HclView:
        """`multiplicity`: the resource's instances (in every instance of its module)."""
        declared = instance.declared
        return cls(
            instance.module,
            declared.block.body,
            block_type=declared.block.labels[0],
            address=instance.address,
            origin=instance.module.resource_origin(declared, instance.address),
            path=declared.path,
            scope=instance.scope,
            multiplicity=multiplicity,
        )

    @property
    def type(self) -> str:
        return self._type

    @property
    def address(self) -> str:
        return self._address

    @property
    def origin(self) -> Origin:
        return self._origin

    def get(self, attr: str, default: Any = None) -> Any:
        """The attribute's value as rules must judge it: real, unmarked. (A sensitive value's text
        was registered when it was marked; reports hide it.)"""
        expr = self.body.attributes.get(attr)
        if expr is None:
            return default
        if attr not in self._values:
            self._values[attr] = unmark(self.module.evaluate(expr.expr, self.path, self.scope))[0]
        return self._values[attr]

    def has(self, attr: str) -> bool:
        return attr in self.body.attributes

    def origin_of(self, attr: str) -> Origin:
        expr = self.body.attributes.get(attr)
        if expr is None:
            return self._origin
        return self._origin.at(location(self.path, expr.range))

    def blocks(self, block_type: str) -> Sequence[HclView]:
        views: list[HclView] = []
        for block in self.body.blocks:
            if block.type == block_type:
                views.append(self._child(block, block.body, self.scope, len(views), self.multiplicity))
            elif block.type == "dynamic" and block.labels == (block_type,):
                views.extend(self._dynamic(block, len(views)))
        written = self.body.attributes.get(block_type)
        if written is not None and self.path.endswith(".json"):
            # JSON syntax has no block form of its own: without the provider's schema, a nested object (or an
            # array of them) is read as blocks when a mapping asks for blocks of that name.
            from scanner.sources.terraform.hcl.json_syntax import json_blocks

            for block in json_blocks(written.expr, block_type):
                views.append(self._child(block, block.body, self.scope, len(views), self.multiplicity))
        return views

    def _child(self, block: Block, body: Body, scope: Scope, index: int, multiplicity: int) -> HclView:
        origin = self._origin.at(location(self.path, block.range), f"{block_type_name(block)}[{index}]")
        return HclView(self.module, body, block_type=block_type_name(block), address=self._address,
                       origin=origin, path=self.path, scope=scope, multiplicity=multiplicity)

    def _dynamic(self, block: Block, start: int) -> list[HclView]:
        """`dynamic "x" { for_each = …; content { … } }`: one view per element, at the dynamic block."""
        content = next((b for b in block.body.blocks if b.type == "content"), None)
        if content is None:
            return []
        iterator = block.labels[0]
        it_attr = block.body.attributes.get("iterator")
        if it_attr is not None:
            refs = references(it_attr.expr)
            if refs:
                iterator = refs[0][0]
        for_each_attr = block.body.attributes.get("for_each")
        items: Any = Unknown(reason="dynamic block has no for_each")
        if for_each_attr is not None:
            items = self.module.evaluate(for_each_attr.expr, self.path, self.scope)
        # The iterator keeps the marks for the content's expressions.
        whole = isinstance(items, Sensitive)
        if whole:
            items = items.value
        pairs: list[tuple[Any, Any]]
        if isinstance(items, Unknown):
            pairs = [(items, items)]
        elif isinstance(items, Mapping):
            pairs = list(items.items())
        elif isinstance(items, list):
            pairs = list(enumerate(items))
        else:
            unknown = Unknown(reason=f"dynamic block for_each is not a collection: {unmark(items)[0]!r}",
                              path=self.path, line=block.range.start_line)
            pairs = [(unknown, unknown)]
        total = len(pairs) * self.multiplicity
        cap = self.module.ctx.max_instances
        if total > cap:
            times = f" for each of {self.multiplicity} enclosing blocks" if self.multiplicity > 1 else ""
            where = for_each_attr.range.start_line if for_each_attr is not None else block.range.start_line
            self.module.errors.append(ScanError(
                path=self.path, line=where,
                message=f"{self._address}: dynamic {block.labels[0]!r} block expands to {len(pairs)} blocks{times}, "
                        f"more than the limit of {cap} (max-instances); not scanned",
            ))
            return []
        if whole:
            pairs = [(mark(k), mark(v)) for k, v in pairs]
        return [
            self._child(block, content.body, _Overlay(self.scope, {iterator: {"key": k, "value": v}}), start + i,
                        total)
            for i, (k, v) in enumerate(pairs)
        ]

    def reference(self, attr: str) -> str | None:
        found = self.all_references(attr)
        return found[0] if found else None

    def all_references(self, attr: str) -> list[str]:
        expr = self.body.attributes.get(attr)
        if expr is None:
            return []
        found: list[str] = []
        for ref in references(expr.expr):
            if len(ref) >= 2 and any(t == ref[0] for t, _ in self.module.resources):
                address = f"{self.module.address_prefix}{ref[0]}.{ref[1]}"
                if address not in found:
                    found.append(address)
        return found

    def statement_origins(self, attr: str) -> list[Origin] | None:
        expr = self.body.attributes.get(attr)
        if expr is None:
            return None
        value = self.get(attr)
        if isinstance(value, LocatedDocument):
            return [self._origin.at(loc, f"statement[{i}]") for i, loc in enumerate(value.statement_locations)]
        items = _jsonencode_statements(expr.expr)
        if items is None:
            return None
        return [self._origin.at(location(self.path, item.range), f"statement[{i}]") for i, item in enumerate(items)]


def block_type_name(block: Block) -> str:
    return block.labels[0] if block.type == "dynamic" and block.labels else block.type


def _jsonencode_statements(expr: Any) -> list[Any] | None:
    """The `Statement = [...]` items of a literal `jsonencode({...})`, for per-statement lines."""
    if not isinstance(expr, FunctionCall) or expr.name != "jsonencode" or len(expr.args) != 1:
        return None
    doc = expr.args[0]
    if not isinstance(doc, ObjectExpr):
        return None
    for item in doc.items:
        key = getattr(item.key, "value", None)
        if key is None:
            parts = getattr(item.key, "parts", None)
            key = parts[0] if isinstance(parts, list) and len(parts) == 1 else None
        if key == "Statement" and isinstance(item.value, TupleExpr):
            return list(item.value.items)
    return None

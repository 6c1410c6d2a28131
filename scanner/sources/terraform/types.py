"""Terraform type constraints, applied to variable values as Terraform applies them.

`type = object({ cidrs = optional(list(string), ["0.0.0.0/0"]), port = number })`
converts a caller's `{ port = "22" }` into `{ cidrs = ["0.0.0.0/0"], port = 22 }`:
optional attributes get their defaults (also when given as null), absent ones
without `optional()` are an error, attributes the type does not name are dropped,
and primitive values convert (`"22"` to 22, `true` to "true"). Collections
convert element by element, and defaults nested in an optional object's own
default apply too. A constraint Tenet cannot read leaves the value as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.model.unknown import Unknown

from .hcl.ast import Expr, FunctionCall, ObjectExpr, Parens, TupleExpr, Variable
from .hcl.functions import JsonDocument
from .hcl.sensitive import Sensitive, mark

_PRIMITIVES = frozenset({"string", "number", "bool", "any"})
_COLLECTIONS = frozenset({"list", "set", "map"})


@dataclass(frozen=True)
class Attribute:
    type: TypeSpec
    optional: bool = False
    default: Expr | None = None


@dataclass(frozen=True)
class TypeSpec:
    kind: str  # string, number, bool, any, list, set, map, tuple, object
    element: TypeSpec | None = None
    items: tuple[TypeSpec, ...] = ()
    attributes: Mapping[str, Attribute] = field(default_factory=dict)


class TypeConversionError(Exception):
    """A value that does not fit its type constraint, as Terraform would refuse it."""


def parse(expr: Expr) -> TypeSpec | None:
    """The type written in `expr`, or None if it is not a type expression Tenet reads."""
    while isinstance(expr, Parens):
        expr = expr.expr
    if isinstance(expr, Variable):
        return TypeSpec(expr.name) if expr.name in _PRIMITIVES else None
    if not isinstance(expr, FunctionCall):
        return None
    if expr.name in _COLLECTIONS and len(expr.args) == 1:
        element = parse(expr.args[0])
        return TypeSpec(expr.name, element=element) if element else None
    if expr.name == "tuple" and len(expr.args) == 1 and isinstance(expr.args[0], TupleExpr):
        items = [parse(item) for item in expr.args[0].items]
        return TypeSpec("tuple", items=tuple(items)) if all(items) else None  # type: ignore[arg-type]
    if expr.name == "object" and len(expr.args) == 1 and isinstance(expr.args[0], ObjectExpr):
        attributes: dict[str, Attribute] = {}
        for item in expr.args[0].items:
            key = item.key
            name = key.name if isinstance(key, Variable) else getattr(key, "value", None)
            attribute = _attribute(item.value)
            if not isinstance(name, str) or attribute is None:
                return None
            attributes[name] = attribute
        return TypeSpec("object", attributes=attributes)
    return None


def _attribute(expr: Expr) -> Attribute | None:
    if isinstance(expr, FunctionCall) and expr.name == "optional" and 1 <= len(expr.args) <= 2:
        spec = parse(expr.args[0])
        return Attribute(spec, True, expr.args[1] if len(expr.args) == 2 else None) if spec else None
    spec = parse(expr)
    return Attribute(spec) if spec else None


def convert(value: Any, spec: TypeSpec, evaluate: Callable[[Expr], Any], where: str = "") -> Any:
    """`value` converted to `spec`; `evaluate` gives an optional attribute's default. Raises
    TypeConversionError where Terraform would refuse the value."""
    if value is None or isinstance(value, Unknown) or spec.kind == "any":
        return value
    if isinstance(value, Sensitive):
        return mark(convert(value.value, spec, evaluate, where))
    if spec.kind == "string" and isinstance(value, JsonDocument):
        return value  # JSON text not known to the letter (a policy document with an ARN known after apply)
    if spec.kind in ("string", "number", "bool"):
        return _primitive(value, spec.kind, where)
    if spec.kind in ("list", "set", "tuple"):
        if isinstance(value, str | Mapping) or not isinstance(value, list | tuple):
            raise TypeConversionError(f"{where or 'value'}: a {spec.kind} is required")
        if spec.kind == "tuple":
            if len(value) != len(spec.items):
                raise TypeConversionError(f"{where or 'value'}: a tuple of {len(spec.items)} elements is required")
            pairs = enumerate(zip(value, spec.items, strict=True))
            return [convert(v, t, evaluate, f"{where}[{i}]") for i, (v, t) in pairs]
        element = spec.element or TypeSpec("any")
        converted_items = [convert(v, element, evaluate, f"{where}[{i}]") for i, v in enumerate(value)]
        return _set(converted_items) if spec.kind == "set" else converted_items
    if not isinstance(value, Mapping):
        raise TypeConversionError(f"{where or 'value'}: an {'object' if spec.kind == 'object' else 'map'} "
                                  "is required")
    if spec.kind == "map":
        element = spec.element or TypeSpec("any")
        return {k: convert(v, element, evaluate, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    converted: dict[str, Any] = {}
    for name, attribute in spec.attributes.items():
        path = f"{where}.{name}" if where else name
        given = value.get(name)
        if given is None and not attribute.optional and name not in value:
            raise TypeConversionError(f"attribute {path!r} is required")
        if given is None and attribute.optional:
            default = evaluate(attribute.default) if attribute.default is not None else None
            converted[name] = convert(default, attribute.type, evaluate, path)
        else:
            converted[name] = convert(given, attribute.type, evaluate, path)
    return converted


def _set(items: list[Any]) -> list[Any]:
    """A set as Terraform holds it: each value once; strings (and numbers) in their sorted order."""
    if all(isinstance(v, str) for v in items):
        return sorted(set(items))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in items):
        return sorted(set(items))
    unique: list[Any] = []
    for v in items:
        if isinstance(v, Unknown | Sensitive) or not any(type(v) is type(u) and v == u for u in unique):
            unique.append(v)
    return unique


def _primitive(value: Any, kind: str, where: str) -> Any:
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if isinstance(value, str):
            return value
    elif kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                pass
            else:
                return int(number) if number.is_integer() else number
    elif kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
    raise TypeConversionError(f"{where or 'value'}: a {kind} is required")

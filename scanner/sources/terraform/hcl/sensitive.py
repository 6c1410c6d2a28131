"""`Sensitive`: Terraform's sensitive mark, carried by a value through evaluation.

A `sensitive = true` variable, a `sensitive = true` output and `sensitive(x)`
give marked values; whatever is computed from a marked value is marked too
(the evaluator does that), and `nonsensitive(x)` removes the mark. Collections
keep marks on their elements, as Terraform does: `[var.secret, "10.0.0.0/8"]`
marks only the first element.

A mark never changes what a rule sees: values leave the evaluator for the
mappings unmarked (`unmark`), and the text of every marked value is
registered as a secret, which the scanner hides in every report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.engine.redaction import SENSITIVE
from scanner.model.unknown import Unknown

from .functions import JsonDocument


@dataclass(frozen=True, slots=True)
class Sensitive:
    """A marked value. Its text is never its content, so an error message that shows it shows nothing."""

    value: Any

    def __repr__(self) -> str:
        return SENSITIVE

    __str__ = __repr__


def mark(value: Any) -> Any:
    """`value` marked; an `Unknown` stays as it is (it holds no value, only a reason)."""
    return value if isinstance(value, Sensitive | Unknown) else Sensitive(value)


def unmark(value: Any) -> tuple[Any, bool]:
    """`value` with every mark inside it removed, and whether there was one.

    A value without marks is returned as it is (lazy mappings stay lazy only
    if walking them finds nothing to rebuild; a rebuilt mapping is a dict).
    """
    return _unmark(value, set())


def _unmark(value: Any, within: set[int]) -> tuple[Any, bool]:
    """`within`: the containers being walked, so a cycle of lazy values (resources that refer
    to each other) is walked once."""
    if isinstance(value, Sensitive):
        return _unmark(value.value, within)[0], True
    if isinstance(value, JsonDocument):
        inner, found = _unmark(value.value, within)
        return (dataclasses.replace(value, value=inner), True) if found else (value, False)
    if not isinstance(value, Mapping | list | tuple) or id(value) in within:
        return value, False
    within.add(id(value))
    try:
        if isinstance(value, Mapping):
            items = [(k, *_unmark(v, within)) for k, v in value.items()]
            if not any(found for _, _, found in items):
                return value, False
            return {k: v for k, v, _ in items}, True
        elements = [_unmark(v, within) for v in value]
        if not any(found for _, found in elements):
            return value, False
        rebuilt = [v for v, _ in elements]
        return (tuple(rebuilt) if isinstance(value, tuple) else rebuilt), True
    finally:
        within.discard(id(value))


def plain(value: Any) -> Any:
    """`value` without marks, for code outside the evaluator (mappings, `count`, `for_each`)."""
    return unmark(value)[0]

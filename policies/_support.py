"""Helpers shared by rules: deferring unknowns so known violations still surface."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from scanner.model import CannotEvaluate, Unknown

T = TypeVar("T")


class Deferred:
    """Collects the first `CannotEvaluate` so a rule can finish its other checks.

    A rule yields every violation it can prove, then calls `raise_pending()`:
    the engine records both the violations and the "could not evaluate".
    """

    def __init__(self) -> None:
        self.pending: CannotEvaluate | None = None

    def value(self, value: T | Unknown, what: str = "") -> T | None:
        """`value` when known; None (and remembered) when unknown."""
        if isinstance(value, Unknown):
            self.note(CannotEvaluate(value, what))
            return None
        return value

    def items(self, values: list[T | Unknown] | Unknown, what: str = "") -> list[T]:
        """The known items of a list that may be unknown, or hold unknowns."""
        known_list = self.value(values, what)
        if known_list is None:
            return []
        result: list[T] = []
        for item in known_list:
            known_item = self.value(item, what)
            if known_item is not None:
                result.append(known_item)
        return result

    def note(self, exc: CannotEvaluate) -> None:
        if self.pending is None:
            self.pending = exc

    def raise_pending(self) -> None:
        if self.pending is not None:
            raise self.pending


def join(items: Iterable[object], limit: int = 4) -> str:
    listed = [str(i) for i in items]
    shown = ", ".join(listed[:limit])
    return shown + (f" and {len(listed) - limit} more" if len(listed) > limit else "")

"""`Unknown`: a value Tenet could not resolve.

An unresolved variable, an unsupported function or a plan's `after_unknown`
becomes an `Unknown` instead of a guess. A rule that needs the value gets a
`CannotEvaluate` and the engine reports "could not evaluate": never a pass.
"""

from __future__ import annotations

from typing import Any, Literal, NoReturn, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class CannotEvaluate(Exception):
    """Raised when a rule depends on an `Unknown` value."""

    def __init__(self, unknown: Unknown, what: str = "") -> None:
        self.unknown = unknown
        self.what = what
        super().__init__(f"{what}: {unknown.reason}" if what else unknown.reason)


class Unknown(BaseModel):
    """A value that could not be resolved, with the reason why.

    Truth tests, iteration and ordering raise `CannotEvaluate`, so a rule that
    forgets to check cannot turn an unknown into a silent pass.
    """

    model_config = ConfigDict(frozen=True)

    unknown: Literal[True] = True
    reason: str
    # Where the unresolved expression stands, when it is known (1-based).
    path: str | None = None
    line: int | None = None
    # Partial knowledge. `prefix` and `suffix`: the known text around the unknown part of a string
    # (`arn:${partition}:iam::aws:policy/AdministratorAccess`). `specific`: the unknown parts are single
    # identifiers (a resource's own ARN or id, the partition, the account id), never a wildcard.
    prefix: str = ""
    suffix: str = ""
    specific: bool = False

    def placeholder(self) -> str | None:
        """The value as a string that decides what it can, Terraform's "(known after apply)" in the unknown
        part; None when the unknown part could be anything, a wildcard included."""
        if not self.specific:
            return None
        return f"{self.prefix}(known after apply){self.suffix}"

    def _refuse(self, *_: Any) -> NoReturn:
        raise CannotEvaluate(self)

    __bool__ = _refuse
    __lt__ = _refuse
    __le__ = _refuse
    __gt__ = _refuse
    __ge__ = _refuse
    __contains__ = _refuse
    __len__ = _refuse

    def __iter__(self) -> NoReturn:
        raise CannotEvaluate(self)

    def __str__(self) -> str:
        return f"<unknown: {self.reason}>"

    # A message that quotes a value holding an unknown (`{value!r}`) speaks Terraform, not Python.
    __repr__ = __str__


def known(value: T | Unknown, what: str = "") -> T:
    """Return `value`, or raise `CannotEvaluate` if it is unknown."""
    if isinstance(value, Unknown):
        raise CannotEvaluate(value, what)
    return value

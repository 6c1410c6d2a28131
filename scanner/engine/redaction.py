"""Secrets never reach a report: every text a report shows passes through one `Redactor`.

Sources register the plain text of every value they know to be secret (a
Terraform `sensitive` variable and everything derived from it, a plan's
`after_sensitive` values, a Kubernetes Secret's data). The scanner then hides
each occurrence of those texts in findings and errors, as Terraform shows them:
`(sensitive value)`. Rules still see the real values; only what is shown changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

SENSITIVE: Final = "(sensitive value)"

# A short secret ("80", "tcp") is hidden only where it stands alone, so it does not eat
# into other words and numbers; a longer one is hidden wherever it occurs.
_SHORT: Final = 4
_WORD: Final = "A-Za-z0-9_"


def secret_texts(value: Any) -> Iterator[str]:
    """The texts under which a secret value can appear in a report: every string and number in
    it, as written, as `repr` writes it and as JSON writes it.

    Map keys are names (`password`, `token`), not secrets; where a sensitive key would be shown,
    as a for_each key in an address, it is registered on its own.
    """
    stack = [value]
    seen: set[int] = set()  # lazy values (Terraform resources referring to each other) may form cycles
    while stack:
        v = stack.pop()
        if isinstance(v, Mapping | list | tuple | set | frozenset):
            if id(v) in seen:
                continue
            seen.add(id(v))
        if isinstance(v, Mapping):
            stack.extend(v.values())
        elif isinstance(v, list | tuple | set | frozenset):
            stack.extend(v)
        elif isinstance(v, str):
            yield from _forms(v)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            yield str(v)
            if isinstance(v, float) and v.is_integer():
                yield str(int(v))
        elif hasattr(v, "value") and not isinstance(v, type):
            stack.append(v.value)  # wrappers: a JSON document, a sensitive marker


def _forms(text: str) -> Iterator[str]:
    if not text.strip():
        return
    yield text
    for quoted in (repr(text)[1:-1], json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]):
        if quoted != text:
            yield quoted


class Redactor:
    """Replaces every registered secret text with `(sensitive value)`; longer texts first, so a
    derived value (`db hunter2`) is hidden whole rather than in part. Case is ignored: an adapter
    may normalise what it shows (`HUNTER2` as a protocol is shown `hunter2`)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        texts = sorted({s for s in secrets if s.strip()}, key=lambda s: (-len(s), s))
        if not texts:
            self._pattern: re.Pattern[str] | None = None
            return
        alternatives = [
            re.escape(s) if len(s) >= _SHORT else rf"(?<![{_WORD}]){re.escape(s)}(?![{_WORD}])" for s in texts
        ]
        self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(SENSITIVE, text)

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self(text)

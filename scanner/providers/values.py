"""Loose values as configurations and APIs give them, converted the way Terraform converts them."""

from __future__ import annotations

from typing import Any

from scanner.model import Unknown


def string_list(value: Any) -> list[str | Unknown] | Unknown:
    """A list of strings from a value that may be a list, a single string, null or unknown."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [i if isinstance(i, Unknown) else str(i) for i in items]


def as_bool(value: Any, default: bool) -> bool | Unknown:
    """Terraform's bool conversion: true/false, "true"/"false", 1/0; null means the default."""
    if isinstance(value, Unknown):
        return value
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return Unknown(reason=f"{value!r} is not a boolean")


def as_int(value: Any) -> int | Unknown | None:
    if isinstance(value, Unknown) or value is None:
        return value
    if isinstance(value, bool):
        return Unknown(reason=f"{value!r} is not a number")
    try:
        return int(str(value).strip())
    except ValueError:
        return Unknown(reason=f"{value!r} is not a whole number")

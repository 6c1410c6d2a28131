"""Terraform's built-in functions and value semantics, over plain Python values.

Values are str, int, float, bool, None, list, dict (or any Mapping), `Unknown`
and `JsonDocument`. A function raises `EvaluationError` when Terraform would
report an error, and `CannotEvaluate` when its result depends on an unknown
value; the evaluator turns both into an `Unknown`.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from scanner.model.unknown import CannotEvaluate, Unknown

Impl = Callable[[list[Any]], Any]

MAX_TEXT: Final = 1_000_000  # longest string a function builds or parses
MAX_LIST: Final = 1024  # longest list `range` builds, as in Terraform
MAX_NODES: Final = 1_000_000  # values decoded from JSON/YAML
_MAX_WIDTH: Final = 10_000  # format() width and precision


class EvaluationError(Exception):
    """What Terraform would report as an error (bad argument, missing key…)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class JsonDocument:
    """A JSON string kept as its structure because its exact text is not known.

    `jsonencode` returns one when its argument contains `Unknown` (or
    `JsonDocument`) values, so policy adapters can still read every known
    statement; `value` may hold both. String operations on a document give
    `Unknown`, `jsondecode` gives `value` back.
    """

    value: Any


@dataclass(frozen=True, slots=True)
class Function:
    impl: Impl
    min_args: int
    max_args: int | None  # None: variadic
    accepts_unknown: bool  # whether the function handles Unknown arguments itself


FUNCTIONS: dict[str, Function] = {}


def _fn(name: str, arity: int | tuple[int, int | None], accepts_unknown: bool = False) -> Callable[[Impl], Impl]:
    low, high = (arity, arity) if isinstance(arity, int) else arity

    def register(impl: Impl) -> Impl:
        FUNCTIONS[name] = Function(impl, low, high, accepts_unknown)
        return impl

    return register


# --- value helpers -------------------------------------------------------------


def type_name(value: Any) -> str:
    """The kind of a value, with its article, for messages: "a list", "null"…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Unknown):
        return "an unknown value"
    if isinstance(value, JsonDocument):
        return "a JSON document"
    return f"a {type(value).__name__}"


def _first_visit(v: Any, seen: set[int]) -> bool:
    """Whether a container is met for the first time: lazy values (Terraform resources that refer to
    each other) can form cycles, which a walk must not follow forever."""
    if not isinstance(v, Mapping | list | tuple):
        return True
    if id(v) in seen:
        return False
    seen.add(id(v))
    return True


def find_unknown(value: Any) -> Unknown | None:
    """The first `Unknown` inside a value, if any."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        v = stack.pop()
        if isinstance(v, Unknown):
            return v
        if not _first_visit(v, seen):
            continue
        if isinstance(v, JsonDocument):
            stack.append(v.value)
        elif isinstance(v, Mapping):
            stack.extend(reversed([item for _, item in v.items()]))
        elif isinstance(v, list | tuple):
            stack.extend(reversed(v))
    return None


def _has_document(value: Any) -> bool:
    """Whether a value holds an Unknown or a JsonDocument (whose text is not known)."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        v = stack.pop()
        if isinstance(v, Unknown | JsonDocument):
            return True
        if not _first_visit(v, seen):
            continue
        if isinstance(v, Mapping):
            stack.extend(item for _, item in v.items())
        elif isinstance(v, list | tuple):
            stack.extend(v)
    return False


def _document_unknown(doc: JsonDocument) -> Unknown:
    inner = find_unknown(doc.value)
    return inner if inner is not None else Unknown(reason="the exact text of the JSON document is not known")


def number_text(value: int | float) -> str:
    """Terraform's rendering of a number: no exponent, no trailing `.0`."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text else text


def to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, Unknown):
        raise CannotEvaluate(value)
    if isinstance(value, JsonDocument):
        raise CannotEvaluate(_document_unknown(value))
    raise EvaluationError(f"a string is required, got {type_name(value)}")


_NUMBER: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def normalize(value: float) -> int | float:
    """Whole floats become ints, so `0.5 + 0.5` is `1` as in Terraform."""
    if not math.isfinite(value):
        raise EvaluationError("number is out of range")
    return int(value) if value.is_integer() else value


def _exact(value: int | float) -> int | float:
    return normalize(value) if isinstance(value, float) else value


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvaluationError("a number is required, got a bool")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        match = _NUMBER.fullmatch(text)
        if match is None or len(text) > 400:
            raise EvaluationError(f"{value!r} is not a number")
        return normalize(float(text)) if match.group(1) or match.group(2) else int(text)
    if isinstance(value, Unknown):
        raise CannotEvaluate(value)
    raise EvaluationError(f"a number is required, got {type_name(value)}")


def to_int(value: Any) -> int:
    number = to_number(value)
    if isinstance(number, float):
        if number.is_integer():
            return int(number)
        raise EvaluationError(f"a whole number is required, got {number_text(number)}")
    return number


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, Unknown):
        raise CannotEvaluate(value)
    if value == "true":
        return True
    if value == "false":
        return False
    raise EvaluationError(f"a bool is required, got {type_name(value)}")


def to_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, Unknown):
        raise CannotEvaluate(value)
    raise EvaluationError(f"a list is required, got {type_name(value)}")


def to_map(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, Unknown):
        raise CannotEvaluate(value)
    raise EvaluationError(f"a map is required, got {type_name(value)}")


def key_text(value: Any) -> str:
    """An object key: strings, numbers and bools convert; null does not."""
    if value is None:
        raise EvaluationError("an object key cannot be null")
    return to_str(value)


def values_equal(a: Any, b: Any) -> bool | Unknown:
    """Terraform `==`: values of different types are never equal."""
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    if (a is None and isinstance(b, JsonDocument)) or (b is None and isinstance(a, JsonDocument)):
        return False  # a JSON document whose text waits for apply is a string all the same, never null
    if isinstance(a, JsonDocument):
        return _document_unknown(a)
    if isinstance(b, JsonDocument):
        return _document_unknown(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float):
        return isinstance(b, int | float) and a == b
    if isinstance(a, str):
        return isinstance(b, str) and a == b
    if isinstance(a, list | tuple):
        if not isinstance(b, list | tuple) or len(a) != len(b):
            return False
        return _all_equal(zip(a, b, strict=True))
    if isinstance(a, Mapping):
        if not isinstance(b, Mapping):
            return False
        left, right = dict(a.items()), dict(b.items())
        if left.keys() != right.keys():
            return False
        return _all_equal((left[k], right[k]) for k in left)
    return False


def _all_equal(pairs: Any) -> bool | Unknown:
    pending: Unknown | None = None
    for x, y in pairs:
        result = values_equal(x, y)
        if result is False:
            return False
        if isinstance(result, Unknown) and pending is None:
            pending = result
    return True if pending is None else pending


def binary_op(op: str, left: Any, right: Any) -> Any:
    """Arithmetic, comparison and equality on known values (not && and ||)."""
    if op == "==":
        return values_equal(left, right)
    if op == "!=":
        equal = values_equal(left, right)
        return equal if isinstance(equal, Unknown) else not equal
    a, b = to_number(left), to_number(right)
    if op == "+":
        return _exact(a + b)
    if op == "-":
        return _exact(a - b)
    if op == "*":
        return _exact(a * b)
    if op == "/":
        if b == 0:
            raise EvaluationError("division by zero")
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return a // b
        return normalize(a / b)
    if op == "%":
        if b == 0:
            raise EvaluationError("modulo by zero")
        if isinstance(a, int) and isinstance(b, int):
            rest = abs(a) % abs(b)  # truncated, as Terraform: the sign follows the dividend
            return rest if a >= 0 else -rest
        return normalize(math.fmod(a, b))
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == ">=":
        return a >= b
    raise EvaluationError(f"unknown operator {op!r}")


def _canon(value: Any) -> Any:
    """A hashable key with Terraform equality (1 == 1.0, but 1 != true != "1")."""
    if isinstance(value, Unknown):
        raise CannotEvaluate(value)
    if isinstance(value, JsonDocument):
        raise CannotEvaluate(_document_unknown(value))
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    if isinstance(value, list | tuple):
        return ("l", tuple(_canon(v) for v in value))
    if isinstance(value, Mapping):
        return ("m", tuple(sorted((k, _canon(v)) for k, v in value.items())))
    raise EvaluationError(f"unsupported value {type_name(value)}")


def _distinct(items: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        key = _canon(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def as_set(items: list[Any]) -> list[Any]:
    """A set, as a list in Terraform's order: strings lexically, numbers
    numerically; a mix of strings and numbers/bools becomes strings."""
    unique = _distinct(items)
    if all(isinstance(v, str) for v in unique):
        return sorted(unique)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in unique):
        return sorted(unique)
    if all(isinstance(v, str | int | float) for v in unique):
        return sorted(set(map(to_str, unique)))
    return unique


def _check_size(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise EvaluationError("result is larger than 1,000,000 characters")
    return text


# --- collections ---------------------------------------------------------------


@_fn("merge", (0, None))
def _merge(args: list[Any]) -> Any:
    out: dict[str, Any] = {}
    for arg in args:
        if arg is not None:
            out.update(to_map(arg).items())
    return out


@_fn("concat", (1, None))
def _concat(args: list[Any]) -> Any:
    return [item for arg in args for item in to_list(arg)]


@_fn("flatten", 1)
def _flatten(args: list[Any]) -> Any:
    out: list[Any] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list | tuple):
                walk(list(item))
            elif isinstance(item, Unknown):
                raise CannotEvaluate(item)  # it may be a list: the length is not known
            else:
                out.append(item)

    walk(to_list(args[0]))
    return out


@_fn("lookup", (2, 3), accepts_unknown=True)
def _lookup(args: list[Any]) -> Any:
    mapping, key = args[0], args[1]
    for arg in (mapping, key):
        if isinstance(arg, Unknown):
            return arg
    name = to_str(key)
    found = to_map(mapping)
    if name in found:
        return found[name]
    if len(args) == 3:
        return args[2]
    raise EvaluationError(f'key "{name}" not found')


@_fn("coalesce", (1, None), accepts_unknown=True)
def _coalesce(args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return arg  # it might be null: later arguments cannot be chosen yet
        if arg is not None and arg != "":
            return arg
    raise EvaluationError("no non-null, non-empty argument")


@_fn("coalescelist", (1, None))
def _coalescelist(args: list[Any]) -> Any:
    for arg in args:
        items = to_list(arg)
        if items:
            return items
    raise EvaluationError("no non-empty list argument")


@_fn("tolist", 1)
def _tolist(args: list[Any]) -> Any:
    return None if args[0] is None else to_list(args[0])


@_fn("toset", 1)
def _toset(args: list[Any]) -> Any:
    return None if args[0] is None else as_set(to_list(args[0]))


@_fn("tomap", 1)
def _tomap(args: list[Any]) -> Any:
    return None if args[0] is None else dict(to_map(args[0]).items())


@_fn("length", 1)
def _length(args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, str | list | tuple):
        return len(value)
    if isinstance(value, Mapping):
        return len(value.items())
    if isinstance(value, JsonDocument):
        raise CannotEvaluate(_document_unknown(value))
    raise EvaluationError(f"cannot take the length of {type_name(value)}")


@_fn("element", 2)
def _element(args: list[Any]) -> Any:
    items = to_list(args[0])
    index = to_int(args[1])
    if not items:
        raise EvaluationError("cannot use element() on an empty list")
    if index < 0:
        raise EvaluationError("index must not be negative")
    return items[index % len(items)]


@_fn("index", 2)
def _index(args: list[Any]) -> Any:
    pending: Unknown | None = None
    for i, item in enumerate(to_list(args[0])):
        equal = values_equal(item, args[1])
        if equal is True:
            if pending is not None:
                raise CannotEvaluate(pending)
            return i
        if isinstance(equal, Unknown) and pending is None:
            pending = equal
    if pending is not None:
        raise CannotEvaluate(pending)
    raise EvaluationError("item not found")


@_fn("contains", 2)
def _contains(args: list[Any]) -> Any:
    pending: Unknown | None = None
    for item in to_list(args[0]):
        equal = values_equal(item, args[1])
        if equal is True:
            return True
        if isinstance(equal, Unknown) and pending is None:
            pending = equal
    return False if pending is None else pending


@_fn("distinct", 1)
def _distinct_fn(args: list[Any]) -> Any:
    return _distinct(to_list(args[0]))


@_fn("keys", 1)
def _keys(args: list[Any]) -> Any:
    return sorted(k for k, _ in to_map(args[0]).items())


@_fn("values", 1)
def _values(args: list[Any]) -> Any:
    return [v for _, v in sorted(to_map(args[0]).items(), key=lambda kv: kv[0])]


@_fn("zipmap", 2)
def _zipmap(args: list[Any]) -> Any:
    keys, values = to_list(args[0]), to_list(args[1])
    if len(keys) != len(values):
        raise EvaluationError(f"{len(keys)} keys but {len(values)} values")
    return {key_text(k): v for k, v in zip(keys, values, strict=True)}


@_fn("range", (1, 3))
def _range(args: list[Any]) -> Any:
    numbers = [to_number(a) for a in args]
    start: int | float
    limit: int | float
    step: int | float
    if len(numbers) == 1:
        start, limit, step = 0, numbers[0], 1
    else:
        start, limit = numbers[0], numbers[1]
        step = numbers[2] if len(numbers) == 3 else (1 if limit >= start else -1)
    if step == 0:
        raise EvaluationError("step must not be zero")
    if (limit - start) * step < 0:
        raise EvaluationError("step goes away from the limit")
    out: list[int | float] = []
    value = start
    while (value < limit) if step > 0 else (value > limit):
        if len(out) >= MAX_LIST:
            raise EvaluationError(f"more than {MAX_LIST} elements")
        out.append(value)
        value = _exact(value + step)
    return out


@_fn("slice", 3)
def _slice(args: list[Any]) -> Any:
    items = to_list(args[0])
    start, end = to_int(args[1]), to_int(args[2])
    if not 0 <= start <= end <= len(items):
        raise EvaluationError(f"invalid slice [{start}:{end}] of a list of {len(items)} elements")
    return items[start:end]


@_fn("reverse", 1)
def _reverse(args: list[Any]) -> Any:
    return to_list(args[0])[::-1]


@_fn("sort", 1)
def _sort(args: list[Any]) -> Any:
    items = to_list(args[0])
    if any(item is None for item in items):
        raise EvaluationError("cannot sort a list with null elements")
    return sorted(to_str(item) for item in items)


@_fn("compact", 1)
def _compact(args: list[Any]) -> Any:
    # A JSON document whose text is not known (a policy document with an ARN known after apply) is never "".
    return [item if isinstance(item, JsonDocument) else to_str(item)
            for item in to_list(args[0]) if item is not None and item != ""]


@_fn("one", 1)
def _one(args: list[Any]) -> Any:
    if args[0] is None:
        return None
    items = to_list(args[0])
    if len(items) > 1:
        raise EvaluationError(f"a list of at most one element is required, got {len(items)}")
    return items[0] if items else None


@_fn("setunion", (1, None))
def _setunion(args: list[Any]) -> Any:
    return as_set([item for arg in args for item in to_list(arg)])


@_fn("setintersection", (1, None))
def _setintersection(args: list[Any]) -> Any:
    sets = [as_set(to_list(arg)) for arg in args]
    common = {_canon(v) for v in sets[0]}
    for other in sets[1:]:
        common &= {_canon(v) for v in other}
    return [v for v in sets[0] if _canon(v) in common]


@_fn("setsubtract", 2)
def _setsubtract(args: list[Any]) -> Any:
    removed = {_canon(v) for v in to_list(args[1])}
    return [v for v in as_set(to_list(args[0])) if _canon(v) not in removed]


@_fn("alltrue", 1)
def _alltrue(args: list[Any]) -> Any:
    return all([to_bool(v) for v in to_list(args[0])])


@_fn("anytrue", 1)
def _anytrue(args: list[Any]) -> Any:
    return any([to_bool(v) for v in to_list(args[0])])


@_fn("chunklist", 2)
def _chunklist(args: list[Any]) -> Any:
    items, size = to_list(args[0]), to_int(args[1])
    if size < 0:
        raise EvaluationError("the chunk size must not be negative")
    if size == 0:
        return [items]
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- strings -------------------------------------------------------------------


@_fn("join", (2, None))
def _join(args: list[Any]) -> Any:
    separator = to_str(args[0])
    items = [item for arg in args[1:] for item in to_list(arg)]
    if any(item is None for item in items):
        raise EvaluationError("cannot join a list with null elements")
    return _check_size(separator.join(to_str(item) for item in items))


@_fn("split", 2)
def _split(args: list[Any]) -> Any:
    separator, text = to_str(args[0]), to_str(args[1])
    return list(text) if separator == "" else text.split(separator)


@_fn("lower", 1)
def _lower(args: list[Any]) -> Any:
    return to_str(args[0]).lower()


@_fn("upper", 1)
def _upper(args: list[Any]) -> Any:
    return to_str(args[0]).upper()


@_fn("title", 1)
def _title(args: list[Any]) -> Any:
    return re.sub(r"\b\w", lambda m: m.group().upper(), to_str(args[0]))


@_fn("trimspace", 1)
def _trimspace(args: list[Any]) -> Any:
    return to_str(args[0]).strip()


@_fn("trim", 2)
def _trim(args: list[Any]) -> Any:
    return to_str(args[0]).strip(to_str(args[1]))


@_fn("trimprefix", 2)
def _trimprefix(args: list[Any]) -> Any:
    return to_str(args[0]).removeprefix(to_str(args[1]))


@_fn("trimsuffix", 2)
def _trimsuffix(args: list[Any]) -> Any:
    return to_str(args[0]).removesuffix(to_str(args[1]))


@_fn("chomp", 1)
def _chomp(args: list[Any]) -> Any:
    return to_str(args[0]).rstrip("\r\n")


@_fn("strrev", 1)
def _strrev(args: list[Any]) -> Any:
    return to_str(args[0])[::-1]


@_fn("indent", 2)
def _indent(args: list[Any]) -> Any:
    spaces, text = to_int(args[0]), to_str(args[1])
    if not 0 <= spaces <= _MAX_WIDTH:
        raise EvaluationError("invalid indentation")
    return _check_size(text.replace("\n", "\n" + " " * spaces))


@_fn("startswith", 2)
def _startswith(args: list[Any]) -> Any:
    return to_str(args[0]).startswith(to_str(args[1]))


@_fn("endswith", 2)
def _endswith(args: list[Any]) -> Any:
    return to_str(args[0]).endswith(to_str(args[1]))


@_fn("strcontains", 2)
def _strcontains(args: list[Any]) -> Any:
    return to_str(args[1]) in to_str(args[0])


@_fn("substr", 3)
def _substr(args: list[Any]) -> Any:
    text, offset, length = to_str(args[0]), to_int(args[1]), to_int(args[2])
    if offset < 0:
        offset = max(len(text) + offset, 0)
    if offset > len(text):
        raise EvaluationError("offset is beyond the end of the string")
    if length < 0:
        return text[offset:]
    return text[offset : offset + length]


def _regex(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern with Python's engine, refusing patterns that
    could backtrack catastrophically on hostile input."""
    if len(pattern) > 1000:
        raise EvaluationError("regular expression is too long")
    groups: list[bool] = []  # per open group: whether it contains a quantifier
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            end = pattern.find("]", i + 2)
            i = len(pattern) if end < 0 else end + 1
            continue
        if char == "(":
            groups.append(False)
        elif char == ")" and groups:
            inner = groups.pop()
            following = pattern[i + 1 : i + 2]
            if inner and following in ("*", "+", "{"):
                raise EvaluationError("nested quantifiers are not supported (they can backtrack catastrophically)")
            if groups:
                groups[-1] = groups[-1] or inner
        elif groups and (char in "*+{" or (char == "?" and pattern[i - 1] != "(")):
            groups[-1] = True
        i += 1
    return re.compile(pattern.replace(r"\z", r"\Z"))


_GO_TEMPLATE: Final = re.compile(r"\$(\$|\{(\w+)\}|(\w+))")


def _expand(template: str, match: re.Match[str]) -> str:
    """Go's regexp replacement syntax: `$1`, `${1}`, `${name}`, `$$`."""

    def group(m: re.Match[str]) -> str:
        if m.group(1) == "$":
            return "$"
        ref = m.group(2) or m.group(3)
        try:
            value = match.group(int(ref) if ref.isdigit() else ref)
        except IndexError:  # no such group: Go substitutes nothing
            return ""
        return value or ""

    return _GO_TEMPLATE.sub(group, template)


@_fn("replace", 3)
def _replace(args: list[Any]) -> Any:
    text, search, replacement = to_str(args[0]), to_str(args[1]), to_str(args[2])
    if len(search) >= 2 and search.startswith("/") and search.endswith("/"):
        pattern = _regex(search[1:-1])
        if len(text) > MAX_TEXT:
            raise EvaluationError("string is too long for a regular expression")
        return _check_size(pattern.sub(lambda m: _expand(replacement, m), text))
    if search == "":
        return text
    return _check_size(text.replace(search, replacement))


def _match_value(match: re.Match[str]) -> Any:
    if match.re.groupindex:
        return {name: match.group(name) for name in match.re.groupindex}
    if match.re.groups:
        return list(match.groups())
    return match.group()


@_fn("regex", 2)
def _regex_fn(args: list[Any]) -> Any:
    pattern, text = _regex(to_str(args[0])), to_str(args[1])
    match = pattern.search(text)
    if match is None:
        raise EvaluationError("pattern did not match")
    return _match_value(match)


@_fn("regexall", 2)
def _regexall(args: list[Any]) -> Any:
    pattern, text = _regex(to_str(args[0])), to_str(args[1])
    return [_match_value(m) for m in pattern.finditer(text)]


_VERB: Final = re.compile(r"%(?:(%)|(?:\[(\d+)\])?([-+# 0]*)(\d*)(?:\.(\d*))?([a-zA-Z])|(.?))", re.DOTALL)


def _pad(text: str, flags: str, width: str, numeric: bool) -> str:
    if not width:
        return text
    size = int(width)
    if "-" in flags:
        return text.ljust(size)
    if "0" in flags and numeric:
        sign = text[:1] if text[:1] in ("+", "-", " ") else ""
        return sign + text[len(sign) :].rjust(size - len(sign), "0")
    return text.rjust(size)


def _format_one(verb: str, flags: str, precision: str | None, value: Any) -> tuple[str, bool]:
    """One formatted value and whether it is numeric (for zero padding)."""
    if isinstance(value, Unknown):
        raise CannotEvaluate(value)
    if verb == "v":
        if "#" in flags or isinstance(value, list | tuple | Mapping) or value is None:
            return _jsonencode([value]), False
        text = to_str(value)
        return (text[: int(precision or 0)] if precision is not None else text), False
    if verb == "s":
        text = to_str(value)
        return (text[: int(precision or 0)] if precision is not None else text), False
    if verb == "q":
        return json.dumps(to_str(value), ensure_ascii=False), False
    if verb == "t":
        return ("true" if to_bool(value) else "false"), False
    if verb in "dbox" or verb == "X":
        number = to_int(value)
        sign = "-" if number < 0 else "+" if "+" in flags else " " if " " in flags else ""
        digits = format(abs(number), {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb])
        if "#" in flags and verb in "xX":
            digits = "0" + verb + digits
        return sign + digits, True
    if verb in "eEfFgG":
        real = float(to_number(value))
        sign = "-" if real < 0 else "+" if "+" in flags else " " if " " in flags else ""
        spec = ("." + (precision or "0") if precision is not None else "") + verb
        return sign + format(abs(real), spec), True
    raise EvaluationError(f"unsupported format verb %{verb}")


def format_string(template: str, values: list[Any]) -> str:
    out: list[str] = []
    next_arg = 0
    explicit = False
    last = 0
    for m in _VERB.finditer(template):
        out.append(template[last : m.start()])
        last = m.end()
        if m.group(1):
            out.append("%")
            continue
        if m.group(7) is not None:
            raise EvaluationError(f"invalid format verb {m.group()!r}")
        index, flags, width, precision, verb = m.group(2, 3, 4, 5, 6)
        if index:
            next_arg = int(index) - 1
            explicit = True
        if len(width) > 5 or len(precision or "") > 5 or int(width or 0) > _MAX_WIDTH:
            raise EvaluationError("format width or precision is too large")
        if not 0 <= next_arg < len(values):
            raise EvaluationError("not enough arguments for the format string")
        text, numeric = _format_one(verb, flags, precision, values[next_arg])
        next_arg += 1
        out.append(_pad(text, flags, width, numeric))
    out.append(template[last:])
    if not explicit and next_arg < len(values):
        raise EvaluationError(f"too many arguments: the format string uses {next_arg}")
    return _check_size("".join(out))


@_fn("format", (1, None))
def _format(args: list[Any]) -> Any:
    return format_string(to_str(args[0]), args[1:])


@_fn("formatlist", (1, None))
def _formatlist(args: list[Any]) -> Any:
    template, rest = to_str(args[0]), args[1:]
    lengths = {len(a) for a in rest if isinstance(a, list | tuple)}
    if len(lengths) > 1:
        raise EvaluationError("all list arguments must have the same length")
    count = lengths.pop() if lengths else 1
    out: list[Any] = []
    for i in range(count):
        row = [a[i] if isinstance(a, list | tuple) else a for a in rest]
        unknown = next((v for v in row if isinstance(v, Unknown)), None)
        out.append(unknown if unknown is not None else format_string(template, row))
    return out


# --- numbers -------------------------------------------------------------------


@_fn("min", (1, None))
def _min(args: list[Any]) -> Any:
    return min(to_number(a) for a in args)


@_fn("max", (1, None))
def _max(args: list[Any]) -> Any:
    return max(to_number(a) for a in args)


@_fn("sum", 1)
def _sum(args: list[Any]) -> Any:
    items = to_list(args[0])
    if not items:
        raise EvaluationError("cannot sum an empty list")
    total: int | float = 0
    for item in items:
        total = total + to_number(item)
    return _exact(total)


@_fn("abs", 1)
def _abs(args: list[Any]) -> Any:
    return abs(to_number(args[0]))


@_fn("ceil", 1)
def _ceil(args: list[Any]) -> Any:
    return math.ceil(to_number(args[0]))


@_fn("floor", 1)
def _floor(args: list[Any]) -> Any:
    return math.floor(to_number(args[0]))


@_fn("signum", 1)
def _signum(args: list[Any]) -> Any:
    number = to_number(args[0])
    return (number > 0) - (number < 0)


@_fn("pow", 2)
def _pow(args: list[Any]) -> Any:
    return normalize(math.pow(to_number(args[0]), to_number(args[1])))


@_fn("parseint", 2)
def _parseint(args: list[Any]) -> Any:
    text, base = to_str(args[0]), to_int(args[1])
    if not 2 <= base <= 62 or len(text) > 1000:
        raise EvaluationError("invalid base or number")
    if base > 36:
        raise EvaluationError("bases above 36 are not supported")
    return int(text, base)


@_fn("tonumber", 1)
def _tonumber(args: list[Any]) -> Any:
    return None if args[0] is None else to_number(args[0])


@_fn("tostring", 1)
def _tostring(args: list[Any]) -> Any:
    value = args[0]
    if value is None or isinstance(value, JsonDocument):
        return value  # converting a JSON string to a string changes nothing
    return to_str(value)


@_fn("tobool", 1)
def _tobool(args: list[Any]) -> Any:
    return None if args[0] is None else to_bool(args[0])


# --- networking ----------------------------------------------------------------


def _network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    text = to_str(value)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise EvaluationError(f"invalid CIDR address {text!r}") from None


def _address(network: ipaddress.IPv4Network | ipaddress.IPv6Network, value: int) -> str:
    if network.version == 4:
        return str(ipaddress.IPv4Address(value))
    return str(ipaddress.IPv6Address(value))


@_fn("cidrsubnet", 3)
def _cidrsubnet(args: list[Any]) -> Any:
    network = _network(args[0])
    newbits, netnum = to_int(args[1]), to_int(args[2])
    length = network.prefixlen + newbits
    if newbits < 0 or length > network.max_prefixlen:
        raise EvaluationError(f"cannot extend a prefix of {network.prefixlen} bits by {newbits} bits")
    if not 0 <= netnum < (1 << newbits):
        raise EvaluationError(f"a prefix extension of {newbits} bits cannot hold subnet number {netnum}")
    start = int(network.network_address) + (netnum << (network.max_prefixlen - length))
    return f"{_address(network, start)}/{length}"


@_fn("cidrhost", 2)
def _cidrhost(args: list[Any]) -> Any:
    network = _network(args[0])
    hostnum = to_int(args[1])
    size = network.num_addresses
    number = hostnum + size if hostnum < 0 else hostnum
    if not 0 <= number < size:
        raise EvaluationError(f"a prefix of {network.prefixlen} bits cannot hold host number {hostnum}")
    return _address(network, int(network.network_address) + number)


@_fn("cidrnetmask", 1)
def _cidrnetmask(args: list[Any]) -> Any:
    network = _network(args[0])
    if network.version != 4:
        raise EvaluationError("only IPv4 prefixes have a netmask")
    return str(network.netmask)


@_fn("cidrsubnets", (1, None))
def _cidrsubnets(args: list[Any]) -> Any:
    network = _network(args[0])
    bits = network.max_prefixlen
    first = int(network.network_address)
    last = first + network.num_addresses - 1
    out: list[str] = []
    cursor = first  # the first address not yet allocated
    for arg in args[1:]:
        newbits = to_int(arg)
        length = network.prefixlen + newbits
        if newbits < 0 or length > bits:
            raise EvaluationError(f"cannot extend a prefix of {network.prefixlen} bits by {newbits} bits")
        size = 1 << (bits - length)
        start = -(-cursor // size) * size  # the next boundary for this size
        if start + size - 1 > last:
            raise EvaluationError(f"not enough address space left for a /{length} subnet")
        out.append(f"{_address(network, start)}/{length}")
        cursor = start + size
    return out


# --- encoding ------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value json.dumps accepts: Mappings as dicts, whole floats as ints."""
    if isinstance(value, Mapping):
        return {key_text(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return normalize(value)
    if value is None or isinstance(value, str | int):
        return value
    raise EvaluationError(f"cannot encode {type_name(value)} as JSON")


_HTML_ESCAPES: Final = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_HTML_CHARS: Final = re.compile("[<>&\u2028\u2029]")


def _jsonencode(args: list[Any]) -> str:
    # Terraform (Go) sorts object keys and escapes HTML-significant characters.
    text = json.dumps(_plain(args[0]), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return _check_size(_HTML_CHARS.sub(lambda m: _HTML_ESCAPES[m.group()], text))


@_fn("jsonencode", 1)
def _jsonencode_fn(args: list[Any]) -> Any:
    if _has_document(args[0]):
        return JsonDocument(args[0])
    return _jsonencode(args)


def _bounded(value: Any, budget: list[int]) -> Any:
    """A fresh copy of decoded data, with string keys, refusing huge or aliased
    structures (YAML anchors can expand exponentially)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise EvaluationError("decoded document is too large")
    if isinstance(value, dict):
        return {key_text(k): _bounded(v, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [_bounded(v, budget) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())  # YAML timestamps stay strings, as in Terraform
    raise EvaluationError(f"unsupported value of type {type(value).__name__}")


def _reject_constant(name: str) -> Any:
    raise EvaluationError(f"{name} is not valid JSON")


@_fn("jsondecode", 1)
def _jsondecode(args: list[Any]) -> Any:
    if isinstance(args[0], JsonDocument):
        return args[0].value
    text = _check_size(to_str(args[0]))
    try:
        decoded = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"invalid JSON: {exc}") from None
    return _bounded(decoded, [MAX_NODES])


@_fn("yamldecode", 1)
def _yamldecode(args: list[Any]) -> Any:
    import yaml  # only configurations that use yamldecode pay for the import

    text = _check_size(to_str(args[0]))
    try:
        decoded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise EvaluationError(f"invalid YAML: {exc}") from None
    return _bounded(decoded, [MAX_NODES])


@_fn("base64encode", 1)
def _base64encode(args: list[Any]) -> Any:
    return base64.b64encode(to_str(args[0]).encode()).decode("ascii")


@_fn("base64decode", 1)
def _base64decode(args: list[Any]) -> Any:
    try:
        return base64.b64decode(to_str(args[0]), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise EvaluationError("invalid base64 data, or not UTF-8 text") from None


@_fn("base64sha256", 1)
def _base64sha256(args: list[Any]) -> Any:
    return base64.b64encode(hashlib.sha256(to_str(args[0]).encode()).digest()).decode("ascii")


@_fn("md5", 1)
def _md5(args: list[Any]) -> Any:
    return hashlib.md5(to_str(args[0]).encode(), usedforsecurity=False).hexdigest()


@_fn("sha1", 1)
def _sha1(args: list[Any]) -> Any:
    return hashlib.sha1(to_str(args[0]).encode(), usedforsecurity=False).hexdigest()


@_fn("sha256", 1)
def _sha256(args: list[Any]) -> Any:
    return hashlib.sha256(to_str(args[0]).encode()).hexdigest()


@_fn("urlencode", 1)
def _urlencode(args: list[Any]) -> Any:
    return urllib.parse.quote(to_str(args[0]), safe="")


@_fn("basename", 1)
def _basename(args: list[Any]) -> Any:
    return to_str(args[0]).rstrip("/").rsplit("/", 1)[-1]


@_fn("dirname", 1)
def _dirname(args: list[Any]) -> Any:
    text = to_str(args[0])
    head = text.rsplit("/", 1)[0] if "/" in text else "."
    return head or "/"


# --- values known only at apply time, and markers -------------------------------------


@_fn("timestamp", 0)
def _timestamp(args: list[Any]) -> Any:
    return Unknown(reason="timestamp() is known only when Terraform applies")


@_fn("uuid", 0)
def _uuid(args: list[Any]) -> Any:
    return Unknown(reason="uuid() is known only when Terraform applies")


# The rest of the built-ins register themselves.
from . import functions_more as _functions_more  # noqa: E402,F401

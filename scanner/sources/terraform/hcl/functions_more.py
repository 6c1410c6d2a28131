"""The rest of Terraform 1.9's built-in functions: date and time, hashes, encodings, set products.

Registered into `FUNCTIONS` on import (functions.py imports this module at its end). Functions whose result
Terraform itself knows only when it plans or applies (`plantimestamp`, `bcrypt`'s salt) give `Unknown`;
docs/terraform.md lists every built-in and its status.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scanner.model.unknown import Unknown

if TYPE_CHECKING:
    from datetime import datetime, timedelta

# uuid and datetime are imported where used: `tenet scan` starts without them.
from .functions import (
    MAX_LIST,
    MAX_TEXT,
    EvaluationError,
    _canon,
    _fn,
    as_set,
    normalize,
    to_list,
    to_map,
    to_number,
    to_str,
)

# --- numbers -----------------------------------------------------------------------------


@_fn("log", 2)
def _log(args: list[Any]) -> Any:
    number, base = to_number(args[0]), to_number(args[1])
    if number <= 0 or base <= 0 or base == 1:
        raise EvaluationError(f"log({number}, {base}) is not a finite number")
    return normalize(math.log(number) / math.log(base))


# --- collections -------------------------------------------------------------------------


@_fn("matchkeys", 3)
def _matchkeys(args: list[Any]) -> Any:
    values, keys, search = to_list(args[0]), to_list(args[1]), to_list(args[2])
    if len(values) != len(keys):
        raise EvaluationError("length of keys and values should be equal")
    wanted = {_canon(v) for v in search}
    return [value for value, key in zip(values, keys, strict=True) if _canon(key) in wanted]


@_fn("setproduct", (1, None))
def _setproduct(args: list[Any]) -> Any:
    sets = [to_list(arg) for arg in args]
    if len(sets) < 2:
        raise EvaluationError("at least two arguments are required")
    total = math.prod(len(s) for s in sets)
    if total > MAX_LIST * 10:
        raise EvaluationError(f"the product has {total} elements, more than {MAX_LIST * 10}")
    product: list[list[Any]] = [[]]
    for items in sets:
        product = [[*prefix, item] for prefix in product for item in items]
    return product


@_fn("transpose", 1)
def _transpose(args: list[Any]) -> Any:
    result: dict[str, list[str]] = {}
    source = to_map(args[0])
    for key in sorted(source):
        for value in to_list(source[key]):
            result.setdefault(to_str(value), []).append(key)
    return dict(sorted(result.items()))


# --- hashes and encodings ----------------------------------------------------------------


@_fn("sha512", 1)
def _sha512(args: list[Any]) -> Any:
    return hashlib.sha512(to_str(args[0]).encode()).hexdigest()


@_fn("base64sha512", 1)
def _base64sha512(args: list[Any]) -> Any:
    return base64.b64encode(hashlib.sha512(to_str(args[0]).encode()).digest()).decode("ascii")


@_fn("uuidv5", 2)
def _uuidv5(args: list[Any]) -> Any:
    import uuid

    namespaces = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL, "oid": uuid.NAMESPACE_OID,
                  "x500": uuid.NAMESPACE_X500}
    namespace, name = to_str(args[0]), to_str(args[1])
    space = namespaces.get(namespace)
    if space is None:
        try:
            space = uuid.UUID(namespace)
        except ValueError:
            raise EvaluationError(f"uuidv5() namespace must be dns, url, oid, x500 or a UUID, not {namespace!r}") \
                from None
    return str(uuid.uuid5(space, name))


@_fn("bcrypt", (1, 2))
def _bcrypt(args: list[Any]) -> Any:
    return Unknown(reason="bcrypt() draws a new random salt each time Terraform runs it")


@_fn("rsadecrypt", 2)
def _rsadecrypt(args: list[Any]) -> Any:
    return Unknown(reason="rsadecrypt() needs a private key; Tenet does not decrypt secrets")


@_fn("base64gzip", 1)
def _base64gzip(args: list[Any]) -> Any:
    return Unknown(reason="base64gzip(): the compressed bytes are those of Go's compressor, which Tenet does not "
                          "reproduce")


def _codec(name: str) -> str:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        raise EvaluationError(f"{name!r} is not a supported IANA encoding name") from None


@_fn("textencodebase64", 2)
def _textencodebase64(args: list[Any]) -> Any:
    text, encoding = to_str(args[0]), _codec(to_str(args[1]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise EvaluationError(f"the string holds a character {encoding} cannot encode (at {exc.start})") from None
    return base64.b64encode(data).decode("ascii")


@_fn("textdecodebase64", 2)
def _textdecodebase64(args: list[Any]) -> Any:
    encoding = _codec(to_str(args[1]))
    try:
        data = base64.b64decode(to_str(args[0]), validate=True)
        return data.decode(encoding)
    except ValueError:
        raise EvaluationError(f"the value is not base64 of {encoding} text") from None


@_fn("csvdecode", 1)
def _csvdecode(args: list[Any]) -> Any:
    import csv
    import io

    text = to_str(args[0])
    rows = list(csv.reader(io.StringIO(text), strict=True))
    if not rows:
        raise EvaluationError("missing header line")
    header, *records = rows
    result = []
    for number, record in enumerate(records, start=2):
        if not record:
            continue
        if len(record) != len(header):
            raise EvaluationError(f"line {number}: wrong number of fields")
        result.append(dict(zip(header, record, strict=True)))
        if len(result) > MAX_LIST * 100:
            raise EvaluationError("too many rows")
    return result


@_fn("yamlencode", 1)
def _yamlencode(args: list[Any]) -> Any:
    out: list[str] = []
    _yaml_value(args[0], 0, out, top=True)
    text = "".join(out)
    if len(text) > MAX_TEXT:
        raise EvaluationError("the result is larger than 1,000,000 characters")
    return text


def _yaml_scalar(value: Any) -> str:
    import json

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(normalize(value) if isinstance(value, float) else value)
    return json.dumps(to_str(value), ensure_ascii=False)


def _yaml_value(value: Any, indent: int, out: list[str], *, top: bool = False) -> None:
    """Terraform's YAML (go-yaml v3 as cty writes it): double-quoted strings and keys, keys sorted, block style,
    sequences not indented under their key."""
    if isinstance(value, Unknown):
        raise EvaluationError("yamlencode() of an unknown value")
    pad = " " * indent
    if isinstance(value, Mapping):
        if not value:
            out.append("{}\n")
            return
        for i, key in enumerate(sorted(value)):
            lead = pad if (i or top) else ""
            item = value[key]
            out.append(f"{lead}{_yaml_scalar(str(key))}:")
            if isinstance(item, Mapping) and item:
                out.append("\n")
                _yaml_value(item, indent + 2, out, top=True)
            elif isinstance(item, list | tuple) and item:
                out.append("\n")
                _yaml_value(item, indent, out, top=True)
            else:
                out.append(" ")
                _yaml_value(item, indent + 2, out)
        return
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value) if not isinstance(value, set | frozenset) else as_set(list(value))
        if not items:
            out.append("[]\n")
            return
        for i, item in enumerate(items):
            out.append(f"{pad if (i or top) else ''}- ")
            if isinstance(item, Mapping | list | tuple) and item:
                _yaml_value(item, indent + 2, out)
            else:
                _yaml_value(item, indent + 2, out)
        return
    out.append(_yaml_scalar(value) + "\n")


# --- date and time -----------------------------------------------------------------------

_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 timestamp, as Terraform's time functions require it."""
    from datetime import datetime, timedelta, timezone

    m = _RFC3339.match(text)
    if m is None:
        raise EvaluationError(f'not a valid RFC3339 timestamp: "{text}"')
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction = m.group(7) or ""
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    zone = m.group(8)
    if zone in ("Z", "z"):
        tz = timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        raise EvaluationError(f'not a valid RFC3339 timestamp: "{text}" ({exc})') from None


def format_rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339: seconds, no fraction, `Z` for UTC."""
    from datetime import timedelta

    offset = moment.utcoffset() or timedelta(0)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if offset == timedelta(0):
        return base + "Z"
    return base + _offset(offset, colon=True)


def _offset(offset: timedelta, *, colon: bool) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{mins:02d}"


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> timedelta:
    """A Go duration string: `"1h30m"`, `"-10m"`, `"1.5h"`, `"300ms"`."""
    from datetime import timedelta

    body = text[1:] if text[:1] in "+-" else text
    sign = -1 if text.startswith("-") else 1
    if body == "0":
        return timedelta(0)
    position, seconds = 0, 0.0
    for m in _DURATION.finditer(body):
        if m.start() != position:
            break
        seconds += float(m.group(1)) * _UNITS[m.group(2)]
        position = m.end()
    if not body or position != len(body):
        raise EvaluationError(f'invalid duration "{text}"')
    return timedelta(seconds=sign * seconds)


@_fn("timeadd", 2)
def _timeadd(args: list[Any]) -> Any:
    moment = parse_timestamp(to_str(args[0]))
    try:
        return format_rfc3339(moment + parse_duration(to_str(args[1])))
    except OverflowError:
        raise EvaluationError("the result is out of range") from None


@_fn("timecmp", 2)
def _timecmp(args: list[Any]) -> Any:
    a, b = parse_timestamp(to_str(args[0])), parse_timestamp(to_str(args[1]))
    return -1 if a < b else 1 if a > b else 0


@_fn("plantimestamp", 0)
def _plantimestamp(args: list[Any]) -> Any:
    return Unknown(reason="plantimestamp() is the time Terraform plans, known only then")


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_FORMAT_TOKEN = re.compile(r"'(?:[^']|'')*'?|([A-Za-z])\1*|[^A-Za-z']+")


@_fn("formatdate", 2)
def _formatdate(args: list[Any]) -> Any:
    spec, moment = to_str(args[0]), parse_timestamp(to_str(args[1]))
    out: list[str] = []
    for m in _FORMAT_TOKEN.finditer(spec):
        token = m.group()
        if token.startswith("'"):
            if len(token) < 2 or not token.endswith("'"):
                raise EvaluationError("unterminated literal '")
            out.append("'" if token == "''" else token[1:-1].replace("''", "'"))
        elif token[0].isalpha():
            out.append(_date_field(token, moment))
        else:
            out.append(token)
    return "".join(out)


def _date_field(token: str, moment: datetime) -> str:
    from datetime import timedelta

    offset = moment.utcoffset() or timedelta(0)
    hour12 = moment.hour % 12 or 12
    fields = {
        "YYYY": f"{moment.year:04d}", "YY": f"{moment.year % 100:02d}",
        "MMMM": _MONTHS[moment.month - 1], "MMM": _MONTHS[moment.month - 1][:3],
        "MM": f"{moment.month:02d}", "M": str(moment.month),
        "DD": f"{moment.day:02d}", "D": str(moment.day),
        "EEEE": _DAYS[moment.weekday()], "EEE": _DAYS[moment.weekday()][:3],
        "hh": f"{moment.hour:02d}", "h": str(moment.hour),
        "HH": f"{hour12:02d}", "H": str(hour12),
        "AA": "AM" if moment.hour < 12 else "PM", "aa": "am" if moment.hour < 12 else "pm",
        "mm": f"{moment.minute:02d}", "m": str(moment.minute),
        "ss": f"{moment.second:02d}", "s": str(moment.second),
        "ZZZZZ": _offset(offset, colon=True),
        "ZZZZ": _offset(offset, colon=False),
        "ZZZ": "UTC" if offset == timedelta(0) else _offset(offset, colon=False),
        "Z": "Z" if offset == timedelta(0) else _offset(offset, colon=True),
    }
    if token not in fields:
        raise EvaluationError(f'invalid date format verb "{token}"')
    return fields[token]

"""JSON with the source range of every value: Terraform's JSON syntax and Kubernetes manifests written as
JSON are located at exact lines. Nesting is capped (hostile input), and every problem names its line and column.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

MAX_DEPTH = 256


class Where(NamedTuple):
    """1-based lines and columns; `end_column` is exclusive."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


RangeFactory = Callable[[int, int, int, int], Any]


class JsonSyntaxError(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.message = message


@dataclass(slots=True)
class JsonNode:
    """A JSON value with its range: `value` is a str, number, bool, None, a list of nodes, or (for an object)
    a list of (key node, value node) pairs in source order, duplicates kept."""

    value: Any
    range: Any  # what the reader's range factory makes (`Where` by default)
    is_object: bool = False


_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"', re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_SPACE = re.compile(r"[ \t\r\n]*")
_WORDS = {"true": True, "false": False, "null": None}


class _Reader:
    def __init__(self, text: str, make_range: RangeFactory) -> None:
        self.make_range = make_range
        if text.startswith("\ufeff"):
            text = text[1:]
        self.text = text
        self.pos = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, pos: int) -> tuple[int, int]:
        index = bisect_right(self.line_starts, pos) - 1
        return index + 1, pos - self.line_starts[index] + 1

    def error(self, message: str, pos: int | None = None) -> JsonSyntaxError:
        line, column = self.where(self.pos if pos is None else pos)
        return JsonSyntaxError(line, column, message)

    def skip(self) -> None:
        self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def range(self, start: int, end: int) -> Any:
        return self.make_range(*self.where(start), *self.where(end))

    def document(self) -> JsonNode:
        self.skip()
        node = self.value(0)
        self.skip()
        if self.pos < len(self.text):
            raise self.error("unexpected text after the JSON value")
        return node

    def value(self, depth: int) -> JsonNode:
        if depth > MAX_DEPTH:
            raise self.error(f"JSON nested more than {MAX_DEPTH} levels deep")
        text, start = self.text, self.pos
        if start >= len(text):
            raise self.error("unexpected end of file: a JSON value was expected")
        char = text[start]
        if char == "{":
            return self.container(depth, "}", object_=True)
        if char == "[":
            return self.container(depth, "]", object_=False)
        if char == '"':
            return self.string()
        m = _NUMBER.match(text, start)
        if m and m.end() > start:
            self.pos = m.end()
            raw = m.group()
            number: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
            return JsonNode(number, self.range(start, self.pos))
        for word, meaning in _WORDS.items():
            if text.startswith(word, start):
                self.pos = start + len(word)
                return JsonNode(meaning, self.range(start, self.pos))
        raise self.error(f"invalid JSON: unexpected {text[start]!r}")

    def string(self) -> JsonNode:
        start = self.pos
        m = _STRING.match(self.text, start)
        if m is None:
            raise self.error("invalid JSON string (unterminated, or a control character inside)")
        try:
            decoded = json.loads(m.group())
        except ValueError:
            raise self.error("invalid escape in a JSON string") from None
        self.pos = m.end()
        return JsonNode(decoded, self.range(start, self.pos))

    def container(self, depth: int, close: str, *, object_: bool) -> JsonNode:
        start = self.pos
        self.pos += 1
        items: list[Any] = []
        self.skip()
        if self.text.startswith(close, self.pos):
            self.pos += 1
            return JsonNode(items, self.range(start, self.pos), is_object=object_)
        while True:
            self.skip()
            if object_:
                if not self.text.startswith('"', self.pos):
                    raise self.error("an object key (a quoted string) was expected")
                key = self.string()
                self.skip()
                if not self.text.startswith(":", self.pos):
                    raise self.error('":" was expected after the object key')
                self.pos += 1
                self.skip()
                items.append((key, self.value(depth + 1)))
            else:
                items.append(self.value(depth + 1))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith(close, self.pos):
                self.pos += 1
                return JsonNode(items, self.range(start, self.pos), is_object=object_)
            raise self.error(f'"," or "{close}" was expected')


def read_json(text: str, make_range: RangeFactory = Where) -> JsonNode:
    """The JSON document with ranges; `JsonSyntaxError` names the line and column of what is wrong."""
    return _Reader(text, make_range).document()



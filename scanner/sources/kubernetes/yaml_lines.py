"""YAML documents as dicts and lists that remember the lines they came from.

PyYAML composes node graphs with start and end marks (libyaml's C composer
when available); this module builds the Python values itself so that every
mapping and sequence knows its own lines and those of its entries. It is
hardened against hostile input: alias expansion is capped (the "billion
laughs" document), recursive aliases and deep nesting are refused with an
error instead of a crash.

PyYAML is imported on first use only: `tenet scan` must start fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, cast

if TYPE_CHECKING:
    import yaml

# Nodes built by expanding aliases, per file. Real manifests stay far below;
# the billion-laughs document reaches it within milliseconds.
MAX_ALIAS_NODES = 100_000
# Nesting beyond this is refused before Python's own recursion limit is near.
MAX_DEPTH = 256

# YAML 1.1 line breaks, as libyaml counts lines.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "str", "binary", "timestamp")
)
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class Span(NamedTuple):
    """The lines (1-based, inclusive) a value occupies: `end` is its last line with content.

    `text_line` is set for literal block scalars (`key: |`) only: line i of the
    string (0-based) stands on file line `text_line + i`.
    """

    start: int
    end: int
    text_line: int | None = None


class YamlMap(dict[Any, Any]):
    """A mapping that knows its lines, each key's line and each value's span."""

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span
        self.key_lines: dict[Any, int] = {}
        self.value_spans: dict[Any, Span] = {}

    def field_span(self, key: Any) -> Span:
        """From the key's line to the value's last line."""
        return Span(self.key_lines[key], self.value_spans[key].end)


class YamlList(list[Any]):
    """A sequence that knows its lines and each item's span."""

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span
        self.item_spans: list[Span] = []


@dataclass(frozen=True)
class YamlProblem:
    """Why a file could not be read (further). Lines and columns are 1-based.

    `limit` tells a safety limit (alias expansion, nesting) from malformed YAML.
    """

    message: str
    line: int | None = None
    column: int | None = None
    limit: bool = False


class _Refused(Exception):
    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class Documents:
    """The non-empty documents of a file, up to the first problem if there is one."""

    roots: list[Any]
    problem: YamlProblem | None = None


def load_documents(text: str, max_alias_nodes: int = MAX_ALIAS_NODES) -> Documents:
    """Every non-empty document of `text`; documents before a problem are kept."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    builder = _Builder(text, max_alias_nodes)
    result = Documents(roots=[])
    nodes = yaml.compose_all(text, Loader=loader_class)
    try:
        for node in nodes:
            root = builder.document(node)
            if root is not None:
                result.roots.append(root)
    except _Refused as exc:
        result.problem = exc.problem
    except yaml.MarkedYAMLError as exc:
        result.problem = _marked_problem(exc)
    except yaml.reader.ReaderError as exc:
        result.problem = _reader_problem(text, exc)
    except yaml.YAMLError as exc:
        result.problem = YamlProblem(f"invalid YAML: {_without_input(str(exc))}")
    except RecursionError:
        # The pure-Python composer recurses once per nesting level.
        result.problem = YamlProblem("YAML nested too deeply to read", limit=True)
    return result


# A quoted piece of input longer than an indicator (`'-'`, `','`) in a parser message.
_QUOTED_INPUT = re.compile(r"'[^'\n]{4,}'|" r'"[^"\n]{4,}"')


def _without_input(message: str) -> str:
    """A parser message that quotes no input text: a malformed Secret must not have its data
    printed in an error (the pure-Python parser quotes aliases, tags and characters)."""
    return _QUOTED_INPUT.sub("'…'", message)


def _marked_problem(exc: yaml.MarkedYAMLError) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    message = f"invalid YAML: {_without_input(exc.problem or exc.context or 'syntax error')}"
    if exc.problem and exc.context:
        message += f" ({_without_input(exc.context)})"
    # libyaml's own cap on nesting is a safety limit, not malformed YAML.
    limit = "maximum nesting depth" in (exc.problem or "")
    if mark is None:
        return YamlProblem(message, limit=limit)
    return YamlProblem(message, line=mark.line + 1, column=mark.column + 1, limit=limit)


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> YamlProblem:
    # The C reader reports a byte offset; the offending character locates it in either reader.
    char = exc.character if isinstance(exc.character, int) else None
    message = f"invalid YAML: {exc.reason}" + (f" (character U+{char:04X})" if char is not None else "")
    index = text.find(chr(char)) if char is not None else -1
    if index < 0:
        return YamlProblem(message)
    line_start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    line = len(_LINE_BREAK.findall(text, 0, index)) + 1
    return YamlProblem(message, line=line, column=index - line_start + 1)


class _Builder:
    """Builds located values from composed nodes, counting alias expansions across a file."""

    def __init__(self, text: str, max_alias_nodes: int) -> None:
        from yaml.constructor import ConstructorError, SafeConstructor
        from yaml.nodes import MappingNode, ScalarNode

        self._constructor = SafeConstructor()
        self._construct_errors = (ConstructorError, ValueError)
        self._scalar_type = ScalarNode
        self._mapping_type = MappingNode
        self._text = text
        self._lines: list[str] | None = None
        self._max_alias_nodes = max_alias_nodes
        self._alias_nodes = 0
        self._seen: set[int] = set()
        self._active: set[int] = set()

    def document(self, node: yaml.Node) -> Any:
        self._seen.clear()  # anchors do not reach across documents
        value, _ = self._build(node, 0, False)
        return value

    def _build(self, node: yaml.Node, depth: int, in_alias: bool) -> tuple[Any, Span]:
        key = id(node)
        in_alias = in_alias or key in self._seen
        self._seen.add(key)
        if in_alias:
            self._alias_nodes += 1
            if self._alias_nodes > self._max_alias_nodes:
                raise _Refused(self._at(node, f"aliases expand to more than {self._max_alias_nodes:,} nodes "
                                              "(a \"billion laughs\" document?)", limit=True))
        if depth > MAX_DEPTH:
            raise _Refused(self._at(node, f"YAML nested deeper than {MAX_DEPTH} levels", limit=True))
        if isinstance(node, self._scalar_type):
            return self._scalar(node), self._scalar_span(node)
        if key in self._active:
            raise _Refused(self._at(node, "recursive alias: a node contains itself"))
        self._active.add(key)
        try:
            if isinstance(node, self._mapping_type):
                return self._mapping(node, depth, in_alias)
            return self._sequence(cast("yaml.SequenceNode", node), depth, in_alias)
        finally:
            self._active.discard(key)

    def _mapping(self, node: yaml.MappingNode, depth: int, in_alias: bool) -> tuple[YamlMap, Span]:
        result = YamlMap(self._node_span(node))
        merged: list[YamlMap] = []
        last_end = result.span.start
        for key_node, value_node in node.value:
            value, value_span = self._build(value_node, depth + 1, in_alias)
            last_end = max(last_end, value_span.end)
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value, key_node))
                continue
            key, key_span = self._build(key_node, depth + 1, in_alias)
            if isinstance(key, (dict, list)):
                raise _Refused(self._at(key_node, "a mapping key must be a scalar"))
            result[key] = value
            result.key_lines[key] = key_span.start
            result.value_spans[key] = value_span
        # Explicit keys win over merged ones; earlier merge sources over later ones.
        for source in merged:
            for key, value in source.items():
                if key not in result.key_lines:
                    result[key] = value
                    result.key_lines[key] = source.key_lines[key]
                    result.value_spans[key] = source.value_spans[key]
        if not node.flow_style:
            result.span = Span(result.span.start, last_end)
        return result, result.span

    def _merge_sources(self, value: Any, key_node: yaml.Node) -> list[YamlMap]:
        sources = value if isinstance(value, YamlList) else [value]
        if not all(isinstance(s, YamlMap) for s in sources):
            raise _Refused(self._at(key_node, "a merge key (<<) needs a mapping or a list of mappings"))
        return list(sources)

    def _sequence(self, node: yaml.SequenceNode, depth: int, in_alias: bool) -> tuple[YamlList, Span]:
        result = YamlList(self._node_span(node))
        for item_node in node.value:
            item, item_span = self._build(item_node, depth + 1, in_alias)
            result.append(item)
            result.item_spans.append(item_span)
        if not node.flow_style and result.item_spans:
            result.span = Span(result.span.start, result.item_spans[-1].end)
        return result, result.span

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _STR_TAG:
            return node.value
        construct = self._constructor.yaml_constructors.get(node.tag) if node.tag in _SCALAR_TAGS else None
        if construct is None:
            return node.value  # application tags (`!Ref`, `!!python/…`) keep their text
        try:
            return construct(self._constructor, node)
        except self._construct_errors:
            # The value is not quoted: it may be a Secret's.
            raise _Refused(self._at(node, f"the value is not a valid {node.tag.rsplit(':', 1)[-1]}")) from None

    def _node_span(self, node: yaml.Node) -> Span:
        # For block collections the end mark is where the next token starts; callers narrow it.
        end = node.end_mark.line + (1 if node.end_mark.column > 0 else 0)
        return Span(node.start_mark.line + 1, max(node.start_mark.line + 1, end))

    def _scalar_span(self, node: yaml.ScalarNode) -> Span:
        if node.style not in ("|", ">"):
            return self._node_span(node)
        # A block scalar's end mark is past its trailing blank lines: step back to the last content.
        start = node.start_mark.line
        if self._lines is None:
            self._lines = _LINE_BREAK.split(self._text)
        lines = self._lines
        index = node.end_mark.line
        if not lines[index][: node.end_mark.column].strip():
            index -= 1
        while index > start and not lines[index].strip():
            index -= 1
        text_line = start + 2 if node.style == "|" else None
        return Span(start + 1, index + 1, text_line)

    def _at(self, node: yaml.Node, message: str, limit: bool = False) -> YamlProblem:
        return YamlProblem(message, line=node.start_mark.line + 1, column=node.start_mark.column + 1, limit=limit)


def load_json_document(text: str) -> Documents:
    """A manifest written as JSON (`kubectl get -o json`), as the same located values: a Kubernetes `List`
    is adapted like the YAML one."""
    from scanner.sources.json_lines import JsonNode, JsonSyntaxError, read_json

    def located(node: JsonNode) -> tuple[Any, Span]:
        span = Span(node.range.start_line, node.range.end_line)
        if node.is_object:
            mapping = YamlMap(span)
            for key, value in node.value:
                built, value_span = located(value)
                mapping[key.value] = built  # a repeated key: the last wins, as in every JSON reader
                mapping.key_lines[key.value] = key.range.start_line
                mapping.value_spans[key.value] = value_span
            return mapping, span
        if isinstance(node.value, list):
            items = YamlList(span)
            for item in node.value:
                built, item_span = located(item)
                items.append(built)
                items.item_spans.append(item_span)
            return items, span
        return node.value, span

    try:
        root = read_json(text)
    except JsonSyntaxError as exc:
        return Documents(roots=[], problem=YamlProblem(f"invalid JSON: {exc.message}", exc.line, exc.column))
    return Documents(roots=[located(root)[0]])

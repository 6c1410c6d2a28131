"""Located YAML: exact lines for every mapping, key, value and item, and refusal of hostile input."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scanner.sources.kubernetes.yaml_lines import MAX_DEPTH, Span, YamlList, YamlMap, YamlProblem, load_documents

ROOT = Path(__file__).resolve().parents[3]

MANIFEST = """\
# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  labels: {tier: web,
    team: shop}
data:
  empty:
  script: |
    #!/bin/sh
    echo hi


  folded: >-
    one
    two
  list:
    - a
    - b: 1
      c: [1, 2]

# trailing comment
"""


def only(text: str) -> YamlMap:
    documents = load_documents(text)
    assert documents.problem is None
    [root] = documents.roots
    assert isinstance(root, YamlMap)
    return root


def test_mapping_knows_its_lines_and_those_of_its_keys_and_values() -> None:
    root = only(MANIFEST)
    assert root.span == Span(2, 21)  # from the first key to the last content, comments excluded
    assert root.key_lines == {"apiVersion": 2, "kind": 3, "metadata": 4, "data": 8}
    assert root.value_spans["metadata"] == Span(5, 7)
    assert root.field_span("metadata") == Span(4, 7)
    labels = root["metadata"]["labels"]
    assert isinstance(labels, YamlMap)
    assert labels == {"tier": "web", "team": "shop"}
    assert labels.span == Span(6, 7)  # a flow mapping ends at its closing brace
    assert labels.key_lines == {"tier": 6, "team": 7}


def test_values_and_items_have_spans() -> None:
    data = only(MANIFEST)["data"]
    assert data["empty"] is None
    assert data.value_spans["empty"] == Span(9, 9)
    # A block scalar ends at its last line of text, not after its trailing blank lines.
    assert data["script"] == "#!/bin/sh\necho hi\n"
    assert data.value_spans["script"] == Span(10, 12, text_line=11)
    assert data["folded"] == "one two"
    assert data.value_spans["folded"] == Span(15, 17)  # folded text has no line-for-line mapping
    items = data["list"]
    assert isinstance(items, YamlList)
    assert items == ["a", {"b": 1, "c": [1, 2]}]
    assert items.span == Span(19, 21)
    assert items.item_spans == [Span(19, 19), Span(20, 21)]
    assert items[1].value_spans["c"] == Span(21, 21)


def test_scalars_resolve_as_pyyaml_safe_load_does() -> None:
    text = "a: 80\nb: '80'\nc: yes\nd: on\ne: ~\nf: 1.5\ng: 0x1F\nh: 2024-01-02\ni: !Ref web\nj: !!str 12\n"
    root = only(text)
    assert dict(root) == {
        "a": 80, "b": "80", "c": True, "d": True, "e": None, "f": 1.5, "g": 31,
        "h": datetime.date(2024, 1, 2), "i": "web", "j": "12",
    }
    assert dict(root) == yaml.safe_load(text.replace("!Ref web", "web"))


def test_documents_separators_and_empty_documents() -> None:
    text = "---\n---\n# only a comment\n---\na: 1\n...\n---\n- x\n---\nplain\n"
    documents = load_documents(text)
    assert documents.problem is None
    assert documents.roots == [{"a": 1}, ["x"], "plain"]
    assert documents.roots[0].span == Span(5, 5)
    assert documents.roots[1].span == Span(8, 8)


def test_crlf_lines_are_the_lines_of_lf() -> None:
    lf = only(MANIFEST)
    crlf = only(MANIFEST.replace("\n", "\r\n"))
    assert crlf == lf
    assert crlf.value_spans == lf.value_spans
    assert crlf["data"].value_spans == lf["data"].value_spans


def test_merge_keys_keep_the_lines_of_the_merged_mapping() -> None:
    root = only("base: &base\n  x: 1\n  y: 2\nderived:\n  <<: *base\n  y: 3\n")
    derived = root["derived"]
    assert derived == {"x": 1, "y": 3}
    assert derived.key_lines == {"x": 2, "y": 6}


def test_the_pure_python_loader_gives_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = only(MANIFEST)
    monkeypatch.delattr(yaml, "CSafeLoader")
    root = only(MANIFEST)
    assert root == expected
    assert root.span == expected.span
    assert root["data"].value_spans == expected["data"].value_spans


def test_syntax_error_keeps_the_documents_before_it() -> None:
    documents = load_documents("a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n")
    assert documents.roots == [{"a": 1}]
    assert documents.problem is not None
    assert documents.problem.message.startswith("invalid YAML: ")
    assert (documents.problem.line, documents.problem.column, documents.problem.limit) == (4, 2, False)


def test_control_character_is_located() -> None:
    documents = load_documents("a: 1\nb: x\x07y\n")
    assert documents.problem == YamlProblem(
        "invalid YAML: control characters are not allowed (character U+0007)", line=2, column=5
    )


def test_billion_laughs_fails_fast() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        name, previous = chr(ord("a") + i), chr(ord("a") + i - 1)
        levels.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    # Stopped by the alias budget (`limit`), long before 9**9 nodes are built.
    documents = load_documents("\n".join(levels) + "\n")
    assert documents.roots == []
    assert documents.problem is not None
    assert documents.problem.limit
    assert "aliases expand to more than 100,000 nodes" in documents.problem.message


def test_alias_budget_is_per_file_and_counts_each_expansion() -> None:
    text = "a: &a [1, 2, 3]\nb: *a\n---\nc: &x [1]\nd: [*x, *x]\n"
    assert load_documents(text, max_alias_nodes=8).problem is None  # 4 nodes for b, 2 for each *x
    documents = load_documents(text, max_alias_nodes=7)
    assert documents.roots == [{"a": [1, 2, 3], "b": [1, 2, 3]}]
    assert documents.problem is not None and documents.problem.limit and documents.problem.line == 4


def test_recursive_alias_is_refused() -> None:
    problem = load_documents("a: &a\n  b: *a\n").problem
    assert problem is not None
    assert problem.message == "recursive alias: a node contains itself"


def test_deep_nesting_is_refused_by_either_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = load_documents("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)).problem
    assert problem == YamlProblem(f"YAML nested deeper than {MAX_DEPTH} levels", line=1, column=MAX_DEPTH + 2,
                                  limit=True)
    monkeypatch.delattr(yaml, "CSafeLoader")
    problem = load_documents("[" * 800 + "]" * 800).problem  # past the recursion limit of the composer
    assert problem == YamlProblem("YAML nested too deeply to read", limit=True)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("? [a, b]\n: 1\n", "a mapping key must be a scalar", 1),
        ("a: 1\nb: !!int twelve\n", "the value is not a valid int", 2),
        ("a:\n  <<: [1, 2]\n", "a merge key (<<) needs a mapping or a list of mappings", 2),
    ],
)
def test_values_pyyaml_cannot_construct_are_located(text: str, message: str, line: int) -> None:
    problem = load_documents(text).problem
    assert problem is not None
    assert problem.message.startswith(message)
    assert problem.line == line


def test_importing_the_source_does_not_import_yaml_or_the_adapter() -> None:
    code = ("import sys, scanner.sources.kubernetes\n"
            "loaded = {'yaml', 'scanner.sources.kubernetes.adapter'} & set(sys.modules)\n"
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)

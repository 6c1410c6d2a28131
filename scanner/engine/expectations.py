"""Fixture annotations: what a rule fixture says it must produce, line by line.

A line ending in `# expect: NET-001, NET-004` must be the start line of findings of exactly those rules;
`# expect-unknown: RULE` marks a could-not-evaluate result. In JSON, which has no comments, a
`"//": "expect: …"` property (Terraform's JSON comment) holds the annotation. The project's own rule
fixtures (tests/test_rule_fixtures.py) and `tenet test-policies` read them the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Several annotations may share a line: `# expect: NET-004 expect-unknown: NET-001`.
_EXPECT = re.compile(r"expect(-unknown)?:\s*([A-Z]+-\d{3}(?:\s*,\s*[A-Z]+-\d{3})*)")
FIXTURE_SUFFIXES = (".tf", ".yaml", ".yml")


@dataclass(frozen=True, order=True)
class Expectation:
    """A finding of `rule` starting on `line`; `status` is "fail" or "unknown"."""

    line: int
    rule: str
    status: str

    def __str__(self) -> str:
        return f"{'expect-unknown' if self.status == 'unknown' else 'expect'}: {self.rule}"


def is_fixture(path: Path) -> bool:
    return path.suffix in FIXTURE_SUFFIXES or path.name.endswith(".tf.json")


def fixture_files(root: Path) -> list[Path]:
    """The fixtures under `root` (or `root` itself): Terraform, Terraform JSON and Kubernetes YAML."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file() and is_fixture(p))


def expected_in(text: str, json: bool = False) -> set[Expectation]:
    found: set[Expectation] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        comment = line if json else line.partition("#")[2]
        for m in _EXPECT.finditer(comment):
            status = "unknown" if m.group(1) else "fail"
            found |= {Expectation(number, rule.strip(), status) for rule in m.group(2).split(",")}
    return found


def expected(path: Path) -> set[Expectation]:
    return expected_in(path.read_text(encoding="utf-8"), json=path.suffix == ".json")


def only(expectations: Iterable[Expectation], rules: set[str]) -> set[Expectation]:
    return {e for e in expectations if e.rule in rules}

"""Rule cases as data: every fixture under fixtures/rules/ states its own expected findings.

A line ending in `# expect: NET-001, NET-004` must be the start line of findings
of exactly those rules; `# expect-unknown: RULE` marks a could-not-evaluate
result (scanner/engine/expectations.py reads them, for `tenet test-policies` too).
Anything found but not annotated, or annotated but not found, fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scanner.engine import expectations
from scanner.engine.expectations import fixture_files
from scanner.engine.findings import ErrorLevel, Status
from scanner.engine.params import RuleParams
from scanner.scan import Scanner

ROOT = Path(__file__).resolve().parents[1]
RULE_FIXTURES = ROOT / "fixtures" / "rules"
# `# tenet-params: {"allowed_cidrs": ["10.0.0.0/8"]}` in a fixture's first lines sets rule parameters.
_PARAMS = re.compile(r"#\s*tenet-params:\s*(\{.*\})\s*$")
FIXTURE_FILES = fixture_files(RULE_FIXTURES)


def expected(path: Path) -> set[tuple[int, str, str]]:
    return {(e.line, e.rule, e.status) for e in expectations.expected(path)}


def params(path: Path) -> RuleParams:
    for line in path.read_text(encoding="utf-8").splitlines()[:5]:
        m = _PARAMS.search(line)
        if m:
            return RuleParams.model_validate(json.loads(m.group(1)))
    return RuleParams()


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.relative_to(RULE_FIXTURES).as_posix())
def test_fixture_findings_match_annotations(path: Path) -> None:
    result = Scanner(cwd=ROOT, params=params(path)).scan([path])
    errors = [str(e) for e in result.errors if e.level is ErrorLevel.ERROR]
    assert errors == []
    # A fixture that declares variables or locals reports its whole directory's findings: keep its own.
    shown = path.relative_to(ROOT).as_posix()
    got = {
        (f.location.start_line, f.rule_id, "unknown" if f.status is Status.UNKNOWN else "fail")
        for f in result.findings
        if f.location is not None and f.location.path == shown
    }
    want = expected(path)
    assert sorted(got - want) == [], "findings without an `# expect` annotation"
    assert sorted(want - got) == [], "annotations without a finding"


def test_every_rule_has_a_failing_fixture() -> None:
    annotated = {rule for p in FIXTURE_FILES for _, rule, status in expected(p) if status == "fail"}
    rules = {r.id for r in Scanner().rules}
    assert rules - annotated == set()

"""`tenet test-policies`: run user policies on their fixtures and hold them to the `# expect` annotations.

Every annotation of a rule under test is one test: it passes when a finding of that rule (failing, or
"could not evaluate" for `expect-unknown`) starts on that line. A finding of a rule under test on a
line that expects none is a failure too, as is a rule under test that no fixture shows failing: a rule
whose every test passes without it proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.engine.expectations import Expectation, expected, fixture_files
from scanner.engine.findings import ErrorLevel, Finding, Status
from scanner.engine.params import RuleParams
from scanner.engine.registry import Rule


@dataclass(frozen=True)
class Outcome:
    """One line of the report: where, what was expected or found, and whether it held."""

    where: str
    what: str
    passed: bool
    detail: str = ""

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}: {self.where}: {self.what}"


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def summary(self) -> str:
        passed = len(self.outcomes) - len(self.failed)
        if self.failed:
            return f"FAIL: {len(self.failed)}/{len(self.outcomes)} failed"
        return f"PASS: {passed}/{len(self.outcomes)}"


def run(fixtures: Path, rules: Sequence[Rule], held: set[str], params: RuleParams, cwd: Path,
        tested: set[str] | None = None) -> Report:
    """Scan each fixture file under `fixtures` with `rules`, and compare the findings of the `held` rules
    with the file's annotations. Each of the `tested` rules (default: the held ones) needs a failing case."""
    from scanner.scan import Scanner

    report = Report()
    files = fixture_files(fixtures)
    if not files:
        report.outcomes.append(Outcome(display(fixtures, cwd), "no fixtures (.tf, .tf.json, .yaml, .yml)", False))
        return report
    shown_rules = {r.id for r in rules}
    failing_cases: set[str] = set()
    for path in files:
        shown = display(path, cwd)
        want = {e for e in expected(path) if e.rule in held}
        failing_cases |= {e.rule for e in want if e.status == "fail"}
        result = Scanner(rules=rules, params=params, cwd=cwd).scan([path])
        errors = [e for e in result.errors if e.level is ErrorLevel.ERROR]
        for error in errors:
            report.outcomes.append(Outcome(shown, "the fixture could not be read", False, str(error)))
        found: dict[Expectation, Finding] = {}
        for f in result.findings:
            if f.rule_id in held and f.location is not None and f.location.path == shown:
                status = "unknown" if f.status is Status.UNKNOWN else "fail"
                found.setdefault(Expectation(f.location.start_line, f.rule_id, status), f)
        for e in sorted(want):
            if e.rule not in shown_rules:
                report.outcomes.append(Outcome(f"{shown}:{e.line}", str(e), False, f"no rule {e.rule} was loaded"))
            elif e in found:
                report.outcomes.append(Outcome(f"{shown}:{e.line}", str(e), True))
            else:
                near = [f"{x.status} on line {x.line}" for x in found if x.rule == e.rule and x not in want]
                hint = f" ({e.rule} found: {', '.join(near)})" if near else ""
                report.outcomes.append(Outcome(f"{shown}:{e.line}", str(e), False,
                                               f"no {e.status} finding of {e.rule} starts on this line{hint}"))
        for e in sorted(set(found) - want):
            report.outcomes.append(Outcome(f"{shown}:{e.line}", f"unexpected {e.rule} ({e.status})", False,
                                           f"{found[e].message}; annotate the line with `# {e}` if it is "
                                           "right, or fix the rule"))
    for rule_id in sorted((held if tested is None else tested) - failing_cases):
        report.outcomes.append(Outcome(rule_id, "has a failing case", False,
                                       f"no fixture has `# expect: {rule_id}`: a rule no case shows failing is "
                                       "not tested"))
    return report


def display(path: Path, cwd: Path) -> str:
    """As the Scanner names files in findings: relative to the current directory, symbolic links kept."""
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(cwd))).as_posix()

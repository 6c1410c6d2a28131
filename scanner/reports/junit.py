"""JUnit XML, as CI systems display test results (GitLab `artifacts: reports: junit`, Jenkins, Azure DevOps).

One test suite per rule family; one test case per finding (a `failure`), per could-not-evaluate
result (an `error`, as the run could not decide) and per suppressed finding (`skipped`, with its
justification); input errors form a suite of their own. A clean scan is one passing test case, so
that a green run still shows in the CI's test view. The layout follows the de facto schema
(Jenkins' junit-10.xsd): `testsuites` > `testsuite` (name, tests, failures, errors, skipped) >
`testcase` (name, classname, file, line) > `failure`/`error`/`skipped` (message, type, text).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from scanner.engine.findings import Category, ErrorLevel, Finding, ScanError, Status
from scanner.reports.terminal import printable
from scanner.scan import ScanResult


def _text(value: str) -> str:
    """XML 1.0 cannot hold most control characters at all: they are written escaped, as on the console."""
    return printable(value)


def _case(suite: ET.Element, name: str, classname: str, file: str | None, line: int | None) -> ET.Element:
    case = ET.SubElement(suite, "testcase", name=_text(name), classname=_text(classname))
    if file:
        case.set("file", _text(file))
    if line is not None:
        case.set("line", str(line))
    return case


def _finding_case(suite: ET.Element, f: Finding) -> str:
    where = f.location.path if f.location else f.resource
    line = f.location.start_line if f.location else None
    case = _case(suite, f"{f.rule_id} {f.resource}", f"tenet.{f.category.value}.{f.rule_id}",
                 f.location.path if f.location else None, line)
    detail = f"{where}{f':{line}' if line else ''}: {f.resource}: {f.message}"
    if f.suppressed:
        ET.SubElement(case, "skipped", message=_text(f"suppressed: {f.justification or 'no reason given'}"))
        return "skipped"
    kind = "error" if f.status is Status.UNKNOWN else "failure"
    element = ET.SubElement(case, kind, message=_text(f"{f.title}: {f.message}"),
                            type="could-not-evaluate" if kind == "error" else f.severity.value)
    element.text = _text(detail)
    return kind


def _error_case(suite: ET.Element, e: ScanError) -> str:
    case = _case(suite, e.path or "<scan>", "tenet.input", e.path, e.line)
    kind = "error" if e.level is ErrorLevel.ERROR else "skipped"
    element = ET.SubElement(case, kind, message=_text(e.message))
    if kind == "error":
        element.set("type", "input-error")
    return kind


def render(result: ScanResult) -> str:
    root = ET.Element("testsuites", name="tenet")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    groups: list[tuple[str, list[Finding]]] = [
        (c.value, [f for f in result.findings if f.category is c]) for c in Category]
    for name, findings in groups:
        if not findings:
            continue
        suite = ET.SubElement(root, "testsuite", name=f"tenet.{name}")
        kinds = [_finding_case(suite, f) for f in findings]
        _count(suite, kinds, totals)
    if result.errors:
        suite = ET.SubElement(root, "testsuite", name="tenet.input")
        _count(suite, [_error_case(suite, e) for e in result.errors], totals)
    if totals["tests"] == 0:
        suite = ET.SubElement(root, "testsuite", name="tenet")
        _case(suite, f"{len(result.rules)} rules on {len(result.files)} files", "tenet.scan", None, None)
        _count(suite, ["passed"], totals)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _count(suite: ET.Element, kinds: Sequence[str], totals: dict[str, int]) -> None:
    counts = {"tests": len(kinds), "failures": kinds.count("failure"), "errors": kinds.count("error"),
              "skipped": kinds.count("skipped")}
    for key, value in counts.items():
        suite.set(key, str(value))
        totals[key] += value

"""The console report: one `path:line:col` line per finding, a fix hint, coloured on a terminal, a summary.

Every text from the input is escaped on its way into a line (`_line`), so the report can be
printed to a terminal whatever the scanned files contain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from scanner.engine.findings import ErrorLevel, Finding, Severity, Status
from scanner.model import SourceKind
from scanner.reports.terminal import printable
from scanner.scan import ScanResult

if TYPE_CHECKING:
    from scanner.compliance.report import FrameworkResult

_COLOURS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


# The same issue read from a plan or a state and from the .tf file it locates at must be told apart.
_READ_FROM = {SourceKind.TERRAFORM_PLAN: " (plan)", SourceKind.TERRAFORM_STATE: " (state)"}


class _Styled(str):
    """Text Tenet itself wrote (a label with its colour codes): the only text `_line` shows as it is."""


def _style(text: str, colour: bool, **style: Any) -> _Styled:
    return _Styled(click.style(printable(text), **style) if colour else printable(text))


def _line(*parts: str) -> str:
    """One console line. Every part that is not Tenet's own styled text is escaped (see
    `terminal.printable`): the input decides what a line says, never how the terminal behaves."""
    return "".join(p if isinstance(p, _Styled) else printable(p) for p in parts)


def where(f: Finding) -> str:
    """What a finding line starts with: `path:line:col`, as compilers and linters print it, so that
    editors, terminals and CI problem matchers jump to it; the resource id for a live finding."""
    if f.location is None:
        return f.resource
    return f"{f.location.path}:{f.location.start_line}:{f.location.start_column}"


def remediation_hint(remediation: str) -> str:
    """The first sentence of a rule's remediation, on one line."""
    text = " ".join(remediation.split())
    sentence, dot, _ = text.partition(". ")
    return sentence + "." if dot else text


def _finding_lines(f: Finding, colour: bool, fails: bool, hints: dict[str, str]) -> list[str]:
    if f.status is Status.UNKNOWN:
        label = _style("unknown ", colour, fg="blue", bold=True)
    else:
        label = _style(f"{f.severity.value:<8}", colour, fg=_COLOURS[f.severity], bold=True)
    rule = _style(f.rule_id, colour, bold=True)
    read_from = _style(_READ_FROM[f.source], colour, dim=True) if f.source in _READ_FROM else ""
    gate = _style("  [fails]", colour, fg="red") if fails else ""
    first = _line(where(f), ": ", label, " ", rule, read_from, "  ", f.title, gate)
    # A live finding's line already starts with its resource id: the message alone follows.
    detail = f.message if f.location is None else f"{f.resource}: {f.message}"
    lines = [first, _line("    ", detail)]
    if f.drift:
        lines.append(_line("    drift: ", f.drift, f" ({f.drift_detail})" if f.drift_detail else ""))
    if f.module_chain:
        lines.append(_line("    via: ", " > ".join(f"{c.path}:{c.start_line}" for c in f.module_chain)))
    if f.aliases:
        lines.append(_line("    also reported by: ", ", ".join(f.aliases)))
    if f.suppressed:
        lines.append(_line("    suppressed: ", f.justification or "no reason given"))
    hint = hints.get(f.rule_id)
    if hint and f.status is Status.FAIL and not f.suppressed:
        lines.append(_line("    fix: ", hint, _style(f"  (tenet rules show {f.rule_id})", colour, dim=True)))
    return lines


def render(result: ScanResult, *, colour: bool, findings: Iterable[Finding] | None = None,
           fail_on: Severity | None = None, fail_on_unknown: bool = False) -> str:
    """`findings` narrows what is listed (`--quiet` lists only the failing ones); `fail_on` marks
    the findings that fail the run at that threshold."""
    shown = list(result.findings if findings is None else findings)
    failing = {id(f) for f in result.gating(fail_on, fail_on_unknown)}
    hints = {r.id: remediation_hint(r.remediation) for r in result.rules if r.remediation}
    out: list[str] = []
    for f in shown:
        out.extend(_finding_lines(f, colour, id(f) in failing, hints))
    if result.errors:
        if out:
            out.append("")
        for e in result.errors:
            level = _style(e.level.value, colour, fg="red" if e.level is ErrorLevel.ERROR else "yellow")
            at = e.path or "<scan>"
            if e.line is not None:
                at += f":{e.line}" + (f":{e.column}" if e.column is not None else "")
            out.append(_line(at, ": ", level, ": ", e.message))
    for framework in result.compliance:
        out.append("")
        out.extend(compliance_lines(framework, colour))
    out.append("")
    out.append(_line(summary_line(result, fail_on=fail_on, fail_on_unknown=fail_on_unknown)))
    return "\n".join(out) + "\n"


# Control statuses as the console shows them, and their colours.
STATUS_LABELS = {"pass": "pass", "fail": "fail", "unknown": "could not evaluate", "manual": "manual",
                 "not-covered": "not covered"}
_STATUS_STYLES: dict[str, dict[str, Any]] = {"pass": {"fg": "green"}, "fail": {"fg": "red", "bold": True},
                                             "unknown": {"fg": "blue"}, "manual": {"fg": "yellow"},
                                             "not-covered": {"dim": True}}


def compliance_lines(framework: FrameworkResult, colour: bool) -> list[str]:
    """One framework as a table: a heading with the counts, then a row per control in the document's order, and
    under a failed or unevaluated control, why."""
    fw = framework.framework
    counts = ", ".join(f"{n} {STATUS_LABELS[s.value]}" for s, n in framework.counts().items() if n)
    lines = [_line(_style(f"{fw.title} {fw.version}", colour, bold=True), f" ({fw.id}): ", counts)]
    if framework.partial:
        lines.append(_line("  the run had errors: passes cover only what could be read"))
    width = max([7, *(len(c.control.id) for c in framework.controls)])
    rules_width = max([5, *(len(", ".join(c.control.rules)) for c in framework.controls)])
    lines.append(_line(_style(f"  {'control':<{width}}  {'status':<18}  {'rules':<{rules_width}}  title", colour,
                              dim=True)))
    for c in framework.controls:
        status = c.status.value
        label = _style(f"{STATUS_LABELS[status]:<18}", colour, **_STATUS_STYLES[status])
        lines.append(_line(f"  {c.control.id:<{width}}  ", label, f"  {', '.join(c.control.rules):<{rules_width}}  ",
                           c.control.title))
        if status in ("fail", "unknown"):
            lines.append(_line(" " * (width + 4), c.reason))
            lines.extend(_line(" " * (width + 6), where(f), " ", f.rule_id, "  ", f.resource) for f in c.findings)
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(result: ScanResult, *, fail_on: Severity | None = None, fail_on_unknown: bool = False) -> str:
    failed = result.failed
    counts = ", ".join(f"{n} {s.value}" for s in Severity if (n := sum(1 for f in failed if f.severity is s)))
    parts = [f"{len(failed)} finding{'s' if len(failed) != 1 else ''}" + (f" ({counts})" if counts else "")]
    if result.unknown:
        parts.append(f"{len(result.unknown)} could not be evaluated")
    # Live findings held against a state: how many of each drift class, in the order they matter.
    drift = [f.drift for f in result.findings if f.drift and not f.suppressed]
    if drift:
        order = ("drifted", "unmanaged", "not-live", "in-code")
        parts.append("drift: " + ", ".join(f"{drift.count(c)} {c}" for c in order if c in drift))
    if result.unevaluated:
        parts.append(f"{_plural(len(result.unevaluated), 'input')} not rendered (could not be evaluated)")
    suppressed = sum(1 for f in result.findings if f.suppressed)
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    if result.fixed:
        parts.append(f"{len(result.fixed)} fixed since the baseline")
    errors = sum(1 for e in result.errors if e.level is ErrorLevel.ERROR)
    warnings = len(result.errors) - errors
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    scanned = f"{_plural(len(result.files), 'file')}, " if result.files else ""  # live audits read no files
    parts.append(f"{scanned}{_plural(result.resources, 'resource')}, {_plural(len(result.rules), 'rule')}")
    if fail_on is None:
        parts.append("fails on: nothing (--fail-on none)")
    else:
        gated = len(result.gating(fail_on, fail_on_unknown)) + (len(result.unevaluated) if fail_on_unknown else 0)
        also = " and could-not-evaluate" if fail_on_unknown else ""
        parts.append(f"fails on: {fail_on.value} and above{also} ({gated} here)")
    return " · ".join(parts)

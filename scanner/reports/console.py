"""The console report: findings grouped by file, coloured on a terminal, and a summary line.

Every text from the input is escaped on its way into a line (`_line`), so the report can be
printed to a terminal whatever the scanned files contain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

from scanner.engine.findings import ErrorLevel, Finding, Severity, Status
from scanner.reports.terminal import printable
from scanner.scan import ScanResult

_COLOURS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


class _Styled(str):
    """Text Tenet itself wrote (a label with its colour codes): the only text `_line` shows as it is."""


def _style(text: str, colour: bool, **style: Any) -> _Styled:
    return _Styled(click.style(printable(text), **style) if colour else printable(text))


def _line(*parts: str) -> str:
    """One console line. Every part that is not Tenet's own styled text is escaped (see
    `terminal.printable`): the input decides what a line says, never how the terminal behaves."""
    return "".join(p if isinstance(p, _Styled) else printable(p) for p in parts)


def _where(f: Finding) -> str:
    return f.location.path if f.location else f.resource


def _finding_lines(f: Finding, colour: bool) -> list[str]:
    line = f"{f.location.start_line}" if f.location else "-"
    if f.status is Status.UNKNOWN:
        label = _style("unknown ", colour, fg="blue", bold=True)
    else:
        label = _style(f"{f.severity.value:<8}", colour, fg=_COLOURS[f.severity], bold=True)
    rule = _style(f.rule_id, colour, bold=True)
    lines = [_line(f"  {line:>5}  ", label, " ", rule, "  ", f.title), _line(" " * 16, f.resource, ": ", f.message)]
    if f.aliases:
        lines.append(_line(" " * 16, "also reported by: ", ", ".join(f.aliases)))
    if f.suppressed:
        lines.append(_line(" " * 16, "suppressed: ", f.justification or "no reason given"))
    return lines


def render(result: ScanResult, *, colour: bool, findings: Iterable[Finding] | None = None) -> str:
    """`findings` narrows what is listed (`--quiet` lists only the failing ones)."""
    shown = list(result.findings if findings is None else findings)
    out: list[str] = []
    current: str | None = None
    for f in shown:
        where = _where(f)
        if where != current:
            if current is not None:
                out.append("")
            out.append(_line(_style(where, colour, underline=True)))
            current = where
        out.extend(_finding_lines(f, colour))
    if result.errors:
        out.append("")
        for e in result.errors:
            level = _style(e.level.value, colour, fg="red" if e.level is ErrorLevel.ERROR else "yellow")
            where = e.path or "<scan>"
            if e.line is not None:
                where += f":{e.line}" + (f":{e.column}" if e.column is not None else "")
            out.append(_line(where, ": ", level, ": ", e.message))
    out.append("")
    out.append(_line(summary_line(result)))
    return "\n".join(out) + "\n"


def summary_line(result: ScanResult) -> str:
    failed = result.failed
    counts = ", ".join(f"{n} {s.value}" for s in Severity if (n := sum(1 for f in failed if f.severity is s)))
    parts = [f"{len(failed)} finding{'s' if len(failed) != 1 else ''}" + (f" ({counts})" if counts else "")]
    if result.unknown:
        parts.append(f"{len(result.unknown)} could not be evaluated")
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
    scanned = f"{len(result.files)} files, " if result.files else ""  # live audits read no files
    parts.append(f"{scanned}{result.resources} resources, {len(result.rules)} rules")
    return " · ".join(parts)

"""The console report: findings grouped by file, coloured on a terminal, and a summary line."""

from __future__ import annotations

from collections.abc import Iterable

import click

from scanner.engine.findings import ErrorLevel, Finding, Severity, Status
from scanner.scan import ScanResult

_COLOURS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def _where(f: Finding) -> str:
    return f.location.path if f.location else f.resource


def _finding_lines(f: Finding, colour: bool) -> list[str]:
    line = f"{f.location.start_line}" if f.location else "-"
    if f.status is Status.UNKNOWN:
        label = click.style("unknown ", fg="blue", bold=True) if colour else "unknown "
    else:
        label = click.style(f"{f.severity.value:<8}", fg=_COLOURS[f.severity], bold=True) if colour \
            else f"{f.severity.value:<8}"
    rule = click.style(f.rule_id, bold=True) if colour else f.rule_id
    lines = [f"  {line:>5}  {label} {rule}  {f.title}", f"{'':16}{f.resource}: {f.message}"]
    if f.aliases:
        lines.append(f"{'':16}also reported by: {', '.join(f.aliases)}")
    if f.suppressed:
        lines.append(f"{'':16}suppressed: {f.justification or 'no reason given'}")
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
            out.append(click.style(where, underline=True) if colour else where)
            current = where
        out.extend(_finding_lines(f, colour))
    if result.errors:
        out.append("")
        for e in result.errors:
            level = click.style(e.level.value, fg="red" if e.level is ErrorLevel.ERROR else "yellow") \
                if colour else e.level.value
            out.append(f"{str(e).replace(f': {e.level.value}: ', f': {level}: ', 1)}")
    out.append("")
    out.append(summary_line(result))
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

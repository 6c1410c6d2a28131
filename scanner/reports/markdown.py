"""The Markdown report: a summary by family, a table per compliance framework (--compliance), the findings.

For a pull request comment, a wiki page or a ticket. Every text from the input is made printable (as on the
console) and then inert as Markdown: a resource name cannot open a link, raw HTML, emphasis or a table cell.
"""

from __future__ import annotations

import re

from scanner.engine.findings import ErrorLevel, Finding, Severity, Status
from scanner.reports.console import STATUS_LABELS, remediation_hint, summary_line, where
from scanner.reports.summary import COLUMN_LABELS, COLUMNS, by_family
from scanner.reports.terminal import printable
from scanner.scan import ScanResult

# Characters Markdown (CommonMark and GitHub's tables) gives a meaning to inline; each is written escaped.
# Parentheses, `+` and `-` mean something only after a `]` or at the start of a line, where input text never is.
_MARKUP = re.compile(r"([\\`*_\[\]<>#|~&])")
_TICKS = re.compile(r"`+")


def text(value: str) -> str:
    """`value` as inline Markdown that shows exactly it: printable, markup escaped (pipes too, for tables)."""
    return _MARKUP.sub(r"\\\1", printable(value))


def code(value: str) -> str:
    """`value` as a code span (no markup, no autolink inside), fenced by more backticks than it holds."""
    shown = printable(value).replace("|", "\\|")  # GitHub splits table cells on pipes even inside code spans
    fence = "`" * (max((len(m) for m in _TICKS.findall(shown)), default=0) + 1)
    pad = " " if shown.startswith(("`", " ")) or shown.endswith(("`", " ")) else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def render(result: ScanResult, *, fail_on: Severity | None = None, fail_on_unknown: bool = False) -> str:
    out = ["# Tenet report", "", text(summary_line(result, fail_on=fail_on, fail_on_unknown=fail_on_unknown)), ""]
    out += ["## Findings by family", "", "| family | " + " | ".join(COLUMN_LABELS[c] for c in COLUMNS) + " |",
            "| --- |" + " ---: |" * len(COLUMNS)]
    out += [f"| {family} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |"
            for family, row in by_family(result).items()]
    for framework in result.compliance:
        fw = framework.framework
        out += ["", f"## {text(fw.title)} {text(fw.version)} ({code(fw.id)})", ""]
        source = text(fw.source) + (f" <{fw.url}>" if re.fullmatch(r"https?://[^\s<>]+", fw.url) else "")
        scope = ", ".join(sorted(fw.providers)) or "every provider"
        out += [f"Source: {source}. Scope: {text(scope)}.", ""]
        if framework.partial:
            out += ["**The run had errors: passes cover only what could be read.**", ""]
        out += [" · ".join(f"{n} {STATUS_LABELS[s.value]}" for s, n in framework.counts().items()), ""]
        out += ["| control | status | rules | title | why |", "| --- | --- | --- | --- | --- |"]
        for c in framework.controls:
            status = STATUS_LABELS[c.status.value]
            out.append(f"| {text(c.control.id)} | {'**' + status + '**' if c.status.value == 'fail' else status} | "
                       f"{', '.join(c.control.rules)} | {text(c.control.title)} | {text(c.reason)} |")
    out += ["", "## Findings", ""]
    if result.findings:
        out += ["| severity | rule | where | resource | message | fix |", "| --- | --- | --- | --- | --- | --- |"]
        hints = {r.id: remediation_hint(r.remediation) for r in result.rules if r.remediation}
        out += [_finding_row(f, hints) for f in result.findings]
    else:
        out.append("No findings.")
    if result.errors:
        out += ["", "## Errors and warnings", "", "| level | where | message |", "| --- | --- | --- |"]
        for e in result.errors:
            at = (e.path or "<scan>") + (f":{e.line}" if e.line is not None else "")
            level = f"**{e.level.value}**" if e.level is ErrorLevel.ERROR else e.level.value
            out.append(f"| {level} | {code(at)} | {text(e.message)} |")
    return "\n".join(out) + "\n"


def _finding_row(f: Finding, hints: dict[str, str]) -> str:
    severity = "could not evaluate" if f.status is Status.UNKNOWN else f.severity.value
    message = text(f.message)
    if f.suppressed:
        message += f" (accepted: {text(f.justification or 'no reason given')})"
    fix = text(hints.get(f.rule_id, "")) if f.status is Status.FAIL else ""
    return (f"| {severity} | {text(f.rule_id)} {text(f.title)} | {code(where(f))} | {code(f.resource)} | {message} | "
            f"{fix} |")

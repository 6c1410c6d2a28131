"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding.

Printed in a workflow step, each becomes an inline annotation on the pull request, with no code
scanning upload. Critical and high findings are errors, medium warnings, low notices;
could-not-evaluate results are warnings; suppressed findings are left out. Values are escaped
as the runner's own toolkit escapes them (`%`, CR, LF; `:` and `,` in properties), and every
other non-printable character as the console escapes it, so no text from the scanned input
can start a command of its own.
"""

from __future__ import annotations

from scanner.engine.findings import ErrorLevel, Finding, ScanError, Severity, Status
from scanner.reports.console import summary_line
from scanner.reports.terminal import printable
from scanner.scan import ScanResult

_LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
           Severity.LOW: "notice"}


def _data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{level}{' ' + props if props else ''}::{_data(message)}"


def _finding(f: Finding) -> str:
    unknown = f.status is Status.UNKNOWN
    level = "warning" if unknown else _LEVELS[f.severity]
    title = f"{f.rule_id} {'could not evaluate: ' if unknown else ''}{f.title}"
    where: dict[str, object] = {}
    if f.location is not None:
        loc = f.location
        where = {"file": loc.path, "line": loc.start_line, "endLine": loc.end_line, "col": loc.start_column}
    return _command(level, {**where, "title": title}, f"{f.resource}: {f.message} [{f.severity.value}]")


def _error(e: ScanError) -> str:
    level = "error" if e.level is ErrorLevel.ERROR else "warning"
    where = {"file": e.path, "line": e.line, "col": e.column} if e.path else {}
    return _command(level, {**where, "title": "tenet: input"}, e.message)


def render(result: ScanResult) -> str:
    lines = [_finding(f) for f in result.findings if not f.suppressed]
    lines += [_error(e) for e in result.errors]
    lines.append(printable(summary_line(result)))
    return "\n".join(lines) + "\n"

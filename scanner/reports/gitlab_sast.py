"""GitLab's security report (SAST, schema version 15): `artifacts: reports: sast: gl-sast-report.json`.

GitLab shows each vulnerability in the merge request widget and the vulnerability report.
Required by the format, and always written: `version`, `scan` (analyzer and scanner with id,
name, version and vendor; type `sast`; start and end time as `yyyy-mm-ddThh:mm:ss`; status) and
per vulnerability `id` (a UUID, stable: derived from the finding's fingerprint), `identifiers`
(the rule id) and `location` (file and lines). Suppressed findings and findings without a file in
the repository (live ones) are left out, and a scan message counts them; could-not-evaluate
results have severity `Unknown`.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from scanner import __version__
from scanner.engine.findings import ErrorLevel, Finding, Severity, Status
from scanner.model import Location
from scanner.reports.sarif import INFORMATION_URI
from scanner.reports.terminal import inert_json
from scanner.scan import ScanResult

SCHEMA_VERSION = "15.2.1"
_SEVERITIES = {Severity.CRITICAL: "Critical", Severity.HIGH: "High", Severity.MEDIUM: "Medium", Severity.LOW: "Low"}
_TOOL = {"id": "tenet", "name": "Tenet", "version": __version__, "vendor": {"name": "Tenet"}, "url": INFORMATION_URI}
# A fixed namespace: the same finding gets the same id in every run, so GitLab tracks it across pipelines.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, INFORMATION_URI)


def _time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _vulnerability(f: Finding, location: Location, solutions: dict[str, str]) -> dict[str, object]:
    unknown = f.status is Status.UNKNOWN
    vulnerability: dict[str, object] = {
        "id": str(uuid.uuid5(_NAMESPACE, f.fingerprint)),
        "name": (f"Could not evaluate: {f.title}" if unknown else f.title)[:255],
        "description": f"{f.resource}: {f.message}",
        "severity": "Unknown" if unknown else _SEVERITIES[f.severity],
        "identifiers": [{"type": "tenet_rule", "name": f"Tenet {f.rule_id}", "value": f.rule_id,
                         "url": f"{INFORMATION_URI}/blob/main/docs/rules.md"}],
        "location": {"file": location.path, "start_line": location.start_line, "end_line": location.end_line},
    }
    if f.rule_id in solutions:
        vulnerability["solution"] = solutions[f.rule_id]
    return vulnerability


def render(result: ScanResult, started: datetime | None = None, finished: datetime | None = None) -> str:
    end = finished or datetime.now(timezone.utc)
    start = started or end
    solutions = {r.id: " ".join(r.remediation.split()) for r in result.rules if r.remediation}
    located = [(f, f.location) for f in result.findings if f.location is not None and not f.suppressed]
    messages = []
    left_out = len(result.findings) - len(located)
    if left_out:
        messages.append({"level": "info", "value": f"{left_out} suppressed or unlocated (live) findings are not "
                                                   "listed; the JSON report has them"})
    messages += [{"level": "error" if e.level is ErrorLevel.ERROR else "warn",
                  "value": f"{e.path or '<scan>'}{f':{e.line}' if e.line else ''}: {e.message}"} for e in result.errors]
    report = {
        "version": SCHEMA_VERSION,
        "scan": {
            "analyzer": _TOOL,
            "scanner": _TOOL,
            "type": "sast",
            "start_time": _time(start),
            "end_time": _time(end),
            "status": "failure" if result.has_errors else "success",
            "messages": messages,
        },
        "vulnerabilities": [_vulnerability(f, at, solutions) for f, at in located],
    }
    return inert_json(json.dumps(report, indent=2, ensure_ascii=False)) + "\n"

"""The JSON report: Tenet's stable, documented contract (see report.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from scanner import __version__
from scanner.engine.findings import ErrorLevel, Severity, Status
from scanner.reports.terminal import inert_json
from scanner.scan import ScanResult

# 1.1: findings gained `module_chain`.
# 1.2: `module_chain` entries are `path:line` texts ending with the resource's own location
# (`SOURCE VERSION //path:line` inside a registry, git or archive module), and a finding in a file the user does
# not edit in the scanned tree is located at the outermost call of its chain there.
# 1.3: the top-level `compliance` list (--compliance).
FORMAT_VERSION = "1.3"


def report_dict(result: ScanResult) -> dict[str, Any]:
    failed = result.failed
    compliance: list[dict[str, object]] = []
    if result.compliance:
        from scanner.compliance.report import to_json

        compliance = to_json(result.compliance)
    return {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "tenet", "version": __version__},
        "findings": [f.model_dump(mode="json") for f in result.findings],
        "errors": [e.model_dump(mode="json") for e in result.errors],
        "summary": {
            "files": len(result.files),
            "resources": result.resources,
            "findings": len(failed),
            "by_severity": {s.value: sum(1 for f in failed if f.severity is s) for s in Severity},
            "unknown": len(result.unknown),
            "suppressed": sum(1 for f in result.findings if f.suppressed),
            "errors": sum(1 for e in result.errors if e.level is ErrorLevel.ERROR),
            "warnings": sum(1 for e in result.errors if e.level is ErrorLevel.WARNING),
            "fixed": list(result.fixed),
        },
        # The per-control view of every framework asked for (--compliance); empty without one.
        "compliance": compliance,
    }


def render(result: ScanResult) -> str:
    return inert_json(json.dumps(report_dict(result), indent=2, ensure_ascii=False)) + "\n"


__all__ = ["FORMAT_VERSION", "Status", "render", "report_dict"]

"""GitLab's SAST report, format 15: every field the format requires, with the types and values it allows."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from scanner.reports import gitlab_sast
from scanner.scan import Scanner

ROOT = Path(__file__).resolve().parents[2]
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")  # yyyy-mm-ddThh:mm:ss, as the format asks
SEVERITIES = {"Info", "Unknown", "Low", "Medium", "High", "Critical"}


def _check_tool(tool: dict[str, Any]) -> None:
    assert {k: type(tool[k]) for k in ("id", "name", "version")} == {"id": str, "name": str, "version": str}
    assert tool["vendor"]["name"]


def test_the_report_has_every_required_field() -> None:
    result = Scanner(cwd=ROOT).scan([ROOT / "fixtures" / "seed"])
    report: dict[str, Any] = json.loads(gitlab_sast.render(result))
    assert re.fullmatch(r"15\.\d+\.\d+", report["version"])
    scan = report["scan"]
    _check_tool(scan["analyzer"])
    _check_tool(scan["scanner"])
    assert scan["type"] == "sast" and scan["status"] == "success"
    assert TIME.match(scan["start_time"]) and TIME.match(scan["end_time"])
    vulnerabilities = report["vulnerabilities"]
    assert len(vulnerabilities) == len([f for f in result.findings if f.location and not f.suppressed]) > 0
    for v in vulnerabilities:
        assert str(uuid.UUID(v["id"])) == v["id"]
        assert v["identifiers"] and all(i["type"] and i["name"] and i["value"] for i in v["identifiers"])
        assert v["location"]["file"].startswith("fixtures/seed/") and v["location"]["start_line"] >= 1
        assert v["severity"] in SEVERITIES
        assert 0 < len(v["name"]) <= 255 and v["description"]
    # Ids are stable across runs: GitLab tracks a vulnerability by them.
    again = json.loads(gitlab_sast.render(Scanner(cwd=ROOT).scan([ROOT / "fixtures" / "seed"])))
    assert [v["id"] for v in again["vulnerabilities"]] == [v["id"] for v in vulnerabilities]
    assert len({v["id"] for v in vulnerabilities}) == len(vulnerabilities)


def test_errors_fail_the_scan_status(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_security_group" "x" {\n')
    report = json.loads(gitlab_sast.render(Scanner(cwd=tmp_path).scan([tmp_path])))
    assert report["scan"]["status"] == "failure"
    assert [m["level"] for m in report["scan"]["messages"]] == ["error"]

"""OCSF Detection Findings: valid for py-ocsf-models (the library Prowler uses), and, since that validator is
lenient, every attribute the class requires is checked by name too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from scanner.engine.findings import Category, Finding, Severity, Status
from scanner.model import SourceKind
from scanner.reports import ocsf
from scanner.scan import Scanner, ScanResult

ROOT = Path(__file__).resolve().parents[2]
# Detection Finding (2004), OCSF 1.5.0: the class's required attributes, and those of the objects it requires.
REQUIRED = ("activity_id", "category_uid", "class_uid", "finding_info", "metadata", "severity_id", "time", "type_uid")
REQUIRED_FINDING_INFO = ("title", "uid")
REQUIRED_METADATA = ("product", "version")


def _events(result: ScanResult) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(ocsf.render(result))
    for event in events:
        DetectionFinding.model_validate(event)
        assert [k for k in REQUIRED if event.get(k) is None] == []
        assert [k for k in REQUIRED_FINDING_INFO if not event["finding_info"].get(k)] == []
        assert [k for k in REQUIRED_METADATA if not event["metadata"].get(k)] == []
        assert event["metadata"]["product"]["vendor_name"]
        assert event["class_uid"] == 2004 and event["category_uid"] == 2
        assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]
    return events


def test_code_findings_are_valid_detection_findings() -> None:
    result = Scanner(cwd=ROOT).scan([ROOT / "fixtures" / "seed"])
    events = _events(result)
    assert len(events) == len(result.findings) > 0
    by_rule = {e["metadata"]["event_code"]: e for e in events}
    net = by_rule["NET-002"]
    assert (net["severity_id"], net["severity"], net["status"]) == (4, "High", "New")
    assert net["unmapped"]["location"]["path"] == "fixtures/seed/security.tf"
    assert "cloud" not in net
    assert net["remediation"]["desc"]


def test_live_findings_carry_the_cloud_profile_and_suppressed_ones_say_so() -> None:
    arn = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123"
    live = Finding(rule_id="NET-001", title="Administrative ports are reachable from the internet",
                   category=Category.NETWORK, severity=Severity.CRITICAL, status=Status.FAIL,
                   message="0.0.0.0/0 can reach 22 (TCP)", source=SourceKind.AWS, resource=arn,
                   resource_type="AWS::EC2::SecurityGroup", location=None, fingerprint="f" * 16,
                   account="111122223333", region="eu-west-1")
    muted = live.model_copy(update={"suppressed": True, "justification": "bastion, SEC-42", "fingerprint": "e" * 16})
    unknown = live.model_copy(update={"status": Status.UNKNOWN, "fingerprint": "d" * 16})
    events = _events(ScanResult(findings=[live, muted, unknown], errors=[], files=[], rules=[]))
    assert events[0]["cloud"] == {"provider": "AWS", "region": "eu-west-1",
                                  "account": {"uid": "111122223333", "name": "111122223333", "type_id": 10}}
    assert events[0]["resources"] == [{"uid": arn, "name": arn, "type": "AWS::EC2::SecurityGroup",
                                       "region": "eu-west-1"}]
    assert events[0]["metadata"]["profiles"] == ["cloud"]
    assert (events[1]["status_id"], events[1]["status_detail"]) == (3, "bastion, SEC-42")
    assert (events[2]["status_id"], events[2]["status"]) == (99, "Could not evaluate")

"""OCSF Detection Findings (class 2004, schema 1.5.0): a JSON array of one event per finding.

The shape Prowler writes for Security Lake and Security Hub, so that live audits feed the same
pipelines. A failing finding is status New, a suppressed one Suppressed (with its justification as
`status_detail`), a could-not-evaluate result Other ("Could not evaluate"). Live findings carry the
cloud profile (provider, account, region); code findings their file and line in `unmapped`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from scanner import __version__
from scanner.engine.findings import Finding, Severity, Status
from scanner.model import SourceKind
from scanner.reports.terminal import inert_json
from scanner.scan import ScanResult

OCSF_VERSION = "1.5.0"
_SEVERITY_IDS = {Severity.LOW: (2, "Low"), Severity.MEDIUM: (3, "Medium"), Severity.HIGH: (4, "High"),
                 Severity.CRITICAL: (5, "Critical")}
_PROVIDERS = {SourceKind.AWS: "AWS", SourceKind.AZURE: "Azure", SourceKind.GCP: "GCP"}
# OCSF account type ids: AWS Account, Azure AD Account (a subscription has no id of its own), GCP Account.
_ACCOUNT_TYPES = {SourceKind.AWS: 10, SourceKind.AZURE: 6, SourceKind.GCP: 5}


def _status(f: Finding) -> dict[str, object]:
    if f.suppressed:
        return {"status_id": 3, "status": "Suppressed", "status_detail": f.justification or "no reason given"}
    if f.status is Status.UNKNOWN:
        return {"status_id": 99, "status": "Could not evaluate"}
    return {"status_id": 1, "status": "New"}


def _event(f: Finding, remediation: dict[str, str], now: datetime) -> dict[str, object]:
    severity_id, severity = _SEVERITY_IDS[f.severity]
    millis = int(now.timestamp() * 1000)
    live = f.source in _PROVIDERS
    resource: dict[str, object] = {"uid": f.resource, "name": f.resource, "type": f.resource_type}
    if f.region:
        resource["region"] = f.region
    event: dict[str, object] = {
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        **_status(f),
        "time": millis,
        "time_dt": now.isoformat(),
        "message": f.message,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "Tenet", "vendor_name": "Tenet", "uid": "tenet", "version": __version__},
            "event_code": f.rule_id,
            "uid": f.fingerprint,
            "profiles": ["cloud"] if live else [],
        },
        "finding_info": {
            "uid": f.fingerprint,
            "title": f.title,
            "desc": f.message,
            "types": [f.category.value],
            "created_time": millis,
            "created_time_dt": now.isoformat(),
        },
        "resources": [resource],
        "unmapped": {
            "rule_id": f.rule_id,
            "source": f.source.value,
            **({"location": f.location.model_dump(mode="json")} if f.location else {}),
            **({"aliases": f.aliases} if f.aliases else {}),
        },
    }
    if f.rule_id in remediation:
        event["remediation"] = {"desc": remediation[f.rule_id]}
    if live:
        cloud: dict[str, object] = {"provider": _PROVIDERS[f.source]}
        if f.region:
            cloud["region"] = f.region
        if f.account:
            cloud["account"] = {"uid": f.account, "name": f.account, "type_id": _ACCOUNT_TYPES[f.source]}
        event["cloud"] = cloud
    return event


def render(result: ScanResult, now: datetime | None = None) -> str:
    when = now or datetime.now(timezone.utc)
    remediation = {r.id: " ".join(r.remediation.split()) for r in result.rules if r.remediation}
    events = [_event(f, remediation, when) for f in result.findings]
    return inert_json(json.dumps(events, indent=2, ensure_ascii=False)) + "\n"

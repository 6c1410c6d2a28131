"""The second engine without checkov itself: the mapping table, matching, merging, and the reports.

Nothing here imports checkov, so these run in milliseconds; the checkov runs are in
test_checkov_engine.py and test_checkov_differential.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from scanner.engine.findings import Category, ErrorLevel, Finding, Severity, Status
from scanner.engine.registry import load_rules
from scanner.engines import EngineResult, external_engines, merge
from scanner.engines import checkov as engine
from scanner.engines.checkov import ALL_PORTS, CheckInfo, CheckovEngine, load_map
from scanner.model.origin import Location, Origin, SourceKind
from scanner.reports import json as json_report
from scanner.reports import sarif
from scanner.scan import Scanner, ScanResult
from scanner.sources.interface import LoadContext

ROOT = Path(__file__).resolve().parents[2]
REPORT_SCHEMA = json.loads((ROOT / "scanner" / "reports" / "report.schema.json").read_text())
SARIF_SCHEMA = json.loads((ROOT / "tests" / "reports" / "sarif-schema-2.1.0.json").read_text())
RULES = {r.id: r for r in load_rules()}
TABLE = load_map()


def _origin(start: int, end: int, path: str = "main.tf", resource: str = "aws_security_group.web") -> Origin:
    return Origin(source=SourceKind.TERRAFORM, resource=resource, resource_type=resource.split(".")[0],
                  location=Location(path=path, start_line=start, end_line=end))


def tenet(rule_id: str, start: int, end: int, message: str = "0.0.0.0/0 can reach 22 (TCP)",
          status: Status = Status.FAIL, path: str = "main.tf") -> Finding:
    rule = RULES[rule_id]
    return Finding.create(rule_id=rule.id, title=rule.title, category=rule.category, severity=rule.severity,
                          status=status, message=message, origin=_origin(start, end, path))


def ckv(check_id: str, start: int = 1, end: int = 20, *, skipped: str | None = None,
        path: str = "main.tf") -> Finding:
    f = Finding.create(rule_id=check_id, title=f"check {check_id}", category=TABLE.category(check_id),
                       severity=TABLE.severity(check_id), status=Status.FAIL, message=f"fails {check_id}",
                       origin=_origin(start, end, path))
    if skipped is not None:
        f = f.model_copy(update={"suppressed": True, "justification": f"inline: checkov:skip {skipped}"})
    return f


def merged(tenet_findings: list[Finding], checkov_findings: list[Finding]) -> list[Finding]:
    return merge(tenet_findings, [EngineResult(engine=CheckovEngine(), findings=checkov_findings)])


# ---------------------------------------------------------------- the table


def test_the_table_is_consistent_with_tenets_rules() -> None:
    assert len(TABLE.checks) > 100
    for check_id, info in TABLE.checks.items():
        assert engine.CHECK_ID.match(check_id)
        assert info.category is not Category.OTHER, check_id
        assert info.rules <= RULES.keys(), f"{check_id}: no Tenet rule {sorted(info.rules - RULES.keys())}"
        # A check aliases only rules of its own family.
        assert {RULES[r].category for r in info.rules} <= {info.category}, check_id
        if info.ports is not None:
            assert info.category is Category.NETWORK, check_id
    assert TABLE.default_severity is Severity.MEDIUM
    assert all(url.startswith("https://") for url in TABLE.policy_index.values())


def test_the_brief_examples_map_as_asked() -> None:
    expect = {
        "CKV_AWS_24": "NET-001", "CKV_AWS_25": "NET-001", "CKV_AWS_277": "NET-001", "CKV_AWS_260": "NET-003",
        "CKV_AWS_103": "TLS-002", "CKV_AWS_2": "TLS-001", "CKV_AWS_3": "ENC-001", "CKV_AWS_16": "ENC-001",
        "CKV_AWS_1": "IAM-001", "CKV_AWS_62": "IAM-001", "CKV_AWS_49": "IAM-002", "CKV_AWS_63": "IAM-002",
        "CKV_AWS_286": "IAM-003", "CKV_AWS_290": "IAM-003", "CKV_AZURE_9": "NET-001", "CKV_AZURE_10": "NET-001",
        "CKV_AZURE_160": "NET-003", "CKV_AZURE_44": "TLS-002", "CKV_AZURE_3": "TLS-001", "CKV_GCP_2": "NET-001",
        "CKV_GCP_3": "NET-001", "CKV_GCP_6": "TLS-001", "CKV_K8S_49": "IAM-002",
    }
    for check_id, rule_id in expect.items():
        assert rule_id in TABLE.checks[check_id].rules, check_id


def test_unlisted_checks_are_other_with_the_default_severity() -> None:
    assert TABLE.category("CKV_AWS_18") is Category.OTHER  # S3 access logging
    assert TABLE.severity("CKV_AWS_18") is Severity.MEDIUM
    assert TABLE.category("CKV_AWS_24") is Category.NETWORK
    assert TABLE.severity("CKV_AWS_24") is Severity.CRITICAL


def test_a_broken_row_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    base = {"default_severity": "medium", "policy_index": {"terraform": "https://x", "kubernetes": "https://y"}}
    path.write_text(json.dumps({**base, "checks": {"CKV_AWS_24": {"name": "n", "category": "networking",
                                                                 "severity": "high", "rules": []}}}))
    with pytest.raises(ValueError, match="CKV_AWS_24"):
        load_map(path)
    path.write_text(json.dumps({**base, "checks": {"CKV_AWS_24": {"name": "n", "category": "network",
                                                                 "severity": "high", "rules": [], "ports": "22"}}}))
    with pytest.raises(ValueError, match="ports"):
        load_map(path)


@pytest.mark.parametrize(("ports", "message", "expected"), [
    ((22,), "0.0.0.0/0 can reach 22 (TCP)", True),
    ((22,), "0.0.0.0/0 can reach 3389 (TCP)", False),
    ((22,), "* can reach 22, 3389 (TCP)", True),
    ((22,), "AzureCloud can reach 22 (TCP) (rule 'AllowSsh (legacy)')", True),
    ((3389,), "AzureCloud can reach 22 (TCP) (rule 'AllowSsh (legacy)')", False),
    ((3306,), "0.0.0.0/1, 128.0.0.0/1 can reach 3000-3999 (TCP)", True),
    ((80,), "Internet can reach 80, 443 (TCP)", True),
    ((80,), "0.0.0.0/0 can reach all ports (TCP)", True),
    (ALL_PORTS, "0.0.0.0/0 can reach all ports (all protocols)", True),
    (ALL_PORTS, "0.0.0.0/0 can reach 22 (TCP)", False),
    ((22,), "could not evaluate: peers: variable 'x' has no value", True),  # no ports named: no narrowing
    (None, "0.0.0.0/0 can reach 3389 (TCP)", True),
])
def test_port_checks_match_the_ports_tenet_names(ports: str | tuple[int, ...] | None, message: str,
                                                 expected: bool) -> None:
    info = CheckInfo(name="n", category=Category.NETWORK, severity=Severity.HIGH, rules=frozenset({"NET-001"}),
                     ports=ports)
    assert info.ports_match(message) is expected


# ---------------------------------------------------------------- one issue, reported once


def test_same_issue_needs_the_mapped_rule_the_file_and_overlapping_lines() -> None:
    e = CheckovEngine()
    assert e.same_issue(ckv("CKV_AWS_24", 1, 20), tenet("NET-001", 3, 8))
    assert not e.same_issue(ckv("CKV_AWS_24", 1, 20), tenet("NET-001", 21, 25))  # the next resource
    assert not e.same_issue(ckv("CKV_AWS_24", 1, 20), tenet("NET-001", 3, 8, path="other.tf"))
    assert not e.same_issue(ckv("CKV_AWS_24", 1, 20), tenet("NET-004", 3, 8, "all protocols on all ports"))
    assert not e.same_issue(ckv("CKV_AWS_24", 1, 20), tenet("NET-001", 3, 8, "0.0.0.0/0 can reach 3389 (TCP)"))
    assert not e.same_issue(ckv("CKV_AWS_18", 1, 20), tenet("NET-001", 3, 8))  # not in the table


def test_a_matched_check_becomes_an_alias_and_is_not_reported_again() -> None:
    # CKV_AWS_277 (every port open) is not what Tenet found here (port 22 only): it stays on its own.
    out = merged([tenet("NET-001", 3, 8)], [ckv("CKV_AWS_24"), ckv("CKV_AWS_277"), ckv("CKV_AWS_23")])
    assert [(f.rule_id, f.aliases) for f in out] == [
        ("CKV_AWS_23", []), ("CKV_AWS_277", []), ("NET-001", ["CKV_AWS_24"])]


def test_one_check_aliases_every_tenet_finding_it_covers() -> None:
    ssh, rdp = tenet("NET-001", 3, 8), tenet("NET-001", 10, 15, "0.0.0.0/0 can reach 3389 (TCP)")
    out = merged([ssh, rdp], [ckv("CKV_AWS_24"), ckv("CKV_AWS_25")])
    assert [(f.location.start_line if f.location else 0, f.aliases) for f in out] == [
        (3, ["CKV_AWS_24"]), (10, ["CKV_AWS_25"])]


def test_a_tenet_finding_that_could_not_be_evaluated_keeps_checkovs_verdict_beside_it() -> None:
    out = merged([tenet("NET-001", 3, 8, "could not evaluate: peers", status=Status.UNKNOWN)], [ckv("CKV_AWS_24")])
    assert [(f.rule_id, f.aliases) for f in out] == [("CKV_AWS_24", []), ("NET-001", [])]


def test_checkov_skip_suppresses_the_aliased_tenet_finding() -> None:
    ssh, rdp = tenet("NET-001", 3, 8), tenet("NET-001", 10, 15, "0.0.0.0/0 can reach 3389 (TCP)")
    out = merged([ssh, rdp], [ckv("CKV_AWS_24", skipped="jump host"), ckv("CKV_AWS_25")])
    assert [(f.aliases, f.suppressed, f.justification) for f in out] == [
        (["CKV_AWS_24"], True, "inline: checkov:skip jump host"),
        (["CKV_AWS_25"], False, None),
    ]


def test_a_skip_does_not_suppress_what_another_check_still_reports() -> None:
    everything = tenet("NET-001", 3, 8, "0.0.0.0/0 can reach all ports (all protocols)")
    out = merged([everything], [ckv("CKV_AWS_277", skipped="lab"), ckv("CKV_AWS_24")])
    assert [(f.aliases, f.suppressed) for f in out] == [(["CKV_AWS_24", "CKV_AWS_277"], False)]


def test_an_unmatched_skip_is_a_suppressed_checkov_finding() -> None:
    out = merged([], [ckv("CKV_AWS_23", skipped="described elsewhere")])
    assert [(f.rule_id, f.suppressed, f.justification) for f in out] == [
        ("CKV_AWS_23", True, "inline: checkov:skip described elsewhere")]


def test_a_tenet_suppression_is_kept() -> None:
    ignored = tenet("NET-001", 3, 8).model_copy(update={"suppressed": True, "justification": "inline: vpn only"})
    out = merged([ignored], [ckv("CKV_AWS_24", skipped="other reason")])
    assert [(f.aliases, f.justification) for f in out] == [(["CKV_AWS_24"], "inline: vpn only")]


def test_engine_names() -> None:
    assert external_engines(["tenet"]) == []
    assert [e.name for e in external_engines(["tenet", "checkov"])] == ["checkov"]
    with pytest.raises(ValueError, match="unknown engine"):
        external_engines(["tfsec"])


# ---------------------------------------------------------------- the engine's failures and the Scanner hook


def test_checkov_failing_becomes_a_scan_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A resource Tenet finds nothing in, so that every finding would be checkov's.
    (tmp_path / "main.tf").write_text('resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n')

    def boom(*_: Any) -> Any:
        raise RuntimeError("graph build failed")

    monkeypatch.setattr(engine, "_run_checkov", boom)
    result = Scanner(cwd=tmp_path, engines=[CheckovEngine()]).scan([tmp_path])
    assert [(e.level, e.message) for e in result.errors] == [
        (ErrorLevel.ERROR, "checkov failed: RuntimeError: graph build failed")]
    assert result.exit_code(None) == 2
    assert result.findings == []


def test_nothing_to_scan_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.md").write_text("# nothing here\n")
    monkeypatch.setattr(engine, "_run_checkov", pytest.fail)
    out = CheckovEngine().run([tmp_path], [tmp_path / "notes.md"], LoadContext(cwd=tmp_path))
    assert (out.findings, out.errors) == ([], [])


def test_the_scanner_merges_engine_findings_before_gating(tmp_path: Path) -> None:
    class Fixed(CheckovEngine):
        """checkov's matching, with findings given rather than run."""

        def run(self, paths: Any, files: Any, context: LoadContext) -> EngineResult:
            return EngineResult(engine=self, findings=[ckv("CKV_AWS_24", 1, 8), ckv("CKV_AWS_23", 1, 8)],
                                files=["main.tf"])

    (tmp_path / "main.tf").write_text(
        'resource "aws_security_group" "web" {\n'
        '  ingress { # tenet:ignore NET-001 reason="bastion"\n'
        '    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n'
        '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')
    result = Scanner(cwd=tmp_path, engines=[Fixed()]).scan([tmp_path / "main.tf"])
    by_rule = {f.rule_id: f for f in result.findings}
    assert by_rule.keys() == {"NET-001", "CKV_AWS_23"}
    assert by_rule["NET-001"].aliases == ["CKV_AWS_24"]
    assert by_rule["NET-001"].justification == "inline: bastion"


# ---------------------------------------------------------------- reports


def _result(tmp_path: Path) -> ScanResult:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text("\n".join(f"# line {i}" for i in range(1, 31)) + "\n")
    findings = merged([tenet("NET-001", 3, 8)], [ckv("CKV_AWS_24"), ckv("CKV_AWS_23"), ckv("CKV_AWS_18", 22, 30)])
    return ScanResult(findings=findings, errors=[], files=["main.tf"], rules=list(RULES.values()), resources=1)


def test_json_report_carries_aliases_and_the_other_category(tmp_path: Path) -> None:
    report = json.loads(json_report.render(_result(tmp_path)))
    jsonschema.Draft7Validator(REPORT_SCHEMA).validate(report)
    assert [(f["rule_id"], f["category"], f["aliases"]) for f in report["findings"]] == [
        ("CKV_AWS_23", "other", []), ("NET-001", "network", ["CKV_AWS_24"]), ("CKV_AWS_18", "other", [])]


def test_sarif_has_checkov_rules_as_proper_entries_and_aliases_on_results(tmp_path: Path) -> None:
    log = json.loads(sarif.render(_result(tmp_path), category="tenet/", cwd=tmp_path))
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    assert [e.message for e in validator.iter_errors(log)] == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    ckv_rule = rules[ids.index("CKV_AWS_23")]
    assert ckv_rule["name"] == "check CKV_AWS_23"
    assert ckv_rule["helpUri"] == TABLE.policy_index["terraform"]
    assert ckv_rule["properties"]["engine"] == "checkov"
    assert ckv_rule["properties"]["tags"] == ["security", "other"]
    assert re.fullmatch(r"\d+\.\d", ckv_rule["properties"]["security-severity"])
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
    net = next(r for r in run["results"] if r["ruleId"] == "NET-001")
    assert net["properties"]["aliases"] == ["CKV_AWS_24"]
    assert "CKV_AWS_24" not in ids

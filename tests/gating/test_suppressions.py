"""Inline suppressions: comments in HCL and YAML, the Kubernetes annotation, reasons, expiry, and reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scanner.cli import main
from scanner.engine.findings import Category, ErrorLevel, Finding, Severity, Status
from scanner.engine.registry import load_rules
from scanner.gating import Gating
from scanner.gating.suppressions import Suppression, apply, parse_annotation, parse_comments
from scanner.model.origin import Location, Origin, SourceKind
from scanner.scan import Scanner

TODAY = date(2025, 6, 15)


def tenet(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def scan(repo: Path, *paths: str) -> tuple[list[tuple[str, int, str | None]], list[str]]:
    """(rule, line, justification or None) per finding, and the warnings, from a scan on TODAY."""
    result = Scanner(cwd=repo, gating=Gating(today=TODAY)).scan([repo / p for p in paths or (".",)])
    assert not result.has_errors, result.errors
    findings = [(f.rule_id, f.location.start_line if f.location else 0, f.justification if f.suppressed else None)
                for f in result.findings]
    return findings, [str(e) for e in result.errors if e.level is ErrorLevel.WARNING]


def security_group(*, above: str = "", on_resource: str = "", above_ingress: str = "", on_egress: str = "") -> str:
    """NET-001 on the ingress (line 3 + lines above), NET-004 on the egress; comments where asked."""
    text = f"""{above}resource "aws_security_group" "web" {{{on_resource}
  name = "web"
{above_ingress}  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  egress {{{on_egress}
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"""
    return text


# --- parsing ----------------------------------------------------------------------------------------------------


def test_comment_on_a_line_covers_that_line() -> None:
    text = 'x = 1\ningress { # tenet:ignore NET-001 reason="bastion"\n}\n'
    assert parse_comments(text, "a.tf") == [
        Suppression(rules=("NET-001",), reason="bastion", path="a.tf", line=2, target_line=2)]


def test_comments_above_cover_the_next_line_of_code() -> None:
    text = """# tenet:ignore NET-001, NET-002 reason='shared, reviewed' expires=2030-01-31
# owned by the platform team
// tenet:ignore admin-ports-open-to-internet reason="x"
resource "a" "b" {
}
"""
    assert parse_comments(text, "a.tf") == [
        Suppression(rules=("NET-001", "NET-002"), reason="shared, reviewed", path="a.tf", line=1, target_line=4,
                    expires="2030-01-31"),
        Suppression(rules=("admin-ports-open-to-internet",), reason="x", path="a.tf", line=3, target_line=4),
    ]


def test_a_blank_line_ends_a_comment_and_a_yaml_document_marker_does_not() -> None:
    text = '# tenet:ignore NET-001 reason="x"\n\nresource "a" "b" {}\n# tenet:ignore NET-003\n---\nkind: Service\n'
    found = parse_comments(text, "a.yaml")
    assert [(s.line, s.target_line) for s in found] == [(1, None), (4, 6)]


@pytest.mark.parametrize(
    ("comment", "rules", "reason", "expires", "problem"),
    [
        ("# tenet:ignore NET-001", ("NET-001",), None, None, None),
        ('# tenet:ignore NET-001 reason=""', ("NET-001",), None, None, None),
        ("# tenet:ignore NET-001 reason=temporary", ("NET-001",), "temporary", None, None),
        ("#tenet:ignore NET-001,NET-004 expires=2025-01-01", ("NET-001", "NET-004"), None, "2025-01-01", None),
        ('# tenet:ignore reason="forgot the rule"', (), "forgot the rule", None,
         'names no rule (expected tenet:ignore RULE-ID[,RULE-ID…] reason="…" [expires=YYYY-MM-DD])'),
        ('# tenet:ignore NET-001 because="x"', ("NET-001",), None, None,
         "unknown option 'because' (expected reason or expires)"),
        ('# tenet:ignore NET-001 reason="x" until friday', ("NET-001",), "x", None,
         "cannot read 'until friday' (expected tenet:ignore RULE-ID[,RULE-ID…] reason=\"…\" "
         "[expires=YYYY-MM-DD])"),
    ],
)
def test_comment_syntax(comment: str, rules: tuple[str, ...], reason: str | None, expires: str | None,
                        problem: str | None) -> None:
    (s,) = parse_comments(f"{comment}\nresource {{}}\n", "a.tf")
    assert (s.rules, s.reason, s.expires, s.problem) == (rules, reason, expires, problem)


def test_other_comments_and_strings_are_not_suppressions() -> None:
    text = '# tenet:ignored NET-001\n# see tenet:ignore docs\ndescription = "tenet ignore"\n'
    assert parse_comments(text, "a.tf") == []


def test_annotation_entries() -> None:
    found = parse_annotation("NET-002=migration window, ends in May; NET-001=bastion, NET-003", "a.yaml", 7,
                             "Service/shop/web")
    assert [(s.rules, s.reason) for s in found] == [
        (("NET-002",), "migration window, ends in May"), (("NET-001",), "bastion"), (("NET-003",), None)]
    assert {(s.path, s.line, s.resource, s.kind) for s in found} == {
        ("a.yaml", 7, "Service/shop/web", "tenet.dev/ignore")}


# --- Terraform ---------------------------------------------------------------------------------------------------


def test_comment_above_a_resource_covers_all_its_findings(repo: Path) -> None:
    (repo / "sg.tf").write_text(security_group(
        above='# Public bastion host.\n# tenet:ignore NET-001,NET-004 reason="bastion, SEC-42"\n'))
    findings, warnings = scan(repo)
    assert findings == [("NET-001", 5, "inline: bastion, SEC-42"), ("NET-004", 11, "inline: bastion, SEC-42")]
    assert warnings == []


def test_comment_on_the_resource_line_covers_only_the_rules_it_names(repo: Path) -> None:
    (repo / "sg.tf").write_text(security_group(on_resource=' # tenet:ignore NET-004 reason="egress proxy"'))
    assert scan(repo) == ([("NET-001", 3, None), ("NET-004", 9, "inline: egress proxy")], [])


def test_comment_above_a_nested_block_covers_the_findings_starting_there(repo: Path) -> None:
    (repo / "sg.tf").write_text(security_group(above_ingress='  # tenet:ignore NET-001,NET-004 reason="vpn"\n'))
    assert scan(repo) == ([("NET-001", 4, "inline: vpn"), ("NET-004", 10, None)], [])
    (repo / "sg.tf").write_text(security_group(on_egress=" // tenet:ignore unrestricted-egress reason='nat'"))
    assert scan(repo) == ([("NET-001", 3, None), ("NET-004", 9, "inline: nat")], [])


def test_suppression_without_a_reason_applies_and_warns(repo: Path) -> None:
    (repo / "sg.tf").write_text(security_group(above="# tenet:ignore NET-001\n"))
    assert scan(repo) == (
        [("NET-001", 4, "inline: no reason given"), ("NET-004", 10, None)],
        ['sg.tf:1: warning: tenet:ignore NET-001 has no reason: it applies, but say why (reason="…")'])


def test_expired_suppression_no_longer_applies_and_says_so(repo: Path) -> None:
    (repo / "sg.tf").write_text(security_group(above='# tenet:ignore NET-001 reason="x" expires=2025-06-14\n'))
    assert scan(repo) == (
        [("NET-001", 4, None), ("NET-004", 10, None)],
        ["sg.tf:1: warning: tenet:ignore NET-001 expired on 2025-06-14: it no longer suppresses"])
    # Up to and including the day it expires, it applies.
    (repo / "sg.tf").write_text(security_group(above='# tenet:ignore NET-001 reason="x" expires=2025-06-15\n'))
    assert scan(repo) == ([("NET-001", 4, "inline: x"), ("NET-004", 10, None)], [])


@pytest.mark.parametrize(
    ("comment", "warning"),
    [
        ('# tenet:ignore NET-001 reason="x" expires=15/06/2026',
         "tenet:ignore NET-001: expires=15/06/2026 is not a date (YYYY-MM-DD); not applied"),
        ('# tenet:ignore NET-001 reason="x" expires=20260615',
         "tenet:ignore NET-001: expires=20260615 is not a date (YYYY-MM-DD); not applied"),
        ('# tenet:ignore NET-001 reason="x" expire=2026-01-01',
         "tenet:ignore NET-001: unknown option 'expire' (expected reason or expires); not applied"),
    ],
)
def test_unreadable_suppression_does_not_apply(repo: Path, comment: str, warning: str) -> None:
    (repo / "sg.tf").write_text(security_group(above=comment + "\n"))
    assert scan(repo) == ([("NET-001", 4, None), ("NET-004", 10, None)], [f"sg.tf:1: warning: {warning}"])


def test_unknown_rule_warns_and_the_known_ones_apply(repo: Path) -> None:
    (repo / "sg.tf").write_text(security_group(above='# tenet:ignore NET-01, NET-004 reason="typo"\n'))
    assert scan(repo) == (
        [("NET-001", 4, None), ("NET-004", 10, "inline: typo")],
        ["sg.tf:1: warning: tenet:ignore NET-01, NET-004: no rule 'NET-01' (`tenet rules` lists them)"])


def test_comment_separated_by_a_blank_line_warns(repo: Path) -> None:
    (repo / "sg.tf").write_text(security_group(above='# tenet:ignore NET-001 reason="x"\n\n'))
    assert scan(repo) == (
        [("NET-001", 5, None), ("NET-004", 11, None)],
        ["sg.tf:1: warning: tenet:ignore NET-001 is not directly above a line (a blank line ends it): "
         "it suppresses nothing"])


def test_suppressions_are_read_only_in_reported_files(repo: Path) -> None:
    """A hook run on main.tf does not warn about a sibling file it was not asked about."""
    (repo / "main.tf").write_text(security_group(above="# tenet:ignore NET-001\n"))
    (repo / "other.tf").write_text("# tenet:ignore NET-999\n" + 'resource "aws_s3_bucket" "b" {\n}\n')
    findings, warnings = scan(repo, "main.tf")
    assert warnings == ['main.tf:1: warning: tenet:ignore NET-001 has no reason: it applies, but say why (reason="…")']
    assert findings[0] == ("NET-001", 4, "inline: no reason given")


def test_a_rule_disabled_by_configuration_is_not_an_unknown_rule(repo: Path) -> None:
    (repo / ".tenet.toml").write_text('disable = ["NET-002"]\n')
    (repo / "sg.tf").write_text(security_group(above='# tenet:ignore NET-002, NET-001 reason="x"\n'))
    run = tenet("scan", "sg.tf", "--format", "json")
    report = json.loads(run.stdout)
    assert report["errors"] == []
    assert [(f["rule_id"], f["suppressed"]) for f in report["findings"]] == [("NET-001", True), ("NET-004", False)]


MODULE_SG = """variable "cidr" {}
%sresource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""
CALLS = """%smodule "lab" {
  source = "./modules/sg"
  cidr   = "0.0.0.0/0"
}

module "prod" {
  source = "./modules/sg"
  cidr   = "0.0.0.0/0"
}
"""


def test_comment_on_a_module_call_covers_that_instance_only(repo: Path) -> None:
    (repo / "modules" / "sg").mkdir(parents=True)
    (repo / "modules" / "sg" / "main.tf").write_text(MODULE_SG % "")
    (repo / "main.tf").write_text(CALLS % '# tenet:ignore NET-001 reason="lab network"\n')
    result = Scanner(cwd=repo, gating=Gating(today=TODAY)).scan([repo / "main.tf"])
    assert [(f.resource, f.location.path if f.location else "", f.justification) for f in result.findings] == [
        ("module.lab.aws_security_group.ssh", "modules/sg/main.tf", "inline: lab network"),
        ("module.prod.aws_security_group.ssh", "modules/sg/main.tf", None),
    ]


def test_comment_in_a_module_source_covers_every_call(repo: Path) -> None:
    (repo / "modules" / "sg").mkdir(parents=True)
    (repo / "modules" / "sg" / "main.tf").write_text(MODULE_SG % '# tenet:ignore NET-001 reason="shared rule"\n')
    (repo / "main.tf").write_text(CALLS % "")
    result = Scanner(cwd=repo, gating=Gating(today=TODAY)).scan([repo / "main.tf"])
    assert [(f.resource, f.justification) for f in result.findings] == [
        ("module.lab.aws_security_group.ssh", "inline: shared rule"),
        ("module.prod.aws_security_group.ssh", "inline: shared rule"),
    ]


def test_other_engines_check_ids_are_matched_on_rule_id_and_aliases() -> None:
    def finding(rule_id: str, line: int, aliases: list[str]) -> Finding:
        origin = Origin(source=SourceKind.TERRAFORM, resource="aws_security_group.web", resource_type="x",
                        location=Location(path="sg.tf", start_line=line, end_line=line + 5))
        created = Finding.create(rule_id=rule_id, title="t", category=Category.NETWORK, severity=Severity.HIGH,
                                 status=Status.FAIL, message="m", origin=origin)
        return created.model_copy(update={"aliases": aliases})

    found = [finding("NET-001", 3, ["CKV_AWS_24"]), finding("CKV_AWS_260", 10, []), finding("NET-002", 20, [])]
    written = [
        Suppression(rules=("CKV_AWS_24",), reason="a", path="sg.tf", line=2, target_line=3),
        Suppression(rules=("CKV_AWS_260", "CKV_AWS_999"), reason="b", path="sg.tf", line=9, target_line=10),
        Suppression(rules=("CKV_AWS_24",), reason="c", path="sg.tf", line=19, target_line=20),
    ]
    marked, warnings = apply(found, written, {}, load_rules(), TODAY)
    assert [f.justification for f in marked] == ["inline: a", "inline: b", None]
    assert [str(w) for w in warnings] == [
        "sg.tf:9: warning: tenet:ignore CKV_AWS_260, CKV_AWS_999: no rule 'CKV_AWS_999' (`tenet rules` lists them)"]


# --- Kubernetes -------------------------------------------------------------------------------------------------

SERVICES = """# tenet:ignore NET-003 reason="public shop front"
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: LoadBalancer
  ports:
    - name: http # tenet:ignore TLS-001 reason="redirects to https"
      port: 80
    - name: https
      port: 443
---
apiVersion: v1
kind: Service
metadata:
  name: redis
  namespace: cache
  annotations:
    tenet.dev/ignore: "NET-002=migration window; NET-001"
spec:
  type: LoadBalancer
  ports:
    - port: 6379
    - port: 22
---
apiVersion: v1
kind: Service
metadata:
  name: ssh
  namespace: ops
spec:
  type: LoadBalancer
  ports:
    - port: 22
"""


def test_kubernetes_comments_and_annotation(repo: Path) -> None:
    (repo / "services.yaml").write_text(SERVICES)
    findings, warnings = scan(repo)
    assert findings == [
        ("NET-003", 10, "inline: public shop front"),
        ("TLS-001", 10, "inline: redirects to https"),
        ("NET-003", 12, "inline: public shop front"),
        ("NET-002", 25, "inline: migration window"),
        ("NET-001", 26, "inline: no reason given"),
        ("NET-001", 36, None),  # another manifest: neither the comment nor the annotation reach it
    ]
    assert warnings == ["services.yaml:21: warning: tenet.dev/ignore NET-001 has no reason: it applies, but say why "
                        "(RULE-ID=reason)"]


def test_kubernetes_annotation_problems_are_warnings(repo: Path) -> None:
    (repo / "svc.yaml").write_text(SERVICES.replace("NET-002=migration window; NET-001", "=oops, NET-02=typo"))
    findings, warnings = scan(repo, "svc.yaml")
    assert ("NET-002", 25, None) in findings
    assert warnings == [
        "svc.yaml:21: warning: tenet.dev/ignore NET-02: no rule 'NET-02' (`tenet rules` lists them)",
        'svc.yaml:21: warning: tenet.dev/ignore: an entry names no rule (expected "RULE-ID=reason; …"); not applied',
    ]


# --- reports and gating -----------------------------------------------------------------------------------------


def test_suppressed_findings_stay_in_reports_and_do_not_gate(repo: Path) -> None:
    (repo / "sg.tf").write_text(security_group(above='# tenet:ignore NET-001,NET-004 reason="bastion"\n'))
    assert tenet("scan", "sg.tf").exit_code == 0
    report: dict[str, Any] = json.loads(tenet("scan", "sg.tf", "--format", "json").stdout)
    assert [(f["rule_id"], f["suppressed"], f["justification"]) for f in report["findings"]] == [
        ("NET-001", True, "inline: bastion"), ("NET-004", True, "inline: bastion")]
    assert (report["summary"]["findings"], report["summary"]["suppressed"]) == (0, 2)
    sarif: dict[str, Any] = json.loads(tenet("scan", "sg.tf", "--format", "sarif", "--include-suppressed").stdout)
    assert [r["suppressions"] for r in sarif["runs"][0]["results"]] == [
        [{"kind": "inSource", "status": "accepted", "justification": "inline: bastion"}]] * 2
    console = tenet("scan", "sg.tf").stdout
    assert "suppressed: inline: bastion" in console
    assert console.splitlines()[-1].startswith("0 findings · 2 suppressed · ")

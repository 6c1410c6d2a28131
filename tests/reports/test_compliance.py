"""The compliance view (--compliance): every control's status from a real scan, in JSON (schema-valid), on the
console and in Markdown; what is not evaluated is never a pass; unknown frameworks are usage errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.compliance.frameworks import load_framework

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "scanner" / "reports" / "report.schema.json").read_text())
FIXTURE = "fixtures/compliance/aws"


def tenet(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def report(*args: str) -> dict[str, Any]:
    _, out, _ = tenet("scan", *args, "--format", "json")
    data: dict[str, Any] = json.loads(out)
    jsonschema.Draft7Validator(SCHEMA).validate(data)
    return data


def test_cis_aws_on_the_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    data = report(FIXTURE, "--compliance", "cis-aws-4.0")
    framework = load_framework("cis-aws-4.0")
    [entry] = data["compliance"]
    assert (entry["id"], entry["version"], entry["providers"], entry["partial"]) == \
        ("cis-aws-4.0", framework.version, ["aws"], False)
    # Every control, in the benchmark document's order, with its own id, title and rules.
    assert [(c["id"], c["title"], c["rules"]) for c in entry["controls"]] == \
        [(c.id, c.title, list(c.rules)) for c in framework.controls]
    controls = {c["id"]: c for c in entry["controls"]}
    by_resource = {f["resource"]: f["fingerprint"] for f in data["findings"]}
    bastion, rdp, orders = (by_resource["aws_security_group.bastion"], by_resource["aws_security_group.legacy_rdp"],
                            by_resource["aws_db_instance.orders"])

    for c in entry["controls"]:
        if c["coverage"] in ("manual", "not-covered"):
            assert (c["status"], c["findings"], c["reason"]) == (c["coverage"], [], c["note"]), c
    # A control counts only the resources it names. The open security groups fail the security group controls
    # (RDP too, although accepted by a suppression: accepted is not compliant) and CIFS (groups or ACLs) ...
    for control in ("5.1.2", "5.3", "5.4"):
        c = controls[control]
        assert c["status"] == "fail" and set(c["findings"]) == {bastion, rdp} and c["accepted"] == [rdp], c
        assert c["reason"] == "2 findings (aws_security_group), 1 of them accepted (suppressed, muted or baselined)"
    # ... but not the network ACL control: the fixture has no ACL, so there is nothing to evaluate.
    nacl = controls["5.2"]
    assert (nacl["status"], nacl["findings"]) == ("unknown", []), nacl
    assert nacl["reason"] == ("nothing to evaluate: no aws object of the kinds NET-001 reads (firewalls) among "
                              "aws_default_network_acl, aws_network_acl, aws_network_acl_rule")
    # ENC-001 on the RDS instance fails the RDS control, not EFS (no file system: unknown) nor EBS, whose one
    # volume is encrypted: a pass that counts the volume, not the database.
    assert (controls["2.2.1"]["status"], controls["2.2.1"]["findings"]) == ("fail", [orders])
    assert (controls["2.3.1"]["status"], controls["2.3.1"]["findings"]) == ("unknown", [])
    ebs = controls["5.1.1"]
    assert (ebs["status"], ebs["findings"], ebs["evaluated"]) == ("pass", [], {"ENC-001": 1}), ebs
    assert ebs["reason"] == "ENC-001 found nothing on 1 aws object"
    # IAM-001 ran on the fixture's IAM policy and found nothing: a pass, saying on what.
    iam = controls["1.16"]
    assert iam["status"] == "pass" and "IAM-001" in iam["rules"]
    assert iam["reason"] == f"{', '.join(iam['rules'])} found nothing on 1 aws object"
    assert iam["evaluated"] == dict.fromkeys(iam["rules"], 1)
    # ENC-003 runs and finds nothing unless customer-managed keys are required: that is not a pass.
    assert controls["3.5"]["status"] == "unknown"
    assert controls["3.5"]["reason"] == "ENC-003 is off: require_customer_managed_keys is not set"
    assert controls["1.15"]["status"] == "not-covered"
    statuses = {c["status"] for c in entry["controls"]}
    assert {"pass", "fail", "unknown", "not-covered"} <= statuses
    if any(c.coverage == "manual" for c in framework.controls):
        assert "manual" in statuses
    assert entry["summary"] == {s: sum(1 for c in entry["controls"] if c["status"] == s)
                                for s in ("pass", "fail", "unknown", "manual", "not-covered")}
    fingerprints = {f["fingerprint"] for f in data["findings"]}
    assert all(set(c["findings"]) <= fingerprints for c in entry["controls"])

    # CIS AWS 3.0 numbers them otherwise: RDS is 2.3.1 there, EFS 2.4.1, EBS 2.2.1.
    [v3] = report(FIXTURE, "--compliance", "cis-aws-3.0")["compliance"]
    v3_controls = {c["id"]: (c["status"], c["findings"]) for c in v3["controls"]}
    assert (v3_controls["2.3.1"], v3_controls["2.4.1"], v3_controls["2.2.1"]) == \
        (("fail", [orders]), ("unknown", []), ("pass", []))

    # Without --compliance the list is there, empty: the contract has one shape.
    assert report(FIXTURE)["compliance"] == []


def test_console_and_markdown_show_a_table_per_framework(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, console, _ = tenet("scan", FIXTURE, "--compliance", "cis-aws-4.0", "--compliance", "cis-aws-4.0",
                             "--no-color")
    assert code == 1
    framework = load_framework("cis-aws-4.0")
    heading = f"{framework.title} {framework.version} (cis-aws-4.0): "
    assert console.count(heading) == 1, console  # asked twice, shown once
    lines = console.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith(heading))):]
    assert table[1].split() == ["control", "status", "rules", "title"]
    row = next(line for line in table if line.split()[:1] == ["2.2.1"])
    assert row.split()[1:3] == ["fail", "ENC-001"], row
    # Under a failed control: why, and where each finding is.
    following = table[table.index(row) + 1: table.index(row) + 3]
    assert following[0].strip() == "1 finding (aws_db_instance)"
    assert following[1].split() == ["fixtures/compliance/aws/main.tf:50:1", "ENC-001", "aws_db_instance.orders"]
    assert any(line.split()[:3] == ["3.5", "could", "not"] for line in table)
    assert lines[-1].startswith("2 findings (1 critical, 1 high) · 1 suppressed")  # the summary stays the last line

    code, markdown, _ = tenet("scan", FIXTURE, "--compliance", "cis-aws-4.0", "--format", "markdown")
    assert code == 1
    assert f"## {framework.title} {framework.version} (`cis-aws-4.0`)" in markdown
    assert "| 2.2.1 | **fail** | ENC-001 | Ensure that encryption-at-rest is enabled for RDS Instances | 1 finding " \
        "(aws\\_db\\_instance) |" \
        in markdown
    assert "| 3.5 | could not evaluate | ENC-003 |" in markdown
    assert "| network | 1 | 0 | 0 | 0 | 0 | 1 |" in markdown  # one critical, and one accepted
    assert "`aws_security_group.legacy_rdp`" in markdown
    assert "(accepted: inline: jump host retired in Q1, ticket SEC-142)" in markdown


def test_nothing_to_evaluate_is_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kubernetes manifests against CIS AWS: no AWS object, so no control passes, and each says why."""
    monkeypatch.chdir(ROOT)
    [entry] = report("fixtures/seed/k8s-deployment.yaml", "--compliance", "cis-aws-4.0")["compliance"]
    evaluated = [c for c in entry["controls"] if c["coverage"] in ("full", "partial")]
    assert evaluated and all(c["status"] == "unknown" for c in evaluated)
    assert all(c["findings"] == [] for c in evaluated)
    assert any(c["reason"].startswith("nothing to evaluate: no aws object of the kinds") for c in evaluated)


FRAMEWORK = """id: house-azure
title: House Azure baseline
version: "1"
source: written for this test
url: https://example.com/house
providers: [azure]
controls:
  - id: "N-1"
    title: No administrative port from the internet
    coverage: full
    rules: [NET-001]
  - id: "N-2"
    title: No service port from the internet
    coverage: full
    rules: [NET-002]
  - id: "T-1"
    title: TLS 1.2 or later
    coverage: partial
    rules: [TLS-002]
    note: endpoints only
"""

AZURE = """variable "source_range" {
  type = string
}

resource "azurerm_network_security_group" "open" {
  name                = "open"
  location            = "westeurope"
  resource_group_name = "rg"

  security_rule {
    name                       = "ssh"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "unresolved" {
  name                = "unresolved"
  location            = "westeurope"
  resource_group_name = "rg"

  security_rule {
    name                       = "app"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "8080"
    source_address_prefix      = var.source_range
    destination_address_prefix = "*"
  }
}

resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_scope_unknown_values_disabled_rules_and_the_configuration(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(AZURE)
    (tmp_path / "house-azure.yaml").write_text(FRAMEWORK)
    monkeypatch.chdir(tmp_path)
    data = report(".", "--compliance", "house-azure.yaml")
    [entry] = data["compliance"]
    controls = {c["id"]: c for c in entry["controls"]}
    resources = {f["fingerprint"]: (f["rule_id"], f["status"], f["resource"]) for f in data["findings"]}
    # The open NSG fails N-1 (the unresolved one is listed after it); the AWS group's NET-001 finding is out of
    # scope for an Azure framework.
    assert [resources[fp] for fp in controls["N-1"]["findings"]] == \
        [("NET-001", "fail", "azurerm_network_security_group.open"),
         ("NET-001", "unknown", "azurerm_network_security_group.unresolved")]
    assert controls["N-1"]["status"] == "fail"
    # The unresolved source stops NET-001 and NET-002 with one finding (filed under NET-001): N-2 is not a pass.
    [unknown] = controls["N-2"]["findings"]
    assert resources[unknown] == ("NET-001", "unknown", "azurerm_network_security_group.unresolved")
    assert (controls["N-2"]["status"], controls["N-2"]["reason"]) == ("unknown", "1 object could not be evaluated")
    # No TLS endpoint at all.
    assert controls["T-1"]["status"] == "unknown"
    assert controls["T-1"]["reason"] == \
        "nothing to evaluate: no azure object of the kinds TLS-002 reads (TLS endpoints)"

    # The configuration names the framework (a file relative to it) and disables a rule: its control is not run.
    (tmp_path / ".tenet.toml").write_text('compliance = ["house-azure.yaml"]\ndisable = ["NET-001"]\n')
    [entry] = report(".")["compliance"]
    controls = {c["id"]: c for c in entry["controls"]}
    assert (controls["N-1"]["status"], controls["N-1"]["reason"]) == \
        ("unknown", "NET-001 is not run (disabled in the configuration)")

    # --compliance wins over the configuration.
    assert [e["id"] for e in report(".", "--compliance", "cis-aws-4.0")["compliance"]] == ["cis-aws-4.0"]


def test_an_unknown_framework_is_a_usage_error_that_lists_the_ids(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(AZURE)
    monkeypatch.chdir(tmp_path)
    code, out, err = tenet("scan", ".", "--compliance", "cis-aws-9.9")
    assert code == 2 and out == ""
    assert "--compliance cis-aws-9.9: no such compliance framework; available: " in err
    assert "cis-aws-4.0" in err.split("available: ")[1]

    (tmp_path / ".tenet.toml").write_text('compliance = ["cis-aws-9.9"]\n')
    code, out, err = tenet("scan", ".")
    assert code == 2 and ".tenet.toml: compliance.0: " in err and "cis-aws-4.0" in err, err

    # A framework file that is not valid: its path and what is wrong, exit 2.
    (tmp_path / ".tenet.toml").unlink()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "house-azure.yaml").write_text(FRAMEWORK.replace("coverage: full", "coverage: most"))
    code, _, err = tenet("scan", ".", "--compliance", "bad/house-azure.yaml")
    assert code == 2 and "bad/house-azure.yaml:" in err and "coverage 'most' is not one of" in err, err


def test_a_run_with_errors_is_partial_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(AZURE)
    (tmp_path / "broken.tf").write_text('resource "aws_security_group" "x" {\n')
    (tmp_path / "house-azure.yaml").write_text(FRAMEWORK)
    monkeypatch.chdir(tmp_path)
    code, out, _ = tenet("scan", ".", "--compliance", "house-azure.yaml", "--format", "json")
    assert code == 2 and json.loads(out)["compliance"][0]["partial"] is True
    code, console, _ = tenet("scan", ".", "--compliance", "house-azure.yaml", "--no-color")
    assert "  the run had errors: passes cover only what could be read" in console.splitlines()


def test_markdown_shows_hostile_text_inert() -> None:
    from scanner.reports.markdown import code, text

    assert text("a|b <img src=x> *x* [l](u) `c` &amp; \x1b[2J\u202e") == \
        "a\\|b \\<img src=x\\> \\*x\\* \\[l\\](u) \\`c\\` \\&amp; \\\\x1b\\[2J\\\\u202e"
    assert code("a|b") == "`a\\|b`"
    assert code("x `y` z") == "``x `y` z``"
    assert code("`edge`") == "`` `edge` ``"

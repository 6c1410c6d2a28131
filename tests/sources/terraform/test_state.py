"""Terraform state as input (issue #17): what Terraform believes is deployed, judged by the same rules, located at
the .tf lines that declare it, its secrets never printed. The state is in the exact shape Terraform writes:
format version 4 (`resources[].instances[].attributes`, `index_key`, `module`, `sensitive_attributes`), and the
output of `terraform show -json` for a state (`values.root_module`, `sensitive_values`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from scanner.cli import main
from scanner.model import SourceKind
from scanner.scan import Scanner

CONFIG = """resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
module "db" {
  source = "./db"
}
"""
DB = """resource "aws_db_instance" "main" {
  for_each            = toset(["eu"])
  identifier          = "main"
  storage_encrypted   = true
  password            = "from-a-secret-store"
  publicly_accessible = false
}
"""
SECRET = "hunter2-state-SECRET"
RULE_SECRET = "vault-token-in-a-description"


def _ingress(cidr: str) -> dict[str, Any]:
    # The description holds a secret (a sensitive variable interpolated into it): a finding's message quotes it.
    return {"cidr_blocks": [cidr], "description": f"db {RULE_SECRET}", "from_port": 22,
            "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp", "security_groups": [],
            "self": False, "to_port": 22}


def _v4(cidr: str) -> dict[str, Any]:
    return {
        "version": 4, "terraform_version": "1.11.4", "serial": 7, "lineage": "3f9c2a1e-5b7d-4e0a-9c8b-1d2e3f4a5b6c",
        "outputs": {"db_password": {"value": SECRET, "type": "string", "sensitive": True}},
        "resources": [
            {"mode": "managed", "type": "aws_security_group", "name": "web",
             "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
             "instances": [{"schema_version": 1, "attributes": {
                 "arn": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0a1b2c3d", "id": "sg-0a1b2c3d",
                 "name": "web", "description": "Managed by Terraform", "egress": [],
                 "ingress": [_ingress(cidr)], "vpc_id": "vpc-0a1b2c3d", "tags": {}, "tags_all": {}},
                 "sensitive_attributes": [[{"type": "get_attr", "value": "ingress"},
                                           {"type": "index", "value": {"value": 0, "type": "number"}},
                                           {"type": "get_attr", "value": "description"}]],
                 "private": "bnVsbA=="}]},
            {"module": "module.db", "mode": "managed", "type": "aws_db_instance", "name": "main",
             "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
             "instances": [{"index_key": "eu", "schema_version": 2, "attributes": {
                 "arn": "arn:aws:rds:eu-west-1:111122223333:db:main", "id": "db-ABC", "identifier": "main",
                 "engine": "postgres", "storage_encrypted": False, "kms_key_id": "", "password": SECRET,
                 "publicly_accessible": False, "vpc_security_group_ids": [], "port": 5432},
                 "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}]},
        ],
        "check_results": None,
    }


def _write(tmp_path: Path, state: dict[str, Any], name: str = "terraform.tfstate") -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "main.tf").write_text(CONFIG)
    (tmp_path / "db").mkdir(exist_ok=True)
    (tmp_path / "db" / "main.tf").write_text(DB)
    (tmp_path / name).write_text(json.dumps(state, indent=2))
    return tmp_path / name


def test_a_state_is_judged_as_deployed_and_located_at_the_tf_lines(tmp_path: Path) -> None:
    state = _write(tmp_path, _v4("0.0.0.0/0"))  # changed by hand after apply: the code says 10.0.0.0/8
    result = Scanner(cwd=tmp_path).scan([state])
    found = sorted((f.rule_id, f.status.value, f.resource, f.location.path if f.location else None,
                    f.location.start_line if f.location else None) for f in result.findings)
    assert ("NET-001", "fail", "aws_security_group.web", "main.tf", 3) in found
    assert ("ENC-001", "fail", 'module.db.aws_db_instance.main["eu"]', "db/main.tf", 4) in found
    assert {f.source for f in result.findings} == {SourceKind.TERRAFORM_STATE}
    assert [f for f in result.findings if f.status.value == "unknown"] == []  # every value is known
    # The code alone has neither finding: that difference is what drift reports.
    assert not [f for f in Scanner(cwd=tmp_path).scan([tmp_path / "main.tf"]).findings if f.rule_id == "NET-001"]


def test_show_json_of_a_state_reads_the_same(tmp_path: Path) -> None:
    v4 = _v4("0.0.0.0/0")
    shown = {"format_version": "1.0", "terraform_version": "1.11.4", "values": {
        "outputs": {"db_password": {"sensitive": True, "value": SECRET, "type": "string"}},
        "root_module": {
            "resources": [{"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group",
                           "name": "web", "provider_name": "registry.terraform.io/hashicorp/aws",
                           "schema_version": 1, "values": v4["resources"][0]["instances"][0]["attributes"],
                           "sensitive_values": {}}],
            "child_modules": [{"address": "module.db", "resources": [
                {"address": 'module.db.aws_db_instance.main["eu"]', "mode": "managed", "type": "aws_db_instance",
                 "name": "main", "index": "eu", "provider_name": "registry.terraform.io/hashicorp/aws",
                 "schema_version": 2, "values": v4["resources"][1]["instances"][0]["attributes"],
                 "sensitive_values": {"password": True}}]}],
        }}}
    state = _write(tmp_path, shown, "state.json")
    found = {(f.rule_id, f.resource) for f in Scanner(cwd=tmp_path).scan([state]).findings}
    assert {("NET-001", "aws_security_group.web"), ("ENC-001", 'module.db.aws_db_instance.main["eu"]')} <= found


def test_no_state_secret_reaches_any_report(tmp_path: Path, monkeypatch: Any) -> None:
    _write(tmp_path, _v4("0.0.0.0/0"))
    monkeypatch.chdir(tmp_path)
    for fmt in ("console", "json", "sarif", "github"):
        run = CliRunner().invoke(main, ["scan", "terraform.tfstate", "--format", fmt])
        assert run.exit_code == 1, run.output
        assert SECRET not in run.output and RULE_SECRET not in run.output
    console = CliRunner().invoke(main, ["scan", "terraform.tfstate", "--no-color"]).output
    assert "main.tf:3:3: critical NET-001 (state)" in console

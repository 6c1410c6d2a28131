"""`tenet scan --engine checkov` end to end on small repositories: migration from #checkov:skip, Kubernetes
annotations, modules, single files with their module's variables, --var-file, parse errors, and quiet runs.

Each test runs checkov once on a few files; the repository scan is shared by the module.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.engine.findings import ErrorLevel
from scanner.engines.checkov import CheckovEngine
from scanner.scan import Scanner

ROOT = Path(__file__).resolve().parents[2]
REPORT_SCHEMA = json.loads((ROOT / "scanner" / "reports" / "report.schema.json").read_text())

MAIN_TF = """resource "aws_security_group" "bastion" {
  description = "bastion"
  #checkov:skip=CKV_AWS_24:jump host, reviewed
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.open]
  }

  ingress {
    description = "rdp"
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ebs_volume" "data" {
  # checkov:skip=CKV_AWS_189
  availability_zone = "eu-west-1a"
  size              = 10
}

module "public" {
  source = "./modules/sg"
  cidr   = "0.0.0.0/0"
}
"""
VARIABLES_TF = """variable "open" {
  default = "0.0.0.0/0"
}
"""
MODULE_TF = """variable "cidr" {
  type = string
}

resource "aws_security_group" "this" {
  description = "module"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""
APP_YAML = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: everything
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    checkov.io/skip1: CKV_K8S_21=the namespace is set by kustomize
spec:
  type: ClusterIP
  ports:
    - port: 8080
"""
OPEN_FROM_VARIABLE = """resource "aws_security_group" "from_var" {
  description = "from a variable"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}

variable "cidr" {
  type = string
}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def scan_json(cwd: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, ["scan", *args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    report: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft7Validator(REPORT_SCHEMA).validate(report)
    return result.exit_code, report


Row = tuple[str, str, int, list[str], bool, str | None]


def rows(report: dict[str, Any]) -> list[Row]:
    return [(f["rule_id"], f["location"]["path"], f["location"]["start_line"], f["aliases"], f["suppressed"],
             f["justification"]) for f in report["findings"]]


@pytest.fixture(scope="module")
def repo_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = write(tmp_path_factory.mktemp("repo"), {
        ".git/HEAD": "ref: refs/heads/main\n", "infra/main.tf": MAIN_TF, "infra/variables.tf": VARIABLES_TF,
        "infra/modules/sg/main.tf": MODULE_TF, "k8s/app.yaml": APP_YAML})
    with pytest.MonkeyPatch.context() as mp:
        code, report = scan_json(root, "infra", "k8s", "--engine", "tenet", "--engine", "checkov", monkeypatch=mp)
    assert code == 1
    assert report["errors"] == []
    return report


def test_checkov_skip_suppresses_the_check_and_the_tenet_finding_it_aliases(repo_report: dict[str, Any]) -> None:
    found = [r for r in rows(repo_report) if r[1] == "infra/main.tf" and r[0] == "NET-001"]
    assert found == [
        # The skip names SSH: the SSH finding is suppressed, the RDP one (CKV_AWS_25) is not.
        ("NET-001", "infra/main.tf", 4, ["CKV_AWS_24"], True, "inline: checkov:skip jump host, reviewed"),
        ("NET-001", "infra/main.tf", 12, ["CKV_AWS_25"], False, None),
    ]
    assert not {"CKV_AWS_24", "CKV_AWS_25"} & {f["rule_id"] for f in repo_report["findings"]}


def test_a_skip_of_one_alias_leaves_the_issue_open_while_another_check_reports_it(
        repo_report: dict[str, Any]) -> None:
    # CKV_AWS_189 (customer key) is skipped; CKV_AWS_3 (not encrypted at all) still fails.
    assert [r for r in rows(repo_report) if r[0] == "ENC-001"] == [
        ("ENC-001", "infra/main.tf", 21, ["CKV_AWS_189", "CKV_AWS_3"], False, None)]


def test_module_resources_are_merged_and_keep_their_call(repo_report: dict[str, Any]) -> None:
    [net] = [f for f in repo_report["findings"] if f["resource"] == "module.public.aws_security_group.this"
             and f["rule_id"] == "NET-001"]
    assert net["aliases"] == ["CKV_AWS_24"]
    [other] = [f for f in repo_report["findings"] if f["resource"] == "module.public.aws_security_group.this"
               and f["rule_id"] == "CKV2_AWS_5"]
    assert other["module_call"]["path"] == "infra/main.tf"
    assert other["location"]["path"] == "infra/modules/sg/main.tf"
    assert (other["category"], other["severity"]) == ("other", "medium")


def test_kubernetes_checks_skip_annotations_and_names(repo_report: dict[str, Any]) -> None:
    k8s = [(f["rule_id"], f["resource"], f["aliases"], f["justification"]) for f in repo_report["findings"]
           if f["location"]["path"] == "k8s/app.yaml"]
    assert ("IAM-001", "ClusterRole/everything", ["CKV_K8S_49"], None) in k8s
    assert ("CKV_K8S_21", "Service/default/web", [], "inline: checkov:skip the namespace is set by kustomize") in k8s
    assert "CKV_K8S_49" not in {rule for rule, *_ in k8s}


def test_checkov_alone_reports_only_its_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.tf": VARIABLES_TF + MAIN_TF.split("module")[0]})
    code, report = scan_json(tmp_path, ".", "--engine", "checkov", monkeypatch=monkeypatch)
    ids = {f["rule_id"] for f in report["findings"]}
    assert code == 1
    assert {"CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_3"} <= ids
    assert all(i.startswith("CKV") for i in ids)
    [ssh] = [f for f in report["findings"] if f["rule_id"] == "CKV_AWS_24"]
    assert (ssh["category"], ssh["severity"], ssh["suppressed"]) == ("network", "critical", True)
    assert report["summary"]["files"] == 1


def test_a_single_file_is_checked_with_its_modules_variables_and_alone_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.tf": MAIN_TF.split("module")[0], "variables.tf": VARIABLES_TF,
                     "other.tf": MODULE_TF.replace("[var.cidr]", '["0.0.0.0/0"]')})
    _, report = scan_json(tmp_path, "main.tf", "--engine", "tenet", "--engine", "checkov", monkeypatch=monkeypatch)
    assert {f["location"]["path"] for f in report["findings"]} == {"main.tf"}
    # var.open comes from variables.tf: checkov saw it, so SSH is its finding as well as Tenet's.
    assert ("NET-001", "main.tf", 4, ["CKV_AWS_24"], True, "inline: checkov:skip jump host, reviewed") \
        in rows(report)


def test_var_files_reach_checkov(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.tf": OPEN_FROM_VARIABLE, "prod.tfvars": 'cidr = "0.0.0.0/0"\n'})
    _, report = scan_json(tmp_path, ".", "--engine", "tenet", "--engine", "checkov", "--var-file", "prod.tfvars",
                          monkeypatch=monkeypatch)
    assert [(f["rule_id"], f["status"], f["aliases"]) for f in report["findings"] if f["rule_id"] == "NET-001"] \
        == [("NET-001", "fail", ["CKV_AWS_24"])]


def test_a_file_checkov_cannot_parse_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"bad.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = \n', "good.tf": VARIABLES_TF})
    result = Scanner(cwd=tmp_path, rules=[], sources=[], engines=[CheckovEngine()]).scan([tmp_path])
    assert [(e.path, e.level) for e in result.errors] == [("bad.tf", ErrorLevel.ERROR)]
    assert "checkov could not parse" in result.errors[0].message
    assert result.exit_code(None) == 2


def test_checkov_writes_nothing_and_leaves_logging_as_it_was(tmp_path: Path,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    # A module whose source is missing makes checkov log warnings.
    write(tmp_path, {"main.tf": 'module "gone" {\n  source = "./nowhere"\n}\n' + OPEN_FROM_VARIABLE})
    root = logging.getLogger()
    before = (list(root.handlers), root.level, root.manager.disable)
    result = Scanner(cwd=tmp_path, rules=[], sources=[], engines=[CheckovEngine()]).scan([tmp_path])
    assert result.findings
    assert capfd.readouterr() == ("", "")
    assert (list(root.handlers), root.level, root.manager.disable) == before

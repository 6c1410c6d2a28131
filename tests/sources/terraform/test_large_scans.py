"""Large scans: a large module's resource blocks kept as their text until mapped, and module directories
evaluated in worker processes, each giving the report a plain scan gives; a worker's failure is an error entry
for its directories, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import scanner.sources.terraform as terraform
import scanner.sources.terraform.module as module
import scanner.sources.terraform.parallel as parallel
from scanner.cli import main
from scanner.sources.terraform import PARALLEL_DIRECTORIES

_STACK = """
module "sg" {{
  source = "../../modules/sg"
  cidr   = var.cidr
  name   = "stack-{i}"
}}

variable "cidr" {{
  default = "{cidr}"
}}

variable "password" {{
  default   = "hunter2-{i}"
  sensitive = true
}}

resource "aws_security_group" "db" {{
  name = "db-{i}"
  ingress {{
    description = "db ${{var.password}}"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

variable "encrypt" {{}}

resource "aws_ebs_volume" "data" {{
  availability_zone = "a"
  size              = 1
  encrypted         = var.encrypt
}}

# tenet:ignore ENC-001 reason="scratch"
resource "aws_ebs_volume" "scratch" {{
  availability_zone = "a"
  size              = 1
  encrypted         = false
}}
"""

_SHARED = """
variable "cidr" {}
variable "name" {}
resource "aws_security_group" "this" {
  name = var.name
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """More stacks than the threshold, each calling a shared module (a scanned directory that is no root), with
    findings, unknowns, a suppression and secrets; one that does not parse, one calling a module that is not
    there (a warning) and one calling itself (an error)."""
    (tmp_path / "modules" / "sg").mkdir(parents=True)
    (tmp_path / "modules" / "sg" / "main.tf").write_text(_SHARED)
    for i in range(PARALLEL_DIRECTORIES + 2):
        stack = tmp_path / "stacks" / f"s{i:02d}"
        stack.mkdir(parents=True)
        (stack / "main.tf").write_text(_STACK.format(i=i, cidr="0.0.0.0/0" if i % 2 else f"10.{i}.0.0/16"))
    (tmp_path / "stacks" / "s03" / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n}\n')
    (tmp_path / "stacks" / "s04" / "missing.tf").write_text('module "gone" {\n  source = "../nowhere"\n}\n')
    (tmp_path / "stacks" / "s05" / "self.tf").write_text('module "self" {\n  source = "./"\n}\n')
    # A registry module `terraform init` installed: its finding is located at the module block, in either mode.
    installed = tmp_path / "stacks" / "s06" / ".terraform" / "modules"
    (installed / "vendor").mkdir(parents=True)
    (installed / "vendor" / "main.tf").write_text(_SHARED)
    (installed / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "vendor", "Source": "registry.terraform.io/acme/sg/aws", "Version": "1.4.0",
         "Dir": ".terraform/modules/vendor"}]}))
    (tmp_path / "stacks" / "s06" / "vendor.tf").write_text(
        'module "vendor" {\n  source  = "acme/sg/aws"\n  version = "~> 1.0"\n  cidr    = "0.0.0.0/0"\n'
        '  name    = "vendored"\n}\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(terraform, "PARALLEL_BYTES", 0)  # a small tree, evaluated by workers all the same
    return tmp_path


def _scan(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["scan", ".", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_workers_give_the_report_one_process_gives(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[bool] = []
    load = parallel.load_in_workers

    def spy(*args: Any) -> Any:
        loaded = load(*args)
        used.append(loaded is not None)
        return loaded

    monkeypatch.setattr(parallel, "load_in_workers", spy)
    for fmt in ("json", "sarif"):
        serial = _scan("--format", fmt, "--jobs", "1")
        assert used == []  # --jobs 1 stays in one process
        workers = _scan("--format", fmt, "--jobs", "2")
        assert used.pop() is True
        assert workers == serial
    code, out = serial[0], json.loads(_scan("--format", "json", "--jobs", "3")[1])
    assert code == 2  # the file that does not parse and the self-call are errors
    messages = {e["message"] for e in out["errors"]}
    assert any("calls its own directory" in m for m in messages)
    assert any("not found" in m for m in messages)
    findings = out["findings"]
    assert {f["status"] for f in findings} == {"fail", "unknown"}
    [vendored] = [f for f in findings if f["resource"] == "module.vendor.aws_security_group.this"]
    assert vendored["location"]["path"] == "stacks/s06/vendor.tf"
    assert vendored["module_chain"][-1] == "acme/sg/aws 1.4.0 //main.tf:6"
    assert any(f["suppressed"] for f in findings)
    # The shared module is no root: its findings come through its calls, with the stacks' inputs.
    assert {f["resource"] for f in findings if f["rule_id"] == "NET-001"} == {
        "module.sg.aws_security_group.this", "module.vendor.aws_security_group.this"}
    assert "hunter2" not in json.dumps(out)


@pytest.mark.parametrize("failure", ["raises", "dies"])
def test_a_failing_worker_is_an_error_entry(tree: Path, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    evaluate = parallel._evaluate_one

    def failing(directory: Path, mappers: Any) -> Any:
        if directory.name == "s07":
            if failure == "dies":
                os._exit(3)  # the worker process ends: what it had not sent back is an error
            raise RuntimeError("boom")
        return evaluate(directory, mappers)

    monkeypatch.setattr(parallel, "_evaluate_one", failing)
    code, out = _scan("--format", "json", "--jobs", "2")
    report = json.loads(out)
    assert code == 2
    errors = {e["path"]: e["message"] for e in report["errors"]}
    why = ("RuntimeError: boom" if failure == "raises" else
           "its worker process ended unexpectedly (killed, or out of memory?); --jobs 1 scans in one process")
    assert errors["stacks/s07"] == f"could not evaluate this module directory: {why}"
    assert "Traceback" not in out
    if failure == "raises":  # every other directory is reported as usual
        assert {f["location"]["path"].split("/")[1] for f in report["findings"]} >= {"s00", "s06", "s08", "s17"}


def test_a_large_module_read_block_by_block_gives_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every module read as a large one is (resource blocks parsed again when mapped, and released): counts,
    for_each, dynamic blocks, references and policy documents give the same findings, lines and fingerprints."""
    fixtures = Path(__file__).resolve().parents[3] / "fixtures" / "rules" / "aws"
    monkeypatch.chdir(fixtures)
    whole = _scan("--format", "json", "--jobs", "1")
    monkeypatch.setattr(module, "DEFER_BYTES", 0)
    deferred = _scan("--format", "json", "--jobs", "1")
    assert deferred == whole
    assert json.loads(whole[1])["summary"]["findings"] > 100

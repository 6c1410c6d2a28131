"""Plan JSON: the same mappings as HCL, after_unknown as Unknown, findings at real .tf lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scanner.engine.findings import Status
from scanner.scan import Scanner

ROOT = Path(__file__).resolve().parents[3]
PLAN_DIR = ROOT / "fixtures" / "terraform" / "plan"


def test_plan_findings_carry_the_tf_file_and_line() -> None:
    result = Scanner(cwd=ROOT).scan([PLAN_DIR / "plan.json"])
    assert result.errors == []
    got = {(f.rule_id, f.status, f.resource, f.location.path, f.location.start_line)
           for f in result.findings if f.location}
    assert got == {
        ("NET-001", Status.FAIL, "aws_security_group.bastion", "fixtures/terraform/plan/main.tf", 15),
        # after_unknown: the partner rule's cidr_blocks are known only after apply.
        ("NET-001", Status.UNKNOWN, "aws_security_group.bastion", "fixtures/terraform/plan/main.tf", 12),
        ("ENC-001", Status.FAIL, "aws_ebs_volume.data", "fixtures/terraform/plan/main.tf", 35),
        # Module addresses are kept, and the line is inside the module.
        ("NET-002", Status.FAIL, "module.web.aws_security_group.this",
         "fixtures/terraform/plan/modules/web/main.tf", 8),
    }
    assert {f.source.value for f in result.findings} == {"terraform-plan"}
    web = next(f for f in result.findings if f.resource.startswith("module.web"))
    assert web.module_call is not None and web.module_call.start_line == 38
    # A resource being deleted is not evaluated (its public bucket policy goes away).
    assert all("retired" not in f.resource for f in result.findings)


def test_without_the_configuration_findings_are_located_by_address(tmp_path: Path) -> None:
    shutil.copy(PLAN_DIR / "plan.json", tmp_path / "plan.json")
    result = Scanner(cwd=tmp_path).scan([tmp_path / "plan.json"])
    text = (tmp_path / "plan.json").read_text().splitlines()
    for f in result.findings:
        assert f.location is not None and f.location.path == "plan.json"
        assert f'"address": "{f.resource}"' in text[f.location.start_line - 1]
    assert {(f.rule_id, f.resource) for f in result.findings if f.status is Status.FAIL} == {
        ("NET-001", "aws_security_group.bastion"),
        ("ENC-001", "aws_ebs_volume.data"),
        ("NET-002", "module.web.aws_security_group.this"),
    }


def test_source_dir_option(tmp_path: Path) -> None:
    shutil.copy(PLAN_DIR / "plan.json", tmp_path / "plan.json")
    result = Scanner(cwd=ROOT, source_dir=PLAN_DIR).scan([tmp_path / "plan.json"])
    assert {f.location.path for f in result.findings if f.location} == {
        "fixtures/terraform/plan/main.tf", "fixtures/terraform/plan/modules/web/main.tf"}


def test_broken_plan_json_is_an_error_with_a_line(tmp_path: Path) -> None:
    plan = json.loads((PLAN_DIR / "plan.json").read_text())
    text = json.dumps(plan, indent=1)
    (tmp_path / "plan.json").write_text(text[: len(text) // 2])
    result = Scanner(cwd=tmp_path).scan([tmp_path / "plan.json"])
    assert [(e.path, e.level.value) for e in result.errors] == [("plan.json", "error")]
    assert result.errors[0].line is not None and "invalid JSON" in result.errors[0].message


def test_other_json_is_not_claimed(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert result.files == []
    assert [e.message for e in result.errors] == [
        "nothing was scanned: no file among the paths given could be read by any source"]

"""Terraform as real repositories write it: modules, count/for_each, functions, dynamic blocks."""

from __future__ import annotations

from pathlib import Path

from scanner.engine.findings import ErrorLevel, Finding
from scanner.scan import Scanner, ScanResult

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "terraform"


def scan(*paths: Path) -> ScanResult:
    return Scanner(cwd=ROOT).scan(list(paths))


def summary(findings: list[Finding]) -> set[tuple[str, str, str, int]]:
    return {(f.rule_id, f.resource, f.location.path, f.location.start_line) for f in findings if f.location}


def test_local_module_called_twice_only_the_public_call_is_flagged() -> None:
    result = scan(FIXTURES / "modules")
    module_file = "fixtures/terraform/modules/modules/security_group/main.tf"
    assert summary(result.findings) == {
        ("NET-001", "module.public.aws_security_group.this", module_file, 12),
        ("NET-001", 'module.per_env["ops"].aws_security_group.this', module_file, 12),
        # Installed by terraform init, not the user's to edit: at the module block, the chain names the package.
        ("NET-001", "module.vendored.aws_security_group.rdp", "fixtures/terraform/modules/main.tf", 35),
    }
    [vendored] = [f for f in result.findings if f.resource == "module.vendored.aws_security_group.rdp"]
    assert [(c.path, c.start_line) for c in vendored.module_chain] == [
        ("fixtures/terraform/modules/main.tf", 35), ("example/sg/aws 1.0.0 //main.tf", 8)]
    calls = {f.resource: (f.module_call.path, f.module_call.start_line) for f in result.findings if f.module_call}
    assert calls["module.public.aws_security_group.this"] == ("fixtures/terraform/modules/main.tf", 8)
    assert calls['module.per_env["ops"].aws_security_group.this'] == ("fixtures/terraform/modules/main.tf", 14)


def test_modules_that_cannot_be_found_are_reported_not_guessed() -> None:
    result = scan(FIXTURES / "modules")
    warnings = {(e.line, e.message.split(":")[0]) for e in result.errors if e.level is ErrorLevel.WARNING}
    assert warnings == {(21, "module 'not_there'"), (25, "module 'from_registry'")}
    assert not result.has_errors


def test_scanning_only_the_caller_file_reports_module_findings() -> None:
    result = scan(FIXTURES / "modules" / "main.tf")
    assert {f.resource for f in result.findings} == {
        "module.public.aws_security_group.this",
        'module.per_env["ops"].aws_security_group.this',
        "module.vendored.aws_security_group.rdp",
    }


def test_for_each_and_count_instances_are_addressed_as_terraform_does() -> None:
    result = scan(FIXTURES / "for_each")
    assert summary(result.findings) == {
        ("ENC-001", 'aws_ebs_volume.data["scratch"]', "fixtures/terraform/for_each/buckets.tf", 14),
        ("ENC-001", "aws_ebs_volume.replicas[1]", "fixtures/terraform/for_each/buckets.tf", 21),
    }


def test_policies_built_with_jsonencode_concat_and_read_with_file() -> None:
    result = scan(FIXTURES / "policies")
    assert [(f.rule_id, f.status.value, f.resource) for f in result.findings] == [
        ("IAM-001", "fail", "aws_iam_policy.assembled"),
        ("IAM-001", "fail", "aws_iam_policy.from_file"),
        # Only files under the scanned tree are read: anything else is unknown, never a pass.
        ("IAM-001", "unknown", "aws_iam_policy.outside"),
    ]
    assert 'file(): "/etc/hostname" resolves outside the scanned repository' in result.findings[2].message


def test_dynamic_ingress_over_a_variable_from_another_file() -> None:
    result = scan(FIXTURES / "dynamic" / "main.tf")
    assert summary(result.findings) == {
        ("NET-001", "aws_security_group.bastion", "fixtures/terraform/dynamic/main.tf", 5),
    }
    assert "0.0.0.0/0 can reach 22" in result.findings[0].message


def test_var_file_overrides_defaults(tmp_path: Path) -> None:
    safe = tmp_path / "safe.tfvars"
    safe.write_text('ssh_cidrs = ["10.1.0.0/16"]\n')
    result = Scanner(cwd=ROOT, var_files=[safe]).scan([FIXTURES / "dynamic"])
    assert result.findings == []


def test_unset_variable_is_reported_as_could_not_evaluate(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "cidr" {}\n'
        'resource "aws_security_group" "x" {\n'
        "  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = \"tcp\"\n"
        "    cidr_blocks = [var.cidr]\n  }\n}\n"
    )
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [(f.rule_id, f.status.value) for f in result.findings] == [("NET-001", "unknown")]
    assert "variable 'cidr' has no value" in result.findings[0].message
    assert "main.tf:1" in result.findings[0].message


def test_tfvars_and_auto_tfvars_precedence(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "cidr" { default = "10.0.0.0/16" }\n'
        'resource "aws_security_group" "x" {\n'
        "  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = \"tcp\"\n"
        "    cidr_blocks = [var.cidr]\n  }\n}\n"
    )
    (tmp_path / "terraform.tfvars").write_text('cidr = "10.9.0.0/16"\n')
    (tmp_path / "z.auto.tfvars").write_text('cidr = "0.0.0.0/0"\n')
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [f.rule_id for f in result.findings] == ["NET-001"]


def test_a_broken_module_manifest_is_named_in_the_warning(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n')
    manifest = tmp_path / ".terraform" / "modules" / "modules.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{not json")
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    [warning] = [e.message for e in result.errors]
    assert "modules.json is not a valid module manifest" in warning and "module 'vpc'" in warning


def test_terraform_json_syntax_is_read_not_a_warning(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{"resource": {"aws_s3_bucket": {"b": {"bucket": "x"}}}}')
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert result.errors == []
    assert result.files == ["main.tf.json"] and result.resources == 1

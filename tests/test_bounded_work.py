"""Bounded work on hostile input: expansion past `max-instances` is an error entry, never a MemoryError, and
everything else in the scan is still reported."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import main
from scanner.engine.findings import ErrorLevel
from scanner.scan import Scanner

OPEN_SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def _open_ssh(name: str, head: str = "", ingress: str = "") -> str:
    """An open-SSH security group, with `head` (count/for_each) and extra blocks."""
    return (f'resource "aws_security_group" "{name}" {{\n{head}{ingress}'
            '  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n'
            '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')


def _scan(root: Path, max_instances: int | None = None) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    kwargs = {} if max_instances is None else {"max_instances": max_instances}
    result = Scanner(cwd=root, **kwargs).scan([root])
    found = sorted((f.rule_id, f.resource) for f in result.findings)
    errors: dict[str, list[str]] = {}
    for e in result.errors:
        assert e.level is ErrorLevel.ERROR or "limit" not in e.message
        errors.setdefault(f"{e.path}:{e.line}", []).append(e.message)
    return found, errors


def test_a_billion_instances_is_an_error_entry_and_the_rest_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        _open_ssh("huge", head="  count = 1e9\n") + _open_ssh("vast", head="  count = pow(10, 300)\n") + OPEN_SSH)
    found, errors = _scan(tmp_path)
    assert found == [("NET-001", "aws_security_group.ssh")]
    assert errors == {"main.tf:2": ["aws_security_group.huge: count expands to 1000000000 instances, more than the "
                                    "limit of 10000 (max-instances); not scanned"],
                      "main.tf:11": ["aws_security_group.vast: count expands to 1e+300 instances, more than the "
                                     "limit of 10000 (max-instances); not scanned"]}, errors


def test_the_cap_counts_for_each_dynamic_blocks_and_module_instances(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        _open_ssh("keys", head='  for_each = toset([for i in range(6) : "k${i}"])\n')
        + _open_ssh("blocks", ingress='  dynamic "egress" {\n    for_each = range(6)\n'
                                      '    content {\n      from_port = 0\n    }\n  }\n')
        + 'module "many" {\n  source = "./mod"\n  count  = 2\n}\n'
        + _open_ssh("few", head="  count = 5\n")
    )
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text(_open_ssh("inner", head="  count = 3\n"))
    found, errors = _scan(tmp_path, max_instances=5)
    # `few` has exactly the limit; `blocks` keeps its ingress but not its egress blocks.
    assert found == [("NET-001", "aws_security_group.blocks")] + [
        ("NET-001", f"aws_security_group.few[{i}]") for i in range(5)]
    assert errors == {
        "main.tf:2": ['aws_security_group.keys: for_each expands to 6 instances, more than the limit of 5 '
                      '(max-instances); not scanned'],
        "main.tf:12": ["aws_security_group.blocks: dynamic 'egress' block expands to 6 blocks, more than the limit "
                       "of 5 (max-instances); not scanned"],
        "mod/main.tf:2": ["module.many.aws_security_group.inner: count expands to 3 instances in each of 2 "
                          "instances of its module, more than the limit of 5 (max-instances); not scanned"],
    }, errors
    found, errors = _scan(tmp_path, max_instances=12)
    assert not errors and len(found) == 1 + 6 + 6 + 5


def test_the_cap_comes_from_the_configuration_and_the_command_line(tmp_path: Path, monkeypatch: object) -> None:
    (tmp_path / "main.tf").write_text(_open_ssh("few", head="  count = 3\n"))
    (tmp_path / ".tenet.toml").write_text("max-instances = 2\n")
    runner = CliRunner()
    out = runner.invoke(main, ["scan", str(tmp_path), "--format", "json"])
    assert out.exit_code == 2 and "more than the limit of 2 (max-instances)" in out.output, out.output
    out = runner.invoke(main, ["scan", str(tmp_path), "--format", "json", "--max-instances", "3"])
    assert out.exit_code == 1 and "max-instances" not in out.output, out.output
    (tmp_path / ".tenet.toml").write_text("max-instances = 0\n")
    out = runner.invoke(main, ["scan", str(tmp_path)])
    assert out.exit_code == 2 and "max-instances: Input should be greater than or equal to 1" in out.output


def _plan(resources: int) -> str:
    """A plan of open-SSH security groups, some with for_each keys that need escapes in JSON."""
    changes = []
    for i in range(resources):
        key = f'["k\\"{i}"]' if i % 2 else f"[{i}]"
        changes.append({
            "address": f"aws_security_group.sg{key}", "mode": "managed", "type": "aws_security_group", "name": "sg",
            "change": {"actions": ["create"], "after": {"ingress": [
                {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]},
                "after_unknown": {"id": True}},
        })
    return json.dumps({"format_version": "1.2", "terraform_version": "1.7.5", "resource_changes": changes}, indent=2)


def test_a_plan_has_its_own_larger_limit_and_every_address_is_located(tmp_path: Path) -> None:
    text = _plan(300)
    (tmp_path / "plan.json").write_text(text)
    scanner = Scanner(cwd=tmp_path)
    # Larger than any .tf file may be, within the plan limit.
    scanner.context = replace(scanner.context, max_file_bytes=len(text) // 10)
    result = scanner.scan([tmp_path / "plan.json"])
    assert result.errors == [] and len(result.findings) == 300
    lines = text.splitlines()
    for f in result.findings:
        assert f.location is not None
        assert json.dumps(f.resource) in lines[f.location.start_line - 1], (f.resource, f.location.start_line)
    scanner.context = replace(scanner.context, max_plan_bytes=len(text) - 1)
    result = scanner.scan([tmp_path / "plan.json"])
    assert result.findings == []
    assert [e.message for e in result.errors] == [
        f"file is too large ({len(text) / 1048576:.1f} MiB; the limit is 0 MiB)"]


def test_model_objects_share_their_fields_set_and_copies_stay_exact() -> None:
    """Memory: millions of locations and origins share a handful of fields-sets; copying one never changes
    another's."""
    from scanner.model import Location, Origin, SourceKind

    a = Location(path="a.tf", start_line=1, end_line=2)
    b = Location(path="b.tf", start_line=3, end_line=4)
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    origin = Origin(source=SourceKind.TERRAFORM, resource="x.y", resource_type="x", location=a)
    moved = origin.at(b, "ingress[0]")
    assert origin.model_fields_set == {"source", "resource", "resource_type", "location"}
    assert moved.model_fields_set == origin.model_fields_set | {"anchor", "resource_location"}
    again = Origin(source=SourceKind.TERRAFORM, resource="z", resource_type="x", location=b,
                   resource_location=a, anchor="i")
    assert again.__pydantic_fields_set__ is moved.__pydantic_fields_set__
    assert (moved.location, moved.resource_location, moved.anchor) == (b, a, "ingress[0]")


def test_the_file_size_limit_comes_from_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN_SSH + "# " + "x" * (2 * 1024 * 1024) + "\n")
    (tmp_path / ".tenet.toml").write_text("max-file-mib = 1\n")
    out = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json"])
    assert out.exit_code == 2 and "file is too large (2.0 MiB; the limit is 1 MiB)" in out.output, out.output
    (tmp_path / ".tenet.toml").write_text("max-file-mib = 3\n")
    out = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json"])
    assert out.exit_code == 1 and '"NET-001"' in out.output, out.output

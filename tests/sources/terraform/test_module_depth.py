"""Terraform as large modules write it: typed variables with optional() defaults, module outputs feeding
sibling modules, and findings reached through a chain of module calls (issue #19, items 1-3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.findings import ErrorLevel, Status
from scanner.scan import Scanner

SG = """variable "cidr" {}
resource "aws_security_group" "this" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _found(root: Path, scanned: str) -> list[tuple[str, str, str]]:
    result = Scanner(cwd=root).scan([root / scanned])
    assert [e.message for e in result.errors if e.level is ErrorLevel.ERROR] == []
    return [(f.rule_id, f.status.value, f.message) for f in result.findings]


OPTIONAL_TYPED = """variable "ssh" {
  type = object({
    port  = number
    cidrs = optional(list(string), ["0.0.0.0/0"])
    extra = optional(object({
      open = optional(bool, true)
    }), {})
  })
}
resource "aws_security_group" "this" {
  ingress {
    from_port   = var.ssh.port
    to_port     = var.ssh.port
    protocol    = "tcp"
    cidr_blocks = var.ssh.extra.open ? var.ssh.cidrs : []
  }
}
"""


@pytest.mark.parametrize(("given", "expected"), [
    ('{ port = "22" }', [("NET-001", "fail", "0.0.0.0/0 can reach 22 (TCP)")]),  # "22" converts to a number
    ('{ port = 22, cidrs = null }', [("NET-001", "fail", "0.0.0.0/0 can reach 22 (TCP)")]),  # null: the default
    ('{ port = 22, cidrs = ["10.1.0.0/16"] }', []),
    ('{ port = 22, extra = { open = false } }', []),
])
def test_optional_attributes_get_their_defaults(tmp_path: Path, given: str, expected: list[tuple[str, ...]]) -> None:
    root = _write(tmp_path, {"mod/main.tf": OPTIONAL_TYPED,
                             "root/main.tf": f'module "sg" {{\n  source = "../mod"\n  ssh = {given}\n}}\n'})
    assert _found(root, "root") == expected


def test_a_value_that_does_not_fit_its_type_is_could_not_evaluate(tmp_path: Path) -> None:
    root = _write(tmp_path, {"mod/main.tf": OPTIONAL_TYPED,
                             "root/main.tf": 'module "sg" {\n  source = "../mod"\n  ssh = { cidrs = [] }\n}\n'})
    result = Scanner(cwd=root).scan([root / "root"])
    assert {f.status for f in result.findings} == {Status.UNKNOWN}
    assert any("attribute 'port' is required" in f.message for f in result.findings)


def test_nullable_false_takes_the_default_for_null(tmp_path: Path) -> None:
    mod = ('variable "cidr" {\n  default  = "0.0.0.0/0"\n  nullable = false\n}\n'
           + SG.replace('variable "cidr" {}\n', ""))
    root = _write(tmp_path, {"mod/main.tf": mod,
                             "root/main.tf": 'module "sg" {\n  source = "../mod"\n  cidr = null\n}\n'})
    assert _found(root, "root") == [("NET-001", "fail", "0.0.0.0/0 can reach 22 (TCP)")]


def test_a_module_output_feeds_a_sibling_module(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "net/main.tf": 'output "cidr" {\n  value = "0.0.0.0/0"\n}\n',
        "sg/main.tf": SG,
        "root/main.tf": 'module "sg" {\n  source = "../sg"\n  cidr   = module.net.cidr\n}\n'
                        'module "net" {\n  source = "../net"\n}\n',
    })
    assert _found(root, "root") == [("NET-001", "fail", "0.0.0.0/0 can reach 22 (TCP)")]


def test_findings_through_a_chain_of_calls_are_reported_with_the_chain(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "root/main.tf": 'module "w" {\n  source = "../wrap"\n  cidr   = "0.0.0.0/0"\n}\n',
        "wrap/main.tf": 'variable "cidr" {}\nmodule "m" {\n  source = "../mod"\n  cidr   = var.cidr\n}\n',
        "mod/main.tf": SG,
    })
    result = Scanner(cwd=root).scan([root / "root"])
    # At the call in the scanned paths: the module's files lie outside them.
    assert [(f.rule_id, f.location.path if f.location else None) for f in result.findings] == [
        ("NET-001", "root/main.tf")]
    chain = result.findings[0].module_chain
    assert [(c.path, c.start_line) for c in chain] == [("root/main.tf", 1), ("wrap/main.tf", 2), ("mod/main.tf", 3)]
    # Scanning the module on its own directory is another root: its input has no value there.
    assert [f.status for f in Scanner(cwd=root).scan([root / "wrap"]).findings] == [Status.UNKNOWN]


@pytest.mark.parametrize("meta", ['for_each = { a = 22 }\n  port     = each.value', "count    = 2\n  port     = 22"])
def test_standalone_rules_inside_a_repeated_module_are_judged(tmp_path: Path, meta: str) -> None:
    """Item 8: `module.sg["a"].aws_security_group.this` is not `module.sg`: rules find their group per instance."""
    rule_module = """variable "port" {}
resource "aws_security_group" "this" {
  name = "sg"
}
resource "aws_security_group_rule" "in" {
  type              = "ingress"
  from_port         = var.port
  to_port           = var.port
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.this.id
}
"""
    root = _write(tmp_path, {"mod/main.tf": rule_module,
                             "root/main.tf": f'module "sg" {{\n  source   = "../mod"\n  {meta}\n}}\n'})
    result = Scanner(cwd=root).scan([root / "root"])
    found = sorted((f.rule_id, f.resource) for f in result.findings)
    instances = ['module.sg["a"]'] if "for_each" in meta else ["module.sg[0]", "module.sg[1]"]
    assert found == [("NET-001", f"{i}.aws_security_group_rule.in") for i in instances]


def test_relative_file_paths_are_the_root_modules_wherever_tenet_runs(tmp_path: Path) -> None:
    """Terraform runs in the root module's directory: an example that reads `rules/*.yaml` by a relative path
    reads its own rules when the repository is scanned from its root, as when scanned from the example."""
    root = _write(tmp_path, {
        "main.tf": 'variable "rules_folder" {}\n'
                   'locals {\n  rules = merge([for f in fileset(var.rules_folder, "*.yaml") :\n'
                   '    yamldecode(file("${var.rules_folder}/${f}"))]...)\n}\n'
                   'resource "aws_security_group" "this" {\n  dynamic "ingress" {\n    for_each = local.rules\n'
                   '    content {\n      from_port   = ingress.value.port\n      to_port     = ingress.value.port\n'
                   '      protocol    = "tcp"\n      cidr_blocks = ingress.value.from\n    }\n  }\n}\n',
        "examples/basic/main.tf": 'module "sg" {\n  source       = "../../"\n  rules_folder = "rules"\n}\n',
        "examples/basic/rules/admin.yaml": "rdp:\n  port: 3389\n  from: [0.0.0.0/0]\n",
    })
    expected = [("NET-001", "fail", "0.0.0.0/0 can reach 3389 (TCP)")]
    assert _found(root, ".") == expected
    assert [(f.rule_id, f.status.value, f.message)
            for f in Scanner(cwd=root / "examples" / "basic").scan([root / "examples" / "basic"]).findings] == expected


def test_a_set_type_holds_each_value_once(tmp_path: Path) -> None:
    root = _write(tmp_path, {"main.tf": """variable "access" {
  type    = object({ cidrs = set(string), ports = set(number) })
  default = { cidrs = ["0.0.0.0/0", "10.0.0.0/16", "0.0.0.0/0"], ports = ["22", 22] }
}
resource "aws_security_group" "a" {
  dynamic "ingress" {
    for_each = var.access.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = tolist(var.access.cidrs)
    }
  }
}
"""})
    assert _found(root, ".") == [("NET-001", "fail", "0.0.0.0/0 can reach 22 (TCP)")]

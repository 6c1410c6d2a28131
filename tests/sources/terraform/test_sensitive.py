"""Sensitive values: marked where Terraform marks them, judged by their real value, shown as `(sensitive value)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.engine.redaction import SENSITIVE, Redactor
from scanner.scan import Scanner
from scanner.sources.interface import LoadContext
from scanner.sources.terraform.hcl import DictScope, Evaluator, parse_expression
from scanner.sources.terraform.hcl.sensitive import Sensitive, mark
from scanner.sources.terraform.plan import PlanSource


def _eval(text: str, values: dict[str, Any]) -> tuple[Any, set[str]]:
    secrets: set[str] = set()
    value = Evaluator(DictScope(values), "main.tf", secrets=secrets).evaluate(parse_expression(text, "main.tf"))
    return value, secrets


def test_marks_follow_derivation_and_stay_on_their_elements() -> None:
    values = {"var": {"s": mark("Pa55-word"), "n": mark(8), "open": "10.0.0.0/8"}}
    derived, secrets = _eval('"db-${upper(var.s)}"', values)
    assert derived == Sensitive("db-PA55-WORD") and "db-PA55-WORD" in secrets
    assert _eval("[var.s, var.open]", values)[0] == [Sensitive("Pa55-word"), "10.0.0.0/8"]  # only the element
    assert _eval("{ a = var.s }.a", values)[0] == Sensitive("Pa55-word")
    assert _eval("var.n + 1", values)[0] == Sensitive(9)
    assert _eval('var.s == "x" ? "a" : "b"', values)[0] == Sensitive("b")  # chosen by a secret
    assert _eval("nonsensitive(upper(var.s))", values)[0] == "PA55-WORD"
    assert _eval('sensitive("t0ken")', values) == (Sensitive("t0ken"), {"t0ken"})
    assert _eval("length([var.open])", values) == (1, set())
    # An error that names a sensitive key is still an error; the key's text is registered, hence hidden.
    value, _ = _eval('{ x = 1 }[var.s]', values)
    assert "Pa55-word" in value.reason


def test_a_sensitive_cidr_still_fails_and_is_not_shown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
variable "cidr" {
  default   = "0.0.0.0/0"
  sensitive = true
}
variable "port" {
  default   = 3389
  sensitive = true
}
resource "aws_security_group" "web" {
  ingress {
    description = "office ${var.cidr}"
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
''')
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [(f.rule_id, f.message) for f in result.failed] == [
        ("NET-001", f"{SENSITIVE} can reach {SENSITIVE} (TCP) (rule '{SENSITIVE}')")]
    assert result.errors == []


def test_sensitive_module_inputs_and_outputs(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text('''
variable "prefix" {}
output "name" {
  value = "${var.prefix}-grp"
}
resource "aws_security_group" "inner" {
  name = var.prefix
  ingress {
    description = "inner ${var.prefix}"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
''')
    (tmp_path / "main.tf").write_text('''
variable "team" {
  default   = "red-team-x"
  sensitive = true
}
module "child" {
  source = "./child"
  prefix = var.team
}
resource "aws_security_group" "outer" {
  ingress {
    description = module.child.name
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
''')
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert sorted(f.message for f in result.failed) == [f"0.0.0.0/0 can reach 22 (TCP) (rule '{SENSITIVE}')"] * 2
    assert not any("red-team-x" in f.model_dump_json() for f in result.findings)


def test_plan_after_sensitive_values_are_hidden(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text('''{
  "format_version": "1.2", "terraform_version": "1.7.5",
  "resource_changes": [{
    "address": "aws_security_group.db", "mode": "managed", "type": "aws_security_group", "name": "db",
    "change": {"actions": ["update"],
      "before": {"ingress": [{"description": "old-Secret-1", "from_port": 22, "to_port": 22, "protocol": "tcp",
                              "cidr_blocks": ["10.0.0.0/8"]}]},
      "after": {"ingress": [{"description": "new-Secret-2", "from_port": 22, "to_port": 22, "protocol": "tcp",
                             "cidr_blocks": ["0.0.0.0/0"]}]},
      "after_unknown": {}, "before_sensitive": {"ingress": [{"description": true}]},
      "after_sensitive": {"ingress": [{"description": true}]}}
  }],
  "output_changes": {"dsn": {"actions": ["create"], "after": "postgres://u:Out-Secret-3@db", "after_sensitive": true}}
}''')
    loaded = PlanSource().load([tmp_path / "plan.json"], LoadContext(cwd=tmp_path))
    assert {"old-Secret-1", "new-Secret-2", "postgres://u:Out-Secret-3@db"} <= loaded.secrets
    assert "0.0.0.0/0" not in loaded.secrets and "22" not in loaded.secrets
    result = Scanner(cwd=tmp_path).scan([tmp_path / "plan.json"])
    assert [f.message for f in result.failed] == [f"0.0.0.0/0 can reach 22 (TCP) (rule '{SENSITIVE}')"]


def test_redactor_hides_long_texts_anywhere_and_short_ones_as_words() -> None:
    redact = Redactor({"db hunter2", "hunter2", "80", "tcp"})
    assert redact("rule 'db hunter2' and hunter2x") == f"rule '{SENSITIVE}' and {SENSITIVE}x"
    assert redact("port 80 of 8080 over TCP/tcpx") == f"port {SENSITIVE} of 8080 over {SENSITIVE}/tcpx"
    assert redact("HUNTER2 normalised") == f"{SENSITIVE} normalised"
    assert Redactor()("untouched") == "untouched"


def test_for_each_over_a_sensitive_map_hides_its_keys_and_warns(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
variable "sources" {
  default   = { "corp-Key-1" = "0.0.0.0/0", "lab-Key-2" = "10.0.0.0/8" }
  sensitive = true
}
resource "aws_security_group" "by_site" {
  for_each = var.sources
  ingress {
    description = "site ${each.key}"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [each.value]
  }
}
''')
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    shown = result.findings + result.errors
    hidden = f'aws_security_group.by_site["{SENSITIVE}"]'
    assert sorted((f.rule_id, f.resource) for f in result.failed) == [("NET-001", hidden), ("NET-005", hidden)]
    assert not any("Key-" in item.model_dump_json() for item in shown)
    assert [e.message.split(",")[0] for e in result.errors] == [
        "for_each is derived from a sensitive value"]


def test_a_sensitive_pick_among_resources_that_refer_to_each_other_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
variable "pick" {
  default   = "a"
  sensitive = true
}
resource "null_resource" "a" {
  peer = null_resource.b
}
resource "null_resource" "b" {
  peer = null_resource.a
}
locals {
  nodes = { a = null_resource.a }
}
resource "aws_security_group" "s" {
  tags = local.nodes[var.pick]
  name = merge(local.nodes[var.pick], {}).peer.id
  description = jsonencode(null_resource.a)
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
''')
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [(f.rule_id, f.resource) for f in result.failed] == [("NET-001", "aws_security_group.s")]

"""The plan reading and the .tf reading agree (issue #19, items 7 and 13): known peers decide, whatever other
peers are unknown until apply. The plans are in the exact shape of `terraform show -json` (format 1.2) for
Terraform 1.11 with the AWS provider 5.x, where a rule's group ids are known only after apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.engine.findings import Status
from scanner.reports import json as json_report
from scanner.scan import Scanner

CONFIG = """resource "aws_security_group" "web" {
  name = "web"
}
resource "aws_security_group" "lb" {
  name = "lb"
}
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.web.id
}
resource "aws_security_group_rule" "from_lb" {
  type                     = "ingress"
  from_port                = 8080
  to_port                  = 8080
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.lb.id
  security_group_id        = aws_security_group.web.id
}
"""


def _group(name: str) -> dict[str, Any]:
    return {
        "address": f"aws_security_group.{name}", "mode": "managed", "type": "aws_security_group", "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": ["create"], "before": None,
            "after": {"description": "Managed by Terraform", "name": name, "revoke_rules_on_delete": False,
                      "tags": None, "timeouts": None},
            # A group whose rules are separate resources: its own ingress and egress are computed.
            "after_unknown": {"arn": True, "egress": True, "id": True, "ingress": True, "name_prefix": True,
                              "owner_id": True, "tags_all": True, "vpc_id": True},
            "before_sensitive": False, "after_sensitive": {"egress": [], "ingress": [], "tags_all": {}},
        },
    }


def _rule(name: str, port: int, cidrs: list[str] | None) -> dict[str, Any]:
    after: dict[str, Any] = {"description": None, "from_port": port, "ipv6_cidr_blocks": None,
                             "prefix_list_ids": None, "protocol": "tcp", "timeouts": None, "to_port": port,
                             "type": "ingress", "cidr_blocks": cidrs, "self": False}
    unknown: dict[str, Any] = {"id": True, "security_group_id": True, "security_group_rule_id": True,
                               "source_security_group_id": True}
    if cidrs:
        unknown["cidr_blocks"] = [False] * len(cidrs)
    return {
        "address": f"aws_security_group_rule.{name}", "mode": "managed", "type": "aws_security_group_rule",
        "name": name, "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown,
                   "before_sensitive": False, "after_sensitive": {"cidr_blocks": [False] * len(cidrs or [])}},
    }


def _plan() -> dict[str, Any]:
    changes = [_group("web"), _group("lb"), _rule("ssh", 22, ["0.0.0.0/0"]), _rule("from_lb", 8080, None)]
    return {
        "format_version": "1.2", "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": [
            {"address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"],
             "provider_name": c["provider_name"], "schema_version": 1, "values": c["change"]["after"],
             "sensitive_values": {}} for c in changes]}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}},
            "root_module": {"resources": []},
        },
    }


def _findings(path: Path) -> list[tuple[str, str, str]]:
    result = Scanner(cwd=path.parent).scan([path])
    return sorted((f.rule_id, f.status.value, f.resource) for f in result.findings)


def test_an_unknown_source_group_does_not_hide_a_known_open_cidr(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(CONFIG)
    (tmp_path / "plan.json").write_text(json.dumps(_plan(), indent=2))
    from_tf = _findings(tmp_path / "main.tf")
    from_plan = _findings(tmp_path / "plan.json")
    assert ("NET-001", "fail", "aws_security_group_rule.ssh") in from_plan
    # The rule from the load balancer's group is never the internet, known id or not.
    assert not [f for f in from_plan if f[2] == "aws_security_group_rule.from_lb"]
    assert [f for f in from_plan if f[0] == "NET-001"] == [f for f in from_tf if f[0] == "NET-001"]
    assert all(status != Status.UNKNOWN.value for rule, status, _ in from_plan if rule.startswith("NET-00"))


def test_computed_attributes_the_configuration_never_sets_are_not_unknowns(tmp_path: Path) -> None:
    """Item 12: a bucket's `policy` and a role's `managed_policy_arns` mirror other resources until apply; they are
    no reason for could-not-evaluate. An attribute the configuration does set stays unknown when it is."""
    bucket = {
        "address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket", "name": "logs",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None,
                   "after": {"bucket": "logs", "force_destroy": False, "tags": None, "timeouts": None},
                   "after_unknown": {"acl": True, "arn": True, "id": True, "policy": True,
                                     "server_side_encryption_configuration": True, "tags_all": True},
                   "before_sensitive": False, "after_sensitive": {}},
    }
    role = {
        "address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "name": "app",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None,
                   "after": {"name": "app", "assume_role_policy": json.dumps({
                       "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                               "Principal": {"Service": "ec2.amazonaws.com"}}]}),
                             "description": None, "tags": None},
                   "after_unknown": {"arn": True, "id": True, "inline_policy": True, "managed_policy_arns": True,
                                     "unique_id": True, "tags_all": True},
                   "before_sensitive": False, "after_sensitive": {}},
    }
    plan = {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": [bucket, role],
            "configuration": {"root_module": {"resources": [
                {"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket", "name": "logs",
                 "expressions": {"bucket": {"constant_value": "logs"}}},
                {"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "name": "app",
                 "expressions": {"name": {"constant_value": "app"}, "assume_role_policy": {}}},
            ]}}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    result = Scanner(cwd=tmp_path).scan([tmp_path / "plan.json"])
    assert [(f.rule_id, f.resource) for f in result.findings if f.status is Status.UNKNOWN
            and f.rule_id.startswith("IAM")] == []
    # Set in the configuration and unknown in the plan: still an unknown.
    plan["configuration"]["root_module"]["resources"][0]["expressions"]["policy"] = {"references": ["x"]}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    result = Scanner(cwd=tmp_path).scan([tmp_path / "plan.json"])
    assert ("IAM-001", "aws_s3_bucket.logs") in {(f.rule_id, f.resource) for f in result.findings
                                                 if f.status is Status.UNKNOWN}


INLINE = """resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_inline_blocks_are_paired_by_content_not_position(tmp_path: Path) -> None:
    """Item 11: Terraform keeps `ingress` as a set, in its own order (here 22 before 443)."""
    def rule(port: int) -> dict[str, Any]:
        return {"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": port, "ipv6_cidr_blocks": [],
                "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": False, "to_port": port}

    group = _group("web")
    group["change"]["after"]["ingress"] = [rule(22), rule(443)]
    del group["change"]["after_unknown"]["ingress"]
    plan = _plan()
    plan["resource_changes"] = [group]
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(INLINE)
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    located = {(f.rule_id, f.location.start_line if f.location else 0)
               for f in Scanner(cwd=tmp_path).scan([tmp_path / "plan.json"]).findings}
    assert located == {(f.rule_id, f.location.start_line if f.location else 0)
                       for f in Scanner(cwd=tmp_path).scan([tmp_path / "main.tf"]).findings}
    assert ("NET-001", 9) in located and ("NET-003", 3) in located


def test_a_block_with_a_value_read_at_plan_time_does_not_take_a_fully_matching_blocks_place(tmp_path: Path) -> None:
    """Two SSH blocks, one from the VPC's range (a data source: unknown in the .tf reading, known in the plan),
    one from anywhere; the plan lists the open one first. Each planned block goes to the .tf block it matches
    best, so the finding points at the `0.0.0.0/0` block."""
    def rule(cidr: str) -> dict[str, Any]:
        return {"cidr_blocks": [cidr], "description": "", "from_port": 22, "ipv6_cidr_blocks": [],
                "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": False, "to_port": 22}

    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text("""data "aws_vpc" "main" {
  default = true
}
resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = data.aws_vpc.main.cidr_block_associations[*].cidr_block
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""")
    group = _group("web")
    group["change"]["after"]["ingress"] = [rule("0.0.0.0/0"), rule("172.31.0.0/16")]
    del group["change"]["after_unknown"]["ingress"]
    plan = _plan()
    plan["resource_changes"] = [group]
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    found = [(f.rule_id, f.status.value, f.location.start_line if f.location else 0)
             for f in Scanner(cwd=tmp_path).scan([tmp_path / "plan.json"]).findings]
    assert found == [("NET-001", "fail", 12)]


def test_a_for_each_module_with_dynamic_blocks_reads_alike_from_the_tf_files_and_the_plan(tmp_path: Path) -> None:
    """Both readings of `module.sg["a"]`, whose ingress comes from a `dynamic` block over its input and a plain
    block, in the set order of the plan: the same findings at the same lines, with the same chain."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "main.tf").write_text("""variable "ports" {
  type = list(number)
}
resource "aws_security_group" "this" {
  name = "sg"
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ingress.value == 443 ? ["0.0.0.0/0"] : ["10.1.0.0/16"]
    }
  }
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""")
    (tmp_path / "main.tf").write_text(
        'module "sg" {\n  for_each = { a = [22, 443], b = [8080] }\n  source   = "./mod"\n  ports    = each.value\n}\n')

    def rule(port: int, cidr: str) -> dict[str, Any]:
        return {"cidr_blocks": [cidr], "description": "", "from_port": port, "ipv6_cidr_blocks": [],
                "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": False, "to_port": port}

    changes = []
    for key, ingress in (("a", [rule(3389, "0.0.0.0/0"), rule(443, "0.0.0.0/0"), rule(22, "10.1.0.0/16")]),
                         ("b", [rule(8080, "10.1.0.0/16"), rule(3389, "0.0.0.0/0")])):
        group = _group("this")
        group.update(address=f'module.sg["{key}"].aws_security_group.this', module_address=f'module.sg["{key}"]')
        group["change"]["after"] |= {"name": "sg", "ingress": ingress}
        del group["change"]["after_unknown"]["ingress"]
        changes.append(group)
    plan = _plan()
    plan["resource_changes"] = changes
    plan["planned_values"] = {"root_module": {"child_modules": [
        {"address": c["module_address"], "resources": [
            {"address": c["address"], "mode": "managed", "type": c["type"], "name": "this",
             "provider_name": c["provider_name"], "schema_version": 1, "values": c["change"]["after"],
             "sensitive_values": {}}]} for c in changes]}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))

    def read(name: str) -> list[tuple[str, str, str, int, list[str]]]:
        return sorted((f["rule_id"], f["resource"], f["location"]["path"], f["location"]["start_line"],
                       f["module_chain"]) for f in json.loads(json_report.render(
                           Scanner(cwd=tmp_path).scan([tmp_path / name])))["findings"])

    from_tf = read("main.tf")
    assert from_tf == read("plan.json")
    assert from_tf == [
        ("NET-001", 'module.sg["a"].aws_security_group.this', "mod/main.tf", 15, ["main.tf:1", "mod/main.tf:15"]),
        ("NET-001", 'module.sg["b"].aws_security_group.this', "mod/main.tf", 15, ["main.tf:1", "mod/main.tf:15"]),
        ("NET-003", 'module.sg["a"].aws_security_group.this', "mod/main.tf", 6, ["main.tf:1", "mod/main.tf:6"]),
    ]

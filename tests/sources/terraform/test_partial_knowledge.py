"""Partial knowledge decides (issue #19, item 5): a resource's own ARN is never `*`, a managed policy ARN is what
it names in every partition, and a value that could be anything stays could-not-evaluate."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.findings import Status
from scanner.scan import Scanner

QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n  sqs_managed_sse_enabled = true\n}\n'


def _policy(resource: str) -> str:
    return f"""resource "aws_iam_policy" "p" {{
  name = "p"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = ["sqs:SendMessage"], Resource = {resource} }}]
  }})
}}
variable "any_arn" {{}}
data "aws_caller_identity" "me" {{}}
"""


def _iam(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "main.tf").write_text(text)
    return sorted((f.rule_id, f.status.value) for f in Scanner(cwd=tmp_path).scan([tmp_path]).findings
                  if f.rule_id.startswith("IAM"))


@pytest.mark.parametrize(("resource", "expected"), [
    ("aws_sqs_queue.q.arn", []),  # one queue: a specific grant
    ('"arn:aws:sqs:eu-west-1:${data.aws_caller_identity.me.account_id}:q"', []),
    ('"*"', [("IAM-003", "fail")]),  # every queue of the account
    ("var.any_arn", [("IAM-001", "unknown")]),  # could be "*": undecided, said so
    ('"arn:aws:sqs:eu-west-1:${data.aws_caller_identity.me.account_id}:*"', [("IAM-001", "unknown")]),
])
def test_a_specific_resource_is_never_every_resource(tmp_path: Path, resource: str,
                                                     expected: list[tuple[str, str]]) -> None:
    found = _iam(tmp_path, QUEUE + _policy(resource))
    assert [f for f in found if f[1] == Status.UNKNOWN.value][:1] == [f for f in expected if f[1] == "unknown"]
    assert [f for f in found if f[1] == Status.FAIL.value] == [f for f in expected if f[1] == "fail"]


def test_a_managed_policy_arn_with_an_unknown_partition_is_still_that_policy(tmp_path: Path) -> None:
    found = _iam(tmp_path, """data "aws_partition" "current" {}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = "app"
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AdministratorAccess"
}
""")
    assert found == [("IAM-006", "fail")]


def test_messages_quote_unknowns_as_terraform_would(tmp_path: Path) -> None:
    """Item 6: no Python reprs or exception names in what a user reads."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "main.tf").write_text("""variable "cidrs" {}
resource "aws_security_group" "x" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidrs, "10.0.0.0/8"]
  }
}
""")
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    texts = [f.message for f in result.findings] + [e.message for e in result.errors]
    assert texts and not [t for t in texts if "Unknown(" in t or "CannotEvaluate" in t or "unknown=True" in t]
    assert any("variable 'cidrs' has no value" in t and "main.tf:1" in t for t in texts), texts

"""`data "aws_iam_policy_document"` as the AWS provider builds it: `dynamic` statements, principals and
conditions, and source and override documents merged by `sid` (issue #19, items 9 and 10)."""

from __future__ import annotations

from pathlib import Path

from scanner.scan import Scanner

POLICY = """resource "aws_iam_policy" "p" {
  name   = "p"
  policy = data.aws_iam_policy_document.doc.json
}
"""


def _rules(tmp_path: Path, document: str) -> list[tuple[str, int]]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "main.tf").write_text(POLICY + document)
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [e.message for e in result.errors] == []
    return sorted((f.rule_id, f.location.start_line if f.location else 0) for f in result.findings)


def test_a_dynamic_statement_is_expanded(tmp_path: Path) -> None:
    found = _rules(tmp_path, """locals {
  grants = {
    read  = { actions = ["s3:GetObject"], resources = ["arn:aws:s3:::logs/*"] }
    admin = { actions = ["*"], resources = ["*"] }
  }
}
data "aws_iam_policy_document" "doc" {
  dynamic "statement" {
    for_each = local.grants
    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}
""")
    assert found == [("IAM-001", 12)]  # the dynamic block's line, for the "admin" element


def test_dynamic_principals_and_conditions(tmp_path: Path) -> None:
    found = _rules(tmp_path, """data "aws_iam_policy_document" "doc" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::logs/*"]
    dynamic "principals" {
      for_each = ["*"]
      content {
        type        = "AWS"
        identifiers = [principals.value]
      }
    }
  }
}
resource "aws_s3_bucket_policy" "b" {
  bucket = "logs"
  policy = data.aws_iam_policy_document.doc.json
}
""")
    # Anyone may read, at the statement: once as the bucket's policy, once as the identity policy's document.
    assert found == [("IAM-005", 6), ("IAM-005", 6)]


def test_an_override_with_the_same_sid_replaces_the_statement(tmp_path: Path) -> None:
    base = """data "aws_iam_policy_document" "broad" {
  statement {
    sid       = "Iam"
    actions   = ["iam:*"]
    resources = ["*"]
  }
}
"""
    narrowed = base + """data "aws_iam_policy_document" "narrow" {
  statement {
    sid       = "Iam"
    actions   = ["iam:GetRole"]
    resources = ["arn:aws:iam::111122223333:role/app"]
  }
}
data "aws_iam_policy_document" "doc" {
  source_policy_documents   = [data.aws_iam_policy_document.broad.json]
  override_policy_documents = [data.aws_iam_policy_document.narrow.json]
}
"""
    assert _rules(tmp_path, narrowed) == []
    # A source document's statement is kept when nothing overrides its sid.
    kept = base + """data "aws_iam_policy_document" "doc" {
  source_policy_documents = [data.aws_iam_policy_document.broad.json]
  statement {
    sid       = "Other"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::logs/*"]
  }
}
"""
    assert {rule for rule, _ in _rules(tmp_path, kept)} == {"IAM-002", "IAM-003"}


def test_documents_with_an_arn_known_after_apply_pass_through_compact_and_a_string_variable(tmp_path: Path) -> None:
    """The bucket module pattern: optional documents gathered with `compact([cond ? doc.json : "", ...])` and a
    caller's document passed in through `variable "policy" { type = string }`. Their text waits for the bucket's
    ARN, their statements do not."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "bucket").mkdir()
    (tmp_path / "bucket" / "main.tf").write_text("""variable "policy" {
  type    = string
  default = null
}
variable "deny_http" {
  type    = bool
  default = true
}
resource "aws_s3_bucket" "this" {
  bucket = "logs"
}
data "aws_iam_policy_document" "deny_http" {
  statement {
    sid       = "denyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
data "aws_iam_policy_document" "combined" {
  source_policy_documents = compact([
    var.deny_http ? data.aws_iam_policy_document.deny_http.json : "",
    var.policy != null ? var.policy : "",
  ])
}
resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.combined.json
}
""")
    (tmp_path / "main.tf").write_text("""data "aws_iam_policy_document" "caller" {
  statement {
    actions   = ["*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:role/app"]
    }
  }
}
module "bucket" {
  source = "./bucket"
  policy = data.aws_iam_policy_document.caller.json
}
""")
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    found = sorted((f.rule_id, f.status.value, f.resource) for f in result.findings)
    # The caller's grant of everything is judged; the bucket refuses plain HTTP: nothing is left undecided.
    assert ("IAM-002", "fail", "module.bucket.aws_s3_bucket_policy.this") in found
    assert [f for f in found if f[1] == "unknown"] == []
    assert not [f for f in found if f[0] == "TLS-001"]

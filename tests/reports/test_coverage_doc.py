"""docs/coverage.md is generated from the code, and every Terraform type judged in code has a fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.reports import coverage_doc
from scanner.sources.terraform.mappings import aws, azure

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def readings() -> dict[str, coverage_doc.Reading]:
    return coverage_doc.read_fixtures()


def test_docs_coverage_md_is_up_to_date(readings: dict[str, coverage_doc.Reading]) -> None:
    text = coverage_doc.render(readings)
    assert (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8") == text, f"regenerate: {coverage_doc.COMMAND}"


def test_the_command_prints_the_same_matrix(readings: dict[str, coverage_doc.Reading]) -> None:
    result = CliRunner().invoke(main, ["coverage", "--format", "markdown"])
    assert result.exit_code == 0
    assert result.output == coverage_doc.render(readings)


@pytest.mark.parametrize("mappers", [aws.MAPPERS, azure.MAPPERS], ids=["aws", "azure"])
def test_every_mapped_terraform_type_has_a_rule_fixture(mappers: dict[str, object],
                                                        readings: dict[str, coverage_doc.Reading]) -> None:
    missing = [t for t in coverage_doc.unfixtured(readings) if t in mappers]
    assert missing == [], "write fail and pass cases for these under fixtures/rules/"


def test_families_and_rules_come_from_what_the_fixtures_become(readings: dict[str, coverage_doc.Reading]) -> None:
    # The control: an S3 bucket is a data store and may hold a policy; a rule of a group is part of that group.
    text = coverage_doc.render(readings)
    bucket = next(line for line in text.splitlines() if line.startswith("| `aws_s3_bucket` |"))
    assert "| tls, encryption, iam |" in bucket and "ENC-001" in bucket and "IAM-005" in bucket
    assert "NET-001" not in bucket
    ingress = next(line for line in text.splitlines() if line.startswith("| `aws_vpc_security_group_ingress_rule` |"))
    assert "network (as part of `aws_security_group`)" in ingress
    empty = coverage_doc.render({})
    assert "| `aws_security_group` | **no fixture** |" in empty

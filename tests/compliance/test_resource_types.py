"""The live-type -> Terraform-type table that scopes compliance controls: every Terraform type read live has its
live type in it, and every type it names is one Tenet knows, so a live finding is never out of every control's
scope by an omission."""

from __future__ import annotations

import pytest

from scanner.audit.aws import coverage as aws
from scanner.audit.azure import coverage as azure
from scanner.audit.gcp import coverage as gcp
from scanner.providers.resource_types import LIVE_TERRAFORM_TYPES, terraform_types
from scanner.sources.terraform.mappings import all_mappers

NAMED = {t for types in LIVE_TERRAFORM_TYPES.values() for t in types}
# Read live only: Tenet maps no Terraform resource for the per-region EBS default (aws_ebs_encryption_by_default).
LIVE_ONLY = {"aws_ebs_encryption_by_default"}


@pytest.mark.parametrize("live", [aws.LIVE, azure.LIVE, gcp.LIVE], ids=["aws", "azure", "gcp"])
def test_every_type_read_live_has_its_live_type(live: dict[str, str]) -> None:
    assert sorted(set(live) - NAMED) == []


def test_the_table_names_only_types_tenet_maps() -> None:
    assert sorted(NAMED - set(all_mappers()) - LIVE_ONLY) == []


def test_a_resource_is_its_terraform_type_whatever_read_it() -> None:
    assert terraform_types("terraform", "aws_efs_file_system") == ("aws_efs_file_system",)
    assert "aws_efs_file_system" in terraform_types("aws", "AWS::EFS::FileSystem")
    assert "aws_db_instance" in terraform_types("aws", "AWS::RDS::DBInstance")
    assert terraform_types("kubernetes", "Service") == ("Service",)
    assert terraform_types("gcp", "example.googleapis.com/Unknown") == ()

"""`--state` addresses and `--state auto`: the backend block, partial configuration and workspaces, computed as
Terraform computes them (terraform's s3, azurerm, gcs and local backend documentation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.sources.terraform.backend import (
    BackendError,
    StateAddress,
    auto_address,
    current_workspace,
    parse_address,
    parse_backend_config,
)


def _config(tmp_path: Path, backend: str) -> Path:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n')
    (tmp_path / "versions.tf").write_text(f'terraform {{\n  required_version = ">= 1.5"\n{backend}}}\n')
    return tmp_path


def test_addresses_name_their_backend() -> None:
    assert parse_address("s3://states/net/terraform.tfstate") == StateAddress("s3", bucket="states",
                                                                             key="net/terraform.tfstate")
    assert parse_address("gs://states/net/default.tfstate") == StateAddress("gcs", bucket="states",
                                                                           key="net/default.tfstate")
    blob = parse_address("azurerm://acct/tfstate/prod.terraform.tfstate")
    assert (blob.bucket, blob.container, blob.key) == ("acct", "tfstate", "prod.terraform.tfstate")
    assert str(blob) == "azurerm://acct/tfstate/prod.terraform.tfstate"
    assert parse_address("states/terraform.tfstate") == StateAddress("local", key="states/terraform.tfstate")
    for wrong in ("s3://bucket-only", "gs://", "azurerm://acct/container"):
        with pytest.raises(BackendError, match="give the state's address as"):
            parse_address(wrong)


def test_s3_backend_with_partial_configuration_and_workspaces(tmp_path: Path) -> None:
    config = _config(tmp_path, '  backend "s3" {\n    bucket = "acme-states"\n    region = "eu-west-1"\n  }\n')
    with pytest.raises(BackendError, match=r"versions.tf:3: the s3 backend has no 'key'; give it with --backend"):
        auto_address(config, ".", {}, environ={})
    address = auto_address(config, ".", {"key": "net/terraform.tfstate"}, environ={})
    assert (str(address), address.region) == ("s3://acme-states/net/terraform.tfstate", "eu-west-1")
    # A workspace other than default lives under workspace_key_prefix (env: by default).
    staging = auto_address(config, ".", {"key": "net/terraform.tfstate"}, environ={"TF_WORKSPACE": "staging"})
    assert str(staging) == "s3://acme-states/env:/staging/net/terraform.tfstate"
    custom = auto_address(config, ".", {"key": "k", "workspace_key_prefix": "ws"}, environ={"TF_WORKSPACE": "qa"})
    assert str(custom) == "s3://acme-states/ws/qa/k"
    # After `terraform init -backend-config=key=…`, the settings it recorded need no repeating.
    (config / ".terraform").mkdir()
    (config / ".terraform" / "terraform.tfstate").write_text(
        '{"version": 3, "terraform_version": "1.11.4", "backend": {"type": "s3", "config": {"bucket": "acme-states", '
        '"key": "init/terraform.tfstate", "region": "eu-west-1", "use_path_style": true, "profile": null}, '
        '"hash": 1234}}')
    assert str(auto_address(config, ".", {}, environ={})) == "s3://acme-states/init/terraform.tfstate"
    assert str(auto_address(config, ".", {"key": "k"}, environ={})) == "s3://acme-states/k"
    # `terraform workspace select` records the workspace in .terraform/environment.
    (config / ".terraform" / "environment").write_text("prod")
    assert current_workspace(config, environ={}) == "prod"
    assert current_workspace(config, environ={"TF_WORKSPACE": "dev"}) == "dev"


def test_azurerm_gcs_and_local_backends(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    azure = _config(tmp_path / "a", '  backend "azurerm" {\n    storage_account_name = "acmestate"\n'
                    '    container_name = "tfstate"\n    key = "prod.terraform.tfstate"\n  }\n')
    assert str(auto_address(azure, "a", {}, environ={})) == "azurerm://acmestate/tfstate/prod.terraform.tfstate"
    assert auto_address(azure, "a", {}, environ={"TF_WORKSPACE": "dr"}).key == "prod.terraform.tfstateenv:dr"
    (tmp_path / "g").mkdir()
    gcs = _config(tmp_path / "g", '  backend "gcs" {\n    bucket = "acme-tf"\n    prefix = "network/"\n  }\n')
    assert str(auto_address(gcs, "g", {}, environ={})) == "gs://acme-tf/network/default.tfstate"
    assert str(auto_address(gcs, "g", {"prefix": ""}, environ={"TF_WORKSPACE": "qa"})) == "gs://acme-tf/qa.tfstate"
    (tmp_path / "l").mkdir()
    local = _config(tmp_path / "l", "")
    with pytest.raises(BackendError, match=r"l: no backend block and no terraform\.tfstate"):
        auto_address(local, "l", {}, environ={})
    (local / "terraform.tfstate.d" / "qa").mkdir(parents=True)
    for state in (local / "terraform.tfstate", local / "terraform.tfstate.d" / "qa" / "terraform.tfstate"):
        state.write_text("{}")
    assert auto_address(local, "l", {}, environ={}) == StateAddress("local", key=str(tmp_path / "l" /
                                                                                    "terraform.tfstate"))
    assert auto_address(local, "l", {}, environ={"TF_WORKSPACE": "qa"}).key == str(
        tmp_path / "l" / "terraform.tfstate.d" / "qa" / "terraform.tfstate")


def test_unsupported_and_malformed_backends_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    consul = _config(tmp_path / "c", '  backend "consul" {\n    path = "tf/state"\n  }\n')
    with pytest.raises(BackendError, match=r"c/versions.tf:3: backend type 'consul' is not supported by --state "
                                           r"auto \(supported: local, s3, azurerm, gcs\)"):
        auto_address(consul, "c", {}, environ={})
    (tmp_path / "h").mkdir()
    cloud = _config(tmp_path / "h", '  cloud {\n    organization = "acme"\n  }\n')
    with pytest.raises(BackendError, match="HCP Terraform"):
        auto_address(cloud, "h", {}, environ={})
    (tmp_path / "v").mkdir()
    variable = _config(tmp_path / "v", '  backend "s3" {\n    bucket = var.bucket\n    key = "k"\n  }\n')
    with pytest.raises(BackendError, match=r"v/versions.tf:4: backend setting 'bucket' is not a literal string"):
        auto_address(variable, "v", {}, environ={})


def test_backend_config_values_and_files(tmp_path: Path) -> None:
    (tmp_path / "prod.hcl").write_text('# prod\nbucket = "acme-prod"\nkey    = "a/b.tfstate"\n\nregion=eu-west-1\n')
    assert parse_backend_config(["bucket=first", "prod.hcl", "key=override"], tmp_path) == {
        "bucket": "acme-prod", "key": "override", "region": "eu-west-1"}
    with pytest.raises(BackendError, match="neither key=value nor a readable file"):
        parse_backend_config(["missing.hcl"], tmp_path)
    (tmp_path / "bad.hcl").write_text("bucket\n")
    with pytest.raises(BackendError, match=r"bad.hcl:1: expected key = \"value\""):
        parse_backend_config(["bad.hcl"], tmp_path)


def test_the_configuration_is_read_through_the_trust_boundary(tmp_path: Path) -> None:
    """The configuration may come from a pull request: a file of it that is a link leading out is refused, named,
    and its content is never read or quoted."""
    outside = tmp_path / "outside.tf"
    outside.write_text('terraform {\n  backend "s3" {\n    bucket = "SECRET-BUCKET"\n    key = "k"\n  }\n}\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text('resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n')
    (repo / "backend.tf").symlink_to(outside)
    with pytest.raises(BackendError) as raised:
        auto_address(repo, ".", {})
    assert "backend.tf" in str(raised.value) and "outside" in str(raised.value)
    assert "SECRET" not in str(raised.value)
    # The workspace terraform recorded, through a link leading out: refused as well.
    (repo / "backend.tf").unlink()
    (repo / ".terraform").mkdir()
    (tmp_path / "environment").write_text("SECRET-WORKSPACE\n")
    (repo / ".terraform" / "environment").symlink_to(tmp_path / "environment")
    with pytest.raises(BackendError, match="environment"):
        current_workspace(repo, {})

"""Google Cloud facts: firewall vocabulary, SSL policy and Cloud SQL TLS settings, IAM policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.engine.findings import Status
from scanner.engine.params import RuleParams
from scanner.model import Direction, PortSet, Scope, TlsVersion, Unknown
from scanner.providers import gcp
from scanner.providers.gcp import Binding
from scanner.scan import Scanner


@pytest.mark.parametrize(("text", "expected"), [
    ("INGRESS", Direction.INGRESS),
    ("egress", Direction.EGRESS),
    ("Inbound", None),
])
def test_firewall_direction(text: str, expected: Direction | None) -> None:
    assert gcp.firewall_direction(text) == expected


def test_firewall_defaults() -> None:
    assert gcp.FIREWALL_DEFAULT_PRIORITY == 1000
    assert gcp.FIREWALL_DEFAULT_SOURCE == "0.0.0.0/0"
    assert gcp.FIREWALL_DEFAULT_DESTINATION == "0.0.0.0/0"


@pytest.mark.parametrize(("text", "expected"), [
    ("TLS_1_0", TlsVersion.TLS1_0),
    ("TLS_1_1", TlsVersion.TLS1_1),
    ("TLS_1_2", TlsVersion.TLS1_2),
    ("TLS_1_3", TlsVersion.TLS1_3),
    ("MODERN", None),
])
def test_ssl_policy_min_tls(text: str, expected: TlsVersion | None) -> None:
    assert gcp.ssl_policy_min_tls(text) == expected


def test_ssl_policy_defaults_allow_tls_1_0() -> None:
    assert gcp.SSL_POLICY_MIN_TLS_DEFAULT is TlsVersion.TLS1_0
    assert gcp.DEFAULT_SSL_POLICY_MIN_TLS is TlsVersion.TLS1_0


@pytest.mark.parametrize(("ssl_mode", "require_ssl", "expected"), [
    ("ALLOW_UNENCRYPTED_AND_ENCRYPTED", None, True),
    ("ENCRYPTED_ONLY", None, False),
    ("trusted_client_certificate_required", None, False),
    # ssl_mode wins over the legacy flag.
    ("ALLOW_UNENCRYPTED_AND_ENCRYPTED", True, True),
    ("ENCRYPTED_ONLY", False, False),
    (None, True, False),
    (None, False, True),
    # Neither: Cloud SQL accepts unencrypted connections.
    (None, None, True),
    ("SSL_MODE_UNSPECIFIED", None, None),
])
def test_cloud_sql_plaintext(ssl_mode: str | None, require_ssl: bool | None, expected: bool | None) -> None:
    assert gcp.cloud_sql_plaintext(ssl_mode, require_ssl) is expected


@pytest.mark.parametrize(("kind", "expected"), [
    ("organization", Scope.ORGANIZATION),
    ("folder", Scope.ORGANIZATION),
    ("Project", Scope.ACCOUNT),
    ("storage_bucket", Scope.RESOURCE),
    ("kms_crypto_key", Scope.RESOURCE),
])
def test_iam_scope(kind: str, expected: Scope) -> None:
    assert gcp.iam_scope(kind) is expected


def test_policy_bindings() -> None:
    unknown_members = Unknown(reason="members are unknown")
    policy: dict[str, Any] = {
        "etag": "BwW=",
        "bindings": [
            {"role": "roles/viewer", "members": ["allUsers", "user:a@example.com"]},
            {"role": "roles/storage.admin", "members": ["group:g@example.com"],
             "condition": {"title": "expires", "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"}},
            {"role": "roles/editor", "members": unknown_members},
            {"role": "roles/owner"},
        ],
    }
    assert gcp.policy_bindings(policy) == [
        Binding(role="roles/viewer", members=["allUsers", "user:a@example.com"], conditional=False),
        Binding(role="roles/storage.admin", members=["group:g@example.com"], conditional=True),
        Binding(role="roles/editor", members=unknown_members, conditional=False),
        Binding(role="roles/owner", members=[], conditional=False),
    ]


def test_policy_bindings_of_malformed_documents_are_unknown_never_empty() -> None:
    assert gcp.policy_bindings({}) == []
    [not_a_list] = gcp.policy_bindings({"bindings": "roles/owner"})
    assert isinstance(not_a_list, Unknown)
    [not_an_object] = gcp.policy_bindings({"bindings": ["roles/owner"]})
    assert isinstance(not_an_object, Unknown)
    [binding] = gcp.policy_bindings({"bindings": [{"role": 7, "members": "allUsers"}]})
    assert isinstance(binding, Binding)
    assert isinstance(binding.role, Unknown)
    assert isinstance(binding.members, Unknown)


CLOUD_SQL_WITH_GOOGLE_KEY = """
resource "google_sql_database_instance" "google_key" {
  name             = "tenet-sql-google-key"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {
    tier = "db-f1-micro"

    ip_configuration {
      ssl_mode = "ENCRYPTED_ONLY"
    }
  }
}
"""


@pytest.mark.parametrize(("require_cmk", "expected"), [
    (True, {(2, "ENC-003", Status.FAIL)}),
    (False, set()),
])
def test_cloud_sql_encrypted_with_googles_key(tmp_path: Path, require_cmk: bool,
                                              expected: set[tuple[int, str, Status]]) -> None:
    """ENC-003 reports Google's key only where customer-managed keys are required. Cloud SQL has no
    minimum-TLS setting, so TLS-002 does not apply to it."""
    (tmp_path / "main.tf").write_text(CLOUD_SQL_WITH_GOOGLE_KEY, encoding="utf-8")
    result = Scanner(cwd=tmp_path, params=RuleParams(require_customer_managed_keys=require_cmk)).scan([tmp_path])
    assert result.errors == []
    assert {(f.location.start_line, f.rule_id, f.status) for f in result.findings if f.location} == expected


def test_cloud_sql_ports_and_forwarding_schemes() -> None:
    assert gcp.cloud_sql_port("POSTGRES_15") == PortSet.ports(5432)
    assert gcp.cloud_sql_port("SQLSERVER_2019_STANDARD") == PortSet.ports(1433)
    assert gcp.cloud_sql_port("ORACLE_1") is None
    assert gcp.forwarding_rule_is_internal("INTERNAL_MANAGED")
    assert not gcp.forwarding_rule_is_internal(gcp.FORWARDING_RULE_SCHEME_DEFAULT)


def test_acl_entries_and_public_access_prevention() -> None:
    assert gcp.acl_entry("READER:allUsers") == ("READER", "allUsers")
    assert gcp.acl_entry("allUsers") is None
    assert gcp.PREDEFINED_ACL_ENTRIES["publicread"] == (("READER", "allUsers"),)
    assert gcp.without_public(["allUsers", "user:a@example.com", "allAuthenticatedUsers"]) == ["user:a@example.com"]

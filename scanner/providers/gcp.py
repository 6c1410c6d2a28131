"""Google Cloud facts: firewall defaults, SSL policy and Cloud SQL TLS settings, IAM policies.

The Terraform mappings and the live GCP audit read Google's own spellings
(`INGRESS`, `TLS_1_0`, `ENCRYPTED_ONLY`, `{"bindings": [...]}`) through these
functions, so both judge a resource by the same facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.model import Direction, PortSet, Scope, TlsVersion, Unknown, is_public_principal

# -- VPC firewall rules -----------------------------------------------------------------------------

FIREWALL_DEFAULT_PRIORITY = 1000
# An ingress rule with no source ranges, tags or service accounts applies to every
# IPv4 source; an egress rule without destination ranges to every IPv4 destination.
FIREWALL_DEFAULT_SOURCE = "0.0.0.0/0"
FIREWALL_DEFAULT_DESTINATION = "0.0.0.0/0"


def firewall_direction(text: str) -> Direction | None:
    return {"ingress": Direction.INGRESS, "egress": Direction.EGRESS}.get(text.strip().lower())


# -- TLS --------------------------------------------------------------------------------------------

# `google_compute_ssl_policy.min_tls_version` when unset.
SSL_POLICY_MIN_TLS_DEFAULT = TlsVersion.TLS1_0
# A target HTTPS or SSL proxy without an SSL policy uses Google's default policy:
# the COMPATIBLE profile with TLS 1.0 as the minimum.
DEFAULT_SSL_POLICY_NAME = "GCP default"
DEFAULT_SSL_POLICY_MIN_TLS = TlsVersion.TLS1_0


def ssl_policy_min_tls(text: str) -> TlsVersion | None:
    """`TLS_1_0` … `TLS_1_3`."""
    return TlsVersion.parse(text)


# Forwarding rules' `load_balancing_scheme`: EXTERNAL when unset; INTERNAL, INTERNAL_MANAGED and
# INTERNAL_SELF_MANAGED serve only the VPC.
FORWARDING_RULE_SCHEME_DEFAULT = "EXTERNAL"


def forwarding_rule_is_internal(scheme: str) -> bool:
    return scheme.strip().upper().startswith("INTERNAL")


# Cloud SQL `ip_configuration.ssl_mode`: whether unencrypted connections are accepted.
CLOUD_SQL_SSL_MODES: dict[str, bool] = {
    "ALLOW_UNENCRYPTED_AND_ENCRYPTED": True,
    "ENCRYPTED_ONLY": False,
    "TRUSTED_CLIENT_CERTIFICATE_REQUIRED": False,
}

def cloud_sql_plaintext(ssl_mode: str | None, require_ssl: bool | None) -> bool | None:
    """Whether an instance accepts unencrypted connections; None for an unrecognised `ssl_mode`.

    `ssl_mode` wins over the legacy `require_ssl`; with neither set Cloud SQL
    accepts both encrypted and unencrypted connections.
    """
    if ssl_mode is not None:
        return CLOUD_SQL_SSL_MODES.get(ssl_mode.strip().upper())
    return not require_ssl


# Cloud SQL `ip_configuration.ipv4_enabled`: a public IPv4 address, on unless turned off. Over it,
# `authorized_networks` may reach the database port directly (the Auth Proxy needs no entry).
CLOUD_SQL_IPV4_DEFAULT = True
_CLOUD_SQL_PORTS = {"POSTGRES": PortSet.ports(5432), "MYSQL": PortSet.ports(3306), "SQLSERVER": PortSet.ports(1433)}


def cloud_sql_port(database_version: str) -> PortSet | None:
    """The port of a `database_version` such as `POSTGRES_15`, `MYSQL_8_0`, `SQLSERVER_2019_STANDARD`."""
    return _CLOUD_SQL_PORTS.get(database_version.strip().upper().split("_", 1)[0])


# -- Cloud Storage public access ------------------------------------------------------------------

# A bucket's `iamConfiguration.publicAccessPrevention` (`public_access_prevention` in Terraform):
# "enforced" makes IAM bindings and ACLs naming allUsers or allAuthenticatedUsers grant nothing.
# "inherited" (formerly "unspecified") defers to the organization policy, which a project audit
# does not read, so those grants still count.
PUBLIC_ACCESS_PREVENTION_ENFORCED = "enforced"


def public_access_prevented(setting: Any) -> bool:
    return isinstance(setting, str) and setting.strip().lower() == PUBLIC_ACCESS_PREVENTION_ENFORCED


def without_public(members: list[str | Unknown] | Unknown) -> list[str | Unknown] | Unknown:
    """Members left once Public Access Prevention drops allUsers and allAuthenticatedUsers."""
    if isinstance(members, Unknown):
        return members
    return [m for m in members if isinstance(m, Unknown) or not is_public_principal(m)]


# Predefined bucket and object ACLs that name the public, as (role, entity) entries.
PREDEFINED_ACL_ENTRIES: dict[str, tuple[tuple[str, str], ...]] = {
    "publicread": (("READER", "allUsers"),),
    "publicreadwrite": (("READER", "allUsers"), ("WRITER", "allUsers")),
    "authenticatedread": (("READER", "allAuthenticatedUsers"),),
}


def acl_entry(role_entity: str) -> tuple[str, str] | None:
    """A `role_entity` such as `READER:allUsers`: (role, entity); None when it is not one."""
    role, sep, entity = role_entity.partition(":")
    return (role.strip(), entity.strip()) if sep and role.strip() and entity.strip() else None


# BigQuery dataset `access` entries: which attribute names the grantee. `special_group`
# `allAuthenticatedUsers` and `iam_member` `allUsers` are the public.
BIGQUERY_ACCESS_GRANTEES = ("user_by_email", "group_by_email", "domain", "special_group", "iam_member")


# GKE: the cluster API has a public endpoint unless `private_cluster_config.enable_private_endpoint`;
# without `master_authorized_networks_config` any address reaches it. `gcp_public_cidrs_access_enabled`
# admits every Compute Engine public address: any Google Cloud customer's.
GKE_OPEN_API_SOURCE = "0.0.0.0/0"
GKE_GOOGLE_CLOUD_TAG = "GoogleCloud"

# Memorystore for Redis `transit_encryption_mode`: DISABLED (plaintext) when unset.
REDIS_TRANSIT_ENCRYPTION_DEFAULT = "DISABLED"
REDIS_TRANSIT_ENCRYPTED = "SERVER_AUTHENTICATION"

# -- encryption at rest ---------------------------------------------------------------------------

# Compute Engine disks, Cloud Storage and Cloud SQL encrypt everything with
# Google-managed AES-256 keys unless a Cloud KMS key or a customer-supplied key is given.
DEFAULT_ENCRYPTION_ALGORITHM = "AES256"
DEFAULT_ENCRYPTION_KEY_BITS = 256

# -- IAM --------------------------------------------------------------------------------------------

# What an IAM policy on each kind of resource reaches. Folders count as the
# organization: a folder binding applies to every project under it.
_IAM_SCOPES: dict[str, Scope] = {
    "organization": Scope.ORGANIZATION,
    "folder": Scope.ORGANIZATION,
    "project": Scope.ACCOUNT,
}


def iam_scope(resource_kind: str) -> Scope:
    """`organization`, `folder`, `project`; anything else (a bucket, a key…) is one resource."""
    return _IAM_SCOPES.get(resource_kind.strip().lower(), Scope.RESOURCE)


@dataclass(frozen=True)
class Binding:
    """One role given to members; `conditional` when a `condition` narrows it."""

    role: str | Unknown
    members: list[str | Unknown] | Unknown
    conditional: bool


def policy_bindings(policy: Mapping[str, Any]) -> list[Binding | Unknown]:
    """The bindings of an IAM policy document `{"bindings": [{"role", "members", "condition"}]}`."""
    bindings = policy.get("bindings", [])
    if isinstance(bindings, Unknown):
        return [bindings]
    if not isinstance(bindings, list):
        return [Unknown(reason=f"policy bindings are not a list: {bindings!r}")]
    result: list[Binding | Unknown] = []
    for item in bindings:
        if isinstance(item, Unknown):
            result.append(item)
        elif not isinstance(item, Mapping):
            result.append(Unknown(reason=f"policy binding is not an object: {item!r}"))
        else:
            result.append(Binding(role=_text(item.get("role"), "role"), members=_members(item.get("members")),
                                  conditional=item.get("condition") is not None))
    return result


def _text(value: Any, what: str) -> str | Unknown:
    if isinstance(value, (str, Unknown)):
        return value
    return Unknown(reason=f"{what} is not a string: {value!r}")


def _members(value: Any) -> list[str | Unknown] | Unknown:
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    if not isinstance(value, list):
        return Unknown(reason=f"members are not a list: {value!r}")
    return [_text(m, "member") for m in value]

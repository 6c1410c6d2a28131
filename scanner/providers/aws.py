"""AWS facts: TLS security policies, key ownership, managed policies and IAM policy documents.

Shared by the Terraform mappings and the live AWS audit, so both judge a
listener, a key or a policy statement by the same tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.model import (
    NARROWING_CONDITION_KEYS,
    Access,
    AccessGrant,
    GrantKind,
    Origin,
    TlsVersion,
    Unknown,
    is_public_principal,
)
from scanner.model.addresses import covers_internet, parse_network


def _table(groups: Mapping[TlsVersion, Sequence[str]]) -> dict[str, TlsVersion]:
    return {name: version for version, names in groups.items() for name in names}


# Elastic Load Balancing (ALB and NLB) predefined security policies and the oldest
# protocol each accepts, from the "Protocols by policy" tables of the ALB and NLB
# guides (TLS, FIPS, FS and post-quantum policies).
ELB_POLICIES: dict[str, TlsVersion] = _table({
    TlsVersion.TLS1_0: (
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-FS-2018-06",
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09",
    ),
    TlsVersion.TLS1_1: (
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-FS-1-1-2019-08",
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    ),
    TlsVersion.TLS1_2: (
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-1-2-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-RFC9151-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    ),
    TlsVersion.TLS1_3: (
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07",
        "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    ),
})

# The policy ELB gives an HTTPS or TLS listener created through the API (CLI,
# CloudFormation, CDK, Terraform) without one; only the console picks a newer one.
ELB_DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"

# CloudFront viewer security policies (`MinimumProtocolVersion`).
CLOUDFRONT_POLICIES: dict[str, TlsVersion] = _table({
    TlsVersion.SSL3: ("SSLv3",),
    TlsVersion.TLS1_0: ("TLSv1", "TLSv1_2016"),
    TlsVersion.TLS1_1: ("TLSv1.1_2016",),
    TlsVersion.TLS1_2: ("TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025"),
    TlsVersion.TLS1_3: ("TLSv1.3_2025",),
})

# Terraform's default for `viewer_certificate.minimum_protocol_version`, and what
# CloudFront enforces whatever is set when the *.cloudfront.net certificate is used.
CLOUDFRONT_DEFAULT_POLICY = "TLSv1"

# OpenSearch / Elasticsearch Service domain endpoint policies (`TLSSecurityPolicy`).
OPENSEARCH_POLICIES: dict[str, TlsVersion] = _table({
    TlsVersion.TLS1_0: ("Policy-Min-TLS-1-0-2019-07",),
    TlsVersion.TLS1_2: ("Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10"),
})


# Classic Load Balancer predefined policies older than the ALB/NLB table: 2014-10 and later dropped SSLv3.
CLASSIC_ELB_POLICIES: dict[str, TlsVersion] = {
    **ELB_POLICIES,
    **_table({
        TlsVersion.SSL3: ("ELBSecurityPolicy-2014-01", "ELBSecurityPolicy-2011-08",
                          "ELBSample-ELBDefaultNegotiationPolicy", "ELBSample-OpenSSLDefaultNegotiationPolicy"),
        TlsVersion.TLS1_0: ("ELBSecurityPolicy-2014-10", "ELBSecurityPolicy-2015-02", "ELBSecurityPolicy-2015-03"),
    }),
}
# The protocol attributes of a Classic Load Balancer SSLNegotiationPolicyType policy.
CLASSIC_ELB_PROTOCOLS: dict[str, TlsVersion] = {
    "protocol-sslv3": TlsVersion.SSL3,
    "protocol-tlsv1": TlsVersion.TLS1_0,
    "protocol-tlsv1.1": TlsVersion.TLS1_1,
    "protocol-tlsv1.2": TlsVersion.TLS1_2,
}

# API Gateway custom domain security policies.
API_GATEWAY_POLICIES: dict[str, TlsVersion] = _table({
    TlsVersion.TLS1_0: ("TLS_1_0", "SecurityPolicy_TLS13_1_0_2025_EDGE"),
    TlsVersion.TLS1_2: ("TLS_1_2", "SecurityPolicy_TLS13_1_2_2021_06", "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
                        "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09", "SecurityPolicy_TLS13_1_2_PQ_2025_09",
                        "SecurityPolicy_TLS12_PFS_2025_EDGE", "SecurityPolicy_TLS12_2018_EDGE"),
    TlsVersion.TLS1_3: ("SecurityPolicy_TLS13_1_3_2025_09", "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
                        "SecurityPolicy_TLS13_2025_EDGE"),
})
# `aws_api_gateway_domain_name.security_policy` when unset: API Gateway applies TLS_1_0.
API_GATEWAY_DEFAULT_POLICY = "TLS_1_0"

# Services whose TLS minimum is not a setting: when TLS is on, they negotiate TLS 1.2 or later
# (ElastiCache, MemoryDB, MSK and S3 endpoints dropped TLS 1.0 and 1.1).
SERVICE_TLS_MINIMUM = TlsVersion.TLS1_2


def _min_version(table: Mapping[str, TlsVersion], name: str, what: str) -> TlsVersion | Unknown:
    version = table.get(name.strip())
    return version if version is not None else Unknown(reason=f"{name!r} is not a known {what}")


def elb_policy_min_version(name: str) -> TlsVersion | Unknown:
    """The oldest TLS version an ALB/NLB security policy accepts; Unknown for names not in the table."""
    return _min_version(ELB_POLICIES, name, "ELB security policy")


def cloudfront_min_version(name: str) -> TlsVersion | Unknown:
    return _min_version(CLOUDFRONT_POLICIES, name, "CloudFront security policy")


def opensearch_min_version(name: str) -> TlsVersion | Unknown:
    return _min_version(OPENSEARCH_POLICIES, name, "OpenSearch TLS security policy")


# What a Glue job writes, and whether the platform encrypts it when the security configuration says
# DISABLED: S3 encrypts every new object (SSE-S3), so does CloudWatch Logs; job bookmarks stay in clear.
GLUE_PLATFORM_ENCRYPTED = {"S3 output": True, "logs": True, "job bookmarks": False}

# DMS endpoint engines that talk a database protocol, where `ssl_mode` decides whether TLS is used.
DMS_SSL_ENGINES = frozenset({
    "aurora", "aurora-postgresql", "aurora-serverless", "aurora-postgresql-serverless", "mysql", "mariadb",
    "postgres", "oracle", "sqlserver", "babelfish", "sybase", "db2", "db2-zos", "mongodb", "docdb", "redshift",
    "redshift-serverless", "azuredb", "azure-sql-managed-instance", "sap-hana",
})


def db_ssl_parameter(family: str) -> tuple[str, bool | Unknown] | None:
    """The parameter that makes a database engine refuse unencrypted connections, and whether the engine
    enforces TLS when a parameter group leaves it unset. None where no parameter does (Oracle, Db2)."""
    f = family.strip().lower()
    if f.startswith("aurora-postgresql"):
        return "rds.force_ssl", Unknown(reason=f"rds.force_ssl is not set: its default for {family} depends on the "
                                               "engine version; set it to 1")
    if f.startswith("postgres"):
        # RDS for PostgreSQL 15 and later enforce TLS by default (rds.force_ssl = 1), earlier versions do not.
        major = re.match(r"postgres(\d+)", f)
        return "rds.force_ssl", bool(major and int(major.group(1)) >= 15)
    if f.startswith(("mysql", "mariadb", "aurora-mysql", "aurora5")):
        return "require_secure_transport", False
    if f.startswith("sqlserver"):
        return "rds.force_ssl", False
    if f.startswith("redshift"):
        return "require_ssl", Unknown(reason="require_ssl is not set: Redshift parameter groups created since "
                                             "January 2025 require SSL, older ones do not; set it to true")
    return None


def classic_elb_policy_min_version(name: str) -> TlsVersion | Unknown:
    return _min_version(CLASSIC_ELB_POLICIES, name, "Classic Load Balancer security policy")


def api_gateway_min_version(name: str) -> TlsVersion | Unknown:
    return _min_version(API_GATEWAY_POLICIES, name, "API Gateway security policy")


def denies_insecure_transport(document: object) -> bool | Unknown:
    """Whether a bucket (or other resource) policy refuses requests without TLS: a Deny for everyone
    whose condition is `aws:SecureTransport` false (`Bool` or `BoolIfExists`), on every action of
    the service or on reads and writes of objects."""
    doc = _document(document)
    if doc is None:
        return False
    if isinstance(doc, Unknown):
        return doc
    statements = doc.get("Statement")
    if isinstance(statements, Unknown):
        return statements
    pending: Unknown | None = None
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, Mapping):
            continue
        verdict = _insecure_transport_deny(statement)
        if verdict is True:
            return True
        if isinstance(verdict, Unknown):
            pending = pending or verdict
    return pending if pending is not None else False


def _insecure_transport_deny(statement: Mapping[str, Any]) -> bool | Unknown:
    effect = statement.get("Effect")
    if isinstance(effect, Unknown):
        return effect
    if str(effect).lower() != "deny":
        return False
    principals = _principals(statement.get("Principal"))
    actions = _strings(statement.get("Action"), "Action")
    condition = statement.get("Condition")
    for value in (principals, actions, condition):
        if isinstance(value, Unknown):
            return value
    assert not isinstance(principals, Unknown) and not isinstance(actions, Unknown)
    if "*" not in principals:
        return False
    names = {a.lower() for a in actions if isinstance(a, str)}
    if not (names & {"*", "s3:*"} or {"s3:getobject", "s3:putobject"} <= names):
        return False
    if not isinstance(condition, Mapping):
        return False
    for operator, tests in condition.items():
        if str(operator).lower() not in ("bool", "boolifexists") or not isinstance(tests, Mapping):
            continue
        for key, values in tests.items():
            if str(key).lower() != "aws:securetransport":
                continue
            if isinstance(values, Unknown):
                return values
            items = values if isinstance(values, list) else [values]
            if any(str(v).lower() == "false" for v in items if not isinstance(v, Unknown)):
                return True
    return False


# -- platform defaults -------------------------------------------------------------------------------

# EKS cluster endpoint access when `vpc_config` does not say: the public endpoint is on, open to
# 0.0.0.0/0, and the private endpoint is off.
EKS_PUBLIC_ACCESS_DEFAULT = True
EKS_PUBLIC_ACCESS_CIDRS_DEFAULT = ("0.0.0.0/0",)


# The port a database engine listens on when `port` is not set.
DB_ENGINE_PORTS: dict[str, int] = {
    "mysql": 3306, "mariadb": 3306, "aurora": 3306, "aurora-mysql": 3306,
    "postgres": 5432, "aurora-postgresql": 5432,
    "oracle-ee": 1521, "oracle-se2": 1521, "oracle-se1": 1521, "oracle-se": 1521, "oracle-ee-cdb": 1521,
    "oracle-se2-cdb": 1521, "custom-oracle-ee": 1521,
    "sqlserver-ee": 1433, "sqlserver-se": 1433, "sqlserver-ex": 1433, "sqlserver-web": 1433,
    "custom-sqlserver-ee": 1433, "custom-sqlserver-se": 1433, "custom-sqlserver-web": 1433,
    "db2-se": 50000, "db2-ae": 50000,
    "redshift": 5439,
    "neptune": 8182,
}

# `publicly_accessible` when it is not set: RDS instances are private (the provider's default), DMS
# replication instances are public (the API's default, which the provider leaves to the API), and
# Redshift depends on the provider version.
RDS_PUBLIC_DEFAULT = False
DMS_PUBLIC_DEFAULT = True
REDSHIFT_PUBLIC_UNSET = (
    "publicly_accessible is not set: provider v5 creates the cluster publicly accessible and v6 private; "
    "set publicly_accessible = false"
)


_AWS_MANAGED_ALIAS = re.compile(r"^(arn:aws[\w-]*:kms:[^:]*:[^:]*:)?alias/aws/")


def is_aws_managed_key(key_id: str) -> bool:
    """`alias/aws/s3`, `arn:aws:kms:…:alias/aws/ebs`: the AWS managed key of a service, not a CMK."""
    return _AWS_MANAGED_ALIAS.match(key_id.strip()) is not None


_MANAGED_POLICY_ARN = re.compile(r"^arn:aws[\w-]*:iam::aws:policy/(?:.+/)?([^/]+)$")


def managed_policy_name(arn: str | Unknown) -> str | None:
    """`AdministratorAccess` for `arn:aws:iam::aws:policy/AdministratorAccess`, whatever the partition (also
    when it is known only at plan time); None for customer policies and for what cannot be told."""
    if isinstance(arn, Unknown):
        if not arn.prefix.startswith("arn:") or ":iam::aws:policy/" not in arn.suffix or arn.placeholder() is None:
            return None
        arn = "arn:aws" + arn.suffix[arn.suffix.index(":iam::aws:policy/"):]
    m = _MANAGED_POLICY_ARN.match(arn.strip())
    return m.group(1) if m else None


# -- IAM policy documents ----------------------------------------------------------------------------


def grants_from_policy(
    document: object,
    *,
    kind: GrantKind,
    name: str,
    origin: Origin,
    statement_origins: Sequence[Origin] | None = None,
    self_resource: str | None = None,
) -> list[AccessGrant]:
    """One `AccessGrant` per statement of an IAM policy document.

    `document` is a JSON string, a dict, or an object whose `.value` is one
    (a `jsonencode` with unresolved parts). What cannot be read becomes a grant
    whose fields are `Unknown`, so every rule reports "could not evaluate".
    A resource policy governs only the resource it is attached to: a statement
    without `Resource` (SNS, SQS, Lambda, ECR … policies may omit it) or with
    `Resource: "*"` reaches that resource alone, named `self_resource` (by
    default the policy's `name`), never every resource of the account.
    """
    if kind is GrantKind.RESOURCE_POLICY and self_resource is None:
        self_resource = name
    doc = _document(document)
    if doc is None:
        return []
    if isinstance(doc, Unknown):
        return [_unknown_grant(kind, name, origin, doc)]
    statements = doc.get("Statement")
    if isinstance(statements, Unknown):
        return [_unknown_grant(kind, name, origin, statements)]
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        reason = "policy document has no Statement" if statements is None else "Statement is not a list or object"
        return [_unknown_grant(kind, name, origin, Unknown(reason=reason))]
    grants = []
    for i, statement in enumerate(statements):
        at = statement_origins[i] if statement_origins and i < len(statement_origins) else origin.at(
            None, f"statement[{i}]")
        grants.append(_grant(statement, kind=kind, name=f"{name} statement[{i}]", origin=at,
                             self_resource=self_resource))
    return grants


def _document(document: object) -> Mapping[str, Any] | Unknown | None:
    value = getattr(document, "value", document)  # a jsonencode with unknown parts holds its document in .value
    if value is None:
        return None
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None  # `policy = ""`: modules use it for "no policy"
        try:
            value = json.loads(value)
        except ValueError as exc:
            return Unknown(reason=f"policy is not valid JSON: {exc}")
    if not isinstance(value, Mapping):
        return Unknown(reason=f"policy document is not a JSON object: {type(value).__name__}")
    return value


def _unknown_grant(kind: GrantKind, name: str, origin: Origin, unknown: Unknown) -> AccessGrant:
    return AccessGrant(origin=origin, kind=kind, name=name, effect=unknown, principals=unknown, actions=unknown,
                       not_actions=unknown, resources=unknown, not_resources=unknown, conditions=unknown)


def _grant(statement: object, *, kind: GrantKind, name: str, origin: Origin, self_resource: str | None
           ) -> AccessGrant:
    if isinstance(statement, Unknown):
        return _unknown_grant(kind, name, origin, statement)
    if not isinstance(statement, Mapping):
        return _unknown_grant(kind, name, origin, Unknown(reason="policy statement is not a JSON object"))
    sid = statement.get("Sid")
    if isinstance(sid, str) and sid:
        name = f"{name} ({sid})"
    principals = _principals(statement.get("Principal"))
    if "NotPrincipal" in statement:
        # Everyone except the listed principals: as broad as `*` for an Allow.
        principals = ["*"]
    resources = _strings(statement.get("Resource"), "Resource")
    if self_resource is not None and not isinstance(resources, Unknown):
        if "Resource" not in statement and "NotResource" not in statement:
            resources = [self_resource]
        resources = [self_resource if r == "*" else r for r in resources]
    return AccessGrant(
        origin=origin,
        kind=kind,
        name=name,
        effect=_effect(statement.get("Effect")),
        principals=principals,
        actions=_strings(statement.get("Action"), "Action"),
        not_actions=_strings(statement.get("NotAction"), "NotAction"),
        resources=resources,
        not_resources=_strings(statement.get("NotResource"), "NotResource"),
        conditions=narrowing_conditions(statement.get("Condition")),
    )


def _effect(value: object) -> Access | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str) and value.strip().lower() in ("allow", "deny"):
        return Access(value.strip().lower())
    return Unknown(reason=f"statement Effect {value!r} is neither Allow nor Deny")


def _strings(value: object, what: str) -> list[str | Unknown] | Unknown:
    if isinstance(value, Unknown):
        return [value.placeholder() or ""] if value.placeholder() is not None else value
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    result: list[str | Unknown] = []
    for item in items:
        if isinstance(item, Unknown) and item.placeholder() is not None:
            result.append(item.placeholder() or "")  # one specific resource: never `*`
        elif isinstance(item, (str, Unknown)):
            result.append(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            result.append(str(item))
        else:
            return Unknown(reason=f"{what} holds {item!r}, which is not a string")
    return result


def _principals(value: object) -> list[str | Unknown] | Unknown:
    """`"*"`, `{"AWS": [...], "Service": "...", "Federated": "..."}`, flattened to strings."""
    if not isinstance(value, Mapping):
        return _strings(value, "Principal")
    principals: list[str | Unknown] = []
    for key, ids in value.items():
        flat = _strings(ids, f"Principal.{key}")
        if isinstance(flat, Unknown):
            return flat
        principals.extend(flat)
    return principals


# Condition operators that admit only requests whose key matches one of the values. Negated
# operators (StringNotEquals, NotIpAddress …) admit everything else; `…IfExists` admits requests
# without the key (anonymous callers, calls from outside any VPC endpoint); `Null` tests presence,
# not value; `ForAllValues:` is true for an absent or empty key. None of those narrows.
_NARROWING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"})
_ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn"})
# A source range at least this large is the internet in practice (the rules' default internet_prefix).
_INTERNET_PREFIX_V4, _INTERNET_PREFIX_V6 = 8, 32


def _operator_narrows(operator: str) -> bool:
    op = operator.strip().lower()
    qualifier, _, base = op.rpartition(":")
    if qualifier not in ("", "foranyvalue") or base.endswith("ifexists"):
        return False
    return base in _NARROWING_OPERATORS


def _value_narrows(key: str, value: str) -> bool:
    """Whether one allowed value admits less than everyone: `*`, `o-*`, an ARN of any account,
    or an internet-wide source range does not."""
    text = value.strip()
    literal = text.replace("*", "").replace("?", "")
    if not literal or (key == "aws:principalorgid" and literal in ("o-", "o")):
        return False
    if key in _ARN_KEYS and text.startswith("arn:"):
        parts = text.split(":", 5)
        return len(parts) == 6 and bool(parts[4]) and "*" not in parts[4] and "?" not in parts[4]
    if key == "aws:sourceip":
        network = parse_network(text)
        return network is None or not covers_internet([network], _INTERNET_PREFIX_V4, _INTERNET_PREFIX_V6)
    return True


def _test_narrows(operator: str, key: str, values: object) -> bool | Unknown:
    if not _operator_narrows(operator):
        return False
    if isinstance(values, Unknown):
        return values
    items = values if isinstance(values, list) else [values]
    if not items:
        return False
    pending: Unknown | None = None
    for item in items:
        if isinstance(item, Unknown):
            pending = pending or item
        elif not _value_narrows(key, str(item).lower() if key != "aws:sourceip" else str(item)):
            return False  # values are alternatives: one that admits everyone opens the grant
    return pending if pending is not None else True


def narrowing_conditions(value: object) -> list[str] | Unknown:
    """The keys of a statement's conditions that narrow who may use it, lower-cased.

    A condition narrows when its key names a network, organisation or account, its operator
    admits only matching requests, and no allowed value admits everyone. Conditions are ANDed,
    so one narrowing condition narrows the statement; an unknown value matters only when no
    other condition narrows.
    """
    if isinstance(value, Unknown):
        return value
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return Unknown(reason="Condition is not a JSON object")
    keys: list[str] = []
    pending: Unknown | None = None
    for operator, tests in value.items():
        if isinstance(tests, Unknown):
            pending = pending or tests
            continue
        if not isinstance(tests, Mapping):
            return Unknown(reason=f"Condition operator {operator!r} does not hold an object")
        for key, values in tests.items():
            if not isinstance(key, str):
                return Unknown(reason=f"condition key {key!r} is not a string")
            name = key.lower()
            if name not in NARROWING_CONDITION_KEYS or name in keys:
                continue
            narrows = _test_narrows(str(operator), name, values)
            if narrows is True:
                keys.append(name)
            elif isinstance(narrows, Unknown):
                pending = pending or narrows
    if not keys and pending is not None:
        return pending
    return keys


# -- S3 access control lists and Block Public Access ---------------------------------------------------

ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
# Canned ACLs that grant the public groups something: (group, permissions).
PUBLIC_CANNED_ACLS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "public-read": ((ALL_USERS_URI, ("READ",)),),
    "public-read-write": ((ALL_USERS_URI, ("READ", "WRITE")),),
    "authenticated-read": ((AUTHENTICATED_USERS_URI, ("READ",)),),
}
# What an ACL permission on a bucket allows, as the policy actions it corresponds to.
ACL_PERMISSION_ACTIONS: dict[str, tuple[str, ...]] = {
    "READ": ("s3:ListBucket",),
    "WRITE": ("s3:PutObject", "s3:DeleteObject"),
    "READ_ACP": ("s3:GetBucketAcl",),
    "WRITE_ACP": ("s3:PutBucketAcl",),
    "FULL_CONTROL": ("s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:GetBucketAcl", "s3:PutBucketAcl"),
}
BLOCK_PUBLIC_ACCESS = "s3:blockpublicaccess"


def is_public_grantee(uri: str) -> bool:
    """AllUsers is anyone; AuthenticatedUsers is anyone with an AWS account, which is anyone."""
    return uri.strip().rstrip("/") in (ALL_USERS_URI, AUTHENTICATED_USERS_URI)


def acl_grant(*, bucket: str, grantee: str, permissions: Sequence[str], name: str, origin: Origin) -> AccessGrant:
    """One grant of a bucket ACL to a group, as a resource-policy statement: the public groups are `*`."""
    actions = sorted({a for p in permissions for a in ACL_PERMISSION_ACTIONS.get(p.upper(), (f"acl:{p}",))})
    principal = "*" if is_public_grantee(grantee) else grantee
    return AccessGrant(origin=origin, kind=GrantKind.RESOURCE_POLICY, name=name, principals=[principal],
                       actions=list(actions), resources=[bucket])


def public_access_blocked(settings: Sequence[Mapping[str, bool | Unknown]], *, acl: bool) -> bool | Unknown:
    """Whether S3 Block Public Access, at the bucket or account level, neutralises a public ACL (`acl`)
    or a public bucket policy. `ignore_public_acls` makes S3 disregard public ACLs and `block_public_acls`
    refuses to set them; `restrict_public_buckets` confines a public policy to the account and AWS
    services, and `block_public_policy` refuses to set one."""
    flags = ("block_public_acls", "ignore_public_acls") if acl else ("block_public_policy", "restrict_public_buckets")
    pending: Unknown | None = None
    for setting in settings:
        for flag in flags:
            value = setting.get(flag, False)
            if value is True:
                return True
            if isinstance(value, Unknown):
                pending = pending or value
    return pending if pending is not None else False


def neutralised(grants: Sequence[AccessGrant], blocked: bool | Unknown, at: Origin | None = None
                ) -> list[AccessGrant]:
    """Public grants that Block Public Access neutralises: narrowed, and named so that any finding says so.
    `at` locates the setting that neutralises them."""
    if blocked is False:
        return list(grants)
    result = []
    for grant in grants:
        conditions = grant.conditions
        principals = grant.principals if isinstance(grant.principals, list) else []
        # Block Public Access narrows what is allowed; a Deny for everyone stays one.
        if grant.effect == Access.DENY or not any(isinstance(p, str) and is_public_principal(p) for p in principals):
            result.append(grant)
        elif blocked is True and not isinstance(conditions, Unknown):
            result.append(grant.model_copy(update={
                "conditions": [*conditions, BLOCK_PUBLIC_ACCESS],
                "name": f"{grant.name} (public access neutralised by S3 Block Public Access)",
                "field_origins": {**grant.field_origins, **({"conditions": at} if at is not None else {})}}))
        elif isinstance(blocked, Unknown) and not isinstance(conditions, Unknown) and not conditions:
            result.append(grant.model_copy(update={"conditions": blocked}))
        else:
            result.append(grant)
    return result

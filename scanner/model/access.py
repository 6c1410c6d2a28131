"""Identity and access: who may do what on which resources.

AWS policy statements, Azure role definitions and assignments, GCP IAM
bindings and Kubernetes RBAC all become `AccessGrant`s.
"""

from __future__ import annotations

from typing import Literal

from scanner._compat import StrEnum
from scanner.model.base import Located
from scanner.model.network import Access
from scanner.model.unknown import Unknown


class GrantKind(StrEnum):
    IDENTITY_POLICY = "identity-policy"  # attached to a user, role or group
    RESOURCE_POLICY = "resource-policy"  # attached to a bucket, key, domain …
    TRUST_POLICY = "trust-policy"  # who may assume a role
    ROLE_DEFINITION = "role-definition"  # a custom role's permissions
    ROLE_ASSIGNMENT = "role-assignment"  # a principal given a role at a scope


class Scope(StrEnum):
    """How far an assignment reaches, broadest first."""

    ORGANIZATION = "organization"
    ACCOUNT = "account"  # AWS account, Azure subscription, GCP project, Kubernetes cluster
    RESOURCE_GROUP = "resource-group"  # Azure resource group, Kubernetes namespace
    RESOURCE = "resource"


# Principals meaning "anyone": AWS `*`, GCP allUsers / allAuthenticatedUsers,
# Kubernetes system:anonymous and system:unauthenticated.
PUBLIC_PRINCIPALS = frozenset(
    {"*", "allusers", "allauthenticatedusers", "system:anonymous", "system:unauthenticated", "system:authenticated"}
)


# Condition keys that can narrow who may use a grant to a known network, organisation or account
# (AWS global condition keys, lower-cased). Whether a given condition does narrow depends on its
# operator and values, which each provider judges (`scanner.providers.aws.narrowing_conditions`).
NARROWING_CONDITION_KEYS = frozenset(
    {
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:userid",
        "aws:resourceorgid",
        # S3 Block Public Access (restrict_public_buckets, ignore_public_acls) confines a public bucket
        # policy or ACL to the bucket owner's account and AWS services.
        "s3:blockpublicaccess",
    }
)


def is_public_principal(principal: str) -> bool:
    p = principal.strip().lower()
    return p in PUBLIC_PRINCIPALS or p.startswith("arn:aws:iam::*:") or p == "arn:aws:iam::*:root"


class AccessGrant(Located):
    """One statement, rule, role definition or assignment."""

    asset_type: Literal["access_grant"] = "access_grant"
    kind: GrantKind
    name: str
    effect: Access | Unknown = Access.ALLOW
    principals: list[str | Unknown] | Unknown = []
    actions: list[str | Unknown] | Unknown = []
    # `NotAction`: everything except these. An allow with NotAction is a trap.
    not_actions: list[str | Unknown] | Unknown = []
    resources: list[str | Unknown] | Unknown = []
    not_resources: list[str | Unknown] | Unknown = []
    # Role assignments: the role given and the scope it is given at.
    role: str | Unknown | None = None
    scope: Scope | Unknown | None = None
    # Keys of the conditions that narrow the grant, lower-cased (aws:sourcevpce, aws:principalorgid),
    # listed only when the condition's operator and values really narrow it; `gcp:condition` and
    # `azure:condition` mark conditions that limit by time or resource, never by who.
    conditions: list[str] | Unknown = []
    # Role assignments: the assigned role's own grants, when the source can see its definition (a
    # Kubernetes binding and its role in the same scan); None when it cannot.
    role_grants: list[AccessGrant] | None = None

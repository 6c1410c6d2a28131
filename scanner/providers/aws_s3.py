"""S3 public access facts: ACL grantees and permissions, canned ACLs, and Block Public Access.

Shared by the Terraform mappings (`acl`, `aws_s3_bucket_acl`, the public access
blocks) and the live audit (GetBucketAcl, GetPublicAccessBlock), so that a bucket
is public, or neutralised by Block Public Access, for the same reasons in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scanner.model import Access, AccessGrant, GrantKind, Origin, Unknown, is_public_principal

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"

# ACL grantee groups that are the public: anyone, and anyone with an AWS account.
PUBLIC_GRANTEES: dict[str, str] = {
    ALL_USERS: "AllUsers (anyone)",
    AUTHENTICATED_USERS: "AuthenticatedUsers (any AWS account)",
}

# Canned ACLs (`x-amz-acl`, Terraform `acl`) that grant a public group, and what they grant.
PUBLIC_CANNED_ACLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "public-read": (ALL_USERS, ("READ",)),
    "public-read-write": (ALL_USERS, ("READ", "WRITE")),
    "authenticated-read": (AUTHENTICATED_USERS, ("READ",)),
}

# What each bucket ACL permission allows, as the S3 user guide's "ACL permissions and
# access policy permissions" table maps it.
ACL_PERMISSION_ACTIONS: dict[str, tuple[str, ...]] = {
    "READ": ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"),
    "WRITE": ("s3:PutObject", "s3:DeleteObject"),
    "READ_ACP": ("s3:GetBucketAcl",),
    "WRITE_ACP": ("s3:PutBucketAcl",),
}
ACL_PERMISSION_ACTIONS["FULL_CONTROL"] = tuple(a for p in ("READ", "WRITE", "READ_ACP", "WRITE_ACP")
                                               for a in ACL_PERMISSION_ACTIONS[p])


@dataclass(frozen=True)
class BlockPublicAccess:
    """The four S3 Block Public Access settings; None where a setting is not known.

    Only `ignore_public_acls` and `restrict_public_buckets` change what existing
    ACLs and policies grant: `block_public_acls` and `block_public_policy` refuse
    new public ones and leave existing ones in force.
    """

    block_public_acls: bool | None = False
    ignore_public_acls: bool | None = False
    block_public_policy: bool | None = False
    restrict_public_buckets: bool | None = False

    @classmethod
    def unknown(cls) -> BlockPublicAccess:
        return cls(None, None, None, None)

    @classmethod
    def from_api(cls, config: Mapping[str, object] | None) -> BlockPublicAccess:
        """A `PublicAccessBlockConfiguration` (bucket or account); None: no configuration, nothing blocked."""
        if config is None:
            return cls()
        return cls(*(config.get(k) is True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                                     "RestrictPublicBuckets")))

    def __or__(self, other: BlockPublicAccess) -> BlockPublicAccess:
        """S3 applies the most restrictive combination of the bucket's and the account's settings."""
        def either(a: bool | None, b: bool | None) -> bool | None:
            if a is True or b is True:
                return True
            return None if a is None or b is None else False

        return BlockPublicAccess(either(self.block_public_acls, other.block_public_acls),
                                 either(self.ignore_public_acls, other.ignore_public_acls),
                                 either(self.block_public_policy, other.block_public_policy),
                                 either(self.restrict_public_buckets, other.restrict_public_buckets))


def _unknown_setting(setting: str) -> Unknown:
    return Unknown(reason=f"whether S3 Block Public Access ({setting}) applies is not known: "
                          "the bucket's or the account's settings could not be read")


def restrict_public_policy(grants: Sequence[AccessGrant], account: str, partition: str,
                           block: BlockPublicAccess) -> list[AccessGrant]:
    """A bucket policy's statements as Block Public Access lets them apply.

    With `RestrictPublicBuckets`, a public statement only admits AWS service
    principals and the bucket owner's account: its public principals become the
    account, and the statement's name says why it is not public.
    """
    restrict = block.restrict_public_buckets
    result = []
    for grant in grants:
        principals = grant.principals
        # Only what a statement allows is restricted; a Deny for everyone stays one.
        if grant.effect != Access.ALLOW or isinstance(principals, Unknown) or not any(
                isinstance(p, str) and is_public_principal(p) for p in principals):
            result.append(grant)
        elif restrict is True:
            owner = f"arn:{partition}:iam::{account}:root"
            kept = [owner if isinstance(p, str) and is_public_principal(p) else p for p in principals]
            result.append(grant.model_copy(update={
                "principals": list(dict.fromkeys(kept)),
                "name": f"{grant.name} (public access restricted to the owner account by S3 Block Public Access)"}))
        elif restrict is None:
            result.append(grant.model_copy(update={"principals": _unknown_setting("RestrictPublicBuckets")}))
        else:
            result.append(grant)
    return result


def public_acl_grants(grants: Iterable[tuple[str, str]], *, bucket_arn: str, name: str, origin: Origin,
                      block: BlockPublicAccess) -> list[AccessGrant]:
    """The grants to public groups among `(grantee URI, permission)` pairs, unless `IgnorePublicAcls` voids them.

    Grants to accounts and to the log delivery group are not public and are left out.
    """
    ignore = block.ignore_public_acls
    found: list[AccessGrant] = []
    for uri, permission in grants:
        group = PUBLIC_GRANTEES.get(uri)
        if group is None or ignore is True:
            continue
        actions = ACL_PERMISSION_ACTIONS.get(permission)
        principals: list[str | Unknown] | Unknown = ["*"] if ignore is False else _unknown_setting("IgnorePublicAcls")
        found.append(AccessGrant(
            origin=origin.at(None, f"acl[{group.split(' ')[0]}/{permission}]"), kind=GrantKind.RESOURCE_POLICY,
            name=f"{name} ACL grant of {permission} to {group}", principals=principals,
            actions=list(actions) if actions else Unknown(reason=f"ACL permission {permission!r} is not known"),
            resources=[bucket_arn, f"{bucket_arn}/*"] if permission == "WRITE" else [bucket_arn]))
    return found

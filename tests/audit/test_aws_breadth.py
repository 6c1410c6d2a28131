"""The live AWS audit beyond the acceptance state: every service it reads, against a real moto server.

`breadth_world` plants each violation next to a clean counterpart in us-west-2; the audit
must find every planted one, with the expected rule, and nothing on the counterparts.
Where moto cannot represent a case, tests/audit/test_aws_adapters.py holds the adapter
test on API-shaped JSON.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scanner.audit.aws.collectors import AwsAuditOptions, audit_aws
from scanner.audit.engine import AuditResult
from scanner.model import AccessGrant
from scanner.scan import Scanner
from tests.audit.conftest import ACCOUNT, BREADTH_REGION, OTHER_ACCOUNT, ROLE, World

# What each planted resource of `breadth_world` must give.
EXPECTED: dict[str, list[str]] = {
    "acl-public": ["IAM-005", "TLS-001"],  # and no policy refusing plain HTTP
    "acl-ssh": ["NET-001"],
    "eks-open": ["NET-001"],
    "classic-http": ["TLS-001"],
    "classic-tls10": ["TLS-002"],
    "db-public-open": ["NET-002"],
    "db-open-group": ["NET-002", "NET-004"],
    "snap-public": ["IAM-005"],
    "snap-plain": ["ENC-001"],
    "cluster-snap-public": ["IAM-005"],
    "ebs-snap-public": ["IAM-005"],
    "ami-public": ["IAM-005"],
}


def audit(**options: Any) -> AuditResult:
    return audit_aws(AwsAuditOptions(**{"regions": (BREADTH_REGION,), **options}))


def findings_by_resource(result: AuditResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in Scanner().evaluate(result.load_result()).findings:
        found.setdefault(f.resource, []).append(f.rule_id)
    return {k: sorted(v) for k, v in found.items()}


def test_every_planted_violation_is_found_and_no_counterpart_is(aws_env: str, breadth_world: World) -> None:
    result = audit()
    assert result.errors == []
    found = findings_by_resource(result)
    assert {name: found.get(breadth_world.arns[name], []) for name in EXPECTED} == \
        {name: sorted(rules) for name, rules in EXPECTED.items()}
    assert {name: found[arn] for name, arn in breadth_world.clean.items() if arn in found} == {}


def test_acl_grants_carry_the_permission_and_the_group(aws_env: str, breadth_world: World) -> None:
    grants = [a for a in audit().assets if isinstance(a, AccessGrant)
              and a.origin.resource == breadth_world.arns["acl-public"]]
    assert [(g.name, g.principals, g.actions) for g in grants] == [
        ("tenet-breadth-acl-public ACL grant of READ to AllUsers", ["*"], ["s3:ListBucket"])]


def test_account_block_public_access_neutralises_policy_and_acl(aws_env: str, breadth_world: World) -> None:
    """Account 111111111111 sets Block Public Access account-wide (s3control): its bucket's public policy is
    restricted to the account and its public-read ACL is ignored."""
    result = audit(assume_role=ROLE, accounts=(OTHER_ACCOUNT,))
    assert result.errors == []
    bucket = breadth_world.clean["other-account-bucket"]
    grants = [a for a in result.assets if isinstance(a, AccessGrant) and a.origin.resource == bucket]
    # The public statement and the public-read ACL are neutralised; the Deny refusing plain HTTP is untouched.
    assert sorted(g.name for g in grants) == [
        "tenet-breadth-other ACL grant of READ to AllUsers (public access neutralised by S3 Block Public Access)",
        "tenet-breadth-other bucket policy statement[0] (Anyone) (public access neutralised by S3 Block Public Access)",
        "tenet-breadth-other bucket policy statement[1] (TlsOnly)"]
    assert bucket not in findings_by_resource(result)
    assert Counter(a.origin.account for a in result.assets)[ACCOUNT] == 0

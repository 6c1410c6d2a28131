"""The live AWS audit beyond the acceptance state: every service it reads, against a real moto server.

`breadth_world` plants each violation next to a clean counterpart in us-west-2; the audit
must find every planted one, with the expected rule, and nothing on the counterparts.
Where moto cannot represent a case, tests/audit/test_aws_adapters.py holds the adapter
test on API-shaped JSON.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from scanner.audit.aws.collectors import AwsAuditOptions, audit_aws
from scanner.audit.engine import AuditResult
from scanner.model import AccessGrant
from scanner.scan import Scanner
from tests.audit.conftest import (
    ACCOUNT,
    BREADTH_REGION,
    OTHER_ACCOUNT,
    ROLE,
    UNSERVED_BACKUP_POLICY,
    FaultProxy,
    World,
)

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
    "fn-public": ["IAM-005"],
    "fn-url-open": ["IAM-005"],
    "repo-public": ["IAM-005"],
    "secret-public": ["IAM-005"],
    "fs-public": ["IAM-005"],
    "queue-public": ["IAM-005"],
    "topic-public": ["IAM-005"],
    "key-public": ["IAM-005"],
    "fs-plain": ["ENC-001"],
    "queue-plain": ["ENC-001"],
    "topic-plain": ["ENC-001"],
    "stream-plain": ["ENC-001"],
    # plain HTTP accepted, TLS 1.0, nodes in clear, unencrypted at rest, open to anyone
    "search-weak": ["ENC-001", "IAM-005", "TLS-001", "TLS-001", "TLS-002"],
    "pg-plaintext": ["TLS-001"],
    # moto keeps no security groups on a Redshift cluster: its public endpoint is tested on API JSON.
    "warehouse-open": ["ENC-001"],
    "cache-plain": ["ENC-001", "TLS-001"],
    "api-old.example.com": ["TLS-002"],
}


def audit(**options: Any) -> AuditResult:
    return audit_aws(AwsAuditOptions(**{"regions": (BREADTH_REGION,), **options}))


def findings_by_resource(result: AuditResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in Scanner().evaluate(result.load_result()).findings:
        found.setdefault(f.resource, []).append(f.rule_id)
    return {k: sorted(v) for k, v in found.items()}


def errors(result: AuditResult) -> list[tuple[str, str, str, str]]:
    return [(e.service, e.operation, e.code, e.message) for e in result.errors]


def test_every_planted_violation_is_found_and_no_counterpart_is(aws_env: str, breadth_world: World) -> None:
    """The vault's access policy cannot be read from moto: a clean error entry, and the rest completes."""
    result = audit()
    assert errors(result) == [UNSERVED_BACKUP_POLICY]
    assert [e.target for e in result.errors] == [breadth_world.clean["vault"]]
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


def test_stores_always_encrypted_are_reported_only_when_customer_keys_are_required(aws_env: str,
                                                                                   breadth_world: World) -> None:
    from scanner.engine.params import RuleParams

    result = audit()
    plain = Scanner().evaluate(result.load_result()).findings
    strict = Scanner(params=RuleParams(require_customer_managed_keys=True)).evaluate(result.load_result()).findings
    always = {breadth_world.clean[name] for name in ("app-logs", "vault", "orders-table")}
    assert {f.resource for f in plain} & always == set()
    assert {f.resource for f in strict if f.rule_id == "ENC-003"} >= always


def test_a_failing_service_is_a_clean_error_and_the_rest_completes(aws_env: str, breadth_world: World,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda answers an HTML error page (as an endpoint that does not serve an action does): its calls are
    error entries naming the operation, and every other service is still judged."""
    with FaultProxy(aws_env, {("lambda", BREADTH_REGION): "html500"}) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        result = audit()
    assert errors(result) == [
        UNSERVED_BACKUP_POLICY,
        ("lambda", "ListFunctions", "500", "the endpoint answered an HTML page (500 Internal Server Error), not the "
         "API's answer: does it serve this operation?")]
    found = findings_by_resource(result)
    assert found[breadth_world.arns["repo-public"]] == ["IAM-005"]
    assert breadth_world.arns["fn-public"] not in found


def test_every_call_is_a_read(aws_env: str, breadth_world: World) -> None:
    """Only Describe*, Get* and List* (plus STS), across every service the audit reads."""
    import boto3  # type: ignore[import-untyped]

    operations: list[str] = []

    def factory(**kwargs: Any) -> Any:
        session = boto3.Session(**kwargs)
        session.events.register("before-parameter-build", lambda model, **_: operations.append(model.name))
        return session

    result = audit_aws(AwsAuditOptions(regions=(BREADTH_REGION,)), session_factory=factory)
    assert errors(result) == [UNSERVED_BACKUP_POLICY]
    assert {op for op in operations if not op.startswith(("Describe", "Get", "List"))} == set()
    assert {"GetBucketAcl", "GetPublicAccessBlock", "DescribeNetworkAcls", "DescribeCluster",
            "DescribeLoadBalancerPolicies", "DescribeDBSnapshotAttributes", "DescribeSnapshotAttribute",
            "DescribeImages", "GetPolicy", "ListFunctionUrlConfigs", "GetFunctionUrlConfig", "GetRepositoryPolicy",
            "GetResourcePolicy", "DescribeFileSystemPolicy", "GetQueueAttributes", "GetTopicAttributes",
            "GetKeyPolicy", "DescribeDomains", "DescribeTable", "DescribeStreamSummary", "DescribeLogGroups",
            "ListBackupVaults", "DescribeTrails", "GetRestApis", "DescribeResourcePolicies", "DescribeDestinations",
            "DescribeEndpoints", "DescribeReplicationInstances", "ListTaskDefinitionFamilies", "ListVaults",
            "ListEmailIdentities", "ListInstances", "DescribeWorkspaces", "DescribeFileSystems",
            "DescribeClusters", "GetSecurityConfigurations", "GetDatabases", "ListWorkGroups", "ListBrokers",
            "ListNotebookInstances", "ListEndpointConfigs", "ListProjects", "DescribeLaunchTemplates",
            "DescribeLaunchConfigurations", "GetBackupVaultAccessPolicy"} <= set(operations)


@pytest.fixture(scope="session")
def organization(moto_endpoint: str) -> list[str]:
    """An organization managed from 123456789012 with two member accounts; their ids, management first."""
    import boto3  # type: ignore[import-untyped]

    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=moto_endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    org.create_organization(FeatureSet="ALL")
    members = []
    for name in ("workloads", "sandbox"):
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        members.append(org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
            "CreateAccountStatus"]["AccountId"])
    return [ACCOUNT, *members]


def test_organization_audits_every_member_account(aws_env: str, breadth_world: World,
                                                  organization: list[str]) -> None:
    """--organization: ListAccounts from the management account, then the role assumed in each member."""
    from click.testing import CliRunner

    from scanner.cli import main

    result = audit(regions=("us-east-1",), assume_role=ROLE, organization=True)
    assert result.errors == []
    assert result.accounts == sorted(organization)
    assert {a.origin.account for a in result.assets} == set(organization)
    done = CliRunner().invoke(main, ["audit", "aws", "--organization", "--accounts", "1"], catch_exceptions=False)
    assert done.exit_code == 2 and "exclude each other" in done.stderr
    done = CliRunner().invoke(main, ["audit", "aws", "--organization"], catch_exceptions=False)
    assert done.exit_code == 2 and "--organization needs --assume-role" in done.stderr


def test_services_absent_from_a_region_are_not_called() -> None:
    """MemoryDB has no endpoint in af-south-1 (botocore's partition data): it is not called there, where it
    could only fail; a region newer than that data is assumed to serve everything."""
    import boto3  # type: ignore[import-untyped]

    from scanner.audit.aws.collectors import _Account

    acct = _Account(boto3.Session(region_name="us-east-1"), ACCOUNT, "aws", AwsAuditOptions())
    assert (acct.serves("memorydb", "af-south-1"), acct.serves("memorydb", "eu-west-1"),
            acct.serves("ec2", "af-south-1"), acct.serves("memorydb", "xx-future-1")) == (False, True, True, True)

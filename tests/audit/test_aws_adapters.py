"""The AWS adapters on recorded API responses (fixtures/aws/responses/): model objects, then the rules' verdicts.

The responses are shaped as boto3 returns them (IAM documents decoded, except
one left URL-encoded as the raw API sends it). No SDK and no server here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from scanner.audit.aws import adapters
from scanner.audit.aws.adapters import Where
from scanner.audit.engine import Snapshot, SnapshotTool
from scanner.engine.findings import Status
from scanner.engine.params import RuleParams
from scanner.model import (
    AccessGrant,
    Asset,
    DataStore,
    Direction,
    GrantKind,
    Inventory,
    KeyManagement,
    Peer,
    PortSet,
    Scope,
    SourceKind,
    TlsEndpoint,
    TlsVersion,
    Unknown,
)
from scanner.scan import Scanner
from scanner.sources.interface import LoadContext
from scanner.sources.inventory import InventorySource

RESPONSES = Path(__file__).resolve().parents[2] / "fixtures" / "aws" / "responses"
EU = Where("123456789012", "eu-west-1")
GLOBAL = Where("123456789012", None)
ACCOUNT_ARN = "arn:aws:iam::123456789012"


def response(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RESPONSES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def verdicts(assets: list[Any], params: RuleParams | None = None) -> Counter[tuple[str, str, str]]:
    """(rule id, resource, status) of every finding the rules give on `assets`."""
    result = Scanner(params=params).evaluate(_loaded(assets))
    assert result.errors == []
    return Counter((f.rule_id, f.resource, f.status.value) for f in result.findings)


def _loaded(assets: list[Any]) -> Any:
    from scanner.sources.interface import LoadResult

    return LoadResult(assets=list(assets))


def fails(*pairs: tuple[str, str]) -> Counter[tuple[str, str, str]]:
    return Counter((rule, resource, "fail") for rule, resource in pairs)


# -- Security groups ---------------------------------------------------------------------------------------

SG = "arn:aws:ec2:eu-west-1:123456789012:security-group/"


def test_security_groups_become_firewalls_with_every_kind_of_peer() -> None:
    bastion, database, split = adapters.security_groups(response("ec2_describe_security_groups"), EU)
    assert bastion.name == "bastion (sg-0a1b2c3d4e5f60001)"
    assert bastion.origin.model_dump(exclude={"location", "resource_location", "module_call", "module_chain"}) == {
        "source": SourceKind.AWS, "resource": f"{SG}sg-0a1b2c3d4e5f60001", "resource_type": "AWS::EC2::SecurityGroup",
        "anchor": "", "account": "123456789012", "region": "eu-west-1", "tags": (("team", "platform"),)}
    ssh, ssh_v6, icmp, egress = bastion.rules
    assert (ssh.direction, ssh.protocol, ssh.ports, ssh.name) == (Direction.INGRESS, "tcp", PortSet.ports(22),
                                                                  "ops on the road")
    # Each range keeps its own description: ::/0 has none, so it is not 'ops on the road'.
    assert ssh.peers == [Peer.address_or_tag("0.0.0.0/0")]
    assert (ssh_v6.peers, ssh_v6.name, ssh_v6.ports) == ([Peer.address_or_tag("::/0")], None, PortSet.ports(22))
    assert [r.origin.anchor for r in bastion.rules] == ["ingress[tcp/22]", "ingress[tcp/22]", "ingress[icmp]",
                                                        "egress[all]"]
    assert (icmp.protocol, egress.protocol, egress.ports) == ("icmp", "all", PortSet.all())

    corporate, postgres, app = database.rules
    # Prefix lists and group references (another account's named with it) are groups, not networks.
    assert corporate.peers == [Peer.group("pl-0f1e2d3c4b5a69788")]
    assert postgres.peers == [Peer.group("sg-0a1b2c3d4e5f60003"), Peer.group("210987654321/sg-0999888877776666a")]
    assert (corporate.name, postgres.name) == ("corporate networks", None)
    assert app.ports == PortSet.of((8000, 8080)) and app.origin.anchor == "ingress[tcp/8000-8080]"
    # No SecurityGroupArn in older answers: the ARN is built from account, region and id.
    assert database.origin.resource == f"{SG}sg-0a1b2c3d4e5f60002"
    assert split.rules[0].protocol == "tcp"  # IpProtocol "6"


def test_security_group_verdicts() -> None:
    groups = adapters.security_groups(response("ec2_describe_security_groups"), EU)
    bastion, database, split = (f"{SG}sg-0a1b2c3d4e5f6000{n}" for n in (1, 2, 4))
    # ICMP open to the world has no ports to expose; the split /1 halves are the internet.
    assert verdicts(groups) == fails(("NET-001", bastion), ("NET-001", bastion), ("NET-004", bastion),
                                     ("NET-005", database), ("NET-002", split), ("NET-003", split))


def test_each_range_of_a_merged_permission_is_quoted_with_its_own_description() -> None:
    """AWS merges 22 from the bastion subnet and 22 from 0.0.0.0/0 into one permission; the finding
    quotes the open range's description, not the first one."""
    group = {"GroupId": "sg-1", "GroupName": "bastion", "IpPermissions": [{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
        "IpRanges": [{"CidrIp": "10.20.0.0/24", "Description": "SSH from the bastion subnet"},
                     {"CidrIp": "0.0.0.0/0", "Description": "temp debug"},
                     {"CidrIp": "10.20.1.0/24", "Description": "SSH from the bastion subnet"}],
        "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}]}
    firewall = adapters.security_group(group, EU)
    assert [(r.name, [str(p) for p in r.peers]) for r in firewall.rules] == [
        ("SSH from the bastion subnet", ["10.20.0.0/24", "10.20.1.0/24"]), ("temp debug", ["0.0.0.0/0"])]
    findings = Scanner().evaluate(_loaded([firewall])).findings
    assert [f.message for f in findings] == ["0.0.0.0/0 can reach 22 (TCP) (rule 'temp debug')"]


def test_unreadable_permission_is_unknown_not_a_guess() -> None:
    group = {"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
    rule = adapters.security_group(group, EU).rules[0]
    assert isinstance(rule.ports, Unknown) and rule.origin.anchor == "ingress[tcp/?]"
    assert verdicts([adapters.security_group(group, EU)]) == Counter(
        {("NET-001", f"{SG}sg-1", "unknown"): 1})


# -- Load balancer listeners -------------------------------------------------------------------------------

LISTENER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/"


def test_listeners_judge_tls_only_where_tls_is_terminated() -> None:
    page = response("elbv2_describe_listeners")
    eps = {ep.name: ep for ep in adapters.listeners(page, EU, "shop")}
    assert eps["shop:443"].min_version is TlsVersion.TLS1_0
    assert eps["shop:443"].policy_name == "ELBSecurityPolicy-2016-08"
    assert eps["shop:8443"].min_version is TlsVersion.TLS1_2
    # The API reports an SslPolicy on HTTP listeners too; it is not TLS.
    assert (eps["shop:80"].min_version, eps["shop:80"].plaintext_allowed, eps["shop:80"].policy_name) == \
        (None, False, None)
    assert eps["shop:8080"].plaintext_allowed is True  # authenticate, then forward over HTTP
    assert isinstance(eps["shop:9443"].min_version, Unknown)
    assert [adapters.needs_rules(item) for item in page["Listeners"]] == [False, False, True, False, False]
    assert verdicts(list(eps.values())) == Counter({
        ("TLS-002", f"{LISTENER}f2f7dc8efc522ab2", "fail"): 1,
        ("TLS-001", f"{LISTENER}9c0d1e2f3a4b5c6d", "fail"): 1,
        ("TLS-002", f"{LISTENER}5e6f7a8b9c0d1e2f", "unknown"): 1,
    })


def test_a_rule_forwarding_plain_http_makes_the_redirecting_listener_plaintext() -> None:
    item = response("elbv2_describe_listeners")["Listeners"][2]
    rules = response("elbv2_describe_rules")["Rules"]
    ep = adapters.listener(item, EU, "shop", rules)
    assert ep is not None and ep.plaintext_allowed is True
    only_default = adapters.listener(item, EU, "shop", [r for r in rules if r["IsDefault"]])
    assert only_default is not None and only_default.plaintext_allowed is False


def test_network_load_balancer_listeners() -> None:
    eps = adapters.listeners(response("elbv2_describe_listeners_network"), EU, "ingest")
    assert [(ep.name, ep.min_version, ep.plaintext_allowed) for ep in eps] == [
        ("ingest:6514", TlsVersion.TLS1_1, False)]  # the TCP listener passes connections through


# -- CloudFront --------------------------------------------------------------------------------------------

DIST = "arn:aws:cloudfront::123456789012:distribution/"


def test_cloudfront_distributions() -> None:
    endpoints = adapters.distributions(response("cloudfront_list_distributions"), GLOBAL)
    default_cert, modern, legacy = (e for e in endpoints if e.kind == "cdn_distribution")
    # A match-viewer origin behind viewers allowed on HTTP is fetched over HTTP too.
    assert [(e.name, e.plaintext_allowed) for e in endpoints if e.kind == "cdn_origin"] == [
        ("E2MODERNTLS0002 origin shop-alb", False), ("E3LEGACYHTTP003 origin legacy", True)]
    assert verdicts(endpoints)[("TLS-001", f"{DIST}E3LEGACYHTTP003", "fail")] == 2
    # The *.cloudfront.net certificate negotiates TLSv1 whatever MinimumProtocolVersion says.
    assert (default_cert.min_version, default_cert.policy_name) == (TlsVersion.TLS1_0, "TLSv1")
    assert (modern.min_version, modern.plaintext_allowed, modern.name) == \
        (TlsVersion.TLS1_2, False, "E2MODERNTLS0002 (www.example.com)")
    assert (legacy.min_version, legacy.plaintext_allowed) == (TlsVersion.TLS1_0, True)
    assert legacy.origin.region is None and legacy.origin.resource_type == "AWS::CloudFront::Distribution"
    assert verdicts([default_cert, modern, legacy]) == fails(
        ("TLS-002", f"{DIST}E1DEFAULTCERT01"), ("TLS-002", f"{DIST}E3LEGACYHTTP003"),
        ("TLS-001", f"{DIST}E3LEGACYHTTP003"))


def test_unknown_viewer_protocol_policy() -> None:
    summary = {"Id": "E4", "ViewerCertificate": {"MinimumProtocolVersion": "TLSv1.2_2021"},
               "DefaultCacheBehavior": {"ViewerProtocolPolicy": "sometimes-https"}}
    assert isinstance(adapters.distribution(summary, GLOBAL).plaintext_allowed, Unknown)


# -- Data at rest ------------------------------------------------------------------------------------------

VOL = "arn:aws:ec2:eu-west-1:123456789012:volume/"
MANAGED = adapters.aws_managed_key_ids([response("kms_list_aliases")])


def test_aws_managed_keys_are_those_behind_aws_aliases() -> None:
    assert {"0b9c8d7e-6f5a-4b3c-2d1e-0f9a8b7c6d5e", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"} == MANAGED


@pytest.mark.parametrize(("key", "managed", "want"), [
    (None, MANAGED, KeyManagement.PROVIDER),
    ("alias/aws/ebs", None, KeyManagement.PROVIDER),
    ("arn:aws:kms:eu-west-1:123456789012:key/0b9c8d7e-6f5a-4b3c-2d1e-0f9a8b7c6d5e", MANAGED, KeyManagement.PROVIDER),
    ("6f1c2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f", MANAGED, KeyManagement.CUSTOMER),
    ("arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab", MANAGED, KeyManagement.CUSTOMER),
])
def test_key_management(key: str | None, managed: frozenset[str] | None, want: KeyManagement) -> None:
    assert adapters.key_management(key, managed) is want


def test_key_management_unknowns() -> None:
    assert "aliases could not be read" in str(adapters.key_management("6f1c2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f", None))
    assert "neither a key ARN nor a key id" in str(adapters.key_management("default_kms_key_id", MANAGED))


def test_volumes() -> None:
    plain, aws_key, own_key = adapters.volumes(response("ec2_describe_volumes"), EU, MANAGED)
    assert (plain.encrypted, plain.key_management, plain.kind) == (False, KeyManagement.NONE, "block_volume")
    assert (aws_key.key_management, own_key.key_management) == (KeyManagement.PROVIDER, KeyManagement.CUSTOMER)
    assert (own_key.algorithm, own_key.key_bits) == ("aws:kms", 256)
    cmk = RuleParams(require_customer_managed_keys=True)
    assert verdicts([plain, aws_key, own_key], cmk) == fails(
        ("ENC-001", f"{VOL}vol-0123456789abcdef0"), ("ENC-003", f"{VOL}vol-0123456789abcdef1"))


def test_ebs_encryption_by_default() -> None:
    on = adapters.ebs_default_encryption(response("ec2_get_ebs_encryption_by_default_on"),
                                         response("ec2_get_ebs_default_kms_key_id"), EU, MANAGED)
    off = adapters.ebs_default_encryption(response("ec2_get_ebs_encryption_by_default_off"), None, EU, MANAGED)
    assert (on.encrypted, on.key_management) == (True, KeyManagement.CUSTOMER)
    assert (off.encrypted, off.name, off.kind) == (False, "EBS default encryption in eu-west-1", "block_volume_default")
    arn = "arn:aws:ec2:eu-west-1:123456789012:ebs-encryption-by-default"
    assert verdicts([on, off]) == fails(("ENC-001", arn))


def test_databases() -> None:
    instances = adapters.db_instances(response("rds_describe_db_instances"), EU, MANAGED)
    clusters = adapters.db_clusters(response("rds_describe_db_clusters"), EU, MANAGED)
    # catalog-1 is an Aurora member: its storage is the cluster's, reported once.
    assert [(d.name, d.encrypted, d.key_management) for d in instances + clusters] == [
        ("orders", False, KeyManagement.NONE), ("billing", True, KeyManagement.PROVIDER),
        ("catalog", False, KeyManagement.NONE), ("search", True, KeyManagement.CUSTOMER)]
    assert verdicts(instances + clusters) == fails(("ENC-001", "arn:aws:rds:eu-west-1:123456789012:db:orders"),
                                                   ("ENC-001", "arn:aws:rds:eu-west-1:123456789012:cluster:catalog"))


# -- S3 ----------------------------------------------------------------------------------------------------


def test_bucket_regions() -> None:
    invoices, legacy = response("s3_list_buckets")["Buckets"]
    assert adapters.bucket_region(invoices, None) == "eu-west-1"
    assert adapters.bucket_region(legacy, None) is None  # GetBucketLocation is needed
    assert adapters.bucket_region(legacy, response("s3_get_bucket_location_legacy")) == "us-east-1"
    assert adapters.bucket_region(legacy, response("s3_get_bucket_location_eu")) == "eu-west-1"


def test_bucket_encryption() -> None:
    default = adapters.bucket_encryption("acme-legacy-logs", None, EU)
    assert (default.encrypted, default.algorithm, default.key_management, default.by_default) == \
        (True, "AES256", KeyManagement.PROVIDER, True)
    kms = adapters.bucket_encryption("acme-invoices", response("s3_get_bucket_encryption_kms"), EU)
    assert (kms.algorithm, kms.key_management, kms.by_default) == ("aws:kms", KeyManagement.CUSTOMER, False)
    sse_s3 = adapters.bucket_encryption("acme-site", response("s3_get_bucket_encryption_sse_s3"), EU)
    assert (sse_s3.algorithm, sse_s3.key_management) == ("AES256", KeyManagement.PROVIDER)
    odd = {"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {
        "SSEAlgorithm": "ROT13"}}]}}
    assert isinstance(adapters.bucket_encryption("odd", odd, EU).encrypted, Unknown)
    assert verdicts([default, kms, sse_s3]) == Counter()


def test_bucket_policy() -> None:
    grants = adapters.bucket_policy("acme-invoices", response("s3_get_bucket_policy"), EU)
    assert [g.name for g in grants] == [f"acme-invoices bucket policy statement[{i}] ({sid})"
                                        for i, sid in enumerate(("PublicRead", "FromOurEndpoint", "DenyPlaintext"))]
    assert {g.kind for g in grants} == {GrantKind.RESOURCE_POLICY}
    assert grants[1].conditions == ["aws:sourcevpce"]
    # Only the unconditioned public read; the VPC endpoint narrows the second, the third is a Deny.
    assert verdicts(grants) == fails(("IAM-005", "arn:aws:s3:::acme-invoices"))
    assert adapters.bucket_policy("acme-invoices", None, EU) == []


# -- IAM ---------------------------------------------------------------------------------------------------


def iam_grants() -> list[AccessGrant]:
    return adapters.authorization_details(response("iam_get_account_authorization_details"), GLOBAL)


def test_authorization_details_grants() -> None:
    grants = iam_grants()
    by_kind = Counter(g.kind for g in grants)
    assert by_kind == {GrantKind.IDENTITY_POLICY: 5, GrantKind.TRUST_POLICY: 3, GrantKind.ROLE_ASSIGNMENT: 4}
    deploy = [g for g in grants if g.origin.resource == f"{ACCOUNT_ARN}:policy/deploy"]
    # Only the default version (v2) counts, not v1's `*`.
    assert [g.actions for g in deploy] == [["s3:PutObject", "s3:GetObject"]]
    legacy = [g for g in grants if g.origin.resource.endswith("all-but-iam")]
    assert [g.not_actions for g in legacy] == [["iam:*", "organizations:*"]]  # URL-encoded document, decoded
    assignments = sorted((g.principals[0], g.role, g.scope) for g in grants  # type: ignore[index]
                         if g.kind is GrantKind.ROLE_ASSIGNMENT)
    assert assignments == [
        (f"{ACCOUNT_ARN}:group/admins", "AdministratorAccess", Scope.ACCOUNT),
        (f"{ACCOUNT_ARN}:role/ci-deployer", "AdministratorAccess", Scope.ACCOUNT),
        (f"{ACCOUNT_ARN}:role/ci-deployer", f"{ACCOUNT_ARN}:policy/deploy", Scope.ACCOUNT),
        (f"{ACCOUNT_ARN}:user/alice", "ReadOnlyAccess", Scope.ACCOUNT),
    ]
    inline = next(g for g in grants if g.origin.anchor.startswith("inline[manage-ec2]"))
    assert (inline.name, inline.origin.resource_type, inline.origin.region) == \
        ("ci-deployer/manage-ec2 statement[0]", "AWS::IAM::Role", None)


def test_authorization_details_verdicts() -> None:
    from policies import iam as iam_rules

    want = fails(
        ("IAM-001", f"{ACCOUNT_ARN}:policy/break-glass"),
        ("IAM-004", f"{ACCOUNT_ARN}:policy/legacy/all-but-iam"),
        ("IAM-002", f"{ACCOUNT_ARN}:role/ci-deployer"), ("IAM-003", f"{ACCOUNT_ARN}:role/ci-deployer"),
        ("IAM-005", f"{ACCOUNT_ARN}:role/public-trust"),
        ("IAM-002", f"{ACCOUNT_ARN}:user/alice"), ("IAM-003", f"{ACCOUNT_ARN}:user/alice"),
    )
    # AdministratorAccess attachments are role assignments; IAM-006 reports them once the rule
    # lists the policy among its privileged roles.
    if "administratoraccess" in iam_rules._PRIVILEGED_ROLES:
        want += fails(("IAM-006", f"{ACCOUNT_ARN}:role/ci-deployer"), ("IAM-006", f"{ACCOUNT_ARN}:group/admins"))
    assert verdicts(iam_grants()) == want


# -- Snapshots of adapter output ---------------------------------------------------------------------------


def every_asset() -> list[Asset]:
    assets: list[Asset] = [
        *adapters.security_groups(response("ec2_describe_security_groups"), EU),
        *adapters.listeners(response("elbv2_describe_listeners"), EU, "shop"),
        *adapters.distributions(response("cloudfront_list_distributions"), GLOBAL),
        *adapters.volumes(response("ec2_describe_volumes"), EU, None),
        *adapters.db_clusters(response("rds_describe_db_clusters"), EU, MANAGED),
        adapters.bucket_encryption("acme-invoices", response("s3_get_bucket_encryption_kms"), EU),
        *adapters.bucket_policy("acme-invoices", response("s3_get_bucket_policy"), EU),
        *iam_grants(),
    ]
    return assets


def snapshot_text(assets: list[Asset]) -> str:
    return Snapshot(tool=SnapshotTool(version="test"), provider=SourceKind.AWS, created="2024-06-01T00:00:00Z",
                    accounts=["123456789012"], regions=["eu-west-1"], calls=9,
                    inventory=Inventory(assets=assets)).dump()


def test_snapshots_keep_every_object_and_every_unknown(tmp_path: Path) -> None:
    assets = every_asset()
    assert any(isinstance(a, TlsEndpoint) and isinstance(a.min_version, Unknown) for a in assets)
    assert any(isinstance(a, DataStore) and isinstance(a.key_management, Unknown) for a in assets)
    path = tmp_path / "inventory.json"
    path.write_text(snapshot_text(assets), encoding="utf-8")
    loaded = InventorySource().load([path], LoadContext(cwd=tmp_path))
    assert loaded.errors == [] and loaded.files == ["inventory.json"]
    assert loaded.assets == assets
    direct = Scanner().evaluate(_loaded(assets))
    offline = Scanner(cwd=tmp_path).scan([path])
    assert offline.findings == direct.findings
    assert {f.status for f in offline.findings} == {Status.FAIL, Status.UNKNOWN}


def test_inventory_source_claims_only_snapshots(tmp_path: Path) -> None:
    source = InventorySource()
    snap = tmp_path / "snap.json"
    snap.write_text(snapshot_text([]), encoding="utf-8")
    bom = tmp_path / "bom.json"
    bom.write_bytes(b'\xef\xbb\xbf \n{ "tenet_inventory" : "1"}')
    plan = tmp_path / "plan.json"
    plan.write_text('{"format_version": "1.2", "terraform_version": "1.8.0", "tenet_inventory": "no"}',
                    encoding="utf-8")
    renamed = tmp_path / "snap.txt"
    renamed.write_text(snapshot_text([]), encoding="utf-8")
    assert [source.claims(p) for p in (snap, bom, plan, renamed, tmp_path / "missing.json")] == \
        [True, True, False, False, False]


def test_a_broken_snapshot_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"tenet_inventory": "1", "tool": {"version": "0"}, "inventory": {"assets": [{"asset_type": '
                      '"firewall"}]}}', encoding="utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(snapshot_text(every_asset())[:5000], encoding="utf-8")
    result = Scanner(cwd=tmp_path).scan([broken, truncated])
    assert [(e.path, e.message.split(" (")[0]) for e in result.errors] == [
        ("broken.json", "not a valid Tenet inventory"), ("truncated.json", "not a valid Tenet inventory")]
    assert result.exit_code(None) == 2


# -- S3 ACLs and Block Public Access -----------------------------------------------------------------------

BUCKET = "arn:aws:s3:::tenet-shared"
# GetBucketAcl as boto3 returns it (the API reference's AccessControlPolicy): the owner, a public read grant,
# an authenticated-users write grant and the log delivery group, which is not public.
BUCKET_ACL = {
    "Owner": {"DisplayName": "owner", "ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"},
    "Grants": [
        {"Grantee": {"ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a",
                     "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
         "Permission": "READ"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
         "Permission": "WRITE"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
         "Permission": "WRITE"},
    ],
}
# s3control GetPublicAccessBlock (the account) and s3 GetPublicAccessBlock (a bucket) answer the same shape.
ACCOUNT_BLOCK = {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                    "BlockPublicPolicy": True, "RestrictPublicBuckets": True}}
BUCKET_BLOCK_NEW_ONLY = {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": False,
                                                            "BlockPublicPolicy": True, "RestrictPublicBuckets": False}}
PUBLIC_POLICY = {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"},
    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
     "Action": "s3:PutObject", "Resource": f"{BUCKET}/*"}]})}


def test_public_acl_grants_are_public_and_log_delivery_is_not() -> None:
    grants = adapters.bucket_acl("tenet-shared", BUCKET_ACL, EU)
    assert [(g.name, g.principals, g.actions) for g in grants] == [
        ("tenet-shared ACL grant of READ to AllUsers", ["*"], ["s3:ListBucket"]),
        ("tenet-shared ACL grant of WRITE to AuthenticatedUsers", ["*"], ["s3:DeleteObject", "s3:PutObject"])]
    assert verdicts(grants) == fails(("IAM-005", BUCKET), ("IAM-005", BUCKET))


def test_block_public_access_that_only_refuses_new_grants_leaves_existing_ones_public() -> None:
    """BlockPublicAcls and BlockPublicPolicy refuse new public grants; existing ones stay in force."""
    block = adapters.block_public_access(BUCKET_BLOCK_NEW_ONLY) | adapters.block_public_access(None)
    grants = [*adapters.bucket_acl("tenet-shared", BUCKET_ACL, EU, block),
              *adapters.bucket_policy("tenet-shared", PUBLIC_POLICY, EU, block)]
    assert verdicts(grants) == fails(("IAM-005", BUCKET), ("IAM-005", BUCKET), ("IAM-005", BUCKET))


def test_account_block_public_access_neutralises_acl_and_policy() -> None:
    block = adapters.block_public_access(None) | adapters.block_public_access(ACCOUNT_BLOCK)
    acl = adapters.bucket_acl("tenet-shared", BUCKET_ACL, EU, block)
    read, partner = adapters.bucket_policy("tenet-shared", PUBLIC_POLICY, EU, block)
    assert all("neutralised by S3 Block Public Access" in g.name for g in [*acl, read])
    assert "neutralised" not in partner.name
    assert verdicts([*acl, read, partner]) == Counter()


def test_unreadable_block_public_access_makes_public_grants_unknown() -> None:
    """The account's settings could not be read and the bucket's do not block: could not evaluate, not a pass."""
    block = adapters.block_public_access(None) | adapters.BlockPublicAccess.unknown()
    grants = [*adapters.bucket_acl("tenet-shared", BUCKET_ACL, EU, block),
              *adapters.bucket_policy("tenet-shared", PUBLIC_POLICY, EU, block)]
    assert verdicts(grants) == Counter({("IAM-005", BUCKET, "unknown"): 3})
    # A bucket that blocks on its own needs no account setting.
    own = adapters.block_public_access(ACCOUNT_BLOCK) | adapters.BlockPublicAccess.unknown()
    assert verdicts(adapters.bucket_policy("tenet-shared", PUBLIC_POLICY, EU, own)) == Counter()


def test_bucket_owner_enforced_disables_acls() -> None:
    enforced = {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}
    preferred = {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}}
    assert (adapters.acls_disabled(enforced), adapters.acls_disabled(preferred), adapters.acls_disabled(None)) == \
        (True, False, False)


# -- EKS and classic load balancer policies (shapes of the EKS and ELB API references) ---------------------


def test_eks_public_endpoint_without_cidrs_is_open_to_the_internet() -> None:
    from scanner.audit.aws import network

    described = {"cluster": {"name": "prod", "arn": "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
                             "resourcesVpcConfig": {"subnetIds": ["subnet-1"], "endpointPublicAccess": True,
                                                    "endpointPrivateAccess": False}}}
    endpoint = network.eks_cluster(described, EU)
    assert endpoint is not None and endpoint.control_plane
    assert verdicts([endpoint]) == fails(("NET-001", "arn:aws:eks:eu-west-1:123456789012:cluster/prod"))
    private = {"cluster": {**described["cluster"], "resourcesVpcConfig": {"endpointPublicAccess": False}}}
    assert network.eks_cluster(private, EU) is None


def test_classic_negotiation_policy_is_judged_by_its_oldest_protocol() -> None:
    from scanner.audit.aws import network

    def policy(*enabled: str) -> dict[str, Any]:
        attributes = [{"AttributeName": p, "AttributeValue": "true" if p in enabled else "false"}
                      for p in ("Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1", "Protocol-TLSv1.2")]
        attributes.append({"AttributeName": "Reference-Security-Policy", "AttributeValue": "ELBSecurityPolicy-2016-08"})
        return {"PolicyName": "custom", "PolicyTypeName": "SSLNegotiationPolicyType",
                "PolicyAttributeDescriptions": attributes}

    assert network.classic_policy_min_version(policy("Protocol-TLSv1.1", "Protocol-TLSv1.2")) == TlsVersion.TLS1_1
    assert network.classic_policy_min_version(policy("Protocol-TLSv1.2")) == TlsVersion.TLS1_2
    # No Protocol-* attribute enabled: the reference policy decides.
    assert network.classic_policy_min_version(policy()) == TlsVersion.TLS1_0


# -- Databases with a public address (DescribeClusters / DescribeDBInstances shapes) ------------------------


def test_public_database_is_reachable_as_its_groups_allow_on_its_port() -> None:
    from scanner.audit.aws import network

    groups = [{"GroupId": "sg-db", "GroupName": "warehouse", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "0.0.0.0/0",
                                                                            "Description": "everything"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]}]
    arn = "arn:aws:redshift:eu-west-1:123456789012:cluster:warehouse"
    origin = EU.origin(arn, "AWS::Redshift::Cluster", "publicly_accessible")
    endpoint = network.public_endpoint(origin, "warehouse", 5439, groups, EU)
    # Only the database's port is reachable: 22 opened by the same group does not reach the database.
    assert [(r.name, str(r.ports), [str(p) for p in r.peers]) for r in endpoint.rules] == [
        ("sg-db: everything", "5439", ["0.0.0.0/0"]), ("sg-db", "5439", ["10.0.0.0/16"])]
    assert verdicts([endpoint]) == fails(("NET-002", arn))


def test_msk_and_memorydb_in_transit() -> None:
    """ListClustersV2 and MemoryDB DescribeClusters, shaped after the Kafka and MemoryDB API references."""
    from scanner.audit.aws import stores

    msk = {"ClusterInfoList": [
        {"ClusterName": "events", "ClusterType": "PROVISIONED",
         "ClusterArn": "arn:aws:kafka:eu-west-1:123456789012:cluster/events/1",
         "Provisioned": {"EncryptionInfo": {
             "EncryptionAtRest": {"DataVolumeKMSKeyId": "arn:aws:kms:eu-west-1:123456789012:key/alias-aws-kafka"},
             "EncryptionInTransit": {"ClientBroker": "TLS_PLAINTEXT", "InCluster": True}}}},
        {"ClusterName": "audit", "ClusterType": "PROVISIONED",
         "ClusterArn": "arn:aws:kafka:eu-west-1:123456789012:cluster/audit/2",
         "Provisioned": {"EncryptionInfo": {"EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True}}}}]}
    memorydb = {"Clusters": [
        {"Name": "sessions", "ARN": "arn:aws:memorydb:eu-west-1:123456789012:cluster/sessions", "TLSEnabled": False},
        {"Name": "carts", "ARN": "arn:aws:memorydb:eu-west-1:123456789012:cluster/carts", "TLSEnabled": True}]}
    assets = [*stores.msk_clusters(msk, EU, frozenset()), *stores.memorydb_clusters(memorydb, EU, frozenset())]
    assert verdicts(assets) == fails(("TLS-001", "arn:aws:kafka:eu-west-1:123456789012:cluster/events/1"),
                                     ("TLS-001", "arn:aws:memorydb:eu-west-1:123456789012:cluster/sessions"))


def test_cloudfront_custom_origins_fetched_over_http_or_old_tls() -> None:
    """ListDistributions' DistributionSummary, its Origins as the CloudFront API reference shapes them."""
    def origin(origin_id: str, policy: str, protocols: list[str]) -> dict[str, Any]:
        return {"Id": origin_id, "DomainName": f"{origin_id}.example.com", "CustomOriginConfig": {
            "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": policy,
            "OriginSslProtocols": {"Quantity": len(protocols), "Items": protocols}}}

    summary = {"Id": "E2QWRUHAPOMQZL", "ARN": "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL",
               "ViewerCertificate": {"ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1",
                                     "MinimumProtocolVersion": "TLSv1.2_2021", "CertificateSource": "acm"},
               "DefaultCacheBehavior": {"ViewerProtocolPolicy": "redirect-to-https"},
               "Origins": {"Quantity": 4, "Items": [
                   origin("legacy", "http-only", ["TLSv1.2"]), origin("old-tls", "https-only", ["TLSv1", "TLSv1.2"]),
                   origin("modern", "https-only", ["TLSv1.2"]), origin("mirror", "match-viewer", ["TLSv1.2"]),
                   {"Id": "assets", "DomainName": "assets.s3.amazonaws.com", "S3OriginConfig": {}}]}}
    endpoints = adapters.distributions({"DistributionList": {"Items": [summary]}}, GLOBAL)
    assert [(e.kind, e.name, e.plaintext_allowed, e.min_version) for e in endpoints[1:]] == [
        ("cdn_origin", "E2QWRUHAPOMQZL origin legacy", True, None),
        ("cdn_origin", "E2QWRUHAPOMQZL origin old-tls", False, TlsVersion.TLS1_0),
        ("cdn_origin", "E2QWRUHAPOMQZL origin modern", False, TlsVersion.TLS1_2),
        ("cdn_origin", "E2QWRUHAPOMQZL origin mirror", False, TlsVersion.TLS1_2)]  # viewers are redirected to HTTPS
    arn = summary["ARN"]
    assert verdicts(endpoints) == fails(("TLS-001", arn), ("TLS-002", arn))


# -- Services moto does not serve, or cannot represent (shapes from the AWS API references) ------------------


def _rules(assets: list[Any]) -> list[tuple[str, str]]:
    findings = Scanner().evaluate(_loaded(assets)).findings
    return sorted((f.rule_id, f.resource) for f in findings if f.status is Status.FAIL)


def test_services_beyond_the_core_on_api_json() -> None:
    from scanner.audit.aws import services
    from scanner.audit.aws.sharing import resource_policy

    # GetVaultAccessPolicy (Glacier) and GetBackupVaultAccessPolicy: a document open to anyone (IAM-005).
    vault = "arn:aws:glacier:eu-west-1:123456789012:vaults/archive"
    glacier = {"policy": {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "glacier:InitiateJob", "Resource": vault}]})}}
    grants = resource_policy(glacier["policy"]["Policy"], arn=vault, resource_type="AWS::Glacier::Vault",
                             name="archive vault access policy", where=EU)
    # DescribeDestinations: a destination any account may subscribe to; another limited to one account.
    destinations = {"destinations": [
        {"destinationName": "central", "arn": "arn:aws:logs:eu-west-1:123456789012:destination:central",
         "targetArn": "arn:aws:kinesis:eu-west-1:123456789012:stream/logs",
         "accessPolicy": json.dumps({"Version": "2012-10-17", "Statement": [{
             "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "logs:PutSubscriptionFilter",
             "Resource": "arn:aws:logs:eu-west-1:123456789012:destination:central"}]})},
        {"destinationName": "partner", "arn": "arn:aws:logs:eu-west-1:123456789012:destination:partner",
         "accessPolicy": json.dumps({"Version": "2012-10-17", "Statement": [{
             "Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": "logs:PutSubscriptionFilter",
             "Resource": "arn:aws:logs:eu-west-1:123456789012:destination:partner"}]})}]}
    # GetRestApis: the policy comes escaped once more, as API Gateway returns it.
    apis = {"items": [{"id": "a1b2c3", "name": "orders", "tags": {"team": "web"},
                       "policy": '{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",'
                                 '\\"Principal\\":\\"*\\",\\"Action\\":\\"execute-api:Invoke\\",'
                                 '\\"Resource\\":\\"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*\\"}]}'}]}
    # DescribeWorkspaces: a root volume in clear, a user volume under a customer key.
    workspaces = {"Workspaces": [{"WorkspaceId": "ws-0123456789", "UserName": "ana", "DirectoryId": "d-1234567890",
                                  "RootVolumeEncryptionEnabled": False, "UserVolumeEncryptionEnabled": True,
                                  "VolumeEncryptionKey": "arn:aws:kms:eu-west-1:123456789012:key/"
                                                         "0b1f3a5c-2d4e-4f60-8a9b-c1d2e3f4a5b6"}]}
    # DescribeLaunchTemplateVersions with EBS encryption by default on: a volume asking for none is encrypted.
    versions = {"LaunchTemplateVersions": [{
        "LaunchTemplateId": "lt-0abcd1234efgh5678", "LaunchTemplateName": "web", "VersionNumber": 3,
        "DefaultVersion": True, "LaunchTemplateData": {"BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20}},
            {"DeviceName": "/dev/xvdb", "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}}]}}]}
    # GetStages: caching on for every method, its data in clear.
    stages = {"item": [{"stageName": "prod", "cacheClusterEnabled": True, "methodSettings": {
        "*/*": {"cachingEnabled": True, "cacheDataEncrypted": False, "cacheTtlInSeconds": 300}}}]}
    assets = [*grants, *services.log_destinations(destinations, EU), *services.rest_apis(apis, EU),
              *services.workspaces(workspaces, EU, frozenset()),
              *services.launch_template_versions(versions, EU, True, None, frozenset()),
              *services.api_stage_caches(stages, EU, "a1b2c3", "orders")]
    assert _rules(assets) == [
        ("ENC-001", "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3/stages/prod"),
        ("ENC-001", "arn:aws:workspaces:eu-west-1:123456789012:workspace/ws-0123456789"),
        ("IAM-005", "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*"),
        ("IAM-005", vault),
        ("IAM-005", "arn:aws:logs:eu-west-1:123456789012:destination:central")]
    api_grant = next(a for a in assets if a.origin.resource.endswith("a1b2c3/*"))
    assert api_grant.origin.tags == (("team", "web"),)
    template = [a for a in assets if a.origin.resource_type == "AWS::EC2::LaunchTemplate"]
    assert [(s.name, s.encrypted, s.by_default) for s in template] == [
        ("web /dev/xvda", True, True), ("web /dev/xvdb", True, True)]
    # With it off, the volume from a snapshot is encrypted as the snapshot is: could not evaluate.
    off = services.launch_template_versions(versions, EU, False, None, frozenset())
    assert [(s.encrypted if isinstance(s.encrypted, bool) else "unknown") for s in off] == [False, "unknown"]


def test_dms_replication_instance_public_on_every_port_its_groups_open() -> None:
    from scanner.audit.aws import network

    origin = EU.origin("arn:aws:dms:eu-west-1:123456789012:rep:ABCDEFGHIJ", "AWS::DMS::ReplicationInstance",
                       "publicly_accessible")
    group = {"GroupId": "sg-0a1b2c3d", "GroupName": "dms", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
    endpoint = network.public_endpoint(origin, "replicator", None, [group], EU, every_port=True)
    assert [(r.ports, r.protocol) for r in endpoint.rules] == [(PortSet.ports(22), "tcp")]
    assert _rules([endpoint]) == [("NET-001", "arn:aws:dms:eu-west-1:123456789012:rep:ABCDEFGHIJ")]

"""Pure functions from AWS API responses (as boto3 returns them) to model objects.

No SDK here: every function takes the response dict of one read call (one page
of a paginated one) and the `Where` it was read from, and returns model
objects. Provider facts (TLS policy tables, IAM document parsing, managed
policy names) come from `scanner.providers.aws`, the same tables the
Terraform mappings use, so a live resource and its code are judged alike.

Conventions: `Origin.resource` is the ARN, `resource_type` the CloudFormation
type name (`AWS::EC2::SecurityGroup`), `region` None for global resources
(IAM, CloudFront), `anchor` a stable name for the part (`ingress[tcp/22]`,
`inline[deploy].statement[0]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from scanner.model import (
    Access,
    AccessGrant,
    DataStore,
    Direction,
    Firewall,
    GrantKind,
    KeyManagement,
    NetworkRule,
    Origin,
    Peer,
    PortSet,
    Scope,
    SourceKind,
    TlsEndpoint,
    TlsVersion,
    Unknown,
    normalize_protocol,
)
from scanner.model.network import protocol_carries_ports
from scanner.providers.aws import (
    CLOUDFRONT_DEFAULT_POLICY,
    SERVICE_TLS_MINIMUM,
    acl_grant,
    api_gateway_min_version,
    cloudfront_min_version,
    denies_insecure_transport,
    elb_policy_min_version,
    grants_from_policy,
    is_aws_managed_key,
    is_public_grantee,
    managed_policy_name,
    neutralised,
)

Response = Mapping[str, Any]

# A key id (a UUID, or `mrk-` and 32 hex digits for multi-Region keys), alone or at the end of a key ARN.
_KEY_ID = re.compile(r"(?:^|:key/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")


@dataclass(frozen=True)
class Where:
    """The account and region a response was read in. `region` is None for global services."""

    account: str
    region: str | None
    partition: str = "aws"

    def origin(self, resource: str, resource_type: str, anchor: str = "", tags: object = None) -> Origin:
        """`tags`: the resource's tags as the API returns them (see `tags`)."""
        return Origin(source=SourceKind.AWS, resource=resource, resource_type=resource_type, anchor=anchor,
                      account=self.account, region=self.region, tags=tags_of(tags))

    def arn(self, service: str, resource: str, *, regional: bool = True, account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if regional and self.region else ''}:"
                f"{self.account if account else ''}:{resource}")


def _items(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def tags_of(value: object) -> tuple[tuple[str, str], ...]:
    """Tags in any of the APIs' shapes: a list of `Key`/`Value` (or `key`/`value`) pairs, or a mapping."""
    pairs: list[tuple[object, object]]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = [(t.get("Key", t.get("key")), t.get("Value", t.get("value", ""))) for t in _items(value)]
    return tuple(sorted((k, v if isinstance(v, str) else "") for k, v in pairs if isinstance(k, str)))


# -- EC2 security groups -----------------------------------------------------------------------------


def _ports(permission: Mapping[str, Any], protocol: str) -> PortSet | Unknown:
    if protocol == "all" or not protocol_carries_ports(protocol):
        return PortSet.all()  # rules ignore ports of port-less protocols; ICMP types are not ports
    start, end = permission.get("FromPort"), permission.get("ToPort")
    if not isinstance(start, int) or not isinstance(end, int):
        return Unknown(reason=f"permission has no port range (FromPort {start!r}, ToPort {end!r})")
    if start == -1 or (start == 0 and end in (0, 65535)):
        return PortSet.all()
    if not (0 <= start <= 65535 and 0 <= end <= 65535):
        return Unknown(reason=f"port range {start}-{end} is outside 0-65535")
    return PortSet.of((start, end))


def _permission_peers(permission: Mapping[str, Any], owner: str) -> list[tuple[Peer | Unknown, str | None]]:
    """IPv4 and IPv6 ranges, prefix lists and group references, each with its own description."""
    peers: list[tuple[Peer | Unknown, str | None]] = []
    for key, field in (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6")):
        for entry in _items(permission.get(key)):
            cidr = _str(entry.get(field))
            peers.append((Peer.address_or_tag(cidr) if cidr else Unknown(reason=f"{key} entry without {field}"),
                          _str(entry.get("Description"))))
    for entry in _items(permission.get("PrefixListIds")):
        pl = _str(entry.get("PrefixListId"))
        peers.append((Peer.group(pl) if pl else Unknown(reason="PrefixListIds entry without PrefixListId"),
                      _str(entry.get("Description"))))
    for pair in _items(permission.get("UserIdGroupPairs")):
        group = _str(pair.get("GroupId")) or _str(pair.get("GroupName"))
        user = _str(pair.get("UserId"))
        if group is None:
            peer: Peer | Unknown = Unknown(reason="UserIdGroupPairs entry without GroupId")
        else:
            # Another account's group is named with its account, as AWS shows it.
            peer = Peer.group(f"{user}/{group}" if user and user != owner else group)
        peers.append((peer, _str(pair.get("Description"))))
    return peers


def _permission_rules(permission: Mapping[str, Any], direction: Direction, group: Origin, owner: str
                      ) -> list[NetworkRule]:
    """One IpPermission: a rule per description of its ranges.

    AWS merges every range with the same protocol and ports into one
    permission, but each range keeps the description it was added with, and a
    finding must quote the range's own (`temp debug`, not `SSH from the bastion
    subnet`). Ranges sharing a description (or having none) stay one rule.
    """
    raw = permission.get("IpProtocol")
    protocol: str | Unknown = normalize_protocol(raw) if isinstance(raw, (str, int)) else Unknown(
        reason="permission has no IpProtocol")
    ports: PortSet | Unknown = _ports(permission, protocol) if isinstance(protocol, str) else protocol
    spec = protocol if isinstance(protocol, str) else "?"
    if isinstance(protocol, str) and protocol_carries_ports(protocol) and protocol != "all":
        spec += "/?" if isinstance(ports, Unknown) else "/all" if ports.is_all else f"/{ports}"
    by_description: dict[str | None, list[Peer | Unknown]] = {}
    for peer, description in _permission_peers(permission, owner):
        by_description.setdefault(description, []).append(peer)
    origin = group.at(None, f"{direction}[{spec}]")
    return [NetworkRule(origin=origin, name=description, direction=direction, protocol=protocol, ports=ports,
                        peers=peers)
            for description, peers in (by_description or {None: []}).items()]


def security_group(group: Response, where: Where) -> Firewall:
    """One entry of DescribeSecurityGroups: rules per IpPermission (AWS merges same protocol and ports)."""
    group_id = str(group.get("GroupId", "?"))
    owner = str(group.get("OwnerId") or where.account)
    arn = _str(group.get("SecurityGroupArn")) or where.arn("ec2", f"security-group/{group_id}")
    origin = where.origin(arn, "AWS::EC2::SecurityGroup", tags=group.get("Tags"))
    rules = [rule
             for key, direction in (("IpPermissions", Direction.INGRESS), ("IpPermissionsEgress", Direction.EGRESS))
             for p in _items(group.get(key))
             for rule in _permission_rules(p, direction, origin, owner)]
    name = _str(group.get("GroupName"))
    return Firewall(origin=origin, name=f"{name} ({group_id})" if name else group_id, rules=rules)


def security_groups(page: Response, where: Where) -> list[Firewall]:
    return [security_group(g, where) for g in _items(page.get("SecurityGroups"))]


# -- ELBv2 listeners -----------------------------------------------------------------------------------

_TLS_PROTOCOLS = frozenset({"HTTPS", "TLS"})
# Protocols passed through without terminating TLS or HTTP: not endpoints the TLS rules judge.
_PASS_THROUGH = frozenset({"TCP", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC"})


def http_plaintext(actions: Iterable[Mapping[str, Any]]) -> bool | Unknown:
    """Whether an HTTP listener serves anything over HTTP, from its default and rule actions.

    Only redirects to HTTPS keep it from doing so; authentication actions precede a routing action.
    """
    pending: Unknown | None = None
    seen = False
    for action in actions:
        seen = True
        kind = action.get("Type")
        if kind in ("forward", "fixed-response"):
            return True
        if kind == "redirect":
            config = action.get("RedirectConfig")
            target = config.get("Protocol", "#{protocol}") if isinstance(config, Mapping) else "#{protocol}"
            if str(target).upper() != "HTTPS":
                return True
        elif not str(kind).startswith("authenticate-"):
            pending = pending or Unknown(reason=f"listener action type {kind!r} is not known")
    if not seen:
        return Unknown(reason="the listener reports no default action")
    return pending if pending is not None else False


def needs_rules(item: Response) -> bool:
    """An HTTP listener whose default action redirects to HTTPS: its rules may still serve plaintext."""
    return str(item.get("Protocol", "")).upper() == "HTTP" and http_plaintext(
        _items(item.get("DefaultActions"))) is False


def listener(item: Response, where: Where, load_balancer: str,
             rules: Sequence[Mapping[str, Any]] = ()) -> TlsEndpoint | None:
    """One entry of DescribeListeners (and, for HTTP listeners, the entries of DescribeRules).

    The SSL policy is judged only on HTTPS and TLS listeners (the API also
    reports one on HTTP listeners, where it does nothing); an HTTP listener
    that only redirects to HTTPS does not accept plaintext. TCP, UDP and
    GENEVE listeners terminate nothing and are left out.
    """
    protocol = str(item.get("Protocol", "")).upper()
    port = item.get("Port")
    arn = _str(item.get("ListenerArn")) or where.arn("elasticloadbalancing", f"listener/{load_balancer}/{port}")
    origin = where.origin(arn, "AWS::ElasticLoadBalancingV2::Listener")
    name = f"{load_balancer}:{port}"
    if protocol in _TLS_PROTOCOLS:
        policy = _str(item.get("SslPolicy"))
        version: TlsVersion | Unknown = (elb_policy_min_version(policy) if policy
                                         else Unknown(reason=f"{protocol} listener reports no SslPolicy"))
        return TlsEndpoint(origin=origin, kind="load_balancer_listener", name=name, min_version=version,
                           plaintext_allowed=False, policy_name=policy)
    if protocol == "HTTP":
        # The default rule (`IsDefault`) repeats the default actions.
        actions = [*_items(item.get("DefaultActions")),
                   *(a for r in rules if r.get("IsDefault") is not True for a in _items(r.get("Actions")))]
        return TlsEndpoint(origin=origin, kind="load_balancer_listener", name=name, min_version=None,
                           plaintext_allowed=http_plaintext(actions))
    if protocol in _PASS_THROUGH:
        return None
    unknown = Unknown(reason=f"listener protocol {protocol!r} is not known")
    return TlsEndpoint(origin=origin, kind="load_balancer_listener", name=name, min_version=unknown,
                       plaintext_allowed=unknown)


def listeners(page: Response, where: Where, load_balancer: str) -> list[TlsEndpoint]:
    """A DescribeListeners page, judged on the listeners' default actions only."""
    found = (listener(item, where, load_balancer) for item in _items(page.get("Listeners")))
    return [ep for ep in found if ep is not None]


# -- CloudFront ----------------------------------------------------------------------------------------


_VIEWER_PLAINTEXT = {"allow-all": True, "https-only": False, "redirect-to-https": False}


def distribution(summary: Response, where: Where) -> TlsEndpoint:
    """One DistributionSummary of ListDistributions.

    With the default *.cloudfront.net certificate CloudFront accepts TLSv1
    whatever MinimumProtocolVersion says, so that is the minimum.
    """
    dist_id = str(summary.get("Id", "?"))
    arn = _str(summary.get("ARN")) or where.arn("cloudfront", f"distribution/{dist_id}", regional=False)
    origin = where.origin(arn, "AWS::CloudFront::Distribution")
    cert = summary.get("ViewerCertificate")
    cert = cert if isinstance(cert, Mapping) else {}
    policy = _str(cert.get("MinimumProtocolVersion"))
    if cert.get("CloudFrontDefaultCertificate") is True or cert.get("CertificateSource") == "cloudfront":
        policy = CLOUDFRONT_DEFAULT_POLICY
    version: TlsVersion | Unknown = (cloudfront_min_version(policy) if policy
                                     else Unknown(reason="distribution reports no MinimumProtocolVersion"))
    behaviors = [summary.get("DefaultCacheBehavior")]
    cache = summary.get("CacheBehaviors")
    if isinstance(cache, Mapping):
        behaviors += _items(cache.get("Items"))
    plaintext: bool | Unknown = False
    for behavior in behaviors:
        viewer = behavior.get("ViewerProtocolPolicy") if isinstance(behavior, Mapping) else None
        allowed = _VIEWER_PLAINTEXT.get(str(viewer))
        if allowed is True:
            plaintext = True
            break
        if allowed is None:
            plaintext = Unknown(reason=f"ViewerProtocolPolicy {viewer!r} is not known")
    aliases = summary.get("Aliases")
    names = [a for a in aliases.get("Items", []) if isinstance(a, str)] if isinstance(aliases, Mapping) else []
    name = f"{dist_id} ({names[0]})" if names else dist_id
    return TlsEndpoint(origin=origin, kind="cdn_distribution", name=name, min_version=version,
                       plaintext_allowed=plaintext, policy_name=policy,
                       field_origins={"plaintext_allowed": origin.at(None, "viewer_protocol_policy")})


def distribution_origins(summary: Response, viewer_plaintext: bool | Unknown, where: Where) -> list[TlsEndpoint]:
    """What a distribution fetches from its custom origins: over HTTP (`http-only`, or `match-viewer` when
    viewers may use HTTP), and with which protocols (`OriginSslProtocols`)."""
    dist_id = str(summary.get("Id", "?"))
    arn = _str(summary.get("ARN")) or where.arn("cloudfront", f"distribution/{dist_id}", regional=False)
    origins = summary.get("Origins")
    endpoints = []
    for item in _items(origins.get("Items")) if isinstance(origins, Mapping) else []:
        config = item.get("CustomOriginConfig")
        if not isinstance(config, Mapping):
            continue  # S3 origins are fetched over HTTPS
        policy = str(config.get("OriginProtocolPolicy"))
        plaintext = {"http-only": True, "https-only": False}.get(policy, viewer_plaintext)
        protocols = config.get("OriginSslProtocols")
        names = protocols.get("Items", []) if isinstance(protocols, Mapping) else []
        versions = [v for v in (TlsVersion.parse(p) for p in names if isinstance(p, str)) if v is not None]
        version = min(versions) if versions and policy != "http-only" else None
        endpoints.append(TlsEndpoint(origin=where.origin(arn, "AWS::CloudFront::Distribution",
                                                         f"origin[{item.get('Id')}]"),
                                     kind="cdn_origin", name=f"{dist_id} origin {item.get('Id')}",
                                     min_version=version, plaintext_allowed=plaintext))
    return endpoints


def distributions(page: Response, where: Where) -> list[TlsEndpoint]:
    listing = page.get("DistributionList")
    found = []
    for summary in _items(listing.get("Items")) if isinstance(listing, Mapping) else []:
        viewer = distribution(summary, where)
        found.append(viewer)
        found += distribution_origins(summary, viewer.plaintext_allowed, where)
    return found


def api_domains(page: Response, where: Where, version2: bool = False) -> list[TlsEndpoint]:
    """GetDomainNames of API Gateway (REST: `securityPolicy`) or API Gateway v2 (per endpoint configuration)."""
    endpoints = []
    for domain in _items(page.get("Items" if version2 else "items")):
        name = str(domain.get("DomainName" if version2 else "domainName", "?"))
        arn = where.arn("apigateway", f"/domainnames/{name}", account=False)
        configs = _items(domain.get("DomainNameConfigurations")) if version2 else [domain]
        for config in configs:
            policy = _str(config.get("SecurityPolicy" if version2 else "securityPolicy"))
            version: TlsVersion | Unknown = (api_gateway_min_version(policy) if policy
                                             else Unknown(reason="the domain reports no security policy"))
            endpoints.append(TlsEndpoint(origin=where.origin(arn, "AWS::ApiGateway::DomainName", "security_policy"),
                                         kind="api_domain", name=name, min_version=version, plaintext_allowed=False,
                                         policy_name=policy))
    return endpoints


# -- KMS key ownership ---------------------------------------------------------------------------------


def aws_managed_key_ids(pages: Iterable[Response]) -> frozenset[str]:
    """Key ids behind `alias/aws/*` aliases (ListAliases): AWS managed keys. Every other key is the customer's."""
    return frozenset(
        a["TargetKeyId"] for page in pages for a in _items(page.get("Aliases"))
        if str(a.get("AliasName", "")).startswith("alias/aws/") and isinstance(a.get("TargetKeyId"), str)
    )


def key_management(key: str | None, aws_managed: frozenset[str] | None) -> KeyManagement | Unknown:
    """Who manages the KMS key an encrypted resource names (a key ARN, key id or alias)."""
    if not key:
        return KeyManagement.PROVIDER  # no key named: the service's AWS managed key
    if is_aws_managed_key(key):
        return KeyManagement.PROVIDER
    m = _KEY_ID.search(key)
    if m is None:
        return Unknown(reason=f"KMS key {key!r} is neither a key ARN nor a key id")
    if aws_managed is None:
        return Unknown(reason=f"whether KMS key {key} is AWS managed is not known: its aliases could not be read")
    return KeyManagement.PROVIDER if m.group(1) in aws_managed else KeyManagement.CUSTOMER


# -- Data at rest --------------------------------------------------------------------------------------


def _kms_store(origin: Origin, kind: str, name: str, encrypted: object, key: object,
               aws_managed: frozenset[str] | None) -> DataStore:
    if not isinstance(encrypted, bool):
        unknown = Unknown(reason=f"the response does not say whether {name} is encrypted")
        return DataStore(origin=origin, kind=kind, name=name, encrypted=unknown, key_management=unknown)
    if not encrypted:
        return DataStore(origin=origin, kind=kind, name=name, encrypted=False, key_management=KeyManagement.NONE)
    return DataStore(origin=origin, kind=kind, name=name, encrypted=True, algorithm="aws:kms", key_bits=256,
                     key_management=key_management(_str(key), aws_managed))


def volumes(page: Response, where: Where, aws_managed: frozenset[str] | None) -> list[DataStore]:
    """DescribeVolumes: EBS volumes are AES-256 under a KMS key when `Encrypted`."""
    stores = []
    for v in _items(page.get("Volumes")):
        vol_id = str(v.get("VolumeId", "?"))
        origin = where.origin(where.arn("ec2", f"volume/{vol_id}"), "AWS::EC2::Volume", "encrypted", v.get("Tags"))
        stores.append(_kms_store(origin, "block_volume", vol_id, v.get("Encrypted"), v.get("KmsKeyId"), aws_managed))
    return stores


def ebs_default_encryption(setting: Response, default_key: Response | None, where: Where,
                           aws_managed: frozenset[str] | None) -> DataStore:
    """GetEbsEncryptionByDefault (+ GetEbsDefaultKmsKeyId): what every new volume in the region gets.

    CIS AWS 2.2.1 asks for it in every region; off, a volume created without
    `Encrypted` is stored in clear, so it is reported like an unencrypted store.
    """
    region = where.region or "?"
    origin = where.origin(where.arn("ec2", "ebs-encryption-by-default"), "AWS::EC2::EBSEncryptionByDefault",
                          "encrypted")
    key = default_key.get("KmsKeyId") if default_key is not None else None
    return _kms_store(origin, "block_volume_default", f"EBS default encryption in {region}",
                      setting.get("EbsEncryptionByDefault"), key, aws_managed)


def db_instances(page: Response, where: Where, aws_managed: frozenset[str] | None) -> list[DataStore]:
    """DescribeDBInstances. Members of a cluster are left out: their storage is the cluster's."""
    stores = []
    for db in _items(page.get("DBInstances")):
        if _str(db.get("DBClusterIdentifier")):
            continue
        name = str(db.get("DBInstanceIdentifier", "?"))
        arn = _str(db.get("DBInstanceArn")) or where.arn("rds", f"db:{name}")
        origin = where.origin(arn, "AWS::RDS::DBInstance", "storage_encrypted", db.get("TagList"))
        stores.append(_kms_store(origin, "database", name, db.get("StorageEncrypted"), db.get("KmsKeyId"),
                                 aws_managed))
    return stores


def db_clusters(page: Response, where: Where, aws_managed: frozenset[str] | None) -> list[DataStore]:
    """DescribeDBClusters: Aurora, Multi-AZ DB clusters, DocumentDB and Neptune."""
    stores = []
    for db in _items(page.get("DBClusters")):
        name = str(db.get("DBClusterIdentifier", "?"))
        arn = _str(db.get("DBClusterArn")) or where.arn("rds", f"cluster:{name}")
        origin = where.origin(arn, "AWS::RDS::DBCluster", "storage_encrypted", db.get("TagList"))
        stores.append(_kms_store(origin, "database", name, db.get("StorageEncrypted"), db.get("KmsKeyId"),
                                 aws_managed))
    return stores


# -- S3 ------------------------------------------------------------------------------------------------


def bucket_region(bucket: Response, location: Response | None) -> str | None:
    """ListBuckets' `BucketRegion`, or GetBucketLocation's constraint (None and `EU` are legacy names)."""
    region = _str(bucket.get("BucketRegion"))
    if region or location is None:
        return region
    constraint = location.get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(constraint, constraint)


def bucket_arn(bucket: str, where: Where) -> str:
    return f"arn:{where.partition}:s3:::{bucket}"


def bucket_encryption(bucket: str, response: Response | None, where: Where) -> DataStore:
    """GetBucketEncryption; None when the bucket has no configuration (AES-256 SSE-S3 by default since 2023)."""
    origin = where.origin(bucket_arn(bucket, where), "AWS::S3::Bucket", "encryption")
    if response is None:
        return DataStore(origin=origin, kind="object_storage", name=bucket, encrypted=True, algorithm="AES256",
                         key_bits=256, key_management=KeyManagement.PROVIDER, by_default=True)
    config = response.get("ServerSideEncryptionConfiguration")
    rules = _items(config.get("Rules")) if isinstance(config, Mapping) else []
    defaults = [r["ApplyServerSideEncryptionByDefault"] for r in rules
                if isinstance(r.get("ApplyServerSideEncryptionByDefault"), Mapping)]
    if not defaults:
        unknown = Unknown(reason="the encryption configuration has no default rule")
        return DataStore(origin=origin, kind="object_storage", name=bucket, encrypted=unknown,
                         key_management=unknown)
    rule = defaults[0]
    algorithm = str(rule.get("SSEAlgorithm"))
    if algorithm not in ("AES256", "aws:kms", "aws:kms:dsse"):
        unknown = Unknown(reason=f"SSEAlgorithm {algorithm!r} is not known")
        return DataStore(origin=origin, kind="object_storage", name=bucket, encrypted=unknown, algorithm=unknown,
                         key_management=unknown)
    key = _str(rule.get("KMSMasterKeyID"))
    managed: KeyManagement | Unknown = KeyManagement.PROVIDER
    if algorithm.startswith("aws:kms") and key and not is_aws_managed_key(key):
        # A bucket names a key only to use its own: the AWS managed aws/s3 key is the default.
        managed = KeyManagement.CUSTOMER
    return DataStore(origin=origin, kind="object_storage", name=bucket, encrypted=True, algorithm=algorithm,
                     key_bits=256, key_management=managed)


@dataclass(frozen=True)
class BlockPublicAccess:
    """S3 Block Public Access as it applies live; None where a setting could not be read.

    Only `IgnorePublicAcls` and `RestrictPublicBuckets` change what existing ACLs
    and policies grant: `BlockPublicAcls` and `BlockPublicPolicy` refuse new public
    ones and leave existing ones in force (the S3 API reference says so of both).
    """

    ignore_public_acls: bool | None = False
    restrict_public_buckets: bool | None = False

    @classmethod
    def unknown(cls) -> BlockPublicAccess:
        return cls(None, None)

    def __or__(self, other: BlockPublicAccess) -> BlockPublicAccess:
        """S3 applies the most restrictive combination of the bucket's and the account's settings."""
        def either(a: bool | None, b: bool | None) -> bool | None:
            if a is True or b is True:
                return True
            return None if a is None or b is None else False

        return BlockPublicAccess(either(self.ignore_public_acls, other.ignore_public_acls),
                                 either(self.restrict_public_buckets, other.restrict_public_buckets))

    def blocks(self, setting: bool | None, name: str) -> bool | Unknown:
        return setting if setting is not None else Unknown(
            reason=f"whether S3 Block Public Access ({name}) applies is not known: the bucket's or the "
                   "account's settings could not be read")


def block_public_access(response: Response | None) -> BlockPublicAccess:
    """GetPublicAccessBlock of a bucket (s3) or an account (s3control); None when there is no configuration."""
    config = response.get("PublicAccessBlockConfiguration") if response is not None else None
    if not isinstance(config, Mapping):
        return BlockPublicAccess()
    return BlockPublicAccess(config.get("IgnorePublicAcls") is True, config.get("RestrictPublicBuckets") is True)


def bucket_policy(bucket: str, response: Response | None, where: Where,
                  block: BlockPublicAccess | None = None) -> list[AccessGrant]:
    """GetBucketPolicy; None when the bucket has no policy. `block`: the bucket's and account's
    Block Public Access combined; a public statement it restricts is not public."""
    if response is None:
        return []
    origin = where.origin(bucket_arn(bucket, where), "AWS::S3::Bucket", "policy")
    grants = grants_from_policy(_document(response.get("Policy")), kind=GrantKind.RESOURCE_POLICY,
                                name=f"{bucket} bucket policy", origin=origin)
    block = block or BlockPublicAccess()
    return neutralised(grants, block.blocks(block.restrict_public_buckets, "RestrictPublicBuckets"))


def bucket_transport(bucket: str, response: Response | None, where: Where) -> TlsEndpoint:
    """GetBucketPolicy (None: no policy): S3 answers plain HTTP unless the policy denies requests
    without TLS (`aws:SecureTransport` false)."""
    denied = denies_insecure_transport(_document(response.get("Policy")) if response is not None else None)
    origin = where.origin(bucket_arn(bucket, where), "AWS::S3::Bucket", "secure_transport")
    plaintext: bool | Unknown = denied if isinstance(denied, Unknown) else not denied
    return TlsEndpoint(origin=origin, kind="object_storage", name=bucket, min_version=SERVICE_TLS_MINIMUM,
                       plaintext_allowed=plaintext)


def acls_disabled(response: Response | None) -> bool:
    """GetBucketOwnershipControls: `BucketOwnerEnforced` turns ACLs off (the default for buckets since 2023)."""
    controls = response.get("OwnershipControls") if response is not None else None
    rules = _items(controls.get("Rules")) if isinstance(controls, Mapping) else []
    return any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in rules)


def bucket_acl(bucket: str, response: Response, where: Where, block: BlockPublicAccess | None = None
               ) -> list[AccessGrant]:
    """GetBucketAcl: its grants to the AllUsers and AuthenticatedUsers groups (grants to accounts and to
    the log delivery group are not public), neutralised when IgnorePublicAcls applies."""
    arn = bucket_arn(bucket, where)
    grants = []
    for grant in _items(response.get("Grants")):
        grantee = grant.get("Grantee")
        uri = grantee.get("URI") if isinstance(grantee, Mapping) else None
        if isinstance(uri, str) and is_public_grantee(uri):
            group, permission = uri.rstrip("/").rsplit("/", 1)[-1], str(grant.get("Permission", "?"))
            grants.append(acl_grant(bucket=arn, grantee=uri, permissions=[permission],
                                    name=f"{bucket} ACL grant of {permission} to {group}",
                                    origin=where.origin(arn, "AWS::S3::Bucket", f"acl[{group}/{permission}]")))
    block = block or BlockPublicAccess()
    return neutralised(grants, block.blocks(block.ignore_public_acls, "IgnorePublicAcls"))


# -- IAM -----------------------------------------------------------------------------------------------


def _document(document: object) -> object:
    """boto3 decodes IAM documents into dicts; raw API answers carry them URL-encoded."""
    if isinstance(document, str) and document.lstrip().startswith("%"):
        return unquote(document)
    return document


def _inline(owner: str, owner_arn: str, resource_type: str, policies: Sequence[Mapping[str, Any]],
            where: Where) -> list[AccessGrant]:
    grants: list[AccessGrant] = []
    for p in policies:
        name = str(p.get("PolicyName", "?"))
        origin = where.origin(owner_arn, resource_type, f"inline[{name}]")
        grants += grants_from_policy(_document(p.get("PolicyDocument")), kind=GrantKind.IDENTITY_POLICY,
                                     name=f"{owner}/{name}", origin=origin)
    return grants


def _attachments(owner_arn: str, resource_type: str, attached: Sequence[Mapping[str, Any]],
                 where: Where) -> list[AccessGrant]:
    """Attached managed policies, as role assignments at account scope (identity policies hold account-wide):
    an AWS managed policy by its name (`AdministratorAccess`), a customer policy by its ARN, whose own
    statements are read from its document."""
    grants = []
    for a in attached:
        arn = str(a.get("PolicyArn", ""))
        role = managed_policy_name(arn) or arn
        grants.append(AccessGrant(origin=where.origin(owner_arn, resource_type, f"attached[{role}]"),
                                  kind=GrantKind.ROLE_ASSIGNMENT, name=f"{role} attached to {owner_arn}",
                                  effect=Access.ALLOW, principals=[owner_arn], role=role, scope=Scope.ACCOUNT))
    return grants


def _default_version(policy: Mapping[str, Any]) -> object:
    default = policy.get("DefaultVersionId")
    for version in _items(policy.get("PolicyVersionList")):
        if version.get("IsDefaultVersion") is True or (default and version.get("VersionId") == default):
            return version.get("Document")
    return Unknown(reason=f"the default version {default} of the policy is not in the response")


def authorization_details(page: Response, where: Where) -> list[AccessGrant]:
    """One page of GetAccountAuthorizationDetails (Filter User, Role, Group, LocalManagedPolicy).

    Customer-managed policies (their default version), the inline policies of
    users, groups and roles, role trust policies, and managed policy
    attachments (`AdministratorAccess` among them).
    """
    grants: list[AccessGrant] = []
    for p in _items(page.get("Policies")):
        arn = str(p.get("Arn", "?"))
        grants += grants_from_policy(_document(_default_version(p)), kind=GrantKind.IDENTITY_POLICY,
                                     name=str(p.get("PolicyName") or arn.rsplit("/", 1)[-1]),
                                     origin=where.origin(arn, "AWS::IAM::ManagedPolicy"))
    for role in _items(page.get("RoleDetailList")):
        name, arn = str(role.get("RoleName", "?")), str(role.get("Arn", "?"))
        grants += grants_from_policy(_document(role.get("AssumeRolePolicyDocument")), kind=GrantKind.TRUST_POLICY,
                                     name=f"{name} trust policy", origin=where.origin(arn, "AWS::IAM::Role", "trust"))
        grants += _inline(name, arn, "AWS::IAM::Role", _items(role.get("RolePolicyList")), where)
        grants += _attachments(arn, "AWS::IAM::Role", _items(role.get("AttachedManagedPolicies")), where)
    for user in _items(page.get("UserDetailList")):
        name, arn = str(user.get("UserName", "?")), str(user.get("Arn", "?"))
        grants += _inline(name, arn, "AWS::IAM::User", _items(user.get("UserPolicyList")), where)
        grants += _attachments(arn, "AWS::IAM::User", _items(user.get("AttachedManagedPolicies")), where)
    for group in _items(page.get("GroupDetailList")):
        name, arn = str(group.get("GroupName", "?")), str(group.get("Arn", "?"))
        grants += _inline(name, arn, "AWS::IAM::Group", _items(group.get("GroupPolicyList")), where)
        grants += _attachments(arn, "AWS::IAM::Group", _items(group.get("AttachedManagedPolicies")), where)
    return grants

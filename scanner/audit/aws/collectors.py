"""The AWS audit's boto3 calls: credentials, accounts, regions, and the read calls of each service.

Every call is a `Call` of the audit engine, made once per account, region,
operation (and resource, for per-bucket and per-load-balancer reads), on the
engine's threads. Only Describe*, Get* and List* operations are made, plus
sts:GetCallerIdentity and sts:AssumeRole to obtain credentials. Responses go
to the pure functions of `adapters`.

Credentials come from the standard boto3 chain (environment, profiles, SSO,
instance and container roles); `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`
are honoured by botocore itself.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import boto3  # type: ignore[import-untyped]
import botocore.session  # type: ignore[import-untyped]
from botocore import xform_name
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from botocore.loaders import create_loader  # type: ignore[import-untyped]
from botocore.parsers import ResponseParserError  # type: ignore[import-untyped]

from scanner import __version__
from scanner.audit.aws import adapters, network, services, sharing, stores
from scanner.audit.aws.adapters import BlockPublicAccess
from scanner.audit.engine import (
    DEFAULT_ATTEMPTS,
    DEFAULT_CALL_DEADLINE,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    GLOBAL,
    AuditResult,
    Call,
    Limits,
    Progress,
    remaining,
    run_audit,
)
from scanner.audit.shards import Shard
from scanner.model import SourceKind, Unknown

# botocore's failures: ClientError (the service said no), BotoCoreError (no credentials, no
# connection, bad parameters…) and ResponseParserError (an answer that is not the API's,
# such as an HTML error page), which derives from neither.
RECOVERABLE: tuple[type[BaseException], ...] = (ClientError, BotoCoreError, ResponseParserError)

# Error codes of a region that is not enabled for the account, or credentials it does not know.
_REGION_CODES = frozenset({"OptInRequired", "AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId"})
_THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                               "SlowDown", "RequestThrottled", "RequestThrottledException"})
# The calls every shard makes: how it finds the accounts and regions (scanner/audit/shards.py).
DISCOVERY = frozenset({("sts", "GetCallerIdentity"), ("sts", "AssumeRole"), ("organizations", "ListAccounts"),
                       ("ec2", "DescribeRegions")})
# Calls of one service in one account at once, where AWS's request quotas are lower than the engine's
# default (Organizations: a few requests per second per organization; IAM, STS and CloudFront: per account).
SERVICE_LIMITS = {"organizations": 1, "iam": 2, "cloudfront": 2, "sts": 4}
# Where global services live, by partition.
_HOME_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}

SessionFactory = Callable[..., Any]


class CallDeadlineExceeded(BotoCoreError):  # type: ignore[misc]
    """Raised before an attempt once the call's deadline has passed: botocore does not retry it."""

    fmt = "no further attempt: the call deadline has passed"


def _stop_at_deadline(**_: Any) -> None:
    """botocore's `before-send` event, before every attempt (retries included)."""
    if remaining() <= 0:
        raise CallDeadlineExceeded()


@dataclass(frozen=True)
class AwsAuditOptions:
    """What to audit and how. `regions` None: every region enabled in each account."""

    profiles: tuple[str, ...] = ()
    regions: tuple[str, ...] | None = None
    # A role ARN (it may contain `{account}`) or a role name (with an optional path), assumed in `accounts`.
    assume_role: str | None = None
    accounts: tuple[str, ...] = ()
    # Every active account of the organization (Organizations ListAccounts), through `assume_role`.
    organization: bool = False
    external_id: str | None = None
    role_session_name: str = "tenet-audit"
    workers: int = 16
    # Per request: attempts (the first included) and timeouts of each; per call: the deadline; and the audit's.
    max_attempts: int = DEFAULT_ATTEMPTS
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    call_deadline: float = DEFAULT_CALL_DEADLINE
    audit_timeout: float | None = None
    shard: Shard = field(default_factory=Shard)

    @property
    def limits(self) -> Limits:
        return Limits(connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
                      attempts=self.max_attempts, call_deadline=self.call_deadline,
                      audit_timeout=self.audit_timeout)

    def problems(self) -> list[str]:
        """Usage errors in the combination of options."""
        found = []
        if self.accounts and not self.assume_role:
            found.append("--accounts needs --assume-role: the role to assume in each account")
        if self.organization and not self.assume_role:
            found.append("--organization needs --assume-role: the role to assume in each member account")
        if self.organization and self.accounts:
            found.append("--organization and --accounts exclude each other: the organization names the accounts")
        if self.assume_role:
            role = self.assume_role
            if len(self.profiles) > 1:
                found.append("--assume-role takes at most one --profile: the credentials that assume the role")
            fixed = role.startswith("arn:") and "{account}" not in role
            if fixed and self.organization:
                found.append(f"--assume-role {role} names one account; use {{account}} in the ARN, "
                             "or a role name, to assume it in every account of the organization")
            if not self.accounts and not fixed and not self.organization:
                found.append("--assume-role with a role name or an {account} ARN needs --accounts")
            if fixed and self.accounts and any(a != _arn_account(role) for a in self.accounts):
                found.append(f"--assume-role {role} names one account; use {{account}} in the ARN, "
                             "or a role name, to assume it in every account of --accounts")
        if self.regions is not None and not self.regions:
            found.append("--regions is empty")
        return found


def explain(exc: BaseException) -> tuple[str, str]:
    """The error code and message of a botocore failure, for the audit's error list."""
    if isinstance(exc, ClientError):
        response = exc.response if isinstance(exc.response, Mapping) else {}
        error = response.get("Error", {})
        meta = response.get("ResponseMetadata", {})
        code = str(error.get("Code") or meta.get("HTTPStatusCode") or "ClientError")
        message = str(error.get("Message") or exc)
        if message.lstrip().startswith("<"):
            # An HTML error page (an endpoint or emulator that does not serve the action): its title only.
            title = re.search(r"<title>([^<]*)</title>", message, re.IGNORECASE)
            message = (f"the endpoint answered an HTML page ({title.group(1).strip() if title else 'no title'}), "
                       "not the API's answer: does it serve this operation?")
        if code in _REGION_CODES:
            message += " (is the region enabled for this account?)"
        elif code in _THROTTLING_CODES:
            message += f" (still throttled after {int(meta.get('RetryAttempts', 0)) + 1} attempts)"
        return code, message
    if isinstance(exc, ResponseParserError):
        # moto answers unimplemented actions with an HTML page; keep the report readable.
        first = str(exc).splitlines()[0] if str(exc) else ""
        return "ResponseParserError", f"the answer could not be parsed: {first}"
    return type(exc).__name__, str(exc)


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _arn_partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 5 and parts[1] else "aws"


def role_arn(role: str, account: str, partition: str) -> str:
    """`--assume-role` for one account: an ARN (with `{account}` filled in) or a role name."""
    if "{account}" in role:
        return role.replace("{account}", account)
    if role.startswith("arn:"):
        return role
    return f"arn:{partition}:iam::{account}:role/{role.strip('/')}"


class _Account:
    """Credentials for one account and the clients made from them, one per service and region."""

    def __init__(self, session: Any, account: str, partition: str, options: AwsAuditOptions) -> None:
        self.session = session
        self.account = account
        self.partition = partition
        self.options = options
        self.home = _HOME_REGIONS.get(partition, "us-east-1")
        self.config = Config(
            # `total_max_attempts` counts the first attempt; botocore reads `max_attempts` as retries.
            # Adaptive: on throttling, the client also slows its own request rate (a token bucket), so
            # an account's quota slows the audit down instead of failing its calls.
            retries={"mode": "adaptive", "total_max_attempts": options.max_attempts},
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            max_pool_connections=max(10, options.workers),
            user_agent_extra=f"tenet/{__version__}",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._regions: dict[str, frozenset[str]] = {}
        # boto3 sessions are not thread-safe; clients are, once made.
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        region = self.home if region == GLOBAL else region
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = self.session.client(service, region_name=region, config=self.config)
                if service == "s3control":
                    client.meta.events.register("before-sign.s3-control", _no_host_prefix_on_addresses)
                client.meta.events.register("before-send", _stop_at_deadline)
                self._clients[(service, region)] = client
        return client

    def serves(self, service: str, region: str) -> bool:
        """Whether the service has an endpoint in the region (botocore's partition data): MemoryDB, for one,
        is absent from several regions, where a call could only fail. A region newer than that data (EC2,
        present in every region, does not list it) and an unknown service are assumed served."""
        if region == GLOBAL:
            return True
        with self._lock:
            for name in (service, "ec2"):
                if name not in self._regions:
                    self._regions[name] = frozenset(self.session.get_available_regions(
                        name, partition_name=self.partition))
            regions, known = self._regions[service], self._regions["ec2"]
        return not regions or region not in known or region in regions

    def where(self, region: str) -> adapters.Where:
        return adapters.Where(self.account, None if region == GLOBAL else region, self.partition)

    def call(self, region: str, service: str, operation: str, run: Callable[[], Iterable[Any]],
             target: str = "") -> Call:
        return Call(self.account, region, service, operation, run, target)

    def pages(self, region: str, service: str, operation: str, **params: Any) -> Iterator[Mapping[str, Any]]:
        """Every page of a read call, through botocore's paginator when the operation has one."""
        client = self.client(service, region)
        name = xform_name(operation)
        if client.can_paginate(name):
            yield from client.get_paginator(name).paginate(**params)
        else:
            yield getattr(client, name)(**params)


def _no_host_prefix_on_addresses(request: Any, **_: Any) -> None:
    """S3 Control puts the account id in front of the host (`123456789012.s3-control…`). An endpoint
    given as an IP address or localhost (AWS_ENDPOINT_URL for a private cloud or a local emulator) cannot take
    that prefix; the account id also travels in the x-amz-account-id header, so it is dropped."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    rest = host.partition(".")[2]
    if rest != "localhost":
        try:
            ipaddress.ip_address(rest)
        except ValueError:
            return
    request.url = urlunsplit(parts._replace(netloc=parts.netloc.replace(host, rest, 1)))


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# -- Per account -----------------------------------------------------------------------------------------


def _account_calls(acct: _Account, regions: Sequence[str] | None) -> Iterator[Call]:
    yield acct.call(GLOBAL, "iam", "GetAccountAuthorizationDetails", partial(_iam, acct))
    yield acct.call(GLOBAL, "cloudfront", "ListDistributions", partial(_cloudfront, acct))
    yield acct.call(GLOBAL, "s3control", "GetPublicAccessBlock", partial(_account_block, acct, regions))
    if regions is None:
        home = acct.session.region_name or acct.home
        yield acct.call(home, "ec2", "DescribeRegions", partial(_enabled_regions, acct, home))
    else:
        for region in regions:
            yield from _region_calls(acct, region)


def _enabled_regions(acct: _Account, home: str) -> Iterator[Call]:
    """The regions enabled for the account: opt-in regions it has not opted into are left out."""
    answer = acct.client("ec2", home).describe_regions()
    for region in sorted(r["RegionName"] for r in answer.get("Regions", [])
                         if r.get("RegionName") and r.get("OptInStatus") != "not-opted-in"):
        yield from _region_calls(acct, region)


def _iam(acct: _Account) -> Iterator[Any]:
    where = acct.where(GLOBAL)
    for page in acct.pages(GLOBAL, "iam", "GetAccountAuthorizationDetails",
                           Filter=["User", "Role", "Group", "LocalManagedPolicy"]):
        yield from adapters.authorization_details(page, where)


def _cloudfront(acct: _Account) -> Iterator[Any]:
    where = acct.where(GLOBAL)
    for page in acct.pages(GLOBAL, "cloudfront", "ListDistributions"):
        yield from adapters.distributions(page, where)


# -- S3 ------------------------------------------------------------------------------------------------


def _account_block(acct: _Account, regions: Sequence[str] | None) -> Iterator[Call]:
    """The account's Block Public Access, which every bucket's policy and ACL are judged with.

    When it cannot be read, buckets are still read: whether it neutralises a
    public policy is then unknown, and the failure is recorded.
    """
    try:
        answer = acct.client("s3control", GLOBAL).get_public_access_block(AccountId=acct.account)
    except RECOVERABLE as exc:
        if not (isinstance(exc, ClientError) and _error_code(exc) == "NoSuchPublicAccessBlockConfiguration"):
            yield acct.call(GLOBAL, "s3", "ListBuckets", partial(_buckets, acct, regions, BlockPublicAccess.unknown()))
            raise
        answer = None
    block = adapters.block_public_access(answer)
    yield acct.call(GLOBAL, "s3", "ListBuckets", partial(_buckets, acct, regions, block))


def _buckets(acct: _Account, regions: Sequence[str] | None, account_block: BlockPublicAccess) -> Iterator[Call]:
    for page in acct.pages(GLOBAL, "s3", "ListBuckets"):
        for bucket in page.get("Buckets", []):
            name = bucket.get("Name")
            if not name:
                continue
            region = adapters.bucket_region(bucket, None)
            if region is None:
                yield acct.call(GLOBAL, "s3", "GetBucketLocation",
                                partial(_locate, acct, bucket, regions, account_block), target=name)
            else:
                yield from _bucket_calls(acct, name, region, regions, account_block)


def _locate(acct: _Account, bucket: Mapping[str, Any], regions: Sequence[str] | None,
            account_block: BlockPublicAccess) -> Iterator[Call]:
    location = acct.client("s3", GLOBAL).get_bucket_location(Bucket=bucket["Name"])
    region = adapters.bucket_region(bucket, location) or acct.home
    yield from _bucket_calls(acct, bucket["Name"], region, regions, account_block)


def _bucket_calls(acct: _Account, name: str, region: str, regions: Sequence[str] | None,
                  account_block: BlockPublicAccess) -> Iterator[Call]:
    # Buckets are regional: --regions narrows them like every other regional resource.
    if regions is not None and region not in regions:
        return
    yield acct.call(region, "s3", "GetBucketEncryption", partial(_bucket_encryption, acct, name, region), target=name)
    yield acct.call(region, "s3", "GetPublicAccessBlock", partial(_bucket_block, acct, name, region, account_block),
                    target=name)


def _bucket_block(acct: _Account, name: str, region: str, account_block: BlockPublicAccess) -> Iterator[Call]:
    """The bucket's Block Public Access, combined with the account's, before its policy and ACL are judged."""
    try:
        answer = acct.client("s3", region).get_public_access_block(Bucket=name)
    except ClientError as exc:
        if _error_code(exc) != "NoSuchPublicAccessBlockConfiguration":
            yield from _bucket_access_calls(acct, name, region, BlockPublicAccess.unknown() | account_block)
            raise
        answer = None
    yield from _bucket_access_calls(acct, name, region, adapters.block_public_access(answer) | account_block)


def _bucket_access_calls(acct: _Account, name: str, region: str, block: BlockPublicAccess) -> Iterator[Call]:
    yield acct.call(region, "s3", "GetBucketPolicy", partial(_bucket_policy, acct, name, region, block), target=name)
    yield acct.call(region, "s3", "GetBucketOwnershipControls", partial(_bucket_ownership, acct, name, region, block),
                    target=name)


def _bucket_ownership(acct: _Account, name: str, region: str, block: BlockPublicAccess) -> Iterator[Call]:
    """With `BucketOwnerEnforced` the bucket's ACLs are off: they are not read."""
    try:
        answer = acct.client("s3", region).get_bucket_ownership_controls(Bucket=name)
    except ClientError as exc:
        if _error_code(exc) != "OwnershipControlsNotFoundError":
            yield acct.call(region, "s3", "GetBucketAcl", partial(_bucket_acl, acct, name, region, block), target=name)
            raise
        answer = None
    if not adapters.acls_disabled(answer):
        yield acct.call(region, "s3", "GetBucketAcl", partial(_bucket_acl, acct, name, region, block), target=name)


def _bucket_acl(acct: _Account, name: str, region: str, block: BlockPublicAccess) -> Iterator[Any]:
    answer = acct.client("s3", region).get_bucket_acl(Bucket=name)
    yield from adapters.bucket_acl(name, answer, acct.where(region), block)


def _bucket_encryption(acct: _Account, name: str, region: str) -> Iterator[Any]:
    try:
        answer = acct.client("s3", region).get_bucket_encryption(Bucket=name)
    except ClientError as exc:
        if _error_code(exc) != "ServerSideEncryptionConfigurationNotFoundError":
            raise
        answer = None  # no configuration: SSE-S3 applies
    yield adapters.bucket_encryption(name, answer, acct.where(region))


def _bucket_policy(acct: _Account, name: str, region: str, block: BlockPublicAccess) -> Iterator[Any]:
    try:
        answer = acct.client("s3", region).get_bucket_policy(Bucket=name)
    except ClientError as exc:
        if _error_code(exc) != "NoSuchBucketPolicy":
            raise
        answer = None
    yield adapters.bucket_transport(name, answer, acct.where(region))
    yield from adapters.bucket_policy(name, answer, acct.where(region), block)


# -- Per region ----------------------------------------------------------------------------------------


def _served(acct: _Account, calls: Iterable[Call]) -> Iterator[Call]:
    return (call for call in calls if acct.serves(call.service, call.region))


def _region_calls(acct: _Account, region: str) -> Iterator[Call]:
    yield from _served(acct, _every_region_call(acct, region))


def _every_region_call(acct: _Account, region: str) -> Iterator[Call]:
    yield acct.call(region, "ec2", "DescribeSecurityGroups", partial(_security_groups, acct, region))
    yield acct.call(region, "ec2", "DescribeNetworkAcls", partial(_listing, acct, region, "ec2", "DescribeNetworkAcls",
                                                                  network.network_acls))
    yield acct.call(region, "elbv2", "DescribeLoadBalancers", partial(_load_balancers, acct, region))
    yield acct.call(region, "elb", "DescribeLoadBalancers", partial(_classic_load_balancers, acct, region))
    yield acct.call(region, "eks", "ListClusters", partial(_eks_clusters, acct, region))
    yield acct.call(region, "apigateway", "GetDomainNames", partial(_listing, acct, region, "apigateway",
                                                                    "GetDomainNames", adapters.api_domains))
    yield acct.call(region, "apigatewayv2", "GetDomainNames", partial(
        _listing, acct, region, "apigatewayv2", "GetDomainNames", partial(adapters.api_domains, version2=True)))
    yield acct.call(region, "ec2", "DescribeImages", partial(_listing, acct, region, "ec2", "DescribeImages",
                                                             sharing.images, Owners=["self"]))
    yield acct.call(region, "kms", "ListAliases", partial(_key_aliases, acct, region))
    yield acct.call(region, "apigateway", "GetRestApis", partial(_rest_apis, acct, region))
    yield acct.call(region, "logs", "DescribeResourcePolicies", partial(
        _listing, acct, region, "logs", "DescribeResourcePolicies", services.log_resource_policies))
    yield acct.call(region, "logs", "DescribeDestinations", partial(
        _listing, acct, region, "logs", "DescribeDestinations", services.log_destinations))
    yield acct.call(region, "dms", "DescribeEndpoints", partial(_listing, acct, region, "dms", "DescribeEndpoints",
                                                                services.dms_endpoints))
    yield acct.call(region, "dms", "DescribeReplicationInstances", partial(_dms_instances, acct, region))
    yield acct.call(region, "ecs", "ListTaskDefinitionFamilies", partial(_task_definitions, acct, region))
    yield acct.call(region, "glue", "GetResourcePolicy", partial(
        _resource_policy, acct, region, "glue", "GetResourcePolicy", {}, "PolicyInJson", ("EntityNotFoundException",),
        acct.where(region).arn("glue", "catalog"), "AWS::Glue::ResourcePolicy", "Glue Data Catalog resource policy"))
    yield acct.call(region, "glacier", "ListVaults", partial(_glacier_vaults, acct, region))
    yield acct.call(region, "sesv2", "ListEmailIdentities", partial(_email_identities, acct, region))
    yield acct.call(region, "sso-admin", "ListInstances", partial(_identity_center, acct, region))


def _listing(acct: _Account, region: str, service: str, operation: str, adapt: Callable[..., Iterable[Any]],
             **params: Any) -> Iterator[Any]:
    """A listing whose pages adapt straight into the model: one call for a service with nothing in the region."""
    where = acct.where(region)
    for page in acct.pages(region, service, operation, **params):
        yield from adapt(page, where)


def _functions(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Any]:
    """Functions' environment variables at rest; their resource policies and URLs."""
    for page in acct.pages(region, "lambda", "ListFunctions"):
        yield from services.function_environments(page, acct.where(region), managed)
        for function in page.get("Functions", []):
            name, arn = function.get("FunctionName"), function.get("FunctionArn")
            if not (name and arn):
                continue
            yield acct.call(region, "lambda", "GetPolicy", partial(
                _resource_policy, acct, region, "lambda", "GetPolicy", {"FunctionName": name}, "Policy",
                ("ResourceNotFoundException",), arn, "AWS::Lambda::Function", f"{name} function policy"), target=arn)
            yield acct.call(region, "lambda", "ListFunctionUrlConfigs", partial(_function_urls, acct, region, name),
                            target=arn)


def _function_urls(acct: _Account, region: str, name: str) -> Iterator[Any]:
    """The function's URLs (its own and its aliases'). An endpoint that does not serve ListFunctionUrlConfigs
    (an emulator answering 404) is asked GetFunctionUrlConfig, the function's own URL."""
    where = acct.where(region)
    client = acct.client("lambda", region)
    try:
        for page in acct.pages(region, "lambda", "ListFunctionUrlConfigs", FunctionName=name):
            yield from sharing.function_urls(page, where)
    except (ClientError, ResponseParserError) as exc:
        if isinstance(exc, ClientError) and _error_code(exc) not in ("404", "NotFound", "UnknownOperationException"):
            raise
        own = _optional(lambda: client.get_function_url_config(FunctionName=name), "ResourceNotFoundException")
        if own is not None:
            yield from sharing.function_url(own, where)


def _eks_clusters(acct: _Account, region: str) -> Iterator[Call]:
    for page in acct.pages(region, "eks", "ListClusters"):
        for name in page.get("clusters", []):
            yield acct.call(region, "eks", "DescribeCluster", partial(_eks_cluster, acct, region, name), target=name)


def _eks_cluster(acct: _Account, region: str, name: str) -> Iterator[Any]:
    endpoint = network.eks_cluster(acct.client("eks", region).describe_cluster(name=name), acct.where(region))
    if endpoint is not None:
        yield endpoint


def _classic_load_balancers(acct: _Account, region: str) -> Iterator[Any]:
    """Classic load balancers; the SSL negotiation policies are read only for those with HTTPS or SSL listeners."""
    where = acct.where(region)
    for page in acct.pages(region, "elb", "DescribeLoadBalancers"):
        for lb in page.get("LoadBalancerDescriptions", []):
            secure = any(str(d.get("Listener", {}).get("Protocol", "")).upper() in ("HTTPS", "SSL")
                         for d in lb.get("ListenerDescriptions", []))
            if secure and lb.get("LoadBalancerName"):
                yield acct.call(region, "elb", "DescribeLoadBalancerPolicies",
                                partial(_classic_policies, acct, region, lb), target=lb["LoadBalancerName"])
            else:
                yield from network.classic_listeners(lb, {}, where)


def _classic_policies(acct: _Account, region: str, lb: Mapping[str, Any]) -> Iterator[Any]:
    answer = acct.client("elb", region).describe_load_balancer_policies(LoadBalancerName=lb["LoadBalancerName"])
    policies = {str(p.get("PolicyName")): p for p in answer.get("PolicyDescriptions", [])}
    yield from network.classic_listeners(lb, policies, acct.where(region))


def _security_groups(acct: _Account, region: str) -> Iterator[Any]:
    where = acct.where(region)
    for page in acct.pages(region, "ec2", "DescribeSecurityGroups"):
        yield from adapters.security_groups(page, where)


def _load_balancers(acct: _Account, region: str) -> Iterator[Call]:
    for page in acct.pages(region, "elbv2", "DescribeLoadBalancers"):
        for lb in page.get("LoadBalancers", []):
            arn = lb.get("LoadBalancerArn")
            if arn:
                name = lb.get("LoadBalancerName") or arn
                yield acct.call(region, "elbv2", "DescribeListeners", partial(_listeners, acct, region, arn, name),
                                target=arn)


def _listeners(acct: _Account, region: str, arn: str, name: str) -> Iterator[Any]:
    where = acct.where(region)
    for page in acct.pages(region, "elbv2", "DescribeListeners", LoadBalancerArn=arn):
        for item in page.get("Listeners", []):
            if adapters.needs_rules(item) and item.get("ListenerArn"):
                yield acct.call(region, "elbv2", "DescribeRules", partial(_listener_rules, acct, region, item, name),
                                target=item["ListenerArn"])
            elif (endpoint := adapters.listener(item, where, name)) is not None:
                yield endpoint


def _listener_rules(acct: _Account, region: str, item: Mapping[str, Any], name: str) -> Iterator[Any]:
    """The rules of an HTTP listener that redirects to HTTPS: one of them may still forward plaintext."""
    rules = [r for page in acct.pages(region, "elbv2", "DescribeRules", ListenerArn=item["ListenerArn"])
             for r in page.get("Rules", [])]
    endpoint = adapters.listener(item, acct.where(region), name, rules)
    if endpoint is not None:
        yield endpoint


def _key_aliases(acct: _Account, region: str) -> Iterator[Call]:
    """Which keys are AWS managed decides the key management of volumes and databases read next.

    When the aliases cannot be read, the stores are still read (their key
    management is then unknown) and the failure is recorded.
    """
    try:
        managed: frozenset[str] | None = adapters.aws_managed_key_ids(acct.pages(region, "kms", "ListAliases"))
    except RECOVERABLE:
        yield from _store_calls(acct, region, None)
        raise
    yield from _store_calls(acct, region, managed)


# Stores whose listing is the whole reading: service, operation, adapter, parameters.
_STORE_LISTINGS: list[tuple[str, str, Callable[..., Iterable[Any]], dict[str, Any]]] = [
    ("logs", "DescribeLogGroups", stores.log_groups, {}),
    ("workspaces", "DescribeWorkspaces", services.workspaces, {}),
    ("fsx", "DescribeFileSystems", services.fsx_file_systems, {}),
    ("dax", "DescribeClusters", services.dax_clusters, {}),
    ("glue", "GetSecurityConfigurations", services.glue_security_configurations, {}),
    ("cloudtrail", "DescribeTrails", stores.trails, {"includeShadowTrails": False}),
    ("elasticache", "DescribeReplicationGroups", stores.elasticache_groups, {}),
    ("memorydb", "DescribeClusters", stores.memorydb_clusters, {}),
    ("kafka", "ListClustersV2", stores.msk_clusters, {"ClusterTypeFilter": "PROVISIONED"}),
]


def _store_calls(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Call]:
    yield from _served(acct, _every_store_call(acct, region, managed))


def _every_store_call(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Call]:
    yield acct.call(region, "ec2", "DescribeVolumes", partial(_stores, acct, region, "ec2", "DescribeVolumes",
                                                              adapters.volumes, managed))
    yield acct.call(region, "rds", "DescribeDBClusters", partial(_db_clusters, acct, region, managed))
    yield acct.call(region, "rds", "DescribeDBInstances", partial(_db_instances, acct, region, managed))
    yield acct.call(region, "rds", "DescribeDBSnapshots", partial(
        _db_snapshots, acct, region, managed, "DescribeDBSnapshots", "DBSnapshots", "DBSnapshotIdentifier",
        "DBSnapshotArn", "DescribeDBSnapshotAttributes", sharing.db_snapshots))
    yield acct.call(region, "rds", "DescribeDBClusterSnapshots", partial(
        _db_snapshots, acct, region, managed, "DescribeDBClusterSnapshots", "DBClusterSnapshots",
        "DBClusterSnapshotIdentifier", "DBClusterSnapshotArn", "DescribeDBClusterSnapshotAttributes",
        sharing.db_cluster_snapshots))
    yield acct.call(region, "ec2", "DescribeSnapshots", partial(_ebs_snapshots, acct, region, managed))
    yield acct.call(region, "ec2", "GetEbsEncryptionByDefault", partial(_ebs_default, acct, region, managed))
    for service, operation, adapt, params in _STORE_LISTINGS:
        yield acct.call(region, service, operation, partial(_stores, acct, region, service, operation, adapt, managed,
                                                            **params))
    # Listings followed by a read per resource: one call for a service with nothing in the region.
    for listing in (_ECR_REPOSITORIES, _SECRETS, _EFS_FILE_SYSTEMS):
        yield acct.call(region, listing.service, listing.operation,
                        partial(_with_policies, acct, region, managed, listing))
    yield acct.call(region, "sqs", "ListQueues", partial(_queues, acct, region, managed))
    yield acct.call(region, "sns", "ListTopics", partial(_topics, acct, region, managed))
    yield acct.call(region, "opensearch", "ListDomainNames", partial(_search_domains, acct, region, managed))
    yield acct.call(region, "dynamodb", "ListTables", partial(
        _each, acct, region, managed, "dynamodb", "ListTables", "TableNames", "DescribeTable", "TableName",
        stores.dynamodb_table))
    yield acct.call(region, "kinesis", "ListStreams", partial(
        _each, acct, region, managed, "kinesis", "ListStreams", "StreamNames", "DescribeStreamSummary", "StreamName",
        stores.kinesis_stream))
    yield acct.call(region, "firehose", "ListDeliveryStreams", partial(
        _each, acct, region, managed, "firehose", "ListDeliveryStreams", "DeliveryStreamNames",
        "DescribeDeliveryStream", "DeliveryStreamName", stores.firehose_stream))
    yield acct.call(region, "redshift", "DescribeClusters", partial(_redshift, acct, region, managed))
    yield acct.call(region, "lambda", "ListFunctions", partial(_functions, acct, region, managed))
    yield acct.call(region, "backup", "ListBackupVaults", partial(
        _with_policies, acct, region, managed, _BACKUP_VAULTS))
    yield acct.call(region, "glue", "GetDatabases", partial(_glue_catalog, acct, region, managed))
    yield acct.call(region, "athena", "ListWorkGroups", partial(
        _each, acct, region, managed, "athena", "ListWorkGroups", "WorkGroups", "GetWorkGroup", "WorkGroup",
        services.athena_workgroup, field="Name"))
    yield acct.call(region, "mq", "ListBrokers", partial(
        _each, acct, region, managed, "mq", "ListBrokers", "BrokerSummaries", "DescribeBroker", "BrokerId",
        services.mq_broker, field="BrokerId"))
    yield acct.call(region, "sagemaker", "ListNotebookInstances", partial(
        _each, acct, region, managed, "sagemaker", "ListNotebookInstances", "NotebookInstances",
        "DescribeNotebookInstance", "NotebookInstanceName", services.notebook_instance, field="NotebookInstanceName"))
    yield acct.call(region, "sagemaker", "ListEndpointConfigs", partial(
        _each, acct, region, managed, "sagemaker", "ListEndpointConfigs", "EndpointConfigs", "DescribeEndpointConfig",
        "EndpointConfigName", services.endpoint_config, field="EndpointConfigName"))
    yield acct.call(region, "codebuild", "ListProjects", partial(_codebuild_projects, acct, region, managed))
    if managed is not None:
        yield acct.call(region, "kms", "ListKeys", partial(_key_policies, acct, region, managed))


def _redshift(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Any]:
    """Clusters at rest; a publicly accessible one behind its security groups; the parameter groups in use."""
    where = acct.where(region)
    for page in acct.pages(region, "redshift", "DescribeClusters"):
        yield from stores.redshift_clusters(page, where, managed)
        for cluster in page.get("Clusters", []):
            name = str(cluster.get("ClusterIdentifier", "?"))
            arn = where.arn("redshift", f"cluster:{name}")
            if cluster.get("PubliclyAccessible") is True:
                groups = [g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])
                          if g.get("VpcSecurityGroupId")]
                origin = where.origin(arn, "AWS::Redshift::Cluster", "publicly_accessible")
                yield acct.call(region, "ec2", "DescribeSecurityGroups", partial(
                    _public_database, acct, region, origin, name, (cluster.get("Endpoint") or {}).get("Port"),
                    groups), target=arn)
            for group in cluster.get("ClusterParameterGroups", []):
                if group.get("ParameterGroupName"):
                    yield acct.call(region, "redshift", "DescribeClusterParameters", partial(
                        _parameters, acct, region, "redshift", "DescribeClusterParameters",
                        {"ParameterGroupName": group["ParameterGroupName"]}, "redshift",
                        where.origin(where.arn("redshift", f"parametergroup:{group['ParameterGroupName']}"),
                                     "AWS::Redshift::ClusterParameterGroup", "require_ssl"),
                        group["ParameterGroupName"]), target=group["ParameterGroupName"])


def _parameters(acct: _Account, region: str, service: str, operation: str, params: Mapping[str, Any], family: str,
                origin: Any, name: str) -> Iterator[Any]:
    """Every parameter of a group in use, judged on the one that makes the engine refuse plaintext."""
    found = [p for page in acct.pages(region, service, operation, **params) for p in page.get("Parameters", [])]
    endpoint = stores.parameter_group_tls(found, family, origin, name)
    if endpoint is not None:
        yield endpoint


def _db_parameter_group(acct: _Account, region: str, cluster: bool, name: str, engine_family: str
                        ) -> Iterator[Any]:
    """A DB (or DB cluster) parameter group in use: its family decides which parameter matters.

    A default group an endpoint does not describe (an emulator) holds the engine's defaults.
    """
    kind = "DBClusterParameterGroup" if cluster else "DBParameterGroup"
    where = acct.where(region)
    arn = where.arn("rds", f"{'cluster-pg' if cluster else 'pg'}:{name}")
    origin = where.origin(arn, f"AWS::RDS::{kind}", "tls")
    try:
        answer = getattr(acct.client("rds", region), xform_name(f"Describe{kind}s"))(**{f"{kind}Name": name})
    except ClientError as exc:
        if not (name.startswith("default.") and _error_code(exc).endswith("NotFound")):
            raise
        endpoint = stores.parameter_group_tls([], engine_family, origin, name)
        if endpoint is not None:
            yield endpoint
        return
    groups = answer.get(f"{kind}s", [])
    if not groups:
        return
    family = str(groups[0].get(f"{kind}Family", ""))
    origin = where.origin(groups[0].get(f"{kind}Arn") or arn, f"AWS::RDS::{kind}", "tls")
    operation = "DescribeDBClusterParameters" if cluster else "DescribeDBParameters"
    yield acct.call(region, "rds", operation, partial(
        _parameters, acct, region, "rds", operation, {f"{kind}Name": name}, family, origin, name), target=name)


def _engine_family(db: Mapping[str, Any]) -> str:
    """`postgres16` from engine and version: the parameter family a default group belongs to."""
    engine, version = str(db.get("Engine", "")), str(db.get("EngineVersion", ""))
    major = version.split(".", 1)[0]
    return f"{engine}{major}" if engine == "postgres" and major.isdigit() else engine


def _optional(read: Callable[[], Any], *absent: str) -> Any:
    """A read whose "there is none" answer is an error code (no policy, no URL): None then."""
    try:
        return read()
    except ClientError as exc:
        if _error_code(exc) in absent:
            return None
        raise


def _each(acct: _Account, region: str, managed: frozenset[str] | None, service: str, listing: str, key: str,
          operation: str, param: str, adapt: Callable[..., Any], field: str | None = None) -> Iterator[Call]:
    """A listing of names (or of items whose `field` is the name), then one describing read per name."""
    for page in acct.pages(region, service, listing):
        for item in page.get(key, []):
            name = item.get(field) if field is not None else item
            if not name:
                continue
            yield acct.call(region, service, operation, partial(_describe, acct, region, managed, service, operation,
                                                                param, name, adapt), target=name)


def _describe(acct: _Account, region: str, managed: frozenset[str] | None, service: str, operation: str,
              param: str, name: str, adapt: Callable[..., Any]) -> Iterator[Any]:
    answer = getattr(acct.client(service, region), xform_name(operation))(**{param: name})
    found = adapt(answer, acct.where(region), managed)
    if isinstance(found, list):
        yield from found
    elif found is not None:
        yield found


def _resource_policy(acct: _Account, region: str, service: str, operation: str, params: Mapping[str, Any],
                     key: str, absent: tuple[str, ...], arn: str, resource_type: str, name: str) -> Iterator[Any]:
    answer = _optional(lambda: getattr(acct.client(service, region), xform_name(operation))(**params), *absent)
    if answer is not None and answer.get(key):
        yield from sharing.resource_policy(answer[key], arn=arn, resource_type=resource_type, name=name,
                                           where=acct.where(region))


class _PolicyListing(NamedTuple):
    """A listing whose resources each have a resource policy, read by one call per resource."""

    service: str
    operation: str
    items: str  # the page's list of resources
    adapt: Callable[..., Iterable[Any]]  # the page's resources at rest
    policy_operation: str
    param: str  # the policy request's parameter naming the resource
    ident: str  # the item's field that param takes
    arn: str  # the item's field holding its ARN
    key: str  # the answer's field holding the policy document
    absent: tuple[str, ...]  # error codes that mean "no policy"
    resource_type: str
    label: str  # "{} … policy", filled from the item's `label_field` (default: `ident`)
    label_field: str = ""


_ECR_REPOSITORIES = _PolicyListing(
    "ecr", "DescribeRepositories", "repositories", stores.ecr_repositories, "GetRepositoryPolicy", "repositoryName",
    "repositoryName", "repositoryArn", "policyText", ("RepositoryPolicyNotFoundException",), "AWS::ECR::Repository",
    "{} repository policy")
_SECRETS = _PolicyListing(
    "secretsmanager", "ListSecrets", "SecretList", stores.secrets, "GetResourcePolicy", "SecretId", "ARN", "ARN",
    "ResourcePolicy", (), "AWS::SecretsManager::Secret", "{} secret policy", label_field="Name")
_EFS_FILE_SYSTEMS = _PolicyListing(
    "efs", "DescribeFileSystems", "FileSystems", stores.efs_file_systems, "DescribeFileSystemPolicy", "FileSystemId",
    "FileSystemId", "FileSystemArn", "Policy", ("PolicyNotFound",), "AWS::EFS::FileSystem", "{} file system policy")
_BACKUP_VAULTS = _PolicyListing(
    "backup", "ListBackupVaults", "BackupVaultList", stores.backup_vaults, "GetBackupVaultAccessPolicy",
    "BackupVaultName", "BackupVaultName", "BackupVaultArn", "Policy", ("ResourceNotFoundException",),
    "AWS::Backup::BackupVault", "{} vault access policy")


def _with_policies(acct: _Account, region: str, managed: frozenset[str] | None,
                   listing: _PolicyListing) -> Iterator[Any]:
    """The listing's resources at rest, and a call per resource for its resource policy."""
    where = acct.where(region)
    for page in acct.pages(region, listing.service, listing.operation):
        yield from listing.adapt(page, where, managed)
        for item in page.get(listing.items, []):
            ident, arn = item.get(listing.ident), item.get(listing.arn)
            if ident and arn:
                name = listing.label.format(item.get(listing.label_field or listing.ident))
                yield acct.call(region, listing.service, listing.policy_operation, partial(
                    _resource_policy, acct, region, listing.service, listing.policy_operation,
                    {listing.param: ident}, listing.key, listing.absent, arn, listing.resource_type, name),
                    target=arn)


def _queues(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Call]:
    for page in acct.pages(region, "sqs", "ListQueues"):
        for url in page.get("QueueUrls", []):
            yield acct.call(region, "sqs", "GetQueueAttributes", partial(_queue, acct, region, managed, url),
                            target=url)


def _queue(acct: _Account, region: str, managed: frozenset[str] | None, url: str) -> Iterator[Any]:
    where = acct.where(region)
    attributes = acct.client("sqs", region).get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    attributes = attributes.get("Attributes", {})
    store = stores.sqs_queue(attributes, url, where, managed)
    yield store
    if attributes.get("Policy"):
        yield from sharing.resource_policy(attributes["Policy"], arn=store.origin.resource,
                                           resource_type="AWS::SQS::Queue", name=f"{store.name} queue policy",
                                           where=where)


def _topics(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Call]:
    for page in acct.pages(region, "sns", "ListTopics"):
        for topic in page.get("Topics", []):
            if topic.get("TopicArn"):
                arn = topic["TopicArn"]
                yield acct.call(region, "sns", "GetTopicAttributes", partial(_topic, acct, region, managed, arn),
                                target=arn)


def _topic(acct: _Account, region: str, managed: frozenset[str] | None, arn: str) -> Iterator[Any]:
    where = acct.where(region)
    attributes = acct.client("sns", region).get_topic_attributes(TopicArn=arn).get("Attributes", {})
    yield stores.sns_topic(attributes, arn, where, managed)
    if attributes.get("Policy"):
        yield from sharing.resource_policy(attributes["Policy"], arn=arn, resource_type="AWS::SNS::Topic",
                                           name=f"{arn.rsplit(':', 1)[-1]} topic policy", where=where)


def _search_domains(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Call]:
    names = [d["DomainName"] for d in acct.client("opensearch", region).list_domain_names().get("DomainNames", [])
             if d.get("DomainName")]
    for start in range(0, len(names), 5):  # DescribeDomains takes at most five names
        batch = names[start:start + 5]
        yield acct.call(region, "opensearch", "DescribeDomains", partial(_search_batch, acct, region, managed, batch),
                        target=",".join(batch))


def _search_batch(acct: _Account, region: str, managed: frozenset[str] | None, names: list[str]) -> Iterator[Any]:
    where = acct.where(region)
    answer = acct.client("opensearch", region).describe_domains(DomainNames=names)
    yield from stores.search_domains(answer, where, managed)
    for domain in answer.get("DomainStatusList", []):
        if domain.get("AccessPolicies") and domain.get("ARN"):
            yield from sharing.resource_policy(domain["AccessPolicies"], arn=domain["ARN"],
                                               resource_type="AWS::OpenSearchService::Domain",
                                               name=f"{domain.get('DomainName')} access policy", where=where)


def _key_policies(acct: _Account, region: str, managed: frozenset[str]) -> Iterator[Call]:
    """The key policies of customer keys (AWS managed keys' policies are AWS's)."""
    for page in acct.pages(region, "kms", "ListKeys"):
        for key in page.get("Keys", []):
            key_id, arn = key.get("KeyId"), key.get("KeyArn")
            if key_id and arn and key_id not in managed:
                yield acct.call(region, "kms", "GetKeyPolicy", partial(_key_policy, acct, region, key_id, arn),
                                target=arn)


def _key_policy(acct: _Account, region: str, key_id: str, arn: str) -> Iterator[Any]:
    answer = acct.client("kms", region).get_key_policy(KeyId=key_id, PolicyName="default")
    yield from sharing.resource_policy(answer.get("Policy"), arn=arn, resource_type="AWS::KMS::Key",
                                       name=f"{key_id} key policy", where=acct.where(region), key=True)


def _db_clusters(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Any]:
    where = acct.where(region)
    for page in acct.pages(region, "rds", "DescribeDBClusters"):
        yield from adapters.db_clusters(page, where, managed)
        for cluster in page.get("DBClusters", []):
            if cluster.get("DBClusterParameterGroup"):
                yield acct.call(region, "rds", "DescribeDBClusterParameterGroups", partial(
                    _db_parameter_group, acct, region, True, cluster["DBClusterParameterGroup"],
                    _engine_family(cluster)), target=cluster["DBClusterParameterGroup"])


def _db_instances(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Any]:
    """Database instances at rest; a publicly accessible one is also an endpoint behind its security groups."""
    where = acct.where(region)
    for page in acct.pages(region, "rds", "DescribeDBInstances"):
        yield from adapters.db_instances(page, where, managed)
        for db in page.get("DBInstances", []):
            for group in db.get("DBParameterGroups", []):
                if group.get("DBParameterGroupName"):
                    yield acct.call(region, "rds", "DescribeDBParameterGroups", partial(
                        _db_parameter_group, acct, region, False, group["DBParameterGroupName"], _engine_family(db)),
                        target=group["DBParameterGroupName"])
            if db.get("PubliclyAccessible") is True and db.get("DBInstanceArn"):
                groups = [g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", [])
                          if g.get("VpcSecurityGroupId")]
                endpoint = db.get("Endpoint") or {}
                origin = where.origin(db["DBInstanceArn"], "AWS::RDS::DBInstance", "publicly_accessible",
                                      db.get("TagList"))
                yield acct.call(region, "ec2", "DescribeSecurityGroups", partial(
                    _public_database, acct, region, origin, str(db.get("DBInstanceIdentifier")),
                    endpoint.get("Port") or db.get("DbInstancePort"), groups), target=db["DBInstanceArn"])


def _public_database(acct: _Account, region: str, origin: Any, name: str, port: object, groups: list[str],
                     every_port: bool = False) -> Iterator[Any]:
    found = acct.client("ec2", region).describe_security_groups(GroupIds=groups)["SecurityGroups"] if groups else []
    yield network.public_endpoint(origin, name, port, found, acct.where(region), every_port=every_port)


def _db_snapshots(acct: _Account, region: str, managed: frozenset[str] | None, operation: str, key: str,
                  id_key: str, arn_key: str, attributes: str, adapt: Callable[..., Any]) -> Iterator[Any]:
    """Snapshots at rest; the sharing of manual ones (automated snapshots cannot be shared)."""
    where = acct.where(region)
    for page in acct.pages(region, "rds", operation):
        yield from adapt(page, where, managed)
        for snap in page.get(key, []):
            if snap.get("SnapshotType") == "manual" and snap.get(id_key) and snap.get(arn_key):
                yield acct.call(region, "rds", attributes, partial(_db_snapshot_sharing, acct, region, attributes,
                                                                   id_key, snap[id_key], snap[arn_key]),
                                target=snap[arn_key])


def _db_snapshot_sharing(acct: _Account, region: str, operation: str, id_key: str, name: str, arn: str
                         ) -> Iterator[Any]:
    answer = getattr(acct.client("rds", region), xform_name(operation))(**{id_key: name})
    yield from sharing.db_snapshot_attributes(answer, arn, acct.where(region))


def _ebs_snapshots(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Any]:
    where = acct.where(region)
    owned = False
    # The owner filter repeats OwnerIds for endpoints that only honour filters (an emulator listing every
    # public snapshot otherwise).
    for page in acct.pages(region, "ec2", "DescribeSnapshots", OwnerIds=["self"], Filters=_owned(acct)):
        stores = sharing.ebs_snapshots(page, where, managed)
        owned = owned or bool(stores)
        yield from stores
    if owned:
        yield acct.call(region, "ec2", "DescribeSnapshots", partial(_public_snapshots, acct, region), target="public")


def _owned(acct: _Account) -> list[dict[str, Any]]:
    return [{"Name": "owner-id", "Values": [acct.account]}]


def _public_snapshots(acct: _Account, region: str) -> Iterator[Call]:
    """Snapshots restorable by `all`, each confirmed by its createVolumePermission (an emulator may ignore
    the filter; AWS answers only the public ones, so this costs a call per public snapshot)."""
    where = acct.where(region)
    for page in acct.pages(region, "ec2", "DescribeSnapshots", OwnerIds=["self"], RestorableByUserIds=["all"],
                           Filters=_owned(acct)):
        for snap_id in sharing.own_snapshot_ids(page, where):
            yield acct.call(region, "ec2", "DescribeSnapshotAttribute", partial(_snapshot_permission, acct, region,
                                                                                snap_id), target=snap_id)


def _snapshot_permission(acct: _Account, region: str, snap_id: str) -> Iterator[Any]:
    answer = acct.client("ec2", region).describe_snapshot_attribute(SnapshotId=snap_id,
                                                                   Attribute="createVolumePermission")
    yield from sharing.snapshot_permissions(answer, acct.where(region))


def _stores(acct: _Account, region: str, service: str, operation: str, adapt: Callable[..., Any],
            managed: frozenset[str] | None, **params: Any) -> Iterator[Any]:
    where = acct.where(region)
    for page in acct.pages(region, service, operation, **params):
        yield from adapt(page, where, managed)


def _ebs_default(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Any]:
    """The region's EBS encryption by default, then the launch templates and launch configurations whose
    volumes it encrypts. When it cannot be read, those are still read (their encryption may be unknown)."""
    try:
        setting = acct.client("ec2", region).get_ebs_encryption_by_default()
    except RECOVERABLE:
        yield from _launch_calls(acct, region, Unknown(reason="EBS encryption by default could not be read"), None,
                                 managed)
        raise
    if setting.get("EbsEncryptionByDefault") is True:
        yield acct.call(region, "ec2", "GetEbsDefaultKmsKeyId",
                        partial(_ebs_default_key, acct, region, setting, managed))
    else:
        yield adapters.ebs_default_encryption(setting, None, acct.where(region), managed)
        yield from _launch_calls(acct, region, False, None, managed)


def _ebs_default_key(acct: _Account, region: str, setting: Mapping[str, Any], managed: frozenset[str] | None
                     ) -> Iterator[Any]:
    key = acct.client("ec2", region).get_ebs_default_kms_key_id()
    yield adapters.ebs_default_encryption(setting, key, acct.where(region), managed)
    yield from _launch_calls(acct, region, True, key.get("KmsKeyId"), managed)


def _launch_calls(acct: _Account, region: str, ebs_default: bool | Unknown, default_key: str | None,
                  managed: frozenset[str] | None) -> Iterator[Call]:
    yield acct.call(region, "ec2", "DescribeLaunchTemplates", partial(
        _launch_templates, acct, region, ebs_default, default_key, managed))
    if acct.serves("autoscaling", region):
        yield acct.call(region, "autoscaling", "DescribeLaunchConfigurations", partial(
            _stores, acct, region, "autoscaling", "DescribeLaunchConfigurations", partial(
                _with_default, services.launch_configurations, ebs_default, default_key), managed))


def _with_default(adapt: Callable[..., Any], ebs_default: bool | Unknown, default_key: str | None, page: Any,
                  where: Any, managed: frozenset[str] | None) -> Any:
    return adapt(page, where, ebs_default, default_key, managed)


def _launch_templates(acct: _Account, region: str, ebs_default: bool | Unknown, default_key: str | None,
                      managed: frozenset[str] | None) -> Iterator[Call]:
    """Each template's default version: what instances launched from it get."""
    for page in acct.pages(region, "ec2", "DescribeLaunchTemplates"):
        for template in page.get("LaunchTemplates", []):
            if template.get("LaunchTemplateId"):
                yield acct.call(region, "ec2", "DescribeLaunchTemplateVersions", partial(
                    _stores, acct, region, "ec2", "DescribeLaunchTemplateVersions", partial(
                        _with_default, services.launch_template_versions, ebs_default, default_key), managed,
                    LaunchTemplateId=template["LaunchTemplateId"], Versions=["$Default"]),
                    target=template["LaunchTemplateId"])


# -- Services beyond the core ----------------------------------------------------------------------------


def _rest_apis(acct: _Account, region: str) -> Iterator[Any]:
    """REST APIs' resource policies; the response caches of their stages."""
    where = acct.where(region)
    for page in acct.pages(region, "apigateway", "GetRestApis"):
        yield from services.rest_apis(page, where)
        for api in page.get("items", []):
            if api.get("id"):
                yield acct.call(region, "apigateway", "GetStages", partial(
                    _listing, acct, region, "apigateway", "GetStages",
                    partial(_stage_caches, str(api["id"]), str(api.get("name") or api["id"])), restApiId=api["id"]),
                    target=api["id"])


def _stage_caches(api_id: str, name: str, page: Any, where: Any) -> Any:
    return services.api_stage_caches(page, where, api_id, name)


def _dms_instances(acct: _Account, region: str) -> Iterator[Any]:
    """A publicly accessible replication instance is reached on every port its security groups open."""
    where = acct.where(region)
    for page in acct.pages(region, "dms", "DescribeReplicationInstances"):
        for instance in page.get("ReplicationInstances", []):
            arn = instance.get("ReplicationInstanceArn")
            if instance.get("PubliclyAccessible") is True and arn:
                groups = [g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", [])
                          if g.get("VpcSecurityGroupId")]
                origin = where.origin(arn, "AWS::DMS::ReplicationInstance", "publicly_accessible")
                yield acct.call(region, "ec2", "DescribeSecurityGroups", partial(
                    _public_database, acct, region, origin, str(instance.get("ReplicationInstanceIdentifier")),
                    None, groups, every_port=True), target=arn)


def _task_definitions(acct: _Account, region: str) -> Iterator[Call]:
    """The latest active revision of each task definition family: the one services and tasks launch."""
    for page in acct.pages(region, "ecs", "ListTaskDefinitionFamilies", status="ACTIVE"):
        for family in page.get("families", []):
            yield acct.call(region, "ecs", "DescribeTaskDefinition", partial(_task_definition, acct, region, family),
                            target=family)


def _task_definition(acct: _Account, region: str, family: str) -> Iterator[Any]:
    answer = acct.client("ecs", region).describe_task_definition(taskDefinition=family, include=["TAGS"])
    yield from services.task_definition(answer, acct.where(region))


def _glacier_vaults(acct: _Account, region: str) -> Iterator[Call]:
    for page in acct.pages(region, "glacier", "ListVaults"):
        for vault in page.get("VaultList", []):
            name, arn = vault.get("VaultName"), vault.get("VaultARN")
            if name and arn:
                yield acct.call(region, "glacier", "GetVaultAccessPolicy", partial(
                    _glacier_policy, acct, region, name, arn), target=arn)


def _glacier_policy(acct: _Account, region: str, name: str, arn: str) -> Iterator[Any]:
    answer = _optional(lambda: acct.client("glacier", region).get_vault_access_policy(vaultName=name),
                       "ResourceNotFoundException")
    policy = (answer or {}).get("policy") or {}
    if policy.get("Policy"):
        yield from sharing.resource_policy(policy["Policy"], arn=arn, resource_type="AWS::Glacier::Vault",
                                           name=f"{name} vault access policy", where=acct.where(region))





def _email_identities(acct: _Account, region: str) -> Iterator[Call]:
    for page in acct.pages(region, "sesv2", "ListEmailIdentities"):
        for identity in page.get("EmailIdentities", []):
            if identity.get("IdentityName"):
                yield acct.call(region, "sesv2", "GetEmailIdentityPolicies", partial(
                    _identity_policies, acct, region, identity["IdentityName"]), target=identity["IdentityName"])


def _identity_policies(acct: _Account, region: str, identity: str) -> Iterator[Any]:
    answer = acct.client("sesv2", region).get_email_identity_policies(EmailIdentity=identity)
    yield from services.identity_policies(answer, identity, acct.where(region))


def _identity_center(acct: _Account, region: str) -> Iterator[Call]:
    """IAM Identity Center lives in one region: elsewhere ListInstances answers nothing."""
    for page in acct.pages(region, "sso-admin", "ListInstances"):
        for instance in page.get("Instances", []):
            if instance.get("InstanceArn"):
                yield acct.call(region, "sso-admin", "ListPermissionSets", partial(
                    _permission_sets, acct, region, instance["InstanceArn"]), target=instance["InstanceArn"])


def _permission_sets(acct: _Account, region: str, instance: str) -> Iterator[Call]:
    for page in acct.pages(region, "sso-admin", "ListPermissionSets", InstanceArn=instance):
        for arn in page.get("PermissionSets", []):
            yield acct.call(region, "sso-admin", "GetInlinePolicyForPermissionSet", partial(
                _permission_set_policy, acct, region, instance, arn), target=arn)


def _permission_set_policy(acct: _Account, region: str, instance: str, arn: str) -> Iterator[Any]:
    answer = acct.client("sso-admin", region).get_inline_policy_for_permission_set(InstanceArn=instance,
                                                                                   PermissionSetArn=arn)
    yield from services.permission_set_policy(answer, arn, arn.rsplit("/", 1)[-1], acct.where(region))


def _glue_catalog(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Call]:
    """The Data Catalog's encryption matters once it holds a database: an unused catalog costs one call."""
    if acct.client("glue", region).get_databases(MaxResults=1).get("DatabaseList"):
        yield acct.call(region, "glue", "GetDataCatalogEncryptionSettings", partial(
            _describe_once, acct, region, managed, "glue", "GetDataCatalogEncryptionSettings", services.glue_catalog))


def _describe_once(acct: _Account, region: str, managed: frozenset[str] | None, service: str, operation: str,
                   adapt: Callable[..., Iterable[Any]]) -> Iterator[Any]:
    yield from adapt(getattr(acct.client(service, region), xform_name(operation))(), acct.where(region), managed)


def _codebuild_projects(acct: _Account, region: str, managed: frozenset[str] | None) -> Iterator[Call]:
    names = [n for page in acct.pages(region, "codebuild", "ListProjects") for n in page.get("projects", [])]
    for start in range(0, len(names), 100):  # BatchGetProjects takes at most 100 names
        batch = names[start:start + 100]
        yield acct.call(region, "codebuild", "BatchGetProjects", partial(
            _batch_projects, acct, region, managed, batch), target=",".join(batch))


def _batch_projects(acct: _Account, region: str, managed: frozenset[str] | None, names: list[str]
                    ) -> Iterator[Any]:
    yield from services.codebuild_projects(acct.client("codebuild", region).batch_get_projects(names=names),
                                           acct.where(region), managed)


# -- Credentials -----------------------------------------------------------------------------------------


def _identify(factory: SessionFactory, profile: str | None, options: AwsAuditOptions) -> Iterator[Call]:
    """GetCallerIdentity on a profile (or the default chain): the account it audits, or assumes roles from."""
    session = factory(profile_name=profile) if profile else factory()
    hub = _Account(session, "", "aws", options)
    identity = hub.client("sts", session.region_name or GLOBAL).get_caller_identity()
    account, partition = str(identity["Account"]), _arn_partition(str(identity.get("Arn", "")))
    if options.assume_role is None:
        yield from _account_calls(_Account(session, account, partition, options), options.regions)
        return
    if options.organization:
        yield Call(account, GLOBAL, "organizations", "ListAccounts", partial(_organization, factory, hub, partition,
                                                                             options))
        return
    targets = options.accounts or (_arn_account(options.assume_role),)
    for target in targets:
        yield _assume_call(factory, hub, target, partition, options)


def _assume_call(factory: SessionFactory, hub: _Account, target: str, partition: str, options: AwsAuditOptions
                 ) -> Call:
    assert options.assume_role is not None
    arn = role_arn(options.assume_role, target, partition)
    return Call(target, GLOBAL, "sts", "AssumeRole", partial(_assume, factory, hub, arn, target, options), target=arn)


def _organization(factory: SessionFactory, hub: _Account, partition: str, options: AwsAuditOptions
                  ) -> Iterator[Call]:
    """The organization's active accounts; each is audited through the role, a denied one is an error entry."""
    for page in hub.pages(GLOBAL, "organizations", "ListAccounts"):
        for member in page.get("Accounts", []):
            if member.get("Id") and member.get("Status", "ACTIVE") == "ACTIVE":
                yield _assume_call(factory, hub, str(member["Id"]), partition, options)


def _assume(factory: SessionFactory, hub: _Account, arn: str, account: str, options: AwsAuditOptions
            ) -> Iterator[Call]:
    params: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": options.role_session_name}
    if options.external_id:
        params["ExternalId"] = options.external_id
    creds = hub.client("sts", hub.session.region_name or GLOBAL).assume_role(**params)["Credentials"]
    session = factory(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"], region_name=hub.session.region_name)
    yield from _account_calls(_Account(session, account, _arn_partition(arn), options), options.regions)


def credential_calls(options: AwsAuditOptions, factory: SessionFactory) -> list[Call]:
    """The audit's first calls: one GetCallerIdentity per profile (or the default credentials)."""
    return [
        Call("", GLOBAL, "sts", "GetCallerIdentity", partial(_identify, factory, profile, options),
             target=f"profile {profile}" if profile else "default credentials")
        for profile in (options.profiles or (None,))
    ]


def shared_model_sessions() -> SessionFactory:
    """boto3 sessions (keyword arguments as `boto3.Session`) sharing one botocore loader, so that the
    service models (about a second of JSON parsing) are read once per audit, not once per account."""
    loader = create_loader()
    lock = threading.Lock()

    def make(**kwargs: Any) -> Any:
        with lock:
            core = botocore.session.Session()
            core.register_component("data_loader", loader)
            session = boto3.Session(botocore_session=core, **kwargs)
            # Each boto3 session appends its resource models' folder to the loader's path.
            loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
        return session

    return make


def audit_aws(options: AwsAuditOptions, *, progress: Progress | None = None,
              session_factory: SessionFactory | None = None) -> AuditResult:
    """Audit every account and region `options` name. `session_factory` makes boto3 sessions
    (keyword arguments as `boto3.Session`); tests pass one that hooks the sessions' events."""
    factory = session_factory or shared_model_sessions()
    return run_audit(credential_calls(options, factory), provider=SourceKind.AWS, recoverable=RECOVERABLE,
                     explain=explain, workers=options.workers, progress=progress, limits=options.limits,
                     shard=options.shard, discovery=DISCOVERY, service_limits=SERVICE_LIMITS)

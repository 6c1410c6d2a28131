"""A real moto server for the AWS audit tests, the AWS state they audit, and a fault-injecting proxy.

The server runs on 127.0.0.1 for the whole session. `aws_world` creates the
resources once, with boto3, in two regions (and a second account reached by
AssumeRole); tests only read them. `FaultProxy` sits between boto3 and moto
and answers chosen (service, region) pairs the way AWS fails: AccessDenied,
throttling, an HTML error page.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3  # type: ignore[import-untyped]
import pytest

ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "111111111111"  # reached with AssumeRole; moto keeps its state apart
REGIONS = ("us-east-1", "eu-west-1")
# moto 5.2 does not serve GetBackupVaultAccessPolicy: reading a vault's policy is a clean error entry
# (service, operation, code, message), and the rest of the audit completes.
UNSERVED_BACKUP_POLICY = ("backup", "GetBackupVaultAccessPolicy", "404", "the endpoint answered an HTML page "
                          "(404 Not Found), not the API's answer: does it serve this operation?")
ROLE = "TenetAudit"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    with pytest.MonkeyPatch.context() as mp:
        # AWS managed policies exist, so AdministratorAccess can be attached.
        mp.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


def point_at(mp: pytest.MonkeyPatch, endpoint: str, tmp: Path) -> None:
    """The environment of an audit against `endpoint`: fake credentials, no user configuration."""
    import os

    for name in list(os.environ):
        if name.startswith(("AWS_ENDPOINT_URL_", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE", "AWS_WEB_IDENTITY")):
            mp.delenv(name, raising=False)
    mp.setenv("AWS_ENDPOINT_URL", endpoint)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
    mp.setenv("AWS_CONFIG_FILE", str(tmp / "no-aws-config"))
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp / "no-aws-credentials"))
    mp.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    point_at(monkeypatch, moto_endpoint, tmp_path)
    return moto_endpoint


@dataclass
class World:
    """What `aws_world` created, by name: ARNs and ids for exact assertions."""

    arns: dict[str, str] = field(default_factory=dict)
    default_groups: dict[str, str] = field(default_factory=dict)  # region -> default VPC security group ARN
    clean: dict[str, str] = field(default_factory=dict)  # counterparts that must give no finding
    defaults: dict[str, str] = field(default_factory=dict)  # what moto makes by itself: default NACLs, snapshots


def _client(endpoint: str, service: str, region: str, creds: Mapping[str, str] | None = None) -> Any:
    keys = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, region_name=region, endpoint_url=endpoint, **keys)


def _group(ec2: Any, name: str, permission: dict[str, Any]) -> str:
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group_id = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
    return str(ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["SecurityGroupArn"])


def _ssh(**peers: Any) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, **peers}


def _load_balancer(endpoint: str, region: str, name: str, listeners: list[tuple[str, int, str | None]]
                   ) -> dict[str, str]:
    ec2, elb = _client(endpoint, "ec2", region), _client(endpoint, "elbv2", region)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2]
    lb = elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]
    cert = _client(endpoint, "acm", region).request_certificate(DomainName=f"{name}.example.com")["CertificateArn"]
    target = elb.create_target_group(Name=f"{name}-tg", Protocol="HTTP", Port=80,
                                     VpcId=lb["VpcId"])["TargetGroups"][0]["TargetGroupArn"]
    arns = {}
    for protocol, port, policy in listeners:
        params: dict[str, Any] = {"LoadBalancerArn": lb["LoadBalancerArn"], "Protocol": protocol, "Port": port}
        if protocol == "HTTPS":
            params |= {"SslPolicy": policy, "Certificates": [{"CertificateArn": cert}],
                       "DefaultActions": [{"Type": "forward", "TargetGroupArn": target}]}
        else:
            params["DefaultActions"] = [{"Type": "redirect", "RedirectConfig": {
                "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
        arns[f"{name}:{port}"] = elb.create_listener(**params)["Listeners"][0]["ListenerArn"]
    return arns


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="session")
def aws_world(moto_endpoint: str) -> World:
    """The acceptance state. Expected findings, besides moto's defaults:

    us-east-1: ssh-v4 (22 from 0.0.0.0/0) NET-001; scoped (22 from 10.0.0.0/16) nothing; an
    unencrypted volume ENC-001 and an encrypted one; load balancer `east` with an HTTPS listener
    on ELBSecurityPolicy-2016-08 TLS-002 and an HTTP listener redirecting to HTTPS.
    eu-west-1: ssh-v6 (22 from ::/0) NET-001; an unencrypted RDS instance ENC-001 and an
    encrypted one; load balancer `west` on ELBSecurityPolicy-TLS13-1-2-2021-06; a bucket whose
    policy is open to `*` IAM-005.
    Global: a customer-managed policy `*` on `*` IAM-001; a role trusting `*` IAM-005; a group
    with AdministratorAccess attached IAM-006.
    Account 111111111111 (AssumeRole): rdp-open (3389 from 0.0.0.0/0) NET-001 in us-east-1.
    moto's own state adds: the default VPC security group of each region, and the default egress
    of every group (all traffic to 0.0.0.0/0) NET-004; EBS encryption by default, off in every
    region, ENC-001.
    """
    world = World()
    east, west = (_client(moto_endpoint, "ec2", r) for r in REGIONS)
    world.arns["ssh-v4"] = _group(east, "ssh-v4", _ssh(IpRanges=[{"CidrIp": "0.0.0.0/0"}]))
    world.arns["scoped"] = _group(east, "scoped", _ssh(IpRanges=[{"CidrIp": "10.0.0.0/16"}]))
    world.arns["ssh-v6"] = _group(west, "ssh-v6", _ssh(Ipv6Ranges=[{"CidrIpv6": "::/0"}]))
    for region, ec2 in zip(REGIONS, (east, west), strict=True):
        default = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])
        world.default_groups[region] = default["SecurityGroups"][0]["SecurityGroupArn"]
    plain = east.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    east.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)
    world.arns["plain-volume"] = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/{plain}"
    for region, ec2 in zip(REGIONS, (east, west), strict=True):
        # Every default network ACL allows everything from 0.0.0.0/0 (NET-001), as in AWS.
        acl = ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
        world.defaults[f"acl-{region}"] = f"arn:aws:ec2:{region}:{ACCOUNT}:network-acl/{acl['NetworkAclId']}"
    for region in REGIONS:  # moto leaves EBS encryption by default off (and cannot answer GetEbsDefaultKmsKeyId)
        world.arns[f"ebs-default-{region}"] = f"arn:aws:ec2:{region}:{ACCOUNT}:ebs-encryption-by-default"

    rds = _client(moto_endpoint, "rds", "eu-west-1")
    for name, encrypted in (("orders-db", False), ("billing-db", True)):
        db = rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                                    MasterUsername="app", MasterUserPassword="not-a-secret-1",
                                    AllocatedStorage=20, StorageEncrypted=encrypted)
        world.arns[name] = db["DBInstance"]["DBInstanceArn"]
    # moto takes an automated snapshot of each new instance: the unencrypted one's is ENC-001.
    automated = rds.describe_db_snapshots(DBInstanceIdentifier="orders-db")["DBSnapshots"][0]
    world.defaults["orders-db-snapshot"] = automated["DBSnapshotArn"]
    # moto's PostgreSQL is 9.3, whose default parameter group leaves rds.force_ssl off: TLS-001.
    group = rds.describe_db_instances(DBInstanceIdentifier="orders-db")["DBInstances"][0]["DBParameterGroups"][0]
    world.defaults["postgres-parameters"] = f"arn:aws:rds:eu-west-1:{ACCOUNT}:pg:{group['DBParameterGroupName']}"

    world.arns |= _load_balancer(moto_endpoint, "us-east-1", "east",
                                 [("HTTPS", 443, "ELBSecurityPolicy-2016-08"), ("HTTP", 80, None)])
    world.arns |= _load_balancer(moto_endpoint, "eu-west-1", "west",
                                 [("HTTPS", 443, "ELBSecurityPolicy-TLS13-1-2-2021-06")])

    iam = _client(moto_endpoint, "iam", "us-east-1")
    policy = iam.create_policy(PolicyName="allow-everything",
                               PolicyDocument=_document({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    world.arns["allow-everything"] = policy["Policy"]["Arn"]
    role = iam.create_role(RoleName="open-trust", AssumeRolePolicyDocument=_document(
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}))
    world.arns["open-trust"] = role["Role"]["Arn"]
    iam.put_role_policy(RoleName="open-trust", PolicyName="read-reports", PolicyDocument=_document(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tenet-reports/*"}))
    world.arns["admins"] = iam.create_group(GroupName="admins")["Group"]["Arn"]
    iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

    s3 = _client(moto_endpoint, "s3", "eu-west-1")
    s3.create_bucket(Bucket="tenet-public-assets", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_policy(Bucket="tenet-public-assets", Policy=_document(
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::tenet-public-assets/*"}))
    world.arns["tenet-public-assets"] = "arn:aws:s3:::tenet-public-assets"

    sts = _client(moto_endpoint, "sts", "us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/{ROLE}", RoleSessionName="setup")
    keys = {"aws_access_key_id": creds["Credentials"]["AccessKeyId"],
            "aws_secret_access_key": creds["Credentials"]["SecretAccessKey"],
            "aws_session_token": creds["Credentials"]["SessionToken"]}
    other = _client(moto_endpoint, "ec2", "us-east-1", keys)
    world.arns["rdp-open"] = _group(other, "rdp-open", {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                                                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    return world


# -- Fault injection -------------------------------------------------------------------------------------

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_JSON_SERVICES = frozenset({"kms"})
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "proxy-authorization", "proxy-authenticate", "content-length"})


def _error_body(service: str, code: str, message: str) -> tuple[str, bytes]:
    """An error as the service's protocol spells it (EC2 query, AWS query, JSON, REST-XML)."""
    if service in _JSON_SERVICES:
        return "application/x-amz-json-1.1", json.dumps({"__type": code, "message": message}).encode()
    if service == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                "<RequestID>fault-proxy</RequestID></Response>")
    elif service == "s3":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"
    else:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                "</Error><RequestId>fault-proxy</RequestId></ErrorResponse>")
    return "text/xml", body.encode()


# What a fault answers: status, error code (None: moto's HTML page for an unimplemented action).
FAULTS: dict[str, tuple[int, str | None]] = {
    "deny": (403, "AccessDenied"),
    "unauthorized": (403, "UnauthorizedOperation"),
    "throttle": (400, "ThrottlingException"),
    "html500": (500, None),
}
_HTML_500 = (b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
             b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n")


@dataclass
class FaultRule:
    """Requests a FaultProxy fails: those matching every field given. `account` is the account of the
    request's credentials (the proxy learns assumed-role keys from AssumeRole answers), or for
    sts:AssumeRole the account of the role; `operation`: the query API's Action or the JSON API's target.
    `times`: only the first so many matching requests fail (throttling that passes), None: all."""

    fault: str
    account: str | None = None
    service: str | None = None
    region: str | None = None
    operation: str | None = None
    times: int | None = None
    hits: int = 0

    def matches(self, account: str, service: str, region: str, operation: str) -> bool:
        return all(want is None or want == got for want, got in ((self.account, account), (self.service, service),
                                                                  (self.region, region), (self.operation, operation)))


_ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
_ROLE_ACCOUNT = re.compile(r"RoleArn=arn%3Aaws%3Aiam%3A%3A(\d{12})%3A")
_ASSUMED_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")


def _operation(headers: Any, body: bytes) -> str:
    target = headers.get("X-Amz-Target") or ""
    if target:
        return str(target).rsplit(".", 1)[-1]
    action = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body)
    return action.group(1).decode() if action else ""


class FaultProxy:
    """127.0.0.1 HTTP proxy to moto that fails requests signed for chosen (service, region) pairs,
    and those matching `rules` (accounts, operations, a number of times).

    `faults` maps (signing name, region) to a key of FAULTS; `hits` counts the failed requests,
    so tests can see botocore's retries; each rule counts its own `hits`.
    """

    def __init__(self, upstream: str, faults: Mapping[tuple[str, str], str] | None = None,
                 rules: tuple[FaultRule, ...] = ()) -> None:
        self.upstream = urlsplit(upstream)
        self.faults = dict(faults or {})
        self.rules = rules
        self.hits: Counter[tuple[str, str]] = Counter()
        self.accounts = {"testing": ACCOUNT}  # access key id -> account
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                authorization = self.headers.get("Authorization", "")
                m = _SCOPE.search(authorization)
                key = (m.group(2), m.group(1)) if m else ("", "")
                operation = _operation(self.headers, body)
                role = _ROLE_ACCOUNT.search(body.decode("latin-1")) if operation == "AssumeRole" else None
                access_key = _ACCESS_KEY.search(authorization)
                with proxy._lock:
                    account = role.group(1) if role else proxy.accounts.get(access_key.group(1) if access_key else "",
                                                                              "")
                    fault = proxy.faults.get(key)
                    if fault is not None:
                        proxy.hits[key] += 1
                    for rule in proxy.rules:
                        if fault is None and rule.matches(account, *key, operation) and (
                                rule.times is None or rule.hits < rule.times):
                            rule.hits += 1
                            fault = rule.fault
                if fault is not None:
                    status, code = FAULTS[fault]
                    if code is None:
                        kind, payload = "text/html; charset=utf-8", _HTML_500
                    else:
                        kind, payload = _error_body(key[0], code, f"{code} injected by the test for {key}")
                    self._reply(status, {"Content-Type": kind}, payload)
                    return
                upstream = http.client.HTTPConnection(proxy.upstream.hostname or "127.0.0.1", proxy.upstream.port,
                                                      timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body or None, headers=dict(self.headers))
                    answer = upstream.getresponse()
                    payload = answer.read()
                    assumed = _ASSUMED_KEY.search(payload) if role and answer.status == 200 else None
                    if role and assumed:
                        with proxy._lock:
                            proxy.accounts[assumed.group(1).decode()] = role.group(1)
                    headers = {k: v for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP}
                    self._reply(answer.status, headers, payload)
                finally:
                    upstream.close()

            def _reply(self, status: int, headers: Mapping[str, str], payload: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- Breadth: one region of every service the audit reads beyond the acceptance state ---------------------

BREADTH_REGION = "us-west-2"


def _tls_only(bucket: str) -> dict[str, Any]:
    """The statement that makes S3 refuse plain HTTP for a bucket (TLS-001 otherwise)."""
    return {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def _public_policy(resource: str, action: str) -> str:
    bucket = resource.split(":::", 1)[1].split("/", 1)[0]
    return _document({"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource},
                     _tls_only(bucket))


@pytest.fixture(scope="session")
def breadth_world(moto_endpoint: str) -> World:
    """Violations and their clean counterparts in us-west-2 (and, for the account-wide S3 Block Public
    Access, in account 111111111111). `arns` holds what must be found, by name; `clean` what must not be.
    """
    world = World()
    region = BREADTH_REGION
    s3 = _client(moto_endpoint, "s3", region)

    def bucket(name: str) -> str:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        return f"arn:aws:s3:::{name}"

    # A public-read ACL: IAM-005. The same ACL with IgnorePublicAcls, and with ACLs disabled, is not public;
    # a public policy under RestrictPublicBuckets is not either.
    world.arns["acl-public"] = bucket("tenet-breadth-acl-public")
    s3.put_bucket_acl(Bucket="tenet-breadth-acl-public", ACL="public-read")
    world.clean["acl-ignored"] = bucket("tenet-breadth-acl-ignored")
    s3.put_bucket_policy(Bucket="tenet-breadth-acl-ignored", Policy=_document(_tls_only("tenet-breadth-acl-ignored")))
    s3.put_bucket_acl(Bucket="tenet-breadth-acl-ignored", ACL="public-read")
    s3.put_public_access_block(Bucket="tenet-breadth-acl-ignored", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    world.clean["acl-disabled"] = bucket("tenet-breadth-acl-disabled")
    s3.put_bucket_policy(Bucket="tenet-breadth-acl-disabled", Policy=_document(_tls_only("tenet-breadth-acl-disabled")))
    s3.put_bucket_acl(Bucket="tenet-breadth-acl-disabled", ACL="public-read")
    s3.put_bucket_ownership_controls(Bucket="tenet-breadth-acl-disabled", OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    world.clean["policy-restricted"] = bucket("tenet-breadth-policy-restricted")
    s3.put_bucket_policy(Bucket="tenet-breadth-policy-restricted",
                         Policy=_public_policy("arn:aws:s3:::tenet-breadth-policy-restricted/*", "s3:GetObject"))
    s3.put_public_access_block(Bucket="tenet-breadth-policy-restricted", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})

    _breadth_network(moto_endpoint, world)
    _breadth_sharing(moto_endpoint, world)
    _breadth_policies(moto_endpoint, world)
    _breadth_stores(moto_endpoint, world)
    _breadth_transit(moto_endpoint, world)

    # Account 111111111111 blocks public access account-wide: its public bucket is not public.
    keys = _assumed(moto_endpoint, OTHER_ACCOUNT)
    other_s3 = _client(moto_endpoint, "s3", region, keys)
    other_s3.create_bucket(Bucket="tenet-breadth-other", CreateBucketConfiguration={"LocationConstraint": region})
    other_s3.put_bucket_acl(Bucket="tenet-breadth-other", ACL="public-read")
    other_s3.put_bucket_policy(Bucket="tenet-breadth-other",
                               Policy=_public_policy("arn:aws:s3:::tenet-breadth-other/*", "s3:GetObject"))
    control = _client(moto_endpoint, "s3control", region, keys)
    control.meta.events.register("before-sign.s3-control", _drop_account_host_prefix)
    control.put_public_access_block(AccountId=OTHER_ACCOUNT, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    world.clean["other-account-bucket"] = "arn:aws:s3:::tenet-breadth-other"
    return world


def _assumed(endpoint: str, account: str) -> dict[str, str]:
    sts = _client(endpoint, "sts", "us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="setup")["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def _drop_account_host_prefix(request: Any, **_: Any) -> None:
    """moto on 127.0.0.1 cannot be reached at `<account>.127.0.0.1`; the account id is in a header too."""
    request.url = re.sub(r"//\d{12}\.", "//", request.url, count=1)


def _breadth_network(endpoint: str, world: World) -> None:
    region = BREADTH_REGION
    ec2 = _client(endpoint, "ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]

    def acl(name: str, *entries: dict[str, Any]) -> str:
        acl_id = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        for entry in entries:
            ec2.create_network_acl_entry(NetworkAclId=acl_id, Egress=False, **entry)
        return f"arn:aws:ec2:{region}:{ACCOUNT}:network-acl/{acl_id}"

    # SSH from anywhere: NET-001. A deny of SSH from anywhere numbered before an allow of 443 from 10.20/16 is clean.
    world.arns["acl-ssh"] = acl("acl-ssh", {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow",
                                            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}})
    world.clean["acl-scoped"] = acl("acl-scoped",
                                    {"RuleNumber": 90, "Protocol": "6", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0",
                                     "PortRange": {"From": 22, "To": 22}},
                                    {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow",
                                     "CidrBlock": "10.20.0.0/16", "PortRange": {"From": 443, "To": 443}})
    default_acl = ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]},
                                                     {"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]
    world.defaults[f"acl-{region}"] = f"arn:aws:ec2:{region}:{ACCOUNT}:network-acl/{default_acl['NetworkAclId']}"

    # A cluster API open to the internet: NET-001 (administrative on any port); one scoped, one private.
    eks = _client(endpoint, "eks", region)
    role = f"arn:aws:iam::{ACCOUNT}:role/eks"
    for name, config in (("eks-open", {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}),
                         ("eks-scoped", {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}),
                         ("eks-private", {"endpointPublicAccess": False, "endpointPrivateAccess": True})):
        arn = eks.create_cluster(name=name, roleArn=role, resourcesVpcConfig={"subnetIds": [], **config})
        (world.arns if name == "eks-open" else world.clean)[name] = arn["cluster"]["arn"]

    # Classic load balancers: an HTTP listener (TLS-001), an HTTPS listener whose negotiation policy
    # enables TLSv1 (TLS-002), and an HTTPS listener on a TLS 1.2 policy.
    elb = _client(endpoint, "elb", region)
    cert = _client(endpoint, "acm", region).request_certificate(DomainName="classic.example.com")["CertificateArn"]
    for name, listeners in (("classic-http", [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}]),
                            ("classic-tls10", [{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstancePort": 80,
                                                "SSLCertificateId": cert}]),
                            ("classic-tls12", [{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstancePort": 80,
                                                "SSLCertificateId": cert}])):
        elb.create_load_balancer(LoadBalancerName=name, Listeners=listeners, AvailabilityZones=[f"{region}a"])
        arn = f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:loadbalancer/{name}"
        (world.clean if name == "classic-tls12" else world.arns)[name] = arn
    for name, protocols in (("classic-tls10", ("Protocol-TLSv1", "Protocol-TLSv1.2")),
                            ("classic-tls12", ("Protocol-TLSv1.2",))):
        elb.create_load_balancer_policy(
            LoadBalancerName=name, PolicyName=f"{name}-negotiation", PolicyTypeName="SSLNegotiationPolicyType",
            PolicyAttributes=[{"AttributeName": p, "AttributeValue": "true"} for p in protocols])
        elb.set_load_balancer_policies_of_listener(LoadBalancerName=name, LoadBalancerPort=443,
                                                   PolicyNames=[f"{name}-negotiation"])

    # Publicly accessible databases: one behind a group open on its port (NET-002), one behind a scoped
    # group, and a private one behind the open group (the group itself is reported, not the database).
    open_group = _group(ec2, "db-open", {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    scoped_group = _group(ec2, "db-scoped", {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                             "IpRanges": [{"CidrIp": "10.0.0.0/16"}]})
    world.arns["db-open-group"] = open_group
    rds = _client(endpoint, "rds", region)
    for name, public, group in (("db-public-open", True, open_group), ("db-public-scoped", True, scoped_group),
                                ("db-private-open", False, open_group)):
        db = rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                                    MasterUsername="app", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
                                    StorageEncrypted=True, PubliclyAccessible=public,
                                    VpcSecurityGroupIds=[group.rsplit("/", 1)[-1]])
        (world.arns if name == "db-public-open" else world.clean)[name] = db["DBInstance"]["DBInstanceArn"]


def _breadth_sharing(endpoint: str, world: World) -> None:
    region = BREADTH_REGION
    rds = _client(endpoint, "rds", region)
    rds.create_db_instance(DBInstanceIdentifier="db-plain", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="app", MasterUserPassword="not-a-secret-1", AllocatedStorage=20)
    for name, public in (("snap-public", True), ("snap-private", False)):
        snap = rds.create_db_snapshot(DBInstanceIdentifier="db-public-scoped", DBSnapshotIdentifier=name)
        if public:
            rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=name, AttributeName="restore", ValuesToAdd=["all"])
        (world.arns if public else world.clean)[name] = snap["DBSnapshot"]["DBSnapshotArn"]
    # A snapshot of an unencrypted database is unencrypted too: ENC-001.
    plain = rds.create_db_snapshot(DBInstanceIdentifier="db-plain", DBSnapshotIdentifier="snap-plain")
    world.arns["snap-plain"] = plain["DBSnapshot"]["DBSnapshotArn"]
    rds.create_db_cluster(DBClusterIdentifier="cluster-shared", Engine="aurora-postgresql", MasterUsername="app",
                          MasterUserPassword="not-a-secret-1", StorageEncrypted=True)
    cluster_snap = rds.create_db_cluster_snapshot(DBClusterIdentifier="cluster-shared",
                                                  DBClusterSnapshotIdentifier="cluster-snap-public")
    rds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier="cluster-snap-public",
                                             AttributeName="restore", ValuesToAdd=["all"])
    world.arns["cluster-snap-public"] = cluster_snap["DBClusterSnapshot"]["DBClusterSnapshotArn"]

    ec2 = _client(endpoint, "ec2", region)
    sealed = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=True)["VolumeId"]
    for name, public in (("ebs-snap-public", True), ("ebs-snap-private", False)):
        snap_id = ec2.create_snapshot(VolumeId=sealed)["SnapshotId"]
        if public:
            ec2.modify_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission",
                                          OperationType="add", GroupNames=["all"])
        (world.arns if public else world.clean)[name] = f"arn:aws:ec2:{region}::snapshot/{snap_id}"
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    for name, public in (("ami-public", True), ("ami-private", False)):
        image = ec2.create_image(InstanceId=instance, Name=name)["ImageId"]
        if public:
            ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
        (world.arns if public else world.clean)[name] = f"arn:aws:ec2:{region}::image/{image}"


def _statement(principal: Any, action: str, resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource, **extra}


def _breadth_policies(endpoint: str, world: World) -> None:
    """Resource policies open to anyone (IAM-005), each next to one that names an account or a service."""
    import io
    import zipfile

    region = BREADTH_REGION
    mine = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    role = _client(endpoint, "iam", region).create_role(RoleName="breadth-fn", AssumeRolePolicyDocument=_document(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    lam = _client(endpoint, "lambda", region)
    for name in ("fn-public", "fn-url-open", "fn-clean"):
        arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
                                  Handler="handler.handle", Code={"ZipFile": code.getvalue()})["FunctionArn"]
        (world.clean if name == "fn-clean" else world.arns)[name] = arn
    lam.add_permission(FunctionName="fn-public", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*")
    lam.create_function_url_config(FunctionName="fn-url-open", AuthType="NONE")
    lam.add_permission(FunctionName="fn-clean", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::tenet-breadth-acl-public",
                       SourceAccount=ACCOUNT)
    lam.create_function_url_config(FunctionName="fn-clean", AuthType="AWS_IAM")

    ecr = _client(endpoint, "ecr", region)
    for name, principal in (("repo-public", "*"), ("repo-clean", mine)):
        arn = ecr.create_repository(repositoryName=name)["repository"]["repositoryArn"]
        ecr.set_repository_policy(repositoryName=name, policyText=_document(
            {"Sid": "Pull", "Effect": "Allow", "Principal": principal, "Action": "ecr:BatchGetImage"}))
        (world.arns if name == "repo-public" else world.clean)[name] = arn

    secrets = _client(endpoint, "secretsmanager", region)
    for name, principal in (("secret-public", "*"), ("secret-clean", mine)):
        arn = secrets.create_secret(Name=name, SecretString="not-a-secret")["ARN"]
        secrets.put_resource_policy(SecretId=name, ResourcePolicy=_document(
            _statement(principal, "secretsmanager:GetSecretValue")))
        (world.arns if name == "secret-public" else world.clean)[name] = arn

    efs = _client(endpoint, "efs", region)
    for name, principal in (("fs-public", {"AWS": "*"}), ("fs-clean", mine)):
        fs = efs.create_file_system(CreationToken=name, Encrypted=True)
        efs.put_file_system_policy(FileSystemId=fs["FileSystemId"], Policy=_document(
            _statement(principal, "elasticfilesystem:ClientMount", fs["FileSystemArn"])))
        (world.arns if name == "fs-public" else world.clean)[name] = fs["FileSystemArn"]

    sqs = _client(endpoint, "sqs", region)
    for name, principal in (("queue-public", "*"), ("queue-clean", mine)):
        arn = f"arn:aws:sqs:{region}:{ACCOUNT}:{name}"
        sqs.create_queue(QueueName=name, Attributes={"SqsManagedSseEnabled": "true", "Policy": _document(
            _statement(principal, "sqs:SendMessage", arn))})
        (world.arns if name == "queue-public" else world.clean)[name] = arn

    sns = _client(endpoint, "sns", region)
    for name, principal in (("topic-public", "*"), ("topic-clean", mine)):
        arn = sns.create_topic(Name=name, Attributes={"KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                 AttributeValue=_document(_statement(principal, "sns:Publish", arn)))
        (world.arns if name == "topic-public" else world.clean)[name] = arn

    kms = _client(endpoint, "kms", region)
    for name, principal in (("key-public", "*"), ("key-clean", mine)):
        key = kms.create_key(Description=name, Policy=_document(
            {"Sid": "Admin", "Effect": "Allow", "Principal": mine, "Action": "kms:*", "Resource": "*"},
            _statement(principal, "kms:Decrypt")))["KeyMetadata"]
        (world.arns if name == "key-public" else world.clean)[name] = key["Arn"]


def _breadth_stores(endpoint: str, world: World) -> None:
    """Stores not encrypted at rest (ENC-001), search domains weak in transit, and their counterparts."""
    region = BREADTH_REGION
    efs = _client(endpoint, "efs", region)
    world.arns["fs-plain"] = efs.create_file_system(CreationToken="fs-plain", Encrypted=False)["FileSystemArn"]
    sqs = _client(endpoint, "sqs", region)
    sqs.create_queue(QueueName="queue-plain", Attributes={"SqsManagedSseEnabled": "false"})
    world.arns["queue-plain"] = f"arn:aws:sqs:{region}:{ACCOUNT}:queue-plain"
    sns = _client(endpoint, "sns", region)
    world.arns["topic-plain"] = sns.create_topic(Name="topic-plain")["TopicArn"]

    kinesis = _client(endpoint, "kinesis", region)
    for name in ("stream-plain", "stream-sealed"):
        kinesis.create_stream(StreamName=name, ShardCount=1)
        arn = f"arn:aws:kinesis:{region}:{ACCOUNT}:stream/{name}"
        (world.arns if name == "stream-plain" else world.clean)[name] = arn
    kinesis.start_stream_encryption(StreamName="stream-sealed", EncryptionType="KMS", KeyId="alias/aws/kinesis")

    search = _client(endpoint, "opensearch", region)
    mine = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    weak = search.create_domain(
        DomainName="search-weak", DomainEndpointOptions={"EnforceHTTPS": False,
                                                         "TLSSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"},
        NodeToNodeEncryptionOptions={"Enabled": False}, EncryptionAtRestOptions={"Enabled": False},
        AccessPolicies=_document(_statement("*", "es:ESHttpGet",
                                            f"arn:aws:es:{region}:{ACCOUNT}:domain/search-weak/*")))
    world.arns["search-weak"] = weak["DomainStatus"]["ARN"]
    strong = search.create_domain(
        DomainName="search-strong", DomainEndpointOptions={"EnforceHTTPS": True,
                                                           "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
        NodeToNodeEncryptionOptions={"Enabled": True}, EncryptionAtRestOptions={"Enabled": True},
        AccessPolicies=_document(_statement(mine, "es:ESHttpGet",
                                            f"arn:aws:es:{region}:{ACCOUNT}:domain/search-strong/*")))
    world.clean["search-strong"] = strong["DomainStatus"]["ARN"]

    # Always encrypted: reported only when customer-managed keys are required (ENC-003).
    logs = _client(endpoint, "logs", region)
    logs.create_log_group(logGroupName="app-logs")
    world.clean["app-logs"] = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:app-logs"
    backup = _client(endpoint, "backup", region)
    world.clean["vault"] = backup.create_backup_vault(BackupVaultName="vault")["BackupVaultArn"]
    dynamodb = _client(endpoint, "dynamodb", region)
    table = dynamodb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST")
    world.clean["orders-table"] = table["TableDescription"]["TableArn"]


def _breadth_transit(endpoint: str, world: World) -> None:
    """Databases and caches that accept plaintext (TLS-001) or store in clear (ENC-001), and counterparts."""
    region = BREADTH_REGION
    rds = _client(endpoint, "rds", region)
    for name, value in (("pg-plaintext", "0"), ("pg-tls", "1")):
        group = rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily="postgres14",
                                              Description=name)["DBParameterGroup"]
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": value, "ApplyMethod": "immediate"}])
        rds.create_db_instance(DBInstanceIdentifier=f"db-{name}", DBInstanceClass="db.t3.micro", Engine="postgres",
                               EngineVersion="14.10", MasterUsername="app", MasterUserPassword="not-a-secret-1",
                               AllocatedStorage=20, StorageEncrypted=True, DBParameterGroupName=name)
        (world.arns if value == "0" else world.clean)[name] = group["DBParameterGroupArn"]

    ec2 = _client(endpoint, "ec2", region)
    open_group = ec2.describe_security_groups(GroupNames=["db-open"])["SecurityGroups"][0]["GroupId"]
    redshift = _client(endpoint, "redshift", region)
    for name, public, encrypted in (("warehouse-open", True, False), ("warehouse-private", False, True)):
        redshift.create_cluster(ClusterIdentifier=name, NodeType="dc2.large", MasterUsername="app",
                                MasterUserPassword="NotASecret1", PubliclyAccessible=public, Encrypted=encrypted,
                                VpcSecurityGroupIds=[open_group], Port=5439)
        (world.arns if public else world.clean)[name] = f"arn:aws:redshift:{region}:{ACCOUNT}:cluster:{name}"

    cache = _client(endpoint, "elasticache", region)
    for name, sealed in (("cache-plain", False), ("cache-sealed", True)):
        group = cache.create_replication_group(
            ReplicationGroupId=name, ReplicationGroupDescription=name, Engine="redis", CacheNodeType="cache.t3.micro",
            TransitEncryptionEnabled=sealed, AtRestEncryptionEnabled=sealed)["ReplicationGroup"]
        (world.clean if sealed else world.arns)[name] = group["ARN"]

    apigateway = _client(endpoint, "apigateway", region)
    for name, policy in (("api-old.example.com", "TLS_1_0"), ("api.example.com", "TLS_1_2")):
        apigateway.create_domain_name(domainName=name, securityPolicy=policy,
                                      regionalCertificateArn=f"arn:aws:acm:{region}:{ACCOUNT}:certificate/1",
                                      endpointConfiguration={"types": ["REGIONAL"]})
        (world.arns if policy == "TLS_1_0" else world.clean)[name] = f"arn:aws:apigateway:{region}::/domainnames/{name}"

"""`tenet audit aws` against a real moto server: exact findings, failures, read-only calls, snapshots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import jsonschema  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner

from scanner.audit.aws.collectors import AwsAuditOptions, audit_aws
from scanner.audit.engine import AuditResult
from scanner.cli import main
from scanner.engine.findings import Finding
from scanner.model import DataStore
from scanner.scan import Scanner
from tests.audit.conftest import ACCOUNT, OTHER_ACCOUNT, REGIONS, ROLE, FaultProxy, World, point_at

ROOT = Path(__file__).resolve().parents[2]
REGION_LIST = ",".join(REGIONS)


def expected(world: World) -> Counter[tuple[str, str]]:
    """Every finding the audit of `aws_world` (account 123456789012, both regions) must give."""
    a = world.arns
    created = [
        ("NET-001", a["ssh-v4"]),
        ("NET-001", a["ssh-v6"]),
        ("ENC-001", a["plain-volume"]),
        ("ENC-001", a["orders-db"]),
        ("TLS-002", a["east:443"]),
        ("IAM-001", a["allow-everything"]),
        ("IAM-005", a["open-trust"]),
        ("IAM-005", a["tenet-public-assets"]),
        ("TLS-001", a["tenet-public-assets"]),  # its policy does not refuse plain HTTP
        ("IAM-006", a["admins"]),
    ]
    # AWS (and moto) give every group an egress rule to 0.0.0.0/0 on all protocols.
    egress = [("NET-004", a[g]) for g in ("ssh-v4", "ssh-v6", "scoped")]
    defaults = [("NET-004", arn) for arn in world.default_groups.values()]
    defaults += [("ENC-001", a[f"ebs-default-{r}"]) for r in REGIONS]
    defaults += [("NET-001", world.defaults[f"acl-{r}"]) for r in REGIONS]
    defaults += [("ENC-001", world.defaults["orders-db-snapshot"]), ("TLS-001", world.defaults["postgres-parameters"])]
    return Counter(created + egress + defaults)


def found(findings: list[Finding] | list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    rows = [f if isinstance(f, dict) else f.model_dump(mode="json") for f in findings]
    return Counter((f["rule_id"], f["resource"]) for f in rows)


def audit(**options: Any) -> AuditResult:
    return audit_aws(AwsAuditOptions(**{"regions": REGIONS, **options}))


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- What is found -----------------------------------------------------------------------------------------


def test_audit_gives_exactly_the_expected_findings(aws_env: str, aws_world: World) -> None:
    result = audit()
    assert result.errors == []
    assert result.accounts == [ACCOUNT]
    assert result.regions == sorted(REGIONS)
    scanned = Scanner().evaluate(result.load_result())
    assert scanned.errors == []
    assert found(scanned.findings) == expected(aws_world)
    by_rule = Counter(f.rule_id for f in scanned.findings)
    assert by_rule == {"NET-001": 4, "NET-004": 5, "ENC-001": 5, "TLS-001": 2, "TLS-002": 1, "IAM-001": 1, "IAM-005": 2,
                       "IAM-006": 1}
    for f in scanned.findings:
        assert f.source == "aws" and f.account == ACCOUNT and f.location is None
        global_service = f.resource.startswith("arn:aws:iam::")
        assert f.region == (None if global_service else f.resource.split(":")[3] or "eu-west-1")


def test_listeners_are_judged_by_protocol_and_redirect(aws_env: str, aws_world: World) -> None:
    """moto gives HTTP listeners an SslPolicy: it is not judged; the HTTP listener only redirects."""
    endpoints = {a.origin.resource: a for a in audit().assets if a.asset_type == "tls_endpoint"}
    http = endpoints[aws_world.arns["east:80"]]
    assert http.model_dump(include={"min_version", "plaintext_allowed", "policy_name"}) == {
        "min_version": None, "plaintext_allowed": False, "policy_name": None}
    assert endpoints[aws_world.arns["west:443"]].min_version == "TLSv1.2"
    assert endpoints[aws_world.arns["east:443"]].min_version == "TLSv1.0"


TERRAFORM_EQUIVALENT = """
resource "aws_security_group" "ssh_v4" {
  name = "ssh-v4"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "ssh_v6" {
  name = "ssh-v6"
  ingress {
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "scoped" {
  name = "scoped"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ebs_volume" "plain" {
  availability_zone = "us-east-1a"
  size              = 8
}

resource "aws_ebs_volume" "sealed" {
  availability_zone = "us-east-1a"
  size              = 8
  encrypted         = true
}

resource "aws_db_instance" "orders" {
  identifier        = "orders-db"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
}

resource "aws_db_instance" "billing" {
  identifier        = "billing-db"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  storage_encrypted = true
}

resource "aws_lb" "east" {
  name = "east"
}

resource "aws_lb_listener" "east_https" {
  load_balancer_arn = aws_lb.east.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-2016-08"
  certificate_arn   = "arn:aws:acm:us-east-1:123456789012:certificate/east"
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/east-tg/1"
  }
}

resource "aws_lb_listener" "east_http" {
  load_balancer_arn = aws_lb.east.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb" "west" {
  name = "west"
}

resource "aws_lb_listener" "west_https" {
  load_balancer_arn = aws_lb.west.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/west"
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/west-tg/1"
  }
}

resource "aws_iam_policy" "everything" {
  name   = "allow-everything"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_role" "open_trust" {
  name = "open-trust"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "read_reports" {
  name = "read-reports"
  role = aws_iam_role.open_trust.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::tenet-reports/*" }]
  })
}

resource "aws_iam_group" "admins" {
  name = "admins"
}

resource "aws_iam_group_policy_attachment" "admins" {
  group      = aws_iam_group.admins.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_s3_bucket" "assets" {
  bucket = "tenet-public-assets"
}

resource "aws_s3_bucket_policy" "assets" {
  bucket = aws_s3_bucket.assets.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid = "PublicRead", Effect = "Allow", Principal = "*", Action = "s3:GetObject",
      Resource = "arn:aws:s3:::tenet-public-assets/*"
    }]
  })
}
"""


@pytest.mark.skipif(not list((ROOT / "fixtures" / "rules" / "aws").glob("*.tf")), reason="no AWS Terraform rules")
def test_same_rule_ids_as_the_equivalent_terraform(aws_env: str, aws_world: World, tmp_path: Path) -> None:
    """The state the audit reads, written as Terraform, gives the same rule ids (moto's defaults aside)."""
    (tmp_path / "main.tf").write_text(TERRAFORM_EQUIVALENT, encoding="utf-8")
    from_code = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [str(e) for e in from_code.errors] == []
    defaults = {*aws_world.default_groups.values(), *(aws_world.arns[f"ebs-default-{r}"] for r in REGIONS),
                *aws_world.defaults.values()}
    live = Scanner().evaluate(audit().load_result())
    assert sorted(f.rule_id for f in live.findings if f.resource not in defaults) == \
        sorted(f.rule_id for f in from_code.findings)


def test_assume_role_audits_each_account_apart(aws_env: str, aws_world: World) -> None:
    """A role name is assumed as arn:aws:iam::<account>:role/<name> in each account of --accounts."""
    result = audit(regions=("us-east-1",), assume_role=ROLE, accounts=(ACCOUNT, OTHER_ACCOUNT))
    assert result.errors == []
    assert result.accounts == sorted([ACCOUNT, OTHER_ACCOUNT])
    findings = [f for f in Scanner().evaluate(result.load_result()).findings
                if f.rule_id == "NET-001" and f.resource_type == "AWS::EC2::SecurityGroup"]
    other = {(f.rule_id, f.resource) for f in findings if f.account == OTHER_ACCOUNT}
    assert other == {("NET-001", aws_world.arns["rdp-open"])}
    mine = {(f.rule_id, f.resource) for f in findings if f.account == ACCOUNT}
    assert mine == {("NET-001", aws_world.arns["ssh-v4"])}


def test_two_profiles_of_one_account_make_each_call_once(aws_env: str, aws_world: World, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[profile one]\nregion = us-east-1\n[profile two]\nregion = eu-west-1\n", encoding="utf-8")
    credentials = tmp_path / "credentials"
    credentials.write_text("[one]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
                           "[two]\naws_access_key_id = testing\naws_secret_access_key = testing\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    both = audit(profiles=("one", "two"))
    single = audit(profiles=("one",))
    assert both.errors == [] and both.accounts == [ACCOUNT]
    assert both.calls == single.calls + 1  # the second GetCallerIdentity; everything else is made once
    assert found(Scanner().evaluate(both.load_result()).findings) == expected(aws_world)


# -- Read-only ---------------------------------------------------------------------------------------------


def test_only_read_operations_are_called(aws_env: str, aws_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every operation, on every client of every session the audit makes, is Describe/Get/List, or STS."""
    import botocore.client  # type: ignore[import-untyped]

    hooked: list[tuple[int, str, str, str, str]] = []
    sessions: list[Any] = []

    def factory(**kwargs: Any) -> Any:
        session = boto3.Session(**kwargs)
        index = len(sessions)
        sessions.append(session)

        def seen(model: Any, params: Any, context: Any, **_: Any) -> None:
            # The operation's own parameters (a bucket name travels in the host, not in the body).
            hooked.append((index, context["client_region"], model.service_model.service_name, model.name,
                           json.dumps(params, sort_keys=True, default=str)))

        session.events.register("before-parameter-build", seen)
        return session

    made: list[str] = []
    real = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, api_params: Any) -> Any:
        made.append(operation)
        return real(self, operation, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    result = audit_aws(AwsAuditOptions(regions=REGIONS, assume_role=f"arn:aws:iam::{{account}}:role/{ROLE}",
                                       accounts=(ACCOUNT, OTHER_ACCOUNT)), session_factory=factory)
    assert result.errors == []
    operations = [op for _, _, _, op, _ in hooked]
    assert sorted(operations) == sorted(made), "a client escaped the session-level hook"
    writes = {op for op in operations if not op.startswith(("Describe", "Get", "List"))}
    assert writes == {"AssumeRole"}
    assert Counter(operations)["AssumeRole"] == 2 and Counter(operations)["GetCallerIdentity"] == 1
    # Once per account, region and operation (and resource, for per-bucket and per-listener reads).
    repeated = [call for call, n in Counter(hooked).items() if n > 1]
    assert repeated == []
    assert {"DescribeSecurityGroups", "DescribeVolumes", "GetEbsEncryptionByDefault", "DescribeDBInstances",
            "DescribeDBClusters", "DescribeLoadBalancers", "DescribeListeners", "DescribeRules", "ListDistributions",
            "ListBuckets", "GetBucketLocation", "GetBucketEncryption", "GetBucketPolicy",
            "GetAccountAuthorizationDetails", "ListAliases", "GetPublicAccessBlock", "GetBucketOwnershipControls",
            "GetBucketAcl", "DescribeNetworkAcls", "DescribeImages", "DescribeSnapshots", "DescribeDBSnapshots",
            "DescribeDBClusterSnapshots", "ListClusters"} <= set(operations)


def test_scan_never_imports_an_sdk() -> None:
    code = ("import sys, scanner.cli, scanner.scan, scanner.sources.inventory; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'rich')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


# -- Failures ----------------------------------------------------------------------------------------------


def test_a_denied_service_makes_a_partial_audit(aws_env: str, aws_world: World, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    """EC2 answers UnauthorizedOperation in eu-west-1: its calls fail, everything else is reported, exit 2,
    and the saved inventory stays partial when it is scanned again."""
    with FaultProxy(aws_env, {("ec2", "eu-west-1"): "unauthorized"}) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        inventory = tmp_path / "inventory.json"
        code, out, err = cli("audit", "aws", "--regions", REGION_LIST, "--format", "json",
                             "--save-inventory", str(inventory))
        console_code, console_out, _ = cli("audit", "aws", "--regions", REGION_LIST, "--no-color")
    assert code == 2 and console_code == 2
    report = json.loads(out)
    messages = sorted(e["message"] for e in report["errors"])
    assert messages == [
        f"partial audit: ec2:{op} failed (account {ACCOUNT}, region eu-west-1): UnauthorizedOperation: "
        f"UnauthorizedOperation injected by the test for ('ec2', 'eu-west-1')"
        for op in ("DescribeImages", "DescribeLaunchTemplates", "DescribeNetworkAcls", "DescribeSecurityGroups",
                   "DescribeSnapshots", "DescribeVolumes", "GetEbsEncryptionByDefault")
    ]
    assert all(e["path"] is None and e["level"] == "error" for e in report["errors"])
    assert proxy.hits[("ec2", "eu-west-1")] == 2 * 7  # two audits; access denied is not retried
    a = aws_world.arns
    unseen = Counter([("NET-001", a["ssh-v6"]), ("NET-004", a["ssh-v6"]),
                      ("NET-001", aws_world.defaults["acl-eu-west-1"]),
                      ("NET-004", aws_world.default_groups["eu-west-1"]), ("ENC-001", a["ebs-default-eu-west-1"])])
    assert found(report["findings"]) == expected(aws_world) - unseen
    assert "partial audit: 7 of " in console_out and "UnauthorizedOperation" in console_out
    assert "partial audit" in err  # the progress lines on stderr say so too

    rescanned_code, rescanned, _ = cli("scan", str(inventory), "--format", "json")
    again = json.loads(rescanned)
    assert rescanned_code == 2
    assert found(again["findings"]) == found(report["findings"])
    assert sorted(e["message"] for e in again["errors"]) == messages
    assert {e["path"] for e in again["errors"]} == {os.path.relpath(inventory)}


def test_throttling_and_unparseable_answers_are_recorded(aws_env: str, aws_world: World,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Throttling that outlives the retries, and an HTML 500 page (moto's answer to an unimplemented action,
    which botocore raises as ResponseParserError), are recorded; the reads that depend on them still run."""
    with FaultProxy(aws_env, {("kms", "us-east-1"): "throttle",
                              ("elasticloadbalancing", "eu-west-1"): "html500"}) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        result = audit(max_attempts=2)
    errors = {(e.region, e.service, e.operation): e for e in result.errors}
    # Classic and current load balancers share the signing name elasticloadbalancing: both fail.
    assert sorted(errors) == [("eu-west-1", "elb", "DescribeLoadBalancers"),
                              ("eu-west-1", "elbv2", "DescribeLoadBalancers"), ("us-east-1", "kms", "ListAliases")]
    throttled = errors[("us-east-1", "kms", "ListAliases")]
    assert throttled.code == "ThrottlingException" and "still throttled after 2 attempts" in throttled.message
    assert errors[("eu-west-1", "elbv2", "DescribeLoadBalancers")].code == "ResponseParserError"
    # Throttling is retried (2 attempts in all); botocore does not retry an answer it cannot parse.
    assert proxy.hits == {("kms", "us-east-1"): 2, ("elasticloadbalancing", "eu-west-1"): 2}
    findings = found(Scanner().evaluate(result.load_result()).findings)
    assert findings[("ENC-001", aws_world.arns["plain-volume"])] == 1  # volumes were read without the aliases
    sealed = [a for a in result.assets if isinstance(a, DataStore) and a.kind == "block_volume" and a.encrypted is True]
    assert len(sealed) == 1 and "aliases could not be read" in str(sealed[0].key_management)


def test_missing_credentials_are_an_error_not_a_traceback(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, out, _ = cli("audit", "aws", "--regions", "us-east-1", "--format", "json")
    assert code == 2
    assert [e["message"] for e in json.loads(out)["errors"]] == [
        "partial audit: sts:GetCallerIdentity failed (region global, default credentials): "
        "NoCredentialsError: Unable to locate credentials"]


@pytest.mark.parametrize(("args", "message"), [
    (["--accounts", "111111111111"], "--accounts needs --assume-role"),
    (["--assume-role", "TenetAudit"], "needs --accounts"),
    (["--assume-role", "arn:aws:iam::111111111111:role/A", "--accounts", "222222222222"], "names one account"),
    (["--regions", ","], "--regions is empty"),
])
def test_usage_errors(args: list[str], message: str) -> None:
    code, _, err = cli("audit", "aws", *args)
    assert code == 2 and message in err


# -- Snapshots and reports ---------------------------------------------------------------------------------


def test_inventory_round_trip(aws_env: str, aws_world: World, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.json"
    code, out, err = cli("audit", "aws", "--regions", REGION_LIST, "--format", "json",
                         "--save-inventory", str(inventory))
    assert code == 1, err  # findings, no errors
    assert inventory.read_bytes().startswith(b'{\n "tenet_inventory": "1"')
    saved = json.loads(inventory.read_text(encoding="utf-8"))
    assert saved["accounts"] == [ACCOUNT] and saved["regions"] == sorted(REGIONS) and saved["errors"] == []
    assert saved["provider"] == "aws" and saved["tool"]["name"] == "tenet"
    rescanned_code, rescanned, _ = cli("scan", str(inventory), "--format", "json")
    assert rescanned_code == 1
    live, offline = json.loads(out), json.loads(rescanned)
    schema = json.loads((ROOT / "scanner" / "reports" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(live)
    assert offline["findings"] == live["findings"]
    assert found(live["findings"]) == expected(aws_world)
    assert {f["source"] for f in live["findings"]} == {"aws"}
    assert "tenet audit aws:" in err and out.lstrip().startswith("{")  # progress on stderr, JSON alone on stdout


def test_sarif_report_of_an_audit(aws_env: str, aws_world: World) -> None:
    code, out, _ = cli("audit", "aws", "--regions", "us-east-1", "--format", "sarif", "--sarif-include-unlocated")
    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"NET-001", "TLS-002", "IAM-001", "IAM-005", "ENC-001"}
    # Without a state no live finding has a file: SARIF meant for upload leaves them out, and says how many.
    code, out, _ = cli("audit", "aws", "--regions", "us-east-1", "--format", "sarif")
    run = json.loads(out)["runs"][0]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert code == 1 and run["results"] == []
    assert any(n.startswith(f"{len(results)} findings have no file in the repository and were left out")
               for n in notes)


def test_environment_is_what_the_fixture_says(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    """botocore itself honours AWS_ENDPOINT_URL: a plain client reaches moto."""
    point_at(monkeypatch, moto_endpoint, tmp_path)
    client = boto3.client("sts", region_name="us-east-1")
    assert client.meta.endpoint_url == moto_endpoint
    assert client.get_caller_identity()["Account"] == ACCOUNT


def test_periodic_audit_against_a_baseline(aws_env: str, aws_world: World, tmp_path: Path) -> None:
    """Accept today's findings, then gate the next audit on what is new: nothing is, so exit 0."""
    baseline = tmp_path / "baseline.json"
    code, _, err = cli("audit", "aws", "--regions", "us-east-1", "--format", "json", "--write-baseline", str(baseline))
    assert code == 0 and "wrote" in err, err
    code, out, _ = cli("audit", "aws", "--regions", "us-east-1", "--format", "json", "--baseline", str(baseline))
    report = json.loads(out)
    assert code == 0
    assert report["findings"] and all(f["suppressed"] for f in report["findings"])
    code, _, _ = cli("audit", "aws", "--regions", REGION_LIST, "--format", "json", "--baseline", str(baseline))
    assert code == 1  # eu-west-1's findings are not in the baseline


def test_an_audit_reports_compliance(aws_env: str, aws_world: World) -> None:
    """--compliance on a live audit: the CIS AWS controls from what the account holds, findings by fingerprint."""
    code, out, _ = cli("audit", "aws", "--regions", REGION_LIST, "--format", "json", "--compliance", "cis-aws-4.0")
    report = json.loads(out)
    assert code == 1
    [entry] = report["compliance"]
    controls = {c["id"]: c for c in entry["controls"]}
    failed: dict[tuple[str, str], set[str]] = {}
    for f in report["findings"]:
        if f["status"] == "fail":
            failed.setdefault((f["rule_id"], f["resource_type"]), set()).add(f["fingerprint"])
    # A control counts only the live resources of the kinds it names (live types mapped onto Terraform's):
    # security groups for 5.3, network ACLs for 5.2; ENC-001 on the RDS instance fails 2.2.1, not EBS or EFS.
    groups, acls = failed[("NET-001", "AWS::EC2::SecurityGroup")], failed[("NET-001", "AWS::EC2::NetworkAcl")]
    assert controls["5.3"]["status"] == "fail" and set(controls["5.3"]["findings"]) == groups
    assert controls["5.2"]["status"] == "fail" and set(controls["5.2"]["findings"]) == acls
    assert controls["5.3"]["evaluated"]["NET-001"] > 0
    databases = failed[("ENC-001", "AWS::RDS::DBInstance")]
    volumes = failed[("ENC-001", "AWS::EC2::Volume")] | failed[("ENC-001", "AWS::EC2::EBSEncryptionByDefault")]
    assert controls["2.2.1"]["status"] == "fail" and set(controls["2.2.1"]["findings"]) == databases
    assert controls["5.1.1"]["status"] == "fail" and set(controls["5.1.1"]["findings"]) == volumes
    assert set(controls["2.3.1"]["findings"]) == failed.get(("ENC-001", "AWS::EFS::FileSystem"), set())
    assert controls["1.15"]["status"] == "not-covered"
    assert {c["status"] for c in entry["controls"] if c["coverage"] in ("full", "partial")} <= {"pass", "fail",
                                                                                                "unknown"}

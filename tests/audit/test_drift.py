"""Drift end to end against moto (issue #17): live security groups linked to the Terraform state that manages
them, located at their .tf lines, and classed in-code, drifted, unmanaged or not-live."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import jsonschema  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner

from scanner.cli import main
from tests.reports.test_sarif import SCHEMA_PATH as SARIF_SCHEMA
from tests.reports.test_sarif import github_problems

# A region no other test touches: this test's groups stay out of their expectations.
REGION = "ap-southeast-2"
SECRET = "hunter2-not-for-reports"
SCHEMA = Path(__file__).resolve().parents[2] / "scanner" / "reports" / "report.schema.json"
CONFIG = """resource "aws_security_group" "web" {
  name = "drift-web"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
resource "aws_security_group" "open" {
  name = "drift-open"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "gone" {
  name = "drift-gone"
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "closed" {
  name = "drift-closed"
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def _ssh(cidr: str, port: int = 22) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


def _state_group(name: str, group_id: str, arn: str, cidr: str, port: int) -> dict[str, Any]:
    return {"mode": "managed", "type": "aws_security_group", "name": name,
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [{"schema_version": 1, "sensitive_attributes": [], "attributes": {
                "arn": arn, "id": group_id, "name": f"drift-{name}", "description": "Managed by Terraform",
                "egress": [], "ingress": [{"cidr_blocks": [cidr], "description": "", "from_port": port,
                                           "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp",
                                           "security_groups": [], "self": False, "to_port": port}],
                "vpc_id": "vpc-1", "tags": {}, "tags_all": {}}}]}


@pytest.fixture
def estate(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=aws_env)
    account = boto3.client("sts", region_name=REGION, endpoint_url=aws_env).get_caller_identity()["Account"]
    groups: dict[str, str] = {}
    for name in ("web", "open", "unmanaged", "closed"):
        groups[name] = ec2.create_security_group(GroupName=f"drift-{name}-{tmp_path.name}",
                                                 Description="drift test")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=groups["web"], IpPermissions=[_ssh("10.0.0.0/8")])
    ec2.authorize_security_group_ingress(GroupId=groups["open"], IpPermissions=[_ssh("0.0.0.0/0")])
    ec2.authorize_security_group_ingress(GroupId=groups["unmanaged"], IpPermissions=[_ssh("0.0.0.0/0", 3389)])
    ec2.authorize_security_group_ingress(GroupId=groups["closed"], IpPermissions=[_ssh("0.0.0.0/0", 3389)])
    # By hand, in the console: SSH opened to the world on a managed group; RDP closed on another, which the code
    # still opens; a public policy on a bucket no state manages.
    ec2.authorize_security_group_ingress(GroupId=groups["web"], IpPermissions=[_ssh("0.0.0.0/0")])
    ec2.revoke_security_group_ingress(GroupId=groups["closed"], IpPermissions=[_ssh("0.0.0.0/0", 3389)])
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=aws_env)
    bucket = f"drift-public-{tmp_path.name.lower().replace('_', '-')}"[:63]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))

    def arn(group_id: str) -> str:
        return f"arn:aws:ec2:{REGION}:{account}:security-group/{group_id}"

    state = {"version": 4, "terraform_version": "1.11.4", "serial": 3,
             "lineage": "0b8e7c6d-1a2b-4c3d-9e8f-7a6b5c4d3e2f", "outputs": {}, "check_results": None, "resources": [
                 _state_group("web", groups["web"], arn(groups["web"]), "10.0.0.0/8", 22),
                 _state_group("open", groups["open"], arn(groups["open"]), "0.0.0.0/0", 22),
                 # Applied once, deleted by hand since: the state still records it.
                 _state_group("gone", "sg-0deadbeef0000000", arn("sg-0deadbeef0000000"), "0.0.0.0/0", 3389),
                 _state_group("closed", groups["closed"], arn(groups["closed"]), "0.0.0.0/0", 3389)]}
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(CONFIG)
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state, indent=2))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _audit(*extra: str) -> tuple[int, dict[str, Any]]:
    run = CliRunner().invoke(main, ["audit", "aws", "--regions", REGION, "--state", "terraform.tfstate",
                                    "--format", "json", *extra])
    return run.exit_code, json.loads(run.stdout)


def test_live_findings_are_classed_and_located_at_the_tf_lines(estate: Path) -> None:
    code, report = _audit()
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    # Other tests' resources share the moto account: only what this test made, and what the state manages.
    mine = [f for f in report["findings"] if f["drift"] != "unmanaged" or (f["region"] == REGION and f["rule_id"] in (
        "NET-001", "IAM-005"))]
    by_class: dict[str, set[tuple[str, str | None, int | None]]] = {}
    for f in mine:
        location = f["location"] or {}
        by_class.setdefault(f["drift"], set()).add((f["rule_id"], location.get("path"), location.get("start_line")))
    assert ("NET-001", "main.tf", 1) in by_class["drifted"]  # web: 10.0.0.0/8 in the code, the world live
    assert ("NET-001", "main.tf", 10) in by_class["in-code"]  # open: in the code too
    assert ("NET-001", None, None) in by_class["unmanaged"]  # no state manages it: no .tf line
    assert ("NET-001", "main.tf", 21) in by_class["not-live"]  # gone: in the state, not live (its ingress block)
    assert ("NET-001", "main.tf", 30) in by_class["not-live"]  # closed by hand: live, but RDP is no longer open
    assert ("IAM-005", None, None) in by_class["unmanaged"]  # the public bucket
    # (AWS gives every new group an allow-all egress rule that the state does not record: NET-004 drifted too.)
    drifted = next(f for f in mine if f["drift"] == "drifted" and f["rule_id"] == "NET-001")
    assert drifted["resource"].startswith(f"arn:aws:ec2:{REGION}:")
    # The attribute that differs, in the detail and the message.
    assert drifted["drift_detail"] == "aws_security_group.web: ingress 22: code 10.0.0.0/8, live 0.0.0.0/0, 10.0.0.0/8"
    assert drifted["message"].endswith("; drifted from the code: ingress 22: code 10.0.0.0/8, live 0.0.0.0/0, "
                                       "10.0.0.0/8")
    egress = next(f for f in mine if f["drift"] == "drifted" and f["rule_id"] == "NET-004")
    assert egress["drift_detail"].endswith("egress all ports: code none, live 0.0.0.0/0")
    assert code == 1


def test_fail_on_drift_gates_only_on_drift(estate: Path) -> None:
    code, _ = _audit("--fail-on-drift")
    assert code == 1  # the drifted web group and the unmanaged one
    state = json.loads((estate / "terraform.tfstate").read_text())
    state["resources"] = [r for r in state["resources"] if r["name"] == "open"]
    (estate / "terraform.tfstate").write_text(json.dumps(state))
    run = CliRunner().invoke(main, ["audit", "aws", "--regions", REGION, "--state", "terraform.tfstate",
                                    "--fail-on-drift", "--fail-on", "critical", "--format", "json"])
    classes = {f["drift"] for f in json.loads(run.stdout)["findings"] if f["region"] == REGION}
    assert "unmanaged" in classes and run.exit_code == 1


def test_the_mute_list_applies_to_live_findings(estate: Path) -> None:
    """Issue #13's mute list, by account, region and ARN pattern: muted findings stay visible as suppressed."""
    (estate / ".tenet.toml").write_text(f'''[[mute]]
rule = "NET-001"
account = "123456789012"
region = "{REGION}"
resource = "arn:aws:ec2:{REGION}:*:security-group/*"
reason = "lab account, SEC-9"
''')
    run = CliRunner().invoke(main, ["audit", "aws", "--regions", REGION, "--format", "json"])
    mine = [f for f in json.loads(run.stdout)["findings"] if f["region"] == REGION and f["rule_id"] == "NET-001"]
    groups = [f for f in mine if ":security-group/" in f["resource"]]
    assert groups and all(f["suppressed"] and f["justification"] == "mute list: lab account, SEC-9" for f in groups)
    # What the pattern does not name (the default network ACL, say) is not muted.
    assert all(not f["suppressed"] for f in mine if f not in groups)


def test_state_auto_reads_the_s3_backend_and_a_missing_state_is_an_error(estate: Path, aws_env: str) -> None:
    """`--state auto`: the configuration's s3 backend block, completed by --backend-config, read from moto through
    AWS_ENDPOINT_URL; the state's secrets appear nowhere; an object that is not there is an error entry (exit 2)."""
    state = json.loads((estate / "terraform.tfstate").read_text())
    # A secret in the state, as a database password would be: marked sensitive, never printed.
    state["resources"][0]["instances"][0]["attributes"]["description"] = SECRET
    state["resources"][0]["instances"][0]["sensitive_attributes"] = [[{"type": "get_attr", "value": "description"}]]
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=aws_env)
    bucket = f"tenet-state-{estate.name.lower().replace('_', '-')}"[:63]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="env:/staging/network/terraform.tfstate", Body=json.dumps(state).encode())
    (estate / "terraform.tfstate").unlink()
    (estate / "backend.tf").write_text(f'terraform {{\n  backend "s3" {{\n    bucket = "{bucket}"\n'
                                       f'    region = "{REGION}"\n  }}\n}}\n')
    (estate / "backend.hcl").write_text('# partial configuration, as for terraform init -backend-config=backend.hcl\n'
                                        'key = "network/terraform.tfstate"\n')
    # The configuration writes the secret too, inside the lines the SARIF snippet of a linked finding shows.
    (estate / "main.tf").write_text(CONFIG.replace('name = "drift-web"', f'description = "{SECRET}"', 1))
    run = CliRunner().invoke(main, ["audit", "aws", "--regions", REGION, "--state", "auto", "--backend-config",
                                    "backend.hcl", "--format", "json", "--sarif", "drift.sarif"],
                             env={"TF_WORKSPACE": "staging"})
    sarif = (estate / "drift.sarif").read_text()
    assert "(sensitive value)" in sarif
    assert "hunter2" not in run.stdout + run.stderr + sarif
    report = json.loads(run.stdout)
    assert not report["errors"], report["errors"]
    located = {(f["drift"], f["rule_id"], f["location"]["start_line"]) for f in report["findings"] if f["location"]}
    assert {("drifted", "NET-001", 1), ("in-code", "NET-001", 10), ("not-live", "NET-001", 21)} <= located
    assert all(f["location"]["path"] == "main.tf" for f in report["findings"] if f["location"])
    # The default workspace's state was never written: an error entry naming it, not a silent clean audit.
    run = CliRunner().invoke(main, ["audit", "aws", "--regions", REGION, "--state", "auto", "--backend-config",
                                    "backend.hcl", "--format", "json"], env={"TF_WORKSPACE": ""})
    errors = json.loads(run.stdout)["errors"]
    assert run.exit_code == 2
    assert [(e["path"], e["message"].split(":")[:2]) for e in errors] == [
        (f"s3://{bucket}/network/terraform.tfstate", ["the state could not be read", " GetObject"])]
    assert "NoSuchKey" in errors[0]["message"]


def test_tenet_drift_finds_the_state_the_cloud_and_the_regions(estate: Path) -> None:
    """`tenet drift`: no backend block, so the local backend's terraform.tfstate; AWS from its resources; the
    region from their ARNs. The same classes as the audit it stands for."""
    run = CliRunner().invoke(main, ["drift", "--format", "json", "--sarif", "drift.sarif"])
    assert f"tenet drift: aws {REGION}, against terraform.tfstate" in run.stderr
    report = json.loads(run.stdout)
    assert {f["region"] for f in report["findings"] if f["region"]} == {REGION}  # only the state's region
    classes = {(f["drift"], f["rule_id"], (f["location"] or {}).get("start_line")) for f in report["findings"]}
    assert {("drifted", "NET-001", 1), ("in-code", "NET-001", 10), ("not-live", "NET-001", 21),
            ("unmanaged", "NET-001", None)} <= classes
    assert run.exit_code == 1
    log = json.loads((estate / "drift.sarif").read_text())
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    assert github_problems(log) == []  # what GitHub code scanning needs: it can be uploaded
    sarif = log["runs"][0]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "main.tf" for r in sarif["results"])
    # A state of two clouds needs the cloud named; a state that cannot be read is an error (exit 2).
    state = json.loads((estate / "terraform.tfstate").read_text())
    state["resources"].append({"mode": "managed", "type": "google_compute_firewall", "name": "x", "provider":
                               'provider["registry.terraform.io/hashicorp/google"]', "instances": [
                                   {"attributes": {"id": "projects/tenet-x1/global/firewalls/x"}}]})
    (estate / "terraform.tfstate").write_text(json.dumps(state))
    run = CliRunner().invoke(main, ["drift"])
    assert run.exit_code == 2 and "records resources of aws, gcp: name the cloud, as in `tenet drift aws`" in \
        run.stderr
    run = CliRunner().invoke(main, ["drift", "--state", "s3://no-such-bucket-for-tenet/terraform.tfstate"])
    assert run.exit_code == 2
    assert "s3://no-such-bucket-for-tenet/terraform.tfstate: the state could not be read: GetObject: NoSuchBucket" \
        in run.stderr

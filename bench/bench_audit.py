"""Benchmark: `tenet audit aws` against moto, and how its time grows with the number of security groups.

    python bench/bench_audit.py                          # 250/500/1,000/2,000 groups over 4 regions
    python bench/bench_audit.py --counts 100,200 --regions 2 --repeat 1
    python bench/bench_audit.py --scenario breadth       # every service the audit reads, 1/2/4/8 sets per region
    python bench/bench_audit.py --scenario accounts      # accounts x regions (AssumeRole), calls/s, peak memory

The accounts scenario audits A accounts (one reached with the default credentials' AssumeRole each,
as `--assume-role TenetAudit --accounts ...` does) in R regions, each account and region holding
`--groups` security groups, for each AxR of `--grid`; it prints work items, calls, wall time, seconds
per work item, calls per second, the CLI process's CPU seconds and peak memory and the snapshot's size
(and bytes per object), then the
same audit as `--shards` shards run at the same time and merged (the sharded wall time is the
slowest shard's, as on a job runner with one machine per shard; here they share the one machine).

The breadth scenario plants, per set and region, one resource of each service the audit reads
(buckets with ACLs and policies, groups, network ACLs, Lambda functions with policies and URLs,
ECR, Secrets Manager, EFS, SQS, SNS, KMS, DynamoDB, Kinesis, CloudWatch Logs, RDS with a public
snapshot, EBS snapshots, ElastiCache, classic load balancers, EKS, API Gateway domains) and prints
calls, seconds, calls per resource and seconds per resource as the sets grow.

moto runs in a process of its own (as a real endpoint would), on 127.0.0.1. Creating
the groups is setup and is not timed. For each count the benchmark times:

- `audit`: the audit alone, in this process (API calls and normalisation), warm;
- `cli`: the whole `tenet audit aws --format json` command in a fresh process, as a user
  runs it: interpreter start, imports, botocore's service models, every call, the rules, the report.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALL_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "us-west-2", "eu-central-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine: moto finishing its last requests
            proc.kill()
            proc.wait()


def environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    env |= {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true"}
    return env


def create_groups(url: str, regions: tuple[str, ...], start: int, stop: int) -> None:
    """Groups number `start` to `stop - 1`, spread over `regions`: HTTPS from anywhere, SSH from a
    /16, and on every tenth one SSH from the internet."""
    import boto3  # type: ignore[import-untyped]

    clients = {r: boto3.client("ec2", region_name=r, endpoint_url=url, aws_access_key_id="bench",
                               aws_secret_access_key="bench") for r in regions}

    def one(i: int) -> None:
        ec2 = clients[regions[i % len(regions)]]
        group = ec2.create_security_group(GroupName=f"bench-{i}", Description=f"bench group {i}")["GroupId"]
        ssh = "0.0.0.0/0" if i % 10 == 0 else f"10.{i % 250}.0.0/16"
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": ssh}]},
        ])

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(start, stop)))


def audit_in_process(regions: tuple[str, ...], repeat: int) -> tuple[float, int, int]:
    """Best time of the audit alone, with the number of calls and of objects read."""
    from scanner.audit.aws.collectors import AwsAuditOptions, audit_aws

    best, calls, objects = float("inf"), 0, 0
    for _ in range(repeat):
        t = time.perf_counter()
        result = audit_aws(AwsAuditOptions(regions=regions))
        best = min(best, time.perf_counter() - t)
        if result.errors:
            raise RuntimeError(f"the audit failed: {result.errors[0].scan_error().message}")
        calls, objects = result.calls, len(result.assets)
    return best, calls, objects


def audit_cli(url: str, regions: tuple[str, ...], repeat: int) -> tuple[float, dict[str, Any]]:
    """Best wall time of the whole command in a fresh interpreter, with its JSON summary."""
    cmd = [sys.executable, "-m", "scanner", "audit", "aws", "--regions", ",".join(regions), "--format", "json"]
    best, summary = float("inf"), {}
    for _ in range(repeat):
        t = time.perf_counter()
        done = subprocess.run(cmd, env=environment(url), cwd=ROOT, capture_output=True, text=True)
        best = min(best, time.perf_counter() - t)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"tenet audit aws exited {done.returncode}: {done.stderr[-2000:]}")
        summary = json.loads(done.stdout)["summary"]
    return best, summary


def create_breadth(url: str, regions: tuple[str, ...], start: int, stop: int) -> int:
    """Sets `start` to `stop - 1` of one resource per service in each region; returns the resources made."""
    import io
    import zipfile

    import boto3

    def client(service: str, region: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=url, aws_access_key_id="bench",
                            aws_secret_access_key="bench")

    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    iam = client("iam", "us-east-1")
    role = (iam.get_role(RoleName="bench-fn") if start else iam.create_role(
        RoleName="bench-fn", AssumeRolePolicyDocument=trust))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    anyone = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})

    def one(job: tuple[str, int]) -> int:
        region, i = job
        name = f"bench-{region}-{i}"
        s3, ec2, rds = client("s3", region), client("ec2", region), client("rds", region)
        config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **config)
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
        group = ec2.create_security_group(GroupName=name, Description=name)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
                                     CidrBlock="0.0.0.0/0", PortRange={"From": 3389, "To": 3389})
        volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)["VolumeId"]
        snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
        ec2.modify_snapshot_attribute(SnapshotId=snapshot, Attribute="createVolumePermission", OperationType="add",
                                      GroupNames=["all"])
        lam = client("lambda", region)
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handle",
                            Code={"ZipFile": code.getvalue()})
        lam.add_permission(FunctionName=name, StatementId="anyone", Action="lambda:InvokeFunction", Principal="*")
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
        client("ecr", region).create_repository(repositoryName=name)
        client("ecr", region).set_repository_policy(repositoryName=name, policyText=anyone)
        client("secretsmanager", region).create_secret(Name=name, SecretString="bench")
        client("secretsmanager", region).put_resource_policy(SecretId=name, ResourcePolicy=anyone)
        client("efs", region).create_file_system(CreationToken=name)
        client("sqs", region).create_queue(QueueName=name, Attributes={"Policy": anyone})
        client("sns", region).create_topic(Name=name)
        client("kms", region).create_key(Policy=anyone)
        client("dynamodb", region).create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        client("kinesis", region).create_stream(StreamName=name, ShardCount=1)
        client("logs", region).create_log_group(logGroupName=name)
        rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="mysql",
                               MasterUsername="bench", MasterUserPassword="bench-password", AllocatedStorage=20,
                               PubliclyAccessible=True, VpcSecurityGroupIds=[group])
        rds.create_db_snapshot(DBInstanceIdentifier=name, DBSnapshotIdentifier=f"{name}-manual")
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=f"{name}-manual", AttributeName="restore",
                                         ValuesToAdd=["all"])
        client("elasticache", region).create_replication_group(
            ReplicationGroupId=name[-40:], ReplicationGroupDescription=name, Engine="redis",
            CacheNodeType="cache.t3.micro")
        client("elb", region).create_load_balancer(LoadBalancerName=f"b{i}-{region}"[:32], AvailabilityZones=[
            f"{region}a"], Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
        client("eks", region).create_cluster(name=name, roleArn=role, resourcesVpcConfig={"subnetIds": []})
        client("apigateway", region).create_domain_name(domainName=f"{name}.example.com", securityPolicy="TLS_1_0")
        return 23  # resources made per set

    with ThreadPoolExecutor(8) as pool:
        return sum(pool.map(one, [(r, i) for i in range(start, stop) for r in regions]))


def breadth(args: argparse.Namespace, regions: tuple[str, ...]) -> None:
    sets = sorted(int(c) for c in args.sets.split(","))
    with moto_server() as url:
        os.environ.update(environment(url))
        audit_in_process(regions, 1)
        print(f"moto at {url}; breadth scenario over {len(regions)} regions: {', '.join(regions)}")
        print(f"{'sets':>5} {'resources':>9} {'setup s':>8} {'audit s':>8} {'calls':>6} {'calls/res':>9} "
              f"{'ms/res':>7} {'cli s':>7} {'findings':>9}")
        made, resources = 0, 0
        for count in sets:
            t = time.perf_counter()
            resources += create_breadth(url, regions, made, count)
            setup = time.perf_counter() - t
            made = count
            audit_s, calls, _ = audit_in_process(regions, args.repeat)
            cli_s, summary = audit_cli(url, regions, args.repeat)
            print(f"{count:>5} {resources:>9} {setup:>8.1f} {audit_s:>8.2f} {calls:>6} {calls / resources:>9.2f} "
                  f"{1000 * audit_s / resources:>7.1f} {cli_s:>7.2f} {summary['findings']:>9}")


# Runs the CLI and prints its peak resident memory (KiB) and CPU seconds on the last line of stderr.
_PEAK = ("import resource, sys\n"
         "from scanner.cli import main\n"
         "try:\n"
         "    main(sys.argv[1:], prog_name='tenet')\n"
         "finally:\n"
         "    used = resource.getrusage(resource.RUSAGE_SELF)\n"
         "    print(used.ru_maxrss, used.ru_utime + used.ru_stime, file=sys.stderr)\n")
_ACCOUNT_BASE = 300000000000


def create_accounts(url: str, accounts: int, regions: tuple[str, ...], groups: int) -> None:
    """`groups` security groups (HTTPS from anywhere) in each region of accounts number 0 to `accounts` - 1."""
    import boto3

    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=url, aws_access_key_id="bench",
                       aws_secret_access_key="bench")

    def one(job: tuple[int, str]) -> None:
        account, region = job
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{_ACCOUNT_BASE + account}:role/TenetAudit",
                                RoleSessionName="bench")["Credentials"]
        ec2 = boto3.client("ec2", region_name=region, endpoint_url=url, aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        for i in range(groups):
            group = ec2.create_security_group(GroupName=f"bench-{i}", Description="bench")["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, [(a, r) for a in range(accounts) for r in regions]))


def audit_accounts(url: str, accounts: int, regions: tuple[str, ...], out: Path, *extra: str
                   ) -> subprocess.Popen[str]:
    ids = ",".join(str(_ACCOUNT_BASE + a) for a in range(accounts))
    cmd = [sys.executable, "-c", _PEAK, "audit", "aws", "--assume-role", "TenetAudit", "--accounts", ids,
           "--regions", ",".join(regions), "--format", "json", "--save-inventory", str(out), *extra]
    return subprocess.Popen(cmd, env=environment(url), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def _finished(proc: subprocess.Popen[str]) -> tuple[int, float]:
    """The process's peak memory in KiB and CPU seconds, once it has exited as an audit with findings (0 or 1)."""
    _, err = proc.communicate()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"tenet audit aws exited {proc.returncode}: {err[-2000:]}")
    for line in reversed(err.strip().splitlines()):
        fields = line.split()
        if len(fields) == 2 and fields[0].isdigit():
            return int(fields[0]), float(fields[1])
    raise RuntimeError(f"no peak memory line in the audit's stderr: {err[-2000:]}")


def accounts_scenario(args: argparse.Namespace) -> None:
    import tempfile

    grid = [tuple(int(n) for n in cell.split("x")) for cell in args.grid.split(",")]
    most_accounts = max(a for a, _ in grid)
    most_regions = ALL_REGIONS[: max(r for _, r in grid)]
    with moto_server() as url, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(environment(url))
        t = time.perf_counter()
        create_accounts(url, most_accounts, most_regions, args.groups)
        print(f"moto at {url}; {most_accounts} accounts x {len(most_regions)} regions, {args.groups} groups each, "
              f"made in {time.perf_counter() - t:.1f} s; CLI runs, best of {args.repeat}")
        print(f"{'AxR':>6} {'items':>6} {'calls':>6} {'objects':>8} {'wall s':>7} {'s/item':>7} {'calls/s':>8} "
              f"{'cpu s':>6} {'peak MiB':>9} {'snap KiB':>9} {'B/object':>9} | {args.shards} shards: {'wall s':>7} "
              f"{'merge s':>8}")
        for accounts, region_count in grid:
            regions = ALL_REGIONS[:region_count]
            inventory = Path(tmp) / "single.json"
            audit_accounts(url, accounts, regions, inventory).communicate()  # warm moto's lazy per-region state
            best, peak, cpu = float("inf"), 0, 0.0
            for _ in range(args.repeat):
                t = time.perf_counter()
                peak, cpu = _finished(audit_accounts(url, accounts, regions, inventory))
                best = min(best, time.perf_counter() - t)
            snapshot = json.loads(inventory.read_text(encoding="utf-8"))
            items, calls = len(snapshot["work"]["covered"]), snapshot["calls"]
            objects = len(snapshot["inventory"]["assets"])
            size = inventory.stat().st_size
            t = time.perf_counter()
            shards = [audit_accounts(url, accounts, regions, Path(tmp) / f"inv-{k}.json", "--shard",
                                     f"{k}/{args.shards}") for k in range(1, args.shards + 1)]
            for proc in shards:
                _finished(proc)
            sharded = time.perf_counter() - t
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "scanner", "merge",
                            *(str(Path(tmp) / f"inv-{k}.json") for k in range(1, args.shards + 1)),
                            "-o", str(Path(tmp) / "org.json")], cwd=ROOT, check=True, capture_output=True)
            merge_s = time.perf_counter() - t
            print(f"{accounts}x{region_count:<4} {items:>6} {calls:>6} {objects:>8} {best:>7.2f} {best / items:>7.3f} "
                  f"{calls / best:>8.0f} {cpu:>6.2f} {peak / 1024:>9.0f} {size / 1024:>9.0f} {size / objects:>9.0f} | "
                  f"{'':>9}{sharded:>7.2f} {merge_s:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="250,500,1000,2000", help="security group counts (cumulative)")
    parser.add_argument("--regions", type=int, default=4, choices=range(1, len(ALL_REGIONS) + 1))
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--scenario", choices=("groups", "breadth", "accounts"), default="groups")
    parser.add_argument("--sets", default="1,2,4,8", help="breadth: sets of resources per region (cumulative)")
    parser.add_argument("--grid", default="1x2,2x2,4x2,4x4,8x4",
                        help="accounts: accounts x regions to audit, in increasing order")
    parser.add_argument("--groups", type=int, default=5, help="accounts: security groups per account and region")
    parser.add_argument("--shards", type=int, default=2, help="accounts: shards run at the same time, then merged")
    args = parser.parse_args()
    counts = sorted(int(c) for c in args.counts.split(","))
    regions = ALL_REGIONS[: args.regions]
    if args.scenario == "breadth":
        breadth(args, regions[:2] if args.regions == 4 else regions)
        return
    if args.scenario == "accounts":
        accounts_scenario(args)
        return

    with moto_server() as url:
        os.environ.update(environment(url))
        # moto makes each region's default VPC on its first EC2 call: warm it up, untimed.
        audit_in_process(regions, 1)
        print(f"moto at {url}; {len(regions)} regions: {', '.join(regions)}")
        print(f"{'groups':>7} {'setup s':>8} {'audit s':>8} {'calls':>6} {'objects':>8} {'cli s':>7} "
              f"{'findings':>9} {'groups/s':>9}")
        made = 0
        for count in counts:
            t = time.perf_counter()
            create_groups(url, regions, made, count)
            setup = time.perf_counter() - t
            made = count
            audit_s, calls, objects = audit_in_process(regions, args.repeat)
            cli_s, summary = audit_cli(url, regions, args.repeat)
            print(f"{count:>7} {setup:>8.1f} {audit_s:>8.2f} {calls:>6} {objects:>8} {cli_s:>7.2f} "
                  f"{summary['findings']:>9} {count / cli_s:>9.0f}")


if __name__ == "__main__":
    main()

"""Benchmark: `tenet audit aws` against moto, and how its time grows with the number of security groups.

    python bench/bench_audit.py                          # 250/500/1,000/2,000 groups over 4 regions
    python bench/bench_audit.py --counts 100,200 --regions 2 --repeat 1

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
        proc.wait(timeout=10)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="250,500,1000,2000", help="security group counts (cumulative)")
    parser.add_argument("--regions", type=int, default=4, choices=range(1, len(ALL_REGIONS) + 1))
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    args = parser.parse_args()
    counts = sorted(int(c) for c in args.counts.split(","))
    regions = ALL_REGIONS[: args.regions]

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

"""Benchmark: `tenet scan plan.json` as the plan grows. Prints seconds per 1,000 resources and peak memory.

    python bench/bench_plan.py                      # plans of 2,000, 20,000 and 200,000 resources
    python bench/bench_plan.py --sizes 2000,20000 --repeat 3

Each plan is what `terraform show -json` writes for a configuration of the kinds Tenet evaluates (security
groups with ingress and egress, buckets, IAM policies, volumes, NSG rules), with `after_unknown` values and
module addresses, and no configuration beside it (findings are located at the plan's lines). Each size runs
`tenet scan PLAN --format json` in a fresh process: interpreter start, reading, mapping, the rules, the
report. Time is the best of --repeat runs; memory is the peak resident set of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench import measure, tenet_cmd, tenet_findings  # noqa: E402


def _resource(i: int) -> dict[str, Any]:
    """One resource_changes entry, in the shape `terraform show -json` gives it."""
    kind = i % 5
    module = f"module.m{i % 7}." if i % 3 == 0 else ""
    after: dict[str, Any]
    unknown: dict[str, Any] = {"id": True, "arn": True}
    if kind == 0:
        rtype, after = "aws_security_group", {
            "name": f"sg-{i}",
            "ingress": [{"from_port": 8000 + i % 100, "to_port": 8000 + i % 100, "protocol": "tcp",
                         "cidr_blocks": ["0.0.0.0/0" if i % 11 == 0 else f"10.{i % 250}.0.0/16"],
                         "description": f"app {i}", "ipv6_cidr_blocks": [], "security_groups": [], "self": False}],
            "egress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"],
                        "description": "", "ipv6_cidr_blocks": [], "security_groups": [], "self": False}],
        }
    elif kind == 1:
        rtype, after = "aws_s3_bucket", {"bucket": f"bucket-prod-{i}", "force_destroy": False}
        unknown["server_side_encryption_configuration"] = True
    elif kind == 2:
        rtype, after = "aws_iam_policy", {"name": f"policy-{i}", "policy": json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                           "Resource": f"arn:aws:s3:::bucket-{i}/*"}]})}
    elif kind == 3:
        rtype, after = "aws_ebs_volume", {"availability_zone": "eu-west-1a", "size": 10, "encrypted": i % 7 != 0}
    else:
        rtype, after = "azurerm_network_security_rule", {
            "name": f"rule-{i}", "priority": 100 + i % 4000, "direction": "Inbound", "access": "Allow",
            "protocol": "Tcp", "source_port_range": "*", "destination_port_range": str(8000 + i % 100),
            "source_address_prefix": f"10.{i % 250}.0.0/16", "destination_address_prefix": "*",
            "resource_group_name": "rg", "network_security_group_name": "nsg"}
    name = f"r{i}"
    return {
        "address": f"{module}{rtype}.{name}", "module_address": module.rstrip(".") or None, "mode": "managed",
        "type": rtype, "name": name, "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown,
                   "before_sensitive": False, "after_sensitive": {}},
    }


def write_plan(path: Path, resources: int) -> int:
    """A plan of `resources` resource changes, pretty-printed as Terraform does; returns its size in bytes."""
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.7.5",
        "resource_changes": [_resource(i) for i in range(resources)],
        "configuration": {"root_module": {}},
    }
    text = json.dumps(plan, indent=2)
    path.write_text(text)
    return len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,20000,200000", help="resources per plan, comma-separated")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tenet-bench-plan-"))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    os.chdir(work)
    print(f"{'resources':>10}{'plan MiB':>10}{'s':>9}{'s / 1,000':>11}{'peak MiB':>10}{'found':>8}")
    try:
        for size in (int(s) for s in args.sizes.split(",") if s.strip()):
            plan = work / f"plan{size}.json"
            mib = write_plan(plan, size) / 1048576
            m = measure(tenet_cmd(plan), args.repeat, tenet_findings)
            print(f"{size:>10,}{mib:>10.1f}{m.seconds:>9.2f}{m.seconds / size * 1000:>11.3f}{m.mib:>10.0f}"
                  f"{m.findings:>8}", flush=True)
            plan.unlink()
    finally:
        os.chdir(ROOT)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

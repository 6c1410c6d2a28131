"""Sharded audits (`--shard K/N`), `tenet merge`, and throttling that slows an audit instead of failing it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.audit.engine import GLOBAL, AuditResult, Call, run_audit
from scanner.audit.merge import merge
from scanner.audit.shards import SCHEME, Shard, WorkItem, shard_of
from scanner.cli import main
from scanner.model import DataStore, KeyManagement, Origin, SourceKind
from scanner.scan import Scanner
from tests.audit.conftest import ACCOUNT, OTHER_ACCOUNT, REGIONS, FaultProxy, FaultRule, World

EMPTY_ACCOUNT = "222222222222"
DENIED_ACCOUNT = "333333333333"
ACCOUNTS = (ACCOUNT, OTHER_ACCOUNT, EMPTY_ACCOUNT, DENIED_ACCOUNT)


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- The partition -----------------------------------------------------------------------------------------


def test_the_partition_is_a_fixed_function_of_the_item() -> None:
    """Pinned values: a change to the hash is a new SCHEME, never a silent reshuffle of running shards."""
    assert SCHEME == "sha256-provider-account-region-v1"
    items = [WorkItem(account=a, region=r) for a in ACCOUNTS for r in (*REGIONS, GLOBAL)]
    assert [shard_of(SourceKind.AWS, i, 4) for i in items] == [1, 4, 2, 2, 4, 2, 1, 1, 3, 2, 4, 1]
    assert shard_of(SourceKind.AZURE, WorkItem(account=ACCOUNT, region=GLOBAL), 4) == 2
    for total in (1, 3, 4):
        owners = [[i for i in items if Shard(k, total).owns(SourceKind.AWS, i)] for k in range(1, total + 1)]
        assert sorted((i for group in owners for i in group), key=WorkItem.sort_key) == sorted(
            items, key=WorkItem.sort_key)  # every item in exactly one shard


@pytest.mark.parametrize(("value", "message"), [
    ("0/4", "K is between 1 and N (4)"), ("5/4", "K is between 1 and N (4)"), ("1/0", "N, the number of shards"),
    ("2", "give K/N"), ("a/b", "give K/N"),
])
def test_bad_shard_is_a_usage_error(value: str, message: str) -> None:
    code, _, err = cli("audit", "aws", "--regions", "us-east-1", "--shard", value)
    assert code == 2 and message in err, err


def test_items_follow_their_first_call_and_discovery_runs_in_every_shard() -> None:
    """An account's regional reads are its region's item; what an account-wide read leads to (a bucket's
    policy, in the bucket's region) stays in the account's global item; discovery is made by every shard,
    and a shard without items still has a result."""
    made: list[tuple[str, str, str, str]] = []

    def record(call: tuple[str, str, str, str], *follow: Call) -> Iterator[Any]:
        made.append(call)
        origin = Origin(source=SourceKind.AWS, resource=f"arn:{call[0]}:{call[1]}:{call[3]}", resource_type="T",
                        account=call[0], region=call[1])
        yield DataStore(origin=origin, kind="block_volume", name=call[3], encrypted=True,
                        key_management=KeyManagement.PROVIDER)
        yield from follow

    def c(account: str, region: str, operation: str, *follow: Call) -> Call:
        return Call(account, region, "svc", operation, partial(record, (account, region, "svc", operation), *follow))

    def accounts() -> Iterator[Any]:
        made.append(("", GLOBAL, "sts", "List"))
        for account in ("a1", "a2"):
            yield c(account, GLOBAL, "Buckets", c(account, "r2", "BucketPolicy"))
            yield from (c(account, region, "Groups") for region in ("r1", "r2"))

    def run(shard: Shard) -> Any:
        made.clear()
        result = run_audit([Call("", GLOBAL, "sts", "List", accounts)], provider=SourceKind.AWS, recoverable=(),
                           explain=lambda exc: ("", ""), shard=shard, discovery=frozenset({("sts", "List")}))
        return result, list(made)

    whole, all_calls = run(Shard())
    assert len(all_calls) == 9 and len(whole.covered) == 6
    seen: list[tuple[str, str, str, str]] = []
    for k in range(1, 6):
        part, calls = run(Shard(k, 5))
        assert calls.count(("", GLOBAL, "sts", "List")) == 1
        seen += [c for c in calls if c[2] != "sts"]
        for item in part.covered:  # the bucket policy went with its account's global item
            bucket_policy = (item.account, "r2", "svc", "BucketPolicy")
            assert (bucket_policy in calls) == (item.region == GLOBAL)
        assert part.snapshot().partition.shards == [k]
    assert sorted(seen) == sorted(c for c in all_calls if c[2] != "sts")  # nothing twice, nothing skipped
    assert {shard_of(SourceKind.AWS, i, 5) for i in whole.covered} == {2, 3, 4}  # shards 1 and 5 had none


# -- One organization, four shards, merged -------------------------------------------------------------------


def _audit(out: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    code, report, err = cli("audit", "aws", "--assume-role", "TenetAudit", "--accounts", ",".join(ACCOUNTS),
                            "--regions", ",".join(REGIONS), "--format", "json", "--save-inventory", str(out), *extra)
    return code, json.loads(report), err


def _scan(path: Path) -> tuple[int, dict[str, Any]]:
    code, out, _ = cli("scan", str(path), "--format", "json")
    return code, json.loads(out)


def test_sharded_audit_merges_into_the_single_audit(aws_env: str, aws_world: World, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Four accounts in two regions, one of them denied, one read failing, throttling that passes: four shards
    merged give the single audit's findings (rules, resources, fingerprints, order) and errors."""
    rules = (FaultRule("deny", account=DENIED_ACCOUNT, service="sts", operation="AssumeRole"),
             FaultRule("html500", account=OTHER_ACCOUNT, service="ec2", region="eu-west-1",
                       operation="DescribeVolumes"),
             FaultRule("throttle", account=EMPTY_ACCOUNT, service="kms", region="us-east-1", times=2))
    with FaultProxy(aws_env, rules=rules) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        single_code, single, _ = _audit(tmp_path / "single.json")
        throttled = rules[2].hits
        shards = [_audit(tmp_path / f"inv-{k}.json", "--shard", f"{k}/4") for k in range(1, 5)]

    # Throttled twice, then answered: adaptive retries, no error entry.
    assert throttled == 2
    assert [code for code, _, _ in shards] == [2, 2, 2, 2]  # each says the denied account's AssumeRole failed
    messages = sorted(e["message"] for e in single["errors"])
    assert len(messages) == 2, messages
    assert f"sts:AssumeRole failed (account {DENIED_ACCOUNT}, region global" in messages[1]
    assert "ec2:DescribeVolumes failed (account 111111111111, region eu-west-1)" in messages[0]
    assert single_code == 2
    assert {f["resource"] for f in single["findings"]} >= {aws_world.arns["rdp-open"], aws_world.arns["ssh-v4"]}

    saved = [json.loads((tmp_path / f"inv-{k}.json").read_text(encoding="utf-8")) for k in range(1, 5)]
    assert [s["partition"] for s in saved] == [{"scheme": SCHEME, "total": 4, "shards": [k]} for k in range(1, 5)]
    covered = [WorkItem(**i) for s in saved for i in s["work"]["covered"]]
    assert len(covered) == len(set(covered)) == 9  # 3 assumed accounts x (2 regions + global); none twice
    whole = json.loads((tmp_path / "single.json").read_text(encoding="utf-8"))
    assert sorted(whole["work"]["covered"], key=str) == sorted((i.model_dump() for i in covered), key=str)
    # Every shard made the denied AssumeRole and says so; the failed read is in its one item's shard.
    assert all(any(e["account"] == DENIED_ACCOUNT for e in s["errors"]) for s in saved)
    failed = [(f["account"], f["region"]) for s in saved for f in s["work"]["failed"]]
    assert failed.count((OTHER_ACCOUNT, "eu-west-1")) == 1 and failed.count((DENIED_ACCOUNT, GLOBAL)) == 4

    org = tmp_path / "org.json"
    code, _, err = cli("merge", *(str(tmp_path / f"inv-{k}.json") for k in range(1, 5)), "-o", str(org))
    assert code == 2 and "partial organization audit: 0 missing shards, 2 failed work items" in err, err
    merged_code, merged = _scan(org)
    whole_code, whole_scan = _scan(tmp_path / "single.json")
    assert merged_code == whole_code == single_code == 2
    assert merged["findings"] == whole_scan["findings"] == single["findings"]
    assert [e["message"] for e in merged["errors"]] == [e["message"] for e in whole_scan["errors"]]
    assert sorted(e["message"] for e in merged["errors"]) == messages

    # A missing shard is an error entry of the merged snapshot, never silent.
    partial_org = tmp_path / "partial.json"
    code, _, err = cli("merge", *(str(tmp_path / f"inv-{k}.json") for k in (1, 2, 4)), "-o", str(partial_org))
    assert code == 2 and "1 missing shard," in err
    code, report = _scan(partial_org)
    assert code == 2
    assert [e["message"] for e in report["errors"] if "MissingShard" in e["message"]] == [
        "partial audit: tenet:merge failed (region global, shard 3/4): MissingShard: no snapshot of shard 3 of 4 "
        "was merged: the work items it holds were not audited"]

    # Snapshots that do not belong together are refused, and nothing is written.
    def variant(name: str, change: dict[str, Any]) -> str:
        data = json.loads((tmp_path / "inv-1.json").read_text(encoding="utf-8"))
        for key, value in change.items():
            data[key] = value
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
        return str(tmp_path / name)

    refused = tmp_path / "refused.json"
    for others, message in (
        ([variant("old.json", {"tool": {"name": "tenet", "version": "0.0.1"}})], "different Tenet versions"),
        ([variant("three.json", {"partition": {"scheme": SCHEME, "total": 3, "shards": [2]}})],
         "different partitions"),
        ([str(tmp_path / "inv-1.json")], "shard 1/4 is in both"),
        ([variant("azure.json", {"provider": "azure"})], "different providers"),
        ([variant("unsharded.json", {"partition": None})], "no partition metadata"),
        ([variant("plan.json", {"tenet_inventory": "x"})], "plan.json: not a Tenet inventory snapshot"),
    ):
        code, _, err = cli("merge", str(tmp_path / "inv-1.json"), *others, "-o", str(refused))
        assert code == 2 and message in err and not refused.exists(), err


def test_per_service_limit_bounds_one_service_in_one_account() -> None:
    """`iam` at most 2 at once in an account, however many workers; other services and accounts go on."""
    running: dict[tuple[str, str], int] = {}
    peak: dict[tuple[str, str], int] = {}
    lock = threading.Lock()
    release = threading.Event()

    def call(account: str, service: str) -> Iterator[Any]:
        with lock:
            running[(account, service)] = running.get((account, service), 0) + 1
            peak[(account, service)] = max(peak.get((account, service), 0), running[(account, service)])
            crowded = sum(running.values()) >= 12  # 2 + 4 per account: all the limit lets start
        if crowded:
            release.set()
        release.wait(timeout=5)  # hold the slot until the others had their chance to start
        with lock:
            running[(account, service)] -= 1
        yield from ()

    calls = [Call(account, GLOBAL, service, f"Op{n}", partial(call, account, service))
             for account in ("a1", "a2") for service in ("iam", "ec2") for n in range(4)]
    run_audit(calls, provider=SourceKind.AWS, recoverable=(), explain=lambda exc: ("", ""), workers=16,
              service_limits={"iam": 2})
    assert peak[("a1", "iam")] == peak[("a2", "iam")] == 2
    assert peak[("a1", "ec2")] > 2 or peak[("a2", "ec2")] > 2


# -- Azure and GCP: subscriptions and projects are the items, discovery runs in every shard -----------------


def _merged_equals_whole(provider: str, run: Callable[[Shard], AuditResult], total: int) -> list[WorkItem]:
    """Audit whole and as `total` shards; the merged snapshot evaluates to the whole audit's findings and errors.
    Returns the whole audit's work items."""
    whole = run(Shard())
    parts = [run(Shard(k, total)) for k in range(1, total + 1)]
    covered = [i for p in parts for i in p.covered]
    assert sorted(covered, key=WorkItem.sort_key) == whole.covered, provider  # each item in exactly one shard
    merged = merge([(f"inv-{k}.json", p.snapshot()) for k, p in enumerate(parts, 1)])
    assert merged.partition is not None and merged.partition.missing == []
    scanned = Scanner().evaluate(merged.load_result("org.json"))
    single = Scanner().evaluate(whole.snapshot().load_result("org.json"))
    assert scanned.findings == single.findings and scanned.errors == single.errors, provider
    assert [a.origin.resource for a in merged.inventory.assets] == [a.origin.resource for a in whole.assets]
    return whole.covered


def test_azure_and_gcp_shards_merge_into_the_single_audit() -> None:
    from scanner.audit.azure.collectors import audit as audit_azure
    from scanner.audit.gcp.collectors import GcpOptions
    from scanner.audit.gcp.collectors import audit as audit_gcp
    from tests.audit import test_azure, test_gcp
    from tests.audit.fake_clouds import FakeAzure, FakeGcp, GcpProject, gcp_endpoints, running

    azure = FakeAzure([test_azure.subscription_a(), test_azure.subscription_b()], page_size=2)
    with running(azure):
        items = _merged_equals_whole("azure", lambda shard: audit_azure(
            test_azure.StaticCredential(), options=test_azure.options(azure), shard=shard), 2)
    # The subscription listing is discovery: each subscription is its own item, not one item of account "".
    assert items == [WorkItem(account=s, region=GLOBAL) for s in sorted((test_azure.SUB_A, test_azure.SUB_B))]

    google = FakeGcp([test_gcp.prod(), test_gcp.dev(), GcpProject(test_gcp.SANDBOX, parent="folders/8")],
                     folders={"folders/7": "organizations/100", "folders/8": "folders/7"}, page_size=2)
    google.parent_policies = {"organizations/100": test_gcp.policy(("roles/owner", ["user:founder@example.com"])),
                              "folders/7": test_gcp.policy(("roles/browser", ["allAuthenticatedUsers"]))}
    with running(google):
        items = _merged_equals_whole("gcp", lambda shard: audit_gcp(
            test_gcp.Anonymous(), organization="100", options=GcpOptions(endpoints=gcp_endpoints(google.url)),
            shard=shard), 2)
    # Projects found through the organization and its folder are items; the organization's and folder's IAM
    # policies are the organization's item (account "").
    assert {i.account for i in items} == {"", test_gcp.PROD, test_gcp.DEV, test_gcp.SANDBOX}


def test_azure_and_gcp_throttling_slows_the_audit_instead_of_failing_it() -> None:
    """Two 429 answers, then the answer: azure-core's and google-api-core's retries take them, no error entry."""
    from scanner.audit.azure.collectors import audit as audit_azure
    from scanner.audit.gcp.collectors import GcpOptions
    from scanner.audit.gcp.collectors import audit as audit_gcp
    from tests.audit import test_azure, test_gcp
    from tests.audit.fake_clouds import FakeAzure, FakeGcp, Request, gcp_endpoints, running

    def throttled(base: type[Any], needle: str, body: dict[str, Any]) -> Any:
        class Throttled(base):  # type: ignore[misc, valid-type]
            left = 2

            def route(self, request: Request) -> Any:
                if needle in request.path and self.left:
                    self.left -= 1
                    return 429, json.dumps(body).encode(), {"Content-Type": "application/json", "Retry-After": "0"}
                return super().route(request)

        return Throttled

    azure_class = throttled(FakeAzure, "Microsoft.Storage/storageAccounts", {"error": {
        "code": "TooManyRequests", "message": "The request is being throttled."}})
    azure = azure_class([test_azure.subscription_a()], page_size=2)
    with running(azure):
        result = audit_azure(test_azure.StaticCredential(), [test_azure.SUB_A],
                             options=test_azure.options(azure, retry_total=3))
    assert azure.left == 0 and result.errors == []
    assert any(a.origin.resource == test_azure.storage_id(test_azure.RG_A, "stlegacy") for a in result.assets)

    gcp_class = throttled(FakeGcp, f"projects/{test_gcp.PROD}/global/firewalls", {"error": {
        "code": 429, "message": "Quota exceeded for quota metric 'Read requests'.", "status": "RESOURCE_EXHAUSTED"}})
    google = gcp_class([test_gcp.prod()], page_size=2)
    with running(google):
        result = audit_gcp(test_gcp.Anonymous(), [test_gcp.PROD],
                           options=GcpOptions(endpoints=gcp_endpoints(google.url)))
    assert google.left == 0
    assert not [e for e in result.errors if e.operation == "firewalls.list"]
    assert any("firewall" in a.origin.resource_type.lower() for a in result.assets)

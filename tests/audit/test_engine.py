"""The provider-neutral audit engine: fan-out, follow-up calls, failures recorded, progress, snapshots."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from scanner.audit.engine import (
    GLOBAL,
    BarProgress,
    Call,
    Limits,
    LineProgress,
    Snapshot,
    progress_for,
    run_audit,
)
from scanner.engine.findings import ErrorLevel
from scanner.model import DataStore, KeyManagement, Origin, SourceKind


class Denied(Exception):
    """Stands for an SDK's error type."""


def store(name: str, region: str = "r1") -> DataStore:
    origin = Origin(source=SourceKind.AWS, resource=f"arn:{name}", resource_type="T", account="1", region=region)
    return DataStore(origin=origin, kind="block_volume", name=name, encrypted=False, key_management=KeyManagement.NONE)


def audit(calls: list[Call], **kwargs: Any) -> Any:
    return run_audit(calls, provider=SourceKind.AWS, recoverable=(Denied,),
                     explain=lambda exc: ("AccessDenied", str(exc)), **kwargs)


def test_follow_up_calls_run_once_and_failures_keep_what_was_read() -> None:
    runs: list[str] = []
    lock = threading.Lock()

    def note(name: str) -> None:
        with lock:
            runs.append(name)

    def per_bucket(name: str) -> Iterator[Any]:
        note(name)
        yield store(name, "r2")
        if name == "b":
            raise Denied("no GetBucketPolicy for you")

    def listing() -> Iterator[Any]:
        note("list")
        for name in ("a", "b", "a"):  # asked twice: made once
            yield Call("1", "r2", "s3", "GetBucketPolicy", partial(per_bucket, name), target=name)
        yield store("listed")

    result = audit([Call("1", GLOBAL, "s3", "ListBuckets", listing),
                    Call("", GLOBAL, "sts", "GetCallerIdentity", lambda: iter(()), target="profile x")])
    assert sorted(runs) == ["a", "b", "list"]
    assert result.calls == 4
    assert sorted(a.name for a in result.assets) == ["a", "b", "listed"]  # b was read before it failed
    assert result.accounts == ["1"] and result.regions == ["r2"]
    assert result.partial
    [error] = result.errors
    assert (error.account, error.region, error.service, error.operation, error.target, error.code) == (
        "1", "r2", "s3", "GetBucketPolicy", "b", "AccessDenied")
    [scan_error] = result.load_result().errors
    assert (scan_error.path, scan_error.level) == (None, ErrorLevel.ERROR)
    assert scan_error.message == ("partial audit: s3:GetBucketPolicy failed (account 1, region r2, b): "
                                  "AccessDenied: no GetBucketPolicy for you")


def test_an_unexpected_exception_is_a_bug_and_propagates() -> None:
    def broken() -> Iterator[Any]:
        raise KeyError("adapter bug")
        yield  # pragma: no cover

    with pytest.raises(KeyError):
        audit([Call("1", "r1", "ec2", "DescribeVolumes", broken)])


def test_calls_run_concurrently() -> None:
    barrier = threading.Barrier(4, timeout=5)

    def waits() -> Iterator[Any]:
        barrier.wait()  # only returns when four calls are in flight at once
        return iter(())

    result = audit([Call("1", f"r{i}", "ec2", "DescribeVolumes", waits) for i in range(4)], workers=4)
    assert result.calls == 4 and not result.partial


def test_line_progress_reports_errors_at_once_and_a_summary() -> None:
    out = io.StringIO()

    def denied() -> Iterator[Any]:
        raise Denied("nope")

    audit([Call("1", "r1", "ec2", "DescribeVolumes", denied), Call("1", "r1", "ec2", "DescribeSnapshots",
                                                                   lambda: iter([store("v")]))],
          progress=LineProgress(out, "tenet audit test", interval=0))
    lines = out.getvalue().splitlines()
    assert ("tenet audit test: error: partial audit: ec2:DescribeVolumes failed (account 1, region r1): "
            "AccessDenied: nope") in lines
    assert "tenet audit test: 2/2 calls, 1 failed" in lines
    assert lines[-1].startswith("tenet audit test: 2 calls in ")
    assert lines[-1].endswith("1 objects; partial audit: 1 call failed")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere() -> None:
    assert isinstance(progress_for(io.StringIO(), label="x"), LineProgress)
    screen = Terminal()
    bar = progress_for(screen, label="tenet audit test")
    assert isinstance(bar, BarProgress)
    audit([Call("1", "r1", "ec2", "DescribeVolumes", lambda: iter([store("v")]))], progress=bar)
    assert "tenet audit test: 1 calls in" in screen.getvalue()


def test_snapshot_round_trip_keeps_errors() -> None:
    def denied() -> Iterator[Any]:
        yield store("v")
        raise Denied("nope")

    result = audit([Call("1", "r1", "ec2", "DescribeVolumes", denied)])
    text = result.snapshot().dump()
    assert text.startswith('{\n "tenet_inventory": "1",\n "tool": {\n  "name": "tenet",')
    again = Snapshot.parse(text)
    assert again.inventory.assets == result.assets and again.errors == result.errors
    assert (again.accounts, again.regions, again.calls, again.provider) == (["1"], ["r1"], 1, SourceKind.AWS)
    loaded = again.load_result("inv.json")
    assert loaded.files == ["inv.json"]
    assert [e.path for e in loaded.errors] == ["inv.json"]


def test_a_call_past_its_deadline_is_an_error_entry_and_the_others_are_kept() -> None:
    released = threading.Event()

    def silent() -> Iterator[Any]:
        released.wait(30)  # an endpoint that never answers
        yield store("late")

    try:
        result = audit([Call("1", "r1", "ec2", "DescribeVolumes", silent),
                        Call("1", "r2", "ec2", "DescribeVolumes", lambda: iter([store("v")]))],
                       workers=1, limits=Limits(call_deadline=0.2))
    finally:
        released.set()
    assert [a.name for a in result.assets] == ["v"]  # the other call ran, on the thread that replaced the stuck one
    assert [(e.region, e.code, e.message) for e in result.errors] == [
        ("r1", "CallDeadline", "no answer within the call deadline of 0.2 s")]
    assert result.calls == 2


def test_past_the_audit_timeout_every_call_not_done_is_an_error_entry() -> None:
    released = threading.Event()

    def silent() -> Iterator[Any]:
        released.wait(30)
        return iter(())

    def listing() -> Iterator[Any]:
        yield store("listed")
        for i in range(3):
            yield Call("1", "r1", "s3", "GetBucketPolicy", silent, target=f"b{i}")

    try:
        result = audit([Call("1", GLOBAL, "s3", "ListBuckets", listing)], workers=2,
                       limits=Limits(audit_timeout=0.3))
    finally:
        released.set()
    assert [a.name for a in result.assets] == ["listed"]
    assert [(e.target, e.code, e.message) for e in result.errors] == [
        (f"b{i}", "AuditTimeout", "not done: audit timeout after 0.3 s") for i in range(3)]
    assert result.partial and result.calls == 4

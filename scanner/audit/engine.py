"""The provider-neutral audit engine: calls fanned out over threads, failures recorded, progress, snapshots.

A provider describes its work as `Call`s. A call is one API operation in one
account and region (and, for per-resource reads, one `target`); its `run`
yields model assets and, for reads that depend on an earlier answer (a
bucket's policy after ListBuckets, the regions after DescribeRegions),
further `Call`s, which the engine schedules in turn.

`run_audit` runs the calls on a pool of threads. An exception of one of the
provider's `recoverable` types (its SDK's errors: access denied, throttled
beyond the retries, disabled region, unparseable answer) becomes an
`AuditError` naming account, region, service and operation; the audit goes
on, and the result is `partial`. Any other exception is a bug and propagates.

Stable API, shared by the AWS, Azure and GCP audits:

- `Call(account, region, service, operation, run, target="")`
- `run_audit(calls, provider=..., recoverable=..., explain=..., workers=..., progress=..., limits=...,
  shard=..., discovery=..., service_limits=...) -> AuditResult`
- `Limits`: connect and read timeouts, attempts, the per-call deadline, the audit timeout; `remaining()`: the
  running call's time left, for SDK retry hooks
- `AuditResult`: assets, errors, calls, seconds, accounts, regions; `.partial`, `.load_result()`, `.snapshot()`
- `AuditError`: one failed call; `.scan_error()` is how it appears in reports
- `Progress`, `progress_for(stream, label)`: a rich bar on a terminal, plain lines otherwise
- `Snapshot`: the saved inventory (`tenet audit ... --save-inventory FILE`, read back by `tenet scan FILE`)

Work items and shards (scanner/audit/shards.py): every call belongs to one work item, an account in a
region. A call that no earlier call led to, or that a discovery call led to (the provider names its
discovery operations: credentials, account and region listings), starts the item of its own account
and region; a call another call led to belongs to that call's item (S3's per-bucket reads, in the
bucket's region, belong to the account's `global` item with ListBuckets). Discovery calls belong to
no item and are made by every shard. With `shard`, the calls of items another shard holds are not made.

Concurrency: at most `workers` calls at once, and at most `service_limits[service]` (else
`DEFAULT_SERVICE_LIMIT`) of one service in one account, since providers throttle per account and
service; a call over its service's limit waits, without holding a worker.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal, Protocol, TextIO

from pydantic import BaseModel, ConfigDict, Field

from scanner import __version__
from scanner.audit.shards import SCHEME, Partition, Shard, WorkItem, unique
from scanner.engine.findings import ScanError
from scanner.model import Asset, Inventory, SourceKind
from scanner.reports.terminal import printable
from scanner.sources.interface import LoadResult

# `Call.region` of services that have no region (AWS IAM, CloudFront; Azure and GCP global APIs).
GLOBAL = "global"

# The first key of a snapshot file: how `tenet scan` tells it from other JSON (plans, manifests).
SNAPSHOT_MARKER = "tenet_inventory"
SNAPSHOT_VERSION: Literal["1"] = "1"

Work = Callable[[], Iterable["Asset | Call"]]


@dataclass(frozen=True)
class Call:
    """One API operation in one account and region, made once per audit.

    `target` names the resource a per-resource read is about (a bucket, a load
    balancer ARN); empty for listing calls. Calls with the same account,
    region, service, operation and target are made once, whoever schedules them.
    `account` may be empty while it is not known yet (a profile before
    GetCallerIdentity); `target` then says which credentials are meant.
    """

    account: str
    region: str
    service: str
    operation: str
    run: Work = field(compare=False, repr=False)
    target: str = ""

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.account, self.region, self.service, self.operation, self.target)


class AuditError(BaseModel):
    """A call that failed: the audit did not see what it would have returned."""

    model_config = ConfigDict(frozen=True)

    account: str
    region: str
    service: str
    operation: str
    target: str = ""
    code: str  # the provider's error code: AccessDenied, Throttling, AuthorizationFailed, ResponseParserError …
    message: str

    @classmethod
    def of(cls, call: Call, code: str, message: str) -> AuditError:
        return cls(account=call.account, region=call.region, service=call.service, operation=call.operation,
                   target=call.target, code=code, message=message)

    def scan_error(self, path: str | None = None) -> ScanError:
        """How the failure appears in reports: an error (exit code 2) saying the audit is partial."""
        where = ", ".join(w for w in (
            f"account {self.account}" if self.account else "",
            f"region {self.region}",
            self.target,
        ) if w)
        return ScanError(path=path, message=f"partial audit: {self.service}:{self.operation} failed ({where}): "
                                            f"{self.code}: {self.message}")


class Progress(Protocol):
    """What the engine reports as it goes. Called from the engine's thread only."""

    def scheduled(self, count: int) -> None:
        """`count` more calls were scheduled."""

    def finished(self, call: Call, error: AuditError | None) -> None:
        """One call completed, or failed with `error`."""

    def close(self, result: AuditResult) -> None:
        """The audit is over."""


class SilentProgress:
    def scheduled(self, count: int) -> None:
        return None

    def finished(self, call: Call, error: AuditError | None) -> None:
        return None

    def close(self, result: AuditResult) -> None:
        return None


class LineProgress:
    """Plain lines for logs and CI: every error at once, the count at most every `interval` seconds."""

    def __init__(self, stream: TextIO, label: str, interval: float = 2.0) -> None:
        self.stream, self.label, self.interval = stream, label, interval
        self.total = self.done = self.failed = 0
        self.last = time.monotonic()

    def scheduled(self, count: int) -> None:
        self.total += count

    def finished(self, call: Call, error: AuditError | None) -> None:
        self.done += 1
        if error is not None:
            self.failed += 1
            self._line(f"error: {error.scan_error().message}")
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self._line(f"{self.done}/{self.total} calls" + (f", {self.failed} failed" if self.failed else ""))

    def close(self, result: AuditResult) -> None:
        self._line(_summary(result))

    def _line(self, text: str) -> None:
        print(printable(f"{self.label}: {text}"), file=self.stream, flush=True)


class BarProgress:
    """A rich progress bar (imported only when a terminal is there to show it)."""

    def __init__(self, stream: TextIO, label: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.label = label
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(file=stream), transient=True)
        self.task = self.bar.add_task(label, total=0)
        self.total = 0
        self.bar.start()

    def scheduled(self, count: int) -> None:
        self.total += count
        self.bar.update(self.task, total=self.total)

    def finished(self, call: Call, error: AuditError | None) -> None:
        if error is not None:
            from rich.markup import escape

            # The message is the cloud's text: neither markup nor control characters are obeyed.
            message = escape(printable(error.scan_error().message))
            self.bar.console.print(f"[red]error[/red]: {message}", markup=True, highlight=False)
        self.bar.update(self.task, advance=1, description=f"{self.label} {call.service}:{call.operation}")

    def close(self, result: AuditResult) -> None:
        self.bar.stop()
        self.bar.console.print(printable(f"{self.label}: {_summary(result)}"), markup=False, highlight=False)

    def abort(self) -> None:
        """Give the terminal back (cursor, line) when the audit stops on Ctrl-C or a bug."""
        self.bar.stop()


def progress_for(stream: TextIO | None = None, *, label: str) -> Progress:
    """A bar when `stream` (default stderr) is a terminal, plain lines otherwise."""
    out = stream if stream is not None else sys.stderr
    return BarProgress(out, label) if out.isatty() else LineProgress(out, label)


def _summary(result: AuditResult) -> str:
    text = f"{result.calls} calls in {result.seconds:.1f} s, {len(result.assets)} objects"
    if result.partial:
        text += f"; partial audit: {len(result.errors)} call{'s' if len(result.errors) != 1 else ''} failed"
    return text


@dataclass
class AuditResult:
    provider: SourceKind
    assets: list[Asset]
    errors: list[AuditError]
    calls: int  # calls made, failed ones included
    seconds: float
    accounts: list[str]
    regions: list[str]  # regional calls' regions; GLOBAL is left out
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    shard: Shard = field(default_factory=Shard)
    covered: list[WorkItem] = field(default_factory=list)  # the work items of this shard that were audited
    failed: list[FailedItem] = field(default_factory=list)  # … with the calls of each that failed

    @property
    def partial(self) -> bool:
        return bool(self.errors)

    def load_result(self) -> LoadResult:
        """For `Scanner.evaluate`: the assets, and every failed call as an error."""
        return LoadResult(assets=list(self.assets), errors=[e.scan_error() for e in self.errors])

    def snapshot(self) -> Snapshot:
        return Snapshot(
            tool=SnapshotTool(version=__version__),
            provider=self.provider,
            created=self.started,
            accounts=self.accounts,
            regions=self.regions,
            calls=self.calls,
            errors=self.errors,
            partition=Partition(scheme=SCHEME, total=self.shard.total, shards=[self.shard.index]),
            work=WorkRecord(covered=self.covered, failed=self.failed),
            inventory=Inventory(assets=self.assets),
        )


class SnapshotTool(BaseModel):
    name: Literal["tenet"] = "tenet"
    version: str


class FailedItem(BaseModel):
    """A work item some calls of which failed. A failed discovery call (credentials, an account or region
    listing) is under its account's `global` item: that account's items could not be found."""

    account: str
    region: str
    errors: list[AuditError]


class WorkRecord(BaseModel):
    """The work items a snapshot covers, and those that failed (scanner/audit/shards.py)."""

    covered: list[WorkItem] = Field(default_factory=list)
    failed: list[FailedItem] = Field(default_factory=list)


class Snapshot(BaseModel):
    """A saved audit: the normalised inventory plus what is needed to judge it later.

    `tenet_inventory` is declared first so it is the file's first key: the
    inventory source recognises a snapshot from its first bytes.
    """

    tenet_inventory: Literal["1"] = SNAPSHOT_VERSION
    tool: SnapshotTool
    provider: SourceKind
    created: datetime
    accounts: list[str]
    regions: list[str]
    calls: int
    # The failed calls: a re-evaluation is as partial as the audit was.
    errors: list[AuditError] = Field(default_factory=list)
    # Which shards of which partition the snapshot holds, and their work items; None in snapshots saved
    # before `--shard` (they can be scanned, not merged).
    partition: Partition | None = None
    work: WorkRecord | None = None
    inventory: Inventory

    def dump(self) -> str:
        return self.model_dump_json(indent=1) + "\n"

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        """Raises pydantic.ValidationError (a ValueError) when `text` is not a snapshot."""
        return cls.model_validate_json(text)

    def load_result(self, path: str) -> LoadResult:
        return LoadResult(assets=list(self.inventory.assets), errors=[e.scan_error(path) for e in self.errors],
                          files=[path])


# Every call is bounded: the SDKs' connect and read timeouts and attempts (each provider configures its SDK
# from `Limits`), and a deadline after which the engine stops waiting for the call whatever the SDK does.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 20.0
DEFAULT_ATTEMPTS = 5  # as botocore's legacy mode; the deadline bounds them
DEFAULT_CALL_DEADLINE = 60.0


@dataclass(frozen=True)
class Limits:
    """How long one call may take, and the whole audit (docs/untrusted-code.md, "Limits").

    `connect_timeout`, `read_timeout`: per attempt, in seconds; `attempts`: tries of one request, the
    first included; `call_deadline`: the most one call (its retries and pages included) may take, after
    which it is an error entry; `audit_timeout`: the whole audit (None: no limit), after which the calls
    not done are error entries and the report is written with what was read.
    """

    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    attempts: int = DEFAULT_ATTEMPTS
    call_deadline: float = DEFAULT_CALL_DEADLINE
    audit_timeout: float | None = None


_current = threading.local()


def remaining() -> float:
    """Seconds left before the running call's deadline (inf outside a call): SDK hooks stop retrying at 0."""
    deadline: float | None = getattr(_current, "deadline", None)
    return float("inf") if deadline is None else deadline - time.monotonic()


@dataclass
class _Outcome:
    assets: list[Asset] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    error: AuditError | None = None
    bug: BaseException | None = None


def _execute(call: Call, recoverable: tuple[type[BaseException], ...],
             explain: Callable[[BaseException], tuple[str, str]], deadline: float) -> _Outcome:
    """Run one call on a worker thread; what it yielded before failing is kept."""
    outcome = _Outcome()
    _current.deadline = deadline
    try:
        for item in call.run():
            if isinstance(item, Call):
                outcome.calls.append(item)
            else:
                outcome.assets.append(item)
    except recoverable as exc:
        code, message = explain(exc)
        outcome.error = AuditError.of(call, code, message)
    except BaseException as exc:  # a bug: handed to the engine's thread, which raises it
        outcome.bug = exc
    finally:
        _current.deadline = None
    return outcome


def _seconds(value: float) -> str:
    return f"{value:g} s"


class _Workers:
    """Daemon threads taking calls from a queue.

    A call past its deadline is given up: its thread is left to end on its own (it exits after that
    call) and a fresh one takes its place, so a silent endpoint can neither stall the audit nor keep
    the process alive once the report is written.
    """

    def __init__(self, size: int, run: Callable[[Call, float], _Outcome], deadline: float) -> None:
        self.run = run
        self.deadline = deadline
        # Last in, first out: the calls a call led to are made before calls scheduled earlier, so the
        # audit goes account by account (depth first), and an account's clients are freed when it is done
        # instead of every account being in flight at once.
        self.todo: queue.LifoQueue[Call | None] = queue.LifoQueue()
        self.done: queue.SimpleQueue[tuple[Call, _Outcome]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.running: dict[tuple[str, str, str, str, str], float] = {}  # call key -> its deadline
        self.given_up: set[tuple[str, str, str, str, str]] = set()
        self.size = size
        self.stopped = False  # once the audit is over, queued calls are never made
        for _ in range(size):
            self._start()

    def _start(self) -> None:
        threading.Thread(target=self._work, name="tenet-audit", daemon=True).start()

    def _work(self) -> None:
        while (call := self.todo.get()) is not None and not self.stopped:
            deadline = time.monotonic() + self.deadline
            with self.lock:
                self.running[call.key] = deadline
            outcome = self.run(call, deadline)
            with self.lock:
                self.running.pop(call.key, None)
                late = call.key in self.given_up
            if late:
                return  # a replacement already took this thread's place
            self.done.put((call, outcome))

    def submit(self, call: Call) -> None:
        self.todo.put(call)

    def overdue(self, now: float) -> list[tuple[str, str, str, str, str]]:
        """Calls past their deadline, given up from now on (each replaced by a fresh thread)."""
        with self.lock:
            late = [key for key, deadline in self.running.items() if deadline <= now]
            for key in late:
                del self.running[key]
                self.given_up.add(key)
        for _ in late:
            self._start()
        return late

    def next_deadline(self) -> float:
        with self.lock:
            return min(self.running.values(), default=float("inf"))

    def close(self) -> None:
        self.stopped = True
        for _ in range(self.size):
            self.todo.put(None)


# Calls of one service in one account at the same time, unless the provider says otherwise.
DEFAULT_SERVICE_LIMIT = 8


def run_audit(
    calls: Iterable[Call],
    *,
    provider: SourceKind,
    recoverable: tuple[type[BaseException], ...],
    explain: Callable[[BaseException], tuple[str, str]],
    workers: int = 16,
    progress: Progress | None = None,
    limits: Limits | None = None,
    shard: Shard | None = None,
    discovery: frozenset[tuple[str, str]] = frozenset(),
    service_limits: Mapping[str, int] | None = None,
) -> AuditResult:
    """Make every call (and every call they lead to) on `workers` threads.

    `recoverable`: the provider SDK's exception types that mean "this call
    failed" rather than "Tenet has a bug". `explain(exc)` gives their error
    code and message. `limits`: a call past `call_deadline` is an error
    entry; once `audit_timeout` has passed, every call not done is one.
    `shard`: only the work items this shard holds are audited; `discovery`:
    the (service, operation) pairs every shard makes (module docstring).
    `service_limits`: calls of one service in one account at once, by service.
    """
    limits = limits or Limits()
    shard = shard or Shard()
    per_service = dict(service_limits or {})
    shown = progress or SilentProgress()
    started_at = datetime.now(timezone.utc)
    start = time.monotonic()
    audit_end = start + limits.audit_timeout if limits.audit_timeout is not None else float("inf")
    seen: set[tuple[str, str, str, str, str]] = set()
    pending: dict[tuple[str, str, str, str, str], Call] = {}
    item_of: dict[tuple[str, str, str, str, str], WorkItem | None] = {}
    covered: set[WorkItem] = set()
    failed: dict[WorkItem, list[AuditError]] = {}
    active: Counter[tuple[str, str]] = Counter()  # (account, service) -> calls running
    waiting: dict[tuple[str, str], deque[Call]] = {}
    # What was made, not the calls themselves: a call done is dropped with its closure, so an account's
    # SDK clients are freed once its calls are done, and memory follows the accounts in flight, not all.
    made = Counter[str]()
    accounts_seen: set[str] = set()
    regions_seen: set[str] = set()
    assets: list[Asset] = []
    errors: list[AuditError] = []
    pool = _Workers(max(1, workers), lambda call, deadline: _execute(call, recoverable, explain, deadline),
                    limits.call_deadline)

    def work_item(call: Call, parent: WorkItem | None) -> WorkItem | None:
        if (call.service, call.operation) in discovery:
            return None
        return parent if parent is not None else WorkItem(account=call.account, region=call.region)

    def start_call(call: Call) -> None:
        slot = (call.account, call.service)
        if active[slot] < per_service.get(call.service, DEFAULT_SERVICE_LIMIT):
            active[slot] += 1
            pool.submit(call)
        else:
            waiting.setdefault(slot, deque()).append(call)

    def release(call: Call) -> None:
        slot = (call.account, call.service)
        active[slot] -= 1
        queued = waiting.get(slot)
        if queued:
            active[slot] += 1
            pool.submit(queued.popleft())

    def schedule(batch: Iterable[Call], parent: WorkItem | None = None) -> None:
        fresh = 0
        for call in batch:
            if call.key in seen:
                continue
            seen.add(call.key)
            item = work_item(call, parent)
            if item is not None and not shard.owns(provider, item):
                continue  # another shard's
            if item is not None:
                covered.add(item)
            item_of[call.key] = item
            pending[call.key] = call
            start_call(call)
            fresh += 1
        if fresh:
            shown.scheduled(fresh)

    def record(call: Call, error: AuditError) -> None:
        errors.append(error)
        item = item_of.get(call.key) or WorkItem(account=call.account, region=GLOBAL)
        failed.setdefault(item, []).append(error)

    def note(call: Call) -> None:
        made["calls"] += 1
        if call.account:
            accounts_seen.add(call.account)
        if call.region != GLOBAL:
            regions_seen.add(call.region)

    def fail(call: Call, code: str, message: str) -> None:
        error = AuditError.of(call, code, message)
        note(call)
        record(call, error)
        shown.finished(call, error)

    try:
        schedule(calls)
        while pending:
            now = time.monotonic()
            if now >= audit_end:
                for call in pending.values():
                    fail(call, "AuditTimeout", f"not done: audit timeout after {_seconds(limits.audit_timeout or 0)}")
                pending.clear()
                break
            for key in pool.overdue(now):
                late = pending.pop(key)
                release(late)
                fail(late, "CallDeadline", f"no answer within the call deadline of {_seconds(limits.call_deadline)}")
            wake = min(audit_end, pool.next_deadline())
            try:
                call, outcome = pool.done.get(timeout=max(0.0, min(wake - time.monotonic(), 1.0)))
            except queue.Empty:
                continue
            if call.key not in pending:
                continue
            del pending[call.key]
            release(call)
            if outcome.bug is not None:
                raise outcome.bug
            note(call)
            assets.extend(outcome.assets)
            if outcome.error is not None:
                record(call, outcome.error)
            shown.finished(call, outcome.error)
            schedule(outcome.calls, item_of[call.key])
    except BaseException:
        # Ctrl-C or a bug: the queued calls are not made; the daemon threads end with the process.
        if isinstance(shown, BarProgress):
            shown.abort()
        raise
    finally:
        pool.close()
    result = AuditResult(
        provider=provider,
        assets=sorted(assets, key=asset_order),
        errors=sorted(errors, key=error_order),
        calls=made["calls"],
        seconds=time.monotonic() - start,
        accounts=sorted(accounts_seen),
        regions=sorted(regions_seen),
        started=started_at,
        shard=shard,
        covered=unique(covered),
        failed=[FailedItem(account=item.account, region=item.region, errors=sorted(found, key=error_order))
                for item, found in sorted(failed.items(), key=lambda pair: pair[0].sort_key())],
    )
    shown.close(result)
    return result


def error_order(error: AuditError) -> tuple[str, str, str, str, str, str, str]:
    """The order of an audit's errors, a merged snapshot's too."""
    return (error.account, error.region, error.service, error.operation, error.target, error.code, error.message)


def asset_order(asset: Asset) -> tuple[str, str, str, str, str]:
    """The order of an audit's assets, a merged snapshot's too: the report does not depend on which
    call answered first, nor on which shard read what."""
    o = asset.origin
    return (o.account or "", o.region or "", o.resource, o.anchor, type(asset).__name__)


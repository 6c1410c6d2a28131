"""`tenet merge`: the snapshots of a sharded audit joined into the organization's (scanner/audit/shards.py).

The merged snapshot holds every shard's assets and errors in the order a single audit gives them, the
union of the work items covered and failed, and one error entry per missing shard, so that `tenet scan`
of it reports the same findings and errors as one unsharded audit of the same state, and a partial
organization audit is never silent.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.audit.engine import (
    GLOBAL,
    AuditError,
    FailedItem,
    Snapshot,
    SnapshotTool,
    WorkRecord,
    asset_order,
    error_order,
)
from scanner.audit.shards import MISSING_SHARD, Partition, check_mergeable, unique
from scanner.model import Inventory


def merge(named: Sequence[tuple[str, Snapshot]]) -> Snapshot:
    """Join `named` (file name, snapshot). Raises shards.MergeRefused when they do not belong together."""
    check_mergeable([(name, s.provider.value, s.tool.version, s.partition) for name, s in named])
    snapshots = [snapshot for _, snapshot in named]
    first = snapshots[0]
    assert first.partition is not None  # check_mergeable refuses snapshots without one
    partition = Partition(scheme=first.partition.scheme, total=first.partition.total,
                          shards=sorted(i for s in snapshots for i in (s.partition.shards if s.partition else [])))
    missing = [AuditError(account="", region=GLOBAL, service="tenet", operation="merge",
                          target=f"shard {index}/{partition.total}", code=MISSING_SHARD,
                          message=f"no snapshot of shard {index} of {partition.total} was merged: the work items "
                                  "it holds were not audited")
               for index in partition.missing]
    # A failed discovery call is recorded by every shard that made it: once here.
    errors = sorted({*(e for s in snapshots for e in s.errors), *missing}, key=error_order)
    failed: dict[tuple[str, str], set[AuditError]] = {}
    for snapshot in snapshots:
        for item in snapshot.work.failed if snapshot.work else []:
            failed.setdefault((item.account, item.region), set()).update(item.errors)
    assets = sorted((a for s in snapshots for a in s.inventory.assets), key=asset_order)
    return Snapshot(
        tool=SnapshotTool(version=first.tool.version),
        provider=first.provider,
        created=min(s.created for s in snapshots),
        accounts=sorted({a for s in snapshots for a in s.accounts}),
        regions=sorted({r for s in snapshots for r in s.regions}),
        calls=sum(s.calls for s in snapshots),
        errors=errors,
        partition=partition,
        work=WorkRecord(covered=unique(i for s in snapshots for i in (s.work.covered if s.work else [])),
                  failed=[FailedItem(account=account, region=region, errors=sorted(found, key=error_order))
                          for (account, region), found in sorted(failed.items())]),
        inventory=Inventory(assets=assets),
    )

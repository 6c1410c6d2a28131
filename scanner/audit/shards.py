"""Sharded audits: the work items of an audit, the deterministic slice `--shard K/N` takes, and the merge.

A work item is one account (AWS account, Azure subscription, GCP project) in one region. Account-wide
reads (AWS IAM, CloudFront, S3 and the per-bucket reads it leads to; Azure's and GCP's subscription- and
project-wide reads, which is all of them) form the item whose region is `global`. Reads at the
organization level (a GCP organization's or folder's IAM policy) form the item of account "".

Which shard holds an item depends only on the item: the first 8 bytes of
sha256("<provider>\\n<account>\\n<region>"), big-endian, modulo N, plus one (`SCHEME` names this rule;
a change to it gets a new name, and snapshots of different schemes are never merged). The answer does
not depend on the order in which the APIs list accounts or regions, nor on the other items, so each
shard finds its own slice without talking to the others, and a rerun takes the same slice.

Discovery calls (credentials, the account and region listings) are made by every shard: they are how a
shard finds the items, and they are cheap. Their failures are recorded by every shard, and merged once.

`merge(snapshots)` checks that the snapshots belong together (one provider, one Tenet version, one
scheme and N, no shard twice), then joins them; each missing shard is an error entry of the merged
snapshot, so `tenet scan` of it says the organization audit is partial.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from scanner.model import SourceKind

SCHEME = "sha256-provider-account-region-v1"
# The operation name of the error entry that stands for a missing shard.
MISSING_SHARD = "MissingShard"


class WorkItem(BaseModel):
    """One account in one region (`global`: the account-wide reads)."""

    model_config = ConfigDict(frozen=True)

    account: str
    region: str

    def sort_key(self) -> tuple[str, str]:
        return (self.account, self.region)


def shard_of(provider: SourceKind, item: WorkItem, total: int) -> int:
    """The shard (1 to `total`) that holds `item`."""
    key = f"{provider.value}\n{item.account}\n{item.region}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % total + 1


_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard `index` (from 1) of `total`."""

    index: int = 1
    total: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N`, 1 <= K <= N; ValueError with what is wrong otherwise."""
        match = _SHARD.fullmatch(text)
        if match is None:
            raise ValueError(f"--shard {text}: give K/N, shard K of N counted from 1 (for example 2/4)")
        index, total = int(match.group(1)), int(match.group(2))
        if total < 1:
            raise ValueError(f"--shard {text}: N, the number of shards, is at least 1")
        if not 1 <= index <= total:
            raise ValueError(f"--shard {text}: K is between 1 and N ({total}); shards are counted from 1")
        return cls(index, total)

    def owns(self, provider: SourceKind, item: WorkItem) -> bool:
        return self.total == 1 or shard_of(provider, item, self.total) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


class Partition(BaseModel):
    """Which slice of the work a snapshot holds: `shards` of `total` (all of them once merged)."""

    scheme: str = SCHEME
    total: int = Field(ge=1)
    shards: list[int]

    @property
    def missing(self) -> list[int]:
        return sorted(set(range(1, self.total + 1)) - set(self.shards))


class MergeRefused(ValueError):
    """Snapshots that cannot be merged: the message says which and why."""


def check_mergeable(named: Sequence[tuple[str, str, str | None, Partition | None]]) -> None:
    """`named`: (file name, provider, Tenet version, partition) of each snapshot. Raises MergeRefused."""
    if not named:
        raise MergeRefused("no snapshot to merge")
    unpartitioned = [name for name, _, _, partition in named if partition is None]
    if unpartitioned:
        raise MergeRefused(f"{', '.join(unpartitioned)}: no partition metadata (saved by a Tenet before --shard); "
                           "audit again with this Tenet")
    for label, values in (("providers", {name: provider for name, provider, _, _ in named}),
                          ("Tenet versions", {name: str(version) for name, _, version, _ in named})):
        if len(set(values.values())) > 1:
            raise MergeRefused(f"snapshots of different {label} cannot be merged: " + _by_value(values))
    partitions = [(name, partition) for name, _, _, partition in named if partition is not None]
    layouts = {name: f"{p.total} shards ({p.scheme})" for name, p in partitions}
    if len(set(layouts.values())) > 1:
        raise MergeRefused("snapshots of different partitions cannot be merged: " + _by_value(layouts))
    holder: dict[int, str] = {}
    for name, partition in partitions:
        for index in partition.shards:
            if index in holder:
                raise MergeRefused(f"shard {index}/{partition.total} is in both {holder[index]} and {name}")
            holder[index] = name


def _by_value(values: dict[str, str]) -> str:
    groups: dict[str, list[str]] = {}
    for name, value in values.items():
        groups.setdefault(value, []).append(name)
    return "; ".join(f"{value}: {', '.join(names)}" for value, names in sorted(groups.items()))


def unique(items: Iterable[WorkItem]) -> list[WorkItem]:
    return sorted(set(items), key=WorkItem.sort_key)

"""Drift: live findings held against the Terraform state that manages them, finding by finding.

A live resource is linked to the state instance that records its cloud id (the ARN, the Azure
resource id, the GCP self-link or id). A linked finding is located at the `.tf` block that declares
the resource, and classed by the intent it is compared with: the configuration's verdict when
`--source-dir` is given, otherwise the state's own attributes (what Terraform last applied):

- `in-code`: the intent has the same finding (fix it in the code);
- `drifted`: the intent is clean for this rule and resource, live is not (changed outside Terraform);
- `unmanaged`: no state given records the resource;
- `not-live`: a finding of the intent that live does not show (not applied yet, or fixed by hand).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scanner._compat import StrEnum
from scanner.engine.findings import Finding, Status
from scanner.model import Location
from scanner.sources.files import InputError, read_text
from scanner.sources.interface import LoadContext


class Drift(StrEnum):
    IN_CODE = "in-code"
    DRIFTED = "drifted"
    UNMANAGED = "unmanaged"
    NOT_LIVE = "not-live"


# The state attributes that hold a resource's cloud id, by how the live audits name resources.
_ID_ATTRIBUTES = ("arn", "id", "self_link")


@dataclass(frozen=True)
class Managed:
    """A state instance: its Terraform address, and where the configuration declares it (when known)."""

    address: str
    location: Location | None = None
    module_chain: tuple[Location, ...] = ()


def _key(cloud_id: str) -> str:
    # Azure ids are case-insensitive; GCP self-links and plain names differ only by their URL prefix.
    key = cloud_id.strip().lower()
    for prefix in ("https://www.googleapis.com/compute/v1/", "https://compute.googleapis.com/compute/v1/",
                   "//compute.googleapis.com/", "//storage.googleapis.com/"):
        key = key.removeprefix(prefix)
    return key


def managed_ids(states: Sequence[Path], ctx: LoadContext) -> dict[str, str]:
    """Cloud id -> Terraform address, for every managed instance the states record."""
    from scanner.sources.terraform.plan import _state_resources

    ids: dict[str, str] = {}
    for path in states:
        try:
            # States of large estates are far bigger than hand-written files: they have the plans' limit.
            document = json.loads(read_text(path, replace(ctx, max_file_bytes=ctx.max_plan_bytes)))
        except (InputError, json.JSONDecodeError):
            continue  # the state scan reports why it cannot be read
        if not isinstance(document, dict):
            continue
        for resource, values in _state_resources(document):
            address = resource.get("address")
            if not isinstance(address, str) or not isinstance(values, dict):
                continue
            for attr in _ID_ATTRIBUTES:
                value = values.get(attr)
                if isinstance(value, str) and value:
                    ids.setdefault(_key(value), address)
    return ids


def classify(live: Iterable[Finding], intent: Sequence[Finding], ids: dict[str, str],
             declared: dict[str, Managed]) -> list[Finding]:
    """The live findings with their drift class and, when linked, the `.tf` location; then the intent's
    findings that live does not show, as `not-live`."""
    intended = {(f.rule_id, f.resource) for f in intent if f.status is Status.FAIL}
    managed = set(ids.values())
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for f in live:
        address = ids.get(_key(f.resource))
        if address is None:
            out.append(f.model_copy(update={"drift": Drift.UNMANAGED.value,
                                            "drift_detail": "no given Terraform state manages this resource"}))
            continue
        seen.add((f.rule_id, address))
        where = declared.get(address, Managed(address))
        update: dict[str, object] = {"location": where.location or f.location,
                                     "module_chain": list(where.module_chain)}
        if (f.rule_id, address) in intended or f.status is not Status.FAIL:
            update |= {"drift": Drift.IN_CODE.value, "drift_detail": f"{address} has it in the code too"}
        else:
            update |= {"drift": Drift.DRIFTED.value,
                       "drift_detail": f"{address} is clean for {f.rule_id} in the code; live is not"}
        out.append(f.model_copy(update=update))
    for f in intent:
        if f.status is Status.FAIL and (f.rule_id, f.resource) not in seen and f.resource in managed:
            out.append(f.model_copy(update={"drift": Drift.NOT_LIVE.value,
                                            "drift_detail": "in the code, not seen live (not applied yet, or "
                                                            "fixed by hand)"}))
    return out


def declarations(intent_assets: Iterable[object]) -> dict[str, Managed]:
    """Address -> where the configuration declares it, from the intent's model objects."""
    found: dict[str, Managed] = {}
    for asset in intent_assets:
        origin = getattr(asset, "origin", None)
        if origin is None or origin.resource in found:
            continue
        location = origin.resource_location or origin.location
        found[origin.resource] = Managed(origin.resource, location, tuple(origin.module_chain))
    return found

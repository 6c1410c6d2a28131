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
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scanner._compat import StrEnum
from scanner.engine.findings import Category, Finding, Status
from scanner.model import AccessGrant, DataStore, Firewall, Location, TlsEndpoint, Unknown
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
    for document in _documents(states, ctx):
        for resource, values in _state_resources(document):
            address = resource.get("address")
            if not isinstance(address, str) or not isinstance(values, dict):
                continue
            for attr in _ID_ATTRIBUTES:
                value = values.get(attr)
                if isinstance(value, str) and value:
                    ids.setdefault(_key(value), address)
    return ids


_AZURE_SUBSCRIPTION = re.compile(r"^/subscriptions/([0-9a-fA-F-]{36})/", re.IGNORECASE)
_GCP_PROJECT = re.compile(r"(?:^|/)projects/([a-z][a-z0-9-]{4,28}[a-z0-9])/")
_CLOUD_OF_TYPE = {"aws_": "aws", "azurerm_": "azure", "azuread_": "azure", "google_": "gcp"}


@dataclass
class Estate:
    """What the states' resources name: the clouds, and the AWS regions and accounts, Azure subscriptions and
    GCP projects they live in (`tenet drift` audits those)."""

    clouds: set[str]
    regions: set[str]
    accounts: set[str]
    subscriptions: set[str]
    projects: set[str]

    def scope(self, cloud: str) -> set[str]:
        return {"aws": self.regions, "azure": self.subscriptions, "gcp": self.projects}.get(cloud, set())


def estate_of(states: Sequence[Path], ctx: LoadContext) -> Estate:
    """The clouds and places the states' managed resources are in, from their types and recorded ids."""
    from scanner.sources.terraform.plan import _state_resources

    estate = Estate(set(), set(), set(), set(), set())
    for document in _documents(states, ctx):
        for resource, values in _state_resources(document):
            rtype = resource.get("type")
            cloud = next((c for prefix, c in _CLOUD_OF_TYPE.items() if isinstance(rtype, str)
                          and rtype.startswith(prefix)), None)
            if cloud is None or not isinstance(values, dict):
                continue
            estate.clouds.add(cloud)
            ids = [v for v in (values.get(a) for a in _ID_ATTRIBUTES) if isinstance(v, str)]
            if cloud == "aws":
                for arn in (i for i in ids if i.startswith("arn:")):
                    parts = arn.split(":")
                    if len(parts) > 4:
                        estate.regions.update([parts[3]] if parts[3] else [])
                        estate.accounts.update([parts[4]] if parts[4].isdigit() else [])
            elif cloud == "azure":
                estate.subscriptions.update(m.group(1).lower() for i in ids if (m := _AZURE_SUBSCRIPTION.match(i)))
            else:
                project = values.get("project")
                estate.projects.update([project] if isinstance(project, str) and project else
                                       [m.group(1) for i in ids if (m := _GCP_PROJECT.search(i))])
    return estate


def _documents(states: Sequence[Path], ctx: LoadContext) -> Iterable[dict[str, object]]:
    for path in states:
        try:
            # States of large estates are far bigger than hand-written files: they have the plans' limit.
            document = json.loads(read_text(path, replace(ctx, max_file_bytes=ctx.max_plan_bytes)))
        except (InputError, json.JSONDecodeError, RecursionError):
            continue  # the state scan reports why it cannot be read
        if isinstance(document, dict):
            yield document


def classify(live: Iterable[Finding], intent: Sequence[Finding], ids: dict[str, str],
             declared: dict[str, Managed], *, live_assets: Iterable[object] = (),
             intent_assets: Iterable[object] = (), hide: Callable[[str], str] = str) -> list[Finding]:
    """The live findings with their drift class and, when linked, the `.tf` location; then the intent's
    findings that live does not show, as `not-live`. A drifted finding names the attribute that differs
    between the intent's model objects and live's (`hide` keeps the intent's secrets out of it)."""
    intended = {(f.rule_id, f.resource) for f in intent if f.status is Status.FAIL}
    managed = set(ids.values())
    live_by_id = _by_resource(live_assets, key=_key)
    intent_by_address = _by_resource(intent_assets)
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
            differs = difference(f.category, intent_by_address.get(address, []),
                                 live_by_id.get(_key(f.resource), []), hint=f.message)
            if differs is None:
                detail = f"{address} is clean for {f.rule_id} in the code; live is not"
            else:
                detail = hide(f"{address}: {differs}")
                update["message"] = f"{f.message}; drifted from the code: {hide(differs)}"
            update |= {"drift": Drift.DRIFTED.value, "drift_detail": detail}
        out.append(f.model_copy(update=update))
    for f in intent:
        if f.status is Status.FAIL and (f.rule_id, f.resource) not in seen and f.resource in managed:
            out.append(f.model_copy(update={"drift": Drift.NOT_LIVE.value,
                                            "drift_detail": "in the code, not seen live (not applied yet, or "
                                                            "fixed by hand)"}))
    return out


def _by_resource(assets: Iterable[object], key: Callable[[str], str] = str) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for asset in assets:
        origin = getattr(asset, "origin", None)
        if origin is not None:
            found.setdefault(key(origin.resource), []).append(asset)
    return found


# -- which attribute differs ---------------------------------------------------------------------------------

_FAMILY_TYPES: dict[Category, type] = {Category.NETWORK: Firewall, Category.TLS: TlsEndpoint,
                                       Category.ENCRYPTION: DataStore, Category.IAM: AccessGrant}


def difference(category: Category, code: Sequence[object], live: Sequence[object], hint: str = "") -> str | None:
    """The attribute of the rule's family that differs between the code's objects of a resource and live's,
    as `what: code X, live Y`; None when nothing of that family is on both sides to compare."""
    kind = _FAMILY_TYPES.get(category)
    if kind is None:
        return None
    ours = [a for a in code if isinstance(a, kind)]
    theirs = [a for a in live if isinstance(a, kind)]
    if not theirs:
        return None
    if kind is Firewall:
        return _rules_difference(ours, theirs, hint)
    if kind is AccessGrant:
        return _grants_difference(ours, theirs)
    fields = (("min_version", "minimum TLS version"), ("plaintext_allowed", "plaintext")) if kind is TlsEndpoint \
        else (("encrypted", "encryption at rest"), ("key_management", "key"), ("key_bits", "key bits"))
    return _fields_difference(ours, theirs, fields)


def _text(value: object) -> str:
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "not set"
    return str(getattr(value, "value", value))


def _fields_difference(code: Sequence[object], live: Sequence[object], fields: Sequence[tuple[str, str]]
                       ) -> str | None:
    """The first field whose values differ, the objects paired by their kind (a listener, a bucket …)."""
    for theirs in live:
        same_kind = [a for a in code if getattr(a, "kind", None) == getattr(theirs, "kind", None)] or list(code)
        if not same_kind:
            return f"{getattr(theirs, 'kind', 'object')}: not in the code"
        ours = same_kind[0]
        for name, label in fields:
            mine, yours = _text(getattr(ours, name, None)), _text(getattr(theirs, name, None))
            if mine != yours:
                return f"{label}: code {mine}, live {yours}"
    return None


def _rule_key(rule: object) -> tuple[str, str]:
    direction = _text(getattr(rule, "direction", None))
    access = _text(getattr(rule, "access", None))
    ports = _text(getattr(rule, "ports", None))
    return direction, (ports if access == "allow" else f"{access} {ports}")


def _peers(rules: Sequence[object]) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        peers = getattr(rule, "peers", [])
        found.setdefault(_rule_key(rule), set()).update(
            ["unknown"] if isinstance(peers, Unknown) else [_text(p) for p in peers])
    return found


def _sides(mine: set[str], yours: set[str]) -> str:
    return f"code {', '.join(sorted(mine)) or 'none'}, live {', '.join(sorted(yours)) or 'none'}"


def _rules_difference(code: Sequence[object], live: Sequence[object], hint: str) -> str | None:
    """`ingress 22: code 10.0.0.0/8, live 0.0.0.0/0, 10.0.0.0/8`: the direction and ports whose peers differ,
    those the finding's message names first."""
    ours = _peers([r for wall in code for r in getattr(wall, "rules", [])])
    theirs = _peers([r for wall in live for r in getattr(wall, "rules", [])])
    outbound = " leave" in hint or "egress" in hint.lower()

    def relevance(key: tuple[str, str]) -> tuple[int, tuple[str, str]]:
        direction, ports = key
        named = ports.rsplit(" ", 1)[-1] in hint or ports in hint
        return -(2 * named + ((direction == "egress") == outbound)), key

    for key in sorted(theirs.keys() | ours.keys(), key=relevance):
        mine, yours = ours.get(key, set()), theirs.get(key, set())
        if mine != yours:
            return f"{key[0]} {key[1]}: {_sides(mine, yours)}"
    return None


def _grants_difference(code: Sequence[object], live: Sequence[object]) -> str | None:
    """The first of principals, actions and resources whose union over the resource's grants differs."""
    for name in ("principals", "actions", "resources", "role", "scope"):
        def union(grants: Sequence[object], attribute: str = name) -> set[str]:
            values: set[str] = set()
            for grant in grants:
                value = getattr(grant, attribute, None)
                items = value if isinstance(value, list) else [] if value is None else [value]
                values.update(_text(v) for v in items)
            return values

        mine, yours = union(code), union(live)
        if mine != yours:
            return f"{name}: {_sides(mine, yours)}"
    return None


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

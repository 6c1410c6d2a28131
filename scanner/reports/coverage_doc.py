"""The coverage matrix (docs/coverage.md), generated from the code.

Nothing here is a hand table. Every fixture under `fixtures/rules/` is read by
the real sources; for each resource type (or Kubernetes kind) the matrix shows
which model classes its assets are, hence the family, and which rules read
those classes (the registry knows each rule's model type). Terraform types come
from the mappings' `MAPPERS`; live columns come from `scanner/audit/<cloud>/coverage.py`.
A type mapped in code without a fixture shows as such.

Regenerate with `tenet coverage --format markdown > docs/coverage.md`
(or `python -m scanner.reports.coverage_doc > docs/coverage.md`).
Imported only by that command and the tests: never on `tenet scan`'s path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from scanner.engine.registry import ASSET_TYPES, Rule, load_rules
from scanner.model import AccessGrant, Asset, DataStore, Firewall, Origin, TlsEndpoint

ROOT = Path(__file__).resolve().parents[2]
RULE_FIXTURES = ROOT / "fixtures" / "rules"
COMMAND = "tenet coverage --format markdown > docs/coverage.md"

FAMILY: dict[type, str] = {Firewall: "network", TlsEndpoint: "tls", DataStore: "encryption", AccessGrant: "iam"}
_ORDER = {cls: i for i, cls in enumerate(ASSET_TYPES)}


@dataclass
class Reading:
    """What the fixtures show of one resource type or kind."""

    # Model classes of the assets this type becomes.
    classes: set[type] = field(default_factory=set)
    # Types whose assets this one contributes to (a bucket's encryption configuration, a group's rule).
    part_of: dict[str, set[type]] = field(default_factory=lambda: defaultdict(set))
    fixtures: set[str] = field(default_factory=set)


def _origins(asset: Asset) -> Iterable[Origin]:
    yield from asset.field_origins.values()
    if isinstance(asset, Firewall):
        for rule in asset.rules:
            yield rule.origin
            yield from rule.field_origins.values()


def read_fixtures(root: Path = RULE_FIXTURES) -> dict[str, Reading]:
    """Every rule fixture through the real sources: resource type (or kind) -> what it became."""
    from scanner.scan import default_sources
    from scanner.sources.interface import LoadContext

    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".tf", ".yaml", ".yml"))
    ctx = LoadContext(cwd=ROOT)
    readings: dict[str, Reading] = defaultdict(Reading)
    for source in default_sources():
        claimed = [f for f in files if source.claims(f)]
        files = [f for f in files if f not in claimed]
        if not claimed:
            continue
        for asset in source.load(claimed, ctx).assets:
            owner = asset.origin.resource_type
            reading = readings[owner]
            reading.classes.add(type(asset))
            if asset.origin.location is not None:
                reading.fixtures.add(asset.origin.location.path)
            for origin in _origins(asset):
                if origin.resource_type != owner:
                    part = readings[origin.resource_type]
                    part.part_of[owner].add(type(asset))
                    if origin.location is not None:
                        part.fixtures.add(origin.location.path)
    return dict(readings)


def _sorted_classes(classes: Iterable[type]) -> list[type]:
    return sorted(set(classes), key=lambda c: _ORDER.get(c, 99))


def _families(classes: Iterable[type]) -> str:
    return ", ".join(FAMILY[c] for c in _sorted_classes(classes))


def _rules_of(classes: Iterable[type], rules: Sequence[Rule]) -> str:
    wanted = set(classes)
    return ", ".join(r.id for r in rules if r.applies_to in wanted)


def _fixture_links(paths: Iterable[str]) -> str:
    return ", ".join(f"[{Path(p).relative_to('fixtures/rules').as_posix()}](../{p})" for p in sorted(paths))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


@dataclass(frozen=True)
class CloudTables:
    title: str
    prefix: str
    mappers: Mapping[str, object]
    coverage: ModuleType


def _clouds() -> list[CloudTables]:
    from scanner.audit.aws import coverage as aws_live
    from scanner.audit.azure import coverage as azure_live
    from scanner.audit.gcp import coverage as gcp_live
    from scanner.sources.terraform.mappings import aws, azure, gcp

    return [CloudTables("AWS", "aws_", aws.MAPPERS, aws_live),
            CloudTables("Azure", "azurerm_", azure.MAPPERS, azure_live),
            CloudTables("GCP", "google_", gcp.MAPPERS, gcp_live)]


def _live(resource_type: str, coverage: ModuleType) -> str:
    live: Mapping[str, str] = coverage.LIVE
    not_live: Mapping[str, str] = coverage.NOT_LIVE
    if resource_type in live:
        return f"yes: {live[resource_type]}"
    if resource_type in not_live:
        return f"no: {not_live[resource_type]}"
    return "no: not accounted for"


def unfixtured(readings: Mapping[str, Reading]) -> list[str]:
    """Terraform types mapped in code that no rule fixture exercises."""
    return sorted(t for cloud in _clouds() for t in cloud.mappers
                  if t not in readings or not (readings[t].classes or readings[t].part_of))


def kubernetes_kinds() -> list[str]:
    from scanner.sources.kubernetes.adapter import _ADAPTERS

    return sorted(_ADAPTERS)


def render(readings: Mapping[str, Reading] | None = None, rules: Sequence[Rule] | None = None) -> str:
    readings = read_fixtures() if readings is None else readings
    rules = load_rules() if rules is None else rules
    out = [
        "# Coverage",
        "",
        f"Generated from the code by `{COMMAND}`; do not edit by hand (a test fails when it is stale).",
        "",
        "Each row is a resource type Tenet judges. **Family** and **model** are what the type's assets are when",
        "its rule fixtures (`fixtures/rules/`) are read by the real sources; **rules** are every rule that reads",
        "those model classes (some only when a parameter turns them on: NET-006 with `allowed_cidrs`, ENC-003",
        "with `require_customer_managed_keys`). Terraform HCL and plan JSON are mapped by the same code.",
        "**Live** is what `tenet audit <cloud>` reads for the same resource, or why it does not (the gap).",
        "",
        "| family | model | rules |",
        "| --- | --- | --- |",
    ]
    out += [f"| {FAMILY[c]} | `{c.__name__}` | {_rules_of([c], rules)} |" for c in ASSET_TYPES]
    for cloud in _clouds():
        out += ["", f"## {cloud.title} (Terraform)", "",
                f"| resource type | family | rules | HCL | plan | live {cloud.title} | fixtures |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for resource_type in sorted(cloud.mappers):
            reading = readings.get(resource_type, Reading())
            classes = set(reading.classes) | {c for cs in reading.part_of.values() for c in cs}
            if classes:
                family, rule_ids = _families(classes), _rules_of(classes, rules)
                own = reading.classes
                if not own:
                    family += " (as part of " + ", ".join(f"`{t}`" for t in sorted(reading.part_of)) + ")"
            else:
                family, rule_ids = "**no fixture**", ""
            out.append(f"| `{resource_type}` | {family} | {rule_ids} | yes | yes | "
                       f"{_cell(_live(resource_type, cloud.coverage))} | {_fixture_links(reading.fixtures)} |")
        parts = sorted(t for t, r in readings.items()
                       if t.startswith(cloud.prefix) and t not in cloud.mappers and r.part_of)
        if parts:
            out += ["", "Read as part of another resource (no assets of their own; live with that resource):", "",
                    "| resource type | part of | family | rules |", "| --- | --- | --- | --- |"]
            for resource_type in parts:
                reading = readings[resource_type]
                classes = {c for cs in reading.part_of.values() for c in cs}
                owners = ", ".join(f"`{t}`" for t in sorted(reading.part_of))
                out.append(f"| `{resource_type}` | {owners} | {_families(classes)} | {_rules_of(classes, rules)} |")
    out += ["", "## Kubernetes", "",
            "Manifests (YAML, multi-document, `List` kinds). There is no live Kubernetes audit.", "",
            "| kind | family | rules | fixtures |", "| --- | --- | --- | --- |"]
    for kind in kubernetes_kinds():
        reading = readings.get(kind, Reading())
        if reading.classes:
            out.append(f"| `{kind}` | {_families(reading.classes)} | {_rules_of(reading.classes, rules)} | "
                       f"{_fixture_links(reading.fixtures)} |")
        else:
            out.append(f"| `{kind}` | **no fixture** |  |  |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render())

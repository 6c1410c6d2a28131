"""Terraform plan JSON (`terraform show -json plan.out`) and state, mapped with the same code as HCL.

A state is what Terraform believes is deployed: a local `terraform.tfstate` (format version 4) or the
output of `terraform show -json` for a state. Every value is known. Values under `sensitive_attributes`
(or `sensitive_values`) are secrets, hidden in every report.

Values come from `resource_changes[].change.after` (or `planned_values`), and
`after_unknown` becomes `Unknown`. Values under `after_sensitive` (and every
other sensitivity mask of the plan) are secrets, hidden in every report. When
the configuration is on disk (the
plan's directory, or `--source-dir`), each resource is located at its real
.tf file and line; otherwise at the line of its address in the plan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.engine.findings import ScanError
from scanner.engine.redaction import secret_texts
from scanner.model import Asset, Location, Origin, SourceKind, Unknown
from scanner.sources.files import InputError, read_text, sniff
from scanner.sources.interface import LoadContext, LoadResult
from scanner.sources.terraform.hcl_view import HclView
from scanner.sources.terraform.mappings import Mapper, all_mappers
from scanner.sources.terraform.module import Module, ModuleReader
from scanner.sources.terraform.view import ResourceIndex

_SNIFF_BYTES = 4096
_ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')
_AFTER_APPLY = "known only after apply"
_TOO_DEEP = "JSON values are nested too deeply to be read"


def is_plan(path: Path) -> bool:
    """A cheap look: plan JSON (and `terraform show -json` of a state) starts with its format and Terraform
    versions; a state file is named `*.tfstate`."""
    if path.suffix == ".tfstate":
        return True
    if path.suffix != ".json":
        return False
    head = sniff(path, _SNIFF_BYTES)
    if b'"format_version"' in head and (b'"terraform_version"' in head or b'"planned_values"' in head):
        return True
    # A state saved under a .json name: format version 4, its lineage and serial near the top.
    return b'"version"' in head and b'"lineage"' in head and b'"resources"' in head


def _obj(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one: a plan is input, and input may be malformed."""
    return value if isinstance(value, dict) else {}


def _arr(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _with_unknowns(value: Any, mask: Any) -> Any:
    """Overlay `after_unknown` on `after`: a `true` in the mask makes that value Unknown."""
    if mask is True:
        return Unknown(reason=_AFTER_APPLY)
    if isinstance(value, dict) and isinstance(mask, dict):
        return {k: _with_unknowns(v, mask.get(k)) for k, v in value.items()} | {
            k: Unknown(reason=_AFTER_APPLY) for k, m in mask.items() if m is True and k not in value
        }
    if isinstance(value, list) and isinstance(mask, list):
        return [_with_unknowns(v, mask[i] if i < len(mask) else None) for i, v in enumerate(value)]
    return value


def _masked(value: Any, mask: Any) -> Iterator[str]:
    """The texts of the values a sensitivity mask (`after_sensitive`, `sensitive_values`) marks."""
    if mask is True:
        yield from secret_texts(value)
    elif isinstance(mask, dict) and isinstance(value, dict):
        for key, sub in mask.items():
            yield from _masked(value.get(key), sub)
    elif isinstance(mask, list) and isinstance(value, list):
        for item, sub in zip(value, mask, strict=False):
            yield from _masked(item, sub)


def _module_secrets(module: Any) -> Iterator[str]:
    """`planned_values` / `prior_state.values`: resources with their `sensitive_values`, and sensitive outputs."""
    stack = [_obj(module)]
    while stack:
        m = stack.pop()
        for r in _arr(m.get("resources")):
            r = _obj(r)
            yield from _masked(r.get("values"), r.get("sensitive_values"))
        stack.extend(_obj(c) for c in _arr(m.get("child_modules")))


def plan_secrets(plan: dict[str, Any]) -> set[str]:
    """Every value the plan marks sensitive: resource changes and drift (`after_sensitive`,
    `before_sensitive`), planned and prior values (`sensitive_values`), outputs, and the values and
    defaults of sensitive variables."""
    found: set[str] = set()
    for section in ("resource_changes", "resource_drift"):
        for rc in _arr(plan.get(section)):
            change = _obj(_obj(rc).get("change"))
            for side in ("after", "before"):
                found.update(_masked(change.get(side), change.get(f"{side}_sensitive")))
    for change in _obj(plan.get("output_changes")).values():
        change = _obj(change)
        for side in ("after", "before"):
            found.update(_masked(change.get(side), change.get(f"{side}_sensitive")))
    for values in (_obj(plan.get("planned_values")), _obj(_obj(plan.get("prior_state")).get("values"))):
        found.update(_module_secrets(values.get("root_module")))
        for output in _obj(values.get("outputs")).values():
            output = _obj(output)
            found.update(_masked(output.get("value"), output.get("sensitive")))
    declared = _obj(_obj(_obj(plan.get("configuration")).get("root_module")).get("variables"))
    for name, variable in declared.items():
        if _obj(variable).get("sensitive") is True:
            found.update(secret_texts(_obj(variable).get("default")))
            found.update(secret_texts(_obj(_obj(plan.get("variables")).get(name)).get("value")))
    return found


class PlanView:
    """A planned resource instance (or nested block), with locations borrowed from its HCL when known."""

    def __init__(self, values: Mapping[str, Any], *, block_type: str, address: str, origin: Origin,
                 hcl: HclView | None, references: Mapping[str, list[str]],
                 configured: frozenset[str] | None = None) -> None:
        self.values = values
        # The arguments and blocks the configuration sets, when the plan's `configuration` or the .tf shows them.
        self.configured = configured
        self._type = block_type
        self._address = address
        self._origin = origin
        self.hcl = hcl
        self.references = references

    @property
    def type(self) -> str:
        return self._type

    @property
    def address(self) -> str:
        return self._address

    @property
    def origin(self) -> Origin:
        return self._origin

    def get(self, attr: str, default: Any = None) -> Any:
        value = self.values.get(attr)
        if isinstance(value, Unknown) and not self._set_in_configuration(attr):
            # Computed by the provider and set nowhere in the configuration: the attribute mirrors other resources
            # (a bucket's `policy` mirrors its aws_s3_bucket_policy, a group's `ingress` its rule resources),
            # which are judged on their own. It is not an unknown of this resource.
            return default
        return default if value is None else value

    def _set_in_configuration(self, attr: str) -> bool:
        """Whether the configuration sets `attr`; True when neither the plan nor the .tf files can say."""
        if self.configured is None and self.hcl is None:
            return True
        if self.configured is not None and attr in self.configured:
            return True
        if self.hcl is not None:
            return self.hcl.has(attr) or any(
                b.type == attr or (b.type == "dynamic" and b.labels == (attr,)) for b in self.hcl.body.blocks)
        return False

    def has(self, attr: str) -> bool:
        return self.values.get(attr) is not None

    def blocks(self, block_type: str) -> Sequence[PlanView]:
        items = self.values.get(block_type)
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            return []
        hcl_blocks = list(self.hcl.blocks(block_type)) if self.hcl is not None else []
        paired = _pair_blocks([item if isinstance(item, dict) else {} for item in items], hcl_blocks)
        views = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            hcl = paired[i]
            origin = self._origin.at(hcl.origin.location if hcl else None, f"{block_type}[{i}]")
            views.append(PlanView(item, block_type=block_type, address=self._address, origin=origin, hcl=hcl,
                                  references={}))
        return views

    def origin_of(self, attr: str) -> Origin:
        if self.hcl is not None and self.hcl.has(attr):
            return self._origin.at(self.hcl.origin_of(attr).location)
        return self._origin

    def reference(self, attr: str) -> str | None:
        found = self.all_references(attr)
        return found[0] if found else None

    def all_references(self, attr: str) -> list[str]:
        found: list[str] = []
        for ref in self.references.get(attr, []):
            parts = ref.split(".")
            if len(parts) >= 2 and parts[0] not in ("var", "local", "data", "module", "each", "count", "path"):
                prefix = self._address.rsplit(".", 2)[0] + "." if self._address.startswith("module.") else ""
                address = f"{prefix}{parts[0]}.{parts[1]}"
                if address not in found:
                    found.append(address)
        return found

    def statement_origins(self, attr: str) -> list[Origin] | None:
        if self.hcl is None:
            return None
        origins = self.hcl.statement_origins(attr)
        if origins is None:
            return None
        return [self._origin.at(o.location, o.anchor.rsplit(".", 1)[-1]) for o in origins]


def _pair_blocks(items: Sequence[Mapping[str, Any]], blocks: Sequence[HclView]) -> list[HclView | None]:
    """The .tf block each planned nested block comes from. Terraform keeps blocks such as `ingress` as a set,
    in an order of its own, so they are paired by content: a block whose every known argument equals the
    planned value. Where content cannot tell (no block matches, or several alike), position decides when the
    counts agree, and otherwise the block goes unpaired (located at its resource)."""
    arguments = [{name: block.get(name) for name in block.body.attributes} for block in blocks]

    def unmatched(item: Mapping[str, Any], block: int) -> int | None:
        """How many of the block's arguments the .tf reading does not know (0: it equals the planned block
        wherever it says anything); None when a known one differs, or nothing could be compared."""
        compared = unknown = 0
        for name, written in arguments[block].items():
            if isinstance(written, Unknown) or name not in item or isinstance(item[name], Unknown):
                unknown += 1
                continue
            if not _same(written, item[name]):
                return None
            compared += 1
        return unknown if compared else None

    # Closest pairs first: a planned block equal to a .tf block is not left without it because a block with a
    # value read at plan time (unknown to the .tf reading, so "matching" anything) came first.
    scored = sorted((score, i, j) for i, item in enumerate(items) for j in range(len(blocks))
                    if (score := unmatched(item, j)) is not None)
    paired: list[HclView | None] = [None] * len(items)
    used: set[int] = set()
    for _, i, j in scored:
        if paired[i] is None and j not in used:
            paired[i] = blocks[j]
            used.add(j)
    if len(blocks) == len(items):
        for i in range(len(items)):
            if paired[i] is None and i not in used:
                paired[i] = blocks[i]
                used.add(i)
    return paired


def _same(written: Any, planned: Any) -> bool:
    """A value as written in HCL and as the plan holds it: numbers may be strings in one and not the other,
    and a set's order is the plan's."""
    if isinstance(written, list) and isinstance(planned, list):
        return sorted(map(str, written)) == sorted(map(str, planned))
    if isinstance(written, bool) or isinstance(planned, bool):
        return bool(written == planned)
    return str(written) == str(planned)


def _configured_arguments(config: Any, prefix: str = "") -> dict[str, frozenset[str]]:
    """address -> the arguments and blocks its configuration sets, from the plan's `configuration` section."""
    found: dict[str, frozenset[str]] = {}
    config = _obj(config)
    for resource in _arr(config.get("resources")):
        if isinstance(resource, dict) and isinstance(resource.get("address"), str):
            found[prefix + resource["address"]] = frozenset(_obj(resource.get("expressions")))
    for name, call in _obj(config.get("module_calls")).items():
        if isinstance(call, dict):
            found |= _configured_arguments(call.get("module"), f"{prefix}module.{name}.")
    return found


def _configuration_references(config: Any, prefix: str = "") -> dict[str, dict[str, list[str]]]:
    """address -> attribute -> references, from the plan's `configuration` section."""
    found: dict[str, dict[str, list[str]]] = {}
    config = _obj(config)
    for resource in _arr(config.get("resources")):
        if isinstance(resource, dict) and isinstance(resource.get("address"), str):
            found[prefix + resource["address"]] = {
                attr: [r for r in _arr(expr.get("references")) if isinstance(r, str)]
                for attr, expr in _obj(resource.get("expressions")).items()
                if isinstance(expr, dict)
            }
    for name, call in _obj(config.get("module_calls")).items():
        if isinstance(call, dict):
            found |= _configuration_references(call.get("module"), f"{prefix}module.{name}.")
    return found


def is_state(document: dict[str, Any]) -> bool:
    """A state file (format version 4), or `terraform show -json` of a state (a `values` tree, no plan)."""
    if isinstance(document.get("version"), int) and isinstance(document.get("resources"), list):
        return True
    return "values" in document and "planned_values" not in document and "resource_changes" not in document


def _state_address(resource: dict[str, Any], key: Any) -> str:
    module = resource.get("module")
    base = f"{module}." if isinstance(module, str) and module else ""
    base += f"{resource.get('type')}.{resource.get('name')}"
    if key is None:
        return base
    return f"{base}[{json.dumps(key)}]" if isinstance(key, str) else f"{base}[{key}]"


def _state_resources(state: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Any]]:
    """(resource, values) of every managed resource instance a state records."""
    if isinstance(state.get("version"), int):
        for r in _arr(state.get("resources")):
            if not isinstance(r, dict) or r.get("mode") != "managed":
                continue
            for instance in _arr(r.get("instances")):
                instance = _obj(instance)
                address = _state_address(r, instance.get("index_key"))
                yield {"address": address, "type": r.get("type"), "name": r.get("name")}, _obj(
                    instance.get("attributes"))
        return
    yield from _module_tree(_obj(state.get("values")).get("root_module"))


def _at_path(value: Any, steps: list[Any]) -> Any:
    for step in steps:
        step = _obj(step)
        key = step.get("value")
        if isinstance(key, dict):  # an index step: {"value": 0, "type": "number"} or a string key
            key = key.get("value")
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def state_secrets(state: dict[str, Any]) -> set[str]:
    """Every value a state marks sensitive: `sensitive_attributes` paths (format 4), `sensitive_values` masks
    (`terraform show -json`), and sensitive outputs."""
    found: set[str] = set()
    for r in _arr(state.get("resources")):
        for instance in _arr(_obj(r).get("instances")):
            instance = _obj(instance)
            attributes = instance.get("attributes")
            for path in _arr(instance.get("sensitive_attributes")):
                # Terraform 1.x writes a list of steps; newer versions may wrap it in an object.
                steps = path if isinstance(path, list) else _arr(_obj(path).get("path"))
                found.update(secret_texts(_at_path(attributes, steps)))
    for output in _obj(state.get("outputs")).values():
        output = _obj(output)
        if output.get("sensitive") is True:
            found.update(secret_texts(output.get("value")))
    values = _obj(state.get("values"))
    found.update(_module_secrets(values.get("root_module")))
    for output in _obj(values.get("outputs")).values():
        output = _obj(output)
        found.update(_masked(output.get("value"), output.get("sensitive")))
    return found


def _planned_resources(plan: dict[str, Any]) -> Iterator[tuple[dict[str, Any], Any]]:
    """(resource, values) for every managed resource that will exist after apply."""
    changes = plan.get("resource_changes")
    if isinstance(changes, list):
        for rc in changes:
            if not isinstance(rc, dict) or rc.get("mode") != "managed":
                continue
            change = _obj(rc.get("change"))
            after = change.get("after")
            if after is None or change.get("actions") == ["delete"]:
                continue
            yield rc, _with_unknowns(after, change.get("after_unknown"))
        return
    yield from _module_tree(_obj(plan.get("planned_values")).get("root_module"))


def _module_tree(root: Any) -> Iterator[tuple[dict[str, Any], Any]]:
    """(resource, values) of the managed resources of a `values` tree (`planned_values`, a shown state)."""
    stack = [_obj(root)]
    while stack:
        module = stack.pop()
        for r in _arr(module.get("resources")):
            if isinstance(r, dict) and r.get("mode") == "managed":
                yield r, _obj(r.get("values"))
        stack.extend(m for m in _arr(module.get("child_modules")) if isinstance(m, dict))


def _hcl_views(source_dir: Path, ctx: LoadContext, secrets: set[str]) -> dict[str, HclView]:
    """The configuration's resources by address, for real file locations."""
    if not any(source_dir.glob("*.tf")):
        return {}
    reader = ModuleReader(ctx, secrets)  # the configuration's sensitive values are the plan's too
    root = Module(reader.files(source_dir), ctx, reader=reader)
    views: dict[str, HclView] = {}
    modules = [root]
    while modules:
        module = modules.pop()
        for declared in module.resources.values():
            for instance in module.instances(declared):
                views[instance.address] = HclView.of_instance(instance)
        modules.extend(child for _, _, child in module.children())
    return views


def _address_lines(text: str) -> dict[str, int]:
    """The line of each address's first mention, in one pass: the newlines are counted from the previous match
    only, so a plan of any size costs linear time."""
    lines: dict[str, int] = {}
    line, counted = 1, 0
    for m in _ADDRESS.finditer(text):
        line += text.count("\n", counted, m.start())
        counted = m.start()
        address = m.group(1)
        if "\\" in address:
            address = json.loads(f'"{address}"')
        lines.setdefault(address, line)
    return lines


class PlanSource:
    name = "terraform-plan"

    def claims(self, path: Path) -> bool:
        return is_plan(path)

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        result = LoadResult()
        mappers = all_mappers()
        for path in files:
            shown = ctx.display_path(path)
            result.files.append(shown)
            try:
                # Plans of large estates are far bigger than hand-written files: they have their own limit.
                text = read_text(path, replace(ctx, max_file_bytes=ctx.max_plan_bytes))
                plan = json.loads(text)
            except InputError as exc:
                result.errors.append(exc.error)
                continue
            except json.JSONDecodeError as exc:
                result.errors.append(ScanError(path=shown, line=exc.lineno, column=exc.colno,
                                               message=f"invalid JSON: {exc.msg}"))
                continue
            except RecursionError:
                result.errors.append(ScanError(path=shown, message=_TOO_DEEP))
                continue
            if not isinstance(plan, dict):
                result.errors.append(ScanError(path=shown, message="not a plan: the top level is not an object"))
                continue
            try:
                state = is_state(plan)
                result.secrets |= state_secrets(plan) if state else plan_secrets(plan)
                assets, errors = self._map(plan, text, shown, path, ctx, mappers, result.secrets, state)
            except RecursionError:  # values nested just within the decoder's depth, deeper than the mapping's
                result.errors.append(ScanError(path=shown, message=_TOO_DEEP))
                continue
            result.assets.extend(assets)
            result.errors.extend(errors)
        return result

    def _map(self, plan: dict[str, Any], text: str, shown: str, path: Path, ctx: LoadContext,
             mappers: dict[str, Mapper], secrets: set[str], state: bool = False
             ) -> tuple[list[Asset], list[ScanError]]:
        hcl = _hcl_views(ctx.source_dir or path.parent, ctx, secrets)
        errors: list[ScanError] = []
        root_config = _obj(plan.get("configuration")).get("root_module")
        references = _configuration_references(root_config)
        configured = _configured_arguments(root_config)
        lines = _address_lines(text)
        views = []
        kind = SourceKind.TERRAFORM_STATE if state else SourceKind.TERRAFORM_PLAN
        for resource, values in (_state_resources(plan) if state else _planned_resources(plan)):
            address, rtype = resource.get("address"), resource.get("type")
            if not isinstance(address, str) or not isinstance(rtype, str) or not isinstance(values, dict):
                continue
            base = re.sub(r"\[[^\]]*\]", "", address)
            view = hcl.get(address) or hcl.get(base)
            line = lines.get(address, 1)
            location = view.origin.location if view else Location(path=shown, start_line=line, end_line=line)
            origin = Origin(source=kind, resource=address, resource_type=rtype,
                            location=location, module_call=view.origin.module_call if view else None,
                            module_chain=view.origin.module_chain if view else ())
            views.append(PlanView(values, block_type=rtype, address=address, origin=origin, hcl=view,
                                  references=references.get(base, {}), configured=configured.get(base)))
        context = ResourceIndex(views)
        assets: list[Asset] = []
        for v in views:
            mapper = mappers.get(v.type)
            if mapper is None:
                continue
            try:
                assets.extend(mapper(v, context))
            except Exception as exc:  # one resource's surprise must not lose the plan
                errors.append(ScanError(path=shown, line=lines.get(v.address),
                                        message=f"could not map {v.address}: {type(exc).__name__}: {exc}"))
        return assets, errors

"""Load the compliance framework files (`policies/compliance/<id>.yaml`) and check them.

A file names its framework (`id`, `title`, `version`, `source`, `url`, `providers`) and lists
`controls`: `{id, title, coverage, rules, resources, note}`. `coverage` says how much of the control Tenet's
rules evaluate: `full`, `partial` (rules listed, note says what is left), `manual` or `not-covered`
(no rules; the note says why). `resources` (optional) are the kinds of resource the control is about, as
Terraform resource types or Kubernetes kinds: only findings and objects of those kinds count towards it,
whatever read them (scanner/providers/resource_types.py maps live types onto Terraform's). The checks here are
the ones `policies/compliance/schema.json` states, plus what a JSON Schema cannot say (control ids unique within
a file, resource types Tenet knows), so a bad file is refused with its path, line and problem whether or not
`jsonschema` is installed.

Nothing here is imported by `tenet scan` unless compliance is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

import yaml

import policies

Coverage = Literal["full", "partial", "manual", "not-covered"]
COVERAGES: tuple[Coverage, ...] = get_args(Coverage)
PROVIDERS = ("aws", "azure", "gcp", "kubernetes")
FRAMEWORKS_DIR = Path(policies.__file__).resolve().parent / "compliance"
SCHEMA_FILE = FRAMEWORKS_DIR / "schema.json"

_FRAMEWORK_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
_RULE_ID = re.compile(r"^[A-Z]{2,5}-\d{3}$")
_FIELDS = ("id", "title", "version", "source", "url", "providers", "controls")
_CONTROL_FIELDS = ("id", "title", "coverage", "rules", "resources", "note")


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    coverage: Coverage
    rules: tuple[str, ...]
    note: str
    # The kinds of resource the control is about (Terraform types, Kubernetes kinds); empty: every kind its rules read.
    resources: frozenset[str] = frozenset()

    def covers(self, kinds: Iterable[str]) -> bool:
        """Whether a resource of these kinds (`terraform_types`) counts towards the control."""
        return not self.resources or not self.resources.isdisjoint(kinds)


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: str
    source: str
    url: str
    # Only findings on resources of these providers count towards the framework; empty means all of them.
    providers: frozenset[str]
    controls: tuple[Control, ...]
    # The file it was read from, for messages.
    path: Path | None = field(default=None, compare=False)

    def applies_to(self, provider: str) -> bool:
        return not self.providers or provider in self.providers


@dataclass(frozen=True)
class ControlRef:
    """One control of one framework that lists a rule (the reverse index: rule -> controls)."""

    framework: str
    framework_title: str
    control: str
    title: str
    coverage: Coverage


class FrameworkError(ValueError):
    """A framework that cannot be used: an unknown id, or a file that is not valid. The message names the file,
    the line when there is one, and what is wrong; the CLI exits 2 on it."""


def available_frameworks() -> list[str]:
    """The ids of the frameworks Tenet ships, sorted."""
    return sorted(p.stem for p in FRAMEWORKS_DIR.glob("*.yaml"))


def load_framework(id_or_path: str) -> Framework:
    """A shipped framework by id (`cis-aws-4.0`), or a framework file by path."""
    path = Path(id_or_path)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise FrameworkError(f"{id_or_path}: no such compliance framework file")
        return _load_file(path)
    if id_or_path in available_frameworks():
        return _load_shipped(id_or_path)
    raise FrameworkError(f"unknown compliance framework {id_or_path!r}; available: {', '.join(available_frameworks())}"
                         " (or the path of a framework file)")


@cache
def _load_shipped(framework_id: str) -> Framework:
    return _load_file(FRAMEWORKS_DIR / f"{framework_id}.yaml")


def check_rules(framework: Framework, rule_ids: Collection[str]) -> None:
    """Refuse a framework whose controls name a rule that is not in `rule_ids` (the rule set in use)."""
    for control in framework.controls:
        unknown = [r for r in control.rules if r not in rule_ids]
        if unknown:
            where = framework.path if framework.path is not None else framework.id
            raise FrameworkError(f"{where}: control {control.id} lists {', '.join(unknown)}, "
                                 f"which {'is not a rule' if len(unknown) == 1 else 'are not rules'} of this rule set")


@lru_cache(maxsize=1)
def _shipped_index() -> dict[str, tuple[ControlRef, ...]]:
    return controls_by_rule(_load_shipped(i) for i in available_frameworks())


def controls_by_rule(frameworks: Iterable[Framework] | None = None) -> dict[str, tuple[ControlRef, ...]]:
    """Rule id -> the controls that list it, framework by framework (the shipped frameworks by default)."""
    if frameworks is None:
        return _shipped_index()
    index: dict[str, list[ControlRef]] = {}
    for fw in frameworks:
        for control in fw.controls:
            for rule_id in control.rules:
                index.setdefault(rule_id, []).append(
                    ControlRef(fw.id, fw.title, control.id, control.title, control.coverage))
    return {rule_id: tuple(refs) for rule_id, refs in index.items()}


def rule_controls(rule_id: str) -> dict[str, tuple[str, ...]]:
    """Framework id -> the ids of its controls that list `rule_id` (shipped frameworks), for reports."""
    out: dict[str, list[str]] = {}
    for ref in controls_by_rule().get(rule_id, ()):
        out.setdefault(ref.framework, []).append(ref.control)
    return {fw: tuple(ids) for fw, ids in out.items()}


def describe_rule_controls(rule_id: str) -> list[str]:
    """One line per shipped framework whose controls list `rule_id`: `cis-aws-4.0: 5.2, 2.2.3 (partial)`."""
    out: dict[str, list[str]] = {}
    for ref in controls_by_rule().get(rule_id, ()):
        out.setdefault(ref.framework, []).append(ref.control + ("" if ref.coverage == "full" else f" ({ref.coverage})"))
    return [f"{fw}: {', '.join(ids)}" for fw, ids in out.items()]


# --- reading and checking a file ---------------------------------------------------------------


class _Mapping(dict[Any, Any]):
    """A YAML mapping that remembers the line it starts on, for messages."""

    line = 0


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = _Mapping(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


def _load_file(path: Path) -> Framework:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"{path}: cannot read the framework file: {exc}") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader that only records line numbers
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrameworkError(f"{where}: not valid YAML: {problem}") from None
    return _framework(data, path)


def _fail(path: Path, node: object, message: str) -> FrameworkError:
    line = node.line if isinstance(node, _Mapping) else 0
    return FrameworkError(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def _text(path: Path, node: Mapping[str, Any], key: str, what: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, node, f"{what}: `{key}` must be a non-empty string, not {value!r}")
    return value.strip()


def _only(path: Path, node: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    extra = [str(k) for k in node if k not in allowed]
    if extra:
        raise _fail(path, node, f"{what}: unknown field {', '.join(extra)} (the fields are {', '.join(allowed)})")
    missing = [k for k in allowed if k not in node and k not in ("providers", "note", "resources")]
    if missing:
        raise _fail(path, node, f"{what}: missing {', '.join(missing)}")


def _framework(data: object, path: Path) -> Framework:
    if not isinstance(data, dict):
        raise FrameworkError(f"{path}: a framework file is a mapping with {', '.join(_FIELDS)}")
    _only(path, data, _FIELDS, "the framework")
    framework_id = _text(path, data, "id", "the framework")
    if not _FRAMEWORK_ID.match(framework_id):
        raise _fail(path, data, f"the framework id {framework_id!r} must be lower-case words joined by - or .")
    if framework_id != path.stem:
        raise _fail(path, data, f"the framework id {framework_id!r} must be the file's name ({path.stem!r})")
    version = data.get("version")
    if not isinstance(version, str):
        raise _fail(path, data, f"the framework: `version` must be a string (quote it: \"{version}\")")
    providers = data.get("providers") or []
    if not isinstance(providers, list) or any(p not in PROVIDERS for p in providers):
        raise _fail(path, data, f"the framework: `providers` must be a list of {', '.join(PROVIDERS)}, "
                                f"not {providers!r}")
    controls = data.get("controls")
    if not isinstance(controls, list) or not controls:
        raise _fail(path, data, "the framework: `controls` must be a non-empty list")
    parsed: list[Control] = []
    ids: dict[str, int] = {}
    titles: dict[str, str] = {}
    for index, node in enumerate(controls):
        control = _control(path, node, index)
        if control.id in ids:
            raise _fail(path, node, f"control {control.id} is listed twice (also entry {ids[control.id]})")
        if control.title in titles:
            raise _fail(path, node, f"control {control.id} has the title of control {titles[control.title]}: "
                                    f"{control.title!r}")
        ids[control.id] = index
        titles[control.title] = control.id
        parsed.append(control)
    return Framework(
        id=framework_id,
        title=_text(path, data, "title", "the framework"),
        version=_text(path, data, "version", "the framework"),
        source=_text(path, data, "source", "the framework"),
        url=_text(path, data, "url", "the framework"),
        providers=frozenset(providers),
        controls=tuple(parsed),
        path=path,
    )


def _control(path: Path, node: object, index: int) -> Control:
    if not isinstance(node, dict):
        raise _fail(path, node, f"controls entry {index}: a control is a mapping with {', '.join(_CONTROL_FIELDS)}")
    control_id = node.get("id")
    if not isinstance(control_id, str) or not control_id.strip():
        raise _fail(path, node, f"controls entry {index}: `id` must be a non-empty string (quote numbers: \"5.2\")")
    what = f"control {control_id}"
    _only(path, node, _CONTROL_FIELDS, what)
    title = _text(path, node, "title", what)
    coverage = node.get("coverage")
    if coverage not in COVERAGES:
        raise _fail(path, node, f"{what}: coverage {coverage!r} is not one of {', '.join(COVERAGES)}")
    rules = node.get("rules")
    if not isinstance(rules, list) or any(not isinstance(r, str) or not _RULE_ID.match(r) for r in rules):
        raise _fail(path, node, f"{what}: `rules` must be a list of rule ids like NET-001, not {rules!r}")
    if len(set(rules)) != len(rules):
        raise _fail(path, node, f"{what}: a rule is listed twice in {rules}")
    if coverage in ("full", "partial") and not rules:
        raise _fail(path, node, f"{what}: coverage {coverage} needs the rules that evaluate it")
    if coverage in ("manual", "not-covered") and rules:
        raise _fail(path, node, f"{what}: coverage {coverage} lists no rules (a rule that evaluates part of it "
                                "makes it partial)")
    note = node.get("note", "")
    if not isinstance(note, str) or (coverage != "full" and not note.strip()):
        raise _fail(path, node, f"{what}: coverage {coverage} needs a one-line `note` saying what Tenet does not "
                                "evaluate and why")
    if "\n" in note.strip():
        raise _fail(path, node, f"{what}: the note is one line")
    resources = node.get("resources", [])
    if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
        raise _fail(path, node, f"{what}: `resources` must be a list of Terraform resource types or Kubernetes kinds, "
                                f"not {resources!r}")
    if resources and coverage in ("manual", "not-covered"):
        raise _fail(path, node, f"{what}: coverage {coverage} has no rules whose findings `resources` could scope")
    unknown = [r for r in resources if r not in known_resource_kinds()]
    if unknown:
        raise _fail(path, node, f"{what}: unknown resource type {', '.join(unknown)} in `resources` (a Terraform "
                                "type Tenet maps, as docs/coverage.md lists them, or a Kubernetes kind it reads)")
    if len(set(resources)) != len(resources):
        raise _fail(path, node, f"{what}: a resource type is listed twice in {resources}")
    return Control(id=control_id.strip(), title=title, coverage=cast(Coverage, coverage), rules=tuple(rules),
                   note=note.strip(), resources=frozenset(resources))


@cache
def known_resource_kinds() -> frozenset[str]:
    """What `resources` may name: the Terraform types Tenet maps or reads live, and the Kubernetes kinds it reads."""
    from scanner.providers.resource_types import LIVE_TERRAFORM_TYPES
    from scanner.sources.kubernetes.adapter import ADAPTED_KINDS
    from scanner.sources.terraform.mappings import all_mappers

    live = {t for types in LIVE_TERRAFORM_TYPES.values() for t in types}
    return frozenset(all_mappers()) | live | ADAPTED_KINDS

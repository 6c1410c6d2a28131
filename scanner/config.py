"""The configuration: `[tool.tenet]` in pyproject.toml or a `.tenet.toml`, validated, in one place.

It is found by walking up from the scanned paths to the repository root (the
directory holding `.git`), or given with `--config FILE`. Options given on the
command line win over it.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from scanner.engine.findings import Severity
from scanner.engine.params import RuleParams
from scanner.engine.registry import Rule
from scanner.gating.mute import MuteEntry
from scanner.sources.interface import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_INSTANCES, DEFAULT_MAX_PLAN_BYTES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
    import tomli as tomllib

CONFIG_FILE = ".tenet.toml"
PYPROJECT = "pyproject.toml"

FailOn = Literal["critical", "high", "medium", "low", "none"]


class ConfigError(Exception):
    """A configuration that cannot be used. The message names the file and the key."""


class Config(BaseModel):
    """The `[tool.tenet]` table. Keys are spelled as in TOML (`fail-on`); rule parameters as in RuleParams."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    params: RuleParams = Field(default_factory=RuleParams)
    # Rule (id, alias or name) -> the severity its findings get.
    severity: dict[str, Severity] = Field(default_factory=dict)
    # Rules to run (empty: all of them), and rules not to run; `disable` wins.
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    # Globs relative to the configuration file's directory, for files that are never scanned.
    exclude: tuple[str, ...] = ()
    fail_on: FailOn | None = Field(default=None, alias="fail-on")
    fail_on_unknown: bool | None = Field(default=None, alias="fail-on-unknown")
    # A baseline file, relative to the configuration file's directory.
    baseline: str | None = None
    # Findings accepted by account, region, resource pattern, tags or rule, with a reason (scanner/gating/mute.py).
    mute: tuple[MuteEntry, ...] = ()
    # Bounded work on untrusted input (docs/untrusted-code.md, "Limits"): the instances one `count`,
    # `for_each` or `dynamic` block may expand to, and the largest plan JSON and other file read.
    max_instances: int = Field(default=DEFAULT_MAX_INSTANCES, ge=1, alias="max-instances")
    max_plan_mib: int = Field(default=DEFAULT_MAX_PLAN_BYTES // 1048576, ge=1, alias="max-plan-mib")
    # The largest other input file (.tf, .tfvars, manifests).
    max_file_mib: int = Field(default=DEFAULT_MAX_FILE_BYTES // 1048576, ge=1, alias="max-file-mib")
    # Worker processes for the module directories of a large repository (--jobs; None: one per CPU).
    jobs: int | None = Field(default=None, ge=1)
    # Fetch registry, git and archive modules `terraform init` has not installed (--download-modules).
    download_modules: bool = Field(default=False, alias="download-modules")
    # Directories of user policies (docs/custom-policies.md), relative to the configuration file's directory.
    policy_paths: tuple[str, ...] = Field(default=(), alias="policy-paths")
    # Compliance frameworks to report on (--compliance): shipped ids (cis-aws-4.0), or framework files relative
    # to the configuration file's directory.
    compliance: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class LoadedConfig:
    """A validated configuration and where it came from (None: Tenet's defaults)."""

    config: Config
    path: Path | None = None
    # How messages name it: "pyproject.toml: [tool.tenet] " or ".tenet.toml: ".
    label: str = ""

    @property
    def directory(self) -> Path | None:
        return self.path.parent if self.path is not None else None

    def excluder(self) -> Excluder | None:
        if not self.config.exclude or self.directory is None:
            return None
        return Excluder(self.directory, self.config.exclude)

    def policy_directories(self) -> list[Path]:
        if self.directory is None:
            return []
        return [self.directory / p for p in self.config.policy_paths]

    def baseline_path(self) -> Path | None:
        if self.config.baseline is None or self.directory is None:
            return None
        return self.directory / self.config.baseline


def discover(paths: Sequence[Path], cwd: Path) -> Path | None:
    """The nearest `.tenet.toml`, or pyproject.toml with a `[tool.tenet]` table, above the scanned paths.

    The walk starts at the paths' common directory and stops at the repository root or the filesystem root.
    """
    from scanner.sources.boundary import Boundary

    directory = _common_directory(paths, cwd)
    boundary = Boundary.around(paths)
    while True:
        candidate = directory / CONFIG_FILE
        pyproject = directory / PYPROJECT
        # One in the scanned repository that is a link leading out, or a FIFO, is returned unread, to be refused.
        for found in (candidate, pyproject):
            if os.path.lexists(found) and boundary.named(found) is not None:
                return found
        if candidate.is_file():
            return candidate
        if pyproject.is_file() and _has_tenet_table(pyproject):
            return pyproject
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def load(path: Path | None, cwd: Path, params_type: type[RuleParams] = RuleParams) -> LoadedConfig:
    """Read and validate a configuration file; None gives the defaults.

    `params_type` is RuleParams extended with the parameters user policies declare, so that a value of
    the wrong type for one of them is a configuration error like any other.
    """
    model = Config if params_type is RuleParams else create_model(
        "Config", __base__=Config, params=(params_type, Field(default_factory=params_type)))
    if path is None:
        try:
            return LoadedConfig(model.model_validate({"params": {}}))
        except ValidationError as exc:  # a user parameter without a default, and no configuration to set it
            messages = _messages(exc, "", _KeyLines(None, ()), params_type)
            raise ConfigError("\n".join(f"{m} (no configuration file was found: set it under [params] in a "
                                        ".tenet.toml, or [tool.tenet.params] in pyproject.toml)"
                                        for m in messages)) from None
    shown = _shown(path, cwd)
    data = _read_toml(path, shown)
    # A .tenet.toml written like pyproject.toml, under [tool.tenet], means the same.
    nested = path.name != PYPROJECT and set(data) == {"tool"} and isinstance(data["tool"], dict) \
        and set(data["tool"]) == {"tenet"}
    if path.name == PYPROJECT or nested:
        label = f"{shown}: [tool.tenet] " if not nested else f"{shown}: "
        tool = data.get("tool")
        table = tool.get("tenet") if isinstance(tool, dict) else None
        if table is None:
            raise ConfigError(f"{shown}: no [tool.tenet] table")
        if not isinstance(table, dict):
            raise ConfigError(f"{shown}: [tool.tenet] must be a table")
        prefix: tuple[str, ...] = ("tool", "tenet")
    else:
        label, table, prefix = f"{shown}: ", data, ()
    if params_type is not RuleParams and "params" not in table:
        table = {**table, "params": {}}  # user parameters without defaults are then reported as params.NAME
    try:
        config = model.model_validate(table)
    except ValidationError as exc:
        lines = _KeyLines(path, prefix)
        raise ConfigError("\n".join(_messages(exc, label, lines, params_type))) from None
    return LoadedConfig(config, path.resolve(), label)


def policy_directories(path: Path | None, cwd: Path) -> list[Path]:
    """`policy-paths` of a configuration file, read before the rest: the policies they hold declare
    parameters the rest is validated with."""
    if path is None:
        return []
    shown = _shown(path, cwd)
    data = _read_toml(path, shown)
    tool = data.get("tool")
    nested = isinstance(tool, dict) and isinstance(tool.get("tenet"), dict)
    table = tool["tenet"] if isinstance(tool, dict) and nested else data
    value = table.get("policy-paths", []) if isinstance(table, dict) else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        label = f"{shown}: [tool.tenet] " if path.name == PYPROJECT else f"{shown}: "
        raise ConfigError(f"{label}policy-paths: a list of directories, relative to the configuration file")
    return [path.resolve().parent / v for v in value]


def configure_rules(rules: Sequence[Rule], loaded: LoadedConfig) -> list[Rule]:
    """The rules to run: `enable`/`disable` applied, severities overridden (so findings and rule metadata agree)."""
    config, label = loaded.config, loaded.label
    lookup: dict[str, str] = {}
    for r in rules:
        for key in (r.id, r.name, *r.aliases):
            lookup[key.upper()] = r.id

    def resolve(key: str, where: str) -> str:
        rule_id = lookup.get(key.strip().upper())
        if rule_id is None:
            raise ConfigError(f"{label}{where}: no rule {key!r} (`tenet rules` lists them)")
        return rule_id

    enabled = {resolve(k, f"enable.{i}") for i, k in enumerate(config.enable)}
    disabled = {resolve(k, f"disable.{i}") for i, k in enumerate(config.disable)}
    overrides = {resolve(k, f"severity.{k}"): v for k, v in config.severity.items()}
    return [
        dataclasses.replace(r, severity=overrides[r.id]) if r.id in overrides else r
        for r in rules
        if (not enabled or r.id in enabled) and r.id not in disabled
    ]


class Excluder:
    """`exclude` globs, relative to a base directory.

    `**` spans directories, `*` and `?` stay within one. A pattern with a slash
    is matched against the path from the base directory (and so excludes what
    is under a matching directory); one without is matched against every path
    component, as `.terraform` or `*.auto.tfvars`.
    """

    def __init__(self, base: Path, patterns: Iterable[str]) -> None:
        self.base = base.resolve()
        anchored: list[str] = []
        anywhere: list[str] = []
        for pattern in patterns:
            cleaned = pattern.strip().removeprefix("./").strip("/")
            if cleaned:
                (anchored if "/" in cleaned else anywhere).append(_glob_regex(cleaned))
        self._anchored = re.compile("|".join(anchored)) if anchored else None
        self._anywhere = re.compile("|".join(anywhere)) if anywhere else None

    def __call__(self, path: Path) -> bool:
        try:
            parts = path.resolve().relative_to(self.base).parts
        except ValueError:
            return False  # outside the configuration's directory: not its business
        if self._anywhere is not None and any(self._anywhere.fullmatch(p) for p in parts):
            return True
        if self._anchored is not None:
            return any(self._anchored.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1))
        return False


def _glob_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            chars = "".join("\\" + ch if ch in "\\^[]" else ch for ch in (body[1:] if negate else body))
            out.append("[" + ("^" if negate else "") + chars + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return "(?:" + "".join(out) + ")"


def _common_directory(paths: Sequence[Path], cwd: Path) -> Path:
    if not paths:
        return cwd.resolve()
    dirs = [str(p if p.is_dir() else p.parent) for p in ((cwd / q).resolve() for q in paths)]
    return Path(os.path.commonpath(dirs))


def _has_tenet_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "tenet" not in text:  # most pyproject.toml files are not Tenet's: skip the parse
        return False
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return True  # let `load` report it: this may be the configuration
    return isinstance(tool, dict) and "tenet" in tool


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: invalid UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from None


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(path)


def _messages(exc: ValidationError, label: str, lines: _KeyLines,
              params_type: type[RuleParams] = RuleParams) -> list[str]:
    messages = []
    for error in exc.errors():
        loc = list(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            known = _keys(params_type) if loc[:1] == ["params"] and len(loc) == 2 else _keys(Config)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"unknown key{hint} (expected one of: {', '.join(known)})"
        elif loc[:1] == ["params"] and len(loc) == 2 and isinstance(error.get("input"), list):
            # A field validator rejects the whole list: name the offending item, as TOML users count them.
            index = _bad_item(str(loc[1]), error["input"], params_type)
            if index is not None:
                loc.append(index)
        line = lines.of([str(p) for p in loc if not isinstance(p, int)])
        # "file:line: " as compilers print it, then the key; the label's "[tool.tenet] " stays after the line.
        file, _, table = label.partition(": ")
        where = f"{file}:{line}: {table}" if line is not None else label
        messages.append(f"{where}{'.'.join(str(p) for p in loc)}: {message}")
    return messages


class _KeyLines:
    """The line of a key in a TOML file: tomllib keeps no positions, so the text is read once more.

    Tables (`[params]`, `[tool.tenet.params]`), dotted keys and quoted keys are followed; a key that
    cannot be found (written as an inline table, say) has no line and the message names the key alone.
    """

    _HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
    _PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)")
    _KEY = re.compile(rf"^\s*((?:{_PART.pattern})(?:\s*\.\s*(?:{_PART.pattern}))*)\s*=")

    def __init__(self, path: Path | None, prefix: tuple[str, ...]) -> None:
        self.prefix = prefix
        self.keys: dict[tuple[str, ...], int] = {}
        if path is None:
            return
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        table: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header:
                table = self._parts(header.group(1))
                self.keys.setdefault(table, number)
                continue
            key = self._KEY.match(line)
            if key:
                self.keys.setdefault(table + self._parts(key.group(1)), number)

    def _parts(self, dotted: str) -> tuple[str, ...]:
        return tuple(a or b or c for a, b, c in self._PART.findall(dotted))

    def of(self, loc: list[str]) -> int | None:
        """The line of the key, else of the nearest table or key above it that is written out."""
        for n in range(len(loc), 0, -1):
            line = self.keys.get(self.prefix + tuple(loc[:n]))
            if line is not None:
                return line
        return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _bad_item(field: str, values: list[Any], params_type: type[RuleParams]) -> int | None:
    for index, value in enumerate(values):
        try:
            params_type.model_validate({field: [value]})
        except ValidationError as exc:
            if any(e["loc"][:1] == (field,) for e in exc.errors()):
                return index
    return None

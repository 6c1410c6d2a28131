"""User policies: rules written against `scanner.policy`, loaded from the directories the user names.

Only the directories given in the configuration (`policy-paths`) or with `--policies` are read, and
only their top-level `*.py` files whose names do not start with `_` (those are helpers a policy may
import relatively: `from . import _helpers`). Each directory becomes a package under a private
namespace, `_tenet_user_policies`, so a policy named `network.py` or `scanner.py` shadows nothing.

Importing a policy runs its Python: see "Trust" in docs/custom-policies.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scanner.engine.findings import ScanError
from scanner.engine.params import RuleParams
from scanner.engine.registry import Rule, RuleDefinitionError, rules_of

NAMESPACE = "_tenet_user_policies"


class PolicyError(Exception):
    """User policies that cannot be used together (an id collision, a bad `replaces`): exit 2."""


@dataclass(frozen=True)
class PolicySet:
    """The rules to run (built-ins, minus those replaced, plus the user's) and the parameters they read."""

    rules: list[Rule]
    params_type: type[RuleParams]
    # Policy files that could not be imported, at the file and line where the import failed.
    errors: list[ScanError]

    @property
    def user_rules(self) -> list[Rule]:
        return [r for r in self.rules if not r.is_builtin]


class _Refused(Protocol):
    @property
    def message(self) -> str: ...


def load_policies(directories: Sequence[Path], builtins: Sequence[Rule],
                  shown: Callable[[Path], str] = str,
                  refuse: Callable[[Path, bool], _Refused | None] = lambda path, directory: None,
                  written: Callable[[Path], str] = str) -> PolicySet:
    """Import every policy file of `directories` and merge its rules with the built-in ones.

    A file that fails to import is an error entry, and the other files still load. Ids that collide,
    and `replaces` that name no built-in rule, raise PolicyError: a scan that silently ran one of two
    rules of the same id would be wrong either way.
    """
    errors: list[ScanError] = []
    user: list[Rule] = []
    _refuse_any(directories, refuse, written, directory=True)
    for directory in _unique(directories):
        if not directory.is_dir():
            raise PolicyError(f"{shown(directory)}: no such policy directory")
        package = _package(directory)
        files = sorted(p for p in directory.glob("*.py") if not p.name.startswith("_"))
        # `refuse`: a directory or file that is the scanned code's link leading out of it is not imported.
        _refuse_any(files, refuse, written, directory=False)
        for path in files:
            module, error = _import(path, package, shown(path))
            if error is not None:
                errors.append(error)
                continue
            try:
                user.extend(rules_of(module, shown(path)))
            except RuleDefinitionError as exc:  # a malformed rule (its docstring, its signature), at its line
                errors.append(ScanError(path=shown(path), line=exc.line, message=f"policy not loaded: {exc}"))
    return PolicySet(rules=_merge(builtins, user), params_type=_params_type(user), errors=errors)


def _refuse_any(paths: Sequence[Path], refuse: Callable[[Path, bool], _Refused | None],
                written: Callable[[Path], str], *, directory: bool) -> None:
    for path in paths:
        refused = refuse(path, directory)
        if refused is not None:
            raise PolicyError(f"{written(path)}: {refused.message}")


def _unique(directories: Sequence[Path]) -> list[Path]:
    seen: dict[Path, None] = {}
    for d in directories:
        seen.setdefault(d.resolve(), None)
    return list(seen)


def _package(directory: Path) -> str:
    """A fresh package for the directory, so relative imports between its files work and nothing leaks
    from an earlier load (tests load the same directory more than once)."""
    if NAMESPACE not in sys.modules:
        root = types.ModuleType(NAMESPACE)
        root.__path__ = []
        sys.modules[NAMESPACE] = root
    name = f"{NAMESPACE}.d{hashlib.sha256(str(directory).encode()).hexdigest()[:12]}"
    for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[loaded]
    package = types.ModuleType(name)
    package.__path__ = [str(directory)]
    package.__package__ = name
    sys.modules[name] = package
    return name


def _import(path: Path, package: str, shown: str) -> tuple[types.ModuleType | None, ScanError | None]:
    name = f"{package}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None, ScanError(path=shown, line=None, message="policy not loaded: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[name]
        where = shown if exc.filename in (None, str(path)) else exc.filename
        return None, ScanError(path=where, line=exc.lineno, column=exc.offset,
                               message=f"policy not loaded: syntax error: {exc.msg}")
    except BaseException as exc:  # anything the policy raises, SystemExit included, is the policy's error
        del sys.modules[name]
        if isinstance(exc, KeyboardInterrupt):
            raise
        line = next((frame.lineno for frame in reversed(traceback.extract_tb(exc.__traceback__))
                     if frame.filename == str(path)), None)
        return None, ScanError(path=shown, line=line,
                               message=f"policy not loaded: {type(exc).__name__}: {exc}")
    return module, None


def _merge(builtins: Sequence[Rule], user: Sequence[Rule]) -> list[Rule]:
    by_id = {r.id: r for r in builtins}
    by_key = {key.upper(): r for r in builtins for key in (r.id, r.name, *r.aliases)}
    replaced: dict[str, Rule] = {}
    mine: dict[str, Rule] = {}
    for r in user:
        for key in (r.id, r.name):
            clash = by_key.get(key.upper())
            if clash is not None:
                what = "id" if key == r.id else "name"
                raise PolicyError(
                    f"{r.policy_file}: rule {r.id} ({r.name}) has the {what} {key!r} of the built-in rule "
                    f"{clash.id} ({clash.name}); give it an id and name of its own, and write "
                    f"replaces={clash.id!r} to run it instead of the built-in rule")
        for key in (r.id, r.name):
            other = next((o for o in mine.values() if key.upper() in (o.id.upper(), o.name.upper())), None)
            if other is not None:
                raise PolicyError(f"{r.policy_file}: rule {r.id} ({r.name}) has the same id or name as rule "
                                  f"{other.id} ({other.name}) in {other.policy_file}")
        if r.replaces is not None:
            if r.replaces not in by_id:
                raise PolicyError(f"{r.policy_file}: rule {r.id}: replaces={r.replaces!r}, which is not a built-in "
                                  "rule (`tenet rules` lists them)")
            if r.replaces in replaced:
                first = replaced[r.replaces]
                raise PolicyError(f"{r.policy_file}: rule {r.id} and rule {first.id} ({first.policy_file}) both "
                                  f"replace {r.replaces}")
            replaced[r.replaces] = r
        mine[r.id] = r
    kept = [r for r in builtins if r.id not in replaced]
    return sorted([*kept, *mine.values()], key=lambda r: r.id)


def _params_type(user: Sequence[Rule]) -> type[RuleParams]:
    """RuleParams extended with every field the user rules declare: one object every rule reads."""
    declared = list(dict.fromkeys(r.params_type for r in user if r.params_type is not RuleParams))
    if not declared:
        return RuleParams
    owners: dict[str, type[RuleParams]] = {}
    for cls in declared:
        for name, info in cls.model_fields.items():
            base = RuleParams.model_fields.get(name)
            if base is not None and info.annotation != base.annotation:
                raise PolicyError(f"parameters {cls.__name__}.{name}: redefines Tenet's parameter {name!r}")
            owner = owners.setdefault(name, cls)
            if base is None and owner is not cls and owner.model_fields[name].annotation != info.annotation:
                raise PolicyError(f"parameters {cls.__name__}.{name} and {owner.__name__}.{name} declare the "
                                  "same parameter with different types")
    if len(declared) == 1:
        return declared[0]
    return type("UserRuleParams", tuple(declared), {"__module__": NAMESPACE})


"""Rules: the `@rule` decorator that policies use, and the loader that collects them.

A rule is a function over one model type. Its metadata sits in the decorator
and its documentation in the docstring (rationale, then `Remediation:`).
Nothing is registered at import time: the loader reads decorated functions
from the policy modules when asked.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

from scanner.engine.findings import Category, Severity
from scanner.engine.params import RuleParams
from scanner.model import AccessGrant, DataStore, Firewall, TlsEndpoint
from scanner.model.origin import Origin

POLICY_MODULES = ("policies.network", "policies.tls", "policies.encryption", "policies.iam")
ASSET_TYPES: tuple[type, ...] = (Firewall, TlsEndpoint, DataStore, AccessGrant)
_RULE_ID = re.compile(r"^[A-Z]{2,5}-\d{3}$")
_ATTR = "__tenet_rule__"

# A check: `(asset, params) -> Iterator[Violation]`, params RuleParams or a subclass of it.
F = TypeVar("F", bound=Callable[..., Iterator["Violation"]])


@dataclass(frozen=True)
class Violation:
    """What a rule yields: a message and the most specific origin it can name.

    `severity` lowers the rule's severity for this one violation (a namespace rather than the
    cluster, a plaintext port whose redirect lies outside the scan); it never raises it, so a
    severity set in the configuration stays the ceiling.
    """

    message: str
    origin: Origin
    severity: Severity | None = None


Check = Callable[[Any, RuleParams], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    category: Category
    severity: Severity
    title: str
    rationale: str
    remediation: str
    applies_to: type
    check: Check
    references: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # The parameters the check reads: RuleParams, or a subclass a user policy declares for its own knobs.
    params_type: type[RuleParams] = RuleParams
    # A user rule (docs/custom-policies.md): the built-in rule it stands in for, and the file it comes from.
    replaces: str | None = None
    policy_file: str | None = None

    @property
    def is_builtin(self) -> bool:
        return self.policy_file is None


@dataclass(frozen=True)
class _Meta:
    id: str
    name: str
    category: Category
    severity: Severity
    title: str
    references: tuple[str, ...]
    aliases: tuple[str, ...]
    replaces: str | None


def rule(
    id: str,
    *,
    name: str,
    category: str,
    severity: str,
    title: str,
    references: Iterable[str] = (),
    aliases: Iterable[str] = (),
    replaces: str | None = None,
) -> Callable[[F], F]:
    """Mark a function `check(asset, params) -> Iterator[Violation]` as a rule.

    `params` is annotated RuleParams, or a subclass that declares the rule's own typed parameters.
    `replaces` (user policies only) names a built-in rule this one runs instead of. Rules carry no
    compliance ids: the framework files under policies/compliance/ list the rules of each control.
    """
    if not _RULE_ID.match(id):
        raise ValueError(f"rule id {id!r} must be 2 to 5 capital letters, a dash and 3 digits, like NET-001")
    if replaces is not None and not _RULE_ID.match(replaces):
        raise ValueError(f"rule {id}: replaces={replaces!r} is not a rule id")
    meta = _Meta(
        id=id,
        name=name,
        category=_member(Category, category, f"rule {id}: category"),
        severity=_member(Severity, severity, f"rule {id}: severity"),
        title=title,
        references=tuple(references),
        aliases=tuple(aliases),
        replaces=replaces,
    )

    def mark(fn: F) -> F:
        setattr(fn, _ATTR, meta)
        return fn

    return mark


E = TypeVar("E", Category, Severity)


def _member(enum: type[E], value: str, what: str) -> E:
    try:
        return enum(value)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(m.value for m in enum)}") from None


def _split_doc(doc: str, rule_id: str) -> tuple[str, str]:
    text = inspect.cleandoc(doc)
    rationale, sep, remediation = text.partition("Remediation:")
    if not sep or not rationale.strip() or not remediation.strip():
        raise ValueError(f"rule {rule_id}: the docstring needs a rationale and a 'Remediation:' section")
    return " ".join(rationale.split()), inspect.cleandoc(remediation)


def _from_function(fn: Callable[..., Iterator[Violation]], meta: _Meta, policy_file: str | None = None) -> Rule:
    hints = get_type_hints(fn)
    parameters = list(inspect.signature(fn).parameters)
    if len(parameters) != 2:
        raise ValueError(f"rule {meta.id}: the check takes two parameters, the asset and the rule parameters")
    applies_to = hints.get(parameters[0])
    if applies_to not in ASSET_TYPES:
        names = ", ".join(t.__name__ for t in ASSET_TYPES)
        raise ValueError(f"rule {meta.id}: the first parameter must be annotated with a model asset type ({names})")
    params_type = hints.get(parameters[1], RuleParams)
    if not (isinstance(params_type, type) and issubclass(params_type, RuleParams)):
        raise ValueError(f"rule {meta.id}: the second parameter must be annotated RuleParams or a subclass of it")
    rationale, remediation = _split_doc(fn.__doc__ or "", meta.id)
    return Rule(
        id=meta.id,
        name=meta.name,
        category=meta.category,
        severity=meta.severity,
        title=meta.title,
        rationale=rationale,
        remediation=remediation,
        applies_to=applies_to,
        check=fn,
        references=meta.references,
        aliases=meta.aliases,
        params_type=params_type,
        replaces=meta.replaces,
        policy_file=policy_file,
    )


class RuleDefinitionError(ValueError):
    """A decorated function that is not a valid rule (its signature, its docstring), and the line it starts on."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def rules_of(module: object, policy_file: str | None = None) -> list[Rule]:
    """The rules a module defines (not those it imports), in definition order."""
    name = getattr(module, "__name__", None)
    rules = []
    for value in vars(module).values():
        meta = getattr(value, _ATTR, None)
        if isinstance(meta, _Meta) and callable(value) and getattr(value, "__module__", None) == name:
            try:
                rules.append(_from_function(value, meta, policy_file))
            except (ValueError, NameError, TypeError) as exc:  # NameError: an annotation that does not resolve
                code = getattr(value, "__code__", None)
                raise RuleDefinitionError(str(exc), code.co_firstlineno if code is not None else None) from None
    return rules


def load_rules(modules: Iterable[str] = POLICY_MODULES) -> list[Rule]:
    """Import the policy modules and return their rules, sorted by id."""
    rules: dict[str, Rule] = {}
    for module_name in modules:
        for r in rules_of(importlib.import_module(module_name)):
            if r.id in rules:
                raise ValueError(f"duplicate rule id {r.id} in {module_name}")
            rules[r.id] = r
    return sorted(rules.values(), key=lambda r: r.id)

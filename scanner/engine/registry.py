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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_type_hints

from scanner.engine.findings import Category, Severity
from scanner.engine.params import RuleParams
from scanner.model import AccessGrant, DataStore, Firewall, TlsEndpoint
from scanner.model.origin import Origin

POLICY_MODULES = ("policies.network", "policies.tls", "policies.encryption", "policies.iam")
ASSET_TYPES: tuple[type, ...] = (Firewall, TlsEndpoint, DataStore, AccessGrant)
_RULE_ID = re.compile(r"^[A-Z]{2,5}-\d{3}$")
_ATTR = "__tenet_rule__"

A = TypeVar("A")


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
    # Compliance framework -> control ids, kept as data (for example CIS AWS 5.2).
    compliance: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Meta:
    id: str
    name: str
    category: Category
    severity: Severity
    title: str
    references: tuple[str, ...]
    aliases: tuple[str, ...]
    compliance: Mapping[str, tuple[str, ...]]


def rule(
    id: str,
    *,
    name: str,
    category: str,
    severity: str,
    title: str,
    references: Iterable[str] = (),
    aliases: Iterable[str] = (),
    compliance: Mapping[str, Iterable[str]] | None = None,
) -> Callable[[Callable[[A, RuleParams], Iterator[Violation]]], Callable[[A, RuleParams], Iterator[Violation]]]:
    """Mark a function `check(asset, params) -> Iterator[Violation]` as a rule."""
    if not _RULE_ID.match(id):
        raise ValueError(f"rule id {id!r} must look like NET-001")
    meta = _Meta(
        id=id,
        name=name,
        category=Category(category),
        severity=Severity(severity),
        title=title,
        references=tuple(references),
        aliases=tuple(aliases),
        compliance={k: tuple(v) for k, v in (compliance or {}).items()},
    )

    def mark(fn: Callable[[A, RuleParams], Iterator[Violation]]) -> Callable[[A, RuleParams], Iterator[Violation]]:
        setattr(fn, _ATTR, meta)
        return fn

    return mark


def _split_doc(doc: str, rule_id: str) -> tuple[str, str]:
    text = inspect.cleandoc(doc)
    rationale, sep, remediation = text.partition("Remediation:")
    if not sep or not rationale.strip() or not remediation.strip():
        raise ValueError(f"rule {rule_id}: the docstring needs a rationale and a 'Remediation:' section")
    return " ".join(rationale.split()), inspect.cleandoc(remediation)


def _from_function(fn: Callable[..., Iterator[Violation]], meta: _Meta) -> Rule:
    hints = get_type_hints(fn)
    first = next(iter(inspect.signature(fn).parameters))
    applies_to = hints.get(first)
    if applies_to not in ASSET_TYPES:
        raise ValueError(f"rule {meta.id}: first parameter must be one of the model's asset types")
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
        compliance=meta.compliance,
    )


def load_rules(modules: Iterable[str] = POLICY_MODULES) -> list[Rule]:
    """Import the policy modules and return their rules, sorted by id."""
    rules: dict[str, Rule] = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            meta = getattr(value, _ATTR, None)
            if isinstance(meta, _Meta) and callable(value):
                if meta.id in rules:
                    raise ValueError(f"duplicate rule id {meta.id} in {module_name}")
                rules[meta.id] = _from_function(value, meta)
    return sorted(rules.values(), key=lambda r: r.id)

"""The per-control view of a scan or an audit (`--compliance ID`): what each control of a framework comes to.

Every control gets one status, decided in this order:

- `manual` and `not-covered`: the framework file says so (its `coverage`); the note says why. No finding changes
  that: Tenet does not claim what its rules do not read.
- `fail`: a rule of the control reported a violation on a resource of the framework's providers (`providers`;
  none listed: every provider) and of the kinds the control names (`resources`, Terraform types whatever read
  the resource; none listed: every kind its rules read). ENC-001 on an RDS instance is not a finding of an EFS
  control. Suppressed, muted and baselined findings count: an accepted risk is still a
  deviation from the control, and an auditor must see it. They are listed as `accepted`, with their
  justification in the findings.
- `unknown` (could not evaluate): no violation, but the control cannot be called a pass, because
    - a rule of the control could not evaluate an in-scope object (an unresolved value, a user rule that raised);
    - a rule of the control was not run: disabled in the configuration, replaced by none, or switched off by
      its parameters (NET-006 without `allowed_cidrs`, ENC-003 without `require_customer_managed_keys`);
    - or its rules had nothing to look at: no object of the framework's providers, and of the control's resource
      kinds, among those they read (a Kubernetes-only repository against CIS AWS). Nothing evaluated is not a pass.
- `pass`: every rule of the control ran, at least one in-scope object was evaluated, and nothing was found.

A user rule declared with `replaces="NET-005"` stands for NET-005 in every control that lists it.
Errors of the run (a file that could not be parsed, an API call that failed) belong to no control: a framework
result is `partial` when the run had errors, and every report says that its passes cover only what was read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner._compat import StrEnum
from scanner.compliance.frameworks import Control, Framework
from scanner.engine.evaluate import stopped_rules
from scanner.engine.findings import Category, Finding, Status
from scanner.engine.params import RuleParams
from scanner.engine.registry import Rule
from scanner.model import AccessGrant, DataStore, Firewall, TlsEndpoint
from scanner.providers import provider_of
from scanner.providers.resource_types import terraform_types

if TYPE_CHECKING:
    from scanner.scan import ScanResult


class ControlStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    MANUAL = "manual"
    NOT_COVERED = "not-covered"


# What a rule reads, in the words of a reason ("no aws object of the kinds NET-001 reads (firewalls)").
_KINDS: Mapping[type, str] = {Firewall: "firewalls", TlsEndpoint: "TLS endpoints", DataStore: "data stores",
                              AccessGrant: "access grants"}


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: ControlStatus
    # One line: why this status.
    reason: str
    # Every in-scope finding of the control's rules: violations first, then could-not-evaluate results.
    findings: tuple[Finding, ...]
    # Rule id (as the control lists it) -> the in-scope objects the rule (or the one replacing it) ran on.
    evaluated: Mapping[str, int]
    # The families of the control's rules (network, tls, encryption, iam); none for manual and not-covered.
    families: tuple[Category, ...]

    @property
    def accepted(self) -> tuple[Finding, ...]:
        """The findings accepted by a suppression, the mute list or the baseline."""
        return tuple(f for f in self.findings if f.suppressed)


@dataclass(frozen=True)
class FrameworkResult:
    framework: Framework
    controls: tuple[ControlResult, ...]
    # The run had errors: what could not be read was not evaluated, and the passes cover only what was.
    partial: bool

    def counts(self) -> dict[ControlStatus, int]:
        """Controls per status, every status present."""
        counted = Counter(c.status for c in self.controls)
        return {s: counted[s] for s in ControlStatus}

    def by_family(self) -> dict[str, dict[ControlStatus, int]]:
        """Family -> controls per status; `no rules` for the controls without rules (manual, not covered)."""
        table: dict[str, Counter[ControlStatus]] = {}
        for c in self.controls:
            for family in c.families or ("no rules",):
                table.setdefault(str(family), Counter())[c.status] += 1
        order = [*(c.value for c in Category), "no rules"]
        return {f: {s: table[f][s] for s in ControlStatus} for f in order if f in table}


def in_scope(framework: Framework, source: str, resource_type: str) -> bool:
    """Whether a finding or an object counts towards the framework: its provider is one the framework names."""
    return not framework.providers or provider_of(source, resource_type) in framework.providers


def evaluate_frameworks(result: ScanResult, frameworks: Sequence[Framework], params: RuleParams,
                        known_rules: Sequence[Rule] = ()) -> list[FrameworkResult]:
    """Each framework's controls against `result`. `known_rules`: every rule of the rule set, also those the
    configuration disabled (so a reason can tell "disabled" from "no such rule")."""
    return [_framework(result, fw, params, known_rules) for fw in frameworks]


def _framework(result: ScanResult, framework: Framework, params: RuleParams,
               known_rules: Sequence[Rule]) -> FrameworkResult:
    # The rule that runs for each id a control may list: the rule itself, or a user rule that replaces it.
    running: dict[str, Rule] = {}
    for r in result.rules:
        running.setdefault(r.id, r)
        if r.replaces:
            running[r.replaces] = r
    known = {r.id for r in known_rules}
    inactive = params.inactive_rules()
    # Rule id -> (the finding, the kinds of its resource) for the framework's providers.
    findings: dict[str, list[tuple[Finding, tuple[str, ...]]]] = {}
    for f in result.findings:
        if in_scope(framework, f.source, f.resource_type):
            kinds = terraform_types(f.source, f.resource_type)
            for rule_id in stopped_rules(f):
                findings.setdefault(rule_id, []).append((f, kinds))
    providers = framework.providers or {"aws", "azure", "gcp", "kubernetes"}
    # Rule id -> (the kinds of a resource, how many the rule ran on) for the framework's providers.
    evaluated = {rule_id: [(terraform_types(source, resource_type), n)
                           for (source, resource_type), n in counts.items()
                           if provider_of(source, resource_type) in providers]
                 for rule_id, counts in result.evaluated.items()}
    controls = tuple(_control(c, running, known, inactive, findings, evaluated, framework)
                     for c in framework.controls)
    return FrameworkResult(framework=framework, controls=controls, partial=result.has_errors)


def _control(control: Control, running: Mapping[str, Rule], known: set[str], inactive: Mapping[str, str],
             findings: Mapping[str, list[tuple[Finding, tuple[str, ...]]]],
             evaluated: Mapping[str, list[tuple[tuple[str, ...], int]]], framework: Framework) -> ControlResult:
    if control.coverage in ("manual", "not-covered"):
        status = ControlStatus.MANUAL if control.coverage == "manual" else ControlStatus.NOT_COVERED
        return ControlResult(control, status, control.note, (), {}, ())
    rules = {rule_id: running.get(rule_id) for rule_id in control.rules}
    families = tuple(sorted({r.category for r in rules.values() if r is not None}, key=list(Category).index))
    seen: dict[str, Finding] = {}
    for rule in rules.values():
        for f, kinds in findings.get(rule.id, ()) if rule is not None else ():
            if control.covers(kinds):
                seen.setdefault(f.fingerprint, f)
    failed = [f for f in seen.values() if f.status is Status.FAIL]
    unknown = [f for f in seen.values() if f.status is Status.UNKNOWN]
    counts = {rule_id: sum(n for kinds, n in evaluated.get(rule.id, ()) if control.covers(kinds))
              for rule_id, rule in rules.items() if rule is not None}

    def result(status: ControlStatus, reason: str) -> ControlResult:
        return ControlResult(control, status, reason, tuple(failed + unknown), counts, families)

    if failed:
        accepted = sum(1 for f in failed if f.suppressed)
        also = f", {accepted} of them accepted (suppressed, muted or baselined)" if accepted else ""
        types = ", ".join(sorted({f.resource_type for f in failed}))
        return result(ControlStatus.FAIL, f"{_plural(len(failed), 'finding')} ({types}){also}")
    if unknown:
        return result(ControlStatus.UNKNOWN, f"{_plural(len(unknown), 'object')} could not be evaluated")
    not_run = [(rule_id, _not_run(rule_id, known)) for rule_id, rule in rules.items() if rule is None]
    off = [(rule_id, f"{rule_id} is off: {inactive[rule.id]}") for rule_id, rule in rules.items()
           if rule is not None and rule.id in inactive and rule.is_builtin]
    if not_run or off:
        return result(ControlStatus.UNKNOWN, "; ".join(reason for _, reason in [*not_run, *off]))
    # Rules of the same kind (NET-001 and NET-002 both read firewalls) ran on the same objects: count them once.
    total = sum({rule.applies_to: counts[rule_id] for rule_id, rule in rules.items() if rule is not None}.values())
    scope = "/".join(sorted(framework.providers)) or "in-scope"
    if total == 0:
        read = sorted({_KINDS.get(r.applies_to, r.applies_to.__name__) for r in rules.values() if r is not None})
        named = f" among {', '.join(sorted(control.resources))}" if control.resources else ""
        return result(ControlStatus.UNKNOWN, f"nothing to evaluate: no {scope} object of the kinds "
                                             f"{', '.join(rules)} read{'s' if len(rules) == 1 else ''} "
                                             f"({', '.join(read)}){named}")
    return result(ControlStatus.PASS, f"{', '.join(rules)} found nothing on {_plural(total, f'{scope} object')}")


def _not_run(rule_id: str, known: set[str]) -> str:
    if rule_id in known:
        return f"{rule_id} is not run (disabled in the configuration)"
    return f"{rule_id} is not run (not in this run's rule set)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def to_json(results: Sequence[FrameworkResult]) -> list[dict[str, object]]:
    """The JSON report's `compliance` list (report.schema.json)."""
    return [
        {
            "id": fr.framework.id,
            "title": fr.framework.title,
            "version": fr.framework.version,
            "source": fr.framework.source,
            "url": fr.framework.url,
            "providers": sorted(fr.framework.providers),
            "partial": fr.partial,
            "summary": {s.value: n for s, n in fr.counts().items()},
            "controls": [
                {
                    "id": c.control.id,
                    "title": c.control.title,
                    "coverage": c.control.coverage,
                    "status": c.status.value,
                    "reason": c.reason,
                    "note": c.control.note,
                    "rules": list(c.control.rules),
                    "families": [f.value for f in c.families],
                    "evaluated": dict(c.evaluated),
                    "findings": [f.fingerprint for f in c.findings],
                    "accepted": [f.fingerprint for f in c.accepted],
                }
                for c in fr.controls
            ],
        }
        for fr in results
    ]

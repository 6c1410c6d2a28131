"""Run rules over an inventory. Unknown values become "could not evaluate" findings."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scanner.engine.findings import Finding, ScanError, Severity, Status, fingerprint
from scanner.engine.params import RuleParams
from scanner.engine.redaction import Redactor
from scanner.engine.registry import Rule
from scanner.model import Asset, CannotEvaluate, Origin

# The end of a could-not-evaluate message that names the other rules the same value stopped.
ALSO_STOPS = " (also stops {})"
_ALSO_STOPS = re.compile(r" \(also stops ((?:[A-Z]{2,5}-\d{3})(?:, [A-Z]{2,5}-\d{3})*)\)$")


def stopped_rules(finding: Finding) -> tuple[str, ...]:
    """The rules a could-not-evaluate finding stands for: its own, and those its message says the value also
    stopped (one finding is reported for them all)."""
    if finding.status is not Status.UNKNOWN:
        return (finding.rule_id,)
    also = _ALSO_STOPS.search(finding.message)
    return (finding.rule_id, *(also.group(1).split(", ") if also else ()))


@dataclass
class _Unevaluated:
    """Rules of one family that one unknown value stopped, on one object."""

    rules: list[Rule]
    origin: Origin
    reason: str


def evaluate(
    assets: Iterable[Asset],
    rules: Sequence[Rule],
    params: RuleParams,
    fingerprint_path: Callable[[Origin], str | None] | None = None,
    redact: Redactor | None = None,
) -> tuple[list[Finding], list[ScanError]]:
    """Every rule on every asset of its type.

    One unresolved value usually stops several rules of a family (every
    network rule needs the peers): those are reported as one finding under the
    first rule's id, naming the others, instead of one per rule.

    `redact` hides secrets in what a finding shows before its fingerprint is taken, so not even
    a hash of a secret is written.
    """
    hide = redact or Redactor()

    def _finding(r: Rule, status: Status, message: str, origin: Origin,
                 severity: Severity | None = None) -> tuple[str, Finding]:
        """The finding, and the key it is told apart by: two findings whose shown text differs only
        in hidden values are still two (the key is never shown). `severity` may lower the rule's."""
        if severity is None or severity.rank > r.severity.rank:
            severity = r.severity
        key = fingerprint(r.id, origin, message)
        if hide:
            message = hide(message)
            origin = origin.model_copy(update={"resource": hide(origin.resource), "anchor": hide(origin.anchor)})
        return key, Finding.create(
            rule_id=r.id,
            title=r.title,
            category=r.category,
            severity=severity,
            status=status,
            message=message,
            origin=origin,
            fingerprint_path=fingerprint_path(origin) if fingerprint_path else None,
        )

    findings: dict[str, Finding] = {}
    unevaluated: dict[tuple[str, str, str, str, str], _Unevaluated] = {}
    errors: list[ScanError] = []
    by_type: dict[type, list[Rule]] = {}
    for r in sorted(rules, key=lambda r: r.id):
        by_type.setdefault(r.applies_to, []).append(r)

    for asset in assets:
        for r in by_type.get(type(asset), ()):
            try:
                for violation in r.check(asset, params):
                    seen, finding = _finding(r, Status.FAIL, violation.message, violation.origin,
                                             violation.severity)
                    findings.setdefault(seen, finding)
            except CannotEvaluate as exc:
                reason = _reason(exc)
                # Objects of the same name in two files (one Service per overlay) stay apart.
                where = asset.origin.location
                key = (r.category, where.path if where else "", asset.origin.resource, asset.origin.anchor, reason)
                entry = unevaluated.setdefault(key, _Unevaluated(rules=[], origin=asset.origin, reason=reason))
                if all(o.id != r.id for o in entry.rules):
                    entry.rules.append(r)
            except Exception as exc:  # a rule bug must not hide the other results
                if not r.is_builtin:
                    # A user rule that raises on one asset has not evaluated it: never a pass, never a crash.
                    reason = hide(f"rule {r.id} raised {type(exc).__name__}: {exc}{_raised_at(exc, r)}")
                    seen, finding = _finding(r, Status.UNKNOWN, f"could not evaluate: {reason}", asset.origin)
                    findings.setdefault(seen, finding)
                    continue
                loc = asset.origin.location
                errors.append(
                    ScanError(
                        path=loc.path if loc else None,
                        line=loc.start_line if loc else None,
                        message=hide(f"rule {r.id} failed on {asset.origin.resource}: {type(exc).__name__}: {exc}"),
                    )
                )
    for entry in unevaluated.values():
        first, others = entry.rules[0], entry.rules[1:]
        also = ALSO_STOPS.format(", ".join(o.id for o in others)) if others else ""
        seen, finding = _finding(first, Status.UNKNOWN, f"could not evaluate: {entry.reason}{also}", entry.origin)
        findings.setdefault(seen, finding)
    return sorted(findings.values(), key=Finding.sort_key), errors


def _raised_at(exc: Exception, r: Rule) -> str:
    """` (policy.py:12)`: the line of the user's policy file the exception came through, last."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    filename = getattr(r.check, "__code__", None)
    path = filename.co_filename if filename is not None else None
    line = next((f.lineno for f in reversed(frames) if f.filename == path), None)
    return f" ({r.policy_file}:{line})" if line is not None else f" ({r.policy_file})"


def _reason(exc: CannotEvaluate) -> str:
    unknown = exc.unknown
    where = f" ({unknown.path}:{unknown.line})" if unknown.path and unknown.line else ""
    what = f"{exc.what}: " if exc.what else ""
    return f"{what}{unknown.reason}{where}"


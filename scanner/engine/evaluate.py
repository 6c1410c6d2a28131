"""Run rules over an inventory. Unknown values become "could not evaluate" findings."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from scanner.engine.findings import Finding, ScanError, Severity, Status, fingerprint
from scanner.engine.params import RuleParams
from scanner.engine.redaction import Redactor
from scanner.engine.registry import Rule
from scanner.model import Asset, CannotEvaluate, Origin, SourceKind

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
    """Rules of one family that one unknown value stopped, on one object (rules by their index)."""

    rules: list[int]
    origin: Origin
    reason: str


# What the rules said, kept until the findings are made: (rule index, status, message, origin, severity) for a
# violation, (rule index, None, raised text, origin, None) for a user rule that raised.
_Said = tuple[int, Status | None, str, Origin, Severity | None]


class ResourceStarts(Mapping[tuple[str, str], int]):
    """(resource, path) -> first line of its block or manifest: a comment there covers all its findings.
    Kept per path, so that a scan of many resources does not hold a key tuple for each."""

    def __init__(self) -> None:
        self._by_path: dict[str, dict[str, int]] = {}

    def add(self, resource: str, path: str, line: int) -> None:
        self._by_path.setdefault(path, {}).setdefault(resource, line)

    def update(self, other: ResourceStarts) -> None:
        for path, starts in other._by_path.items():
            mine = self._by_path.setdefault(path, {})
            for resource, line in starts.items():
                mine.setdefault(resource, line)

    def __getitem__(self, key: tuple[str, str]) -> int:
        return self._by_path[key[1]][key[0]]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((resource, path) for path, starts in self._by_path.items() for resource in starts)

    def __len__(self) -> int:
        return sum(len(starts) for starts in self._by_path.values())


class Judgement:
    """The rules run on model objects as a source hands them over, so a large scan never holds them all:
    what each rule said is kept (with the object's origin), the objects are not.

    The findings are made at the end (`findings`), when every secret the sources met is known: what a finding
    shows is hidden before its fingerprint is taken. Judgements of parts of a scan (worker processes) are
    `absorb`ed in order, and give exactly what one judgement of the whole would.
    """

    def __init__(self, rules: Sequence[Rule], params: RuleParams) -> None:
        self.rules = sorted(rules, key=lambda r: r.id)
        self.params = params
        self._by_type: dict[type, list[int]] = {}
        for index, r in enumerate(self.rules):
            self._by_type.setdefault(r.applies_to, []).append(index)
        self._said: list[_Said] = []
        self._seen: set[str] = set()
        self._unevaluated: dict[tuple[str, str, str, str, str], _Unevaluated] = {}
        # Rules that failed: (path, line, what is shown, hidden at the end).
        self._failed: list[tuple[str | None, int | None, str]] = []
        self.resources: set[str] = set()
        self.starts = ResourceStarts()
        # How many objects of each (model type, source, resource type) were judged: a few hundred kinds, however
        # large the scan (the compliance view tells "found nothing" from "had nothing to look at" by them).
        self.kinds: Counter[tuple[type, SourceKind, str]] = Counter()

    def empty(self) -> Judgement:
        """A judgement of other objects by the same rules (a worker process's part of the scan)."""
        return Judgement(self.rules, self.params)

    def __getstate__(self) -> dict[str, object]:
        # Rules hold their check functions: a worker's judgement travels without them, by index.
        return {k: v for k, v in self.__dict__.items() if k not in ("rules", "params", "_by_type", "_seen")}

    def add(self, assets: Iterable[Asset]) -> None:
        for asset in assets:
            origin = asset.origin
            self.kinds[(type(asset), origin.source, origin.resource_type)] += 1
            self.resources.add(origin.resource)
            loc = origin.resource_location or origin.location
            if loc is not None:
                self.starts.add(origin.resource, loc.path, loc.start_line)
            for index in self._by_type.get(type(asset), ()):
                self._judge(index, asset)

    def _judge(self, index: int, asset: Asset) -> None:
        r = self.rules[index]
        try:
            for violation in r.check(asset, self.params):
                key = fingerprint(r.id, violation.origin, violation.message)
                if key not in self._seen:  # the first of equal findings is kept
                    self._seen.add(key)
                    self._said.append((index, Status.FAIL, violation.message, violation.origin, violation.severity))
        except CannotEvaluate as exc:
            reason = _reason(exc)
            # Objects of the same name in two files (one Service per overlay) stay apart.
            where = asset.origin.location
            stopped = (r.category, where.path if where else "", asset.origin.resource, asset.origin.anchor, reason)
            entry = self._unevaluated.setdefault(stopped, _Unevaluated(rules=[], origin=asset.origin, reason=reason))
            if index not in entry.rules:
                entry.rules.append(index)
        except Exception as exc:  # a rule bug must not hide the other results
            if not r.is_builtin:
                # A user rule that raises on one asset has not evaluated it: never a pass, never a crash.
                raised = f"rule {r.id} raised {type(exc).__name__}: {exc}{_raised_at(exc, r)}"
                self._said.append((index, None, raised, asset.origin, None))
                return
            loc = asset.origin.location
            self._failed.append((loc.path if loc else None, loc.start_line if loc else None,
                                 f"rule {r.id} failed on {asset.origin.resource}: {type(exc).__name__}: {exc}"))

    def absorb(self, other: Judgement) -> None:
        """Add what `other` (a judgement of the objects that come after this one's, perhaps in another process)
        found."""
        for said in other._said:
            if said[1] is Status.FAIL:
                key = fingerprint(self.rules[said[0]].id, said[3], said[2])
                if key in self._seen:
                    continue
                self._seen.add(key)
            self._said.append(said)
        for stopped, entry in other._unevaluated.items():
            mine = self._unevaluated.setdefault(stopped, _Unevaluated(rules=[], origin=entry.origin,
                                                                      reason=entry.reason))
            mine.rules.extend(index for index in entry.rules if index not in mine.rules)
        self._failed.extend(other._failed)
        self.resources |= other.resources
        self.starts.update(other.starts)
        self.kinds.update(other.kinds)

    def findings(self, fingerprint_path: Callable[[Origin], str | None] | None = None,
                 redact: Redactor | None = None) -> tuple[list[Finding], list[ScanError]]:
        """The findings, sorted, and the rules that failed.

        One unresolved value usually stops several rules of a family (every network rule needs the peers):
        those are one finding under the first rule's id, naming the others, instead of one per rule.
        `redact` hides secrets in what a finding shows before its fingerprint is taken, so not even a hash
        of a secret is written.
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
        for index, status, message, origin, severity in self._said:
            r = self.rules[index]
            if status is None:
                seen, finding = _finding(r, Status.UNKNOWN, f"could not evaluate: {hide(message)}", origin)
            else:
                seen, finding = _finding(r, status, message, origin, severity)
            findings.setdefault(seen, finding)
        for entry in self._unevaluated.values():
            first, others = self.rules[entry.rules[0]], [self.rules[i] for i in entry.rules[1:]]
            also = ALSO_STOPS.format(", ".join(o.id for o in others)) if others else ""
            seen, finding = _finding(first, Status.UNKNOWN, f"could not evaluate: {entry.reason}{also}", entry.origin)
            findings.setdefault(seen, finding)
        errors = [ScanError(path=path, line=line, message=hide(message)) for path, line, message in self._failed]
        return sorted(findings.values(), key=Finding.sort_key), errors


def evaluate(
    assets: Iterable[Asset],
    rules: Sequence[Rule],
    params: RuleParams,
    fingerprint_path: Callable[[Origin], str | None] | None = None,
    redact: Redactor | None = None,
) -> tuple[list[Finding], list[ScanError]]:
    """Every rule on every asset of its type (see `Judgement`)."""
    judgement = Judgement(rules, params)
    judgement.add(assets)
    return judgement.findings(fingerprint_path, redact)


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


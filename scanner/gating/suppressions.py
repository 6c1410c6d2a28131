"""Inline suppressions: `# tenet:ignore RULE-ID reason="…" [expires=YYYY-MM-DD]` comments and the
Kubernetes annotation `tenet.dev/ignore: "RULE-ID=reason; …"`.

A comment covers the line it ends, or, on a line of its own, the next line
that is not a comment (a blank line ends it). On a resource's first line it
covers every finding of the resource; on a nested block or attribute, the
findings that start there; on a `module` block, every finding of the
resources that call brings in. The annotation covers every finding of its
manifest. Suppressed findings stay in the report, marked, and never gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from scanner.engine.findings import ErrorLevel, Finding, ScanError
from scanner.engine.registry import Rule

IGNORE_ANNOTATION = "tenet.dev/ignore"
COMMENT = "tenet:ignore"
# SARIF tells suppressions kept in the source ("inline") from external ones ("baseline") by this prefix.
JUSTIFICATION_PREFIX = "inline: "
_SYNTAX = 'expected tenet:ignore RULE-ID[,RULE-ID…] reason="…" [expires=YYYY-MM-DD]'
_OPTIONS = ("reason", "expires")

_DIRECTIVE = re.compile(r"(?:#|//)\s*tenet:ignore(?![\w:-])(.*)$")
# Rule ids, aliases or names, comma-separated; a word followed by `=` is an option, not a rule.
_RULES = re.compile(r"\s+([\w.-]+(?![\w.-]|\s*=)(?:\s*,\s*[\w.-]+(?![\w.-]|\s*=))*)")
_OPTION = re.compile(r"\s+([\w-]+)=(?:\"([^\"]*)\"|'([^']*)'|([^\s\"']\S*))")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ANNOTATION_SPLIT = re.compile(r"\s*;\s*|\s*,\s*(?=[\w.-]+\s*(?:=|$))")


@dataclass(frozen=True)
class Suppression:
    """One suppression as written. Checked (rules, dates) when applied, so problems are reported once."""

    rules: tuple[str, ...]  # ids, aliases or names, as written
    reason: str | None
    path: str
    line: int  # where it is written
    # What it covers: findings starting on `target_line` or of the resource starting there ...
    target_line: int | None = None
    # ... or every finding of `resource` in `path`.
    resource: str | None = None
    expires: str | None = None  # YYYY-MM-DD, as written
    problem: str | None = None  # why it cannot be read: it is then not applied
    kind: str = COMMENT


def parse_comments(text: str, path: str) -> list[Suppression]:
    """The `tenet:ignore` comments of an HCL or YAML file."""
    found: list[Suppression] = []
    pending: list[tuple[int, str]] = []  # comments on lines of their own, waiting for the line they cover
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        match = _DIRECTIVE.search(line) if COMMENT in line else None
        if stripped.startswith(("#", "//")):
            if match is not None:
                pending.append((number, match.group(1)))
            continue
        if stripped == "---":  # a YAML document marker between the comment and the manifest
            continue
        target = number if stripped else None
        found.extend(_comment(rest, path, at, target) for at, rest in pending)
        pending = []
        if match is not None:
            found.append(_comment(match.group(1), path, number, number))
    found.extend(_comment(rest, path, at, None) for at, rest in pending)
    return found


def _comment(rest: str, path: str, line: int, target: int | None) -> Suppression:
    match = _RULES.match(rest)
    rules = tuple(r.strip() for r in match.group(1).split(",")) if match else ()
    options: dict[str, str] = {}
    position = match.end() if match else 0
    problem = None
    while problem is None and (option := _OPTION.match(rest, position)) is not None:
        name = option.group(1)
        if name not in _OPTIONS:
            problem = f"unknown option {name!r} (expected {' or '.join(_OPTIONS)})"
        options[name] = next(g for g in option.groups()[1:] if g is not None)
        position = option.end()
    if problem is None and rest[position:].strip():
        problem = f"cannot read {rest[position:].strip()!r} ({_SYNTAX})"
    if problem is None and not rules:
        problem = f"names no rule ({_SYNTAX})"
    reason = options.get("reason", "").strip() or None
    return Suppression(rules=rules, reason=reason, path=path, line=line, target_line=target,
                       expires=options.get("expires"), problem=problem)


def parse_annotation(value: str, path: str, line: int, resource: str) -> list[Suppression]:
    """`tenet.dev/ignore: "NET-001=reason; NET-002=other reason"` (`,` also separates entries)."""
    found = []
    for entry in _ANNOTATION_SPLIT.split(value.strip()):
        if not entry:
            continue
        rule, _, reason = entry.partition("=")
        found.append(Suppression(
            rules=(rule.strip(),) if rule.strip() else (),
            reason=reason.strip() or None,
            path=path,
            line=line,
            resource=resource,
            problem=None if rule.strip() else 'an entry names no rule (expected "RULE-ID=reason; …")',
            kind=IGNORE_ANNOTATION,
        ))
    return found


@dataclass(frozen=True)
class _Active:
    suppression: Suppression
    rule_ids: frozenset[str]


def apply(
    findings: Sequence[Finding],
    suppressions: Iterable[Suppression],
    resource_starts: Mapping[tuple[str, str], int],
    rules: Sequence[Rule],
    today: date,
) -> tuple[list[Finding], list[ScanError]]:
    """Mark the findings that suppressions cover; warn about suppressions without a reason, expired or unreadable.

    `resource_starts` maps (resource, path) to the first line of the resource block or manifest.
    """
    lookup = {key.upper(): r.id for r in rules for key in (r.id, r.name, *r.aliases)}
    # Another engine's check ids (checkov) are not Tenet rules: they name the findings that carry them.
    for f in findings:
        for other in (f.rule_id, *f.aliases):
            lookup.setdefault(other.upper(), other)
    by_line: dict[tuple[str, int], list[_Active]] = {}
    by_resource: dict[tuple[str, str], list[_Active]] = {}
    warnings: list[ScanError] = []
    for s in suppressions:
        active = _check(s, lookup, today, warnings)
        if active is None:
            continue
        if s.resource is not None:
            by_resource.setdefault((s.path, s.resource), []).append(active)
        elif s.target_line is not None:
            by_line.setdefault((s.path, s.target_line), []).append(active)

    out = []
    for f in findings:
        if f.suppressed or f.location is None:
            out.append(f)
            continue
        candidates: list[_Active] = []
        # Where the finding is, and where its resource is when that is a module's file (the chain's last entry):
        # on the line, or above the resource's block.
        for where in dict.fromkeys([f.location, *f.module_chain[-1:]]):
            path = where.path
            candidates += [*by_line.get((path, where.start_line), ()), *by_resource.get((path, f.resource), ())]
            start = resource_starts.get((f.resource, path))
            if start is not None and start != where.start_line:
                candidates += by_line.get((path, start), ())
        # On a module block: every finding of the module instance, through every call that leads to it.
        for call in dict.fromkeys([*f.module_chain, *([f.module_call] if f.module_call else [])]):
            candidates += by_line.get((call.path, call.start_line), ())
        match = next((a.suppression for a in candidates
                      if f.rule_id in a.rule_ids or not a.rule_ids.isdisjoint(f.aliases)), None)
        if match is not None:
            justification = JUSTIFICATION_PREFIX + (match.reason or "no reason given")
            f = f.model_copy(update={"suppressed": True, "justification": justification})
        out.append(f)
    return out, warnings


def _check(s: Suppression, lookup: Mapping[str, str], today: date, warnings: list[ScanError]) -> _Active | None:
    """The rule ids a suppression covers, or None when it does not apply; problems become warnings."""

    def warn(message: str) -> None:
        warnings.append(ScanError(path=s.path, line=s.line, level=ErrorLevel.WARNING, message=message))

    named = ", ".join(s.rules) if s.rules else ""
    what = f"{s.kind} {named}".rstrip()
    if s.problem is not None:
        warn(f"{what}: {s.problem}; not applied")
        return None
    rule_ids = set()
    for rule in s.rules:
        rule_id = lookup.get(rule.upper())
        if rule_id is None:
            warn(f"{what}: no rule {rule!r} (`tenet rules` lists them)")
        else:
            rule_ids.add(rule_id)
    if s.expires is not None:
        try:
            if not _DATE.fullmatch(s.expires):
                raise ValueError(s.expires)
            expires = date.fromisoformat(s.expires)
        except ValueError:
            warn(f"{what}: expires={s.expires} is not a date (YYYY-MM-DD); not applied")
            return None
        if expires < today:
            warn(f"{what} expired on {expires.isoformat()}: it no longer suppresses")
            return None
    if s.target_line is None and s.resource is None:
        warn(f"{what} is not directly above a line (a blank line ends it): it suppresses nothing")
        return None
    if s.reason is None:
        hint = 'RULE-ID=reason' if s.kind == IGNORE_ANNOTATION else 'reason="…"'
        warn(f"{what} has no reason: it applies, but say why ({hint})")
    return _Active(s, frozenset(rule_ids)) if rule_ids else None

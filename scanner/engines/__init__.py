"""Second engines: other scanners whose findings join Tenet's in one report.

`tenet scan --engine checkov` runs checkov's checks next to Tenet's rules. An
engine reads the files the scan discovered and returns findings in Tenet's
shape; `merge` then reports each issue once: where an engine's check and a
Tenet rule flag the same thing, the Tenet finding stays and the check's id
becomes one of its aliases.

Nothing here imports an engine's own package: checkov is loaded only when it
runs, so the default `tenet scan` never pays for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanner.engine.findings import Finding, ScanError, Status

if TYPE_CHECKING:
    from scanner.sources.interface import LoadContext

TENET = "tenet"
CHECKOV = "checkov"
ENGINES = (TENET, CHECKOV)


class Engine(Protocol):
    name: str

    def run(self, paths: Sequence[Path], files: Sequence[Path], context: LoadContext) -> EngineResult:
        """Findings for the scanned `paths`, whose files (after excludes) are `files`; failures become errors."""
        ...

    def same_issue(self, external: Finding, tenet: Finding) -> bool:
        """Whether this engine's finding and a Tenet finding report one issue."""
        ...


@dataclass
class EngineResult:
    engine: Engine
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    # Display paths of the files the engine read.
    files: list[str] = field(default_factory=list)


def external_engines(names: Sequence[str]) -> list[Engine]:
    """The engines to run besides Tenet's own rules, for `--engine` names."""
    unknown = sorted(set(names) - set(ENGINES))
    if unknown:
        raise ValueError(f"unknown engine {', '.join(unknown)} (expected {' or '.join(ENGINES)})")
    engines: list[Engine] = []
    if CHECKOV in names:
        from scanner.engines.checkov import CheckovEngine
        from scanner.extras import require

        require("checkov", "checkov", "--engine checkov")

        engines.append(CheckovEngine())
    return engines


def merge(findings: Sequence[Finding], results: Sequence[EngineResult]) -> list[Finding]:
    """Tenet's findings and the engines', each issue once, sorted as reports expect.

    An engine finding that reports the same issue as failing Tenet findings is
    dropped and its id added to their aliases. A suppressed one (`#checkov:skip`)
    also suppresses them, unless an unsuppressed engine finding still reports
    the issue. A Tenet finding that could not be evaluated keeps the engine's
    verdict beside it rather than hiding it.
    """
    by_path: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        if f.location is not None and f.status is Status.FAIL:
            by_path.setdefault(f.location.path, []).append(i)
    aliases: dict[int, set[str]] = {}
    skipped: dict[int, Finding] = {}
    still_open: set[int] = set()
    extra: list[Finding] = []
    for result in results:
        for external in result.findings:
            path = external.location.path if external.location is not None else None
            hits = [i for i in by_path.get(path or "", ()) if result.engine.same_issue(external, findings[i])]
            if not hits:
                extra.append(external)
                continue
            for i in hits:
                aliases.setdefault(i, set()).add(external.rule_id)
                if external.suppressed:
                    skipped.setdefault(i, external)
                else:
                    still_open.add(i)
    merged: list[Finding] = []
    for i, f in enumerate(findings):
        if i in aliases:
            update: dict[str, object] = {"aliases": sorted(set(f.aliases) | aliases[i])}
            if i in skipped and i not in still_open and not f.suppressed:
                update.update(suppressed=True, justification=skipped[i].justification)
            f = f.model_copy(update=update)
        merged.append(f)
    return sorted(merged + extra, key=Finding.sort_key)


__all__ = ["CHECKOV", "ENGINES", "TENET", "Engine", "EngineResult", "external_engines", "merge"]

"""The library entry point: `Scanner` turns paths into findings. The CLI is a thin layer over it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.engine.evaluate import evaluate
from scanner.engine.findings import ErrorLevel, Finding, ScanError, Severity, Status
from scanner.engine.params import RuleParams
from scanner.engine.registry import Rule, load_rules
from scanner.sources.files import discover
from scanner.sources.interface import FileSource, LoadContext, LoadResult


@dataclass
class ScanResult:
    findings: list[Finding]
    errors: list[ScanError]
    files: list[str]
    rules: list[Rule]
    resources: int = 0
    # Set by gating: a baseline's findings that no longer occur.
    fixed: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.status is Status.FAIL and not f.suppressed]

    @property
    def unknown(self) -> list[Finding]:
        return [f for f in self.findings if f.status is Status.UNKNOWN and not f.suppressed]

    @property
    def has_errors(self) -> bool:
        return any(e.level is ErrorLevel.ERROR for e in self.errors)

    def gating(self, fail_on: Severity | None, fail_on_unknown: bool = False) -> list[Finding]:
        """The findings that fail the run at this threshold."""
        if fail_on is None:
            return []
        gated = [f for f in self.failed if f.severity.rank >= fail_on.rank]
        if fail_on_unknown:
            gated += [f for f in self.unknown if f.severity.rank >= fail_on.rank]
        return gated

    def exit_code(self, fail_on: Severity | None, fail_on_unknown: bool = False) -> int:
        """2: input could not be read or evaluated; 1: findings at or above `fail_on`; 0: clean."""
        if self.has_errors:
            return 2
        return 1 if self.gating(fail_on, fail_on_unknown) else 0


def default_sources() -> list[FileSource]:
    from scanner.sources.kubernetes import KubernetesSource
    from scanner.sources.terraform import TerraformSource

    return [TerraformSource(), KubernetesSource()]


class Scanner:
    """Sources -> model -> rules -> findings, for files and directories."""

    def __init__(
        self,
        *,
        params: RuleParams | None = None,
        rules: Sequence[Rule] | None = None,
        sources: Sequence[FileSource] | None = None,
        var_files: Sequence[Path] = (),
        cwd: Path | None = None,
    ) -> None:
        self.params = params or RuleParams()
        self.rules = list(rules) if rules is not None else load_rules()
        self.sources = list(sources) if sources is not None else default_sources()
        self.context = LoadContext(cwd=cwd or Path.cwd(), var_files=tuple(var_files))

    def scan(self, paths: Sequence[Path]) -> ScanResult:
        files, errors = discover(paths, self.context)
        loaded = LoadResult(errors=[e.model_copy(update={"path": self._shown(e.path)}) for e in errors])
        for source in self.sources:
            claimed = [f for f in files if source.claims(f)]
            files = [f for f in files if f not in set(claimed)]
            if claimed:
                loaded.extend(source.load(claimed, self.context))
        return self.evaluate(loaded, reported=self._reported(paths))

    def evaluate(self, loaded: LoadResult, reported: ScanFilter | None = None) -> ScanResult:
        """Run the rules over what a source (files, or a live audit) produced."""
        findings, rule_errors = evaluate(loaded.assets, self.rules, self.params)
        if reported is not None:
            findings = [f for f in findings if f.location is None or reported(f.location.path)]
        return ScanResult(
            findings=findings,
            errors=sorted(loaded.errors + rule_errors, key=lambda e: (e.path or "", e.line or 0, e.message)),
            files=sorted(set(loaded.files)),
            rules=self.rules,
            resources=len({a.origin.resource for a in loaded.assets}),
        )

    def _shown(self, path: str | None) -> str | None:
        return self.context.display_path(Path(path)) if path else path

    def _reported(self, paths: Sequence[Path]) -> ScanFilter:
        """Findings are reported for the paths asked for, even when a source reads more
        (a .tf file is evaluated with its whole module directory)."""
        files = {self.context.display_path(p) for p in paths if p.is_file()}
        dirs = [self.context.display_path(p) for p in paths if p.is_dir()]
        return ScanFilter(files=files, dirs=dirs)


@dataclass(frozen=True)
class ScanFilter:
    files: set[str]
    dirs: list[str]

    def __call__(self, path: str) -> bool:
        if path in self.files:
            return True
        return any(d == "." or path == d or path.startswith(d.rstrip("/") + "/") for d in self.dirs)

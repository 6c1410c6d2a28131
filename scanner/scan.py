"""The library entry point: `Scanner` turns paths into findings. The CLI is a thin layer over it."""

from __future__ import annotations

import gc
import os
import shutil
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from scanner.engine.evaluate import Judgement
from scanner.engine.findings import ErrorLevel, Finding, ScanError, Severity, Status
from scanner.engine.params import RuleParams
from scanner.engine.redaction import Redactor
from scanner.engine.registry import Rule, load_rules
from scanner.gating import Gating
from scanner.model import Asset, Location, Origin, SourceKind
from scanner.sources.boundary import Boundary
from scanner.sources.files import InputError, discover, read_text, refusal_entry, repository_root
from scanner.sources.interface import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_INSTANCES,
    DEFAULT_MAX_PLAN_BYTES,
    FileSource,
    LoadContext,
    LoadResult,
)

if TYPE_CHECKING:
    from scanner.compliance.report import FrameworkResult
    from scanner.engines import Engine, EngineResult


# A plan's or a state's findings are located at its configuration's .tf lines, wherever those are.
_CONFIGURATION_READINGS = frozenset({SourceKind.TERRAFORM_PLAN, SourceKind.TERRAFORM_STATE})


@dataclass
class ScanResult:
    findings: list[Finding]
    errors: list[ScanError]
    files: list[str]
    rules: list[Rule]
    resources: int = 0
    # Set by gating: a baseline's findings that no longer occur.
    fixed: list[str] = field(default_factory=list)
    # Hides the scan's secrets; reports that show input text of their own (SARIF snippets) pass it through.
    redact: Redactor = field(default_factory=Redactor)
    # Inputs none of whose objects could be evaluated (a chart that could not be rendered); in `errors` too.
    unevaluated: list[ScanError] = field(default_factory=list)
    # Rule id -> (source, resource type) -> the objects the rule ran on: what the compliance view needs to tell
    # "found nothing" from "had nothing to look at", per provider and per kind of resource a control names.
    evaluated: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    # The per-control view of the frameworks asked for (--compliance), set before the reports are rendered.
    compliance: list[FrameworkResult] = field(default_factory=list)

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
        if fail_on is not None and fail_on_unknown and self.unevaluated:
            return 1
        return 1 if self.gating(fail_on, fail_on_unknown) else 0


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_sources() -> list[FileSource]:
    from scanner.sources.inventory import InventorySource
    from scanner.sources.kubernetes import KubernetesSource
    from scanner.sources.rendered import RenderedSource
    from scanner.sources.terraform import TerraformSource
    from scanner.sources.terraform.plan import PlanSource

    return [InventorySource(), PlanSource(), TerraformSource(), RenderedSource(), KubernetesSource()]


class Scanner:
    """Sources -> model -> rules -> findings, for files and directories."""

    def __init__(
        self,
        *,
        params: RuleParams | None = None,
        rules: Sequence[Rule] | None = None,
        sources: Sequence[FileSource] | None = None,
        var_files: Sequence[Path] = (),
        source_dir: Path | None = None,
        cwd: Path | None = None,
        gating: Gating | None = None,
        engines: Sequence[Engine] = (),
        max_instances: int = DEFAULT_MAX_INSTANCES,
        max_plan_bytes: int = DEFAULT_MAX_PLAN_BYTES,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        stdin: BinaryIO | None = None,
        download_modules: bool = False,
        errors: Sequence[ScanError] = (),
        keep_assets: bool = False,
        jobs: int | None = None,
    ) -> None:
        self.params = params or RuleParams()
        # Other engines (checkov) whose findings join the rules'; `rules=[], sources=[]` runs them alone.
        self.engines = list(engines)
        self.gating = gating or Gating()
        self.rules = list(rules) if rules is not None else load_rules()
        self.sources = list(sources) if sources is not None else default_sources()
        self.context = LoadContext(cwd=cwd or Path.cwd(), var_files=tuple(var_files), source_dir=source_dir,
                                   max_instances=max_instances, max_plan_bytes=max_plan_bytes,
                                   max_file_bytes=max_file_bytes)
        self.context.download_modules = download_modules
        self._root: Path | None = None
        self.loaded = LoadResult()
        # What `-` reads (`helm template … | tenet scan -`): the process's standard input unless given.
        self._stdin = stdin
        self._spooled: Path | None = None
        # Error entries found before the scan (a user policy that could not be imported): every result has them.
        self.errors = list(errors)
        # Keep the model objects in `loaded` after the rules have run (drift links live objects to them). By
        # default each is judged as its source maps it and then dropped: a large repository is never held whole.
        self.keep_assets = keep_assets
        # Worker processes for the Terraform module directories of a large scan (default: one per CPU).
        self.context.jobs = jobs if jobs is not None else default_jobs()

    def scan(self, paths: Sequence[Path]) -> ScanResult:
        if not any(str(p) == "-" for p in paths):
            return self._scan(paths)
        from scanner.sources.rendered import STDIN, STDIN_SHOWN, spool_stdin

        stream = self._stdin if self._stdin is not None else sys.stdin.buffer
        spooled = spool_stdin(stream, max(self.context.max_file_bytes, self.context.max_plan_bytes))
        if isinstance(spooled, ScanError):
            return self.evaluate(LoadResult(errors=[spooled]))
        try:
            self.context.shown_as[os.path.abspath(spooled.path)] = STDIN_SHOWN
            self._spooled = spooled.directory
            return self._scan([spooled.path if str(p) == STDIN else p for p in paths])
        finally:
            self._spooled = None
            shutil.rmtree(spooled.directory, ignore_errors=True)

    def _scan(self, paths: Sequence[Path]) -> ScanResult:
        # Everything the scan opens lies inside the repositories of the paths asked for (and standard input,
        # which Tenet spooled to a directory of its own).
        spooled = [self._spooled] if self._spooled is not None else []
        self.context.boundary = Boundary.around(
            [p for p in paths if p.parent not in spooled], files=self.context.var_files,
            directories=[*spooled, *([self.context.source_dir] if self.context.source_dir is not None else [])])
        self.context.named = frozenset(Path(os.path.abspath(p)) for p in paths)
        found, errors = discover(paths, self.context)
        files = [f for f in found if not self.gating.excludes(f)]
        loaded = LoadResult(errors=errors)
        scanned = list(files)
        judgement = Judgement(self.rules, self.params)

        def judge(assets: Sequence[Asset]) -> None:
            judgement.add(assets)
            if self.keep_assets:
                loaded.assets.extend(assets)

        self.context.judge = judge
        self.context.judgement = None if self.keep_assets else judgement
        try:
            for source in self.sources:
                claimed = [f for f in files if source.claims(f)]
                taken = set(claimed)
                files = [f for f in files if f not in taken]
                if claimed:
                    part = source.load(claimed, self.context)
                    # Sources that do not hand their objects over as they map them return them: judged now.
                    judge(part.assets)
                    part.assets = []
                    loaded.extend(part)
                    # A source's syntax trees and evaluation caches are cyclic garbage once it has mapped them:
                    # free them now, before the next source and the rules, not whenever the collector gets to them.
                    gc.collect()
        finally:
            self.context.judge = None
            self.context.judgement = None
        external = [engine.run(paths, scanned, self.context) for engine in self.engines]
        for result in external:
            loaded.errors.extend(result.errors)
            loaded.files.extend(result.files)
        named = {Path(os.path.abspath(p)) for p in paths}
        read = set(loaded.files)
        for unread in (f for f in files if Path(os.path.abspath(f)) in named
                       and self.context.display_path(f) not in read):
            refused = self.context.boundary.check(unread)
            if refused is not None:  # a FIFO or a device: no source could look inside to claim it
                loaded.errors.append(refusal_entry(self.context.display_path(unread), refused))
                continue
            loaded.errors.append(ScanError(
                path=self.context.display_path(unread), level=ErrorLevel.WARNING,
                message="no source reads this file (Terraform .tf/.tfvars, plan JSON, Kubernetes YAML/JSON or a Tenet "
                        "inventory); nothing in it was scanned"))
        if not loaded.files and len(scanned) == len(found) and not any(
                e.level is ErrorLevel.ERROR for e in loaded.errors):
            # Nothing read, not because the configuration excluded it, and no error says why: a clean result
            # would be a lie.
            loaded.errors.append(ScanError(path=None, message="nothing was scanned: no file among the paths given "
                                                              "could be read by any source"))
        # What the scan read, for callers that need its model objects too (drift links live to their declarations).
        self.loaded = loaded
        return self.evaluate(loaded, reported=self._reported(paths, loaded), external=external, judged=judgement)

    def evaluate(self, loaded: LoadResult, reported: ScanFilter | None = None,
                 external: Sequence[EngineResult] = (), judged: Judgement | None = None) -> ScanResult:
        """Run the rules over what a source (files, or a live audit) produced; `judged`: what they said of the
        objects the sources handed over as they mapped them (not in `loaded.assets`)."""
        redact = Redactor(loaded.secrets)
        judgement = judged or Judgement(self.rules, self.params)
        if judged is None:
            judgement.add(loaded.assets)
        findings, rule_errors = judgement.findings(self._fingerprint_path, redact)
        if external:
            from scanner.engines import merge

            findings = merge(findings, external)
        if reported is not None:
            # A finding inside a called module is reported where the module is called from, too; a plan's
            # findings are located at its configuration's .tf lines, wherever those are.
            findings = [
                f for f in findings
                if f.location is None or f.source in _CONFIGURATION_READINGS or reported(f.location.path)
                or any(reported(call.path) for call in f.module_chain)
                or (f.module_call and reported(f.module_call.path))
            ]
            findings = sorted((self._at_call_site(f, reported) for f in findings), key=Finding.sort_key)
        # Excludes, inline suppressions and the baseline: suppressed findings stay, marked.
        gated = self.gating.apply(findings, loaded, rules=self.rules, cwd=self.context.cwd, reported=reported,
                                  read=self._comments_text, starts=judgement.starts)
        # A module called from two places reports its parse errors once.
        errors = {(e.path, e.line, e.column, e.message, e.level): e
                  for e in _redacted_errors(self.errors + loaded.errors + rule_errors + gated.warnings, redact)}
        return ScanResult(
            findings=_redacted_findings(gated.findings, redact),
            errors=sorted(errors.values(), key=lambda e: (e.path or "", e.line or 0, e.message)),
            files=sorted(set(loaded.files)),
            rules=self.rules,
            resources=len(judgement.resources),
            fixed=[redact(entry) for entry in gated.fixed],
            redact=redact,
            unevaluated=_redacted_errors(loaded.unevaluated, redact),
            evaluated=_evaluated(judgement.kinds, self.rules),
        )

    def _at_call_site(self, f: Finding, reported: ScanFilter) -> Finding:
        """A finding inside a module: its chain gains the resource's own location, and a finding in a file the
        user does not edit here (a registry, git or archive module, downloaded or installed by `terraform init`;
        a local module outside the trees scanned) is located at the outermost call of its chain that lies in
        them: the `module` block the user can change."""
        if not f.module_chain or f.location is None:
            return f
        def named(where: Location) -> Location:
            """A place inside a module package as `SOURCE VERSION //path` (a package may call its own
            submodules), any other as it is."""
            address = self.context.module_address(where.path)
            return where if address is None else where.model_copy(update={"path": address})

        own = named(f.location)
        update: dict[str, object] = {"module_chain": [*map(named, f.module_chain), own]}
        if own is not f.location or not reported.in_tree(f.location.path):
            update["location"] = next((c for c in f.module_chain if named(c) is c and reported.in_tree(c.path)),
                                      f.module_chain[0])
        located: Finding = f.model_copy(update=update)
        return located

    def _fingerprint_path(self, origin: Origin) -> str | None:
        """The file a finding's fingerprint names, relative to the repository root: a registry, git or archive
        module's findings are its outermost call's, so that a new version of the module keeps them."""
        where = origin.location
        if where is None:
            return None
        if origin.module_chain and self.context.module_address(where.path) is not None:
            where = origin.module_chain[0]
        return self._repository_path(where.path)

    def _comments_text(self, shown: str) -> str | None:
        """A reported file's text, for its suppression comments: read through the boundary like any input."""
        try:
            return read_text(self.context.cwd / shown, self.context)
        except InputError:
            return None

    def _repository_path(self, shown: str) -> str:
        """A report path (relative to the cwd) relative to the repository root instead, for fingerprints."""
        if self._root is None:
            self._root = repository_root(self.context.cwd)
        path = os.path.abspath(os.path.join(self.context.cwd, shown))
        return Path(os.path.relpath(path, self._root)).as_posix()

    def _reported(self, paths: Sequence[Path], loaded: LoadResult) -> ScanFilter:
        """Findings are reported for the paths asked for, even when a source reads more
        (a .tf file is evaluated with its whole module directory), and for the files whose values depend on
        them: handing pre-commit only `terraform.tfvars` must not hide what its values open."""
        files = {self.context.display_path(p) for p in paths if p.is_file()}
        dirs = [self.context.display_path(p) for p in paths if p.is_dir()]
        files |= {reached for f in list(files) for reached in loaded.reaches.get(f, ())}
        # The trees the user edits here: the directories scanned, those of the files named (a named main.tf's
        # local modules below it are the user's) and a plan's configuration.
        trees = [*dirs, *(self.context.display_path(p.parent) for p in paths if p.is_file()),
                 *([self.context.display_path(self.context.source_dir)] if self.context.source_dir else [])]
        return ScanFilter(files=files, dirs=dirs, trees=trees)


def _evaluated(kinds: Counter[tuple[type, SourceKind, str]],
               rules: Sequence[Rule]) -> dict[str, dict[tuple[str, str], int]]:
    """Rule id -> (source, resource type) -> how many objects the rule ran on (every rule runs on every object of
    its model type)."""
    by_type: dict[type, Counter[tuple[str, str]]] = {}
    for (asset_type, source, resource_type), n in kinds.items():  # a few hundred kinds, however large the scan
        by_type.setdefault(asset_type, Counter())[(str(source), resource_type)] += n
    return {r.id: dict(by_type.get(r.applies_to, {})) for r in rules}


def _redacted_findings(findings: list[Finding], redact: Redactor) -> list[Finding]:
    """The one place every finding passes before a report: what it shows, with secrets hidden
    (the rules' own findings are hidden already, before their fingerprints; other engines' here)."""
    if not redact:
        return findings
    return [f.model_copy(update={"message": redact(f.message), "resource": redact(f.resource),
                                 "justification": redact.optional(f.justification)}) for f in findings]


def _redacted_errors(errors: list[ScanError], redact: Redactor) -> list[ScanError]:
    if not redact:
        return errors
    return [e.model_copy(update={"message": redact(e.message), "path": redact.optional(e.path)}) for e in errors]


@dataclass(frozen=True)
class ScanFilter:
    files: set[str]
    dirs: list[str]
    trees: list[str] = field(default_factory=list)

    def __call__(self, path: str) -> bool:
        return path in self.files or _under(path, self.dirs)

    def in_tree(self, path: str) -> bool:
        """Whether a file lies in a tree the user edits here (see `Scanner._reported`)."""
        return path in self.files or _under(path, self.dirs) or _under(path, self.trees)


def _under(path: str, dirs: Sequence[str]) -> bool:
    # `.` is the current directory's tree, not `../` beside it (a local module the scan reached).
    return any((d == "." and path != ".." and not path.startswith("../")) or path == d
               or path.startswith(d.rstrip("/") + "/") for d in dirs)

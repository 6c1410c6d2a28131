"""checkov as a second engine: its Terraform and Kubernetes checks, run in this process, as Tenet findings.

checkov is imported only in `CheckovEngine.run`. Its Python API is used per
framework: a scanned directory is checkov's `root_folder` (so that local
modules are expanded, as `checkov -d` does); a scanned .tf file is run with the
other .tf files of its directory (so that their variables resolve, which
`checkov -f` alone does not do); manifests are passed as files. Which findings
are reported is then up to the Scanner, as for Tenet's own: the paths asked
for, minus excludes.

The data table `checkov_map.json` says, for the checks in Tenet's families,
their category, their severity (checkov gives none offline) and the Tenet rules
that report the same issue.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scanner.engine.findings import Category, ErrorLevel, Finding, ScanError, Severity, Status
from scanner.engines import CHECKOV, EngineResult
from scanner.model.origin import Location, Origin, SourceKind
from scanner.sources.interface import LoadContext

MAP_FILE = Path(__file__).with_name("checkov_map.json")
CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")
TERRAFORM_SUFFIXES = (".tf",)
MANIFEST_SUFFIXES = (".yaml", ".yml")
# Tenet's network messages say "<peers> can reach <ports> (<protocol>)", perhaps followed by the rule's name.
_REACH = re.compile(r" can reach (?P<ports>all ports|\d+(?:-\d+)?(?:, \d+(?:-\d+)?)*) \(")
_TERRAFORM_TYPE = re.compile(r"^(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*(?:data\.)?(?P<type>[A-Za-z0-9_-]+)\.")
_NO_COMMENT = "No comment provided"  # what checkov records for a skip without a reason
ALL_PORTS = "all"


@dataclass(frozen=True)
class CheckInfo:
    """One row of the table."""

    name: str
    category: Category
    severity: Severity
    rules: frozenset[str]
    # None: any port; ALL_PORTS: only findings that open every port; else the ports the check is about.
    ports: str | tuple[int, ...] | None = None

    def ports_match(self, message: str) -> bool:
        """Whether a Tenet network finding's ports are the ones this check is about.

        A message that does not name ports (not a network finding, or a format this does
        not know) matches: the rule, the file and the lines already agree.
        """
        if self.ports is None:
            return True
        reached = _reached(message)
        if reached is None:
            return True
        if isinstance(self.ports, str):  # ALL_PORTS
            return reached == ALL_PORTS
        if isinstance(reached, str):  # every port is open: this one too
            return True
        return any(lo <= port <= hi for port in self.ports for lo, hi in reached)


@dataclass(frozen=True)
class CheckovMap:
    checks: Mapping[str, CheckInfo]
    default_severity: Severity
    policy_index: Mapping[str, str]

    def category(self, check_id: str) -> Category:
        info = self.checks.get(check_id)
        return info.category if info is not None else Category.OTHER

    def severity(self, check_id: str) -> Severity:
        info = self.checks.get(check_id)
        return info.severity if info is not None else self.default_severity


@cache
def load_map(path: Path = MAP_FILE) -> CheckovMap:
    """The table, checked: a broken row is an error that names it, not a silent default."""
    data = json.loads(path.read_text(encoding="utf-8"))
    checks: dict[str, CheckInfo] = {}
    for check_id, row in data["checks"].items():
        try:
            if not CHECK_ID.match(check_id):
                raise ValueError("not a checkov check id")
            ports = row.get("ports")
            if not (ports is None or ports == ALL_PORTS
                    or (isinstance(ports, list) and ports and all(isinstance(p, int) for p in ports))):
                raise ValueError(f"ports must be a list of ports or {ALL_PORTS!r}")
            checks[check_id] = CheckInfo(
                name=str(row["name"]),
                category=Category(row["category"]),
                severity=Severity(row["severity"]),
                rules=frozenset(row["rules"]),
                ports=tuple(ports) if isinstance(ports, list) else ports,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path.name}: {check_id}: {exc}") from None
    return CheckovMap(checks=checks, default_severity=Severity(data["default_severity"]),
                      policy_index=dict(data["policy_index"]))


def _reached(message: str) -> str | list[tuple[int, int]] | None:
    match = _REACH.search(message)
    if match is None:
        return None
    text = match.group("ports")
    if text == "all ports":
        return ALL_PORTS
    spans = []
    for part in text.split(", "):
        lo, _, hi = part.partition("-")
        spans.append((int(lo), int(hi or lo)))
    return spans


def help_uri(check_id: str, source: SourceKind) -> str:
    """Where a check is documented. checkov serves per-check guidelines only from its platform's API, so
    offline this is its policy index for the framework, which lists every check by id."""
    index = load_map().policy_index
    return index["kubernetes"] if source is SourceKind.KUBERNETES else index["terraform"]


class CheckovEngine:
    name = CHECKOV

    def run(self, paths: Sequence[Path], files: Sequence[Path], context: LoadContext) -> EngineResult:
        result = EngineResult(engine=self)
        discovered = {os.path.abspath(f) for f in files}
        roots = sorted({os.path.abspath(p) for p in paths if p.is_dir()})
        roots = [r for r in roots if not _under(r, [o for o in roots if o != r])]
        single = [f for f in files if f.suffix in TERRAFORM_SUFFIXES and not _under(os.path.abspath(f), roots)]
        # A file's module siblings, as Tenet reads them: nothing the trust boundary refuses is handed over.
        modules = sorted({os.path.abspath(s) for f in single for s in f.parent.glob("*.tf")
                          if context.boundary.check(s) is None})
        manifests = sorted(os.path.abspath(f) for f in files if f.suffix.lower() in MANIFEST_SUFFIXES)
        terraform_roots = [r for r in roots if any(_under(f, [r]) for f in discovered if f.endswith(".tf"))]
        if not (terraform_roots or modules or manifests):
            return result
        try:
            with quiet():
                runs = _run_checkov(terraform_roots, modules, manifests, [str(v) for v in context.var_files])
        except ImportError as exc:
            result.errors.append(ScanError(path=None, message=f"--engine checkov: checkov cannot be imported ({exc})"))
            return result
        except Exception as exc:  # checkov's failures are many and untyped: the scan reports, never crashes
            result.errors.append(ScanError(path=None, message=f"checkov failed: {type(exc).__name__}: {exc}"))
            return result
        seen: set[tuple[object, ...]] = set()
        table = load_map()
        for run in runs:
            for record, skipped in run.records():
                finding = _finding(record, skipped, run, context, table)
                key = (finding.rule_id, finding.location, finding.resource, finding.suppressed)
                if key not in seen:
                    seen.add(key)
                    result.findings.append(finding)
            for path in run.parsing_errors():
                if path in discovered:
                    result.errors.append(ScanError(path=context.display_path(Path(path)), level=ErrorLevel.ERROR,
                                                   message="checkov could not parse this file; its checks did not "
                                                           "run on it"))
        result.findings = _with_module_calls(result.findings)
        result.errors = list({(e.path, e.message): e for e in result.errors}.values())
        result.files = sorted(context.display_path(Path(f)) for f in discovered
                              if f.endswith(TERRAFORM_SUFFIXES + MANIFEST_SUFFIXES))
        return result

    def same_issue(self, external: Finding, tenet: Finding) -> bool:
        """Same rule family (the table maps the check to the Tenet rule), same file, overlapping lines (one
        resource block or manifest), and for a port check the same port."""
        info = load_map().checks.get(external.rule_id)
        if info is None or tenet.rule_id not in info.rules:
            return False
        a, b = external.location, tenet.location
        if a is None or b is None or a.path != b.path:
            return False
        if b.start_line > a.end_line or a.start_line > b.end_line:
            return False
        return info.ports_match(tenet.message)


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


@dataclass(frozen=True)
class _Run:
    """One checkov runner's reports, and the root folder its relative paths start from."""

    source: SourceKind
    root: str | None
    reports: list[Any]

    def records(self) -> Iterator[tuple[Any, bool]]:
        for report in self.reports:
            for record in report.failed_checks:
                yield record, False
            for record in report.skipped_checks:
                yield record, True

    def parsing_errors(self) -> Iterator[str]:
        for report in self.reports:
            for path in report.parsing_errors:
                yield self.absolute(str(path))

    def absolute(self, path: str) -> str:
        return os.path.abspath(os.path.join(self.root or os.getcwd(), path))

    def from_root(self, path: str) -> str:
        """checkov writes some paths relative to the root folder, with a leading "/"."""
        return os.path.abspath(os.path.join(self.root, path.lstrip("/"))) if self.root else self.absolute(path)


def _run_checkov(roots: Sequence[str], modules: Sequence[str], manifests: Sequence[str],
                 var_files: Sequence[str]) -> list[_Run]:
    from checkov.kubernetes.runner import Runner as KubernetesRunner
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.runner import Runner as TerraformRunner

    def options(framework: str) -> Any:
        return RunnerFilter(framework=[framework], var_files=[os.path.abspath(v) for v in var_files] or None,
                            download_external_modules=False, show_progress_bar=False)

    def reports(value: Any) -> list[Any]:
        return list(value) if isinstance(value, list) else [value]

    runs = []
    for root in roots:
        found = TerraformRunner().run(root_folder=root, runner_filter=options("terraform"))
        runs.append(_Run(SourceKind.TERRAFORM, root, reports(found)))
    if modules:
        found = TerraformRunner().run(root_folder=None, files=list(modules), runner_filter=options("terraform"))
        runs.append(_Run(SourceKind.TERRAFORM, None, reports(found)))
    if manifests:
        found = KubernetesRunner().run(root_folder=None, files=list(manifests), runner_filter=options("kubernetes"))
        runs.append(_Run(SourceKind.KUBERNETES, None, reports(found)))
    return runs


@contextmanager
def quiet() -> Iterator[None]:
    """checkov logs warnings, prints, and configures the root logger on import: none of it reaches the report."""
    root = logging.getLogger()
    handlers, level, disabled = list(root.handlers), root.level, root.manager.disable
    sink = io.StringIO()
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), redirect_stdout(sink), redirect_stderr(sink):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(disabled)
        root.handlers[:] = handlers
        root.setLevel(level)


def _finding(record: Any, skipped: bool, run: _Run, context: LoadContext, table: CheckovMap) -> Finding:
    check_id = str(record.check_id)
    info = table.checks.get(check_id)
    name = info.name if info is not None else str(record.check_name).strip()
    resource, resource_type = _resource(str(record.resource), run.source)
    origin = Origin(
        source=run.source,
        resource=resource,
        resource_type=resource_type,
        location=_location(run.absolute(str(record.file_abs_path)), record.file_line_range, context),
        module_call=_module_call(record, run, context),
    )
    finding = Finding.create(
        rule_id=check_id,
        title=name,
        category=table.category(check_id),
        severity=table.severity(check_id),
        status=Status.FAIL,
        message=f'fails the check "{name}"',
        origin=origin,
    )
    if skipped:
        reason = str((record.check_result or {}).get("suppress_comment") or "").strip()
        justification = f"inline: checkov:skip {reason}" if reason and reason != _NO_COMMENT \
            else "inline: checkov:skip, no reason given"
        finding = finding.model_copy(update={"suppressed": True, "justification": justification})
    return finding


def _with_module_calls(findings: list[Finding]) -> list[Finding]:
    """checkov's graph checks (CKV2_*) do not say which module call made a resource; its other checks on the
    same resource do."""
    calls = {(f.resource, f.location): f.module_call for f in findings if f.module_call is not None}
    return [f.model_copy(update={"module_call": calls[(f.resource, f.location)]})
            if f.module_call is None and (f.resource, f.location) in calls else f for f in findings]


def _location(path: str, lines: Any, context: LoadContext) -> Location:
    start, end = (int(lines[0]), int(lines[1])) if lines else (1, 1)
    start = max(start, 1)
    return Location(path=context.display_path(Path(path)), start_line=start, end_line=max(end, start))


def _module_call(record: Any, run: _Run, context: LoadContext) -> Location | None:
    caller, lines = getattr(record, "caller_file_path", None), getattr(record, "caller_file_line_range", None)
    if not caller or not lines:
        return None
    return _location(run.from_root(str(caller)), lines, context)


def _resource(address: str, source: SourceKind) -> tuple[str, str]:
    """The resource as Tenet names it, and its type: a Terraform address, or `Kind/namespace/name`."""
    if source is SourceKind.KUBERNETES:
        from scanner.sources.kubernetes.objects import CLUSTER_SCOPED_KINDS

        kind, _, rest = address.partition(".")
        namespace, _, name = rest.partition(".")
        if not name:
            return address, kind
        return (f"{kind}/{name}" if kind in CLUSTER_SCOPED_KINDS else f"{kind}/{namespace}/{name}"), kind
    match = _TERRAFORM_TYPE.match(address)
    return address, match.group("type") if match else address


__all__ = ["ALL_PORTS", "CHECK_ID", "CheckInfo", "CheckovEngine", "CheckovMap", "help_uri", "load_map", "quiet"]

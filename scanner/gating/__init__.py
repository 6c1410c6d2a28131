"""Gating: which findings count. Excludes, inline suppressions and a baseline, set up from the configuration
and the command line, and applied by the Scanner to what the rules found."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from scanner.engine.findings import ErrorLevel, Finding, ScanError, Severity
from scanner.engine.params import RuleParams
from scanner.engine.registry import Rule
from scanner.gating import mute, suppressions
from scanner.gating.baseline import Baseline, BaselineError
from scanner.gating.mute import MuteEntry

if TYPE_CHECKING:
    from scanner.compliance.frameworks import Framework
    from scanner.config import LoadedConfig
    from scanner.engine.user_policies import PolicySet
    from scanner.model import Asset
    from scanner.scan import ScanResult
    from scanner.sources.interface import LoadResult

# Files whose comments are read for suppressions (JSON has none).
COMMENTED_SUFFIXES = (".tf", ".tfvars", ".hcl", ".yaml", ".yml")


class Gated(NamedTuple):
    findings: list[Finding]
    warnings: list[ScanError]
    fixed: list[str]


@dataclass(frozen=True)
class Gating:
    """Applied by `Scanner`: the default (no configuration) still honours inline suppressions."""

    exclude: Callable[[Path], bool] | None = None
    baseline: Baseline | None = None
    # Every rule a suppression may name, also those the configuration disabled (no false "no rule" warnings).
    known_rules: Sequence[Rule] = ()
    today: date | None = None
    mute: Sequence[MuteEntry] = ()
    # How warnings name the configuration: "pyproject.toml: [tool.tenet] " or ".tenet.toml: ".
    label: str = ""

    def excludes(self, path: Path) -> bool:
        return self.exclude is not None and self.exclude(path)

    def apply(
        self,
        findings: Sequence[Finding],
        loaded: LoadResult,
        *,
        rules: Sequence[Rule],
        cwd: Path,
        reported: Callable[[str], bool] | None = None,
        read: Callable[[str], str | None] | None = None,
        starts: Mapping[tuple[str, str], int] | None = None,
    ) -> Gated:
        """`reported` says which paths the scan reports on (None: a live audit, everything); `read` gives a
        shown path's text for its comments (None when it may not or cannot be read; no `read`: no comments);
        `starts`: the resources' first lines (`resource_starts`), when the scan has not kept its objects."""

        excluded: dict[str, bool] = {}

        def shown_excluded(path: str) -> bool:
            if path not in excluded:  # many findings share a file: resolve each path once
                excluded[path] = self.excludes(cwd / path)
            return excluded[path]

        def in_scope(path: str | None) -> bool:
            if reported is None:
                return True
            return path is not None and reported(path) and not shown_excluded(path)

        def own_file_excluded(finding: Finding) -> bool:
            """A finding inside a local module outside the scanned paths is shown at its call site; excluding
            the module's own file still drops it, as when the module is scanned itself."""
            if not finding.module_chain or finding.location is None:
                return False
            own = finding.module_chain[-1].path  # `SOURCE VERSION //path` for a package: not a file here
            return own != finding.location.path and shown_excluded(own) and (cwd / own).is_file()

        kept = [f for f in findings
                if f.location is None or not (shown_excluded(f.location.path) or own_file_excluded(f))]
        # Comments are read in the reported files (so their problems are always warned about) and wherever a
        # finding is (a module's source reported through its call, a plan's configuration).
        located = {f.location.path for f in kept if f.location is not None}
        located |= {f.module_call.path for f in kept if f.module_call is not None}
        located |= {call.path for f in kept for call in f.module_chain}
        files = [p for p in dict.fromkeys(loaded.files) if in_scope(p)] + sorted(located)
        written = [s for s in loaded.suppressions if in_scope(s.path) or s.path in located]
        if read is not None:
            written += _comment_suppressions(read, dict.fromkeys(files))
        kept, warnings = suppressions.apply(kept, written, resource_starts(loaded.assets) if starts is None else starts,
                                            self.known_rules or rules, self.today or date.today())
        if self.mute:
            resolve = {key.upper(): r.id for r in (self.known_rules or rules) for key in (r.id, r.name, *r.aliases)}
            kept, muted_warnings = mute.apply(kept, self.mute, resolve, self.today or date.today(), self.label)
            warnings += muted_warnings
        fixed: list[str] = []
        if self.baseline is not None:
            kept = self.baseline.suppress(kept)
            # A file that could not be read lost its findings: they are not fixed.
            broken = {e.path for e in loaded.errors if e.level is ErrorLevel.ERROR}
            fixed = self.baseline.fixed(kept, lambda p: in_scope(p) and p not in broken)
        return Gated(kept, warnings, fixed)


def resource_starts(assets: Sequence[Asset]) -> dict[tuple[str, str], int]:
    """(resource, path) -> first line of its block or manifest: a comment there covers all its findings."""
    starts: dict[tuple[str, str], int] = {}
    for asset in assets:
        loc = asset.origin.resource_location or asset.origin.location
        if loc is not None:
            starts.setdefault((asset.origin.resource, loc.path), loc.start_line)
    return starts


def _comment_suppressions(read: Callable[[str], str | None], paths: Iterable[str]) -> list[suppressions.Suppression]:
    found: list[suppressions.Suppression] = []
    for path in paths:
        if not path.endswith(COMMENTED_SUFFIXES):
            continue
        text = read(path)  # None: the source already reported why it could not read the file
        if text is not None and suppressions.COMMENT in text:
            found.extend(suppressions.parse_comments(text, path))
    return found


@dataclass(frozen=True)
class Settings:
    """One run's settings: the configuration with the command line's options on top."""

    config: LoadedConfig
    params: RuleParams
    rules: list[Rule]
    gating: Gating
    fail_on: Severity | None
    fail_on_unknown: bool
    # Every rule, user policies' included (before `enable`/`disable`), and the policy files that did not load.
    all_rules: Sequence[Rule] = ()
    policy_errors: Sequence[ScanError] = ()
    # The compliance frameworks to report on (--compliance, else the configuration's `compliance`).
    frameworks: Sequence[Framework] = ()


def prepare(
    paths: Sequence[Path],
    *,
    cwd: Path,
    all_rules: Sequence[Rule],
    config_file: Path | None = None,
    fail_on: str | None = None,
    fail_on_unknown: bool | None = None,
    baseline_file: Path | None = None,
    writing_baseline: bool = False,
    policy_dirs: Sequence[Path] = (),
    compliance: Sequence[str] = (),
) -> Settings:
    """Raises ConfigError or BaselineError with a message that names the file.

    User policies are loaded from the configuration's `policy-paths` and from `policy_dirs` (`--policies`);
    with neither, their machinery is not even imported.
    """
    from scanner import config as cfg

    path = config_file if config_file is not None else cfg.discover(paths, cwd)
    _check_named(paths, cwd, path, baseline_file)
    policies = load_user_policies(paths, cwd=cwd, builtins=all_rules, config_file=path,
                                  discovered=config_file is None, policy_dirs=policy_dirs)
    if policies is not None:
        all_rules = policies.rules
    loaded = cfg.load(path, cwd, policies.params_type if policies is not None else RuleParams)
    rules = cfg.configure_rules(all_rules, loaded)
    threshold = fail_on or loaded.config.fail_on or "low"
    baseline = None
    baseline_path = baseline_file if baseline_file is not None else loaded.baseline_path()
    if baseline_file is None and config_file is None and baseline_path is not None:
        # A configuration found in the scanned tree is part of the code under review: the baseline it names is
        # read only inside the trust boundary, like any other input.
        import os

        from scanner.sources.boundary import Boundary

        boundary = Boundary.around(paths)
        if not boundary.contains(os.path.realpath(baseline_path)):
            raise cfg.ConfigError(f"{loaded.label}baseline: {loaded.config.baseline!r} resolves outside "
                                  f"{boundary.describe()}; not read")
    if baseline_path is not None and not writing_baseline:
        baseline = Baseline.read(baseline_path, _shown(baseline_path, cwd))
    frameworks = _frameworks(compliance, loaded, paths, cwd, discovered=config_file is None, rules=all_rules)
    return Settings(
        config=loaded,
        params=loaded.config.params,
        rules=rules,
        gating=Gating(exclude=loaded.excluder(), baseline=baseline, known_rules=tuple(all_rules),
                      mute=loaded.config.mute, label=loaded.label),
        fail_on=None if threshold == "none" else Severity(threshold),
        fail_on_unknown=bool(fail_on_unknown if fail_on_unknown is not None else loaded.config.fail_on_unknown),
        all_rules=tuple(all_rules),
        policy_errors=tuple(policies.errors) if policies is not None else (),
        frameworks=frameworks,
    )


def _check_named(paths: Sequence[Path], cwd: Path, *files: Path | None) -> None:
    """The configuration and the baseline (named by the operator, or found by the search) are read where they
    are, but one lying in the scanned repository is the code's: it may not be a link leading out, nor a FIFO."""
    from scanner import config as cfg
    from scanner.sources.boundary import Boundary

    boundary = Boundary.around(paths)
    for path in files:
        refused = boundary.named(path) if path is not None else None
        if refused is not None and path is not None:
            raise cfg.ConfigError(f"{_shown_as_written(path, cwd)}: {refused.message}")


def _shown_as_written(path: Path, cwd: Path) -> str:
    """A path relative to `cwd` without resolving links: a message names the link, never its target."""
    import os

    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.path.abspath(cwd))
    return str(absolute) if relative.startswith("..") else Path(relative).as_posix()


def _frameworks(asked: Sequence[str], loaded: LoadedConfig, paths: Sequence[Path], cwd: Path, *, discovered: bool,
                rules: Sequence[Rule]) -> tuple[Framework, ...]:
    """The frameworks of --compliance, else of the configuration's `compliance`; nothing is imported without one.

    A framework file the configuration names is relative to it, and, when the configuration was found in the
    scanned tree, must lie inside the trust boundary like its baseline. Raises ConfigError naming the option or
    the key, and the ids available.
    """
    from_config = not asked
    wanted = list(asked or loaded.config.compliance)
    if not wanted:
        return ()
    import os

    from scanner import config as cfg
    from scanner.compliance.frameworks import FrameworkError, available_frameworks, check_rules, load_framework

    known = {r.id for r in rules} | {r.replaces for r in rules if r.replaces}
    frameworks: dict[str, Framework] = {}
    for index, value in enumerate(wanted):
        where = f"{loaded.label}compliance.{index}" if from_config else f"--compliance {value}"
        target = value
        if from_config and loaded.directory is not None and value not in available_frameworks():
            path = loaded.directory / value
            if discovered:
                from scanner.sources.boundary import Boundary

                boundary = Boundary.around(paths)
                if not boundary.contains(os.path.realpath(path)):
                    raise cfg.ConfigError(f"{where}: {value!r} resolves outside {boundary.describe()}; not read")
            target = str(path)
        try:
            framework = load_framework(target)
            check_rules(framework, known)
        except FrameworkError as exc:
            raise cfg.ConfigError(f"{where}: {exc}") from None
        frameworks.setdefault(framework.id, framework)
    return tuple(frameworks.values())


def load_user_policies(paths: Sequence[Path], *, cwd: Path, builtins: Sequence[Rule], config_file: Path | None,
                       discovered: bool, policy_dirs: Sequence[Path] = ()) -> PolicySet | None:
    """The configuration's `policy-paths` and `policy_dirs`, loaded over `builtins`; None when there are none.

    A configuration found in the scanned tree is part of the code under review: its policy directories must
    lie inside the trust boundary, like its baseline. Raises ConfigError (an id collision included).
    """
    from scanner import config as cfg

    configured = cfg.policy_directories(config_file, cwd)
    if not configured and not policy_dirs:
        return None
    from scanner.engine.user_policies import PolicyError, load_policies

    if discovered and configured:
        import os

        from scanner.sources.boundary import Boundary

        boundary = Boundary.around(paths)
        for directory in configured:
            if not boundary.contains(os.path.realpath(directory)):
                raise cfg.ConfigError(f"{_shown(config_file or directory, cwd)}: policy-paths: "
                                      f"{_shown(directory, cwd)!r} resolves outside {boundary.describe()}; not read")
    from scanner.sources.boundary import Boundary

    boundary = Boundary.around(paths)
    try:
        # A policy file in the scanned repository that is a link leading out is not imported.
        return load_policies([*configured, *policy_dirs], builtins, shown=lambda p: _shown(p, cwd),
                             refuse=lambda p, directory: boundary.named(p, directory=directory),
                             written=lambda p: _shown_as_written(p, cwd))
    except PolicyError as exc:
        raise cfg.ConfigError(str(exc)) from None


def record_baseline(result: ScanResult, path: Path, cwd: Path) -> Baseline:
    """Write today's findings to `path` and mark them accepted in `result`."""
    baseline = Baseline.of(result.findings, _shown_as_written(path, cwd))
    baseline.write(path)
    result.findings = baseline.suppress(result.findings)
    result.fixed = []
    return baseline


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(path)


__all__ = ["Baseline", "BaselineError", "Gated", "Gating", "Settings", "load_user_policies", "prepare",
           "record_baseline"]

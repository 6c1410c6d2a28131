"""The contract between the scanner and its file sources."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanner.engine.findings import ScanError
from scanner.gating.suppressions import Suppression
from scanner.model import Asset
from scanner.sources.boundary import Boundary

if TYPE_CHECKING:
    from scanner.engine.evaluate import Judgement

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PLAN_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_INSTANCES = 10_000


@dataclass
class LoadContext:
    """What every source needs to know about the scan."""

    cwd: Path
    var_files: Sequence[Path] = ()
    # Where a plan JSON's configuration is (default: the plan's directory).
    source_dir: Path | None = None
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    # A plan JSON may be larger than any hand-written file (`terraform show -json` of a big estate).
    max_plan_bytes: int = DEFAULT_MAX_PLAN_BYTES
    # Instances one `count`/`for_each`/`dynamic` may expand to, the enclosing module instances counted in.
    max_instances: int = DEFAULT_MAX_INSTANCES
    # What may be opened. The Scanner sets it from the scanned paths; a context made without one is bounded
    # by the working directory's repository (or the working directory itself).
    boundary: Boundary = field(default_factory=lambda: Boundary(roots=()))
    # Files Tenet wrote itself (standard input spooled to disk) by absolute path -> the name reports show.
    shown_as: dict[str, str] = field(default_factory=dict)
    # Directories Tenet downloaded (`--download-modules`) by absolute path -> how reports name them
    # (`terraform-aws-modules/vpc/aws 5.1.0`): a file inside is shown as `LABEL //path/in/module.tf`.
    shown_prefixes: dict[str, str] = field(default_factory=dict)
    # Registry, git and archive modules `terraform init` installed, by package directory as shown
    # (`.terraform/modules/sg`) -> their source and version, as for a downloaded copy: a finding's module chain
    # names a file inside as `LABEL //path`.
    installed_modules: dict[str, str] = field(default_factory=dict)
    # Fetch registry, git and archive modules that `terraform init` has not installed.
    download_modules: bool = False
    # The files named on the command line (absolute, as written): their findings are the ones reported.
    named: frozenset[Path] = frozenset()
    # Where a source may hand the model objects over as it maps them (the Scanner judges and drops them, so a
    # large repository is never held whole); None: they are returned in `LoadResult.assets`.
    judge: Callable[[Sequence[Asset]], None] | None = None
    # The scan's judgement when the objects are not kept: module directories evaluated in worker processes judge
    # their objects there and send back what the rules said. `jobs`: how many worker processes at most.
    judgement: Judgement | None = None
    jobs: int = 1

    def emit(self, assets: list[Asset], result: LoadResult) -> None:
        """Hand `assets` over to `judge`, or keep them in `result`."""
        if self.judge is None:
            result.assets.extend(assets)
        else:
            self.judge(assets)

    def __post_init__(self) -> None:
        if not self.boundary.roots:
            self.boundary = Boundary.around([self.cwd])

    def display_path(self, path: Path) -> str:
        """Paths in reports: relative to the current directory, forward slashes.

        Symbolic links are not resolved: a finding names the path the user scanned.
        """
        if self.shown_as and os.path.abspath(path) in self.shown_as:
            return self.shown_as[os.path.abspath(path)]
        if self.shown_prefixes:
            absolute = os.path.abspath(path)
            for prefix, label in self.shown_prefixes.items():
                if absolute == prefix or absolute.startswith(prefix + os.sep):
                    return _text(f"{label} //{Path(os.path.relpath(absolute, prefix)).as_posix()}".rstrip("/."))
        return self.relative_path(path)

    def module_address(self, shown: str) -> str | None:
        """A shown path inside a registry, git or archive module (downloaded or installed by `terraform init`)
        as `SOURCE VERSION //path/in/module.tf`; None for any other file (one the user edits)."""
        if any(shown.startswith(label + " //") for label in self.shown_prefixes.values()):
            return shown
        for directory, label in self.installed_modules.items():
            if shown.startswith(directory + "/"):
                return f"{label} //{shown[len(directory) + 1:]}"
        return None

    def relative_path(self, path: Path) -> str:
        """The path relative to the current directory, forward slashes, whatever reports call it."""
        return _text(Path(os.path.relpath(os.path.abspath(path), os.path.abspath(self.cwd))).as_posix())


def _text(shown: str) -> str:
    """A file name that is not UTF-8 (its bytes kept by Python as lone surrogates, which no report can encode)
    shown with those bytes escaped: `bad\\xff.tf`."""
    if not any("\udc80" <= c <= "\udcff" for c in shown):
        return shown
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass
class LoadResult:
    assets: list[Asset] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # Suppressions a source read from its input (a Kubernetes `tenet.dev/ignore` annotation); comments are read
    # by the Scanner itself.
    suppressions: list[Suppression] = field(default_factory=list)
    # Texts of secret values the source read (see scanner.engine.redaction): hidden in every report.
    secrets: set[str] = field(default_factory=set)
    # For a file named on the command line (as shown): the files whose findings depend on its values, reported
    # with it (pre-commit hands in `terraform.tfvars` alone; the SSH it opens is found in `main.tf`).
    reaches: dict[str, set[str]] = field(default_factory=dict)
    # Inputs whose objects could not be evaluated at all (a Helm chart or Kustomize overlay that could not be
    # rendered): also in `errors`, as warnings; --fail-on-unknown fails on them.
    unevaluated: list[ScanError] = field(default_factory=list)

    def extend(self, other: LoadResult) -> None:
        self.unevaluated.extend(other.unevaluated)
        for path, reached in other.reaches.items():
            self.reaches.setdefault(path, set()).update(reached)
        self.assets.extend(other.assets)
        self.errors.extend(other.errors)
        self.files.extend(other.files)
        self.suppressions.extend(other.suppressions)
        self.secrets |= other.secrets


class FileSource(Protocol):
    """A source that reads files: Terraform, plan JSON, Kubernetes manifests, inventories."""

    name: str

    def claims(self, path: Path) -> bool:
        """Whether this source reads `path` (by name, or a cheap look inside)."""
        ...

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        """Read the claimed files. Problems become `ScanError`s, never exceptions."""
        ...

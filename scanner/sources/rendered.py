"""Kubernetes that exists only once rendered: Helm charts (`helm template`), Kustomize overlays
(`kubectl kustomize`), and manifests piped in on standard input (`helm template … | tenet scan -`).

Rendering runs another program, so it is kept inside the trust boundary: every file a chart holds and every
path an overlay names must lie inside it (remote bases are refused: a scan reaches no network), the program
runs with no proxy it could use, empty Helm homes, a time limit and a cap on what it may write. A chart or an
overlay that cannot be rendered (the program is not installed, the chart is broken, a limit is hit) is not
a silent pass: it is an "unevaluated" entry, shown as a warning, that --fail-on-unknown fails on.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.sources.files import InputError, decode
from scanner.sources.interface import LoadContext, LoadResult

STDIN = "-"
STDIN_SHOWN = "<stdin>"
# Most seconds one `helm template` or `kubectl kustomize` may run.
RENDER_TIMEOUT = 60.0
_CHART = "Chart.yaml"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# Kustomization fields that name files or directories (the generators' `files` entries may be `key=path`).
_PATH_FIELDS = ("resources", "bases", "components", "patchesStrategicMerge", "crds", "configurations",
                "generators", "transformers", "validators")
_NESTED_PATH_FIELDS = ("patches", "patchesJson6902", "replacements")
_GENERATORS = ("configMapGenerator", "secretGenerator")


@dataclass(frozen=True)
class Spooled:
    """Standard input written to a private directory, so every source reads it as it reads a file."""

    path: Path
    directory: Path


def spool_stdin(stream: BinaryIO, limit: int) -> Spooled | ScanError:
    """Standard input as a file named for the source that reads it: a plan JSON, a Kubernetes JSON manifest,
    or YAML (Kubernetes manifests, possibly many documents)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        return ScanError(path=STDIN_SHOWN, message=f"standard input is larger than {limit / 1048576:.0f} MiB "
                                                    "(the file size limit); nothing of it was scanned")
    try:
        text = decode(data, STDIN_SHOWN)
    except InputError as exc:
        return exc.error
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    json_like = head.startswith("{")
    name = "stdin.json" if json_like else "stdin.yaml"
    directory = Path(tempfile.mkdtemp(prefix="tenet-stdin-"))
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return Spooled(path=path, directory=directory)


class RenderedSource:
    """Helm charts (every file under a directory holding Chart.yaml) and Kustomize overlays
    (kustomization.yaml), rendered by their own tools when those are installed."""

    name = "rendered"

    def __init__(self) -> None:
        self._charts: dict[Path, Path | None] = {}

    def claims(self, path: Path) -> bool:
        return path.name in KUSTOMIZATION_NAMES or self.chart_of(path) is not None

    def chart_of(self, path: Path) -> Path | None:
        """The outermost chart directory holding `path` (a subchart is rendered with its parent), within the
        repository that holds it."""
        directory = Path(os.path.abspath(path)).parent
        if directory not in self._charts:
            found: Path | None = None
            for d in (directory, *directory.parents):
                if d in self._charts and d != directory:
                    found = self._charts[d] or found
                    break
                if os.path.isfile(d / _CHART):
                    found = d
                if os.path.lexists(d / ".git"):
                    break
            self._charts[directory] = found
        return self._charts[directory]

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        result = LoadResult()
        charts = sorted({c for f in files if (c := self.chart_of(f)) is not None})
        overlays = sorted({Path(os.path.abspath(f)).parent for f in files
                           if f.name in KUSTOMIZATION_NAMES and self.chart_of(f) is None})
        for f in files:
            result.files.append(ctx.display_path(f))
        for chart in charts:
            result.extend(_render(chart, ctx, "helm", _helm_problem(chart, ctx), ["template", "tenet", str(chart)]))
        # An overlay another overlay of the scan builds on is rendered as part of it (its raw manifests are
        # scanned as files anyway).
        referenced: set[Path] = set()
        problems: dict[Path, str | None] = {}
        for overlay in overlays:
            found: set[Path] = set()
            problems[overlay] = _kustomize_problem(overlay, ctx, found, set())
            referenced |= found - {overlay}
        for overlay in overlays:
            if overlay not in referenced:
                result.extend(_render(overlay, ctx, "kubectl", problems[overlay], ["kustomize", str(overlay)]))
        return result


def _render(directory: Path, ctx: LoadContext, program: str, problem: str | None, args: list[str]) -> LoadResult:
    what = "Helm chart" if program == "helm" else "Kustomize overlay"
    command = f"{program} {args[0]}"
    shown_dir = ctx.display_path(directory)
    shown = f"<{command}>" if shown_dir == "." else posixpath.join(shown_dir, f"<{command}>")
    executable = shutil.which(program)
    if problem is None and executable is None:
        hint = (f"helm template <release> {shown_dir} | tenet scan -" if program == "helm"
                else f"kubectl kustomize {shown_dir} | tenet scan -")
        problem = f"{program} is not installed (install it, or render it yourself: {hint})"
    text: str | None = None
    if problem is None:
        assert executable is not None
        text, problem = _run([executable, *args], ctx.max_file_bytes)
    if problem is not None or text is None:
        entry = ScanError(path=shown_dir, level=ErrorLevel.WARNING,
                          message=f"{what} not rendered: {problem}; its objects could not be evaluated")
        return LoadResult(errors=[entry], unevaluated=[entry])
    from scanner.sources.kubernetes import load_texts

    return load_texts([(text, shown)])


def _run(command: list[str], limit: int) -> tuple[str | None, str | None]:
    """The program's output, or why there is none. No proxy it could reach, fresh homes, bounded time and
    output."""
    import subprocess

    with tempfile.TemporaryDirectory(prefix="tenet-render-") as home:
        closed = "http://127.0.0.1:9"  # the discard port: any download fails at once
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "HELM_CACHE_HOME": home,
               "HELM_CONFIG_HOME": home, "HELM_DATA_HOME": home, "KUBECONFIG": os.path.join(home, "config"),
               "HTTP_PROXY": closed, "HTTPS_PROXY": closed, "http_proxy": closed, "https_proxy": closed,
               "NO_PROXY": "", "GIT_ALLOW_PROTOCOL": "file", "LANG": "C.UTF-8"}
        out_path = os.path.join(home, "rendered")
        with open(out_path, "wb") as out:
            try:
                done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE,
                                      env=env, cwd=home, timeout=RENDER_TIMEOUT, check=False,
                                      preexec_fn=_limit_output(limit))
            except subprocess.TimeoutExpired:
                return None, f"{os.path.basename(command[0])} ran longer than {RENDER_TIMEOUT:.0f} seconds"
            except OSError as exc:
                return None, f"{os.path.basename(command[0])} could not be run: {exc.strerror or exc}"
        size = os.path.getsize(out_path)
        if done.returncode != 0:
            if size >= limit:
                return None, f"the rendered output is larger than {limit / 1048576:.0f} MiB (the file size limit)"
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = reason[-1][:300] if reason else f"exit status {done.returncode}"
            return None, f"{os.path.basename(command[0])} failed: {detail}"
        with open(out_path, "rb") as rendered:
            try:
                return decode(rendered.read(), "<rendered>"), None
            except InputError as exc:
                return None, f"the rendered output is not text ({exc.error.message})"


def _limit_output(limit: int) -> Any:
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _helm_problem(chart: Path, ctx: LoadContext) -> str | None:
    """Why a chart is not rendered: a file in it that the boundary refuses (a link leading outside)."""
    for path in _files_under(chart):
        refused = ctx.boundary.check(path)
        if refused is not None:
            return f"{ctx.display_path(path)}: {refused.message}"
    return None


def _files_under(directory: Path) -> Iterator[Path]:
    """Every file, and every directory link (walks do not follow them: the boundary judges them)."""
    for root, dirs, names in os.walk(directory):
        yield from (Path(root, name) for name in names)
        yield from (Path(root, d) for d in dirs if os.path.islink(os.path.join(root, d)))


def _kustomize_problem(overlay: Path, ctx: LoadContext, visited: set[Path], stack: set[Path]) -> str | None:
    """Why an overlay is not rendered: a remote base (no network), or a path that leaves the boundary.
    `visited` collects every kustomization directory it builds on."""
    import yaml

    if overlay in stack:
        return f"{ctx.display_path(overlay)} builds on itself"
    visited.add(overlay)
    name = next((n for n in KUSTOMIZATION_NAMES if os.path.lexists(overlay / n)), None)
    if name is None:
        return None  # a plain directory of manifests
    refused = ctx.boundary.check(overlay / name)
    if refused is not None:
        return f"{ctx.display_path(overlay / name)}: {refused.message}"
    try:
        with open(overlay / name, "rb") as handle:
            document = yaml.safe_load(handle.read(ctx.max_file_bytes))
    except (OSError, yaml.YAMLError) as exc:
        return f"{ctx.display_path(overlay / name)} cannot be read: {getattr(exc, 'problem', None) or exc}"
    for reference in _references(document):
        if "://" in reference or reference.startswith(("github.com/", "git@", "gitlab.com/", "bitbucket.org/")) \
                or "?ref=" in reference:
            return f"{ctx.display_path(overlay / name)} names a remote base ({reference}); Tenet reaches no network"
        target = overlay / reference
        if not os.path.lexists(target):
            continue  # kustomize itself says what is missing
        refused = ctx.boundary.directory(target) if os.path.isdir(target) else ctx.boundary.check(target)
        if refused is not None:
            return f"{ctx.display_path(overlay / name)} names {reference}: {refused.message}"
        if os.path.isdir(target):
            inner = _kustomize_problem(Path(os.path.abspath(target)), ctx, visited, stack | {overlay})
            if inner is not None:
                return inner
    return None


def _references(document: Any) -> Iterator[str]:
    if not isinstance(document, dict):
        return
    for key in _PATH_FIELDS:
        for item in document.get(key) or []:
            if isinstance(item, str) and "\n" not in item:
                yield item
            elif isinstance(item, dict) and isinstance(item.get("path"), str):
                yield item["path"]
    for key in _NESTED_PATH_FIELDS:
        for item in document.get(key) or []:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                yield item["path"]
    for key in _GENERATORS:
        for generator in document.get(key) or []:
            if not isinstance(generator, dict):
                continue
            for field in ("files", "envs"):
                for entry in generator.get(field) or []:
                    if isinstance(entry, str):
                        yield entry.partition("=")[2] or entry
            if isinstance(generator.get("env"), str):
                yield generator["env"]
    openapi = document.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield openapi["path"]

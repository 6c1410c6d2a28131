"""Module directories evaluated in worker processes, so that a large repository uses every core.

Each scanned directory is one unit of work. A worker reads it, expands the modules it calls, maps its resources
and judges them (`Judgement`), and sends back what the rules said, its errors, its files and the directories its
modules expand. The parent then picks the roots exactly as a serial run does (`root_order`) and takes their
results in the same order, so the report is the same, byte for byte. A directory that another scanned directory
calls is not known to be one until its callers are read: it is evaluated in its own unit too, and that result is
dropped, as a serial run never makes it.

Workers are forked, so they share the scan's rules, user policies included, without pickling them; where
processes cannot be forked, and for `--download-modules` (one cache, one download of each module), the scan
stays in one process.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.engine.findings import ScanError
from scanner.sources.interface import LoadContext, LoadResult
from scanner.sources.terraform import (
    _expanded_directories,
    _module_errors,
    map_module,
    reached_files,
    root_order,
)
from scanner.sources.terraform.mappings import Mapper, all_mappers
from scanner.sources.terraform.module import Module, ModuleReader

if TYPE_CHECKING:
    from scanner.engine.evaluate import Judgement


@dataclass
class DirectoryResult:
    """One scanned directory, evaluated as a root."""

    directory: Path  # its real path
    files: list[str] = field(default_factory=list)
    reaches: dict[str, set[str]] = field(default_factory=dict)
    # The real directories its modules expand.
    expanded: set[Path] = field(default_factory=set)
    errors: list[ScanError] = field(default_factory=list)
    # Secret texts met reading it and expanding its modules (every directory's count), and then mapping its
    # resources (a root's only).
    read_secrets: set[str] = field(default_factory=set)
    secrets: set[str] = field(default_factory=set)
    judgement: Judgement | None = None
    # Module packages `terraform init` installed, as reports name them (`LoadContext.installed_modules`): the
    # parent locates their findings at the calling module block.
    installed_modules: dict[str, str] = field(default_factory=dict)


# What the workers need, set before they are forked: the scan's context, an empty judgement with its rules, and
# the files named on the command line (as shown).
_scan: tuple[LoadContext, Judgement, set[str]] | None = None


def load_in_workers(directories: Sequence[Path], named: set[str], ctx: LoadContext, judgement: Judgement,
                    warnings: list[ScanError]) -> LoadResult | None:
    """The directories' Terraform, evaluated by up to `ctx.jobs` worker processes; their objects' judgements are
    absorbed into `judgement`, roots in order. None where processes cannot be forked."""
    global _scan
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    workers = min(ctx.jobs, len(directories))
    # A few directories per task: fewer round trips, and still an even share for each worker.
    size = max(1, len(directories) // (workers * 4))
    chunks = [list(directories[i:i + size]) for i in range(0, len(directories), size)]
    _scan = (ctx, judgement.empty(), named)
    # What the workers inherit is never garbage: out of the collector's way, in them and meanwhile here.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_evaluate_all, chunk) for chunk in chunks]
            results: list[DirectoryResult] = []
            for chunk, future in zip(chunks, futures, strict=True):
                try:
                    results.extend(future.result())
                except BrokenProcessPool:  # a worker died (killed, out of memory): what it had not sent is lost
                    results.extend(_failed(d, ctx, None) for d in chunk)
                except Exception as exc:  # its result could not be sent back
                    results.extend(_failed(d, ctx, exc) for d in chunk)
    finally:
        _scan = None
        gc.unfreeze()
    result = LoadResult()
    for unit in results:
        ctx.installed_modules.update(unit.installed_modules)
        result.files.extend(unit.files)
        result.reaches |= unit.reaches
        result.secrets |= unit.read_secrets
    result.errors.extend(warnings)
    for i in root_order([unit.directory for unit in results], [unit.expanded for unit in results]):
        unit = results[i]
        if unit.judgement is not None:
            judgement.absorb(unit.judgement)
        result.errors.extend(unit.errors)
        result.secrets |= unit.secrets
    return result


def _evaluate_all(directories: list[Path]) -> list[DirectoryResult]:
    mappers = all_mappers()
    results = []
    for directory in directories:
        try:
            results.append(_evaluate_one(directory, mappers))
        except Exception as exc:  # a bug must cost this directory, said as an error, never the scan
            assert _scan is not None
            results.append(_failed(directory, _scan[0], exc))
    gc.collect()  # modules are cyclic: free them before the next task, not whenever the collector gets to them
    return results


def _evaluate_one(directory: Path, mappers: dict[str, Mapper]) -> DirectoryResult:
    """What a serial scan does for `directory` when it is a root, in the same order."""
    assert _scan is not None
    ctx, empty, named = _scan
    reader = ModuleReader(ctx)
    module = Module(reader.files(directory), ctx, reader=reader)
    unit = DirectoryResult(directory=directory.resolve(), files=list(module.files.files))
    if named.intersection(module.files.files):
        unit.reaches = reached_files(module.files, named)
    unit.expanded = _expanded_directories(module)
    unit.read_secrets = set(reader.secrets)
    unit.judgement = empty.empty()
    errors = map_module(module, mappers, unit.judgement.add)
    unit.errors = _module_errors(module) + errors
    unit.secrets = set(reader.secrets)
    unit.installed_modules = dict(ctx.installed_modules)
    return unit


def _failed(directory: Path, ctx: LoadContext, exc: BaseException | None) -> DirectoryResult:
    """`exc` None: the worker process evaluating it ended."""
    why = (f"{type(exc).__name__}: {exc}" if exc is not None else
           "its worker process ended unexpectedly (killed, or out of memory?); --jobs 1 scans in one process")
    return DirectoryResult(directory=directory.resolve(), errors=[ScanError(
        path=ctx.display_path(directory), message=f"could not evaluate this module directory: {why}")])

"""The Terraform source: module directories of HCL, evaluated and mapped to the model."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.model import Asset
from scanner.sources.interface import LoadContext, LoadResult
from scanner.sources.terraform import dependents
from scanner.sources.terraform.hcl_view import HclView
from scanner.sources.terraform.mappings import Mapper, all_mappers
from scanner.sources.terraform.module import Declared, Module, ModuleFiles, ModuleReader
from scanner.sources.terraform.view import ResourceIndex, ResourceView


def map_module(module: Module, mappers: dict[str, Mapper], emit: Callable[[list[Asset]], None]) -> list[ScanError]:
    """The module's resources and those of every module it calls, each mapped in its own module's context; each
    resource's model objects are handed to `emit` as soon as they are made. A root module's resource blocks are
    released once mapped (a called module's are kept: its other instances read them too)."""
    resources = list(module.resources.values())
    for declared in resources:  # every instance first, in order: counts and for_each may read each other
        module.instances(declared)
    ctx = _ModuleIndex(module)
    errors: list[ScanError] = []
    for declared in resources:
        mapper = mappers.get(declared.block.labels[0])
        if mapper is not None:
            for view in _views(module, declared):
                made: list[Asset] = []
                try:
                    made.extend(mapper(view, ctx))
                except Exception as exc:  # one resource's surprise must not lose the module
                    loc = view.origin.location
                    errors.append(ScanError(path=loc.path if loc else None, line=loc.start_line if loc else None,
                                            message=f"could not map {view.address}: {type(exc).__name__}: {exc}"))
                emit(made)
        if module.depth == 0:
            declared.block.release()
    for _, _, child in module.children():
        errors.extend(map_module(child, mappers, emit))
    return errors


def _views(module: Module, declared: Declared) -> list[HclView]:
    instances = module.instances(declared)
    return [HclView.of_instance(i, module.multiplicity * len(instances)) for i in instances]


class _ModuleIndex(ResourceIndex):
    """A module's resources by type, their views made when a mapper first asks for the type."""

    def __init__(self, module: Module) -> None:
        super().__init__(())
        self._module = module

    def resources(self, resource_type: str) -> Sequence[ResourceView]:
        views = self._by_type.get(resource_type)
        if views is None:
            views = self._by_type[resource_type] = [
                view for declared in self._module.resources.values() if declared.block.labels[0] == resource_type
                for view in _views(self._module, declared)]
        return views


def _module_errors(module: Module) -> list[ScanError]:
    """Errors of the module and of every module it calls; a directory's parse errors once."""
    seen: set[tuple[str | None, int | None, str]] = set()
    found: list[ScanError] = []
    stack = [module]
    while stack:
        m = stack.pop()
        for e in m.errors:
            if (e.path, e.line, e.message) not in seen:
                seen.add((e.path, e.line, e.message))
                found.append(e)
        stack.extend(child for _, _, child in m.children())
    return found


def root_order(directories: Sequence[Path], expanded: Sequence[set[Path]]) -> list[int]:
    """Which of the scanned directories (real paths, with the directories each one's modules expand) to evaluate
    as roots, in order: every one, except a directory that a root already expands with its real inputs. A
    directory never hides itself (a self-call or a cycle is an error, not expanded), so its own resources are
    always evaluated."""
    roots: list[int] = []
    covered: set[Path] = set()
    called_by_other: dict[Path, set[Path]] = {}
    for own, reached in zip(directories, expanded, strict=True):
        for d in reached:
            if d != own:
                called_by_other.setdefault(d, set()).add(own)
    # First those nothing else calls, then (in a cycle of scanned directories) the first not yet covered.
    ordered = sorted(range(len(directories)), key=lambda i: (directories[i] in called_by_other,))
    for i in ordered:
        if directories[i] in covered:
            continue
        roots.append(i)
        covered.add(directories[i])
        covered |= expanded[i]
    return roots


def _expanded_directories(module: Module) -> set[Path]:
    found: set[Path] = set()
    stack = [module]
    while stack:
        m = stack.pop()
        for _, _, child in m.children():
            found.add(child.files.directory.resolve())
            stack.append(child)
    return found


def reached_files(files: ModuleFiles, named: set[str]) -> dict[str, set[str]]:
    """For each named file of the module (as shown), the module's other files whose values depend on it: their
    findings are its findings too."""
    table = {path: (dependents.declared(body), dependents.references(body)) for path, body in files.bodies}
    reached: dict[str, set[str]] = {}
    for path in table.keys() & named:
        reached[path] = dependents.dependents({path: table[path][0]}, table)
    for path, body in files.tfvars:
        if path in named:
            reached[path] = dependents.dependents({path: dependents.set_by_tfvars(body)}, table)
    return reached


# Module directories, and bytes of Terraform in them, a scan must have before the directories are evaluated in
# worker processes (scanner/sources/terraform/parallel.py): below either, starting the workers costs more than
# they save (a pre-commit run stays in one process).
PARALLEL_DIRECTORIES = 16
PARALLEL_BYTES = 256 * 1024


def _size(files: Sequence[Path]) -> int:
    """The files' sizes as listed (a link's own): what is read is the boundary's to say, when it is read."""
    return sum(os.lstat(f).st_size for f in files if os.path.lexists(f))


class TerraformSource:
    name = "terraform"

    def claims(self, path: Path) -> bool:
        return path.suffix in (".tf", ".tfvars") or path.name.endswith((".tf.json", ".tfvars.json"))

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        directories = sorted({f.parent for f in files})
        named = {ctx.display_path(f) for f in files if Path(os.path.abspath(f)) in ctx.named}
        if ctx.judgement is not None and ctx.jobs > 1 and len(directories) >= PARALLEL_DIRECTORIES \
                and not ctx.download_modules and _size(files) >= PARALLEL_BYTES:
            from scanner.sources.terraform.parallel import load_in_workers

            loaded = load_in_workers(directories, named, ctx, ctx.judgement, self._var_file_warnings(files, named, ctx))
            if loaded is not None:
                return loaded
        result = LoadResult()
        mappers = all_mappers()
        reader = ModuleReader(ctx)
        modules = [Module(reader.files(d), ctx, reader=reader) for d in directories]
        for module in modules:
            result.files.extend(module.files.files)
            if named.intersection(module.files.files):
                result.reaches |= reached_files(module.files, named)
        result.errors.extend(self._var_file_warnings(files, named, ctx))
        expanded = [_expanded_directories(module) for module in modules]
        # The others are evaluated as part of their callers, with real inputs.
        for i in root_order([m.files.directory.resolve() for m in modules], expanded):
            errors = map_module(modules[i], mappers, partial(ctx.emit, result=result))
            result.errors.extend(_module_errors(modules[i]) + errors)
        result.secrets |= reader.secrets
        return result

    @staticmethod
    def _var_file_warnings(files: Sequence[Path], named: set[str], ctx: LoadContext) -> list[ScanError]:
        warnings: list[ScanError] = []
        # A named .tfvars file Terraform would not read by itself (pre-commit hands in `prod.tfvars`): say so.
        var_files = {ctx.display_path(v) for v in ctx.var_files}
        for f in sorted(f for f in files if f.suffix == ".tfvars" and ctx.display_path(f) in named):
            if f.name != "terraform.tfvars" and not f.name.endswith(".auto.tfvars") \
                    and ctx.display_path(f) not in var_files:
                warnings.append(ScanError(
                    path=ctx.display_path(f), level=ErrorLevel.WARNING,
                    message="Terraform reads this file only when given with -var-file; its values are not used here "
                            "(scan its module with --var-file to evaluate them)"))
        return warnings

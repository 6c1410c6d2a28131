"""The Terraform source: module directories of HCL, evaluated and mapped to the model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.model import Asset
from scanner.sources.interface import LoadContext, LoadResult
from scanner.sources.terraform.hcl_view import HclView
from scanner.sources.terraform.mappings import Mapper, all_mappers
from scanner.sources.terraform.module import Module, ModuleReader
from scanner.sources.terraform.view import ResourceIndex


def map_module(module: Module, mappers: dict[str, Mapper]) -> tuple[list[Asset], list[ScanError]]:
    """The module's resources and those of every module it calls, each mapped in its own module's context."""
    views: list[HclView] = []
    for declared in module.resources.values():
        instances = module.instances(declared)
        views.extend(HclView.of_instance(i, module.multiplicity * len(instances)) for i in instances)
    ctx = ResourceIndex(views)
    assets: list[Asset] = []
    errors: list[ScanError] = []
    for view in views:
        mapper = mappers.get(view.type)
        if mapper is None:
            continue
        try:
            assets.extend(mapper(view, ctx))
        except Exception as exc:  # one resource's surprise must not lose the module
            loc = view.origin.location
            errors.append(ScanError(path=loc.path if loc else None, line=loc.start_line if loc else None,
                                    message=f"could not map {view.address}: {type(exc).__name__}: {exc}"))
    for _, _, child in module.children():
        child_assets, child_errors = map_module(child, mappers)
        assets.extend(child_assets)
        errors.extend(child_errors)
    return assets, errors


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


def _called_directories(modules: Sequence[Module]) -> set[Path]:
    """Directories that scanned modules call: they are scanned through their callers, with real inputs."""
    called: set[Path] = set()
    stack = list(modules)
    while stack:
        m = stack.pop()
        for _, _, child in m.children():
            called.add(child.files.directory.resolve())
            stack.append(child)
    return called


class TerraformSource:
    name = "terraform"

    def claims(self, path: Path) -> bool:
        return path.suffix in (".tf", ".tfvars") or path.name.endswith((".tf.json", ".tfvars.json"))

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        result = LoadResult()
        # Terraform's JSON syntax is not read: say so rather than report a clean file.
        for f in (f for f in files if f.suffix == ".json"):
            result.errors.append(ScanError(path=ctx.display_path(f), level=ErrorLevel.WARNING,
                                           message="Terraform JSON syntax is not supported; this file is not scanned"))
        files = [f for f in files if f.suffix != ".json"]
        mappers = all_mappers()
        reader = ModuleReader(ctx)
        modules = [Module(reader.files(d), ctx, reader=reader) for d in sorted({f.parent for f in files})]
        called = _called_directories(modules)
        for module in modules:
            result.files.extend(module.files.files)
            if module.files.directory.resolve() in called:
                continue  # evaluated as part of its caller, with the caller's inputs
            assets, errors = map_module(module, mappers)
            result.assets.extend(assets)
            result.errors.extend(_module_errors(module) + errors)
        result.secrets |= reader.secrets
        return result

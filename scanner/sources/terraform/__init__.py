"""The Terraform source: module directories of HCL, evaluated and mapped to the model."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.model import Asset
from scanner.sources.interface import LoadContext, LoadResult
from scanner.sources.terraform.hcl_view import HclView
from scanner.sources.terraform.mappings import Mapper, all_mappers
from scanner.sources.terraform.module import Module, read_module
from scanner.sources.terraform.view import ResourceView


class ModuleContext:
    """`MappingContext` over one module's resource instances."""

    def __init__(self, views: Sequence[HclView]) -> None:
        self._by_type: dict[str, list[HclView]] = {}
        for v in views:
            self._by_type.setdefault(v.type, []).append(v)

    def resources(self, resource_type: str) -> Sequence[ResourceView]:
        return self._by_type.get(resource_type, [])

    def referring(self, resource_type: str, attr: str, target: ResourceView) -> Sequence[ResourceView]:
        target_base = target.address.split("[", 1)[0]
        names = {target.get(a) for a in ("name", "bucket", "id")}
        names = {n for n in names if isinstance(n, str)}
        found: list[ResourceView] = []
        for view in self._by_type.get(resource_type, []):
            ref = view.reference(attr)
            if ref is not None:
                if ref == target_base:
                    found.append(view)
            elif isinstance(value := view.get(attr), str) and value in names:
                found.append(view)
        return found


def map_module(module: Module, mappers: dict[str, Mapper]) -> tuple[list[Asset], list[ScanError]]:
    views = [
        HclView.of_instance(instance)
        for (resource_type, _), declared in module.resources.items()
        for instance in module.instances(declared)
    ]
    ctx = ModuleContext(views)
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
    return assets, errors


def _module_warnings(module: Module) -> list[ScanError]:
    """Module calls are not expanded yet: say so, and say when the source is missing."""
    warnings = []
    for name, declared in module.module_calls.items():
        source_attr = declared.block.body.attributes.get("source")
        source = module.evaluate(source_attr.expr, declared.path) if source_attr else None
        line = declared.block.range.start_line
        if isinstance(source, str) and source.startswith(("./", "../")):
            target = module.files.directory / source
            if not target.is_dir():
                warnings.append(ScanError(path=declared.path, line=line, level=ErrorLevel.WARNING,
                                          message=f"module {name!r}: source {source!r} not found; "
                                                  f"its resources are not scanned"))
    return warnings


class TerraformSource:
    name = "terraform"

    def claims(self, path: Path) -> bool:
        return path.suffix in (".tf", ".tfvars")

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        result = LoadResult()
        mappers = all_mappers()
        for directory in sorted({f.parent for f in files}):
            module = Module(read_module(directory, ctx), ctx)
            assets, errors = map_module(module, mappers)
            result.assets.extend(assets)
            result.errors.extend(module.errors + errors + _module_warnings(module))
            result.files.extend(module.files.files)
        return result

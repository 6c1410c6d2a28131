"""Provider mappings: one function per Terraform resource type, from `ResourceView` to model objects.

To cover a new resource type, add a function to the provider's module and
list it in that module's `MAPPERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scanner.model import Asset
from scanner.sources.terraform.view import MappingContext, ResourceView

Mapper = Callable[[ResourceView, MappingContext], Iterable[Asset]]


def all_mappers() -> dict[str, Mapper]:
    from scanner.sources.terraform.mappings import aws, azure, gcp

    return {**aws.MAPPERS, **azure.MAPPERS, **gcp.MAPPERS}

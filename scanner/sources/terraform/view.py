"""What provider mappings read: a Terraform resource (or nested block), whatever it was parsed from.

HCL modules and plan JSON both implement `ResourceView`, so each resource
type is mapped to the model once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from scanner.model import Origin
from scanner.providers.values import as_bool, as_int, string_list

__all__ = ["MappingContext", "ResourceIndex", "ResourceView", "as_bool", "as_int", "string_list"]


class ResourceView(Protocol):
    """A resource instance, or one of its nested blocks."""

    @property
    def type(self) -> str:
        """The resource type (`aws_security_group`), or the block type (`ingress`) for nested blocks."""
        ...

    @property
    def address(self) -> str:
        """The full Terraform address: `module.app.aws_security_group.web[0]`."""
        ...

    @property
    def origin(self) -> Origin:
        """Where the resource or block is; for nested blocks, narrowed to the block."""
        ...

    def get(self, attr: str, default: Any = None) -> Any:
        """The attribute's value: str, int, float, bool, None, list, dict or `Unknown`.

        An attribute that is not set gives `default`; one that cannot be resolved
        gives an `Unknown` (never a guess). Policy documents may come as a str
        (JSON), a dict, or an object with a `.value` dict (jsonencode with unknowns).
        """
        ...

    def has(self, attr: str) -> bool:
        """Whether the attribute is set in the configuration."""
        ...

    def blocks(self, block_type: str) -> Sequence[ResourceView]:
        """Nested blocks of that type, `dynamic` blocks expanded, in source order."""
        ...

    def origin_of(self, attr: str) -> Origin:
        """The attribute's own location, or the block's when it is not set."""
        ...

    def reference(self, attr: str) -> str | None:
        """The address (`type.name`) of the resource the attribute refers to, if it does."""
        ...

    def all_references(self, attr: str) -> list[str]:
        """The addresses of every resource the attribute refers to (a list of security group ids …)."""
        ...

    def statement_origins(self, attr: str) -> list[Origin] | None:
        """For a policy-document attribute: each statement's own origin, when the source shows them
        (`jsonencode({Statement = [...]})`, or a `data "aws_iam_policy_document"`'s statement blocks)."""
        ...


class MappingContext(Protocol):
    """The rest of the module, for resources that attach to others (rules to groups…)."""

    def resources(self, resource_type: str) -> Sequence[ResourceView]:
        ...

    def referring(self, resource_type: str, attr: str, target: ResourceView) -> Sequence[ResourceView]:
        """Resources of `resource_type` whose `attr` refers to `target`, by reference or by name."""
        ...


_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]$')


def resource_base(address: str) -> str:
    """The address without the resource's own instance key: `module.sg["a"].aws_security_group.this[0]` is
    `module.sg["a"].aws_security_group.this`. A module's key stays: it is part of which resource this is."""
    return _INSTANCE_KEY.sub("", address)


class ResourceIndex:
    """`MappingContext` over a module's (or a plan's) resource instances."""

    def __init__(self, views: Sequence[ResourceView]) -> None:
        self._by_type: dict[str, Sequence[ResourceView]] = {}
        by_type: dict[str, list[ResourceView]] = {}
        for v in views:
            by_type.setdefault(v.type, []).append(v)
        self._by_type.update(by_type)

    def resources(self, resource_type: str) -> Sequence[ResourceView]:
        return self._by_type.get(resource_type, [])

    def referring(self, resource_type: str, attr: str, target: ResourceView) -> Sequence[ResourceView]:
        target_base = resource_base(target.address)
        names = {n for n in (target.get(a) for a in ("name", "bucket", "id")) if isinstance(n, str)}
        found: list[ResourceView] = []
        for view in self.resources(resource_type):
            ref = view.reference(attr)
            if ref is not None:
                if ref == target_base:
                    found.append(view)
            elif isinstance(value := view.get(attr), str) and value in names:
                found.append(view)
        return found


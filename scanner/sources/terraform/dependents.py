"""Which files of a module a changed file's values reach.

pre-commit hands Tenet only the files that changed. A finding is located where its resource is, but the value
that causes it may be set anywhere in the module: a variable's default or a `.tfvars` value, a local, a data
source, another resource's attribute. So a file handed in reports its own findings and those of every file of
its module that reads (directly, or through another such file) something it declares or sets.

The references are read from the syntax, without evaluating anything; a reference whose target cannot be told
apart (`data.<type>` without its name, a bare root) counts as reading every declaration it could mean.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from scanner.sources.terraform.hcl import Body, GetAttr, Range, Variable

# A declaration or a reference: (root, name); `data` is keyed by type, a bare root has name None.
Name = tuple[str, str | None]
_ROOTS = {"variable": "var", "module": "module"}


def declared(body: Body) -> set[Name]:
    """What a .tf file declares, as other files refer to it."""
    names: set[Name] = set()
    for block in body.blocks:
        labels = block.labels
        if block.type == "locals":
            names |= {("local", name) for name in block.body.attributes}
        elif block.type in _ROOTS and len(labels) == 1:
            names.add((_ROOTS[block.type], labels[0]))
        elif block.type == "data" and len(labels) == 2:
            names.add(("data", labels[0]))
        elif block.type == "resource" and len(labels) == 2:
            names.add((labels[0], labels[1]))
    return names


def set_by_tfvars(body: Body) -> set[Name]:
    """The variables a .tfvars file sets."""
    return {("var", name) for name in body.attributes}


def references(body: Body) -> set[Name]:
    """Every `root.name` the file's expressions read."""
    found: set[Name] = set()
    for node, parent in _walk(body):
        if isinstance(node, Variable):
            name = parent.name if isinstance(parent, GetAttr) and parent.obj is node else None
            found.add((node.name, name))
    return found


def dependents(changed: dict[str, set[Name]], files: dict[str, tuple[set[Name], set[Name]]]) -> set[str]:
    """The files (of `files`: path -> (declared, referenced)) that read what `changed` (path -> names) declares
    or sets, transitively: a file that reads a changed value changes what it declares too."""
    names = set().union(*changed.values()) if changed else set()
    affected: set[str] = set(changed)
    grown = True
    while grown:
        grown = False
        for path, (declares, reads) in files.items():
            if path not in affected and _reads_any(reads, names):
                affected.add(path)
                names |= declares
                grown = True
    return affected - set(changed)


def _reads_any(reads: set[Name], names: set[Name]) -> bool:
    if reads & names:
        return True
    roots = {root for root, name in reads if name is None}
    return any(root in roots for root, _ in names)


def _walk(node: Any, parent: Any = None) -> Iterator[tuple[Any, Any]]:
    stack: list[tuple[Any, Any]] = [(node, parent)]
    while stack:
        current, above = stack.pop()
        yield current, above
        if isinstance(current, dict):
            stack.extend((v, above) for v in current.values())
        elif isinstance(current, list | tuple):
            stack.extend((v, above) for v in current)
        elif dataclasses.is_dataclass(current) and not isinstance(current, type | Range):
            stack.extend((getattr(current, f.name), current) for f in dataclasses.fields(current))

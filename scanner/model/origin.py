"""Where a model object came from: a file region (IaC) or a cloud resource (live)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from scanner._compat import StrEnum

# One set object per distinct combination of fields set: a large scan holds millions of model objects, and
# pydantic gives each its own `model_fields_set` (a 5-name set is 728 bytes, most of a Location).
_FIELD_SETS: dict[frozenset[str], set[str]] = {}
_FIELD_SETS_LOCK = threading.Lock()


def _share_fields_set(model: BaseModel) -> None:
    fields = model.__pydantic_fields_set__
    key = frozenset(fields)
    shared = _FIELD_SETS.get(key)
    if shared is None:
        with _FIELD_SETS_LOCK:
            shared = _FIELD_SETS.setdefault(key, fields)
    if shared is not fields:
        object.__setattr__(model, "__pydantic_fields_set__", shared)


class Compact(BaseModel):
    """A frozen model whose fields-set is shared with every instance that set the same fields.

    Safe because frozen models never change theirs in place: pydantic's `model_copy` copies it before
    adding the updated names (and the copy is shared again here).
    """

    model_config = ConfigDict(frozen=True)

    def model_post_init(self, context: Any, /) -> None:
        _share_fields_set(self)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        copied = super().model_copy(update=update, deep=deep)
        _share_fields_set(copied)
        return copied


class SourceKind(StrEnum):
    TERRAFORM = "terraform"
    TERRAFORM_PLAN = "terraform-plan"
    TERRAFORM_STATE = "terraform-state"
    KUBERNETES = "kubernetes"
    AWS = "aws"
    AZURE = "azure"
    GCP = "gcp"


class Location(Compact):
    """A region of a file. Lines and columns are 1-based; `end_column` is exclusive."""

    model_config = ConfigDict(frozen=True)

    path: str
    start_line: int
    end_line: int
    start_column: int = 1
    end_column: int | None = None


class Origin(Compact):
    """The source of a model object, as precise as the source allows.

    `resource` is the Terraform address, `Kind/namespace/name` or the cloud
    resource ID. `anchor` names the part of the resource (for example
    `ingress[1]` or a rule name) so that fingerprints survive line shifts.
    """

    model_config = ConfigDict(frozen=True)

    source: SourceKind
    resource: str
    resource_type: str
    location: Location | None = None
    # The whole resource block or manifest, when `location` is a part of it.
    resource_location: Location | None = None
    anchor: str = ""
    # The calling module block, for resources inside Terraform modules.
    module_call: Location | None = None
    # Every call that leads to the resource, outermost first (the last is `module_call`).
    module_chain: tuple[Location, ...] = ()
    account: str | None = None
    region: str | None = None
    # The cloud resource's tags (key, value), where the API that read it returns them: mute entries match them.
    tags: tuple[tuple[str, str], ...] = ()

    def at(self, location: Location | None, anchor: str | None = None) -> Origin:
        """The same resource, narrowed to a more specific region."""
        update: dict[str, object] = {}
        if location is not None:
            update["location"] = location
            if self.resource_location is None:
                update["resource_location"] = self.location
        if anchor is not None:
            update["anchor"] = f"{self.anchor}.{anchor}" if self.anchor else anchor
        return self.model_copy(update=update) if update else self

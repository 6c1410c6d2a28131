"""Where a model object came from: a file region (IaC) or a cloud resource (live)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from scanner._compat import StrEnum


class SourceKind(StrEnum):
    TERRAFORM = "terraform"
    TERRAFORM_PLAN = "terraform-plan"
    KUBERNETES = "kubernetes"
    AWS = "aws"
    AZURE = "azure"
    GCP = "gcp"


class Location(BaseModel):
    """A region of a file. Lines and columns are 1-based; `end_column` is exclusive."""

    model_config = ConfigDict(frozen=True)

    path: str
    start_line: int
    end_line: int
    start_column: int = 1
    end_column: int | None = None


class Origin(BaseModel):
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

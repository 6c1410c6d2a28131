"""The base of every model object: an origin, and optionally per-field origins."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from scanner.model.origin import Compact, Origin


class Located(Compact):
    """A model object that remembers where it, and each of its fields, came from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    origin: Origin
    # Origins of single attributes (for example `min_tls_version = "TLS1_0"`),
    # so a finding points at the attribute rather than the whole resource.
    field_origins: dict[str, Origin] = Field(default_factory=dict)

    def origin_of(self, field: str) -> Origin:
        return self.field_origins.get(field, self.origin)

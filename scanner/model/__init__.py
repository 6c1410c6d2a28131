"""The provider-neutral model every source is adapted into and every rule reads."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from scanner.model.access import NARROWING_CONDITION_KEYS, AccessGrant, GrantKind, Scope, is_public_principal
from scanner.model.base import Located
from scanner.model.network import (
    Access,
    Direction,
    Firewall,
    NetworkRule,
    Peer,
    PeerKind,
    PortRange,
    PortSet,
    normalize_protocol,
)
from scanner.model.origin import Location, Origin, SourceKind
from scanner.model.storage import DataStore, KeyManagement
from scanner.model.tls import TlsEndpoint, TlsVersion
from scanner.model.unknown import CannotEvaluate, Unknown, known

Asset = Annotated[Firewall | TlsEndpoint | DataStore | AccessGrant, Field(discriminator="asset_type")]


class Inventory(BaseModel):
    """Everything collected from a source: what rules run over, and what snapshots save."""

    assets: list[Asset] = Field(default_factory=list)


__all__ = [
    "NARROWING_CONDITION_KEYS",
    "Access",
    "AccessGrant",
    "Asset",
    "CannotEvaluate",
    "DataStore",
    "Direction",
    "Firewall",
    "GrantKind",
    "Inventory",
    "KeyManagement",
    "Located",
    "Location",
    "NetworkRule",
    "Origin",
    "Peer",
    "PeerKind",
    "PortRange",
    "PortSet",
    "Scope",
    "SourceKind",
    "TlsEndpoint",
    "TlsVersion",
    "Unknown",
    "is_public_principal",
    "known",
    "normalize_protocol",
]

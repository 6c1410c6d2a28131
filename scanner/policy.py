"""The stable import surface for policies written outside Tenet (docs/custom-policies.md).

A user rule imports from here and nothing else of Tenet's:

    from scanner.policy import Firewall, RuleParams, Violation, rule

Everything listed in `__all__` keeps its name and meaning across minor releases; a change that
breaks a rule written against it is a major release. Nothing else in `scanner` or `policies` is
promised to stay where it is. This module only re-exports: the rules Tenet ships use the same objects.
"""

from __future__ import annotations

from policies._support import Deferred
from scanner.engine.params import RuleParams
from scanner.engine.registry import Violation, rule
from scanner.model import (
    Access,
    AccessGrant,
    CannotEvaluate,
    DataStore,
    Direction,
    Firewall,
    KeyManagement,
    NetworkRule,
    Origin,
    Peer,
    PeerKind,
    PortRange,
    PortSet,
    TlsEndpoint,
    TlsVersion,
    Unknown,
    known,
)
from scanner.model.addresses import covers_internet, is_private

__all__ = [
    "Access",
    "AccessGrant",
    "CannotEvaluate",
    "DataStore",
    "Deferred",
    "Direction",
    "Firewall",
    "KeyManagement",
    "NetworkRule",
    "Origin",
    "Peer",
    "PeerKind",
    "PortRange",
    "PortSet",
    "RuleParams",
    "TlsEndpoint",
    "TlsVersion",
    "Unknown",
    "Violation",
    "covers_internet",
    "is_private",
    "known",
    "rule",
]

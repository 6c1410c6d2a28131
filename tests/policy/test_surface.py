"""`scanner.policy` is a promise: the names user rules import, no more, no fewer, and the very objects Tenet uses."""

from __future__ import annotations

import scanner.policy as policy
from policies._support import Deferred
from scanner.engine.params import RuleParams
from scanner.engine.registry import Violation, rule
from scanner.model import Firewall, Unknown, known
from scanner.model.addresses import covers_internet, is_private

PROMISED = {
    "rule", "Violation", "RuleParams", "Deferred", "known",
    "Firewall", "NetworkRule", "Peer", "PeerKind", "PortSet", "PortRange", "Direction", "Access",
    "TlsEndpoint", "TlsVersion", "DataStore", "KeyManagement", "AccessGrant", "Unknown", "CannotEvaluate", "Origin",
    "covers_internet", "is_private",
}


def test_the_surface_is_exactly_the_promised_names() -> None:
    assert set(policy.__all__) == PROMISED
    assert len(policy.__all__) == len(PROMISED)
    public = {name for name in vars(policy) if not name.startswith("_") and name != "annotations"}
    assert public == PROMISED  # nothing importable by accident


def test_the_surface_re_exports_tenets_own_objects() -> None:
    assert policy.rule is rule and policy.Violation is Violation and policy.RuleParams is RuleParams
    assert policy.Deferred is Deferred and policy.known is known and policy.Unknown is Unknown
    assert policy.Firewall is Firewall
    assert policy.covers_internet is covers_internet and policy.is_private is is_private

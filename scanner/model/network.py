"""Network reachability: firewalls and their rules, provider-neutral.

AWS security groups, Azure NSGs, GCP firewalls and Kubernetes Services all
become a `Firewall` holding `NetworkRule`s.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Literal

from pydantic import ConfigDict, field_validator

from scanner._compat import StrEnum
from scanner.model.addresses import (
    ALL_V4,
    ALL_V6,
    PRIVATE_V4,
    PRIVATE_V6,
    IPNetwork,
    parse_network,
    parse_range,
    subtract,
)
from scanner.model.base import Located
from scanner.model.origin import Compact, Origin
from scanner.model.unknown import Unknown


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class Access(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


class PortRange(Compact):
    model_config = ConfigDict(frozen=True)

    start: int
    end: int

    @field_validator("start", "end")
    @classmethod
    def _in_range(cls, v: int) -> int:
        if not 0 <= v <= 65535:
            raise ValueError(f"port {v} is outside 0-65535")
        return v

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"


class PortSet(Compact):
    """A set of ports as sorted, disjoint ranges."""

    model_config = ConfigDict(frozen=True)

    ranges: tuple[PortRange, ...]

    @classmethod
    def of(cls, *spans: tuple[int, int]) -> PortSet:
        merged: list[list[int]] = []
        for start, end in sorted((min(s, e), max(s, e)) for s, e in spans):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(ranges=tuple(PortRange(start=s, end=e) for s, e in merged))

    @classmethod
    def all(cls) -> PortSet:
        return cls.of((0, 65535))

    @classmethod
    def ports(cls, *ports: int) -> PortSet:
        return cls.of(*((p, p) for p in ports))

    @property
    def is_all(self) -> bool:
        return self.covers(PortSet.of((1, 65535)))

    @property
    def is_empty(self) -> bool:
        return not self.ranges

    def intersection(self, other: PortSet) -> PortSet:
        spans = [
            (max(a.start, b.start), min(a.end, b.end))
            for a in self.ranges
            for b in other.ranges
            if max(a.start, b.start) <= min(a.end, b.end)
        ]
        return PortSet.of(*spans)

    def overlaps(self, other: PortSet) -> bool:
        return not self.intersection(other).is_empty

    def covers(self, other: PortSet) -> bool:
        return self.intersection(other) == other

    def __str__(self) -> str:
        if self.is_all:
            return "all ports"
        return ", ".join(str(r) for r in self.ranges)


class PeerKind(StrEnum):
    NETWORK = "network"  # a CIDR or address
    RANGE = "range"  # an inclusive address range `start-end` (Azure database and cache firewall rules)
    TAG = "tag"  # a provider service tag: Azure `Internet`, `*`, `VirtualNetwork`
    GROUP = "group"  # another security group, a prefix list, GCP source tags


# Service tags that mean "any address"; compared case-insensitively.
_ANY_TAGS = frozenset({"*", "any", "all"})
# Azure tags for "outside the virtual network": public space. `AzureCloud` is
# every Azure customer's address space, which is the internet in practice; so is
# `GoogleCloud`, every Compute Engine public address (GKE's gcp_public_cidrs_access_enabled).
_PUBLIC_TAGS = frozenset({"internet", "azurecloud", "googlecloud"})
_PRIVATE_TAGS = frozenset({"virtualnetwork", "vnet"})
_AZURE_LB = ipaddress.IPv4Network("168.63.129.16/32")


class Peer(Compact):
    """The other side of a rule: where traffic comes from (ingress) or goes to (egress)."""

    model_config = ConfigDict(frozen=True)

    kind: PeerKind
    value: str
    # How findings show the peer where its value does not say what it means: Azure's
    # `0.0.0.0`-`0.0.0.0` is "all Azure services" (the AzureCloud tag), not one address.
    label: str | None = None
    # Addresses carved out of the peer: a Kubernetes NetworkPolicy ipBlock's `except`.
    excluded: tuple[str, ...] = ()

    @classmethod
    def address_or_tag(cls, text: str) -> Peer:
        """A CIDR when `text` parses as one, otherwise a service tag."""
        kind = PeerKind.NETWORK if parse_network(text) is not None else PeerKind.TAG
        return cls(kind=kind, value=text.strip())

    @classmethod
    def ip_range(cls, start: str, end: str) -> Peer:
        """An inclusive range of addresses; its address space is the CIDR blocks it spans."""
        return cls(kind=PeerKind.RANGE, value=f"{start.strip()}-{end.strip()}")

    @property
    def is_address_space(self) -> bool:
        """Written as addresses (a CIDR or a range), not a tag or a group."""
        return self.kind in (PeerKind.NETWORK, PeerKind.RANGE)

    @classmethod
    def group(cls, ref: str) -> Peer:
        return cls(kind=PeerKind.GROUP, value=ref)

    def networks(self) -> list[IPNetwork]:
        """The address space this peer stands for; empty for group references."""
        networks = list(_peer_networks(self.kind, self.value))
        if self.excluded:
            networks = subtract(networks, [n for e in self.excluded if (n := parse_network(e)) is not None])
        return networks

    def __str__(self) -> str:
        if self.label:
            return self.label
        return f"{self.value} except {', '.join(self.excluded)}" if self.excluded else self.value


@lru_cache(maxsize=4096)
def _peer_networks(kind: PeerKind, value: str) -> tuple[IPNetwork, ...]:
    if kind is PeerKind.NETWORK:
        net = parse_network(value)
        return (net,) if net is not None else ()
    if kind is PeerKind.RANGE:
        start, _, end = value.partition("-")
        return tuple(parse_range(start, end) or ())
    if kind is PeerKind.TAG:
        base = value.split(".", 1)[0].lower()  # regional tags: AzureCloud.WestEurope
        if value.lower() in _ANY_TAGS:
            return (ALL_V4, ALL_V6)
        if base in _PUBLIC_TAGS:
            return tuple(subtract([ALL_V4, ALL_V6], [*PRIVATE_V4, *PRIVATE_V6]))
        if base in _PRIVATE_TAGS:
            return (*PRIVATE_V4, *PRIVATE_V6)
        if base == "azureloadbalancer":
            return (_AZURE_LB,)
    return ()


Protocol = str  # "all", "tcp", "udp", "icmp", "icmpv6" or an IANA protocol number


def normalize_protocol(value: str | int) -> Protocol:
    text = str(value).strip().lower()
    return {
        "-1": "all",
        "*": "all",
        "any": "all",
        "all": "all",
        "6": "tcp",
        "17": "udp",
        "1": "icmp",
        "58": "icmpv6",
    }.get(text, text)


def protocol_carries_ports(protocol: Protocol) -> bool:
    return protocol in ("all", "tcp", "udp", "sctp")


class NetworkRule(Located):
    """One allow or deny rule. `ports` are destination ports; `peers` the remote side.

    `ports` are what the rule opens whatever its `protocol`: "any protocol" (Azure `*`) widens the
    protocols only, so `*` on 443 opens 443. Where a provider ignores the ports of an all-protocol
    rule (AWS `-1`), its source states every port.
    """

    name: str | None = None
    direction: Direction | Unknown
    access: Access | Unknown = Access.ALLOW
    protocol: Protocol | Unknown
    ports: PortSet | Unknown
    peers: list[Peer | Unknown] | Unknown
    # Lower numbers are evaluated first (Azure, GCP); None where order does not matter.
    priority: int | Unknown | None = None


class Firewall(Located):
    """A set of rules evaluated together: a security group, an NSG, a firewall, a network ACL, a
    Service, or the allowed sources of a managed control-plane endpoint."""

    asset_type: Literal["firewall"] = "firewall"
    name: str
    # `union`: every allow rule opens traffic (AWS security groups, Kubernetes).
    # `priority`: the rule with the lowest priority number that matches decides, first match wins
    # (Azure NSGs, GCP firewalls, AWS network ACLs by rule number).
    ordering: Literal["union", "priority"] = "union"
    rules: list[NetworkRule]
    # A stateless filter (AWS network ACL) passes replies only through rules of their own, so its
    # egress rules carry the return traffic of every inbound connection: they are not an egress policy.
    stateless: bool = False
    # The endpoint of a managed control plane (the EKS, GKE or AKS cluster API): whatever it opens
    # is administrative, whichever port it listens on.
    control_plane: bool = False

    @classmethod
    def control_plane_endpoint(cls, *, origin: Origin, name: str, sources: list[Peer | Unknown] | Unknown,
                               sources_origin: Origin | None = None, port: int = 443) -> Firewall:
        """A cluster API reachable from `sources` (authorized networks, public access CIDRs); build one
        only when the endpoint is public. `sources_origin` locates the setting that lists them."""
        rule = NetworkRule(origin=sources_origin or origin, name=f"{name} API endpoint", direction=Direction.INGRESS,
                           protocol="tcp", ports=PortSet.ports(port), peers=sources)
        return cls(origin=origin, name=name, rules=[rule], control_plane=True)

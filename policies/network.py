"""Network family: ingress scoped to known CIDRs, nothing open to the internet that should not be.

Every rule here reads `Firewall`s, so one rule covers AWS security groups,
Azure NSGs, GCP firewalls and Kubernetes Services, from code or live.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from policies._support import Deferred, join
from scanner.engine.params import RuleParams
from scanner.engine.registry import Violation, rule
from scanner.model import Access, Direction, Firewall, NetworkRule, Origin, Peer, PortSet
from scanner.model.addresses import IPNetwork, covers_internet, is_private, public_addresses, subtract
from scanner.model.network import protocol_carries_ports


@dataclass(frozen=True)
class _Allow:
    """An allow rule as it takes effect: peers left after higher-priority denies."""

    rule: NetworkRule
    protocol: str
    peers: list[Peer]
    networks: list[IPNetwork]

    def ports(self, deferred: Deferred) -> PortSet | None:
        # `ports` are what the rule opens whatever its protocol: "any protocol" widens the protocols,
        # never the ports (an Azure rule for `*` on 443 opens 443). Sources state all ports where the
        # provider ignores them (AWS protocol -1).
        if not protocol_carries_ports(self.protocol):
            return PortSet.of()
        return deferred.value(self.rule.ports, "ports")

    def public_peers(self) -> str:
        shown = [p for p in self.peers if any(public_addresses([n]) != (0, 0) for n in p.networks())]
        return join(shown or self.peers)


def _shadowing_denies(fw: Firewall, allow: NetworkRule, protocol: str, deferred: Deferred) -> list[NetworkRule] | None:
    """Deny rules evaluated before `allow`; None when the order cannot be known."""
    priority = deferred.value(allow.priority, "priority")
    if priority is None:
        return None
    denies = []
    for other in fw.rules:
        if other is allow or other.access != Access.DENY or other.direction != allow.direction:
            continue
        other_priority = deferred.value(other.priority, "priority")
        if other_priority is None:
            return None
        # On a tie a deny wins (GCP); Azure does not allow ties.
        if other_priority <= priority:
            denies.append(other)
    return denies


def _effective_networks(fw: Firewall, allow: NetworkRule, protocol: str, networks: list[IPNetwork],
                        deferred: Deferred) -> list[IPNetwork] | None:
    if fw.ordering != "priority":
        return networks
    denies = _shadowing_denies(fw, allow, protocol, deferred)
    if denies is None:
        return None
    allowed_ports = deferred.value(allow.ports, "ports")
    for deny in denies:
        deny_protocol = deferred.value(deny.protocol, "protocol")
        deny_ports = deferred.value(deny.ports, "ports")
        deny_peers = deferred.items(deny.peers, "deny rule peers")
        if deny_protocol is None or deny_ports is None or allowed_ports is None:
            return None
        # Only a deny covering every protocol and port of the allow removes peers from it.
        if deny_protocol in ("all", protocol) and deny_ports.covers(allowed_ports):
            networks = subtract(networks, [n for p in deny_peers for n in p.networks()])
    return networks


def _allows(fw: Firewall, direction: Direction, deferred: Deferred) -> Iterator[_Allow]:
    for r in fw.rules:
        d = deferred.value(r.direction, "direction")
        access = deferred.value(r.access, "access")
        if d != direction or access != Access.ALLOW:
            continue
        protocol = deferred.value(r.protocol, "protocol")
        if protocol is None:
            continue
        peers = deferred.items(r.peers, "peers")
        networks = _effective_networks(fw, r, protocol, [n for p in peers for n in p.networks()], deferred)
        if networks is not None:
            yield _Allow(rule=r, protocol=protocol, peers=peers, networks=networks)


def _internet_ingress(fw: Firewall, p: RuleParams, deferred: Deferred) -> Iterator[tuple[_Allow, PortSet]]:
    """Ingress allows that reach the internet, with the ports they expose."""
    for allow in _allows(fw, Direction.INGRESS, deferred):
        if not covers_internet(allow.networks, p.internet_prefix_v4, p.internet_prefix_v6):
            continue
        ports = allow.ports(deferred)
        if ports is not None and not ports.is_empty:
            yield allow, ports


def _tier(fw: Firewall, ports: PortSet, p: RuleParams) -> str:
    """admin > other > public: each exposure is reported once, at its worst. A cluster API
    (a control-plane endpoint) is administrative on whatever port it listens."""
    if fw.control_plane or ports.overlaps(PortSet.ports(*p.admin_ports)):
        return "admin"
    if not PortSet.ports(*p.public_ports).covers(ports):
        return "other"
    return "public"


def _protocol(allow: _Allow) -> str:
    return "all protocols" if allow.protocol == "all" else allow.protocol.upper()


def _rule_name(allow: _Allow) -> str:
    return f" (rule {allow.rule.name!r})" if allow.rule.name else ""


def _describe(fw: Firewall, allow: _Allow, ports: PortSet) -> str:
    if fw.control_plane:
        return f"{allow.public_peers()} can reach the cluster API of {fw.name!r} ({ports})"
    return f"{allow.public_peers()} can reach {ports} ({_protocol(allow)}){_rule_name(allow)}"


@rule(
    "NET-001",
    name="admin-ports-open-to-internet",
    category="network",
    severity="critical",
    title="Administrative ports are reachable from the internet",
    references=["https://www.cisecurity.org/benchmark/amazon_web_services"],
)
def admin_ports_open_to_internet(fw: Firewall, p: RuleParams) -> Iterator[Violation]:
    """Remote shells, remote desktops and management APIs (SSH, RDP, WinRM, Docker,
    the Kubernetes API…) open to the internet are scanned and brute-forced within
    minutes of exposure. This includes rules that open every port, and the public
    endpoint of a managed Kubernetes control plane (EKS, GKE, AKS) open to the internet.

    Remediation:
    Restrict the source to known administrative networks, or reach hosts through a
    bastion, VPN, AWS SSM Session Manager, Azure Bastion or GCP IAP instead. For a
    cluster API, list the administrative networks (EKS `public_access_cidrs`, GKE
    master authorized networks, AKS authorized IP ranges) or make the endpoint private.
    """
    deferred = Deferred()
    admin = PortSet.ports(*p.admin_ports)
    for allow, ports in _internet_ingress(fw, p, deferred):
        if _tier(fw, ports, p) == "admin":
            hit = ports if ports.is_all or fw.control_plane else ports.intersection(admin)
            yield Violation(_describe(fw, allow, hit), allow.rule.origin)
    deferred.raise_pending()


@rule(
    "NET-002",
    name="ports-open-to-internet",
    category="network",
    severity="high",
    title="Service ports are reachable from the internet",
)
def ports_open_to_internet(fw: Firewall, p: RuleParams) -> Iterator[Violation]:
    """Ports other than the public web ports (application ports, databases, caches,
    message brokers) open to the whole internet expose services that were never
    meant to face it. Service tags `*`, `Any` and `Internet` count as the internet,
    as does any public range of a /8 or more.

    Remediation:
    Scope the source to the networks that need the service (a VPC/VNet range, a
    load balancer's security group, a partner's CIDR), or put the service behind
    a load balancer or private endpoint.
    """
    deferred = Deferred()
    for allow, ports in _internet_ingress(fw, p, deferred):
        if _tier(fw, ports, p) == "other":
            yield Violation(_describe(fw, allow, ports), allow.rule.origin)
    deferred.raise_pending()


@rule(
    "NET-003",
    name="public-endpoint",
    category="network",
    severity="low",
    title="Public web endpoint is reachable from the internet",
)
def public_endpoint(fw: Firewall, p: RuleParams) -> Iterator[Violation]:
    """Only the public web ports (by default 80 and 443) are open to the internet.
    That is the purpose of a public endpoint, but every such endpoint should be
    intended: this low-severity finding makes the public surface visible.

    Remediation:
    If the endpoint is meant to be public, suppress this finding with a reason.
    Otherwise restrict the source ranges (for a Kubernetes Service, set
    `loadBalancerSourceRanges` or make the load balancer internal).
    """
    deferred = Deferred()
    for allow, ports in _internet_ingress(fw, p, deferred):
        if _tier(fw, ports, p) == "public":
            yield Violation(_describe(fw, allow, ports), allow.rule.origin)
    deferred.raise_pending()


@rule(
    "NET-004",
    name="unrestricted-egress",
    category="network",
    severity="medium",
    title="Egress is open to the internet on every port and protocol",
)
def unrestricted_egress(fw: Firewall, p: RuleParams) -> Iterator[Violation]:
    """Unrestricted egress lets a compromised workload download tooling and
    exfiltrate data anywhere. Least privilege applies to outbound traffic too.
    Stateless network ACLs are not judged here: their egress rules must pass the
    replies to inbound traffic, so the security groups hold the egress policy.

    Remediation:
    Allow only the destinations and ports the workload needs (for example 443 to
    a proxy or VPC endpoints), and route the rest through an egress firewall.
    """
    if fw.stateless:
        return  # a network ACL's egress rules carry replies; the security groups hold the egress policy
    deferred = Deferred()
    for allow in _allows(fw, Direction.EGRESS, deferred):
        if not covers_internet(allow.networks, p.internet_prefix_v4, p.internet_prefix_v6):
            continue
        ports = allow.ports(deferred)
        if ports is not None and ports.is_all:
            yield Violation(f"{_protocol(allow)} on all ports may leave to {allow.public_peers()}{_rule_name(allow)}",
                            allow.rule.origin)
    deferred.raise_pending()


@rule(
    "NET-005",
    name="broad-private-source",
    category="network",
    severity="low",
    title="Ingress from a private range broader than the threshold",
)
def broad_private_source(fw: Firewall, p: RuleParams) -> Iterator[Violation]:
    """A private source as broad as 10.0.0.0/8 admits every network that will
    ever be peered, connected by VPN or added to the address plan. Scoping to the
    subnets that need access keeps lateral movement small.

    Remediation:
    Replace the range with the specific VPC, VNet or subnet ranges (by default no
    broader than /16), or reference the source security group instead.
    """
    deferred = Deferred()
    reported: set[Origin] = set()
    for allow in _allows(fw, Direction.INGRESS, deferred):
        # Written ranges only: a tag such as Azure's VirtualNetwork is the network's own space.
        written = [n for peer in allow.peers if peer.is_address_space for n in peer.networks()]
        broad = [
            n for n in written
            if is_private(n) and n.prefixlen < (p.private_prefix_threshold if n.version == 4 else 48)
        ]
        # Peers shared by several rules (every port of a Kubernetes Service) are reported once, where they are set.
        shared = allow.rule.field_origins.get("peers")
        if broad and (shared is None or shared not in reported):
            if shared is not None:
                reported.add(shared)
            yield Violation(f"private range {join(broad)} is broader than /{p.private_prefix_threshold}",
                            shared or allow.rule.origin)
    deferred.raise_pending()


@rule(
    "NET-006",
    name="source-outside-allowed-cidrs",
    category="network",
    severity="medium",
    title="Ingress from a network outside the allowed CIDRs",
)
def source_outside_allowed_cidrs(fw: Firewall, p: RuleParams) -> Iterator[Violation]:
    """When the organisation lists the networks ingress may come from
    (`allowed_cidrs`), any other source is a deviation from the standard. The
    rule is active only when `allowed_cidrs` is configured. Sources already
    reported as the internet are not repeated here.

    Remediation:
    Change the source to a range inside the allowed CIDRs, or extend
    `allowed_cidrs` in the Tenet configuration if the new network is approved.
    """
    allowed = p.allowed_networks()
    if not allowed:
        return
    deferred = Deferred()
    for allow in _allows(fw, Direction.INGRESS, deferred):
        if covers_internet(allow.networks, p.internet_prefix_v4, p.internet_prefix_v6):
            continue
        outside = subtract(allow.networks, allowed)
        if outside:
            yield Violation(f"source {join(outside)} is outside the allowed CIDRs", allow.rule.origin)
    deferred.raise_pending()

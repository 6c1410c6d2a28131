"""House rule: administrative ports are reachable only from the corporate VPN range.

Written once against Tenet's provider-neutral model, it applies to AWS security groups, Azure NSGs,
GCP firewalls and Kubernetes Services, in Terraform and live. docs/custom-policies.md walks through it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from scanner.policy import (
    Access,
    Deferred,
    Direction,
    Firewall,
    NetworkRule,
    PortSet,
    RuleParams,
    Violation,
    rule,
)


class VpnParams(RuleParams):
    """`corporate_vpn_cidr` is set in `[tool.tenet.params]` (`[params]` in .tenet.toml); it has no default."""

    corporate_vpn_cidr: ipaddress.IPv4Network


@rule(
    "CORP-001",
    name="admin-ports-from-vpn-only",
    category="network",
    severity="high",
    title="Administrative ports are reachable only from the corporate VPN range",
)
def admin_ports_from_vpn_only(fw: Firewall, params: VpnParams) -> Iterator[Violation]:
    """SSH, RDP, WinRM and the other administrative ports (the `admin_ports` parameter) are where an
    attacker gets a shell. Our standard is that only the corporate VPN reaches them: not the office
    network, not a partner's range, and not the internet.

    Remediation:
    Narrow the rule's source to the VPN range (the `corporate_vpn_cidr` parameter), or to a part of it.
    """
    admin = PortSet.ports(*params.admin_ports)
    deferred = Deferred()
    for allow in fw.rules:
        if deferred.value(allow.direction, "direction") != Direction.INGRESS \
                or deferred.value(allow.access, "access") != Access.ALLOW:
            continue
        protocol = deferred.value(allow.protocol, "protocol")
        if protocol not in ("all", "tcp", "udp", "sctp"):  # ICMP and the like carry no ports
            continue
        ports = deferred.value(allow.ports, "ports")
        if ports is None or not ports.overlaps(admin):
            continue
        opened = ports.intersection(admin)
        outside = []
        for peer in deferred.items(allow.peers, "sources"):
            # A peer that names another group (a security group, GCP source tags) has no address of its own.
            networks = [n for n in peer.networks() if not _denied_before(fw, allow, n, opened, deferred)]
            if any(not _within(n, params.corporate_vpn_cidr) for n in networks):
                outside.append(str(peer))
        if outside:
            yield Violation(
                message=f"{fw.name}: {opened} reachable from {', '.join(outside)}, outside the corporate VPN "
                        f"range {params.corporate_vpn_cidr}",
                origin=allow.origin,
            )
    deferred.raise_pending()


def _within(network: ipaddress.IPv4Network | ipaddress.IPv6Network, vpn: ipaddress.IPv4Network) -> bool:
    return isinstance(network, ipaddress.IPv4Network) and network.subnet_of(vpn)


def _denied_before(fw: Firewall, allow: NetworkRule, network: ipaddress.IPv4Network | ipaddress.IPv6Network,
                   ports: PortSet, deferred: Deferred) -> bool:
    """In a first-match firewall (Azure NSG, GCP firewall), a deny of higher priority that covers the
    network on those ports means the allow never takes effect for it."""
    if fw.ordering != "priority":
        return False
    priority = deferred.value(allow.priority, "priority")
    if priority is None:
        return False
    for deny in fw.rules:
        if deny.access != Access.DENY or deny.direction != Direction.INGRESS:
            continue
        deny_priority = deferred.value(deny.priority, "priority")
        deny_ports = deferred.value(deny.ports, "ports")
        if deny_priority is None or deny_ports is None or deny_priority > priority or not deny_ports.covers(ports):
            continue
        for peer in deferred.items(deny.peers, "sources"):
            for denied in peer.networks():
                if isinstance(network, ipaddress.IPv4Network) and isinstance(denied, ipaddress.IPv4Network) \
                        and network.subnet_of(denied):
                    return True
                if isinstance(network, ipaddress.IPv6Network) and isinstance(denied, ipaddress.IPv6Network) \
                        and network.subnet_of(denied):
                    return True
    return False

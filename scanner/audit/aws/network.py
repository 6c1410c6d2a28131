"""Pure adapters for the network reads beyond security groups: network ACLs, cluster API endpoints,
databases with a public address (and the security groups in front of them), classic load balancers.

Same conventions as `adapters`: one response (page) in, model objects out, no SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.audit.aws.adapters import Response, Where, _items, _str, security_group
from scanner.model import Access, Direction, Firewall, NetworkRule, Peer, PortSet, TlsEndpoint, TlsVersion, Unknown
from scanner.model import normalize_protocol as _protocol
from scanner.providers.aws import (
    CLASSIC_ELB_PROTOCOLS,
    EKS_PUBLIC_ACCESS_CIDRS_DEFAULT,
    ELB_DEFAULT_POLICY,
    classic_elb_policy_min_version,
)
from scanner.providers.ports import aws_rule_ports

# -- Network ACLs ----------------------------------------------------------------------------------------


def _acl_entry(entry: Mapping[str, Any], acl: Where, origin: Any) -> NetworkRule:
    number = entry.get("RuleNumber")
    egress = entry.get("Egress")
    raw_protocol = entry.get("Protocol")
    protocol: str | Unknown = _protocol(raw_protocol) if isinstance(raw_protocol, (str, int)) else Unknown(
        reason="the entry has no Protocol")
    port_range = entry.get("PortRange")
    start, end = (port_range.get("From"), port_range.get("To")) if isinstance(port_range, Mapping) else (None, None)
    action = str(entry.get("RuleAction", "")).lower()
    cidr = _str(entry.get("CidrBlock")) or _str(entry.get("Ipv6CidrBlock"))
    direction: Direction | Unknown = (Direction.EGRESS if egress else Direction.INGRESS) if isinstance(
        egress, bool) else Unknown(reason="the entry does not say whether it is egress")
    return NetworkRule(
        origin=origin.at(None, f"{direction}[{number}]"),
        name=str(number) if isinstance(number, int) else None,
        direction=direction,
        access=Access(action) if action in ("allow", "deny") else Unknown(reason=f"RuleAction {action!r}"),
        protocol=protocol,
        ports=aws_rule_ports(protocol, start, end),
        peers=[Peer.address_or_tag(cidr)] if cidr else Unknown(reason="the entry has no CIDR block"),
        priority=number if isinstance(number, int) else Unknown(reason="the entry has no RuleNumber"),
    )


def network_acls(page: Response, where: Where) -> list[Firewall]:
    """DescribeNetworkAcls: ordered by rule number, first match wins, stateless (replies need rules of their own)."""
    firewalls = []
    for acl in _items(page.get("NetworkAcls")):
        acl_id = str(acl.get("NetworkAclId", "?"))
        owner = _str(acl.get("OwnerId")) or where.account
        origin = where.origin(f"arn:{where.partition}:ec2:{where.region or ''}:{owner}:network-acl/{acl_id}",
                              "AWS::EC2::NetworkAcl", tags=acl.get("Tags"))
        rules = [_acl_entry(e, where, origin) for e in _items(acl.get("Entries"))]
        name = f"{acl_id} (default of {acl.get('VpcId')})" if acl.get("IsDefault") is True else acl_id
        firewalls.append(Firewall(origin=origin, name=name, ordering="priority", stateless=True, rules=rules))
    return firewalls


# -- EKS cluster endpoints ---------------------------------------------------------------------------------


def eks_cluster(response: Response, where: Where) -> Firewall | None:
    """DescribeCluster: the cluster API, when its public endpoint is on, open to `publicAccessCidrs`."""
    cluster = response.get("cluster")
    if not isinstance(cluster, Mapping):
        return None
    name = str(cluster.get("name", "?"))
    arn = _str(cluster.get("arn")) or where.arn("eks", f"cluster/{name}")
    origin = where.origin(arn, "AWS::EKS::Cluster", tags=cluster.get("tags"))
    config = cluster.get("resourcesVpcConfig")
    config = config if isinstance(config, Mapping) else {}
    public = config.get("endpointPublicAccess")
    if public is False:
        return None
    sources: list[Peer | Unknown] | Unknown
    if public is not True:
        sources = Unknown(reason="the cluster does not say whether its public endpoint is on")
    else:
        cidrs = config.get("publicAccessCidrs")
        listed = cidrs if isinstance(cidrs, list) else list(EKS_PUBLIC_ACCESS_CIDRS_DEFAULT)
        sources = [Peer.address_or_tag(c) if isinstance(c, str) else Unknown(reason=f"CIDR {c!r}") for c in listed]
    return Firewall.control_plane_endpoint(origin=origin, name=name, sources=sources,
                                           sources_origin=origin.at(None, "public_access_cidrs"))


# -- Databases with a public address -----------------------------------------------------------------------


def public_endpoint(origin: Any, name: str, port: object, groups: Sequence[Mapping[str, Any]], where: Where,
                    *, every_port: bool = False) -> Firewall:
    """A database with a public address (RDS, Redshift or DMS `PubliclyAccessible`), reachable as its security
    groups allow: their ingress rules, narrowed to the database's port (`every_port`: a DMS replication
    instance, reached on every port they open)."""
    db_port = PortSet.ports(port) if isinstance(port, int) and 0 <= port <= 65535 else None
    rules: list[NetworkRule] = []
    for group in groups:
        for rule in security_group(group, where).rules:
            if rule.direction != Direction.INGRESS:
                continue
            ports = rule.ports
            if every_port:
                pass  # every port the groups open
            elif db_port is None:
                ports = Unknown(reason="the database does not report its port")
            elif isinstance(ports, PortSet) and rule.protocol == "all":
                ports = db_port
            elif isinstance(ports, PortSet):
                ports = ports.intersection(db_port)
                if ports.is_empty:
                    continue
            label = f"{group.get('GroupId')}: {rule.name}" if rule.name else str(group.get("GroupId"))
            rules.append(rule.model_copy(update={"origin": origin.at(None, f"via[{group.get('GroupId')}]"),
                                                 "name": label, "ports": ports,
                                                 "protocol": "tcp" if rule.protocol == "all" and not every_port
                                                 else rule.protocol}))
    return Firewall(origin=origin, name=f"{name} (publicly accessible)", rules=rules)


# -- Classic load balancers --------------------------------------------------------------------------------

def classic_policy_min_version(policy: Mapping[str, Any]) -> TlsVersion | Unknown:
    """The oldest protocol an SSL negotiation policy (DescribeLoadBalancerPolicies) enables; without
    `Protocol-*` attributes, its reference security policy's."""
    enabled: list[TlsVersion] = []
    reference = None
    for attribute in _items(policy.get("PolicyAttributeDescriptions")):
        name, value = str(attribute.get("AttributeName")), str(attribute.get("AttributeValue"))
        if name == "Reference-Security-Policy":
            reference = value
        elif (version := CLASSIC_ELB_PROTOCOLS.get(name.lower())) is not None and value.lower() == "true":
            enabled.append(version)
    if enabled:
        return min(enabled)
    if reference:
        return classic_elb_policy_min_version(reference)
    return Unknown(reason=f"policy {policy.get('PolicyName')!r} enables no protocol Tenet knows")


def classic_listeners(description: Response, policies: Mapping[str, Mapping[str, Any]], where: Where
                      ) -> list[TlsEndpoint]:
    """One LoadBalancerDescription of DescribeLoadBalancers, with its SSL negotiation policies by name."""
    name = str(description.get("LoadBalancerName", "?"))
    arn = where.arn("elasticloadbalancing", f"loadbalancer/{name}")
    endpoints = []
    for item in _items(description.get("ListenerDescriptions")):
        listener = item.get("Listener")
        if not isinstance(listener, Mapping):
            continue
        protocol = str(listener.get("Protocol", "")).upper()
        port = listener.get("LoadBalancerPort")
        origin = where.origin(arn, "AWS::ElasticLoadBalancing::LoadBalancer", f"listener[{port}]")
        label = f"{name}:{port}"
        if protocol == "HTTP":
            endpoints.append(TlsEndpoint(origin=origin, kind="load_balancer_listener", name=label, min_version=None,
                                         plaintext_allowed=True))
        elif protocol in ("HTTPS", "SSL"):
            names = [p for p in item.get("PolicyNames", []) if isinstance(p, str)]
            found = [policies[p] for p in names if p in policies]
            version: TlsVersion | Unknown
            if not names:
                # Without a negotiation policy the listener takes ELB's default (ELBSecurityPolicy-2016-08).
                version, shown = classic_elb_policy_min_version(ELB_DEFAULT_POLICY), ELB_DEFAULT_POLICY
            elif found:
                version, shown = classic_policy_min_version(found[0]), str(found[0].get("PolicyName"))
            else:
                version = Unknown(reason=f"the listener's policies {names} could not be read")
                shown = names[0]
            endpoints.append(TlsEndpoint(origin=origin, kind="load_balancer_listener", name=label,
                                         min_version=version, plaintext_allowed=False, policy_name=shown))
    return endpoints

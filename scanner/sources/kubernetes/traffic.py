"""NetworkPolicies and Gateway API Gateways: who may reach the pods, and on which listeners.

A NetworkPolicy's `ipBlock` peers are address space (its `except` carved out); pod and namespace
selectors are other workloads of the cluster. A rule without `from`/`to` admits every source, but it
states no network: pods are reached from outside through Services and Gateways, which are judged on
their own. A Gateway's listeners are served by a load balancer that faces the internet unless its
class or its infrastructure annotations make it internal, or its addresses are private.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import (
    Asset,
    Direction,
    Firewall,
    NetworkRule,
    Peer,
    PortSet,
    TlsEndpoint,
    Unknown,
    normalize_protocol,
)
from scanner.model.addresses import is_private, parse_network
from scanner.sources.kubernetes.cloud import INTERNET, PRIVATE, internal_load_balancer
from scanner.sources.kubernetes.ingress import istio_gateway_tls
from scanner.sources.kubernetes.objects import Cluster, KubeObject, as_map, as_text, items_of, port_number, strings_of
from scanner.sources.kubernetes.yaml_lines import Span, YamlMap

# --- NetworkPolicy ---------------------------------------------------------------------------------------------

_EVERY_SOURCE = Peer.group("every pod and address (no from/to)")


def network_policy(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    spec = obj.spec
    if spec is None:
        return
    types = strings_of(obj, spec, "policyTypes")
    if isinstance(types, Unknown) or not types:
        # Without policyTypes: Ingress always, Egress when the policy has egress rules.
        types = ["Ingress", *(["Egress"] if "egress" in spec else [])]
    rules: list[NetworkRule] = []
    for direction, key, peers_key in ((Direction.INGRESS, "ingress", "from"), (Direction.EGRESS, "egress", "to")):
        if direction.value.capitalize() not in types:
            continue
        for index, (entry, span) in enumerate(items_of(spec.get(key))):
            entry = as_map(entry) or YamlMap(span)
            origin = obj.at(span, f"{key}[{index}]")
            peers = _policy_peers(obj, entry, peers_key)
            for protocol, ports, label in _policy_ports(obj, entry):
                rules.append(NetworkRule(origin=origin, name=f"{key}[{index}]{label}", direction=direction,
                                         protocol=protocol, ports=ports, peers=peers))
    if rules:
        yield Firewall(origin=obj.at(obj.doc.field_span("spec"), "spec"), name=obj.qualified_name, ordering="union",
                       rules=rules)


def _policy_peers(obj: KubeObject, entry: YamlMap, key: str) -> list[Peer | Unknown]:
    listed = entry.get(key)
    if not listed:
        return [_EVERY_SOURCE]
    peers: list[Peer | Unknown] = []
    for peer, span in items_of(listed):
        peer = as_map(peer) or YamlMap(span)
        block = as_map(peer.get("ipBlock"))
        if block is None:
            selectors = [k for k in ("namespaceSelector", "podSelector") if k in peer]
            peers.append(Peer.group(" and ".join(selectors) or "no peer"))
            continue
        cidr = as_text(block.get("cidr"))
        excluded = strings_of(obj, block, "except")
        if cidr is None or parse_network(cidr) is None:
            peers.append(obj.unknown(f"ipBlock cidr {block.get('cidr')!r} is not a CIDR", span.start))
        elif isinstance(excluded, Unknown) or any(parse_network(e) is None for e in excluded):
            peers.append(obj.unknown("ipBlock except is not a list of CIDRs", span.start))
        else:
            peers.append(Peer(kind=Peer.address_or_tag(cidr).kind, value=cidr.strip(),
                              excluded=tuple(e.strip() for e in excluded)))
    return peers


def _policy_ports(obj: KubeObject, entry: YamlMap) -> Iterator[tuple[str, PortSet | Unknown, str]]:
    """(protocol, ports, label) of a rule; without `ports`, every port of every protocol."""
    listed = entry.get("ports")
    if not listed:
        yield "all", PortSet.all(), ""
        return
    for port, span in items_of(listed):
        port = as_map(port) or YamlMap(span)
        protocol = normalize_protocol(as_text(port.get("protocol")) or "TCP")
        value = port.get("port")
        if value is None:
            yield protocol, PortSet.all(), f" {protocol}"
            continue
        if isinstance(value, str) and not value.strip().isdigit():
            yield protocol, obj.unknown(f"named port {value!r} is resolved in the selected pods", span.start), \
                f" {value}"
            continue
        start = port_number(obj, port, "port")
        end = port_number(obj, port, "endPort") if "endPort" in port else start
        if isinstance(start, Unknown):
            yield protocol, start, f" {value}"
        elif isinstance(end, Unknown):
            yield protocol, end, f" {value}"
        else:
            yield protocol, PortSet.of((start, end)), f" {start}" if start == end else f" {start}-{end}"


# --- Gateway API -----------------------------------------------------------------------------------------------

# Gateway classes whose load balancers are internal (GKE's internal and cross-regional internal
# Application Load Balancers; Amazon VPC Lattice, which serves the VPC).
_INTERNAL_CLASSES = frozenset(
    {"gke-l7-rilb", "gke-l7-rilb-mc", "gke-l7-cross-regional-internal-managed",
     "gke-l7-cross-regional-internal-managed-mc", "amazon-vpc-lattice"}
)
_TLS_PROTOCOLS = frozenset({"HTTPS", "TLS"})


def gateway(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    if str(obj.doc.get("apiVersion", "")).startswith("networking.istio.io/"):
        yield from istio_gateway_tls(obj, cluster)  # Istio's own Gateway kind
        return
    if not str(obj.doc.get("apiVersion", "")).startswith("gateway.networking.k8s.io/"):
        return
    spec = obj.spec
    if spec is None:
        return
    internal_span = _gateway_internal(obj, spec)
    internal = internal_span is not None
    peers = list(PRIVATE if internal else INTERNET)
    # Every listener shares the peers: a finding about them is made once, where they are decided.
    shared = {"peers": obj.at(internal_span)} if internal_span is not None else {}
    rules: list[NetworkRule] = []
    endpoints: list[TlsEndpoint] = []
    for listener, span in items_of(spec.get("listeners")):
        listener = as_map(listener) or YamlMap(span)
        name = as_text(listener.get("name")) or str(span.start)
        protocol = (as_text(listener.get("protocol")) or "").upper()
        port = port_number(obj, listener, "port")
        origin = obj.at(span, f"listeners[{name}]")
        rules.append(NetworkRule(origin=origin, field_origins=shared, name=name, direction=Direction.INGRESS,
                                 protocol="udp" if protocol == "UDP" else "tcp",
                                 ports=port if isinstance(port, Unknown) else PortSet.ports(port), peers=peers))
        endpoint_name = f"{obj.qualified_name}/{name}"
        if protocol in _TLS_PROTOCOLS:
            endpoints.append(TlsEndpoint(origin=origin, kind="gateway_listener", name=endpoint_name, min_version=None,
                                         plaintext_allowed=False))
        elif protocol == "HTTP" and not internal:
            plaintext, unverified = _http_listener(obj, cluster, name, port)
            endpoints.append(TlsEndpoint(origin=origin, kind="gateway_listener", name=endpoint_name, min_version=None,
                                         plaintext_allowed=plaintext, redirect_unverified=unverified))
    if rules:
        yield Firewall(origin=obj.at(spec.field_span("listeners"), "listeners"), name=obj.qualified_name,
                       ordering="union", rules=rules)
    yield from endpoints


def _gateway_internal(obj: KubeObject, spec: YamlMap) -> Span | None:
    """Where the Gateway is made internal (its class, an infrastructure annotation, private addresses)."""
    if as_text(spec.get("gatewayClassName")) in _INTERNAL_CLASSES:
        return spec.field_span("gatewayClassName")
    infrastructure = as_map(spec.get("infrastructure"))
    annotations = as_map(infrastructure.get("annotations")) if infrastructure is not None else None
    internal = internal_load_balancer(annotations) if annotations is not None else None
    if internal is not None:
        return internal
    addresses = [as_text(a.get("value")) for a, _ in items_of(spec.get("addresses")) if isinstance(a, YamlMap)]
    networks = [parse_network(a) for a in addresses if a]
    if networks and all(n is not None and is_private(n) for n in networks):
        return spec.field_span("addresses")
    return None


def _http_listener(obj: KubeObject, cluster: Cluster, listener: str, port: int | Unknown) -> tuple[bool, str | None]:
    """Plain HTTP, unless every HTTPRoute attached to the listener only redirects to HTTPS."""
    routes = [route for route in cluster.all("HTTPRoute") if _attached(route, obj, listener, port)]
    if not routes:
        return True, "no HTTPRoute attached to this listener is in the scanned files"
    return not all(_redirects_only(route) for route in routes), None


def _attached(route: KubeObject, gateway_obj: KubeObject, listener: str, port: int | Unknown) -> bool:
    for ref, _ in items_of(route.spec_value("parentRefs")):
        if not isinstance(ref, YamlMap) or as_text(ref.get("kind")) not in (None, "Gateway"):
            continue
        namespace = as_text(ref.get("namespace")) or route.namespace
        if as_text(ref.get("name")) != gateway_obj.name or namespace != gateway_obj.namespace:
            continue
        section, ref_port = as_text(ref.get("sectionName")), ref.get("port")
        if (section is None or section == listener) and (ref_port is None or ref_port == port):
            return True
    return False


def _redirects_only(route: KubeObject) -> bool:
    rules = items_of(route.spec_value("rules"))
    if not rules:
        return False
    for rule, _ in rules:
        filters = [f for f, _ in items_of(rule.get("filters") if isinstance(rule, YamlMap) else None)]
        if not any(isinstance(f, YamlMap) and f.get("type") == "RequestRedirect" and _https(f.get("requestRedirect"))
                   for f in filters):
            return False
    return True


def _https(redirect: object) -> bool:
    redirect = as_map(redirect)
    return redirect is not None and as_text(redirect.get("scheme")) == "https"

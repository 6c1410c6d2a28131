"""Kubernetes manifests to model objects: pure functions over located YAML.

Services of type LoadBalancer and NodePort (and externalIPs) become firewalls
and TLS endpoints for their plaintext or TLS-terminating ports; Ingresses
(`ingress`), Vault listeners and ingress-nginx settings in ConfigMaps become TLS
endpoints; RBAC roles and bindings become access grants; an apiserver
EncryptionConfiguration becomes data stores; NetworkPolicies and Gateways
(`traffic`) and the pods of every workload kind (`workloads`) become firewalls,
TLS endpoints, data stores and grants. Every object points at the most specific
part of the manifest it came from, and every object of the scan is at hand
(`Cluster`) for the references between them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scanner.engine.findings import ScanError
from scanner.engine.redaction import secret_texts
from scanner.gating.suppressions import IGNORE_ANNOTATION, parse_annotation
from scanner.model import (
    AccessGrant,
    Asset,
    DataStore,
    Direction,
    Firewall,
    GrantKind,
    KeyManagement,
    NetworkRule,
    Origin,
    Peer,
    PortSet,
    Scope,
    TlsEndpoint,
    TlsVersion,
    Unknown,
    normalize_protocol,
)
from scanner.model.addresses import is_private, parse_network
from scanner.providers.aws import elb_policy_min_version
from scanner.sources.interface import LoadResult
from scanner.sources.kubernetes.cloud import AWS, INTERNET, PRIVATE, SOURCE_RANGES_ANNOTATION, internal_load_balancer
from scanner.sources.kubernetes.ingress import (
    ingress,
    ingress_proxy_plaintext,
    nginx_config_endpoints,
    traefik_tls_option,
)
from scanner.sources.kubernetes.objects import (
    WORKLOAD_KINDS,
    Cluster,
    KubeObject,
    as_map,
    as_text,
    covering,
    items_of,
    manifests,
    port_number,
    selects,
    strings_of,
)
from scanner.sources.kubernetes.traffic import gateway, network_policy
from scanner.sources.kubernetes.workloads import adapt_workload, kubelet_configuration
from scanner.sources.kubernetes.yaml_lines import Span, YamlList, YamlMap

if TYPE_CHECKING:
    from scanner.sources.terraform.hcl import Block

# Service ports that usually carry a plaintext protocol (HTTP, FTP, telnet).
PLAINTEXT_PORTS = frozenset({80, 8080, 8000, 8008, 8888, 21, 23})
_NODE_PORT_PEERS = "NodePort reachability depends on the nodes' network and firewall"

# A Vault `listener` block in HCL: `listener "tcp" {` (labels may be bare identifiers).
_VAULT_LISTENER = re.compile(r'(?m)^\s*listener\s+(?:"[^"\n]*"|[A-Za-z_][\w-]*)\s*\{')
# Go's strconv.ParseBool, which Vault uses for `tls_disable`.
_GO_BOOLS = {"1": True, "t": True, "true": True, "0": False, "f": False, "false": False}

_SECRET_PROVIDERS = frozenset({"aescbc", "aesgcm", "secretbox"})


def adapt_documents(documents: Iterable[tuple[Any, str]]) -> LoadResult:
    """Model objects (and warnings) for every Kubernetes object of a scan: (document, path) pairs.

    All objects are read before any is adapted, so references between them resolve across files.
    """
    objects = [KubeObject.of(manifest, path) for root, path in documents for manifest in manifests(root)]
    cluster = Cluster(objects)
    result = LoadResult()
    for obj in objects:
        if obj.kind == "Secret":
            result.secrets |= secret_data(obj.doc)
        adapter = _ADAPTERS.get(obj.kind)
        if adapter is None:
            continue
        try:
            result.assets.extend(list(adapter(obj, cluster)))
        except Exception as exc:  # a mapping bug is an error on this object, never a traceback for the scan
            result.errors.append(ScanError(path=obj.path, line=obj.doc.span.start,
                                           message=f"could not read {obj.kind} {obj.qualified_name!r}: "
                                                   f"{type(exc).__name__}: {exc}"))
        result.errors.extend(obj.errors)
        ignore = obj.annotation(IGNORE_ANNOTATION)
        if ignore is not None:
            line = obj.annotations.key_lines[IGNORE_ANNOTATION]
            result.suppressions.extend(parse_annotation(ignore, obj.path, line, obj.origin.resource))
    return result


def secret_data(secret: YamlMap) -> set[str]:
    """The texts of a Secret's `data` (as written and decoded) and `stringData`: no report shows them,
    wherever else they appear."""
    found = set(secret_texts(secret.get("stringData")))
    data = secret.get("data")
    for value in data.values() if isinstance(data, YamlMap) else ():
        found.update(secret_texts(value))
        if isinstance(value, str):
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):  # then it is not data Kubernetes takes
                found.update(secret_texts(base64.b64decode(value, validate=True).decode("utf-8")))
    return found


# --- Service ---------------------------------------------------------------------------------------------------


def _service(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    spec = obj.spec
    if spec is None or spec.get("type") not in ("LoadBalancer", "NodePort") or not spec.get("ports"):
        yield from external_ip_firewall(obj, cluster)
        return
    load_balancer = spec["type"] == "LoadBalancer"
    internal_span = internal_load_balancer(obj.annotations, spec) if load_balancer else None
    internal = internal_span is not None
    peers: list[Peer | Unknown] | Unknown = Unknown(reason=_NODE_PORT_PEERS)
    peers_span = None
    if load_balancer:
        peers, peers_span = _service_peers(obj, spec, internal_span)
    rules: list[NetworkRule] = []
    endpoints: list[TlsEndpoint] = []
    ports = spec["ports"]
    if not isinstance(ports, YamlList):
        reason = obj.unknown("spec.ports is not a list", spec.key_lines["ports"])
        origin = obj.at(spec.field_span("ports"), "ports")
        rules.append(NetworkRule(origin=origin, direction=Direction.INGRESS, protocol=reason, ports=reason,
                                 peers=peers))
    for entry, span in items_of(ports):
        entry = as_map(entry) or YamlMap(span)
        port = port_number(obj, entry, "port")
        protocol = as_text(entry.get("protocol")) or "TCP"
        label = as_text(entry.get("name")) or f"{entry.get('port')}/{protocol}"
        origin = obj.at(span, f"ports[{label}]")
        if load_balancer:
            exposed: int | Unknown = port
        elif "nodePort" in entry:
            exposed = port_number(obj, entry, "nodePort")
        else:
            exposed = obj.unknown("nodePort is assigned by the cluster", span.start)
        rules.append(NetworkRule(
            origin=origin,
            # Every port shares the peers: a finding about them is made once, where they are decided.
            field_origins={"peers": obj.at(peers_span)} if peers_span else {},
            name=label,
            direction=Direction.INGRESS,
            protocol=normalize_protocol(protocol),
            ports=exposed if isinstance(exposed, Unknown) else PortSet.ports(exposed),
            peers=peers,
        ))
        if load_balancer and isinstance(port, int) and protocol.upper() == "TCP":
            endpoint = _service_endpoint(obj, cluster, entry, port, origin, internal)
            if endpoint is not None:
                endpoints.append(endpoint)
    ports_span = spec.value_spans["ports"]
    yield Firewall(origin=obj.at(ports_span), name=obj.qualified_name, ordering="union", rules=rules)
    yield from endpoints
    yield from external_ip_firewall(obj, cluster)


def _service_peers(obj: KubeObject, spec: YamlMap, internal: Span | None) -> tuple[list[Peer | Unknown] | Unknown,
                                                                                Span | None]:
    """Who may reach a load balancer: its source ranges, else the internet (or the private networks)."""
    ranges = spec.get("loadBalancerSourceRanges")
    if ranges:
        ranges_span = spec.field_span("loadBalancerSourceRanges")
        if not isinstance(ranges, YamlList):
            return obj.unknown("loadBalancerSourceRanges is not a list", ranges_span.start), ranges_span
        return [_range_peer(obj, r, span.start) for r, span in items_of(ranges)], ranges_span
    annotations = obj.annotations
    text = as_text(annotations.get(SOURCE_RANGES_ANNOTATION))
    if text and text.strip():
        line = annotations.key_lines[SOURCE_RANGES_ANNOTATION]
        peers = [_range_peer(obj, r, line) for r in text.split(",") if r.strip()]
        return peers, annotations.field_span(SOURCE_RANGES_ANNOTATION)
    if internal is not None:
        return list(PRIVATE), internal
    return list(INTERNET), None


def _range_peer(obj: KubeObject, value: Any, line: int) -> Peer | Unknown:
    if isinstance(value, str) and parse_network(value) is not None:
        return Peer.address_or_tag(value)
    return obj.unknown(f"source range {value!r} is not a CIDR", line)


def _service_endpoint(obj: KubeObject, cluster: Cluster, entry: YamlMap, port: int, origin: Origin,
                      internal: bool) -> TlsEndpoint | None:
    """TLS on a load balancer port: terminated by an AWS certificate, or plaintext on a public web port."""
    annotations = obj.annotations
    name = f"{obj.qualified_name}:{port}"
    if obj.annotation(f"{AWS}ssl-cert") and _ssl_port(annotations, entry, port):
        key = f"{AWS}ssl-negotiation-policy"
        policy = obj.annotation(key)
        if policy is None:
            default = obj.unknown("no aws-load-balancer-ssl-negotiation-policy: the load balancer's default applies")
            return TlsEndpoint(origin=origin, kind="service", name=name, min_version=default, plaintext_allowed=False)
        version = elb_policy_min_version(policy)
        if isinstance(version, Unknown):
            version = obj.unknown(version.reason, annotations.key_lines[key])
        return TlsEndpoint(origin=origin, field_origins={"min_version": obj.at(annotations.field_span(key))},
                           kind="service", name=name, min_version=version, plaintext_allowed=False, policy_name=policy)
    if port in PLAINTEXT_PORTS and not internal:
        proxy = ingress_proxy_plaintext(obj, cluster, entry)
        if proxy is None:
            return TlsEndpoint(origin=origin, kind="service", name=name, min_version=None, plaintext_allowed=True)
        plaintext, unverified, at = proxy
        return TlsEndpoint(origin=origin, field_origins={"plaintext_allowed": at or origin}, kind="service",
                           name=name, min_version=None, plaintext_allowed=plaintext, redirect_unverified=unverified)
    return None


def _ssl_port(annotations: YamlMap, entry: YamlMap, port: int) -> bool:
    """Whether `aws-load-balancer-ssl-ports` (port numbers or names; absent or `*`: all) covers the port."""
    listed = as_text(annotations.get(f"{AWS}ssl-ports"))
    if listed is None:
        return True
    names = {p.strip() for p in listed.split(",")}
    return bool(names & {"*", str(port), as_text(entry.get("name"))})


def external_ip_firewall(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    """`spec.externalIPs`: every node answers on those addresses, on the Service's ports, whatever its type.

    A public address is reachable from the internet (as a load balancer is); private ones from the
    private networks.
    """
    spec = obj.spec
    addresses = spec.get("externalIPs") if spec is not None else None
    if spec is None or not addresses:
        return
    span = spec.field_span("externalIPs")
    listed = strings_of(obj, spec, "externalIPs")
    peers: list[Peer | Unknown] | Unknown
    if isinstance(listed, Unknown):
        peers = listed
    elif any((n := parse_network(a)) is None for a in listed):
        peers = obj.unknown(f"externalIPs {listed} are not all IP addresses", span.start)
    else:
        public = any(not is_private(n) for a in listed if (n := parse_network(a)) is not None)
        peers = list(INTERNET if public else PRIVATE)
    rules: list[NetworkRule] = []
    endpoints: list[TlsEndpoint] = []
    for entry, entry_span in items_of(spec.get("ports")):
        entry = as_map(entry) or YamlMap(entry_span)
        port = port_number(obj, entry, "port")
        protocol = as_text(entry.get("protocol")) or "TCP"
        label = as_text(entry.get("name")) or f"{entry.get('port')}/{protocol}"
        origin = obj.at(entry_span, f"externalIPs.ports[{label}]")
        rules.append(NetworkRule(origin=origin, field_origins={"peers": obj.at(span, "externalIPs")}, name=label,
                                 direction=Direction.INGRESS, protocol=normalize_protocol(protocol),
                                 ports=port if isinstance(port, Unknown) else PortSet.ports(port), peers=peers))
        if isinstance(port, int) and port in PLAINTEXT_PORTS and peers == list(INTERNET):
            endpoints.append(TlsEndpoint(origin=origin, kind="service", name=f"{obj.qualified_name}:{port}",
                                         min_version=None, plaintext_allowed=True))
    yield Firewall(origin=obj.at(span, "externalIPs"), name=f"{obj.qualified_name} externalIPs", ordering="union",
                   rules=rules)
    yield from endpoints


# --- ConfigMap: Vault configuration ----------------------------------------------------------------------------


def _config_map(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    data = as_map(obj.doc.get("data"))
    if data is None:
        return
    yield from nginx_config_endpoints(obj, cluster)
    for key, value in data.items():
        if isinstance(value, str) and _VAULT_LISTENER.search(value):
            yield from _vault_listeners(obj, str(key), value, data.value_spans[key])


def _vault_listeners(obj: KubeObject, key: str, text: str, span: Span) -> Iterator[TlsEndpoint]:
    from scanner.sources.terraform.hcl import HclSyntaxError, parse

    def file_line(line: int) -> int:
        # Only a literal block scalar keeps the text's lines; other styles fold them.
        if span.text_line is None:
            return span.start
        return min(span.text_line + line - 1, span.end)

    def located(start_line: int, end_line: int, anchor: str | None = None) -> Origin:
        return obj.at(Span(file_line(start_line), file_line(end_line)), anchor)

    try:
        body = parse(text, f"{obj.path}:{key}")
    except HclSyntaxError as exc:
        # The parser's column counts from the de-indented text: only its line maps into the file.
        obj.warn(f"ConfigMap key {key!r} looks like Vault configuration but is not valid HCL: {exc.message}",
                 file_line(exc.line))
        return
    tcp = [b for b in body.blocks if b.type == "listener" and b.labels == ("tcp",)]
    for index, block in enumerate(tcp):
        suffix = f"#{index + 1}" if len(tcp) > 1 else ""
        origin = located(block.range.start_line, block.range.end_line, f"data[{key}].listener[tcp{suffix}]")
        # A finding for plaintext points at the listener block; one for the version at `tls_min_version`.
        version_attr = block.body.attributes.get("tls_min_version")
        field_origins = {} if version_attr is None else {
            "min_version": located(version_attr.range.start_line, version_attr.range.end_line)}
        disabled = _vault_tls_disabled(obj, block, file_line)
        version: TlsVersion | Unknown | None
        if isinstance(disabled, Unknown):
            version = disabled
        elif disabled:
            version = None
        else:
            version = _vault_tls_version(obj, block, file_line)
        yield TlsEndpoint(
            origin=origin,
            field_origins=field_origins,
            kind="vault_listener",
            name=f"{obj.qualified_name}/{key}{suffix}",
            min_version=version,
            plaintext_allowed=disabled,
        )


def _vault_attribute(obj: KubeObject, block: Block, name: str, file_line: Callable[[int], int]) -> Any:
    """An attribute's literal value, None when absent, Unknown for an expression (Vault reads literals only)."""
    from scanner.sources.terraform.hcl import LiteralValue

    attr = block.body.attributes.get(name)
    if attr is None:
        return None
    if isinstance(attr.expr, LiteralValue):
        return attr.expr.value
    return obj.unknown(f"{name} is an expression, not a literal", file_line(attr.range.start_line))


def _vault_tls_disabled(obj: KubeObject, block: Block, file_line: Callable[[int], int]) -> bool | Unknown:
    value = _vault_attribute(obj, block, "tls_disable", file_line)
    if value is None:
        return False
    if isinstance(value, bool | Unknown):
        return value
    text = (as_text(value) or "").lower()
    if text in _GO_BOOLS:
        return _GO_BOOLS[text]
    line = file_line(block.body.attributes["tls_disable"].range.start_line)
    return obj.unknown(f"tls_disable {value!r} is not a boolean", line)


def _vault_tls_version(obj: KubeObject, block: Block, file_line: Callable[[int], int]) -> TlsVersion | Unknown:
    value = _vault_attribute(obj, block, "tls_min_version", file_line)
    if value is None:
        return TlsVersion.TLS1_2  # Vault's default
    if isinstance(value, Unknown):
        return value
    version = TlsVersion.parse(value) if isinstance(value, str) else None
    if version is None:
        line = file_line(block.body.attributes["tls_min_version"].range.start_line)
        return obj.unknown(f"tls_min_version {value!r} is not a TLS version", line)
    return version


# --- RBAC ------------------------------------------------------------------------------------------------------


def _role(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    yield from _role_grants(obj)


def _role_grants(obj: KubeObject) -> Iterator[AccessGrant]:
    # A Role's rules reach its own namespace only; a ClusterRole's reach as far as its bindings do.
    scope = Scope.RESOURCE_GROUP if obj.kind == "Role" else None
    for index, (rule, span) in enumerate(items_of(obj.doc.get("rules"))):
        rule = as_map(rule) or YamlMap(span)
        resources = _rbac_resources(obj, rule)
        if resources == []:
            continue  # a rule naming no resources grants nothing
        field_origins: dict[str, Origin] = {}
        if "verbs" in rule:
            field_origins["actions"] = obj.at(rule.field_span("verbs"))
        resource_span = covering(rule, ("apiGroups", "resources", "resourceNames", "nonResourceURLs"))
        if resource_span is not None:
            field_origins["resources"] = obj.at(resource_span)
        yield AccessGrant(
            origin=obj.at(span, f"rules[{index}]"),
            field_origins=field_origins,
            kind=GrantKind.ROLE_DEFINITION,
            name=f"{obj.kind}/{obj.name} rules[{index}]",
            actions=strings_of(obj, rule, "verbs"),
            resources=resources,
            scope=scope,
        )


def _rbac_resources(obj: KubeObject, rule: YamlMap) -> list[str | Unknown] | Unknown:
    """`group/resource` for each API group and resource (`core` for the empty group), plus non-resource URLs.

    `*` on both is written `*`, every resource everywhere; `resourceNames` narrow to `group/resource/name`.
    Non-resource URLs keep their leading `/` (`/healthz`, `/metrics`); the URL `*` is written `/*`.
    """
    lists = [strings_of(obj, rule, k) for k in ("apiGroups", "resources", "resourceNames", "nonResourceURLs")]
    for value in lists:
        if isinstance(value, Unknown):
            return value
    groups, resources, names, urls = (v for v in lists if not isinstance(v, Unknown))
    found: list[str | Unknown] = []
    for group in groups:
        for resource in resources:
            base = "*" if group == resource == "*" else f"{group or 'core'}/{resource}"
            found.extend([f"{base}/{n}" for n in names] if names else [base])
    found.extend(url if url.startswith("/") else f"/{url}" for url in urls)
    return found


# Built-in ClusterRoles that read every Secret of the namespaces they are bound in (Kubernetes' user-facing
# roles), for bindings whose role is not defined in the scanned files.
_BUILTIN_SECRET_READERS = ("admin", "edit")


def _binding(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    doc = obj.doc
    field_origins: dict[str, Origin] = {}
    role_ref = as_map(doc.get("roleRef"))
    role: str | Unknown = obj.unknown("roleRef is missing", doc.span.start)
    role_grants: list[AccessGrant] | None = None
    if role_ref is not None:
        field_origins["role"] = obj.at(doc.field_span("roleRef"), "roleRef")
        role = as_text(role_ref.get("name")) or obj.unknown("roleRef has no name", doc.key_lines["roleRef"])
        if isinstance(role, str):
            role_grants = _bound_role_grants(obj, cluster, as_text(role_ref.get("kind")) or "ClusterRole", role)
    if "subjects" in doc:
        field_origins["principals"] = obj.at(doc.field_span("subjects"), "subjects")
    subjects = doc.get("subjects")
    principals: list[str | Unknown] | Unknown = (
        [_subject(obj, s, span.start) for s, span in items_of(subjects)]
        if subjects is None or isinstance(subjects, YamlList)
        else obj.unknown("subjects is not a list", doc.key_lines["subjects"])
    )
    yield AccessGrant(
        origin=obj.origin,
        field_origins=field_origins,
        kind=GrantKind.ROLE_ASSIGNMENT,
        name=f"{obj.kind}/{obj.name}",
        principals=principals,
        role=role,
        scope=Scope.ACCOUNT if obj.kind == "ClusterRoleBinding" else Scope.RESOURCE_GROUP,
        role_grants=role_grants,
    )


def _bound_role_grants(obj: KubeObject, cluster: Cluster, kind: str, name: str) -> list[AccessGrant] | None:
    """What the bound role allows, when its definition is in the scan (or it is a built-in one)."""
    role = cluster.get(kind, obj.namespace, name)
    if role is not None:
        grants = list(_role_grants(role))
        # An aggregated ClusterRole holds the rules of every ClusterRole its selectors pick.
        aggregation = as_map(role.doc.get("aggregationRule"))
        selectors = [as_map(s.get("matchLabels")) for s, _ in items_of(aggregation.get("clusterRoleSelectors"))
                     if isinstance(s, YamlMap)] if aggregation is not None else []
        for other in cluster.all("ClusterRole"):
            if other is not role and any(selects(sel, other.labels) for sel in selectors if sel):
                grants.extend(_role_grants(other))
        return grants
    if kind == "ClusterRole" and name in _BUILTIN_SECRET_READERS:
        return [AccessGrant(origin=obj.origin, kind=GrantKind.ROLE_DEFINITION, name=f"ClusterRole/{name} (built-in)",
                            actions=["get", "list", "watch"], resources=["core/secrets"])]
    return None


def _subject(obj: KubeObject, subject: Any, line: int) -> str | Unknown:
    name = as_text(subject.get("name")) if isinstance(subject, YamlMap) else None
    if name is None:
        return obj.unknown("subject has no name", line)
    if subject.get("kind") == "ServiceAccount":
        return f"{as_text(subject.get('namespace')) or obj.namespace or 'default'}:{name}"
    return name


# --- EncryptionConfiguration -----------------------------------------------------------------------------------


def _encryption(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    for index, (entry, span) in enumerate(items_of(obj.doc.get("resources"))):
        entry = as_map(entry) or YamlMap(span)
        kinds = strings_of(obj, entry, "resources")
        name = ", ".join(kinds) if isinstance(kinds, list) and kinds else f"resources[{index}]"
        origin = obj.at(span, f"resources[{index}]")
        providers = items_of(entry.get("providers"))
        if not providers:
            reason = obj.unknown("no encryption providers are listed", span.start)
            yield DataStore(origin=origin, kind="kubernetes_secrets", name=name, encrypted=reason,
                            key_management=reason)
            continue
        yield _first_provider(obj, name, origin, *providers[0])


def _first_provider(obj: KubeObject, name: str, origin: Origin, provider: Any, span: Span) -> DataStore:
    """New writes are encrypted by the first provider; the others only read older data."""
    provider_origin = obj.at(span, "providers[0]")
    provider_type = next(iter(provider), None) if isinstance(provider, YamlMap) else None
    at_provider = {"encrypted": provider_origin, "algorithm": provider_origin, "key_management": provider_origin}
    if provider_type == "identity":
        return DataStore(origin=origin, field_origins=at_provider, kind="kubernetes_secrets", name=name,
                         encrypted=False, key_management=KeyManagement.NONE)
    if provider_type == "kms":
        return DataStore(origin=origin, field_origins=at_provider, kind="kubernetes_secrets", name=name,
                         encrypted=True, algorithm="kms", key_management=KeyManagement.CUSTOMER)
    if provider_type in _SECRET_PROVIDERS:
        config = as_map(provider[provider_type]) or YamlMap(span)
        key_bits, key_span = _first_key_bits(obj, config, span)
        return DataStore(origin=origin, field_origins={**at_provider, "key_bits": obj.at(key_span, "keys[0]")},
                         kind="kubernetes_secrets", name=name, encrypted=True, algorithm=str(provider_type),
                         key_bits=key_bits, key_management=KeyManagement.PROVIDER)
    reason = obj.unknown(f"unrecognised encryption provider {provider_type!r}", span.start)
    return DataStore(origin=origin, field_origins=at_provider, kind="kubernetes_secrets", name=name,
                     encrypted=reason, key_management=reason)


def _first_key_bits(obj: KubeObject, config: YamlMap, provider_span: Span) -> tuple[int | Unknown, Span]:
    keys = items_of(config.get("keys"))
    if not keys:
        return obj.unknown("the provider lists no keys", provider_span.start), provider_span
    key, span = keys[0]
    secret = key.get("secret") if isinstance(key, YamlMap) else None
    if not isinstance(secret, str):
        return obj.unknown("the first key has no secret", span.start), span
    try:
        return 8 * len(base64.b64decode(secret, validate=True)), span
    except binascii.Error:
        return obj.unknown("the first key's secret is not valid base64", span.start), span


_ADAPTERS: dict[str, Callable[[KubeObject, Cluster], Iterator[Asset]]] = {
    "Service": _service,
    "Ingress": ingress,
    "ConfigMap": _config_map,
    "Role": _role,
    "ClusterRole": _role,
    "RoleBinding": _binding,
    "ClusterRoleBinding": _binding,
    "EncryptionConfiguration": _encryption,
    "NetworkPolicy": network_policy,
    "Gateway": gateway,
    "KubeletConfiguration": kubelet_configuration,
    "TLSOption": traefik_tls_option,
    # Pods of every workload kind: host ports, and the control plane's flags.
    **dict.fromkeys(WORKLOAD_KINDS, adapt_workload),
}
# The kinds this source reads (what a Kubernetes finding's resource type is; compliance scopes name them).
ADAPTED_KINDS = frozenset(_ADAPTERS)

"""Kubernetes manifests to model objects: pure functions over located YAML.

Services of type LoadBalancer and NodePort become firewalls (and TLS endpoints
for their plaintext or TLS-terminating ports), Ingresses and Vault listeners in
ConfigMaps become TLS endpoints, RBAC roles and bindings become access grants,
and an apiserver EncryptionConfiguration becomes data stores. Every object
points at the most specific part of the manifest it came from.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from scanner.engine.findings import ErrorLevel, ScanError
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
    Location,
    NetworkRule,
    Origin,
    Peer,
    PortSet,
    Scope,
    SourceKind,
    TlsEndpoint,
    TlsVersion,
    Unknown,
    normalize_protocol,
)
from scanner.model.addresses import parse_network
from scanner.sources.interface import LoadResult
from scanner.sources.kubernetes.yaml_lines import Span, YamlList, YamlMap

if TYPE_CHECKING:
    from scanner.sources.terraform.hcl import Block

# Kinds whose objects live outside namespaces (the ones with model mappings and their usual neighbours).
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "EncryptionConfiguration",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingWebhookConfiguration",
    }
)

_AWS = "service.beta.kubernetes.io/aws-load-balancer-"
# Annotation -> the value (lower-cased) that makes a cloud load balancer internal.
_INTERNAL_ANNOTATIONS = {
    f"{_AWS}internal": "true",
    f"{_AWS}scheme": "internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
    "networking.gke.io/load-balancer-type": "internal",
    "cloud.google.com/load-balancer-type": "internal",
}
_SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
_INTERNET = (Peer.address_or_tag("0.0.0.0/0"), Peer.address_or_tag("::/0"))
_PRIVATE = tuple(Peer.address_or_tag(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
# Service ports that usually carry a plaintext protocol (HTTP, FTP, telnet).
PLAINTEXT_PORTS = frozenset({80, 8080, 8000, 8008, 8888, 21, 23})
_NODE_PORT_PEERS = "NodePort reachability depends on the nodes' network and firewall"

# ELB security policies named after their minimum version: ELBSecurityPolicy-TLS13-1-2-2021-06 …
_ELB_VERSIONED_POLICY = re.compile(r"ELBSecurityPolicy-(?:TLS13-|TLS-|FS-)?1-([0-3])-")
_ELB_TLS1_0_POLICIES = frozenset(
    {"ELBSecurityPolicy-2015-05", "ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-FS-2018-06"}
)
_TLS_BY_MINOR = (TlsVersion.TLS1_0, TlsVersion.TLS1_1, TlsVersion.TLS1_2, TlsVersion.TLS1_3)

# A Vault `listener` block in HCL: `listener "tcp" {` (labels may be bare identifiers).
_VAULT_LISTENER = re.compile(r'(?m)^\s*listener\s+(?:"[^"\n]*"|[A-Za-z_][\w-]*)\s*\{')
# Go's strconv.ParseBool, which Vault uses for `tls_disable`.
_GO_BOOLS = {"1": True, "t": True, "true": True, "0": False, "f": False, "false": False}

_SECRET_PROVIDERS = frozenset({"aescbc", "aesgcm", "secretbox"})


def manifests(root: Any) -> Iterator[YamlMap]:
    """The Kubernetes objects of a document: the document itself, or the items of a `List` kind.

    Anything without a string `apiVersion` and `kind` is not a Kubernetes object.
    """
    if not isinstance(root, YamlMap) or not isinstance(root.get("apiVersion"), str):
        return
    kind = root.get("kind")
    if not isinstance(kind, str):
        return
    items = root.get("items")
    if kind.endswith("List") and isinstance(items, YamlList):
        for item in items:
            yield from manifests(item)
    else:
        yield root


def adapt_document(root: Any, path: str) -> LoadResult:
    """Model objects (and warnings) for every Kubernetes object in one YAML document."""
    result = LoadResult()
    for manifest in manifests(root):
        if manifest["kind"] == "Secret":
            result.secrets |= secret_data(manifest)
        adapter = _ADAPTERS.get(manifest["kind"])
        if adapter is not None:
            obj = _Object.of(manifest, path)
            result.assets.extend(adapter(obj))
            result.errors.extend(obj.errors)
            ignore = _text(obj.annotations.get(IGNORE_ANNOTATION))
            if ignore is not None:
                line = obj.annotations.key_lines[IGNORE_ANNOTATION]
                result.suppressions.extend(parse_annotation(ignore, path, line, obj.origin.resource))
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


@dataclass
class _Object:
    """One manifest being adapted: its identity, and helpers to locate its parts."""

    doc: YamlMap
    kind: str
    name: str
    namespace: str | None
    annotations: YamlMap
    path: str
    origin: Origin
    errors: list[ScanError] = field(default_factory=list)

    @classmethod
    def of(cls, doc: YamlMap, path: str) -> _Object:
        kind = str(doc["kind"])
        metadata = _map(doc.get("metadata")) or YamlMap(doc.span)
        # EncryptionConfiguration files usually carry no metadata: their file name identifies them.
        name = _text(metadata.get("name")) or PurePosixPath(path).stem
        namespace = None if kind in CLUSTER_SCOPED_KINDS else _text(metadata.get("namespace")) or "default"
        resource = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
        annotations = _map(metadata.get("annotations")) or YamlMap(doc.span)
        location = Location(path=path, start_line=doc.span.start, end_line=doc.span.end)
        origin = Origin(source=SourceKind.KUBERNETES, resource=resource, resource_type=kind, location=location)
        return cls(doc=doc, kind=kind, name=name, namespace=namespace, annotations=annotations, path=path,
                   origin=origin)

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def location(self, span: Span) -> Location:
        return Location(path=self.path, start_line=span.start, end_line=span.end)

    def at(self, span: Span, anchor: str | None = None) -> Origin:
        return self.origin.at(self.location(span), anchor)

    def unknown(self, reason: str, line: int | None = None) -> Unknown:
        return Unknown(reason=reason, path=self.path if line is not None else None, line=line)

    def warn(self, message: str, line: int) -> None:
        self.errors.append(ScanError(path=self.path, line=line, message=message, level=ErrorLevel.WARNING))


# --- Values as the schema expects them, or Unknown --------------------------------------------------------------


def _map(value: Any) -> YamlMap | None:
    return value if isinstance(value, YamlMap) else None


def _text(value: Any) -> str | None:
    """A scalar as Kubernetes would read it into a string field; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def _items(value: Any) -> list[tuple[Any, Span]]:
    return list(zip(value, value.item_spans, strict=True)) if isinstance(value, YamlList) else []


def _strings(obj: _Object, parent: YamlMap, key: str) -> list[str] | Unknown:
    """A list of strings under `key` (absent: empty); anything else is Unknown."""
    value = parent.get(key)
    if value is None:
        return []
    if isinstance(value, YamlList) and all(isinstance(v, str) for v in value):
        return list(value)
    return obj.unknown(f"{key} is not a list of strings", parent.key_lines[key])


def _port_number(obj: _Object, entry: YamlMap, key: str) -> int | Unknown:
    value = entry.get(key)
    line = entry.key_lines.get(key, entry.span.start)
    if value is None:
        return obj.unknown(f"{key} is not set", line)
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    if number is None or not 1 <= number <= 65535:
        return obj.unknown(f"{key} {value!r} is not a port number", line)
    return number


def _covering(parent: YamlMap, keys: tuple[str, ...]) -> Span | None:
    """The lines from the first to the last of `keys` present in `parent`."""
    spans = [parent.field_span(k) for k in keys if k in parent]
    return Span(min(s.start for s in spans), max(s.end for s in spans)) if spans else None


# --- Service ---------------------------------------------------------------------------------------------------


def _service(obj: _Object) -> Iterator[Asset]:
    spec = _map(obj.doc.get("spec"))
    if spec is None or spec.get("type") not in ("LoadBalancer", "NodePort") or not spec.get("ports"):
        return
    load_balancer = spec["type"] == "LoadBalancer"
    internal = load_balancer and _is_internal(obj.annotations, spec)
    peers: list[Peer | Unknown] | Unknown = Unknown(reason=_NODE_PORT_PEERS)
    peers_span = None
    if load_balancer:
        peers, peers_span = _service_peers(obj, spec, internal)
    rules: list[NetworkRule] = []
    endpoints: list[TlsEndpoint] = []
    ports = spec["ports"]
    if not isinstance(ports, YamlList):
        reason = obj.unknown("spec.ports is not a list", spec.key_lines["ports"])
        origin = obj.at(spec.field_span("ports"), "ports")
        rules.append(NetworkRule(origin=origin, direction=Direction.INGRESS, protocol=reason, ports=reason,
                                 peers=peers))
    for entry, span in _items(ports):
        entry = _map(entry) or YamlMap(span)
        port = _port_number(obj, entry, "port")
        protocol = _text(entry.get("protocol")) or "TCP"
        label = _text(entry.get("name")) or f"{entry.get('port')}/{protocol}"
        origin = obj.at(span, f"ports[{label}]")
        if load_balancer:
            exposed: int | Unknown = port
        elif "nodePort" in entry:
            exposed = _port_number(obj, entry, "nodePort")
        else:
            exposed = obj.unknown("nodePort is assigned by the cluster", span.start)
        rules.append(NetworkRule(
            origin=origin,
            field_origins={"peers": obj.at(peers_span)} if peers_span else {},
            name=label,
            direction=Direction.INGRESS,
            protocol=normalize_protocol(protocol),
            ports=exposed if isinstance(exposed, Unknown) else PortSet.ports(exposed),
            peers=peers,
        ))
        if load_balancer and isinstance(port, int) and protocol.upper() == "TCP":
            endpoint = _service_endpoint(obj, entry, port, origin, internal)
            if endpoint is not None:
                endpoints.append(endpoint)
    ports_span = spec.value_spans["ports"]
    yield Firewall(origin=obj.at(ports_span), name=obj.qualified_name, ordering="union", rules=rules)
    yield from endpoints


def _is_internal(annotations: YamlMap, spec: YamlMap) -> bool:
    if any((_text(annotations.get(k)) or "").lower() == v for k, v in _INTERNAL_ANNOTATIONS.items()):
        return True
    # The AWS Load Balancer Controller makes load balancers internal unless the scheme says otherwise.
    controller = (_text(annotations.get(f"{_AWS}type")) in ("external", "nlb-ip")
                  or spec.get("loadBalancerClass") == "service.k8s.aws/nlb")
    return controller and f"{_AWS}scheme" not in annotations


def _service_peers(obj: _Object, spec: YamlMap, internal: bool) -> tuple[list[Peer | Unknown] | Unknown,
                                                                          Span | None]:
    """Who may reach a load balancer: its source ranges, else the internet (or the private networks)."""
    ranges = spec.get("loadBalancerSourceRanges")
    if ranges:
        ranges_span = spec.field_span("loadBalancerSourceRanges")
        if not isinstance(ranges, YamlList):
            return obj.unknown("loadBalancerSourceRanges is not a list", ranges_span.start), ranges_span
        return [_range_peer(obj, r, span.start) for r, span in _items(ranges)], ranges_span
    annotations = obj.annotations
    text = _text(annotations.get(_SOURCE_RANGES_ANNOTATION))
    if text and text.strip():
        line = annotations.key_lines[_SOURCE_RANGES_ANNOTATION]
        peers = [_range_peer(obj, r, line) for r in text.split(",") if r.strip()]
        return peers, annotations.field_span(_SOURCE_RANGES_ANNOTATION)
    return list(_PRIVATE if internal else _INTERNET), None


def _range_peer(obj: _Object, value: Any, line: int) -> Peer | Unknown:
    if isinstance(value, str) and parse_network(value) is not None:
        return Peer.address_or_tag(value)
    return obj.unknown(f"source range {value!r} is not a CIDR", line)


def _service_endpoint(obj: _Object, entry: YamlMap, port: int, origin: Origin, internal: bool) -> TlsEndpoint | None:
    """TLS on a load balancer port: terminated by an AWS certificate, or plaintext on a public web port."""
    annotations = obj.annotations
    name = f"{obj.qualified_name}:{port}"
    if _text(annotations.get(f"{_AWS}ssl-cert")) and _ssl_port(annotations, entry, port):
        key = f"{_AWS}ssl-negotiation-policy"
        policy = _text(annotations.get(key))
        if policy is None:
            default = obj.unknown("no aws-load-balancer-ssl-negotiation-policy: the load balancer's default applies")
            return TlsEndpoint(origin=origin, kind="service", name=name, min_version=default, plaintext_allowed=False)
        version = _elb_min_version(policy) or obj.unknown(f"unrecognised ELB security policy {policy!r}",
                                                          annotations.key_lines[key])
        return TlsEndpoint(origin=origin, field_origins={"min_version": obj.at(annotations.field_span(key))},
                           kind="service", name=name, min_version=version, plaintext_allowed=False, policy_name=policy)
    if port in PLAINTEXT_PORTS and not internal:
        return TlsEndpoint(origin=origin, kind="service", name=name, min_version=None, plaintext_allowed=True)
    return None


def _ssl_port(annotations: YamlMap, entry: YamlMap, port: int) -> bool:
    """Whether `aws-load-balancer-ssl-ports` (port numbers or names; absent or `*`: all) covers the port."""
    listed = _text(annotations.get(f"{_AWS}ssl-ports"))
    if listed is None:
        return True
    names = {p.strip() for p in listed.split(",")}
    return bool(names & {"*", str(port), _text(entry.get("name"))})


def _elb_min_version(policy: str) -> TlsVersion | None:
    if policy in _ELB_TLS1_0_POLICIES:
        return TlsVersion.TLS1_0
    match = _ELB_VERSIONED_POLICY.match(policy)
    return _TLS_BY_MINOR[int(match.group(1))] if match else None


# --- Ingress ---------------------------------------------------------------------------------------------------


def _ingress(obj: _Object) -> Iterator[Asset]:
    spec = _map(obj.doc.get("spec"))
    if spec is None:
        return
    spec_origin = obj.at(obj.doc.field_span("spec"), "spec")
    plaintext, plaintext_origin = _ingress_plaintext(obj, spec, spec_origin)
    yield TlsEndpoint(origin=spec_origin, field_origins={"plaintext_allowed": plaintext_origin}, kind="ingress",
                      name=obj.qualified_name, min_version=None, plaintext_allowed=plaintext)


def _ingress_plaintext(obj: _Object, spec: YamlMap, spec_origin: Origin) -> tuple[bool | Unknown, Origin]:
    """Plaintext unless `tls` covers every rule's host; the origin names what is missing."""
    tls = spec.get("tls")
    if not tls:
        return True, spec_origin
    tls_origin = spec_origin.at(obj.location(spec.field_span("tls")), "tls")
    if not isinstance(tls, YamlList):
        return obj.unknown("spec.tls is not a list", spec.key_lines["tls"]), tls_origin
    covered: set[str] = set()
    for entry, span in _items(tls):
        hosts = _strings(obj, entry, "hosts") if isinstance(entry, YamlMap) else obj.unknown(
            "spec.tls entry is not a mapping", span.start)
        if isinstance(hosts, Unknown):
            return hosts, tls_origin
        covered.update(h.lower() for h in hosts or ["*"])  # an entry without hosts covers every host
    for index, (rule, span) in enumerate(_items(spec.get("rules"))):
        host = _text(rule.get("host")) if isinstance(rule, YamlMap) else None
        if not _host_covered(host, covered):
            return True, spec_origin.at(obj.location(span), f"rules[{host or index}]")
    return False, tls_origin


def _host_covered(host: str | None, covered: set[str]) -> bool:
    if "*" in covered:
        return True
    if host is None:  # a rule without a host serves every host, over plain HTTP unless TLS covers all
        return False
    host = host.lower()
    return host in covered or ("." in host and f"*.{host.split('.', 1)[1]}" in covered)


# --- ConfigMap: Vault configuration ----------------------------------------------------------------------------


def _config_map(obj: _Object) -> Iterator[Asset]:
    data = _map(obj.doc.get("data"))
    if data is None:
        return
    for key, value in data.items():
        if isinstance(value, str) and _VAULT_LISTENER.search(value):
            yield from _vault_listeners(obj, str(key), value, data.value_spans[key])


def _vault_listeners(obj: _Object, key: str, text: str, span: Span) -> Iterator[TlsEndpoint]:
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


def _vault_attribute(obj: _Object, block: Block, name: str, file_line: Callable[[int], int]) -> Any:
    """An attribute's literal value, None when absent, Unknown for an expression (Vault reads literals only)."""
    from scanner.sources.terraform.hcl import LiteralValue

    attr = block.body.attributes.get(name)
    if attr is None:
        return None
    if isinstance(attr.expr, LiteralValue):
        return attr.expr.value
    return obj.unknown(f"{name} is an expression, not a literal", file_line(attr.range.start_line))


def _vault_tls_disabled(obj: _Object, block: Block, file_line: Callable[[int], int]) -> bool | Unknown:
    value = _vault_attribute(obj, block, "tls_disable", file_line)
    if value is None:
        return False
    if isinstance(value, bool | Unknown):
        return value
    text = (_text(value) or "").lower()
    if text in _GO_BOOLS:
        return _GO_BOOLS[text]
    line = file_line(block.body.attributes["tls_disable"].range.start_line)
    return obj.unknown(f"tls_disable {value!r} is not a boolean", line)


def _vault_tls_version(obj: _Object, block: Block, file_line: Callable[[int], int]) -> TlsVersion | Unknown:
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


def _role(obj: _Object) -> Iterator[Asset]:
    for index, (rule, span) in enumerate(_items(obj.doc.get("rules"))):
        rule = _map(rule) or YamlMap(span)
        resources = _rbac_resources(obj, rule)
        if resources == []:
            continue  # a rule naming no resources grants nothing
        field_origins: dict[str, Origin] = {}
        if "verbs" in rule:
            field_origins["actions"] = obj.at(rule.field_span("verbs"))
        resource_span = _covering(rule, ("apiGroups", "resources", "resourceNames", "nonResourceURLs"))
        if resource_span is not None:
            field_origins["resources"] = obj.at(resource_span)
        yield AccessGrant(
            origin=obj.at(span, f"rules[{index}]"),
            field_origins=field_origins,
            kind=GrantKind.ROLE_DEFINITION,
            name=f"{obj.kind}/{obj.name} rules[{index}]",
            actions=_strings(obj, rule, "verbs"),
            resources=resources,
        )


def _rbac_resources(obj: _Object, rule: YamlMap) -> list[str | Unknown] | Unknown:
    """`group/resource` for each API group and resource (`core` for the empty group), plus non-resource URLs.

    `*` on both is written `*`, every resource everywhere; `resourceNames` narrow to `group/resource/name`.
    """
    lists = [_strings(obj, rule, k) for k in ("apiGroups", "resources", "resourceNames", "nonResourceURLs")]
    for value in lists:
        if isinstance(value, Unknown):
            return value
    groups, resources, names, urls = (v for v in lists if not isinstance(v, Unknown))
    found: list[str | Unknown] = []
    for group in groups:
        for resource in resources:
            base = "*" if group == resource == "*" else f"{group or 'core'}/{resource}"
            found.extend([f"{base}/{n}" for n in names] if names else [base])
    found.extend(urls)
    return found


def _binding(obj: _Object) -> Iterator[Asset]:
    doc = obj.doc
    field_origins: dict[str, Origin] = {}
    role_ref = _map(doc.get("roleRef"))
    role: str | Unknown = obj.unknown("roleRef is missing", doc.span.start)
    if role_ref is not None:
        field_origins["role"] = obj.at(doc.field_span("roleRef"), "roleRef")
        role = _text(role_ref.get("name")) or obj.unknown("roleRef has no name", doc.key_lines["roleRef"])
    if "subjects" in doc:
        field_origins["principals"] = obj.at(doc.field_span("subjects"), "subjects")
    subjects = doc.get("subjects")
    principals: list[str | Unknown] | Unknown = (
        [_subject(obj, s, span.start) for s, span in _items(subjects)]
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
    )


def _subject(obj: _Object, subject: Any, line: int) -> str | Unknown:
    name = _text(subject.get("name")) if isinstance(subject, YamlMap) else None
    if name is None:
        return obj.unknown("subject has no name", line)
    if subject.get("kind") == "ServiceAccount":
        return f"{_text(subject.get('namespace')) or obj.namespace or 'default'}:{name}"
    return name


# --- EncryptionConfiguration -----------------------------------------------------------------------------------


def _encryption(obj: _Object) -> Iterator[Asset]:
    for index, (entry, span) in enumerate(_items(obj.doc.get("resources"))):
        entry = _map(entry) or YamlMap(span)
        kinds = _strings(obj, entry, "resources")
        name = ", ".join(kinds) if isinstance(kinds, list) and kinds else f"resources[{index}]"
        origin = obj.at(span, f"resources[{index}]")
        providers = _items(entry.get("providers"))
        if not providers:
            reason = obj.unknown("no encryption providers are listed", span.start)
            yield DataStore(origin=origin, kind="kubernetes_secrets", name=name, encrypted=reason,
                            key_management=reason)
            continue
        yield _first_provider(obj, name, origin, *providers[0])


def _first_provider(obj: _Object, name: str, origin: Origin, provider: Any, span: Span) -> DataStore:
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
        config = _map(provider[provider_type]) or YamlMap(span)
        key_bits, key_span = _first_key_bits(obj, config, span)
        return DataStore(origin=origin, field_origins={**at_provider, "key_bits": obj.at(key_span, "keys[0]")},
                         kind="kubernetes_secrets", name=name, encrypted=True, algorithm=str(provider_type),
                         key_bits=key_bits, key_management=KeyManagement.PROVIDER)
    reason = obj.unknown(f"unrecognised encryption provider {provider_type!r}", span.start)
    return DataStore(origin=origin, field_origins=at_provider, kind="kubernetes_secrets", name=name,
                     encrypted=reason, key_management=reason)


def _first_key_bits(obj: _Object, config: YamlMap, provider_span: Span) -> tuple[int | Unknown, Span]:
    keys = _items(config.get("keys"))
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


_ADAPTERS: dict[str, Callable[[_Object], Iterator[Asset]]] = {
    "Service": _service,
    "Ingress": _ingress,
    "ConfigMap": _config_map,
    "Role": _role,
    "ClusterRole": _role,
    "RoleBinding": _binding,
    "ClusterRoleBinding": _binding,
    "EncryptionConfiguration": _encryption,
}

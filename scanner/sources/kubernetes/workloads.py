"""Pods of every workload kind: ports on the node's own addresses, and the control plane's flags.

- `hostNetwork: true` puts every port the pod listens on onto the node's addresses (and out of reach of
  NetworkPolicies); `hostPort` maps one container port there. Who reaches a node depends on the nodes'
  network and firewall, which manifests do not show: the rules are could-not-evaluate, as for NodePorts.
- kube-apiserver, etcd and kubelet containers (static Pod manifests, or workloads that run them) are read
  by their flags: `--insecure-port`/`--insecure-bind-address` (a plaintext API that skips authentication),
  `--kubelet-https=false`, `--tls-min-version`, `--encryption-provider-config` (Secrets in etcd), etcd's
  `--cert-file`, `--client-cert-auth` and client URLs, and the kubelet's `--read-only-port`.
- A `KubeletConfiguration` file gives the same kubelet settings as fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

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
    PortSet,
    TlsEndpoint,
    TlsVersion,
    Unknown,
    normalize_protocol,
)
from scanner.sources.kubernetes.objects import (
    Cluster,
    KubeObject,
    as_map,
    as_text,
    containers,
    is_true,
    items_of,
    pod_template,
    port_number,
)
from scanner.sources.kubernetes.yaml_lines import Span, YamlMap

_NODE_PEERS = "a port on the node's addresses is reachable wherever the node is: that depends on the nodes' " \
    "network and firewall"
# Go's crypto/tls names, as the Kubernetes components take them.
_GO_TLS_VERSIONS = {"VersionTLS10": TlsVersion.TLS1_0, "VersionTLS11": TlsVersion.TLS1_1,
                    "VersionTLS12": TlsVersion.TLS1_2, "VersionTLS13": TlsVersion.TLS1_3}
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
_VERSION_TAG = re.compile(r":v?(\d+)\.(\d+)")


def adapt_workload(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    template = pod_template(obj)
    if template is None:
        return
    yield from _host_ports(obj, template.spec, template.anchor)
    for container, span in containers(template.spec):
        yield from _control_plane(obj, container, span)


# --- Ports on the node ------------------------------------------------------------------------------------------


def _host_ports(obj: KubeObject, spec: YamlMap, anchor: str) -> Iterator[Firewall]:
    host_network = is_true(spec.get("hostNetwork"))
    peers = Unknown(reason=_NODE_PEERS)
    rules: list[NetworkRule] = []
    declared = 0
    for container, _ in containers(spec):
        name = as_text(container.get("name")) or "container"
        for entry, span in items_of(container.get("ports")):
            if not isinstance(entry, YamlMap):
                continue
            declared += 1
            key = "hostPort" if "hostPort" in entry else "containerPort" if host_network else None
            if key is None:
                continue
            port = port_number(obj, entry, key)
            ports = port if isinstance(port, Unknown) else PortSet.ports(port)
            protocol = normalize_protocol(as_text(entry.get("protocol")) or "TCP")
            rules.append(NetworkRule(origin=obj.at(span, f"{anchor}.containers[{name}].ports[{entry.get(key)}]"),
                                     name=f"{name} {key} {entry.get(key)}", direction=Direction.INGRESS,
                                     protocol=protocol, ports=ports, peers=peers))
    if host_network and not declared:
        reason = obj.unknown("hostNetwork: every port the pod listens on is on the node's addresses",
                             spec.key_lines["hostNetwork"])
        rules.append(NetworkRule(origin=obj.at(spec.field_span("hostNetwork"), f"{anchor}.hostNetwork"),
                                 name="hostNetwork", direction=Direction.INGRESS, protocol="tcp", ports=reason,
                                 peers=peers))
    if rules:
        # Located at hostNetwork, or at the first host port.
        origin = obj.at(spec.field_span("hostNetwork"), f"{anchor}.hostNetwork") if host_network else rules[0].origin
        yield Firewall(origin=origin, name=f"{obj.qualified_name} (node ports)", ordering="union", rules=rules)


# --- Control plane ----------------------------------------------------------------------------------------------


@dataclass
class _Flags:
    """A component's command-line flags (`--name=value` or `--name value`) and the lines they stand on."""

    values: dict[str, str]
    lines: dict[str, int]
    span: Span

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def line(self, name: str) -> int:
        return self.lines.get(name, self.span.start)


def _flags(container: YamlMap, span: Span) -> tuple[str | None, _Flags]:
    """The component a container runs (kube-apiserver, etcd, kubelet) and its flags."""
    tokens: list[tuple[str, int]] = []
    for key in ("command", "args"):
        value = container.get(key)
        for item, item_span in items_of(value):
            if isinstance(item, str):
                # `sh -c "kube-apiserver --a=b …"` and one-line commands are split the way a shell would.
                tokens.extend((word, item_span.start) for word in item.split())
    component = None
    for word, _ in tokens[:3]:
        base = word.rsplit("/", 1)[-1]
        if base in ("kube-apiserver", "etcd", "kubelet"):
            component = base
            break
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for index, (word, line) in enumerate(tokens):
        if not word.startswith("--"):
            continue
        name, sep, value = word[2:].partition("=")
        if not sep:
            following = tokens[index + 1][0] if index + 1 < len(tokens) else ""
            value = following if following and not following.startswith("-") else "true"
        values[name], lines[name] = value.strip("\"'"), line
    if component == "etcd":
        # etcd reads every flag from an ETCD_* variable too (ETCD_CLIENT_CERT_AUTH for --client-cert-auth).
        for entry, entry_span in items_of(container.get("env")):
            env_name = as_text(entry.get("name")) if isinstance(entry, YamlMap) else None
            if env_name and env_name.startswith("ETCD_"):
                flag = env_name[5:].lower().replace("_", "-")
                value = as_text(entry.get("value"))
                values.setdefault(flag, value if value is not None else "$(reference)")
                lines.setdefault(flag, entry_span.start)
    flags_span = _covering_lines(container, span)
    return component, _Flags(values=values, lines=lines, span=flags_span)


def _covering_lines(container: YamlMap, span: Span) -> Span:
    spans = [container.field_span(k) for k in ("command", "args") if k in container]
    return Span(min(s.start for s in spans), max(s.end for s in spans)) if spans else span


def _control_plane(obj: KubeObject, container: YamlMap, span: Span) -> Iterator[Asset]:
    component, flags = _flags(container, span)
    if component is None:
        return
    image = as_text(container.get("image")) or ""
    at_flags = obj.at(flags.span, component)

    def at(name: str) -> Origin:
        line = flags.line(name)
        return obj.at(Span(line, line), f"{component}.--{name}")

    if component == "kube-apiserver":
        yield from _apiserver(obj, flags, image, at_flags, at)
    elif component == "etcd":
        yield from _etcd(obj, flags, image, at_flags, at)
    else:
        yield from _kubelet_flags(obj, flags, image, at_flags, at)


def _tls_version(obj: KubeObject, value: str | None, line: int,
                 default: TlsVersion | Unknown) -> TlsVersion | Unknown:
    if value is None:
        return default
    version = _GO_TLS_VERSIONS.get(value) or TlsVersion.parse(value)
    return version if version is not None else obj.unknown(f"--tls-min-version {value!r} is not a TLS version", line)


def _image_version(image: str) -> tuple[int, int] | None:
    match = _VERSION_TAG.search(image.rsplit("/", 1)[-1])
    return (int(match.group(1)), int(match.group(2))) if match else None


def _go_default(image: str, component: str, since: tuple[int, int]) -> TlsVersion | Unknown:
    """Without --tls-min-version the Go default applies: TLS 1.2 from the release built with Go 1.22."""
    version = _image_version(image)
    if version is not None and version >= since:
        return TlsVersion.TLS1_2
    return Unknown(reason=f"--tls-min-version is not set: {component}'s default depends on the Go version it was "
                          f"built with (TLS 1.2 from {since[0]}.{since[1]}, TLS 1.0 before)")


def _apiserver(obj: KubeObject, flags: _Flags, image: str, at_flags: Origin,
               at: Callable[[str], Origin]) -> Iterator[Asset]:
    name = f"{obj.qualified_name}/kube-apiserver"
    insecure_port = flags.get("insecure-port")
    if insecure_port is None and (_image_version(image) or (0, 0)) >= (1, 20):
        insecure_port = "0"  # the default from 1.20 (and the flag is gone from 1.24)
    bind = flags.get("insecure-bind-address")
    if (insecure_port not in (None, "0")) or (bind is not None and insecure_port != "0"):
        decided = "insecure-port" if insecure_port not in (None, "0") else "insecure-bind-address"
        yield TlsEndpoint(origin=at(decided), kind="kube_apiserver_insecure_port", name=name, min_version=None,
                          plaintext_allowed=True)
    if (flags.get("kubelet-https") or "").lower() == "false":
        yield TlsEndpoint(origin=at("kubelet-https"), kind="kube_apiserver_kubelet_client", name=name,
                          min_version=None, plaintext_allowed=True)
    version = _tls_version(obj, flags.get("tls-min-version"), flags.line("tls-min-version"),
                           _go_default(image, "kube-apiserver", (1, 30)))
    yield TlsEndpoint(origin=at_flags, field_origins={"min_version": at("tls-min-version")}
                      if flags.get("tls-min-version") else {}, kind="kube_apiserver", name=name, min_version=version,
                      plaintext_allowed=False)
    if flags.get("encryption-provider-config") is None:
        # Without an EncryptionConfiguration the API server writes Secrets to etcd as they are.
        yield DataStore(origin=at_flags, kind="kubernetes_secrets", name=f"{name} (etcd)", encrypted=False,
                        key_management=KeyManagement.NONE)


def _etcd(obj: KubeObject, flags: _Flags, image: str, at_flags: Origin,
          at: Callable[[str], Origin]) -> Iterator[Asset]:
    name = f"{obj.qualified_name}/etcd"
    urls = [u.strip() for u in (flags.get("listen-client-urls") or "").split(",") if u.strip()]
    plain_urls = [u for u in urls if u.startswith("http://") and not u[7:].startswith(_LOOPBACK)]
    tls = bool(flags.get("cert-file") or is_true(flags.get("auto-tls")))
    if plain_urls or not tls:
        decided = "listen-client-urls" if plain_urls else "cert-file"
        yield TlsEndpoint(origin=at(decided) if plain_urls else at_flags, kind="etcd_client_port", name=name,
                          min_version=None, plaintext_allowed=True)
    else:
        version = _tls_version(obj, flags.get("tls-min-version"), flags.line("tls-min-version"),
                               _go_default(image, "etcd", (3, 5)))
        yield TlsEndpoint(origin=at_flags, field_origins={"min_version": at("tls-min-version")}
                          if flags.get("tls-min-version") else {}, kind="etcd_client_port", name=name,
                          min_version=version, plaintext_allowed=False)
    if not is_true(flags.get("client-cert-auth")):
        # Without client certificates every client that reaches etcd reads and writes the whole cluster state.
        where = at("client-cert-auth") if "client-cert-auth" in flags.values else at_flags
        yield AccessGrant(origin=where, field_origins={"principals": where}, kind=GrantKind.RESOURCE_POLICY,
                          name=f"{name} client access", principals=["*"], actions=["read", "write"],
                          resources=[name])


def _kubelet_flags(obj: KubeObject, flags: _Flags, image: str, at_flags: Origin,
                   at: Callable[[str], Origin]) -> Iterator[Asset]:
    name = f"{obj.qualified_name}/kubelet"
    read_only = flags.get("read-only-port")
    if read_only not in (None, "0"):
        yield TlsEndpoint(origin=at("read-only-port"), kind="kubelet_read_only_port", name=name, min_version=None,
                          plaintext_allowed=True)
    if flags.get("tls-min-version") is not None:
        version = _tls_version(obj, flags.get("tls-min-version"), flags.line("tls-min-version"), TlsVersion.TLS1_2)
        yield TlsEndpoint(origin=at("tls-min-version"), kind="kubelet", name=name, min_version=version,
                          plaintext_allowed=False)


def kubelet_configuration(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    """A KubeletConfiguration file: `readOnlyPort` (plain HTTP when not 0), `tlsMinVersion`, and anonymous
    requests allowed everything."""
    doc = obj.doc
    name = f"{obj.name}/kubelet"
    port = doc.get("readOnlyPort")
    if port not in (None, 0, "0"):
        yield TlsEndpoint(origin=obj.at(doc.field_span("readOnlyPort"), "readOnlyPort"), kind="kubelet_read_only_port",
                          name=name, min_version=None, plaintext_allowed=True)
    value = as_text(doc.get("tlsMinVersion"))
    if value is not None:
        version = _tls_version(obj, value, doc.key_lines["tlsMinVersion"], TlsVersion.TLS1_2)
        yield TlsEndpoint(origin=obj.at(doc.field_span("tlsMinVersion"), "tlsMinVersion"), kind="kubelet", name=name,
                          min_version=version, plaintext_allowed=False)
    # Anonymous requests are refused by the default Webhook authorization; AlwaysAllow lets them do anything.
    anonymous = as_map((as_map(doc.get("authentication")) or YamlMap(doc.span)).get("anonymous"))
    authorization = as_map(doc.get("authorization")) or YamlMap(doc.span)
    if anonymous is not None and is_true(anonymous.get("enabled")) and authorization.get("mode") == "AlwaysAllow":
        origin = obj.at(anonymous.field_span("enabled"), "authentication.anonymous.enabled")
        yield AccessGrant(origin=origin, field_origins={"principals": origin}, kind=GrantKind.RESOURCE_POLICY,
                          name=f"{name} API", principals=["system:anonymous"], actions=["read", "exec"],
                          resources=[name])

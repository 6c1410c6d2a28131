"""Ingresses and the controllers that serve them: where TLS ends, and whether plain HTTP only redirects.

`spec.tls` is only one way to serve HTTPS. The controllers' own documentation gives the others, read here:

- GKE: `networking.gke.io/managed-certificates` or `ingress.gcp.kubernetes.io/pre-shared-cert`, and a
  `FrontendConfig` (named by `networking.gke.io/v1beta1.FrontendConfig`) whose `redirectToHttps` is enabled,
  or `kubernetes.io/ingress.allow-http: "false"`. GKE serves HTTP next to HTTPS unless told otherwise.
- AWS Load Balancer Controller: `listen-ports`, `ssl-redirect`, `certificate-arn`, `ssl-policy` and `scheme`
  (internal unless `internet-facing`), or the same settings in the IngressClass's `IngressClassParams`.
- ingress-nginx: `force-ssl-redirect`; `ssl-redirect` (on by default for Ingresses with TLS) turned off
  re-opens plain HTTP; the controller's ConfigMap sets both for every Ingress, and `ssl-protocols`.
- Azure Application Gateway `ssl-redirect`, Traefik `router.tls`, Contour and HAProxy redirects, Kong
  `protocols`: HTTPS only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from scanner.model import Asset, Origin, TlsEndpoint, TlsVersion, Unknown
from scanner.providers.aws import ELB_DEFAULT_POLICY, elb_policy_min_version
from scanner.sources.kubernetes.objects import (
    Cluster,
    KubeObject,
    PodTemplate,
    as_map,
    as_text,
    containers,
    is_true,
    items_of,
    pod_template,
    selects,
    strings_of,
)
from scanner.sources.kubernetes.yaml_lines import YamlList, YamlMap

_NGINX = "nginx.ingress.kubernetes.io/"
_ALB = "alb.ingress.kubernetes.io/"
_GKE_CERTIFICATES = ("networking.gke.io/managed-certificates", "ingress.gcp.kubernetes.io/pre-shared-cert")
_GKE_FRONTEND_CONFIG = "networking.gke.io/v1beta1.FrontendConfig"
_GKE_ALLOW_HTTP = "kubernetes.io/ingress.allow-http"
_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
# Other controllers' annotations that answer plain HTTP with a redirect, or serve HTTPS only, from their
# guides: Azure Application Gateway, Traefik (a router with TLS serves HTTPS requests only), Contour and
# HAProxy's redirects, Kong's route protocols.
_HTTPS_ONLY: dict[str, Callable[[str], bool]] = {
    "appgw.ingress.kubernetes.io/ssl-redirect": lambda v: v == "true",
    "traefik.ingress.kubernetes.io/router.tls": lambda v: v == "true",
    "ingress.kubernetes.io/force-ssl-redirect": lambda v: v == "true",
    "haproxy.org/ssl-redirect": lambda v: v == "true",
    "konghq.com/protocols": lambda v: bool(v) and not {"http", "grpc"} & {p.strip() for p in v.split(",")},
}
# IngressClass `spec.controller` -> the controller; and the class names the controllers' guides use.
_CONTROLLERS = {"ingress.k8s.aws/alb": "alb", "k8s.io/ingress-nginx": "nginx"}
_CLASS_NAMES = {"alb": "alb", "nginx": "nginx", "gce": "gce", "gce-internal": "gce-internal",
                "azure/application-gateway": "agic", "azure-application-gateway": "agic"}
# The ConfigMap names of ingress-nginx's static manifests (current, then before v0.40).
_NGINX_CONFIG_MAPS = ("ingress-nginx-controller", "nginx-configuration")
_NGINX_LABELS = {"app.kubernetes.io/name": "ingress-nginx", "app": "ingress-nginx"}
# Labels of other well-known ingress proxies' Services, whose redirects are configured in their routes.
_OTHER_PROXIES = {
    ("app.kubernetes.io/name", "traefik"): "Traefik",
    ("istio", "ingressgateway"): "the Istio ingress gateway",
    ("app.kubernetes.io/name", "kong"): "Kong",
    ("app.kubernetes.io/name", "contour"): "Contour",
}
_SSL_PROTOCOLS = re.compile(r"ssl_protocols\s+([^;]+);")


def ingress(obj: KubeObject, cluster: Cluster) -> Iterator[Asset]:
    spec = obj.spec
    if spec is None:
        return
    spec_origin = obj.at(obj.doc.field_span("spec"), "spec")
    controller, ingress_class = _controller(obj, spec, cluster)
    if controller == "alb":
        yield from _alb(obj, spec, spec_origin, cluster, ingress_class)
        return
    if controller == "gce-internal":
        return  # an internal Application Load Balancer: not reachable from the internet
    if controller == "gce":
        plaintext, origin = _gke_plaintext(obj, spec, spec_origin, cluster)
    else:
        plaintext, origin = _tls_plaintext(obj, spec, spec_origin)
        if controller == "nginx":
            plaintext, origin = _nginx_plaintext(obj, cluster, plaintext, origin)
        else:
            redirect = next((k for k, https_only in _HTTPS_ONLY.items()
                             if k in obj.annotations and https_only((obj.annotation(k) or "").strip().lower())), None)
            if redirect is not None:
                plaintext, origin = False, obj.at_annotation(redirect)
    field_origins = {"plaintext_allowed": origin}
    version: TlsVersion | Unknown | None = None
    # ssl_protocols in a snippet, or an `ssl-protocols` annotation (the ConfigMap key, as manifests also
    # write it on the Ingress): the protocols the manifest asks for.
    for key in (f"{_NGINX}server-snippet", f"{_NGINX}configuration-snippet", f"{_NGINX}ssl-protocols"):
        text = obj.annotation(key)
        if text is None:
            continue
        asked: TlsVersion | Unknown | None = (
            oldest_protocol(text) if key.endswith("ssl-protocols") else _ssl_protocols(text))
        if asked is None and key.endswith("ssl-protocols"):
            asked = obj.unknown(f"ssl-protocols {text!r} names no TLS version", obj.annotations.key_lines[key])
        if asked is not None:
            version, field_origins["min_version"] = asked, obj.at_annotation(key)
    yield TlsEndpoint(origin=spec_origin, field_origins=field_origins, kind="ingress", name=obj.qualified_name,
                      min_version=version, plaintext_allowed=plaintext)


def _controller(obj: KubeObject, spec: YamlMap, cluster: Cluster) -> tuple[str, KubeObject | None]:
    """Which controller serves the Ingress: by its class, else by the annotations it was written for."""
    name = as_text(spec.get("ingressClassName")) or obj.annotation(_CLASS_ANNOTATION)
    ingress_class = cluster.get("IngressClass", None, name) if name else None
    if ingress_class is not None:
        controller = as_text(ingress_class.spec_value("controller"))
        if controller in _CONTROLLERS:
            return _CONTROLLERS[controller], ingress_class
    if name in _CLASS_NAMES:
        return _CLASS_NAMES[str(name)], ingress_class
    keys = [str(k) for k in obj.annotations]
    if any(k.startswith(_ALB) for k in keys):
        return "alb", ingress_class
    if any(k in (*_GKE_CERTIFICATES, _GKE_FRONTEND_CONFIG) for k in keys):
        return "gce", ingress_class
    if any(k.startswith(_NGINX) for k in keys):
        return "nginx", ingress_class
    return "other", ingress_class


def _tls_plaintext(obj: KubeObject, spec: YamlMap, spec_origin: Origin) -> tuple[bool | Unknown, Origin]:
    """Plaintext unless `tls` covers every rule's host; the origin names what is missing."""
    tls = spec.get("tls")
    if not tls:
        return True, spec_origin
    tls_origin = spec_origin.at(obj.location(spec.field_span("tls")), "tls")
    if not isinstance(tls, YamlList):
        return obj.unknown("spec.tls is not a list", spec.key_lines["tls"]), tls_origin
    covered: set[str] = set()
    for entry, span in items_of(tls):
        hosts = strings_of(obj, entry, "hosts") if isinstance(entry, YamlMap) else obj.unknown(
            "spec.tls entry is not a mapping", span.start)
        if isinstance(hosts, Unknown):
            return hosts, tls_origin
        covered.update(h.lower() for h in hosts or ["*"])  # an entry without hosts covers every host
    for index, (rule, span) in enumerate(items_of(spec.get("rules"))):
        host = as_text(rule.get("host")) if isinstance(rule, YamlMap) else None
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


# --- GKE -------------------------------------------------------------------------------------------------------


def _gke_plaintext(obj: KubeObject, spec: YamlMap, spec_origin: Origin,
                   cluster: Cluster) -> tuple[bool | Unknown, Origin]:
    """GKE serves HTTP next to HTTPS, unless HTTP is switched off or a FrontendConfig redirects it."""
    if (obj.annotation(_GKE_ALLOW_HTTP) or "").strip().lower() == "false":
        return False, obj.at_annotation(_GKE_ALLOW_HTTP)
    name = obj.annotation(_GKE_FRONTEND_CONFIG)
    if name is not None:
        at = obj.at_annotation(_GKE_FRONTEND_CONFIG)
        frontend = cluster.get("FrontendConfig", obj.namespace, name)
        if frontend is None:
            line = obj.annotations.key_lines[_GKE_FRONTEND_CONFIG]
            return obj.unknown(f"FrontendConfig {name!r} is not in the scanned files", line), at
        redirect = as_map(frontend.spec_value("redirectToHttps"))
        if redirect is not None and is_true(redirect.get("enabled")):
            return False, at
        return True, at
    return True, spec_origin


# --- ingress-nginx ---------------------------------------------------------------------------------------------


def _nginx_plaintext(obj: KubeObject, cluster: Cluster, plaintext: bool | Unknown,
                     origin: Origin) -> tuple[bool | Unknown, Origin]:
    """`force-ssl-redirect` redirects every request; `ssl-redirect: "false"` stops the redirect TLS turns on."""
    force, redirect = f"{_NGINX}force-ssl-redirect", f"{_NGINX}ssl-redirect"
    if force in obj.annotations:
        if is_true(obj.annotations[force]):
            return False, obj.at_annotation(force)
    elif any(is_true(config.doc["data"].get("force-ssl-redirect")) for config in _nginx_config_maps(cluster)):
        return False, origin
    if plaintext is False:
        if redirect in obj.annotations:
            if (obj.annotation(redirect) or "").strip().lower() == "false":
                return True, obj.at_annotation(redirect)
        elif any((as_text(c.doc["data"].get("ssl-redirect")) or "").strip().lower() == "false"
                 for c in _nginx_config_maps(cluster)):
            return True, origin
    return plaintext, origin


def _nginx_config_maps(cluster: Cluster, namespace: str | None = None, selector: object = None) -> list[KubeObject]:
    """The ingress-nginx controller ConfigMaps in the scan (those of the pods `selector` picks, if given).

    A controller names its ConfigMap with `--configmap`; without the controller's workload in the scan,
    the names and labels of the project's manifests identify it.
    """
    selector_map = as_map(selector)
    key = f"nginx-config-maps:{namespace}:{sorted(selector_map.items()) if selector_map else selector}"
    cached: list[KubeObject] | None = cluster.memo.get(key)
    if cached is None:
        cached = cluster.memo[key] = _find_nginx_config_maps(cluster, namespace, selector)
    return cached


def _find_nginx_config_maps(cluster: Cluster, namespace: str | None, selector: object) -> list[KubeObject]:
    named: list[tuple[str | None, str]] = []
    for workload, template, refs in _controllers(cluster):
        if (namespace is not None and workload.namespace != namespace) or (
                selector is not None and not selects(selector, template.labels)):
            continue
        named.extend(refs)
    found = [c for ns, name in named if (c := cluster.get("ConfigMap", ns, name)) is not None]
    if named or found:
        return [c for c in found if as_map(c.doc.get("data")) is not None]
    return [
        c for c in cluster.all("ConfigMap")
        if (namespace is None or c.namespace == namespace) and as_map(c.doc.get("data")) is not None
        and (c.name in _NGINX_CONFIG_MAPS or c.name.endswith("-ingress-nginx-controller")
             or (_is_nginx(c.labels) and as_text(c.labels.get("app.kubernetes.io/component")) == "controller"))
    ]


def _controllers(cluster: Cluster) -> list[tuple[KubeObject, PodTemplate, list[tuple[str | None, str]]]]:
    """Workloads whose containers name a ConfigMap with `--configmap`, and the ConfigMaps they name (once a scan)."""
    cached: list[tuple[KubeObject, PodTemplate, list[tuple[str | None, str]]]] | None = cluster.memo.get(
        "nginx-controllers")
    if cached is not None:
        return cached
    cached = []
    for workload, template in _templates(cluster):
        refs: list[tuple[str | None, str]] = []
        for container, _ in containers(template.spec):
            for arg in _arguments(container):
                if arg.startswith("--configmap="):
                    value = arg.split("=", 1)[1].replace("$(POD_NAMESPACE)", workload.namespace or "")
                    ns, _, name = value.rpartition("/")
                    refs.append((ns or workload.namespace, name))
        if refs:
            cached.append((workload, template, refs))
    cluster.memo["nginx-controllers"] = cached
    return cached


def _templates(cluster: Cluster) -> list[tuple[KubeObject, PodTemplate]]:
    """The pod templates of the scan's Deployments and DaemonSets (once a scan)."""
    cached: list[tuple[KubeObject, PodTemplate]] | None = cluster.memo.get("controller-templates")
    if cached is None:
        cached = [(w, t) for w in cluster.all("Deployment", "DaemonSet") if (t := pod_template(w)) is not None]
        cluster.memo["controller-templates"] = cached
    return cached


def _arguments(container: YamlMap) -> list[str]:
    return [a for key in ("command", "args") for a in (container.get(key) or []) if isinstance(a, str)]


def _is_nginx(labels: object) -> bool:
    labels = as_map(labels)
    return labels is not None and any(as_text(labels.get(k)) == v for k, v in _NGINX_LABELS.items())


def ingress_proxy_plaintext(obj: KubeObject, cluster: Cluster,
                            port: YamlMap) -> tuple[bool, str | None, Origin | None] | None:
    """For the Service of an ingress proxy's plain-HTTP port: (plaintext, why unverified, where decided).

    None when the Service is not a known ingress proxy's. ingress-nginx redirects HTTP to HTTPS for every
    Ingress with TLS unless its ConfigMap says `ssl-redirect: "false"` (Ingresses without TLS are judged
    on their own), for all with `force-ssl-redirect`, and the AWS NLB manifests redirect a `tohttps` port
    with a `return 308 https://` server in `http-snippet`.
    """
    spec = obj.spec or YamlMap(obj.doc.span)
    selector = spec.get("selector")
    if _is_nginx(obj.labels) or _is_nginx(selector):
        configs = _nginx_config_maps(cluster, obj.namespace, selector)
        if not configs:
            return True, ("the ingress-nginx controller's ConfigMap (ssl-redirect, force-ssl-redirect) is not in the "
                          "scanned files"), None
        target = _target_port(port, cluster, obj.namespace, selector)
        for config in configs:
            data = config.doc["data"]
            if is_true(data.get("force-ssl-redirect")) or (
                    target is not None and target in _redirect_ports(as_text(data.get("http-snippet")) or "")):
                return False, None, None
        for config in configs:
            data = config.doc["data"]
            if (as_text(data.get("ssl-redirect")) or "").strip().lower() == "false":
                return True, None, config.at(data.field_span("ssl-redirect"), "data[ssl-redirect]")
        return False, None, None
    labels = {**(as_map(selector) or {}), **obj.labels}
    for (key, value), proxy in _OTHER_PROXIES.items():
        if as_text(labels.get(key)) == value:
            return True, f"{proxy} redirects to HTTPS in its routing configuration, which Tenet does not read", None
    return None


def _target_port(port: YamlMap, cluster: Cluster, namespace: str | None, selector: object) -> int | None:
    """The container port behind a Service port (a named target port is looked up in the pods)."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    if not isinstance(target, str):
        return None
    if target.isdigit():
        return int(target)
    for workload, template in _templates(cluster):
        if workload.namespace != namespace or not selects(selector, template.labels):
            continue
        for container, _ in containers(template.spec):
            for entry, _ in items_of(container.get("ports")):
                if isinstance(entry, YamlMap) and entry.get("name") == target:
                    number = entry.get("containerPort")
                    return number if isinstance(number, int) else None
    return None


def _redirect_ports(snippet: str) -> set[int]:
    """Ports of the `server` blocks in an nginx snippet that only `return 30x https://…`."""
    ports: set[int] = set()
    for block in _server_blocks(snippet):
        if re.search(r"return\s+30[1278]\s+https://", block):
            ports.update(int(p) for p in re.findall(r"listen\s+(?:[\w.\[\]:]*:)?(\d+)", block))
    return ports


def _server_blocks(text: str) -> Iterator[str]:
    for match in re.finditer(r"\bserver\s*\{", text):
        depth, index = 1, match.end()
        while index < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        yield text[match.end():index]


def _ssl_protocols(text: str) -> TlsVersion | None:
    """The oldest protocol an nginx `ssl_protocols` directive (or ConfigMap `ssl-protocols`) enables."""
    match = _SSL_PROTOCOLS.search(text)
    return oldest_protocol(match.group(1)) if match else None


def oldest_protocol(listed: str) -> TlsVersion | None:
    names = [p for p in re.split(r"[\s,:]+", listed) if p]
    versions = [TlsVersion.SSL3 if p.lower().startswith("ssl") else TlsVersion.parse(p) for p in names]
    known = [v for v in versions if v is not None]
    return min(known, key=lambda v: v.rank) if known else None


def nginx_config_endpoints(obj: KubeObject, cluster: Cluster) -> Iterator[TlsEndpoint]:
    """An ingress-nginx controller ConfigMap's `ssl-protocols`: the protocols of every TLS Ingress it serves."""
    data = as_map(obj.doc.get("data"))
    if data is None or "ssl-protocols" not in data or all(
            c is not obj for c in _nginx_config_maps(cluster, obj.namespace)):
        return
    version = oldest_protocol(as_text(data["ssl-protocols"]) or "")
    if version is None:
        version_or_unknown: TlsVersion | Unknown = obj.unknown(
            f"ssl-protocols {data['ssl-protocols']!r} names no TLS version", data.key_lines["ssl-protocols"])
    else:
        version_or_unknown = version
    origin = obj.at(data.field_span("ssl-protocols"), "data[ssl-protocols]")
    yield TlsEndpoint(origin=origin, kind="ingress_controller", name=obj.qualified_name,
                      min_version=version_or_unknown, plaintext_allowed=False)


# --- AWS Load Balancer Controller ------------------------------------------------------------------------------


def _alb(obj: KubeObject, spec: YamlMap, spec_origin: Origin, cluster: Cluster,
         ingress_class: KubeObject | None) -> Iterator[TlsEndpoint]:
    """One endpoint per listener: HTTPS with its security policy, HTTP unless internal or redirected."""
    params = _class_params(ingress_class, cluster)
    scheme, _ = _group_annotation(obj, cluster, f"{_ALB}scheme")
    scheme = scheme or as_text(params.get("scheme")) or "internal"
    internal = scheme.strip().lower() != "internet-facing"
    # Without `certificate-arn` the controller discovers ACM certificates for the hosts under `tls`.
    certificates = bool(obj.annotation(f"{_ALB}certificate-arn") or spec.get("tls"))
    listeners, listen_origin = _listen_ports(obj, certificates, spec_origin)
    if isinstance(listeners, Unknown):
        yield TlsEndpoint(origin=listen_origin, kind="ingress", name=obj.qualified_name, min_version=listeners,
                          plaintext_allowed=listeners)
        return
    redirect = bool((_group_annotation(obj, cluster, f"{_ALB}ssl-redirect")[0] or "").strip())
    policy_key = f"{_ALB}ssl-policy"
    policy, policy_owner = _group_annotation(obj, cluster, policy_key)
    policy = policy or as_text(params.get("sslPolicy"))
    policy_origin = policy_owner.at_annotation(policy_key) if policy_key in policy_owner.annotations else listen_origin
    default = _alb_default_policy(cluster)
    for protocol, port in listeners:
        name = f"{obj.qualified_name}:{port}"
        if protocol == "HTTPS":
            version = elb_policy_min_version(policy or default)
            shown = policy or f"{default}, the controller's default-ssl-policy"
            yield TlsEndpoint(origin=listen_origin, field_origins={"min_version": policy_origin}, kind="ingress",
                              name=name, min_version=version, plaintext_allowed=False, policy_name=shown)
        elif not internal and not redirect:
            yield TlsEndpoint(origin=listen_origin, kind="ingress", name=name, min_version=None,
                              plaintext_allowed=True)


def _alb_default_policy(cluster: Cluster) -> str:
    """The controller's `--default-ssl-policy` when its Deployment is in the scan, else the flag's default."""
    cached: str | None = cluster.memo.get("alb-default-ssl-policy")
    if cached is None:
        cached = ELB_DEFAULT_POLICY
        for _, template in _templates(cluster):
            for container, _ in containers(template.spec):
                if "aws-load-balancer-controller" not in (as_text(container.get("image")) or ""):
                    continue
                cached = next((a.split("=", 1)[1] for a in _arguments(container)
                               if a.startswith("--default-ssl-policy=")), cached)
        cluster.memo["alb-default-ssl-policy"] = cached
    return cached


def _group_annotation(obj: KubeObject, cluster: Cluster, key: str) -> tuple[str | None, KubeObject]:
    """An annotation the controller applies to a whole IngressGroup (scheme, ssl-redirect, ssl-policy are
    "exclusive": set on one Ingress, they hold for every Ingress of its `group.name`), and who sets it."""
    value = obj.annotation(key)
    group = obj.annotation(f"{_ALB}group.name")
    if value is not None or not group:
        return value, obj
    for other in cluster.all("Ingress"):
        if other is not obj and other.annotation(f"{_ALB}group.name") == group and other.annotation(key) is not None:
            return other.annotation(key), other
    return None, obj


def _class_params(ingress_class: KubeObject | None, cluster: Cluster) -> Mapping[str, Any]:
    """The `IngressClassParams` an ALB IngressClass refers to (scheme, sslPolicy), when in the scan."""
    parameters = as_map(ingress_class.spec_value("parameters")) if ingress_class is not None else None
    if parameters is None or parameters.get("kind") != "IngressClassParams":
        return {}
    found = cluster.get("IngressClassParams", None, as_text(parameters.get("name")) or "")
    return (found.spec if found is not None else None) or {}


def _listen_ports(obj: KubeObject, certificates: bool,
                  spec_origin: Origin) -> tuple[list[tuple[str, int]] | Unknown, Origin]:
    key = f"{_ALB}listen-ports"
    text = obj.annotation(key)
    if text is None:
        return ([("HTTPS", 443)] if certificates else [("HTTP", 80)]), spec_origin
    origin, line = obj.at_annotation(key), obj.annotations.key_lines[key]
    try:
        entries = json.loads(text)
    except ValueError:
        return obj.unknown("listen-ports is not JSON", line), origin
    listeners: list[tuple[str, int]] = []
    for entry in entries if isinstance(entries, list) else [None]:
        if not isinstance(entry, dict) or not entry:
            return obj.unknown("listen-ports is not a list of {\"PROTOCOL\": port}", line), origin
        for protocol, port in entry.items():
            if str(protocol).upper() not in ("HTTP", "HTTPS") or not isinstance(port, int):
                return obj.unknown(f"listen-ports entry {entry} is not HTTP or HTTPS with a port", line), origin
            listeners.append((str(protocol).upper(), port))
    return listeners, origin


# --- Proxies' own TLS settings ----------------------------------------------------------------------------------

# Istio's TLS protocol names (Gateway `servers[].tls.minProtocolVersion`).
_ISTIO_TLS = {"TLSV1_0": TlsVersion.TLS1_0, "TLSV1_1": TlsVersion.TLS1_1, "TLSV1_2": TlsVersion.TLS1_2,
              "TLSV1_3": TlsVersion.TLS1_3}
# Go's crypto/tls names, which Traefik takes.
_GO_TLS_NAMES = {"VersionTLS10": TlsVersion.TLS1_0, "VersionTLS11": TlsVersion.TLS1_1,
                 "VersionTLS12": TlsVersion.TLS1_2, "VersionTLS13": TlsVersion.TLS1_3}


def traefik_tls_option(obj: KubeObject, cluster: Cluster) -> Iterator[TlsEndpoint]:
    """A Traefik `TLSOption`: the routers that use it accept `minVersion` and later (Traefik's default: 1.2)."""
    spec = obj.spec
    if spec is None or not str(obj.doc.get("apiVersion", "")).startswith(("traefik.io/", "traefik.containo.us/")):
        return
    value = as_text(spec.get("minVersion"))
    if value is None:
        version: TlsVersion | Unknown = TlsVersion.TLS1_2
        origin = obj.at(obj.doc.field_span("spec"), "spec")
    else:
        version = _GO_TLS_NAMES.get(value) or obj.unknown(f"minVersion {value!r} is not a TLS version",
                                                          spec.key_lines["minVersion"])
        origin = obj.at(spec.field_span("minVersion"), "minVersion")
    yield TlsEndpoint(origin=origin, kind="tls_option", name=obj.qualified_name, min_version=version,
                      plaintext_allowed=False)


def istio_gateway_tls(obj: KubeObject, cluster: Cluster) -> Iterator[TlsEndpoint]:
    """Istio Gateway servers' `tls.minProtocolVersion` (unset: Istio's default, TLS 1.2)."""
    if not str(obj.doc.get("apiVersion", "")).startswith("networking.istio.io/"):
        return
    for index, (server, _) in enumerate(items_of(obj.spec_value("servers"))):
        tls = as_map(server.get("tls")) if isinstance(server, YamlMap) else None
        if tls is None or "minProtocolVersion" not in tls:
            continue
        value = as_text(tls["minProtocolVersion"]) or ""
        version = _ISTIO_TLS.get(value.upper()) or obj.unknown(
            f"minProtocolVersion {value!r} is not a TLS version", tls.key_lines["minProtocolVersion"])
        yield TlsEndpoint(origin=obj.at(tls.field_span("minProtocolVersion"), f"servers[{index}].tls"),
                          kind="gateway_server", name=f"{obj.qualified_name}/servers[{index}]", min_version=version,
                          plaintext_allowed=False)

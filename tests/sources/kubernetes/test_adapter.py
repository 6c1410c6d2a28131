"""Kubernetes manifests to model objects: exact objects, origins and line numbers."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.gating.suppressions import IGNORE_ANNOTATION, parse_annotation
from scanner.model import (
    AccessGrant,
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
)
from scanner.sources.interface import LoadContext, LoadResult
from scanner.sources.kubernetes import HELM_HINT, KubernetesSource, load_text

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "fixtures" / "seed"
PATH = "manifests/app.yaml"
INTERNET = [Peer.address_or_tag("0.0.0.0/0"), Peer.address_or_tag("::/0")]
PRIVATE = [Peer.address_or_tag(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


def load(text: str) -> LoadResult:
    return load_text(dedent(text), PATH)


def assets(text: str) -> list[object]:
    result = load(text)
    assert result.errors == []
    return list(result.assets)


def at(resource: str, start: int, end: int, anchor: str = "", within: tuple[int, int] | None = None,
       path: str = PATH) -> Origin:
    """The origin of a part (`within` the manifest's lines) or of a whole manifest."""
    return Origin(
        source=SourceKind.KUBERNETES,
        resource=resource,
        resource_type=resource.split("/", 1)[0],
        location=Location(path=path, start_line=start, end_line=end),
        resource_location=Location(path=path, start_line=within[0], end_line=within[1]) if within else None,
        anchor=anchor,
    )


def seed(name: str) -> LoadResult:
    path = SEED / name
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} is not there: copy it from ../shared/seed/samples/")
    result = KubernetesSource().load([path], LoadContext(cwd=ROOT))
    assert result.errors == []
    assert result.files == [f"fixtures/seed/{name}"]
    return result


# --- The seed samples ------------------------------------------------------------------------------------------


def test_seed_load_balancer_is_open_to_the_internet_on_plaintext_port_80() -> None:
    result = seed("k8s-deployment.yaml")
    path, svc, doc = "fixtures/seed/k8s-deployment.yaml", "Service/default/multi-cloud-app-service", (68, 79)
    port = at(svc, 77, 79, "ports[80/TCP]", doc, path)
    assert result.assets == [
        Firewall(
            origin=at(svc, 77, 79, within=doc, path=path),
            name="default/multi-cloud-app-service",
            ordering="union",
            rules=[NetworkRule(origin=port, name="80/TCP", direction=Direction.INGRESS, protocol="tcp",
                               ports=PortSet.ports(80), peers=INTERNET)],
        ),
        TlsEndpoint(origin=port, kind="service", name="default/multi-cloud-app-service:80", min_version=None,
                    plaintext_allowed=True),
    ]


def test_seed_vault_listener_with_tls_disabled_is_located_inside_the_config_map() -> None:
    result = seed("k8s-secret.yaml")
    path = "fixtures/seed/k8s-secret.yaml"
    # The Secret yields nothing; of the two listeners only "tcp" accepts network connections.
    assert result.assets == [
        TlsEndpoint(
            origin=at("ConfigMap/production/vault-config", 48, 52, "data[vault-config.hcl].listener[tcp]", (16, 52),
                      path),
            kind="vault_listener",
            name="production/vault-config/vault-config.hcl",
            min_version=None,
            plaintext_allowed=True,
        )
    ]


# --- Services --------------------------------------------------------------------------------------------------

LB = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations: {}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges:
    - 0.0.0.0/1
    - 128.0.0.0/1
  ports:
    - name: http
      port: 80
    - port: 6379
      protocol: UDP
"""


def test_load_balancer_source_ranges_are_the_peers_of_every_port() -> None:
    firewall, endpoint = assets(LB)
    svc, doc = "Service/shop/web", (1, 16)
    ranges = at(svc, 9, 11, within=doc)
    assert firewall == Firewall(
        origin=at(svc, 13, 16, within=doc),
        name="shop/web",
        rules=[
            NetworkRule(origin=at(svc, 13, 14, "ports[http]", doc), field_origins={"peers": ranges}, name="http",
                        direction=Direction.INGRESS, protocol="tcp", ports=PortSet.ports(80),
                        peers=[Peer.address_or_tag("0.0.0.0/1"), Peer.address_or_tag("128.0.0.0/1")]),
            NetworkRule(origin=at(svc, 15, 16, "ports[6379/UDP]", doc), field_origins={"peers": ranges},
                        name="6379/UDP", direction=Direction.INGRESS, protocol="udp", ports=PortSet.ports(6379),
                        peers=[Peer.address_or_tag("0.0.0.0/1"), Peer.address_or_tag("128.0.0.0/1")]),
        ],
    )
    # Source ranges do not make plaintext encrypted: port 80 of a public load balancer is still HTTP.
    assert endpoint == TlsEndpoint(origin=at(svc, 13, 14, "ports[http]", doc), kind="service", name="shop/web:80",
                                   min_version=None, plaintext_allowed=True)


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        ("service.beta.kubernetes.io/aws-load-balancer-internal", '"true"'),
        ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
        ("service.beta.kubernetes.io/azure-load-balancer-internal", '"true"'),
        ("networking.gke.io/load-balancer-type", '"Internal"'),
        ("cloud.google.com/load-balancer-type", '"Internal"'),
        ("service.beta.kubernetes.io/aws-load-balancer-type", "external"),  # the AWS controller's default scheme
        ("service.beta.kubernetes.io/aws-load-balancer-internal", '"0.0.0.0/0"'),  # any value but "false"
        ("service.beta.kubernetes.io/oci-load-balancer-internal", '"true"'),
        ("oci-network-load-balancer.oraclecloud.com/internal", '"true"'),
        ("service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type", "intranet"),
        ("service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", "private"),
        ("service.beta.kubernetes.io/openstack-internal-load-balancer", '"true"'),
    ],
)
def test_internal_load_balancers_are_reachable_from_private_networks(annotation: str, value: str) -> None:
    text = LB.replace("annotations: {}", f"annotations:\n    {annotation}: {value}")
    text = text.replace("  loadBalancerSourceRanges:\n    - 0.0.0.0/1\n    - 128.0.0.0/1\n", "")
    [firewall] = assets(text)  # no plaintext endpoint: the load balancer is not public
    assert isinstance(firewall, Firewall)
    assert [r.peers for r in firewall.rules] == [PRIVATE, PRIVATE]
    # The peers are where the annotation makes the load balancer internal.
    assert all(r.field_origins["peers"].location.start_line == 7 for r in firewall.rules)


@pytest.mark.parametrize("value", ['"false"', '""'])
def test_legacy_aws_internal_annotation_false_is_public(value: str) -> None:
    annotation = f"service.beta.kubernetes.io/aws-load-balancer-internal: {value}"
    text = LB.replace("annotations: {}", f"annotations:\n    {annotation}")
    text = text.replace("  loadBalancerSourceRanges:\n    - 0.0.0.0/1\n    - 128.0.0.0/1\n", "")
    firewall, _ = assets(text)
    assert isinstance(firewall, Firewall)
    assert [r.peers for r in firewall.rules] == [INTERNET, INTERNET]


def test_internet_facing_scheme_overrides_the_controller_default() -> None:
    text = LB.replace("annotations: {}", "annotations:\n"
                      "    service.beta.kubernetes.io/aws-load-balancer-type: external\n"
                      "    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing")
    text = text.replace("  loadBalancerSourceRanges:\n    - 0.0.0.0/1\n    - 128.0.0.0/1\n", "")
    firewall, _ = assets(text)
    assert isinstance(firewall, Firewall)
    assert firewall.rules[0].peers == INTERNET


def test_source_ranges_annotation_applies_when_the_field_is_absent() -> None:
    text = LB.replace("annotations: {}", 'annotations:\n'
                      '    service.beta.kubernetes.io/load-balancer-source-ranges: "10.1.0.0/16, 52.95.110.0/24"')
    text = text.replace("  loadBalancerSourceRanges:\n    - 0.0.0.0/1\n    - 128.0.0.0/1\n", "")
    firewall, _ = assets(text)
    assert isinstance(firewall, Firewall)
    assert firewall.rules[0].peers == [Peer.address_or_tag("10.1.0.0/16"), Peer.address_or_tag("52.95.110.0/24")]
    assert firewall.rules[0].field_origins == {"peers": at("Service/shop/web", 7, 7, within=(1, 14))}


def test_node_port_reachability_is_unknown() -> None:
    [firewall] = assets("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: debug
        spec:
          type: NodePort
          ports:
            - port: 8080
              nodePort: 30080
            - name: metrics
              port: 9090
        """)
    assert isinstance(firewall, Firewall)
    assert firewall.origin == at("Service/default/debug", 8, 11, within=(1, 11))
    peers = Unknown(reason="NodePort reachability depends on the nodes' network and firewall")
    assert [(r.name, r.ports, r.peers) for r in firewall.rules] == [
        ("8080/TCP", PortSet.ports(30080), peers),
        ("metrics", Unknown(reason="nodePort is assigned by the cluster", path=PATH, line=10), peers),
    ]


@pytest.mark.parametrize("service_type", ["ClusterIP", "ExternalName", None])
def test_services_inside_the_cluster_are_not_firewalls(service_type: str | None) -> None:
    kind = f"  type: {service_type}\n" if service_type else ""
    text = f"apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n{kind}  ports:\n  - port: 5432\n"
    assert assets(text) == []


def test_values_of_the_wrong_shape_become_unknown() -> None:
    firewall, endpoint = assets("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: odd
        spec:
          type: LoadBalancer
          loadBalancerSourceRanges: ["10.0.0.0/16", "office", 7]
          ports:
            - name: web
              port: http
            - port: 80
        """)
    assert isinstance(firewall, Firewall)
    web, plain = firewall.rules
    assert web.ports == Unknown(reason="port 'http' is not a port number", path=PATH, line=10)
    assert web.peers == [
        Peer.address_or_tag("10.0.0.0/16"),
        Unknown(reason="source range 'office' is not a CIDR", path=PATH, line=7),
        Unknown(reason="source range 7 is not a CIDR", path=PATH, line=7),
    ]
    assert plain.ports == PortSet.ports(80)
    assert isinstance(endpoint, TlsEndpoint) and endpoint.name == "default/odd:80"


def test_ports_that_are_not_a_list_become_an_unknown_rule() -> None:
    [firewall] = assets("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: LoadBalancer\n"
                        "  ports: 80\n")
    assert isinstance(firewall, Firewall)
    [rule] = firewall.rules
    assert rule.ports == rule.protocol == Unknown(reason="spec.ports is not a list", path=PATH, line=7)
    assert rule.origin.anchor == "ports"


SSL = """\
apiVersion: v1
kind: Service
metadata:
  name: elb
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn:aws:acm:eu-west-1:123456789012:certificate/abc
    service.beta.kubernetes.io/aws-load-balancer-ssl-ports: "443, admin"
    service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy: POLICY
spec:
  type: LoadBalancer
  ports:
    - name: http
      port: 80
    - name: https
      port: 443
    - name: admin
      port: 8080
"""


@pytest.mark.parametrize(
    ("policy", "version"),
    [
        ("ELBSecurityPolicy-2016-08", TlsVersion.TLS1_0),
        ("ELBSecurityPolicy-2015-05", TlsVersion.TLS1_0),
        ("ELBSecurityPolicy-TLS-1-1-2017-01", TlsVersion.TLS1_1),
        ("ELBSecurityPolicy-TLS-1-2-2017-01", TlsVersion.TLS1_2),
        ("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", TlsVersion.TLS1_2),
        ("ELBSecurityPolicy-FS-1-2-Res-2020-10", TlsVersion.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-2-2021-06", TlsVersion.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-3-2021-06", TlsVersion.TLS1_3),
        # The same table as the AWS mappings (scanner/providers/aws.py).
        ("my-custom-policy",
         Unknown(reason="'my-custom-policy' is not a known ELB security policy", path=PATH, line=8)),
    ],
)
def test_aws_certificate_annotations_terminate_tls_on_the_listed_ports(policy: str,
                                                                       version: TlsVersion | Unknown) -> None:
    _, http, https, admin = assets(SSL.replace("POLICY", policy))
    svc, doc = "Service/default/elb", (1, 17)
    assert http == TlsEndpoint(origin=at(svc, 12, 13, "ports[http]", doc), kind="service", name="default/elb:80",
                               min_version=None, plaintext_allowed=True)
    policy_origin = {"min_version": at(svc, 8, 8, within=doc)}
    assert https == TlsEndpoint(origin=at(svc, 14, 15, "ports[https]", doc), field_origins=policy_origin,
                                kind="service", name="default/elb:443", min_version=version, plaintext_allowed=False,
                                policy_name=policy)
    assert isinstance(admin, TlsEndpoint)
    assert (admin.name, admin.plaintext_allowed, admin.min_version) == ("default/elb:8080", False, version)


def test_aws_certificate_without_policy_leaves_the_version_unknown() -> None:
    text = SSL.replace('    service.beta.kubernetes.io/aws-load-balancer-ssl-ports: "443, admin"\n', "")
    text = text.replace("    service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy: POLICY\n", "")
    _, *endpoints = assets(text)
    default = Unknown(reason="no aws-load-balancer-ssl-negotiation-policy: the load balancer's default applies")
    # Without ssl-ports every port is TLS, port 80 too.
    assert [(e.name, e.plaintext_allowed, e.min_version) for e in endpoints if isinstance(e, TlsEndpoint)] == [
        ("default/elb:80", False, default), ("default/elb:443", False, default), ("default/elb:8080", False, default)
    ]


# --- Ingresses -------------------------------------------------------------------------------------------------

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: web
spec:
  TLS
  rules:
    - host: shop.example.com
      http: {}
    - host: api.example.com
      http: {}
"""


def ingress(tls: str) -> TlsEndpoint:
    [endpoint] = assets(INGRESS.replace("  TLS\n", tls))
    assert isinstance(endpoint, TlsEndpoint)
    return endpoint


def test_ingress_without_tls_accepts_plaintext_at_its_spec() -> None:
    endpoint = ingress("")
    spec = at("Ingress/web/shop", 6, 11, "spec", (1, 11))
    assert endpoint == TlsEndpoint(origin=spec, field_origins={"plaintext_allowed": spec}, kind="ingress",
                                   name="web/shop", min_version=None, plaintext_allowed=True)


def test_ingress_host_without_tls_is_named() -> None:
    endpoint = ingress("  tls:\n    - hosts: [shop.example.com]\n      secretName: shop\n")
    assert endpoint.plaintext_allowed is True
    assert endpoint.origin_of("plaintext_allowed") == at("Ingress/web/shop", 13, 14, "spec.rules[api.example.com]",
                                                         (1, 14))


@pytest.mark.parametrize(
    "tls",
    [
        "  tls:\n    - hosts: [shop.example.com, API.example.com]\n",
        "  tls:\n    - hosts: [shop.example.com]\n    - hosts: ['*.example.com']\n",
        "  tls:\n    - secretName: default-cert\n",  # a tls entry without hosts covers every host
    ],
)
def test_ingress_with_tls_for_every_host_refuses_plaintext(tls: str) -> None:
    endpoint = ingress(tls)
    assert endpoint.plaintext_allowed is False
    assert endpoint.origin_of("plaintext_allowed").anchor == "spec.tls"


def test_ingress_rule_without_host_needs_tls_for_every_host() -> None:
    [endpoint] = assets("""\
        apiVersion: extensions/v1beta1
        kind: Ingress
        metadata:
          name: catch-all
        spec:
          tls:
            - hosts: [a.example.com]
          rules:
            - http:
                paths: []
        """)
    assert isinstance(endpoint, TlsEndpoint)
    assert endpoint.plaintext_allowed is True
    assert endpoint.origin_of("plaintext_allowed").anchor == "spec.rules[0]"


def test_ingress_tls_of_the_wrong_shape_is_unknown() -> None:
    endpoint = ingress("  tls:\n    - hosts: shop.example.com\n")
    assert endpoint.plaintext_allowed == Unknown(reason="hosts is not a list of strings", path=PATH, line=8)


# --- Vault configuration in ConfigMaps -------------------------------------------------------------------------

VAULT = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: vault
  namespace: vault
data:
  server.hcl: |
    listener "tcp" {
      address = "0.0.0.0:8200"
      SETTING
    }
"""


def listener(setting: str) -> TlsEndpoint:
    [endpoint] = assets(VAULT.replace("SETTING", setting))
    assert isinstance(endpoint, TlsEndpoint)
    return endpoint


@pytest.mark.parametrize("value", ["true", '"true"', '"1"', "1", '"T"'])
def test_vault_listener_with_tls_disabled_accepts_plaintext(value: str) -> None:
    endpoint = listener(f"tls_disable = {value}")
    assert endpoint == TlsEndpoint(origin=at("ConfigMap/vault/vault", 8, 11, "data[server.hcl].listener[tcp]",
                                             (1, 11)),
                                   kind="vault_listener", name="vault/vault/server.hcl", min_version=None,
                                   plaintext_allowed=True)


@pytest.mark.parametrize(
    ("setting", "version"),
    [
        ("tls_disable = false", TlsVersion.TLS1_2),  # Vault's default minimum
        ('tls_min_version = "tls10"', TlsVersion.TLS1_0),
        ('tls_min_version = "tls13"', TlsVersion.TLS1_3),
        ('tls_min_version = "tls2"', Unknown(reason="tls_min_version 'tls2' is not a TLS version", path=PATH,
                                             line=10)),
        ("tls_min_version = var.v", Unknown(reason="tls_min_version is an expression, not a literal", path=PATH,
                                            line=10)),
    ],
)
def test_vault_listener_minimum_version(setting: str, version: TlsVersion | Unknown) -> None:
    endpoint = listener(setting)
    assert (endpoint.plaintext_allowed, endpoint.min_version) == (False, version)
    expected = Location(path=PATH, start_line=10, end_line=10) if "tls_min_version" in setting else \
        endpoint.origin.location  # without the attribute, the listener block
    assert endpoint.origin_of("min_version").location == expected


def test_vault_listener_with_unreadable_tls_disable_is_unknown_for_both_rules() -> None:
    endpoint = listener('tls_disable = "maybe"')
    unknown = Unknown(reason="tls_disable 'maybe' is not a boolean", path=PATH, line=10)
    assert (endpoint.plaintext_allowed, endpoint.min_version) == (unknown, unknown)


def test_vault_in_a_folded_or_quoted_value_points_at_the_value() -> None:
    [endpoint] = assets("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: vault
        data:
          server.hcl: "listener \\"tcp\\" {\\n  tls_disable = 1\\n}\\n"
        """)
    assert isinstance(endpoint, TlsEndpoint)
    assert endpoint.origin.location == Location(path=PATH, start_line=6, end_line=6)


def test_several_tcp_listeners_are_numbered() -> None:
    text = VAULT.replace("      SETTING\n    }\n", '    }\n    listener "tcp" {\n      tls_disable = true\n    }\n')
    first, second = assets(text)
    assert isinstance(first, TlsEndpoint) and isinstance(second, TlsEndpoint)
    assert (first.name, first.origin.anchor, first.plaintext_allowed) == (
        "vault/vault/server.hcl#1", "data[server.hcl].listener[tcp#1]", False)
    assert (second.name, second.origin.location, second.plaintext_allowed) == (
        "vault/vault/server.hcl#2", Location(path=PATH, start_line=11, end_line=13), True)


def test_invalid_vault_configuration_is_a_warning() -> None:
    result = load(VAULT.replace("SETTING", "tls_disable = = true"))
    assert result.assets == []
    [warning] = result.errors
    assert warning.level is ErrorLevel.WARNING
    assert (warning.path, warning.line) == (PATH, 10)
    assert warning.message.startswith("ConfigMap key 'server.hcl' looks like Vault configuration but is not valid HCL")


def test_config_maps_without_vault_listeners_yield_nothing() -> None:
    assert assets("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: envoy
        data:
          envoy.yaml: |
            "@type": type.googleapis.com/envoy.config.listener.v3.Listener
            listener_filters: []
          count: 3
        """) == []


# --- RBAC ------------------------------------------------------------------------------------------------------

ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods", "services"]
    verbs: ["get", "list"]
  - apiGroups: ["apps", ""]
    resources: ["deployments"]
    resourceNames: ["web"]
    verbs: ["*"]
  - nonResourceURLs: ["/healthz"]
    verbs: ["get"]
"""


def test_every_rule_of_a_role_is_a_grant() -> None:
    role, doc = "Role/shop/deployer", (1, 15)
    assert assets(ROLE) == [
        AccessGrant(
            origin=at(role, 7, 9, "rules[0]", doc),
            field_origins={"actions": at(role, 9, 9, within=doc), "resources": at(role, 7, 8, within=doc)},
            kind=GrantKind.ROLE_DEFINITION, name="Role/deployer rules[0]",
            actions=["get", "list"], resources=["core/pods", "core/services"], scope=Scope.RESOURCE_GROUP,
        ),
        AccessGrant(
            origin=at(role, 10, 13, "rules[1]", doc),
            field_origins={"actions": at(role, 13, 13, within=doc), "resources": at(role, 10, 12, within=doc)},
            kind=GrantKind.ROLE_DEFINITION, name="Role/deployer rules[1]",
            actions=["*"], resources=["apps/deployments/web", "core/deployments/web"], scope=Scope.RESOURCE_GROUP,
        ),
        AccessGrant(
            origin=at(role, 14, 15, "rules[2]", doc),
            field_origins={"actions": at(role, 15, 15, within=doc), "resources": at(role, 14, 14, within=doc)},
            kind=GrantKind.ROLE_DEFINITION, name="Role/deployer rules[2]",
            actions=["get"], resources=["/healthz"], scope=Scope.RESOURCE_GROUP,
        ),
    ]


@pytest.mark.parametrize(
    ("groups", "resources", "expected"),
    [
        ('["*"]', '["*"]', ["*"]),
        ('[""]', '["*"]', ["core/*"]),
        ('["*"]', '["pods"]', ["*/pods"]),
        ('["apps"]', '["*", "pods/log"]', ["apps/*", "apps/pods/log"]),
    ],
)
def test_cluster_role_resources(groups: str, resources: str, expected: list[str]) -> None:
    [grant] = assets(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n"
                     f"rules:\n  - apiGroups: {groups}\n    resources: {resources}\n    verbs: [get]\n")
    assert isinstance(grant, AccessGrant)
    assert grant.resources == expected
    assert grant.origin.resource == "ClusterRole/r"


def test_rules_granting_nothing_are_skipped_and_bad_lists_are_unknown() -> None:
    [grant] = assets("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n"
                     "rules:\n  - resources: [pods]\n    verbs: [get]\n  - apiGroups: ['']\n    resources: [pods]\n"
                     "    verbs: get\n")
    assert isinstance(grant, AccessGrant)
    assert grant.name == "ClusterRole/r rules[1]"
    assert grant.actions == Unknown(reason="verbs is not a list of strings", path=PATH, line=10)
    [grant] = assets("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n"
                     "rules:\n  - apiGroups: ['']\n    resources: pods\n    verbs: [get]\n")
    assert isinstance(grant, AccessGrant)
    assert grant.resources == Unknown(reason="resources is not a list of strings", path=PATH, line=7)


def test_bindings_are_role_assignments() -> None:
    crb, rb = assets("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: ci-admin
        subjects:
          - kind: ServiceAccount
            name: ci
            namespace: build
          - kind: Group
            name: system:authenticated
        roleRef:
          kind: ClusterRole
          name: cluster-admin
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: readers
          namespace: shop
        subjects:
          - kind: ServiceAccount
            name: web
          - kind: User
        roleRef:
          kind: Role
          name: pod-reader
        """)
    assert crb == AccessGrant(
        origin=at("ClusterRoleBinding/ci-admin", 1, 13),
        field_origins={"role": at("ClusterRoleBinding/ci-admin", 11, 13, "roleRef", (1, 13)),
                       "principals": at("ClusterRoleBinding/ci-admin", 5, 10, "subjects", (1, 13))},
        kind=GrantKind.ROLE_ASSIGNMENT, name="ClusterRoleBinding/ci-admin",
        principals=["build:ci", "system:authenticated"], role="cluster-admin", scope=Scope.ACCOUNT,
    )
    assert isinstance(rb, AccessGrant)
    assert rb.origin.resource == "RoleBinding/shop/readers"
    assert (rb.role, rb.scope) == ("pod-reader", Scope.RESOURCE_GROUP)
    assert rb.principals == ["shop:web", Unknown(reason="subject has no name", path=PATH, line=23)]


# --- EncryptionConfiguration -----------------------------------------------------------------------------------

ENCRYPTION = """\
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
      - configmaps
    providers:
      - PROVIDER
      - identity: {}
"""


def store(provider: str) -> DataStore:
    result = load_text(ENCRYPTION.replace("PROVIDER", provider), "cluster/encryption-config.yaml")
    assert result.errors == []
    [data_store] = result.assets
    assert isinstance(data_store, DataStore)
    assert data_store.origin.resource == "EncryptionConfiguration/encryption-config"  # no metadata: the file name
    assert data_store.origin.anchor == "resources[0]"
    return data_store


def test_identity_first_stores_secrets_unencrypted() -> None:
    data_store = store("identity: {}")
    assert (data_store.kind, data_store.name) == ("kubernetes_secrets", "secrets, configmaps")
    assert (data_store.encrypted, data_store.key_management, data_store.key_bits) == (False, KeyManagement.NONE, None)
    location = data_store.origin_of("encrypted").location
    assert location is not None and (location.start_line, location.end_line) == (8, 8)


@pytest.mark.parametrize(
    ("secret", "bits"),
    [
        ("MDEyMzQ1Njc4OWFiY2RlZg==", 128),
        ("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 256),
        ("not base64!", Unknown(reason="the first key's secret is not valid base64", path=PATH, line=10)),
    ],
)
@pytest.mark.parametrize("algorithm", ["aescbc", "aesgcm", "secretbox"])
def test_static_key_providers_are_measured_by_their_first_key(algorithm: str, secret: str, bits: int | Unknown) -> None:
    provider = f"{algorithm}:\n          keys:\n            - name: k1\n              secret: {secret}\n" \
               f"            - name: k0\n              secret: MDEyMzQ1Njc4OWFiY2RlZg=="
    data_store = store(provider)
    expected = bits.model_copy(update={"path": "cluster/encryption-config.yaml"}) if isinstance(bits, Unknown) else bits
    assert (data_store.encrypted, data_store.algorithm, data_store.key_bits, data_store.key_management) == (
        True, algorithm, expected, KeyManagement.PROVIDER)
    location = data_store.origin_of("key_bits").location
    assert location is not None and (location.start_line, location.end_line) == (10, 11)


def test_kms_first_is_customer_managed() -> None:
    data_store = store("kms:\n          apiVersion: v2\n          name: aws-kms\n          endpoint: unix:///kms.sock")
    assert (data_store.encrypted, data_store.algorithm, data_store.key_bits, data_store.key_management) == (
        True, "kms", None, KeyManagement.CUSTOMER)


def test_unknown_or_missing_providers_are_unknown() -> None:
    data_store = store("rot13: {}")
    assert data_store.encrypted == Unknown(reason="unrecognised encryption provider 'rot13'",
                                           path="cluster/encryption-config.yaml", line=8)
    [empty] = assets("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
                     "  - resources: [secrets]\n")
    assert isinstance(empty, DataStore)
    assert empty.encrypted == Unknown(reason="no encryption providers are listed", path=PATH, line=4)


# --- Files: skipping, lists, errors ----------------------------------------------------------------------------


def test_ignore_annotation_suppresses_findings_of_its_manifest() -> None:
    value = "NET-003=public storefront; TLS-001=redirects to HTTPS"
    result = load(LB.replace("annotations: {}", f"annotations:\n    {IGNORE_ANNOTATION}: {value}"))
    assert result.suppressions == parse_annotation(value, PATH, 7, "Service/shop/web")
    assert [(s.rules, s.reason) for s in result.suppressions] == [
        (("NET-003",), "public storefront"), (("TLS-001",), "redirects to HTTPS")]


def test_yaml_that_is_not_kubernetes_is_skipped_quietly() -> None:
    assert load("name: CI\non: [push]\njobs: {}\n---\nkind: Service\n---\napiVersion: 1\nkind: 2\n---\n- a\n") \
        == LoadResult()


def test_list_kinds_hold_manifests() -> None:
    text = """\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ServiceList
            items:
              - apiVersion: v1
                kind: Service
                metadata: {name: a}
                spec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}
          - apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: b}
            rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
          - not a manifest
        """
    firewall, grant = assets(text)
    assert firewall.origin == at("Service/default/a", 10, 10, within=(7, 10))  # type: ignore[attr-defined]
    assert grant.origin == at("ClusterRole/b", 14, 14, "rules[0]", (11, 14))  # type: ignore[attr-defined]


def test_helm_templates_are_a_warning_not_an_error() -> None:
    result = load("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n"
                  "    {{- include \"chart.labels\" . | nindent 4 }}\n")
    assert result.assets == []
    [warning] = result.errors
    assert warning == ScanError(path=PATH, line=6, column=7, message=HELM_HINT, level=ErrorLevel.WARNING)


def test_syntax_error_is_located_and_earlier_documents_are_used() -> None:
    result = load(LB + "---\napiVersion: v1\nkind: Service\nmetadata: {name: [x}\n")
    assert len(result.assets) == 2  # the first document's firewall and plaintext endpoint
    [error] = result.errors
    assert (error.path, error.line, error.column, error.level) == (PATH, 20, 20, ErrorLevel.ERROR)
    assert error.message.startswith("invalid YAML: ")


def test_alias_bomb_is_an_error_and_fails_fast() -> None:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: boom}", 'data: &a ["x","x","x","x","x","x"]']
    lines += [f"k{i}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 8)}]" for i in range(9)]
    result = load("\n".join(lines) + "\n")
    assert result.assets == []
    [error] = result.errors
    assert error.level is ErrorLevel.ERROR
    assert "billion laughs" in error.message


def test_crlf_manifests_have_the_same_lines() -> None:
    assert load(LB.replace("\n", "\r\n")) == load(LB)


def test_source_claims_yaml_and_reports_unreadable_files(tmp_path: Path) -> None:
    source = KubernetesSource()
    assert source.name == "kubernetes"
    assert [source.claims(Path(p)) for p in ("a.yaml", "b.YML", "c.json", "d.tf")] == [True, True, False, False]
    (tmp_path / "svc.yaml").write_text(LB, encoding="utf-8")
    (tmp_path / "blob.yaml").write_bytes(b"a: 1\n\x00\x01")
    result = source.load([tmp_path / "svc.yaml", tmp_path / "blob.yaml"], LoadContext(cwd=tmp_path))
    assert result.files == ["svc.yaml"]
    assert len(result.assets) == 2
    assert result.errors == [ScanError(path="blob.yaml", line=2, message="binary file (contains NUL bytes)")]

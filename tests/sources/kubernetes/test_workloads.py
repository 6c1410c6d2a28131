"""Pods of every workload kind: host ports, and control-plane flags in their several spellings."""

from __future__ import annotations

from textwrap import dedent

import pytest

from scanner.model import AccessGrant, DataStore, Firewall, TlsEndpoint, TlsVersion, Unknown
from scanner.sources.kubernetes import load_text

APISERVER = """\
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
    - name: kube-apiserver
      image: IMAGE
      command: COMMAND
"""


def endpoints(command: str, image: str = "registry.k8s.io/kube-apiserver:v1.31.0") -> list[object]:
    text = APISERVER.replace("IMAGE", image).replace("COMMAND", command)
    result = load_text(text, "pod.yaml")
    assert result.errors == []
    return list(result.assets)


@pytest.mark.parametrize("command", [
    '["kube-apiserver", "--insecure-port=8080", "--encryption-provider-config=/e.yaml"]',
    '["kube-apiserver", "--insecure-port", "8080", "--encryption-provider-config", "/e.yaml"]',
    '["/bin/sh", "-c", "kube-apiserver --insecure-port=8080 --encryption-provider-config=/e.yaml"]',
])
def test_flags_are_read_in_every_spelling(command: str) -> None:
    [insecure, secure] = endpoints(command)
    assert isinstance(insecure, TlsEndpoint) and isinstance(secure, TlsEndpoint)
    assert (insecure.kind, insecure.plaintext_allowed) == ("kube_apiserver_insecure_port", True)
    assert (secure.kind, secure.min_version) == ("kube_apiserver", TlsVersion.TLS1_2)


def test_insecure_port_zero_is_off_and_missing_encryption_config_leaves_secrets_plain() -> None:
    assets = endpoints('["kube-apiserver", "--insecure-port=0", "--insecure-bind-address=0.0.0.0"]')
    assert [type(a) for a in assets] == [TlsEndpoint, DataStore]
    store = assets[1]
    assert isinstance(store, DataStore) and store.encrypted is False


@pytest.mark.parametrize(("image", "expected"), [
    ("registry.k8s.io/kube-apiserver:v1.30.2", TlsVersion.TLS1_2),
    ("registry.k8s.io/kube-apiserver:v1.25.0", None),
    ("example.com/custom-apiserver@sha256:abc", None),
])
def test_without_tls_min_version_the_release_decides(image: str, expected: TlsVersion | None) -> None:
    [endpoint] = endpoints('["kube-apiserver", "--encryption-provider-config=/e.yaml"]', image)
    assert isinstance(endpoint, TlsEndpoint)
    if expected is None:
        assert isinstance(endpoint.min_version, Unknown)
    else:
        assert endpoint.min_version == expected


def test_other_containers_are_not_control_plane() -> None:
    assert endpoints('["etcdctl", "snapshot", "save", "/backup/db"]', "registry.k8s.io/etcd:3.5.12-0") == []


def test_etcd_without_client_certificates_grants_anyone() -> None:
    text = dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: etcd
        spec:
          containers:
            - name: etcd
              image: registry.k8s.io/etcd:3.5.12-0
              command: [etcd, --cert-file=/c.crt, --key-file=/c.key, --listen-client-urls=https://10.0.0.1:2379]
        """)
    endpoint, grant = load_text(text, "etcd.yaml").assets
    assert isinstance(endpoint, TlsEndpoint) and endpoint.plaintext_allowed is False
    assert isinstance(grant, AccessGrant) and grant.principals == ["*"]


def test_host_ports_of_a_deployment_are_rules_with_unknown_peers() -> None:
    text = dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: proxy
        spec:
          template:
            spec:
              containers:
                - name: proxy
                  image: envoy
                  ports:
                    - containerPort: 8080
                    - containerPort: 8443
                      hostPort: 443
        """)
    [firewall] = load_text(text, "d.yaml").assets
    assert isinstance(firewall, Firewall)
    assert [(str(r.ports), isinstance(r.peers, Unknown)) for r in firewall.rules] == [("443", True)]


@pytest.mark.parametrize(("image", "insecure"), [
    ("registry.k8s.io/kube-apiserver:v1.19.16", True),  # the insecure port defaulted to 8080 before 1.20
    ("registry.k8s.io/kube-apiserver:v1.22.0", False),
])
def test_insecure_bind_address_matters_while_the_insecure_port_is_on(image: str, insecure: bool) -> None:
    assets = endpoints('["kube-apiserver", "--insecure-bind-address=0.0.0.0", "--encryption-provider-config=/e"]',
                       image)
    kinds = [a.kind for a in assets if isinstance(a, TlsEndpoint)]
    assert ("kube_apiserver_insecure_port" in kinds) is insecure

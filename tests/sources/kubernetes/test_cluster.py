"""References between objects of one scan, whichever files they are in; and what a platform team's scan reports."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from scanner.engine.findings import ErrorLevel, Severity, Status
from scanner.scan import Scanner
from scanner.sources.kubernetes import TEMPLATE_HINT, load_text

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
  annotations:
    networking.gke.io/managed-certificates: shop-cert
    networking.gke.io/v1beta1.FrontendConfig: https-only
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 80
"""
FRONTEND_CONFIG = """\
apiVersion: networking.gke.io/v1beta1
kind: FrontendConfig
metadata:
  name: https-only
  namespace: shop
spec:
  redirectToHttps:
    enabled: {enabled}
"""


def scan(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str, Severity, Status]]:
    for name, text in files.items():
        (tmp_path / name).write_text(dedent(text), encoding="utf-8")
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [e for e in result.errors if e.level is ErrorLevel.ERROR] == []
    return sorted((f.location.path if f.location else "", f.location.start_line if f.location else 0, f.rule_id,
                   f.severity, f.status) for f in result.findings)


@pytest.mark.parametrize(("enabled", "expected"), [
    ("true", []),
    ("false", [("ingress.yaml", 8, "TLS-001", Severity.HIGH, Status.FAIL)]),
])
def test_frontend_config_in_another_file_decides_the_redirect(tmp_path: Path, enabled: str,
                                                              expected: list[object]) -> None:
    assert scan(tmp_path, {"ingress.yaml": INGRESS, "frontend.yaml": FRONTEND_CONFIG.format(enabled=enabled)}) \
        == expected


def test_frontend_config_missing_from_the_scan_is_could_not_evaluate(tmp_path: Path) -> None:
    assert scan(tmp_path, {"ingress.yaml": INGRESS}) == [("ingress.yaml", 9, "TLS-001", Severity.HIGH, Status.UNKNOWN)]


CONTROLLER_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  labels:
    app.kubernetes.io/name: ingress-nginx
    app.kubernetes.io/component: controller
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: ingress-nginx
    app.kubernetes.io/component: controller
  ports:
    - name: http
      port: 80
      targetPort: http
    - name: https
      port: 443
      targetPort: https
"""
CONTROLLER_CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
data:
  {setting}
"""


def test_nginx_controller_port_80_without_its_config_map_is_reported_once_at_low(tmp_path: Path) -> None:
    findings = scan(tmp_path, {"controller.yaml": CONTROLLER_SERVICE})
    assert findings == [
        ("controller.yaml", 15, "NET-003", Severity.LOW, Status.FAIL),
        ("controller.yaml", 15, "TLS-001", Severity.LOW, Status.FAIL),
        ("controller.yaml", 18, "NET-003", Severity.LOW, Status.FAIL),
    ]
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    [plaintext] = [f for f in result.findings if f.rule_id == "TLS-001"]
    assert "ConfigMap (ssl-redirect, force-ssl-redirect) is not in the scanned files" in plaintext.message


@pytest.mark.parametrize(("setting", "plaintext"), [
    ('force-ssl-redirect: "true"', []),
    ('ssl-redirect: "true"', []),
    ('use-forwarded-headers: "true"', []),  # ssl-redirect's default: Ingresses with TLS are redirected
    ('ssl-redirect: "false"', [("config.yaml", 7, "TLS-001", Severity.HIGH, Status.FAIL)]),
])
def test_nginx_controller_config_map_in_another_file_decides_port_80(tmp_path: Path, setting: str,
                                                                     plaintext: list[object]) -> None:
    findings = scan(tmp_path, {"controller.yaml": CONTROLLER_SERVICE,
                               "config.yaml": CONTROLLER_CONFIG.format(setting=setting)})
    assert [f for f in findings if f[2] == "TLS-001"] == plaintext


SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  type: NodePort
  ports:
    - port: 8080
"""


def test_same_service_in_two_files_keeps_each_location_and_names_each_rule_once(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "overlay").mkdir()
    (tmp_path / "base" / "svc.yaml").write_text(SERVICE, encoding="utf-8")
    (tmp_path / "overlay" / "svc.yaml").write_text("# overlay\n" + SERVICE, encoding="utf-8")
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    unknown = [f for f in result.findings if f.status is Status.UNKNOWN]
    assert sorted((f.location.path, f.location.start_line) for f in unknown if f.location) == [
        ("base/svc.yaml", 9, ), ("overlay/svc.yaml", 10)]
    for finding in unknown:
        also = finding.message.split("also stops ", 1)[1].rstrip(")").split(", ")
        assert len(also) == len(set(also))


@pytest.mark.parametrize("placeholder", ["{NAMESPACE}-api", "${NAMESPACE}-api: x", "{{ .Values.name }}"])
def test_unrendered_templates_of_any_kind_are_a_warning(placeholder: str) -> None:
    text = f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {placeholder}\n  namespace: [\n"
    result = load_text(text, "svc.yaml")
    assert result.assets == []
    assert [(e.level, e.message) for e in result.errors] == [(ErrorLevel.WARNING, TEMPLATE_HINT)]


GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: web
  namespace: web
spec:
  gatewayClassName: example
  listeners:
    - name: http
      protocol: HTTP
      port: 80
"""
ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: to-https
  namespace: web
spec:
  parentRefs:
    - name: web
      sectionName: http
  rules:
    - filters:
        - type: RequestRedirect
          requestRedirect:
            scheme: {scheme}
"""


@pytest.mark.parametrize(("scheme", "plaintext"), [
    ("https", []),
    ("http", [("gateway.yaml", 9, "TLS-001", Severity.HIGH, Status.FAIL)]),
])
def test_http_routes_in_another_file_decide_a_gateway_listener(tmp_path: Path, scheme: str,
                                                               plaintext: list[object]) -> None:
    findings = scan(tmp_path, {"gateway.yaml": GATEWAY, "route.yaml": ROUTE.format(scheme=scheme)})
    assert [f for f in findings if f[2] == "TLS-001"] == plaintext


def test_gateway_listener_without_routes_in_the_scan_is_low(tmp_path: Path) -> None:
    findings = scan(tmp_path, {"gateway.yaml": GATEWAY})
    assert [f for f in findings if f[2] == "TLS-001"] == [("gateway.yaml", 9, "TLS-001", Severity.LOW, Status.FAIL)]


ALB_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/scheme: internet-facing
    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-west-2:123456789012:certificate/abc
spec:
  ingressClassName: alb
  defaultBackend:
    service:
      name: web
      port:
        number: 80
"""
ALB_CONTROLLER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: aws-load-balancer-controller
  namespace: kube-system
spec:
  template:
    spec:
      containers:
        - name: controller
          image: public.ecr.aws/eks/aws-load-balancer-controller:v2.11.0
          args:
            - --cluster-name=prod
            - --ingress-class=alb
            {flag}
"""


@pytest.mark.parametrize(("flag", "expected"), [
    ("- --default-ssl-policy=ELBSecurityPolicy-TLS13-1-2-2021-06", []),
    ("- --aws-region=us-west-2", [("ingress.yaml", 9, "TLS-002", Severity.HIGH, Status.FAIL)]),
])
def test_alb_default_policy_comes_from_the_controller_deployment(tmp_path: Path, flag: str,
                                                                 expected: list[object]) -> None:
    findings = scan(tmp_path, {"ingress.yaml": ALB_INGRESS, "controller.yaml": ALB_CONTROLLER.format(flag=flag)})
    assert [f for f in findings if f[2] == "TLS-002"] == expected


def test_a_failing_mapping_is_an_error_on_its_object(monkeypatch: pytest.MonkeyPatch) -> None:
    from collections.abc import Iterator

    from scanner.sources.kubernetes import adapter

    def broken(obj: object, cluster: object) -> Iterator[object]:
        raise ZeroDivisionError("boom")
        yield  # pragma: no cover

    monkeypatch.setitem(adapter._ADAPTERS, "Service", broken)
    result = load_text(SERVICE, "svc.yaml")
    assert result.assets == []
    assert [(e.path, e.line, e.level, e.message) for e in result.errors] == [
        ("svc.yaml", 1, ErrorLevel.ERROR, "could not read Service 'shop/api': ZeroDivisionError: boom")]

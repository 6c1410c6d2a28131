"""Cloud load balancers in front of Kubernetes: which annotations make them internal, and who reaches them."""

from __future__ import annotations

from collections.abc import Callable

from scanner.model import Peer
from scanner.sources.kubernetes.objects import as_text
from scanner.sources.kubernetes.yaml_lines import Span, YamlMap

AWS = "service.beta.kubernetes.io/aws-load-balancer-"
# Annotation -> whether its value (lower-cased) makes a cloud load balancer internal, from each cloud
# controller's documentation. The legacy AWS annotation is internal for any value but "false".
_INTERNAL_ANNOTATIONS: dict[str, Callable[[str], bool]] = {
    f"{AWS}internal": lambda v: v not in ("", "false"),
    f"{AWS}scheme": lambda v: v == "internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": lambda v: v == "true",
    "networking.gke.io/load-balancer-type": lambda v: v == "internal",
    "cloud.google.com/load-balancer-type": lambda v: v == "internal",
    "service.beta.kubernetes.io/oci-load-balancer-internal": lambda v: v == "true",
    "oci-network-load-balancer.oraclecloud.com/internal": lambda v: v == "true",
    "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": lambda v: v == "intranet",
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": lambda v: v == "private",
    "service.beta.kubernetes.io/openstack-internal-load-balancer": lambda v: v == "true",
}
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
INTERNET = (Peer.address_or_tag("0.0.0.0/0"), Peer.address_or_tag("::/0"))
PRIVATE = tuple(Peer.address_or_tag(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def internal_load_balancer(annotations: YamlMap, spec: YamlMap | None = None) -> Span | None:
    """Where a load balancer is made internal (the annotation, or the AWS controller's type), or None."""
    for key, internal in _INTERNAL_ANNOTATIONS.items():
        if key in annotations and internal((as_text(annotations[key]) or "").strip().lower()):
            return annotations.field_span(key)
    # The AWS Load Balancer Controller makes load balancers internal unless the scheme says otherwise.
    if f"{AWS}scheme" in annotations:
        return None
    if as_text(annotations.get(f"{AWS}type")) in ("external", "nlb-ip"):
        return annotations.field_span(f"{AWS}type")
    if spec is not None and spec.get("loadBalancerClass") == "service.k8s.aws/nlb":
        return spec.field_span("loadBalancerClass")
    return None

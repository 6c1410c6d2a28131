"""Kubernetes objects as the adapters see them: identity, located values, and the scan they belong to.

A `KubeObject` is one manifest with helpers to locate its parts; a `Cluster` holds every object of a
scan, so an object can follow its references to others (an Ingress to its FrontendConfig, a binding to
its role, a controller Service to the ConfigMap of the pods behind it), whichever file they are in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.model import Location, Origin, SourceKind, Unknown
from scanner.sources.kubernetes.yaml_lines import Span, YamlList, YamlMap

# Kinds whose objects live outside namespaces (the ones with model mappings and their usual neighbours).
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "EncryptionConfiguration",
        "GatewayClass",
        "IngressClass",
        "IngressClassParams",
        "KubeletConfiguration",
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


@dataclass
class KubeObject:
    """One manifest being adapted: its identity, and helpers to locate its parts."""

    doc: YamlMap
    kind: str
    name: str
    namespace: str | None
    labels: YamlMap
    annotations: YamlMap
    path: str
    origin: Origin
    errors: list[ScanError] = field(default_factory=list)

    @classmethod
    def of(cls, doc: YamlMap, path: str) -> KubeObject:
        kind = str(doc["kind"])
        metadata = as_map(doc.get("metadata")) or YamlMap(doc.span)
        # EncryptionConfiguration files usually carry no metadata: their file name identifies them.
        name = as_text(metadata.get("name")) or PurePosixPath(path).stem
        namespace = None if kind in CLUSTER_SCOPED_KINDS else as_text(metadata.get("namespace")) or "default"
        resource = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
        labels = as_map(metadata.get("labels")) or YamlMap(doc.span)
        annotations = as_map(metadata.get("annotations")) or YamlMap(doc.span)
        location = Location(path=path, start_line=doc.span.start, end_line=doc.span.end)
        origin = Origin(source=SourceKind.KUBERNETES, resource=resource, resource_type=kind, location=location)
        return cls(doc=doc, kind=kind, name=name, namespace=namespace, labels=labels, annotations=annotations,
                   path=path, origin=origin)

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def spec(self) -> YamlMap | None:
        return as_map(self.doc.get("spec"))

    def spec_value(self, key: str) -> Any:
        spec = self.spec
        return spec.get(key) if spec is not None else None

    def annotation(self, key: str) -> str | None:
        return as_text(self.annotations.get(key))

    def location(self, span: Span) -> Location:
        return Location(path=self.path, start_line=span.start, end_line=span.end)

    def at(self, span: Span, anchor: str | None = None) -> Origin:
        return self.origin.at(self.location(span), anchor)

    def at_annotation(self, key: str) -> Origin:
        return self.at(self.annotations.field_span(key), f"annotations[{key}]")

    def unknown(self, reason: str, line: int | None = None) -> Unknown:
        return Unknown(reason=reason, path=self.path if line is not None else None, line=line)

    def warn(self, message: str, line: int) -> None:
        self.errors.append(ScanError(path=self.path, line=line, message=message, level=ErrorLevel.WARNING))


class Cluster:
    """Every object of one scan, found by kind, namespace and name."""

    def __init__(self, objects: Iterable[KubeObject] = ()) -> None:
        self._by_kind: dict[str, list[KubeObject]] = {}
        self._by_name: dict[tuple[str, str | None, str], KubeObject] = {}
        # What adapters derive once per scan (the controllers' pod templates …), by a key of their own.
        self.memo: dict[str, Any] = {}
        for obj in objects:
            self._by_kind.setdefault(obj.kind, []).append(obj)
            self._by_name.setdefault((obj.kind, obj.namespace, obj.name), obj)  # the first of duplicates

    def all(self, *kinds: str) -> list[KubeObject]:
        return [obj for kind in kinds for obj in self._by_kind.get(kind, [])]

    def get(self, kind: str, namespace: str | None, name: str) -> KubeObject | None:
        """The object of that kind and name (in `namespace`, unless the kind is cluster-scoped)."""
        return self._by_name.get((kind, None if kind in CLUSTER_SCOPED_KINDS else namespace, name))


# --- Values as the schema expects them, or Unknown --------------------------------------------------------------


def as_map(value: Any) -> YamlMap | None:
    return value if isinstance(value, YamlMap) else None


def as_text(value: Any) -> str | None:
    """A scalar as Kubernetes would read it into a string field; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def items_of(value: Any) -> list[tuple[Any, Span]]:
    return list(zip(value, value.item_spans, strict=True)) if isinstance(value, YamlList) else []


def strings_of(obj: KubeObject, parent: YamlMap, key: str) -> list[str] | Unknown:
    """A list of strings under `key` (absent: empty); anything else is Unknown."""
    value = parent.get(key)
    if value is None:
        return []
    if isinstance(value, YamlList) and all(isinstance(v, str) for v in value):
        return list(value)
    return obj.unknown(f"{key} is not a list of strings", parent.key_lines[key])


def port_number(obj: KubeObject, entry: YamlMap, key: str) -> int | Unknown:
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


def covering(parent: YamlMap, keys: tuple[str, ...]) -> Span | None:
    """The lines from the first to the last of `keys` present in `parent`."""
    spans = [parent.field_span(k) for k in keys if k in parent]
    return Span(min(s.start for s in spans), max(s.end for s in spans)) if spans else None


def is_true(value: Any) -> bool:
    """An annotation or flag that says yes (`"true"`, `true`)."""
    return (as_text(value) or "").strip().lower() == "true"


# Kinds that run pods, and where their pod template is.
WORKLOAD_KINDS = frozenset(
    {"Pod", "PodTemplate", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
     "CronJob"}
)


@dataclass(frozen=True)
class PodTemplate:
    """A workload's pod: its labels and its spec (with the spec's lines)."""

    labels: YamlMap
    spec: YamlMap
    anchor: str


def pod_template(obj: KubeObject) -> PodTemplate | None:
    if obj.kind not in WORKLOAD_KINDS:
        return None
    if obj.kind == "Pod":
        metadata, spec, anchor = as_map(obj.doc.get("metadata")), obj.spec, "spec"
    else:
        outer = as_map(obj.doc.get("template")) if obj.kind == "PodTemplate" else obj.spec
        anchor = "template" if obj.kind == "PodTemplate" else "spec.template"
        if obj.kind == "CronJob":
            job = as_map((outer or YamlMap(obj.doc.span)).get("jobTemplate"))
            outer, anchor = as_map((job or YamlMap(obj.doc.span)).get("spec")), "spec.jobTemplate.spec.template"
        template = as_map(outer.get("template")) if outer is not None and obj.kind != "PodTemplate" else outer
        if template is None:
            return None
        metadata, spec = as_map(template.get("metadata")), as_map(template.get("spec"))
        anchor = f"{anchor}.spec"
    if spec is None:
        return None
    labels = as_map((metadata or YamlMap(spec.span)).get("labels")) or YamlMap(spec.span)
    return PodTemplate(labels=labels, spec=spec, anchor=anchor)


def selects(selector: Any, labels: YamlMap) -> bool:
    """Whether a Service's (or a simple `matchLabels`) selector picks pods with these labels."""
    selector = as_map(selector)
    if not selector:
        return False
    return all(as_text(labels.get(k)) == as_text(v) for k, v in selector.items())


def containers(spec: YamlMap) -> list[tuple[YamlMap, Span]]:
    """Every container of a pod spec, init containers included."""
    found: list[tuple[YamlMap, Span]] = []
    for key in ("initContainers", "containers"):
        found.extend((c, span) for c, span in items_of(spec.get(key)) if isinstance(c, YamlMap))
    return found

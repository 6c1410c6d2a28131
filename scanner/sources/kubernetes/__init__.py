"""The Kubernetes source: manifests (`.yaml`, `.yml`, and `.json` with `apiVersion` and `kind`) mapped to the model.

Each file is parsed with line numbers (`yaml_lines`), every Kubernetes object
in it is adapted (`adapter`), and problems become `ScanError`s that name the
file, the line and the column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.sources.files import InputError, read_text, sniff
from scanner.sources.interface import LoadContext, LoadResult

TEMPLATE_HINT = ("unrendered template (Helm or envsubst): render it first, e.g. "
                 "helm template <release> <chart> | tenet scan -, or envsubst < file | tenet scan -")
HELM_HINT = TEMPLATE_HINT
# Placeholders of unrendered templates: Helm/Go `{{ … }}`, envsubst `${VAR}` and `{VAR}`-style ones,
# Terraform template directives `%{ … }`.
_TEMPLATE = re.compile(r"\{\{|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{[A-Za-z_][A-Za-z0-9_]*\}|%\{")
# What makes a YAML file evidently a Kubernetes manifest, however broken the rest is: both keys at the start
# of a line (of a block mapping, or of a list item).
_API_VERSION = re.compile(r"^[ \t]*(?:-[ \t]+)?[\"']?apiVersion[\"']?[ \t]*:", re.MULTILINE)
_KIND = re.compile(r"^[ \t]*(?:-[ \t]+)?[\"']?kind[\"']?[ \t]*:", re.MULTILINE)
# A JSON manifest names both in its first bytes (`kubectl get -o json` writes apiVersion first).
_JSON_SNIFF_BYTES = 4096
_JSON_MANIFEST = re.compile(rb'"apiVersion"\s*:')
_JSON_KIND = re.compile(rb'"kind"\s*:')


def evidently_manifest(text: str) -> bool:
    return _API_VERSION.search(text) is not None and _KIND.search(text) is not None


class KubernetesSource:
    """Kubernetes manifests; YAML files that hold no Kubernetes objects yield nothing, and a YAML file that is
    not a manifest (a cloud-config template, a CI file) is skipped quietly even when it is not valid YAML.
    JSON files are claimed only when they name `apiVersion` and `kind` (plan JSON and inventories are claimed
    before, by their own sources).

    Every file is parsed before any object is adapted: an Ingress and the FrontendConfig it names, or a
    binding and its role, are read together wherever they are.
    """

    name = "kubernetes"

    def claims(self, path: Path) -> bool:
        suffix = path.suffix.lower()
        if suffix == ".json":
            head = sniff(path, _JSON_SNIFF_BYTES)
            return _JSON_MANIFEST.search(head) is not None and _JSON_KIND.search(head) is not None
        return suffix in (".yaml", ".yml")

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        result = LoadResult()
        texts: list[tuple[str, str]] = []
        for path in files:
            shown = ctx.display_path(path)
            try:
                texts.append((read_text(path, ctx), shown))
            except InputError as exc:
                result.errors.append(exc.error)
                continue
            result.files.append(shown)
        result.extend(load_texts(texts))
        return result


def load_text(text: str, path: str) -> LoadResult:
    """The model objects of one file's text; `path` is the path shown in reports."""
    return load_texts([(text, path)])


def load_texts(texts: Sequence[tuple[str, str]]) -> LoadResult:
    """The model objects of several files' texts, (text, shown path) pairs, read as one scan."""
    # Imported on first use: a scan without YAML files does not pay for them.
    from scanner.sources.kubernetes.adapter import adapt_documents
    from scanner.sources.kubernetes.yaml_lines import load_documents, load_json_document

    result = LoadResult()
    documents: list[tuple[object, str]] = []
    for text, path in texts:
        written_as_json = path.lower().endswith(".json")
        parsed = load_json_document(text) if written_as_json else load_documents(text)
        problem = parsed.problem
        if problem is not None and not problem.limit and not written_as_json and not evidently_manifest(text):
            # Not Kubernetes (a cloud-config with `%{ for }` directives, a CI file): not ours to judge.
            continue
        if problem is not None and not problem.limit and _TEMPLATE.search(text):
            # Unrendered templates (Helm, envsubst) are not manifests: nothing of the file is used.
            result.errors.append(ScanError(path=path, line=problem.line, column=problem.column,
                                           message=TEMPLATE_HINT, level=ErrorLevel.WARNING))
            continue
        documents.extend((root, path) for root in parsed.roots)
        if problem is not None:
            result.errors.append(ScanError(path=path, line=problem.line, column=problem.column,
                                           message=problem.message))
    result.extend(adapt_documents(documents))
    return result


__all__ = ["KubernetesSource", "load_text", "load_texts"]

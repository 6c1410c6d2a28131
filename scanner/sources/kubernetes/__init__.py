"""The Kubernetes source: manifests (`.yaml`, `.yml`) mapped to the model.

Each file is parsed with line numbers (`yaml_lines`), every Kubernetes object
in it is adapted (`adapter`), and problems become `ScanError`s that name the
file, the line and the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.sources.files import InputError, read_text
from scanner.sources.interface import LoadContext, LoadResult

HELM_HINT = "Helm template: render it first, e.g. helm template <release> <chart> | tenet scan -"


class KubernetesSource:
    """Kubernetes manifests; YAML files that hold no Kubernetes objects yield nothing."""

    name = "kubernetes"

    def claims(self, path: Path) -> bool:
        return path.suffix.lower() in (".yaml", ".yml")

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        result = LoadResult()
        for path in files:
            shown = ctx.display_path(path)
            try:
                text = read_text(path, ctx)
            except InputError as exc:
                result.errors.append(exc.error)
                continue
            result.files.append(shown)
            result.extend(load_text(text, shown))
        return result


def load_text(text: str, path: str) -> LoadResult:
    """The model objects of one file's text; `path` is the path shown in reports."""
    # Imported on first use: a scan without YAML files does not pay for them.
    from scanner.sources.kubernetes.adapter import adapt_document
    from scanner.sources.kubernetes.yaml_lines import load_documents

    documents = load_documents(text)
    problem = documents.problem
    if problem is not None and not problem.limit and "{{" in text:
        # Unrendered templates are not manifests: nothing of the file is used.
        return LoadResult(errors=[ScanError(path=path, line=problem.line, column=problem.column, message=HELM_HINT,
                                            level=ErrorLevel.WARNING)])
    result = LoadResult()
    for root in documents.roots:
        result.extend(adapt_document(root, path))
    if problem is not None:
        result.errors.append(ScanError(path=path, line=problem.line, column=problem.column, message=problem.message))
    return result


__all__ = ["KubernetesSource", "load_text"]

"""docs/scale.md's recipes work as written: the GitHub Actions workflow passes actionlint, the Kubernetes
manifests validate against the Kubernetes OpenAPI schema, and both run the shards and the merge."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scale.md"


def recipe(name: str) -> str:
    """The code block after `<!-- recipe: NAME -->` in docs/scale.md."""
    found = re.search(rf"<!-- recipe: {re.escape(name)} -->\n```yaml\n(.*?)^```", DOC.read_text(encoding="utf-8"),
                      re.DOTALL | re.MULTILINE)
    assert found, f"docs/scale.md has no `<!-- recipe: {name} -->` yaml block"
    return found.group(1)


def absent(what: str) -> None:
    """Outside CI a missing tool skips; in CI (CI=true) it is a failure: the recipes must be checked there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is not installed: pip install -e '.[test]'")
    pytest.skip(f"{what} is not installed (pip install -e '.[test]')")


def actionlint() -> str:
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if found is None:
        absent("actionlint")
    assert found is not None
    return found


def test_github_actions_workflow_passes_actionlint(tmp_path: Path) -> None:
    workflow = recipe("github-actions")
    path = tmp_path / ".github" / "workflows" / "audit.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow, encoding="utf-8")
    done = subprocess.run([actionlint(), "-no-color", str(path)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = yaml.safe_load(workflow)["jobs"]
    audit = "\n".join(step.get("run", "") for step in jobs["audit"]["steps"])
    shards = jobs["audit"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1)) and f'--shard "$SHARD/{len(shards)}"' in audit
    assert "--save-inventory" in audit and jobs["audit"]["permissions"]["id-token"] == "write"
    merge = "\n".join(step.get("run", "") for step in jobs["merge"]["steps"])
    assert jobs["merge"]["needs"] == "audit" and "always()" in jobs["merge"]["if"]
    assert "tenet merge inv-*.json -o org.json" in merge and "tenet scan org.json" in merge


def test_actionlint_fails_a_broken_workflow(tmp_path: Path) -> None:
    """The check can fail: an undefined matrix key is an error."""
    path = tmp_path / "audit.yml"
    path.write_text(recipe("github-actions").replace("${{ matrix.shard }}", "${{ matrix.shards }}"), encoding="utf-8")
    done = subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "shards" in done.stdout


def _validate(documents: list[dict[str, Any]]) -> list[str]:
    try:
        import kubernetes_validate  # type: ignore[import-untyped]
        from kubernetes_validate.utils import ValidationError  # type: ignore[import-untyped]
    except ImportError:
        absent("kubernetes-validate")
        raise
    version = kubernetes_validate.latest_version()
    problems = []
    for document in documents:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except ValidationError as exc:
            problems.append(f"{document.get('kind')} {document.get('metadata', {}).get('name')}: {exc.message}")
    return problems


def test_kubernetes_indexed_job_validates_against_the_openapi_schema() -> None:
    documents = [d for d in yaml.safe_load_all(recipe("kubernetes")) if d]
    assert _validate(documents) == []
    jobs = {d["metadata"]["name"]: d["spec"] for d in documents if d["kind"] == "Job"}
    audit = jobs["tenet-audit"]
    assert audit["completionMode"] == "Indexed" and audit["completions"] == audit["parallelism"]
    script = audit["template"]["spec"]["containers"][0]["args"][0]
    assert "shard=$((JOB_COMPLETION_INDEX + 1))" in script and f'--shard "$shard/{audit["completions"]}"' in script
    merge = jobs["tenet-merge"]["template"]["spec"]["containers"][0]["args"][0]
    assert "tenet merge /inventories/inv-*.json -o /inventories/org.json" in merge
    # The check can fail: a misspelt field is refused in strict mode.
    broken = [dict(documents[-1], spec=dict(jobs["tenet-merge"], completionMod="Indexed"))]
    assert _validate(broken) != []

"""Rendered Kubernetes: standard input, Kustomize overlays and Helm charts, and what cannot be rendered."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.engine.findings import ErrorLevel, Severity
from scanner.scan import Scanner

ROOT = Path(__file__).resolve().parents[2]
KUBECTL = shutil.which("kubectl")
# Outside CI a missing kubectl skips; with CI=true (.ci/run installs Debian's kubernetes-client) it fails.
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
needs_kubectl = pytest.mark.skipif(KUBECTL is None and not IN_CI,
                                   reason="kubectl (Debian: kubernetes-client) is not installed")

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: ssh
spec:
  type: ClusterIP
  selector: {app: ssh}
  ports:
    - port: 22
"""
PUBLIC_SERVICE = SERVICE.replace("ClusterIP", "LoadBalancer")
# `bases` and patchesJson6902 with a patch file: the form both Debian's kubectl 1.20 (kustomize v2, which ignores
# `patches:` and reads only files under `resources:`) and current kubectl (which warns it is deprecated) render.
OVERLAY = """bases:
  - ../base
patchesJson6902:
  - target: {version: v1, kind: Service, name: ssh}
    path: patch.yaml
"""
OVERLAY_PATCH = """- op: replace
  path: /spec/type
  value: LoadBalancer
"""


def write(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)  # a repository: the trust boundary
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_manifests_on_standard_input_are_scanned_as_stdin() -> None:
    result = Scanner(cwd=ROOT, stdin=io.BytesIO(PUBLIC_SERVICE.encode())).scan([Path("-")])
    assert [(f.rule_id, f.location.path, f.location.start_line) for f in result.findings if f.location] == [
        ("NET-001", "<stdin>", 9)]
    assert result.files == ["<stdin>"] and result.errors == []


def test_a_plan_json_on_standard_input_is_read_as_a_plan() -> None:
    plan = (ROOT / "fixtures" / "terraform" / "plan" / "plan.json").read_bytes()
    result = Scanner(cwd=ROOT, stdin=io.BytesIO(plan)).scan([Path("-")])
    assert result.findings and {f.location.path for f in result.findings if f.location} == {"<stdin>"}
    assert not result.has_errors


def test_the_command_reads_standard_input(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["scan", "-", "--no-color"], input=PUBLIC_SERVICE)
    assert result.exit_code == 1, result.output
    assert "<stdin>:9:" in result.output and "NET-001" in result.output


def test_standard_input_that_is_not_text_is_an_error() -> None:
    result = Scanner(cwd=ROOT, stdin=io.BytesIO(b"\x00\x01binary")).scan([Path("-")])
    assert [(e.path, e.level) for e in result.errors] == [("<stdin>", ErrorLevel.ERROR)]


@needs_kubectl
def test_a_kustomize_overlay_is_rendered_and_its_base_is_not_rendered_twice(tmp_path: Path) -> None:
    write(tmp_path, {"base/svc.yaml": SERVICE, "base/kustomization.yaml": "resources:\n  - svc.yaml\n",
                     "overlay/kustomization.yaml": OVERLAY, "overlay/patch.yaml": OVERLAY_PATCH})
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [(f.rule_id, f.location.path) for f in result.findings if f.location] == [
        ("NET-001", "overlay/<kubectl kustomize>")]
    assert result.errors == [] and result.unevaluated == []


@needs_kubectl
def test_an_overlay_that_does_not_build_is_unevaluated_and_fails_the_unknown_gate(tmp_path: Path) -> None:
    write(tmp_path, {"overlay/kustomization.yaml": "resources:\n  - missing.yaml\n"})
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    [entry] = result.unevaluated
    assert entry.path == "overlay" and "kubectl failed" in entry.message
    assert "could not be evaluated" in entry.message
    assert result.exit_code(Severity.LOW) == 0
    assert result.exit_code(Severity.LOW, fail_on_unknown=True) == 1


@pytest.mark.parametrize(("reference", "words"), [
    ("github.com/example/config//base?ref=v1", "remote base"),
    ("https://example.com/base.yaml", "remote base"),
    ("../../outside", "outside"),
])
def test_an_overlay_that_reaches_outside_is_not_rendered(tmp_path: Path, reference: str, words: str) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "svc.yaml").write_text(PUBLIC_SERVICE)
    repo = write(tmp_path / "repo", {"overlay/kustomization.yaml": f"resources:\n  - {reference}\n"})
    result = Scanner(cwd=repo).scan([repo])
    [entry] = result.unevaluated
    assert words in entry.message and entry.level is ErrorLevel.WARNING
    assert result.findings == []


def test_without_the_program_a_chart_or_overlay_is_unevaluated_and_the_console_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/values.yaml": "port: 22\n",
        "chart/templates/svc.yaml": SERVICE.replace("- port: 22", "- port: {{ .Values.port }}"),
        "overlay/kustomization.yaml": "resources:\n  - svc.yaml\n",
        "overlay/svc.yaml": SERVICE,
    })
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    messages = {e.path: e.message for e in result.unevaluated}
    assert set(messages) == {"chart", "overlay"}
    assert "helm is not installed" in messages["chart"] and "helm template <release> chart | tenet scan -" in \
        messages["chart"]
    assert "kubectl is not installed" in messages["overlay"]
    # The chart's templates are the chart's: no "unrendered template" warning for each of them.
    assert {e.path for e in result.errors} == {"chart", "overlay"}
    from scanner.reports import console

    shown = console.render(result, colour=False, fail_on=Severity.LOW, fail_on_unknown=True)
    assert "Helm chart not rendered: helm is not installed" in shown
    assert "2 inputs not rendered (could not be evaluated)" in shown and "(2 here)" in shown

"""Kubernetes as it is handed to Tenet: manifests written as JSON, YAML that is not Kubernetes at all."""

from __future__ import annotations

from pathlib import Path

from scanner.engine.findings import ErrorLevel, Status
from scanner.scan import Scanner

SERVICE_JSON = """{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {
      "apiVersion": "v1",
      "kind": "Service",
      "metadata": {"name": "ssh", "namespace": "ops"},
      "spec": {
        "type": "LoadBalancer",
        "selector": {"app": "ssh"},
        "ports": [
          {"name": "ssh", "port": 22, "targetPort": 22}
        ]
      }
    }
  ]
}
"""

CLOUD_CONFIG = """#cloud-config
write_files:
%{ for f in files ~}
  - path: ${f.path}
    content: ${f.content}
%{ endfor ~}
"""


def scan(tmp_path: Path, files: dict[str, str], *named: str) -> tuple[list[tuple[str, str, int, Status]],
                                                                      list[tuple[str | None, int | None, str]]]:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = Scanner(cwd=tmp_path).scan([tmp_path / n for n in named] or [tmp_path])
    findings = [(f.rule_id, f.location.path, f.location.start_line, f.status) for f in result.findings if f.location]
    errors = [(e.path, e.line, e.level.value) for e in result.errors]
    return findings, errors


def test_a_manifest_written_as_json_is_read_at_its_lines(tmp_path: Path) -> None:
    findings, errors = scan(tmp_path, {"svc.json": SERVICE_JSON})
    assert findings == [("NET-001", "svc.json", 13, Status.FAIL)]
    assert errors == []


def test_json_without_apiversion_and_kind_is_not_claimed(tmp_path: Path) -> None:
    findings, errors = scan(tmp_path, {"package.json": '{"name": "x", "kind": "library"}', "svc.json": SERVICE_JSON})
    assert [f[1] for f in findings] == ["svc.json"]
    assert errors == []
    # Named on the command line, it is said to be unread rather than silently passed.
    _, errors = scan(tmp_path, {}, "package.json", "svc.json")
    assert errors == [("package.json", None, "warning")]


def test_a_broken_json_manifest_is_an_error_at_its_line(tmp_path: Path) -> None:
    broken = SERVICE_JSON.replace('"port": 22,', '"port": 22')
    _, errors = scan(tmp_path, {"svc.json": broken})
    assert errors == [("svc.json", 13, "error")]


def test_a_plan_json_is_still_the_plan_sources(tmp_path: Path) -> None:
    plan = ('{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {"root_module": {}}, '
            '"configuration": {"root_module": {"resources": [{"apiVersion": "v1", "kind": "x"}]}}}')
    _, errors = scan(tmp_path, {"plan.json": plan})
    assert errors == []


def test_template_yaml_that_is_not_kubernetes_is_skipped_quietly(tmp_path: Path) -> None:
    findings, errors = scan(tmp_path, {"cloud-config.yaml": CLOUD_CONFIG, "svc.json": SERVICE_JSON})
    assert errors == [] and len(findings) == 1
    # Alone and named, it is read (and holds nothing to judge): no "invalid YAML", no exit 2.
    result = Scanner(cwd=tmp_path).scan([tmp_path / "cloud-config.yaml"])
    assert result.errors == [] and result.exit_code(None) == 0


def test_a_broken_file_that_is_evidently_a_manifest_is_still_an_error(tmp_path: Path) -> None:
    _, errors = scan(tmp_path, {"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n bad: [\n"})
    assert errors == [("svc.yaml", 5, "error")]


def test_an_unrendered_terraform_template_of_a_manifest_is_the_template_warning(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\ndata:\n%{ for k, v in values ~}\n  ${k}: ${v}\n%{ endfor ~}\n"
    _, errors = scan(tmp_path, {"cm.yaml": text})
    assert [(path, level) for path, _, level in errors] == [("cm.yaml", ErrorLevel.WARNING.value)]

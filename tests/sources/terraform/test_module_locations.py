"""Where a finding inside a module is located (issue 19, item 14): at the outermost `module` block in the scanned
tree when the resource's file is not the user's to edit, with the whole chain ending in the resource's own
location (`SOURCE VERSION //path:line` inside a registry, git or archive module)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.engine.findings import Finding
from scanner.reports import console, sarif
from scanner.reports import json as json_report
from scanner.scan import Scanner
from tests.reports.test_sarif import SCHEMA_PATH, github_problems
from tests.sources.terraform.test_download_modules import SG_MODULE, Registry

ROOT = Path(__file__).resolve().parents[3]
REPORT_SCHEMA = json.loads((ROOT / "scanner" / "reports" / "report.schema.json").read_text())
SARIF_SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
# SG_MODULE's ingress block starts on line 4 of the module's main.tf.
INGRESS_LINE = 4


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    server = Registry(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    monkeypatch.setenv("TENET_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield server
    server.stop()


def _json(result: Any) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(json_report.render(result))
    jsonschema.Draft7Validator(REPORT_SCHEMA).validate(report)
    return report


def _sarif(result: Any, cwd: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(sarif.render(result, category="tenet/", cwd=cwd, include_suppressed=True))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert github_problems(log) == []
    return log


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _wrapped(host: str, version: str) -> dict[str, str]:
    """The root calls a local wrapper (in the scanned tree), which calls the registry module."""
    return {
        "main.tf": '# the network\nmodule "edge" {\n  source = "./wrap"\n  cidrs  = ["0.0.0.0/0"]\n}\n',
        "wrap/main.tf": 'variable "cidrs" {}\n\nmodule "sg" {\n'
                        f'  source  = "{host}/acme/sg/aws"\n  version = "{version}"\n  cidrs   = var.cidrs\n}}\n',
    }


def test_a_downloaded_module_finding_is_at_the_outermost_call_with_the_chain(tmp_path: Path,
                                                                               registry: Registry) -> None:
    root = _repo(tmp_path, _wrapped(registry.host, "~> 1.0"))
    result = Scanner(cwd=root, download_modules=True).scan([root])
    [finding] = result.findings
    assert finding.resource == "module.edge.module.sg.aws_security_group.this"
    assert finding.location is not None and (finding.location.path, finding.location.start_line) == ("main.tf", 2)
    assert finding.module_call is not None and finding.module_call.path == "wrap/main.tf"

    [entry] = _json(result)["findings"]
    assert entry["location"]["path"] == "main.tf" and entry["location"]["start_line"] == 2
    assert entry["module_chain"] == ["main.tf:2", "wrap/main.tf:3",
                                     f"{registry.host}/acme/sg/aws 1.2.0 //main.tf:{INGRESS_LINE}"]
    assert entry["module_call"]["path"] == "wrap/main.tf"  # kept: the innermost call
    # A report read back (merging reports) keeps the chain.
    read_back = Finding.model_validate(entry)
    assert [(c.path, c.start_line) for c in read_back.module_chain] == [
        (c.path, c.start_line) for c in finding.module_chain]

    shown = console.render(result, colour=False)
    assert "main.tf:2:1: " in shown
    assert f"via: main.tf:2 > wrap/main.tf:3 > {registry.host}/acme/sg/aws 1.2.0 //main.tf:{INGRESS_LINE}" in shown

    [sarif_result] = _sarif(result, root)["runs"][0]["results"]
    physical = sarif_result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "main.tf" and physical["region"]["startLine"] == 2
    related = [(r["physicalLocation"]["artifactLocation"]["uri"], r["message"]["text"])
               for r in sarif_result["relatedLocations"]]
    assert related == [("wrap/main.tf", "module call")]  # the package's file is no file of the repository
    assert sarif_result["properties"]["moduleChain"] == entry["module_chain"]

    # Another version of the module: the same finding for the baseline.
    (root / "wrap/main.tf").write_text(_wrapped(registry.host, "2.0.0")["wrap/main.tf"])
    [upgraded] = _json(Scanner(cwd=root, download_modules=True).scan([root]))["findings"]
    assert upgraded["module_chain"][-1] == f"{registry.host}/acme/sg/aws 2.0.0 //main.tf:{INGRESS_LINE}"
    assert upgraded["fingerprint"] == entry["fingerprint"]


def test_modules_terraform_init_installed_are_named_by_source_and_version(tmp_path: Path) -> None:
    root = _repo(tmp_path, {
        "main.tf": 'module "sg" {\n  source  = "acme/sg/aws"\n  version = "~> 3.0"\n  cidrs   = ["0.0.0.0/0"]\n}\n'
                   'module "net" {\n  source = "git::https://token:x-oauth@example.com/net.git//modules/sg?ref=v1.2.0"\n'
                   '  cidrs  = ["0.0.0.0/0"]\n}\n',
        # The package calls a submodule of its own: the chain names that call inside the package too.
        ".terraform/modules/sg/main.tf": 'variable "cidrs" {}\nmodule "inner" {\n  source = "./modules/inner"\n'
                                         '  cidrs  = var.cidrs\n}\n',
        ".terraform/modules/sg/modules/inner/main.tf":
            SG_MODULE.replace('file("${path.module}/extra.txt")', '"192.0.2.0/24"'),
        ".terraform/modules/net/modules/sg/main.tf":
            SG_MODULE.replace('file("${path.module}/extra.txt")', '"192.0.2.0/24"'),
        ".terraform/modules/modules.json": json.dumps({"Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "sg", "Source": "registry.terraform.io/acme/sg/aws", "Version": "3.1.0",
             "Dir": ".terraform/modules/sg"},
            {"Key": "net", "Source": "git::https://example.com/net.git//modules/sg?ref=v1.2.0",
             "Dir": ".terraform/modules/net/modules/sg"}]}),
    })
    report = _json(Scanner(cwd=root).scan([root]))
    assert [(f["resource"], f["location"]["path"], f["location"]["start_line"], f["module_chain"])
            for f in report["findings"]] == [
        ("module.sg.module.inner.aws_security_group.this", "main.tf", 1,
         ["main.tf:1", "acme/sg/aws 3.1.0 //main.tf:2", f"acme/sg/aws 3.1.0 //modules/inner/main.tf:{INGRESS_LINE}"]),
        ("module.net.aws_security_group.this", "main.tf", 6,
         ["main.tf:6", f"git::https://example.com/net.git v1.2.0 //modules/sg/main.tf:{INGRESS_LINE}"]),
    ]
    assert "x-oauth" not in json.dumps(report)


def test_local_modules_keep_their_lines_inside_the_scanned_paths(tmp_path: Path) -> None:
    module = SG_MODULE.replace('file("${path.module}/extra.txt")', '"192.0.2.0/24"')
    root = _repo(tmp_path, {
        "live/main.tf": 'module "w" {\n  source = "../wrap"\n  cidrs  = ["0.0.0.0/0"]\n}\n',
        "wrap/main.tf": 'variable "cidrs" {}\nmodule "m" {\n  source = "../mod"\n  cidrs  = var.cidrs\n}\n',
        "mod/main.tf": module,
    })
    # From the repository root every file is the user's: the finding is at the resource.
    [whole] = _json(Scanner(cwd=root).scan([root]))["findings"]
    assert (whole["location"]["path"], whole["location"]["start_line"]) == ("mod/main.tf", INGRESS_LINE)
    assert whole["module_chain"] == ["live/main.tf:1", "wrap/main.tf:2", f"mod/main.tf:{INGRESS_LINE}"]
    # Scanning `live` alone: the module's files lie outside, the finding is at the call in `live`; the chain
    # and the fingerprint are the same.
    [part] = _json(Scanner(cwd=root).scan([root / "live"]))["findings"]
    assert (part["location"]["path"], part["location"]["start_line"]) == ("live/main.tf", 1)
    assert part["module_chain"] == whole["module_chain"] and part["fingerprint"] == whole["fingerprint"]
    # An ignore comment above the resource in the module still applies when the finding moved to the call.
    ignore = '  # tenet:ignore NET-001 reason="reviewed"\n  ingress {'
    (root / "mod/main.tf").write_text(module.replace("  ingress {", ignore))
    [ignored] = Scanner(cwd=root).scan([root / "live"]).findings
    assert ignored.suppressed


def test_scanning_an_example_directory_locates_at_its_own_call(tmp_path: Path) -> None:
    """`cd examples/complete && tenet scan .` on a module repository: the module at `../../` is not the tree
    scanned, the example's `module` block is."""
    root = _repo(tmp_path, {
        "main.tf": SG_MODULE.replace('file("${path.module}/extra.txt")', '"192.0.2.0/24"'),
        "examples/complete/main.tf": 'module "sg" {\n  source = "../../"\n  cidrs  = ["0.0.0.0/0"]\n}\n',
    })
    example = root / "examples" / "complete"
    [entry] = _json(Scanner(cwd=example).scan([example]))["findings"]
    assert (entry["location"]["path"], entry["location"]["start_line"]) == ("main.tf", 1)
    assert entry["module_chain"] == ["main.tf:1", f"../../main.tf:{INGRESS_LINE}"]

"""Drift end to end on Azure and GCP (issue #17), through the local API servers the audits use: live NSGs and
firewalls linked to a Terraform state read from a local file and from the azurerm (Blob REST API) and gcs (JSON
API) backends, classed drifted, in-code, unmanaged and not-live, and located at their .tf lines.

Each test makes one estate and asserts many things on it: the servers are cheap, the audits are not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from tests.audit.fake_clouds import (
    AzureSubscription,
    FakeAzure,
    FakeGcp,
    GcpProject,
    RawReply,
    Reply,
    Request,
    running,
)
from tests.audit.test_azure import nsg, nsg_id
from tests.audit.test_azure import run_cli as run_cli
from tests.audit.test_gcp import firewall, service_account_file
from tests.reports.test_sarif import SCHEMA_PATH, github_problems

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000d1"
GROUP = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-drift"
ACCOUNT, CONTAINER, BLOB = "tenetstate", "tfstate", "network.terraform.tfstate"
PROJECT = "tenet-drift"
BUCKET, PREFIX = "tenet-drift-tf", "network"
COMPUTE = "https://www.googleapis.com/compute/v1"
REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "scanner" / "reports" / "report.schema.json"
SECRET = "hunter2-not-for-reports"


def _state(*resources: dict[str, Any]) -> dict[str, Any]:
    """A state file as Terraform 1.x writes it (format version 4)."""
    return {"version": 4, "terraform_version": "1.11.4", "serial": 7, "lineage": "3f1c2a4e-5b6d-4c7e-8f90-a1b2c3d4e5f6",
            "outputs": {"admin_password": {"value": SECRET, "type": "string", "sensitive": True}},
            "check_results": None, "resources": list(resources)}


def _resource(rtype: str, name: str, provider: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {"mode": "managed", "type": rtype, "name": name,
            "provider": f'provider["registry.terraform.io/hashicorp/{provider}"]',
            "instances": [{"schema_version": 0, "attributes": attributes, "sensitive_attributes": [],
                           "private": "bnVsbA=="}]}


def _classes(report: dict[str, Any]) -> set[tuple[str, str, str, int | None]]:
    return {(f["drift"], f["rule_id"], f["resource"], (f["location"] or {}).get("start_line"))
            for f in report["findings"] if f["status"] == "fail"}


def _check_sarif(path: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(path.read_text())
    jsonschema.Draft4Validator(json.loads(SCHEMA_PATH.read_text())).validate(log)
    assert github_problems(log) == []
    return log


# -- Azure ----------------------------------------------------------------------------------------------------

AZURE_CONFIG = """\
resource "azurerm_network_security_group" "web" {
  name                = "web"
  location            = "westeurope"
  resource_group_name = "rg-drift"
  security_rule {
    name                       = "ssh-office"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "10.0.0.0/8"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "open" {
  name                = "open"
  location            = "westeurope"
  resource_group_name = "rg-drift"
  security_rule {
    name                       = "ssh-anywhere"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "gone" {
  name                = "gone"
  location            = "westeurope"
  resource_group_name = "rg-drift"
  security_rule {
    name                       = "rdp-anywhere"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "3389"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}
"""
AZURE_BACKEND = f"""\
terraform {{
  backend "azurerm" {{
    storage_account_name = "{ACCOUNT}"
    container_name       = "{CONTAINER}"
    use_azuread_auth     = true
  }}
}}
"""


def _azure_rule(name: str, port: str, source: str) -> dict[str, Any]:
    """`security_rule` as the azurerm provider records it in state."""
    return {"name": name, "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "source_port_range": "*", "source_port_ranges": [], "destination_port_range": port,
            "destination_port_ranges": [], "source_address_prefix": source, "source_address_prefixes": [],
            "destination_address_prefix": "*", "destination_address_prefixes": [], "description": "",
            "source_application_security_group_ids": [], "destination_application_security_group_ids": []}


def _azure_nsg_state(name: str, rule: dict[str, Any]) -> dict[str, Any]:
    return _resource("azurerm_network_security_group", name, "azurerm", {
        "id": nsg_id(GROUP, name), "name": name, "location": "westeurope", "resource_group_name": "rg-drift",
        "security_rule": [rule], "tags": {}, "timeouts": None})


class AzureWithBlobs(FakeAzure):
    """Resource Manager and, on the same HTTPS server, the Blob service's Get Blob, path-style
    (`/{account}/{container}/{blob}`, as the storage emulators answer). Shaped after the Blob REST API:
    an Azure AD bearer token for storage, `x-ms-version` 2017-11-09 or later and `x-ms-date` required,
    errors as XML with `x-ms-error-code`."""

    def __init__(self, subscriptions: list[AzureSubscription]) -> None:
        super().__init__(subscriptions)
        self.blobs: dict[str, bytes] = {}

    def route(self, request: Request) -> Reply | RawReply:
        if request.path.startswith(f"/{ACCOUNT}/"):
            return self._get_blob(request)
        return super().route(request)

    @staticmethod
    def _error(status: int, code: str, message: str) -> RawReply:
        body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\n'
                f"RequestId:7e1d2c3b-0001-0000-0000-000000000000\nTime:2026-12-05T01:00:00.0000000Z</Message></Error>")
        return status, body.encode(), {"Content-Type": "application/xml", "x-ms-error-code": code}

    def _get_blob(self, request: Request) -> RawReply:
        if request.method != "GET":
            return self._error(405, "UnsupportedHttpVerb", "The resource doesn't support specified Http Verb.")
        if request.headers.get("authorization") != f"Bearer {self.TOKEN}":
            return self._error(401, "InvalidAuthenticationInfo", "Authentication information is not given in the "
                                                                  "correct format.")
        if request.headers.get("x-ms-version", "") < "2017-11-09" or not (
                request.headers.get("x-ms-date") or request.headers.get("date")):
            return self._error(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is "
                                                             "not specified.")
        blob = request.path.split("/", 3)[3] if request.path.count("/") >= 3 else ""
        if f"{ACCOUNT}/{CONTAINER}/{blob}" not in {f"{ACCOUNT}/{CONTAINER}/{b}" for b in self.blobs}:
            return self._error(404, "BlobNotFound", "The specified blob does not exist.")
        return 200, self.blobs[blob], {"Content-Type": "application/json", "x-ms-blob-type": "BlockBlob",
                                       "x-ms-version": request.headers["x-ms-version"], "ETag": '"0x8DCE1A2B3C4D5E6"',
                                       "Last-Modified": formatdate(time.time(), usegmt=True)}


@pytest.fixture
def azure_estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AzureWithBlobs]:
    ssh_office, ssh_anywhere = ("ssh-office", 100, "Inbound", "Allow", "Tcp", "10.0.0.0/8", "22"), \
        ("ssh-anywhere", 100, "Inbound", "Allow", "Tcp", "*", "22")
    subscription = AzureSubscription(SUBSCRIPTION, network_security_groups=[
        # By hand, in the portal: SSH from anywhere on the managed group `web`.
        nsg(GROUP, "web", [ssh_office, ("ssh-vendor", 110, "Inbound", "Allow", "Tcp", "Internet", "22")]),
        nsg(GROUP, "open", [ssh_anywhere]),
        # No state manages it.
        nsg(GROUP, "manual", [("rdp", 100, "Inbound", "Allow", "Tcp", "*", "3389")]),
    ])
    server = AzureWithBlobs([subscription])
    state = _state(_azure_nsg_state("web", _azure_rule("ssh-office", "22", "10.0.0.0/8")),
                   _azure_nsg_state("open", _azure_rule("ssh-anywhere", "22", "*")),
                   # Applied once, deleted by hand since.
                   _azure_nsg_state("gone", _azure_rule("rdp-anywhere", "3389", "*")))
    server.blobs[BLOB] = json.dumps(state).encode()
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE",
                 "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT", "TF_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    with running(server):
        monkeypatch.setenv("IDENTITY_ENDPOINT", server.identity_endpoint)
        monkeypatch.setenv("IDENTITY_HEADER", FakeAzure.IDENTITY_HEADER)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.cert_file))
        monkeypatch.setenv("TENET_AZURE_BLOB_ENDPOINT", server.url)
        (tmp_path / ".git").mkdir()
        (tmp_path / "main.tf").write_text(AZURE_CONFIG)
        (tmp_path / "terraform.tfstate").write_text(json.dumps(state, indent=2))
        monkeypatch.chdir(tmp_path)
        yield server


def test_azure_drift_from_a_local_state_and_from_the_azurerm_backend(azure_estate: AzureWithBlobs,
                                                                     tmp_path: Path) -> None:
    audit = ("audit", "azure", "--endpoint", azure_estate.url, "--subscription", SUBSCRIPTION, "--format", "json")
    code, out, err = run_cli(*audit, "--state", "terraform.tfstate", "--sarif", "local.sarif")
    local = json.loads(out)
    jsonschema.validate(local, json.loads(REPORT_SCHEMA.read_text()))
    assert code == 1 and not local["errors"], err
    expected = {
        ("drifted", "NET-001", nsg_id(GROUP, "web"), 1),
        ("in-code", "NET-001", nsg_id(GROUP, "open"), 18),
        ("unmanaged", "NET-001", nsg_id(GROUP, "manual"), None),
        ("not-live", "NET-001", "azurerm_network_security_group.gone", 39),  # its security_rule block
    }
    assert expected <= _classes(local)
    drifted = next(f for f in local["findings"] if f["drift"] == "drifted")
    assert drifted["drift_detail"] == ("azurerm_network_security_group.web: ingress 22: code 10.0.0.0/8, "
                                       "live 10.0.0.0/8, Internet")
    assert all(f["location"]["path"] == "main.tf" for f in local["findings"] if f["drift"] != "unmanaged")
    sarif = _check_sarif(tmp_path / "local.sarif")["runs"][0]
    assert {r["properties"]["drift"] for r in sarif["results"]} == {"drifted", "in-code", "not-live"}
    notes = [n["message"]["text"] for n in sarif["invocations"][0]["toolExecutionNotifications"]]
    unmanaged = sum(f["drift"] == "unmanaged" for f in local["findings"])
    assert any(f"({unmanaged} unmanaged)" in n for n in notes), notes

    # The same from the azurerm backend: `--state auto` reads the backend block, the key comes from
    # --backend-config, and the blob is read with an Azure AD token for storage.
    (tmp_path / "terraform.tfstate").unlink()
    (tmp_path / "backend.tf").write_text(AZURE_BACKEND)
    code, out, err = run_cli(*audit, "--state", "auto", "--backend-config", f"key={BLOB}", "--sarif", "blob.sarif")
    remote = json.loads(out)
    assert code == 1 and not remote["errors"], remote["errors"]
    assert _classes(remote) == _classes(local)
    assert SECRET not in out + err + (tmp_path / "blob.sarif").read_text()
    _check_sarif(tmp_path / "blob.sarif")
    tokens = [r.query.get("resource") for r in azure_estate.requests if r.path == "/msi/token"]
    assert "https://storage.azure.com" in tokens
    gets = [r for r in azure_estate.requests if r.path.startswith(f"/{ACCOUNT}/")]
    assert [(r.method, r.path) for r in gets] == [("GET", f"/{ACCOUNT}/{CONTAINER}/{BLOB}")]

    # `tenet drift`: the same audit, the cloud and the subscription taken from the state's resource ids.
    code, out, err = run_cli("drift", "--endpoint", azure_estate.url, "--backend-config", f"key={BLOB}",
                             "--format", "json")
    assert code == 1 and f"tenet drift: azure {SUBSCRIPTION}, against azurerm://{ACCOUNT}/{CONTAINER}/{BLOB}" in err
    assert _classes(json.loads(out)) == _classes(local)

    # A blob that is not there: an error entry naming it (exit 2), not a silent audit without drift.
    code, out, _ = run_cli(*audit, "--state", "auto", "--backend-config", "key=missing.tfstate")
    errors = json.loads(out)["errors"]
    assert code == 2
    assert [(e["path"], e["message"]) for e in errors] == [
        (f"azurerm://{ACCOUNT}/{CONTAINER}/missing.tfstate",
         "the state could not be read: Get Blob: HTTP 404 BlobNotFound")]


# -- GCP ------------------------------------------------------------------------------------------------------

GCP_CONFIG = """\
resource "google_compute_firewall" "web" {
  name          = "web"
  network       = "default"
  source_ranges = ["10.0.0.0/8"]
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

resource "google_compute_firewall" "open" {
  name          = "open"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

resource "google_compute_firewall" "gone" {
  name          = "gone"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["3389"]
  }
}
"""
GCP_BACKEND = f"""\
terraform {{
  backend "gcs" {{
    bucket = "{BUCKET}"
  }}
}}
"""


def _gcp_firewall_state(name: str, port: str, ranges: list[str]) -> dict[str, Any]:
    """`google_compute_firewall` as the google provider records it in state."""
    return _resource("google_compute_firewall", name, "google", {
        "id": f"projects/{PROJECT}/global/firewalls/{name}", "name": name, "project": PROJECT,
        "network": f"{COMPUTE}/projects/{PROJECT}/global/networks/default", "direction": "INGRESS",
        "priority": 1000, "disabled": False, "source_ranges": ranges, "source_tags": [], "target_tags": [],
        "destination_ranges": [], "source_service_accounts": [], "target_service_accounts": [],
        "allow": [{"protocol": "tcp", "ports": [port]}], "deny": [], "description": "", "log_config": [],
        "self_link": f"{COMPUTE}/projects/{PROJECT}/global/firewalls/{name}"})


class GcpWithObjects(FakeGcp):
    """The control-plane APIs and, on the same server, the Storage JSON API's `objects.get?alt=media`
    (`/storage/v1/b/{bucket}/o/{object}`, the object name URL-encoded): the object's bytes, or the JSON error."""

    def __init__(self, projects: list[GcpProject]) -> None:
        super().__init__(projects)
        self.objects: dict[tuple[str, str], bytes] = {}
        self.raw_paths: list[str] = []

    def route(self, request: Request) -> Reply | RawReply:
        parts = request.path.strip("/").split("/")
        if parts[:4] == ["storage", "v1", "b", BUCKET] and len(parts) > 5 and parts[4] == "o":
            if request.headers.get("authorization") != f"Bearer {self.TOKEN}":
                return 401, {"error": {"code": 401, "message": "Anonymous caller does not have storage.objects.get "
                                                                "access.", "errors": [{"reason": "required"}]}}
            name = "/".join(parts[5:])
            if request.query.get("alt") != "media":
                return 400, {"error": {"code": 400, "message": "only media downloads are served here"}}
            if (BUCKET, name) not in self.objects:
                return 404, {"error": {"code": 404, "message": f"No such object: {BUCKET}/{name}",
                                       "errors": [{"message": f"No such object: {BUCKET}/{name}", "domain": "global",
                                                   "reason": "notFound"}]}}
            return 200, self.objects[(BUCKET, name)], {"Content-Type": "application/json"}
        return super().route(request)


@pytest.fixture
def gcp_estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GcpWithObjects]:
    project = GcpProject(PROJECT, firewalls=[
        # By hand, in the console: 0.0.0.0/0 added to the managed firewall `web`.
        firewall(PROJECT, "web", allowed=[("tcp", ["22"])], ranges=["10.0.0.0/8", "0.0.0.0/0"]),
        firewall(PROJECT, "open", allowed=[("tcp", ["22"])], ranges=["0.0.0.0/0"]),
        # No state manages it.
        firewall(PROJECT, "manual", allowed=[("tcp", ["3389"])], ranges=["0.0.0.0/0"]),
    ])
    server = GcpWithObjects([project])
    state = _state(_gcp_firewall_state("web", "22", ["10.0.0.0/8"]),
                   _gcp_firewall_state("open", "22", ["0.0.0.0/0"]),
                   _gcp_firewall_state("gone", "3389", ["0.0.0.0/0"]))
    server.objects[(BUCKET, f"{PREFIX}/default.tfstate")] = json.dumps(state).encode()
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    with running(server):
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, server)))
        (tmp_path / ".git").mkdir()
        (tmp_path / "main.tf").write_text(GCP_CONFIG)
        (tmp_path / "terraform.tfstate").write_text(json.dumps(state, indent=2))
        monkeypatch.chdir(tmp_path)
        yield server


def test_gcp_drift_from_a_local_state_and_from_the_gcs_backend(gcp_estate: GcpWithObjects, tmp_path: Path) -> None:
    audit = ("audit", "gcp", "--project", PROJECT, "--endpoint", gcp_estate.url, "--format", "json")
    code, out, err = run_cli(*audit, "--state", "terraform.tfstate", "--sarif", "local.sarif")
    local = json.loads(out)
    jsonschema.validate(local, json.loads(REPORT_SCHEMA.read_text()))
    assert code == 1 and not local["errors"], err
    compute = f"//compute.googleapis.com/projects/{PROJECT}/global/firewalls"
    expected = {
        ("drifted", "NET-001", f"{compute}/web", 1),
        ("in-code", "NET-001", f"{compute}/open", 11),
        ("unmanaged", "NET-001", f"{compute}/manual", None),
        ("not-live", "NET-001", "google_compute_firewall.gone", 25),  # its allow block
    }
    assert expected <= _classes(local), _classes(local)
    drifted = next(f for f in local["findings"] if f["drift"] == "drifted")
    assert drifted["drift_detail"] == "google_compute_firewall.web: ingress 22: code 10.0.0.0/8, live 0.0.0.0/0, " \
                                      "10.0.0.0/8"
    _check_sarif(tmp_path / "local.sarif")

    # The same from the gcs backend: <prefix>/<workspace>.tfstate, the prefix from --backend-config, read from
    # the storage endpoint the audit uses.
    (tmp_path / "terraform.tfstate").unlink()
    (tmp_path / "backend.tf").write_text(GCP_BACKEND)
    code, out, err = run_cli(*audit, "--state", "auto", "--backend-config", f"prefix={PREFIX}", "--sarif", "gcs.sarif")
    remote = json.loads(out)
    assert code == 1 and not remote["errors"], remote["errors"]
    assert _classes(remote) == _classes(local)
    assert SECRET not in out + err + (tmp_path / "gcs.sarif").read_text()
    _check_sarif(tmp_path / "gcs.sarif")
    media = [r for r in gcp_estate.requests if r.path.startswith(f"/storage/v1/b/{BUCKET}/o/")]
    assert [(r.path, r.query) for r in media] == [
        (f"/storage/v1/b/{BUCKET}/o/{PREFIX}/default.tfstate", {"alt": "media"})]

    # Another workspace's state was never written: an error entry naming it.
    code, out, _ = run_cli(*audit, "--state", f"gs://{BUCKET}/{PREFIX}/qa.tfstate")
    errors = json.loads(out)["errors"]
    assert code == 2
    assert [(e["path"], e["message"]) for e in errors] == [
        (f"gs://{BUCKET}/{PREFIX}/qa.tfstate",
         f"the state could not be read: objects.get: HTTP 404 No such object: {BUCKET}/{PREFIX}/qa.tfstate")]

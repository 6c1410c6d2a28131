"""--download-modules: registry modules through a local server speaking the module registry protocol (over
HTTPS, with a certificate the test trusts), git modules from local repositories. Nothing reaches the internet."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scanner.engine.findings import ErrorLevel, Status
from scanner.scan import Scanner
from scanner.sources.terraform.download import best_version
from tests.audit.fake_clouds import self_signed_certificate

SG_MODULE = """variable "cidrs" { type = list(string) }
resource "aws_security_group" "this" {
  name = "from-registry"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = concat(var.cidrs, split(",", trimspace(file("${path.module}/extra.txt"))))
  }
}
"""


def targz(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Registry:
    """The module registry protocol: service discovery, the version list, the download redirect."""

    def __init__(self, tmp: Path, token: str | None = None) -> None:
        self.requests: list[str] = []
        self.token = token
        archive = targz({"main.tf": SG_MODULE, "extra.txt": "192.0.2.0/24\n"})
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append(self.path)
                if registry.token and self.headers.get("Authorization") != f"Bearer {registry.token}":
                    return self.reply(401, b'{"errors": ["unauthorized"]}')
                if self.path == "/.well-known/terraform.json":
                    return self.reply(200, json.dumps({"modules.v1": "/v1/modules/"}).encode())
                if self.path == "/v1/modules/acme/sg/aws/versions":
                    versions = [{"version": v} for v in ("1.0.0", "1.2.0", "1.3.0-beta1", "2.0.0")]
                    return self.reply(200, json.dumps({"modules": [{"versions": versions}]}).encode())
                if self.path.startswith("/v1/modules/acme/sg/aws/") and self.path.endswith("/download"):
                    version = self.path.split("/")[-2]
                    return self.reply(204, b"", {"X-Terraform-Get": f"/archives/sg-{version}.tar.gz"})
                if self.path.startswith("/archives/"):
                    return self.reply(200, archive)
                return self.reply(404, b"{}")

            def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        import ssl

        self.cert, key = self_signed_certificate(tmp)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    server = Registry(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    monkeypatch.setenv("TENET_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield server
    server.stop()


def root_module(tmp_path: Path, source: str, version: str | None = None) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True, exist_ok=True)
    line = f'  version = "{version}"\n' if version else ""
    (root / "main.tf").write_text(f'module "sg" {{\n  source  = "{source}"\n{line}  cidrs   = ["0.0.0.0/0"]\n}}\n')
    return root


def test_a_registry_module_is_downloaded_by_its_version_constraint(tmp_path: Path, registry: Registry) -> None:
    root = root_module(tmp_path, f"{registry.host}/acme/sg/aws", "~> 1.0")
    result = Scanner(cwd=root, download_modules=True).scan([root])
    assert [e for e in result.errors if e.level is ErrorLevel.ERROR] == []
    [finding] = result.findings
    assert finding.rule_id == "NET-001" and finding.resource == "module.sg.aws_security_group.this"
    assert finding.status is Status.FAIL and "192.0.2.0/24" not in finding.message
    # At the module block the user can change; the chain ends in the module's own file.
    assert finding.location is not None and finding.location.path == "main.tf"
    assert [(c.path, c.start_line) for c in finding.module_chain] == [
        ("main.tf", 1), (f"{registry.host}/acme/sg/aws 1.2.0 //main.tf", 4)]
    # The newest 1.x, not the pre-release, and the file() inside the copy was read (no warning about it).
    assert "/v1/modules/acme/sg/aws/1.2.0/download" in registry.requests
    assert result.errors == []
    # Cached: a second scan asks for the version list only.
    registry.requests.clear()
    Scanner(cwd=root, download_modules=True).scan([root])
    assert not any(p.startswith(("/archives/", "/v1/modules/acme/sg/aws/1.2.0")) for p in registry.requests)


def test_offline_is_the_default_and_the_warning_names_the_option(tmp_path: Path, registry: Registry) -> None:
    root = root_module(tmp_path, f"{registry.host}/acme/sg/aws", "1.0.0")
    result = Scanner(cwd=root).scan([root])
    [warning] = result.errors
    assert warning.level is ErrorLevel.WARNING and "--download-modules" in warning.message
    assert registry.requests == [] and result.findings == []


def test_a_private_registry_gets_the_token_terraform_would_send(tmp_path: Path, registry: Registry,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    registry.token = "s3cr3t-registry-token"
    root = root_module(tmp_path, f"{registry.host}/acme/sg/aws", ">= 1.0, < 2.0")
    denied = Scanner(cwd=root, download_modules=True).scan([root])
    assert "could not be downloaded" in denied.errors[0].message and denied.findings == []
    config = tmp_path / "terraformrc"
    config.write_text(f'credentials "{registry.host}" {{\n  token = "{registry.token}"\n}}\n')
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(config))
    result = Scanner(cwd=root, download_modules=True).scan([root])
    assert [f.rule_id for f in result.findings] == ["NET-001"]


def test_no_version_meeting_the_constraint_is_a_warning(tmp_path: Path, registry: Registry) -> None:
    root = root_module(tmp_path, f"{registry.host}/acme/sg/aws", "~> 3.0")
    [warning] = Scanner(cwd=root, download_modules=True).scan([root]).errors
    assert "no version of acme/sg/aws" in warning.message and "2.0.0" in warning.message


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_git_module_with_ref_and_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENET_CACHE_DIR", str(tmp_path / "cache"))
    # A file:// repository is read only inside the scanned repository (a local one outside it is refused).
    outside = root_module(tmp_path, f"git::file://{tmp_path}/elsewhere")
    [refused] = Scanner(cwd=outside, download_modules=True).scan([outside]).errors
    assert "a file:// source outside the scanned repository is not read" in refused.message
    repo = tmp_path / "repo" / ".terraform" / "modules-repo"  # inside, where the scan itself does not walk
    (repo / "modules" / "sg").mkdir(parents=True)
    (repo / "modules" / "sg" / "main.tf").write_text(SG_MODULE)
    (repo / "modules" / "sg" / "extra.txt").write_text("198.51.100.0/24\n")
    # The copy is the downloaded module's boundary: the scanned repository is outside it.
    (repo / "modules" / "sg" / "leak.tf").write_text(
        'resource "aws_security_group" "leak" {\n  ingress {\n    from_port = 443\n    to_port = 443\n'
        '    protocol = "tcp"\n    cidr_blocks = [file("${path.module}/../../../../repo/main.tf")]\n  }\n}\n')
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "v1"],
                    ["git", "tag", "v1.0.0"]):
        subprocess.run(command, cwd=repo, env=env, check=True)
    root = root_module(tmp_path, f"git::file://{repo}//modules/sg?ref=v1.0.0")
    result = Scanner(cwd=root, download_modules=True).scan([root])
    assert [(e.level, "resolves outside" in e.message) for e in result.errors] == [(ErrorLevel.WARNING, True)]
    [finding] = [f for f in result.findings if f.resource == "module.sg.aws_security_group.this"]
    assert finding.status is Status.FAIL
    assert finding.module_chain[-1].path == f"git::file://{repo} v1.0.0 //modules/sg/main.tf"
    # A ref that does not exist is a warning for the module block, not a crash.
    root = root_module(tmp_path, f"git::file://{repo}//modules/sg?ref=v9")
    [warning] = Scanner(cwd=root, download_modules=True).scan([root]).errors
    assert "git clone" in warning.message and warning.line == 1


@pytest.mark.parametrize(("available", "constraint", "chosen"), [
    (["1.0.0", "1.2.0", "2.0.0"], "~> 1.0", "1.2.0"),
    (["1.0.0", "1.0.5", "1.1.0"], "~> 1.0.1", "1.0.5"),
    (["1.0.0", "2.0.0", "2.1.0-rc1"], None, "2.0.0"),
    (["1.0.0", "2.1.0-rc1"], "2.1.0-rc1", "2.1.0-rc1"),
    (["1.0.0", "1.5.0", "2.0.0"], ">= 1.0, < 2.0, != 1.5.0", "1.0.0"),
    (["1.0.0"], "> 1.0.0", None),
])
def test_version_constraints_as_terraform_reads_them(available: list[str], constraint: str | None,
                                                     chosen: str | None) -> None:
    assert best_version(available, constraint) == chosen

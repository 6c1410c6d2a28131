"""Live calls are bounded: an endpoint that accepts connections and never answers costs each request its
read timeout, each call its attempts or its deadline, and the audit its --timeout; every call not done is an
error entry and the report is still written."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.audit.aws.collectors import AwsAuditOptions, audit_aws
from scanner.audit.engine import Limits
from scanner.cli import main
from tests.audit.conftest import point_at


class SilentServer:
    """Accepts every connection on 127.0.0.1 and never answers; counts the connections (one per attempt)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.accepted.append(conn)

    @property
    def connections(self) -> int:
        with self.lock:
            return len(self.accepted)

    def close(self) -> None:
        self.listener.close()
        with self.lock:
            for conn in self.accepted:
                conn.close()


@pytest.fixture
def silent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[SilentServer]:
    server = SilentServer()
    point_at(monkeypatch, server.url, tmp_path)
    try:
        yield server
    finally:
        server.close()


def test_a_silent_endpoint_fails_each_call_after_its_attempts(silent: SilentServer) -> None:
    result = audit_aws(AwsAuditOptions(regions=("us-east-1",), max_attempts=3, read_timeout=0.2))
    [error] = result.errors
    assert (error.service, error.operation, error.code) == ("sts", "GetCallerIdentity", "ReadTimeoutError")
    assert error.message.startswith(f'Read timeout on endpoint URL: "{silent.url}/"')
    assert silent.connections == 3  # the attempts, and not one more: the limit that stopped it
    assert result.calls == 1 and result.assets == []


def test_a_call_past_its_deadline_stops_retrying(silent: SilentServer) -> None:
    result = audit_aws(AwsAuditOptions(regions=("us-east-1",), max_attempts=50, read_timeout=0.2, call_deadline=1))
    [error] = result.errors
    assert (error.operation, error.code, error.message) == (
        "GetCallerIdentity", "CallDeadline", "no answer within the call deadline of 1 s")
    assert silent.connections < 50  # the deadline stopped it, not the attempts


def test_audit_timeout_writes_the_report_with_every_call_not_done(silent: SilentServer, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    out = CliRunner().invoke(main, ["audit", "aws", "--regions", "us-east-1", "--timeout", "0.5", "--format", "json",
                                    "-o", str(report)])
    assert out.exit_code == 2, out.output
    errors = json.loads(report.read_text())["errors"]
    assert [e["message"] for e in errors] == [
        "partial audit: sts:GetCallerIdentity failed (region global, default credentials): AuditTimeout: "
        "not done: audit timeout after 0.5 s"]
    # Nothing past the timeout: one attempt under way (its read timeout is 20 s), none made after it.
    assert silent.connections == 1


def test_azure_calls_against_a_silent_endpoint_end_after_their_attempts(silent: SilentServer) -> None:
    from azure.core.credentials import AccessToken

    from scanner.audit.azure.collectors import AzureOptions
    from scanner.audit.azure.collectors import audit as audit_azure

    class Token:
        def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
            return AccessToken("t", 2**31)

    https = silent.url.replace("http://", "https://")  # the TLS handshake is never answered either
    options = AzureOptions(endpoint=https, limits=Limits(read_timeout=0.2, connect_timeout=0.2, attempts=2))
    result = audit_azure(Token(), ["00000000-0000-0000-0000-000000000001"], options=options, workers=4)
    assert result.errors and {e.code for e in result.errors} == {"ServiceResponseTimeoutError"}, result.errors
    assert all("(read timeout=0.2)" in e.message for e in result.errors)
    # Every call tried twice (retry_total=1), no more.
    assert silent.connections == 2 * result.calls


def test_gcp_calls_against_a_silent_endpoint_end_within_their_limits(silent: SilentServer) -> None:
    from google.auth.credentials import AnonymousCredentials

    from scanner.audit.gcp.collectors import GcpOptions
    from scanner.audit.gcp.collectors import audit as audit_gcp

    options = GcpOptions(endpoints={"": silent.url},
                         limits=Limits(read_timeout=0.2, connect_timeout=0.2, attempts=2, call_deadline=2))
    result = audit_gcp(AnonymousCredentials(), ["p"], options=options, workers=8)  # type: ignore[no-untyped-call]
    assert result.assets == [] and len(result.errors) == result.calls
    # A read timeout is not retried; Cloud Storage retries it until the call deadline, then stops.
    codes = Counter(e.code for e in result.errors)
    assert set(codes) <= {"ReadTimeout", "CallDeadline", "RetryError"}, result.errors
    assert codes["ReadTimeout"] >= 1

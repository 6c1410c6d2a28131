"""Terraform states read from their backends, read-only, through the SDKs the live audits already use.

S3 through boto3 (`GetObject`; `AWS_ENDPOINT_URL` and the standard credential chain are botocore's), Azure
Blob through azure-core's pipeline with an Azure AD token (the Blob REST API's Get Blob), GCS through
google-auth's authorized session (the JSON API's `objects.get?alt=media`). Each SDK is imported only when a
state of its kind is read, so `tenet scan` never pays for it.

A state holds secrets: what is read goes to a private temporary file (mode 0600) that the scan reads
like any local state and that is removed afterwards; no message ever quotes its content. A state that cannot be
read is an error entry naming its address and why (exit 2), never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scanner.engine.findings import ScanError
from scanner.sources.terraform.backend import (
    AUTO,
    AZURE_STORAGE_SUFFIXES,
    BackendError,
    StateAddress,
    auto_address,
    parse_address,
)

# The Blob REST API version Tenet speaks (Get Blob with an Azure AD bearer token needs 2017-11-09 or later).
BLOB_API_VERSION = "2021-08-06"
STORAGE_SCOPE = "https://storage.azure.com/.default"
GCS_READ_SCOPE = "https://www.googleapis.com/auth/devstorage.read_only"
GCS_ENDPOINT = "https://storage.googleapis.com"
# Where a test or a private cloud serves the Blob API: `{endpoint}/{account}/{container}/{blob}`, path-style
# as the storage emulators answer (https://{account}.blob.core.windows.net otherwise).
AZURE_BLOB_ENDPOINT_VARIABLE = "TENET_AZURE_BLOB_ENDPOINT"
_CHUNK = 1024 * 1024


class StateFetchError(Exception):
    """Why a remote state could not be read, without any of its content."""


@dataclass(frozen=True)
class FetchOptions:
    max_bytes: int = 256 * 1024 * 1024
    timeout: float = 60.0
    # The GCS JSON API endpoint (`tenet audit gcp --endpoint`), else STORAGE_EMULATOR_HOST, else Google's.
    gcs_endpoint: str | None = None


@dataclass
class OpenedStates:
    """The states asked for, as local files: `paths` to scan, `shown` how reports name the fetched ones
    (absolute temporary path -> address), `errors` for those that could not be read."""

    paths: list[Path] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)
    errors: list[ScanError] = field(default_factory=list)
    addresses: list[StateAddress] = field(default_factory=list)

    @property
    def remote(self) -> bool:
        return any(a.remote for a in self.addresses)


def resolve(specs: Sequence[str], config_dir: Path, shown_dir: str, backend_config: Mapping[str, str]
            ) -> list[StateAddress]:
    """The `--state` values as addresses; `auto` is the configuration's backend. Raises BackendError."""
    return [auto_address(config_dir, shown_dir, backend_config) if spec == AUTO else parse_address(spec)
            for spec in specs]


@contextmanager
def opened(addresses: Sequence[StateAddress], options: FetchOptions | None = None) -> Iterator[OpenedStates]:
    """Local paths for every address: local files as they are, remote states fetched to a private directory
    that is removed on exit."""
    options = options or FetchOptions()
    result = OpenedStates(addresses=list(addresses))
    directory: str | None = None
    try:
        for number, address in enumerate(addresses):
            if not address.remote:
                path = Path(address.key)
                if not path.is_file():
                    result.errors.append(ScanError(path=str(address), message="no such state file"))
                    continue
                result.paths.append(path)
                continue
            if directory is None:
                directory = tempfile.mkdtemp(prefix="tenet-state-")  # mode 0700
            target = Path(directory) / f"{number}" / "terraform.tfstate"
            target.parent.mkdir(mode=0o700)
            try:
                fetch(address, target, options)
            except StateFetchError as exc:
                result.errors.append(ScanError(path=str(address), message=f"the state could not be read: {exc}"))
                continue
            result.paths.append(target)
            result.shown[os.path.abspath(target)] = str(address)
        yield result
    finally:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


def fetch(address: StateAddress, target: Path, options: FetchOptions) -> None:
    """Write the state at `address` to `target` (created 0600). Raises StateFetchError."""
    with _private_file(target) as out:
        if address.kind == "s3":
            _fetch_s3(address, out, options)
        elif address.kind == "azurerm":
            _fetch_blob(address, out, options)
        elif address.kind == "gcs":
            _fetch_gcs(address, out, options)
        else:  # pragma: no cover - local states are not fetched
            raise StateFetchError(f"{address.kind} states are not fetched")


class _Limited:
    """A file that refuses to grow past the state size limit."""

    def __init__(self, handle: Any, limit: int) -> None:
        self.handle, self.limit, self.written = handle, limit, 0

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.written > self.limit:
            raise StateFetchError(f"larger than the {self.limit // (1024 * 1024)} MiB limit (max-plan-mib)")
        self.handle.write(chunk)


@contextmanager
def _private_file(target: Path) -> Iterator[Any]:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _fetch_s3(address: StateAddress, out: Any, options: FetchOptions) -> None:
    from scanner.extras import MissingExtra, imports_of

    try:
        with imports_of("aws", "reading an S3 state"):
            import boto3  # type: ignore[import-untyped]
            from botocore.config import Config  # type: ignore[import-untyped]
            from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
    except MissingExtra as exc:
        raise StateFetchError(str(exc)) from None
    try:
        session = boto3.Session(profile_name=address.profile) if address.profile else boto3.Session()
        # GetObject only: s3:GetObject on the state key is all the permission this needs.
        client = session.client("s3", region_name=address.region, config=Config(
            connect_timeout=min(options.timeout, 10), read_timeout=options.timeout, retries={"max_attempts": 3}))
        body = client.get_object(Bucket=address.bucket, Key=address.key)["Body"]
        limited = _Limited(out, options.max_bytes)
        for chunk in iter(lambda: body.read(_CHUNK), b""):
            limited.write(chunk)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        raise StateFetchError(f"GetObject: {code}: {' '.join(str(error.get('Message') or '').split())}"
                              .rstrip(": ")) from None
    except BotoCoreError as exc:
        raise StateFetchError(f"GetObject: {type(exc).__name__}: {' '.join(str(exc).split())}") from None


def blob_url(address: StateAddress, endpoint: str | None = None) -> str:
    """The Get Blob URL: the account's blob endpoint, or path-style under an endpoint override."""
    path = f"{quote(address.container, safe='')}/{quote(address.key, safe='/')}"
    if endpoint:
        return f"{endpoint.rstrip('/')}/{quote(address.bucket, safe='')}/{path}"
    return f"https://{address.bucket}.blob.{AZURE_STORAGE_SUFFIXES[address.environment]}/{path}"


def _fetch_blob(address: StateAddress, out: Any, options: FetchOptions) -> None:
    from scanner.extras import MissingExtra, imports_of

    try:
        with imports_of("azure", "reading an Azure Blob state"):
            from azure.core import PipelineClient
            from azure.core.exceptions import AzureError, ClientAuthenticationError
            from azure.core.pipeline.policies import (
                BearerTokenCredentialPolicy,
                HeadersPolicy,
                RetryPolicy,
                UserAgentPolicy,
            )
            from azure.core.rest import HttpRequest
            from azure.identity import DefaultAzureCredential
    except MissingExtra as exc:
        raise StateFetchError(str(exc)) from None
    import logging

    logging.getLogger("azure.identity").setLevel(logging.ERROR)
    url = blob_url(address, os.environ.get(AZURE_BLOB_ENDPOINT_VARIABLE) or None)
    try:
        with DefaultAzureCredential() as credential:
            # An Azure AD token for storage: the Storage Blob Data Reader role on the container is all it needs.
            policies = [HeadersPolicy({"x-ms-version": BLOB_API_VERSION}), UserAgentPolicy("tenet"),
                        RetryPolicy(retry_total=3, timeout=options.timeout),
                        BearerTokenCredentialPolicy(credential, STORAGE_SCOPE)]
            with PipelineClient[HttpRequest, Any](base_url=url, policies=policies) as client:
                # Every authorized Blob request carries its date (x-ms-date), its API version (x-ms-version).
                request = HttpRequest("GET", url, headers={"x-ms-date": formatdate(usegmt=True)})
                response = client.send_request(request, stream=True,
                                               connection_timeout=min(options.timeout, 10),
                                               read_timeout=options.timeout)
                try:
                    if response.status_code != 200:
                        code = response.headers.get("x-ms-error-code") or response.reason or ""
                        raise StateFetchError(f"Get Blob: HTTP {response.status_code} {code}".rstrip())
                    limited = _Limited(out, options.max_bytes)
                    for chunk in response.iter_bytes():
                        limited.write(chunk)
                finally:
                    response.close()
    except ClientAuthenticationError as exc:
        raise StateFetchError(f"no Azure credential: {' '.join(str(exc.message).split())}") from None
    except AzureError as exc:
        raise StateFetchError(f"Get Blob: {type(exc).__name__}: {' '.join(str(exc.message).split())}") from None


def gcs_url(address: StateAddress, endpoint: str | None = None) -> str:
    """The JSON API's media download of one object."""
    base = (endpoint or os.environ.get("STORAGE_EMULATOR_HOST") or GCS_ENDPOINT).rstrip("/")
    if "://" not in base:
        base = f"http://{base}"  # STORAGE_EMULATOR_HOST is often host:port
    return f"{base}/storage/v1/b/{quote(address.bucket, safe='')}/o/{quote(address.key, safe='')}?alt=media"


def _fetch_gcs(address: StateAddress, out: Any, options: FetchOptions) -> None:
    from scanner.extras import MissingExtra, imports_of

    try:
        with imports_of("gcp", "reading a GCS state"):
            import google.auth
            import requests
            from google.auth.exceptions import GoogleAuthError
            from google.auth.transport.requests import AuthorizedSession
    except MissingExtra as exc:
        raise StateFetchError(str(exc)) from None
    url = gcs_url(address, options.gcs_endpoint)
    try:
        # storage.objects.get on the state object is all the permission this needs.
        credentials, _ = google.auth.default(scopes=[GCS_READ_SCOPE])
        timeout = (min(options.timeout, 10), options.timeout)
        with AuthorizedSession(credentials) as session, session.get(  # type: ignore[no-untyped-call]
                url, stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise StateFetchError(f"objects.get: HTTP {response.status_code} {_gcs_reason(response)}".rstrip())
            limited = _Limited(out, options.max_bytes)
            for chunk in response.iter_content(_CHUNK):
                limited.write(chunk)
    except GoogleAuthError as exc:
        raise StateFetchError(f"Google Cloud credentials: {' '.join(str(exc).split())}") from None
    except requests.RequestException as exc:
        raise StateFetchError(f"objects.get: {type(exc).__name__}: {' '.join(str(exc).split())}") from None


def _gcs_reason(response: Any) -> str:
    """The error's message from the JSON error body (never a state: this is not a 200)."""
    try:
        error = response.json().get("error", {})
        return " ".join(str(error.get("message", "")).split())[:300]
    except ValueError:
        return str(response.reason or "")


__all__ = ["AUTO", "BackendError", "FetchOptions", "OpenedStates", "StateFetchError", "blob_url", "fetch", "gcs_url",
           "opened", "resolve"]

"""Small local stand-ins for the Azure Resource Manager and GCP control-plane APIs.

No emulator exists for these control planes, so the tests drive the REAL SDK
clients against these servers on 127.0.0.1. They serve API-shaped JSON from
in-memory state, paginate every list (absolute `nextLink` for Azure,
`nextPageToken` for GCP), answer 403 where a test says so, and record every
request so tests can assert what the SDKs asked for.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Json = dict[str, Any]
Reply = tuple[int, Json]
# A reply that is not JSON (a blob's or an object's bytes, an XML error): status, body, headers.
RawReply = tuple[int, bytes, dict[str, str]]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A key and a self-signed certificate for 127.0.0.1 (a SAN IPAddress), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        # A trust anchor and a server certificate at once, so it can be the CA bundle.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class _Server(ThreadingHTTPServer):
    # The default listen backlog of 5 drops connections when 16 audit workers connect at
    # once; the dropped SYN is retried after a second.
    request_queue_size = 128


class FakeServer:
    """A threaded HTTP(S) server that hands every request to `self.route`."""

    def __init__(self, *, tls: bool = False) -> None:
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._tmp = tempfile.TemporaryDirectory(prefix="tenet-fake-cloud-")
        self.cert_file: Path | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Without it every response waits on Nagle + delayed ACK: ~45 ms a call.
            disable_nagle_algorithm = True

            def _handle(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=urllib.parse.unquote(parsed.path),
                    query=dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with server._lock:
                    server.requests.append(request)
                reply = server.route(request)
                status, headers = reply[0], {"Content-Type": "application/json; charset=utf-8"}
                if len(reply) == 3:
                    data, headers = reply[1], reply[2]
                else:
                    data = json.dumps(reply[1]).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls:
            self.cert_file, key_file = self_signed_certificate(Path(self._tmp.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cert_file, key_file)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._tmp.cleanup()

    def route(self, request: Request) -> Reply | RawReply:
        raise NotImplementedError

    def paths(self, method: str = "GET") -> list[str]:
        return [r.path for r in self.requests if r.method == method]


def _page(items: list[Json], start: int, size: int) -> tuple[list[Json], int | None]:
    end = start + size
    return items[start:end], (end if end < len(items) else None)


# -- Azure Resource Manager -------------------------------------------------------------------------


@dataclass
class AzureSubscription:
    subscription_id: str
    network_security_groups: list[Json] = field(default_factory=list)
    application_gateways: list[Json] = field(default_factory=list)
    storage_accounts: list[Json] = field(default_factory=list)
    role_definitions: list[Json] = field(default_factory=list)
    role_assignments: list[Json] = field(default_factory=list)
    # Other subscription-wide lists, by provider path: "Microsoft.Web/sites" -> the resources.
    resources: dict[str, list[Json]] = field(default_factory=dict)
    # Reads below a resource, by full path ("<resource id>/config/web"): a list (paginated) or one object.
    children: dict[str, list[Json] | Json] = field(default_factory=dict)
    # Attributes and provider paths whose list answers 403 AuthorizationFailed; resource providers
    # (namespaces) the subscription has not registered.
    forbidden: set[str] = field(default_factory=set)
    unregistered: set[str] = field(default_factory=set)
    state: str = "Enabled"


# Provider path -> (the AzureSubscription attribute listed, the action a 403 names).
_AZURE_LISTS = {
    f"{namespace}/{kind}": (attribute, f"{namespace}/{kind}/read")
    for namespace, kind, attribute in (
        ("Microsoft.Network", "networkSecurityGroups", "network_security_groups"),
        ("Microsoft.Network", "applicationGateways", "application_gateways"),
        ("Microsoft.Storage", "storageAccounts", "storage_accounts"),
        ("Microsoft.Authorization", "roleDefinitions", "role_definitions"),
        ("Microsoft.Authorization", "roleAssignments", "role_assignments"),
    )
}


class FakeAzure(FakeServer):
    """Azure Resource Manager over HTTPS, plus an App Service managed-identity token endpoint.

    The token endpoint is what `DefaultAzureCredential` calls when the App Service
    variables IDENTITY_ENDPOINT and IDENTITY_HEADER are set: the real credential
    chain then works with no Azure AD.
    """

    IDENTITY_HEADER = "fake-identity-header"
    TOKEN = "fake-arm-token"

    def __init__(self, subscriptions: list[AzureSubscription], *, page_size: int = 2) -> None:
        super().__init__(tls=True)
        self.subscriptions = {s.subscription_id: s for s in subscriptions}
        self.page_size = page_size
        # Management group ID -> the subscriptions under it, at any depth.
        self.management_groups: dict[str, list[str]] = {}

    @property
    def identity_endpoint(self) -> str:
        return f"{self.url}/msi/token"

    def route(self, request: Request) -> Reply:
        if request.path == "/msi/token":
            return self._token(request)
        if request.headers.get("authorization") != f"Bearer {self.TOKEN}":
            return 401, {"error": {"code": "InvalidAuthenticationToken", "message": "The access token is invalid."}}
        if "api-version" not in request.query:
            return 400, {"error": {"code": "MissingApiVersionParameter", "message": "api-version is required"}}
        parts = request.path.strip("/").split("/")
        if parts == ["subscriptions"]:
            items = [{"id": f"/subscriptions/{s.subscription_id}", "subscriptionId": s.subscription_id,
                      "displayName": f"sub {s.subscription_id}", "state": s.state, "tenantId": "tenant-1"}
                     for s in self.subscriptions.values()]
            return self._list(request, items)
        if parts[:3] == ["providers", "Microsoft.Management", "managementGroups"] and parts[-1] == "descendants":
            return self._descendants(request, parts[3])
        subscription = self.subscriptions.get(parts[1]) if len(parts) > 1 else None
        if len(parts) == 5 and parts[0] == "subscriptions" and parts[2] == "providers" and subscription is not None:
            provider_path = f"{parts[3]}/{parts[4]}"
            if parts[3] in subscription.unregistered:
                return 409, {"error": {
                    "code": "MissingSubscriptionRegistration",
                    "message": f"The subscription is not registered to use namespace '{parts[3]}'."}}
            # Any other resource type lists what the subscription has of it, maybe nothing.
            attribute, action = _AZURE_LISTS.get(provider_path, (provider_path, f"{provider_path}/read"))
            if attribute in subscription.forbidden:
                return 403, {"error": {
                    "code": "AuthorizationFailed",
                    "message": f"The client 'tenet' does not have authorization to perform action '{action}' "
                               f"over scope '/subscriptions/{subscription.subscription_id}'.",
                }}
            items = subscription.resources.get(attribute, []) if "/" in attribute else getattr(subscription, attribute)
            return self._list(request, items)
        if subscription is not None and request.path in subscription.children:
            child = subscription.children[request.path]
            return self._list(request, child) if isinstance(child, list) else (200, child)
        return 404, {"error": {"code": "ResourceNotFound", "message": f"The Resource '{request.path}' was not found."}}

    def _descendants(self, request: Request, group: str) -> Reply:
        """`ManagementGroups_GetDescendants`: a child group, then the subscriptions, as the API lists them."""
        if group not in self.management_groups:
            return 404, {"error": {"code": "NotFound", "message": f"'{group}' not found"}}
        prefix = "/providers/Microsoft.Management/managementGroups"
        items: list[Json] = [{"id": f"{prefix}/{group}-child", "type": "Microsoft.Management/managementGroups",
                              "name": f"{group}-child", "properties": {"displayName": "child",
                                                                       "parent": {"id": f"{prefix}/{group}"}}}]
        items += [{"id": f"{prefix}/{group}-child/subscriptions/{s}",
                   "type": "Microsoft.Management/managementGroups/subscriptions", "name": s,
                   "properties": {"displayName": f"sub {s}", "parent": {"id": f"{prefix}/{group}-child"}}}
                  for s in self.management_groups[group]]
        return self._list(request, items)

    def _list(self, request: Request, items: list[Json]) -> Reply:
        start = int(request.query.get("$skiptoken", "0"))
        page, following = _page(items, start, self.page_size)
        body: Json = {"value": page}
        if following is not None:
            query = {**request.query, "$skiptoken": str(following)}
            body["nextLink"] = f"{self.url}{request.path}?{urllib.parse.urlencode(query)}"
        return 200, body

    def _token(self, request: Request) -> Reply:
        if request.headers.get("x-identity-header") != self.IDENTITY_HEADER:
            return 401, {"error": "invalid identity header"}
        import time

        return 200, {"access_token": self.TOKEN, "expires_on": str(int(time.time()) + 3600),
                     "resource": request.query.get("resource", ""), "token_type": "Bearer"}


# -- Google Cloud -----------------------------------------------------------------------------------


@dataclass
class GcpProject:
    project_id: str
    parent: str = "organizations/100"
    iam_policy: Json = field(default_factory=dict)
    firewalls: list[Json] = field(default_factory=list)
    # Keyed by scope, as the aggregated lists answer: "global", "regions/europe-west1".
    ssl_policies: dict[str, list[Json]] = field(default_factory=dict)
    target_https_proxies: dict[str, list[Json]] = field(default_factory=dict)
    buckets: list[Json] = field(default_factory=list)
    bucket_policies: dict[str, Json] = field(default_factory=dict)
    # Compute collections other than the above: "disks" (aggregated), "targetSslProxies" (global).
    compute: dict[str, dict[str, list[Json]]] = field(default_factory=dict)
    # The other REST services by path ("v1/projects/p/instances"): a list as (items key, items),
    # paginated, or one object (a `datasets.get`, a `…:getIamPolicy`).
    rest: dict[str, tuple[str, list[Json]] | Json] = field(default_factory=dict)
    # Operations that answer 403: getIamPolicy, firewalls, sslPolicies, targetHttpsProxies, buckets, bucketIam,
    # compute collections, and REST paths.
    forbidden: set[str] = field(default_factory=set)
    state: str = "ACTIVE"


def _gcp_error(status: int, message: str, reason: str) -> Reply:
    state = {403: "PERMISSION_DENIED", 404: "NOT_FOUND", 401: "UNAUTHENTICATED"}.get(status, "UNKNOWN")
    return status, {"error": {"code": status, "message": message, "status": state,
                              "errors": [{"message": message, "domain": "global", "reason": reason}]}}


# The REST list methods by their path's last segment, and the key their items come under.
_REST_LISTS = {"instances": "items", "locations": "locations", "keyRings": "keyRings", "cryptoKeys": "cryptoKeys",
               "topics": "topics", "subscriptions": "subscriptions", "services": "services",
               "functions": "functions", "datasets": "datasets", "clusters": "clusters", "regions": "items",
               "repositories": "repositories", "metadataStores": "metadataStores", "secrets": "secrets",
               "serviceAccounts": "accounts", "tables": "tables", "databases": "databases"}
# Services whose paths collide with another's on one host (Spanner's and Cloud SQL's `v1/projects/p/instances`,
# Filestore's and Memorystore's `v1/projects/p/locations/-/instances`): the tests point them at `<url>/<service>`,
# and their REST paths are kept with that prefix.
GCP_PREFIXED_SERVICES = ("file", "spanner")


def gcp_endpoints(url: str) -> dict[str, str]:
    """Every service at `url`, the prefixed ones below it."""
    return {"": url, **{service: f"{url}/{service}" for service in GCP_PREFIXED_SERVICES}}


class FakeGcp(FakeServer):
    """Resource Manager v3, Compute v1 and Storage JSON API paths on one plain-HTTP server,
    plus an OAuth token endpoint for application default credentials."""

    TOKEN = "fake-gcp-token"

    def __init__(self, projects: list[GcpProject], *, folders: dict[str, str] | None = None,
                 page_size: int = 2) -> None:
        super().__init__(tls=False)
        self.projects = {p.project_id: p for p in projects}
        self.folders = folders or {}  # folder name -> parent name
        self.page_size = page_size
        # IAM policies of organizations and folders ("organizations/100"); others have no bindings.
        self.parent_policies: dict[str, Json] = {}
        # The token endpoint refuses every grant, as Google's does for a deleted key.
        self.reject_grants = False
        self.routes: list[tuple[str, Callable[[Request, list[str]], Reply]]] = [
            ("v3", self._resource_manager),
            ("compute", self._compute),
            ("storage", self._storage),
            ("v1", self._rest),
            ("v2", self._rest),
            ("bigquery", self._rest),
            *((service, self._rest) for service in GCP_PREFIXED_SERVICES),
        ]

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def route(self, request: Request) -> Reply:
        if request.path == "/token" and request.method == "POST":
            if self.reject_grants:
                return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            return 200, {"access_token": self.TOKEN, "expires_in": 3600, "token_type": "Bearer"}
        if not self._authorised(request.headers.get("authorization")):
            return _gcp_error(401, "Request had invalid authentication credentials.", "authError")
        parts = request.path.strip("/").split("/")
        for prefix, handler in self.routes:
            if parts[0] == prefix:
                return handler(request, parts[1:])
        return _gcp_error(404, f"no route {request.path}", "notFound")

    def _authorised(self, header: str | None) -> bool:
        """No header (anonymous credentials), the token this server issued, or a service
        account's self-signed JWT, which GAPIC clients send instead of an OAuth token."""
        if header is None:
            return True
        token = header.removeprefix("Bearer ")
        return token == self.TOKEN or token.count(".") == 2

    def _project(self, project_id: str, operation: str) -> GcpProject | Reply:
        project = self.projects.get(project_id)
        if project is None:
            return _gcp_error(404, f"The resource 'projects/{project_id}' was not found", "notFound")
        if operation in project.forbidden:
            return _gcp_error(403, f"Permission denied on 'projects/{project_id}' for {operation}.", "forbidden")
        return project

    def _tokens(self, request: Request, items: list[Json], key: str) -> Reply:
        size = min(int(request.query.get("maxResults") or request.query.get("pageSize") or self.page_size),
                   self.page_size)
        page, following = _page(items, int(request.query.get("pageToken") or 0), size)
        body: Json = {key: page}
        if following is not None:
            body["nextPageToken"] = str(following)
        return 200, body

    def _resource_manager(self, request: Request, parts: list[str]) -> Reply:
        if parts == ["projects"]:
            parent = request.query.get("parent", "")
            items = [{"name": f"projects/{p.project_id}", "projectId": p.project_id, "parent": p.parent,
                      "state": p.state} for p in self.projects.values() if p.parent == parent]
            return self._tokens(request, items, "projects")
        if parts == ["folders"]:
            parent = request.query.get("parent", "")
            items = [{"name": f, "parent": p, "state": "ACTIVE"} for f, p in self.folders.items() if p == parent]
            return self._tokens(request, items, "folders")
        if len(parts) == 2 and parts[0] in ("organizations", "folders") and parts[1].endswith(":getIamPolicy"):
            return 200, self.parent_policies.get(f"{parts[0]}/{parts[1].removesuffix(':getIamPolicy')}",
                                                 {"etag": "ACAB"})
        if len(parts) == 2 and parts[0] == "projects" and parts[1].endswith(":getIamPolicy"):
            found = self._project(parts[1].removesuffix(":getIamPolicy"), "getIamPolicy")
            return found if isinstance(found, tuple) else (200, found.iam_policy)
        return _gcp_error(404, f"no route {request.path}", "notFound")

    def _compute(self, request: Request, parts: list[str]) -> Reply:
        # v1/projects/{p}/global/firewalls, v1/projects/{p}/aggregated/{sslPolicies|targetHttpsProxies}
        path = request.path.strip("/")
        if parts[-1] in ("regions", "getIamPolicy") or any(path in p.rest for p in self.projects.values()):
            return self._rest(request, parts)  # regions.list and instances.getIamPolicy, kept as REST answers
        if len(parts) != 5 or parts[:2] != ["v1", "projects"]:
            return _gcp_error(404, f"no route {request.path}", "notFound")
        project_id, scope, collection = parts[2], parts[3], parts[4]
        found = self._project(project_id, collection)
        if isinstance(found, tuple):
            return found
        if (scope, collection) == ("global", "firewalls"):
            return self._tokens(request, found.firewalls, "items")
        if scope == "global" and collection != "firewalls":
            # globalForwardingRules.list reads forwarding rules at global/forwardingRules.
            kept = "globalForwardingRules" if collection == "forwardingRules" else collection
            return self._tokens(request, found.compute.get(kept, {}).get("global", []), "items")
        if scope == "aggregated":
            by_scope = {"sslPolicies": found.ssl_policies, "targetHttpsProxies": found.target_https_proxies}.get(
                collection) or found.compute.get(collection, {})
            # Aggregated lists page over resources too; each page groups its items by scope.
            flat = [{"scope": s, "item": item} for s, items in by_scope.items() for item in items]
            status, body = self._tokens(request, flat, "entries")
            # As Compute does, scopes with nothing on this page say so with a warning.
            grouped: dict[str, Json] = {"zones/us-central1-a": {"warning": {
                "code": "NO_RESULTS_ON_PAGE", "message": "There are no results for scope 'zones/us-central1-a' on "
                                                         "this page.",
                "data": [{"key": "scope", "value": "zones/us-central1-a"}]}}}
            for entry in body.pop("entries"):
                grouped.setdefault(entry["scope"], {collection: []})[collection].append(entry["item"])
            body["items"] = grouped
            return status, body
        return _gcp_error(404, f"no route {request.path}", "notFound")

    def _rest(self, request: Request, parts: list[str]) -> Reply:
        path = request.path.strip("/")
        for project in self.projects.values():
            if path in project.rest:
                if path in project.forbidden:
                    return _gcp_error(403, f"Permission denied on resource '{path}' (or it may not exist).",
                                      "forbidden")
                answer = project.rest[path]
                if isinstance(answer, tuple):
                    key, items = answer
                    return self._tokens(request, items, key)
                return 200, answer
        # A list the project has nothing in.
        key = _REST_LISTS.get(parts[-1])
        project_id = path.split("projects/", 1)[-1].split("/", 1)[0]
        if key is not None and project_id in self.projects:
            found = self._project(project_id, path)
            return found if isinstance(found, tuple) else (200, {})
        return _gcp_error(404, f"Resource '{path}' was not found", "notFound")

    def _storage(self, request: Request, parts: list[str]) -> Reply:
        # v1/b?project=p, v1/b/{bucket}/iam
        if parts == ["v1", "b"]:
            found = self._project(request.query.get("project", ""), "buckets")
            if isinstance(found, tuple):
                return found
            status, body = self._tokens(request, found.buckets, "items")
            body["kind"] = "storage#buckets"
            return status, body
        if len(parts) == 4 and parts[:2] == ["v1", "b"] and parts[3] == "iam":
            for project in self.projects.values():
                if parts[2] in project.bucket_policies:
                    if "bucketIam" in project.forbidden:
                        return _gcp_error(403, f"No storage.buckets.getIamPolicy access to {parts[2]}.", "forbidden")
                    return 200, {"kind": "storage#policy", "resourceId": f"projects/_/buckets/{parts[2]}",
                                 **project.bucket_policies[parts[2]]}
            return _gcp_error(404, f"bucket {parts[2]} not found", "notFound")
        return _gcp_error(404, f"no route {request.path}", "notFound")


@contextmanager
def running(server: FakeServer) -> Iterator[FakeServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()

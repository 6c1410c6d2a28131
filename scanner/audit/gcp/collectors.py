"""Google Cloud SDK calls: one `Call` per API method and project, each listing once.

Clients are created inside each call from `GcpOptions` and always use the
REST transport: with gRPC a wrong endpoint retries for a minute before it
fails, and REST is what private endpoints and the test servers speak.
Responses go to the pure adapters as the REST API's JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from scanner.audit.engine import GLOBAL, AuditResult, Call, Limits, Progress, run_audit
from scanner.audit.gcp import adapters
from scanner.audit.shards import Shard
from scanner.model import Asset, SourceKind

Json = Mapping[str, Any]

Item = Asset | Call
# The services a `--endpoint service=URL` may name.
SERVICES = ("cloudresourcemanager", "compute", "storage", "sqladmin", "cloudkms", "pubsub", "run", "cloudfunctions",
            "bigquery", "container", "redis", "artifactregistry", "bigtableadmin", "dataproc", "file", "secretmanager",
            "iam", "spanner", "aiplatform")
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
(RESOURCE_MANAGER, COMPUTE, STORAGE, SQLADMIN, CLOUDKMS, PUBSUB, RUN, CLOUDFUNCTIONS, BIGQUERY, CONTAINER,
 REDIS, ARTIFACT_REGISTRY, BIGTABLE, DATAPROC, FILESTORE, SECRET_MANAGER, IAM, SPANNER, VERTEX_AI) = SERVICES
# Services whose regional resources are only served at `https://{location}-{service}.googleapis.com`.
REGIONAL_ENDPOINTS = frozenset({VERTEX_AI})
# The calls every shard makes: how it finds the projects (scanner/audit/shards.py). An organization's or
# folder's IAM policy is a read, of the organization's work item (account "").
DISCOVERY = frozenset({(RESOURCE_MANAGER, "projects.list"), (RESOURCE_MANAGER, "folders.list")})


@dataclass(frozen=True)
class GcpOptions:
    """Endpoints by service (one of `SERVICES`); the key `""` stands
    for every service not named. Unset services use the SDKs' own resolution
    (GOOGLE_CLOUD_UNIVERSE_DOMAIN, STORAGE_EMULATOR_HOST, …)."""

    endpoints: Mapping[str, str] = field(default_factory=dict)
    # How long Cloud Storage calls keep retrying transient failures (refused connections
    # included); None: the call deadline.
    storage_retry_timeout: float | None = None
    limits: Limits = field(default_factory=Limits)

    def storage_retry(self) -> dict[str, Any]:
        """`retry` and `timeout` of a Cloud Storage call: (connect, read) timeouts per request, retries
        within the call deadline."""
        from google.cloud.storage.retry import DEFAULT_RETRY

        limits = self.limits
        retry_timeout = self.storage_retry_timeout
        return {"retry": DEFAULT_RETRY.with_timeout(limits.call_deadline if retry_timeout is None else retry_timeout),
                "timeout": (limits.connect_timeout, limits.read_timeout)}

    def call_options(self) -> dict[str, Any]:
        """`retry` and `timeout` of a client library call: transient failures retried at most `attempts`
        times in all and never past the call deadline; each request bounded by the read timeout."""
        from google.api_core.retry import Retry, if_transient_error

        tries = [1]
        limits = self.limits

        def retried(exc: Exception) -> bool:
            if not if_transient_error(exc) or tries[0] >= limits.attempts:
                return False
            tries[0] += 1
            return True

        return {"retry": Retry(predicate=retried, initial=0.5, maximum=8.0, timeout=limits.call_deadline),
                "timeout": limits.read_timeout}

    def client_options(self, service: str) -> dict[str, str] | None:
        url = self.endpoints.get(service) or self.endpoints.get("")
        return {"api_endpoint": url.rstrip("/")} if url else None


def recoverable() -> tuple[type[BaseException], ...]:
    """What a failed call raises: API errors, credential errors, and the REST transport's own."""
    import requests
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError

    return (GoogleAPIError, GoogleAuthError, requests.RequestException)


# Google's canonical codes by HTTP status, for errors whose body names none (the Storage JSON API's).
_HTTP_CODES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
               409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
               503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


def explain(exc: BaseException) -> tuple[str, str]:
    """`PERMISSION_DENIED`, `NOT_FOUND` … and the API's message."""
    from google.api_core.exceptions import GoogleAPICallError

    if isinstance(exc, GoogleAPICallError):
        return _status(exc), " ".join(str(exc.message).split())
    return type(exc).__name__, " ".join(str(exc).split())


def _status(exc: Any) -> str:
    """The error body's `status`, else the gRPC code, else the HTTP status's canonical code."""
    try:
        status = exc.response.json()["error"]["status"]
    except (AttributeError, ValueError, KeyError, TypeError):
        status = None
    if isinstance(status, str) and status:
        return status
    if exc.grpc_status_code is not None:
        return str(exc.grpc_status_code.name)
    code = int(exc.code) if exc.code is not None else 0
    return _HTTP_CODES.get(code, f"HTTP {code}")


def _message_json(message: Any) -> dict[str, Any]:
    """A proto-plus message as the REST API's JSON (camelCase, enums by name)."""
    converted: dict[str, Any] = type(message).to_dict(message, preserving_proto_field_name=False,
                                                      use_integers_for_enums=False)
    return converted


class _Bounded:
    """A client library client whose API methods all get the audit's `retry` and `timeout` (`call_options`),
    so no call is left with the library's defaults."""

    def __init__(self, client: Any, options: GcpOptions) -> None:
        self._client = client
        self._options = options

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method) or name.startswith("_"):
            return method
        return partial(method, **self._options.call_options())

    def __enter__(self) -> _Bounded:
        self._client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.__exit__(*exc)


class GcpCollector:
    """The calls of one GCP audit, over one set of credentials and endpoints."""

    def __init__(self, credentials: Any, options: GcpOptions | None = None) -> None:
        self.credentials = credentials
        self.options = options or GcpOptions()

    def _gapic(self, factory: Any, service: str) -> Any:
        client = factory(transport="rest", credentials=self.credentials,
                         client_options=self.options.client_options(service))
        return _Bounded(client, self.options)

    # -- projects of an organization ------------------------------------------------------------

    def organization_calls(self, organization: str) -> list[Call]:
        parent = organization if organization.startswith("organizations/") else f"organizations/{organization}"
        return self._parent_calls(parent)

    def _parent_calls(self, parent: str) -> list[Call]:
        """The IAM policy of `parent`, the projects directly under it, and the folders under it, walked in turn."""
        kind = parent.split("/", 1)[0]
        return [
            Call("", GLOBAL, RESOURCE_MANAGER, f"{kind}.getIamPolicy", lambda: self._parent_iam(parent),
                 target=parent),
            Call("", GLOBAL, RESOURCE_MANAGER, "projects.list", lambda: self._projects(parent), target=parent),
            Call("", GLOBAL, RESOURCE_MANAGER, "folders.list", lambda: self._folders(parent), target=parent),
        ]

    def _parent_iam(self, parent: str) -> Iterator[Item]:
        """An organization's or folder's IAM policy: its bindings reach every project below."""
        from google.cloud import resourcemanager_v3
        from google.protobuf import json_format

        factory = (resourcemanager_v3.OrganizationsClient if parent.startswith("organizations/")
                   else resourcemanager_v3.FoldersClient)
        with self._gapic(factory, RESOURCE_MANAGER) as client:
            policy = client.get_iam_policy(request={"resource": parent, "options": {"requested_policy_version": 3}})
        yield from adapters.parent_iam(json_format.MessageToDict(policy), parent)

    def _projects(self, parent: str) -> Iterator[Item]:
        from google.cloud import resourcemanager_v3

        with self._gapic(resourcemanager_v3.ProjectsClient, RESOURCE_MANAGER) as client:
            listed = [_message_json(p)
                      for p in client.list_projects(parent=parent)]
        for project in adapters.active_projects(listed):
            yield from self.project_calls(project)

    def _folders(self, parent: str) -> Iterator[Item]:
        from google.cloud import resourcemanager_v3

        with self._gapic(resourcemanager_v3.FoldersClient, RESOURCE_MANAGER) as client:
            names = [f.name for f in client.list_folders(parent=parent)]
        for name in names:
            yield from self._parent_calls(name)

    # -- one project ------------------------------------------------------------------------------

    def project_calls(self, project: str) -> list[Call]:
        return [
            Call(project, GLOBAL, RESOURCE_MANAGER, "projects.getIamPolicy", lambda: self._project_iam(project)),
            Call(project, GLOBAL, COMPUTE, "firewalls.list", lambda: self._firewalls(project)),
            Call(project, GLOBAL, COMPUTE, "sslPolicies.aggregatedList", lambda: self._ssl_policies(project)),
            Call(project, GLOBAL, STORAGE, "buckets.list", lambda: self._buckets(project)),
            Call(project, GLOBAL, COMPUTE, "disks.aggregatedList", lambda: self._disks(project)),
            Call(project, GLOBAL, COMPUTE, "targetHttpProxies.aggregatedList",
                 lambda: self._target_http_proxies(project)),
            Call(project, GLOBAL, CONTAINER, "clusters.list", lambda: self._clusters(project)),
            Call(project, GLOBAL, COMPUTE, "snapshots.list", lambda: self._compute_images(project)),
            Call(project, GLOBAL, REDIS, "instances.list", lambda: self._redis_instances(project)),
            Call(project, GLOBAL, SQLADMIN, "instances.list", lambda: self._sql_instances(project)),
            Call(project, GLOBAL, CLOUDKMS, "locations.list", lambda: self._kms_locations(project)),
            Call(project, GLOBAL, PUBSUB, "topics.list",
                 lambda: self._named(project, PUBSUB, "v1", "topics", "pubsub_topic")),
            Call(project, GLOBAL, PUBSUB, "subscriptions.list",
                 lambda: self._named(project, PUBSUB, "v1", "subscriptions", "pubsub_subscription")),
            Call(project, GLOBAL, RUN, "services.list",
                 lambda: self._named(project, RUN, "v2", "services", "cloud_run_service", "locations/-/")),
            Call(project, GLOBAL, CLOUDFUNCTIONS, "functions.list",
                 lambda: self._named(project, CLOUDFUNCTIONS, "v2", "functions", "cloudfunctions_function",
                                     "locations/-/")),
            Call(project, GLOBAL, BIGQUERY, "datasets.list", lambda: self._datasets(project)),
            Call(project, GLOBAL, COMPUTE, "instances.aggregatedList", lambda: self._instances(project)),
            Call(project, GLOBAL, DATAPROC, "clusters.list", lambda: self._dataproc_regions(project)),
            *(Call(project, GLOBAL, service, f"{collection}.list",
                   partial(self._by_location, project, service, collection))
              for service, collection in ((ARTIFACT_REGISTRY, "repositories"), (VERTEX_AI, "datasets"),
                                          (VERTEX_AI, "metadataStores"))),
            Call(project, GLOBAL, BIGTABLE, "clusters.list", lambda: self._bigtable_instances(project)),
            Call(project, GLOBAL, FILESTORE, "instances.list",
                 lambda: self._keyed_list(project, FILESTORE, f"v1/projects/{project}/locations/-/instances",
                                          "instances", "filestore_instance")),
            Call(project, GLOBAL, SPANNER, "instances.list", lambda: self._spanner_instances(project)),
            Call(project, GLOBAL, SECRET_MANAGER, "secrets.list",
                 lambda: self._named(project, SECRET_MANAGER, "v1", "secrets", "secret_manager_secret")),
            Call(project, GLOBAL, IAM, "serviceAccounts.list",
                 lambda: self._named(project, IAM, "v1", "serviceAccounts", "service_account", key="accounts")),
        ]

    def _project_iam(self, project: str) -> Iterator[Item]:
        from google.cloud import resourcemanager_v3
        from google.protobuf import json_format

        with self._gapic(resourcemanager_v3.ProjectsClient, RESOURCE_MANAGER) as client:
            # Version 3 returns conditional bindings as they are, instead of refusing the read.
            policy = client.get_iam_policy(request={"resource": f"projects/{project}",
                                                    "options": {"requested_policy_version": 3}})
        yield from adapters.project_iam(json_format.MessageToDict(policy), project)

    def _firewalls(self, project: str) -> Iterator[Item]:
        from google.cloud import compute_v1

        # The whole list first: a deny in one firewall can shadow an allow in another.
        with self._gapic(compute_v1.FirewallsClient, COMPUTE) as client:
            listed = [_message_json(f) for f in client.list(project=project)]
        yield from adapters.firewalls(listed, project)

    def _ssl_policies(self, project: str) -> Iterator[Item]:
        """A proxy is judged by the policy it names, so the proxies are listed once the
        policies are; if the policies cannot be listed, proxies naming one are unknown."""
        from google.cloud import compute_v1

        try:
            with self._gapic(compute_v1.SslPoliciesClient, COMPUTE) as client:
                listing = client.aggregated_list(project=project)
                policies = [(scope, _message_json(p)) for scope, listed in listing for p in listed.ssl_policies]
        except recoverable():
            yield self._proxies_call(project, None)
            raise
        yield self._proxies_call(project, policies)

    def _proxies_call(self, project: str, policies: list[tuple[str, dict[str, Any]]] | None) -> Call:
        return Call(project, GLOBAL, COMPUTE, "targetHttpsProxies.aggregatedList",
                    lambda: self._target_https_proxies(project, policies))

    def _target_https_proxies(self, project: str, policies: list[tuple[str, dict[str, Any]]] | None
                              ) -> Iterator[Item]:
        from google.cloud import compute_v1

        by_key = {adapters.ssl_policy_key(project, scope, str(p.get("name", ""))): (scope, p)
                  for scope, p in policies or []}
        try:
            with self._gapic(compute_v1.TargetHttpsProxiesClient, COMPUTE) as client:
                listing = client.aggregated_list(project=project)
                proxies = [(scope, _message_json(p)) for scope, listed in listing for p in listed.target_https_proxies]
        except recoverable():
            # Which policies are in use is unknown: each is judged on its own.
            for scope, policy in by_key.values():
                yield adapters.ssl_policy(policy, project, scope)
            raise
        known = None if policies is None else {key: policy for key, (_, policy) in by_key.items()}
        used = set()
        for scope, proxy in proxies:
            used.add(adapters.relative_name(str(proxy.get("sslPolicy") or "")))
            yield adapters.target_https_proxy(proxy, project, scope, known)
        yield Call(project, GLOBAL, COMPUTE, "targetSslProxies.list",
                   lambda: self._target_ssl_proxies(project, by_key, known, used))

    def _target_ssl_proxies(self, project: str, by_key: Mapping[str, tuple[str, dict[str, Any]]],
                            known: Mapping[str, Json] | None, used: set[str]) -> Iterator[Item]:
        """Global target SSL proxies; then the SSL policies no proxy of either kind uses."""
        from google.cloud import compute_v1

        try:
            with self._gapic(compute_v1.TargetSslProxiesClient, COMPUTE) as client:
                proxies = [_message_json(p) for p in client.list(project=project)]
        except recoverable():
            for key, (scope, policy) in by_key.items():
                if key not in used:
                    yield adapters.ssl_policy(policy, project, scope)
            raise
        for proxy in proxies:
            used.add(adapters.relative_name(str(proxy.get("sslPolicy") or "")))
            yield adapters.target_https_proxy(proxy, project, "global", known, "targetSslProxies")
        for key, (scope, policy) in by_key.items():
            if key not in used:
                yield adapters.ssl_policy(policy, project, scope)

    def _disks(self, project: str) -> Iterator[Item]:
        """Zonal and regional disks, boot disks included: an instance's disks are judged here."""
        from google.cloud import compute_v1

        with self._gapic(compute_v1.DisksClient, COMPUTE) as client:
            listing = client.aggregated_list(project=project)
            listed = [(scope, _message_json(d)) for scope, found in listing for d in found.disks]
        for scope, item in listed:
            yield adapters.disk(item, project, scope)

    def _target_http_proxies(self, project: str) -> Iterator[Item]:
        """Plain-HTTP proxies, with the URL maps and forwarding rules that decide whether the
        internet reaches them in plaintext."""
        from google.cloud import compute_v1

        with self._gapic(compute_v1.TargetHttpProxiesClient, COMPUTE) as client:
            proxies = [(scope, _message_json(p)) for scope, found in client.aggregated_list(project=project)
                       for p in found.target_http_proxies]
        if not proxies:
            return
        with self._gapic(compute_v1.UrlMapsClient, COMPUTE) as client:
            url_maps = {f"projects/{project}/{scope}/urlMaps/{m.name}": _message_json(m)
                        for scope, found in client.aggregated_list(project=project) for m in found.url_maps}
        with self._gapic(compute_v1.ForwardingRulesClient, COMPUTE) as client:
            rules = [_message_json(r) for _, found in client.aggregated_list(project=project)
                     for r in found.forwarding_rules]
        with self._gapic(compute_v1.GlobalForwardingRulesClient, COMPUTE) as client:
            rules += [_message_json(r) for r in client.list(project=project)]
        for scope, proxy in proxies:
            endpoint = adapters.target_http_proxy(proxy, project, scope, url_maps, rules)
            if endpoint is not None:
                yield endpoint

    def _clusters(self, project: str) -> Iterator[Item]:
        body = self._get(CONTAINER, f"v1/projects/{project}/locations/-/clusters")
        for item in body.get("clusters") or []:
            if isinstance(item, dict):
                yield from adapters.cluster(item, project)

    # -- services read over REST ------------------------------------------------------------------

    def _rest(self) -> Any:
        from google.auth.transport.requests import AuthorizedSession

        return AuthorizedSession(self.credentials)  # type: ignore[no-untyped-call]

    def _url(self, service: str, path: str) -> str:
        root = self.options.endpoints.get(service) or self.options.endpoints.get("")
        if not root:
            location = adapters.location_of(path) if service in REGIONAL_ENDPOINTS else None
            root = f"https://{location + '-' if location else ''}{service}.googleapis.com"
        return f"{root.rstrip('/')}/{path}"

    def _get(self, service: str, path: str, params: Mapping[str, str] | None = None,
             body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One GET (a POST when there is a `body`); an error answer raises the api-core exception of
        its status (`PermissionDenied` …)."""
        from google.api_core.exceptions import from_http_response

        timeout = (self.options.limits.connect_timeout, self.options.limits.read_timeout)
        with closing(self._rest()) as session:
            if body is None:
                response = session.get(self._url(service, path), params=dict(params or {}), timeout=timeout)
            else:
                response = session.post(self._url(service, path), params=dict(params or {}), json=dict(body),
                                        timeout=timeout)
        if response.status_code != 200:
            raise from_http_response(response)  # type: ignore[no-untyped-call]
        answer = response.json()
        return answer if isinstance(answer, dict) else {}

    def _pages(self, service: str, path: str, key: str, params: Mapping[str, str] | None = None
               ) -> Iterator[dict[str, Any]]:
        """A list method's items, `nextPageToken` after `nextPageToken`."""
        query = dict(params or {})
        while True:
            body = self._get(service, path, query)
            yield from (item for item in body.get(key) or [] if isinstance(item, dict))
            token = body.get("nextPageToken")
            if not token:
                return
            query["pageToken"] = str(token)

    def _iam_call(self, project: str, service: str, version: str, kind: str, name: str) -> Call:
        """`{version}/{name}:getIamPolicy`: a GET (Cloud KMS, Pub/Sub, Cloud Run, Cloud Functions, Secret
        Manager, Artifact Registry), or a POST where the API defines it so (IAM, Dataproc, BigQuery)."""
        def run() -> Iterator[Item]:
            path = f"{version}/{name}:getIamPolicy"
            # Version 3 returns conditional bindings as they are, instead of refusing the read.
            if service == IAM:
                policy = self._get(service, path, {"options.requestedPolicyVersion": "3"}, body={})
            elif service in _IAM_BY_POST:
                policy = self._get(service, path, body={"options": {"requestedPolicyVersion": 3}})
            else:
                policy = self._get(service, path, {"options.requestedPolicyVersion": "3"})
            yield from adapters.resource_iam(policy, kind, name, project)

        return Call(project, GLOBAL, service, f"{name.split('/')[-2]}.getIamPolicy", run, target=name)

    def _sql_instances(self, project: str) -> Iterator[Item]:
        listed = list(self._pages(SQLADMIN, f"v1/projects/{project}/instances", "items"))
        for instance in listed:
            yield from adapters.sql_instance(instance, project)

    def _kms_locations(self, project: str) -> Iterator[Item]:
        names = [str(loc["name"]) for loc in self._pages(CLOUDKMS, f"v1/projects/{project}/locations", "locations")
                 if loc.get("name")]
        for name in names:
            yield Call(project, GLOBAL, CLOUDKMS, "keyRings.list", partial(self._key_rings, project, name),
                       target=name)

    def _key_rings(self, project: str, location: str) -> Iterator[Item]:
        rings = [str(r["name"]) for r in self._pages(CLOUDKMS, f"v1/{location}/keyRings", "keyRings")
                 if r.get("name")]
        for ring in rings:
            yield self._iam_call(project, CLOUDKMS, "v1", "kms_key_ring", ring)
            yield Call(project, GLOBAL, CLOUDKMS, "cryptoKeys.list", partial(self._crypto_keys, project, ring),
                       target=ring)

    def _crypto_keys(self, project: str, ring: str) -> Iterator[Item]:
        keys = [str(k["name"]) for k in self._pages(CLOUDKMS, f"v1/{ring}/cryptoKeys", "cryptoKeys")
                if k.get("name")]
        for key in keys:
            yield self._iam_call(project, CLOUDKMS, "v1", "kms_crypto_key", key)

    def _named(self, project: str, service: str, version: str, collection: str, kind: str,
               parent: str = "", key: str | None = None) -> Iterator[Item]:
        """A list of resources, then each one's IAM policy (Pub/Sub topics: and their key).
        `key`: where the list answer holds them, when it is not `collection`."""
        path = f"{version}/projects/{project}/{parent}{collection}"
        listed = [item for item in self._pages(service, path, key or collection) if item.get("name")]
        for item in listed:
            if kind == "pubsub_topic":
                yield adapters.keyed(item, project, resource=f"//pubsub.googleapis.com/{item['name']}",
                                     resource_type=adapters.TOPIC_TYPE, kind="topic", key_field="kmsKeyName")
            yield self._iam_call(project, service, version, kind, str(item["name"]))

    def _keyed_list(self, project: str, service: str, path: str, key: str, kind: str) -> Iterator[Item]:
        """A list of Google-encrypted resources: each one's key; with an IAM policy of their own
        (Artifact Registry repositories), that policy too."""
        listed = [item for item in self._pages(service, path, key) if item.get("name")]
        for item in listed:
            yield adapters.keyed_resource(item, kind, str(item["name"]), project)
            if kind in _IAM_OF_KEYED:
                yield self._iam_call(project, service, "v1", kind, str(item["name"]))

    def _fan_out(self, project: str, service: str, operation: str, targets: Sequence[str],
                 read: Callable[[str], Iterator[Item]]) -> Iterator[Item]:
        """`read` of each target (a location, a region): the first here, so that an API the project has
        not enabled (or may not use) is one error and not one per target; the others as calls of their own."""
        for i, target in enumerate(targets):
            if i == 0:
                yield from read(target)
            else:
                yield Call(project, GLOBAL, service, operation, partial(read, target), target=target)

    def _by_location(self, project: str, service: str, collection: str) -> Iterator[Item]:
        """A list that needs a location (`locations/-` is not accepted): the service's locations, then
        the collection in each of them."""
        names = [str(loc["name"]) for loc in self._pages(service, f"v1/projects/{project}/locations", "locations")
                 if loc.get("name")]

        def read(location: str) -> Iterator[Item]:
            return self._keyed_list(project, service, f"v1/{location}/{collection}", collection,
                                    _LOCATED_KINDS[collection])

        yield from self._fan_out(project, service, f"{collection}.list", names, read)

    def _bigtable_instances(self, project: str) -> Iterator[Item]:
        """Every cluster of every instance (`instances/-`), grouped by instance: an instance's key is its clusters'."""
        clusters: dict[str, list[dict[str, Any]]] = {}
        for item in self._pages(BIGTABLE, f"v2/projects/{project}/instances/-/clusters", "clusters"):
            name = str(item.get("name", ""))
            if "/clusters/" in name:
                clusters.setdefault(name.split("/clusters/", 1)[0], []).append(item)
        for instance, listed in clusters.items():
            yield adapters.bigtable_instance(instance, listed, project)

    def _spanner_instances(self, project: str) -> Iterator[Item]:
        names = [str(i["name"]) for i in self._pages(SPANNER, f"v1/projects/{project}/instances", "instances")
                 if i.get("name")]
        for name in names:
            yield Call(project, GLOBAL, SPANNER, "databases.list",
                       partial(self._keyed_list, project, SPANNER, f"v1/{name}/databases", "databases",
                               "spanner_database"), target=name)

    def _instances(self, project: str) -> Iterator[Item]:
        """Each VM's IAM policy (`compute.instances.getIamPolicy`); its disks are read as disks."""
        from google.cloud import compute_v1

        with self._gapic(compute_v1.InstancesClient, COMPUTE) as client:
            listed = [(scope, str(i.name)) for scope, found in client.aggregated_list(project=project)
                      for i in found.instances]
        for scope, name in listed:
            relative = f"projects/{project}/{scope}/instances/{name}"
            yield Call(project, GLOBAL, COMPUTE, "instances.getIamPolicy",
                       partial(self._instance_iam, project, scope, name), target=relative)

    def _instance_iam(self, project: str, scope: str, name: str) -> Iterator[Item]:
        from google.cloud import compute_v1

        with self._gapic(compute_v1.InstancesClient, COMPUTE) as client:
            policy = client.get_iam_policy(request={"project": project, "zone": scope.removeprefix("zones/"),
                                                    "resource": name, "options_requested_policy_version": 3})
        yield from adapters.resource_iam(_message_json(policy), "compute_instance",
                                         f"projects/{project}/{scope}/instances/{name}", project)

    def _dataproc_regions(self, project: str) -> Iterator[Item]:
        """Dataproc lists clusters per region only: Compute's regions (`regions.list`), then each one's
        clusters."""
        from google.cloud import compute_v1

        with self._gapic(compute_v1.RegionsClient, COMPUTE) as client:
            regions = [f"regions/{r.name}" for r in client.list(project=project)]
        yield from self._fan_out(project, DATAPROC, "clusters.list", regions,
                                 lambda region: self._dataproc_clusters(project, region.removeprefix("regions/")))

    def _dataproc_clusters(self, project: str, region: str) -> Iterator[Item]:
        path = f"v1/projects/{project}/regions/{region}/clusters"
        names = []
        for item in self._pages(DATAPROC, path, "clusters"):
            if item.get("clusterName"):
                name = f"projects/{project}/regions/{region}/clusters/{item['clusterName']}"
                names.append(name)
                yield adapters.keyed_resource(item, "dataproc_cluster", name, project)
        for name in names:
            yield self._iam_call(project, DATAPROC, "v1", "dataproc_cluster", name)

    def _redis_instances(self, project: str) -> Iterator[Item]:
        for item in list(self._pages(REDIS, f"v1/projects/{project}/locations/-/instances", "instances")):
            yield from adapters.redis_instance(item, project)

    def _compute_images(self, project: str) -> Iterator[Item]:
        """Snapshots, images and instance templates: each one's disk key."""
        from google.cloud import compute_v1

        with self._gapic(compute_v1.SnapshotsClient, COMPUTE) as client:
            snapshots = [_message_json(i) for i in client.list(project=project)]
        with self._gapic(compute_v1.ImagesClient, COMPUTE) as client:
            images = [_message_json(i) for i in client.list(project=project)]
        with self._gapic(compute_v1.InstanceTemplatesClient, COMPUTE) as client:
            templates = [(scope, _message_json(t)) for scope, found in client.aggregated_list(project=project)
                         for t in found.instance_templates]
        for item in snapshots:
            yield adapters.compute_keyed(item, project, "global", "snapshots", "snapshot", "snapshotEncryptionKey")
        for item in images:
            yield adapters.compute_keyed(item, project, "global", "images", "image", "imageEncryptionKey")
        for scope, item in templates:
            yield from adapters.instance_template(item, project, scope)

    def _datasets(self, project: str) -> Iterator[Item]:
        """`datasets.list` names them; `datasets.get` gives each one's `access` and default key."""
        path = f"bigquery/v2/projects/{project}/datasets"
        ids = [str(d["datasetReference"]["datasetId"]) for d in self._pages(BIGQUERY, path, "datasets")
               if isinstance(d.get("datasetReference"), dict) and d["datasetReference"].get("datasetId")]
        for dataset_id in ids:
            yield Call(project, GLOBAL, BIGQUERY, "datasets.get", partial(self._dataset, project, dataset_id),
                       target=f"dataset {dataset_id}")

    def _dataset(self, project: str, dataset_id: str) -> Iterator[Item]:
        yield from adapters.dataset(self._get(BIGQUERY, f"bigquery/v2/projects/{project}/datasets/{dataset_id}"),
                                    project)
        yield Call(project, GLOBAL, BIGQUERY, "tables.list", partial(self._tables, project, dataset_id),
                   target=f"dataset {dataset_id}")

    def _tables(self, project: str, dataset_id: str) -> Iterator[Item]:
        """`tables.list` names them; each has an IAM policy of its own, and `tables.get` gives a table's
        key (not a view's: a view holds no data)."""
        path = f"bigquery/v2/projects/{project}/datasets/{dataset_id}/tables"
        listed = [(str(t["tableReference"]["tableId"]), t.get("type")) for t in self._pages(BIGQUERY, path, "tables")
                  if isinstance(t.get("tableReference"), dict) and t["tableReference"].get("tableId")]
        for table_id, kind in listed:
            name = f"projects/{project}/datasets/{dataset_id}/tables/{table_id}"
            if kind != "VIEW":
                yield Call(project, GLOBAL, BIGQUERY, "tables.get", partial(self._table, project, name), target=name)
            yield self._iam_call(project, BIGQUERY, "bigquery/v2", "bigquery_table", name)

    def _table(self, project: str, name: str) -> Iterator[Item]:
        yield adapters.keyed_resource(self._get(BIGQUERY, f"bigquery/v2/{name}"), "bigquery_table", name, project)

    def _storage_client(self, project: str) -> Any:
        from google.cloud.storage import Client

        return Client(project=project, credentials=self.credentials,
                              client_options=self.options.client_options(STORAGE))

    def _buckets(self, project: str) -> Iterator[Item]:
        # projection=full: the ACLs too. The client keeps each bucket's JSON resource as
        # `_properties`; its public properties leave the ACLs out.
        with closing(self._storage_client(project)) as client:
            listed = [dict(b._properties) for b in client.list_buckets(project=project, projection="full",
                                                                       **self.options.storage_retry())]
        for item in listed:
            name = str(item.get("name", ""))
            yield adapters.bucket(item, project)
            yield from adapters.bucket_acls(item, project)
            yield Call(project, GLOBAL, STORAGE, "buckets.getIamPolicy",
                       partial(self._bucket_iam, project, name, adapters.public_access_prevention(item)),
                       target=f"bucket {name}")

    def _bucket_iam(self, project: str, name: str, public_access_prevention: Any) -> Iterator[Item]:
        with closing(self._storage_client(project)) as client:
            policy = client.bucket(name).get_iam_policy(requested_policy_version=3, **self.options.storage_retry())
        yield from adapters.bucket_iam(policy.to_api_repr(), name, project,
                                       public_access_prevention=public_access_prevention)


# getIamPolicy is a POST in these APIs (IAM passes the policy version as a query parameter, the others in the body).
_IAM_BY_POST = frozenset({IAM, DATAPROC, BIGQUERY})
# Kinds listed by `_keyed_list` that also have an IAM policy of their own.
_IAM_OF_KEYED = frozenset({"artifact_registry_repository"})
# Collections listed per location, and the kind of their items.
_LOCATED_KINDS = {"repositories": "artifact_registry_repository", "datasets": "vertex_ai_dataset",
                  "metadataStores": "vertex_ai_metadata_store"}


def default_credentials() -> tuple[Any, str | None]:
    """Application default credentials and the project they name, if any."""
    import google.auth

    credentials, project = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    return credentials, project


def check_credentials(credentials: Any) -> None:
    """Get a token once, before any call: a refused or unreachable credential is then one
    error instead of one per API method and project. Raises `GoogleAuthError` or
    `requests.RequestException`."""
    from google.auth.transport.requests import Request

    if not credentials.valid:
        credentials.refresh(Request())


def audit(
    credentials: Any,
    projects: Sequence[str] = (),
    *,
    organization: str | None = None,
    options: GcpOptions | None = None,
    workers: int = 16,
    progress: Progress | None = None,
    shard: Shard | None = None,
) -> AuditResult:
    """Audit the given projects, and those under `organization` (its folders walked)."""
    collector = GcpCollector(credentials, options)
    calls = [c for p in dict.fromkeys(projects) for c in collector.project_calls(p)]
    if organization:
        calls += collector.organization_calls(organization)
    return run_audit(calls, provider=SourceKind.GCP, recoverable=recoverable(), explain=explain, workers=workers,
                     progress=progress, limits=collector.options.limits, shard=shard, discovery=DISCOVERY)

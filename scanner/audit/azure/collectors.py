"""Azure SDK calls: one `Call` per list operation and subscription, each listing once.

Management clients are created inside each call (never at import time), from
`AzureOptions`: the Resource Manager endpoint, the token scope and the
azure-core keyword arguments (`retry_total`, `connection_verify`, …) that
every client and the subscription listing share. Every response goes to the
pure adapters as its REST JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from scanner.audit.azure import adapters
from scanner.audit.engine import GLOBAL, AuditResult, Call, Limits, Progress, run_audit
from scanner.audit.shards import Shard
from scanner.model import Asset, SourceKind
from scanner.providers import azure

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

PUBLIC_ENDPOINT = "https://management.azure.com"
# GET /subscriptions without azure-mgmt-resource: the API version SubscriptionClient uses.
SUBSCRIPTIONS_API_VERSION = "2022-12-01"
# The calls every shard makes: how it finds the subscriptions (scanner/audit/shards.py).
DISCOVERY = frozenset({("Microsoft.Resources", "Subscriptions_List"),
                       ("Microsoft.Management", "ManagementGroups_GetDescendants")})

Item = Asset | Call


@dataclass(frozen=True)
class AzureOptions:
    """Where and how to reach Resource Manager.

    `endpoint`: the Resource Manager URL (sovereign clouds, Azure Stack Hub, tests).
    `credential_scopes`: the token audience; by default `<endpoint>/.default`,
    which is right for the public, US Government and China clouds.
    `client_kwargs`: azure-core settings passed to every client, e.g.
    `retry_total`, `connection_verify`, `connection_timeout`.
    """

    endpoint: str = PUBLIC_ENDPOINT
    credential_scopes: tuple[str, ...] = ()
    client_kwargs: Mapping[str, Any] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)

    @property
    def sdk_kwargs(self) -> dict[str, Any]:
        """azure-core's settings from `limits` (per-request timeouts, retries, and `timeout`: the retry
        policy's overall limit for one operation), with `client_kwargs` on top."""
        limits = self.limits
        return {"connection_timeout": limits.connect_timeout, "read_timeout": limits.read_timeout,
                "retry_total": limits.attempts - 1, "retry_backoff_max": 8, "timeout": limits.call_deadline,
                **self.client_kwargs}

    @property
    def base_url(self) -> str:
        return self.endpoint.rstrip("/")

    @property
    def scopes(self) -> list[str]:
        return list(self.credential_scopes) or [f"{self.base_url}/.default"]

    def client(self, factory: Callable[..., Any], credential: TokenCredential, subscription: str) -> Any:
        return factory(credential, subscription, base_url=self.base_url, credential_scopes=self.scopes,
                       **self.sdk_kwargs)


def recoverable() -> tuple[type[BaseException], ...]:
    """What a failed call raises: azure-core's errors, credential failures included."""
    from azure.core.exceptions import AzureError

    return (AzureError,)


def explain(exc: BaseException) -> tuple[str, str]:
    """The ARM error code and message of a failed call (`AuthorizationFailed`, …)."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)
    if not code and isinstance(exc, ClientAuthenticationError):
        code = "ClientAuthenticationError"
    elif not code and isinstance(exc, HttpResponseError) and exc.status_code:
        code = f"HTTP {exc.status_code}"
    text = " ".join(str(message).split())
    return str(code or type(exc).__name__), text


def _get(client: Any, url: str, api_version: str) -> dict[str, Any]:
    """One ARM GET; an error answer raises `HttpResponseError` with ARM's code and message."""
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    response = client.send_request(HttpRequest("GET", url, params={"api-version": api_version}))
    if response.status_code == 404:
        raise ResourceNotFoundError(response=response, error_format=ARMErrorFormat)
    if response.status_code != 200:
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    body = response.json()
    return body if isinstance(body, dict) else {}


def _list(client: Any, url: str, api_version: str) -> Iterator[dict[str, Any]]:
    """An ARM list: `value` pages linked by absolute `nextLink`s (which carry their own api-version)."""
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    body = _get(client, url, api_version)
    while True:
        yield from (item for item in body.get("value") or [] if isinstance(item, dict))
        following = body.get("nextLink")
        if not following:
            return
        response = client.send_request(HttpRequest("GET", following))
        if response.status_code != 200:
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        body = response.json()


def _rest_json(model: Any) -> dict[str, Any]:
    """A response model as the REST API's JSON: msrest models `serialize`, typespec ones `as_dict`."""
    if hasattr(model, "serialize"):
        return cast(dict[str, Any], model.serialize(keep_readonly=True))
    return cast(dict[str, Any], model.as_dict())


class AzureCollector:
    """The calls of one Azure audit, over one credential and endpoint."""

    def __init__(self, credential: TokenCredential, options: AzureOptions | None = None) -> None:
        self.credential = credential
        self.options = options or AzureOptions()

    # -- discovery --------------------------------------------------------------------------------

    def discovery_call(self) -> Call:
        """Lists the subscriptions the credential can see, then audits each."""
        return Call("", GLOBAL, "Microsoft.Resources", "Subscriptions_List", self._list_subscriptions)

    def _list_subscriptions(self) -> Iterator[Item]:
        for subscription in adapters.subscription_ids(self.subscriptions()):
            yield from self.subscription_calls(subscription)

    def management_group_call(self, group: str) -> Call:
        """The subscriptions anywhere under a management group (its descendants), each audited
        if the credential sees it enabled."""
        return Call("", GLOBAL, "Microsoft.Management", "ManagementGroups_GetDescendants",
                    lambda: self._management_group(group), target=f"management group {group}")

    def _management_group(self, group: str) -> Iterator[Item]:
        url = f"{self.options.base_url}/providers/Microsoft.Management/managementGroups/{group}/descendants"
        with self._arm() as client:
            descendants = list(_list(client, url, MANAGEMENT_GROUPS_API_VERSION))
        enabled = set(adapters.subscription_ids(self.subscriptions()))
        for subscription in adapters.descendant_subscriptions(descendants):
            if subscription in enabled:
                yield from self.subscription_calls(subscription)

    def subscriptions(self) -> list[dict[str, Any]]:
        """`GET /subscriptions`: through azure-mgmt-resource's SubscriptionClient when installed,
        otherwise through an azure-core ARM pipeline with the same policies."""
        try:
            from azure.mgmt.resource import SubscriptionClient
        except ImportError:
            return self._subscriptions_over_rest()
        options = self.options
        with SubscriptionClient(self.credential, base_url=options.base_url, credential_scopes=options.scopes,
                                **options.sdk_kwargs) as client:
            return [_rest_json(s) for s in client.subscriptions.list()]

    def _subscriptions_over_rest(self) -> list[dict[str, Any]]:
        with self._arm() as client:
            return list(_list(client, f"{self.options.base_url}/subscriptions", SUBSCRIPTIONS_API_VERSION))

    def _arm(self) -> Any:
        """An azure-core ARM pipeline (retries, challenge-aware bearer tokens) for the REST reads
        that have no management client installed: one client for every resource provider."""
        from azure.core.pipeline.policies import RetryPolicy, UserAgentPolicy
        from azure.mgmt.core import ARMPipelineClient
        from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

        from scanner import __version__

        options = self.options
        kwargs = options.sdk_kwargs
        policies = [
            UserAgentPolicy(sdk_moniker=f"tenet/{__version__}", **kwargs),
            RetryPolicy(**kwargs),
            ARMChallengeAuthenticationPolicy(self.credential, *options.scopes),
        ]
        return ARMPipelineClient(base_url=options.base_url, policies=policies, **kwargs)

    # -- one subscription ------------------------------------------------------------------------

    def subscription_calls(self, subscription: str) -> list[Call]:
        return [
            Call(subscription, GLOBAL, "Microsoft.Network", "NetworkSecurityGroups_ListAll",
                 lambda: self._network_security_groups(subscription)),
            Call(subscription, GLOBAL, "Microsoft.Network", "ApplicationGateways_ListAll",
                 lambda: self._application_gateways(subscription)),
            Call(subscription, GLOBAL, "Microsoft.Storage", "StorageAccounts_List",
                 lambda: self._storage_accounts(subscription)),
            Call(subscription, GLOBAL, "Microsoft.Authorization", "RoleDefinitions_List",
                 lambda: self._role_definitions(subscription)),
            *(Call(subscription, GLOBAL, read.namespace, read.operation,
                   partial(self._provider_list, subscription, read)) for read in _PROVIDER_LISTS),
        ]

    # -- resources read over the ARM REST API -----------------------------------------------------

    def _provider_list(self, subscription: str, read: _ProviderList) -> Iterator[Item]:
        """`GET /subscriptions/{id}/providers/{namespace}/{kind}`, then each resource's own reads."""
        from azure.core.exceptions import HttpResponseError

        url = f"{self.options.base_url}/subscriptions/{subscription}/providers/{read.namespace}/{read.kind}"
        try:
            with self._arm() as client:
                listed = list(_list(client, url, read.api_version))
        except HttpResponseError as exc:
            # A resource provider the subscription never registered has no resources there.
            if getattr(exc.error, "code", None) == "MissingSubscriptionRegistration":
                return
            raise
        for resource in listed:
            yield from read.adapt(self, resource, subscription)

    def _child_call(self, subscription: str, namespace: str, operation: str, resource: Json,
                    run: Callable[[], Iterator[Item]]) -> Call:
        return Call(subscription, GLOBAL, namespace, operation, run, target=str(resource.get("id", "")))

    def _child_list(self, resource: Json, child: str, api_version: str) -> list[dict[str, Any]]:
        with self._arm() as client:
            return list(_list(client, f"{self.options.base_url}{resource.get('id')}/{child}", api_version))

    def _child_get(self, resource: Json, child: str, api_version: str) -> dict[str, Any] | None:
        """A sub-resource; None when it does not exist (404)."""
        from azure.core.exceptions import ResourceNotFoundError

        with self._arm() as client:
            try:
                return _get(client, f"{self.options.base_url}{resource.get('id')}/{child}", api_version)
            except ResourceNotFoundError:
                return None

    def _web_app(self, site: Json, subscription: str) -> Iterator[Item]:
        """A site's config/web, and its deployment slots (each a site with a config/web of its own)."""
        yield self._site_config_call(site, subscription, "WebApps_GetConfiguration")

        def slots() -> Iterator[Item]:
            for slot in self._child_list(site, "slots", WEB_API_VERSION):
                yield self._site_config_call(slot, subscription, "WebApps_GetConfigurationSlot")

        yield self._child_call(subscription, "Microsoft.Web", "WebApps_ListSlots", site, slots)

    def _site_config_call(self, site: Json, subscription: str, operation: str) -> Call:
        def config() -> Iterator[Item]:
            web = self._child_get(site, "config/web", WEB_API_VERSION)
            yield from adapters.web_app(site, web or {}, subscription)

        return self._child_call(subscription, "Microsoft.Web", operation, site, config)

    def _cdn_profile(self, profile: Json, subscription: str) -> Iterator[Item]:
        """Front Door Standard/Premium profiles: their endpoints' routes and custom domains;
        classic CDN profiles: their endpoints."""
        sku = str((profile.get("sku") or {}).get("name", "")).lower()
        if "azurefrontdoor" not in sku:
            def endpoints() -> Iterator[Item]:
                for endpoint in self._child_list(profile, "endpoints", CDN_API_VERSION):
                    yield adapters.cdn_endpoint(endpoint, profile, subscription)

            yield self._child_call(subscription, "Microsoft.Cdn", "Endpoints_ListByProfile", profile, endpoints)
            return

        def afd_endpoints() -> Iterator[Item]:
            for endpoint in self._child_list(profile, "afdEndpoints", CDN_API_VERSION):
                yield self._child_call(subscription, "Microsoft.Cdn", "Routes_ListByEndpoint", endpoint,
                                       partial(self._afd_routes, endpoint, profile, subscription))

        def domains() -> Iterator[Item]:
            for domain in self._child_list(profile, "customDomains", CDN_API_VERSION):
                yield adapters.afd_custom_domain(domain, profile, subscription)

        yield self._child_call(subscription, "Microsoft.Cdn", "AFDEndpoints_ListByProfile", profile, afd_endpoints)
        yield self._child_call(subscription, "Microsoft.Cdn", "AFDCustomDomains_ListByProfile", profile, domains)

    def _afd_routes(self, endpoint: Json, profile: Json, subscription: str) -> Iterator[Item]:
        for route in self._child_list(endpoint, "routes", CDN_API_VERSION):
            yield adapters.afd_route(route, profile, subscription)

    def _sql_server(self, server: Json, subscription: str) -> Iterator[Item]:
        yield adapters.sql_server(server, subscription)

        def rules() -> Iterator[Item]:
            listed = self._child_list(server, "firewallRules", SQL_API_VERSION)
            yield from adapters.firewall_rules(listed, server, subscription, "sql")

        def databases() -> Iterator[Item]:
            listed = self._child_list(server, "databases", SQL_API_VERSION)
            protector = self._child_get(server, "encryptionProtector/current", SQL_API_VERSION)
            if protector is not None:
                yield adapters.sql_encryption_protector(protector, server, subscription)
            for database in listed:
                if str(database.get("name", "")).lower() == "master":
                    continue  # the logical server's own, always encrypted by the service
                tde = self._child_get(database, "transparentDataEncryption/current", SQL_API_VERSION)
                yield adapters.sql_database(database, tde, protector, subscription)

        yield self._child_call(subscription, "Microsoft.Sql", "FirewallRules_ListByServer", server, rules)
        yield self._child_call(subscription, "Microsoft.Sql", "Databases_ListByServer", server, databases)

    def _postgresql(self, server: Json, subscription: str) -> Iterator[Item]:
        return self._flexible_server(server, subscription, "postgresql", "Microsoft.DBforPostgreSQL",
                                     POSTGRESQL_API_VERSION)

    def _mysql(self, server: Json, subscription: str) -> Iterator[Item]:
        return self._flexible_server(server, subscription, "mysql", "Microsoft.DBforMySQL", MYSQL_API_VERSION)

    def _flexible_server(self, server: Json, subscription: str, engine: str, namespace: str,
                         api_version: str) -> Iterator[Item]:
        def parameters() -> Iterator[Item]:
            names = ("require_secure_transport", azure.FLEXIBLE_TLS_PARAMETER[engine])
            values = {n: self._child_get(server, f"configurations/{n}", api_version) for n in names}
            yield from adapters.flexible_server(server, values, subscription, engine)

        def rules() -> Iterator[Item]:
            listed = self._child_list(server, "firewallRules", api_version)
            yield from adapters.firewall_rules(listed, server, subscription, engine)

        yield self._child_call(subscription, namespace, "Configurations_Get", server, parameters)
        yield self._child_call(subscription, namespace, "FirewallRules_ListByServer", server, rules)

    def _redis(self, cache: Json, subscription: str) -> Iterator[Item]:
        yield adapters.redis_cache(cache, subscription)

        def rules() -> Iterator[Item]:
            listed = self._child_list(cache, "firewallRules", REDIS_API_VERSION)
            yield from adapters.firewall_rules(listed, cache, subscription, "redis", "startIP", "endIP")
            if not listed:
                yield from adapters.redis_open_firewall(cache, subscription)

        yield self._child_call(subscription, "Microsoft.Cache", "FirewallRules_List", cache, rules)

    def _api_management(self, service: Json, subscription: str) -> Iterator[Item]:
        """The gateway's protocols, then its APIs' protocols and its backends' URLs."""
        yield from adapters.api_management(service, subscription)

        def apis() -> Iterator[Item]:
            for api in self._child_list(service, "apis", API_MANAGEMENT_API_VERSION):
                yield adapters.api_management_api(api, service, subscription)

        def backends() -> Iterator[Item]:
            for backend in self._child_list(service, "backends", API_MANAGEMENT_API_VERSION):
                yield adapters.api_management_backend(backend, service, subscription)

        yield self._child_call(subscription, "Microsoft.ApiManagement", "Api_ListByService", service, apis)
        yield self._child_call(subscription, "Microsoft.ApiManagement", "Backend_ListByService", service, backends)

    def _synapse_workspace(self, workspace: Json, subscription: str) -> Iterator[Item]:
        """A workspace's firewall rules, and each dedicated SQL pool's transparent data encryption."""
        def rules() -> Iterator[Item]:
            listed = self._child_list(workspace, "firewallRules", SYNAPSE_API_VERSION)
            yield from adapters.firewall_rules(listed, workspace, subscription, "sql")

        def pools() -> Iterator[Item]:
            for pool in self._child_list(workspace, "sqlPools", SYNAPSE_API_VERSION):
                tde = self._child_get(pool, "transparentDataEncryption/current", SYNAPSE_API_VERSION)
                yield adapters.synapse_sql_pool(pool, tde, workspace, subscription)

        yield self._child_call(subscription, "Microsoft.Synapse", "IpFirewallRules_ListByWorkspace", workspace, rules)
        yield self._child_call(subscription, "Microsoft.Synapse", "SqlPools_ListByWorkspace", workspace, pools)

    def _network_client(self, subscription: str) -> Any:
        from azure.mgmt.network import NetworkManagementClient

        return self.options.client(NetworkManagementClient, self.credential, subscription)

    def _network_security_groups(self, subscription: str) -> Iterator[Item]:
        with self._network_client(subscription) as client:
            for nsg in client.network_security_groups.list_all():
                yield adapters.network_security_group(_rest_json(nsg), subscription)

    def _application_gateways(self, subscription: str) -> Iterator[Item]:
        with self._network_client(subscription) as client:
            for gateway in client.application_gateways.list_all():
                yield from adapters.application_gateway(_rest_json(gateway), subscription)

    def _storage_accounts(self, subscription: str) -> Iterator[Item]:
        from azure.mgmt.storage import StorageManagementClient

        with self.options.client(StorageManagementClient, self.credential, subscription) as client:
            listed = [_rest_json(account) for account in client.storage_accounts.list()]
        for account in listed:
            yield from adapters.storage_account(account, subscription)
            if adapters.blob_public_access_allowed(account):
                yield self._child_call(subscription, "Microsoft.Storage", "BlobContainers_List", account,
                                       partial(self._blob_containers, account, subscription))

    def _blob_containers(self, account: Json, subscription: str) -> Iterator[Item]:
        listed = self._child_list(account, "blobServices/default/containers", STORAGE_API_VERSION)
        yield from adapters.blob_containers(listed, account, subscription)

    def _authorization_client(self, subscription: str) -> Any:
        from azure.mgmt.authorization import AuthorizationManagementClient

        return self.options.client(AuthorizationManagementClient, self.credential, subscription)

    def _role_definitions(self, subscription: str) -> Iterator[Item]:
        """Custom roles become grants; every definition (built-in ones too) names the roles of
        the assignments, which are listed next. If this listing fails, the assignments are
        still listed, with the roles outside the built-in table left unknown."""
        definitions: list[dict[str, Any]] = []
        try:
            with self._authorization_client(subscription) as client:
                for definition in client.role_definitions.list(scope=f"/subscriptions/{subscription}"):
                    definitions.append(_rest_json(definition))
        except recoverable():
            yield self._role_assignments_call(subscription, None)
            raise
        for definition in definitions:
            if adapters.is_custom_role(definition):
                yield from adapters.role_definition(definition, subscription)
        yield self._role_assignments_call(subscription, adapters.role_names(definitions))

    def _role_assignments_call(self, subscription: str, names: Mapping[str, str] | None) -> Call:
        return Call(subscription, GLOBAL, "Microsoft.Authorization", "RoleAssignments_ListForSubscription",
                    lambda: self._role_assignments(subscription, names))

    def _role_assignments(self, subscription: str, names: Mapping[str, str] | None) -> Iterator[Item]:
        with self._authorization_client(subscription) as client:
            for assignment in client.role_assignments.list_for_subscription():
                yield adapters.role_assignment(_rest_json(assignment), subscription, names)


Json = Mapping[str, Any]
Adapt = Callable[[AzureCollector, Json, str], Iterable[Item]]

# Documented API versions of the resource providers read over REST.
WEB_API_VERSION = "2023-12-01"
SQL_API_VERSION = "2021-11-01"
POSTGRESQL_API_VERSION = "2022-12-01"
MYSQL_API_VERSION = "2023-12-30"
REDIS_API_VERSION = "2023-08-01"
STORAGE_API_VERSION = "2023-05-01"
MANAGEMENT_GROUPS_API_VERSION = "2020-05-01"
COMPUTE_API_VERSION = "2024-07-01"
CDN_API_VERSION = "2024-02-01"
API_MANAGEMENT_API_VERSION = "2022-08-01"
SYNAPSE_API_VERSION = "2021-06-01"


def _one(adapt: Callable[[Json, str], Asset]) -> Adapt:
    return lambda collector, resource, subscription: [adapt(resource, subscription)]


def _each(adapt: Callable[[Json, str], Iterable[Asset]]) -> Adapt:
    return lambda collector, resource, subscription: adapt(resource, subscription)


@dataclass(frozen=True)
class _ProviderList:
    """A subscription-wide list (`operation` as the REST spec names it) and what each item gives."""

    namespace: str
    kind: str
    operation: str
    api_version: str
    adapt: Adapt


_PROVIDER_LISTS = (
    _ProviderList("Microsoft.Web", "sites", "WebApps_List", WEB_API_VERSION, AzureCollector._web_app),
    _ProviderList("Microsoft.Sql", "servers", "Servers_List", SQL_API_VERSION, AzureCollector._sql_server),
    _ProviderList("Microsoft.DBforPostgreSQL", "flexibleServers", "Servers_List", POSTGRESQL_API_VERSION,
                  AzureCollector._postgresql),
    _ProviderList("Microsoft.DBforMySQL", "flexibleServers", "Servers_List", MYSQL_API_VERSION,
                  AzureCollector._mysql),
    _ProviderList("Microsoft.Cache", "redis", "Redis_ListBySubscription", REDIS_API_VERSION, AzureCollector._redis),
    _ProviderList("Microsoft.DocumentDB", "databaseAccounts", "DatabaseAccounts_List", "2024-05-15",
                  lambda collector, account, subscription: adapters.cosmos_account(account, subscription)),
    _ProviderList("Microsoft.EventHub", "namespaces", "Namespaces_List", "2024-01-01",
                  _one(adapters.event_hub_namespace)),
    _ProviderList("Microsoft.ServiceBus", "namespaces", "Namespaces_List", "2021-11-01",
                  _one(adapters.service_bus_namespace)),
    _ProviderList("Microsoft.Compute", "disks", "Disks_List", "2023-04-02", _one(adapters.managed_disk)),
    _ProviderList("Microsoft.Compute", "virtualMachines", "VirtualMachines_ListAll", COMPUTE_API_VERSION,
                  _one(adapters.virtual_machine)),
    _ProviderList("Microsoft.Compute", "virtualMachineScaleSets", "VirtualMachineScaleSets_ListAll",
                  COMPUTE_API_VERSION, _one(adapters.scale_set)),
    _ProviderList("Microsoft.ContainerService", "managedClusters", "ManagedClusters_List", "2024-05-01",
                  lambda collector, cluster, subscription: adapters.managed_cluster(cluster, subscription)),
    _ProviderList("Microsoft.Cdn", "profiles", "Profiles_List", CDN_API_VERSION, AzureCollector._cdn_profile),
    _ProviderList("Microsoft.Network", "frontDoors", "FrontDoors_List", "2021-06-01",
                  lambda collector, door, subscription: adapters.front_door(door, subscription)),
    _ProviderList("Microsoft.KeyVault", "vaults", "Vaults_ListBySubscription", "2023-07-01",
                  lambda collector, vault, subscription: adapters.key_vault(vault, subscription)),
    _ProviderList("Microsoft.ApiManagement", "service", "ApiManagementService_List", API_MANAGEMENT_API_VERSION,
                  AzureCollector._api_management),
    _ProviderList("Microsoft.Synapse", "workspaces", "Workspaces_List", SYNAPSE_API_VERSION,
                  AzureCollector._synapse_workspace),
    _ProviderList("Microsoft.Sql", "managedInstances", "ManagedInstances_List", SQL_API_VERSION,
                  _one(adapters.managed_instance)),
    _ProviderList("Microsoft.Batch", "batchAccounts", "BatchAccount_List", "2024-02-01", _one(adapters.batch_account)),
    _ProviderList("Microsoft.Kusto", "clusters", "Clusters_List", "2023-08-15", _one(adapters.kusto_cluster)),
    _ProviderList("Microsoft.CognitiveServices", "accounts", "Accounts_List", "2023-05-01",
                  _each(adapters.cognitive_account)),
    _ProviderList("Microsoft.ContainerRegistry", "registries", "Registries_List", "2023-07-01",
                  _each(adapters.container_registry)),
    _ProviderList("Microsoft.Search", "searchServices", "Services_ListBySubscription", "2023-11-01",
                  _each(adapters.search_service)),
    _ProviderList("Microsoft.ContainerInstance", "containerGroups", "ContainerGroups_List", "2023-05-01",
                  _each(adapters.container_group)),
)


def audit(
    credential: TokenCredential,
    subscriptions: Sequence[str] = (),
    *,
    management_groups: Sequence[str] = (),
    options: AzureOptions | None = None,
    workers: int = 16,
    progress: Progress | None = None,
    shard: Shard | None = None,
) -> AuditResult:
    """Audit the given subscriptions and those under the given management groups; with neither,
    every subscription the credential can see. A subscription named twice is audited once."""
    collector = AzureCollector(credential, options)
    calls = [c for s in dict.fromkeys(subscriptions) for c in collector.subscription_calls(s)]
    calls += [collector.management_group_call(g) for g in dict.fromkeys(management_groups)]
    if not calls:
        calls = [collector.discovery_call()]
    return run_audit(calls, provider=SourceKind.AZURE, recoverable=recoverable(), explain=explain, workers=workers,
                     progress=progress, limits=collector.options.limits, shard=shard, discovery=DISCOVERY)

"""Azure facts: NSG rule vocabulary, TLS settings and their defaults, built-in roles, scope IDs.

The Terraform mappings and the live Azure audit read Azure's own spellings
(`Inbound`, `TLS1_2`, `AppGwSslPolicy20170401S`, role definition GUIDs, scope
IDs) through these functions, so both judge a resource by the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.model import Access, Direction, Peer, PeerKind, PortSet, Scope, TlsVersion, Unknown

# -- network security groups --------------------------------------------------------------------


def nsg_direction(text: str) -> Direction | None:
    """A security rule's `direction`: `Inbound` or `Outbound`."""
    return {"inbound": Direction.INGRESS, "outbound": Direction.EGRESS}.get(text.strip().lower())


def nsg_access(text: str) -> Access | None:
    """A security rule's `access`: `Allow` or `Deny`."""
    return {"allow": Access.ALLOW, "deny": Access.DENY}.get(text.strip().lower())


# -- database and cache firewall rules --------------------------------------------------------------

# `0.0.0.0`-`0.0.0.0` is not one address: it is Azure's "Allow Azure services and resources to
# access this server", which admits every Azure address, any tenant's included.
ALL_AZURE_SERVICES = "0.0.0.0"
ALL_AZURE_SERVICES_LABEL = "all Azure services: admits any Azure tenant's addresses, not only yours"


def firewall_range_peer(start: str, end: str) -> Peer | None:
    """The peer of a SQL, PostgreSQL, MySQL, MariaDB, Redis or Synapse firewall rule's
    `start`-`end` range; None when the range is not a valid address range."""
    if start.strip() == end.strip() == ALL_AZURE_SERVICES:
        # AzureCloud: every Azure region's public space, the internet in practice.
        return Peer(kind=PeerKind.TAG, value="AzureCloud", label=f"0.0.0.0-0.0.0.0 ({ALL_AZURE_SERVICES_LABEL})")
    peer = Peer.ip_range(start, end)
    return peer if peer.networks() else None


# The ports a server-level firewall rule opens: the service's client endpoints.
SERVICE_PORTS: dict[str, PortSet] = {
    "sql": PortSet.ports(1433),  # Azure SQL and Synapse SQL gateways
    "postgresql": PortSet.ports(5432, 6432),  # 6432: the flexible server's built-in PgBouncer
    "mysql": PortSet.ports(3306),
    "mariadb": PortSet.ports(3306),
    # 6379 plaintext, 6380 TLS; 13000-13999 and 15000-15999 reach the shards of a clustered cache.
    "redis": PortSet.of((6379, 6380), (13000, 13999), (15000, 15999)),
}

# An Azure Cache for Redis with public network access (on when unset, and unless the cache is
# injected into a subnet) and no firewall rules accepts connections from every address.
REDIS_PUBLIC_ACCESS_DEFAULT = True
# Cosmos DB: without `ip_range_filter` and the virtual network filter, every network may connect;
# in the filter, `0.0.0.0` stands for Azure's datacenters (any tenant's), like SQL's 0.0.0.0-0.0.0.0.
COSMOSDB_PORTS = PortSet.ports(443)
COSMOSDB_AZURE_DATACENTERS = "0.0.0.0"

# -- service firewalls (storage accounts, Key Vault) ------------------------------------------------

# `network_rules` / `network_acls` `default_action` (ARM `networkAcls.defaultAction`): Allow admits
# every network, and it is what an account or vault without network rules gets.
NETWORK_DEFAULT_ACTION_DEFAULT = "Allow"
# Storage (blob, queue, table, file REST, dfs) and Key Vault data endpoints: HTTPS, and HTTP
# where the service accepts it.
STORAGE_PORTS = PortSet.ports(80, 443)
# Key Vault, Cognitive Services, Container Registry, AI Search: HTTPS only.
HTTPS_PORTS = KEY_VAULT_PORTS = PortSet.ports(443)
# Container instances: a group's IP is public unless `ip_address_type` says Private or None.
CONTAINER_GROUP_IP_DEFAULT = "Public"
# A container group port's protocol (`ports.protocol`, ARM `ipAddress.ports[].protocol`) when unset.
CONTAINER_GROUP_PORT_PROTOCOL_DEFAULT = "TCP"


def network_default_allows(default_action: str) -> bool | None:
    """Whether a service firewall's `default_action` admits every network; None if unrecognised."""
    return {"allow": True, "deny": False}.get(default_action.strip().lower())


def default_allow_peer(why: str) -> Peer:
    """Every network, as a service firewall that allows by default admits it."""
    return Peer(kind=PeerKind.TAG, value="Internet", label=f"any network ({why})")


# -- public blob containers -------------------------------------------------------------------------

# A container's access level (`container_access_type`, ARM `publicAccess`): `blob` lets anyone read
# blobs, `container` lets anyone list them too. It takes effect only where the account allows public
# containers: azurerm 3.x and 4.x `allow_nested_items_to_be_public` (true when unset), azurerm 2.x
# `allow_blob_public_access` (false when unset).
CONTAINER_PUBLIC_ACTIONS: dict[str, tuple[str, ...]] = {
    "blob": ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",),
    "container": ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
                  "Microsoft.Storage/storageAccounts/blobServices/containers/read"),
}
CONTAINER_ACCESS_DEFAULT = "private"
NESTED_ITEMS_PUBLIC_DEFAULT = True
LEGACY_BLOB_PUBLIC_ACCESS_DEFAULT = False

# -- AKS -------------------------------------------------------------------------------------------

# The cluster API of an AKS cluster that is not private (`private_cluster_enabled`, off when unset)
# and lists no authorized IP ranges answers any address.
AKS_PRIVATE_CLUSTER_DEFAULT = False
AKS_OPEN_API_SOURCE = "0.0.0.0/0"

# -- TLS --------------------------------------------------------------------------------------------

# Settings that turn the minimum off; the service then still accepts TLS 1.0.
_NO_MINIMUM = frozenset({"disabled", "none", "tlsenforcementdisabled"})


def min_tls_version(text: str) -> TlsVersion | None:
    """Azure's spellings of a minimum TLS version: `TLS1_2` (storage, single servers), `1.2`
    (App Service, SQL, Redis), `TLSv1_2` (Application Gateway). `Disabled` and
    `TLSEnforcementDisabled` enforce no minimum, so TLS 1.0 is accepted."""
    if text.strip().lower() in _NO_MINIMUM:
        return TlsVersion.TLS1_0
    return TlsVersion.parse(text)


def server_parameter_on(text: str) -> bool | None:
    """A flexible server parameter's `on`/`off` (`ON`/`OFF`)."""
    return {"on": True, "off": False}.get(text.strip().lower())


# PostgreSQL and MySQL flexible servers: server parameters, each set by an
# azurerm_<engine>_flexible_server_configuration. Plaintext is refused unless
# `require_secure_transport` is turned off; the minimum is TLS 1.2 unless lowered
# (FLEXIBLE_TLS_PARAMETER names the TLS parameter of each engine).
FLEXIBLE_REQUIRE_SECURE_TRANSPORT = "require_secure_transport"
FLEXIBLE_REQUIRE_SECURE_TRANSPORT_DEFAULT = True
FLEXIBLE_MIN_TLS_DEFAULT = TlsVersion.TLS1_2

# App Service `site_config.ftps_state` (FTPS_ALL_ALLOWED serves plain FTP):
# azurerm_linux_/windows_web_app and _function_app: Disabled when unset.
APP_SERVICE_FTPS_STATE_DEFAULT = "Disabled"
# azurerm_app_service / azurerm_function_app (and their slots) leave it to Azure, whose default is
# AllAllowed (the azurerm documentation says so where it chose Disabled instead).
LEGACY_APP_SERVICE_FTPS_STATE_DEFAULT = "AllAllowed"

# Cosmos DB `minimal_tls_version`, Event Hubs and Service Bus namespaces' `minimum_tls_version`:
# TLS 1.2 when unset. All three refuse unencrypted connections.
COSMOSDB_MIN_TLS_DEFAULT = TlsVersion.TLS1_2
MESSAGING_MIN_TLS_DEFAULT = TlsVersion.TLS1_2

# API Management gateway protocols (`security` block): TLS 1.2 only unless older ones are turned
# on, on the client side (frontend) and towards the APIs (backend). azurerm 4.x names them
# `frontend_tls10_enabled`, 3.x `enable_frontend_tls10`; each entry is (4.x, 3.x, version).
_API_MANAGEMENT_PROTOCOLS = (("ssl30", TlsVersion.SSL3), ("tls10", TlsVersion.TLS1_0), ("tls11", TlsVersion.TLS1_1))
API_MANAGEMENT_OLD_PROTOCOLS: dict[str, tuple[tuple[str, str, TlsVersion], ...]] = {
    side: tuple((f"{side}_{p}_enabled", f"enable_{side}_{p}", v) for p, v in _API_MANAGEMENT_PROTOCOLS)
    for side in ("frontend", "backend")
}
# The same switches in the REST API: `customProperties` keys whose value is "True" or "False".
_API_MANAGEMENT_SECURITY = "Microsoft.WindowsAzure.ApiManagement.Gateway.Security"
API_MANAGEMENT_PROTOCOL_PROPERTIES: dict[str, tuple[tuple[str, TlsVersion], ...]] = {
    side: tuple((f"{_API_MANAGEMENT_SECURITY}.{prefix}Protocols.{p.capitalize()}", v)
                for p, v in _API_MANAGEMENT_PROTOCOLS)
    for side, prefix in (("frontend", ""), ("backend", "Backend."))
}
API_MANAGEMENT_MIN_TLS_DEFAULT = TlsVersion.TLS1_2
# A switch missing from `customProperties` is on for services created on or before 2018-04-01
# and off for later ones (the REST API's documented default).
API_MANAGEMENT_OLD_PROTOCOLS_ON_UNTIL = "2018-04-01"


def api_management_old_protocol_default(created_at_utc: str) -> bool | None:
    """Whether an unmentioned old protocol is on, from the service's `createdAtUtc`; None if unreadable."""
    day = created_at_utc.strip()[:10]
    if len(day) != 10 or day[4] != "-" or day[7] != "-":
        return None
    return day <= API_MANAGEMENT_OLD_PROTOCOLS_ON_UNTIL


# azurerm_api_management_api `protocols`: HTTPS only when unset. `http` and `ws` (WebSocket) are plaintext.
API_MANAGEMENT_API_PROTOCOLS_DEFAULT = ("https",)
API_MANAGEMENT_PLAINTEXT_PROTOCOLS = frozenset({"http", "ws"})

# Front Door and CDN: which protocols clients may use, and how the edge fetches from the origin.
FRONT_DOOR_FORWARDING_PLAINTEXT = {"httponly": True, "httpsonly": False, "matchrequest": None}
# Classic Front Door `routing_rule.accepted_protocols`: Http when unset.
FRONT_DOOR_ACCEPTED_PROTOCOLS_DEFAULT = ("Http",)
# azurerm_cdn_endpoint `is_http_allowed`: on when unset.
CDN_ENDPOINT_HTTP_ALLOWED_DEFAULT = True
# azurerm_cdn_frontdoor_route `https_redirect_enabled`: on when unset.
FRONT_DOOR_ROUTE_HTTPS_REDIRECT_DEFAULT = True
# azurerm_cdn_frontdoor_custom_domain `tls.minimum_tls_version`: TLS12 when unset.
FRONT_DOOR_CUSTOM_DOMAIN_MIN_TLS_DEFAULT = TlsVersion.TLS1_2


def edge_plaintext(accepts_http: bool | Unknown, redirects: bool | Unknown, forwards_http: bool | Unknown | None
                   ) -> bool | Unknown:
    """Whether a Front Door or CDN route carries plaintext: HTTP from clients that is served rather
    than redirected to HTTPS, or HTTP to the origin (`forwards_http` True: HttpOnly; None: MatchRequest,
    which fetches over HTTP only what clients sent over HTTP)."""
    if forwards_http is True:
        return True
    if isinstance(accepts_http, Unknown):
        return accepts_http
    if not accepts_http:
        return False if not isinstance(forwards_http, Unknown) else forwards_http
    return redirects if isinstance(redirects, Unknown) else not redirects


# Unset attributes, as azurerm 3.x and 4.x fill them in.
# Storage account `min_tls_version`: TLS1_2 since azurerm 3.0 (2.x used TLS1_0, which is out of support).
STORAGE_MIN_TLS_DEFAULT = TlsVersion.TLS1_2
# `https_traffic_only_enabled` (4.x) / `enable_https_traffic_only` (3.x).
STORAGE_HTTPS_ONLY_DEFAULT = True
# App Service `site_config.min_tls_version` / `minimum_tls_version`.
APP_SERVICE_MIN_TLS_DEFAULT = TlsVersion.TLS1_2
# App Service `https_only`: off, so plain HTTP is served.
APP_SERVICE_HTTPS_ONLY_DEFAULT = False
# PostgreSQL/MySQL single server `ssl_minimal_tls_version_enforced` (azurerm 3.x; 2.x disabled it).
SINGLE_SERVER_MIN_TLS_DEFAULT = TlsVersion.TLS1_2
# Azure SQL `minimum_tls_version`. SQL Database always encrypts connections.
MSSQL_MIN_TLS_DEFAULT = TlsVersion.TLS1_2
# SQL Managed Instance `minimum_tls_version`: 1.2 when unset.
MSSQL_MANAGED_INSTANCE_MIN_TLS_DEFAULT = TlsVersion.TLS1_2
# Redis `non_ssl_port_enabled` / `enable_non_ssl_port`: the plaintext port 6379 is closed.
REDIS_NON_SSL_PORT_DEFAULT = False
# Azure SQL through the REST API: `minimalTlsVersion` absent (older servers) sets no minimum.
MSSQL_API_MIN_TLS_DEFAULT = TlsVersion.TLS1_0
# App Service `ftpsState`: `AllAllowed` serves FTP without TLS; `FtpsOnly` and `Disabled` do not.
FTPS_ALL_ALLOWED = "allallowed"
# Redis through the REST API: without `minimumTlsVersion` the cache's minimum depends on when it was made.
REDIS_API_MIN_TLS_UNSET = (
    "minimumTlsVersion is not set: older caches then accept TLS 1.0; set it to 1.2"
)
# Redis `minimum_tls_version` has no version-independent default.
REDIS_MIN_TLS_DEFAULT_UNKNOWN = (
    "minimum_tls_version is not set: azurerm 3.x creates the cache with TLS 1.0 and 4.x with TLS 1.2; "
    'set minimum_tls_version = "1.2"'
)

# PostgreSQL and MySQL flexible servers: the server parameter that lists or bounds the TLS versions.
FLEXIBLE_TLS_PARAMETER = {"postgresql": "ssl_min_protocol_version", "mysql": "tls_version"}


def flexible_server_min_tls(text: str) -> TlsVersion | None:
    """`TLSv1.2` (PostgreSQL's minimum) or `TLSv1.2,TLSv1.3` (MySQL's allowed list): the oldest one."""
    versions = [TlsVersion.parse(v) for v in text.split(",") if v.strip()]
    if not versions or any(v is None for v in versions):
        return None
    return min(v for v in versions if v is not None)


def cosmos_min_tls(text: str) -> TlsVersion | None:
    """Cosmos DB `minimalTlsVersion`: `Tls` (1.0), `Tls11`, `Tls12`."""
    return TlsVersion.TLS1_0 if text.strip().lower() == "tls" else TlsVersion.parse(text)


# Application Gateway predefined SSL policies and the oldest protocol each accepts.
APP_GATEWAY_SSL_POLICIES: dict[str, TlsVersion] = {
    "appgwsslpolicy20150501": TlsVersion.TLS1_0,
    "appgwsslpolicy20170401": TlsVersion.TLS1_1,
    "appgwsslpolicy20170401s": TlsVersion.TLS1_2,
    "appgwsslpolicy20220101": TlsVersion.TLS1_2,
    "appgwsslpolicy20220101s": TlsVersion.TLS1_2,
}
APP_GATEWAY_DEFAULT_POLICY_UNKNOWN = (
    "no ssl_policy: the gateway's default policy depends on its API version (AppGwSslPolicy20150501, "
    "which allows TLS 1.0, before 2023-02-01); set ssl_policy explicitly"
)
_GATEWAY_PROTOCOLS = (TlsVersion.TLS1_0, TlsVersion.TLS1_1, TlsVersion.TLS1_2, TlsVersion.TLS1_3)


def app_gateway_predefined_policy(name: str) -> TlsVersion | None:
    return APP_GATEWAY_SSL_POLICIES.get(name.strip().lower())


def app_gateway_min_after_disabling(disabled: Iterable[str]) -> TlsVersion | None:
    """The minimum protocol left by `disabled_protocols` on top of the default policy.

    Known only when TLS 1.0 and 1.1 are both disabled: what remains is then
    the same whichever default policy the gateway's API version applies.
    """
    off = {v for v in (TlsVersion.parse(d) for d in disabled) if v is not None}
    if not {TlsVersion.TLS1_0, TlsVersion.TLS1_1} <= off:
        return None
    return next((v for v in _GATEWAY_PROTOCOLS if v not in off), None)


# -- encryption at rest ---------------------------------------------------------------------------

# Storage Service Encryption (storage accounts, managed disks) is always on, AES-256,
# with Microsoft-managed keys unless a customer-managed key or disk encryption set is given.
# A virtual machine's temporary disk and its OS and data disk caches live on the host and are
# not covered by SSE: only `encryption_at_host_enabled` (off when unset) encrypts them.
ENCRYPTION_AT_HOST_DEFAULT = False
# Azure SQL transparent data encryption: on unless turned off, with a service-managed key unless
# the server's TDE protector (or the database's own key) is a Key Vault key.
MSSQL_TDE_DEFAULT = True
# Data Lake Storage Gen1 `encryption_state` (Enabled when unset) and `encryption_type`:
# ServiceManaged, or UserManaged with a Key Vault key.
DATA_LAKE_ENCRYPTION_STATE_DEFAULT = "Enabled"
DATA_LAKE_CUSTOMER_KEY_TYPE = "usermanaged"
# Azure Data Explorer (Kusto) clusters: data is SSE-encrypted in storage, but the cluster's local
# cache disks only with `disk_encryption_enabled` (3.x `enable_disk_encryption`), off when unset.
KUSTO_DISK_ENCRYPTION_DEFAULT = False
# Container Registry `anonymous_pull_enabled`: anyone on the internet may pull images.
REGISTRY_ANONYMOUS_PULL_ACTIONS = ("Microsoft.ContainerRegistry/registries/pull/read",)
# Synapse dedicated SQL pools: transparent data encryption (`data_encrypted`) is off unless turned on.
SYNAPSE_POOL_TDE_DEFAULT = False
SSE_ALGORITHM = "AES256"
SSE_KEY_BITS = 256

# -- role-based access control ----------------------------------------------------------------------

# Built-in role definition GUIDs, the same in every tenant.
BUILTIN_ROLES: dict[str, str] = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
}


def builtin_role_name(role_definition_id: str) -> str | None:
    """`/subscriptions/…/providers/Microsoft.Authorization/roleDefinitions/<guid>` or a bare GUID."""
    return BUILTIN_ROLES.get(role_definition_id.strip().rstrip("/").rsplit("/", 1)[-1].lower())


def scope_of(scope_id: str) -> Scope | None:
    """How far an assignment at this scope ID reaches; None when it is not a scope ID."""
    parts = [p.lower() for p in scope_id.strip().strip("/").split("/") if p]
    if not scope_id.strip().startswith("/"):
        return None
    if not parts:
        return Scope.ORGANIZATION  # `/`: the tenant root
    if parts[:3] == ["providers", "microsoft.management", "managementgroups"] and len(parts) == 4:
        return Scope.ORGANIZATION
    if parts[0] == "subscriptions" and len(parts) >= 2:
        if len(parts) == 2:
            return Scope.ACCOUNT
        if len(parts) == 4 and parts[2] == "resourcegroups":
            return Scope.RESOURCE_GROUP
        return Scope.RESOURCE
    return None


# The rules Azure adds to every NSG (priorities 65000-65500). They cannot be removed, only
# overridden by rules of higher priority, so they are part of every NSG's effective policy.
# (name, direction, access, source, destination, priority)
NSG_DEFAULT_RULES: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("AllowVnetInBound", "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork", 65000),
    ("AllowAzureLoadBalancerInBound", "Inbound", "Allow", "AzureLoadBalancer", "*", 65001),
    ("DenyAllInBound", "Inbound", "Deny", "*", "*", 65500),
    ("AllowVnetOutBound", "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork", 65000),
    ("AllowInternetOutBound", "Outbound", "Allow", "*", "Internet", 65001),
    ("DenyAllOutBound", "Outbound", "Deny", "*", "*", 65500),
)

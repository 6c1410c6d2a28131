"""Pure adapters: Azure Resource Manager JSON (as the REST API returns it) -> model objects.

No SDK here. The collectors hand over each resource as its REST JSON (the
camelCase body, `properties` nested), so recorded responses and the local test
servers go through exactly the code that live answers do. Decisions mirror the
Terraform mapping (`scanner.sources.terraform.mappings.azure`), through the
shared facts in `scanner.providers.azure`; where the API says more than a .tf
file (default security rules, the API's own defaults), the API wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from scanner.model import (
    Access,
    AccessGrant,
    Asset,
    DataStore,
    Direction,
    Firewall,
    GrantKind,
    KeyManagement,
    NetworkRule,
    Origin,
    Peer,
    PeerKind,
    PortSet,
    SourceKind,
    TlsEndpoint,
    TlsVersion,
    Unknown,
    normalize_protocol,
)
from scanner.providers import azure
from scanner.providers.ports import port_spec

Json = Mapping[str, Any]
E = TypeVar("E")

# Origins carry ARM resource types, as the API's `type` field spells them.
NSG_TYPE = "Microsoft.Network/networkSecurityGroups"
APP_GATEWAY_TYPE = "Microsoft.Network/applicationGateways"
STORAGE_ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts"
ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"
ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
WEB_SITE_TYPE = "Microsoft.Web/sites"
WEB_SLOT_TYPE = "Microsoft.Web/sites/slots"
SQL_SERVER_TYPE = "Microsoft.Sql/servers"
SQL_DATABASE_TYPE = "Microsoft.Sql/servers/databases"
SQL_PROTECTOR_TYPE = "Microsoft.Sql/servers/encryptionProtector"
VM_TYPE = "Microsoft.Compute/virtualMachines"
SCALE_SET_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
AKS_TYPE = "Microsoft.ContainerService/managedClusters"
POSTGRESQL_FLEXIBLE_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers"
MYSQL_FLEXIBLE_TYPE = "Microsoft.DBforMySQL/flexibleServers"
REDIS_TYPE = "Microsoft.Cache/redis"
COSMOS_TYPE = "Microsoft.DocumentDB/databaseAccounts"
EVENT_HUB_NAMESPACE_TYPE = "Microsoft.EventHub/namespaces"
SERVICE_BUS_NAMESPACE_TYPE = "Microsoft.ServiceBus/namespaces"
DISK_TYPE = "Microsoft.Compute/disks"
CONTAINER_TYPE = "Microsoft.Storage/storageAccounts/blobServices/containers"
KEY_VAULT_TYPE = "Microsoft.KeyVault/vaults"
CDN_ENDPOINT_TYPE = "Microsoft.Cdn/profiles/endpoints"
AFD_ROUTE_TYPE = "Microsoft.Cdn/profiles/afdEndpoints/routes"
AFD_CUSTOM_DOMAIN_TYPE = "Microsoft.Cdn/profiles/customDomains"
FRONT_DOOR_TYPE = "Microsoft.Network/frontDoors"
API_MANAGEMENT_TYPE = "Microsoft.ApiManagement/service"
API_MANAGEMENT_API_TYPE = "Microsoft.ApiManagement/service/apis"
API_MANAGEMENT_BACKEND_TYPE = "Microsoft.ApiManagement/service/backends"
BATCH_ACCOUNT_TYPE = "Microsoft.Batch/batchAccounts"
COGNITIVE_ACCOUNT_TYPE = "Microsoft.CognitiveServices/accounts"
CONTAINER_GROUP_TYPE = "Microsoft.ContainerInstance/containerGroups"
CONTAINER_REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
KUSTO_CLUSTER_TYPE = "Microsoft.Kusto/clusters"
MANAGED_INSTANCE_TYPE = "Microsoft.Sql/managedInstances"
SEARCH_SERVICE_TYPE = "Microsoft.Search/searchServices"
SYNAPSE_SQL_POOL_TYPE = "Microsoft.Synapse/workspaces/sqlPools"

# The REST API's documented interpretation of an absent `minimumTlsVersion` (older
# accounts). This differs from azurerm's default (TLS1_2), which only applies to
# accounts Terraform creates.
STORAGE_API_MIN_TLS_DEFAULT = TlsVersion.TLS1_0
# `supportsHttpsTrafficOnly` defaults to true since API version 2019-04-01.
STORAGE_API_HTTPS_ONLY_DEFAULT = True
# The provider table's reason, in the API's terms rather than Terraform's.
GATEWAY_DEFAULT_POLICY_UNKNOWN = (
    "the gateway has no sslPolicy: its default policy depends on the API version it was created with "
    "(AppGwSslPolicy20150501, which allows TLS 1.0, before 2023-02-01); set an SSL policy explicitly"
)


def origin(resource: Json, subscription: str, resource_type: str, anchor: str = "") -> Origin:
    """The origin of a top-level ARM resource: its full ID, its subscription and location."""
    location = resource.get("location")
    return Origin(
        source=SourceKind.AZURE,
        resource=str(resource.get("id") or resource.get("name") or "(no id)"),
        resource_type=resource_type,
        anchor=anchor,
        account=subscription,
        region=location if isinstance(location, str) and location else None,
    )


def _props(resource: Json) -> Json:
    props = resource.get("properties")
    return props if isinstance(props, Mapping) else {}


def _name(resource: Json) -> str:
    name = resource.get("name")
    return name if isinstance(name, str) and name else str(resource.get("id", "(unnamed)"))


def _enum(value: Any, parse: Callable[[str], E | None], what: str) -> E | Unknown:
    parsed = parse(value) if isinstance(value, str) else None
    return parsed if parsed is not None else Unknown(reason=f"{what} {value!r} is not recognised")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _ids(value: Any) -> list[str]:
    """`[{"id": "..."}]` sub-resource references."""
    if not isinstance(value, list):
        return []
    return [str(v["id"]) for v in value if isinstance(v, Mapping) and v.get("id")]


def _id_name(resource_id: Any) -> str:
    return str(resource_id).rstrip("/").rsplit("/", 1)[-1] if resource_id else ""


# -- network security groups ------------------------------------------------------------------------


def _ports(props: Json) -> PortSet | Unknown:
    ranges = _strings(props.get("destinationPortRange")) + _strings(props.get("destinationPortRanges"))
    if not ranges:
        return Unknown(reason="neither destinationPortRange nor destinationPortRanges is set")
    return port_spec(ranges)


def _peers(props: Json, direction: Direction | Unknown) -> list[Peer | Unknown] | Unknown:
    """The remote side: the source of inbound rules, the destination of outbound ones."""
    if isinstance(direction, Unknown):
        return direction
    side = "source" if direction is Direction.INGRESS else "destination"
    peers: list[Peer | Unknown] = [
        Peer.address_or_tag(p)
        for p in _strings(props.get(f"{side}AddressPrefix")) + _strings(props.get(f"{side}AddressPrefixes"))
    ]
    peers += [Peer.group(g) for g in _ids(props.get(f"{side}ApplicationSecurityGroups"))]
    if not peers:
        return Unknown(reason=f"the rule sets no {side} address prefix or application security group")
    return peers


def _priority(value: Any) -> int | Unknown:
    return value if isinstance(value, int) and not isinstance(value, bool) else Unknown(
        reason=f"priority {value!r} is not a number")


def _security_rule(rule: Json, at: Origin) -> NetworkRule:
    props = _props(rule)
    direction = _enum(props.get("direction"), azure.nsg_direction, "direction")
    protocol = props.get("protocol")
    return NetworkRule(
        origin=at,
        name=_name(rule),
        direction=direction,
        access=_enum(props.get("access"), azure.nsg_access, "access"),
        protocol=normalize_protocol(protocol) if isinstance(protocol, str) else Unknown(
            reason=f"protocol {protocol!r} is not recognised"),
        ports=_ports(props),
        peers=_peers(props, direction),
        priority=_priority(props.get("priority")),
    )


def network_security_group(nsg: Json, subscription: str) -> Firewall:
    """Custom rules and the default rules (AllowVnetInBound 65000, AllowAzureLoadBalancerInBound
    65001, DenyAllInBound 65500 and their outbound counterparts): both decide what gets through."""
    base = origin(nsg, subscription, NSG_TYPE)
    props = _props(nsg)
    rules = [
        _security_rule(rule, base.at(None, f"{key}[{_name(rule)}]"))
        for key in ("securityRules", "defaultSecurityRules")
        for rule in props.get(key) or []
        if isinstance(rule, Mapping)
    ]
    return Firewall(origin=base, name=_name(nsg), ordering="priority", rules=rules)


# -- application gateways -----------------------------------------------------------------------------


def ssl_policy_min_version(policy: Json | None) -> tuple[TlsVersion | Unknown, str | None]:
    """An Application Gateway `sslPolicy`: the oldest protocol it accepts, and its name or type."""
    if not policy:
        return Unknown(reason=GATEWAY_DEFAULT_POLICY_UNKNOWN), None
    policy_type, policy_name = policy.get("policyType"), policy.get("policyName")
    kind = policy_type.lower() if isinstance(policy_type, str) else None
    if kind == "predefined" or (kind is None and policy_name):
        return _enum(policy_name, azure.app_gateway_predefined_policy, "predefined SSL policy"), str(policy_name)
    if kind in ("custom", "customv2"):
        minimum = policy.get("minProtocolVersion")
        if minimum is None:
            return Unknown(reason=f"policyType {policy_type} without minProtocolVersion"), str(policy_type)
        return _enum(minimum, azure.min_tls_version, "minProtocolVersion"), str(policy_type)
    if kind is not None:
        return Unknown(reason=f"policyType {policy_type!r} is not recognised"), None
    # Neither type nor name: the default policy minus `disabledSslProtocols`.
    remaining = azure.app_gateway_min_after_disabling(_strings(policy.get("disabledSslProtocols")))
    if remaining is None:
        return Unknown(reason=GATEWAY_DEFAULT_POLICY_UNKNOWN), None
    return remaining, None


def _redirects_to_https(listener_id: str, listeners: Mapping[str, Json], props: Json) -> bool:
    """Whether every routing rule on the listener redirects to an HTTPS listener or URL."""
    redirects = {str(r.get("id", "")).lower(): _props(r) for r in props.get("redirectConfigurations") or []
                 if isinstance(r, Mapping)}
    rules = [_props(r) for r in props.get("requestRoutingRules") or [] if isinstance(r, Mapping)
             and str((_props(r).get("httpListener") or {}).get("id", "")).lower() == listener_id]
    for rule in rules:
        redirect = redirects.get(str((rule.get("redirectConfiguration") or {}).get("id", "")).lower())
        if redirect is None:
            return False
        target = listeners.get(str((redirect.get("targetListener") or {}).get("id", "")).lower())
        url = redirect.get("targetUrl")
        to_https_listener = target is not None and str(target.get("protocol", "")).lower() == "https"
        to_https_url = isinstance(url, str) and url.lower().startswith("https://")
        if not (to_https_listener or to_https_url):
            return False
    return bool(rules)


def application_gateway(gateway: Json, subscription: str) -> Iterator[TlsEndpoint]:
    """One endpoint per listener serving plain HTTP, and one per TLS policy that HTTPS listeners
    use: the gateway's `sslPolicy`, or an `sslProfile`'s own (as the Terraform mapping does)."""
    name, props = _name(gateway), _props(gateway)
    listeners = {str(item.get("id", "")).lower(): _props(item) for item in props.get("httpListeners") or []
                 if isinstance(item, Mapping)}
    listener_names = {str(item.get("id", "")).lower(): _name(item) for item in props.get("httpListeners") or []
                      if isinstance(item, Mapping)}
    profiles = {str(p.get("id", "")).lower(): p for p in props.get("sslProfiles") or [] if isinstance(p, Mapping)}
    policies: dict[str, tuple[Json | None, str]] = {}  # endpoint name -> (the policy, its anchor)
    for listener_id, listener in listeners.items():
        label = f"{name}/{listener_names[listener_id]}"
        protocol = str(listener.get("protocol", "")).lower()
        profile = profiles.get(str((listener.get("sslProfile") or {}).get("id", "")).lower())
        if protocol == "http":
            if not _redirects_to_https(listener_id, listeners, props):
                yield TlsEndpoint(origin=origin(gateway, subscription, APP_GATEWAY_TYPE,
                                                f"httpListeners[{listener_names[listener_id]}]"),
                                  kind="application_gateway_listener", name=label, min_version=None,
                                  plaintext_allowed=True)
        elif protocol != "https":
            yield TlsEndpoint(origin=origin(gateway, subscription, APP_GATEWAY_TYPE,
                                            f"httpListeners[{listener_names[listener_id]}]"),
                              kind="application_gateway_listener", name=label,
                              min_version=Unknown(reason=f"listener protocol {listener.get('protocol')!r}"),
                              plaintext_allowed=Unknown(reason=f"listener protocol {listener.get('protocol')!r}"))
        elif profile is not None and _props(profile).get("sslPolicy"):
            policies[f"{name}/{_name(profile)}"] = (_props(profile).get("sslPolicy"),
                                                    f"sslProfiles[{_name(profile)}].sslPolicy")
        else:
            policies[name] = (props.get("sslPolicy"), "sslPolicy")
    for label, (policy, anchor) in policies.items():
        at = origin(gateway, subscription, APP_GATEWAY_TYPE, anchor)
        version, policy_name = ssl_policy_min_version(policy)
        yield TlsEndpoint(origin=origin(gateway, subscription, APP_GATEWAY_TYPE), field_origins={"min_version": at},
                          kind="application_gateway", name=label, min_version=version, plaintext_allowed=False,
                          policy_name=policy_name)


# -- service firewalls: storage accounts, Key Vault --------------------------------------------------


def _acl_peers(acl: Any) -> list[Peer | Unknown] | Unknown:
    """Who `networkAcls` admits: everyone when the default action is Allow (or there are no
    ACLs), else the addresses of its `ipRules`."""
    if not isinstance(acl, Mapping):
        return [azure.default_allow_peer("no network rules: defaultAction Allow")]
    action = acl.get("defaultAction", azure.NETWORK_DEFAULT_ACTION_DEFAULT)
    allows = azure.network_default_allows(action) if isinstance(action, str) else None
    if allows is None:
        return Unknown(reason=f"networkAcls.defaultAction {action!r} is not Allow or Deny")
    if allows:
        return [azure.default_allow_peer(f"defaultAction {action}")]
    rules = acl.get("ipRules") or []
    return [Peer.address_or_tag(str(r["value"])) for r in rules
            if isinstance(r, Mapping) and r.get("value") and str(r.get("action", "Allow")).lower() == "allow"]


def _service_firewall(resource: Json, subscription: str, resource_type: str, ports: PortSet,
                      acl_key: str = "networkAcls") -> Iterator[Firewall]:
    """The data-plane firewall of a service: nothing when public network access is off, or when it
    denies by default with no IP rules (only virtual networks and trusted services get in).
    `acl_key`: where the service keeps its rules (`networkAcls`; Container Registry `networkRuleSet`)."""
    props = _props(resource)
    if not _public_network_access(props):
        return
    peers = _acl_peers(props.get(acl_key))
    if isinstance(peers, list) and not peers:
        return
    base = origin(resource, subscription, resource_type)
    yield Firewall(origin=base, name=_name(resource), rules=[NetworkRule(
        origin=base.at(None, f"{acl_key}.defaultAction"), name=_name(resource), direction=Direction.INGRESS,
        access=Access.ALLOW, protocol="tcp", ports=ports, peers=peers)])


def key_vault(vault: Json, subscription: str) -> Iterator[Firewall]:
    return _service_firewall(vault, subscription, KEY_VAULT_TYPE, azure.KEY_VAULT_PORTS)


def cognitive_account(account: Json, subscription: str) -> Iterator[Firewall]:
    return _service_firewall(account, subscription, COGNITIVE_ACCOUNT_TYPE, azure.HTTPS_PORTS)


def container_registry(registry: Json, subscription: str) -> Iterator[Asset]:
    """Its firewall (`networkRuleSet`; Basic and Standard registries have none and admit everyone),
    anonymous pull, and the key of its `encryption` (a Key Vault key when `status` is enabled)."""
    props = _props(registry)
    base = origin(registry, subscription, CONTAINER_REGISTRY_TYPE)
    yield from _service_firewall(registry, subscription, CONTAINER_REGISTRY_TYPE, azure.HTTPS_PORTS,
                                 "networkRuleSet")
    if props.get("anonymousPullEnabled") is True:
        yield AccessGrant(origin=base, field_origins={"principals": base.at(None, "anonymousPullEnabled")},
                          kind=GrantKind.RESOURCE_POLICY, name=_name(registry), effect=Access.ALLOW,
                          principals=["*"], actions=list(azure.REGISTRY_ANONYMOUS_PULL_ACTIONS),
                          resources=[str(registry.get("id", _name(registry)))])
    status = _mapping_of(props.get("encryption")).get("status")
    yield _sse(registry, base, "container_registry", "encryption.status",
               isinstance(status, str) and status.lower() == "enabled")


def search_service(search: Json, subscription: str) -> Iterator[Firewall]:
    """Public network access admits the `networkRuleSet.ipRules`, or every network when there are none."""
    props = _props(search)
    if not _public_network_access(props):
        return
    rules = _mapping_of(props.get("networkRuleSet")).get("ipRules") or []
    peers: list[Peer | Unknown] = [Peer.address_or_tag(str(r["value"])) for r in rules
                                   if isinstance(r, Mapping) and r.get("value")] or [
        azure.default_allow_peer("no networkRuleSet.ipRules")]
    base = origin(search, subscription, SEARCH_SERVICE_TYPE)
    yield Firewall(origin=base, name=_name(search), rules=[NetworkRule(
        origin=base.at(None, "networkRuleSet.ipRules"), name=_name(search), direction=Direction.INGRESS,
        access=Access.ALLOW, protocol="tcp", ports=azure.HTTPS_PORTS, peers=peers)])


def container_group(group: Json, subscription: str) -> Iterator[Firewall]:
    """A container group with a public IP address: the internet reaches its `ipAddress.ports`."""
    address = _mapping_of(_props(group).get("ipAddress"))
    if str(address.get("type", "")).lower() != "public":
        return  # a private address, or none at all
    base = origin(group, subscription, CONTAINER_GROUP_TYPE)
    rules = []
    for i, entry in enumerate(p for p in address.get("ports") or [] if isinstance(p, Mapping)):
        port, protocol = entry.get("port"), entry.get("protocol") or azure.CONTAINER_GROUP_PORT_PROTOCOL_DEFAULT
        rules.append(NetworkRule(
            origin=base.at(None, f"ipAddress.ports[{i}]"), direction=Direction.INGRESS, access=Access.ALLOW,
            protocol=normalize_protocol(str(protocol)),
            ports=PortSet.ports(port) if isinstance(port, int) and not isinstance(port, bool) else Unknown(
                reason=f"port {port!r} is not a number"),
            peers=[Peer.address_or_tag("Internet")]))
    if rules:
        yield Firewall(origin=base, name=_name(group), rules=rules)


def blob_public_access_allowed(account: Json) -> bool:
    """`allowBlobPublicAccess`: accounts made before it existed do not return it, and allow it."""
    return _props(account).get("allowBlobPublicAccess") is not False


def blob_containers(containers: Sequence[Json], account: Json, subscription: str) -> Iterator[AccessGrant]:
    """Containers whose `publicAccess` is `Blob` (anyone reads blobs) or `Container` (and lists them).
    With `allowBlobPublicAccess` false on the account, a leftover setting grants nothing."""
    if not blob_public_access_allowed(account):
        return
    for container in containers:
        level = _props(container).get("publicAccess")
        # The same access levels as the code side's `container_access_type` (scanner/providers/azure.py).
        actions = azure.CONTAINER_PUBLIC_ACTIONS.get(level.lower()) if isinstance(level, str) else None
        if not actions:
            continue
        base = origin({**container, "location": account.get("location")}, subscription, CONTAINER_TYPE)
        yield AccessGrant(origin=base, field_origins={"principals": base.at(None, "publicAccess")},
                          kind=GrantKind.RESOURCE_POLICY, name=f"{_name(account)}/{_name(container)}",
                          effect=Access.ALLOW, principals=["*"], actions=list(actions),
                          resources=[str(container.get("id", _name(container)))])


# -- storage accounts -------------------------------------------------------------------------------


def storage_account(account: Json, subscription: str) -> Iterator[Asset]:
    props = _props(account)
    base = origin(account, subscription, STORAGE_ACCOUNT_TYPE)
    yield from _service_firewall(account, subscription, STORAGE_ACCOUNT_TYPE, azure.STORAGE_PORTS)
    minimum = props.get("minimumTlsVersion")
    https_only = props.get("supportsHttpsTrafficOnly")
    yield TlsEndpoint(
        origin=base,
        field_origins={"min_version": base.at(None, "minimumTlsVersion"),
                       "plaintext_allowed": base.at(None, "supportsHttpsTrafficOnly")},
        kind="storage_account",
        name=_name(account),
        min_version=STORAGE_API_MIN_TLS_DEFAULT if minimum is None else _enum(
            minimum, azure.min_tls_version, "minimumTlsVersion"),
        plaintext_allowed=not (STORAGE_API_HTTPS_ONLY_DEFAULT if https_only is None else bool(https_only)),
    )
    # Azure Storage encrypts everything with AES-256 and cannot be turned off; the key is
    # Microsoft's unless `keySource` is Microsoft.Keyvault.
    encryption = props.get("encryption") if isinstance(props.get("encryption"), Mapping) else {}
    source = encryption.get("keySource") if encryption else None
    key_management: KeyManagement | Unknown
    if source is None or str(source).lower() == "microsoft.storage":
        key_management = KeyManagement.PROVIDER
    elif str(source).lower() == "microsoft.keyvault":
        key_management = KeyManagement.CUSTOMER
    else:
        key_management = Unknown(reason=f"encryption keySource {source!r} is not recognised")
    yield DataStore(
        origin=base,
        field_origins={"key_management": base.at(None, "encryption.keySource")},
        kind="object_storage",
        name=_name(account),
        encrypted=True,
        algorithm="AES256",
        key_bits=256,
        key_management=key_management,
        by_default=key_management is KeyManagement.PROVIDER,
    )


# -- App Service --------------------------------------------------------------------------------------


def web_app(site: Json, config: Json, subscription: str) -> Iterator[TlsEndpoint]:
    """A web or function app: the site's `httpsOnly`, and from its `config/web` (a site list
    returns `siteConfig: null`) `minTlsVersion` and `ftpsState`. FTP without TLS
    (`AllAllowed`) is a plaintext endpoint of its own."""
    props, web = _props(site), _props(config)
    kind = "function_app" if "functionapp" in str(site.get("kind", "")).lower() else "web_app"
    slot = str(site.get("type", "")).lower() == WEB_SLOT_TYPE.lower()
    if slot:
        kind += "_slot"
    base = origin(site, subscription, WEB_SLOT_TYPE if slot else WEB_SITE_TYPE)
    minimum = web.get("minTlsVersion")
    https_only = props.get("httpsOnly")
    yield TlsEndpoint(
        origin=base,
        field_origins={"min_version": base.at(None, "config/web.minTlsVersion"),
                       "plaintext_allowed": base.at(None, "httpsOnly")},
        kind=kind,
        name=_name(site),
        min_version=_enum(minimum, azure.min_tls_version, "minTlsVersion") if minimum is not None else Unknown(
            reason="config/web gives no minTlsVersion"),
        plaintext_allowed=not (azure.APP_SERVICE_HTTPS_ONLY_DEFAULT if https_only is None else bool(https_only)),
    )
    if str(web.get("ftpsState", "")).lower() == azure.FTPS_ALL_ALLOWED:
        at = base.at(None, "config/web.ftpsState")
        yield TlsEndpoint(origin=at, kind=f"{kind}_ftp", name=f"{_name(site)} (FTP)", min_version=None,
                          plaintext_allowed=True)


# -- databases, caches and messaging ----------------------------------------------------------------


def _public_network_access(props: Json) -> bool:
    """`publicNetworkAccess` (`Enabled`, `Disabled`, `SecuredByPerimeter`): off only when `Disabled`."""
    value = props.get("publicNetworkAccess")
    return not (isinstance(value, str) and value.lower() == "disabled")


def firewall_rules(rules: Sequence[Json], server: Json, subscription: str, service: str,
                   start_key: str = "startIpAddress", end_key: str = "endIpAddress") -> Iterator[Firewall]:
    """One `Firewall` per server-level rule, as from Terraform: `start_key`-`end_key` may reach the
    service's ports. A server whose public network access is off admits no one through them."""
    network = _props(server).get("network")  # flexible servers keep it there
    if not _public_network_access(_props(server)) or (
            isinstance(network, Mapping) and not _public_network_access(network)):
        return
    for rule in rules:
        props = _props(rule)
        start, end = props.get(start_key), props.get(end_key)
        peer = azure.firewall_range_peer(start, end) if isinstance(start, str) and isinstance(end, str) else None
        base = origin({**rule, "location": server.get("location")}, subscription,
                      str(rule.get("type") or f"{server.get('type')}/firewallRules"))
        yield Firewall(origin=base, name=_name(rule), rules=[NetworkRule(
            origin=base.at(None, f"properties.{start_key}"), name=_name(rule), direction=Direction.INGRESS,
            access=Access.ALLOW, protocol="tcp", ports=azure.SERVICE_PORTS[service],
            peers=[peer] if peer is not None else Unknown(reason=f"{start!r}-{end!r} is not an address range"))])


def sql_server(server: Json, subscription: str) -> TlsEndpoint:
    """Azure SQL encrypts every connection; `minimalTlsVersion` absent or `None` sets no minimum."""
    base = origin(server, subscription, SQL_SERVER_TYPE)
    minimum = _props(server).get("minimalTlsVersion")
    return TlsEndpoint(origin=base, field_origins={"min_version": base.at(None, "minimalTlsVersion")},
                       kind="database", name=_name(server),
                       min_version=azure.MSSQL_API_MIN_TLS_DEFAULT if minimum is None else _enum(
                           minimum, azure.min_tls_version, "minimalTlsVersion"),
                       plaintext_allowed=False)


def _protector_keys(protector: Json | None) -> KeyManagement | Unknown:
    """A server's encryption protector: `ServiceManaged`, or `AzureKeyVault` (a customer key)."""
    if protector is None:
        return Unknown(reason="the server's encryption protector could not be read")
    key_type = str(_props(protector).get("serverKeyType")).lower()
    if key_type == "azurekeyvault":
        return KeyManagement.CUSTOMER
    if key_type == "servicemanaged":
        return KeyManagement.PROVIDER
    return Unknown(reason=f"encryption protector serverKeyType {_props(protector).get('serverKeyType')!r} "
                          "is not recognised")


def sql_encryption_protector(protector: Json, server: Json, subscription: str) -> DataStore:
    """The key of the server's transparent data encryption (`azurerm_mssql_server_transparent_data_encryption`)."""
    base = origin({**protector, "location": server.get("location")}, subscription, SQL_PROTECTOR_TYPE)
    keys = _protector_keys(protector)
    return DataStore(origin=base, field_origins={"key_management": base.at(None, "properties.serverKeyType")},
                     kind="database", name=f"{_name(server)} encryption protector", encrypted=True,
                     algorithm=azure.SSE_ALGORITHM, key_bits=azure.SSE_KEY_BITS, key_management=keys,
                     by_default=keys is KeyManagement.PROVIDER)


def sql_database(database: Json, tde: Json | None, protector: Json | None, subscription: str) -> DataStore:
    """Transparent data encryption (`state`), with the key of the server's encryption protector.
    `tde`/`protector` None: they could not be read."""
    base = origin(database, subscription, SQL_DATABASE_TYPE)
    encrypted: bool | Unknown = (Unknown(reason="the database's transparent data encryption could not be read")
                                 if tde is None else str(_props(tde).get("state")).lower() == "enabled")
    keys: KeyManagement | Unknown = KeyManagement.NONE if encrypted is False else _protector_keys(protector)
    return DataStore(origin=base, field_origins={"encrypted": base.at(None, "transparentDataEncryption.state"),
                                                 "key_management": base.at(None, "encryptionProtector")},
                     kind="database", name=_name(database), encrypted=encrypted,
                     algorithm=azure.SSE_ALGORITHM if encrypted is True else None,
                     key_bits=azure.SSE_KEY_BITS if encrypted is True else None, key_management=keys,
                     by_default=keys is KeyManagement.PROVIDER)


def _configuration(configurations: Mapping[str, Json | None], name: str) -> str | Unknown:
    config = configurations.get(name)
    if config is None:
        return Unknown(reason=f"server parameter {name} could not be read")
    value = _props(config).get("value")
    return value if isinstance(value, str) else Unknown(reason=f"server parameter {name} has no value")


def flexible_server(server: Json, configurations: Mapping[str, Json | None], subscription: str,
                    engine: str) -> Iterator[Asset]:
    """A PostgreSQL or MySQL flexible server: `require_secure_transport` and the TLS versions its
    server parameters allow; storage is AES-256 with the service's key unless `dataEncryption`
    names a Key Vault key."""
    resource_type = POSTGRESQL_FLEXIBLE_TYPE if engine == "postgresql" else MYSQL_FLEXIBLE_TYPE
    base = origin(server, subscription, resource_type)
    required = _configuration(configurations, "require_secure_transport")
    version_parameter = azure.FLEXIBLE_TLS_PARAMETER[engine]
    versions = _configuration(configurations, version_parameter)
    minimum: TlsVersion | Unknown = versions if isinstance(versions, Unknown) else _enum(
        versions, azure.flexible_server_min_tls, version_parameter)
    yield TlsEndpoint(origin=base, field_origins={
        "plaintext_allowed": base.at(None, "configurations/require_secure_transport"),
        "min_version": base.at(None, f"configurations/{version_parameter}")},
        kind="database", name=_name(server), min_version=minimum,
        plaintext_allowed=required if isinstance(required, Unknown) else required.strip().lower() in ("off", "0"))
    encryption = _props(server).get("dataEncryption")
    kind = encryption.get("type") if isinstance(encryption, Mapping) else None
    customer = isinstance(kind, str) and kind.lower() == "azurekeyvault"
    yield DataStore(origin=base, field_origins={"key_management": base.at(None, "dataEncryption.type")},
                    kind="database", name=_name(server), encrypted=True, algorithm=azure.SSE_ALGORITHM,
                    key_bits=azure.SSE_KEY_BITS,
                    key_management=KeyManagement.CUSTOMER if customer else KeyManagement.PROVIDER,
                    by_default=not customer)


def redis_cache(cache: Json, subscription: str) -> TlsEndpoint:
    props = _props(cache)
    base = origin(cache, subscription, REDIS_TYPE)
    minimum, non_ssl = props.get("minimumTlsVersion"), props.get("enableNonSslPort")
    return TlsEndpoint(origin=base, field_origins={"min_version": base.at(None, "minimumTlsVersion"),
                                                   "plaintext_allowed": base.at(None, "enableNonSslPort")},
                       kind="cache", name=_name(cache),
                       min_version=Unknown(reason=azure.REDIS_API_MIN_TLS_UNSET) if minimum is None else _enum(
                           minimum, azure.min_tls_version, "minimumTlsVersion"),
                       plaintext_allowed=azure.REDIS_NON_SSL_PORT_DEFAULT if non_ssl is None else bool(non_ssl))


def redis_open_firewall(cache: Json, subscription: str) -> Iterator[Firewall]:
    """A cache with public network access, outside a subnet and without firewall rules, admits
    every address (with rules, each rule is a firewall of its own)."""
    props = _props(cache)
    if not _public_network_access(props) or props.get("subnetId"):
        return
    base = origin(cache, subscription, REDIS_TYPE)
    yield Firewall(origin=base, name=_name(cache), rules=[NetworkRule(
        origin=base.at(None, "publicNetworkAccess"), name=_name(cache), direction=Direction.INGRESS,
        access=Access.ALLOW, protocol="tcp", ports=azure.SERVICE_PORTS["redis"],
        peers=[azure.default_allow_peer("public network access and no firewall rules")])])


def _min_tls_only(resource: Json, subscription: str, resource_type: str, kind: str, key: str,
                  parse: Callable[[str], TlsVersion | None] = azure.min_tls_version) -> TlsEndpoint:
    """A service that only speaks TLS and has a minimum version setting `key`."""
    base = origin(resource, subscription, resource_type)
    minimum = _props(resource).get(key)
    return TlsEndpoint(origin=base, field_origins={"min_version": base.at(None, key)}, kind=kind,
                       name=_name(resource),
                       min_version=Unknown(reason=f"{key} is not given") if minimum is None else _enum(
                           minimum, parse, key),
                       plaintext_allowed=False)


def cosmos_account(account: Json, subscription: str) -> Iterator[Asset]:
    """Its firewall (`ipRules`, the virtual network filter, `publicNetworkAccess`), minimum TLS
    version, and key (`keyVaultKeyUri`)."""
    props = _props(account)
    base = origin(account, subscription, COSMOS_TYPE)
    ranges = [str(r["ipAddressOrRange"]) for r in props.get("ipRules") or []
              if isinstance(r, Mapping) and r.get("ipAddressOrRange")]
    if _public_network_access(props) and (ranges or props.get("isVirtualNetworkFilterEnabled") is not True):
        peers: list[Peer | Unknown] = [
            Peer(kind=PeerKind.TAG, value="AzureCloud", label=f"0.0.0.0 ({azure.ALL_AZURE_SERVICES_LABEL})")
            if r.strip() == azure.COSMOSDB_AZURE_DATACENTERS else Peer.address_or_tag(r) for r in ranges
        ] or [azure.default_allow_peer("no IP rules and no virtual network filter")]
        yield Firewall(origin=base, name=_name(account), rules=[NetworkRule(
            origin=base.at(None, "ipRules"), name=_name(account), direction=Direction.INGRESS, access=Access.ALLOW,
            protocol="tcp", ports=azure.COSMOSDB_PORTS, peers=peers)])
    yield _min_tls_only(account, subscription, COSMOS_TYPE, "database", "minimalTlsVersion", azure.cosmos_min_tls)
    yield _sse(account, base, "database", "keyVaultKeyUri", bool(props.get("keyVaultKeyUri")))


def _sse(resource: Json, base: Origin, kind: str, key_field: str, customer: bool, name: str | None = None
         ) -> DataStore:
    """Azure service-side encryption: always AES-256, with a customer-managed key when one is given."""
    keys = KeyManagement.CUSTOMER if customer else KeyManagement.PROVIDER
    return DataStore(origin=base, field_origins={"key_management": base.at(None, key_field)}, kind=kind,
                     name=name or _name(resource), encrypted=True, algorithm=azure.SSE_ALGORITHM,
                     key_bits=azure.SSE_KEY_BITS, key_management=keys, by_default=not customer)


# -- virtual machines, scale sets, AKS -----------------------------------------------------------------


def _host_encryption(resource: Json, base: Origin, name: str, enabled: Any, at: str, key_set: Any,
                     key_at: str) -> DataStore:
    """A VM's or node pool's temporary disk and disk caches: on the host, encrypted only with
    encryption at host, with the disk encryption set's key when one is given."""
    on = azure.ENCRYPTION_AT_HOST_DEFAULT if enabled is None else enabled is True
    keys = KeyManagement.NONE if not on else KeyManagement.CUSTOMER if key_set else KeyManagement.PROVIDER
    return DataStore(origin=base, field_origins={"encrypted": base.at(None, at),
                                                 "key_management": base.at(None, key_at)},
                     kind="temporary_disk_and_cache", name=name, encrypted=on,
                     algorithm=azure.SSE_ALGORITHM if on else None, key_bits=azure.SSE_KEY_BITS if on else None,
                     key_management=keys)


def _os_disk_set(profile: Json) -> Any:
    """`storageProfile.osDisk.managedDisk.diskEncryptionSet.id`, or None."""
    value: Any = profile
    for key in ("storageProfile", "osDisk", "managedDisk", "diskEncryptionSet", "id"):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def virtual_machine(vm: Json, subscription: str) -> DataStore:
    props = _props(vm)
    security = props.get("securityProfile")
    enabled = security.get("encryptionAtHost") if isinstance(security, Mapping) else None
    return _host_encryption(vm, origin(vm, subscription, VM_TYPE), _name(vm), enabled,
                            "securityProfile.encryptionAtHost", _os_disk_set(props),
                            "storageProfile.osDisk.managedDisk.diskEncryptionSet")


def scale_set(vmss: Json, subscription: str) -> DataStore:
    profile = _props(vmss).get("virtualMachineProfile")
    profile = profile if isinstance(profile, Mapping) else {}
    security = profile.get("securityProfile")
    enabled = security.get("encryptionAtHost") if isinstance(security, Mapping) else None
    return _host_encryption(vmss, origin(vmss, subscription, SCALE_SET_TYPE), _name(vmss), enabled,
                            "virtualMachineProfile.securityProfile.encryptionAtHost", _os_disk_set(profile),
                            "virtualMachineProfile.storageProfile.osDisk.managedDisk.diskEncryptionSet")


def managed_cluster(cluster: Json, subscription: str) -> Iterator[Asset]:
    """The cluster API (public unless a private cluster; from anywhere unless authorized IP ranges
    are listed), the node disks' key, and each node pool's encryption at host."""
    props = _props(cluster)
    base = origin(cluster, subscription, AKS_TYPE)
    profile = props.get("apiServerAccessProfile")
    profile = profile if isinstance(profile, Mapping) else {}
    if profile.get("enablePrivateCluster", azure.AKS_PRIVATE_CLUSTER_DEFAULT) is not True:
        ranges = _strings(profile.get("authorizedIPRanges"))
        sources: list[Peer | Unknown] = [Peer.address_or_tag(r) for r in ranges] or [Peer(
            kind=PeerKind.NETWORK, value=azure.AKS_OPEN_API_SOURCE,
            label=f"{azure.AKS_OPEN_API_SOURCE} (no authorized IP ranges)")]
        yield Firewall.control_plane_endpoint(origin=base, name=_name(cluster), sources=sources,
                                              sources_origin=base.at(None, "apiServerAccessProfile.authorizedIPRanges"))
    key_set = props.get("diskEncryptionSetID")
    yield _sse(cluster, base, "block_volume", "diskEncryptionSetID", bool(key_set))
    for pool in props.get("agentPoolProfiles") or []:
        if isinstance(pool, Mapping):
            yield _host_encryption(cluster, base.at(None, f"agentPoolProfiles[{_name(pool)}]"),
                                   f"{_name(cluster)} node pool {_name(pool)}", pool.get("enableEncryptionAtHost"),
                                   f"agentPoolProfiles[{_name(pool)}].enableEncryptionAtHost", key_set,
                                   "diskEncryptionSetID")


def event_hub_namespace(namespace: Json, subscription: str) -> TlsEndpoint:
    return _min_tls_only(namespace, subscription, EVENT_HUB_NAMESPACE_TYPE, "messaging", "minimumTlsVersion")


def service_bus_namespace(namespace: Json, subscription: str) -> TlsEndpoint:
    return _min_tls_only(namespace, subscription, SERVICE_BUS_NAMESPACE_TYPE, "messaging", "minimumTlsVersion")


def managed_instance(instance: Json, subscription: str) -> TlsEndpoint:
    return _min_tls_only(instance, subscription, MANAGED_INSTANCE_TYPE, "database", "minimalTlsVersion")


def batch_account(account: Json, subscription: str) -> DataStore:
    """Always AES-256; with a Key Vault key when `encryption.keySource` is Microsoft.KeyVault."""
    source = _mapping_of(_props(account).get("encryption")).get("keySource")
    return _sse(account, origin(account, subscription, BATCH_ACCOUNT_TYPE), "batch_account", "encryption.keySource",
                isinstance(source, str) and source.lower() == "microsoft.keyvault")


def kusto_cluster(cluster: Json, subscription: str) -> DataStore:
    """The cluster's cache disks: encrypted only with `enableDiskEncryption`."""
    enabled = _props(cluster).get("enableDiskEncryption")
    on = azure.KUSTO_DISK_ENCRYPTION_DEFAULT if enabled is None else enabled is True
    base = origin(cluster, subscription, KUSTO_CLUSTER_TYPE)
    return DataStore(origin=base, field_origins={"encrypted": base.at(None, "enableDiskEncryption"),
                                                 "key_management": base.at(None, "enableDiskEncryption")},
                     kind="cache_disks", name=_name(cluster), encrypted=on,
                     algorithm=azure.SSE_ALGORITHM if on else None, key_bits=azure.SSE_KEY_BITS if on else None,
                     key_management=KeyManagement.PROVIDER if on else KeyManagement.NONE)


def synapse_sql_pool(pool: Json, tde: Json | None, workspace: Json, subscription: str) -> DataStore:
    """A dedicated SQL pool: transparent data encryption (`transparentDataEncryption/current` `status`);
    `tde` None: it could not be read."""
    base = _child_origin(pool, workspace, subscription, SYNAPSE_SQL_POOL_TYPE)
    status = _props(tde).get("status") if tde is not None else None
    encrypted: bool | Unknown = (Unknown(reason="the pool's transparent data encryption could not be read")
                                 if tde is None else isinstance(status, str) and status.lower() == "enabled")
    return DataStore(origin=base, field_origins={"encrypted": base.at(None, "transparentDataEncryption.status")},
                     kind="database", name=_name(pool), encrypted=encrypted,
                     algorithm=azure.SSE_ALGORITHM if encrypted is True else None,
                     key_bits=azure.SSE_KEY_BITS if encrypted is True else None,
                     key_management=KeyManagement.PROVIDER if encrypted is True else KeyManagement.NONE
                     if encrypted is False else encrypted)


# -- API Management -----------------------------------------------------------------------------------


def _gateway_minimum(props: Json, side: str) -> tuple[TlsVersion | Unknown, str | None]:
    """The oldest protocol a gateway side accepts, and the `customProperties` key that decides it.
    A key that is missing takes the default of the service's creation date."""
    custom = _mapping_of(props.get("customProperties"))
    created = props.get("createdAtUtc")
    for key, version in azure.API_MANAGEMENT_PROTOCOL_PROPERTIES[side]:
        value = custom.get(key)
        if value is None:
            on = azure.api_management_old_protocol_default(created) if isinstance(created, str) else None
            if on is None:
                return Unknown(reason=f"customProperties does not set {key} and createdAtUtc is not given "
                                      f"(it is on for services created on or before "
                                      f"{azure.API_MANAGEMENT_OLD_PROTOCOLS_ON_UNTIL})"), key
        else:
            on = str(value).strip().lower() == "true"
        if on:
            return version, key
    return azure.API_MANAGEMENT_MIN_TLS_DEFAULT, None


def api_management(service: Json, subscription: str) -> Iterator[TlsEndpoint]:
    """The gateway's client side and its calls to the backends: the oldest protocol each accepts."""
    base = origin(service, subscription, API_MANAGEMENT_TYPE)
    for side, kind in (("frontend", "api_management_gateway"), ("backend", "api_management_backends")):
        version, key = _gateway_minimum(_props(service), side)
        yield TlsEndpoint(origin=base, field_origins={"min_version": base.at(None, f"customProperties.{key}")}
                          if key else {}, kind=kind, name=_name(service), min_version=version, plaintext_allowed=False)


def api_management_api(api: Json, service: Json, subscription: str) -> TlsEndpoint:
    """An API served over `http` (or `ws`) as well as `https` accepts plaintext calls."""
    protocols = [p.lower() for p in _strings(_props(api).get("protocols"))]
    base = _child_origin(api, service, subscription, API_MANAGEMENT_API_TYPE)
    return TlsEndpoint(origin=base, field_origins={"plaintext_allowed": base.at(None, "protocols")}, kind="api",
                       name=_name(api), min_version=None,
                       plaintext_allowed=bool(azure.API_MANAGEMENT_PLAINTEXT_PROTOCOLS.intersection(protocols))
                       if protocols else Unknown(reason="the API lists no protocols"))


def api_management_backend(backend: Json, service: Json, subscription: str) -> TlsEndpoint:
    """The gateway calls an `http://` backend in plaintext."""
    url = _props(backend).get("url")
    base = _child_origin(backend, service, subscription, API_MANAGEMENT_BACKEND_TYPE)
    return TlsEndpoint(origin=base, field_origins={"plaintext_allowed": base.at(None, "url")}, kind="api_backend",
                       name=_name(backend), min_version=None,
                       plaintext_allowed=isinstance(url, str) and url.strip().lower().startswith("http://"))


# -- Front Door and CDN -------------------------------------------------------------------------------


def _child_origin(child: Json, parent: Json, subscription: str, resource_type: str) -> Origin:
    return origin({**child, "location": child.get("location") or parent.get("location")}, subscription,
                  resource_type)


def _forwards_http(value: Any, default: str) -> bool | Unknown | None:
    text = str(value if value is not None else default).lower()
    if text not in azure.FRONT_DOOR_FORWARDING_PLAINTEXT:
        return Unknown(reason=f"forwardingProtocol {value!r} is not recognised")
    return azure.FRONT_DOOR_FORWARDING_PLAINTEXT[text]


def _mapping_of(value: Any) -> Json:
    return value if isinstance(value, Mapping) else {}


def _cdn_redirects_http(policy: Any) -> bool:
    """A delivery rule without conditions (the global rule), or one matching the HTTP scheme,
    whose UrlRedirect action sends to HTTPS."""
    for rule in (policy.get("rules") if isinstance(policy, Mapping) else None) or []:
        if not isinstance(rule, Mapping):
            continue
        to_https = any(isinstance(a, Mapping) and a.get("name") == "UrlRedirect"
                       and str(_mapping_of(a.get("parameters")).get("destinationProtocol")).lower() == "https"
                       for a in rule.get("actions") or [])
        conditions = [c for c in rule.get("conditions") or [] if isinstance(c, Mapping)]
        on_http = not conditions or any(
            c.get("name") == "RequestScheme"
            and "http" in [str(v).lower() for v in _mapping_of(c.get("parameters")).get("matchValues") or []]
            for c in conditions)
        if to_https and on_http:
            return True
    return False


def cdn_endpoint(endpoint: Json, profile: Json, subscription: str) -> TlsEndpoint:
    """A classic CDN endpoint: `isHttpAllowed` (on when absent) unless a delivery rule redirects HTTP."""
    props = _props(endpoint)
    http = props.get("isHttpAllowed")
    allowed = azure.CDN_ENDPOINT_HTTP_ALLOWED_DEFAULT if http is None else http is True
    base = _child_origin(endpoint, profile, subscription, CDN_ENDPOINT_TYPE)
    return TlsEndpoint(origin=base, field_origins={"plaintext_allowed": base.at(None, "isHttpAllowed")},
                       kind="cdn_endpoint", name=_name(endpoint), min_version=None,
                       plaintext_allowed=allowed and not _cdn_redirects_http(props.get("deliveryPolicy")))


def afd_route(route: Json, profile: Json, subscription: str) -> TlsEndpoint:
    """A Front Door (Standard/Premium) route: HTTP accepted and not redirected, or HTTP to the origin."""
    props = _props(route)
    accepts_http = "http" in [str(p).lower() for p in _strings(props.get("supportedProtocols"))]
    redirect = props.get("httpsRedirect")
    redirects = (azure.FRONT_DOOR_ROUTE_HTTPS_REDIRECT_DEFAULT if redirect is None
                 else str(redirect).lower() == "enabled")
    base = _child_origin(route, profile, subscription, AFD_ROUTE_TYPE)
    return TlsEndpoint(origin=base, field_origins={"plaintext_allowed": base.at(None, "supportedProtocols")},
                       kind="cdn_route", name=_name(route), min_version=None,
                       plaintext_allowed=azure.edge_plaintext(accepts_http, redirects, _forwards_http(
                           props.get("forwardingProtocol"), "MatchRequest")))


def afd_custom_domain(domain: Json, profile: Json, subscription: str) -> TlsEndpoint:
    tls = _mapping_of(_props(domain).get("tlsSettings"))
    minimum = tls.get("minimumTlsVersion")
    base = _child_origin(domain, profile, subscription, AFD_CUSTOM_DOMAIN_TYPE)
    return TlsEndpoint(origin=base, field_origins={"min_version": base.at(None, "tlsSettings.minimumTlsVersion")},
                       kind="cdn_custom_domain", name=_name(domain), plaintext_allowed=False,
                       min_version=azure.FRONT_DOOR_CUSTOM_DOMAIN_MIN_TLS_DEFAULT if minimum is None else _enum(
                           minimum, azure.min_tls_version, "minimumTlsVersion"))


def front_door(door: Json, subscription: str) -> Iterator[TlsEndpoint]:
    """Classic Front Door: each routing rule that forwards (a redirect rule fetches nothing)."""
    for rule in _props(door).get("routingRules") or []:
        if not isinstance(rule, Mapping):
            continue
        props = _props(rule)
        config = _mapping_of(props.get("routeConfiguration"))
        if "forwardingconfiguration" not in str(config.get("@odata.type", "")).lower():
            continue
        accepts_http = "http" in [str(p).lower() for p in _strings(props.get("acceptedProtocols"))]
        at = origin(door, subscription, FRONT_DOOR_TYPE, f"routingRules[{_name(rule)}]")
        yield TlsEndpoint(origin=origin(door, subscription, FRONT_DOOR_TYPE), field_origins={"plaintext_allowed": at},
                          kind="front_door_route", name=f"{_name(door)}/{_name(rule)}", min_version=None,
                          plaintext_allowed=azure.edge_plaintext(accepts_http, False, _forwards_http(
                              config.get("forwardingProtocol"), "HttpsOnly")))


# -- managed disks ----------------------------------------------------------------------------------


def managed_disk(disk: Json, subscription: str) -> DataStore:
    """Always AES-256 server-side encrypted; platform keys unless `encryption.type` names a
    customer key (a disk encryption set)."""
    base = origin(disk, subscription, DISK_TYPE)
    encryption = _props(disk).get("encryption")
    kind = encryption.get("type") if isinstance(encryption, Mapping) else None
    key_management: KeyManagement | Unknown
    if kind is None or str(kind).lower() == "encryptionatrestwithplatformkey":
        key_management = KeyManagement.PROVIDER
    elif "customerkey" in str(kind).lower():
        key_management = KeyManagement.CUSTOMER
    else:
        key_management = Unknown(reason=f"encryption type {kind!r} is not recognised")
    return DataStore(origin=base, field_origins={"key_management": base.at(None, "encryption.type")},
                     kind="block_volume", name=_name(disk), encrypted=True, algorithm=azure.SSE_ALGORITHM,
                     key_bits=azure.SSE_KEY_BITS, key_management=key_management,
                     by_default=key_management is KeyManagement.PROVIDER)


# -- role-based access control ----------------------------------------------------------------------


def is_custom_role(definition: Json) -> bool:
    return str(_props(definition).get("type", "")).lower() == "customrole"


def _permitted(allowed: list[str], excluded: list[str]) -> tuple[list[str | Unknown], list[str | Unknown]]:
    """Azure's `actions` minus `notActions`, in the model's terms (as the Terraform mapping):
    `*` minus some actions is "everything except", which the model calls NotAction."""
    if "*" not in allowed or not excluded:
        return list(allowed), []
    return [a for a in allowed if a != "*"], list(excluded)


def role_definition(definition: Json, subscription: str) -> Iterator[AccessGrant]:
    """One grant per `permissions` entry. A definition names no resources: it reaches whatever
    scope it is assigned at, so `resources` stays empty."""
    props = _props(definition)
    name = props.get("roleName") if isinstance(props.get("roleName"), str) else _name(definition)
    base = origin(definition, subscription, ROLE_DEFINITION_TYPE)
    for i, permission in enumerate(props.get("permissions") or []):
        if not isinstance(permission, Mapping):
            continue
        actions, not_actions = _permitted(_strings(permission.get("actions")), _strings(permission.get("notActions")))
        data, not_data = _permitted(_strings(permission.get("dataActions")),
                                    _strings(permission.get("notDataActions")))
        at = base.at(None, f"permissions[{i}]")
        yield AccessGrant(origin=at, field_origins={"actions": at.at(None, "actions"),
                                                    "not_actions": at.at(None, "notActions")},
                          kind=GrantKind.ROLE_DEFINITION, name=str(name), effect=Access.ALLOW,
                          actions=actions + data, not_actions=not_actions + not_data)


def role_names(definitions: Sequence[Json]) -> dict[str, str]:
    """Role definition GUID (lower case) -> role name, for the definitions listed."""
    names: dict[str, str] = {}
    for definition in definitions:
        role = _props(definition).get("roleName")
        guid = definition.get("name") or _id_name(definition.get("id"))
        if isinstance(role, str) and guid:
            names[str(guid).lower()] = role
    return names


def _role(definition_id: Any, names: Mapping[str, str] | None) -> str | Unknown:
    if not isinstance(definition_id, str) or not definition_id:
        return Unknown(reason="the assignment names no role definition")
    guid = _id_name(definition_id).lower()
    if names is not None and guid in names:
        return names[guid]
    builtin = azure.builtin_role_name(definition_id)
    if builtin is not None:
        return builtin
    if names is None:
        return Unknown(reason=f"role definitions could not be listed to name {definition_id}")
    return Unknown(reason=f"role definition {definition_id} is not among those listed at the subscription")


def role_assignment(assignment: Json, subscription: str, names: Mapping[str, str] | None) -> AccessGrant:
    """`names`: the role names listed at the subscription; None when they could not be listed."""
    props = _props(assignment)
    scope_id = props.get("scope")
    scope = azure.scope_of(scope_id) if isinstance(scope_id, str) else None
    principal = props.get("principalId")
    base = origin(assignment, subscription, ROLE_ASSIGNMENT_TYPE)
    return AccessGrant(
        origin=base,
        field_origins={"role": base.at(None, "roleDefinitionId"), "principals": base.at(None, "principalId"),
                       "scope": base.at(None, "scope")},
        kind=GrantKind.ROLE_ASSIGNMENT,
        name=_name(assignment),
        effect=Access.ALLOW,
        principals=[principal if isinstance(principal, str) and principal else Unknown(
            reason="the assignment names no principal")],
        resources=[scope_id if isinstance(scope_id, str) else Unknown(reason="the assignment has no scope")],
        role=_role(props.get("roleDefinitionId"), names),
        scope=scope if scope is not None else Unknown(reason=f"scope {scope_id!r} is not an Azure scope ID"),
        conditions=["azure:condition"] if props.get("condition") else [],
    )


def subscription_ids(subscriptions: Sequence[Json]) -> list[str]:
    """The subscriptions worth auditing from a `GET /subscriptions` listing: not disabled or deleted."""
    return [str(s["subscriptionId"]) for s in subscriptions
            if s.get("subscriptionId") and str(s.get("state", "Enabled")).lower() not in ("disabled", "deleted")]


def descendant_subscriptions(descendants: Sequence[Json]) -> list[str]:
    """The subscription IDs among a management group's descendants (`.../managementGroups/subscriptions`)."""
    return [str(d["name"]) for d in descendants
            if d.get("name") and str(d.get("type", "")).lower().endswith("managementgroups/subscriptions")]

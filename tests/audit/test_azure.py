"""The live Azure audit, with the real azure-mgmt clients against a local HTTPS Resource Manager.

The server (tests/audit/fake_clouds.py) serves API-shaped JSON, paginates
every list with absolute `nextLink`s and answers 403 where a subscription is
set up to. Findings are asserted exactly, as (rule id, Azure resource ID).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from scanner.audit.azure import adapters
from scanner.audit.azure.collectors import AzureOptions, audit, explain
from scanner.audit.engine import AuditResult, Snapshot
from scanner.engine.findings import Status
from scanner.model import AccessGrant, Direction, Firewall, TlsEndpoint, TlsVersion, Unknown
from scanner.scan import Scanner
from scanner.sources.interface import LoadResult
from tests.audit.fake_clouds import AzureSubscription, FakeAzure, running

SUB_A = "00000000-0000-0000-0000-00000000000a"
SUB_B = "00000000-0000-0000-0000-00000000000b"
SUB_C = "00000000-0000-0000-0000-00000000000c"
RG_A = f"/subscriptions/{SUB_A}/resourceGroups/rg-app"
RG_B = f"/subscriptions/{SUB_B}/resourceGroups/rg-data"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
BREAK_GLASS = "11111111-2222-3333-4444-555555555555"
STORAGE_OPERATOR = "22222222-3333-4444-5555-666666666666"
NEARLY_OWNER = "33333333-4444-5555-6666-777777777777"
UNLISTED_CUSTOM = "44444444-5555-6666-7777-888888888888"


# -- API-shaped resources ---------------------------------------------------------------------------


def security_rule(nsg_id: str, name: str, priority: int, direction: str, access: str, protocol: str,
                  remote: str | list[str], ports: str | list[str], *, default: bool = False) -> dict[str, Any]:
    """A security rule as ARM returns it; `remote` is the source (inbound) or destination (outbound)."""
    collection = "defaultSecurityRules" if default else "securityRules"
    remote_side, local_side = ("source", "destination") if direction == "Inbound" else ("destination", "source")
    props: dict[str, Any] = {"protocol": protocol, "sourcePortRange": "*", f"{local_side}AddressPrefix": "*",
                             "access": access, "priority": priority, "direction": direction,
                             "provisioningState": "Succeeded"}
    props.update({f"{remote_side}AddressPrefixes": remote} if isinstance(remote, list)
                 else {f"{remote_side}AddressPrefix": remote})
    props.update({"destinationPortRanges": ports} if isinstance(ports, list) else {"destinationPortRange": ports})
    return {"id": f"{nsg_id}/{collection}/{name}", "name": name, "etag": 'W/"1"',
            "type": f"Microsoft.Network/networkSecurityGroups/{collection}", "properties": props}


def default_rules(nsg_id: str) -> list[dict[str, Any]]:
    """The six rules every NSG has, as the API lists them under `defaultSecurityRules`."""
    return [
        security_rule(nsg_id, "AllowVnetInBound", 65000, "Inbound", "Allow", "*", "VirtualNetwork", "*", default=True),
        security_rule(nsg_id, "AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "*", "AzureLoadBalancer",
                      "*", default=True),
        security_rule(nsg_id, "DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "*", default=True),
        security_rule(nsg_id, "AllowVnetOutBound", 65000, "Outbound", "Allow", "*", "VirtualNetwork", "*",
                      default=True),
        security_rule(nsg_id, "AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet", "*",
                      default=True),
        security_rule(nsg_id, "DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "*", default=True),
    ]


def nsg_id(group: str, name: str) -> str:
    return f"{group}/providers/Microsoft.Network/networkSecurityGroups/{name}"


def nsg(group: str, name: str, rules: list[tuple[Any, ...]]) -> dict[str, Any]:
    resource_id = nsg_id(group, name)
    return {"id": resource_id, "name": name, "type": "Microsoft.Network/networkSecurityGroups",
            "location": "westeurope", "etag": 'W/"1"',
            "properties": {"securityRules": [security_rule(resource_id, *r) for r in rules],
                           "defaultSecurityRules": default_rules(resource_id),
                           "provisioningState": "Succeeded"}}


def gateway_id(name: str) -> str:
    return f"{RG_A}/providers/Microsoft.Network/applicationGateways/{name}"


def app_gateway(name: str, *, ssl_policy: dict[str, Any] | None, listeners: list[dict[str, Any]],
                profiles: dict[str, dict[str, Any]] | None = None,
                routes: Sequence[tuple[str, str | None]] = ()) -> dict[str, Any]:
    """`listeners`: {name, protocol, profile?}; `routes`: (listener, redirect target listener or None)."""
    gid = gateway_id(name)
    props: dict[str, Any] = {
        "sku": {"name": "WAF_v2", "tier": "WAF_v2", "capacity": 2},
        "operationalState": "Running",
        "httpListeners": [
            {"id": f"{gid}/httpListeners/{ln['name']}", "name": ln["name"],
             "properties": {"protocol": ln["protocol"],
                            **({"sslProfile": {"id": f"{gid}/sslProfiles/{ln['profile']}"}} if "profile" in ln else {}),
                            **({"sslCertificate": {"id": f"{gid}/sslCertificates/cert"}}
                               if ln["protocol"] == "Https" else {})}}
            for ln in listeners
        ],
        "sslProfiles": [{"id": f"{gid}/sslProfiles/{p}", "name": p, "properties": {"sslPolicy": policy}}
                        for p, policy in (profiles or {}).items()],
        "redirectConfigurations": [
            {"id": f"{gid}/redirectConfigurations/to-{target}", "name": f"to-{target}",
             "properties": {"redirectType": "Permanent", "targetListener": {"id": f"{gid}/httpListeners/{target}"}}}
            for _, target in routes if target
        ],
        "requestRoutingRules": [
            {"id": f"{gid}/requestRoutingRules/rule-{listener}", "name": f"rule-{listener}",
             "properties": {"ruleType": "Basic", "priority": 100 + i,
                            "httpListener": {"id": f"{gid}/httpListeners/{listener}"},
                            **({"redirectConfiguration": {"id": f"{gid}/redirectConfigurations/to-{target}"}}
                               if target else {"backendAddressPool": {"id": f"{gid}/backendAddressPools/pool"}})}}
            for i, (listener, target) in enumerate(routes)
        ],
    }
    if ssl_policy is not None:
        props["sslPolicy"] = ssl_policy
    return {"id": gid, "name": name, "type": "Microsoft.Network/applicationGateways", "location": "westeurope",
            "properties": props}


def storage_id(group: str, name: str) -> str:
    return f"{group}/providers/Microsoft.Storage/storageAccounts/{name}"


def storage_account(group: str, name: str, *, tls: str | None, https_only: bool = True,
                    key_source: str = "Microsoft.Storage", blob_public: bool | None = False,
                    default_action: str = "Allow", ip_rules: Sequence[str] = (),
                    public_network: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "supportsHttpsTrafficOnly": https_only,
        "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "defaultAction": default_action,
                        "ipRules": [{"value": ip, "action": "Allow"} for ip in ip_rules]},
        "encryption": {"keySource": key_source, "services": {"blob": {"enabled": True, "keyType": "Account"}},
                       **({"keyvaultproperties": {"keyname": "cmk", "keyvaulturi": "https://kv.vault.azure.net"}}
                          if key_source == "Microsoft.Keyvault" else {})},
        "provisioningState": "Succeeded",
        "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/"},
    }
    if tls is not None:
        props["minimumTlsVersion"] = tls
    if blob_public is not None:  # accounts older than the setting do not return it
        props["allowBlobPublicAccess"] = blob_public
    if public_network is not None:
        props["publicNetworkAccess"] = public_network
    return {"id": storage_id(group, name), "name": name, "type": "Microsoft.Storage/storageAccounts",
            "location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS", "tier": "Standard"},
            "properties": props}


def role_definition(subscription: str, guid: str, name: str, kind: str, actions: list[str],
                    not_actions: Sequence[str] = ()) -> dict[str, Any]:
    return {"id": f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
            "name": guid, "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {"roleName": name, "type": kind, "description": name,
                           "assignableScopes": ["/"] if kind == "BuiltInRole" else [f"/subscriptions/{subscription}"],
                           "permissions": [{"actions": actions, "notActions": list(not_actions),
                                            "dataActions": [], "notDataActions": []}]}}


def assignment_id(scope: str, guid: str) -> str:
    return f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{guid}"


def role_assignment(subscription: str, scope: str, guid: str, role_guid: str, principal: str) -> dict[str, Any]:
    return {"id": assignment_id(scope, guid), "name": guid, "type": "Microsoft.Authorization/roleAssignments",
            "properties": {"scope": scope, "principalId": principal, "principalType": "User",
                           "roleDefinitionId": f"/subscriptions/{subscription}/providers/Microsoft.Authorization/"
                                               f"roleDefinitions/{role_guid}"}}


def arm(group: str, provider_path: str, name: str, properties: dict[str, Any], *, kind: str | None = None,
        location: str = "westeurope", **extra: Any) -> dict[str, Any]:
    """A tracked resource as ARM lists it."""
    return {"id": f"{group}/providers/{provider_path}/{name}", "name": name, "type": provider_path,
            "location": location, **({"kind": kind} if kind else {}), "tags": {}, **extra, "properties": properties}


def site(name: str, *, https_only: bool, kind: str = "app") -> dict[str, Any]:
    """A site as `WebApps_List` returns it: `siteConfig` is null there."""
    return arm(RG_A, "Microsoft.Web/sites", name, {
        "state": "Running", "hostNames": [f"{name}.azurewebsites.net"], "enabled": True,
        "serverFarmId": f"{RG_A}/providers/Microsoft.Web/serverfarms/plan", "siteConfig": None,
        "httpsOnly": https_only, "clientCertEnabled": False, "publicNetworkAccess": None}, kind=kind)


def cdn_endpoint(profile_id: str, name: str, *, http: bool, redirect: bool = False) -> dict[str, Any]:
    """A classic CDN endpoint; `redirect`: a delivery rule sending HTTP requests to HTTPS."""
    props: dict[str, Any] = {"hostName": f"{name}.azureedge.net", "isHttpAllowed": http, "isHttpsAllowed": True,
                             "originHostHeader": "www.example.com", "provisioningState": "Succeeded",
                             "origins": [{"name": "origin", "properties": {"hostName": "www.example.com"}}]}
    if redirect:
        props["deliveryPolicy"] = {"description": "https only", "rules": [{
            "name": "HttpToHttps", "order": 1,
            "conditions": [{"name": "RequestScheme", "parameters": {
                "typeName": "DeliveryRuleRequestSchemeConditionParameters", "operator": "Equal",
                "matchValues": ["HTTP"]}}],
            "actions": [{"name": "UrlRedirect", "parameters": {
                "typeName": "DeliveryRuleUrlRedirectActionParameters", "redirectType": "Found",
                "destinationProtocol": "Https"}}]}]}
    return {"id": f"{profile_id}/endpoints/{name}", "name": name, "type": "Microsoft.Cdn/profiles/endpoints",
            "location": "Global", "properties": props}


def afd_route(profile_id: str, name: str, protocols: list[str], redirect: str, forwarding: str) -> dict[str, Any]:
    return {"id": f"{profile_id}/afdEndpoints/web/routes/{name}", "name": name,
            "type": "Microsoft.Cdn/profiles/afdendpoints/routes",
            "properties": {"supportedProtocols": protocols, "httpsRedirect": redirect,
                           "forwardingProtocol": forwarding, "patternsToMatch": ["/*"],
                           "linkToDefaultDomain": "Enabled", "enabledState": "Enabled",
                           "originGroup": {"id": f"{profile_id}/originGroups/web"}}}


def custom_domain(profile_id: str, name: str, min_tls: str) -> dict[str, Any]:
    return {"id": f"{profile_id}/customDomains/{name}", "name": name, "type": "Microsoft.Cdn/profiles/customdomains",
            "properties": {"hostName": f"{name}.example.com", "domainValidationState": "Approved",
                           "tlsSettings": {"certificateType": "ManagedCertificate", "minimumTlsVersion": min_tls}}}


def front_door(name: str) -> dict[str, Any]:
    """A classic Front Door: a forwarding rule that serves HTTP, and a rule that redirects it."""
    door = f"{RG_A}/providers/Microsoft.Network/frontDoors/{name}"
    forwarding = "#Microsoft.Azure.FrontDoor.Models.FrontdoorForwardingConfiguration"
    redirecting = "#Microsoft.Azure.FrontDoor.Models.FrontdoorRedirectConfiguration"
    return arm(RG_A, "Microsoft.Network/frontDoors", name, {
        "enabledState": "Enabled", "frontendEndpoints": [{"id": f"{door}/frontendEndpoints/default",
                                                          "name": "default"}],
        "routingRules": [
            {"id": f"{door}/routingRules/forward", "name": "forward", "properties": {
                "acceptedProtocols": ["Http", "Https"], "patternsToMatch": ["/*"], "enabledState": "Enabled",
                "routeConfiguration": {"@odata.type": forwarding, "forwardingProtocol": "MatchRequest",
                                       "backendPool": {"id": f"{door}/backendPools/web"}}}},
            {"id": f"{door}/routingRules/to-https", "name": "to-https", "properties": {
                "acceptedProtocols": ["Http"], "patternsToMatch": ["/*"], "enabledState": "Enabled",
                "routeConfiguration": {"@odata.type": redirecting, "redirectProtocol": "HttpsOnly",
                                       "redirectType": "Moved"}}}]}, location="Global")


def slot_item(site_id: str, name: str, *, https_only: bool) -> dict[str, Any]:
    """A deployment slot as `WebApps_ListSlots` returns it."""
    site_name = site_id.rsplit("/", 1)[-1]
    return {"id": f"{site_id}/slots/{name}", "name": f"{site_name}/{name}", "type": "Microsoft.Web/sites/slots",
            "kind": "app", "location": "westeurope",
            "properties": {"state": "Running", "hostNames": [f"{site_name}-{name}.azurewebsites.net"],
                           "httpsOnly": https_only, "siteConfig": None, "enabled": True}}


def site_config(site_id: str, *, min_tls: str | None, ftps: str) -> dict[str, Any]:
    """`WebApps_GetConfiguration`: GET {site}/config/web."""
    props: dict[str, Any] = {"numberOfWorkers": 1, "netFrameworkVersion": "v4.0", "http20Enabled": False,
                             "scmMinTlsVersion": "1.2", "ftpsState": ftps, "alwaysOn": False,
                             "ipSecurityRestrictions": [{"ipAddress": "Any", "action": "Allow", "priority": 2147483647,
                                                         "name": "Allow all"}]}
    if min_tls is not None:
        props["minTlsVersion"] = min_tls
    return {"id": f"{site_id}/config/web", "name": "web", "type": "Microsoft.Web/sites/config", "properties": props}


def firewall_rule(server_id: str, name: str, start: str, end: str, *, redis: bool = False) -> dict[str, Any]:
    kind = server_id.split("/providers/", 1)[1].rsplit("/", 1)[0]
    props = {"startIP": start, "endIP": end} if redis else {"startIpAddress": start, "endIpAddress": end}
    return {"id": f"{server_id}/firewallRules/{name}", "name": name, "type": f"{kind}/firewallRules",
            "properties": props}


def sql_server(name: str, *, min_tls: str | None, public: str = "Enabled") -> dict[str, Any]:
    props: dict[str, Any] = {"administratorLogin": "dbadmin", "version": "12.0", "state": "Ready",
                             "fullyQualifiedDomainName": f"{name}.database.windows.net",
                             "publicNetworkAccess": public, "restrictOutboundNetworkAccess": "Disabled"}
    if min_tls is not None:
        props["minimalTlsVersion"] = min_tls
    return arm(RG_B, "Microsoft.Sql/servers", name, props, kind="v12.0")


def sql_database(server_id: str, name: str) -> dict[str, Any]:
    return {"id": f"{server_id}/databases/{name}", "name": name, "type": "Microsoft.Sql/servers/databases",
            "location": "westeurope", "kind": "v12.0,user", "sku": {"name": "S0", "tier": "Standard"},
            "properties": {"collation": "SQL_Latin1_General_CP1_CI_AS", "status": "Online",
                           "databaseId": "6c764297-577b-470f-9af4-96d3d41e2ba3"}}


def tde(database_id: str, state: str) -> dict[str, Any]:
    return {"id": f"{database_id}/transparentDataEncryption/Current", "name": "Current",
            "type": "Microsoft.Sql/servers/databases/transparentDataEncryption", "properties": {"state": state}}


def protector(server_id: str, key_type: str) -> dict[str, Any]:
    props: dict[str, Any] = {"serverKeyName": "ServiceManaged" if key_type == "ServiceManaged" else "kv_key_v1",
                             "serverKeyType": key_type, "autoRotationEnabled": False}
    return {"id": f"{server_id}/encryptionProtector/current", "name": "current", "kind": "servicemanaged",
            "type": "Microsoft.Sql/servers/encryptionProtector", "location": "westeurope", "properties": props}


def flexible_server(namespace: str, name: str, *, public: str = "Enabled", cmk: bool = False) -> dict[str, Any]:
    return arm(RG_B, f"{namespace}/flexibleServers", name, {
        "administratorLogin": "cloudsa", "version": "16" if "PostgreSQL" in namespace else "8.0.21",
        "state": "Ready", "fullyQualifiedDomainName": f"{name}.{'postgres' if 'PostgreSQL' in namespace else 'mysql'}"
                                                      f".database.azure.com",
        "storage": {"storageSizeGB": 128}, "network": {"publicNetworkAccess": public},
        "dataEncryption": {"type": "AzureKeyVault" if cmk else "SystemManaged"}},
        sku={"name": "Standard_D4ds_v5", "tier": "GeneralPurpose"})


def configuration(server_id: str, name: str, value: str) -> dict[str, Any]:
    return {"id": f"{server_id}/configurations/{name}", "name": name,
            "type": f"{server_id.split('/providers/', 1)[1].rsplit('/', 1)[0]}/configurations",
            "properties": {"value": value, "source": "user-override", "dataType": "Enumeration",
                           "isReadOnly": False, "defaultValue": "on"}}


def redis(name: str, *, min_tls: str | None, non_ssl: bool, public: str = "Enabled") -> dict[str, Any]:
    props: dict[str, Any] = {"provisioningState": "Succeeded", "redisVersion": "6.0",
                             "sku": {"name": "Premium", "family": "P", "capacity": 1},
                             "enableNonSslPort": non_ssl, "port": 6379, "sslPort": 6380,
                             "hostName": f"{name}.redis.cache.windows.net", "publicNetworkAccess": public,
                             "redisConfiguration": {"maxclients": "7500"}}
    if min_tls is not None:
        props["minimumTlsVersion"] = min_tls
    return arm(RG_B, "Microsoft.Cache/Redis", name, props)


def disk(name: str, encryption: dict[str, Any] | None) -> dict[str, Any]:
    props: dict[str, Any] = {"osType": "Linux", "diskSizeGB": 64, "diskState": "Attached",
                             "creationData": {"createOption": "Empty"}, "provisioningState": "Succeeded"}
    if encryption is not None:
        props["encryption"] = encryption
    return arm(RG_A, "Microsoft.Compute/disks", name, props, sku={"name": "Premium_LRS", "tier": "Premium"})


def aks(name: str, access: dict[str, Any] | None, pools: Sequence[tuple[str, bool | None]], *,
        disk_set: bool = False) -> dict[str, Any]:
    """A managed cluster as `ManagedClusters_List` returns it; `pools`: (name, enableEncryptionAtHost)."""
    props: dict[str, Any] = {
        "provisioningState": "Succeeded", "kubernetesVersion": "1.29.4", "dnsPrefix": name,
        "fqdn": f"{name}-dns-1a2b3c.hcp.westeurope.azmk8s.io", "enableRBAC": True,
        "agentPoolProfiles": [{"name": pool, "count": 3, "vmSize": "Standard_DS2_v2", "osType": "Linux",
                               "mode": "System" if pool == "system" else "User",
                               **({"enableEncryptionAtHost": host} if host is not None else {})}
                              for pool, host in pools]}
    if access is not None:
        props["apiServerAccessProfile"] = access
    if disk_set:
        props["diskEncryptionSetID"] = f"{RG_A}/providers/Microsoft.Compute/diskEncryptionSets/des"
    return arm(RG_A, "Microsoft.ContainerService/managedClusters", name, props,
               sku={"name": "Base", "tier": "Free"})


def container(account_id: str, name: str, public_access: str) -> dict[str, Any]:
    """`BlobContainers_List`: a ListContainerItem."""
    return {"id": f"{account_id}/blobServices/default/containers/{name}", "name": name,
            "type": "Microsoft.Storage/storageAccounts/blobServices/containers", "etag": '"0x8D589847D51C7DE"',
            "properties": {"publicAccess": public_access, "leaseStatus": "Unlocked", "leaseState": "Available",
                           "lastModifiedTime": "2024-03-04T12:00:00Z", "hasImmutabilityPolicy": False,
                           "hasLegalHold": False}}


def key_vault(name: str, acls: dict[str, Any] | None, *, public: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"tenantId": "tenant-1", "sku": {"family": "A", "name": "standard"},
                             "vaultUri": f"https://{name}.vault.azure.net", "enableRbacAuthorization": True,
                             "provisioningState": "Succeeded"}
    if acls is not None:
        props["networkAcls"] = acls
    if public is not None:
        props["publicNetworkAccess"] = public
    return arm(RG_A, "Microsoft.KeyVault/vaults", name, props)


WEB_LEGACY = f"{RG_A}/providers/Microsoft.Web/sites/app-legacy"
WEB_SECURE = f"{RG_A}/providers/Microsoft.Web/sites/app-secure"
FUNC_FTP = f"{RG_A}/providers/Microsoft.Web/sites/func-ftp"
WEB_NO_CONFIG = f"{RG_A}/providers/Microsoft.Web/sites/app-no-config"
SQL_OLD = f"{RG_B}/providers/Microsoft.Sql/servers/sql-old"
SQL_PRIVATE = f"{RG_B}/providers/Microsoft.Sql/servers/sql-private"
SQL_UNSET = f"{RG_B}/providers/Microsoft.Sql/servers/sql-unset"
PG_OPEN = f"{RG_B}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-open"
PG_STRICT = f"{RG_B}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-strict"
MYSQL_OLD = f"{RG_B}/providers/Microsoft.DBforMySQL/flexibleServers/mysql-old"
REDIS_OLD = f"{RG_B}/providers/Microsoft.Cache/Redis/redis-old"
REDIS_MODERN = f"{RG_B}/providers/Microsoft.Cache/Redis/redis-modern"


def services_a() -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """App Service, managed disks and messaging in subscription A: (lists, reads below resources)."""
    resources = {
        "Microsoft.Web/sites": [site("app-legacy", https_only=False), site("app-secure", https_only=True),
                                site("func-ftp", https_only=True, kind="functionapp,linux"),
                                site("app-no-config", https_only=True)],
        "Microsoft.Compute/disks": [
            disk("disk-platform", {"type": "EncryptionAtRestWithPlatformKey"}),
            disk("disk-cmk", {"type": "EncryptionAtRestWithCustomerKey",
                              "diskEncryptionSetId": f"{RG_A}/providers/Microsoft.Compute/diskEncryptionSets/des"}),
            disk("disk-old", None)],
        "Microsoft.DocumentDB/databaseAccounts": [
            # The virtual network filter and no IP rules: only the listed subnets get in.
            arm(RG_A, "Microsoft.DocumentDB/databaseAccounts", "cosmos-old", {
                "provisioningState": "Succeeded", "documentEndpoint": "https://cosmos-old.documents.azure.com:443/",
                "databaseAccountOfferType": "Standard", "minimalTlsVersion": "Tls", "ipRules": [],
                "isVirtualNetworkFilterEnabled": True, "virtualNetworkRules": [
                    {"id": f"{RG_A}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/app",
                     "ignoreMissingVNetServiceEndpoint": False}],
                "keyVaultKeyUri": "https://kv-open.vault.azure.net/keys/cosmos"}, kind="GlobalDocumentDB"),
            # 0.0.0.0 in the IP filter: every Azure datacenter, any tenant's.
            arm(RG_A, "Microsoft.DocumentDB/databaseAccounts", "cosmos-modern", {
                "provisioningState": "Succeeded", "databaseAccountOfferType": "Standard", "minimalTlsVersion": "Tls12",
                "publicNetworkAccess": "Enabled", "isVirtualNetworkFilterEnabled": False,
                "ipRules": [{"ipAddressOrRange": "203.0.113.0/24"}, {"ipAddressOrRange": "0.0.0.0"}]},
                kind="MongoDB")],
        "Microsoft.Compute/virtualMachines": [
            arm(RG_A, "Microsoft.Compute/virtualMachines", "vm-plain", {
                "vmId": "0f47b100-583c-48e3-a4c0-aefc2c9bbcc1", "hardwareProfile": {"vmSize": "Standard_D2s_v3"},
                "storageProfile": {"osDisk": {"osType": "Linux", "name": "vm-plain-os", "createOption": "FromImage",
                                              "managedDisk": {"storageAccountType": "Premium_LRS"}}}}),
            arm(RG_A, "Microsoft.Compute/virtualMachines", "vm-host", {
                "securityProfile": {"encryptionAtHost": True},
                "storageProfile": {"osDisk": {"osType": "Linux", "createOption": "FromImage", "managedDisk": {
                    "storageAccountType": "Premium_LRS",
                    "diskEncryptionSet": {"id": f"{RG_A}/providers/Microsoft.Compute/diskEncryptionSets/des"}}}}})],
        "Microsoft.Compute/virtualMachineScaleSets": [
            arm(RG_A, "Microsoft.Compute/virtualMachineScaleSets", "vmss-off", {
                "orchestrationMode": "Uniform", "virtualMachineProfile": {
                    "securityProfile": {"encryptionAtHost": False},
                    "storageProfile": {"osDisk": {"createOption": "FromImage", "caching": "ReadWrite",
                                                  "managedDisk": {"storageAccountType": "Standard_LRS"}}}}},
                sku={"name": "Standard_D1_v2", "tier": "Standard", "capacity": 3})],
        "Microsoft.ContainerService/managedClusters": [
            aks("aks-open", None, [("system", True)]),
            aks("aks-authorized", {"authorizedIPRanges": ["203.0.113.0/24"]}, [("system", True), ("user", True)],
                disk_set=True),
            aks("aks-private", {"enablePrivateCluster": True}, [("system", None)])],
        "Microsoft.EventHub/namespaces": [
            arm(RG_A, "Microsoft.EventHub/Namespaces", "evh-old", {"minimumTlsVersion": "1.1", "status": "Active",
                                                                   "publicNetworkAccess": "Enabled"},
                sku={"name": "Standard", "tier": "Standard", "capacity": 1})],
        "Microsoft.Cdn/profiles": [
            arm(RG_A, "Microsoft.Cdn/profiles", "cdn-classic", {"provisioningState": "Succeeded",
                                                                "resourceState": "Active"},
                location="Global", sku={"name": "Standard_Microsoft"}, kind="cdn"),
            arm(RG_A, "Microsoft.Cdn/profiles", "afd", {"provisioningState": "Succeeded", "resourceState": "Active",
                                                        "originResponseTimeoutSeconds": 60},
                location="Global", sku={"name": "Premium_AzureFrontDoor"}, kind="frontdoor")],
        "Microsoft.Network/frontDoors": [front_door("fd-classic")],
        "Microsoft.KeyVault/vaults": [
            key_vault("kv-open", None), key_vault("kv-locked", {"defaultAction": "Deny", "bypass": "AzureServices",
                                                               "ipRules": [{"value": "203.0.113.7/32"}],
                                                               "virtualNetworkRules": []}),
            key_vault("kv-private", {"defaultAction": "Allow", "bypass": "None"}, public="Disabled")],
        "Microsoft.ServiceBus/namespaces": [
            arm(RG_A, "Microsoft.ServiceBus/Namespaces", "sb-modern", {"minimumTlsVersion": "1.2",
                                                                       "status": "Active"},
                sku={"name": "Premium", "tier": "Premium"})],
    }
    cdn, afd = f"{RG_A}/providers/Microsoft.Cdn/profiles/cdn-classic", f"{RG_A}/providers/Microsoft.Cdn/profiles/afd"
    children: dict[str, Any] = {
        f"{cdn}/endpoints": [cdn_endpoint(cdn, "ep-http", http=True), cdn_endpoint(cdn, "ep-redirect", http=True,
                                                                                   redirect=True),
                             cdn_endpoint(cdn, "ep-https", http=False)],
        f"{afd}/afdEndpoints": [{"id": f"{afd}/afdEndpoints/web", "name": "web",
                                 "type": "Microsoft.Cdn/profiles/afdendpoints", "location": "Global",
                                 "properties": {"hostName": "web-abc.z01.azurefd.net", "enabledState": "Enabled"}}],
        f"{afd}/afdEndpoints/web/routes": [
            afd_route(afd, "route-redirect", ["Http", "Https"], "Enabled", "HttpsOnly"),
            afd_route(afd, "route-plain", ["Http", "Https"], "Disabled", "HttpsOnly"),
            afd_route(afd, "route-origin-http", ["Https"], "Enabled", "HttpOnly")],
        f"{afd}/customDomains": [custom_domain(afd, "www", "TLS10"), custom_domain(afd, "api", "TLS12")],
        f"{storage_id(RG_A, 'stlegacy')}/blobServices/default/containers": [
            container(storage_id(RG_A, "stlegacy"), "images", "Blob"),
            container(storage_id(RG_A, "stlegacy"), "private", "None"),
            container(storage_id(RG_A, "stlegacy"), "listing", "Container")],
        f"{storage_id(RG_A, 'stcmk')}/blobServices/default/containers": [
            container(storage_id(RG_A, "stcmk"), "leftover", "Container")],
        # Deployment slots: a staging slot of the secure app that serves plain HTTP with TLS 1.0.
        f"{WEB_SECURE}/slots": [slot_item(WEB_SECURE, "staging", https_only=False)],
        f"{WEB_SECURE}/slots/staging/config/web": site_config(f"{WEB_SECURE}/slots/staging", min_tls="1.0",
                                                              ftps="Disabled"),
        f"{WEB_LEGACY}/slots": [], f"{FUNC_FTP}/slots": [], f"{WEB_NO_CONFIG}/slots": [],
        f"{WEB_LEGACY}/config/web": site_config(WEB_LEGACY, min_tls="1.0", ftps="FtpsOnly"),
        f"{WEB_SECURE}/config/web": site_config(WEB_SECURE, min_tls="1.2", ftps="Disabled"),
        f"{FUNC_FTP}/config/web": site_config(FUNC_FTP, min_tls="1.3", ftps="AllAllowed"),
        f"{WEB_NO_CONFIG}/config/web": site_config(WEB_NO_CONFIG, min_tls=None, ftps="FtpsOnly"),
    }
    return resources, children


def databases_b() -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """SQL, PostgreSQL, MySQL and Redis in subscription B."""
    resources = {
        "Microsoft.Sql/servers": [sql_server("sql-old", min_tls="1.0"),
                                  sql_server("sql-private", min_tls="1.2", public="Disabled"),
                                  sql_server("sql-unset", min_tls="None")],
        "Microsoft.DBforPostgreSQL/flexibleServers": [
            flexible_server("Microsoft.DBforPostgreSQL", "pg-open"),
            flexible_server("Microsoft.DBforPostgreSQL", "pg-strict", public="Disabled", cmk=True)],
        "Microsoft.DBforMySQL/flexibleServers": [flexible_server("Microsoft.DBforMySQL", "mysql-old")],
        "Microsoft.Cache/redis": [redis("redis-old", min_tls="1.0", non_ssl=True),
                                  redis("redis-modern", min_tls="1.2", non_ssl=False),
                                  redis("redis-unset", min_tls=None, non_ssl=False, public="Disabled")],
    }
    children: dict[str, Any] = {
        f"{storage_id(RG_B, 'stunset')}/blobServices/default/containers": [],
        f"{SQL_OLD}/firewallRules": [
            firewall_rule(SQL_OLD, "AllowAllWindowsAzureIps", "0.0.0.0", "0.0.0.0"),
            firewall_rule(SQL_OLD, "office", "203.0.113.0", "203.0.113.255"),
            firewall_rule(SQL_OLD, "everyone", "0.0.0.0", "255.255.255.255")],
        f"{SQL_OLD}/databases": [sql_database(SQL_OLD, "master"), sql_database(SQL_OLD, "orders"),
                                 sql_database(SQL_OLD, "plain")],
        f"{SQL_OLD}/encryptionProtector/current": protector(SQL_OLD, "ServiceManaged"),
        f"{SQL_OLD}/databases/orders/transparentDataEncryption/current": tde(f"{SQL_OLD}/databases/orders",
                                                                             "Enabled"),
        f"{SQL_OLD}/databases/plain/transparentDataEncryption/current": tde(f"{SQL_OLD}/databases/plain",
                                                                            "Disabled"),
        # Public network access is off: the rule admits no one.
        f"{SQL_PRIVATE}/firewallRules": [firewall_rule(SQL_PRIVATE, "everyone", "0.0.0.0", "255.255.255.255")],
        f"{SQL_PRIVATE}/databases": [],
        f"{SQL_PRIVATE}/encryptionProtector/current": protector(SQL_PRIVATE, "AzureKeyVault"),
        f"{SQL_UNSET}/firewallRules": [],
        f"{SQL_UNSET}/databases": [],
        f"{SQL_UNSET}/encryptionProtector/current": protector(SQL_UNSET, "ServiceManaged"),
        f"{PG_OPEN}/configurations/require_secure_transport": configuration(PG_OPEN, "require_secure_transport",
                                                                            "off"),
        f"{PG_OPEN}/configurations/ssl_min_protocol_version": configuration(PG_OPEN, "ssl_min_protocol_version",
                                                                            "TLSv1.2"),
        f"{PG_OPEN}/firewallRules": [firewall_rule(PG_OPEN, "vnet", "10.0.0.0", "10.0.255.255"),
                                     firewall_rule(PG_OPEN, "v6-world", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:"
                                                                              "ffff")],
        f"{PG_STRICT}/configurations/require_secure_transport": configuration(PG_STRICT, "require_secure_transport",
                                                                              "on"),
        f"{PG_STRICT}/configurations/ssl_min_protocol_version": configuration(PG_STRICT, "ssl_min_protocol_version",
                                                                              "TLSv1.3"),
        f"{PG_STRICT}/firewallRules": [firewall_rule(PG_STRICT, "everyone", "0.0.0.0", "255.255.255.255")],
        f"{MYSQL_OLD}/configurations/require_secure_transport": configuration(MYSQL_OLD, "require_secure_transport",
                                                                              "ON"),
        f"{MYSQL_OLD}/configurations/tls_version": configuration(MYSQL_OLD, "tls_version", "TLSv1.1,TLSv1.2"),
        f"{MYSQL_OLD}/firewallRules": [firewall_rule(MYSQL_OLD, "AllowAllAzureServicesAndResourcesWithinAzureIps",
                                                     "0.0.0.0", "0.0.0.0")],
        f"{REDIS_OLD}/firewallRules": [firewall_rule(REDIS_OLD, "world", "1.0.0.0", "223.255.255.255", redis=True)],
        f"{REDIS_MODERN}/firewallRules": [firewall_rule(REDIS_MODERN, "office", "203.0.113.10", "203.0.113.20",
                                                        redis=True)],
        f"{RG_B}/providers/Microsoft.Cache/Redis/redis-unset/firewallRules": [],
    }
    return resources, children


APIM_LEGACY = f"{RG_A}/providers/Microsoft.ApiManagement/service/apim-legacy"
APIM_MODERN = f"{RG_A}/providers/Microsoft.ApiManagement/service/apim-modern"
SYNAPSE = f"{RG_A}/providers/Microsoft.Synapse/workspaces/syn-ws"
_APIM_SECURITY = "Microsoft.WindowsAzure.ApiManagement.Gateway.Security"


def api_management(name: str, created: str, custom: dict[str, str]) -> dict[str, Any]:
    """A service as `ApiManagementService_List` returns it."""
    return arm(RG_A, "Microsoft.ApiManagement/service", name, {
        "publisherEmail": "api@example.com", "publisherName": "Tenet", "provisioningState": "Succeeded",
        "gatewayUrl": f"https://{name}.azure-api.net", "createdAtUtc": created, "customProperties": custom,
        "publicNetworkAccess": "Enabled", "virtualNetworkType": "None"},
        sku={"name": "Developer", "capacity": 1}, etag="AAAAAAAWN/4=")


def apim_child(service_id: str, collection: str, name: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{service_id}/{collection}/{name}", "type": f"Microsoft.ApiManagement/service/{collection}",
            "name": name, "properties": properties}


def synapse_child(collection: str, name: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": f"{SYNAPSE}/{collection}/{name}", "name": name, "type": f"Microsoft.Synapse/workspaces/{collection}",
            **extra, "properties": properties}


def platform_a() -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """API Management, Synapse, SQL managed instances, Batch, Kusto, Cognitive Services, Container
    Registry, AI Search and Container Instances: a planted violation and a clean counterpart of each."""
    old = {f"{_APIM_SECURITY}.{side}Protocols.{p}": "False" for side in ("", "Backend.") for p in ("Ssl30", "Tls11")}
    resources = {
        "Microsoft.ApiManagement/service": [
            # TLS 1.0 turned on for clients; the backend switches are not returned, and a service created
            # before April 2018 has them on.
            api_management("apim-legacy", "2017-06-01T10:00:00.0000000Z", {
                f"{_APIM_SECURITY}.Protocols.Tls10": "True", f"{_APIM_SECURITY}.Protocols.Ssl30": "False",
                f"{_APIM_SECURITY}.Protocols.Tls11": "False"}),
            api_management("apim-modern", "2023-03-01T08:30:00.0000000Z", {
                **old, f"{_APIM_SECURITY}.Protocols.Tls10": "False",
                f"{_APIM_SECURITY}.Backend.Protocols.Tls10": "False",
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2": "False"})],
        "Microsoft.Synapse/workspaces": [arm(RG_A, "Microsoft.Synapse/workspaces", "syn-ws", {
            "connectivityEndpoints": {"sql": "syn-ws.sql.azuresynapse.net"}, "publicNetworkAccess": "Enabled",
            "provisioningState": "Succeeded", "managedResourceGroupName": "syn-ws-managed"})],
        "Microsoft.Sql/managedInstances": [
            arm(RG_A, "Microsoft.Sql/managedInstances", name, {
                "administratorLogin": "dbadmin", "subnetId": f"{RG_A}/providers/Microsoft.Network/virtualNetworks/"
                                                                "vnet/subnets/mi", "state": "Ready",
                "licenseType": "LicenseIncluded", "vCores": 8, "storageSizeInGB": 256,
                "publicDataEndpointEnabled": False, "minimalTlsVersion": tls},
                sku={"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 8})
            for name, tls in (("sqlmi-old", "1.0"), ("sqlmi-modern", "1.2"))],
        "Microsoft.Batch/batchAccounts": [
            arm(RG_A, "Microsoft.Batch/batchAccounts", "batchplatform", {
                "accountEndpoint": "batchplatform.westeurope.batch.azure.com", "poolAllocationMode": "BatchService",
                "encryption": {"keySource": "Microsoft.Batch"}}),
            arm(RG_A, "Microsoft.Batch/batchAccounts", "batchcmk", {
                "accountEndpoint": "batchcmk.westeurope.batch.azure.com", "poolAllocationMode": "BatchService",
                "encryption": {"keySource": "Microsoft.KeyVault", "keyVaultProperties": {
                    "keyIdentifier": "https://kv-locked.vault.azure.net/keys/batch/0123456789abcdef"}}})],
        "Microsoft.Kusto/clusters": [
            arm(RG_A, "Microsoft.Kusto/clusters", name, {
                "state": "Running", "provisioningState": "Succeeded", "enableDiskEncryption": on,
                "uri": f"https://{name}.westeurope.kusto.windows.net"},
                sku={"name": "Standard_L16as_v3", "tier": "Standard", "capacity": 2})
            for name, on in (("kusto-plain", False), ("kusto-encrypted", True))],
        "Microsoft.CognitiveServices/accounts": [
            arm(RG_A, "Microsoft.CognitiveServices/accounts", "cog-open", {
                "endpoint": "https://cog-open.cognitiveservices.azure.com/", "publicNetworkAccess": "Enabled"},
                kind="CognitiveServices", sku={"name": "S0"}),
            arm(RG_A, "Microsoft.CognitiveServices/accounts", "cog-locked", {
                "endpoint": "https://cog-locked.cognitiveservices.azure.com/", "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}],
                                "virtualNetworkRules": []}}, kind="OpenAI", sku={"name": "S0"})],
        "Microsoft.ContainerRegistry/registries": [
            # Basic SKU: no network rule set, so every network; anonymous pull; Microsoft's key.
            arm(RG_A, "Microsoft.ContainerRegistry/registries", "acropen", {
                "loginServer": "acropen.azurecr.io", "adminUserEnabled": False, "publicNetworkAccess": "Enabled",
                "anonymousPullEnabled": True, "encryption": {"status": "disabled"}}, sku={"name": "Basic"}),
            arm(RG_A, "Microsoft.ContainerRegistry/registries", "acrlocked", {
                "loginServer": "acrlocked.azurecr.io", "adminUserEnabled": False, "publicNetworkAccess": "Enabled",
                "anonymousPullEnabled": False, "networkRuleSet": {"defaultAction": "Deny", "ipRules": [
                    {"action": "Allow", "value": "203.0.113.0/24"}]},
                "encryption": {"status": "enabled", "keyVaultProperties": {
                    "keyIdentifier": "https://kv-locked.vault.azure.net/keys/acr"}}}, sku={"name": "Premium"})],
        "Microsoft.Search/searchServices": [
            arm(RG_A, "Microsoft.Search/searchServices", "search-open", {
                "replicaCount": 1, "partitionCount": 1, "hostingMode": "default", "publicNetworkAccess": "enabled",
                "networkRuleSet": {"ipRules": []}, "status": "running"}, sku={"name": "standard"}),
            arm(RG_A, "Microsoft.Search/searchServices", "search-office", {
                "replicaCount": 1, "partitionCount": 1, "hostingMode": "default", "publicNetworkAccess": "enabled",
                "networkRuleSet": {"ipRules": [{"value": "203.0.113.0/24"}]}, "status": "running"},
                sku={"name": "basic"})],
        "Microsoft.ContainerInstance/containerGroups": [
            arm(RG_A, "Microsoft.ContainerInstance/containerGroups", name, {
                "osType": "Linux", "provisioningState": "Succeeded", "containers": [{"name": "app", "properties": {
                    "image": "nginx", "ports": [{"port": port}],
                    "resources": {"requests": {"cpu": 1, "memoryInGB": 1.5}}}}],
                "ipAddress": {"type": kind, "ip": ip, "ports": [{"protocol": "TCP", "port": port}]}})
            for name, kind, ip, port in (("cg-ssh", "Public", "20.50.0.4", 22), ("cg-internal", "Private", "10.0.0.4",
                                                                                22))],
    }
    children: dict[str, Any] = {
        f"{APIM_LEGACY}/apis": [
            apim_child(APIM_LEGACY, "apis", "echo", {"displayName": "Echo", "path": "echo", "apiRevision": "1",
                                                     "isCurrent": True, "protocols": ["http", "https"],
                                                     "serviceUrl": "https://echo.example.com"}),
            apim_child(APIM_LEGACY, "apis", "orders", {"displayName": "Orders", "path": "orders", "apiRevision": "1",
                                                       "isCurrent": True, "protocols": ["https"]})],
        f"{APIM_LEGACY}/backends": [
            apim_child(APIM_LEGACY, "backends", "legacy", {"url": "http://legacy.example.com/api", "protocol": "http"}),
            apim_child(APIM_LEGACY, "backends", "orders", {"url": "https://orders.example.com/api",
                                                           "protocol": "http", "description": "TLS to the backend"})],
        f"{APIM_MODERN}/apis": [], f"{APIM_MODERN}/backends": [],
        f"{SYNAPSE}/firewallRules": [
            synapse_child("firewallRules", "allowAll", {"startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255",
                                                        "provisioningState": "Succeeded"}),
            synapse_child("firewallRules", "office", {"startIpAddress": "203.0.113.0", "endIpAddress": "203.0.113.255",
                                                      "provisioningState": "Succeeded"})],
        f"{SYNAPSE}/sqlPools": [
            synapse_child("sqlPools", name, {"status": "Online", "maxSizeBytes": 263882790666240,
                                             "collation": "SQL_Latin1_General_CP1_CI_AS"},
                          location="westeurope", sku={"name": "DW100c", "tier": "Compute"})
            for name in ("dw-plain", "dw-encrypted")],
        **{f"{SYNAPSE}/sqlPools/{name}/transparentDataEncryption/current": {
            "id": f"{SYNAPSE}/sqlPools/{name}/transparentDataEncryption/current", "name": "current",
            "type": "Microsoft.Synapse/workspaces/sqlPools/transparentDataEncryption", "location": "westeurope",
            "properties": {"status": status}} for name, status in (("dw-plain", "Disabled"),
                                                                    ("dw-encrypted", "Enabled"))},
    }
    return resources, children


def subscription_a() -> AzureSubscription:
    resources, children = services_a()
    platform, platform_children = platform_a()
    resources.update(platform)
    children.update(platform_children)
    return AzureSubscription(
        SUB_A, resources=resources, children=children,
        network_security_groups=[
            # Internet and * may both reach SSH, and nothing denies it first: two NET-001.
            nsg(RG_A, "nsg-ssh-open", [("AllowSshFromInternet", 100, "Inbound", "Allow", "Tcp", "Internet", "22"),
                                       ("AllowSshFromAnywhere", 110, "Inbound", "Allow", "Tcp", "*", "22")]),
            # The same allow, shadowed by a deny at a higher priority (lower number): not reported.
            nsg(RG_A, "nsg-ssh-shadowed", [("DenyInternet", 100, "Inbound", "Deny", "*", "Internet", "*"),
                                           ("AllowSshFromInternet", 200, "Inbound", "Allow", "Tcp", "Internet", "22")]),
            # Overrides the defaults: denies all inbound and all outbound ahead of them.
            nsg(RG_A, "nsg-locked", [("AllowHttpsFromOffice", 100, "Inbound", "Allow", "Tcp",
                                      ["203.0.113.0/24"], ["443", "8443-8444"]),
                                     ("DenyAllIn", 4096, "Inbound", "Deny", "*", "*", "*"),
                                     ("DenyAllOut", 4096, "Outbound", "Deny", "*", "*", "*")]),
        ],
        application_gateways=[
            app_gateway("agw-legacy", ssl_policy={"policyType": "Predefined", "policyName": "AppGwSslPolicy20150501"},
                        listeners=[{"name": "https", "protocol": "Https"}]),
            app_gateway("agw-mixed",
                        ssl_policy={"policyType": "Predefined", "policyName": "AppGwSslPolicy20220101S"},
                        profiles={"partner": {"policyType": "Custom", "minProtocolVersion": "TLSv1_0",
                                              "cipherSuites": ["TLS_RSA_WITH_AES_128_CBC_SHA"]}},
                        listeners=[{"name": "https", "protocol": "Https"},
                                   {"name": "https-partner", "protocol": "Https", "profile": "partner"},
                                   {"name": "http-redirect", "protocol": "Http"},
                                   {"name": "http-plain", "protocol": "Http"}],
                        routes=[("https", None), ("https-partner", None), ("http-redirect", "https"),
                                ("http-plain", None)]),
            app_gateway("agw-modern", ssl_policy={"policyType": "CustomV2", "minProtocolVersion": "TLSv1_2"},
                        listeners=[{"name": "https", "protocol": "Https"}]),
            # No sslPolicy: the default depends on the gateway's API version, which the API does not say.
            app_gateway("agw-default", ssl_policy=None, listeners=[{"name": "https", "protocol": "Https"}]),
        ],
        storage_accounts=[
            storage_account(RG_A, "stlegacy", tls="TLS1_0", blob_public=True),
            # Public blob access is off: the leftover public container grants nothing (and is not listed).
            storage_account(RG_A, "stcmk", tls="TLS1_2", key_source="Microsoft.Keyvault", default_action="Deny",
                            ip_rules=["203.0.113.0/24", "198.51.100.7"]),
            storage_account(RG_A, "sthttp", tls="TLS1_2", https_only=False, public_network="Disabled"),
        ],
        role_definitions=[
            role_definition(SUB_A, OWNER, "Owner", "BuiltInRole", ["*"]),
            role_definition(SUB_A, CONTRIBUTOR, "Contributor", "BuiltInRole", ["*"],
                            ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"]),
            role_definition(SUB_A, READER, "Reader", "BuiltInRole", ["*/read"]),
            role_definition(SUB_A, BREAK_GLASS, "Tenet Break Glass", "CustomRole", ["*"]),
            role_definition(SUB_A, STORAGE_OPERATOR, "Storage Operator", "CustomRole", ["Microsoft.Storage/*"]),
            role_definition(SUB_A, NEARLY_OWNER, "Nearly Owner", "CustomRole", ["*"],
                            ["Microsoft.Authorization/*/Write"]),
        ],
        role_assignments=[
            role_assignment(SUB_A, f"/subscriptions/{SUB_A}", "a-owner", OWNER, "user-1"),
            role_assignment(SUB_A, RG_A, "a-contributor-rg", CONTRIBUTOR, "user-2"),
            role_assignment(SUB_A, f"/subscriptions/{SUB_A}", "a-break-glass", BREAK_GLASS, "user-3"),
            role_assignment(SUB_A, f"/subscriptions/{SUB_A}", "a-reader", READER, "user-4"),
            role_assignment(SUB_A, "/providers/Microsoft.Management/managementGroups/mg-root", "a-mg-contributor",
                            CONTRIBUTOR, "user-5"),
        ],
    )


def subscription_b() -> AzureSubscription:
    """The credential may not read NSGs nor role definitions here; the rest is still audited."""
    resources, children = databases_b()
    return AzureSubscription(
        SUB_B, resources=resources, children=children, unregistered={"Microsoft.Web", "Microsoft.DocumentDB"},
        network_security_groups=[nsg(RG_B, "nsg-hidden", [("AllowSsh", 100, "Inbound", "Allow", "Tcp", "*", "22")])],
        storage_accounts=[storage_account(RG_B, "stolder", tls="TLS1_1", default_action="Deny"),
                          storage_account(RG_B, "stunset", tls=None, blob_public=None, default_action="Deny",
                                          public_network="Enabled")],
        role_assignments=[
            role_assignment(SUB_B, f"/subscriptions/{SUB_B}", "b-owner", OWNER, "user-9"),
            role_assignment(SUB_B, f"/subscriptions/{SUB_B}", "b-custom", UNLISTED_CUSTOM, "user-9"),
        ],
        forbidden={"network_security_groups", "role_definitions"},
    )


# -- running the audit ------------------------------------------------------------------------------


class StaticCredential:
    """Any object with `get_token` is a TokenCredential: no Azure AD in tests."""

    def __init__(self, token: str = FakeAzure.TOKEN) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeAzure]:
    disabled = AzureSubscription(SUB_C, network_security_groups=[nsg(RG_A, "nsg-never-read", [])], state="Disabled")
    server = FakeAzure([subscription_a(), subscription_b(), disabled], page_size=2)
    with running(server):
        yield server


def options(server: FakeAzure, **kwargs: Any) -> AzureOptions:
    # retry_total=0: a refused or failed request fails at once instead of after ~5 s of retries.
    return AzureOptions(endpoint=server.url,
                        client_kwargs={"connection_verify": str(server.cert_file), "retry_total": 0, **kwargs})


@pytest.fixture(scope="module")
def result(cloud: FakeAzure) -> AuditResult:
    return audit(StaticCredential(), [SUB_A, SUB_B], options=options(cloud))


def failed(result: AuditResult) -> Counter[tuple[str, str]]:
    scan = Scanner().evaluate(result.load_result())
    return Counter((f.rule_id, f.resource) for f in scan.findings if f.status is Status.FAIL)


def unknown(result: AuditResult) -> set[tuple[str, str]]:
    scan = Scanner().evaluate(result.load_result())
    return {(f.rule_id, f.resource) for f in scan.findings if f.status is Status.UNKNOWN}


def definition_id(subscription: str, guid: str) -> str:
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


EXPECTED_FAILURES = Counter({
    # SSH from Internet and from *. The default AllowInternetOutBound is part of the effective
    # policy: every NSG without an outbound deny ahead of it lets everything out.
    ("NET-001", nsg_id(RG_A, "nsg-ssh-open")): 2,
    ("NET-004", nsg_id(RG_A, "nsg-ssh-open")): 1,
    # The SSH allow shadowed by the Internet deny is not reported; the default outbound rule is.
    ("NET-004", nsg_id(RG_A, "nsg-ssh-shadowed")): 1,
    ("TLS-002", gateway_id("agw-legacy")): 1,
    ("TLS-002", gateway_id("agw-mixed")): 1,  # the partner profile's TLSv1_0
    ("TLS-001", gateway_id("agw-mixed")): 1,  # http-plain; http-redirect only redirects
    ("TLS-002", storage_id(RG_A, "stlegacy")): 1,
    ("TLS-001", storage_id(RG_A, "sthttp")): 1,
    ("IAM-001", definition_id(SUB_A, BREAK_GLASS)): 1,
    ("IAM-002", definition_id(SUB_A, STORAGE_OPERATOR)): 1,
    ("IAM-004", definition_id(SUB_A, NEARLY_OWNER)): 1,
    ("IAM-006", assignment_id(f"/subscriptions/{SUB_A}", "a-owner")): 1,
    ("IAM-006", assignment_id("/providers/Microsoft.Management/managementGroups/mg-root", "a-mg-contributor")): 1,
    # Subscription B: NSGs and role definitions are forbidden, storage and assignments are not.
    ("TLS-002", storage_id(RG_B, "stolder")): 1,
    ("TLS-002", storage_id(RG_B, "stunset")): 1,  # no minimumTlsVersion: the API's TLS 1.0
    ("IAM-006", assignment_id(f"/subscriptions/{SUB_B}", "b-owner")): 1,  # Owner is named by its built-in GUID
    # Storage: public containers of an account that allows it; the firewall's default Allow.
    ("IAM-005", f"{storage_id(RG_A, 'stlegacy')}/blobServices/default/containers/images"): 1,
    ("IAM-005", f"{storage_id(RG_A, 'stlegacy')}/blobServices/default/containers/listing"): 1,
    ("NET-003", storage_id(RG_A, "stlegacy")): 1,
    ("NET-003", f"{RG_A}/providers/Microsoft.KeyVault/vaults/kv-open"): 1,  # no networkAcls: Allow
    ("NET-003", f"{RG_A}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-modern"): 1,  # 0.0.0.0
    # Temporary disks and caches without encryption at host; an AKS API open to every address.
    ("ENC-001", f"{RG_A}/providers/Microsoft.Compute/virtualMachines/vm-plain"): 1,
    ("ENC-001", f"{RG_A}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-off"): 1,
    ("ENC-001", f"{RG_A}/providers/Microsoft.ContainerService/managedClusters/aks-private"): 1,  # its node pool
    ("NET-001", f"{RG_A}/providers/Microsoft.ContainerService/managedClusters/aks-open"): 1,
    # App Service: plain HTTP and TLS 1.0 from the site and its config/web; FTP without TLS.
    ("TLS-001", WEB_LEGACY): 1,
    ("TLS-002", WEB_LEGACY): 1,
    ("TLS-001", FUNC_FTP): 1,
    # Front Door and CDN: HTTP served, HTTP to the origin, TLS 1.0 on a custom domain.
    ("TLS-001", f"{RG_A}/providers/Microsoft.Cdn/profiles/cdn-classic/endpoints/ep-http"): 1,
    ("TLS-001", f"{RG_A}/providers/Microsoft.Cdn/profiles/afd/afdEndpoints/web/routes/route-plain"): 1,
    ("TLS-001", f"{RG_A}/providers/Microsoft.Cdn/profiles/afd/afdEndpoints/web/routes/route-origin-http"): 1,
    ("TLS-002", f"{RG_A}/providers/Microsoft.Cdn/profiles/afd/customDomains/www"): 1,
    ("TLS-001", f"{RG_A}/providers/Microsoft.Network/frontDoors/fd-classic"): 1,
    ("TLS-001", f"{WEB_SECURE}/slots/staging"): 1,
    ("TLS-002", f"{WEB_SECURE}/slots/staging"): 1,
    ("TLS-002", f"{RG_A}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-old"): 1,  # Tls: TLS 1.0
    ("TLS-002", f"{RG_A}/providers/Microsoft.EventHub/Namespaces/evh-old"): 1,
    # SQL: TLS 1.0 and no minimum; all of Azure and the whole internet on 1433; TDE off.
    ("TLS-002", SQL_OLD): 1,
    ("TLS-002", SQL_UNSET): 1,
    ("NET-002", f"{SQL_OLD}/firewallRules/AllowAllWindowsAzureIps"): 1,
    ("NET-002", f"{SQL_OLD}/firewallRules/everyone"): 1,
    ("ENC-001", f"{SQL_OLD}/databases/plain"): 1,
    # Flexible servers: plaintext allowed, TLS 1.1 allowed, the internet over IPv6, all of Azure.
    ("TLS-001", PG_OPEN): 1,
    ("NET-002", f"{PG_OPEN}/firewallRules/v6-world"): 1,
    ("TLS-002", MYSQL_OLD): 1,
    ("NET-002", f"{MYSQL_OLD}/firewallRules/AllowAllAzureServicesAndResourcesWithinAzureIps"): 1,
    # Redis: TLS 1.0, the plaintext port, and a rule covering every public unicast address.
    ("TLS-001", REDIS_OLD): 1,
    ("TLS-002", REDIS_OLD): 1,
    ("NET-002", f"{REDIS_OLD}/firewallRules/world"): 1,
    # API Management: TLS 1.0 for clients and (by its 2017 creation date) SSL 3.0 to backends; an
    # API over HTTP; a backend called over HTTP.
    ("TLS-002", APIM_LEGACY): 2,
    ("TLS-001", f"{APIM_LEGACY}/apis/echo"): 1,
    ("TLS-001", f"{APIM_LEGACY}/backends/legacy"): 1,
    # Synapse: every address on the SQL endpoint; a dedicated pool without TDE.
    ("NET-002", f"{SYNAPSE}/firewallRules/allowAll"): 1,
    ("ENC-001", f"{SYNAPSE}/sqlPools/dw-plain"): 1,
    ("TLS-002", f"{RG_A}/providers/Microsoft.Sql/managedInstances/sqlmi-old"): 1,
    ("ENC-001", f"{RG_A}/providers/Microsoft.Kusto/clusters/kusto-plain"): 1,
    # Service endpoints open to every network; anonymous pull; SSH on a container group's public IP.
    ("NET-003", f"{RG_A}/providers/Microsoft.CognitiveServices/accounts/cog-open"): 1,
    ("NET-003", f"{RG_A}/providers/Microsoft.Search/searchServices/search-open"): 1,
    ("NET-003", f"{RG_A}/providers/Microsoft.ContainerRegistry/registries/acropen"): 1,
    ("IAM-005", f"{RG_A}/providers/Microsoft.ContainerRegistry/registries/acropen"): 1,
    ("NET-001", f"{RG_A}/providers/Microsoft.ContainerInstance/containerGroups/cg-ssh"): 1,
})


def test_findings_are_the_terraform_rule_ids_on_azure_resource_ids(result: AuditResult) -> None:
    assert failed(result) == EXPECTED_FAILURES


def test_unresolvable_facts_are_could_not_evaluate_never_a_pass(result: AuditResult) -> None:
    assert unknown(result) == {
        ("TLS-002", gateway_id("agw-default")),
        ("TLS-002", WEB_NO_CONFIG),  # config/web gave no minTlsVersion
        # No minimumTlsVersion on the cache: older caches accept TLS 1.0.
        ("TLS-002", f"{RG_B}/providers/Microsoft.Cache/Redis/redis-unset"),
        # A custom role's name cannot be known without the forbidden definitions listing.
        ("IAM-006", assignment_id(f"/subscriptions/{SUB_B}", "b-custom")),
    }


def test_a_forbidden_list_is_a_partial_audit_naming_subscription_service_and_operation(result: AuditResult) -> None:
    assert [(e.account, e.service, e.operation, e.code) for e in result.errors] == [
        (SUB_B, "Microsoft.Authorization", "RoleDefinitions_List", "AuthorizationFailed"),
        (SUB_B, "Microsoft.Network", "NetworkSecurityGroups_ListAll", "AuthorizationFailed"),
    ]
    assert result.partial
    message = result.errors[1].scan_error().message
    assert SUB_B in message and "Microsoft.Network:NetworkSecurityGroups_ListAll" in message
    assert "Microsoft.Network/networkSecurityGroups/read" in message
    scan = Scanner().evaluate(result.load_result())
    assert scan.exit_code(None) == 2


def test_every_list_is_followed_through_its_next_links(cloud: FakeAzure, result: AuditResult) -> None:
    nsgs = [a for a in result.assets if isinstance(a, Firewall) and a.origin.resource_type == adapters.NSG_TYPE]
    assert sorted(f.name for f in nsgs) == ["nsg-locked", "nsg-ssh-open", "nsg-ssh-shadowed"]
    # Three SQL firewall rules, two a page: the child list was followed too.
    rules = [a.name for a in result.assets if isinstance(a, Firewall) and SQL_OLD in a.origin.resource]
    assert sorted(rules) == ["AllowAllWindowsAzureIps", "everyone", "office"]
    # 6 definitions and 5 assignments, 2 a page: 3 requests each, the later ones by nextLink.
    definitions = [r for r in cloud.requests if r.path.endswith("roleDefinitions") and SUB_A in r.path]
    assert [r.query.get("$skiptoken") for r in definitions] == [None, "2", "4"]
    assert len([a for a in result.assets if isinstance(a, AccessGrant) and a.kind == "role-assignment"
                and a.origin.account == SUB_A]) == 5


def test_default_rules_are_part_of_the_effective_policy(result: AuditResult) -> None:
    fw = next(a for a in result.assets if isinstance(a, Firewall) and a.name == "nsg-ssh-open")
    assert fw.ordering == "priority"
    by_name = {r.name: r for r in fw.rules}
    assert {n: by_name[n].priority for n in ("AllowVnetInBound", "AllowAzureLoadBalancerInBound",
                                             "DenyAllInBound")} == {
        "AllowVnetInBound": 65000, "AllowAzureLoadBalancerInBound": 65001, "DenyAllInBound": 65500}
    ssh = by_name["AllowSshFromInternet"]
    assert (ssh.direction, ssh.protocol, str(ssh.ports), [str(p) for p in ssh.peers]) == (
        Direction.INGRESS, "tcp", "22", ["Internet"])
    assert ssh.origin.resource == nsg_id(RG_A, "nsg-ssh-open")
    assert ssh.origin.anchor == "securityRules[AllowSshFromInternet]"
    assert by_name["DenyAllInBound"].origin.anchor == "defaultSecurityRules[DenyAllInBound]"
    assert (fw.origin.account, fw.origin.region, fw.origin.resource_type) == (
        SUB_A, "westeurope", "Microsoft.Network/networkSecurityGroups")


def test_role_assignments_are_named_through_the_listed_definitions(result: AuditResult) -> None:
    roles = {a.name: a.role for a in result.assets if isinstance(a, AccessGrant) and a.kind == "role-assignment"}
    assert roles["a-break-glass"] == "Tenet Break Glass"
    assert roles["a-owner"] == "Owner"
    assert roles["b-owner"] == "Owner"
    assert isinstance(roles["b-custom"], Unknown)
    # Built-in definitions name roles but are not findings themselves (Owner has `*` actions).
    definitions = {a.name for a in result.assets if isinstance(a, AccessGrant) and a.kind == "role-definition"}
    assert definitions == {"Tenet Break Glass", "Storage Operator", "Nearly Owner"}


def test_application_gateway_policies_resolve_to_a_minimum_version(result: AuditResult) -> None:
    endpoints = {(a.name, a.min_version if not isinstance(a.min_version, Unknown) else "unknown", a.plaintext_allowed)
                 for a in result.assets if isinstance(a, TlsEndpoint) and a.kind.startswith("application_gateway")}
    assert endpoints == {
        ("agw-legacy", TlsVersion.TLS1_0, False),
        ("agw-mixed", TlsVersion.TLS1_2, False),
        ("agw-mixed/partner", TlsVersion.TLS1_0, False),
        ("agw-mixed/http-plain", None, True),
        ("agw-modern", TlsVersion.TLS1_2, False),
        ("agw-default", "unknown", False),
    }


def test_discovery_audits_every_enabled_subscription_the_credential_sees(cloud: FakeAzure) -> None:
    credential = StaticCredential()
    discovered = audit(credential, options=options(cloud))
    assert discovered.accounts == [SUB_A, SUB_B]
    assert failed(discovered) == EXPECTED_FAILURES
    assert not any(SUB_C in r.path for r in cloud.requests if r.path != "/subscriptions")
    # Three subscriptions, two a page: the listing followed its nextLink.
    listing = [r for r in cloud.requests if r.path == "/subscriptions"]
    assert [r.query.get("$skiptoken") for r in listing][-2:] == [None, "2"]
    assert set(credential.scopes) == {(f"{cloud.url}/.default",)}


def test_a_management_group_audits_the_enabled_subscriptions_under_it(cloud: FakeAzure) -> None:
    cloud.management_groups["mg-prod"] = [SUB_A, SUB_C]  # SUB_C is disabled
    grouped = audit(StaticCredential(), management_groups=["mg-prod"], options=options(cloud))
    assert grouped.accounts == [SUB_A]
    assert not grouped.errors
    assert failed(grouped) == Counter({k: n for k, n in EXPECTED_FAILURES.items()
                                       if SUB_A in k[1] or "managementGroups/mg-root" in k[1]})


def test_tenet_audit_azure_management_group(managed_identity: FakeAzure) -> None:
    import json

    managed_identity.management_groups["mg-data"] = [SUB_B]
    code, out, err = run_cli("audit", "azure", "--endpoint", managed_identity.url, "--management-group", "mg-data",
                             "--format", "json")
    assert code == 2, err  # subscription B's forbidden lists
    assert {f["account"] for f in json.loads(out)["findings"]} == {SUB_B}
    code, _, err = run_cli("audit", "azure", "--endpoint", managed_identity.url, "--management-group", "mg-none")
    assert code == 2 and "ManagementGroups_GetDescendants" in err and "NotFound" in err


def test_the_token_audience_follows_the_endpoint(cloud: FakeAzure) -> None:
    credential = StaticCredential()
    audit(credential, [SUB_A], options=options(cloud))
    assert set(credential.scopes) == {(f"{cloud.url}/.default",)}
    custom = StaticCredential()
    audit(custom, [SUB_A], options=AzureOptions(endpoint=cloud.url, credential_scopes=("https://stack/.default",),
                                                client_kwargs={"connection_verify": str(cloud.cert_file)}))
    assert set(custom.scopes) == {("https://stack/.default",)}


def test_an_unreachable_endpoint_is_recorded_not_raised() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    unreachable = audit(StaticCredential(), [SUB_A], options=AzureOptions(
        endpoint=f"https://127.0.0.1:{port}", client_kwargs={"retry_total": 0}))
    assert time.monotonic() - started < 5
    assert {e.code for e in unreachable.errors} == {"ServiceRequestError"}
    # Every subscription-wide list failed, and the role assignments listed after the definitions.
    from scanner.audit.azure.collectors import _PROVIDER_LISTS

    assert sorted((e.service, e.operation) for e in unreachable.errors) == sorted([
        ("Microsoft.Network", "NetworkSecurityGroups_ListAll"), ("Microsoft.Network", "ApplicationGateways_ListAll"),
        ("Microsoft.Storage", "StorageAccounts_List"), ("Microsoft.Authorization", "RoleDefinitions_List"),
        ("Microsoft.Authorization", "RoleAssignments_ListForSubscription"),
        *((read.namespace, read.operation) for read in _PROVIDER_LISTS)])
    assert len(_PROVIDER_LISTS) == 24


def test_a_rejected_token_is_an_error_of_every_call(cloud: FakeAzure) -> None:
    rejected = audit(StaticCredential("expired"), [SUB_A], options=options(cloud))
    assert not rejected.assets
    assert {e.code for e in rejected.errors} == {"InvalidAuthenticationToken"}


def test_the_snapshot_judges_exactly_as_the_audit(result: AuditResult) -> None:
    snapshot = Snapshot.parse(result.snapshot().dump())
    assert snapshot.provider == "azure"
    assert snapshot.accounts == [SUB_A, SUB_B]
    reloaded = Scanner().evaluate(snapshot.load_result("azure.json"))
    assert Counter((f.rule_id, f.resource) for f in reloaded.findings if f.status is Status.FAIL) == EXPECTED_FAILURES
    assert len(reloaded.errors) == 2


# -- adapters on their own --------------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "expected"), [
    ({"policyType": "Predefined", "policyName": "AppGwSslPolicy20150501"}, TlsVersion.TLS1_0),
    ({"policyType": "Predefined", "policyName": "AppGwSslPolicy20170401"}, TlsVersion.TLS1_1),
    ({"policyType": "Predefined", "policyName": "AppGwSslPolicy20170401S"}, TlsVersion.TLS1_2),
    ({"policyName": "AppGwSslPolicy20220101"}, TlsVersion.TLS1_2),
    ({"policyType": "Custom", "minProtocolVersion": "TLSv1_1"}, TlsVersion.TLS1_1),
    ({"policyType": "CustomV2", "minProtocolVersion": "TLSv1_3"}, TlsVersion.TLS1_3),
    ({"disabledSslProtocols": ["TLSv1_0", "TLSv1_1"]}, TlsVersion.TLS1_2),
    ({"disabledSslProtocols": ["TLSv1_0"]}, None),
    ({"policyType": "Predefined", "policyName": "AppGwSslPolicy2099"}, None),
    ({"policyType": "Custom"}, None),
    (None, None),
])
def test_ssl_policy_min_version(policy: dict[str, Any] | None, expected: TlsVersion | None) -> None:
    version, _ = adapters.ssl_policy_min_version(policy)
    assert (None if isinstance(version, Unknown) else version) == expected


def test_a_malformed_rule_is_unknown_not_dropped() -> None:
    resource_id = nsg_id(RG_A, "odd")
    odd = nsg(RG_A, "odd", [])
    odd["properties"]["securityRules"] = [{"name": "weird", "properties": {
        "direction": "Sideways", "access": "Allow", "protocol": "Tcp", "priority": "high",
        "destinationPortRange": "ssh", "sourceAddressPrefix": "*"}}]
    fw = adapters.network_security_group(odd, SUB_A)
    weird = fw.rules[0]
    assert fw.origin.resource == resource_id
    assert all(isinstance(v, Unknown) for v in (weird.direction, weird.ports, weird.peers, weird.priority))


def test_storage_defaults_are_the_apis_when_properties_are_absent() -> None:
    wall, tls, store = adapters.storage_account({"id": storage_id(RG_A, "bare"), "name": "bare", "properties": {}},
                                                SUB_A)
    # No networkAcls: the firewall allows every network.
    assert isinstance(wall, Firewall) and "any network" in str(wall.rules[0].peers)
    assert isinstance(tls, TlsEndpoint) and (tls.min_version, tls.plaintext_allowed) == (TlsVersion.TLS1_0, False)
    assert store.model_dump(include={"encrypted", "key_management", "by_default"}) == {
        "encrypted": True, "key_management": "provider-managed", "by_default": True}


def test_explain_reads_the_arm_error() -> None:
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

    assert explain(ServiceRequestError("connection refused")) == ("ServiceRequestError", "connection refused")
    assert explain(ClientAuthenticationError("no credential\nfound")) == ("ClientAuthenticationError",
                                                                          "no credential found")


# -- the command ------------------------------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from scanner.cli import main

    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def managed_identity(cloud: FakeAzure, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> FakeAzure:
    """DefaultAzureCredential's real chain, ending at App Service managed identity served locally."""
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE",
                 "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDENTITY_ENDPOINT", cloud.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", FakeAzure.IDENTITY_HEADER)
    # How a private CA is trusted: requests (azure-core's transport) reads REQUESTS_CA_BUNDLE.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cloud.cert_file))
    monkeypatch.chdir(tmp_path)
    return cloud


def test_tenet_audit_azure_reports_saves_and_exits_2_on_a_partial_audit(managed_identity: FakeAzure) -> None:
    import json

    code, out, err = run_cli("audit", "azure", "--endpoint", managed_identity.url, "--subscription", SUB_A,
                             "--subscription", SUB_B, "--format", "json", "--save-inventory", "azure.json")
    assert code == 2, err
    report = json.loads(out)
    found = Counter((f["rule_id"], f["resource"]) for f in report["findings"] if f["status"] == "fail")
    assert found == EXPECTED_FAILURES
    assert {f["source"] for f in report["findings"]} == {"azure"}
    assert all(f["location"] is None and f["account"] in (SUB_A, SUB_B) for f in report["findings"])
    messages = [e["message"] for e in report["errors"]]
    assert len(messages) == 2 and all(SUB_B in m and "AuthorizationFailed" in m for m in messages)
    assert "partial audit: 2 calls failed" in err
    # The saved inventory is re-judged offline by `tenet scan`, partial as the audit was.
    code, out, _ = run_cli("scan", "azure.json", "--format", "json")
    rescanned = json.loads(out)
    assert code == 2
    assert Counter((f["rule_id"], f["resource"]) for f in rescanned["findings"]
                   if f["status"] == "fail") == EXPECTED_FAILURES


def test_tenet_audit_azure_without_a_credential_is_one_clear_error(cloud: FakeAzure, tmp_path: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", cloud.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", "wrong-header")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cloud.cert_file))
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "ManagedIdentityCredential")
    code, out, err = run_cli("audit", "azure", "--endpoint", cloud.url, "--subscription", SUB_A)
    assert code == 2
    assert "no Azure credential" in err and out == ""


def test_tenet_audit_azure_refuses_an_endpoint_that_is_not_a_url() -> None:
    code, _, err = run_cli("audit", "azure", "--endpoint", "management.azure.com")
    assert code == 2 and "give a URL" in err


def test_any_protocol_widens_protocols_not_ports() -> None:
    # Issue #12, bug 1: `*` on 443 from Internet is 443 over any protocol (NET-003), not every port (NET-001).
    group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/web"
    firewall = adapters.network_security_group(
        nsg(group, "web", [("AllowHttpsAnyProtocol", 100, "Inbound", "Allow", "*", "Internet", "443")]),
        "00000000-0000-0000-0000-000000000000")
    findings = Scanner().evaluate(LoadResult(assets=[firewall])).findings
    assert [(f.rule_id, f.message) for f in findings if f.rule_id.startswith("NET-00") and f.rule_id != "NET-004"] == [
        ("NET-003", "Internet can reach 443 (all protocols) (rule 'AllowHttpsAnyProtocol')")]


def test_services_read_over_rest_become_model_objects(result: AuditResult) -> None:
    from scanner.model import DataStore

    endpoints = {(a.origin.resource.rsplit("/", 1)[-1], a.kind): (a.min_version, a.plaintext_allowed)
                 for a in result.assets if isinstance(a, TlsEndpoint)}
    assert endpoints[("app-secure", "web_app")] == (TlsVersion.TLS1_2, False)
    assert endpoints[("func-ftp", "function_app")] == (TlsVersion.TLS1_3, False)
    assert endpoints[("func-ftp", "function_app_ftp")] == (None, True)
    assert endpoints[("pg-strict", "database")] == (TlsVersion.TLS1_3, False)
    assert endpoints[("mysql-old", "database")] == (TlsVersion.TLS1_1, False)  # the oldest of TLSv1.1,TLSv1.2
    assert endpoints[("cosmos-modern", "database")] == (TlsVersion.TLS1_2, False)
    assert endpoints[("sb-modern", "messaging")] == (TlsVersion.TLS1_2, False)
    keys = {a.name: str(a.key_management) for a in result.assets
            if isinstance(a, DataStore) and a.kind != "object_storage"}
    provider, customer, none = "provider-managed", "customer-managed", "none"
    assert keys == {
        "disk-platform": provider, "disk-cmk": customer, "disk-old": provider,
        # Temporary disks and caches: encrypted only with encryption at host.
        "vm-plain": none, "vm-host": customer, "vmss-off": none,
        "aks-open": provider, "aks-open node pool system": provider, "aks-authorized": customer,
        "aks-authorized node pool system": customer, "aks-authorized node pool user": customer,
        "aks-private": provider, "aks-private node pool system": none,
        "cosmos-old": customer, "cosmos-modern": provider,
        "orders": provider, "plain": none, "sql-old encryption protector": provider,
        "sql-private encryption protector": customer, "sql-unset encryption protector": provider,
        "pg-open": provider, "pg-strict": customer, "mysql-old": provider,
        "batchplatform": provider, "batchcmk": customer, "acropen": provider, "acrlocked": customer,
        "kusto-plain": none, "kusto-encrypted": provider, "dw-plain": none, "dw-encrypted": provider}
    gateways = {(a.name, a.kind): a.min_version for a in result.assets
                if isinstance(a, TlsEndpoint) and a.kind.startswith("api_management")}
    assert gateways == {("apim-legacy", "api_management_gateway"): TlsVersion.TLS1_0,
                        ("apim-legacy", "api_management_backends"): TlsVersion.SSL3,
                        ("apim-modern", "api_management_gateway"): TlsVersion.TLS1_2,
                        ("apim-modern", "api_management_backends"): TlsVersion.TLS1_2}
    # pg-strict's public network access is off: its firewall rule admits no one and is not listed.
    assert not any(isinstance(a, Firewall) and PG_STRICT in a.origin.resource for a in result.assets)
    rule = next(a for a in result.assets if isinstance(a, Firewall) and a.name == "AllowAllWindowsAzureIps")
    assert (rule.origin.account, rule.origin.region, str(rule.rules[0].ports)) == (SUB_B, "westeurope", "1433")
    assert "all Azure services" in str(rule.rules[0].peers[0])


def test_containers_are_listed_only_where_the_account_allows_public_access(cloud: FakeAzure,
                                                                          result: AuditResult) -> None:
    listed = {r.path.split("/storageAccounts/", 1)[1].split("/", 1)[0] for r in cloud.requests
              if r.path.endswith("/blobServices/default/containers")}
    assert listed == {"stlegacy", "stunset"}  # stunset: set before the setting existed, so allowed
    walls = {a.name: a for a in result.assets if isinstance(a, Firewall)
             and a.origin.resource_type == adapters.STORAGE_ACCOUNT_TYPE}
    # sthttp's public network access is off; stolder and stunset deny with no IP rules.
    assert sorted(walls) == ["stcmk", "stlegacy"]
    assert [str(p) for p in walls["stcmk"].rules[0].peers] == ["203.0.113.0/24", "198.51.100.7"]


def test_an_unregistered_resource_provider_has_nothing_to_list(cloud: FakeAzure, result: AuditResult) -> None:
    asked = [r for r in cloud.requests if SUB_B in r.path and "Microsoft.Web" in r.path]
    assert asked and not any(e.service == "Microsoft.Web" for e in result.errors)


@pytest.mark.parametrize(("text", "expected"), [
    ("TLSv1.2", TlsVersion.TLS1_2), ("TLSv1.2,TLSv1.3", TlsVersion.TLS1_2), ("TLSv1,TLSv1.1", TlsVersion.TLS1_0),
    ("TLSv1.3", TlsVersion.TLS1_3), ("", None), ("TLSv1.2,bogus", None),
])
def test_flexible_server_tls_parameters(text: str, expected: TlsVersion | None) -> None:
    from scanner.providers import azure

    assert azure.flexible_server_min_tls(text) == expected


def test_require_customer_managed_keys_reports_the_services_keys(result: AuditResult) -> None:
    from scanner.engine.params import RuleParams

    scan = Scanner(params=RuleParams(require_customer_managed_keys=True)).evaluate(result.load_result())
    reported = {f.resource.rsplit("/", 1)[-1] for f in scan.findings if f.rule_id == "ENC-003"
                and f.status is Status.FAIL}
    assert {"batchplatform", "acropen", "kusto-encrypted", "dw-encrypted"} <= reported
    assert not {"batchcmk", "acrlocked"} & reported


def test_api_management_switches_missing_from_the_answer_follow_the_creation_date() -> None:
    """The REST API's default: on for services created on or before 2018-04-01, off after."""
    def service(created: str | None) -> dict[str, Any]:
        item = api_management("apim", created or "", {})
        if created is None:
            del item["properties"]["createdAtUtc"]
        return item

    def minimum(created: str | None) -> Any:
        return [e.min_version for e in adapters.api_management(service(created), SUB_A)]

    assert minimum("2018-04-01T23:59:00Z") == [TlsVersion.SSL3, TlsVersion.SSL3]
    assert minimum("2024-03-17T14:14:33.130338+00:00") == [TlsVersion.TLS1_2, TlsVersion.TLS1_2]
    assert all(isinstance(v, Unknown) and "createdAtUtc" in v.reason for v in minimum(None))

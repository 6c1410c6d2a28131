"""What the live Azure audit reads, by the Terraform resource type that declares the same thing.

`docs/coverage.md` is generated from these tables and the Terraform mappings; a test
fails when a Terraform type judged in code is in neither table. SDK-free.
"""

from __future__ import annotations

# Terraform type -> the REST reads that give the live counterpart.
_SITES = "Microsoft.Web/sites, each site's config/web"
LIVE: dict[str, str] = {
    "azurerm_network_security_group": "Microsoft.Network/networkSecurityGroups",
    "azurerm_storage_account": "Microsoft.Storage/storageAccounts",
    "azurerm_application_gateway": "Microsoft.Network/applicationGateways",
    "azurerm_role_definition": "Microsoft.Authorization/roleDefinitions",
    "azurerm_role_assignment": "Microsoft.Authorization/roleAssignments",
    "azurerm_app_service": _SITES,
    "azurerm_function_app": _SITES,
    "azurerm_linux_web_app": _SITES,
    "azurerm_windows_web_app": _SITES,
    "azurerm_linux_function_app": _SITES,
    "azurerm_windows_function_app": _SITES,
    "azurerm_mssql_server": "Microsoft.Sql/servers",
    "azurerm_mssql_firewall_rule": "Microsoft.Sql/servers/firewallRules",
    "azurerm_sql_firewall_rule": "Microsoft.Sql/servers/firewallRules",
    "azurerm_postgresql_flexible_server_firewall_rule": "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules",
    "azurerm_mysql_flexible_server_firewall_rule": "Microsoft.DBforMySQL/flexibleServers/firewallRules",
    "azurerm_redis_cache": "Microsoft.Cache/redis",
    "azurerm_redis_firewall_rule": "Microsoft.Cache/redis/firewallRules",
    "azurerm_managed_disk": "Microsoft.Compute/disks",
    "azurerm_storage_account_network_rules": "Microsoft.Storage/storageAccounts (networkAcls)",
    "azurerm_key_vault": "Microsoft.KeyVault/vaults",
    "azurerm_storage_container": "Microsoft.Storage/storageAccounts/blobServices/containers",
    "azurerm_postgresql_flexible_server": "Microsoft.DBforPostgreSQL/flexibleServers, with its configurations",
    "azurerm_mysql_flexible_server": "Microsoft.DBforMySQL/flexibleServers, with its configurations",
    "azurerm_postgresql_flexible_server_configuration": "Microsoft.DBforPostgreSQL/flexibleServers/configurations",
    "azurerm_mysql_flexible_server_configuration": "Microsoft.DBforMySQL/flexibleServers/configurations",
    "azurerm_cosmosdb_account": "Microsoft.DocumentDB/databaseAccounts",
    "azurerm_eventhub_namespace": "Microsoft.EventHub/namespaces",
    "azurerm_servicebus_namespace": "Microsoft.ServiceBus/namespaces",
    "azurerm_kubernetes_cluster": "Microsoft.ContainerService/managedClusters",
    "azurerm_kubernetes_cluster_node_pool": "Microsoft.ContainerService/managedClusters (agentPoolProfiles)",
    "azurerm_linux_virtual_machine": "Microsoft.Compute/virtualMachines",
    "azurerm_windows_virtual_machine": "Microsoft.Compute/virtualMachines",
    "azurerm_linux_virtual_machine_scale_set": "Microsoft.Compute/virtualMachineScaleSets",
    "azurerm_windows_virtual_machine_scale_set": "Microsoft.Compute/virtualMachineScaleSets",
    "azurerm_orchestrated_virtual_machine_scale_set": "Microsoft.Compute/virtualMachineScaleSets",
    "azurerm_mssql_database": "Microsoft.Sql/servers/databases, transparentDataEncryption/current",
    "azurerm_mssql_server_transparent_data_encryption": "Microsoft.Sql/servers/encryptionProtector/current",
    "azurerm_linux_web_app_slot": "Microsoft.Web/sites/slots, each slot's config/web",
    "azurerm_windows_web_app_slot": "Microsoft.Web/sites/slots, each slot's config/web",
    "azurerm_linux_function_app_slot": "Microsoft.Web/sites/slots, each slot's config/web",
    "azurerm_windows_function_app_slot": "Microsoft.Web/sites/slots, each slot's config/web",
    "azurerm_app_service_slot": "Microsoft.Web/sites/slots, each slot's config/web",
    "azurerm_function_app_slot": "Microsoft.Web/sites/slots, each slot's config/web",
    "azurerm_cdn_endpoint": "Microsoft.Cdn/profiles/endpoints",
    "azurerm_cdn_frontdoor_route": "Microsoft.Cdn/profiles/afdEndpoints/routes",
    "azurerm_cdn_frontdoor_custom_domain": "Microsoft.Cdn/profiles/customDomains",
    "azurerm_frontdoor": "Microsoft.Network/frontDoors",
    "azurerm_api_management": "Microsoft.ApiManagement/service (customProperties)",
    "azurerm_api_management_api": "Microsoft.ApiManagement/service/apis",
    "azurerm_api_management_backend": "Microsoft.ApiManagement/service/backends",
    "azurerm_batch_account": "Microsoft.Batch/batchAccounts",
    "azurerm_cognitive_account": "Microsoft.CognitiveServices/accounts",
    "azurerm_container_group": "Microsoft.ContainerInstance/containerGroups",
    "azurerm_container_registry": "Microsoft.ContainerRegistry/registries",
    "azurerm_kusto_cluster": "Microsoft.Kusto/clusters",
    "azurerm_mssql_managed_instance": "Microsoft.Sql/managedInstances",
    "azurerm_search_service": "Microsoft.Search/searchServices",
    "azurerm_synapse_firewall_rule": "Microsoft.Synapse/workspaces/firewallRules",
    "azurerm_synapse_sql_pool": "Microsoft.Synapse/workspaces/sqlPools, transparentDataEncryption/current",
}

# Terraform type -> why the live audit has no reading of its own for it.
NOT_LIVE: dict[str, str] = {
    "azurerm_network_security_rule": "read live as a rule of its network security group",
    "azurerm_postgresql_server": "single servers were retired in March 2025; flexible servers are read live",
    "azurerm_postgresql_firewall_rule": "a rule of a retired single server; flexible servers' rules are read live",
    "azurerm_mysql_server": "single servers were retired in September 2024; flexible servers are read live",
    "azurerm_mysql_firewall_rule": "a rule of a retired single server; flexible servers' rules are read live",
    "azurerm_mariadb_firewall_rule": "Azure Database for MariaDB was retired in September 2025",
    "azurerm_mariadb_server": "Azure Database for MariaDB was retired in September 2025",
    "azurerm_data_lake_store": "Data Lake Storage Gen1 was retired in February 2024",
}

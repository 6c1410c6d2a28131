"""What the live Azure audit reads, by the Terraform resource type that declares the same thing.

`docs/coverage.md` is generated from these tables and the Terraform mappings; a test
fails when a Terraform type judged in code is in neither table. SDK-free.
"""

from __future__ import annotations

# Terraform type -> the REST reads that give the live counterpart.
LIVE: dict[str, str] = {
    "azurerm_network_security_group": "Microsoft.Network/networkSecurityGroups",
    "azurerm_storage_account": "Microsoft.Storage/storageAccounts",
    "azurerm_application_gateway": "Microsoft.Network/applicationGateways",
    "azurerm_role_definition": "Microsoft.Authorization/roleDefinitions",
    "azurerm_role_assignment": "Microsoft.Authorization/roleAssignments",
}

# Terraform type -> why the live audit has no reading of its own for it.
NOT_LIVE: dict[str, str] = {
    "azurerm_network_security_rule": "read live as a rule of its network security group",
    # Not read live yet (issue #14): each moves to LIVE when its collector lands.
    "azurerm_app_service": "not read live yet",
    "azurerm_function_app": "not read live yet",
    "azurerm_linux_web_app": "not read live yet",
    "azurerm_windows_web_app": "not read live yet",
    "azurerm_linux_function_app": "not read live yet",
    "azurerm_windows_function_app": "not read live yet",
    "azurerm_postgresql_server": "not read live yet",
    "azurerm_mysql_server": "not read live yet",
    "azurerm_mssql_server": "not read live yet",
    "azurerm_redis_cache": "not read live yet",
    "azurerm_managed_disk": "not read live yet",
    "azurerm_mssql_firewall_rule": "not read live yet",
    "azurerm_sql_firewall_rule": "not read live yet",
    "azurerm_synapse_firewall_rule": "not read live yet",
    "azurerm_postgresql_firewall_rule": "not read live yet",
    "azurerm_postgresql_flexible_server_firewall_rule": "not read live yet",
    "azurerm_mysql_firewall_rule": "not read live yet",
    "azurerm_mysql_flexible_server_firewall_rule": "not read live yet",
    "azurerm_mariadb_firewall_rule": "not read live yet",
    "azurerm_redis_firewall_rule": "not read live yet",
    "azurerm_storage_account_network_rules": "not read live yet",
    "azurerm_key_vault": "not read live yet",
}

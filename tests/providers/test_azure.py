"""Azure facts: rule vocabulary, TLS spellings and policy tables, built-in roles, scope IDs."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.findings import Status
from scanner.model import Access, Direction, Scope, TlsVersion
from scanner.model.addresses import covers_internet
from scanner.providers import azure
from scanner.scan import Scanner


@pytest.mark.parametrize(("text", "expected"), [
    ("Inbound", Direction.INGRESS),
    (" outbound ", Direction.EGRESS),
    ("Ingress", None),
])
def test_nsg_direction(text: str, expected: Direction | None) -> None:
    assert azure.nsg_direction(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("Allow", Access.ALLOW), ("DENY", Access.DENY), ("Block", None)])
def test_nsg_access(text: str, expected: Access | None) -> None:
    assert azure.nsg_access(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("TLS1_0", TlsVersion.TLS1_0),  # storage accounts, single servers
    ("TLS1_2", TlsVersion.TLS1_2),
    ("1.1", TlsVersion.TLS1_1),  # App Service, SQL, Redis
    ("1.3", TlsVersion.TLS1_3),
    ("TLSv1_2", TlsVersion.TLS1_2),  # Application Gateway
    ("Disabled", TlsVersion.TLS1_0),  # Azure SQL: no minimum enforced
    ("TLSEnforcementDisabled", TlsVersion.TLS1_0),  # single servers
    ("TLS1_9", None),
    ("strong", None),
])
def test_min_tls_version(text: str, expected: TlsVersion | None) -> None:
    assert azure.min_tls_version(text) == expected


def test_defaults_modelled() -> None:
    assert azure.STORAGE_MIN_TLS_DEFAULT is TlsVersion.TLS1_2
    assert azure.STORAGE_HTTPS_ONLY_DEFAULT is True
    assert azure.APP_SERVICE_MIN_TLS_DEFAULT is TlsVersion.TLS1_2
    assert azure.APP_SERVICE_HTTPS_ONLY_DEFAULT is False
    assert azure.SINGLE_SERVER_MIN_TLS_DEFAULT is TlsVersion.TLS1_2
    assert azure.MSSQL_MIN_TLS_DEFAULT is TlsVersion.TLS1_2
    assert azure.REDIS_NON_SSL_PORT_DEFAULT is False


def test_app_gateway_predefined_policies() -> None:
    assert {name: azure.app_gateway_predefined_policy(name) for name in (
        "AppGwSslPolicy20150501", "AppGwSslPolicy20170401", "AppGwSslPolicy20170401S",
        "AppGwSslPolicy20220101", "appgwsslpolicy20220101s", "AppGwSslPolicy20990101",
    )} == {
        "AppGwSslPolicy20150501": TlsVersion.TLS1_0,
        "AppGwSslPolicy20170401": TlsVersion.TLS1_1,
        "AppGwSslPolicy20170401S": TlsVersion.TLS1_2,
        "AppGwSslPolicy20220101": TlsVersion.TLS1_2,
        "appgwsslpolicy20220101s": TlsVersion.TLS1_2,
        "AppGwSslPolicy20990101": None,
    }


@pytest.mark.parametrize(("disabled", "expected"), [
    (["TLSv1_0", "TLSv1_1"], TlsVersion.TLS1_2),
    (["TLSv1_1", "TLSv1_0", "TLSv1_2"], TlsVersion.TLS1_3),
    # TLS 1.1 left on: whether 1.0 or 1.1 is the minimum depends on the default policy.
    (["TLSv1_0"], None),
    ([], None),
    (["TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3"], None),
])
def test_app_gateway_min_after_disabling(disabled: list[str], expected: TlsVersion | None) -> None:
    assert azure.app_gateway_min_after_disabling(disabled) == expected


@pytest.mark.parametrize(("definition_id", "expected"), [
    ("/subscriptions/0000/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
     "Owner"),
    ("/providers/Microsoft.Authorization/roleDefinitions/B24988AC-6180-42A0-AB88-20F7382DD24C/", "Contributor"),
    ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    ("/subscriptions/0000/providers/Microsoft.Authorization/roleDefinitions/12345678-aaaa-bbbb-cccc-1234567890ab",
     None),
])
def test_builtin_role_name(definition_id: str, expected: str | None) -> None:
    assert azure.builtin_role_name(definition_id) == expected


@pytest.mark.parametrize(("scope_id", "expected"), [
    ("/", Scope.ORGANIZATION),
    ("/providers/Microsoft.Management/managementGroups/platform", Scope.ORGANIZATION),
    ("/subscriptions/0000", Scope.ACCOUNT),
    ("/subscriptions/0000/", Scope.ACCOUNT),
    ("/subscriptions/0000/resourceGroups/rg-app", Scope.RESOURCE_GROUP),
    ("/subscriptions/0000/resourcegroups/rg-app/providers/Microsoft.Storage/storageAccounts/st", Scope.RESOURCE),
    ("/subscriptions/0000/providers/Microsoft.Security/pricings/default", Scope.RESOURCE),
    ("subscriptions/0000", None),
    ("/providers/Microsoft.Management/managementGroups", None),
    ("rg-app", None),
])
def test_scope_of(scope_id: str, expected: Scope | None) -> None:
    assert azure.scope_of(scope_id) == expected


def _scan(tmp_path: Path, hcl: str) -> set[tuple[int, str, Status]]:
    (tmp_path / "main.tf").write_text(hcl, encoding="utf-8")
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert result.errors == []
    return {(f.location.start_line, f.rule_id, f.status) for f in result.findings if f.location}


def test_everything_except_unknown_exclusions_is_not_judged_as_everything(tmp_path: Path) -> None:
    """`*` minus an unresolved list may be every action or every action but some: neither is assumed."""
    findings = _scan(tmp_path, """
variable "excluded" {}

resource "azurerm_role_definition" "r" {
  name  = "r"
  scope = "/subscriptions/0000"

  permissions {
    actions     = ["*"]
    not_actions = var.excluded
  }
}
""")
    assert findings == {(8, "IAM-001", Status.UNKNOWN), (8, "IAM-004", Status.UNKNOWN)}


def test_rule_of_an_nsg_outside_the_module_is_a_group_of_its_own(tmp_path: Path) -> None:
    findings = _scan(tmp_path, """
resource "azurerm_network_security_group" "local" {
  name                = "local-nsg"
  location            = "westeurope"
  resource_group_name = "rg"
}

resource "azurerm_network_security_rule" "deny_internet" {
  name                        = "DenyInternet"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = azurerm_network_security_group.local.name
}

resource "azurerm_network_security_rule" "ssh" {
  name                        = "AllowSsh"
  priority                    = 200
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "22"
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = "elsewhere-nsg"
}
""")
    # The deny belongs to local-nsg, so it does not shadow the rule of elsewhere-nsg. local-nsg keeps
    # Azure's default AllowInternetOutBound (line 2).
    assert findings == {(22, "NET-001", Status.FAIL), (2, "NET-004", Status.FAIL)}


def test_firewall_ranges() -> None:
    everyone = azure.firewall_range_peer("0.0.0.0", "255.255.255.255")
    assert everyone is not None and covers_internet(everyone.networks(), 8, 32)
    # 0.0.0.0-0.0.0.0 is every Azure address, any tenant's: the internet in practice, and said so.
    services = azure.firewall_range_peer("0.0.0.0", "0.0.0.0")
    assert services is not None and covers_internet(services.networks(), 8, 32)
    assert "all Azure services" in str(services) and "any Azure tenant" in str(services)
    office = azure.firewall_range_peer("198.51.100.16", "198.51.100.31")
    assert office is not None and not covers_internet(office.networks(), 8, 32)
    assert azure.firewall_range_peer("10.0.0.9", "10.0.0.1") is None


def test_tls_spellings_of_other_services() -> None:
    assert azure.min_tls_version("TLS10") is TlsVersion.TLS1_0  # Front Door
    assert azure.flexible_server_min_tls("TLSv1,TLSv1.1,TLSv1.2") is TlsVersion.TLS1_0
    assert azure.flexible_server_min_tls("TLSv1.2,bogus") is None
    assert azure.server_parameter_on("OFF") is False and azure.server_parameter_on("on") is True
    assert azure.network_default_allows("Allow") is True and azure.network_default_allows("Deny") is False

"""Provider knowledge shared by IaC mappings and live audits: policy tables, defaults, document parsers.

Pure functions and constant tables only (no SDK imports), so that a Terraform
resource and the same resource read from the cloud API are judged by exactly
the same facts.
"""

from __future__ import annotations

# Terraform names every resource type after its provider (`aws_instance`, `azurerm_storage_account`,
# `google_compute_firewall`): the part before the first underscore is the provider's local name.
_TERRAFORM_PROVIDERS = {
    "aws": "aws",
    "azurerm": "azure",
    "azuread": "azure",
    "azapi": "azure",
    "google": "gcp",
    "kubernetes": "kubernetes",
    "helm": "kubernetes",
}
_LIVE = {"aws": "aws", "azure": "azure", "gcp": "gcp", "kubernetes": "kubernetes"}


def provider_of(source: str, resource_type: str) -> str | None:
    """The cloud or platform (aws, azure, gcp, kubernetes) a resource belongs to, whatever read it: a live audit's
    source names it, a Terraform resource's type does. None for a type of another provider."""
    live = _LIVE.get(source)
    if live is not None:
        return live
    return _TERRAFORM_PROVIDERS.get(resource_type.partition("_")[0])

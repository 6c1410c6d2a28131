"""Provider knowledge shared by IaC mappings and live audits: policy tables, defaults, document parsers.

Pure functions and constant tables only (no SDK imports), so that a Terraform
resource and the same resource read from the cloud API are judged by exactly
the same facts.
"""

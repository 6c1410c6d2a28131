"""Tenet: one security standard, checked the same way on Terraform, Kubernetes and live clouds."""

__version__ = "0.1.0"

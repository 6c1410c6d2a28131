"""Encryption at rest: buckets, disks, databases, file systems, secrets."""

from __future__ import annotations

from typing import Literal

from scanner._compat import StrEnum
from scanner.model.base import Located
from scanner.model.unknown import Unknown


class KeyManagement(StrEnum):
    PROVIDER = "provider-managed"
    CUSTOMER = "customer-managed"
    NONE = "none"


class DataStore(Located):
    """Data at rest and how it is encrypted.

    Platform defaults are modelled honestly: an S3 bucket without a
    configuration is still AES-256 encrypted by AWS (`by_default=True`).
    """

    asset_type: Literal["data_store"] = "data_store"
    kind: str  # object_storage, block_volume, database, file_system, table, search_domain, …
    name: str
    encrypted: bool | Unknown
    algorithm: str | Unknown | None = None  # as the provider names it: AES256, aws:kms, aescbc …
    key_bits: int | Unknown | None = None  # None where the provider does not say
    key_management: KeyManagement | Unknown
    by_default: bool = False

"""Encryption family: data at rest encrypted with AES-256."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.engine.params import RuleParams
from scanner.engine.registry import Violation, rule
from scanner.model import DataStore, KeyManagement, known


@rule(
    "ENC-001",
    name="unencrypted-at-rest",
    category="encryption",
    severity="high",
    title="Data store is not encrypted at rest",
)
def unencrypted_at_rest(store: DataStore, p: RuleParams) -> Iterator[Violation]:
    """Unencrypted volumes, databases, snapshots and secrets can be read by anyone
    who obtains the media, a snapshot or a backup. Platform defaults are honoured:
    S3 buckets, GCP disks and Azure storage are AES-256 encrypted by default.

    Remediation:
    Enable encryption at rest (`encrypted = true`, `storage_encrypted = true`,
    server-side encryption, a Kubernetes `EncryptionConfiguration` whose first
    provider is `aescbc`, `aesgcm`, `secretbox` or `kms`). Existing volumes and
    databases must be re-created from an encrypted snapshot.
    """
    if not known(store.encrypted, "encrypted"):
        yield Violation(f"{store.kind.replace('_', ' ')} {store.name!r} is not encrypted at rest",
                        store.origin_of("encrypted"))


@rule(
    "ENC-002",
    name="weak-encryption-key",
    category="encryption",
    severity="medium",
    title="Data at rest is encrypted with a key shorter than 256 bits",
)
def weak_encryption_key(store: DataStore, p: RuleParams) -> Iterator[Violation]:
    """The standard requires AES-256 at rest. A 128-bit key (for example an
    `aescbc` key of 16 bytes in a Kubernetes EncryptionConfiguration) falls short.

    Remediation:
    Rotate to a 32-byte (256-bit) key, or use a KMS provider with AES-256 keys.
    """
    if not known(store.encrypted, "encrypted"):
        return
    bits = known(store.key_bits, "key length")
    if bits is not None and bits < 256:
        yield Violation(f"{store.kind.replace('_', ' ')} {store.name!r} uses a {bits}-bit key",
                        store.origin_of("key_bits"))


@rule(
    "ENC-003",
    name="customer-managed-key-required",
    category="encryption",
    severity="medium",
    title="Data store uses a provider-managed key where customer-managed keys are required",
)
def customer_managed_key_required(store: DataStore, p: RuleParams) -> Iterator[Violation]:
    """Some organisations require customer-managed keys (AWS KMS CMKs, Azure Key
    Vault keys, GCP Cloud KMS) so that key rotation, access and revocation are
    under their control. Active only when `require_customer_managed_keys` is set.

    Remediation:
    Configure a customer-managed key: `kms_key_id`/`kms_master_key_id` on AWS,
    `customer_managed_key` or `disk_encryption_set_id` on Azure,
    `encryption.default_kms_key_name` or `disk_encryption_key.kms_key_self_link` on GCP.
    """
    if not p.require_customer_managed_keys or not known(store.encrypted, "encrypted"):
        return
    if known(store.key_management, "key management") is KeyManagement.PROVIDER:
        yield Violation(f"{store.kind.replace('_', ' ')} {store.name!r} is encrypted with a provider-managed key",
                        store.origin_of("key_management"))

"""Pure adapters for the data services beyond volumes, databases and buckets: how each stores data
(encryption at rest) and how clients reach it (TLS), as the Terraform mappings judge the same
resources. Same conventions as `adapters`: one response in, model objects out, no SDK.

`aws_managed` is the set of AWS managed key ids (ListAliases `alias/aws/*`), or None when it could
not be read: a key is then provider- or customer-managed by that set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.audit.aws.adapters import Response, Where, _items, _kms_store, _str, key_management
from scanner.model import DataStore, KeyManagement, TlsEndpoint, TlsVersion, Unknown
from scanner.providers.aws import SERVICE_TLS_MINIMUM, db_ssl_parameter, opensearch_min_version

Managed = frozenset[str] | None


def always_encrypted(origin: Any, kind: str, name: str, key: object, aws_managed: Managed) -> DataStore:
    """A store AWS always encrypts with AES-256: by the service's AWS managed key unless `key` names another."""
    management = key_management(_str(key), aws_managed)
    return DataStore(origin=origin, kind=kind, name=name, encrypted=True, algorithm="aws:kms", key_bits=256,
                     key_management=management, by_default=not _str(key))


def efs_file_systems(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """DescribeFileSystems: encryption at rest is chosen at creation and is off unless asked for."""
    stores = []
    for fs in _items(page.get("FileSystems")):
        fs_id = str(fs.get("FileSystemId", "?"))
        arn = _str(fs.get("FileSystemArn")) or where.arn("elasticfilesystem", f"file-system/{fs_id}")
        name = f"{fs_id} ({fs['Name']})" if _str(fs.get("Name")) else fs_id
        origin = where.origin(arn, "AWS::EFS::FileSystem", "encrypted", fs.get("Tags"))
        stores.append(_kms_store(origin, "file_system", name,
                                 fs.get("Encrypted"), fs.get("KmsKeyId"), aws_managed))
    return stores


def sqs_queue(attributes: Mapping[str, Any], url: str, where: Where, aws_managed: Managed) -> DataStore:
    """GetQueueAttributes (All): SSE-KMS with `KmsMasterKeyId`, SSE-SQS with `SqsManagedSseEnabled`, else none."""
    arn = _str(attributes.get("QueueArn")) or where.arn("sqs", url.rstrip("/").rsplit("/", 1)[-1])
    name = arn.rsplit(":", 1)[-1]
    origin = where.origin(arn, "AWS::SQS::Queue", "encryption")
    key = _str(attributes.get("KmsMasterKeyId"))
    if key:
        return DataStore(origin=origin, kind="queue", name=name, encrypted=True, algorithm="aws:kms", key_bits=256,
                         key_management=key_management(key, aws_managed))
    if str(attributes.get("SqsManagedSseEnabled", "")).lower() == "true":
        return DataStore(origin=origin, kind="queue", name=name, encrypted=True, algorithm="SSE-SQS", key_bits=256,
                         key_management=KeyManagement.PROVIDER)
    return DataStore(origin=origin, kind="queue", name=name, encrypted=False, key_management=KeyManagement.NONE)


def sns_topic(attributes: Mapping[str, Any], arn: str, where: Where, aws_managed: Managed) -> DataStore:
    """GetTopicAttributes: SNS stores messages unencrypted unless `KmsMasterKeyId` is set."""
    origin = where.origin(arn, "AWS::SNS::Topic", "encryption")
    return _kms_store(origin, "message_topic", arn.rsplit(":", 1)[-1], bool(_str(attributes.get("KmsMasterKeyId"))),
                      attributes.get("KmsMasterKeyId"), aws_managed)


def search_domains(response: Response, where: Where, aws_managed: Managed) -> list[DataStore | TlsEndpoint]:
    """DescribeDomains (OpenSearch and Elasticsearch engines): the HTTPS endpoint, traffic between nodes,
    and encryption at rest."""
    found: list[DataStore | TlsEndpoint] = []
    for domain in _items(response.get("DomainStatusList")):
        name = str(domain.get("DomainName", "?"))
        arn = _str(domain.get("ARN")) or where.arn("es", f"domain/{name}")
        origin = where.origin(arn, "AWS::OpenSearchService::Domain")
        endpoint = domain.get("DomainEndpointOptions")
        endpoint = endpoint if isinstance(endpoint, Mapping) else {}
        policy = _str(endpoint.get("TLSSecurityPolicy"))
        version: TlsVersion | Unknown = (opensearch_min_version(policy) if policy
                                         else Unknown(reason="the domain reports no TLSSecurityPolicy"))
        enforce = endpoint.get("EnforceHTTPS")
        found.append(TlsEndpoint(origin=origin.at(None, "endpoint"), kind="search_domain", name=name,
                                 min_version=version, policy_name=policy,
                                 plaintext_allowed=(not enforce) if isinstance(enforce, bool) else Unknown(
                                     reason="the domain does not say whether it enforces HTTPS")))
        nodes = domain.get("NodeToNodeEncryptionOptions")
        enabled = nodes.get("Enabled") if isinstance(nodes, Mapping) else None
        found.append(TlsEndpoint(
            origin=origin.at(None, "node_to_node"), kind="search_cluster_nodes", name=name,
            min_version=SERVICE_TLS_MINIMUM if enabled is True else None,
            plaintext_allowed=(not enabled) if isinstance(enabled, bool) else Unknown(
                reason="the domain does not say whether node-to-node encryption is on")))
        rest = domain.get("EncryptionAtRestOptions")
        rest = rest if isinstance(rest, Mapping) else {}
        found.append(_kms_store(origin.at(None, "encrypt_at_rest"), "search_domain", name,
                                rest.get("Enabled", False), rest.get("KmsKeyId"), aws_managed))
    return found


def dynamodb_table(response: Response, where: Where, aws_managed: Managed) -> DataStore | None:
    """DescribeTable: always encrypted; without SSEDescription by an AWS owned key."""
    table = response.get("Table")
    if not isinstance(table, Mapping):
        return None
    name = str(table.get("TableName", "?"))
    arn = _str(table.get("TableArn")) or where.arn("dynamodb", f"table/{name}")
    origin = where.origin(arn, "AWS::DynamoDB::Table", "encryption")
    sse = table.get("SSEDescription")
    if not isinstance(sse, Mapping) or sse.get("Status") not in ("ENABLED", "UPDATING"):
        return DataStore(origin=origin, kind="table", name=name, encrypted=True, algorithm="AES256", key_bits=256,
                         key_management=KeyManagement.PROVIDER, by_default=True)
    return always_encrypted(origin, "table", name, sse.get("KMSMasterKeyArn"), aws_managed)


def ecr_repositories(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """DescribeRepositories: images are always encrypted, AES256 by ECR or KMS."""
    stores = []
    for repo in _items(page.get("repositories")):
        name = str(repo.get("repositoryName", "?"))
        arn = _str(repo.get("repositoryArn")) or where.arn("ecr", f"repository/{name}")
        config = repo.get("encryptionConfiguration")
        config = config if isinstance(config, Mapping) else {}
        kms = str(config.get("encryptionType", "AES256")).upper().startswith("KMS")
        stores.append(always_encrypted(where.origin(arn, "AWS::ECR::Repository", "encryption"), "container_registry",
                                       name, config.get("kmsKey") if kms else None, aws_managed))
    return stores


def secrets(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """ListSecrets: always encrypted, by aws/secretsmanager unless `KmsKeyId` names another key."""
    return [always_encrypted(where.origin(str(s.get("ARN")), "AWS::SecretsManager::Secret", "encryption",
                                          s.get("Tags")), "secret", str(s.get("Name", "?")), s.get("KmsKeyId"),
                             aws_managed)
            for s in _items(page.get("SecretList")) if _str(s.get("ARN"))]


def log_groups(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """DescribeLogGroups: always encrypted, by CloudWatch Logs unless `kmsKeyId` names a key."""
    stores = []
    for group in _items(page.get("logGroups")):
        name = str(group.get("logGroupName", "?"))
        arn = _str(group.get("logGroupArn")) or where.arn("logs", f"log-group:{name}")
        stores.append(always_encrypted(where.origin(arn, "AWS::Logs::LogGroup", "encryption"), "log_group", name,
                                       group.get("kmsKeyId"), aws_managed))
    return stores


def trails(response: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """DescribeTrails (includeShadowTrails false): log files are SSE-S3 unless `KmsKeyId` is set."""
    stores = []
    for trail in _items(response.get("trailList")):
        if _str(trail.get("HomeRegion")) not in (None, where.region):
            continue  # a multi-region trail is read once, in its home region
        name = str(trail.get("Name", "?"))
        arn = _str(trail.get("TrailARN")) or where.arn("cloudtrail", f"trail/{name}")
        stores.append(always_encrypted(where.origin(arn, "AWS::CloudTrail::Trail", "encryption"), "audit_log", name,
                                       trail.get("KmsKeyId"), aws_managed))
    return stores


def backup_vaults(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """ListBackupVaults: recovery points are always encrypted, under the vault's `EncryptionKeyArn`."""
    return [always_encrypted(where.origin(str(v.get("BackupVaultArn")), "AWS::Backup::BackupVault", "encryption"),
                             "backup_vault", str(v.get("BackupVaultName", "?")), v.get("EncryptionKeyArn"),
                             aws_managed)
            for v in _items(page.get("BackupVaultList")) if _str(v.get("BackupVaultArn"))]


def kinesis_stream(response: Response, where: Where, aws_managed: Managed) -> DataStore | None:
    """DescribeStreamSummary: `EncryptionType` KMS or NONE."""
    summary = response.get("StreamDescriptionSummary")
    if not isinstance(summary, Mapping):
        return None
    name = str(summary.get("StreamName", "?"))
    arn = _str(summary.get("StreamARN")) or where.arn("kinesis", f"stream/{name}")
    kind = summary.get("EncryptionType")
    encrypted: object = kind == "KMS" if kind in ("KMS", "NONE") else None
    return _kms_store(where.origin(arn, "AWS::Kinesis::Stream", "encryption"), "stream", name, encrypted,
                      summary.get("KeyId"), aws_managed)


def firehose_stream(response: Response, where: Where, aws_managed: Managed) -> DataStore | None:
    """DescribeDeliveryStream: what Firehose buffers is encrypted only with server-side encryption on;
    a stream fed by a Kinesis data stream stores nothing of its own."""
    description = response.get("DeliveryStreamDescription")
    if not isinstance(description, Mapping) or description.get("DeliveryStreamType") == "KinesisStreamAsSource":
        return None
    name = str(description.get("DeliveryStreamName", "?"))
    arn = _str(description.get("DeliveryStreamARN")) or where.arn("firehose", f"deliverystream/{name}")
    sse = description.get("DeliveryStreamEncryptionConfiguration")
    sse = sse if isinstance(sse, Mapping) else {}
    enabled = sse.get("Status") in ("ENABLED", "ENABLING")
    key = sse.get("KeyARN") if sse.get("KeyType") == "CUSTOMER_MANAGED_CMK" else None
    return _kms_store(where.origin(arn, "AWS::KinesisFirehose::DeliveryStream", "encryption"), "stream", name,
                      enabled, key, aws_managed)


def parameter_group_tls(parameters: list[Mapping[str, Any]], family: str, origin: Any, name: str
                        ) -> TlsEndpoint | None:
    """A parameter group in use (DescribeDBParameters, DescribeDBClusterParameters or Redshift's
    DescribeClusterParameters, every page): whether it makes the database refuse unencrypted connections
    (`rds.force_ssl`, `require_secure_transport`, `require_ssl`). None for engines no parameter governs."""
    found = db_ssl_parameter(family)
    if found is None:
        return None
    parameter, default = found
    value = next((p.get("ParameterValue") for p in parameters
                  if str(p.get("ParameterName", "")).lower() == parameter and p.get("ParameterValue") is not None),
                 None)
    enforced: bool | Unknown = default if value is None else str(value).strip().lower() in ("1", "on", "true")
    plaintext: bool | Unknown = enforced if isinstance(enforced, Unknown) else not enforced
    return TlsEndpoint(origin=origin, kind="database", name=f"{name} ({parameter})",
                       min_version=SERVICE_TLS_MINIMUM if enforced is True else None, plaintext_allowed=plaintext)


def redshift_clusters(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """DescribeClusters: encryption at rest (clusters created since January 2025 are always encrypted)."""
    stores = []
    for cluster in _items(page.get("Clusters")):
        name = str(cluster.get("ClusterIdentifier", "?"))
        origin = where.origin(where.arn("redshift", f"cluster:{name}"), "AWS::Redshift::Cluster", "encrypted",
                              cluster.get("Tags"))
        stores.append(_kms_store(origin, "data_warehouse", name, cluster.get("Encrypted"), cluster.get("KmsKeyId"),
                                 aws_managed))
    return stores


def elasticache_groups(page: Response, where: Where, aws_managed: Managed) -> list[DataStore | TlsEndpoint]:
    """DescribeReplicationGroups: in transit (`preferred` mode accepts plaintext clients too) and at rest."""
    found: list[DataStore | TlsEndpoint] = []
    for group in _items(page.get("ReplicationGroups")):
        name = str(group.get("ReplicationGroupId", "?"))
        arn = _str(group.get("ARN")) or where.arn("elasticache", f"replicationgroup:{name}")
        origin = where.origin(arn, "AWS::ElastiCache::ReplicationGroup")
        transit = group.get("TransitEncryptionEnabled")
        plaintext: bool | Unknown = (not transit) if isinstance(transit, bool) else Unknown(
            reason="the group does not say whether in-transit encryption is on")
        if transit is True and str(group.get("TransitEncryptionMode", "required")).lower() == "preferred":
            plaintext = True
        found.append(TlsEndpoint(origin=origin.at(None, "transit_encryption"), kind="cache", name=name,
                                 min_version=SERVICE_TLS_MINIMUM if transit is True else None,
                                 plaintext_allowed=plaintext))
        found.append(_kms_store(origin.at(None, "at_rest_encryption"), "cache", name,
                                group.get("AtRestEncryptionEnabled", False), group.get("KmsKeyId"), aws_managed))
    return found


def memorydb_clusters(page: Response, where: Where, aws_managed: Managed) -> list[DataStore | TlsEndpoint]:
    """DescribeClusters (MemoryDB): TLS (on by default) and storage, always encrypted."""
    found: list[DataStore | TlsEndpoint] = []
    for cluster in _items(page.get("Clusters")):
        name = str(cluster.get("Name", "?"))
        arn = _str(cluster.get("ARN")) or where.arn("memorydb", f"cluster/{name}")
        origin = where.origin(arn, "AWS::MemoryDB::Cluster")
        tls = cluster.get("TLSEnabled")
        found.append(TlsEndpoint(origin=origin.at(None, "tls"), kind="cache", name=name,
                                 min_version=SERVICE_TLS_MINIMUM if tls is True else None,
                                 plaintext_allowed=(not tls) if isinstance(tls, bool) else Unknown(
                                     reason="the cluster does not say whether TLS is on")))
        found.append(always_encrypted(origin.at(None, "encryption"), "cache", name, cluster.get("KmsKeyId"),
                                      aws_managed))
    return found


def msk_clusters(page: Response, where: Where, aws_managed: Managed) -> list[DataStore | TlsEndpoint]:
    """ListClustersV2 (provisioned clusters): client-broker and in-cluster TLS; storage always encrypted."""
    found: list[DataStore | TlsEndpoint] = []
    for cluster in _items(page.get("ClusterInfoList")):
        name = str(cluster.get("ClusterName", "?"))
        arn = _str(cluster.get("ClusterArn")) or where.arn("kafka", f"cluster/{name}")
        origin = where.origin(arn, "AWS::MSK::Cluster")
        provisioned = cluster.get("Provisioned")
        info = provisioned.get("EncryptionInfo") if isinstance(provisioned, Mapping) else None
        info = info if isinstance(info, Mapping) else {}
        transit = info.get("EncryptionInTransit")
        transit = transit if isinstance(transit, Mapping) else {}
        client = str(transit.get("ClientBroker", "TLS")).upper()
        in_cluster = transit.get("InCluster", True)
        plaintext = client != "TLS" or in_cluster is False
        found.append(TlsEndpoint(origin=origin.at(None, "encryption_in_transit"), kind="message_broker", name=name,
                                 min_version=SERVICE_TLS_MINIMUM, plaintext_allowed=plaintext))
        rest = info.get("EncryptionAtRest")
        key = rest.get("DataVolumeKMSKeyId") if isinstance(rest, Mapping) else None
        found.append(always_encrypted(origin.at(None, "encryption_at_rest"), "message_broker", name, key, aws_managed))
    return found

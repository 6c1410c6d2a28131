"""The live GCP audit, with the real google-cloud clients (REST transport) against a local server.

The server (tests/audit/fake_clouds.py) serves Resource Manager v3, Compute v1
and Storage JSON API paths, paginates with `nextPageToken`, and answers 403
where a project is set up to. Findings are asserted exactly, as (rule id,
full resource name).
"""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from scanner.audit.engine import AuditResult, Snapshot
from scanner.audit.gcp import adapters
from scanner.audit.gcp.collectors import GcpOptions, audit, explain
from scanner.engine.findings import Status
from scanner.model import AccessGrant, DataStore, Firewall, KeyManagement, Peer, TlsEndpoint, TlsVersion, Unknown
from scanner.providers import gcp
from scanner.scan import Scanner
from tests.audit.fake_clouds import FakeGcp, GcpProject, gcp_endpoints, running

PROD, DEV, SANDBOX, DELETED = "tenet-prod", "tenet-dev", "tenet-sandbox", "tenet-old"
COMPUTE_URL = "https://www.googleapis.com/compute/v1"


def firewall(project: str, name: str, *, allowed: Sequence[tuple[str, list[str]]] = (),
             denied: Sequence[tuple[str, list[str]]] = (), direction: str = "INGRESS", priority: int = 1000,
             ranges: Sequence[str] = (), source_tags: Sequence[str] = (), target_tags: Sequence[str] = (),
             network: str = "default", disabled: bool = False) -> dict[str, Any]:
    """A firewall as Compute v1 returns it."""
    def entries(items: Sequence[tuple[str, list[str]]]) -> list[dict[str, Any]]:
        return [{"IPProtocol": proto, **({"ports": ports} if ports else {})} for proto, ports in items]

    item: dict[str, Any] = {
        "kind": "compute#firewall", "id": str(abs(hash(name)) % 10**12), "name": name, "priority": priority,
        "network": f"{COMPUTE_URL}/projects/{project}/global/networks/{network}", "direction": direction,
        "selfLink": f"{COMPUTE_URL}/projects/{project}/global/firewalls/{name}", "disabled": disabled,
        "logConfig": {"enable": False},
    }
    if allowed:
        item["allowed"] = entries(allowed)
    if denied:
        item["denied"] = entries(denied)
    if ranges:
        item["sourceRanges" if direction == "INGRESS" else "destinationRanges"] = list(ranges)
    if source_tags:
        item["sourceTags"] = list(source_tags)
    if target_tags:
        item["targetTags"] = list(target_tags)
    return item


def ssl_policy(project: str, scope: str, name: str, min_tls: str | None, profile: str = "COMPATIBLE"
               ) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": "compute#sslPolicy", "name": name, "profile": profile,
                            "selfLink": f"{COMPUTE_URL}/projects/{project}/{scope}/sslPolicies/{name}"}
    if min_tls is not None:
        item["minTlsVersion"] = min_tls
    return item


def https_proxy(project: str, scope: str, name: str, policy: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": "compute#targetHttpsProxy", "name": name,
                            "urlMap": f"{COMPUTE_URL}/projects/{project}/{scope}/urlMaps/web",
                            "sslCertificates": [f"{COMPUTE_URL}/projects/{project}/{scope}/sslCertificates/cert"]}
    if policy is not None:
        item["sslPolicy"] = f"{COMPUTE_URL}/projects/{project}/{scope}/sslPolicies/{policy}"
    return item


def bucket(name: str, kms_key: str | None = None, *, prevention: str = "inherited", uniform: bool = True,
           object_acl: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """A bucket as `buckets.list?projection=full` returns it; `object_acl`: (entity, role) pairs."""
    item: dict[str, Any] = {"kind": "storage#bucket", "id": name, "name": name, "projectNumber": "123456",
                            "location": "EU", "storageClass": "STANDARD",
                            "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": uniform},
                                                 "bucketPolicyOnly": {"enabled": uniform},
                                                 "publicAccessPrevention": prevention},
                            "acl": [] if uniform else [
                                {"kind": "storage#bucketAccessControl", "entity": "project-owners-123456",
                                 "role": "OWNER", "projectTeam": {"projectNumber": "123456", "team": "owners"}}],
                            "defaultObjectAcl": [
                                {"kind": "storage#objectAccessControl", "entity": entity, "role": role}
                                for entity, role in object_acl]}
    if kms_key:
        item["encryption"] = {"defaultKmsKeyName": kms_key}
    return item


def policy(*bindings: tuple[str, list[str]] | tuple[str, list[str], str]) -> dict[str, Any]:
    """An IAM policy; a third element is a condition title."""
    return {"version": 3, "etag": "BwYxZz1=", "bindings": [
        {"role": b[0], "members": b[1],
         **({"condition": {"title": b[2], "expression": "request.time < timestamp('2027-01-01T00:00:00Z')"}}
            if len(b) == 3 else {})}
        for b in bindings
    ]}


def sql_instance(project: str, name: str, version: str, *, ipv4: bool = True, networks: Sequence[str] = (),
                 ssl_mode: str | None = None, require_ssl: bool | None = None, kms_key: str | None = None
                 ) -> dict[str, Any]:
    """A DatabaseInstance as `instances.list` (sqladmin v1) returns it."""
    ip: dict[str, Any] = {"ipv4Enabled": ipv4, "authorizedNetworks": [
        {"kind": "sql#aclEntry", "value": value, "name": f"net-{i}"} for i, value in enumerate(networks)]}
    if ssl_mode is not None:
        ip["sslMode"] = ssl_mode
    if require_ssl is not None:
        ip["requireSsl"] = require_ssl
    item: dict[str, Any] = {
        "kind": "sql#instance", "name": name, "project": project, "region": "europe-west1",
        "databaseVersion": version, "state": "RUNNABLE", "backendType": "SECOND_GEN",
        "instanceType": "CLOUD_SQL_INSTANCE",
        "connectionName": f"{project}:europe-west1:{name}",
        "settings": {"kind": "sql#settings", "tier": "db-custom-2-7680", "availabilityType": "ZONAL",
                     "ipConfiguration": ip, "settingsVersion": "3"}}
    if kms_key:
        item["diskEncryptionConfiguration"] = {"kind": "sql#diskEncryptionConfiguration", "kmsKeyName": kms_key}
    return item


def compute_disk(project: str, scope: str, name: str, key: dict[str, str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": "compute#disk", "id": str(abs(hash(name)) % 10**12), "name": name,
                            "sizeGb": "10", "status": "READY", "type": f"{COMPUTE_URL}/projects/{project}/{scope}/"
                                                                      f"diskTypes/pd-balanced",
                            "selfLink": f"{COMPUTE_URL}/projects/{project}/{scope}/disks/{name}"}
    if key is not None:
        item["diskEncryptionKey"] = key
    return item


def dataset_item(project: str, dataset_id: str, access: list[dict[str, Any]], kms_key: str | None = None
                 ) -> dict[str, Any]:
    """A Dataset as `datasets.get` (bigquery v2) returns it."""
    item: dict[str, Any] = {"kind": "bigquery#dataset", "id": f"{project}:{dataset_id}", "location": "EU",
                            "datasetReference": {"datasetId": dataset_id, "projectId": project}, "access": access,
                            "creationTime": "1700000000000", "lastModifiedTime": "1700000000000", "type": "DEFAULT"}
    if kms_key:
        item["defaultEncryptionConfiguration"] = {"kmsKeyName": kms_key}
    return item


KMS_KEY = f"projects/{PROD}/locations/europe-west1/keyRings/app/cryptoKeys/data"
RING = f"projects/{PROD}/locations/europe-west1/keyRings/app"
RUN_API = f"projects/{PROD}/locations/europe-west1/services/api"
RUN_INTERNAL = f"projects/{PROD}/locations/europe-west1/services/internal"
FUNCTION_HOOK = f"projects/{PROD}/locations/us-central1/functions/hook"
FUNCTION_LEGACY = f"projects/{PROD}/locations/us-central1/functions/legacy"


def prod_services() -> tuple[dict[str, dict[str, list[dict[str, Any]]]], dict[str, Any]]:
    """Compute disks and target SSL proxies; Cloud SQL, KMS, Pub/Sub, Run, Functions and BigQuery."""
    compute = {
        "disks": {"zones/europe-west1-b": [compute_disk(PROD, "zones/europe-west1-b", "vm-boot"),
                                           compute_disk(PROD, "zones/europe-west1-b", "data-cmek",
                                                        {"kmsKeyName": f"{KMS_KEY}/cryptoKeyVersions/1"})],
                  "regions/europe-west1": [compute_disk(PROD, "regions/europe-west1", "shared-csek",
                                                        {"sha256": "k2mS6wqWYd5BNZ0KGJ3ySwlvfyE3XhOu55aETJAUKgs="})]},
        "targetSslProxies": {"global": [
            {"kind": "compute#targetSslProxy", "name": "tcp-legacy", "proxyHeader": "NONE",
             "service": f"{COMPUTE_URL}/projects/{PROD}/global/backendServices/tcp",
             "sslPolicy": f"{COMPUTE_URL}/projects/{PROD}/global/sslPolicies/legacy-tls"},
            {"kind": "compute#targetSslProxy", "name": "tcp-default", "proxyHeader": "NONE",
             "service": f"{COMPUTE_URL}/projects/{PROD}/global/backendServices/tcp"}]},
    }
    compute.update({
        "targetHttpProxies": {
            "global": [http_proxy(PROD, "global", "web-http", "web"), http_proxy(PROD, "global", "redirect-http",
                                                                               "to-https"),
                       http_proxy(PROD, "global", "orphan-http", "web")],
            "regions/europe-west1": [http_proxy(PROD, "regions/europe-west1", "internal-http", "internal")]},
        "urlMaps": {
            "global": [{"kind": "compute#urlMap", "name": "web",
                        "defaultService": f"{COMPUTE_URL}/projects/{PROD}/global/backendServices/web"},
                       {"kind": "compute#urlMap", "name": "to-https",
                        "defaultUrlRedirect": {"httpsRedirect": True,
                                               "redirectResponseCode": "MOVED_PERMANENTLY_DEFAULT"}}],
            "regions/europe-west1": [{"kind": "compute#urlMap", "name": "internal", "defaultService": "x"}]},
        "forwardingRules": {"regions/europe-west1": [
            forwarding_rule(PROD, "regions/europe-west1", "fr-internal", "targetHttpProxies/internal-http",
                            "INTERNAL_MANAGED")]},
        "globalForwardingRules": {"global": [
            forwarding_rule(PROD, "global", "fr-web", "targetHttpProxies/web-http", "EXTERNAL_MANAGED"),
            forwarding_rule(PROD, "global", "fr-web-v6", "targetHttpProxies/web-http", "EXTERNAL_MANAGED",
                            address="2600:1901:0:1234::", version="IPV6"),
            forwarding_rule(PROD, "global", "fr-redirect", "targetHttpProxies/redirect-http", None)]},
    })
    topic_events, topic_feed = f"projects/{PROD}/topics/events", f"projects/{PROD}/topics/public-feed"
    rest: dict[str, Any] = {
        f"v1/projects/{PROD}/instances": ("items", [
            sql_instance(PROD, "pg-public", "POSTGRES_15", networks=["0.0.0.0/0"],
                         ssl_mode="ALLOW_UNENCRYPTED_AND_ENCRYPTED"),
            sql_instance(PROD, "mysql-private", "MYSQL_8_0", ipv4=False, networks=["0.0.0.0/0"],
                         ssl_mode="ENCRYPTED_ONLY", require_ssl=True, kms_key=KMS_KEY),
            sql_instance(PROD, "sqlserver-office", "SQLSERVER_2019_STANDARD", networks=["203.0.113.0/24"],
                         require_ssl=True),
            sql_instance(PROD, "mysql-legacy", "MYSQL_5_7", networks=["198.51.100.0/24", "0.0.0.0/1"])]),
        f"v1/projects/{PROD}/locations": ("locations", [
            {"name": f"projects/{PROD}/locations/europe-west1", "locationId": "europe-west1"},
            {"name": f"projects/{PROD}/locations/global", "locationId": "global"},
            {"name": f"projects/{PROD}/locations/us-east1", "locationId": "us-east1"}]),
        f"v1/projects/{PROD}/locations/europe-west1/keyRings": ("keyRings", [
            {"name": RING, "createTime": "2024-01-01T00:00:00Z"}]),
        f"v1/{RING}/cryptoKeys": ("cryptoKeys", [
            {"name": KMS_KEY, "purpose": "ENCRYPT_DECRYPT"}, {"name": f"{RING}/cryptoKeys/shared",
                                                               "purpose": "ENCRYPT_DECRYPT"},
            {"name": f"{RING}/cryptoKeys/retired", "purpose": "ENCRYPT_DECRYPT"}]),
        f"v1/{RING}:getIamPolicy": {"version": 1, "etag": "BwYA"},  # no bindings at all
        f"v1/{KMS_KEY}:getIamPolicy": policy(("roles/cloudkms.cryptoKeyEncrypterDecrypter",
                                              ["serviceAccount:service-123456@gs-project-accounts.iam."
                                               "gserviceaccount.com"])),
        f"v1/{RING}/cryptoKeys/shared:getIamPolicy": policy(("roles/cloudkms.cryptoKeyEncrypter",
                                                             ["allAuthenticatedUsers"])),
        # A deleted member, and a time-bound condition: neither is public.
        f"v1/{RING}/cryptoKeys/retired:getIamPolicy": policy(
            ("roles/cloudkms.cryptoKeyDecrypter", ["deleted:serviceAccount:old@tenet-prod.iam.gserviceaccount.com"
                                                   "?uid=123456789012345678901"]),
            ("roles/cloudkms.viewer", ["group:sec@example.com"], "until-2027")),
        f"v1/projects/{PROD}/topics": ("topics", [{"name": topic_events, "kmsKeyName": KMS_KEY},
                                                  {"name": topic_feed, "messageRetentionDuration": "86400s"}]),
        f"v1/{topic_events}:getIamPolicy": policy(("roles/pubsub.publisher",
                                                   [f"serviceAccount:app@{PROD}.iam.gserviceaccount.com"])),
        f"v1/{topic_feed}:getIamPolicy": policy(("roles/pubsub.subscriber", ["allUsers"])),
        f"v1/projects/{PROD}/subscriptions": ("subscriptions", [
            {"name": f"projects/{PROD}/subscriptions/events-sub", "topic": topic_events}]),
        f"v1/projects/{PROD}/subscriptions/events-sub:getIamPolicy": {"etag": "ACAB"},
        f"v2/projects/{PROD}/locations/-/services": ("services", [
            {"name": RUN_API, "uri": "https://api-abc-ew.a.run.app", "ingress": "INGRESS_TRAFFIC_ALL"},
            {"name": RUN_INTERNAL, "uri": "https://internal-abc-ew.a.run.app",
             "ingress": "INGRESS_TRAFFIC_INTERNAL_ONLY"}]),
        f"v2/{RUN_API}:getIamPolicy": policy(("roles/run.invoker", ["allUsers"])),
        f"v2/{RUN_INTERNAL}:getIamPolicy": policy(("roles/run.invoker",
                                                   [f"serviceAccount:caller@{PROD}.iam.gserviceaccount.com"])),
        f"v2/projects/{PROD}/locations/-/functions": ("functions", [
            {"name": FUNCTION_HOOK, "environment": "GEN_2", "state": "ACTIVE"},
            {"name": FUNCTION_LEGACY, "environment": "GEN_1", "state": "ACTIVE"}]),
        f"v2/{FUNCTION_HOOK}:getIamPolicy": policy(("roles/cloudfunctions.invoker", ["allUsers"])),
        f"v2/{FUNCTION_LEGACY}:getIamPolicy": policy(("roles/cloudfunctions.invoker", ["allAuthenticatedUsers"])),
        f"bigquery/v2/projects/{PROD}/datasets": ("datasets", [
            {"kind": "bigquery#dataset", "id": f"{PROD}:analytics", "location": "EU",
             "datasetReference": {"datasetId": "analytics", "projectId": PROD}},
            {"kind": "bigquery#dataset", "id": f"{PROD}:public_data", "location": "US",
             "datasetReference": {"datasetId": "public_data", "projectId": PROD}}]),
        f"bigquery/v2/projects/{PROD}/datasets/analytics": dataset_item(PROD, "analytics", [
            {"role": "OWNER", "specialGroup": "projectOwners"}, {"role": "READER", "specialGroup": "projectReaders"},
            {"role": "WRITER", "userByEmail": f"etl@{PROD}.iam.gserviceaccount.com"},
            {"view": {"projectId": PROD, "datasetId": "reports", "tableId": "summary"}}], kms_key=KMS_KEY),
        f"bigquery/v2/projects/{PROD}/datasets/public_data": dataset_item(PROD, "public_data", [
            {"role": "OWNER", "specialGroup": "projectOwners"},
            {"role": "READER", "specialGroup": "allAuthenticatedUsers"},
            {"role": "roles/bigquery.dataViewer", "iamMember": "allUsers"}]),
    }
    compute.update({
        "snapshots": {"global": [
            {"kind": "compute#snapshot", "name": "nightly", "status": "READY", "storageBytes": "1024",
             "sourceDisk": f"{COMPUTE_URL}/projects/{PROD}/zones/europe-west1-b/disks/vm-boot"},
            {"kind": "compute#snapshot", "name": "nightly-cmek", "status": "READY",
             "snapshotEncryptionKey": {"kmsKeyName": f"{KMS_KEY}/cryptoKeyVersions/1"}}]},
        "images": {"global": [{"kind": "compute#image", "name": "golden", "status": "READY",
                               "imageEncryptionKey": {"kmsKeyName": KMS_KEY}}]},
        "instanceTemplates": {"global": [
            {"kind": "compute#instanceTemplate", "name": "web-template", "properties": {
                "machineType": "e2-small", "disks": [
                    {"boot": True, "autoDelete": True, "initializeParams": {"sourceImage": "projects/debian-cloud/"
                                                                                           "global/images/family/"
                                                                                           "debian-12"}},
                    {"boot": False, "diskEncryptionKey": {"kmsKeyName": KMS_KEY}}]}}]},
    })
    rest[f"v1/projects/{PROD}/locations/-/instances"] = ("instances", [
        {"name": f"projects/{PROD}/locations/europe-west1/instances/cache-plain", "locationId": "europe-west1-b",
         "tier": "BASIC", "memorySizeGb": 1, "redisVersion": "REDIS_7_0", "authEnabled": False},
        {"name": f"projects/{PROD}/locations/europe-west1/instances/cache-tls", "locationId": "europe-west1-c",
         "tier": "STANDARD_HA", "memorySizeGb": 5, "transitEncryptionMode": "SERVER_AUTHENTICATION",
         "authEnabled": True, "customerManagedKey": KMS_KEY}])
    rest[f"v1/projects/{PROD}/locations/-/clusters"] = {"clusters": [
        gke_cluster("open", {}),
        gke_cluster("authorized", {"masterAuthorizedNetworksConfig": {
            "enabled": True, "cidrBlocks": [{"displayName": "office", "cidrBlock": "203.0.113.0/24"}]}},
            boot_key=KMS_KEY),
        gke_cluster("google-cloud", {"masterAuthorizedNetworksConfig": {
            "enabled": True, "cidrBlocks": [], "gcpPublicCidrsAccessEnabled": True}}),
        gke_cluster("private", {"privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": True,
                                                         "masterIpv4CidrBlock": "172.16.0.0/28"}}),
    ], "missingZones": ["us-central1-f"]}
    return compute, rest


def http_proxy(project: str, scope: str, name: str, url_map: str) -> dict[str, Any]:
    return {"kind": "compute#targetHttpProxy", "name": name,
            "selfLink": f"{COMPUTE_URL}/projects/{project}/{scope}/targetHttpProxies/{name}",
            "urlMap": f"{COMPUTE_URL}/projects/{project}/{scope}/urlMaps/{url_map}"}


def forwarding_rule(project: str, scope: str, name: str, target: str, scheme: str | None, *,
                    address: str = "203.0.113.80", version: str = "IPV4") -> dict[str, Any]:
    item: dict[str, Any] = {"kind": "compute#forwardingRule", "name": name, "IPAddress": address,
                            "IPProtocol": "TCP", "portRange": "80-80", "ipVersion": version,
                            "target": f"{COMPUTE_URL}/projects/{project}/{scope}/{target}"}
    if scheme is not None:
        item["loadBalancingScheme"] = scheme
    return item


def gke_cluster(name: str, settings: dict[str, Any], *, boot_key: str | None = None) -> dict[str, Any]:
    """A Cluster as `projects.locations.clusters.list` (container v1) returns it."""
    return {"name": name, "location": "europe-west1", "status": "RUNNING", "endpoint": "34.77.0.10",
            "currentMasterVersion": "1.30.5-gke.1014001",
            "nodePools": [{"name": "default-pool", "initialNodeCount": 3, "status": "RUNNING",
                           "config": {"machineType": "e2-medium", "diskSizeGb": 100,
                                      **({"bootDiskKmsKey": boot_key} if boot_key else {})}}],
            **settings}


REPO_IMAGES = f"projects/{PROD}/locations/europe-west1/repositories/images"
REPO_PUBLIC = f"projects/{PROD}/locations/europe-west1/repositories/public-pkgs"
SECRET_API_KEY = f"projects/{PROD}/secrets/api-key"
SECRET_DB = f"projects/{PROD}/secrets/db-password"
SA_CI = f"projects/{PROD}/serviceAccounts/ci@{PROD}.iam.gserviceaccount.com"
SA_APP = f"projects/{PROD}/serviceAccounts/app@{PROD}.iam.gserviceaccount.com"
DATAPROC_ETL = f"projects/{PROD}/regions/europe-west1/clusters/etl"
DATAPROC_ADHOC = f"projects/{PROD}/regions/europe-west1/clusters/adhoc"
TABLE_EVENTS = f"projects/{PROD}/datasets/analytics/tables/events"
TABLE_SUMMARY = f"projects/{PROD}/datasets/analytics/tables/summary"
TABLE_OPEN = f"projects/{PROD}/datasets/public_data/tables/shared"
VM_ZONE = "zones/europe-west1-b"
SA_MEMBER = f"serviceAccount:app@{PROD}.iam.gserviceaccount.com"


def vertex(collection: str, name: str, keyed: bool, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"name": f"projects/{PROD}/locations/europe-west1/{collection}/{name}",
                            "createTime": "2024-03-01T00:00:00Z", **fields}
    if keyed:
        item["encryptionSpec"] = {"kmsKeyName": KMS_KEY}
    return item


def table(dataset_id: str, table_id: str, kind: str = "TABLE") -> dict[str, Any]:
    """A `tables.list` entry."""
    return {"kind": "bigquery#table", "id": f"{PROD}:{dataset_id}.{table_id}", "type": kind,
            "tableReference": {"projectId": PROD, "datasetId": dataset_id, "tableId": table_id},
            "creationTime": "1700000000000"}


def more_services() -> tuple[dict[str, dict[str, list[dict[str, Any]]]], dict[str, Any]]:
    """Artifact Registry, Vertex AI, Bigtable, Filestore, Spanner, Secret Manager, service accounts, VMs'
    IAM, Dataproc and BigQuery tables: a planted violation and a clean counterpart of each."""
    compute = {"instances": {VM_ZONE: [
        {"kind": "compute#instance", "name": name, "status": "RUNNING", "machineType": f"{COMPUTE_URL}/projects/"
         f"{PROD}/{VM_ZONE}/machineTypes/e2-small", "zone": f"{COMPUTE_URL}/projects/{PROD}/{VM_ZONE}",
         "selfLink": f"{COMPUTE_URL}/projects/{PROD}/{VM_ZONE}/instances/{name}"} for name in ("web-1", "bastion")]}}
    bigtable_cluster = {"serveNodes": 1, "defaultStorageType": "SSD", "state": "READY"}
    rest: dict[str, Any] = {
        f"v1/projects/{PROD}/locations/europe-west1/repositories": ("repositories", [
            {"name": REPO_IMAGES, "format": "DOCKER", "mode": "STANDARD_REPOSITORY", "kmsKeyName": KMS_KEY},
            {"name": REPO_PUBLIC, "format": "NPM", "mode": "STANDARD_REPOSITORY", "description": "open source"}]),
        f"v1/{REPO_IMAGES}:getIamPolicy": policy(("roles/artifactregistry.writer", [SA_MEMBER])),
        f"v1/{REPO_PUBLIC}:getIamPolicy": policy(("roles/artifactregistry.reader", ["allUsers"])),
        f"v1/projects/{PROD}/locations/europe-west1/datasets": ("datasets", [
            vertex("datasets", "1001", True, displayName="train", metadataSchemaUri="gs://google-cloud-aiplatform/"
                   "schema/dataset/metadata/image_1.0.0.yaml"),
            vertex("datasets", "1002", False, displayName="raw", metadataSchemaUri="gs://google-cloud-aiplatform/"
                   "schema/dataset/metadata/tabular_1.0.0.yaml")]),
        f"v1/projects/{PROD}/locations/europe-west1/metadataStores": ("metadataStores", [
            vertex("metadataStores", "default", False, description="the default store"),
            vertex("metadataStores", "secure", True)]),
        f"v2/projects/{PROD}/instances/-/clusters": ("clusters", [
            {"name": f"projects/{PROD}/instances/bt-cmek/clusters/bt-cmek-c1", "location": f"projects/{PROD}/"
             "locations/europe-west1-b", "encryptionConfig": {"kmsKeyName": KMS_KEY}, **bigtable_cluster},
            {"name": f"projects/{PROD}/instances/bt-cmek/clusters/bt-cmek-c2", "location": f"projects/{PROD}/"
             "locations/europe-west1-c", "encryptionConfig": {"kmsKeyName": KMS_KEY}, **bigtable_cluster},
            {"name": f"projects/{PROD}/instances/bt-plain/clusters/bt-plain-c1", "location": f"projects/{PROD}/"
             "locations/europe-west1-b", **bigtable_cluster}]),
        f"file/v1/projects/{PROD}/locations/-/instances": ("instances", [
            {"name": f"projects/{PROD}/locations/europe-west1-b/instances/{name}", "tier": "BASIC_HDD",
             "state": "READY", "fileShares": [{"name": "share", "capacityGb": "1024"}],
             **({"kmsKeyName": KMS_KEY} if keyed else {})} for name, keyed in (("nfs-cmek", True),
                                                                                ("nfs-plain", False))]),
        f"spanner/v1/projects/{PROD}/instances": ("instances", [
            {"name": f"projects/{PROD}/instances/main", "config": f"projects/{PROD}/instanceConfigs/"
             "regional-europe-west1", "displayName": "main", "nodeCount": 1, "state": "READY"}]),
        f"spanner/v1/projects/{PROD}/instances/main/databases": ("databases", [
            {"name": f"projects/{PROD}/instances/main/databases/orders", "state": "READY",
             "databaseDialect": "GOOGLE_STANDARD_SQL", "encryptionConfig": {"kmsKeyName": KMS_KEY}},
            {"name": f"projects/{PROD}/instances/main/databases/scratch", "state": "READY",
             "databaseDialect": "POSTGRESQL"}]),
        f"v1/projects/{PROD}/secrets": ("secrets", [
            {"name": name, "createTime": "2024-01-01T00:00:00Z", "replication": {"automatic": {}}}
            for name in (SECRET_API_KEY, SECRET_DB)]),
        f"v1/{SECRET_API_KEY}:getIamPolicy": policy(("roles/secretmanager.secretAccessor",
                                                     ["allAuthenticatedUsers"])),
        f"v1/{SECRET_DB}:getIamPolicy": policy(("roles/secretmanager.secretAccessor", [SA_MEMBER])),
        f"v1/projects/{PROD}/serviceAccounts": ("accounts", [
            {"name": name, "projectId": PROD, "email": name.rsplit("/", 1)[-1], "uniqueId": unique,
             "displayName": name.rsplit("/", 1)[-1].split("@")[0]}
            for name, unique in ((SA_CI, "104200000000000000001"), (SA_APP, "104200000000000000002"))]),
        f"v1/{SA_CI}:getIamPolicy": policy(("roles/iam.serviceAccountTokenCreator", ["allUsers"])),
        f"v1/{SA_APP}:getIamPolicy": policy(("roles/iam.serviceAccountUser", ["group:eng@example.com"])),
        f"compute/v1/projects/{PROD}/{VM_ZONE}/instances/web-1/getIamPolicy": policy(
            ("roles/compute.instanceAdmin.v1", ["allAuthenticatedUsers"])),
        f"compute/v1/projects/{PROD}/{VM_ZONE}/instances/bastion/getIamPolicy": policy(
            ("roles/compute.osAdminLogin", ["group:sre@example.com"])),
        f"compute/v1/projects/{PROD}/regions": ("items", [
            {"kind": "compute#region", "name": region, "status": "UP",
             "selfLink": f"{COMPUTE_URL}/projects/{PROD}/regions/{region}"}
            for region in ("europe-west1", "us-central1")]),
        f"v1/projects/{PROD}/regions/europe-west1/clusters": ("clusters", [
            {"projectId": PROD, "clusterName": "etl", "clusterUuid": "11111111-2222-3333-4444-555555555555",
             "config": {"configBucket": "dataproc-staging", "encryptionConfig": {"gcePdKmsKeyName": KMS_KEY}},
             "status": {"state": "RUNNING"}},
            {"projectId": PROD, "clusterName": "adhoc", "clusterUuid": "66666666-7777-8888-9999-000000000000",
             "config": {"configBucket": "dataproc-staging"}, "status": {"state": "RUNNING"}}]),
        f"v1/{DATAPROC_ETL}:getIamPolicy": policy(("roles/dataproc.editor", [SA_MEMBER])),
        f"v1/{DATAPROC_ADHOC}:getIamPolicy": policy(("roles/dataproc.viewer", ["allAuthenticatedUsers"])),
        f"bigquery/v2/projects/{PROD}/datasets/analytics/tables": ("tables", [
            table("analytics", "events"), table("analytics", "summary", "VIEW")]),
        f"bigquery/v2/projects/{PROD}/datasets/public_data/tables": ("tables", [table("public_data", "shared")]),
        f"bigquery/v2/{TABLE_EVENTS}": {**table("analytics", "events"), "numRows": "1000",
                                        "encryptionConfiguration": {"kmsKeyName": KMS_KEY}},
        f"bigquery/v2/{TABLE_OPEN}": {**table("public_data", "shared"), "numRows": "10"},
        f"bigquery/v2/{TABLE_EVENTS}:getIamPolicy": policy(("roles/bigquery.dataEditor", [SA_MEMBER])),
        f"bigquery/v2/{TABLE_SUMMARY}:getIamPolicy": policy(("roles/bigquery.dataViewer", ["group:eng@example.com"])),
        f"bigquery/v2/{TABLE_OPEN}:getIamPolicy": policy(("roles/bigquery.dataViewer", ["allUsers"])),
    }
    return compute, rest


def prod() -> GcpProject:
    compute, rest = prod_services()
    more_compute, more_rest = more_services()
    compute.update(more_compute)
    rest.update(more_rest)
    return GcpProject(
        PROD, compute=compute, rest=rest,
        iam_policy=policy(
            ("roles/owner", ["user:alice@example.com"]),
            ("roles/editor", [f"serviceAccount:ci@{PROD}.iam.gserviceaccount.com"]),
            ("roles/viewer", ["group:eng@example.com", "allUsers"]),
            ("roles/storage.objectViewer", ["allAuthenticatedUsers"], "until-2027"),
            ("roles/logging.viewer", ["group:sre@example.com"]),
        ),
        firewalls=[
            firewall(PROD, "ssh-world", allowed=[("tcp", ["22"])], ranges=["0.0.0.0/0"]),
            firewall(PROD, "web", allowed=[("tcp", ["80", "443"]), ("icmp", [])], ranges=["0.0.0.0/0"]),
            # Shadowed: a deny at priority 900 covers every instance the allow applies to.
            firewall(PROD, "rdp-windows", allowed=[("tcp", ["3389"])], ranges=["0.0.0.0/0"],
                     target_tags=["windows"]),
            firewall(PROD, "deny-rdp", denied=[("tcp", ["3389"])], ranges=["0.0.0.0/0"], priority=900),
            # Not shadowed: the earlier deny applies to `web` instances, the allow to `db` ones.
            firewall(PROD, "postgres-db", allowed=[("tcp", ["5432"])], ranges=["0.0.0.0/0"], target_tags=["db"]),
            firewall(PROD, "deny-web-all", denied=[("all", [])], ranges=["0.0.0.0/0"], priority=500,
                     target_tags=["web"]),
            # Not shadowed either: the deny is in another network.
            firewall(PROD, "deny-ssh-other-vpc", denied=[("tcp", ["22"])], ranges=["0.0.0.0/0"], priority=100,
                     network="other"),
            firewall(PROD, "allow-internal", allowed=[("all", [])], ranges=["10.128.0.0/9"]),
            firewall(PROD, "ssh-from-bastion", allowed=[("tcp", ["22"])], source_tags=["bastion"]),
            firewall(PROD, "telnet-disabled", allowed=[("tcp", ["23"])], ranges=["0.0.0.0/0"], disabled=True),
            firewall(PROD, "egress-all", allowed=[("all", [])], direction="EGRESS", ranges=["0.0.0.0/0"]),
        ],
        ssl_policies={
            "global": [ssl_policy(PROD, "global", "legacy-tls", "TLS_1_0"),
                       ssl_policy(PROD, "global", "modern", "TLS_1_2", "MODERN"),
                       ssl_policy(PROD, "global", "unset-min", None)],
            "regions/europe-west1": [ssl_policy(PROD, "regions/europe-west1", "regional-old", "TLS_1_1")],
        },
        target_https_proxies={
            "global": [https_proxy(PROD, "global", "px-default", None),
                       https_proxy(PROD, "global", "px-modern", "modern")],
            "regions/europe-west1": [https_proxy(PROD, "regions/europe-west1", "px-regional", "regional-old")],
        },
        buckets=[bucket("public-assets"),
                 bucket("cmek-data", f"projects/{PROD}/locations/europe/keyRings/data/cryptoKeys/bucket"),
                 bucket("plain-logs"),
                 # Public Access Prevention: the allUsers binding and ACL entry grant nothing.
                 bucket("pap-enforced", prevention="enforced", uniform=False, object_acl=[("allUsers", "READER")]),
                 # Fine-grained ACLs: objects written from now on are readable by anyone.
                 bucket("legacy-acl", uniform=False, object_acl=[("allUsers", "READER"),
                                                                 ("project-owners-123456", "OWNER")])],
        bucket_policies={
            "pap-enforced": policy(("roles/storage.objectViewer", ["allUsers", "group:eng@example.com"])),
            "legacy-acl": policy(),
            "public-assets": policy(("roles/storage.objectViewer", ["allUsers"])),
            "cmek-data": policy(("roles/storage.objectAdmin", [f"serviceAccount:etl@{PROD}.iam.gserviceaccount.com"])),
            "plain-logs": policy(),
        },
    )


def dev() -> GcpProject:
    """Firewalls and bucket policies may not be read here; everything else is audited."""
    return GcpProject(
        DEV, parent="folders/7",
        iam_policy=policy(("roles/viewer", ["allAuthenticatedUsers"])),
        firewalls=[firewall(DEV, "hidden-ssh", allowed=[("tcp", ["22"])], ranges=["0.0.0.0/0"])],
        buckets=[bucket("dev-scratch")],
        bucket_policies={"dev-scratch": policy(("roles/storage.admin", ["allUsers"]))},
        forbidden={"firewalls", "bucketIam", f"v1/projects/{DEV}/instances"},
    )


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeGcp]:
    server = FakeGcp(
        [prod(), dev(), GcpProject(SANDBOX, parent="folders/8"),
         GcpProject(DELETED, state="DELETE_REQUESTED", firewalls=[firewall(DELETED, "x", allowed=[("all", [])])])],
        folders={"folders/7": "organizations/100", "folders/8": "folders/7"},
        page_size=2,
    )
    server.parent_policies = {
        "organizations/100": policy(("roles/owner", ["user:founder@example.com"]),
                                    ("roles/resourcemanager.organizationViewer", ["domain:example.com"])),
        "folders/7": policy(("roles/browser", ["allAuthenticatedUsers"])),
    }
    with running(server):
        yield server


class Anonymous:
    """google-auth's AnonymousCredentials, created lazily so collection needs no SDK."""

    def __new__(cls) -> Any:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def result(cloud: FakeGcp) -> AuditResult:
    return audit(Anonymous(), [PROD, DEV], options=GcpOptions(endpoints=gcp_endpoints(cloud.url)))


def failed(result: AuditResult) -> Counter[tuple[str, str]]:
    scan = Scanner().evaluate(result.load_result())
    return Counter((f.rule_id, f.resource) for f in scan.findings if f.status is Status.FAIL)


def fw(project: str, name: str) -> str:
    return f"//compute.googleapis.com/projects/{project}/global/firewalls/{name}"


def compute(project: str, scope: str, collection: str, name: str) -> str:
    return f"//compute.googleapis.com/projects/{project}/{scope}/{collection}/{name}"


def cluster(name: str) -> str:
    return f"//container.googleapis.com/projects/{PROD}/locations/europe-west1/clusters/{name}"


def sql(project_id: str, name: str) -> str:
    return f"//sqladmin.googleapis.com/projects/{project_id}/instances/{name}"


def project(project_id: str) -> str:
    return f"//cloudresourcemanager.googleapis.com/projects/{project_id}"


EXPECTED_FAILURES = Counter({
    ("NET-001", fw(PROD, "ssh-world")): 1,
    ("NET-003", fw(PROD, "web")): 1,
    ("NET-002", fw(PROD, "postgres-db")): 1,
    ("NET-005", fw(PROD, "allow-internal")): 1,
    ("NET-004", fw(PROD, "egress-all")): 1,
    ("IAM-006", project(PROD)): 2,  # roles/owner and roles/editor
    ("IAM-005", project(PROD)): 2,  # allUsers, and allAuthenticatedUsers despite the time condition
    ("TLS-002", compute(PROD, "global", "sslPolicies", "legacy-tls")): 1,
    ("TLS-002", compute(PROD, "global", "sslPolicies", "unset-min")): 1,  # no minTlsVersion: TLS 1.0
    ("TLS-002", compute(PROD, "global", "targetHttpsProxies", "px-default")): 1,  # Google's default policy
    # A proxy with an old policy: reported where the version is decided, the policy (as from Terraform).
    ("TLS-002", compute(PROD, "regions/europe-west1", "sslPolicies", "regional-old")): 1,
    ("IAM-005", "//storage.googleapis.com/public-assets"): 1,
    ("IAM-005", "//storage.googleapis.com/legacy-acl"): 1,  # defaultObjectAcl allUsers READER
    ("IAM-005", project(DEV)): 1,
    # Target SSL proxies: legacy-tls (now in use) is reported once, where its version is decided.
    ("TLS-002", compute(PROD, "global", "targetSslProxies", "tcp-default")): 1,
    # Cloud SQL: plaintext accepted; the internet (0.0.0.0/0, and half of it) on a public IP.
    ("TLS-001", sql(PROD, "pg-public")): 1,
    ("TLS-001", sql(PROD, "mysql-legacy")): 1,  # neither sslMode nor requireSsl
    ("NET-002", sql(PROD, "pg-public")): 1,
    ("NET-002", sql(PROD, "mysql-legacy")): 1,
    # allUsers / allAuthenticatedUsers on a key, a topic, a Run service, functions and a dataset.
    ("IAM-005", f"//cloudkms.googleapis.com/{RING}/cryptoKeys/shared"): 1,
    ("IAM-005", f"//pubsub.googleapis.com/projects/{PROD}/topics/public-feed"): 1,
    ("IAM-005", f"//run.googleapis.com/{RUN_API}"): 1,
    ("IAM-005", f"//cloudfunctions.googleapis.com/{FUNCTION_HOOK}"): 1,
    ("IAM-005", f"//cloudfunctions.googleapis.com/{FUNCTION_LEGACY}"): 1,
    ("IAM-005", f"//bigquery.googleapis.com/projects/{PROD}/datasets/public_data"): 2,
    # Plain HTTP from the internet (twice: IPv4 and IPv6 rules); not the redirect, internal or orphan proxy.
    ("TLS-001", compute(PROD, "global", "targetHttpProxies", "web-http")): 1,
    ("TLS-001", f"//redis.googleapis.com/projects/{PROD}/locations/europe-west1/instances/cache-plain"): 1,
    # GKE: an API with no authorized networks, and one open to every Google Cloud address.
    ("NET-001", cluster("open")): 1,
    ("NET-001", cluster("google-cloud")): 1,
    # allUsers / allAuthenticatedUsers on a repository, a table, a VM, a Dataproc cluster, a service
    # account (anyone may mint its tokens) and a secret.
    ("IAM-005", f"//artifactregistry.googleapis.com/{REPO_PUBLIC}"): 1,
    ("IAM-005", f"//bigquery.googleapis.com/{TABLE_OPEN}"): 1,
    ("IAM-005", f"//compute.googleapis.com/projects/{PROD}/{VM_ZONE}/instances/web-1"): 1,
    ("IAM-005", f"//dataproc.googleapis.com/{DATAPROC_ADHOC}"): 1,
    ("IAM-005", f"//iam.googleapis.com/{SA_CI}"): 1,
    ("IAM-005", f"//secretmanager.googleapis.com/{SECRET_API_KEY}"): 1,
})


# The organization's and a folder's own bindings, read when an organization is walked.
ORGANIZATION_FAILURES = Counter({
    ("IAM-006", "//cloudresourcemanager.googleapis.com/organizations/100"): 1,  # roles/owner, organization-wide
    ("IAM-005", "//cloudresourcemanager.googleapis.com/folders/7"): 1,  # allAuthenticatedUsers on a folder
})


def test_findings_are_the_terraform_rule_ids_on_full_resource_names(result: AuditResult) -> None:
    assert failed(result) == EXPECTED_FAILURES


def test_a_forbidden_call_is_a_partial_audit_naming_project_service_and_operation(result: AuditResult) -> None:
    assert [(e.account, e.service, e.operation, e.target, e.code) for e in result.errors] == [
        (DEV, "compute", "firewalls.list", "", "PERMISSION_DENIED"),
        (DEV, "sqladmin", "instances.list", "", "PERMISSION_DENIED"),
        (DEV, "storage", "buckets.getIamPolicy", "bucket dev-scratch", "PERMISSION_DENIED"),
    ]
    message = result.errors[0].scan_error().message
    assert DEV in message and "compute:firewalls.list" in message and "Permission denied" in message
    assert Scanner().evaluate(result.load_result()).exit_code(None) == 2
    # The rest of the forbidden project is still there: its IAM and its bucket.
    assert any(isinstance(a, DataStore) and a.name == "dev-scratch" for a in result.assets)


def test_firewalls_keep_priority_and_carry_the_denies_that_shadow_them(result: AuditResult) -> None:
    walls = {a.name: a for a in result.assets if isinstance(a, Firewall)
             and a.origin.resource_type == adapters.FIREWALL_TYPE}
    assert len(walls) == 11  # six pages of two were followed
    rdp = walls["rdp-windows"]
    assert rdp.ordering == "priority"
    assert [(r.name, r.access, r.priority) for r in rdp.rules] == [("rdp-windows", "allow", 1000),
                                                                   ("deny-rdp", "deny", 900)]
    # deny-rdp applies to every instance, so it is weighed everywhere (it only shadows 3389);
    # deny-web-all applies to `web` instances only, and deny-ssh-other-vpc to another network.
    assert [r.name for r in walls["postgres-db"].rules] == ["postgres-db", "deny-rdp"]
    assert [r.name for r in walls["ssh-world"].rules] == ["ssh-world", "deny-rdp"]
    assert walls["telnet-disabled"].rules == []
    bastion = walls["ssh-from-bastion"].rules[0]
    assert [(p.kind, p.value) for p in bastion.peers if isinstance(p, Peer)] == [("group", "bastion")]
    web = walls["web"]
    assert [(r.name, r.protocol, str(r.ports), r.origin.anchor) for r in web.rules] == [
        ("web", "tcp", "80, 443", "allowed[0]"), ("web", "icmp", "all ports", "allowed[1]"),
        ("deny-rdp", "tcp", "3389", "denied[0]")]
    assert (web.origin.resource, web.origin.resource_type, web.origin.account) == (
        fw(PROD, "web"), "compute.googleapis.com/Firewall", PROD)


def test_proxies_are_judged_by_the_policy_they_name(result: AuditResult) -> None:
    endpoints = {(a.kind, a.name): (a.min_version, a.policy_name, a.origin.region)
                 for a in result.assets
                 if isinstance(a, TlsEndpoint) and a.kind not in ("database", "http_proxy", "cache")}
    assert endpoints == {
        ("https_proxy", "px-default"): (TlsVersion.TLS1_0, gcp.DEFAULT_SSL_POLICY_NAME, None),
        ("https_proxy", "px-modern"): (TlsVersion.TLS1_2, "modern", None),
        ("https_proxy", "px-regional"): (TlsVersion.TLS1_1, "regional-old", "europe-west1"),
        ("ssl_proxy", "tcp-legacy"): (TlsVersion.TLS1_0, "legacy-tls", None),
        ("ssl_proxy", "tcp-default"): (TlsVersion.TLS1_0, gcp.DEFAULT_SSL_POLICY_NAME, None),
        # Policies no proxy uses are judged on their own.
        ("ssl_policy", "unset-min"): (TlsVersion.TLS1_0, "unset-min", None),
    }


def test_buckets_and_their_keys(result: AuditResult) -> None:
    stores = {a.name: a.key_management for a in result.assets if isinstance(a, DataStore)}
    provider, customer = KeyManagement.PROVIDER, KeyManagement.CUSTOMER
    assert stores == {"public-assets": provider, "cmek-data": customer, "plain-logs": provider,
                      "dev-scratch": provider, "pap-enforced": provider, "legacy-acl": provider,
                      # Disks: a Cloud KMS key, a customer-supplied key (its sha256), Google's.
                      "vm-boot": provider, "data-cmek": customer, "shared-csek": customer,
                      "pg-public": provider, "mysql-private": customer, "sqlserver-office": provider,
                      "mysql-legacy": provider, "analytics": customer, "public_data": provider,
                      "open node pool default-pool": provider, "authorized node pool default-pool": customer,
                      "google-cloud node pool default-pool": provider, "private node pool default-pool": provider,
                      "events": customer, "public-feed": provider, "cache-plain": provider, "cache-tls": customer,
                      "nightly": provider, "nightly-cmek": customer, "golden": customer,
                      "web-template disk 0": provider, "web-template disk 1": customer,
                      # Vertex AI datasets (by ID) and metadata stores, Bigtable instances, Filestore
                      # instances, Spanner databases, Dataproc clusters' disks, repositories, tables.
                      "1001": customer, "1002": provider, "default": provider, "secure": customer,
                      "bt-cmek": customer, "bt-plain": provider, "nfs-cmek": customer, "nfs-plain": provider,
                      "orders": customer, "scratch": provider, "etl": customer, "adhoc": provider,
                      "images": customer, "public-pkgs": provider, "shared": provider}


def test_require_customer_managed_keys_reports_every_google_key(result: AuditResult) -> None:
    from scanner.engine.params import RuleParams

    scan = Scanner(params=RuleParams(require_customer_managed_keys=True)).evaluate(result.load_result())
    reported = {f.resource.rsplit("/", 1)[-1] for f in scan.findings if f.rule_id == "ENC-003"
                and f.status is Status.FAIL}
    assert reported == {"public-assets", "plain-logs", "dev-scratch", "pap-enforced", "legacy-acl", "vm-boot",
                        "pg-public", "sqlserver-office", "mysql-legacy", "public_data", "open", "google-cloud",
                        "private", "public-feed", "cache-plain", "nightly", "web-template", "1002", "default",
                        "bt-plain", "nfs-plain", "scratch", "adhoc", "public-pkgs", "shared"}


def test_public_access_prevention_leaves_public_members_out(cloud: FakeGcp, result: AuditResult) -> None:
    grants = [a for a in result.assets if isinstance(a, AccessGrant)
              and a.origin.resource == "//storage.googleapis.com/pap-enforced"]
    assert [(g.origin.anchor, g.principals) for g in grants] == [
        ("acl[0]", ["project-owners-123456"]), ("bindings[roles/storage.objectViewer]", ["group:eng@example.com"])]
    # The ACLs were asked for: projection=full.
    listing = [r for r in cloud.requests if r.path == "/storage/v1/b" and r.query.get("project") == PROD]
    assert listing and all(r.query.get("projection") == "full" for r in listing)


def test_iam_bindings_become_grants_at_their_scope(result: AuditResult) -> None:
    grants = {(a.origin.resource, a.origin.anchor): (a.scope, a.conditions) for a in result.assets
              if isinstance(a, AccessGrant)}
    assert grants[(project(PROD), "bindings[roles/storage.objectViewer if until-2027]")] == ("account",
                                                                                             ["gcp:condition"])
    assert grants[("//storage.googleapis.com/public-assets", "bindings[roles/storage.objectViewer]")] == (
        "resource", [])


def test_an_organization_is_walked_through_its_folders(cloud: FakeGcp) -> None:
    walked = audit(Anonymous(), organization="100", options=GcpOptions(endpoints=gcp_endpoints(cloud.url)))
    assert walked.accounts == [DEV, PROD, SANDBOX]  # not the project being deleted
    assert failed(walked) == EXPECTED_FAILURES + ORGANIZATION_FAILURES
    listed = [(r.path, r.query.get("parent")) for r in cloud.requests if r.path in ("/v3/projects", "/v3/folders")]
    assert {p for _, p in listed} == {"organizations/100", "folders/7", "folders/8"}


def test_a_project_named_twice_is_audited_once(cloud: FakeGcp) -> None:
    before = len(cloud.requests)
    twice = audit(Anonymous(), [SANDBOX, SANDBOX], organization=None,
                  options=GcpOptions(endpoints=gcp_endpoints(cloud.url)))
    # IAM, firewalls, SSL policies, then the HTTPS and SSL proxies, buckets, disks, Cloud SQL instances,
    # KMS locations, Pub/Sub topics and subscriptions, Cloud Run services, functions, datasets, HTTP proxies
    # (none: no URL maps or forwarding rules are listed), GKE clusters, Memorystore instances, VMs, regions
    # (for Dataproc), the locations of Artifact Registry repositories, Vertex AI datasets and metadata stores,
    # Bigtable clusters, Filestore instances, Spanner instances, secrets and service accounts: one request
    # each; snapshots, images and instance templates: one call of three requests.
    assert twice.calls == 28
    assert len(cloud.requests) - before == 30


def test_endpoints_can_be_set_per_service(cloud: FakeGcp) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    started = time.monotonic()
    split = audit(Anonymous(), [SANDBOX], options=GcpOptions(endpoints={**gcp_endpoints(cloud.url), "storage": closed},
                                                             storage_retry_timeout=0.5))
    assert time.monotonic() - started < 5
    assert [(e.service, e.operation) for e in split.errors] == [("storage", "buckets.list")]


def test_when_policies_or_proxies_cannot_be_listed_the_other_is_still_judged() -> None:
    def tls(project_id: str, forbidden: str) -> GcpProject:
        return GcpProject(project_id, forbidden={forbidden},
                          ssl_policies={"global": [ssl_policy(project_id, "global", "old", "TLS_1_0")]},
                          target_https_proxies={"global": [https_proxy(project_id, "global", "px-default", None),
                                                           https_proxy(project_id, "global", "px-old", "old")]})

    with running(FakeGcp([tls("no-policies", "sslPolicies"), tls("no-proxies", "targetHttpsProxies")])) as server:
        partial = audit(Anonymous(), ["no-policies", "no-proxies"],
                        options=GcpOptions(endpoints=gcp_endpoints(server.url)))
    assert [(e.account, e.operation) for e in partial.errors] == [
        ("no-policies", "sslPolicies.aggregatedList"), ("no-proxies", "targetHttpsProxies.aggregatedList")]
    scan = Scanner().evaluate(partial.load_result())
    assert {(f.rule_id, f.resource, f.status) for f in scan.findings} == {
        # Without the policies: the proxy without one is still judged, the other one is unknown.
        ("TLS-002", compute("no-policies", "global", "targetHttpsProxies", "px-default"), Status.FAIL),
        ("TLS-002", compute("no-policies", "global", "targetHttpsProxies", "px-old"), Status.UNKNOWN),
        # Without the proxies: each policy is judged on its own.
        ("TLS-002", compute("no-proxies", "global", "sslPolicies", "old"), Status.FAIL),
    }


def test_the_snapshot_judges_exactly_as_the_audit(result: AuditResult) -> None:
    snapshot = Snapshot.parse(result.snapshot().dump())
    assert (snapshot.provider, snapshot.accounts) == ("gcp", [DEV, PROD])
    reloaded = Scanner().evaluate(snapshot.load_result("gcp.json"))
    assert Counter((f.rule_id, f.resource) for f in reloaded.findings if f.status is Status.FAIL) == EXPECTED_FAILURES


def test_application_default_credentials_reach_the_token_endpoint(cloud: FakeGcp, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A service-account key file whose token_uri is the local server: the real ADC chain, no Google."""
    from scanner.audit.gcp.collectors import default_credentials

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, cloud)))
    credentials, default_project = default_credentials()
    assert default_project == PROD
    with_adc = audit(credentials, [PROD], options=GcpOptions(endpoints=gcp_endpoints(cloud.url)))
    assert not with_adc.errors
    assert any(r.path == "/token" for r in cloud.requests)  # the storage client exchanged the key for a token


def service_account_file(directory: Path, server: FakeGcp) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = directory / "adc.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": PROD, "private_key_id": "k1", "private_key": pem,
        "client_email": f"tenet@{PROD}.iam.gserviceaccount.com", "client_id": "1", "token_uri": server.token_uri,
    }))
    return path


# -- adapters on their own --------------------------------------------------------------------------


def test_a_firewall_without_sources_applies_to_every_ipv4_address() -> None:
    (wall,) = adapters.firewalls([{"name": "bare", "network": "projects/p/global/networks/n",
                                   "allowed": [{"IPProtocol": "tcp", "ports": ["6379"]}]}], "p")
    rule = wall.rules[0]
    assert ([str(p) for p in rule.peers], rule.priority, rule.direction) == (["0.0.0.0/0"], 1000, "ingress")


def test_unreadable_values_are_unknown() -> None:
    (wall,) = adapters.firewalls([{"name": "odd", "direction": "SIDEWAYS", "priority": "high",
                                   "allowed": [{"ports": ["ssh"]}]}], "p")
    rule = wall.rules[0]
    assert all(isinstance(v, Unknown) for v in (rule.direction, rule.peers, rule.priority, rule.protocol, rule.ports))
    grants = list(adapters.project_iam({"bindings": "everyone"}, "p"))
    assert len(grants) == 1 and isinstance(grants[0].principals, Unknown)


def test_a_proxy_naming_an_unlisted_policy_is_unknown() -> None:
    proxy = https_proxy("p", "global", "px", "gone")
    assert isinstance(adapters.target_https_proxy(proxy, "p", "global", {}).min_version, Unknown)
    assert isinstance(adapters.target_https_proxy(proxy, "p", "global", None).min_version, Unknown)


def test_explain_reads_the_api_error() -> None:
    from google.api_core.exceptions import Forbidden

    forbidden = Forbidden("no\naccess")  # type: ignore[no-untyped-call]
    assert explain(forbidden) == ("PERMISSION_DENIED", "no access")
    assert explain(OSError("boom")) == ("OSError", "boom")


# -- the command ------------------------------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from scanner.cli import main

    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def endpoint_options(url: str) -> list[str]:
    """`--endpoint` options for `gcp_endpoints(url)`."""
    return [option for service, at in gcp_endpoints(url).items()
            for option in ("--endpoint", f"{service}={at}" if service else at)]


@pytest.fixture
def adc(cloud: FakeGcp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGcp:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, cloud)))
    monkeypatch.chdir(tmp_path)
    return cloud


def test_tenet_audit_gcp_walks_the_organization_reports_and_exits_2(adc: FakeGcp) -> None:
    code, out, err = run_cli("audit", "gcp", "--organization", "100", *endpoint_options(adc.url), "--format",
                             "json", "--save-inventory", "gcp.json")
    assert code == 2, err
    report = json.loads(out)
    assert Counter((f["rule_id"], f["resource"]) for f in report["findings"]
                   if f["status"] == "fail") == EXPECTED_FAILURES + ORGANIZATION_FAILURES
    assert [e["message"].split(":")[0:3] for e in report["errors"]] == [
        ["partial audit", " compute", "firewalls.list failed (account tenet-dev, region global)"],
        ["partial audit", " sqladmin", "instances.list failed (account tenet-dev, region global)"],
        ["partial audit", " storage", "buckets.getIamPolicy failed (account tenet-dev, region global, bucket "
                                      "dev-scratch)"],
    ]
    code, out, _ = run_cli("scan", "gcp.json", "--format", "json")
    assert code == 2
    assert Counter((f["rule_id"], f["resource"]) for f in json.loads(out)["findings"]
                   if f["status"] == "fail") == EXPECTED_FAILURES + ORGANIZATION_FAILURES


def test_tenet_audit_gcp_defaults_to_the_credentials_project(adc: FakeGcp) -> None:
    code, out, err = run_cli("audit", "gcp", *endpoint_options(adc.url), "--endpoint", f"storage={adc.url}",
                             "--format", "json")
    assert code == 1, err  # findings, and no failed call
    report = json.loads(out)
    assert {f["account"] for f in report["findings"]} == {PROD}
    assert not report["errors"]


def test_tenet_audit_gcp_usage_errors(adc: FakeGcp) -> None:
    code, _, err = run_cli("audit", "gcp", "--project", PROD, "--endpoint", "translate=http://127.0.0.1:1")
    assert code == 2 and "cloudresourcemanager, compute, storage, sqladmin" in err
    code, _, err = run_cli("audit", "gcp", "--project", PROD, "--endpoint", "127.0.0.1:8080")
    assert code == 2 and "give a URL" in err


def test_tenet_audit_gcp_without_credentials_is_one_clear_error(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    code, out, err = run_cli("audit", "gcp", "--project", PROD)
    assert code == 2 and out == ""
    assert "no Google Cloud credentials" in err and "missing.json" in err


def test_tenet_audit_gcp_with_rejected_credentials_is_one_clear_error(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Checked once, up front: not one failed call per API method and project."""
    with running(FakeGcp([prod()])) as server:
        server.reject_grants = True
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_file(tmp_path, server)))
        code, out, err = run_cli("audit", "gcp", "--project", PROD, "--endpoint", server.url)
        tokens = [r for r in server.requests if r.path == "/token"]
        api = [r for r in server.requests if r.path != "/token"]
    assert code == 2 and out == ""
    assert "Google Cloud credentials could not get a token" in err and "invalid_grant" in err
    assert len(err.strip().splitlines()) == 1
    assert len(tokens) == 1 and api == []


def test_a_forbidden_api_is_one_error_not_one_per_region_or_location() -> None:
    """Dataproc lists per region and Artifact Registry per location: the first is read with the list of
    regions or locations, so a refusal stops there."""
    places = {"regions": ("europe-west1", "us-central1"), "locations": ("europe-west1", "us-east1")}
    refused = [f"v1/projects/locked/regions/{r}/clusters" for r in places["regions"]] + [
        f"v1/projects/locked/locations/{loc}/repositories" for loc in places["locations"]]
    rest: dict[str, Any] = {
        "compute/v1/projects/locked/regions": ("items", [{"kind": "compute#region", "name": r}
                                                         for r in places["regions"]]),
        "v1/projects/locked/locations": ("locations", [{"name": f"projects/locked/locations/{loc}",
                                                        "locationId": loc} for loc in places["locations"]]),
        **{path: ("clusters" if path.endswith("clusters") else "repositories", []) for path in refused}}
    with running(FakeGcp([GcpProject("locked", rest=rest, forbidden=set(refused))])) as server:
        result = audit(Anonymous(), ["locked"], options=GcpOptions(endpoints=gcp_endpoints(server.url)))
        asked = {r.path.lstrip("/") for r in server.requests}
    assert sorted((e.service, e.operation) for e in result.errors) == [("artifactregistry", "repositories.list"),
                                                                       ("dataproc", "clusters.list")]
    assert asked & set(refused) == {refused[0], refused[2]}

"""What the live GCP audit reads, by the Terraform resource type that declares the same thing.

`docs/coverage.md` is generated from these tables and the Terraform mappings; a test
fails when a Terraform type judged in code is in neither table. SDK-free.
"""

from __future__ import annotations


def _iam(resource: str, read: str) -> dict[str, str]:
    """`<resource>_iam_member`, `_iam_binding` and `_iam_policy` each set part of one IAM policy:
    all three are judged live from one read of that policy."""
    return {f"{resource}_iam_{part}": read for part in ("member", "binding", "policy")}


# Terraform type -> the REST reads that give the live counterpart.
LIVE: dict[str, str] = {
    "google_compute_firewall": "compute.firewalls.list",
    "google_compute_ssl_policy": "compute.sslPolicies.aggregatedList",
    "google_compute_target_https_proxy": "compute.targetHttpsProxies.aggregatedList",
    "google_storage_bucket": "storage.buckets.list",
    "google_storage_bucket_acl": "storage.buckets.list (projection=full: acl, defaultObjectAcl)",
    "google_storage_default_object_acl": "storage.buckets.list (projection=full: acl, defaultObjectAcl)",
    "google_storage_bucket_access_control": "storage.buckets.list (projection=full: acl, defaultObjectAcl)",
    "google_storage_default_object_access_control": "storage.buckets.list (projection=full: acl, defaultObjectAcl)",
    **_iam("google_project", "cloudresourcemanager.projects.getIamPolicy"),
    **_iam("google_storage_bucket", "storage.buckets.getIamPolicy"),
    "google_compute_target_ssl_proxy": "compute.targetSslProxies.list",
    "google_sql_database_instance": "sqladmin.instances.list",
    "google_compute_disk": "compute.disks.aggregatedList",
    "google_compute_region_disk": "compute.disks.aggregatedList",
    "google_compute_instance": "compute.disks.aggregatedList (an instance's boot and attached disks)",
    "google_bigquery_dataset": "bigquery.datasets.get",
    "google_bigquery_dataset_access": "bigquery.datasets.get (access)",
    **_iam("google_kms_crypto_key", "cloudkms.cryptoKeys.getIamPolicy"),
    **_iam("google_kms_key_ring", "cloudkms.keyRings.getIamPolicy"),
    **_iam("google_pubsub_topic", "pubsub.topics.getIamPolicy"),
    **_iam("google_pubsub_subscription", "pubsub.subscriptions.getIamPolicy"),
    **_iam("google_cloud_run_service", "run.services.getIamPolicy (v2)"),
    **_iam("google_cloud_run_v2_service", "run.services.getIamPolicy (v2)"),
    **_iam("google_cloudfunctions_function", "cloudfunctions.functions.getIamPolicy (v2, both generations)"),
    **_iam("google_cloudfunctions2_function", "cloudfunctions.functions.getIamPolicy (v2, both generations)"),
    **_iam("google_bigquery_dataset", "bigquery.datasets.get (access)"),
    "google_compute_target_http_proxy": "compute.targetHttpProxies.aggregatedList, urlMaps, forwardingRules",
    "google_compute_region_target_http_proxy": "compute.targetHttpProxies.aggregatedList, urlMaps, forwardingRules",
    "google_container_cluster": "container.projects.locations.clusters.list",
    "google_container_node_pool": "container.projects.locations.clusters.list (nodePools)",
    "google_pubsub_topic": "pubsub.topics.list (kmsKeyName)",
    "google_redis_instance": "redis.projects.locations.instances.list",
    "google_compute_snapshot": "compute.snapshots.list",
    "google_compute_image": "compute.images.list",
    "google_compute_instance_template": "compute.instanceTemplates.aggregatedList",
    "google_compute_region_instance_template": "compute.instanceTemplates.aggregatedList",
    **_iam("google_organization", "cloudresourcemanager.organizations.getIamPolicy (--organization)"),
    **_iam("google_folder", "cloudresourcemanager.folders.getIamPolicy (--organization)"),
    "google_compute_region_ssl_policy": "compute.sslPolicies.aggregatedList (regional scopes)",
    "google_compute_region_target_https_proxy": "compute.targetHttpsProxies.aggregatedList (regional scopes)",
    "google_artifact_registry_repository": "artifactregistry.projects.locations.repositories.list (kmsKeyName)",
    **_iam("google_artifact_registry_repository", "artifactregistry.repositories.getIamPolicy"),
    "google_bigquery_table": "bigquery.tables.list, tables.get (encryptionConfiguration)",
    **_iam("google_bigquery_table", "bigquery.tables.getIamPolicy"),
    "google_bigtable_instance": "bigtableadmin.projects.instances.clusters.list (instances/-: encryptionConfig)",
    **_iam("google_compute_instance", "compute.instances.aggregatedList, instances.getIamPolicy"),
    "google_dataproc_cluster": "dataproc.projects.regions.clusters.list per compute.regions.list (encryptionConfig)",
    **_iam("google_dataproc_cluster", "dataproc.projects.regions.clusters.getIamPolicy"),
    "google_filestore_instance": "file.projects.locations.instances.list (locations/-: kmsKeyName)",
    **_iam("google_secret_manager_secret", "secretmanager.projects.secrets.list, secrets.getIamPolicy"),
    **_iam("google_service_account", "iam.projects.serviceAccounts.list, serviceAccounts.getIamPolicy"),
    "google_spanner_database": "spanner.projects.instances.list, instances.databases.list (encryptionConfig)",
    "google_vertex_ai_dataset": "aiplatform.projects.locations.list, locations.datasets.list (encryptionSpec)",
    "google_vertex_ai_metadata_store": "aiplatform.projects.locations.list, locations.metadataStores.list "
                                       "(encryptionSpec)",
}

# Terraform type -> why the live audit has no reading of its own for it.
NOT_LIVE: dict[str, str] = {
    "google_dataflow_job": "a job's key is set when it is launched; jobs are not listed live",
    "google_storage_object_acl": "objects are not listed live: a bucket holds too many to read one by one",
    "google_storage_object_access_control": "objects are not listed live: a bucket holds too many to read one by one",
}

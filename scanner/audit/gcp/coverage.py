"""What the live GCP audit reads, by the Terraform resource type that declares the same thing.

`docs/coverage.md` is generated from these tables and the Terraform mappings; a test
fails when a Terraform type judged in code is in neither table. SDK-free.
"""

from __future__ import annotations

# Terraform type -> the REST reads that give the live counterpart.
LIVE: dict[str, str] = {
    "google_compute_firewall": "compute.firewalls.list",
    "google_compute_ssl_policy": "compute.sslPolicies.aggregatedList",
    "google_compute_target_https_proxy": "compute.targetHttpsProxies.aggregatedList",
    "google_storage_bucket": "storage.buckets.list",
    "google_project_iam_member": "cloudresourcemanager.projects.getIamPolicy",
    "google_project_iam_binding": "cloudresourcemanager.projects.getIamPolicy",
    "google_project_iam_policy": "cloudresourcemanager.projects.getIamPolicy",
    "google_storage_bucket_iam_member": "storage.buckets.getIamPolicy",
    "google_storage_bucket_iam_binding": "storage.buckets.getIamPolicy",
    "google_storage_bucket_iam_policy": "storage.buckets.getIamPolicy",
}

# Terraform type -> why the live audit has no reading of its own for it.
NOT_LIVE: dict[str, str] = {
    # Not read live yet (issue #14): each moves to LIVE when its collector lands.
    "google_compute_target_ssl_proxy": "not read live yet",
    "google_compute_target_http_proxy": "not read live yet",
    "google_compute_region_target_http_proxy": "not read live yet",
    "google_sql_database_instance": "not read live yet",
    "google_compute_disk": "not read live yet",
    "google_compute_region_disk": "not read live yet",
    "google_compute_instance": "not read live yet",
    "google_organization_iam_member": "not read live yet",
    "google_organization_iam_binding": "not read live yet",
    "google_organization_iam_policy": "not read live yet",
    "google_folder_iam_member": "not read live yet",
    "google_folder_iam_binding": "not read live yet",
    "google_folder_iam_policy": "not read live yet",
    "google_service_account_iam_member": "not read live yet",
    "google_service_account_iam_binding": "not read live yet",
    "google_service_account_iam_policy": "not read live yet",
    "google_kms_crypto_key_iam_member": "not read live yet",
    "google_kms_crypto_key_iam_binding": "not read live yet",
    "google_kms_crypto_key_iam_policy": "not read live yet",
    "google_kms_key_ring_iam_member": "not read live yet",
    "google_kms_key_ring_iam_binding": "not read live yet",
    "google_kms_key_ring_iam_policy": "not read live yet",
    "google_pubsub_topic_iam_member": "not read live yet",
    "google_pubsub_topic_iam_binding": "not read live yet",
    "google_pubsub_topic_iam_policy": "not read live yet",
    "google_pubsub_subscription_iam_member": "not read live yet",
    "google_pubsub_subscription_iam_binding": "not read live yet",
    "google_pubsub_subscription_iam_policy": "not read live yet",
    "google_bigquery_dataset_iam_member": "not read live yet",
    "google_bigquery_dataset_iam_binding": "not read live yet",
    "google_bigquery_dataset_iam_policy": "not read live yet",
    "google_bigquery_table_iam_member": "not read live yet",
    "google_bigquery_table_iam_binding": "not read live yet",
    "google_bigquery_table_iam_policy": "not read live yet",
    "google_cloud_run_service_iam_member": "not read live yet",
    "google_cloud_run_service_iam_binding": "not read live yet",
    "google_cloud_run_service_iam_policy": "not read live yet",
    "google_cloud_run_v2_service_iam_member": "not read live yet",
    "google_cloud_run_v2_service_iam_binding": "not read live yet",
    "google_cloud_run_v2_service_iam_policy": "not read live yet",
    "google_cloudfunctions_function_iam_member": "not read live yet",
    "google_cloudfunctions_function_iam_binding": "not read live yet",
    "google_cloudfunctions_function_iam_policy": "not read live yet",
    "google_cloudfunctions2_function_iam_member": "not read live yet",
    "google_cloudfunctions2_function_iam_binding": "not read live yet",
    "google_cloudfunctions2_function_iam_policy": "not read live yet",
    "google_secret_manager_secret_iam_member": "not read live yet",
    "google_secret_manager_secret_iam_binding": "not read live yet",
    "google_secret_manager_secret_iam_policy": "not read live yet",
    "google_artifact_registry_repository_iam_member": "not read live yet",
    "google_artifact_registry_repository_iam_binding": "not read live yet",
    "google_artifact_registry_repository_iam_policy": "not read live yet",
    "google_compute_instance_iam_member": "not read live yet",
    "google_compute_instance_iam_binding": "not read live yet",
    "google_compute_instance_iam_policy": "not read live yet",
}

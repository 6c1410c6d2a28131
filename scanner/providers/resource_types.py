"""One vocabulary for the kinds of resource a compliance control names: Terraform resource types.

Terraform findings carry their type already. A live audit names a resource by its cloud's own type
(CloudFormation for AWS, ARM for Azure, Cloud Asset Inventory for GCP): `LIVE_TERRAFORM_TYPES` gives the
Terraform types that declare the same thing (a security group's rules may be declared on their own). Kubernetes
objects keep their kind (`Service`, `Ingress`, `Pod`), which is what the Kubernetes source records.
"""

from __future__ import annotations

from collections.abc import Mapping


def _iam(base: str) -> tuple[str, ...]:
    """A Google resource's IAM resources (`google_project_iam_binding`, `_member`, `_policy`)."""
    return tuple(f"{base}_iam_{kind}" for kind in ("binding", "member", "policy"))


def _slots(*apps: str) -> tuple[str, ...]:
    return tuple(f"azurerm_{app}_slot" for app in apps)


_WEB_APPS = ("app_service", "function_app", "linux_web_app", "windows_web_app", "linux_function_app",
             "windows_function_app")

# Live resource type -> the Terraform types that declare it (or a part of it: a bucket's policy, a group's rule).
LIVE_TERRAFORM_TYPES: Mapping[str, tuple[str, ...]] = {
    # AWS: CloudFormation types, as the AWS adapters name their origins.
    "AWS::AmazonMQ::Broker": ("aws_mq_broker",),
    "AWS::ApiGateway::DomainName": ("aws_api_gateway_domain_name", "aws_apigatewayv2_domain_name"),
    "AWS::ApiGateway::RestApi": ("aws_api_gateway_rest_api", "aws_api_gateway_rest_api_policy"),
    "AWS::ApiGateway::Stage": ("aws_api_gateway_method_settings",),
    "AWS::Athena::WorkGroup": ("aws_athena_workgroup",),
    "AWS::AutoScaling::LaunchConfiguration": ("aws_launch_configuration",),
    "AWS::Backup::BackupVault": ("aws_backup_vault", "aws_backup_vault_policy"),
    "AWS::CloudFront::Distribution": ("aws_cloudfront_distribution",),
    "AWS::CloudTrail::Trail": ("aws_cloudtrail",),
    "AWS::CodeBuild::Project": ("aws_codebuild_project",),
    "AWS::DAX::Cluster": ("aws_dax_cluster",),
    "AWS::DMS::Endpoint": ("aws_dms_endpoint",),
    "AWS::DMS::ReplicationInstance": ("aws_dms_replication_instance",),
    "AWS::DynamoDB::Table": ("aws_dynamodb_table",),
    "AWS::EC2::EBSEncryptionByDefault": ("aws_ebs_encryption_by_default",),
    "AWS::EC2::Image": ("aws_ami", "aws_ami_copy", "aws_ami_launch_permission"),
    "AWS::EC2::LaunchTemplate": ("aws_launch_template",),
    "AWS::EC2::NetworkAcl": ("aws_network_acl", "aws_default_network_acl", "aws_network_acl_rule"),
    "AWS::EC2::SecurityGroup": ("aws_security_group", "aws_default_security_group", "aws_security_group_rule",
                                "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"),
    "AWS::EC2::Snapshot": ("aws_ebs_snapshot", "aws_ebs_snapshot_copy", "aws_snapshot_create_volume_permission"),
    "AWS::EC2::Volume": ("aws_ebs_volume",),
    "AWS::ECR::Repository": ("aws_ecr_repository", "aws_ecr_repository_policy"),
    "AWS::ECS::TaskDefinition": ("aws_ecs_task_definition",),
    "AWS::EFS::FileSystem": ("aws_efs_file_system", "aws_efs_file_system_policy"),
    "AWS::EKS::Cluster": ("aws_eks_cluster",),
    "AWS::ElastiCache::ReplicationGroup": ("aws_elasticache_replication_group",),
    "AWS::ElasticLoadBalancing::LoadBalancer": ("aws_elb", "aws_load_balancer_policy"),
    "AWS::ElasticLoadBalancingV2::Listener": ("aws_lb_listener", "aws_alb_listener"),
    "AWS::FSx::FileSystem": ("aws_fsx_lustre_file_system", "aws_fsx_ontap_file_system",
                             "aws_fsx_openzfs_file_system", "aws_fsx_windows_file_system"),
    "AWS::Glacier::Vault": ("aws_glacier_vault",),
    "AWS::Glue::DataCatalogEncryptionSettings": ("aws_glue_data_catalog_encryption_settings",),
    "AWS::Glue::ResourcePolicy": ("aws_glue_resource_policy",),
    "AWS::Glue::SecurityConfiguration": ("aws_glue_security_configuration",),
    "AWS::IAM::Group": ("aws_iam_group_policy", "aws_iam_group_policy_attachment"),
    "AWS::IAM::ManagedPolicy": ("aws_iam_policy", "aws_iam_policy_attachment"),
    "AWS::IAM::Role": ("aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment"),
    "AWS::IAM::User": ("aws_iam_user_policy", "aws_iam_user_policy_attachment"),
    "AWS::KMS::Key": ("aws_kms_key",),
    "AWS::Kinesis::Stream": ("aws_kinesis_stream",),
    "AWS::KinesisFirehose::DeliveryStream": ("aws_kinesis_firehose_delivery_stream",),
    "AWS::Lambda::Function": ("aws_lambda_function", "aws_lambda_permission"),
    "AWS::Lambda::Url": ("aws_lambda_function_url",),
    "AWS::Logs::Destination": ("aws_cloudwatch_log_destination_policy",),
    "AWS::Logs::LogGroup": ("aws_cloudwatch_log_group",),
    "AWS::Logs::ResourcePolicy": ("aws_cloudwatch_log_resource_policy",),
    "AWS::MSK::Cluster": ("aws_msk_cluster",),
    "AWS::MemoryDB::Cluster": ("aws_memorydb_cluster",),
    "AWS::OpenSearchService::Domain": ("aws_opensearch_domain", "aws_opensearch_domain_policy",
                                       "aws_elasticsearch_domain", "aws_elasticsearch_domain_policy"),
    "AWS::RDS::DBCluster": ("aws_rds_cluster", "aws_neptune_cluster", "aws_docdb_cluster"),
    "AWS::RDS::DBClusterParameterGroup": ("aws_rds_cluster_parameter_group",),
    "AWS::RDS::DBClusterSnapshot": ("aws_db_cluster_snapshot",),
    "AWS::RDS::DBInstance": ("aws_db_instance", "aws_rds_cluster_instance", "aws_neptune_cluster_instance"),
    "AWS::RDS::DBParameterGroup": ("aws_db_parameter_group",),
    "AWS::RDS::DBSnapshot": ("aws_db_snapshot",),
    "AWS::Redshift::Cluster": ("aws_redshift_cluster",),
    "AWS::Redshift::ClusterParameterGroup": ("aws_redshift_parameter_group",),
    "AWS::S3::Bucket": ("aws_s3_bucket", "aws_s3_bucket_policy", "aws_s3_bucket_acl"),
    "AWS::SES::EmailIdentity": ("aws_ses_identity_policy",),
    "AWS::SNS::Topic": ("aws_sns_topic", "aws_sns_topic_policy"),
    "AWS::SQS::Queue": ("aws_sqs_queue", "aws_sqs_queue_policy"),
    "AWS::SSO::PermissionSet": ("aws_ssoadmin_permission_set_inline_policy",),
    "AWS::SageMaker::EndpointConfig": ("aws_sagemaker_endpoint_configuration",),
    "AWS::SageMaker::NotebookInstance": ("aws_sagemaker_notebook_instance",),
    "AWS::SecretsManager::Secret": ("aws_secretsmanager_secret", "aws_secretsmanager_secret_policy"),
    "AWS::WorkSpaces::Workspace": ("aws_workspaces_workspace",),
    # Azure: ARM resource types, as the Azure adapters name their origins.
    "Microsoft.ApiManagement/service": ("azurerm_api_management",),
    "Microsoft.ApiManagement/service/apis": ("azurerm_api_management_api",),
    "Microsoft.ApiManagement/service/backends": ("azurerm_api_management_backend",),
    "Microsoft.Authorization/roleAssignments": ("azurerm_role_assignment",),
    "Microsoft.Authorization/roleDefinitions": ("azurerm_role_definition",),
    "Microsoft.Batch/batchAccounts": ("azurerm_batch_account",),
    "Microsoft.Cache/redis": ("azurerm_redis_cache", "azurerm_redis_firewall_rule"),
    "Microsoft.Cache/redis/firewallRules": ("azurerm_redis_firewall_rule",),
    "Microsoft.Cdn/profiles/afdEndpoints/routes": ("azurerm_cdn_frontdoor_route",),
    "Microsoft.Cdn/profiles/customDomains": ("azurerm_cdn_frontdoor_custom_domain",),
    "Microsoft.Cdn/profiles/endpoints": ("azurerm_cdn_endpoint",),
    "Microsoft.CognitiveServices/accounts": ("azurerm_cognitive_account",),
    "Microsoft.Compute/disks": ("azurerm_managed_disk",),
    "Microsoft.Compute/virtualMachineScaleSets": ("azurerm_linux_virtual_machine_scale_set",
                                                  "azurerm_windows_virtual_machine_scale_set",
                                                  "azurerm_orchestrated_virtual_machine_scale_set"),
    "Microsoft.Compute/virtualMachines": ("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine"),
    "Microsoft.ContainerInstance/containerGroups": ("azurerm_container_group",),
    "Microsoft.ContainerRegistry/registries": ("azurerm_container_registry",),
    "Microsoft.ContainerService/managedClusters": ("azurerm_kubernetes_cluster",
                                                   "azurerm_kubernetes_cluster_node_pool"),
    "Microsoft.DBforMySQL/flexibleServers": ("azurerm_mysql_flexible_server",
                                             "azurerm_mysql_flexible_server_configuration",
                                             "azurerm_mysql_flexible_server_firewall_rule"),
    "Microsoft.DBforMySQL/flexibleServers/configurations": ("azurerm_mysql_flexible_server_configuration",),
    "Microsoft.DBforMySQL/flexibleServers/firewallRules": ("azurerm_mysql_flexible_server_firewall_rule",),
    "Microsoft.DBforPostgreSQL/flexibleServers": ("azurerm_postgresql_flexible_server",
                                                  "azurerm_postgresql_flexible_server_configuration",
                                                  "azurerm_postgresql_flexible_server_firewall_rule"),
    "Microsoft.DBforPostgreSQL/flexibleServers/configurations": ("azurerm_postgresql_flexible_server_configuration",),
    "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules": ("azurerm_postgresql_flexible_server_firewall_rule",),
    "Microsoft.DocumentDB/databaseAccounts": ("azurerm_cosmosdb_account",),
    "Microsoft.EventHub/namespaces": ("azurerm_eventhub_namespace",),
    "Microsoft.KeyVault/vaults": ("azurerm_key_vault",),
    "Microsoft.Kusto/clusters": ("azurerm_kusto_cluster",),
    "Microsoft.Network/applicationGateways": ("azurerm_application_gateway",),
    "Microsoft.Network/frontDoors": ("azurerm_frontdoor",),
    "Microsoft.Network/networkSecurityGroups": ("azurerm_network_security_group", "azurerm_network_security_rule"),
    "Microsoft.Search/searchServices": ("azurerm_search_service",),
    "Microsoft.ServiceBus/namespaces": ("azurerm_servicebus_namespace",),
    "Microsoft.Sql/managedInstances": ("azurerm_mssql_managed_instance",),
    "Microsoft.Sql/servers": ("azurerm_mssql_server", "azurerm_mssql_firewall_rule", "azurerm_sql_firewall_rule"),
    "Microsoft.Sql/servers/databases": ("azurerm_mssql_database",),
    "Microsoft.Sql/servers/encryptionProtector": ("azurerm_mssql_server_transparent_data_encryption",),
    "Microsoft.Sql/servers/firewallRules": ("azurerm_mssql_firewall_rule", "azurerm_sql_firewall_rule"),
    "Microsoft.Storage/storageAccounts": ("azurerm_storage_account", "azurerm_storage_account_network_rules"),
    "Microsoft.Storage/storageAccounts/blobServices/containers": ("azurerm_storage_container",),
    "Microsoft.Synapse/workspaces/firewallRules": ("azurerm_synapse_firewall_rule",),
    "Microsoft.Synapse/workspaces/sqlPools": ("azurerm_synapse_sql_pool",),
    "Microsoft.Web/sites": tuple(f"azurerm_{app}" for app in _WEB_APPS),
    "Microsoft.Web/sites/slots": _slots(*_WEB_APPS),
    # GCP: Cloud Asset Inventory types, as the GCP adapters name their origins.
    "aiplatform.googleapis.com/Dataset": ("google_vertex_ai_dataset",),
    "aiplatform.googleapis.com/MetadataStore": ("google_vertex_ai_metadata_store",),
    "artifactregistry.googleapis.com/Repository": ("google_artifact_registry_repository",
                                                   *_iam("google_artifact_registry_repository")),
    "bigquery.googleapis.com/Dataset": ("google_bigquery_dataset", "google_bigquery_dataset_access",
                                        *_iam("google_bigquery_dataset")),
    "bigquery.googleapis.com/Table": ("google_bigquery_table", *_iam("google_bigquery_table")),
    "bigtableadmin.googleapis.com/Instance": ("google_bigtable_instance",),
    "cloudfunctions.googleapis.com/Function": (*_iam("google_cloudfunctions_function"),
                                               *_iam("google_cloudfunctions2_function")),
    "cloudkms.googleapis.com/CryptoKey": _iam("google_kms_crypto_key"),
    "cloudkms.googleapis.com/KeyRing": _iam("google_kms_key_ring"),
    "cloudresourcemanager.googleapis.com/Folder": _iam("google_folder"),
    "cloudresourcemanager.googleapis.com/Organization": _iam("google_organization"),
    "cloudresourcemanager.googleapis.com/Project": _iam("google_project"),
    "compute.googleapis.com/Disk": ("google_compute_disk", "google_compute_region_disk"),
    "compute.googleapis.com/Firewall": ("google_compute_firewall",),
    "compute.googleapis.com/Image": ("google_compute_image",),
    "compute.googleapis.com/Instance": ("google_compute_instance", *_iam("google_compute_instance")),
    "compute.googleapis.com/InstanceTemplate": ("google_compute_instance_template",
                                                "google_compute_region_instance_template"),
    "compute.googleapis.com/SslPolicy": ("google_compute_ssl_policy", "google_compute_region_ssl_policy"),
    "compute.googleapis.com/Snapshot": ("google_compute_snapshot",),
    "compute.googleapis.com/TargetHttpProxy": ("google_compute_target_http_proxy",
                                               "google_compute_region_target_http_proxy"),
    "compute.googleapis.com/TargetHttpsProxy": ("google_compute_target_https_proxy",
                                                "google_compute_region_target_https_proxy"),
    "compute.googleapis.com/TargetSslProxy": ("google_compute_target_ssl_proxy",),
    "container.googleapis.com/Cluster": ("google_container_cluster", "google_container_node_pool"),
    "dataproc.googleapis.com/Cluster": ("google_dataproc_cluster", *_iam("google_dataproc_cluster")),
    "file.googleapis.com/Instance": ("google_filestore_instance",),
    "iam.googleapis.com/ServiceAccount": _iam("google_service_account"),
    "pubsub.googleapis.com/Subscription": _iam("google_pubsub_subscription"),
    "pubsub.googleapis.com/Topic": ("google_pubsub_topic", *_iam("google_pubsub_topic")),
    "redis.googleapis.com/Instance": ("google_redis_instance",),
    "run.googleapis.com/Service": (*_iam("google_cloud_run_service"), *_iam("google_cloud_run_v2_service")),
    "secretmanager.googleapis.com/Secret": _iam("google_secret_manager_secret"),
    "spanner.googleapis.com/Database": ("google_spanner_database",),
    "sqladmin.googleapis.com/Instance": ("google_sql_database_instance",),
    "storage.googleapis.com/Bucket": ("google_storage_bucket", "google_storage_bucket_acl",
                                      "google_storage_bucket_access_control", "google_storage_default_object_acl",
                                      "google_storage_default_object_access_control", "google_storage_object_acl",
                                      "google_storage_object_access_control", *_iam("google_storage_bucket")),
}

_LIVE_SOURCES = frozenset({"aws", "azure", "gcp"})


def terraform_types(source: str, resource_type: str) -> tuple[str, ...]:
    """The kinds a resource is, in the vocabulary of compliance scopes: its Terraform type(s) whatever read it, or
    its Kubernetes kind. A live type the table does not know is none (it is in no control's scope)."""
    if source in _LIVE_SOURCES:
        return LIVE_TERRAFORM_TYPES.get(resource_type, ())
    return (resource_type,)

"""What the live AWS audit reads, by the Terraform resource type that declares the same thing.

`docs/coverage.md` is generated from these tables and the Terraform mappings; a test
fails when a Terraform type judged in code is in neither table. SDK-free: importing
it costs nothing.
"""

from __future__ import annotations

# Terraform type -> the read calls that give the live counterpart.
LIVE: dict[str, str] = {
    "aws_security_group": "ec2:DescribeSecurityGroups",
    "aws_default_security_group": "ec2:DescribeSecurityGroups",
    "aws_lb_listener": "elbv2:DescribeListeners, DescribeRules",
    "aws_alb_listener": "elbv2:DescribeListeners, DescribeRules",
    "aws_cloudfront_distribution": "cloudfront:ListDistributions (viewer and origin protocol policies)",
    "aws_s3_bucket": "s3:GetBucketEncryption, GetBucketAcl, GetBucketOwnershipControls, GetPublicAccessBlock",
    "aws_s3_bucket_policy": "s3:GetBucketPolicy, GetPublicAccessBlock; s3control:GetPublicAccessBlock",
    "aws_ebs_volume": "ec2:DescribeVolumes",
    "aws_db_instance": "rds:DescribeDBInstances (+ ec2:DescribeSecurityGroups when publicly accessible)",
    "aws_network_acl": "ec2:DescribeNetworkAcls",
    "aws_default_network_acl": "ec2:DescribeNetworkAcls",
    "aws_eks_cluster": "eks:ListClusters, DescribeCluster",
    "aws_neptune_cluster_instance": "rds:DescribeDBInstances (+ ec2:DescribeSecurityGroups when publicly accessible)",
    "aws_rds_cluster_instance": "rds:DescribeDBInstances (+ ec2:DescribeSecurityGroups when publicly accessible)",
    "aws_apigatewayv2_domain_name": "apigatewayv2:GetDomainNames",
    "aws_api_gateway_domain_name": "apigateway:GetDomainNames",
    "aws_msk_cluster": "kafka:ListClustersV2",
    "aws_memorydb_cluster": "memorydb:DescribeClusters",
    "aws_elasticache_replication_group": "elasticache:DescribeReplicationGroups",
    "aws_rds_cluster_parameter_group": "rds:DescribeDBClusterParameterGroups, DescribeDBClusterParameters",
    "aws_db_parameter_group": "rds:DescribeDBParameterGroups, DescribeDBParameters (groups in use)",
    "aws_redshift_parameter_group": "redshift:DescribeClusterParameters (groups in use)",
    "aws_redshift_cluster": "redshift:DescribeClusters (+ ec2:DescribeSecurityGroups when publicly accessible)",
    "aws_lambda_function_url": "lambda:ListFunctionUrlConfigs",
    "aws_lambda_permission": "lambda:ListFunctions, GetPolicy",
    "aws_secretsmanager_secret_policy": "secretsmanager:GetResourcePolicy",
    "aws_secretsmanager_secret": "secretsmanager:ListSecrets",
    "aws_ecr_repository_policy": "ecr:GetRepositoryPolicy",
    "aws_ecr_repository": "ecr:DescribeRepositories",
    "aws_cloudtrail": "cloudtrail:DescribeTrails",
    "aws_cloudwatch_log_group": "logs:DescribeLogGroups",
    "aws_backup_vault": "backup:ListBackupVaults",
    "aws_kinesis_firehose_delivery_stream": "firehose:ListDeliveryStreams, DescribeDeliveryStream",
    "aws_kinesis_stream": "kinesis:ListStreams, DescribeStreamSummary",
    "aws_kms_key": "kms:ListKeys, GetKeyPolicy",
    "aws_sns_topic_policy": "sns:GetTopicAttributes (Policy)",
    "aws_sns_topic": "sns:ListTopics, GetTopicAttributes",
    "aws_sqs_queue_policy": "sqs:GetQueueAttributes (Policy)",
    "aws_sqs_queue": "sqs:ListQueues, GetQueueAttributes",
    "aws_elasticsearch_domain_policy": "opensearch:DescribeDomains (AccessPolicies)",
    "aws_opensearch_domain_policy": "opensearch:DescribeDomains (AccessPolicies)",
    "aws_opensearch_domain": "opensearch:ListDomainNames, DescribeDomains",
    "aws_elasticsearch_domain": "opensearch:ListDomainNames, DescribeDomains",
    "aws_dynamodb_table": "dynamodb:ListTables, DescribeTable",
    "aws_efs_file_system_policy": "efs:DescribeFileSystemPolicy",
    "aws_efs_file_system": "efs:DescribeFileSystems, DescribeFileSystemPolicy",
    "aws_db_cluster_snapshot": "rds:DescribeDBClusterSnapshots, DescribeDBClusterSnapshotAttributes",
    "aws_db_snapshot": "rds:DescribeDBSnapshots, DescribeDBSnapshotAttributes",
    "aws_snapshot_create_volume_permission": "ec2:DescribeSnapshots, DescribeSnapshotAttribute",
    "aws_ebs_snapshot_copy": "ec2:DescribeSnapshots",
    "aws_ebs_snapshot": "ec2:DescribeSnapshots",
    "aws_ami_launch_permission": "ec2:DescribeImages",
    "aws_ami_copy": "ec2:DescribeImages (public launch permission); its snapshots by ec2:DescribeSnapshots",
    "aws_ami": "ec2:DescribeImages (public launch permission); its snapshots by ec2:DescribeSnapshots",
    "aws_s3_bucket_acl": "s3:GetBucketAcl, GetBucketOwnershipControls, GetPublicAccessBlock; "
                         "s3control:GetPublicAccessBlock",
    "aws_elb": "elb:DescribeLoadBalancers",
    "aws_load_balancer_policy": "elb:DescribeLoadBalancerPolicies",
    "aws_rds_cluster": "rds:DescribeDBClusters",
    "aws_neptune_cluster": "rds:DescribeDBClusters",
    "aws_docdb_cluster": "rds:DescribeDBClusters",
    "aws_iam_policy": "iam:GetAccountAuthorizationDetails",
    "aws_iam_role_policy": "iam:GetAccountAuthorizationDetails",
    "aws_iam_user_policy": "iam:GetAccountAuthorizationDetails",
    "aws_iam_group_policy": "iam:GetAccountAuthorizationDetails",
    "aws_iam_role": "iam:GetAccountAuthorizationDetails",
    "aws_iam_role_policy_attachment": "iam:GetAccountAuthorizationDetails",
    "aws_iam_user_policy_attachment": "iam:GetAccountAuthorizationDetails",
    "aws_iam_group_policy_attachment": "iam:GetAccountAuthorizationDetails",
    "aws_iam_policy_attachment": "iam:GetAccountAuthorizationDetails",
    "aws_lambda_function": "lambda:ListFunctions (environment variables and their key)",
    "aws_launch_template": "ec2:DescribeLaunchTemplates, DescribeLaunchTemplateVersions ($Default), "
                           "GetEbsEncryptionByDefault",
    "aws_launch_configuration": "autoscaling:DescribeLaunchConfigurations, ec2:GetEbsEncryptionByDefault",
    "aws_ecs_task_definition": "ecs:ListTaskDefinitionFamilies, DescribeTaskDefinition (latest active revision)",
    "aws_api_gateway_rest_api": "apigateway:GetRestApis (policy)",
    "aws_api_gateway_rest_api_policy": "apigateway:GetRestApis (policy)",
    "aws_api_gateway_method_settings": "apigateway:GetStages (methodSettings)",
    "aws_athena_workgroup": "athena:ListWorkGroups, GetWorkGroup",
    "aws_backup_vault_policy": "backup:ListBackupVaults, GetBackupVaultAccessPolicy",
    "aws_cloudwatch_log_resource_policy": "logs:DescribeResourcePolicies",
    "aws_cloudwatch_log_destination_policy": "logs:DescribeDestinations (accessPolicy)",
    "aws_codebuild_project": "codebuild:ListProjects, BatchGetProjects",
    "aws_dax_cluster": "dax:DescribeClusters",
    "aws_dms_endpoint": "dms:DescribeEndpoints",
    "aws_dms_replication_instance": "dms:DescribeReplicationInstances (+ ec2:DescribeSecurityGroups when publicly "
                                    "accessible)",
    "aws_fsx_lustre_file_system": "fsx:DescribeFileSystems",
    "aws_fsx_windows_file_system": "fsx:DescribeFileSystems",
    "aws_fsx_ontap_file_system": "fsx:DescribeFileSystems",
    "aws_fsx_openzfs_file_system": "fsx:DescribeFileSystems",
    "aws_glacier_vault": "glacier:ListVaults, GetVaultAccessPolicy",
    "aws_glue_data_catalog_encryption_settings": "glue:GetDatabases, GetDataCatalogEncryptionSettings (a catalog in "
                                                 "use)",
    "aws_glue_security_configuration": "glue:GetSecurityConfigurations",
    "aws_glue_resource_policy": "glue:GetResourcePolicy",
    "aws_mq_broker": "mq:ListBrokers, DescribeBroker",
    "aws_sagemaker_endpoint_configuration": "sagemaker:ListEndpointConfigs, DescribeEndpointConfig",
    "aws_sagemaker_notebook_instance": "sagemaker:ListNotebookInstances, DescribeNotebookInstance",
    "aws_ses_identity_policy": "sesv2:ListEmailIdentities, GetEmailIdentityPolicies",
    "aws_ssoadmin_permission_set_inline_policy": "sso-admin:ListInstances, ListPermissionSets, "
                                                 "GetInlinePolicyForPermissionSet",
    "aws_workspaces_workspace": "workspaces:DescribeWorkspaces",
}

# Terraform type -> why the live audit has no reading of its own for it.
NOT_LIVE: dict[str, str] = {
    "aws_security_group_rule": "read live as a rule of its security group",
    "aws_vpc_security_group_ingress_rule": "read live as a rule of its security group",
    "aws_vpc_security_group_egress_rule": "read live as a rule of its security group",
    "aws_network_acl_rule": "read live as an entry of its network ACL",
    "aws_instance": "its root and EBS block devices are read live as volumes",
    "aws_athena_database": "its encryption_configuration only encrypts the results of the query that creates the "
                           "database; the database has no encryption of its own (its metadata is the Glue Data "
                           "Catalog's, read as aws_glue_data_catalog_encryption_settings)",
    # Not read live yet (issue #13): moves to LIVE when its collector lands.
    "aws_redshiftserverless_workgroup": "not read live yet: ListWorkgroups would be called in every region, and moto "
                                        "(the emulator the audit is tested and benchmarked on) has no Redshift "
                                        "Serverless, so every audit against it would be partial",
}

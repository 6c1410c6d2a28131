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
    "aws_cloudfront_distribution": "cloudfront:ListDistributions",
    "aws_s3_bucket": "s3:GetBucketEncryption, GetBucketAcl, GetBucketOwnershipControls, GetPublicAccessBlock",
    "aws_s3_bucket_policy": "s3:GetBucketPolicy, GetPublicAccessBlock; s3control:GetPublicAccessBlock",
    "aws_ebs_volume": "ec2:DescribeVolumes",
    "aws_db_instance": "rds:DescribeDBInstances",
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
}

# Terraform type -> why the live audit has no reading of its own for it.
NOT_LIVE: dict[str, str] = {
    "aws_security_group_rule": "read live as a rule of its security group",
    "aws_vpc_security_group_ingress_rule": "read live as a rule of its security group",
    "aws_vpc_security_group_egress_rule": "read live as a rule of its security group",
    "aws_instance": "its root and EBS block devices are read live as volumes",
    # Not read live yet (issue #13): each moves to LIVE when its collector lands.
    "aws_efs_file_system": "not read live yet",
    "aws_redshift_cluster": "not read live yet",
    "aws_dynamodb_table": "not read live yet",
    "aws_elasticsearch_domain": "not read live yet",
    "aws_opensearch_domain": "not read live yet",
    "aws_sqs_queue": "not read live yet",
    "aws_kms_key": "not read live yet",
    "aws_sns_topic": "not read live yet",
    "aws_opensearch_domain_policy": "not read live yet",
    "aws_elasticsearch_domain_policy": "not read live yet",
    "aws_sqs_queue_policy": "not read live yet",
    "aws_sns_topic_policy": "not read live yet",
    # Added with issue #12 (code side); each moves to LIVE when its collector lands.
    "aws_network_acl": "not read live yet",
    "aws_default_network_acl": "not read live yet",
    "aws_network_acl_rule": "not read live yet",
    "aws_eks_cluster": "not read live yet",
    "aws_dms_replication_instance": "not read live yet",
    "aws_elb": "not read live yet",
    "aws_load_balancer_policy": "not read live yet",
    "aws_api_gateway_domain_name": "not read live yet",
    "aws_apigatewayv2_domain_name": "not read live yet",
    "aws_msk_cluster": "not read live yet",
    "aws_elasticache_replication_group": "not read live yet",
    "aws_memorydb_cluster": "not read live yet",
    "aws_ecs_task_definition": "not read live yet",
    "aws_db_parameter_group": "not read live yet",
    "aws_rds_cluster_parameter_group": "not read live yet",
    "aws_redshift_parameter_group": "not read live yet",
    "aws_dms_endpoint": "not read live yet",
}

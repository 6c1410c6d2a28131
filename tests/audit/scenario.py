"""The acceptance scenario of the live AWS audit: violations in the four families (network, TLS, encryption,
access) planted across many services and two regions of one account, each next to a clean counterpart.

Used by tests/audit/test_aws_services.py (on the session's moto server, in an account of its own) and by
bench/bench_prowler.py (on a moto server of its own). `seed` returns what must be found, by name, with the
rules that must report it, and what must not.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3  # type: ignore[import-untyped]

REGIONS = ("ap-southeast-2", "ca-central-1")


@dataclass
class Scenario:
    account: str
    planted: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # name -> (resource, rules)
    clean: dict[str, str] = field(default_factory=dict)  # name -> resource

    @property
    def resources(self) -> int:
        return len(self.planted) + len(self.clean)


def _document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal: Any, action: str, resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}


def seed(endpoint: str, account: str, credentials: Mapping[str, str], prefix: str = "acc") -> Scenario:
    """Create the scenario with `credentials` (of `account`) on `endpoint`."""
    world = Scenario(account)

    def client(service: str, region: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=endpoint, **credentials)

    first, second = REGIONS
    for region in REGIONS:
        _network(client, world, region, prefix)
        _compute(client, world, region, prefix)
        _queues(client, world, region, prefix)
    _storage(client, world, first, prefix)
    _analytics(client, world, first, prefix)
    _policies(client, world, first, prefix)
    _migration(client, world, second, prefix)
    # EBS encryption by default is off (a violation, CIS 2.2.1): templates asking for none create plain volumes.
    for region in REGIONS:
        world.planted[f"ebs-default-{region}"] = (f"arn:aws:ec2:{region}:{account}:ebs-encryption-by-default",
                                                  ["ENC-001"])
    return world


def _network(client: Any, world: Scenario, region: str, prefix: str) -> None:
    ec2 = client("ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    for name, cidr, port in (("ssh-open", "0.0.0.0/0", 22), ("ssh-scoped", "10.20.0.0/16", 22),
                             ("rdp-open", "0.0.0.0/0", 3389)):
        group = ec2.create_security_group(GroupName=f"{prefix}-{name}", Description=name, VpcId=vpc,
                                          TagSpecifications=[{"ResourceType": "security-group", "Tags": [
                                              {"Key": "team", "Value": "web" if name == "rdp-open" else "core"}]}])
        ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}])
        # Egress to HTTPS only: the default (everything, NET-004) is not what is planted here.
        ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=[{
            "IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        ec2.authorize_security_group_egress(GroupId=group["GroupId"], IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        arn = f"arn:aws:ec2:{region}:{world.account}:security-group/{group['GroupId']}"
        if cidr == "0.0.0.0/0":
            world.planted[f"{name}-{region}"] = (arn, ["NET-001"])
        else:
            world.clean[f"{name}-{region}"] = arn


def _compute(client: Any, world: Scenario, region: str, prefix: str) -> None:
    """Launch templates and configurations whose volumes are stored in clear (unless the region encrypts
    every new volume), and ECS tasks mounting EFS without TLS."""
    ec2, autoscaling, ecs = client("ec2", region), client("autoscaling", region), client("ecs", region)
    for name, encrypted in (("lt-plain", False), ("lt-sealed", True)):
        template = ec2.create_launch_template(LaunchTemplateName=f"{prefix}-{name}", LaunchTemplateData={
            "ImageId": "ami-12c6146b", "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": encrypted}}]})
        arn = f"arn:aws:ec2:{region}:{world.account}:launch-template/{template['LaunchTemplate']['LaunchTemplateId']}"
        _sort(world, f"{name}-{region}", arn, not encrypted, ["ENC-001"])
    for name, encrypted in (("lc-plain", False), ("lc-sealed", True)):
        autoscaling.create_launch_configuration(
            LaunchConfigurationName=f"{prefix}-{name}", ImageId="ami-12c6146b", InstanceType="t3.micro",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 8, "Encrypted": encrypted}}])
        arn = autoscaling.describe_launch_configurations(LaunchConfigurationNames=[f"{prefix}-{name}"])[
            "LaunchConfigurations"][0]["LaunchConfigurationARN"]
        _sort(world, f"{name}-{region}", arn, not encrypted, ["ENC-001"])
    for name, transit in (("task-plain", "DISABLED"), ("task-tls", "ENABLED")):
        task = ecs.register_task_definition(
            family=f"{prefix}-{name}", containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}],
            volumes=[{"name": "shared", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678",
                                                                   "transitEncryption": transit}}])
        _sort(world, f"{name}-{region}", task["taskDefinition"]["taskDefinitionArn"], transit == "DISABLED",
              ["TLS-001"])


def _queues(client: Any, world: Scenario, region: str, prefix: str) -> None:
    sqs, sns = client("sqs", region), client("sns", region)
    for name, attributes in (("queue-plain", {"SqsManagedSseEnabled": "false"}),
                             ("queue-sealed", {"SqsManagedSseEnabled": "true"})):
        url = sqs.create_queue(QueueName=f"{prefix}-{name}", Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        _sort(world, f"{name}-{region}", arn, name == "queue-plain", ["ENC-001"])
    for name, attributes in (("topic-plain", {}), ("topic-sealed", {"KmsMasterKeyId": "alias/aws/sns"})):
        arn = sns.create_topic(Name=f"{prefix}-{name}", Attributes=attributes)["TopicArn"]
        _sort(world, f"{name}-{region}", arn, name == "topic-plain", ["ENC-001"])


def _storage(client: Any, world: Scenario, region: str, prefix: str) -> None:
    s3, rds, dax = client("s3", region), client("rds", region), client("dax", region)
    bucket = f"{prefix}-public-{world.account}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    world.planted["bucket-public"] = (f"arn:aws:s3:::{bucket}", ["IAM-005", "TLS-001"])
    sealed = f"{prefix}-private-{world.account}"
    s3.create_bucket(Bucket=sealed, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_policy(Bucket=sealed, Policy=_document({
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{sealed}", f"arn:aws:s3:::{sealed}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
    world.clean["bucket-private"] = f"arn:aws:s3:::{sealed}"
    for name, encrypted in (("db-plain", False), ("db-sealed", True)):
        db = rds.create_db_instance(DBInstanceIdentifier=f"{prefix}-{name}", DBInstanceClass="db.t3.micro",
                                    Engine="mysql", EngineVersion="8.0.35", MasterUsername="app",
                                    MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
                                    StorageEncrypted=encrypted)["DBInstance"]
        _sort(world, name, db["DBInstanceArn"], not encrypted, ["ENC-001"])
    # The automated snapshot of the plain database is plain too; MySQL's default parameter group accepts
    # connections without TLS (require_secure_transport off).
    for snap in rds.describe_db_snapshots(DBInstanceIdentifier=f"{prefix}-db-plain")["DBSnapshots"]:
        world.planted[snap["DBSnapshotIdentifier"]] = (snap["DBSnapshotArn"], ["ENC-001"])
    world.planted["mysql-default-parameters"] = (f"arn:aws:rds:{region}:{world.account}:pg:default.mysql8.0",
                                                 ["TLS-001"])
    role = f"arn:aws:iam::{world.account}:role/dax"
    for name, sse in (("dax-plain", False), ("dax-sealed", True)):
        cluster = dax.create_cluster(ClusterName=f"{prefix}-{name}", NodeType="dax.t3.small", ReplicationFactor=1,
                                     IamRoleArn=role, SSESpecification={"Enabled": sse})["Cluster"]
        _sort(world, name, cluster["ClusterArn"], not sse, ["ENC-001"])
    # Always encrypted: clean whatever their keys (customer keys are not required here).
    fsx = client("fsx", region).create_file_system(FileSystemType="LUSTRE", StorageCapacity=1200,
                                                  SubnetIds=["subnet-12345678"])
    world.clean["fsx"] = fsx["FileSystem"]["ResourceARN"]
    mq = client("mq", region).create_broker(
        BrokerName=f"{prefix}-broker", EngineType="ACTIVEMQ", EngineVersion="5.17.6", HostInstanceType="mq.t3.micro",
        DeploymentMode="SINGLE_INSTANCE", PubliclyAccessible=False, AutoMinorVersionUpgrade=True,
        Users=[{"Username": "app", "Password": "not-a-secret-12"}])
    world.clean["broker"] = mq["BrokerArn"]
    sagemaker = client("sagemaker", region)
    notebook = sagemaker.create_notebook_instance(NotebookInstanceName=f"{prefix}-notebook",
                                                  InstanceType="ml.t3.medium",
                                                  RoleArn=f"arn:aws:iam::{world.account}:role/sagemaker")
    world.clean["notebook"] = notebook["NotebookInstanceArn"]


def _analytics(client: Any, world: Scenario, region: str, prefix: str) -> None:
    glue, athena, codebuild = client("glue", region), client("athena", region), client("codebuild", region)
    # A catalog holding a database with its metadata in clear, and connection passwords in clear.
    glue.create_database(DatabaseInput={"Name": f"{prefix}_sales"})
    catalog = f"arn:aws:glue:{region}:{world.account}:catalog"
    world.planted["glue-catalog"] = (catalog, ["ENC-001", "ENC-001"])
    for name, bookmarks in (("glue-plain", "DISABLED"), ("glue-sealed", "CSE-KMS")):
        config: dict[str, Any] = {"JobBookmarksEncryptionMode": bookmarks}
        if bookmarks != "DISABLED":
            config["KmsKeyArn"] = f"arn:aws:kms:{region}:{world.account}:key/11111111-2222-3333-4444-555555555555"
        glue.create_security_configuration(Name=f"{prefix}-{name}", EncryptionConfiguration={
            "JobBookmarksEncryption": config})
        _sort(world, name, f"arn:aws:glue:{region}:{world.account}:securityConfiguration/{prefix}-{name}",
              bookmarks == "DISABLED", ["ENC-001"])
    athena.create_work_group(Name=f"{prefix}-analysts", Configuration={"ResultConfiguration": {
        "OutputLocation": "s3://results/", "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"}}})
    world.clean["workgroup"] = f"arn:aws:athena:{region}:{world.account}:workgroup/{prefix}-analysts"
    project = codebuild.create_project(
        name=f"{prefix}-build", source={"type": "S3", "location": "sources/app.zip"},
        artifacts={"type": "S3", "location": "artifacts"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=f"arn:aws:iam::{world.account}:role/codebuild")
    world.clean["build"] = project["project"]["arn"]


def _policies(client: Any, world: Scenario, region: str, prefix: str) -> None:
    """Resource policies open to anyone (IAM-005) next to ones that name an account or a service."""
    mine = {"AWS": f"arn:aws:iam::{world.account}:root"}
    apigateway = client("apigateway", region)
    for name, principal in (("api-public", "*"), ("api-private", mine)):
        api = apigateway.create_rest_api(name=f"{prefix}-{name}", policy=_document(
            _allow(principal, "execute-api:Invoke", "execute-api:/*")))
        _sort(world, name, f"arn:aws:execute-api:{region}:{world.account}:{api['id']}/*", principal == "*",
              ["IAM-005"])
    logs = client("logs", region)
    for name, principal in (("logs-public", "*"), ("logs-service", {"Service": "es.amazonaws.com"})):
        logs.put_resource_policy(policyName=f"{prefix}-{name}", policyDocument=_document(
            _allow(principal, "logs:PutLogEvents", f"arn:aws:logs:{region}:{world.account}:log-group:*")))
        _sort(world, name, f"arn:aws:logs:{region}:{world.account}:resource-policy:{prefix}-{name}", principal == "*",
              ["IAM-005"])
    ses = client("sesv2", region)
    for name, principal in (("sender-public", "*"), ("sender-private", mine)):
        identity = f"{name}.{prefix}.example.com"
        ses.create_email_identity(EmailIdentity=identity)
        ses.create_email_identity_policy(EmailIdentity=identity, PolicyName="send", Policy=_document(
            _allow(principal, "ses:SendEmail", f"arn:aws:ses:{region}:{world.account}:identity/{identity}")))
        _sort(world, name, f"arn:aws:ses:{region}:{world.account}:identity/{identity}", principal == "*",
              ["IAM-005"])
    lam = client("lambda", region)
    role = client("iam", region).create_role(RoleName=f"{prefix}-fn", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    for name in ("fn-public", "fn-private"):
        arn = lam.create_function(FunctionName=f"{prefix}-{name}", Runtime="python3.12", Role=role,
                                  Handler="handler.handle", Code={"ZipFile": code.getvalue()},
                                  Environment={"Variables": {"STAGE": "prod"}})["FunctionArn"]
        if name == "fn-public":
            lam.add_permission(FunctionName=f"{prefix}-{name}", StatementId="anyone",
                               Action="lambda:InvokeFunction", Principal="*")
        _sort(world, name, arn, name == "fn-public", ["IAM-005"])
    sso = client("sso-admin", region)
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    for name, action in (("ps-admin", "*"), ("ps-reader", "s3:GetObject")):
        arn = sso.create_permission_set(Name=f"{prefix}-{name}", InstanceArn=instance)["PermissionSet"][
            "PermissionSetArn"]
        sso.put_inline_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=arn, InlinePolicy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action,
                                                    "Resource": "*" if action == "*" else "arn:aws:s3:::reports/*"}]}))
        _sort(world, name, arn, action == "*", ["IAM-001"])


def _migration(client: Any, world: Scenario, region: str, prefix: str) -> None:
    dms = client("dms", region)
    for name, mode in (("dms-plain", "none"), ("dms-tls", "require")):
        endpoint = dms.create_endpoint(EndpointIdentifier=f"{prefix}-{name}", EndpointType="source",
                                       EngineName="postgres", ServerName="db.example.com", Port=5432,
                                       DatabaseName="app", Username="app", Password="not-a-secret-1",
                                       SslMode=mode)["Endpoint"]
        _sort(world, name, endpoint["EndpointArn"], mode == "none", ["TLS-001"])


def _sort(world: Scenario, name: str, resource: str, violation: bool, rules: list[str]) -> None:
    if violation:
        world.planted[name] = (resource, rules)
    else:
        world.clean[name] = resource

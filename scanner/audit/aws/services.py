"""Pure adapters for the services beyond the core estate: compute configurations that create volumes or
mount file systems, analytics and machine-learning stores, migration endpoints, and the resource
policies of API Gateway, Glue, Glacier, Backup, SES, CloudWatch Logs and IAM Identity Center.

Each judges the same thing the Terraform mapping of the same resource judges
(scanner/sources/terraform/mappings/aws.py), from one API response. Same
conventions as `adapters`: one response (page) in, model objects out, no SDK.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.audit.aws.adapters import Response, Where, _document, _items, _kms_store, _str, key_management
from scanner.audit.aws.sharing import resource_policy
from scanner.audit.aws.stores import Managed, always_encrypted
from scanner.model import AccessGrant, DataStore, GrantKind, KeyManagement, Origin, TlsEndpoint, Unknown
from scanner.providers.aws import DMS_SSL_ENGINES, GLUE_PLATFORM_ENCRYPTED, grants_from_policy

# -- Volumes a configuration creates -----------------------------------------------------------------------

FROM_SNAPSHOT = "Encrypted is not set, so the volume is encrypted only if its snapshot is"


def block_devices(mappings: object, *, origin: Origin, name: str, ebs_default: bool | Unknown,
                  default_key: str | None, aws_managed: Managed) -> list[DataStore]:
    """BlockDeviceMappings of a launch template or launch configuration: the EBS volumes it creates. With EBS
    encryption by default on in the region every new volume is encrypted, whatever `Encrypted` says."""
    stores = []
    for mapping in _items(mappings):
        ebs = mapping.get("Ebs")
        if not isinstance(ebs, Mapping):
            continue  # instance store, or a device suppressed with NoDevice
        device = _str(mapping.get("DeviceName")) or "block device"
        label = f"{name} {device}"
        at = origin.at(None, f"block_device[{device}]")
        value = ebs.get("Encrypted")
        key = _str(ebs.get("KmsKeyId")) or (default_key if ebs_default is True else None)
        if ebs_default is True:
            store = _kms_store(at, "block_volume", label, True, key, aws_managed)
            stores.append(store.model_copy(update={"by_default": value is not True}))
        elif isinstance(value, bool):
            stores.append(_kms_store(at, "block_volume", label, value, key, aws_managed))
        else:
            reason = (FROM_SNAPSHOT if _str(ebs.get("SnapshotId")) else
                      ebs_default.reason if isinstance(ebs_default, Unknown) else None)
            encrypted: bool | Unknown = Unknown(reason=reason) if reason else False
            stores.append(DataStore(origin=at, kind="block_volume", name=label, encrypted=encrypted,
                                    key_management=encrypted if isinstance(encrypted, Unknown) else KeyManagement.NONE))
    return stores


def launch_template_versions(page: Response, where: Where, ebs_default: bool | Unknown, default_key: str | None,
                             aws_managed: Managed) -> list[DataStore]:
    """DescribeLaunchTemplateVersions ($Default): the volumes instances launched from it get."""
    stores = []
    for version in _items(page.get("LaunchTemplateVersions")):
        template_id = str(version.get("LaunchTemplateId", "?"))
        name = _str(version.get("LaunchTemplateName")) or template_id
        data = version.get("LaunchTemplateData")
        data = data if isinstance(data, Mapping) else {}
        origin = where.origin(where.arn("ec2", f"launch-template/{template_id}"), "AWS::EC2::LaunchTemplate",
                              f"version[{version.get('VersionNumber')}]")
        stores += block_devices(data.get("BlockDeviceMappings"), origin=origin, name=name, ebs_default=ebs_default,
                                default_key=default_key, aws_managed=aws_managed)
    return stores


def launch_configurations(page: Response, where: Where, ebs_default: bool | Unknown, default_key: str | None,
                          aws_managed: Managed) -> list[DataStore]:
    """DescribeLaunchConfigurations: the volumes an Auto Scaling group's instances get."""
    stores = []
    for config in _items(page.get("LaunchConfigurations")):
        name = str(config.get("LaunchConfigurationName", "?"))
        arn = _str(config.get("LaunchConfigurationARN")) or where.arn("autoscaling", f"launchConfiguration:{name}")
        stores += block_devices(config.get("BlockDeviceMappings"),
                                origin=where.origin(arn, "AWS::AutoScaling::LaunchConfiguration"), name=name,
                                ebs_default=ebs_default, default_key=default_key, aws_managed=aws_managed)
    return stores


def workspaces(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """DescribeWorkspaces: the root and user volumes, each encrypted only when asked for."""
    stores = []
    for ws in _items(page.get("Workspaces")):
        ws_id = str(ws.get("WorkspaceId", "?"))
        label = f"{ws_id} ({ws['UserName']})" if _str(ws.get("UserName")) else ws_id
        origin = where.origin(where.arn("workspaces", f"workspace/{ws_id}"), "AWS::WorkSpaces::Workspace")
        for volume in ("Root", "User"):
            stores.append(_kms_store(origin.at(None, f"{volume.lower()}_volume"), "block_volume",
                                     f"{label} {volume.lower()} volume",
                                     ws.get(f"{volume}VolumeEncryptionEnabled", False), ws.get("VolumeEncryptionKey"),
                                     aws_managed))
    return stores


# -- Compute --------------------------------------------------------------------------------------------


def function_environments(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """ListFunctions: environment variables are always encrypted at rest, by aws/lambda unless
    `KMSKeyArn` names another key. A function without variables stores none."""
    stores = []
    for fn in _items(page.get("Functions")):
        environment = fn.get("Environment")
        variables = environment.get("Variables") if isinstance(environment, Mapping) else None
        if not variables or not _str(fn.get("FunctionArn")):
            continue
        origin = where.origin(str(fn["FunctionArn"]), "AWS::Lambda::Function", "environment")
        stores.append(always_encrypted(origin, "function_environment", str(fn.get("FunctionName", "?")),
                                       fn.get("KMSKeyArn"), aws_managed))
    return stores


def task_definition(response: Response, where: Where) -> list[TlsEndpoint]:
    """DescribeTaskDefinition: EFS volumes are mounted without TLS unless `transitEncryption` is ENABLED."""
    task = response.get("taskDefinition")
    if not isinstance(task, Mapping):
        return []
    arn = _str(task.get("taskDefinitionArn")) or where.arn("ecs", f"task-definition/{task.get('family')}")
    family = f"{task.get('family')}:{task.get('revision')}"
    endpoints = []
    for volume in _items(task.get("volumes")):
        efs = volume.get("efsVolumeConfiguration")
        if not isinstance(efs, Mapping):
            continue
        label = _str(volume.get("name"))
        origin = where.origin(arn, "AWS::ECS::TaskDefinition", f"volume[{label}].transit_encryption",
                              response.get("tags"))
        endpoints.append(TlsEndpoint(origin=origin, kind="file_system_mount",
                                     name=f"{family} volume {label}" if label else family, min_version=None,
                                     plaintext_allowed=str(efs.get("transitEncryption", "DISABLED")).upper()
                                     != "ENABLED"))
    return endpoints


def codebuild_projects(response: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """BatchGetProjects: artifacts land in S3, which encrypts every new object. `encryptionDisabled` only
    stops CodeBuild asking for its key: SSE-S3 (AES-256) then, a provider-managed key, not plaintext."""
    stores = []
    for project in _items(response.get("projects")):
        name = str(project.get("name", "?"))
        origin = where.origin(_str(project.get("arn")) or where.arn("codebuild", f"project/{name}"),
                              "AWS::CodeBuild::Project", "artifacts", project.get("tags"))
        for artifacts in [project.get("artifacts"), *_items(project.get("secondaryArtifacts"))]:
            if not isinstance(artifacts, Mapping) or str(artifacts.get("type", "")).upper() == "NO_ARTIFACTS":
                continue
            if artifacts.get("encryptionDisabled") is True:
                stores.append(DataStore(origin=origin, kind="build_artifacts", name=f"{name} artifacts",
                                        encrypted=True, algorithm="AES256", key_bits=256,
                                        key_management=KeyManagement.PROVIDER, by_default=True))
            else:
                stores.append(always_encrypted(origin, "build_artifacts", f"{name} artifacts",
                                               project.get("encryptionKey"), aws_managed))
    return stores


# -- Data stores ----------------------------------------------------------------------------------------


def _always(kind: str, listing: str, name_key: str, arn_key: str, key_key: str, resource_type: str) -> Any:
    """An adapter for a page (or a describing answer) of stores AWS always encrypts."""

    def adapt(response: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
        items = _items(response.get(listing)) if listing else [response]
        return [always_encrypted(where.origin(str(item[arn_key]), resource_type, "encryption", item.get("Tags")),
                                 kind, str(item.get(name_key, "?")), item.get(key_key), aws_managed)
                for item in items if _str(item.get(arn_key))]

    return adapt


fsx_file_systems = _always("file_system", "FileSystems", "FileSystemId", "ResourceARN", "KmsKeyId",
                           "AWS::FSx::FileSystem")
notebook_instance = _always("notebook_volume", "", "NotebookInstanceName", "NotebookInstanceArn", "KmsKeyId",
                            "AWS::SageMaker::NotebookInstance")
endpoint_config = _always("ml_storage_volume", "", "EndpointConfigName", "EndpointConfigArn", "KmsKeyId",
                          "AWS::SageMaker::EndpointConfig")


def dax_clusters(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """DescribeClusters (DAX): encrypted at rest, by an AWS owned key, only with server-side encryption on."""
    stores = []
    for cluster in _items(page.get("Clusters")):
        name = str(cluster.get("ClusterName", "?"))
        sse = cluster.get("SSEDescription")
        status = sse.get("Status") if isinstance(sse, Mapping) else None
        origin = where.origin(_str(cluster.get("ClusterArn")) or where.arn("dax", f"cache/{name}"),
                              "AWS::DAX::Cluster", "server_side_encryption")
        stores.append(_kms_store(origin, "cache", name, status in ("ENABLED", "ENABLING"), None, aws_managed))
    return stores


def mq_broker(response: Response, where: Where, aws_managed: Managed) -> DataStore | None:
    """DescribeBroker: always encrypted, by an AWS owned key unless `UseAwsOwnedKey` is false (then a KMS key,
    aws/mq unless `KmsKeyId` names another)."""
    arn = _str(response.get("BrokerArn"))
    if arn is None:
        return None
    options = response.get("EncryptionOptions")
    options = options if isinstance(options, Mapping) else {}
    origin = where.origin(arn, "AWS::AmazonMQ::Broker", "encryption_options", response.get("Tags"))
    name = str(response.get("BrokerName", "?"))
    if options.get("UseAwsOwnedKey", True) is not False:
        return DataStore(origin=origin, kind="message_broker", name=name, encrypted=True, algorithm="aws:kms",
                         key_bits=256, key_management=KeyManagement.PROVIDER, by_default=not options)
    return always_encrypted(origin, "message_broker", name, options.get("KmsKeyId"), aws_managed)


def athena_workgroup(response: Response, where: Where, aws_managed: Managed) -> DataStore | None:
    """GetWorkGroup: query results go to S3, which encrypts every new object (SSE-S3) when nothing else is
    asked; SSE_KMS or CSE_KMS with a key makes the key the one named."""
    group = response.get("WorkGroup")
    if not isinstance(group, Mapping):
        return None
    name = str(group.get("Name", "?"))
    origin = where.origin(where.arn("athena", f"workgroup/{name}"), "AWS::Athena::WorkGroup", "result_encryption")
    config = group.get("Configuration")
    results = config.get("ResultConfiguration") if isinstance(config, Mapping) else None
    encryption = results.get("EncryptionConfiguration") if isinstance(results, Mapping) else None
    if not isinstance(encryption, Mapping):
        return DataStore(origin=origin, kind="query_results", name=name, encrypted=True, algorithm="AES256",
                         key_bits=256, key_management=KeyManagement.PROVIDER, by_default=True)
    option = str(encryption.get("EncryptionOption", "")).upper()
    key = encryption.get("KmsKey") if option in ("SSE_KMS", "CSE_KMS") else None
    return DataStore(origin=origin, kind="query_results", name=name, encrypted=True, algorithm=option or None,
                     key_bits=256, key_management=key_management(_str(key), aws_managed) if key
                     else KeyManagement.PROVIDER)


def glue_catalog(response: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """GetDataCatalogEncryptionSettings: the catalog's metadata, and the connection passwords it keeps."""
    settings = response.get("DataCatalogEncryptionSettings")
    settings = settings if isinstance(settings, Mapping) else {}
    origin = where.origin(where.arn("glue", "catalog"), "AWS::Glue::DataCatalogEncryptionSettings")
    rest = settings.get("EncryptionAtRest")
    rest = rest if isinstance(rest, Mapping) else {}
    mode = str(rest.get("CatalogEncryptionMode", "DISABLED")).upper()
    passwords = settings.get("ConnectionPasswordEncryption")
    passwords = passwords if isinstance(passwords, Mapping) else {}
    return [
        _kms_store(origin.at(None, "encryption_at_rest"), "data_catalog", "Glue Data Catalog", mode != "DISABLED",
                   rest.get("SseAwsKmsKeyId"), aws_managed),
        _kms_store(origin.at(None, "connection_password_encryption"), "secret", "Glue connection passwords",
                   passwords.get("ReturnConnectionPasswordEncrypted", False) is True, passwords.get("AwsKmsKeyId"),
                   aws_managed),
    ]


# (API field, mode field, what) of a Glue security configuration.
_GLUE_TARGETS = (("S3Encryption", "S3EncryptionMode", "S3 output"),
                 ("CloudWatchEncryption", "CloudWatchEncryptionMode", "logs"),
                 ("JobBookmarksEncryption", "JobBookmarksEncryptionMode", "job bookmarks"))


def glue_security_configurations(page: Response, where: Where, aws_managed: Managed) -> list[DataStore]:
    """GetSecurityConfigurations: what jobs write. DISABLED leaves S3 output and logs to the services'
    own encryption (provider keys); job bookmarks are then stored in clear."""
    stores = []
    for config in _items(page.get("SecurityConfigurations")):
        name = str(config.get("Name", "?"))
        origin = where.origin(where.arn("glue", f"securityConfiguration/{name}"), "AWS::Glue::SecurityConfiguration")
        encryption = config.get("EncryptionConfiguration")
        encryption = encryption if isinstance(encryption, Mapping) else {}
        for field, mode_field, what in _GLUE_TARGETS:
            value = encryption.get(field)
            targets: list[Mapping[str, Any]] = (_items(value) if isinstance(value, list) else
                                                [value] if isinstance(value, Mapping) else [{}])
            for target in targets[:1]:
                mode = str(target.get(mode_field, "DISABLED")).upper()
                at = origin.at(None, field)
                label = f"{name} {what}"
                if mode == "DISABLED" and GLUE_PLATFORM_ENCRYPTED[what]:
                    stores.append(DataStore(origin=at, kind="job_data", name=label, encrypted=True,
                                            algorithm="AES256", key_bits=256, key_management=KeyManagement.PROVIDER,
                                            by_default=True))
                elif mode == "SSE-S3":
                    stores.append(_kms_store(at, "job_data", label, True, None, aws_managed))
                else:
                    stores.append(_kms_store(at, "job_data", label, mode != "DISABLED", target.get("KmsKeyArn"),
                                             aws_managed))
    return stores


def api_stage_caches(page: Response, where: Where, api_id: str, api_name: str) -> list[DataStore]:
    """GetStages: a stage's response cache holds API responses; it is encrypted only with `cacheDataEncrypted`
    in the method settings that turn caching on (`*/*` for every method)."""
    stores = []
    for stage in _items(page.get("item")):
        stage_name = str(stage.get("stageName", "?"))
        arn = where.arn("apigateway", f"/restapis/{api_id}/stages/{stage_name}", account=False)
        settings = stage.get("methodSettings")
        for path, method in sorted(settings.items()) if isinstance(settings, Mapping) else []:
            if not isinstance(method, Mapping) or method.get("cachingEnabled") is not True:
                continue
            origin = where.origin(arn, "AWS::ApiGateway::Stage", f"method_settings[{path}]", stage.get("tags"))
            encrypted = method.get("cacheDataEncrypted") is True
            stores.append(DataStore(origin=origin, kind="cache", name=f"{api_name} {stage_name} {path} cache",
                                    encrypted=encrypted, algorithm="AES256" if encrypted else None,
                                    key_bits=256 if encrypted else None,
                                    key_management=KeyManagement.PROVIDER if encrypted else KeyManagement.NONE))
    return stores


# -- Migration ------------------------------------------------------------------------------------------


def dms_endpoints(page: Response, where: Where) -> list[TlsEndpoint]:
    """DescribeEndpoints: a database endpoint reached without TLS when `SslMode` is none. S3, Kinesis,
    DynamoDB … endpoints are reached over their HTTPS APIs and are left out."""
    endpoints = []
    for endpoint in _items(page.get("Endpoints")):
        engine = str(endpoint.get("EngineName", "")).lower()
        if engine and engine not in DMS_SSL_ENGINES:
            continue
        name = str(endpoint.get("EndpointIdentifier", "?"))
        arn = _str(endpoint.get("EndpointArn")) or where.arn("dms", f"endpoint:{name}")
        mode = str(endpoint.get("SslMode", "none")).lower()
        endpoints.append(TlsEndpoint(origin=where.origin(arn, "AWS::DMS::Endpoint", "ssl_mode"),
                                     kind="database_endpoint", name=name, min_version=None,
                                     plaintext_allowed=mode == "none"))
    return endpoints


# -- Resource policies ----------------------------------------------------------------------------------


def api_policy(document: object) -> object:
    """A REST API's `policy`: API Gateway returns the document escaped once more (`{\\"Version\\":…`, as
    in a JSON string), which is undone; a plain document is kept."""
    if not isinstance(document, str):
        return document
    try:
        json.loads(document)
        return document
    except ValueError:
        pass
    try:
        return json.loads(f'"{document}"')
    except ValueError:
        return document  # the policy parser reports what it cannot read


def rest_apis(page: Response, where: Where) -> list[AccessGrant]:
    """GetRestApis: each API's resource policy."""
    grants = []
    for api in _items(page.get("items")):
        api_id = _str(api.get("id"))
        if api_id is None or not api.get("policy"):
            continue
        arn = where.arn("execute-api", f"{api_id}/*")
        grants += resource_policy(api_policy(api["policy"]), arn=arn, resource_type="AWS::ApiGateway::RestApi",
                                  name=f"{api.get('name') or api_id} API policy", where=where, tags=api.get("tags"))
    return grants


def log_resource_policies(page: Response, where: Where) -> list[AccessGrant]:
    """DescribeResourcePolicies (CloudWatch Logs): policies that let services (or anyone) write to log groups."""
    grants = []
    for policy in _items(page.get("resourcePolicies")):
        name = str(policy.get("policyName", "?"))
        grants += resource_policy(policy.get("policyDocument"), arn=where.arn("logs", f"resource-policy:{name}"),
                                  resource_type="AWS::Logs::ResourcePolicy", name=f"{name} log resource policy",
                                  where=where)
    return grants


def log_destinations(page: Response, where: Where) -> list[AccessGrant]:
    """DescribeDestinations: who may subscribe log data to each cross-account destination."""
    grants = []
    for destination in _items(page.get("destinations")):
        name = str(destination.get("destinationName", "?"))
        if not destination.get("accessPolicy"):
            continue
        grants += resource_policy(destination["accessPolicy"],
                                  arn=_str(destination.get("arn")) or where.arn("logs", f"destination:{name}"),
                                  resource_type="AWS::Logs::Destination", name=f"{name} destination policy",
                                  where=where)
    return grants


def permission_set_policy(response: Response, arn: str, name: str, where: Where) -> list[AccessGrant]:
    """GetInlinePolicyForPermissionSet: what the users assigned the permission set may do in the accounts."""
    document = response.get("InlinePolicy")
    if not document:
        return []
    return grants_from_policy(_document(document), kind=GrantKind.IDENTITY_POLICY, name=f"{name} inline policy",
                              origin=where.origin(arn, "AWS::SSO::PermissionSet", "inline_policy"))


def identity_policies(response: Response, identity: str, where: Where) -> list[AccessGrant]:
    """GetEmailIdentityPolicies (SES v2): who may send as the identity, one policy per name."""
    policies = response.get("Policies")
    arn = where.arn("ses", f"identity/{identity}")
    return [g for name, document in sorted(policies.items() if isinstance(policies, Mapping) else [])
            for g in resource_policy(document, arn=arn, resource_type="AWS::SES::EmailIdentity",
                                     name=f"{identity} sending policy {name}", where=where, anchor=f"policy[{name}]")]

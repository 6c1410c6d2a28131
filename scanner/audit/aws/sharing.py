"""Pure adapters for what an account shares: snapshots and images made public, resource policies
(Lambda, ECR, Secrets Manager, EFS, SQS, SNS, KMS, OpenSearch, Backup), function URLs.

A public share becomes an `AccessGrant` to `*`, so IAM-005 judges it like a public
policy statement; snapshots are also data at rest. Same conventions as `adapters`.
"""

from __future__ import annotations

from collections.abc import Mapping

from scanner.audit.aws.adapters import Response, Where, _document, _items, _kms_store, _str
from scanner.model import AccessGrant, DataStore, GrantKind, Origin
from scanner.providers.aws import grants_from_policy

# -- Public shares -----------------------------------------------------------------------------------------


def public_share(origin: Origin, name: str, actions: list[str], resource: str) -> AccessGrant:
    """A resource shared with every AWS account (`all`): anyone may use it."""
    return AccessGrant(origin=origin, kind=GrantKind.RESOURCE_POLICY, name=name, principals=["*"],
                       actions=list(actions), resources=[resource])


def _shared_with_all(attributes: object, attribute: str) -> bool:
    return any(a.get("AttributeName") == attribute and "all" in (a.get("AttributeValues") or [])
               for a in _items(attributes))


def db_snapshots(page: Response, where: Where, aws_managed: frozenset[str] | None) -> list[DataStore]:
    """DescribeDBSnapshots: each snapshot's encryption (it is the database's, frozen)."""
    stores = []
    for snap in _items(page.get("DBSnapshots")):
        name = str(snap.get("DBSnapshotIdentifier", "?"))
        arn = _str(snap.get("DBSnapshotArn")) or where.arn("rds", f"snapshot:{name}")
        origin = where.origin(arn, "AWS::RDS::DBSnapshot", "encrypted", snap.get("TagList"))
        stores.append(_kms_store(origin, "database_snapshot", name, snap.get("Encrypted"), snap.get("KmsKeyId"),
                                 aws_managed))
    return stores


def db_cluster_snapshots(page: Response, where: Where, aws_managed: frozenset[str] | None) -> list[DataStore]:
    stores = []
    for snap in _items(page.get("DBClusterSnapshots")):
        name = str(snap.get("DBClusterSnapshotIdentifier", "?"))
        arn = _str(snap.get("DBClusterSnapshotArn")) or where.arn("rds", f"cluster-snapshot:{name}")
        origin = where.origin(arn, "AWS::RDS::DBClusterSnapshot", "encrypted", snap.get("TagList"))
        stores.append(_kms_store(origin, "database_snapshot", name, snap.get("StorageEncrypted"),
                                 snap.get("KmsKeyId"), aws_managed))
    return stores


def db_snapshot_attributes(response: Response, arn: str, where: Where) -> list[AccessGrant]:
    """DescribeDBSnapshotAttributes / DescribeDBClusterSnapshotAttributes: `restore` = `all` makes it public."""
    result = response.get("DBSnapshotAttributesResult") or response.get("DBClusterSnapshotAttributesResult")
    if not isinstance(result, Mapping):
        return []
    cluster = "DBClusterSnapshotIdentifier" in result
    name = str(result.get("DBClusterSnapshotIdentifier") or result.get("DBSnapshotIdentifier") or arn)
    attributes = result.get("DBClusterSnapshotAttributes" if cluster else "DBSnapshotAttributes")
    if not _shared_with_all(attributes, "restore"):
        return []
    kind = "AWS::RDS::DBClusterSnapshot" if cluster else "AWS::RDS::DBSnapshot"
    action = "rds:RestoreDBClusterFromSnapshot" if cluster else "rds:RestoreDBInstanceFromDBSnapshot"
    return [public_share(where.origin(arn, kind, "restore"), f"{name} restore permission", [action], arn)]


def ebs_snapshots(page: Response, where: Where, aws_managed: frozenset[str] | None) -> list[DataStore]:
    """DescribeSnapshots (OwnerIds self): the account's own snapshots' encryption."""
    stores = []
    for snap in _items(page.get("Snapshots")):
        if _str(snap.get("OwnerId")) not in (None, where.account):
            continue  # shared with the account, not its own
        snap_id = str(snap.get("SnapshotId", "?"))
        origin = where.origin(where.arn("ec2", f"snapshot/{snap_id}", account=False), "AWS::EC2::Snapshot",
                              "encrypted", snap.get("Tags"))
        stores.append(_kms_store(origin, "block_volume_snapshot", snap_id, snap.get("Encrypted"), snap.get("KmsKeyId"),
                                 aws_managed))
    return stores


def own_snapshot_ids(page: Response, where: Where) -> list[str]:
    return [str(s["SnapshotId"]) for s in _items(page.get("Snapshots"))
            if _str(s.get("SnapshotId")) and _str(s.get("OwnerId")) in (None, where.account)]


def snapshot_permissions(response: Response, where: Where) -> list[AccessGrant]:
    """DescribeSnapshotAttribute (createVolumePermission): group `all` makes the snapshot public."""
    snap_id = str(response.get("SnapshotId", "?"))
    if not any(p.get("Group") == "all" for p in _items(response.get("CreateVolumePermissions"))):
        return []
    arn = where.arn("ec2", f"snapshot/{snap_id}", account=False)
    return [public_share(where.origin(arn, "AWS::EC2::Snapshot", "create_volume_permission"),
                         f"{snap_id} create volume permission", ["ec2:CreateVolume"], arn)]


def images(page: Response, where: Where) -> list[AccessGrant]:
    """DescribeImages (Owners self): `Public` images can be launched by every account."""
    grants = []
    for image in _items(page.get("Images")):
        if image.get("Public") is not True:
            continue
        image_id = str(image.get("ImageId", "?"))
        arn = where.arn("ec2", f"image/{image_id}", account=False)
        label = f"{image_id} ({image['Name']})" if _str(image.get("Name")) else image_id
        grants.append(public_share(where.origin(arn, "AWS::EC2::Image", "launch_permission", image.get("Tags")),
                                   f"{label} launch permission", ["ec2:RunInstances"], arn))
    return grants


# -- Resource policies -------------------------------------------------------------------------------------


def resource_policy(document: object, *, arn: str, resource_type: str, name: str, where: Where,
                    anchor: str = "policy", key: bool = False, tags: object = None) -> list[AccessGrant]:
    """A resource policy document (JSON text or dict) attached to `arn`. In a KMS key policy
    `Resource: "*"` is the key itself."""
    return grants_from_policy(_document(document), kind=GrantKind.RESOURCE_POLICY, name=name,
                              origin=where.origin(arn, resource_type, anchor, tags), self_resource=arn if key else None)


def function_url(response: Response, where: Where) -> list[AccessGrant]:
    """GetFunctionUrlConfig (or a ListFunctionUrlConfigs item): `AuthType NONE` lets anyone invoke it."""
    arn = _str(response.get("FunctionArn")) or "?"
    if response.get("AuthType") != "NONE":
        return []
    name = arn.rsplit(":", 1)[-1]
    return [public_share(where.origin(arn, "AWS::Lambda::Url", "auth_type"),
                         f"{name} function URL without authentication", ["lambda:InvokeFunctionUrl"], arn)]


def function_urls(page: Response, where: Where) -> list[AccessGrant]:
    return [g for item in _items(page.get("FunctionUrlConfigs")) for g in function_url(item, where)]



"""The test servers answer in the providers' official shapes, and the audits ask for real methods.

Every field of every response the fake Azure and GCP servers give must exist in the official schema
of its resource, so a typo in a fixture (and an adapter written to match it) cannot pass:

- GCP: the discovery documents shipped with google-api-python-client (compute.v1, storage.v1,
  sqladmin.v1, cloudkms.v1, pubsub.v1, run.v2, cloudfunctions.v2, bigquery.v2, container.v1, redis.v1,
  cloudresourcemanager.v3, artifactregistry.v1, bigtableadmin.v2, dataproc.v1, file.v1, secretmanager.v1,
  iam.v1, spanner.v1, aiplatform.v1);
- Azure: `schemas/azure_rest_fields.json`, the REST field paths of each resource type as the
  management SDKs' models (generated from azure-rest-api-specs) define them; see
  `schemas/generate_azure.py` for its sources.

Every request the GCP audit makes must also be a method of a discovery document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.audit import test_azure, test_gcp
from tests.audit.fake_clouds import GCP_PREFIXED_SERVICES, AzureSubscription, FakeGcp, GcpProject, gcp_endpoints

Json = dict[str, Any]


# -- GCP: discovery documents ------------------------------------------------------------------------


@cache
def discovery(name: str) -> Json:
    googleapiclient = pytest.importorskip("googleapiclient")
    path = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / f"{name}.json"
    document: Json = json.loads(path.read_text())
    return document


def _schema(document: Json, schema: Json) -> Json:
    while "$ref" in schema:
        schema = document["schemas"][schema["$ref"]]
    return schema


def unknown_fields(value: Any, document: Json, schema: Json, path: str = "") -> Iterator[str]:
    """The paths in `value` that `schema` (of `document`) does not define."""
    schema = _schema(document, schema)
    if isinstance(value, dict):
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                yield from unknown_fields(item, document, properties[key], f"{path}.{key}")
            elif extra is not None:
                yield from unknown_fields(item, document, extra, f"{path}.{key}")
            else:
                yield f"{path}.{key}"
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            yield from unknown_fields(item, document, schema["items"], f"{path}[]")


def check(value: Any, document_name: str, schema_name: str) -> list[str]:
    document = discovery(document_name)
    return list(unknown_fields(value, document, document["schemas"][schema_name]))


# (the REST path's pattern, discovery document, schema of the answer, or of each item under `key`)
REST_ANSWERS: list[tuple[str, str, str, str | None]] = [
    (r"v1/projects/[^/]+/instances", "sqladmin.v1", "DatabaseInstance", "items"),
    (r"v1/projects/[^/]+/locations", "cloudkms.v1", "Location", "locations"),
    (r".*/keyRings", "cloudkms.v1", "KeyRing", "keyRings"),
    (r".*/cryptoKeys", "cloudkms.v1", "CryptoKey", "cryptoKeys"),
    (r"v1/projects/.*/keyRings/.*:getIamPolicy", "cloudkms.v1", "Policy", None),
    (r"v1/projects/[^/]+/topics", "pubsub.v1", "Topic", "topics"),
    (r"v1/projects/[^/]+/subscriptions", "pubsub.v1", "Subscription", "subscriptions"),
    (r"v1/projects/[^/]+/(topics|subscriptions)/.*:getIamPolicy", "pubsub.v1", "Policy", None),
    (r"v2/projects/.*/services", "run.v2", "GoogleCloudRunV2Service", "services"),
    (r"v2/projects/.*/services/.*:getIamPolicy", "run.v2", "GoogleIamV1Policy", None),
    (r"v2/projects/.*/functions", "cloudfunctions.v2", "Function", "functions"),
    (r"v2/projects/.*/functions/.*:getIamPolicy", "cloudfunctions.v2", "Policy", None),
    (r"bigquery/v2/projects/[^/]+/datasets", "bigquery.v2", "DatasetList", None),
    (r"bigquery/v2/projects/[^/]+/datasets/[^/]+", "bigquery.v2", "Dataset", None),
    (r"v1/projects/[^/]+/locations/-/clusters", "container.v1", "ListClustersResponse", None),
    (r"v1/projects/[^/]+/locations/-/instances", "redis.v1", "Instance", "instances"),
    (r"v1/projects/[^/]+/locations/[^/]+/repositories", "artifactregistry.v1", "Repository", "repositories"),
    (r"v1/projects/.*/repositories/[^/]+:getIamPolicy", "artifactregistry.v1", "Policy", None),
    (r"v1/projects/[^/]+/locations/[^/]+/datasets", "aiplatform.v1", "GoogleCloudAiplatformV1Dataset", "datasets"),
    (r"v1/projects/[^/]+/locations/[^/]+/metadataStores", "aiplatform.v1", "GoogleCloudAiplatformV1MetadataStore",
     "metadataStores"),
    (r"v2/projects/[^/]+/instances/-/clusters", "bigtableadmin.v2", "Cluster", "clusters"),
    (r"file/v1/projects/[^/]+/locations/-/instances", "file.v1", "Instance", "instances"),
    (r"spanner/v1/projects/[^/]+/instances", "spanner.v1", "Instance", "instances"),
    (r"spanner/v1/projects/[^/]+/instances/[^/]+/databases", "spanner.v1", "Database", "databases"),
    (r"v1/projects/[^/]+/secrets", "secretmanager.v1", "Secret", "secrets"),
    (r"v1/projects/[^/]+/secrets/[^/]+:getIamPolicy", "secretmanager.v1", "Policy", None),
    (r"v1/projects/[^/]+/serviceAccounts", "iam.v1", "ServiceAccount", "accounts"),
    (r"v1/projects/[^/]+/serviceAccounts/[^/]+:getIamPolicy", "iam.v1", "Policy", None),
    (r"compute/v1/projects/[^/]+/regions", "compute.v1", "Region", "items"),
    (r"compute/v1/projects/.*/instances/[^/]+/getIamPolicy", "compute.v1", "Policy", None),
    (r"v1/projects/[^/]+/regions/[^/]+/clusters", "dataproc.v1", "Cluster", "clusters"),
    (r"v1/projects/.*/clusters/[^/]+:getIamPolicy", "dataproc.v1", "Policy", None),
    (r"bigquery/v2/projects/[^/]+/datasets/[^/]+/tables", "bigquery.v2", "TableList", None),
    (r"bigquery/v2/projects/[^/]+/datasets/[^/]+/tables/[^/:]+", "bigquery.v2", "Table", None),
    (r"bigquery/v2/projects/.*/tables/[^/]+:getIamPolicy", "bigquery.v2", "Policy", None),
]
COMPUTE_SCHEMAS = {"disks": "Disk", "instances": "Instance",
                   "targetSslProxies": "TargetSslProxy", "targetHttpProxies": "TargetHttpProxy",
                   "urlMaps": "UrlMap", "forwardingRules": "ForwardingRule", "globalForwardingRules": "ForwardingRule",
                   "snapshots": "Snapshot", "images": "Image", "instanceTemplates": "InstanceTemplate"}


def gcp_answers(project: GcpProject) -> Iterator[tuple[str, Any, str, str]]:
    """(what, fixture, discovery document, schema) for everything the fake serves for `project`."""
    yield "project IAM policy", project.iam_policy, "cloudresourcemanager.v3", "Policy"
    for item in project.firewalls:
        yield "firewall", item, "compute.v1", "Firewall"
    for scoped, schema in ((project.ssl_policies, "SslPolicy"), (project.target_https_proxies, "TargetHttpsProxy")):
        for items in scoped.values():
            for item in items:
                yield schema, item, "compute.v1", schema
    for collection, by_scope in project.compute.items():
        for items in by_scope.values():
            for item in items:
                yield collection, item, "compute.v1", COMPUTE_SCHEMAS[collection]
    for item in project.buckets:
        yield "bucket", item, "storage.v1", "Bucket"
    for policy in project.bucket_policies.values():
        yield "bucket IAM policy", policy, "storage.v1", "Policy"
    for path, answer in project.rest.items():
        _, document, schema, key = next(r for r in REST_ANSWERS if re.fullmatch(r[0], path))
        if isinstance(answer, tuple):
            listed_key, items = answer
            if key is None:  # the list answer itself is the schema (bigquery's DatasetList)
                yield path, {listed_key: items}, document, schema
            else:
                assert listed_key == key, f"{path}: items come under {key!r}, not {listed_key!r}"
                for item in items:
                    yield path, item, document, schema
        else:
            yield path, answer, document, schema


GCP_PROJECTS = [test_gcp.prod(), test_gcp.dev()]


@pytest.mark.parametrize("project", GCP_PROJECTS, ids=lambda p: p.project_id)
def test_every_gcp_fixture_field_is_in_the_discovery_document(project: GcpProject) -> None:
    wrong = [f"{what} ({document} {schema}): {field}" for what, fixture, document, schema in gcp_answers(project)
             for field in check(fixture, document, schema)]
    assert wrong == []


def test_the_gcp_check_catches_a_misspelt_field() -> None:
    instance = test_gcp.sql_instance("p", "db", "POSTGRES_15", networks=["0.0.0.0/0"])
    instance["settings"]["ipConfiguration"]["sslmode"] = "ENCRYPTED_ONLY"
    assert check(instance, "sqladmin.v1", "DatabaseInstance") == [".settings.ipConfiguration.sslmode"]


def _method_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """(HTTP method, path regex) of every method of the discovery documents the audit uses."""
    patterns = []
    for name in ("compute.v1", "storage.v1", "sqladmin.v1", "cloudkms.v1", "pubsub.v1", "run.v2",
                 "cloudfunctions.v2", "bigquery.v2", "container.v1", "cloudresourcemanager.v3", "redis.v1",
                 "artifactregistry.v1", "bigtableadmin.v2", "dataproc.v1", "file.v1", "secretmanager.v1", "iam.v1",
                 "spanner.v1", "aiplatform.v1"):
        document = discovery(name)

        def walk(resource: Json, document: Json = document) -> Iterator[Json]:
            yield from resource.get("methods", {}).values()
            for child in resource.get("resources", {}).values():
                yield from walk(child)

        for method in walk(document):
            template = document["servicePath"] + method.get("flatPath", method["path"])
            regex = re.sub(r"\{\+?[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
            patterns.append((method["httpMethod"], re.compile(regex)))
    return patterns


def test_every_request_of_the_gcp_audit_is_a_documented_method() -> None:
    from scanner.audit.gcp.collectors import GcpOptions, audit

    server = FakeGcp(GCP_PROJECTS, folders={"folders/7": "organizations/100"})
    with test_gcp.running(server):
        audit(test_gcp.Anonymous(), organization="100", options=GcpOptions(endpoints=gcp_endpoints(server.url)))
    patterns = _method_patterns()
    # The services the tests serve below `<url>/<service>/` (fake_clouds.gcp_endpoints) ask the documented paths.
    prefixes = tuple(f"{service}/" for service in GCP_PREFIXED_SERVICES)
    asked = {(r.method, path.split("/", 1)[1] if path.startswith(prefixes) else path)
             for r in server.requests if r.path != "/token" for path in [r.path.lstrip("/")]}
    undocumented = sorted(f"{method} {path}" for method, path in asked
                          if not any(m == method and p.fullmatch(path) for m, p in patterns))
    assert len(asked) > 40 and undocumented == []


# -- Azure: the specification's field paths ------------------------------------------------------------


@cache
def azure_fields() -> dict[str, set[str]]:
    table = json.loads((Path(__file__).parent / "schemas" / "azure_rest_fields.json").read_text())
    return {kind.lower(): set(entry["fields"]) for kind, entry in table.items()}


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _paths(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, f"{prefix}[]")


def unknown_azure_fields(resource: Json, resource_type: str) -> list[str]:
    fields = azure_fields()[resource_type.lower()]
    wrong = []
    for path in _paths(resource):
        if path in fields:
            continue
        # Inside a free-form value (tags, a dictionary, an `object`): its keys are not the schema's.
        ancestors = [path[:m.start()] for m in re.finditer(r"\.|\[\]", path)]
        if any(a in fields and not any(f.startswith((f"{a}.", f"{a}[]")) for f in fields) for a in ancestors):
            continue
        wrong.append(path)
    return wrong


_AZURE_LISTS = {"network_security_groups": "Microsoft.Network/networkSecurityGroups",
                "application_gateways": "Microsoft.Network/applicationGateways",
                "storage_accounts": "Microsoft.Storage/storageAccounts",
                "role_definitions": "Microsoft.Authorization/roleDefinitions",
                "role_assignments": "Microsoft.Authorization/roleAssignments"}
# The child reads, by the end of their path.
_AZURE_CHILDREN = [
    (r".*/sites/[^/]+/config/web", "Microsoft.Web/sites/config"),
    (r".*/sites/[^/]+/slots/[^/]+/config/web", "Microsoft.Web/sites/config"),
    (r".*/sites/[^/]+/slots", "Microsoft.Web/sites/slots"),
    (r".*/Microsoft\.Sql/servers/[^/]+/firewallRules", "Microsoft.Sql/servers/firewallRules"),
    (r".*/Microsoft\.Sql/servers/[^/]+/databases", "Microsoft.Sql/servers/databases"),
    (r".*/sqlPools/[^/]+/transparentDataEncryption/current",
     "Microsoft.Synapse/workspaces/sqlPools/transparentDataEncryption"),
    (r".*/transparentDataEncryption/current", "Microsoft.Sql/servers/databases/transparentDataEncryption"),
    (r".*/Microsoft\.Synapse/workspaces/[^/]+/firewallRules", "Microsoft.Synapse/workspaces/firewallRules"),
    (r".*/Microsoft\.Synapse/workspaces/[^/]+/sqlPools", "Microsoft.Synapse/workspaces/sqlPools"),
    (r".*/Microsoft\.ApiManagement/service/[^/]+/apis", "Microsoft.ApiManagement/service/apis"),
    (r".*/Microsoft\.ApiManagement/service/[^/]+/backends", "Microsoft.ApiManagement/service/backends"),
    (r".*/encryptionProtector/current", "Microsoft.Sql/servers/encryptionProtector"),
    (r".*/Microsoft\.DBforPostgreSQL/flexibleServers/[^/]+/configurations/.*",
     "Microsoft.DBforPostgreSQL/flexibleServers/configurations"),
    (r".*/Microsoft\.DBforPostgreSQL/flexibleServers/[^/]+/firewallRules",
     "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules"),
    (r".*/Microsoft\.DBforMySQL/flexibleServers/[^/]+/configurations/.*",
     "Microsoft.DBforMySQL/flexibleServers/configurations"),
    (r".*/Microsoft\.DBforMySQL/flexibleServers/[^/]+/firewallRules",
     "Microsoft.DBforMySQL/flexibleServers/firewallRules"),
    (r".*/Microsoft\.Cache/Redis/[^/]+/firewallRules", "Microsoft.Cache/redis/firewallRules"),
    (r".*/blobServices/default/containers", "Microsoft.Storage/storageAccounts/blobServices/containers"),
    (r".*/Microsoft\.Cdn/profiles/[^/]+/endpoints", "Microsoft.Cdn/profiles/endpoints"),
    (r".*/Microsoft\.Cdn/profiles/[^/]+/afdEndpoints", "Microsoft.Cdn/profiles/afdEndpoints"),
    (r".*/afdEndpoints/[^/]+/routes", "Microsoft.Cdn/profiles/afdEndpoints/routes"),
    (r".*/Microsoft\.Cdn/profiles/[^/]+/customDomains", "Microsoft.Cdn/profiles/customDomains"),
]


def azure_answers(subscription: AzureSubscription) -> Iterator[tuple[str, Json, str]]:
    for attribute, resource_type in _AZURE_LISTS.items():
        for item in getattr(subscription, attribute):
            yield item.get("name", "?"), item, resource_type
    for provider_path, items in subscription.resources.items():
        for item in items:
            yield item.get("name", "?"), item, provider_path
    for path, answer in subscription.children.items():
        resource_type = next(kind for pattern, kind in _AZURE_CHILDREN if re.fullmatch(pattern, path))
        for item in answer if isinstance(answer, list) else [answer]:
            yield path, item, resource_type


AZURE_SUBSCRIPTIONS = [test_azure.subscription_a(), test_azure.subscription_b()]


@pytest.mark.parametrize("subscription", AZURE_SUBSCRIPTIONS, ids=lambda s: s.subscription_id[-1])
def test_every_azure_fixture_field_is_in_the_specification(subscription: AzureSubscription) -> None:
    wrong = [f"{what} ({kind}): {field}" for what, item, kind in azure_answers(subscription)
             for field in unknown_azure_fields(item, kind)]
    assert wrong == []


def test_the_azure_check_catches_a_misspelt_field() -> None:
    site = test_azure.site_config("/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/a",
                                  min_tls="1.2", ftps="Disabled")
    site["properties"]["minTLSVersion"] = site["properties"].pop("minTlsVersion")
    assert unknown_azure_fields(site, "Microsoft.Web/sites/config") == ["properties.minTLSVersion"]

"""Pure adapters: Google Cloud REST JSON (Compute v1, Resource Manager v3, Storage JSON API) -> model objects.

No SDK here. The collectors hand over each resource as the REST API's JSON
(camelCase), so recorded responses and the local test servers go through the
same code as live answers. Decisions mirror the Terraform mapping
(`scanner.sources.terraform.mappings.gcp`) through the shared facts in
`scanner.providers.gcp`.

Resources are named by their full resource names, as Cloud Asset Inventory
writes them: `//compute.googleapis.com/projects/p/global/firewalls/f`,
`//storage.googleapis.com/bucket`, and (with the project ID, not its number)
`//cloudresourcemanager.googleapis.com/projects/p`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from scanner.model import (
    Access,
    AccessGrant,
    Asset,
    DataStore,
    Direction,
    Firewall,
    GrantKind,
    KeyManagement,
    NetworkRule,
    Origin,
    Peer,
    PeerKind,
    PortSet,
    Scope,
    SourceKind,
    TlsEndpoint,
    TlsVersion,
    Unknown,
    is_public_principal,
    normalize_protocol,
)
from scanner.providers import gcp
from scanner.providers.ports import port_spec

Json = Mapping[str, Any]

# Cloud Asset Inventory asset types.
PROJECT_TYPE = "cloudresourcemanager.googleapis.com/Project"
ORGANIZATION_TYPE = "cloudresourcemanager.googleapis.com/Organization"
FOLDER_TYPE = "cloudresourcemanager.googleapis.com/Folder"
FIREWALL_TYPE = "compute.googleapis.com/Firewall"
SSL_POLICY_TYPE = "compute.googleapis.com/SslPolicy"
TARGET_HTTPS_PROXY_TYPE = "compute.googleapis.com/TargetHttpsProxy"
BUCKET_TYPE = "storage.googleapis.com/Bucket"
TARGET_SSL_PROXY_TYPE = "compute.googleapis.com/TargetSslProxy"
DISK_TYPE = "compute.googleapis.com/Disk"
SQL_INSTANCE_TYPE = "sqladmin.googleapis.com/Instance"
CRYPTO_KEY_TYPE = "cloudkms.googleapis.com/CryptoKey"
KEY_RING_TYPE = "cloudkms.googleapis.com/KeyRing"
TOPIC_TYPE = "pubsub.googleapis.com/Topic"
SUBSCRIPTION_TYPE = "pubsub.googleapis.com/Subscription"
RUN_SERVICE_TYPE = "run.googleapis.com/Service"
FUNCTION_TYPE = "cloudfunctions.googleapis.com/Function"
DATASET_TYPE = "bigquery.googleapis.com/Dataset"
TARGET_HTTP_PROXY_TYPE = "compute.googleapis.com/TargetHttpProxy"
CLUSTER_TYPE = "container.googleapis.com/Cluster"

COMPUTE = "//compute.googleapis.com/"


def project_resource(project: str) -> str:
    return f"//cloudresourcemanager.googleapis.com/projects/{project}"


def bucket_resource(bucket: str) -> str:
    return f"//storage.googleapis.com/{bucket}"


def compute_resource(project: str, scope: str, collection: str, name: str) -> str:
    """`scope`: `global`, or `regions/<region>` as aggregated lists key their items."""
    return f"{COMPUTE}projects/{project}/{scope}/{collection}/{name}"


def region_of(scope: str) -> str | None:
    """`regions/europe-west1` -> `europe-west1`; global resources have no region."""
    return scope.split("/", 1)[1] if scope.startswith(("regions/", "zones/")) else None


def relative_name(url: str) -> str:
    """`https://www.googleapis.com/compute/v1/projects/p/global/networks/n` -> `projects/p/global/networks/n`,
    whatever the host (private endpoints keep the same path)."""
    marker = url.find("projects/")
    return url[marker:].rstrip("/") if marker >= 0 else url.rstrip("/")


def _origin(resource: str, resource_type: str, project: str, region: str | None = None) -> Origin:
    return Origin(source=SourceKind.GCP, resource=resource, resource_type=resource_type, account=project or None,
                  region=region)


def _name(item: Json) -> str:
    name = item.get("name")
    return name if isinstance(name, str) and name else "(unnamed)"


def _mapping(value: Any) -> Json:
    return value if isinstance(value, Mapping) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


# -- VPC firewall rules -----------------------------------------------------------------------------


def _direction(firewall: Json) -> Direction | Unknown:
    value = firewall.get("direction") or "INGRESS"
    parsed = gcp.firewall_direction(value) if isinstance(value, str) else None
    return parsed if parsed is not None else Unknown(reason=f"direction {value!r} is not INGRESS or EGRESS")


def _peers(firewall: Json, direction: Direction) -> list[Peer | Unknown]:
    if direction is Direction.INGRESS:
        peers: list[Peer | Unknown] = [Peer.address_or_tag(r) for r in _strings(firewall.get("sourceRanges"))]
        # Tags and service accounts select instances, never address ranges.
        peers += [Peer.group(g) for key in ("sourceTags", "sourceServiceAccounts")
                  for g in _strings(firewall.get(key))]
        default = gcp.FIREWALL_DEFAULT_SOURCE
    else:
        peers = [Peer.address_or_tag(r) for r in _strings(firewall.get("destinationRanges"))]
        default = gcp.FIREWALL_DEFAULT_DESTINATION
    return peers or [Peer.address_or_tag(default)]


def _priority(firewall: Json) -> int | Unknown:
    value = firewall.get("priority", gcp.FIREWALL_DEFAULT_PRIORITY)
    return value if isinstance(value, int) and not isinstance(value, bool) else Unknown(
        reason=f"priority {value!r} is not a number")


def _ports(entry: Json) -> PortSet | Unknown:
    listed = _strings(entry.get("ports"))
    return port_spec(listed) if listed else PortSet.all()


def firewall_resource(firewall: Json, project: str) -> str:
    return compute_resource(project, "global", "firewalls", _name(firewall))


def _rules(firewall: Json, project: str) -> list[NetworkRule]:
    """One rule per `allowed` / `denied` entry; a disabled firewall filters nothing."""
    if firewall.get("disabled") is True:
        return []
    base = _origin(firewall_resource(firewall, project), FIREWALL_TYPE, project)
    direction = _direction(firewall)
    peers: list[Peer | Unknown] | Unknown = direction if isinstance(direction, Unknown) else _peers(firewall,
                                                                                                     direction)
    rules = []
    for access, key in ((Access.ALLOW, "allowed"), (Access.DENY, "denied")):
        for i, entry in enumerate(firewall.get(key) or []):
            if not isinstance(entry, Mapping):
                continue
            protocol = entry.get("IPProtocol")
            rules.append(NetworkRule(
                origin=base.at(None, f"{key}[{i}]"),
                name=_name(firewall),
                direction=direction,
                access=access,
                protocol=normalize_protocol(str(protocol)) if protocol is not None else Unknown(
                    reason="the rule names no IPProtocol"),
                ports=_ports(entry),
                peers=peers,
                priority=_priority(firewall),
            ))
    return rules


def _targets(firewall: Json) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(_strings(firewall.get("targetTags"))), frozenset(_strings(firewall.get("targetServiceAccounts")))


def _deny_covers(deny: Json, allow: Json) -> bool:
    """Whether `deny` applies to every instance `allow` applies to."""
    deny_tags, deny_accounts = _targets(deny)
    allow_tags, allow_accounts = _targets(allow)
    if not deny_tags and not deny_accounts:
        return True
    return bool(allow_tags and allow_tags <= deny_tags) or bool(allow_accounts and allow_accounts <= deny_accounts)


def firewalls(items: Sequence[Json], project: str) -> list[Firewall]:
    """One `Firewall` per firewall rule resource, as from Terraform.

    Unlike a .tf file, the listing shows every rule of the network, so each
    firewall also carries the deny rules of its network that apply to all of
    its target instances: the rule engine then subtracts those evaluated first
    (lower priority number, or equal: a deny wins a tie), and an allow shadowed
    by a deny is not reported.
    """
    result = []
    for firewall in items:
        own = _rules(firewall, project)
        network = relative_name(str(firewall.get("network", "")))
        direction = firewall.get("direction") or "INGRESS"
        shadowing = [
            rule
            for other in items
            if own and other is not firewall and other.get("denied") and not firewall.get("denied")
            and relative_name(str(other.get("network", ""))) == network
            and (other.get("direction") or "INGRESS") == direction and _deny_covers(other, firewall)
            for rule in _rules(other, project)
        ]
        result.append(Firewall(origin=_origin(firewall_resource(firewall, project), FIREWALL_TYPE, project),
                               name=_name(firewall), ordering="priority", rules=own + shadowing))
    return result


# -- SSL policies and target HTTPS proxies ------------------------------------------------------------


def ssl_policy_key(project: str, scope: str, name: str) -> str:
    return f"projects/{project}/{scope}/sslPolicies/{name}"


def ssl_policy_version(policy: Json) -> TlsVersion | Unknown:
    value = policy.get("minTlsVersion")
    if value is None:
        return gcp.SSL_POLICY_MIN_TLS_DEFAULT
    parsed = gcp.ssl_policy_min_tls(value) if isinstance(value, str) else None
    return parsed if parsed is not None else Unknown(reason=f"minTlsVersion {value!r} is not a TLS version")


def ssl_policy(policy: Json, project: str, scope: str) -> TlsEndpoint:
    """A policy no listed proxy uses; a policy in use is judged on each proxy, as from Terraform."""
    base = _origin(compute_resource(project, scope, "sslPolicies", _name(policy)), SSL_POLICY_TYPE, project,
                   region_of(scope))
    return TlsEndpoint(origin=base, field_origins={"min_version": base.at(None, "minTlsVersion")}, kind="ssl_policy",
                       name=_name(policy), min_version=ssl_policy_version(policy), plaintext_allowed=False,
                       policy_name=_name(policy))


def target_https_proxy(proxy: Json, project: str, scope: str, policies: Mapping[str, Json] | None,
                       collection: str = "targetHttpsProxies") -> TlsEndpoint:
    """A target HTTPS proxy, or (`collection` "targetSslProxies") a target SSL proxy.
    `policies`: the project's SSL policies by `ssl_policy_key`; None when they could not be listed."""
    https = collection == "targetHttpsProxies"
    base = _origin(compute_resource(project, scope, collection, _name(proxy)),
                   TARGET_HTTPS_PROXY_TYPE if https else TARGET_SSL_PROXY_TYPE, project, region_of(scope))
    reference = proxy.get("sslPolicy")
    version: TlsVersion | Unknown
    if not reference:
        version, policy_name = gcp.DEFAULT_SSL_POLICY_MIN_TLS, gcp.DEFAULT_SSL_POLICY_NAME
        decided_at = base
    else:
        key = relative_name(str(reference))
        policy_name = key.rsplit("/", 1)[-1]
        policy = policies.get(key) if policies is not None else None
        if policy is not None:
            version = ssl_policy_version(policy)
            decided_at = _origin(f"{COMPUTE}{key}", SSL_POLICY_TYPE, project, region_of(scope)).at(
                None, "minTlsVersion")
        else:
            reason = "SSL policies could not be listed" if policies is None else "it is not among the listed policies"
            version = Unknown(reason=f"SSL policy {key}: {reason}")
            decided_at = base.at(None, "sslPolicy")
    return TlsEndpoint(origin=base, field_origins={"min_version": decided_at},
                       kind="https_proxy" if https else "ssl_proxy", name=_name(proxy),
                       min_version=version, plaintext_allowed=False, policy_name=policy_name)


def _redirects_to_https(url_map: Json | None) -> bool:
    """Whether a URL map sends every request to HTTPS (`defaultUrlRedirect.httpsRedirect`, no host rules)."""
    if url_map is None:
        return False
    redirect = _mapping(url_map.get("defaultUrlRedirect"))
    return redirect.get("httpsRedirect") is True and not url_map.get("hostRules")


def target_http_proxy(proxy: Json, project: str, scope: str, url_maps: Mapping[str, Json],
                      forwarding_rules: Sequence[Json]) -> TlsEndpoint | None:
    """A plain-HTTP load balancer front end that an external forwarding rule sends to, unless its
    URL map only redirects to HTTPS. `url_maps` by relative name; `forwarding_rules`: the project's."""
    name = relative_name(compute_resource(project, scope, "targetHttpProxies", _name(proxy)))
    external = [r for r in forwarding_rules if relative_name(str(r.get("target", ""))) == name
                and not gcp.forwarding_rule_is_internal(str(r.get("loadBalancingScheme")
                                                            or gcp.FORWARDING_RULE_SCHEME_DEFAULT))]
    if not external or _redirects_to_https(url_maps.get(relative_name(str(proxy.get("urlMap", ""))))):
        return None
    base = _origin(compute_resource(project, scope, "targetHttpProxies", _name(proxy)), TARGET_HTTP_PROXY_TYPE,
                   project, region_of(scope))
    return TlsEndpoint(origin=base, kind="http_proxy", name=_name(proxy), min_version=None, plaintext_allowed=True)


# -- GKE --------------------------------------------------------------------------------------------


def cluster_resource(project: str, location: str, name: str) -> str:
    return f"//container.googleapis.com/projects/{project}/locations/{location}/clusters/{name}"


def _api_sources(cluster: Json, base: Origin, name: str) -> list[NetworkRule]:
    """Who may reach a public cluster API: everyone without master authorized networks, else the
    listed CIDR blocks and, with `gcpPublicCidrsAccessEnabled`, every Google Cloud address."""
    def rule(at: Origin, peer: Peer) -> NetworkRule:
        return NetworkRule(origin=at, name=f"{name} API endpoint", direction=Direction.INGRESS, protocol="tcp",
                           ports=PortSet.ports(443), peers=[peer])

    config = _mapping(cluster.get("masterAuthorizedNetworksConfig"))
    if config.get("enabled") is not True:
        return [rule(base.at(None, "masterAuthorizedNetworksConfig"), Peer(
            kind=PeerKind.NETWORK, value=gcp.GKE_OPEN_API_SOURCE,
            label=f"{gcp.GKE_OPEN_API_SOURCE} (master authorized networks are off)"))]
    rules = [rule(base.at(None, f"masterAuthorizedNetworksConfig.cidrBlocks[{i}]"),
                  Peer.address_or_tag(str(block["cidrBlock"])))
             for i, block in enumerate(config.get("cidrBlocks") or [])
             if isinstance(block, Mapping) and block.get("cidrBlock")]
    if config.get("gcpPublicCidrsAccessEnabled") is True:
        rules.append(rule(base.at(None, "masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled"), Peer(
            kind=PeerKind.TAG, value=gcp.GKE_GOOGLE_CLOUD_TAG,
            label="every Google Cloud public address (gcpPublicCidrsAccessEnabled)")))
    return rules


def cluster(item: Json, project: str) -> Iterator[Asset]:
    """The cluster API unless its endpoint is private, and each node pool's boot disk key."""
    name, location = _name(item), str(item.get("location") or item.get("zone") or "-")
    base = _origin(cluster_resource(project, location, name), CLUSTER_TYPE, project,
                   location if location != "-" else None)
    private = _mapping(item.get("privateClusterConfig")).get("enablePrivateEndpoint") is True
    ip_endpoints = _mapping(_mapping(item.get("controlPlaneEndpointsConfig")).get("ipEndpointsConfig"))
    public = ip_endpoints.get("enabled") is not False and ip_endpoints.get("enablePublicEndpoint") is not False
    if public and not private:
        rules = _api_sources(item, base, name)
        if rules:
            yield Firewall(origin=base, name=name, rules=rules, control_plane=True)
    for pool in item.get("nodePools") or []:
        if not isinstance(pool, Mapping):
            continue
        key = _mapping(pool.get("config")).get("bootDiskKmsKey")
        yield _google_encrypted("block_volume", f"{name} node pool {_name(pool)}",
                                base.at(None, f"nodePools[{_name(pool)}]"), "config.bootDiskKmsKey", bool(key))


# -- IAM --------------------------------------------------------------------------------------------


def _condition_title(binding: Any) -> str:
    condition = binding.get("condition") if isinstance(binding, Mapping) else None
    title = condition.get("title") if isinstance(condition, Mapping) else None
    return str(title) if title else ""


def iam_grants(policy: Json, *, resource: str, resource_type: str, label: str, project: str,
               scope: Scope, public_blocked: bool = False) -> Iterator[AccessGrant]:
    """One grant per binding of an IAM policy (`{"bindings": [{"role", "members", "condition"}]}`).

    `public_blocked`: the resource refuses public access whatever its policy says (a bucket
    with Public Access Prevention enforced), so allUsers and allAuthenticatedUsers are left out.
    """
    listed = policy.get("bindings")
    raw: list[Any] = listed if isinstance(listed, list) else []
    base = _origin(resource, resource_type, project)
    for i, binding in enumerate(gcp.policy_bindings(policy)):
        if isinstance(binding, Unknown):
            yield AccessGrant(origin=base.at(None, f"bindings[{i}]"), kind=GrantKind.ROLE_ASSIGNMENT,
                              name=f"{label} binding {i}", principals=binding, role=binding, scope=scope)
            continue
        role = binding.role if isinstance(binding.role, str) else f"binding {i}"
        title = _condition_title(raw[i]) if i < len(raw) else ""
        anchor = f"bindings[{role}{' if ' + title if title else ''}]"
        yield AccessGrant(
            origin=base.at(None, anchor),
            kind=GrantKind.ROLE_ASSIGNMENT,
            name=f"{label} {role}",
            effect=Access.ALLOW,
            principals=gcp.without_public(binding.members) if public_blocked else binding.members,
            role=binding.role,
            scope=scope,
            # An IAM condition narrows by time or resource name, never who is let in.
            conditions=["gcp:condition"] if binding.conditional else [],
        )


def project_iam(policy: Json, project: str) -> Iterator[AccessGrant]:
    return iam_grants(policy, resource=project_resource(project), resource_type=PROJECT_TYPE,
                      label=f"projects/{project}", project=project, scope=gcp.iam_scope("project"))


def parent_iam(policy: Json, parent: str) -> Iterator[AccessGrant]:
    """`parent`: `organizations/123` or `folders/456`; the grants carry no project."""
    kind = "organization" if parent.startswith("organizations/") else "folder"
    return iam_grants(policy, resource=f"//cloudresourcemanager.googleapis.com/{parent}",
                      resource_type=ORGANIZATION_TYPE if kind == "organization" else FOLDER_TYPE, label=parent,
                      project="", scope=gcp.iam_scope(kind))


def bucket_iam(policy: Json, bucket: str, project: str, *, public_access_prevention: Any = None
               ) -> Iterator[AccessGrant]:
    """`public_access_prevention`: the bucket's `iamConfiguration.publicAccessPrevention`."""
    return iam_grants(policy, resource=bucket_resource(bucket), resource_type=BUCKET_TYPE, label=f"bucket {bucket}",
                      project=project, scope=gcp.iam_scope("storage_bucket"),
                      public_blocked=gcp.public_access_prevented(public_access_prevention))


# -- Cloud Storage ------------------------------------------------------------------------------------


def public_access_prevention(item: Json) -> Any:
    """A bucket's `iamConfiguration.publicAccessPrevention` (`enforced`, `inherited`), or None."""
    config = item.get("iamConfiguration")
    return config.get("publicAccessPrevention") if isinstance(config, Mapping) else None


def _uniform_access(item: Json) -> bool:
    config = item.get("iamConfiguration")
    uniform = config.get("uniformBucketLevelAccess") if isinstance(config, Mapping) else None
    return isinstance(uniform, Mapping) and uniform.get("enabled") is True


def bucket_acls(item: Json, project: str) -> Iterator[AccessGrant]:
    """The bucket's `acl` and `defaultObjectAcl` entries (listed with `projection=full`).

    Uniform bucket-level access turns ACLs off, and Public Access Prevention makes
    allUsers and allAuthenticatedUsers entries grant nothing: such entries are left out.
    """
    if _uniform_access(item):
        return
    name = _name(item)
    blocked = gcp.public_access_prevented(public_access_prevention(item))
    base = _origin(bucket_resource(name), BUCKET_TYPE, project)
    for key, what in (("acl", "bucket"), ("defaultObjectAcl", "new objects")):
        entries = item.get(key)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, Mapping):
                continue
            entity, role = entry.get("entity"), entry.get("role")
            if not isinstance(entity, str) or (blocked and is_public_principal(entity)):
                continue
            yield AccessGrant(origin=base.at(None, f"{key}[{i}]"), kind=GrantKind.ROLE_ASSIGNMENT,
                              name=f"bucket {name} {key} {entity}", effect=Access.ALLOW, principals=[entity],
                              role=f"{what} {role}" if isinstance(role, str) else Unknown(
                                  reason=f"{key} entry {i} names no role"),
                              scope=gcp.iam_scope("storage_bucket"))


def bucket(item: Json, project: str) -> DataStore:
    """Always AES-256 encrypted; with Google's keys unless `encryption.defaultKmsKeyName` is set."""
    name = _name(item)
    location = item.get("location")
    base = _origin(bucket_resource(name), BUCKET_TYPE, project, location.lower() if isinstance(location, str) else None)
    encryption = item.get("encryption")
    customer = isinstance(encryption, Mapping) and bool(encryption.get("defaultKmsKeyName"))
    key_management = KeyManagement.CUSTOMER if customer else KeyManagement.PROVIDER
    return DataStore(origin=base, field_origins={"key_management": base.at(None, "encryption.defaultKmsKeyName")},
                     kind="object_storage", name=name, encrypted=True, algorithm=gcp.DEFAULT_ENCRYPTION_ALGORITHM,
                     key_bits=gcp.DEFAULT_ENCRYPTION_KEY_BITS, key_management=key_management,
                     by_default=key_management is KeyManagement.PROVIDER)


# -- Cloud SQL ---------------------------------------------------------------------------------------


def sql_instance_resource(project: str, name: str) -> str:
    return f"//sqladmin.googleapis.com/projects/{project}/instances/{name}"


def _google_encrypted(kind: str, name: str, base: Origin, key_field: str, customer: bool) -> DataStore:
    """Google encrypts all data at rest with AES-256; the key is Google's unless one is given."""
    key_management = KeyManagement.CUSTOMER if customer else KeyManagement.PROVIDER
    return DataStore(origin=base, field_origins={"key_management": base.at(None, key_field)}, kind=kind, name=name,
                     encrypted=True, algorithm=gcp.DEFAULT_ENCRYPTION_ALGORITHM,
                     key_bits=gcp.DEFAULT_ENCRYPTION_KEY_BITS, key_management=key_management,
                     by_default=not customer)


def sql_instance(instance: Json, project: str) -> Iterator[Asset]:
    """TLS (`settings.ipConfiguration.sslMode`, or the legacy `requireSsl`), the networks authorized
    on its public IP, and the disk's key (`diskEncryptionConfiguration.kmsKeyName`)."""
    name = _name(instance)
    region = instance.get("region")
    base = _origin(sql_instance_resource(project, name), SQL_INSTANCE_TYPE, project,
                   region if isinstance(region, str) else None)
    ip = _mapping(_mapping(instance.get("settings")).get("ipConfiguration"))
    mode = ip.get("sslMode")
    mode = mode if isinstance(mode, str) and mode != "SSL_MODE_UNSPECIFIED" else None
    plaintext = gcp.cloud_sql_plaintext(mode, ip.get("requireSsl") is True)
    yield TlsEndpoint(origin=base, field_origins={"plaintext_allowed": base.at(
        None, "settings.ipConfiguration." + ("sslMode" if mode else "requireSsl"))},
        kind="database", name=name, min_version=None,
        plaintext_allowed=plaintext if plaintext is not None else Unknown(
            reason=f"sslMode {mode!r} is not recognised"))
    public = ip.get("ipv4Enabled", gcp.CLOUD_SQL_IPV4_DEFAULT)
    networks = [n for n in ip.get("authorizedNetworks") or [] if isinstance(n, Mapping)]
    if public is not False and networks:
        version = instance.get("databaseVersion")
        port = gcp.cloud_sql_port(version) if isinstance(version, str) else None
        yield Firewall(origin=base, name=name, rules=[NetworkRule(
            origin=base.at(None, f"settings.ipConfiguration.authorizedNetworks[{i}]"),
            name=n.get("name") if isinstance(n.get("name"), str) else None, direction=Direction.INGRESS,
            protocol="tcp", ports=port if port is not None else Unknown(
                reason=f"databaseVersion {version!r} is not recognised"),
            peers=[Peer.address_or_tag(str(n["value"]))] if n.get("value") else Unknown(
                reason="an authorized network has no value"))
            for i, n in enumerate(networks)])
    encryption = instance.get("diskEncryptionConfiguration")
    customer = isinstance(encryption, Mapping) and bool(encryption.get("kmsKeyName"))
    yield _google_encrypted("database", name, base, "diskEncryptionConfiguration.kmsKeyName", customer)


# -- Compute Engine disks ---------------------------------------------------------------------------


def disk(item: Json, project: str, scope: str) -> DataStore:
    """A zonal or regional disk (boot disks included): a Cloud KMS key (`kmsKeyName`) or a
    customer-supplied key (`sha256` of it) in `diskEncryptionKey`, else Google's."""
    key = item.get("diskEncryptionKey")
    customer = isinstance(key, Mapping) and bool(key.get("kmsKeyName") or key.get("sha256"))
    base = _origin(compute_resource(project, scope, "disks", _name(item)), DISK_TYPE, project, region_of(scope))
    return _google_encrypted("block_volume", _name(item), base, "diskEncryptionKey", customer)


# -- other Google-encrypted data: a Cloud KMS key or Google's -----------------------------------------


def keyed(item: Json, project: str, *, resource: str, resource_type: str, kind: str, key_field: str,
          region: str | None = None) -> DataStore:
    """Data Google encrypts with AES-256, with the Cloud KMS key (or customer-supplied key) at the
    dotted `key_field` when it is set: a topic's `kmsKeyName`, a snapshot's
    `snapshotEncryptionKey.kmsKeyName` …"""
    value: Any = item
    for part in key_field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    base = _origin(resource, resource_type, project, region)
    return _google_encrypted(kind, _name(item).rsplit("/", 1)[-1], base, key_field, bool(value))


def compute_keyed(item: Json, project: str, scope: str, collection: str, kind: str, key_block: str) -> DataStore:
    """A snapshot, image or the like: a Cloud KMS key or a customer-supplied key (its `sha256`)."""
    key = item.get(key_block)
    customer = isinstance(key, Mapping) and bool(key.get("kmsKeyName") or key.get("sha256"))
    base = _origin(compute_resource(project, scope, collection, _name(item)),
                   f"compute.googleapis.com/{collection[0].upper()}{collection[1:-1]}", project, region_of(scope))
    return _google_encrypted(kind, _name(item), base, key_block, customer)


def instance_template(item: Json, project: str, scope: str) -> Iterator[DataStore]:
    """Each disk of an instance template (`properties.disks[]`): its `diskEncryptionKey`, Google's otherwise."""
    base = _origin(compute_resource(project, scope, "instanceTemplates", _name(item)),
                   "compute.googleapis.com/InstanceTemplate", project, region_of(scope))
    for i, disk_item in enumerate(_mapping(item.get("properties")).get("disks") or []):
        key = _mapping(disk_item).get("diskEncryptionKey")
        customer = isinstance(key, Mapping) and bool(key.get("kmsKeyName") or key.get("sha256"))
        yield _google_encrypted("block_volume", f"{_name(item)} disk {i}", base.at(None, f"properties.disks[{i}]"),
                                "diskEncryptionKey", customer)


def redis_instance(item: Json, project: str) -> Iterator[Asset]:
    """Memorystore for Redis: plaintext unless `transitEncryptionMode` is SERVER_AUTHENTICATION;
    Google's key unless `customerManagedKey` names a Cloud KMS key."""
    name = str(item.get("name", ""))
    base = _origin(f"//redis.googleapis.com/{name}", "redis.googleapis.com/Instance", project,
                   str(item.get("locationId")) if item.get("locationId") else None)
    mode = item.get("transitEncryptionMode") or gcp.REDIS_TRANSIT_ENCRYPTION_DEFAULT
    yield TlsEndpoint(origin=base, field_origins={"plaintext_allowed": base.at(None, "transitEncryptionMode")},
                      kind="cache", name=name.rsplit("/", 1)[-1], min_version=None,
                      plaintext_allowed=str(mode).strip().upper() != gcp.REDIS_TRANSIT_ENCRYPTED)
    yield _google_encrypted("cache", name.rsplit("/", 1)[-1], base, "customerManagedKey",
                            bool(item.get("customerManagedKey")))


# -- resources named by their relative name: their key and their IAM policy ---------------------------

# Resource kind (as the Terraform type spells it) -> (service host, Cloud Asset Inventory type).
RESOURCES: dict[str, tuple[str, str]] = {
    "kms_crypto_key": ("cloudkms", CRYPTO_KEY_TYPE),
    "kms_key_ring": ("cloudkms", KEY_RING_TYPE),
    "pubsub_topic": ("pubsub", TOPIC_TYPE),
    "pubsub_subscription": ("pubsub", SUBSCRIPTION_TYPE),
    "cloud_run_service": ("run", RUN_SERVICE_TYPE),
    "cloudfunctions_function": ("cloudfunctions", FUNCTION_TYPE),
    "artifact_registry_repository": ("artifactregistry", "artifactregistry.googleapis.com/Repository"),
    "bigquery_table": ("bigquery", "bigquery.googleapis.com/Table"),
    "bigtable_instance": ("bigtableadmin", "bigtableadmin.googleapis.com/Instance"),
    "compute_instance": ("compute", "compute.googleapis.com/Instance"),
    "dataproc_cluster": ("dataproc", "dataproc.googleapis.com/Cluster"),
    "filestore_instance": ("file", "file.googleapis.com/Instance"),
    "secret_manager_secret": ("secretmanager", "secretmanager.googleapis.com/Secret"),
    "service_account": ("iam", "iam.googleapis.com/ServiceAccount"),
    "spanner_database": ("spanner", "spanner.googleapis.com/Database"),
    "vertex_ai_dataset": ("aiplatform", "aiplatform.googleapis.com/Dataset"),
    "vertex_ai_metadata_store": ("aiplatform", "aiplatform.googleapis.com/MetadataStore"),
}

# Google-encrypted resources: kind -> (the model's data kind, as the Terraform mapping names it;
# the fields that name a Cloud KMS key, any of which makes it a customer key).
KEYED: dict[str, tuple[str, tuple[str, ...]]] = {
    "artifact_registry_repository": ("repository", ("kmsKeyName",)),
    "bigquery_table": ("table", ("encryptionConfiguration.kmsKeyName",)),
    "dataproc_cluster": ("cluster_disks", ("config.encryptionConfig.gcePdKmsKeyName",)),
    "filestore_instance": ("file_system", ("kmsKeyName",)),
    "spanner_database": ("database", ("encryptionConfig.kmsKeyName", "encryptionConfig.kmsKeyNames")),
    "vertex_ai_dataset": ("dataset", ("encryptionSpec.kmsKeyName",)),
    "vertex_ai_metadata_store": ("metadata_store", ("encryptionSpec.kmsKeyName",)),
}


def full_name(kind: str, name: str) -> str:
    """`projects/p/locations/l/repositories/r` -> `//artifactregistry.googleapis.com/projects/…`."""
    return f"//{RESOURCES[kind][0]}.googleapis.com/{name}"


def location_of(name: str) -> str | None:
    """The location, region or zone a relative name names, if any."""
    parts = name.split("/")
    return next((parts[i + 1] for i, part in enumerate(parts[:-1]) if part in ("locations", "regions", "zones")),
                None)


def _dig(item: Json, path: str) -> Any:
    value: Any = item
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def keyed_resource(item: Json, kind: str, name: str, project: str) -> DataStore:
    """A resource Google encrypts with AES-256, with the Cloud KMS key its fields name (see `KEYED`).
    `name`: its relative resource name, which not every API returns (Dataproc, BigQuery)."""
    data_kind, key_fields = KEYED[kind]
    key_field = next((f for f in key_fields if _dig(item, f)), key_fields[0])
    base = _origin(full_name(kind, name), RESOURCES[kind][1], project, location_of(name))
    return _google_encrypted(data_kind, name.rsplit("/", 1)[-1], base, key_field, bool(_dig(item, key_field)))


def bigtable_instance(name: str, clusters: Sequence[Json], project: str) -> DataStore:
    """A Bigtable instance: a customer key when its clusters' `encryptionConfig.kmsKeyName` name one
    (the clusters of a CMEK-protected instance all do)."""
    customer = bool(clusters) and all(_dig(c, "encryptionConfig.kmsKeyName") for c in clusters)
    base = _origin(full_name("bigtable_instance", name), RESOURCES["bigtable_instance"][1], project)
    return _google_encrypted("table", name.rsplit("/", 1)[-1], base, "clusters[].encryptionConfig.kmsKeyName",
                             customer)


def resource_iam(policy: Json, kind: str, name: str, project: str) -> Iterator[AccessGrant]:
    """The IAM policy of a resource named by its relative name (`projects/p/topics/t`): an
    `allUsers` invoker of a Cloud Run service or function makes a public endpoint."""
    return iam_grants(policy, resource=full_name(kind, name), resource_type=RESOURCES[kind][1], label=name,
                      project=project, scope=gcp.iam_scope(kind))


# -- BigQuery ---------------------------------------------------------------------------------------


def dataset_resource(project: str, dataset_id: str) -> str:
    return f"//bigquery.googleapis.com/projects/{project}/datasets/{dataset_id}"


def _access_member(entry: Json) -> str | None:
    """A dataset `access` entry's member, as IAM spells it; None for authorized views and routines."""
    for key, prefix in (("iamMember", ""), ("userByEmail", "user:"), ("groupByEmail", "group:"),
                        ("domain", "domain:"), ("specialGroup", "")):
        value = entry.get(key)
        if isinstance(value, str) and value:
            return f"{prefix}{value}"
    return None


def dataset(item: Json, project: str) -> Iterator[Asset]:
    """A dataset from `datasets.get`: one grant per `access` entry, and its default key."""
    reference = _mapping(item.get("datasetReference"))
    dataset_id = str(reference.get("datasetId") or _name(item))
    location = item.get("location")
    base = _origin(dataset_resource(project, dataset_id), DATASET_TYPE, project,
                   location.lower() if isinstance(location, str) else None)
    for i, entry in enumerate(item.get("access") or []):
        member = _access_member(entry) if isinstance(entry, Mapping) else None
        if member is None:
            continue
        role = entry.get("role")
        yield AccessGrant(origin=base.at(None, f"access[{i}]"), kind=GrantKind.ROLE_ASSIGNMENT,
                          name=f"dataset {dataset_id} {role}", effect=Access.ALLOW, principals=[member],
                          role=role if isinstance(role, str) else Unknown(reason=f"access entry {i} has no role"),
                          scope=gcp.iam_scope("bigquery_dataset"))
    encryption = item.get("defaultEncryptionConfiguration")
    customer = isinstance(encryption, Mapping) and bool(encryption.get("kmsKeyName"))
    yield _google_encrypted("table", dataset_id, base, "defaultEncryptionConfiguration.kmsKeyName", customer)


def active_projects(projects: Sequence[Json]) -> list[str]:
    """Project IDs from a Resource Manager listing, without those being deleted."""
    return [str(p["projectId"]) for p in projects
            if p.get("projectId") and str(p.get("state", "ACTIVE")).upper() in ("ACTIVE", "1")]

"""Google Cloud resources: VPC firewalls, Cloud SQL authorized networks, GKE cluster APIs; SSL policies,
target proxies and Memorystore TLS; Cloud KMS keys of disks, buckets, databases and data services;
IAM members, bindings and policies, Cloud Storage ACLs and BigQuery dataset access. `MAPPERS`, at the
end, lists them by family."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
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
    TlsEndpoint,
    TlsVersion,
    Unknown,
    is_public_principal,
    normalize_protocol,
)
from scanner.providers import gcp
from scanner.providers.ports import port_spec
from scanner.sources.terraform.view import MappingContext, ResourceView, as_bool, as_int, resource_base, string_list

Mapper = Callable[[ResourceView, MappingContext], Iterator[Asset]]


def _name(view: ResourceView) -> str:
    name = view.get("name")
    return name if isinstance(name, str) else view.address


def _is_set(view: ResourceView, attr: str) -> bool | Unknown:
    """Whether a key attribute names a key: a resource's computed `id` is unknown but set."""
    value = view.get(attr)
    if isinstance(value, Unknown):
        return True if view.reference(attr) is not None else value
    return bool(value)


# -- VPC firewall rules -----------------------------------------------------------------------------


def _direction(fw: ResourceView) -> Direction | Unknown:
    value = fw.get("direction")
    if value is None:
        return Direction.INGRESS
    if isinstance(value, Unknown):
        return value
    parsed = gcp.firewall_direction(value) if isinstance(value, str) else None
    return parsed if parsed is not None else Unknown(reason=f"direction {value!r} is not INGRESS or EGRESS")


def _peers(fw: ResourceView, direction: Direction) -> list[Peer | Unknown] | Unknown:
    """Sources of an ingress rule (ranges, tags, service accounts), destinations of an egress rule."""
    peers: list[Peer | Unknown] = []
    ranges_attr = "source_ranges" if direction is Direction.INGRESS else "destination_ranges"
    group_attrs = ("source_tags", "source_service_accounts") if direction is Direction.INGRESS else ()
    for attr in (ranges_attr, *group_attrs):
        values = string_list(fw.get(attr))
        if isinstance(values, Unknown):
            return values
        if attr == ranges_attr:
            peers.extend(v if isinstance(v, Unknown) else Peer.address_or_tag(v) for v in values)
        else:  # tags and service accounts select instances, never address ranges
            peers.extend(Peer.group(v if isinstance(v, str) else f"({attr})") for v in values)
    if not peers:
        # Documented default: no sources (or, for egress, no destinations) means every IPv4 address.
        default = gcp.FIREWALL_DEFAULT_SOURCE if direction is Direction.INGRESS else gcp.FIREWALL_DEFAULT_DESTINATION
        peers.append(Peer.address_or_tag(default))
    return peers


def _protocol_rule(block: ResourceView, fw_name: str, access: Access, direction: Direction | Unknown,
                   peers: list[Peer | Unknown] | Unknown, priority: int | Unknown | None) -> NetworkRule:
    """An `allow` or `deny` block: a protocol and, optionally, its ports (all ports when absent)."""
    protocol = block.get("protocol")
    if not isinstance(protocol, Unknown):
        protocol = normalize_protocol(str(protocol)) if protocol is not None else Unknown(reason="protocol is not set")
    listed = block.get("ports")
    ports: PortSet | Unknown = PortSet.all() if listed is None or listed == [] else port_spec(listed)
    return NetworkRule(origin=block.origin, name=fw_name, direction=direction, access=access, protocol=protocol,
                       ports=ports, peers=peers, priority=priority)


def compute_firewall(fw: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(fw)
    disabled = as_bool(fw.get("disabled"), False)
    rules: list[NetworkRule] = []
    if disabled is not True:
        direction = _direction(fw)
        # A rule that may be disabled cannot be judged: its direction stands for the doubt.
        if isinstance(disabled, Unknown):
            direction = disabled
        peers = direction if isinstance(direction, Unknown) else _peers(fw, direction)
        set_priority = fw.get("priority")
        priority = gcp.FIREWALL_DEFAULT_PRIORITY if set_priority is None else as_int(set_priority)
        rules = [_protocol_rule(b, name, access, direction, peers, priority)
                 for access, kind in ((Access.ALLOW, "allow"), (Access.DENY, "deny"))
                 for b in fw.blocks(kind)]
    yield Firewall(origin=fw.origin, name=name, ordering="priority", rules=rules)


# -- SSL policies and target proxies ---------------------------------------------------------------

_PROXY_TYPES = ("google_compute_target_https_proxy", "google_compute_target_ssl_proxy",
                "google_compute_region_target_https_proxy")
_SSL_POLICY_TYPES = ("google_compute_ssl_policy", "google_compute_region_ssl_policy")


def _policy_version(policy: ResourceView) -> TlsVersion | Unknown:
    value = policy.get("min_tls_version")
    if value is None:
        return gcp.SSL_POLICY_MIN_TLS_DEFAULT
    if isinstance(value, Unknown):
        return value
    parsed = gcp.ssl_policy_min_tls(value) if isinstance(value, str) else None
    return parsed if parsed is not None else Unknown(reason=f"min_tls_version {value!r} is not a TLS version")


def _users(policy: ResourceView, ctx: MappingContext) -> list[ResourceView]:
    return [p for t in _PROXY_TYPES for p in ctx.referring(t, "ssl_policy", policy)]


def ssl_policy(policy: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """A policy that proxies in this module use is reported on each proxy; otherwise on its own."""
    if _users(policy, ctx):
        return
    yield TlsEndpoint(origin=policy.origin, field_origins={"min_version": policy.origin_of("min_tls_version")},
                      kind="ssl_policy", name=_name(policy), min_version=_policy_version(policy),
                      plaintext_allowed=False)


def _target_proxy(kind: str) -> Mapper:
    def mapper(proxy: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        value = proxy.get("ssl_policy")
        policy = next((p for t in _SSL_POLICY_TYPES for p in ctx.resources(t)
                       if any(u.address == proxy.address for u in _users(p, ctx))), None)
        version: TlsVersion | Unknown
        if policy is not None:  # the policy's own attribute is where the version is decided
            version, policy_name = _policy_version(policy), _name(policy)
            decided_at = policy.origin_of("min_tls_version")
        elif value is None:
            version, policy_name = gcp.DEFAULT_SSL_POLICY_MIN_TLS, gcp.DEFAULT_SSL_POLICY_NAME
            decided_at = proxy.origin
        else:
            shown = value if isinstance(value, str) else proxy.reference("ssl_policy") or "ssl_policy"
            version = Unknown(reason=f"SSL policy {shown} is not defined in this module")
            policy_name, decided_at = shown, proxy.origin_of("ssl_policy")
        yield TlsEndpoint(origin=proxy.origin, field_origins={"min_version": decided_at}, kind=kind,
                          name=_name(proxy), min_version=version, plaintext_allowed=False, policy_name=policy_name)

    mapper.__name__ = kind
    return mapper


_FORWARDING_RULE_TYPES = ("google_compute_global_forwarding_rule", "google_compute_forwarding_rule")


def _only_internal(proxy: ResourceView, ctx: MappingContext) -> bool:
    """Whether every forwarding rule of this module that sends to the proxy is internal."""
    rules = [r for t in _FORWARDING_RULE_TYPES for r in ctx.referring(t, "target", proxy)]
    schemes = [r.get("load_balancing_scheme", gcp.FORWARDING_RULE_SCHEME_DEFAULT) for r in rules]
    return bool(rules) and all(isinstance(s, str) and gcp.forwarding_rule_is_internal(s) for s in schemes)


def _redirects_to_https(proxy: ResourceView, ctx: MappingContext) -> bool:
    """Whether the proxy's URL map sends every request to HTTPS (`default_url_redirect.https_redirect`)."""
    ref = proxy.reference("url_map")
    for url_map in (*ctx.resources("google_compute_url_map"), *ctx.resources("google_compute_region_url_map")):
        if resource_base(url_map.address) == ref:
            redirect = next(iter(url_map.blocks("default_url_redirect")), None)
            return redirect is not None and as_bool(redirect.get("https_redirect"), False) is True \
                and not url_map.blocks("host_rule")
    return False


def target_http_proxy(proxy: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """A plain-HTTP load balancer front end, unless it only redirects to HTTPS or serves only the VPC."""
    if _only_internal(proxy, ctx) or _redirects_to_https(proxy, ctx):
        return
    yield TlsEndpoint(origin=proxy.origin, kind="http_proxy", name=_name(proxy), min_version=None,
                      plaintext_allowed=True)


def redis_instance(instance: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Memorystore for Redis: plaintext unless `transit_encryption_mode` is SERVER_AUTHENTICATION;
    Google's key unless `customer_managed_key` names a Cloud KMS key."""
    mode = instance.get("transit_encryption_mode", gcp.REDIS_TRANSIT_ENCRYPTION_DEFAULT)
    plaintext: bool | Unknown = (mode if isinstance(mode, Unknown)
                                 else str(mode).strip().upper() != gcp.REDIS_TRANSIT_ENCRYPTED)
    yield TlsEndpoint(origin=instance.origin, field_origins={"plaintext_allowed": instance.origin_of(
        "transit_encryption_mode")}, kind="cache", name=_name(instance), min_version=None,
        plaintext_allowed=plaintext)
    yield from _keyed("cache", attr="customer_managed_key")(instance, ctx)


# -- Cloud SQL --------------------------------------------------------------------------------------


def _ip_configuration(instance: ResourceView) -> tuple[bool | Unknown, Origin]:
    settings = next(iter(instance.blocks("settings")), None)
    ip = next(iter(settings.blocks("ip_configuration")), None) if settings is not None else None
    if ip is None:
        return True, (settings or instance).origin  # neither setting: unencrypted connections accepted
    mode, require = ip.get("ssl_mode"), as_bool(ip.get("require_ssl"), False)
    if isinstance(mode, Unknown):
        return mode, ip.origin_of("ssl_mode")
    if mode is not None:
        plaintext = gcp.cloud_sql_plaintext(str(mode), None)
        result = plaintext if plaintext is not None else Unknown(reason=f"ssl_mode {mode!r} is not recognised")
        return result, ip.origin_of("ssl_mode")
    if isinstance(require, Unknown):
        return require, ip.origin_of("require_ssl")
    at = ip.origin_of("require_ssl") if ip.has("require_ssl") else ip.origin
    return bool(gcp.cloud_sql_plaintext(None, require)), at


def _sql_port(instance: ResourceView) -> PortSet | Unknown:
    version = instance.get("database_version")
    if isinstance(version, Unknown):
        return version
    port = gcp.cloud_sql_port(version) if isinstance(version, str) else None
    return port if port is not None else Unknown(reason=f"database_version {version!r} is not recognised")


def _authorized_networks(instance: ResourceView) -> Iterator[Firewall]:
    """Networks allowed to the public IP: each `authorized_networks` entry may reach the database port."""
    settings = next(iter(instance.blocks("settings")), None)
    ip = next(iter(settings.blocks("ip_configuration")), None) if settings is not None else None
    entries = ip.blocks("authorized_networks") if ip is not None else []
    if ip is None or not entries:
        return
    public = as_bool(ip.get("ipv4_enabled"), gcp.CLOUD_SQL_IPV4_DEFAULT)
    if public is False:
        return  # no public IP: authorized networks admit no one
    rules = []
    for entry in entries:
        value, label = entry.get("value"), entry.get("name")
        peers: list[Peer | Unknown] | Unknown = (
            value if isinstance(value, Unknown)
            else [Peer.address_or_tag(value)] if isinstance(value, str)
            else Unknown(reason="an authorized network has no value"))
        rules.append(NetworkRule(origin=entry.origin_of("value"),
                                 field_origins={"access": ip.origin_of("ipv4_enabled")},
                                 name=label if isinstance(label, str) else None, direction=Direction.INGRESS,
                                 access=Access.ALLOW if public is True else public, protocol="tcp",
                                 ports=_sql_port(instance), peers=peers))
    yield Firewall(origin=instance.origin, name=_name(instance), rules=rules)


def sql_database_instance(instance: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    yield from _authorized_networks(instance)
    plaintext, plaintext_at = _ip_configuration(instance)
    # Cloud SQL has no minimum-TLS setting to check: only whether plaintext is accepted.
    yield TlsEndpoint(origin=instance.origin, field_origins={"plaintext_allowed": plaintext_at}, kind="database",
                      name=_name(instance), min_version=None, plaintext_allowed=plaintext)
    yield _google_encrypted("database", _name(instance), instance.origin, _is_set(instance, "encryption_key_name"),
                            instance.origin_of("encryption_key_name"))


# -- encryption at rest ---------------------------------------------------------------------------


def _google_encrypted(kind: str, name: str, origin: Origin, customer: bool | Unknown, key_origin: Origin
                      ) -> DataStore:
    """Google encrypts all data at rest with AES-256; the key is Google's unless one is given."""
    key_management: KeyManagement | Unknown = (
        customer if isinstance(customer, Unknown) else KeyManagement.CUSTOMER if customer else KeyManagement.PROVIDER
    )
    return DataStore(origin=origin, field_origins={"key_management": key_origin}, kind=kind, name=name,
                     encrypted=True, algorithm=gcp.DEFAULT_ENCRYPTION_ALGORITHM,
                     key_bits=gcp.DEFAULT_ENCRYPTION_KEY_BITS, key_management=key_management,
                     by_default=key_management is KeyManagement.PROVIDER)


def _any_key(view: ResourceView, attrs: Sequence[str]) -> tuple[bool | Unknown, Origin]:
    """A Cloud KMS key or a customer-supplied key among `attrs`; unknown if one may be."""
    doubt: Unknown | None = None
    for attr in attrs:
        found = _is_set(view, attr)
        if found is True:
            return True, view.origin_of(attr)
        if isinstance(found, Unknown):
            doubt = doubt or found
    return (doubt, view.origin) if doubt is not None else (False, view.origin)


_DISK_KEYS = ("kms_key_self_link", "raw_key", "rsa_encrypted_key")


def compute_disk(disk: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """`google_compute_disk` / `google_compute_region_disk`: `disk_encryption_key` holds the key."""
    key = next(iter(disk.blocks("disk_encryption_key")), None)
    customer, at = _any_key(key, _DISK_KEYS) if key is not None else (False, disk.origin)
    yield _google_encrypted("block_volume", _name(disk), disk.origin, customer, at)


def _defined_here(block: ResourceView, ctx: MappingContext) -> bool:
    """Whether the disk a `source` names is a `google_compute_disk` of this module (mapped on its own)."""
    ref = block.reference("source")
    return ref is not None and any(resource_base(d.address) == ref for d in ctx.resources("google_compute_disk"))


def compute_instance(instance: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(instance)
    disks = [("boot disk", b) for b in instance.blocks("boot_disk")]
    disks += [(f"attached disk {i}", b) for i, b in enumerate(instance.blocks("attached_disk"))]
    for label, block in disks:
        if _defined_here(block, ctx):
            continue
        customer, at = _any_key(block, ("kms_key_self_link", "disk_encryption_key_raw", "disk_encryption_key_rsa"))
        if customer is False and block.has("source"):
            # An existing disk keeps the key it was created with: attaching a disk encrypted
            # with a Cloud KMS key names no key, so nothing here tells which key it uses.
            customer = Unknown(reason="the disk is created outside this module; its key is set where it is created")
        yield _google_encrypted("block_volume", f"{name} {label}", block.origin, customer, at)


def storage_bucket(bucket: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    encryption = next(iter(bucket.blocks("encryption")), None)
    customer, at = _any_key(encryption, ("default_kms_key_name",)) if encryption is not None else (False, bucket.origin)
    yield _google_encrypted("object_storage", _name(bucket), bucket.origin, customer, at)


def _nested(view: ResourceView, path: Sequence[str]) -> ResourceView | None:
    for block_type in path:
        found = view.blocks(block_type)
        if not found:
            return None
        view = found[0]
    return view


def _keyed(kind: str, *path: str, attr: str = "kms_key_name") -> Mapper:
    """Google-encrypted data whose Cloud KMS key, if any, is `attr` of the nested block at `path`."""

    def mapper(resource: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        block = _nested(resource, path)
        customer, at = _any_key(block, (attr,)) if block is not None else (False, resource.origin)
        yield _google_encrypted(kind, _name(resource), resource.origin, customer, at)

    mapper.__name__ = f"{kind}_key"
    return mapper


def instance_template(template: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Each `disk` of an instance template: its `disk_encryption_key`, Google's key otherwise."""
    for i, disk in enumerate(template.blocks("disk")):
        key = next(iter(disk.blocks("disk_encryption_key")), None)
        customer, at = _any_key(key, ("kms_key_self_link",)) if key is not None else (False, disk.origin)
        yield _google_encrypted("block_volume", f"{_name(template)} disk {i}", disk.origin, customer, at)


# -- GKE --------------------------------------------------------------------------------------------


def _api_sources(cluster: ResourceView) -> Iterator[NetworkRule]:
    """Who may reach a public cluster API: everyone without master authorized networks, else the
    listed CIDR blocks and, with gcp_public_cidrs_access_enabled, every Google Cloud address."""
    name = _name(cluster)
    config = next(iter(cluster.blocks("master_authorized_networks_config")), None)

    def rule(origin: Origin, peers: list[Peer | Unknown] | Unknown) -> NetworkRule:
        return NetworkRule(origin=origin, name=f"{name} API endpoint", direction=Direction.INGRESS, protocol="tcp",
                           ports=PortSet.ports(443), peers=peers)

    if config is None:
        yield rule(cluster.origin, [Peer(kind=PeerKind.NETWORK, value=gcp.GKE_OPEN_API_SOURCE,
                                         label=f"{gcp.GKE_OPEN_API_SOURCE} (no master_authorized_networks_config)")])
        return
    for block in config.blocks("cidr_blocks"):
        value = block.get("cidr_block")
        peers: list[Peer | Unknown] | Unknown = (
            value if isinstance(value, Unknown) else [Peer.address_or_tag(value)] if isinstance(value, str)
            else Unknown(reason="cidr_blocks has no cidr_block"))
        yield rule(block.origin_of("cidr_block"), peers)
    google = as_bool(config.get("gcp_public_cidrs_access_enabled"), False)
    if google is not False:
        yield rule(config.origin_of("gcp_public_cidrs_access_enabled"), google if isinstance(google, Unknown) else [
            Peer(kind=PeerKind.TAG, value=gcp.GKE_GOOGLE_CLOUD_TAG,
                 label="every Google Cloud public address (gcp_public_cidrs_access_enabled)")])


def container_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """The cluster API, unless its endpoint is private; the nodes' boot disk key."""
    private = _nested(cluster, ("private_cluster_config",))
    private_endpoint = as_bool(private.get("enable_private_endpoint"), False) if private is not None else False
    ip_endpoints = _nested(cluster, ("control_plane_endpoints_config", "ip_endpoints_config"))
    ip_enabled = as_bool(ip_endpoints.get("enabled"), True) if ip_endpoints is not None else True
    if private_endpoint is not True and ip_enabled is not False:
        rules = list(_api_sources(cluster))
        doubt = next((v for v in (private_endpoint, ip_enabled) if isinstance(v, Unknown)), None)
        if doubt is not None:
            rules = [r.model_copy(update={"access": doubt}) for r in rules]
        if rules:
            yield Firewall(origin=cluster.origin, name=_name(cluster), rules=rules, control_plane=True)
    yield from _keyed("block_volume", "node_config", attr="boot_disk_kms_key")(cluster, ctx)


# -- IAM --------------------------------------------------------------------------------------------

# Resources whose IAM is managed by `google_<kind>_iam_member`, `_binding` and `_policy`.
_IAM_KINDS = (
    "organization",
    "folder",
    "project",
    "storage_bucket",
    "service_account",
    "kms_crypto_key",
    "kms_key_ring",
    "pubsub_topic",
    "pubsub_subscription",
    "bigquery_dataset",
    "bigquery_table",
    "cloud_run_service",
    "cloud_run_v2_service",
    "cloudfunctions_function",
    "cloudfunctions2_function",
    "secret_manager_secret",
    "artifact_registry_repository",
    "compute_instance",
    "dataproc_cluster",
)


def _grant(view: ResourceView, origin: Origin, scope: Scope, role: str | Unknown,
           members: list[str | Unknown] | Unknown, conditional: bool,
           field_origins: dict[str, Origin]) -> AccessGrant:
    return AccessGrant(origin=origin, field_origins=field_origins, kind=GrantKind.ROLE_ASSIGNMENT, name=view.address,
                       effect=Access.ALLOW, principals=members, role=role, scope=scope,
                       # An IAM condition narrows by time or resource name, never who is let in.
                       conditions=["gcp:condition"] if conditional else [])


def _text(view: ResourceView, attr: str) -> str | Unknown:
    value = view.get(attr)
    if isinstance(value, (str, Unknown)):
        return value
    return Unknown(reason=f"{attr} is not set" if value is None else f"{attr} {value!r} is not a string")


def _bucket_of(view: ResourceView, ctx: MappingContext) -> ResourceView | None:
    ref, value = view.reference("bucket"), view.get("bucket")
    for bucket in ctx.resources("google_storage_bucket"):
        if (ref is not None and resource_base(bucket.address) == ref) or (ref is None and value == _name(bucket)):
            return bucket
    return None


def _public_blocked(view: ResourceView, kind: str, ctx: MappingContext) -> bool:
    """Public Access Prevention on the bucket (when it is in this module): public members grant nothing."""
    bucket = _bucket_of(view, ctx) if kind == "storage_bucket" else None
    return bucket is not None and gcp.public_access_prevented(bucket.get("public_access_prevention"))


def _members(members: list[str | Unknown] | Unknown, blocked: bool) -> list[str | Unknown] | Unknown:
    return gcp.without_public(members) if blocked else members


def _iam_member(scope: Scope, kind: str) -> Mapper:
    def mapper(member: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        yield _grant(member, member.origin, scope, _text(member, "role"),
                     _members([_text(member, "member")], _public_blocked(member, kind, ctx)),
                     bool(member.blocks("condition")),
                     {"role": member.origin_of("role"), "principals": member.origin_of("member")})

    return mapper


def _iam_binding(scope: Scope, kind: str) -> Mapper:
    def mapper(binding: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        yield _grant(binding, binding.origin, scope, _text(binding, "role"),
                     _members(string_list(binding.get("members")), _public_blocked(binding, kind, ctx)),
                     bool(binding.blocks("condition")),
                     {"role": binding.origin_of("role"), "principals": binding.origin_of("members")})

    return mapper


def _policy_document(value: Any) -> dict[str, Any] | Unknown:
    """`policy_data`: a `google_iam_policy` document, `jsonencode(...)`, or a JSON string."""
    if isinstance(value, Unknown):
        return value
    value = getattr(value, "value", value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return Unknown(reason="policy_data is not valid JSON")
    return value if isinstance(value, dict) else Unknown(reason=f"policy_data is not a policy: {value!r}")


def _iam_policy(scope: Scope, kind: str) -> Mapper:
    def mapper(policy: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        blocked = _public_blocked(policy, kind, ctx)
        document = _policy_document(policy.get("policy_data"))
        if isinstance(document, Unknown):
            yield _grant(policy, policy.origin_of("policy_data"), scope, document, document, False, {})
            return
        origins = policy.statement_origins("policy_data") or []
        for i, binding in enumerate(gcp.policy_bindings(document)):
            origin = origins[i] if i < len(origins) else policy.origin_of("policy_data")
            if isinstance(binding, Unknown):
                yield _grant(policy, origin, scope, binding, binding, False, {})
            else:
                yield _grant(policy, origin, scope, binding.role, _members(binding.members, blocked),
                             binding.conditional, {})

    return mapper


# -- Cloud Storage ACLs and BigQuery dataset access ----------------------------------------------------


def _acl_grant(view: ResourceView, at: Origin, what: str, role: Any, entity: Any) -> AccessGrant:
    principal = entity if isinstance(entity, (str, Unknown)) else Unknown(reason="the ACL entry names no entity")
    return AccessGrant(origin=at, field_origins={"principals": at}, kind=GrantKind.ROLE_ASSIGNMENT,
                       name=f"{view.address} {principal}" if isinstance(principal, str) else view.address,
                       effect=Access.ALLOW, principals=[principal],
                       role=f"{what} {role}" if isinstance(role, str) else role if isinstance(role, Unknown)
                       else Unknown(reason="the ACL entry names no role"),
                       scope=gcp.iam_scope("storage_bucket"))


def _acl_applies(view: ResourceView, ctx: MappingContext) -> bool:
    """ACLs are off with uniform bucket-level access."""
    bucket = _bucket_of(view, ctx)
    return bucket is None or as_bool(bucket.get("uniform_bucket_level_access"), False) is not True


def _storage_acl(what: str) -> Mapper:
    """`google_storage_bucket_acl` / `_default_object_acl` / `_object_acl`: a predefined ACL or
    `role_entity` entries such as `READER:allUsers`."""

    def mapper(acl: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        if not _acl_applies(acl, ctx):
            return
        blocked = _public_blocked(acl, "storage_bucket", ctx)
        predefined = acl.get("predefined_acl")
        if isinstance(predefined, str):
            for acl_role, acl_entity in gcp.PREDEFINED_ACL_ENTRIES.get(predefined.strip().lower(), ()):
                if not (blocked and is_public_principal(acl_entity)):
                    yield _acl_grant(acl, acl.origin_of("predefined_acl"), what, acl_role, acl_entity)
        elif isinstance(predefined, Unknown):
            yield _acl_grant(acl, acl.origin_of("predefined_acl"), what, predefined, predefined)
        entries = string_list(acl.get("role_entity"))
        if isinstance(entries, Unknown):
            yield _acl_grant(acl, acl.origin_of("role_entity"), what, entries, entries)
            return
        for entry in entries:
            parsed = gcp.acl_entry(entry) if isinstance(entry, str) else None
            role: Any
            entity: Any
            if parsed is not None:
                role, entity = parsed
            else:
                role = entity = entry if isinstance(entry, Unknown) else Unknown(
                    reason=f"role_entity {entry!r} is not ROLE:entity")
            if not (blocked and isinstance(entity, str) and is_public_principal(entity)):
                yield _acl_grant(acl, acl.origin_of("role_entity"), what, role, entity)

    mapper.__name__ = f"storage_acl_{what.replace(' ', '_')}"
    return mapper


def _access_control(what: str) -> Mapper:
    """One ACL entry: `google_storage_bucket_access_control` and its object and default-object kin."""

    def mapper(entry: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        entity = entry.get("entity")
        if not _acl_applies(entry, ctx) or (isinstance(entity, str) and is_public_principal(entity)
                                             and _public_blocked(entry, "storage_bucket", ctx)):
            return
        yield _acl_grant(entry, entry.origin_of("entity"), what, entry.get("role"), entity)

    mapper.__name__ = f"access_control_{what.replace(' ', '_')}"
    return mapper


def _dataset_access_grant(view: ResourceView, entry: ResourceView, dataset: str) -> AccessGrant | None:
    """One `access` entry; None for authorized views, datasets and routines (no principal)."""
    attr = next((a for a in gcp.BIGQUERY_ACCESS_GRANTEES if entry.has(a)), None)
    if attr is None:
        return None
    grantee = entry.get(attr)
    principal = grantee if isinstance(grantee, (str, Unknown)) else Unknown(reason=f"{attr} is not a string")
    return AccessGrant(origin=entry.origin_of(attr), field_origins={"role": entry.origin_of("role")},
                       kind=GrantKind.ROLE_ASSIGNMENT, name=f"dataset {dataset} access", effect=Access.ALLOW,
                       principals=[principal], role=_text(entry, "role"), scope=gcp.iam_scope("bigquery_dataset"))


def bigquery_dataset(dataset: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Its default Cloud KMS key, and the grants of its `access` entries."""
    yield from _keyed("dataset", "default_encryption_configuration")(dataset, ctx)
    name = dataset.get("dataset_id")
    for entry in dataset.blocks("access"):
        grant = _dataset_access_grant(dataset, entry, name if isinstance(name, str) else dataset.address)
        if grant is not None:
            yield grant


def bigquery_dataset_access(access: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = access.get("dataset_id")
    grant = _dataset_access_grant(access, access, name if isinstance(name, str) else access.address)
    if grant is not None:
        yield grant


def _iam_mappers() -> dict[str, Mapper]:
    mappers: dict[str, Mapper] = {}
    for kind in _IAM_KINDS:
        scope = gcp.iam_scope(kind)
        mappers[f"google_{kind}_iam_member"] = _iam_member(scope, kind)
        mappers[f"google_{kind}_iam_binding"] = _iam_binding(scope, kind)
        mappers[f"google_{kind}_iam_policy"] = _iam_policy(scope, kind)
    return mappers


MAPPERS: dict[str, Mapper] = {
    # Network: VPC firewalls; Cloud SQL authorized networks and GKE cluster APIs (with their keys).
    "google_compute_firewall": compute_firewall,
    "google_sql_database_instance": sql_database_instance,
    "google_container_cluster": container_cluster,
    # TLS: SSL policies, target proxies, Memorystore.
    "google_compute_ssl_policy": ssl_policy,
    "google_compute_region_ssl_policy": ssl_policy,
    "google_compute_region_target_https_proxy": _target_proxy("https_proxy"),
    "google_compute_target_https_proxy": _target_proxy("https_proxy"),
    "google_compute_target_ssl_proxy": _target_proxy("ssl_proxy"),
    "google_compute_target_http_proxy": target_http_proxy,
    "google_compute_region_target_http_proxy": target_http_proxy,
    "google_redis_instance": redis_instance,
    # Encryption at rest: Google's AES-256 keys unless a Cloud KMS or customer-supplied key is named.
    "google_compute_disk": compute_disk,
    "google_compute_region_disk": compute_disk,
    "google_compute_instance": compute_instance,
    "google_compute_instance_template": instance_template,
    "google_compute_region_instance_template": instance_template,
    "google_compute_snapshot": _keyed("snapshot", "snapshot_encryption_key", attr="kms_key_self_link"),
    "google_compute_image": _keyed("image", "image_encryption_key", attr="kms_key_self_link"),
    "google_container_node_pool": _keyed("block_volume", "node_config", attr="boot_disk_kms_key"),
    "google_storage_bucket": storage_bucket,
    "google_bigquery_table": _keyed("table", "encryption_configuration"),
    "google_dataproc_cluster": _keyed("cluster_disks", "cluster_config", "encryption_config"),
    "google_pubsub_topic": _keyed("topic"),
    "google_artifact_registry_repository": _keyed("repository"),
    "google_spanner_database": _keyed("database", "encryption_config"),
    "google_dataflow_job": _keyed("job_data"),
    "google_filestore_instance": _keyed("file_system"),
    "google_bigtable_instance": _keyed("table", "cluster"),
    "google_vertex_ai_dataset": _keyed("dataset", "encryption_spec"),
    "google_vertex_ai_metadata_store": _keyed("metadata_store", "encryption_spec"),
    # IAM and public access: Cloud Storage ACLs, BigQuery dataset access, IAM members, bindings, policies.
    "google_bigquery_dataset": bigquery_dataset,
    "google_bigquery_dataset_access": bigquery_dataset_access,
    "google_storage_bucket_acl": _storage_acl("bucket"),
    "google_storage_default_object_acl": _storage_acl("new objects"),
    "google_storage_object_acl": _storage_acl("object"),
    "google_storage_bucket_access_control": _access_control("bucket"),
    "google_storage_default_object_access_control": _access_control("new objects"),
    "google_storage_object_access_control": _access_control("object"),
    **_iam_mappers(),
}

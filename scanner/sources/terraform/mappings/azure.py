"""Azure resources: network security groups, service firewalls and database firewall rules (IP ranges),
AKS cluster APIs; TLS on storage, App Service, gateways, databases, caches, messaging, Front Door, CDN
and API Management; encryption of disks, hosts, databases and data lakes; role definitions and
assignments, public blob containers and registries. `MAPPERS`, at the end, lists them by family."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

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
    normalize_protocol,
)
from scanner.providers import azure
from scanner.providers.ports import port_spec
from scanner.sources.terraform.view import MappingContext, ResourceView, as_bool, as_int, resource_base, string_list

E = TypeVar("E")


def _name(view: ResourceView) -> str:
    name = view.get("name")
    return name if isinstance(name, str) else view.address


def _enum(value: Any, parse: Callable[[str], E | None], what: str) -> E | Unknown:
    if isinstance(value, Unknown):
        return value
    parsed = parse(value) if isinstance(value, str) else None
    return parsed if parsed is not None else Unknown(reason=f"{what} {value!r} is not recognised")


def _protocol(value: Any) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    return normalize_protocol(str(value)) if value is not None else Unknown(reason="protocol is not set")


def _first_set(view: ResourceView, *attrs: str) -> str:
    """The attribute that is set, among names that changed between azurerm versions."""
    return next((a for a in attrs if view.has(a)), attrs[0])


def _negate(value: bool | Unknown) -> bool | Unknown:
    return value if isinstance(value, Unknown) else not value


def _tls_version(view: ResourceView, attr: str, default: TlsVersion | Unknown,
                 parse: Callable[[str], TlsVersion | None] = azure.min_tls_version) -> TlsVersion | Unknown:
    value = view.get(attr)
    if value is None:
        return default
    if isinstance(value, Unknown):
        return value
    # `minimum_tls_version = 1.2` unquoted is common and accepted by Terraform.
    parsed = parse(str(value)) if isinstance(value, (str, int, float)) else None
    return parsed if parsed is not None else Unknown(reason=f"{attr} {value!r} is not a TLS version")


def _is_set(view: ResourceView, attr: str) -> bool | Unknown:
    """Whether an ID attribute names something: a resource's computed `id` is unknown but set."""
    value = view.get(attr)
    if isinstance(value, Unknown):
        return True if view.reference(attr) is not None else value
    return bool(value)


# -- network security groups ------------------------------------------------------------------------


def _peers(rule: ResourceView, direction: Direction | Unknown) -> list[Peer | Unknown] | Unknown:
    """The remote side: the source of inbound rules, the destination of outbound ones."""
    if isinstance(direction, Unknown):
        return direction
    side = "source" if direction is Direction.INGRESS else "destination"
    peers: list[Peer | Unknown] = []
    for attr in (f"{side}_address_prefix", f"{side}_address_prefixes"):
        values = string_list(rule.get(attr))
        if isinstance(values, Unknown):
            return values
        peers.extend(v if isinstance(v, Unknown) else Peer.address_or_tag(v) for v in values if v != "")
    attr = f"{side}_application_security_group_ids"
    groups = string_list(rule.get(attr))
    # Application security groups are never address ranges, so even unresolved IDs are group peers.
    fallback = rule.reference(attr) or f"({attr})"
    if isinstance(groups, Unknown):
        peers.append(Peer.group(fallback))
    else:
        peers.extend(Peer.group(g if isinstance(g, str) else fallback) for g in groups)
    if not peers:
        return Unknown(reason=f"the rule sets no {side} address prefix or application security group")
    return peers


def _ports(rule: ResourceView) -> PortSet | Unknown:
    values = [v for v in (rule.get("destination_port_range"), rule.get("destination_port_ranges"))
              if v not in (None, "", [])]
    if not values:
        return Unknown(reason="neither destination_port_range nor destination_port_ranges is set")
    spans: list[PortSet] = []
    for value in values:
        ports = port_spec(value)
        if isinstance(ports, Unknown):
            return ports
        spans.append(ports)
    return PortSet.of(*((r.start, r.end) for p in spans for r in p.ranges))


def _priority(value: Any) -> int | Unknown:
    """Required: without it the order of the rules, which decides the outcome, is unknown."""
    priority = as_int(value)
    return priority if priority is not None else Unknown(reason="priority is not set")


def _security_rule(rule: ResourceView) -> NetworkRule:
    """An inline `security_rule` block or an `azurerm_network_security_rule`."""
    direction = _enum(rule.get("direction"), azure.nsg_direction, "direction")
    name = rule.get("name")
    return NetworkRule(
        origin=rule.origin,
        name=name if isinstance(name, str) else None,
        direction=direction,
        access=_enum(rule.get("access"), azure.nsg_access, "access"),
        protocol=_protocol(rule.get("protocol")),
        ports=_ports(rule),
        peers=_peers(rule, direction),
        priority=_priority(rule.get("priority")),
    )


def _default_rules(nsg: ResourceView) -> list[NetworkRule]:
    """Azure's own rules, as a live audit sees them: the same rule ids fire on code and on the cloud."""
    rules = []
    for name, direction, access, source, destination, priority in azure.NSG_DEFAULT_RULES:
        inbound = direction == "Inbound"
        rules.append(NetworkRule(
            origin=nsg.origin.at(None, f"default[{name}]"),
            name=f"{name} (Azure default rule)",
            direction=Direction.INGRESS if inbound else Direction.EGRESS,
            access=Access.ALLOW if access == "Allow" else Access.DENY,
            protocol="all",
            ports=PortSet.all(),
            peers=[Peer.address_or_tag(source if inbound else destination)],
            priority=priority,
        ))
    return rules


def network_security_group(nsg: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    rules = [_security_rule(b) for b in nsg.blocks("security_rule")]
    rules += [_security_rule(r) for r in ctx.referring("azurerm_network_security_rule", "network_security_group_name",
                                                       nsg)]
    rules += _default_rules(nsg)
    yield Firewall(origin=nsg.origin, name=_name(nsg), ordering="priority", rules=rules)


def network_security_rule(rule: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """A rule whose group is not in this module is a group of its own."""
    for nsg in ctx.resources("azurerm_network_security_group"):
        attached = ctx.referring("azurerm_network_security_rule", "network_security_group_name", nsg)
        if any(r.address == rule.address for r in attached):
            return
    yield Firewall(origin=rule.origin, name=rule.address, ordering="priority", rules=[_security_rule(rule)])


# -- database and cache firewall rules --------------------------------------------------------------


def _parent(view: ResourceView, ctx: MappingContext, attr: str, parent_types: Sequence[str]) -> ResourceView | None:
    """The resource `attr` names, by reference or by name or ID, when it is in this module."""
    ref, value = view.reference(attr), view.get(attr)
    for parent_type in parent_types:
        for parent in ctx.resources(parent_type):
            if ref is not None:
                if resource_base(parent.address) == ref:
                    return parent
            elif isinstance(value, str) and value in (parent.get("name"), parent.get("id")):
                return parent
    return None


def _public_access(resource: ResourceView | None) -> bool | Unknown:
    """`public_network_access_enabled`, on (Azure's default) when unset or not in this module."""
    if resource is None:
        return True
    return as_bool(resource.get("public_network_access_enabled"), True)


def _range_peer(rule: ResourceView, start_attr: str, end_attr: str) -> list[Peer | Unknown] | Unknown:
    start, end = rule.get(start_attr), rule.get(end_attr)
    for value in (start, end):
        if isinstance(value, Unknown):
            return value
    if not (isinstance(start, str) and isinstance(end, str)):
        return Unknown(reason=f"{start_attr} and {end_attr} must both be set")
    peer = azure.firewall_range_peer(start, end)
    return [peer] if peer is not None else Unknown(reason=f"{start}-{end} is not an address range")


def _firewall_rule(service: str, parent_attr: str, *parent_types: str, start_attr: str = "start_ip_address",
                   end_attr: str = "end_ip_address") -> Callable[[ResourceView, MappingContext], Iterator[Asset]]:
    """A server-level firewall rule: the addresses `start_attr`-`end_attr` may reach the service's ports.
    Rules of a server whose public network access is off admit no one."""

    def mapper(rule: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        server = _parent(rule, ctx, parent_attr, parent_types)
        public = _public_access(server)
        if public is False:
            return
        yield Firewall(origin=rule.origin, name=_name(rule), rules=[NetworkRule(
            origin=rule.origin_of(start_attr),
            field_origins={"access": server.origin_of("public_network_access_enabled")} if server else {},
            name=_name(rule),
            direction=Direction.INGRESS,
            access=Access.ALLOW if public is True else public,
            protocol="tcp",
            ports=azure.SERVICE_PORTS[service],
            peers=_range_peer(rule, start_attr, end_attr),
        )])

    mapper.__name__ = f"{service}_firewall_rule"
    return mapper


# -- service firewalls: storage accounts, Key Vault --------------------------------------------------


def _ip_blocks(acl: ResourceView) -> list[str | Unknown] | Unknown:
    """Container Registry `ip_rule { action, ip_range }` blocks: the ranges they allow."""
    return [b.get("ip_range") if isinstance(b.get("ip_range"), (str, Unknown)) else Unknown(
        reason="an ip_rule has no ip_range") for b in acl.blocks("ip_rule")
        if str(b.get("action", "Allow")).lower() == "allow"]


def _default_action_peers(acl: ResourceView | None) -> list[Peer | Unknown] | Unknown:
    """Who a `network_rules` / `network_acls` block admits: everyone when the default action is Allow
    (or there is no block), else the addresses of `ip_rules`."""
    if acl is None:
        return [azure.default_allow_peer("no network rules: default_action Allow")]
    action = acl.get("default_action", azure.NETWORK_DEFAULT_ACTION_DEFAULT)
    if isinstance(action, Unknown):
        return action
    allows = azure.network_default_allows(action) if isinstance(action, str) else None
    if allows is None:
        return Unknown(reason=f"default_action {action!r} is not Allow or Deny")
    if allows:
        return [azure.default_allow_peer(f"default_action {action}")]
    ips = _ip_blocks(acl) if acl.blocks("ip_rule") else string_list(acl.get("ip_rules"))
    if isinstance(ips, Unknown):
        return ips
    return [ip if isinstance(ip, Unknown) else Peer.address_or_tag(ip) for ip in ips]


def _service_firewall(resource: ResourceView, acl: ResourceView | None, ports: PortSet,
                      public: bool | Unknown) -> Iterator[Firewall]:
    """The firewall of a service endpoint: nothing when public network access is off."""
    if public is False:
        return
    peers = _default_action_peers(acl)
    if isinstance(peers, list) and not peers:
        return  # Deny with no IP rules: only virtual networks and trusted services get in
    at = acl.origin_of("default_action") if acl is not None else resource.origin
    yield Firewall(origin=resource.origin, name=_name(resource), rules=[NetworkRule(
        origin=at, field_origins={"access": resource.origin_of("public_network_access_enabled")},
        direction=Direction.INGRESS, access=Access.ALLOW if public is True else public,
        protocol="tcp", ports=ports, peers=peers)])


def storage_account_network_rules(rules: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """`azurerm_storage_account_network_rules`: replaces the account's inline `network_rules`."""
    account = _parent(rules, ctx, "storage_account_id", ("azurerm_storage_account",))
    yield from _service_firewall(rules, rules, azure.STORAGE_PORTS, _public_access(account))


def _acl_firewall(block: str) -> Callable[[ResourceView, MappingContext], Iterator[Asset]]:
    """A service whose `block` (`network_acls`, `network_rule_set`) holds its default action."""

    def mapper(resource: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        yield from _service_firewall(resource, next(iter(resource.blocks(block)), None), azure.HTTPS_PORTS,
                                     _public_access(resource))

    mapper.__name__ = f"{block}_firewall"
    return mapper


key_vault = _acl_firewall("network_acls")


def container_registry(registry: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Its firewall (`network_rule_set`), anonymous pull, and the key of its `encryption` block."""
    yield from _acl_firewall("network_rule_set")(registry, ctx)
    anonymous = as_bool(registry.get("anonymous_pull_enabled"), False)
    if anonymous is not False:
        yield AccessGrant(origin=registry.origin, field_origins={"principals": registry.origin_of(
            "anonymous_pull_enabled")}, kind=GrantKind.RESOURCE_POLICY, name=_name(registry), effect=Access.ALLOW,
            principals=anonymous if isinstance(anonymous, Unknown) else ["*"],
            actions=list(azure.REGISTRY_ANONYMOUS_PULL_ACTIONS), resources=[registry.address])
    encryption = next(iter(registry.blocks("encryption")), None)
    customer = _is_set(encryption, "key_vault_key_id") if encryption is not None else False
    yield _sse_store("container_registry", registry, "encryption", customer,
                     encryption.origin_of("key_vault_key_id") if encryption is not None else None)


def search_service(search: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Public network access admits `allowed_ips`, or every network when none are listed."""
    public = _public_access(search)
    ips = string_list(search.get("allowed_ips"))
    if public is False:
        return
    peers: list[Peer | Unknown] | Unknown = ips if isinstance(ips, Unknown) else [
        ip if isinstance(ip, Unknown) else Peer.address_or_tag(ip) for ip in ips] or [
        azure.default_allow_peer("no allowed_ips")]
    yield Firewall(origin=search.origin, name=_name(search), rules=[NetworkRule(
        origin=search.origin_of("allowed_ips"), direction=Direction.INGRESS,
        access=Access.ALLOW if public is True else public, protocol="tcp", ports=azure.HTTPS_PORTS, peers=peers)])


def container_group(group: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """A container group with a public IP: its exposed ports (the containers' ports by default)
    are reachable from the internet."""
    address_type = group.get("ip_address_type", azure.CONTAINER_GROUP_IP_DEFAULT)
    if isinstance(address_type, str) and address_type.strip().lower() != "public":
        return
    port_blocks = list(group.blocks("exposed_port")) or [
        p for c in group.blocks("container") for p in c.blocks("ports")]
    rules = []
    for block in port_blocks:
        port = as_int(block.get("port"))
        ports: PortSet | Unknown = (port if isinstance(port, Unknown) else PortSet.ports(port) if port is not None
                                    else Unknown(reason="the port is not a number"))
        rules.append(NetworkRule(
            origin=block.origin, direction=Direction.INGRESS,
            access=address_type if isinstance(address_type, Unknown) else Access.ALLOW,
            protocol=_protocol(block.get("protocol", azure.CONTAINER_GROUP_PORT_PROTOCOL_DEFAULT)), ports=ports,
            peers=[Peer.address_or_tag("Internet")]))
    if rules:
        yield Firewall(origin=group.origin, name=_name(group), rules=rules)


# -- storage accounts -----------------------------------------------------------------------------


def storage_account(sa: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    if not ctx.referring("azurerm_storage_account_network_rules", "storage_account_id", sa):
        yield from _service_firewall(sa, next(iter(sa.blocks("network_rules")), None), azure.STORAGE_PORTS,
                                     _public_access(sa))
    https_attr = _first_set(sa, "https_traffic_only_enabled", "enable_https_traffic_only")
    yield TlsEndpoint(
        origin=sa.origin,
        field_origins={"min_version": sa.origin_of("min_tls_version"), "plaintext_allowed": sa.origin_of(https_attr)},
        kind="storage_account",
        name=_name(sa),
        min_version=_tls_version(sa, "min_tls_version", azure.STORAGE_MIN_TLS_DEFAULT),
        plaintext_allowed=_negate(as_bool(sa.get(https_attr), azure.STORAGE_HTTPS_ONLY_DEFAULT)),
    )
    # A customer-managed key is configured inline or by a separate resource.
    key_origin = sa.origin
    key_management: KeyManagement | Unknown = KeyManagement.PROVIDER
    inline = sa.blocks("customer_managed_key")
    separate = ctx.referring("azurerm_storage_account_customer_managed_key", "storage_account_id", sa)
    if inline or separate:
        key_management, key_origin = KeyManagement.CUSTOMER, (inline or separate)[0].origin
    yield DataStore(
        origin=sa.origin,
        field_origins={"key_management": key_origin},
        kind="object_storage",
        name=_name(sa),
        encrypted=True,
        algorithm=azure.SSE_ALGORITHM,
        key_bits=azure.SSE_KEY_BITS,
        key_management=key_management,
        by_default=key_management is KeyManagement.PROVIDER,
    )


def _account_allows_public_containers(account: ResourceView | None) -> bool | Unknown:
    """`allow_nested_items_to_be_public` (azurerm 2.x: `allow_blob_public_access`); an account
    outside this module has the provider's default."""
    if account is None:
        return azure.NESTED_ITEMS_PUBLIC_DEFAULT
    if account.has("allow_blob_public_access") and not account.has("allow_nested_items_to_be_public"):
        return as_bool(account.get("allow_blob_public_access"), azure.LEGACY_BLOB_PUBLIC_ACCESS_DEFAULT)
    return as_bool(account.get("allow_nested_items_to_be_public"), azure.NESTED_ITEMS_PUBLIC_DEFAULT)


def storage_container(container: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """A container open to anonymous reads, judged with its account: where the account does not
    allow public containers, the container's access level grants nothing."""
    level = container.get("container_access_type", azure.CONTAINER_ACCESS_DEFAULT)
    if isinstance(level, str) and level.strip().lower() not in azure.CONTAINER_PUBLIC_ACTIONS:
        return
    attr = _first_set(container, "storage_account_id", "storage_account_name")
    allowed = _account_allows_public_containers(_parent(container, ctx, attr, ("azurerm_storage_account",)))
    if allowed is False:
        return
    doubt = level if isinstance(level, Unknown) else allowed if isinstance(allowed, Unknown) else None
    at = container.origin_of("container_access_type")
    actions = list(azure.CONTAINER_PUBLIC_ACTIONS.get(str(level).strip().lower(), ()))
    yield AccessGrant(origin=container.origin, field_origins={"principals": at}, kind=GrantKind.RESOURCE_POLICY,
                      name=_name(container), effect=Access.ALLOW, principals=doubt if doubt is not None else ["*"],
                      actions=doubt if doubt is not None else list[str | Unknown](actions),
                      resources=[container.address])


# -- App Service ------------------------------------------------------------------------------------


def _ftps_plaintext(site: ResourceView, default: str | Unknown) -> bool | Unknown:
    value = site.get("ftps_state", default)
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, str):
        return Unknown(reason=f"ftps_state {value!r} is not recognised")
    return value.strip().lower() == azure.FTPS_ALL_ALLOWED


def _web_app(kind: str, tls_attr: str, ftps_default: str | Unknown = azure.APP_SERVICE_FTPS_STATE_DEFAULT
             ) -> Callable[[ResourceView, MappingContext], Iterator[Asset]]:
    """`site_config.<tls_attr>` (default 1.2) and `https_only` (default false: plain HTTP served);
    `site_config.ftps_state` for the deployment FTP endpoint."""

    def mapper(app: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        site = next(iter(app.blocks("site_config")), app)
        yield TlsEndpoint(
            origin=app.origin,
            field_origins={"min_version": site.origin_of(tls_attr), "plaintext_allowed": app.origin_of("https_only")},
            kind=kind,
            name=_name(app),
            min_version=_tls_version(site, tls_attr, azure.APP_SERVICE_MIN_TLS_DEFAULT),
            plaintext_allowed=_negate(as_bool(app.get("https_only"), azure.APP_SERVICE_HTTPS_ONLY_DEFAULT)),
        )
        # FTPS negotiates what the app does; only whether plain FTP is served is this setting's.
        yield TlsEndpoint(origin=app.origin, field_origins={"plaintext_allowed": site.origin_of("ftps_state")},
                          kind="ftp_endpoint", name=_name(app), min_version=None,
                          plaintext_allowed=_ftps_plaintext(site, ftps_default))

    mapper.__name__ = f"{kind}_{tls_attr}"
    return mapper


# -- Application Gateway ----------------------------------------------------------------------------


def _ssl_policy(policy: ResourceView | None, holder: ResourceView) -> tuple[TlsVersion | Unknown, Any, Origin]:
    """An `ssl_policy` block: the minimum version, the policy name, and where that is decided."""
    if policy is None:
        return Unknown(reason=azure.APP_GATEWAY_DEFAULT_POLICY_UNKNOWN), None, holder.origin
    policy_type, policy_name = policy.get("policy_type"), policy.get("policy_name")
    if isinstance(policy_type, Unknown):
        return policy_type, None, policy.origin_of("policy_type")
    kind = policy_type.lower() if isinstance(policy_type, str) else None
    if kind == "predefined" or (kind is None and policy.has("policy_name")):
        version = _enum(policy_name, azure.app_gateway_predefined_policy, "predefined SSL policy")
        return version, policy_name, policy.origin_of("policy_name")
    if kind in ("custom", "customv2"):
        missing = Unknown(reason=f"policy_type {policy_type} without min_protocol_version; set it explicitly")
        version = _tls_version(policy, "min_protocol_version", missing)
        return version, policy_type, policy.origin_of("min_protocol_version")
    if kind is not None:
        return Unknown(reason=f"policy_type {policy_type!r} is not recognised"), None, policy.origin_of("policy_type")
    # No type and no name: the default policy minus `disabled_protocols`.
    disabled = string_list(policy.get("disabled_protocols"))
    if isinstance(disabled, Unknown):
        return disabled, None, policy.origin_of("disabled_protocols")
    remaining = azure.app_gateway_min_after_disabling(d for d in disabled if isinstance(d, str))
    if remaining is None:
        return Unknown(reason=azure.APP_GATEWAY_DEFAULT_POLICY_UNKNOWN), None, policy.origin
    return remaining, None, policy.origin_of("disabled_protocols")


def _by_name(blocks: Sequence[ResourceView]) -> dict[str, ResourceView]:
    """Gateway sub-blocks refer to each other by `name`."""
    named = ((b.get("name"), b) for b in blocks)
    return {name: b for name, b in named if isinstance(name, str)}


def _redirects_to_https(gateway: ResourceView, listener: str) -> bool:
    """Whether every routing rule on `listener` redirects to an HTTPS listener or URL."""
    listeners = _by_name(gateway.blocks("http_listener"))
    redirects = _by_name(gateway.blocks("redirect_configuration"))
    rules = [r for r in gateway.blocks("request_routing_rule") if r.get("http_listener_name") == listener]
    for rule in rules:
        redirect_name = rule.get("redirect_configuration_name")
        redirect = redirects.get(redirect_name) if isinstance(redirect_name, str) else None
        if redirect is None:
            return False
        target, url = redirect.get("target_listener_name"), redirect.get("target_url")
        target_listener = listeners.get(target) if isinstance(target, str) else None
        to_https_listener = target_listener is not None and str(target_listener.get("protocol")).lower() == "https"
        to_https_url = isinstance(url, str) and url.lower().startswith("https://")
        if not (to_https_listener or to_https_url):
            return False
    return bool(rules)


def application_gateway(gateway: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """One endpoint per listener serving plain HTTP, and one per TLS policy that HTTPS listeners
    use: the gateway's `ssl_policy`, or an `ssl_profile`'s own."""
    name = _name(gateway)
    profiles = _by_name([p for p in gateway.blocks("ssl_profile") if p.blocks("ssl_policy")])
    policies: dict[str, ResourceView] = {}  # endpoint name -> the gateway or the ssl_profile holding the policy
    for listener in gateway.blocks("http_listener"):
        listener_name, protocol = listener.get("name"), _protocol(listener.get("protocol"))
        profile_name = listener.get("ssl_profile_name")
        label = f"{name}/{listener_name}" if isinstance(listener_name, str) else name
        if isinstance(protocol, Unknown):
            yield TlsEndpoint(origin=listener.origin, kind="application_gateway_listener", name=label,
                              min_version=protocol, plaintext_allowed=protocol)
        elif protocol == "http":
            if not (isinstance(listener_name, str) and _redirects_to_https(gateway, listener_name)):
                yield TlsEndpoint(origin=listener.origin, kind="application_gateway_listener", name=label,
                                  min_version=None, plaintext_allowed=True)
        elif isinstance(profile_name, Unknown):  # which policy applies is not known
            yield TlsEndpoint(origin=listener.origin, kind="application_gateway_listener", name=label,
                              min_version=profile_name, plaintext_allowed=False)
        elif isinstance(profile_name, str) and profile_name in profiles:
            policies[f"{name}/{profile_name}"] = profiles[profile_name]
        else:
            policies[name] = gateway
    for label, holder in policies.items():
        version, policy_name, decided_at = _ssl_policy(next(iter(holder.blocks("ssl_policy")), None), holder)
        yield TlsEndpoint(origin=holder.origin, field_origins={"min_version": decided_at},
                          kind="application_gateway", name=label, min_version=version, plaintext_allowed=False,
                          policy_name=policy_name if isinstance(policy_name, (str, Unknown)) else None)


# -- databases and caches -------------------------------------------------------------------------


def single_server(db: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """`azurerm_postgresql_server` / `azurerm_mysql_server`: SSL enforcement and its minimum version."""
    if db.has("ssl_enforcement_enabled"):
        enforced: bool | Unknown = as_bool(db.get("ssl_enforcement_enabled"), True)
        enforced_at = db.origin_of("ssl_enforcement_enabled")
    elif db.has("ssl_enforcement"):  # azurerm 2.x: "Enabled" / "Disabled"
        value = db.get("ssl_enforcement")
        enforced = value if isinstance(value, Unknown) else str(value).lower() == "enabled"
        enforced_at = db.origin_of("ssl_enforcement")
    else:
        enforced = Unknown(reason="ssl_enforcement_enabled is not set (azurerm requires it)")
        enforced_at = db.origin
    yield TlsEndpoint(
        origin=db.origin,
        field_origins={"plaintext_allowed": enforced_at,
                       "min_version": db.origin_of("ssl_minimal_tls_version_enforced")},
        kind="database",
        name=_name(db),
        min_version=_tls_version(db, "ssl_minimal_tls_version_enforced", azure.SINGLE_SERVER_MIN_TLS_DEFAULT),
        plaintext_allowed=_negate(enforced),
    )
    # Storage is always AES-256 encrypted; a customer key is a separate azurerm_<engine>_server_key.
    keys = ctx.referring(f"{db.type}_key", "server_id", db)
    yield DataStore(
        origin=db.origin,
        field_origins={"key_management": keys[0].origin if keys else db.origin},
        kind="database",
        name=_name(db),
        encrypted=True,
        algorithm=azure.SSE_ALGORITHM,
        key_bits=azure.SSE_KEY_BITS,
        key_management=KeyManagement.CUSTOMER if keys else KeyManagement.PROVIDER,
        by_default=True,
    )


def mssql_server(db: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    yield TlsEndpoint(
        origin=db.origin,
        field_origins={"min_version": db.origin_of("minimum_tls_version")},
        kind="database",
        name=_name(db),
        min_version=_tls_version(db, "minimum_tls_version", azure.MSSQL_MIN_TLS_DEFAULT),
        plaintext_allowed=False,  # Azure SQL encrypts every connection, whatever the client asks
    )


def redis_cache(cache: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    port_attr = _first_set(cache, "non_ssl_port_enabled", "enable_non_ssl_port")
    yield TlsEndpoint(
        origin=cache.origin,
        field_origins={"min_version": cache.origin_of("minimum_tls_version"),
                       "plaintext_allowed": cache.origin_of(port_attr)},
        kind="cache",
        name=_name(cache),
        min_version=_tls_version(cache, "minimum_tls_version", Unknown(reason=azure.REDIS_MIN_TLS_DEFAULT_UNKNOWN)),
        plaintext_allowed=as_bool(cache.get(port_attr), azure.REDIS_NON_SSL_PORT_DEFAULT),
    )
    # Firewall rules, when any, are firewalls of their own; without them every address gets in.
    public = as_bool(cache.get("public_network_access_enabled"), azure.REDIS_PUBLIC_ACCESS_DEFAULT)
    if public is False or cache.has("subnet_id") or ctx.referring("azurerm_redis_firewall_rule", "redis_cache_name",
                                                                  cache):
        return
    yield Firewall(origin=cache.origin, name=_name(cache), rules=[NetworkRule(
        origin=cache.origin_of("public_network_access_enabled"), direction=Direction.INGRESS,
        access=Access.ALLOW if public is True else public, protocol="tcp", ports=azure.SERVICE_PORTS["redis"],
        peers=[azure.default_allow_peer("public network access and no firewall rules")])])


def _min_tls_only(kind: str, attr: str, default: TlsVersion,
                  parse: Callable[[str], TlsVersion | None] = azure.min_tls_version
                  ) -> Callable[[ResourceView, MappingContext], Iterator[Asset]]:
    """A service that refuses unencrypted connections and whose `attr` sets the minimum TLS version."""

    def mapper(resource: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        yield TlsEndpoint(origin=resource.origin, field_origins={"min_version": resource.origin_of(attr)},
                          kind=kind, name=_name(resource), min_version=_tls_version(resource, attr, default, parse),
                          plaintext_allowed=False)

    mapper.__name__ = f"{kind}_tls"
    return mapper


def _cosmosdb_firewall(account: ResourceView) -> Iterator[Firewall]:
    """Public network access with neither an IP range filter nor the virtual network filter admits
    every network; with a filter, its addresses (`0.0.0.0`: every Azure datacenter)."""
    public = as_bool(account.get("public_network_access_enabled"), True)
    vnet_only = as_bool(account.get("is_virtual_network_filter_enabled"), False)
    value = account.get("ip_range_filter")
    # azurerm 3.x: one comma-separated string; 4.x: a set of strings.
    ranges = string_list(value.split(",") if isinstance(value, str) else value)
    if public is False:
        return
    peers: list[Peer | Unknown] | Unknown
    if isinstance(ranges, Unknown):
        peers = ranges
    elif ranges:
        peers = [r if isinstance(r, Unknown) else Peer(kind=PeerKind.TAG, value="AzureCloud", label=(
            f"0.0.0.0 ({azure.ALL_AZURE_SERVICES_LABEL})")) if r.strip() == azure.COSMOSDB_AZURE_DATACENTERS
            else Peer.address_or_tag(r) for r in ranges if isinstance(r, Unknown) or r.strip()]
    elif vnet_only is True:
        return
    else:
        peers = vnet_only if isinstance(vnet_only, Unknown) else [
            azure.default_allow_peer("no ip_range_filter and no virtual network filter")]
    at = account.origin_of("ip_range_filter") if account.has("ip_range_filter") else account.origin
    yield Firewall(origin=account.origin, name=_name(account), rules=[NetworkRule(
        origin=at, direction=Direction.INGRESS, access=Access.ALLOW if public is True else public, protocol="tcp",
        ports=azure.COSMOSDB_PORTS, peers=peers)])


def cosmosdb_account(account: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    yield from _cosmosdb_firewall(account)
    yield from _min_tls_only("database", "minimal_tls_version", azure.COSMOSDB_MIN_TLS_DEFAULT,
                             azure.cosmos_min_tls)(account, ctx)
    yield _sse_store("database", account, "key_vault_key_id", _is_set(account, "key_vault_key_id"))


# PostgreSQL and MySQL flexible servers: how each engine's configuration resource names its server.
_FLEXIBLE_CONFIG_PARENT = {"postgresql": "server_id", "mysql": "server_name"}


def _flexible_parameters(server: ResourceView, engine: str, ctx: MappingContext) -> dict[str, ResourceView]:
    config_type = f"azurerm_{engine}_flexible_server_configuration"
    named = ((c.get("name"), c) for c in ctx.referring(config_type, _FLEXIBLE_CONFIG_PARENT[engine], server))
    return {name.lower(): c for name, c in named if isinstance(name, str)}


def _secure_transport(config: ResourceView | None) -> bool | Unknown:
    """Whether unencrypted connections are accepted, from a `require_secure_transport` parameter."""
    if config is None:
        return not azure.FLEXIBLE_REQUIRE_SECURE_TRANSPORT_DEFAULT
    value = config.get("value")
    if isinstance(value, Unknown):
        return value
    required = azure.server_parameter_on(value) if isinstance(value, str) else None
    return (not required) if required is not None else Unknown(reason=f"require_secure_transport {value!r} "
                                                                      "is not ON or OFF")


def _parameter_tls(config: ResourceView | None) -> TlsVersion | Unknown:
    if config is None:
        return azure.FLEXIBLE_MIN_TLS_DEFAULT
    value = config.get("value")
    if isinstance(value, Unknown):
        return value
    version = azure.flexible_server_min_tls(value) if isinstance(value, str) else None
    return version if version is not None else Unknown(reason=f"{config.get('name')} {value!r} is not a TLS version")


def _flexible_server(engine: str) -> Callable[[ResourceView, MappingContext], Iterator[Asset]]:
    """Its `require_secure_transport` and TLS parameters, and a customer-managed key if one is given."""

    def mapper(server: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        parameters = _flexible_parameters(server, engine, ctx)
        transport = parameters.get(azure.FLEXIBLE_REQUIRE_SECURE_TRANSPORT)
        tls = parameters.get(azure.FLEXIBLE_TLS_PARAMETER[engine])
        yield TlsEndpoint(
            origin=server.origin,
            field_origins={"plaintext_allowed": transport.origin_of("value") if transport else server.origin,
                           "min_version": tls.origin_of("value") if tls else server.origin},
            kind="database", name=_name(server), min_version=_parameter_tls(tls),
            plaintext_allowed=_secure_transport(transport))
        key = next(iter(server.blocks("customer_managed_key")), None)
        yield _sse_store("database", server, "customer_managed_key",
                         _is_set(key, "key_vault_key_id") if key is not None else False)

    mapper.__name__ = f"{engine}_flexible_server"
    return mapper


def _flexible_configuration(engine: str) -> Callable[[ResourceView, MappingContext], Iterator[Asset]]:
    """A TLS parameter of a server outside this module is judged on its own; inside, with its server."""

    def mapper(config: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        if _parent(config, ctx, _FLEXIBLE_CONFIG_PARENT[engine], (f"azurerm_{engine}_flexible_server",)):
            return
        name = config.get("name")
        name = name.lower() if isinstance(name, str) else None
        if name == azure.FLEXIBLE_REQUIRE_SECURE_TRANSPORT:
            yield TlsEndpoint(origin=config.origin, field_origins={"plaintext_allowed": config.origin_of("value")},
                              kind="database", name=config.address, min_version=None,
                              plaintext_allowed=_secure_transport(config))
        elif name == azure.FLEXIBLE_TLS_PARAMETER[engine]:
            yield TlsEndpoint(origin=config.origin, field_origins={"min_version": config.origin_of("value")},
                              kind="database", name=config.address, min_version=_parameter_tls(config),
                              plaintext_allowed=False)

    mapper.__name__ = f"{engine}_flexible_server_configuration"
    return mapper


# -- API Management ---------------------------------------------------------------------------------


def _gateway_minimum(security: ResourceView | None, side: str) -> tuple[TlsVersion | Unknown, Origin | None]:
    """The oldest protocol a gateway side accepts: the oldest one turned on, else TLS 1.2."""
    if security is None:
        return azure.API_MANAGEMENT_MIN_TLS_DEFAULT, None
    for new_attr, old_attr, version in azure.API_MANAGEMENT_OLD_PROTOCOLS[side]:
        attr = _first_set(security, new_attr, old_attr)
        enabled = as_bool(security.get(attr), False)
        if enabled is not False:
            return (enabled if isinstance(enabled, Unknown) else version), security.origin_of(attr)
    return azure.API_MANAGEMENT_MIN_TLS_DEFAULT, None


def api_management(service: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    security = next(iter(service.blocks("security")), None)
    for side, kind in (("frontend", "api_management_gateway"), ("backend", "api_management_backends")):
        version, at = _gateway_minimum(security, side)
        yield TlsEndpoint(origin=service.origin, field_origins={"min_version": at or service.origin}, kind=kind,
                          name=_name(service), min_version=version, plaintext_allowed=False)


def api_management_api(api: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """An API served over `http` (or `ws`) as well as `https` accepts plaintext calls."""
    protocols = _protocols(api, "protocols", azure.API_MANAGEMENT_API_PROTOCOLS_DEFAULT)
    yield TlsEndpoint(origin=api.origin, field_origins={"plaintext_allowed": api.origin_of("protocols")},
                      kind="api", name=_name(api), min_version=None,
                      plaintext_allowed=protocols if isinstance(protocols, Unknown) else bool(
                          azure.API_MANAGEMENT_PLAINTEXT_PROTOCOLS.intersection(protocols)))


def api_management_backend(backend: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """The gateway calls an `http://` backend in plaintext."""
    url = backend.get("url")
    plaintext: bool | Unknown = (url if isinstance(url, Unknown) else isinstance(url, str)
                                 and url.strip().lower().startswith("http://"))
    yield TlsEndpoint(origin=backend.origin, field_origins={"plaintext_allowed": backend.origin_of("url")},
                      kind="api_backend", name=_name(backend), min_version=None, plaintext_allowed=plaintext)


# -- Front Door and CDN -----------------------------------------------------------------------------


def _protocols(view: ResourceView, attr: str, default: Sequence[str] | None = None) -> list[str] | Unknown:
    """Lower-cased protocol names; `default` when unset (Unknown when the attribute is required)."""
    value = view.get(attr)
    if value is None:
        if default is None:
            return Unknown(reason=f"{attr} is not set")
        value = list(default)
    values = string_list(value)
    if isinstance(values, Unknown):
        return values
    unknown = next((v for v in values if isinstance(v, Unknown)), None)
    return unknown if unknown is not None else [str(v).lower() for v in values]


def _forwards_plaintext(view: ResourceView, attr: str, default: str) -> bool | Unknown | None:
    """Whether the edge fetches from the origin over HTTP: True for HttpOnly, None for MatchRequest."""
    value = view.get(attr, default)
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, str) or value.lower() not in azure.FRONT_DOOR_FORWARDING_PLAINTEXT:
        return Unknown(reason=f"{attr} {value!r} is not recognised")
    return azure.FRONT_DOOR_FORWARDING_PLAINTEXT[value.lower()]


def cdn_frontdoor_route(route: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    if as_bool(route.get("enabled"), True) is False:
        return
    protocols = _protocols(route, "supported_protocols")
    accepts_http = protocols if isinstance(protocols, Unknown) else "http" in protocols
    redirects = as_bool(route.get("https_redirect_enabled"), azure.FRONT_DOOR_ROUTE_HTTPS_REDIRECT_DEFAULT)
    forwards = _forwards_plaintext(route, "forwarding_protocol", "MatchRequest")
    at = route.origin_of("forwarding_protocol") if forwards is True else route.origin_of("https_redirect_enabled") \
        if route.has("https_redirect_enabled") else route.origin_of("supported_protocols")
    yield TlsEndpoint(origin=route.origin, field_origins={"plaintext_allowed": at}, kind="cdn_route",
                      name=_name(route), min_version=None,
                      plaintext_allowed=azure.edge_plaintext(accepts_http, redirects, forwards))


def cdn_frontdoor_custom_domain(domain: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    tls = next(iter(domain.blocks("tls")), domain)
    yield TlsEndpoint(origin=domain.origin, field_origins={"min_version": tls.origin_of("minimum_tls_version")},
                      kind="cdn_custom_domain", name=_name(domain), plaintext_allowed=False,
                      min_version=_tls_version(tls, "minimum_tls_version",
                                               azure.FRONT_DOOR_CUSTOM_DOMAIN_MIN_TLS_DEFAULT))


def frontdoor(door: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Classic Front Door: each routing rule that forwards (rather than redirects)."""
    for rule in door.blocks("routing_rule"):
        forwarding = next(iter(rule.blocks("forwarding_configuration")), None)
        if forwarding is None or as_bool(rule.get("enabled"), True) is False:
            continue  # a redirect rule fetches nothing
        protocols = _protocols(rule, "accepted_protocols", azure.FRONT_DOOR_ACCEPTED_PROTOCOLS_DEFAULT)
        accepts_http = protocols if isinstance(protocols, Unknown) else "http" in protocols
        forwards = _forwards_plaintext(forwarding, "forwarding_protocol", "HttpsOnly")
        at = forwarding.origin_of("forwarding_protocol") if forwards is True else rule.origin_of("accepted_protocols")
        label = rule.get("name")
        yield TlsEndpoint(origin=rule.origin, field_origins={"plaintext_allowed": at}, kind="front_door_route",
                          name=f"{_name(door)}/{label}" if isinstance(label, str) else _name(door), min_version=None,
                          plaintext_allowed=azure.edge_plaintext(accepts_http, False, forwards))


def _redirects_http(endpoint: ResourceView) -> bool:
    """A global delivery rule, or a rule matching the HTTP scheme, that redirects to HTTPS."""
    def to_https(rule: ResourceView) -> bool:
        return any(str(a.get("protocol")).lower() == "https" for a in rule.blocks("url_redirect_action"))

    def matches_http(rule: ResourceView) -> bool:
        for condition in rule.blocks("request_scheme_condition"):
            values = string_list(condition.get("match_values"))
            if not isinstance(values, Unknown) and "http" in [str(v).lower() for v in values]:
                return True
        return False

    if any(to_https(r) for r in endpoint.blocks("global_delivery_rule")):
        return True
    return any(to_https(r) and matches_http(r) for r in endpoint.blocks("delivery_rule"))


def cdn_endpoint(endpoint: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    http = as_bool(endpoint.get("is_http_allowed"), azure.CDN_ENDPOINT_HTTP_ALLOWED_DEFAULT)
    plaintext = http if isinstance(http, Unknown) else http and not _redirects_http(endpoint)
    at = endpoint.origin_of("is_http_allowed")
    yield TlsEndpoint(origin=endpoint.origin, field_origins={"plaintext_allowed": at},
                      kind="cdn_endpoint", name=_name(endpoint), min_version=None, plaintext_allowed=plaintext)


# -- managed disks ----------------------------------------------------------------------------------


def managed_disk(disk: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Always AES-256 server-side encrypted; platform keys unless a disk encryption set is given."""
    attr = _first_set(disk, "disk_encryption_set_id", "secure_vm_disk_encryption_set_id")
    customer = _is_set(disk, attr)
    key_management: KeyManagement | Unknown = (
        customer if isinstance(customer, Unknown) else KeyManagement.CUSTOMER if customer else KeyManagement.PROVIDER
    )
    yield DataStore(
        origin=disk.origin,
        field_origins={"key_management": disk.origin_of(attr)},
        kind="block_volume",
        name=_name(disk),
        encrypted=True,
        algorithm=azure.SSE_ALGORITHM,
        key_bits=azure.SSE_KEY_BITS,
        key_management=key_management,
        by_default=key_management is KeyManagement.PROVIDER,
    )


def _sse_store(kind: str, resource: ResourceView, key_attr: str, customer: bool | Unknown,
               key_origin: Origin | None = None) -> DataStore:
    """Azure service-side encryption: always AES-256, with a customer-managed key when one is given
    (`key_attr` of the resource, or at `key_origin` when the key is in a nested block)."""
    key_management: KeyManagement | Unknown = (
        customer if isinstance(customer, Unknown) else KeyManagement.CUSTOMER if customer else KeyManagement.PROVIDER
    )
    return DataStore(origin=resource.origin,
                     field_origins={"key_management": key_origin or resource.origin_of(key_attr)},
                     kind=kind, name=_name(resource), encrypted=True, algorithm=azure.SSE_ALGORITHM,
                     key_bits=azure.SSE_KEY_BITS, key_management=key_management,
                     by_default=key_management is KeyManagement.PROVIDER)


def _host_encryption(holder: ResourceView, name: str, key_holder: ResourceView | None, key_attr: str,
                     *attrs: str) -> DataStore:
    """A VM's or node pool's temporary disk and disk caches: on the host, encrypted only with
    encryption at host, with the disk encryption set's key when one is given."""
    attr = _first_set(holder, *attrs)
    enabled = as_bool(holder.get(attr), azure.ENCRYPTION_AT_HOST_DEFAULT)
    customer = _is_set(key_holder, key_attr) if key_holder is not None else False
    key_management: KeyManagement | Unknown = (
        enabled if isinstance(enabled, Unknown) else KeyManagement.NONE if not enabled
        else customer if isinstance(customer, Unknown) else KeyManagement.CUSTOMER if customer
        else KeyManagement.PROVIDER)
    return DataStore(origin=holder.origin, field_origins={
        "encrypted": holder.origin_of(attr),
        "key_management": key_holder.origin_of(key_attr) if key_holder is not None and key_holder.has(key_attr)
        else holder.origin},
        kind="temporary_disk_and_cache", name=name, encrypted=enabled,
        algorithm=azure.SSE_ALGORITHM if enabled is True else None,
        key_bits=azure.SSE_KEY_BITS if enabled is True else None, key_management=key_management)


def virtual_machine(vm: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Linux and Windows VMs and scale sets: `encryption_at_host_enabled`, and the OS disk's key."""
    os_disk = next(iter(vm.blocks("os_disk")), None)
    yield _host_encryption(vm, _name(vm), os_disk, "disk_encryption_set_id", "encryption_at_host_enabled")


def kubernetes_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """The cluster API (public unless a private cluster, from anywhere unless authorized IP ranges
    are listed), the node disks' key, and the default node pool's encryption at host."""
    name = _name(cluster)
    private = as_bool(cluster.get("private_cluster_enabled"), azure.AKS_PRIVATE_CLUSTER_DEFAULT)
    if private is not True:
        profile = next(iter(cluster.blocks("api_server_access_profile")), None)
        holder, attr = ((profile, "authorized_ip_ranges") if profile is not None and profile.has("authorized_ip_ranges")
                        else (cluster, "api_server_authorized_ip_ranges"))
        listed = string_list(holder.get(attr))
        sources: list[Peer | Unknown] | Unknown
        if isinstance(private, Unknown):
            sources, where = private, cluster.origin_of("private_cluster_enabled")
        elif isinstance(listed, Unknown):
            sources, where = listed, holder.origin_of(attr)
        elif listed:
            sources = [r if isinstance(r, Unknown) else Peer.address_or_tag(r) for r in listed]
            where = holder.origin_of(attr)
        else:  # no ranges: no restriction
            sources = [Peer(kind=PeerKind.NETWORK, value=azure.AKS_OPEN_API_SOURCE,
                            label=f"{azure.AKS_OPEN_API_SOURCE} (no authorized IP ranges)")]
            where = holder.origin_of(attr) if holder.has(attr) else (profile or cluster).origin
        yield Firewall.control_plane_endpoint(origin=cluster.origin, name=name, sources=sources, sources_origin=where)
    yield _sse_store("block_volume", cluster, "disk_encryption_set_id", _is_set(cluster, "disk_encryption_set_id"))
    for pool in cluster.blocks("default_node_pool"):
        yield _host_encryption(pool, f"{name} default node pool", cluster, "disk_encryption_set_id",
                               "host_encryption_enabled", "enable_host_encryption")


def kubernetes_cluster_node_pool(pool: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    cluster = _parent(pool, ctx, "kubernetes_cluster_id", ("azurerm_kubernetes_cluster",))
    yield _host_encryption(pool, _name(pool), cluster, "disk_encryption_set_id", "host_encryption_enabled",
                           "enable_host_encryption")


def _server_tde_key(server_ref: ResourceView, attr: str, ctx: MappingContext) -> ResourceView | None:
    """The server's `azurerm_mssql_server_transparent_data_encryption` with a Key Vault key, if any."""
    server = _parent(server_ref, ctx, attr, ("azurerm_mssql_server",))
    if server is None:
        return None
    protectors = ctx.referring("azurerm_mssql_server_transparent_data_encryption", "server_id", server)
    return next((p for p in protectors if _is_set(p, "key_vault_key_id") is not False), None)


def mssql_database(db: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Transparent data encryption: on unless turned off; a Key Vault key of its own or its server's."""
    enabled = as_bool(db.get("transparent_data_encryption_enabled"), azure.MSSQL_TDE_DEFAULT)
    protector = _server_tde_key(db, "server_id", ctx)
    own = _is_set(db, "transparent_data_encryption_key_vault_key_id")
    key_management: KeyManagement | Unknown = (
        enabled if isinstance(enabled, Unknown) else KeyManagement.NONE if not enabled
        else KeyManagement.CUSTOMER if own is True or protector is not None
        else own if isinstance(own, Unknown) else KeyManagement.PROVIDER)
    key_at = (db.origin_of("transparent_data_encryption_key_vault_key_id") if protector is None
              else protector.origin_of("key_vault_key_id"))
    yield DataStore(origin=db.origin, field_origins={"encrypted": db.origin_of("transparent_data_encryption_enabled"),
                                                     "key_management": key_at},
                    kind="database", name=_name(db), encrypted=enabled,
                    algorithm=azure.SSE_ALGORITHM if enabled is True else None,
                    key_bits=azure.SSE_KEY_BITS if enabled is True else None, key_management=key_management,
                    by_default=key_management is KeyManagement.PROVIDER)


def mssql_server_tde(protector: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """The server's TDE protector: service-managed unless a Key Vault key is named."""
    yield _sse_store("database", protector, "key_vault_key_id", _is_set(protector, "key_vault_key_id"))


def kusto_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """The cluster's cache disks: encrypted only with disk encryption."""
    attr = _first_set(cluster, "disk_encryption_enabled", "enable_disk_encryption")
    enabled = as_bool(cluster.get(attr), azure.KUSTO_DISK_ENCRYPTION_DEFAULT)
    key_management: KeyManagement | Unknown = (
        enabled if isinstance(enabled, Unknown) else KeyManagement.PROVIDER if enabled else KeyManagement.NONE)
    yield DataStore(origin=cluster.origin, field_origins={"encrypted": cluster.origin_of(attr),
                                                          "key_management": cluster.origin_of(attr)},
                    kind="cache_disks", name=_name(cluster), encrypted=enabled,
                    algorithm=azure.SSE_ALGORITHM if enabled is True else None,
                    key_bits=azure.SSE_KEY_BITS if enabled is True else None, key_management=key_management)


def batch_account(account: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Always AES-256; with a Key Vault key when `encryption.key_vault_key_id` names one."""
    encryption = next(iter(account.blocks("encryption")), None)
    customer = _is_set(encryption, "key_vault_key_id") if encryption is not None else False
    yield _sse_store("batch_account", account, "encryption", customer,
                     encryption.origin_of("key_vault_key_id") if encryption is not None else None)


def synapse_sql_pool(pool: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """A dedicated SQL pool: transparent data encryption only when `data_encrypted`."""
    enabled = as_bool(pool.get("data_encrypted"), azure.SYNAPSE_POOL_TDE_DEFAULT)
    key_management: KeyManagement | Unknown = (
        enabled if isinstance(enabled, Unknown) else KeyManagement.PROVIDER if enabled else KeyManagement.NONE)
    yield DataStore(origin=pool.origin, field_origins={"encrypted": pool.origin_of("data_encrypted")},
                    kind="database", name=_name(pool), encrypted=enabled,
                    algorithm=azure.SSE_ALGORITHM if enabled is True else None,
                    key_bits=azure.SSE_KEY_BITS if enabled is True else None, key_management=key_management)


def data_lake_store(store: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    state = store.get("encryption_state", azure.DATA_LAKE_ENCRYPTION_STATE_DEFAULT)
    enabled: bool | Unknown = state if isinstance(state, Unknown) else str(state).lower() != "disabled"
    kind = store.get("encryption_type")
    customer = kind if isinstance(kind, Unknown) else str(kind).lower() == azure.DATA_LAKE_CUSTOMER_KEY_TYPE
    key_management: KeyManagement | Unknown = (
        enabled if isinstance(enabled, Unknown) else KeyManagement.NONE if not enabled
        else customer if isinstance(customer, Unknown) else KeyManagement.CUSTOMER if customer
        else KeyManagement.PROVIDER)
    yield DataStore(origin=store.origin, field_origins={"encrypted": store.origin_of("encryption_state"),
                                                        "key_management": store.origin_of("encryption_type")},
                    kind="data_lake_store", name=_name(store), encrypted=enabled,
                    algorithm=azure.SSE_ALGORITHM if enabled is True else None,
                    key_bits=azure.SSE_KEY_BITS if enabled is True else None, key_management=key_management,
                    by_default=key_management is KeyManagement.PROVIDER)


# -- role-based access control ----------------------------------------------------------------------


def _permitted(block: ResourceView, allowed: str, excluded: str
               ) -> tuple[list[str | Unknown] | Unknown, list[str | Unknown] | Unknown]:
    """Azure's `actions` minus `not_actions`, in the model's terms.

    `*` minus some actions is "everything except", which the model calls
    NotAction. Any other exclusion only narrows a list that is already named.
    """
    actions, not_actions = string_list(block.get(allowed)), string_list(block.get(excluded))
    if isinstance(actions, Unknown) or "*" not in actions:
        return actions, []
    if isinstance(not_actions, Unknown):
        return not_actions, not_actions
    if not not_actions:
        return actions, []
    return [a for a in actions if a != "*"], not_actions


def _concat(a: list[str | Unknown] | Unknown, b: list[str | Unknown] | Unknown) -> list[str | Unknown] | Unknown:
    if isinstance(a, Unknown):
        return a
    return b if isinstance(b, Unknown) else a + b


def role_definition(definition: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """One grant per `permissions` block. A definition names no resources: it reaches whatever
    scope it is assigned at, so `resources` stays empty (the assignment carries the scope)."""
    for block in definition.blocks("permissions"):
        actions, not_actions = _permitted(block, "actions", "not_actions")
        data_actions, not_data_actions = _permitted(block, "data_actions", "not_data_actions")
        yield AccessGrant(
            origin=block.origin,
            field_origins={"actions": block.origin_of("actions"), "not_actions": block.origin_of("not_actions")},
            kind=GrantKind.ROLE_DEFINITION,
            name=_name(definition),
            effect=Access.ALLOW,
            actions=_concat(actions, data_actions),
            not_actions=_concat(not_actions, not_data_actions),
        )


_SCOPE_BY_TYPE = {
    "azurerm_management_group": Scope.ORGANIZATION,
    "azurerm_subscription": Scope.ACCOUNT,
    "azurerm_resource_group": Scope.RESOURCE_GROUP,
}


def _scope(assignment: ResourceView) -> Scope | Unknown:
    value = assignment.get("scope")
    if isinstance(value, str):
        scope = azure.scope_of(value)
        return scope if scope is not None else Unknown(reason=f"scope {value!r} is not an Azure scope ID")
    ref = assignment.reference("scope")
    if ref is not None:
        # `azurerm_resource_group.main.id` is known only after apply, but it is a resource group.
        return _SCOPE_BY_TYPE.get(ref.rsplit(".", 2)[-2], Scope.RESOURCE)
    if isinstance(value, Unknown):
        return value
    return Unknown(reason="scope is not set" if value is None else f"scope {value!r} is not a string")


def _role(assignment: ResourceView, ctx: MappingContext) -> str | Unknown:
    if assignment.has("role_definition_name"):
        name = assignment.get("role_definition_name")
        return name if isinstance(name, (str, Unknown)) else Unknown(reason=f"role name {name!r} is not a string")
    value = assignment.get("role_definition_id")
    if isinstance(value, str):
        return azure.builtin_role_name(value) or value
    ref = assignment.reference("role_definition_id")
    custom = [d for d in ctx.resources("azurerm_role_definition") if resource_base(d.address) == ref]
    if len(custom) == 1:  # a custom role's ID is known only after apply; its name is in the module
        return _name(custom[0])
    return value if isinstance(value, Unknown) else Unknown(reason="neither role_definition_name nor "
                                                                   "role_definition_id is set")


def role_assignment(assignment: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    role_attr = _first_set(assignment, "role_definition_name", "role_definition_id")
    principal = assignment.get("principal_id")
    # Azure RBAC has no anonymous principal: an unresolved object ID (a managed identity's
    # `principal_id`) is still one identity, named here by what it refers to.
    if isinstance(principal, Unknown):
        principal = assignment.reference("principal_id") or f"(principal_id: {principal.reason})"
    elif not isinstance(principal, str):
        principal = Unknown(reason="principal_id is not set" if principal is None
                            else f"principal_id {principal!r} is not an object ID")
    yield AccessGrant(
        origin=assignment.origin,
        field_origins={"role": assignment.origin_of(role_attr), "principals": assignment.origin_of("principal_id"),
                       "scope": assignment.origin_of("scope")},
        kind=GrantKind.ROLE_ASSIGNMENT,
        name=_name(assignment),
        effect=Access.ALLOW,
        principals=[principal],
        role=_role(assignment, ctx),
        scope=_scope(assignment),
        conditions=["azure:condition"] if assignment.has("condition") else [],
    )


_LEGACY_FTPS_STATE = azure.LEGACY_APP_SERVICE_FTPS_STATE_DEFAULT

MAPPERS = {
    # Network: security groups, service firewalls, database and cache firewall rules, cluster APIs.
    "azurerm_network_security_group": network_security_group,
    "azurerm_network_security_rule": network_security_rule,
    "azurerm_storage_account_network_rules": storage_account_network_rules,
    "azurerm_key_vault": key_vault,
    "azurerm_cognitive_account": _acl_firewall("network_acls"),
    "azurerm_search_service": search_service,
    "azurerm_container_group": container_group,
    "azurerm_mssql_firewall_rule": _firewall_rule("sql", "server_id", "azurerm_mssql_server"),
    "azurerm_sql_firewall_rule": _firewall_rule("sql", "server_name", "azurerm_sql_server", "azurerm_mssql_server"),
    "azurerm_synapse_firewall_rule": _firewall_rule("sql", "synapse_workspace_id", "azurerm_synapse_workspace"),
    "azurerm_postgresql_firewall_rule": _firewall_rule("postgresql", "server_name", "azurerm_postgresql_server"),
    "azurerm_postgresql_flexible_server_firewall_rule": _firewall_rule("postgresql", "server_id",
                                                                       "azurerm_postgresql_flexible_server"),
    "azurerm_mysql_firewall_rule": _firewall_rule("mysql", "server_name", "azurerm_mysql_server"),
    "azurerm_mysql_flexible_server_firewall_rule": _firewall_rule("mysql", "server_name",
                                                                  "azurerm_mysql_flexible_server"),
    "azurerm_mariadb_firewall_rule": _firewall_rule("mariadb", "server_name", "azurerm_mariadb_server"),
    "azurerm_redis_firewall_rule": _firewall_rule("redis", "redis_cache_name", "azurerm_redis_cache",
                                                  start_attr="start_ip", end_attr="end_ip"),
    "azurerm_kubernetes_cluster": kubernetes_cluster,
    # TLS: App Service, gateways, databases and caches, messaging, Front Door and CDN, API Management.
    "azurerm_storage_account": storage_account,
    "azurerm_app_service": _web_app("web_app", "min_tls_version", _LEGACY_FTPS_STATE),
    "azurerm_function_app": _web_app("function_app", "min_tls_version", _LEGACY_FTPS_STATE),
    "azurerm_linux_web_app": _web_app("web_app", "minimum_tls_version"),
    "azurerm_windows_web_app": _web_app("web_app", "minimum_tls_version"),
    "azurerm_linux_function_app": _web_app("function_app", "minimum_tls_version"),
    "azurerm_windows_function_app": _web_app("function_app", "minimum_tls_version"),
    "azurerm_linux_web_app_slot": _web_app("web_app_slot", "minimum_tls_version"),
    "azurerm_windows_web_app_slot": _web_app("web_app_slot", "minimum_tls_version"),
    "azurerm_linux_function_app_slot": _web_app("function_app_slot", "minimum_tls_version"),
    "azurerm_windows_function_app_slot": _web_app("function_app_slot", "minimum_tls_version"),
    "azurerm_app_service_slot": _web_app("web_app_slot", "min_tls_version", _LEGACY_FTPS_STATE),
    "azurerm_function_app_slot": _web_app("function_app_slot", "min_tls_version", _LEGACY_FTPS_STATE),
    "azurerm_application_gateway": application_gateway,
    "azurerm_postgresql_server": single_server,
    "azurerm_mysql_server": single_server,
    "azurerm_mariadb_server": single_server,
    "azurerm_mssql_server": mssql_server,
    "azurerm_mssql_managed_instance": _min_tls_only("database", "minimum_tls_version",
                                                    azure.MSSQL_MANAGED_INSTANCE_MIN_TLS_DEFAULT),
    "azurerm_redis_cache": redis_cache,
    "azurerm_postgresql_flexible_server": _flexible_server("postgresql"),
    "azurerm_mysql_flexible_server": _flexible_server("mysql"),
    "azurerm_postgresql_flexible_server_configuration": _flexible_configuration("postgresql"),
    "azurerm_mysql_flexible_server_configuration": _flexible_configuration("mysql"),
    "azurerm_cosmosdb_account": cosmosdb_account,
    "azurerm_eventhub_namespace": _min_tls_only("event_hubs_namespace", "minimum_tls_version",
                                                azure.MESSAGING_MIN_TLS_DEFAULT),
    "azurerm_servicebus_namespace": _min_tls_only("service_bus_namespace", "minimum_tls_version",
                                                  azure.MESSAGING_MIN_TLS_DEFAULT),
    "azurerm_cdn_endpoint": cdn_endpoint,
    "azurerm_cdn_frontdoor_route": cdn_frontdoor_route,
    "azurerm_cdn_frontdoor_custom_domain": cdn_frontdoor_custom_domain,
    "azurerm_frontdoor": frontdoor,
    "azurerm_api_management": api_management,
    "azurerm_api_management_api": api_management_api,
    "azurerm_api_management_backend": api_management_backend,
    # Encryption at rest: disks, hosts, databases, data lakes and analytics clusters.
    "azurerm_managed_disk": managed_disk,
    "azurerm_kubernetes_cluster_node_pool": kubernetes_cluster_node_pool,
    "azurerm_linux_virtual_machine": virtual_machine,
    "azurerm_windows_virtual_machine": virtual_machine,
    "azurerm_linux_virtual_machine_scale_set": virtual_machine,
    "azurerm_windows_virtual_machine_scale_set": virtual_machine,
    "azurerm_orchestrated_virtual_machine_scale_set": virtual_machine,
    "azurerm_mssql_database": mssql_database,
    "azurerm_mssql_server_transparent_data_encryption": mssql_server_tde,
    "azurerm_synapse_sql_pool": synapse_sql_pool,
    "azurerm_data_lake_store": data_lake_store,
    "azurerm_kusto_cluster": kusto_cluster,
    "azurerm_batch_account": batch_account,
    # IAM and public access.
    "azurerm_role_definition": role_definition,
    "azurerm_role_assignment": role_assignment,
    "azurerm_storage_container": storage_container,
    "azurerm_container_registry": container_registry,
}

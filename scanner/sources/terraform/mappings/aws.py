"""AWS resources: security groups, load balancers, CloudFront, storage, databases, IAM."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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
    PortSet,
    Scope,
    TlsEndpoint,
    TlsVersion,
    Unknown,
    normalize_protocol,
)
from scanner.providers.aws import (
    API_GATEWAY_DEFAULT_POLICY,
    CLASSIC_ELB_PROTOCOLS,
    CLOUDFRONT_DEFAULT_POLICY,
    DB_ENGINE_PORTS,
    DMS_PUBLIC_DEFAULT,
    DMS_SSL_ENGINES,
    EKS_PUBLIC_ACCESS_CIDRS_DEFAULT,
    EKS_PUBLIC_ACCESS_DEFAULT,
    ELB_DEFAULT_POLICY,
    GLUE_PLATFORM_ENCRYPTED,
    PUBLIC_CANNED_ACLS,
    RDS_PUBLIC_DEFAULT,
    REDSHIFT_PUBLIC_UNSET,
    SERVICE_TLS_MINIMUM,
    acl_grant,
    api_gateway_min_version,
    classic_elb_policy_min_version,
    cloudfront_min_version,
    db_ssl_parameter,
    denies_insecure_transport,
    elb_policy_min_version,
    grants_from_policy,
    is_aws_managed_key,
    is_public_grantee,
    managed_policy_name,
    neutralised,
    opensearch_min_version,
    public_access_blocked,
)
from scanner.providers.ports import aws_rule_ports
from scanner.sources.terraform.mappings import Mapper
from scanner.sources.terraform.view import MappingContext, ResourceView, as_bool, as_int, resource_base, string_list


def _peers(block: ResourceView, *, cidr4: str, cidr6: str, groups: Iterable[str], self_ref: str | None
           ) -> list[Peer | Unknown]:
    """Known peers decide whatever other peers are unknown: an address list known only after apply is one
    unknown peer beside the known ones, and a security group or prefix list is never the internet, known or
    not (a real plan leaves `source_security_group_id` unknown until apply)."""
    peers: list[Peer | Unknown] = []
    for attr in (cidr4, cidr6):
        values = string_list(block.get(attr))
        if isinstance(values, Unknown):
            peers.append(values)
            continue
        peers.extend(v if isinstance(v, Unknown) else Peer.address_or_tag(v) for v in values)
    for attr in groups:
        if not block.has(attr):
            continue
        values = string_list(block.get(attr))
        listed: list[object] = [values] if isinstance(values, Unknown) else list(values)
        peers.extend(Peer.group(v if isinstance(v, str) else f"({attr})") for v in listed)
    if self_ref and block.get("self") is True:
        peers.append(Peer.group(self_ref))
    return peers


def _sg_rule(block: ResourceView, direction: Direction | Unknown, group: str) -> NetworkRule:
    """An inline `ingress`/`egress` block or an `aws_security_group_rule`."""
    raw = block.get("protocol")
    protocol = raw if isinstance(raw, Unknown) else normalize_protocol(str(raw))
    return NetworkRule(
        origin=block.origin,
        name=block.get("description") if isinstance(block.get("description"), str) else None,
        direction=direction,
        protocol=protocol,
        ports=aws_rule_ports(protocol, block.get("from_port"), block.get("to_port")),
        peers=_peers(
            block,
            cidr4="cidr_blocks",
            cidr6="ipv6_cidr_blocks",
            groups=("security_groups", "source_security_group_id", "prefix_list_ids"),
            self_ref=group,
        ),
    )


def _vpc_rule(block: ResourceView, direction: Direction) -> NetworkRule:
    """`aws_vpc_security_group_ingress_rule` / `_egress_rule`: one peer, `ip_protocol`."""
    protocol = block.get("ip_protocol")
    protocol = protocol if isinstance(protocol, Unknown) else normalize_protocol(str(protocol))
    ports = aws_rule_ports(protocol, block.get("from_port"), block.get("to_port"))
    return NetworkRule(
        origin=block.origin,
        name=block.get("description") if isinstance(block.get("description"), str) else None,
        direction=direction,
        protocol=protocol,
        ports=ports,
        peers=_peers(block, cidr4="cidr_ipv4", cidr6="cidr_ipv6",
                     groups=("referenced_security_group_id", "prefix_list_id"), self_ref=None),
    )


def _direction(value: Any) -> Direction | Unknown:
    if isinstance(value, Unknown):
        return value
    try:
        return Direction(str(value).lower())
    except ValueError:
        return Unknown(reason=f"rule type {value!r} is neither ingress nor egress")


def security_group(sg: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    rules = [_sg_rule(b, Direction(kind), sg.address) for kind in ("ingress", "egress") for b in sg.blocks(kind)]
    rules += [_sg_rule(r, _direction(r.get("type")), sg.address)
              for r in ctx.referring("aws_security_group_rule", "security_group_id", sg)]
    rules += [_vpc_rule(r, Direction.INGRESS)
              for r in ctx.referring("aws_vpc_security_group_ingress_rule", "security_group_id", sg)]
    rules += [_vpc_rule(r, Direction.EGRESS)
              for r in ctx.referring("aws_vpc_security_group_egress_rule", "security_group_id", sg)]
    name = sg.get("name")
    yield Firewall(origin=sg.origin, name=name if isinstance(name, str) else sg.address, rules=rules)


_GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
_ACL_TYPES = ("aws_network_acl", "aws_default_network_acl")


def _standalone(kind: str, make: Any, attr: str = "security_group_id", parents: Sequence[str] = _GROUP_TYPES,
                **firewall: Any) -> Any:
    """Rule resources whose group (or ACL) is not in this module become one of their own."""

    def mapper(r: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        target = r.reference(attr)
        if target is not None and resource_base(target) in {resource_base(g.address)
                                                           for t in parents for g in ctx.resources(t)}:
            return
        yield Firewall(origin=r.origin, name=r.address, rules=[make(r)], **firewall)

    mapper.__name__ = f"standalone_{kind}"
    return mapper


def _acl_rule(block: ResourceView, direction: Direction | Unknown, *, number: str, action: str) -> NetworkRule:
    """An inline `ingress`/`egress` block of a network ACL, or an `aws_network_acl_rule`."""
    raw = block.get("protocol")
    protocol = raw if isinstance(raw, Unknown) else normalize_protocol(str(raw))
    access = block.get(action)
    return NetworkRule(
        origin=block.origin,
        name=str(block.get(number)) if isinstance(block.get(number), int) else None,
        direction=direction,
        access=access if isinstance(access, Unknown) else _access(access),
        protocol=protocol,
        # Protocols other than TCP, UDP and ICMP pass on every port, as -1 does.
        ports=aws_rule_ports(protocol, block.get("from_port"), block.get("to_port")),
        peers=_peers(block, cidr4="cidr_block", cidr6="ipv6_cidr_block", groups=(), self_ref=None),
        priority=_rule_number(block.get(number)),
    )


def _access(value: Any) -> Access | Unknown:
    text = str(value).strip().lower()
    return Access(text) if text in ("allow", "deny") else Unknown(reason=f"rule action {value!r} is not allow or deny")


def _rule_number(value: Any) -> int | Unknown:
    number = as_int(value)
    return number if isinstance(number, (int, Unknown)) else Unknown(reason="the rule has no rule number")


def _acl_direction(egress: Any) -> Direction | Unknown:
    flag = as_bool(egress, False)
    return flag if isinstance(flag, Unknown) else (Direction.EGRESS if flag else Direction.INGRESS)


def network_acl(acl: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Ordered by rule number, first match wins, stateless. Every ACL ends in a deny of everything."""
    rules = [_acl_rule(b, Direction(kind), number="rule_no", action="action")
             for kind in ("ingress", "egress") for b in acl.blocks(kind)]
    rules += [_acl_rule(r, _acl_direction(r.get("egress")), number="rule_number", action="rule_action")
              for r in ctx.referring("aws_network_acl_rule", "network_acl_id", acl)]
    yield Firewall(origin=acl.origin, name=_name(acl), ordering="priority", stateless=True, rules=rules)


def _eks_secrets(cluster: ResourceView) -> DataStore:
    """Kubernetes Secrets in etcd: EKS envelope-encrypts all Kubernetes API data with an EKS-managed key
    (and the etcd volumes are encrypted); `encryption_config` with a KMS key makes the key the customer's."""
    providers = [p for c in cluster.blocks("encryption_config") for p in c.blocks("provider")]
    key = (providers[0], "key_arn") if providers else None
    return _store(cluster, kind="kubernetes_secrets", name=_name(cluster, "name"), encrypted=True,
                  encrypted_at=providers[0].origin if providers else cluster.origin, key=key, by_default=not providers)


def eks_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """The cluster API: public unless `endpoint_public_access = false`, from 0.0.0.0/0 unless
    `public_access_cidrs` says otherwise."""
    yield _eks_secrets(cluster)
    configs = cluster.blocks("vpc_config")
    config = configs[0] if configs else None
    public = as_bool(config.get("endpoint_public_access"), EKS_PUBLIC_ACCESS_DEFAULT) if config else \
        EKS_PUBLIC_ACCESS_DEFAULT
    if public is False:
        return
    sources: list[Peer | Unknown] | Unknown
    if isinstance(public, Unknown):
        sources, where = public, config.origin_of("endpoint_public_access") if config else cluster.origin
    else:
        cidrs = config.get("public_access_cidrs") if config else None
        listed = string_list(list(EKS_PUBLIC_ACCESS_CIDRS_DEFAULT) if cidrs is None else cidrs)
        sources = listed if isinstance(listed, Unknown) else [
            c if isinstance(c, Unknown) else Peer.address_or_tag(c) for c in listed]
        where = config.origin_of("public_access_cidrs" if cidrs is not None else "endpoint_public_access") \
            if config else cluster.origin
    yield Firewall.control_plane_endpoint(origin=cluster.origin, name=_name(cluster, "name"), sources=sources,
                                          sources_origin=where)


def _groups_of(view: ResourceView, attr: str, ctx: MappingContext) -> list[ResourceView] | Unknown:
    """The security groups `attr` lists, when every one of them is declared in this configuration."""
    listed = view.get(attr)
    if listed is None:
        return Unknown(reason=f"{attr} is not set, so the VPC's default security group applies, which this "
                              "configuration does not declare")
    items = string_list(listed)
    literal = [i for i in (items if isinstance(items, list) else []) if isinstance(i, str)]
    refs = view.all_references(attr)
    groups = [g for t in _GROUP_TYPES for g in ctx.resources(t) if resource_base(g.address) in refs]
    missing = [r for r in refs if r not in {resource_base(g.address) for g in groups}]
    if literal or missing or (not refs and not isinstance(items, list)):
        shown = ", ".join([*literal, *missing]) or "the listed groups"
        return Unknown(reason=f"{attr}: {shown} not declared in this configuration")
    return groups


def _public_endpoint(db: ResourceView, ctx: MappingContext, *, name: str, default: bool | Unknown,
                     port: int | Unknown | None, groups_attr: str = "vpc_security_group_ids",
                     groups_holder: ResourceView | Unknown | None = None) -> Iterator[Asset]:
    """A publicly accessible database (RDS, Redshift, DMS) is reached from the internet through its
    security groups: its public address admits what their ingress rules admit, on the port it serves."""
    value = db.get("publicly_accessible")
    public = default if value is None else as_bool(value, False)
    if public is False:
        return
    where = db.origin_of("publicly_accessible")
    holder = groups_holder if groups_holder is not None else db
    groups = public if isinstance(public, Unknown) else holder if isinstance(holder, Unknown) else _groups_of(
        holder, groups_attr, ctx)
    if isinstance(groups, Unknown):
        rules = [NetworkRule(origin=where, name=f"{name} public endpoint", direction=Direction.INGRESS,
                             protocol=groups, ports=groups, peers=groups)]
    else:
        rules = []
        served = None if port is None or isinstance(port, Unknown) else PortSet.ports(port)
        for group in groups:
            for fw in security_group(group, ctx):
                assert isinstance(fw, Firewall)
                for index, rule in enumerate(fw.rules):
                    if rule.direction == Direction.EGRESS:
                        continue
                    ports = rule.ports
                    if served is not None and isinstance(ports, PortSet):
                        ports = ports.intersection(served)
                        if ports.is_empty:
                            continue
                    label = f"{name} public endpoint through {fw.name}" + (f": {rule.name}" if rule.name else "")
                    rules.append(rule.model_copy(update={"origin": where.at(None, f"via[{group.address}][{index}]"),
                                                         "ports": ports, "name": label}))
    yield Firewall(origin=db.origin, name=f"{name} public endpoint", rules=rules)


def _db_port(db: ResourceView, engine: Any) -> int | Unknown | None:
    port = as_int(db.get("port"))
    if port is not None:
        return port
    return DB_ENGINE_PORTS.get(engine) if isinstance(engine, str) else None


# -- shared helpers -----------------------------------------------------------------------------------


def _name(view: ResourceView, *attrs: str) -> str:
    """A human name: the first of `attrs` that is a plain string, else the Terraform address."""
    for attr in attrs:
        value = view.get(attr)
        if isinstance(value, str) and value:
            return value
    return view.address


_NAME_ATTRS = ("name", "bucket", "domain_name", "identifier", "cluster_identifier")


def _target_name(view: ResourceView, attr: str, ctx: MappingContext) -> str:
    """The name of what `attr` points at: a literal, or the referenced resource's own name."""
    value = view.get(attr)
    if isinstance(value, str) and value:
        return value
    ref = view.reference(attr)
    if ref is None:
        return view.address
    for target in ctx.resources(ref.split(".")[-2]):
        if resource_base(target.address) == ref:
            return _name(target, *_NAME_ATTRS)
    return ref


def _not(value: bool | Unknown) -> bool | Unknown:
    return value if isinstance(value, Unknown) else not value


# -- encryption in transit ----------------------------------------------------------------------------

# Listener protocols that pass connections through without terminating TLS or HTTP.
_PASS_THROUGH = frozenset({"TCP", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC"})


def _lb_type(listener: ResourceView, ctx: MappingContext) -> Any:
    ref = listener.reference("load_balancer_arn")
    for lb in (*ctx.resources("aws_lb"), *ctx.resources("aws_alb")):
        if resource_base(lb.address) == ref:
            return lb.get("load_balancer_type", "application")
    return None


def _http_plaintext(listener: ResourceView, ctx: MappingContext) -> tuple[bool | Unknown, Origin]:
    """Whether an HTTP listener serves anything over HTTP: only redirects to HTTPS do not."""
    actions = list(listener.blocks("default_action"))
    for rule_type in ("aws_lb_listener_rule", "aws_alb_listener_rule"):
        for rule in ctx.referring(rule_type, "listener_arn", listener):
            actions.extend(rule.blocks("action"))
    if not actions:
        return Unknown(reason="the listener has no default_action"), listener.origin
    pending: Unknown | None = None
    for action in actions:
        kind = action.get("type")
        if isinstance(kind, Unknown):
            pending = kind if pending is None else pending
        elif kind in ("forward", "fixed-response"):
            return True, action.origin
        elif kind == "redirect":
            redirects = action.blocks("redirect")
            # Without `protocol` a redirect keeps the request's protocol (`#{protocol}`): HTTP again.
            target = redirects[0].get("protocol", "#{protocol}") if redirects else "#{protocol}"
            if isinstance(target, Unknown):
                pending = target if pending is None else pending
            elif str(target).upper() != "HTTPS":
                return True, action.origin
        elif not str(kind).startswith("authenticate-"):  # authentication precedes a routing action
            unknown = Unknown(reason=f"listener action type {kind!r} is not known")
            pending = unknown if pending is None else pending
    return (pending, listener.origin) if pending is not None else (False, listener.origin)


def lb_listener(listener: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    protocol = listener.get("protocol")
    if protocol is None:
        lb_type = _lb_type(listener, ctx)
        if lb_type == "gateway":
            return  # Gateway Load Balancer listeners carry GENEVE, not client connections
        if isinstance(lb_type, Unknown):
            protocol = lb_type
        elif lb_type is None or lb_type == "application":
            protocol = "HTTP"  # the default for Application Load Balancer listeners
        else:
            protocol = Unknown(reason=f"the listener sets no protocol, which a {lb_type} load balancer needs")
    common: dict[str, Any] = {"origin": listener.origin, "kind": "load_balancer_listener", "name": listener.address}
    if isinstance(protocol, Unknown):
        yield TlsEndpoint(**common, min_version=protocol, plaintext_allowed=protocol,
                          field_origins={"min_version": listener.origin_of("protocol"),
                                         "plaintext_allowed": listener.origin_of("protocol")})
        return
    proto = str(protocol).upper()
    if proto in ("HTTPS", "TLS"):
        # Listeners created through the API without a policy get ELBSecurityPolicy-2016-08
        # (TLS 1.0); only the console picks a newer default.
        policy = listener.get("ssl_policy")
        if policy is None or policy == "":
            policy = ELB_DEFAULT_POLICY
        version = policy if isinstance(policy, Unknown) else elb_policy_min_version(str(policy))
        yield TlsEndpoint(**common, min_version=version, plaintext_allowed=False,
                          policy_name=policy if isinstance(policy, Unknown) else str(policy),
                          field_origins={"min_version": listener.origin_of("ssl_policy")})
    elif proto == "HTTP":
        plaintext, where = _http_plaintext(listener, ctx)
        yield TlsEndpoint(**common, min_version=None, plaintext_allowed=plaintext,
                          field_origins={"plaintext_allowed": where})
    elif proto not in _PASS_THROUGH:
        unknown = Unknown(reason=f"listener protocol {protocol!r} is not known")
        yield TlsEndpoint(**common, min_version=unknown, plaintext_allowed=unknown)


_VIEWER_PLAINTEXT = {"allow-all": True, "https-only": False, "redirect-to-https": False}


def _viewer_plaintext(dist: ResourceView) -> tuple[bool | Unknown, Origin]:
    """A distribution accepts plaintext when any cache behavior allows HTTP (`allow-all`)."""
    pending: Unknown | None = None
    for behavior in (*dist.blocks("default_cache_behavior"), *dist.blocks("ordered_cache_behavior")):
        policy = behavior.get("viewer_protocol_policy")
        allowed = policy if isinstance(policy, Unknown) else _VIEWER_PLAINTEXT.get(str(policy))
        if allowed is True:
            return True, behavior.origin
        if allowed is None:
            allowed = Unknown(reason=f"viewer_protocol_policy {policy!r} is not known")
        if isinstance(allowed, Unknown):
            pending = allowed if pending is None else pending
    return (pending, dist.origin) if pending is not None else (False, dist.origin)


def cloudfront_distribution(dist: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    certs = dist.blocks("viewer_certificate")
    policy: Any
    version: TlsVersion | Unknown
    if not certs:
        policy = version = Unknown(reason="the distribution has no viewer_certificate")
        where = dist.origin
    else:
        cert = certs[0]
        default_cert = as_bool(cert.get("cloudfront_default_certificate"), False)
        if isinstance(default_cert, Unknown):
            policy = version = default_cert
            where = cert.origin_of("cloudfront_default_certificate")
        elif default_cert:
            # With the *.cloudfront.net certificate CloudFront negotiates TLSv1 whatever
            # minimum_protocol_version says.
            policy, version = CLOUDFRONT_DEFAULT_POLICY, TlsVersion.TLS1_0
            where = cert.origin_of("cloudfront_default_certificate")
        else:
            policy = cert.get("minimum_protocol_version")
            if policy is None or policy == "":
                policy = CLOUDFRONT_DEFAULT_POLICY
            version = policy if isinstance(policy, Unknown) else cloudfront_min_version(str(policy))
            where = cert.origin_of("minimum_protocol_version")
    plaintext, plain_where = _viewer_plaintext(dist)
    yield TlsEndpoint(origin=dist.origin, kind="cdn_distribution", name=dist.address, min_version=version,
                      plaintext_allowed=plaintext, policy_name=policy if isinstance(policy, Unknown) else str(policy),
                      field_origins={"min_version": where, "plaintext_allowed": plain_where})
    yield from _origin_endpoints(dist, plaintext)


_SEARCH_POLICY_UNSET = (
    "tls_security_policy is not set: AWS gives new domains Policy-Min-TLS-1-2-2019-07, but older domains "
    "keep Policy-Min-TLS-1-0-2019-07 and Terraform does not detect it; set tls_security_policy"
)


def _search_tls(domain: ResourceView) -> TlsEndpoint:
    options = domain.blocks("domain_endpoint_options")
    policy: Any
    if not options:
        # Without the block the API leaves EnforceHTTPS off and picks the TLS policy itself.
        plaintext: bool | Unknown = True
        plain_where = where = domain.origin
        policy = Unknown(reason=_SEARCH_POLICY_UNSET)
    else:
        opts = options[0]
        plaintext = _not(as_bool(opts.get("enforce_https"), True))  # the provider defaults it to true
        plain_where = opts.origin_of("enforce_https")
        policy = opts.get("tls_security_policy")
        if policy is None:
            policy = Unknown(reason=_SEARCH_POLICY_UNSET)
        where = opts.origin_of("tls_security_policy")
    version = policy if isinstance(policy, Unknown) else opensearch_min_version(str(policy))
    return TlsEndpoint(origin=domain.origin, kind="search_domain", name=_name(domain, "domain_name"),
                       min_version=version, plaintext_allowed=plaintext,
                       policy_name=policy if isinstance(policy, Unknown) else str(policy),
                       field_origins={"min_version": where, "plaintext_allowed": plain_where})


def _endpoint(view: ResourceView, kind: str, name: str, *, plaintext: bool | Unknown, plaintext_at: Origin,
              version: TlsVersion | Unknown | None = None, version_at: Origin | None = None,
              policy: str | Unknown | None = None) -> TlsEndpoint:
    return TlsEndpoint(origin=view.origin, kind=kind, name=name, min_version=version, plaintext_allowed=plaintext,
                       policy_name=policy, field_origins={"plaintext_allowed": plaintext_at,
                                                         "min_version": version_at or plaintext_at})


def _tls_switch(attr: str, *, kind: str, name_attr: str, default: bool) -> Mapper:
    """A service whose TLS is one boolean (`tls_enabled`); its minimum is the service's own (TLS 1.2)."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        enabled = as_bool(view.get(attr), default)
        yield _endpoint(view, kind, _name(view, name_attr), plaintext=_not(enabled), plaintext_at=view.origin_of(attr),
                        version=SERVICE_TLS_MINIMUM if enabled is True else None)

    return mapper


def _parameter(group: ResourceView, name: str) -> tuple[Any, Origin] | None:
    for parameter in group.blocks("parameter"):
        if str(parameter.get("name", "")).lower() == name:
            return parameter.get("value"), parameter.origin_of("value")
    return None


def _enforcing(value: Any) -> bool | Unknown:
    if isinstance(value, Unknown):
        return value
    return str(value).strip().lower() in ("1", "on", "true")


def db_parameter_group(group: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """The parameter that makes a database refuse unencrypted connections, as this group sets it."""
    family = group.get("family")
    if isinstance(family, Unknown):
        yield _endpoint(group, "database", _name(group, "name"), plaintext=family,
                        plaintext_at=group.origin_of("family"))
        return
    found = db_ssl_parameter(str(family))
    if found is None:
        return  # Oracle, Db2 and others enforce TLS through option groups or listeners, not a parameter
    parameter, default = found
    setting = _parameter(group, parameter)
    if setting is None:
        enforced: bool | Unknown = default
        at = group.origin
    else:
        enforced, at = _enforcing(setting[0]), setting[1]
    yield _endpoint(group, "database", _name(group, "name"), plaintext=_not(enforced), plaintext_at=at)


def dms_endpoint(endpoint: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    engine = endpoint.get("engine_name")
    if isinstance(engine, str) and engine.lower() not in DMS_SSL_ENGINES:
        return  # S3, Kinesis, DynamoDB … are reached over their HTTPS APIs
    mode = endpoint.get("ssl_mode", "none")
    plaintext: bool | Unknown = mode if isinstance(mode, Unknown) else str(mode).lower() == "none"
    yield _endpoint(endpoint, "database_endpoint", _name(endpoint, "endpoint_id"), plaintext=plaintext,
                    plaintext_at=endpoint.origin_of("ssl_mode"))


def elasticache_replication_group(group: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(group, "replication_group_id")
    enabled = as_bool(group.get("transit_encryption_enabled"), False)
    plaintext, at = _not(enabled), group.origin_of("transit_encryption_enabled")
    if enabled is True and group.has("transit_encryption_mode"):
        # `preferred` accepts encrypted and unencrypted clients alike (a migration step).
        mode = group.get("transit_encryption_mode")
        plaintext = mode if isinstance(mode, Unknown) else str(mode).lower() != "required"
        at = group.origin_of("transit_encryption_mode")
    yield _endpoint(group, "cache", name, plaintext=plaintext, plaintext_at=at,
                    version=SERVICE_TLS_MINIMUM if enabled is True else None)
    yield _db_store(group, kind="cache", name=name, attr="at_rest_encryption_enabled", key_attr="kms_key_id",
                    default=False)


def msk_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Clients to brokers TLS by default, brokers among themselves too; storage always encrypted."""
    name = _name(cluster, "cluster_name")
    info = cluster.blocks("encryption_info")
    transit = info[0].blocks("encryption_in_transit") if info else []
    block = transit[0] if transit else None
    client = block.get("client_broker", "TLS") if block else "TLS"
    in_cluster = as_bool(block.get("in_cluster"), True) if block else True
    if isinstance(client, Unknown) or str(client).upper() != "TLS":
        plaintext: bool | Unknown = client if isinstance(client, Unknown) else True
        at = block.origin_of("client_broker") if block else cluster.origin
    else:
        plaintext, at = _not(in_cluster), block.origin_of("in_cluster") if block else cluster.origin
    yield _endpoint(cluster, "message_broker", name, plaintext=plaintext, plaintext_at=at, version=SERVICE_TLS_MINIMUM)
    key_view = info[0] if info else cluster
    yield _store(cluster, kind="message_broker", name=name, encrypted=True, encrypted_at=cluster.origin,
                 key=(key_view, "encryption_at_rest_kms_key_arn"), by_default=not key_view.has(
                     "encryption_at_rest_kms_key_arn"))


def ecs_task_definition(task: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """EFS volumes are mounted without TLS unless `transit_encryption = "ENABLED"`."""
    family = _name(task, "family")
    for volume in task.blocks("volume"):
        for efs in volume.blocks("efs_volume_configuration"):
            mode = efs.get("transit_encryption", "DISABLED")
            plaintext: bool | Unknown = mode if isinstance(mode, Unknown) else str(mode).upper() != "ENABLED"
            label = volume.get("name")
            name = f"{family} volume {label}" if isinstance(label, str) else family
            yield _endpoint(task, "file_system_mount", name, plaintext=plaintext,
                            plaintext_at=efs.origin_of("transit_encryption"))


def api_gateway_domain(attr: str, block: str | None, default: str | None) -> Mapper:
    """A custom domain's `security_policy`, on the resource or in a nested block."""

    def mapper(domain: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        views = domain.blocks(block) if block else [domain]
        for view in views:
            policy = view.get(attr, default)
            if policy is None:
                policy = Unknown(reason=f"{attr} is not set")
            version = policy if isinstance(policy, Unknown) else api_gateway_min_version(str(policy))
            yield _endpoint(domain, "api_domain", _name(domain, "domain_name"), plaintext=False,
                            plaintext_at=domain.origin, version=version, version_at=view.origin_of(attr),
                            policy=policy if isinstance(policy, Unknown) else str(policy))

    return mapper


def _classic_policy_version(policy: ResourceView) -> TlsVersion | Unknown:
    """An SSLNegotiationPolicyType policy: its reference policy, or the oldest protocol it enables."""
    versions: list[TlsVersion] = []
    for attribute in policy.blocks("policy_attribute"):
        name, value = attribute.get("name"), attribute.get("value")
        if isinstance(name, Unknown) or isinstance(value, Unknown):
            return name if isinstance(name, Unknown) else value
        if str(name) == "Reference-Security-Policy":
            return classic_elb_policy_min_version(str(value))
        version = CLASSIC_ELB_PROTOCOLS.get(str(name).lower())
        if version is not None and str(value).lower() == "true":
            versions.append(version)
    return min(versions) if versions else Unknown(reason="the policy enables no protocol")


def _listener_policy(elb: ResourceView, port: Any, ctx: MappingContext) -> tuple[TlsVersion | Unknown, Any, Origin
                                                                                  ] | None:
    """The SSL negotiation policy attached to one listener of a Classic Load Balancer, if any."""
    policies = ctx.resources("aws_load_balancer_policy")
    for attachment in ctx.referring("aws_load_balancer_listener_policy", "load_balancer_name", elb):
        if attachment.get("load_balancer_port") != port:
            continue
        names = string_list(attachment.get("policy_names"))
        refs = attachment.all_references("policy_names")
        for policy in policies:
            named = resource_base(policy.address) in refs or (
                isinstance(names, list) and policy.get("policy_name") in names)
            if named and policy.get("policy_type_name") == "SSLNegotiationPolicyType":
                return _classic_policy_version(policy), _name(policy, "policy_name"), policy.origin
    return None


def classic_elb(elb: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(elb, "name")
    for listener in elb.blocks("listener"):
        protocol, port = listener.get("lb_protocol"), listener.get("lb_port")
        label = f"{name}:{port}"
        if isinstance(protocol, Unknown):
            yield _endpoint(elb, "load_balancer_listener", label, plaintext=protocol, version=protocol,
                            plaintext_at=listener.origin)
        elif str(protocol).upper() == "HTTP":
            # A Classic Load Balancer cannot redirect: an HTTP listener serves plaintext.
            yield _endpoint(elb, "load_balancer_listener", label, plaintext=True, plaintext_at=listener.origin)
        elif str(protocol).upper() in ("HTTPS", "SSL"):
            attached = _listener_policy(elb, port, ctx)
            if attached is None:
                # Without a policy the listener gets the default ELBSecurityPolicy-2016-08 (TLS 1.0).
                version, policy, at = elb_policy_min_version(ELB_DEFAULT_POLICY), ELB_DEFAULT_POLICY, listener.origin
            else:
                version, policy, at = attached
            yield _endpoint(elb, "load_balancer_listener", label, plaintext=False, plaintext_at=listener.origin,
                            version=version, version_at=at, policy=str(policy))


def load_balancer_policy(policy: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """An SSL negotiation policy no listener of this configuration uses is judged on its own."""
    if policy.get("policy_type_name") != "SSLNegotiationPolicyType":
        return
    base = resource_base(policy.address)
    for attachment in ctx.resources("aws_load_balancer_listener_policy"):
        if base in attachment.all_references("policy_names") or policy.get("policy_name") in (
                attachment.get("policy_names") or []):
            return
    yield _endpoint(policy, "load_balancer_tls_policy", _name(policy, "policy_name"), plaintext=False,
                    plaintext_at=policy.origin, version=_classic_policy_version(policy))


def _origin_endpoints(dist: ResourceView, viewer_plaintext: bool | Unknown) -> Iterator[TlsEndpoint]:
    """What CloudFront fetches from custom origins: over HTTP (`http-only`, or `match-viewer` when viewers
    may use HTTP), and with which TLS versions (`origin_ssl_protocols`)."""
    for origin in dist.blocks("origin"):
        for config in origin.blocks("custom_origin_config"):
            policy = config.get("origin_protocol_policy")
            label = f"{dist.address} origin {origin.get('origin_id')}"
            plaintext: bool | Unknown
            if isinstance(policy, Unknown):
                plaintext = policy
            else:
                plaintext = {"http-only": True, "https-only": False}.get(str(policy), viewer_plaintext)
            protocols = string_list(config.get("origin_ssl_protocols"))
            version: TlsVersion | Unknown | None = None
            if isinstance(protocols, Unknown):
                version = protocols
            elif str(policy) != "http-only":
                parsed = [TlsVersion.parse(p) for p in protocols if isinstance(p, str)]
                known_versions = [v for v in parsed if v is not None]
                version = min(known_versions) if known_versions else None
            yield TlsEndpoint(origin=dist.origin, kind="cdn_origin", name=label, min_version=version,
                              plaintext_allowed=plaintext,
                              field_origins={"plaintext_allowed": config.origin_of("origin_protocol_policy"),
                                             "min_version": config.origin_of("origin_ssl_protocols")})


def _bucket_transport(bucket: ResourceView, ctx: MappingContext, name: str) -> TlsEndpoint:
    """S3 answers HTTP unless the bucket policy denies requests without TLS (`aws:SecureTransport`)."""
    policies = [(bucket, bucket.get("policy"))] if bucket.has("policy") else []
    policies += [(p, p.get("policy")) for p in ctx.referring("aws_s3_bucket_policy", "bucket", bucket)]
    verdict: bool | Unknown = False
    for _, document in policies:
        denied = denies_insecure_transport(document)
        if denied is True:
            verdict = True
            break
        if isinstance(denied, Unknown):
            verdict = denied
    at = policies[-1][0].origin_of("policy") if policies else bucket.origin
    return _endpoint(bucket, "object_storage", name, plaintext=_not(verdict), plaintext_at=at,
                     version=SERVICE_TLS_MINIMUM)


# -- encryption at rest -------------------------------------------------------------------------------
# Every AWS encryption at rest modelled here (SSE-S3, SSE-KMS, EBS, RDS, EFS, DynamoDB,
# Redshift, OpenSearch, SSE-SQS) uses AES-256 keys.


def _key_management(view: ResourceView, attr: str) -> KeyManagement | Unknown:
    """A KMS key attribute: unset or an AWS managed key (`alias/aws/s3`) is provider-managed."""
    value = view.get(attr)
    if value is None or value == "":
        return KeyManagement.PROVIDER
    if isinstance(value, str):
        return KeyManagement.PROVIDER if is_aws_managed_key(value) else KeyManagement.CUSTOMER
    ref = view.reference(attr)
    if ref is not None and ref.split(".")[-2].startswith("aws_kms_"):
        return KeyManagement.CUSTOMER  # a key or alias created here; AWS managed keys cannot be
    return value if isinstance(value, Unknown) else Unknown(reason=f"{attr} {value!r} is not a KMS key id")


def _store(resource: ResourceView, *, kind: str, name: str, encrypted: bool | Unknown, encrypted_at: Origin,
           key: tuple[ResourceView, str] | None, by_default: bool = False,
           algorithm: str | Unknown | None = None) -> DataStore:
    """`key`: the attribute naming a customer key, or None where only provider keys exist."""
    management: KeyManagement | Unknown
    key_at = encrypted_at
    if isinstance(encrypted, Unknown):
        management = encrypted
    elif not encrypted:
        management = KeyManagement.NONE
    elif key is None:
        management = KeyManagement.PROVIDER
    else:
        view, attr = key
        management = _key_management(view, attr)
        key_at = view.origin_of(attr) if view.has(attr) else encrypted_at
    return DataStore(origin=resource.origin, kind=kind, name=name, encrypted=encrypted, algorithm=algorithm,
                     key_bits=256 if encrypted is True else None, key_management=management, by_default=by_default,
                     field_origins={"encrypted": encrypted_at, "key_management": key_at})


def _s3_encryption(bucket: ResourceView, ctx: MappingContext) -> DataStore:
    name = _name(bucket, "bucket")
    configs = ctx.referring("aws_s3_bucket_server_side_encryption_configuration", "bucket", bucket)
    if not configs:  # before provider v4 the configuration was a block of the bucket
        configs = bucket.blocks("server_side_encryption_configuration")
    defaults = [
        d for c in configs for r in c.blocks("rule") for d in r.blocks("apply_server_side_encryption_by_default")
    ]
    if not defaults:
        # Since January 2023 S3 encrypts every bucket with SSE-S3 (AES-256) by default.
        return _store(bucket, kind="object_storage", name=name, encrypted=True, encrypted_at=bucket.origin,
                      key=None, by_default=True, algorithm="AES256")
    rule = defaults[0]
    algorithm = rule.get("sse_algorithm")
    at = rule.origin_of("sse_algorithm")
    if isinstance(algorithm, Unknown):
        return _store(bucket, kind="object_storage", name=name, encrypted=algorithm, encrypted_at=at, key=None,
                      algorithm=algorithm)
    if algorithm == "AES256":
        return _store(bucket, kind="object_storage", name=name, encrypted=True, encrypted_at=at, key=None,
                      algorithm="AES256")
    if algorithm in ("aws:kms", "aws:kms:dsse"):
        # Without kms_master_key_id S3 uses the AWS managed key aws/s3.
        return _store(bucket, kind="object_storage", name=name, encrypted=True, encrypted_at=at,
                      key=(rule, "kms_master_key_id"), algorithm=str(algorithm))
    unknown = Unknown(reason=f"sse_algorithm {algorithm!r} is not known")
    return _store(bucket, kind="object_storage", name=name, encrypted=unknown, encrypted_at=at, key=None,
                  algorithm=unknown)


def s3_bucket(bucket: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(bucket, "bucket")
    yield _s3_encryption(bucket, ctx)
    yield _bucket_transport(bucket, ctx, name)
    yield from neutralised(_policy(bucket, "policy", GrantKind.RESOURCE_POLICY, name),
                           *_block_public_access(bucket, ctx, acl=False))
    # Provider v3: the ACL and its grants on the bucket itself.
    yield from neutralised(_acl_grants(bucket, name), *_block_public_access(bucket, ctx, acl=True))


def _block_public_access(bucket: ResourceView | None, ctx: MappingContext, *, acl: bool
                         ) -> tuple[bool | Unknown, Origin | None]:
    """Whether the Block Public Access settings governing a bucket (its own, the account's) neutralise a
    public ACL (`acl`) or policy, and where the setting that does so is."""
    views = list(ctx.resources("aws_s3_account_public_access_block"))
    if bucket is not None:
        views += ctx.referring("aws_s3_bucket_public_access_block", "bucket", bucket)
    flags = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
    verdict: bool | Unknown = False
    for view in views:
        blocked = public_access_blocked([{flag: as_bool(view.get(flag), False) for flag in flags}], acl=acl)
        if blocked is True:
            return True, view.origin
        if isinstance(blocked, Unknown):
            verdict = blocked
    return verdict, None


def _bucket_of(view: ResourceView, ctx: MappingContext) -> ResourceView | None:
    ref, value = view.reference("bucket"), view.get("bucket")
    for bucket in ctx.resources("aws_s3_bucket"):
        if resource_base(bucket.address) == ref or (isinstance(value, str) and bucket.get("bucket") == value):
            return bucket
    return None


def _acl_grants(view: ResourceView, bucket: str) -> list[AccessGrant]:
    """A canned `acl`, and grants to groups (`grant` blocks, or `access_control_policy` on aws_s3_bucket_acl)."""
    grants: list[AccessGrant] = []
    canned = view.get("acl")
    if isinstance(canned, Unknown):
        grants.append(AccessGrant(origin=view.origin_of("acl"), kind=GrantKind.RESOURCE_POLICY,
                                  name=f"{bucket} ACL", principals=canned, actions=canned, resources=[bucket]))
    elif isinstance(canned, str):
        for grantee, permissions in PUBLIC_CANNED_ACLS.get(canned, ()):
            grants.append(acl_grant(bucket=bucket, grantee=grantee, permissions=permissions,
                                    name=f"{bucket} ACL {canned}", origin=view.origin_of("acl")))
    blocks = [*view.blocks("grant"), *(g for p in view.blocks("access_control_policy") for g in p.blocks("grant"))]
    for block in blocks:
        grantees = block.blocks("grantee")
        holder = grantees[0] if grantees else block
        uri = holder.get("uri")
        if not isinstance(uri, str) or not is_public_grantee(uri):
            continue
        listed = string_list(block.get("permissions") if block.has("permissions") else block.get("permission"))
        allowed = [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []
        grants.append(acl_grant(bucket=bucket, grantee=uri, permissions=allowed,
                                name=f"{bucket} ACL grant to {uri.rsplit('/', 1)[-1]}", origin=block.origin))
    return grants


def s3_bucket_acl(acl: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    bucket = _bucket_of(acl, ctx)
    name = _name(bucket, "bucket") if bucket is not None else _target_name(acl, "bucket", ctx)
    yield from neutralised(_acl_grants(acl, name), *_block_public_access(bucket, ctx, acl=True))


def s3_bucket_policy(policy: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    bucket = _bucket_of(policy, ctx)
    name = _name(bucket, "bucket") if bucket is not None else _target_name(policy, "bucket", ctx)
    yield from neutralised(_policy(policy, "policy", GrantKind.RESOURCE_POLICY, name),
                           *_block_public_access(bucket, ctx, acl=False))


def lambda_permission(permission: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """A statement of a function's resource policy. `source_arn`, `source_account` and `principal_org_id`
    narrow who may invoke through it."""
    narrowing = {"source_arn": "aws:sourcearn", "source_account": "aws:sourceaccount",
                 "principal_org_id": "aws:principalorgid"}
    conditions = [key for attr, key in narrowing.items() if isinstance(permission.get(attr), (str, Unknown))]
    principal, action = permission.get("principal"), permission.get("action")
    function = _target_name(permission, "function_name", ctx)
    yield AccessGrant(origin=permission.origin, kind=GrantKind.RESOURCE_POLICY, name=f"{function} permission "
                      f"{_name(permission, 'statement_id')}", principals=[principal] if principal is not None else [],
                      actions=[action] if action is not None else [], resources=[function], conditions=conditions,
                      field_origins={"principals": permission.origin_of("principal"),
                                     "actions": permission.origin_of("action")})


def lambda_function_url(url: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """`authorization_type = "NONE"`: anyone on the internet may invoke the function through its URL."""
    auth = url.get("authorization_type")
    if isinstance(auth, str) and auth.upper() != "NONE":
        return
    function = _target_name(url, "function_name", ctx)
    principals: list[str | Unknown] = [auth if isinstance(auth, Unknown) else "*"]
    yield AccessGrant(origin=url.origin, kind=GrantKind.RESOURCE_POLICY, name=f"{function} function URL",
                      principals=principals, actions=["lambda:InvokeFunctionUrl"], resources=[function],
                      field_origins={"principals": url.origin_of("authorization_type")})


def _sharing(action: str, target_attr: str, principal_attrs: Sequence[str]) -> Mapper:
    """A launch or create-volume permission: shared with an account, an organisation, or everyone
    (`group = "all"`, the API's public group)."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        principals: list[str | Unknown] = []
        for attr in principal_attrs:
            value = view.get(attr)
            if value is not None:
                principals.append(value if isinstance(value, Unknown) else "*" if str(value) == "all" else str(value))
        target = _target_name(view, target_attr, ctx)
        yield AccessGrant(origin=view.origin, kind=GrantKind.RESOURCE_POLICY, name=f"{target} shared", actions=[action],
                          principals=principals, resources=[target],
                          field_origins={"principals": view.origin_of(next(
                              (a for a in principal_attrs if view.has(a)), principal_attrs[0]))})

    return mapper


def _ebs_account_default(ctx: MappingContext) -> tuple[bool | Unknown, tuple[ResourceView, str] | None]:
    """EBS encryption by default as this module sets it, and its default key (`aws_ebs_default_kms_key`)."""
    enabled: bool | Unknown = False
    for setting in ctx.resources("aws_ebs_encryption_by_default"):
        value = as_bool(setting.get("enabled"), True)
        if value is True:
            enabled = True
            break
        if isinstance(value, Unknown):
            enabled = value
    keys = ctx.resources("aws_ebs_default_kms_key")
    return enabled, ((keys[0], "key_arn") if keys else None)


def _ebs_store(volume: ResourceView, ctx: MappingContext, *, name: str, inherited: str | None) -> DataStore:
    """An EBS volume or an instance's block device. `inherited`: why an unset `encrypted` is not simply false."""
    value = volume.get("encrypted")
    account_default, default_key = _ebs_account_default(ctx)
    encrypted: bool | Unknown
    if account_default is True:
        # With EBS encryption by default every new volume is encrypted, whatever `encrypted` says.
        encrypted, by_default = True, as_bool(value, False) is not True
    elif value is not None:
        encrypted, by_default = as_bool(value, False), False
    elif inherited is not None:
        encrypted, by_default = Unknown(reason=inherited), False
    else:
        encrypted, by_default = account_default, False
    key = (volume, "kms_key_id") if volume.has("kms_key_id") or default_key is None else default_key
    return _store(volume, kind="block_volume", name=name, encrypted=encrypted,
                  encrypted_at=volume.origin_of("encrypted"), key=key, by_default=by_default)


_FROM_SNAPSHOT = "encrypted is not set, so the volume is encrypted only if its snapshot is; set encrypted = true"


def ebs_volume(volume: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    inherited = _FROM_SNAPSHOT if volume.get("snapshot_id") is not None else None
    yield _ebs_store(volume, ctx, name=_name(volume), inherited=inherited)


def instance(vm: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Each block device is a data store of its own, located at its block."""
    name = _name(vm)
    for root in vm.blocks("root_block_device"):
        yield _ebs_store(root, ctx, name=f"{name} root volume",
                         inherited="encrypted is not set, so the root volume is encrypted only if the AMI's "
                                   "snapshot is; set encrypted = true")
    for device in vm.blocks("ebs_block_device"):
        label = device.get("device_name")
        yield _ebs_store(device, ctx, name=f"{name} {label if isinstance(label, str) else 'ebs_block_device'}",
                         inherited=_FROM_SNAPSHOT if device.get("snapshot_id") is not None else None)


def _db_store(db: ResourceView, *, kind: str, name: str, attr: str, key_attr: str, default: bool | Unknown,
              inherit: Sequence[str] = ()) -> DataStore:
    """Databases and clusters: `attr` set, unset with a source to inherit from, or unset (the default)."""
    value = db.get(attr)
    by_default = False
    if value is not None:
        encrypted, at = as_bool(value, False), db.origin_of(attr)
    elif (source := next((a for a in inherit if db.get(a) is not None), None)) is not None:
        encrypted = Unknown(reason=f"{attr} is not set, so encryption follows {source}; set {attr} = true")
        at = db.origin_of(source)
    else:
        encrypted, at, by_default = default, db.origin, default is True
    return _store(db, kind=kind, name=name, encrypted=encrypted, encrypted_at=at, key=(db, key_attr),
                  by_default=by_default)


def db_instance(db: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    engine = db.get("engine")
    if isinstance(engine, str) and engine.startswith("aurora"):
        # An Aurora instance stores nothing itself (its cluster's storage is mapped), but it has an endpoint.
        yield from _public_endpoint(db, ctx, name=_name(db, "identifier"), default=RDS_PUBLIC_DEFAULT,
                                    port=_db_port(db, engine))
        return
    # storage_encrypted defaults to false.
    yield _db_store(db, kind="database", name=_name(db, "identifier"), attr="storage_encrypted",
                    key_attr="kms_key_id", default=False, inherit=("replicate_source_db", "snapshot_identifier"))
    yield from _public_endpoint(db, ctx, name=_name(db, "identifier"), default=RDS_PUBLIC_DEFAULT,
                                port=_db_port(db, engine))


def rds_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    # storage_encrypted defaults to false, except for Aurora Serverless v1, which is always encrypted.
    mode = cluster.get("engine_mode", "provisioned")
    default = mode if isinstance(mode, Unknown) else mode == "serverless"
    yield _db_store(cluster, kind="database", name=_name(cluster, "cluster_identifier"), attr="storage_encrypted",
                    key_attr="kms_key_id", default=default,
                    inherit=("snapshot_identifier", "replication_source_identifier"))


def neptune_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    yield _db_store(cluster, kind="database", name=_name(cluster, "cluster_identifier"), attr="storage_encrypted",
                    key_attr="kms_key_arn", default=False,
                    inherit=("snapshot_identifier", "replication_source_identifier"))


def docdb_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    yield _db_store(cluster, kind="database", name=_name(cluster, "cluster_identifier"), attr="storage_encrypted",
                    key_attr="kms_key_id", default=False, inherit=("snapshot_identifier",))


def efs_file_system(fs: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    yield _db_store(fs, kind="file_system", name=_name(fs, "creation_token"), attr="encrypted",
                    key_attr="kms_key_id", default=False)


_REDSHIFT_UNSET = (
    "encrypted is not set: AWS encrypts clusters created since January 2025 (provider v6 defaults it to true), "
    "but clusters created before stay unencrypted; set encrypted = true"
)


def redshift_cluster(cluster: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    yield _db_store(cluster, kind="data_warehouse", name=_name(cluster, "cluster_identifier"), attr="encrypted",
                    key_attr="kms_key_id", default=Unknown(reason=_REDSHIFT_UNSET))
    yield from _public_endpoint(cluster, ctx, name=_name(cluster, "cluster_identifier"),
                                default=Unknown(reason=REDSHIFT_PUBLIC_UNSET), port=_db_port(cluster, "redshift"))


def _public_database(name_attr: str, *, engine: str | None = None, groups_attr: str = "vpc_security_group_ids",
                     cluster_type: str | None = None) -> Mapper:
    """An instance or workgroup that stores nothing itself but may have a public endpoint. A cluster's
    instances are guarded by the cluster's security groups (`cluster_type`)."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        holder: ResourceView | Unknown | None = None
        if cluster_type is not None:
            ref, value = view.reference("cluster_identifier"), view.get("cluster_identifier")
            holder = next((c for c in ctx.resources(cluster_type) if c.address.split("[", 1)[0] == ref or (
                isinstance(value, str) and c.get("cluster_identifier") == value)), None) or Unknown(
                reason="the instance uses its cluster's security groups, and the cluster is not in this configuration")
        yield from _public_endpoint(view, ctx, name=_name(view, name_attr), default=RDS_PUBLIC_DEFAULT,
                                    port=_db_port(view, engine or view.get("engine")), groups_attr=groups_attr,
                                    groups_holder=holder)

    return mapper


def dms_replication_instance(instance: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Every port its security groups open reaches a public replication instance."""
    yield from _public_endpoint(instance, ctx, name=_name(instance, "replication_instance_id"),
                                default=DMS_PUBLIC_DEFAULT, port=None)


def dynamodb_table(table: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(table, "name")
    blocks = table.blocks("server_side_encryption")
    enabled = as_bool(blocks[0].get("enabled"), False) if blocks else False
    at = blocks[0].origin_of("enabled") if blocks else table.origin
    if enabled is False:
        # Tables are always encrypted; without a KMS option DynamoDB uses an AWS owned key.
        yield _store(table, kind="table", name=name, encrypted=True, encrypted_at=at, key=None, by_default=True)
        return
    store = _store(table, kind="table", name=name, encrypted=True, encrypted_at=at, key=(blocks[0], "kms_key_arn"))
    # `enabled` unknown: encrypted either way, but by whose key is unknown.
    yield store.model_copy(update={"key_management": enabled}) if isinstance(enabled, Unknown) else store


def _search_encryption(domain: ResourceView) -> DataStore:
    blocks = domain.blocks("encrypt_at_rest")
    name = _name(domain, "domain_name")
    if not blocks:  # the API leaves encryption at rest off
        return _store(domain, kind="search_domain", name=name, encrypted=False, encrypted_at=domain.origin, key=None)
    block = blocks[0]
    return _store(domain, kind="search_domain", name=name, encrypted=as_bool(block.get("enabled"), False),
                  encrypted_at=block.origin_of("enabled"), key=(block, "kms_key_id"))


def _node_to_node(domain: ResourceView) -> TlsEndpoint:
    """Traffic between the domain's nodes is plaintext unless node-to-node encryption is on (off by default)."""
    blocks = domain.blocks("node_to_node_encryption")
    enabled = as_bool(blocks[0].get("enabled"), False) if blocks else False
    return _endpoint(domain, "search_cluster_nodes", _name(domain, "domain_name"), plaintext=_not(enabled),
                     plaintext_at=blocks[0].origin_of("enabled") if blocks else domain.origin,
                     version=SERVICE_TLS_MINIMUM if enabled is True else None)


def search_domain(domain: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    yield _search_tls(domain)
    yield _node_to_node(domain)
    yield _search_encryption(domain)
    yield from _policy(domain, "access_policies", GrantKind.RESOURCE_POLICY, _name(domain, "domain_name"))


_SQS_UNSET = (
    "neither kms_master_key_id nor sqs_managed_sse_enabled is set: SQS encrypts queues created since "
    "October 2022 (SSE-SQS), but older queues stay unencrypted; set sqs_managed_sse_enabled = true"
)


def sqs_queue(queue: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(queue, "name")
    if queue.get("kms_master_key_id") is not None:
        yield _store(queue, kind="queue", name=name, encrypted=True, encrypted_at=queue.origin_of("kms_master_key_id"),
                     key=(queue, "kms_master_key_id"), algorithm="aws:kms")
    else:
        managed = queue.get("sqs_managed_sse_enabled")
        encrypted = Unknown(reason=_SQS_UNSET) if managed is None else as_bool(managed, False)
        yield _store(queue, kind="queue", name=name, encrypted=encrypted,
                     encrypted_at=queue.origin_of("sqs_managed_sse_enabled"), key=None)
    yield from _policy(queue, "policy", GrantKind.RESOURCE_POLICY, name)


def sns_topic(topic: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """SNS server-side encryption is opt-in: without `kms_master_key_id` messages are stored unencrypted."""
    name = _name(topic, "name")
    key = topic.get("kms_master_key_id")
    encrypted: bool | Unknown = key if isinstance(key, Unknown) else bool(key)
    yield _store(topic, kind="message_topic", name=name, encrypted=encrypted,
                 encrypted_at=topic.origin_of("kms_master_key_id"), key=(topic, "kms_master_key_id"),
                 algorithm="aws:kms" if encrypted is True else None)
    yield from _policy(topic, "policy", GrantKind.RESOURCE_POLICY, name)


def mq_broker(broker: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Always encrypted; by an AWS owned key unless `use_aws_owned_key = false` (then a KMS key, the AWS
    managed aws/mq unless `kms_key_id` names a customer-managed one)."""
    blocks = broker.blocks("encryption_options")
    options = blocks[0] if blocks else None
    owned = as_bool(options.get("use_aws_owned_key"), True) if options else True
    key = None if owned is True or options is None else (options, "kms_key_id")
    store = _store(broker, kind="message_broker", name=_name(broker, "broker_name"), encrypted=True,
                   encrypted_at=broker.origin, key=key, by_default=options is None)
    yield store.model_copy(update={"key_management": owned}) if isinstance(owned, Unknown) else store


def lambda_environment(function: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Environment variables are always encrypted at rest, by the AWS managed aws/lambda key unless
    `kms_key_arn` names a customer-managed one. A function without variables stores none."""
    if not function.blocks("environment"):
        return
    yield _store(function, kind="function_environment", name=_name(function, "function_name"), encrypted=True,
                 encrypted_at=function.blocks("environment")[0].origin, key=(function, "kms_key_arn"),
                 by_default=not function.has("kms_key_arn"))


def ecr_repository(repo: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Images are always encrypted: AES256 with an ECR key, or KMS (aws/ecr unless `kms_key` is given)."""
    blocks = repo.blocks("encryption_configuration")
    config = blocks[0] if blocks else None
    kind = config.get("encryption_type", "AES256") if config else "AES256"
    kms = isinstance(kind, str) and kind.upper().startswith("KMS")
    yield _store(repo, kind="container_registry", name=_name(repo, "name"), encrypted=True,
                 encrypted_at=config.origin_of("encryption_type") if config else repo.origin,
                 key=(config, "kms_key") if kms and config is not None else None, by_default=config is None)


def _always_encrypted(kind: str, name_attr: str, key_attr: str, block: str | None = None) -> Mapper:
    """A store AWS always encrypts with AES-256 (log groups, secrets, backup vaults, FSx …): by an AWS
    managed key unless `key_attr` (on the resource, or in `block`) names a customer-managed one."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        blocks = view.blocks(block) if block else [view]
        key_view = blocks[0] if blocks else view
        yield _store(view, kind=kind, name=_name(view, name_attr), encrypted=True, encrypted_at=view.origin,
                     key=(key_view, key_attr), by_default=not key_view.has(key_attr))

    return mapper


def _switch_encrypted(attr: str, kind: str, name_attr: str, key_attr: str | None, *, default: bool = False,
                      block: str | None = None, on: Sequence[str] = ()) -> Mapper:
    """Encryption turned on by `attr` (in `block` when given): a boolean, or one of the values `on`."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        blocks = view.blocks(block) if block else [view]
        holder = blocks[0] if blocks else None
        value = holder.get(attr) if holder is not None else None
        if value is None:
            encrypted: bool | Unknown = default
        elif on:
            encrypted = value if isinstance(value, Unknown) else str(value).upper() in on
        else:
            encrypted = as_bool(value, default)
        at = holder.origin_of(attr) if holder is not None else view.origin
        key = (holder, key_attr) if holder is not None and key_attr else None
        yield _store(view, kind=kind, name=_name(view, name_attr), encrypted=encrypted, encrypted_at=at, key=key)

    return mapper


def _copy_store(kind: str, name_attr: str, source: str) -> Mapper:
    """A copy (AMI, snapshot) is encrypted when `encrypted = true`, or when its source is; the source is
    not in the configuration, so an unset or false `encrypted` is could-not-evaluate."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        value = as_bool(view.get("encrypted"), False)
        encrypted: bool | Unknown = True if value is True else value if isinstance(value, Unknown) else Unknown(
            reason=f"encrypted is not true, so the copy is encrypted only if {source} is; set encrypted = true")
        yield _store(view, kind=kind, name=_name(view, name_attr), encrypted=encrypted,
                     encrypted_at=view.origin_of("encrypted"), key=(view, "kms_key_id"))

    return mapper


def _snapshot_of(attr: str, source_type: str, source_mapper: Mapper, kind: str) -> Mapper:
    """A snapshot is encrypted as its volume or database is: judged from that resource when it is here."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        ref = view.reference(attr)
        sources = [r for r in ctx.resources(source_type) if ref is not None and resource_base(r.address) == ref]
        stores = [a for r in sources[:1] for a in source_mapper(r, ctx) if isinstance(a, DataStore)]
        name = view.address
        if not stores:
            unknown = Unknown(reason=f"the snapshot is encrypted as {attr} is, which is not in this configuration")
            yield _store(view, kind=kind, name=name, encrypted=unknown, encrypted_at=view.origin_of(attr), key=None)
            return
        yield stores[0].model_copy(update={"origin": view.origin, "name": name, "kind": kind, "field_origins": {
            "encrypted": view.origin_of(attr), "key_management": view.origin_of(attr)}})

    return mapper


def launch_template(template: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(template, "name")
    for mapping in template.blocks("block_device_mappings"):
        label = mapping.get("device_name")
        for ebs in mapping.blocks("ebs"):
            yield _ebs_store(ebs, ctx, name=f"{name} {label if isinstance(label, str) else 'block device'}",
                             inherited=_FROM_SNAPSHOT if ebs.get("snapshot_id") is not None else None)


def ami(image: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """An AMI registered from snapshots: each block device is encrypted as its snapshot is, unless set."""
    name = _name(image, "name")
    for device in image.blocks("ebs_block_device"):
        label = device.get("device_name")
        yield _ebs_store(device, ctx, name=f"{name} {label if isinstance(label, str) else 'block device'}",
                         inherited=_FROM_SNAPSHOT if device.get("snapshot_id") is not None else None)


def workspace(ws: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(ws, "user_name")
    for volume in ("root", "user"):
        store = _db_store(ws, kind="block_volume", name=f"{name} {volume} volume",
                          attr=f"{volume}_volume_encryption_enabled", key_attr="volume_encryption_key", default=False)
        yield store.model_copy(update={"origin": ws.origin.at(None, f"{volume}_volume")})


def firehose_delivery_stream(stream: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Firehose stores what it buffers encrypted only with server-side encryption on; a stream fed by
    a Kinesis data stream stores nothing of its own (the source stream's encryption applies)."""
    if stream.blocks("kinesis_source_configuration"):
        return
    name = _name(stream, "name")
    blocks = stream.blocks("server_side_encryption")
    sse = blocks[0] if blocks else None
    enabled = as_bool(sse.get("enabled"), False) if sse else False
    customer = sse is not None and sse.get("key_type") == "CUSTOMER_MANAGED_CMK"
    yield _store(stream, kind="stream", name=name, encrypted=enabled,
                 encrypted_at=sse.origin_of("enabled") if sse else stream.origin,
                 key=(sse, "key_arn") if sse is not None and customer else None)


def glue_catalog_encryption(settings: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """The Data Catalog's metadata, and the connection passwords it keeps."""
    for config in settings.blocks("data_catalog_encryption_settings"):
        for rest in config.blocks("encryption_at_rest"):
            mode = rest.get("catalog_encryption_mode")
            encrypted: bool | Unknown = mode if isinstance(mode, Unknown) else str(mode).upper() != "DISABLED"
            yield _store(settings, kind="data_catalog", name="Glue Data Catalog", encrypted=encrypted,
                         encrypted_at=rest.origin_of("catalog_encryption_mode"), key=(rest, "sse_aws_kms_key_id"))
        for passwords in config.blocks("connection_password_encryption"):
            enabled = as_bool(passwords.get("return_connection_password_encrypted"), False)
            yield _store(settings, kind="secret", name="Glue connection passwords", encrypted=enabled,
                         encrypted_at=passwords.origin_of("return_connection_password_encrypted"),
                         key=(passwords, "aws_kms_key_id"))


_GLUE_TARGETS = (
    # (block, mode attribute, key attribute, what)
    ("s3_encryption", "s3_encryption_mode", "kms_key_arn", "S3 output"),
    ("cloudwatch_encryption", "cloudwatch_encryption_mode", "kms_key_arn", "logs"),
    ("job_bookmarks_encryption", "job_bookmarks_encryption_mode", "kms_key_arn", "job bookmarks"),
)


def glue_security_configuration(config: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(config, "name")
    for encryption in config.blocks("encryption_configuration"):
        for block, mode_attr, key_attr, what in _GLUE_TARGETS:
            platform = GLUE_PLATFORM_ENCRYPTED[what]
            for target in encryption.blocks(block):
                mode = target.get(mode_attr, "DISABLED")
                disabled = mode if isinstance(mode, Unknown) else str(mode).upper() == "DISABLED"
                encrypted: bool | Unknown = disabled if isinstance(disabled, Unknown) else (not disabled or platform)
                key = None if disabled is True or str(mode).upper() == "SSE-S3" else (target, key_attr)
                yield _store(config, kind="job_data", name=f"{name} {what}", encrypted=encrypted,
                             encrypted_at=target.origin_of(mode_attr), key=key, by_default=disabled is True)


def athena_results(path: Sequence[str]) -> Mapper:
    """Query results go to S3, which encrypts every new object (SSE-S3) when nothing else is asked; an
    encryption configuration with SSE_KMS or CSE_KMS and a key makes it customer-managed."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        holders: list[ResourceView] = [view]
        for block in path:
            holders = [b for h in holders for b in h.blocks(block)]
        name = _name(view, "name")
        if not holders:
            yield _store(view, kind="query_results", name=name, encrypted=True, encrypted_at=view.origin, key=None,
                         by_default=True, algorithm="AES256")
            return
        holder = holders[0]
        option = holder.get("encryption_option")
        key_attr = "kms_key_arn" if holder.has("kms_key_arn") else "kms_key"
        kms = isinstance(option, str) and option.upper() in ("SSE_KMS", "CSE_KMS")
        yield _store(view, kind="query_results", name=name, encrypted=option if isinstance(option, Unknown) else True,
                     encrypted_at=holder.origin_of("encryption_option"), key=(holder, key_attr) if kms else None)

    return mapper


def api_gateway_method_settings(settings: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """A stage's response cache holds API responses; it is encrypted only with `cache_data_encrypted`."""
    for block in settings.blocks("settings"):
        caching = as_bool(block.get("caching_enabled"), False)
        if caching is False:
            continue
        encrypted = as_bool(block.get("cache_data_encrypted"), False)
        if isinstance(caching, Unknown) and encrypted is not True:
            encrypted = caching
        yield _store(settings, kind="cache", name=f"{settings.address} cache", encrypted=encrypted,
                     encrypted_at=block.origin_of("cache_data_encrypted"), key=None)


def codebuild_project(project: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    """Artifacts land in S3. `encryption_disabled = true` only stops CodeBuild asking for encryption: S3
    still encrypts every new object with SSE-S3 (AES-256), so it is a provider-managed key, not plaintext."""
    name = _name(project, "name")
    for artifacts in (*project.blocks("artifacts"), *project.blocks("secondary_artifacts")):
        kind = artifacts.get("type")
        if isinstance(kind, str) and kind.upper() == "NO_ARTIFACTS":
            continue
        disabled = as_bool(artifacts.get("encryption_disabled"), False)
        yield _store(project, kind="build_artifacts", name=f"{name} artifacts", encrypted=True,
                     encrypted_at=artifacts.origin_of("encryption_disabled"),
                     key=None if disabled is True else (project, "encryption_key"), by_default=disabled is True,
                     algorithm="AES256" if disabled is True else None)


# -- identity and access ------------------------------------------------------------------------------


def _policy(view: ResourceView, attr: str, kind: GrantKind, name: str, self_resource: str | None = None
            ) -> list[AccessGrant]:
    if not view.has(attr):
        return []
    return grants_from_policy(view.get(attr), kind=kind, name=name, origin=view.origin_of(attr),
                              statement_origins=view.statement_origins(attr), self_resource=self_resource)


def _named_policy(kind: GrantKind, attr: str, name_attr: str) -> Mapper:
    """A resource whose `attr` is a policy document; the grant is named after `name_attr`."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        yield from _policy(view, attr, kind, _name(view, name_attr))

    return mapper


def _attached_policy(attr: str, target: str, kind: GrantKind = GrantKind.RESOURCE_POLICY) -> Mapper:
    """A policy attached to another resource (`bucket`, `queue_url`, …), named after it."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        yield from _policy(view, attr, kind, _target_name(view, target, ctx))

    return mapper


def kms_key(key: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    # In a key policy `Resource: "*"` is the key itself, not every key.
    yield from _policy(key, "policy", GrantKind.RESOURCE_POLICY, _name(key, "description"), self_resource=key.address)


def iam_role(role: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
    name = _name(role, "name")
    yield from _policy(role, "assume_role_policy", GrantKind.TRUST_POLICY, f"{name} trust policy")
    for block in role.blocks("inline_policy"):
        label = block.get("name")
        yield from _policy(block, "policy", GrantKind.IDENTITY_POLICY,
                           label if isinstance(label, str) and label else f"{name} inline policy")
    arns = string_list(role.get("managed_policy_arns"))
    arn_list: list[str | Unknown] = [arns] if isinstance(arns, Unknown) else arns
    for arn in arn_list:
        yield _assignment(role, role=_policy_role(arn, None), principals=[name],
                          role_at=role.origin_of("managed_policy_arns"), principals_at=role.origin)


def _policy_role(arn: Any, ref: str | None) -> str | Unknown:
    """What an attachment gives: an AWS managed policy's name, or the customer policy's ARN or address."""
    if isinstance(arn, str):
        return managed_policy_name(arn) or arn
    if isinstance(arn, Unknown) and managed_policy_name(arn):
        return managed_policy_name(arn) or arn  # `arn:${partition}:iam::aws:policy/X` is X in every partition
    if ref is not None:
        return ref  # a policy of this module, whose own statements are mapped from its document
    return arn if isinstance(arn, Unknown) else Unknown(reason="policy_arn is not set")


def _principal_names(view: ResourceView, attrs: Sequence[str], ctx: MappingContext) -> list[str | Unknown] | Unknown:
    names: list[str | Unknown] = []
    for attr in attrs:
        value = view.get(attr)
        if isinstance(value, Unknown) and view.reference(attr) is not None:
            names.append(_target_name(view, attr, ctx))
            continue
        listed = string_list(value)
        if isinstance(listed, Unknown):
            return listed
        names.extend(listed)
    return names


def _assignment(view: ResourceView, *, role: str | Unknown, principals: list[str | Unknown] | Unknown,
                role_at: Origin, principals_at: Origin) -> AccessGrant:
    # Identity policies hold in the whole account, wherever they are attached.
    return AccessGrant(origin=view.origin, kind=GrantKind.ROLE_ASSIGNMENT, name=view.address, role=role,
                       scope=Scope.ACCOUNT, principals=principals,
                       field_origins={"role": role_at, "principals": principals_at})


def _policy_attachment(*principal_attrs: str) -> Mapper:
    """`aws_iam_*_policy_attachment`: a managed or customer policy attached to roles, users or groups."""

    def mapper(view: ResourceView, ctx: MappingContext) -> Iterator[Asset]:
        role = _policy_role(view.get("policy_arn"), view.reference("policy_arn"))
        yield _assignment(view, role=role, principals=_principal_names(view, principal_attrs, ctx),
                          role_at=view.origin_of("policy_arn"), principals_at=view.origin_of(principal_attrs[0]))

    return mapper


MAPPERS = {
    "aws_security_group": security_group,
    "aws_default_security_group": security_group,
    "aws_security_group_rule": _standalone(
        "security_group_rule", lambda r: _sg_rule(r, _direction(r.get("type")), r.address)),
    "aws_vpc_security_group_ingress_rule": _standalone(
        "vpc_ingress_rule", lambda r: _vpc_rule(r, Direction.INGRESS)),
    "aws_vpc_security_group_egress_rule": _standalone(
        "vpc_egress_rule", lambda r: _vpc_rule(r, Direction.EGRESS)),
    "aws_network_acl": network_acl,
    "aws_default_network_acl": network_acl,
    "aws_network_acl_rule": _standalone(
        "network_acl_rule", lambda r: _acl_rule(r, _acl_direction(r.get("egress")), number="rule_number",
                                                action="rule_action"),
        attr="network_acl_id", parents=_ACL_TYPES, ordering="priority", stateless=True),
    "aws_eks_cluster": eks_cluster,
    # encryption in transit
    "aws_lb_listener": lb_listener,
    "aws_alb_listener": lb_listener,
    "aws_cloudfront_distribution": cloudfront_distribution,
    "aws_elb": classic_elb,
    "aws_load_balancer_policy": load_balancer_policy,
    "aws_api_gateway_domain_name": api_gateway_domain("security_policy", None, API_GATEWAY_DEFAULT_POLICY),
    "aws_apigatewayv2_domain_name": api_gateway_domain("security_policy", "domain_name_configuration", None),
    "aws_msk_cluster": msk_cluster,
    "aws_elasticache_replication_group": elasticache_replication_group,
    "aws_memorydb_cluster": _tls_switch("tls_enabled", kind="cache", name_attr="name", default=True),
    "aws_ecs_task_definition": ecs_task_definition,
    "aws_db_parameter_group": db_parameter_group,
    "aws_rds_cluster_parameter_group": db_parameter_group,
    "aws_redshift_parameter_group": db_parameter_group,
    "aws_dms_endpoint": dms_endpoint,
    # encryption at rest (and the resource policies some of these hold)
    "aws_s3_bucket": s3_bucket,
    "aws_ebs_volume": ebs_volume,
    "aws_instance": instance,
    "aws_db_instance": db_instance,
    "aws_rds_cluster": rds_cluster,
    "aws_neptune_cluster": neptune_cluster,
    "aws_docdb_cluster": docdb_cluster,
    "aws_efs_file_system": efs_file_system,
    "aws_redshift_cluster": redshift_cluster,
    "aws_dms_replication_instance": dms_replication_instance,
    "aws_rds_cluster_instance": _public_database("identifier", cluster_type="aws_rds_cluster"),
    "aws_neptune_cluster_instance": _public_database("identifier", engine="neptune",
                                                     cluster_type="aws_neptune_cluster"),
    "aws_redshiftserverless_workgroup": _public_database("workgroup_name", engine="redshift",
                                                         groups_attr="security_group_ids"),
    "aws_dynamodb_table": dynamodb_table,
    "aws_elasticsearch_domain": search_domain,
    "aws_opensearch_domain": search_domain,
    "aws_sqs_queue": sqs_queue,
    "aws_launch_configuration": instance,
    "aws_launch_template": launch_template,
    "aws_ami": ami,
    "aws_ami_copy": _copy_store("machine_image", "name", "the source AMI"),
    "aws_ebs_snapshot_copy": _copy_store("snapshot", "description", "the source snapshot"),
    "aws_ebs_snapshot": _snapshot_of("volume_id", "aws_ebs_volume", ebs_volume, "snapshot"),
    "aws_db_snapshot": _snapshot_of("db_instance_identifier", "aws_db_instance", db_instance, "snapshot"),
    "aws_db_cluster_snapshot": _snapshot_of("db_cluster_identifier", "aws_rds_cluster", rds_cluster, "snapshot"),
    "aws_workspaces_workspace": workspace,
    "aws_kinesis_stream": _switch_encrypted("encryption_type", "stream", "name", "kms_key_id", on=("KMS",)),
    "aws_kinesis_firehose_delivery_stream": firehose_delivery_stream,
    "aws_glue_data_catalog_encryption_settings": glue_catalog_encryption,
    "aws_glue_security_configuration": glue_security_configuration,
    "aws_athena_workgroup": athena_results(("configuration", "result_configuration", "encryption_configuration")),
    "aws_athena_database": athena_results(("encryption_configuration",)),
    "aws_dax_cluster": _switch_encrypted("enabled", "cache", "cluster_name", None, block="server_side_encryption"),
    "aws_api_gateway_method_settings": api_gateway_method_settings,
    "aws_codebuild_project": codebuild_project,
    "aws_sagemaker_notebook_instance": _always_encrypted("notebook_volume", "name", "kms_key_id"),
    "aws_sagemaker_endpoint_configuration": _always_encrypted("ml_storage_volume", "name", "kms_key_arn"),
    "aws_mq_broker": mq_broker,
    "aws_backup_vault": _always_encrypted("backup_vault", "name", "kms_key_arn"),
    "aws_fsx_lustre_file_system": _always_encrypted("file_system", "dns_name", "kms_key_id"),
    "aws_fsx_windows_file_system": _always_encrypted("file_system", "dns_name", "kms_key_id"),
    "aws_fsx_ontap_file_system": _always_encrypted("file_system", "dns_name", "kms_key_id"),
    "aws_fsx_openzfs_file_system": _always_encrypted("file_system", "dns_name", "kms_key_id"),
    "aws_cloudwatch_log_group": _always_encrypted("log_group", "name", "kms_key_id"),
    "aws_cloudtrail": _always_encrypted("audit_log", "name", "kms_key_id"),
    "aws_ecr_repository": ecr_repository,
    "aws_lambda_function": lambda_environment,
    "aws_secretsmanager_secret": _always_encrypted("secret", "name", "kms_key_id"),
    # identity and access
    "aws_iam_policy": _named_policy(GrantKind.IDENTITY_POLICY, "policy", "name"),
    "aws_iam_role_policy": _named_policy(GrantKind.IDENTITY_POLICY, "policy", "name"),
    "aws_iam_user_policy": _named_policy(GrantKind.IDENTITY_POLICY, "policy", "name"),
    "aws_iam_group_policy": _named_policy(GrantKind.IDENTITY_POLICY, "policy", "name"),
    "aws_iam_role": iam_role,
    "aws_iam_role_policy_attachment": _policy_attachment("role"),
    "aws_iam_user_policy_attachment": _policy_attachment("user"),
    "aws_iam_group_policy_attachment": _policy_attachment("group"),
    "aws_iam_policy_attachment": _policy_attachment("roles", "users", "groups"),
    "aws_kms_key": kms_key,
    "aws_sns_topic": sns_topic,
    "aws_s3_bucket_policy": s3_bucket_policy,
    "aws_s3_bucket_acl": s3_bucket_acl,
    "aws_lambda_permission": lambda_permission,
    "aws_lambda_function_url": lambda_function_url,
    "aws_ami_launch_permission": _sharing("ec2:RunInstances", "image_id",
                                          ("group", "account_id", "organization_arn", "organizational_unit_arn")),
    "aws_snapshot_create_volume_permission": _sharing("ec2:CreateVolume", "snapshot_id", ("account_id",)),
    "aws_efs_file_system_policy": _attached_policy("policy", "file_system_id"),
    "aws_glue_resource_policy": _named_policy(GrantKind.RESOURCE_POLICY, "policy", "Glue Data Catalog"),
    "aws_secretsmanager_secret_policy": _attached_policy("policy", "secret_arn"),
    "aws_api_gateway_rest_api_policy": _attached_policy("policy", "rest_api_id"),
    "aws_api_gateway_rest_api": _named_policy(GrantKind.RESOURCE_POLICY, "policy", "name"),
    "aws_ecr_repository_policy": _attached_policy("policy", "repository"),
    "aws_ses_identity_policy": _attached_policy("policy", "identity"),
    "aws_backup_vault_policy": _attached_policy("policy", "backup_vault_name"),
    "aws_glacier_vault": _named_policy(GrantKind.RESOURCE_POLICY, "access_policy", "name"),
    "aws_cloudwatch_log_destination_policy": _attached_policy("access_policy", "destination_name"),
    "aws_cloudwatch_log_resource_policy": _named_policy(GrantKind.RESOURCE_POLICY, "policy_document", "policy_name"),
    "aws_ssoadmin_permission_set_inline_policy": _attached_policy("inline_policy", "permission_set_arn",
                                                                  GrantKind.IDENTITY_POLICY),
    "aws_opensearch_domain_policy": _attached_policy("access_policies", "domain_name"),
    "aws_elasticsearch_domain_policy": _attached_policy("access_policies", "domain_name"),
    "aws_sqs_queue_policy": _attached_policy("policy", "queue_url"),
    "aws_sns_topic_policy": _attached_policy("policy", "arn"),
}

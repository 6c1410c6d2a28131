"""The model's arithmetic: address space, ports, TLS versions, and Unknown's refusals."""

from __future__ import annotations

import ipaddress

import pytest

from scanner.model import CannotEvaluate, Peer, PeerKind, PortSet, TlsVersion, Unknown, known
from scanner.model.addresses import (
    covers_internet,
    is_private,
    parse_network,
    parse_range,
    public_addresses,
    subtract,
)


def nets(*cidrs: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(c) for c in cidrs]


@pytest.mark.parametrize(
    ("cidrs", "internet"),
    [
        (["0.0.0.0/0"], True),
        (["0.0.0.0/1", "128.0.0.0/1"], True),
        (["0.0.0.0/1"], True),  # half of the internet is the internet
        (["::/0"], True),
        (["2000::/3"], True),
        (["3.0.0.0/8"], True),  # a whole public /8 is anyone on that provider
        (["10.0.0.0/8"], False),
        (["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], False),
        (["203.0.113.0/24"], False),  # documentation range: not public
        (["198.51.100.7/32"], False),
        (["52.94.0.0/16"], False),
        (["fc00::/7"], False),
        (["2001:db8::/32"], False),
    ],
)
def test_covers_internet(cidrs: list[str], internet: bool) -> None:
    assert covers_internet(nets(*cidrs), 8, 32) is internet


def test_public_addresses_counts_only_globally_routable_space() -> None:
    v4, v6 = public_addresses(nets("10.0.0.0/8", "8.8.8.0/24"))
    assert (v4, v6) == (256, 0)


def test_subtract_and_private() -> None:
    assert subtract(nets("10.0.0.0/8"), nets("10.0.0.0/9")) == nets("10.128.0.0/9")
    assert subtract(nets("10.0.0.0/16"), nets("0.0.0.0/0")) == []
    assert is_private(ipaddress.ip_network("10.1.0.0/16")) and not is_private(ipaddress.ip_network("8.0.0.0/8"))
    assert parse_network("10.0.0.1") == ipaddress.ip_network("10.0.0.1/32")
    assert parse_network("Internet") is None


@pytest.mark.parametrize(
    ("tag", "internet"),
    [("*", True), ("Any", True), ("Internet", True), ("AzureCloud.WestEurope", True), ("VirtualNetwork", False),
     ("AzureLoadBalancer", False), ("Storage", False)],
)
def test_service_tags(tag: str, internet: bool) -> None:
    assert covers_internet(Peer.address_or_tag(tag).networks(), 8, 32) is internet


def test_port_sets() -> None:
    ports = PortSet.of((20, 25), (22, 30), (80, 80))
    assert str(ports) == "20-30, 80"
    assert ports.overlaps(PortSet.ports(22)) and not ports.overlaps(PortSet.ports(443))
    assert ports.covers(PortSet.ports(21, 80)) and not ports.covers(PortSet.ports(21, 81))
    assert PortSet.all().is_all and not PortSet.of((1, 1024)).is_all
    assert str(PortSet.all().intersection(PortSet.ports(22, 3389))) == "22, 3389"


@pytest.mark.parametrize(
    ("text", "version"),
    [("TLS1_0", TlsVersion.TLS1_0), ("TLSv1.2_2021", TlsVersion.TLS1_2), ("TLS_1_1", TlsVersion.TLS1_1),
     ("tls13", TlsVersion.TLS1_3), ("1.2", TlsVersion.TLS1_2), ("SSLv3", TlsVersion.SSL3), ("TLSv1", TlsVersion.TLS1_0),
     ("nonsense", None)],
)
def test_tls_versions(text: str, version: TlsVersion | None) -> None:
    assert TlsVersion.parse(text) is version


def test_unknown_refuses_to_be_used_as_a_value() -> None:
    u = Unknown(reason="var.x has no value", path="a.tf", line=3)
    for use in (bool, list, len, lambda v: v < 1, lambda v: 1 in v):
        with pytest.raises(CannotEvaluate) as exc:
            use(u)
        assert exc.value.unknown == u
    with pytest.raises(CannotEvaluate, match=r"ports: var\.x has no value"):
        known(u, "ports")
    assert known(5, "x") == 5


@pytest.mark.parametrize(
    ("start", "end", "internet"),
    [
        ("0.0.0.0", "255.255.255.255", True),
        ("1.0.0.0", "223.255.255.255", True),  # every public unicast address, spelled otherwise
        ("8.0.0.0", "8.255.255.255", True),  # a whole public /8
        ("198.51.100.16", "198.51.100.31", False),
        ("10.0.0.0", "10.255.255.255", False),
        ("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", True),
    ],
)
def test_address_ranges_are_compared_by_the_space_they_cover(start: str, end: str, internet: bool) -> None:
    assert covers_internet(Peer.ip_range(start, end).networks(), 8, 32) is internet


def test_address_range_math() -> None:
    assert parse_range("0.0.0.0", "255.255.255.255") == nets("0.0.0.0/0")
    assert parse_range("10.0.0.1", "10.0.0.6") == nets("10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32")
    assert parse_range("10.0.0.9", "10.0.0.1") is None  # backwards
    assert parse_range("10.0.0.1", "::1") is None  # mixed versions
    assert parse_range("office", "10.0.0.1") is None
    assert Peer.ip_range("10.0.0.9", "10.0.0.1").networks() == []


def test_a_peer_with_exceptions_covers_what_is_left() -> None:
    from scanner.model.addresses import covers_internet, public_addresses

    peer = Peer(kind=PeerKind.NETWORK, value="0.0.0.0/0", excluded=("0.0.0.0/1",))
    assert str(peer) == "0.0.0.0/0 except 0.0.0.0/1"
    assert covers_internet(peer.networks(), 8, 32)  # half of the internet is still the internet
    only_private = Peer(kind=PeerKind.NETWORK, value="10.0.0.0/8", excluded=("10.0.0.0/9",))
    assert [str(n) for n in only_private.networks()] == ["10.128.0.0/9"]
    assert public_addresses(only_private.networks()) == (0, 0)

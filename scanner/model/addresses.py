"""Address-space arithmetic for network peers.

Peers are compared by the address space they cover, never by spelling, so
`0.0.0.0/1` + `128.0.0.0/1`, `::/0`, `*`, `Any` and Azure's `Internet` all
count as the internet.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache, lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Address blocks that are not globally routable (IANA special-purpose registries).
_NON_PUBLIC_V4 = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
)
# IPv6: only global unicast (2000::/3) is public; documentation space is not.
_PUBLIC_V6 = ipaddress.IPv6Network("2000::/3")
_NON_PUBLIC_IN_V6_GLOBAL = (ipaddress.IPv6Network("2001:db8::/32"),)

PRIVATE_V4 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
PRIVATE_V6 = (ipaddress.IPv6Network("fc00::/7"),)

ALL_V4 = ipaddress.IPv4Network("0.0.0.0/0")
ALL_V6 = ipaddress.IPv6Network("::/0")


@cache
def _non_public_v4() -> tuple[ipaddress.IPv4Network, ...]:
    return tuple(ipaddress.IPv4Network(n) for n in _NON_PUBLIC_V4)


@lru_cache(maxsize=4096)
def parse_network(text: str) -> IPNetwork | None:
    """Parse a CIDR or a bare address; None when `text` is not an address."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def parse_range(start: str, end: str) -> list[IPNetwork] | None:
    """The CIDR blocks an inclusive address range `start`-`end` covers; None when either end is not
    an address, the two are of different versions, or `end` comes before `start`.

    `0.0.0.0`-`255.255.255.255` is `0.0.0.0/0`: a range is compared by the space it covers.
    """
    blocks = _parse_range(start.strip(), end.strip())
    return list(blocks) if blocks is not None else None


@lru_cache(maxsize=4096)
def _parse_range(start: str, end: str) -> tuple[IPNetwork, ...] | None:
    try:
        first, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
    except ValueError:
        return None
    if first.version != last.version or last < first:  # type: ignore[operator]
        return None
    return tuple(ipaddress.summarize_address_range(first, last))


def _overlap(a: IPNetwork, b: IPNetwork) -> int:
    if a.version != b.version:
        return 0
    if b.subnet_of(a):  # type: ignore[arg-type]
        return b.num_addresses
    if a.subnet_of(b):  # type: ignore[arg-type]
        return a.num_addresses
    return 0


def collapse(networks: Iterable[IPNetwork]) -> list[IPNetwork]:
    v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in networks if isinstance(n, ipaddress.IPv6Network)]
    return [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]


def public_addresses(networks: Iterable[IPNetwork]) -> tuple[int, int]:
    """How many globally routable (IPv4, IPv6) addresses the union covers."""
    return _public_addresses(tuple(collapse(networks)))


@lru_cache(maxsize=4096)
def _public_addresses(collapsed: tuple[IPNetwork, ...]) -> tuple[int, int]:
    v4 = v6 = 0
    for net in collapsed:
        if isinstance(net, ipaddress.IPv4Network):
            v4 += net.num_addresses - sum(_overlap(net, b) for b in _non_public_v4())
        else:
            covered = _overlap(net, _PUBLIC_V6)
            if covered:
                public_part = net if net.subnet_of(_PUBLIC_V6) else _PUBLIC_V6
                covered -= sum(_overlap(public_part, b) for b in _NON_PUBLIC_IN_V6_GLOBAL)
            v6 += covered
    return v4, v6


def covers_internet(networks: Iterable[IPNetwork], v4_prefix: int, v6_prefix: int) -> bool:
    """True when the union reaches at least a /v4_prefix (or /v6_prefix) of public space.

    A public block that size is "anyone on the internet" in practice: the
    whole internet, half of it, or an entire cloud provider's range.
    """
    v4, v6 = public_addresses(networks)
    return bool(v4 >= 2 ** (32 - v4_prefix) or v6 >= 2 ** (128 - v6_prefix))


def is_private(net: IPNetwork) -> bool:
    ranges: tuple[IPNetwork, ...] = PRIVATE_V4 if net.version == 4 else PRIVATE_V6
    return any(net.subnet_of(r) for r in ranges if r.version == net.version)  # type: ignore[arg-type]


def subtract(networks: Iterable[IPNetwork], removed: Iterable[IPNetwork]) -> list[IPNetwork]:
    """The part of `networks` not covered by `removed`."""
    remaining = collapse(networks)
    for cut in collapse(removed):
        next_remaining: list[IPNetwork] = []
        for net in remaining:
            if net.version != cut.version or not net.overlaps(cut):
                next_remaining.append(net)
            elif net.subnet_of(cut):  # type: ignore[arg-type]
                continue
            else:
                next_remaining.extend(net.address_exclude(cut))  # type: ignore[arg-type]
        remaining = next_remaining
    return collapse(remaining)

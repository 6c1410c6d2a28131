"""Port ranges as providers write them, shared by Terraform mappings and live audits."""

from __future__ import annotations

from typing import Any

from scanner.model import PortSet, Unknown
from scanner.model.network import Protocol
from scanner.providers.values import as_int


def port_range(from_port: Any, to_port: Any) -> PortSet | Unknown:
    """AWS-style `from_port`/`to_port`; 0-0 (with protocol -1) means every port."""
    start, end = as_int(from_port), as_int(to_port)
    if isinstance(start, Unknown):
        return start
    if isinstance(end, Unknown):
        return end
    if start is None and end is None:
        return PortSet.all()
    start = start if start is not None else end
    end = end if end is not None else start
    assert start is not None and end is not None
    if (start == 0 and end in (0, 65535)) or start == -1:
        return PortSet.all()
    if not (0 <= start <= 65535 and 0 <= end <= 65535):
        return Unknown(reason=f"port range {start}-{end} is outside 0-65535")
    return PortSet.of((start, end))


def port_spec(text: Any) -> PortSet | Unknown:
    """Azure and GCP port strings: `*`, `22`, `8000-8080`, or lists of them."""
    if isinstance(text, Unknown):
        return text
    items = text if isinstance(text, list) else [text]
    spans: list[tuple[int, int]] = []
    for item in items:
        if isinstance(item, Unknown):
            return item
        s = str(item).strip()
        if s in ("*", "", "any", "Any"):
            return PortSet.all()
        low, _, high = s.partition("-")
        try:
            a, b = int(low), int(high or low)
        except ValueError:
            return Unknown(reason=f"{s!r} is not a port or port range")
        if not (0 <= a <= 65535 and 0 <= b <= 65535):
            return Unknown(reason=f"port range {s} is outside 0-65535")
        spans.append((a, b))
    return PortSet.of(*spans)


def aws_rule_ports(protocol: Protocol | Unknown, from_port: Any, to_port: Any) -> PortSet | Unknown:
    """Security group and network ACL rules: with protocol `-1` AWS allows every port, whatever the
    rule's ports say."""
    if protocol == "all":
        return PortSet.all()
    return port_range(from_port, to_port)

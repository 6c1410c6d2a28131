"""Rule parameters: the knobs of the standard, with the defaults Tenet ships.

The configuration file (`[tool.tenet.params]`) overrides these.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scanner.model.addresses import IPNetwork, parse_network
from scanner.model.tls import TlsVersion


class RuleParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Ports whose exposure to the internet is critical: remote shells, remote
    # desktops, and management protocols.
    admin_ports: tuple[int, ...] = (20, 21, 22, 23, 135, 139, 445, 2375, 2376, 3389, 5800, 5900, 5985, 5986, 6443)
    # Ports a public endpoint is meant to serve; their exposure is reported low.
    public_ports: tuple[int, ...] = (80, 443)
    # Sources that ingress may come from. Empty: not enforced (NET-006 is off).
    allowed_cidrs: tuple[str, ...] = ()
    # A private source range broader than this prefix length is flagged low.
    private_prefix_threshold: int = Field(default=16, ge=0, le=32)
    # A public range at least this large (a /8 of IPv4, a /32 of IPv6) counts as "the internet".
    internet_prefix_v4: int = Field(default=8, ge=0, le=32)
    internet_prefix_v6: int = Field(default=32, ge=0, le=128)
    min_tls_version: TlsVersion = TlsVersion.TLS1_2
    # Data stores must use customer-managed keys (ENC-003 is off unless true).
    require_customer_managed_keys: bool = False

    @field_validator("min_tls_version", mode="before")
    @classmethod
    def _tls(cls, value: object) -> object:
        if isinstance(value, str) and not isinstance(value, TlsVersion):
            parsed = TlsVersion.parse(value)
            if parsed is None:
                raise ValueError(f"not a TLS version: {value!r} (use for example TLSv1.2)")
            return parsed
        return value

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            if parse_network(cidr) is None:
                raise ValueError(f"not a CIDR: {cidr!r}")
        return value

    @field_validator("admin_ports", "public_ports")
    @classmethod
    def _ports(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for port in value:
            if not 0 <= port <= 65535:
                raise ValueError(f"port {port} is outside 0-65535")
        return value

    def allowed_networks(self) -> list[IPNetwork]:
        return [n for n in (parse_network(c) for c in self.allowed_cidrs) if n is not None]

    def inactive_rules(self) -> dict[str, str]:
        """Built-in rules that these parameters turn off, and why. Such a rule runs and finds nothing, which says
        nothing about the standard: the compliance view reports its controls as not evaluated, never as passed."""
        off: dict[str, str] = {}
        if not self.allowed_cidrs:
            off["NET-006"] = "allowed_cidrs is not set"
        if not self.require_customer_managed_keys:
            off["ENC-003"] = "require_customer_managed_keys is not set"
        return off

"""Encryption in transit: anything that terminates client connections."""

from __future__ import annotations

import re
from typing import Literal

from scanner._compat import StrEnum
from scanner.model.base import Located
from scanner.model.unknown import Unknown


class TlsVersion(StrEnum):
    SSL3 = "SSLv3"
    TLS1_0 = "TLSv1.0"
    TLS1_1 = "TLSv1.1"
    TLS1_2 = "TLSv1.2"
    TLS1_3 = "TLSv1.3"

    @property
    def rank(self) -> int:
        return list(TlsVersion).index(self)

    def __lt__(self, other: str) -> bool:
        if not isinstance(other, TlsVersion):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> TlsVersion | None:
        """Read the many spellings providers use: TLS1_2, TLSv1.2, TLS_1_2, tls12, 1.2 …"""
        t = text.strip().lower().replace("_", ".").replace("-", ".")
        if re.fullmatch(r"(ssl)?v?3(\.0)?", t) or t == "sslv3":
            return cls.SSL3
        # The minor version may be absent (CloudFront's TLSv1, TLSv1_2016) and a year may follow.
        m = re.fullmatch(r"(?:tls)?\.?v?\.?1(?:\.?([0-3]))?(?:\.\d{4})?", t)
        if m is None:
            return None
        return [cls.TLS1_0, cls.TLS1_1, cls.TLS1_2, cls.TLS1_3][int(m.group(1) or 0)]


class TlsEndpoint(Located):
    """A listener, endpoint or policy that accepts client connections.

    `min_version` is None when the endpoint speaks no TLS at all.
    `plaintext_allowed` says whether unencrypted connections are accepted
    (an HTTP listener that only redirects to HTTPS does not count).
    """

    asset_type: Literal["tls_endpoint"] = "tls_endpoint"
    kind: str  # load_balancer_listener, cdn_distribution, storage_account, web_app, …
    name: str
    min_version: TlsVersion | Unknown | None
    plaintext_allowed: bool | Unknown
    policy_name: str | Unknown | None = None
    # Plaintext that something outside the scanned input may redirect to HTTPS (an ingress controller whose
    # configuration is elsewhere, a Gateway listener without routes in the scan): why it cannot be told.
    redirect_unverified: str | None = None

"""TLS family: encryption in transit, TLS 1.2 or later, no plaintext."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.engine.findings import Severity
from scanner.engine.params import RuleParams
from scanner.engine.registry import Violation, rule
from scanner.model import TlsEndpoint, known


@rule(
    "TLS-001",
    name="plaintext-accepted",
    category="tls",
    severity="high",
    title="Endpoint accepts unencrypted connections",
    references=["https://csrc.nist.gov/pubs/sp/800/52/r2/final"],
)
def plaintext_accepted(ep: TlsEndpoint, p: RuleParams) -> Iterator[Violation]:
    """Plaintext HTTP, disabled TLS or unenforced SSL lets anyone on the path read
    and modify traffic, credentials included. An HTTP listener that only redirects
    to HTTPS is not reported.

    Remediation:
    Serve HTTPS/TLS only: redirect HTTP to HTTPS on load balancers and CDNs, set
    `https_only`/`enable_https_traffic_only`, enforce SSL on databases, add `tls`
    to Kubernetes Ingresses, and do not set `tls_disable` on Vault listeners.
    """
    if known(ep.plaintext_allowed, "plaintext_allowed"):
        what = f"{ep.kind.replace('_', ' ')} {ep.name!r} accepts plaintext connections"
        if ep.redirect_unverified:
            # Likely redirected by configuration Tenet cannot see: reported once, low, with the reason.
            yield Violation(f"{what} unless redirected to HTTPS: {ep.redirect_unverified}",
                            ep.origin_of("plaintext_allowed"), severity=Severity.LOW)
        else:
            yield Violation(what, ep.origin_of("plaintext_allowed"))


@rule(
    "TLS-002",
    name="outdated-tls-version",
    category="tls",
    severity="high",
    title="Minimum TLS version is older than the standard allows",
    references=["https://datatracker.ietf.org/doc/html/rfc8996"],
)
def outdated_tls_version(ep: TlsEndpoint, p: RuleParams) -> Iterator[Violation]:
    """TLS 1.0 and 1.1 are deprecated (RFC 8996) and SSLv3 is broken; an endpoint
    or policy that still negotiates them exposes clients to downgrade attacks. The
    standard requires TLS 1.2 or later (configurable as `min_tls_version`).

    Remediation:
    Raise the minimum version: for example `ELBSecurityPolicy-TLS13-1-2-2021-06` on
    AWS load balancers, `TLSv1.2_2021` on CloudFront, `min_tls_version = "TLS1_2"`
    on Azure, `min_tls_version = "TLS_1_2"` on GCP SSL policies.
    """
    version = known(ep.min_version, "minimum TLS version")
    if version is not None and version < p.min_tls_version:
        # The policy name only decorates the message: an unknown one must not hide the violation.
        via = f" (policy {ep.policy_name})" if isinstance(ep.policy_name, str) else ""
        yield Violation(f"{ep.kind.replace('_', ' ')} {ep.name!r} allows {version}{via}; "
                        f"the minimum is {p.min_tls_version}", ep.origin_of("min_version"))

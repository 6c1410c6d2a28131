"""The seed article's samples: the exact findings Tenet must report for them."""

from __future__ import annotations

from pathlib import Path

from scanner.engine.findings import ErrorLevel, Severity, Status
from scanner.scan import Scanner

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed"


def scan_seed():  # type: ignore[no-untyped-def]
    return Scanner(cwd=ROOT).scan([SEED])


def test_seed_findings_are_exactly_these() -> None:
    result = scan_seed()
    got = {
        (f.location.path, f.location.start_line, f.rule_id, f.severity.value)
        for f in result.findings
        if f.location is not None
    }
    assert got == {
        # The security group's egress of all protocols to 0.0.0.0/0, at the egress block.
        ("fixtures/seed/security.tf", 26, "NET-004", "medium"),
        # The health-check ingress from 10.0.0.0/8: broader than the private-prefix threshold.
        ("fixtures/seed/security.tf", 17, "NET-005", "low"),
        # NSG rule AllowApplicationTraffic: `*` on 8080 at priority 100; the deny at 200 does not shadow it.
        ("fixtures/seed/security.tf", 46, "NET-002", "high"),
        # The NSG keeps Azure's default AllowInternetOutBound: nothing overrides it.
        ("fixtures/seed/security.tf", 41, "NET-004", "medium"),
        # The role policy statement on arn:aws:logs:*:*:*.
        ("fixtures/seed/security.tf", 130, "IAM-003", "medium"),
        # The LoadBalancer Service: no loadBalancerSourceRanges, plaintext port 80.
        ("fixtures/seed/k8s-deployment.yaml", 77, "NET-003", "low"),
        ("fixtures/seed/k8s-deployment.yaml", 77, "TLS-001", "high"),
        # The vault-config ConfigMap's listener with tls_disable = true.
        ("fixtures/seed/k8s-secret.yaml", 48, "TLS-001", "high"),
    }
    assert all(f.status is Status.FAIL for f in result.findings)


def test_seed_has_no_medium_or_worse_on_the_compliant_parts() -> None:
    result = scan_seed()
    serious = [f for f in result.failed if f.severity.rank >= Severity.MEDIUM.rank]
    # The GCP firewall (lines 76-92), the trust policy (97-112), the S3 statement (120-129),
    # the 10.x/16 ingress (8-14) and vpn.tf are compliant.
    assert serious
    for f in serious:
        assert f.location is not None
        assert f.location.path != "fixtures/seed/vpn.tf"
        if f.location.path == "fixtures/seed/security.tf":
            assert not 76 <= f.location.start_line <= 129
            assert not 8 <= f.location.start_line <= 14


def test_missing_module_sources_are_warnings_not_crashes() -> None:
    result = scan_seed()
    warnings = [(e.path, e.line) for e in result.errors if e.level is ErrorLevel.WARNING]
    assert warnings == [
        ("fixtures/seed/main.tf", 34),
        ("fixtures/seed/main.tf", 43),
        ("fixtures/seed/main.tf", 52),
    ]
    assert not result.has_errors
    assert all("not found" in e.message for e in result.errors)

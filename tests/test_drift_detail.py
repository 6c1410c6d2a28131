"""A drifted finding names the attribute that differs between the code's model objects and live's, in each of
the four families (scanner/drift.py `difference`)."""

from __future__ import annotations

from scanner.drift import Drift, Managed, classify, difference
from scanner.engine.findings import Category, Finding, Severity, Status
from scanner.model import (
    AccessGrant,
    DataStore,
    Direction,
    Firewall,
    GrantKind,
    KeyManagement,
    NetworkRule,
    Peer,
    PortSet,
    TlsEndpoint,
    TlsVersion,
)
from scanner.model.origin import Origin, SourceKind

ADDRESS = "azurerm_storage_account.logs"
CLOUD_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/logs"


def _origin(live: bool) -> Origin:
    return Origin(source=SourceKind.AZURE if live else SourceKind.TERRAFORM_STATE,
                  resource=CLOUD_ID if live else ADDRESS, resource_type="azurerm_storage_account")


def _tls(live: bool, version: TlsVersion, plaintext: bool = False) -> TlsEndpoint:
    return TlsEndpoint(origin=_origin(live), kind="storage_account", name="logs", min_version=version,
                       plaintext_allowed=plaintext)


def _store(live: bool, encrypted: bool, keys: KeyManagement = KeyManagement.PROVIDER) -> DataStore:
    return DataStore(origin=_origin(live), kind="object_storage", name="logs", encrypted=encrypted,
                     key_management=keys)


def _grant(live: bool, principals: list[str], actions: list[str]) -> AccessGrant:
    return AccessGrant(origin=_origin(live), kind=GrantKind.RESOURCE_POLICY, name="logs", principals=principals,
                       actions=actions, resources=["*"])


def _wall(live: bool, *rules: tuple[Direction, tuple[int, int], list[str]]) -> Firewall:
    return Firewall(origin=_origin(live), name="logs", rules=[
        NetworkRule(origin=_origin(live), direction=direction, protocol="tcp", ports=PortSet.of(ports),
                    peers=[Peer.address_or_tag(p) for p in peers]) for direction, ports, peers in rules])


def test_each_family_names_the_attribute_that_differs() -> None:
    assert difference(Category.TLS, [_tls(False, TlsVersion.TLS1_2)], [_tls(True, TlsVersion.TLS1_0)]) == \
        "minimum TLS version: code TLSv1.2, live TLSv1.0"
    assert difference(Category.TLS, [_tls(False, TlsVersion.TLS1_2)], [_tls(True, TlsVersion.TLS1_2, True)]) == \
        "plaintext: code no, live yes"
    assert difference(Category.ENCRYPTION, [_store(False, True)], [_store(True, False)]) == \
        "encryption at rest: code yes, live no"
    assert difference(Category.ENCRYPTION, [_store(False, True, KeyManagement.CUSTOMER)], [_store(True, True)]) == \
        "key: code customer-managed, live provider-managed"
    assert difference(Category.IAM, [_grant(False, ["arn:aws:iam::111111111111:root"], ["s3:GetObject"])],
                      [_grant(True, ["*"], ["s3:GetObject"])]) == \
        "principals: code arn:aws:iam::111111111111:root, live *"
    assert difference(Category.IAM, [_grant(False, ["a"], ["s3:GetObject"])], [_grant(True, ["a"], ["s3:*"])]) == \
        "actions: code s3:GetObject, live s3:*"
    code = _wall(False, (Direction.INGRESS, (22, 22), ["10.0.0.0/8"]),
                 (Direction.EGRESS, (443, 443), ["10.0.0.0/8"]))
    live = _wall(True, (Direction.INGRESS, (22, 22), ["10.0.0.0/8", "0.0.0.0/0"]),
                 (Direction.EGRESS, (0, 65535), ["0.0.0.0/0"]))
    # The direction and ports the finding's message names come first.
    assert difference(Category.NETWORK, [code], [live], hint="0.0.0.0/0 can reach 22") == \
        "ingress 22: code 10.0.0.0/8, live 0.0.0.0/0, 10.0.0.0/8"
    assert difference(Category.NETWORK, [code], [live], hint="all protocols on all ports may leave to 0.0.0.0/0") \
        .startswith("egress ")
    # Nothing of the family on the live side: nothing to name.
    assert difference(Category.TLS, [_tls(False, TlsVersion.TLS1_2)], []) is None


def test_a_drifted_finding_carries_the_difference_and_hides_secrets() -> None:
    live = Finding.create(rule_id="TLS-002", title="old TLS", category=Category.TLS, severity=Severity.HIGH,
                          status=Status.FAIL, message="TLS1_0 is accepted", origin=_origin(True))
    (drifted,) = classify([live], [], {CLOUD_ID.lower(): ADDRESS}, {ADDRESS: Managed(ADDRESS)},
                          live_assets=[_tls(True, TlsVersion.TLS1_0)], intent_assets=[_tls(False, TlsVersion.TLS1_2)],
                          hide=lambda text: text.replace("TLSv1.2", "(sensitive value)"))
    assert drifted.drift == Drift.DRIFTED.value
    assert drifted.drift_detail == f"{ADDRESS}: minimum TLS version: code (sensitive value), live TLSv1.0"
    assert drifted.message == "TLS1_0 is accepted; drifted from the code: minimum TLS version: code (sensitive " \
                              "value), live TLSv1.0"


def test_the_console_summary_counts_the_drift_classes() -> None:
    from scanner.engine.registry import load_rules
    from scanner.reports.console import summary_line
    from scanner.scan import ScanResult

    live = Finding.create(rule_id="TLS-002", title="old TLS", category=Category.TLS, severity=Severity.HIGH,
                          status=Status.FAIL, message="TLS1_0 is accepted", origin=_origin(True))
    findings = [live.model_copy(update={"drift": d}) for d in ("in-code", "drifted", "unmanaged", "unmanaged")]
    line = summary_line(ScanResult(findings=findings, errors=[], files=[], rules=load_rules(), resources=3))
    assert "4 findings (4 high) · drift: 1 drifted, 2 unmanaged, 1 in-code · 3 resources" in line

"""The engine: violations, could-not-evaluate results, and rule failures that never hide the rest."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.engine.evaluate import evaluate
from scanner.engine.findings import Category, Severity, Status
from scanner.engine.params import RuleParams
from scanner.engine.registry import Rule, Violation, load_rules
from scanner.model import DataStore, KeyManagement, Location, Origin, SourceKind, Unknown, known


def store(name: str, encrypted: bool | Unknown, line: int) -> DataStore:
    origin = Origin(source=SourceKind.TERRAFORM, resource=f"aws_ebs_volume.{name}", resource_type="aws_ebs_volume",
                    location=Location(path="main.tf", start_line=line, end_line=line + 3))
    return DataStore(origin=origin, kind="block_volume", name=name, encrypted=encrypted,
                     key_management=KeyManagement.PROVIDER)


def rules(*ids: str) -> list[Rule]:
    return [r for r in load_rules() if r.id in ids]


def test_violations_and_unknowns_are_separate_results() -> None:
    assets = [store("plain", False, 1), store("ok", True, 10),
              store("maybe", Unknown(reason="var.enc has no value", path="vars.tf", line=4), 20)]
    findings, errors = evaluate(assets, rules("ENC-001", "ENC-002", "ENC-003"), RuleParams())
    assert errors == []
    got = {(f.resource, f.rule_id, f.status) for f in findings}
    # One unknown for the whole family, under the first rule, naming the others it stopped.
    assert got == {
        ("aws_ebs_volume.plain", "ENC-001", Status.FAIL),
        ("aws_ebs_volume.maybe", "ENC-001", Status.UNKNOWN),
    }
    unknown = next(f for f in findings if f.status is Status.UNKNOWN)
    assert unknown.message == "could not evaluate: encrypted: var.enc has no value (vars.tf:4) (also stops ENC-002)"


def test_a_failing_rule_is_an_error_not_a_crash() -> None:
    def broken(s: DataStore, p: RuleParams) -> Iterator[Violation]:
        """Always fails.

        Remediation: none.
        """
        raise ZeroDivisionError("boom")
        yield  # pragma: no cover

    bad = Rule(id="ENC-999", name="broken", category=Category.ENCRYPTION, severity=Severity.LOW, title="t",
               rationale="r", remediation="m", applies_to=DataStore, check=broken)
    findings, errors = evaluate([store("plain", False, 1)], [bad, *rules("ENC-001")], RuleParams())
    assert [f.rule_id for f in findings] == ["ENC-001"]
    assert [e.message for e in errors] == ["rule ENC-999 failed on aws_ebs_volume.plain: ZeroDivisionError: boom"]


def test_rules_load_with_metadata_and_docs() -> None:
    loaded = load_rules()
    assert len({r.id for r in loaded}) == len(loaded) == 18
    for r in loaded:
        assert r.title and r.rationale and r.remediation and r.name
        assert r.id.split("-")[0] in {"NET", "TLS", "ENC", "IAM"}
    assert known(True) is True


def test_an_unknown_detail_of_the_message_does_not_hide_a_violation() -> None:
    from scanner.model import AccessGrant, GrantKind, Scope, TlsEndpoint, TlsVersion

    origin = store("x", True, 1).origin
    endpoint = TlsEndpoint(origin=origin, kind="load_balancer_listener", name="l", min_version=TlsVersion.TLS1_0,
                           plaintext_allowed=False, policy_name=Unknown(reason="var.policy has no value"))
    grant = AccessGrant(origin=origin, kind=GrantKind.ROLE_ASSIGNMENT, name="a", role="Owner", scope=Scope.ACCOUNT,
                        principals=Unknown(reason="principal_id is known only after apply"))
    findings, _ = evaluate([endpoint, grant], rules("TLS-002", "IAM-006"), RuleParams())
    assert [(f.rule_id, f.status) for f in findings] == [("IAM-006", Status.FAIL), ("TLS-002", Status.FAIL)]

"""AWS provider facts (TLS policy tables, keys, managed policies, IAM documents) and the
AWS Terraform mappings where fixture annotations cannot express the expectation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scanner.sources.terraform as terraform_source
from scanner.engine.evaluate import evaluate
from scanner.engine.findings import Status
from scanner.engine.params import RuleParams
from scanner.engine.registry import load_rules
from scanner.model import Access, AccessGrant, GrantKind, Origin, SourceKind, TlsVersion, Unknown
from scanner.providers.aws import (
    CLOUDFRONT_POLICIES,
    ELB_DEFAULT_POLICY,
    ELB_POLICIES,
    OPENSEARCH_POLICIES,
    cloudfront_min_version,
    denies_insecure_transport,
    elb_policy_min_version,
    grants_from_policy,
    is_aws_managed_key,
    managed_policy_name,
    narrowing_conditions,
    opensearch_min_version,
)
from scanner.scan import Scanner
from scanner.sources.terraform import TerraformSource
from scanner.sources.terraform.hcl import JsonDocument
from scanner.sources.terraform.mappings import aws as aws_mappings

ORIGIN = Origin(source=SourceKind.TERRAFORM, resource="aws_iam_policy.p", resource_type="aws_iam_policy")
V = TlsVersion

# -- TLS policy tables ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("ELBSecurityPolicy-2015-05", V.TLS1_0),
        ("ELBSecurityPolicy-2016-08", V.TLS1_0),
        ("ELBSecurityPolicy-TLS-1-1-2017-01", V.TLS1_1),
        ("ELBSecurityPolicy-TLS-1-2-2017-01", V.TLS1_2),
        ("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", V.TLS1_2),
        ("ELBSecurityPolicy-FS-2018-06", V.TLS1_0),
        ("ELBSecurityPolicy-FS-1-1-2019-08", V.TLS1_1),
        ("ELBSecurityPolicy-FS-1-2-2019-08", V.TLS1_2),
        ("ELBSecurityPolicy-FS-1-2-Res-2019-08", V.TLS1_2),
        ("ELBSecurityPolicy-FS-1-2-Res-2020-10", V.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-0-2021-06", V.TLS1_0),
        ("ELBSecurityPolicy-TLS13-1-1-2021-06", V.TLS1_1),
        ("ELBSecurityPolicy-TLS13-1-2-2021-06", V.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-2-Res-2021-06", V.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", V.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", V.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-3-2021-06", V.TLS1_3),
        ("ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", V.TLS1_0),
        ("ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", V.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", V.TLS1_2),
        ("ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09", V.TLS1_3),
    ],
)
def test_elb_policy_minimum_versions(name: str, version: TlsVersion) -> None:
    assert elb_policy_min_version(name) is version


def test_elb_policy_names_agree_with_the_minimum_they_state() -> None:
    """AWS names policies after their oldest version: `TLS13-1-1`, `TLS-1-2`, `FS-1-2` …"""
    versions = [V.TLS1_0, V.TLS1_1, V.TLS1_2, V.TLS1_3]
    stated = {name: versions[int(m.group(1))] for name in ELB_POLICIES
              if (m := re.match(r"ELBSecurityPolicy-(?:TLS13|TLS|FS)-1-(\d)-", name))}
    assert len(stated) == len(ELB_POLICIES) - 3  # 2015-05, 2016-08 and FS-2018-06 state no version
    assert {name: ELB_POLICIES[name] for name in stated} == stated


def test_elb_default_policy_accepts_tls_1_0() -> None:
    assert elb_policy_min_version(ELB_DEFAULT_POLICY) is V.TLS1_0


def test_unknown_policy_names_are_unknown_not_passes() -> None:
    for lookup in (elb_policy_min_version, cloudfront_min_version, opensearch_min_version):
        result = lookup("ELBSecurityPolicy-TLS-1-2-2017")
        assert isinstance(result, Unknown)
        assert "not a known" in result.reason


def test_cloudfront_policies() -> None:
    assert {n: cloudfront_min_version(n) for n in CLOUDFRONT_POLICIES} == {
        "SSLv3": V.SSL3,
        "TLSv1": V.TLS1_0,
        "TLSv1_2016": V.TLS1_0,
        "TLSv1.1_2016": V.TLS1_1,
        "TLSv1.2_2018": V.TLS1_2,
        "TLSv1.2_2019": V.TLS1_2,
        "TLSv1.2_2021": V.TLS1_2,
        "TLSv1.2_2025": V.TLS1_2,
        "TLSv1.3_2025": V.TLS1_3,
    }


def test_opensearch_policies() -> None:
    assert {n: opensearch_min_version(n) for n in OPENSEARCH_POLICIES} == {
        "Policy-Min-TLS-1-0-2019-07": V.TLS1_0,
        "Policy-Min-TLS-1-2-2019-07": V.TLS1_2,
        "Policy-Min-TLS-1-2-PFS-2023-10": V.TLS1_2,
    }


# -- keys and managed policies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "aws_managed"),
    [
        ("alias/aws/s3", True),
        ("arn:aws:kms:eu-west-1:111122223333:alias/aws/ebs", True),
        ("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/aws/rds", True),
        ("alias/app-data", False),
        ("alias/awsome", False),
        ("arn:aws:kms:eu-west-1:111122223333:key/5d6e7f80-91a2-4b3c-8d4e-5f60718293a4", False),
        ("5d6e7f80-91a2-4b3c-8d4e-5f60718293a4", False),
    ],
)
def test_aws_managed_keys(key: str, aws_managed: bool) -> None:
    assert is_aws_managed_key(key) is aws_managed


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        ("arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
        ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "ViewOnlyAccess"),
        ("arn:aws-cn:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess"),
        ("arn:aws:iam::111122223333:policy/AdministratorAccess", None),  # a customer policy of that name
        ("AdministratorAccess", None),
    ],
)
def test_managed_policy_names(arn: str, name: str | None) -> None:
    assert managed_policy_name(arn) == name


# -- policy documents -----------------------------------------------------------------------------------


def grants(document: object, **kwargs: Any) -> list[AccessGrant]:
    return grants_from_policy(document, kind=GrantKind.IDENTITY_POLICY, name="p", origin=ORIGIN, **kwargs)


def test_json_string_with_a_single_statement_object() -> None:
    doc = json.dumps({"Version": "2012-10-17", "Statement": {
        "Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}})
    [grant] = grants(doc)
    assert grant.model_dump(exclude={"origin", "field_origins"}) == AccessGrant(
        origin=ORIGIN, kind=GrantKind.IDENTITY_POLICY, name="p statement[0] (Read)", effect=Access.ALLOW,
        actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"],
    ).model_dump(exclude={"origin", "field_origins"})
    assert grant.origin.anchor == "statement[0]"


def test_lists_principals_and_conditions() -> None:
    doc = {"Statement": [
        {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::b"},
        {
            "Effect": "allow",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"], "Service": "ec2.amazonaws.com",
                          "Federated": "cognito-identity.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1", "aws:SourceVpc": "vpc-1"},
                          "IpAddress": {"aws:SourceIp": "203.0.113.0/24", "AWS:SOURCEVPC": "x"}},
        },
    ]}
    deny, allow = grants(doc)
    assert (deny.effect, deny.not_actions, deny.not_resources, deny.actions) == (
        Access.DENY, ["iam:*"], ["arn:aws:s3:::b"], [])
    assert allow.effect is Access.ALLOW
    assert allow.principals == ["arn:aws:iam::111122223333:root", "*", "ec2.amazonaws.com",
                                "cognito-identity.amazonaws.com"]
    assert allow.actions == ["sts:AssumeRole", "sts:TagSession"]
    assert allow.conditions == ["aws:principalorgid", "aws:sourcevpc", "aws:sourceip"]
    assert [g.name for g in (deny, allow)] == ["p statement[0]", "p statement[1]"]


@pytest.mark.parametrize(("principal", "expected"), [("*", ["*"]), ({"AWS": "*"}, ["*"]), ({"AWS": ["*"]}, ["*"])])
def test_public_principal_spellings(principal: object, expected: list[str]) -> None:
    [grant] = grants({"Statement": {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"}})
    assert grant.principals == expected


def test_not_principal_allows_everyone_else() -> None:
    [grant] = grants({"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"},
                                    "Action": "s3:GetObject"}})
    assert grant.principals == ["*"]


def test_statement_origins_are_used_when_given() -> None:
    located = [ORIGIN.at(None, "statement[0]"), ORIGIN.at(None, "stmt-b")]
    doc = {"Statement": [{"Effect": "Allow", "Action": "a:B"}] * 3}
    assert [g.origin.anchor for g in grants(doc, statement_origins=located)] == [
        "statement[0]", "stmt-b", "statement[2]"]


def test_jsonencode_document_with_unknown_parts() -> None:
    unknown = Unknown(reason="variable 'bucket' has no value")
    doc = JsonDocument(value={"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", unknown],
                                             "Resource": unknown}]})
    [grant] = grants(doc)
    assert grant.actions == ["s3:GetObject", unknown]
    assert grant.resources == unknown


def test_self_resource_replaces_the_wildcard_resource() -> None:
    doc = {"Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": ["*", "arn:aws:kms:x"]}}
    [grant] = grants(doc, self_resource="aws_kms_key.k")
    assert grant.resources == ["aws_kms_key.k", "arn:aws:kms:x"]


@pytest.mark.parametrize("document", [None, "", "  \n"])
def test_no_document_gives_no_grants(document: object) -> None:
    assert grants(document) == []


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ('{"Statement": [', "policy is not valid JSON"),
        ("[1, 2]", "policy document is not a JSON object"),
        ({"Version": "2012-10-17"}, "policy document has no Statement"),
        ({"Statement": "s3:GetObject"}, "Statement is not a list or object"),
        (Unknown(reason="data source is read at plan time"), "data source is read at plan time"),
        (JsonDocument(value=Unknown(reason="local unresolved")), "local unresolved"),
    ],
)
def test_unreadable_documents_become_one_unknown_grant(document: object, reason: str) -> None:
    [grant] = grants(document)
    for field in ("effect", "principals", "actions", "not_actions", "resources", "not_resources", "conditions"):
        value = getattr(grant, field)
        assert isinstance(value, Unknown) and value.reason.startswith(reason), field


@pytest.mark.parametrize(
    ("statement", "field", "reason"),
    [
        ({"Effect": "Permit", "Action": "s3:GetObject"}, "effect", "statement Effect 'Permit'"),
        ({"Action": "s3:GetObject"}, "effect", "statement Effect None"),
        ({"Effect": "Allow", "Action": [{"s3": "GetObject"}]}, "actions", "Action holds"),
        ({"Effect": "Allow", "Action": "a:b", "Condition": ["aws:SourceVpc"]}, "conditions", "Condition is not"),
        ({"Effect": "Allow", "Action": "a:b", "Condition": {"Bool": "x"}}, "conditions", "Condition operator 'Bool'"),
        ({"Effect": "Allow", "Principal": {"AWS": [True]}}, "principals", "Principal.AWS holds True"),
    ],
)
def test_malformed_fields_are_unknown(statement: dict[str, Any], field: str, reason: str) -> None:
    [grant] = grants({"Statement": [statement]})
    value = getattr(grant, field)
    assert isinstance(value, Unknown) and value.reason.startswith(reason)


def test_unreadable_policy_is_reported_as_could_not_evaluate() -> None:
    findings, errors = evaluate(grants('{"Statement": ['), load_rules(), RuleParams())
    assert errors == []
    assert [(f.rule_id, f.status) for f in findings] == [("IAM-001", Status.UNKNOWN)]
    assert "policy is not valid JSON" in findings[0].message


_KEYS = st.sampled_from(["Statement", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
                         "NotPrincipal", "Condition", "Sid", "AWS", "Service", "StringEquals", "aws:SourceVpc"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4)
    | st.sampled_from(["Allow", "Deny", "*"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS | st.text(max_size=3), inner, max_size=4),
    max_leaves=25,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # generation speed is the machine's load
@given(_JSON | st.fixed_dictionaries({"Statement": _JSON}))
def test_any_document_gives_grants_never_an_exception(document: object) -> None:
    for form in (document, json.dumps(document), JsonDocument(value=document)):
        assert all(isinstance(g, AccessGrant) for g in grants(form))


# -- mappings the fixture annotations cannot express -----------------------------------------------------


@pytest.fixture
def scan_tf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], set[tuple[int, str, str]]]:
    monkeypatch.setattr(terraform_source, "all_mappers", lambda: dict(aws_mappings.MAPPERS))

    def scan(text: str) -> set[tuple[int, str, str]]:
        (tmp_path / "main.tf").write_text(text, encoding="utf-8")
        result = Scanner(cwd=tmp_path, sources=[TerraformSource()]).scan([tmp_path])
        assert result.errors == []
        return {(f.location.start_line if f.location else 0, f.rule_id, f.status.value) for f in result.findings}

    return scan


def test_search_domain_without_endpoint_options(scan_tf: Callable[[str], set[tuple[int, str, str]]]) -> None:
    """No domain_endpoint_options: HTTPS is not enforced, and the TLS policy is AWS's choice."""
    assert scan_tf('''resource "aws_opensearch_domain" "d" {
  domain_name = "d"
  encrypt_at_rest {
    enabled = true
  }
}
''') == {(1, "TLS-001", "fail"), (1, "TLS-002", "unknown")}


def test_key_policy_wildcard_resource_is_the_key(scan_tf: Callable[[str], set[tuple[int, str, str]]]) -> None:
    statement = '{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"}, ' \
                '"Action": "kms:Decrypt", "Resource": "*"}'
    findings = scan_tf(f'''resource "aws_kms_key" "k" {{
  policy = jsonencode({{ Statement = [{statement}] }})
}}

resource "aws_iam_policy" "p" {{
  policy = jsonencode({{ Statement = [{statement}] }})
}}
''')
    assert findings == {(6, "IAM-003", "fail")}


def test_bucket_policy_with_not_principal(scan_tf: Callable[[str], set[tuple[int, str, str]]]) -> None:
    assert scan_tf('''resource "aws_s3_bucket" "b" {
  bucket = "b"
  policy = jsonencode({
    Statement = [{
      Effect       = "Allow"
      NotPrincipal = { AWS = "arn:aws:iam::111122223333:root" }
      Action       = "s3:GetObject"
      Resource     = "arn:aws:s3:::b/*"
    }]
  })
}
''') == {(4, "IAM-005", "fail"), (3, "TLS-001", "fail")}  # no Deny of aws:SecureTransport = false either


@pytest.mark.parametrize(("condition", "expected"), [
    ({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, ["aws:sourcevpce"]),
    ({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, []),
    ({"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}, []),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.7/32"}}, ["aws:sourceip"]),
    ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, []),
    ({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}, []),
    ({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, []),
    ({"Null": {"aws:SourceVpce": "true"}}, []),
    ({"Null": {"aws:SourceVpce": "false"}}, []),
    ({"StringEquals": {"aws:PrincipalOrgID": "*"}}, []),
    ({"StringLike": {"aws:PrincipalOrgID": "o-*"}}, []),
    ({"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-1/r-1/"]}}, []),
    ({"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": ["o-1/r-1/"]}}, ["aws:principalorgpaths"]),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:*:topic"}}, []),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:*"}}, ["aws:sourcearn"]),
    ({"StringEquals": {"aws:SourceAccount": ["111122223333", "*"]}}, []),
    ({"Bool": {"aws:SecureTransport": "true"}}, []),
    ({"StringEquals": {"aws:SourceVpc": "vpc-1"}, "StringNotEquals": {"aws:SourceVpce": "vpce-1"}}, ["aws:sourcevpc"]),
])
def test_conditions_narrow_by_operator_and_values(condition: object, expected: list[str]) -> None:
    # Issue #12, bug 3: the keys alone used to count as narrowing.
    [grant] = grants({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                    "Condition": condition}})
    assert grant.conditions == expected


def test_an_unknown_value_matters_only_when_nothing_else_narrows() -> None:
    unknown = Unknown(reason="var.vpce")
    assert isinstance(narrowing_conditions({"StringEquals": {"aws:SourceVpce": unknown}}), Unknown)
    assert narrowing_conditions({"StringEquals": {"aws:SourceVpce": unknown, "aws:SourceVpc": "vpc-1"}}) == [
        "aws:sourcevpc"]
    assert narrowing_conditions({"Bool": {"aws:SecureTransport": unknown}}) == []


def test_a_resource_policy_reaches_only_its_own_resource() -> None:
    # Issue #12, bug 2: no Resource element used to read as every resource.
    doc = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "*"},
                         {"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "*"}]}
    topic, anyone = grants_from_policy(doc, kind=GrantKind.RESOURCE_POLICY, name="events", origin=ORIGIN)
    assert topic.resources == ["events"] and anyone.resources == ["events"]
    [identity] = grants_from_policy({"Statement": {"Effect": "Allow", "Action": "*"}}, kind=GrantKind.IDENTITY_POLICY,
                                    name="p", origin=ORIGIN)
    assert identity.resources == []


@pytest.mark.parametrize(("statement", "expected"), [
    ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, True),
    ({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*",
      "Condition": {"Bool": {"aws:SecureTransport": ["false"]}}}, True),
    # Only one principal is refused, or only deletes, or the condition denies TLS instead.
    ({"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*",
      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, False),
    ({"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, False),
    ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
     False),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
     False),
])
def test_denies_insecure_transport(statement: dict[str, Any], expected: bool) -> None:
    assert denies_insecure_transport({"Statement": [statement]}) is expected
    assert denies_insecure_transport(json.dumps({"Statement": statement})) is expected


def test_an_unknown_policy_leaves_transport_unknown() -> None:
    assert denies_insecure_transport(None) is False
    assert isinstance(denies_insecure_transport({"Statement": Unknown(reason="x")}), Unknown)

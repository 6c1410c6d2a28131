"""The SARIF report: valid against the official 2.1.0 schema, and shaped the way GitHub code scanning needs."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sarif_om as om
from click.testing import CliRunner

from scanner import cli
from scanner.engine.findings import ErrorLevel, Finding, ScanError, Severity, Status
from scanner.engine.params import RuleParams
from scanner.engine.registry import load_rules
from scanner.model.origin import Location, Origin, SourceKind
from scanner.reports import json as json_report
from scanner.reports import sarif
from scanner.scan import Scanner, ScanResult

PROJECT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT / "fixtures"
# The official OASIS schema (draft-04), vendored unchanged so that CI checks against it from a clean clone.
SCHEMA_PATH = Path(__file__).with_name("sarif-schema-2.1.0.json")
SCHEMA_URIS = {
    "https://json.schemastore.org/sarif-2.1.0.json",
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
}
RULES = load_rules()
_PARAMS = re.compile(r"#\s*tenet-params:\s*(\{.*\})\s*$")

MAIN_TF = """\
resource "aws_security_group" "web" {
  name = "web"
  ingress {
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
SERVICE_YAML = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  selector:
    app: web
  ports:
    - name: ssh
      port: 22
      targetPort: 22
"""


# ---------------------------------------------------------------- helpers


def _sources_missing() -> str | None:
    """Why the real file sources cannot run yet, or None when they can."""
    from scanner.scan import default_sources

    try:
        default_sources()
    except ImportError as exc:
        return f"the Terraform/Kubernetes sources are not importable yet ({exc})"
    return None


def _finding(
    rule_id: str,
    *,
    severity: Severity = Severity.HIGH,
    status: Status = Status.FAIL,
    message: str = "0.0.0.0/0 can reach 22",
    origin: Origin,
) -> Finding:
    rule = next(r for r in RULES if r.id == rule_id)
    return Finding.create(
        rule_id=rule.id,
        title=rule.title,
        category=rule.category,
        severity=severity,
        status=status,
        message=message,
        origin=origin,
    )


def _tf_origin(path: str = "main.tf", start: int = 3, end: int = 7) -> Origin:
    return Origin(
        source=SourceKind.TERRAFORM,
        resource="aws_security_group.web",
        resource_type="aws_security_group",
        location=Location(path=path, start_line=start, end_line=end, start_column=3, end_column=4),
        anchor="ingress[0]",
    )


def _live_origin() -> Origin:
    return Origin(
        source=SourceKind.AWS,
        resource="arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc",
        resource_type="aws_security_group",
        account="123456789012",
        region="eu-west-1",
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with Terraform in infra/ and a manifest in k8s/; scans run from infra/."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(MAIN_TF)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "service.yaml").write_text(SERVICE_YAML)
    return tmp_path


def _corpus(repo: Path) -> ScanResult:
    """Every kind of finding and error the report must carry, with paths relative to `repo/infra`."""
    k8s = Origin(
        source=SourceKind.KUBERNETES,
        resource="Service/default/web",
        resource_type="Service",
        location=Location(path="../k8s/service.yaml", start_line=9, end_line=12, start_column=5),
    )
    in_module = _tf_origin("main.tf", 3, 7).model_copy(
        update={"resource": "module.net.aws_security_group.web",
                "module_call": Location(path="main.tf", start_line=1, end_line=1)})
    outside = _tf_origin(f"../../{repo.name}-elsewhere/outside.tf", 1, 2)
    findings = [
        _finding("NET-001", severity=Severity.CRITICAL, origin=_tf_origin()),
        _finding("NET-002", severity=Severity.MEDIUM, message="0.0.0.0/0 can reach 8080", origin=k8s),
        _finding("NET-003", severity=Severity.LOW, message="0.0.0.0/0 can reach 443", origin=in_module),
        _finding("NET-001", status=Status.UNKNOWN, message="could not evaluate: cidr_blocks: var.cidrs is unknown",
                 origin=_tf_origin("main.tf", 6, 6)),
        _finding("NET-004", severity=Severity.MEDIUM, message="egress open", origin=_tf_origin()).model_copy(
            update={"suppressed": True, "justification": "inline: egress goes through the proxy"}),
        _finding("NET-006", severity=Severity.MEDIUM, message="10.0.0.0/8 outside", origin=_tf_origin()).model_copy(
            update={"suppressed": True, "justification": "baseline: accepted in .tenet-baseline.json"}),
        _finding("IAM-005", severity=Severity.CRITICAL, message="anyone can read", origin=_live_origin()),
        _finding("TLS-002", message="TLS 1.0 allowed", origin=outside),
    ]
    errors = [
        ScanError(path="broken.tf", line=4, column=7, message="unexpected token '}'"),
        ScanError(path="../k8s", level=ErrorLevel.WARNING, message="symbolic link loop: directory already scanned"),
        ScanError(path=None, message="rule NET-005 failed: boom"),
    ]
    return ScanResult(findings=findings, errors=errors, files=["main.tf", "../k8s/service.yaml"], rules=RULES,
                      resources=4)


def _render(result: ScanResult, cwd: Path, category: str = "tenet/", include_suppressed: bool = True,
            include_unlocated: bool = True) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(sarif.render(result, category=category, cwd=cwd,
                                                  include_suppressed=include_suppressed,
                                                  include_unlocated=include_unlocated))
    return log


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _schema_errors(validator: jsonschema.Draft4Validator, log: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def github_problems(log: dict[str, Any]) -> list[str]:
    """What GitHub code scanning needs beyond the schema, as a list of problems (empty: fine)."""
    problems: list[str] = []
    if log.get("$schema") not in SCHEMA_URIS:
        problems.append(f"$schema {log.get('$schema')!r}")
    if log.get("version") != "2.1.0":
        problems.append(f"version {log.get('version')!r}")
    if len(log["runs"]) != 1:
        problems.append(f"{len(log['runs'])} runs")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    for key in ("name", "version", "informationUri", "semanticVersion"):
        if not driver.get(key):
            problems.append(f"driver.{key} missing")
    rules = driver.get("rules", [])
    ids = [r["id"] for r in rules]
    if len(set(ids)) != len(ids):
        problems.append("duplicate rule ids")
    for r in rules:
        texts = (r.get("name"), r.get("shortDescription", {}).get("text"), r.get("fullDescription", {}).get("text"),
                 r.get("help", {}).get("text"), r.get("help", {}).get("markdown"))
        if not all(t and t.strip() for t in texts):
            problems.append(f"rule {r['id']}: an empty name, description or help")
        if not str(r.get("helpUri", "")).startswith("https://"):
            problems.append(f"rule {r['id']}: helpUri {r.get('helpUri')!r}")
        if r.get("defaultConfiguration", {}).get("level") not in ("error", "warning", "note"):
            problems.append(f"rule {r['id']}: defaultConfiguration.level")
        props = r.get("properties", {})
        if "security" not in props.get("tags", []) or len(props.get("tags", [])) > 20:
            problems.append(f"rule {r['id']}: tags {props.get('tags')}")
        if props.get("precision") not in ("very-high", "high", "medium", "low"):
            problems.append(f"rule {r['id']}: precision {props.get('precision')!r}")
        severity = props.get("security-severity")
        try:
            ok = isinstance(severity, str) and 0 < float(severity) <= 10
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"rule {r['id']}: security-severity {severity!r}")
    results = run.get("results", [])
    if len(results) > sarif.MAX_RESULTS:
        problems.append(f"{len(results)} results")
    for i, res in enumerate(results):
        where = f"result {i} ({res.get('ruleId')})"
        if res.get("ruleId") not in ids or ids.index(res["ruleId"]) != res.get("ruleIndex"):
            problems.append(f"{where}: ruleId/ruleIndex {res.get('ruleId')}/{res.get('ruleIndex')}")
        if "level" not in res:
            problems.append(f"{where}: no level")
        if not res.get("message", {}).get("text", "").strip():
            problems.append(f"{where}: empty message")
        if not res.get("partialFingerprints"):
            problems.append(f"{where}: no partialFingerprints")
        if not res.get("locations"):
            problems.append(f"{where}: no locations")
        for loc in res.get("locations", []) + res.get("relatedLocations", []):
            problems += [f"{where}: {p}" for p in _physical_problems(loc.get("physicalLocation"))]
    for note in run.get("invocations", [{}])[0].get("toolExecutionNotifications", []):
        for loc in note.get("locations", []):
            problems += [f"notification: {p}" for p in _physical_problems(loc.get("physicalLocation"))]
    base = run.get("originalUriBaseIds", {}).get("%SRCROOT%", {}).get("uri", "")
    if not (base.startswith("file:///") and base.endswith("/")):
        problems.append(f"%SRCROOT% {base!r}")
    return problems


def _physical_problems(physical: dict[str, Any] | None) -> list[str]:
    if physical is None:
        return []
    problems = []
    uri = physical["artifactLocation"]["uri"]
    if ":" in uri or uri.startswith("/") or "\\" in uri or ".." in uri.split("/") or not uri:
        problems.append(f"uri {uri!r} is not repository-relative")
    if physical["artifactLocation"].get("uriBaseId") != "%SRCROOT%":
        problems.append(f"uri {uri!r} has no %SRCROOT% base")
    region = physical.get("region")
    if region is not None:
        for key in ("startLine", "startColumn", "endLine", "endColumn"):
            if key in region and region[key] < 1:
                problems.append(f"{uri}: {key} {region[key]}")
        if region.get("startLine", 0) < 1:
            problems.append(f"{uri}: no startLine")
    return problems


def _rows_from_json(result: ScanResult, repo_prefix: str) -> set[tuple[str, str | None, int | None, str]]:
    """(ruleId, root-relative uri, startLine, message) per finding, from the JSON report."""
    rows = set()
    for f in json.loads(json_report.render(result))["findings"]:
        loc = f["location"]
        uri = None if loc is None else Path(os.path.normpath(Path(repo_prefix, loc["path"]))).as_posix()
        message = f["message"] if f["resource"] in f["message"] else f"{f['resource']}: {f['message']}"
        rows.add((f["rule_id"], uri, None if loc is None else loc["start_line"], message))
    return rows


def _rows_from_sarif(log: dict[str, Any]) -> set[tuple[str, str | None, int | None, str]]:
    rows = set()
    for res in log["runs"][0]["results"]:
        physical = res["locations"][0].get("physicalLocation")
        rows.add((
            res["ruleId"],
            physical["artifactLocation"]["uri"] if physical else None,
            physical["region"]["startLine"] if physical else None,
            res["message"]["text"],
        ))
    return rows


# ---------------------------------------------------------------- schema and GitHub's rules


def test_synthetic_corpus_is_valid_sarif_and_meets_githubs_rules(repo: Path, validator: Any) -> None:
    log = _render(_corpus(repo), repo / "infra")
    assert _schema_errors(validator, log) == []
    assert github_problems(log) == []
    assert len(log["runs"][0]["results"]) == 8


def test_the_github_checks_catch_broken_logs(repo: Path) -> None:
    log = _render(_corpus(repo), repo / "infra")
    broken = copy.deepcopy(log)
    run = broken["runs"][0]
    del run["results"][0]["level"]
    run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "../k8s/service.yaml"
    run["results"][2]["ruleIndex"] += 1
    run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = "critical"
    run["tool"]["driver"]["rules"][1]["fullDescription"]["text"] = " "
    problems = github_problems(broken)
    assert any("result 0 (NET-001): no level" in p for p in problems)
    assert any("'../k8s/service.yaml' is not repository-relative" in p for p in problems)
    assert any("result 2 (NET-003): ruleId/ruleIndex" in p for p in problems)
    assert any("security-severity 'critical'" in p for p in problems)
    assert any("rule ENC-002: an empty" in p for p in problems)


def test_seed_fixtures_scan_to_valid_sarif(validator: Any) -> None:
    seed = FIXTURES / "seed"
    if not seed.is_dir():
        pytest.skip("fixtures/seed does not exist yet (the lead is adding it)")
    if reason := _sources_missing():
        pytest.skip(reason)
    result = Scanner(cwd=PROJECT).scan([seed])
    log = _render(result, PROJECT)
    assert _schema_errors(validator, log) == []
    assert github_problems(log) == []
    assert log["runs"][0]["results"], "the seed samples hold known violations"
    assert _rows_from_sarif(log) == _rows_from_json(result, "")


def _fixture_corpus() -> ScanResult:
    """Everything under fixtures/, each file scanned with the rule parameters its `# tenet-params: {...}` header
    asks for (see fixtures/README.md), merged into one result."""
    groups: dict[str, list[Path]] = {}
    for path in sorted(p for p in FIXTURES.rglob("*") if p.is_file()):
        head = path.read_text(encoding="utf-8", errors="replace").splitlines()[:5]
        header = next((m.group(1) for line in head if (m := _PARAMS.search(line))), "{}")
        groups.setdefault(header, []).append(path)
    merged = ScanResult(findings=[], errors=[], files=[], rules=RULES)
    for header, paths in groups.items():
        part = Scanner(cwd=PROJECT, params=RuleParams.model_validate(json.loads(header))).scan(paths)
        merged.findings += part.findings
        merged.errors += part.errors
        merged.files += part.files
    return merged


def test_every_rule_fires_on_the_fixtures_and_the_sarif_is_valid(validator: Any) -> None:
    if not FIXTURES.is_dir():
        pytest.skip("fixtures/ does not exist yet")
    if reason := _sources_missing():
        pytest.skip(reason)
    log = _render(_fixture_corpus(), PROJECT)
    assert _schema_errors(validator, log) == []
    assert github_problems(log) == []
    if not (FIXTURES / "rules").is_dir():
        pytest.skip("fixtures/rules does not exist yet: cannot check that every rule fires")
    fired = {res["ruleId"] for res in log["runs"][0]["results"]}
    assert {r.id for r in RULES} - fired == set()


# ---------------------------------------------------------------- the run, rules and results


def test_run_header(repo: Path) -> None:
    run = _render(_corpus(repo), repo / "infra")["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["semanticVersion"]) == ("tenet", "0.1.0", "0.1.0")
    assert [r["id"] for r in driver["rules"]] == [r.id for r in RULES]
    assert run["automationDetails"] == {"id": "tenet/"}
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}


@pytest.mark.parametrize(("given", "expected"), [("iac/prod", "iac/prod/"), ("live/", "live/"), ("", None)])
def test_category_becomes_the_automation_id(repo: Path, given: str, expected: str | None) -> None:
    run = _render(_corpus(repo), repo, category=given)["runs"][0]
    assert run.get("automationDetails", {}).get("id") == expected


def test_rule_descriptor_carries_remediation_and_github_severity(repo: Path) -> None:
    rules = {r["id"]: r for r in _render(_corpus(repo), repo)["runs"][0]["tool"]["driver"]["rules"]}
    net001 = next(r for r in RULES if r.id == "NET-001")
    d = rules["NET-001"]
    assert d["name"] == net001.name
    assert d["shortDescription"]["text"] == net001.title
    assert d["fullDescription"]["text"] == net001.rationale
    assert net001.remediation in d["help"]["text"] and net001.remediation in d["help"]["markdown"]
    assert d["helpUri"] == net001.references[0]
    assert d["properties"]["tags"] == ["security", "network"]
    expected = {"critical": ("9.5", "error"), "high": ("8.0", "error"), "medium": ("5.5", "warning"),
                "low": ("3.0", "note")}
    for r in RULES:
        got = (rules[r.id]["properties"]["security-severity"], rules[r.id]["defaultConfiguration"]["level"])
        assert got == expected[r.severity.value], r.id


def test_level_is_written_even_when_it_is_the_sarif_default(repo: Path) -> None:
    results = _render(_corpus(repo), repo / "infra")["runs"][0]["results"]
    assert [r.get("level") for r in results] == ["error", "warning", "note", "none", "warning", "warning", "error",
                                                 "error"]
    assert [r.get("kind") for r in results] == ["fail", "fail", "fail", "review", "fail", "fail", "fail", "fail"]


def test_serializer_keeps_given_defaults_and_drops_unset_fields() -> None:
    given = sarif._om(om.Result, message=sarif._om(om.Message, text="m"), level="warning", kind="fail")
    assert sarif.to_json(given) == {"message": {"text": "m"}, "kind": "fail", "level": "warning"}
    # Plain sarif-om objects: their defaults (rank -1, ruleIndex -1, level "warning") were never set.
    assert sarif.to_json(om.Region(start_line=1)) == {"startLine": 1}
    assert sarif.to_json(om.Result(message=om.Message(text="m"), rule_index=0)) == {
        "message": {"text": "m"}, "ruleIndex": 0}


def test_file_locations_are_relative_to_the_repository_root_with_snippets(repo: Path) -> None:
    results = _render(_corpus(repo), repo / "infra")["runs"][0]["results"]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"] == {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"}
    lines = MAIN_TF.splitlines()
    assert first["region"] == {
        "startLine": 3, "startColumn": 3, "endLine": 7, "endColumn": 4,
        "snippet": {"text": "\n".join([lines[2][2:], *lines[3:6], lines[6][:3]])},
    }
    k8s = results[1]["locations"][0]["physicalLocation"]
    assert k8s["artifactLocation"]["uri"] == "k8s/service.yaml"
    # No end column: the region runs to the end of its last line.
    assert k8s["region"]["endColumn"] == len("      targetPort: 22") + 1
    assert k8s["region"]["snippet"]["text"] == "\n".join(SERVICE_YAML.splitlines()[8:12])[4:]
    assert results[0]["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "aws_security_group.web", "kind": "resource", "name": "aws_security_group.web"}]


def test_snippets_read_only_what_a_scan_may(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A finding's location is input (a saved inventory, a plan): its snippet is never read through a link
    leading out of the repository, nor from a FIFO (which would block the report)."""
    secret = tmp_path_factory.mktemp("outside") / "secret.tf"
    secret.write_text("outside-SECRET\n" * 9)
    (repo / "infra" / "linked.tf").symlink_to(secret)
    os.mkfifo(repo / "infra" / "pipe.tf")
    findings = [_finding("NET-001", origin=_tf_origin(name, 1, 2)) for name in ("linked.tf", "pipe.tf")]
    text = json.dumps(_render(ScanResult(findings=findings, errors=[], files=[], rules=[]), repo / "infra"))
    assert "outside-SECRET" not in text and '"snippet"' not in text


def test_messages_name_the_resource_once(repo: Path) -> None:
    named = _finding("ENC-001", message="block volume 'aws_security_group.web' is not encrypted at rest",
                     origin=_tf_origin())
    result = ScanResult(findings=[_finding("NET-001", origin=_tf_origin()), named], errors=[], files=[], rules=RULES)
    assert [r["message"]["text"] for r in _render(result, repo / "infra")["runs"][0]["results"]] == [
        "aws_security_group.web: 0.0.0.0/0 can reach 22",
        "block volume 'aws_security_group.web' is not encrypted at rest",
    ]


def test_module_call_is_a_related_location(repo: Path) -> None:
    result = _render(_corpus(repo), repo / "infra")["runs"][0]["results"][2]
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    assert result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_a_file_outside_the_root_gets_no_physical_location(repo: Path) -> None:
    log = _render(_corpus(repo), repo / "infra")
    outside = log["runs"][0]["results"][7]
    assert outside["ruleId"] == "TLS-002"
    assert "physicalLocation" not in outside["locations"][0]
    assert outside["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "aws_security_group.web"
    assert "outside the repository root" in outside["message"]["text"]
    assert '"../' not in json.dumps(log) and '"..' not in json.dumps(log)


def test_live_findings_carry_the_cloud_resource_as_a_logical_location(repo: Path) -> None:
    run = _render(_corpus(repo), repo / "infra")["runs"][0]
    live = run["results"][6]
    arn = "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc"
    assert live["locations"] == [{"logicalLocations": [{"fullyQualifiedName": arn, "kind": "resource", "name": arn}]}]
    assert live["properties"] == {"source": "aws", "resourceType": "aws_security_group",
                                  "account": "123456789012", "region": "eu-west-1"}
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(t.startswith("2 results have no file in the repository") for t in notes)


def test_unlocated_findings_are_left_out_counted_and_kept_on_request(repo: Path, validator: Any) -> None:
    """SARIF meant for upload has no result without a file: GitHub code scanning rejects the whole file."""
    corpus = _corpus(repo)
    unmanaged = _finding("NET-001", severity=Severity.CRITICAL, message="22 open", origin=_live_origin()).model_copy(
        update={"drift": "unmanaged", "drift_detail": "no given Terraform state manages this resource"})
    corpus.findings.append(unmanaged)
    log = _render(corpus, repo / "infra", include_unlocated=False)
    assert not _schema_errors(validator, log) and not github_problems(log)
    run = log["runs"][0]
    assert all("physicalLocation" in r["locations"][0] for r in run["results"])
    assert len(run["results"]) == len(corpus.findings) - 3  # the live finding, the unmanaged one, the outside file
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(t.startswith("3 findings have no file in the repository and were left out (1 unmanaged)")
               for t in notes)
    kept = _render(corpus, repo / "infra", include_unlocated=True)["runs"][0]
    assert len(kept["results"]) == len(corpus.findings)
    unmanaged_result = next(r for r in kept["results"] if r["properties"].get("drift") == "unmanaged")
    assert unmanaged_result["properties"]["tags"] == ["drift:unmanaged"]


def test_suppressed_findings_are_kept_with_their_justification(repo: Path) -> None:
    results = _render(_corpus(repo), repo / "infra")["runs"][0]["results"]
    assert results[4]["suppressions"] == [
        {"kind": "inSource", "justification": "inline: egress goes through the proxy", "status": "accepted"}]
    assert results[5]["suppressions"] == [
        {"kind": "external", "justification": "baseline: accepted in .tenet-baseline.json", "status": "accepted"}]
    assert all("suppressions" not in r for i, r in enumerate(results) if i not in (4, 5))


def test_scan_errors_become_tool_execution_notifications(repo: Path) -> None:
    invocation = _render(_corpus(repo), repo / "infra")["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert notes[0] == {
        "message": {"text": "unexpected token '}'"},
        "level": "error",
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "infra/broken.tf", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 4, "startColumn": 7},
        }}],
    }
    assert notes[1]["level"] == "warning"
    assert notes[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "k8s"
    assert notes[2] == {"message": {"text": "rule NET-005 failed: boom"}, "level": "error"}


def test_execution_is_successful_when_only_warnings(repo: Path) -> None:
    result = _corpus(repo)
    result.errors = [e for e in result.errors if e.level is ErrorLevel.WARNING]
    assert _render(result, repo / "infra")["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_json_and_sarif_report_the_same_findings(repo: Path) -> None:
    result = _corpus(repo)
    outside = "../../" + repo.name + "-elsewhere/outside.tf"
    expected = set()
    for rule_id, uri, line, message in _rows_from_json(result, "infra"):
        if uri is not None and uri.startswith("../"):
            # Outside the repository: no file location in SARIF, and the message says where.
            assert uri == outside[3:]
            uri, line, message = None, None, f"{message} (in {outside}, outside the repository root {repo.resolve()})"
        expected.add((rule_id, uri, line, message))
    assert len(expected) == 8
    assert _rows_from_sarif(_render(result, repo / "infra")) == expected


def test_the_result_limit_is_githubs_and_keeps_the_most_severe() -> None:
    assert sarif.MAX_RESULTS == 25_000
    low = _finding("NET-005", severity=Severity.LOW, origin=_tf_origin())
    unknown = _finding("NET-001", severity=Severity.CRITICAL, status=Status.UNKNOWN, origin=_tf_origin())
    critical = _finding("NET-001", severity=Severity.CRITICAL, origin=_tf_origin())
    kept, left_out = sarif._within_limit([unknown] + [low] * 24_999 + [critical])
    assert (len(kept), left_out) == (25_000, 1)
    assert kept[0] is low and kept[-1] is critical
    assert sarif._within_limit([low] * 25_000) == ([low] * 25_000, 0)


def test_results_beyond_the_limit_are_left_out_with_a_notification(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    lows = [_finding("NET-005", severity=Severity.LOW, message=f"low {i}", origin=_tf_origin()) for i in range(3)]
    critical = _finding("NET-001", severity=Severity.CRITICAL, origin=_tf_origin())
    result = ScanResult(findings=[lows[0], critical, lows[1], lows[2]], errors=[], files=[], rules=RULES)
    run = _render(result, repo / "infra")["runs"][0]
    assert [r["message"]["text"].split(": ", 1)[1] for r in run["results"]] == [
        "low 0", "0.0.0.0/0 can reach 22", "low 1"]
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["invocations"][0]["toolExecutionNotifications"] == [{
        "message": {"text": "1 of 4 results were left out: GitHub code scanning accepts at most 3 per run. "
                            "The most severe were kept; the JSON report lists every finding."},
        "level": "warning",
    }]
    result.findings = result.findings[:3]
    assert "toolExecutionNotifications" not in _render(result, repo / "infra")["runs"][0]["invocations"][0]


def test_a_finding_of_an_unlisted_rule_still_gets_a_matching_descriptor(repo: Path) -> None:
    result = ScanResult(findings=[_finding("TLS-001", origin=_tf_origin())], errors=[], files=[],
                        rules=[r for r in RULES if r.id != "TLS-001"])
    log = _render(result, repo / "infra")
    assert github_problems(log) == []
    assert log["runs"][0]["tool"]["driver"]["rules"][-1]["id"] == "TLS-001"
    assert log["runs"][0]["results"][0]["ruleIndex"] == len(RULES) - 1


# ---------------------------------------------------------------- fingerprints


def test_fingerprints_ignore_line_shifts_and_tell_files_apart(repo: Path) -> None:
    def prints(*origins: Origin) -> list[str]:
        result = ScanResult(findings=[_finding("NET-001", origin=o) for o in origins], errors=[], files=[],
                            rules=RULES)
        return [r["partialFingerprints"]["tenet/v1"] for r in _render(result, repo / "infra")["runs"][0]["results"]]

    assert prints(_tf_origin("main.tf", 3, 7)) == prints(_tf_origin("main.tf", 13, 17))
    a, b = prints(_tf_origin("main.tf"), _tf_origin("other.tf"))
    assert a != b


@pytest.fixture
def scan_repo(tmp_path: Path) -> Iterator[Path]:
    if reason := _sources_missing():
        pytest.skip(reason)
    (tmp_path / ".git").mkdir()
    yield tmp_path


def _scan_prints(root: Path, *files: str) -> dict[tuple[str, str], tuple[str, int]]:
    result = Scanner(cwd=root).scan([root / f for f in files])
    results = _render(result, root)["runs"][0]["results"]
    assert results, "a LoadBalancer Service open to the internet on port 22 is a finding"
    return {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]):
            (r["partialFingerprints"]["tenet/v1"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in results
    }


def test_fingerprints_survive_blank_lines_added_on_top_end_to_end(scan_repo: Path) -> None:
    manifest = scan_repo / "service.yaml"
    manifest.write_text(SERVICE_YAML)
    before = _scan_prints(scan_repo, "service.yaml")
    manifest.write_text("\n" * 10 + SERVICE_YAML)
    after = _scan_prints(scan_repo, "service.yaml")
    assert before.keys() == after.keys()
    for key, (fingerprint, line) in before.items():
        assert after[key] == (fingerprint, line + 10)


def test_identical_findings_in_two_files_have_different_fingerprints_end_to_end(scan_repo: Path) -> None:
    (scan_repo / "a.yaml").write_text(SERVICE_YAML)
    (scan_repo / "b.yaml").write_text(SERVICE_YAML)
    prints = _scan_prints(scan_repo, "a.yaml", "b.yaml")
    in_a = {rule: fp for (rule, uri), (fp, _) in prints.items() if uri == "a.yaml"}
    in_b = {rule: fp for (rule, uri), (fp, _) in prints.items() if uri == "b.yaml"}
    assert in_a.keys() == in_b.keys() != set()
    assert all(in_a[rule] != in_b[rule] for rule in in_a)


# ---------------------------------------------------------------- the CLI


class _FixedScanner:
    """Stands in for Scanner so the CLI tests do not depend on the file sources."""

    result: ScanResult

    def __init__(self, **_: object) -> None:
        pass

    def scan(self, paths: list[Path]) -> ScanResult:
        return self.result


@pytest.fixture
def cli_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    result = _corpus(repo)
    result.errors = []
    monkeypatch.setattr(_FixedScanner, "result", result, raising=False)
    monkeypatch.setattr("scanner.scan.Scanner", _FixedScanner)
    monkeypatch.chdir(repo / "infra")
    return repo


def test_cli_format_sarif_writes_the_report_to_output(cli_repo: Path, validator: Any) -> None:
    out = cli_repo / "out.sarif"
    run = CliRunner().invoke(cli.main, ["scan", ".", "--format", "sarif", "--output", str(out)])
    assert run.exit_code == 1, run.output
    assert run.output == ""
    log = json.loads(out.read_text())
    assert _schema_errors(validator, log) == []
    assert log["runs"][0]["automationDetails"]["id"] == "tenet/"
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "infra/main.tf")


def test_cli_console_and_sarif_in_one_run(cli_repo: Path) -> None:
    out = cli_repo / "out.sarif"
    run = CliRunner().invoke(cli.main, ["scan", "--format", "console", "--sarif", str(out), "--category", "iac",
                                        "--include-suppressed"])
    assert run.exit_code == 1, run.output
    assert "NET-001" in run.output and "findings" in run.output
    log = json.loads(out.read_text())
    assert log["runs"][0]["automationDetails"]["id"] == "iac/"
    assert len(log["runs"][0]["results"]) == 6  # the live finding and the file outside the root are left out
    run = CliRunner().invoke(cli.main, ["scan", "--format", "console", "--sarif", str(out), "--category", "iac",
                                        "--include-suppressed", "--sarif-include-unlocated"])
    assert len(json.loads(out.read_text())["runs"][0]["results"]) == 8


def test_cli_refuses_the_same_file_for_sarif_and_output(cli_repo: Path) -> None:
    run = CliRunner().invoke(cli.main, ["scan", "--format", "json", "-o", "r.out", "--sarif", "r.out"])
    assert run.exit_code == 2
    assert "two reports name the same file" in run.output


def test_cli_records_inline_and_baseline_suppressions_end_to_end(
    scan_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_port = 'resource "aws_security_group" "{name}" {{{comment}\n  ingress {{\n    from_port   = {port}\n' \
                '    to_port     = {port}\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }}\n}}\n'
    (scan_repo / "a.tf").write_text(open_port.format(name="ssh", port=22,
                                                    comment=' # tenet:ignore NET-001 reason="bastion host"'))
    (scan_repo / "b.tf").write_text(open_port.format(name="db", port=5432, comment=""))
    monkeypatch.chdir(scan_repo)
    runner = CliRunner()
    assert runner.invoke(cli.main, ["scan", ".", "--write-baseline", "base.json", "-o", "first.txt"]).exit_code == 0
    run = runner.invoke(cli.main, ["scan", ".", "--baseline", "base.json", "--format", "sarif", "-o", "out.sarif",
                                   "--include-suppressed"])
    assert run.exit_code == 0, run.output
    results = json.loads((scan_repo / "out.sarif").read_text())["runs"][0]["results"]
    assert [(r["ruleId"], r["suppressions"]) for r in results] == [
        ("NET-001", [{"kind": "inSource", "justification": "inline: bastion host", "status": "accepted"}]),
        ("NET-002", [{"kind": "external", "justification": "baseline: accepted in base.json", "status": "accepted"}]),
    ]

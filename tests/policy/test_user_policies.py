"""User policies: loaded from the directories named, held to their fixtures, and reported like built-in rules."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.engine.registry import load_rules
from scanner.engine.user_policies import NAMESPACE, PolicyError, load_policies

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "policies"

OPEN_SSH = """\
resource "aws_security_group" "bastion" {
  name = "bastion"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""

HEADER = '''from __future__ import annotations

from collections.abc import Iterator

from scanner.policy import Firewall, RuleParams, Violation, rule
'''


def policy(body: str, rule_id: str = "HOUSE-001", extra: str = "") -> str:
    return HEADER + f'''

@rule("{rule_id}", name="no-firewall-named-bastion", category="network", severity="medium",
      title="No firewall is called bastion"{extra})
def no_bastion(fw: Firewall, params: RuleParams) -> Iterator[Violation]:
    """Bastions are replaced by session manager.

    Remediation:
    Remove it.
    """
{body}
'''


NAMED_BASTION = """    if fw.name == "bastion":
        yield Violation(message=f"{fw.name} exists", origin=fw.origin)"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(OPEN_SSH, encoding="utf-8")
    (tmp_path / "policies").mkdir()
    return tmp_path


def write_policy(repo: Path, text: str, name: str = "house.py") -> Path:
    path = repo / "policies" / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the worked example ------------------------------------------------------------------------------------


def test_the_example_policies_pass_their_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run("test-policies", "examples/policies")
    assert code == 0, out + err
    # One failing case per source the rule is shown on: a .tf security group, an Azure NSG, a GCP firewall, a Service.
    for fixture in ("aws.tf:8", "azure.tf:12", "gcp.tf:8", "kubernetes.yaml:12"):
        assert f"PASS: examples/policies/fixtures/{fixture}: expect: CORP-001" in out
    assert out.rstrip().endswith("PASS: 6/6")


def test_a_broken_copy_of_the_example_fails_with_a_clear_message(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "policies"
    shutil.copytree(EXAMPLE, copy)
    rule_file = copy / "admin_from_vpn.py"
    text = rule_file.read_text(encoding="utf-8")
    # The bug: any private range passes for the VPN.
    broken = text.replace("if any(not _within(n, params.corporate_vpn_cidr) for n in networks):",
                          "if any(not n.is_private for n in networks):")
    assert broken != text
    rule_file.write_text(broken, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("test-policies", "policies")
    assert code == 1
    assert ("FAIL: policies/fixtures/aws.tf:29: expect: CORP-001\n"
            "    no fail finding of CORP-001 starts on this line") in out
    assert "FAIL: 2/6 failed" in out


def test_an_unexpected_finding_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "policies"
    shutil.copytree(EXAMPLE, copy)
    fixture = copy / "fixtures" / "gcp.tf"
    fixture.write_text(fixture.read_text(encoding="utf-8").replace("# expect: CORP-001", ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("test-policies", "policies")
    assert code == 1
    assert "FAIL: policies/fixtures/gcp.tf:8: unexpected CORP-001 (fail)" in out
    assert "partner-admin: 22, 3389 reachable from 203.0.113.0/24" in out


def test_the_example_runs_in_a_scan_with_its_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = run("scan", "examples/policies/fixtures/gcp.tf", "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["rule_id"], f["location"]["start_line"]) for f in findings if f["rule_id"] == "CORP-001"] == \
        [("CORP-001", 8)]


# -- loading -------------------------------------------------------------------------------------------------


def test_policies_load_from_the_command_line_and_report_like_built_in_rules(repo: Path) -> None:
    write_policy(repo, policy(NAMED_BASTION))
    code, out, _ = run("scan", ".", "--policies", "policies", "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)["runs"][0]
    ids = [r["id"] for r in sarif["tool"]["driver"]["rules"]]
    assert "HOUSE-001" in ids and "NET-001" in ids
    assert {r["ruleId"] for r in sarif["results"]} >= {"HOUSE-001", "NET-001"}
    [house] = [r for r in sarif["tool"]["driver"]["rules"] if r["id"] == "HOUSE-001"]
    assert house["properties"]["policyFile"] == "policies/house.py"
    assert house["help"]["text"] == "Bastions are replaced by session manager.\n\nRemediation:\nRemove it."
    assert "helpUri" not in house  # Tenet's rule reference does not document it
    code, out, _ = run("rules", "--policies", "policies")
    assert "HOUSE-001 network     medium    No firewall is called bastion  [policies/house.py]" in out
    code, out, _ = run("rules", "--policies", "policies", "show", "no-firewall-named-bastion")
    assert code == 0 and "Bastions are replaced by session manager." in out and "policy:    policies/house.py" in out


def test_reports_with_user_rules_follow_their_schemas(repo: Path) -> None:
    import jsonschema  # type: ignore[import-untyped]

    write_policy(repo, policy(NAMED_BASTION))
    _, out, _ = run("scan", ".", "--policies", "policies", "--format", "json")
    jsonschema.validate(json.loads(out), json.loads((ROOT / "scanner/reports/report.schema.json").read_text()))
    _, out, _ = run("scan", ".", "--policies", "policies", "--format", "sarif")
    sarif_schema = ROOT / "tests" / "reports" / "sarif-schema-2.1.0.json"
    jsonschema.validate(json.loads(out), json.loads(sarif_schema.read_text()))


def test_a_missing_policy_directory_is_an_error(repo: Path) -> None:
    code, _, err = run("scan", ".", "--policies", "no-such-dir")
    assert code == 2 and "no-such-dir: no such policy directory" in err


def test_without_policy_paths_no_user_rule_runs(repo: Path) -> None:
    write_policy(repo, policy(NAMED_BASTION))
    _, out, _ = run("scan", ".", "--format", "json")
    assert "HOUSE-001" not in out


def test_policy_paths_in_the_configuration_are_relative_to_it(repo: Path) -> None:
    write_policy(repo, policy(NAMED_BASTION))
    (repo / "infra").mkdir()
    (repo / "main.tf").rename(repo / "infra" / "main.tf")
    (repo / "pyproject.toml").write_text('[tool.tenet]\npolicy-paths = ["policies"]\nfail-on = "medium"\n'
                                         '[tool.tenet.severity]\nHOUSE-001 = "low"\n', encoding="utf-8")
    code, out, _ = run("scan", "infra", "--format", "json")
    assert code == 1
    findings = {f["rule_id"]: f for f in json.loads(out)["findings"]}
    assert findings["HOUSE-001"]["severity"] == "low"  # the configuration's override applies to it
    (repo / "pyproject.toml").write_text('[tool.tenet]\npolicy-paths = ["policies"]\ndisable = ["HOUSE-001"]\n',
                                         encoding="utf-8")
    _, out, _ = run("scan", "infra", "--format", "json")
    assert "HOUSE-001" not in {f["rule_id"] for f in json.loads(out)["findings"]}


def test_a_suppression_comment_and_a_baseline_cover_user_rules(repo: Path) -> None:
    write_policy(repo, policy(NAMED_BASTION))
    code, out, _ = run("scan", ".", "--policies", "policies", "--write-baseline", "baseline.json", "--format", "json")
    assert code == 0 and "HOUSE-001" in (repo / "baseline.json").read_text(encoding="utf-8")
    (repo / "baseline.json").unlink()
    text = (repo / "main.tf").read_text(encoding="utf-8")
    comment = '# tenet:ignore HOUSE-001 reason="replaced next quarter"\n'
    (repo / "main.tf").write_text(comment + text, encoding="utf-8")
    code, out, _ = run("scan", ".", "--policies", "policies", "--format", "json")
    suppressed = {f["rule_id"]: f["suppressed"] for f in json.loads(out)["findings"]}
    assert suppressed.get("HOUSE-001") is True


def test_policies_import_under_a_private_namespace(repo: Path) -> None:
    # A policy file named like Tenet's own modules shadows nothing.
    write_policy(repo, policy(NAMED_BASTION), name="scanner.py")
    write_policy(repo, "from . import _shared\nassert _shared.VALUE == 1\n", name="network.py")
    (repo / "policies" / "_shared.py").write_text("VALUE = 1\n", encoding="utf-8")
    loaded = load_policies([repo / "policies"], load_rules())
    assert loaded.errors == []
    mine = loaded.user_rules
    assert [r.id for r in mine] == ["HOUSE-001"]
    assert mine[0].check.__module__.startswith(NAMESPACE + ".")
    import scanner

    assert sys.modules["scanner"] is scanner and "network" not in sys.modules


def test_replaces_swaps_a_built_in_rule(repo: Path) -> None:
    write_policy(repo, policy(NAMED_BASTION, extra=', replaces="NET-005"'))
    _, out, _ = run("rules", "--policies", "policies")
    assert "NET-005" not in out.replace("replaces NET-005", "")
    assert "[policies/house.py, replaces NET-005]" in out


# -- errors --------------------------------------------------------------------------------------------------


def test_an_id_collision_names_both_rules(repo: Path) -> None:
    write_policy(repo, policy(NAMED_BASTION, rule_id="NET-001"))
    code, _, err = run("scan", ".", "--policies", "policies")
    assert code == 2
    assert "policies/house.py: rule NET-001 (no-firewall-named-bastion) has the id 'NET-001' of the built-in rule " \
           "NET-001 (" in err and "replaces='NET-001'" in err
    assert run("test-policies", "policies")[0] == 2


def test_two_user_rules_may_not_share_an_id(repo: Path) -> None:
    write_policy(repo, policy(NAMED_BASTION))
    write_policy(repo, policy(NAMED_BASTION).replace("no-firewall-named-bastion", "other-name"), name="copy.py")
    with pytest.raises(PolicyError, match=r"rule HOUSE-001 .* has the same id or name as rule HOUSE-001"):
        load_policies([repo / "policies"], load_rules())


def test_a_policy_with_a_syntax_error_is_an_error_entry_at_its_line(repo: Path) -> None:
    write_policy(repo, policy(NAMED_BASTION) + "\ndef broken(:\n")
    code, out, _ = run("scan", ".", "--policies", "policies", "--format", "json")
    assert code == 2
    errors = json.loads(out)["errors"]
    line = policy(NAMED_BASTION).count("\n") + 2
    assert [(e["path"], e["line"]) for e in errors] == [("policies/house.py", line)]
    assert errors[0]["message"].startswith("policy not loaded: syntax error")
    # The built-in rules still ran.
    assert "NET-001" in {f["rule_id"] for f in json.loads(out)["findings"]}
    code, _, err = run("test-policies", "policies")
    assert code == 2 and f"policies/house.py:{line}" in err


# At the line of the failing import, the raise, or the rule's decorator.
@pytest.mark.parametrize(("text", "line", "message"), [
    ("import tenet_no_such_module\n", 1, "ModuleNotFoundError: No module named 'tenet_no_such_module'"),
    ("X = 1\nraise RuntimeError('no credentials here')\n", 2, "RuntimeError: no credentials here"),
    (HEADER + "\n\n@rule('HOUSE-002', name='n', category='storage', severity='low', title='t')\n"
              "def f(fw: Firewall, params: RuleParams) -> Iterator[Violation]:\n    yield from ()\n",
     8, "rule HOUSE-002: category 'storage' is not one of network, tls, encryption, iam, other"),
    (policy(NAMED_BASTION).replace("Remediation:", "Fix:"), 8,
     "rule HOUSE-001: the docstring needs a rationale and a 'Remediation:' section"),
    (policy(NAMED_BASTION).replace("fw: Firewall", "fw: int"), 8,
     "rule HOUSE-001: the first parameter must be annotated with a model asset type"),
], ids=["import-error", "raises", "bad-category", "no-remediation", "not-an-asset"])
def test_a_policy_that_fails_to_import_is_an_error_entry(repo: Path, text: str, line: int, message: str) -> None:
    write_policy(repo, text)
    code, out, _ = run("scan", ".", "--policies", "policies", "--format", "json")
    assert code == 2
    [error] = json.loads(out)["errors"]
    assert (error["path"], error["line"]) == ("policies/house.py", line)
    assert message in error["message"]


def test_a_rule_that_raises_could_not_evaluate_that_asset(repo: Path) -> None:
    raising = '''    if fw.name == "bastion":
        raise ValueError("cannot read the bastion's tags")
    yield from ()'''
    write_policy(repo, policy(raising))
    (repo / "main.tf").write_text(OPEN_SSH.replace("0.0.0.0/0", "10.1.0.0/16"), encoding="utf-8")
    (repo / "other.tf").write_text(OPEN_SSH.replace('"bastion"', '"web"').replace("0.0.0.0/0", "10.1.0.0/16"),
                                   encoding="utf-8")
    assert run("scan", ".", "--policies", "policies", "--fail-on", "medium")[0] == 0
    code, out, _ = run("scan", ".", "--policies", "policies", "--format", "json", "--fail-on", "medium",
                       "--fail-on-unknown")
    report = json.loads(out)
    [unknown] = [f for f in report["findings"] if f["rule_id"] == "HOUSE-001"]
    assert unknown["status"] == "unknown"
    raised_at = policy(raising).splitlines().index("        raise ValueError(\"cannot read the bastion's tags\")") + 1
    assert unknown["message"] == ("could not evaluate: rule HOUSE-001 raised ValueError: cannot read the bastion's "
                                  f"tags (policies/house.py:{raised_at})")
    assert unknown["location"]["path"] == "main.tf"
    assert report["errors"] == []
    assert code == 1  # an unevaluated finding gates like any other with --fail-on-unknown


def test_user_parameters_are_typed_in_the_configuration(repo: Path) -> None:
    shutil.copy(EXAMPLE / "admin_from_vpn.py", repo / "policies")
    (repo / ".tenet.toml").write_text('policy-paths = ["policies"]\n\n[params]\ncorporate_vpn_cidr = "not a range"\n',
                                      encoding="utf-8")
    code, _, err = run("scan", ".")
    assert code == 2
    assert ".tenet.toml:4: params.corporate_vpn_cidr: Input is not a valid IPv4 network" in err
    (repo / ".tenet.toml").write_text('policy-paths = ["policies"]\n', encoding="utf-8")
    code, _, err = run("scan", ".")
    assert code == 2 and "params.corporate_vpn_cidr: Field required" in err
    (repo / ".tenet.toml").write_text('policy-paths = ["policies"]\n[params]\ncorporate_vpn_cidr = "10.20.0.0/16"\n'
                                      'corporate_vpn = "10.20.0.0/16"\n', encoding="utf-8")
    code, _, err = run("scan", ".")
    assert code == 2 and "did you mean 'corporate_vpn_cidr'?" in err
    (repo / ".tenet.toml").write_text('policy-paths = ["policies"]\n[params]\ncorporate_vpn_cidr = "10.20.0.0/16"\n',
                                      encoding="utf-8")
    code, out, _ = run("scan", ".", "--format", "json")
    assert "CORP-001" in {f["rule_id"] for f in json.loads(out)["findings"]}


def test_policy_paths_outside_the_repository_are_not_read(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (repo / ".tenet.toml").write_text(f'policy-paths = ["{elsewhere.as_posix()}"]\n', encoding="utf-8")
    code, _, err = run("scan", ".")
    assert code == 2 and "policy-paths" in err and "not read" in err


def test_a_configuration_given_with_config_keeps_the_trees_policies_from_running(
        repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    marker = tmp_path_factory.mktemp("marker") / "ran"
    write_policy(repo, f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n")
    (repo / ".tenet.toml").write_text('policy-paths = ["policies"]\n', encoding="utf-8")
    trusted = tmp_path_factory.mktemp("trusted") / ".tenet.toml"
    trusted.write_text('fail-on = "none"\n', encoding="utf-8")
    assert run("scan", ".", "--config", str(trusted))[0] == 0
    assert not marker.exists()
    # The control: found in the tree, the configuration's policies are imported, and their Python runs.
    run("scan", ".")
    assert marker.read_text() == "ran"

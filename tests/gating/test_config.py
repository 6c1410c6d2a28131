"""Configuration: discovery, validation errors that name the key and the file, and what each option does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scanner.cli import main
from scanner.config import Config, ConfigError, Excluder, LoadedConfig, configure_rules, discover, load
from scanner.engine.findings import Severity
from scanner.engine.registry import load_rules
from scanner.model.tls import TlsVersion

OPEN_SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
# NET-001 (critical) on the ingress and NET-004 (medium) on the egress.
SSH_AND_EGRESS = """resource "aws_security_group" "web" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
CLEAN = """resource "aws_security_group" "ok" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.1.0.0/16"]
  }
}
"""


def tenet(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def report(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(tenet(*args).stdout)
    return data

# --- discovery -------------------------------------------------------------------------------------------------


def test_nearest_config_above_the_scanned_path_is_found(repo: Path) -> None:
    (repo / ".tenet.toml").write_text('fail-on = "high"\n')
    (repo / "infra" / "net").mkdir(parents=True)
    (repo / "infra" / ".tenet.toml").write_text('fail-on = "critical"\n')
    (repo / "infra" / "net" / "sg.tf").write_text(CLEAN)
    assert discover([Path("infra/net/sg.tf")], repo) == repo / "infra" / ".tenet.toml"
    assert discover([Path("infra/net")], repo) == repo / "infra" / ".tenet.toml"
    assert discover([], repo) == repo / ".tenet.toml"


def test_several_paths_use_their_common_directory(repo: Path) -> None:
    (repo / ".tenet.toml").write_text("")
    for d in ("a", "b"):
        (repo / d).mkdir()
        (repo / d / ".tenet.toml").write_text("")
        (repo / d / "x.tf").write_text(CLEAN)
    assert discover([Path("a/x.tf"), Path("b/x.tf")], repo) == repo / ".tenet.toml"
    assert discover([Path("a/x.tf"), Path("a")], repo) == repo / "a" / ".tenet.toml"


def test_pyproject_without_a_tenet_table_is_passed_over(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.tenet]\nfail-on = "medium"\n')
    (repo / "svc").mkdir()
    (repo / "svc" / "pyproject.toml").write_text('[project]\nname = "svc"\n[tool.ruff]\nline-length = 99\n')
    assert discover([Path("svc")], repo) == repo / "pyproject.toml"


def test_dot_tenet_toml_wins_over_pyproject_in_the_same_directory(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.tenet]\nfail-on = "medium"\n')
    (repo / ".tenet.toml").write_text('fail-on = "high"\n')
    assert discover([Path(".")], repo) == repo / ".tenet.toml"


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".tenet.toml").write_text('fail-on = "high"\n')
    checkout = tmp_path / "checkout"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "mod").mkdir()
    assert discover([checkout / "mod"], tmp_path) is None
    # Without a .git the walk goes on up.
    (checkout / ".git").rmdir()
    assert discover([checkout / "mod"], tmp_path) == tmp_path / ".tenet.toml"


# --- loading and validation ------------------------------------------------------------------------------------


def test_a_full_configuration_loads(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("""
[project]
name = "infra"

[tool.tenet]
enable = ["NET-001", "ports-open-to-internet"]
disable = ["NET-002"]
exclude = ["**/.terraform/**", "examples/**"]
fail-on = "high"
fail-on-unknown = true
baseline = ".tenet-baseline.json"

[tool.tenet.params]
allowed_cidrs = ["10.0.0.0/8"]
admin_ports = [22, 3389]
private_prefix_threshold = 12
min_tls_version = "TLSv1.3"
require_customer_managed_keys = true

[tool.tenet.severity]
"NET-003" = "medium"
""")
    loaded = load(repo / "pyproject.toml", repo)
    config = loaded.config
    assert loaded.label == "pyproject.toml: [tool.tenet] "
    assert config.params.allowed_cidrs == ("10.0.0.0/8",)
    assert config.params.admin_ports == (22, 3389)
    assert config.params.private_prefix_threshold == 12
    assert config.params.min_tls_version is TlsVersion.TLS1_3
    assert config.params.require_customer_managed_keys is True
    assert config.severity == {"NET-003": Severity.MEDIUM}
    assert (config.fail_on, config.fail_on_unknown) == ("high", True)
    assert loaded.baseline_path() == repo.resolve() / ".tenet-baseline.json"


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("pyproject.toml", "[tool.tenet.params]\nadmin_ports = [22, 23, 70000]\n",
         "pyproject.toml:2: [tool.tenet] params.admin_ports.2: port 70000 is outside 0-65535"),
        (".tenet.toml", '[params]\nallowed_cidrs = ["10.0.0.0/8", "not-a-cidr"]\n',
         ".tenet.toml:2: params.allowed_cidrs.1: not a CIDR: 'not-a-cidr'"),
        (".tenet.toml", '[params]\nadmin_ports = [22, "ssh"]\n',
         ".tenet.toml:2: params.admin_ports.1: Input should be a valid integer, unable to parse string as an integer"),
        (".tenet.toml", "[params]\nprivate_prefix_threshold = 40\n",
         ".tenet.toml:2: params.private_prefix_threshold: Input should be less than or equal to 32"),
        (".tenet.toml", '[params]\nmin_tls_version = "TLS9"\n',
         ".tenet.toml:2: params.min_tls_version: not a TLS version: 'TLS9' (use for example TLSv1.2)"),
        (".tenet.toml", '[params]\nadmin_port = [22]\n',
         ".tenet.toml:2: params.admin_port: unknown key; did you mean 'admin_ports'? (expected one of: admin_ports, "
         "public_ports, allowed_cidrs, "
         "private_prefix_threshold, internet_prefix_v4, internet_prefix_v6, min_tls_version, "
         "require_customer_managed_keys)"),
        (".tenet.toml", 'fail_on = "high"\n',
         ".tenet.toml:1: fail_on: unknown key; did you mean 'fail-on'? (expected one of: params, severity, enable, "
         "disable, exclude, fail-on, fail-on-unknown, baseline, mute, max-instances, max-plan-mib, max-file-mib, "
         "jobs, download-modules, policy-paths, compliance)"),
        (".tenet.toml", 'fail-on = "severe"\n',
         ".tenet.toml:1: fail-on: Input should be 'critical', 'high', 'medium', 'low' or 'none'"),
        (".tenet.toml", '[severity]\n"NET-003" = "urgent"\n',
         ".tenet.toml:2: severity.NET-003: Input should be 'critical', 'high', 'medium' or 'low'"),
        (".tenet.toml", 'exclude = "examples/**"\n',
         ".tenet.toml:1: exclude: Input should be a valid tuple"),
        (".tenet.toml", 'fail-on = "high\n',
         ".tenet.toml: invalid TOML: Illegal character '\\n' (at line 1, column 16)"),
    ],
)
def test_bad_configuration_names_the_file_and_the_key(repo: Path, file: str, text: str, message: str) -> None:
    (repo / file).write_text(text)
    with pytest.raises(ConfigError) as info:
        load(repo / file, repo)
    assert str(info.value) == message


def test_every_problem_is_reported_at_once(repo: Path) -> None:
    (repo / ".tenet.toml").write_text('colour = true\n[params]\npublic_ports = [80, -1]\n')
    with pytest.raises(ConfigError) as info:
        load(repo / ".tenet.toml", repo)
    assert str(info.value).splitlines() == [
        ".tenet.toml:3: params.public_ports.1: port -1 is outside 0-65535",
        ".tenet.toml:1: colour: unknown key (expected one of: params, severity, enable, disable, exclude, fail-on, "
        "fail-on-unknown, baseline, mute, max-instances, max-plan-mib, max-file-mib, jobs, download-modules, "
        "policy-paths, compliance)",
    ]


def test_a_tenet_toml_written_under_tool_tenet_means_the_same(repo: Path) -> None:
    (repo / ".tenet.toml").write_text('[tool.tenet]\nfail-on = "high"\n[tool.tenet.params]\nadmin_ports = [22]\n')
    config = load(repo / ".tenet.toml", repo).config
    assert (config.fail_on, tuple(config.params.admin_ports)) == ("high", (22,))
    (repo / ".tenet.toml").write_text('[tool.tenet]\nfail-on = "high"\n\n[tool.tenet.params]\nadmin_port = [22]\n')
    with pytest.raises(ConfigError) as info:
        load(repo / ".tenet.toml", repo)
    assert str(info.value).startswith(".tenet.toml:5: params.admin_port: unknown key; did you mean 'admin_ports'?")


def test_explicit_pyproject_without_a_table_is_an_error(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"^pyproject.toml: no \[tool.tenet\] table$"):
        load(repo / "pyproject.toml", repo)
    with pytest.raises(ConfigError, match=r"^nope.toml: no such file$"):
        load(repo / "nope.toml", repo)


def test_config_error_exits_2_with_the_message_and_no_traceback(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[tool.tenet.params]\nadmin_ports = [22, 70000]\n")
    (repo / "sg.tf").write_text(OPEN_SSH)
    run = tenet("scan", "sg.tf")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr == "Error: pyproject.toml:2: [tool.tenet] params.admin_ports.1: port 70000 is outside 0-65535\n"


# --- rules: enable, disable, severity ---------------------------------------------------------------------------


def _rules(text: str, repo: Path) -> list[tuple[str, Severity]]:
    (repo / ".tenet.toml").write_text(text)
    return [(r.id, r.severity) for r in configure_rules(load_rules(), load(repo / ".tenet.toml", repo))]


def test_enable_and_disable_by_id_alias_or_name(repo: Path) -> None:
    assert _rules('enable = ["NET-001", "public-endpoint", "net-004"]\n', repo) == [
        ("NET-001", Severity.CRITICAL), ("NET-003", Severity.LOW), ("NET-004", Severity.MEDIUM)]
    assert _rules('enable = ["NET-001", "NET-003"]\ndisable = ["public-endpoint"]\n', repo) == [
        ("NET-001", Severity.CRITICAL)]
    everything = {r.id for r in load_rules()}
    assert {rule for rule, _ in _rules('disable = ["NET-001"]\n', repo)} == everything - {"NET-001"}


def test_severity_override_rewrites_the_rule(repo: Path) -> None:
    rules = dict(_rules('[severity]\n"NET-003" = "medium"\nadmin-ports-open-to-internet = "high"\n', repo))
    assert (rules["NET-003"], rules["NET-001"], rules["NET-002"]) == (Severity.MEDIUM, Severity.HIGH, Severity.HIGH)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('enable = ["NET-001", "NET-999"]\n', ".tenet.toml: enable.1: no rule 'NET-999' (`tenet rules` lists them)"),
        ('disable = ["nope"]\n', ".tenet.toml: disable.0: no rule 'nope' (`tenet rules` lists them)"),
        ('[severity]\n"XYZ-001" = "low"\n',
         ".tenet.toml: severity.XYZ-001: no rule 'XYZ-001' (`tenet rules` lists them)"),
    ],
)
def test_unknown_rule_is_an_error(repo: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _rules(text, repo)
    assert str(info.value) == message


def test_severity_override_reaches_findings_gating_and_sarif(repo: Path) -> None:
    (repo / ".tenet.toml").write_text('fail-on = "high"\n[severity]\n"NET-001" = "medium"\n')
    (repo / "sg.tf").write_text(OPEN_SSH)
    assert tenet("scan", "sg.tf").exit_code == 0
    assert [f["severity"] for f in report("scan", "sg.tf", "--format", "json")["findings"]] == ["medium"]
    sarif = report("scan", "sg.tf", "--format", "sarif")
    rule = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "NET-001")
    assert rule["defaultConfiguration"]["level"] == "warning"
    assert sarif["runs"][0]["results"][0]["level"] == "warning"


# --- params, fail-on, overrides ---------------------------------------------------------------------------------


def test_params_from_the_configuration_are_used(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    assert [f["rule_id"] for f in report("scan", ".", "--format", "json")["findings"]] == ["NET-001"]
    # 22 is no longer an administrative port: the exposure is an ordinary service port's.
    (repo / ".tenet.toml").write_text("[params]\nadmin_ports = [3389]\n")
    assert [f["rule_id"] for f in report("scan", ".", "--format", "json")["findings"]] == ["NET-002"]


def test_cli_fail_on_beats_the_configuration(repo: Path) -> None:
    (repo / "sg.tf").write_text(SSH_AND_EGRESS)  # critical and medium
    (repo / ".tenet.toml").write_text('fail-on = "none"\n')
    assert tenet("scan", ".").exit_code == 0
    assert tenet("scan", ".", "--fail-on", "critical").exit_code == 1
    (repo / ".tenet.toml").write_text('fail-on = "critical"\n')
    assert tenet("scan", ".").exit_code == 1
    assert tenet("scan", ".", "--fail-on", "none").exit_code == 0


def test_config_option_overrides_discovery(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    (repo / ".tenet.toml").write_text('fail-on = "none"\n')
    (repo / "ci.toml").write_text('fail-on = "critical"\n')
    assert tenet("scan", "sg.tf").exit_code == 0
    assert tenet("scan", "sg.tf", "--config", "ci.toml").exit_code == 1
    missing = tenet("scan", "sg.tf", "--config", "missing.toml")
    assert (missing.exit_code, missing.stderr) == (2, "Error: missing.toml: no such file\n")


def test_fail_on_unknown_from_the_configuration_and_the_cli(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH.replace('["0.0.0.0/0"]', "var.cidrs"))
    (repo / "variables.tf").write_text('variable "cidrs" {}\n')
    assert [f["status"] for f in report("scan", ".", "--format", "json")["findings"]] == ["unknown"]
    assert tenet("scan", ".").exit_code == 0
    (repo / ".tenet.toml").write_text("fail-on-unknown = true\n")
    assert tenet("scan", ".").exit_code == 1
    assert tenet("scan", ".", "--no-fail-on-unknown").exit_code == 0


# --- exclude ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["examples/**"], "examples/a/main.tf", True),
        (["examples/**"], "infra/examples/main.tf", False),
        (["**/.terraform/**"], "infra/.terraform/modules/x/main.tf", True),
        (["**/.terraform/**"], ".terraform/main.tf", True),
        (["examples"], "infra/examples/main.tf", True),
        (["*.auto.tfvars"], "env/prod.auto.tfvars", True),
        (["*.auto.tfvars"], "env/prod.tfvars", False),
        (["infra/*/legacy.tf"], "infra/eu/legacy.tf", True),
        (["infra/*/legacy.tf"], "infra/eu/west/legacy.tf", False),
        (["infra/**/legacy.tf"], "infra/eu/west/legacy.tf", True),
        (["./generated/"], "generated/k8s/app.yaml", True),
        (["app-[0-9].yaml"], "k8s/app-7.yaml", True),
        (["app-[!0-9].yaml"], "k8s/app-7.yaml", False),
        (["main.tf?"], "main.tf", False),
    ],
)
def test_exclude_globs(tmp_path: Path, patterns: list[str], path: str, excluded: bool) -> None:
    assert Excluder(tmp_path, patterns)(tmp_path / path) is excluded


def test_exclude_is_relative_to_the_configuration_and_applies_to_named_files(repo: Path) -> None:
    (repo / ".tenet.toml").write_text('exclude = ["examples/**"]\n')
    for d in ("examples", "infra", "infra/examples"):
        (repo / d).mkdir()
        (repo / d / "sg.tf").write_text(OPEN_SSH)
    scanned = report("scan", ".", "--format", "json")
    assert [f["location"]["path"] for f in scanned["findings"]] == ["infra/examples/sg.tf", "infra/sg.tf"]
    assert scanned["summary"]["files"] == 2
    # From a subdirectory the patterns still mean the same files; a hook names files explicitly.
    assert tenet("scan", "examples/sg.tf").exit_code == 0
    assert report("scan", "examples/sg.tf", "infra/sg.tf", "--format", "json")["summary"]["findings"] == 1


def test_exclude_drops_a_module_finding_shown_at_its_call(repo: Path) -> None:
    """Scanning `live` alone shows a finding of `../mod` at the call in `live`; excluding `mod/**` still drops it."""
    (repo / "mod").mkdir()
    (repo / "mod" / "main.tf").write_text('variable "cidrs" {}\n' + OPEN_SSH.replace('["0.0.0.0/0"]', "var.cidrs"))
    (repo / "live").mkdir()
    (repo / "live" / "main.tf").write_text('module "m" {\n  source = "../mod"\n  cidrs  = ["0.0.0.0/0"]\n}\n')
    [shown] = report("scan", "live", "--format", "json")["findings"]
    assert (shown["location"]["path"], shown["module_chain"][-1]) == ("live/main.tf", "mod/main.tf:3")
    (repo / ".tenet.toml").write_text('exclude = ["mod/**"]\n')
    assert report("scan", "live", "--format", "json")["findings"] == []


def test_excluded_sibling_in_a_module_still_provides_context(repo: Path) -> None:
    """An excluded file is not reported on, but Terraform still reads it as part of its module."""
    (repo / ".tenet.toml").write_text('exclude = ["mod/generated.tf"]\n')
    (repo / "mod").mkdir()
    (repo / "mod" / "main.tf").write_text(OPEN_SSH.replace('["0.0.0.0/0"]', "[local.cidr]"))
    (repo / "mod" / "generated.tf").write_text('locals {\n  cidr = "0.0.0.0/0"\n}\n' + CLEAN)
    findings = report("scan", "mod", "--format", "json")["findings"]
    assert [(f["rule_id"], f["location"]["start_line"]) for f in findings] == [("NET-001", 2)]


def test_defaults_without_a_configuration(repo: Path) -> None:
    assert load(None, repo) == LoadedConfig(Config())
    assert load(None, repo).excluder() is None

"""The `tenet` command as users run it: exit codes, formats, errors that never become tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner import __version__
from scanner.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed"

OPEN_SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
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


def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    runner = CliRunner()
    if cwd is None:
        result = runner.invoke(main, list(args))
    else:
        with runner.isolated_filesystem(temp_dir=cwd):
            result = runner.invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_version() -> None:
    code, out = run("--version")
    assert (code, out.strip()) == (0, f"tenet {__version__}")


def test_findings_exit_1_and_clean_exit_0(repo: Path) -> None:
    (repo / "open").mkdir()
    (repo / "open" / "sg.tf").write_text(OPEN_SSH)
    (repo / "clean").mkdir()
    (repo / "clean" / "sg.tf").write_text(CLEAN)
    code, out = run("scan", "open")
    assert code == 1
    assert "open/sg.tf" in out and "NET-001" in out and "critical" in out
    assert run("scan", "clean")[0] == 0


@pytest.mark.parametrize(("fail_on", "expected"), [("critical", 1), ("none", 0)])
def test_fail_on_threshold(repo: Path, fail_on: str, expected: int) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    assert run("scan", ".", "--fail-on", fail_on)[0] == expected


def test_seed_gates_on_high_but_not_critical() -> None:
    assert run("scan", str(SEED), "--fail-on", "critical")[0] == 0
    assert run("scan", str(SEED), "--fail-on", "high")[0] == 1


def test_malformed_file_is_an_error_entry_and_the_rest_is_still_scanned(repo: Path) -> None:
    (repo / "a").mkdir()
    (repo / "a" / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n')
    (repo / "b").mkdir()
    (repo / "b" / "sg.tf").write_text(OPEN_SSH)
    (repo / "bad.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x\n")
    code, out = run("scan", ".", "--format", "json")
    report = json.loads(out)
    assert code == 2
    assert [f["rule_id"] for f in report["findings"]] == ["NET-001"]
    errors = {(e["path"], e["level"]) for e in report["errors"]}
    assert ("a/broken.tf", "error") in errors and ("bad.yaml", "error") in errors
    broken = next(e for e in report["errors"] if e["path"] == "a/broken.tf")
    assert broken["line"] is not None and broken["message"]


def test_missing_path_is_exit_2(repo: Path) -> None:
    code, out = run("scan", "does-not-exist")
    assert code == 2
    assert "does-not-exist" in out and "no such file" in out


def test_usage_error_is_exit_2() -> None:
    assert run("scan", "--format", "xml")[0] == 2


def test_output_file(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    code, out = run("scan", ".", "--format", "json", "--output", "report.json")
    assert code == 1 and out == ""
    assert json.loads((repo / "report.json").read_text())["summary"]["findings"] == 1


def test_rules_listing_and_show() -> None:
    code, out = run("rules")
    assert code == 0
    lines = out.splitlines()
    assert any(line.split()[:3] == ["NET-001", "network", "critical"] for line in lines)
    code, out = run("rules", "show", "IAM-004")
    assert code == 0 and "Remediation" in out and "NotAction" in out
    assert run("rules", "show", "NOPE-999")[0] == 2


def test_module_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "x.tf"
    binary.write_bytes(b"\x00\x01\x02resource")
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(binary)], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "x.tf" in proc.stdout and "binary" in proc.stdout


def test_docs_rules_md_is_up_to_date() -> None:
    code, out = run("rules", "--format", "markdown")
    assert code == 0
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == out, "regenerate: tenet rules --format markdown"


def test_colour_only_when_asked_off_a_terminal(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    assert "\x1b[" not in run("scan", ".")[1]
    coloured = run("scan", ".", "--color")[1]
    assert "\x1b[35m\x1b[1mcritical" in coloured


def test_the_readme_usage_block_lists_every_option() -> None:
    """The README's usage block is where people look first: every option of `scan` and of the audits is in it."""
    import re

    from scanner.cli import audit, main

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    usage = readme.split("## Usage\n", 1)[1].split("```", 2)[1]
    def options(command: object) -> set[str]:
        return {opt for param in command.params for opt in param.opts + param.secondary_opts  # type: ignore[attr-defined]
                if opt.startswith("--")}

    # The options of `scan`, and those every audit shares; a cloud's own (--profile, --subscription…) are in
    # the "Live audits" section.
    audits = [options(command) for command in audit.commands.values()]
    listed = options(main.commands["scan"]) | set.intersection(*audits)
    missing = sorted(opt for opt in listed if not re.search(re.escape(opt) + r"(?![\w-])", usage))
    assert missing == []

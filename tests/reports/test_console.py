"""The console report as a person and their tools see it: `path:line:col`, colours on a terminal, fix hints,
the findings that fail the run; the GitHub annotations format; several reports from one run."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]
SGR = re.compile(r"\x1b\[[0-9;]*m")
OPEN_SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "web" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
    description = "web, %0A::error::forged"
  }
}
"""


def _in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run `tenet` in a pseudo-terminal, as a person at a terminal would, and return what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "scanner", *args], cwd=cwd, env=env, stdin=follower,
                            stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "sg.tf").write_text(OPEN_SSH)
    return tmp_path


def test_on_a_terminal_every_finding_starts_with_path_line_col_and_is_coloured(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = str(ROOT)
    shown = _in_terminal(["scan", "infra", "--fail-on", "high"], repo, env)
    assert SGR.search(shown), shown  # a terminal gets colours
    plain = SGR.sub("", shown)
    lines = plain.splitlines()
    firsts = [line for line in lines if "NET-00" in line and not line.startswith(" ")]
    assert firsts == [
        "infra/sg.tf:2:3: critical NET-001  Administrative ports are reachable from the internet  [fails]",
        "infra/sg.tf:10:3: low      NET-003  Public web endpoint is reachable from the internet",
    ]
    assert "    fix: Restrict the source to known administrative networks" in plain
    assert "(tenet rules show NET-001)" in plain
    assert lines[-1].endswith("fails on: high and above (1 here)")
    assert " 1 file, " in lines[-1]


def test_no_color_and_force_color(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert SGR.search(CliRunner().invoke(main, ["scan", "infra"]).output)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not SGR.search(CliRunner().invoke(main, ["scan", "infra"]).output)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("FORCE_COLOR")
    assert not SGR.search(CliRunner().invoke(main, ["scan", "infra"]).output)  # a pipe, not a terminal


def test_a_plan_finding_is_told_apart_from_the_tf_finding() -> None:
    plans = sorted((ROOT / "fixtures" / "terraform" / "plan").rglob("*.json"))
    assert plans
    shown = CliRunner().invoke(main, ["scan", str(plans[0]), "--no-color"]).output
    findings = [line for line in shown.splitlines() if re.match(r"\S+:\d+:\d+: ", line)]
    assert findings and all(" (plan)  " in line for line in findings), shown


def test_github_annotations_cannot_be_forged_and_carry_file_line_col(repo: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    run = CliRunner().invoke(main, ["scan", "infra", "--format", "github"])
    assert run.exit_code == 1
    lines = run.output.splitlines()
    assert lines[0].startswith("::error file=infra/sg.tf,line=2,endLine=7,col=3,title=NET-001 Administrative ports")
    assert lines[1].startswith("::notice file=infra/sg.tf,line=10,endLine=16,col=3,title=NET-003 ")
    # The description's "%0A::error::" is data: its % is escaped, so the runner never decodes a newline.
    assert lines[1].endswith("(rule 'web, %250A::error::forged') [low]")
    assert [line for line in lines if line.startswith("::")] == lines[:2]
    assert lines[-1].startswith("2 findings")


def test_several_reports_from_one_run(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    run = CliRunner().invoke(main, ["scan", "infra", "--no-color", "--output-format", "json=out/r.json",
                                    "--output-format", "github=r.txt", "--sarif", "r.sarif"])
    assert run.exit_code == 2  # out/ does not exist: the report cannot be written
    (repo / "out").mkdir()
    run = CliRunner().invoke(main, ["scan", "infra", "--no-color", "--output-format", "json=out/r.json",
                                    "--output-format", "github=r.txt", "--sarif", "r.sarif"])
    assert run.exit_code == 1
    assert run.output.startswith("infra/sg.tf:2:3: critical NET-001")  # the console still goes to stdout
    assert len(json.loads((repo / "out" / "r.json").read_text())["findings"]) == 2
    assert json.loads((repo / "r.sarif").read_text())["version"] == "2.1.0"
    assert (repo / "r.txt").read_text().startswith("::error file=infra/sg.tf")
    bad = CliRunner().invoke(main, ["scan", "infra", "--output-format", "xml=r.xml"])
    assert bad.exit_code == 2 and "FORMAT one of console, json, sarif, github" in bad.output
    same = CliRunner().invoke(main, ["scan", "infra", "-o", "r.json", "--output-format", "json=./r.json"])
    assert same.exit_code == 2 and "two reports name the same file" in same.output


def test_version_short_option() -> None:
    run = CliRunner().invoke(main, ["-V"])
    assert run.exit_code == 0 and run.output.startswith("tenet ")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_slow_scan_shows_a_spinner_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner import cli

    monkeypatch.setattr(cli, "SLOW_SCAN_SECONDS", 0.05)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for stream, shows in ((_Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        with cli._slow_scan_status(3):
            deadline = time.monotonic() + 10
            while shows and "scanning 3 paths" not in stream.getvalue() and time.monotonic() < deadline:
                time.sleep(0.02)
            if not shows:
                time.sleep(0.2)  # well past the delay: a pipe still gets nothing
        assert ("scanning 3 paths" in stream.getvalue()) is shows
    # In CI, never: its logs are not terminals even when a pseudo-terminal is attached.
    monkeypatch.setenv("CI", "true")
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    with cli._slow_scan_status(1):
        time.sleep(0.2)
    assert quiet.getvalue() == ""

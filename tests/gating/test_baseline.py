"""Baselines (write, apply across line shifts, fixed findings), exit codes and `--quiet`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from scanner import __version__
from scanner.cli import main
from scanner.gating.baseline import Baseline, BaselineError

OPEN_SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
OPEN_RDP = OPEN_SSH.replace('"ssh"', '"rdp"').replace("= 22", "= 3389")
# NET-003 (low) on 443 open to the world.
PUBLIC_WEB = OPEN_SSH.replace('"ssh"', '"web"').replace("= 22", "= 443")


def tenet(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def report(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(tenet(*args, "--format", "json").stdout)
    return data


def state(scanned: dict[str, Any]) -> list[tuple[str, str, int, str | None]]:
    return [(f["rule_id"], f["resource"], f["location"]["start_line"], f["justification"] if f["suppressed"] else None)
            for f in scanned["findings"]]


def test_written_baseline_is_sorted_deterministic_and_readable(repo: Path) -> None:
    (repo / "b").mkdir()
    (repo / "b" / "sg.tf").write_text(OPEN_SSH)
    (repo / "a.tf").write_text(OPEN_RDP + OPEN_SSH)
    run = tenet("scan", ".", "--write-baseline", ".tenet-baseline.json")
    assert (run.exit_code, run.stderr) == (0, "tenet: wrote 3 findings to .tenet-baseline.json\n")
    first = (repo / ".tenet-baseline.json").read_bytes()
    data = json.loads(first)
    # The same type as the JSON report's format_version: a "major.minor" string.
    report_version = json.loads(tenet("scan", ".", "--format", "json").stdout)["format_version"]
    assert data["format_version"] == "1.0" and isinstance(report_version, str)
    assert data["tool"] == {"name": "tenet", "version": __version__}
    assert [(e["path"], e["resource"], e["rule_id"]) for e in data["findings"]] == [
        ("a.tf", "aws_security_group.rdp", "NET-001"),
        ("a.tf", "aws_security_group.ssh", "NET-001"),
        ("b/sg.tf", "aws_security_group.ssh", "NET-001"),
    ]
    assert data["findings"][0] == {
        "fingerprint": data["findings"][0]["fingerprint"], "rule_id": "NET-001", "path": "a.tf",
        "resource": "aws_security_group.rdp", "message": "0.0.0.0/0 can reach 3389 (TCP)"}
    assert len(data["findings"][0]["fingerprint"]) == 32
    assert tenet("scan", ".", "--write-baseline", ".tenet-baseline.json").exit_code == 0
    assert (repo / ".tenet-baseline.json").read_bytes() == first


def test_writing_marks_todays_findings_accepted(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    written = report("scan", ".", "--write-baseline", "base.json")
    assert state(written) == [("NET-001", "aws_security_group.ssh", 2, "baseline: accepted in base.json")]
    assert written["summary"]["findings"] == 0


def test_baseline_survives_a_line_shift_and_fails_only_on_new_findings(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    assert tenet("scan", ".", "--write-baseline", ".tenet-baseline.json").exit_code == 0
    # A block with no finding of its own (a bucket would have one: TLS-001, no deny of plain HTTP).
    shifted = "# Moved down by a comment\n\n" + 'locals {\n  bucket = "logs"\n}\n\n'
    (repo / "sg.tf").write_text(shifted + OPEN_SSH)
    assert tenet("scan", ".", "--baseline", ".tenet-baseline.json").exit_code == 0
    assert state(report("scan", ".", "--baseline", ".tenet-baseline.json")) == [
        ("NET-001", "aws_security_group.ssh", 8, "baseline: accepted in .tenet-baseline.json")]
    # Without the baseline the finding is still there.
    assert tenet("scan", ".").exit_code == 1
    (repo / "sg.tf").write_text(shifted + OPEN_SSH + OPEN_RDP)
    run = tenet("scan", ".", "--baseline", ".tenet-baseline.json")
    assert run.exit_code == 1
    assert state(report("scan", ".", "--baseline", ".tenet-baseline.json")) == [
        ("NET-001", "aws_security_group.ssh", 8, "baseline: accepted in .tenet-baseline.json"),
        ("NET-001", "aws_security_group.rdp", 16, None),
    ]
    assert run.stdout.splitlines()[-1].startswith("1 finding (1 critical) · 1 suppressed · ")


def test_gone_findings_are_listed_as_fixed(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH + OPEN_RDP)
    tenet("scan", ".", "--write-baseline", "base.json")
    (repo / "sg.tf").write_text(OPEN_SSH)
    scanned = report("scan", ".", "--baseline", "base.json")
    assert scanned["summary"]["fixed"] == ["NET-001 aws_security_group.rdp (sg.tf): 0.0.0.0/0 can reach 3389 (TCP)"]
    console = tenet("scan", ".", "--baseline", "base.json")
    assert console.exit_code == 0
    assert console.stdout.splitlines()[-1].startswith("0 findings · 1 suppressed · 1 fixed since the baseline · ")


def test_a_run_over_some_files_does_not_call_the_others_fixed(repo: Path) -> None:
    for name in ("a", "b"):
        (repo / name).mkdir()
        (repo / name / "sg.tf").write_text(OPEN_SSH)
    tenet("scan", ".", "--write-baseline", "base.json")
    assert report("scan", "a/sg.tf", "--baseline", "base.json")["summary"]["fixed"] == []
    (repo / "a" / "sg.tf").write_text(PUBLIC_WEB)
    assert report("scan", "a/sg.tf", "--baseline", "base.json")["summary"]["fixed"] == [
        "NET-001 aws_security_group.ssh (a/sg.tf): 0.0.0.0/0 can reach 22 (TCP)"]


def test_a_file_that_cannot_be_read_is_not_fixed(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    tenet("scan", ".", "--write-baseline", "base.json")
    (repo / "sg.tf").write_text(OPEN_SSH + "resource {\n")
    scanned = report("scan", ".", "--baseline", "base.json")
    assert scanned["summary"]["fixed"] == []
    assert tenet("scan", ".", "--baseline", "base.json").exit_code == 2


def test_inline_suppressions_are_not_written_to_the_baseline(repo: Path) -> None:
    (repo / "sg.tf").write_text('# tenet:ignore NET-001 reason="bastion"\n' + OPEN_SSH + OPEN_RDP)
    tenet("scan", ".", "--write-baseline", "base.json")
    entries = json.loads((repo / "base.json").read_text())["findings"]
    assert [e["resource"] for e in entries] == ["aws_security_group.rdp"]
    assert state(report("scan", ".", "--baseline", "base.json")) == [
        ("NET-001", "aws_security_group.ssh", 3, "inline: bastion"),
        ("NET-001", "aws_security_group.rdp", 11, "baseline: accepted in base.json"),
    ]


def test_baseline_from_the_configuration_is_relative_to_it(repo: Path) -> None:
    (repo / "infra").mkdir()
    (repo / "infra" / "sg.tf").write_text(OPEN_SSH)
    tenet("scan", "infra", "--write-baseline", "infra/accepted.json")
    (repo / "infra" / ".tenet.toml").write_text('baseline = "accepted.json"\n')
    assert tenet("scan", "infra").exit_code == 0
    assert state(report("scan", "infra")) == [
        ("NET-001", "aws_security_group.ssh", 2, "baseline: accepted in infra/accepted.json")]
    # --baseline beats the configuration's.
    (repo / "empty.json").write_text(json.dumps({"format_version": 1, "tool": {"name": "tenet", "version": "0"},
                                                 "findings": []}))
    assert tenet("scan", "infra", "--baseline", "empty.json").exit_code == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Error: base.json: no such baseline file (write one with --write-baseline)\n"),
        ("{not json", "Error: base.json:1:2: the baseline is not valid JSON: Expecting property name enclosed in "
                      "double quotes\n"),
        ('{"format_version": 1, "tool": {"name": "tenet", "version": "1"}, "findings": [{"rule_id": "NET-001"}]}',
         "Error: base.json: not a tenet baseline: findings.0.fingerprint: Field required\n"),
        ('{"format_version": 2, "tool": {"name": "tenet", "version": "9"}, "findings": []}',
         "Error: base.json: baseline format 2.0 is newer than this tenet reads (1.0); upgrade tenet\n"),
        ('{"format_version": "1.7", "tool": {"name": "tenet", "version": "1"}, "findings": [{"rule_id": "NET-001"}]}',
         "Error: base.json: not a tenet baseline: findings.0.fingerprint: Field required\n"),
        ("[]", "Error: base.json: not a tenet baseline: the file: Input should be a valid dictionary or instance "
               "of _File\n"),
    ],
)
def test_unusable_baseline_exits_2(repo: Path, content: str | None, message: str) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    if content is not None:
        (repo / "base.json").write_text(content)
    run = tenet("scan", ".", "--baseline", "base.json")
    assert (run.exit_code, run.stdout, run.stderr) == (2, "", message)


def test_baseline_write_error_is_exit_2(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH)
    run = tenet("scan", ".", "--write-baseline", "missing-dir/base.json")
    assert run.exit_code == 2
    assert run.stderr == "Error: missing-dir/base.json: cannot write the baseline: No such file or directory\n"


def test_baseline_round_trip(tmp_path: Path) -> None:
    baseline = Baseline((), "b.json")
    (tmp_path / "b.json").write_text(baseline.dumps())
    assert Baseline.read(tmp_path / "b.json", "b.json") == baseline
    with pytest.raises(BaselineError, match=r"^x.json: no such baseline file"):
        Baseline.read(tmp_path / "x.json", "x.json")


# --- exit codes and --quiet --------------------------------------------------------------------------------------


def test_exit_codes(repo: Path) -> None:
    (repo / "clean.tf").write_text(OPEN_SSH.replace("0.0.0.0/0", "10.1.0.0/16").replace('"ssh"', '"internal"'))
    assert tenet("scan", "clean.tf").exit_code == 0
    (repo / "sg.tf").write_text(OPEN_SSH)
    assert tenet("scan", "sg.tf").exit_code == 1
    assert tenet("scan", "sg.tf", "--fail-on", "none").exit_code == 0
    (repo / "sg.tf").write_text("# tenet:ignore NET-001\n" + OPEN_SSH)
    assert tenet("scan", "sg.tf").exit_code == 0  # a suppression without a reason warns, and still applies
    (repo / "broken.tf").write_text("resource {\n")
    assert tenet("scan", ".").exit_code == 2
    (repo / ".tenet.toml").write_text("fail-on = 1\n")
    assert tenet("scan", "clean.tf").exit_code == 2


def test_quiet_lists_only_the_failing_findings_and_the_summary(repo: Path) -> None:
    (repo / "sg.tf").write_text(OPEN_SSH + PUBLIC_WEB)  # critical NET-001, low NET-003
    loud = tenet("scan", "sg.tf", "--fail-on", "high")
    quiet = tenet("scan", "sg.tf", "--fail-on", "high", "--quiet")
    assert "NET-003" in loud.stdout
    assert quiet.exit_code == loud.exit_code == 1
    lines = quiet.stdout.splitlines()
    assert lines[:3] == [
        "sg.tf:2:3: critical NET-001  Administrative ports are reachable from the internet  [fails]",
        "    aws_security_group.ssh: 0.0.0.0/0 can reach 22 (TCP)",
        "    fix: Restrict the source to known administrative networks, or reach hosts through a bastion, VPN, "
        "AWS SSM Session Manager, Azure Bastion or GCP IAP instead.  (tenet rules show NET-001)",
    ]
    assert lines[3:5] == ["", loud.stdout.splitlines()[-1]]
    assert len(lines) == 5
    assert lines[-1].startswith("2 findings (1 critical, 1 low) · ")
    # Nothing fails: only the summary.
    nothing = tenet("scan", "sg.tf", "--fail-on", "none", "-q").stdout.splitlines()
    assert nothing == ["", lines[-1].replace("fails on: high and above (1 here)", "fails on: nothing (--fail-on none)")]

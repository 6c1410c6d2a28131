"""The mute list: findings accepted in the configuration by account, region, resource pattern or rule, with a
reason and an expiry; they stay visible as suppressed and never fail the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main

OPEN = """resource "aws_security_group" "public_web" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "admin" {
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def _scan(repo: Path, config: str) -> tuple[int, dict[str, object]]:
    (repo / ".tenet.toml").write_text(config)
    run = CliRunner().invoke(main, ["scan", ".", "--format", "json"])
    return run.exit_code, json.loads(run.stdout)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(OPEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_mute_entry_suppresses_what_it_matches_only(repo: Path) -> None:
    code, report = _scan(repo, '[[mute]]\nrule = "admin-ports-open-to-internet"\nresource = "*.public_*"\n'
                               'reason = "the bastion, SEC-42"\nexpires = 2099-01-01\n')
    findings = {f["resource"]: f for f in report["findings"]}  # type: ignore[union-attr]
    assert findings["aws_security_group.public_web"]["suppressed"] is True
    assert findings["aws_security_group.public_web"]["justification"] == "mute list: the bastion, SEC-42"
    assert findings["aws_security_group.admin"]["suppressed"] is False
    assert code == 1  # the admin group still fails the run


def test_an_expired_or_unknown_entry_mutes_nothing_and_says_so(repo: Path) -> None:
    code, report = _scan(repo, '[[mute]]\nrule = "NET-001"\nreason = "old"\nexpires = 2020-01-01\n'
                               '[[mute]]\nrule = "NET-999"\nreason = "typo"\n')
    assert not [f for f in report["findings"] if f["suppressed"]]  # type: ignore[union-attr, index]
    messages = [e["message"] for e in report["errors"]]  # type: ignore[union-attr, index]
    assert ".tenet.toml: mute.0 expired on 2020-01-01: it no longer mutes" in messages
    assert ".tenet.toml: mute.1: no rule 'NET-999' (`tenet rules` lists them)" in messages
    assert code == 1


def test_an_entry_needs_a_reason(repo: Path) -> None:
    (repo / ".tenet.toml").write_text('[[mute]]\nrule = "NET-001"\n')
    run = CliRunner().invoke(main, ["scan", "."])
    assert run.exit_code == 2 and "mute.0.reason: Field required" in run.output

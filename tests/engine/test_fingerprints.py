"""Fingerprints: stable across line shifts and working directories, distinct across files."""

from __future__ import annotations

from pathlib import Path

from scanner.scan import Scanner

SG = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def fingerprints(cwd: Path, target: Path) -> dict[str, str]:
    return {f.location.path.rsplit("/", 1)[-1]: f.fingerprint for f in Scanner(cwd=cwd).scan([target]).findings
            if f.location}


def test_same_fingerprint_from_any_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "sg.tf").write_text(SG)
    assert fingerprints(tmp_path, infra) == fingerprints(infra, infra)


def test_line_shifts_keep_and_other_files_change_the_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "sg.tf").write_text(SG)
    (tmp_path / "b" / "sg.tf").write_text(SG)
    before = Scanner(cwd=tmp_path).scan([tmp_path]).findings
    (tmp_path / "a" / "sg.tf").write_text("\n" * 10 + SG)
    after = Scanner(cwd=tmp_path).scan([tmp_path]).findings
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert before[0].fingerprint != before[1].fingerprint
    assert after[0].location is not None and after[0].location.start_line == 12

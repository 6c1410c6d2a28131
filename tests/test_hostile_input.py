"""Hostile and broken input: each case is a clear error entry, the rest of the scan is intact, and it is quick."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.engine.findings import ErrorLevel
from scanner.scan import Scanner

OPEN_SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
) + "apiVersion: v1\nkind: ConfigMap\n"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """One directory (one module per case, so each parse error stands alone) plus one good file."""
    cases = {
        "good/sg.tf": OPEN_SSH,
        "nested/main.tf": "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "heredoc/main.tf": 'resource "x" "y" {\n  policy = <<EOF\n{"Statement": []}\n',
        "utf8/main.tf": None,
        "binary/main.tf": None,
        "big/main.tf": None,
        "bomb.yaml": BILLION_LAUGHS,
        "deep.yaml": "a: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "unterminated/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x\n}\n',
        "count/main.tf": 'resource "aws_security_group" "many" {\n  count = 1e9\n}\n',
        "deep/plan.json": '{"format_version": "1.2", "terraform_version": "1.7.5", "x": '
                          + "[" * 100_000 + "]" * 100_000 + "}\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is not None:
            path.write_text(text)
    (tmp_path / "utf8/main.tf").write_bytes(b'resource "a" "b" {\n  name = "caf\xe9"\n}\n')
    (tmp_path / "binary/main.tf").write_bytes(bytes(range(256)) * 64)
    with (tmp_path / "big/main.tf").open("wb") as f:  # 50 MB
        f.write(b"# " + b"x" * (50 * 1024 * 1024) + b"\n")
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "again").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling.tf").symlink_to(tmp_path / "missing.tf")
    os.mkfifo(tmp_path / "pipe.yaml")
    return tmp_path


def test_every_hostile_case_is_an_error_and_the_good_file_is_still_scanned(hostile: Path) -> None:
    result = Scanner(cwd=hostile).scan([hostile])
    assert [(f.rule_id, f.location.path) for f in result.findings if f.location] == [("NET-001", "good/sg.tf")]
    errors = {e.path: e for e in result.errors}
    expected = {
        "nested/main.tf": "nest",
        "heredoc/main.tf": "heredoc",
        "utf8/main.tf": "invalid UTF-8",
        "binary/main.tf": "binary",
        "big/main.tf": "too large",
        "bomb.yaml": "alias",
        "deep.yaml": "nest",
        "unterminated/main.tf": "",
        "pipe.yaml": "not a regular file",
        "dangling.tf": "broken symbolic link",
        "count/main.tf": "more than the limit of 10000 (max-instances)",
        "deep/plan.json": "nested too deeply",
    }
    for path, words in expected.items():
        assert path in errors, f"no error entry for {path}"
        assert words.lower() in errors[path].message.lower(), errors[path]
    assert errors["utf8/main.tf"].line == 2
    assert errors["heredoc/main.tf"].line == 2
    assert any("symbolic link loop" in e.message for e in result.errors if e.level is ErrorLevel.WARNING)
    assert result.exit_code(None) == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN_SSH)
    (tmp_path / "main.tf").chmod(0)
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [e.message for e in result.errors] == ["cannot read file: Permission denied"]

"""Without an extra, a command that needs it stops with one line naming the extra: never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs the CLI with the given top-level packages made unimportable, as if their extra were not installed.
RUN_WITHOUT = """
import sys
blocked = set(sys.argv[1].split(","))

class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Uninstalled())
from scanner.cli import main
main(sys.argv[2:], prog_name="tenet")
"""


def _tenet_without(blocked: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUN_WITHOUT, blocked, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("blocked", "args", "extra"), [
    ("boto3,botocore", ("audit", "aws", "--regions", "us-east-1"), "aws"),
    ("azure", ("audit", "azure", "--subscription", "00000000-0000-0000-0000-000000000000"), "azure"),
    ("google", ("audit", "gcp", "--project", "p"), "gcp"),
    ("checkov", ("scan", "--engine", "checkov", "fixtures/seed"), "checkov"),
])
def test_a_missing_extra_is_one_line_naming_it(blocked: str, args: tuple[str, ...], extra: str) -> None:
    done = _tenet_without(blocked, *args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"needs the [{extra}] extra" in lines[0]
    assert f"pip install 'tenet-scanner[{extra}]'" in lines[0]


def test_scan_needs_no_extra() -> None:
    done = _tenet_without("boto3,botocore,azure,google,checkov", "scan", "fixtures/seed", "--format", "json")
    assert done.returncode == 1, done.stderr  # the seed samples have findings
    assert '"findings"' in done.stdout

"""checkov is imported only when asked for: `tenet scan` without `--engine checkov` never loads it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# `python -X importtime` writes one line per module: "import time: <self> | <cumulative> | <name>".
_IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s+(?P<module>\S+)\s*$", re.MULTILINE)


def imported_modules(*args: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "scanner", "scan", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return {m.group("module") for m in _IMPORTED.finditer(done.stderr)}


def checkov_modules(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "checkov" or m.startswith("checkov.")}


def test_the_default_scan_never_imports_checkov() -> None:
    modules = imported_modules("fixtures/seed")
    assert "scanner.scan" in modules  # the measurement itself works
    assert checkov_modules(modules) == set()
    # Nor the compliance framework files: they are read only when compliance is asked for.
    assert "scanner.compliance.frameworks" not in modules


def test_engine_checkov_does_import_it() -> None:
    # The control for the test above: the same measurement sees checkov when it is asked for.
    modules = imported_modules("fixtures/seed/security.tf", "--engine", "checkov")
    assert "checkov.terraform.runner" in checkov_modules(modules)


def test_user_policy_machinery_loads_only_when_policies_are_named() -> None:
    assert "scanner.engine.user_policies" not in imported_modules("fixtures/seed")
    # The control: --policies does load it.
    assert "scanner.engine.user_policies" in imported_modules("fixtures/seed/security.tf", "--config",
                                                              "examples/policies/.tenet.toml", "--fail-on", "none")

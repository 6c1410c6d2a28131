"""Headless Chromium (Debian's `chromium` package) for the HTML report: its test and the README's screenshot.

    python -m tests.reports.chromium [FILE.png]

renders `tenet scan fixtures/compliance/aws --compliance cis-aws-4.0 --format html` and saves a screenshot to
FILE.png (default docs/compliance-report.png). Run it from the repository root after changing the report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "compliance-report.png"
# No network, no first-run or background work, no GPU; --no-sandbox since CI runs as root in a container.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars")
# Chromium logs every console message of the page (errors, CSP violations, uncaught exceptions) on stderr as
# `…:INFO:CONSOLE:LINE] "message", source: URL (LINE)` when logging goes there.
CONSOLE = ":CONSOLE"


def find() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run(browser: str, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Chromium on `url` with a fresh profile, logging to stderr; `extra` says what to do (--dump-dom …)."""
    with tempfile.TemporaryDirectory(prefix="tenet-chromium-") as profile:
        return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                               *extra, url], capture_output=True, text=True, timeout=120, check=False)


def console_messages(stderr: str) -> list[str]:
    """The page's console messages, from Chromium's log."""
    return [line for line in stderr.splitlines() if CONSOLE in line]


def demo_report() -> str:
    """The HTML report of the compliance fixture, as the README shows it."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1796428800", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", "fixtures/compliance/aws", "--compliance",
                           "cis-aws-4.0", "--format", "html"], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"tenet scan failed: {done.stderr}")
    return done.stdout


def screenshot(html: str, target: Path, size: str = "1280,1700") -> None:
    browser = find()
    if browser is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="tenet-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        done = run(browser, page.as_uri(), f"--window-size={size}", f"--screenshot={target.resolve()}")
    problems = console_messages(done.stderr)
    if done.returncode != 0 or problems or not target.is_file():
        raise SystemExit(f"chromium could not render the report: {problems or done.stderr[-2000:]}")


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else SCREENSHOT
    screenshot(demo_report(), out)
    print(f"wrote {out}")

"""The HTML report (--format html): self-contained, inert with hostile input, free of secrets, and rendered by a
real headless Chromium without a console error, its sort script working."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from tests.reports import chromium

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-Pa55word"

# Names and texts a hostile repository controls: markup, attribute breakouts, script, bidi and escape controls.
HOSTILE = f"""
variable "token" {{
  default   = "{SECRET}"
  sensitive = true
}}

resource "aws_security_group" "evil" {{
  for_each = toset([
    "<script>alert(1)</script>",
    "\\"><img src=x onerror=alert(2)>",
    "x\\u202eevil\\u001b[2J",
  ])
  name = each.key

  ingress {{
    description = "</td></tr></table><iframe src=https://evil.example/>"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  ingress {{
    description = "rdp ${{var.token}}"
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"""


@pytest.fixture
def browser() -> str:
    found = chromium.find()
    if found is None:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail("chromium is not installed: .ci/run installs it with apt-get (CI=true: not skipped)")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); .ci/run installs it in CI")
    return found


def _report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    (tmp_path / ".git").mkdir(exist_ok=True)
    shutil.copytree(ROOT / "fixtures" / "compliance" / "aws", tmp_path / "aws", dirs_exist_ok=True)
    (tmp_path / "z").mkdir(exist_ok=True)
    (tmp_path / "z" / "hostile.tf").write_text(HOSTILE)
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(main, ["scan", ".", "--format", "html", "-o", "report.html", *args])
    assert run.exit_code == 1, run.output
    return (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_report_is_self_contained_and_inert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = _report(tmp_path, monkeypatch, "--compliance", "cis-aws-4.0")
    assert SECRET not in html and "(sensitive value)" in html
    # One script (ours), one style; nothing loaded from anywhere: the only URLs are the framework's link and
    # the SVG namespace.
    assert html.count("<script") == 1 and html.count("<style") == 1
    urls = [url for tag in re.findall(r"<[^>]+>", html) for url in re.findall(r'(?:src|href)="(?!#)([^"]*)"', tag)]
    assert urls == ["https://www.cisecurity.org/benchmark/amazon_web_services"]
    assert "default-src 'none'" in html
    # The input shows as text: escaped markup, controls written as the console writes them.
    for raw in ("<script>alert", "<img", "<iframe", "\u202e", "\x1b"):
        assert raw not in html, raw
    for shown in ("&lt;script&gt;alert(1)&lt;/script&gt;", "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;",
                  "x\\u202eevil\\x1b[2J", "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;iframe"):
        assert shown in html, shown
    # The compliance section: a donut, the controls table, a link from a failed control to its findings.
    assert 'id="controls-cis-aws-4.0"' in html and "<svg" in html
    assert re.search(r'<a href="#f-\d+">NET-001</a>', html)

    # Without --compliance: the findings and the family summary.
    plain = _report(tmp_path, monkeypatch)
    assert 'id="summary"' in plain and 'id="findings-table"' in plain and "controls-" not in plain


def test_chromium_renders_the_report_without_a_console_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             browser: str) -> None:
    _report(tmp_path, monkeypatch, "--compliance", "cis-aws-4.0")
    page = (tmp_path / "report.html").as_uri()
    # `#sort=findings-table:0` opens the page sorted by severity: the sort script must have run for that order.
    done = chromium.run(browser, page + "#sort=findings-table:0", "--dump-dom")
    assert done.returncode == 0, done.stderr[-3000:]
    assert chromium.console_messages(done.stderr) == [], done.stderr
    dom = done.stdout
    assert 'data-sorted="ready"' in dom, dom[:2000]
    table = dom.split('id="findings-table"', 1)[1].split("</table>", 1)[0]
    shown = re.findall(r'class="badge v-([a-z]+)"', table)
    order = ["critical", "high", "medium", "low", "unknown", "suppressed"]
    assert shown == sorted(shown, key=order.index) and shown[-1] == "suppressed", shown
    assert 'aria-sort="ascending"' in table
    # Nothing the input said became an element.
    assert "<img" not in dom and "<iframe" not in dom and dom.count("<script") == 1

    # The same page loaded with a script or an image that is not the report's own: the policy refuses them and
    # Chromium says so, so the check above can fail.
    tampered = tmp_path / "tampered.html"
    tampered.write_text((tmp_path / "report.html").read_text(encoding="utf-8").replace(
        "</main>", '</main><script>document.title="x"</script><img src="https://evil.example/p.png">'))
    refused = chromium.console_messages(chromium.run(browser, tampered.as_uri(), "--dump-dom").stderr)
    assert len(refused) == 2 and all("Content Security Policy" in line for line in refused), refused

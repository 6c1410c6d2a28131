"""JUnit XML: well-formed whatever the input holds, with the layout and counts CI systems read."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from scanner.reports import junit
from scanner.scan import Scanner

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = """resource "aws_security_group" "web" {
  for_each = toset(["a\\u001b[2J", "b\\u0007"])
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def _counts(element: ET.Element) -> dict[str, int]:
    return {k: int(element.attrib[k]) for k in ("tests", "failures", "errors", "skipped")}


def _check(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        assert suite.tag == "testsuite" and suite.attrib["name"]
        cases = list(suite)
        assert all(c.tag == "testcase" and c.attrib["name"] and c.attrib["classname"] for c in cases)
        outcome = [c[0].tag if len(c) else "passed" for c in cases]
        assert _counts(suite) == {"tests": len(cases), "failures": outcome.count("failure"),
                                  "errors": outcome.count("error"), "skipped": outcome.count("skipped")}
        for key, value in _counts(suite).items():
            total[key] += value
    assert _counts(root) == total
    return root


def test_findings_are_failures_by_family_with_file_and_line() -> None:
    result = Scanner(cwd=ROOT).scan([ROOT / "fixtures" / "seed"])
    root = _check(junit.render(result))
    failures = [c for s in root for c in s if len(c) and c[0].tag == "failure"]
    assert len(failures) == len(result.failed)
    ssh = next(c for c in failures if c.attrib["classname"] == "tenet.network.NET-002")
    assert (ssh.attrib["file"], ssh.attrib["line"], ssh[0].attrib["type"]) == ("fixtures/seed/security.tf", "46",
                                                                               "high")
    assert {s.attrib["name"] for s in root} >= {"tenet.network", "tenet.tls", "tenet.input"}


def test_a_clean_scan_is_one_passing_case_and_control_characters_stay_well_formed(tmp_path: Path) -> None:
    (tmp_path / "ok.tf").write_text('locals {\n  x = 1\n}\n')
    root = _check(junit.render(Scanner(cwd=tmp_path).scan([tmp_path])))
    assert _counts(root) == {"tests": 1, "failures": 0, "errors": 0, "skipped": 0}
    (tmp_path / "ok.tf").write_text(HOSTILE)
    text = junit.render(Scanner(cwd=tmp_path).scan([tmp_path]))
    root = _check(text)
    assert _counts(root)["failures"] == 2
    assert "\\x1b[2J" in text and "\x1b" not in text and "\x07" not in text

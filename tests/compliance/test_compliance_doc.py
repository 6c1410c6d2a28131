"""docs/compliance.md is generated from the framework files, and says what each control's coverage is."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from scanner.cli import main
from scanner.compliance.frameworks import Control, Framework
from scanner.reports import compliance_doc

ROOT = Path(__file__).resolve().parents[2]


def test_docs_compliance_md_is_up_to_date() -> None:
    result = CliRunner().invoke(main, ["compliance", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert result.output == compliance_doc.render()
    assert (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8") == result.output, (
        f"regenerate: {compliance_doc.COMMAND}")


def test_the_summary_counts_each_coverage() -> None:
    fw = Framework(id="house", title="House | rules", version="1", source="Us", url="https://example.org",
                   providers=frozenset(), controls=(
                       Control("1", "Admin ports", "full", ("NET-001",), ""),
                       Control("2", "TLS", "partial", ("TLS-001", "TLS-002"), "not the ciphers"),
                       Control("3", "Keys", "not-covered", (), "not read"),
                       Control("4", "Review", "manual", (), "a person decides"),
                       Control("5", "Rotation", "not-covered", (), "not read either"),
                   ))
    text = compliance_doc.render([fw])
    assert "| [House \\| rules](#house) | `house` | 1 | all | 5 | 1 | 1 | 1 | 2 |" in text
    assert "5 controls in scope: 1 covered fully, 1 partly, 1 manual, 2 not covered." in text
    assert ("| 2 | TLS | partial | [TLS-001](rules.md#tls-001), [TLS-002](rules.md#tls-002) | all its rules read | "
            "not the ciphers |") in text

"""The JSON report is a contract: schema-valid, deterministic, sorted."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from scanner.reports import json as json_report
from scanner.scan import Scanner

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "scanner" / "reports" / "report.schema.json").read_text())


def test_seed_report_is_valid_and_deterministic() -> None:
    first = json_report.render(Scanner(cwd=ROOT).scan([ROOT / "fixtures" / "seed"]))
    second = json_report.render(Scanner(cwd=ROOT).scan([ROOT / "fixtures" / "seed"]))
    assert first == second
    report = json.loads(first)
    jsonschema.Draft7Validator(SCHEMA).validate(report)
    keys = [(f["location"]["path"], f["location"]["start_line"]) for f in report["findings"]]
    assert keys == sorted(keys)
    assert report["summary"]["findings"] == len(report["findings"])


def test_rule_corpus_report_is_valid() -> None:
    report = json.loads(json_report.render(Scanner(cwd=ROOT).scan([ROOT / "fixtures" / "rules"])))
    jsonschema.Draft7Validator(SCHEMA).validate(report)
    assert {f["status"] for f in report["findings"]} == {"fail", "unknown"}

"""The compliance framework files: each one validates against the schema and loads, its rules exist, and a
broken file is refused with its path, line and problem."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from scanner.compliance import frameworks
from scanner.compliance.frameworks import FrameworkError, available_frameworks, load_framework
from scanner.engine.registry import load_rules

SCHEMA = json.loads(frameworks.SCHEMA_FILE.read_text(encoding="utf-8"))
SHIPPED = available_frameworks()


def test_the_shipped_frameworks_are_listed_by_id() -> None:
    assert {"cis-aws-3.0", "cis-aws-4.0", "cis-azure-5.0", "cis-gcp-4.0", "cis-kubernetes-1.10", "nist-800-53-r5",
            "pci-dss-4.0", "iso-27001-2022"} <= set(SHIPPED)
    assert sorted(SHIPPED) == SHIPPED
    assert "schema" not in SHIPPED


@pytest.mark.parametrize("framework_id", SHIPPED)
def test_each_file_validates_loads_and_names_real_rules(framework_id: str) -> None:
    path = frameworks.FRAMEWORKS_DIR / f"{framework_id}.yaml"
    jsonschema.Draft202012Validator(SCHEMA).validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    fw = load_framework(framework_id)
    assert fw.id == framework_id and fw.controls
    frameworks.check_rules(fw, {r.id for r in load_rules()})
    for control in fw.controls:
        assert (control.coverage in ("full", "partial")) == bool(control.rules), control.id
        assert control.coverage == "full" or control.note, control.id


def test_an_unknown_id_names_the_ones_there_are() -> None:
    with pytest.raises(FrameworkError, match=r"unknown compliance framework 'cis-aws-9\.9'; available: .*cis-aws-4\.0"):
        load_framework("cis-aws-9.9")
    with pytest.raises(FrameworkError, match="no such compliance framework file"):
        load_framework("missing/nowhere.yaml")


def test_a_rule_that_is_not_in_the_rule_set_is_refused() -> None:
    fw = load_framework("cis-aws-4.0")
    with pytest.raises(FrameworkError,
                       match=r"cis-aws-4\.0\.yaml: control 1\.16 lists IAM-001, IAM-006, which are not rules"):
        frameworks.check_rules(fw, {"NET-001", "TLS-001", "ENC-001", "ENC-003", "NET-002", "NET-006", "IAM-005"})


def test_the_reverse_index_lists_a_rules_controls() -> None:
    refs = frameworks.controls_by_rule()["NET-001"]
    assert ("cis-aws-4.0", "5.3") in {(r.framework, r.control) for r in refs}
    assert frameworks.rule_controls("NET-001")["cis-aws-4.0"][:3] == ("2.2.3", "5.1.2", "5.2")
    described = frameworks.describe_rule_controls("NET-001")
    assert "cis-aws-4.0: 2.2.3 (partial), 5.1.2 (partial), 5.2 (partial), 5.3 (partial), 5.4 (partial)" in described


def test_rule_displays_take_the_controls_from_the_files() -> None:
    from click.testing import CliRunner

    from scanner.cli import main
    from scanner.reports import sarif

    shown = CliRunner().invoke(main, ["rules", "show", "ENC-001"])
    assert shown.exit_code == 0, shown.output
    assert "cis-aws-4.0: 2.2.1, 2.3.1, 5.1.1 (partial)" in shown.output
    rule = next(r for r in load_rules() if r.id == "ENC-001")
    properties = sarif._rule_descriptor(rule).properties  # type: ignore[attr-defined]
    assert properties["compliance"]["cis-aws-3.0"] == ["2.2.1", "2.3.1", "2.4.1"]


def _good() -> dict[str, Any]:
    return {
        "id": "house", "title": "House rules", "version": "1", "source": "Us, 2026", "url": "https://example.org",
        "providers": ["aws"],
        "controls": [
            {"id": "1.1", "title": "Admin ports closed", "coverage": "full", "rules": ["NET-001"]},
            {"id": "1.2", "title": "Keys rotated", "coverage": "not-covered", "rules": [], "note": "not read"},
        ],
    }


def _control(change: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        change(doc["controls"][1])

    return mutate


BROKEN: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    ("unknown-coverage", _control(lambda c: c.update(coverage="fulll")),
     r":\d+: control 1\.2: coverage 'fulll' is not one of full, partial, manual, not-covered"),
    ("partial-without-rules", _control(lambda c: c.update(coverage="partial")),
     r"control 1\.2: coverage partial needs the rules that evaluate it"),
    ("not-covered-with-rules", _control(lambda c: c.update(rules=["NET-002"])),
     r"control 1\.2: coverage not-covered lists no rules"),
    ("no-note", _control(lambda c: c.pop("note")), r"control 1\.2: coverage not-covered needs a one-line `note`"),
    ("bad-rule-id", _control(lambda c: c.update(coverage="partial", rules=["net-1"])),
     r"control 1\.2: `rules` must be a list of rule ids like NET-001"),
    ("extra-field", _control(lambda c: c.update(level=2)), r"control 1\.2: unknown field level"),
    ("duplicate-id", _control(lambda c: c.update(id="1.1")), r"control 1\.1 is listed twice"),
    ("duplicate-title", _control(lambda c: c.update(title="Admin ports closed")),
     r"control 1\.2 has the title of control 1\.1"),
    ("numeric-id", _control(lambda c: c.update(id=1.2)), r"controls entry 1: `id` must be a non-empty string"),
    ("numeric-version", lambda d: d.update(version=4.0), r"`version` must be a string \(quote it"),
    ("unknown-provider", lambda d: d.update(providers=["oracle"]), r"`providers` must be a list of aws, azure"),
    ("id-not-file-name", lambda d: d.update(id="other"), r"the framework id 'other' must be the file's name"),
    ("no-controls", lambda d: d.update(controls=[]), r"`controls` must be a non-empty list"),
    # A control's scope names resource types Tenet maps: a typo cannot silently match nothing.
    ("unknown-resource-type", _control(lambda c: c.update(coverage="full", rules=["NET-001"], note="",
                                                           resources=["aws_security_groups"])),
     r"control 1\.2: unknown resource type aws_security_groups in `resources`"),
    ("resources-not-a-list", _control(lambda c: c.update(coverage="full", rules=["NET-001"], note="",
                                                          resources="aws_security_group")),
     r"control 1\.2: `resources` must be a list of Terraform resource types"),
    ("resources-without-rules", _control(lambda c: c.update(resources=["aws_security_group"])),
     r"control 1\.2: coverage not-covered has no rules whose findings `resources` could scope"),
]


@pytest.mark.parametrize(("change", "message"), [(c, m) for _, c, m in BROKEN], ids=[n for n, _, _ in BROKEN])
def test_a_broken_file_is_refused_with_its_path_and_problem(tmp_path: Path, change: Callable[[dict[str, Any]], object],
                                                           message: str) -> None:
    good = tmp_path / "house.yaml"
    good.write_text(yaml.safe_dump(_good(), sort_keys=False), encoding="utf-8")
    assert load_framework(str(good)).controls[0].rules == ("NET-001",)  # the control: the unbroken file loads
    doc = _good()
    change(doc)
    broken = tmp_path / "house.yaml"
    broken.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with pytest.raises(FrameworkError) as caught:
        load_framework(str(broken))
    assert str(caught.value).startswith(str(broken))
    assert caught.match(message)
    # The schema says the same, except for what a JSON Schema cannot: uniqueness of ids and titles
    # across controls, and that the id is the file's name.
    if not any(n in message for n in ("listed twice", "has the title", "file's name", "unknown resource type")):
        assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(doc)


def test_a_yaml_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "house.yaml"
    path.write_text("id: house\ncontrols:\n  - id: '1'\n   title: x\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"house\.yaml:4: not valid YAML"):
        load_framework(str(path))
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"house\.yaml: a framework file is a mapping"):
        load_framework(str(path))

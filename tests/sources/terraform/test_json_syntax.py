"""Terraform's JSON syntax: `.tf.json` and `.tfvars.json` evaluated like HCL, at their exact lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine.findings import ErrorLevel, Status
from scanner.scan import Scanner
from scanner.sources.terraform.hcl import (
    BinaryOp,
    GetAttr,
    HclSyntaxError,
    LiteralValue,
    ObjectExpr,
    TemplateExpr,
    TupleExpr,
    Variable,
)
from scanner.sources.terraform.hcl.json_syntax import parse_json_config, parse_json_values


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_blocks_labels_and_expressions_map_to_the_native_tree() -> None:
    body = parse_json_config('''{
  "//": "a comment",
  "resource": {
    "aws_instance": {
      "web": {
        "ami": "ami-123",
        "count": "${var.n + 1}",
        "tags": {"Name": "web-${var.env}"},
        "depends_on": ["aws_vpc.main"],
        "lifecycle": {"ignore_changes": ["tags"]}
      }
    }
  },
  "variable": {"n": {"type": "number", "default": "${not_a_template}"}}
}''', "main.tf.json")
    web, n = body.blocks
    assert (web.type, web.labels, web.range.start_line, web.range.end_line) == ("resource", ("aws_instance", "web"), 5,
                                                                                 11)
    attrs = web.body.attributes
    assert attrs["ami"].expr == LiteralValue("ami-123", attrs["ami"].expr.range)
    assert isinstance(attrs["count"].expr, BinaryOp) and attrs["count"].range.start_line == 7
    tags = attrs["tags"].expr
    assert isinstance(tags, ObjectExpr) and isinstance(tags.items[0].value, TemplateExpr)
    depends = attrs["depends_on"].expr
    assert isinstance(depends, TupleExpr) and isinstance(depends.items[0], GetAttr)
    assert [b.type for b in web.body.blocks] == ["lifecycle"]
    assert isinstance(n.body.attributes["type"].expr, Variable)
    # A variable's default is a literal: Terraform does not read templates there.
    assert n.body.attributes["default"].expr.value == "${not_a_template}"  # type: ignore[union-attr]


def test_arrays_stand_for_several_blocks_at_any_level() -> None:
    body = parse_json_config('''{"resource": [
  {"aws_s3_bucket": {"a": {"bucket": "a"}}},
  {"aws_s3_bucket": [{"b": {"bucket": "b"}}, {"c": [{"bucket": "c"}]}]}
]}''', "x.tf.json")
    assert [b.labels for b in body.blocks] == [("aws_s3_bucket", "a"), ("aws_s3_bucket", "b"),
                                               ("aws_s3_bucket", "c")]
    assert [b.range.start_line for b in body.blocks] == [2, 3, 3]


def test_tfvars_json_values_are_literal() -> None:
    body = parse_json_values('{"cidrs": ["0.0.0.0/0"], "name": "${x}"}', "terraform.tfvars.json")
    assert isinstance(body.attributes["cidrs"].expr, TupleExpr)
    assert body.attributes["name"].expr == LiteralValue("${x}", body.attributes["name"].expr.range)


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ('{\n  "resource": {\n    "aws_s3_bucket": {"b": {"bucket": "x",}}\n  }\n}', 3, 43, "object key"),
    ('{\n  "locals": {"a": 1}\n  "x": 2\n}', 3, 3, '"," or "}"'),
    ('{\n  "resourc": {}\n}', 2, 3, 'unsupported block type "resourc"'),
    ('[1]', 1, 1, "one object"),
    ('{"locals": {"a": "${var.}"}}', 1, 1, ""),
    ('{"locals": {"a": 1, "a": 2}}', 1, 21, 'duplicate argument "a"'),
    ('{"resource": {"t": {"n": "x"}}}', 1, 26, "must be an object"),
    ('{"locals": {"a": "\\q"}}', 1, 18, "invalid escape"),
])
def test_bad_json_is_a_syntax_error_at_its_line(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(HclSyntaxError) as caught:
        parse_json_config(text, "bad.tf.json")
    assert caught.value.line == line
    if column != 1 or words:
        assert caught.value.column == column
    assert words in caught.value.message


def test_a_tf_json_module_is_scanned_with_its_tfvars_and_calls(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "main.tf.json": '''{
  "variable": {"cidrs": {"type": "list(string)"}},
  "module": {
    "sg": {
      "source": "./sg",
      "cidrs": "${var.cidrs}"
    }
  },
  "output": {"id": {"value": "${module.sg.id}"}}
}''',
        "terraform.tfvars.json": '{"cidrs": ["0.0.0.0/0"]}',
        "sg/main.tf": '''variable "cidrs" { type = list(string) }
resource "aws_security_group" "this" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = var.cidrs
  }
}
output "id" { value = aws_security_group.this.id }
''',
    })
    result = Scanner(cwd=tmp_path).scan([root])
    assert [e for e in result.errors if e.level is ErrorLevel.ERROR] == []
    found = [(f.rule_id, f.status, f.module_call.path if f.module_call else None,
              f.module_call.start_line if f.module_call else None) for f in result.findings]
    assert found == [("NET-001", Status.FAIL, "main.tf.json", 4)]
    assert set(result.files) == {"main.tf.json", "terraform.tfvars.json", "sg/main.tf"}


def test_a_broken_tf_json_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf.json": '{\n  "locals": {\n    "a": 1,\n  }\n}\n'})
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    errors = [(e.path, e.line, e.level) for e in result.errors]
    assert errors == [("main.tf.json", 4, ErrorLevel.ERROR)]
    assert result.exit_code(None) == 2

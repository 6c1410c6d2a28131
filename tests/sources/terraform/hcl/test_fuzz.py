"""Property tests: any text parses to a Body or raises HclSyntaxError, quickly;
evaluation never raises, whatever the expression."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.model.unknown import Unknown
from scanner.sources.terraform.hcl import (
    FUNCTIONS,
    Body,
    DictScope,
    Evaluator,
    HclSyntaxError,
    JsonDocument,
    parse,
    parse_expression,
    parse_template,
)

FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

SAMPLE = """\
# sample
variable "cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

resource "aws_security_group" "web" {
  name   = "web-${var.env}" // comment
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 443
    cidr_blocks = concat(var.cidrs, ["0.0.0.0/0"])
  }
  dynamic "egress" {
    for_each = { for k, v in var.rules : k => v if v.enabled }
    content {
      ports = [for p in egress.value.ports : p * 2]
    }
  }
  /* block */
  policy = <<-EOT
    {"a": "%{ if var.x }${var.y}%{ else }z%{ endif }"}
  EOT
  tags = merge(local.tags, { Name = "web", "x-y" = aws_instance.a[*].id[0] })
  count = var.on ? 1 : 0
}
"""

TOKENS = [
    "resource",
    '"aws_s3_bucket"',
    '"b"',
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "=",
    ",",
    ".",
    "*",
    "...",
    "?",
    ":",
    "=>",
    "\n",
    " ",
    '"',
    "${",
    "%{",
    "~",
    "}",
    "for",
    "in",
    "if",
    "else",
    "endif",
    "endfor",
    "<<EOF\n",
    "<<-EOF\n",
    "EOF",
    "EOF\n",
    "#",
    "//",
    "/*",
    "*/",
    "1",
    "1.5e3",
    "true",
    "null",
    "var",
    "x",
    "-",
    "!",
    "&&",
    "||",
    "==",
    "+",
    "\\",
    "$${",
    "%%{",
    "\r\n",
    "\t",
    "\ufeff",
    "é",
    "::",
    "0.1",
]
INSERTS = [*TOKENS, "\x00", "\x01", "\u2028", "'"]

printable = st.text(st.characters(codec="utf-8"), max_size=400)
token_soup = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


@st.composite
def mutated_sample(draw: st.DrawFn) -> str:
    text = SAMPLE
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(st.sampled_from(["delete", "duplicate", "insert"]))
        position = draw(st.integers(0, len(text)))
        size = draw(st.integers(1, 40))
        if operation == "delete":
            text = text[:position] + text[position + size :]
        elif operation == "duplicate":
            text = text[:position] + text[position : position + size] + text[position:]
        else:
            text = text[:position] + draw(st.sampled_from(INSERTS)) + text[position:]
    return text


any_text = st.one_of(printable, token_soup, mutated_sample())

SCOPE = DictScope(
    {
        "var": {
            "s": "a,b",
            "n": 2,
            "l": [1, "two", {"a": 3}],
            "m": {"k": "v", "a": [1]},
            "u": Unknown(reason="not set"),
            "on": True,
        },
        "local": {"half": [1, Unknown(reason="later")]},
    }
)


def _is_value(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                return False
            stack.extend(v.values())
        elif isinstance(v, JsonDocument):
            stack.append(v.value)
        elif not (v is None or isinstance(v, str | int | float | bool | Unknown)):
            return False
    return True


def _evaluate_body(body: Body) -> None:
    evaluator = Evaluator(SCOPE, "fuzz.tf")
    bodies = [body]
    while bodies:
        current = bodies.pop()
        for attribute in current.attributes.values():
            assert _is_value(evaluator.evaluate(attribute.expr))
        bodies.extend(block.body for block in current.blocks)


@FUZZ
@given(any_text)
def test_parse_returns_body_or_syntax_error(text: str) -> None:
    try:
        body = parse(text, "fuzz.tf")
    except HclSyntaxError as err:
        assert err.filename == "fuzz.tf" and err.line >= 1 and err.column >= 1
        return
    assert isinstance(body, Body)
    _evaluate_body(body)


@FUZZ
@given(st.one_of(printable, token_soup))
def test_parse_expression_and_template_never_crash(text: str) -> None:
    for parser in (parse_expression, parse_template):
        with contextlib.suppress(HclSyntaxError):
            parser(text, "fuzz.tf")


LEAVES = [
    "0",
    "1",
    "2",
    "-3",
    "1.5",
    "true",
    "false",
    "null",
    '"a"',
    '"b,c"',
    '""',
    '"10.0.0.0/16"',
    "var.s",
    "var.n",
    "var.l",
    "var.m",
    "var.u",
    "var.missing",
    "local.half",
    "var.l[0]",
    "var.l[*]",
    "var.m.k",
    '"${var.s}"',
    '"x-${var.u}"',
    "x",
    "var.on",
    '"%s-%d"',
    '"/a(b)?/"',
    "[1, 2]",
    '{a = 1, b = "c"}',
]
BINARY = ["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"]
FUNCTION_NAMES = sorted([*FUNCTIONS, "try", "can", "sensitive", "nonsensitive", "file", "templatefile", "fileexists",
                         "nosuch"])


def _object(items: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k} = {v}" for k, v in items) + "}"


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        children.map(lambda c: f"!{c}"),
        children.map(lambda c: f"-{c}"),
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from(["a", "b", '"c d"', "(var.s)"]), children), max_size=3).map(_object),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(st.sampled_from(FUNCTION_NAMES), st.lists(children, max_size=3), st.booleans()).map(
            lambda t: f"{t[0]}({', '.join(t[1])}{'...' if t[2] and t[1] else ''})"
        ),
        st.tuples(children, children).map(lambda t: f"[for i, x in {t[0]} : {t[1]}]"),
        st.tuples(children, children, children).map(lambda t: f"{{for k, x in {t[0]} : {t[1]} => {t[2]}...}}"),
        children.map(lambda c: f'"pre-${{{c}}}-post"'),
        st.tuples(children, children).map(lambda t: f'"%{{ if {t[0]} }}y${{{t[1]}}}%{{ else }}n%{{ endif }}"'),
        children.map(lambda c: f'"%{{ for v in {c} ~}} ${{v}} %{{~ endfor }}"'),
        children.map(lambda c: f"({c})[*].a"),
        children.map(lambda c: f"({c}).*.a"),
        st.tuples(children, children).map(lambda t: f"({t[0]})[{t[1]}]"),
        children.map(lambda c: f"({c}).attr"),
    )


expressions = st.recursive(st.sampled_from(LEAVES), _extend, max_leaves=20)


@FUZZ
@given(expressions)
def test_evaluate_never_raises(text: str) -> None:
    expr = parse_expression(text, "gen.tf")
    value = Evaluator(SCOPE, "gen.tf").evaluate(expr)
    assert _is_value(value)
    if isinstance(value, Unknown):
        assert value.reason and value.path == "gen.tf" and value.line == 1

"""HCL parser: structure, exact source ranges (1-based, exclusive end) and syntax errors."""

from __future__ import annotations

import json

import pytest

from scanner.sources.terraform.hcl import (
    MAX_DEPTH,
    BinaryOp,
    Body,
    Conditional,
    DeferredBlock,
    DictScope,
    Evaluator,
    Expr,
    ForExpr,
    FunctionCall,
    GetAttr,
    HclSyntaxError,
    Index,
    Interpolation,
    LiteralValue,
    ObjectExpr,
    Parens,
    Range,
    Splat,
    SplatItem,
    TemplateExpr,
    TemplateFor,
    TemplateIf,
    TupleExpr,
    UnaryOp,
    Variable,
    parse,
    parse_expression,
    parse_template,
    references,
)

SECURITY_GROUP = """\
# Security groups for the web tier
variable "env" {
  type    = string
  default = "prod"
}

resource "aws_security_group" "web" {
  name        = "web-${var.env}" // inline comment
  description = "Web tier"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  /* a block comment
     spanning lines */
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr, "10.0.0.0/8"]
  }

  dynamic "egress" {
    for_each = var.egress_rules
    content {
      from_port = egress.value.port
      to_port   = egress.value.port
    }
  }

  tags = {
    Name = "web"
    Env  = var.env
  }
}
"""


def R(sl: int, sc: int, el: int, ec: int) -> Range:
    return Range(sl, sc, el, ec)


def expr_of(text: str) -> Expr:
    return parse(f"a = {text}\n", "main.tf").attributes["a"].expr


def syntax_error(text: str) -> HclSyntaxError:
    with pytest.raises(HclSyntaxError) as info:
        parse(text, "main.tf")
    return info.value


# --- structure and ranges ------------------------------------------------------------


def test_security_group_blocks_and_ranges() -> None:
    body = parse(SECURITY_GROUP, "main.tf")
    assert body.range == R(1, 1, 41, 1)
    assert body.attributes == {}
    variable, resource = body.blocks
    assert (variable.type, variable.labels) == ("variable", ("env",))
    assert variable.range == R(2, 1, 5, 2)
    assert variable.type_range == R(2, 1, 2, 9)
    assert variable.label_ranges == (R(2, 10, 2, 15),)
    type_attr = variable.body.attributes["type"]
    assert type_attr.range == R(3, 3, 3, 19)
    assert type_attr.name_range == R(3, 3, 3, 7)
    assert type_attr.expr == Variable("string", R(3, 13, 3, 19))

    assert resource.labels == ("aws_security_group", "web")
    assert resource.range == R(7, 1, 40, 2)
    assert resource.label_ranges == (R(7, 10, 7, 30), R(7, 31, 7, 36))
    assert resource.body.range == R(7, 37, 40, 2)
    assert list(resource.body.attributes) == ["name", "description", "vpc_id", "tags"]
    assert [b.type for b in resource.body.blocks] == ["ingress", "ingress", "dynamic"]


def test_template_attribute_ranges() -> None:
    resource = parse(SECURITY_GROUP, "main.tf").blocks[1]
    name = resource.body.attributes["name"]
    assert name.range == R(8, 3, 8, 33)
    assert name.expr == TemplateExpr(
        [
            "web-",
            Interpolation(
                GetAttr(Variable("var", R(8, 24, 8, 27)), "env", R(8, 24, 8, 31)),
                False,
                False,
                R(8, 22, 8, 32),
            ),
        ],
        R(8, 17, 8, 33),
    )
    assert resource.body.attributes["description"].expr == LiteralValue("Web tier", R(9, 17, 9, 27))
    vpc = resource.body.attributes["vpc_id"].expr
    assert vpc.range == R(10, 17, 10, 32)
    assert references(vpc) == [("aws_vpc", "main", "id")]


def test_nested_ingress_blocks() -> None:
    first, second, _ = parse(SECURITY_GROUP, "main.tf").blocks[1].body.blocks
    assert first.range == R(12, 3, 17, 4)
    assert first.type_range == R(12, 3, 12, 10)
    assert first.labels == ()
    assert first.body.range == R(12, 11, 17, 4)
    port = first.body.attributes["from_port"]
    assert port.expr == LiteralValue(443, R(13, 19, 13, 22))
    assert port.name_range == R(13, 5, 13, 14)
    assert first.body.attributes["cidr_blocks"].expr == TupleExpr(
        [LiteralValue("0.0.0.0/0", R(16, 20, 16, 31))], R(16, 19, 16, 32)
    )
    # The block comment before it does not shift anything.
    assert second.range == R(21, 3, 26, 4)
    cidrs = second.body.attributes["cidr_blocks"].expr
    assert isinstance(cidrs, TupleExpr)
    assert cidrs.range == R(25, 19, 25, 49)
    assert [item.range for item in cidrs.items] == [R(25, 20, 25, 34), R(25, 36, 25, 48)]


def test_dynamic_block_with_content() -> None:
    dynamic = parse(SECURITY_GROUP, "main.tf").blocks[1].body.blocks[2]
    assert (dynamic.type, dynamic.labels) == ("dynamic", ("egress",))
    assert dynamic.range == R(28, 3, 34, 4)
    assert dynamic.label_ranges == (R(28, 11, 28, 19),)
    (content,) = dynamic.body.blocks
    assert content.type == "content"
    assert content.range == R(30, 5, 33, 6)
    port = content.body.attributes["from_port"].expr
    assert port.range == R(31, 19, 31, 36)
    assert references(port) == [("egress", "value", "port")]
    assert references(dynamic.body.attributes["for_each"].expr) == [("var", "egress_rules")]


def test_object_attribute() -> None:
    tags = parse(SECURITY_GROUP, "main.tf").blocks[1].body.attributes["tags"]
    assert tags.range == R(36, 3, 39, 4)
    obj = tags.expr
    assert isinstance(obj, ObjectExpr)
    assert obj.range == R(36, 10, 39, 4)
    name, env = obj.items
    assert name.key == LiteralValue("Name", R(37, 5, 37, 9))
    assert name.value == LiteralValue("web", R(37, 12, 37, 17))
    assert name.range == R(37, 5, 37, 17)
    assert env.value.range == R(38, 12, 38, 19)


def test_crlf_keeps_lines_and_columns() -> None:
    lf = parse(SECURITY_GROUP, "main.tf")
    crlf = parse(SECURITY_GROUP.replace("\n", "\r\n"), "main.tf")
    assert crlf == lf
    heredoc = parse('p = <<EOF\r\n{"a": 1}\r\nEOF\r\nb = 2\r\n', "main.tf")
    assert heredoc.attributes["p"].expr == LiteralValue('{"a": 1}\n', R(1, 5, 3, 4))
    assert heredoc.attributes["b"].range == R(4, 1, 4, 6)


def test_bom_is_skipped() -> None:
    body = parse('\ufeffa = "x"\n', "main.tf")
    assert body.attributes["a"].range == R(1, 1, 1, 8)


def test_columns_count_characters_not_bytes() -> None:
    body = parse('a = "héllo✓" # ünïcode\nb = 1\n', "main.tf")
    assert body.attributes["a"].expr == LiteralValue("héllo✓", R(1, 5, 1, 13))
    assert body.attributes["b"].range == R(2, 1, 2, 6)


def test_heredoc_json_policy_indented() -> None:
    text = """\
resource "aws_iam_policy" "p" {
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "s3:${var.action}"}]
    }
  EOT
  plain = <<EOF
  keep
EOF
}
"""
    attrs = parse(text, "main.tf").blocks[0].body.attributes
    policy = attrs["policy"].expr
    assert isinstance(policy, TemplateExpr)
    assert policy.range == R(2, 12, 7, 6)
    assert attrs["policy"].range == R(2, 3, 7, 6)
    assert policy.parts[0] == '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:'
    assert policy.parts[2] == '"}]\n}\n'
    value = Evaluator(DictScope({"var": {"action": "GetObject"}}), "main.tf").evaluate(policy)
    assert json.loads(value)["Statement"][0]["Action"] == "s3:GetObject"
    assert attrs["plain"].expr == LiteralValue("  keep\n", R(8, 11, 10, 4))


def test_heredoc_indent_rules() -> None:
    # Blank lines do not count; a line starting with an interpolation is unindented.
    stripped = expr_of("<<-X\n    a\n\n      b\n    X")
    assert stripped == LiteralValue("a\n\n  b\n", R(1, 5, 5, 6))
    unindented = expr_of("<<-X\n  a\n${b}\n  X")
    assert isinstance(unindented, TemplateExpr)
    assert unindented.parts[0] == "  a\n"
    assert expr_of("<<X\nX") == LiteralValue("", R(1, 5, 2, 2))
    # Heredocs do not interpret backslashes, but do escape templates.
    assert expr_of("<<X\na\\nb $${c} %%{d}\nX") == LiteralValue("a\\nb ${c} %{d}\n", R(1, 5, 3, 2))


def test_jsonencode_and_for_each_map() -> None:
    text = """\
resource "aws_s3_bucket" "b" {
  for_each = {
    logs = "log-bucket"
    data = "data-bucket"
  }
  bucket = each.value
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = ["s3:*"], Resource = "*" }]
  })
}
"""
    attrs = parse(text, "main.tf").blocks[0].body.attributes
    for_each = attrs["for_each"].expr
    assert isinstance(for_each, ObjectExpr)
    assert [(i.key, i.value) for i in for_each.items] == [
        (LiteralValue("logs", R(3, 5, 3, 9)), LiteralValue("log-bucket", R(3, 12, 3, 24))),
        (LiteralValue("data", R(4, 5, 4, 9)), LiteralValue("data-bucket", R(4, 12, 4, 25))),
    ]
    call = attrs["policy"].expr
    assert isinstance(call, FunctionCall)
    assert (call.name, call.expand_final, call.range) == ("jsonencode", False, R(7, 12, 10, 5))
    (document,) = call.args
    assert isinstance(document, ObjectExpr)
    statement = document.items[1]
    assert statement.range == R(9, 5, 9, 73)
    value = Evaluator(DictScope({}), "main.tf").evaluate(call)
    assert value == '{"Statement":[{"Action":["s3:*"],"Effect":"Deny","Resource":"*"}],"Version":"2012-10-17"}'


def test_comments_everywhere() -> None:
    text = """\
# leading
a = /* inline */ 1 # trailing
b = [ // in a list
  1, # after item
  /* before */ 2,
]
c = {
  # in an object
  x = 1 // after value
}
/* between */ d = 4
e = "# not a comment"
blk "l" /* c */ { // c
  f = 5 # c
} # c
"""
    body = parse(text, "main.tf")
    assert body.attributes["a"].expr == LiteralValue(1, R(2, 18, 2, 19))
    b = body.attributes["b"].expr
    assert isinstance(b, TupleExpr)
    assert [i.range for i in b.items] == [R(4, 3, 4, 4), R(5, 16, 5, 17)]
    c = body.attributes["c"].expr
    assert isinstance(c, ObjectExpr)
    assert c.items[0].value == LiteralValue(1, R(9, 7, 9, 8))
    assert body.attributes["d"].range == R(11, 15, 11, 20)
    assert body.attributes["e"].expr == LiteralValue("# not a comment", R(12, 5, 12, 22))
    assert body.blocks[0].body.attributes["f"].expr == LiteralValue(5, R(14, 7, 14, 8))


def test_one_line_and_unlabelled_blocks() -> None:
    body = parse('lifecycle { ignore_changes = [tags] }\nb "x" y {}\nc {\n}\n', "main.tf")
    one, two, three = body.blocks
    assert one.labels == ()
    assert one.range == R(1, 1, 1, 38)
    assert one.body.attributes["ignore_changes"].range == R(1, 13, 1, 36)
    assert (two.labels, two.label_ranges) == (("x", "y"), (R(2, 3, 2, 6), R(2, 7, 2, 8)))
    assert three.body == Body({}, [], R(3, 3, 4, 2))


# --- expressions -------------------------------------------------------------------


def test_literals() -> None:
    assert expr_of("42") == LiteralValue(42, R(1, 5, 1, 7))
    assert expr_of("4.5") == LiteralValue(4.5, R(1, 5, 1, 8))
    assert expr_of("1e3") == LiteralValue(1000.0, R(1, 5, 1, 8))
    assert expr_of("-1") == LiteralValue(-1, R(1, 5, 1, 7))
    assert expr_of("true") == LiteralValue(True, R(1, 5, 1, 9))
    assert expr_of("false") == LiteralValue(False, R(1, 5, 1, 10))
    assert expr_of("null") == LiteralValue(None, R(1, 5, 1, 9))


def test_string_escapes() -> None:
    value = expr_of(r'"a\nb\tc\"d\\e\u00e9\U0001F600 $${x} %%{y} $ %"')
    assert isinstance(value, LiteralValue)
    assert value.value == 'a\nb\tc"d\\e\u00e9\U0001f600 ${x} %{y} $ %'


def test_operator_precedence() -> None:
    e = expr_of("a || b && c == d + e * f")
    assert isinstance(e, BinaryOp) and e.op == "||"
    right = e.right
    assert isinstance(right, BinaryOp) and right.op == "&&"
    eq = right.right
    assert isinstance(eq, BinaryOp) and eq.op == "=="
    plus = eq.right
    assert isinstance(plus, BinaryOp) and plus.op == "+"
    assert isinstance(plus.right, BinaryOp) and plus.right.op == "*"
    left_assoc = expr_of("1 - 2 - 3")
    assert isinstance(left_assoc, BinaryOp) and isinstance(left_assoc.left, BinaryOp)
    assert left_assoc.range == R(1, 5, 1, 14)
    compare = expr_of("a < b != c >= d")
    assert isinstance(compare, BinaryOp) and compare.op == "!="


def test_unary_and_parens() -> None:
    e = expr_of("!a.b")
    assert e == UnaryOp("!", GetAttr(Variable("a", R(1, 6, 1, 7)), "b", R(1, 6, 1, 9)), R(1, 5, 1, 9))
    neg = expr_of("-x + 1")
    assert isinstance(neg, BinaryOp) and isinstance(neg.left, UnaryOp)
    paren = expr_of("(1 + 2) * 3")
    assert isinstance(paren, BinaryOp) and isinstance(paren.left, Parens)
    assert paren.left.range == R(1, 5, 1, 12)


def test_conditional_right_associative() -> None:
    e = expr_of("a ? b : c ? d : e")
    assert isinstance(e, Conditional)
    assert isinstance(e.false_expr, Conditional)
    assert e.range == R(1, 5, 1, 22)


def test_newlines_inside_brackets_and_after_operators() -> None:
    text = "a = [\n  1,\n  2\n]\nb = f(\n  1,\n  2,\n)\nc = (1 +\n 2)\nd = 1 +\n  2\ne = x ?\n  1 :\n  2\n"
    body = parse(text, "main.tf")
    assert isinstance(body.attributes["a"].expr, TupleExpr)
    call = body.attributes["b"].expr
    assert isinstance(call, FunctionCall) and len(call.args) == 2
    assert body.attributes["d"].range == R(11, 1, 12, 4)
    assert isinstance(body.attributes["e"].expr, Conditional)


def test_traversals_and_legacy_index() -> None:
    e = expr_of('a.b[0]["k"].c')
    assert isinstance(e, GetAttr) and e.name == "c"
    assert isinstance(e.obj, Index) and e.obj.key == LiteralValue("k", R(1, 12, 1, 15))
    assert references(e) == [("a", "b")]
    legacy = expr_of("foo.0.bar")
    assert legacy == GetAttr(
        Index(Variable("foo", R(1, 5, 1, 8)), LiteralValue(0, R(1, 9, 1, 10)), R(1, 5, 1, 10)), "bar", R(1, 5, 1, 14)
    )
    double = expr_of("foo.0.1")
    assert isinstance(double, Index) and double.key == LiteralValue(1, R(1, 11, 1, 12))
    assert isinstance(double.obj, Index) and double.obj.key == LiteralValue(0, R(1, 9, 1, 10))


def test_splats() -> None:
    full = expr_of("a[*].b.c")
    assert full == Splat(
        Variable("a", R(1, 5, 1, 6)),
        GetAttr(GetAttr(SplatItem(R(1, 6, 1, 9)), "b", R(1, 6, 1, 11)), "c", R(1, 6, 1, 13)),
        R(1, 5, 1, 13),
    )
    attr_only = expr_of("a.*.b[0]")
    assert isinstance(attr_only, Index)  # the index applies to the resulting list
    assert isinstance(attr_only.obj, Splat)
    assert attr_only.obj.each == GetAttr(SplatItem(R(1, 6, 1, 8)), "b", R(1, 6, 1, 10))
    inside = expr_of("a[*].b[0]")
    assert isinstance(inside, Splat) and isinstance(inside.each, Index)  # the index applies per element


def test_function_calls() -> None:
    call = expr_of("max(xs...)")
    assert call == FunctionCall("max", [Variable("xs", R(1, 9, 1, 11))], True, R(1, 5, 1, 15))
    namespaced = expr_of('provider::aws::arn_parse("x")')
    assert isinstance(namespaced, FunctionCall) and namespaced.name == "provider::aws::arn_parse"
    trailing = expr_of("f(1, 2,)")
    assert isinstance(trailing, FunctionCall) and len(trailing.args) == 2
    assert expr_of("f()") == FunctionCall("f", [], False, R(1, 5, 1, 8))


def test_for_expressions() -> None:
    e = expr_of('[for i, s in var.list : upper(s) if s != ""]')
    assert isinstance(e, ForExpr)
    assert (e.key_var, e.value_var, e.is_object, e.group) == ("i", "s", False, False)
    assert e.cond is not None and e.key_expr is None
    assert e.range == R(1, 5, 1, 49)
    grouped = expr_of("{for k, v in m : v => k...}")
    assert isinstance(grouped, ForExpr) and grouped.is_object and grouped.group
    assert references(grouped) == [("m",)]
    multi = parse("a = {\n  for k, v in m :\n  k => v\n  if v != null\n}\n", "main.tf").attributes["a"].expr
    assert isinstance(multi, ForExpr) and multi.range == R(1, 5, 5, 2)
    assert isinstance(expr_of("[for]"), TupleExpr)  # "for" alone is a variable


def test_object_keys() -> None:
    obj = expr_of('{ a = 1, "b c" = 2, (var.k) = 3, d: 4, "${x}" = 5, e-f = 6, for = 7 }')
    assert isinstance(obj, ObjectExpr)
    keys = [item.key for item in obj.items]
    assert keys[0] == LiteralValue("a", R(1, 7, 1, 8))
    assert keys[1] == LiteralValue("b c", R(1, 14, 1, 19))
    assert isinstance(keys[2], Parens)
    assert keys[3] == LiteralValue("d", R(1, 38, 1, 39))
    assert isinstance(keys[4], TemplateExpr)
    assert keys[5] == LiteralValue("e-f", R(1, 56, 1, 59))
    assert keys[6] == LiteralValue("for", R(1, 65, 1, 68))


def test_template_directives_and_strip_markers() -> None:
    e = expr_of('"%{ if a ~} yes %{~ else } no %{ endif }!"')
    assert isinstance(e, TemplateExpr)
    cond, bang = e.parts
    assert isinstance(cond, TemplateIf)
    assert (cond.then_parts, cond.else_parts) == (["yes"], [" no "])
    assert cond.range == R(1, 6, 1, 45)
    assert bang == "!"
    loop = expr_of("<<EOT\n%{ for k, v in m ~}\n  ${k}=${v}\n%{~ endfor }\nEOT")
    assert isinstance(loop, TemplateExpr)
    directive, newline = loop.parts
    assert newline == "\n"
    assert isinstance(directive, TemplateFor)
    assert directive.range == R(2, 1, 4, 13)
    assert (directive.key_var, directive.value_var) == ("k", "v")
    # "~}" and "{~" removed the newline and indentation around the body.
    key, equals, value = directive.body_parts
    assert isinstance(key, Interpolation) and key.expr == Variable("k", R(3, 5, 3, 6))
    assert equals == "="
    assert isinstance(value, Interpolation) and value.range == R(3, 8, 3, 12)
    strip = expr_of('"a ${~ x ~} b"')
    assert isinstance(strip, TemplateExpr)
    assert strip.parts[0] == "a" and strip.parts[2] == "b"
    first = strip.parts[1]
    assert isinstance(first, Interpolation) and first.strip_left and first.strip_right
    assert references(loop) == [("m",)]


def test_template_file() -> None:
    tmpl = parse_template("Hello ${name}!\n%{ for x in xs }- ${x}\n%{ endfor }", "t.tpl")
    assert isinstance(tmpl, TemplateExpr)
    value = Evaluator(DictScope({"name": "Ann", "xs": [1, 2]}), "t.tpl").evaluate(tmpl)
    assert value == "Hello Ann!\n- 1\n- 2\n"
    assert parse_template("plain \\n text", "t.tpl") == LiteralValue("plain \\n text", R(1, 1, 1, 14))


def test_parse_expression_with_line_offset() -> None:
    e = parse_expression("var.a +\n  1", "vars.json", line_offset=9)
    assert isinstance(e, BinaryOp)
    assert e.range == R(10, 1, 11, 4)
    with pytest.raises(HclSyntaxError) as info:
        parse_expression("1 2", "x.json")
    assert (info.value.line, info.value.column) == (1, 3)


def test_references_skip_for_variables_and_dedupe() -> None:
    e = expr_of('[for s in var.subnets : s.id if s.az == local.az] == [var.subnets, "${var.subnets[0]}"]')
    assert references(e) == [("var", "subnets"), ("local", "az")]
    assert references(expr_of("module.m.out[count.index]")) == [("module", "m", "out"), ("count", "index")]
    assert references(expr_of('data.aws_iam_policy_document.p["x"].json')) == [
        ("data", "aws_iam_policy_document", "p", "x", "json")
    ]


# --- syntax errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ('a = 1\nb = "abc\nc = 2\n', 2, 5, "unterminated string"),
        ('a = "${x\n', 1, 6, "never closed"),
        ('a = "${x}', 1, 5, "unterminated string"),
        ("a = <<EOF\n${x\n", 2, 1, "never closed"),
        ("a = 1\nb = <<EOF\nhello\nEOX\n", 2, 5, 'no closing "EOF"'),
        ('a = 1\nresource "x" "y" {\n  b = 2\n', 2, 18, "never closed"),
        ("a = [1, 2\n", 1, 5, "never closed"),
        ("a = f(1,\n", 1, 6, "never closed"),
        ('a = 1\nname "x"\n', 2, 9, 'expected "{"'),
        ("a = 1\nname\n", 2, 5, 'expected "="'),
        ("a = 1\n/* open\n", 2, 1, "unterminated block comment"),
        ("a = 1\na = 2\n", 2, 1, 'attribute "a" is already defined at line 1'),
        ('a = "\\q"\n', 1, 6, "invalid escape"),
        ('a = "\\uD800"\n', 1, 6, "invalid character escape"),
        ("a = 1\n}\n", 2, 1, 'found "}"'),
        ("a = 1 2\n", 1, 7, "expected a newline"),
        ("a = \n", 1, 5, "expected an expression"),
        ("a = 1 @ 2\n", 1, 7, "invalid character"),
        ("a = x.\n", 1, 7, "expected an attribute name"),
        ('a = "%{ if x }y"\n', 1, 6, 'expected "%{ endif }"'),
        ('a = "%{ endif }"\n', 1, 15, 'unexpected "%{ endif }"'),
        ('a = "%{ while x }"\n', 1, 9, "unknown template directive"),
        ("a = x ? 1\n", 1, 10, 'expected ":"'),
        ("a = (x ? 1", 1, 5, '"(" is never closed'),
        ("a = {b = 1", 1, 5, '"{" is never closed'),
        ("a = {for k, v in x : k => v", 1, 5, '"{" is never closed'),
        ("a = x[", 1, 6, '"[" is never closed'),
        ("a = [for x in y :", 1, 5, '"[" is never closed'),
        ("a = " + "9" * 5000 + "\n", 1, 5, "too large"),
        ('b "${x}" {}\n', 1, 3, "cannot contain templates"),
        ("a { } b { }\n", 1, 7, "expected a newline after the block"),
        ("a = 1 ~ 2\n", 1, 7, "invalid character"),
    ],
)
def test_syntax_errors(text: str, line: int, column: int, fragment: str) -> None:
    err = syntax_error(text)
    assert (err.line, err.column) == (line, column), str(err)
    assert fragment in err.message
    assert err.filename == "main.tf"
    assert str(err) == f"main.tf:{line}:{column}: {err.message}"


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 10_000,
        "a = " + "[" * 10_000 + "]" * 10_000,
        "a = " + "(" * 10_000 + "1" + ")" * 10_000,
        "a = " + "{b = " * 10_000 + "1" + "}" * 10_000,
        "a = " + "!" * 10_000 + "true",
        "a = " + '"${' * 10_000 + "1" + '}"' * 10_000,
        "a = " + "f(" * 10_000 + ")" * 10_000,
        "a = x" + "[*]" * 10_000,
        "a = " + "c ? 1 : " * 10_000 + "2",
        'a = "' + "%{ if x }" * 10_000 + "%{ endif }" * 10_000 + '"',
        "b {\n" * 10_000 + "}\n" * 10_000,
    ],
)
def test_deep_nesting_is_a_syntax_error(text: str) -> None:
    # Stopped by the depth limit, not by running out of stack or time.
    err = syntax_error(text)
    assert f"deeper than {MAX_DEPTH}" in err.message


def test_nesting_below_the_limit_parses() -> None:
    depth = MAX_DEPTH - 6
    e = expr_of("[" * depth + "1" + "]" * depth)
    value = Evaluator(DictScope({}), "main.tf").evaluate(e)
    for _ in range(depth):
        assert isinstance(value, list)
        value = value[0]
    assert value == 1


def test_binary_content() -> None:
    err = syntax_error('a = 1\nb = "x\x00y"\n')
    assert (err.line, err.column) == (2, 7)
    assert "binary" in err.message
    garbage = bytes(range(1, 256)).decode("latin-1") * 50
    with pytest.raises(HclSyntaxError):
        parse(garbage, "image.png")


_STATEMENTS = (
    'resource "aws_s3_bucket" "a" {\n  bucket = "x"\n}\n'
    '/* a comment\n */ resource "aws_s3_bucket" "b" {\n  tags = {\n    a = 1\n  }\n}\n'
    'locals {\n  n = 1 +\n    2\n}\n'
    'x = [\n  1,\n  2\n]\n'
    '\tresource "aws_iam_policy" "p" { policy = <<-EOT\n    {"a": "${local.n}"}\n    EOT\n  count = 2\n}'
)


def test_deferred_blocks_parse_again_to_the_same_tree() -> None:
    """Read statement by statement, a deferred block keeps only its text: parsed again, it is the tree the
    whole file gives, ranges included, however often it is released."""
    whole = parse(_STATEMENTS, "main.tf")
    deferred = parse(_STATEMENTS, "main.tf", defer=frozenset({"resource"}))
    assert deferred.attributes == whole.attributes and deferred.range == whole.range
    kinds = [type(b) for b in deferred.blocks]
    assert kinds == [DeferredBlock, DeferredBlock, type(whole.blocks[2]), DeferredBlock]
    for mine, theirs in zip(deferred.blocks, whole.blocks, strict=True):
        assert (mine.type, mine.labels, mine.range, mine.body, mine.type_range, mine.label_ranges) == (
            theirs.type, theirs.labels, theirs.range, theirs.body, theirs.type_range, theirs.label_ranges)
        mine.release()
        assert mine.body == theirs.body
    assert deferred.blocks[3].sets("count") and not deferred.blocks[3].sets("for_each")


@pytest.mark.parametrize("text, error", [
    # The first malformed token of the file is the error, as when it was tokenized whole: not an earlier parse error.
    ('a = 1 2\nb = "\\q"\n', "main.tf:2:6: invalid escape sequence '\\\\q'"),
    ('a = 1 2\nb = 3\n', 'main.tf:1:7: expected a newline after the value of \'a\', found number'),
    ('resource "a" "b" {\n  x = 1\n}}\n', 'main.tf:3:2: expected an attribute or a block, found "}"'),
])
def test_statement_by_statement_errors_are_the_whole_files(text: str, error: str) -> None:
    with pytest.raises(HclSyntaxError) as caught:
        parse(text, "main.tf", defer=frozenset({"resource"}))
    assert str(caught.value) == error

"""HCL evaluator: Terraform semantics, functions, and `Unknown` instead of guesses."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from scanner.model.unknown import Unknown
from scanner.sources.terraform.hcl import (
    DictScope,
    EvaluationError,
    Evaluator,
    JsonDocument,
    Range,
    Scope,
    parse,
    parse_expression,
)
from scanner.sources.terraform.hcl import evaluate as evaluate_module

UNSET = Unknown(reason="var.unset has no value")
VALUES: dict[str, Any] = {
    "var": {
        "env": "prod",
        "unset": UNSET,
        "n": 3,
        "flag": True,
        "none": None,
        "subnets": [{"id": "a", "az": "x"}, {"id": "b", "az": "y"}],
        "tags": {"b": "2", "a": "1"},
    },
    "local": {"half": [1, UNSET]},
}


def ev(text: str, scope: Scope | None = None, **kwargs: Any) -> Any:
    expr = parse_expression(text, "main.tf")
    return Evaluator(scope or DictScope(VALUES), "main.tf", **kwargs).evaluate(expr)


def unknown(text: str, fragment: str = "") -> Unknown:
    value = ev(text)
    assert isinstance(value, Unknown), f"{text} gave {value!r}"
    assert fragment in value.reason, value.reason
    return value


# --- functions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("merge({a = 1, b = 2}, {b = 3}, null)", {"a": 1, "b": 3}),
        ("concat([1], [2, 3], [])", [1, 2, 3]),
        ("flatten([[1, [2]], [], 3])", [1, 2, 3]),
        ('lookup({a = 1}, "a")', 1),
        ('lookup({a = 1}, "b", "dflt")', "dflt"),
        ('coalesce(null, "", "x", "y")', "x"),
        ("coalesce(null, 2)", 2),
        ('coalescelist([], ["a"], ["b"])', ["a"]),
        ('format("%s is %d", "n", 42)', "n is 42"),
        (
            'format("%-5s|%5s|%05d|%+d|%.2f|%x|%X|%o|%b", "ab", "cd", -42, 7, 3.14159, 255, 255, 8, 5)',
            "ab   |   cd|-0042|+7|3.14|ff|FF|10|101",
        ),
        ('format("%q %v %v %t %%", "hi", [1, "a"], 1.5, true)', '"hi" [1,"a"] 1.5 true %'),
        ('format("%[2]s-%[1]s", "a", "b")', "b-a"),
        ('formatlist("%s-%d", ["a", "b"], 1)', ["a-1", "b-1"]),
        ('join(", ", ["a", 1, true])', "a, 1, true"),
        ('join("-", ["a"], ["b", "c"])', "a-b-c"),
        ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
        ('tolist(["a"])', ["a"]),
        ('toset(["b", "a", "b"])', ["a", "b"]),
        ("toset([3, 1, 2, 1])", [1, 2, 3]),
        ('toset(["a", 1, true])', ["1", "a", "true"]),
        ("tomap({a = 1})", {"a": 1}),
        ("tostring(12)", "12"),
        ("tostring(1.5)", "1.5"),
        ("tostring(true)", "true"),
        ("tostring(null)", None),
        ('tonumber("12")', 12),
        ('tonumber("1.5")', 1.5),
        ('tobool("true")', True),
        ("tobool(false)", False),
        ("length([1, 2])", 2),
        ("length({a = 1})", 1),
        ('length("héllo")', 5),
        ('element(["a", "b", "c"], 4)', "b"),
        ('contains(["a", "b"], "b")', True),
        ('contains([1], "1")', False),
        ('distinct(["a", "b", "a", 1, 1.0, true])', ["a", "b", 1, True]),
        ("keys({b = 1, a = 2})", ["a", "b"]),
        ("values({b = 1, a = 2})", [2, 1]),
        ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
        ('lower("AbC")', "abc"),
        ('upper("AbC")', "ABC"),
        ('trimspace("  a b \\n")', "a b"),
        ('replace("a-b-c", "-", "_")', "a_b_c"),
        ('replace("hello world", "/o(r?)/", "0$1")', "hell0 w0rld"),
        ('replace("abc", "/(?P<x>b)/", "[$${x}]")', "a[b]c"),
        ('substr("hello world", 1, 4)', "ello"),
        ('substr("hello", -3, -1)', "llo"),
        ('startswith("terraform", "terra")', True),
        ('endswith("terraform", "terra")', False),
        ("min(3, 1, 2)", 1),
        ("max([1, 5]...)", 5),
        ("abs(-2)", 2),
        ("abs(-2.5)", 2.5),
        ("ceil(1.1)", 2),
        ("floor(-1.5)", -2),
        ("range(3)", [0, 1, 2]),
        ("range(1, 4)", [1, 2, 3]),
        ("range(0, 10, 3)", [0, 3, 6, 9]),
        ("range(4, 1)", [4, 3, 2]),
        ("range(0, 1, 0.25)", [0, 0.25, 0.5, 0.75]),
        ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]),
        ("reverse([1, 2, 3])", [3, 2, 1]),
        ('sort(["b", "a", "c"])', ["a", "b", "c"]),
        ("sort([3, 10, 1])", ["1", "10", "3"]),
        ('compact(["a", "", null, "b"])', ["a", "b"]),
        ("one([])", None),
        ('one(["x"])', "x"),
        ('setunion(["b", "a"], ["b", "c"])', ["a", "b", "c"]),
        ('setintersection(["a", "b", "c"], ["b", "c", "d"], ["c", "b"])', ["b", "c"]),
        ('setsubtract(["a", "b", "c"], ["a"])', ["b", "c"]),
        ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
        ('cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
        ('cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', "fd00:fd12:3456:7800:a200::/72"),
        ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
        ('cidrhost("10.12.112.0/20", 268)', "10.12.113.12"),
        ('cidrhost("10.0.0.0/24", -1)', "10.0.0.255"),
        ('cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)', "fd00:fd12:3456:7890::22"),
        ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
        ('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)', ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
        (
            'cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)',
            [
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88",
            ],
        ),
        ('jsonencode({b = [1, true, null], a = "x"})', '{"a":"x","b":[1,true,null]}'),
        ('jsonencode("<a&b>")', '"\\u003ca\\u0026b\\u003e"'),
        ("jsonencode(1.0)", "1"),
        ('jsondecode("{\\"a\\": [1, 2.5, null]}")', {"a": [1, 2.5, None]}),
        (
            'yamldecode("a: 1\\nb: [x, y]\\nc: 2020-01-02\\n1: true")',
            {"a": 1, "b": ["x", "y"], "c": "2020-01-02", "1": True},
        ),
        ('base64encode("Hello")', "SGVsbG8="),
        ('base64decode("SGVsbG8=")', "Hello"),
        ('nonsensitive(sensitive("s"))', "s"),
        ('nonsensitive("s")', "s"),
        # Beyond the required set.
        ('trim("?!hello?!", "!?")', "hello"),
        ('trimprefix("helloworld", "hello")', "world"),
        ('trimsuffix("helloworld", "world")', "hello"),
        ('chomp("hello\\n\\n")', "hello"),
        ('title("hello world")', "Hello World"),
        ('strrev("abc")', "cba"),
        ('indent(2, "a\\nb")', "a\n  b"),
        ('strcontains("hello", "ell")', True),
        ('regex("(\\\\d+)-(\\\\d+)", "a 12-34")', ["12", "34"]),
        ('regex("(?P<y>\\\\d{4})", "in 2024")', {"y": "2024"}),
        ('regex("[a-z]+", "123abc")', "abc"),
        ('regexall("[a-z]+", "a1bc2")', ["a", "bc"]),
        ('alltrue([true, "true"])', True),
        ("anytrue([false, false])", False),
        ("sum([1, 2.5])", 3.5),
        ('index(["a", "b"], "b")', 1),
        ("chunklist([1, 2, 3], 2)", [[1, 2], [3]]),
        ('parseint("ff", 16)', 255),
        ("signum(-3)", -1),
        ("pow(2, 10)", 1024),
        ('md5("hello")', "5d41402abc4b2a76b9719d911017c592"),
        ('sha1("hello")', "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
        ('sha256("hello")', "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
        ('base64sha256("hello")', "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="),
        ('urlencode("a b&c")', "a%20b%26c"),
        ('basename("foo/bar/baz.txt")', "baz.txt"),
        ('dirname("foo/bar/baz.txt")', "foo/bar"),
    ],
)
def test_functions(text: str, expected: Any) -> None:
    value = ev(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("foo(1)", 'function "foo" is not supported'),
        ('provider::aws::arn_parse("x")', "not supported"),
        ("element([], 0)", "empty list"),
        ('jsondecode("{")', "invalid JSON"),
        ('jsondecode("NaN")', "not valid JSON"),
        ('yamldecode("a: [")', "invalid YAML"),
        ('cidrsubnet("10.0.0.0/30", 4, 0)', "cannot extend"),
        ('cidrsubnet("10.0.0.0/16", 2, 4)', "cannot hold subnet number 4"),
        ('cidrsubnet("nonsense", 2, 0)', "invalid CIDR"),
        ('cidrhost("10.0.0.0/30", 4)', "cannot hold host number 4"),
        ('cidrnetmask("fd00::/8")', "only IPv4"),
        ('cidrsubnets("10.0.0.0/24", 1, 1, 1)', "not enough address space"),
        ('lookup({}, "a")', 'key "a" not found'),
        ("one([1, 2])", "at most one element"),
        ("merge(1)", "a map is required"),
        ('tonumber("x")', "'x' is not a number"),
        ('base64decode("@@")', "invalid base64"),
        ("range(0, 2000)", "more than 1024"),
        ('format("%d", "x")', "not a number"),
        ('format("%d %d", 1)', "not enough arguments"),
        ('format("%s", 1, 2)', "too many arguments"),
        ('format("%z", 1)', "unsupported format verb"),
        ('format("%1000000s", "")', "too large"),
        ("upper()", "upper() takes 1 arguments, got 0"),
        ('upper("a", "b")', "upper() takes 1 arguments, got 2"),
        ('join(",", ["a", null])', "null elements"),
        ('join(",", [["a"]])', "a string is required, got a list"),
        ('replace("aaaa", "/(a+)+$/", "x")', "nested quantifiers"),
        ('regex("x", "y")', "did not match"),
        ('zipmap(["a"], [])', "1 keys but 0 values"),
        ("slice([1], 0, 2)", "invalid slice"),
        ("pow(10, 400)", "pow()"),
        ('substr("abc", 5, 1)', "beyond the end"),
    ],
)
def test_function_errors_become_unknown(text: str, fragment: str) -> None:
    value = unknown(text, fragment)
    assert (value.path, value.line) == ("main.tf", 1)


def test_apply_time_functions_are_unknown() -> None:
    assert "known only when Terraform applies" in unknown("timestamp()").reason
    assert "known only when Terraform applies" in unknown("uuid()").reason
    assert isinstance(ev('"name-${uuid()}"'), Unknown)


# --- unknown values ------------------------------------------------------------------


def test_unknown_from_scope_is_located() -> None:
    value = Evaluator(DictScope(VALUES), "vars.tf").evaluate(parse_expression("var.unset", "vars.tf", line_offset=4))
    assert value == Unknown(reason="var.unset has no value", path="vars.tf", line=5)
    located = Unknown(reason="r", path="other.tf", line=9)
    assert ev("x", DictScope({"x": located})) is located


@pytest.mark.parametrize(
    "text",
    [
        "var.unset",
        '"${var.unset}-x"',
        '"${var.unset}"',
        "var.unset + 1",
        "1 + var.unset",
        "!var.unset",
        "-var.unset",
        "var.unset.attr",
        "var.unset[0]",
        "var.tags[var.unset]",
        "upper(var.unset)",
        'join(",", local.half)',
        "contains(local.half, 3)",
        "[for x in var.unset : x]",
        "{for x in local.half : x => 1}",
        "[for x in local.half : x if x > 0]",
        "var.unset[*].id",
        "var.unset == 1",
        "[1, var.unset] == [1, 2]",
        "var.unset ? 1 : 2",
        "var.unset && true",
        "sort(local.half)",
        "flatten(local.half)",
        "distinct(local.half)",
        "toset(local.half)",
        '"%{ if var.unset }a%{ endif }"',
        '"%{ for x in local.half }${x}%{ endfor }"',
        'coalesce(var.unset, "x")',
        "{(var.unset) = 1}",
        "var.unset + var.n + unknown_function()",
    ],
)
def test_unknown_propagates(text: str) -> None:
    value = unknown(text)
    assert value.reason == "var.unset has no value"  # the first unknown's reason is kept
    assert (value.path, value.line) == ("main.tf", 1)


def test_collections_keep_partial_knowledge() -> None:
    cidrs = ev('["10.0.0.0/8", var.unset]')
    assert cidrs[0] == "10.0.0.0/8"
    assert isinstance(cidrs[1], Unknown) and cidrs[1].reason == UNSET.reason
    obj = ev("{a = var.unset, b = 1}")
    assert obj["b"] == 1 and isinstance(obj["a"], Unknown)
    assert ev("length(local.half)") == 2
    assert ev("contains(local.half, 1)") is True
    doubled = ev("[for x in local.half : x * 2]")
    assert doubled[0] == 2 and isinstance(doubled[1], Unknown)
    merged = ev("merge({a = 1}, {b = var.unset})")
    assert merged["a"] == 1 and isinstance(merged["b"], Unknown)
    assert ev("[1, var.unset] == [2, var.unset]") is False


def test_conditionals() -> None:
    assert ev('var.flag ? "yes" : var.unset') == "yes"
    assert ev('var.unset ? "same" : "same"') == "same"
    assert ev("false ? var.tags.missing : 1") == 1  # only the chosen branch is evaluated
    assert ev('"true" ? 1 : 2') == 1
    assert "a bool is required, got null" in unknown("null ? 1 : 2").reason
    assert "a bool is required, got a number" in unknown("1 ? 1 : 2").reason


def test_logic_short_circuits_on_known_values() -> None:
    assert ev("false && var.unset") is False
    assert ev("var.unset && false") is False
    assert ev("true || var.unset") is True
    assert ev("var.unset || true") is True
    assert ev("false || false") is False
    assert ev("true && true") is True
    assert ev("false && var.tags.missing") is False
    assert isinstance(ev("var.unset || false"), Unknown)


def test_numbers_and_comparison() -> None:
    assert ev("5 / 2") == 2.5
    assert ev("4 / 2") == 2 and isinstance(ev("4 / 2"), int)
    assert ev("-5 % 3") == -2
    assert ev("5.5 % 2") == 1.5
    assert ev("0.5 + 0.5") == 1 and isinstance(ev("0.5 + 0.5"), int)
    assert ev("2 * 3 - 1") == 5
    assert ev('"1" + 1') == 2
    assert ev("1 == 1.0") is True
    assert ev('1 == "1"') is False
    assert ev("true == 1") is False
    assert ev("null == null") is True
    assert ev('[1, "a"] == [1, "a"]') is True
    assert ev("{a = 1} == {a = 1}") is True
    assert ev("{a = 1} != {a = 2}") is True
    assert ev('"3" < 10') is True
    assert ev("3 >= 3") is True
    assert "not a number" in unknown('"a" < "b"').reason
    assert "not a number" in unknown('"a" + 1').reason
    assert "division by zero" in unknown("1 / 0").reason
    assert "modulo by zero" in unknown("1 % 0").reason


def test_traversals() -> None:
    assert ev("var.subnets[1].id") == "b"
    assert ev('var.subnets["1"].id') == "b"
    assert ev('var.tags["a"]') == "1"
    assert ev("var.subnets.0.az") == "x"
    assert 'attribute "missing" not found in var.tags' in unknown("var.tags.missing").reason
    assert "index 5 is out of range for var.subnets (2 elements)" in unknown("var.subnets[5]").reason
    assert 'key "zz" not found' in unknown('var.tags["zz"]').reason
    assert "it is null" in unknown("var.none.x").reason
    assert "it is a string" in unknown("var.env[0]").reason
    assert '"nosuch" is not defined' in unknown("nosuch.x").reason


def test_splats() -> None:
    assert ev("var.subnets[*].id") == ["a", "b"]
    assert ev("var.subnets.*.id") == ["a", "b"]
    assert ev("var.subnets.*.id[1]") == "b"
    assert ev("[{l = [1, 2]}, {l = [3]}][*].l[0]") == [1, 3]  # inside a full splat the index is per element
    assert ev("[{l = [1, 2]}, {l = [3]}].*.l[0]") == [1, 2]  # after an attribute-only splat it is not
    assert ev("var.env[*]") == ["prod"]
    assert ev("var.none[*]") == []
    assert ev("[[{a = 1}, {a = 2}], [{a = 3}]][*][*].a") == [[1, 2], [3]]
    missing = ev("var.subnets[*].missing")
    assert len(missing) == 2 and all(isinstance(m, Unknown) for m in missing)


def test_for_expressions() -> None:
    assert ev("[for s in var.subnets : s.id]") == ["a", "b"]
    assert ev('[for i, s in var.subnets : "${i}:${s.id}"]') == ["0:a", "1:b"]
    assert ev("{for s in var.subnets : s.az => s.id}") == {"x": "a", "y": "b"}
    assert ev("{for k, v in var.tags : v => k}") == {"1": "a", "2": "b"}
    assert list(ev("{for k, v in var.tags : k => v}")) == ["a", "b"]  # maps iterate in key order
    assert ev('{for s in [{k = "a", v = 1}, {k = "a", v = 2}, {k = "b", v = 3}] : s.k => s.v...}') == {
        "a": [1, 2],
        "b": [3],
    }
    assert ev("[for x in [1, 2, 3, 4] : x * 10 if x % 2 == 0]") == [20, 40]
    assert ev("[for x in [1, 2] : [for x in [x, 10] : x]]") == [[1, 10], [2, 10]]
    assert ev("{for i, x in [true] : i => x}") == {"0": True}
    assert 'duplicate key "a"' in unknown('{for x in ["a", "a"] : x => 1}').reason
    assert "cannot iterate over a string" in unknown('[for x in "abc" : x]').reason
    assert "cannot iterate over null" in unknown("[for x in null : x]").reason


def test_templates() -> None:
    assert ev('"Hello, ${var.env}!"') == "Hello, prod!"
    assert ev('"${var.n}"') == 3  # a lone interpolation keeps its type
    assert ev('"${var.subnets}"') == VALUES["var"]["subnets"]
    assert ev('"${true}"') is True
    assert ev('"x${true}-${1.5}-${var.n}"') == "xtrue-1.5-3"
    assert ev('"${1e20}"') == 1e20
    assert ev('"n=${1e20} ${0.000001}"') == "n=100000000000000000000 0.000001"
    assert "cannot interpolate a list" in unknown('"x${var.subnets}"').reason
    assert "cannot interpolate a null value" in unknown('"x${null}"').reason
    assert ev('"%{ if var.flag }on%{ else }off%{ endif }"') == "on"
    assert ev('"%{ if !var.flag }on%{ else }off%{ endif }"') == "off"
    assert ev('"%{ for s in var.subnets }${s.id},%{ endfor }"') == "a,b,"
    assert ev('"%{ for k, v in var.tags }${k}=${v} %{ endfor }"') == "a=1 b=2 "
    assert ev('"[ ${~ var.env ~} ]"') == "[prod]"
    body = parse("x = <<-EOT\n  %{~ for s in var.subnets ~}\n  - ${s.id}\n  %{~ endfor ~}\n  EOT\n", "main.tf")
    assert Evaluator(DictScope(VALUES), "main.tf").evaluate(body.attributes["x"].expr) == "- a- b"


def test_try_and_can() -> None:
    assert ev('try(var.tags.missing, "default")') == "default"
    assert ev('try(var.tags.a, "default")') == "1"
    assert ev('try(nosuch, "default")') == "default"
    assert ev('try(tonumber("x"), 0)') == 0
    assert ev('try(try(var.tags.missing, "x"), "y")') == "x"
    partial = ev('try(local.half, "d")')
    assert partial[0] == 1 and isinstance(partial[1], Unknown)
    # A failure that may be caused by an unknown value must not pick the fallback.
    assert "depends on values that are not known" in unknown('try(var.unset ? var.tags.missing : 1, "d")').reason
    assert unknown('try(var.unset.x, "default")').reason == UNSET.reason
    assert unknown('try(upper(var.tags.zzz), lower(var.unset), "d")').reason == UNSET.reason
    assert "no argument could be evaluated" in unknown("try(var.tags.missing, var.tags.other)").reason
    assert ev("can(var.tags.a)") is True
    assert ev("can(var.tags.missing)") is False
    assert ev('can(tonumber("x"))') is False
    assert ev('can(regex("^a", "abc"))') is True
    assert unknown("can(var.unset)").reason == UNSET.reason
    assert unknown("can(local.half)").reason == UNSET.reason
    assert ev('[can(var.tags.missing), try(var.tags.missing, "d")]') == [False, "d"]


def test_jsonencode_with_unknowns_keeps_structure() -> None:
    doc = ev('jsonencode({Statement = [{Effect = "Allow", Resource = var.unset}]})')
    assert isinstance(doc, JsonDocument)
    statement = doc.value["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert isinstance(statement["Resource"], Unknown)
    assert isinstance(ev('"${jsonencode([var.unset])}"'), JsonDocument)
    assert isinstance(ev("tostring(jsonencode([var.unset]))"), JsonDocument)
    decoded = ev("jsondecode(jsonencode({a = var.unset, b = 1}))")
    assert decoded["b"] == 1 and isinstance(decoded["a"], Unknown)
    nested = ev("jsonencode({p = jsonencode([var.unset])})")
    assert isinstance(nested, JsonDocument) and isinstance(nested.value["p"], JsonDocument)
    for text in (
        '"p=${jsonencode([var.unset])}"',
        "upper(jsonencode([var.unset]))",
        "length(jsonencode([var.unset]))",
        'jsonencode([var.unset]) == "x"',
        "jsonencode(var.unset)",
    ):
        assert unknown(text).reason == UNSET.reason
    assert json.loads(ev("jsonencode({a = [1, 2]})")) == {"a": [1, 2]}


def test_scope_with_lazy_mappings() -> None:
    class Lazy(Mapping[str, Any]):
        def __init__(self) -> None:
            self.computed: list[str] = []

        def __getitem__(self, key: str) -> Any:
            if key not in ("x", "y"):
                raise KeyError(key)
            self.computed.append(key)
            return key.upper()

        def __contains__(self, key: object) -> bool:
            return key in ("x", "y")

        def __iter__(self) -> Iterator[str]:
            return iter(["x", "y"])

        def __len__(self) -> int:
            return 2

    class Unresolved(dict[str, Any]):
        def __contains__(self, key: object) -> bool:
            return True

        def __missing__(self, key: str) -> Unknown:
            return Unknown(reason=f"{key} is read at plan time")

    lazy = Lazy()
    scope = DictScope({"res": lazy, "data": Unresolved()})
    assert ev("res.y", scope) == "Y"
    assert lazy.computed == ["y"]
    assert ev("[for k, v in res : v]", scope) == ["X", "Y"]
    assert ev("data.id", scope) == Unknown(reason="id is read at plan time", path="main.tf", line=1)
    assert ev('try(data.id, "x")', scope).reason == "id is read at plan time"


def test_scope_chain_and_errors() -> None:
    parent = DictScope({"var": {"a": 1}})
    child = DictScope({"each": {"key": "k"}}, parent)
    assert ev('"${each.key}-${var.a}"', child) == "k-1"

    class Failing(Scope):
        def lookup(self, root: str, range: Range) -> Any:
            raise EvaluationError(f"{root} at line {range.start_line} is not declared")

    assert unknown_with(Failing(), "x").reason == "x at line 1 is not declared"


def unknown_with(scope: Scope, text: str) -> Unknown:
    value = ev(text, scope)
    assert isinstance(value, Unknown)
    return value


def test_evaluate_is_reentrant() -> None:
    class Recursive(Scope):
        def __init__(self) -> None:
            self.evaluator = Evaluator(self, "main.tf")

        def lookup(self, root: str, range: Range) -> Any:
            if root == "local":
                return {"a": self.evaluator.evaluate(parse_expression("[for v in [1, 2] : v]", "main.tf"))}
            raise EvaluationError("undefined")

    scope = Recursive()
    expr = parse_expression("[for v in [10] : [v, local.a]]", "main.tf")
    assert scope.evaluator.evaluate(expr) == [[10, [1, 2]]]


def test_budget_stops_runaway_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluate_module, "MAX_STEPS", 500)
    assert "too expensive" in unknown("[for a in range(100) : [for b in range(100) : b]]").reason
    assert ev("[for a in range(10) : a]") == list(range(10))


def test_nothing_escapes_evaluate() -> None:
    class Broken(Scope):
        def lookup(self, root: str, range: Range) -> Any:
            raise RuntimeError("boom")

    value = unknown_with(Broken(), "x + 1")
    assert "RuntimeError: boom" in value.reason
    deep = "jsondecode(" + repr("[" * 100_000 + "]" * 100_000).replace("'", '"') + ")"
    assert isinstance(ev(deep), Unknown)


# --- files ---------------------------------------------------------------------------


def test_file_functions_need_a_base_directory() -> None:
    assert "no base directory" in unknown('file("policy.json")').reason
    assert isinstance(ev('templatefile("t.tpl", {})'), Unknown)


def test_file_functions(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    module = repo / "mod"
    module.mkdir(parents=True)
    (module / "policy.json").write_text('{"Version": "2012-10-17"}', encoding="utf-8")
    (module / "greeting.tpl").write_text("Hello ${name}!%{ for x in xs } ${x}%{ endfor }", encoding="utf-8")
    (repo / "big.txt").write_text("x" * (1024 * 1024 + 1), encoding="utf-8")
    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    scope = DictScope({"path": {"module": "mod", "root": ".", "cwd": str(repo)}, "var": {"unset": UNSET}})
    root = str(repo)

    def fev(text: str) -> Any:
        return ev(text, scope, file_root=root)

    assert json.loads(fev('file("${path.module}/policy.json")')) == {"Version": "2012-10-17"}
    assert fev('fileexists("mod/policy.json")') is True
    assert fev('fileexists("mod/nope.json")') is False
    assert fev('filebase64("mod/policy.json")') == "eyJWZXJzaW9uIjogIjIwMTItMTAtMTcifQ=="
    assert fev('templatefile("mod/greeting.tpl", {name = "Ann", xs = [1, 2]})') == "Hello Ann! 1 2"
    assert isinstance(fev('templatefile("mod/greeting.tpl", {name = var.unset, xs = []})'), Unknown)
    assert '"xs" is not defined' in fev('templatefile("mod/greeting.tpl", {name = "Ann"})').reason
    assert fev('try(file("missing.txt"), "fallback")') == "fallback"
    assert "cannot read" in fev('file("missing.txt")').reason
    assert "larger than 1 MB" in fev('file("big.txt")').reason
    assert "resolves outside the scanned directory" in fev('file("../outside.txt")').reason
    assert "resolves outside the scanned directory" in fev(f'file("{tmp_path / "outside.txt"}")').reason
    assert "resolves outside the scanned directory" in fev('templatefile("../outside.txt", {})').reason
    assert "resolves outside the scanned directory" in fev('fileset("..", "*.txt")').reason
    (module / "sub").mkdir()
    (module / "sub" / "a.json").write_text("{}", encoding="utf-8")
    (module / "b.json").write_text("{}", encoding="utf-8")
    (module / "leak.json").symlink_to(tmp_path / "outside.txt")
    assert fev('fileset(path.module, "*.json")') == ["b.json", "policy.json"]
    assert fev('fileset(path.module, "**/*.{json,tpl}")') == ["b.json", "greeting.tpl", "policy.json", "sub/a.json"]
    assert fev('fileset("mod", "sub/[a-c].json")') == ["sub/a.json"]
    # An unreadable file is "not known", so try() must not pick the fallback.
    assert isinstance(fev('try(file("big.txt"), "x")'), Unknown)
    # Without path.cwd, relative paths start at file_root; with a relative one, below it.
    assert fev_with({"path": {}}, 'fileexists("mod/policy.json")', root) is True
    assert fev_with({"path": {"cwd": "mod"}}, 'fileexists("policy.json")', root) is True


def fev_with(values: dict[str, Any], text: str, root: str) -> Any:
    return ev(text, DictScope(values), file_root=root)

"""Every Terraform 1.9 built-in function: implemented (checked against the examples of Terraform's own
documentation) or documented in docs/terraform.md with why it is Unknown."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from scanner.model.unknown import Unknown
from scanner.sources.terraform.hcl import FUNCTIONS, DictScope, Evaluator, parse_expression
from scanner.sources.terraform.hcl.evaluate import _FILE_FUNCTIONS

ROOT = Path(__file__).resolve().parents[4]
DOC = ROOT / "docs" / "terraform.md"

# Terraform 1.9's built-in functions, as its "Built-in Functions" documentation lists them.
_TERRAFORM_1_9_TEXT = """
abs ceil floor log max min parseint pow signum
chomp endswith format formatlist indent join lower regex regexall replace split startswith strcontains strrev
substr templatestring title trim trimprefix trimsuffix trimspace upper
alltrue anytrue chunklist coalesce coalescelist compact concat contains distinct element flatten index keys
length list lookup map matchkeys merge one range reverse setintersection setproduct setsubtract setunion slice
sort sum transpose values zipmap
base64decode base64encode base64gzip csvdecode jsondecode jsonencode textdecodebase64 textencodebase64
urlencode yamldecode yamlencode
abspath dirname pathexpand basename file fileexists fileset filebase64 templatefile
formatdate plantimestamp timeadd timecmp timestamp
base64sha256 base64sha512 bcrypt filebase64sha256 filebase64sha512 filemd5 filesha1 filesha256 filesha512 md5
rsadecrypt sha1 sha256 sha512 uuid uuidv5
cidrhost cidrnetmask cidrsubnet cidrsubnets
can issensitive nonsensitive sensitive tobool tolist tomap tonumber toset tostring try type
"""
TERRAFORM_1_9 = _TERRAFORM_1_9_TEXT.split()
# Handled by the evaluator itself (they look at expressions or marks, not values).
EVALUATOR_FUNCTIONS = {"can", "try", "sensitive", "nonsensitive", "issensitive", "type", "list", "map"}


def documented() -> dict[str, str]:
    """function -> status, from the table of docs/terraform.md."""
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    return {name: status.strip() for name, status in rows}


def test_every_builtin_is_implemented_and_documented() -> None:
    table = documented()
    assert sorted(set(TERRAFORM_1_9) - set(table)) == [], "built-ins missing from docs/terraform.md"
    known = set(FUNCTIONS) | set(_FILE_FUNCTIONS) | EVALUATOR_FUNCTIONS
    assert sorted(set(TERRAFORM_1_9) - known) == [], "built-ins neither implemented nor handled"
    for name, status in table.items():
        assert status.split()[0].rstrip(":,") in ("implemented", "Unknown", "error"), (name, status)


def ev(text: str, root: Path | None = None, values: dict[str, Any] | None = None) -> Any:
    expr = parse_expression(text, "main.tf")
    kwargs: dict[str, Any] = {"file_root": str(root)} if root is not None else {}
    return Evaluator(DictScope(values or {}), "main.tf", **kwargs).evaluate(expr)


@pytest.mark.parametrize(("text", "expected"), [
    ("log(50, 10)", 1.6989700043360185),
    ("log(16, 2)", 4),
    ("log(1, 10)", 0),
    ('matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])', ["i-abc", "i-def"]),
    ('setproduct(["development", "staging", "production"], ["app1", "app2"])',
     [["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"],
      ["production", "app1"], ["production", "app2"]]),
    ('setproduct(["staging", "production"], [])', []),
    ('transpose({"a" = ["1", "2"], "b" = ["2", "3"]})', {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ('sha512("hello world")', "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da3"
                              "4255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"),
    ('base64sha512("hello world")', "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6Trp"
                                    "zXbw=="),
    ('uuidv5("dns", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ('uuidv5("url", "https://www.terraform.io/")', "9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"),
    ('uuidv5("oid", "1.3.6.1.4")', "af9d40a5-7a36-5c07-b23a-851cd99fbfa5"),
    ('uuidv5("x500", "CN=Example,C=GB")', "84e09961-4aa4-57f8-95b7-03edb1073253"),
    ('uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ('textencodebase64("Hello World", "UTF-16LE")', "SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
    ('textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")', "Hello World"),
    ('csvdecode("a,b,c\\n1,2,3\\n4,5,6")', [{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}]),
    ('yamlencode({"a":"b", "c":"d"})', '"a": "b"\n"c": "d"\n'),
    ('yamlencode({"foo":[1, 2, 3], "bar": "baz"})', '"bar": "baz"\n"foo":\n- 1\n- 2\n- 3\n'),
    ('yamlencode({"foo":[1, {"a":"b","c":"d"}, 3], "bar": "baz"})',
     '"bar": "baz"\n"foo":\n- 1\n- "a": "b"\n  "c": "d"\n- 3\n'),
    ('yamlencode({"a": {"b": true, "c": null}, "d": []})', '"a":\n  "b": true\n  "c": null\n"d": []\n'),
    ('formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")', "02 Jan 2018 23:12 UTC"),
    ('formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")', "Tuesday, 02-Jan-18 23:12:01 UTC"),
    ('formatdate("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00")', "Tue, 02 Jan 2018 23:12:01 -0800"),
    ('formatdate("MMM DD, YYYY", "2018-01-02T23:12:01Z")', "Jan 02, 2018"),
    ('formatdate("HH:mmaa", "2018-01-02T23:12:01Z")', "11:12pm"),
    ('formatdate("h\'h\'mm", "2018-01-02T23:12:01-08:00")', "23h12"),
    ('formatdate("YYYY-MM-DD\'T\'hh:mm:ssZ", "2018-01-02T23:12:01-08:00")', "2018-01-02T23:12:01-08:00"),
    ('timeadd("2017-11-22T00:00:00Z", "10m")', "2017-11-22T00:10:00Z"),
    ('timeadd("2017-11-22T00:00:00Z", "-1h30m")', "2017-11-21T22:30:00Z"),
    ('timeadd("2017-11-22T00:00:00+01:00", "1.5h")', "2017-11-22T01:30:00+01:00"),
    ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z")', 0),
    ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z")', -1),
    ('timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z")', 1),
    ('timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00")', 0),
    ('templatestring(local.t, {name = "world"})', "Hello, world!"),
    ('pathexpand("/etc/resolv.conf")', "/etc/resolv.conf"),
    ("issensitive(sensitive(1))", True),
    ("issensitive(1)", False),
])
def test_documented_examples(text: str, expected: Any) -> None:
    assert ev(text, values={"local": {"t": "Hello, ${name}!"}}) == expected


@pytest.mark.parametrize(("text", "words"), [
    ("timestamp()", "when Terraform applies"),
    ("plantimestamp()", "plans"),
    ("uuid()", "applies"),
    ('bcrypt("hello")', "salt"),
    ('base64gzip("hello")', "Go's compressor"),
    ('rsadecrypt("x", "y")', "private key"),
    ('pathexpand("~/.ssh/id_rsa")', "home directory"),
    ('timeadd("2017-11-22", "10m")', "RFC3339"),
    ('timeadd("2017-11-22T00:00:00Z", "10 minutes")', "invalid duration"),
    ('formatdate("QQ", "2017-11-22T00:00:00Z")', "invalid date format verb"),
    ('uuidv5("nope", "x")', "namespace"),
    ('matchkeys(["a"], [], [])', "equal"),
    ('textencodebase64("x", "not-an-encoding")', "IANA"),
    ('csvdecode("a,b\\n1")', "wrong number of fields"),
    ("type(1)", "terraform console"),
    ("list(1, 2)", "removed in Terraform 0.15"),
])
def test_what_cannot_be_known_or_is_wrong_is_unknown_with_a_reason(text: str, words: str) -> None:
    value = ev(text)
    assert isinstance(value, Unknown), value
    assert words in value.reason


def test_file_hashes_read_bytes_inside_the_boundary_only(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    data = b"hello world\n\xff"
    (repo / "blob.bin").write_bytes(data)
    (tmp_path / "outside.txt").write_text("secret")
    expected = {
        "filemd5": hashlib.md5(data).hexdigest(),
        "filesha1": hashlib.sha1(data).hexdigest(),
        "filesha256": hashlib.sha256(data).hexdigest(),
        "filesha512": hashlib.sha512(data).hexdigest(),
        "filebase64sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
        "filebase64sha512": base64.b64encode(hashlib.sha512(data).digest()).decode(),
    }
    for name, digest in expected.items():
        assert ev(f'{name}("blob.bin")', root=repo) == digest
        outside = ev(f'{name}("../outside.txt")', root=repo)
        assert isinstance(outside, Unknown) and "outside" in outside.reason


def test_abspath_inside_the_boundary_only(tmp_path: Path) -> None:
    (tmp_path / "modules").mkdir()
    assert ev('abspath("modules")', root=tmp_path) == (tmp_path / "modules").as_posix()
    outside = ev('abspath("../..")', root=tmp_path)
    assert isinstance(outside, Unknown) and "outside" in outside.reason

"""What a report shows of hostile input: no secret in any format, and nothing a terminal would obey on the console.

Secrets are planted where a scanner would print them (a sensitive variable in an ingress description and a
for_each key, a plan's `after_sensitive` values, a Kubernetes Secret's data, a malformed Secret); control
characters and newline-forged lines are planted in for_each keys, Kubernetes names and file names.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
from click.testing import CliRunner

from scanner.cli import REPORT_FORMATS, main
from scanner.engine.redaction import SENSITIVE

# Every report format the command writes, the console with and without colour.
FORMATS = (("console", "--color"), *((fmt, "--no-color") for fmt in REPORT_FORMATS))

SECRET = "hunter2-SECRET"
KEY_SECRET = "k3y-SECRET"
CIDR_SECRET = "8.8.4.0/24"
PLAN_SECRET = "plan-desc-SECRET"
PLAN_NAME_SECRET = "plan-name-SECRET"
K8S_DATA = "k8s-data-SECRET"
K8S_STRING = "k8s-stringdata-SECRET"
K8S_MALFORMED = "k8s-malformed-SECRET"
CHILD_OUTPUT = "child-output-SECRET"
TFVARS_WORD = "tfvars-unquoted-SECRET"  # a reference, as Terraform reads it: its error must not quote it
TFVARS_BROKEN = "tfvars-broken-SECRET"
SOURCE_PASSWORD = "source-password-SECRET"  # credentials in module source URLs, quoted by their warnings
SOURCE_TOKEN = "source-token-SECRET"
PLANTED = (SECRET, SECRET.upper(), KEY_SECRET, CIDR_SECRET, PLAN_SECRET, PLAN_NAME_SECRET, K8S_DATA,
           base64.b64encode(K8S_DATA.encode()).decode(), K8S_STRING, K8S_MALFORMED, CHILD_OUTPUT, TFVARS_WORD,
           TFVARS_BROKEN, SOURCE_PASSWORD, SOURCE_TOKEN)

TERRAFORM = f"""
variable "db_password" {{
  type      = string
  default   = "{SECRET}"
  sensitive = true
}}

variable "tenant" {{
  default   = "{KEY_SECRET}"
  sensitive = true
}}

variable "office" {{
  default   = "{CIDR_SECRET}"
  sensitive = true
}}

locals {{
  label = "db ${{upper(var.db_password)}}"
}}

module "child" {{
  source = "./child"
  token  = var.db_password
}}

resource "aws_security_group" "db" {{
  for_each = toset(["public", var.tenant])
  name     = "db-${{each.key}}"

  ingress {{
    description = "db ${{var.db_password}} ${{local.label}}"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0", var.office]
  }}
}}

resource "aws_security_group" "app" {{
  name = module.child.name
  ingress {{
    description = module.child.name
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

variable "api_key" {{
  sensitive = true
}}

resource "aws_security_group" "key" {{
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.api_key]
  }}
}}

resource "aws_security_group" "lookup" {{
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [lookup({{ "x" = "0.0.0.0/0" }}, var.db_password)]
  }}
}}

module "private" {{
  source = "git::https://deploy:{SOURCE_PASSWORD}@git.example.com/infra/sg.git?ref=v1"
}}

module "signed" {{
  source = "https://storage.example.com/sg.zip?token={SOURCE_TOKEN}"
}}
"""

CHILD = f"""
variable "token" {{
  type = string
}}

output "name" {{
  value     = "{CHILD_OUTPUT}-${{var.token}}"
  sensitive = true
}}
"""


def _plan() -> dict[str, Any]:
    after = {"name": PLAN_NAME_SECRET, "ingress": [{
        "description": PLAN_SECRET, "from_port": 22, "to_port": 22, "protocol": "tcp",
        "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [],
        "self": False}]}
    return {
        "format_version": "1.2", "terraform_version": "1.7.5",
        "resource_changes": [{
            "address": "aws_security_group.planned", "mode": "managed", "type": "aws_security_group",
            "name": "planned", "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {"id": True},
                       "before_sensitive": False,
                       "after_sensitive": {"name": True, "ingress": [{"description": True}]}},
        }],
    }


KUBERNETES = f"""apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: {base64.b64encode(K8S_DATA.encode()).decode()}
stringData:
  token: {K8S_STRING}
---
apiVersion: v1
kind: Service
metadata:
  name: ssh
spec:
  type: LoadBalancer
  ports:
    - port: 22
"""

MALFORMED_SECRET = f"""apiVersion: v1
kind: Secret
metadata:
  name: broken
data:
  password: !!int {K8S_MALFORMED}
"""


def _report(tmp: Path, fmt: str, colour: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["scan", ".", "--format", fmt, colour, "--sarif", "also.sarif"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output + (tmp / "also.sarif").read_text(encoding="utf-8")


def test_no_planted_secret_reaches_any_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tf" / "child").mkdir(parents=True)
    (tmp_path / "tf" / "main.tf").write_text(TERRAFORM)
    (tmp_path / "tf" / "child" / "main.tf").write_text(CHILD)
    (tmp_path / "tf" / "terraform.tfvars").write_text(f"api_key = {TFVARS_WORD}\n")
    (tmp_path / "tf" / "broken.auto.tfvars").write_text(f'api_key = "x" {TFVARS_BROKEN}\n')
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "plan.json").write_text(json.dumps(_plan(), indent=2))
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "secret.yaml").write_text(KUBERNETES)
    (tmp_path / "k8s" / "broken.yaml").write_text(MALFORMED_SECRET)
    monkeypatch.chdir(tmp_path)
    for fmt, colour in FORMATS:
        code, text = _report(tmp_path, fmt, colour)
        assert code == 2, text  # findings, and the malformed Secret's error
        leaked = [s for s in PLANTED if s in text]
        assert not leaked, f"{fmt}: {leaked} printed"
        assert SENSITIVE in text
    log = json.loads(CliRunner().invoke(main, ["scan", ".", "--format", "json"]).output)
    # The rules judged the real values: both for_each instances (the set is sensitive as a whole, as in Terraform),
    # the group named by a sensitive module output, the plan and the Service still fail.
    failed = sorted((f["rule_id"], f["status"], f["resource"]) for f in log["findings"])
    hidden_key = f'aws_security_group.db["{SENSITIVE}"]'
    assert failed == [
        ("NET-001", "fail", "Service/default/ssh"),
        ("NET-001", "fail", "aws_security_group.app"),
        ("NET-001", "fail", hidden_key),
        ("NET-001", "fail", hidden_key),
        ("NET-001", "fail", "aws_security_group.planned"),
        ("NET-001", "unknown", "aws_security_group.key"),
        ("NET-001", "unknown", "aws_security_group.lookup"),
    ], failed
    messages = {f["resource"]: f["message"] for f in log["findings"]}
    assert messages[hidden_key] == f"0.0.0.0/0, {SENSITIVE} can reach 22 (TCP) (rule '{SENSITIVE}')"
    assert messages["aws_security_group.lookup"].startswith(f'could not evaluate: peers: lookup(): key "{SENSITIVE}"')
    assert messages["aws_security_group.planned"] == f"0.0.0.0/0 can reach 22 (TCP) (rule '{SENSITIVE}')"
    errors = {e["path"]: e for e in log["errors"]}
    main_tf = [e["message"] for e in log["errors"] if e["path"] == "tf/main.tf"]
    assert any("for_each is derived from a sensitive value" in m for m in main_tf)
    assert any(f"deploy:{SENSITIVE}@git.example.com" in m for m in main_tf)
    assert errors["k8s/broken.yaml"]["level"] == "error"
    assert errors["tf/broken.auto.tfvars"]["message"].endswith('found "…"')


PLANTED_CONTROLS = ("\x1b[2J", "\x1b]8;;https://evil.example/\x07", "\x9b5m", "\x07", "\u202e", "\u2066")

HOSTILE_KEYS_TF = """
resource "aws_security_group" "web" {
  for_each = toset([
    "a\\u001b[2J",
    "b\\u001b]8;;https://evil.example/\\u0007link\\u001b]8;;\\u0007",
    "c\\u009b5m\\u0007",
    "d\\u202eevil\\u2066",
    "e\\n    1  critical NET-999 critical forged",
  ])
  ingress {
    description = "x\\n  NET-999 critical forged \\u001b[2J"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

module "gone" {
  source = "./missing\\u001b[2J\\nNET-999 critical forged"
}
"""

HOSTILE_NAMES_YAML = """apiVersion: v1
kind: Service
metadata:
  name: "ssh\\e[2J\\u009b5m\\a"
  namespace: "ns\\u202e\\n    22  critical NET-999 critical forged"
spec:
  type: LoadBalancer
  ports:
    - port: 22
"""

# Tenet's own colours (click.style of its labels): the only escape sequences the console may contain.
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_OWN = {code for fg in ("magenta", "red", "yellow", "cyan", "blue")
        for code in _SGR.findall(click.style("x", fg=fg, bold=True, underline=True, dim=True))}


def _raw_controls(text: str) -> list[str]:
    """Characters a terminal would act on, other than line ends and Tenet's own colours."""
    text = _SGR.sub(lambda m: "" if m.group() in _OWN else m.group(), text)
    return [ch for ch in text if ch != "\n" and not ch.isprintable()]


def test_console_shows_hostile_strings_escaped_and_json_sarif_exact(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "main.tf").write_text(HOSTILE_KEYS_TF)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "svc.yaml").write_text(HOSTILE_NAMES_YAML)
    evil_dir = tmp_path / "f\x1b[2J\u202e\n    1  critical NET-999 critical forged"
    evil_dir.mkdir()
    (evil_dir / "main.tf").write_text(HOSTILE_KEYS_TF.split('\nmodule "gone"')[0])
    (evil_dir / "broken\x07.tf").write_text('resource "x" {\n')
    monkeypatch.chdir(tmp_path)

    for colour in ("--no-color", "--color"):
        run = CliRunner().invoke(main, ["scan", ".", colour])
        code, console = run.exit_code, run.output
        assert code == 2, console
        assert _raw_controls(console) == [], console
        # No line of its own for the planted text: NET-999 only ever follows an escaped "\n" inside a line.
        forged = [line for line in console.splitlines() if "NET-999" in line and "\\n" not in line.split("NET-999")[0]]
        assert forged == [], forged
        # Shown, escaped the way a rule description is: readable, inert.
        for shown in ("\\x1b[2J", "\\x1b]8;;https://evil.example/\\x07link", "\\x9b5m\\x07", "\\u202eevil\\u2066",
                      "\\n    1  critical NET-999"):
            assert shown in console, shown

    # The command's own errors quote the input too (a configuration key from the pull request).
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / ".tenet.toml").write_text('"evil\\u001b[2J\\u009b\\nNET-999 critical forged" = 1\n')
    (tmp_path / "cfg" / "main.tf").write_text("")
    run = CliRunner().invoke(main, ["scan", "cfg"])
    assert run.exit_code == 2 and _raw_controls(run.output) == [], run.output
    assert "evil\\x1b[2J\\x9b\\nNET-999 critical forged: unknown key" in run.output, run.output

    # GitHub workflow commands: one command per line, none started by the input.
    github = CliRunner().invoke(main, ["scan", ".", "--format", "github"]).output
    assert _raw_controls(github) == [], github
    *commands, summary = github.splitlines()
    assert all(c.startswith(("::error ", "::warning ", "::notice ")) for c in commands), commands
    assert "NET-999" not in summary and "%0A    1  critical NET-999" in github

    # JSON and SARIF: the exact strings once parsed, and inert as text (escaped by their format).
    json_text = CliRunner().invoke(main, ["scan", ".", "--format", "json"]).output
    sarif_text = CliRunner().invoke(main, ["scan", ".", "--format", "sarif"]).output
    assert _raw_controls(json_text) == [] and _raw_controls(sarif_text) == []
    log = json.loads(json_text)
    resources = {f["resource"] for f in log["findings"]}
    assert 'aws_security_group.web["e\n    1  critical NET-999 critical forged"]' in resources
    assert 'aws_security_group.web["b\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07"]' in resources
    assert "Service/ns\u202e\n    22  critical NET-999 critical forged/ssh\x1b[2J\x9b5m\x07" in resources
    paths = {f["location"]["path"] for f in log["findings"] if f["location"]}
    assert f"{evil_dir.name}/main.tf" in paths
    assert any(e["path"] == f"{evil_dir.name}/broken\x07.tf" for e in log["errors"])

    sarif = json.loads(sarif_text)
    schema = json.loads((Path(__file__).parent / "reports" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(sarif)] == []
    texts = "\n".join(r["message"]["text"] for r in sarif["runs"][0]["results"])
    for planted in PLANTED_CONTROLS:
        assert planted in texts, planted
    assert 'aws_security_group.web["e\n    1  critical NET-999 critical forged"]' in texts


def test_a_file_name_that_is_not_utf8_is_scanned_and_shown_escaped(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Python keeps such a name's bytes as lone surrogates, which no report can write: shown as `\\xff`, the
    file's findings are kept in every format (a rule failed on it, and SARIF ended in a traceback)."""
    import os

    os.mkdir(bytes(tmp_path) + b"/bad\xff")
    with open(bytes(tmp_path) + b"/bad\xff/main.tf", "w") as handle:
        handle.write(HOSTILE_KEYS_TF.split('\nmodule "gone"')[0])
    with open(bytes(tmp_path) + b"/k\xfe.yaml", "w") as handle:
        handle.write(HOSTILE_NAMES_YAML)
    monkeypatch.chdir(tmp_path)
    for fmt, colour in FORMATS:
        code, text = _report(tmp_path, fmt, colour)
        assert code == 1, f"{fmt}: {text}"
        text = text.replace("\\\\", "\\").replace("%5C", "\\")  # as JSON and SARIF URIs escape the backslash
        assert "bad\\xff/main.tf" in text and "k\\xfe.yaml" in text, fmt

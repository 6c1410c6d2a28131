"""Hostile and broken input: each case is a clear error entry, the rest of the scan is intact, and it is quick."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.engine.findings import ErrorLevel, Severity
from scanner.gating import Gating
from scanner.scan import Scanner, ScanResult

OPEN_SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
) + "apiVersion: v1\nkind: ConfigMap\n"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """One directory (one module per case, so each parse error stands alone) plus one good file."""
    cases = {
        "good/sg.tf": OPEN_SSH,
        "nested/main.tf": "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "heredoc/main.tf": 'resource "x" "y" {\n  policy = <<EOF\n{"Statement": []}\n',
        "utf8/main.tf": None,
        "binary/main.tf": None,
        "big/main.tf": None,
        "bomb.yaml": BILLION_LAUGHS,
        "deep.yaml": "a: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "unterminated/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x\n}\n',
        "count/main.tf": 'resource "aws_security_group" "many" {\n  count = 1e9\n}\n',
        "deep/plan.json": '{"format_version": "1.2", "terraform_version": "1.7.5", "x": '
                          + "[" * 100_000 + "]" * 100_000 + "}\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is not None:
            path.write_text(text)
    (tmp_path / "utf8/main.tf").write_bytes(b'resource "a" "b" {\n  name = "caf\xe9"\n}\n')
    (tmp_path / "binary/main.tf").write_bytes(bytes(range(256)) * 64)
    with (tmp_path / "big/main.tf").open("wb") as f:  # 50 MB
        f.write(b"# " + b"x" * (50 * 1024 * 1024) + b"\n")
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "again").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling.tf").symlink_to(tmp_path / "missing.tf")
    os.mkfifo(tmp_path / "pipe.yaml")
    return tmp_path


def test_every_hostile_case_is_an_error_and_the_good_file_is_still_scanned(hostile: Path) -> None:
    result = Scanner(cwd=hostile).scan([hostile])
    assert [(f.rule_id, f.location.path) for f in result.findings if f.location] == [("NET-001", "good/sg.tf")]
    errors = {e.path: e for e in result.errors}
    expected = {
        "nested/main.tf": "nest",
        "heredoc/main.tf": "heredoc",
        "utf8/main.tf": "invalid UTF-8",
        "binary/main.tf": "binary",
        "big/main.tf": "too large",
        "bomb.yaml": "alias",
        "deep.yaml": "nest",
        "unterminated/main.tf": "",
        "pipe.yaml": "not a regular file",
        "dangling.tf": "broken symbolic link",
        "count/main.tf": "more than the limit of 10000 (max-instances)",
        "deep/plan.json": "nested too deeply",
    }
    for path, words in expected.items():
        assert path in errors, f"no error entry for {path}"
        assert words.lower() in errors[path].message.lower(), errors[path]
    assert errors["utf8/main.tf"].line == 2
    assert errors["heredoc/main.tf"].line == 2
    assert any("symbolic link loop" in e.message for e in result.errors if e.level is ErrorLevel.WARNING)
    assert result.exit_code(None) == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN_SSH)
    (tmp_path / "main.tf").chmod(0)
    result = Scanner(cwd=tmp_path).scan([tmp_path])
    assert [e.message for e in result.errors] == ["cannot read file: Permission denied"]


SECRET = "TOPSECRET-7f3a"


def _reports(result: ScanResult, cwd: Path) -> str:
    """Every report format, as one text to grep."""
    from scanner.reports import console, sarif
    from scanner.reports import json as json_report

    return "\n".join([console.render(result, colour=False), json_report.render(result),
                      sarif.render(result, category="tenet/", cwd=cwd)])


def _repository(path: Path) -> Path:
    (path / ".git").mkdir(parents=True)
    return path


@pytest.fixture
def escape(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose code reaches out of it in every way Tenet reads files, and an outside full of bait:
    a secret, a passwd-like file, and Terraform that would be a finding if it were read."""
    outside = tmp_path / "outside"
    (outside / "other-repo").mkdir(parents=True)
    (outside / "other-repo" / "sg.tf").write_text(OPEN_SSH.replace('"ssh"', '"stolen"'))
    (outside / "secret").write_text(f"{SECRET}\n")
    (outside / "passwd").write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n")
    (outside / "t.tpl").write_text(SECRET)
    repo = _repository(tmp_path / "work" / "pr-repo")
    (repo / "good.tf").write_text(OPEN_SSH)
    (repo / "link").symlink_to(outside / "other-repo")                 # a directory link leading out
    (repo / "x.tf").symlink_to(outside / "passwd")                     # a file link leading out
    (repo / "environ.yaml").symlink_to("/proc/self/environ")           # the kernel's view of the environment
    files = repo / "files"
    files.mkdir()
    (files / "main.tf").write_text(
        'resource "aws_security_group" "read" {\n'
        '  for_each    = toset([file("${path.module}/../../../outside/secret")])\n'
        '  ingress {\n'
        '    description = templatefile("${path.module}/../../../outside/t.tpl", {})\n'
        '    cidr_blocks = fileset("${path.module}/../../../outside", "*")\n'
        '    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n'
        '  }\n'
        '}\n'
        'module "stolen" {\n  source = "../../../outside/other-repo"\n}\n'
        'module "registry" {\n  source = "example/sg/aws"\n}\n'
    )
    manifest = files / ".terraform" / "modules"
    manifest.mkdir(parents=True)
    (manifest / "modules.json").write_text(
        '{"Modules": [{"Key": "registry", "Source": "example/sg/aws", "Dir": "../../../outside/other-repo"}]}')
    return tmp_path, repo


def test_nothing_outside_the_repository_is_read_or_echoed(escape: tuple[Path, Path]) -> None:
    # The working directory holds the repository: it must not widen what may be read.
    cwd, repo = escape
    result = Scanner(cwd=cwd).scan([repo])
    assert [(f.rule_id, f.location.path) for f in result.failed if f.location] == [
        ("NET-001", "work/pr-repo/good.tf")]
    assert not any("stolen" in f.resource for f in result.findings)
    warnings = {(e.path, e.line): e.message for e in result.errors if e.level is ErrorLevel.WARNING}
    assert warnings[("work/pr-repo/link", None)] == \
        "symbolic link resolves outside the scanned repository; not followed"
    assert warnings[("work/pr-repo/x.tf", None)] == "symbolic link resolves outside the scanned repository; not read"
    assert warnings[("work/pr-repo/environ.yaml", None)] == \
        "symbolic link resolves outside the scanned repository; not read"
    main = "work/pr-repo/files/main.tf"
    # path.module is "." in the root module, as Terraform (run in that directory) has it.
    assert warnings[(main, 2)] == ('file(): "./../../../outside/secret" resolves outside the '
                                   "scanned repository; not read")
    assert "templatefile()" in warnings[(main, 4)] and "fileset()" in warnings[(main, 5)]
    assert "'../../../outside/other-repo' resolves outside the scanned repository" in warnings[(main, 11)]
    assert "'example/sg/aws' resolves outside the scanned repository" in warnings[(main, 14)]
    # The resource whose for_each came from outside is there, unknown: never a pass, never the content.
    assert any(f.resource == "aws_security_group.read" for f in result.unknown)
    assert SECRET not in _reports(result, cwd)
    assert "root" not in "\n".join(e.message for e in result.errors)  # the link's target is not parsed


def test_a_configuration_in_the_repository_names_no_baseline_outside_it(escape: tuple[Path, Path]) -> None:
    from scanner.config import ConfigError
    from scanner.engine.registry import load_rules
    from scanner.gating import prepare

    cwd, repo = escape
    (repo / ".tenet.toml").write_text('baseline = "../../outside/passwd"\n')
    with pytest.raises(ConfigError) as info:
        prepare([repo], cwd=cwd, all_rules=load_rules())
    assert str(info.value) == ("work/pr-repo/.tenet.toml: baseline: '../../outside/passwd' resolves outside the "
                               "scanned repository; not read")


def test_the_codes_links_among_the_operators_files_lead_nowhere_outside(escape: tuple[Path, Path]) -> None:
    """Files named by options or found by the configuration search are read where they are, but one lying in
    the repository is the code's: its link leading out is refused (with the operator's options too), and so is
    a policy file linked out, and a `git::file://` module source. A variables file's syntax error quotes no
    word of it, whichever quoted span the word is."""
    from scanner.config import ConfigError
    from scanner.engine.registry import load_rules
    from scanner.gating import prepare
    from scanner.sources.terraform.download import DownloadError, ModuleDownloader

    cwd, repo = escape
    outside = cwd / "outside"
    (outside / "evil.py").write_text("raise SystemExit('imported from outside')\n")
    (repo / "policies").mkdir()
    (repo / "policies" / "evil.py").symlink_to(outside / "evil.py")
    (repo / "base.json").symlink_to(outside / "passwd")
    (repo / "prod.tfvars").symlink_to(outside / "passwd")
    (repo / "vars").mkdir()
    (repo / "vars" / "main.tf").write_text('variable "pw" {\n  sensitive = true\n}\n')
    (repo / "vars" / "terraform.tfvars").write_text(f"{SECRET}:x:0:0\n")
    rules = load_rules()

    def refused(**options: object) -> str:
        with pytest.raises(ConfigError) as info:
            prepare([repo], cwd=cwd, all_rules=rules, **options)  # type: ignore[arg-type]
        return str(info.value)

    linked = "symbolic link resolves outside the scanned repository; not read"
    assert refused(policy_dirs=[repo / "policies"]) == f"work/pr-repo/policies/evil.py: {linked}"
    assert refused(baseline_file=repo / "base.json") == f"work/pr-repo/base.json: {linked}"
    (repo / ".tenet.toml").symlink_to(outside / "passwd")
    assert refused() == f"work/pr-repo/.tenet.toml: {linked}"
    assert refused(config_file=repo / ".tenet.toml") == f"work/pr-repo/.tenet.toml: {linked}"
    (repo / ".tenet.toml").unlink()
    (repo / ".tenet.toml").write_text('policy-paths = ["policies"]\n')
    assert refused() == f"work/pr-repo/policies/evil.py: {linked}"

    result = Scanner(cwd=cwd, var_files=[repo / "prod.tfvars"]).scan([repo])
    warnings = {e.path: e.message for e in result.errors if e.level is ErrorLevel.WARNING}
    assert warnings["work/pr-repo/prod.tfvars"] == linked
    errors = [e.message for e in result.errors if e.path == "work/pr-repo/vars/terraform.tfvars"]
    assert errors and SECRET not in "\n".join(errors) and '"…"' in errors[0]
    assert SECRET not in _reports(result, cwd) and "root" not in "\n".join(e.message for e in result.errors)

    # Reports and baselines are not written through the code's links leading out, nor into a FIFO.
    from scanner.sources.boundary import NotOpened, write_output

    (outside / "bashrc").write_text("kept\n")
    (repo / "tenet.sarif").symlink_to(outside / "bashrc")
    (repo / "reports").symlink_to(outside)
    os.mkfifo(repo / "pipe.json")
    for target in (repo / "tenet.sarif", repo / "reports" / "new.json", repo / "pipe.json"):
        with pytest.raises((NotOpened, OSError)):
            write_output(target, "{}")
    assert (outside / "bashrc").read_text() == "kept\n" and not (outside / "new.json").exists()
    write_output(repo / "ok.sarif", "{}")
    assert (repo / "ok.sarif").read_text() == "{}"

    with pytest.raises(DownloadError, match="a file:// source outside the scanned repository is not read"):
        ModuleDownloader(cache_dir=cwd / "cache").fetch(f"git::file://{outside}/other-repo", None)
    assert not (cwd / "cache").exists()


def test_fifos_sockets_and_devices_are_entries_and_never_opened(tmp_path: Path) -> None:
    import socket

    repo = _repository(tmp_path / "repo")
    (repo / "good.tf").write_text(OPEN_SSH)
    (repo / "pipe").mkdir()
    os.mkfifo(repo / "pipe" / "main.tf")  # opening it for reading would block the scan forever
    os.mkfifo(repo / "terraform.tfvars")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(repo / "sock.yaml"))
    (repo / "zero.tf").symlink_to("/dev/zero")
    try:
        result = Scanner(cwd=repo).scan([repo])
        named = Scanner(cwd=repo).scan([repo / "pipe" / "main.tf"])
        os.mkfifo(repo / "inventory.json")  # JSON is claimed by a look inside: a FIFO cannot be looked into
        sniffed = Scanner(cwd=repo).scan([repo / "inventory.json"])
    finally:
        server.close()
    errors = {e.path: e for e in result.errors}
    for path in ("pipe/main.tf", "terraform.tfvars", "sock.yaml"):
        assert errors[path].level is ErrorLevel.ERROR and "not a regular file" in errors[path].message, path
    assert errors["zero.tf"].message == "symbolic link resolves outside the scanned repository; not read"
    assert [f.rule_id for f in result.failed] == ["NET-001"]
    assert result.exit_code(None) == 2
    assert [(e.path, e.message, e.level) for e in named.errors] == [
        ("pipe/main.tf", "not a regular file (a FIFO, socket or device is never read)", ErrorLevel.ERROR)]
    assert [(e.path, e.message, e.level) for e in sniffed.errors] == [
        ("inventory.json", "not a regular file (a FIFO, socket or device is never read)", ErrorLevel.ERROR)]


def test_no_pull_request_turns_the_gate_green_by_hiding_code(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    # A directory that calls itself: it is still evaluated as a root, and the self-call is an error.
    (repo / "self").mkdir()
    (repo / "self" / "main.tf").write_text(OPEN_SSH + 'module "self" {\n  source = "./"\n}\n')
    # Two directories that call each other.
    for name, other in (("a", "b"), ("b", "a")):
        (repo / name).mkdir()
        (repo / name / "main.tf").write_text(OPEN_SSH.replace('"ssh"', f'"{name}"')
                                             + f'module "{other}" {{\n  source = "../{other}"\n}}\n')
    # A module whose open CIDR comes from terraform.tfvars, the only file pre-commit hands in.
    (repo / "vars").mkdir()
    (repo / "vars" / "main.tf").write_text(OPEN_SSH.replace('["0.0.0.0/0"]', "[var.ssh_cidr]"))
    (repo / "vars" / "variables.tf").write_text('variable "ssh_cidr" {\n  type = string\n}\n')
    (repo / "vars" / "terraform.tfvars").write_text('ssh_cidr = "0.0.0.0/0"\n')
    # The CIDR set in one file's local, read through another file's resource, used by a third file.
    (repo / "flow").mkdir()
    (repo / "flow" / "locals.tf").write_text('locals {\n  open = "0.0.0.0/0"\n}\n')
    (repo / "flow" / "network.tf").write_text('resource "aws_vpc" "main" {\n  cidr_block = local.open\n}\n')
    (repo / "flow" / "sg.tf").write_text(OPEN_SSH.replace('["0.0.0.0/0"]', "[aws_vpc.main.cidr_block]"))
    (repo / "flow" / "clean.tf").write_text(OPEN_SSH.replace('"ssh"', '"unrelated"'))
    (repo / "flow" / "prod.tfvars").write_text('open = "0.0.0.0/0"\n')
    (repo / "README.md").write_text("# nothing to scan\n")
    (repo / "empty").mkdir()

    whole = Scanner(cwd=repo).scan([repo])
    found = {(f.rule_id, f.location.path, f.resource) for f in whole.failed if f.location}
    assert ("NET-001", "self/main.tf", "aws_security_group.ssh") in found
    assert {("NET-001", "a/main.tf", "aws_security_group.a"), ("NET-001", "b/main.tf", "aws_security_group.b")} <= {
        (r, p, res.removeprefix("module.b.").removeprefix("module.a.")) for r, p, res in found}
    cycles = {(e.path, e.line): e.message for e in whole.errors if e.level is ErrorLevel.ERROR}
    assert cycles[("self/main.tf", 9)] == \
        "module 'self' calls its own directory (source './'): a module cannot call itself"
    assert "module call cycle (a -> b -> a)" in cycles[("b/main.tf", 9)]
    assert whole.exit_code(None) == 2

    for handed in ("vars/terraform.tfvars", "vars/variables.tf"):
        hook = Scanner(cwd=repo).scan([repo / handed])
        assert [(f.rule_id, f.location.path) for f in hook.failed if f.location] == [("NET-001", "vars/main.tf")]
        assert hook.exit_code(Severity.LOW) == 1

    # Each file reports what its values reach, and not what they do not (clean.tf's own finding).
    for handed in ("flow/locals.tf", "flow/network.tf"):
        hook = Scanner(cwd=repo).scan([repo / handed])
        assert [(f.rule_id, f.location.path) for f in hook.failed if f.location] == [("NET-001", "flow/sg.tf")]
    vars_only = Scanner(cwd=repo).scan([repo / "flow" / "prod.tfvars"])
    assert [(e.path, e.level) for e in vars_only.errors] == [("flow/prod.tfvars", ErrorLevel.WARNING)]
    assert "only when given with -var-file" in vars_only.errors[0].message

    readme = Scanner(cwd=repo).scan([repo / "README.md"])
    assert [(e.path, e.level) for e in readme.errors] == [(None, ErrorLevel.ERROR), ("README.md", ErrorLevel.WARNING)]
    assert "no source reads this file" in readme.errors[1].message
    assert readme.exit_code(None) == 2
    nothing = Scanner(cwd=repo).scan([repo / "empty"])
    assert [e.message for e in nothing.errors] == [
        "nothing was scanned: no file among the paths given could be read by any source"]
    assert nothing.exit_code(None) == 2


def test_unclear_input_is_said_plainly(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    for name, data in {
        "utf16/main.tf": "\ufeff".encode("utf-16-le") + OPEN_SSH.encode("utf-16-le"),
        "utf32/main.tf": OPEN_SSH.encode("utf-32"),  # with its byte order mark
        "utf16-no-bom/main.tf": OPEN_SSH.encode("utf-16-be"),
        "tfvars/main.tf": b'variable "token" {\n  type = string\n}\n',
        "tfvars/terraform.tfvars": b'region = "eu-west-1"\ntoken = hunter2SECRET\nother = upper("x")\n',
    }.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    (repo / "loop").mkdir()
    (repo / "loop" / "a.tf").symlink_to("b.tf")
    (repo / "loop" / "b.tf").symlink_to("a.tf")
    (repo / "loop" / "ok.tf").write_text("")
    result = Scanner(cwd=repo).scan([repo])
    assert sorted((f.rule_id, f.location.path) for f in result.failed if f.location) == [
        ("NET-001", "utf16/main.tf"), ("NET-001", "utf32/main.tf")]
    entries = [(e.path, e.line, e.level, e.message) for e in result.errors]
    assert ("utf16-no-bom/main.tf", None, ErrorLevel.ERROR,
            "UTF-16BE text without a byte order mark: save it as UTF-8 (or with a BOM)") in entries
    assert ("tfvars/terraform.tfvars", 2, ErrorLevel.ERROR, "Variables not allowed: variables may not be used here "
            "(the value of 'token' must be a literal: quote strings)") in entries
    assert ("tfvars/terraform.tfvars", 3, ErrorLevel.ERROR,
            "Functions may not be called here (the value of 'other' must be a literal: quote strings)") in entries
    assert "hunter2SECRET" not in "\n".join(e.message for e in result.errors)
    # Each link of the loop is one entry, whoever met it first (the walk, or the module's reading).
    assert [(p, m) for p, _, _, m in entries if p and p.startswith("loop/")] == [
        ("loop/a.tf", "symbolic link loop; not read"), ("loop/b.tf", "symbolic link loop; not read")]


def test_a_link_inside_the_repository_does_not_move_code_under_another_name(tmp_path: Path) -> None:
    from scanner.config import Excluder

    repo = _repository(tmp_path / "repo")
    (repo / "prod").mkdir()
    (repo / "prod" / "sg.tf").write_text(OPEN_SSH)
    (repo / "examples").mkdir()
    (repo / "examples" / "prod").symlink_to("../prod")  # walked first; its code is reported where it is
    (repo / "shared").mkdir()
    (repo / "shared" / "sg.tf").write_text(OPEN_SSH.replace('"ssh"', '"shared"'))
    (repo / "prod" / "shared").symlink_to("../shared")  # a module directory linked in, as teams do
    gating = Gating(exclude=Excluder(repo, ["examples/**"]))
    result = Scanner(cwd=repo, gating=gating).scan([repo])
    assert sorted((f.location.path, f.resource) for f in result.failed if f.location) == [
        ("prod/sg.tf", "aws_security_group.ssh"), ("shared/sg.tf", "aws_security_group.shared")]
    assert result.errors == []
    # Scanning prod alone, the linked directory inside the repository is followed.
    alone = Scanner(cwd=repo).scan([repo / "prod"])
    assert sorted(f.location.path for f in alone.failed if f.location) == ["prod/sg.tf", "prod/shared/sg.tf"]

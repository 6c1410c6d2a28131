"""The pre-commit hook, driven by the real `pre-commit` in throw-away git repositories.

The hook repository is a snapshot of this working tree (tracked and untracked
files, ignored ones left out) committed to a temporary repository: `pre-commit
try-repo` on the working tree itself would only see HEAD plus changes to
tracked files, and miss new files. pre-commit installs it with pip
(`language: python`) like a user's machine does; the `git commit` tests share
one PRE_COMMIT_HOME so that install happens once, while `try-repo` always
installs into a fresh store of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = (sys.executable, "-m", "pre_commit")

OPEN_SSH = """resource "aws_security_group" "ssh" {
  name = "ssh"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
CLEAN = OPEN_SSH.replace("0.0.0.0/0", "10.1.0.0/16")
# The CIDR comes from a variable whose default lives in variables.tf, a file the hook is not handed.
FROM_VARIABLE = OPEN_SSH.replace('["0.0.0.0/0"]', "[var.ssh_cidr]")
VARIABLES = 'variable "ssh_cidr" {\n  type    = string\n  default = "%s"\n}\n'


@dataclass(frozen=True)
class HookRepo:
    path: Path
    rev: str


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    empty = home / "gitconfig"
    empty.touch()
    env.update({
        "PRE_COMMIT_HOME": str(home / "pre-commit"),
        "PRE_COMMIT_COLOR": "never",
        "GIT_CONFIG_GLOBAL": str(empty),  # the user's git settings (signing, hooks path) stay out of it
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    })
    return env


def _run(args: tuple[str, ...] | list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = _run(["git", *args], cwd, env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def hook_repo(home: Path) -> HookRepo:
    """This working tree, committed as a hook repository."""
    env = _env(home)
    listed = _git(ROOT, env, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    dest = home / "tenet"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # deleted but still tracked files are left out, as in the working tree
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    _git(dest, env, "init", "-q")
    _git(dest, env, "add", ".")
    _git(dest, env, "commit", "-q", "-m", "snapshot")
    return HookRepo(dest, _git(dest, env, "rev-parse", "HEAD").strip())


def _project(path: Path, env: dict[str, str]) -> Path:
    path.mkdir()
    _git(path, env, "init", "-q")
    return path


@pytest.fixture
def project(tmp_path: Path, home: Path, hook_repo: HookRepo) -> Iterator[tuple[Path, dict[str, str]]]:
    """A repository whose commits run the tenet hook."""
    env = _env(home)
    path = _project(tmp_path / "project", env)
    (path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo.path}\n    rev: {hook_repo.rev}\n    hooks:\n      - id: tenet\n")
    _git(path, env, "add", ".pre-commit-config.yaml")
    _git(path, env, "commit", "-q", "-m", "pre-commit configuration")
    install = _run([*PRE_COMMIT, "install"], path, env)
    assert install.returncode == 0, install.stdout + install.stderr
    yield path, env


def _commit(path: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    _git(path, env, "add", *files)
    return _run(["git", "commit", "-m", "change"], path, env)


def _commits(path: Path, env: dict[str, str]) -> int:
    proc = _run(["git", "rev-list", "--count", "HEAD"], path, env)
    return int(proc.stdout) if proc.returncode == 0 else 0


def test_try_repo_blocks_ssh_open_to_the_world(tmp_path: Path, home: Path, hook_repo: HookRepo) -> None:
    env = _env(home)
    path = _project(tmp_path / "project", env)
    (path / "network").mkdir()
    (path / "network" / "sg.tf").write_text(OPEN_SSH)
    _git(path, env, "add", "network/sg.tf")
    proc = _run([*PRE_COMMIT, "try-repo", str(hook_repo.path), "tenet", "--files", "network/sg.tf"], path, env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert re.search(r"^tenet\.+Failed$", out, re.MULTILINE), out
    assert "- exit code: 1" in out
    report = out[out.index("network/sg.tf:"):].splitlines()
    assert report[:2] == [
        "network/sg.tf:3:3: critical NET-001  Administrative ports are reachable from the internet  [fails]",
        "    aws_security_group.ssh: 0.0.0.0/0 can reach 22 (TCP)",
    ]


def test_a_finding_blocks_the_commit_and_a_clean_file_passes(project: tuple[Path, dict[str, str]]) -> None:
    path, env = project
    (path / "sg.tf").write_text(OPEN_SSH)
    blocked = _commit(path, env, "sg.tf")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, out
    assert re.search(r"^tenet\.+Failed$", out, re.MULTILINE), out
    assert "\nsg.tf:3:3: critical NET-001  Administrative ports are reachable from the internet  [fails]\n" in out
    assert _commits(path, env) == 1

    (path / "sg.tf").write_text(CLEAN)
    passed = _commit(path, env, "sg.tf")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^tenet\.+Passed$", passed.stdout + passed.stderr, re.MULTILINE)
    assert _commits(path, env) == 2


def test_a_variable_default_in_a_sibling_file_is_used(project: tuple[Path, dict[str, str]]) -> None:
    path, env = project
    (path / "variables.tf").write_text(VARIABLES % "0.0.0.0/0")
    assert _commit(path, env, "variables.tf").returncode == 0  # no resources: nothing to find
    (path / "main.tf").write_text(FROM_VARIABLE)
    blocked = _commit(path, env, "main.tf")  # the hook is handed main.tf only
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, out
    assert "\nmain.tf:3:3: critical NET-001  Administrative ports are reachable from the internet  [fails]\n" in out
    assert "variables.tf" not in out  # the finding is where the resource is

    _git(path, env, "reset", "-q", "--", "main.tf")
    # Handed variables.tf alone, the hook reports its whole module: the value it sets opens SSH in main.tf.
    (path / "variables.tf").write_text(VARIABLES % "0.0.0.0/1")
    blocked = _commit(path, env, "variables.tf")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, out
    assert "\nmain.tf:3:3: critical NET-001  Administrative ports are reachable from the internet  [fails]\n" in out
    (path / "variables.tf").write_text(VARIABLES % "10.20.0.0/16")
    assert _commit(path, env, "variables.tf").returncode == 0
    passed = _commit(path, env, "main.tf")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert _git(path, env, "show", "--name-only", "--format=", "HEAD") == "main.tf\n"
    assert _commits(path, env) == 4


def test_an_inline_suppression_and_the_configuration_apply_in_the_hook(project: tuple[Path, dict[str, str]]) -> None:
    path, env = project
    (path / "pyproject.toml").write_text('[tool.tenet]\nfail-on = "critical"\n')
    (path / "sg.tf").write_text('# tenet:ignore NET-001 reason="bastion, SEC-42"\n' + OPEN_SSH)
    (path / "web.tf").write_text(OPEN_SSH.replace('"ssh"', '"web"').replace("= 22", "= 443"))  # low: below fail-on
    proc = _commit(path, env, "pyproject.toml", "sg.tf", "web.tf")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"^tenet\.+Passed$", out, re.MULTILINE), out


def test_files_that_are_not_infrastructure_are_not_handed_to_the_hook(project: tuple[Path, dict[str, str]]) -> None:
    path, env = project
    (path / "README.md").write_text("# readme\n")
    (path / "plan.txt").write_text("resource\n")
    proc = _commit(path, env, "README.md", "plan.txt")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"^tenet\.+\(no files to check\)Skipped$", out, re.MULTILINE), out


@pytest.mark.parametrize(
    ("name", "handed"),
    [
        ("main.tf", True),
        ("env/prod.tfvars", True),
        ("k8s/deploy.yaml", True),
        ("k8s/deploy.yml", True),
        ("plan.json", True),
        ("tfplan.json", True),
        ("out/prod.tfplan.json", True),
        ("out/prod.plan.json", True),
        ("out/prod-plan.json", True),
        ("out/prod_plan.json", True),
        ("package.json", False),
        ("planets.json", False),
        ("explanation.json", False),
        ("main.tf.bak", False),
        ("notes.md", False),
    ],
)
def test_hook_file_filter(name: str, handed: bool) -> None:
    """pre-commit hands a file to the hook when `files` matches it with re.search."""
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"], hook["require_serial"]) == (
        "tenet", "tenet scan", "python", True)
    assert (re.search(hook["files"], name) is not None) is handed

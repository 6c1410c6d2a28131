"""The worked example of docs/custom-policies.md against a live AWS account (a moto server): the same rule that
fails on a .tf security group fails on the security group as AWS describes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from tests.audit.conftest import World

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policies"


def test_the_example_policy_fails_on_a_live_security_group(aws_env: str, aws_world: World, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # The VPN range here is 10.0.0.0/16: the `scoped` group (SSH from 10.0.0.0/16) passes, `ssh-v4`
    # (SSH from 0.0.0.0/0) does not.
    (tmp_path / ".tenet.toml").write_text('[params]\ncorporate_vpn_cidr = "10.0.0.0/16"\n', encoding="utf-8")
    run = CliRunner().invoke(main, ["audit", "aws", "--regions", "us-east-1", "--policies", str(EXAMPLE),
                                    "--format", "json", "--fail-on", "none"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)
    corp = {f["resource"]: f["message"] for f in report["findings"] if f["rule_id"] == "CORP-001"}
    assert aws_world.arns["ssh-v4"] in corp
    assert "22 reachable from 0.0.0.0/0, outside the corporate VPN range 10.0.0.0/16" in corp[aws_world.arns["ssh-v4"]]
    assert aws_world.arns["scoped"] not in corp

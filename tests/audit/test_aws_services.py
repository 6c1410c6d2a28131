"""Acceptance of the live AWS audit, run as a user runs it: `tenet audit aws` on an account of its own
(tests/audit/scenario.py: violations in the four families across many services and two regions, each next
to a clean counterpart). Every planted violation is found with its rules, nothing else is reported but
what the account starts with, no call fails, and the mute list mutes by resource tag.

Services moto does not serve are tested on API-shaped JSON in tests/audit/test_aws_adapters.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.cli import main
from tests.audit.conftest import ROLE, _assumed
from tests.audit.scenario import REGIONS, Scenario, seed

SCENARIO_ACCOUNT = "222222222222"  # an account of its own: nothing else the tests create is in it


@pytest.fixture(scope="session")
def scenario(moto_endpoint: str) -> Scenario:
    return seed(moto_endpoint, SCENARIO_ACCOUNT, _assumed(moto_endpoint, SCENARIO_ACCOUNT))


def _audit(tmp_path: Path, config: str) -> tuple[int, dict[str, Any]]:
    (tmp_path / ".tenet.toml").write_text(config)
    run = CliRunner().invoke(main, ["audit", "aws", "--regions", ",".join(REGIONS), "--assume-role", ROLE,
                                    "--accounts", SCENARIO_ACCOUNT, "--format", "json",
                                    "--config", str(tmp_path / ".tenet.toml")], catch_exceptions=False)
    return run.exit_code, json.loads(run.stdout)


def test_every_planted_violation_is_found_with_no_false_alarm(aws_env: str, scenario: Scenario,
                                                              tmp_path: Path) -> None:
    code, report = _audit(tmp_path, '[[mute]]\nrule = "NET-001"\ntags = {team = "w*"}\n'
                                    'reason = "the web team\'s jump hosts, SEC-9"\n')
    assert code == 1 and report["errors"] == []
    found: dict[str, list[str]] = {}
    for f in report["findings"]:
        found.setdefault(f["resource"], []).append(f["rule_id"])
    expected = {name: sorted(rules) for name, (_, rules) in scenario.planted.items()}
    assert {name: sorted(found.get(resource, [])) for name, (resource, _) in scenario.planted.items()} == expected
    assert {name: found[arn] for name, arn in scenario.clean.items() if arn in found} == {}
    # Beyond the scenario, only what every new account has: the default network ACL (everything in) and the
    # default security group (everything out) of each region's default VPC.
    planted = {resource for resource, _ in scenario.planted.values()}
    assert sorted((f["resource"].split(":")[3], f["resource"].rsplit("/", 1)[0].rsplit(":", 1)[-1], f["rule_id"])
                  for f in report["findings"] if f["resource"] not in planted) == sorted(
        [(region, "network-acl", "NET-001") for region in REGIONS]
        + [(region, "security-group", "NET-004") for region in REGIONS])
    # The mute list: the groups tagged team=web are muted, with the reason; the others are not.
    muted = {f["resource"]: f["justification"] for f in report["findings"] if f["suppressed"]}
    assert muted == {scenario.planted[f"rdp-open-{region}"][0]: "mute list: the web team's jump hosts, SEC-9"
                     for region in REGIONS}

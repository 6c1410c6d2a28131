"""The mute list: live (and code) findings accepted in the configuration, by account, region, resource
pattern, resource tags or rule, each with a reason and an optional expiry, like inline suppressions.

```toml
[[mute]]
rule = "NET-003"                           # id, alias or name; omitted: every rule
account = "111122223333"                   # omitted: every account (or subscription, or project)
region = "eu-west-1"
resource = "arn:aws:s3:::public-site-*"    # a glob (`*`, `?`) on the resource id or Terraform address
tags = {team = "web", env = "prod-*"}      # live resources whose tags match: each key present, value a glob
reason = "the public website, SEC-7"
expires = 2027-03-31
```

Every field given must match. Tags are those the cloud API returns with the resource (`docs/aws-audit.md`
lists where); a finding without tags never matches a `tags` entry. A muted finding stays in every report,
marked suppressed with `mute list: <reason>`, and never fails the run. An expired entry no longer mutes, and says so.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from scanner.engine.findings import ErrorLevel, Finding, ScanError

PREFIX = "mute list: "


class MuteEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field(min_length=1)
    rule: str | None = None
    account: str | None = None
    region: str | None = None
    resource: str | None = None
    tags: dict[str, str] | None = Field(default=None, min_length=1)
    expires: date | None = None

    def matches(self, f: Finding, rule_ids: frozenset[str]) -> bool:
        return ((self.rule is None or f.rule_id in rule_ids or self.rule.upper() in map(str.upper, f.aliases))
                and (self.account is None or f.account == self.account)
                and (self.region is None or f.region == self.region)
                and (self.resource is None or fnmatch.fnmatchcase(f.resource, self.resource))
                and (self.tags is None or all(key in f.tags and fnmatch.fnmatchcase(f.tags[key], value)
                                              for key, value in self.tags.items())))


def apply(findings: Sequence[Finding], entries: Sequence[MuteEntry], resolve: dict[str, str], today: date,
          label: str) -> tuple[list[Finding], list[ScanError]]:
    """`resolve` maps a rule's id, alias or name (upper case) to its id."""
    warnings: list[ScanError] = []
    active: list[tuple[MuteEntry, frozenset[str]]] = []
    for i, entry in enumerate(entries):
        where = f"{label}mute.{i}"
        if entry.expires is not None and entry.expires < today:
            warnings.append(ScanError(path=None, level=ErrorLevel.WARNING,
                                      message=f"{where} expired on {entry.expires.isoformat()}: it no longer mutes"))
            continue
        rule_ids: frozenset[str] = frozenset()
        if entry.rule is not None:
            rule_id = resolve.get(entry.rule.strip().upper())
            if rule_id is None:
                warnings.append(ScanError(path=None, level=ErrorLevel.WARNING,
                                          message=f"{where}: no rule {entry.rule!r} (`tenet rules` lists them)"))
                continue
            rule_ids = frozenset({rule_id})
        active.append((entry, rule_ids))
    out: list[Finding] = []
    for f in findings:
        match = None if f.suppressed else next((e for e, ids in active if e.matches(f, ids)), None)
        out.append(f if match is None else f.model_copy(
            update={"suppressed": True, "justification": PREFIX + match.reason}))
    return out, warnings

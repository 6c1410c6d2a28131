"""Baselines: today's findings recorded as accepted, so that a run fails only on new ones.

Entries are matched by fingerprint, which has no line numbers: moving code
does not bring a finding back. The file is sorted and carries no timestamp, so
writing it twice gives the same bytes and reviews show only real changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from scanner import __version__
from scanner.engine.findings import Finding

# A string, as the JSON report's: "major.minor". Baselines written as the integer 1 read as "1.0".
FORMAT_VERSION = "1.0"
JUSTIFICATION_PREFIX = "baseline: "


class BaselineError(Exception):
    """A baseline file that cannot be read or written. The message names the file."""


class BaselineEntry(BaseModel):
    """One accepted finding. Only the fingerprint matches; the rest is for people reading the file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fingerprint: str
    rule_id: str
    path: str | None
    resource: str
    message: str

    @classmethod
    def of(cls, f: Finding) -> BaselineEntry:
        return cls(fingerprint=f.fingerprint, rule_id=f.rule_id, path=f.location.path if f.location else None,
                   resource=f.resource, message=f.message)

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.path or "", self.resource, self.rule_id, self.message, self.fingerprint)

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.rule_id} {self.resource}{where}: {self.message}"


class _Tool(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: str
    tool: _Tool
    findings: list[BaselineEntry]


def _major(version: str) -> int:
    head = version.partition(".")[0]
    return int(head) if head.isdigit() else 0


@dataclass(frozen=True)
class Baseline:
    entries: tuple[BaselineEntry, ...]
    # The file as the user named it: findings say "baseline: accepted in <label>".
    label: str

    @classmethod
    def of(cls, findings: Iterable[Finding], label: str) -> Baseline:
        """The findings that count today (suppressed ones are already accepted where they stand)."""
        entries = {f.fingerprint: BaselineEntry.of(f) for f in findings if not f.suppressed}
        return cls(tuple(sorted(entries.values(), key=BaselineEntry.sort_key)), label)

    @classmethod
    def read(cls, path: Path, label: str) -> Baseline:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BaselineError(f"{label}: no such baseline file (write one with --write-baseline)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{label}: cannot read the baseline: {getattr(exc, 'strerror', None) or exc}") \
                from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{label}:{exc.lineno}:{exc.colno}: the baseline is not valid JSON: {exc.msg}") \
                from None
        version = data.get("format_version") if isinstance(data, dict) else None
        if isinstance(version, int) and not isinstance(version, bool):
            version = data["format_version"] = f"{version}.0"  # written by tenet 0.1
        if isinstance(version, str) and _major(version) > _major(FORMAT_VERSION):
            raise BaselineError(f"{label}: baseline format {version} is newer than this tenet reads "
                                f"({FORMAT_VERSION}); upgrade tenet")
        try:
            parsed = _File.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the file"
            raise BaselineError(f"{label}: not a tenet baseline: {where}: {first['msg']}") from None
        return cls(tuple(parsed.findings), label)

    def dumps(self) -> str:
        data = _File(format_version=FORMAT_VERSION, tool=_Tool(name="tenet", version=__version__),
                     findings=list(self.entries))
        return json.dumps(data.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"

    def write(self, path: Path) -> None:
        from scanner.sources.boundary import NotOpened, write_output

        try:
            write_output(path, self.dumps())
        except OSError as exc:
            raise BaselineError(f"{self.label}: cannot write the baseline: {exc.strerror or exc}") from None
        except NotOpened as exc:
            raise BaselineError(f"{self.label}: {exc}") from None

    def suppress(self, findings: Sequence[Finding]) -> list[Finding]:
        """Findings in the baseline marked suppressed; the others unchanged."""
        accepted = {e.fingerprint for e in self.entries}
        justification = f"{JUSTIFICATION_PREFIX}accepted in {self.label}"
        return [
            f.model_copy(update={"suppressed": True, "justification": justification})
            if not f.suppressed and f.fingerprint in accepted else f
            for f in findings
        ]

    def fixed(self, findings: Iterable[Finding], in_scope: Callable[[str | None], bool]) -> list[str]:
        """Entries gone from a scan that covered them. A run over a few files does not call the rest fixed."""
        present = {f.fingerprint for f in findings}
        return [str(e) for e in self.entries if e.fingerprint not in present and in_scope(e.path)]

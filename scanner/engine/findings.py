"""What a scan produces: findings (violations and could-not-evaluate results) and errors."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from scanner._compat import StrEnum
from scanner.model.origin import Compact, Location, Origin, SourceKind


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """4 for critical down to 1 for low."""
        return 4 - list(Severity).index(self)


class Category(StrEnum):
    NETWORK = "network"
    TLS = "tls"
    ENCRYPTION = "encryption"
    IAM = "iam"
    # A second engine's check (checkov) that belongs to none of Tenet's families.
    OTHER = "other"


class Status(StrEnum):
    FAIL = "fail"  # the rule is violated
    UNKNOWN = "unknown"  # the rule could not be evaluated: a value was not resolvable


class Finding(Compact):
    """One result of one rule on one object. Field names are the JSON contract."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    title: str
    category: Category
    severity: Severity
    status: Status
    message: str
    source: SourceKind
    resource: str
    resource_type: str
    location: Location | None
    fingerprint: str
    module_call: Location | None = None
    # For a resource inside a module: every module call that leads to it, outermost first, as trivy's "via"
    # lists them, then the resource's own location (`SOURCE VERSION //path` inside a registry, git or archive
    # module). JSON writes each as `path:line`.
    module_chain: list[Location] = Field(default_factory=list)
    account: str | None = None
    region: str | None = None
    suppressed: bool = False
    justification: str | None = None
    # Ids of other engines' checks (checkov) that reported the same issue, merged into this finding.
    aliases: list[str] = Field(default_factory=list)
    # Live findings held against a Terraform state (`tenet audit … --state`): in-code, drifted, unmanaged or
    # not-live (scanner/drift.py), and what differs.
    drift: str | None = None
    drift_detail: str | None = None
    # The live resource's tags, for the mute list; not part of the JSON contract.
    tags: dict[str, str] = Field(default_factory=dict, exclude=True)

    @classmethod
    def create(
        cls,
        *,
        rule_id: str,
        title: str,
        category: Category,
        severity: Severity,
        status: Status,
        message: str,
        origin: Origin,
        fingerprint_path: str | None = None,
    ) -> Finding:
        """`fingerprint_path`: the file as the fingerprint knows it (relative to the repository root),
        so a baseline matches wherever Tenet is run from."""
        return cls(
            rule_id=rule_id,
            title=title,
            category=category,
            severity=severity,
            status=status,
            message=message,
            source=origin.source,
            resource=origin.resource,
            resource_type=origin.resource_type,
            location=origin.location,
            fingerprint=fingerprint(rule_id, origin, message, fingerprint_path),
            module_call=origin.module_call,
            module_chain=list(origin.module_chain),
            account=origin.account,
            region=origin.region,
            tags=dict(origin.tags),
        )

    @field_serializer("module_chain", when_used="json")
    def _chain_as_text(self, chain: list[Location]) -> list[str]:
        return [f"{c.path}:{c.start_line}" for c in chain]

    @field_validator("module_chain", mode="before")
    @classmethod
    def _chain_from_text(cls, value: Any) -> Any:
        """A JSON report's `path:line` entries read back (`tenet merge`, a report given as input)."""
        if not isinstance(value, list):
            return value
        read: list[Any] = []
        for entry in value:
            path, colon, line = entry.rpartition(":") if isinstance(entry, str) else ("", "", "")
            if colon and line.isdigit() and int(line) >= 1:
                entry = Location(path=path, start_line=int(line), end_line=int(line))
            read.append(entry)
        return read

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        loc = self.location
        return (
            loc.path if loc else "",
            loc.start_line if loc else 0,
            loc.start_column if loc else 0,
            self.resource,
            self.rule_id,
            self.message,
        )


def fingerprint(rule_id: str, origin: Origin, message: str, path: str | None = None) -> str:
    """Stable across line shifts (no line numbers), distinct across files."""
    if path is None:
        path = origin.location.path if origin.location else ""
    key = "\x1f".join((rule_id, origin.source, path, origin.resource, origin.anchor, message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class ErrorLevel(StrEnum):
    ERROR = "error"  # input that could not be read or evaluated: exit code 2
    WARNING = "warning"  # something skipped that the user should know about


class ScanError(BaseModel):
    """A problem with the input or the scan itself. Never silent, never a traceback."""

    model_config = ConfigDict(frozen=True)

    path: str | None
    line: int | None = None
    column: int | None = None
    message: str
    level: ErrorLevel = ErrorLevel.ERROR

    def __str__(self) -> str:
        where = self.path or "<scan>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.level}: {self.message}"

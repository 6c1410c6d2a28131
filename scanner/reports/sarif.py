"""The SARIF 2.1.0 report, shaped for GitHub code scanning.

The log is built from sarif-om's classes and written by `to_json` below rather
than jschema-to-python, whose serializer drops any value equal to a schema
default (a result's `level: "warning"` disappears).

Paths: findings carry paths relative to the current directory; SARIF carries
them relative to the repository root (`%SRCROOT%`), which is what GitHub
resolves. Findings without a file in the repository (live cloud resources,
files outside the root) get a logical location only.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

import attr
import sarif_om as om

from scanner import __version__
from scanner.compliance import frameworks
from scanner.engine.findings import Category, ErrorLevel, Finding, ScanError, Severity, Status
from scanner.engine.redaction import Redactor
from scanner.engine.registry import Rule
from scanner.model.origin import Location
from scanner.reports.terminal import inert_json
from scanner.scan import ScanResult
from scanner.sources.boundary import Boundary, NotOpened, TooLarge
from scanner.sources.files import repository_root

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/tenet-scanner/tenet"
RULES_DOC_URI = f"{INFORMATION_URI}/blob/main/docs/rules.md"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "tenet/v1"
# GitHub code scanning accepts at most this many results per run.
MAX_RESULTS = 25_000

# GitHub's bands: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}

_GIVEN = "_tenet_given"
_SCALARS = frozenset({str, int, float, bool})


@attr.s
class _Suppression(om.Suppression):  # type: ignore[misc]
    """sarif-om 1.0.4 predates the rename of suppression `state` to `status`; the 2.1.0 schema rejects `state`."""

    status: str | None = attr.ib(default=None, metadata={"schema_property_name": "status"})


def _om(cls: Callable[..., object], **fields: object) -> object:
    """A sarif-om object that remembers which fields were given: `to_json` keeps those even when they equal
    the schema default, and drops everything that was never set."""
    given = {k: v for k, v in fields.items() if v is not None}
    obj = cls(**given)
    setattr(obj, _GIVEN, frozenset(given))
    return obj


def to_json(value: object) -> object:
    """sarif-om objects as JSON-ready data, with the schema's camelCase property names."""
    if type(value) in _SCALARS:
        return value
    fields = _fields(type(value))
    if fields is not None:
        given: frozenset[str] = getattr(value, _GIVEN, frozenset())
        out: dict[str, object] = {}
        for name, v in vars(value).items():
            spec = fields.get(name)
            if v is None or spec is None or (name not in given and spec.is_default(v)):
                continue
            out[spec.key] = to_json(v)
        return out
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


class _Field:
    def __init__(self, field: attr.Attribute[object]) -> None:
        self.key: str = field.metadata.get("schema_property_name", field.name)
        self._default = field.default
        # sarif-om's list defaults are attrs Factory objects (a class at runtime, a function in the stubs).
        self._factory = getattr(field.default, "factory", None)

    def is_default(self, value: object) -> bool:
        if self._default is attr.NOTHING:
            return False
        return bool(value == (self._factory() if callable(self._factory) else self._default))


_FIELDS: dict[type, dict[str, _Field] | None] = {}


def _fields(cls: type) -> dict[str, _Field] | None:
    """An attrs class's fields by attribute name (None for other types), looked up once per class."""
    if cls not in _FIELDS:
        _FIELDS[cls] = {f.name: _Field(f) for f in attr.fields(cls)} if attr.has(cls) else None
    return _FIELDS[cls]


# Snippets come from files a scan read, whose own limit is lower (a plan's configuration is not read for them).
_SNIPPET_FILE_BYTES = 256 * 1024 * 1024


class _Files:
    """Repository paths and file lines for regions and snippets, each file read once."""

    def __init__(self, cwd: Path, redact: Redactor) -> None:
        self.redact = redact  # a snippet is input text: a secret in it is hidden as in every other text
        self.cwd = cwd.resolve()
        self.root = repository_root(self.cwd)
        self._lines: dict[str, list[str] | None] = {}

    def uri(self, path: str) -> str | None:
        """`path` (relative to the cwd) relative to the root, percent-encoded; None outside the root."""
        full = Path(os.path.normpath(self.cwd / path))
        try:
            relative = full.relative_to(self.root).as_posix()
        except ValueError:
            return None
        return None if relative == "." else quote(relative, safe="/")

    def lines(self, path: str) -> list[str] | None:
        """The lines of a file of the repository; None for any other (a snippet reads only what a scan may:
        no link leading out, no FIFO, nothing under /proc)."""
        if path not in self._lines:
            self._lines[path] = None
            if self.uri(path) is not None:
                try:
                    data = Boundary(roots=(str(self.root),)).read_bytes(self.cwd / path, _SNIPPET_FILE_BYTES)
                except (OSError, NotOpened, TooLarge):
                    return None
                text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
                self._lines[path] = [line.removesuffix("\r") for line in text.split("\n")]
        return self._lines[path]

    def physical(self, loc: Location) -> object | None:
        uri = self.uri(loc.path)
        if uri is None:
            return None
        return _om(om.PhysicalLocation, artifact_location=_artifact(uri), region=self._region(loc))

    def _region(self, loc: Location) -> object:
        start_line = max(loc.start_line, 1)
        end_line = max(loc.end_line, start_line)
        start_column = max(loc.start_column, 1)
        end_column = loc.end_column
        if end_column is not None and (end_column < 1 or (end_line == start_line and end_column <= start_column)):
            end_column = None
        lines = self.lines(loc.path)
        snippet = None
        if lines is not None and end_line <= len(lines):
            if end_column is None:
                end_column = len(lines[end_line - 1]) + 1
            covered = lines[start_line - 1 : end_line]
            covered[-1] = covered[-1][: end_column - 1]
            covered[0] = covered[0][start_column - 1 :]
            snippet = _om(om.ArtifactContent, text=self.redact("\n".join(covered)))
        return _om(
            om.Region,
            start_line=start_line,
            start_column=start_column,
            end_line=end_line,
            end_column=end_column,
            snippet=snippet,
        )


def _artifact(uri: str) -> object:
    return _om(om.ArtifactLocation, uri=uri, uri_base_id=SRCROOT)


def render(result: ScanResult, *, category: str, cwd: Path, include_suppressed: bool = False,
           include_unlocated: bool = False) -> str:
    """The SARIF log as text. `category` becomes `automationDetails.id` (with a trailing "/", as
    upload-sarif writes it); an empty category leaves the id to the uploader. Suppressed findings
    are left out unless `include_suppressed`: GitHub code scanning ignores SARIF `suppressions` and
    would show them as open alerts. Findings with no file in the repository (a live resource no state
    links to its `.tf` line) are left out unless `include_unlocated`: GitHub rejects a log with one."""
    log = to_json(sarif_log(result, category=category, cwd=cwd, include_suppressed=include_suppressed,
                            include_unlocated=include_unlocated))
    return inert_json(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"


def sarif_log(result: ScanResult, *, category: str, cwd: Path, include_suppressed: bool = True,
              include_unlocated: bool = True) -> object:
    files = _Files(cwd, result.redact)
    rules: list[object] = []
    index: dict[str, int] = {}
    for r in result.rules:
        if r.id not in index:
            index[r.id] = len(rules)
            rules.append(_rule_descriptor(r))

    reported = [f for f in result.findings if include_suppressed or not f.suppressed]
    suppressed_out = len(result.findings) - len(reported)
    unlocated_out: Counter[str] = Counter()
    if not include_unlocated:
        placed = [f.location is not None and files.physical(f.location) is not None for f in reported]
        unlocated_out.update(f.drift or "" for f, there in zip(reported, placed, strict=True) if not there)
        reported = [f for f, there in zip(reported, placed, strict=True) if there]
    shown, left_out = _within_limit(reported)
    results: list[object] = []
    unlocated = 0
    for f in shown:
        if f.rule_id not in index:
            # Not among the rules that ran (a finding carried over from elsewhere): still a valid ruleIndex.
            index[f.rule_id] = len(rules)
            rules.append(_descriptor_for(f))
        sarif_result, located = _result(f, index[f.rule_id], files)
        results.append(sarif_result)
        unlocated += not located

    notifications = [_notification(e, files) for e in result.errors]
    if left_out:
        notifications.append(_note(
            f"{left_out:,} of {len(reported):,} results were left out: GitHub code scanning accepts at most "
            f"{MAX_RESULTS:,} per run. The most severe were kept; the JSON report lists every finding."))
    if suppressed_out:
        notifications.append(_note(
            f"{suppressed_out} suppressed finding{'s were' if suppressed_out != 1 else ' was'} left out (GitHub code "
            "scanning would show them as open alerts); --include-suppressed keeps them, with their justification."))
    if unlocated_out:
        count = sum(unlocated_out.values())
        by_class = ", ".join(f"{n} {c}" for c, n in sorted(unlocated_out.items()) if c)
        notifications.append(_note(
            f"{count} finding{'s have' if count != 1 else ' has'} no file in the repository and "
            f"{'were' if count != 1 else 'was'} left out{f' ({by_class})' if by_class else ''}: a cloud resource "
            "that no Terraform state links to a .tf line, or a file outside the repository root. GitHub code "
            "scanning rejects a SARIF file with such results; the JSON and console reports list them, and "
            "--sarif-include-unlocated keeps them for other SARIF consumers."))
    if unlocated:
        notifications.append(_note(
            f"{unlocated} result{'s have' if unlocated != 1 else ' has'} no file in the repository (a cloud "
            "resource, or a file outside the repository root). GitHub code scanning rejects a SARIF file with "
            "such results; keep it as a build artifact instead."))

    driver = _om(
        om.ToolComponent,
        name="tenet",
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=rules,
    )
    automation_id = category if not category or category.endswith("/") else category + "/"
    run = _om(
        om.Run,
        tool=_om(om.Tool, driver=driver),
        automation_details=_om(om.RunAutomationDetails, id=automation_id) if automation_id else None,
        original_uri_base_ids={SRCROOT: _om(om.ArtifactLocation, uri=_directory_uri(files.root))},
        column_kind="unicodeCodePoints",
        invocations=[_om(
            om.Invocation,
            execution_successful=not result.has_errors,
            tool_execution_notifications=notifications or None,
        )],
        results=results,
    )
    return _om(om.SarifLog, schema_uri=SCHEMA_URI, version="2.1.0", runs=[run])


def _directory_uri(path: Path) -> str:
    uri = path.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _within_limit(findings: Sequence[Finding]) -> tuple[list[Finding], int]:
    """At most MAX_RESULTS findings, in their order; when there are more, the ones that matter most."""
    if len(findings) <= MAX_RESULTS:
        return list(findings), 0
    ranked = sorted(
        range(len(findings)),
        key=lambda i: (findings[i].suppressed, findings[i].status is Status.UNKNOWN, -findings[i].severity.rank),
    )
    kept = set(ranked[:MAX_RESULTS])
    return [f for i, f in enumerate(findings) if i in kept], len(findings) - MAX_RESULTS


def _rule_descriptor(r: Rule) -> object:
    markdown = [r.rationale, "", "**Remediation**", "", r.remediation]
    if r.references:
        markdown += ["", "**References**", "", *(f"- <{ref}>" for ref in r.references)]
    # The framework controls that list the rule (policies/compliance/): the rules carry no ids of their own.
    controls = frameworks.rule_controls(r.id)
    if controls:
        markdown += ["", "**Compliance**", "", *(f"- {line}" for line in frameworks.describe_rule_controls(r.id))]
    properties: dict[str, object] = {}
    if r.aliases:
        properties["aliases"] = list(r.aliases)
    if controls:
        properties["compliance"] = {k: list(v) for k, v in controls.items()}
    if not r.is_builtin:
        # A user policy (docs/custom-policies.md): Tenet's rule reference does not document it.
        properties["policyFile"] = r.policy_file
        if r.replaces:
            properties["replaces"] = r.replaces
    return _descriptor(
        rule_id=r.id,
        name=r.name,
        title=r.title,
        description=r.rationale,
        help_text=f"{r.rationale}\n\nRemediation:\n{r.remediation}",
        help_markdown="\n".join(markdown),
        help_uri=r.references[0] if r.references else None,
        category=r.category,
        severity=r.severity,
        extra=properties,
        documented=r.is_builtin,
    )


def _descriptor_for(f: Finding) -> object:
    from scanner.engines.checkov import CHECK_ID  # the table only: checkov itself is not imported

    if CHECK_ID.match(f.rule_id):
        return _checkov_descriptor(f)
    text = f"{f.title}. `tenet rules show {f.rule_id}` explains the rule and its remediation."
    return _descriptor(
        rule_id=f.rule_id,
        name=f.rule_id,
        title=f.title,
        description=f.title,
        help_text=text,
        help_markdown=text,
        help_uri=None,
        category=f.category,
        severity=f.severity,
        extra={},
    )


def _checkov_descriptor(f: Finding) -> object:
    """A checkov check (`tenet scan --engine checkov`): its name, and where checkov documents it."""
    from scanner.engines.checkov import help_uri

    uri = help_uri(f.rule_id, f.source)
    text = f"{f.title} (checkov check {f.rule_id}, run by `tenet scan --engine checkov`)."
    return _descriptor(
        rule_id=f.rule_id,
        name=f.title,
        title=f.title,
        description=text,
        help_text=f"{text} checkov's policy index documents it: {uri}",
        help_markdown=f"{text} checkov's [policy index]({uri}) documents it.",
        help_uri=uri,
        category=f.category,
        severity=f.severity,
        extra={"engine": "checkov"},
    )


def _descriptor(
    *,
    rule_id: str,
    name: str,
    title: str,
    description: str,
    help_text: str,
    help_markdown: str,
    help_uri: str | None,
    category: Category,
    severity: Severity,
    extra: dict[str, object],
    documented: bool = True,
) -> object:
    """`documented`: the rule has a section in Tenet's docs/rules.md, the help link when it has none of its own."""
    if help_uri is None and documented:
        help_uri = f"{RULES_DOC_URI}#{rule_id.lower()}"
    return _om(
        om.ReportingDescriptor,
        id=rule_id,
        name=name,
        short_description=_om(om.MultiformatMessageString, text=title),
        full_description=_om(om.MultiformatMessageString, text=description),
        help=_om(om.MultiformatMessageString, text=help_text, markdown=help_markdown),
        help_uri=help_uri,
        default_configuration=_om(om.ReportingConfiguration, level=LEVEL[severity]),
        # Free-form property bag: sarif-om's PropertyBag has no room for GitHub's keys.
        properties={
            "tags": ["security", category.value],
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[severity],
            **extra,
        },
    )


def _result(f: Finding, rule_index: int, files: _Files) -> tuple[object, bool]:
    """The SARIF result, and whether it has a file location."""
    # GitHub shows the message next to the code: name the resource unless the rule's message already does.
    text = f.message if f.resource in f.message else f"{f.resource}: {f.message}"
    physical = files.physical(f.location) if f.location else None
    if f.location and physical is None:
        text += f" (in {f.location.path}, outside the repository root {files.root})"
    logical = _om(om.LogicalLocation, name=f.resource, fully_qualified_name=f.resource, kind="resource")
    related = _module_chain(f, files) if physical is not None else None
    properties: dict[str, object] = {"source": f.source.value, "resourceType": f.resource_type}
    if f.module_chain:
        # The whole chain, module packages included (`terraform-aws-modules/vpc/aws 5.1.0 //main.tf:42`).
        properties["moduleChain"] = [f"{c.path}:{c.start_line}" for c in f.module_chain]
    if f.account:
        properties["account"] = f.account
    if f.region:
        properties["region"] = f.region
    if f.aliases:
        # Checks of other engines (checkov) that reported this same issue.
        properties["aliases"] = list(f.aliases)
    if f.drift:
        properties["drift"] = f.drift
        properties["tags"] = [f"drift:{f.drift}"]
        if f.drift_detail:
            properties["driftDetail"] = f.drift_detail
    unknown = f.status is Status.UNKNOWN
    sarif_result = _om(
        om.Result,
        rule_id=f.rule_id,
        rule_index=rule_index,
        # SARIF: a result that needs a human to decide is kind "review", and its level must be "none".
        kind="review" if unknown else "fail",
        level="none" if unknown else LEVEL[f.severity],
        message=_om(om.Message, text=text),
        locations=[_om(om.Location, physical_location=physical, logical_locations=[logical])],
        related_locations=related,
        partial_fingerprints={FINGERPRINT: f.fingerprint},
        suppressions=[_suppression(f)] if f.suppressed else None,
        properties=properties,
    )
    return sarif_result, physical is not None


def _module_chain(f: Finding, files: _Files) -> list[object] | None:
    """The module calls that lead to a finding and the resource's own lines, where they are files of the
    repository (a registry or git module's are not: `properties.moduleChain` names them)."""
    chain = f.module_chain or ([f.module_call] if f.module_call else [])
    related: list[object] = []
    for n, entry in enumerate(chain, 1):
        if entry == f.location or files.lines(entry.path) is None:
            continue
        where = files.physical(entry)
        if where is not None:
            text = "resource in the module" if f.module_chain and n == len(chain) else "module call"
            related.append(_om(om.Location, id=len(related) + 1, physical_location=where,
                               message=_om(om.Message, text=text)))
    return related or None


def _suppression(f: Finding) -> object:
    """Inline ignores are kept in the source; anything else (a baseline) is external."""
    justification = f.justification or None
    in_source = justification is not None and justification.lower().startswith("inline")
    return _om(
        _Suppression,
        kind="inSource" if in_source else "external",
        status="accepted",
        justification=justification,
    )


def _notification(e: ScanError, files: _Files) -> object:
    uri = files.uri(e.path) if e.path is not None else None
    located = None
    if uri is not None:
        region = None
        if e.line is not None:
            column = max(e.column, 1) if e.column is not None else None
            region = _om(om.Region, start_line=max(e.line, 1), start_column=column)
        located = _om(om.Location, physical_location=_om(om.PhysicalLocation, artifact_location=_artifact(uri),
                                                          region=region))
    text = e.message if located is not None or e.path is None else f"{e.path}: {e.message}"
    return _om(
        om.Notification,
        level="error" if e.level is ErrorLevel.ERROR else "warning",
        message=_om(om.Message, text=text),
        locations=[located] if located is not None else None,
    )


def _note(text: str) -> object:
    return _om(om.Notification, level="warning", message=_om(om.Message, text=text))


__all__ = ["MAX_RESULTS", "SCHEMA_URI", "render", "repository_root", "sarif_log", "to_json"]

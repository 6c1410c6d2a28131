"""What the Markdown and HTML reports summarise: findings per family and severity, in one place."""

from __future__ import annotations

from scanner.engine.findings import Category, Severity, Status
from scanner.scan import ScanResult

# The columns of the family summary: the severities of violations, then could-not-evaluate and accepted ones.
COLUMNS = (*(s.value for s in Severity), "unknown", "suppressed")
COLUMN_LABELS = {**{s.value: s.value for s in Severity}, "unknown": "could not evaluate", "suppressed": "accepted"}


def by_family(result: ScanResult) -> dict[str, dict[str, int]]:
    """Family -> findings per column: unsuppressed violations by severity, unsuppressed could-not-evaluate
    results, and suppressed, muted or baselined findings of either kind. The four families always appear;
    `other` (checkov checks outside them) only when it has findings."""
    table = {c.value: dict.fromkeys(COLUMNS, 0) for c in Category}
    for f in result.findings:
        row = table[f.category.value]
        if f.suppressed:
            row["suppressed"] += 1
        elif f.status is Status.UNKNOWN:
            row["unknown"] += 1
        else:
            row[f.severity.value] += 1
    if not any(table[Category.OTHER.value].values()):
        del table[Category.OTHER.value]
    return table

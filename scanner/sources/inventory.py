"""Saved audit inventories: `tenet scan inventory.json` re-evaluates a live audit offline.

A snapshot (`tenet audit ... --save-inventory FILE`) holds the normalised
model objects and the calls that failed, so the rules of today (or a new
configuration) can run over yesterday's state, and a partial audit stays
partial. Only files whose first key is `tenet_inventory` are claimed: plan
JSON and other JSON files are left to their own sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from scanner.engine.findings import ScanError
from scanner.sources.files import InputError, read_text, sniff
from scanner.sources.interface import LoadContext, LoadResult


@cache
def _head() -> re.Pattern[bytes]:
    """An optional BOM, whitespace, `{`, then the marker key: checked on the first bytes only.

    Built on first use: the audit engine stays off the start-up path of scans without JSON files.
    """
    from scanner.audit.engine import SNAPSHOT_MARKER

    return re.compile(rb'^(?:\xef\xbb\xbf)?\s*\{\s*"' + SNAPSHOT_MARKER.encode() + rb'"\s*:')

_SNIFF_BYTES = 512
# Inventories of large estates are bigger than hand-written files; they are Tenet's own output.
_MAX_BYTES = 1024 * 1024 * 1024


class InventorySource:
    name = "inventory"

    def claims(self, path: Path) -> bool:
        if path.suffix.lower() != ".json":
            return False
        return _head().match(sniff(path, _SNIFF_BYTES)) is not None  # unreadable: b"", its reader says why

    def load(self, files: Sequence[Path], ctx: LoadContext) -> LoadResult:
        result = LoadResult()
        big = replace(ctx, max_file_bytes=max(ctx.max_file_bytes, _MAX_BYTES))
        for path in files:
            shown = ctx.display_path(path)
            try:
                from scanner.audit.engine import Snapshot

                snapshot = Snapshot.parse(read_text(path, big))
            except InputError as exc:
                result.errors.append(exc.error)
                continue
            except ValidationError as exc:
                first = exc.errors()[0] if exc.errors() else None
                where = ".".join(str(p) for p in first["loc"]) if first else ""
                detail = f"{where}: {first['msg']}" if first else str(exc)
                result.errors.append(ScanError(path=shown, message=f"not a valid Tenet inventory ({detail})"))
                continue
            result.extend(snapshot.load_result(shown))
        return result

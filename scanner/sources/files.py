"""Finding and reading input files safely: size limits, binary and encoding checks, symlink loops."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.sources.interface import LoadContext

# Directories that never hold the user's own infrastructure code.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


class InputError(Exception):
    """A file that cannot be used, with where and why."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.error = ScanError(path=path, line=line, column=column, message=message)


def read_text(path: Path, ctx: LoadContext) -> str:
    """The file's text, or an InputError naming the file, the line and the problem."""
    shown = ctx.display_path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(shown, "not a regular file (a FIFO, socket or device is never read)")
        size = info.st_size
        if size > ctx.max_file_bytes:
            raise InputError(shown, f"file is too large ({size / 1048576:.1f} MiB; the limit is "
                                    f"{ctx.max_file_bytes / 1048576:.0f} MiB)")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(shown, f"cannot read file: {exc.strerror or exc}") from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(shown, "binary file (contains NUL bytes)", line=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(shown, f"invalid UTF-8 (byte 0x{data[exc.start]:02x})", line=line, column=column) from None
    return text.removeprefix("\ufeff")


def repository_root(cwd: Path) -> Path:
    """The nearest directory holding `.git` (a file in worktrees and submodules), else `cwd`."""
    start = cwd.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def discover(paths: Iterable[Path], ctx: LoadContext) -> tuple[list[Path], list[ScanError]]:
    """Files under `paths`, sorted and de-duplicated; symlink loops and unreadable folders are errors."""
    found: dict[Path, None] = {}
    errors: list[ScanError] = []
    for path in paths:
        if not path.exists():
            kind = "broken symbolic link" if path.is_symlink() else "no such file or directory"
            errors.append(ScanError(path=str(path), message=kind))
        elif path.is_file():
            found.setdefault(path, None)
        else:
            for f in _walk(path, ctx, errors):
                found.setdefault(f, None)
    return sorted(found), errors


def _walk(root: Path, ctx: LoadContext, errors: list[ScanError]) -> Iterator[Path]:
    seen: set[str] = set()

    def onerror(exc: OSError) -> None:
        errors.append(ScanError(path=ctx.display_path(Path(exc.filename or root)),
                                message=f"cannot read directory: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=onerror):
        real = os.path.realpath(dirpath)
        if real in seen:
            errors.append(ScanError(path=ctx.display_path(Path(dirpath)), level=ErrorLevel.WARNING,
                                    message="symbolic link loop: directory already scanned, skipped"))
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for name in sorted(filenames):
            file = Path(dirpath, name)
            if file.is_symlink() and not file.exists():
                errors.append(ScanError(path=ctx.display_path(file), level=ErrorLevel.WARNING,
                                        message="broken symbolic link, skipped"))
                continue
            yield file

"""Finding and reading input files safely: inside the trust boundary, size limits, encodings, symlink loops."""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.sources.boundary import NotOpened, Refusal, Refused, TooLarge, open_regular
from scanner.sources.boundary import repository_root as _repository_root
from scanner.sources.interface import LoadContext

# Directories that never hold the user's own infrastructure code.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox"})

# Byte order marks, longest first (UTF-32LE's starts with UTF-16LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class InputError(Exception):
    """A file that cannot be used, with where and why."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None,
                 level: ErrorLevel = ErrorLevel.ERROR) -> None:
        super().__init__(message)
        self.error = ScanError(path=path, line=line, column=column, message=message, level=level)


def refusal_entry(shown: str, refused: Refused) -> ScanError:
    """The one entry for a path the boundary refuses: a warning for links that lead outside or nowhere, an
    error for a FIFO, socket or device where a file was expected."""
    level = ErrorLevel.ERROR if refused.kind is Refusal.SPECIAL else ErrorLevel.WARNING
    return ScanError(path=shown, message=refused.message, level=level)


def read_bytes(path: Path, ctx: LoadContext, limit: int | None = None) -> bytes:
    """The file's bytes if the boundary allows opening it, else an InputError naming the path as written."""
    shown = ctx.display_path(path)
    limit = ctx.max_file_bytes if limit is None else limit
    try:
        return ctx.boundary.read_bytes(path, limit)
    except NotOpened as exc:
        entry = refusal_entry(shown, exc.refused)
        raise InputError(shown, entry.message, level=entry.level) from None
    except TooLarge as exc:
        raise InputError(shown, f"file is too large ({exc.size / 1048576:.1f} MiB; the limit is "
                                f"{limit / 1048576:.0f} MiB)") from None
    except OSError as exc:
        raise InputError(shown, f"cannot read file: {exc.strerror or exc}") from None


def sniff(path: Path, size: int) -> bytes:
    """The first `size` bytes, for a source deciding whether a discovered file is its own (discovery keeps
    what lies outside the boundary away); empty for what is not a regular file (whoever reads it says why)."""
    try:
        with open_regular(path) as handle:
            return handle.read(size)
    except (OSError, NotOpened):
        return b""


def read_text(path: Path, ctx: LoadContext) -> str:
    """The file's text, or an InputError naming the file, the line and the problem."""
    shown = ctx.display_path(path)
    return decode(read_bytes(path, ctx), shown)


def decode(data: bytes, shown: str) -> str:
    """UTF-8 text; UTF-16 and UTF-32 with a byte order mark are decoded too. Anything else is an InputError
    that says what was found."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(shown, f"invalid {encoding.upper()} after its byte order mark "
                                        f"(at byte {exc.start + len(bom)})") from None
    if b"\x00" in data:
        guessed = _bomless_wide(data)
        if guessed is not None:
            raise InputError(shown, f"{guessed} text without a byte order mark: save it as UTF-8 (or with a BOM)")
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(shown, "binary file (contains NUL bytes)", line=line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(shown, f"invalid UTF-8 (byte 0x{data[exc.start]:02x})", line=line, column=column) from None


def _bomless_wide(data: bytes) -> str | None:
    """UTF-32 or UTF-16 (and its byte order) when the text decodes as one and its NULs fall where that
    encoding puts them for mostly-ASCII text."""
    sample = data[:4096]
    for encoding, width in (("UTF-32LE", 4), ("UTF-32BE", 4), ("UTF-16LE", 2), ("UTF-16BE", 2)):
        if len(data) % width:
            continue
        zeros = [i for i in range(width) if sample[i::width].count(0) * 2 > len(sample) // width]
        expected = list(range(1, width)) if encoding.endswith("LE") else list(range(width - 1))
        if zeros == expected:
            try:
                data.decode(encoding.lower())
            except UnicodeDecodeError:
                continue
            return encoding
    return None


def repository_root(cwd: Path) -> Path:
    """Reports: the repository holding `cwd`, else `cwd` (SARIF paths are relative to it). Never a boundary."""
    return _repository_root(cwd.resolve()) or cwd.resolve()


def discover(paths: Iterable[Path], ctx: LoadContext) -> tuple[list[Path], list[ScanError]]:
    """Files under `paths`, sorted and de-duplicated; what lies outside the boundary, symlink loops and unreadable
    folders are entries."""
    found: dict[Path, None] = {}
    errors: list[ScanError] = []
    for path in paths:
        if not os.path.lexists(path):
            errors.append(ScanError(path=str(path), message="no such file or directory"))
        elif os.path.isdir(path):
            refused = ctx.boundary.directory(path)
            if refused is not None:
                errors.append(refusal_entry(ctx.display_path(path), refused))
                continue
            for f in _walk(path, ctx, errors):
                found.setdefault(f, None)
        else:
            refused = ctx.boundary.check(path)
            if refused is not None and refused.kind is not Refusal.SPECIAL:
                errors.append(refusal_entry(ctx.display_path(path), refused))
                continue
            # A FIFO or a device named on the command line is kept: whoever claims it says it is not read.
            found.setdefault(path, None)
    return sorted(found), errors


def _walk(top: Path, ctx: LoadContext, errors: list[ScanError]) -> Iterator[Path]:
    """Every file below `top`. Directory links are followed only inside the boundary, each real directory
    once; a file link that leads outside, nowhere or round in a loop is one warning, and is not yielded."""
    seen: set[str] = set()
    top_real = os.path.realpath(top)
    stack = [top]
    while stack:
        directory = stack.pop()
        real = os.path.realpath(directory)
        if real in seen:
            errors.append(ScanError(path=ctx.display_path(directory), level=ErrorLevel.WARNING,
                                    message="directory already scanned through another path; skipped"))
            continue
        seen.add(real)
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            errors.append(ScanError(path=ctx.display_path(directory),
                                    message=f"cannot read directory: {exc.strerror or exc}"))
            continue
        subdirectories: list[Path] = []
        for entry in entries:
            path = Path(directory, entry.name)
            if entry.is_symlink():
                if os.path.isdir(path):
                    if entry.name not in SKIPPED_DIRS and _follow(path, real, top_real, ctx, errors):
                        subdirectories.append(path)
                    continue
                refused = ctx.boundary.check(path)
                if refused is not None and refused.kind is not Refusal.SPECIAL:
                    errors.append(refusal_entry(ctx.display_path(path), refused))
                    continue
                yield path
            elif entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRS:
                    subdirectories.append(path)
            else:
                yield path  # FIFOs and devices too: whoever claims one reports it, unopened
        stack.extend(reversed(subdirectories))


def _follow(link: Path, parent_real: str, top_real: str, ctx: LoadContext, errors: list[ScanError]) -> bool:
    """Whether to walk into a directory link: inside the boundary, not back up into its own ancestors, and not
    into a directory the walk reaches at its own path anyway (with `examples/prod -> ../prod`, `prod` is
    scanned and reported as `prod`, not under the link's name)."""
    refused = ctx.boundary.directory(link)
    target = os.path.realpath(link)
    if refused is None and _within(parent_real, target):
        refused = Refused(Refusal.LINK_PROBLEM, "symbolic link loop; not followed")
    if refused is not None:
        errors.append(refusal_entry(ctx.display_path(link), refused))
        return False
    if not _within(target, top_real):
        return True
    # Reached at its own path unless that path passes through a directory the walk skips.
    return any(part in SKIPPED_DIRS for part in Path(os.path.relpath(target, top_real)).parts)


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)

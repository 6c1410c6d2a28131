"""The trust boundary: every file a scan opens lies inside it.

The boundary is the repository root that holds each scanned path (the nearest directory with `.git`), or
the scanned path itself outside a repository (a file's own directory: its module). The working directory
never widens it. Files the operator names with options (`--var-file`, `--source-dir`) are inside too: they
come from the command line, not from the code under review.

Whatever resolves outside (a symbolic link, a `../` module source, `file("../../x")`) is refused with a
message that names the path as written, never the target or its content. Device files, FIFOs and sockets
are never opened, and nothing under /proc or /sys is, wherever the boundary is.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO

# Kernel views: reading them can leak the environment (`/proc/self/environ`) or block.
_KERNEL_TREES = ("/proc", "/sys")


def repository_root(path: Path) -> Path | None:
    """The nearest directory at or above `path` holding `.git` (a file in worktrees and submodules).

    The walk is lexical, on the path as written: a symbolic link does not move the scan into another repository.
    """
    start = Path(os.path.abspath(path))
    for directory in (start, *start.parents):
        if os.path.lexists(directory / ".git"):
            return directory
    return None


class Refusal(Enum):
    """Why a path is not opened. OUTSIDE and LINK_PROBLEM are warnings; the others are errors."""

    OUTSIDE = "outside"
    SPECIAL = "special"
    LINK_PROBLEM = "link"


@dataclass(frozen=True)
class Refused:
    kind: Refusal
    message: str


@dataclass(frozen=True)
class Boundary:
    """Directories (and single operator-named files) under which files may be opened; real paths."""

    roots: tuple[str, ...]
    files: tuple[str, ...] = ()
    # Whether the roots are repositories (or the scanned paths themselves): for messages.
    repository: bool = True
    # The roots as written (absolute, links not resolved): a path under one of them is the code's.
    written: tuple[str, ...] = ()

    @classmethod
    def around(cls, paths: Iterable[Path], *, files: Iterable[Path] = (), directories: Iterable[Path] = ()) -> Boundary:
        """The boundary of a scan of `paths`; `files` and `directories` are named by the operator's options."""
        roots: list[str] = []
        written: list[str] = []
        in_repository = True
        for path in paths:
            repo = repository_root(path)
            if repo is None:
                in_repository = False
                absolute = Path(os.path.abspath(path))
                # Outside a repository the scanned path is the boundary; a file brings its module directory.
                repo = absolute if os.path.isdir(absolute) else absolute.parent
            roots.append(os.path.realpath(repo))
            written.append(os.path.abspath(repo))
        code = cls(roots=_outermost(roots), repository=in_repository, written=tuple(sorted(set(written))))
        # The operator's files and directories widen it, except those that are the code's links leading out.
        kept_files = [os.path.realpath(f) for f in files if code.named(f) is None]
        kept_directories = [os.path.realpath(d) for d in directories if code.named(d, directory=True) is None]
        return cls(roots=_outermost([*roots, *kept_directories]), files=tuple(sorted(set(kept_files))),
                   repository=in_repository, written=code.written)

    def named(self, path: Path, *, directory: bool = False) -> Refused | None:
        """Why a path the operator named (`--var-file`, `--config`, `--baseline`, `--policies`), or that the
        configuration search found, must not be opened; None if it may be.

        Such a path is read where it is, except where it lies, as written, inside the boundary: there it is the
        code's, like any other file, and a link of the code's leading out, or a FIFO, is refused.
        """
        absolute = os.path.abspath(path)
        if not os.path.lexists(absolute):  # a missing file is its reader's to report
            return None
        if not any(absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep)
                   for root in (*self.written, *self.roots)):
            return None
        return self.directory(path) if directory else self.check(path)

    def describe(self) -> str:
        """How messages name the boundary (without machine paths: reports stay the same everywhere)."""
        return "the scanned repository" if self.repository else "the scanned directory"

    def contains(self, real: str) -> bool:
        """Whether a real (resolved, absolute) path may be opened."""
        if any(real == k or real.startswith(k + os.sep) for k in _KERNEL_TREES):
            return False
        if real in self.files:
            return True
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def check(self, path: Path) -> Refused | None:
        """Why `path` must not be opened as a file, or None. Looks only at metadata (lstat/stat)."""
        try:
            link = os.lstat(path)
        except OSError as exc:
            return Refused(Refusal.LINK_PROBLEM, f"cannot read file: {exc.strerror or exc}")
        if stat.S_ISLNK(link.st_mode):
            problem = _link_problem(path)
            if problem is not None:
                return problem
        real = os.path.realpath(path)
        if not self.contains(real):
            what = "symbolic link resolves" if stat.S_ISLNK(link.st_mode) else "file is"
            return Refused(Refusal.OUTSIDE, f"{what} outside {self.describe()}; not read")
        return _special(real)

    def open(self, path: Path) -> BinaryIO:
        """A binary file object, if the boundary allows it; `NotOpened` or OSError otherwise.

        Checked with lstat/stat before the open, and the open itself can neither block on a FIFO nor follow
        a link swapped in since.
        """
        refused = self.check(path)
        if refused is not None:
            raise NotOpened(refused)
        return open_regular(path)

    def read_bytes(self, path: Path, limit: int) -> bytes:
        """The whole file, at most `limit` bytes (more raises `TooLarge`)."""
        with self.open(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise TooLarge(size)
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise TooLarge(len(data))
        return data

    def directory(self, path: Path) -> Refused | None:
        """Why the directory `path` must not be entered, or None."""
        real = os.path.realpath(path)
        if not self.contains(real):
            what = "symbolic link resolves" if os.path.islink(path) else "directory is"
            return Refused(Refusal.OUTSIDE, f"{what} outside {self.describe()}; not followed")
        return None


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_SPECIAL_MESSAGE = "not a regular file (a FIFO, socket or device is never read)"


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading only if it is a regular file: stat first (a device is never opened), then an
    open that neither blocks on a FIFO swapped in nor follows a link swapped in, then fstat again.

    The boundary is not checked here: callers check it, or work only on paths that were (discovery's).
    """
    refused = _special(os.path.realpath(path))
    if refused is not None:
        raise NotOpened(refused)
    fd = os.open(os.path.realpath(path), _OPEN_FLAGS)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotOpened(Refused(Refusal.SPECIAL, _SPECIAL_MESSAGE))
    return os.fdopen(fd, "rb")


def write_output(path: Path, text: str) -> None:
    """Write a report or baseline file. One that lies in a repository (a checkout under review) is not written
    through a link leading out of it (`tenet.sarif -> ~/.bashrc` in a pull request), nor into a FIFO or device:
    NotOpened says why. Elsewhere the path is the operator's and written as it is."""
    real = os.path.realpath(path)
    repo = repository_root(path)
    if repo is not None:
        real_repo = os.path.realpath(repo)
        if real != real_repo and not real.startswith(real_repo.rstrip(os.sep) + os.sep):
            raise NotOpened(Refused(Refusal.OUTSIDE, "symbolic link resolves outside the repository it lies in; "
                                                     "not written"))
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(real, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotOpened(Refused(Refusal.SPECIAL, _SPECIAL_MESSAGE))
        handle.truncate(0)
        handle.write(text.encode("utf-8"))


class NotOpened(Exception):
    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.message)
        self.refused = refused


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


def _link_problem(path: Path) -> Refused | None:
    """A broken link or a loop of links: one message, whoever meets it first."""
    try:
        os.stat(path)
    except OSError as exc:
        import errno

        if exc.errno == errno.ELOOP:
            return Refused(Refusal.LINK_PROBLEM, "symbolic link loop; not read")
        if exc.errno == errno.ENOENT:
            return Refused(Refusal.LINK_PROBLEM, "broken symbolic link; not read")
        return Refused(Refusal.LINK_PROBLEM, f"cannot read file: {exc.strerror or exc}")
    return None


def _special(real: str) -> Refused | None:
    try:
        info = os.stat(real)
    except OSError as exc:
        return Refused(Refusal.LINK_PROBLEM, f"cannot read file: {exc.strerror or exc}")
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISDIR(info.st_mode):
        return Refused(Refusal.SPECIAL, "a directory, not a file")
    return Refused(Refusal.SPECIAL, _SPECIAL_MESSAGE)


def _outermost(roots: Iterable[str]) -> tuple[str, ...]:
    """Roots without those inside another."""
    kept: list[str] = []
    for root in sorted(set(roots), key=len):
        if not any(root == k or root.startswith(k.rstrip(os.sep) + os.sep) for k in kept):
            kept.append(root)
    return tuple(sorted(kept))

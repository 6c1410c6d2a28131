"""Optional dependencies: the cloud SDKs and checkov are extras, and a missing one is one clear line.

`tenet scan` needs only the base install. `tenet audit aws|azure|gcp` and `--engine checkov`
need the `[aws]`, `[azure]`, `[gcp]` or `[checkov]` extra of the `tenet-scanner` distribution.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec

DISTRIBUTION = "tenet-scanner"


class MissingExtra(Exception):
    """An optional dependency is not installed: names the extra that brings it."""

    def __init__(self, extra: str, module: str, needed_by: str) -> None:
        super().__init__(f"{needed_by} needs the [{extra}] extra ({module} is not installed): "
                         f"pip install '{DISTRIBUTION}[{extra}]'")
        self.extra = extra
        self.module = module


def require(extra: str, module: str, needed_by: str) -> None:
    """Raise MissingExtra unless `module` can be imported; it is looked up, not imported."""
    try:
        found = find_spec(module) is not None
    except (ImportError, ValueError):  # a missing parent package, or a module blocked in sys.modules
        found = False
    if not found:
        raise MissingExtra(extra, module, needed_by)


@contextmanager
def imports_of(extra: str, needed_by: str) -> Iterator[None]:
    """Around the imports of a command that needs an extra: any module it lacks becomes MissingExtra."""
    try:
        yield
    except ModuleNotFoundError as exc:
        raise MissingExtra(extra, exc.name or str(exc), needed_by) from None

"""`--download-modules`: fetching what `terraform init` would, without the terraform binary.

Registry sources (`namespace/name/provider`, `host/namespace/name/provider`) are resolved as Terraform does:
service discovery (`/.well-known/terraform.json`), the version list (`/v1/modules/…/versions`) matched against
the call's `version` constraint, and the download URL the registry names in `X-Terraform-Get`. `git::` and
`github.com/…` sources are cloned (`?ref=`, `//subdir`), https archives (`.zip`, `.tar.gz`, `?archive=`) are
unpacked. Private registries get the token Terraform would send: `TF_TOKEN_<host>`, else a `credentials` block
of the CLI configuration (`TF_CLI_CONFIG_FILE`, `~/.terraformrc`) or `~/.terraform.d/credentials.tfrc.json`.

Copies are cached under `$TENET_CACHE_DIR`, else `$XDG_CACHE_HOME/tenet/modules` (`~/.cache/tenet/modules`),
keyed by source and resolved version. Tenet fetched them, so each copy is a trust boundary of its own: the
files of a downloaded module read only within that copy. Every request and clone is bounded in time and size.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
REQUEST_TIMEOUT = 30.0
CLONE_TIMEOUT = 120.0
DEFAULT_REGISTRY = "registry.terraform.io"
_COMPLETE = ".tenet-download-complete"

_REGISTRY = re.compile(r"^(?:(?P<host>[A-Za-z0-9.-]+\.[A-Za-z0-9.-]+(?::\d+)?|localhost(?::\d+)?|[0-9.]+:\d+)/)?"
                       r"(?P<namespace>[A-Za-z0-9][A-Za-z0-9_-]*)/(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)/"
                       r"(?P<provider>[a-z0-9]+)(?://(?P<subdir>.+))?$")
_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_CONSTRAINT = re.compile(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*$")


class DownloadError(Exception):
    """Why a module could not be fetched (said in the warning for its `module` block)."""


@dataclass(frozen=True)
class Fetched:
    """A downloaded module: the directory to read, the copy it lies in (its trust boundary), and how reports
    name it (`terraform-aws-modules/security-group/aws 5.1.0`)."""

    directory: Path
    copy: Path
    label: str


@dataclass
class ModuleDownloader:
    cache_dir: Path = field(default_factory=lambda: default_cache_dir())
    # Token texts sent to registries: hidden in every report.
    secrets: set[str] = field(default_factory=set)
    # Whether a `file://` repository on this machine may be read: only one inside the trust boundary.
    local_allowed: Callable[[str], bool] = lambda path: False

    def fetch(self, source: str, version: str | None) -> Fetched:
        registry = _REGISTRY.match(source)
        if registry is not None and not source.startswith(("github.com/", "bitbucket.org/")):
            return self._registry(registry, source, version)
        if version is not None:
            raise DownloadError(f"a version constraint applies only to registry modules, not to {source!r}")
        url, subdir, ref, kind = _remote(source)
        self._check_local(url)
        key = _key(f"{kind}:{url}@{ref or ''}")
        copy = self._cached(key, lambda target: self._get(kind, url, ref, target, host_token=None))
        return Fetched(_subdir(copy, subdir, source), copy, package_label(source, ref))

    # -- registry ---------------------------------------------------------------------------------

    def _registry(self, m: re.Match[str], source: str, constraint: str | None) -> Fetched:
        host = (m.group("host") or DEFAULT_REGISTRY).lower()
        token = self.token(host)
        address = f"{m.group('namespace')}/{m.group('name')}/{m.group('provider')}"
        base = self._modules_url(host, token)
        listing = _json(self._request(urllib.parse.urljoin(base, f"{address}/versions"), token)[0])
        available = [v.get("version") for entry in _list(listing.get("modules"))
                     for v in _list(_dict(entry).get("versions")) if isinstance(v, dict)]
        chosen = best_version([v for v in available if isinstance(v, str)], constraint)
        if chosen is None:
            raise DownloadError(f"no version of {address} on {host} matches {constraint or 'any version'!r} "
                                f"(available: {', '.join(sorted(set(map(str, available)))[:10]) or 'none'})")
        download = urllib.parse.urljoin(base, f"{address}/{chosen}/download")
        key = _key(f"registry:{host}/{address}@{chosen}")

        def get(target: Path) -> None:
            _, headers = self._request(download, token, body=False)
            location = headers.get("x-terraform-get")
            if not location:
                raise DownloadError(f"the registry gave no X-Terraform-Get for {address} {chosen}")
            location = urllib.parse.urljoin(download, location) if "::" not in location else location
            url, inner, ref, kind = _remote(location)
            self._check_local(url)
            same_host = urllib.parse.urlsplit(url).netloc.lower() == host
            self._get(kind, url, ref, target / "module", host_token=token if same_host else None)
            if inner:
                (target / ".tenet-subdir").write_text(inner, encoding="utf-8")

        copy = self._cached(key, get)
        inner_file = copy / ".tenet-subdir"
        inner = inner_file.read_text(encoding="utf-8") if inner_file.is_file() else ""
        root = _subdir(copy / "module", inner, source)
        label = package_label(source, chosen)
        return Fetched(_subdir(root, m.group("subdir") or "", source), copy / "module", label)

    def _check_local(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "file" and not self.local_allowed(urllib.parse.unquote(parts.path)):
            raise DownloadError(f"{_shown(url)}: a file:// source outside the scanned repository is not read")

    def _modules_url(self, host: str, token: str | None) -> str:
        discovery = f"https://{host}/.well-known/terraform.json"
        services = _json(self._request(discovery, token)[0])
        modules = services.get("modules.v1")
        if not isinstance(modules, str):
            raise DownloadError(f"{host} offers no module registry (no modules.v1 in its service discovery)")
        return urllib.parse.urljoin(discovery, modules if modules.endswith("/") else modules + "/")

    def token(self, host: str) -> str | None:
        """The credentials Terraform would send to `host`."""
        name = "TF_TOKEN_" + host.replace("-", "__").replace(".", "_").replace(":", "_")
        token = os.environ.get(name) or _cli_config_token(host)
        if token:
            self.secrets.add(token)
        return token

    def _request(self, url: str, token: str | None, *, body: bool = True) -> tuple[bytes, dict[str, str]]:
        import urllib.request

        if urllib.parse.urlsplit(url).scheme != "https":
            raise DownloadError(f"refusing a registry URL that is not https: {url}")
        request = urllib.request.Request(url, headers={"User-Agent": "tenet"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                data = response.read(MAX_RESPONSE_BYTES + 1) if body else b""
                headers = {k.lower(): v for k, v in response.headers.items()}
        except OSError as exc:
            raise DownloadError(f"{_shown(url)}: {getattr(exc, 'reason', None) or exc}") from None
        if len(data) > MAX_RESPONSE_BYTES:
            raise DownloadError(f"{_shown(url)}: the answer is larger than {MAX_RESPONSE_BYTES // 1048576} MiB")
        return data, headers

    # -- fetching ---------------------------------------------------------------------------------

    def _cached(self, key: str, get: Any) -> Path:
        target = self.cache_dir / key
        if (target / _COMPLETE).is_file():
            return target
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=self.cache_dir))
        try:
            get(staging)
            (staging / _COMPLETE).write_text("", encoding="utf-8")
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def _get(self, kind: str, url: str, ref: str | None, target: Path, host_token: str | None) -> None:
        target.mkdir(parents=True, exist_ok=True)
        if kind == "git":
            _clone(url, ref, target)
        else:
            data = self._archive(url, host_token)
            _unpack(data, url, target)

    def _archive(self, url: str, token: str | None) -> bytes:
        import urllib.request

        if urllib.parse.urlsplit(url).scheme != "https":
            raise DownloadError(f"refusing an archive URL that is not https: {_shown(url)}")
        request = urllib.request.Request(url, headers={"User-Agent": "tenet"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                data: bytes = response.read(MAX_ARCHIVE_BYTES + 1)
        except OSError as exc:
            raise DownloadError(f"{_shown(url)}: {getattr(exc, 'reason', None) or exc}") from None
        if len(data) > MAX_ARCHIVE_BYTES:
            raise DownloadError(f"{_shown(url)}: the archive is larger than {MAX_ARCHIVE_BYTES // 1048576} MiB")
        return data


def package_label(source: str, version: str | None) -> str:
    """How reports name a module package: its source as the call wrote it, without `//subdir`, `?query` or
    credentials, then its resolved version (a registry version, a git ref), if any:
    `terraform-aws-modules/security-group/aws 5.1.0`, `git::https://example.com/net.git v1.2.0`.
    A file inside is `LABEL //path/from/the/package/root`."""
    address = re.sub(r"://[^/@]*@", "://", split_package(source)[0])
    return f"{address} {version}" if version else address


def split_package(source: str) -> tuple[str, str, str]:
    """A module source as (package address, `//subdirectory` without its slashes, `?ref=` or "")."""
    address, _, query = source.partition("?")
    ref = next((v for k, v in urllib.parse.parse_qsl(query) if k == "ref"), "")
    scheme = address.find("://")
    cut = address.find("//", scheme + 3 if scheme >= 0 else 0)
    if cut < 0:
        return address, "", ref
    return address[:cut], address[cut + 2:].strip("/"), ref


def default_cache_dir() -> Path:
    explicit = os.environ.get("TENET_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "tenet", "modules")


def source_credentials(source: str) -> set[str]:
    """Texts of a module source that are credentials: a URL's password (or a token given as its user), and its
    query values other than `ref`, `depth` and `archive` (`?token=`, a signed URL's `sig=`, `sshkey=`).
    Hidden in every report, like registry tokens."""
    address = source.split("::", 1)[1] if re.match(r"^[A-Za-z0-9+.-]+::", source) else source
    try:
        parts = urllib.parse.urlsplit(address)
        password, user = parts.password, parts.username
    except ValueError:
        return set()
    texts = {v for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=False)
             if k not in ("ref", "depth", "archive")}
    if password:
        texts.add(password)
    elif user and parts.scheme in ("https", "http"):
        texts.add(user)
    return {t for t in texts if t}


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _shown(url: str) -> str:
    """A URL without credentials or query (signed URLs carry secrets)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.hostname or "", parts.path, "", ""))


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise DownloadError("the registry's answer is not JSON") from None
    return value if isinstance(value, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _remote(source: str) -> tuple[str, str, str | None, str]:
    """(URL, //subdir, ?ref, "git" or "archive") of a git, GitHub or https source."""
    kind = ""
    if source.startswith("git::"):
        kind, source = "git", source[len("git::"):]
    elif source.startswith(("github.com/", "bitbucket.org/")):
        kind, source = "git", "https://" + source
    elif re.match(r"^[A-Za-z0-9+.-]+::", source):
        raise DownloadError(f"the {source.split('::')[0]!r} getter is not supported (git::, github.com/… and "
                            "https archives are)")
    parts = urllib.parse.urlsplit(source)
    if parts.scheme not in ("https", "ssh", "file", "http") and not source.startswith("git@"):
        raise DownloadError(f"{source!r} is neither a registry address nor a git, GitHub or https source")
    path, subdir = parts.path, ""
    if "//" in path:
        path, subdir = path.split("//", 1)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ref = next((v for k, v in query if k == "ref"), None)
    archive = next((v for k, v in query if k == "archive"), None)
    rest = [(k, v) for k, v in query if k not in ("ref", "archive", "depth")]
    url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, urllib.parse.urlencode(rest), ""))
    if source.startswith("git@"):
        url = source.split("?")[0].split("//")[0]
    if not kind:
        is_archive = archive is not None or re.search(r"\.(zip|tar\.gz|tgz|tar\.bz2|tar\.xz|tar)$", path) is not None
        kind = "archive" if is_archive else "git" if path.endswith(".git") else ""
        if not kind:
            raise DownloadError(f"{source!r}: not an archive (.zip, .tar.gz) and not a git:: source")
    if kind == "git" and parts.scheme == "http":
        raise DownloadError(f"refusing plain http for {_shown(url)}")
    return url, subdir.strip("/"), ref, kind


def _subdir(root: Path, subdir: str, source: str) -> Path:
    if not subdir:
        return root
    target = Path(os.path.normpath(root / subdir))
    real_root = os.path.realpath(root)
    if not (os.path.realpath(target) + os.sep).startswith(real_root + os.sep) and os.path.realpath(target) != \
            real_root:
        raise DownloadError(f"{source!r}: the subdirectory {subdir!r} leads outside the downloaded module")
    if not target.is_dir():
        raise DownloadError(f"{source!r}: the subdirectory {subdir!r} is not in the downloaded module")
    return target


def _clone(url: str, ref: str | None, target: Path) -> None:
    import subprocess

    git = shutil.which("git")
    if git is None:
        raise DownloadError("git is not installed")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
           "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LANG": "C",
           # Never ext:: or another helper; file:// only as checked above.
           "GIT_ALLOW_PROTOCOL": "https:ssh:file"}
    commands = [[git, "clone", "--quiet", "--depth", "1", *(["--branch", ref] if ref else []), "--", url,
                 str(target)]]
    if ref and re.fullmatch(r"[0-9a-f]{7,40}", ref):  # a commit: fetched by its id
        commands = [[git, "clone", "--quiet", "--no-checkout", "--", url, str(target)],
                    [git, "-C", str(target), "checkout", "--quiet", ref]]
    for command in commands:
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                                  timeout=CLONE_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise DownloadError(f"git clone of {_shown(url)} took longer than {CLONE_TIMEOUT:.0f} s") from None
        if done.returncode != 0:
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DownloadError(f"git clone of {_shown(url)}{f' at {ref}' if ref else ''} failed: "
                                f"{lines[-1][:300] if lines else done.returncode}")
    shutil.rmtree(target / ".git", ignore_errors=True)


def _unpack(data: bytes, url: str, target: Path) -> None:
    """A zip or tar archive, refusing members that leave the target, links and special files."""
    real = os.path.realpath(target)

    def inside(name: str) -> Path:
        path = Path(os.path.normpath(os.path.join(real, name)))
        if not str(path).startswith(real + os.sep):
            raise DownloadError(f"{_shown(url)}: the archive member {name!r} leads outside it")
        return path

    if data[:4] == b"PK\x03\x04":
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            total = 0
            for info in zipped.infolist():
                total += info.file_size
                if total > MAX_ARCHIVE_BYTES:
                    raise DownloadError(f"{_shown(url)}: the archive unpacks to more than "
                                        f"{MAX_ARCHIVE_BYTES // 1048576} MiB")
                path = inside(info.filename)
                if info.is_dir():
                    path.mkdir(parents=True, exist_ok=True)
                    continue
                if (info.external_attr >> 16) & 0o170000 not in (0, 0o100000):
                    continue  # links and special files are not unpacked
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(zipped.read(info))
        return
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            total = 0
            for member in archive.getmembers():
                path = inside(member.name)
                if member.isdir():
                    path.mkdir(parents=True, exist_ok=True)
                elif member.isfile():
                    total += member.size
                    if total > MAX_ARCHIVE_BYTES:
                        raise DownloadError(f"{_shown(url)}: the archive unpacks to more than "
                                            f"{MAX_ARCHIVE_BYTES // 1048576} MiB")
                    extracted = archive.extractfile(member)
                    if extracted is not None:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(extracted.read())
    except tarfile.TarError as exc:
        raise DownloadError(f"{_shown(url)}: not a zip or tar archive ({exc})") from None


def _cli_config_token(host: str) -> str | None:
    """A `credentials "host" { token = "…" }` block of the CLI configuration, or credentials.tfrc.json."""
    home = os.path.expanduser("~")
    config = os.environ.get("TF_CLI_CONFIG_FILE") or os.path.join(home, ".terraformrc")
    if os.path.isfile(config):
        from scanner.sources.terraform.hcl import HclSyntaxError, LiteralValue, parse

        try:
            with open(config, encoding="utf-8") as handle:
                body = parse(handle.read(1024 * 1024), config)
        except (OSError, UnicodeDecodeError, HclSyntaxError):
            body = None
        for block in body.blocks if body is not None else []:
            if block.type == "credentials" and block.labels and block.labels[0].lower() == host:
                token = block.body.attributes.get("token")
                if token is not None and isinstance(token.expr, LiteralValue) and isinstance(token.expr.value, str):
                    return token.expr.value
    stored = os.path.join(home, ".terraform.d", "credentials.tfrc.json")
    if os.path.isfile(stored):
        try:
            with open(stored, encoding="utf-8") as handle:
                entries = json.loads(handle.read(1024 * 1024)).get("credentials", {})
            token = entries.get(host, {}).get("token")
        except (OSError, ValueError, AttributeError):
            return None
        return token if isinstance(token, str) else None
    return None


def parse_version(text: str) -> tuple[int, int, int, tuple[Any, ...]] | None:
    m = _VERSION.match(text.strip())
    if m is None:
        return None
    pre = m.group(4)
    prerelease: tuple[Any, ...] = (1,) if pre is None else (0, *((0, int(p)) if p.isdigit() else (1, p)
                                                                    for p in pre.split(".")))
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0), prerelease


def best_version(available: list[str], constraint: str | None) -> str | None:
    """The newest version meeting Terraform's constraint syntax (`~> 1.2`, `>= 1.0, < 2.0`, `1.2.3`); a
    pre-release only when named exactly."""
    parsed = [(v, p) for v in available if (p := parse_version(v)) is not None]
    clauses = [c for c in (constraint or "").split(",") if c.strip()]
    exact = set()
    checks = []
    for clause in clauses:
        m = _CONSTRAINT.match(clause)
        wanted = parse_version(m.group(2)) if m else None
        if m is None or wanted is None:
            raise DownloadError(f"invalid version constraint {constraint!r}")
        op = m.group(1) or "="
        if op == "=":
            exact.add(wanted)
        checks.append((op, wanted, m.group(2)))
    matching = [(v, p) for v, p in parsed if all(_meets(p, op, w, raw) for op, w, raw in checks)
                and (p[3] == (1,) or p in exact)]
    return max(matching, key=lambda vp: vp[1])[0] if matching else None


def _meets(version: tuple[Any, ...], op: str, wanted: tuple[Any, ...], raw: str) -> bool:
    if op == "=":
        return version == wanted
    if op == "!=":
        return version != wanted
    if op == ">":
        return version > wanted
    if op == ">=":
        return version >= wanted
    if op == "<":
        return version < wanted
    if op == "<=":
        return version <= wanted
    # ~>: at least the version, below the next increment of its next-to-last given part.
    parts = raw.lstrip("v").split("-")[0].split(".")
    if version < wanted:
        return False
    if len(parts) <= 1:
        return True
    same_major: bool = version[0] == wanted[0]
    return same_major if len(parts) == 2 else same_major and version[1] == wanted[1]

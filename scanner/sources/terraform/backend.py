"""Where a configuration keeps its state: `--state` addresses and the `backend` block (`--state auto`).

Pure: nothing here opens the network. An address names a local file, an S3 object (`s3://bucket/key`), an
Azure blob (`azurerm://account/container/key`) or a GCS object (`gs://bucket/object`); `--state auto` reads
the `terraform { backend "…" { … } }` block of the configuration, completed by `-backend-config`-style
`key=value` settings, and computes the object the current workspace's state is in, as Terraform does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

StateKind = Literal["local", "s3", "azurerm", "gcs"]
AUTO = "auto"
_SCHEMES: dict[str, StateKind] = {"s3://": "s3", "azurerm://": "azurerm", "gs://": "gcs"}
# The storage suffix of each Azure cloud (the azurerm backend's `environment`).
AZURE_STORAGE_SUFFIXES = {"public": "core.windows.net", "usgovernment": "core.usgovcloudapi.net",
                          "china": "core.chinacloudapi.cn"}
_SUPPORTED = ("local", "s3", "azurerm", "gcs")


class BackendError(ValueError):
    """A backend that cannot be read: the message says which file, which setting and why."""


@dataclass(frozen=True)
class StateAddress:
    """One state: a local file, or an object in a bucket or container."""

    kind: StateKind
    bucket: str = ""  # the S3 or GCS bucket; the Azure storage account
    key: str = ""  # the object key, blob name or local path
    container: str = ""  # Azure only
    region: str | None = None  # S3 only
    profile: str | None = None  # S3 only: the backend's named AWS profile
    environment: str = "public"  # Azure only

    @property
    def remote(self) -> bool:
        return self.kind != "local"

    def __str__(self) -> str:
        if self.kind == "s3":
            return f"s3://{self.bucket}/{self.key}"
        if self.kind == "gcs":
            return f"gs://{self.bucket}/{self.key}"
        if self.kind == "azurerm":
            return f"azurerm://{self.bucket}/{self.container}/{self.key}"
        return self.key


def parse_address(text: str) -> StateAddress:
    """A `--state` value other than `auto`: a URL of a backend, or a local path."""
    for scheme, kind in _SCHEMES.items():
        if text.startswith(scheme):
            rest = text[len(scheme):]
            parts = rest.split("/", 2 if kind == "azurerm" else 1)
            if len(parts) < (3 if kind == "azurerm" else 2) or not all(parts):
                form = {"s3": "s3://BUCKET/KEY", "gcs": "gs://BUCKET/OBJECT",
                        "azurerm": "azurerm://ACCOUNT/CONTAINER/BLOB"}[kind]
                raise BackendError(f"--state {text}: give the state's address as {form}")
            if kind == "azurerm":
                return StateAddress(kind, bucket=parts[0], container=parts[1], key=parts[2])
            return StateAddress(kind, bucket=parts[0], key=parts[1])
    return StateAddress("local", key=text)


def parse_backend_config(values: Sequence[str], cwd: Path) -> dict[str, str]:
    """`--backend-config` values, in order: `key=value`, or a file of `key = "value"` lines (as `terraform init
    -backend-config=FILE` takes). A later value wins, as in Terraform."""
    settings: dict[str, str] = {}
    for value in values:
        if "=" in value:
            key, _, setting = value.partition("=")
            settings[key.strip()] = _unquoted(setting.strip())
            continue
        path = cwd / value
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BackendError(f"--backend-config {value}: neither key=value nor a readable file "
                               f"({type(exc).__name__})") from None
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith(("#", "//")):
                continue
            key, sep, setting = line.partition("=")
            if not sep or not key.strip():
                raise BackendError(f"{value}:{number}: expected key = \"value\"")
            settings[key.strip()] = _unquoted(setting.strip())
    return settings


def _unquoted(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


@dataclass(frozen=True)
class Backend:
    """The `backend` block of a configuration: its type, literal settings and where it is written."""

    type: str
    settings: Mapping[str, str]
    where: str  # "main.tf:3", or "" when the configuration has none (the local backend by default)


def backend_of(config_dir: Path, shown: str) -> Backend:
    """The backend block of the root module in `config_dir` (`shown` is how messages name the directory)."""
    from scanner.sources.terraform.hcl import DictScope, EvaluationError, Evaluator, HclSyntaxError, parse
    from scanner.sources.terraform.hcl.sensitive import unmark

    found: list[Backend] = []
    for path in sorted(config_dir.glob("*.tf")):
        name = f"{shown.rstrip('/')}/{path.name}" if shown not in ("", ".") else path.name
        try:
            body = parse(_code_text(config_dir, path, name), name)
        except (OSError, UnicodeDecodeError) as exc:
            raise BackendError(f"{name}: cannot be read ({type(exc).__name__})") from None
        except HclSyntaxError as exc:
            raise BackendError(f"{name}: {exc}") from None
        for block in body.blocks:
            if block.type != "terraform":
                continue
            for inner in block.body.blocks:
                where = f"{name}:{inner.range.start_line}"
                if inner.type == "cloud":
                    raise BackendError(f"{where}: the state is in HCP Terraform (a `cloud` block), which --state "
                                       f"auto does not read; one of {', '.join(_SUPPORTED)} is")
                if inner.type != "backend" or not inner.labels:
                    continue
                settings: dict[str, str] = {}
                for attr in inner.body.attributes.values():
                    try:
                        value = unmark(Evaluator(DictScope({}), name).evaluate(attr.expr))[0]
                    except EvaluationError:
                        value = None
                    if isinstance(value, bool):
                        settings[attr.name] = "true" if value else "false"
                    elif isinstance(value, (str, int, float)):
                        settings[attr.name] = str(value)
                    elif attr.name in _SETTINGS_READ:
                        # Terraform itself refuses variables and references in a backend block.
                        raise BackendError(f"{name}:{attr.range.start_line}: backend setting {attr.name!r} is not "
                                           "a literal string")
                found.append(Backend(inner.labels[0], settings, where))
    if len(found) > 1:
        raise BackendError(f"{found[1].where}: a second backend block (the first is at {found[0].where})")
    return found[0] if found else Backend("local", {}, "")


# The settings read for each supported backend type.
_SETTINGS_READ = frozenset({"path", "workspace_dir", "bucket", "key", "region", "workspace_key_prefix", "profile",
                            "storage_account_name", "container_name", "environment", "prefix"})


def initialized_settings(config_dir: Path, backend_type: str) -> dict[str, str]:
    """The backend settings `terraform init` recorded in .terraform/terraform.tfstate (the block's, completed by
    its -backend-config), when it initialized the same backend type: after `terraform init`, no
    --backend-config needs repeating."""
    import json

    try:
        recorded = json.loads(_code_text(config_dir, config_dir / ".terraform" / "terraform.tfstate",
                                         ".terraform/terraform.tfstate"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    backend = recorded.get("backend") if isinstance(recorded, dict) else None
    if not isinstance(backend, dict) or backend.get("type") != backend_type or not isinstance(
            backend.get("config"), dict):
        return {}
    return {key: ("true" if value else "false") if isinstance(value, bool) else str(value)
            for key, value in backend["config"].items() if isinstance(value, (str, int, float, bool)) and value != ""}


def _code_text(config_dir: Path, path: Path, name: str) -> str:
    """A file of the configuration, through the trust boundary of a scan of `config_dir`: the configuration may
    come from a pull request, so a link of it leading out, or a FIFO, is refused (a BackendError naming the file,
    never its content). A missing file is the caller's FileNotFoundError."""
    from scanner.sources.boundary import Boundary, NotOpened, TooLarge
    from scanner.sources.interface import DEFAULT_MAX_FILE_BYTES

    if not os.path.lexists(path):
        raise FileNotFoundError(name)
    try:
        return Boundary.around([config_dir]).read_bytes(path, DEFAULT_MAX_FILE_BYTES).decode("utf-8")
    except NotOpened as exc:
        raise BackendError(f"{name}: {exc.refused.message}") from None
    except TooLarge as exc:
        raise BackendError(f"{name}: {exc.size} bytes, more than a configuration file may have") from None


def current_workspace(config_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """TF_WORKSPACE, else the workspace `terraform workspace select` recorded, else `default`."""
    env = os.environ if environ is None else environ
    if env.get("TF_WORKSPACE"):
        return env["TF_WORKSPACE"]
    try:
        selected = _code_text(config_dir, config_dir / ".terraform" / "environment", ".terraform/environment").strip()
    except (OSError, UnicodeDecodeError):
        return "default"
    return selected or "default"


def auto_address(config_dir: Path, shown: str, overrides: Mapping[str, str],
                 environ: Mapping[str, str] | None = None) -> StateAddress:
    """The address of the current workspace's state, from the backend block and the `--backend-config` settings."""
    backend = backend_of(config_dir, shown)
    settings = {**backend.settings, **initialized_settings(config_dir, backend.type), **overrides}
    workspace = current_workspace(config_dir, environ)
    default = workspace == "default"
    where = backend.where or f"{shown} (no backend block: the local backend)"

    def need(key: str) -> str:
        value = settings.get(key, "")
        if not value:
            raise BackendError(f"{where}: the {backend.type} backend has no {key!r}; give it with --backend-config "
                               f"{key}=…")
        return value

    if backend.type == "local":
        path = settings.get("path", "terraform.tfstate")
        if not default:
            path = f"{settings.get('workspace_dir', 'terraform.tfstate.d')}/{workspace}/terraform.tfstate"
        if not backend.where and not (config_dir / path).is_file():
            raise BackendError(f"{shown}: no backend block and no {path}: run where the configuration is, or give "
                               "--source-dir or --state")
        return StateAddress("local", key=str(config_dir / path))
    if backend.type == "s3":
        key = need("key")
        if not default:
            key = f"{settings.get('workspace_key_prefix', 'env:')}/{workspace}/{key}"
        return StateAddress("s3", bucket=need("bucket"), key=key, region=settings.get("region") or None,
                            profile=settings.get("profile") or None)
    if backend.type == "azurerm":
        key = need("key")
        if not default:
            key = f"{key}env:{workspace}"
        environment = settings.get("environment", "public").lower()
        if environment not in AZURE_STORAGE_SUFFIXES:
            raise BackendError(f"{where}: azurerm environment {environment!r} is not one of "
                               f"{', '.join(AZURE_STORAGE_SUFFIXES)}")
        return StateAddress("azurerm", bucket=need("storage_account_name"), container=need("container_name"),
                            key=key, environment=environment)
    if backend.type == "gcs":
        prefix = settings.get("prefix", "").strip("/")
        return StateAddress("gcs", bucket=need("bucket"), key=f"{prefix}/{workspace}.tfstate".lstrip("/"))
    raise BackendError(f"{where}: backend type {backend.type!r} is not supported by --state auto (supported: "
                       f"{', '.join(_SUPPORTED)}); save the state with `terraform state pull > terraform.tfstate` "
                       "and give --state terraform.tfstate")


__all__ = ["AUTO", "Backend", "BackendError", "StateAddress", "auto_address", "backend_of",
           "current_workspace", "initialized_settings", "parse_address", "parse_backend_config"]

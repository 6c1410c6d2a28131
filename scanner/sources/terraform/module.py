"""A Terraform module directory: its files, variables, locals, resources and data sources.

Values are resolved lazily and in context: a resource attribute that refers to
a variable defined in a sibling file, a local, or another resource's literal
attribute is evaluated where it is needed, with cycles cut to `Unknown`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.engine.findings import ErrorLevel, ScanError
from scanner.engine.redaction import secret_texts
from scanner.model import Location, Origin, SourceKind, Unknown
from scanner.sources.files import InputError, read_text
from scanner.sources.interface import LoadContext
from scanner.sources.terraform import types
from scanner.sources.terraform.hcl import (
    Attribute,
    Block,
    Body,
    DictScope,
    EvaluationError,
    Evaluator,
    FunctionCall,
    HclSyntaxError,
    Range,
    Scope,
    Variable,
    parse,
)
from scanner.sources.terraform.hcl import (
    JsonDocument as _JsonDocument,
)
from scanner.sources.terraform.hcl.sensitive import Sensitive, mark, unmark


def location(path: str, r: Range) -> Location:
    return Location(
        path=path, start_line=r.start_line, end_line=r.end_line, start_column=r.start_column, end_column=r.end_column
    )


@dataclass(frozen=True, slots=True)
class Declared:
    """A top-level block and the file it is in."""

    block: Block
    path: str  # as shown in reports


@dataclass
class ModuleFiles:
    """The parsed files of one directory."""

    directory: Path
    bodies: list[tuple[str, Body]] = field(default_factory=list)
    tfvars: list[tuple[str, Body]] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


# A module directory with this much HCL keeps its resource blocks as their text until each is mapped (parsed again
# then): a large module is never held as one syntax tree. A smaller one is parsed once, kept whole.
DEFER_BYTES = 1024 * 1024
_DEFERRED = frozenset({"resource"})
# What a syntax error quotes (`found "hunter2"`): each quoted span, paired from the left, or running to the end
# of its line when no quote closes it.
_QUOTED = re.compile(r'"[^"\n]*(?:"|$)', re.MULTILINE)


def _without_words(message: str) -> str:
    """A syntax error of a variables file without a word of it: indicators (`"="`, `"{"`) stay, every other
    quoted span becomes `"…"`."""
    def hide(m: re.Match[str]) -> str:
        quoted = m.group(0)
        closed = len(quoted) > 1 and quoted.endswith('"')
        return quoted if closed and not any(c.isalnum() for c in quoted) else '"…"'

    return _QUOTED.sub(hide, message)


def _parse_file(path: Path, ctx: LoadContext, out: ModuleFiles, *, values: bool = False,
                defer: frozenset[str] = frozenset()) -> Body | None:
    """`values`: a variables file, whose words may be secrets, so its syntax errors quote none of them."""
    shown = ctx.display_path(path)
    try:
        text = read_text(path, ctx)
        out.files.append(shown)  # read: it counts as scanned, even if it does not parse
        if path.name.endswith(".json"):  # Terraform's JSON syntax, into the same tree
            from scanner.sources.terraform.hcl.json_syntax import parse_json_config, parse_json_values

            return (parse_json_values if values else parse_json_config)(text, shown)
        return parse(text, shown, defer=defer)
    except InputError as exc:
        out.errors.append(exc.error)
    except HclSyntaxError as exc:
        message = _without_words(exc.message) if values else exc.message
        out.errors.append(ScanError(path=shown, line=exc.line, column=exc.column, message=message))
    return None


def _tfvars_order(directory: Path, var_files: Sequence[Path]) -> list[Path]:
    """Terraform's precedence, lowest first: terraform.tfvars, terraform.tfvars.json, *.auto.tfvars and
    *.auto.tfvars.json (sorted by name together), -var-file."""
    files = [directory / name for name in ("terraform.tfvars", "terraform.tfvars.json") if _present(directory / name)]
    files += sorted((p for pattern in ("*.auto.tfvars", "*.auto.tfvars.json") for p in directory.glob(pattern)
                     if _present(p)), key=lambda p: p.name)
    return files + list(var_files)


def _present(path: Path) -> bool:
    """A name the module has, whatever it is (a FIFO or a link leading out is reported by its reading), but
    not a directory."""
    return os.path.lexists(path) and not path.is_dir()


def read_module(directory: Path, ctx: LoadContext) -> ModuleFiles:
    out = ModuleFiles(directory=directory)
    paths = sorted([*directory.glob("*.tf"), *directory.glob("*.tf.json")])
    # Sizes as listed (a link's own): what is read is the boundary's to say, when it is read.
    size = sum(os.lstat(p).st_size for p in paths if p.name.endswith(".tf") and os.path.lexists(p))
    defer = _DEFERRED if size >= DEFER_BYTES else frozenset()
    for path in paths:
        if _present(path):
            body = _parse_file(path, ctx, out, defer=defer)
            if body is not None:
                out.bodies.append((ctx.display_path(path), body))
    for path in _tfvars_order(directory, ctx.var_files):
        body = _parse_file(path, ctx, out, values=True)
        if body is not None:
            out.tfvars.append((ctx.display_path(path), body))
    return out


_NOT_LITERAL = {Variable: "Variables not allowed: variables may not be used here",
                FunctionCall: "Functions may not be called here"}


def _not_literal(expr: Any) -> Any:
    """The first variable reference or function call in a .tfvars value (Terraform allows neither), or None."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Variable | FunctionCall):
            return node
        if isinstance(node, list | tuple):
            stack.extend(reversed(node))
        elif dataclasses.is_dataclass(node) and not isinstance(node, type | Range):
            stack.extend(reversed([getattr(node, f.name) for f in dataclasses.fields(node)]))
    return None


_META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
MAX_MODULE_DEPTH = 16
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')


class ModuleReader:
    """Parses each directory once, and finds where a module call's source is on disk.

    Local sources (`./x`, `../x`) are directories relative to the caller;
    registry and git sources are found only where `terraform init` recorded
    them in `.terraform/modules/modules.json`. Nothing is ever downloaded.
    """

    def __init__(self, ctx: LoadContext, secrets: set[str] | None = None) -> None:
        self.ctx = ctx
        # The texts of every sensitive value met in these modules: hidden in every report.
        self.secrets: set[str] = set() if secrets is None else secrets
        self._files: dict[Path, ModuleFiles] = {}
        # Downloaded copies (real paths) and the context their modules are read in.
        self._copies: dict[str, LoadContext] = {}
        self._downloader: Any = None
        self._manifests: dict[Path, dict[str, Path] | str] = {}
        # The versions `terraform init` resolved, by root module directory and call key.
        self._versions: dict[tuple[Path, str], str] = {}

    def files(self, directory: Path) -> ModuleFiles:
        key = directory.resolve()
        if key not in self._files:
            self._files[key] = read_module(directory, self.context_for(directory))
        return self._files[key]

    def context_for(self, directory: Path) -> LoadContext:
        """The scan's context, or for a module Tenet downloaded, one whose boundary is that copy alone."""
        real = os.path.realpath(directory)
        for copy, ctx in self._copies.items():
            if real == copy or real.startswith(copy + os.sep):
                return ctx
        return self.ctx

    def resolve(self, source: str, caller_dir: Path, root_dir: Path, call_key: str,
                version: str | None = None) -> Path | str:
        """The module's directory, or why it cannot be found."""
        from scanner.sources.terraform.download import source_credentials

        self.secrets.update(source_credentials(source))  # its messages quote the source
        if source.startswith(("./", "../")):
            target = caller_dir / source
            return self._inside(source, target, caller_dir) or (
                target if target.is_dir() else f"source {source!r} not found")
        manifest = self._manifest(root_dir)
        if isinstance(manifest, str):
            return f"source {source!r} cannot be located: {manifest}"
        installed = manifest.get(call_key)
        if installed is not None and installed.is_dir():
            refused = self._inside(source, installed, caller_dir)
            if refused is None:
                self._name_installed(source, installed, root_dir, call_key)
            return refused or installed
        if self.ctx.download_modules:
            return self._download(source, version)
        return (f"source {source!r} is not installed (run `terraform init`, or scan with --download-modules to "
                "let Tenet fetch it)")

    def _download(self, source: str, version: str | None) -> Path | str:
        from scanner.sources.boundary import Boundary
        from scanner.sources.terraform.download import DownloadError, Fetched, ModuleDownloader

        if self._downloader is None:
            boundary = self.ctx.boundary
            self._downloader = ModuleDownloader(
                secrets=self.secrets, local_allowed=lambda path: boundary.contains(os.path.realpath(path)))
        try:
            fetched: Fetched = self._downloader.fetch(source, version)
        except DownloadError as exc:
            return f"source {source!r} could not be downloaded: {exc}"
        copy = os.path.realpath(fetched.copy)
        if copy not in self._copies:
            # Tenet fetched it: the copy is a boundary of its own, its files read only within it.
            self.ctx.shown_prefixes[os.path.abspath(fetched.copy)] = fetched.label
            self.ctx.shown_prefixes[copy] = fetched.label
            self._copies[copy] = dataclasses.replace(self.ctx, boundary=Boundary(roots=(copy,), repository=False))
        return fetched.directory

    def _name_installed(self, source: str, directory: Path, root_dir: Path, call_key: str) -> None:
        """Reports name a registry, git or archive module `terraform init` installed by its source and version
        (`terraform-aws-modules/vpc/aws 5.1.0 //main.tf`), as they name a downloaded one."""
        from scanner.sources.terraform.download import package_label, split_package

        _, subdir, ref = split_package(source)
        package = directory
        for _ in Path(subdir).parts:  # `source//subdir`: the package is the directory the subdirectory lies in
            package = package.parent
        version = self._versions.get((root_dir, call_key)) or ref or None
        self.ctx.installed_modules[self.ctx.display_path(package)] = package_label(source, version)

    def _inside(self, source: str, directory: Path, caller_dir: Path) -> str | None:
        """Why a module directory is not read (it resolves outside the boundary), or None."""
        boundary = self.context_for(caller_dir).boundary
        refused = boundary.directory(directory)
        if refused is None:
            return None
        return f"source {source!r} resolves outside {boundary.describe()}"

    def _manifest(self, root_dir: Path) -> dict[str, Path] | str:
        """`terraform init`'s record of installed modules by call key; empty when init has not run,
        and why when the record cannot be read."""
        import json

        if root_dir not in self._manifests:
            entries: dict[str, Path] = {}
            path = root_dir / ".terraform" / "modules" / "modules.json"
            if path.is_file():
                try:
                    modules = json.loads(read_text(path, self.ctx)).get("Modules", [])
                except InputError as exc:
                    self._manifests[root_dir] = f"{exc.error.path}: {exc.error.message}"
                    return self._manifests[root_dir]
                except (ValueError, AttributeError):
                    self._manifests[root_dir] = f"{self.ctx.display_path(path)} is not a valid module manifest"
                    return self._manifests[root_dir]
                for m in modules if isinstance(modules, list) else []:
                    if isinstance(m, dict) and isinstance(m.get("Key"), str) and isinstance(m.get("Dir"), str):
                        entries[m["Key"]] = root_dir / m["Dir"]
                        if isinstance(m.get("Version"), str) and m["Version"]:
                            self._versions[(root_dir, m["Key"])] = m["Version"]
            self._manifests[root_dir] = entries
        return self._manifests[root_dir]


class _Overlay(Scope):
    """Names bound inside a module: `count`, `each`, a dynamic block's iterator."""

    def __init__(self, parent: Scope, names: Mapping[str, Any]) -> None:
        self.parent = parent
        self.names = dict(names)

    def lookup(self, root: str, where: Range) -> Any:
        if root in self.names:
            return self.names[root]
        return self.parent.lookup(root, where)


class Module(Scope):
    """One module instance: declarations plus the scope its expressions are evaluated in."""

    def __init__(
        self,
        files: ModuleFiles,
        ctx: LoadContext,
        *,
        reader: ModuleReader | None = None,
        root_dir: Path | None = None,
        call_key: str = "",
        address_prefix: str = "",
        inputs: Mapping[str, Any] | None = None,
        module_call: Location | None = None,
        module_chain: tuple[Location, ...] = (),
        depth: int = 0,
        multiplicity: int = 1,
        callers: tuple[Path, ...] = (),
    ) -> None:
        self.files = files
        # The real directories of the modules that led here, outermost first, and this one's: a call back into
        # one of them is a cycle.
        self.lineage = (*callers, files.directory.resolve())
        self.ctx = ctx
        self.reader = reader or ModuleReader(ctx)
        self.root_dir = root_dir or files.directory
        self.call_key = call_key
        self.address_prefix = address_prefix
        self.module_call = module_call
        self.module_chain = module_chain
        self.depth = depth
        # How many instances of this module there are (its calls' count/for_each multiplied down the tree): a
        # resource's instances are counted across all of them against `ctx.max_instances`.
        self.multiplicity = multiplicity
        self.secrets = self.reader.secrets
        self.errors: list[ScanError] = list(files.errors)
        self.variables: dict[str, Declared] = {}
        self.locals: dict[str, tuple[Attribute, str]] = {}
        self.resources: dict[tuple[str, str], Declared] = {}
        self.data: dict[tuple[str, str], Declared] = {}
        self.module_calls: dict[str, Declared] = {}
        self.outputs: dict[str, Declared] = {}
        self._collect()
        self._variable_values = self._resolve_variables(inputs)
        self._evaluating: set[tuple[str, ...]] = set()
        self._cache: dict[tuple[str, ...], Any] = {}

    # -- declarations --------------------------------------------------------------------------

    def _collect(self) -> None:
        for path, body in self.files.bodies:
            for block in body.blocks:
                declared = Declared(block=block, path=path)
                kind, labels = block.type, block.labels
                if kind == "locals":
                    for name, attr in block.body.attributes.items():
                        self._declare(self.locals, name, (attr, path), f"local.{name}", path, attr.range)
                    continue
                tables: dict[tuple[str, int], dict[Any, Any]] = {
                    ("variable", 1): self.variables,
                    ("resource", 2): self.resources,
                    ("data", 2): self.data,
                    ("module", 1): self.module_calls,
                    ("output", 1): self.outputs,
                }
                table = tables.get((kind, len(labels)))
                if table is not None:
                    key = labels[0] if len(labels) == 1 else (labels[0], labels[1])
                    self._declare(table, key, declared, f"{kind} {'.'.join(labels)}", path, block.range)

    def _declare(self, table: dict[Any, Any], key: Any, value: Any, what: str, path: str, where: Range) -> None:
        """Terraform rejects duplicate declarations; so do we, keeping the first."""
        if key in table:
            self.errors.append(ScanError(path=path, line=where.start_line, message=f"duplicate {what}"))
        else:
            table[key] = value

    def _resolve_variables(self, inputs: Mapping[str, Any] | None) -> dict[str, Any]:
        """Values by Terraform's precedence: default < TF_VAR_ < tfvars files < -var-file (< module inputs)."""
        values: dict[str, Any] = {}
        literal = DictScope({})
        for name, declared in self.variables.items():
            default = declared.block.body.attributes.get("default")
            if default is not None:
                values[name] = Evaluator(literal, declared.path, secrets=self.secrets).evaluate(default.expr)
            env = os.environ.get(f"TF_VAR_{name}")
            if env is not None:
                values[name] = env
        if inputs is None:
            for path, body in self.files.tfvars:
                for name, attr in body.attributes.items():
                    problem = _not_literal(attr.expr)
                    if problem is not None:
                        # As Terraform: an error at its line. The value is not echoed (it may be a secret).
                        self.errors.append(ScanError(path=path, line=problem.range.start_line,
                                                     column=problem.range.start_column,
                                                     message=f"{_NOT_LITERAL[type(problem)]} (the value of {name!r} "
                                                             "must be a literal: quote strings)"))
                        continue
                    if name not in self.variables:
                        self.errors.append(ScanError(
                            path=path, line=attr.range.start_line, level=ErrorLevel.WARNING,
                            message=f"value for undeclared variable {name!r} ignored",
                        ))
                        continue
                    values[name] = Evaluator(literal, path, secrets=self.secrets).evaluate(attr.expr)
        else:
            values.update(inputs)
        for name, declared in self.variables.items():
            if name in values:
                values[name] = self._typed(name, declared, values[name], literal)
        for name, declared in self.variables.items():
            if name not in values:
                values[name] = Unknown(
                    reason=f"variable {name!r} has no value (no default, and not set in terraform.tfvars, "
                    f"*.auto.tfvars or --var-file)",
                    path=declared.path,
                    line=declared.block.range.start_line,
                )
            elif self._declared_sensitive(declared):
                value = values[name]
                if isinstance(value, Unknown) and (inputs is None or name not in inputs):
                    # Why a literal failed may quote it (an unquoted word in terraform.tfvars is a reference).
                    value = Unknown(reason=f"the value of sensitive variable {name!r} could not be evaluated",
                                    path=value.path, line=value.line)
                values[name] = self.sensitive(value)
        return values

    def _typed(self, name: str, declared: Declared, value: Any, literal: Scope) -> Any:
        """`value` as Terraform hands it to the module: `nullable = false` turns a null into the default, and the
        `type` constraint converts it (optional attributes get their defaults)."""
        attrs = declared.block.body.attributes
        evaluate = Evaluator(literal, declared.path, secrets=self.secrets).evaluate
        if value is None and "nullable" in attrs and unmark(evaluate(attrs["nullable"].expr))[0] is False:
            value = evaluate(attrs["default"].expr) if "default" in attrs else Unknown(
                reason=f"variable {name!r} is not nullable and has no default, but null was given",
                path=declared.path, line=declared.block.range.start_line)
        spec = types.parse(attrs["type"].expr) if "type" in attrs else None
        if spec is None:
            return value
        try:
            return types.convert(value, spec, evaluate)
        except types.TypeConversionError as exc:
            return Unknown(reason=f"invalid value for variable {name!r}: {exc}", path=declared.path,
                           line=declared.block.range.start_line)

    def _declared_sensitive(self, declared: Declared) -> bool:
        """`sensitive = true` on a variable or output (a literal, as Terraform requires)."""
        attr = declared.block.body.attributes.get("sensitive")
        return attr is not None and unmark(Evaluator(DictScope({}), declared.path).evaluate(attr.expr))[0] is True

    def sensitive(self, value: Any) -> Any:
        """`value` marked sensitive, its text registered to be hidden in reports."""
        self.secrets.update(secret_texts(unmark(value)[0]))
        return mark(value)

    def _refuse_sensitive(self, declared: Declared, what: str) -> None:
        """Terraform refuses a sensitive `count` or `for_each` key (it would show in instance addresses);
        Tenet warns, evaluates it anyway and hides it in reports."""
        self._warn(declared, f"{what} is derived from a sensitive value, which Terraform refuses; "
                             "Tenet evaluates it and hides the value in reports")

    # -- scope -----------------------------------------------------------------------------------

    def lookup(self, root: str, where: Range) -> Any:
        if root == "var":
            return self._variable_values
        if root == "local":
            return _LazyMapping(self._local, self.locals.keys(), "local value")
        if root == "path":
            # Terraform runs in the root module's directory, wherever Tenet runs: `file("rules/x.yaml")` in an
            # example scanned from the repository root reads the example's rules. Real paths (a downloaded
            # module's is in the cache), not the names reports give them.
            root_dir = os.path.abspath(self.root_dir)
            module = Path(os.path.relpath(os.path.abspath(self.files.directory), root_dir)).as_posix()
            return {"module": module, "root": ".", "cwd": Path(root_dir).as_posix()}
        if root == "terraform":
            return {"workspace": "default"}
        if root == "data":
            return _DataRoot(self)
        if root == "module":
            return _LazyMapping(self._module_output, self.module_calls.keys(), "module")
        if root in ("count", "each", "self"):
            return Unknown(reason=f"{root} is not available here")
        if any(t == root for t, _ in self.resources):
            return _LazyMapping(lambda name: self._resource_value(root, name),
                                [n for t, n in self.resources if t == root], f"{root} resource")
        # An error, not an unknown: `try(undeclared, fallback)` falls back, as in Terraform.
        raise EvaluationError(f"reference to undeclared {root!r}")

    def evaluate(self, expr: Any, path: str, scope: Scope | None = None) -> Any:
        # Relative paths in file() are relative to the working directory, as in Terraform; what may be read is
        # the boundary's to say.
        return Evaluator(scope or self, path, file_root=str(self.ctx.cwd), boundary=self.ctx.boundary,
                         warn=self._file_warning, secrets=self.secrets).evaluate(expr)

    def _file_warning(self, path: str, line: int, message: str) -> None:
        self.errors.append(ScanError(path=path, line=line, level=ErrorLevel.WARNING, message=message))

    def _guarded(self, key: tuple[str, ...], compute: Any) -> Any:
        if key in self._cache:
            return self._cache[key]
        if key in self._evaluating:
            return Unknown(reason=f"cycle while evaluating {'.'.join(key)}")
        self._evaluating.add(key)
        try:
            value = compute()
        finally:
            self._evaluating.discard(key)
        self._cache[key] = value
        return value

    def _local(self, name: str) -> Any:
        attr, path = self.locals[name]
        return self._guarded(("local", name), lambda: self.evaluate(attr.expr, path))

    def _module_output(self, name: str) -> Any:
        """`module.<name>`: the called module's outputs, per instance for count/for_each."""
        declared = self.module_calls[name]
        if ("children", name) in self._evaluating:
            # Tenet evaluates a call's inputs together; Terraform's graph is per value, and refuses only a cycle
            # between the values themselves. What depends on this output is unknown, and says why.
            message = (f"module {name!r}: its outputs are read while its own inputs are evaluated (through another "
                       "module's inputs); the values that depend on them are not evaluated")
            self._warn(declared, message)
            return Unknown(reason=message, path=declared.path, line=declared.block.range.start_line)
        children = [child for _, child in self._children_of(name)]
        if not children:
            return Unknown(reason=f"module {name!r} could not be loaded", path=declared.path,
                           line=declared.block.range.start_line)
        outputs = [_LazyMapping(c.output, c.outputs.keys(), f"output of module {name!r}") for c in children]
        attrs = declared.block.body.attributes
        if "count" in attrs:
            return outputs
        if "for_each" in attrs:
            return {c.call_key.rsplit("[", 1)[-1].strip('"]'): o for c, o in zip(children, outputs, strict=True)}
        return outputs[0]

    def output(self, name: str) -> Any:
        declared = self.outputs[name]
        value = declared.block.body.attributes.get("value")
        if value is None:
            return Unknown(reason=f"output {name!r} has no value")
        sensitive = self._declared_sensitive(declared)
        return self._guarded(("output", name), lambda: self.sensitive(self.evaluate(value.expr, declared.path))
                             if sensitive else self.evaluate(value.expr, declared.path))

    def children(self) -> list[tuple[str, Any, Module]]:
        """Every called module instance: (call name, instance key, module)."""
        return [(name, key, child) for name in self.module_calls for key, child in self._children_of(name)]

    def _children_of(self, name: str) -> list[tuple[Any, Module]]:
        """One call's instances, loaded on first use: a call's inputs may read a sibling call's outputs."""
        result: list[tuple[Any, Module]] = self._guarded(("children", name), lambda: self._load_call(name))
        return result if isinstance(result, list) else []

    def _load_call(self, name: str) -> list[tuple[Any, Module]]:
        declared = self.module_calls[name]
        block = declared.block
        source_attr = block.body.attributes.get("source")
        source = unmark(self.evaluate(source_attr.expr, declared.path))[0] if source_attr else None
        call_key = f"{self.call_key}.{name}" if self.call_key else name
        if not isinstance(source, str):
            self._warn(declared, f"module {name!r}: source is not a literal string; its resources are not scanned")
            return []
        version_attr = block.body.attributes.get("version")
        version = unmark(self.evaluate(version_attr.expr, declared.path))[0] if version_attr else None
        target = self.reader.resolve(source, self.files.directory, self.root_dir, call_key,
                                     version if isinstance(version, str) else None)
        if isinstance(target, str):
            self._warn(declared, f"module {name!r}: {target}; its resources are not scanned")
            return []
        if target.resolve() in self.lineage:
            self.errors.append(ScanError(path=declared.path, line=block.range.start_line,
                                         message=self._cycle(name, source, target.resolve())))
            return []
        if self.depth >= MAX_MODULE_DEPTH:
            self._warn(declared, f"module {name!r}: modules nest deeper than {MAX_MODULE_DEPTH}; not expanded")
            return []
        loaded: list[tuple[Any, Module]] = []
        instances = self.instances(declared)
        for instance in instances:
            inputs = {
                arg: self.evaluate(attr.expr, declared.path, instance.scope)
                for arg, attr in block.body.attributes.items()
                if arg not in _META_ARGUMENTS
            }
            index = instance.address[len(self.address(block.type, block.labels)):]
            call = location(declared.path, block.range)
            child = Module(
                self.reader.files(target), self.reader.context_for(target), reader=self.reader, root_dir=self.root_dir,
                call_key=call_key + index, address_prefix=f"{instance.address}.", inputs=inputs,
                module_call=call, module_chain=(*self.module_chain, call), depth=self.depth + 1,
                multiplicity=self.multiplicity * len(instances), callers=self.lineage,
            )
            loaded.append((instance.key, child))
        return loaded

    def _cycle(self, name: str, source: str, target: Path) -> str:
        """An error: Terraform refuses a module that calls itself, and skipping it must not look clean."""
        if target == self.lineage[-1]:
            return f"module {name!r} calls its own directory (source {source!r}): a module cannot call itself"
        loop = [*self.lineage[self.lineage.index(target):], target]
        shown = " -> ".join(self.ctx.display_path(d) for d in loop)
        return f"module {name!r}: module call cycle ({shown}); not expanded"

    def _warn(self, declared: Declared, message: str) -> None:
        self.errors.append(ScanError(path=declared.path, line=declared.block.range.start_line,
                                     level=ErrorLevel.WARNING, message=message))

    def _resource_value(self, resource_type: str, name: str) -> Any:
        """`aws_vpc.main` as other expressions see it: literal attributes, computed ones unknown."""
        declared = self.resources[(resource_type, name)]
        instances = self.instances(declared)
        if declared.block.sets("count"):
            return [i.attributes() for i in instances]
        if declared.block.sets("for_each"):
            return {i.key: i.attributes() for i in instances if isinstance(i.key, str)}
        return instances[0].attributes() if instances else Unknown(reason=f"{resource_type}.{name} has no instances")

    # -- instances ---------------------------------------------------------------------------------

    def address(self, kind: str, labels: Sequence[str]) -> str:
        base = {"resource": "", "data": "data.", "module": "module."}.get(kind, f"{kind}.") + ".".join(labels)
        return f"{self.address_prefix}{base}"

    def instances(self, declared: Declared) -> list[Instance]:
        """`count` and `for_each` expanded as Terraform addresses them."""
        block = declared.block
        if not block.sets("count") and not block.sets("for_each"):
            # One instance, nothing evaluated: made again when asked rather than kept for every resource.
            return [Instance(self, declared, self.address(block.type, block.labels), None, {})]
        key = ("instances", declared.block.type, *declared.block.labels)
        result: list[Instance] = self._guarded(key, lambda: self._expand(declared))
        return result if isinstance(result, list) else []

    def _expand(self, declared: Declared) -> list[Instance]:
        block = declared.block
        base = self.address(block.type, block.labels)
        if block.sets("count"):
            attrs = block.body.attributes
            count, marked = unmark(self.evaluate(attrs["count"].expr, declared.path))
            if marked:
                self._refuse_sensitive(declared, "count")
            if isinstance(count, Unknown):
                return [Instance(self, declared, base, None, {"count": {"index": count}})]
            if (isinstance(count, bool) or not isinstance(count, (int, float)) or count < 0
                    or not math.isfinite(count)):
                return [Instance(self, declared, base, None, {"count": {"index": Unknown(
                    reason=f"count is not a whole number: {count!r}")}})]
            # Checked before anything is built: `count = 1e9` costs nothing.
            if not self._within_cap(declared, base, "count", count):
                return []
            return [Instance(self, declared, f"{base}[{i}]", i, {"count": {"index": i}}) for i in range(int(count))]
        if block.sets("for_each"):
            items = self.evaluate(block.body.attributes["for_each"].expr, declared.path)
            whole = isinstance(items, Sensitive)
            if whole:
                items = items.value
            if isinstance(items, Unknown):
                each = {"key": items, "value": items}
                return [Instance(self, declared, base, None, {"each": each})]
            if isinstance(items, _JsonDocument):
                items = items.value
            pairs: list[tuple[Any, Any]]
            if isinstance(items, Mapping):
                if not self._within_cap(declared, base, "for_each", len(items)):
                    return []
                pairs = sorted(items.items(), key=lambda kv: str(kv[0]))
            elif isinstance(items, list):
                if not self._within_cap(declared, base, "for_each", len(items)):
                    return []
                pairs = [(v, v) for v in items]  # a set: each element is its own key
            else:
                unknown = Unknown(reason=f"for_each is not a map or set: {unmark(items)[0]!r}")
                return [Instance(self, declared, base, None, {"each": {"key": unknown, "value": unknown}})]
            # each.value keeps its marks for the expressions that read it; a sensitive key is refused by
            # Terraform (it would show in the instance address): warned about, and hidden in reports.
            instances = []
            refused = whole
            for k, v in pairs:
                key, key_marked = unmark(k)
                refused |= key_marked
                instances.append(Instance(self, declared, f"{base}[{_quote(key)}]", key, {"each": {
                    "key": self.sensitive(key) if whole or key_marked else key, "value": mark(v) if whole else v}}))
            if refused:
                self._refuse_sensitive(declared, "for_each")
            return instances
        return [Instance(self, declared, base, None, {})]

    def _within_cap(self, declared: Declared, base: str, argument: str, count: float) -> bool:
        """Whether `count` instances (times this module's own instances) stay within `max_instances`;
        past it, an error entry at the block says so and the block is not expanded."""
        cap = self.ctx.max_instances
        total = count * self.multiplicity
        if total <= cap:
            return True
        times = f" in each of {self.multiplicity} instances of its module" if self.multiplicity > 1 else ""
        shown = f"{count:.0f}" if count < 1e18 else f"{count:g}"
        # Named without module instance keys: every instance of the module reports it once, together.
        where = _INSTANCE_KEY.sub("", self.address_prefix) + base[len(self.address_prefix):]
        self.errors.append(ScanError(
            path=declared.path, line=declared.block.body.attributes[argument].range.start_line,
            message=f"{where}: {argument} expands to {shown} instances{times}, more than the limit of {cap} "
                    f"(max-instances); not scanned",
        ))
        return False

    def resource_origin(self, declared: Declared, address: str) -> Origin:
        block = declared.block
        return Origin(
            source=SourceKind.TERRAFORM,
            resource=address,
            resource_type=block.labels[0] if block.labels else block.type,
            location=location(declared.path, block.range),
            module_call=self.module_call,
            module_chain=self.module_chain,
        )


def _quote(key: Any) -> str:
    return f'"{key}"' if isinstance(key, str) else str(key)


@dataclass(slots=True)
class Instance:
    """One instance of a resource or data source, with its `count`/`each` bindings."""

    module: Module
    declared: Declared
    address: str
    key: Any
    bindings: Mapping[str, Any]

    @property
    def scope(self) -> Scope:
        return _Overlay(self.module, self.bindings) if self.bindings else self.module

    def attributes(self) -> Mapping[str, Any]:
        return _ResourceAttributes(self)


class _ResourceAttributes(Mapping[str, Any]):
    """Another resource's attributes as an expression sees them: computed ones are unknown."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def __getitem__(self, name: str) -> Any:
        inst = self.instance
        body = inst.declared.block.body
        attr = body.attributes.get(name)
        if attr is None:
            # A resource's own ARN or id is one identifier, whatever it turns out to be: never `*`.
            specific = name in ("arn", "id") or name.endswith(("_arn", "_id"))
            return Unknown(reason=f"{inst.address}.{name} is known only after apply", specific=specific)
        key = ("attr", inst.address, name)
        return inst.module._guarded(key, lambda: inst.module.evaluate(attr.expr, inst.declared.path, inst.scope))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def __iter__(self) -> Iterator[str]:
        return iter(self.instance.declared.block.body.attributes)

    def __len__(self) -> int:
        return len(self.instance.declared.block.body.attributes)


class _LazyMapping(Mapping[str, Any]):
    """A mapping whose values are computed on first access (locals, resources, modules)."""

    def __init__(self, compute: Any, names: Any, what: str) -> None:
        self._compute = compute
        self._names = list(names)
        self._what = what

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            return Unknown(reason=f"{self._what} {name!r} is not declared")
        return self._compute(name)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _DataRoot(Mapping[str, Any]):
    """`data.<type>.<name>`: evaluated where Tenet knows the data source, unknown elsewhere."""

    def __init__(self, module: Module) -> None:
        self.module = module

    def __getitem__(self, data_type: str) -> Any:
        names = [n for t, n in self.module.data if t == data_type]
        return _LazyMapping(lambda name: self._value(data_type, name), names, f"data source {data_type}")

    def _value(self, data_type: str, name: str) -> Any:
        from scanner.sources.terraform.data_sources import data_source_value

        declared = self.module.data[(data_type, name)]
        return self.module._guarded(("data", data_type, name),
                                    lambda: data_source_value(self.module, declared))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def __iter__(self) -> Iterator[str]:
        return iter({t for t, _ in self.module.data})

    def __len__(self) -> int:
        return len({t for t, _ in self.module.data})

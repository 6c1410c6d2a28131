"""Evaluate HCL expressions to Python values, with `Unknown` for what cannot be known.

An unknown input makes whatever depends on it unknown, collections keep what is
known, and an error (a type mismatch, a missing attribute, a bad function
argument) becomes an `Unknown` stating why, located at the expression. Nothing
raises out of `Evaluator.evaluate`.

Errors and genuinely unknown values are counted separately so `try` and `can`
follow Terraform: an expression that fails on known values falls through to
the next argument, but one whose outcome depends on an unknown value leaves
the result unknown rather than guessed.

Sensitive values (see `sensitive.py`) are followed the same way: a node that
had to look inside a marked value to compute its own is marked, and the text
of every marked value is registered in `secrets`, to be hidden in reports.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from scanner.engine.redaction import secret_texts
from scanner.model.unknown import CannotEvaluate, Unknown
from scanner.sources.boundary import Boundary, NotOpened, Refusal, TooLarge

from .ast import (
    BinaryOp,
    Conditional,
    Expr,
    ForExpr,
    FunctionCall,
    GetAttr,
    Index,
    Interpolation,
    LiteralValue,
    ObjectExpr,
    Parens,
    Range,
    Splat,
    SplatItem,
    TemplateExpr,
    TemplateFor,
    TemplateIf,
    TemplatePart,
    TupleExpr,
    UnaryOp,
    Variable,
)
from .functions import (
    FUNCTIONS,
    MAX_TEXT,
    EvaluationError,
    binary_op,
    find_unknown,
    key_text,
    to_bool,
    to_map,
    to_number,
    to_str,
    type_name,
    values_equal,
)
from .lexer import HclSyntaxError
from .parser import parse_template
from .sensitive import Sensitive, mark, unmark

MAX_STEPS: Final = 1_000_000  # expression nodes evaluated per `evaluate` call
MAX_FILE_BYTES: Final = 1024 * 1024


class Scope(ABC):
    """Resolves the first step of a traversal (`var`, `local`, `aws_vpc`…).

    `lookup` returns the value (a Mapping for objects, evaluated lazily if
    wanted) or an `Unknown`; it raises `EvaluationError` for a name that is an
    error to use (then `try` falls through, as in Terraform).
    """

    @abstractmethod
    def lookup(self, root: str, range: Range) -> Any: ...


class DictScope(Scope):
    """A scope over a mapping, optionally falling back to a parent scope."""

    def __init__(self, mapping: Mapping[str, Any], parent: Scope | None = None) -> None:
        self.mapping = mapping
        self.parent = parent

    def lookup(self, root: str, range: Range) -> Any:
        if root in self.mapping:
            return self.mapping[root]
        if self.parent is not None:
            return self.parent.lookup(root, range)
        raise EvaluationError(f'"{root}" is not defined')


class _TooExpensive(Exception):
    """Raised through every level once `MAX_STEPS` is exceeded."""


def _describe(node: Expr) -> str:
    """Source-like text of a traversal for messages: `aws_vpc.main["k"]`."""
    steps: list[str] = []
    while isinstance(node, GetAttr | Index):
        if isinstance(node, GetAttr):
            steps.append(f".{node.name}")
        elif isinstance(node.key, LiteralValue) and isinstance(node.key.value, str):
            steps.append(f'["{node.key.value}"]')
        elif isinstance(node.key, LiteralValue):
            steps.append(f"[{node.key.value}]")
        else:
            steps.append("[…]")
        node = node.obj
    if isinstance(node, Variable):
        root = node.name
    elif isinstance(node, SplatItem):
        root = "*"
    else:
        root = "the value"
    if len(steps) > 8:
        steps = [*steps[:4], "…", *steps[-4:]]
    return root + "".join(reversed(steps))


def _scalar(value: Any) -> bool:
    return value is not None and not isinstance(value, list | tuple | Mapping)


def _template_text(value: Any) -> str:
    if value is None:
        raise EvaluationError("cannot interpolate a null value into a string")
    if isinstance(value, list | tuple | Mapping):
        raise EvaluationError(f"cannot interpolate {type_name(value)} into a string")
    return to_str(value)


def _pairs(collection: Any) -> list[tuple[Any, Any]]:
    """What a `for` iterates: (index, item) of a list, (key, value) of a map in key order."""
    if isinstance(collection, list | tuple):
        return list(enumerate(collection))
    if isinstance(collection, Mapping):
        return sorted(collection.items(), key=lambda kv: kv[0])
    raise EvaluationError(f"cannot iterate over {type_name(collection)}")


class Evaluator:
    """Evaluates expressions of one file against a scope.

    `file_root`, when given, enables `file`, `fileexists`, `filebase64`,
    `templatefile` and `fileset`: relative paths resolve against `path.cwd`
    from the scope (itself relative to `file_root`, or absolute), else against
    `file_root`; only files inside `boundary` (default: under `file_root`) are
    read, at most 1 MB each. A path outside is Unknown, and `warn` (file, line,
    message) hears of it, by the path as written.
    """

    def __init__(self, scope: Scope, filename: str, *, file_root: str | None = None,
                 boundary: Boundary | None = None, warn: Callable[[str, int, str], None] | None = None,
                 secrets: set[str] | None = None) -> None:
        self.scope = scope
        self.filename = filename
        self.file_root = file_root
        if boundary is None and file_root is not None:
            boundary = Boundary(roots=(os.path.realpath(file_root),), repository=False)
        self.boundary = boundary
        self.warn = warn
        # Where the texts of sensitive values go; None: marks are still carried, nothing is registered.
        self.secrets = secrets
        self._vars: dict[str, Any] = {}  # for-expression variables
        self._splat: list[Any] = []  # elements being visited by splats
        self._steps = 0
        self._errors = 0
        self._unknowns = 0
        self._marks = 0  # marked values looked into while computing the current node

    def evaluate(self, expr: Expr) -> Any:
        """The value of `expr`; never raises. Re-entrant: a scope may evaluate
        other expressions with the same evaluator while answering a lookup."""
        saved = self._vars, self._splat, self._steps, self._marks
        self._vars, self._splat, self._steps, self._marks = {}, [], 0, 0
        try:
            return self._eval(expr)
        except _TooExpensive:
            return self._error("the expression is too expensive to evaluate", expr)
        except Exception as exc:  # the promise: nothing escapes, whatever the input
            return self._error(f"evaluation failed: {type(exc).__name__}: {exc}", expr)
        finally:
            self._vars, self._splat, self._steps, self._marks = saved

    # --- bookkeeping ---------------------------------------------------------------

    def _error(self, reason: str, node: Expr) -> Unknown:
        self._errors += 1
        return Unknown(reason=reason, path=self.filename, line=node.range.start_line)

    def _unknown(self, value: Unknown) -> Unknown:
        """Count an unknown value read from the scope or a container."""
        self._unknowns += 1
        return value

    def _plain(self, value: Any) -> Any:
        """A value this node computes with: unmarked, and the node's result is marked if it was."""
        if isinstance(value, Sensitive):
            self._marks += 1
            value = value.value
        return value

    def _plain_deep(self, value: Any) -> Any:
        """As `_plain`, for a value looked at whole (a function argument, an `==` operand)."""
        value, found = unmark(value)
        self._marks += found
        return value

    def _marked(self, value: Any) -> Any:
        """A derived sensitive value: marked, and its text registered."""
        if self.secrets is not None and not isinstance(value, Sensitive):
            self.secrets.update(secret_texts(value))
        return mark(value)

    def _eval(self, node: Expr) -> Any:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _TooExpensive
        marks = self._marks
        try:
            value = _DISPATCH[type(node)](self, node)
        except EvaluationError as exc:
            value = self._error(exc.reason, node)
        except CannotEvaluate as exc:
            value = self._unknown(exc.unknown)
        except RecursionError:
            value = self._error("the expression is too deeply nested", node)
        except (ArithmeticError, LookupError, TypeError, ValueError, re.error) as exc:
            value = self._error(str(exc) or type(exc).__name__, node)
        if isinstance(value, Unknown) and value.line is None:
            value = value.model_copy(update={"path": self.filename, "line": node.range.start_line})
        if self._marks > marks:  # this node looked into a marked value: its own is derived from it
            self._marks = marks
            return self._marked(value)
        return value

    # --- expressions -----------------------------------------------------------------

    def _literal(self, node: LiteralValue) -> Any:
        return node.value

    def _parens(self, node: Parens) -> Any:
        return self._eval(node.expr)

    def _tuple(self, node: TupleExpr) -> Any:
        return [self._eval(item) for item in node.items]

    def _object(self, node: ObjectExpr) -> Any:
        result: dict[str, Any] = {}
        for item in node.items:
            key = self._plain(self._eval(item.key))
            if isinstance(key, Unknown):
                return key  # which attribute it is matters
            result[key_text(key)] = self._eval(item.value)
        return result

    def _variable(self, node: Variable) -> Any:
        name = node.name
        value = self._vars[name] if name in self._vars else self.scope.lookup(name, node.range)
        return self._unknown(value) if isinstance(value, Unknown) else value

    def _splat_item(self, node: SplatItem) -> Any:
        value = self._splat[-1]
        return self._unknown(value) if isinstance(value, Unknown) else value

    def _get_attr(self, node: GetAttr) -> Any:
        obj = self._plain(self._eval(node.obj))
        if isinstance(obj, Unknown):
            return obj
        if isinstance(obj, Mapping):
            # `in` then `[]`: lazy dict subclasses answer through __contains__ and __missing__.
            if node.name not in obj:
                raise EvaluationError(f'attribute "{node.name}" not found in {_describe(node.obj)}')
            value = obj[node.name]
            return self._unknown(value) if isinstance(value, Unknown) else value
        raise EvaluationError(f'cannot read attribute "{node.name}" of {_describe(node.obj)}: it is {type_name(obj)}')

    def _index(self, node: Index) -> Any:
        obj = self._plain(self._eval(node.obj))
        if isinstance(obj, Unknown):
            return obj
        key = self._plain(self._eval(node.key))
        if isinstance(key, Unknown):
            return key
        if isinstance(obj, list | tuple):
            number = to_number(key)
            if isinstance(number, float) and not number.is_integer():
                raise EvaluationError(f"list index must be a whole number, got {number}")
            position = int(number)
            if not 0 <= position < len(obj):
                raise EvaluationError(
                    f"index {position} is out of range for {_describe(node.obj)} ({len(obj)} elements)"
                )
            value = obj[position]
        elif isinstance(obj, Mapping):
            name = key_text(key)
            if name not in obj:
                raise EvaluationError(f'key "{name}" not found in {_describe(node.obj)}')
            value = obj[name]
        else:
            raise EvaluationError(f"cannot index {_describe(node.obj)}: it is {type_name(obj)}")
        return self._unknown(value) if isinstance(value, Unknown) else value

    def _splat_expr(self, node: Splat) -> Any:
        source = self._plain(self._eval(node.source))
        if isinstance(source, Unknown):
            return source
        if source is None:
            return []
        items = list(source) if isinstance(source, list | tuple) else [source]
        out = []
        for item in items:
            self._splat.append(item)
            try:
                out.append(self._eval(node.each))
            finally:
                self._splat.pop()
        return out

    def _conditional(self, node: Conditional) -> Any:
        cond = self._plain(self._eval(node.cond))
        if isinstance(cond, Unknown):
            # Both branches agreeing on a known value is still a known result.
            true_value = self._plain_deep(self._eval(node.true_expr))
            false_value = self._plain_deep(self._eval(node.false_expr))
            if find_unknown(true_value) is None and values_equal(true_value, false_value) is True:
                return true_value
            return cond
        return self._eval(node.true_expr if to_bool(cond) else node.false_expr)

    def _binary(self, node: BinaryOp) -> Any:
        op = node.op
        if op == "&&" or op == "||":
            # A decisive known operand settles the result even if the other is unknown.
            decisive = op == "||"
            left = self._plain(self._eval(node.left))
            if not isinstance(left, Unknown) and to_bool(left) is decisive:
                return decisive
            right = self._plain(self._eval(node.right))
            if not isinstance(right, Unknown) and to_bool(right) is decisive:
                return decisive
            if isinstance(left, Unknown):
                return left
            return right if isinstance(right, Unknown) else not decisive
        left = self._plain_deep(self._eval(node.left))
        right = self._plain_deep(self._eval(node.right))
        if isinstance(left, Unknown):
            return left
        if isinstance(right, Unknown):
            return right
        return binary_op(op, left, right)

    def _unary(self, node: UnaryOp) -> Any:
        value = self._plain(self._eval(node.operand))
        if isinstance(value, Unknown):
            return value
        if node.op == "!":
            return not to_bool(value)
        return binary_op("-", 0, value)

    def _for(self, node: ForExpr) -> Any:
        collection = self._plain(self._eval(node.collection))
        if isinstance(collection, Unknown):
            return collection
        pairs = _pairs(collection)
        saved = self._vars
        items: list[Any] = []
        mapping: dict[str, Any] = {}
        try:
            for key, value in pairs:
                scope = dict(saved)
                if node.key_var is not None:
                    scope[node.key_var] = key
                scope[node.value_var] = value
                self._vars = scope
                if node.cond is not None:
                    keep = self._plain(self._eval(node.cond))
                    if isinstance(keep, Unknown):
                        return keep  # which elements remain is not known
                    if not to_bool(keep):
                        continue
                if node.key_expr is None:
                    items.append(self._eval(node.value_expr))
                    continue
                raw_key = self._plain(self._eval(node.key_expr))
                if isinstance(raw_key, Unknown):
                    return raw_key
                name = key_text(raw_key)
                element = self._eval(node.value_expr)
                if node.group:
                    mapping.setdefault(name, []).append(element)
                elif name in mapping:
                    raise EvaluationError(f'duplicate key "{name}" in the for expression (add "..." to group)')
                else:
                    mapping[name] = element
        finally:
            self._vars = saved
        return mapping if node.is_object else items

    # --- templates ---------------------------------------------------------------------

    def _template(self, node: TemplateExpr) -> Any:
        parts = node.parts
        if len(parts) == 1 and isinstance(parts[0], Interpolation):
            return self._eval(parts[0].expr)  # "${x}" is x itself, whatever its type
        out: list[str] = []
        unknown = self._render(parts, out)
        if unknown is not None:
            return self._partial(parts, unknown)
        text = "".join(out)
        if len(text) > MAX_TEXT:
            raise EvaluationError("the string is larger than 1,000,000 characters")
        return text

    def _partial(self, parts: list[TemplatePart], first: Unknown) -> Unknown:
        """An unknown string with what is known of it: the text before its first unknown part and after its last,
        and whether every unknown part is one identifier (then the whole names one thing, no wildcard added)."""
        values: list[Any] = []
        for part in parts:
            if isinstance(part, str):
                values.append(part)
            elif isinstance(part, Interpolation):
                values.append(self._plain(self._eval(part.expr)))
            else:
                return first  # a template directive: what it renders is not a fixed text around the unknown
        unknown_at = [i for i, v in enumerate(values) if isinstance(v, Unknown)]
        if not unknown_at or any(not isinstance(v, Unknown) and not _scalar(v) for v in values):
            return first
        text = ["" if isinstance(v, Unknown) else (v if isinstance(v, str) else _template_text(v)) for v in values]
        prefix = "".join(text[:unknown_at[0]])
        suffix = "".join(text[unknown_at[-1] + 1:])
        middle = "".join(text[unknown_at[0]:unknown_at[-1] + 1])
        specific = all(getattr(values[i], "specific", False) for i in unknown_at) and not any(
            c in t for t in (prefix, middle, suffix) for c in "*?")
        return first.model_copy(update={"prefix": prefix, "suffix": suffix, "specific": specific})

    def _render(self, parts: list[TemplatePart], out: list[str]) -> Unknown | None:
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Interpolation):
                value = self._plain(self._eval(part.expr))
                if isinstance(value, Unknown):
                    return value
                out.append(_template_text(value))
            elif isinstance(part, TemplateIf):
                cond = self._plain(self._eval(part.cond))
                if isinstance(cond, Unknown):
                    return cond
                found = self._render(part.then_parts if to_bool(cond) else part.else_parts, out)
                if found is not None:
                    return found
            else:
                found = self._render_for(part, out)
                if found is not None:
                    return found
        return None

    def _render_for(self, part: TemplateFor, out: list[str]) -> Unknown | None:
        collection = self._plain(self._eval(part.collection))
        if isinstance(collection, Unknown):
            return collection
        saved = self._vars
        try:
            for key, value in _pairs(collection):
                scope = dict(saved)
                if part.key_var is not None:
                    scope[part.key_var] = key
                scope[part.value_var] = value
                self._vars = scope
                found = self._render(part.body_parts, out)
                if found is not None:
                    return found
        finally:
            self._vars = saved
        return None

    # --- function calls ----------------------------------------------------------------

    def _call(self, node: FunctionCall) -> Any:
        name = node.name
        if name == "try":
            return self._try(node)
        if name == "can":
            return self._can(node)
        if name in ("sensitive", "nonsensitive"):
            return self._sensitivity(node)
        if name == "issensitive":
            return self._issensitive(node)
        if name == "type":
            raise EvaluationError("type() is only available in terraform console")
        if name in ("list", "map"):
            raise EvaluationError(f"the {name}() function was removed in Terraform 0.15; use "
                                  f"{'tolist([...])' if name == 'list' else 'tomap({...})'} instead")
        file_function = _FILE_FUNCTIONS.get(name)
        function = FUNCTIONS.get(name)
        if function is None and file_function is None:
            return self._unknown(Unknown(reason=f'function "{name}" is not supported'))
        # Functions compute with plain values; a marked argument marks the result.
        args = [self._plain_deep(self._eval(arg)) for arg in node.args]
        if node.expand_final:
            if not args:
                raise EvaluationError(f'{name}(): "..." needs an argument')
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            if not isinstance(last, list | tuple):
                raise EvaluationError(f'{name}(): the argument before "..." must be a list, got {type_name(last)}')
            args.extend(last)
        impl: Callable[[list[Any]], Any]
        high: int | None
        if file_function is not None:
            low, high, method = file_function
            impl = functools.partial(method, self, node)
            accepts_unknown = False
        else:
            assert function is not None
            low, high, impl, accepts_unknown = (
                function.min_args,
                function.max_args,
                function.impl,
                function.accepts_unknown,
            )
        if len(args) < low or (high is not None and len(args) > high):
            expected = f"{low}" if low == high else f"at least {low}" if high is None else f"{low} to {high}"
            raise EvaluationError(f"{name}() takes {expected} arguments, got {len(args)}")
        if not accepts_unknown:
            for arg in args:
                if isinstance(arg, Unknown):
                    return arg
        try:
            result = impl(args)
        except EvaluationError as exc:
            raise EvaluationError(f"{name}(): {exc.reason}") from None
        except (ArithmeticError, LookupError, TypeError, ValueError, re.error) as exc:
            raise EvaluationError(f"{name}(): {exc}") from None
        return self._unknown(result) if isinstance(result, Unknown) else result

    def _try(self, node: FunctionCall) -> Any:
        if node.expand_final:
            raise EvaluationError('try() does not accept "..."')
        for arg in node.args:
            errors, unknowns, marks = self._errors, self._unknowns, self._marks
            value = self._eval(arg)
            if self._errors == errors:
                return value
            self._errors, self._marks = errors, marks  # handled here; a failed argument gives no value
            if self._unknowns > unknowns:
                # It failed, but with unknown inputs it might succeed at apply time.
                return self._unknown(
                    Unknown(reason="try(): whether the expression succeeds depends on values that are not known")
                )
        raise EvaluationError("try(): no argument could be evaluated without an error")

    def _can(self, node: FunctionCall) -> Any:
        if len(node.args) != 1 or node.expand_final:
            raise EvaluationError("can() takes exactly one argument")
        errors, unknowns = self._errors, self._unknowns
        value = self._eval(node.args[0])
        if self._errors > errors:
            self._errors = errors
            if self._unknowns > unknowns:
                return self._unknown(
                    Unknown(reason="can(): whether the expression succeeds depends on values that are not known")
                )
            return False
        unknown = find_unknown(self._plain_deep(value))
        return True if unknown is None else unknown

    def _issensitive(self, node: FunctionCall) -> Any:
        """Whether the value is marked sensitive; the answer itself is not."""
        if len(node.args) != 1 or node.expand_final:
            raise EvaluationError("issensitive() takes exactly one argument")
        marks = self._marks
        value = self._eval(node.args[0])
        marked = isinstance(value, Sensitive) or self._marks > marks
        self._marks = marks
        plain = unmark(value)[0]
        if isinstance(plain, Unknown) and not marked:
            return plain
        return marked

    def _sensitivity(self, node: FunctionCall) -> Any:
        """`sensitive(x)` marks x; `nonsensitive(x)` is x without its marks."""
        if len(node.args) != 1 or node.expand_final:
            raise EvaluationError(f"{node.name}() takes exactly one argument")
        marks = self._marks
        value = unmark(self._eval(node.args[0]))[0]
        if node.name == "nonsensitive":
            self._marks = marks
            return value
        self._marks += 1
        return value

    # --- files -----------------------------------------------------------------------

    def _resolve(self, node: FunctionCall, value: Any, *, directory: bool = False) -> str | Unknown:
        """The real path of a file (or directory) argument, if reading it is allowed."""
        path = to_str(value)
        if self.file_root is None or self.boundary is None:
            return Unknown(reason=f'the file "{path}" is not read (no base directory was given)')
        # As in Terraform, relative paths are relative to the working directory
        # (`path.cwd`), which is also what `path.module` and `path.root` are relative to.
        base = self.file_root
        try:
            info = self.scope.lookup("path", node.range)
        except EvaluationError:
            info = None
        if isinstance(info, Mapping) and "cwd" in info and isinstance(info["cwd"], str):
            base = os.path.join(self.file_root, info["cwd"])
        joined = Path(base, path)
        refused = self.boundary.directory(joined) if directory else self.boundary.check(joined)
        if refused is not None and refused.kind is Refusal.OUTSIDE:
            reason = f'{node.name}(): "{path}" resolves outside {self.boundary.describe()}; not read'
            if self.warn is not None:
                self.warn(self.filename, node.range.start_line, reason)
            return Unknown(reason=reason, path=self.filename, line=node.range.start_line)
        if refused is not None and refused.kind is Refusal.SPECIAL and not directory:
            raise EvaluationError(f"cannot read {path!r}: {refused.message}")
        return os.path.realpath(joined)

    def _read_bytes(self, node: FunctionCall, value: Any) -> bytes | Unknown:
        real = self._resolve(node, value)
        if isinstance(real, Unknown):
            return real
        assert self.boundary is not None  # _resolve checked it
        try:
            return self.boundary.read_bytes(Path(real), MAX_FILE_BYTES)
        except TooLarge:
            return Unknown(reason=f'the file "{to_str(value)}" is larger than 1 MB')
        except NotOpened as exc:
            raise EvaluationError(f"cannot read {value!r}: {exc.refused.message}") from None
        except OSError as exc:
            raise EvaluationError(f"cannot read {value!r}: {exc.strerror or exc}") from None

    def _read(self, node: FunctionCall, value: Any) -> str | Unknown:
        data = self._read_bytes(node, value)
        if isinstance(data, Unknown):
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise EvaluationError(f"{value!r} is not UTF-8 text") from None

    def _file(self, node: FunctionCall, args: list[Any]) -> Any:
        return self._read(node, args[0])

    def _fileexists(self, node: FunctionCall, args: list[Any]) -> Any:
        real = self._resolve(node, args[0])
        return real if isinstance(real, Unknown) else os.path.isfile(real)

    def _fileset(self, node: FunctionCall, args: list[Any]) -> Any:
        """The files under a directory matching a pattern, relative to it, sorted (links leading outside
        the boundary are left out, as they are not read)."""
        real = self._resolve(node, args[0], directory=True)
        if isinstance(real, Unknown):
            return real
        assert self.boundary is not None
        return fileset(real, to_str(args[1]), self.boundary)

    def _filebase64(self, node: FunctionCall, args: list[Any]) -> Any:
        text = self._read(node, args[0])
        return text if isinstance(text, Unknown) else base64.b64encode(text.encode()).decode("ascii")

    def _file_digest(self, node: FunctionCall, args: list[Any]) -> Any:
        """filemd5, filesha1, filesha256, filesha512 (hex) and filebase64sha256, filebase64sha512, of the
        file's bytes."""
        data = self._read_bytes(node, args[0])
        if isinstance(data, Unknown):
            return data
        algorithm = node.name.removeprefix("file").removeprefix("base64")
        digest = hashlib.new(algorithm, data)
        if node.name.startswith("filebase64"):
            return base64.b64encode(digest.digest()).decode("ascii")
        return digest.hexdigest()

    def _abspath(self, node: FunctionCall, args: list[Any]) -> Any:
        """An absolute path, when it lies inside the boundary; a path elsewhere is the machine's, not the
        configuration's."""
        real = self._resolve(node, args[0], directory=True)
        if isinstance(real, Unknown):
            return real
        base = self.file_root or "."
        try:
            info = self.scope.lookup("path", node.range)
        except EvaluationError:
            info = None
        if isinstance(info, Mapping) and isinstance(info.get("cwd"), str):
            base = os.path.join(base, info["cwd"])
        return Path(os.path.normpath(os.path.join(os.path.abspath(base), to_str(args[0])))).as_posix()

    def _pathexpand(self, node: FunctionCall, args: list[Any]) -> Any:
        """`~` is the home directory of whoever runs Terraform, outside the configuration: not expanded."""
        path = to_str(args[0])
        if path == "~" or path.startswith(("~/", "~\\")):
            return Unknown(reason=f'pathexpand("{path}"): the home directory is the machine\'s that runs Terraform, '
                                  "not the configuration's", path=self.filename, line=node.range.start_line)
        return path

    def _templatestring(self, node: FunctionCall, args: list[Any]) -> Any:
        return self._render_template(to_str(args[0]), to_map(args[1]), "templatestring")

    def _templatefile(self, node: FunctionCall, args: list[Any]) -> Any:
        text = self._read(node, args[0])
        if isinstance(text, Unknown):
            return text
        return self._render_template(text, to_map(args[1]), to_str(args[0]))

    def _render_template(self, text: str, variables: Mapping[str, Any], name: str) -> Any:
        try:
            template = parse_template(text, name)
        except HclSyntaxError as exc:
            raise EvaluationError(str(exc)) from None
        # The template sees only its variables; nested file reads stay unknown.
        inner = Evaluator(DictScope(variables), name, secrets=self.secrets)
        result = inner.evaluate(template)
        if inner._errors:
            raise EvaluationError(result.reason if isinstance(result, Unknown) else "the template failed")
        return result


MAX_FILESET_ENTRIES: Final = 10_000


def fileset(directory: str, pattern: str, boundary: Boundary) -> list[str]:
    """Terraform's `fileset`: regular files under `directory` whose path relative to it matches `pattern`
    (`*`, `?`, `**`, `{a,b}`, `[abc]`), sorted. Directory links are not followed; file links are kept only
    when they resolve inside the boundary."""
    regex = re.compile(_glob_regex(pattern))
    found: list[str] = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        seen += len(dirnames) + len(filenames)
        if seen > MAX_FILESET_ENTRIES:
            raise EvaluationError(f"fileset(): more than {MAX_FILESET_ENTRIES} entries under the directory")
        for name in filenames:
            full = Path(dirpath, name)
            relative = full.relative_to(directory).as_posix()
            if regex.fullmatch(relative) and boundary.check(full) is None:
                found.append(relative)
    return sorted(found)


def _glob_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise EvaluationError(f"fileset(): unterminated character class in {pattern!r}")
            body = pattern[i + 1:end]
            negate = body.startswith("^") or body.startswith("!")
            body = re.sub(r"([\\\]])", r"\\\1", body[1:] if negate else body)
            out.append(f"[{'^' if negate else ''}{body}]")
            i = end + 1
            continue
        elif c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        raise EvaluationError(f"fileset(): unterminated {{ in {pattern!r}")
    return "".join(out)


_FILE_FUNCTIONS: Final[dict[str, tuple[int, int, Callable[[Evaluator, FunctionCall, list[Any]], Any]]]] = {
    "file": (1, 1, Evaluator._file),
    "fileexists": (1, 1, Evaluator._fileexists),
    "filebase64": (1, 1, Evaluator._filebase64),
    "templatefile": (2, 2, Evaluator._templatefile),
    "fileset": (2, 2, Evaluator._fileset),
    "filemd5": (1, 1, Evaluator._file_digest),
    "filesha1": (1, 1, Evaluator._file_digest),
    "filesha256": (1, 1, Evaluator._file_digest),
    "filesha512": (1, 1, Evaluator._file_digest),
    "filebase64sha256": (1, 1, Evaluator._file_digest),
    "filebase64sha512": (1, 1, Evaluator._file_digest),
    "abspath": (1, 1, Evaluator._abspath),
    "pathexpand": (1, 1, Evaluator._pathexpand),
    "templatestring": (2, 2, Evaluator._templatestring),
}

_DISPATCH: Final[dict[type, Callable[[Evaluator, Any], Any]]] = {
    LiteralValue: Evaluator._literal,
    TemplateExpr: Evaluator._template,
    TupleExpr: Evaluator._tuple,
    ObjectExpr: Evaluator._object,
    Variable: Evaluator._variable,
    GetAttr: Evaluator._get_attr,
    Index: Evaluator._index,
    Splat: Evaluator._splat_expr,
    SplatItem: Evaluator._splat_item,
    FunctionCall: Evaluator._call,
    Conditional: Evaluator._conditional,
    BinaryOp: Evaluator._binary,
    UnaryOp: Evaluator._unary,
    Parens: Evaluator._parens,
    ForExpr: Evaluator._for,
}

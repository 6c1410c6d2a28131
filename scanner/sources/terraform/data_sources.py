"""Data sources whose value decides security outcomes, evaluated from their configuration.

`aws_iam_policy_document` and `google_iam_policy` become policy documents
(remembering where each statement or binding is written); every other data
source is read at plan time, so its attributes are unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scanner.engine.findings import ScanError
from scanner.model import Location, Unknown
from scanner.sources.terraform.hcl import Block, Body, JsonDocument, references
from scanner.sources.terraform.hcl.sensitive import unmark

if TYPE_CHECKING:
    from scanner.sources.terraform.module import Declared, Module


@dataclass(frozen=True)
class LocatedDocument(JsonDocument):
    """A policy document built from blocks; `statement_locations[i]` is where statement i is written."""

    statement_locations: tuple[Location, ...] = ()


def data_source_value(module: Module, declared: Declared) -> Any:
    data_type = declared.block.labels[0]
    builder = _BUILDERS.get(data_type)
    if builder is None:
        return _Unresolved(data_type)
    instances = module.instances(declared)
    values = [builder(module, declared, inst.scope) for inst in instances]
    attrs = declared.block.body.attributes
    if "count" in attrs:
        return values
    if "for_each" in attrs:
        return {inst.key: v for inst, v in zip(instances, values, strict=True) if isinstance(inst.key, str)}
    return values[0] if values else _Unresolved(data_type)


# Data sources whose every attribute is one identifier of the caller's own account (never a wildcard).
_IDENTIFYING = frozenset({"aws_partition", "aws_caller_identity", "aws_region", "aws_canonical_user_id",
                          "azurerm_client_config", "azurerm_subscription", "google_client_config", "google_project"})


class _Unresolved(dict[str, Any]):
    """Attributes of a data source Tenet cannot evaluate offline."""

    def __init__(self, data_type: str) -> None:
        super().__init__()
        self.data_type = data_type

    def __missing__(self, key: str) -> Unknown:
        return Unknown(reason=f"data source {self.data_type} is read at plan time ({key})",
                       specific=self.data_type in _IDENTIFYING)

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: str, default: Any = None) -> Any:
        return self[key]


def _attr(module: Module, body: Body, name: str, path: str, scope: Any, default: Any = None) -> Any:
    attr = body.attributes.get(name)
    # Plain values: a secret in a policy document was registered when marked, and is hidden in reports.
    return default if attr is None else unmark(module.evaluate(attr.expr, path, scope))[0]


def _list(value: Any) -> Any:
    if value is None:
        return []
    return value if isinstance(value, (list, Unknown)) else [value]


def _blocks(module: Module, body: Body, kind: str, path: str, scope: Any) -> list[tuple[Block, Body, Any]]:
    """Nested `kind` blocks, `dynamic "kind"` blocks expanded: (the block written, its body, its scope)."""
    from scanner.sources.terraform.module import _Overlay

    found: list[tuple[Block, Body, Any]] = []
    for block in body.blocks:
        if block.type == kind:
            found.append((block, block.body, scope))
            continue
        if block.type != "dynamic" or block.labels != (kind,):
            continue
        content = next((b for b in block.body.blocks if b.type == "content"), None)
        for_each = block.body.attributes.get("for_each")
        if content is None or for_each is None:
            continue
        iterator = kind
        named = block.body.attributes.get("iterator")
        if named is not None and references(named.expr):
            iterator = references(named.expr)[0][0]
        items = module.evaluate(for_each.expr, path, scope)
        plain_items = unmark(items)[0]
        if isinstance(plain_items, Mapping):
            pairs: list[tuple[Any, Any]] = list(plain_items.items())
        elif isinstance(plain_items, list | tuple):
            pairs = list(enumerate(plain_items))
        else:
            # Unknown (or not a collection): one block whose every value is unknown, so nothing is guessed.
            reason = plain_items if isinstance(plain_items, Unknown) else Unknown(
                reason=f"dynamic {kind!r} for_each is not a collection", path=path, line=block.range.start_line)
            pairs = [(reason, reason)]
        if len(pairs) > module.ctx.max_instances:
            module.errors.append(ScanError(
                path=path, line=for_each.range.start_line,
                message=f"dynamic {kind!r} block expands to {len(pairs)} blocks, more than the limit of "
                        f"{module.ctx.max_instances} (max-instances); not scanned"))
            continue
        found += [(block, content.body, _Overlay(scope, {iterator: {"key": k, "value": v}})) for k, v in pairs]
    return found


def _statement(module: Module, b: Body, path: str, scope: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": _attr(module, b, "effect", path, scope, "Allow")}
    sid = _attr(module, b, "sid", path, scope)
    if sid is not None:
        statement["Sid"] = sid
    for hcl_name, json_name in (("actions", "Action"), ("not_actions", "NotAction"),
                                ("resources", "Resource"), ("not_resources", "NotResource")):
        value = _attr(module, b, hcl_name, path, scope)
        if value is not None:
            statement[json_name] = value
    for kind, json_name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals: dict[str, Any] = {}
        for _, p, p_scope in _blocks(module, b, kind, path, scope):
            ptype = _attr(module, p, "type", path, p_scope)
            ids = _list(_attr(module, p, "identifiers", path, p_scope))
            key = ptype if isinstance(ptype, str) else "AWS"
            principals.setdefault(key, [])
            principals[key] = ids if isinstance(ids, Unknown) else principals[key] + ids
        if principals:
            statement[json_name] = "*" if principals == {"*": ["*"]} else principals
    conditions: dict[str, Any] | Unknown = {}
    for c, c_body, c_scope in _blocks(module, b, "condition", path, scope):
        test = _attr(module, c_body, "test", path, c_scope)
        variable = _attr(module, c_body, "variable", path, c_scope)
        values = _attr(module, c_body, "values", path, c_scope)
        if isinstance(test, str) and isinstance(variable, str) and isinstance(conditions, dict):
            conditions.setdefault(test, {})[variable] = values
        else:
            # Which key narrows the statement decides IAM-005: an unknown one leaves it undecided.
            conditions = Unknown(reason="a condition's test or variable is not known", path=path,
                                 line=c.range.start_line)
    if isinstance(conditions, Unknown) or conditions:
        statement["Condition"] = conditions
    return statement


def _aws_policy_document(module: Module, declared: Declared, scope: Any) -> dict[str, Any]:
    """As the AWS provider builds it: the source documents' statements, then this document's own (a `sid` it
    shares with a source statement replaces that one), then the override documents' (a shared `sid` replaces,
    wherever it stood; others are added)."""
    from scanner.sources.terraform.module import location

    body, path = declared.block.body, declared.path
    merged: list[tuple[Any, Location]] = []

    def put(statement: Any, at: Location) -> None:
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if isinstance(sid, str) and sid:
            for i, (existing, _) in enumerate(merged):
                if isinstance(existing, dict) and existing.get("Sid") == sid:
                    merged[i] = (statement, at)
                    return
        merged.append((statement, at))

    def documents(attr_name: str) -> None:
        for doc in _list(_attr(module, body, attr_name, path, scope)):
            for statement in _statements_of(doc):
                put(statement, location(path, body.attributes[attr_name].range))

    documents("source_policy_documents")
    for block, b, b_scope in _blocks(module, body, "statement", path, scope):
        put(_statement(module, b, path, b_scope), location(path, block.range))
    documents("override_policy_documents")
    document = {"Version": _attr(module, body, "version", path, scope, "2012-10-17"),
                "Statement": [statement for statement, _ in merged]}
    value = LocatedDocument(value=document, statement_locations=tuple(at for _, at in merged))
    return {"json": value, "minified_json": value, "id": Unknown(reason="known only after apply")}


def _statements_of(doc: Any) -> list[Any]:
    import json

    if isinstance(doc, JsonDocument):
        doc = doc.value
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return [Unknown(reason="source policy document is not valid JSON")]
    if isinstance(doc, dict):
        statements = doc.get("Statement", [])
        return statements if isinstance(statements, list) else [statements]
    return [Unknown(reason="source policy document is not known")]


def _google_iam_policy(module: Module, declared: Declared, scope: Any) -> dict[str, Any]:
    from scanner.sources.terraform.module import location

    body, path = declared.block.body, declared.path
    bindings: list[dict[str, Any]] = []
    locations: list[Location] = []
    for block in (b for b in body.blocks if b.type == "binding"):
        binding: dict[str, Any] = {
            "role": _attr(module, block.body, "role", path, scope),
            "members": _list(_attr(module, block.body, "members", path, scope)),
        }
        if any(b.type == "condition" for b in block.body.blocks):
            binding["condition"] = {"title": "condition"}
        bindings.append(binding)
        locations.append(location(path, block.range))
    value = LocatedDocument(value={"bindings": bindings}, statement_locations=tuple(locations))
    return {"policy_data": value, "id": Unknown(reason="known only after apply")}


def _azurerm_subscription(module: Module, declared: Declared, scope: Any) -> dict[str, Any]:
    """The current subscription: its id is unknown, but it is a subscription, which decides scope."""
    sub = _attr(module, declared.block.body, "subscription_id", declared.path, scope)
    sub_id = sub if isinstance(sub, str) else "(current)"
    result = _Unresolved("azurerm_subscription")
    result.update({"id": f"/subscriptions/{sub_id}", "subscription_id": sub if isinstance(sub, str) else
                   Unknown(reason="the current subscription id is read at plan time")})
    return result


_BUILDERS = {
    "aws_iam_policy_document": _aws_policy_document,
    "google_iam_policy": _google_iam_policy,
    "azurerm_subscription": _azurerm_subscription,
}

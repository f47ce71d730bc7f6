"""The fields the rule view can hold, and the check that a policy key names only those.

A key that names no field (``task.TaskNmae``) would read null on every task and silently pass or skip its
rule, so a policy is checked when it is loaded: every JMESPath key is parsed, its AST walked, and each
field it reads is looked up in the shape of the view: the task-version JSON Schema
(``schemas/trigger-task-version.schema.json``), the derived fields of :mod:`wedata_audit.view.document`
(``DERIVED_FIELDS``) and the context fields later stages add (``CONTEXT_FIELDS``). Maps whose keys are data
(``ext``, ``scheduling_params``, ``ext_json``) and the context fields accept any field below them; so does
an object the schema gives no properties. A rule reading a field newer than the schema opts out with
``allow_unknown_keys: true``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jmespath.parser

from wedata_audit.util.resources import load_schema
from wedata_audit.view.document import CONTEXT_FIELDS, DERIVED_FIELDS, TASK_SECTIONS

VERSION_SCHEMA = "trigger-task-version.schema.json"
# Derived fields whose keys are data, not a fixed set of names: any field below them is accepted.
OPEN_DERIVED = ("ext", "scheduling_params", "ext_json")


@dataclass(frozen=True)
class Shape:
    """What a value of the view can hold. ``fields`` None: any field (an open map); ``{}``: none (a scalar
    or an array); ``items``: the shape of an array's elements (None: unknown)."""

    path: str
    fields: Mapping[str, Shape] | None
    items: Shape | None = None

    def child_path(self, name: str) -> str:
        shown = name if name.replace("_", "a").isalnum() else f'"{name}"'
        return f"{self.path}.{shown}" if self.path else shown


@dataclass(frozen=True)
class UnknownField:
    key: str  # the whole key as written
    path: str  # the field it tried to read: task.TaskNmae
    suggestion: str | None  # the closest known field: task.TaskName
    note: str = ""  # why nothing is suggested: "code holds no fields"

    def message(self) -> str:
        hint = f"; did you mean {self.suggestion}?" if self.suggestion else f"; {self.note}" if self.note else ""
        shown = "" if self.key == self.path else f" (in key {self.key!r})"
        return (f"{self.path}{shown} names no field the rule view can hold{hint} (a field newer than the "
                "schema: set allow_unknown_keys: true on the rule)")


def _from_schema(node: Any, defs: Mapping[str, Any], path: str) -> Shape:
    while isinstance(node, dict) and "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(node, dict):
        return Shape(path, None)
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    props = node.get("properties")
    fields: dict[str, Shape] | None
    if isinstance(props, dict):
        fields = {}
        parent = Shape(path, {})
        for name, sub in props.items():
            fields[name] = _from_schema(sub, defs, parent.child_path(name))
    else:
        fields = None if "object" in types or not types else {}
    items = None
    if "array" in types:
        items = _from_schema(node["items"], defs, f"{path}[]") if "items" in node else Shape(f"{path}[]", None)
    return Shape(path, fields, items)


@cache
def view_shape() -> Shape:
    """The root of the rule view: raw ``Data`` fields, derived fields and context fields."""
    schema = load_schema(VERSION_SCHEMA)
    defs = schema.get("$defs", {})
    root = _from_schema(schema, defs, "")
    fields: dict[str, Shape] = dict(root.fields or {})
    task_fields: dict[str, Shape] = {}
    task = fields.get("Task")
    for section in TASK_SECTIONS:
        part = (task.fields or {}).get(section) if task else None
        for name in (part.fields or {}) if part else {}:
            task_fields[name] = _from_schema(_schema_at(schema, section, name), defs, f"task.{name}")
    for name in DERIVED_FIELDS:
        if name == "task":
            fields[name] = Shape(name, task_fields)
        elif name in OPEN_DERIVED:
            fields[name] = Shape(name, None)
        else:
            fields[name] = Shape(name, {})  # code, code_error, task_type: strings
    for name in CONTEXT_FIELDS:
        fields[name] = Shape(name, None)
    return Shape("", fields)


def _schema_at(schema: Mapping[str, Any], section: str, name: str) -> Any:
    ref = schema["properties"]["Task"]["properties"][section]
    defs = schema.get("$defs", {})
    while "$ref" in ref:
        ref = defs[ref["$ref"].rsplit("/", 1)[-1]]
    return ref["properties"][name]


def known_fields(shape: Shape | None = None) -> Iterator[str]:
    """Every field path the view can hold (open maps end at their own name), for documentation and tests."""
    shape = shape or view_shape()
    for sub in (shape.fields or {}).values():
        yield sub.path
        yield from known_fields(sub)
        if sub.items is not None and sub.items.fields:
            yield from known_fields(sub.items)


def _suggest(shape: Shape, name: str) -> str | None:
    """The closest known field: same spelling but for case first, then the most similar (difflib); at the
    root the merged task fields compete too (``TaskName`` -> ``task.TaskName``)."""
    candidates = [(n, shape.child_path(n)) for n in shape.fields or {}]
    if shape.path == "":
        task = (shape.fields or {}).get("task")
        candidates += [(n, task.child_path(n)) for n in (task.fields or {})] if task else []
    for bare, path in candidates:
        if bare.casefold() == name.casefold():
            return path
    scored = [(difflib.SequenceMatcher(None, name.casefold(), bare.casefold()).ratio(), -i, path)
              for i, (bare, path) in enumerate(candidates)]
    best = max(scored, default=None)
    return best[2] if best is not None and best[0] >= 0.6 else None


def condition_keys(spec: Any, where: str) -> Iterator[tuple[str, str]]:
    """``(where, expr)`` for every key a condition reads: ``key:`` and ``value: {key: ...}``, nested."""
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("key"), str):
        yield f"{where}.key", spec["key"]
    value = spec.get("value")
    if isinstance(value, dict) and isinstance(value.get("key"), str):
        yield f"{where}.value.key", value["key"]
    for kind in ("all", "any"):
        for i, part in enumerate(spec.get(kind) or []):
            yield from condition_keys(part, f"{where}.{kind}[{i}]")
    if "not" in spec:
        yield from condition_keys(spec["not"], f"{where}.not")


def rule_key_errors(spec: Mapping[str, Any]) -> list[str]:
    """Each key of a rule's ``when`` and ``check`` that reads a field the view cannot hold, as
    ``check.all[1].key: task.TaskNmae names no field ...; did you mean task.TaskName? ...``.
    Empty when the rule says ``allow_unknown_keys: true``."""
    if spec.get("allow_unknown_keys", False):
        return []
    out: list[str] = []
    for part in ("when", "check"):
        for where, expr in condition_keys(spec.get(part), part):
            out.extend(f"{where}: {u.message()}" for u in unknown_fields(expr))
    return out


def unknown_fields(expr: str) -> list[UnknownField]:
    """The fields ``expr`` reads that the view cannot hold (empty when every one is known).

    ``expr`` must be valid JMESPath (the condition compiler reports syntax errors first).
    """
    parsed = jmespath.parser.Parser().parse(expr).parsed
    found: list[UnknownField] = []
    _walk(parsed, view_shape(), expr, found)
    return found


def _walk(node: Any, shape: Shape | None, key: str, found: list[UnknownField]) -> Shape | None:
    """The shape of the value ``node`` yields from a value of ``shape`` (None: unknown, nothing checked)."""
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    children = [c for c in node.get("children", []) if isinstance(c, dict)]
    if kind == "field":
        if shape is None or shape.fields is None:
            return None
        name = node["value"]
        if name in shape.fields:
            return shape.fields[name]
        suggestion = _suggest(shape, name) if shape.fields else None
        found.append(UnknownField(key, shape.child_path(name), suggestion, "" if shape.fields or not shape.path
                                  else f"{shape.path} holds no fields"))
        return None
    if kind in ("subexpression", "pipe"):
        cur = shape
        for child in children:
            cur = _walk(child, cur, key, found)
        return cur
    if kind in ("current", "identity"):
        return shape
    if kind == "index_expression":  # a[0]: an element; a[0:2]: still the array
        left = _walk(children[0], shape, key, found)
        is_slice = len(children) > 1 and children[1].get("type") == "slice"
        return left if is_slice else (left.items if left else None)
    if kind == "flatten":
        left = _walk(children[0], shape, key, found)
        return left
    if kind in ("projection", "filter_projection"):
        left = _walk(children[0], shape, key, found)
        element = left.items if left is not None else None
        for child in children[1:]:
            _walk(child, element, key, found)
        return None
    if kind == "value_projection":
        _walk(children[0], shape, key, found)
        for child in children[1:]:
            _walk(child, None, key, found)
        return None
    if kind == "expref":  # applied to elements the function chooses: not checked
        return None
    for child in children:  # functions, or/and/not, comparators, multi-selects, key-value pairs
        _walk(child, shape, key, found)
    return None


def key_roots(expr: str) -> frozenset[str]:
    """The top-level view fields ``expr`` reads (``workflow_params.x`` -> ``workflow_params``); ``@`` when
    it reads the whole view. ``expr`` must be valid JMESPath."""
    return frozenset(_roots(jmespath.parser.Parser().parse(expr).parsed))


def rule_view_fields(spec: Mapping[str, Any]) -> frozenset[str]:
    """Every top-level view field the keys of a rule's ``when`` and ``check`` read (a built-in check reads
    the raw Data only, so it adds none)."""
    out: set[str] = set()
    for part in ("when", "check"):
        for _where, expr in condition_keys(spec.get(part), part):
            out |= key_roots(expr)
    return frozenset(out)


_LEFT_ONLY = ("subexpression", "pipe", "index_expression", "projection", "filter_projection", "value_projection",
              "flatten")


def _roots(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    kind = node.get("type")
    children = [c for c in node.get("children", []) if isinstance(c, dict)]
    if kind == "field":
        return {node["value"]}
    if kind in ("current", "identity"):
        return {"@"}
    if kind in ("literal", "expref"):
        return set()
    if kind in _LEFT_ONLY:  # the rest applies to what the left side yields
        return _roots(children[0]) if children else set()
    out: set[str] = set()
    for child in children:  # functions, or/and/not, comparators, multi-selects, key-value pairs
        out |= _roots(child)
    return out

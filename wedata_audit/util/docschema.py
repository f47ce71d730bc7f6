"""A user's document (a case file, a JSON report) against one of the bundled JSON Schemas, with short errors.

A valid document is recognised quickly: ``fastjsonschema`` compiles the schema (its keywords are draft-07
compatible) into a yes/no pre-check, 20 times faster than ``jsonschema`` on a 10,000-task report; only a
document it rejects is walked by ``jsonschema`` (2020-12), which says why.
:func:`first_error` returns the most useful error (the earliest in the document; of an error on a value and
one of its parts, the part's), :func:`describe` says what is wrong in one short line that never repeats the
offending value whole (it may be huge or nested deep), and :func:`location` says where, as a JSON Pointer.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from typing import Any

import fastjsonschema
import jsonschema
from jsonschema.exceptions import ValidationError

from wedata_audit.util.resources import load_schema

MAX_MESSAGE = 200
# Errors that only say "none (or not exactly one) of these alternatives holds": the error of a part is
# more precise, so it is reported first.
_COMBINATORS = frozenset({"anyOf", "oneOf", "allOf", "not", "if", "then", "else"})
_KINDS = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
          type(None): "null"}


@cache
def validator(schema_name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema(schema_name))


@cache
def _fast(schema_name: str) -> Any:
    draft7 = dict(load_schema(schema_name), **{"$schema": "http://json-schema.org/draft-07/schema#"})
    draft7.pop("$id", None)
    try:
        return fastjsonschema.compile(draft7)
    except Exception:  # a schema fastjsonschema cannot compile: jsonschema alone decides
        return None


def fast_accepts(schema_name: str, doc: Any) -> bool:
    """The compiled pre-check says valid (False when it cannot say: rejected, or nested too deep for it)."""
    check = _fast(schema_name)
    if check is None:
        return False
    try:
        check(doc)
    except (fastjsonschema.JsonSchemaException, RecursionError):
        return False
    return True


def _order(err: ValidationError) -> list[tuple[int, Any]]:
    key: list[tuple[int, Any]] = [(0, p) if isinstance(p, int) else (1, str(p)) for p in err.absolute_path]
    if err.validator in _COMBINATORS:
        key.append((2, ""))
    return key


def first_error(schema_name: str, doc: Any) -> ValidationError | None:
    """The error to report, or ``None`` when ``doc`` is valid."""
    if fast_accepts(schema_name, doc):
        return None
    errors = list(validator(schema_name).iter_errors(doc))
    return min(errors, key=_order) if errors else None


def all_errors(schema_name: str, doc: Any) -> list[ValidationError]:
    """Every error, most useful first (empty when ``doc`` is valid)."""
    if fast_accepts(schema_name, doc):
        return []
    return sorted(validator(schema_name).iter_errors(doc), key=_order)


def dotted(path: Any, root: str = "") -> str:
    """Where, as a reader of a YAML file says it: ``waivers[0].expires``, ``overrides.owner.severity``."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return text or root


def location(path: Any) -> str:
    """A JSON Pointer (``/tasks/0/findings/2``); ``/`` for the whole document."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path) or "/"


def kind(value: Any) -> str:
    """The JSON type of a value, as JSON Schema names it."""
    return _KINDS.get(type(value), type(value).__name__)


def short(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _literal(value: Any) -> str:
    try:
        return short(json.dumps(value, ensure_ascii=False), 60)
    except (TypeError, ValueError, RecursionError):
        return kind(value)


def describe(err: ValidationError) -> str:
    """What is wrong, in one line."""
    v, arg, instance = err.validator, err.validator_value, err.instance
    if v == "type":
        wanted = " or ".join(arg) if isinstance(arg, list) else str(arg)
        return f"expected {wanted}, found {kind(instance)}"
    if v == "required":
        missing = [name for name in arg if isinstance(instance, dict) and name not in instance]
        return "missing " + ", ".join(repr(name) for name in missing or arg)
    if v == "additionalProperties" and isinstance(instance, dict):
        known = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
        extra = [str(k) for k in instance if k not in known]
        close = [m for k in extra for m in difflib.get_close_matches(k, [n for n in known if n not in instance], 1)]
        hint = f"; did you mean {' or '.join(repr(m) for m in dict.fromkeys(close))}?" if close else ""
        return short("unknown key(s): " + ", ".join(repr(k) for k in extra) + hint)
    if v == "enum":
        return short(f"expected one of {', '.join(_literal(x) for x in arg)}, found {_literal(instance)}")
    if v == "const":
        return f"expected {_literal(arg)}, found {_literal(instance)}"
    if v == "minItems" and arg == 1:
        return "must not be empty"
    if v == "minLength" and arg == 1:
        return "must not be empty"
    if v == "pattern":
        # A schema may say in words what its pattern wants (``x-expected``), rather than show the regex.
        words = err.schema.get("x-expected") if isinstance(err.schema, dict) else None
        if isinstance(words, str):
            return f"expected {words}, found {_literal(instance)}"
        return f"does not match {arg!r}: {_literal(instance)}"
    return short(err.message)

"""Comparison operators of the policy language and ``value_type`` coercion.

Modelled on Cloud Custodian's value filter. Each operator takes the actual value (already coerced)
and the expected value, and answers pass or fail; :data:`EXPECT` words the expectation for reviewers.
``present`` means not null: the API may return null for any field, so missing and null are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import regex

# A policy regex may be pathological; every search is bounded in time (the `regex` package, which reads
# Python `re` syntax, supports a timeout). Exceeding it fails the evaluation of the rule with a clear error.
REGEX_TIMEOUT = 2.0


class RegexTimeout(RuntimeError):
    pass


class CoercionError(ValueError):
    pass


def _to_int(v: Any) -> int:
    if isinstance(v, bool):
        raise CoercionError("a boolean")
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            pass
    raise CoercionError("an integer")


def _to_number(v: Any) -> float | int:
    if isinstance(v, bool):
        raise CoercionError("a number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            f = float(v.strip())
        except ValueError:
            pass
        else:
            if f == f and f not in (float("inf"), float("-inf")):
                return f
    raise CoercionError("a number")


_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
        return v.strip().lower() in _TRUE
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    raise CoercionError("a boolean")


def _to_str(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return str(v)
    raise CoercionError("a string")


COERCE: dict[str, Callable[[Any], Any]] = {
    "integer": _to_int,
    "number": _to_number,
    "boolean": _to_bool,
    "string": _to_str,
}


def coerce(value: Any, value_type: str | None) -> Any:
    """Coerce a value (or each item of a list); null stays null. Raises CoercionError."""
    if value_type is None or value is None:
        return value
    fn = COERCE[value_type]
    if isinstance(value, list):
        return [fn(v) for v in value]
    return fn(value)


def _empty(a: Any) -> bool:
    return a is None or (isinstance(a, (str, list, dict)) and len(a) == 0)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def numeric_string(v: Any) -> float | int | None:
    """The number a string such as ``"180"`` or ``" -1.5 "`` holds; ``None`` when it holds none.

    Ext values arrive as strings: an ordering against a number reads them as numbers.
    """
    if not isinstance(v, str):
        return None
    try:
        return _to_int(v)
    except CoercionError:
        pass
    try:
        return _to_number(v)
    except CoercionError:
        return None


def _ordered(cmp: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def op(a: Any, e: Any) -> bool:
        if a is None or isinstance(a, bool) or isinstance(e, bool):
            return False
        if is_number(e) and isinstance(a, str):  # "180" > 0: the string read as a number, when it is one
            number = numeric_string(a)
            return number is not None and cmp(number, e)
        if isinstance(a, (int, float)) and isinstance(e, (int, float)):
            return cmp(a, e)
        if isinstance(a, str) and isinstance(e, str):
            return cmp(a, e)
        return False

    return op


def glob_pattern(text: str) -> regex.Pattern[str]:
    """A glob as a compiled pattern: ``*`` is any run of characters, ``?`` one character, the rest literal;
    it must match the whole value."""
    parts = [".*" if c == "*" else "." if c == "?" else regex.escape(c) for c in text]
    return regex.compile("(?s)" + "".join(parts) + r"\Z")


def _glob(a: Any, e: Any) -> bool:
    if not isinstance(a, str) or not isinstance(e, list):
        return False
    return any(p.match(a) is not None for p in e)


# Normalisations a condition may apply (``normalize: [trim, casefold]``) before comparing.
NORMALIZE: dict[str, Callable[[str], str]] = {
    "trim": str.strip,
    "casefold": str.casefold,
}


def normalize(value: Any, steps: tuple[str, ...]) -> Any:
    """Apply the steps to a string, or to each string of a list; anything else is left as it is."""
    if not steps:
        return value
    if isinstance(value, str):
        for step in steps:
            value = NORMALIZE[step](value)
        return value
    if isinstance(value, list):
        return [normalize(v, steps) if isinstance(v, str) else v for v in value]
    return value


def _contains(a: Any, e: Any) -> bool:
    if isinstance(a, str):
        return isinstance(e, str) and e in a
    if isinstance(a, (list, dict)):
        try:
            return e in a
        except TypeError:
            return False
    return False


def first_match(patterns: list[regex.Pattern[str]], a: Any) -> regex.Match[str] | None:
    if a is None:
        return None
    text = a if isinstance(a, str) else _to_str_lenient(a)
    for p in patterns:
        try:
            m = p.search(text, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            raise RegexTimeout(f"regex /{p.pattern}/ gave up after {REGEX_TIMEOUT:g} s on a value of "
                               f"{len(text):,} characters") from None
        if m:
            return m
    return None


def all_matches(patterns: list[regex.Pattern[str]], a: Any, limit: int = 20) -> list[regex.Match[str]]:
    """Every match of every pattern (at most ``limit``), in text order; each search bounded in time."""
    if a is None:
        return []
    text = a if isinstance(a, str) else _to_str_lenient(a)
    found: list[regex.Match[str]] = []
    for p in patterns:
        try:
            for m in p.finditer(text, timeout=REGEX_TIMEOUT):
                found.append(m)
                if len(found) >= limit:
                    break
        except TimeoutError:
            raise RegexTimeout(f"regex /{p.pattern}/ gave up after {REGEX_TIMEOUT:g} s on a value of "
                               f"{len(text):,} characters") from None
    return sorted(found, key=lambda m: m.start())[:limit]


def _to_str_lenient(a: Any) -> str:
    try:
        return _to_str(a)
    except CoercionError:
        return str(a)


def same(a: Any, e: Any) -> bool:
    """Equality in which ``true`` is not ``1`` (JSON semantics), but ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(e, bool):
        return type(a) is type(e) and a == e
    return bool(a == e)


def _in(a: Any, e: Any) -> bool:
    if not isinstance(e, (list, tuple)):
        return False
    return any(same(a, item) for item in e)


def _as_number_same(a: Any, e: Any) -> bool:
    """``"0"`` against ``0`` (either way round): equal once the string is read as a number."""
    if isinstance(a, str) and is_number(e):
        return numeric_string(a) == e
    if is_number(a) and isinstance(e, str):
        return numeric_string(e) == a
    return False


def _ne(a: Any, e: Any) -> bool:
    """Different as they are and as numbers: ``ne 0`` does not silently pass ``"0"`` (the failure then
    points to value_type)."""
    return not same(a, e) and not _as_number_same(a, e)


def _not_in(a: Any, e: Any) -> bool:
    if not isinstance(e, (list, tuple)):
        return True
    return not any(same(a, item) or _as_number_same(a, item) for item in e)


# op -> predicate(actual, expected). Regex operators receive a list of compiled patterns.
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, e: same(a, e),
    "ne": _ne,
    "in": lambda a, e: a is not None and _in(a, e),
    "not-in": _not_in,
    "any-in": lambda a, e: any(_in(item, e) for item in (a if isinstance(a, list) else [a] if a is not None else [])),
    "gt": _ordered(lambda a, e: a > e),
    "gte": _ordered(lambda a, e: a >= e),
    "lt": _ordered(lambda a, e: a < e),
    "lte": _ordered(lambda a, e: a <= e),
    "regex": lambda a, e: first_match(e, a) is not None,
    "not-regex": lambda a, e: first_match(e, a) is None,
    "glob": _glob,
    "not-glob": lambda a, e: not _glob(a, e),
    "contains": _contains,
    "not-contains": lambda a, e: not _contains(a, e),
    "present": lambda a, e: a is not None,
    "absent": lambda a, e: a is None,
    "empty": lambda a, e: _empty(a),
    "not-empty": lambda a, e: not _empty(a),
}

UNARY = frozenset({"present", "absent", "empty", "not-empty"})
REGEX = frozenset({"regex", "not-regex"})
GLOB = frozenset({"glob", "not-glob"})
ORDERED = frozenset({"gt", "gte", "lt", "lte"})
LIST_VALUED = frozenset({"in", "not-in", "any-in"})

def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    names: dict[type, str] = {str: "string", list: "list", dict: "object"}
    return names.get(type(value), type(value).__name__)


def type_note(op: str, actual: Any, expected: Any, sensitive: bool) -> str:
    """Said after the actual value in a failure when the types, not the values, decided (a string against a
    number); empty when there is nothing to say."""
    if actual is None or op in UNARY | REGEX | GLOB:
        return ""
    if op in ORDERED:
        if is_number(expected) and isinstance(actual, str):
            number = numeric_string(actual)
            if number is None:
                return ", which is not a number"
            return "" if sensitive else f" (compared as the number {number})"
        if (is_number(expected) and is_number(actual)) or (isinstance(expected, str) and isinstance(actual, str)):
            return ""
        return f", a {kind(actual)}, which cannot be ordered against a {kind(expected)}"
    if op in ("eq", "in", "ne", "not-in"):
        items = expected if op in ("in", "not-in") and isinstance(expected, list) else [expected]
        if numeric_string(actual) is not None and any(is_number(x) for x in items):
            other = "number"
        elif is_number(actual) and any(numeric_string(x) is not None for x in items):
            other = "string"
        else:
            return ""
        return (f" (a {kind(actual)}, compared with a {other}: add value_type: integer, number or string "
                "to compare them as one type)")
    return ""


# How a reviewer reads the expectation, given the rendered expected value.
EXPECT: dict[str, str] = {
    "eq": "{e}",
    "ne": "anything but {e}",
    "in": "one of {e}",
    "not-in": "none of {e}",
    "any-in": "at least one of {e}",
    "gt": "> {e}",
    "gte": ">= {e}",
    "lt": "< {e}",
    "lte": "<= {e}",
    "regex": "a match for {e}",
    "not-regex": "no match for {e}",
    "glob": "a match for {e}",
    "not-glob": "no match for {e}",
    "contains": "to contain {e}",
    "not-contains": "not to contain {e}",
    "present": "a value (not null)",
    "absent": "null or absent",
    "empty": "empty",
    "not-empty": "a non-empty value",
}

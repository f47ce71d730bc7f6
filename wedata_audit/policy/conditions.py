"""Conditions of the policy language, compiled once and evaluated against each rule view.

A condition is a leaf ``{key: EXPR, op: OP, value: V, value_type: T, normalize: [trim, casefold]}`` (or
``{param: NAME, op: ...}`` to test a rule parameter), or ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``.
``value`` is a literal, ``{param: NAME}`` (``{param: RULE.NAME}``: a param of another rule) or
``{key: EXPR}`` (another value of the same view). Keys are JMESPath expressions; plain dotted paths take a
fast route with the same semantics. Any condition may carry ``message:``, a template that words its failure.

Evaluating returns the list of failures: empty means the condition holds.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import regex

from wedata_audit.policy.keys import ConditionError, Getter, compile_key
from wedata_audit.policy.operators import (
    EXPECT,
    GLOB,
    LIST_VALUED,
    NORMALIZE,
    OPERATORS,
    REGEX,
    UNARY,
    CoercionError,
    all_matches,
    coerce,
    glob_pattern,
    normalize,
    type_note,
)

MAX_SHOWN = 120  # characters of a value shown in a message
REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class Failure:
    key: str
    actual: str | None
    expected: str | None
    message: str


def show(value: Any, limit: int = MAX_SHOWN) -> str:
    """A value as a reviewer reads it: JSON literals, long text shortened."""
    if value is None:
        return "null"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError):
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + f"… ({len(text)} characters)"
    return text


_LABEL = regex.compile(r"\(\?#([^)]+)\)")


def pattern_name(p: regex.Pattern[str]) -> str:
    """How a message names a pattern: its leading ``(?#comment)`` when it has one, else ``/pattern/``."""
    m = _LABEL.match(p.pattern)
    return m.group(1).strip() if m else f"/{p.pattern}/"


def _pattern_text(patterns: list[regex.Pattern[str]]) -> str:
    return " or ".join(pattern_name(p) for p in patterns)


def _param(params: Mapping[str, Any], name: Any, where: str) -> Any:
    if name not in params:
        other = (" (RULE.NAME names a param of another rule, which must be loaded and declare it)"
                 if isinstance(name, str) and "." in name else "")
        raise ConditionError(where, f"unknown param {name!r}{other}")
    return params[name]


def _normalize_steps(spec: Mapping[str, Any], where: str) -> tuple[str, ...]:
    steps = spec.get("normalize", [])
    steps = [steps] if isinstance(steps, str) else steps
    if not isinstance(steps, list) or not all(isinstance(s, str) and s in NORMALIZE for s in steps):
        raise ConditionError(where, f"normalize takes {' or '.join(NORMALIZE)}, or a list of them")
    return tuple(dict.fromkeys(steps))


class Condition:
    def evaluate(self, view: Mapping[str, Any]) -> list[Failure]:
        raise NotImplementedError

    def failures(self, view: Mapping[str, Any]) -> list[Failure]:
        """The failures of each part, before a composite joins them into one (what ``message:`` words)."""
        return self.evaluate(view)

    def describe(self) -> str:
        raise NotImplementedError


class Leaf(Condition):
    def __init__(self, spec: Mapping[str, Any], params: Mapping[str, Any], where: str, sensitive: bool) -> None:
        op = spec.get("op")
        if op not in OPERATORS:
            raise ConditionError(where, f"unknown operator {op!r} (choose from {', '.join(OPERATORS)})")
        self.op: str = op
        self.value_type: str | None = spec.get("value_type")
        self.sensitive = sensitive
        self.steps = _normalize_steps(spec, where)
        if "key" in spec:
            self.label = str(spec["key"])
            self.get = compile_key(spec["key"], f"{where}.key")
        elif "param" in spec:
            name = spec["param"]
            constant = _param(params, name, where)
            self.label = f"param {name}"
            self.get = lambda _view: constant
        else:
            raise ConditionError(where, "a condition needs one of key, param, all, any, not")
        self._expected_key: Getter | None = None
        self._expected: Any = None
        self._expected_label = ""
        self._globs: list[str] = []
        if op in UNARY:
            if "value" in spec:
                raise ConditionError(where, f"operator {op!r} takes no value")
            return
        if "value" not in spec:
            raise ConditionError(where, f"operator {op!r} needs a value")
        value = spec["value"]
        if isinstance(value, dict) and set(value) == {"param"}:
            value = _param(params, value["param"], where)
        elif isinstance(value, dict) and set(value) == {"key"}:
            self._expected_key = compile_key(value["key"], f"{where}.value.key")
            self._expected_label = str(value["key"])
            if op in REGEX | GLOB:
                raise ConditionError(where, "a pattern must be a literal or a param, not a key")
            return
        self._expected = self._prepare(value, where)

    def _prepare(self, value: Any, where: str) -> Any:
        op = self.op
        if op in REGEX:
            items = value if isinstance(value, list) else [value]
            if not items or not all(isinstance(v, str) for v in items):
                raise ConditionError(where, f"operator {op!r} needs a regex string or a list of them")
            flags = regex.IGNORECASE | regex.FULLCASE if "casefold" in self.steps else 0
            try:
                return [regex.compile(v, flags) for v in items]
            except regex.error as exc:
                raise ConditionError(where, f"invalid regex: {exc}") from None
        if op in GLOB:
            items = value if isinstance(value, list) else [value]
            if not items or not all(isinstance(v, str) for v in items):
                raise ConditionError(where, f"operator {op!r} needs a glob string or a list of them")
            self._globs = list(items)
            return [glob_pattern(normalize(v, self.steps)) for v in items]
        if op in LIST_VALUED and not isinstance(value, list):
            raise ConditionError(where, f"operator {op!r} needs a list value")
        try:
            return normalize(coerce(value, self.value_type), self.steps)
        except CoercionError as exc:
            raise ConditionError(where, f"value {show(value)} cannot be read as {exc}") from None

    def describe(self) -> str:
        return f"{self.label} {self.op}" + ("" if self.op in UNARY else f" {self._expected_text()}")

    def _expected_text(self) -> str:
        if self._expected_label:
            return f"the value of {self._expected_label}"
        if self.op in REGEX:
            return _pattern_text(self._expected)
        if self.op in GLOB:
            return show(self._globs)
        return show(self._expected)

    def evaluate(self, view: Mapping[str, Any]) -> list[Failure]:
        raw = self.get(view)
        expected = self._expected
        if self._expected_key is not None:
            try:
                expected = coerce(self._expected_key(view), self.value_type)
            except CoercionError:
                expected = self._expected_key(view)
            expected = normalize(expected, self.steps)
        try:
            actual = normalize(coerce(raw, self.value_type), self.steps)
        except CoercionError as exc:
            return [self._fail(raw, f"{self.label} is {self._show(raw)}, which cannot be read as {exc}")]
        if OPERATORS[self.op](actual, expected):
            return []
        return [self._fail(raw, self._message(raw, actual, expected))]

    def _show(self, value: Any) -> str:
        if self.sensitive and value is not None:
            return REDACTED
        return show(value)

    def _message(self, raw: Any, actual: Any, expected: Any) -> str:
        wanted = self._wanted(expected)
        if self.op == "not-regex":
            matches = all_matches(expected, actual)
            if matches:
                return self._where(matches)
        note = type_note(self.op, actual, expected, self.sensitive)
        return f"{self.label} is {self._show(raw)}{note}, expected {wanted}"

    def _where(self, matches: list[Any]) -> str:
        """Where a forbidden pattern matched: each line and pattern; the text itself only when not sensitive."""
        text = matches[0].string
        places = []
        for m in matches:
            line = text.count("\n", 0, m.start()) + 1
            places.append(f"line {line} ({pattern_name(m.re)})" if self.sensitive
                          else f"line {line}: {show(m.group(0))}")
        places = list(dict.fromkeys(places))
        hidden = "; the matched text is redacted" if self.sensitive else ""
        return f"{self.label} matches a forbidden pattern at {', '.join(places)}{hidden}"

    def _wanted(self, expected: Any) -> str:
        if self._expected_label:
            rendered = f"the value of {self._expected_label} ({self._show(expected)})"
        elif self.op in REGEX:
            rendered = _pattern_text(expected)
        elif self.op in GLOB:
            rendered = show(self._globs)
        else:
            rendered = show(expected)
        return EXPECT[self.op].format(e=rendered)

    def _fail(self, raw: Any, message: str) -> Failure:
        expected = None if self.op in UNARY else self._expected_text()
        return Failure(key=self.label, actual=self._show(raw), expected=EXPECT[self.op].format(e=expected),
                       message=message)


class All(Condition):
    def __init__(self, parts: list[Condition]) -> None:
        self.parts = parts

    def evaluate(self, view: Mapping[str, Any]) -> list[Failure]:
        out: list[Failure] = []
        for part in self.parts:
            out.extend(part.evaluate(view))
        return out

    def describe(self) -> str:
        return "(" + " and ".join(p.describe() for p in self.parts) + ")"


class Any_(Condition):
    def __init__(self, parts: list[Condition]) -> None:
        self.parts = parts

    def failures(self, view: Mapping[str, Any]) -> list[Failure]:
        failures: list[Failure] = []
        for part in self.parts:
            got = part.evaluate(view)
            if not got:
                return []
            failures.extend(got)
        return failures

    def evaluate(self, view: Mapping[str, Any]) -> list[Failure]:
        failures = self.failures(view)
        if not failures:
            return []
        return [Failure(
            key=" | ".join(dict.fromkeys(f.key for f in failures)),
            actual="; ".join(f"{f.key}={f.actual}" for f in failures),
            expected=" or ".join(f.expected or "" for f in failures),
            message="none of the alternatives holds: " + "; or ".join(f.message for f in failures),
        )]

    def describe(self) -> str:
        return "(" + " or ".join(p.describe() for p in self.parts) + ")"


class Not(Condition):
    def __init__(self, inner: Condition, keys: str) -> None:
        self.inner = inner
        self.keys = keys

    def evaluate(self, view: Mapping[str, Any]) -> list[Failure]:
        if self.inner.evaluate(view):
            return []
        text = self.inner.describe()
        return [Failure(key=self.keys, actual=None, expected=f"not {text}",
                        message=f"{text} holds, expected it not to")]

    def describe(self) -> str:
        return f"not {self.inner.describe()}"


MESSAGE_FIELDS = ("key", "actual", "expected")


class Worded(Condition):
    """A condition whose failure is worded by the policy (``message: "{key} is {actual}: not approved"``).

    ``{key}``, ``{actual}`` and ``{expected}`` are those of the first failing part (``actual`` as shown in
    findings, so redacted in a sensitive rule); one finding however many parts failed.
    """

    def __init__(self, inner: Condition, template: Any, where: str) -> None:
        if not isinstance(template, str) or not template.strip():
            raise ConditionError(where, "message must be a non-empty string")
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError as exc:
            raise ConditionError(where, f"message {template!r}: {exc} (write {{{{ and }}}} for braces)") from None
        unknown = [f for f in fields if f not in MESSAGE_FIELDS]
        if unknown:
            raise ConditionError(where, f"message: unknown field {{{unknown[0]}}} "
                                        f"(use {', '.join('{' + f + '}' for f in MESSAGE_FIELDS)})")
        self.inner = inner
        self.template = template

    def evaluate(self, view: Mapping[str, Any]) -> list[Failure]:
        failures = self.inner.failures(view)
        if not failures:
            return []
        first = failures[0]
        key = " | ".join(dict.fromkeys(f.key for f in failures))
        message = self.template.format(key=first.key, actual="null" if first.actual is None else first.actual,
                                       expected=first.expected or "")
        return [Failure(key=key, actual=first.actual,
                        expected=" or ".join(dict.fromkeys(f.expected or "" for f in failures)), message=message)]

    def describe(self) -> str:
        return self.inner.describe()


def compile_condition(spec: Any, params: Mapping[str, Any], where: str, *, sensitive: bool = False) -> Condition:
    cond = _compile_condition(spec, params, where, sensitive=sensitive)
    if isinstance(spec, dict) and "message" in spec:
        return Worded(cond, spec["message"], f"{where}.message")
    return cond


def _compile_condition(spec: Any, params: Mapping[str, Any], where: str, *, sensitive: bool = False) -> Condition:
    if not isinstance(spec, dict):
        raise ConditionError(where, "a condition must be a mapping")
    kinds = [k for k in ("key", "param", "all", "any", "not") if k in spec]
    if len(kinds) != 1:
        raise ConditionError(where, "a condition needs exactly one of key, param, all, any, not")
    kind = kinds[0]
    if kind in ("all", "any"):
        items = spec[kind]
        if not isinstance(items, list) or not items:
            raise ConditionError(where, f"{kind} needs a non-empty list of conditions")
        parts = [compile_condition(c, params, f"{where}.{kind}[{i}]", sensitive=sensitive)
                 for i, c in enumerate(items)]
        return All(parts) if kind == "all" else Any_(parts)
    if kind == "not":
        inner = compile_condition(spec["not"], params, f"{where}.not", sensitive=sensitive)
        return Not(inner, " | ".join(dict.fromkeys(_keys(inner))))
    return Leaf(spec, params, where, sensitive)


def _keys(cond: Condition) -> list[str]:
    if isinstance(cond, Leaf):
        return [cond.label]
    if isinstance(cond, (All, Any_)):
        return [k for p in cond.parts for k in _keys(p)]
    if isinstance(cond, (Not, Worded)):
        return _keys(cond.inner)
    return []

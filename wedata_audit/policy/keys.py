"""Keys of the policy language: JMESPath expressions compiled once; a chain of plain fields (``task.TaskName``)
takes a direct lookup with the same semantics."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jmespath
import jmespath.exceptions
import jmespath.parser


class ConditionError(ValueError):
    """A condition that cannot be compiled; ``where`` locates it inside the rule (``check.all[1]``)."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}")


Getter = Callable[[Mapping[str, Any]], Any]


def compile_key(expr: str, where: str) -> Getter:
    """Compile a JMESPath key; a chain of plain fields becomes a direct lookup."""
    if not isinstance(expr, str) or not expr.strip():
        raise ConditionError(where, "key must be a non-empty JMESPath expression")
    try:
        parsed = jmespath.parser.Parser().parse(expr)
    except jmespath.exceptions.JMESPathError as exc:
        raise ConditionError(where, f"invalid JMESPath {expr!r}: {exc}") from None
    names = _field_chain(dict(parsed.parsed))
    if names is not None:
        return _lookup(tuple(names))
    return parsed.search


def _field_chain(node: dict[str, Any]) -> list[str] | None:
    if node["type"] == "field":
        return [node["value"]]
    if node["type"] == "subexpression":
        out: list[str] = []
        for child in node["children"]:
            sub = _field_chain(child)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return None


def _lookup(names: tuple[str, ...]) -> Getter:
    if len(names) == 1:
        (only,) = names

        def get1(view: Mapping[str, Any]) -> Any:
            return view.get(only)

        return get1

    def get(view: Mapping[str, Any]) -> Any:
        cur: Any = view
        for name in names:
            if not isinstance(cur, dict):
                return None
            cur = cur.get(name)
        return cur

    return get

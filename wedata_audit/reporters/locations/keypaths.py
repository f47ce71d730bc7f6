"""The plain paths a finding key may name, read with JMESPath's own parser.

A policy key is a JMESPath expression over the rule view. :func:`candidates` lists the plain dotted paths
(member names and array indexes) in it, in the order a reader would try them: both sides of ``||`` / ``&&``,
a pipe's continuation then each side, the left of a projection or filter, a function's arguments. Each
comes with whether it is the whole key (a filter or function makes it only a prefix). Keys that are not
JMESPath, such as several keys joined by `` | `` with ``param ...`` among them (the ``any`` and ``not``
conditions write those), are split and read part by part.
"""

from __future__ import annotations

import functools
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

Segment = str | int  # a member name or an array index
# Conditions join the keys of their parts with this (wedata_audit.policy.conditions: any, not).
KEY_JOINER = " | "


@functools.lru_cache(maxsize=1024)
def candidates(key: str) -> tuple[tuple[tuple[Segment, ...], bool], ...]:
    """The plain paths a key may name, in order, each with whether it is all of the key (cached: a run
    asks for the same few keys on every task)."""
    return tuple((tuple(segments), whole) for segments, whole in _candidates(key))


def _candidates(key: str) -> list[tuple[list[Segment], bool]]:
    key = key.strip()
    if not key:
        return []
    try:
        ast = jmespath.compile(key).parsed
    except (JMESPathError, RecursionError, ValueError):
        if KEY_JOINER in key:
            return [c for part in key.split(KEY_JOINER) for c in _candidates(part)]
        return []
    return _paths(ast)


def _paths(node: Any) -> list[tuple[list[Segment], bool]]:
    kind, children = node.get("type"), node.get("children") or []
    if kind == "field":
        return [([node["value"]], True)]
    if kind == "index":
        return [([node["value"]], True)]
    if kind in ("identity", "current"):
        return [([], True)]
    if kind in ("subexpression", "index_expression"):
        acc: list[tuple[list[Segment], bool]] = [([], True)]
        for child in children:
            step = _paths(child) or [([], False)]
            acc = [(segs + more, ok) for segs, done in acc for more, ok in
                   (step if done else [([], False)])]
        return acc
    if kind in ("or_expression", "and_expression", "not_expression"):
        return [c for child in children for c in _paths(child)]
    if kind == "pipe":
        left, right = _paths(children[0]), _paths(children[1])
        joined = [(a + b, ok) for a, done in left if done for b, ok in right]
        return joined + left + right
    if kind in ("projection", "filter_projection", "value_projection", "flatten"):
        return [(segs, False) for segs, _ in _paths(children[0])] if children else []
    if kind in ("function_expression", "comparator"):
        return [(segs, False) for child in children for segs, _ in _paths(child)]
    return []

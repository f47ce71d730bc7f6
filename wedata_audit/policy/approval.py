"""Approval as rule ``approval-status`` reads it, for code that must agree with the rule (e.g. a cache that
re-fetches a version until its approval is decided).

``ApproveStatus`` values are not documented by the API. The rule's params ``approved`` and ``not_approved``
hold the values (``*`` matches any characters), compared trimmed and ignoring case; anything else is
unknown, and null or blank is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from wedata_audit.policy.loading import Rule
from wedata_audit.policy.operators import glob_pattern, normalize

APPROVAL_RULE_ID = "approval-status"
STEPS = ("trim", "casefold")  # as the rule's conditions say: normalize: [trim, casefold]

APPROVED = "approved"
NOT_APPROVED = "not_approved"
UNKNOWN = "unknown"
MISSING = "missing"


def _matches(value: str, patterns: Sequence[Any]) -> bool:
    return any(isinstance(p, str) and glob_pattern(normalize(p, STEPS)).match(value) for p in patterns)


def approval_state(status: Any, approved: Sequence[Any], not_approved: Sequence[Any]) -> str:
    """``approved``, ``not_approved``, ``unknown`` (a value neither param holds, or not a string) or
    ``missing`` (null or blank). "Decided" means approved or not_approved."""
    if status is None or (isinstance(status, str) and not status.strip()):
        return MISSING
    if not isinstance(status, str):
        return UNKNOWN
    value = normalize(status, STEPS)
    if _matches(value, not_approved):
        return NOT_APPROVED
    if _matches(value, approved):
        return APPROVED
    return UNKNOWN


def approval_params(rules: Iterable[Rule]) -> tuple[list[Any], list[Any]] | None:
    """The ``approved`` and ``not_approved`` params in effect (after overrides), or None without the rule."""
    for rule in rules:
        if rule.id == APPROVAL_RULE_ID:
            return list(rule.params.get("approved") or []), list(rule.params.get("not_approved") or [])
    return None

"""Personal data from ListProjectMembers: what is kept of a member, and the scrubbing of text.

A ProjectUserRole carries a phone number and an e-mail address. They are dropped here, before anything is
stored, printed, logged or reported: :func:`member_record` keeps only the fields a rule may read, and
:func:`scrub_text` removes e-mail addresses (and any phone number or address seen) from error text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MEMBER_FIELDS = ("UserUin", "UserName", "DisplayName", "Roles", "IsProjectOwner")
PERSONAL_FIELDS = ("PhoneNum", "Email")
ROLE_FIELDS = ("RoleId", "RoleName", "RoleDisplayName", "Description")
REMOVED = "[personal data removed]"
_EMAIL = re.compile(r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+\.[A-Za-z]{2,}")


def member_record(record: Any) -> dict[str, Any] | None:
    """Only :data:`MEMBER_FIELDS` of a ProjectUserRole (roles keep only their documented fields); None for a
    value that is not an object."""
    if not isinstance(record, dict):
        return None
    kept = {k: record.get(k) for k in MEMBER_FIELDS}
    roles = kept.get("Roles")
    if isinstance(roles, list):
        kept["Roles"] = [{k: r.get(k) for k in ROLE_FIELDS} if isinstance(r, dict) else None for r in roles]
    elif roles is not None:
        kept["Roles"] = None
    return kept


def personal_values(records: Iterable[Any]) -> set[str]:
    """The phone numbers and e-mail addresses in raw member records (to scrub them from text)."""
    return {str(r[k]) for r in records if isinstance(r, dict) for k in PERSONAL_FIELDS
            if r.get(k) not in (None, "")}


def scrub_text(text: str, known: Iterable[str] = ()) -> str:
    """``text`` without e-mail addresses and without any of the ``known`` personal values."""
    for value in sorted(known, key=len, reverse=True):
        if value:
            text = text.replace(value, REMOVED)
    return _EMAIL.sub(REMOVED, text)

"""Selection: which rules run (``--select`` / ``--ignore``), kept apart from checking and formatting."""

from __future__ import annotations

from collections.abc import Iterable

from wedata_audit.errors import UsageError
from wedata_audit.policy.loading import Rule


def select_rules(rules: list[Rule], select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """Keep the selected rules (all when none is named) minus the ignored ones; unknown ids are errors."""
    select, ignore = list(select), list(ignore)
    known = {r.id for r in rules}
    for rid in select + ignore:
        if rid not in known:
            raise UsageError(f"unknown rule id {rid!r} (see 'wedata-audit rules list')")
    return [r for r in rules if (not select or r.id in select) and r.id not in ignore]

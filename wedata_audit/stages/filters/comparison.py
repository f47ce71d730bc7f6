"""What two runs can honestly say about each other: the rule for "fixed" and the notes on what differs.

A finding of the earlier run is **fixed** only when the later run evaluated its rule on the same task (same
project and task identity) and the finding is no longer there. When the later run did not audit that task,
did not run that rule, or skipped it there (out of scope, data not fetched), the finding is
**not-evaluated**: counted apart, never called fixed. Used by ``--baseline`` and by ``diff``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wedata_audit.errors import ConfigError

# Outcomes that mean the rule really looked at the task (``skip``: out of scope or no data).
EVALUATED = frozenset({"pass", "fail"})
FIXED, NOT_EVALUATED = "fixed", "not-evaluated"


def text_of(value: Any) -> str:
    """A field of an earlier report as text: anything but a string (missing, null, mistyped) reads as empty."""
    return value if isinstance(value, str) else ""


def task_key(project_id: str, task_id: str, source: str = "") -> tuple[str, str]:
    """The identity a finding's task is matched by across runs."""
    return (project_id or "", task_id or source or "")


def rechecked(outcomes: Mapping[str, str], rule_id: str) -> bool:
    """Whether a task result's outcomes show ``rule_id`` evaluated (passed or failed) on it."""
    return outcomes.get(rule_id) in EVALUATED


@dataclass
class RunFacts:
    """What one side of a comparison audited: enough to say how two runs differ, without their findings."""

    digest: str = ""
    rule_ids: frozenset[str] = frozenset()
    task_keys: set[tuple[str, str]] = field(default_factory=set)
    without_project: int = 0

    def add_task(self, key: tuple[str, str]) -> None:
        if key not in self.task_keys:
            self.task_keys.add(key)
            if not key[0]:
                self.without_project += 1


def difference_notes(before: RunFacts, after: RunFacts, *, before_name: str = "the baseline",
                     after_name: str = "this run") -> list[str]:
    """Plain sentences on what makes the comparison partial: other rules, other tasks, no project id."""
    notes: list[str] = []
    if before.digest and after.digest and before.digest != after.digest:
        only_before = sorted(before.rule_ids - after.rule_ids)
        only_after = sorted(after.rule_ids - before.rule_ids)
        text = (f"{before_name} and {after_name} used different rulesets (digest {before.digest[:12]} vs "
                f"{after.digest[:12]})")
        parts = []
        if only_before:
            parts.append(f"rules only in {before_name}: {_some(only_before)} (their findings are not-evaluated)")
        if only_after:
            parts.append(f"rules only in {after_name}: {_some(only_after)}")
        if not parts:
            parts.append("same rule ids, other parameters, severities or checks")
        notes.append(f"{text}; {'; '.join(parts)}")
    missing = len(before.task_keys - after.task_keys)
    added = len(after.task_keys - before.task_keys)
    if missing:
        notes.append(f"{missing} task(s) of {before_name} were not audited in {after_name}: their findings are "
                     "not-evaluated, not fixed")
    if added:
        notes.append(f"{added} task(s) of {after_name} are not in {before_name}")
    for name, facts in ((before_name, before), (after_name, after)):
        if facts.without_project:
            notes.append(f"{facts.without_project} task(s) of {name} have no project id: they are matched by task "
                         "id alone (give --project-id, or audit live, to tell projects apart)")
    return notes


def _some(ids: Iterable[str], limit: int = 8) -> str:
    ids = list(ids)
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def read_report(path: str, role: str) -> tuple[dict[str, Any], list[Any]]:
    """An earlier wedata-audit JSON report (``role``: baseline, previous report) and its ``tasks`` list; a
    :class:`ConfigError` naming the file when it cannot be read or is not a report."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {role}: {exc}", source=path) from None
    tasks = doc.get("tasks") if isinstance(doc, dict) else None
    if not isinstance(tasks, list):
        raise ConfigError("not a wedata-audit JSON report (no 'tasks' list)", source=path)
    return doc, tasks

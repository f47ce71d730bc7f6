"""The release review as the summaries show it (``--versions release``): a bounded digest of the tasks whose
result carries ``meta["release"]``, regressions first, then the tasks whose release changes something.

Reporters call :meth:`ReleaseDigest.add` for every task and read :meth:`ReleaseDigest.entries` at the end;
memory is bounded by ``limit`` tasks, each with at most the changes the review kept (50 and a marker).
Values are as the review made them (secrets masked, long values cut); each reporter escapes them for its
own language, as every other task text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wedata_audit.model.results import TaskResult

DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ReleaseEntry:
    label: str  # the task's label (name and id)
    latest: str  # version number (or id) of the latest submitted version
    production: str | None  # that of the production version; None when nothing is in production
    regressions: tuple[str, ...]
    fixed: tuple[str, ...]
    changes: tuple[tuple[str, str, str], ...]  # (pointer, before, after) as text; pointer "" = the marker


def _text(value: Any) -> str:
    """A changed value as text: strings as they are, null as ∅, other scalars as JSON writes them."""
    if value is None:
        return "∅"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _version(ref: Any) -> str:
    if not isinstance(ref, dict):
        return ""
    return str(ref.get("version_num") or ref.get("version_id") or "")


class ReleaseDigest:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.reviewed = 0
        self.with_regressions = 0
        self.with_changes = 0
        self.interesting = 0
        self._regressed: list[ReleaseEntry] = []
        self._changed: list[ReleaseEntry] = []

    def add(self, task: TaskResult) -> None:
        rel = task.meta.get("release")
        if not isinstance(rel, dict):
            return
        self.reviewed += 1
        regressions = tuple(str(r) for r in rel.get("regressions") or ())
        changes = tuple((str(c.get("pointer", "")), _text(c.get("before")), _text(c.get("after")))
                        for c in rel.get("changes") or () if isinstance(c, dict))
        if regressions:
            self.with_regressions += 1
        if changes:
            self.with_changes += 1
        if not regressions and not changes:
            return
        self.interesting += 1
        target = self._regressed if regressions else self._changed
        if len(target) >= self.limit:
            return
        target.append(ReleaseEntry(label=task.subject.label, latest=_version(rel.get("latest")),
                                   production=_version(rel.get("production")) if rel.get("production") else None,
                                   regressions=regressions, fixed=tuple(str(r) for r in rel.get("fixed") or ()),
                                   changes=changes))

    def entries(self) -> list[ReleaseEntry]:
        """Tasks with regressions first, then tasks with changes only; at most ``limit`` in all."""
        return (self._regressed + self._changed)[: self.limit]

    @property
    def left_out(self) -> int:
        """Tasks with regressions or changes that :meth:`entries` does not show."""
        return self.interesting - len(self.entries())

    def summary(self) -> str:
        return (f"release review: {self.reviewed} task(s) reviewed, {self.with_regressions} with regressions, "
                f"{self.with_changes} with changes")

"""First seen: the date each finding was first reported, carried from an earlier JSON report.

A finding whose fingerprint is in the earlier report (``--previous REPORT``, or the ``--baseline``) keeps
that report's ``first_seen`` for it (or, for a report written before ``first_seen`` existed, the date that
run started); any other finding was first seen today (the run's date, UTC). The filter holds only
fingerprint -> date (no finding, no task), and works one task result at a time, so it streams.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from wedata_audit.model.results import TaskResult
from wedata_audit.stages.filters.comparison import read_report


def parse_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` from a date or an ISO timestamp; ``None`` when it is neither."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


@dataclass
class FirstSeen:
    """fingerprint -> first_seen date, from earlier reports (the earliest date wins)."""

    sources: list[str] = field(default_factory=list)
    dates: dict[str, str] = field(default_factory=dict)

    def merge(self, other: FirstSeen) -> FirstSeen:
        merged = FirstSeen(sources=[*self.sources, *other.sources], dates=dict(self.dates))
        for fp, day in other.dates.items():
            if fp not in merged.dates or day < merged.dates[fp]:
                merged.dates[fp] = day
        return merged


def load_first_seen(path: str, role: str = "previous report") -> FirstSeen:
    """The first_seen dates of a wedata-audit JSON report; a :class:`ConfigError` naming it when it is not one."""
    doc, tasks = read_report(path, role)
    run = doc.get("run") if isinstance(doc.get("run"), dict) else {}
    started = parse_date(run.get("started")) if isinstance(run, dict) else None
    out = FirstSeen(sources=[path])
    for task in tasks:
        findings = task.get("findings") if isinstance(task, dict) else None
        for f in findings if isinstance(findings, list) else []:
            if not isinstance(f, dict) or not isinstance(f.get("fingerprint"), str):
                continue
            day = parse_date(f.get("first_seen")) or started
            if day is None:
                continue
            fp = f["fingerprint"]
            if fp not in out.dates or day < out.dates[fp]:
                out.dates[fp] = day
    return out


class FirstSeenFilter:
    """Sets ``first_seen`` on every finding: the earlier report's date for its fingerprint, else today."""

    meta_key = "first_seen"

    def __init__(self, known: FirstSeen | None, today: dt.date) -> None:
        self.known = known or FirstSeen()
        self.today = today.isoformat()
        self.carried = 0
        self.new = 0

    def apply(self, task: TaskResult) -> TaskResult:
        if not task.findings:
            return task
        findings = []
        for f in task.findings:
            day = self.known.dates.get(f.fingerprint)
            if day is None or day > self.today:
                day = self.today
                self.new += 1
            else:
                self.carried += 1
            findings.append(replace(f, first_seen=day))
        return replace(task, findings=tuple(findings))

    def meta(self) -> dict[str, Any]:
        return {"sources": list(self.known.sources), "carried": self.carried, "new": self.new,
                "date": self.today}

"""Baselines: an earlier JSON report whose findings are known, so only new findings gate.

Findings are matched by fingerprint (project, task, rule and the failing key; never the message text), so
rewording a rule keeps the baseline, and a new failure of another key on the same task is always new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wedata_audit.errors import ConfigError
from wedata_audit.finding import FindingStatus
from wedata_audit.results import TaskResult


def load_fingerprints(path: str) -> set[str]:
    """The fingerprints of every finding in a JSON report of wedata-audit."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read baseline: {exc}", source=path) from None
    tasks = doc.get("tasks") if isinstance(doc, dict) else None
    if not isinstance(tasks, list):
        raise ConfigError("not a wedata-audit JSON report (no 'tasks' list)", source=path)
    out: set[str] = set()
    for task in tasks:
        for f in task.get("findings") or [] if isinstance(task, dict) else []:
            if isinstance(f, dict) and isinstance(f.get("fingerprint"), str):
                out.add(f["fingerprint"])
    return out


@dataclass
class BaselineReport:
    source: str
    new: int = 0
    existing: int = 0
    fixed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "new": self.new, "existing": self.existing, "fixed": self.fixed}


class BaselineFilter:
    """Marks open findings whose fingerprint is in the baseline ``existing``, task by task. Memory: the
    baseline's fingerprints and the subset of them seen, never the run's own findings."""

    meta_key = "baseline"

    def __init__(self, known: set[str], source: str) -> None:
        self.known = known
        self.stats = BaselineReport(source=source)
        self.seen: set[str] = set()

    def apply(self, task: TaskResult) -> TaskResult:
        findings = []
        changed = False
        for f in task.findings:
            fp = f.fingerprint
            if fp in self.known:
                self.seen.add(fp)
            if fp in self.known and f.is_open:
                findings.append(replace(f, status=FindingStatus.EXISTING))
                self.stats.existing += 1
                changed = True
            else:
                findings.append(f)
                if f.is_open:
                    self.stats.new += 1
        return replace(task, findings=tuple(findings)) if changed else task

    def result(self) -> BaselineReport:
        self.stats.fixed = len(self.known) - len(self.seen)
        return self.stats

    def report(self) -> dict[str, Any]:
        return self.result().as_dict()


def apply_baseline(tasks: list[TaskResult], known: set[str], source: str) -> tuple[list[TaskResult],
                                                                                   BaselineReport]:
    flt = BaselineFilter(known, source)
    return [flt.apply(t) for t in tasks], flt.result()

"""Baselines: an earlier JSON report whose findings are known, so only new findings gate.

Findings are matched by fingerprint (project, task, rule and the failing key; never the message text), so
rewording a rule keeps the baseline, and a new failure of another key on the same task is always new.
A baseline finding absent from this run is ``fixed`` only when this run evaluated its rule on that task;
otherwise it is ``not-evaluated`` (see :mod:`wedata_audit.stages.filters.comparison`). The filter works one task
result at a time and holds only the baseline's fingerprints, so it streams.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from wedata_audit.model.finding import FindingStatus
from wedata_audit.model.results import TaskResult
from wedata_audit.stages.filters.comparison import RunFacts, difference_notes, read_report, rechecked, task_key, text_of


@dataclass(frozen=True)
class Known:
    rule_id: str
    task: tuple[str, str]


@dataclass
class Baseline:
    """The findings of an earlier report, by fingerprint, and what that run audited."""

    source: str
    known: dict[str, Known] = field(default_factory=dict)
    facts: RunFacts = field(default_factory=RunFacts)


def load_baseline(path: str) -> Baseline:
    """Read a JSON report of wedata-audit; a :class:`ConfigError` naming the file when it is not one."""
    doc, tasks = read_report(path, "baseline")
    ruleset: dict[str, Any] = doc["ruleset"] if isinstance(doc.get("ruleset"), dict) else {}
    rules: list[Any] = ruleset["rules"] if isinstance(ruleset.get("rules"), list) else []
    baseline = Baseline(source=path, facts=RunFacts(
        digest=text_of(ruleset.get("digest")),
        rule_ids=frozenset(text_of(r.get("id")) for r in rules if isinstance(r, dict))))
    for task in tasks:
        if not isinstance(task, dict):
            continue
        key = task_key(text_of(task.get("project_id")), text_of(task.get("task_id")), text_of(task.get("source")))
        baseline.facts.add_task(key)
        findings = task.get("findings")
        for f in findings if isinstance(findings, list) else []:
            if isinstance(f, dict) and isinstance(f.get("fingerprint"), str):
                baseline.known[f["fingerprint"]] = Known(rule_id=text_of(f.get("rule_id")), task=key)
    return baseline


@dataclass
class BaselineReport:
    source: str
    new: int = 0
    existing: int = 0
    fixed: int = 0
    not_evaluated: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "new": self.new, "existing": self.existing, "fixed": self.fixed,
                "not_evaluated": self.not_evaluated, "notes": list(self.notes)}


class BaselineFilter:
    """Marks findings of the baseline ``existing``, one task result at a time; :meth:`report` sums up."""

    meta_key = "baseline"

    def __init__(self, baseline: Baseline, *, digest: str = "", rule_ids: frozenset[str] = frozenset()) -> None:
        self.baseline = baseline
        self.counts = BaselineReport(source=baseline.source)
        self.seen: set[str] = set()  # baseline fingerprints still found in this run
        self.checked: set[str] = set()  # baseline fingerprints whose rule ran on their task in this run
        self.by_task: dict[tuple[str, str], list[str]] = {}
        for fp, known in baseline.known.items():
            self.by_task.setdefault(known.task, []).append(fp)
        self.facts = RunFacts(digest=digest, rule_ids=rule_ids)

    def __call__(self, task: TaskResult) -> TaskResult:
        s = task.subject
        key = task_key(s.project_id, s.task_id, s.source)
        self.facts.add_task(key)
        findings = []
        changed = False
        present: set[str] = set()
        for f in task.findings:
            fp = f.fingerprint
            present.add(fp)
            if fp in self.baseline.known and f.is_open:
                findings.append(replace(f, status=FindingStatus.EXISTING))
                self.counts.existing += 1
                changed = True
            else:
                findings.append(f)
                if f.is_open:
                    self.counts.new += 1
        outcomes = dict(task.outcomes)
        for fp in self.by_task.get(key, ()):
            if fp in present:
                self.seen.add(fp)
            elif task.error is None and rechecked(outcomes, self.baseline.known[fp].rule_id):
                self.checked.add(fp)
        return replace(task, findings=tuple(findings)) if changed else task

    apply = __call__

    def meta(self) -> dict[str, Any]:
        """The filter's part of the run's meta (``meta["baseline"]``), once the run has ended."""
        return self.report().as_dict()

    def report(self) -> BaselineReport:
        gone = self.baseline.known.keys() - self.seen
        self.counts.fixed = len(gone & self.checked)
        self.counts.not_evaluated = len(gone - self.checked)
        self.counts.notes = difference_notes(self.baseline.facts, self.facts)
        return self.counts


def apply_baseline(tasks: list[TaskResult], baseline: Baseline, *, digest: str = "",
                   rule_ids: frozenset[str] = frozenset()) -> tuple[list[TaskResult], BaselineReport]:
    flt = BaselineFilter(baseline, digest=digest, rule_ids=rule_ids)
    out = [flt(t) for t in tasks]
    return out, flt.report()

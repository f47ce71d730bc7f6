"""What an audit produced: per-task results, the running totals, and the run as reporters see it.

A streamed run never holds its tasks: the pipeline hands each :class:`TaskResult` to the reporters as it is
produced and adds it to one :class:`RunTotals` (counters and a few bounded samples). Reporters read the
run as a :class:`Run` (header fields known at the start, totals and end known at the finish).
:class:`AuditResult` is the whole run in memory, for tests and small tools: :meth:`AuditResult.run`
turns it into the same :class:`Run` a streamed run ends with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wedata_audit.model.finding import Finding, FindingStatus, Severity, Subject

PASSED, FAILED, ERRORED = "passed", "failed", "errored"
# The identity fields of a Subject, in the order reports show them.
SUBJECT_FIELDS: tuple[str, ...] = ("source", "project_id", "task_id", "task_name", "workflow_id", "workflow_name",
                                   "version_id", "version_num", "owner_uin")
# The evidence a task's meta may carry into reports; anything else stays out.
EVIDENCE_KEYS: tuple[str, ...] = ("cached", "endpoint", "fetched_at", "region", "request_id", "sha256")
# Outcome of one rule on one task version.
RULE_PASS, RULE_FAIL, RULE_SKIP = "pass", "fail", "skip"
# How many errored task versions the totals remember (for summaries; reports stream all of them).
ERRORED_SAMPLE = 50


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """The documentation of a rule, as reporters show it."""

    id: str
    title: str
    severity: Severity
    category: str = ""
    description: str = ""
    remediation: str = ""
    controls: tuple[str, ...] = ()
    help_uri: str = ""  # where the rule is documented (SARIF helpUri); "" = the configuration's default


@dataclass(frozen=True, slots=True)
class TaskResult:
    subject: Subject
    findings: tuple[Finding, ...] = ()
    # rule id -> pass / fail / skip, in ruleset order; empty for an errored task.
    outcomes: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.error is not None:
            return ERRORED
        return FAILED if any(f.is_open for f in self.findings) else PASSED


@dataclass(slots=True)
class RunTotals:
    """Counts accumulated task by task; memory bounded by the number of rules, not of tasks."""

    fail_on: Severity
    tasks: int = 0
    by_task_status: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)  # finding status -> count
    open_by_severity: Counter[str] = field(default_factory=Counter)
    open_by_rule: Counter[str] = field(default_factory=Counter)
    failing_tasks_by_rule: Counter[str] = field(default_factory=Counter)  # task versions with an open finding
    other_by_rule: Counter[tuple[str, str]] = field(default_factory=Counter)  # (rule, status) not open
    skipped_by_rule: Counter[str] = field(default_factory=Counter)
    rule_titles: dict[str, tuple[str, Severity]] = field(default_factory=dict)  # rules seen in findings
    gating: int = 0
    errored_sample: list[TaskResult] = field(default_factory=list)
    # Task versions by what they did to the gate: failing it, open findings all below it, clean, errored.
    by_gate: Counter[str] = field(default_factory=Counter)

    def add(self, task: TaskResult) -> None:
        self.tasks += 1
        self.by_task_status[task.status] += 1
        if task.error is not None and len(self.errored_sample) < ERRORED_SAMPLE:
            self.errored_sample.append(task)
        floor = self.fail_on.rank
        failing: set[str] = set()
        for f in task.findings:
            self.by_status[f.status.value if isinstance(f.status, FindingStatus) else str(f.status)] += 1
            self.rule_titles.setdefault(f.rule_id, (f.title, f.severity))
            if f.is_open:
                self.open_by_severity[f.severity.value] += 1
                self.open_by_rule[f.rule_id] += 1
                failing.add(f.rule_id)
                if f.severity.rank >= floor:
                    self.gating += 1
            else:
                self.other_by_rule[(f.rule_id, str(f.status))] += 1
        self.failing_tasks_by_rule.update(failing)
        opened = [f for f in task.findings if f.is_open]
        self.by_gate["errored" if task.error is not None
                     else "failing" if any(f.severity.rank >= floor for f in opened)
                     else "below" if opened else "clean"] += 1
        self.skipped_by_rule.update(rid for rid, outcome in task.outcomes if outcome == RULE_SKIP)

    def gate_counts(self) -> dict[str, int]:
        return {k: self.by_gate[k] for k in ("clean", "below", "failing", "errored")}

    @property
    def errored(self) -> int:
        return self.by_task_status[ERRORED]

    @property
    def findings(self) -> int:
        return sum(self.by_status.values())


@dataclass(slots=True)
class Run:
    """The run as reporters see it: its header (known before the first task), then totals and end.

    ``reasons`` are the run-level incomplete reasons (the source's, an interruption); errored task
    versions add their own reason from the totals.
    """

    tool_version: str
    started: str
    rules: tuple[RuleInfo, ...]
    ruleset_digest: str
    inputs: tuple[str, ...]
    fail_on: Severity
    totals: RunTotals
    finished: str = ""
    reasons: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    # True once the run has ended (every task added); reporters only read totals then.
    ended: bool = False
    # Known at the start: the run compares with a baseline (findings may be ``existing``).
    uses_baseline: bool = False
    # Known at the end: framework coverage (coverage.tally.FrameworkCoverage, one per framework of the plan).
    coverage: list[Any] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return not self.reasons and self.totals.errored == 0

    @property
    def incomplete_reasons(self) -> tuple[str, ...]:
        """Why the run is incomplete, one reason each; empty exactly when it is complete. Plain text without
        a final stop: each reporter escapes and frames it its own way."""
        out = list(self.reasons)
        if self.totals.errored:
            out.append(f"{self.totals.errored} of {self.totals.tasks} task version(s) could not be audited")
        return tuple(out)

    @property
    def incomplete_text(self) -> str | None:
        reasons = self.incomplete_reasons
        return "; ".join(reasons) if reasons else None

    @property
    def verdict(self) -> str:
        if not self.is_complete:
            return "INCOMPLETE"
        return "FAIL" if self.totals.gating else "PASS"

    def has_baseline(self) -> bool:
        """Whether the run was compared with a baseline."""
        return (self.uses_baseline or bool(self.meta.get("baseline"))
                or self.totals.by_status[FindingStatus.EXISTING.value] > 0)

    def summary(self) -> dict[str, Any]:
        t = self.totals
        return {
            "verdict": self.verdict,
            "tasks": t.tasks,
            "passed": t.by_task_status[PASSED],
            "failed": t.by_task_status[FAILED],
            "errored": t.by_task_status[ERRORED],
            "findings": t.findings,
            "open": t.by_status[FindingStatus.OPEN.value],
            "waived": t.by_status[FindingStatus.WAIVED.value],
            "existing": t.by_status[FindingStatus.EXISTING.value],
            "gating": t.gating,
            "by_severity": {s.value: t.open_by_severity[s.value] for s in reversed(Severity)},
        }

    def all_rules(self) -> list[RuleInfo]:
        """The ruleset, plus any rule that appears only in findings (e.g. from an older baseline)."""
        rules = list(self.rules)
        known = {r.id for r in rules}
        for rid, (title, sev) in self.totals.rule_titles.items():
            if rid not in known:
                known.add(rid)
                rules.append(RuleInfo(id=rid, title=title, severity=sev))
        return rules


@dataclass(slots=True)
class AuditResult:
    """A whole run in memory (tests, small tools); the pipeline streams instead."""

    tool_version: str
    started: str
    finished: str
    rules: tuple[RuleInfo, ...]
    ruleset_digest: str
    inputs: tuple[str, ...]
    tasks: list[TaskResult]
    fail_on: Severity
    complete: bool = True
    incomplete_reason: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    coverage: list[Any] = field(default_factory=list)  # FrameworkCoverage, as the pipeline computes it

    def header(self) -> Run:
        """The run as reporters see it before the first task."""
        return Run(tool_version=self.tool_version, started=self.started, rules=self.rules,
                   ruleset_digest=self.ruleset_digest, inputs=self.inputs, fail_on=self.fail_on,
                   totals=RunTotals(self.fail_on), meta=dict(self.meta),
                   uses_baseline=bool(self.meta.get("baseline"))
                   or any(f.status == FindingStatus.EXISTING for f in self.findings()))

    def run(self) -> Run:
        """The run as reporters see it at the end: totals over every task."""
        run = self.header()
        for t in self.tasks:
            run.totals.add(t)
        run.finished = self.finished
        run.coverage = list(self.coverage)
        if not self.complete:
            run.reasons.append(self.incomplete_reason or "the audit did not finish")
        run.ended = True
        return run

    def findings(self) -> list[Finding]:
        return [f for t in self.tasks for f in t.findings]

    def gating(self) -> list[Finding]:
        """Open findings at or above the fail-on threshold."""
        floor = self.fail_on.rank
        return [f for f in self.findings() if f.is_open and f.severity.rank >= floor]

    @property
    def is_complete(self) -> bool:
        return self.complete and not any(t.error is not None for t in self.tasks)

    @property
    def incomplete_reasons(self) -> tuple[str, ...]:
        return self.run().incomplete_reasons

    @property
    def incomplete_text(self) -> str | None:
        return self.run().incomplete_text

    @property
    def verdict(self) -> str:
        return self.run().verdict

    def summary(self) -> dict[str, Any]:
        return self.run().summary()

    def gate_counts(self) -> dict[str, int]:
        """Task versions by what they did to the gate: failing it, open findings all below it, clean, errored."""
        return count_tasks(self.tasks, self.fail_on).gate_counts()


def count_tasks(tasks: Iterable[TaskResult], fail_on: Severity) -> RunTotals:
    totals = RunTotals(fail_on)
    for t in tasks:
        totals.add(t)
    return totals

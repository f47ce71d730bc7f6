"""What an audit produced: per-task results and the run as a whole."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from wedata_audit.finding import Finding, Severity, Subject

PASSED, FAILED, ERRORED = "passed", "failed", "errored"
# The identity fields of a Subject, in the order reports show them.
SUBJECT_FIELDS: tuple[str, ...] = ("source", "project_id", "task_id", "task_name", "workflow_id", "workflow_name",
                                   "version_id", "version_num", "owner_uin")
# The evidence a task's meta may carry into reports; anything else stays out.
EVIDENCE_KEYS: tuple[str, ...] = ("endpoint", "fetched_at", "region", "request_id", "sha256")
# Outcome of one rule on one task version.
RULE_PASS, RULE_FAIL, RULE_SKIP = "pass", "fail", "skip"


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
        return FAILED if any(f.status == "open" for f in self.findings) else PASSED


@dataclass(slots=True)
class AuditResult:
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

    def findings(self) -> list[Finding]:
        return [f for t in self.tasks for f in t.findings]

    def gating(self) -> list[Finding]:
        """Open findings at or above the fail-on threshold."""
        floor = self.fail_on.rank
        return [f for f in self.findings() if f.status == "open" and f.severity.rank >= floor]

    @property
    def is_complete(self) -> bool:
        return self.complete and not any(t.error is not None for t in self.tasks)

    @property
    def incomplete_reasons(self) -> tuple[str, ...]:
        """Why the run is incomplete, one reason each (the run stopped early; task versions errored).

        Empty exactly when the run is complete. Plain text without a final stop: each
        reporter escapes and frames it its own way.
        """
        reasons: list[str] = []
        if not self.complete:
            reasons.append(self.incomplete_reason or "the audit did not finish")
        errored = sum(1 for t in self.tasks if t.error is not None)
        if errored:
            reasons.append(f"{errored} of {len(self.tasks)} task version(s) could not be audited")
        return tuple(reasons)

    @property
    def incomplete_text(self) -> str | None:
        """:attr:`incomplete_reasons` as one line, or ``None`` when the run is complete."""
        reasons = self.incomplete_reasons
        return "; ".join(reasons) if reasons else None

    @property
    def verdict(self) -> str:
        if not self.is_complete:
            return "INCOMPLETE"
        return "FAIL" if self.gating() else "PASS"

    def gate_counts(self) -> dict[str, int]:
        """Task versions by what they did to the gate: failing it, open findings all below it, clean, errored."""
        floor = self.fail_on.rank
        counts = Counter[str]()
        for t in self.tasks:
            open_ = [f for f in t.findings if f.status == "open"]
            counts["errored" if t.error is not None
                   else "failing" if any(f.severity.rank >= floor for f in open_)
                   else "below" if open_ else "clean"] += 1
        return {k: counts[k] for k in ("clean", "below", "failing", "errored")}

    def summary(self) -> dict[str, Any]:
        statuses = Counter(t.status for t in self.tasks)
        findings = self.findings()
        by_sev = Counter(f.severity.value for f in findings if f.status == "open")
        by_status = Counter(f.status for f in findings)
        return {
            "verdict": self.verdict,
            "tasks": len(self.tasks),
            "passed": statuses[PASSED],
            "failed": statuses[FAILED],
            "errored": statuses[ERRORED],
            "findings": len(findings),
            "open": by_status["open"],
            "waived": by_status["waived"],
            "existing": by_status["existing"],
            "gating": len(self.gating()),
            "by_severity": {s.value: by_sev[s.value] for s in reversed(Severity)},
        }

"""The one place that turns a finding, a task and a rule into their fields (as reports name them)."""

from __future__ import annotations

from typing import Any

from wedata_audit.model.finding import Finding, Subject
from wedata_audit.model.results import EVIDENCE_KEYS, SUBJECT_FIELDS, RuleInfo, TaskResult


def subject_fields(subject: Subject) -> dict[str, str]:
    return {name: getattr(subject, name) for name in SUBJECT_FIELDS}


def finding_fields(finding: Finding) -> dict[str, Any]:
    """A finding's reported fields, in report order (status as its text)."""
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "title": finding.title,
        "message": finding.message,
        "key": finding.key,
        "actual": finding.actual,
        "expected": finding.expected,
        "status": str(finding.status),
        "note": finding.note,
        "fingerprint": finding.fingerprint,
        "first_seen": finding.first_seen,
    }


def rule_fields(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.value,
        "category": rule.category,
        "controls": sorted(rule.controls),
        "description": rule.description,
        "remediation": rule.remediation,
    }


def evidence(meta: dict[str, Any]) -> dict[str, str]:
    """The evidence keys present in a task's meta, sorted, as text."""
    return {k: str(meta[k]) for k in EVIDENCE_KEYS if meta.get(k) not in (None, "")}


def ordered_findings(task: TaskResult, rule_pos: dict[str, int]) -> list[Finding]:
    """Findings in ruleset order (unknown rules last); the sort is stable."""
    last = len(rule_pos)
    return sorted(task.findings, key=lambda f: rule_pos.get(f.rule_id, last))

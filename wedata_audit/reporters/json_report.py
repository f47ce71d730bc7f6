"""The machine-readable report: one JSON document, described by ``schemas/report.schema.json``.

Layout choices:

* ``format_version``, ``tool``, ``run`` and ``summary`` come first, so ``run.complete`` and the
  verdict are in the first few hundred bytes even when the file holds 10,000 tasks.
* One rule and one task per line, everything else compact: the file stays about as small as
  ``indent=None`` (no per-key indentation repeated 10,000 times), yet ``grep``, ``head`` and
  ``diff`` work task by task, and two runs differ only on the lines of tasks that changed.
* Deterministic: the same :class:`AuditResult` gives the same bytes except the timestamps
  (``run.started``, ``run.finished``, ``meta.fetched_at``). Task order, rule order and outcome order
  are kept as given (they are meaningful); evidence keys and rule controls are sorted; findings are
  ordered by their rule's position in the ruleset, ties keeping the engine's order.
* Text is written as UTF-8 (``ensure_ascii=False``: Chinese task names stay readable and take half
  the bytes); a lone surrogate, which UTF-8 cannot encode, becomes U+FFFD. Control characters are
  escaped by JSON itself and kept.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wedata_audit.finding import Finding
from wedata_audit.reporters import Reporter, scrub_surrogates
from wedata_audit.results import EVIDENCE_KEYS, SUBJECT_FIELDS, AuditResult, RuleInfo, TaskResult

FORMAT_VERSION = 1
TOOL_NAME = "wedata-audit"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def run_section(result: AuditResult) -> dict[str, Any]:
    return {
        "started": result.started,
        "finished": result.finished,
        "complete": result.is_complete,
        "incomplete_reason": result.incomplete_text,
    }


def rule_entry(rule: RuleInfo) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.value,
        "category": rule.category,
        "controls": sorted(rule.controls),
        "description": rule.description,
        "remediation": rule.remediation,
    }


def finding_entry(finding: Finding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "title": finding.title,
        "message": finding.message,
        "key": finding.key,
        "actual": finding.actual,
        "expected": finding.expected,
        "status": finding.status,
        "note": finding.note,
        "fingerprint": finding.fingerprint,
    }


def evidence(meta: dict[str, Any]) -> dict[str, str]:
    """The evidence keys present in a task's meta, sorted, as text."""
    return {k: str(meta[k]) for k in EVIDENCE_KEYS if meta.get(k) not in (None, "")}


def ordered_findings(task: TaskResult, rule_pos: dict[str, int]) -> list[Finding]:
    """Findings in ruleset order (unknown rules last); the sort is stable."""
    last = len(rule_pos)
    return sorted(task.findings, key=lambda f: rule_pos.get(f.rule_id, last))


def task_entry(task: TaskResult, rule_pos: dict[str, int]) -> dict[str, Any]:
    entry: dict[str, Any] = {name: getattr(task.subject, name) for name in SUBJECT_FIELDS}
    entry["status"] = task.status
    entry["error"] = task.error
    entry["meta"] = evidence(task.meta)
    entry["outcomes"] = dict(task.outcomes)
    entry["findings"] = [finding_entry(f) for f in ordered_findings(task, rule_pos)]
    return entry


def _array_lines(items: list[str], indent: str) -> str:
    """A JSON array with one (already serialised) item per line."""
    if not items:
        return "[]"
    inner = f",\n{indent} ".join(items)
    return f"[\n{indent} {inner}\n{indent}]"


def render_document(result: AuditResult) -> str:
    rule_pos = {r.id: i for i, r in enumerate(result.rules)}
    head: list[tuple[str, Any]] = [
        ("format_version", FORMAT_VERSION),
        ("tool", {"name": TOOL_NAME, "version": result.tool_version}),
        ("run", run_section(result)),
        ("summary", result.summary()),
        ("fail_on", result.fail_on.value),
        ("inputs", list(result.inputs)),
        ("filters", {"waivers": result.meta.get("waivers"), "baseline": result.meta.get("baseline")}),
    ]
    lines = [f" {_dumps(key)}: {_dumps(value)}," for key, value in head]
    rules = _array_lines([_dumps(rule_entry(r)) for r in result.rules], " ")
    lines.append(f' "ruleset": {{"digest": {_dumps(result.ruleset_digest)}, "rules": {rules}}},')
    tasks = _array_lines([_dumps(task_entry(t, rule_pos)) for t in result.tasks], " ")
    lines.append(f' "tasks": {tasks}')
    text = "{\n" + "\n".join(lines) + "\n}\n"
    return scrub_surrogates(text)


class JsonReporter(Reporter):
    name = "json"
    default_filename = "report.json"
    marker = re.compile(rb'"tool": ?\{"name": ?"wedata-audit"')

    def render(self, result: AuditResult) -> str:
        return render_document(result)

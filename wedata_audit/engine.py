"""The engine: one snapshot in, one :class:`TaskResult` out (schema check, then every rule on the view)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wedata_audit.finding import Finding, Subject
from wedata_audit.policy.conditions import show
from wedata_audit.policy.loading import SCHEMA_RULE_ID, Rule
from wedata_audit.policy.schemacheck import SchemaChecker
from wedata_audit.policy.view import build_view
from wedata_audit.results import RULE_FAIL, RULE_PASS, TaskResult
from wedata_audit.sources.snapshot import Snapshot


class Engine:
    def __init__(self, rules: list[Rule], schema: SchemaChecker | None = None) -> None:
        self.schema_rule = next((r for r in rules if r.id == SCHEMA_RULE_ID), None)
        self.rules = [r for r in rules if r.check is not None]
        self.schema = schema if schema is not None else (SchemaChecker() if self.schema_rule else None)

    def audit(self, snap: Snapshot) -> TaskResult:
        try:
            return self._audit(snap)
        except RecursionError:
            # Files are refused at read time when nested deeper than sources.MAX_DEPTH; data from elsewhere
            # (the API, a test) may still hold a value too deep for the recursive repr in jsonschema's messages.
            return TaskResult(subject=snap.subject, meta=snap.meta,
                              error="a value is nested too deeply to audit (maximum recursion depth exceeded)")

    def _audit(self, snap: Snapshot) -> TaskResult:
        subject = snap.subject
        if snap.error is not None or snap.data is None:
            return TaskResult(subject=subject, error=snap.error or "no data", meta=snap.meta)
        findings: list[Finding] = []
        outcomes: list[tuple[str, str]] = []
        errors: list[str] = []
        if self.schema_rule is not None and self.schema is not None:
            findings.extend(self._schema_findings(snap.data, subject))
            outcomes.append((SCHEMA_RULE_ID, RULE_FAIL if findings else RULE_PASS))
        try:
            view = build_view(snap.data)
        except Exception as exc:  # the view is defensive; this is a bug, kept per task
            return TaskResult(subject=subject, error=f"cannot build the rule view: {exc!r}", meta=snap.meta)
        for rule in self.rules:
            try:
                outcome, failures = rule.evaluate(view)
            except Exception as exc:  # e.g. a JMESPath function applied to the wrong type
                errors.append(f"rule {rule.id} could not be evaluated: {exc}")
                continue
            outcomes.append((rule.id, outcome))
            info = rule.info
            for f in failures:
                findings.append(Finding(rule_id=info.id, severity=info.severity, title=info.title,
                                        message=f.message, subject=subject, key=f.key,
                                        actual=f.actual, expected=f.expected))
        return TaskResult(subject=subject, findings=tuple(findings), outcomes=tuple(outcomes),
                          error="; ".join(errors) or None, meta=snap.meta)

    def _schema_findings(self, data: dict[str, Any], subject: Subject) -> Iterator[Finding]:
        assert self.schema_rule is not None and self.schema is not None
        info = self.schema_rule.info
        for v in self.schema.violations(data):
            yield Finding(rule_id=info.id, severity=info.severity, title=info.title,
                          message=f"{v.pointer} is {show(v.value, 60)}, {v.message}", subject=subject,
                          key=v.pointer, actual=show(v.value, 60), expected=v.message)

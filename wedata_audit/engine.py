"""The engine: one snapshot in, one :class:`TaskResult` out (every rule of the rule set, in order, on the version).

Rules that read the rule view (conditions) and rules with a built-in check (which read the raw Data, like the
core pack's schema rule) are evaluated alike. A rule that reads a view field the source says cannot exist
(``Snapshot.unavailable``, e.g. the workflow of a task without a WorkflowId), or a context field the snapshot
does not carry (``CONTEXT_SOURCES``: an offline file without saved context), is ``skip``, not evaluated; a
rule that reads one whose fetch failed (``Snapshot.context["errors"]``: field -> reason) is not evaluated
either: the task is errored, naming the rule and the reason, so the rule is never silently passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wedata_audit.model.finding import Finding
from wedata_audit.model.results import RULE_SKIP, TaskResult
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.loading import Rule
from wedata_audit.view.document import CONTEXT_FIELDS, CONTEXT_SOURCES, build_view
from wedata_audit.view.fields import rule_view_fields


class Engine:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = list(rules)
        self.reads = {rule.id: _reads(rule.spec) for rule in self.rules}

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
        try:
            view = build_view(snap.data, snap.context)
        except Exception as exc:  # the view is defensive; this is a bug, kept per task
            return TaskResult(subject=subject, error=f"cannot build the rule view: {exc!r}", meta=snap.meta)
        failed_context = snap.context.get("errors") or {}
        unread: dict[str, list[str]] = {}  # why context is missing -> the rules that needed it
        unavailable = snap.unavailable | {f for f, entry in CONTEXT_SOURCES.items()
                                          if entry not in snap.context and f not in failed_context}
        for rule in self.rules:
            reads = self.reads[rule.id]
            broken = sorted(f for f in reads if f in failed_context)
            if broken:
                unread.setdefault(failed_context[broken[0]], []).append(rule.id)
                continue
            if reads & unavailable:
                outcomes.append((rule.id, RULE_SKIP))
                continue
            try:
                outcome, failures = rule.evaluate(view, snap.data)
            except RecursionError:
                raise
            except Exception as exc:  # e.g. a JMESPath function applied to the wrong type
                errors.append(f"rule {rule.id} could not be evaluated: {exc}")
                continue
            outcomes.append((rule.id, outcome))
            info = rule.info
            for f in failures:
                findings.append(Finding(rule_id=info.id, severity=info.severity, title=info.title,
                                        message=f.message, subject=subject, key=f.key,
                                        actual=f.actual, expected=f.expected))
        errors.extend(f"rule(s) {', '.join(ids)} could not be evaluated: {why}" for why, ids in unread.items())
        return TaskResult(subject=subject, findings=tuple(findings), outcomes=tuple(outcomes),
                          error="; ".join(errors) or None, meta=snap.meta)


def _reads(spec: Mapping[str, Any]) -> frozenset[str]:
    """The top-level view fields a rule reads; ``@`` (the whole view) counts as every context field."""
    reads = rule_view_fields(spec)
    return reads | frozenset(CONTEXT_FIELDS) if "@" in reads else reads

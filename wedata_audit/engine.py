"""The engine: one snapshot in, one :class:`TaskResult` out (every rule of the rule set, in order, on the version).

Rules that read the rule view (conditions) and rules with a built-in check (which read the raw Data, like the
core pack's schema rule) are evaluated alike. A rule whose keys read a view field the source did not fetch
(a root named in ``Snapshot.unavailable``; ``Rule.reads`` holds the roots a rule reads) is not evaluated: its
outcome is ``skip``, never a pass or a failure on missing data. A context field (``CONTEXT_FIELDS``) that the
snapshot's ``context`` does not hold was not fetched either: a rule reading it is skipped too.
"""

from __future__ import annotations

from wedata_audit.finding import Finding
from wedata_audit.policy.loading import Rule
from wedata_audit.policy.view import CONTEXT_FIELDS, build_view
from wedata_audit.results import RULE_SKIP, TaskResult
from wedata_audit.sources.snapshot import Snapshot

_UNFETCHED_CONTEXT = frozenset(CONTEXT_FIELDS)


class Engine:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = list(rules)

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
            view = build_view(snap.data)
            view.update((name, snap.context[name]) for name in CONTEXT_FIELDS if name in snap.context)
        except Exception as exc:  # the view is defensive; this is a bug, kept per task
            return TaskResult(subject=subject, error=f"cannot build the rule view: {exc!r}", meta=snap.meta)
        unavailable = snap.unavailable | _UNFETCHED_CONTEXT.difference(snap.context)
        for rule in self.rules:
            if unavailable and rule.reads & unavailable:
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
        return TaskResult(subject=subject, findings=tuple(findings), outcomes=tuple(outcomes),
                          error="; ".join(errors) or None, meta=snap.meta)

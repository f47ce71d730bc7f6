"""GitLab Code Quality: the JSON array GitLab reads from ``artifacts:reports:codequality``.

One entry per **open** finding (waived and baseline findings are not what a merge request should show)::

    {"check_name": "wedata-audit/<rule>", "description": "...", "fingerprint": "<32 hex>",
     "severity": "info|minor|major|critical|blocker", "location": {"path": "...", "lines": {"begin": N}},
     "categories": ["Security"]?, "content": {"body": "..."}}

* ``severity``: critical -> blocker, high -> critical, medium -> major, low -> minor, info -> info.
* ``fingerprint``: :func:`citext.codequality_fingerprint` (project, task, version, rule, key), made unique
  within the file by :class:`citext.UniqueFingerprints`; stable across runs, so GitLab compares the merge
  request's report with the target branch's.
* ``location``: as in SARIF, the snapshot file relative to the current folder (``wedata/<project>/<task>.json``
  for a live audit or stdin) and the line of the failing key (1 when there is no file).
* UTF-8 without a byte-order mark (GitLab rejects one); entries are written to the spool as they come.

**Marker.** A bare JSON array has no header to put a marker in. Every entry is written with ``check_name``
first, and ``check_name`` always begins ``wedata-audit/``, so a file of ours starts with
``[\\n{"check_name":"wedata-audit/``. A run with no open finding writes exactly the four bytes ``[\\n]\\n``
(an empty array in a layout of our own): that exact file is recognised as ours too. An empty array written
by anyone else in that exact layout holds nothing that removing it could lose; any other file (``[]``, a
GitLab report of another tool, anything) is never removed or replaced.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wedata_audit.model.finding import Finding
from wedata_audit.model.results import AuditResult, Run, TaskResult
from wedata_audit.reporters.base import Reporter, render
from wedata_audit.reporters.citext import UniqueFingerprints, codequality_severity, location_path
from wedata_audit.reporters.locations.keylines import KeyLines

CHECK_PREFIX = "wedata-audit/"
EMPTY = "[\n]\n"
# GitLab's categories; our rule categories mapped where one fits.
CATEGORIES = {"security": "Security", "reliability": "Bug Risk", "integrity": "Bug Risk", "naming": "Style",
              "documentation": "Clarity", "maintenance": "Clarity", "ownership": "Clarity"}


def description(finding: Finding) -> str:
    """One line: the task version and the message (GitLab shows it as the finding's title)."""
    text = f"{finding.subject.label}: {finding.message or finding.title or finding.rule_id}"
    return " ".join(text.split())


def body(finding: Finding) -> str:
    lines = [finding.title or finding.rule_id]
    for label, value in (("key", finding.key), ("actual", finding.actual), ("expected", finding.expected)):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def entry(finding: Finding, fingerprint: str, path: str, line: int, category: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "check_name": CHECK_PREFIX + finding.rule_id,
        "description": description(finding),
        "fingerprint": fingerprint,
        "severity": codequality_severity(finding.severity),
        "location": {"path": path, "lines": {"begin": max(line, 1)}},
        "content": {"body": body(finding)},
    }
    if category in CATEGORIES:
        out["categories"] = [CATEGORIES[category]]
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class CodeQualityReporter(Reporter):
    name = "codequality"
    default_filename = "gl-code-quality-report.json"
    marker = re.compile(rb'\A\[\n(?:\]\n\Z|\{"check_name":"wedata-audit/)')

    def start(self, run: Run) -> None:
        super().start(run)
        self._lines = KeyLines()
        self._unique = UniqueFingerprints()
        self._categories = {r.id: r.category for r in run.rules}
        self._count = 0

    def add(self, task: TaskResult) -> None:
        opened = [f for f in task.findings if f.is_open]
        if not opened:
            return
        lines = self._lines.lines(task.subject, (f.key for f in opened))
        path = location_path(task.subject, live=False)  # once per task: it may stat the file
        for f in opened:
            if f.subject == task.subject:
                line, where = lines[f.key], path
            else:
                line, where = self._lines.line(f.subject, f.key), location_path(f.subject, live=False)
            item = entry(f, self._unique(f), where, line, self._categories.get(f.rule_id, ""))
            self.spool.write(("\n" if self._count == 0 else ",\n") + _dumps(item))
            self._count += 1

    def head(self, run: Run) -> str:
        return "["

    def tail(self, run: Run) -> str:
        return "\n]\n"  # with no entry: "[\n]\n", the empty layout the marker knows


def render_document(result: AuditResult) -> str:
    return render(CodeQualityReporter, result)

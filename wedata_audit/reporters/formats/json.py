"""The machine-readable report: one JSON document, described by ``schemas/report.schema.json``.

Layout choices:

* ``format_version``, ``tool``, ``run`` and ``summary`` come first, so ``run.complete`` and the
  verdict are in the first few hundred bytes even when the file holds 10,000 tasks. They are
  written at the end of the run (the task lines stream to a spool) and put in front.
* One rule and one task per line, everything else compact: the file stays about as small as
  ``indent=None`` (no per-key indentation repeated 10,000 times), yet ``grep``, ``head`` and
  ``diff`` work task by task, and two runs differ only on the lines of tasks that changed.
* Deterministic: the same run gives the same bytes except the timestamps
  (``run.started``, ``run.finished``, ``meta.fetched_at``). Task order, rule order and outcome order
  are kept as given (they are meaningful); evidence keys and rule controls are sorted; findings are
  ordered by their rule's position in the ruleset, ties keeping the engine's order.
* ``frameworks`` is the run's framework coverage (``schemas/coverage.schema.json``, inlined in the report
  schema as ``$defs.coverage_*``): per framework each requirement's status and a summary.
* Text is written as UTF-8 (``ensure_ascii=False``: Chinese task names stay readable and take half
  the bytes); a lone surrogate, which UTF-8 cannot encode, becomes U+FFFD. Control characters are
  escaped by JSON itself and kept.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wedata_audit.model.results import AuditResult, Run, TaskResult
from wedata_audit.reporters.base import Reporter, render
from wedata_audit.reporters.fields import evidence, finding_fields, ordered_findings, rule_fields, subject_fields

FORMAT_VERSION = 1
TOOL_NAME = "wedata-audit"
# The first line of every JSON report: how a later run recognises a report this tool wrote.
MARKER = '"format_version"'


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def run_section(run: Run) -> dict[str, Any]:
    return {
        "started": run.started,
        "finished": run.finished,
        "complete": run.is_complete,
        "incomplete_reason": run.incomplete_text,
    }


def task_entry(task: TaskResult, rule_pos: dict[str, int]) -> dict[str, Any]:
    entry: dict[str, Any] = dict(subject_fields(task.subject))
    entry["status"] = task.status
    entry["error"] = task.error
    entry["meta"] = evidence(task.meta)
    entry["outcomes"] = dict(task.outcomes)
    entry["findings"] = [finding_fields(f) for f in ordered_findings(task, rule_pos)]
    if isinstance(task.meta.get("release"), dict):  # --versions release: the review of this task's release
        entry["release"] = task.meta["release"]
    return entry


def _array_lines(items: list[str], indent: str) -> str:
    """A JSON array with one (already serialised) item per line."""
    if not items:
        return "[]"
    inner = f",\n{indent} ".join(items)
    return f"[\n{indent} {inner}\n{indent}]"


class JsonReporter(Reporter):
    name = "json"
    default_filename = "report.json"
    marker = re.compile(rb'"tool": ?\{"name": ?"wedata-audit"')

    def start(self, run: Run) -> None:
        super().start(run)
        self._rule_pos = {r.id: i for i, r in enumerate(run.rules)}
        self._count = 0

    def add(self, task: TaskResult) -> None:
        sep = "\n  " if self._count == 0 else ",\n  "
        self._count += 1
        self.spool.write(sep + _dumps(task_entry(task, self._rule_pos)))

    def head(self, run: Run) -> str:
        head: list[tuple[str, Any]] = [
            ("format_version", FORMAT_VERSION),
            ("tool", {"name": TOOL_NAME, "version": run.tool_version}),
            ("run", run_section(run)),
            ("summary", run.summary()),
            ("fail_on", run.fail_on.value),
            ("inputs", list(run.inputs)),
            ("filters", {"waivers": run.meta.get("waivers"), "baseline": run.meta.get("baseline")}),
            ("frameworks", [fw.as_dict() for fw in run.coverage]),
        ]
        lines = [f" {_dumps(key)}: {_dumps(value)}," for key, value in head]
        rules = _array_lines([_dumps(rule_fields(r)) for r in run.rules], " ")
        lines.append(f' "ruleset": {{"digest": {_dumps(run.ruleset_digest)}, "rules": {rules}}},')
        return "{\n" + "\n".join(lines) + '\n "tasks": ['

    def tail(self, run: Run) -> str:
        end = "\n ]" if self._count else "]"
        requests = run.meta.get("requests")  # a live audit: API requests per action, known at the end
        if isinstance(requests, dict):
            end += f',\n "requests": {_dumps(dict(sorted(requests.items())))}'
        return end + "\n}\n"


def render_document(result: AuditResult) -> str:
    return render(JsonReporter, result)

"""A short Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a merge-request comment.

Layout, most important first:

* when the run is incomplete, a warning line before anything else (a partial run never reads as clean);
* the verdict as a heading, with the number of gating findings and the fail-on threshold;
* a counts table: task versions passed / failed / errored, open findings by severity, waived, and
  new / existing when the run was compared with a baseline;
* the rules failing most (by open findings);
* framework coverage: per framework the requirements by status and the failing ones, with the disclaimer;
* the top open findings, highest severity first, then rule (ruleset order), then task;
* the errored task versions;
* how many findings / errored tasks were left out, pointing to the HTML and JSON reports.

Size: the document stays under ``MAX_BYTES`` (UTF-8) whatever the size of the run. Every value from
task data is shortened, and the two long tables are filled row by row against a byte budget (the
errored-task table is sized first, so the findings table cannot squeeze it out); the rows that do not
fit are counted in the closing note instead.

Escaping: every value from task data or the ruleset goes through :func:`escape`, which neutralises
Markdown (``|`` cannot split a table cell, ``*``, ``_``, backticks, brackets and ``~`` have no effect),
HTML (``<``, ``>`` and ``&`` become entities: no tag can be injected), line breaks (a cell stays on one
line), ``@`` mentions (no one is pinged by a task name), control characters and lone surrogates.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from wedata_audit.model.finding import Finding, Severity
from wedata_audit.model.results import AuditResult, Run, TaskResult
from wedata_audit.reporters.base import Reporter
from wedata_audit.reporters.escaping import markdown as escape
from wedata_audit.reporters.escaping import shorten
from wedata_audit.reporters.releases import ReleaseDigest
from wedata_audit.stages.coverage import DISCLAIMER

__all__ = ["MAX_BYTES", "MarkdownReporter", "escape", "render_document", "shorten"]

MAX_BYTES = 60_000
# Bytes kept free for the closing note while the tables are filled.
FOOTER_RESERVE = 600
MAX_FINDING_ROWS = 200
MAX_ERROR_ROWS = 50
MAX_RULE_ROWS = 10
# Longest text (in characters, before escaping) of one cell.
TASK_CHARS = 80
MESSAGE_CHARS = 160
ERROR_CHARS = 200
TITLE_CHARS = 80
KEY_CHARS = 60
REASON_CHARS = 300
MAX_RELEASE_TASKS = 20
MAX_RELEASE_CHANGES = 10  # per task
RELEASE_BYTES = 20_000  # at most this much of the budget goes to the release review

VERDICT_ICON = {"PASS": "✅", "FAIL": "❌", "INCOMPLETE": "⚠️"}
SEVERITY_ICON = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.INFO: "⬜",
}


def _size(text: str) -> int:
    return len(text.encode("utf-8", "replace"))


@dataclass(slots=True)
class Table:
    """A Markdown table filled row by row until a byte budget or a row limit is reached."""

    header: str
    budget: int
    max_rows: int
    rows: list[str] = field(default_factory=list)
    left_out: int = 0
    _rows_size: int = 0

    @property
    def used(self) -> int:
        """Bytes the rendered table takes (nothing when no row fits)."""
        return _size(self.header) + self._rows_size if self.rows else 0

    def add(self, row: str) -> None:
        """Add ``row`` if it fits; once one row is left out, so are all that follow (ranking is kept)."""
        cost = _size(row) + 1
        full = len(self.rows) >= self.max_rows or _size(self.header) + self._rows_size + cost > self.budget
        if self.left_out or full:
            self.left_out += 1
            return
        self.rows.append(row)
        self._rows_size += cost

    def render(self) -> str:
        return "\n".join([self.header, *self.rows]) if self.rows else ""


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# --- sections -------------------------------------------------------------------------------


def warning(run: Run) -> str:
    reason = escape(run.incomplete_text or "", REASON_CHARS)
    return (
        f"**⚠️ INCOMPLETE AUDIT:** {reason}. Not every task version was checked: "
        "do not read this report as clean."
    )


def verdict(run: Run) -> str:
    icon = VERDICT_ICON.get(run.verdict, "")
    threshold = run.fail_on.value
    heading = f"## {icon} wedata-audit: {run.verdict}"
    detail = f"{run.totals.gating} open finding(s) at or above **{threshold}** (the fail-on threshold)"
    return f"{heading}\n\n{detail}, across {run.totals.tasks} task version(s)."


def counts(run: Run) -> str:
    s = run.summary()
    rows = [
        ("Task versions", s["tasks"]),
        ("✅ passed", s["passed"]),
        ("❌ failed", s["failed"]),
        ("⚠️ errored", s["errored"]),
    ]
    rows += [(f"{SEVERITY_ICON[sev]} open {sev.value}", s["by_severity"][sev.value]) for sev in reversed(Severity)]
    rows.append(("Waived", s["waived"]))
    if run.meta.get("versions") == "release" and not run.uses_baseline:
        rows.append(("New in the release", s["open"]))
        rows.append(("Existing (production has them too)", s["existing"]))
    elif run.has_baseline():
        rows.append(("New (not in the baseline)", s["open"]))
        rows.append(("Existing (in the baseline)", s["existing"]))
        if run.meta.get("baseline"):
            rows.append(("Fixed since the baseline", run.meta["baseline"]["fixed"]))
    waivers = run.meta.get("waivers")
    if waivers:
        rows.append(("Expired waivers", len(waivers["expired"])))
        rows.append(("Unused waivers", len(waivers["unused"])))
    lines = ["### Counts", "", "| | Count |", "|---|---:|"]
    lines += [_row((label, str(value))) for label, value in rows]
    return "\n".join(lines)


def top_rules(run: Run) -> str:
    per_rule = run.totals.open_by_rule
    if not per_rule:
        return ""
    titles: dict[str, tuple[str, Severity]] = {r.id: (r.title, r.severity) for r in run.rules}
    for rid, info in run.totals.rule_titles.items():
        titles.setdefault(rid, info)
    lines = ["### Rules failing most", "", "| Rule | Severity | Title | Open findings | Task versions |"]
    lines.append("|---|---|---|---:|---:|")
    for rule_id, n in per_rule.most_common(MAX_RULE_ROWS):
        title, sev = titles[rule_id]
        tasks = run.totals.failing_tasks_by_rule[rule_id]
        cells = (escape(rule_id, TITLE_CHARS), sev.value, escape(title, TITLE_CHARS), str(n), str(tasks))
        lines.append(_row(cells))
    if len(per_rule) > MAX_RULE_ROWS:
        lines += ["", f"{len(per_rule) - MAX_RULE_ROWS} more failing rule(s) not shown."]
    return "\n".join(lines)


MAX_FAILING_REQUIREMENTS = 8  # failing requirements named per framework


def coverage(run: Run) -> str:
    """Per framework: requirements by status, the automated ones passing, the failing ones by id."""
    if not run.coverage:
        return ""
    lines = ["### Framework coverage", "",
             "| Framework | Requirements | Pass | Fail | Waived | Not assessed | Automated passing |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    failing_lines = []
    for fw in run.coverage:
        s = fw.summary()
        pct = "n/a" if s["percent_automated_passing"] is None else f"{s['percent_automated_passing']}%"
        lines.append(_row((f"{escape(fw.name, TITLE_CHARS)} ({escape(fw.id, TITLE_CHARS)})", str(s["requirements"]),
                           str(s["passing"]), str(s["failing"]), str(s["waived"]), str(s["not_assessed"]), pct)))
        failing = [r for r in fw.requirements if r.status == "fail"]
        if failing:
            named = ", ".join(f"{escape(r.id, KEY_CHARS)} {escape(r.name, TITLE_CHARS)}"
                              for r in failing[:MAX_FAILING_REQUIREMENTS])
            left = len(failing) - MAX_FAILING_REQUIREMENTS
            more = f" and {left} more" if left > 0 else ""
            failing_lines.append(f"- **{escape(fw.id, TITLE_CHARS)}** failing: {named}{more}")
    lines += ["", *failing_lines] if failing_lines else []
    lines += ["", f"_{DISCLAIMER} A framework's assessment is done by an accredited body, on far more than "
                  "task configuration._"]
    return "\n".join(lines)


def finding_row(f: Finding) -> str:
    return _row((
        f"{SEVERITY_ICON[f.severity]} {f.severity.value}",
        escape(f.rule_id, TITLE_CHARS),
        escape(f.subject.label, TASK_CHARS),
        escape(f.key, KEY_CHARS),
        escape(f.message, MESSAGE_CHARS),
    ))


def error_row(t: TaskResult) -> str:
    s = t.subject
    return _row((escape(s.label, TASK_CHARS), escape(s.source, TASK_CHARS), escape(t.error or "", ERROR_CHARS)))


def footer(findings_left: int, errors_left: int) -> str:
    notes = []
    if findings_left:
        notes.append(f"{findings_left} more findings not shown; see the HTML/JSON report.")
    if errors_left:
        notes.append(f"{errors_left} more errored task versions not shown; see the HTML/JSON report.")
    return "\n\n".join(f"_{note}_" for note in notes)


# --- document -------------------------------------------------------------------------------


class MarkdownReporter(Reporter):
    """The whole document is written at the end; while the run streams it keeps only the
    ``MAX_FINDING_ROWS`` highest-ranked open findings (highest severity first, then rule in ruleset
    order, then task label, then arrival) and the first ``MAX_ERROR_ROWS`` errored task versions."""

    name = "markdown"
    default_filename = "report.md"
    marker = re.compile(rb"^## \S+ wedata-audit: (?:PASS|FAIL|INCOMPLETE)\b")
    max_bytes = MAX_BYTES

    def start(self, run: Run) -> None:
        super().start(run)
        self._pos = {r.id: i for i, r in enumerate(run.rules)}
        self._top: list[tuple[_Neg, str]] = []  # a heap whose top is the lowest-ranked row kept
        self._seq = 0
        self._open = 0
        self._errors: list[str] = []
        self._errored = 0
        self._releases = ReleaseDigest(limit=MAX_RELEASE_TASKS)

    def add(self, task: TaskResult) -> None:
        self._releases.add(task)
        if task.error is not None:
            self._errored += 1
            if len(self._errors) < MAX_ERROR_ROWS:
                self._errors.append(error_row(task))
        last = len(self._pos)
        for f in task.findings:
            if not f.is_open:
                continue
            self._open += 1
            self._seq += 1
            key = (-f.severity.rank, self._pos.get(f.rule_id, last), f.rule_id, f.subject.label, self._seq)
            neg = _Neg(key)
            if len(self._top) < MAX_FINDING_ROWS:
                heapq.heappush(self._top, (neg, finding_row(f)))
            elif neg > self._top[0][0]:
                heapq.heapreplace(self._top, (neg, finding_row(f)))

    def head(self, run: Run) -> str:
        parts = [warning(run)] if not run.is_complete else []
        parts += [verdict(run), counts(run), release_review(self._releases), top_rules(run), coverage(run)]
        fixed = "\n\n".join(part for part in parts if part)
        remaining = self.max_bytes - _size(fixed) - FOOTER_RESERVE
        errors = Table("### Errored task versions\n\n| Task | Source | Error |\n|---|---|---|",
                       max(remaining // 3, 0) if self._errored else 0, MAX_ERROR_ROWS)
        for row in self._errors:
            errors.add(row)
        errors.left_out += self._errored - len(self._errors)
        findings = Table("### Top findings\n\n| Severity | Rule | Task | Key | Message |\n|---|---|---|---|---|",
                         remaining - errors.used, MAX_FINDING_ROWS)
        for _, row in sorted(self._top, reverse=True):
            findings.add(row)
        findings.left_out += self._open - len(self._top)
        if not findings.rows and not findings.left_out:
            findings_text = "### Top findings\n\nNo open findings."
        else:
            findings_text = findings.render()
        out = [fixed, findings_text, errors.render(), footer(findings.left_out, errors.left_out)]
        return "\n\n".join(part for part in out if part) + "\n"


def release_review(digest: ReleaseDigest, max_bytes: int = RELEASE_BYTES) -> str:
    """``--versions release``: tasks with regressions first, then each task's change list (bounded)."""
    if not digest.reviewed:
        return ""
    lines = [f"### Release review\n\n{digest.reviewed} task(s) reviewed: {digest.with_regressions} with "
             f"regressions, {digest.with_changes} with changes."]
    used = _size(lines[0])
    shown = 0
    for e in digest.entries():
        head = (f"- **{'regression' if e.regressions else 'changed'}** {escape(e.label, TASK_CHARS)} "
                f"({escape(e.production or 'nothing in production', KEY_CHARS)} → {escape(e.latest, KEY_CHARS)})")
        if e.regressions:
            head += ": " + ", ".join(f"`{escape(r, TITLE_CHARS)}`" for r in e.regressions)
        block = [head]
        changes = e.changes[:MAX_RELEASE_CHANGES] if e.production is not None else ()
        if e.production is None:
            block.append(f"  - nothing in production: {len(e.changes)} new field(s), listed in the HTML/JSON report")
        for pointer, before, after in changes:
            if not pointer:
                block.append(f"  - {escape(after, MESSAGE_CHARS)}")
            elif before == "∅" and after.startswith("--- before"):
                block.append(f"  - {escape(pointer, KEY_CHARS)}: code changed (diff in the HTML/JSON report)")
            else:
                block.append(f"  - {escape(pointer, KEY_CHARS)}: {escape(before, KEY_CHARS)} → "
                             f"{escape(after, KEY_CHARS)}")
        if e.production is not None and len(e.changes) > MAX_RELEASE_CHANGES:
            block.append(f"  - … {len(e.changes) - MAX_RELEASE_CHANGES} more change(s) in the HTML/JSON report")
        text = "\n".join(block)
        if used + _size(text) > max_bytes:
            break
        lines.append(text)
        used += _size(text) + 1
        shown += 1
    more = digest.interesting - shown
    if more > 0:
        lines.append(f"\n{more} more task(s) whose release changes something; see the HTML/JSON report.")
    return "\n".join(lines[:1]) + ("\n\n" + "\n".join(lines[1:]) if len(lines) > 1 else "")


class _Neg:
    """Reverses the order of a ranking key, so the heap's top is the worst of the best kept."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[int, int, str, str, int]) -> None:
        self.key = key

    def __lt__(self, other: _Neg) -> bool:
        return self.key > other.key

    def __gt__(self, other: _Neg) -> bool:
        return self.key < other.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Neg) and self.key == other.key

    __hash__ = None  # type: ignore[assignment]


def render_document(result: AuditResult, max_bytes: int = MAX_BYTES) -> str:
    reporter = MarkdownReporter()
    reporter.max_bytes = max_bytes
    return reporter.render(result)


def has_baseline(result: AuditResult) -> bool:
    return result.run().has_baseline()


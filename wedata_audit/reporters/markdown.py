"""A short Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a merge-request comment.

Layout, most important first:

* when the run is incomplete, a warning line before anything else (a partial run never reads as clean);
* the verdict as a heading, with the number of gating findings and the fail-on threshold;
* a counts table: task versions passed / failed / errored, open findings by severity, waived, and
  new / existing when the run was compared with a baseline;
* the rules failing most (by open findings);
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

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from wedata_audit.finding import Finding, Severity
from wedata_audit.reporters import Reporter
from wedata_audit.results import ERRORED, AuditResult, TaskResult

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

VERDICT_ICON = {"PASS": "✅", "FAIL": "❌", "INCOMPLETE": "⚠️"}
SEVERITY_ICON = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.INFO: "⬜",
}

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def escape(value: str, limit: int | None = None) -> str:
    """``value`` as inert inline Markdown on one line, shortened to ``limit`` characters first."""
    value = _LINE_BREAK.sub(" ", value)
    value = _UNPRINTABLE.sub("\ufffd", value)
    if limit is not None:
        value = shorten(value, limit)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value.replace("@", "@\u200b")


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


def warning(result: AuditResult) -> str:
    reason = escape(result.incomplete_text or "", REASON_CHARS)
    return (
        f"**⚠️ INCOMPLETE AUDIT:** {reason}. Not every task version was checked: "
        "do not read this report as clean."
    )


def verdict(result: AuditResult) -> str:
    icon = VERDICT_ICON.get(result.verdict, "")
    gating = len(result.gating())
    threshold = result.fail_on.value
    heading = f"## {icon} wedata-audit: {result.verdict}"
    detail = f"{gating} open finding(s) at or above **{threshold}** (the fail-on threshold)"
    return f"{heading}\n\n{detail}, across {len(result.tasks)} task version(s)."


def has_baseline(result: AuditResult) -> bool:
    """Whether the run was compared with a baseline (the engine marks matched findings ``existing``)."""
    return bool(result.meta.get("baseline")) or any(f.status == "existing" for f in result.findings())


def counts(result: AuditResult) -> str:
    s = result.summary()
    rows = [
        ("Task versions", s["tasks"]),
        ("✅ passed", s["passed"]),
        ("❌ failed", s["failed"]),
        ("⚠️ errored", s["errored"]),
    ]
    rows += [(f"{SEVERITY_ICON[sev]} open {sev.value}", s["by_severity"][sev.value]) for sev in reversed(Severity)]
    rows.append(("Waived", s["waived"]))
    if has_baseline(result):
        rows.append(("New (not in the baseline)", s["open"]))
        rows.append(("Existing (in the baseline)", s["existing"]))
        if result.meta.get("baseline"):
            rows.append(("Fixed since the baseline", result.meta["baseline"]["fixed"]))
    waivers = result.meta.get("waivers")
    if waivers:
        rows.append(("Expired waivers", len(waivers["expired"])))
        rows.append(("Unused waivers", len(waivers["unused"])))
    lines = ["### Counts", "", "| | Count |", "|---|---:|"]
    lines += [_row((label, str(value))) for label, value in rows]
    return "\n".join(lines)


def top_rules(result: AuditResult) -> str:
    opened = [f for f in result.findings() if f.status == "open"]
    if not opened:
        return ""
    per_rule = Counter(f.rule_id for f in opened)
    tasks: dict[str, set[int]] = {}
    titles: dict[str, tuple[str, Severity]] = {r.id: (r.title, r.severity) for r in result.rules}
    for index, task in enumerate(result.tasks):
        for f in task.findings:
            if f.status == "open":
                tasks.setdefault(f.rule_id, set()).add(index)
                titles.setdefault(f.rule_id, (f.title, f.severity))
    lines = ["### Rules failing most", "", "| Rule | Severity | Title | Open findings | Task versions |"]
    lines.append("|---|---|---|---:|---:|")
    for rule_id, n in per_rule.most_common(MAX_RULE_ROWS):
        title, sev = titles[rule_id]
        cells = (escape(rule_id, TITLE_CHARS), sev.value, escape(title, TITLE_CHARS), str(n), str(len(tasks[rule_id])))
        lines.append(_row(cells))
    if len(per_rule) > MAX_RULE_ROWS:
        lines += ["", f"{len(per_rule) - MAX_RULE_ROWS} more failing rule(s) not shown."]
    return "\n".join(lines)


def ranked(result: AuditResult) -> list[Finding]:
    """Open findings, highest severity first, then rule (ruleset order), then task label."""
    pos = {r.id: i for i, r in enumerate(result.rules)}
    last = len(pos)
    opened = [f for f in result.findings() if f.status == "open"]
    return sorted(opened, key=lambda f: (-f.severity.rank, pos.get(f.rule_id, last), f.rule_id, f.subject.label))


def findings_table(result: AuditResult, budget: int) -> Table:
    header = "### Top findings\n\n| Severity | Rule | Task | Key | Message |\n|---|---|---|---|---|"
    table = Table(header, budget, MAX_FINDING_ROWS)
    for f in ranked(result):
        cells = (
            f"{SEVERITY_ICON[f.severity]} {f.severity.value}",
            escape(f.rule_id, TITLE_CHARS),
            escape(f.subject.label, TASK_CHARS),
            escape(f.key, KEY_CHARS),
            escape(f.message, MESSAGE_CHARS),
        )
        table.add(_row(cells))
    return table


def errors_table(tasks: list[TaskResult], budget: int) -> Table:
    header = "### Errored task versions\n\n| Task | Source | Error |\n|---|---|---|"
    table = Table(header, budget, MAX_ERROR_ROWS)
    for t in tasks:
        s = t.subject
        task = escape(s.label, TASK_CHARS)
        table.add(_row((task, escape(s.source, TASK_CHARS), escape(t.error or "", ERROR_CHARS))))
    return table


def footer(findings_left: int, errors_left: int) -> str:
    notes = []
    if findings_left:
        notes.append(f"{findings_left} more findings not shown; see the HTML/JSON report.")
    if errors_left:
        notes.append(f"{errors_left} more errored task versions not shown; see the HTML/JSON report.")
    return "\n\n".join(f"_{note}_" for note in notes)


# --- document -------------------------------------------------------------------------------


def render_document(result: AuditResult, max_bytes: int = MAX_BYTES) -> str:
    head = [warning(result)] if not result.is_complete else []
    head += [verdict(result), counts(result), top_rules(result)]
    fixed = "\n\n".join(part for part in head if part)
    remaining = max_bytes - _size(fixed) - FOOTER_RESERVE
    errored = [t for t in result.tasks if t.status == ERRORED]
    errors = errors_table(errored, max(remaining // 3, 0) if errored else 0)
    findings = findings_table(result, remaining - errors.used)
    if not findings.rows and not findings.left_out:
        findings_text = "### Top findings\n\nNo open findings."
    else:
        findings_text = findings.render()
    parts = [fixed, findings_text, errors.render(), footer(findings.left_out, errors.left_out)]
    return "\n\n".join(part for part in parts if part) + "\n"


class MarkdownReporter(Reporter):
    name = "markdown"
    default_filename = "report.md"
    marker = re.compile(rb"^## \S+ wedata-audit: (?:PASS|FAIL|INCOMPLETE)\b")

    def render(self, result: AuditResult) -> str:
        return render_document(result)


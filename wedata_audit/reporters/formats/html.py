"""A single self-contained HTML report for governance reviewers.

The page works offline: CSS and JavaScript are inlined, there is no external URL, and a
Content-Security-Policy pinned to the hashes of our own inline script and style forbids
every network request and every other script.

The summary (banner, verdict, counts, per-rule table, run metadata) is rendered on the server
side by an autoescaping Jinja2 template, so it reads without JavaScript. The findings table and
the per-task evidence, which can hold tens of thousands of rows, are rendered page by page in
the browser from one compact JSON document embedded once (see :class:`Payload`); task text
is only ever inserted with ``textContent``.

Streaming: task rows and finding rows are written to two spools as the run goes; the template is
rendered at the end (it only needs the totals) with a placeholder where the JSON goes, and the page
is assembled around the spools. Strings that repeat are pooled as they repeat (see :class:`StringPool`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from wedata_audit.model.finding import Finding, FindingStatus, Severity
from wedata_audit.model.results import (
    ERRORED,
    EVIDENCE_KEYS,
    FAILED,
    PASSED,
    RULE_PASS,
    RULE_SKIP,
    SUBJECT_FIELDS,
    AuditResult,
    RuleInfo,
    Run,
    TaskResult,
)
from wedata_audit.reporters import charts as charts_mod
from wedata_audit.reporters.base import Reporter, Spool, render
from wedata_audit.reporters.escaping import html_printable, script_safe
from wedata_audit.reporters.releases import ReleaseDigest
from wedata_audit.stages.coverage import DISCLAIMER

PAYLOAD_VERSION = 1
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)  # index == rank
FINDING_STATUSES: tuple[str, ...] = tuple(s.value for s in FindingStatus)
TASK_STATUSES: tuple[str, ...] = (PASSED, FAILED, ERRORED)
TASK_FIELDS = SUBJECT_FIELDS
META_VALUE_LIMIT = 256
BANNER_ERRORS_SHOWN = 5
# The streaming string pool remembers at most POOL_CANDIDATES strings seen once (then starts afresh), pools
# no string longer than POOL_MAX_CHARS and at most POOL_MAX_STRINGS strings: memory stays bounded.
POOL_CANDIDATES = 20_000
POOL_MAX_CHARS = 400
POOL_MAX_STRINGS = 20_000
_PLACEHOLDER = "\x00WEDATA-AUDIT-DATA\x00"

printable = html_printable


class HtmlReporter(Reporter):
    name = "html"
    default_filename = "report.html"
    marker = re.compile(rb"<!-- wedata-audit report\.")

    def start(self, run: Run) -> None:
        super().start(run)  # the task rows
        self._findings = Spool(self.path)
        self.payload = Payload(run)
        self.tallies = charts_mod.ChartTallies()
        self.releases = ReleaseDigest()

    def add(self, task: TaskResult) -> None:
        self.releases.add(task)
        task_row, finding_rows = self.payload.rows(task)
        self.tallies.add(task)
        self.spool.write(("," if self.payload.n_tasks > 1 else "") + _json(task_row))
        for row in finding_rows:
            self._findings.write(("," if self._findings.size else "") + _json(row))

    def finish(self, run: Run) -> Path:
        env = _environment()
        script = _asset(env, "report.js")
        style = _asset(env, "report.css")
        page = env.get_template("report.html.j2").render(
            view=build_view(run, self.tallies),
            releases=getattr(self, "releases", None),
            data_json=Markup(_PLACEHOLDER),
            script=Markup(script),
            style=Markup(style),
            script_hash=csp_hash(script),
            style_hash=csp_hash(style),
        )
        before, after = page.split(_PLACEHOLDER)
        head, tail = self.payload.frame()
        return self.spool.assemble_parts([printable(before) + head + '"tasks":[', self.spool,
                                          '],"findings":[', self._findings, "]," + tail + printable(after)])

    def abort(self) -> None:
        super().abort()
        if getattr(self, "_findings", None) is not None:
            self._findings.discard()


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("wedata_audit.reporters", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _asset(env: jinja2.Environment, name: str) -> str:
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    if "</" in source:  # would end the inline <script>/<style> element early
        raise ValueError(f"template asset {name} must not contain '</'")
    return source


def csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


# --------------------------------------------------------------------------- embedded JSON


def _json(value: Any) -> str:
    return script_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False))


def script_json(value: Any) -> str:
    """Compact JSON that is safe inside ``<script type="application/json">``.

    A lone surrogate, which UTF-8 cannot encode, becomes U+FFFD (as in the JSON report).
    """
    return _json(value)


@dataclass(slots=True)
class StringPool:
    """Replaces strings that repeat with an index into a shared table, as they repeat.

    A value in a text column of the payload is then a string (used as is), an integer
    (an index into ``strings``) or null. The first occurrence of a string is written as is; from the
    second on, a string worth pooling (its index is shorter than the text) is an index.
    """

    strings: list[str] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)

    def ref(self, text: str | None) -> str | int | None:
        if text is None:
            return None
        found = self._index.get(text)
        if found is not None:
            return found
        if not text or len(text) > POOL_MAX_CHARS or len(self.strings) >= POOL_MAX_STRINGS:
            return text
        if text in self._seen:
            self._seen.discard(text)
            index = len(self.strings)
            if len(text) + 2 > len(str(index)) + 1:
                self._index[text] = index
                self.strings.append(text)
                return index
            return text
        if len(self._seen) >= POOL_CANDIDATES:
            self._seen.clear()
        self._seen.add(text)
        return text


def _trim(row: list[Any]) -> list[Any]:
    """Drop trailing nulls; the page reads a missing cell as null."""
    while row and row[-1] is None:
        row.pop()
    return row


def _evidence(meta: dict[str, Any]) -> list[str | None]:
    """The values of :data:`EVIDENCE_KEYS` in a task's meta, as text (``None`` when absent)."""
    values: list[str | None] = []
    for key in EVIDENCE_KEYS:
        value = meta.get(key)
        if value is None or value == "" or isinstance(value, (dict, list, tuple, set)):
            values.append(None)
            continue
        text = str(value)
        values.append(text if len(text) <= META_VALUE_LIMIT else text[: META_VALUE_LIMIT - 1] + "…")
    return values


def _finding_status(f: Finding) -> int:
    status = str(f.status)
    return FINDING_STATUSES.index(status) if status in FINDING_STATUSES else 0


def finding_age(first_seen: str | None, run_started: str) -> str | None:
    """``first seen 2026-01-05 (55 days)``: a finding's age on the run's date; None without a date."""
    if not first_seen:
        return None
    try:
        days = (datetime.fromisoformat(run_started[:10]) - datetime.fromisoformat(first_seen[:10])).days
    except ValueError:
        return f"first seen {first_seen}"
    return f"first seen {first_seen}" + (f" ({days} day{'s' if days != 1 else ''})" if days > 0 else " (new)")


class Payload:
    """The data the page renders, as tables of rows, built row by row.

    ``rules``:    [id, severity, title, category, remediation]
    ``tasks``:    [*TASK_FIELDS, status, error, rules passed, rules skipped, [*EVIDENCE_KEYS]]
    ``findings``: [task, rule, severity, status, message, key, actual, expected, note, age]
    (age: "first seen DATE (N days)" when the finding has a first_seen date)
    Severity, status, task and rule are indexes; text cells are a string, an index into
    ``strings`` or null; trailing empty cells are omitted.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.pool = StringPool()
        self.rules: list[RuleInfo] = list(run.rules)
        self.rule_index = {r.id: i for i, r in enumerate(self.rules)}
        self.n_tasks = 0
        self.n_findings = 0

    def rows(self, t: TaskResult) -> tuple[list[Any], list[list[Any]]]:
        pool = self.pool
        ti = self.n_tasks
        self.n_tasks += 1
        counts = Counter(o for _, o in t.outcomes)
        evidence = _trim([pool.ref(x) for x in _evidence(t.meta)])
        identity = [pool.ref(getattr(t.subject, name)) for name in TASK_FIELDS]
        status = TASK_STATUSES.index(t.status)
        task_row = _trim([*identity, status, pool.ref(t.error), counts[RULE_PASS], counts[RULE_SKIP],
                          evidence or None])
        findings = []
        for f in t.findings:
            if f.rule_id not in self.rule_index:
                self.rule_index[f.rule_id] = len(self.rules)
                self.rules.append(RuleInfo(id=f.rule_id, title=f.title, severity=f.severity))
            row = [ti, self.rule_index[f.rule_id], f.severity.rank, _finding_status(f), pool.ref(f.message),
                   pool.ref(f.key), pool.ref(f.actual), pool.ref(f.expected), pool.ref(f.note),
                   pool.ref(finding_age(f.first_seen, self.run.started))]
            findings.append(_trim(row))
            self.n_findings += 1
        return task_row, findings

    def frame(self) -> tuple[str, str]:
        """The JSON before the task rows and after the finding rows."""
        pool = self.pool
        rules = [
            _trim([r.id, r.severity.rank, pool.ref(r.title), pool.ref(r.category), pool.ref(r.remediation)])
            for r in self.rules
        ]
        head = {
            "version": PAYLOAD_VERSION,
            "severities": list(SEVERITIES),
            "statuses": list(FINDING_STATUSES),
            "taskStatuses": list(TASK_STATUSES),
            "taskFields": list(TASK_FIELDS),
            "evidenceKeys": list(EVIDENCE_KEYS),
            "failOn": self.run.fail_on.rank,
            "rules": rules,
        }
        text = _json(head)
        return text[:-1] + ",", '"strings":' + _json(pool.strings) + "}"


def build_payload(result: AuditResult) -> dict[str, Any]:
    """The payload of ``result``'s page, as the page's script reads it."""
    page = HtmlReporter().render(result)
    match = re.search(r'<script type="application/json" id="audit-data">(.*?)</script>', page, re.S)
    assert match is not None
    loaded: dict[str, Any] = json.loads(match.group(1))
    return loaded


# --------------------------------------------------------------------------- server-side view


@dataclass(frozen=True, slots=True)
class RuleRow:
    id: str
    severity: str
    title: str
    category: str
    failing_tasks: int
    waived: int
    existing: int
    skipped: int
    bar: int  # pixels of the small bar: share of audited task versions failing, never 0 when non-zero
    share: str  # "43 of 2,000 audited task versions (2.2%)"


@dataclass(frozen=True, slots=True)
class SeverityTile:
    name: str
    open: int
    gating: bool


def _rule_rows(run: Run) -> list[RuleRow]:
    totals = run.totals
    audited = totals.tasks - totals.errored
    rows = [
        RuleRow(
            id=r.id,
            severity=r.severity.value,
            title=r.title,
            category=r.category,
            failing_tasks=totals.failing_tasks_by_rule[r.id],
            waived=totals.other_by_rule[(r.id, FindingStatus.WAIVED.value)],
            existing=totals.other_by_rule[(r.id, FindingStatus.EXISTING.value)],
            skipped=totals.skipped_by_rule[r.id],
            bar=charts_mod.rule_bar_px(totals.failing_tasks_by_rule[r.id], audited),
            share=charts_mod.share_text(totals.failing_tasks_by_rule[r.id], audited),
        )
        for r in run.all_rules()
    ]
    rows.sort(key=lambda row: (-Severity(row.severity).rank, -row.failing_tasks, row.id))
    return rows


def _duration(started: str, finished: str) -> str:
    try:
        seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    except (TypeError, ValueError):
        return ""
    if seconds < 0:
        return ""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m {secs}s" if hours else (f"{minutes}m {secs}s" if minutes else f"{secs}s")


def _label(key: str) -> str:
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def build_view(run: Run, tallies: charts_mod.ChartTallies | None = None) -> dict[str, Any]:
    """What the template shows on the server side (everything but the per-row data)."""
    summary = run.summary()
    errored = run.totals.errored_sample
    floor = run.fail_on.rank
    by_sev = summary["by_severity"]
    return {
        "verdict": run.verdict,
        "summary": summary,
        "complete": run.is_complete,
        "reasons": list(run.incomplete_reasons),
        "errored_sample": [(t.subject.label, t.error) for t in errored[:BANNER_ERRORS_SHOWN]],
        "errored_more": max(0, run.totals.errored - BANNER_ERRORS_SHOWN),
        "tiles": [SeverityTile(s.value, by_sev[s.value], s.rank >= floor) for s in reversed(Severity)],
        "rules": _rule_rows(run),
        "fail_on": run.fail_on.value,
        "tool_version": run.tool_version,
        "started": run.started,
        "finished": run.finished,
        "duration": _duration(run.started, run.finished),
        "ruleset_digest": run.ruleset_digest,
        "inputs": list(run.inputs),
        "meta": [(_label(str(k)), str(v)) for k, v in run.meta.items() if k not in ("waivers", "baseline")],
        "waivers": run.meta.get("waivers"),
        "baseline": run.meta.get("baseline"),
        "pass_rate": charts_mod.pass_rate(run),
        "charts": charts_mod.charts(run, tallies or charts_mod.ChartTallies()),
        "coverage": charts_mod.coverage_view(run),
        "disclaimer": DISCLAIMER,
        "rule_bar_px": charts_mod.RULE_BAR_PX,
    }


def render_document(result: AuditResult) -> str:
    return render(HtmlReporter, result)


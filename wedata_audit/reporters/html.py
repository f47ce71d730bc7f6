"""A single self-contained HTML report for governance reviewers.

The page works offline: CSS and JavaScript are inlined, there is no external URL, and a
Content-Security-Policy pinned to the hashes of our own inline script and style forbids
every network request and every other script.

The summary (banner, verdict, counts, per-rule table, run metadata) is rendered on the server
side by an autoescaping Jinja2 template, so it reads without JavaScript. The findings table and
the per-task evidence, which can hold tens of thousands of rows, are rendered page by page in
the browser from one compact JSON document embedded once (see :func:`build_payload`); task text
is only ever inserted with ``textContent``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2
from markupsafe import Markup

from wedata_audit.finding import Finding, Severity
from wedata_audit.reporters import Reporter, scrub_surrogates
from wedata_audit.results import (
    ERRORED,
    EVIDENCE_KEYS,
    FAILED,
    PASSED,
    RULE_PASS,
    RULE_SKIP,
    SUBJECT_FIELDS,
    AuditResult,
    RuleInfo,
)

PAYLOAD_VERSION = 1
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)  # index == rank
FINDING_STATUSES: tuple[str, ...] = ("open", "waived", "existing")
TASK_STATUSES: tuple[str, ...] = (PASSED, FAILED, ERRORED)
TASK_FIELDS = SUBJECT_FIELDS
META_VALUE_LIMIT = 256
BANNER_ERRORS_SHOWN = 5

# Characters that must not appear literally inside <script>: "<" alone stops "</script" and "<!--";
# U+2028/2029 are escaped for old JavaScript parsers.
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")
# C0 controls and DEL are invalid in HTML text: show them as their Unicode "control pictures".
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class HtmlReporter(Reporter):
    name = "html"
    default_filename = "report.html"
    marker = re.compile(rb"<!-- wedata-audit report\.")

    def render(self, result: AuditResult) -> str:
        env = _environment()
        script = _asset(env, "report.js")
        style = _asset(env, "report.css")
        html = env.get_template("report.html.j2").render(
            view=build_view(result),
            data_json=Markup(script_json(build_payload(result))),
            script=Markup(script),
            style=Markup(style),
            script_hash=csp_hash(script),
            style_hash=csp_hash(style),
        )
        return printable(html)


def printable(text: str) -> str:
    """Replace what HTML text cannot hold: lone surrogates (UTF-8 cannot encode them) and controls.

    The embedded JSON is unaffected: there these characters are already ``\\uXXXX`` escapes.
    """
    text = scrub_surrogates(text)
    return _CONTROL.sub(lambda m: chr(0x2421 if m.group() == "\x7f" else 0x2400 + ord(m.group())), text)


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


def script_json(value: Any) -> str:
    """Compact JSON that is safe inside ``<script type="application/json">``.

    A lone surrogate, which UTF-8 cannot encode, becomes U+FFFD (as in the JSON report).
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = scrub_surrogates(text)
    return _SCRIPT_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class StringPool:
    """Replaces strings that repeat with an index into a shared table, when that is shorter.

    A value in a text column of the payload is then a string (used as is), an integer
    (an index into ``strings``) or null.
    """

    def __init__(self, values: Iterable[str]) -> None:
        counts = Counter(v for v in values if v)
        self.strings: list[str] = []
        self._index: dict[str, int] = {}
        for text, count in counts.most_common():
            if count < 2:
                break
            index = len(self.strings)
            literal = len(json.dumps(text, ensure_ascii=False))
            if count * (literal - len(str(index))) > literal + 1:
                self._index[text] = index
                self.strings.append(text)

    def ref(self, text: str | None) -> str | int | None:
        if text is None:
            return None
        return self._index.get(text, text)


def _trim(row: list[Any]) -> list[Any]:
    """Drop trailing nulls; the page reads a missing cell as null."""
    while row and row[-1] is None:
        row.pop()
    return row


@dataclass(frozen=True, slots=True)
class _RuleTable:
    rules: list[RuleInfo]
    index: dict[str, int]


def _rule_table(result: AuditResult) -> _RuleTable:
    """The ruleset, plus any rule that appears only in findings (e.g. from an older baseline)."""
    rules = list(result.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    for f in result.findings():
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(RuleInfo(id=f.rule_id, title=f.title, severity=f.severity))
    return _RuleTable(rules, index)


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


def _outcome_counts(outcomes: Iterable[tuple[str, str]]) -> tuple[int, int]:
    counts = Counter(o for _, o in outcomes)
    return counts[RULE_PASS], counts[RULE_SKIP]


def _finding_status(f: Finding) -> int:
    return FINDING_STATUSES.index(f.status) if f.status in FINDING_STATUSES else 0


def _pooled_strings(result: AuditResult, rules: list[RuleInfo]) -> Iterator[str]:
    for r in rules:
        yield from (r.title, r.category, r.remediation)
    for t in result.tasks:
        s = t.subject
        yield from (getattr(s, name) for name in TASK_FIELDS)
        if t.error:
            yield t.error
        yield from (v for v in _evidence(t.meta) if v)
        for f in t.findings:
            yield from (x for x in (f.message, f.key, f.actual, f.expected, f.note) if x)


def build_payload(result: AuditResult) -> dict[str, Any]:
    """The data the page renders, as tables of rows.

    ``rules.rows``:    [id, severity, title, category, remediation]
    ``tasks.rows``:    [*TASK_FIELDS, status, error, rules passed, rules skipped, [*EVIDENCE_KEYS]]
    ``findings.rows``: [task, rule, severity, status, message, key, actual, expected, note]
    Severity, status, task and rule are indexes; text cells are a string, an index into
    ``strings`` or null; trailing empty cells are omitted.
    """
    table = _rule_table(result)
    pool = StringPool(_pooled_strings(result, table.rules))
    rules = [
        _trim([r.id, r.severity.rank, pool.ref(r.title), pool.ref(r.category), pool.ref(r.remediation)])
        for r in table.rules
    ]
    tasks: list[list[Any]] = []
    findings: list[list[Any]] = []
    for ti, t in enumerate(result.tasks):
        passed, skipped = _outcome_counts(t.outcomes)
        evidence = _trim([pool.ref(x) for x in _evidence(t.meta)])
        identity = [pool.ref(getattr(t.subject, name)) for name in TASK_FIELDS]
        status = TASK_STATUSES.index(t.status)
        tasks.append(_trim([*identity, status, pool.ref(t.error), passed, skipped, evidence or None]))
        findings += [_finding_row(ti, table.index[f.rule_id], f, pool) for f in t.findings]
    return {
        "version": PAYLOAD_VERSION,
        "severities": list(SEVERITIES),
        "statuses": list(FINDING_STATUSES),
        "taskStatuses": list(TASK_STATUSES),
        "taskFields": list(TASK_FIELDS),
        "evidenceKeys": list(EVIDENCE_KEYS),
        "failOn": result.fail_on.rank,
        "strings": pool.strings,
        "rules": rules,
        "tasks": tasks,
        "findings": findings,
    }


def _finding_row(task: int, rule: int, f: Finding, pool: StringPool) -> list[Any]:
    row = [task, rule, f.severity.rank, _finding_status(f), pool.ref(f.message), pool.ref(f.key)]
    return _trim([*row, pool.ref(f.actual), pool.ref(f.expected), pool.ref(f.note)])


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
    bar: int  # share of audited tasks failing, rounded to 5 %


@dataclass(frozen=True, slots=True)
class SeverityTile:
    name: str
    open: int
    gating: bool


def _rule_rows(result: AuditResult) -> list[RuleRow]:
    failing: dict[str, set[int]] = defaultdict(set)
    other: Counter[tuple[str, str]] = Counter()
    skipped: Counter[str] = Counter()
    for ti, t in enumerate(result.tasks):
        for f in t.findings:
            if f.status == "open":
                failing[f.rule_id].add(ti)
            else:
                other[(f.rule_id, f.status)] += 1
        skipped.update(rid for rid, outcome in t.outcomes if outcome == RULE_SKIP)
    audited = sum(1 for t in result.tasks if t.error is None) or 1
    rows = [
        RuleRow(
            id=r.id,
            severity=r.severity.value,
            title=r.title,
            category=r.category,
            failing_tasks=len(failing[r.id]),
            waived=other[(r.id, "waived")],
            existing=other[(r.id, "existing")],
            skipped=skipped[r.id],
            bar=min(100, round(len(failing[r.id]) * 20 / audited) * 5),
        )
        for r in _rule_table(result).rules
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


def build_view(result: AuditResult) -> dict[str, Any]:
    """What the template shows on the server side (everything but the per-row data)."""
    summary = result.summary()
    errored = [t for t in result.tasks if t.error is not None]
    floor = result.fail_on.rank
    by_sev = summary["by_severity"]
    return {
        "verdict": result.verdict,
        "summary": summary,
        "complete": result.is_complete,
        "reasons": list(result.incomplete_reasons),
        "errored_sample": [(t.subject.label, t.error) for t in errored[:BANNER_ERRORS_SHOWN]],
        "errored_more": max(0, len(errored) - BANNER_ERRORS_SHOWN),
        "tiles": [SeverityTile(s.value, by_sev[s.value], s.rank >= floor) for s in reversed(Severity)],
        "rules": _rule_rows(result),
        "fail_on": result.fail_on.value,
        "tool_version": result.tool_version,
        "started": result.started,
        "finished": result.finished,
        "duration": _duration(result.started, result.finished),
        "ruleset_digest": result.ruleset_digest,
        "inputs": list(result.inputs),
        "meta": [(_label(str(k)), str(v)) for k, v in result.meta.items() if k not in ("waivers", "baseline")],
        "waivers": result.meta.get("waivers"),
        "baseline": result.meta.get("baseline"),
    }

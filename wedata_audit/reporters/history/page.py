"""``history.html`` and ``history.csv`` from the series of :mod:`wedata_audit.reporters.history.reports`."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import functools
import hashlib
import io
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from wedata_audit import __version__
from wedata_audit.reporters.escaping import csv_cell, html_printable
from wedata_audit.reporters.history.charts import Line, bar_chart, line_chart
from wedata_audit.reporters.history.reports import SEVERITIES, History, RunPoint

GENERATOR = "wedata-audit history"
CSV_COLUMNS = ("series", "projects", "ruleset_digest", "report", "started", "finished", "complete", "tasks",
               "passed", "failed", "errored", "pass_rate", "open", *SEVERITIES, "new", "fixed", "not_evaluated",
               "open_by_rule")
COLORS = {"critical": "#7b1fa2", "high": "#c62828", "medium": "#ef6c00", "low": "#1565c0", "info": "#607d8b"}
RULE_COLORS = ("#1b5e20", "#0d47a1", "#b71c1c", "#4a148c", "#e65100", "#006064", "#3e2723", "#33691e")
TOP_RULES = 8


def series_label(point: RunPoint) -> str:
    projects = ", ".join(p or "(no project id)" for p in point.projects) or "(no task)"
    return f"project {projects} · ruleset {point.digest[:12] or '(none)'}"


def _n(value: int | None) -> str:
    return "" if value is None else str(value)


def csv_text(history: History) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for number, runs in enumerate(history.series, 1):
        for p in runs:
            rate = p.pass_rate
            by_rule = ";".join(f"{rule}={n}" for rule, n in sorted(p.open_by_rule.items()))
            row = [str(number), " ".join(p.projects), p.digest, p.path, p.started, p.finished,
                   "true" if p.complete else "false", str(p.tasks), str(p.passed), str(p.failed), str(p.errored),
                   "" if rate is None else f"{rate:.1f}", str(p.open),
                   *(str(p.open_by_severity[s]) for s in SEVERITIES), _n(p.new), _n(p.fixed),
                   _n(p.not_evaluated), by_rule]
            writer.writerow([csv_cell(c) for c in row])
    return out.getvalue()


@dataclass
class SeriesView:
    label: str
    runs: list[RunPoint]
    charts: list[Markup]
    rules: list[tuple[str, list[int]]]
    oldest: list[dict[str, Any]]


def _labels(runs: list[RunPoint]) -> list[str]:
    days = [p.day for p in runs]
    return [p.started[:16].replace("T", " ") if days.count(p.day) > 1 else p.day for p in runs]


def series_view(runs: list[RunPoint]) -> SeriesView:
    labels = _labels(runs)
    charts = [
        line_chart("Open findings by severity", labels,
                   [Line(s, [float(p.open_by_severity[s]) for p in runs], COLORS[s]) for s in SEVERITIES]),
        line_chart("Pass rate (task versions passed / audited)", labels,
                   [Line("pass rate", [p.pass_rate for p in runs], "#2e7d32")], percent=True, y_max=100.0),
        bar_chart("New and fixed findings per run (against the run before)", labels,
                  [Line("new", [None if p.new is None else float(p.new) for p in runs], "#c62828"),
                   Line("fixed", [None if p.fixed is None else float(p.fixed) for p in runs], "#2e7d32")]),
    ]
    totals: dict[str, int] = {}
    for p in runs:
        for rule, n in p.open_by_rule.items():
            totals[rule] = max(totals.get(rule, 0), n)
    top = sorted(totals, key=lambda r: (-totals[r], r))[:TOP_RULES]
    if top:
        charts.append(line_chart(f"Open findings per rule (the {len(top)} largest)", labels,
                                 [Line(r, [float(p.open_by_rule[r]) for p in runs], RULE_COLORS[i % len(RULE_COLORS)])
                                  for i, r in enumerate(top)]))
    rules = [(r, [p.open_by_rule[r] for p in runs]) for r in sorted(totals, key=lambda r: (-totals[r], r))]
    last = runs[-1]
    today = dt.date.fromisoformat(last.day)
    oldest = [{"first_seen": o.first_seen, "age": (today - dt.date.fromisoformat(o.first_seen)).days,
               "severity": o.severity, "rule": o.rule_id, "task": o.task, "message": o.message}
              for o in last.oldest]
    return SeriesView(series_label(last), runs, charts, rules, oldest)


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("wedata_audit.reporters.history", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["printable"] = html_printable
    return env


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def html_text(history: History, generated: str) -> str:
    env = _environment()
    assert env.loader is not None
    style, _, _ = env.loader.get_source(env, "history.css")
    views = [series_view(runs) for runs in history.series]
    return env.get_template("history.html.j2").render(
        style=Markup(style), style_hash=_hash(style), views=views, problems=history.problems,
        severities=SEVERITIES, generator=GENERATOR, version=__version__, generated=generated,
        n_runs=sum(len(r) for r in history.series))

"""Charts and framework coverage for the HTML report: bounded tallies fed while the run streams, and the
geometry of the inline SVG the template draws (no script, no library: the charts read without JavaScript,
print, and keep the page's Content-Security-Policy, which forbids inline ``style`` attributes, so every length
is an SVG attribute and every colour a class).

* :class:`TopCounter` counts open findings per workflow or owner in bounded memory: it keeps at most
  ``2 x keep`` keys, and when full drops all but the ``keep`` largest. The largest count ever dropped bounds
  how much a shown count can be short (``error``); the chart says so when it is not 0.
* :func:`bar_chart` lays out a horizontal bar chart: exact counts as text, bars scaled to the largest value,
  and a non-zero value never thinner than :data:`MIN_BAR_PX` (43 failing tasks never look like 0).
* :func:`coverage_view` turns the run's :class:`~wedata_audit.stages.coverage.FrameworkCoverage` into what the
  "Framework coverage" section shows: a stacked bar of pass / fail / waived / not assessed, then requirements.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from wedata_audit.model.finding import Severity
from wedata_audit.model.results import Run, TaskResult

TOP_N = 10  # bars in the workflow, owner and rule charts
TOP_KEEP = 200  # keys a TopCounter keeps after pruning (it holds at most twice as many)
LABEL_CHARS = 24  # a bar's label is shortened to this; the full text is in the bar's tooltip and the desc
MIN_BAR_PX = 3  # the narrowest bar drawn for a non-zero value
ROW_PX = 24  # height of one bar's row
RULE_BAR_PX = 72  # width of the small bar in the rules table

# Where the parts of a bar chart sit, as percentages of the chart's width (the SVG scales with the page); a label
# is clipped where its column ends, so on a narrow page it never runs into its bar.
BAR_START = 40
BAR_END = 86


class TopCounter:
    """Counts per key in bounded memory; exact while fewer than ``2 x keep`` keys have been seen."""

    def __init__(self, keep: int = TOP_KEEP) -> None:
        self.keep = keep
        self.counts: Counter[str] = Counter()
        self.labels: dict[str, str] = {}
        self.error = 0  # a shown count may be short by at most this much (0: every count is exact)

    def add(self, key: str, label: str, n: int) -> None:
        if n <= 0 or not key:
            return
        self.counts[key] += n
        self.labels.setdefault(key, label)
        if len(self.counts) > 2 * self.keep:
            kept = self.counts.most_common(self.keep)
            dropped = min(count for _, count in kept)  # every dropped key had at most this
            self.error = max(self.error, dropped)
            self.counts = Counter(dict(kept))
            self.labels = {k: self.labels[k] for k in self.counts}

    def top(self, n: int = TOP_N) -> list[tuple[str, int]]:
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], self.labels[kv[0]]))
        return [(self.labels[k], c) for k, c in ranked[:n]]


class ChartTallies:
    """What the charts need beyond the run's totals, fed one task at a time (after the filters)."""

    def __init__(self) -> None:
        self.workflows = TopCounter()
        self.owners = TopCounter()

    def add(self, task: TaskResult) -> None:
        n = sum(1 for f in task.findings if f.is_open)
        if not n:
            return
        s = task.subject
        if s.workflow_id or s.workflow_name:
            name = s.workflow_name or s.workflow_id or ""
            label = f"{s.workflow_name} ({s.workflow_id})" if s.workflow_name and s.workflow_id else name
            self.workflows.add(s.workflow_id or name, label, n)
        if s.owner_uin:
            self.owners.add(s.owner_uin, s.owner_uin, n)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # shortened for the chart
    full: str  # the whole label (tooltip, text alternative)
    value: int
    width: float  # percent of the chart's width
    cls: str  # colour class ("zero" when the value is 0: neutral)
    y: int


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    desc: str  # the text alternative: every value in words
    bars: tuple[Bar, ...]
    height: int
    note: str = ""
    empty: str = ""  # shown instead of bars when there is none

    @property
    def bar_start(self) -> int:
        return BAR_START

    @property
    def track_width(self) -> int:
        return BAR_END - BAR_START


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(chart_id: str, title: str, items: list[tuple[str, int, str]], *, unit: str, note: str = "",
              empty: str = "") -> Chart:
    """``items`` are (label, value, colour class); bars are scaled to the largest value."""
    top = max((v for _, v, _ in items), default=0)
    span = BAR_END - BAR_START
    bars = []
    for i, (label, value, cls) in enumerate(items):
        width = span * value / top if top and value else 0.0
        bars.append(Bar(label=shorten(label), full=label, value=value, width=round(width, 2),
                        cls=cls if value else "zero", y=i * ROW_PX))
    words = "; ".join(f"{label}: {value:,} {unit}" for label, value, _ in items)
    desc = f"{title}. {words}." if items else f"{title}. {empty}"
    return Chart(id=chart_id, title=title, desc=desc + (f" {note}" if note else ""), bars=tuple(bars),
                 height=max(1, len(items)) * ROW_PX, note=note, empty=empty if not items else "")


def severity_chart(run: Run) -> Chart:
    by_sev = run.totals.open_by_severity
    items = [(s.value.capitalize(), by_sev[s.value], f"sev-{s.value}") for s in reversed(Severity)]
    return bar_chart("chart-severity", "Open findings by severity", items, unit="open")


def rule_chart(run: Run) -> Chart:
    failing = run.totals.failing_tasks_by_rule
    ranked = sorted(((rid, n) for rid, n in failing.items() if n), key=lambda kv: (-kv[1], kv[0]))
    audited = run.totals.tasks - run.totals.errored
    clean = sum(1 for r in run.all_rules() if not failing[r.id])
    notes = []
    if len(ranked) > TOP_N:
        notes.append(f"{len(ranked) - TOP_N} more failing rule(s) in the Rules table.")
    if clean:
        notes.append(f"{clean} rule(s) fail no task version.")
    items = [(rid, n, "fail") for rid, n in ranked[:TOP_N]]
    return bar_chart("chart-rules", f"Failing task versions per rule (of {audited:,} audited)", items,
                     unit="failing", note=" ".join(notes), empty="No rule fails any task version.")


def top_chart(chart_id: str, title: str, counter: TopCounter, what: str) -> Chart:
    note = (f"Counted in bounded memory: a count may be short by up to {counter.error:,}."
            if counter.error else "")
    items = [(label, n, "open") for label, n in counter.top()]
    return bar_chart(chart_id, title, items, unit="open", note=note,
                     empty=f"No open finding on a task version with {what}.")


def charts(run: Run, tallies: ChartTallies) -> list[Chart]:
    return [
        severity_chart(run),
        rule_chart(run),
        top_chart("chart-workflows", "Top workflows by open findings", tallies.workflows, "a workflow"),
        top_chart("chart-owners", "Top owners by open findings", tallies.owners, "an owner"),
    ]


def rule_bar_px(failing: int, audited: int) -> int:
    """The rules table's bar: share of audited task versions, never invisible when non-zero."""
    if not failing or audited <= 0:
        return 0
    return max(MIN_BAR_PX, min(RULE_BAR_PX, round(RULE_BAR_PX * failing / audited)))


def share_text(failing: int, audited: int) -> str:
    """``"43 of 2,000 audited task versions (2.2%)"``."""
    percent = f" ({100 * failing / audited:.1f}%)" if audited else ""
    return f"{failing:,} of {audited:,} audited task versions{percent}"


def pass_rate(run: Run) -> dict[str, Any]:
    """Task versions passed / audited (errored ones were not audited)."""
    audited = run.totals.tasks - run.totals.errored
    passed = run.summary()["passed"]
    percent = f"{100 * passed / audited:.1f}%" if audited else "n/a"
    return {"passed": passed, "audited": audited, "percent": percent}


# --------------------------------------------------------------------------- framework coverage

STATUS_LABELS = {"pass": "Pass", "fail": "Fail", "waived": "Waived", "not-assessed": "Not assessed"}
STATUS_ORDER = ("fail", "waived", "pass", "not-assessed")


def coverage_view(run: Run) -> list[dict[str, Any]]:
    out = []
    for fw in run.coverage:
        summary = fw.summary()
        total = summary["requirements"] or 1
        counts = {"pass": summary["passing"], "fail": summary["failing"], "waived": summary["waived"],
                  "not-assessed": summary["not_assessed"]}
        segments, x = [], 0.0
        for status in ("pass", "fail", "waived", "not-assessed"):
            width = 100 * counts[status] / total
            if width:
                segments.append({"status": status, "x": round(x, 3), "width": round(width, 3),
                                 "count": counts[status], "label": STATUS_LABELS[status]})
            x += width
        reqs = sorted(fw.requirements, key=lambda r: STATUS_ORDER.index(r.status))
        assessed = [r for r in reqs if r.status != "not-assessed"]
        out.append({
            "id": fw.id, "name": fw.name, "summary": summary, "counts": counts, "segments": segments,
            "assessed": assessed, "not_assessed": [r for r in reqs if r.status == "not-assessed"],
            "labels": STATUS_LABELS,
            "desc": (f"{fw.name}: {summary['requirements']} requirements, {counts['pass']} pass, {counts['fail']} "
                     f"fail, {counts['waived']} waived, {counts['not-assessed']} not assessed."),
        })
    return out

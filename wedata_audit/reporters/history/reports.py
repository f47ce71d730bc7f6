"""Reading earlier JSON reports into points of a time series, one report at a time.

Pass 1 (:func:`read_point`) reduces each report to counts (tasks, pass rate, open findings by severity and
by rule) and its 20 oldest open findings; the reports are then ordered by start time and split into
series by project and ruleset (reports of other projects or rulesets are never drawn as one line).
Pass 2 (:func:`changes`) reads each series again in order to count new and fixed findings between
consecutive runs, holding only two runs' open fingerprints at a time: memory does not grow with the
number of reports. "Fixed" follows the rule of baselines and ``diff``: a finding of the earlier run that the
later run does not have counts as fixed only when the later run evaluated its rule on that task; otherwise
it is "not evaluated".

A file that is not a readable wedata-audit JSON report is named in :attr:`History.problems` and skipped.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wedata_audit.model.finding import Severity
from wedata_audit.stages.filters.comparison import rechecked, task_key, text_of
from wedata_audit.stages.filters.firstseen import parse_date

SEVERITIES = tuple(s.value for s in reversed(Severity))  # critical first
OLDEST = 20


class BrokenReport(Exception):
    """A file that is not a readable wedata-audit JSON report (the message says why)."""


@dataclass(frozen=True, slots=True)
class OldFinding:
    first_seen: str
    severity: str
    rule_id: str
    task: str
    message: str


@dataclass
class RunPoint:
    path: str
    started: str
    finished: str
    complete: bool
    projects: tuple[str, ...]
    digest: str
    tasks: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0
    open_by_severity: Counter[str] = field(default_factory=Counter)
    open_by_rule: Counter[str] = field(default_factory=Counter)
    oldest: list[OldFinding] = field(default_factory=list)
    new: int | None = None  # None: the first run of its series
    fixed: int | None = None
    not_evaluated: int | None = None

    @property
    def open(self) -> int:
        return sum(self.open_by_severity.values())

    @property
    def pass_rate(self) -> float | None:
        """Task versions passed / audited (errored ones were not audited), in percent."""
        audited = self.passed + self.failed
        return 100.0 * self.passed / audited if audited else None

    @property
    def series(self) -> tuple[tuple[str, ...], str]:
        return (self.projects, self.digest)

    @property
    def day(self) -> str:
        return self.started[:10]


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BrokenReport(f"cannot read it as JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tasks"), list) or "format_version" not in doc:
        raise BrokenReport("not a wedata-audit JSON report (no format_version and tasks)")
    run = doc.get("run")
    if not isinstance(run, dict) or parse_date(run.get("started")) is None:
        raise BrokenReport("its run has no start time")
    return doc


def _findings(task: dict[str, Any]) -> Iterator[dict[str, Any]]:
    findings = task.get("findings")
    for f in findings if isinstance(findings, list) else ():
        if isinstance(f, dict):
            yield f


def read_point(path: Path) -> RunPoint:
    doc = _load(path)
    run = doc["run"]
    ruleset: dict[str, Any] = doc["ruleset"] if isinstance(doc.get("ruleset"), dict) else {}
    projects: set[str] = set()
    point = RunPoint(path=str(path), started=text_of(run.get("started")), finished=text_of(run.get("finished")),
                     complete=run.get("complete") is True, projects=(), digest=text_of(ruleset.get("digest")))
    # the OLDEST kept: the heap's root is the newest date kept (dates negated), the latest among equals
    oldest: list[tuple[tuple[int, ...], int, OldFinding]] = []
    n = 0
    for task in doc["tasks"]:
        if not isinstance(task, dict):
            continue
        point.tasks += 1
        projects.add(text_of(task.get("project_id")))
        status = task.get("status")
        point.errored += status == "errored"
        label = text_of(task.get("task_name")) or text_of(task.get("task_id")) or text_of(task.get("source"))
        has_open = False
        for f in _findings(task):
            if f.get("status") != "open":
                continue
            has_open = True
            severity = text_of(f.get("severity"))
            point.open_by_severity[severity if severity in SEVERITIES else "info"] += 1
            point.open_by_rule[text_of(f.get("rule_id"))] += 1
            day = parse_date(f.get("first_seen")) or point.day
            item = OldFinding(day, severity, text_of(f.get("rule_id")), label, text_of(f.get("message")))
            key = tuple(-ord(c) for c in day)  # newest date = smallest key: popped first
            n += 1
            entry = (key, -n, item)
            if len(oldest) < OLDEST:
                heapq.heappush(oldest, entry)
            elif entry[:2] > oldest[0][:2]:
                heapq.heapreplace(oldest, entry)
        if status != "errored":
            point.failed += has_open
            point.passed += not has_open
    point.projects = tuple(sorted(projects))
    point.oldest = sorted((e[2] for e in oldest), key=lambda o: o.first_seen)
    return point


Opened = dict[str, tuple[tuple[str, str], str]]


def _open_state(path: Path) -> tuple[Opened, dict[tuple[str, str], dict[str, str]]]:
    """Open fingerprint -> (task key, rule) and task key -> outcomes (non-errored tasks)."""
    doc = _load(path)
    opened: dict[str, tuple[tuple[str, str], str]] = {}
    outcomes: dict[tuple[str, str], dict[str, str]] = {}
    for task in doc["tasks"]:
        if not isinstance(task, dict):
            continue
        key = task_key(text_of(task.get("project_id")), text_of(task.get("task_id")), text_of(task.get("source")))
        if task.get("status") != "errored" and isinstance(task.get("outcomes"), dict):
            outcomes[key] = {k: v for k, v in task["outcomes"].items() if isinstance(v, str)}
        for f in _findings(task):
            if f.get("status") == "open" and isinstance(f.get("fingerprint"), str):
                opened[f["fingerprint"]] = (key, text_of(f.get("rule_id")))
    return opened, outcomes


@dataclass
class History:
    series: list[list[RunPoint]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def report_files(inputs: Iterable[str]) -> list[Path]:
    """Files as given; a folder gives its ``*.json`` files (recursively)."""
    out: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            out.append(path)
    return out


def collect(files: Iterable[Path]) -> History:
    history = History()
    points: list[RunPoint] = []
    for path in files:
        try:
            points.append(read_point(path))
        except BrokenReport as exc:
            history.problems.append(f"{path}: skipped: {exc}")
    points.sort(key=lambda p: (p.started, p.path))
    by_series: dict[tuple[tuple[str, ...], str], list[RunPoint]] = {}
    for p in points:
        by_series.setdefault(p.series, []).append(p)
    history.series = list(by_series.values())
    for runs in history.series:
        changes(runs, history.problems)
    return history


def changes(runs: list[RunPoint], problems: list[str]) -> None:
    """New, fixed and not-evaluated counts between consecutive runs of one series (two runs in memory)."""
    before: dict[str, tuple[tuple[str, str], str]] | None = None
    for point in runs:
        try:
            opened, outcomes = _open_state(Path(point.path))
        except BrokenReport as exc:  # changed since the first pass
            problems.append(f"{point.path}: no new/fixed counts: {exc}")
            before = None
            continue
        if before is not None:
            point.new = sum(1 for fp in opened if fp not in before)
            gone = [item for fp, item in before.items() if fp not in opened]
            point.fixed = sum(1 for key, rule in gone if rechecked(outcomes.get(key, {}), rule))
            point.not_evaluated = len(gone) - point.fixed
        before = opened

"""``wedata-audit diff OLD.json NEW.json``: which findings are new, fixed and still open between two runs.

* Both files must be wedata-audit JSON reports (``schemas/report.schema.json``); anything else is a
  configuration error naming the file and where it is wrong (exit 2).
* A finding is identified by its fingerprint (project, task, rule, key) and the task version it is on, so
  two versions of one task in a run stay two findings. A finding on a version the other run does not
  have still matches the same fingerprint on another version of that task (a version saved since): a
  problem that survives a new version is still open, not fixed and new again.
* A finding of the old run that the new run does not have is ``fixed`` only when the new run evaluated its
  rule on that task (passed or failed elsewhere); when the new run did not audit the task, did not run the
  rule or skipped it there, the finding is ``not evaluated`` and listed apart, never as fixed. Different
  rulesets, task sets and tasks without a project id are stated before the lists.
* When either run is incomplete, findings of the task versions it did not audit would read as fixed (or
  new): the output says so first and the exit code is 3, whatever else changed.
* Otherwise the exit code is 1 when there are new findings, 0 when not.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from wedata_audit.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, ConfigError
from wedata_audit.reporters.base import scrub_surrogates
from wedata_audit.sources.files import parse_json
from wedata_audit.stages.filters.comparison import RunFacts, difference_notes, rechecked, task_key
from wedata_audit.terminal import Terminal, safe
from wedata_audit.util.docschema import describe, first_error, location

REPORT_SCHEMA = "report.schema.json"
GROUPS = ("new", "fixed", "not evaluated", "still open")
Outcomes = dict[tuple[str, str], list[tuple[str, dict[str, str]]]]  # task -> (version id, rule outcomes)


@dataclass(frozen=True)
class Report:
    """What ``diff`` needs of one JSON report."""

    path: str
    findings: list[dict[str, Any]]
    # Why the run is incomplete; None when it is complete.
    incomplete: str | None
    outcomes: Outcomes
    facts: RunFacts


def load_report(path: str) -> Report:
    """Read and validate a JSON report; a :class:`ConfigError` naming ``path`` when it is not one."""
    try:
        doc = parse_json(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the report: {exc.strerror or exc}", source=path) from None
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ConfigError(f"not a wedata-audit JSON report: invalid JSON: {exc}", source=path) from None
    try:
        err = first_error(REPORT_SCHEMA, doc)
    except RecursionError:
        raise ConfigError("not a wedata-audit JSON report: nested too deeply", source=path) from None
    if err is not None:
        raise ConfigError(f"not a wedata-audit JSON report: {location(err.absolute_path)}: {describe(err)}",
                          source=path)
    findings = []
    outcomes: Outcomes = defaultdict(list)
    facts = RunFacts(digest=doc["ruleset"]["digest"], rule_ids=frozenset(r["id"] for r in doc["ruleset"]["rules"]))
    for task in doc["tasks"]:
        label = task["task_name"] or task["task_id"] or task["source"]
        key = task_key(task["project_id"], task["task_id"], task["source"])
        facts.add_task(key)
        if task["status"] != "errored":
            outcomes[key].append((task["version_id"], task["outcomes"]))
        for f in task["findings"]:
            findings.append({**f, "task": label, "version_num": task["version_num"],
                             "version_id": task["version_id"], "project_id": task["project_id"],
                             "task_id": task["task_id"] or task["source"]})
    run = doc["run"]
    errored = sum(1 for t in doc["tasks"] if t["status"] == "errored")
    incomplete = None
    if not run["complete"]:
        incomplete = run["incomplete_reason"] or "the run did not finish"
    elif errored:
        incomplete = f"{errored} task version(s) could not be audited"
    return Report(path=path, findings=findings, incomplete=incomplete, outcomes=outcomes, facts=facts)


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]],
            after_outcomes: Outcomes) -> dict[str, list[dict[str, Any]]]:
    """Group findings into new, fixed, not evaluated and still open (see the module docstring)."""
    waiting: dict[tuple[str, str], deque[int]] = defaultdict(deque)
    for i, f in enumerate(before):
        waiting[(f["fingerprint"], f["version_id"])].append(i)
    matched: set[int] = set()
    still: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    for f in after:  # the same finding on the same version
        queue = waiting.get((f["fingerprint"], f["version_id"]))
        if queue:
            matched.add(queue.popleft())
            still.append(f)
        else:
            unmatched.append(f)
    by_fingerprint: dict[str, deque[int]] = defaultdict(deque)
    for i, f in enumerate(before):
        if i not in matched:
            by_fingerprint[f["fingerprint"]].append(i)
    new: list[dict[str, Any]] = []
    for f in unmatched:  # the same finding on another version of the task
        queue = by_fingerprint.get(f["fingerprint"])
        if queue:
            matched.add(queue.popleft())
            still.append(f)
        else:
            new.append(f)
    gone = [f for i, f in enumerate(before) if i not in matched]
    fixed = [f for f in gone if _rechecked(f, after_outcomes)]
    not_evaluated = [f for f in gone if not _rechecked(f, after_outcomes)]
    groups = {"new": new, "fixed": fixed, "not evaluated": not_evaluated, "still open": still}
    for items in groups.values():
        items.sort(key=lambda f: (f["task"], f["version_num"], f["version_id"], f["rule_id"], f["key"]))
    return groups


def _rechecked(finding: dict[str, Any], outcomes: Outcomes) -> bool:
    """Whether the other run evaluated the finding's rule on its task (its version when it has it)."""
    versions = outcomes.get(task_key(finding["project_id"], finding["task_id"]), [])
    same = [o for v, o in versions if v == finding["version_id"]]
    return any(rechecked(o, finding["rule_id"]) for o in (same or [o for _, o in versions]))


def _incomplete_lines(reports: dict[str, Report]) -> list[str]:
    lines = []
    for name, report in reports.items():
        if report.incomplete is not None:
            lines.append(f"INCOMPLETE: the {name} run ({report.path}) is incomplete: {report.incomplete}")
    if lines:
        lines.append("  findings of task versions a run did not audit show as fixed or new: "
                     "this comparison is not reliable (exit 3)")
    return lines


def diff_reports(old: str, new: str, fmt: str, term: Terminal) -> int:
    reports = {"old": load_report(old), "new": load_report(new)}
    groups = compare(reports["old"].findings, reports["new"].findings, reports["new"].outcomes)
    warning = _incomplete_lines(reports)
    notes = difference_notes(reports["old"].facts, reports["new"].facts, before_name="the old run",
                             after_name="the new run")
    if fmt == "json":
        doc: dict[str, Any] = {k.replace(" ", "_"): v for k, v in groups.items()}
        doc["incomplete"] = {name: r.incomplete for name, r in reports.items() if r.incomplete is not None}
        doc["notes"] = notes
        term.echo(scrub_surrogates(json.dumps(doc, indent=1, ensure_ascii=False)))
        for line in warning:
            term.echo(click.style(scrub_surrogates(safe(line)), fg="yellow", bold=True), err=True)
    else:
        for line in warning:
            term.echo(click.style(scrub_surrogates(safe(line)), fg="yellow", bold=True))
        for note in notes:
            term.echo(click.style("note: ", fg="yellow") + scrub_surrogates(safe(note)))
        for name in GROUPS:
            items = groups[name]
            term.echo(f"{name}: {len(items)}")
            for f in items:
                line = f"  {f['severity']:8} {f['rule_id']:24} {f['task']} {f['version_num']}: {f['message']}"
                term.echo(scrub_surrogates(safe(line)))
    if warning:
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS if groups["new"] else EXIT_OK

"""Framework coverage: from what each rule did in a run to a status per framework requirement.

Two steps, both pure:

1. :class:`TallyCounter` takes the run's task results one at a time, AFTER waivers and the baseline have set
   each finding's status, and keeps per rule: on how many task versions it ran (outcome pass or fail; a skip
   or an error is not a run), its open, existing (baseline) and waived findings, how many task versions it
   failed, and the first :data:`MAX_FAILING_TASKS` distinct failing task ids. Memory grows with the number of
   rules, never with the number of tasks.
2. :func:`compute_coverage` turns those tallies and the catalogues into one :class:`FrameworkCoverage` each.

A requirement

- **fails** when any of its rules has an open finding (a finding the baseline marks ``existing`` counts too:
  the baseline silences the gate, it does not meet the requirement);
- is **waived** when its rules' only findings are waived;
- **passes** when at least one of its rules ran and none found anything;
- is **not assessed** when it is manual or none of its rules ran (rules skipped on every task, deselected,
  or not in the rule set at all, such as a rule a catalogue maps before the pack has it).

``not_run`` lists the rules of a requirement that did not run, so a pass resting on part of its rules shows.
``percent_automated_passing`` is ``100 x passing / automated`` (one decimal), ``None`` with no automated
requirement. The JSON shape (:meth:`FrameworkCoverage.as_dict`) is ``schemas/coverage.schema.json``.
Passing rules is evidence, not certification (:data:`DISCLAIMER`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wedata_audit.model.results import RULE_FAIL, RULE_PASS, RuleInfo, TaskResult
from wedata_audit.policy.frameworks import Catalogue, Requirement, with_rule_controls

MAX_FAILING_TASKS = 20
PASS, FAIL, WAIVED, NOT_ASSESSED = "pass", "fail", "waived", "not-assessed"
STATUSES = (PASS, FAIL, WAIVED, NOT_ASSESSED)
DISCLAIMER = "Passing rules is evidence, not certification."


@dataclass(slots=True)
class RuleTally:
    """What one rule did over a run."""

    rule_id: str
    evaluated: int = 0  # task versions the rule ran on (outcome pass or fail)
    open: int = 0
    existing: int = 0
    waived: int = 0
    failing: int = 0  # task versions with at least one open or existing finding of the rule
    failing_tasks: list[str] = field(default_factory=list)  # first distinct task ids, at most the limit
    truncated: bool = False  # a failing task id did not fit in failing_tasks

    @property
    def ran(self) -> bool:
        return self.evaluated > 0 or self.open + self.existing + self.waived > 0


def task_key(task: TaskResult) -> str:
    """How coverage names a task: its id, else the file it came from."""
    return task.subject.task_id or task.subject.source


class TallyCounter:
    """Per-rule tallies, fed one :class:`TaskResult` at a time (streaming; memory flat in tasks)."""

    def __init__(self, limit: int = MAX_FAILING_TASKS) -> None:
        self.limit = limit
        self._tallies: dict[str, RuleTally] = {}

    def _tally(self, rule_id: str) -> RuleTally:
        tally = self._tallies.get(rule_id)
        if tally is None:
            tally = self._tallies[rule_id] = RuleTally(rule_id)
        return tally

    def add(self, task: TaskResult) -> None:
        for rule_id, outcome in task.outcomes:
            tally = self._tally(rule_id)  # a rule skipped everywhere still has a tally, with evaluated 0
            if outcome in (RULE_PASS, RULE_FAIL):
                tally.evaluated += 1
        failed: set[str] = set()
        for f in task.findings:
            tally = self._tally(f.rule_id)
            if f.status == "waived":
                tally.waived += 1
                continue
            if f.status == "existing":
                tally.existing += 1
            else:  # open, or a status this module does not know: never read as passing
                tally.open += 1
            failed.add(f.rule_id)
        key = task_key(task)
        for rule_id in failed:
            tally = self._tallies[rule_id]
            tally.failing += 1
            if key in tally.failing_tasks:
                continue
            if len(tally.failing_tasks) < self.limit:
                tally.failing_tasks.append(key)
            else:
                tally.truncated = True

    def tallies(self) -> dict[str, RuleTally]:
        return dict(self._tallies)


def tally_tasks(tasks: Iterable[TaskResult], limit: int = MAX_FAILING_TASKS) -> dict[str, RuleTally]:
    counter = TallyCounter(limit)
    for task in tasks:
        counter.add(task)
    return counter.tallies()


@dataclass(frozen=True, slots=True)
class RequirementCoverage:
    id: str
    name: str
    status: str
    rules: tuple[str, ...]
    failing_tasks: tuple[str, ...] = ()
    failing_tasks_truncated: bool = False
    not_run: tuple[str, ...] = ()
    manual: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "status": self.status, "rules": list(self.rules),
                "failing_tasks": list(self.failing_tasks), "failing_tasks_truncated": self.failing_tasks_truncated,
                "not_run": list(self.not_run)}


@dataclass(frozen=True, slots=True)
class FrameworkCoverage:
    id: str
    name: str
    requirements: tuple[RequirementCoverage, ...]

    def count(self, status: str) -> int:
        return sum(1 for r in self.requirements if r.status == status)

    @property
    def automated(self) -> int:
        return sum(1 for r in self.requirements if not r.manual)

    def summary(self) -> dict[str, Any]:
        passing, automated = self.count(PASS), self.automated
        return {"requirements": len(self.requirements), "automated": automated, "passing": passing,
                "failing": self.count(FAIL), "waived": self.count(WAIVED), "not_assessed": self.count(NOT_ASSESSED),
                "percent_automated_passing": round(100 * passing / automated, 1) if automated else None}

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "requirements": [r.as_dict() for r in self.requirements],
                "summary": self.summary()}


def requirement_status(req: Requirement, tallies: Mapping[str, RuleTally],
                       limit: int = MAX_FAILING_TASKS) -> RequirementCoverage:
    ran = [tallies[rid] for rid in req.rules if rid in tallies and tallies[rid].ran]
    not_run = tuple(rid for rid in req.rules if rid not in tallies or not tallies[rid].ran)
    failing = [t for t in ran if t.open + t.existing > 0]
    if req.manual:
        status = NOT_ASSESSED
    elif failing:
        status = FAIL
    elif any(t.waived for t in ran):
        status = WAIVED
    elif ran:
        status = PASS
    else:
        status = NOT_ASSESSED
    merged = list(dict.fromkeys(key for t in failing for key in t.failing_tasks))
    truncated = any(t.truncated for t in failing) or len(merged) > limit
    return RequirementCoverage(id=req.id, name=req.name, status=status, rules=req.rules,
                               failing_tasks=tuple(merged[:limit]), failing_tasks_truncated=truncated,
                               not_run=() if req.manual else not_run, manual=req.manual)


def framework_coverage(catalogue: Catalogue, tallies: Mapping[str, RuleTally], rules: Iterable[RuleInfo] = (),
                       limit: int = MAX_FAILING_TASKS) -> FrameworkCoverage:
    """One framework's coverage; ``rules`` (the run's rule infos) add the requirements their controls name."""
    cat = with_rule_controls(catalogue, rules)
    return FrameworkCoverage(id=cat.id, name=cat.name,
                             requirements=tuple(requirement_status(r, tallies, limit) for r in cat.requirements))


def compute_coverage(catalogues: Sequence[Catalogue], tallies: Mapping[str, RuleTally],
                     rules: Iterable[RuleInfo] = (), limit: int = MAX_FAILING_TASKS) -> list[FrameworkCoverage]:
    """Coverage of every catalogue, in catalogue order (``--framework ID``: pass just that one)."""
    infos = list(rules)
    return [framework_coverage(cat, tallies, infos, limit) for cat in catalogues]

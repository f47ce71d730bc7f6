"""Waivers: accepted exceptions with a reason, an approver and an expiry date.

A waived finding stays visible (status ``waived``, with the reason) but never fails the gate. A waiver
applies up to and including its ``expires`` day; from the day after, it is listed as expired and the
finding counts again. A waiver that matched nothing is listed as unused.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from wedata_audit.errors import ConfigError
from wedata_audit.model.finding import Finding, FindingStatus
from wedata_audit.model.results import TaskResult
from wedata_audit.util.docschema import all_errors, describe, dotted
from wedata_audit.util.yamlfile import load_yaml_file


@dataclass(frozen=True, slots=True)
class Waiver:
    index: int
    rule: str
    reason: str
    approved_by: str
    expires: dt.date
    task_id: str | None = None
    task_name: str | None = None
    workflow_id: str | None = None
    project_id: str | None = None
    created: dt.date | None = None

    def matches(self, f: Finding) -> bool:
        s = f.subject
        return (fnmatch.fnmatchcase(f.rule_id, self.rule)
                and (self.task_id is None or s.task_id == self.task_id)
                and (self.task_name is None or fnmatch.fnmatchcase(s.task_name, self.task_name))
                and (self.workflow_id is None or s.workflow_id == self.workflow_id)
                and (self.project_id is None or s.project_id == self.project_id))

    def describe(self) -> dict[str, Any]:
        target = {k: v for k, v in (("task_id", self.task_id), ("task_name", self.task_name),
                                    ("workflow_id", self.workflow_id), ("project_id", self.project_id)) if v}
        return {"rule": self.rule, **target, "reason": self.reason, "approved_by": self.approved_by,
                "expires": self.expires.isoformat()}


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def load_waivers(path: str, *, today: dt.date, max_days: int | None = None,
                 known_rules: Collection[str] | None = None) -> list[Waiver]:
    """Read and check a waivers file. With ``known_rules`` (every rule of the policy, selected or not), a waiver
    whose ``rule`` matches none of them is an error: it would silently never apply. A rule left out on purpose
    (``--select``, ``--ignore``, disabled) is still known, so its waivers are merely unused."""
    doc = load_yaml_file(path, "waivers file")
    problems = [f"{dotted(e.absolute_path, 'waivers')}: "
                + ("a waiver needs task_id, task_name or workflow_id" if e.validator == "anyOf" else describe(e))
                for e in all_errors("waivers.schema.json", doc)]
    if problems:
        raise ConfigError("; ".join(problems), source=path)
    out: list[Waiver] = []
    for i, item in enumerate(doc["waivers"]):
        try:
            expires = _date(item["expires"])
            created = _date(item["created"]) if "created" in item else None
        except ValueError as exc:
            raise ConfigError(f"waivers[{i}]: invalid date ({exc}); expected a date as YYYY-MM-DD",
                              source=path) from None
        waiver = Waiver(index=i, rule=item["rule"], reason=item["reason"], approved_by=item["approved_by"],
                        expires=expires, task_id=item.get("task_id"), task_name=item.get("task_name"),
                        workflow_id=item.get("workflow_id"), project_id=item.get("project_id"), created=created)
        if known_rules is not None and not any(fnmatch.fnmatchcase(r, waiver.rule) for r in known_rules):
            close = difflib.get_close_matches(waiver.rule, sorted(known_rules), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"waivers[{i}]: rule {waiver.rule!r} names no rule of the policy{hint}", source=path)
        if max_days is not None:
            days = (expires - (created or today)).days
            if days > max_days:
                raise ConfigError(f"waivers[{i}] (rule {waiver.rule}): runs {days} days, longer than "
                                  f"max_waiver_days ({max_days})", source=path)
        out.append(waiver)
    return out


@dataclass
class WaiverReport:
    applied: int = 0
    expired: list[dict[str, Any]] | None = None
    unused: list[dict[str, Any]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "expired": self.expired or [], "unused": self.unused or []}


class WaiverFilter:
    """Marks open findings that an active waiver matches ``waived``, task by task; the waivers that
    expired or matched nothing are reported at the end."""

    meta_key = "waivers"

    def __init__(self, waivers: list[Waiver], *, today: dt.date, source: str | None = None) -> None:
        self.source = source
        self.active = [w for w in waivers if today <= w.expires]
        self.expired = [w for w in waivers if today > w.expires]
        self.used: set[int] = set()
        self.applied = 0

    def apply(self, task: TaskResult) -> TaskResult:
        changed = False
        findings: list[Finding] = []
        for f in task.findings:
            waiver = next((w for w in self.active if w.matches(f)), None) if f.is_open else None
            if waiver is None:
                findings.append(f)
                continue
            self.used.add(waiver.index)
            self.applied += 1
            changed = True
            findings.append(replace(f, status=FindingStatus.WAIVED,
                                    note=f"{waiver.reason} (approved by {waiver.approved_by}, "
                                         f"until {waiver.expires.isoformat()})"))
        return replace(task, findings=tuple(findings)) if changed else task

    def result(self) -> WaiverReport:
        return WaiverReport(applied=self.applied, expired=[w.describe() for w in self.expired],
                            unused=[w.describe() for w in self.active if w.index not in self.used])

    def meta(self) -> dict[str, Any]:
        """The filter's part of the run's meta (``meta["waivers"]``), once the run has ended."""
        return {"source": self.source, **self.result().as_dict()}


def apply_waivers(tasks: list[TaskResult], waivers: list[Waiver], *, today: dt.date) -> tuple[list[TaskResult],
                                                                                               WaiverReport]:
    flt = WaiverFilter(waivers, today=today)
    return [flt.apply(t) for t in tasks], flt.result()

"""Policy unit tests: case files that say which rules a task version must fail or pass.

.. code-block:: yaml

    cases:
      - name: Kerberos off fails
        input: ../examples/latest-version-v4.response.json   # a snapshot file (relative to this file)
        set: {ext.enableKerberosLogin: "false"}               # optional edits of the input
        expect_fail: [kerberos-login]
        expect_pass: [owner]

``input`` is a snapshot path or an inline task version (a TriggerTaskVersionDetail or a full API
response). ``set`` edits the version before it is audited: a dotted path into ``Data``
(``Task.TriggerTaskBaseAttribute.Status``), ``task.FIELD`` for the field of whichever Task section holds
it, or ``ext.KEY`` for an entry of TaskExtConfigurationList; ``unset`` lists paths to remove.
A rule expected to pass may also be out of scope (skipped); ``expect_skip`` demands that. ``context`` gives
the task's context by hand (``workflow``, ``upstream``, ``members``, as the live audit fetches them); rules
reading context a case does not give are skipped.

A case file is validated against ``schemas/cases.schema.json`` first: each case has a ``name``, an
``input`` and at least one rule in ``expect_fail``, ``expect_pass`` or ``expect_skip``, and no other key.
A bad file or case, or a ``set`` path through a value that is not an object, is a configuration error
(exit 2) naming the file, the case and the fault.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wedata_audit.engine import Engine
from wedata_audit.errors import ConfigError
from wedata_audit.model.results import RULE_FAIL, RULE_SKIP, TaskResult
from wedata_audit.sources.api.context import inline_context
from wedata_audit.sources.files import one_snapshot, parse_json
from wedata_audit.util.docschema import describe, first_error, kind
from wedata_audit.util.yamlfile import load_yaml_file
from wedata_audit.view.document import TASK_SECTIONS

_MISSING = object()


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    data: Any
    expect_fail: tuple[str, ...] = ()
    expect_pass: tuple[str, ...] = ()
    expect_skip: tuple[str, ...] = ()
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseResult:
    case: Case
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


CASES_SCHEMA = "cases.schema.json"


def load_cases(path: Path) -> list[Case]:
    """The cases of one file, validated against ``schemas/cases.schema.json``.

    A bad file or case is a :class:`ConfigError` naming the file, the case (number and name) and the fault.
    """
    source = str(path)
    doc = _plain(load_yaml_file(path, "case file"), source)
    _validate(doc, source)
    out = []
    for i, item in enumerate(doc["cases"]):
        where = _case_label(source, i, item)
        data = _input(item["input"], path.parent, where)
        for p, value in (item.get("set") or {}).items():
            _set(data, p, value, where=where)
        for p in item.get("unset") or []:
            _set(data, p, _MISSING, where=where)
        out.append(Case(name=item["name"], source=f"{source} case #{i + 1}", data=data,
                        expect_fail=tuple(item.get("expect_fail") or ()),
                        expect_pass=tuple(item.get("expect_pass") or ()),
                        expect_skip=tuple(item.get("expect_skip") or ()),
                        context=inline_context(item.get("context") or {})))
    return out


def _case_label(source: str, index: int, item: Any) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"{source}, case #{index + 1}" + (f" {name!r}" if isinstance(name, str) else "")


def _plain(doc: Any, source: str) -> Any:
    """The YAML document as JSON values; a date or timestamp (should the YAML loader make one) is its text."""

    def text(value: Any) -> str:
        if isinstance(value, (dt.date, dt.time)):
            return str(value)
        raise TypeError(f"a YAML value of type {type(value).__name__} has no JSON equivalent")

    try:
        return json.loads(json.dumps(doc, default=text))
    except (TypeError, ValueError, RecursionError) as exc:
        raise ConfigError(f"cannot use the case file: {exc}", source=source) from None


def _validate(doc: Any, source: str) -> None:
    err = first_error(CASES_SCHEMA, doc)
    if err is None:
        return
    path = list(err.absolute_path)
    where = source
    if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
        where = _case_label(source, path[1], doc["cases"][path[1]])
        path = path[2:]
    if err.validator == "anyOf" and not path:
        message = "needs at least one rule in expect_fail, expect_pass or expect_skip"
    else:
        message = describe(err)
    field = "/".join(str(p) for p in path)
    raise ConfigError(f"{field}: {message}" if field else message, source=where)


def _input(spec: Any, base: Path, where: str) -> Any:
    if isinstance(spec, str):
        try:
            doc = parse_json((base / spec).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise ConfigError(f"cannot read input {spec!r}: {exc}", source=where) from None
    else:
        doc = copy.deepcopy(spec)
    snap = one_snapshot(doc, where, None)
    if snap.data is None:
        raise ConfigError(f"input is not a task version: {snap.error}", source=where)
    return json.loads(json.dumps(snap.data))


def _set(data: dict[str, Any], path: str, value: Any, *, where: str | None = None) -> None:
    """Set ``path`` in a task version's Data to ``value``, or remove it when ``value`` is ``_MISSING``.

    ``path`` is as in the module docstring. Objects missing on the way are created when setting and left
    alone when removing; a path through a value that is not an object is a :class:`ConfigError` (``where``
    names the case).
    """
    create = value is not _MISSING
    head, _, rest = path.partition(".")
    if head == "ext" and rest:
        _set_ext(data, rest, value, path, where)
        return
    cur: dict[str, Any] | None
    if head == "task" and rest:
        task = _child(data, "Task", create, path, "Task", where)
        if task is None:
            return
        section = next((s for s in TASK_SECTIONS if isinstance(task.get(s), dict) and rest in task[s]),
                       "TriggerTaskSchedulerConfiguration")
        cur, parts = _child(task, section, create, path, f"Task.{section}", where), [rest]
    else:
        cur, parts = data, path.split(".")
        for i, p in enumerate(parts[:-1]):
            cur = _child(cur, p, create, path, ".".join(parts[: i + 1]), where)
            if cur is None:
                return
    if cur is None:
        return
    if create:
        cur[parts[-1]] = value
    else:
        cur.pop(parts[-1], None)


def _child(parent: dict[str, Any], key: str, create: bool, path: str, walked: str,
           where: str | None) -> dict[str, Any] | None:
    """``parent[key]``, which must be an object; a missing one is created (``create``) or ``None``."""
    if key not in parent:
        if not create:
            return None
        parent[key] = {}
    child = parent[key]
    if not isinstance(child, dict):
        raise ConfigError(f"{path}: {walked} is {_a(kind(child))}, not an object", source=where)
    return child


def _a(noun: str) -> str:
    return noun if noun == "null" else ("an " if noun[0] in "aeiou" else "a ") + noun


def _set_ext(data: dict[str, Any], key: str, value: Any, path: str, where: str | None) -> None:
    create = value is not _MISSING
    task = _child(data, "Task", create, path, "Task", where)
    if task is None:
        return
    conf = _child(task, "TriggerTaskConfiguration", create, path, "Task.TriggerTaskConfiguration", where)
    if conf is None:
        return
    items = conf.get("TaskExtConfigurationList") or []
    if not isinstance(items, list):
        raise ConfigError(f"{path}: Task.TriggerTaskConfiguration.TaskExtConfigurationList is "
                          f"{_a(kind(items))}, not an array", source=where)
    items = [i for i in items if not (isinstance(i, dict) and i.get("ParamKey") == key)]
    if create:
        items.append({"ParamKey": key, "ParamValue": value})
    conf["TaskExtConfigurationList"] = items


def run_cases(cases: Iterable[Case], engine: Engine) -> list[CaseResult]:
    """Audit every case through the one pipeline (no report, no summary), then compare with what it says."""
    from wedata_audit.model.finding import Severity
    from wedata_audit.model.snapshot import Snapshot
    from wedata_audit.pipeline import run_audit
    from wedata_audit.settings.plan import AuditPlan
    from wedata_audit.sources import ListSource
    from wedata_audit.terminal import Terminal

    cases = list(cases)
    audited: list[TaskResult] = []
    source = ListSource(Snapshot(source=case.source, data=case.data, context=case.context) for case in cases)
    run_audit(AuditPlan(rules=tuple(engine.rules), fail_on=Severity.HIGH), source, Terminal(quiet=True),
              on_task=audited.append, summary=False)
    said = {"pass": "passed", "fail": "failed", "skip": "was out of scope", None: "did not run"}
    known = {r.id for r in engine.rules}
    results = []
    for case, task in zip(cases, audited, strict=True):
        outcomes = dict(task.outcomes)
        res = CaseResult(case)
        if task.error:
            res.problems.append(f"errored: {task.error}")
        for rid in (*case.expect_fail, *case.expect_pass, *case.expect_skip):
            if rid not in known:
                res.problems.append(f"{rid}: no such rule in effect")
        for rid in case.expect_fail:
            if rid in known and outcomes.get(rid) != RULE_FAIL:
                res.problems.append(f"{rid}: expected to fail, it {said[outcomes.get(rid)]}")
        for rid in case.expect_pass:
            if rid in known and outcomes.get(rid) == RULE_FAIL:
                msgs = "; ".join(f.message for f in task.findings if f.rule_id == rid)
                res.problems.append(f"{rid}: expected to pass, it failed: {msgs}")
        for rid in case.expect_skip:
            if rid in known and outcomes.get(rid) != RULE_SKIP:
                res.problems.append(f"{rid}: expected to be out of scope, it {said[outcomes.get(rid)]}")
        results.append(res)
    return results

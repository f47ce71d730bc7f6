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
A rule expected to pass may also be out of scope (skipped); ``expect_skip`` demands that.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wedata_audit.engine import Engine
from wedata_audit.errors import ConfigError
from wedata_audit.results import RULE_FAIL, RULE_SKIP
from wedata_audit.sources import one_snapshot, parse_json
from wedata_audit.view import TASK_SECTIONS
from wedata_audit.yamlfile import load_yaml_file

_MISSING = object()


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    data: Any
    expect_fail: tuple[str, ...] = ()
    expect_pass: tuple[str, ...] = ()
    expect_skip: tuple[str, ...] = ()


@dataclass
class CaseResult:
    case: Case
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_cases(path: Path) -> list[Case]:
    source = str(path)
    doc = load_yaml_file(path, "case file")
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise ConfigError("a case file needs a 'cases:' list", source=source)
    out = []
    for i, item in enumerate(doc["cases"]):
        where = f"{source} case #{i + 1}"
        if not isinstance(item, dict) or "input" not in item:
            raise ConfigError("each case needs 'name' and 'input'", source=where)
        data = _input(item["input"], path.parent, where)
        for p, value in (item.get("set") or {}).items():
            _set(data, str(p), value)
        for p in item.get("unset") or []:
            _set(data, str(p), _MISSING)
        out.append(Case(name=str(item.get("name", f"case {i + 1}")), source=where, data=data,
                        expect_fail=tuple(item.get("expect_fail") or ()),
                        expect_pass=tuple(item.get("expect_pass") or ()),
                        expect_skip=tuple(item.get("expect_skip") or ())))
    return out


def _input(spec: Any, base: Path, where: str) -> Any:
    if isinstance(spec, str):
        try:
            doc = parse_json((base / spec).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read input {spec!r}: {exc}", source=where) from None
    else:
        doc = copy.deepcopy(spec)
    snap = one_snapshot(doc, where, None)
    if snap.data is None:
        raise ConfigError(f"input is not a task version: {snap.error}", source=where)
    return json.loads(json.dumps(snap.data))


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if head == "ext" and rest:
        _set_ext(data, rest, value)
        return
    if head == "task" and rest:
        task = data.setdefault("Task", {})
        section = next((s for s in TASK_SECTIONS if isinstance(task.get(s), dict) and rest in task[s]),
                       "TriggerTaskSchedulerConfiguration")
        data, parts = task.setdefault(section, {}), [rest]
    else:
        parts = path.split(".")
    cur = data
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    if value is _MISSING:
        cur.pop(parts[-1], None)
    else:
        cur[parts[-1]] = value


def _set_ext(data: dict[str, Any], key: str, value: Any) -> None:
    conf = data.setdefault("Task", {}).setdefault("TriggerTaskConfiguration", {})
    items = conf.get("TaskExtConfigurationList") or []
    items = [i for i in items if not (isinstance(i, dict) and i.get("ParamKey") == key)]
    if value is not _MISSING:
        items.append({"ParamKey": key, "ParamValue": value})
    conf["TaskExtConfigurationList"] = items


def run_cases(cases: Iterable[Case], engine: Engine) -> list[CaseResult]:
    from wedata_audit.snapshot import Snapshot

    said = {"pass": "passed", "fail": "failed", "skip": "was out of scope", None: "did not run"}
    known = {r.id for r in engine.rules} | ({engine.schema_rule.id} if engine.schema_rule else set())
    results = []
    for case in cases:
        task = engine.audit(Snapshot(source=case.source, data=case.data))
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

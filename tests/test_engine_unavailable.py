"""A rule whose data the source did not fetch is skipped, not failed (issue 9): the engine reads
``Snapshot.unavailable`` and the view roots each rule's keys read (``Rule.reads``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wedata_audit.engine import Engine
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.loading import build_rules, load_raw_rules
from wedata_audit.view.fields import key_roots

POLICY = """
- id: reads-task-list
  title: t
  severity: low
  description: d
  remediation: r
  check: {key: task_list.TaskLatestVersionNo, op: eq, value: {key: task_list.TaskLatestSubmitVersionNo}}
- id: reads-version
  title: t
  severity: low
  description: d
  remediation: r
  check: {key: task.TaskName, op: not-empty}
- id: when-reads-release
  title: t
  severity: low
  description: d
  remediation: r
  when: {key: release, op: absent}
  check: {key: VersionId, op: present}
"""


def rules(tmp_path: Path) -> list[Any]:
    f = tmp_path / "p.yaml"
    f.write_text(POLICY)
    return build_rules(load_raw_rules([str(f)], include_default=False))


def outcomes(tmp_path: Path, data: dict[str, Any], **kw: Any) -> dict[str, str]:
    return dict(Engine(rules(tmp_path)).audit(Snapshot(source="s", data=data, **kw)).outcomes)


def test_root_fields_walks_the_expression() -> None:
    assert key_roots("task_list.TaskLatestVersionNo") == {"task_list"}
    assert key_roots("task.TaskName || ext.x") == {"task", "ext"}
    assert key_roots("length(upstream[?Status=='X'].TaskId)") == {"upstream"}
    assert key_roots("people.members[*].Uin | [0]") == {"people"}


def test_rule_reads_lists_when_and_check(tmp_path: Path) -> None:
    reads = Engine(rules(tmp_path)).reads
    assert reads["reads-task-list"] == {"task_list"}
    assert reads["when-reads-release"] == {"release", "VersionId"}
    assert reads["schema"] == frozenset()  # a built-in check reads the raw Data


def test_rule_reading_unavailable_field_is_skipped(tmp_path: Path, data: dict[str, Any]) -> None:
    got = outcomes(tmp_path, data, unavailable=frozenset({"task_list", "release"}))
    assert got["reads-task-list"] == "skip"
    assert got["when-reads-release"] == "skip"
    assert got["reads-version"] == "pass"
    result = Engine(rules(tmp_path)).audit(Snapshot(source="s", data=data, unavailable=frozenset({"task_list"})))
    assert not [f for f in result.findings if f.rule_id == "reads-task-list"]


def test_context_reaches_the_view(tmp_path: Path, data: dict[str, Any]) -> None:
    same = {"TaskLatestVersionNo": "3", "TaskLatestSubmitVersionNo": "3"}
    assert outcomes(tmp_path, data, context={"task_list": same})["reads-task-list"] == "pass"
    differ = {"TaskLatestVersionNo": "4", "TaskLatestSubmitVersionNo": "3"}
    assert outcomes(tmp_path, data, context={"task_list": differ})["reads-task-list"] == "fail"

"""Policies that cannot silently switch off (issue 12, item 4): each key names a field the rule view can
hold, a misspelt rule key is named, a policy path holds a rule, and ext strings compare as numbers where a
number is expected. Each case reproduced in the issue has its test here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main
from wedata_audit.engine import Engine
from wedata_audit.errors import ConfigError
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.loading import build_rules, load_raw_rules
from wedata_audit.view.document import CONTEXT_FIELDS, DERIVED_FIELDS
from wedata_audit.view.fields import known_fields, unknown_fields

from .conftest import EXAMPLES

RULE = """- id: my-rule
  title: Mine
  severity: high
  description: d
  remediation: r
"""


def policy(tmp_path: Path, body: str, name: str = "p.yaml") -> Path:
    f = tmp_path / name
    f.write_text(RULE + body)
    return f


def load(path: Path) -> list:
    return build_rules(load_raw_rules([str(path)], include_default=False))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out + err


# --- keys name fields the view can hold ---------------------------------------------------------------

def test_misspelt_key_is_an_error_naming_rule_key_and_closest_field(tmp_path: Path, capsys) -> None:
    """Reproduced: `when: {key: task.TaskNmae, ...}` validated and the run passed with exit 0."""
    f = policy(tmp_path, "  when: {key: task.TaskNmae, op: present}\n  check: {key: task.OwnerUin, op: present}\n")
    with pytest.raises(ConfigError) as info:
        load(f)
    message = str(info.value)
    assert str(f) in message and "rule 'my-rule'" in message
    assert "when.key: task.TaskNmae names no field" in message
    assert "did you mean task.TaskName?" in message
    assert "allow_unknown_keys: true" in message
    code, text = run(["rules", "validate", str(f)], capsys)
    assert code == 2 and "did you mean task.TaskName?" in text
    code, text = run(["check", str(EXAMPLES), "--rules", str(f), "-o", str(tmp_path / "out")], capsys)
    assert code == 2 and "did you mean task.TaskName?" in text
    assert not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize(("check", "where", "hint"), [
    ("{key: TaskName, op: present}", "check.key", "task.TaskName"),
    ("{key: ApproveStats, op: present}", "check.key", "ApproveStatus"),
    ("{all: [{key: task.OwnerUin, op: present}, {not: {key: task.ResourceGrup, op: empty}}]}",
     "check.all[1].not.key", "task.ResourceGroup"),
    ("{key: ApproveUserUin, op: ne, value: {key: CreateUserUni}}", "check.value.key", "CreateUserUin"),
    ("{key: 'ext.waitExecutionTotalTTL || task.WaitExecutionTotalTTLMinutes', op: present}", "check.key",
     "task.WaitExecutionTotalTTLMinute"),
    ("{key: \"task.TaskExtConfigurationList[?ParamKey == 'x'].ParamVal | [0]\", op: present}", "check.key",
     "task.TaskExtConfigurationList[].ParamValue"),
    ("{key: Task.TriggerTaskBaseAttribute.taskname, op: present}", "check.key",
     "Task.TriggerTaskBaseAttribute.TaskName"),
    ("{key: length(task.UpstreamDependencyConfigLst), op: gt, value: 0}", "check.key",
     "task.UpstreamDependencyConfigList"),
])
def test_unknown_fields_anywhere_in_a_rule(tmp_path: Path, check: str, where: str, hint: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(policy(tmp_path, f"  check: {check}\n"))
    assert f"{where}: " in str(info.value)
    assert f"did you mean {hint}?" in str(info.value)


def test_a_scalar_has_no_fields(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="code holds no fields"):
        load(policy(tmp_path, "  check: {key: code.text, op: present}\n"))


@pytest.mark.parametrize("key", [
    "task.TaskName", "ext.anyKeyAtAll", 'ext."ftp.file.name"', "ext_json.extraInfo.fromMapping",
    "scheduling_params.bizdate", "code", "task_type", "Task.TriggerTaskSchedulerConfiguration.ScheduleType",
    "task.TaskExtConfigurationList[*].ParamKey", "task.UpstreamDependencyConfigList[0]",
    "length(task.TaskSchedulingParameterList)", "sort_by(task.TaskExtConfigurationList, &ParamKey)[0]",
    *(f"{name}.anything.below" for name in CONTEXT_FIELDS),
    "release.regressions[0]", "workflow.WorkflowName || task.WorkflowName",
])
def test_known_fields_load(tmp_path: Path, key: str) -> None:
    assert not unknown_fields(key)
    load(policy(tmp_path, f"  check: {{key: '{key}', op: present}}\n"))


def test_a_rule_opts_out_for_fields_newer_than_the_schema(tmp_path: Path) -> None:
    f = policy(tmp_path, "  allow_unknown_keys: true\n  check: {key: task.BrandNewField, op: present}\n")
    rule = load(f)[-1]
    data = json.loads((EXAMPLES / "latest-version-v4.response.json").read_text())["Response"]["Data"]
    data["Task"]["TriggerTaskBaseAttribute"]["BrandNewField"] = "x"
    assert dict(Engine([rule]).audit(Snapshot(source="t", data=data)).outcomes)["my-rule"] == "pass"


def test_the_known_fields_cover_schema_derived_and_context_fields() -> None:
    fields = set(known_fields())
    assert {"task.TaskName", "Task.TriggerTaskBaseAttribute.TaskName", "ApproveStatus",
            "task.TaskExtConfigurationList[].ParamValue", "task.ExecutionTTLMinute"} <= fields
    assert set(DERIVED_FIELDS) <= fields and set(CONTEXT_FIELDS) <= fields


# --- rule keys, empty policy paths ---------------------------------------------------------------------

def test_misspelt_rule_key_is_named_with_the_key_it_resembles(tmp_path: Path, capsys) -> None:
    """Reproduced: a `chek:` typo said only "missing 'check'"."""
    f = policy(tmp_path, "  chek: {key: task.OwnerUin, op: present}\n")
    with pytest.raises(ConfigError) as info:
        load(f)
    assert "rule 'my-rule': unknown key(s): 'chek'; did you mean 'check'?" in str(info.value)
    with pytest.raises(ConfigError, match=r"check: unknown key\(s\): 'opp'; did you mean 'op'\?"):
        load(policy(tmp_path, "  check: {key: task.OwnerUin, opp: present}\n"))


@pytest.mark.parametrize("content", [None, "", "[]\n", "rules: []\n", "# nothing yet\n"])
def test_a_policy_path_without_a_rule_is_an_error(tmp_path: Path, capsys, content: Any) -> None:
    """Reproduced: `rules validate empty/` said ok on zero rules; `--rules empty/` added nothing silently."""
    empty = tmp_path / "empty"
    empty.mkdir()
    if content is not None:
        (empty / "p.yaml").write_text(content)
    why = "it has no *.yaml or *.yml file" if content is None else "its 1 file(s) hold none"
    code, text = run(["rules", "validate", str(empty)], capsys)
    assert code == 2 and f"{empty}: the policy path holds no rule: {why}" in text and "ok:" not in text
    code, text = run(["check", str(EXAMPLES), "--rules", str(empty), "-o", str(tmp_path / "out")], capsys)
    assert code == 2 and "holds no rule" in text
    if content is not None:
        with pytest.raises(ConfigError, match="holds no rule"):
            load_raw_rules([str(empty / "p.yaml")])


# --- strings that hold numbers -------------------------------------------------------------------------

def _audit(rule_path: Path, ttl: str) -> tuple[str, list[str]]:
    data = json.loads((EXAMPLES / "latest-version-v4.response.json").read_text())["Response"]["Data"]
    for item in data["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"]:
        if item["ParamKey"] == "waitExecutionTotalTTL":
            item["ParamValue"] = ttl
    result = Engine(load(rule_path)).audit(Snapshot(source="t", data=data))
    return dict(result.outcomes)["my-rule"], [f.message for f in result.findings]


def test_ordering_an_ext_string_against_a_number(tmp_path: Path) -> None:
    """Reproduced: `{key: ext.waitExecutionTotalTTL, op: gt, value: 0}` reported `is "180", expected > 0`."""
    f = policy(tmp_path, "  check: {key: ext.waitExecutionTotalTTL, op: gt, value: 0}\n")
    assert _audit(f, "180") == ("pass", [])
    assert _audit(f, "-1") == ("fail", ['ext.waitExecutionTotalTTL is "-1" (compared as the number -1), '
                                        "expected > 0"])
    assert _audit(f, "a day") == ("fail", ['ext.waitExecutionTotalTTL is "a day", which is not a number, '
                                           "expected > 0"])


def test_equality_of_an_ext_string_with_a_number_points_to_value_type(tmp_path: Path) -> None:
    f = policy(tmp_path, "  check: {key: ext.waitExecutionTotalTTL, op: in, value: [60, 180]}\n")
    outcome, (message,) = _audit(f, "180")
    assert outcome == "fail"
    assert message.startswith('ext.waitExecutionTotalTTL is "180" (a string, compared with a number: '
                              "add value_type: integer, number or string")
    typed = policy(tmp_path, "  check: {key: ext.waitExecutionTotalTTL, value_type: integer, op: eq, value: 180}\n",
                   "typed.yaml")
    assert _audit(typed, "180") == ("pass", [])

"""Policy case files: validated against schemas/cases.schema.json, errors name the file and the case, and
``rules test`` finds files like the policy loader and fails when it finds no case at all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from wedata_audit import cases
from wedata_audit.cases import _set, load_cases
from wedata_audit.cli import main
from wedata_audit.errors import ConfigError
from wedata_audit.util.resources import load_schema
from wedata_audit.util.yamlfile import load_yaml_file

from .conftest import EXAMPLES, ROOT

EXAMPLE = EXAMPLES / "latest-version-v4.response.json"
GOOD = f"""  - name: first case is fine
    input: {EXAMPLE}
    expect_fail: [kerberos-login]
"""


def write(tmp_path: Path, text: str, name: str = "cases.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def second_case(body: str) -> str:
    """A case file whose second case, named 'bad one', has ``body`` (YAML lines of the case)."""
    return "cases:\n" + GOOD + "  - name: bad one\n" + "".join(f"    {line}\n" for line in body.splitlines())


def test_the_case_schema_is_a_valid_2020_12_schema() -> None:
    schema = load_schema("cases.schema.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "policy-cases").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_case_file_is_valid(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(load_schema("cases.schema.json"))
    assert list(validator.iter_errors(load_yaml_file(path, "case file"))) == []


BAD_CASES = {
    "set-a-list": (f"input: {EXAMPLE}\nset: [x]\nexpect_fail: [owner]", "set: expected object, found array"),
    "set-through-a-string": (f"input: {EXAMPLE}\nset: {{VersionNum.x: 1}}\nexpect_fail: [owner]",
                             "VersionNum.x: VersionNum is a string, not an object"),
    "set-through-a-list": (
        f"input: {EXAMPLE}\nset: {{Task.TriggerTaskConfiguration.TaskExtConfigurationList.x: 1}}\n"
        "expect_fail: [owner]", "is an array, not an object"),
    "set-through-null-task": (f"input: {EXAMPLE}\nset: {{Task: null, task.TaskName: x}}\nexpect_fail: [owner]",
                              "task.TaskName: Task is null, not an object"),
    "ext-through-a-string": (
        f"input: {EXAMPLE}\nset: {{Task.TriggerTaskConfiguration: x, ext.foo: '1'}}\nexpect_fail: [owner]",
        "ext.foo: Task.TriggerTaskConfiguration is a string, not an object"),
    "ext-list-not-a-list": (
        f"input: {EXAMPLE}\nset: {{task.TaskExtConfigurationList: 5, ext.foo: '1'}}\nexpect_fail: [owner]",
        "ext.foo: Task.TriggerTaskConfiguration.TaskExtConfigurationList is an integer, not an array"),
    "unset-through-a-string": (f"input: {EXAMPLE}\nunset: [VersionNum.x]\nexpect_fail: [owner]",
                               "VersionNum.x: VersionNum is a string, not an object"),
    "unset-not-strings": (f"input: {EXAMPLE}\nunset: [[a]]\nexpect_fail: [owner]",
                          "unset/0: expected string, found array"),
    "no-expectation": (f"input: {EXAMPLE}", "expect_fail, expect_pass or expect_skip"),
    "empty-expectations": (f"input: {EXAMPLE}\nexpect_fail: []\nexpect_pass: []",
                           "expect_fail, expect_pass or expect_skip"),
    "expectation-a-string": (f"input: {EXAMPLE}\nexpect_fail: owner", "expect_fail: expected array, found string"),
    "expectation-not-strings": (f"input: {EXAMPLE}\nexpect_fail: [{{a: 1}}]",
                                "expect_fail/0: expected string, found object"),
    "unknown-key": (f"input: {EXAMPLE}\nexpect_fails: [owner]", "unknown key(s): 'expect_fails'"),
    "input-a-number": ("input: 5\nexpect_fail: [owner]", "input: expected string or object, found integer"),
    "no-input": ("expect_fail: [owner]", "missing 'input'"),
}


@pytest.mark.parametrize("name", list(BAD_CASES), ids=list(BAD_CASES))
def test_a_bad_case_is_a_configuration_error_naming_file_and_case(tmp_path: Path, capsys, name: str) -> None:
    body, fault = BAD_CASES[name]
    path = write(tmp_path, second_case(body))
    assert main(["rules", "test", str(path)]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert f"{path}, case #2 'bad one'" in err
    assert fault in err


def test_a_case_without_a_name_is_named_by_its_number(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "cases:\n" + GOOD + f"  - input: {EXAMPLE}\n    expect_fail: [owner]\n")
    assert main(["rules", "test", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}, case #2: missing 'name'" in err


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("", ": expected object, found null"),
        ("- name: x\n", ": expected object, found array"),
        ("cases: {}\n", "cases: expected array, found object"),
        ("case: []\n", "missing 'cases'"),
        ("cases:\n  - just a string\n", "case #1: expected object, found string"),
    ],
)
def test_a_bad_case_file_is_a_configuration_error(tmp_path: Path, capsys, text: str, fault: str) -> None:
    path = write(tmp_path, text)
    assert main(["rules", "test", str(path)]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and str(path) in err and fault in err


def test_set_raises_a_configuration_error_through_a_non_object(data: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="VersionNum is a string, not an object"):
        _set(data, "VersionNum.x", 1)
    with pytest.raises(ConfigError, match=r"f\.yaml, case #1: Task\.TriggerTaskBaseAttribute\.TaskName\.x"):
        _set(data, "Task.TriggerTaskBaseAttribute.TaskName.x", 1, where="f.yaml, case #1")


def test_set_still_creates_missing_objects_and_unset_does_not(data: dict[str, Any]) -> None:
    _set(data, "New.Nested.Value", 1)
    assert data["New"] == {"Nested": {"Value": 1}}
    _set(data, "Absent.Nested.Value", cases._MISSING)
    assert "Absent" not in data
    _set(data, "New.Nested.Value", cases._MISSING)
    assert data["New"] == {"Nested": {}}
    _set(data, "ext.enableKerberosLogin", "true")
    items = data["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"]
    assert {"ParamKey": "enableKerberosLogin", "ParamValue": "true"} in items


def test_dates_in_a_case_file_work_whatever_the_yaml_loader_makes_of_them(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, second_case(f"input: {EXAMPLE}\nset: {{CreateTime: 2025-11-24 18:05:47}}\n"
                                       "expect_pass: [schema]"))
    (plain,) = load_cases(path)[1:]
    assert plain.data["CreateTime"] == "2025-11-24 18:05:47"

    def as_datetimes(p: Path, what: str) -> Any:  # what a YAML loader with the timestamp resolver returns
        doc = load_yaml_file(p, what)
        doc["cases"][1]["set"]["CreateTime"] = dt.datetime(2025, 11, 24, 18, 5, 47)
        doc["cases"][1]["name"] = dt.date(2025, 11, 24)
        return doc

    monkeypatch.setattr(cases, "load_yaml_file", as_datetimes)
    (case,) = load_cases(path)[1:]
    assert case.data["CreateTime"] == "2025-11-24 18:05:47" and case.name == "2025-11-24"


# --- rules test: which files, and no case at all ---------------------------------------------------------


def test_no_case_in_an_empty_folder_fails(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["rules", "test", str(tmp_path / "empty")]) == 1
    out = capsys.readouterr().out
    assert "no case" in out and str(tmp_path / "empty") in out


def test_an_empty_case_list_fails(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "cases: []\n")
    assert main(["rules", "test", str(path)]) == 1
    assert "no case" in capsys.readouterr().out


def test_a_missing_path_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["rules", "test", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_case_files_are_found_like_policy_files(tmp_path: Path, capsys) -> None:
    write(tmp_path, "cases:\n" + GOOD, "a/one.yaml")
    write(tmp_path, "cases:\n" + GOOD, "a/deeper/two.yml")
    write(tmp_path, "not: [a case file]\n", "a/notes.txt")
    write(tmp_path, "cases:\n" + GOOD, "a/folder.yaml/three.yaml")  # a folder named like a file is walked into
    assert main(["rules", "test", "-v", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS") == 3 and "3 passed, 0 failed" in out

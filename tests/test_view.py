"""The rule view: raw fields as they are, derived fields built defensively."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from wedata_audit.view.document import build_view


def test_documentation_example(data: dict[str, Any]) -> None:
    view = build_view(data)
    assert view["VersionNum"] == "V4" and view["Task"] is data["Task"]
    assert view["task"]["TaskName"] == "gallop_workflow_task_test"
    assert view["task"]["ResourceGroup"] == "20240222212719833743"
    assert view["task"]["AllowRedoType"] == "ALL"
    assert view["ext"]["enableKerberosLogin"] == "false"
    assert view["ext"]["ftp.file.name"].endswith(".sh")
    assert view["scheduling_params"] == {}
    assert view["code"].startswith("#!/bin/bash\n") and view["code_error"] is None
    assert view["ext_json"] == {"extraInfo": {"fromMapping": False}, "specLabelConfItems": {"specLabelConfItems": []}}
    assert view["task_type"] == "Shell"


BAD_EXT = [None, 1, {"ParamKey": 3}]


@pytest.mark.parametrize("task", [None, [], "x", {"TriggerTaskBaseAttribute": None},
                                  {"TriggerTaskConfiguration": {"TaskExtConfigurationList": "oops"}},
                                  {"TriggerTaskConfiguration": {"TaskExtConfigurationList": BAD_EXT}}])
def test_missing_or_mistyped_sections(task: Any) -> None:
    view = build_view({"Task": task, "VersionNum": None})
    assert view["ext"] == {} and view["code"] is None and view["task_type"] is None


@pytest.mark.parametrize(("content", "error"), [
    ("!!!", "not valid Base64"),
    (base64.b64encode(b"\xff\xfe").decode(), "not UTF-8"),
    (12, "expected a Base64 string"),
])
def test_code_errors(content: Any, error: str) -> None:
    view = build_view({"Task": {"TriggerTaskConfiguration": {"CodeContent": content}}})
    assert view["code"] is None and error in view["code_error"]


def test_unknown_task_type_and_bool_type_id() -> None:
    assert build_view({"Task": {"TriggerTaskBaseAttribute": {"TaskTypeId": 999}}})["task_type"] is None
    assert build_view({"Task": {"TriggerTaskBaseAttribute": {"TaskTypeId": True}}})["task_type"] is None

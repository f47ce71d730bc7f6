"""Reading snapshots: every accepted shape, and every unreadable one as an errored task with its source."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.errors import UsageError
from wedata_audit.sources.files import read_snapshots

from .conftest import EXAMPLES, example_data


def write(tmp_path: Path, name: str, content: Any) -> str:
    f = tmp_path / name
    f.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(f)


def test_full_response_bare_detail_and_array(tmp_path: Path, data: dict[str, Any]) -> None:
    full = write(tmp_path, "a.json", {"Response": {"Data": data, "RequestId": "r-1"}})
    bare = write(tmp_path, "b.json", data)
    arr = write(tmp_path, "c.json", [data, {"Response": {"Data": data, "RequestId": "r-2"}}])
    snaps = list(read_snapshots([full, bare, arr]))
    assert [s.source for s in snaps] == [full, bare, f"{arr}[0]", f"{arr}[1]"]
    assert all(s.error is None and s.data == data for s in snaps)
    assert snaps[0].meta["request_id"] == "r-1"


def test_jsonl_with_line_numbers(tmp_path: Path, data: dict[str, Any]) -> None:
    lines = [json.dumps(data), "", "{not json", json.dumps({"Response": {"Data": None, "RequestId": "x"}})]
    path = write(tmp_path, "v.jsonl", "\n".join(lines))
    snaps = list(read_snapshots([path]))
    assert [s.source for s in snaps] == [f"{path}:1", f"{path}:3", f"{path}:4"]
    assert snaps[0].error is None
    assert "invalid JSON" in (snaps[1].error or "")
    assert "Data is null" in (snaps[2].error or "")


def test_directory_is_recursive_and_sorted(tmp_path: Path, data: dict[str, Any]) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path, "sub/z.json", data)
    write(tmp_path, "a.jsonl", json.dumps(data))
    write(tmp_path, "ignored.txt", "hello")
    snaps = list(read_snapshots([str(tmp_path)]))
    assert [Path(s.source.split(":")[0]).name for s in snaps] == ["a.jsonl", "z.json"]


def test_stdin(monkeypatch: pytest.MonkeyPatch, data: dict[str, Any]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    (snap,) = read_snapshots(["-"])
    assert snap.source == "<stdin>" and snap.data == data


@pytest.mark.parametrize(("content", "reason"), [
    ('{"Response": {"Error": {"Code": "ResourceNotFound", "Message": "no task"}, "RequestId": "r"}}',
     "API error ResourceNotFound: no task"),
    ("{broken", "invalid JSON"),
    ('{"Response": {"Data": null, "RequestId": "r"}}', "Data is null"),
    ('{"Response": {"RequestId": "r"}}', "has no Data"),
    ('{"Response": {"Data": [1], "RequestId": "r"}}', "expected an object"),
    ("42", "expected a JSON object"),
    ("[]", "empty JSON array"),
    ('{"hello": "world"}', "not a task version"),
    ('{"VersionId": NaN}', "NaN is not valid JSON"),
])
def test_unreadable_input_becomes_an_errored_snapshot(tmp_path: Path, content: str, reason: str) -> None:
    path = write(tmp_path, "x.json", content)
    (snap,) = read_snapshots([path])
    assert snap.data is None and snap.source == path
    assert reason in (snap.error or "")


def test_bom_and_invalid_utf8(tmp_path: Path, data: dict[str, Any]) -> None:
    bom = write(tmp_path, "bom.json", "\ufeff" + json.dumps(data))
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"VersionId": "\xff"}')
    ok, broken = read_snapshots([bom, str(bad)])
    assert ok.data == data
    assert "cannot read file" in (broken.error or "")


def test_project_id_from_option_or_snapshot_metadata(tmp_path: Path, data: dict[str, Any]) -> None:
    saved = write(tmp_path, "s.json", {"Response": {"Data": data, "RequestId": "r"},
                                       "_wedata_audit": {"project_id": "p-9", "region": "ap-singapore"}})
    (snap,) = read_snapshots([saved])
    assert snap.subject.project_id == "p-9" and snap.meta["region"] == "ap-singapore"
    (snap,) = read_snapshots([saved], project_id="p-1")
    assert snap.subject.project_id == "p-1"
    (snap,) = read_snapshots([str(EXAMPLES / "latest-version-v4.response.json")])
    assert snap.subject.project_id == ""


def test_missing_path_is_a_usage_error_before_reading_anything() -> None:
    with pytest.raises(UsageError, match="does not exist: /no/such"):
        read_snapshots([str(EXAMPLES), "/no/such"])


def test_subject_reads_identity(data: dict[str, Any]) -> None:
    (snap,) = read_snapshots([str(EXAMPLES / "pinned-version-v3.response.json")])
    s = snap.subject
    assert (s.task_id, s.task_name, s.version_num, s.workflow_id) == (
        "20251121163138956", "gallop_workflow_task_test", "V3", "d3e40dcc-bf42-4fb9-b081-b00408d478ec")
    assert example_data()["VersionNum"] == "V4"


def test_saved_snapshot_edited_after_fetching_is_errored(tmp_path: Path, data: dict[str, Any]) -> None:
    from wedata_audit.model.snapshot import data_sha256

    meta = {"project_id": "p", "request_id": "r-1", "sha256": data_sha256(data)}
    good = write(tmp_path, "good.json", {"Response": {"Data": data, "RequestId": "r-1"}, "_wedata_audit": meta})
    data["ApproveStatus"] = "APPROVED"  # edited by hand afterwards
    edited = write(tmp_path, "edited.json", {"Response": {"Data": data, "RequestId": "r-1"}, "_wedata_audit": meta})
    ok, bad = read_snapshots([good, edited])
    assert ok.error is None and ok.meta["sha256"] == meta["sha256"]
    assert bad.data is None and "edited afterwards" in (bad.error or "")
    assert "sha256" not in bad.meta and "request_id" not in bad.meta  # no evidence vouched for


def test_folder_walk_skips_this_runs_reports(tmp_path: Path, data: dict[str, Any]) -> None:
    from wedata_audit.sources.files import expand_paths

    write(tmp_path, "v.json", data)
    (tmp_path / "reports").mkdir()
    write(tmp_path, "reports/report.json", {"tasks": []})
    assert expand_paths([str(tmp_path)], exclude=[tmp_path / "reports"]) == [str(tmp_path / "v.json")]
    # naming the report folder itself still reads it
    assert expand_paths([str(tmp_path / "reports")], exclude=[tmp_path / "reports"]) == [
        str(tmp_path / "reports" / "report.json")]


def test_identity_fields_that_are_not_scalars_name_nothing(data: dict[str, Any]) -> None:
    from wedata_audit.model.snapshot import subject_of

    data["Task"]["TriggerTaskBaseAttribute"]["TaskName"] = [[{"deep": [1]}]]
    data["VersionNum"] = {"x": 1}
    s = subject_of("f.json", data, {"project_id": ["p"]})
    assert (s.task_name, s.version_num, s.project_id, s.task_id) == ("", "", "", "20251121163138956")
    assert s.label == "20251121163138956"

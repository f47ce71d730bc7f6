"""``wedata-audit diff``: only valid reports are compared, incomplete runs are flagged, versions stay apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main
from wedata_audit.reporters.formats.json import render_document

from .report_factory import sample_result

COMPLETE_KINDS = ("failed", "passed", "waived")


def report(**kw: Any) -> dict[str, Any]:
    kw.setdefault("hostile", False)
    return json.loads(render_document(sample_result(**kw)))


def save(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


def open_findings(doc: dict[str, Any]) -> int:
    return sum(1 for t in doc["tasks"] for _ in t["findings"])


def without_fingerprint() -> dict[str, Any]:
    doc = report(n_tasks=1, kinds=("failed",))
    del doc["tasks"][0]["findings"][0]["fingerprint"]
    return doc


INVALID = {
    "task-not-object": {"tasks": [1]},
    "tasks-object": {"tasks": {}},
    "no-fingerprint": without_fingerprint(),
    "array": [],
    "not-json": "{not json",
    "nan": '{"tasks": NaN}',
    "empty": "",
}


@pytest.mark.parametrize("which", ["old", "new"])
@pytest.mark.parametrize("bad", list(INVALID), ids=list(INVALID))
def test_an_invalid_report_is_a_configuration_error_naming_the_file(tmp_path: Path, capsys, bad: str,
                                                                    which: str) -> None:
    good = save(tmp_path, "good.json", report(n_tasks=2, kinds=COMPLETE_KINDS))
    broken = save(tmp_path, "broken.json", INVALID[bad])
    args = [broken, good] if which == "old" else [good, broken]
    assert main(["diff", *args]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert broken in err and "error" in err


def test_a_missing_report_is_an_error(tmp_path: Path, capsys) -> None:
    good = save(tmp_path, "good.json", report(n_tasks=1, kinds=COMPLETE_KINDS))
    missing = str(tmp_path / "missing.json")
    assert main(["diff", good, missing]) == 2
    assert missing in capsys.readouterr().err


def test_the_error_says_where_the_report_is_wrong(tmp_path: Path, capsys) -> None:
    good = save(tmp_path, "good.json", report(n_tasks=1, kinds=COMPLETE_KINDS))
    bad = save(tmp_path, "bad.json", without_fingerprint())
    assert main(["diff", good, bad]) == 2
    err = capsys.readouterr().err
    assert "tasks/0/findings/0" in err and "fingerprint" in err


def test_an_incomplete_new_run_exits_3_and_says_so_first(tmp_path: Path, capsys) -> None:
    old = save(tmp_path, "old.json", report(n_tasks=3, kinds=COMPLETE_KINDS))
    # The new run stopped after one task: the findings of the others must not read as fixed.
    new = save(tmp_path, "new.json", report(n_tasks=1, kinds=COMPLETE_KINDS, complete=False,
                                            incomplete_reason="interrupted (Ctrl-C)"))
    assert main(["diff", old, new]) == 3
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert "INCOMPLETE" in first and "new" in first and "interrupted (Ctrl-C)" in first


def test_an_incomplete_old_run_exits_3(tmp_path: Path, capsys) -> None:
    old = save(tmp_path, "old.json", report(n_tasks=3))  # one errored task
    new = save(tmp_path, "new.json", report(n_tasks=3, kinds=COMPLETE_KINDS))
    assert main(["diff", old, new]) == 3
    assert "INCOMPLETE" in capsys.readouterr().out.splitlines()[0]


def test_incomplete_in_json_format(tmp_path: Path, capsys) -> None:
    old = save(tmp_path, "old.json", report(n_tasks=2, kinds=COMPLETE_KINDS))
    new = save(tmp_path, "new.json", report(n_tasks=2, kinds=COMPLETE_KINDS, complete=False,
                                            incomplete_reason="stopped"))
    assert main(["diff", old, new, "--format", "json"]) == 3
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["incomplete"] == {"new": "stopped"}
    assert {"new", "fixed", "still_open"} <= doc.keys()
    assert "INCOMPLETE" in captured.err


def test_complete_runs_have_no_incomplete_entry(tmp_path: Path, capsys) -> None:
    old = save(tmp_path, "old.json", report(n_tasks=2, kinds=COMPLETE_KINDS))
    assert main(["diff", old, old, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["incomplete"] == {}
    assert doc["new"] == [] and doc["fixed"] == [] and len(doc["still_open"]) > 0


def test_two_versions_of_one_task_are_not_merged(tmp_path: Path, capsys) -> None:
    both = report(n_tasks=1, kinds=("failed",), versions=2)
    first = dict(both, tasks=both["tasks"][:1])
    per_version = open_findings(first)
    assert per_version and open_findings(both) == 2 * per_version
    both_path, first_path = save(tmp_path, "both.json", both), save(tmp_path, "first.json", first)

    assert main(["diff", both_path, first_path, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["fixed"]) == per_version and len(doc["still_open"]) == per_version
    assert {f["version_num"] for f in doc["fixed"]} == {"V2"}

    assert main(["diff", first_path, both_path, "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["new"]) == per_version and len(doc["still_open"]) == per_version
    assert {f["version_num"] for f in doc["new"]} == {"V2"}
    assert all(f["version_id"] for f in doc["new"])


def test_a_new_version_with_the_same_problem_is_still_open(tmp_path: Path, capsys) -> None:
    both = report(n_tasks=1, kinds=("failed",), versions=2)
    v1, v2 = (dict(both, tasks=[t]) for t in both["tasks"])
    assert main(["diff", save(tmp_path, "v1.json", v1), save(tmp_path, "v2.json", v2), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["new"] == [] and doc["fixed"] == [] and len(doc["still_open"]) == open_findings(v2)
    assert {f["version_num"] for f in doc["still_open"]} == {"V2"}


def test_lone_surrogates_and_controls_in_a_report_are_shown_safely(tmp_path: Path, capsys) -> None:
    doc = report(n_tasks=1, kinds=("failed",))
    doc["tasks"][0]["findings"][0]["message"] = "bad \ud800 \x1b[31m text"
    old = save(tmp_path, "old.json", report(n_tasks=1, kinds=COMPLETE_KINDS, hostile=False) | {"tasks": []})
    new = save(tmp_path, "new.json", json.dumps(doc))  # json.dumps writes the surrogate as \ud800
    assert main(["diff", old, new]) == 1
    out = capsys.readouterr().out
    assert "\ufffd" in out and "\x1b" not in out
    assert main(["diff", old, new, "--format", "json"]) == 1
    assert any("\ufffd" in f["message"] for f in json.loads(capsys.readouterr().out)["new"])

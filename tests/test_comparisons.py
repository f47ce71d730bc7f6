"""Comparisons that never lie: a finding is fixed only when its rule ran on its task in the new run and the
finding is gone; whatever was not evaluated is counted apart, and what differs between the runs is stated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main

from .conftest import EXAMPLES, example_data
from .size_inputs import make_compliant


def write_snapshots(folder: Path, count: int, *, project: bool = True) -> list[Path]:
    """``count`` distinct tasks (examples with new ids), each failing a few rules."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        data = example_data()
        data["Task"]["TriggerTaskBaseAttribute"]["TaskId"] = f"9000{i}"
        data["VersionId"] = f"9000{i}_1"
        meta = {"_wedata_audit": {"project_id": "p1"}} if project else {}
        path = folder / f"t{i}.json"
        path.write_text(json.dumps({"Response": {"Data": data, "RequestId": f"r{i}"}, **meta}))
        paths.append(path)
    return paths


def check(tmp_path: Path, name: str, paths: list[str], *extra: str) -> str:
    out = tmp_path / name
    code = main(["check", *paths, "--format", "json", "-o", str(out), "-q", *extra])
    assert code in (0, 1)
    return str(out / "report.json")


def diff(old: str, new: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    main(["diff", old, new, "--format", "json"])
    return json.loads(capsys.readouterr().out)


def test_selecting_one_rule_fixes_nothing(tmp_path: Path, capsys) -> None:
    snaps = tmp_path / "snaps"
    write_snapshots(snaps, 3)
    base = check(tmp_path, "base", [str(snaps)])
    sel = check(tmp_path, "sel", [str(snaps)], "--select", "owner")
    capsys.readouterr()
    doc = diff(base, sel, capsys)
    assert doc["fixed"] == []
    base_count = sum(len(t["findings"]) for t in json.loads(Path(base).read_text())["tasks"])
    assert len(doc["not_evaluated"]) == base_count > 0
    assert any("different rulesets" in n for n in doc["notes"])
    # the terminal says it too
    main(["diff", base, sel])
    out = capsys.readouterr().out
    assert "fixed: 0" in out and f"not evaluated: {base_count}" in out and "note: " in out


def test_disabling_a_rule_by_config_fixes_nothing(tmp_path: Path, capsys) -> None:
    snaps = tmp_path / "snaps"
    write_snapshots(snaps, 2)
    base = check(tmp_path, "base", [str(snaps)])
    cfg = tmp_path / "c.yaml"
    cfg.write_text("overrides:\n  description: {disabled: true}\n")
    new = check(tmp_path, "new", [str(snaps)], "--config", str(cfg))
    capsys.readouterr()
    doc = diff(base, new, capsys)
    assert doc["fixed"] == []
    assert {f["rule_id"] for f in doc["not_evaluated"]} == {"description"}
    assert any("description" in n for n in doc["notes"])


def test_auditing_half_the_tasks_fixes_nothing(tmp_path: Path, capsys) -> None:
    paths = write_snapshots(tmp_path / "snaps", 4)
    base = check(tmp_path, "base", [str(p) for p in paths])
    half = check(tmp_path, "half", [str(p) for p in paths[:2]])
    capsys.readouterr()
    doc = diff(base, half, capsys)
    assert doc["fixed"] == [] and doc["new"] == []
    assert {f["task_id"] for f in doc["not_evaluated"]} == {"90002", "90003"}
    assert any("2 task(s) of the old run were not audited" in n for n in doc["notes"])


def test_a_real_fix_is_fixed(tmp_path: Path, capsys) -> None:
    paths = write_snapshots(tmp_path / "snaps", 1)
    base = check(tmp_path, "base", [str(paths[0])])
    doc = json.loads(paths[0].read_text())
    doc["Response"]["Data"] = make_compliant(doc["Response"]["Data"])
    paths[0].write_text(json.dumps(doc))
    new = check(tmp_path, "new", [str(paths[0])])
    capsys.readouterr()
    out = diff(base, new, capsys)
    assert out["not_evaluated"] == [] and len(out["fixed"]) > 0
    assert out["notes"] == []


def test_identity_without_a_project_id_is_stated(tmp_path: Path, capsys) -> None:
    paths = write_snapshots(tmp_path / "snaps", 2, project=False)
    base = check(tmp_path, "base", [str(p) for p in paths])
    capsys.readouterr()
    doc = diff(base, base, capsys)
    assert any("have no project id" in n for n in doc["notes"])


def test_baseline_counts_not_evaluated_apart_and_states_why(tmp_path: Path, capsys) -> None:
    snaps = tmp_path / "snaps"
    write_snapshots(snaps, 3)
    base = check(tmp_path, "base", [str(snaps)])
    base_count = sum(len(t["findings"]) for t in json.loads(Path(base).read_text())["tasks"])
    out = tmp_path / "out"
    assert main(["check", str(snaps), "--select", "owner", "--baseline", base, "--format", "json",
                 "--format", "html", "-o", str(out)]) == 0
    terminal = capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())["filters"]["baseline"]
    assert report["fixed"] == 0 and report["not_evaluated"] == base_count
    assert any("different rulesets" in n for n in report["notes"])
    assert "0 fixed" in terminal and f"{base_count} not evaluated" in terminal and "different rulesets" in terminal
    html = (out / "report.html").read_text()
    assert f"{base_count} not evaluated" in html and "different rulesets" in html


def test_baseline_fixed_needs_the_rule_to_have_run(tmp_path: Path, capsys) -> None:
    paths = write_snapshots(tmp_path / "snaps", 2)
    base = check(tmp_path, "base", [str(p) for p in paths])
    doc = json.loads(paths[0].read_text())
    doc["Response"]["Data"]["Task"]["TriggerTaskBaseAttribute"]["TaskDescription"] = "now described"
    paths[0].write_text(json.dumps(doc))
    out = tmp_path / "out"
    main(["check", str(paths[0]), "--baseline", base, "--format", "json", "-o", str(out), "-q"])
    report = json.loads((out / "report.json").read_text())["filters"]["baseline"]
    per_task = sum(len(t["findings"]) for t in json.loads(Path(base).read_text())["tasks"]) // 2
    assert report["fixed"] == 1  # description, re-checked on task 90000
    assert report["not_evaluated"] == per_task  # task 90001 was not audited
    assert any("were not audited" in n for n in report["notes"])


def test_examples_still_compare_cleanly(tmp_path: Path, capsys) -> None:
    base = check(tmp_path, "base", [str(EXAMPLES)])
    capsys.readouterr()
    doc = diff(base, base, capsys)
    assert doc["new"] == doc["fixed"] == doc["not_evaluated"] == []

"""No input is ever destroyed: every file the run reads is protected from every report path, and a file at a
report path is replaced only when it is recognisably a report this tool wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wedata_audit.cli import main
from wedata_audit.reporters import registry

from .conftest import EXAMPLES

REPORT_FORMATS = sorted(registry())


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out + err


def snaps(tmp_path: Path) -> str:
    folder = tmp_path / "snaps"
    folder.mkdir()
    for f in EXAMPLES.glob("*.json"):
        (folder / f.name).write_bytes(f.read_bytes())
    return str(folder)


def test_baseline_in_the_output_folder_is_not_deleted(tmp_path: Path, capsys) -> None:
    source = snaps(tmp_path)
    baseline_dir = tmp_path / "baseline"
    assert run(["check", source, "--format", "json", "-o", str(baseline_dir)], capsys)[0] == 1
    baseline = baseline_dir / "report.json"
    before = baseline.read_bytes()
    code, text = run(["check", source, "--baseline", str(baseline), "--format", "json", "-o", str(baseline_dir)],
                     capsys)
    assert code == 2
    assert "also an input" in text and "baseline" in text
    assert baseline.read_bytes() == before


@pytest.mark.parametrize(("option", "content", "fmt"), [
    ("--waivers", "waivers: []\n", "markdown"),
    ("--rules", "- id: my-rule\n  title: t\n  severity: low\n  check: {key: TaskId, op: not-empty}\n", "csv"),
    ("--config", "fail_on: high\n", "json"),
    ("--baseline", None, "sarif"),
])
def test_an_input_file_named_as_a_report_path_is_refused_and_kept(tmp_path: Path, capsys, option: str,
                                                                    content: str | None, fmt: str) -> None:
    source = snaps(tmp_path)
    path = tmp_path / "input.file"
    if content is None:  # a real earlier report as the baseline
        assert run(["check", source, "--format", f"json={path}"], capsys)[0] == 1
    else:
        path.write_text(content)
    before = path.read_bytes()
    code, text = run(["check", source, option, str(path), "--format", f"{fmt}={path}"], capsys)
    assert code == 2, text
    assert "also an input" in text
    assert path.read_bytes() == before


def test_tasks_file_of_a_live_audit_is_kept(tmp_path: Path, capsys) -> None:
    tasks = tmp_path / "t.txt"
    tasks.write_text("123\n")
    code, text = run(["audit", "--tasks-file", str(tasks), "--project-id", "1", "--region", "ap-singapore",
                      "--format", f"csv={tasks}"], capsys)
    assert code == 2
    assert "tasks file" in text
    assert tasks.read_text() == "123\n"


def test_a_link_to_an_input_is_seen_through(tmp_path: Path, capsys) -> None:
    source = snaps(tmp_path)
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers: []\n")
    link = tmp_path / "out" / "report.md"
    link.parent.mkdir()
    os.symlink(waivers, link)
    code, text = run(["check", source, "--waivers", str(waivers), "--format", "markdown", "-o", str(link.parent)],
                     capsys)
    assert code == 2, text
    assert waivers.read_text() == "waivers: []\n" and link.is_symlink()


def test_a_snapshot_named_as_a_report_path_is_kept(tmp_path: Path, capsys) -> None:
    source = Path(snaps(tmp_path))
    target = source / "latest-version-v4.response.json"
    before = target.read_bytes()
    code, _ = run(["check", str(source), "--format", f"json={target}"], capsys)
    assert code == 2
    assert target.read_bytes() == before


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_a_foreign_file_at_a_report_path_is_left_alone(tmp_path: Path, capsys, fmt: str) -> None:
    target = tmp_path / "somebody-elses.file"
    target.write_text("not a report: keep me\n")
    code, text = run(["check", str(EXAMPLES), "--format", f"{fmt}={target}"], capsys)
    assert code == 2
    assert "not a" in text and "written by wedata-audit" in text
    assert target.read_text() == "not a report: keep me\n"


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_a_report_of_ours_is_replaced(tmp_path: Path, capsys, fmt: str) -> None:
    """Every format carries its marker, so the next run recognises it and replaces it."""
    target = tmp_path / f"report.{fmt}"
    assert run(["check", str(EXAMPLES), "--format", f"{fmt}={target}"], capsys)[0] == 1
    assert registry()[fmt].wrote(target)
    first = target.stat().st_mtime_ns
    os.utime(target, ns=(first - 10**9, first - 10**9))
    assert run(["check", str(EXAMPLES), "--format", f"{fmt}={target}"], capsys)[0] == 1
    assert target.stat().st_mtime_ns != first - 10**9


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_markers_are_specific(tmp_path: Path, fmt: str) -> None:
    """A report of another format is not taken for this one (e.g. a JSON report at the SARIF path)."""
    other = {"json": {"format_version": 1}, "sarif": {"version": "2.1.0"}}
    path = tmp_path / "x"
    path.write_text(json.dumps(other.get(fmt, {"tool": "something else"})))
    assert not registry()[fmt].wrote(path)


def test_output_dir_that_is_a_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    somefile = tmp_path / "somefile"
    somefile.write_text("keep")
    code, text = run(["check", str(EXAMPLES), "-o", str(somefile)], capsys)
    assert code == 2
    assert "internal error" not in text and "not a folder" in text
    assert somefile.read_text() == "keep"

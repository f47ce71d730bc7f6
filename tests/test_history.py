"""wedata-audit history: three reports of one project give an HTML page with SVG charts and a CSV with three
rows; runs are ordered by start time, other projects form their own series, broken reports are skipped and
named, the inputs are never overwritten; the page renders in headless Chromium without errors or requests."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main
from wedata_audit.reporters.history.charts import Line, line_chart

from .conftest import EXAMPLES
from .test_report_html import console_problems, driver  # noqa: F401  (the browser fixture)

PROJECT = "1460947878944567296"
STARTS = ("2026-01-05T08:00:00+00:00", "2026-02-05T08:00:00+00:00", "2026-03-05T08:00:00+00:00")


def _set_kerberos(path: Path, value: str) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for item in doc["Response"]["Data"]["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"]:
        if item.get("ParamKey") == "enableKerberosLogin":
            item["ParamValue"] = value
    path.write_text(json.dumps(doc), encoding="utf-8")


def _restart(path: Path, started: str) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["run"]["started"] = doc["run"]["finished"] = started
    path.write_text(json.dumps(doc), encoding="utf-8")


def three_reports(tmp_path: Path) -> list[Path]:
    """Run 1: both examples (two versions of one task); run 2: Kerberos fixed; run 3: a hostile task name."""
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    for f in EXAMPLES.glob("*.json"):
        (snaps / f.name).write_bytes(f.read_bytes())
    reports = [tmp_path / "runs" / f"r{i}.json" for i in (1, 2, 3)]
    previous: list[str] = []
    for i, report in enumerate(reports):
        if i == 1:
            for f in snaps.glob("*.json"):
                _set_kerberos(f, "true")
        if i == 2:
            doc = json.loads((snaps / "pinned-version-v3.response.json").read_text(encoding="utf-8"))
            doc["Response"]["Data"]["Task"]["TriggerTaskBaseAttribute"]["TaskName"] = "<script>x</script>\n::e"
            (snaps / "pinned-version-v3.response.json").write_text(json.dumps(doc), encoding="utf-8")
        code = main(["check", str(snaps), "--project-id", PROJECT, "--format", f"json={report}", "-q", *previous])
        assert code == 1
        _restart(report, STARTS[i])
        previous = ["--previous", str(report)]
    return reports


def rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "history.csv").read_text(encoding="utf-8"))))


def test_three_reports_of_one_project(tmp_path: Path) -> None:
    reports = three_reports(tmp_path)
    out = tmp_path / "out"
    # given out of order: ordered by start time
    assert main(["history", str(reports[2]), str(reports[0]), str(reports[1]), "-o", str(out)]) == 0
    table = rows(out)
    assert len(table) == 3
    assert [r["started"] for r in table] == list(STARTS)
    assert {r["series"] for r in table} == {"1"} and {r["projects"] for r in table} == {PROJECT}
    assert table[0]["new"] == "" and table[1]["fixed"] == "1" and table[1]["new"] == "0"
    assert int(table[0]["open"]) == int(table[1]["open"]) + 2  # one fingerprint, two versions
    assert int(table[2]["new"]) >= 1  # the task name breaks task-naming
    assert all(r["pass_rate"] for r in table)
    page = (out / "history.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 4 and "<script" not in page.replace("&lt;script&gt;", "")
    assert "Content-Security-Policy" in page and "http" not in page.split("<body>", 1)[1].replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "Oldest open findings" in page and "2026-01-05" in page


def test_folders_other_projects_broken_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports = three_reports(tmp_path)
    other = tmp_path / "runs" / "other.json"
    assert main(["check", str(EXAMPLES), "--project-id", "999", "--format", f"json={other}", "-q"]) == 1
    (tmp_path / "runs" / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "runs" / "array.json").write_text("[]", encoding="utf-8")
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["history", str(reports[0].parent), "-o", str(out)]) == 3  # skipped files: incomplete
    err = capsys.readouterr().err
    assert "broken.json" in err and "array.json" in err
    table = rows(out)
    assert len(table) == 4 and {r["series"] for r in table} == {"1", "2"}
    assert [r["projects"] for r in table if r["series"] == "2"] in (["999"], [PROJECT] * 3)
    page = (out / "history.html").read_text(encoding="utf-8")
    assert "project 999" in page and f"project {PROJECT}" in page and "broken.json" in page


def test_inputs_and_foreign_files_are_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports = three_reports(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "history.csv"
    mine.write_text("my spreadsheet\n", encoding="utf-8")
    assert main(["history", *map(str, reports), "-o", str(out)]) == 2
    assert mine.read_text(encoding="utf-8") == "my spreadsheet\n" and not (out / "history.html").exists()
    mine.unlink()
    assert main(["history", *map(str, reports), "-o", str(out)]) == 0
    assert main(["history", *map(str, reports), "-o", str(out)]) == 0  # our own files are replaced
    as_input = out / "history.html"
    before = as_input.read_bytes()
    assert main(["history", str(reports[0]), str(as_input), "-o", str(out)]) == 2
    assert "also an input" in capsys.readouterr().err and as_input.read_bytes() == before


def test_chart_text_is_escaped_and_described() -> None:
    svg = str(line_chart("t <b>", ["2026-01-01"], [Line("<rule>", [3.0], "#000")]))
    assert "<b>" not in svg and "&lt;rule&gt;" in svg and "<desc" in svg and "3" in svg


@pytest.mark.browser
def test_history_page_renders_without_errors_or_requests(driver: Any, tmp_path: Path) -> None:  # noqa: F811
    reports = three_reports(tmp_path)
    out = tmp_path / "out"
    assert main(["history", *map(str, reports), "-o", str(out)]) == 0
    url = (out / "history.html").resolve().as_uri()
    driver.get_log("browser")
    driver.get(url)
    charts = driver.execute_script(
        "return [...document.querySelectorAll('svg.chart')].map(s => { const r = s.getBoundingClientRect();"
        " return [r.width, r.height, s.querySelectorAll('polyline, rect, circle').length]; })")
    assert len(charts) >= 4
    assert all(w > 200 and h > 50 and marks > 0 for w, h, marks in charts)
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name == url for name in resources), resources
    assert console_problems(driver) == []
    assert driver.execute_script("return document.scripts.length") == 0
    (tmp_path / "history.png").write_bytes(driver.get_screenshot_as_png())

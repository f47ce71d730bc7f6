"""first_seen: carried from --previous (or --baseline) by fingerprint, else the run's date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from wedata_audit.cli import main
from wedata_audit.stages.filters.firstseen import load_first_seen

from .conftest import EXAMPLES
from .test_report_html import driver  # noqa: F401  (the browser fixture)


def findings(path: Path) -> list[dict]:  # type: ignore[type-arg]
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [f for t in doc["tasks"] for f in t["findings"]]


def test_first_seen_is_today_then_carried(tmp_path: Path) -> None:
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    first = tmp_path / "a.json"
    assert main(["check", str(EXAMPLES), "--format", f"json={first}", "-q"]) == 1
    assert {f["first_seen"] for f in findings(first)} == {today}
    # pretend the first run was long ago: its first_seen dates travel to the next run
    doc = json.loads(first.read_text(encoding="utf-8"))
    old = doc["tasks"][0]["findings"][0]
    old["first_seen"] = "2024-01-02"
    doc["tasks"][0]["findings"][1]["first_seen"] = None  # an older report: the run's start date counts
    doc["run"]["started"] = "2024-03-04T05:06:07+00:00"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    second = tmp_path / "b.json"
    assert main(["check", str(EXAMPLES), "--previous", str(edited), "--format", f"json={second}", "-q"]) == 1
    by_fp = {f["fingerprint"]: f["first_seen"] for f in findings(second)}
    assert by_fp[old["fingerprint"]] == "2024-01-02"
    assert by_fp[doc["tasks"][0]["findings"][1]["fingerprint"]] == "2024-03-04"
    # the baseline carries them too
    third = tmp_path / "c.json"
    assert main(["check", str(EXAMPLES), "--baseline", str(edited), "--format", f"json={third}", "-q"]) == 0
    assert {f["fingerprint"]: f["first_seen"] for f in findings(third)} == by_fp


def test_previous_is_an_input_and_must_be_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.json"
    assert main(["check", str(EXAMPLES), "--format", f"json={report}", "-q"]) == 1
    before = report.read_bytes()
    assert main(["check", str(EXAMPLES), "--previous", str(report), "--format", f"json={report}"]) == 2
    assert "also an input" in capsys.readouterr().err and report.read_bytes() == before
    bad = tmp_path / "bad.json"
    bad.write_text("[1]", encoding="utf-8")
    assert main(["check", str(EXAMPLES), "--previous", str(bad), "-o", str(tmp_path / "o")]) == 2
    assert "not a wedata-audit JSON report" in capsys.readouterr().err


def test_loader_ignores_malformed_entries(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"run": {"started": "nope"}, "tasks": [
        1, {"findings": "x"}, {"findings": [1, {"fingerprint": "a", "first_seen": "2025-02-30"},
                                            {"fingerprint": "b", "first_seen": "2025-02-03"}]}]}))
    assert load_first_seen(str(path)).dates == {"b": "2025-02-03"}


def test_html_report_shows_a_findings_age() -> None:
    from dataclasses import replace

    from tests.report_factory import sample_result
    from wedata_audit.reporters.formats.html import HtmlReporter, finding_age

    assert finding_age("2024-04-01", "2024-05-01T08:00:00+00:00") == "first seen 2024-04-01 (30 days)"
    assert finding_age("2024-05-01", "2024-05-01T08:00:00+00:00") == "first seen 2024-05-01 (new)"
    assert finding_age(None, "2024-05-01T08:00:00+00:00") is None
    result = sample_result(1, kinds=("failed",), hostile=False)
    task = result.tasks[0]
    aged = replace(task, findings=tuple(replace(f, first_seen="2024-04-01") for f in task.findings))
    page = HtmlReporter().render(replace(result, tasks=[aged]))
    assert "first seen 2024-04-01 (30 days)" in page


@pytest.mark.browser
def test_finding_row_shows_its_age_in_a_browser(driver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from dataclasses import replace

    from tests.report_factory import sample_result

    from .test_report_html import console_problems, open_report

    result = sample_result(1, kinds=("failed",), hostile=False)
    task = result.tasks[0]
    aged = replace(task, findings=tuple(replace(f, first_seen="2024-04-01") for f in task.findings))
    open_report(driver, tmp_path / "report.html", replace(result, tasks=[aged]))
    text = driver.execute_script("return document.getElementById('findings-body').innerText")
    assert "first seen 2024-04-01 (30 days)" in text
    assert console_problems(driver) == []

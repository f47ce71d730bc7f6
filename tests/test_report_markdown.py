"""The Markdown summary: order of sections, counts, size cap and escaping of task data."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.report_factory import SECRET, sample_result
from wedata_audit.model.finding import Finding, Subject
from wedata_audit.model.results import AuditResult
from wedata_audit.reporters import registry
from wedata_audit.reporters.formats import markdown
from wedata_audit.reporters.formats.markdown import MAX_BYTES, MarkdownReporter, escape, render_document

COMPLETE_KINDS = ("failed", "passed", "waived")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
LIMIT = 60 * 1024


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def big_result(n_tasks: int = 10_000, findings_per_task: int = 4, **kw: object) -> AuditResult:
    """``n_tasks`` failed task versions with ``findings_per_task`` open findings each."""
    result = sample_result(n_tasks, kinds=("failed",), **kw)  # type: ignore[arg-type]
    tasks = [replace(t, findings=t.findings[:findings_per_task]) for t in result.tasks]
    return replace(result, tasks=tasks)


def with_subject(result: AuditResult, **fields: str) -> AuditResult:
    """Every task and finding of ``result`` about a subject with ``fields`` changed."""
    tasks = []
    for task in result.tasks:
        subject = replace(task.subject, **fields)
        findings = tuple(replace(f, subject=subject) for f in task.findings)
        tasks.append(replace(task, subject=subject, findings=findings))
    return replace(result, tasks=tasks)


def table_rows(text: str) -> list[list[str]]:
    """Each table, as the list of its lines."""
    tables: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def assert_tables_intact(text: str) -> None:
    tables = table_rows(text)
    assert tables
    for table in tables:
        widths = {len(_UNESCAPED_PIPE.findall(line)) for line in table}
        assert len(widths) == 1, table


# --- structure ------------------------------------------------------------------------------


def test_registered_and_written(tmp_path: Path) -> None:
    assert registry()["markdown"] is MarkdownReporter
    assert MarkdownReporter.default_filename == "report.md"
    path = MarkdownReporter().write(sample_result(), tmp_path / MarkdownReporter.default_filename)
    assert path.read_text(encoding="utf-8") == render_document(sample_result())


def test_incomplete_warning_comes_first() -> None:
    text = render_document(sample_result(4))
    first = text.splitlines()[0]
    assert "INCOMPLETE" in first
    assert "1 of 4 task version(s) could not be audited" in first
    assert text.index("INCOMPLETE AUDIT") < text.index("wedata-audit: INCOMPLETE") < text.index("### Counts")


def test_interrupted_run_warning_has_the_reason() -> None:
    result = sample_result(3, kinds=COMPLETE_KINDS, complete=False, incomplete_reason="interrupted by user")
    first = render_document(result).splitlines()[0]
    assert "INCOMPLETE" in first
    assert "interrupted by user" in first


@pytest.mark.parametrize(("kinds", "verdict"), [(COMPLETE_KINDS, "FAIL"), (("passed", "waived"), "PASS")])
def test_complete_run_starts_with_the_verdict(kinds: tuple[str, ...], verdict: str) -> None:
    text = render_document(sample_result(3, kinds=kinds))
    assert text.splitlines()[0].startswith("## ")
    assert f"wedata-audit: {verdict}" in text.splitlines()[0]
    assert "INCOMPLETE" not in text


def test_sections_in_order() -> None:
    text = render_document(sample_result(4))
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "## ⚠️ wedata-audit: INCOMPLETE",
        "### Counts",
        "### Rules failing most",
        "### Top findings",
        "### Errored task versions",
    ]


def test_counts_table() -> None:
    text = render_document(sample_result(4))
    for row in ("| Task versions | 4 |", "| ✅ passed | 2 |", "| ❌ failed | 1 |", "| ⚠️ errored | 1 |"):
        assert row in text
    assert "| 🟥 open critical | 2 |" in text
    assert "| Waived | 3 |" in text
    assert "| New (not in the baseline) | 5 |" in text
    assert "| Existing (in the baseline) | 1 |" in text


def test_no_baseline_rows_without_a_baseline() -> None:
    result = sample_result(3, kinds=("passed", "waived"))
    text = render_document(result)
    assert "baseline" not in text


def test_top_findings_ordered_by_severity_then_rule() -> None:
    text = render_document(sample_result(8, kinds=("failed", "passed")))
    (findings,) = [t for t in table_rows(text) if t[0].startswith("| Severity")]
    body = findings[2:]
    severities = [row.split("|")[1].split()[-1] for row in body]
    assert severities == ["critical"] * 8 + ["high"] * 4 + ["medium"] * 4 + ["low"] * 4
    rules = [row.split("|")[2].strip() for row in body]
    assert rules[:8] == ["WD-001"] * 8


def test_only_open_findings_are_listed() -> None:
    text = render_document(sample_result(3, kinds=("passed", "waived")))
    assert "No open findings." in text
    assert "Rules failing most" not in text


def test_errored_tasks_are_listed() -> None:
    text = render_document(sample_result(4))
    (errors,) = [t for t in table_rows(text) if t[0].startswith("| Task | Source")]
    assert len(errors) == 3
    assert "HTTP 500 from DescribeTriggerTaskVersionDetail" in errors[2]
    assert "exports/project-a/tasks.jsonl:3" in errors[2]


def test_secret_never_appears() -> None:
    assert SECRET not in render_document(sample_result(8))


# --- size -----------------------------------------------------------------------------------


def test_ten_thousand_tasks_stay_under_the_cap() -> None:
    result = big_result()
    assert len(result.findings()) == 40_000
    text = render_document(result)
    assert size(text) < LIMIT
    assert size(text) <= MAX_BYTES
    shown = len(table_rows(text)[-1]) - 2
    assert f"{40_000 - shown} more findings not shown; see the HTML/JSON report" in text


def test_byte_budget_caps_even_without_a_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markdown, "MAX_FINDING_ROWS", 10**9)
    monkeypatch.setattr(markdown, "MAX_ERROR_ROWS", 10**9)
    result = sample_result(10_000, kinds=("failed", "errored"))
    text = render_document(result)
    assert size(text) <= MAX_BYTES
    assert_tables_intact(text)
    findings = next(t for t in table_rows(text) if t[0].startswith("| Severity"))
    errors = next(t for t in table_rows(text) if t[0].startswith("| Task | Source"))
    opened = sum(1 for f in result.findings() if f.status == "open")
    assert f"{opened - (len(findings) - 2)} more findings not shown" in text
    assert f"{5_000 - (len(errors) - 2)} more errored task versions not shown" in text
    assert len(errors) > 2  # the findings table does not squeeze the errors out


def test_long_values_are_shortened() -> None:
    result = with_subject(sample_result(1, kinds=("failed",)), task_name="x" * 10_000)
    tasks = [replace(t, findings=tuple(replace(f, message="m" * 10_000) for f in t.findings)) for t in result.tasks]
    text = render_document(replace(result, tasks=tasks))
    assert "x" * 100 not in text
    assert "m" * 200 not in text
    assert "…" in text


def test_small_run_has_no_left_out_note() -> None:
    assert "not shown" not in render_document(sample_result(4))


# --- escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "<img src=x onerror=alert(1)>",
        "a|b",
        "line1\nline2\r\n| x | y |",
        "`code` **bold** _em_ [link](http://evil) ![i](http://evil/x.png)",
        "<script>alert(1)</script>",
        "\\|escaped pipe",
        "@everyone ~~strike~~ # heading",
    ],
)
def test_hostile_task_names_cannot_break_tables_or_inject(name: str) -> None:
    result = with_subject(sample_result(4, hostile=False), task_name=name)
    text = render_document(result)
    assert_tables_intact(text)
    assert "<" not in text and ">" not in text
    assert "](" not in text.replace("\\](", "")
    assert "**bold**" not in text
    assert "`code`" not in text
    assert "@everyone" not in text


def test_hostile_sample_keeps_tables_intact() -> None:
    text = render_document(sample_result(8))
    assert_tables_intact(text)
    assert "<script>" not in text
    text.encode("utf-8")  # no lone surrogate


def test_escape() -> None:
    assert escape("a|b") == "a\\|b"
    assert escape("<img src=x>") == "&lt;img src=x&gt;"
    assert escape("a & b") == "a &amp; b"
    assert escape("x\ny\r\nz") == "x y z"
    assert escape("*_`[]") == "\\*\\_\\`\\[\\]"
    assert escape("\\") == "\\\\"
    assert escape("\x00\x1b\ud800") == "\ufffd\ufffd\ufffd"
    assert escape("abcdef", 4) == "abc…"


def test_errored_subject_without_name() -> None:
    result = sample_result(1, kinds=("errored",))
    result.tasks[0] = replace(result.tasks[0], subject=Subject(source="<stdin>", task_id=""))
    text = render_document(result)
    assert "&lt;stdin&gt;" in text


def test_unknown_rule_is_listed() -> None:
    result = sample_result(1, kinds=("failed",), hostile=False)
    task = result.tasks[0]
    stray: Finding = replace(task.findings[0], rule_id="LEGACY-9", title="Legacy")
    result.tasks[0] = replace(task, findings=(*task.findings, stray))
    text = render_document(result)
    assert "| LEGACY-9 | critical | Legacy | 1 | 1 |" in text

"""What every reporter shares: why a run is incomplete (``AuditResult.incomplete_text``), the lone-surrogate
scrub (``reporters.scrub_surrogates``), and the task label (``Subject.label``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wedata_audit.reporters import registry
from wedata_audit.reporters.base import scrub_surrogates
from wedata_audit.reporters.formats.markdown import TASK_CHARS, escape, render_document

from .report_factory import sample_result

COMPLETE_KINDS = ("failed", "passed", "waived")
REPORTERS = Path(__file__).resolve().parent.parent / "wedata_audit" / "reporters"


def test_incomplete_text_of_a_complete_run_is_none() -> None:
    result = sample_result(3, kinds=COMPLETE_KINDS)
    assert result.is_complete
    assert result.incomplete_reasons == () and result.incomplete_text is None


def test_incomplete_text_says_every_reason() -> None:
    errored = sample_result(3)  # one of three tasks errored
    assert errored.incomplete_text == "1 of 3 task version(s) could not be audited"
    stopped = sample_result(3, kinds=COMPLETE_KINDS, complete=False, incomplete_reason="interrupted (Ctrl-C)")
    assert stopped.incomplete_text == "interrupted (Ctrl-C)"
    both = sample_result(4, complete=False, incomplete_reason="the API refused the run")
    assert both.incomplete_reasons == ("the API refused the run", "1 of 4 task version(s) could not be audited")
    assert both.incomplete_text == "the API refused the run; 1 of 4 task version(s) could not be audited"
    unexplained = sample_result(1, kinds=("passed",), complete=False)
    assert unexplained.incomplete_text == "the audit did not finish"


@pytest.mark.parametrize("fmt", ["json", "junit", "sarif", "markdown", "html"])
def test_every_reporter_gives_every_reason(fmt: str) -> None:
    result = sample_result(4, hostile=False, complete=False, incomplete_reason="the API refused the run")
    text = registry()[fmt]().render(result)
    assert "the API refused the run" in text
    assert "1 of 4 task version(s) could not be audited" in text


def test_the_json_report_states_the_whole_reason() -> None:
    result = sample_result(4, hostile=False, complete=False, incomplete_reason="the API refused the run")
    doc = json.loads(registry()["json"]().render(result))
    assert doc["run"]["incomplete_reason"] == result.incomplete_text


def test_no_reporter_has_its_own_incomplete_reason() -> None:
    for path in REPORTERS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "def incomplete_reason" not in source and "def _incomplete_reasons" not in source, path.name


def test_scrub_surrogates() -> None:
    assert scrub_surrogates("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert scrub_surrogates("plain 任务 😀 \x00") == "plain 任务 😀 \x00"
    scrub_surrogates("\ud83d" * 1000).encode("utf-8")


def test_the_lone_surrogate_pattern_is_written_once() -> None:
    """Reporters that only replace lone surrogates use the shared helper (JUnit and Markdown replace a wider
    class of characters in one pass, and keep their own pattern)."""
    alone = re.compile(r"""re\.compile\(["']\[\\ud800-\\udfff\]["']\)""")
    owners = [p.name for p in REPORTERS.glob("*.py") if alone.search(p.read_text(encoding="utf-8"))]
    assert owners == ["base.py"]


@pytest.mark.parametrize("fmt", ["json", "sarif", "html", "csv", "markdown", "junit"])
def test_every_format_encodes_lone_surrogates(fmt: str) -> None:
    text = registry()[fmt]().render(sample_result(4))  # hostile text holds a lone surrogate
    text.encode("utf-8")


def test_markdown_findings_name_the_task_by_its_label() -> None:
    result = sample_result(2, kinds=("failed",), hostile=False)
    text = render_document(result)
    header = next(line for line in text.splitlines() if line.startswith("| Severity"))
    assert [c.strip() for c in header.strip("|").split("|")] == ["Severity", "Rule", "Task", "Key", "Message"]
    rows = [line for line in text.splitlines() if line.startswith("| ") and "WD-" in line and "🟥" in line]
    labels = {escape(t.subject.label, TASK_CHARS) for t in result.tasks}
    assert rows and {row.split(" | ")[2] for row in rows} == labels
    assert all("V1" in label for label in labels)

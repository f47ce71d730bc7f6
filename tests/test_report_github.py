"""GitHub workflow commands: at most 10 error and 10 warning annotations (the most severe), a notice that
counts the rest, the job summary when GITHUB_STEP_SUMMARY is set, and no command injected by task text."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.report_factory import sample_result
from wedata_audit.cli import main
from wedata_audit.model.finding import Finding, Severity, Subject
from wedata_audit.model.results import TaskResult
from wedata_audit.reporters.formats.github import Annotation, GithubReporter, TopFindings, render_document

from .conftest import EXAMPLES

# A line GitHub runs as a workflow command: "::name" at the start of a line, then properties and "::".
COMMAND = re.compile(r"^::([A-Za-z-]+)( [^:]*)?::", re.MULTILINE)


def commands(text: str) -> list[str]:
    return [m.group(1) for m in COMMAND.finditer(text)]


def many(n: int, severity: Severity, *, name: str = "t") -> list[TaskResult]:
    out = []
    for i in range(n):
        subject = Subject(source=f"snaps/{i}.json", project_id="p", task_id=str(i), task_name=f"{name}{i}")
        f = Finding(rule_id=f"r-{severity.value}", severity=severity, title="T", message=f"m{i}", subject=subject,
                    key="ext.x")
        out.append(TaskResult(subject=subject, findings=(f,), outcomes=((f.rule_id, "fail"),)))
    return out


def result_of(tasks: list[TaskResult]):  # type: ignore[no-untyped-def]
    return replace(sample_result(1, kinds=("passed",), hostile=False), tasks=tasks)


def test_ten_errors_ten_warnings_most_severe_first_and_a_notice_counting_the_rest() -> None:
    tasks = many(15, Severity.HIGH) + many(3, Severity.CRITICAL, name="c") + many(30, Severity.MEDIUM)
    text = render_document(result_of(tasks), environ={})
    kinds = commands(text)
    assert kinds[0] == "debug"
    assert kinds.count("error") == 10 and kinds.count("warning") == 10 and kinds.count("notice") == 1
    errors = [line for line in text.splitlines() if line.startswith("::error")]
    # the three critical ones first, then the earliest high ones
    assert all("r-critical" in line for line in errors[:3])
    assert [re.search(r"::t(\d+) \(", line).group(1) for line in errors[3:]] == [str(i) for i in range(7)]
    notice = next(line for line in text.splitlines() if line.startswith("::notice"))
    assert "48 open finding(s)" in notice and "28 more open finding(s) not annotated" in notice
    assert re.search(r"^::error file=snaps/0\.json,line=1,title=r-high \(high\)%3A T::t0 \(0\): m0", text, re.M)


def test_bounded_memory_keeps_only_the_top() -> None:
    top = TopFindings(limit=10)
    for task in many(1000, Severity.LOW):
        (f,) = task.findings
        if top.wants(f):
            top.offer(Annotation(f, "x", 1))
        else:
            top.skip()
    assert top.offered == 1000 and len(top.best()) == 10
    assert [a.finding.message for a in top.best()] == [f"m{i}" for i in range(10)]


def test_hostile_task_text_starts_no_command() -> None:
    hostile = "evil\n::error::injected\r\n::set-output name=x::y %0A, :"
    tasks = many(2, Severity.CRITICAL, name=hostile)
    tasks = [replace(t, findings=tuple(replace(f, message=hostile, actual=hostile) for f in t.findings))
             for t in tasks]
    text = render_document(result_of(tasks), environ={})
    assert commands(text) == ["debug", "error", "error", "notice"]
    assert "injected" in text and "%0A::error::injected%0D%0A" in text
    assert "%250A" in text  # a literal %0A in task text stays literal


def test_step_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    render_document(sample_result(4), environ={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and "wedata-audit" in text and "##" in text
    assert not list(tmp_path.glob(".*"))  # no temporary file left beside it


def test_incomplete_run_takes_an_error_slot() -> None:
    tasks = [*many(12, Severity.HIGH), TaskResult(subject=Subject(source="bad.json"), error="broken")]
    text = render_document(result_of(tasks), environ={})
    errors = [line for line in text.splitlines() if line.startswith("::error")]
    assert len(errors) == 10 and "audit incomplete" in errors[0]


def test_cli_stdout_default_and_a_task_named_with_a_newline_injects_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    doc = json.loads((EXAMPLES / "latest-version-v4.response.json").read_text(encoding="utf-8"))
    doc["Response"]["Data"]["Task"]["TriggerTaskBaseAttribute"]["TaskName"] = "x\n::error::injected"
    (snaps / "hostile.json").write_text(json.dumps(doc), encoding="utf-8")
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(tmp_path)
    # a file named "-" in the current folder is not taken for standard output, nor removed
    (tmp_path / "-").write_text("keep", encoding="utf-8")
    code = main(["check", "snaps", "--format", "github", "-o", "out", "-v"])
    out = capsys.readouterr().out
    assert code == 1
    assert (tmp_path / "-").read_text(encoding="utf-8") == "keep"
    kinds = commands(out)
    assert kinds.count("error") >= 1 and kinds.count("notice") == 1
    assert not re.search(r"^::error::injected", out, re.M)
    assert "report: standard output" in out
    assert "wedata-audit" in summary.read_text(encoding="utf-8")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_to_a_file_with_a_marker(tmp_path: Path) -> None:
    target = tmp_path / "annotations.txt"
    assert main(["check", str(EXAMPLES), "--format", f"github={target}", "-q"]) == 1
    assert GithubReporter.wrote(target)
    assert main(["check", str(EXAMPLES), "--format", f"github={target}", "-q"]) == 1
    other = tmp_path / "notes.txt"
    other.write_text("::debug::something else\n", encoding="utf-8")
    assert main(["check", str(EXAMPLES), "--format", f"github={other}", "-q"]) == 2
    assert other.read_text(encoding="utf-8") == "::debug::something else\n"


def test_step_summary_that_is_an_input_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    snap = tmp_path / "snap.json"
    snap.write_bytes((EXAMPLES / "latest-version-v4.response.json").read_bytes())
    before = snap.read_bytes()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(snap))
    assert main(["check", str(snap), "--format", "github", "-o", str(tmp_path / "out")]) == 2
    assert "also an input" in capsys.readouterr().err and snap.read_bytes() == before

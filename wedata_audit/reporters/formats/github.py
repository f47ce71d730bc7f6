"""GitHub Actions workflow commands: inline annotations, a notice, and the job summary.

GitHub shows at most 10 ``error`` and 10 ``warning`` annotations per step, so this reporter keeps, while the
run streams, only the 10 most severe open findings **at or above** ``--fail-on`` (``::error``, they fail the
gate) and the 10 most severe open findings **below** it (``::warning``), earliest first among equals: memory
is 20 findings whatever the size of the run. At the end it writes:

* ``::debug::wedata-audit annotations ...`` first (shown only in debug logs; the marker of a file of ours);
* ``::error`` for an incomplete run (it takes one of the 10 error slots), then the annotations, each with
  ``file`` and ``line`` as in SARIF (the snapshot file relative to the current folder and the line of the
  failing key; ``wedata/<project>/<task>.json`` and line 1 for a live audit) and ``title`` = rule and title;
* one ``::notice`` that counts everything: open findings, how many were annotated, the rest;
* when ``GITHUB_STEP_SUMMARY`` is set, the Markdown summary (the ``markdown`` format) appended to that file.

All task text goes through :func:`citext.workflow_command` (``%``, CR and LF escaped in messages, also ``:``
and ``,`` in properties), so no task name, message or code can end the line and start a command of its own.

Output: standard output by default (workflow commands are read from a step's log), or a file with
``github=PATH`` (e.g. to ``cat`` in a later step); ``github=-`` is standard output too. Standard output is no
file: the stale-report and input guards leave it alone.
"""

from __future__ import annotations

import heapq
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import click

from wedata_audit.model.finding import Finding
from wedata_audit.model.results import AuditResult, Run, TaskResult
from wedata_audit.reporters.base import Reporter, ReportSettings, render, write_atomic
from wedata_audit.reporters.citext import location_path, workflow_command
from wedata_audit.reporters.formats.markdown import MarkdownReporter
from wedata_audit.reporters.locations.keylines import KeyLines

MAX_ANNOTATIONS = 10  # GitHub's limit per step, for errors and for warnings alike
STDOUT = Path("-")
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
MARKER_LINE = "::debug::wedata-audit annotations"


@dataclass(frozen=True, slots=True)
class Annotation:
    finding: Finding
    path: str
    line: int


class TopFindings:
    """The ``limit`` most severe findings offered, earliest first among equal severities (a bounded heap)."""

    def __init__(self, limit: int = MAX_ANNOTATIONS) -> None:
        self.limit = limit
        self.offered = 0
        self._heap: list[tuple[int, int, Annotation]] = []

    def wants(self, finding: Finding) -> bool:
        """Whether ``finding`` (offered next) would be kept: ask before computing its line."""
        if len(self._heap) < self.limit:
            return True
        return (finding.severity.rank, -self.offered) > self._heap[0][:2]

    def offer(self, annotation: Annotation) -> None:
        key = (annotation.finding.severity.rank, -self.offered)
        self.offered += 1
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, (*key, annotation))
        elif key > self._heap[0][:2]:
            heapq.heapreplace(self._heap, (*key, annotation))

    def skip(self) -> None:
        self.offered += 1

    def best(self, n: int | None = None) -> list[Annotation]:
        ordered = [a for _, _, a in sorted(self._heap, key=lambda k: (-k[0], -k[1]))]
        return ordered if n is None else ordered[:n]


def message(finding: Finding) -> str:
    lines = [f"{finding.subject.label}: {finding.message or finding.title or finding.rule_id}"]
    for label, value in (("key", finding.key), ("actual", finding.actual), ("expected", finding.expected)):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def annotation_command(kind: str, a: Annotation) -> str:
    f = a.finding
    title = f"{f.rule_id} ({f.severity.value})" + (f": {f.title}" if f.title else "")
    return workflow_command(kind, message(f), {"file": a.path, "line": a.line, "title": title})


class GithubReporter(Reporter):
    name = "github"
    default_filename = "github-annotations.txt"
    stdout = True  # no PATH (or PATH "-"): standard output
    marker = re.compile(rb"\A::debug::wedata-audit annotations")

    def __init__(self, path: Path | None = None, settings: ReportSettings | None = None, *,
                 stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(STDOUT if path is None else path, settings)
        self.stream = stream
        self.environ = os.environ if environ is None else environ

    @classmethod
    def side_outputs(cls) -> list[Path]:
        summary = os.environ.get(STEP_SUMMARY)
        return [Path(summary)] if summary else []

    @property
    def to_stdout(self) -> bool:
        return self.path == STDOUT

    def start(self, run: Run) -> None:
        self._lines = KeyLines()
        self._errors = TopFindings()
        self._warnings = TopFindings()
        self._floor = run.fail_on.rank
        self._summary_to = self.environ.get(STEP_SUMMARY) or None
        self._markdown: MarkdownReporter | None = None
        self._tmp: str | None = None
        if self._summary_to:
            self._tmp = tempfile.mkdtemp(prefix="wedata-audit-summary-")
            self._markdown = MarkdownReporter(Path(self._tmp) / MarkdownReporter.default_filename, self.settings)
            self._markdown.start(run)

    def add(self, task: TaskResult) -> None:
        if self._markdown is not None:
            self._markdown.add(task)
        for f in task.findings:
            if not f.is_open:
                continue
            top = self._errors if f.severity.rank >= self._floor else self._warnings
            if not top.wants(f):
                top.skip()
                continue
            line = self._lines.line(f.subject, f.key)
            top.offer(Annotation(f, location_path(f.subject, live=False), line))

    def lines(self, run: Run) -> list[str]:
        out = [f"{MARKER_LINE} (verdict {run.verdict})"]
        errors_room = MAX_ANNOTATIONS
        reason = run.incomplete_text
        if reason:
            out.append(workflow_command("error", f"audit incomplete: {reason}",
                                        {"title": "wedata-audit: audit incomplete"}))
            errors_room -= 1
        errors = self._errors.best(errors_room)
        warnings = self._warnings.best()
        out += [annotation_command("error", a) for a in errors]
        out += [annotation_command("warning", a) for a in warnings]
        gating, below = self._errors.offered, self._warnings.offered
        rest = gating + below - len(errors) - len(warnings)
        gate = run.fail_on.value
        text = (f"wedata-audit {run.verdict}: {run.totals.tasks} task version(s), {gating + below} open "
                f"finding(s) ({gating} at or above {gate}, {below} below); {len(errors)} error and "
                f"{len(warnings)} warning annotation(s) shown")
        text += f"; {rest} more open finding(s) not annotated: see the reports" if rest else ""
        if run.totals.errored:
            text += f"; {run.totals.errored} task version(s) could not be audited"
        out.append(workflow_command("notice", text, {"title": "wedata-audit"}))
        return out

    def finish(self, run: Run) -> Path:
        text = "\n".join(self.lines(run)) + "\n"
        try:
            self._append_summary(run)
        finally:
            self._cleanup()
        if self.to_stdout:
            stream = self.stream or sys.stdout
            stream.write(text)
            stream.flush()
            return STDOUT
        write_atomic(self.path, text)
        return self.path

    def _append_summary(self, run: Run) -> None:
        if self._markdown is None or not self._summary_to:
            return
        written = self._markdown.finish(run)
        try:
            with open(self._summary_to, "a", encoding="utf-8", newline="") as fh:
                fh.write(written.read_text(encoding="utf-8") + "\n")
        except OSError as exc:
            click.echo(f"wedata-audit: warning: cannot append to {STEP_SUMMARY} ({exc})", err=True)

    def _cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def abort(self) -> None:
        markdown = getattr(self, "_markdown", None)
        if markdown is not None:
            markdown.abort()
        self._cleanup()

    def render(self, result: AuditResult) -> str:
        import io

        stream = io.StringIO()
        reporter = GithubReporter(STDOUT, self.settings, stream=stream, environ=self.environ)
        reporter.start(result.header())
        for task in result.tasks:
            reporter.add(task)
        reporter.finish(result.run())
        return stream.getvalue()


def render_document(result: AuditResult, environ: Mapping[str, str] | None = None) -> str:
    if environ is None:
        return render(GithubReporter, result)
    return GithubReporter(environ=environ).render(result)

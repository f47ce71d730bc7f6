"""One row per finding, for spreadsheets and ad-hoc filtering.

* Columns: :data:`COLUMNS`, in that order, after a header row. Quoting follows RFC 4180 (the
  :mod:`csv` module's defaults: ``"`` doubled, a cell with a comma, quote or line break quoted, CRLF
  between records); a cell keeps its line breaks, so read the file with a CSV parser, not by lines.
* Every finding is a row, whatever its status (``open``, ``waived``, ``existing``); an errored task
  version is one row with an empty ``rule_id``, ``status`` ``errored`` and the error as ``message``,
  so a spreadsheet shows what was not audited.
* Spreadsheet-safe (OWASP "CSV injection"): a cell starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return is prefixed with ``'`` so Excel, LibreOffice and Google Sheets read it as text, not
  as a formula. The prefix is visible in the data (``-1`` becomes ``'-1``); the JSON report has the
  raw values.
* Text is UTF-8 without a byte-order mark; lone surrogates become U+FFFD and NUL becomes U+FFFD
  (spreadsheets truncate cells at NUL).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from wedata_audit.model.results import ERRORED, AuditResult, Run, TaskResult
from wedata_audit.reporters.base import Reporter, render
from wedata_audit.reporters.escaping import FORMULA_TRIGGERS, csv_cell
from wedata_audit.reporters.fields import finding_fields, subject_fields

COLUMNS = (
    "project_id",
    "task_id",
    "task_name",
    "workflow_id",
    "version_num",
    "version_id",
    "rule_id",
    "severity",
    "status",
    "title",
    "message",
    "key",
    "actual",
    "expected",
    "note",
    "fingerprint",
    "source",
)
__all__ = ["COLUMNS", "FORMULA_TRIGGERS", "CsvReporter", "render_document", "rows", "safe_cell"]
safe_cell = csv_cell


def task_rows(task: TaskResult) -> Iterator[dict[str, str | None]]:
    """An errored task's row, then one row per finding in the engine's order."""
    subject: dict[str, str | None] = dict(subject_fields(task.subject))
    if task.error is not None:
        yield {**subject, "rule_id": "", "status": ERRORED, "message": task.error}
    for f in task.findings:
        yield {**subject, **finding_fields(f)}


def rows(result: AuditResult) -> Iterator[dict[str, str | None]]:
    """The rows in task order."""
    for task in result.tasks:
        yield from task_rows(task)


def csv_line(cells: list[str]) -> str:
    """One RFC 4180 record (CRLF-terminated), as every CSV report of this tool writes it."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return out.getvalue()


class CsvReporter(Reporter):
    name = "csv"
    default_filename = "findings.csv"
    marker = re.compile(re.escape(",".join(COLUMNS).encode()))

    def start(self, run: Run) -> None:
        super().start(run)
        self._buffer = io.StringIO(newline="")
        self._writer = csv.writer(self._buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def add(self, task: TaskResult) -> None:
        for row in task_rows(task):
            self._writer.writerow([csv_cell(row.get(column)) for column in COLUMNS])
        self.spool.write(self._buffer.getvalue())
        self._buffer.seek(0)
        self._buffer.truncate()

    def head(self, run: Run) -> str:
        return csv_line(list(COLUMNS))


def render_document(result: AuditResult) -> str:
    return render(CsvReporter, result)

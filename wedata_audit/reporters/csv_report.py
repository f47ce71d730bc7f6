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

from wedata_audit.finding import Finding, Subject
from wedata_audit.reporters import Reporter, scrub_surrogates
from wedata_audit.results import ERRORED, AuditResult, TaskResult

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
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str | None) -> str:
    """``value`` as a cell no spreadsheet evaluates as a formula."""
    if not value:
        return ""
    value = scrub_surrogates(value).replace("\x00", "\ufffd")
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def subject_cells(subject: Subject) -> dict[str, str]:
    return {
        "project_id": subject.project_id,
        "task_id": subject.task_id,
        "task_name": subject.task_name,
        "workflow_id": subject.workflow_id,
        "version_num": subject.version_num,
        "version_id": subject.version_id,
        "source": subject.source,
    }


def finding_row(finding: Finding) -> dict[str, str | None]:
    row: dict[str, str | None] = dict(subject_cells(finding.subject))
    row.update(
        rule_id=finding.rule_id,
        severity=finding.severity.value,
        status=finding.status,
        title=finding.title,
        message=finding.message,
        key=finding.key,
        actual=finding.actual,
        expected=finding.expected,
        note=finding.note,
        fingerprint=finding.fingerprint,
    )
    return row


def error_row(task: TaskResult) -> dict[str, str | None]:
    row: dict[str, str | None] = dict(subject_cells(task.subject))
    row.update(rule_id="", status=ERRORED, message=task.error)
    return row


def rows(result: AuditResult) -> Iterator[dict[str, str | None]]:
    """The rows in task order; a task's findings in the engine's order."""
    for task in result.tasks:
        if task.error is not None:
            yield error_row(task)
        yield from (finding_row(f) for f in task.findings)


def render_document(result: AuditResult) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in rows(result):
        writer.writerow([safe_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


class CsvReporter(Reporter):
    name = "csv"
    default_filename = "findings.csv"
    marker = re.compile(re.escape(",".join(COLUMNS).encode()))

    def render(self, result: AuditResult) -> str:
        return render_document(result)

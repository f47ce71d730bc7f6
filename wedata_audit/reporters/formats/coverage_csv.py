"""Framework coverage as CSV (``--format coverage-csv``, ``coverage.csv``): one row per requirement.

A file of its own rather than rows appended to ``findings.csv``: the two tables have different columns, and a
spreadsheet or a script reads each with one header. Columns: :data:`COLUMNS`. ``rules``, ``not_run`` and
``failing_tasks`` are lists joined with a space (ids hold none); ``failing_tasks`` names at most 20 task ids
and ``failing_tasks_truncated`` says when more fail. Quoting and spreadsheet safety as ``findings.csv``.
Passing rules is evidence, not certification: the HTML, Markdown and JSON reports say so beside the numbers.
"""

from __future__ import annotations

import re

from wedata_audit.model.results import Run, TaskResult
from wedata_audit.reporters.base import Reporter
from wedata_audit.reporters.escaping import csv_cell
from wedata_audit.reporters.formats.csv import csv_line

COLUMNS = ("framework_id", "framework_name", "requirement_id", "requirement_name", "status", "manual", "rules",
           "not_run", "failing_tasks", "failing_tasks_truncated")


class CoverageCsvReporter(Reporter):
    """Written whole at the end of the run: coverage is known only when every task has been tallied."""

    name = "coverage-csv"
    default_filename = "coverage.csv"
    marker = re.compile(re.escape(",".join(COLUMNS).encode()))

    def add(self, task: TaskResult) -> None:
        """Nothing per task: the pipeline's tallies feed the coverage this report writes."""

    def head(self, run: Run) -> str:
        lines = [csv_line(list(COLUMNS))]
        for fw in run.coverage:
            for req in fw.requirements:
                cells = [fw.id, fw.name, req.id, req.name, req.status, str(req.manual).lower(), " ".join(req.rules),
                         " ".join(req.not_run), " ".join(req.failing_tasks), str(req.failing_tasks_truncated).lower()]
                lines.append(csv_line([csv_cell(c) for c in cells]))
        return "".join(lines)

"""``wedata-audit history``: trends across earlier JSON reports (see :mod:`.reports` and :mod:`.page`).

Writes ``history.html`` (inline SVG charts, self-contained, a Content-Security-Policy that blocks every
request) and ``history.csv`` (one row per run) into the output folder. The inputs are protected like a
run's: an output path that is one of the reports read is a usage error, and a file already at an output
path is replaced only when this command wrote it (its marker); anything else there stays as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from wedata_audit.errors import UsageError
from wedata_audit.reporters.base import MARKER_WINDOW, scrub_surrogates, write_atomic
from wedata_audit.reporters.escaping import terminal as safe
from wedata_audit.reporters.history.page import CSV_COLUMNS, GENERATOR, csv_text, html_text
from wedata_audit.reporters.history.reports import collect, report_files
from wedata_audit.terminal import Terminal

HTML_NAME, CSV_NAME = "history.html", "history.csv"
MARKERS = {HTML_NAME: f'<meta name="generator" content="{GENERATOR}">'.encode(),
           CSV_NAME: ",".join(CSV_COLUMNS).encode()}


def _ours(path: Path, marker: bytes) -> bool:
    try:
        with path.open("rb") as fh:
            return marker in fh.read(MARKER_WINDOW)
    except OSError:
        return False


def check_outputs(outputs: Sequence[Path], inputs: Sequence[Path]) -> None:
    read = {p.resolve() for p in inputs}
    for path in outputs:
        if path.resolve() in read:
            raise UsageError(f"{path} is also an input of this command: it would be overwritten; choose another "
                             "-o folder (nothing was changed)")
        if (path.exists() or path.is_symlink()) and (
                path.is_symlink() or not path.is_file() or not _ours(path, MARKERS[path.name])):
            raise UsageError(f"{path} exists and was not written by wedata-audit history; it is left as it is: "
                             "move it away or choose another -o folder")


def execute_history(inputs: Sequence[str], output_dir: str | None, term: Terminal) -> int:
    if not inputs:
        raise UsageError("history: give JSON reports or folders of them")
    for item in inputs:
        if not Path(item).exists():
            raise UsageError(f"history: {item}: no such file or folder")
    folder = Path(output_dir or "reports")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o/--output-dir {folder}: exists and is not a folder")
    outputs = [folder / HTML_NAME, folder / CSV_NAME]
    files = report_files(inputs)
    check_outputs(outputs, files)
    history = collect(files)
    for problem in history.problems:
        term.warn(safe(problem))
    generated = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    write_atomic(outputs[0], scrub_surrogates(html_text(history, generated)))
    write_atomic(outputs[1], scrub_surrogates(csv_text(history)))
    runs = sum(len(s) for s in history.series)
    term.echo(f"history: {runs} run(s) in {len(history.series)} series, {len(history.problems)} file(s) skipped")
    for path in outputs:
        term.echo(f"report: {path}")
    return 0 if runs and not history.problems else 3  # a skipped report: the history is incomplete

"""Lines of findings' keys in their snapshot files, for reporters that stream task results.

Reporters that point at a line (SARIF ``region.startLine``, GitLab Code Quality ``lines.begin``, GitHub
``line=``) ask :class:`KeyLines` for each task's findings as the task arrives. It reads a snapshot file when
the first task from it arrives and keeps only that file (sources reads files one at a time, so a file's
tasks arrive together): memory is one file's text, time one read per file and one walk per task. A task
that came from no file (the live API, standard input), a file that can no longer be read, or a key that
names nothing there gets line 1.

The file is read again at report time: were it edited during the run, lines could be off (never a crash).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path

from wedata_audit.model.finding import Subject
from wedata_audit.reporters.citext import NON_FILE_SOURCES, source_path
from wedata_audit.reporters.locations.docstarts import document_start, line_starts
from wedata_audit.reporters.locations.locate import Locator

UNKNOWN_LINE = 1
# A JSON Lines source ("file.jsonl:12", "file.jsonl:12[0]"): every key of that document is on line 12, so the
# file need not be read (nor held: a JSON Lines file can be the whole run).
_JSONL_LINE = re.compile(r"^:(\d+)(?:\[\d+\])*$")


class KeyLines:
    """``lines(subject, keys)`` -> {key: 1-based line}; paths relative to ``base`` (default: the current folder),
    as sources read them."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base
        self._path: str | None = None
        self._text: str | None = None
        self._starts: list[int] | None = None
        self._arrays: dict[int, list[int]] = {}
        self._locator: tuple[str, Locator] | None = None
        self._jsonl_file: str | None = None  # the JSON Lines file of the last task (a prefix of its source)

    def lines(self, subject: Subject, keys: Iterable[str]) -> dict[str, int]:
        fixed = self._jsonl_line(subject.source)
        if fixed is not None:
            return dict.fromkeys(keys, fixed)
        locator = self._locator_for(subject.source)
        out: dict[str, int] = {}
        for key in keys:
            if key not in out:
                line = locator.line(key) if locator is not None else None
                out[key] = line if line is not None else UNKNOWN_LINE
        return out

    def line(self, subject: Subject, key: str) -> int:
        return self.lines(subject, (key,))[key]

    def _jsonl_line(self, source: str) -> int | None:
        if not source or source.startswith(NON_FILE_SOURCES) or ":" not in source:
            return None
        last = self._jsonl_file
        if last is not None and source.startswith(last):  # the file of the previous task: no stat again
            match = _JSONL_LINE.match(source[len(last):])
            if match:
                return max(int(match.group(1)), 1)
        path = source_path(source, self.base)
        match = _JSONL_LINE.match(source[len(path):])
        if match is None:
            return None
        self._jsonl_file = path
        return max(int(match.group(1)), 1)

    def _locator_for(self, source: str) -> Locator | None:
        if not source or source.startswith(NON_FILE_SOURCES):
            return None
        path = source_path(source, self.base)
        suffix = source[len(path):]
        if path != self._path:
            self._load(path)
        if self._text is None:
            return None
        if self._locator is not None and self._locator[0] == suffix:
            return self._locator[1]
        if self._starts is None:
            self._starts = line_starts(self._text)
        start = document_start(self._text, suffix, starts=self._starts, arrays=self._arrays)
        if start is None:
            return None
        locator = Locator(self._text, start, start_line=bisect_right(self._starts, start))
        self._locator = (suffix, locator)
        return locator

    def _load(self, path: str) -> None:
        self._path, self._text, self._starts, self._locator, self._arrays = path, None, None, None, {}
        try:
            file = Path(path) if self.base is None else self.base / path
            self._text = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError, ValueError):
            self._text = None

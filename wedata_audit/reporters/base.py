"""The reporter streaming API, the file spool reporters write through, and the registry they join.

A reporter is created for one target path, then driven by the pipeline::

    reporter = cls(path, settings)
    reporter.start(run)          # header fields known (rules, fail_on, inputs); totals still empty
    reporter.add(task)           # once per task version, in order, as the engine produces it
    reporter.finish(run)         # totals and end known: writes the file whole, returns its path
    reporter.abort()             # instead of finish (a run that ends with no report): removes temp files

Nothing holds the run: ``add`` writes the task's part to a :class:`Spool`, a temporary file beside the
target; ``finish`` writes :meth:`Reporter.head` (where totals that must come first go), copies the body,
writes :meth:`Reporter.tail`, and renames the result into place, so a report is complete or absent.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from wedata_audit.model.results import AuditResult, Run, TaskResult

# A lone surrogate (half of a UTF-16 pair; the JSON escape \ud800 decodes to one) cannot be written as UTF-8.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
MARKER_WINDOW = 4096  # bytes read from the start of a file to recognise a report of ours
JUNIT_FAILURES = ("gate", "all")
JUNIT_PASSING = ("auto", "all", "folded")


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """Report options that change what a format writes (part of the audit plan).

    ``junit_failures``: ``gate`` (a ``<failure>`` only for open findings at or above fail-on; below it a
    passing test case that carries the finding) or ``all`` (every open finding fails its test case).
    ``junit_passing``: ``all`` (one test case per passing rule), ``folded`` (a task's passing and out-of-scope
    rules in one test case) or ``auto`` (all, until the file grows past the size where it folds).
    """

    junit_failures: str = "gate"
    junit_passing: str = "auto"
    # The configuration's documentation_url: SARIF rules without their own help_uri link to it + "#rule-id".
    documentation_url: str = ""


def scrub_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so that it can be written as UTF-8."""
    return LONE_SURROGATE.sub("\ufffd", text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_beside(path: Path, suffix: str) -> tuple[int, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    return fd, Path(tmp)


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place.

    A crash or Ctrl-C never leaves a truncated report; an old report is replaced whole or not at all.
    """
    fd, tmp = _temp_beside(path, ".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; a report is as readable as any file
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Spool:
    """A report body written incrementally to a temporary file beside its target.

    :meth:`assemble` writes head + body + tail to a second temporary file and renames it onto the target.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        fd, self.body_path = _temp_beside(target, ".part")
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self.size = 0  # characters written to the body so far

    def write(self, text: str) -> None:
        if not text.isascii():
            text = scrub_surrogates(text)
        self.size += len(text)
        self._fh.write(text)

    def assemble(self, head: str, tail: str,
                 transform: Callable[[Iterator[str]], Iterator[str]] | None = None) -> Path:
        """Write head + body + tail to the target, atomically. ``transform`` (optional) rewrites the body
        line by line (lines split on LF only) as it is copied."""
        self._fh.close()
        fd, tmp = _temp_beside(self.target, ".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(scrub_surrogates(head))
                with open(self.body_path, encoding="utf-8", newline="\n") as body:
                    if transform is None:
                        shutil.copyfileobj(body, out, 1 << 20)
                    else:
                        out.writelines(transform(iter(body)))
                out.write(scrub_surrogates(tail))
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; a report is as readable as any file
            os.replace(tmp, self.target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        finally:
            self.body_path.unlink(missing_ok=True)
        return self.target

    def assemble_parts(self, parts: list[str | Spool]) -> Path:
        """Write text parts and other spools' bodies (in order) to the target, atomically; this spool's
        body goes where ``self`` appears in ``parts``. The other spools are discarded."""
        for part in parts:
            if isinstance(part, Spool):
                part._fh.close()
        fd, tmp = _temp_beside(self.target, ".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                for part in parts:
                    if isinstance(part, Spool):
                        with open(part.body_path, encoding="utf-8", newline="") as body:
                            shutil.copyfileobj(body, out, 1 << 20)
                    else:
                        out.write(scrub_surrogates(part))
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, self.target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        finally:
            for part in parts:
                if isinstance(part, Spool):
                    part.body_path.unlink(missing_ok=True)
        return self.target

    def discard(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.body_path.unlink(missing_ok=True)


class Reporter:
    """One report file, written as the run streams (see the module docstring)."""

    name: ClassVar[str]
    default_filename: ClassVar[str]
    # Found near the start of every file this reporter writes: how a stale report is told from a file that
    # merely sits at the report's path (only the former may be removed or replaced).
    marker: ClassVar[re.Pattern[bytes]]
    # True: with no PATH (or PATH "-") the report goes to standard output, which is no file: the stale-report
    # and input guards skip it (``github``).
    stdout: ClassVar[bool] = False

    @classmethod
    def side_outputs(cls) -> list[Path]:
        """Files other than its own that this format writes to (appends to): kept off the run's inputs too."""
        return []

    def __init__(self, path: Path | None = None, settings: ReportSettings | None = None) -> None:
        self.path = path if path is not None else Path(self.default_filename)
        self.settings = settings or ReportSettings()
        self._spool: Spool | None = None

    @classmethod
    def wrote(cls, path: Path) -> bool:
        """Whether the file at ``path`` is recognisably a report of this format written by this tool."""
        try:
            with path.open("rb") as fh:
                head = fh.read(MARKER_WINDOW)
        except OSError:
            return False
        return cls.marker.search(head.removeprefix(b"\xef\xbb\xbf")) is not None

    @property
    def spool(self) -> Spool:
        assert self._spool is not None, "start() first"
        return self._spool

    def start(self, run: Run) -> None:
        self._spool = Spool(self.path)

    def add(self, task: TaskResult) -> None:
        raise NotImplementedError

    def head(self, run: Run) -> str:
        """What comes before the body; written at the end, when the totals are known."""
        return ""

    def tail(self, run: Run) -> str:
        return ""

    def finish(self, run: Run) -> Path:
        return self.spool.assemble(self.head(run), self.tail(run))

    def abort(self) -> None:
        if self._spool is not None:
            self._spool.discard()

    # --- a whole run in memory (tests, small tools) ---------------------------------------------

    def write(self, result: AuditResult, path: Path | None = None) -> Path:
        """Stream ``result`` through a reporter of this class to ``path`` (default: this one's)."""
        reporter = copy.copy(self)
        reporter.path = path or self.path
        header = result.header()
        reporter.start(header)
        try:
            for task in result.tasks:
                reporter.add(task)
        except BaseException:
            reporter.abort()
            raise
        return reporter.finish(result.run())

    def render(self, result: AuditResult) -> str:
        """The report of ``result`` as text."""
        with tempfile.TemporaryDirectory(prefix="wedata-audit-render-") as tmp:
            path = self.write(result, Path(tmp) / self.default_filename)
            return path.read_bytes().decode("utf-8")


def render(cls: type[Reporter], result: AuditResult, settings: ReportSettings | None = None) -> str:
    return cls(Path(cls.default_filename), settings).render(result)

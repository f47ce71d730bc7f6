"""Reporters, registered by name; the registry also defines the ``--format`` choices."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import ClassVar

from wedata_audit.results import AuditResult

REGISTRY: dict[str, type[Reporter]] = {}
# A lone surrogate (half of a UTF-16 pair; the JSON escape \ud800 decodes to one) cannot be written as UTF-8.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
MARKER_WINDOW = 4096  # bytes read from the start of a file to recognise a report of ours


class Reporter:
    """Turns an :class:`AuditResult` into one file."""

    name: ClassVar[str]
    default_filename: ClassVar[str]
    # Found near the start of every file this reporter writes: how a stale report is told from a file that
    # merely sits at the report's path (only the former may be removed or replaced).
    marker: ClassVar[re.Pattern[bytes]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            REGISTRY[cls.name] = cls

    def render(self, result: AuditResult) -> str:
        raise NotImplementedError

    @classmethod
    def wrote(cls, path: Path) -> bool:
        """Whether the file at ``path`` is recognisably a report of this format written by this tool."""
        try:
            with path.open("rb") as fh:
                head = fh.read(MARKER_WINDOW)
        except OSError:
            return False
        return cls.marker.search(head.removeprefix(b"\xef\xbb\xbf")) is not None

    def write(self, result: AuditResult, path: Path) -> Path:
        write_atomic(path, self.render(result))
        return path


def scrub_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so that it can be written as UTF-8."""
    return LONE_SURROGATE.sub("\ufffd", text)


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place.

    A crash or Ctrl-C never leaves a truncated report; an old report is replaced whole or not at all.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; a report is as readable as any file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _load_builtin() -> None:
    # Importing the modules registers their classes.
    from wedata_audit.reporters import csv_report, html, json_report, junit, markdown, sarif  # noqa: F401


def registry() -> dict[str, type[Reporter]]:
    _load_builtin()  # imports are cached; importing one reporter first must not hide the others
    return REGISTRY


def format_choices() -> list[str]:
    return sorted(registry())

"""The terminal: echo, notes and warnings, and logging set-up. The run summary is a reporter
(:mod:`wedata_audit.reporters.summary`) fed by the same stream as the reports."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import click

from wedata_audit.model.results import AuditResult
from wedata_audit.reporters.escaping import terminal as safe

__all__ = ["Terminal", "configure_logging", "safe", "use_color"]


def use_color() -> bool | None:
    """``False`` when ``NO_COLOR`` is set to anything non-empty (no-color.org); else ``None``: click colours a
    terminal and strips the colours from anything else."""
    return False if os.environ.get("NO_COLOR") else None


def configure_logging(verbose: int, quiet: bool = False) -> None:
    """Logs go to stderr: warnings by default, INFO with -v, DEBUG with -vv (retries, requests); with -q only
    errors (what went wrong with a task is in the reports)."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    if quiet:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    for noisy in ("urllib3", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(max(level, logging.INFO))


class Terminal:
    def __init__(self, verbose: int = 0, quiet: bool = False) -> None:
        self.verbose = verbose
        self.quiet = quiet

    def echo(self, text: str = "", *, err: bool = False) -> None:
        click.echo(text, err=err, color=use_color())

    def note(self, text: str) -> None:
        """An informational line, left out with -q."""
        if not self.quiet:
            self.echo(text)

    def warn(self, text: str) -> None:
        """A warning on stderr, left out with -q (which prints only the verdict line)."""
        if not self.quiet:
            self.echo(click.style(f"warning: {text}", fg="yellow"), err=True)

    def summary_reporter(self):  # type: ignore[no-untyped-def]
        from wedata_audit.reporters import summary_reporter

        return summary_reporter()(self.echo, verbose=self.verbose, quiet=self.quiet)

    def summary(self, result: AuditResult, written: Sequence[Path]) -> None:
        """The summary of a whole run held in memory (the pipeline streams through the reporter)."""
        reporter = self.summary_reporter()
        run = result.header()
        reporter.start(run)
        for task in result.tasks:
            reporter.add(task)
        reporter.finish(result.run(), written)

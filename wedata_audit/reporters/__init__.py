"""Reporters: the registry written out as a name -> class mapping; its names are the ``--format`` choices.

Each format is one module of :mod:`wedata_audit.reporters.formats` named after the format (``coverage-csv``
is ``coverage_csv``). The mapping names the class by its dotted path so that a command that writes no
report (``--help``, ``rules list``) and a run that writes two formats import only what they use; a format
module is imported the first time its class is asked for. The streaming API and the spool are in
:mod:`wedata_audit.reporters.base`; the terminal summary, which consumes the same stream, in
:mod:`wedata_audit.reporters.summary`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wedata_audit.reporters.base import Reporter
    from wedata_audit.reporters.summary import TerminalSummary

# --format NAME -> the class that writes it.
FORMATS: dict[str, str] = {
    "codequality": "wedata_audit.reporters.formats.codequality:CodeQualityReporter",
    "coverage-csv": "wedata_audit.reporters.formats.coverage_csv:CoverageCsvReporter",
    "csv": "wedata_audit.reporters.formats.csv:CsvReporter",
    "github": "wedata_audit.reporters.formats.github:GithubReporter",
    "html": "wedata_audit.reporters.formats.html:HtmlReporter",
    "json": "wedata_audit.reporters.formats.json:JsonReporter",
    "junit": "wedata_audit.reporters.formats.junit:JUnitReporter",
    "markdown": "wedata_audit.reporters.formats.markdown:MarkdownReporter",
    "sarif": "wedata_audit.reporters.formats.sarif:SarifReporter",
}
DEFAULT_FORMATS = ("html", "junit", "json")

__all__ = ["DEFAULT_FORMATS", "FORMATS", "format_choices", "registry", "reporter_class", "summary_reporter"]


def format_choices() -> list[str]:
    """The ``--format`` names, without importing any format."""
    return sorted(FORMATS)


def reporter_class(name: str) -> type[Reporter]:
    """The class of format ``name`` (imported on first use); KeyError for an unknown name."""
    module, _, cls = FORMATS[name].partition(":")
    found: type[Reporter] = getattr(importlib.import_module(module), cls)
    return found


def registry() -> dict[str, type[Reporter]]:
    """Every format's class, by name (imports them all)."""
    return {name: reporter_class(name) for name in FORMATS}


def summary_reporter() -> type[TerminalSummary]:
    """The terminal summary's class (it consumes the same stream as the file reporters)."""
    from wedata_audit.reporters.summary import TerminalSummary

    return TerminalSummary

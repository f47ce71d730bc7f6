"""Reporters, registered by name; the registry also defines the ``--format`` choices.

The streaming API and the spool are in :mod:`wedata_audit.reporters.base`; the terminal summary, which the
registry also provides, in :mod:`wedata_audit.reporters.summary`. The reporter modules import only
``base`` (and the shared field and escaping helpers), never this package's ``__init__``: no import cycle.
"""

from __future__ import annotations

import importlib

from wedata_audit.reporters.base import (
    REGISTRY,
    Reporter,
    ReportSettings,
    Spool,
    scrub_surrogates,
    write_atomic,
)

BUILTIN = ("codequality", "coverage_csv", "csv_report", "github", "html", "json_report", "junit", "markdown",
           "sarif")

__all__ = [
    "ReportSettings",
    "Reporter",
    "Spool",
    "format_choices",
    "registry",
    "scrub_surrogates",
    "summary_reporter",
    "write_atomic",
]


def registry() -> dict[str, type[Reporter]]:
    for module in BUILTIN:  # importing a module registers its class; imports are cached
        importlib.import_module(f"wedata_audit.reporters.{module}")
    return REGISTRY


def format_choices() -> list[str]:
    return sorted(registry())


def summary_reporter():  # type: ignore[no-untyped-def]
    """The terminal summary's class (it consumes the same stream as the file reporters)."""
    from wedata_audit.reporters.summary import TerminalSummary

    return TerminalSummary

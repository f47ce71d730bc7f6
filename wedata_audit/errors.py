"""The exception hierarchy and the one place where outcomes become exit codes.

Exit codes:
  0  no finding at or above ``--fail-on``
  1  findings at or above ``--fail-on``
  2  usage or configuration error, or an unexpected internal error
  3  the audit is incomplete (any errored task); wins over 1
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


class AuditError(Exception):
    """Base of every error the tool reports on purpose."""

    exit_code = EXIT_USAGE


class UsageError(AuditError):
    """The command line is wrong: a missing path, a bad option value."""


class ConfigError(AuditError):
    """A policy, configuration, waiver or parameter file is invalid."""

    def __init__(self, message: str, *, source: str | None = None, rule_id: str | None = None) -> None:
        self.source = source
        self.rule_id = rule_id
        where = ", ".join(p for p in (source, f"rule {rule_id!r}" if rule_id else None) if p)
        super().__init__(f"{where}: {message}" if where else message)


class FatalRemoteError(AuditError):
    """The API refused us as a whole (bad credentials, no permission): stop the run."""


EXIT_MEANINGS = {
    EXIT_OK: "no finding at or above the gate",
    EXIT_FINDINGS: "findings at or above the gate",
    EXIT_USAGE: "usage or configuration error, a refusal of the API, or an internal error",
    EXIT_INCOMPLETE: "the audit is incomplete",
}


def exit_meaning(code: int) -> str:
    """What an exit code says, in the words of the documentation."""
    return EXIT_MEANINGS.get(code, "unknown")


def exit_code_for(*, complete: bool, gating_findings: int) -> int:
    """Turn an audit outcome into the process exit code (3 wins over 1)."""
    if not complete:
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS if gating_findings else EXIT_OK

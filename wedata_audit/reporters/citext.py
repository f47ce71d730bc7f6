"""Text for CI-native reports: GitHub workflow commands, SARIF fingerprints, GitLab Code Quality fields, paths.

* :func:`escape_data` / :func:`escape_property` escape exactly as GitHub's Actions toolkit does
  (``@actions/core`` ``command.ts``), so that no task text can end a workflow command's line and start one of
  its own; :func:`workflow_command` builds ``::command key=value,...::message`` as the toolkit's ``Command``.
* :func:`primary_location_line_hash`: SARIF ``partialFingerprints.primaryLocationLineHash`` in GitHub's
  ``<16 hex>:<n>`` form, from project, task, rule and key only (never a line number or the message), so an
  alert survives new runs, new versions of the task and lines moving in the snapshot file.
* :func:`codequality_severity`, :func:`codequality_fingerprint` and :class:`UniqueFingerprints` for GitLab's
  Code Quality report.
* :func:`location_path`: the scheme-less relative path a result points at.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path, PurePath

from wedata_audit.model.finding import Finding, Severity, Subject
from wedata_audit.reporters.base import scrub_surrogates
from wedata_audit.sources.api.saving import snapshot_file_name

# --- GitHub workflow commands -----------------------------------------------------------------

_COMMAND_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


def _writable(text: str) -> str:
    """Lone surrogates (valid in a Python str, not in UTF-8) as U+FFFD, so the line can be written at all."""
    return scrub_surrogates(text)


def escape_data(text: str) -> str:
    """A workflow command's message: ``%`` -> ``%25``, CR -> ``%0D``, LF -> ``%0A`` (toolkit ``escapeData``)."""
    return _writable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as :func:`escape_data`, and ``:`` -> ``%3A``, ``,`` -> ``%2C``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, properties: Mapping[str, str | int | None] | None = None) -> str:
    """One line ``::command key=value,...::message`` (no newline), as the toolkit's ``Command.toString``.

    Properties whose value is empty or ``None`` are left out (the toolkit skips falsy values). The command
    and the property names are this program's own words and must be plain names (``ValueError`` otherwise).
    """
    if not _COMMAND_NAME.match(command):
        raise ValueError(f"not a workflow command name: {command!r}")
    parts = []
    for key, value in (properties or {}).items():
        if not _COMMAND_NAME.match(key):
            raise ValueError(f"not a workflow command property name: {key!r}")
        if value is None or value == "" or value == 0:
            continue
        parts.append(f"{key}={escape_property(str(value))}")
    props = " " + ",".join(parts) if parts else ""
    return f"::{command}{props}::{escape_data(message)}"


# --- fingerprints -----------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    raw = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()


def primary_location_line_hash(finding: Finding, *, occurrence: int = 1) -> str:
    """``<16 hex>:<occurrence>`` from project, task (id, else source), rule and key.

    GitHub's own hash counts identical lines in a file with ``:n``; pass ``occurrence`` n > 1 for the n-th
    finding of a file with the same hash (the same rule and key of one task in two versions of one file).
    """
    if occurrence < 1:
        raise ValueError("occurrence counts from 1")
    s = finding.subject
    digest = _digest("wedata-audit/primaryLocationLineHash/v1", s.project_id, s.task_id or s.source,
                     finding.rule_id, finding.key)
    return f"{digest[:16]}:{occurrence}"


CODEQUALITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}


def codequality_severity(severity: Severity) -> str:
    """GitLab Code Quality's ``severity`` (info, minor, major, critical, blocker) for ours."""
    return CODEQUALITY_SEVERITY[severity]


def codequality_fingerprint(finding: Finding) -> str:
    """32 hex: project, task, version (id, else number), rule and key. Stable across runs; two versions of
    one task failing the same rule and key differ. Exact duplicates (the same version read twice) are told
    apart by :class:`UniqueFingerprints`."""
    s = finding.subject
    return _digest("wedata-audit/codequality/v1", s.project_id, s.task_id or s.source,
                   s.version_id or s.version_num, finding.rule_id, finding.key)[:32]


class UniqueFingerprints:
    """Hands out :func:`codequality_fingerprint` values unique within one report: a repeat gets a
    fingerprint derived from it and its occurrence number (stable while the input's order is)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, finding: Finding) -> str:
        base = codequality_fingerprint(finding)
        fingerprint, n = base, 0
        while fingerprint in self._seen:
            n += 1
            fingerprint = _digest(base, str(n))[:32]
        self._seen.add(fingerprint)
        return fingerprint


# --- paths ------------------------------------------------------------------------------------

LIVE_ROOT = "wedata"
# Sources that name no file: standard input ("<stdin>", "<stdin>:3") and the live API ("api:<task id>").
NON_FILE_SOURCES = ("<", "api:")
# What sources appends to a file's name: ":<line>" for JSON Lines, "[<i>]" for an array element.
_SOURCE_SUFFIX = re.compile(r"(?::\d+)?(?:\[\d+\])?$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def source_path(source: str, cwd: Path | None = None) -> str:
    """The file a ``Subject.source`` names: without the ``:line`` and ``[i]`` that sources appends,
    unless the whole source is itself an existing file (a file may be named ``a:1``)."""
    suffix = _SOURCE_SUFFIX.search(source)
    if suffix is None or suffix.start() == len(source) or suffix.start() == 0:
        return source
    if (cwd or Path.cwd()).joinpath(source).is_file():
        return source
    return source[: suffix.start()]


def _safe_segment(value: str, fallback: str) -> str:
    """One path segment from an untrusted id, as ``--save-snapshots`` names files (hash when changed)."""
    if not value:
        return fallback
    name = _UNSAFE.sub("_", value).lstrip(".") or fallback
    if name != value:
        name = f"{name}-{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"
    return name


def live_path(subject: Subject) -> str:
    """``wedata/<project id>/<task id>.json``: the file ``--save-snapshots`` writes for the task, under a
    folder per project; hostile ids become plain single segments (no ``/``, ``..``, ``:`` or scheme)."""
    project = _safe_segment(subject.project_id, "default")
    return f"{LIVE_ROOT}/{project}/{snapshot_file_name(subject.task_id)}"


def location_path(subject: Subject, *, live: bool, cwd: Path | None = None) -> str:
    """The scheme-less relative path (``/``-separated, not URI-encoded) a finding's results point at.

    A live audit, standard input and any other non-file source: :func:`live_path`. A file source: the file,
    relative to ``cwd`` (default: the current folder; ``..`` when the file lies outside it), without the
    ``:line`` / ``[i]`` suffix; a first segment holding ``:`` (which would read as a URI scheme) gets ``./``.
    """
    source = subject.source
    if live or source.startswith(NON_FILE_SOURCES) or not source:
        return live_path(subject)
    base = cwd or Path.cwd()
    path = source_path(source, base)
    if os.path.isabs(path):
        try:
            path = os.path.relpath(path, base)
        except ValueError:  # another drive (Windows)
            return PurePath(path).as_posix()
    posix = posixpath.normpath(PurePath(path).as_posix())
    if ":" in posix.split("/", 1)[0]:
        posix = f"./{posix}"
    return posix

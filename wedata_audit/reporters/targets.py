"""Where reports go, and the guard that keeps them off every file the run reads.

Two promises, checked before any work:

* a report path is never one of the run's inputs (snapshots, baseline, waivers, policy files, configuration,
  tasks file...), compared after resolving links, so no input is ever overwritten;
* a file already at a report path is removed (so that a run that stops early leaves no report a CI step could
  take for this run's) only when it is recognisably a report of that format written by this tool; any other
  file there is a usage error and stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wedata_audit.errors import UsageError
from wedata_audit.reporters import registry, reporter_class
from wedata_audit.reporters.base import Reporter

DEFAULT_FORMATS = ("html", "junit", "json")
DEFAULT_OUTPUT_DIR = "reports"
STDOUT = Path("-")  # the path of a report written to standard output (formats whose reporter has ``stdout``)


@dataclass(frozen=True)
class ReportTarget:
    format: str
    path: Path

    @property
    def reporter(self) -> type[Reporter]:
        return reporter_class(self.format)

    @property
    def to_stdout(self) -> bool:
        """Written to standard output: no file to guard, remove or keep off the inputs."""
        return self.path == STDOUT and self.reporter.stdout


@dataclass(frozen=True)
class RunInput:
    """A file the run reads, and what it is for (named in errors)."""

    path: str
    role: str


def report_targets(formats: Iterable[str], output_dir: str | None) -> list[ReportTarget]:
    """``FORMAT`` or ``FORMAT=PATH`` items (``PATH`` relative to the current folder) as report targets.

    An unknown format, two reports at one path, a report path that is a folder, or an output folder that is a
    file are usage errors.
    """
    known = registry()
    folder = Path(output_dir or DEFAULT_OUTPUT_DIR)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o/--output-dir {folder}: exists and is not a folder (-o names the folder for the "
                         "reports; use --format FORMAT=PATH to name one report's file)")
    out: list[ReportTarget] = []
    seen: dict[Path, str] = {}
    for item in list(formats) or DEFAULT_FORMATS:
        name, sep, path = item.partition("=")
        if name not in known:
            raise UsageError(f"unknown format {name!r} (choose from {', '.join(sorted(known))})")
        if known[name].stdout and (not sep or not path or path == "-"):
            target = STDOUT
        else:
            target = Path(path) if sep and path else folder / known[name].default_filename
        key = STDOUT if target == STDOUT and known[name].stdout else target.resolve()
        if key in seen:
            raise UsageError(f"--format {item!r}: {target} is already the path of the {seen[key]} report")
        if key != STDOUT and target.is_dir():
            raise UsageError(f"--format {item!r}: {target} is a folder, not a file")
        seen[key] = name
        out.append(ReportTarget(name, target))
    return out


def guard_inputs(targets: Iterable[ReportTarget], inputs: Iterable[RunInput]) -> None:
    """Refuse a report path that is (after resolving links) a file the run reads."""
    read: dict[Path, RunInput] = {}
    for item in inputs:
        if item.path and item.path != "-":
            read.setdefault(Path(item.path).resolve(), item)
    for target in targets:
        for side in target.reporter.side_outputs():
            clash = read.get(side.resolve())
            if clash is not None:
                raise UsageError(f"the {target.format} report appends to {side}, which is also an input of this run "
                                 f"({clash.role} {clash.path}); nothing was changed")
        if target.to_stdout:
            continue
        clash = read.get(target.path.resolve())
        if clash is not None:
            raise UsageError(f"the {target.format} report {target.path} is also an input of this run "
                             f"({clash.role} {clash.path}): it would be overwritten; write the report elsewhere "
                             "(nothing was changed)")


def clear_stale_reports(targets: Iterable[ReportTarget], inputs: Iterable[RunInput] = ()) -> None:
    """Check every report path, then remove the reports of an earlier run at them, before any work.

    Nothing is removed unless every path passes: a file at a report path that this tool did not write (no
    marker of the format) is a usage error, and so is a report path that is an input.
    """
    targets = list(targets)
    guard_inputs(targets, inputs)
    stale: list[Path] = []
    for target in targets:
        path = target.path
        if target.to_stdout:
            continue
        if not (path.exists() or path.is_symlink()):
            continue
        if path.is_symlink() or not path.is_file() or not target.reporter.wrote(path):
            raise UsageError(f"{path} exists and is not a {target.format} report written by wedata-audit; it is "
                             "left as it is: move it away or choose another report path")
        stale.append(path)
    for path in stale:
        path.unlink(missing_ok=True)

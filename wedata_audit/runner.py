"""Build, then execute: turn parsed options into rules, an engine and reporters, run, and say the exit code.

The CLI only parses; everything here is callable (and tested) without a subprocess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wedata_audit import __version__
from wedata_audit.engine import Engine
from wedata_audit.errors import UsageError, exit_code_for
from wedata_audit.finding import Severity
from wedata_audit.policy import Rule, build_rules, load_raw_rules, parse_overrides, ruleset_digest
from wedata_audit.reporters import registry
from wedata_audit.results import AuditResult, TaskResult
from wedata_audit.selection import select_rules
from wedata_audit.snapshot import Snapshot
from wedata_audit.sources import read_snapshots
from wedata_audit.terminal import Terminal

DEFAULT_FORMATS = ("html", "junit", "json")


@dataclass
class RuleOptions:
    rule_paths: list[str] = field(default_factory=list)
    default_rules: bool = True
    params: list[str] = field(default_factory=list)  # RULE.NAME=VALUE
    severities: list[str] = field(default_factory=list)  # RULE=LEVEL
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)


@dataclass
class ReportOptions:
    formats: list[str] = field(default_factory=list)  # "html" or "junit=PATH"
    output_dir: str = "reports"
    fail_on: str = "high"
    verbose: int = 0
    quiet: bool = False


@dataclass
class CheckOptions:
    paths: list[str]
    project_id: str | None = None
    rules: RuleOptions = field(default_factory=RuleOptions)
    report: ReportOptions = field(default_factory=ReportOptions)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def build_ruleset(opts: RuleOptions) -> list[Rule]:
    raw = load_raw_rules(opts.rule_paths, include_default=opts.default_rules)
    severities: dict[str, str] = {}
    for item in opts.severities:
        rid, sep, level = item.partition("=")
        if not sep or not rid:
            raise UsageError(f"--severity {item!r}: expected RULE=LEVEL")
        severities[rid] = level
    rules = build_rules(raw, params=parse_overrides(opts.params, "--param"), severities=severities)
    return select_rules(rules, opts.select, opts.ignore)


def report_targets(opts: ReportOptions) -> list[tuple[str, Path]]:
    """``(format, path)`` pairs; ``FORMAT=PATH`` names a file relative to the current folder."""
    known = registry()
    out: list[tuple[str, Path]] = []
    for item in opts.formats or DEFAULT_FORMATS:
        name, sep, path = item.partition("=")
        if name not in known:
            raise UsageError(f"unknown format {name!r} (choose from {', '.join(sorted(known))})")
        target = Path(path) if sep and path else Path(opts.output_dir) / known[name].default_filename
        out.append((name, target))
    return out


def parse_fail_on(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None


def audit(snapshots: Iterable[Snapshot], rules: list[Rule], *, inputs: Iterable[str], fail_on: Severity,
          on_task: Callable[[TaskResult], None] | None = None) -> AuditResult:
    """Run the engine over the snapshots; Ctrl-C keeps what was audited and marks the run incomplete."""
    engine = Engine(rules)
    result = AuditResult(
        tool_version=__version__, started=now(), finished="", rules=tuple(r.info for r in rules),
        ruleset_digest=ruleset_digest(rules), inputs=tuple(inputs), tasks=[], fail_on=fail_on,
    )
    try:
        for snap in snapshots:
            task = engine.audit(snap)
            result.tasks.append(task)
            if on_task is not None:
                on_task(task)
    except KeyboardInterrupt:
        result.complete = False
        result.incomplete_reason = "interrupted (Ctrl-C) before every task was audited"
    result.finished = now()
    return result


def finish(result: AuditResult, opts: ReportOptions, term: Terminal) -> int:
    """Write every report, print the summary, and return the exit code."""
    if not result.tasks and result.complete:
        result.complete = False
        result.incomplete_reason = "no task version was found in the input"
    written: list[Path] = []
    for name, path in report_targets(opts):
        written.append(registry()[name]().write(result, path))
    term.summary(result, written)
    return exit_code_for(complete=result.is_complete, gating_findings=len(result.gating()))


def execute_check(opts: CheckOptions, term: Terminal) -> int:
    fail_on = parse_fail_on(opts.report.fail_on)
    report_targets(opts.report)  # fail on a bad --format before doing any work
    rules = build_ruleset(opts.rules)
    snapshots = read_snapshots(opts.paths, project_id=opts.project_id)
    result = audit(snapshots, rules, inputs=opts.paths, fail_on=fail_on)
    return finish(result, opts.report, term)

"""Options as the CLI parses them, their resolution against the configuration, the report paths, and
``check``: build the plan and the file source, then run the one pipeline (:mod:`wedata_audit.pipeline`).

The CLI only parses; everything here is callable (and tested) without a subprocess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wedata_audit.config import Config, find_config
from wedata_audit.errors import ConfigError, UsageError
from wedata_audit.filters.baseline import load_fingerprints
from wedata_audit.filters.waivers import Waiver, load_waivers
from wedata_audit.finding import Severity
from wedata_audit.policy.loading import RawRule, Rule, build_rules, load_raw_rules, parse_overrides
from wedata_audit.policy.selection import select_rules
from wedata_audit.reporters import registry
from wedata_audit.sources.files import expand_paths
from wedata_audit.terminal import Terminal

DEFAULT_FORMATS = ("html", "junit", "json")


@dataclass
class RuleOptions:
    rule_paths: list[str] = field(default_factory=list)
    default_rules: bool | None = None  # None: the configuration decides (default: include the pack)
    params: list[str] = field(default_factory=list)  # RULE.NAME=VALUE
    severities: list[str] = field(default_factory=list)  # RULE=LEVEL
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)


@dataclass
class ReportOptions:
    formats: list[str] = field(default_factory=list)  # "html" or "junit=PATH"
    output_dir: str | None = None  # None: the configuration's, else "reports"
    fail_on: str | None = None  # None: the configuration's, else "high"
    verbose: int = 0
    quiet: bool = False
    junit_failures: str | None = None  # gate (default) | all
    junit_passing: str | None = None  # auto (default) | all | folded


@dataclass
class FilterOptions:
    waivers: str | None = None
    baseline: str | None = None
    today: dt.date | None = None  # the date waivers are judged on (default: today, UTC)


@dataclass
class CheckOptions:
    paths: list[str]
    project_id: str | None = None
    config: str | None = None
    rules: RuleOptions = field(default_factory=RuleOptions)
    report: ReportOptions = field(default_factory=ReportOptions)
    filters: FilterOptions = field(default_factory=FilterOptions)


def merge_config(cfg: Config, report: ReportOptions, filters: FilterOptions) -> None:
    """Fill the report and filter options the command line left open from the configuration file.

    (Rule settings are resolved in :func:`build_ruleset`, which every command shares.)
    """
    report.formats = report.formats or list(cfg.get("formats", []))
    report.output_dir = report.output_dir or cfg.path("output_dir") or "reports"
    report.fail_on = report.fail_on or cfg.get("fail_on") or "high"
    filters.waivers = filters.waivers or cfg.path("waivers")
    filters.baseline = filters.baseline or cfg.path("baseline")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def build_ruleset(opts: RuleOptions, cfg: Config | None = None) -> list[Rule]:
    """The rules in effect: pack and policy files, config overrides, then command-line overrides (which win),
    then selection. Every command that shows or runs rules builds them here."""
    cfg = cfg or Config()
    include_default = opts.default_rules if opts.default_rules is not None else cfg.get("extends") != "none"
    paths = [cfg.resolve(p) for p in cfg.get("rules", [])] + opts.rule_paths
    raw = load_raw_rules(paths, include_default=include_default)
    overrides: dict[str, dict[str, Any]] = cfg.get("overrides", {})
    check_config_overrides(overrides, raw, cfg)
    params = {rid: dict(o.get("params", {})) for rid, o in overrides.items() if o.get("params")}
    severities = {rid: o["severity"] for rid, o in overrides.items() if o.get("severity")}
    for rid, values in parse_overrides(opts.params, "--param").items():
        params.setdefault(rid, {}).update(values)
    for item in opts.severities:
        rid, sep, level = item.partition("=")
        if not sep or not rid:
            raise UsageError(f"--severity {item!r}: expected RULE=LEVEL")
        severities[rid] = level
    rules = build_rules(raw, params=params, severities=severities)
    disabled = [rid for rid, o in overrides.items() if o.get("disabled")]
    selected = select_rules(rules, opts.select, [*opts.ignore, *disabled])
    if not selected:
        raise UsageError("no rule is left to run (check --select, --ignore, --no-default-rules and the "
                         "configuration's disabled rules): an audit without rules would pass anything")
    return selected


def check_config_overrides(overrides: dict[str, dict[str, Any]], raw: list[RawRule], cfg: Config) -> None:
    """Overrides in the configuration must name rules and params that exist; the error names the file."""
    declared = {r.spec["id"]: set((r.spec.get("params") or {}).keys()) for r in raw}
    for rid, override in overrides.items():
        if rid not in declared:
            raise ConfigError(f"overrides.{rid}: no such rule", source=cfg.source)
        unknown = set(override.get("params", {})) - declared[rid]
        if unknown:
            raise ConfigError(f"overrides.{rid}.params: no param {', '.join(sorted(unknown))} "
                              f"(it has: {', '.join(sorted(declared[rid])) or 'none'})", source=cfg.source)


def report_targets(opts: ReportOptions) -> list[tuple[str, Path]]:
    """``(format, path)`` pairs; ``FORMAT=PATH`` names a file relative to the current folder.

    Two reports at one path, or a path that is a folder, are usage errors.
    """
    known = registry()
    out: list[tuple[str, Path]] = []
    seen: dict[Path, str] = {}
    for item in opts.formats or DEFAULT_FORMATS:
        name, sep, path = item.partition("=")
        if name not in known:
            raise UsageError(f"unknown format {name!r} (choose from {', '.join(sorted(known))})")
        target = Path(path) if sep and path else Path(opts.output_dir or "reports") / known[name].default_filename
        key = target.resolve()
        if key in seen:
            raise UsageError(f"--format {item!r}: {target} is already the path of the {seen[key]} report")
        if target.is_dir():
            raise UsageError(f"--format {item!r}: {target} is a folder, not a file")
        seen[key] = name
        out.append((name, target))
    return out


def clear_stale_reports(opts: ReportOptions, inputs: Iterable[str] = ()) -> None:
    """Check the report paths, then remove the reports of an earlier run at them, before any work.

    If this run then stops on an error, no report is left that a CI step could take for this run's.
    A report path that is one of the inputs is a usage error (it would be deleted, then overwritten).
    """
    targets = report_targets(opts)
    sources = {Path(i).resolve() for i in inputs if i != "-"}
    for _, path in targets:
        if path.resolve() in sources:
            raise UsageError(f"report {path} is also an input: it would be overwritten")
    for _, path in targets:
        path.unlink(missing_ok=True)


def parse_fail_on(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None


@dataclass
class LoadedFilters:
    today: dt.date
    waivers: list[Waiver] | None = None
    waivers_source: str | None = None
    baseline: set[str] | None = None
    baseline_source: str | None = None


def load_filters(opts: FilterOptions, cfg: Config) -> LoadedFilters:
    """Read waivers and baseline before the audit, so a bad file stops the run before any work."""
    today = opts.today or dt.datetime.now(dt.timezone.utc).date()
    loaded = LoadedFilters(today=today)
    if opts.waivers:
        loaded.waivers = load_waivers(opts.waivers, today=today, max_days=cfg.get("max_waiver_days"))
        loaded.waivers_source = opts.waivers
    if opts.baseline:
        loaded.baseline = load_fingerprints(opts.baseline)
        loaded.baseline_source = opts.baseline
    return loaded


def execute_check(opts: CheckOptions, term: Terminal) -> int:
    from wedata_audit.pipeline import run_audit
    from wedata_audit.plan import build_plan
    from wedata_audit.sources import FileSource

    cfg = find_config(opts.config)
    merge_config(cfg, opts.report, opts.filters)
    targets = report_targets(opts.report)
    files = expand_paths(opts.paths, exclude=[Path(opts.report.output_dir or "reports"), *(p for _, p in targets)])
    clear_stale_reports(opts.report, files)
    plan = build_plan(opts.rules, opts.report, opts.filters, cfg)
    source = FileSource(opts.paths, files=files, project_id=opts.project_id or cfg.get("project_id"))
    return run_audit(plan, source, term)

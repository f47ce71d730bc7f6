"""Options as the CLI parses them, their resolution against the configuration, the report paths, and
``check``: build the plan and the file source, then run the one pipeline (:mod:`wedata_audit.pipeline`).

The CLI only parses; everything here is callable (and tested) without a subprocess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from wedata_audit.errors import ConfigError, UsageError
from wedata_audit.model.finding import Severity
from wedata_audit.policy.frameworks import catalogue_files
from wedata_audit.policy.loading import RawRule, Rule, build_rules, load_raw_rules, parse_overrides, policy_files
from wedata_audit.policy.selection import select_rules
from wedata_audit.reporters.targets import ReportTarget, RunInput, report_targets
from wedata_audit.settings.config import Config
from wedata_audit.stages.filters.baseline import Baseline, load_baseline
from wedata_audit.stages.filters.firstseen import FirstSeen, load_first_seen
from wedata_audit.stages.filters.waivers import Waiver, load_waivers


@dataclass
class RuleOptions:
    rule_paths: list[str] = field(default_factory=list)
    default_rules: bool | None = None  # None: the configuration decides (default: include the pack)
    params: list[str] = field(default_factory=list)  # RULE.NAME=VALUE
    severities: list[str] = field(default_factory=list)  # RULE=LEVEL
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    framework_paths: list[str] = field(default_factory=list)  # --frameworks PATH: user catalogues
    framework: str | None = None  # --framework ID: restrict the rules and the coverage to one framework


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
    previous: str | None = None  # an earlier JSON report: findings' first_seen dates carried from it
    today: dt.date | None = None  # the date waivers are judged on (default: today, UTC)
    release_gate: str | None = None  # --release-gate new|all (config release_gate; default new)


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
    return select_ruleset(all_rules(opts, cfg), opts, cfg)


def all_rules(opts: RuleOptions, cfg: Config | None = None) -> list[Rule]:
    """Every rule of the pack and policy files, with overrides applied, before selection."""
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
    return build_rules(raw, params=params, severities=severities)


def select_ruleset(rules: list[Rule], opts: RuleOptions, cfg: Config | None = None) -> list[Rule]:
    """``--select``, ``--ignore`` and the configuration's disabled rules; no rule left is a usage error."""
    overrides: dict[str, dict[str, Any]] = (cfg or Config()).get("overrides", {})
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


def framework_paths(opts: RuleOptions, cfg: Config | None = None) -> list[str]:
    """User catalogues: the configuration's ``frameworks`` (relative to the file), then ``--frameworks``."""
    cfg = cfg or Config()
    return [cfg.resolve(p) for p in cfg.get("frameworks", [])] + list(opts.framework_paths)


def targets_of(opts: ReportOptions) -> list[ReportTarget]:
    return report_targets(opts.formats, opts.output_dir)


def run_inputs(cfg: Config, rules: RuleOptions, filters: FilterOptions, *,
               snapshots: Iterable[str] = (), tasks_file: str | None = None) -> list[RunInput]:
    """Every file the run reads, each with its role, for the report-path guard."""
    items = [RunInput(f, "snapshot") for f in snapshots]
    if cfg.source:
        items.append(RunInput(cfg.source, "configuration"))
    rule_paths = [cfg.resolve(p) for p in cfg.get("rules", [])] + rules.rule_paths
    items += [RunInput(str(f), "policy file") for f in policy_files(rule_paths)]
    items += [RunInput(str(f), "framework catalogue") for f in catalogue_files(framework_paths(rules, cfg))]
    for path, role in ((filters.waivers, "waivers file"), (filters.baseline, "baseline"),
                       (filters.previous, "previous report"), (tasks_file, "tasks file")):
        if path:
            items.append(RunInput(path, role))
    return items


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
    baseline: Baseline | None = None
    first_seen: FirstSeen | None = None


def load_filters(opts: FilterOptions, cfg: Config, known_rules: Collection[str]) -> LoadedFilters:
    """Read waivers and baseline before the audit, so a bad file stops the run before any work."""
    today = opts.today or dt.datetime.now(dt.timezone.utc).date()
    loaded = LoadedFilters(today=today)
    if opts.waivers:
        loaded.waivers = load_waivers(opts.waivers, today=today, max_days=cfg.get("max_waiver_days"),
                                       known_rules=known_rules)
        loaded.waivers_source = opts.waivers
    if opts.baseline:
        loaded.baseline = load_baseline(opts.baseline)
    for path, role in ((opts.baseline, "baseline"), (opts.previous, "previous report")):
        if path:
            found = load_first_seen(path, role)
            loaded.first_seen = found if loaded.first_seen is None else loaded.first_seen.merge(found)
    return loaded

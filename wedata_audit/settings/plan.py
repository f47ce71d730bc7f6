"""The audit plan: options and configuration resolved once, before any work, into an immutable value.

Every command that audits (``check``, ``audit``, ``demo``, ``rules test``) builds an :class:`AuditPlan`
and hands it with a :class:`~wedata_audit.sources.Source` to :func:`wedata_audit.pipeline.run_audit`.
A bad option or file fails here (exit 2), before a request is sent or a report touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from wedata_audit.errors import UsageError
from wedata_audit.model.finding import Severity
from wedata_audit.policy.frameworks import Catalogue, find_catalogue, load_catalogues, restrict_to_framework
from wedata_audit.policy.loading import Rule, ruleset_digest
from wedata_audit.reporters.base import JUNIT_FAILURES, JUNIT_PASSING, ReportSettings
from wedata_audit.reporters.targets import ReportTarget
from wedata_audit.settings.config import Config
from wedata_audit.settings.options import (
    FilterOptions,
    ReportOptions,
    RuleOptions,
    all_rules,
    framework_paths,
    load_filters,
    merge_config,
    parse_fail_on,
    select_ruleset,
    targets_of,
)
from wedata_audit.stages.filters import Filter
from wedata_audit.stages.filters.baseline import Baseline, BaselineFilter
from wedata_audit.stages.filters.firstseen import FirstSeen, FirstSeenFilter
from wedata_audit.stages.filters.waivers import Waiver, WaiverFilter


@dataclass(frozen=True, slots=True)
class FilterPlan:
    """Waivers and baseline, loaded; :meth:`start` gives fresh (stateful) filters for one run."""

    today: dt.date
    waivers: tuple[Waiver, ...] | None = None
    waivers_source: str | None = None
    baseline: Baseline | None = None
    first_seen: FirstSeen | None = None  # from --previous and --baseline

    def start(self, rules: tuple[Rule, ...] = ()) -> list[Filter]:
        """Waivers, then baseline (which compares with the rules this run evaluates), then first seen."""
        out: list[Filter] = []
        if self.waivers is not None:
            out.append(WaiverFilter(list(self.waivers), today=self.today, source=self.waivers_source))
        if self.baseline is not None:
            out.append(BaselineFilter(self.baseline, digest=ruleset_digest(rules),
                                      rule_ids=frozenset(r.id for r in rules)))
        out.append(FirstSeenFilter(self.first_seen, self.today))
        return out


@dataclass(frozen=True, slots=True)
class AuditPlan:
    rules: tuple[Rule, ...]
    fail_on: Severity  # the gate: open findings at or above it fail the run
    targets: tuple[ReportTarget, ...] = ()
    filters: FilterPlan = field(default_factory=lambda: FilterPlan(today=dt.date.today()))
    settings: ReportSettings = field(default_factory=ReportSettings)
    # The frameworks whose coverage the reports show (every catalogue, or the one of --framework).
    frameworks: tuple[Catalogue, ...] = ()
    release_gate: str = "new"  # release review: gate on what the release adds (new) or on everything (all)


def build_plan(rules: RuleOptions, report: ReportOptions, filters: FilterOptions, cfg: Config) -> AuditPlan:
    """Resolve the options (command line over configuration) into a plan; raises UsageError/ConfigError."""
    merge_config(cfg, report, filters)
    fail_on = parse_fail_on(report.fail_on or "high")
    targets = tuple(targets_of(report))
    settings = replace(report_settings(report), documentation_url=cfg.get("documentation_url") or "")
    available = all_rules(rules, cfg)
    ruleset = select_ruleset(available, rules, cfg)
    frameworks, ruleset = resolve_frameworks(rules, cfg, ruleset)
    loaded = load_filters(filters, cfg, known_rules={r.id for r in available})
    plan_filters = FilterPlan(
        today=loaded.today,
        waivers=tuple(loaded.waivers) if loaded.waivers is not None else None,
        waivers_source=loaded.waivers_source,
        baseline=loaded.baseline,
        first_seen=loaded.first_seen,
    )
    gate = filters.release_gate or cfg.get("release_gate") or "new"
    if gate not in ("new", "all"):
        raise UsageError(f"--release-gate {gate!r}: choose from new, all")
    return AuditPlan(rules=tuple(ruleset), fail_on=fail_on, targets=targets, filters=plan_filters,
                     settings=settings, frameworks=frameworks, release_gate=gate)


def resolve_frameworks(rules: RuleOptions, cfg: Config, ruleset: list[Rule]
                       ) -> tuple[tuple[Catalogue, ...], list[Rule]]:
    """The catalogues for coverage (bundled, the configuration's ``frameworks``, ``--frameworks``), and the
    rule set: with ``--framework ID`` (or ``framework:`` in the configuration) only that framework's
    catalogue, and only the rules that give evidence for it (plus the core pack's schema rule)."""
    catalogues = load_catalogues(framework_paths(rules, cfg))
    framework_id = rules.framework or cfg.get("framework")
    if not framework_id:
        return tuple(catalogues), ruleset
    catalogue = find_catalogue(catalogues, framework_id)
    return (catalogue,), restrict_to_framework(ruleset, catalogue)


def report_settings(report: ReportOptions) -> ReportSettings:
    failures = report.junit_failures or "gate"
    passing = report.junit_passing or "auto"
    if failures not in JUNIT_FAILURES:
        raise UsageError(f"--junit-failures {failures!r}: choose from {', '.join(JUNIT_FAILURES)}")
    if passing not in JUNIT_PASSING:
        raise UsageError(f"--junit-passing {passing!r}: choose from {', '.join(JUNIT_PASSING)}")
    return ReportSettings(junit_failures=failures, junit_passing=passing)

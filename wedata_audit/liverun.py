"""The live audit: build the task list, fetch each version from the WeData API, audit, report.

Also the demo, which runs the same live audit against the bundled fake API on a loopback port.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wedata_audit.client import DEFAULT_ENDPOINT, WeDataClient
from wedata_audit.config import Config, find_config
from wedata_audit.credentials import Credentials, resolve_credentials, resolve_region
from wedata_audit.engine import Engine
from wedata_audit.errors import EXIT_USAGE, UsageError
from wedata_audit.fetch import FetchRun, list_tasks
from wedata_audit.progress import Progress
from wedata_audit.runner import (
    FilterOptions,
    ReportOptions,
    RuleOptions,
    apply_filters,
    audit,
    build_ruleset,
    clear_stale_reports,
    finish,
    load_filters,
    merge_config,
    parse_fail_on,
)
from wedata_audit.snapshot import Snapshot
from wedata_audit.terminal import Terminal

# Regions the documentation lists for GetTriggerTaskVersion on the international site.
DOCUMENTED_REGIONS = ("ap-hongkong", "ap-jakarta", "ap-singapore", "eu-frankfurt", "na-ashburn", "na-siliconvalley")

TaskRef = tuple[str, str | None]


@dataclass
class LiveOptions:
    config: str | None = None
    project_id: str | None = None
    region: str | None = None
    endpoint: str | None = None
    profile: str | None = None
    use_cvm_role: bool = False
    tasks: list[str] = field(default_factory=list)
    tasks_file: str | None = None
    rate: float | None = None
    workers: int | None = None
    timeout: float | None = None
    save_snapshots: str | None = None
    select: dict[str, Any] | None = None  # ListTriggerTasks filters, when the configuration has none
    rules: RuleOptions = field(default_factory=RuleOptions)
    report: ReportOptions = field(default_factory=ReportOptions)
    filters: FilterOptions = field(default_factory=FilterOptions)


def read_tasks_file(path: str) -> list[str]:
    """One task id per line; blank lines and ``#`` comments are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read tasks file {path}: {exc}") from None
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def configured_tasks(opts: LiveOptions, cfg: Config) -> list[TaskRef]:
    refs: list[TaskRef] = []
    for item in cfg.get("tasks", []):
        if isinstance(item, dict):
            refs.append((str(item["id"]), item.get("version_id") or None))
        else:
            refs.append((str(item), None))
    refs.extend((t, None) for t in opts.tasks)
    if opts.tasks_file:
        refs.extend((t, None) for t in read_tasks_file(opts.tasks_file))
    return refs


def execute_audit(opts: LiveOptions, term: Terminal, *, credentials: Credentials | None = None) -> int:
    cfg = find_config(opts.config)
    merge_config(cfg, opts.report, opts.filters)
    fail_on = parse_fail_on(opts.report.fail_on or "high")
    clear_stale_reports(opts.report)
    project_id = opts.project_id or cfg.get("project_id")
    if not project_id:
        raise UsageError("a project id is required: --project-id, or project_id in the configuration")
    region = resolve_region(opts.region or cfg.get("region"), opts.profile or cfg.get("profile"))
    if not region:
        raise UsageError("a region is required: --region, region in the configuration, or TENCENTCLOUD_REGION")
    if region not in DOCUMENTED_REGIONS:
        term.warn(f"region {region!r} is not one the GetTriggerTaskVersion documentation lists "
                  f"({', '.join(DOCUMENTED_REGIONS)})")
    refs = configured_tasks(opts, cfg)
    select = cfg.get("select", opts.select)
    if not refs and select is None:
        raise UsageError("no task to audit: give --task, --tasks-file, or tasks / select in the configuration")
    rules = build_ruleset(opts.rules, cfg)
    filters = load_filters(opts.filters, cfg)
    creds = credentials or resolve_credentials(opts.profile or cfg.get("profile"), cvm_role=opts.use_cvm_role)
    endpoint = opts.endpoint or cfg.get("endpoint") or DEFAULT_ENDPOINT
    client_args: dict[str, Any] = {"endpoint": endpoint}
    if opts.rate or cfg.get("rate"):
        client_args["rate"] = float(opts.rate or cfg.get("rate"))
    if opts.timeout or cfg.get("timeout"):
        client_args["timeout"] = float(opts.timeout or cfg.get("timeout"))
    with WeDataClient(creds, region, **client_args) as client:
        if select is not None:
            refs.extend((t, None) for t in list_tasks(client, project_id, select))
        if not refs:
            raise UsageError("no task to audit: the select filters matched no task")
        run = FetchRun(client, project_id, refs, workers=opts.workers or cfg.get("workers") or 8,
                       snapshot_dir=opts.save_snapshots)
        progress = Progress(len(run.tasks), quiet=opts.report.quiet)
        stream = _with_progress(run, progress)
        try:
            result = audit(stream, rules, inputs=[f"{endpoint} project {project_id} ({len(run.tasks)} task(s))"],
                           fail_on=fail_on)
        finally:
            stream.close()
            progress.close()
    result.meta.update(endpoint=endpoint, region=region, project_id=project_id)
    engine = Engine(rules)
    if run.fatal is not None:
        result.complete = False
        result.incomplete_reason = f"the API refused the run, so it stopped early: {run.fatal}"
    elif result.complete and not run.complete:
        result.complete = False
        result.incomplete_reason = result.incomplete_reason or "some tasks were not fetched"
    result.tasks.extend(engine.audit(s) for s in run.unfetched_snapshots())
    result.tasks.sort(key=lambda t: (t.subject.task_id or t.subject.source, t.subject.version_id))
    apply_filters(result, filters)
    code = finish(result, opts.report, term)
    if run.fatal is not None:
        term.echo(f"wedata-audit: error: {run.fatal}", err=True)
        return EXIT_USAGE
    return code


def _with_progress(run: FetchRun, progress: Progress) -> Iterator[Snapshot]:
    for snap in run:
        progress.advance(errored=snap.error is not None)
        yield snap


def execute_demo(report: ReportOptions, term: Terminal, *, tasks: int = 60, seed: int = 20251124) -> int:
    """Start the fake WeData API on a free loopback port and run a real live audit against it."""
    from wedata_audit.credentials import from_keys
    from wedata_audit.fakeapi import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData

    with FakeWeData(tasks=tasks, seed=seed, latency=0.02) as fake:
        term.echo(f"demo: fake WeData API with {tasks} tasks listening on {fake.endpoint}; auditing them live "
                  "(ListTriggerTasks, then GetTriggerTaskVersion for each, TC3-signed, at most 20 requests/s)")
        opts = LiveOptions(project_id=fake.project_id, region="ap-singapore", endpoint=fake.endpoint,
                           report=report, config=None)
        opts.rules.default_rules = True
        opts.select = {}  # discover every task of the project through ListTriggerTasks
        creds = from_keys(TEST_SECRET_ID, TEST_SECRET_KEY, source="demo")
        code = execute_audit(opts, term, credentials=creds)
    out = Path(report.output_dir or "reports")
    term.echo(f"demo: done. Open {out / 'report.html'} in a browser; exit code {code} "
              "(1: the gate failed, as it should on the demo's non-compliant tasks).")
    return code

"""The live audit: build the task list, fetch each version from the WeData API, audit, report.

Also the demo, which runs the same live audit against the bundled fake API on a loopback port.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from wedata_audit.errors import EXIT_FINDINGS, AuditError, ConfigError, FatalRemoteError, UsageError, exit_meaning
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.reporters.targets import clear_stale_reports
from wedata_audit.settings.config import Config, find_config
from wedata_audit.settings.options import (
    FilterOptions,
    ReportOptions,
    RuleOptions,
    merge_config,
    run_inputs,
    targets_of,
)
from wedata_audit.sources.api.client import DEFAULT_ENDPOINT, ApiError, RemoteTaskError, WeDataClient, parse_endpoint
from wedata_audit.sources.api.context import ContextFetcher, context_needs
from wedata_audit.sources.api.credentials import Credentials, resolve_credentials, resolve_region
from wedata_audit.sources.api.fetch import LATEST, VERSION_MODES, FetchRun
from wedata_audit.sources.api.listing import dedupe, list_task_items
from wedata_audit.sources.files import SUFFIXES as SNAPSHOT_SUFFIXES
from wedata_audit.terminal import Terminal
from wedata_audit.util.progress import Progress

# Regions the documentation lists for GetTriggerTaskVersion on the international site.
DOCUMENTED_REGIONS = ("ap-hongkong", "ap-jakarta", "ap-singapore", "eu-frankfurt", "na-ashburn", "na-siliconvalley")

DEFAULT_WORKERS = 8
# ListTriggerTasks answers with these when a select filter is wrong (unknown name, wrong type or value).
FILTER_ERROR_CODES = ("InvalidParameter", "UnknownParameter", "MissingParameter")

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
    select: dict[str, Any] | None = None  # ListTriggerTasks filters; when given, the configuration's are ignored
    versions: str | None = None  # latest | production | release (--versions; config key versions)
    cache: str | None = None  # --cache DIR (config cache:)
    refresh: bool = False  # --refresh: ignore what the cache holds and rewrite it
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


class ApiSource:
    """The live WeData API as a :class:`~wedata_audit.sources.Source`: the listed tasks (ListTriggerTasks for
    ``select``), then each task's version, fetched in parallel and yielded in task-id order.

    Incomplete reasons it reports itself: the API refused the run (also :attr:`failure`, raised by the
    pipeline after the reports), the listing failed, tasks were not fetched. Tasks it will not read come
    from :meth:`remainder` as errored snapshots (``not fetched``), audited like any other.
    """

    def __init__(self, client: WeDataClient, project_id: str, refs: list[TaskRef], *, select: Any, workers: int,
                 snapshot_dir: Path | None, quiet: bool, cfg_source: str | None,
                 context: ContextFetcher | None = None, versions: str = LATEST,
                 cache_args: dict[str, Any] | None = None) -> None:
        self.client = client
        self.cache_args = cache_args or {}
        self.versions = versions
        self.task_items: dict[str, dict[str, Any]] = {}
        self.project_id = project_id
        self.refs = list(refs)
        self.select = select
        self.workers = workers
        self.snapshot_dir = snapshot_dir
        self.quiet = quiet
        self.cfg_source = cfg_source
        self.context = context if context is not None and context.needs else None
        self.failure: AuditError | None = None
        self.listing_failure: str | None = None
        self.listing_interrupted = False
        self.run: FetchRun | None = None
        self.progress: Progress | None = None
        self._closed = False
        self.inputs: tuple[str, ...] = (f"{client.endpoint} project {project_id}",)

    def _list(self) -> None:
        try:
            self.task_items = list_task_items(self.client, self.project_id, self.select)
            self.refs.extend((t, None) for t in self.task_items)
        except FatalRemoteError as exc:
            self.failure = exc
        except ApiError as exc:
            if exc.code.startswith(FILTER_ERROR_CODES):
                raise ConfigError(f"select: ListTriggerTasks rejected these filters ({exc.reason}); check the "
                                  "filter names and the types of their values", source=self.cfg_source) from None
            self.listing_failure = exc.reason
        except RemoteTaskError as exc:
            self.listing_failure = exc.reason
        if not self.refs and self.failure is None and self.listing_failure is None:
            raise UsageError("no task to audit: the select filters matched no task")

    def _fetch_run(self) -> FetchRun:
        tasks = sorted(dedupe(self.refs), key=lambda ref: (ref[0], ref[1] or ""))
        progress = self.progress = Progress(len(tasks), quiet=self.quiet)
        run = self.run = FetchRun(self.client, self.project_id, tasks, workers=self.workers,
                                  snapshot_dir=self.snapshot_dir, versions=self.versions,
                                  task_items=self.task_items, **self.cache_args,
                                  enrich=self.context.attach if self.context is not None else None,
                                  on_progress=lambda _d, _t, snap: progress.advance(errored=snap.error is not None))
        self.inputs = (f"{self.client.endpoint} project {self.project_id} ({len(run.tasks)} task(s))",)
        return run

    def snapshots(self) -> Iterator[Snapshot]:
        if self.select is not None:
            try:
                self._list()
            except BaseException:
                self.listing_interrupted = True
                self._fetch_run().abandon(None)  # interrupted while listing: what is known is not fetched
                raise
        run = self._fetch_run()
        if self.failure is not None:  # refused while listing: nothing will be fetched
            run.abandon(self.failure if isinstance(self.failure, FatalRemoteError) else None)
            return
        stream = run.snapshots()
        try:
            yield from stream
        finally:
            stream.close()  # stop the workers; what is left is listed as not fetched
            if self.progress is not None:
                self.progress.close()
            if run.fatal is not None:
                self.failure = run.fatal

    def close(self) -> None:
        self._closed = True

    def remainder(self) -> Iterator[Snapshot]:
        if self.run is None:
            return iter(())
        return iter([*self.run.leftover, *self.run.unfetched_snapshots()])

    def incomplete_reasons(self) -> list[str]:
        reasons = []
        if self.failure is not None:
            reasons.append(f"the API refused the run, so it stopped early: {self.failure}")
        if self.listing_failure is not None:
            reasons.append("the task listing (ListTriggerTasks for select) failed, so the tasks it would have "
                           f"listed were not audited: {self.listing_failure}")
        if self.listing_interrupted:
            reasons.append("the run stopped while listing the tasks to audit (ListTriggerTasks for select)")
        if self.run is not None and self.run.unfetched and not reasons:
            reasons.append(f"{len(self.run.unfetched)} task(s) were not fetched")
        return reasons


def execute_audit(opts: LiveOptions, term: Terminal, *, credentials: Credentials | None = None,
                  cfg: Config | None = None) -> int:
    """Run a live audit and return the exit code.

    ``cfg`` is the configuration to use instead of looking for one (the demo passes an empty ``Config()``).
    A run-wide refusal of the API (:class:`FatalRemoteError`) still writes the reports, marked incomplete,
    then is raised for the CLI to turn into its exit code.
    """
    from wedata_audit.pipeline import run_audit
    from wedata_audit.settings.plan import build_plan

    if cfg is None:
        cfg = find_config(opts.config)
    merge_config(cfg, opts.report, opts.filters)
    clear_stale_reports(targets_of(opts.report),
                        run_inputs(cfg, opts.rules, opts.filters, tasks_file=opts.tasks_file))
    project_id = _setting(opts.project_id, cfg, "project_id")
    if not project_id:
        raise UsageError("a project id is required: --project-id, or project_id in the configuration")
    profile = _setting(opts.profile, cfg, "profile")
    region = resolve_region(_setting(opts.region, cfg, "region"), profile)
    if not region:
        raise UsageError("a region is required: --region, region in the configuration, or TENCENTCLOUD_REGION")
    if region not in DOCUMENTED_REGIONS:
        term.warn(f"region {region!r} is not one the GetTriggerTaskVersion documentation lists "
                  f"({', '.join(DOCUMENTED_REGIONS)})")
    endpoint, client_args, workers = _client_settings(opts, cfg)
    refs = configured_tasks(opts, cfg)
    select = opts.select if opts.select is not None else cfg.get("select")
    if not refs and select is None:
        raise UsageError("no task to audit: give --task, --tasks-file, or tasks / select in the configuration")
    versions = _setting(opts.versions, cfg, "versions") or LATEST
    if versions not in VERSION_MODES:
        _bad(opts.versions, cfg, "versions", f"choose from {', '.join(VERSION_MODES)}, not {versions!r}")
    plan = build_plan(opts.rules, opts.report, opts.filters, cfg)
    cache_args = _cache_settings(opts, cfg, plan.rules)
    creds = credentials or resolve_credentials(profile, cvm_role=opts.use_cvm_role)
    snapshot_dir = prepare_snapshot_dir(opts.save_snapshots, opts.report)
    with WeDataClient(creds, region, endpoint=endpoint, **client_args) as client:
        context = ContextFetcher(client, project_id, context_needs(plan.rules), snapshot_dir=snapshot_dir)
        source = ApiSource(client, project_id, refs, select=select, workers=workers, snapshot_dir=snapshot_dir,
                           quiet=opts.report.quiet, cfg_source=cfg.source, context=context, versions=versions,
                           cache_args=cache_args)
        try:
            return run_audit(plan, source, term, meta={"endpoint": client.endpoint, "region": region,
                                                       "project_id": project_id, "requests": client.requests,
                                                       "versions": versions})
        finally:
            if term.verbose:
                term.note(request_counts_line(client.requests))
            _cache_warnings(cache_args.get("cache"), term)
            skipped = source.run.not_submitted if source.run is not None else []
            if skipped:
                term.warn(f"{len(skipped)} task(s) were never submitted, so --versions {versions} has no version "
                          f"of them to audit (e.g. {skipped[0]})")


def request_counts_line(requests: dict[str, int]) -> str:
    """``requests: 63 (GetTriggerTaskVersion 60, ListTriggerTasks 1, ...)``: what the run cost in API calls."""
    parts = ", ".join(f"{action} {n}" for action, n in sorted(requests.items()))
    return f"requests: {sum(requests.values())}" + (f" ({parts})" if parts else "")


def _cache_settings(opts: LiveOptions, cfg: Config, rules: Any) -> dict[str, Any]:
    """``cache``, ``cache_max_age`` and ``is_decided`` for the fetch, or nothing without --cache / cache:."""
    from datetime import timedelta

    from wedata_audit.policy.approval import APPROVED, NOT_APPROVED, approval_params, approval_state
    from wedata_audit.sources.api.cache import DEFAULT_MAX_AGE, VersionCache

    directory = opts.cache if opts.cache is not None else cfg.path("cache")
    if directory is None:
        if opts.refresh:
            raise UsageError("--refresh needs a cache: --cache DIR, or cache: in the configuration")
        return {}
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        _bad(opts.cache, cfg, "cache", f"{directory} exists and is not a folder")
    hours = cfg.get("cache_max_age")
    max_age = DEFAULT_MAX_AGE if hours is None else timedelta(hours=float(hours))
    params = approval_params(rules)

    def is_decided(status: Any) -> bool:
        return params is not None and approval_state(status, *params) in (APPROVED, NOT_APPROVED)

    return {"cache": VersionCache(folder, refresh=opts.refresh), "cache_max_age": max_age,
            "is_decided": is_decided if params is not None else None}


def _cache_warnings(cache: Any, term: Terminal) -> None:
    """Say what the cache discarded (corrupt or edited entries, fetched again) and what it could not write."""
    if cache is None:
        return
    stats = cache.stats
    for what, items in (("discarded and fetched again", stats.discarded), ("not written", stats.write_errors)):
        for item in items[:5]:
            term.warn(f"cache entry {what}: {item}")
        if len(items) > 5:
            term.warn(f"... and {len(items) - 5} more cache entries {what}")


def _setting(option: Any, cfg: Config, key: str) -> Any:
    """The command-line value when one was given (even 0 or an empty string), else the configuration's."""
    return option if option is not None else cfg.get(key)


def _client_settings(opts: LiveOptions, cfg: Config) -> tuple[str, dict[str, Any], int]:
    """Endpoint, client keyword arguments (rate, timeout) and workers, checked: a bad value is a usage error
    (a configuration error when it comes from the configuration file), before any request."""
    endpoint = _setting(opts.endpoint, cfg, "endpoint")
    if endpoint is None:
        endpoint = DEFAULT_ENDPOINT
    try:
        parse_endpoint(str(endpoint))
    except ValueError as exc:
        _bad(opts.endpoint, cfg, "endpoint", str(exc))
    client_args: dict[str, Any] = {}
    for key, what in (("rate", "requests per second"), ("timeout", "seconds")):
        value = _setting(getattr(opts, key), cfg, key)
        if value is not None:
            client_args[key] = _positive(value, getattr(opts, key), cfg, key, f"a positive number of {what}")
    workers = _setting(opts.workers, cfg, "workers")
    if workers is None:
        workers = DEFAULT_WORKERS
    elif isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        _bad(opts.workers, cfg, "workers", f"must be a whole number of at least 1, not {workers!r}")
    return str(endpoint), client_args, workers


def _positive(value: Any, option: Any, cfg: Config, key: str, expected: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        shown = f"{value:g}" if isinstance(value, float) else repr(value)
        _bad(option, cfg, key, f"must be {expected}, not {shown}")
    return float(value)


def _bad(option: Any, cfg: Config, key: str, message: str) -> NoReturn:
    if option is not None:
        raise UsageError(f"--{key}: {message}")
    raise ConfigError(f"{key}: {message}", source=cfg.source)


def prepare_snapshot_dir(path: str | None, report: ReportOptions) -> Path | None:
    """Check (and create) the ``--save-snapshots`` folder before any request.

    It must hold no ``*.json`` / ``*.jsonl`` file yet: ``check DIR`` reads every one of them, so files of
    another run would change the verdict of this one. Nothing is ever deleted: the user picks another folder.
    A JSON report written inside it would be read back as a task, so that is refused as well.
    """
    if path is None:
        return None
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--save-snapshots {path}: exists and is not a folder")
    if folder.is_dir():
        existing = sorted(str(f) for f in folder.rglob("*") if f.suffix in SNAPSHOT_SUFFIXES and f.is_file())
        if existing:
            raise UsageError(
                f"--save-snapshots {path}: the folder already holds {len(existing)} .json/.jsonl file(s) "
                f"(e.g. {existing[0]}), which 'check {path}' would read along with this run's snapshots; "
                "give an empty or new folder (nothing was deleted)")
    for t in targets_of(report):
        name, target = t.format, t.path
        if target.suffix in SNAPSHOT_SUFFIXES and target.resolve().is_relative_to(folder.resolve()):
            raise UsageError(f"the {name} report {target} would be inside --save-snapshots {path}, where "
                             f"'check {path}' would read it as a task version; write the reports elsewhere")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--save-snapshots {path}: cannot create the folder ({exc.strerror or exc})") from None
    return folder


def execute_demo(report: ReportOptions, term: Terminal, *, tasks: int = 60, seed: int = 20251124) -> int:
    """Start the fake WeData API on a free loopback port (``tasks`` generated tasks plus the scenario tasks of
    :mod:`wedata_audit.demo.scenarios`) and run a real live release review against it."""
    from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData
    from wedata_audit.demo.build import build_corpus
    from wedata_audit.demo.corpus import DEFAULT_PROJECT_ID as DEMO_PROJECT_ID
    from wedata_audit.demo.scenarios import TASKS as SCENARIOS
    from wedata_audit.sources.api.credentials import from_keys

    demo_corpus = build_corpus(tasks, seed, DEMO_PROJECT_ID, scenarios=True)
    # The scenario whose workflow was deleted makes its task errored (its context cannot be read), so the
    # run would be incomplete (exit 3); the demo shows findings, and the tests cover that scenario.
    demo_corpus.tasks.pop(SCENARIOS["workflow-deleted"], None)
    with FakeWeData(demo_corpus, latency=0.02) as fake:
        term.note(f"demo: fake WeData API with {tasks} tasks (and {len(SCENARIOS) - 1} scenario tasks) listening on "
                  f"{fake.endpoint}; reviewing each task's release live (--versions release: ListTriggerTasks, "
                  "then ListTriggerTaskVersions and GetTriggerTaskVersion of the production and the latest "
                  "submitted version, TC3-signed, at most 20 requests/s)")
        opts = LiveOptions(project_id=fake.project_id, region="ap-singapore", endpoint=fake.endpoint,
                           report=report, config=None, versions="release")
        opts.rules.default_rules = True
        opts.select = {}  # discover every task of the project through ListTriggerTasks
        creds = from_keys(TEST_SECRET_ID, TEST_SECRET_KEY, source="demo")
        code = execute_audit(opts, term, credentials=creds, cfg=Config())  # never ./wedata-audit.yaml
    term.note(demo_closing_line(code, [t.path for t in targets_of(report) if t.path.exists()]))
    return code


def demo_closing_line(code: int, written: list[Path]) -> str:
    """The demo's last word: the reports it wrote (none it did not) and what its exit code means."""
    html = [p for p in written if p.suffix == ".html"]
    where = (f"open {html[0]} in a browser" if html
             else f"reports: {', '.join(str(p) for p in written)}" if written else "no report was written")
    meaning = exit_meaning(code)
    if code == EXIT_FINDINGS:
        meaning += ", as it should on the demo's non-compliant tasks"
    return f"demo: done; {where}; exit code {code} ({meaning})."

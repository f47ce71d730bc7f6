"""The one audit path: a plan and a source in, reports written, the exit code out.

    source.snapshots() -> Engine.audit -> release review (pairs a task's production and latest versions)
        -> filters (waivers, baseline) -> RunTotals + reporters (streaming)

Every command that audits calls :func:`run_audit`. Nothing is patched after the fact: the source says
why the run is incomplete, the snapshots it owes but will not read come through the same path as errored
tasks, and SIGINT / SIGTERM (once or more) stop the source and end the run the same way: no new request,
every report written whole and marked incomplete, exit 3.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from wedata_audit import __version__
from wedata_audit.engine import Engine
from wedata_audit.errors import exit_code_for
from wedata_audit.model.results import Run, RunTotals, TaskResult
from wedata_audit.policy.loading import ruleset_digest
from wedata_audit.reporters import registry
from wedata_audit.reporters.base import Reporter
from wedata_audit.settings.plan import AuditPlan
from wedata_audit.sources import Snapshot, Source
from wedata_audit.stages.coverage import TallyCounter, compute_coverage
from wedata_audit.stages.release.review import ReleaseStage
from wedata_audit.terminal import Terminal

SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}


class Interrupted(BaseException):
    """A stop signal arrived while the source was being read."""


class StopSignals:
    """SIGINT and SIGTERM during a run: the first asks to stop; while the source is being waited on it
    also interrupts that wait. Later signals are recorded and change nothing: the reports still get written.
    Only installed in the main thread (signal handlers cannot be set elsewhere)."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self.interruptible = False

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.requested is None:
            self.requested = SIGNAL_NAMES.get(signal.Signals(signum), f"signal {signum}")
            if self.interruptible:
                self.interruptible = False
                raise Interrupted(self.requested)

    @contextmanager
    def installed(self) -> Iterator[StopSignals]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self.handle) for s in SIGNAL_NAMES}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                # After a stop the process is on its way out with exit 3: a repeated signal must not turn that
                # into a kill (or a KeyboardInterrupt) while the summary is printed.
                signal.signal(s, signal.SIG_IGN if self.requested is not None else handler)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def run_header(plan: AuditPlan, source: Source) -> Run:
    return Run(tool_version=__version__, started=now(), rules=tuple(r.info for r in plan.rules),
               ruleset_digest=ruleset_digest(plan.rules), inputs=tuple(source.inputs), fail_on=plan.fail_on,
               totals=RunTotals(plan.fail_on), uses_baseline=plan.filters.baseline is not None)


def run_audit(plan: AuditPlan, source: Source, term: Terminal, *,
              on_task: Callable[[TaskResult], None] | None = None, meta: dict[str, Any] | None = None,
              summary: bool = True) -> int:
    """Audit every snapshot of ``source`` under ``plan``; write the reports; return the exit code.

    ``meta`` is run metadata for the reports (e.g. the live endpoint); ``on_task`` sees each result as it is
    produced (``rules test`` compares them with the cases); ``summary=False`` prints no terminal summary.
    A source's run-wide failure (``source.failure``, e.g. the API refused the credentials) is raised after
    the reports are written.
    """
    engine = Engine(list(plan.rules))
    run = run_header(plan, source)
    run.meta.update(meta or {})
    filters = plan.filters.start(plan.rules)
    known = registry()
    reporters: list[Reporter] = [known[t.format](t.path, plan.settings) for t in plan.targets]
    printer = term.summary_reporter()
    stop = StopSignals()
    tallies = TallyCounter()  # framework coverage: per-rule tallies after the filters, memory flat in tasks

    release = ReleaseStage(plan.rules, gate=plan.release_gate)

    def consume(snap: Snapshot) -> None:
        for task in release.feed(snap, engine.audit(snap)):
            emit(task)

    def emit(task: TaskResult) -> None:
        for flt in filters:
            task = flt.apply(task)
        run.totals.add(task)
        tallies.add(task)
        for reporter in reporters:
            reporter.add(task)
        if summary:
            printer.add(task)
        if on_task is not None:
            on_task(task)

    try:
        with stop.installed():
            for reporter in reporters:
                reporter.start(run)
            printer.start(run)
            stream = source.snapshots()
            try:
                while stop.requested is None:
                    stop.interruptible = True
                    try:
                        snap = next(stream)
                    except StopIteration:
                        break
                    finally:
                        stop.interruptible = False
                    consume(snap)
            except (Interrupted, KeyboardInterrupt) as exc:
                stop.requested = stop.requested or (str(exc) if isinstance(exc, Interrupted) else "Ctrl-C (SIGINT)")
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
                source.close()
            for snap in source.remainder():
                consume(snap)
            for task in release.flush():
                emit(task)
            run.reasons.extend(source.incomplete_reasons())
            if stop.requested is not None:
                run.reasons.append(f"interrupted ({stop.requested}) before every task was audited")
            for flt in filters:
                run.meta[flt.meta_key] = flt.meta()
            run.coverage = compute_coverage(plan.frameworks, tallies.tallies(), run.rules)
            run.finished = now()
            run.ended = True
            written = [reporter.finish(run) for reporter in reporters]
    except BaseException:
        for reporter in reporters:
            reporter.abort()
        raise
    if summary:
        printer.finish(run, written)
    if source.failure is not None:
        raise source.failure  # the reports are written; the CLI maps it to its exit code
    return exit_code_for(complete=run.is_complete, gating_findings=run.totals.gating)


def written_paths(plan: AuditPlan) -> list[Path]:
    return [t.path for t in plan.targets]

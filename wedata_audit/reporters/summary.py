"""The terminal summary: it consumes the same stream as the file reporters.

A short summary always, every finding as it is produced with -v, the verdict line alone with -q.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from wedata_audit.model.results import Run, TaskResult
from wedata_audit.reporters.escaping import shorten
from wedata_audit.reporters.escaping import terminal as safe
from wedata_audit.reporters.releases import ReleaseDigest

COLORS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}
VERDICT_COLORS = {"PASS": "green", "FAIL": "red", "INCOMPLETE": "yellow"}
TOP = 10
CHANGES_SHOWN = 5  # per task, in the terminal
VALUE_CHARS = 60


def verdict_line(run: Run) -> str:
    s = run.summary()
    verdict = click.style(s["verdict"], fg=VERDICT_COLORS[s["verdict"]], bold=True)
    sev = ", ".join(f"{n} {k}" for k, n in s["by_severity"].items() if n)
    g = run.totals.gate_counts()
    gate = run.fail_on.value
    return (f"wedata-audit: {verdict}: {s['tasks']} task version(s): {g['failing']} failing the gate ({gate}), "
            f"{g['below']} with findings below it, {g['clean']} clean, {g['errored']} errored; "
            f"{s['open']} open finding(s)"
            + (f" ({sev})" if sev else "")
            + f"; {s['gating']} at or above {run.fail_on.value}")


class TerminalSummary:
    """Prints through ``echo`` (a :class:`wedata_audit.terminal.Terminal`'s); holds nothing per task."""

    def __init__(self, echo: Callable[[str], None], *, verbose: int = 0, quiet: bool = False) -> None:
        self.echo = echo
        self.verbose = verbose
        self.quiet = quiet
        self.releases = ReleaseDigest(limit=TOP)

    def start(self, run: Run) -> None:
        pass

    def add(self, task: TaskResult) -> None:
        self.releases.add(task)
        if not self.verbose or self.quiet:
            return
        for f in task.findings:
            mark = click.style(f"{f.severity.value:8}", fg=COLORS[f.severity.value])
            status = "" if f.is_open else f" [{f.status}]"
            self.echo(f"{mark} {f.rule_id:24} {safe(task.subject.label)}: {safe(f.message)}{status}")

    def finish(self, run: Run, written: Sequence[Path]) -> None:
        line = verdict_line(run)
        if self.quiet:
            self.echo(line)
            return
        if not run.is_complete:
            reason = run.incomplete_text or "some task versions could not be audited"
            self.echo(click.style(f"INCOMPLETE: {safe(reason)}", fg="yellow", bold=True))
        errored = run.totals.errored_sample
        for task in errored[:TOP]:
            self.echo(click.style("errored ", fg="yellow") + safe(f"{task.subject.source}: {task.error}"))
        if run.totals.errored > TOP:
            self.echo(f"... and {run.totals.errored - TOP} more errored task version(s)")
        by_rule = run.totals.open_by_rule
        if by_rule and not self.verbose:
            titles = {r.id: r for r in run.rules}
            self.echo("most frequent findings:")
            for rid, n in by_rule.most_common(TOP):
                info = titles.get(rid)
                sevname = info.severity.value if info else ""
                self.echo(f"  {n:6}  {click.style(f'{sevname:8}', fg=COLORS.get(sevname))} {rid}"
                          + (f": {info.title}" if info else ""))
        waivers = run.meta.get("waivers")
        if waivers:
            self.echo(f"waivers: {waivers['applied']} finding(s) waived, {len(waivers['expired'])} expired, "
                      f"{len(waivers['unused'])} unused")
            for w in waivers["expired"]:
                self.echo(click.style("  expired ", fg="yellow")
                          + safe(f"{w['rule']} {_target(w)} (expired {w['expires']})"))
            for w in waivers["unused"]:
                self.echo(safe(f"  unused  {w['rule']} {_target(w)}"))
        base = run.meta.get("baseline")
        if base:
            self.echo(f"baseline: {base['new']} new, {base['existing']} existing, {base['fixed']} fixed, "
                      f"{base.get('not_evaluated', 0)} not evaluated")
            for note in base.get("notes", ()):
                self.echo(click.style("  note: ", fg="yellow") + safe(note))
        self._release_review()
        for path in written:
            self.echo("report: standard output" if str(path) == "-" else f"report: {path}")
        self.echo(line)


    def _release_review(self) -> None:
        """Regressions first, then the change list per task (bounded, escaped)."""
        digest = self.releases
        if not digest.reviewed:
            return
        self.echo(digest.summary())
        for e in digest.entries():
            versions = f"{e.production or 'nothing in production'} -> {e.latest}"
            if e.regressions:
                self.echo(click.style("  REGRESSION ", fg="red", bold=True)
                          + safe(f"{e.label} ({versions}): {', '.join(e.regressions)}"))
            else:
                self.echo(safe(f"  changed    {e.label} ({versions})"))
            if e.production is None:  # every field is new: the list is in the HTML/JSON report
                self.echo(f"      nothing in production: {len(e.changes)} new field(s), listed in the HTML/JSON report")
                continue
            for pointer, before, after in e.changes[:CHANGES_SHOWN]:
                if not pointer:  # the review's own "N more changes" marker
                    self.echo(safe(f"      {after}"))
                elif before == "∅" and after.startswith("--- before"):
                    self.echo(safe(f"      {pointer}: code changed ({after.count(chr(10)) + 1}-line diff in the "
                                   "HTML/JSON report)"))
                else:
                    self.echo(safe(f"      {pointer}: {shorten(before, VALUE_CHARS)} -> "
                                   f"{shorten(after, VALUE_CHARS)}"))
            if len(e.changes) > CHANGES_SHOWN:
                self.echo(f"      ... {len(e.changes) - CHANGES_SHOWN} more change(s) in the HTML/JSON report")
        if digest.left_out:
            self.echo(f"  ... and {digest.left_out} more task(s) whose release changes something")


def _target(waiver: dict[str, str]) -> str:
    return " ".join(f"{k}={waiver[k]}" for k in ("task_id", "task_name", "workflow_id", "project_id") if k in waiver)

"""What goes to the terminal: a short summary always, every finding with -v, the verdict alone with -q."""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import click

from wedata_audit.results import AuditResult

COLORS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}
VERDICT_COLORS = {"PASS": "green", "FAIL": "red", "INCOMPLETE": "yellow"}
TOP = 10
# Control characters (an escape sequence could retitle or rewrite the terminal) and bidi overrides.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """Task data as it may go to a terminal: unsafe characters shown as escapes, never sent raw."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)


def use_color() -> bool | None:
    """``False`` when ``NO_COLOR`` is set to anything non-empty (no-color.org); else ``None``: click colours a
    terminal and strips the colours from anything else."""
    return False if os.environ.get("NO_COLOR") else None


def configure_logging(verbose: int, quiet: bool = False) -> None:
    """Logs go to stderr: warnings by default, INFO with -v, DEBUG with -vv (retries, requests); with -q only
    errors (what went wrong with a task is in the reports)."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    if quiet:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    for noisy in ("urllib3", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(max(level, logging.INFO))


class Terminal:
    def __init__(self, verbose: int = 0, quiet: bool = False) -> None:
        self.verbose = verbose
        self.quiet = quiet

    def echo(self, text: str = "", *, err: bool = False) -> None:
        click.echo(text, err=err, color=use_color())

    def note(self, text: str) -> None:
        """An informational line, left out with -q."""
        if not self.quiet:
            self.echo(text)

    def warn(self, text: str) -> None:
        """A warning on stderr, left out with -q (which prints only the verdict line)."""
        if not self.quiet:
            self.echo(click.style(f"warning: {text}", fg="yellow"), err=True)

    def summary(self, result: AuditResult, written: Sequence[Path]) -> None:
        s = result.summary()
        verdict = click.style(s["verdict"], fg=VERDICT_COLORS[s["verdict"]], bold=True)
        sev = ", ".join(f"{n} {k}" for k, n in s["by_severity"].items() if n)
        g = result.gate_counts()
        gate = result.fail_on.value
        line = (f"wedata-audit: {verdict}: {s['tasks']} task version(s): {g['failing']} failing the gate ({gate}), "
                f"{g['below']} with findings below it, {g['clean']} clean, {g['errored']} errored; "
                f"{s['open']} open finding(s)"
                + (f" ({sev})" if sev else "")
                + f"; {s['gating']} at or above {result.fail_on.value}")
        if self.quiet:
            self.echo(line)
            return
        if not result.is_complete:
            reason = result.incomplete_text or "some task versions could not be audited"
            self.echo(click.style(f"INCOMPLETE: {safe(reason)}", fg="yellow", bold=True))
        if self.verbose:
            for task in result.tasks:
                for f in task.findings:
                    mark = click.style(f"{f.severity.value:8}", fg=COLORS[f.severity.value])
                    status = "" if f.status == "open" else f" [{f.status}]"
                    self.echo(f"{mark} {f.rule_id:24} {safe(task.subject.label)}: {safe(f.message)}{status}")
        errored = [t for t in result.tasks if t.error is not None]
        for task in errored[:TOP]:
            self.echo(click.style("errored ", fg="yellow") + safe(f"{task.subject.source}: {task.error}"))
        if len(errored) > TOP:
            self.echo(f"... and {len(errored) - TOP} more errored task version(s)")
        by_rule = Counter(f.rule_id for f in result.findings() if f.status == "open")
        if by_rule and not self.verbose:
            titles = {r.id: r for r in result.rules}
            self.echo("most frequent findings:")
            for rid, n in by_rule.most_common(TOP):
                info = titles.get(rid)
                sevname = info.severity.value if info else ""
                self.echo(f"  {n:6}  {click.style(f'{sevname:8}', fg=COLORS.get(sevname))} {rid}"
                          + (f": {info.title}" if info else ""))
        waivers = result.meta.get("waivers")
        if waivers:
            self.echo(f"waivers: {waivers['applied']} finding(s) waived, {len(waivers['expired'])} expired, "
                      f"{len(waivers['unused'])} unused")
            for w in waivers["expired"]:
                self.echo(click.style("  expired ", fg="yellow")
                          + safe(f"{w['rule']} {_target(w)} (expired {w['expires']})"))
            for w in waivers["unused"]:
                self.echo(safe(f"  unused  {w['rule']} {_target(w)}"))
        base = result.meta.get("baseline")
        if base:
            self.echo(f"baseline: {base['new']} new, {base['existing']} existing, {base['fixed']} fixed, "
                      f"{base.get('not_evaluated', 0)} not evaluated")
            for note in base.get("notes", ()):
                self.echo(click.style("  note: ", fg="yellow") + safe(note))
        for path in written:
            self.echo(f"report: {path}")
        self.echo(line)


def _target(waiver: dict[str, str]) -> str:
    return " ".join(f"{k}={waiver[k]}" for k in ("task_id", "task_name", "workflow_id", "project_id") if k in waiver)

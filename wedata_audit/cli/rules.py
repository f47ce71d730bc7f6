"""The ``rules`` commands: list, show and validate, reading each rule's own documentation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import click
import yaml

from wedata_audit.cases import load_cases, run_cases
from wedata_audit.engine import Engine
from wedata_audit.errors import UsageError
from wedata_audit.policy.loading import build_rules, load_raw_rules
from wedata_audit.settings.config import find_config
from wedata_audit.settings.options import RuleOptions, build_ruleset
from wedata_audit.terminal import Terminal


def list_rules(opts: RuleOptions, term: Terminal) -> int:
    rules = build_ruleset(opts, find_config(None))
    width = max((len(r.id) for r in rules), default=10)
    for r in rules:
        term.echo(f"{r.id:{width}}  {r.info.severity.value:8}  {r.info.title}")
    return 0


def show_rule(rule_id: str, opts: RuleOptions, term: Terminal) -> int:
    rules = {r.id: r for r in build_ruleset(opts, find_config(None))}
    rule = rules.get(rule_id)
    if rule is None:
        raise UsageError(f"unknown rule id {rule_id!r} (see 'wedata-audit rules list')")
    info = rule.info

    def para(text: str) -> str:
        return textwrap.fill(" ".join(text.split()), width=100, initial_indent="  ", subsequent_indent="  ")

    term.echo(f"{info.id}: {info.title}")
    term.echo(f"severity: {info.severity.value}" + (f"    category: {info.category}" if info.category else ""))
    if info.controls:
        term.echo("controls: " + ", ".join(info.controls))
    term.echo(f"source: {rule.source}")
    term.echo("\ndescription:\n" + para(info.description))
    term.echo("\nremediation:\n" + para(info.remediation))
    if rule.params:
        term.echo("\nparams (defaults; override with --param RULE.NAME=VALUE):")
        for name, value in rule.params.items():
            term.echo(f"  {name}: {yaml.safe_dump(value, default_flow_style=True, width=1000).strip()}"
                      + ("" if rule.doc_params.get(name) == value else "   (overridden)"))
    for part in ("when", "check"):
        if part in rule.spec:
            dumped = yaml.safe_dump({part: rule.spec[part]}, sort_keys=False, width=100)
            term.echo("\n" + dumped.rstrip())
    return 0


def test_rules(paths: list[str], opts: RuleOptions, config: str | None, term: Terminal) -> int:
    """Run the case files in ``paths`` (files, or folders of *.yaml / *.yml as for policy files).

    Exits 1 when a case does not behave as it says, and when no case at all was found: a test run that
    tested nothing must not pass.
    """
    from wedata_audit.policy.loading import policy_files

    files: list[Path] = policy_files(paths)
    cfg = find_config(config)
    engine = Engine(build_ruleset(opts, cfg))
    passed = failed = 0
    for f in files:
        for res in run_cases(load_cases(f), engine):
            if res.ok:
                passed += 1
                if term.verbose:
                    term.echo(f"PASS {f}: {res.case.name}")
                continue
            failed += 1
            term.echo(click.style("FAIL", fg="red", bold=True) + f" {f}: {res.case.name}")
            for problem in res.problems:
                term.echo(f"     {problem}")
    if not passed + failed:
        where = ", ".join(paths)
        why = f"the {len(files)} case file(s) in {where} hold none" if files else f"no *.yaml or *.yml file in {where}"
        term.echo(click.style("FAIL", fg="red", bold=True) + f" no case found: {why}")
        return 1
    term.echo(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def validate_rules(paths: list[str], term: Terminal) -> int:
    raw = load_raw_rules(paths, include_default=not paths)
    rules = build_rules(raw)
    files = sorted({r.source for r in raw if not r.core})
    term.echo(f"ok: {sum(1 for r in rules if not r.core)} rule(s) in {len(files)} file(s) are valid")
    return 0

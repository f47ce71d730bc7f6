"""The ``frameworks`` commands: list the catalogues, show one with its requirements and their rules."""

from __future__ import annotations

from wedata_audit.model.results import RuleInfo
from wedata_audit.policy.frameworks import (
    PLANNED_RULES,
    Catalogue,
    find_catalogue,
    load_catalogues,
    unknown_rules,
    unresolved_controls,
    with_rule_controls,
)
from wedata_audit.settings.config import find_config
from wedata_audit.settings.options import RuleOptions, build_ruleset
from wedata_audit.stages.coverage import DISCLAIMER
from wedata_audit.terminal import Terminal, safe


def _context(paths: list[str], opts: RuleOptions) -> tuple[list[Catalogue], list[RuleInfo], list[Catalogue]]:
    """The catalogues as read, the rules in effect, and the catalogues with the rules' controls merged in."""
    catalogues = load_catalogues(paths)
    infos = [r.info for r in build_ruleset(opts, find_config(None))]
    return catalogues, infos, [with_rule_controls(c, infos) for c in catalogues]


def list_frameworks(paths: list[str], opts: RuleOptions, term: Terminal) -> int:
    """One line per framework: id, requirements, automated ones, where it comes from."""
    catalogues, infos, merged = _context(paths, opts)
    width = max((len(c.id) for c in merged), default=10)
    for cat in merged:
        term.echo(f"{cat.id:{width}}  {len(cat.requirements):3} requirements, {cat.automated:3} automated  "
                  f"{safe(cat.name)}  ({safe(cat.origin)})")
    for rule_id, control in unresolved_controls(infos, catalogues):
        term.warn(f"rule {rule_id!r} names control {safe(control)!r}, which no catalogue has")
    term.echo(DISCLAIMER)
    return 0


def show_framework(framework_id: str, paths: list[str], opts: RuleOptions, term: Terminal) -> int:
    """The framework's description, sources and notes, then each requirement with its rules.

    A rule the catalogue names that is not in the rule set in effect is marked ``?`` and named in a warning:
    in a run it counts as "did not run", so its requirements can only be "not assessed" through it.
    """
    _, infos, merged = _context(paths, opts)
    known = [r.id for r in infos]
    cat = find_catalogue(merged, framework_id)
    term.echo(f"{cat.id}: {safe(cat.name)}")
    if cat.version:
        term.echo(f"version: {safe(cat.version)}")
    term.echo(f"source file: {safe(cat.origin)}")
    if cat.description:
        term.echo(f"\n{safe(cat.description)}")
    term.echo("\nsources:")
    for s in cat.sources:
        term.echo(f"  - {safe(s)}")
    if cat.notes:
        term.echo("notes:")
        for n in cat.notes:
            term.echo(f"  - {safe(n)}")
    have = set(known)
    width = max(len(r.id) for r in cat.requirements)
    term.echo(f"\n{len(cat.requirements)} requirements, {cat.automated} automated, "
              f"{len(cat.requirements) - cat.automated} manual:")
    for req in cat.requirements:
        mark = "*" if req.inferred else " "
        rules = ", ".join(rid if rid in have else f"{rid}?" for rid in req.rules) if not req.manual else "manual"
        term.echo(f"  {req.id:{width}} {mark} {safe(req.name)}  [{rules}]")
    if any(r.inferred for r in cat.requirements):
        term.echo("  * clause number is an inference (see the catalogue's notes)")
    missing = unknown_rules(cat, known)
    if missing:
        planned = [rid for rid in missing if rid in PLANNED_RULES]
        other = [rid for rid in missing if rid not in PLANNED_RULES]
        if planned:
            term.warn(f"{cat.id}: planned rule(s) not in this version, counted as not run: {', '.join(planned)}")
        if other:
            term.warn(f"{cat.id}: rule(s) not in the rule set in effect, counted as not run: "
                      f"{', '.join(safe(r) for r in other)}")
    term.echo(f"\n{DISCLAIMER}")
    return 0

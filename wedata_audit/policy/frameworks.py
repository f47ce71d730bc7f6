"""Framework catalogues: governance frameworks as data, and how rules map to their requirements.

A catalogue (YAML, ``schemas/framework.schema.json``) lists a framework's requirements, each
``{id, name, rules, manual, source}``; ``manual: true`` means no automated check. The bundled ones live in
``frameworks/`` (shipped as ``wedata_audit.frameworks``); users add their own with :func:`load_catalogues`.

A rule names the requirements it gives evidence for in its ``controls:``, as ``"<framework id> <requirement
id>"`` (``"iso27001-2022 A.8.32"``). A requirement's rules are the catalogue's list plus every rule whose
``controls`` name it, so a user's own rule counts for a bundled framework without editing the catalogue.

A catalogue may name a rule that is not in the rule set in effect (a rule of a later version, a rule left out
with ``--no-default-rules``, ``--select`` or ``--ignore``): that is never an error. Such a rule counts as "did
not run" in coverage, and ``frameworks show`` names it in a warning. :data:`PLANNED_RULES` lists the rules the
bundled catalogues name before the default pack has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

from wedata_audit.errors import ConfigError, UsageError
from wedata_audit.model.results import RuleInfo
from wedata_audit.policy.loading import Rule
from wedata_audit.util.docschema import all_errors, describe, dotted
from wedata_audit.util.resources import bundled_framework_files
from wedata_audit.util.yamlfile import load_yaml, read_text, yaml_files

CATALOGUE_SCHEMA = "framework.schema.json"
MAX_ERRORS = 5

# Rules the bundled catalogues map although the default pack does not have them yet (issues 9 and 11). A
# test keeps this honest both ways: every rule a bundled catalogue names is in the pack or here, and a rule
# that has joined the pack must leave this list.
PLANNED_RULES: frozenset[str] = frozenset({
})


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    name: str
    rules: tuple[str, ...] = ()
    manual: bool = False
    source: str = ""
    inferred: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Catalogue:
    id: str
    name: str
    requirements: tuple[Requirement, ...]
    sources: tuple[str, ...] = ()
    version: str = ""
    description: str = ""
    notes: tuple[str, ...] = ()
    origin: str = ""  # where it was read from: "frameworks/mlps2-l3.yaml" (bundled) or the user's path

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Every rule the catalogue names, each once, in the order of first mention."""
        return tuple(dict.fromkeys(rid for req in self.requirements for rid in req.rules))

    @property
    def automated(self) -> int:
        return sum(1 for r in self.requirements if not r.manual)


def control_ref(framework_id: str, requirement_id: str) -> str:
    """The string a rule's ``controls:`` uses for a requirement: ``"mlps2-l3 8.1.4.1"``."""
    return f"{framework_id} {requirement_id}"


def parse_control(text: str) -> tuple[str, str] | None:
    """``"iso27001-2022 A.8.32"`` -> ``("iso27001-2022", "A.8.32")``; ``None`` when it is not of that shape."""
    parts = text.split()
    return (parts[0], parts[1]) if len(parts) == 2 else None


# --- reading -------------------------------------------------------------------------------------------------

def _where(doc: Any, path: Sequence[Any]) -> str:
    """``requirements[3] (8.1.4.2).rules``: the position, and the requirement's id when it has one."""
    where = dotted(path, "(top level)")
    if len(path) >= 2 and path[0] == "requirements" and isinstance(path[1], int):
        items = doc.get("requirements") if isinstance(doc, dict) else None
        item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            head = dotted(path[:2])
            where = f"{head} ({item['id']})" + where[len(head):]
    return where


def _message(err: Any) -> str:
    path = list(err.absolute_path)
    if path[-1:] == ["rules"] and err.validator == "maxItems":
        return "a manual requirement (manual: true, no automated check) lists no rules"
    if path[-1:] == ["rules"] and err.validator == "minItems":
        return "an automated requirement (manual: false) needs at least one rule"
    if err.validator == "required" and err.validator_value == ["rules"]:
        return "missing 'rules' (an automated requirement, manual: false, needs at least one rule)"
    return describe(err)


def read_catalogue_text(text: str, source: str) -> Catalogue:
    """Parse and validate one catalogue; any fault is a :class:`ConfigError` naming the file and where."""
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", source=source) from None
    errors = all_errors(CATALOGUE_SCHEMA, doc)
    if errors:
        problems = [f"{_where(doc, list(e.absolute_path))}: {_message(e)}" for e in errors[:MAX_ERRORS]]
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise ConfigError("; ".join(problems) + more, source=source)
    seen: set[str] = set()
    requirements: list[Requirement] = []
    for i, item in enumerate(doc["requirements"]):
        if item["id"] in seen:
            raise ConfigError(f"requirements[{i}]: duplicate requirement id {item['id']!r}", source=source)
        seen.add(item["id"])
        requirements.append(Requirement(id=item["id"], name=item["name"], rules=tuple(item.get("rules", ())),
                                        manual=item["manual"], source=item.get("source", ""),
                                        inferred=item.get("inferred", False), note=item.get("note", "")))
    return Catalogue(id=doc["id"], name=doc["name"], requirements=tuple(requirements),
                     sources=tuple(doc["sources"]), version=doc.get("version", ""),
                     description=" ".join(doc.get("description", "").split()), notes=tuple(doc.get("notes", ())),
                     origin=source)


def read_catalogue_file(path: Any, source: str | None = None) -> Catalogue:
    """A catalogue from a :class:`~pathlib.Path` or an importlib.resources ``Traversable``."""
    source = source or str(path)
    text = read_text(path, "framework catalogue", source)
    return read_catalogue_text(text, source)


def catalogue_files(paths: Iterable[str | Path]) -> list[Path]:
    return yaml_files(paths, "frameworks")


def load_catalogues(extra_paths: Iterable[str | Path] = (), *, include_bundled: bool = True) -> list[Catalogue]:
    """The bundled catalogues (unless ``include_bundled`` is false), then the user's (``--frameworks PATH``).

    A framework id defined twice is a :class:`ConfigError` naming both files: a user catalogue never silently
    replaces a bundled one (give it another id).
    """
    out: list[Catalogue] = []
    if include_bundled:
        out.extend(read_catalogue_file(f, f"frameworks/{f.name}") for f in bundled_framework_files())
    out.extend(read_catalogue_file(f) for f in catalogue_files(extra_paths))
    seen: dict[str, str] = {}
    for cat in out:
        if cat.id in seen:
            raise ConfigError(f"framework id {cat.id!r} is already defined in {seen[cat.id]}", source=cat.origin)
        seen[cat.id] = cat.origin
    return out


def find_catalogue(catalogues: Sequence[Catalogue], framework_id: str) -> Catalogue:
    for cat in catalogues:
        if cat.id == framework_id:
            return cat
    known = ", ".join(c.id for c in catalogues) or "none"
    raise UsageError(f"unknown framework {framework_id!r} (choose from {known}; see 'wedata-audit frameworks list')")


# --- catalogues and rules ------------------------------------------------------------------------------------

def with_rule_controls(catalogue: Catalogue, rules: Iterable[RuleInfo]) -> Catalogue:
    """The catalogue with each requirement's rules extended by the rules whose ``controls`` name it.

    A manual requirement that a rule names becomes automated: a rule now checks it.
    """
    extra: dict[str, list[str]] = {}
    for info in rules:
        for control in info.controls:
            ref = parse_control(control)
            if ref is not None and ref[0] == catalogue.id:
                extra.setdefault(ref[1], []).append(info.id)
    if not extra:
        return catalogue
    reqs = []
    for req in catalogue.requirements:
        added = [rid for rid in extra.get(req.id, ()) if rid not in req.rules]
        reqs.append(replace(req, rules=req.rules + tuple(dict.fromkeys(added)), manual=False) if added else req)
    return replace(catalogue, requirements=tuple(reqs))


def unresolved_controls(rules: Iterable[RuleInfo], catalogues: Sequence[Catalogue]) -> list[tuple[str, str]]:
    """``(rule id, control)`` for every control that names no requirement of any catalogue."""
    index = {(c.id, r.id) for c in catalogues for r in c.requirements}
    return [(info.id, control) for info in rules for control in info.controls if parse_control(control) not in index]


def unknown_rules(catalogue: Catalogue, known: Iterable[str]) -> list[str]:
    """Rules the catalogue names that are not in ``known`` (the rule set in effect), in catalogue order."""
    have = set(known)
    return [rid for rid in catalogue.rule_ids if rid not in have]


R = TypeVar("R", bound=Rule)


def restrict_to_framework(rules: Sequence[R], catalogue: Catalogue, *, keep: Iterable[str] | None = None
                          ) -> list[R]:
    """The rules that give evidence for ``catalogue`` (``--framework ID``), in their order, plus ``keep``.

    ``keep`` defaults to the core pack's rules (the schema rule): they say whether the input can be trusted at
    all. Raises
    :class:`UsageError` when none of the rules in effect maps to the framework (the run would check nothing).
    """
    mapped = set(with_rule_controls(catalogue, [r.info for r in rules]).rule_ids)
    kept = set(keep) if keep is not None else {r.id for r in rules if r.core}
    out = [r for r in rules if r.id in mapped or r.id in kept]
    if not any(r.id in mapped for r in out):
        raise UsageError(f"framework {catalogue.id!r} maps none of the rules in effect: nothing to run")
    return out

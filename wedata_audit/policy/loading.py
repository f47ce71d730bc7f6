"""Policy rules: loading YAML policy files, validating them, and compiling them once per run.

A policy file is a list of rules (or a mapping with ``rules:``); each rule documents itself
(title, description, remediation, params) and is validated against ``schemas/policy.schema.json``
before anything runs. A bad file stops the run with a message naming the file, the rule id and the fault.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from wedata_audit.errors import ConfigError, UsageError
from wedata_audit.model.finding import Severity
from wedata_audit.model.results import RULE_FAIL, RULE_PASS, RULE_SKIP, RuleInfo
from wedata_audit.policy.builtin import BuiltinCheck, builtin_check
from wedata_audit.policy.conditions import Condition, ConditionError, Failure, compile_condition
from wedata_audit.util.docschema import describe, dotted, validator
from wedata_audit.util.resources import core_rule_files, default_rule_files
from wedata_audit.util.yamlfile import load_yaml, read_text, yaml_files
from wedata_audit.view.fields import rule_key_errors

POLICY_SCHEMA = "policy.schema.json"
@dataclass(frozen=True, slots=True)
class RawRule:
    spec: Mapping[str, Any]
    source: str
    core: bool = False  # from the core pack (rules/core/)


@dataclass(frozen=True)
class Rule:
    info: RuleInfo
    params: Mapping[str, Any]
    source: str
    spec: Mapping[str, Any]
    sensitive: bool = False
    when: Condition | None = None
    check: Condition | None = None  # None: the rule's check is built in (``builtin``)
    doc_params: Mapping[str, Any] = field(default_factory=dict)
    builtin: BuiltinCheck | None = None  # ``check: {builtin: NAME}``: reads the raw Data
    core: bool = False  # from the core pack (rules/core/): loaded with every rule set
    linked_params: Mapping[str, Any] = field(default_factory=dict)  # {param: RULE.NAME} it reads, as in effect

    @property
    def id(self) -> str:
        return self.info.id

    def evaluate(self, view: Mapping[str, Any], data: Any = None) -> tuple[str, list[Failure]]:
        """The outcome on one version: ``view`` for conditions, ``data`` (the raw Data) for a built-in check."""
        if self.when is not None and self.when.evaluate(view):
            return RULE_SKIP, []
        if self.builtin is not None:
            failures = self.builtin.evaluate(data)
            return (RULE_FAIL if failures else RULE_PASS), failures
        assert self.check is not None
        failures = self.check.evaluate(view)
        return (RULE_FAIL if failures else RULE_PASS), failures


def read_policy_text(text: str, source: str) -> list[RawRule]:
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", source=source) from None
    if doc is None:
        return []
    errors = list(validator(POLICY_SCHEMA).iter_errors(doc))
    if errors:
        err = _deepest(errors)
        raise ConfigError(_schema_message(err), source=source, rule_id=_rule_id_at(doc, err))
    items = doc["rules"] if isinstance(doc, dict) else doc
    return [RawRule(spec=item, source=source) for item in items]


def _deepest(errors: list[jsonschema.ValidationError]) -> jsonschema.ValidationError:
    pool = errors
    err = jsonschema.exceptions.best_match(pool)
    while err.context:  # oneOf / anyOf: an error of the branch that got furthest into the document
        furthest = max(len(e.absolute_path) for e in err.context)
        pool = [e for e in err.context if len(e.absolute_path) == furthest]
        err = jsonschema.exceptions.best_match(pool)
    # A misspelt key explains the key it misses ("chek" for "check"): name it, not what is missing.
    where = list(err.absolute_path)
    return next((e for e in pool if e.validator == "additionalProperties" and list(e.absolute_path) == where), err)


def _rule_id_at(doc: Any, err: jsonschema.ValidationError) -> str | None:
    path = list(err.absolute_path)
    items = doc.get("rules") if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and path[:1] == ["rules"]:
        path = path[1:]
    if path and isinstance(path[0], int) and isinstance(items, list) and path[0] < len(items):
        rule = items[path[0]]
        if isinstance(rule, dict) and isinstance(rule.get("id"), str):
            return rule["id"]
        return f"#{path[0] + 1}"
    return None


def _schema_message(err: jsonschema.ValidationError) -> str:
    """``check.all[1].op: unknown operator 'within' (...)``: where inside the rule, then what."""
    path = list(err.absolute_path)
    if path[:1] == ["rules"]:
        path = path[1:]
    if path and isinstance(path[0], int):  # the rule itself is named by its id
        path = path[1:]
    if err.validator == "enum" and path and path[-1] == "op":
        message = f"unknown operator {err.instance!r} (choose from {', '.join(err.validator_value)})"
    else:
        message = describe(err)
    where = dotted(path)
    return f"{where}: {message}" if where else message


def read_policy_file(path: Path | Any, source: str | None = None) -> list[RawRule]:
    source = source or str(path)
    text = read_text(path, "policy file", source)
    return read_policy_text(text, source)


def policy_files(paths: Iterable[str]) -> list[Path]:
    return yaml_files(paths, "rules")


def load_raw_rules(paths: Iterable[str], *, include_default: bool = True) -> list[RawRule]:
    raw: list[RawRule] = []
    for f in core_rule_files():
        core = read_policy_file(f, f"rules/core/{f.name}")
        raw.extend(RawRule(spec=r.spec, source=r.source, core=True) for r in core)
    if include_default:
        for f in default_rule_files():
            raw.extend(read_policy_file(f, f"rules/{f.name}"))
    for p in paths:  # each path must hold a rule: a policy that adds nothing would pass silently
        files = policy_files([p])
        found = [rule for f in files for rule in read_policy_file(f)]
        if not found:
            why = (f"its {len(files)} file(s) hold none" if files else "it has no *.yaml or *.yml file")
            raise ConfigError(f"the policy path holds no rule: {why}", source=str(p))
        raw.extend(found)
    return raw


def parse_overrides(items: Iterable[str], what: str) -> dict[str, dict[str, Any]]:
    """``RULE.NAME=VALUE`` items (VALUE read as YAML) into ``{rule: {name: value}}``."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        left, sep, value = item.partition("=")
        rule_id, dot, name = left.rpartition(".")
        if not sep or not dot or not rule_id or not name:
            raise UsageError(f"{what} {item!r}: expected RULE.NAME=VALUE")
        try:
            parsed = load_yaml(value)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise UsageError(f"{what} {item!r}: the value {value!r} is not valid YAML ({problem}); write a list "
                             "as [a, b], and quote a string that YAML would read otherwise") from None
        out.setdefault(rule_id, {})[name] = parsed
    return out


def build_rules(raw: list[RawRule], *, params: Mapping[str, Mapping[str, Any]] | None = None,
                severities: Mapping[str, str] | None = None) -> list[Rule]:
    """Compile every rule once; duplicate ids, bad keys, regexes or params are configuration errors."""
    params = params or {}
    severities = severities or {}
    seen: dict[str, str] = {}
    for item in raw:
        rid = item.spec["id"]
        if rid in seen:
            raise ConfigError(f"duplicate rule id (first defined in {seen[rid]})", source=item.source, rule_id=rid)
        seen[rid] = item.source
    # {param: RULE.NAME} reads another rule's param as in effect (e.g. approval-status.approved)
    shared = {f"{item.spec['id']}.{name}": value for item in raw
              for name, value in _effective(item, params.get(item.spec["id"], {})).items()}
    rules = [_compile(item, params.get(item.spec["id"], {}), severities.get(item.spec["id"]), shared)
             for item in raw]
    for rid in list(params) + list(severities):
        if rid not in seen:
            raise UsageError(f"override for unknown rule {rid!r}")
    return rules


def _effective(item: RawRule, overrides: Mapping[str, Any]) -> dict[str, Any]:
    declared = dict(item.spec.get("params") or {})
    unknown = set(overrides) - set(declared)
    if unknown:
        raise UsageError(f"rule {item.spec['id']!r} has no param {', '.join(sorted(unknown))} "
                         f"(it has: {', '.join(sorted(declared)) or 'none'})")
    return {**declared, **overrides}


def _compile(item: RawRule, overrides: Mapping[str, Any], severity: str | None,
             shared: Mapping[str, Any]) -> Rule:
    spec = item.spec
    rid = spec["id"]
    declared = dict(spec.get("params") or {})
    effective = _effective(item, overrides)
    visible = {**shared, **effective}
    try:
        sev = Severity.parse(severity or spec["severity"])
    except ValueError as exc:
        raise UsageError(f"rule {rid!r}: {exc}") from None
    sensitive = bool(spec.get("sensitive", False))
    try:
        when = compile_condition(spec["when"], visible, "when", sensitive=sensitive) if "when" in spec else None
        builtin = builtin_check(spec["check"]["builtin"]) if "builtin" in spec.get("check", {}) else None
        check = (compile_condition(spec["check"], visible, "check", sensitive=sensitive)
                 if "check" in spec and builtin is None else None)
    except ConditionError as exc:
        blame = f" (with the overridden params {', '.join(sorted(overrides))})" if overrides else ""
        raise ConfigError(f"{exc}{blame}", source=item.source, rule_id=rid) from None
    key_errors = rule_key_errors(spec)
    if key_errors:
        more = f" (and {len(key_errors) - 1} more unknown field(s))" if len(key_errors) > 1 else ""
        raise ConfigError(key_errors[0] + more, source=item.source, rule_id=rid)
    info = RuleInfo(id=rid, title=spec["title"], severity=sev, category=spec.get("category", ""),
                    description=spec["description"].strip(), remediation=spec["remediation"].strip(),
                    controls=tuple(spec.get("controls", ())), help_uri=spec.get("help_uri", ""))
    linked = {name: shared[name] for name in _param_refs(spec) if name in shared and name not in effective}
    return Rule(info=info, params=effective, source=item.source, spec=spec, sensitive=sensitive,
                when=when, check=check, doc_params=declared, linked_params=linked, builtin=builtin,
                core=item.core)


def _param_refs(node: Any) -> Iterator[str]:
    """Every ``param:`` name a rule's conditions read."""
    if isinstance(node, dict):
        if isinstance(node.get("param"), str):
            yield node["param"]
        for key in ("when", "check", "value", "all", "any", "not"):
            if key in node:
                yield from _param_refs(node[key])
    elif isinstance(node, list):
        for item in node:
            yield from _param_refs(item)


def ruleset_digest(rules: Iterable[Rule]) -> str:
    """sha256 of the rules and params in effect, independent of file order."""
    canon = sorted(
        ({**rule.spec, "params": dict(rule.params), "severity": rule.info.severity.value,
          **({"linked_params": dict(rule.linked_params)} if rule.linked_params else {})} for rule in rules),
        key=lambda s: s["id"],
    )
    return hashlib.sha256(json.dumps(canon, sort_keys=True, default=str).encode()).hexdigest()

"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, GitLab, Azure DevOps, VS Code).

Valid against the OASIS ``sarif-schema-2.1.0.json``. Shape, one run:

* ``tool.driver``: ``wedata-audit``, its version, and one ``reportingDescriptor`` per rule of the
  ruleset (plus any rule that appears only in findings, so every ``ruleIndex`` resolves): title,
  description, remediation as ``help``, ``defaultConfiguration.level`` from the rule's severity, and
  ``properties`` ``category``, ``controls``, ``tags`` (category then controls) and, for rules of the
  ``security`` category, GitHub's numeric ``security-severity``;
* one ``result`` per finding (open, waived or existing): ``level`` from the finding's severity
  (critical/high -> error, medium -> warning, low/info -> note), the message with the failing key and
  the (already masked) actual and expected values, ``partialFingerprints`` ``wedataAudit/v1`` =
  :attr:`Finding.fingerprint` and ``primaryLocationLineHash`` (what GitHub code scanning tracks an alert
  by; from project, task, rule and key, so stable across runs and line moves), and one location holding
  both a logical location (the task version, ``<project>/<workflow>/<task id>@<version>``) and a physical
  one: a scheme-less relative URI (the snapshot file relative to the working directory, or
  ``wedata/<project>/<task id>.json`` for API and stdin input, where ``--save-snapshots`` writes it) and
  ``region.startLine``, the line of the failing key in the snapshot file (1 when there is no file);
* rules carry ``helpUri`` when the rule has ``help_uri`` or the configuration ``documentation_url``;
* waived findings carry ``suppressions`` [{kind ``external``, justification = the waiver note}];
  when the run used a baseline (some finding is ``existing``, or ``meta["baseline"]`` is set) open
  findings are ``baselineState: new`` and existing ones ``unchanged``; waived ones have no
  ``baselineState``, since the filter does not say whether they were in the baseline;
* ``invocations``: ``executionSuccessful`` = the run is complete, and one ``error`` notification per
  errored task version plus one for the incomplete reason of the run.

Only what the findings, rules and run already hold is written: no snapshot content, and ``actual``
values are the engine's (masked) rendering. Lone surrogates, which UTF-8 cannot encode, become U+FFFD.

GitHub code scanning keeps at most 25,000 results per run; the file itself is not capped.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wedata_audit.model.finding import Finding, FindingStatus, Severity, Subject
from wedata_audit.model.results import AuditResult, RuleInfo, Run, TaskResult
from wedata_audit.reporters.base import Reporter, Spool, render, scrub_surrogates
from wedata_audit.reporters.citext import location_path, primary_location_line_hash
from wedata_audit.reporters.escaping import markdown as escape_markdown
from wedata_audit.reporters.locations.keylines import UNKNOWN_LINE, KeyLines

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "wedata-audit"
FINGERPRINT_KEY = "wedataAudit/v1"
LINE_HASH_KEY = "primaryLocationLineHash"  # what GitHub code scanning tracks alerts by
LOCATION_KIND = "module"
# GitHub reads at most this many tags per rule.
MAX_TAGS = 10

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub's scale: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
SECURITY_CATEGORY = "security"



# --- rules ----------------------------------------------------------------------------------


def rule_tags(rule: RuleInfo) -> list[str]:
    tags = [rule.category, *sorted(rule.controls)] if rule.category else sorted(rule.controls)
    return list(dict.fromkeys(t for t in tags if t))[:MAX_TAGS]


def rule_help(rule: RuleInfo) -> dict[str, str]:
    text = rule.remediation or rule.description or rule.title or rule.id
    parts = [f"**{escape_markdown(rule.title or rule.id)}**"]
    if rule.description:
        parts.append(escape_markdown(rule.description))
    if rule.remediation:
        parts.append(f"**Remediation:** {escape_markdown(rule.remediation)}")
    if rule.controls:
        parts.append("**Controls:** " + ", ".join(escape_markdown(c) for c in sorted(rule.controls)))
    return {"text": text, "markdown": "\n\n".join(parts)}


def help_uri(rule: RuleInfo, documentation_url: str = "") -> str | None:
    """The rule's own ``help_uri``, else ``documentation_url#rule-id`` when the configuration sets one."""
    if rule.help_uri:
        return rule.help_uri
    if documentation_url:
        return f"{documentation_url}#{quote(rule.id, safe='')}"
    return None


def rule_descriptor(rule: RuleInfo, documentation_url: str = "") -> dict[str, Any]:
    properties: dict[str, Any] = {
        "category": rule.category,
        "controls": sorted(rule.controls),
        "severity": rule.severity.value,
        "tags": rule_tags(rule),
    }
    if rule.category == SECURITY_CATEGORY and rule.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[rule.severity]
    descriptor: dict[str, Any] = {"id": rule.id, "name": rule.id}
    if rule.title:
        descriptor["shortDescription"] = {"text": rule.title}
    if rule.description:
        descriptor["fullDescription"] = {"text": rule.description}
    descriptor["help"] = rule_help(rule)
    uri = help_uri(rule, documentation_url)
    if uri:
        descriptor["helpUri"] = uri
    descriptor["defaultConfiguration"] = {"level": LEVELS[rule.severity]}
    descriptor["properties"] = properties
    return descriptor


# --- locations ------------------------------------------------------------------------------


def _component(value: str) -> str:
    return value or "_"


def qualified_name(subject: Subject) -> str:
    """``<project>/<workflow>/<task id>@<version>``; an empty part is ``_``."""
    version = subject.version_num or subject.version_id
    task = _component(subject.task_id or subject.source)
    name = f"{_component(subject.project_id)}/{_component(subject.workflow_id)}/{task}"
    return f"{name}@{version}" if version else name


def logical_location(subject: Subject) -> dict[str, str]:
    return {
        "name": subject.task_name or subject.task_id or subject.source,
        "fullyQualifiedName": qualified_name(subject),
        "kind": LOCATION_KIND,
    }


def _quote(value: str) -> str:
    return quote(scrub_surrogates(value), safe="/")


def artifact_uri(subject: Subject, cwd: Path) -> str:
    """The scheme-less relative URI of the file a result points at (:func:`citext.location_path`,
    percent-encoded): the snapshot file relative to ``cwd``, or ``wedata/<project>/<task>.json`` for the
    live API and standard input (the file ``--save-snapshots`` writes)."""
    return _quote(location_path(subject, live=False, cwd=cwd))


def physical_location(subject: Subject, cwd: Path, line: int = UNKNOWN_LINE, uri: str | None = None) -> dict[str, Any]:
    """The file (relative, no scheme: GitHub rejects another scheme than its checkout's) and the line."""
    uri = artifact_uri(subject, cwd) if uri is None else uri
    return {"artifactLocation": {"uri": uri}, "region": {"startLine": max(line, 1)}}


def location(subject: Subject, cwd: Path, line: int = UNKNOWN_LINE, uri: str | None = None) -> dict[str, Any]:
    """``uri``: the subject's :func:`artifact_uri` when the caller already has it."""
    return {"physicalLocation": physical_location(subject, cwd, line, uri),
            "logicalLocations": [logical_location(subject)]}


# --- results --------------------------------------------------------------------------------


def message_text(finding: Finding) -> str:
    lines = [finding.message or finding.title or finding.rule_id]
    for label, value in (("key", finding.key), ("actual", finding.actual), ("expected", finding.expected)):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def result_entry(finding: Finding, rule_index: int, cwd: Path, baseline: bool,
                 where: dict[str, Any] | None = None, *, occurrence: int = 1) -> dict[str, Any]:
    """``where``: the finding's location when the caller already has it (with the line of its key);
    ``occurrence``: the n-th result of its file with the same line hash."""
    entry: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message_text(finding)},
        "locations": [where if where is not None else location(finding.subject, cwd)],
        "partialFingerprints": {
            FINGERPRINT_KEY: finding.fingerprint,
            LINE_HASH_KEY: primary_location_line_hash(finding, occurrence=occurrence),
        },
    }
    if finding.status == FindingStatus.WAIVED:
        suppression: dict[str, str] = {"kind": "external", "status": "accepted"}
        if finding.note:
            suppression["justification"] = finding.note
        entry["suppressions"] = [suppression]
    elif baseline:
        entry["baselineState"] = "unchanged" if finding.status == FindingStatus.EXISTING else "new"
    entry["properties"] = {
        "severity": finding.severity.value,
        "status": str(finding.status),
        "key": finding.key,
        "title": finding.title,
    }
    return entry


# --- invocation -----------------------------------------------------------------------------


def utc_time(value: str) -> str | None:
    """An ISO 8601 timestamp as SARIF's UTC form, or ``None`` when it cannot be read."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


def task_notification(task: TaskResult, cwd: Path) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": f"{task.subject.label}: {task.error}"},
        "locations": [location(task.subject, cwd)],
    }


def invocation(run: Run, notes: str) -> str:
    """The invocation object's JSON; ``notes`` is placed where the notifications go (``""`` for none)."""
    entry: dict[str, Any] = {"executionSuccessful": run.is_complete}
    for key, value in (("startTimeUtc", run.started), ("endTimeUtc", run.finished)):
        stamp = utc_time(value)
        if stamp is not None:
            entry[key] = stamp
    return _dumps(entry)[:-1] + (',"toolExecutionNotifications":[' + notes if notes else "")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SarifReporter(Reporter):
    """Results stream to one spool and notifications of errored tasks to another; the tool section (rules
    seen in findings included) and the invocation are written at the end, around them."""

    name = "sarif"
    default_filename = "report.sarif"
    marker = re.compile(rb'"driver": ?\{"name": ?"wedata-audit"')

    def __init__(self, path: Path | None = None, settings: Any = None, cwd: Path | None = None) -> None:
        super().__init__(path, settings)
        self.cwd = cwd

    def start(self, run: Run) -> None:
        super().start(run)
        self._notes = Spool(self.path)
        self._cwd = self.cwd if self.cwd is not None else Path.cwd()
        self._index = {r.id: i for i, r in enumerate(run.rules)}
        self._extra: list[RuleInfo] = []
        self._baseline = run.uses_baseline
        self._results = self._n_notes = 0
        self._lines = KeyLines(self.cwd)
        self._docs = self.settings.documentation_url
        # primaryLocationLineHash occurrences, counted per file (only the current file's are kept: sources
        # read one file at a time, so a file's results arrive together)
        self._hash_file = ""
        self._hash_seen: dict[str, int] = {}

    def _occurrence(self, where: dict[str, Any], finding: Finding) -> int:
        uri = where["physicalLocation"]["artifactLocation"]["uri"]
        if uri != self._hash_file:
            self._hash_file, self._hash_seen = uri, {}
        base = primary_location_line_hash(finding)
        n = self._hash_seen.get(base, 0) + 1
        self._hash_seen[base] = n
        return n

    def add(self, task: TaskResult) -> None:
        if task.error is not None:
            self._notes.write(("," if self._n_notes else "") + _dumps(task_notification(task, self._cwd)))
            self._n_notes += 1
        if not task.findings:
            return
        lines = self._lines.lines(task.subject, (f.key for f in task.findings))
        uri = artifact_uri(task.subject, self._cwd)  # once per task: it may stat the file
        for f in task.findings:
            if f.subject == task.subject:
                where = location(f.subject, self._cwd, lines.get(f.key, UNKNOWN_LINE), uri)
            else:
                where = location(f.subject, self._cwd, self._lines.line(f.subject, f.key))
            if f.rule_id not in self._index:
                self._index[f.rule_id] = len(self._index)
                self._extra.append(RuleInfo(id=f.rule_id, title=f.title, severity=f.severity))
            entry = result_entry(f, self._index[f.rule_id], self._cwd, self._baseline, where,
                                 occurrence=self._occurrence(where, f))
            self.spool.write(("," if self._results else "") + _dumps(entry))
            self._results += 1

    def finish(self, run: Run) -> Path:
        rules = [*run.rules, *self._extra]
        driver = {"name": TOOL_NAME, "version": run.tool_version,
                  "rules": [rule_descriptor(r, self._docs) for r in rules]}
        head = (f'{{"$schema":{_dumps(SARIF_SCHEMA)},"version":{_dumps(SARIF_VERSION)},"runs":[{{'
                f'"tool":{{"driver":{_dumps(driver)}}},"invocations":[')
        reason = run.incomplete_text
        run_note = _dumps({"level": "error", "message": {"text": f"audit incomplete: {reason}"}}) if reason else ""
        properties = {"verdict": run.verdict, "failOn": run.fail_on.value, "rulesetDigest": run.ruleset_digest,
                      "summary": run.summary()}
        if self._n_notes or run_note:
            inv = invocation(run, "x")[:-1]
            sep = "," if self._n_notes and run_note else ""
            parts: list[str | Spool] = [head + inv, self._notes, sep + run_note + "]}]"]
        else:
            self._notes.discard()
            parts = [head + invocation(run, "") + "}]"]
        parts += [',"columnKind":"unicodeCodePoints","results":[', self.spool,
                  f'],"properties":{_dumps(properties)}}}]}}\n']
        return self.spool.assemble_parts(parts)

    def abort(self) -> None:
        super().abort()
        if getattr(self, "_notes", None) is not None:
            self._notes.discard()


def build_log(result: AuditResult, cwd: Path | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_document(result, cwd))
    return loaded


def render_document(result: AuditResult, cwd: Path | None = None) -> str:
    if cwd is None:
        return render(SarifReporter, result)
    return SarifReporter(cwd=cwd).render(result)

"""Build :class:`AuditResult` objects directly, for reporter tests (JSON, JUnit, HTML, ...).

Use it as ``from tests.report_factory import sample_result`` (``tests`` is a package).

``sample_result()`` returns a small run that exercises every branch a reporter has to handle:

* task kinds, cycled in the order of ``kinds`` (default ``KINDS``):

  - ``failed``: open findings of several severities (critical, high, medium, low), two findings of
    one rule, a masked sensitive ``actual`` (``SECRET`` never appears anywhere), plus one waived and
    one baseline (``existing``) finding on other rules, and one rule skipped (out of scope);
  - ``passed``: every rule passes except one skipped;
  - ``errored``: the task could not be read (``error`` set, no outcomes, no findings);
  - ``waived``: fails only rules whose findings are all waived, so the task passes;

* hostile text (``hostile=True``): task names, workflow names, messages, actual values, notes and
  error reasons contain ``HOSTILE`` -- ``<script>alert(1)</script>``, ``&``, both quotes, the
  control characters NUL and ESC, a lone surrogate, U+FFFE -- and a Chinese name;
* evidence in ``meta`` (request id, endpoint, region, fetched_at, sha256) plus a key reporters
  should not copy (``internal``).

With the defaults (3 tasks) a result has one task of each status, findings of every status and a
skipped outcome, and is incomplete (an errored task). ``n_tasks=10_000, n_rules=25`` makes a
full-size run for size and speed checks; pass ``hostile=False`` for realistic plain data.
``versions=2`` repeats each task with two version numbers (same task id), as a run over a
task's history would.
"""

from __future__ import annotations

from collections.abc import Sequence

from wedata_audit.model.finding import Finding, Severity, Subject
from wedata_audit.model.results import RULE_FAIL, RULE_PASS, RULE_SKIP, AuditResult, RuleInfo, TaskResult

KINDS = ("failed", "passed", "errored", "waived")
HOSTILE = "<script>alert(1)</script> & \"q\" 'a' \x00\x1b[31m \ud800 \ufffe"
SECRET = "hunter2-Sup3rSecret"
MASKED = "hu****et (masked, 19 chars)"
STARTED = "2024-05-01T08:00:00+00:00"
FINISHED = "2024-05-01T08:01:30+00:00"
_SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
# Positions, in the ruleset, of the rules each kind trips (need at least 7 rules).
_FAILING = {0: Severity.CRITICAL, 1: Severity.HIGH, 2: Severity.MEDIUM, 3: Severity.LOW}
_WAIVED, _EXISTING, _SKIPPED = 4, 5, 6
MIN_RULES = 7


def make_rules(n_rules: int = 8) -> tuple[RuleInfo, ...]:
    """``n_rules`` rules ``WD-001`` ... with varied severities, categories and controls."""
    if n_rules < MIN_RULES:
        raise ValueError(f"sample results need at least {MIN_RULES} rules")
    return tuple(
        RuleInfo(
            id=f"WD-{i + 1:03d}",
            title=f"Rule {i + 1} title",
            severity=_SEVERITIES[i % len(_SEVERITIES)],
            category=("security", "reliability", "cost")[i % 3],
            description=f"What rule {i + 1} checks & why.",
            remediation=f"Change setting {i + 1} in the task's configuration.",
            controls=("SOC2-CC6.1", "ISO27001-A.9") if i % 2 else (),
        )
        for i in range(n_rules)
    )


def make_subject(index: int, *, hostile: bool = True, version: int = 1, chinese: bool = False) -> Subject:
    """The identity of task ``index`` (ids look like WeData's numeric ids)."""
    name = f"task_{index}"
    if chinese:
        name = f"每日同步任务_{index}"
    if hostile:
        name = f"{name} {HOSTILE}"
    return Subject(
        source=f"exports/project-a/tasks.jsonl:{index + 1}",
        project_id="1460947878944567296",
        task_id=f"20240501{index:09d}",
        task_name=name,
        workflow_id=f"wf-{index // 10:05d}",
        workflow_name=f"workflow {index // 10}" + (" & <wf>" if hostile else ""),
        version_id=f"ver-{index:06d}-{version}",
        version_num=f"V{version}",
        owner_uin="100012345678",
    )


def make_meta(index: int) -> dict[str, object]:
    return {
        "request_id": f"req-{index:08d}-0000-4000-8000-000000000000",
        "endpoint": "wedata.tencentcloudapi.com",
        "region": "ap-guangzhou",
        "fetched_at": "2024-05-01T08:00:01+00:00",
        "sha256": f"{index:064x}",
        "project_id": "1460947878944567296",
        "internal": "not for reports",
    }


def _finding(rule: RuleInfo, subject: Subject, hostile: bool, **kw: object) -> Finding:
    suffix = f" {HOSTILE}" if hostile else ""
    fields: dict[str, object] = {
        "key": "Task.TaskExtInfo.retry",
        "actual": "0",
        "expected": ">= 1",
        "message": f"{rule.title} is violated{suffix}",
        "severity": rule.severity,
    }
    fields.update(kw)
    return Finding(rule_id=rule.id, title=rule.title, subject=subject, **fields)  # type: ignore[arg-type]


def _failed_findings(rules: Sequence[RuleInfo], subject: Subject, hostile: bool) -> list[Finding]:
    out = [
        _finding(rules[pos], subject, hostile, severity=sev, key=f"Task.Param[{pos}]")
        for pos, sev in _FAILING.items()
    ]
    out.insert(
        1,
        _finding(
            rules[0], subject, hostile, key="Task.Conf.password", actual=MASKED, expected="no plaintext"
        ),
    )
    note = f"accepted until 2025-01-01{' ' + HOSTILE if hostile else ''}"
    out.append(_finding(rules[_WAIVED], subject, hostile, status="waived", note=note))
    out.append(_finding(rules[_EXISTING], subject, hostile, status="existing"))
    return out


def _waived_findings(rules: Sequence[RuleInfo], subject: Subject, hostile: bool) -> list[Finding]:
    return [
        _finding(rules[pos], subject, hostile, status="waived", note="approved by SEC-42") for pos in (0, 1)
    ]


def _outcomes(rules: Sequence[RuleInfo], findings: Sequence[Finding]) -> tuple[tuple[str, str], ...]:
    failing = {f.rule_id for f in findings}
    skipped = rules[_SKIPPED].id
    return tuple(
        (r.id, RULE_FAIL if r.id in failing else RULE_SKIP if r.id == skipped else RULE_PASS) for r in rules
    )


def make_task(
    index: int, kind: str, rules: Sequence[RuleInfo], *, hostile: bool = True, version: int = 1
) -> TaskResult:
    """One task version of the given kind (see the module docstring)."""
    subject = make_subject(index, hostile=hostile, version=version, chinese=index % 5 == 3)
    meta = make_meta(index)
    if kind == "errored":
        reason = "HTTP 500 from DescribeTriggerTaskVersionDetail" + (f" {HOSTILE}" if hostile else "")
        return TaskResult(subject=subject, error=reason, meta=meta)
    if kind == "failed":
        findings = _failed_findings(rules, subject, hostile)
    elif kind == "waived":
        findings = _waived_findings(rules, subject, hostile)
    elif kind == "passed":
        findings = []
    else:
        raise ValueError(f"unknown task kind {kind!r} (choose from {', '.join(KINDS)})")
    return TaskResult(
        subject=subject, findings=tuple(findings), outcomes=_outcomes(rules, findings), meta=meta
    )


def sample_result(
    n_tasks: int = 3,
    n_rules: int = 8,
    *,
    kinds: Sequence[str] = KINDS,
    hostile: bool = True,
    versions: int = 1,
    complete: bool = True,
    incomplete_reason: str | None = None,
    fail_on: Severity = Severity.HIGH,
    started: str = STARTED,
    finished: str = FINISHED,
) -> AuditResult:
    """A whole run of ``n_tasks`` tasks (times ``versions``), task kinds cycling through ``kinds``."""
    rules = make_rules(n_rules)
    tasks = [
        make_task(i, kinds[i % len(kinds)], rules, hostile=hostile, version=v)
        for i in range(n_tasks)
        for v in range(1, versions + 1)
    ]
    return AuditResult(
        tool_version="0.1.0",
        started=started,
        finished=finished,
        rules=rules,
        ruleset_digest="sha256:" + "ab" * 32,
        inputs=("exports/project-a/tasks.jsonl", "exports/project-b/"),
        tasks=tasks,
        fail_on=fail_on,
        complete=complete,
        incomplete_reason=incomplete_reason,
        meta={"policy": "default"},
    )

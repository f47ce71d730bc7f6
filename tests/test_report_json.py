"""The JSON report: schema, layout, determinism, completeness and hostile text."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.report_factory import MASKED, SECRET, sample_result
from wedata_audit.model.finding import Severity
from wedata_audit.model.results import AuditResult
from wedata_audit.reporters import registry
from wedata_audit.reporters.formats.json import JsonReporter

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "report.schema.json"
COMPLETE_KINDS = ("failed", "passed", "waived")
FINDING_KEYS = [
    "rule_id",
    "severity",
    "title",
    "message",
    "key",
    "actual",
    "expected",
    "status",
    "note",
    "fingerprint",
    "first_seen",
]


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    assert cls is jsonschema.Draft202012Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def render(result: AuditResult) -> str:
    return JsonReporter().render(result)


def load(result: AuditResult) -> dict[str, Any]:
    return json.loads(render(result))


@pytest.mark.parametrize(
    "result",
    [
        sample_result(),
        sample_result(4),
        sample_result(6, kinds=COMPLETE_KINDS),
        sample_result(3, versions=2),
        sample_result(0),
        sample_result(2, complete=False, incomplete_reason="interrupted"),
        sample_result(5, hostile=False),
    ],
    ids=["default", "four-kinds", "complete", "versions", "empty", "interrupted", "plain"],
)
def test_validates_against_schema(validator: jsonschema.protocols.Validator, result: AuditResult) -> None:
    validator.validate(load(result))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["tasks"][0].update(extra=1),
        lambda d: d["tasks"][0]["findings"][0].update(subject="x"),
        lambda d: d["tasks"][0]["meta"].update(internal="x"),
        lambda d: d["run"].update(complete=True),
        lambda d: d["summary"].pop("gating"),
        lambda d: d["tasks"][0]["outcomes"].update({"WD-001": "maybe"}),
    ],
    ids=["task-key", "finding-key", "meta-key", "complete-with-reason", "summary-key", "outcome-value"],
)
def test_schema_catches_drift(validator: jsonschema.protocols.Validator, mutate: Any) -> None:
    doc = load(sample_result())
    mutate(doc)
    assert not validator.is_valid(doc)


def test_registered_and_written(tmp_path: Path) -> None:
    reporter_cls = registry()["json"]
    assert reporter_cls is JsonReporter
    assert JsonReporter.default_filename == "report.json"
    path = reporter_cls().write(sample_result(), tmp_path / "out" / JsonReporter.default_filename)
    raw = path.read_bytes()
    assert raw.decode("utf-8") == render(sample_result())
    json.loads(raw)


def test_run_and_summary_come_before_tasks() -> None:
    text = render(sample_result(50))
    doc = json.loads(text)
    assert list(doc) == ["format_version", "tool", "run", "summary", "fail_on", "inputs", "filters", "frameworks",
                         "ruleset", "tasks"]
    head = "\n".join(text.splitlines()[:5])
    assert '"complete":false' in head
    assert '"verdict":"INCOMPLETE"' in head
    assert text.index('"complete"') < text.index('"tasks"')


def test_one_rule_and_one_task_per_line() -> None:
    result = sample_result(7)
    lines = render(result).splitlines()
    task_lines = [line for line in lines if line.startswith('  {"source":')]
    rule_lines = [line for line in lines if line.startswith('  {"id":')]
    assert len(task_lines) == 7
    assert len(rule_lines) == len(result.rules)
    assert [json.loads(line.rstrip(","))["task_id"] for line in task_lines] == [
        t.subject.task_id for t in result.tasks
    ]


def test_complete_flag_and_reason() -> None:
    clean_run = load(sample_result(3, kinds=COMPLETE_KINDS))["run"]
    assert clean_run["complete"] is True
    assert clean_run["incomplete_reason"] is None

    errored = load(sample_result(3))["run"]
    assert errored["complete"] is False
    assert errored["incomplete_reason"] == "1 of 3 task version(s) could not be audited"

    stopped = load(sample_result(3, kinds=COMPLETE_KINDS, complete=False, incomplete_reason="interrupted"))
    assert stopped["run"] == {
        "started": "2024-05-01T08:00:00+00:00",
        "finished": "2024-05-01T08:01:30+00:00",
        "complete": False,
        "incomplete_reason": "interrupted",
    }
    assert stopped["summary"]["verdict"] == "INCOMPLETE"

    unexplained = load(sample_result(1, kinds=("passed",), complete=False))["run"]
    assert unexplained["incomplete_reason"]


def test_header_sections() -> None:
    result = sample_result(4, fail_on=Severity.MEDIUM)
    doc = load(result)
    assert doc["format_version"] == 1
    assert doc["tool"] == {"name": "wedata-audit", "version": "0.1.0"}
    assert doc["summary"] == result.summary()
    assert doc["fail_on"] == "medium"
    assert doc["inputs"] == list(result.inputs)
    assert doc["ruleset"]["digest"] == result.ruleset_digest
    assert [r["id"] for r in doc["ruleset"]["rules"]] == [r.id for r in result.rules]
    second = doc["ruleset"]["rules"][1]
    assert second["controls"] == sorted(result.rules[1].controls)
    assert second["remediation"] == result.rules[1].remediation


def test_task_entries() -> None:
    result = sample_result(3)
    failed, passed, errored = load(result)["tasks"]
    subject = result.tasks[0].subject
    assert failed["task_id"] == subject.task_id
    assert failed["version_num"] == subject.version_num
    assert failed["owner_uin"] == subject.owner_uin
    assert failed["status"] == "failed"
    assert failed["error"] is None
    assert list(failed["outcomes"]) == [r.id for r in result.rules]
    assert set(failed["outcomes"].values()) == {"pass", "fail", "skip"}
    assert {f["status"] for f in failed["findings"]} == {"open", "waived", "existing"}
    assert {f["severity"] for f in failed["findings"]} >= {"critical", "high", "medium", "low"}
    first = failed["findings"][0]
    assert first["fingerprint"] == result.tasks[0].findings[0].fingerprint
    assert list(first) == list(FINDING_KEYS)
    waived = next(f for f in failed["findings"] if f["status"] == "waived")
    assert waived["note"].startswith("accepted until")
    assert passed["status"] == "passed"
    assert passed["findings"] == []
    assert errored["status"] == "errored"
    assert errored["error"].startswith("HTTP 500")
    assert errored["outcomes"] == {}


def test_meta_keeps_only_evidence_sorted() -> None:
    task = load(sample_result(1))["tasks"][0]
    assert list(task["meta"]) == ["endpoint", "fetched_at", "region", "request_id", "sha256"]
    assert "internal" not in task["meta"]

    result = sample_result(1)
    result.tasks[0] = replace(result.tasks[0], meta={"request_id": "r-1", "region": None, "sha256": ""})
    assert load(result)["tasks"][0]["meta"] == {"request_id": "r-1"}


def test_masked_actual_is_kept_masked() -> None:
    text = render(sample_result())
    assert MASKED in text
    assert SECRET not in text


def test_hostile_text_round_trips_except_surrogates() -> None:
    text = render(sample_result())
    text.encode("utf-8")  # strict: no lone surrogate survives
    task = json.loads(text)["tasks"][0]
    assert "<script>alert(1)</script>" in task["task_name"]
    assert "\x00\x1b[31m" in task["task_name"]
    assert "\ud800" not in task["task_name"]
    assert "\ufffd" in task["task_name"]
    assert '"q"' in task["task_name"]


def test_chinese_is_written_as_utf8() -> None:
    text = render(sample_result(4, hostile=False))
    assert "每日同步任务_3" in text


def test_deterministic() -> None:
    assert render(sample_result(12)) == render(sample_result(12))


def test_only_timestamps_differ_between_runs() -> None:
    first = render(sample_result(5))
    later = render(sample_result(5, started="2024-06-01T00:00:00Z", finished="2024-06-01T00:00:09Z"))
    assert first != later
    normalised = later.replace("2024-06-01T00:00:00Z", "2024-05-01T08:00:00+00:00").replace(
        "2024-06-01T00:00:09Z", "2024-05-01T08:01:30+00:00"
    )
    assert normalised == first


def test_meta_order_and_finding_order_do_not_matter() -> None:
    expected = render(sample_result(4))
    result = sample_result(4)
    rng = random.Random(7)
    for i, task in enumerate(result.tasks):
        meta = list(task.meta.items())
        rng.shuffle(meta)
        # Rules in reverse order; a rule's own findings keep their order (that order is the engine's).
        by_rule: dict[str, list[Any]] = {}
        for f in task.findings:
            by_rule.setdefault(f.rule_id, []).append(f)
        shuffled = tuple(f for group in reversed(list(by_rule.values())) for f in group)
        assert shuffled != task.findings or len(by_rule) < 2
        result.tasks[i] = replace(task, meta=dict(meta), findings=shuffled)
    assert render(result) == expected


def test_task_order_is_kept() -> None:
    result = sample_result(6)
    result.tasks.reverse()
    ids = [t["task_id"] for t in load(result)["tasks"]]
    assert ids == [t.subject.task_id for t in result.tasks]

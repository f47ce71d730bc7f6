"""The SARIF report: OASIS schema, levels, fingerprints, suppressions, baseline, locations, invocations."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.report_factory import MASKED, SECRET, sample_result
from wedata_audit.model.finding import Finding, Severity, Subject
from wedata_audit.model.results import AuditResult, TaskResult
from wedata_audit.reporters import registry
from wedata_audit.reporters.citext import primary_location_line_hash
from wedata_audit.reporters.formats.sarif import FINGERPRINT_KEY, SarifReporter, build_log, render_document

SCHEMA_PATH = Path(__file__).resolve().parent / "conformance" / "sarif-schema-2.1.0.json"
COMPLETE_KINDS = ("failed", "passed", "waived")
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def load(result: AuditResult) -> dict[str, Any]:
    return json.loads(render_document(result))


def run_of(result: AuditResult) -> dict[str, Any]:
    (run,) = load(result)["runs"]
    return run


def without_existing(result: AuditResult) -> AuditResult:
    """The same run as if no baseline had been used (existing findings become open)."""
    tasks = [
        replace(t, findings=tuple(replace(f, status="open") if f.status == "existing" else f for f in t.findings))
        for t in result.tasks
    ]
    return replace(result, tasks=tasks)


def with_findings(result: AuditResult, index: int, findings: list[Finding]) -> AuditResult:
    tasks = list(result.tasks)
    tasks[index] = replace(tasks[index], findings=tuple(findings))
    return replace(result, tasks=tasks)


# --- validity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        sample_result(),
        sample_result(4),
        sample_result(6, kinds=COMPLETE_KINDS),
        sample_result(3, versions=2),
        sample_result(0),
        sample_result(0, complete=False, incomplete_reason="interrupted"),
        sample_result(8, hostile=False),
        without_existing(sample_result(4)),
    ],
    ids=["default", "four", "complete", "versions", "empty", "empty-incomplete", "plain", "no-baseline"],
)
def test_validates_against_oasis_schema(validator: jsonschema.Draft4Validator, result: AuditResult) -> None:
    errors = sorted(validator.iter_errors(load(result)), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_schema_catches_drift(validator: jsonschema.Draft4Validator) -> None:
    log = load(sample_result(4))
    log["runs"][0]["results"][0]["level"] = "critical"
    assert not validator.is_valid(log)


def test_registered_and_written(tmp_path: Path) -> None:
    assert registry()["sarif"] is SarifReporter
    assert SarifReporter.default_filename == "report.sarif"
    path = SarifReporter().write(sample_result(), tmp_path / SarifReporter.default_filename)
    assert path.read_bytes().decode("utf-8") == render_document(sample_result())


def test_header() -> None:
    log = load(sample_result())
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "wedata-audit"
    assert driver["version"] == "0.1.0"
    assert "informationUri" not in driver


# --- rules ----------------------------------------------------------------------------------


def test_rules_carry_documentation() -> None:
    result = sample_result()
    rules = run_of(result)["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in result.rules]
    for descriptor, rule in zip(rules, result.rules, strict=True):
        assert descriptor["name"] == rule.id
        assert descriptor["shortDescription"]["text"] == rule.title
        assert descriptor["fullDescription"]["text"] == rule.description
        assert descriptor["help"]["text"] == rule.remediation
        assert "Remediation" in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[rule.severity.value]
        props = descriptor["properties"]
        assert props["category"] == rule.category
        assert props["controls"] == sorted(rule.controls)
        assert props["tags"][0] == rule.category
        assert set(rule.controls) <= set(props["tags"])


def test_security_severity_only_for_security_rules() -> None:
    result = sample_result(n_rules=15)
    scored = []
    for descriptor, rule in zip(run_of(result)["tool"]["driver"]["rules"], result.rules, strict=True):
        score = descriptor["properties"].get("security-severity")
        if rule.category == "security" and rule.severity is not Severity.INFO:
            assert score is not None and 0.0 < float(score) <= 10.0
            scored.append((rule.severity.rank, float(score)))
        else:
            assert score is None
    assert len(scored) >= 3
    assert sorted(scored) == sorted(scored, key=lambda pair: pair[1])  # higher severity, higher score


def test_rule_index_resolves_even_for_unknown_rules() -> None:
    result = sample_result(1, kinds=("failed",))
    task = result.tasks[0]
    stray = replace(task.findings[0], rule_id="LEGACY-9", title="Legacy rule")
    result = with_findings(result, 0, [*task.findings, stray])
    run = run_of(result)
    rules = run["tool"]["driver"]["rules"]
    for entry in run["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
    assert rules[-1]["id"] == "LEGACY-9"
    assert rules[-1]["shortDescription"]["text"] == "Legacy rule"


# --- results --------------------------------------------------------------------------------


def test_one_result_per_finding_with_level_and_fingerprint() -> None:
    result = sample_result(4)
    findings = result.findings()
    results = run_of(result)["results"]
    assert len(results) == len(findings)
    for entry, finding in zip(results, findings, strict=True):
        assert entry["ruleId"] == finding.rule_id
        assert entry["level"] == LEVELS[finding.severity.value]
        assert entry["partialFingerprints"] == {
            FINGERPRINT_KEY: finding.fingerprint,
            "primaryLocationLineHash": primary_location_line_hash(finding, occurrence=1)}
        assert entry["message"]["text"].startswith(finding.message.replace("\ud800", "\ufffd"))
    assert {e["level"] for e in results} == {"error", "warning", "note"}


def test_levels_for_every_severity() -> None:
    result = sample_result(1, kinds=("failed",), hostile=False)
    base = result.tasks[0].findings[0]
    findings = [replace(base, severity=sev, key=sev.value) for sev in Severity]
    levels = [e["level"] for e in run_of(with_findings(result, 0, findings))["results"]]
    assert levels == ["note", "note", "warning", "error", "error"]


def test_waived_findings_are_suppressed_with_the_note() -> None:
    result = sample_result(4)
    for entry, finding in zip(run_of(result)["results"], result.findings(), strict=True):
        if finding.status == "waived":
            assert entry["suppressions"] == [
                {"kind": "external", "status": "accepted", "justification": finding.note.replace("\ud800", "\ufffd")}
            ]
            assert "baselineState" not in entry
        else:
            assert "suppressions" not in entry


def test_baseline_state_when_a_baseline_was_used() -> None:
    result = sample_result(4)
    states = {
        (f.status, e.get("baselineState")) for e, f in zip(run_of(result)["results"], result.findings(), strict=True)
    }
    assert states == {("open", "new"), ("existing", "unchanged"), ("waived", None)}


def test_no_baseline_state_without_a_baseline() -> None:
    results = run_of(without_existing(sample_result(4)))["results"]
    assert results
    assert all("baselineState" not in e for e in results)


def test_message_has_evidence_but_never_the_secret() -> None:
    text = render_document(sample_result(4))
    assert SECRET not in text
    assert MASKED in text
    entry = run_of(sample_result(1, kinds=("failed",), hostile=False))["results"][1]
    assert entry["message"]["text"].splitlines()[1:] == [
        "key: Task.Conf.password",
        f"actual: {MASKED}",
        "expected: no plaintext",
    ]


def test_no_snapshot_meta_leaks() -> None:
    text = render_document(sample_result(4))
    assert "not for reports" not in text
    assert "100012345678" not in text  # owner uin is not part of any location or message


def test_lone_surrogates_are_replaced() -> None:
    text = render_document(sample_result())
    text.encode("utf-8")  # would raise on a lone surrogate
    assert "\ufffd" in text


# --- locations ------------------------------------------------------------------------------


def location_of(subject: Subject, cwd: Path = Path("/repo")) -> dict[str, Any]:
    result = sample_result(1, kinds=("failed",), hostile=False)
    task = result.tasks[0]
    finding = replace(task.findings[0], subject=subject)
    log = build_log(with_findings(result, 0, [finding]), cwd=cwd)
    (location,) = log["runs"][0]["results"][0]["locations"]
    return location


def test_logical_location_names_the_task_version() -> None:
    result = sample_result(1, kinds=("failed",))
    subject = result.tasks[0].subject
    (logical,) = run_of(result)["results"][0]["locations"][0]["logicalLocations"]
    assert logical["name"] == subject.task_name.replace("\ud800", "\ufffd")
    assert logical["fullyQualifiedName"] == "1460947878944567296/wf-00000/20240501000000000@V1"
    assert logical["kind"] == "module"


def test_jsonl_source_gives_the_file_and_its_line() -> None:
    physical = location_of(Subject(source="exports/project a/tasks.jsonl:12", task_id="42"))["physicalLocation"]
    # every key of a JSON Lines document is on its line: the file need not be read
    assert physical == {"artifactLocation": {"uri": "exports/project%20a/tasks.jsonl"}, "region": {"startLine": 12}}


def test_array_source_gives_the_file() -> None:
    physical = location_of(Subject(source="exports/versions.json[3]", task_id="42"))["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "exports/versions.json"}


def test_absolute_source_is_made_relative_never_a_scheme() -> None:
    inside = location_of(Subject(source="/repo/exports/t.json", task_id="42"), cwd=Path("/repo"))
    assert inside["physicalLocation"]["artifactLocation"]["uri"] == "exports/t.json"
    outside = location_of(Subject(source="/elsewhere/t.json", task_id="42"), cwd=Path("/repo"))
    assert outside["physicalLocation"]["artifactLocation"]["uri"] == "../elsewhere/t.json"


@pytest.mark.parametrize("source", ["api:20240501000000042", "<stdin>", "<stdin>:3"])
def test_non_file_sources_point_at_the_saved_snapshot_path(source: str) -> None:
    subject = Subject(source=source, project_id="1460947878944567296", task_id="20240501000000042")
    physical = location_of(subject)["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "wedata/1460947878944567296/20240501000000042.json"},
                        "region": {"startLine": 1}}


def test_hostile_ids_stay_one_relative_segment() -> None:
    physical = location_of(Subject(source="api:x", task_id="a/b c"))["physicalLocation"]
    uri = physical["artifactLocation"]["uri"]
    assert uri.startswith("wedata/default/a_b_c-") and uri.endswith(".json") and ":" not in uri


def test_check_on_snapshot_files_gives_the_line_of_each_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: jsonschema.Draft4Validator) -> None:
    """The Done-when of issue 10: relative URI, the key's line, a line hash; schema-valid."""
    from wedata_audit.cli import main

    examples = Path(__file__).resolve().parent.parent / "examples"
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    for f in examples.glob("*.json"):
        # move the keys down so that a line taken from anywhere else would show
        (snaps / f.name).write_text("\n\n\n" + f.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "snaps", "--format", "sarif", "-o", "out", "-q"]) == 1
    log = json.loads((tmp_path / "out" / "report.sarif").read_text(encoding="utf-8"))
    assert validator.is_valid(log)
    results = log["runs"][0]["results"]
    assert results
    needles = {"kerberos-login": '"enableKerberosLogin"', "approval-status": '"ApproveStatus"',
               "description": '"TaskDescription"'}
    seen = set()
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert uri.startswith("snaps/") and "://" not in uri
        assert r["partialFingerprints"]["primaryLocationLineHash"].endswith(":1")
        lines = (tmp_path / uri).read_text(encoding="utf-8").splitlines()
        line = loc["region"]["startLine"]
        if r["ruleId"] in needles:
            seen.add(r["ruleId"])
            assert needles[r["ruleId"]] in lines[line - 1], (r["ruleId"], line)
    assert {"kerberos-login", "approval-status"} <= seen


def test_line_hash_is_stable_across_runs_and_line_moves() -> None:
    result = sample_result(1, kinds=("failed",), hostile=False)
    first = run_of(result)["results"][0]["partialFingerprints"]["primaryLocationLineHash"]
    again = run_of(result)["results"][0]["partialFingerprints"]["primaryLocationLineHash"]
    assert first == again


def test_repeated_line_hash_in_one_file_counts_occurrences() -> None:
    result = sample_result(1, kinds=("failed",), hostile=False)
    base = result.tasks[0].findings[0]
    v2 = replace(base, subject=replace(base.subject, version_id="v2"))
    results = run_of(with_findings(result, 0, [base, v2]))["results"]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert hashes[0].endswith(":1") and hashes[1] == hashes[0][:-2] + ":2"


def test_help_uri_from_rule_else_documentation_url() -> None:
    from wedata_audit.reporters.base import ReportSettings

    result = sample_result(1, kinds=("failed",), hostile=False)
    rules = list(result.rules)
    rules[0] = replace(rules[0], help_uri="https://example.com/own")
    result = replace(result, rules=tuple(rules))
    plain = run_of(result)["tool"]["driver"]["rules"]
    assert plain[0]["helpUri"] == "https://example.com/own"
    assert all("helpUri" not in d for d in plain[1:])
    reporter = SarifReporter(settings=ReportSettings(documentation_url="https://docs.example.com/rules"))
    (run,) = json.loads(reporter.render(result))["runs"]
    descriptors = run["tool"]["driver"]["rules"]
    assert descriptors[0]["helpUri"] == "https://example.com/own"
    assert descriptors[1]["helpUri"] == f"https://docs.example.com/rules#{rules[1].id}"


def test_missing_ids_fall_back_to_placeholders() -> None:
    (logical,) = location_of(Subject(source="x.json"))["logicalLocations"]
    assert logical == {"name": "x.json", "fullyQualifiedName": "_/_/x.json", "kind": "module"}


# --- invocations ----------------------------------------------------------------------------


def test_incomplete_run_is_not_successful() -> None:
    result = sample_result(4)
    (invocation,) = run_of(result)["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    errored = [t for t in result.tasks if t.error is not None]
    assert len(notes) == len(errored) + 1
    assert all(n["level"] == "error" for n in notes)
    assert "HTTP 500" in notes[0]["message"]["text"]
    assert notes[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith("000000002@V1")
    assert notes[-1]["message"]["text"] == "audit incomplete: 1 of 4 task version(s) could not be audited"


def test_interrupted_run_reports_the_reason() -> None:
    result = sample_result(3, kinds=COMPLETE_KINDS, complete=False, incomplete_reason="interrupted by user")
    (invocation,) = run_of(result)["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [
        "audit incomplete: interrupted by user"
    ]


def test_complete_run_is_successful() -> None:
    (invocation,) = run_of(sample_result(3, kinds=COMPLETE_KINDS))["invocations"]
    assert invocation == {
        "executionSuccessful": True,
        "startTimeUtc": "2024-05-01T08:00:00Z",
        "endTimeUtc": "2024-05-01T08:01:30Z",
    }


def test_unreadable_timestamps_are_left_out() -> None:
    (invocation,) = run_of(sample_result(1, kinds=("passed",), started="", finished="soon"))["invocations"]
    assert "startTimeUtc" not in invocation
    assert "endTimeUtc" not in invocation


def test_errored_task_has_no_result() -> None:
    result = sample_result(1, kinds=("errored",))
    assert isinstance(result.tasks[0], TaskResult)
    assert run_of(result)["results"] == []


def test_deterministic() -> None:
    assert render_document(sample_result(4)) == render_document(sample_result(4))


def test_help_uri_from_policy_file_and_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wedata_audit.cli import main

    examples = Path(__file__).resolve().parent.parent / "examples"
    (tmp_path / "mine.yaml").write_text(
        "- id: my-rule\n  title: Task has a name\n  severity: low\n  description: Names help.\n"
        "  remediation: Name it.\n  help_uri: https://wiki.example.com/my-rule\n"
        "  check: {key: task.TaskName, op: not-empty}\n", encoding="utf-8")
    (tmp_path / "wedata-audit.yaml").write_text(
        "documentation_url: https://docs.example.com/rules\nrules: [mine.yaml]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(examples), "--format", "sarif", "-o", "out", "-q"]) == 1
    rules = {r["id"]: r for r in json.loads((tmp_path / "out" / "report.sarif").read_text())["runs"][0]["tool"][
        "driver"]["rules"]}
    assert rules["my-rule"]["helpUri"] == "https://wiki.example.com/my-rule"
    assert rules["kerberos-login"]["helpUri"] == "https://docs.example.com/rules#kerberos-login"
    (tmp_path / "wedata-audit.yaml").write_text("documentation_url: not a url\n", encoding="utf-8")
    assert main(["check", str(examples), "--format", "sarif", "-o", "out", "-q"]) == 2

"""The JUnit report: XSD validity, exact counts, stable names, hostile text, incomplete runs, size."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite
from lxml import etree

from tests.report_factory import MASKED, SECRET, make_rules, make_task, sample_result
from wedata_audit.model.finding import Finding
from wedata_audit.model.results import AuditResult
from wedata_audit.reporters import registry
from wedata_audit.reporters.base import ReportSettings
from wedata_audit.reporters.formats import junit
from wedata_audit.reporters.formats.junit import JUnitReporter, attr, clean, text

XSD_PATH = Path(__file__).resolve().parent / "conformance" / "junit-10.xsd"
COMPLETE_KINDS = ("failed", "passed", "waived")
FORBIDDEN = ["\x00", "\x1b", "\ud800", "\ufffe", "\uffff"]
GITLAB_LIMIT = 30 * 1024 * 1024


def render(result: AuditResult, failures: str = "all", passing: str = "all") -> str:
    """The JUnit report; by default every open finding fails and every passing rule is a test case
    (the gate and size forms have their own tests)."""
    return JUnitReporter(settings=ReportSettings(junit_failures=failures, junit_passing=passing)).render(result)


def parse(document: str) -> etree._Element:
    return etree.fromstring(document.encode("utf-8"))


def suites(document: str) -> list[TestSuite]:
    return list(JUnitXml.fromstring(document.encode("utf-8")))


@pytest.fixture(scope="module")
def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


SAMPLES = {
    "default": lambda: sample_result(),
    "four-kinds": lambda: sample_result(8),
    "complete": lambda: sample_result(6, kinds=COMPLETE_KINDS),
    "versions": lambda: sample_result(3, versions=2),
    "empty": lambda: sample_result(0),
    "interrupted": lambda: sample_result(2, kinds=COMPLETE_KINDS, complete=False, incomplete_reason="stop"),
    "plain": lambda: sample_result(5, hostile=False),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_valid_against_xsd(xsd: etree.XMLSchema, name: str) -> None:
    root = parse(render(SAMPLES[name]()))
    assert xsd.validate(root), xsd.error_log


@pytest.mark.parametrize("name", SAMPLES)
def test_counts_are_exact(name: str) -> None:
    document = render(SAMPLES[name]())
    xml = JUnitXml.fromstring(document.encode("utf-8"))
    declared = [(s.name, s.tests, s.failures, s.errors, s.skipped) for s in xml]
    top = (xml.tests, xml.failures, xml.errors)
    xml.update_statistics()  # recount from the test cases themselves
    assert [(s.name, s.tests, s.failures, s.errors, s.skipped) for s in xml] == declared
    assert (xml.tests, xml.failures, xml.errors) == top
    for suite in xml:
        assert all(len(case.result) <= 1 for case in suite)


def test_counts_per_task_kind() -> None:
    result = sample_result(4)
    by_kind = [(s.tests, s.failures, s.errors, s.skipped) for s in suites(render(result))[1:]]
    n = len(result.rules)
    assert by_kind == [
        (n, 4, 0, 3),  # failed: 4 failing rules; waived, existing and out-of-scope skipped
        (n, 0, 0, 1),  # passed: one rule out of scope
        (1, 0, 1, 0),  # errored: one "load" case
        (n, 0, 0, 3),  # waived: two waived rules, one out of scope
    ]
    xml = JUnitXml.fromstring(render(result).encode("utf-8"))
    assert (xml.tests, xml.failures, xml.errors) == (1 + 3 * n + 1, 4, 2)


def test_registered_and_written(tmp_path: Path) -> None:
    assert registry()["junit"] is JUnitReporter
    assert JUnitReporter.default_filename == "junit.xml"
    reporter = JUnitReporter(settings=ReportSettings(junit_failures="all", junit_passing="all"))
    path = reporter.write(sample_result(), tmp_path / JUnitReporter.default_filename)
    assert path.read_bytes().decode("utf-8") == render(sample_result())
    assert JUnitXml.fromfile(str(path)).tests > 0


# --- completeness -----------------------------------------------------------------------------


def test_incomplete_run_is_flagged_first() -> None:
    first = suites(render(sample_result(3)))[0]
    assert first.name == "wedata-audit"
    (case,) = list(first)
    (error,) = case.result
    assert isinstance(error, Error)
    assert "incomplete" in error.message
    assert "1 of 3 task version(s) could not be audited" in error.message


def test_interrupted_run_without_errored_tasks_is_flagged() -> None:
    result = sample_result(3, kinds=COMPLETE_KINDS, complete=False, incomplete_reason="interrupted by user")
    first = suites(render(result))[0]
    assert first.name == "wedata-audit"
    assert first.errors == 1
    assert "interrupted by user" in next(iter(first)).result[0].message


def test_complete_run_has_no_run_suite() -> None:
    names = [s.name for s in suites(render(sample_result(3, kinds=COMPLETE_KINDS)))]
    assert "wedata-audit" not in names
    assert len(names) == 3


def test_empty_incomplete_run_still_fails() -> None:
    xml = JUnitXml.fromstring(render(sample_result(0, complete=False)).encode("utf-8"))
    assert xml.errors == 1


# --- test case content ------------------------------------------------------------------------


def cases_of(result: AuditResult, index: int) -> dict[str, list[object]]:
    offset = 0 if result.is_complete else 1
    suite = suites(render(result))[index + offset]
    return {case.name: case.result for case in suite}


def test_every_outcome_is_a_case_named_by_rule() -> None:
    result = sample_result(3, kinds=COMPLETE_KINDS)
    for index in range(3):
        assert list(cases_of(result, index)) == [r.id for r in result.rules]


def test_failure_carries_the_evidence() -> None:
    result = sample_result(1, kinds=("failed",))
    cases = cases_of(result, 0)
    (fail,) = cases["WD-001"]
    assert isinstance(fail, Failure)
    assert fail.type == "WD-001"
    assert fail.message.endswith("(+1 more)")  # two open findings, one failure element
    body = fail.text
    assert "key: Task.Conf.password" in body
    assert f"actual: {MASKED}" in body
    assert "expected: no plaintext" in body
    assert "[critical]" in body
    assert "remediation: Change setting 1" in body
    (high,) = cases["WD-002"]
    assert "[high]" in high.text


def test_sensitive_value_never_appears() -> None:
    document = render(sample_result(4))
    assert SECRET not in document
    assert MASKED in document


def test_waived_existing_and_out_of_scope_are_skipped() -> None:
    cases = cases_of(sample_result(1, kinds=("failed",)), 0)
    (waived,) = cases["WD-005"]
    (existing,) = cases["WD-006"]
    (out_of_scope,) = cases["WD-007"]
    assert all(isinstance(r, Skipped) for r in (waived, existing, out_of_scope))
    assert waived.message.startswith("waived: accepted until 2025-01-01")
    assert "baseline" in existing.message
    assert out_of_scope.message == "out of scope"
    assert cases["WD-008"] == []


def test_errored_task_is_one_load_error() -> None:
    result = sample_result(1, kinds=("errored",))
    suite = suites(render(result))[1]
    (case,) = list(suite)
    assert case.name == "load"
    (error,) = case.result
    assert isinstance(error, Error)
    assert error.message.startswith("HTTP 500 from DescribeTriggerTaskVersionDetail")


def test_findings_without_an_outcome_are_not_lost() -> None:
    rules = make_rules(8)
    task = make_task(0, "passed", rules, hostile=False)
    stray = Finding("WD-999", rules[0].severity, title="t", message="m", subject=task.subject)
    outcomes = (*task.outcomes[:-1], (task.outcomes[-1][0], "fail"))  # fail without a finding
    result = sample_result(0)
    result.tasks.append(replace(task, findings=(stray,), outcomes=outcomes))
    cases = cases_of(result, 0)
    assert isinstance(cases["WD-999"][0], Failure)
    assert isinstance(cases[rules[-1].id][0], Failure)
    assert suites(render(result))[0].failures == 2


# --- names ------------------------------------------------------------------------------------


def case_keys(document: str) -> list[tuple[str, str]]:
    return [(c.get("classname"), c.get("name")) for c in parse(document).iter("testcase")]


def test_names_are_stable_and_unique() -> None:
    first, second = render(sample_result(40)), render(sample_result(40))
    assert first == second
    keys = case_keys(first)
    assert len(keys) == len(set(keys))
    assert keys[1] == ("wedata.1460947878944567296.20240501000000000", "WD-001")


def test_classname_does_not_depend_on_other_tasks() -> None:
    small = set(case_keys(render(sample_result(3, kinds=COMPLETE_KINDS))))
    large = set(case_keys(render(sample_result(9, kinds=COMPLETE_KINDS))))
    assert small <= large


def test_versions_of_one_task_get_version_suffix() -> None:
    keys = case_keys(render(sample_result(2, kinds=COMPLETE_KINDS, versions=2)))
    classes = list(dict.fromkeys(c for c, _ in keys))
    assert classes == [
        "wedata.1460947878944567296.20240501000000000.vV1",
        "wedata.1460947878944567296.20240501000000000.vV2",
        "wedata.1460947878944567296.20240501000000001.vV1",
        "wedata.1460947878944567296.20240501000000001.vV2",
    ]
    assert len(keys) == len(set(keys))


def test_identical_versions_stay_unique() -> None:
    result = sample_result(1, kinds=("passed",), hostile=False)
    result.tasks.append(result.tasks[0])
    classes = list(dict.fromkeys(c for c, _ in case_keys(render(result))))
    assert classes == [
        "wedata.1460947878944567296.20240501000000000.vV1.1",
        "wedata.1460947878944567296.20240501000000000.vV1.2",
    ]


def test_missing_ids_fall_back_to_default_and_source() -> None:
    result = sample_result(1, kinds=("errored",), hostile=False)
    subject = replace(result.tasks[0].subject, project_id="", task_id="", source="in/bad file.json:3")
    result.tasks[0] = replace(result.tasks[0], subject=subject)
    assert ("wedata.default.in_bad_file_json_3", "load") in case_keys(render(result))


# --- hostile text -----------------------------------------------------------------------------


def test_forbidden_characters_are_replaced(xsd: etree.XMLSchema) -> None:
    document = render(sample_result(4))
    for char in FORBIDDEN:
        assert char not in document
    document.encode("utf-8")  # strict
    root = parse(document)
    assert xsd.validate(root), xsd.error_log
    name = root.findall("testsuite")[1].get("name")
    assert "<script>alert(1)</script> & \"q\" 'a'" in name
    assert "\\x00\\x1b[31m \\ud800 \\ufffe" in name
    assert "<script>" not in document


def test_newlines_survive_in_attributes() -> None:
    value = "line one\nline\ttwo\r\nend"
    element = parse(f'<a b="{attr(value)}">{text(value)}</a>')
    assert element.get("b") == value
    assert element.text == value


@given(st.text())
def test_escapers_always_give_well_formed_xml(value: str) -> None:
    element = parse(f'<a b="{attr(value)}">{text(value)}</a>')
    assert element.get("b") == clean(value)
    assert (element.text or "") == clean(value)


# --- size -------------------------------------------------------------------------------------


def test_oversized_report_drops_failure_bodies(xsd: etree.XMLSchema, monkeypatch: pytest.MonkeyPatch) -> None:
    result = sample_result(4)
    full = render(result)
    monkeypatch.setattr(junit, "MAX_BYTES", 1000)
    trimmed = render(result)
    assert len(trimmed) < len(full)
    assert junit.TRIMMED in trimmed
    assert xsd.validate(parse(trimmed)), xsd.error_log
    counts = [(s.tests, s.failures, s.errors, s.skipped) for s in suites(trimmed)]
    assert counts == [(s.tests, s.failures, s.errors, s.skipped) for s in suites(full)]


def test_ten_thousand_tasks_fit_gitlab_limit() -> None:
    result = sample_result(10_000, 25)
    document = render(result)
    size = len(document.encode("utf-8"))
    assert size < GITLAB_LIMIT
    assert Counter(c.tag for c in parse(document).iter("testcase", "testsuite")) == {
        "testsuite": 1 + 10_000,
        "testcase": 1 + 7_500 * 25 + 2_500,
    }

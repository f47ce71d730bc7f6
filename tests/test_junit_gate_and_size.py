"""JUnit follows the gate (``--junit-failures``) and stays under GitLab's cap (``--junit-passing``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml, Skipped
from lxml import etree

from tests.report_factory import make_rules, make_task, sample_result
from wedata_audit.cli import main
from wedata_audit.model.finding import Severity
from wedata_audit.model.results import AuditResult
from wedata_audit.reporters.base import ReportSettings
from wedata_audit.reporters.formats import junit
from wedata_audit.reporters.formats.junit import JUnitReporter
from wedata_audit.reporters.junit_forms import Form

from .conftest import EXAMPLES

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).resolve().parent / "conformance" / "junit-10.xsd")))
GITLAB_LIMIT = 30 * 1024 * 1024


def render(result: AuditResult, **settings: str) -> str:
    return JUnitReporter(settings=ReportSettings(**settings)).render(result)


def check_document(document: str) -> JUnitXml:
    """XSD-valid, declared counts equal to the counts of the cases themselves."""
    root = etree.fromstring(document.encode("utf-8"))
    assert XSD.validate(root), XSD.error_log
    xml = JUnitXml.fromstring(document.encode("utf-8"))
    declared = [(s.name, s.tests, s.failures, s.errors, s.skipped) for s in xml]
    xml.update_statistics()
    assert [(s.name, s.tests, s.failures, s.errors, s.skipped) for s in xml] == declared
    return xml


def cases(document: str, suite: int) -> dict[str, object]:
    xml = JUnitXml.fromstring(document.encode("utf-8"))
    return {case.name: case for case in list(xml)[suite]}


def test_below_the_gate_is_a_passing_case_that_carries_the_finding() -> None:
    result = sample_result(1, kinds=("failed",), fail_on=Severity.HIGH)  # critical, high, medium, low findings
    document = render(result)  # the default: failures follow the gate
    check_document(document)
    found = cases(document, 0)
    assert isinstance(found["WD-001"].result[0], Failure)  # critical
    assert isinstance(found["WD-002"].result[0], Failure)  # high
    for rule in ("WD-003", "WD-004"):  # medium, low: below the gate
        assert found[rule].result == []
        assert "below the gate" in (found[rule].system_out or "")
    root = etree.fromstring(document.encode("utf-8"))
    names = [p.get("name") for p in root.iter("property")]
    assert names == ["below-gate.WD-003", "below-gate.WD-004"]
    assert JUnitXml.fromstring(document.encode("utf-8")).failures == 2


def test_junit_failures_all_keeps_every_open_finding_a_failure() -> None:
    result = sample_result(1, kinds=("failed",), fail_on=Severity.HIGH)
    document = render(result, junit_failures="all")
    check_document(document)
    assert JUnitXml.fromstring(document.encode("utf-8")).failures == 4
    assert "below-gate" not in document


def test_the_ci_colour_matches_the_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["check", str(EXAMPLES), "-o", str(out), "--format", "junit", "--fail-on", "critical", "-q"])
    assert code == 0
    xml = JUnitXml.fromfile(str(out / "junit.xml"))
    assert xml.failures == 0 and xml.errors == 0
    assert "below the gate" in (out / "junit.xml").read_text(encoding="utf-8")
    code = main(["check", str(EXAMPLES), "-o", str(out), "--format", "junit", "--fail-on", "critical",
                 "--junit-failures", "all", "-q"])
    assert code == 0
    assert JUnitXml.fromfile(str(out / "junit.xml")).failures > 0


def test_passing_cases_fold_into_one_per_task_when_the_file_would_be_too_big(monkeypatch: pytest.MonkeyPatch) -> None:
    result = sample_result(6, kinds=("failed", "passed", "waived"), fail_on=Severity.LOW)
    full = render(result, junit_passing="all")
    monkeypatch.setattr(junit, "MAX_BYTES", len(full.encode("utf-8")) - 1)
    folded = render(result)  # auto: the per-rule form does not fit
    assert len(folded) < len(full)
    check_document(folded)
    before, after = JUnitXml.fromstring(full.encode("utf-8")), JUnitXml.fromstring(folded.encode("utf-8"))
    assert after.failures == before.failures and after.errors == before.errors  # no failure lost
    for suite in after:
        names = [c.name for c in suite]
        assert names.count("passing") == 1
        passing = next(c for c in suite if c.name == "passing")
        assert passing.result == [] and "passed: " in (passing.system_out or "")
    assert "junit.TRIMMED" not in folded and junit.TRIMMED not in folded  # the bodies still fit


def test_names_and_failures_are_the_same_whichever_form() -> None:
    result = sample_result(4, kinds=("failed", "passed"), hostile=False)
    keys = {}
    for passing in ("all", "folded"):
        document = render(result, junit_passing=passing)
        check_document(document)
        keys[passing] = {(c.classname, c.name) for s in JUnitXml.fromstring(document.encode("utf-8")) for c in s
                         if c.result and not isinstance(c.result[0], Skipped)}
    assert keys["all"] == keys["folded"]


def test_fifty_thousand_versions_stay_under_gitlab_cap_with_every_failure(tmp_path: Path) -> None:
    """Streamed: the reporter never holds the run; 50,000 versions x 25 rules, one in four failing four rules."""
    rules = make_rules(25)
    reporter = JUnitReporter(tmp_path / "junit.xml")
    header = sample_result(0, 25).header()
    reporter.start(header)
    for i in range(50_000):
        task = make_task(i, ("failed", "passed", "waived", "passed")[i % 4], rules, hostile=False)
        header.totals.add(task)
        reporter.add(task)
    header.ended = True
    path = reporter.finish(header)
    size = path.stat().st_size
    assert size < GITLAB_LIMIT, f"{size:,} bytes"
    root = etree.parse(str(path)).getroot()
    assert XSD.validate(root), XSD.error_log
    failures = sum(1 for _ in root.iter("failure"))
    assert failures == 12_500 * 2  # critical and high fail the default gate (high); the rest is below it
    assert int(root.get("failures")) == failures


def test_the_compact_form_keeps_every_gate_failure_and_names_the_rules_below_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = sample_result(8, kinds=("failed", "passed", "waived"), fail_on=Severity.HIGH)
    full = render(result, junit_passing="all")
    probe = JUnitReporter(tmp_path / "junit.xml")  # sizes the forms; never finished, so never written
    probe.start(result.header())
    for task in result.tasks:
        probe.add(task)
    probe._flush()
    probe.abort()
    monkeypatch.setattr(junit, "MAX_BYTES", probe.sizes.total(Form(True, False, True)) + 1)
    compact = render(result)
    check_document(compact)
    before, after = JUnitXml.fromstring(full.encode("utf-8")), JUnitXml.fromstring(compact.encode("utf-8"))
    assert after.failures == 2 * 3 and after.errors == before.errors  # critical + high on each failed task
    root = etree.fromstring(compact.encode("utf-8"))
    assert [p.get("value") for p in root.iter("property")] == ["WD-003, WD-004"] * 3
    passing = [c for c in root.iter("testcase") if c.get("name") == "passing"]
    assert len(passing) == 8 and "below the gate (--fail-on): WD-003 (medium), WD-004 (low)" in compact
    assert junit.TRIMMED in compact


def test_the_minimal_form_when_nothing_else_fits_still_has_every_gate_failure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    result = sample_result(8, kinds=("failed", "passed", "waived"), fail_on=Severity.HIGH)
    monkeypatch.setattr(junit, "MAX_BYTES", 10)  # nothing fits: the last form
    minimal = render(result)
    check_document(minimal)
    root = etree.fromstring(minimal.encode("utf-8"))
    failures = list(root.iter("failure"))
    assert len(failures) == 6 and all(f.text is None and len(f.get("message")) <= 60 for f in failures)
    assert list(root.iter("property")) == []
    assert "see the JSON report" in minimal

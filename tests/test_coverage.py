"""Coverage: per-rule tallies from task results, and requirement statuses from tallies and catalogues."""

from __future__ import annotations

import copy
import datetime as dt
import tracemalloc
from collections.abc import Sequence
from typing import Any

import pytest

from wedata_audit.engine import Engine
from wedata_audit.model.finding import Finding, Severity, Subject
from wedata_audit.model.results import RULE_FAIL, RULE_PASS, RULE_SKIP, RuleInfo, TaskResult
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.frameworks import find_catalogue, load_catalogues, read_catalogue_text
from wedata_audit.settings.options import RuleOptions, build_ruleset
from wedata_audit.stages.coverage import (
    FAIL,
    MAX_FAILING_TASKS,
    NOT_ASSESSED,
    PASS,
    WAIVED,
    TallyCounter,
    compute_coverage,
    framework_coverage,
    tally_tasks,
)
from wedata_audit.stages.filters.waivers import Waiver, apply_waivers
from wedata_audit.util.docschema import all_errors

from .conftest import example_data
from .size_inputs import make_compliant

CATALOGUE = """\
id: t
name: Test framework
sources: [tests]
requirements:
  - {id: R-fail, name: one rule fails, rules: [a, b], manual: false}
  - {id: R-waived, name: only waived findings, rules: [w], manual: false}
  - {id: R-pass, name: ran and found nothing, rules: [b], manual: false}
  - {id: R-skip, name: skipped everywhere, rules: [s], manual: false}
  - {id: R-unknown, name: rule not in the set, rules: [ghost], manual: false}
  - {id: R-partial, name: "one rule ran clean, one did not run", rules: [b, ghost], manual: false}
  - {id: R-manual, name: people and paper, manual: true}
  - {id: R-existing, name: baseline findings, rules: [e], manual: false}
"""


def finding(rule: str, task: str, status: str = "open", key: str = "k") -> Finding:
    return Finding(rule_id=rule, severity=Severity.HIGH, title=rule, message="m",
                   subject=Subject(source=f"{task}.json", task_id=task), key=key, status=status)


def task(name: str, outcomes: dict[str, str], findings: Sequence[Finding] = ()) -> TaskResult:
    return TaskResult(subject=Subject(source=f"{name}.json", task_id=name), findings=tuple(findings),
                      outcomes=tuple(outcomes.items()))


def sample_tasks() -> list[TaskResult]:
    return [
        task("t1", {"a": RULE_FAIL, "b": RULE_PASS, "w": RULE_FAIL, "s": RULE_SKIP, "e": RULE_FAIL},
             [finding("a", "t1"), finding("a", "t1", key="k2"), finding("w", "t1", "waived"),
              finding("e", "t1", "existing")]),
        task("t2", {"a": RULE_PASS, "b": RULE_PASS, "w": RULE_PASS, "s": RULE_SKIP, "e": RULE_PASS}),
        TaskResult(subject=Subject(source="broken.json"), error="invalid JSON"),
    ]


def test_tallies_count_runs_findings_by_status_and_failing_tasks() -> None:
    tallies = tally_tasks(sample_tasks())
    a, b, w, s, e = (tallies[r] for r in "abwse")
    assert (a.evaluated, a.open, a.failing, a.failing_tasks) == (2, 2, 1, ["t1"])  # two findings, one task
    assert (b.evaluated, b.open, b.failing_tasks) == (2, 0, [])
    assert (w.waived, w.open, w.failing_tasks) == (1, 0, [])
    assert (s.evaluated, s.ran) == (0, False)  # skipped on every task is not a run
    assert (e.existing, e.failing_tasks) == (1, ["t1"])
    assert "ghost" not in tallies


def test_requirement_statuses_follow_the_rules_of_issue_10() -> None:
    cat = read_catalogue_text(CATALOGUE, "t.yaml")
    cov = framework_coverage(cat, tally_tasks(sample_tasks()))
    status = {r.id: r.status for r in cov.requirements}
    assert status == {"R-fail": FAIL, "R-waived": WAIVED, "R-pass": PASS, "R-skip": NOT_ASSESSED,
                      "R-unknown": NOT_ASSESSED, "R-partial": PASS, "R-manual": NOT_ASSESSED, "R-existing": FAIL}
    by_id = {r.id: r for r in cov.requirements}
    assert by_id["R-fail"].failing_tasks == ("t1",) and by_id["R-pass"].failing_tasks == ()
    assert by_id["R-partial"].not_run == ("ghost",) and by_id["R-skip"].not_run == ("s",)
    assert by_id["R-manual"].not_run == () and by_id["R-manual"].rules == ()
    assert cov.summary() == {"requirements": 8, "automated": 7, "passing": 2, "failing": 2, "waived": 1,
                             "not_assessed": 3, "percent_automated_passing": 28.6}


def test_as_dict_has_the_report_shape() -> None:
    cat = read_catalogue_text(CATALOGUE, "t.yaml")
    doc = compute_coverage([cat], tally_tasks(sample_tasks()))[0].as_dict()
    assert set(doc) == {"id", "name", "requirements", "summary"} and doc["id"] == "t"
    first = doc["requirements"][0]
    assert {k: first[k] for k in ("id", "name", "status", "rules", "failing_tasks")} == {
        "id": "R-fail", "name": "one rule fails", "status": "fail", "rules": ["a", "b"], "failing_tasks": ["t1"]}
    assert first["failing_tasks_truncated"] is False and first["not_run"] == []


def test_no_automated_requirement_gives_no_percentage() -> None:
    cat = read_catalogue_text("id: m\nname: M\nsources: [x]\nrequirements: [{id: M1, name: n, manual: true}]\n", "m")
    assert framework_coverage(cat, {}).summary()["percent_automated_passing"] is None


def test_failing_tasks_are_bounded_and_say_when_truncated() -> None:
    counter = TallyCounter()
    for i in range(MAX_FAILING_TASKS + 5):
        counter.add(task(f"t{i}", {"a": RULE_FAIL}, [finding("a", f"t{i}")]))
    counter.add(task("t0", {"a": RULE_FAIL}, [finding("a", "t0")]))  # a second version of a listed task
    tally = counter.tallies()["a"]
    assert tally.failing == MAX_FAILING_TASKS + 6 and tally.truncated
    assert tally.failing_tasks == [f"t{i}" for i in range(MAX_FAILING_TASKS)]
    cat = read_catalogue_text(CATALOGUE, "t.yaml")
    req = framework_coverage(cat, counter.tallies()).requirements[0]
    assert len(req.failing_tasks) == MAX_FAILING_TASKS and req.failing_tasks_truncated


def test_union_of_two_rules_failing_lists_is_bounded_too() -> None:
    counter = TallyCounter(limit=3)
    for i in range(3):
        counter.add(task(f"a{i}", {"a": RULE_FAIL, "b": RULE_PASS}, [finding("a", f"a{i}")]))
        counter.add(task(f"b{i}", {"a": RULE_PASS, "b": RULE_FAIL}, [finding("b", f"b{i}")]))
    assert not counter.tallies()["a"].truncated
    req = framework_coverage(read_catalogue_text(CATALOGUE, "t.yaml"), counter.tallies(), limit=3).requirements[0]
    assert req.failing_tasks == ("a0", "a1", "a2") and req.failing_tasks_truncated


def test_tally_memory_is_flat_in_the_number_of_tasks() -> None:
    def peak(n: int) -> int:
        counter = TallyCounter()
        tracemalloc.start()
        for i in range(n):
            counter.add(task(f"task-{i:06d}", {"a": RULE_FAIL, "b": RULE_PASS}, [finding("a", f"task-{i:06d}")]))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(500), peak(20_000)
    assert large < small * 2  # 40 times the tasks, not 40 times the memory


def test_rule_controls_of_the_run_count_for_a_framework() -> None:
    cat = read_catalogue_text(CATALOGUE, "t.yaml")
    mine = RuleInfo(id="mine", title="mine", severity=Severity.LOW, controls=("t R-manual", "t R-unknown"))
    tallies = tally_tasks([task("t1", {"mine": RULE_PASS})])
    status = {r.id: r.status for r in framework_coverage(cat, tallies, [mine]).requirements}
    assert status["R-manual"] == PASS and status["R-unknown"] == PASS


# --- against a real run of the default pack -----------------------------------------------------------------

def _snapshot(name: str, data: dict[str, Any]) -> Snapshot:
    return Snapshot(source=f"{name}.json", data=data)


@pytest.fixture(scope="module")
def run() -> tuple[list[TaskResult], list[RuleInfo]]:
    """The documentation example (fails four rules), a compliant version, and one whose description finding is
    waived; then an errored task."""
    rules = build_ruleset(RuleOptions())
    engine = Engine(rules)
    failing, compliant, waived = example_data(), make_compliant(example_data()), make_compliant(example_data())
    compliant["Task"]["TriggerTaskBaseAttribute"]["TaskId"] = "compliant"
    waived["Task"]["TriggerTaskBaseAttribute"]["TaskId"] = "waived"
    waived["Task"]["TriggerTaskBaseAttribute"]["TaskDescription"] = ""
    tasks = [engine.audit(_snapshot(n, copy.deepcopy(d)))
             for n, d in (("failing", failing), ("compliant", compliant), ("waived", waived))]
    tasks.append(engine.audit(Snapshot(source="bad.json", error="invalid JSON")))
    waiver = Waiver(index=0, rule="description", reason="legacy", approved_by="lead",
                    expires=dt.date(2099, 1, 1), task_id="waived")
    tasks, report = apply_waivers(tasks, [waiver], today=dt.date(2026, 1, 1))
    assert report.applied == 1
    return tasks, [r.info for r in rules]


def test_bundled_coverage_agrees_with_the_runs_own_outcomes(run) -> None:
    tasks, infos = run
    open_rules = {f.rule_id for t in tasks for f in t.findings if f.status == "open"}
    waived_rules = {f.rule_id for t in tasks for f in t.findings if f.status == "waived"}
    ran = {rid for t in tasks for rid, outcome in t.outcomes if outcome != RULE_SKIP}
    assert open_rules == {"approval-status", "description", "kerberos-login", "wait-ttl-bounded"}
    catalogues = load_catalogues()
    for cov in compute_coverage(catalogues, tally_tasks(tasks), infos):
        cat = find_catalogue(catalogues, cov.id)
        for req, got in zip(cat.requirements, cov.requirements, strict=True):
            rules = set(req.rules)
            expected = (NOT_ASSESSED if req.manual else FAIL if rules & open_rules
                        else WAIVED if rules & waived_rules else PASS if rules & ran else NOT_ASSESSED)
            assert got.status == expected, (cov.id, req.id)
            if expected == FAIL:
                failing = {t.subject.task_id for t in tasks for f in t.findings
                           if f.status == "open" and f.rule_id in rules}
                assert set(got.failing_tasks) == failing
        summary = cov.summary()
        assert summary["requirements"] == len(cat.requirements) and summary["automated"] == cat.automated
        assert sum(summary[k] for k in ("passing", "failing", "waived", "not_assessed")) == len(cat.requirements)


def test_known_statuses_on_the_documentation_example(run) -> None:
    tasks, infos = run
    covs = {c.id: {r.id: r for r in c.requirements} for c in compute_coverage(load_catalogues(),
                                                                                tally_tasks(tasks), infos)}
    mlps, iso, soc2 = covs["mlps2-l3"], covs["iso27001-2022"], covs["soc2-2017"]
    example_id = tasks[0].subject.task_id
    assert example_id and example_id not in ("compliant", "waived")
    assert mlps["8.1.4.1"].status == FAIL and mlps["8.1.4.1"].failing_tasks == (example_id,)  # kerberos-login
    assert mlps["8.1.10.10"].status == FAIL  # approval-status
    assert mlps["8.1.4.8"].status == PASS  # no secret in any code
    assert mlps["8.1.4.8"].not_run == ("no-secrets-in-workflow-params",)  # planned, counted as not run
    assert iso["A.5.37"].status == FAIL  # the example's description is empty; only the other task's is waived
    assert iso["A.8.6"].status == FAIL and soc2["A1.1"].status == FAIL  # wait-ttl-bounded
    assert iso["A.5.16"].status == NOT_ASSESSED  # only a planned rule maps to it
    assert soc2["CC1.1"].status == NOT_ASSESSED


def test_a_waived_only_requirement_is_waived(run) -> None:
    tasks, infos = run
    only_waived = tasks[1:]  # without the documentation example, whose description is empty and not waived
    cov = framework_coverage(find_catalogue(load_catalogues(), "iso27001-2022"), tally_tasks(only_waived), infos)
    assert {r.id: r.status for r in cov.requirements}["A.5.37"] == WAIVED


def test_coverage_json_matches_its_schema(run) -> None:
    tasks, infos = run
    doc = [c.as_dict() for c in compute_coverage(load_catalogues(), tally_tasks(tasks), infos)]
    assert all_errors("coverage.schema.json", doc) == []
    doc[0]["requirements"][0]["status"] = "passed"
    assert [e.validator for e in all_errors("coverage.schema.json", doc)] == ["enum"]

"""Task context in a live audit against the fake API on loopback: what is requested (and what is not), the
context rules on the scenario tasks, offline parity of saved context, and personal data that never leaves."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main
from wedata_audit.demo import FakeWeData, scenarios
from wedata_audit.sources.api.context import PAGE_SIZE

from .test_live_audit import audit_args, report

S = scenarios.TASKS
CONTEXT_ACTIONS = ("GetTriggerWorkflow", "ListUpstreamTriggerTasks", "ListProjectMembers")



@pytest.fixture
def fake() -> Iterator[FakeWeData]:
    with FakeWeData(tasks=24, seed=6, scenarios=True, rate_limit=0) as server:
        yield server


def tasks_args(ids: list[str]) -> list[str]:
    return [a for t in ids for a in ("--task", t)]


def by_task(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["task_id"]: t for t in doc["tasks"]}


def test_default_pack_costs_at_most_versions_upstream_workflows_and_member_pages(fake: FakeWeData, env: None,
                                                                                 tmp_path: Path) -> None:
    ids = fake.task_ids
    code = main(audit_args(fake, tmp_path / "out", *tasks_args(ids)))
    assert code == 3  # the deleted workflow's task cannot be checked: errored, not passed
    stats = fake.stats().actions
    doc = report(tmp_path / "out")
    n = len(ids)
    workflows = {t["workflow_id"] for t in doc["tasks"] if t["workflow_id"]}
    members = len(fake.corpus.members)
    budget = n + n + len(workflows) + math.ceil(members / PAGE_SIZE)
    assert stats["GetTriggerTaskVersion"] == n
    assert stats["GetTriggerWorkflow"] <= len(workflows)  # each workflow once, however many tasks share it
    assert stats["ListProjectMembers"] == math.ceil(members / PAGE_SIZE)
    assert stats["ListUpstreamTriggerTasks"] <= n
    assert sum(stats.values()) <= budget
    assert doc_requests(tmp_path / "out") == {a: c for a, c in stats.items() if c}


def doc_requests(out: Path) -> dict[str, int]:
    return report(out)["requests"]


def test_a_rule_set_without_context_rules_makes_no_context_request(fake: FakeWeData, env: None,
                                                                   tmp_path: Path) -> None:
    code = main(audit_args(fake, tmp_path / "out", "--select", "kerberos-login", *tasks_args(fake.task_ids)))
    assert code in (0, 1, 3)
    stats = fake.stats().actions
    assert not any(stats[a] for a in CONTEXT_ACTIONS)
    assert stats["GetTriggerTaskVersion"] == len(fake.task_ids)


def test_only_the_context_the_rules_read_is_fetched(fake: FakeWeData, env: None, tmp_path: Path) -> None:
    main(audit_args(fake, tmp_path / "out", "--select", "owner-is-member", *tasks_args(fake.task_ids)))
    stats = fake.stats().actions
    assert stats["ListProjectMembers"] == 1 and not stats["GetTriggerWorkflow"]
    assert not stats["ListUpstreamTriggerTasks"]


def test_context_rules_on_the_scenario_tasks(fake: FakeWeData, env: None, tmp_path: Path) -> None:
    ids = [S[name] for name in ("upstream-not-in-production", "owner-not-member", "approver-not-member",
                                "approver-without-roles", "workflow-secret", "workflow-schedule", "no-workflow",
                                "workflow-deleted", "release-pending-clean")]
    code = main(audit_args(fake, tmp_path / "out", "--param", "approver-has-role.roles=[operation_engineer]",
                           *tasks_args(ids)))
    assert code == 3
    tasks = by_task(report(tmp_path / "out"))

    def outcome(name: str, rid: str) -> str | None:
        return tasks[S[name]]["outcomes"].get(rid)

    def findings(name: str, rid: str) -> list[dict[str, Any]]:
        return [f for f in tasks[S[name]]["findings"] if f["rule_id"] == rid]

    assert outcome("upstream-not-in-production", "upstream-in-production") == "fail"
    messages = [f["message"] for f in findings("upstream-not-in-production", "upstream-in-production")]
    foreign = [m for m in messages if "of another project" in m]
    assert len(messages) == 2 and len(foreign) == 1  # the other project's upstream is its own finding, named
    assert "1460947878944569999" in foreign[0] and "20230101000000902" in foreign[0]
    assert outcome("owner-not-member", "owner-is-member") == "fail"
    assert outcome("approver-not-member", "approver-is-member") == "fail"
    assert outcome("approver-without-roles", "approver-has-role") == "fail"
    assert outcome("workflow-secret", "no-secrets-in-workflow-params") == "fail"
    assert outcome("workflow-secret", "workflow-run-as") == "fail"
    assert outcome("workflow-schedule", "workflow-schedule-sane") == "fail"
    assert outcome("workflow-schedule", "workflow-concurrency-bounded") == "fail"
    for rid in ("workflow-run-as", "workflow-schedule-sane", "no-secrets-in-workflow-params"):
        assert outcome("no-workflow", rid) == "skip"
        assert outcome("release-pending-clean", rid) == "pass"
    deleted = tasks[S["workflow-deleted"]]
    assert deleted["status"] == "errored" and "workflow-run-as" in deleted["error"]
    assert "workflow-run-as" not in deleted["outcomes"] and deleted["outcomes"]["owner-is-member"] == "pass"
    text = (tmp_path / "out" / "report.json").read_text()  # the workflow's secrets are masked
    assert "Fake-Passw0rd-For-Tests" not in text and not re.search(r"AKID[A-Za-z0-9]{32,}", text)
    assert findings("workflow-secret", "no-secrets-in-workflow-params")


def test_a_failed_context_request_errors_only_the_rules_that_read_it(fake: FakeWeData, env: None,
                                                                     tmp_path: Path) -> None:
    fake.set_faults(1.0, ["http_500"], actions=["ListUpstreamTriggerTasks"])
    code = main(audit_args(fake, tmp_path / "out", *tasks_args([S["release-pending-clean"]])))
    assert code == 3
    (task,) = report(tmp_path / "out")["tasks"]
    assert task["status"] == "errored" and "upstream-in-production" in task["error"]
    assert "upstream-in-production" not in task["outcomes"]
    assert task["outcomes"]["workflow-run-as"] == "pass" and task["outcomes"]["kerberos-login"] == "pass"


def test_saved_context_reaudits_offline_to_the_same_verdict(fake: FakeWeData, env: None, tmp_path: Path) -> None:
    live = main(audit_args(fake, tmp_path / "live", "--save-snapshots", "snaps", *tasks_args(fake.task_ids)))
    snaps = tmp_path / "snaps" / "_context"
    assert {p.name for p in snaps.iterdir()} == {"workflows", "members", "upstream"}
    assert len(list((snaps / "members").iterdir())) == 1
    requests = sum(fake.stats().actions.values())
    offline = main(["check", "snaps", "-o", str(tmp_path / "offline"), "--format", "json"])
    assert sum(fake.stats().actions.values()) == requests
    assert live == offline == 3
    a, b = by_task(report(tmp_path / "live")), by_task(report(tmp_path / "offline"))
    assert a.keys() == b.keys()
    for task_id in a:
        assert a[task_id]["outcomes"] == b[task_id]["outcomes"], task_id
        assert a[task_id]["status"] == b[task_id]["status"], task_id
        assert (sorted(f["fingerprint"] for f in a[task_id]["findings"])
                == sorted(f["fingerprint"] for f in b[task_id]["findings"])), task_id
    # an older folder without saved context: the context rules are skipped, never failed on nulls
    bare = tmp_path / "bare"
    bare.mkdir()
    for p in (tmp_path / "snaps").glob("*.json"):
        (bare / p.name).write_text(p.read_text())
    main(["check", "bare", "-o", str(tmp_path / "bare-out"), "--format", "json"])
    for task in report(tmp_path / "bare-out")["tasks"]:
        assert all(task["outcomes"].get(rid) in (None, "skip") for rid in ("owner-is-member", "workflow-run-as"))


def test_no_personal_data_in_reports_snapshots_or_output_at_vv(fake: FakeWeData, env: None, tmp_path: Path,
                                                               capfd: pytest.CaptureFixture[str]) -> None:
    personal = fake.corpus.personal_values()
    assert personal
    formats = [a for f in ("html", "junit", "json", "sarif", "markdown", "csv") for a in ("--format", f)]
    args = ["audit", "--project-id", fake.project_id, "--region", "ap-singapore", "--endpoint", fake.endpoint,
            "--rate", "200", "-o", "out", "-vv", "--save-snapshots", "snaps", *formats,
            "--param", "approver-has-role.roles=[operation_engineer]", *tasks_args(fake.task_ids)]
    main(args)
    fake.set_faults(1.0, ["http_500"], actions=["ListProjectMembers"])
    main([*args[:args.index("out")], "out2", "-vv", "--save-snapshots", "snaps2", *args[args.index("snaps") + 1:]])
    out, err = capfd.readouterr()
    assert "ListProjectMembers" in err and "requests:" in err + out
    files = [p for d in ("out", "snaps", "out2", "snaps2") for p in (tmp_path / d).rglob("*") if p.is_file()]
    assert any("members" in p.parts for p in files)
    for blob in [out, err, *(p.read_text(encoding="utf-8") for p in files)]:
        leaked = {v for v in personal if v in blob}
        assert not leaked


def test_the_demo_shows_failing_context_rules(env: None, tmp_path: Path, capsys) -> None:
    assert main(["demo", "--tasks", "40", "-o", "demo-out", "--format", "json"]) == 1
    doc = json.loads((tmp_path / "demo-out" / "report.json").read_text())
    failing = {f["rule_id"] for t in doc["tasks"] for f in t["findings"]}
    assert failing & {"owner-is-member", "workflow-schedule-sane", "upstream-in-production",
                      "workflow-concurrency-bounded"}
    assert doc["requests"]["GetTriggerWorkflow"] >= 1 and doc["requests"]["ListProjectMembers"] == 1

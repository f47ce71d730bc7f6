"""Task context in the rule view: members reduced to what rules read, the context fields, which fields a
rule reads, and the engine's skip / error for context a snapshot lacks or could not fetch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wedata_audit.demo.context import members as fake_members
from wedata_audit.demo.context import personal_values as fake_personal_values
from wedata_audit.engine import Engine
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.loading import build_rules, load_raw_rules
from wedata_audit.sources.api.context import SavedContext, context_needs, inline_context
from wedata_audit.util.personal import MEMBER_FIELDS, member_record, personal_values, scrub_text
from wedata_audit.view.document import build_view
from wedata_audit.view.fields import key_roots, rule_view_fields

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = json.loads((ROOT / "examples" / "latest-version-v4.response.json").read_text())["Response"]["Data"]
OWNER = EXAMPLE["Task"]["TriggerTaskBaseAttribute"]["OwnerUin"]
CONTEXT_RULES = {"workflow-run-as", "no-secrets-in-workflow-params", "workflow-schedule-sane",
                 "workflow-concurrency-bounded", "upstream-in-production", "owner-is-member", "approver-is-member",
                 "approver-has-role"}


def test_member_record_keeps_only_the_fields_rules_read() -> None:
    raw = fake_members("1")
    personal = fake_personal_values(raw)
    assert personal and personal == personal_values(raw)
    for record in raw:
        kept = member_record(record)
        assert kept is not None and set(kept) == set(MEMBER_FIELDS)
        assert not personal & {str(v) for v in kept.values()}
        assert not any(p in json.dumps(kept) for p in personal)
    assert member_record("not an object") is None


def test_scrub_text_removes_email_addresses_and_known_values() -> None:
    text = "user li.wei+x@corp.example.com (phone 13800138000) not found; TaskId 20231231000000001, uin 100028579606"
    out = scrub_text(text, {"13800138000"})
    assert "@" not in out and "13800138000" not in out
    assert "20231231000000001" in out and "100028579606" in out  # ids that look like numbers stay


def test_view_context_fields() -> None:
    members = [{"UserUin": OWNER, "UserName": "o", "DisplayName": "O", "Roles": [], "IsProjectOwner": True,
                "PhoneNum": "13800000000", "Email": "o@example.com"}]
    workflow = {"WorkflowParams": [{"ParamKey": "env", "ParamValue": "prod"}],
                "TriggerWorkflowSchedulerConfigurations": [{"TriggerId": "a", "EndTime": "2020-01-01 00:00:00"},
                                                           {"TriggerId": "b", "EndTime": "2099-01-01 00:00:00"},
                                                           {"TriggerId": "c"}]}
    view = build_view(EXAMPLE, {"workflow": workflow, "upstream": [{"TaskId": "1"}], "members": members})
    assert view["workflow_params"] == {"env": "prod"}
    assert [t["ended"] for t in view["workflow_triggers"]] == [True, False, None]
    assert view["upstream"] == [{"TaskId": "1", "other_project": False}]  # no project known: not told apart
    assert view["people"]["owner"]["UserName"] == "o" and "PhoneNum" not in view["people"]["owner"]
    assert view["people"]["creator"] == view["people"]["owner"]  # CreateUserUin is the owner in the example
    assert view["people"]["approver"] is None  # no ApproveUserUin
    assert "workflow" not in build_view(EXAMPLE)  # no context: no context field


@pytest.mark.parametrize(("expr", "roots"), [
    ("workflow_params.x", {"workflow_params"}),
    ("upstream[?Status == 'N'].{TaskId: TaskId}", {"upstream"}),
    ("length(people.owner.Roles) > `0` || task.TaskName", {"people", "task"}),
    ("sort_by(upstream, &TaskId)[0].TaskId", {"upstream"}),
    ("`1`", set()),
    ("@", {"@"}),
])
def test_key_roots(expr: str, roots: set[str]) -> None:
    assert key_roots(expr) == roots


def _rules(select: set[str] | None = None, **params: dict) -> list:
    rules = build_rules(load_raw_rules([]), params=params)
    return [r for r in rules if select is None or r.id in select]


def test_context_needs_follow_the_rules() -> None:
    assert context_needs(_rules()) == {"workflow", "upstream", "members"}
    assert context_needs(_rules({"kerberos-login", "schema"})) == frozenset()
    assert context_needs(_rules({"owner-is-member"})) == {"members"}
    assert context_needs(_rules({"workflow-schedule-sane"})) == {"workflow"}
    assert rule_view_fields({"check": {"key": "upstream", "op": "empty"}, "when": {"key": "task.Status"}}) == {
        "upstream", "task"}


def test_engine_skips_context_rules_without_context_and_errors_them_on_a_failed_fetch() -> None:
    engine = Engine(_rules())
    bare = dict(engine.audit(Snapshot(source="x", data=EXAMPLE)).outcomes)
    assert {rid for rid in CONTEXT_RULES if bare[rid] == "skip"} == CONTEXT_RULES
    assert bare["kerberos-login"] in ("pass", "fail")

    failed = {f: "GetTriggerWorkflow failed: gave up after 4 attempts" for f in
              ("workflow", "workflow_params", "workflow_triggers")}
    snap = Snapshot(source="x", data=EXAMPLE, context={"upstream": [], "members": [], "errors": failed})
    task = engine.audit(snap)
    outcomes = dict(task.outcomes)
    assert task.error is not None and task.error.startswith(
        "rule(s) no-secrets-in-workflow-params, workflow-concurrency-bounded, workflow-run-as, workflow-schedule-sane "
        "could not be evaluated: GetTriggerWorkflow")
    for rid in ("workflow-run-as", "no-secrets-in-workflow-params", "workflow-schedule-sane",
                "workflow-concurrency-bounded"):
        assert rid not in outcomes and rid in task.error  # never passed
    assert outcomes["upstream-in-production"] == "pass" and outcomes["owner-is-member"] == "fail"

    gone = Snapshot(source="x", data=EXAMPLE, context={"upstream": []},
                    unavailable=frozenset({"workflow", "workflow_params", "workflow_triggers"}))
    assert dict(engine.audit(gone).outcomes)["workflow-run-as"] == "skip"


def test_approver_has_role_is_off_until_roles_are_set() -> None:
    members = inline_context({"members": [{"UserUin": "9", "Roles": [{"RoleName": "visitor"}]}]})
    data = {**EXAMPLE, "ApproveUserUin": "9"}
    off = dict(Engine(_rules()).audit(Snapshot(source="x", data=data, context=members)).outcomes)
    on = dict(Engine(_rules(**{"approver-has-role": {"roles": ["visitor"]}}))
              .audit(Snapshot(source="x", data=data, context=members)).outcomes)
    other = dict(Engine(_rules(**{"approver-has-role": {"roles": ["operation_engineer"]}}))
                 .audit(Snapshot(source="x", data=data, context=members)).outcomes)
    assert (off["approver-has-role"], on["approver-has-role"], other["approver-has-role"]) == ("skip", "pass", "fail")


def test_hand_written_context_beside_snapshots(tmp_path: Path) -> None:
    task_id = EXAMPLE["Task"]["TriggerTaskBaseAttribute"]["TaskId"]
    workflow_id = EXAMPLE["Task"]["TriggerTaskBaseAttribute"]["WorkflowId"]
    ctx = tmp_path / "_context"
    (ctx / "workflows").mkdir(parents=True)
    (ctx / "upstream").mkdir()
    (ctx / "workflows" / f"{workflow_id}.json").write_text(json.dumps(
        {"Response": {"Data": {"ExecuteUserUin": "", "WorkflowParams": []}, "RequestId": "r"}}))
    (ctx / "upstream" / f"{task_id}.json").write_text(json.dumps(
        {"Response": {"Error": {"Code": "InternalError", "Message": "a@b.example.com broke"}, "RequestId": "r"}}))
    saved = SavedContext.for_paths([str(tmp_path)])
    assert saved is not None
    snap = saved.attach(Snapshot(source="x", data=EXAMPLE, meta={"project_id": "1"}))
    assert snap.context["workflow"]["ExecuteUserUin"] == ""
    assert "members" not in snap.context and "people" in snap.unavailable  # no members file: skipped
    assert "@" not in snap.context["errors"]["upstream"]
    task = Engine(_rules()).audit(snap)
    outcomes = dict(task.outcomes)
    assert outcomes["workflow-run-as"] == "fail" and outcomes["owner-is-member"] == "skip"
    assert "upstream-in-production" not in outcomes and "upstream-in-production" in (task.error or "")

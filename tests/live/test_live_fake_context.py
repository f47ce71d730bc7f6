"""The fake API's task context over real HTTP with signed requests: workflows, upstream and downstream
lists, project members (phone numbers and e-mail addresses included), hostile values, and the same
signature checks, rate limit and faults as every other action."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from tests.live.conftest import REGION
from tests.live.test_live_fake_history import all_pages, connect, listed
from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData, context, scenarios
from wedata_audit.sources.api.client import ApiError, FatalApiError, RetriesExhausted, RetryPolicy, WeDataClient
from wedata_audit.sources.api.credentials import from_keys

S = scenarios.TASKS
WORKFLOW_KEYS = {"WorkflowName", "OwnerUin", "CreateUserUin", "WorkflowDesc", "Path", "BundleId", "BundleInfo",
                 "ExecuteUserUin", "SchedulerStatus", "TriggerMode", "WorkflowParams", "GeneralTaskParams",
                 "TriggerWorkflowRunConfiguration", "TriggerWorkflowSchedulerConfigurations"}
TRIGGER_KEYS = {"TriggerMode", "ExtraInfo", "ScheduleTimeZone", "StartTime", "EndTime", "ConfigMode", "CycleType",
                "CrontabExpression", "TriggerId", "FileArrivalPath", "FileNamePattern", "Recursive",
                "TriggerMinimumIntervalSecond", "TriggerWaitTimeSecond", "SchedulerStatus"}
WORKFLOW_ITEM_KEYS = {"WorkflowId", "WorkflowName", "OwnerUin", "CreateTime", "ModifyTime", "UpdateUserUin",
                      "WorkflowDesc", "CreateUserUin", "ExecuteUserUin"}
TASK_ITEM_KEYS = {"TaskId", "TaskName", "WorkflowId", "WorkflowName", "ProjectId", "Status", "TaskTypeId",
                  "TaskTypeDesc", "OwnerUin"}
MEMBER_KEYS = {"AppId", "RootAccountId", "UserUin", "UserName", "DisplayName", "Roles", "IsCreator", "CreateTime",
               "IsProjectOwner", "PhoneNum", "Email"}
SECRET_ID = re.compile(r"AKID[A-Za-z0-9]{32,}")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeWeData]:
    with FakeWeData(tasks=30, seed=6, scenarios=True, rate_limit=0) as server:
        yield server


@pytest.fixture(scope="module")
def client(fake: FakeWeData) -> Iterator[WeDataClient]:
    with connect(fake) as c:
        yield c


def workflow(client: WeDataClient, fake: FakeWeData, workflow_id: str) -> dict[str, Any]:
    return client.call("GetTriggerWorkflow", {"ProjectId": fake.project_id, "WorkflowId": workflow_id})["Data"]


def upstream(client: WeDataClient, fake: FakeWeData, task: str) -> list[dict[str, Any]]:
    return all_pages(client, "ListUpstreamTriggerTasks", {"ProjectId": fake.project_id, "TaskId": task})


def test_every_task_workflow_is_served_and_listed(fake: FakeWeData, client: WeDataClient) -> None:
    tasks = listed(client, fake)
    ids = {t["WorkflowId"] for t in tasks.values() if t["WorkflowId"] and t["TaskId"] != S["workflow-deleted"]}
    assert len(ids) >= 5 and tasks[S["no-workflow"]]["WorkflowId"] is None
    for task in tasks.values():
        if task["WorkflowId"] in ids:
            detail = workflow(client, fake, task["WorkflowId"])
            assert set(detail) == WORKFLOW_KEYS and detail["WorkflowName"] == task["WorkflowName"]
            assert all(set(t) == TRIGGER_KEYS for t in detail["TriggerWorkflowSchedulerConfigurations"])
    items = all_pages(client, "ListTriggerWorkflows", {"ProjectId": fake.project_id})
    assert {i["WorkflowId"] for i in items} == ids and all(set(i) == WORKFLOW_ITEM_KEYS for i in items)
    runs_as = {i["ExecuteUserUin"] for i in items}
    assert "" in runs_as and context.SERVICE_ACCOUNTS[0][0] in runs_as       # sometimes no run-as account
    mine = all_pages(client, "ListTriggerWorkflows", {"ProjectId": fake.project_id, "Keyword": "SCENARIO_"})
    assert len(mine) == 4   # the hostile one is not named scenario_*
    with pytest.raises(ApiError, match="ResourceNotFound"):
        workflow(client, fake, "no-such-workflow")
    with pytest.raises(ApiError, match="ResourceNotFound"):   # a task may name a workflow that is gone
        workflow(client, fake, tasks[S["workflow-deleted"]]["WorkflowId"])


def test_scenario_workflows(fake: FakeWeData, client: WeDataClient) -> None:
    tasks = listed(client, fake)
    secret = workflow(client, fake, tasks[S["workflow-secret"]]["WorkflowId"])
    assert secret["ExecuteUserUin"] == ""
    assert any(SECRET_ID.fullmatch(p["ParamValue"]) for p in secret["WorkflowParams"])
    assert SECRET_ID.search(secret["GeneralTaskParams"][0]["Value"])
    schedule = workflow(client, fake, tasks[S["workflow-schedule"]]["WorkflowId"])
    assert schedule["SchedulerStatus"] == "ACTIVE"
    assert schedule["TriggerWorkflowRunConfiguration"]["MaxConcurrentNum"] is None
    triggers = schedule["TriggerWorkflowSchedulerConfigurations"]
    assert any(t["EndTime"] < "2026-01-01" for t in triggers) and any(t["ScheduleTimeZone"] is None for t in triggers)
    hostile = workflow(client, fake, tasks[S["hostile-values"]]["WorkflowId"])
    text = repr(hostile)
    assert "<script>" in text and "::error" in text and "\\n" in text and len(hostile["WorkflowDesc"]) > 5000
    name = tasks[S["hostile-values"]]["TaskName"]
    assert "<script>" in name and "::error" in name and "🚀" in name


def test_upstream_lists_page_and_name_unsubmitted_and_foreign_tasks(fake: FakeWeData, client: WeDataClient) -> None:
    tasks = listed(client, fake)
    many = upstream(client, fake, S["many-upstream"])
    assert len(many) > 10 and all(set(i) == TASK_ITEM_KEYS for i in many)   # two pages at PageSize 10
    assert all(i["Status"] == "Y" and i["ProjectId"] == fake.project_id for i in many)
    for item in many:
        assert tasks[item["TaskId"]]["TaskName"] == item["TaskName"]
    risky = {i["TaskId"]: i for i in upstream(client, fake, S["upstream-not-in-production"])}
    assert risky[S["never-submitted"]]["Status"] == "N" and risky[S["no-production"]]["Status"] == "N"
    foreign = [i for i in risky.values() if i["ProjectId"] != fake.project_id]
    assert {i["TaskId"] for i in foreign} == set(scenarios.FOREIGN_TASKS)
    down = all_pages(client, "ListDownstreamTriggerTasks", {"ProjectId": fake.project_id, "TaskId": S["no-production"]})
    assert S["upstream-not-in-production"] in {i["TaskId"] for i in down}
    with pytest.raises(ApiError, match="ResourceNotFound"):
        upstream(client, fake, "99999999999999999")
    with pytest.raises(FatalApiError, match="UserNotInProject"):
        client.call("ListUpstreamTriggerTasks", {"ProjectId": "1", "TaskId": S["many-upstream"]})


def test_members_carry_phone_numbers_and_email_addresses(fake: FakeWeData, client: WeDataClient) -> None:
    members = all_pages(client, "ListProjectMembers", {"ProjectId": fake.project_id})
    assert len(members) > 10 and all(set(m) == MEMBER_KEYS for m in members)
    assert all(re.fullmatch(r"1\d{10}", m["PhoneNum"]) and "@" in m["Email"] for m in members)
    assert {v for m in members for v in (m["PhoneNum"], m["Email"])} == fake.corpus.personal_values()
    uins = {m["UserUin"]: m for m in members}
    assert context.FORMER_MEMBER[0] not in uins and context.NOT_A_MEMBER[0] not in uins
    assert uins[context.ROLELESS_MEMBER[0]]["Roles"] == []
    assert "<script>" in uins[context.HOSTILE_MEMBER[0]]["DisplayName"]
    one = client.call("ListProjectMembers", {"ProjectId": fake.project_id, "UserUin": scenarios.APPROVER})["Data"]
    assert [m["UserUin"] for m in one["Items"]] == [scenarios.APPROVER] and one["TotalCount"] == 1


def test_people_scenarios(fake: FakeWeData, client: WeDataClient) -> None:
    tasks = listed(client, fake)
    assert tasks[S["owner-not-member"]]["OwnerUin"] == context.NOT_A_MEMBER[0]

    def approver(name: str) -> str:
        data = client.call("GetTriggerTaskVersion", {"ProjectId": fake.project_id, "TaskId": S[name]})["Data"]
        return str(data["ApproveUserUin"])

    assert approver("approver-not-member") == context.FORMER_MEMBER[0]
    assert approver("approver-without-roles") == context.ROLELESS_MEMBER[0]


def test_context_actions_share_signatures_faults_and_rate_limit() -> None:
    with FakeWeData(tasks=3, seed=2, scenarios=True, rate_limit=0) as fake, connect(fake) as client:
        params = {"ProjectId": fake.project_id}
        fake.inject("internal_error", "http_502", action="ListProjectMembers")
        client.call("ListTriggerTasks", params)   # not faulted: the faults wait for their action
        client.call("ListProjectMembers", params)
        assert fake.stats().outcomes_by_action["ListProjectMembers"] == {"internal_error": 1, "http_502": 1,
                                                                         "Success": 1}
        fake.set_faults(1.0, ["internal_error"], actions=["GetTriggerWorkflow"])
        wid = scenarios.WORKFLOWS["team"][0]
        with pytest.raises(RetriesExhausted):
            client.call("GetTriggerWorkflow", {**params, "WorkflowId": wid})
        client.call("ListUpstreamTriggerTasks", {**params, "TaskId": S["many-upstream"]})
        fake.clear_faults()
        bad = WeDataClient(from_keys(TEST_SECRET_ID, "wrong-key"), REGION, endpoint=fake.endpoint)
        with bad, pytest.raises(FatalApiError, match=r"AuthFailure\.SignatureFailure"):
            bad.call("GetTriggerWorkflow", {**params, "WorkflowId": wid})
        with pytest.raises(ValueError):
            fake.inject("http_500", action="DescribeNothing")
        profile = ClientProfile(httpProfile=HttpProfile(endpoint=f"127.0.0.1:{fake.port}", protocol="http"))
        sdk = CommonClient("wedata", "2025-08-06", Credential(TEST_SECRET_ID, TEST_SECRET_KEY), REGION, profile)
        assert sdk.call_json("GetTriggerWorkflow", {**params, "WorkflowId": wid})["Response"]["Data"]["WorkflowName"]
        with pytest.raises(TencentCloudSDKException, match="ResourceNotFound"):
            sdk.call_json("GetTriggerWorkflow", {**params, "WorkflowId": "nope"})
    with FakeWeData(tasks=3, seed=2, rate_limit=2) as fake:
        once = WeDataClient(from_keys(TEST_SECRET_ID, TEST_SECRET_KEY), REGION, endpoint=fake.endpoint, rate=1000.0,
                            retry=RetryPolicy(max_attempts=1))
        with once:
            for _ in range(6):
                with contextlib.suppress(RetriesExhausted):
                    once.call("ListProjectMembers", {"ProjectId": fake.project_id})
        outcomes = fake.stats().outcomes_by_action["ListProjectMembers"]
    assert outcomes["RequestLimitExceeded"] >= 1 and sum(outcomes.values()) == 6

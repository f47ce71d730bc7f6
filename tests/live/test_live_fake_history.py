"""The fake API's version histories, over real HTTP with signed requests: ListTriggerTasks,
ListTriggerTaskVersions (SAVE, SUBMIT) and GetTriggerTaskVersion agree; the scenario tasks hold what their
names say; the corpus changes between runs exactly as asked."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live.conftest import FAST_RETRY, REGION
from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData, build_corpus, scenarios
from wedata_audit.sources.api.client import ApiError, WeDataClient
from wedata_audit.sources.api.credentials import from_keys

SAVE_KEYS = {"CreateTime", "VersionNum", "CreateUserUin", "VersionId", "VersionRemark"}
SUBMIT_KEYS = SAVE_KEYS | {"ApproveStatus", "Status", "ApproveUserUin", "UsedVersion"}
S = scenarios.TASKS


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeWeData]:
    with FakeWeData(tasks=40, seed=5, scenarios=True, rate_limit=0) as server:
        yield server


def connect(server: FakeWeData) -> WeDataClient:
    return WeDataClient(from_keys(TEST_SECRET_ID, TEST_SECRET_KEY), REGION, endpoint=server.endpoint, rate=1000.0,
                        retry=FAST_RETRY, timeout=2.0)


@pytest.fixture(scope="module")
def client(fake: FakeWeData) -> Iterator[WeDataClient]:
    with connect(fake) as c:
        yield c


def all_pages(client: WeDataClient, action: str, params: dict[str, Any], size: int = 10) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    number = 1
    while True:
        data = client.call(action, {**params, "PageNumber": number, "PageSize": size})["Data"]
        items += data["Items"]
        assert data["TotalCount"] >= len(items)
        if number >= data["TotalPageNumber"]:
            assert len(items) == data["TotalCount"]
            return items
        number += 1


def listed(client: WeDataClient, fake: FakeWeData) -> dict[str, dict[str, Any]]:
    return {i["TaskId"]: i for i in all_pages(client, "ListTriggerTasks", {"ProjectId": fake.project_id}, 200)}


def versions(client: WeDataClient, fake: FakeWeData, task: str, kind: str) -> list[dict[str, Any]]:
    return all_pages(client, "ListTriggerTaskVersions",
                     {"ProjectId": fake.project_id, "TaskId": task, "TaskVersionType": kind})


def get(client: WeDataClient, fake: FakeWeData, task: str, version_id: str = "") -> dict[str, Any]:
    params = {"ProjectId": fake.project_id, "TaskId": task, **({"VersionId": version_id} if version_id else {})}
    return client.call("GetTriggerTaskVersion", params)["Data"]


def ext(detail: dict[str, Any]) -> dict[str, str]:
    params = detail["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"]
    return {p["ParamKey"]: p["ParamValue"] for p in params}


def code(detail: dict[str, Any]) -> str:
    return base64.b64decode(detail["Task"]["TriggerTaskConfiguration"]["CodeContent"]).decode()


def test_every_task_agrees_across_the_three_actions(fake: FakeWeData, client: WeDataClient) -> None:
    tasks = listed(client, fake)
    assert sorted(tasks) == fake.task_ids and len(tasks) == 40 + len(S)
    for task_id, item in tasks.items():
        saved, submitted = versions(client, fake, task_id, "SAVE"), versions(client, fake, task_id, "SUBMIT")
        nums = [int(v["VersionNum"][1:]) for v in saved]
        assert nums == list(range(len(saved), 0, -1)), task_id           # V<n> .. V1, newest first
        assert all(set(v) == SAVE_KEYS for v in saved)
        assert all(set(v) == SUBMIT_KEYS for v in submitted)
        assert {v["VersionId"] for v in submitted} <= {v["VersionId"] for v in saved}
        assert all(re.fullmatch(rf"{task_id}_\d{{17}}", v["VersionId"]) for v in saved)
        assert item["TaskLatestVersionNo"] == saved[0]["VersionNum"]
        assert item["TaskLatestSubmitVersionNo"] == (submitted[0]["VersionNum"] if submitted else "")
        assert item["Submit"] is (item["TaskLatestVersionNo"] == item["TaskLatestSubmitVersionNo"])
        assert item["LastUpdateTime"] == saved[0]["CreateTime"]
        used = [v for v in submitted if v["UsedVersion"]]
        assert len(used) <= 1 and item["Status"] == ("Y" if used else "N")
        assert [v["Status"] for v in submitted] == ["Y" if v["UsedVersion"] else "N" for v in submitted]
        if not submitted:
            with pytest.raises(ApiError, match="ResourceNotFound"):
                get(client, fake, task_id)
            continue
        latest = get(client, fake, task_id)
        assert latest["VersionId"] == submitted[0]["VersionId"] and latest["VersionNum"] == submitted[0]["VersionNum"]
        assert latest["ApproveStatus"] == submitted[0]["ApproveStatus"]
        base = latest["Task"]["TriggerTaskBaseAttribute"]
        for key in ("TaskLatestVersionNo", "TaskLatestSubmitVersionNo", "Submit", "Status", "LastUpdateTime",
                    "LastOpsTime", "WorkflowId"):
            assert base[key] == item[key], (task_id, key)
        for v in used:
            production = get(client, fake, task_id, v["VersionId"])
            assert production["VersionNum"] == v["VersionNum"]
            assert production["Task"]["TriggerTaskBaseAttribute"]["WorkflowId"] == item["WorkflowId"]


def test_generated_histories_include_every_kind_of_task() -> None:
    corpus = build_corpus(300, seed=2)
    kinds = {"pending release": 0, "unsubmitted edits": 0, "no production": 0, "older versions": 0}
    for h in corpus.tasks.values():
        submitted = h.latest_submitted
        assert submitted is not None   # generated tasks were all submitted once
        kinds["pending release"] += bool(h.used_version_id and h.used_version_id != submitted.version_id)
        kinds["unsubmitted edits"] += not h.latest.submitted
        kinds["no production"] += h.used_version_id is None
        kinds["older versions"] += len(h.versions) > 1
    assert all(count >= 3 for count in kinds.values()), kinds


def test_release_scenarios_hold_a_real_regression(fake: FakeWeData, client: WeDataClient) -> None:
    def production_and_latest(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        [used] = [v for v in versions(client, fake, S[name], "SUBMIT") if v["UsedVersion"]]
        return get(client, fake, S[name], used["VersionId"]), get(client, fake, S[name])

    production, latest = production_and_latest("release-regression-kerberos")
    assert (production["VersionNum"], latest["VersionNum"]) == ("V2", "V3")
    assert ext(production)["enableKerberosLogin"] == "true" and ext(latest)["enableKerberosLogin"] == "false"
    assert latest["ApproveStatus"] == "APPROVED"
    production, latest = production_and_latest("release-regression-secret")
    assert (production["VersionNum"], latest["VersionNum"]) == ("V3", "V4")
    assert re.search(r"AKID[A-Za-z0-9]{32}", code(latest)) and not re.search("AKID", code(production))
    assert latest["ApproveStatus"] == "Approval in progress"
    production, latest = production_and_latest("release-pending-clean")
    assert ext(production) == ext(latest) and code(production) == code(latest) and latest["ApproveStatus"] == "pass"
    approvals = {v["ApproveStatus"] for t in S.values() for v in versions(client, fake, t, "SUBMIT")}
    assert {"APPROVED", "REJECT", "Approval in progress", "pending", "pass"} <= approvals


def test_unsubmitted_never_submitted_and_unreleased_tasks(fake: FakeWeData, client: WeDataClient) -> None:
    tasks = listed(client, fake)
    edits = tasks[S["unsubmitted-edits"]]
    assert (edits["TaskLatestVersionNo"], edits["TaskLatestSubmitVersionNo"], edits["Submit"]) == ("V4", "V2", False)
    assert get(client, fake, S["unsubmitted-edits"])["VersionNum"] == "V2"
    never = tasks[S["never-submitted"]]
    assert (never["TaskLatestSubmitVersionNo"], never["Submit"], never["Status"]) == ("", False, "N")
    assert versions(client, fake, S["never-submitted"], "SUBMIT") == []
    draft = versions(client, fake, S["never-submitted"], "SAVE")[0]
    assert get(client, fake, S["never-submitted"], draft["VersionId"])["ApproveStatus"] is None
    unreleased = versions(client, fake, S["no-production"], "SUBMIT")
    assert [v["ApproveStatus"] for v in unreleased] == ["Approval in progress", "REJECT"]
    assert not any(v["UsedVersion"] for v in unreleased) and tasks[S["no-production"]]["Status"] == "N"


def test_unknown_ids_and_bad_version_types(fake: FakeWeData, client: WeDataClient) -> None:
    project = fake.project_id
    with pytest.raises(ApiError, match="ResourceNotFound"):
        client.call("ListTriggerTaskVersions", {"ProjectId": project, "TaskId": "99999999999999999"})
    with pytest.raises(ApiError, match="ResourceNotFound"):
        get(client, fake, S["release-rejected"], S["release-rejected"] + "_20990101000000000")
    with pytest.raises(ApiError, match="InvalidParameterValue"):
        client.call("ListTriggerTaskVersions", {"ProjectId": project, "TaskId": S["release-rejected"],
                                                "TaskVersionType": "DRAFT"})


def test_submit_new_version_changes_exactly_what_it_should() -> None:
    with FakeWeData(tasks=12, seed=8, scenarios=True, rate_limit=0) as fake, connect(fake) as client:
        task = S["release-pending-clean"]
        before = listed(client, fake)
        saved_before, submitted_before = versions(client, fake, task, "SAVE"), versions(client, fake, task, "SUBMIT")
        old = {v["VersionId"]: get(client, fake, task, v["VersionId"]) for v in saved_before}
        new_id = fake.submit_new_version(task, {"ext:enableKerberosLogin": "false"}, remark="turn kerberos off")
        after = listed(client, fake)
        assert {t: i for t, i in after.items() if t != task} == {t: i for t, i in before.items() if t != task}
        item = after[task]
        assert (item["TaskLatestVersionNo"], item["TaskLatestSubmitVersionNo"], item["Submit"]) == ("V3", "V3", True)
        assert item["LastUpdateTime"] > before[task]["LastUpdateTime"]
        assert item["Status"] == before[task]["Status"] and item["LastOpsTime"] == before[task]["LastOpsTime"]
        submitted = versions(client, fake, task, "SUBMIT")
        assert submitted[0]["VersionId"] == new_id and submitted[1:] == submitted_before   # production unchanged
        assert versions(client, fake, task, "SAVE")[1:] == saved_before
        fresh = get(client, fake, task)
        assert fresh["VersionId"] == new_id and fresh["VersionRemark"] == "turn kerberos off"
        previous = old[saved_before[0]["VersionId"]]
        assert ext(fresh) == {**ext(previous), "enableKerberosLogin": "false"}
        for section in ("TriggerTaskConfiguration", "TriggerTaskSchedulerConfiguration"):
            if section == "TriggerTaskConfiguration":
                strip = {k: v for k, v in fresh["Task"][section].items() if k != "TaskExtConfigurationList"}
                assert strip == {k: v for k, v in previous["Task"][section].items() if k != "TaskExtConfigurationList"}
            else:
                assert fresh["Task"][section] == previous["Task"][section]
        for version_id, detail in old.items():   # stored versions are immutable (task-level fields aside)
            again = get(client, fake, task, version_id)
            assert {k: v for k, v in again.items() if k != "Task"} == {k: v for k, v in detail.items() if k != "Task"}
            assert again["Task"]["TriggerTaskConfiguration"] == detail["Task"]["TriggerTaskConfiguration"]

        fake.submit_new_version(task, {"/Task/TriggerTaskSchedulerConfiguration/MaxRetryNumber": 1}, submit=False)
        item = listed(client, fake)[task]
        assert (item["TaskLatestVersionNo"], item["TaskLatestSubmitVersionNo"], item["Submit"]) == ("V4", "V3", False)
        assert get(client, fake, task)["VersionId"] == new_id

        released = fake.submit_new_version(task, {"code+": "\n# reviewed\n"}, release=True, approve_status="APPROVED")
        item = listed(client, fake)[task]
        assert (item["TaskLatestVersionNo"], item["TaskLatestSubmitVersionNo"], item["Status"]) == ("V5", "V5", "Y")
        assert item["LastOpsTime"] != before[task]["LastOpsTime"]
        used = [v["VersionId"] for v in versions(client, fake, task, "SUBMIT") if v["UsedVersion"]]
        assert used == [released] and code(get(client, fake, task)).endswith("\n# reviewed\n")


def test_approval_changes_without_touching_the_task_listing() -> None:
    with FakeWeData(tasks=5, seed=3, scenarios=True, rate_limit=0) as fake, connect(fake) as client:
        task = S["approval-pending"]
        before = listed(client, fake)
        latest = versions(client, fake, task, "SUBMIT")[0]
        fake.set_approval(task, latest["VersionId"], "APPROVED")
        assert versions(client, fake, task, "SUBMIT")[0]["ApproveStatus"] == "APPROVED"
        assert get(client, fake, task)["ApproveStatus"] == "APPROVED"
        assert listed(client, fake) == before   # why a cache must re-read approval
        fake.release(task, latest["VersionId"])
        assert versions(client, fake, task, "SUBMIT")[0]["UsedVersion"] is True
        with pytest.raises(ValueError):
            fake.release(S["never-submitted"], "nope")


def test_version_lists_page() -> None:
    with FakeWeData(tasks=3, seed=1, rate_limit=0) as fake, connect(fake) as client:
        task = fake.task_ids[0]
        for i in range(12):
            fake.submit_new_version(task, {"/Task/TriggerTaskSchedulerConfiguration/RetryWaitMinute": i},
                                    submit=i % 2 == 0)
        first = client.call("ListTriggerTaskVersions", {"ProjectId": fake.project_id, "TaskId": task,
                                                        "PageSize": 10})["Data"]
        saved = versions(client, fake, task, "SAVE")
        assert first["TotalPageNumber"] == 2 and first["PageCount"] == 10 and first["Items"] == saved[:10]
        assert len(saved) == first["TotalCount"] >= 13
        assert len({v["VersionId"] for v in saved}) == len(saved)


def test_stats_count_requests_and_versions_per_action() -> None:
    with FakeWeData(tasks=4, seed=4, rate_limit=0) as fake, connect(fake) as client:
        listed(client, fake)
        task = fake.task_ids[0]
        versions(client, fake, task, "SUBMIT")
        served = get(client, fake, task)["VersionId"]
        get(client, fake, task)
        with pytest.raises(ApiError):
            get(client, fake, "99999999999999999")
        stats = fake.stats()
    assert stats.by_action == {"ListTriggerTasks": 1, "ListTriggerTaskVersions": 1, "GetTriggerTaskVersion": 3}
    assert stats.successes("GetTriggerTaskVersion") == 2
    assert stats.outcomes_by_action["GetTriggerTaskVersion"]["ResourceNotFound"] == 1
    assert stats.versions_served == {served: 2}

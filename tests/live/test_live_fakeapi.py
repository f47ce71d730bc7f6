"""The fake API itself: envelope checks, listing and paging, version history, faults, its CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.live.conftest import MakeClient
from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData, corpus, scenarios
from wedata_audit.sources.api.client import ApiError, FatalApiError
from wedata_audit.sources.api.listing import list_tasks


@pytest.fixture(scope="module")
def data() -> list[dict]:
    return corpus.generate(450, seed=21)


def _base(d: dict) -> dict:
    return d["Task"]["TriggerTaskBaseAttribute"]


def test_listing_pages_through_every_task(data: list[dict], make_client: MakeClient) -> None:
    with FakeWeData(data, rate_limit=0) as server:
        ids = list_tasks(make_client(server=server), server.project_id)
        stats = server.stats()
    assert ids == sorted(_base(d)["TaskId"] for d in data)
    assert stats.actions["ListTriggerTasks"] == 3  # 200 + 200 + 50


def test_listing_filters(data: list[dict], make_client: MakeClient) -> None:
    with FakeWeData(data, rate_limit=0) as server:
        client = make_client(server=server)
        pick = _base(data[7])

        def expect(pred: Callable[[dict], bool]) -> list[str]:
            return sorted(_base(d)["TaskId"] for d in data if pred(_base(d)))

        assert list_tasks(client, server.project_id, {"WorkflowId": pick["WorkflowId"]}) == expect(
            lambda b: b["WorkflowId"] == pick["WorkflowId"])
        assert list_tasks(client, server.project_id, {"OwnerUin": pick["OwnerUin"], "TaskTypeId": 32}) == expect(
            lambda b: b["OwnerUin"] == pick["OwnerUin"] and b["TaskTypeId"] == 32)
        assert list_tasks(client, server.project_id, {"Submit": False, "Status": "Y"}) == expect(
            lambda b: b["Submit"] is False and b["Status"] == "Y")
        folder = pick["TaskFolderPath"]
        assert list_tasks(client, server.project_id, {"TaskFolderPathList": [folder]}) == expect(
            lambda b: b["TaskFolderPath"] == folder or b["TaskFolderPath"].startswith(folder + "/"))
        assert list_tasks(client, server.project_id, {"TaskName": pick["TaskName"].upper()}) == expect(
            lambda b: pick["TaskName"].lower() in b["TaskName"].lower())
        assert list_tasks(client, server.project_id, {"WorkflowId": "no-such-workflow"}) == []
        with pytest.raises(ApiError, match="InvalidParameterValue"):
            client.call("ListTriggerTasks", {"ProjectId": server.project_id, "PageSize": 5})
        with pytest.raises(ApiError, match="InvalidParameter"):
            client.call("ListTriggerTasks", {"ProjectId": server.project_id, "TaskTypeId": "32"})


def test_version_history(make_client: MakeClient) -> None:
    [latest] = corpus.generate(1, seed=9)
    latest["VersionNum"] = "V4"
    with FakeWeData([latest, *corpus.earlier_versions(latest, 3)], rate_limit=0) as server:
        task = _base(latest)["TaskId"]
        client = make_client(server=server)
        answer = client.call("ListTriggerTaskVersions", {"ProjectId": server.project_id, "TaskId": task})
        submitted = client.call("ListTriggerTaskVersions", {"ProjectId": server.project_id, "TaskId": task,
                                                            "TaskVersionType": "SUBMIT"})
    items = answer["Data"]["Items"]
    assert [i["VersionNum"] for i in items] == ["V4", "V3", "V2", "V1"]
    assert answer["Data"]["TotalCount"] == 4 and answer["Data"]["PageCount"] == 4
    assert set(items[0]) == {"CreateTime", "VersionNum", "CreateUserUin", "VersionId", "VersionRemark"}
    # given details are all submitted versions, the newest one in production
    assert [(i["VersionNum"], i["UsedVersion"]) for i in submitted["Data"]["Items"]] == [
        ("V4", True), ("V3", False), ("V2", False), ("V1", False)]
    assert set(submitted["Data"]["Items"][0]) == {"CreateTime", "VersionNum", "CreateUserUin", "VersionId",
                                                  "VersionRemark", "ApproveStatus", "Status", "ApproveUserUin",
                                                  "UsedVersion"}


def test_envelope_checks(api: FakeWeData, make_client: MakeClient) -> None:
    params = {"ProjectId": api.project_id, "TaskId": api.task_ids[0]}
    with pytest.raises(FatalApiError, match="InvalidAction"):
        make_client().call("DescribeEverything", params)
    with pytest.raises(FatalApiError, match="UnsupportedRegion"):
        from wedata_audit.sources.api.client import WeDataClient
        from wedata_audit.sources.api.credentials import from_keys

        WeDataClient(from_keys(TEST_SECRET_ID, TEST_SECRET_KEY), "mars-north-1", endpoint=api.endpoint).call(
            "GetTriggerTaskVersion", params)
    with pytest.raises(FatalApiError, match="UserNotInProject"):
        make_client().call("GetTriggerTaskVersion", {**params, "ProjectId": "1"})
    with pytest.raises(ApiError, match="InvalidParameter"):
        make_client().call("GetTriggerTaskVersion", {**params, "TaskId": 42})


def test_fault_rate_is_seeded_and_changeable(make_client: MakeClient) -> None:
    def run() -> dict[str, int]:
        with FakeWeData(corpus.generate(5), rate_limit=0, fault_rate=0.5, seed=3,
                        fault_kinds=["http_500", "internal_error"]) as server:
            client = make_client(server=server)
            for task in server.task_ids:
                client.call("GetTriggerTaskVersion", {"ProjectId": server.project_id, "TaskId": task})
            server.clear_faults()
            before = server.stats().total
            client.call("GetTriggerTaskVersion", {"ProjectId": server.project_id, "TaskId": server.task_ids[0]})
            assert server.stats().total == before + 1
            return dict(server.stats().outcomes)

    first = run()
    assert first == run()
    assert first["http_500"] + first["internal_error"] > 0
    with FakeWeData(corpus.generate(1)) as server, pytest.raises(ValueError):
        server.inject("meteor_strike")


def test_command_line_server() -> None:
    from wedata_audit.sources.api.client import WeDataClient
    from wedata_audit.sources.api.credentials import from_keys

    command = [sys.executable, "-m", "wedata_audit.demo", "--port", "0", "--tasks", "12", "--rate-limit", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            assert first.startswith("fake WeData API on http://127.0.0.1:")
            endpoint = first.split()[4]
            with WeDataClient(from_keys(TEST_SECRET_ID, TEST_SECRET_KEY), "ap-singapore",
                              endpoint=endpoint) as client:
                ids = list_tasks(client, corpus.DEFAULT_PROJECT_ID)
                versions = client.call("ListTriggerTaskVersions", {"ProjectId": corpus.DEFAULT_PROJECT_ID,
                                                                    "TaskId": ids[0]})
        finally:
            proc.terminate()
    assert len(ids) == 12 + len(scenarios.TASKS)  # the scenario tasks are served by default
    assert versions["Data"]["TotalCount"] >= 1

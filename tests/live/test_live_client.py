"""The real client and fetcher against the fake API: signing, retries, per-task errors, fatal errors, rate."""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from tests.live.conftest import FAST_RETRY, REGION, MakeClient
from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, TRANSIENT_FAULTS, FakeWeData, corpus
from wedata_audit.errors import FatalRemoteError
from wedata_audit.sources.api.client import ApiError, FatalApiError, RetriesExhausted, RetryPolicy
from wedata_audit.sources.api.fetch import FetchRun, fetch_versions
from wedata_audit.sources.api.saving import sha256_of
from wedata_audit.sources.api.signing import sign_headers


def _get(api: FakeWeData, task_id: str) -> dict[str, object]:
    return {"ProjectId": api.project_id, "TaskId": task_id}


def test_signed_call_is_accepted(api: FakeWeData, make_client: MakeClient) -> None:
    task_id = api.task_ids[3]
    response = make_client().call("GetTriggerTaskVersion", _get(api, task_id))
    assert response["Data"]["Task"]["TriggerTaskBaseAttribute"]["TaskId"] == task_id
    assert response["RequestId"]
    assert api.stats().outcomes == {"Success": 1}


def test_official_sdk_signature_is_accepted_too(api: FakeWeData) -> None:
    """The fake verifies with its own code; the SDK's own client passing proves both sign alike."""
    profile = ClientProfile(httpProfile=HttpProfile(endpoint=f"127.0.0.1:{api.port}", protocol="http"))
    good = CommonClient("wedata", "2025-08-06", Credential(TEST_SECRET_ID, TEST_SECRET_KEY), REGION, profile)
    answer = good.call_json("GetTriggerTaskVersion", _get(api, api.task_ids[0]))
    assert answer["Response"]["Data"]["VersionId"].startswith(api.task_ids[0])
    bad = CommonClient("wedata", "2025-08-06", Credential(TEST_SECRET_ID, "not-the-key"), REGION, profile)
    with pytest.raises(TencentCloudSDKException) as info:
        bad.call_json("GetTriggerTaskVersion", _get(api, api.task_ids[0]))
    assert info.value.get_code() == "AuthFailure.SignatureFailure"


def test_token_is_sent_and_checked(make_client: MakeClient) -> None:
    with FakeWeData(corpus.generate(3), tokens={TEST_SECRET_ID: "session-token"}, rate_limit=0) as server:
        ok = make_client(server=server, token="session-token").call("GetTriggerTaskVersion",
                                                                      _get(server, server.task_ids[0]))
        assert ok["Data"]
        with pytest.raises(FatalApiError, match=r"AuthFailure\.TokenFailure"):
            make_client(server=server).call("GetTriggerTaskVersion", _get(server, server.task_ids[0]))


@pytest.mark.parametrize(("secret_id", "secret_key", "code"), [
    (TEST_SECRET_ID, "wrong-key", "AuthFailure.SignatureFailure"),
    ("AKIDunknownunknownunknownunknown00", TEST_SECRET_KEY, "AuthFailure.SecretIdNotFound"),
])
def test_bad_credentials_stop_the_run_at_once(api: FakeWeData, make_client: MakeClient, secret_id: str,
                                              secret_key: str, code: str) -> None:
    client = make_client(secret_id=secret_id, secret_key=secret_key)
    run = FetchRun(client, api.project_id, [(t, None) for t in api.task_ids], workers=4)
    assert list(run) == []
    assert isinstance(run.fatal, FatalApiError) and run.fatal.code == code
    assert not run.complete
    assert sorted(run.unfetched) == api.task_ids  # every task is accounted for
    assert all(s.error and code in s.error for s in run.unfetched_snapshots())
    assert api.stats().total <= 4  # no retries, no new requests after the refusal
    api.reset_stats()
    with pytest.raises(FatalRemoteError, match=code):
        list(fetch_versions(client, api.project_id, [(t, None) for t in api.task_ids], workers=4))
    assert api.stats().total <= 4


def test_expired_timestamp_is_refused(api: FakeWeData) -> None:
    body = json.dumps(_get(api, api.task_ids[0])).encode()
    host = f"127.0.0.1:{api.port}"
    headers = sign_headers(secret_id=TEST_SECRET_ID, secret_key=TEST_SECRET_KEY, token=None, service="wedata",
                           host=host, action="GetTriggerTaskVersion", version="2025-08-06", region=REGION,
                           body=body, timestamp=int(time.time()) - 400)
    answer = requests.post(api.endpoint, data=body, headers=headers, timeout=5).json()
    assert answer["Response"]["Error"]["Code"] == "AuthFailure.SignatureExpire"


def test_fatal_after_some_successes_keeps_what_completed(api: FakeWeData, make_client: MakeClient) -> None:
    ids = api.task_ids
    client = make_client()
    run = FetchRun(client, api.project_id, [(t, None) for t in ids], workers=1)
    got = []
    for snapshot in run:
        got.append(snapshot)
        if len(got) == 5:
            api.inject("unauthorized")
    # the one request already in flight when the fault was queued may still succeed
    assert len(got) in (5, 6) and all(s.data for s in got)
    assert run.fatal is not None and "UnauthorizedOperation.UserNotInProject" in str(run.fatal)
    assert len(run.unfetched) == len(ids) - len(got)
    assert api.stats().total == len(got) + 1


def test_throttled_requests_are_retried(make_client: MakeClient) -> None:
    with FakeWeData(corpus.generate(16), rate_limit=8) as server:
        client = make_client(server=server, rate=100.0, retry=RetryPolicy(max_attempts=10, base=0.2, cap=1.0))
        snaps = list(fetch_versions(client, server.project_id, [(t, None) for t in server.task_ids], workers=8))
        stats = server.stats()
    assert [s.error for s in snaps if s.error] == []
    assert len(snaps) == 16
    assert stats.outcomes["RequestLimitExceeded"] > 0
    assert stats.outcomes["Success"] == 16


@pytest.mark.parametrize("kind", TRANSIENT_FAULTS)
def test_transient_fault_is_retried_to_success(api: FakeWeData, make_client: MakeClient, kind: str) -> None:
    api.inject(kind, kind)
    client = make_client(timeout=0.3)
    response = client.call("GetTriggerTaskVersion", _get(api, api.task_ids[0]))
    assert response["Data"]["Task"]["TriggerTaskBaseAttribute"]["TaskId"] == api.task_ids[0]
    stats = api.stats()
    assert stats.outcomes == {kind: 2, "Success": 1}
    assert stats.total == 3


@pytest.mark.parametrize("kind", ["http_502", "connection_reset", "malformed_json", "html_200", "hang"])
def test_persistent_fault_gives_an_errored_snapshot(api: FakeWeData, make_client: MakeClient, kind: str) -> None:
    api.inject(*[kind] * 3)
    client = make_client(timeout=0.3, retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.02))
    [snap] = fetch_versions(client, api.project_id, [(api.task_ids[0], None)])
    assert snap.data is None and snap.error and snap.error.startswith("gave up after 3 attempts")
    assert api.stats().total == 3
    with pytest.raises(RetriesExhausted):
        api.inject(*[kind] * 3)
        client.call("GetTriggerTaskVersion", _get(api, api.task_ids[0]))


def test_unknown_task_is_an_errored_snapshot_while_others_succeed(api: FakeWeData,
                                                                  make_client: MakeClient) -> None:
    wanted = [(t, None) for t in api.task_ids[:5]] + [("20990101000000000", None), (api.task_ids[5], "nope")]
    snaps = {s.source: s for s in fetch_versions(make_client(), api.project_id, wanted, workers=3)}
    assert len(snaps) == 7
    missing = snaps["api:20990101000000000"]
    assert missing.error and missing.error.startswith("ResourceNotFound")
    assert missing.meta["error_code"] == "ResourceNotFound" and missing.meta["request_id"]
    assert snaps[f"api:{api.task_ids[5]}"].error.startswith("ResourceNotFound")
    assert all(snaps[f"api:{t}"].data for t in api.task_ids[:5])
    assert api.stats().outcomes == {"Success": 5, "ResourceNotFound": 2}  # not retried


@pytest.mark.parametrize(("kind", "reason"), [
    ("data_missing", "no Data"), ("data_null", "Data is null"), ("request_id_missing", "no RequestId")])
def test_incomplete_answers_are_errored_not_retried(api: FakeWeData, make_client: MakeClient, kind: str,
                                                    reason: str) -> None:
    api.inject(kind)
    [snap] = fetch_versions(make_client(), api.project_id, [(api.task_ids[0], None)])
    assert snap.data is None and snap.error and reason in snap.error
    assert api.stats().total == 1


def test_invalid_parameter_is_per_task(api: FakeWeData, make_client: MakeClient) -> None:
    with pytest.raises(ApiError) as info:
        make_client().call("GetTriggerTaskVersion", {"ProjectId": api.project_id})
    assert info.value.code == "MissingParameter"
    with pytest.raises(ApiError, match="UnknownParameter"):
        make_client().call("GetTriggerTaskVersion", {**_get(api, api.task_ids[0]), "Bogus": 1})


def test_wrong_api_version_is_fatal(api: FakeWeData, make_client: MakeClient) -> None:
    with pytest.raises(FatalApiError, match="NoSuchVersion"):
        make_client(version="2018-01-01").call("GetTriggerTaskVersion", _get(api, api.task_ids[0]))


def test_snapshot_meta_and_pinned_version(make_client: MakeClient) -> None:
    data = corpus.generate(4, seed=2)
    history = corpus.earlier_versions(data[0], 2)
    with FakeWeData(data + history, rate_limit=0) as server:
        client = make_client(server=server)
        task = data[0]["Task"]["TriggerTaskBaseAttribute"]["TaskId"]
        old = history[-1]["VersionId"]
        [latest] = fetch_versions(client, server.project_id, [(task, None)])
        [pinned] = fetch_versions(client, server.project_id, [(task, old)])
    assert latest.data == data[0] and pinned.data == history[-1]
    meta = latest.meta
    assert meta["project_id"] == server.project_id and meta["task_id"] == task
    assert meta["endpoint"] == server.endpoint and meta["region"] == REGION
    assert meta["fetched_at"].endswith("Z") and meta["request_id"]
    assert meta["sha256"] == sha256_of(data[0])
    assert latest.subject.version_id == data[0]["VersionId"]


def test_duplicate_tasks_are_fetched_once(api: FakeWeData, make_client: MakeClient) -> None:
    ids = api.task_ids[:4]
    progress: list[tuple[int, int]] = []
    snaps = list(fetch_versions(make_client(), api.project_id, [(t, None) for t in ids + ids],
                                on_progress=lambda done, total, _snap: progress.append((done, total))))
    assert sorted(s.source for s in snaps) == sorted(f"api:{t}" for t in ids)
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert api.stats().total == 4


def test_saved_snapshots_read_back_offline(api: FakeWeData, make_client: MakeClient, tmp_path) -> None:
    from wedata_audit.sources.files import read_snapshots

    ids = api.task_ids[:3]
    live = {s.source: s for s in fetch_versions(make_client(), api.project_id, [(t, None) for t in ids],
                                                snapshot_dir=tmp_path / "snaps")}
    files = sorted((tmp_path / "snaps").glob("*.json"))
    assert [f.stem for f in files] == sorted(ids)
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    assert set(doc) == {"Response", "_wedata_audit"}
    assert doc["_wedata_audit"]["project_id"] == api.project_id
    assert doc["_wedata_audit"]["request_id"] == doc["Response"]["RequestId"]
    offline = list(read_snapshots([str(tmp_path / "snaps")]))
    assert len(offline) == 3
    for snap in offline:
        task = snap.data["Task"]["TriggerTaskBaseAttribute"]["TaskId"]
        assert snap.data == live[f"api:{task}"].data
        assert snap.meta["project_id"] == api.project_id


def test_rate_never_exceeds_the_server_limit(make_client: MakeClient) -> None:
    with FakeWeData(corpus.generate(60, seed=3), rate_limit=50) as server:
        client = make_client(server=server, rate=50.0)
        snaps = list(fetch_versions(client, server.project_id, [(t, None) for t in server.task_ids], workers=8))
        stats = server.stats()
    assert len(snaps) == 60 and not [s for s in snaps if s.error]
    assert stats.outcomes["RequestLimitExceeded"] == 0
    assert stats.max_per_second <= 50
    assert stats.connections <= 8  # the pooled session keeps its connections alive


def test_secret_never_in_logs_or_errors(api: FakeWeData, make_client: MakeClient,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good = make_client()
    api.inject("http_502", "malformed_json", "connection_reset")
    list(fetch_versions(good, api.project_id, [(t, None) for t in api.task_ids[:6]]))
    bad = make_client(secret_key="Sup3rS3cretKeyValue")
    with pytest.raises(FatalRemoteError) as info:
        list(fetch_versions(bad, api.project_id, [(t, None) for t in api.task_ids[:3]]))
    texts = [caplog.text, str(info.value), repr(info.value), repr(good), repr(bad)]
    for text in texts:
        assert TEST_SECRET_KEY not in text and "Sup3rS3cretKeyValue" not in text
        assert "Signature=" not in text and "Authorization" not in text
    assert "retrying" in caplog.text  # the log did record the retries


def test_our_signature_verifies_with_the_fakes_independent_code() -> None:
    from wedata_audit.demo import tc3_signature

    body = b'{"ProjectId":"1","TaskId":"2"}'
    headers = sign_headers(secret_id="AKIDx", secret_key="k3y", token=None, service="wedata",
                           host="wedata.intl.tencentcloudapi.com", action="GetTriggerTaskVersion",
                           version="2025-08-06", region=REGION, body=body, timestamp=1_764_000_000)
    received = {k.lower(): v for k, v in headers.items()}
    expected = tc3_signature("k3y", "POST", "/", received, ["content-type", "host"], body, "1764000000",
                             "2025-11-24", "wedata")
    assert headers["Authorization"].endswith(f"Signature={expected}")
    assert "Credential=AKIDx/2025-11-24/wedata/tc3_request" in headers["Authorization"]


@pytest.mark.parametrize(("endpoint", "url", "host"), [
    (None, "https://wedata.intl.tencentcloudapi.com", "wedata.intl.tencentcloudapi.com"),
    ("wedata.tencentcloudapi.com", "https://wedata.tencentcloudapi.com", "wedata.tencentcloudapi.com"),
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080", "127.0.0.1:8080"),
])
def test_endpoint_forms(endpoint: str | None, url: str, host: str) -> None:
    from wedata_audit.sources.api.client import WeDataClient
    from wedata_audit.sources.api.credentials import from_keys

    creds = from_keys("AKIDx", "k3y")
    client = WeDataClient(creds, REGION) if endpoint is None else WeDataClient(creds, REGION, endpoint=endpoint)
    assert (client.endpoint, client.host) == (url, host)
    with pytest.raises(ValueError):
        WeDataClient(creds, REGION, endpoint="ftp://example.com")
    with pytest.raises(ValueError):
        WeDataClient(creds, REGION, endpoint="https://example.com/some/path")


def test_errored_tasks_are_saved_so_that_check_errors_them_too(api: FakeWeData, make_client: MakeClient,
                                                               tmp_path) -> None:
    from wedata_audit.sources.files import read_snapshots

    exhausted, good, unknown = api.task_ids[0], api.task_ids[1], "404404404"
    api.inject(*["http_500"] * FAST_RETRY.max_attempts)  # every attempt for the first task (one worker)
    live = {s.source: s for s in fetch_versions(make_client(), api.project_id, [exhausted, good, unknown],
                                                workers=1, snapshot_dir=tmp_path / "snaps")}
    assert live[f"api:{exhausted}"].error.startswith("gave up after")
    assert "ResourceNotFound" in live[f"api:{unknown}"].error and live[f"api:{good}"].data
    saved = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "snaps").glob("*.json")}
    assert set(saved) == {exhausted, good, unknown}
    assert saved[exhausted]["Response"] == {"Error": {"Code": "WedataAudit.FetchFailed",
                                                      "Message": live[f"api:{exhausted}"].error}}
    assert saved[unknown]["Response"]["Error"] == {"Code": "ResourceNotFound",
                                                   "Message": "The task `404404404` does not exist."}
    assert saved[unknown]["Response"]["RequestId"] == saved[unknown]["_wedata_audit"]["request_id"]
    offline = {s.meta["task_id"]: s for s in read_snapshots([str(tmp_path / "snaps")])}
    assert offline[good].data == live[f"api:{good}"].data
    assert "WedataAudit.FetchFailed" in offline[exhausted].error and "HTTP 500" in offline[exhausted].error
    assert "ResourceNotFound" in offline[unknown].error and offline[unknown].data is None


@pytest.mark.parametrize("kind", ["data_missing", "data_null", "request_id_missing"])
def test_unusable_answers_are_saved_as_errors(api: FakeWeData, make_client: MakeClient, tmp_path, kind: str) -> None:
    from wedata_audit.sources.files import read_snapshots

    api.inject(kind)
    [snap] = fetch_versions(make_client(), api.project_id, [api.task_ids[0]], snapshot_dir=tmp_path)
    assert snap.error is not None
    [offline] = read_snapshots([str(tmp_path)])
    assert offline.error is not None and "WedataAudit.InvalidResponse" in offline.error
    assert snap.error in offline.error


def test_a_stopped_run_saves_the_tasks_it_never_read(api: FakeWeData, make_client: MakeClient, tmp_path) -> None:
    run = FetchRun(make_client(), api.project_id, api.task_ids, workers=1, snapshot_dir=tmp_path)
    stream = run.snapshots()
    first = next(stream)
    stream.close()  # as after Ctrl-C
    assert first.data and not run.complete
    # An answer already requested when the run stopped is kept (for the caller to audit), never re-requested.
    kept = {s.meta["task_id"] for s in run.leftover}
    assert len(kept) <= 1 and all(s.data for s in run.leftover)
    assert sorted(run.unfetched) == sorted(set(api.task_ids) - {first.meta["task_id"]} - kept)
    saved = {p.stem: json.loads(p.read_text())["Response"] for p in tmp_path.glob("*.json")}
    assert set(saved) == set(api.task_ids)  # what a worker saved but nobody consumed is overwritten
    for task_id in run.unfetched:
        assert saved[task_id]["Error"]["Code"] == "WedataAudit.NotFetched"
    for task_id in {first.meta["task_id"], *kept}:
        assert "Data" in saved[task_id]


def test_refused_before_the_run_every_task_is_unfetched(api: FakeWeData, make_client: MakeClient, tmp_path) -> None:
    run = FetchRun(make_client(), api.project_id, api.task_ids[:3], snapshot_dir=tmp_path / "snaps")
    run.abandon(FatalApiError("AuthFailure.SignatureFailure", "no"))
    assert run.unfetched == api.task_ids[:3] and not run.complete
    assert len(list((tmp_path / "snaps").glob("*.json"))) == 3
    assert api.stats().total == 0


def test_snapshot_file_names_never_collide() -> None:
    from wedata_audit.sources.api.saving import snapshot_file_name

    names = [snapshot_file_name(t) for t in ("a/b", "a_b", "a:b", ".hidden", "..", "", "12345")]
    assert len(set(names)) == len(names)
    assert names[1] == "a_b.json" and names[-1] == "12345.json"
    assert all("/" not in n and not n.startswith(".") for n in names)

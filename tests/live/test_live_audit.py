"""`wedata-audit audit` and `demo` end to end: the real CLI, the real client, the fake API on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from wedata_audit import corpus
from wedata_audit.cli import main
from wedata_audit.fakeapi import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData

from .conftest import REGION


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", TEST_SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.delenv("TENCENTCLOUD_TOKEN", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_REGION", raising=False)
    monkeypatch.chdir(tmp_path)


def audit_args(api: FakeWeData, out: Path, *extra: str) -> list[str]:
    return ["audit", "--project-id", api.project_id, "--region", REGION, "--endpoint", api.endpoint,
            "--rate", "200", "--timeout", "2", "-o", str(out), "--format", "json", "--format", "junit", *extra]


def report(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text())


def test_audit_listed_tasks_with_evidence(api: FakeWeData, env: None, tmp_path: Path, capsys) -> None:
    ids = api.task_ids[:5]
    args = audit_args(api, tmp_path / "out", *[a for t in [*ids, ids[0]] for a in ("--task", t)])
    code = main(args)
    assert code in (0, 1)
    doc = report(tmp_path / "out")
    assert doc["run"]["complete"] is True
    assert sorted(t["task_id"] for t in doc["tasks"]) == sorted(ids)  # the duplicate was fetched once
    assert api.stats().actions["GetTriggerTaskVersion"] == 5
    for task in doc["tasks"]:
        meta = task["meta"]
        assert meta["endpoint"] == api.endpoint and meta["region"] == REGION
        assert meta["request_id"] and len(meta["sha256"]) == 64 and meta["fetched_at"]
        assert task["project_id"] == api.project_id
    assert TEST_SECRET_KEY not in capsys.readouterr().out


def test_select_discovers_tasks_through_paged_listing(env: None, tmp_path: Path) -> None:
    with FakeWeData(corpus.generate(230, seed=3), rate_limit=0) as api:
        (tmp_path / "wedata-audit.yaml").write_text(
            f"project_id: '{api.project_id}'\nregion: {REGION}\nendpoint: {api.endpoint}\nrate: 1000\n"
            "workers: 8\nselect: {}\n")
        code = main(["audit", "-o", "out", "--format", "json", "-q"])
        assert code in (0, 1)
        assert len(report(tmp_path / "out")["tasks"]) == 230
        stats = api.stats()
        assert stats.actions["ListTriggerTasks"] == 2  # PageSize 200: two pages
        assert stats.actions["GetTriggerTaskVersion"] == 230


def test_saved_snapshots_reaudit_offline_to_the_same_verdict(api: FakeWeData, env: None, tmp_path: Path) -> None:
    ids = api.task_ids[:12]
    tasks = [a for t in ids for a in ("--task", t)]
    live = main(audit_args(api, tmp_path / "live", "--save-snapshots", "snaps", *tasks))
    offline = main(["check", "snaps", "-o", str(tmp_path / "offline"), "--format", "json"])
    assert live == offline
    a, b = report(tmp_path / "live"), report(tmp_path / "offline")
    fingerprints = [sorted(f["fingerprint"] for t in doc["tasks"] for f in t["findings"]) for doc in (a, b)]
    assert fingerprints[0] == fingerprints[1] and fingerprints[0]
    assert {t["project_id"] for t in b["tasks"]} == {api.project_id}
    assert sorted(t["meta"]["sha256"] for t in a["tasks"]) == sorted(t["meta"]["sha256"] for t in b["tasks"])
    assert not any(TEST_SECRET_KEY in p.read_text() for p in Path("snaps").iterdir())


def test_bad_credentials_stop_the_run_early(api: FakeWeData, env: None, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "not-the-right-key-at-all")
    code = main(audit_args(api, tmp_path / "out", *[a for t in api.task_ids for a in ("--task", t)],
                           "--workers", "2"))
    assert code == 2
    err = capsys.readouterr().err
    assert "AuthFailure.SignatureFailure" in err and "not-the-right-key" not in err
    assert api.stats().total <= 4  # no hammering: at most the requests already in flight
    doc = report(tmp_path / "out")
    assert doc["run"]["complete"] is False and "refused" in doc["run"]["incomplete_reason"]
    assert len(doc["tasks"]) == len(api.task_ids)  # every task is listed, errored
    assert "<error" in (tmp_path / "out" / "junit.xml").read_text()


def test_unknown_task_is_errored_and_the_rest_goes_on(api: FakeWeData, env: None, tmp_path: Path) -> None:
    code = main(audit_args(api, tmp_path / "out", "--task", api.task_ids[0], "--task", "99999999999999999"))
    assert code == 3
    tasks = {t["task_id"]: t for t in report(tmp_path / "out")["tasks"]}
    assert tasks["99999999999999999"]["status"] == "errored"
    assert "ResourceNotFound" in tasks["99999999999999999"]["error"]
    assert tasks[api.task_ids[0]]["status"] in ("passed", "failed")


def test_tasks_file_with_comments_and_blank_lines(api: FakeWeData, env: None, tmp_path: Path) -> None:
    ids = api.task_ids[:3]
    (tmp_path / "tasks.txt").write_text(f"# production tasks\n\n{ids[0]}\n  {ids[1]}  # nightly\n\n{ids[2]}\n")
    assert main(audit_args(api, tmp_path / "out", "--tasks-file", "tasks.txt")) in (0, 1)
    assert sorted(t["task_id"] for t in report(tmp_path / "out")["tasks"]) == sorted(ids)


@pytest.mark.parametrize("drop", ["tasks", "region", "project"])
def test_missing_inputs_are_usage_errors(api: FakeWeData, env: None, tmp_path: Path, capsys, drop: str) -> None:
    args = ["audit", "--endpoint", api.endpoint, "-o", "out"]
    if drop != "tasks":
        args += ["--task", api.task_ids[0]]
    if drop != "region":
        args += ["--region", REGION]
    if drop != "project":
        args += ["--project-id", api.project_id]
    assert main(args) == 2
    assert {"tasks": "no task to audit", "region": "a region is required",
            "project": "a project id is required"}[drop] in capsys.readouterr().err
    assert api.stats().total == 0


def test_undocumented_region_warns(api: FakeWeData, env: None, tmp_path: Path, capsys) -> None:
    main([*audit_args(api, tmp_path / "out", "--task", api.task_ids[0]), "--region", "ap-guangzhou"])
    assert "region 'ap-guangzhou' is not one the GetTriggerTaskVersion documentation lists" in capsys.readouterr().err


def test_ctrl_c_writes_an_incomplete_report(tmp_path: Path) -> None:
    with FakeWeData(corpus.generate(40, seed=5), rate_limit=0, latency=0.5) as api:
        env = {**os.environ, "TENCENTCLOUD_SECRET_ID": TEST_SECRET_ID, "TENCENTCLOUD_SECRET_KEY": TEST_SECRET_KEY,
               "HOME": str(tmp_path)}
        cmd = [sys.executable, "-m", "wedata_audit", *audit_args(api, tmp_path / "out", "--workers", "2",
                                                                  *[a for t in api.task_ids for a in ("--task", t)])]
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while api.stats().actions["GetTriggerTaskVersion"] < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 3
    doc = report(tmp_path / "out")
    assert doc["run"]["complete"] is False and "interrupted" in doc["run"]["incomplete_reason"]
    assert len(doc["tasks"]) == 40  # what was fetched is audited, the rest listed as not fetched
    assert sum(t["status"] != "errored" for t in doc["tasks"]) >= 2


def test_secret_key_appears_in_no_output_at_any_verbosity(env: None, tmp_path: Path, monkeypatch,
                                                          capfd: pytest.CaptureFixture[str]) -> None:
    secret_key = "zQ9sEcReTkEy-only-for-this-test-7781"
    with FakeWeData(corpus.generate(6, seed=11), rate_limit=0, keys={TEST_SECRET_ID: secret_key}) as api:
        monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", secret_key)
        formats = [a for f in ("html", "junit", "json", "sarif", "markdown", "csv") for a in ("--format", f)]
        args = ["audit", "--project-id", api.project_id, "--region", REGION, "--endpoint", api.endpoint,
                "--rate", "200", "-o", "out", "-vv", "--save-snapshots", "snaps", *formats,
                *[a for t in api.task_ids for a in ("--task", t)], "--task", "404404404"]
        assert main(args) == 3
    out, err = capfd.readouterr()
    assert "DEBUG wedata_audit.client" in err  # the highest verbosity really logged requests
    files = [p for p in (tmp_path / "out").iterdir()] + [p for p in (tmp_path / "snaps").iterdir()]
    assert len(files) == 6 + 6
    for blob in [out, err, *(p.read_text() for p in files)]:
        assert secret_key not in blob


def test_demo_runs_a_real_live_audit(env: None, tmp_path: Path, capsys) -> None:
    code = main(["demo", "--tasks", "25", "-o", "demo-out"])
    out = capsys.readouterr().out
    assert code == 1 and "fake WeData API with 25 tasks" in out and "report.html" in out
    doc = json.loads((tmp_path / "demo-out" / "report.json").read_text())
    assert doc["summary"]["tasks"] == 25 and doc["run"]["complete"] is True
    assert {p.name for p in (tmp_path / "demo-out").iterdir()} == {"report.html", "junit.xml", "report.json"}

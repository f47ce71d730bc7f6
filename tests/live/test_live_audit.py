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

from wedata_audit.cli import main
from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData, corpus
from wedata_audit.demo.scenarios import TASKS as SCENARIOS

from .conftest import REGION


def audit_args(api: FakeWeData, out: Path, *extra: str) -> list[str]:
    return ["audit", "--project-id", api.project_id, "--region", REGION, "--endpoint", api.endpoint,
            "--rate", "200", "--timeout", "2", "-o", str(out), "--format", "json", "--format", "junit", *extra]


def report(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text())


def interrupt_audit(api: FakeWeData, cwd: Path, args: list[str], *, once: tuple[str, int],
                    sig: signal.Signals = signal.SIGINT, times: int = 1) -> int:
    """Run the CLI as a process with the test credentials; send it ``sig`` (Ctrl-C by default) ``times`` times
    once the fake API has seen ``once = (action, count)`` requests; return its exit code."""
    env = {**os.environ, "TENCENTCLOUD_SECRET_ID": TEST_SECRET_ID, "TENCENTCLOUD_SECRET_KEY": TEST_SECRET_KEY,
           "HOME": str(cwd)}
    proc = subprocess.Popen([sys.executable, "-m", "wedata_audit", *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    action, count = once
    deadline = time.monotonic() + 90  # generous: a loaded machine starts the interpreter slowly
    while api.stats().actions[action] < count and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert api.stats().actions[action] >= count, "the audit never got far enough to be interrupted"
    for _ in range(times):
        proc.send_signal(sig)
        time.sleep(0.05)
    proc.communicate(timeout=30)
    return proc.returncode


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
    assert not any(TEST_SECRET_KEY in p.read_text() for p in Path("snaps").rglob("*") if p.is_file())


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
        args = audit_args(api, tmp_path / "out", "--workers", "2", *[a for t in api.task_ids for a in ("--task", t)])
        code = interrupt_audit(api, tmp_path, args, once=("GetTriggerTaskVersion", 4))
    assert code == 3
    doc = report(tmp_path / "out")
    assert doc["run"]["complete"] is False and "interrupted" in doc["run"]["incomplete_reason"]
    assert len(doc["tasks"]) == 40  # what was fetched is audited, the rest listed as not fetched
    assert sum(t["status"] != "errored" for t in doc["tasks"]) >= 2


@pytest.mark.parametrize(("sig", "times"), [(signal.SIGTERM, 1), (signal.SIGTERM, 2), (signal.SIGINT, 2)])
def test_a_stop_signal_ends_a_live_audit_like_ctrl_c(tmp_path: Path, sig: signal.Signals, times: int) -> None:
    """SIGTERM (what CI runners send on cancel), also twice, and a double Ctrl-C: no new request, every report
    written whole and marked incomplete, exit 3, within a few seconds."""
    with FakeWeData(corpus.generate(40, seed=5), rate_limit=0, latency=0.3) as api:
        args = audit_args(api, tmp_path / "out", "--workers", "2", "--format", "html",
                          *[a for t in api.task_ids for a in ("--task", t)])
        start = time.monotonic()
        code = interrupt_audit(api, tmp_path, args, once=("GetTriggerTaskVersion", 4), sig=sig, times=times)
        elapsed = time.monotonic() - start
        requests = api.stats().actions["GetTriggerTaskVersion"]
        time.sleep(0.5)
        assert api.stats().actions["GetTriggerTaskVersion"] == requests  # nothing sent after the exit
    assert code == 3 and elapsed < 15
    assert requests < 40
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "report.html", "report.json"]
    doc = report(out)
    name = "SIGTERM" if sig == signal.SIGTERM else "SIGINT"
    assert doc["run"]["complete"] is False and name in doc["run"]["incomplete_reason"]
    assert len(doc["tasks"]) == 40  # audited, or listed as not fetched
    assert "AUDIT INCOMPLETE" in (out / "report.html").read_text(encoding="utf-8")[:2000]


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
    assert "DEBUG wedata_audit.sources.api.client" in err  # the highest verbosity really logged requests
    files = [p for p in (tmp_path / "out").iterdir()] + [p for p in (tmp_path / "snaps").glob("*.json")]
    assert len(files) == 6 + 7  # six reports; six versions and the errored task's snapshot
    files += [p for p in (tmp_path / "snaps" / "_context").rglob("*.json")]  # workflows, members, upstream lists
    for blob in [out, err, *(p.read_text() for p in files)]:
        assert secret_key not in blob


def test_demo_runs_a_real_live_audit(env: None, tmp_path: Path, capsys) -> None:
    code = main(["demo", "--tasks", "25", "-o", "demo-out"])
    out = capsys.readouterr().out
    assert code == 1 and "fake WeData API with 25 tasks" in out and "report.html" in out
    doc = json.loads((tmp_path / "demo-out" / "report.json").read_text())
    ids = [t["task_id"] for t in doc["tasks"]]
    assert len(ids) == len(set(ids)) == doc["summary"]["tasks"] and doc["run"]["complete"] is True
    # --tasks 25 generated tasks plus the scenario tasks (but the one whose workflow was deleted, which is
    # errored by design); a task never submitted has no release to review
    scenario_ids = set(SCENARIOS.values()) - {SCENARIOS["never-submitted"], SCENARIOS["workflow-deleted"]}
    assert scenario_ids <= set(ids) and len(ids) - len(scenario_ids) <= 25
    # the release review: at least one regression with its change list
    regressed = [t["release"] for t in doc["tasks"] if t["release"]["regressions"]]
    assert regressed and any(r["changes"] for r in regressed)
    assert "release review:" in out and "REGRESSION" in out
    assert {p.name for p in (tmp_path / "demo-out").iterdir()} == {"report.html", "junit.xml", "report.json"}


# ---------------------------------------------------------------- saved snapshots of errored tasks

def _outcomes(doc: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """task id -> (status, sorted finding fingerprints)."""
    return {t["task_id"]: (t["status"], sorted(f["fingerprint"] for f in t["findings"])) for t in doc["tasks"]}


def test_saved_snapshots_of_an_errored_task_reaudit_to_the_same_verdict(api: FakeWeData, env: None,
                                                                         tmp_path: Path, capsys) -> None:
    good, unknown = api.task_ids[0], "99999999999999999"
    live = main(audit_args(api, tmp_path / "live", "--save-snapshots", "snaps", "--task", good, "--task", unknown))
    assert live == 3
    assert "progress: 2/2 task(s)" in capsys.readouterr().err  # progress advanced on the consuming thread
    saved = json.loads((tmp_path / "snaps" / f"{unknown}.json").read_text())
    assert saved["Response"]["Error"]["Code"] == "ResourceNotFound" and saved["Response"]["RequestId"]
    assert saved["_wedata_audit"]["task_id"] == unknown
    offline = main(["check", "snaps", "-o", str(tmp_path / "offline"), "--format", "json"])
    assert offline == 3
    a, b = report(tmp_path / "live"), report(tmp_path / "offline")
    assert _outcomes(a) == _outcomes(b)
    assert _outcomes(a)[unknown][0] == "errored" and _outcomes(a)[good][0] in ("passed", "failed")
    errors = {doc_name: next(t["error"] for t in doc["tasks"] if t["task_id"] == unknown)
              for doc_name, doc in (("live", a), ("offline", b))}
    assert all("ResourceNotFound" in e and "does not exist" in e for e in errors.values())
    assert a["summary"]["verdict"] == b["summary"]["verdict"] == "INCOMPLETE"
    assert {t["project_id"] for t in b["tasks"]} == {api.project_id}


def test_saved_snapshots_after_a_refusal_list_every_task_as_errored(api: FakeWeData, env: None, tmp_path: Path,
                                                                    monkeypatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "not-the-right-key-at-all")
    ids = api.task_ids[:6]
    assert main(audit_args(api, tmp_path / "live", "--save-snapshots", "snaps", "--workers", "2",
                           *[a for t in ids for a in ("--task", t)])) == 2
    files = sorted(p.name for p in (tmp_path / "snaps").iterdir())
    assert files == sorted(f"{t}.json" for t in ids)  # no temporary file left either
    codes = {json.loads((tmp_path / "snaps" / f).read_text())["Response"]["Error"]["Code"] for f in files}
    assert codes <= {"WedataAudit.NotFetched"}
    assert main(["check", "snaps", "-o", str(tmp_path / "offline"), "--format", "json"]) == 3
    a, b = report(tmp_path / "live"), report(tmp_path / "offline")
    assert _outcomes(a) == _outcomes(b) == {t: ("errored", []) for t in ids}
    assert all("AuthFailure.SignatureFailure" in t["error"] for t in b["tasks"])


@pytest.mark.parametrize("existing", ["old.json", "deep/er/old.jsonl"])
def test_save_snapshots_refuses_a_folder_that_already_holds_snapshots(api: FakeWeData, env: None, tmp_path: Path,
                                                                      capsys, existing: str) -> None:
    old = tmp_path / "snaps" / existing
    old.parent.mkdir(parents=True)
    old.write_text('{"keep": "me"}')
    (tmp_path / "snaps" / "notes.txt").write_text("other files are fine")
    assert main(audit_args(api, tmp_path / "out", "--save-snapshots", "snaps", "--task", api.task_ids[0])) == 2
    err = capsys.readouterr().err
    assert "--save-snapshots snaps" in err and "already holds 1 .json/.jsonl file" in err
    assert "nothing was deleted" in err and "internal error" not in err
    assert old.read_text() == '{"keep": "me"}'
    assert api.stats().total == 0


def test_save_snapshots_refuses_a_json_report_inside_the_folder(api: FakeWeData, env: None, tmp_path: Path,
                                                                capsys) -> None:
    args = audit_args(api, tmp_path / "snaps", "--save-snapshots", str(tmp_path / "snaps"), "--task", api.task_ids[0])
    assert main(args) == 2
    assert "would read it as a task version" in capsys.readouterr().err
    assert api.stats().total == 0


def test_an_empty_existing_folder_is_fine_for_snapshots(api: FakeWeData, env: None, tmp_path: Path) -> None:
    (tmp_path / "snaps").mkdir()
    assert main(audit_args(api, tmp_path / "out", "--save-snapshots", "snaps", "--task", api.task_ids[0])) in (0, 1)
    assert [p.name for p in (tmp_path / "snaps").glob("*.json")] == [f"{api.task_ids[0]}.json"]


# ---------------------------------------------------------------- option validation

def test_a_rate_below_one_request_per_second_works(api: FakeWeData, env: None, tmp_path: Path) -> None:
    args = audit_args(api, tmp_path / "out", "--task", api.task_ids[0])
    args[args.index("--rate") + 1] = "0.5"
    assert main(args) in (0, 1)
    assert report(tmp_path / "out")["run"]["complete"] is True


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--rate", "0", "--rate: must be a positive number of requests per second, not 0"),
    ("--rate", "-3", "--rate: must be a positive number"),
    ("--rate", "nan", "--rate: must be a positive number"),
    ("--rate", "inf", "--rate: must be a positive number"),
    ("--timeout", "0", "--timeout: must be a positive number of seconds"),
    ("--timeout", "-1", "--timeout: must be a positive number of seconds"),
    ("--workers", "0", "--workers"),
    ("--workers", "-2", "--workers"),
    ("--endpoint", "ftp://x", "only http and https"),
    ("--endpoint", "http://127.0.0.1:notaport", "invalid endpoint"),
    ("--endpoint", "https://host/some/path", "invalid endpoint"),
])
def test_bad_live_options_are_usage_errors(api: FakeWeData, env: None, tmp_path: Path, capsys, option: str,
                                           value: str, message: str) -> None:
    args = [*audit_args(api, tmp_path / "out", "--task", api.task_ids[0]), option, value]  # the last one wins
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "internal error" not in err
    assert api.stats().total == 0


@pytest.mark.parametrize(("setting", "message"), [
    ("rate: 0", "rate"),
    ("timeout: -1", "timeout"),
    ("workers: 0", "workers"),
    ("endpoint: ftp://x", "endpoint: invalid endpoint 'ftp://x'"),
])
def test_bad_live_settings_in_the_configuration_are_errors(api: FakeWeData, env: None, tmp_path: Path, capsys,
                                                           setting: str, message: str) -> None:
    (tmp_path / "wedata-audit.yaml").write_text(f"{setting}\n")
    args = ["audit", "--project-id", api.project_id, "--region", REGION, "--task", api.task_ids[0], "-o", "out"]
    if "endpoint" not in setting:
        args += ["--endpoint", api.endpoint]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "wedata-audit.yaml" in err and message in err and "internal error" not in err
    assert api.stats().total == 0


def test_a_command_line_zero_is_not_replaced_by_the_configuration(api: FakeWeData, env: None, tmp_path: Path,
                                                                  capsys) -> None:
    (tmp_path / "wedata-audit.yaml").write_text("rate: 50\ntimeout: 3\n")
    args = audit_args(api, tmp_path / "out", "--task", api.task_ids[0])
    args[args.index("--rate") + 1] = "0"
    assert main(args) == 2
    assert "--rate: must be a positive number" in capsys.readouterr().err


# ---------------------------------------------------------------- task listing (select)

def _select_config(tmp_path: Path, api: FakeWeData, select: str) -> None:
    (tmp_path / "wedata-audit.yaml").write_text(
        f"project_id: '{api.project_id}'\nregion: {REGION}\nendpoint: {api.endpoint}\nrate: 1000\nselect: {select}\n")


@pytest.mark.parametrize(("select", "code"), [
    ("{TaskTypeId: not-a-number}", "InvalidParameter"),
    ("{NoSuchFilter: 1}", "UnknownParameter"),
])
def test_select_filters_the_api_rejects_are_a_configuration_error(api: FakeWeData, env: None, tmp_path: Path,
                                                                  capsys, select: str, code: str) -> None:
    _select_config(tmp_path, api, select)
    assert main(["audit", "-o", "out", "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert "wedata-audit.yaml: select: ListTriggerTasks rejected these filters" in err and code in err
    assert "internal error" not in err
    assert api.stats().actions == {"ListTriggerTasks": 1}


def test_a_refusal_while_listing_writes_incomplete_reports(api: FakeWeData, env: None, tmp_path: Path,
                                                           monkeypatch, capsys) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "not-the-right-key-at-all")
    _select_config(tmp_path, api, "{}")
    assert main(["audit", "-o", "out", "--format", "json", "--format", "junit"]) == 2
    assert "AuthFailure.SignatureFailure" in capsys.readouterr().err
    doc = report(tmp_path / "out")
    assert doc["run"]["complete"] is False and "the API refused the run" in doc["run"]["incomplete_reason"]
    assert doc["tasks"] == [] and doc["summary"]["verdict"] == "INCOMPLETE"
    assert (tmp_path / "out" / "junit.xml").exists()
    assert api.stats().total == 1


def test_a_refusal_while_listing_lists_the_named_tasks_as_not_fetched(api: FakeWeData, env: None, tmp_path: Path,
                                                                      monkeypatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "not-the-right-key-at-all")
    _select_config(tmp_path, api, "{}")
    assert main(["audit", "-o", "out", "--format", "json", "--task", api.task_ids[0],
                 "--save-snapshots", "snaps"]) == 2
    [task] = report(tmp_path / "out")["tasks"]
    assert task["task_id"] == api.task_ids[0] and "not fetched" in task["error"]
    assert main(["check", "snaps", "-o", "offline", "--format", "json"]) == 3
    assert _outcomes(report(tmp_path / "offline")) == {api.task_ids[0]: ("errored", [])}


def test_a_failed_listing_leaves_the_named_tasks_audited_and_the_run_incomplete(api: FakeWeData, env: None,
                                                                                tmp_path: Path) -> None:
    _select_config(tmp_path, api, "{}")
    api.inject("data_missing")  # the first request is the listing
    assert main(["audit", "-o", "out", "--format", "json", "--task", api.task_ids[0]]) == 3
    doc = report(tmp_path / "out")
    assert doc["run"]["complete"] is False
    assert "ListTriggerTasks returned no Data" in doc["run"]["incomplete_reason"]
    assert [(t["task_id"], t["status"] != "errored") for t in doc["tasks"]] == [(api.task_ids[0], True)]


# ---------------------------------------------------------------- demo and execute_audit

def test_demo_does_not_read_the_configuration_of_the_current_folder(env: None, tmp_path: Path) -> None:
    (tmp_path / "wedata-audit.yaml").write_text("not_a_setting: 1\nselect: {WorkflowId: none}\n")  # invalid
    assert main(["demo", "--tasks", "12", "-o", "demo-out", "-q"]) == 1
    doc = json.loads((tmp_path / "demo-out" / "report.json").read_text())
    assert 12 < doc["summary"]["tasks"] <= 12 + len(SCENARIOS) and doc["run"]["complete"] is True


def test_the_option_select_wins_over_the_configuration(api: FakeWeData, env: None, tmp_path: Path) -> None:
    from wedata_audit.settings.options import ReportOptions
    from wedata_audit.sources.api.live import LiveOptions, execute_audit
    from wedata_audit.terminal import Terminal

    _select_config(tmp_path, api, "{WorkflowId: no-such-workflow}")
    opts = LiveOptions(config="wedata-audit.yaml", select={},
                       report=ReportOptions(formats=["json"], output_dir="out", quiet=True))
    assert execute_audit(opts, Terminal(quiet=True)) in (0, 1)
    assert len(report(tmp_path / "out")["tasks"]) == len(api.task_ids)


def test_execute_audit_raises_the_refusal_after_writing_the_reports(api: FakeWeData, env: None,
                                                                    tmp_path: Path) -> None:
    from wedata_audit.errors import EXIT_USAGE, FatalRemoteError
    from wedata_audit.settings.options import ReportOptions
    from wedata_audit.sources.api.credentials import from_keys
    from wedata_audit.sources.api.live import LiveOptions, execute_audit
    from wedata_audit.terminal import Terminal

    opts = LiveOptions(project_id=api.project_id, region=REGION, endpoint=api.endpoint, tasks=api.task_ids[:3],
                       report=ReportOptions(formats=["json"], output_dir="out", quiet=True))
    with pytest.raises(FatalRemoteError, match="AuthFailure") as info:
        execute_audit(opts, Terminal(quiet=True), credentials=from_keys(TEST_SECRET_ID, "wrong-key"))
    assert info.value.exit_code == EXIT_USAGE
    assert report(tmp_path / "out")["run"]["complete"] is False


def test_ctrl_c_while_listing_writes_an_incomplete_report(tmp_path: Path) -> None:
    with FakeWeData(corpus.generate(5, seed=5), rate_limit=0, latency=2.0) as api:
        _select_config(tmp_path, api, "{}")
        args = ["audit", "-o", "out", "--format", "json", "--task", api.task_ids[0], "--save-snapshots", "snaps"]
        code = interrupt_audit(api, tmp_path, args, once=("ListTriggerTasks", 1))
        assert api.stats().actions["GetTriggerTaskVersion"] == 0
    assert code == 3
    doc = report(tmp_path / "out")
    assert doc["run"]["complete"] is False and "while listing" in doc["run"]["incomplete_reason"]
    assert [(t["task_id"], t["status"]) for t in doc["tasks"]] == [(api.task_ids[0], "errored")]
    assert [p.name for p in (tmp_path / "snaps").glob("*.json")] == [f"{api.task_ids[0]}.json"]

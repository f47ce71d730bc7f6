"""`audit --cache DIR` against the fake API over loopback: a warm run re-reads only what changed (latest mode
with select), release mode lists versions fresh and takes approval from the list, corrupt entries are
discarded and fetched again, --refresh reads nothing from the cache, and verdicts match a cold run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main
from wedata_audit.demo import FakeWeData

from .conftest import REGION

GET = "GetTriggerTaskVersion"



def run(fake: FakeWeData, tmp_path: Path, name: str, *extra: str,
        quiet: bool = True) -> tuple[int, dict[str, Any], dict[str, int]]:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("select: {}\n")
    before = dict(fake.stats().by_action)
    out = tmp_path / name
    code = main(["audit", "--config", str(cfg), "--project-id", fake.project_id, "--region", REGION,
                 "--endpoint", fake.endpoint, "--rate", "500", "-o", str(out), "--format", "json",
                 *(["-q"] if quiet else []), "--cache", str(tmp_path / "cache"), *extra])
    after = fake.stats().by_action
    used = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
    return code, json.loads((out / "report.json").read_text()), used


def verdicts(doc: dict[str, Any]) -> dict[str, Any]:
    return {t["task_id"]: (t["version_id"], t["status"], t["outcomes"],
                           sorted((f["rule_id"], f["status"], f["message"]) for f in t["findings"]), t.get("release"))
            for t in doc["tasks"]}


def test_warm_latest_run_fetches_only_changed_tasks(env: None, tmp_path: Path) -> None:
    with FakeWeData(tasks=40, seed=11, rate_limit=0) as fake:
        code, cold, used = run(fake, tmp_path, "cold")
        fetched = used[GET]
        assert fetched == len(cold["tasks"])
        assert not any(t["meta"].get("cached") for t in cold["tasks"])
        # tasks whose approval is not decided are always fetched again
        undecided = {t["task_id"] for t in cold["tasks"] if any(
            f["rule_id"] == "approval-status" and "not approved" not in f["message"] for f in t["findings"])}
        code2, warm, used2 = run(fake, tmp_path, "warm")
        assert used2.get("ListTriggerTasks") == 1
        assert used2.get(GET, 0) == len(undecided)
        assert verdicts(warm) == verdicts(cold) and code2 == code
        cached = [t for t in warm["tasks"] if t["meta"].get("cached") == "True"]
        assert len(cached) == len(warm["tasks"]) - len(undecided)
        cold_meta = {t["task_id"]: t["meta"] for t in cold["tasks"]}
        for t in cached:  # the evidence is that of the response the version was first fetched in
            assert t["meta"]["request_id"] == cold_meta[t["task_id"]]["request_id"]
            assert t["meta"]["fetched_at"] == cold_meta[t["task_id"]]["fetched_at"]
        # two tasks change: exactly those (and the undecided ones) are fetched again
        changed = [t["task_id"] for t in cold["tasks"] if t["task_id"] not in undecided][:2]
        for task_id in changed:
            fake.submit_new_version(task_id, {"/Task/TriggerTaskSchedulerConfiguration/MaxRetryNumber": 3})
        _code, warm2, used3 = run(fake, tmp_path, "warm2")
        assert used3.get(GET, 0) == len(undecided) + 2
        new = {t["task_id"]: t for t in warm2["tasks"]}
        for task_id in changed:
            assert new[task_id]["version_id"] != cold_meta[task_id].get("version_id", "")
            assert "cached" not in new[task_id]["meta"]
        # --refresh ignores the cache for reading
        _code, _doc, used4 = run(fake, tmp_path, "refresh", "--refresh")
        assert used4[GET] == len(cold["tasks"])


def test_release_mode_reads_lists_fresh_and_approval_from_them(env: None, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    with FakeWeData(tasks=6, seed=4, scenarios=True, rate_limit=0) as fake:
        _code, cold, used = run(fake, tmp_path, "cold", "--versions", "release")
        n_tasks = used["ListTriggerTaskVersions"]
        assert used[GET] > 0
        _code, warm, used2 = run(fake, tmp_path, "warm", "--versions", "release")
        assert used2["ListTriggerTaskVersions"] == n_tasks  # always fresh
        assert used2.get(GET, 0) == 0
        assert verdicts(warm) == verdicts(cold)
        # an approval decided after the fetch is taken from the fresh list, not from the cached copy
        task = next(t for t in warm["tasks"] if t["task_id"] == "20231231000000005")  # approval-pending
        assert task["outcomes"]["approval-status"] == "fail"
        fake.set_approval(task["task_id"], task["version_id"], "APPROVED", approver="100077")
        _code, after, used3 = run(fake, tmp_path, "after", "--versions", "release")
        assert used3.get(GET, 0) == 0
        again = next(t for t in after["tasks"] if t["task_id"] == task["task_id"])
        assert again["outcomes"]["approval-status"] == "pass"
        # a corrupt entry is discarded (with a warning) and fetched again
        entry = next((tmp_path / "cache").rglob(f"{task['version_id']}.json"))
        doc = json.loads(entry.read_text())
        doc["data"]["VersionRemark"] = "edited in the cache"
        entry.write_text(json.dumps(doc))
        capsys.readouterr()
        _code, _doc, used4 = run(fake, tmp_path, "corrupt", "--versions", "release", quiet=False)
        assert used4.get(GET, 0) == 1
        assert "discarded" in capsys.readouterr().err

"""Cold vs warm version cache against the fake API at its 20 requests/s: prints figures, asserts nothing.

    python bench/cache_bench.py [--decided] [N] [CHANGED_PERCENT] [-- AUDIT OPTIONS...]   (default 1000 tasks, 2 %)

``--decided``: before the cold run, every latest submitted version whose ApproveStatus is null, empty or in
neither approval param is set to APPROVED at the fake, so that every approval is decided (the case the
issue's request goal describes; an undecided approval is always fetched again, by design).

Audit options after ``--`` go to both runs (e.g. ``--select kerberos-login`` to leave out the rules that
read task context, whose requests the version cache does not save).

1. cold: `wedata-audit audit --versions latest --cache DIR` with `select: {}` over N tasks (empty cache);
2. CHANGED_PERCENT of the submitted tasks get a new submitted version (fake.submit_new_version);
3. warm: the same command with the same cache;
and prints, for each run, the wall time and the requests per action (fake.stats().by_action), the goal
(at most ceil(N/200) + changed requests, under 10 % of the cold time) and whether the verdicts of the tasks
that did not change are identical.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from wedata_audit.cli import main as cli
from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData


def audit(fake: FakeWeData, cfg: Path, cache: Path, out: Path,
          extra: list[str]) -> tuple[float, dict[str, int], dict[str, Any]]:
    before = dict(fake.stats().by_action)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli(["audit", "--config", str(cfg), "--project-id", fake.project_id, "--region", "ap-singapore",
             "--endpoint", fake.endpoint, "--cache", str(cache), "-o", str(out), "--format", "json", "-q", *extra])
    took = time.perf_counter() - start
    after = fake.stats().by_action
    used = {k: after[k] - before.get(k, 0) for k in sorted(after) if after[k] - before.get(k, 0)}
    return took, used, json.loads((out / "report.json").read_text())


def verdicts(doc: dict[str, Any]) -> dict[str, Any]:
    return {t["task_id"]: (t["version_id"], t["status"], t["outcomes"],
                           sorted((f["rule_id"], f["status"], f["message"]) for f in t["findings"]))
            for t in doc["tasks"]}


def decide_approvals(fake: FakeWeData) -> int:
    """Set APPROVED on every latest submitted version whose approval is not decided; return how many."""
    from wedata_audit.policy.approval import approval_state
    from wedata_audit.settings.options import RuleOptions, build_ruleset

    approved, not_approved = [], []
    for rule in build_ruleset(RuleOptions()):
        if rule.id == "approval-status":
            approved, not_approved = rule.params["approved"], rule.params["not_approved"]
    count = 0
    for task_id in fake.task_ids:
        try:
            data = fake.corpus.detail(task_id)
        except KeyError:  # never submitted
            continue
        if approval_state(data.get("ApproveStatus"), approved, not_approved) not in ("approved", "not_approved"):
            fake.set_approval(task_id, data["VersionId"], "APPROVED")
            count += 1
    return count


def main(n: int, percent: float, extra: list[str], decided: bool = False) -> None:
    os.environ["TENCENTCLOUD_SECRET_ID"] = TEST_SECRET_ID
    os.environ["TENCENTCLOUD_SECRET_KEY"] = TEST_SECRET_KEY
    with tempfile.TemporaryDirectory() as tmp, FakeWeData(tasks=n, seed=2026, rate_limit=20) as fake:
        root = Path(tmp)
        cfg = root / "wedata-audit.yaml"
        cfg.write_text("select: {}\n")
        if decided:
            print(f"--decided: {decide_approvals(fake)} undecided approval(s) set to APPROVED before the cold run")
        cold_t, cold_used, cold = audit(fake, cfg, root / "cache", root / "cold", extra)
        submitted = [t["task_id"] for t in cold["tasks"] if not t["error"]]
        changed = submitted[:: max(1, round(100 / percent))][: math.ceil(n * percent / 100)]
        for task_id in changed:
            fake.submit_new_version(task_id, {"/Task/TriggerTaskSchedulerConfiguration/MaxRetryNumber": 3})
        warm_t, warm_used, warm = audit(fake, cfg, root / "cache", root / "warm", extra)
        goal = math.ceil(n / 200) + len(changed)
        same = {k: v for k, v in verdicts(cold).items() if k not in changed}
        warm_same = {k: v for k, v in verdicts(warm).items() if k not in changed}
        cached = sum(1 for t in warm["tasks"] if t["meta"].get("cached"))
        print(f"{n} tasks ({len(submitted)} with a submitted version), {len(changed)} changed, "
              f"fake API at 20 requests/s; audit options: {' '.join(extra) or '(none: the default pack)'}")
        print("| run | time | requests | by action |\n|---|---:|---:|---|")
        for name, took, used in (("cold", cold_t, cold_used), ("warm", warm_t, warm_used)):
            print(f"| {name} | {took:.1f} s | {sum(used.values())} | "
                  + ", ".join(f"{k} {v}" for k, v in used.items()) + " |")
        print(f"goal: at most {goal} requests and under 10 % of the cold time; warm made {sum(warm_used.values())} "
              f"({'met' if sum(warm_used.values()) <= goal else 'NOT met'}) in {warm_t / cold_t:.1%} of the cold "
              f"time ({'met' if warm_t < cold_t / 10 else 'NOT met'}); {cached} version(s) from the cache")
        undecided = {t["task_id"] for t in cold["tasks"] if t["task_id"] not in changed and any(
            f["rule_id"] == "approval-status" and "not approved" not in f["message"] for f in t["findings"])}
        print(f"warm GetTriggerTaskVersion: {len(changed)} changed task(s), {len(undecided)} task(s) whose approval is "
              "not decided (null, empty or unknown ApproveStatus: always fetched again, by design)")
        print(f"verdicts of the {len(same)} unchanged tasks identical: {same == warm_same}; "
              f"changed tasks re-read: {all(verdicts(warm)[t][0] != verdicts(cold)[t][0] for t in changed)}")


if __name__ == "__main__":
    args, extra = (sys.argv[1:sys.argv.index("--")], sys.argv[sys.argv.index("--") + 1:]) if "--" in sys.argv \
        else (sys.argv[1:], [])
    decided = "--decided" in args
    args = [a for a in args if a != "--decided"]
    main(int(args[0]) if args else 1000, float(args[1]) if len(args) > 1 else 2.0, extra, decided)

"""Benchmark the live fetch path against the fake API: 0.1 s latency per request, 20 requests/s enforced.

    .venv/bin/python bench/live_bench.py [--tasks 400] [--sequential-tasks 50]

Runs, each on a fresh server:
1. fetch_versions, 8 workers, client rate 20/s: goal (20 s + 1 s) + 5%, zero errored;
2. the same with 10% transient faults injected (5xx, resets, truncated JSON, HTML, hangs, InternalError):
   no task may be lost;
3. a sequential one-request-at-a-time loop, on fewer tasks, extrapolated to the full count.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, TRANSIENT_FAULTS, FakeWeData, Stats, corpus
from wedata_audit.sources.api.client import RetryPolicy, WeDataClient
from wedata_audit.sources.api.credentials import from_keys
from wedata_audit.sources.api.fetch import fetch_versions

LATENCY = 0.1
LIMIT = 20
REGION = "ap-singapore"


def _client(api: FakeWeData, timeout: float = 2.0) -> WeDataClient:
    return WeDataClient(from_keys(TEST_SECRET_ID, TEST_SECRET_KEY), REGION, endpoint=api.endpoint,
                        timeout=timeout, rate=LIMIT, retry=RetryPolicy(max_attempts=5, base=0.5, cap=8.0))


def _server(data: list[dict], fault_rate: float = 0.0) -> FakeWeData:
    return FakeWeData(data, rate_limit=LIMIT, latency=LATENCY, fault_rate=fault_rate, fault_kinds=TRANSIENT_FAULTS,
                      hang_seconds=5.0, seed=1)


def _line(stats: Stats) -> str:
    faults = {k: v for k, v in sorted(stats.outcomes.items()) if k != "Success"}
    return (f"requests {stats.total}, connections {stats.connections}, max/wall-clock second "
            f"{stats.max_per_second}, RequestLimitExceeded {stats.outcomes['RequestLimitExceeded']}, "
            f"non-success outcomes {faults or 'none'}")


def parallel(data: list[dict], fault_rate: float, label: str) -> tuple[float, int, int]:
    with _server(data, fault_rate) as api, _client(api) as client:
        started = time.monotonic()
        snaps = list(fetch_versions(client, api.project_id, [(t, None) for t in api.task_ids], workers=8))
        elapsed = time.monotonic() - started
        stats = api.stats()
    errored = sum(s.error is not None for s in snaps)
    print(f"{label}: {len(snaps)} snapshots in {elapsed:.2f} s ({len(snaps) / elapsed:.1f} tasks/s), "
          f"errored {errored}, lost {len(data) - len(snaps)}")
    print(f"    server: {_line(stats)}")
    return elapsed, errored, len(data) - len(snaps)


def whole_command(data: list[dict]) -> float:
    """`wedata-audit audit` as a user runs it (start-up, fetch, audit, three reports), as a subprocess."""
    with _server(data) as api, tempfile.TemporaryDirectory() as tmp:
        tasks_file = os.path.join(tmp, "tasks.txt")
        with open(tasks_file, "w") as fh:
            fh.write("\n".join(api.task_ids))
        env = {**os.environ, "TENCENTCLOUD_SECRET_ID": TEST_SECRET_ID, "TENCENTCLOUD_SECRET_KEY": TEST_SECRET_KEY}
        cmd = [sys.executable, "-m", "wedata_audit", "audit", "--project-id", api.project_id, "--region", REGION,
               "--endpoint", api.endpoint, "--tasks-file", tasks_file, "-o", os.path.join(tmp, "reports"), "-q"]
        started = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        stats = api.stats()
    print(f"whole command (wedata-audit audit, start-up and 3 reports included): {elapsed:.2f} s, "
          f"exit {proc.returncode}: {proc.stdout.strip()}")
    print(f"    server: {_line(stats)}")
    return elapsed


def sequential(data: list[dict], count: int, total: int) -> float:
    with _server(data) as api, _client(api) as client:
        ids = api.task_ids[:count]
        started = time.monotonic()
        for task_id in ids:
            client.call("GetTriggerTaskVersion", {"ProjectId": api.project_id, "TaskId": task_id})
        elapsed = time.monotonic() - started
        stats = api.stats()
    estimate = elapsed / count * total
    print(f"sequential, one request at a time: {count} tasks in {elapsed:.2f} s ({count / elapsed:.1f} tasks/s); "
          f"extrapolated to {total} tasks: {estimate:.1f} s (measured on {count}, not run on all {total})")
    print(f"    server: {_line(stats)}")
    return estimate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--sequential-tasks", type=int, default=50)
    args = parser.parse_args()
    data = corpus.generate(args.tasks, seed=2025)
    floor = (args.tasks - 1) / LIMIT + LATENCY
    goal = (args.tasks / LIMIT + 1.0) * 1.05
    print(f"{args.tasks} tasks, fake API latency {LATENCY} s, limit {LIMIT}/s per wall-clock second, 8 workers; "
          f"floor {floor:.2f} s, goal <= {goal:.2f} s")
    clean, errored, lost = parallel(data, 0.0, "parallel, no faults")
    faulty, f_errored, f_lost = parallel(data, 0.10, "parallel, 10% transient faults")
    command = whole_command(data)
    seq = sequential(data, min(args.sequential_tasks, args.tasks), args.tasks)
    ok = clean <= goal and command <= goal and errored == 0 and f_lost == 0 and f_errored == 0 and lost == 0
    print(f"summary: parallel {clean:.2f} s, whole command {command:.2f} s (goal {goal:.2f} s), "
          f"with faults {faulty:.2f} s, "
          f"sequential ~{seq:.1f} s -> {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Coverage benchmark: what tallying rules and computing framework coverage adds to a run, and its memory.

Audits N generated versions with the default pack once (results kept), then times
  1. feeding every task result to a TallyCounter (what a streaming run adds per task);
  2. computing the coverage of the three bundled frameworks from the tallies;
and prints the time per 10,000 tasks and the tally's peak memory (tracemalloc) at N/10 and N tasks, which
should be about equal: memory is bounded by rules x failing-task limit, not by tasks.

    python bench/coverage_bench.py [N]        (default 50000)
"""

from __future__ import annotations

import sys
import time
import tracemalloc

from wedata_audit.demo.corpus import generate
from wedata_audit.engine import Engine
from wedata_audit.model.results import TaskResult
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.frameworks import load_catalogues
from wedata_audit.settings.options import RuleOptions, build_ruleset
from wedata_audit.stages.coverage import TallyCounter, compute_coverage


def audited(n: int) -> tuple[list[TaskResult], Engine]:
    engine = Engine(build_ruleset(RuleOptions()))
    return [engine.audit(Snapshot(source=f"t{i}.json", data=d)) for i, d in enumerate(generate(n, seed=7))], engine


def tally_peak(tasks: list[TaskResult]) -> tuple[float, int, TallyCounter]:
    """Time without tracing (tracemalloc slows every allocation), then peak memory in a traced second pass."""
    counter = TallyCounter()
    start = time.perf_counter()
    for task in tasks:
        counter.add(task)
    elapsed = time.perf_counter() - start
    traced = TallyCounter()
    tracemalloc.start()
    for task in tasks:
        traced.add(task)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, counter


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    t0 = time.perf_counter()
    tasks, engine = audited(n)
    print(f"audited {n} generated versions in {time.perf_counter() - t0:.1f} s (setup, not measured below)")
    for size in (n // 10, n):
        elapsed, peak, counter = tally_peak(tasks[:size])
        print(f"tally {size:>7} tasks: {elapsed * 1000:8.1f} ms ({elapsed / size * 1e4 * 1000:.1f} ms per 10,000), "
              f"peak tally memory {peak / 1024:.0f} KiB")
    catalogues = load_catalogues()
    start = time.perf_counter()
    coverage = compute_coverage(catalogues, counter.tallies(), [r.info for r in engine.rules])
    print(f"coverage of {len(catalogues)} frameworks: {(time.perf_counter() - start) * 1000:.2f} ms")
    for cov in coverage:
        print(f"  {cov.id:15} {cov.summary()}")


if __name__ == "__main__":
    main()

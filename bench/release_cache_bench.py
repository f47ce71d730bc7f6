"""Local cost of the release review and of the version cache (no API): prints figures, asserts nothing.

    python bench/release_cache_bench.py [N]      (default 1000 tasks)

1. ``changes()`` between an earlier version and the latest of N generated tasks (a code line and one
   ext value edited in each), per task;
2. the cache: N cold ``put`` + ``put_index``, then a warm ``latest()`` lookup per task (what a nightly
   ``--versions latest`` run does instead of a request), its size on disk.
"""

from __future__ import annotations

import base64
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from wedata_audit import corpus
from wedata_audit.sources.api.cache import VersionCache
from wedata_audit.stages.release.changes import changes, decode_code


def main(n: int) -> None:
    latest = corpus.generate(n, seed=7)
    pairs = []
    for data in latest:
        (old,) = corpus.earlier_versions(data, 1) or [data]
        cfg = data["Task"]["TriggerTaskConfiguration"]
        code = decode_code(cfg.get("CodeContent"))[0] + "\necho release\n"
        cfg["CodeContent"] = base64.b64encode(code.encode()).decode()
        for item in cfg.get("TaskExtConfigurationList") or []:
            if item.get("ParamKey") == "waitExecutionTotalTTL":
                item["ParamValue"] = "120"
        pairs.append((old, data))

    start = time.perf_counter()
    total = sum(len(changes(old, new)) for old, new in pairs)
    took = time.perf_counter() - start
    print(f"changes(): {n} tasks in {took:.2f} s ({took / n * 1000:.2f} ms per task, {total / n:.1f} changes each)")

    fetched = datetime.now(timezone.utc)
    stamp = fetched.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    project = corpus.DEFAULT_PROJECT_ID
    with tempfile.TemporaryDirectory() as tmp:
        cache = VersionCache(tmp)
        listings = []
        start = time.perf_counter()
        for i, data in enumerate(latest):
            base = data["Task"]["TriggerTaskBaseAttribute"]
            cache.put(project, base["TaskId"], data["VersionId"], data, request_id=f"req-{i}", fetched_at=stamp)
            cache.put_index(project, base["TaskId"], base, data["VersionId"], stamp)
            listings.append(base)
        cold = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
        warm_cache = VersionCache(tmp)
        start = time.perf_counter()
        hits = sum(
            warm_cache.latest(project, item["TaskId"], item, is_decided=lambda s: True,
                              now=fetched + timedelta(hours=1)) is not None
            for item in listings)
        warm = time.perf_counter() - start
    print(f"cache: {n} puts (version + index) in {cold:.2f} s; {size / 1e6:.1f} MB on disk")
    print(f"cache: {n} warm latest() lookups in {warm:.2f} s ({warm / n * 1000:.2f} ms each), {hits} hits; "
          f"at 20 requests/s the same versions take {n / 20:.0f} s of API quota")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)

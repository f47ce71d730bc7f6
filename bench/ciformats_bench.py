"""CI-native formats at scale: `wedata-audit check` with one format at a time on N versions (JSON Lines, the
fake API's corpus trimmed to about 2 KB, about 4 findings each), as a subprocess: time, peak RSS (wait4),
the report's size, and the same run with `--format json` alone as the reference. SARIF, codequality and
github read each snapshot file again to find the line of every failing key (KeyLines).

    python bench/ciformats_bench.py [N ...]        (default 10000)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMATS = ("json", "sarif", "codequality", "github")


def run(corpus: Path, out: Path, fmt: str) -> tuple[float, float, int]:
    python = os.environ.get("BENCH_PYTHON", sys.executable)
    target = out / f"{fmt}.out"
    cmd = [python, "-m", "wedata_audit", "check", str(corpus), "-q", "--project-id", "1460947878944567296",
           "--format", f"{fmt}={target}"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        raise SystemExit(f"{fmt}: exit {code}")
    return elapsed, usage.ru_maxrss / 1024, target.stat().st_size if target.exists() else 0


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000]
    print("| versions | format | time | peak RSS | report |")
    print("|---:|---|---:|---:|---:|")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="wedata-ci-bench-") as tmp:
            corpus = Path(tmp) / "versions.jsonl"
            # in a child process: the bench's own memory must not count as the audit's peak (RSS is
            # inherited across fork)
            subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                            "from pipeline_bench import write_corpus; from pathlib import Path; "
                            "write_corpus(Path(sys.argv[2]), int(sys.argv[3]))",
                            str(Path(__file__).resolve().parent), str(corpus), str(n)], check=True)
            for fmt in FORMATS:
                elapsed, rss, size = run(corpus, Path(tmp), fmt)
                print(f"| {n:,} | {fmt} | {elapsed:.1f} s | {rss:.0f} MB | {size / 1e6:.1f} MB |", flush=True)


if __name__ == "__main__":
    main()

"""Size benchmark: `wedata-audit check` on three very large inputs, as a subprocess, with time and peak memory.

The inputs are those of tests/test_size_bounds.py (tests/size_inputs.py):
  1. one version whose CodeContent is 20 MB (Base64 of about 15 MB of shell script);
  2. one version whose TaskExtConfigurationList holds 100,000 entries;
  3. 50,000 versions in one JSON Lines file (about 140 MB).
Each runs as `python -m wedata_audit check FILE -o DIR -q` with the default reports (html, junit, json),
start-up included. Peak memory is the maximum resident set size of the CLI process (getrusage of a
fresh parent per case, so one case's peak never shows in the next). With --tracemalloc each case runs
once more in a child that traces Python allocations and reports their peak (much slower).

    python bench/size_bench.py [--tracemalloc] [--formats html,junit,json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.size_inputs import write_big_code, write_big_ext, write_many_tasks  # noqa: E402

# Runs a command and prints its peak resident set size (KiB on Linux).
PEAK_RSS = """
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
"""
# Runs the CLI in process under tracemalloc and prints the peak of traced Python allocations (bytes).
TRACED = """
import sys, tracemalloc
tracemalloc.start()
from wedata_audit.cli import main
rc = main(sys.argv[1:])
print(tracemalloc.get_traced_memory()[1], file=sys.stderr)
sys.exit(rc)
"""

CASES: list[tuple[str, str, Callable[[Path], object]]] = [
    ("CodeContent 20 MB", "big-code.json", write_big_code),
    ("TaskExtConfigurationList 100,000 entries", "big-ext.json", write_big_ext),
    ("50,000 versions, JSON Lines", "many.jsonl", write_many_tasks),
]


def cli_args(path: Path, out: Path, formats: list[str]) -> list[str]:
    args = ["check", str(path), "-o", str(out), "-q"]
    for f in formats:
        args += ["--format", f]
    return args


def run_case(path: Path, out: Path, formats: list[str]) -> tuple[float, int, float]:
    cmd = [sys.executable, "-c", PEAK_RSS, sys.executable, "-m", "wedata_audit", *cli_args(path, out, formats)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    peak_mb = int(proc.stdout.strip().splitlines()[-1]) / 1024
    return elapsed, proc.returncode, peak_mb


def traced_peak(path: Path, out: Path, formats: list[str]) -> float:
    proc = subprocess.run([sys.executable, "-c", TRACED, *cli_args(path, out, formats)],
                          capture_output=True, text=True, check=False)
    return int(proc.stderr.strip().splitlines()[-1]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracemalloc", action="store_true", help="also report the peak of Python allocations")
    parser.add_argument("--formats", default="html,junit,json", help="report formats (default: %(default)s)")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    print(f"python {sys.version.split()[0]}, reports: {', '.join(formats)}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, name, write in CASES:
            folder = Path(tmp) / name.split(".")[0]
            folder.mkdir()
            path = folder / name
            write(path)
            size = path.stat().st_size
            elapsed, code, peak = run_case(path, folder / "reports", formats)
            report = json.loads((folder / "reports" / "report.json").read_text()) if "json" in formats else None
            summary = report["summary"] if report else {}
            reports = sum(f.stat().st_size for f in (folder / "reports").iterdir())
            line = (f"{label}: input {size / 1e6:.1f} MB, {elapsed:.2f} s, peak RSS {peak:.0f} MB, exit {code}, "
                    f"reports {reports / 1e6:.1f} MB")
            if summary:
                line += (f"; {summary['tasks']} task(s): {summary['passed']} passed, {summary['failed']} failed,"
                         f" {summary['errored']} errored, {summary['findings']} finding(s)")
            print(line, flush=True)
            if args.tracemalloc:
                traced = traced_peak(path, folder / "traced", formats)
                print(f"    traced Python allocations, peak: {traced:.0f} MB", flush=True)
            for f in folder.rglob("*"):
                if f.is_file():
                    f.unlink()


if __name__ == "__main__":
    main()

"""Offline benchmark: `wedata-audit check` end to end against a bare read-and-validate loop.

Generates N realistic versions (about 5 KB each, one API response per file), then times
  1. the bare loop: read every file, parse it, validate its Data with a compiled jsonschema validator
     of the same schema (in this process, no start-up cost);
  2. `wedata-audit check DIR` with html, junit and json reports, as a subprocess (start-up included),
     with its peak memory;
and prints the ratio, versions per second (goal: 40 x Spectral's ~50/s = 2,000/s) and report sizes.

    python bench/offline_bench.py [N]        (default 10000)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jsonschema

from wedata_audit.demo.corpus import generate, response
from wedata_audit.util.resources import load_schema


def write_corpus(folder: Path, n: int) -> None:
    for i, data in enumerate(generate(n, seed=7)):
        (folder / f"v{i:06d}.json").write_text(json.dumps(response(data, f"req-{i}")))


def bare_loop(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    validator = jsonschema.Draft202012Validator(load_schema("trigger-task-version.schema.json"))
    invalid = 0
    for f in sorted(folder.glob("*.json")):
        doc = json.loads(f.read_text(encoding="utf-8"))
        if not validator.is_valid(doc["Response"]["Data"]):
            invalid += 1
    return time.perf_counter() - start, invalid


def audit(folder: Path, out: Path) -> tuple[float, int, float]:
    cmd = [sys.executable, "-m", "wedata_audit", "check", str(folder), "-o", str(out), "-q"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"audit failed ({proc.returncode}): {proc.stderr}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, proc.returncode, peak_mb


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "reports"
        corpus.mkdir()
        write_corpus(corpus, n)
        size = sum(f.stat().st_size for f in corpus.iterdir())
        print(f"corpus: {n} versions, {size / n / 1024:.1f} KB each, {size / 1e6:.1f} MB")
        bare, invalid = bare_loop(corpus)
        print(f"bare loop (read + parse + jsonschema is_valid): {bare:.2f} s, {n / bare:,.0f} versions/s"
              f" ({invalid} invalid)")
        full, code, peak = audit(corpus, out)
        print(f"wedata-audit check, 3 reports, start-up included: {full:.2f} s, {n / full:,.0f} versions/s,"
              f" exit {code}, peak memory {peak:.0f} MB")
        print(f"ratio audit / bare loop: {full / bare:.2f} (goal <= 1.5)")
        print(f"versions/s vs goal 2,000 (40 x Spectral ~50/s): {n / full / 2000:.1f}x of the goal")
        for f in sorted(out.iterdir()):
            print(f"report {f.name}: {f.stat().st_size / 1e6:.2f} MB")
        report = json.loads((out / "report.json").read_text())
        print("summary:", json.dumps(report["summary"]))


if __name__ == "__main__":
    main()

"""Pipeline benchmark: `wedata-audit check` with all six formats at 10,000 and 50,000 versions.

Generates N realistic versions as JSON Lines, either the fake API's corpus trimmed to about 2 KB each
(findings as the corpus has them, about 4 each) or, with ``--spec``, the documentation's example made
compliant with one rule broken in turn (about 2 KB, one finding each), runs
`wedata-audit check FILE --format ...` (all six formats) as a
subprocess, and prints a table: time, versions/s, peak RSS of that process (from wait4), and the size of
each report. The streamed pipeline keeps memory flat in the number of versions: the goal is a 50,000-
version peak of at most 300 MB and at most 1.5 x the 10,000-version peak, with the JUnit file under
GitLab's 30 MB cap.

    python bench/pipeline_bench.py [--spec] [N ...]        (default 10000 50000)
    BENCH_PYTHON=/path/to/other/venv/bin/python python bench/pipeline_bench.py --spec   (compare)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    from wedata_audit.demo.corpus import generate
except ImportError:  # a tree from before the demo package (to compare with an older version)
    from wedata_audit.corpus import generate  # type: ignore[no-redef]

FORMATS = ("html", "junit", "json", "sarif", "markdown", "csv")
TARGET_BYTES = 2048


def trimmed(data: dict) -> dict:
    """A version of about TARGET_BYTES: long code and long ext lists shortened (the rest kept)."""
    task = data.get("Task") or {}
    conf = task.get("TriggerTaskConfiguration") or {}
    if isinstance(conf.get("CodeContent"), str):
        conf["CodeContent"] = conf["CodeContent"][:200]
    ext = conf.get("TaskExtConfigurationList")
    while isinstance(ext, list) and len(ext) > 4 and len(json.dumps(data)) > TARGET_BYTES:
        ext.pop()
    return data


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "latest-version-v4.response.json"
# One rule broken per version, in turn: about one finding each.
BREAKS = ("description", "kerberos", "approval", "wait-ttl")


def spec_versions(n: int) -> Iterator[dict]:
    """The documentation's example made compliant, then one rule broken in turn; ids varied per version."""
    base = json.loads(EXAMPLE.read_text(encoding="utf-8"))["Response"]["Data"]
    base["ApproveStatus"] = "APPROVED"
    base["ApproveUserUin"] = "100028660434"
    attrs = base["Task"]["TriggerTaskBaseAttribute"]
    attrs["TaskDescription"] = "Loads the orders table"
    ext = base["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"]
    wanted = {"enableKerberosLogin": "true", "waitExecutionTotalTTL": "120", "executionTTLStrategy": "fail",
              "waitExecutionTotalTTLStrategy": "fail", "python_sub_version": "python3.11"}
    ext[:] = [item for item in ext if item.get("ParamKey") not in wanted]
    ext[:0] = [{"ParamKey": k, "ParamValue": v} for k, v in wanted.items()]  # kept by trimmed()
    text = json.dumps(base)
    for i in range(n):
        data = json.loads(text)
        attrs = data["Task"]["TriggerTaskBaseAttribute"]
        attrs["TaskId"] = f"2025{i:013d}"
        attrs["TaskName"] = f"ods_orders_{i}"
        data["VersionId"] = f"v-{i:08d}"
        broken = BREAKS[i % len(BREAKS)]
        if broken == "description":
            attrs["TaskDescription"] = ""
        elif broken == "approval":
            data["ApproveStatus"] = ""
        else:
            key = "enableKerberosLogin" if broken == "kerberos" else "waitExecutionTotalTTL"
            for item in data["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"]:
                if item["ParamKey"] == key:
                    item["ParamValue"] = "false" if broken == "kerberos" else "0"
        yield trimmed(data)


def write_corpus(path: Path, n: int, kind: str = "corpus") -> int:
    size = 0
    versions = spec_versions(n) if kind == "spec" else (trimmed(d) for d in generate(n, seed=11))
    with path.open("w", encoding="utf-8") as fh:
        for data in versions:
            line = json.dumps({"Response": {"Data": data, "RequestId": "req"}}, ensure_ascii=False)
            size += len(line) + 1
            fh.write(line + "\n")
    return size


def run(corpus: Path, out: Path) -> tuple[float, int, float]:
    # BENCH_PYTHON: another interpreter (e.g. a virtualenv with an earlier version installed) to compare with.
    python = os.environ.get("BENCH_PYTHON", sys.executable)
    cmd = [python, "-m", "wedata_audit", "check", str(corpus), "-o", str(out), "-q",
           "--project-id", "1460947878944567296", *(a for f in FORMATS for a in ("--format", f))]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=corpus.parent)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        sys.exit(f"check failed ({code}): {proc.stderr.read().decode() if proc.stderr else ''}")
    return elapsed, code, usage.ru_maxrss / 1024


def summary_of(report: Path) -> dict:
    """The ``summary`` line near the top of the JSON report, without loading the whole report: this process
    must stay small (see below)."""
    with report.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith(' "summary": '):
                return json.loads(line.removeprefix(' "summary": ').rstrip().rstrip(","))
    raise SystemExit(f"no summary in {report}")


def main() -> None:
    if sys.argv[1:2] == ["--write"]:  # in a process of its own: see below
        print(write_corpus(Path(sys.argv[3]), int(sys.argv[2]), sys.argv[4]))
        return
    args = sys.argv[1:]
    kind = "corpus"
    if args[:1] == ["--spec"]:
        kind, args = "spec", args[1:]
    sizes = [int(a) for a in args] or [10_000, 50_000]
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            corpus, out = Path(tmp) / "versions.jsonl", Path(tmp) / "reports"
            # Written by another process: on Linux a child's peak RSS starts at its parent's RSS at fork
            # time, so this process must stay small for the measured peak to be the audit's own.
            done = subprocess.run([sys.executable, __file__, "--write", str(n), str(corpus), kind], check=True,
                                  capture_output=True, text=True)
            size = int(done.stdout.strip())
            elapsed, code, peak = run(corpus, out)
            reports = {f.name: f.stat().st_size for f in out.iterdir()}
            findings = summary_of(out / "report.json")["findings"]
            rows.append((n, size / n, findings / max(n, 1), elapsed, n / elapsed, peak, code, reports))
    print("| versions | KB/version | findings/version | time | versions/s | peak RSS | exit | "
          + " | ".join(f"{f}" for f in sorted(rows[0][7])) + " |")
    print("|" + "---:|" * (7 + len(rows[0][7])))
    for n, per, fpv, elapsed, rate, peak, code, reports in rows:
        cells = [f"{n:,}", f"{per / 1024:.1f}", f"{fpv:.2f}", f"{elapsed:.1f} s", f"{rate:,.0f}", f"{peak:.0f} MB",
                 str(code), *(f"{reports[k] / 1e6:.1f} MB" for k in sorted(reports))]
        print("| " + " | ".join(cells) + " |")
    if len(rows) >= 2:
        print(f"peak ratio {rows[-1][0]:,} / {rows[0][0]:,}: {rows[-1][5] / rows[0][5]:.2f} (goal <= 1.5; "
              f"and <= 300 MB at 50,000)")


if __name__ == "__main__":
    main()

"""SIGTERM and SIGINT, once or twice, end a `check` run the same way: every requested report written whole
and marked incomplete, no temporary file left, exit 3, within a few seconds (a real process, a real signal)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from .conftest import example_data

FORMATS = ("html", "junit", "json", "sarif", "markdown", "csv")
VERSIONS = 40_000


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "versions.jsonl"
    data = example_data()
    with path.open("w", encoding="utf-8") as fh:
        for i in range(VERSIONS):
            data["VersionId"] = f"v-{i:06d}"
            fh.write(json.dumps(data) + "\n")
    return path


def wait_for_run(out: Path, proc: subprocess.Popen[bytes]) -> None:
    """Until tasks are being streamed to the reports (a spool file has content)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and any(p.name.endswith(".part") and _size(p) > 0 for p in out.iterdir()):
            return
        time.sleep(0.02)
    raise AssertionError("the run never started streaming its reports")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed into place meanwhile
        return 0


@pytest.mark.parametrize(("sig", "times"), [(signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2),
                                            (signal.SIGINT, 2)])
def test_a_signal_ends_check_with_complete_reports_marked_incomplete(big_input: Path, tmp_path: Path,
                                                                     sig: signal.Signals, times: int) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "wedata_audit", "check", str(big_input), "-o", str(out), "-q",
           *(a for f in FORMATS for a in ("--format", f))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_run(out, proc)
    sent = time.monotonic()
    for _ in range(times):
        proc.send_signal(sig)
        time.sleep(0.05)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err.decode()
    assert time.monotonic() - sent < 10
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["report.html", "junit.xml", "report.json", "report.sarif", "report.md", "findings.csv"])
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    name = "SIGTERM" if sig == signal.SIGTERM else "SIGINT"
    assert doc["run"]["complete"] is False and name in doc["run"]["incomplete_reason"]
    assert 0 < len(doc["tasks"]) < VERSIONS  # stopped part-way, everything audited so far reported
    assert doc["summary"]["tasks"] == len(doc["tasks"])
    junit = etree.parse(str(out / "junit.xml")).getroot()
    assert junit.find("testsuite").get("name") == "wedata-audit"  # the incomplete flag comes first
    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "INCOMPLETE" in (out / "report.md").read_text(encoding="utf-8").splitlines()[0]
    assert "AUDIT INCOMPLETE" in (out / "report.html").read_text(encoding="utf-8")[:2000]

"""Messages a person understands: each case a new user hit, worded as the issue asks."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from wedata_audit.cli import main
from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData, corpus
from wedata_audit.sources.api.live import demo_closing_line

from .conftest import EXAMPLES

WAIVER = """waivers:
  - rule: {rule}
    task_id: "20251121163138956"
    reason: accepted
    approved_by: lead@example.com
    expires: {expires}
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("expires", ["31/12/2026", "2026-02-30", "'2026-1-5'"])
def test_a_bad_waiver_date_says_the_expected_form(tmp_path: Path, capsys, expires: str) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(WAIVER.format(rule="owner", expires=expires))
    code, _, err = run(["check", str(EXAMPLES), "--waivers", str(waivers), "-o", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "expected a date as YYYY-MM-DD" in err and "\\d" not in err


def test_a_waiver_for_a_rule_that_does_not_exist_is_an_error(tmp_path: Path, capsys) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(WAIVER.format(rule="kerberos-logn", expires="2099-01-01"))
    code, _, err = run(["check", str(EXAMPLES), "--waivers", str(waivers), "-o", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "'kerberos-logn' names no rule" in err and "did you mean 'kerberos-login'" in err


def test_a_waiver_for_a_deselected_rule_is_only_unused(tmp_path: Path, capsys) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(WAIVER.format(rule="kerberos-login", expires="2099-01-01"))
    code, out, _ = run(["check", str(EXAMPLES), "--waivers", str(waivers), "--select", "owner",
                        "-o", str(tmp_path / "o")], capsys)
    assert code == 0
    assert "1 unused" in out


def test_a_malformed_param_value_blames_the_value(tmp_path: Path, capsys) -> None:
    code, _, err = run(["check", str(EXAMPLES), "--param", "python-version.allowed=[python3.12",
                        "-o", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "'[python3.12' is not valid YAML" in err and "rules/" not in err


def test_verdict_line_does_not_contradict_a_pass(tmp_path: Path, capsys) -> None:
    code, out, _ = run(["check", str(EXAMPLES), "--fail-on", "critical", "-q", "-o", str(tmp_path / "o")], capsys)
    assert code == 0
    assert out.startswith("wedata-audit: PASS: 2 task version(s): 0 failing the gate (critical), "
                          "2 with findings below it, 0 clean, 0 errored")
    assert "failed" not in out


def test_quiet_prints_only_the_verdict_line_even_with_warnings(tmp_path: Path, monkeypatch, capfd) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", TEST_SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("HOME", str(tmp_path))
    outputs = {}
    with FakeWeData(corpus.generate(3, seed=3), rate_limit=0) as api:
        api.set_faults(1.0, ["http_500"])  # every request fails: retried, then errored, with a warning each
        for quiet in (False, True):
            code = main(["audit", "--project-id", api.project_id, "--region", "ap-singapore", "--endpoint",
                         api.endpoint, "--rate", "200", "--timeout", "1", "-o", str(tmp_path / "o"), "--format",
                         "json", *(["-q"] if quiet else []), *[a for t in api.task_ids for a in ("--task", t)]])
            assert code == 3
            out, err = capfd.readouterr()
            outputs[quiet] = [line for line in (out + err).splitlines() if line.strip()]
    assert any("WARNING" in line for line in outputs[False])  # there were warnings to silence
    assert len(outputs[True]) == 1 and outputs[True][0].startswith("wedata-audit: INCOMPLETE"), outputs[True]


def _terminal_output(env: dict[str, str], cwd: Path) -> bytes:
    """Run a check with its standard output on a pseudo-terminal, as a person sees it."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "wedata_audit", "check", str(EXAMPLES), "-o", "out"],
                            stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=30)
    os.close(master)
    return b"".join(chunks)


def test_no_color_is_honoured_on_a_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = _terminal_output(env, tmp_path)
    assert b"\x1b[" in coloured and b"FAIL" in coloured  # on a terminal, colours by default
    plain = _terminal_output({**env, "NO_COLOR": "1"}, tmp_path)
    assert b"\x1b[" not in plain and b"FAIL" in plain


def test_demo_closing_line_names_only_written_reports_and_the_true_exit_code(tmp_path: Path) -> None:
    line = demo_closing_line(3, [tmp_path / "report.json"])
    assert "exit code 3 (the audit is incomplete)" in line and "report.json" in line
    assert "report.html" not in line and "gate failed" not in line
    line = demo_closing_line(1, [tmp_path / "report.html", tmp_path / "junit.xml"])
    assert "open " in line and "report.html" in line and "exit code 1 (findings at or above the gate" in line
    assert "no report was written" in demo_closing_line(2, [])


def test_demo_with_json_only_names_the_json_report(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["demo", "--tasks", "5", "-o", "d", "--format", "json"], capsys)
    last = out.strip().splitlines()[-1]
    assert last.startswith("demo: done;") and "report.json" in last and "report.html" not in last
    assert f"exit code {code} (" in last

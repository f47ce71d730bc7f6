"""The command line end to end, in process: every exit code, report options, rule commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main

from .conftest import EXAMPLES, example_data
from .size_inputs import make_compliant


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(tmp_path: Path, data: dict[str, Any], name: str = "t.json") -> str:
    f = tmp_path / name
    f.write_text(json.dumps({"Response": {"Data": data, "RequestId": "r"}}))
    return str(f)


def test_examples_fail_the_gate_with_exactly_the_documented_rules(tmp_path: Path, capsys) -> None:
    code, out, _ = run(["check", str(EXAMPLES), "-o", str(tmp_path), "--format", "json"], capsys)
    assert code == 1
    report = json.loads((tmp_path / "report.json").read_text())
    for task in report["tasks"]:
        assert sorted({f["rule_id"] for f in task["findings"]}) == [
            "approval-status", "description", "kerberos-login", "wait-ttl-bounded"]
    assert "FAIL" in out and "report:" in out


def test_compliant_version_passes(tmp_path: Path, capsys, data) -> None:
    code, out, _ = run(["check", snapshot(tmp_path, make_compliant(data)), "-o", str(tmp_path)], capsys)
    assert code == 0, out
    assert {p.name for p in tmp_path.iterdir()} >= {"report.html", "junit.xml", "report.json"}


def test_fail_on_threshold(tmp_path: Path, capsys, data) -> None:
    data = make_compliant(data)
    data["Task"]["TriggerTaskBaseAttribute"]["TaskDescription"] = ""  # a low finding only
    path = snapshot(tmp_path, data)
    assert run(["check", path, "-o", str(tmp_path)], capsys)[0] == 0
    assert run(["check", path, "-o", str(tmp_path), "--fail-on", "low"], capsys)[0] == 1


def test_errored_task_makes_the_audit_incomplete_and_wins_over_findings(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{truncated")
    code, out, _ = run(["check", str(EXAMPLES), str(bad), "-o", str(tmp_path), "--format", "json"], capsys)
    assert code == 3
    assert "INCOMPLETE" in out and "bad.json" in out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["run"]["complete"] is False
    errored = [t for t in report["tasks"] if t["status"] == "errored"]
    assert len(errored) == 1 and "invalid JSON" in errored[0]["error"]
    assert len(report["tasks"]) == 3  # the good ones were still audited


@pytest.mark.parametrize("args", [
    ["check", "/no/such/file"],
    ["check", str(EXAMPLES), "--format", "pdf"],
    ["check", str(EXAMPLES), "--fail-on", "extreme"],
    ["check", str(EXAMPLES), "--select", "no-such-rule"],
    ["check", str(EXAMPLES), "--param", "owner.nope=1"],
    ["check"],
    ["nonsense"],
])
def test_usage_errors_exit_2(args: list[str], capsys, tmp_path: Path) -> None:
    code, _, err = run([*args, "-o", str(tmp_path)] if args[0] == "check" and len(args) > 1 else args, capsys)
    assert code == 2
    assert err.strip() and "internal error" not in err


def test_broken_rule_file_exits_2_naming_it(tmp_path: Path, capsys) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text("- id: x\n  title: t\n  severity: low\n  description: d\n  remediation: r\n"
                     "  check: {key: a, op: nope}\n")
    code, _, err = run(["check", str(EXAMPLES), "--rules", str(rules), "-o", str(tmp_path)], capsys)
    assert code == 2
    assert str(rules) in err and "rule 'x'" in err and "unknown operator 'nope'" in err
    assert not (tmp_path / "report.json").exists()


def test_internal_error_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path: Path) -> None:
    def boom(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("wedata_audit.engine.Engine.audit", boom)
    code, _, err = run(["check", str(EXAMPLES), "-o", str(tmp_path)], capsys)
    assert code == 2
    assert "internal error: RuntimeError: kaboom" in err and "Traceback" not in err
    code, _, err = run(["check", str(EXAMPLES), "-o", str(tmp_path), "-v"], capsys)
    assert code == 2 and "Traceback" in err


def test_named_report_path_select_ignore_quiet(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["check", str(EXAMPLES), "--format", "junit=ci/out.xml", "--select", "kerberos-login",
                        "-q"], capsys)
    assert code == 1
    assert (tmp_path / "ci" / "out.xml").exists() and not (tmp_path / "reports").exists()
    assert out.count("\n") == 1 and out.startswith("wedata-audit: ")
    code, _, _ = run(["check", str(EXAMPLES), "--format", "json", "--ignore", "kerberos-login",
                      "--ignore", "approval-status"], capsys)
    assert code == 0  # what is left is medium and low


def test_param_override_changes_the_verdict(tmp_path: Path, capsys) -> None:
    args = ["check", str(EXAMPLES), "-o", str(tmp_path), "--format", "json", "--select", "python-version"]
    assert run(args, capsys)[0] == 0
    assert run([*args, "--param", "python-version.allowed=[python3.12]", "--fail-on", "medium"], capsys)[0] == 1


def test_verbose_lists_every_finding(tmp_path: Path, capsys) -> None:
    code, out, _ = run(["check", str(EXAMPLES), "-o", str(tmp_path), "-v"], capsys)
    assert code == 1
    assert 'ext.enableKerberosLogin is "false", expected "true"' in out


def test_empty_input_is_incomplete(tmp_path: Path, capsys) -> None:
    (tmp_path / "in").mkdir()
    code, out, _ = run(["check", str(tmp_path / "in"), "-o", str(tmp_path)], capsys)
    assert code == 3 and "no task version" in out


def test_rules_commands(capsys, tmp_path: Path) -> None:
    code, out, _ = run(["rules", "list"], capsys)
    assert code == 0 and "kerberos-login" in out and "critical" in out
    code, out, _ = run(["rules", "show", "execution-ttl-strategy", "--param",
                        "execution-ttl-strategy.allowed=[kill]"], capsys)
    assert code == 0 and "remediation:" in out and "allowed: [kill]   (overridden)" in out
    assert run(["rules", "show", "nope"], capsys)[0] == 2
    code, out, _ = run(["rules", "validate"], capsys)
    assert code == 0 and "valid" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: Bad Id\n")
    code, _, err = run(["rules", "validate", str(bad)], capsys)
    assert code == 2 and str(bad) in err


def test_help_documents_exit_codes(capsys) -> None:
    code, out, _ = run(["check", "--help"], capsys)
    assert code == 0 and "3  the audit is incomplete" in out


def test_secrets_in_code_never_reach_any_output(tmp_path: Path, capsys) -> None:
    import base64

    secret = "AKID" + "Q7x9" * 9
    data = example_data()
    data["Task"]["TriggerTaskConfiguration"]["CodeContent"] = base64.b64encode(
        f"#!/bin/bash\nexport KEY={secret}\n".encode()).decode()
    code, out, err = run(["check", snapshot(tmp_path, data), "-o", str(tmp_path / "r"), "-vv"], capsys)
    assert code == 1
    assert "no-secrets-in-code" in out
    blobs = [out, err] + [p.read_text() for p in (tmp_path / "r").iterdir()]
    assert all(secret not in blob for blob in blobs)


def test_pathological_regex_cannot_hang_the_run(tmp_path: Path, capsys, monkeypatch, data) -> None:
    monkeypatch.setattr("wedata_audit.policy.operators.REGEX_TIMEOUT", 0.2)
    data["Task"]["TriggerTaskBaseAttribute"]["TaskName"] = "a" * 40 + "!"
    rules = tmp_path / "r.yaml"
    rules.write_text("- id: evil\n  title: t\n  severity: low\n  description: d\n  remediation: r\n"
                     "  check: {key: task.TaskName, op: regex, value: '(a|aa)+$'}\n")
    code, _, _ = run(["check", snapshot(tmp_path, data), "--rules", str(rules), "-o", str(tmp_path / "o"),
                        "--format", "json"], capsys)
    assert code == 3
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    (task,) = report["tasks"]
    assert task["status"] == "errored"
    assert "rule evil could not be evaluated: regex /(a|aa)+$/ gave up after 0.2 s" in task["error"]
    assert "kerberos-login" in {f["rule_id"] for f in task["findings"]}  # the other rules still ran


def test_terminal_never_receives_raw_control_characters(tmp_path: Path, capsys, data) -> None:
    data["Task"]["TriggerTaskBaseAttribute"]["TaskName"] = "evil\x1b]0;owned\x07\u202ename\nFAKE LINE"
    code, out, _ = run(["check", snapshot(tmp_path, data), "-o", str(tmp_path / "o"), "-v"], capsys)
    assert code == 1
    assert "\x1b]" not in out and "\x07" not in out and "\u202e" not in out and "\nFAKE LINE" not in out
    assert "evil\\x1b]0;owned\\x07\\u202ename\\x0aFAKE LINE" in out


def test_a_report_of_an_earlier_run_is_never_left_for_this_one(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert run(["check", str(EXAMPLES), "-o", str(out)], capsys)[0] == 1
    assert {p.name for p in out.iterdir()} == {"report.html", "junit.xml", "report.json"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n")
    assert run(["check", str(EXAMPLES), "-o", str(out), "--rules", str(bad)], capsys)[0] == 2
    assert list(out.iterdir()) == []  # no stale report for a CI step to read as this run's


def test_secrets_in_code_are_masked_in_every_format(tmp_path: Path, capsys) -> None:
    import base64

    from wedata_audit.reporters import format_choices

    secret = "AKID" + "Zk3p" * 9
    password = "Pa55w0rdLiteral"
    data = example_data()
    data["Task"]["TriggerTaskConfiguration"]["CodeContent"] = base64.b64encode(
        f'#!/bin/bash\nexport KEY={secret}\nDB_PASSWORD="{password}"\n'.encode()).decode()
    formats = [a for f in format_choices() for a in ("--format", f)]
    code, out, err = run(["check", snapshot(tmp_path, data), "-o", str(tmp_path / "r"), "-vv", *formats], capsys)
    assert code == 1 and "no-secrets-in-code" in out
    files = list((tmp_path / "r").iterdir())
    assert len(files) == len(format_choices()) - 1 == 8  # github writes to standard output (checked as out)
    assert "::notice" in out
    for blob in [out, err, *(p.read_text() for p in files)]:
        assert secret not in blob and password not in blob and secret[4:20] not in blob


@pytest.mark.parametrize(("extra", "fault"), [
    (["--format", "json=INPUT"], "is also an input"),
    (["--format", "json=same.out", "--format", "csv=same.out"], "is already the path of the json report"),
    (["--format", "html=."], "is a folder"),
    (["--select", "kerberos-login", "--ignore", "kerberos-login"], "no rule is left to run"),
    (["--no-default-rules", "--ignore", "schema"], "no rule is left to run"),
])
def test_unsafe_or_empty_runs_are_refused(tmp_path: Path, capsys, monkeypatch, data, extra: list[str],
                                          fault: str) -> None:
    monkeypatch.chdir(tmp_path)
    path = snapshot(tmp_path, data)
    before = Path(path).read_text()
    code, _, err = run(["check", path, *[a.replace("INPUT", path) for a in extra]], capsys)
    assert code == 2 and fault in err and "internal error" not in err
    assert Path(path).read_text() == before  # the input is never touched


def test_checking_a_folder_twice_never_reads_its_own_reports(tmp_path: Path, capsys, monkeypatch, data) -> None:
    monkeypatch.chdir(tmp_path)
    snapshot(tmp_path, data)
    assert run(["check", ".", "--format", "json"], capsys)[0] == 1
    code, out, _ = run(["check", ".", "--format", "html", "--format", "json"], capsys)
    assert code == 1 and "1 task version(s)" in out

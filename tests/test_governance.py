"""Configuration file, waivers with expiry, baselines, policy unit tests and report diffs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main
from wedata_audit.cli.check import execute_check
from wedata_audit.settings.options import CheckOptions, FilterOptions, ReportOptions
from wedata_audit.terminal import Terminal

from .conftest import EXAMPLES, ROOT

TASK = "20251121163138956"
WAIVER = f"""waivers:
  - rule: kerberos-login
    task_id: "{TASK}"
    reason: Cluster migration in progress, Kerberos arrives with the new cluster.
    approved_by: data-governance@example.com
    expires: 2027-03-31
"""


def check(tmp_path: Path, *, today: dt.date | None = None, waivers: str | None = None,
          baseline: str | None = None, config: str | None = None, fail_on: str | None = None,
          paths: list[str] | None = None) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "out"
    opts = CheckOptions(paths=paths or [str(EXAMPLES)], config=config,
                        filters=FilterOptions(waivers=waivers, baseline=baseline, today=today),
                        report=ReportOptions(formats=["json", "junit", "html"], output_dir=str(out),
                                             fail_on=fail_on, quiet=True))
    code = execute_check(opts, Terminal(quiet=True))
    return code, json.loads((out / "report.json").read_text())


def statuses(report: dict[str, Any], rule: str) -> list[str]:
    return [f["status"] for t in report["tasks"] for f in t["findings"] if f["rule_id"] == rule]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_waiver_applies_until_its_expiry_day_inclusive(tmp_path: Path) -> None:
    waivers = write(tmp_path, "w.yaml", WAIVER)
    code, report = check(tmp_path, waivers=waivers, today=dt.date(2027, 3, 31))
    assert statuses(report, "kerberos-login") == ["waived", "waived"]
    assert report["filters"]["waivers"]["applied"] == 2
    assert code == 1  # approval-status is still open and high
    junit = (tmp_path / "out" / "junit.xml").read_text()
    assert "Cluster migration in progress" in junit and "<skipped" in junit
    code, report = check(tmp_path, waivers=waivers, today=dt.date(2027, 4, 1))
    assert statuses(report, "kerberos-login") == ["open", "open"]
    assert [w["rule"] for w in report["filters"]["waivers"]["expired"]] == ["kerberos-login"]


def test_waived_findings_never_fail_the_gate(tmp_path: Path) -> None:
    text = WAIVER + WAIVER.split("\n", 1)[1].replace("kerberos-login", "approval-status")
    code, report = check(tmp_path, waivers=write(tmp_path, "w.yaml", text), today=dt.date(2026, 1, 1))
    assert code == 0
    assert report["summary"]["waived"] == 4 and report["summary"]["gating"] == 0


def test_unused_waiver_and_globs(tmp_path: Path) -> None:
    text = WAIVER + """  - rule: "*"
    task_name: "legacy_*"
    reason: Legacy tasks are retired in Q2.
    approved_by: cto@example.com
    expires: 2027-06-30
  - rule: "*"
    task_name: "gallop_*"
    reason: Whole workflow under review.
    approved_by: cto@example.com
    expires: 2027-06-30
"""
    code, report = check(tmp_path, waivers=write(tmp_path, "w.yaml", text), today=dt.date(2027, 1, 1))
    assert code == 0
    assert [w.get("task_name") for w in report["filters"]["waivers"]["unused"]] == ["legacy_*"]
    assert set(statuses(report, "description")) == {"waived"}


@pytest.mark.parametrize(("text", "fault"), [
    (WAIVER.replace("    reason: Cluster migration in progress, Kerberos arrives with the new cluster.\n", ""),
     "waivers[0]: missing 'reason'"),
    (WAIVER.replace(f'    task_id: "{TASK}"\n', ""), "needs task_id, task_name or workflow_id"),
    (WAIVER.replace("2027-03-31", "someday"), "expires"),
    (WAIVER.replace("approved_by", "approver"), "approved_by"),
])
def test_invalid_waiver_is_a_configuration_error(tmp_path: Path, capsys, text: str, fault: str) -> None:
    path = write(tmp_path, "w.yaml", text)
    code = main(["check", str(EXAMPLES), "--waivers", path, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and path in err and fault in err
    assert not (tmp_path / "out").exists()


def test_max_waiver_days(tmp_path: Path) -> None:
    cfg = write(tmp_path, "wedata-audit.yaml", "max_waiver_days: 90\nwaivers: w.yaml\n")
    write(tmp_path, "w.yaml", WAIVER)
    from wedata_audit.errors import ConfigError

    with pytest.raises(ConfigError, match="longer than max_waiver_days"):
        check(tmp_path, config=cfg, today=dt.date(2026, 11, 28))
    _, report = check(tmp_path, config=cfg, today=dt.date(2027, 2, 1))
    assert report["filters"]["waivers"]["applied"] == 2


def test_baseline_absorbs_exactly_the_old_findings(tmp_path: Path, data: dict[str, Any]) -> None:
    code, first = check(tmp_path)
    assert code == 1
    baseline = write(tmp_path, "baseline.json", json.dumps(first))
    code, again = check(tmp_path, baseline=baseline)
    assert code == 0
    assert {k: v for k, v in again["filters"]["baseline"].items() if k != "notes"} == {
        "source": baseline, "new": 0, "existing": 8, "fixed": 0, "not_evaluated": 0}
    assert {f["status"] for t in again["tasks"] for f in t["findings"]} == {"existing"}
    # a new failure of another key on the same task is new; a fixed one is counted
    data["Task"]["TriggerTaskBaseAttribute"]["Submit"] = False
    data["Task"]["TriggerTaskBaseAttribute"]["TaskDescription"] = "now described"
    snap = write(tmp_path, "v.json", json.dumps({"Response": {"Data": data, "RequestId": "r"}}))
    code, changed = check(tmp_path, baseline=baseline, paths=[snap])
    assert code == 1
    assert statuses(changed, "submitted") == ["open"]
    assert changed["filters"]["baseline"]["fixed"] == 1  # description (fingerprints are per task, not version)
    assert changed["summary"]["gating"] == 1


def test_fingerprint_ignores_message_wording(tmp_path: Path) -> None:
    _, first = check(tmp_path)
    for task in first["tasks"]:
        for f in task["findings"]:
            f["message"] = "reworded: " + f["message"]
    _, again = check(tmp_path, baseline=write(tmp_path, "b.json", json.dumps(first)))
    assert again["filters"]["baseline"]["new"] == 0


def test_config_file_found_in_working_folder_and_command_line_wins(tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path, "policy.yaml", """- id: remark-mentions-ticket
  title: Version remark names a ticket
  severity: critical
  description: Every change references a ticket.
  remediation: Put the ticket id in the version remark.
  check: {key: VersionRemark, op: regex, value: "[A-Z]+-[0-9]+"}
""")
    write(tmp_path, "wedata-audit.yaml", """extends: none
rules: [policy.yaml]
overrides:
  remark-mentions-ticket: {severity: low}
fail_on: medium
formats: [json]
output_dir: cfg-out
""")
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(EXAMPLES)]) == 0  # low < medium
    report = json.loads((tmp_path / "cfg-out" / "report.json").read_text())
    assert [r["id"] for r in report["ruleset"]["rules"]] == ["schema", "remark-mentions-ticket"]
    assert report["fail_on"] == "medium"
    assert main(["check", str(EXAMPLES), "--fail-on", "low", "-o", "cli-out"]) == 1
    assert (tmp_path / "cli-out" / "report.json").exists()
    capsys.readouterr()


@pytest.mark.parametrize(("text", "fault"), [
    ("fail_on: sometimes\n", 'fail_on: expected one of "info", "low", "medium", "high", "critical", found "sometimes"'),
    ("colour: red\n", "unknown key(s): 'colour'"),
    ("overrides:\n  kerberos-login: {severity: urgent}\n", "overrides.kerberos-login.severity"),
    ("overrides:\n  no-such-rule: {disabled: true}\n", "overrides.no-such-rule: no such rule"),
    ("overrides:\n  owner: {params: {x: 1}}\n", "overrides.owner.params: no param x"),
])
def test_bad_config_names_the_key(tmp_path: Path, capsys, text: str, fault: str) -> None:
    cfg = write(tmp_path, "c.yaml", text)
    code = main(["check", str(EXAMPLES), "--config", cfg, "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and cfg in err and fault in err


def test_config_disables_and_overrides_params(tmp_path: Path) -> None:
    cfg = write(tmp_path, "c.yaml", """overrides:
  kerberos-login: {disabled: true}
  approval-status: {disabled: true}
  python-version: {params: {allowed: [python3.12]}, severity: critical}
""")
    code, report = check(tmp_path, config=cfg)
    ids = [r["id"] for r in report["ruleset"]["rules"]]
    assert "kerberos-login" not in ids and "approval-status" not in ids
    assert statuses(report, "python-version") == ["open", "open"] and code == 1


def test_rules_test_command(tmp_path: Path, capsys) -> None:
    assert main(["rules", "test", str(ROOT / "tests" / "policy-cases")]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("0 failed")
    wrong = write(tmp_path, "wrong.yaml", f"""cases:
  - name: claims Kerberos passes
    input: {EXAMPLES / "latest-version-v4.response.json"}
    expect_pass: [kerberos-login]
""")
    assert main(["rules", "test", wrong]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "kerberos-login: expected to pass" in out and "0 passed, 1 failed" in out


def test_diff_lists_new_fixed_and_still_open(tmp_path: Path, data: dict[str, Any], capsys) -> None:
    _, old = check(tmp_path, paths=[str(EXAMPLES / "latest-version-v4.response.json")])
    old_path = write(tmp_path, "old.json", json.dumps(old))
    data["Task"]["TriggerTaskBaseAttribute"]["Submit"] = False
    data["Task"]["TriggerTaskBaseAttribute"]["TaskDescription"] = "described"
    _, new = check(tmp_path, paths=[write(tmp_path, "v.json", json.dumps(data))])
    new_path = write(tmp_path, "new.json", json.dumps(new))
    assert main(["diff", old_path, new_path]) == 1
    out = capsys.readouterr().out
    assert "new: 1" in out and "fixed: 1" in out and "still open: 3" in out
    assert main(["diff", old_path, old_path, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["new"] == []


def test_every_report_shows_waivers_and_baseline(tmp_path: Path) -> None:
    text = WAIVER + """  - rule: owner
    task_name: "legacy_*"
    reason: Retired soon.
    approved_by: cto@example.com
    expires: 2027-06-30
"""
    _, first = check(tmp_path)
    baseline = write(tmp_path, "baseline.json", json.dumps(first))
    out = tmp_path / "out"
    opts = CheckOptions(paths=[str(EXAMPLES)],
                        filters=FilterOptions(waivers=write(tmp_path, "w.yaml", text), baseline=baseline,
                                              today=dt.date(2027, 1, 1)),
                        report=ReportOptions(formats=["html", "markdown", "sarif"], output_dir=str(out), quiet=True))
    assert execute_check(opts, Terminal(quiet=True)) == 0
    html = (out / "report.html").read_text()
    assert "0 new," in html and "1 unused" in html and "legacy_*" in html and "Retired soon." in html
    md = (out / "report.md").read_text()
    assert "Fixed since the baseline" in md and "Unused waivers | 1" in md
    sarif = json.loads((out / "report.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert any(r.get("suppressions") for r in results)
    assert {r.get("baselineState") for r in results if not r.get("suppressions")} == {"unchanged"}

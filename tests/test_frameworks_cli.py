"""``wedata-audit frameworks list`` and ``frameworks show ID`` through the real command line, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from wedata_audit.cli import main

USER = """\
id: acme-policy
name: "ACME \\e[31mdata policy"
sources: [ACME handbook 2026]
notes: [Mapped by the data platform team]
requirements:
  - {id: ACME-1, name: Tasks have owners, rules: [owner, ghost-rule], manual: false, source: handbook 3.1}
  - {id: ACME-2, name: Backups are tested, manual: true}
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_the_bundled_frameworks_and_the_disclaimer(capsys) -> None:
    code, out, err = run(["frameworks", "list"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["iso27001-2022", "mlps2-l3", "soc2-2017"]
    assert "93 requirements" in lines[0] and "(frameworks/iso27001-2022.yaml)" in lines[0]
    assert " 61 requirements" in lines[2]
    assert lines[-1] == "Passing rules is evidence, not certification."


def test_list_adds_user_catalogues_and_warns_of_controls_no_catalogue_has(tmp_path: Path, capsys) -> None:
    (tmp_path / "fw").mkdir()
    (tmp_path / "fw" / "acme.yaml").write_text(USER)
    rules = tmp_path / "mine.yaml"
    rules.write_text("- id: mine\n  title: t\n  severity: low\n  description: d\n  remediation: r\n"
                     "  controls: [\"acme-policy ACME-2\", \"acme-policy ACME-9\"]\n"
                     "  check: {key: VersionId, op: not-empty}\n")
    code, out, err = run(["frameworks", "list", "--frameworks", str(tmp_path / "fw"), "--rules", str(rules)],
                         capsys)
    assert code == 0
    acme = next(line for line in out.splitlines() if line.startswith("acme-policy"))
    assert "2 requirements,   2 automated" in acme  # ACME-2 is checked by the rule 'mine' now
    assert "\\x1b[31mdata policy" in acme and "\x1b" not in out  # task-free, but still never raw escapes
    assert "rule 'mine' names control 'acme-policy ACME-9', which no catalogue has" in err


def test_show_lists_requirements_marks_rules_not_in_effect_and_inferences(capsys) -> None:
    code, out, err = run(["frameworks", "show", "mlps2-l3"], capsys)
    assert code == 0
    assert out.startswith("mlps2-l3: MLPS 2.0 level 3")
    assert "49 requirements, 10 automated, 39 manual:" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("8.1.4.1 "))
    assert "身份鉴别" in line and "[kerberos-login, workflow-run-as]" in line
    assert any(x.strip().startswith("8.1.10.10 *") for x in out.splitlines())
    assert "* clause number is an inference" in out
    assert "GB/T 22239-2019" in out and out.rstrip().endswith("Passing rules is evidence, not certification.")
    assert "workflow-run-as" not in err  # a context rule of the pack now, no longer planned


def test_show_follows_the_rule_options(capsys) -> None:
    code, out, err = run(["frameworks", "show", "iso27001-2022", "--select", "kerberos-login"], capsys)
    assert code == 0
    assert "[kerberos-login]" in out and "[approval-status?, approver-not-author?" in out
    assert "not in the rule set in effect, counted as not run: approver-not-author" in err


def test_show_a_user_catalogue_with_an_unknown_rule(tmp_path: Path, capsys) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(USER)
    code, out, err = run(["frameworks", "show", "acme-policy", "--frameworks", str(path)], capsys)
    assert code == 0
    assert f"source file: {path}" in out and "[owner, ghost-rule?]" in out and "[manual]" in out
    assert "Mapped by the data platform team" in out
    assert "acme-policy: rule(s) not in the rule set in effect, counted as not run: ghost-rule" in err


@pytest.mark.parametrize(("args", "message"), [
    (["frameworks", "show", "pci-dss"], "unknown framework 'pci-dss' (choose from iso27001-2022, mlps2-l3"),
    (["frameworks", "list", "--frameworks", "/no/such/dir"], "frameworks path does not exist: /no/such/dir"),
    (["frameworks", "show"], "Missing argument"),
])
def test_usage_errors_exit_2(args: list[str], message: str, capsys) -> None:
    code, _, err = run(args, capsys)
    assert code == 2 and message in err


def test_a_broken_user_catalogue_exits_2_naming_file_and_requirement(tmp_path: Path, capsys) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(USER.replace("manual: true}", "manual: true, rules: [owner]}"))
    code, out, err = run(["frameworks", "list", "--frameworks", str(path)], capsys)
    assert code == 2 and out == ""
    assert f"{path}: requirements[1] (ACME-2).rules: a manual requirement" in err

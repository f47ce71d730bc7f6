"""Framework coverage in a real run: ``check`` with ``--frameworks`` / ``--framework``, and the JSON report's
``frameworks`` checked against the run's own outcomes (every task's outcomes and findings in the same report)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main
from wedata_audit.model.finding import Severity
from wedata_audit.model.results import RuleInfo
from wedata_audit.policy.frameworks import find_catalogue, load_catalogues, with_rule_controls
from wedata_audit.util.docschema import all_errors

from .size_inputs import example_data, make_compliant, response

USER_CATALOGUE = """\
id: acme-policy
name: ACME data platform policy
sources: [ACME handbook]
requirements:
  - {id: ACME-1, name: Tasks have owners, rules: [owner], manual: false}
  - {id: ACME-2, name: Kerberos everywhere, rules: [kerberos-login], manual: false}
  - {id: ACME-3, name: Backups are tested, manual: true}
"""


def _task(data: dict[str, Any], task_id: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["Task"]["TriggerTaskBaseAttribute"]["TaskId"] = task_id
    return data


@pytest.fixture()
def snapshots(tmp_path: Path) -> Path:
    """Six versions: the documentation example (four findings), compliant ones, one with a waived finding, one
    with an empty owner, and a file that is not JSON (an errored task)."""
    folder = tmp_path / "snaps"
    folder.mkdir()
    good = make_compliant(example_data())
    versions = {"t-example": _task(example_data(), "t-example"), "t-good-1": _task(good, "t-good-1"),
                "t-good-2": _task(good, "t-good-2"), "t-waived": _task(good, "t-waived"),
                "t-owner": _task(good, "t-owner")}
    versions["t-waived"]["Task"]["TriggerTaskBaseAttribute"]["TaskDescription"] = ""
    versions["t-owner"]["Task"]["TriggerTaskBaseAttribute"]["OwnerUin"] = ""
    for name, data in versions.items():
        (folder / f"{name}.json").write_text(json.dumps(response(data)), encoding="utf-8")
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "waivers.yaml").write_text(
        "waivers:\n  - {rule: description, task_id: t-waived, reason: legacy, approved_by: lead, "
        "expires: 2099-01-01}\n", encoding="utf-8")
    return folder


def check(tmp_path: Path, snapshots: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "out"
    code = main(["check", str(snapshots), "-q", "--waivers", str(tmp_path / "waivers.yaml"),
                 "--format", f"json={out / 'report.json'}", *extra])
    assert code == 3  # the errored task makes the run incomplete
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert all_errors("report.schema.json", report) == []
    return report


def expected_coverage(report: dict[str, Any], framework_id: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """Each requirement's status, recomputed from the report's own task outcomes and findings."""
    infos = [RuleInfo(id=r["id"], title=r["title"], severity=Severity(r["severity"]),
                      controls=tuple(r.get("controls") or ())) for r in report["ruleset"]["rules"]]
    cat = with_rule_controls(find_catalogue(load_catalogues(extra), framework_id), infos)
    tasks = report["tasks"]
    ran = {rid for t in tasks for rid, o in t["outcomes"].items() if o in ("pass", "fail")}
    by_status: dict[str, set[str]] = {"open": set(), "existing": set(), "waived": set()}
    failing_tasks: dict[str, set[str]] = {}
    for t in tasks:
        for f in t["findings"]:
            by_status[f["status"]].add(f["rule_id"])
            if f["status"] != "waived":
                failing_tasks.setdefault(f["rule_id"], set()).add(t["task_id"] or t["source"])
    out = {}
    for req in cat.requirements:
        rules = set(req.rules)
        status = ("not-assessed" if req.manual else "fail" if rules & (by_status["open"] | by_status["existing"])
                  else "waived" if rules & by_status["waived"] else "pass" if rules & ran else "not-assessed")
        failing = set().union(*(failing_tasks.get(r, set()) for r in rules)) if status == "fail" else set()
        out[req.id] = (status, failing)
    return out


def test_json_coverage_agrees_with_the_runs_outcomes_for_every_bundled_framework(tmp_path: Path,
                                                                                 snapshots: Path) -> None:
    report = check(tmp_path, snapshots)
    frameworks = {fw["id"]: fw for fw in report["frameworks"]}
    assert set(frameworks) == {"mlps2-l3", "iso27001-2022", "soc2-2017"}
    statuses: set[str] = set()
    for fid, fw in frameworks.items():
        expected = expected_coverage(report, fid)
        got = {r["id"]: (r["status"], set(r["failing_tasks"])) for r in fw["requirements"]}
        assert got == expected, fid
        statuses |= {s for s, _ in got.values()}
        summary = fw["summary"]
        counts = {s: sum(1 for st, _ in got.values() if st == s) for s in ("pass", "fail", "waived", "not-assessed")}
        assert (summary["passing"], summary["failing"], summary["waived"], summary["not_assessed"]) == (
            counts["pass"], counts["fail"], counts["waived"], counts["not-assessed"])
        assert summary["requirements"] == len(fw["requirements"])
        assert summary["percent_automated_passing"] == round(100 * summary["passing"] / summary["automated"], 1)
    assert {"pass", "fail", "not-assessed"} <= statuses


def test_user_catalogue_is_added_and_read_from_the_configuration_too(tmp_path: Path, snapshots: Path) -> None:
    cats = tmp_path / "cats"
    cats.mkdir()
    (cats / "acme.yaml").write_text(USER_CATALOGUE, encoding="utf-8")
    report = check(tmp_path, snapshots, "--frameworks", str(cats))
    acme = next(fw for fw in report["frameworks"] if fw["id"] == "acme-policy")
    status = {r["id"]: (r["status"], r["failing_tasks"]) for r in acme["requirements"]}
    assert status == {"ACME-1": ("fail", ["t-owner"]), "ACME-2": ("fail", ["t-example"]),
                      "ACME-3": ("not-assessed", [])}
    assert len(report["frameworks"]) == 4

    config = tmp_path / "wedata-audit.yaml"
    config.write_text("frameworks: [cats/acme.yaml]\nframework: acme-policy\n", encoding="utf-8")
    report = check(tmp_path, snapshots, "--config", str(config))
    assert [fw["id"] for fw in report["frameworks"]] == ["acme-policy"]
    assert {r["id"] for r in report["ruleset"]["rules"]} == {"schema", "owner", "kerberos-login"}


def test_framework_restricts_the_rules_and_the_coverage(tmp_path: Path, snapshots: Path) -> None:
    report = check(tmp_path, snapshots, "--framework", "soc2-2017")
    assert [fw["id"] for fw in report["frameworks"]] == ["soc2-2017"]
    ran = {r["id"] for r in report["ruleset"]["rules"]}
    mapped = set(with_rule_controls(find_catalogue(load_catalogues(), "soc2-2017"),
                                    [RuleInfo(id=r["id"], title="", severity=Severity.LOW,
                                              controls=tuple(r.get("controls") or ()))
                                     for r in report["ruleset"]["rules"]]).rule_ids)
    assert ran - {"schema"} <= mapped and ran - {"schema"}
    full = check(tmp_path, snapshots)
    assert len(full["ruleset"]["rules"]) > len(ran)
    assert report["frameworks"][0]["summary"] == next(
        fw for fw in full["frameworks"] if fw["id"] == "soc2-2017")["summary"]


def test_unknown_framework_is_a_usage_error(tmp_path: Path, snapshots: Path, capsys) -> None:
    code = main(["check", str(snapshots), "-q", "--framework", "nist-800-53", "-o", str(tmp_path / "out")])
    assert code == 2
    assert "unknown framework 'nist-800-53'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_catalogue_is_an_input_no_report_may_overwrite(tmp_path: Path, snapshots: Path, capsys) -> None:
    catalogue = tmp_path / "report.json"
    catalogue.write_text(USER_CATALOGUE, encoding="utf-8")
    code = main(["check", str(snapshots), "-q", "--frameworks", str(catalogue), "--format", f"json={catalogue}"])
    assert code == 2
    assert "framework catalogue" in capsys.readouterr().err
    assert catalogue.read_text(encoding="utf-8") == USER_CATALOGUE


HOSTILE_CATALOGUE = """\
id: hostile
name: "=HYPERLINK(\\"x\\") | <b>bold</b>"
sources: [tests]
requirements:
  - {id: "@H-1", name: "-1+2 | *owner*", rules: [owner], manual: false}
"""


def test_markdown_and_coverage_csv_agree_with_the_json(tmp_path: Path, snapshots: Path) -> None:
    import csv

    cats = tmp_path / "hostile.yaml"
    cats.write_text(HOSTILE_CATALOGUE, encoding="utf-8")
    out = tmp_path / "out"
    report = check(tmp_path, snapshots, "--frameworks", str(cats), "--format", f"markdown={out / 'report.md'}",
                   "--format", f"coverage-csv={out / 'coverage.csv'}")
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "### Framework coverage" in markdown and "Passing rules is evidence, not certification." in markdown
    for fw in report["frameworks"]:
        s = fw["summary"]
        pct = "n/a" if s["percent_automated_passing"] is None else f"{s['percent_automated_passing']}%"
        numbers = (s["requirements"], s["passing"], s["failing"], s["waived"], s["not_assessed"], pct)
        cells = "| " + " | ".join(str(n) for n in numbers) + " |"
        assert cells in markdown, fw["id"]
    assert "<b>" not in markdown and "| <b" not in markdown
    with (out / "coverage.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == sum(len(fw["requirements"]) for fw in report["frameworks"])
    by_key = {(r["framework_id"], r["requirement_id"]): r for r in rows}
    for fw in report["frameworks"]:
        for req in fw["requirements"]:
            row = by_key[(fw["id"], "'" + req["id"] if req["id"].startswith("@") else req["id"])]
            assert row["status"] == req["status"]
            assert row["failing_tasks"].split() == req["failing_tasks"]
            assert row["rules"].split() == req["rules"]
    hostile = by_key[("hostile", "'@H-1")]
    assert hostile["framework_name"].startswith("'=") and hostile["requirement_name"].startswith("'-1")


def test_report_schema_inlines_the_coverage_schema_unchanged() -> None:
    from wedata_audit.util.resources import load_schema

    report, coverage = load_schema("report.schema.json"), load_schema("coverage.schema.json")

    def renamed(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (v.replace("#/$defs/", "#/$defs/coverage_") if k == "$ref" else renamed(v))
                    for k, v in node.items()}
        return [renamed(x) for x in node] if isinstance(node, list) else node

    assert report["properties"]["frameworks"]["items"] == renamed(coverage["items"])
    for name, definition in coverage["$defs"].items():
        assert report["$defs"][f"coverage_{name}"] == renamed(definition), name


@pytest.mark.parametrize("command", ["check", "audit"])
def test_both_auditing_commands_take_the_framework_flags(command: str, capsys) -> None:
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "--frameworks PATH" in text and "--framework ID" in text

"""`audit --versions latest|production|release` end to end: the real CLI and client against the fake API
(scenario tasks with version histories) over loopback; and `check` of the saved snapshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from wedata_audit.cli import main
from wedata_audit.demo import FakeWeData
from wedata_audit.demo.build import build_corpus
from wedata_audit.demo.scenarios import TASKS
from wedata_audit.util.resources import load_schema

from .conftest import REGION


@pytest.fixture(scope="module")
def fake() -> Any:
    data = build_corpus(12, 5, scenarios=True)
    data.tasks.pop(TASKS["workflow-deleted"])  # its context cannot be read: errored (tests/live/test_live_context.py)
    with FakeWeData(data, rate_limit=0) as server:
        yield server



def run(fake: FakeWeData, out: Path, *extra: str, select: bool = True) -> tuple[int, dict[str, Any]]:
    cfg = out.parent / f"{out.name}.yaml"
    cfg.write_text("select: {}\n" if select else "{}\n")
    code = main(["audit", "--config", str(cfg), "--project-id", fake.project_id, "--region", REGION,
                 "--endpoint", fake.endpoint, "--rate", "500", "--timeout", "5", "-o", str(out),
                 "--format", "json", "-q", *extra])
    doc = json.loads((out / "report.json").read_text())
    jsonschema.validate(doc, load_schema("report.schema.json"))
    return code, doc


def by_task(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["task_id"]: t for t in doc["tasks"] if not t["source"].endswith("@production")}




def test_production_audits_the_used_version(fake: FakeWeData, env: None, tmp_path: Path) -> None:
    before = fake.stats().by_action.get("GetTriggerTaskVersion", 0)
    code, doc = run(fake, tmp_path / "prod", "--versions", "production")
    tasks = by_task(doc)
    reg = tasks[TASKS["release-regression-kerberos"]]
    assert reg["version_num"] == "V2"  # production V2, not the latest submitted V3
    assert reg["outcomes"]["kerberos-login"] == "pass"
    assert reg["outcomes"]["in-production"] == "pass"
    assert reg["outcomes"]["release-pending"] == "skip"  # release mode only
    nop = tasks[TASKS["no-production"]]
    assert nop["outcomes"]["in-production"] == "fail" and nop["status"] == "failed" and nop["error"] is None
    assert TASKS["never-submitted"] not in tasks  # not submitted: nothing to audit, not an error
    assert not [t for t in doc["tasks"] if t["error"]]
    unsub = tasks[TASKS["unsubmitted-edits"]]
    assert unsub["outcomes"]["unsubmitted-changes"] == "fail"
    # one GetTriggerTaskVersion per audited task
    assert fake.stats().by_action["GetTriggerTaskVersion"] - before == len(doc["tasks"])
    assert code in (0, 1)


def test_latest_mode_skips_release_rules_and_reads_the_task_list(fake: FakeWeData, env: None,
                                                                 tmp_path: Path) -> None:
    _code, doc = run(fake, tmp_path / "latest")
    tasks = by_task(doc)
    reg = tasks[TASKS["release-regression-kerberos"]]
    assert reg["version_num"] == "V3"
    assert tasks[TASKS["never-submitted"]]["error"]  # latest mode: as before, nothing submitted to read
    for t in tasks.values():
        if t["error"]:
            continue
        assert t["outcomes"]["in-production"] == "skip" and t["outcomes"]["release-pending"] == "skip"
        assert "release" not in t
    assert tasks[TASKS["unsubmitted-edits"]]["outcomes"]["unsubmitted-changes"] == "fail"
    assert tasks[TASKS["release-pending-clean"]]["outcomes"]["unsubmitted-changes"] == "pass"
    # tasks named by id: no ListTriggerTasks item was fetched, so the rule is skipped, not passed
    _code, doc = run(fake, tmp_path / "named", "--task", TASKS["unsubmitted-edits"], select=False)
    assert doc["tasks"][0]["outcomes"]["unsubmitted-changes"] == "skip"


def test_release_review(fake: FakeWeData, env: None, tmp_path: Path) -> None:
    code, doc = run(fake, tmp_path / "rel", "--versions", "release", "--fail-on", "medium")
    tasks = by_task(doc)
    assert len(tasks) == len(doc["tasks"])  # one result per task: production is folded into the review
    reg = tasks[TASKS["release-regression-kerberos"]]["release"]
    assert reg["production"]["version_num"] == "V2" and reg["latest"]["version_num"] == "V3"
    assert "kerberos-login" in reg["regressions"]
    assert any(c["pointer"].endswith("/enableKerberosLogin/ParamValue") for c in reg["changes"])
    secret = tasks[TASKS["release-regression-secret"]]
    assert "no-secrets-in-code" in secret["release"]["regressions"]
    code_change = next(c for c in secret["release"]["changes"] if c["pointer"].endswith("/CodeContent"))
    assert "temporary key for the backfill" in code_change["after"]
    assert "AKID" not in json.dumps(secret)  # the secret the release adds is masked in the diff
    pending = tasks[TASKS["release-pending-clean"]]
    assert pending["outcomes"]["release-pending"] == "fail"
    assert pending["release"]["regressions"] == []
    assert all(f["status"] == "open" for f in pending["findings"] if f["rule_id"] == "release-pending")
    same = tasks[TASKS["unsubmitted-edits"]]["release"]
    assert same["production"] == same["latest"] and same["changes"] == [] and same["regressions"] == []
    # findings production also has are existing (not gating); findings only on latest are open
    for t in tasks.values():
        rel = t.get("release")
        if not rel or rel["production"] is None:
            continue
        for f in t["findings"]:
            if f["rule_id"] in rel["regressions"]:
                assert f["status"] == "open"
    assert any(f["status"] == "existing" for t in tasks.values() for f in t["findings"])
    assert code == 1  # the regressions gate
    _code, doc_all = run(fake, tmp_path / "relall", "--versions", "release", "--release-gate", "all")
    assert not any(f["status"] == "existing" for t in doc_all["tasks"] for f in t["findings"])


def test_release_snapshots_replay_offline(fake: FakeWeData, env: None, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    code, live = run(fake, tmp_path / "live", "--versions", "release", "--save-snapshots", str(snaps))
    names = sorted(p.name for p in snaps.iterdir())
    kerberos = TASKS["release-regression-kerberos"]
    assert len([n for n in names if n.startswith(kerberos + "--")]) == 2  # both versions, named by version id
    saved = json.loads(next(snaps.glob(kerberos + "--*.json")).read_text())["_wedata_audit"]
    assert saved["versions"] and saved["context"]["release"]["mode"] == "release"
    offline = main(["check", str(snaps), "-o", str(tmp_path / "off"), "--format", "json", "-q"])
    doc = json.loads((tmp_path / "off" / "report.json").read_text())
    jsonschema.validate(doc, load_schema("report.schema.json"))
    assert offline == code

    def verdicts(d: dict[str, Any]) -> dict[str, Any]:
        return {t["task_id"]: (t["status"], t["outcomes"], [(f["rule_id"], f["status"]) for f in t["findings"]],
                               t.get("release")) for t in d["tasks"]}

    assert verdicts(doc) == verdicts(live)
    assert doc["summary"] == live["summary"]


def test_release_summaries_show_regressions_first(fake: FakeWeData, env: None, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sum"
    cfg = tmp_path / "sum.yaml"
    cfg.write_text("select: {}\n")
    main(["audit", "--config", str(cfg), "--project-id", fake.project_id, "--region", REGION, "--endpoint",
          fake.endpoint, "--rate", "500", "-o", str(out), "--format", "html", "--format", "markdown",
          "--versions", "release"])
    term = capsys.readouterr().out
    assert "release review:" in term
    lines = term.splitlines()
    first_regression = next(i for i, line in enumerate(lines) if "REGRESSION" in line)
    first_changed = next(i for i, line in enumerate(lines) if line.startswith("  changed "))
    assert first_regression < first_changed
    assert "enableKerberosLogin/ParamValue: true -> false" in term
    md = (out / "report.md").read_text()
    assert "### Release review" in md and "**regression**" in md
    assert md.index("**regression**") < md.index("**changed**")
    html = (out / "report.html").read_text()
    assert 'id="release"' in html and "enableKerberosLogin" in html
    assert "AKID" not in html + md + term
    assert "<script>alert" not in html  # task texts are escaped here too


def test_versions_from_the_configuration_and_bad_values(fake: FakeWeData, env: None, tmp_path: Path) -> None:
    cfg = tmp_path / "prod.yaml"
    cfg.write_text("select: {}\nversions: production\n")
    out = tmp_path / "cfgprod"
    main(["audit", "--config", str(cfg), "--project-id", fake.project_id, "--region", REGION, "--endpoint",
          fake.endpoint, "--rate", "500", "-o", str(out), "--format", "json", "-q"])
    doc = json.loads((out / "report.json").read_text())
    assert by_task(doc)[TASKS["release-regression-kerberos"]]["version_num"] == "V2"
    cfg.write_text("select: {}\nversions: newest\n")
    assert main(["audit", "--config", str(cfg), "--project-id", fake.project_id, "--region", REGION,
                 "--endpoint", fake.endpoint, "-o", str(tmp_path / "bad"), "-q"]) == 2
    assert main(["audit", "--task", "1", "--refresh", "--project-id", fake.project_id, "--region", REGION,
                 "--endpoint", fake.endpoint, "-o", str(tmp_path / "bad2"), "-q"]) == 2

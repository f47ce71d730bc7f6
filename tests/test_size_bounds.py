"""Size bounds: very large inputs finish with the correct outcome (no timing assertions here; the figures
are printed by ``bench/size_bench.py``).

* a CodeContent of 20 MB (Base64 of about 15 MB of text), through the command line in process;
* a TaskExtConfigurationList of 100,000 entries, through the command line in process;
* 50,000 versions in JSON Lines, through the pipeline (``pipeline.run_audit``) in process, JSON report only
  (about 140 MB of input; the slowest case, about 12 s).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.cli import main
from wedata_audit.errors import EXIT_FINDINGS, EXIT_INCOMPLETE
from wedata_audit.model.finding import Severity
from wedata_audit.pipeline import run_audit
from wedata_audit.policy.loading import build_rules, load_raw_rules
from wedata_audit.settings.plan import AuditPlan, ReportTarget
from wedata_audit.sources import FileSource
from wedata_audit.terminal import Terminal

from .size_inputs import (
    BAD_EXT_INDEX,
    BAD_LINE,
    COMPLIANT_EVERY,
    EXAMPLE_FINDINGS,
    EXT_ENTRIES,
    TASKS,
    write_big_code,
    write_big_ext,
    write_many_tasks,
)


def check(path: Path, out: Path) -> tuple[int, dict[str, Any]]:
    code = main(["check", str(path), "-o", str(out), "--format", "json", "-q"])
    return code, json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_20_mb_code_content_is_decoded_and_scanned_to_the_end(tmp_path: Path) -> None:
    path = tmp_path / "big-code.json"
    secret_line = write_big_code(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert len(doc["Response"]["Data"]["Task"]["TriggerTaskConfiguration"]["CodeContent"]) >= 20_000_000
    del doc
    code, report = check(path, tmp_path / "out")
    assert code == EXIT_FINDINGS
    (task,) = report["tasks"]
    assert task["status"] == "failed" and task["error"] is None
    assert task["outcomes"]["code-decodes"] == "pass"  # all 20 MB is valid Base64 of UTF-8
    assert sorted({f["rule_id"] for f in task["findings"]}) == sorted([*EXAMPLE_FINDINGS, "no-secrets-in-code"])
    (secret,) = [f for f in task["findings"] if f["rule_id"] == "no-secrets-in-code"]
    assert f"at line {secret_line} (a shell variable for a password" in secret["message"]
    assert secret["message"].endswith("the matched text is redacted")
    assert "s3cr3t" not in json.dumps(report)
    assert len(json.dumps(report)) < 100_000  # the code is not copied into the report


def test_100000_ext_entries_are_all_read(tmp_path: Path) -> None:
    path = tmp_path / "big-ext.json"
    write_big_ext(path)
    code, report = check(path, tmp_path / "out")
    assert code == EXIT_FINDINGS
    (task,) = report["tasks"]
    assert task["status"] == "failed" and task["error"] is None
    # the last entry turns Kerberos login on: the map holds every entry, the last key winning
    assert task["outcomes"]["kerberos-login"] == "pass"
    expected = sorted({*EXAMPLE_FINDINGS, "schema"} - {"kerberos-login"})
    assert sorted({f["rule_id"] for f in task["findings"]}) == expected
    (schema,) = [f for f in task["findings"] if f["rule_id"] == "schema"]
    assert schema["key"] == f"/Task/TriggerTaskConfiguration/TaskExtConfigurationList/{BAD_EXT_INDEX}/ParamValue"
    assert EXT_ENTRIES == 100_000


@pytest.fixture(scope="module")
def many_tasks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("size") / "many.jsonl"
    return path, write_many_tasks(path)


def test_50000_versions_in_json_lines(many_tasks: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    path, expected = many_tasks
    rules = build_rules(load_raw_rules([]))
    seen = 0

    def count(_task: Any) -> None:
        nonlocal seen
        seen += 1

    seen_tasks: list[Any] = []

    def keep(task: Any) -> None:
        count(task)
        seen_tasks.append(task)

    out = tmp_path / "out"
    plan = AuditPlan(rules=tuple(rules), fail_on=Severity.HIGH, targets=(ReportTarget("json", out / "report.json"),))
    code = run_audit(plan, FileSource([str(path)]), Terminal(0, True), on_task=keep)
    assert seen == len(seen_tasks) == TASKS
    sources = [t.subject.source for t in seen_tasks]
    assert sources[0] == f"{path}:1" and sources[-1] == f"{path}:{TASKS}"
    (errored,) = [t for t in seen_tasks if t.error is not None]
    assert errored.subject.source == f"{path}:{BAD_LINE}" and "invalid JSON" in errored.error
    for i in (0, 1, COMPLIANT_EVERY, TASKS - 1):
        task = seen_tasks[i]
        assert task.subject.version_id == f"v-{i:06d}"
        assert task.status == ("passed" if i % COMPLIANT_EVERY == 0 else "failed")
    assert code == EXIT_INCOMPLETE  # the line that is not JSON wins over the findings
    with (out / "report.json").open(encoding="utf-8") as fh:
        report = json.load(fh)
    summary = report["summary"]
    assert {k: summary[k] for k in expected} == expected
    assert summary["findings"] == len(EXAMPLE_FINDINGS) * expected["failed"]
    assert report["summary"]["tasks"] == TASKS and len(report["tasks"]) == TASKS
    assert report["summary"]["errored"] == 1 and report["run"]["complete"] is False

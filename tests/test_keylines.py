"""Lines of real findings in the files they came from, the way a streaming reporter asks (keylines)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.engine import Engine
from wedata_audit.model.finding import Finding, Subject
from wedata_audit.policy.loading import build_rules, load_raw_rules
from wedata_audit.reporters.locations.keylines import KeyLines
from wedata_audit.sources.files import read_snapshots

ROOT = Path(__file__).resolve().parent.parent
ENGINE = Engine(build_rules(load_raw_rules([])))
# What the line of each default-pack finding on the example shows
TOKENS = {
    "schema": '"TaskName":',
    "approval-status": '"ApproveStatus":',
    "description": '"TaskDescription":',
    "kerberos-login": '"ParamKey": "enableKerberosLogin"',
    "task-naming": '"TaskName":',
    "wait-ttl-bounded": '"ParamKey": "waitExecutionTotalTTL"',
}


def example(remark: str, name: Any = "bad name") -> dict[str, Any]:
    doc = json.loads((ROOT / "examples" / "latest-version-v4.response.json").read_text(encoding="utf-8"))
    data = doc["Response"]["Data"]
    data["VersionRemark"] = remark
    data["Task"]["TriggerTaskBaseAttribute"]["TaskName"] = name
    return doc


def audit(paths: list[str]) -> list[tuple[Finding, int]]:
    lines = KeyLines()
    out = []
    for snap in read_snapshots(paths):
        task = ENGINE.audit(snap)
        got = lines.lines(task.subject, [f.key for f in task.findings])
        out.extend((f, got[f.key]) for f in task.findings)
    return out


def test_findings_of_single_array_and_jsonl_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("one.json").write_text(json.dumps(example("one", 5), indent=2), encoding="utf-8")
    Path("many.json").write_text(json.dumps([example("a"), example("b")], indent=1).replace("\n", "\r\n"),
                                 encoding="utf-8")
    Path("lines.jsonl").write_text("\n".join(["", json.dumps(example("l2")), json.dumps([example("l3a"),
                                   example("l3b")])]) + "\n", encoding="utf-8")
    results = audit(["one.json", "many.json", "lines.jsonl"])
    rules = {f.rule_id for f, _ in results}
    assert set(TOKENS) <= rules
    sources = {f.subject.source for f, _ in results}
    assert sources == {"one.json", "many.json[0]", "many.json[1]", "lines.jsonl:2", "lines.jsonl:3[0]",
                       "lines.jsonl:3[1]"}
    texts = {name: Path(name).read_text(encoding="utf-8").split("\n") for name in ("one.json", "many.json")}
    for finding, line in results:
        source = finding.subject.source
        if source.startswith("lines.jsonl"):
            assert line == int(source.split(":")[1].split("[")[0])
            continue
        path = source.split("[")[0]
        shown = texts[path][line - 1].strip()
        assert shown.startswith(TOKENS.get(finding.rule_id, "")), (finding.rule_id, shown)
    # each array element's findings are on its own lines: b's come after a's
    a = {f.rule_id: n for f, n in results if f.subject.source == "many.json[0]"}
    b = {f.rule_id: n for f, n in results if f.subject.source == "many.json[1]"}
    assert all(b[r] > max(a.values()) for r in b)


def test_sources_that_are_no_file_or_are_gone(tmp_path: Path) -> None:
    lines = KeyLines(base=tmp_path)
    assert lines.line(Subject(source="api:123"), "ApproveStatus") == 1
    assert lines.line(Subject(source="<stdin>:3"), "ApproveStatus") == 1
    assert lines.line(Subject(source="gone.json"), "ApproveStatus") == 1
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe")
    assert lines.line(Subject(source="bad.json"), "ApproveStatus") == 1
    (tmp_path / "ok.json").write_text('{"VersionRemark": 1,\n"ApproveStatus": null}', encoding="utf-8")
    assert lines.line(Subject(source="ok.json"), "ApproveStatus") == 2
    assert lines.line(Subject(source="ok.json[4]"), "ApproveStatus") == 1
    assert lines.line(Subject(source="ok.json"), "nope") == 1
    assert lines.lines(Subject(source="ok.json"), ["ApproveStatus", "VersionRemark", "ApproveStatus"]) == {
        "ApproveStatus": 2, "VersionRemark": 1}

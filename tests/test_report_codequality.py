"""GitLab Code Quality: the array GitLab reads, one entry per open finding, stable unique fingerprints,
locations as in SARIF, no BOM, and a marker that knows our files (the empty one too) and nothing else."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.report_factory import sample_result
from wedata_audit.cli import main
from wedata_audit.model.finding import Severity
from wedata_audit.reporters import registry
from wedata_audit.reporters.formats.codequality import CodeQualityReporter, render_document

from .conftest import EXAMPLES

SEVERITIES = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor", "info": "info"}
GITLAB_SEVERITIES = set(SEVERITIES.values())


def test_registered_with_gitlabs_file_name() -> None:
    assert registry()["codequality"] is CodeQualityReporter
    assert CodeQualityReporter.default_filename == "gl-code-quality-report.json"


def test_one_entry_per_open_finding_in_gitlabs_shape() -> None:
    result = sample_result(8)
    text = render_document(result)
    assert not text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    entries = json.loads(text)
    opened = [f for f in result.findings() if f.is_open]
    assert len(entries) == len(opened) > 0
    for entry, finding in zip(entries, opened, strict=True):
        assert set(entry) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert entry["check_name"] == f"wedata-audit/{finding.rule_id}"
        assert entry["severity"] == SEVERITIES[finding.severity.value]
        assert isinstance(entry["description"], str) and entry["description"]
        assert "\n" not in entry["description"]
        loc = entry["location"]
        assert loc["path"] == "exports/project-a/tasks.jsonl" and "://" not in loc["path"]
        assert loc["lines"]["begin"] >= 1
    assert len({e["fingerprint"] for e in entries}) == len(entries)


def test_every_severity_maps() -> None:
    result = sample_result(1, kinds=("failed",), hostile=False)
    base = result.tasks[0].findings[0]
    findings = tuple(replace(base, severity=s, key=s.value) for s in Severity)
    tasks = [replace(result.tasks[0], findings=findings)]
    entries = json.loads(render_document(replace(result, tasks=tasks)))
    assert [e["severity"] for e in entries] == [SEVERITIES[s.value] for s in Severity]


def test_fingerprints_are_stable_and_unique_even_for_a_version_read_twice() -> None:
    result = sample_result(1, kinds=("failed",), hostile=False)
    twice = replace(result, tasks=[result.tasks[0], result.tasks[0]])
    first = [e["fingerprint"] for e in json.loads(render_document(twice))]
    again = [e["fingerprint"] for e in json.loads(render_document(twice))]
    assert first == again
    assert len(set(first)) == len(first)


def test_empty_report_is_our_own_empty_layout() -> None:
    result = sample_result(1, kinds=("passed",), hostile=False)
    text = render_document(result)
    assert text == "[\n]\n" and json.loads(text) == []


@pytest.mark.parametrize(("content", "ours"), [
    ("[\n]\n", True),
    ('[\n{"check_name":"wedata-audit/kerberos-login","description":"x"}\n]\n', True),
    ("[]", False),
    ("[]\n", False),
    ("[\n]\n\n", False),
    ('[{"check_name":"rubocop/x"}]', False),
    ('[\n{"check_name":"other/x"}\n]\n', False),
    ('{"check_name":"wedata-audit/x"}', False),
])
def test_marker_knows_our_files_only(tmp_path: Path, content: str, ours: bool) -> None:
    path = tmp_path / "gl-code-quality-report.json"
    path.write_text(content, encoding="utf-8")
    assert CodeQualityReporter.wrote(path) is ours


def test_a_foreign_empty_array_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "gl-code-quality-report.json"
    target.write_text("[]", encoding="utf-8")
    assert main(["check", str(EXAMPLES), "--format", f"codequality={target}"]) == 2
    assert "not a codequality report written by wedata-audit" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "[]"


def test_check_on_snapshots_points_at_the_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    for f in EXAMPLES.glob("*.json"):
        (snaps / f.name).write_bytes(b"\n\n" + f.read_bytes())
    monkeypatch.chdir(tmp_path)
    assert main(["check", "snaps", "--format", "codequality", "-o", "out", "-q"]) == 1
    raw = (tmp_path / "out" / "gl-code-quality-report.json").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    entries = json.loads(raw)
    assert {e["severity"] for e in entries} <= GITLAB_SEVERITIES
    kerberos = [e for e in entries if e["check_name"] == "wedata-audit/kerberos-login"]
    assert kerberos
    for e in kerberos:
        lines = (tmp_path / e["location"]["path"]).read_text(encoding="utf-8").splitlines()
        assert '"enableKerberosLogin"' in lines[e["location"]["lines"]["begin"] - 1]

"""Text helpers for CI-native formats (wedata_audit.reporters.citext)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wedata_audit.model.finding import Finding, Severity, Subject
from wedata_audit.reporters.citext import (
    CODEQUALITY_SEVERITY,
    UniqueFingerprints,
    codequality_fingerprint,
    codequality_severity,
    escape_data,
    escape_property,
    live_path,
    location_path,
    primary_location_line_hash,
    source_path,
    workflow_command,
)
from wedata_audit.sources.api.saving import snapshot_file_name


def finding(rule: str = "kerberos-login", key: str = "ext.enableKerberosLogin", message: str = "m",
            **subject: str) -> Finding:
    fields = {"source": "snaps/a.json", "project_id": "1460947878944567296", "task_id": "20251121163138956",
              "version_id": "v4", "version_num": "4"}
    fields.update(subject)
    return Finding(rule_id=rule, severity=Severity.HIGH, title="t", message=message, subject=Subject(**fields),
                   key=key)


# --- GitHub workflow commands ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "data", "prop"), [
    ("plain", "plain", "plain"),
    ("100%", "100%25", "100%25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("k: v, w", "k: v, w", "k%3A v%2C w"),
    ("%0A", "%250A", "%250A"),
    ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
    ("\ud800", "\ufffd", "\ufffd"),
])
def test_escaping_is_the_toolkits(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_workflow_command_shape() -> None:
    line = workflow_command("error", "Kerberos: off\nsee docs",
                            {"file": "snaps/a,b.json", "line": 12, "title": "kerberos-login: x", "col": None,
                             "endLine": 0})
    assert line == "::error file=snaps/a%2Cb.json,line=12,title=kerberos-login%3A x::Kerberos: off%0Asee docs"
    assert workflow_command("notice", "12 more") == "::notice::12 more"
    with pytest.raises(ValueError):
        workflow_command("error::x", "m")
    with pytest.raises(ValueError):
        workflow_command("error", "m", {"file=x,line": "1"})


def test_a_task_name_cannot_start_a_command() -> None:
    name = "x\n::error::pwned\r::add-mask::y\r\n::stop-commands::z"
    line = workflow_command("error", f"task {name} fails", {"title": name, "file": name})
    lines = re.split(r"\r\n|\r|\n", line)
    assert lines == [line]
    assert [ln for ln in lines if ln.startswith("::")] == [line]
    # the runner reads properties up to the first "::" after the command: none can come from the name
    head, _, message = line[2:].partition("::")
    assert head.startswith("error title=x%0A%3A%3Aerror%3A%3Apwned") and "::" not in head
    assert message == "task x%0A::error::pwned%0D::add-mask::y%0D%0A::stop-commands::z fails"


@given(st.text(), st.text())
def test_no_text_escapes_its_line(message: str, value: str) -> None:
    line = workflow_command("warning", message, {"title": value, "file": value})
    assert "\n" not in line and "\r" not in line
    command, _, rest = line[2:].partition("::")
    assert command.startswith("warning")
    assert "::" not in command  # properties can hold no "::"
    props = command[len("warning "):]
    # exactly the properties given: a "," or ":" in a value cannot add one
    assert [p.split("=", 1)[0] for p in props.split(",")] == (["title", "file"] if value else [""])
    # unescaping gives the text back (GitHub's runner unescapes the same way)
    unescaped = rest.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
    assert unescaped == message.translate({c: 0xFFFD for c in range(0xD800, 0xE000)})


# --- SARIF primaryLocationLineHash -------------------------------------------------------------


def test_line_hash_form_and_stability() -> None:
    base = primary_location_line_hash(finding())
    assert re.fullmatch(r"[0-9a-f]{16}:1", base)
    # not the message, the version, nor where the file is
    assert primary_location_line_hash(finding(message="other words")) == base
    assert primary_location_line_hash(finding(version_id="v5", version_num="5")) == base
    assert primary_location_line_hash(finding(source="moved/a.jsonl:40")) == base
    assert primary_location_line_hash(finding(), occurrence=2) == base[:-1] + "2"
    # but project, task, rule and key
    others = {primary_location_line_hash(f) for f in (
        finding(project_id="2"), finding(task_id="2"), finding(rule="approval-status"), finding(key="ApproveStatus"))}
    assert base not in others and len(others) == 4
    with pytest.raises(ValueError):
        primary_location_line_hash(finding(), occurrence=0)


def test_line_hash_of_a_task_without_id_uses_its_source() -> None:
    a = primary_location_line_hash(finding(task_id="", source="a.json"))
    b = primary_location_line_hash(finding(task_id="", source="b.json"))
    assert a != b


# --- GitLab Code Quality -------------------------------------------------------------------------


def test_severity_mapping() -> None:
    assert {s.value: codequality_severity(s) for s in Severity} == {
        "critical": "blocker", "high": "critical", "medium": "major", "low": "minor", "info": "info"}
    assert set(CODEQUALITY_SEVERITY) == set(Severity)


def test_codequality_fingerprints_are_stable_and_tell_versions_apart() -> None:
    base = codequality_fingerprint(finding())
    assert re.fullmatch(r"[0-9a-f]{32}", base)
    assert codequality_fingerprint(finding(message="reworded")) == base
    assert codequality_fingerprint(finding(version_id="v3", version_num="3")) != base
    assert codequality_fingerprint(finding(version_id="", version_num="3")) != codequality_fingerprint(
        finding(version_id="", version_num="4"))
    assert codequality_fingerprint(finding(rule="owner")) != base
    assert codequality_fingerprint(finding(key="ApproveStatus")) != base


def test_unique_fingerprints_within_a_report() -> None:
    unique = UniqueFingerprints()
    same = [finding(), finding(), finding(source="copy.json"), finding(version_id="v3")]
    prints = [unique(f) for f in same]
    assert len(set(prints)) == 4
    assert prints[0] == codequality_fingerprint(same[0])
    assert all(re.fullmatch(r"[0-9a-f]{32}", p) for p in prints)
    again = UniqueFingerprints()
    assert [again(f) for f in same] == prints  # stable while the order is


# --- paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "want"), [
    ("snaps/a.json", "snaps/a.json"),
    ("./snaps/../snaps/a.json", "snaps/a.json"),
    ("snaps/a.jsonl:12", "snaps/a.jsonl"),
    ("snaps/a.json[3]", "snaps/a.json"),
    ("snaps/a.jsonl:12[0]", "snaps/a.jsonl"),
    ("snaps/测试 a.json", "snaps/测试 a.json"),
    ("http:x.json", "./http:x.json"),
])
def test_file_sources(tmp_path: Path, source: str, want: str) -> None:
    assert location_path(Subject(source=source), live=False, cwd=tmp_path) == want


def test_absolute_file_sources(tmp_path: Path) -> None:
    inside = tmp_path / "snaps" / "a.json"
    assert location_path(Subject(source=f"{inside}:3"), live=False, cwd=tmp_path) == "snaps/a.json"
    outside = tmp_path.parent / "elsewhere" / "b.json"
    assert location_path(Subject(source=str(outside)), live=False, cwd=tmp_path) == "../elsewhere/b.json"


def test_a_file_named_like_a_suffix(tmp_path: Path) -> None:
    (tmp_path / "odd:1").write_text("{}")
    assert source_path("odd:1", tmp_path) == "odd:1"
    assert source_path("other:1", tmp_path) == "other"
    assert source_path("plain", tmp_path) == "plain"


def test_live_and_stdin_sources(tmp_path: Path) -> None:
    subject = Subject(source="api:20251121163138956", project_id="1460947878944567296", task_id="20251121163138956")
    assert location_path(subject, live=True, cwd=tmp_path) == "wedata/1460947878944567296/20251121163138956.json"
    assert location_path(subject, live=False, cwd=tmp_path) == live_path(subject)
    stdin = Subject(source="<stdin>:3", project_id="p", task_id="t")
    assert location_path(stdin, live=False, cwd=tmp_path) == "wedata/p/t.json"
    # the file name is the one --save-snapshots writes
    odd = Subject(source="api:a/b", project_id="p", task_id="a/b")
    assert location_path(odd, live=True).endswith("/" + snapshot_file_name("a/b"))


HOSTILE_IDS = ["..", "../../etc/passwd", "/etc/passwd", "C:\\Windows", "http://evil/x", "file:///x", "a/b", "",
               ".", "...", "\x00", "a\nb", "\ud800", "~", "%2e%2e", "wedata://p/t"]


@pytest.mark.parametrize("project", HOSTILE_IDS)
@pytest.mark.parametrize("task", HOSTILE_IDS)
def test_hostile_ids_make_a_plain_relative_path(project: str, task: str) -> None:
    path = location_path(Subject(source=f"api:{task}", project_id=project, task_id=task), live=True)
    parts = path.split("/")
    assert len(parts) == 3 and parts[0] == "wedata" and parts[2].endswith(".json")
    assert all(p not in ("", ".", "..") and not p.startswith(".") for p in parts)
    assert ":" not in path and "\\" not in path and "%" not in path
    assert not PurePosixPath(path).is_absolute()
    assert re.fullmatch(r"[A-Za-z0-9_./-]+", path)


def test_hostile_ids_do_not_collide() -> None:
    paths = {location_path(Subject(source="api:x", project_id="p", task_id=t), live=True) for t in HOSTILE_IDS}
    assert len(paths) == len(HOSTILE_IDS)

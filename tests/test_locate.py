"""Finding keys located in the raw text of snapshot files (wedata_audit.reporters.locations.locate)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wedata_audit.reporters.locations.docstarts import DocumentStart, document_start, document_starts
from wedata_audit.reporters.locations.keypaths import candidates
from wedata_audit.reporters.locations.locate import Locator, key_line, line_of
from wedata_audit.sources.files import snapshots_from_text
from wedata_audit.view.document import CONTEXT_FIELDS, TASK_SECTIONS, pairs_to_map
from wedata_audit.view.fields import key_roots

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
RULES = sorted((ROOT / "rules").glob("*.yaml"))


def rule_keys() -> list[str]:
    """Every ``key`` of the default pack's checks and conditions (also ``value: {key: ...}``)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("key"), str):
                found.append(node["key"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in RULES:
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")):
            walk(rule.get("check"))
            walk(rule.get("when"))
    return sorted(set(found))


def name_lines(text: str, name: str, depth: int, unit: int = 4) -> list[int]:
    """Lines of a pretty-printed text that start with the member ``"name":`` indented ``depth`` levels."""
    start = " " * (unit * depth) + json.dumps(name) + ":"
    return [i for i, line in enumerate(text.split("\n"), 1) if line.startswith(start)]


def param_lines(text: str, param: str, depth: int = 7, unit: int = 4) -> list[int]:
    start = " " * (unit * depth) + '"ParamKey": ' + json.dumps(param)
    return [i for i, line in enumerate(text.split("\n"), 1) if line.startswith(start)]


def expected(data: dict[str, Any], key: str) -> tuple[str, str, int, bool]:
    """What the view reads ``key`` from, by the parsed data: (kind, name, depth in a Response document,
    whole key found). An oracle for plain keys and ``a || b`` only, independent of the text."""
    for alternative in key.split(" || "):
        root, _, rest = alternative.partition(".")
        task = data.get("Task") or {}
        merged: dict[str, Any] = {}
        for section in TASK_SECTIONS:
            merged.update(task.get(section) or {})
        if root == "task":
            if rest in merged:
                return "name", rest, 5, True
        elif root == "ext":
            if rest in pairs_to_map(merged.get("TaskExtConfigurationList")):
                return "param", rest, 7, True
        elif root in ("code", "code_error"):
            if "CodeContent" in merged:
                return "name", "CodeContent", 5, True
        elif root in data:
            return "name", root, 3, True
    root, _, rest = key.split(" || ")[0].partition(".")
    fallback = {"task": ("Task", 3), "ext": ("TaskExtConfigurationList", 5)}
    return "name", *fallback[root], False


# --- the default pack on the documentation's examples ----------------------------------------


def test_default_pack_keys_are_collected() -> None:
    keys = rule_keys()
    assert "ext.enableKerberosLogin" in keys and "ApproveStatus" in keys and "code" in keys
    assert len(keys) >= 15


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("key", rule_keys())
def test_every_default_rule_key_on_the_examples(example: Path, key: str) -> None:
    text = example.read_text(encoding="utf-8")
    if key_roots(key) & set(CONTEXT_FIELDS):  # context is not in the version's file: no line, never a wrong one
        assert key_line(text, key) is None and key_line(text, key, exact=True) is None
        return
    data = json.loads(text)["Response"]["Data"]
    kind, name, depth, whole = expected(data, key)
    lines = name_lines(text, name, depth) if kind == "name" else param_lines(text, name, depth)
    assert len(lines) == 1, f"oracle: {name} is not unique in {example.name}"
    assert key_line(text, key) == lines[0]
    assert key_line(text, key, exact=True) == (lines[0] if whole else None)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_named_lines_on_the_examples(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    lines = text.split("\n")
    locator = Locator(text)

    def at(key: str) -> str:
        line = locator.line(key)
        assert line is not None, key
        return lines[line - 1].strip()

    assert at("ext.enableKerberosLogin").startswith('"ParamKey": "enableKerberosLogin"')
    assert at("ApproveStatus").startswith('"ApproveStatus":')
    assert at("/Task/TriggerTaskBaseAttribute/TaskName").startswith('"TaskName":')
    assert at("task.TaskName") == at("/Task/TriggerTaskBaseAttribute/TaskName")
    assert at("task_type").startswith('"TaskTypeId":')
    assert at("code_error").startswith('"CodeContent":')
    assert at("/").startswith('"Data": {')
    assert at("/Task/TriggerTaskConfiguration/TaskExtConfigurationList/0") == "{"
    # any/not conditions join keys with " | "; "param x" names no field
    assert at("param accepted | ApproveStatus").startswith('"ApproveStatus":')
    assert locator.line("param accepted") is None
    # JMESPath beyond a dotted path: the plain prefix that resolves
    assert at("length(code)").startswith('"CodeContent":')
    assert locator.line("length(code)", exact=True) is None
    assert at("task.TaskExtConfigurationList[?ParamKey=='x'].ParamValue").startswith('"TaskExtConfigurationList":')
    assert at("task.TaskExtConfigurationList[-1].ParamKey").startswith('"ParamKey":')
    assert at("task | TaskName").startswith('"TaskName":')
    # nothing resolves
    for key in ("", "   ", "nope", "nope.deeper", "[0]", "ext", "/nope/x", "x[", "`1`", "@"):
        if key == "ext":
            assert locator.line(key) is not None
            continue
        assert locator.line(key) is None, key


# --- formatting: the same data, written any way ------------------------------------------------

FORMATTING_KEYS = ["ApproveStatus", "VersionRemark", "task.TaskName", "task.ResourceGroup", "ext.enableKerberosLogin",
                   "ext.python_type", "code", "task_type", "/Task/TriggerTaskBaseAttribute/OwnerUin"]
HOSTILE = st.sampled_from(['"ApproveStatus": "x"', "{", "}", "[", "]", '\\"', "\\",
                           '", "ParamKey": "enableKerberosLogin',
                           "\n", "\r\n", "\u2028", "TaskName", "测试任务", "😀", "\x00", ":", ","])
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=5)), max_size=6).map("".join)


def wrap(data: dict[str, Any], shape: str) -> Any:
    if shape == "response":
        return {"Response": {"Data": data, "RequestId": "r"}, "_wedata_audit": {"project_id": "p"}}
    if shape == "data":
        return {"Data": data}
    return data


def depth_of(key: str, shape: str) -> int:
    base = {"response": 3, "data": 2, "bare": 1}[shape]
    if key.startswith("ext."):
        return base + 4  # Task, section, list, entry, then the ParamKey
    if key.startswith(("task", "code", "/Task")):
        return base + 2
    return base


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    indent=st.one_of(st.none(), st.integers(0, 4), st.just("\t")),
    compact=st.booleans(),
    ensure_ascii=st.booleans(),
    crlf=st.booleans(),
    shape=st.sampled_from(["response", "data", "bare"]),
    description=HOSTILE_TEXT,
    name=HOSTILE_TEXT,
    extra=st.dictionaries(HOSTILE_TEXT, HOSTILE_TEXT, max_size=3),
    key=st.sampled_from(FORMATTING_KEYS),
)
def test_any_formatting_finds_the_same_member(indent: int | str | None, compact: bool,
                                              ensure_ascii: bool, crlf: bool, shape: str, description: str,
                                              name: str, extra: dict[str, str], key: str) -> None:
    data = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))["Response"]["Data"]
    base = data["Task"]["TriggerTaskBaseAttribute"]
    base["TaskDescription"] = description
    base["TaskName"] = name
    base.update({k: v for k, v in extra.items() if k not in base})
    data["VersionRemark"] = json.dumps(extra)
    data["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"].append(
        {"ParamKey": description, "ParamValue": name})
    doc = wrap(data, shape)
    canonical = json.dumps(doc, indent=2)
    want = key_line(canonical, key)
    assert want is not None
    # the oracle on the canonical form: the line is that member's, at its depth
    line = canonical.split("\n")[want - 1]
    assert len(line) - len(line.lstrip(" ")) == 2 * depth_of(key, shape)

    separators = (",", ":") if compact else None
    text = json.dumps(doc, indent=indent, separators=separators, ensure_ascii=ensure_ascii)
    if crlf:
        text = text.replace("\n", "\r\n")
    got = key_line(text, key)
    assert got == (1 if indent is None else want)
    # and the offset is that member's own name (or the ParamKey's value)
    offset = Locator(text).offset(key)
    assert offset is not None
    token = json.JSONDecoder().raw_decode(text, offset)[0]
    assert token == {"ext.enableKerberosLogin": "enableKerberosLogin", "ext.python_type": "python_type",
                     "code": "CodeContent", "task_type": "TaskTypeId", "task.TaskName": "TaskName",
                     "task.ResourceGroup": "ResourceGroup", "/Task/TriggerTaskBaseAttribute/OwnerUin": "OwnerUin",
                     }.get(key, key)


# --- hostile text, duplicates, escapes ---------------------------------------------------------


def test_strings_holding_keys_braces_and_quotes_do_not_confuse_it() -> None:
    text = (
        '{"Response": {"Data": {\n'
        '  "VersionRemark": "\\"ApproveStatus\\": \\"Y\\" } { [ ",\n'
        '  "Task": {"TriggerTaskBaseAttribute": {"TaskDescription": "\\"TaskName\\": \\"x\\"",\n'
        '    "TaskName": "a\\\\"},\n'
        '   "TriggerTaskConfiguration": {"TaskExtConfigurationList": [\n'
        '     {"ParamKey": "note", "ParamValue": "{\\"ParamKey\\": \\"enableKerberosLogin\\"}"},\n'
        '     {"ParamKey": "enableKerberosLogin",\n'
        '      "ParamValue": "false"}]}},\n'
        '  "ApproveStatus": null}}}\n'
    )
    assert key_line(text, "ApproveStatus") == 9
    assert key_line(text, "task.TaskName") == 4
    assert key_line(text, "ext.enableKerberosLogin") == 7
    assert key_line(text, "ext.note") == 6


def test_duplicate_names_resolve_to_the_last_as_json_loads_does() -> None:
    text = ('{"ApproveStatus": 1,\n"Task": {"TriggerTaskBaseAttribute": {"TaskName": "a"}},\n'
            '"ApproveStatus": 2,\n"Task": {"TriggerTaskBaseAttribute": {\n"TaskName": "b"},\n'
            '"TriggerTaskConfiguration": {"TaskExtConfigurationList": [\n{"ParamKey": "k", "ParamValue": "1"},\n'
            '{"ParamKey": "k", "ParamValue": "2"},\n{"ParamKey": "z",\n "ParamKey": "k"}, {"ParamKey": 5}]}}}')
    assert json.loads(text)["ApproveStatus"] == 2
    assert key_line(text, "ApproveStatus") == 3
    assert key_line(text, "task.TaskName") == 5
    # the last entry whose (last) ParamKey is "k": view.pairs_to_map reads the same one
    assert key_line(text, "ext.k") == 10
    assert key_line(text, "ext.z") == 6  # no entry keeps "z": the list itself, not exact
    assert key_line(text, "ext.z", exact=True) is None


def test_the_task_section_the_view_takes_a_member_from() -> None:
    # the view merges base, configuration, scheduler in that order: the last section holding a name wins
    text = ('{"Task": {\n"TriggerTaskSchedulerConfiguration": {"OwnerUin": "s"},\n'
            '"TriggerTaskBaseAttribute": {"OwnerUin": "b", "TaskName": "n"}}}')
    assert key_line(text, "task.OwnerUin") == 2
    assert key_line(text, "task.TaskName") == 3
    assert key_line(text, "/Task/TriggerTaskBaseAttribute/OwnerUin") == 3


def test_escaped_and_unicode_names() -> None:
    text = '{\n"\\u0041pproveStatus": null,\n"Task": {"TriggerTaskBaseAttribute": {\n"名前": 1, "\\ud83d\\ude00": 2}}}'
    assert key_line(text, "ApproveStatus") == 2
    assert key_line(text, 'task."名前"') == 4  # JMESPath quotes a non-ASCII name
    assert key_line(text, 'task."😀"') == 4
    assert key_line(text, "/Task/TriggerTaskBaseAttribute/😀") == 4


def test_pointers_escape_and_index() -> None:
    text = '{"a/b": {"~x": [\n10,\n{"0": 1}]}, "Task": {}}'
    assert key_line(text, "/a~1b/~0x/1") == 3
    assert key_line(text, "/a~1b/~0x/1/0") == 3
    assert key_line(text, "/a~1b/~0x/0") == 2
    assert key_line(text, "/a~1b/~0x/01") == 1  # "01" is no index: the array holding it
    assert key_line(text, "/a~1b/~0x/01", exact=True) is None
    assert key_line(text, "/a~1b/~0x/5", exact=True) is None


def test_shapes_of_a_version_document() -> None:
    bare = '{"_wedata_audit": {"ApproveStatus": 1},\n"ApproveStatus": 2}'
    assert key_line(bare, "ApproveStatus") == 2
    assert key_line(bare, "_wedata_audit") is None  # not part of Data
    wrapped = '{"RequestId": "r", "Data": {\n"ApproveStatus": 2}}'
    assert key_line(wrapped, "ApproveStatus") == 2
    error = '{"Response": {"Error": {"Code": "x"}, "ApproveStatus": 1}}'
    assert key_line(error, "ApproveStatus") is None
    assert key_line(error, "/") is None
    null_data = '{"Response": {"Data": null}}'
    assert key_line(null_data, "/") is None


@pytest.mark.parametrize("text", ["", "   ", "[]", "1", '"x"', "{", '{"ApproveStatus": ', '{"ApproveStatus" 1}',
                                  '{"a": 1,}', "{'a': 1}", '{"ApproveStatus": 1} trailing', "\ufeff\ufeff"])
def test_malformed_text_gives_none_or_a_line_never_a_crash(text: str) -> None:
    got = key_line(text, "ApproveStatus")
    assert got is None or got == 1
    assert key_line(text, "ApproveStatus", start=len(text) + 5) is None


def test_minified_and_bom() -> None:
    text = "\ufeff" + json.dumps({"Response": {"Data": {"ApproveStatus": None, "Task": {}}}})
    assert key_line(text, "ApproveStatus") == 1
    assert key_line("\ufeff \r\n" + text[1:], "ApproveStatus") == 2


def test_a_20_mb_code_content_is_walked_not_searched() -> None:
    code = base64.b64encode(b"echo '\"ApproveStatus\": {}'\n" * 700_000).decode()
    assert len(code) > 20_000_000
    ext = [{"ParamKey": f"k{i}", "ParamValue": str(i)} for i in range(20_000)]
    ext.append({"ParamKey": "enableKerberosLogin", "ParamValue": "false"})
    doc = {"Response": {"Data": {"Task": {"TriggerTaskConfiguration": {
        "CodeContent": code, "TaskExtConfigurationList": ext}}, "ApproveStatus": None}}}
    text = json.dumps(doc, indent=1)
    locator = Locator(text)
    lines = text.split("\n")
    assert lines[locator.line("ApproveStatus") - 1].strip() == '"ApproveStatus": null'  # type: ignore[operator]
    assert lines[locator.line("code") - 1].strip().startswith('"CodeContent": "ZWNo')  # type: ignore[operator]
    assert lines[locator.line("ext.enableKerberosLogin") - 1].strip() == (  # type: ignore[operator]
        '"ParamKey": "enableKerberosLogin",')
    assert lines[locator.line("ext.k19999") - 1].strip() == '"ParamKey": "k19999",'  # type: ignore[operator]


def test_deep_nesting_gives_none() -> None:
    text = '{"ApproveStatus": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert key_line(text, "/ApproveStatus/0/0") is None  # the scanner refuses such depth: no crash
    assert key_line(text, "ApproveStatus") is None


# --- the documents of a file, as sources reads them --------------------------------------------

ONE = {"Response": {"Data": {"ApproveStatus": None, "VersionRemark": "one"}}}
TWO = {"VersionRemark": "two", "ApproveStatus": "Y"}

FILES = {
    "single": json.dumps(ONE, indent=2),
    "array": json.dumps([ONE, TWO, {"Response": {"Error": {"Code": "x"}}}], indent=2),
    "empty-array": "[]",
    "invalid": '{"a": ',
    "bom-crlf": "\ufeff" + json.dumps([TWO, ONE], indent=1).replace("\n", "\r\n"),
    "jsonl": "\n".join([json.dumps(ONE), "", "  " + json.dumps(TWO), "{broken", json.dumps([TWO, ONE]), "[]", " "]),
    "jsonl-crlf": json.dumps(ONE) + "\r\n" + json.dumps(TWO) + "\r\n",
    "not-jsonl": "{}\nnope",
}


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("jsonl", [False, True])
def test_document_starts_match_what_sources_reads(name: str, jsonl: bool) -> None:
    text = FILES[name]
    snaps = list(snapshots_from_text(text, "f", jsonl=jsonl))
    starts = list(document_starts(text, jsonl=jsonl))
    assert [f"f{s.suffix}" for s in starts] == [s.source for s in snaps]
    for start, snap in zip(starts, snaps, strict=True):
        # the direct way from a source's suffix agrees
        assert document_start(text, start.suffix) == start.offset or start.offset is None
        if snap.data is None:
            continue
        assert start.offset is not None
        remark = snap.data["VersionRemark"]
        line = key_line(text, "VersionRemark", start=start.offset, exact=True)
        assert line is not None
        assert f'"VersionRemark": "{remark}"' in text.split("\n")[line - 1]
        if ":" in snap.source:  # JSON Lines: the document's line is the one sources names
            assert line == int(snap.source.split(":")[1].split("[")[0])


def test_document_start_offsets() -> None:
    text = ' \n[\n {"a": 1},\n 2 ]'
    assert list(document_starts(text)) == [DocumentStart("[0]", 5), DocumentStart("[1]", 16)]
    assert line_of(text, 5) == 3
    assert document_start(text, "[1]") == 16
    assert document_start(text, "[2]") is None
    assert document_start(text, "[01]") is None
    assert document_start(text, ":2") == 2  # a suffix is trusted, not checked against how sources read it
    assert document_start(text, ":1") is None  # but a blank line holds no document
    lines = '{"a": 1}\n\n [{"b": 2}, {"c": 3}]'
    assert document_start(lines, ":1") == 0
    assert document_start(lines, ":3[1]") == lines.index('{"c"')
    assert document_start(lines, ":4") is None
    assert document_start(lines, ":0") is None
    assert document_start(lines, "junk") is None


# --- key parsing -------------------------------------------------------------------------------


def test_candidates_of_jmespath_keys() -> None:
    assert candidates("task.TaskName") == ((("task", "TaskName"), True),)
    assert candidates("a || b.c") == ((("a",), True), (("b", "c"), True))
    assert candidates("a.b[0].c") == ((("a", "b", 0, "c"), True),)
    assert candidates("a[?x == `1`].y") == ((("a",), False),)
    assert candidates("a[1:2]") == ((("a",), False),)
    assert candidates("param accepted | ApproveStatus") == ((("ApproveStatus",), True),)
    assert candidates("length(a.b)") == ((("a", "b"), False),)
    assert candidates("a | b") == ((("a", "b"), True), (("a",), True), (("b",), True))
    assert candidates("{x: a}") == ()


JSONISH = st.text(alphabet='{}[]":,\\ \n\r\tauApproveStatusTaskDatResponse01-eEnul.', max_size=80)
ANY_KEY = st.one_of(st.sampled_from(["ApproveStatus", "task.TaskName", "ext.a", "/Task/a/0", "/", "code", "a || b",
                                     "Data", "Response"]), st.text(max_size=12))


@given(text=JSONISH, key=ANY_KEY, start=st.integers(-3, 90))
def test_any_text_and_key_give_a_line_or_none(text: str, key: str, start: int) -> None:
    got = key_line(text, key, start=max(start, 0))
    assert got is None or 1 <= got <= text.count("\n") + 1
    for doc in document_starts(text):
        assert doc.offset is None or 0 <= doc.offset < len(text)


@given(value=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=3), max_leaves=12),
       key=ANY_KEY)
def test_any_json_value_in_any_place(value: Any, key: str) -> None:
    for doc in (value, {"Response": value}, {"Response": {"Data": value}}, {"Task": value},
                {"Task": {"TriggerTaskConfiguration": {"TaskExtConfigurationList": value}}}):
        text = json.dumps(doc, indent=1)
        got = key_line(text, key)
        assert got is None or 1 <= got <= text.count("\n") + 1

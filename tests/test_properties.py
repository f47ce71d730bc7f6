"""Property tests: no input, however malformed, makes loading, the rule view, the schema check, the engine
or the command line crash.

Inputs start from the documentation example and are broken on purpose: any field at any depth replaced by
an arbitrary JSON value (null, deep nesting, huge strings, wrong types), sections deleted or nulled, fields
added, CodeContent that is not Base64 or is Base64 of bytes that are not UTF-8, duplicate keys, a UTF-8
BOM, NaN / Infinity literals, and arbitrary text or bytes as the whole file. The outcome is always a
TaskResult that is audited or errored with a reason.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wedata_audit.cli import main
from wedata_audit.engine import Engine
from wedata_audit.errors import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK
from wedata_audit.model.results import ERRORED, FAILED, PASSED, RULE_FAIL, RULE_PASS, RULE_SKIP, TaskResult
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.loading import build_rules, load_raw_rules
from wedata_audit.policy.schemacheck import SCHEMA_NAME, SchemaChecker
from wedata_audit.sources.files import MAX_DEPTH, nesting_depth, read_snapshots, snapshots_from_text
from wedata_audit.util.resources import load_schema
from wedata_audit.view.document import DERIVED_FIELDS, build_view

from .conftest import example_data

# Huge strings make Hypothesis warn that the repr of an example is large; that is the point of them.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

ENGINE = Engine(build_rules(load_raw_rules([])))
RULE_IDS = [r.id for r in ENGINE.rules]  # the core pack's schema rule first
SCHEMA = load_schema(SCHEMA_NAME)
CHECKER = SchemaChecker()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
BASE = example_data()
CODE_PATH = ("Task", "TriggerTaskConfiguration", "CodeContent")

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- where a document can break


def _locations(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _locations(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _locations(v, (*prefix, i))


LOCATIONS = list(_locations(BASE))[1:]  # every field and list item, at every depth
def _resolve(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


CONTAINERS = [p for p in [(), *LOCATIONS] if isinstance(_resolve(BASE, p), (dict, list))]


def _schema_field_names(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        names.update(node.get("properties", {}))
        for v in node.values():
            names |= _schema_field_names(v)
    elif isinstance(node, list):
        for v in node:
            names |= _schema_field_names(v)
    return names


FIELD_NAMES = sorted(_schema_field_names(SCHEMA) | {"Response", "Data", "RequestId", "Error", "_wedata_audit"})


# --------------------------------------------------------------------------- values


class Deep:
    """A value nested ``depth`` levels deep; built lazily (``json.dumps`` cannot write it when very deep)."""

    def __init__(self, depth: int, kind: str) -> None:
        self.depth, self.kind = depth, kind

    def build(self) -> Any:
        value: Any = None
        for _ in range(self.depth):
            value = [value] if self.kind == "list" else {"k": value}
        return value

    def text(self) -> str:
        if self.kind == "list":
            return "[" * self.depth + "null" + "]" * self.depth
        return '{"k":' * self.depth + "null" + "}" * self.depth

    def __repr__(self) -> str:
        return f"Deep({self.depth}, {self.kind!r})"


EDGE_STRINGS = [
    "", " ", "Y", "N", "y", "true", "false", "True", "1", "0", "-1", "1e400", "NaN", "fail", "kill",
    "APPROVED", "python3", "python3.11", "python2.7", "ALL", "FAILURE", "NONE", "ALL_SUCCESS", "all_success",
    "2025-11-24 18:05:47", "2025-11-24 18:05:47\n", "2025-11-24T18:05:47", "٢٠٢٥-١١-٢٤ ١٨:٠٥:٤٧",
    "null", "{}", "[]", '{"a": 1}', "[[[[[[[[[[]]]]]]]]]]", "e30=", "W10=", "/w==", "not base64!", "====",
    "AKID" + "A1b2" * 8, "password = 'hunter22'", "\x00", "\ud800", "\u2028", "\ufeff", "中文任务",
    "a" * 129,
]
EDGE_NUMBERS = [0, 1, -1, 4, 4.0, 5, 6, 7, 10, 11, 35, 35.0, 35.5, 2**31, 2**63, -(2**63), 2**70, 10**20,
                1e300, -1e300, 5e-324, -0.0, 0.5]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(EDGE_NUMBERS)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(EDGE_STRINGS)
)
keys = st.text(max_size=8) | st.sampled_from(FIELD_NAMES) | st.sampled_from(["ParamKey", "ParamValue", "k"])
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
huge_strings = st.builds(lambda unit, n: (unit or "x") * (n // max(1, len(unit or "x"))),
                         st.text(max_size=12), st.integers(10_000, 1_000_000))
# Around the reader's limit, around the parser's (Python's recursion limit), and far beyond both.
DEPTHS = [MAX_DEPTH - 8, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 500, 900, 980, 990, 1_000, 1_500, 2_500]
deep_values = st.builds(Deep, st.integers(1, 2_500) | st.sampled_from(DEPTHS), st.sampled_from(["list", "dict"]))
param_items = st.lists(st.fixed_dictionaries({}, optional={"ParamKey": scalars, "ParamValue": json_values}),
                       max_size=5)
any_value = json_values | huge_strings | deep_values | param_items


def materialize(value: Any) -> Any:
    if isinstance(value, Deep):
        return value.build()
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialize(v) for v in value]
    return value


def to_text(doc: Any) -> str:
    """JSON text of a document that may hold :class:`Deep` values (written by hand, at any depth)."""
    deep: list[Deep] = []

    def default(o: Any) -> str:
        if isinstance(o, Deep):
            deep.append(o)
            return f"@@deep-{len(deep) - 1}@@"
        raise TypeError(type(o).__name__)

    text = json.dumps(doc, default=default, ensure_ascii=False)
    for i, d in enumerate(deep):
        text = text.replace(json.dumps(f"@@deep-{i}@@"), d.text(), 1)
    return text


# --------------------------------------------------------------------------- mutations


mutation = st.one_of(
    st.tuples(st.just("replace"), st.sampled_from(LOCATIONS), any_value),
    st.tuples(st.just("delete"), st.sampled_from(LOCATIONS), st.none()),
    st.tuples(st.just("null"), st.sampled_from(LOCATIONS), st.none()),
    st.tuples(st.just("add"), st.sampled_from(CONTAINERS), st.tuples(keys, any_value)),
)


def apply(doc: dict[str, Any], mutations: list[tuple[str, tuple[Any, ...], Any]]) -> dict[str, Any]:
    """Apply the mutations in order; one whose location no longer exists is skipped."""
    doc = copy.deepcopy(doc)
    for op, path, arg in mutations:
        try:
            parent = _resolve(doc, path[:-1]) if path else None
            if op == "add":
                target = _resolve(doc, path)
                key, value = arg[0], copy.deepcopy(arg[1])
                if isinstance(target, dict):
                    target[key] = value
                elif isinstance(target, list):
                    target.append(value)
                continue
            last = path[-1]
            if not isinstance(parent, (dict, list)) or (isinstance(parent, list) and not isinstance(last, int)) \
                    or (isinstance(parent, dict) and not isinstance(last, str)):  # JSON keys are strings
                continue
            if op == "delete":
                del parent[last]
            else:
                parent[last] = None if op == "null" else copy.deepcopy(arg)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


mutated_docs = st.lists(mutation, min_size=1, max_size=4).map(lambda ms: apply(BASE, ms))


def wrap(kind: str, data: Any) -> Any:
    """The document around Data in each shape the loader accepts (or rejects)."""
    return {
        "response": {"Response": {"Data": data, "RequestId": "req-1"}},
        "saved": {"Response": {"Data": data, "RequestId": "req-1"},
                  "_wedata_audit": {"project_id": "p-1", "region": "ap-guangzhou"}},
        "bare": data,
        "data-only": {"Data": data, "RequestId": "req-1"},
        "array": [data, {"Response": {"Data": data, "RequestId": "req-2"}}],
    }[kind]


wrappers = st.sampled_from(["response", "saved", "bare", "data-only", "array"])


# --------------------------------------------------------------------------- checks


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("props")


def check_result(result: Any, *, audited: bool | None = None) -> TaskResult:
    """A TaskResult that is audited (every rule has an outcome) or errored with a reason."""
    assert isinstance(result, TaskResult)
    if result.error is not None:
        assert isinstance(result.error, str) and result.error.strip(), result
        assert result.status == ERRORED
        assert audited is not True, f"expected an audited task, got error: {result.error[:300]}"
    else:
        assert audited is not False, "expected an errored task"
        assert result.status in (PASSED, FAILED)
        assert [rid for rid, _ in result.outcomes] == RULE_IDS
        assert {o for _, o in result.outcomes} <= {RULE_PASS, RULE_FAIL, RULE_SKIP}
        failing = {rid for rid, o in result.outcomes if o == RULE_FAIL}
        assert {f.rule_id for f in result.findings} == failing
    for f in result.findings:
        assert isinstance(f.message, str) and f.message
        assert f.actual is None or isinstance(f.actual, str)
    subject = result.subject
    assert all(isinstance(getattr(subject, name), str) for name in subject.__slots__)
    return result


def check_snapshot(snap: Any) -> None:
    assert isinstance(snap, Snapshot)
    assert isinstance(snap.source, str) and snap.source
    if snap.error is None:
        assert isinstance(snap.data, dict)
    else:
        assert snap.data is None and isinstance(snap.error, str) and snap.error.strip()


def load(text: str, *, jsonl: bool = False) -> list[Snapshot]:
    snaps = list(snapshots_from_text(text, "in.jsonl" if jsonl else "in.json", jsonl=jsonl))
    for s in snaps:
        check_snapshot(s)
    return snaps


# --------------------------------------------------------------------------- the engine on documents


@FAST
@given(doc=mutated_docs)
def test_engine_audits_any_mutated_document(doc: dict[str, Any]) -> None:
    data = materialize(doc)
    # Data that did not come through the reader may be nested deeper than it allows: errored, not a crash.
    result = check_result(ENGINE.audit(Snapshot(source="x.json", data=data)),
                          audited=True if nesting_depth(data) <= 2 * MAX_DEPTH else None)
    if result.error is not None:
        assert "nested too deeply" in result.error


def too_deep(error: str | None) -> bool:
    return error is not None and ("nested deeper than" in error or "maximum recursion depth" in error)


@FAST
@given(doc=mutated_docs, kind=wrappers)
def test_loading_then_auditing_any_mutated_document(doc: dict[str, Any], kind: str) -> None:
    snaps = load(to_text(wrap(kind, doc)))
    data = materialize(doc)
    if nesting_depth(materialize(wrap(kind, doc))) > MAX_DEPTH:
        (snap,) = snaps
        assert too_deep(snap.error), snap.error
        check_result(ENGINE.audit(snap), audited=False)
        return
    assert len(snaps) == (2 if kind == "array" else 1)
    for snap in snaps:
        assert snap.error is None, snap.error
        assert snap.data == data  # what was written is what is audited
        check_result(ENGINE.audit(snap), audited=True)


@FAST
@given(doc=mutated_docs)
def test_rule_view_is_total_and_keeps_the_raw_fields(doc: dict[str, Any]) -> None:
    data = materialize(doc)
    view = build_view(data)
    for key, value in data.items():
        if key not in DERIVED_FIELDS:
            assert view[key] is value
    assert isinstance(view["task"], dict)
    assert isinstance(view["ext"], dict) and all(isinstance(k, str) for k in view["ext"])
    assert isinstance(view["scheduling_params"], dict)
    assert isinstance(view["ext_json"], dict) and set(view["ext_json"]) <= set(view["ext"])
    assert all(isinstance(v, (dict, list)) for v in view["ext_json"].values())
    assert view["task_type"] is None or isinstance(view["task_type"], str)
    content = view["task"].get("CodeContent")
    if content is None:
        assert view["code"] is None and view["code_error"] is None
    else:  # exactly one of the decoded text and the reason it does not decode
        assert (view["code"] is None) != (view["code_error"] is None)


@FAST
@given(sections=st.lists(st.sampled_from([
    (), ("Task",), ("Task", "TriggerTaskBaseAttribute"), ("Task", "TriggerTaskConfiguration"),
    ("Task", "TriggerTaskSchedulerConfiguration"), ("Task", "TriggerTaskConfiguration", "TaskExtConfigurationList"),
    ("Task", "TriggerTaskConfiguration", "TaskSchedulingParameterList"), CODE_PATH,
]), min_size=1, max_size=4), how=st.sampled_from(["delete", "null", "replace"]), value=json_values)
def test_missing_null_or_mistyped_sections(sections: list[tuple[str, ...]], how: str, value: Any) -> None:
    doc = apply(BASE, [(how, s, value) for s in sections if s])
    if () in sections:
        doc = {} if how == "delete" else {"VersionId": value}
    for text in (to_text(wrap("response", doc)), to_text(doc)):
        for snap in load(text):
            check_result(ENGINE.audit(snap))


# --------------------------------------------------------------------------- CodeContent


@FAST
@given(raw=st.binary(max_size=400) | st.text(max_size=200).map(lambda s: s.encode("utf-8")),
       wrap_at=st.sampled_from([0, 4, 76]))
def test_code_content_of_any_bytes(raw: bytes, wrap_at: int) -> None:
    encoded = base64.b64encode(raw).decode("ascii")
    if wrap_at:  # MIME-style line breaks are accepted
        encoded = "\n".join(encoded[i:i + wrap_at] for i in range(0, len(encoded), wrap_at))
    doc = apply(BASE, [("replace", CODE_PATH, encoded)])
    view = build_view(doc)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        assert view["code"] is None and "not UTF-8" in view["code_error"]
    else:
        assert view["code"] == text and view["code_error"] is None
    result = check_result(ENGINE.audit(Snapshot(source="x.json", data=doc)), audited=True)
    assert dict(result.outcomes)["code-decodes"] == (RULE_PASS if view["code_error"] is None else RULE_FAIL)


@FAST
@given(content=st.text(max_size=200) | st.sampled_from(["====", "e30", "e30==", "e3 0=", "ZZ", "/w==", "\u00e9Zm9v"])
       | scalars | json_values)
def test_code_content_of_anything(content: Any) -> None:
    doc = apply(BASE, [("replace", CODE_PATH, content)])
    view = build_view(doc)
    if content is None:
        assert view["code"] is None and view["code_error"] is None
    elif not isinstance(content, str):
        assert view["code"] is None and "expected a Base64 string" in view["code_error"]
    result = check_result(ENGINE.audit(Snapshot(source="x.json", data=doc)), audited=True)
    outcome = dict(result.outcomes)["code-decodes"]
    assert outcome == (RULE_SKIP if content is None else RULE_FAIL if view["code_error"] else RULE_PASS)


# --------------------------------------------------------------------------- JSON text


def dump_with_duplicate(value: Any, at: tuple[Any, ...], key: str, extra: Any, first: bool) -> str:
    """JSON text of ``value`` in which the object at ``at`` also holds ``key`` a second time."""
    if isinstance(value, dict):
        pairs = [(json.dumps(k), dump_with_duplicate(v, at[1:] if at and at[0] == k else (None,), key, extra, first))
                 for k, v in value.items()]
        if at == ():
            dup = (json.dumps(key), json.dumps(extra))
            pairs = [dup, *pairs] if first else [*pairs, dup]
        return "{" + ",".join(f"{k}:{v}" for k, v in pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump_with_duplicate(v, at[1:] if at and at[0] == i else (None,), key, extra, first)
                              for i, v in enumerate(value)) + "]"
    return json.dumps(value)


DICT_LOCATIONS = [p for p in CONTAINERS if isinstance(_resolve(BASE, p), dict)]


@FAST
@given(at=st.sampled_from(DICT_LOCATIONS), extra=json_values, first=st.booleans(), data=st.data())
def test_duplicate_keys_last_one_wins(at: tuple[Any, ...], extra: Any, first: bool, data: st.DataObject) -> None:
    target = _resolve(BASE, at)
    # ``_wedata_audit`` at the top is the snapshot's own metadata (taken out of Data), not a field of it, and a
    # top-level ``Response`` makes the document an API response (by design), not a bare version.
    key = data.draw((st.sampled_from(sorted(target)) | keys).filter(lambda k: at or k not in ("_wedata_audit",
                                                                                             "Response")),
                    label="key")
    text = dump_with_duplicate(BASE, at, key, extra, first)
    (snap,) = load(text)
    expected = copy.deepcopy(BASE)
    if not first or key not in target:
        _resolve(expected, at)[key] = extra
    assert snap.data == expected
    check_result(ENGINE.audit(snap), audited=True)


@FAST
@given(doc=mutated_docs, kind=wrappers, boms=st.integers(1, 2), jsonl=st.booleans())
def test_utf8_bom_is_tolerated(doc: dict[str, Any], kind: str, boms: int, jsonl: bool) -> None:
    text = to_text(wrap(kind, doc))
    plain = load(text, jsonl=jsonl)
    with_bom = load("\ufeff" * boms + text, jsonl=jsonl)
    assert [(s.data, s.error) for s in with_bom] == [(s.data, s.error) for s in plain]


@FAST
@given(at=st.sampled_from(LOCATIONS), literal=st.sampled_from(["NaN", "Infinity", "-Infinity"]), jsonl=st.booleans())
def test_nan_and_infinity_literals_are_errors(at: tuple[Any, ...], literal: str, jsonl: bool) -> None:
    doc = apply(BASE, [("replace", at, "@@literal@@")])
    text = json.dumps(wrap("response", doc)).replace('"@@literal@@"', literal)
    (snap,) = load(text, jsonl=jsonl)
    assert snap.error is not None and f"{literal.lstrip('-')} is not valid JSON" in snap.error
    check_result(ENGINE.audit(snap), audited=False)


@FAST
@given(depth=st.integers(1, 3_000) | st.sampled_from(DEPTHS), kind=st.sampled_from(["list", "dict"]),
       at=st.sampled_from(LOCATIONS))
def test_deep_nesting_is_audited_or_rejected_never_a_crash(depth: int, kind: str, at: tuple[Any, ...]) -> None:
    doc = apply(BASE, [("replace", at, Deep(depth, kind))])
    (snap,) = load(to_text(wrap("response", doc)))
    total = nesting_depth(materialize(wrap("response", doc)))
    assert total >= len(at) + 2 + depth  # Response, Data, the path, then the value
    if total <= MAX_DEPTH:
        assert snap.error is None
        check_result(ENGINE.audit(snap), audited=True)
    else:
        assert too_deep(snap.error), snap.error
        check_result(ENGINE.audit(snap), audited=False)


# --------------------------------------------------------------------------- arbitrary text


JSONISH = ["{", "}", "[", "]", ",", ":", '"', "\\", "null", "true", "1", "-0", "1e999", "NaN", "Infinity",
           '"Response"', '"Data"', '"Task"', '"Error"', '"RequestId"', '"_wedata_audit"', '"VersionId"',
           '"TriggerTaskConfiguration"', '"CodeContent"', '"e30="', " ", "\n", "\r\n", "\r", "\t", "\ufeff",
           "\u2028", "\x85", "\x0c", '"\\ud800"', '"\\u0000"']
arbitrary_text = (
    st.text()
    | st.text(alphabet=st.characters(codec=None, exclude_categories=()))  # lone surrogates too (stdin)
    | st.lists(st.sampled_from(JSONISH), max_size=40).map("".join)
    | st.builds(lambda doc, cut: to_text(wrap("response", doc))[:cut], mutated_docs, st.integers(0, 4000))
)


@FAST
@given(text=arbitrary_text, jsonl=st.booleans())
def test_any_text_loads_into_snapshots_and_results(text: str, jsonl: bool) -> None:
    snaps = load(text, jsonl=jsonl)
    if not jsonl:
        assert snaps, "a .json input always gives at least one snapshot (or an errored one)"
    for snap in snaps:
        check_result(ENGINE.audit(snap))


@FAST
@given(docs=st.lists(st.tuples(mutated_docs, wrappers), min_size=1, max_size=4),
       separator=st.sampled_from(["\n", "\r\n", "\n\n"]), jsonl=st.booleans())
def test_json_lines_any_strings_one_snapshot_per_line(docs: list[tuple[dict[str, Any], str]], separator: str,
                                                      jsonl: bool) -> None:
    assume(len(docs) > 1 or jsonl)
    docs = [(d, "response" if k == "array" else k) for d, k in docs]  # one object per line
    # A bare document with a top-level Response is an API response, and _wedata_audit is snapshot metadata
    # (both by design), so neither is drawn as a field of a bare version.
    assume(not any(k == "bare" and {"Response", "_wedata_audit"} & set(d) for d, k in docs))
    assume(all(nesting_depth(materialize(wrap(k, d))) <= MAX_DEPTH for d, k in docs))
    # ensure_ascii=False: U+2028, U+0085 and the like are written as they are, inside strings
    text = separator.join(to_text(wrap(kind, d)) for d, kind in docs)
    snaps = load(text, jsonl=jsonl)
    assert [s.error for s in snaps] == [None] * len(docs)
    assert [s.data for s in snaps] == [materialize(d) for d, _ in docs]
    step = separator.count("\n")
    name = "in.jsonl" if jsonl else "in.json"
    assert [s.source for s in snaps] == [f"{name}:{1 + i * step}" for i in range(len(docs))]


@SLOW
@given(content=st.binary(max_size=300) | arbitrary_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
       | st.builds(lambda d, k: to_text(wrap(k, d)).encode("utf-8", "surrogatepass"), mutated_docs, wrappers))
def test_stdin_reads_as_strictly_as_a_file(workdir: Path, content: bytes) -> None:
    path = Path(tempfile.mkdtemp(dir=workdir)) / "input.json"
    path.write_bytes(content)
    from_file = list(read_snapshots([str(path)]))
    # Like stdin in the C.UTF-8 locale: its text layer turns invalid bytes into lone surrogates.
    stdin = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8", errors="surrogateescape")
    with mock.patch("sys.stdin", stdin):
        from_stdin = list(read_snapshots(["-"]))
    for snap in from_stdin:
        check_snapshot(snap)
    assert [s.source.replace("<stdin>", str(path)) for s in from_stdin] == [s.source for s in from_file]
    assert [s.data for s in from_stdin] == [s.data for s in from_file]
    assert [(s.error or "").replace("cannot read stdin", "cannot read file") for s in from_stdin] == [
        s.error or "" for s in from_file]


# --------------------------------------------------------------------------- the schema pre-check


schema_values = st.sampled_from([None, True, False, 0, 1, 4, 4.0, 5, 6, 7, 1.5, -1, 2**64, 1e300, "", "Y", "N",
                                 "ALL", "FAILURE", "TASK", "CONSTANT", "UPSTREAM", "ALL_SUCCESS", "all_success",
                                 "2025-11-24 18:05:47", "2025-11-24 18:05:47\n", "2025-11-24", "\n",
                                 "٢٠٢٥-١١-٢٤ ١٨:٠٥:٤٧", [], {}, [None], [{}], [{"ParamKey": 1}],
                                 [{"ParamKey": "k", "ParamValue": None}], [{"TaskId": 1}], [{"Type": "TASK"}],
                                 [{"DataFlowType": "x"}]]) | json_values
schema_mutation = st.one_of(
    st.tuples(st.just("replace"), st.sampled_from(LOCATIONS), schema_values),
    st.tuples(st.just("delete"), st.sampled_from(LOCATIONS), st.none()),
    st.tuples(st.just("add"), st.sampled_from(CONTAINERS), st.tuples(st.sampled_from(FIELD_NAMES), schema_values)),
)


@settings(max_examples=500, deadline=None)
@given(mutations=st.lists(schema_mutation, min_size=1, max_size=4))
def test_fast_precheck_never_accepts_what_jsonschema_rejects(mutations: list[Any]) -> None:
    doc = apply(BASE, mutations)
    valid = VALIDATOR.is_valid(doc)
    if CHECKER.is_valid(doc):
        assert valid, list(VALIDATOR.iter_errors(doc))[:3]
    violations = list(CHECKER.violations(doc))
    assert bool(violations) == (not valid)
    for v in violations:
        assert v.pointer.startswith("/") and v.message


# --------------------------------------------------------------------------- the command line


cli_contents = (
    st.binary(max_size=300)
    | arbitrary_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
    | st.builds(lambda d, k: to_text(wrap(k, d)).encode("utf-8", "surrogatepass"), mutated_docs, wrappers)
    | st.builds(lambda d, bom: (("\ufeff" if bom else "") + to_text(wrap("response", d))).encode("utf-8",
                                                                                               "surrogatepass"),
                mutated_docs, st.booleans())
)


@SLOW
@given(content=cli_contents, suffix=st.sampled_from([".json", ".jsonl"]))
def test_cli_exit_code_is_0_1_or_3_for_any_file(workdir: Path, content: bytes, suffix: str) -> None:
    folder = Path(tempfile.mkdtemp(dir=workdir))
    path = folder / f"input{suffix}"
    path.write_bytes(content)
    out = folder / "out"
    code = main(["check", str(path), "-o", str(out), "--format", "json", "-q"])
    assert code in (EXIT_OK, EXIT_FINDINGS, EXIT_INCOMPLETE)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["complete"] is (code != EXIT_INCOMPLETE)
    assert report["summary"]["verdict"] == {EXIT_OK: "PASS", EXIT_FINDINGS: "FAIL", EXIT_INCOMPLETE: "INCOMPLETE"}[code]
    for task in report["tasks"]:
        assert task["status"] in (PASSED, FAILED, ERRORED)
        assert (task["error"] is not None) == (task["status"] == ERRORED)


# --------------------------------------------------------------------------- regressions the properties found


def test_regression_value_nested_close_to_the_parser_limit() -> None:
    # Parsed fine, then crashed the engine with RecursionError (repr in jsonschema's message).
    for depth in (MAX_DEPTH, 500, 985, 995):
        doc = apply(BASE, [("replace", ("Task", "TriggerTaskBaseAttribute", "TaskName"), Deep(depth, "list"))])
        (snap,) = load(to_text(wrap("response", doc)))
        assert too_deep(snap.error)
        check_result(ENGINE.audit(snap), audited=False)
        result = ENGINE.audit(Snapshot(source="api:1", data=materialize(doc)))  # not through the reader
        check_result(result, audited=None if depth > 2 * MAX_DEPTH else True)


def test_regression_json_lines_split_at_newlines_only() -> None:
    # splitlines() also split at U+2028, U+2029 and U+0085, which JSON allows raw inside a string.
    docs = [apply(BASE, [("replace", ("VersionRemark",), f"a{sep}b")]) for sep in "\u2028\u2029\x85"]
    text = "\n".join(json.dumps(d, ensure_ascii=False) for d in docs)
    for jsonl in (True, False):
        snaps = load("\ufeff" + text, jsonl=jsonl)
        assert [s.data for s in snaps] == docs


def test_regression_ext_json_is_as_strict_as_the_reader() -> None:
    ext = [{"ParamKey": "extraInfo", "ParamValue": "[" * 995 + "]" * 995},
           {"ParamKey": "nan", "ParamValue": '{"a": NaN}'},
           {"ParamKey": "ok", "ParamValue": base64.b64encode(b'{"a": [1]}').decode()}]
    doc = apply(BASE, [("replace", ("Task", "TriggerTaskConfiguration", "TaskExtConfigurationList"), ext)])
    assert build_view(doc)["ext_json"] == {"ok": {"a": [1]}}
    check_result(ENGINE.audit(Snapshot(source="x.json", data=doc)), audited=True)


def test_regression_stdin_with_invalid_utf8_is_an_errored_snapshot() -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'{"VersionId": "\xff"}'), encoding="utf-8", errors="surrogateescape")
    with mock.patch("sys.stdin", stdin):
        (snap,) = read_snapshots(["-"])
    assert snap.data is None and "cannot read stdin" in (snap.error or "")

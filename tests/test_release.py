"""The release review: changes between two versions' Data, regressions and fixed rules, the release object."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import example_data
from wedata_audit.policy.secretmask import bundled_secret_patterns, secret_masker
from wedata_audit.stages.release.changes import (
    BOOKKEEPING,
    REDACTED,
    Change,
    ReleaseInfo,
    VersionRef,
    changes,
    compare_findings,
    resolve,
    review,
)

EXT = "/Task/TriggerTaskConfiguration/TaskExtConfigurationList"
CODE = "/Task/TriggerTaskConfiguration/CodeContent"
SECRET_ID = "AKID" + "Zx9" * 12
SHELL_SECRET = "s3cr3t-Value-99"


def v3() -> dict[str, Any]:
    return example_data("pinned-version-v3.response.json")


def v4() -> dict[str, Any]:
    return example_data("latest-version-v4.response.json")


def cfg(data: dict[str, Any]) -> dict[str, Any]:
    return data["Task"]["TriggerTaskConfiguration"]


def set_code(data: dict[str, Any], text: str) -> None:
    cfg(data)["CodeContent"] = base64.b64encode(text.encode()).decode()


def code_of(data: dict[str, Any]) -> str:
    return base64.b64decode(cfg(data)["CodeContent"]).decode()


def all_text(found: list[Change]) -> str:
    return json.dumps([c.to_json() for c in found], ensure_ascii=False)


def test_the_documented_versions_differ_only_in_bookkeeping() -> None:
    assert changes(v3(), v4()) == []
    listed = {c.pointer: (c.before, c.after) for c in changes(v3(), v4(), ignore=())}
    assert set(listed) == {"/CreateTime", "/VersionId", "/VersionNum", f"{EXT}/ftp.file.name/ParamValue"}
    assert listed["/VersionNum"] == ("V3", "V4")
    assert all(p in BOOKKEEPING or p.rsplit("/", 1)[0] in BOOKKEEPING for p in listed)


def test_kept_version_fields_are_listed() -> None:
    after = v4()
    after.update(ApproveStatus="REJECT", ApproveUserUin="100099", VersionRemark="hotfix", ApproveTime="2025-01-01")
    found = changes(v4(), after)
    assert [(c.pointer, c.before, c.after) for c in found] == [
        ("/ApproveStatus", None, "REJECT"), ("/ApproveUserUin", None, "100099"), ("/VersionRemark", "submit_test_2",
                                                                                   "hotfix")]


def test_a_reorder_of_param_lists_is_no_change_and_values_are_named_by_param_key() -> None:
    after = v4()
    cfg(after)["TaskExtConfigurationList"].reverse()
    out_list = after["Task"]["TriggerTaskSchedulerConfiguration"]["ParamTaskOutList"]
    out_list.insert(0, {"ParamKey": "b", "ParamValue": "2"})
    assert [c.to_json() for c in changes(v4(), after)] == [
        {"pointer": "/Task/TriggerTaskSchedulerConfiguration/ParamTaskOutList/b/ParamValue", "before": None,
         "after": "2"}]
    ext = {i["ParamKey"]: i for i in cfg(after)["TaskExtConfigurationList"]}
    ext["python_sub_version"]["ParamValue"] = "python3.12"
    cfg(after)["TaskExtConfigurationList"].remove(ext["bucket"])
    found = changes(v4(), after)
    assert (f"{EXT}/bucket/ParamValue", "wedata-fusion-dev-1257305158", None) in [
        (c.pointer, c.before, c.after) for c in found]
    assert (f"{EXT}/python_sub_version/ParamValue", "python3.11", "python3.12") in [
        (c.pointer, c.before, c.after) for c in found]
    assert resolve(after, f"{EXT}/python_sub_version/ParamValue") == "python3.12"


def test_a_list_with_duplicate_param_keys_is_compared_by_index() -> None:
    before = {"L": [{"ParamKey": "a", "ParamValue": "1"}, {"ParamKey": "a", "ParamValue": "2"}]}
    after = {"L": [{"ParamKey": "a", "ParamValue": "2"}, {"ParamKey": "a", "ParamValue": "1"}]}
    assert [c.pointer for c in changes(before, after)] == ["/L/0/ParamValue", "/L/1/ParamValue"]
    plain = changes({"L": [1, 2]}, {"L": [2, 1, 3]})
    assert [(c.pointer, c.before, c.after) for c in plain] == [("/L/0", 1, 2), ("/L/1", 2, 1), ("/L/2", None, 3)]


def test_nested_ext_json_is_compared_decoded() -> None:
    after = v4()
    ext = {i["ParamKey"]: i for i in cfg(after)["TaskExtConfigurationList"]}
    ext["extraInfo"]["ParamValue"] = '{ "fromMapping" : false }'  # spacing only
    spec = {"specLabelConfItems": [{"label": "gpu", "count": 2}]}
    ext["specLabelConfItems"]["ParamValue"] = base64.b64encode(json.dumps(spec).encode()).decode()
    found = changes(v4(), after)
    assert [(c.pointer, c.before, c.after) for c in found] == [
        (f"{EXT}/specLabelConfItems/ParamValue/specLabelConfItems/0/count", None, 2),
        (f"{EXT}/specLabelConfItems/ParamValue/specLabelConfItems/0/label", None, "gpu"),
    ]
    assert resolve(after, found[1].pointer) == "gpu"
    ext["extraInfo"]["ParamValue"] = '{"fromMapping": true, "a/b~c": 1}'
    pointers = {c.pointer: c.after for c in changes(v4(), after)}
    assert pointers[f"{EXT}/extraInfo/ParamValue/fromMapping"] is True
    assert pointers[f"{EXT}/extraInfo/ParamValue/a~1b~0c"] == 1
    assert resolve(after, f"{EXT}/extraInfo/ParamValue/a~1b~0c") == 1


def test_code_is_one_masked_unified_diff() -> None:
    after = v4()
    set_code(after, code_of(v4()) + f'echo start\nexport DB_PASSWORD={SHELL_SECRET}\nkey = "{SECRET_ID}"\n'
                                    "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34\nQWxk3\n"
                                    "-----END RSA PRIVATE KEY-----\necho done\n")
    found = changes(v4(), after)
    assert len(found) == 1
    (code,) = found
    assert code.pointer == CODE and code.before is None
    assert code.after.startswith("--- before\n+++ after\n@@ ")
    assert "+echo start" in code.after and "+echo done" in code.after
    assert "##author: zhanglin" in code.after  # context lines
    for secret in (SHELL_SECRET, SECRET_ID, "MIIBOgIBAAJBAKj34", "QWxk3"):
        assert secret not in all_text(found)
    assert REDACTED in code.after


def test_code_differing_only_in_a_secret_says_so_without_it() -> None:
    before, after = v4(), v4()
    set_code(before, f"export API_TOKEN={SHELL_SECRET}\n")
    set_code(after, "export API_TOKEN=0ther-s3cret-42\n")
    (code,) = changes(before, after)
    assert code.after == "CodeContent changed only inside text redacted as a secret"


def test_code_that_does_not_decode_is_noted_not_shown() -> None:
    after = v4()
    cfg(after)["CodeContent"] = "!!! not base64 " + SECRET_ID
    (code,) = changes(v4(), after)
    assert code.pointer == CODE and code.before is None
    assert code.after == "CodeContent changed and cannot be compared as text: after is not Base64 of UTF-8 text"
    same = copy.deepcopy(after)
    cfg(same)["CodeContent"] = base64.b64encode(code_of(v4()).encode()).decode()[:8] + "\n" + \
        base64.b64encode(code_of(v4()).encode()).decode()[8:]  # only whitespace differs
    assert changes(v4(), same) == []


def test_secret_values_are_masked_by_pattern_and_by_name() -> None:
    after = v4()
    cfg(after)["TaskExtConfigurationList"] += [
        {"ParamKey": "db_password", "ParamValue": "plain words"},
        {"ParamKey": "note", "ParamValue": f"uses {SECRET_ID} for cos"},
    ]
    cfg(after)["YarnQueue"] = f'token="{SHELL_SECRET}"'
    found = {c.pointer: c.after for c in changes(v4(), after)}
    assert found[f"{EXT}/db_password/ParamValue"] == REDACTED
    assert found[f"{EXT}/note/ParamValue"] == f"uses {REDACTED} for cos"
    assert found["/Task/TriggerTaskConfiguration/YarnQueue"] == REDACTED
    text = all_text(changes(v4(), after))
    assert SECRET_ID not in text and SHELL_SECRET not in text and "plain words" not in text


def test_secrets_in_nested_json_and_in_keys_are_masked() -> None:
    after = v4()
    ext = {i["ParamKey"]: i for i in cfg(after)["TaskExtConfigurationList"]}
    ext["extraInfo"]["ParamValue"] = json.dumps({"fromMapping": False, "conn": {"secretKey": "hunter2-long"}})
    cfg(after)["TaskExtConfigurationList"].append({"ParamKey": SECRET_ID, "ParamValue": "x"})
    found = changes(v4(), after)
    assert [(c.pointer, c.after) for c in found] == [
        (f"{EXT}/{REDACTED}/ParamValue", REDACTED), (f"{EXT}/extraInfo/ParamValue/conn/secretKey", REDACTED)]
    assert "hunter2-long" not in all_text(found) and SECRET_ID not in all_text(found)


def test_the_default_mask_is_the_bundled_rules_patterns() -> None:
    patterns = bundled_secret_patterns()
    assert len(patterns) == 4 and patterns[0].startswith("(?#a Tencent Cloud SecretId)")
    mask = secret_masker(patterns)
    assert mask(f"id={SECRET_ID}") == f"id={REDACTED}"
    custom = changes({"a": "x"}, {"a": "ticket-1234"}, mask=secret_masker([r"ticket-\d+"]))
    assert custom == [Change("/a", "x", REDACTED)]


def test_long_values_and_long_lists_are_bounded() -> None:
    long = "x" * 1000
    (c,) = changes({"a": "short"}, {"a": long})
    assert len(c.after) < 260 and c.after.endswith("… (1000 characters)")
    before = {f"k{i:03}": i for i in range(120)}
    after = {f"k{i:03}": i + 1 for i in range(120)}
    found = changes(before, after, limit=10)
    assert len(found) == 11 and [c.pointer for c in found[:10]] == [f"/k{i:03}" for i in range(10)]
    assert found[-1].is_marker and found[-1].after == "… 110 more changes not shown"
    assert not any(c.is_marker for c in changes(before, after, limit=120))
    big = v4()
    set_code(big, "\n".join(f"echo line {i}" for i in range(5000)))
    (code,) = changes(v4(), big)
    assert len(code.after) <= 10_000 and code.after.endswith("characters)")


def test_code_comes_first_then_document_order() -> None:
    after = v4()
    after["CreateUserUin"] = "1"
    set_code(after, "echo new\n")
    after["Task"]["TriggerTaskSchedulerConfiguration"]["AllowRedoType"] = "NONE"
    assert [c.pointer for c in changes(v4(), after)] == [
        CODE, "/CreateUserUin", "/Task/TriggerTaskSchedulerConfiguration/AllowRedoType"]
    assert changes(v4(), after) == changes(v4(), after)


def test_nothing_is_nothing_and_kinds_may_change() -> None:
    assert changes({"a": None, "b": []}, {"c": {}, "b": None}) == []
    found = changes({"a": {"x": 1}, "n": 1, "t": True}, {"a": "flat", "n": 1.0, "t": 1})
    assert [(c.pointer, c.before, c.after) for c in found] == [
        ("/a/x", 1, None), ("/a", None, "flat"), ("/t", True, 1)]


def test_a_new_task_lists_every_leaf() -> None:
    found = changes(None, v4(), limit=1000)
    assert found[0].pointer == CODE and found[0].after.startswith("--- before\n+++ after\n@@ -0,0 +1,5 @@")
    assert all(c.before is None for c in found)
    assert f"{EXT}/python_type/ParamValue" in [c.pointer for c in found]


def test_compare_findings_counts_only_rules_that_ran_on_both_sides() -> None:
    latest = [("a", "fail"), ("b", "pass"), ("c", "fail"), ("d", "skip"), ("e", "fail"), ("f", "pass")]
    production = {"a": "pass", "b": "fail", "c": "fail", "d": "fail", "e": "skip", "g": "fail"}
    assert compare_findings(latest, production) == (["a"], ["b"])
    assert compare_findings(latest, {}) == ([], [])


def test_release_info_json_shape() -> None:
    latest, production = v4(), v3()
    latest["Task"]["TriggerTaskSchedulerConfiguration"]["AllowRedoType"] = "NONE"
    info = review(latest, production, {"owner": "fail", "submitted": "pass"},
                  {"owner": "pass", "submitted": "fail"})
    assert info.to_json() == {
        "production": {"version_id": "20251121163138956_20251124175701621", "version_num": "V3"},
        "latest": {"version_id": "20251121163138956_20251124180546791", "version_num": "V4"},
        "regressions": ["owner"],
        "fixed": ["submitted"],
        "changes": [{"pointer": "/Task/TriggerTaskSchedulerConfiguration/AllowRedoType", "before": "ALL",
                     "after": "NONE"}],
    }
    json.dumps(info.to_json())


def test_same_version_on_both_sides_means_no_changes() -> None:
    latest = v4()
    production = v4()
    production["VersionRemark"] = "differs, but the same VersionId is the same version"
    info = review(latest, production, {"a": "pass"}, {"a": "pass"})
    assert info.changes == () and info.production == info.latest


def test_nothing_in_production() -> None:
    info = review(v4(), None, {"owner": "fail"}, None, limit=3)
    assert info.to_json()["production"] is None and info.regressions == () and info.fixed == ()
    assert len(info.changes) == 4 and info.changes[-1].is_marker
    assert ReleaseInfo(VersionRef("x", ""), None).to_json()["latest"] == {"version_id": "x", "version_num": ""}


# ---------------------------------------------------------------------------------------------- properties

keys = st.sampled_from(["a", "b", "ParamKey", "ParamValue", "x/y", "t~", "0"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8),
                    st.floats(allow_nan=False, allow_infinity=False))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4),
        st.lists(st.fixed_dictionaries({"ParamKey": st.text(max_size=4), "ParamValue": inner}), max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(keys, st.just("CodeContent")), documents, max_size=5))
def test_a_version_never_differs_from_itself(doc: dict[str, Any]) -> None:
    assert changes(doc, copy.deepcopy(doc), ignore=()) == []


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, documents, max_size=5), st.data())
def test_changing_one_leaf_reports_exactly_that_leaf(doc: dict[str, Any], draw: st.DataObject) -> None:
    leaves = [c.pointer for c in changes(None, doc, ignore=(), limit=10_000, mask=lambda s: s)]
    if not leaves:
        return
    pointer = draw.draw(st.sampled_from(leaves))
    changed = copy.deepcopy(doc)
    try:
        parent_pointer, _, last = pointer.rpartition("/")
        parent = resolve(changed, parent_pointer)
    except KeyError:
        return  # a leaf inside a JSON string: not writable in place
    token = last.replace("~1", "/").replace("~0", "~")
    if isinstance(parent, dict):
        parent[token] = "\u2603changed"
    elif isinstance(parent, list) and token.isdigit():
        parent[int(token)] = "\u2603changed"
    else:
        return
    found = changes(doc, changed, ignore=(), limit=10_000, mask=lambda s: s)
    assert [c.pointer for c in found] == [pointer]
    assert found[0].after == "\u2603changed"


@pytest.mark.parametrize("pointer", ["nope", "/Task/Missing", f"{EXT}/no_such_key", f"{EXT}/99"])
def test_resolve_says_when_a_pointer_names_nothing(pointer: str) -> None:
    with pytest.raises(KeyError):
        resolve(v4(), pointer)

"""Every operator, value_type coercion, composites, params and key references."""

from __future__ import annotations

from typing import Any

import pytest

from wedata_audit.policy.conditions import ConditionError, compile_condition

VIEW: dict[str, Any] = {
    "ext": {"ttl": "-1", "flag": "true", "name": "python3.11", "big": "120", "bad": "soon"},
    "num": 5,
    "text": "hello world\nsecond line",
    "items": ["a", "b"],
    "nothing": None,
    "empty": "",
    "same": "u1",
    "other": "u1",
    "flagb": True,
    "ext.dotted": "x",
}


def holds(spec: dict[str, Any], params: dict[str, Any] | None = None, view: dict[str, Any] = VIEW) -> bool:
    return not compile_condition(spec, params or {}, "check").evaluate(view)


@pytest.mark.parametrize(("spec", "expected"), [
    ({"key": "num", "op": "eq", "value": 5}, True),
    ({"key": "num", "op": "eq", "value": 6}, False),
    ({"key": "flagb", "op": "eq", "value": 1}, False),  # true is not 1
    ({"key": "num", "op": "ne", "value": 6}, True),
    ({"key": "num", "op": "ne", "value": 5}, False),
    ({"key": "ext.name", "op": "in", "value": ["python3.11"]}, True),
    ({"key": "ext.name", "op": "in", "value": ["python2"]}, False),
    ({"key": "nothing", "op": "in", "value": [None]}, False),  # null is never "in"
    ({"key": "ext.name", "op": "not-in", "value": ["python2"]}, True),
    ({"key": "ext.name", "op": "not-in", "value": ["python3.11"]}, False),
    ({"key": "num", "op": "gt", "value": 4}, True),
    ({"key": "num", "op": "gt", "value": 5}, False),
    ({"key": "num", "op": "gte", "value": 5}, True),
    ({"key": "num", "op": "gte", "value": 6}, False),
    ({"key": "num", "op": "lt", "value": 6}, True),
    ({"key": "num", "op": "lt", "value": 5}, False),
    ({"key": "num", "op": "lte", "value": 5}, True),
    ({"key": "num", "op": "lte", "value": 4}, False),
    ({"key": "nothing", "op": "gt", "value": 0}, False),
    ({"key": "ext.ttl", "op": "gt", "value": 0}, False),  # a string never compares with a number
    ({"key": "text", "op": "regex", "value": "wor"}, True),  # unanchored search
    ({"key": "text", "op": "regex", "value": "^world"}, False),
    ({"key": "text", "op": "regex", "value": ["nope", "(?m)^second"]}, True),
    ({"key": "nothing", "op": "regex", "value": "."}, False),
    ({"key": "text", "op": "not-regex", "value": "nope"}, True),
    ({"key": "text", "op": "not-regex", "value": "hello"}, False),
    ({"key": "nothing", "op": "not-regex", "value": "."}, True),
    ({"key": "text", "op": "contains", "value": "world"}, True),
    ({"key": "items", "op": "contains", "value": "b"}, True),
    ({"key": "items", "op": "contains", "value": "z"}, False),
    ({"key": "nothing", "op": "contains", "value": "z"}, False),
    ({"key": "items", "op": "not-contains", "value": "z"}, True),
    ({"key": "items", "op": "not-contains", "value": "a"}, False),
    ({"key": "num", "op": "present"}, True),
    ({"key": "nothing", "op": "present"}, False),
    ({"key": "missing.deep", "op": "present"}, False),
    ({"key": "nothing", "op": "absent"}, True),
    ({"key": "missing", "op": "absent"}, True),
    ({"key": "num", "op": "absent"}, False),
    ({"key": "empty", "op": "empty"}, True),
    ({"key": "nothing", "op": "empty"}, True),
    ({"key": "items", "op": "empty"}, False),
    ({"key": "items", "op": "not-empty"}, True),
    ({"key": "empty", "op": "not-empty"}, False),
])
def test_operator(spec: dict[str, Any], expected: bool) -> None:
    assert holds(spec) is expected


@pytest.mark.parametrize(("spec", "expected"), [
    ({"key": "ext.ttl", "value_type": "integer", "op": "gt", "value": 0}, False),
    ({"key": "ext.big", "value_type": "integer", "op": "gt", "value": 0}, True),
    ({"key": "ext.big", "value_type": "number", "op": "lte", "value": 120.0}, True),
    ({"key": "ext.flag", "value_type": "boolean", "op": "eq", "value": True}, True),
    ({"key": "num", "value_type": "string", "op": "eq", "value": "5"}, True),
    ({"key": "ext.big", "value_type": "integer", "op": "in", "value": ["120", 7]}, True),
])
def test_value_type(spec: dict[str, Any], expected: bool) -> None:
    assert holds(spec) is expected


def test_uncoercible_value_fails_and_says_so() -> None:
    cond = compile_condition({"key": "ext.bad", "value_type": "integer", "op": "gt", "value": 0}, {}, "check")
    (failure,) = cond.evaluate(VIEW)
    assert failure.message == 'ext.bad is "soon", which cannot be read as an integer'


def test_message_states_key_actual_and_expectation() -> None:
    view = {"ext": {"enableKerberosLogin": "false"}}
    cond = compile_condition({"key": "ext.enableKerberosLogin", "op": "eq", "value": "true"}, {}, "check")
    (failure,) = cond.evaluate(view)
    assert failure.message == 'ext.enableKerberosLogin is "false", expected "true"'
    assert (failure.key, failure.actual, failure.expected) == ("ext.enableKerberosLogin", '"false"', '"true"')


def test_all_reports_each_failing_key() -> None:
    cond = compile_condition({"all": [{"key": "num", "op": "eq", "value": 1},
                                      {"key": "empty", "op": "not-empty"},
                                      {"key": "items", "op": "present"}]}, {}, "check")
    assert [f.key for f in cond.evaluate(VIEW)] == ["num", "empty"]


def test_any_passes_when_one_holds_and_joins_failures_otherwise() -> None:
    assert holds({"any": [{"key": "num", "op": "eq", "value": 1}, {"key": "num", "op": "eq", "value": 5}]})
    cond = compile_condition({"any": [{"key": "num", "op": "eq", "value": 1},
                                      {"key": "empty", "op": "not-empty"}]}, {}, "check")
    (failure,) = cond.evaluate(VIEW)
    assert failure.key == "num | empty"
    assert "none of the alternatives holds" in failure.message


def test_not_inverts() -> None:
    assert holds({"not": {"key": "num", "op": "eq", "value": 1}})
    cond = compile_condition({"not": {"key": "num", "op": "eq", "value": 5}}, {}, "check")
    (failure,) = cond.evaluate(VIEW)
    assert failure.key == "num"
    assert failure.message == "num eq 5 holds, expected it not to"


def test_params_and_key_references() -> None:
    assert holds({"key": "ext.name", "op": "in", "value": {"param": "allowed"}}, {"allowed": ["python3.11"]})
    assert not holds({"key": "ext.name", "op": "in", "value": {"param": "allowed"}}, {"allowed": []})
    assert holds({"param": "allowed", "op": "empty"}, {"allowed": []})
    assert holds({"key": "same", "op": "eq", "value": {"key": "other"}})
    assert not holds({"key": "same", "op": "ne", "value": {"key": "other"}})


def test_jmespath_beyond_plain_paths() -> None:
    assert holds({"key": "length(items)", "op": "eq", "value": 2})
    assert holds({"key": "ext.ttl || num", "op": "eq", "value": "-1"})
    assert holds({"key": "nothing || num", "op": "eq", "value": 5})
    assert holds({"key": '"ext.dotted"', "op": "eq", "value": "x"})
    assert holds({"key": "items[?@ == 'b'] | [0]", "op": "eq", "value": "b"})


def test_sensitive_values_are_never_shown() -> None:
    view = {"code": "line one\nkey = AKIDabcdefghijklmnopqrstuvwxyz0123456789\n"}
    cond = compile_condition({"key": "code", "op": "not-regex", "value": "AKID[A-Za-z0-9]{32,}"}, {}, "check",
                             sensitive=True)
    (failure,) = cond.evaluate(view)
    assert "line 2" in failure.message
    assert "AKIDabc" not in failure.message + str(failure.actual) + str(failure.expected)


@pytest.mark.parametrize(("spec", "fault"), [
    ({"key": "a", "op": "equals", "value": 1}, "unknown operator 'equals'"),
    ({"key": "a", "op": "regex", "value": "("}, "invalid regex"),
    ({"key": "a[", "op": "present"}, "invalid JMESPath"),
    ({"key": "a", "op": "in", "value": "x"}, "needs a list value"),
    ({"key": "a", "op": "eq"}, "needs a value"),
    ({"key": "a", "op": "present", "value": 1}, "takes no value"),
    ({"key": "a", "op": "eq", "value": {"param": "nope"}}, "unknown param 'nope'"),
    ({"key": "a", "op": "eq", "value": 1, "all": []}, "exactly one of"),
    ({"any": []}, "non-empty list"),
    ({"key": "a", "value_type": "integer", "op": "eq", "value": "x"}, "cannot be read as an integer"),
])
def test_compile_errors(spec: dict[str, Any], fault: str) -> None:
    with pytest.raises(ConditionError, match=r"^check") as info:
        compile_condition(spec, {}, "check")
    assert fault in str(info.value)


def test_not_regex_lists_every_place_a_forbidden_pattern_matches() -> None:
    view = {"code": "ok\ntoken = 'abcd1234'\nok\nAKIDabcdefghijklmnopqrstuvwxyz0123456789\n"}
    patterns = ["AKID[A-Za-z0-9]{32,}", "token = '[^']+'"]
    cond = compile_condition({"key": "code", "op": "not-regex", "value": patterns}, {}, "check", sensitive=True)
    (failure,) = cond.evaluate(view)
    assert "line 2 (/token = '[^']+'/), line 4 (/AKID[A-Za-z0-9]{32,}/)" in failure.message
    assert "abcd1234" not in failure.message and "AKIDabc" not in failure.message
    plain = compile_condition({"key": "code", "op": "not-regex", "value": "ok"}, {}, "check")
    assert plain.evaluate(view)[0].message == ('code matches a forbidden pattern at line 1: "ok", '
                                               'line 2: "ok", line 3: "ok"')  # "t-ok-en" on line 2


def test_a_pattern_names_itself_with_a_leading_comment() -> None:
    view = {"code": "x\nkey = AKIDabcdefghijklmnopqrstuvwxyz0123456789\n"}
    cond = compile_condition({"key": "code", "op": "not-regex", "value": ["(?#a SecretId)AKID[A-Za-z0-9]{32,}"]},
                             {}, "check", sensitive=True)
    (failure,) = cond.evaluate(view)
    assert failure.message == "code matches a forbidden pattern at line 2 (a SecretId); the matched text is redacted"
    assert failure.expected == "no match for a SecretId"

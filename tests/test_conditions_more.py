"""Language features: glob, normalize, message templates, params of other rules, and comparisons across
types (an ext value is a string: ordering reads it as a number, equality says value_type exists)."""

from __future__ import annotations

from typing import Any

import pytest

from wedata_audit.policy.conditions import ConditionError, compile_condition

VIEW: dict[str, Any] = {
    "status": " Approval in Progress ",
    "ext": {"ttl": "180", "neg": "-1", "soon": "soon", "float": "2.5"},
    "num": 30,
    "flag": True,
    "items": ["a"],
    "blank": "   ",
    "nothing": None,
}


def failures(spec: dict[str, Any], params: dict[str, Any] | None = None, view: dict[str, Any] = VIEW) -> list:
    return compile_condition(spec, params or {}, "check").evaluate(view)


@pytest.mark.parametrize(("spec", "holds"), [
    ({"key": "status", "op": "glob", "value": "*progress*"}, False),  # case counts without normalize
    ({"key": "status", "op": "glob", "value": "*Progress*"}, True),
    ({"key": "status", "op": "glob", "value": "*progress*", "normalize": "casefold"}, True),
    ({"key": "status", "op": "glob", "value": ["APPROVED", "*PROGRESS"], "normalize": "casefold"}, False),  # blank
    ({"key": "status", "op": "glob", "value": ["APPROVED", "*PROGRESS"], "normalize": ["trim", "casefold"]}, True),
    ({"key": "status", "op": "glob", "value": "Approval in Progress"}, False),  # whole value, untrimmed
    ({"key": "status", "op": "glob", "value": "?Approval*"}, True),
    ({"key": "status", "op": "glob", "value": "[Approval]*"}, False),  # only * and ? are special
    ({"key": "nothing", "op": "glob", "value": "*"}, False),
    ({"key": "num", "op": "glob", "value": "*"}, False),  # not a string: never matches
    ({"key": "status", "op": "not-glob", "value": ["REJECT*"]}, True),
    ({"key": "nothing", "op": "not-glob", "value": ["*"]}, True),
    ({"key": "status", "op": "eq", "value": "approval in progress", "normalize": ["trim", "casefold"]}, True),
    ({"key": "status", "op": "in", "value": ["APPROVAL IN PROGRESS"], "normalize": ["casefold", "trim"]}, True),
    ({"key": "status", "op": "in", "value": ["APPROVAL IN PROGRESS"]}, False),
    ({"key": "blank", "op": "empty"}, False),
    ({"key": "blank", "op": "empty", "normalize": "trim"}, True),
    ({"key": "status", "op": "regex", "value": "^approval", "normalize": ["trim", "casefold"]}, True),
    ({"key": "status", "op": "regex", "value": r"^APPROVAL\sIN", "normalize": ["trim", "casefold"]}, True),
    ({"key": "status", "op": "contains", "value": "PROGRESS", "normalize": "casefold"}, True),
])
def test_glob_and_normalize(spec: dict[str, Any], holds: bool) -> None:
    assert (not failures(spec)) is holds


def test_normalize_applies_to_a_key_valued_expectation() -> None:
    view = {"a": " Bob ", "b": "bob"}
    assert not failures({"key": "a", "op": "eq", "value": {"key": "b"}, "normalize": ["trim", "casefold"]}, view=view)
    assert failures({"key": "a", "op": "eq", "value": {"key": "b"}}, view=view)


def test_glob_failure_shows_the_patterns_as_written() -> None:
    (f,) = failures({"key": "status", "op": "glob", "value": ["APPROVED", "PASS*"], "normalize": "casefold"})
    assert f.message == 'status is " Approval in Progress ", expected a match for ["APPROVED", "PASS*"]'


def test_message_words_one_finding_for_the_whole_condition() -> None:
    spec = {"any": [{"key": "status", "op": "eq", "value": "A"}, {"key": "status", "op": "eq", "value": "B"}],
            "message": "{key} is {actual}: unknown"}
    (f,) = failures(spec)
    assert f.message == 'status is " Approval in Progress ": unknown'
    assert f.key == "status" and f.actual == '" Approval in Progress "'
    assert not failures({**spec, "any": [{"key": "status", "op": "present"}]})
    (f,) = failures({"key": "nothing", "op": "present", "message": "{key} is {actual} (wanted {expected})"})
    assert f.message == "nothing is null (wanted a value (not null))"


def test_message_on_all_is_one_finding() -> None:
    spec = {"all": [{"key": "num", "op": "eq", "value": 1}, {"key": "flag", "op": "eq", "value": False}],
            "message": "bad: {key}"}
    (f,) = failures(spec)
    assert f.message == "bad: num" and f.key == "num | flag"


def test_message_redacts_in_a_sensitive_rule() -> None:
    cond = compile_condition({"key": "status", "op": "eq", "value": "x", "message": "got {actual}"}, {}, "check",
                             sensitive=True)
    (f,) = cond.evaluate(VIEW)
    assert f.message == "got [redacted]"


def test_param_of_another_rule() -> None:
    params = {"approval-status.approved": ["APPROVED"], "own": 1}
    spec = {"key": "status", "op": "glob", "value": {"param": "approval-status.approved"}}
    assert failures(spec, params)
    with pytest.raises(ConditionError, match="another rule, which must be loaded"):
        compile_condition({"key": "status", "op": "in", "value": {"param": "nope.approved"}}, params, "check")


@pytest.mark.parametrize(("spec", "fault"), [
    ({"key": "a", "op": "glob", "value": 3}, "needs a glob string"),
    ({"key": "a", "op": "glob", "value": []}, "needs a glob string"),
    ({"key": "a", "op": "glob", "value": {"key": "b"}}, "a pattern must be a literal or a param"),
    ({"key": "a", "op": "eq", "value": "x", "normalize": "upper"}, "normalize takes trim or casefold"),
    ({"key": "a", "op": "present", "message": "{nope}"}, "unknown field {nope}"),
    ({"key": "a", "op": "present", "message": "{"}, "write {{ and }} for braces"),
    ({"key": "a", "op": "present", "message": ""}, "non-empty string"),
])
def test_compile_errors(spec: dict[str, Any], fault: str) -> None:
    with pytest.raises(ConditionError) as info:
        compile_condition(spec, {}, "check")
    assert fault in str(info.value)


@pytest.mark.parametrize(("key", "op", "value", "holds"), [
    ("ext.ttl", "gt", 0, True),  # "180" > 0, as issue 12 reproduced: no longer a failure on every task
    ("ext.ttl", "lte", 180, True),
    ("ext.ttl", "lt", 180, False),
    ("ext.neg", "gt", 0, False),
    ("ext.float", "gte", 2.5, True),
    ("ext.soon", "gt", 0, False),
    ("ext.ttl", "gt", "2", False),  # a string expectation keeps string order: "180" < "2"
    ("flag", "gt", 0, False),
])
def test_ordering_reads_a_numeric_string_as_a_number(key: str, op: str, value: Any, holds: bool) -> None:
    assert (not failures({"key": key, "op": op, "value": value})) is holds


def test_ordering_messages_say_how_the_value_was_read() -> None:
    (f,) = failures({"key": "ext.neg", "op": "gt", "value": 0})
    assert f.message == 'ext.neg is "-1" (compared as the number -1), expected > 0'
    (f,) = failures({"key": "ext.soon", "op": "gt", "value": 0})
    assert f.message == 'ext.soon is "soon", which is not a number, expected > 0'
    (f,) = failures({"key": "items", "op": "gt", "value": 0})
    assert f.message == 'items is ["a"], a list, which cannot be ordered against a number, expected > 0'
    (f,) = failures({"key": "num", "op": "lt", "value": "9"})
    assert f.message == 'num is 30, a number, which cannot be ordered against a string, expected < "9"'


def test_equality_across_number_and_string_points_to_value_type() -> None:
    (f,) = failures({"key": "ext.ttl", "op": "eq", "value": 180})
    assert "add value_type: integer, number or string" in f.message
    assert f.message.startswith('ext.ttl is "180" (a string, compared with a number')
    (f,) = failures({"key": "ext.ttl", "op": "in", "value": [60, 120]})
    assert "value_type" in f.message
    (f,) = failures({"key": "num", "op": "in", "value": ["30", "40"]})
    assert "(a number, compared with a string" in f.message
    (f,) = failures({"key": "ext.soon", "op": "eq", "value": 1})
    assert "value_type" not in f.message
    assert not failures({"key": "ext.ttl", "op": "eq", "value": 180, "value_type": "integer"})


def test_ne_and_not_in_do_not_silently_pass_a_number_held_in_a_string() -> None:
    (f,) = failures({"key": "ext.ttl", "op": "ne", "value": 180})
    assert f.message.startswith('ext.ttl is "180" (a string, compared with a number: add value_type')
    assert f.message.endswith("expected anything but 180")
    (f,) = failures({"key": "ext.ttl", "op": "not-in", "value": [60, 180]})
    assert "value_type" in f.message
    (f,) = failures({"key": "num", "op": "ne", "value": "30"})
    assert "(a number, compared with a string" in f.message
    assert not failures({"key": "ext.ttl", "op": "ne", "value": 0})  # different either way
    assert not failures({"key": "ext.ttl", "op": "not-in", "value": [0, "x"]})
    assert not failures({"key": "ext.soon", "op": "ne", "value": 0})
    assert failures({"key": "ext.ttl", "op": "ne", "value": 180, "value_type": "integer"})
    assert not failures({"key": "ext.ttl", "op": "ne", "value": 181, "value_type": "integer"})

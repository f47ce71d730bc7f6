"""approval-status fails closed; approver-not-author follows its params (issue 9, item 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.engine import Engine
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.loading import build_rules, load_raw_rules, parse_overrides

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "latest-version-v4.response.json"
DATA = json.loads(EXAMPLE.read_text())["Response"]["Data"]
AUTHOR = DATA["CreateUserUin"]


def audit(engine: Engine, **fields: Any) -> tuple[dict[str, str], dict[str, list[str]]]:
    result = engine.audit(Snapshot(source="t", data={**DATA, **fields}))
    messages: dict[str, list[str]] = {}
    for f in result.findings:
        messages.setdefault(f.rule_id, []).append(f.message)
    return dict(result.outcomes), messages


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(build_rules(load_raw_rules([])))


@pytest.mark.parametrize("status", ["REJECT", "Approval in progress", "pending", "REJECTED", "withdrew",
                                    "Canceled", "APPROVING"])
def test_not_approved_values_fail_as_not_approved(engine: Engine, status: str) -> None:
    outcomes, messages = audit(engine, ApproveStatus=status)
    assert outcomes["approval-status"] == "fail"
    assert messages["approval-status"] == [f'ApproveStatus is "{status}": not approved (it matches param not_approved)']


def test_unknown_value_fails_and_says_which_param_to_add_it_to(engine: Engine) -> None:
    outcomes, messages = audit(engine, ApproveStatus="OK")
    assert outcomes["approval-status"] == "fail"
    (message,) = messages["approval-status"]
    assert message.startswith('ApproveStatus is "OK", a value this policy does not know')
    assert "add it to param approved" in message and "not_approved" in message
    assert "--param approval-status.approved=" in message


@pytest.mark.parametrize("status", [None, "", "  "])
def test_null_and_empty_fail_once(engine: Engine, status: Any) -> None:
    outcomes, messages = audit(engine, ApproveStatus=status)
    assert outcomes["approval-status"] == "fail"
    assert len(messages["approval-status"]) == 1
    assert "expected a non-empty value" in messages["approval-status"][0]


@pytest.mark.parametrize("status", ["APPROVED", "pass", " Approve ", "passed"])
def test_approved_values_pass(engine: Engine, status: str) -> None:
    outcomes, messages = audit(engine, ApproveStatus=status)
    assert outcomes["approval-status"] == "pass"
    assert "approval-status" not in messages


def test_params_configure_both_rules() -> None:
    raw = load_raw_rules([])
    params = parse_overrides(["approval-status.approved=[OK]", "approval-status.not_approved=[DENIED]"], "--param")
    engine = Engine(build_rules(raw, params=params))
    outcomes, _ = audit(engine, ApproveStatus="ok", ApproveUserUin=AUTHOR)
    assert outcomes["approval-status"] == "pass"
    assert outcomes["approver-not-author"] == "fail"  # "ok" is approved now, and self-approved
    outcomes, messages = audit(engine, ApproveStatus="APPROVED", ApproveUserUin=AUTHOR)
    assert outcomes["approval-status"] == "fail" and "does not know" in messages["approval-status"][0]
    assert outcomes["approver-not-author"] == "skip"  # no longer an approved status
    outcomes, messages = audit(engine, ApproveStatus="denied")
    assert "not approved" in messages["approval-status"][0]
    outcomes, messages = audit(engine, ApproveStatus="REJECT")
    assert "does not know" in messages["approval-status"][0]


def test_approver_not_author_judges_approved_versions_only(engine: Engine) -> None:
    assert audit(engine, ApproveStatus="REJECT", ApproveUserUin=AUTHOR)[0]["approver-not-author"] == "skip"
    assert audit(engine, ApproveStatus="APPROVED", ApproveUserUin=AUTHOR)[0]["approver-not-author"] == "fail"
    assert audit(engine, ApproveStatus="APPROVED", ApproveUserUin="1")[0]["approver-not-author"] == "pass"
    outcomes, messages = audit(engine, ApproveStatus="APPROVED", ApproveUserUin=None)
    assert outcomes["approver-not-author"] == "fail"
    assert "ApproveUserUin is null, expected a non-empty value" in messages["approver-not-author"]


def test_a_rule_reading_another_rules_param_needs_that_rule(tmp_path: Path) -> None:
    from wedata_audit.errors import ConfigError

    policy = tmp_path / "p.yaml"
    policy.write_text((Path(__file__).resolve().parent.parent / "rules" / "approver-not-author.yaml").read_text())
    with pytest.raises(ConfigError, match=r"unknown param 'approval-status\.approved'"):
        build_rules(load_raw_rules([str(policy)], include_default=False))


def test_the_digest_of_a_rule_covers_the_params_of_another_rule_it_reads() -> None:
    from wedata_audit.policy.loading import ruleset_digest
    from wedata_audit.policy.selection import select_rules

    raw = load_raw_rules([])
    plain = build_rules(raw)
    changed = build_rules(raw, params={"approval-status": {"approved": ["OK"]}})
    (linked,) = [r for r in changed if r.id == "approver-not-author"]
    assert linked.linked_params == {"approval-status.approved": ["OK"]}
    only = ["approver-not-author"]  # approval-status itself deselected: its params still change the verdicts
    assert ruleset_digest(select_rules(plain, only)) != ruleset_digest(select_rules(changed, only))


@pytest.mark.parametrize(("status", "state"), [
    ("REJECT", "not_approved"), ("Approval in progress", "not_approved"), ("pending", "not_approved"),
    ("OK", "unknown"), (None, "missing"), ("", "missing"), ("  ", "missing"), (7, "unknown"),
    ("APPROVED", "approved"), ("pass", "approved"), (" Passed ", "approved"),
])
def test_approval_state_agrees_with_the_rule(engine: Engine, status: Any, state: str) -> None:
    from wedata_audit.policy.approval import approval_params, approval_state

    params = approval_params(engine.rules)
    assert params is not None
    assert approval_state(status, *params) == state
    outcomes, messages = audit(engine, ApproveStatus=status)
    assert (outcomes["approval-status"] == "pass") is (state == "approved")
    if state == "not_approved":
        assert "not approved" in messages["approval-status"][0]
    if state == "unknown":
        assert "does not know" in messages["approval-status"][0]

"""The default pack against its case files: every rule fails and passes where its cases say."""

from __future__ import annotations

from pathlib import Path

import pytest

from wedata_audit.cases import load_cases, run_cases
from wedata_audit.engine import Engine
from wedata_audit.model.results import RULE_FAIL, RULE_PASS
from wedata_audit.policy.loading import build_rules, load_raw_rules

CASES = Path(__file__).parent / "policy-cases"
CASE_FILES = sorted(CASES.glob("*.yaml"))
# Rules the pack leaves off until a param is set: their cases run with these params (rules test --param).
PARAM_CASES = Path(__file__).parent / "policy-cases-params"
PARAMS = {"approver-has-role": {"roles": ["operation_engineer"]}}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(build_rules(load_raw_rules([])))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_file(path: Path, engine: Engine) -> None:
    results = run_cases(load_cases(path), engine)
    failed = {r.case.name: r.problems for r in results if not r.ok}
    assert not failed


@pytest.mark.parametrize("path", sorted(PARAM_CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_case_file_with_params(path: Path) -> None:
    results = run_cases(load_cases(path), Engine(build_rules(load_raw_rules([]), params=PARAMS)))
    failed = {r.case.name: r.problems for r in results if not r.ok}
    assert not failed


def test_every_default_rule_has_a_passing_and_a_failing_case(engine: Engine) -> None:
    """Seen in the outcomes themselves: a rule only ever out of scope in its "pass" cases does not count."""
    from wedata_audit.model.snapshot import Snapshot

    with_params = Engine(build_rules(load_raw_rules([]), params=PARAMS))
    seen: dict[str, set[str]] = {}
    for path in [*CASE_FILES, *sorted(PARAM_CASES.glob("*.yaml"))]:
        runner = with_params if path.parent == PARAM_CASES else engine
        for case in load_cases(path):
            snap = Snapshot(source=case.source, data=case.data, context=case.context)
            outcomes = dict(runner.audit(snap).outcomes)
            for rid in (*case.expect_fail, *case.expect_pass):
                seen.setdefault(rid, set()).add(outcomes.get(rid, "missing"))
    rule_ids = {r.id for r in engine.rules}  # the core pack's schema rule included
    missing = {rid for rid in rule_ids if not {RULE_FAIL, RULE_PASS} <= seen.get(rid, set())}
    assert not missing


def test_wrong_expectation_is_reported(engine: Engine, tmp_path: Path) -> None:
    case = tmp_path / "wrong.yaml"
    example = Path(__file__).resolve().parent.parent / "examples" / "latest-version-v4.response.json"
    case.write_text(f"cases:\n  - name: wrong\n    input: {example}\n    expect_pass: [kerberos-login]\n"
                    "    expect_fail: [owner, no-such-rule]\n")
    (result,) = run_cases(load_cases(case), engine)
    assert not result.ok
    text = "\n".join(result.problems)
    assert "kerberos-login: expected to pass, it failed" in text
    assert "owner: expected to fail, it passed" in text
    assert "no-such-rule: no such rule in effect" in text

"""Policy files: validated before anything runs; faults name the file, the rule and the fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from wedata_audit.errors import ConfigError, UsageError
from wedata_audit.policy.loading import build_rules, load_raw_rules, parse_overrides, read_policy_text, ruleset_digest
from wedata_audit.policy.selection import select_rules

GOOD = """
- id: my-rule
  title: Mine
  severity: low
  description: d
  remediation: r
  params: {allowed: [a]}
  check: {key: ext.x, op: in, value: {param: allowed}}
"""


def build_text(text: str, tmp_path: Path, name: str = "policy.yaml") -> list:
    f = tmp_path / name
    f.write_text(text)
    return build_rules(load_raw_rules([str(f)], include_default=False))


def test_good_file_loads_beside_the_pack(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(GOOD)
    ids = [r.id for r in build_rules(load_raw_rules([str(tmp_path)]))]
    assert "my-rule" in ids and "kerberos-login" in ids and ids[0] == "schema"


def test_mapping_form_and_no_default_rules(tmp_path: Path) -> None:
    rules = build_text("rules:\n" + "\n".join("  " + ln for ln in GOOD.splitlines()), tmp_path)
    assert [r.id for r in rules] == ["schema", "my-rule"]


@pytest.mark.parametrize(("text", "rule", "fault"), [
    (GOOD.replace("op: in", "op: within"), "my-rule", "unknown operator 'within'"),
    (GOOD.replace("{param: allowed}", "'('").replace("op: in", "op: regex"), "my-rule", "invalid regex"),
    (GOOD.replace("key: ext.x", "key: 'ext.['"), "my-rule", "invalid JMESPath"),
    (GOOD.replace("  remediation: r\n", ""), "my-rule", "missing 'remediation'"),
    (GOOD.replace("  title: Mine\n", "  title: Mine\n  colour: red\n"), "my-rule", "unknown key(s): 'colour'"),
    (GOOD.replace("severity: low", "severity: urgent"), "my-rule", "severity"),
    (GOOD.replace("{param: allowed}", "{param: nope}"), "my-rule", "unknown param 'nope'"),
    (GOOD + GOOD.replace("- id", "- id", 1), "my-rule", "duplicate rule id"),
])
def test_bad_file_names_file_rule_and_fault(tmp_path: Path, text: str, rule: str, fault: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_text(text, tmp_path, "bad.yaml")
    message = str(info.value)
    assert str(tmp_path / "bad.yaml") in message
    assert f"rule {rule!r}" in message
    assert fault in message


def test_invalid_yaml_and_unsafe_tags_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid YAML"):
        build_text("- id: [unclosed\n", tmp_path)
    with pytest.raises(ConfigError, match="invalid YAML"):
        read_policy_text("- !!python/object/apply:os.system ['echo pwned']\n", "evil.yaml")


def test_missing_rules_path_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_raw_rules(["/no/such/rules"])


def test_param_and_severity_overrides() -> None:
    raw = load_raw_rules([])
    rules = build_rules(raw, params=parse_overrides(["execution-ttl-strategy.allowed=[fail, kill]"], "--param"),
                        severities={"description": "high"})
    by_id = {r.id: r for r in rules}
    assert by_id["execution-ttl-strategy"].params["allowed"] == ["fail", "kill"]
    assert by_id["description"].info.severity.value == "high"
    assert ruleset_digest(rules) != ruleset_digest(build_rules(raw))
    assert ruleset_digest(build_rules(raw)) == ruleset_digest(build_rules(list(reversed(raw))))
    with pytest.raises(UsageError, match="has no param"):
        build_rules(raw, params={"owner": {"x": 1}})
    with pytest.raises(UsageError, match="unknown rule"):
        build_rules(raw, params={"nope": {"x": 1}})
    with pytest.raises(UsageError, match=r"RULE\.NAME=VALUE"):
        parse_overrides(["oops"], "--param")


def test_selection() -> None:
    rules = build_rules(load_raw_rules([]))
    assert [r.id for r in select_rules(rules, ["owner", "schema"])] == ["schema", "owner"]
    assert "owner" not in [r.id for r in select_rules(rules, ignore=["owner"])]
    with pytest.raises(UsageError, match="unknown rule id"):
        select_rules(rules, ["nope"])


def test_several_faults_in_one_rule_are_reported_inside_that_rule(tmp_path: Path) -> None:
    text = GOOD.replace("  remediation: r\n", "  colour: red\n")
    with pytest.raises(ConfigError) as info:
        build_text(text, tmp_path, "bad.yaml")
    message = str(info.value)
    assert "rule 'my-rule'" in message and "expected object" not in message
    assert "missing 'remediation'" in message or "unknown key(s): 'colour'" in message

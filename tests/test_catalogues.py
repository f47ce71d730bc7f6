"""Framework catalogues: the bundled ones, the mapping to the default pack, user catalogues and their errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wedata_audit.errors import ConfigError, UsageError
from wedata_audit.policy.frameworks import (
    PLANNED_RULES,
    find_catalogue,
    load_catalogues,
    parse_control,
    read_catalogue_text,
    restrict_to_framework,
    unknown_rules,
    unresolved_controls,
    with_rule_controls,
)
from wedata_audit.policy.loading import build_rules, load_raw_rules
from wedata_audit.util.resources import bundled_framework_files

from .conftest import ROOT

SCHEMA_RULE = "schema"  # the core pack's rule

BUNDLED = ("iso27001-2022", "mlps2-l3", "soc2-2017")
MINIMAL = """\
id: acme-policy
name: ACME data policy
sources: [ACME handbook 2026]
requirements:
  - {id: ACME-1, name: Tasks have owners, rules: [owner], manual: false, source: handbook 3.1}
  - {id: ACME-2, name: Backups are tested, manual: true}
"""


@pytest.fixture(scope="module")
def pack():
    return build_rules(load_raw_rules([]))


@pytest.fixture(scope="module")
def bundled():
    return load_catalogues()


def test_bundled_catalogues_load_and_ship_as_package_data(bundled) -> None:
    assert [c.id for c in bundled] == list(BUNDLED)
    assert [f.name for f in bundled_framework_files()] == [f"{i}.yaml" for i in BUNDLED]
    assert {c.origin for c in bundled} == {f"frameworks/{i}.yaml" for i in BUNDLED}


def test_iso_lists_all_93_annex_a_controls_and_soc2_all_61_criteria(bundled) -> None:
    iso = find_catalogue(bundled, "iso27001-2022")
    ids = [r.id for r in iso.requirements]
    expected = [f"A.5.{i}" for i in range(1, 38)] + [f"A.6.{i}" for i in range(1, 9)] + \
               [f"A.7.{i}" for i in range(1, 15)] + [f"A.8.{i}" for i in range(1, 35)]
    assert ids == expected
    soc2 = find_catalogue(bundled, "soc2-2017")
    common = [r.id for r in soc2.requirements if r.id.startswith("CC")]
    assert len(common) == 33 and len(soc2.requirements) == 61
    assert {r.id.rstrip("0123456789.") for r in soc2.requirements} == {"CC", "A", "C", "PI", "P"}


def test_mlps_keeps_level_3_clause_numbers_with_names(bundled) -> None:
    mlps = find_catalogue(bundled, "mlps2-l3")
    by_id = {r.id: r for r in mlps.requirements}
    assert [f"8.1.4.{i}" for i in range(1, 12)] == [i for i in by_id if i.startswith("8.1.4.")]
    assert by_id["8.1.4.1"].name.startswith("身份鉴别") and not by_id["8.1.4.1"].inferred
    assert by_id["8.1.10.10"].name.startswith("变更管理") and by_id["8.1.10.10"].inferred
    assert all(re.fullmatch(r"8\.1\.\d+(\.\d+)?", i) for i in by_id)


@pytest.mark.parametrize("framework_id", BUNDLED)
def test_each_file_names_its_sources_and_says_where_a_number_is_inferred(framework_id: str, bundled) -> None:
    text = (ROOT / "frameworks" / f"{framework_id}.yaml").read_text(encoding="utf-8")
    header = text.split("\nid:", 1)[0]
    assert "Sources of the requirement list" in header and "Sources of the mapping" in header
    assert "inference" in header  # says whether any clause number is one
    assert "evidence, not certification" in text
    cat = find_catalogue(bundled, framework_id)
    assert cat.sources and all(r.source for r in cat.requirements)
    if any(r.inferred for r in cat.requirements):
        assert any("inference" in n for n in cat.notes)


def test_every_control_a_pack_rule_names_exists_in_a_catalogue(pack, bundled) -> None:
    assert unresolved_controls([r.info for r in pack], bundled) == []
    assert all(parse_control(c) for r in pack for c in r.info.controls)


def test_pack_controls_and_catalogue_mappings_agree_both_ways(pack, bundled) -> None:
    """A requirement lists a pack rule exactly when that rule's controls name the requirement."""
    pack_ids = {r.id for r in pack}
    from_rules = {(parse_control(c), r.id) for r in pack for c in r.info.controls}
    from_catalogues = {((cat.id, req.id), rid) for cat in bundled for req in cat.requirements for rid in req.rules
                       if rid in pack_ids}
    assert from_rules == from_catalogues


def test_every_rule_a_catalogue_names_is_in_the_pack_or_planned(pack, bundled) -> None:
    pack_ids = {r.id for r in pack}
    for cat in bundled:
        assert set(unknown_rules(cat, pack_ids)) <= PLANNED_RULES, cat.id
    # A planned rule that has joined the pack must leave the planned list.
    assert not PLANNED_RULES & pack_ids
    named = {rid for cat in bundled for rid in cat.rule_ids}
    assert named >= PLANNED_RULES  # no stale planned entries either


def test_the_pack_maps_to_every_framework(pack, bundled) -> None:
    for cat in bundled:
        assert cat.automated > 0
        assert set(cat.rule_ids) & {r.id for r in pack}, cat.id


def test_user_catalogue_from_file_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fw"
    folder.mkdir()
    (folder / "acme.yaml").write_text(MINIMAL)
    (folder / "notes.txt").write_text("not a catalogue")
    cats = load_catalogues([folder])
    assert [c.id for c in cats] == [*BUNDLED, "acme-policy"]
    acme = cats[-1]
    assert acme.origin == str(folder / "acme.yaml") and acme.automated == 1
    assert acme.requirement("ACME-2").manual and acme.requirement("ACME-2").rules == ()
    only = load_catalogues([folder / "acme.yaml"], include_bundled=False)
    assert [c.id for c in only] == ["acme-policy"]


def test_a_framework_id_defined_twice_names_both_files(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(MINIMAL.replace("acme-policy", "mlps2-l3"))
    with pytest.raises(ConfigError, match=r"mine\.yaml: framework id 'mlps2-l3' is already defined in "
                                          r"frameworks/mlps2-l3\.yaml"):
        load_catalogues([f])


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="frameworks path does not exist"):
        load_catalogues([tmp_path / "nope"])


@pytest.mark.parametrize(("text", "message"), [
    ("id: [", "invalid YAML"),
    ("", "(top level): expected object, found null"),
    (MINIMAL.replace("manual: true}", "manual: true, rules: [owner]}"),
     "requirements[1] (ACME-2).rules: a manual requirement (manual: true, no automated check) lists no rules"),
    (MINIMAL.replace("rules: [owner], ", ""),
     "requirements[0] (ACME-1): missing 'rules' (an automated requirement, manual: false, needs at least one"),
    (MINIMAL.replace("rules: [owner]", "rules: []"),
     "requirements[0] (ACME-1).rules: an automated requirement (manual: false) needs at least one rule"),
    (MINIMAL.replace("id: ACME-1", "id: ACME 1"), "requirements[0] (ACME 1).id: does not match"),
    (MINIMAL.replace("rules: [owner]", "rules: [Owner!]"), "requirements[0] (ACME-1).rules[0]: does not match"),
    (MINIMAL.replace("ACME-2", "ACME-1"), "requirements[1]: duplicate requirement id 'ACME-1'"),
    (MINIMAL.replace("sources: [ACME handbook 2026]\n", ""), "(top level): missing 'sources'"),
    (MINIMAL.replace("manual: true}", "manual: yes please}"), "requirements[1] (ACME-2).manual: expected boolean"),
    (MINIMAL + "extra: 1\n", "unknown key(s): 'extra'"),
])
def test_bad_catalogues_say_where_and_what(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        read_catalogue_text(text, "acme.yaml")
    assert str(exc.value).startswith("acme.yaml: ")
    assert message in str(exc.value)


def test_rule_controls_extend_a_catalogue(pack, bundled) -> None:
    """A user's rule whose controls name a requirement counts for it, even one the catalogue marks manual."""
    from dataclasses import replace

    owner = next(r for r in pack if r.id == "owner")
    mine = replace(owner.info, id="my-rule", controls=("iso27001-2022 A.8.15", "iso27001-2022 A.5.9"))
    iso = with_rule_controls(find_catalogue(bundled, "iso27001-2022"), [mine])
    assert iso.requirement("A.8.15").rules == ("my-rule",) and not iso.requirement("A.8.15").manual
    assert iso.requirement("A.5.9").rules[-1] == "my-rule"
    assert iso.automated == find_catalogue(bundled, "iso27001-2022").automated + 1
    assert unresolved_controls([replace(mine, controls=("iso27001-2022 A.9.9", "ISO A.5.9"))], bundled) == [
        ("my-rule", "iso27001-2022 A.9.9"), ("my-rule", "ISO A.5.9")]


def test_restrict_to_framework_keeps_its_rules_and_the_schema_rule(pack, bundled) -> None:
    mlps = find_catalogue(bundled, "mlps2-l3")
    kept = restrict_to_framework(pack, mlps)
    ids = [r.id for r in kept]
    assert ids[0] == SCHEMA_RULE
    assert set(ids) - {SCHEMA_RULE} == set(mlps.rule_ids) & {r.id for r in pack}
    assert "retries-bounded" not in ids and "kerberos-login" in ids  # capacity rules map to ISO and SOC 2 only
    assert SCHEMA_RULE not in {r.id for r in restrict_to_framework(pack, mlps, keep=())}
    acme = read_catalogue_text(MINIMAL.replace("[owner]", "[not-a-rule]"), "acme.yaml")
    with pytest.raises(UsageError, match="maps none of the rules in effect"):
        restrict_to_framework(pack, acme)


def test_unknown_framework_lists_the_choices(bundled) -> None:
    with pytest.raises(UsageError, match="unknown framework 'pci' \\(choose from iso27001-2022, mlps2-l3, soc2-2017"):
        find_catalogue(bundled, "pci")


def test_parse_control() -> None:
    assert parse_control("mlps2-l3 8.1.4.1") == ("mlps2-l3", "8.1.4.1")
    assert parse_control("  soc2-2017   CC8.1 ") == ("soc2-2017", "CC8.1")
    assert parse_control("ISO27001") is None and parse_control("a b c") is None

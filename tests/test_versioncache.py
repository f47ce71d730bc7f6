"""The incremental version cache: verified entries, fresh approval, latest-mode freshness, safe names, atomicity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, example_data
from wedata_audit.model.snapshot import data_sha256
from wedata_audit.sources.api.cache import (
    LISTING_FIELDS,
    VersionCache,
    listing_key,
    safe_name,
    with_fresh_approval,
)

PROJECT = "1460947878944567296"
TASK = "20251121163138956"
V4 = "20251121163138956_20251124180546791"
FETCHED = "2026-11-30T12:00:00.000Z"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
LISTING = {"TaskId": TASK, "TaskLatestSubmitVersionNo": "V4", "LastUpdateTime": "2025-11-24 17:52:47",
           "LastOpsTime": None, "Status": "Y", "Submit": True, "TaskName": "ignored"}


def v4() -> dict[str, Any]:
    return example_data("latest-version-v4.response.json")


def put_v4(cache: VersionCache, data: dict[str, Any] | None = None) -> None:
    assert cache.put(PROJECT, TASK, V4, data or v4(), request_id="req-1", fetched_at=FETCHED) is not None


def entry_file(cache: VersionCache) -> Path:
    return cache.version_path(PROJECT, TASK, V4)


def test_put_then_get_keeps_data_and_evidence(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    put_v4(cache)
    got = VersionCache(tmp_path).get(PROJECT, TASK, V4)
    assert got is not None and got.data == v4()
    assert got.evidence() == {"project_id": PROJECT, "task_id": TASK, "request_id": "req-1", "fetched_at": FETCHED,
                              "sha256": data_sha256(v4()), "cached": True}
    assert entry_file(cache) == tmp_path / "v1" / PROJECT / "versions" / TASK / f"{V4}.json"
    if os.name == "posix":
        assert entry_file(cache).stat().st_mode & 0o077 == 0  # task code may hold secrets: owner only
    assert cache.get(PROJECT, TASK, "other") is None and cache.stats.misses == 1


def test_an_entry_whose_data_no_longer_matches_its_sha256_is_discarded(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    put_v4(cache)
    doc = json.loads(entry_file(cache).read_text())
    doc["data"]["Task"]["TriggerTaskConfiguration"]["ResourceGroup"] = "tampered"
    entry_file(cache).write_text(json.dumps(doc))
    assert cache.get(PROJECT, TASK, V4) is None
    assert len(cache.stats.discarded) == 1 and "no longer matches its sha256" in cache.stats.discarded[0]
    assert not entry_file(cache).exists()
    put_v4(cache)  # fetched again
    assert cache.get(PROJECT, TASK, V4) is not None


@pytest.mark.parametrize("content", [b"", b"{\"format\": \"wedata-audit-version-cache/1\", \"data\": {",
                                     b"\xff\xfe not utf-8", b"[1, 2]", b"NaN", b"{\"format\": \"other\"}"])
def test_a_corrupt_entry_is_discarded_never_a_crash(tmp_path: Path, content: bytes) -> None:
    cache = VersionCache(tmp_path)
    path = entry_file(cache)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert cache.get(PROJECT, TASK, V4) is None
    assert len(cache.stats.discarded) == 1


def test_an_entry_under_another_name_is_not_trusted(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    put_v4(cache)
    other = cache.version_path(PROJECT, TASK, "other_version")
    other.write_bytes(entry_file(cache).read_bytes())
    assert cache.get(PROJECT, TASK, "other_version") is None
    assert "another version" in cache.stats.discarded[0]


def test_an_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    entry_file(cache).mkdir(parents=True)  # a directory where the file should be
    assert cache.get(PROJECT, TASK, V4) is None
    assert len(cache.stats.discarded) == 1


def test_put_refuses_what_would_poison_the_cache(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    with pytest.raises(ValueError, match="cannot be stored as version"):
        cache.put(PROJECT, TASK, "another", v4(), request_id="r", fetched_at=FETCHED)
    for bad in ("", None):
        with pytest.raises(ValueError, match="non-empty string"):
            cache.put(PROJECT, TASK, bad, v4(), request_id="r", fetched_at=FETCHED)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be an object"):
        cache.put(PROJECT, TASK, V4, [], request_id="r", fetched_at=FETCHED)  # type: ignore[arg-type]
    assert not (tmp_path / "v1").exists()


def test_a_failed_write_is_counted_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = VersionCache(blocker)
    assert cache.put(PROJECT, TASK, V4, v4(), request_id="r", fetched_at=FETCHED) is None
    assert len(cache.stats.write_errors) == 1 and blocker.read_text() == "not a directory"


def test_refresh_never_reads_and_rewrites(tmp_path: Path) -> None:
    put_v4(VersionCache(tmp_path))
    VersionCache(tmp_path).put_index(PROJECT, TASK, LISTING, V4, FETCHED)
    refresh = VersionCache(tmp_path, refresh=True)
    assert refresh.get(PROJECT, TASK, V4) is None
    assert refresh.index_entry(PROJECT, TASK) is None
    assert not refresh.is_fresh(PROJECT, TASK, LISTING, approval_decided=True, now=T0 + timedelta(minutes=1))
    newer = v4()
    newer["VersionRemark"] = "refetched"
    assert refresh.put(PROJECT, TASK, V4, newer, request_id="req-2", fetched_at="2026-11-30T13:00:00Z")
    got = VersionCache(tmp_path).get(PROJECT, TASK, V4)
    assert got is not None and got.request_id == "req-2" and got.data["VersionRemark"] == "refetched"


# ---------------------------------------------------------------------------------------------- approval

def test_approval_comes_from_the_fresh_list_item() -> None:
    cached = v4()
    cached.update(ApproveStatus="Approval in progress", ApproveUserUin=None, ApproveTime=None)
    item = {"VersionId": V4, "ApproveStatus": "APPROVED", "ApproveUserUin": "100099", "UsedVersion": True}
    fresh = with_fresh_approval(cached, item)
    assert (fresh["ApproveStatus"], fresh["ApproveUserUin"], fresh["ApproveTime"]) == ("APPROVED", "100099", None)
    assert cached["ApproveStatus"] == "Approval in progress"  # the cached copy is not modified
    assert "UsedVersion" not in fresh and fresh["Task"] == cached["Task"]


def test_an_unchanged_approval_keeps_its_time_and_a_missing_one_fails_closed() -> None:
    cached = v4()
    cached.update(ApproveStatus="APPROVED", ApproveUserUin="100099", ApproveTime="2025-11-25 10:00:00")
    same = with_fresh_approval(cached, {"ApproveStatus": "APPROVED", "ApproveUserUin": "100099"})
    assert same["ApproveTime"] == "2025-11-25 10:00:00"
    gone = with_fresh_approval(cached, {"VersionId": V4})
    assert (gone["ApproveStatus"], gone["ApproveUserUin"], gone["ApproveTime"]) == (None, None, None)


# ---------------------------------------------------------------------------------------------- latest mode

def test_listing_key_reads_exactly_the_listed_fields() -> None:
    assert listing_key(LISTING) == ("V4", "2025-11-24 17:52:47", None, "Y", True)
    assert listing_key({"Status": ["odd"]}) == (None, None, None, '["odd"]', None)
    assert listing_key("not a mapping") == (None,) * len(LISTING_FIELDS)  # type: ignore[arg-type]


@pytest.mark.parametrize(("age", "fresh"), [
    (timedelta(0), True), (timedelta(hours=23, minutes=59, seconds=59), True),
    (timedelta(hours=24), False), (timedelta(hours=25), False), (timedelta(seconds=-1), False),
])
def test_max_age_boundaries(tmp_path: Path, age: timedelta, fresh: bool) -> None:
    cache = VersionCache(tmp_path)
    cache.put_index(PROJECT, TASK, LISTING, V4, FETCHED)
    assert cache.is_fresh(PROJECT, TASK, LISTING, approval_decided=True, max_age=timedelta(hours=24),
                          now=T0 + age) is fresh


@pytest.mark.parametrize("field", LISTING_FIELDS)
def test_any_change_of_the_listing_means_a_fetch(tmp_path: Path, field: str) -> None:
    cache = VersionCache(tmp_path)
    cache.put_index(PROJECT, TASK, LISTING, V4, FETCHED)
    changed = {**LISTING, field: "changed"}
    assert not cache.is_fresh(PROJECT, TASK, changed, approval_decided=True, now=T0)
    assert cache.is_fresh(PROJECT, TASK, {**LISTING, "TaskName": "renamed"}, approval_decided=True, now=T0)


def test_undecided_approval_or_no_index_means_a_fetch(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    assert not cache.is_fresh(PROJECT, TASK, LISTING, approval_decided=True, now=T0)
    cache.put_index(PROJECT, TASK, LISTING, V4, FETCHED)
    assert not cache.is_fresh(PROJECT, TASK, LISTING, approval_decided=False, now=T0)
    with pytest.raises(ValueError, match="time zone"):
        cache.is_fresh(PROJECT, TASK, LISTING, approval_decided=True, now=datetime(2026, 11, 30))


def test_latest_returns_the_cached_version_only_when_fresh_and_decided(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    data = v4()
    data["ApproveStatus"] = "APPROVED"
    put_v4(cache, data)
    cache.put_index(PROJECT, TASK, LISTING, V4, FETCHED)

    def decided(status: Any) -> bool:
        return isinstance(status, str) and status.strip().upper() in {"APPROVED", "REJECT"}

    got = cache.latest(PROJECT, TASK, LISTING, is_decided=decided, now=T0 + timedelta(hours=1))
    assert got is not None and got.version_id == V4
    assert cache.latest(PROJECT, TASK, LISTING, is_decided=lambda s: False, now=T0) is None
    assert cache.latest(PROJECT, TASK, {**LISTING, "Submit": False}, is_decided=decided, now=T0) is None
    entry_file(cache).write_text("{}")  # the version behind the index is gone bad: fetch again
    assert cache.latest(PROJECT, TASK, LISTING, is_decided=decided, now=T0) is None


def test_a_corrupt_index_is_discarded(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    path = cache.index_path(PROJECT, TASK)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": "wedata-audit-version-index/1", "project_id": PROJECT, "task_id": TASK,
                                "listing_key": [1], "version_id": V4, "fetched_at": FETCHED}))
    assert cache.index_entry(PROJECT, TASK) is None and len(cache.stats.discarded) == 1
    with pytest.raises(ValueError, match="ISO 8601"):
        cache.put_index(PROJECT, TASK, LISTING, V4, "yesterday")


# ---------------------------------------------------------------------------------------------- names

HOSTILE = ["..", ".", "../../etc/passwd", "/etc/passwd", "a/b", "a\\b", "C:\\x", "nul", "CON", "con", "x\x00y",
           "Task", "task", "index", "versions", "\u00e9t\u00e9", "e\u0301te\u0301", "x" * 500, " ", "a.json",
           "\ud800", "-rf", "~"]


def test_hostile_ids_stay_inside_the_cache_and_never_collide(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    root = (tmp_path / "v1").resolve()
    names: set[str] = set()
    for n, hostile in enumerate(HOSTILE):
        data = {"VersionId": hostile, "n": n}
        assert cache.put(hostile, hostile, hostile, data, request_id="r", fetched_at=FETCHED) is not None
        assert cache.put_index(hostile, hostile, LISTING, hostile, FETCHED)
        for path in (cache.version_path(hostile, hostile, hostile), cache.index_path(hostile, hostile)):
            assert path.resolve().is_relative_to(root)
            assert len(path.name) <= 120
            assert path.name.split(".")[0].lower() not in {"con", "nul", "prn", "aux"}  # reserved on Windows
        names.add(safe_name(hostile).lower())
    assert len(names) == len(HOSTILE)  # distinct even on a case-insensitive file system
    for n, hostile in enumerate(HOSTILE):
        got = cache.get(hostile, hostile, hostile)
        assert got is not None and got.data["n"] == n
        assert cache.index_entry(hostile, hostile) is not None
    assert not list(tmp_path.glob("*.json")) and not (tmp_path.parent / "etc").exists()
    assert cache.stats.discarded == []


def test_ids_wedata_issues_are_used_as_they_are() -> None:
    assert safe_name(V4) == V4 and safe_name("d3e40dcc-bf42-4fb9-b081-b00408d478ec").startswith("d3e40dcc")


# ---------------------------------------------------------------------------------------------- concurrency

def _hammer(cache: VersionCache, worker: int, rounds: int, errors: list[str]) -> None:
    for i in range(rounds):
        data = v4()
        data["VersionRemark"] = f"worker {worker} round {i}"
        cache.put(PROJECT, TASK, V4, data, request_id=f"w{worker}-{i}", fetched_at=FETCHED)
        cache.put_index(PROJECT, TASK, LISTING, V4, FETCHED)
        got = cache.get(PROJECT, TASK, V4)
        if got is None or not got.data["VersionRemark"].startswith("worker "):
            errors.append(f"worker {worker} round {i}: {got}")


def test_threads_sharing_a_cache_never_see_a_partial_entry(tmp_path: Path) -> None:
    errors: list[str] = []
    caches = [VersionCache(tmp_path) for _ in range(6)]
    threads = [threading.Thread(target=_hammer, args=(c, n, 60, errors)) for n, c in enumerate(caches)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(c.stats.discarded == [] and c.stats.write_errors == [] for c in caches)
    assert not [p for p in tmp_path.rglob("*.tmp")]


WORKER = """
import sys
from tests.test_versioncache import _hammer
from wedata_audit.sources.api.cache import VersionCache
errors = []
cache = VersionCache(sys.argv[1])
_hammer(cache, int(sys.argv[2]), 150, errors)
problems = errors + cache.stats.discarded + cache.stats.write_errors
print("\\n".join(problems))
sys.exit(1 if problems else 0)
"""


def test_processes_sharing_a_cache_never_corrupt_it(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path), str(n)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for n in range(3)]
    outputs = [(p.wait(timeout=120), p.stdout.read() if p.stdout else "") for p in procs]
    assert [code for code, _ in outputs] == [0, 0, 0], outputs
    final = VersionCache(tmp_path).get(PROJECT, TASK, V4)
    assert final is not None and final.data["VersionRemark"].startswith("worker ")
    assert not [p for p in tmp_path.rglob("*.tmp")]


any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), any_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)),
    max_leaves=15,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(any_text, json_values, max_size=5), any_text.filter(bool))
def test_any_json_document_and_id_round_trip_with_their_sha256(doc: dict[str, Any], version_id: str) -> None:
    import tempfile

    doc.pop("VersionId", None)
    with tempfile.TemporaryDirectory() as tmp:
        cache = VersionCache(tmp)
        stored = cache.put(PROJECT, version_id, version_id, doc, request_id="r", fetched_at=FETCHED)
        assert stored is not None and stored.sha256 == data_sha256(doc)
        got = VersionCache(tmp).get(PROJECT, version_id, version_id)
        assert got is not None and data_sha256(got.data) == data_sha256(doc)

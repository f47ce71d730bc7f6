"""The incremental version cache behind ``--cache DIR``: version content is immutable per VersionId.

Layout (format 1, everything under ``DIR/v1/``)::

    DIR/v1/<project>/versions/<task>/<version>.json   one version: {format, project_id, task_id, version_id,
                                                      request_id, fetched_at, sha256, data}
    DIR/v1/<project>/index/<task>.json                the latest-mode index of one task: {format, project_id,
                                                      task_id, listing_key, version_id, fetched_at}

``<project>``, ``<task>`` and ``<version>`` are :func:`safe_name` of the ids: an id made only of lower-case
letters, digits, ``_`` and ``-`` (as the ids in the API's examples are) is used as it is; any other id
becomes ``_``, its sanitised start, a ``.`` and 32 hex digits of its SHA-256, so no id can leave the
directory (``..``, ``/``, ``\\``, NUL), two ids never share a file (also on case-insensitive file systems),
and no name is reserved on Windows. Each file repeats its ids, and an entry read back under other ids is
discarded. ``DIR/v1/`` belongs to the cache: a file there that is not a valid entry is removed or replaced.
Files are created readable by their owner only (versions hold task code).

Rules (issue 9, item 3):

* An entry keeps the RequestId and fetch time of the response it came from and the sha256 of its ``data``
  (canonical JSON, as snapshot evidence); :meth:`VersionCache.get` recomputes the sha256, and an entry that
  does not match, does not parse, or is not a version entry is discarded (counted in :attr:`VersionCache.stats`
  with the reason, and removed if it is still the file that was read), never an exception.
* Approval fields are not trusted from the cache: :func:`with_fresh_approval` takes them from a fresh
  ListTriggerTaskVersions item (``ApproveStatus``, ``ApproveUserUin``; ``ApproveTime``, which list items do
  not carry, becomes null when either of them changed).
* ``latest`` mode with ``select``: a task is not fetched again when its ListTriggerTasks item's
  :func:`listing_key` equals the one stored with its cached fetch, the cached version's approval is decided,
  and the cached copy is younger than ``max_age`` (:meth:`VersionCache.is_fresh`, :meth:`VersionCache.latest`).
* Writes go to a temporary file beside the target and are renamed into place (``os.replace``), so runs
  sharing a cache never see a partial file; the last writer wins and every writer writes a whole entry. A
  write that fails (disk full, permissions) is counted, never raised: the cache only saves requests.
* ``refresh=True`` (``--refresh``) never reads (every lookup misses) and rewrites what is put.

Only ids, UINs (as the API returns them in versions) and the versions themselves are stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from wedata_audit.model.snapshot import data_sha256
from wedata_audit.sources.files import parse_json

LAYOUT = "v1"
VERSION_FORMAT = "wedata-audit-version-cache/1"
INDEX_FORMAT = "wedata-audit-version-index/1"
MAX_ENTRY_BYTES = 64 * 1024 * 1024
# The ListTriggerTasks fields whose change means the latest submitted version may have changed.
LISTING_FIELDS: tuple[str, ...] = ("TaskLatestSubmitVersionNo", "LastUpdateTime", "LastOpsTime", "Status", "Submit")
# Version fields that change after the version is created, so never trusted from the cache.
APPROVAL_FIELDS: tuple[str, ...] = ("ApproveStatus", "ApproveUserUin")
APPROVAL_TIME = "ApproveTime"  # not in ListTriggerTaskVersions items: cleared when the approval changed
DEFAULT_MAX_AGE = timedelta(hours=24)

_CLEAN = re.compile(r"[a-z0-9_-]{1,100}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_name(identifier: str) -> str:
    """A file name for any id that stays in its directory and is unique per id (see the module doc)."""
    if _CLEAN.fullmatch(identifier) and identifier not in _RESERVED:
        return identifier
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"_{_UNSAFE.sub('_', identifier)[:40].lower()}.{digest}"


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns)


def _check_id(what: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return value


def now_utc() -> str:
    """The fetch-time format of snapshot evidence: ISO 8601 UTC with milliseconds and ``Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: Any) -> datetime | None:
    """An ISO 8601 time with a zone as an aware datetime; None for anything else."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def listing_key(list_task_item: Mapping[str, Any]) -> tuple[Any, ...]:
    """The :data:`LISTING_FIELDS` of a ListTriggerTasks item (missing -> None; anything but a scalar as its
    canonical JSON), comparable with a key read back from the index."""
    def scalar(v: Any) -> Any:
        if v is None or isinstance(v, (str, bool, int)):
            return v
        return json.dumps(v, sort_keys=True, default=str)
    item = list_task_item if isinstance(list_task_item, Mapping) else {}
    return tuple(scalar(item.get(name)) for name in LISTING_FIELDS)


def approval_changed(cached_data: Mapping[str, Any], list_item: Mapping[str, Any]) -> bool:
    """Whether a fresh ListTriggerTaskVersions item disagrees with the cached copy's approval fields."""
    return any(cached_data.get(f) != list_item.get(f) for f in APPROVAL_FIELDS)


def with_fresh_approval(cached_data: Mapping[str, Any], list_item: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``cached_data`` whose approval fields come from ``list_item`` (a ListTriggerTaskVersions
    ``SUBMIT`` item of the same VersionId). A field the item lacks becomes null (fails closed); when the
    approval changed, ``ApproveTime`` (not in list items) becomes null too, as it is no longer known."""
    if not isinstance(list_item, Mapping):
        list_item = {}
    out = dict(cached_data)
    if approval_changed(cached_data, list_item):
        out[APPROVAL_TIME] = None
    for name in APPROVAL_FIELDS:
        out[name] = list_item.get(name)
    return out


@dataclass(frozen=True, slots=True)
class CachedVersion:
    """One version from the cache, with the evidence of the response it was first fetched in."""

    project_id: str
    task_id: str
    version_id: str
    data: dict[str, Any]
    request_id: str
    fetched_at: str
    sha256: str

    def evidence(self) -> dict[str, Any]:
        """Snapshot ``meta`` for reports: the original RequestId, fetch time and sha256, and ``cached: True``."""
        return {"project_id": self.project_id, "task_id": self.task_id, "request_id": self.request_id,
                "fetched_at": self.fetched_at, "sha256": self.sha256, "cached": True}


@dataclass(frozen=True, slots=True)
class IndexEntry:
    listing_key: tuple[Any, ...]
    version_id: str
    fetched_at: str


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0
    discarded: list[str] = field(default_factory=list)  # "<file>: <reason>", for the run's messages
    write_errors: list[str] = field(default_factory=list)


class VersionCache:
    """A directory of immutable version entries plus a per-task index for ``latest`` mode (module doc)."""

    def __init__(self, directory: str | os.PathLike[str], *, refresh: bool = False) -> None:
        self.root = Path(directory)
        self.refresh = refresh
        self.stats = CacheStats()

    # -- paths
    def version_path(self, project_id: str, task_id: str, version_id: str) -> Path:
        project, task, version = (safe_name(_check_id(w, v)) for w, v in
                                  (("project_id", project_id), ("task_id", task_id), ("version_id", version_id)))
        return self.root / LAYOUT / project / "versions" / task / f"{version}.json"

    def index_path(self, project_id: str, task_id: str) -> Path:
        project, task = safe_name(_check_id("project_id", project_id)), safe_name(_check_id("task_id", task_id))
        return self.root / LAYOUT / project / "index" / f"{task}.json"

    # -- versions
    def get(self, project_id: str, task_id: str, version_id: str) -> CachedVersion | None:
        """The cached version, verified; None when absent, unusable (discarded) or in refresh mode."""
        path = self.version_path(project_id, task_id, version_id)
        if self.refresh:
            self.stats.misses += 1
            return None
        doc, seen = self._read(path)
        if doc is None:
            self.stats.misses += 1
            return None
        ids = {"project_id": project_id, "task_id": task_id, "version_id": version_id}
        data = doc.get("data")
        problem = None
        if doc.get("format") != VERSION_FORMAT:
            problem = "not a version entry of this format"
        elif any(doc.get(k) != v for k, v in ids.items()):
            problem = "it holds another version than its name says"
        elif not isinstance(data, dict) or not all(isinstance(doc.get(k), str) for k in
                                                    ("request_id", "fetched_at", "sha256")):
            problem = "its data or evidence is missing"
        elif data_sha256(data) != doc["sha256"]:
            problem = "its data no longer matches its sha256"
        if problem is not None:
            self._discard(path, problem, seen)
            self.stats.misses += 1
            return None
        assert isinstance(data, dict)
        self.stats.hits += 1
        return CachedVersion(project_id, task_id, version_id, data, doc["request_id"], doc["fetched_at"],
                             doc["sha256"])

    def put(self, project_id: str, task_id: str, version_id: str, data: Mapping[str, Any], *, request_id: str,
            fetched_at: str) -> CachedVersion | None:
        """Store a version fetched in response ``request_id`` at ``fetched_at`` (ISO 8601 UTC).

        Raises ValueError for an empty id, a ``data`` that is not an object, or whose own VersionId names
        another version; returns None (and counts the error) when the file cannot be written.
        """
        path = self.version_path(project_id, task_id, version_id)
        if not isinstance(data, Mapping):
            raise ValueError(f"version data must be an object, got {type(data).__name__}")
        own = data.get("VersionId")
        if isinstance(own, str) and own and own != version_id:
            raise ValueError(f"data of version {own!r} cannot be stored as version {version_id!r}")
        entry = CachedVersion(project_id, task_id, version_id, dict(data), str(request_id), str(fetched_at),
                              data_sha256(dict(data)))
        doc = {"format": VERSION_FORMAT, "project_id": project_id, "task_id": task_id, "version_id": version_id,
               "request_id": entry.request_id, "fetched_at": entry.fetched_at, "sha256": entry.sha256,
               "data": entry.data}
        return entry if self._write(path, doc) else None

    # -- latest-mode index
    def index_entry(self, project_id: str, task_id: str) -> IndexEntry | None:
        """The stored index entry of a task; None when absent, unusable (discarded) or in refresh mode."""
        if self.refresh:
            return None
        path = self.index_path(project_id, task_id)
        doc, seen = self._read(path)
        if doc is None:
            return None
        key, version_id, fetched_at = doc.get("listing_key"), doc.get("version_id"), doc.get("fetched_at")
        if (doc.get("format") != INDEX_FORMAT or doc.get("project_id") != project_id
                or doc.get("task_id") != task_id or not isinstance(key, list) or len(key) != len(LISTING_FIELDS)
                or not isinstance(version_id, str) or not version_id or parse_time(fetched_at) is None):
            self._discard(path, "not an index entry of this task", seen)
            return None
        assert isinstance(fetched_at, str)
        return IndexEntry(tuple(key), version_id, fetched_at)

    def put_index(self, project_id: str, task_id: str, listing_item: Mapping[str, Any], version_id: str,
                  fetched_at: str) -> bool:
        """Record that the latest version of ``task_id``, fetched at ``fetched_at`` while ListTriggerTasks
        showed ``listing_item``, is ``version_id``. Write it only after a fetch, never on a cache hit (the
        age counts from the fetch). False when the file cannot be written."""
        _check_id("version_id", version_id)
        if parse_time(fetched_at) is None:
            raise ValueError(f"fetched_at must be an ISO 8601 time with a zone, got {fetched_at!r}")
        doc = {"format": INDEX_FORMAT, "project_id": project_id, "task_id": task_id,
               "listing_key": list(listing_key(listing_item)), "version_id": version_id, "fetched_at": fetched_at}
        return self._write(self.index_path(project_id, task_id), doc)

    def is_fresh(self, project_id: str, task_id: str, listing_item: Mapping[str, Any], *, approval_decided: bool,
                 max_age: timedelta = DEFAULT_MAX_AGE, now: datetime | None = None) -> bool:
        """Whether ``latest`` mode may skip fetching this task: an index entry exists, its listing key equals
        ``listing_key(listing_item)``, ``approval_decided`` (the cached version's ApproveStatus is in
        ``approved`` or ``not_approved``), and ``0 <= now - fetched_at < max_age`` (a fetch time in the
        future is not trusted). Always False in refresh mode."""
        if now is None:
            now = datetime.now(timezone.utc)
        if now.tzinfo is None:
            raise ValueError("now must carry a time zone")
        if not approval_decided:
            return False
        entry = self.index_entry(project_id, task_id)
        if entry is None or entry.listing_key != listing_key(listing_item):
            return False
        fetched = parse_time(entry.fetched_at)
        return fetched is not None and timedelta(0) <= now - fetched < max_age

    def latest(self, project_id: str, task_id: str, listing_item: Mapping[str, Any], *,
               is_decided: Callable[[Any], bool], max_age: timedelta = DEFAULT_MAX_AGE,
               now: datetime | None = None) -> CachedVersion | None:
        """``latest`` mode in one call: the cached latest version when it need not be fetched, else None.

        ``is_decided(approve_status) -> bool`` says whether an ApproveStatus is in ``approved`` or
        ``not_approved`` (the approval-status rule's params)."""
        entry = self.index_entry(project_id, task_id)
        if entry is None:
            return None
        cached = self.get(project_id, task_id, entry.version_id)
        if cached is None:
            return None
        decided = bool(is_decided(cached.data.get("ApproveStatus")))
        if not self.is_fresh(project_id, task_id, listing_item, approval_decided=decided, max_age=max_age, now=now):
            return None
        return cached

    # -- files
    def _read(self, path: Path) -> tuple[dict[str, Any] | None, os.stat_result | None]:
        """The JSON object in ``path`` and the identity of the file read; ``(None, None)`` when absent."""
        try:
            with path.open("rb") as fh:
                seen = os.fstat(fh.fileno())
                blob = fh.read(MAX_ENTRY_BYTES + 1)
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            self.stats.discarded.append(f"{path}: cannot be read ({exc.strerror or exc})")
            return None, None
        if len(blob) > MAX_ENTRY_BYTES:
            self._discard(path, f"larger than {MAX_ENTRY_BYTES} bytes", seen)
            return None, None
        try:
            doc = parse_json(blob.decode("utf-8"))
        except (ValueError, RecursionError):
            doc = None
        if not isinstance(doc, dict):
            self._discard(path, "not a JSON object (truncated or corrupt)", seen)
            return None, None
        return doc, seen

    def _discard(self, path: Path, reason: str, seen: os.stat_result | None) -> None:
        """Count an unusable entry and remove it, unless another run replaced the file since it was read."""
        self.stats.discarded.append(f"{path}: {reason}")
        if seen is None:
            return
        try:
            current = os.stat(path)
            if _same_file(seen, current):
                path.unlink()
        except OSError:
            pass

    def _write(self, path: Path, doc: Mapping[str, Any]) -> bool:
        blob = (json.dumps(doc, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            self.stats.write_errors.append(f"{path}: {exc.strerror or exc}")
            return False
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            self.stats.write_errors.append(f"{path}: {exc.strerror or exc}")
            return False
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stats.writes += 1
        return True

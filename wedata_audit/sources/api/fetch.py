"""Fetch task versions from the live API into :class:`Snapshot` records, in parallel.

Each task becomes exactly one snapshot: its version, or the reason it could not be read (ResourceNotFound,
InvalidParameter*, retries exhausted, a response without Data or RequestId). A run-wide refusal
(:class:`~wedata_audit.errors.FatalRemoteError`: bad credentials, no permission) stops new requests at
once; what was already in flight is still yielded, and the tasks never fetched are listed, so a caller can
still write a report marked incomplete.

With a snapshot folder, every task leaves one ``<task id>.json`` there, so that ``check`` on the folder
comes to the same verdict: the full response of a version, or, for a task that could not be read or was
never fetched, an API-style error response (``{"Response": {"Error": {"Code", "Message"}, ...}}``) that
the offline reader turns into an errored task. The code is the API's, or one of ``WedataAudit.*`` below.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta
from pathlib import Path
from typing import Any

from wedata_audit.errors import FatalRemoteError
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.sources.api.cache import DEFAULT_MAX_AGE, CachedVersion, VersionCache, with_fresh_approval
from wedata_audit.sources.api.client import ApiError, Cancelled, RemoteTaskError, WeDataClient
from wedata_audit.sources.api.listing import PAGE_SIZE, TaskRef, dedupe, version_id_of, version_order, version_ref
from wedata_audit.sources.api.saving import error_response, now_stamp, save_response, sha256_of

# Error codes of saved snapshots for failures that are not an API error answer.
FETCH_FAILED = "WedataAudit.FetchFailed"  # retries exhausted: network errors, timeouts, 5xx, bodies not JSON
INVALID_RESPONSE = "WedataAudit.InvalidResponse"  # an answer without usable Data or without RequestId
NOT_FETCHED = "WedataAudit.NotFetched"  # the run stopped (refusal, Ctrl-C) before this task was read

# Which version of each task is audited (--versions): the latest submitted one (GetTriggerTaskVersion with a
# blank VersionId), the one production uses (the ListTriggerTaskVersions SUBMIT item with UsedVersion true),
# or both, reviewed as a release.
LATEST, PRODUCTION, RELEASE = "latest", "production", "release"
VERSION_MODES = (LATEST, PRODUCTION, RELEASE)
ROLE_LATEST, ROLE_PRODUCTION = "latest", "production"  # Snapshot.role in release mode

ProgressCallback = Callable[[int, int, Snapshot], None]  # (done, total, the snapshot just completed)


class FetchRun:
    """Iterate to fetch; snapshots come in task-list order (a bounded window of ``2 * workers`` requests in
    flight doubles as the reorder buffer). Never raises FatalRemoteError itself:
    after the iteration, :attr:`fatal` holds it (or None) and :attr:`unfetched` the task ids never read.
    """

    def __init__(self, client: WeDataClient, project_id: str, tasks: Iterable[TaskRef | str], *, workers: int = 8,
                 on_progress: ProgressCallback | None = None, snapshot_dir: str | Path | None = None,
                 enrich: Callable[[Snapshot, threading.Event], Snapshot] | None = None,
                 versions: str = LATEST, task_items: Mapping[str, Mapping[str, Any]] | None = None,
                 cache: VersionCache | None = None, cache_max_age: timedelta = DEFAULT_MAX_AGE,
                 is_decided: Callable[[Any], bool] | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.client = client
        self.project_id = project_id
        self.tasks = dedupe(tasks)
        self.workers = workers
        self.on_progress = on_progress
        self.enrich = enrich  # adds context to a fetched version, in the worker (sources/api/context.py)
        self.snapshot_dir = Path(snapshot_dir) if snapshot_dir is not None else None
        self.fatal: FatalRemoteError | None = None
        self.unfetched: list[str] = []
        # Versions fetched (the request was already sent) but not yet yielded when the iteration stopped.
        self.leftover: list[Snapshot] = []
        self.done = 0
        if versions not in VERSION_MODES:
            raise ValueError(f"versions must be one of {', '.join(VERSION_MODES)}")
        self.versions = versions
        self.task_items = task_items or {}  # task id -> its ListTriggerTasks item (when found through select)
        self.not_submitted: list[str] = []  # production / release: tasks with no submitted version (not audited)
        self.cache = cache
        self.cache_max_age = cache_max_age
        # whether an ApproveStatus is decided (approval-status params); None: never, so latest mode always fetches
        self.is_decided = is_decided
        self._cache_lock = threading.Lock()  # the stats counters of the cache are shared by the workers

    @property
    def complete(self) -> bool:
        """Every task was fetched or answered for (errored snapshots included) and nothing stopped the run."""
        return self.fatal is None and not self.unfetched and self.done == len(self.tasks)

    def unfetched_snapshots(self) -> list[Snapshot]:
        """An errored snapshot for each task the run never read (for a report marked incomplete)."""
        reason = (f"not fetched: the run stopped ({self.fatal})" if self.fatal
                  else "not fetched: the run stopped before this task was read")
        return [Snapshot(source=f"api:{t}", error=reason, meta=self._meta(t)) for t in self.unfetched]

    def abandon(self, fatal: FatalRemoteError | None = None) -> None:
        """Give the run up before any fetch (a refusal or Ctrl-C while listing tasks): no task will be read.

        Every task is then unfetched (and saved as such), as after a stop during the run; do not iterate.
        """
        self.fatal = fatal
        self.unfetched = [task_id for task_id, _ in self.tasks]
        self._save_unfetched()

    def __iter__(self) -> Iterator[Snapshot]:
        return self.snapshots()

    def snapshots(self) -> Generator[Snapshot, None, None]:
        """The fetch as a generator: ``close()`` it to stop early (what is in flight is then unfetched)."""
        if self.snapshot_dir is not None:
            self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        stop = threading.Event()
        queue = iter(self.tasks)
        pending: dict[Future[list[Snapshot]], str] = {}
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="wedata-fetch")

        def top_up() -> None:  # a bounded window of submitted tasks, so stopping is immediate
            while not stop.is_set() and len(pending) < 2 * self.workers:
                ref = next(queue, None)
                if ref is None:
                    return
                pending[pool.submit(self._fetch_task, ref[0], ref[1], stop)] = ref[0]

        try:
            top_up()
            while pending:
                head = next(iter(pending))
                if not head.done():
                    wait([f for f in pending if not f.done()], return_when=FIRST_COMPLETED)
                # Yield in task-list order: the window of submitted tasks doubles as the reorder buffer.
                while pending and next(iter(pending)).done():
                    future = next(iter(pending))
                    task_id = pending.pop(future)
                    try:
                        snapshots = future.result()
                    except FatalRemoteError as exc:
                        self.fatal = self.fatal or exc
                        stop.set()
                        self.unfetched.append(task_id)
                        continue
                    except Cancelled:
                        self.unfetched.append(task_id)
                        continue
                    self.done += 1
                    for snapshot in snapshots:
                        if self.on_progress is not None and snapshot is snapshots[-1]:
                            self.on_progress(self.done, len(self.tasks), snapshot)
                        yield snapshot
                top_up()
        finally:
            stop.set()  # also when the caller stops iterating early
            pool.shutdown(wait=True, cancel_futures=True)
            for future, task_id in pending.items():  # answers that arrived but were not consumed are kept
                if future.done() and not future.cancelled() and future.exception() is None:
                    self.leftover.extend(future.result())
                    self.done += 1
                else:
                    self.unfetched.append(task_id)
            self.unfetched.extend(task_id for task_id, _ in queue)
            self._save_unfetched()

    def _save_unfetched(self) -> None:
        """Overwrites what a worker may have saved for a task whose answer was never consumed: the report
        lists that task as not fetched, so must the folder."""
        if self.snapshot_dir is None:
            return
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        for snap in self.unfetched_snapshots():
            save_response(self.snapshot_dir, snap.meta["task_id"], error_response(NOT_FETCHED, snap.error or ""),
                          snap.meta)

    def _meta(self, task_id: str) -> dict[str, Any]:
        return {"project_id": self.project_id, "task_id": task_id, "endpoint": self.client.endpoint,
                "region": self.client.region}

    def _context(self, task_id: str) -> dict[str, Any]:
        item = self.task_items.get(task_id)
        return {"task_list": dict(item)} if item is not None else {}

    def _fetch_task(self, task_id: str, version_id: str | None, stop: threading.Event) -> list[Snapshot]:
        snapshots = self._fetch_versions(task_id, version_id, stop)
        return snapshots if self.enrich is None else [self.enrich(snap, stop) for snap in snapshots]

    def _fetch_versions(self, task_id: str, version_id: str | None, stop: threading.Event) -> list[Snapshot]:
        """The snapshots of one task: its latest submitted (or pinned) version; in ``production`` mode the
        version production uses; in ``release`` mode that one (role ``production``) and the latest submitted
        one (role ``latest``), fetched once when they are the same. A task never submitted gives none."""
        context = self._context(task_id)
        if self.versions == LATEST or version_id:
            item = self.task_items.get(task_id)
            if (self.cache is not None and not version_id and item is not None and self.is_decided is not None):
                with self._cache_lock:
                    hit = self.cache.latest(self.project_id, task_id, item, is_decided=self.is_decided,
                                            max_age=self.cache_max_age)
                if hit is not None:
                    return [self._from_cache(task_id, hit, hit.data, context=context)]
            return [self._fetch_one(task_id, version_id, stop, context=context, index_item=item)]
        listed = self._list_versions(task_id, stop)
        if isinstance(listed, Snapshot):
            return [listed]
        items = listed
        if not items:
            self.not_submitted.append(task_id)
            return []
        used = next((i for i in items if i.get("UsedVersion") is True and version_id_of(i)), None)
        newest = max((i for i in items if version_id_of(i)), key=version_order, default=None)
        if newest is None:
            meta = {**self._meta(task_id), "fetched_at": now_stamp()}
            return [self._errored(task_id, "ListTriggerTaskVersions lists no submitted version with a VersionId",
                                  meta)]
        context["release"] = {"mode": self.versions, "latest": version_ref(newest),
                              "production": version_ref(used) if used is not None else None}
        extra = {"versions": items}
        if self.versions == PRODUCTION:  # no production version: the latest submitted one carries the finding
            target = used if used is not None else newest
            return [self._fetch_one(task_id, version_id_of(target), stop, context=context, extra=extra,
                                    listed=target)]
        if used is None or version_id_of(used) == version_id_of(newest):
            return [self._fetch_one(task_id, version_id_of(newest), stop, context=context, extra=extra,
                                    role=ROLE_LATEST, listed=newest)]
        # The release context describes the latest version; the production one is audited without it
        production = self._fetch_one(task_id, version_id_of(used), stop, context=self._context(task_id),
                                     extra=extra, role=ROLE_PRODUCTION, listed=used)
        latest = self._fetch_one(task_id, version_id_of(newest), stop, context=context, extra=extra,
                                 role=ROLE_LATEST, listed=newest)
        return [production, latest]

    def _list_versions(self, task_id: str, stop: threading.Event) -> list[dict[str, Any]] | Snapshot:
        """Every submitted version of a task (ListTriggerTaskVersions, TaskVersionType SUBMIT, paged), or the
        errored snapshot saying why they could not be read."""
        params = {"ProjectId": self.project_id, "TaskId": task_id, "TaskVersionType": "SUBMIT",
                  "PageSize": PAGE_SIZE}
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            meta = self._meta(task_id)
            try:
                response = self.client.call("ListTriggerTaskVersions", {**params, "PageNumber": page}, stop=stop)
            except FatalRemoteError:
                stop.set()
                raise
            except RemoteTaskError as exc:
                meta["fetched_at"] = now_stamp()
                if exc.request_id:
                    meta["request_id"] = exc.request_id
                code = exc.code if isinstance(exc, ApiError) and exc.code else FETCH_FAILED
                return self._errored(task_id, f"ListTriggerTaskVersions: {exc.reason}", meta, code,
                                     exc.reason.removeprefix(f"{exc.code}: ") if exc.code else exc.reason)
            data = response.get("Data")
            if not isinstance(data, dict):
                meta["fetched_at"] = now_stamp()
                return self._errored(task_id, "ListTriggerTaskVersions returned no Data", meta)
            page_items = [i for i in data.get("Items") or [] if isinstance(i, dict)]
            items.extend(page_items)
            total = data.get("TotalCount")
            pages = data.get("TotalPageNumber")
            if (not page_items or not isinstance(total, int) or len(items) >= total
                    or (isinstance(pages, int) and page >= pages)):
                return items
            page += 1

    def _from_cache(self, task_id: str, hit: CachedVersion, data: dict[str, Any], *, context: dict[str, Any],
                    extra: Mapping[str, Any] | None = None, role: str = "") -> Snapshot:
        """A version read from the cache: its evidence is the response it was first fetched in (RequestId,
        fetch time) and ``cached``; the sha256 is that of the Data audited (approval fields are fresh)."""
        meta = {**self._meta(task_id), **hit.evidence(), "sha256": sha256_of(data)}
        if self.snapshot_dir is not None:
            self._save(task_id, {"Data": data, "RequestId": hit.request_id}, data, meta, context, extra, role)
        return Snapshot(source=self._source(task_id, role), data=data, meta=meta, role=role, context=context)

    @staticmethod
    def _source(task_id: str, role: str) -> str:
        return f"api:{task_id}" + (f"@{role}" if role == ROLE_PRODUCTION else "")

    def _save(self, task_id: str, response: Mapping[str, Any], data: Mapping[str, Any], meta: Mapping[str, Any],
              context: dict[str, Any] | None, extra: Mapping[str, Any] | None, role: str) -> None:
        assert self.snapshot_dir is not None
        saved = {**meta, **({"role": role} if role else {}), **({"context": context} if context else {}),
                 **(extra or {})}
        name = task_id if self.versions == LATEST else f"{task_id}--{data.get('VersionId')}"
        save_response(self.snapshot_dir, name, response, saved)

    def _fetch_one(self, task_id: str, version_id: str | None, stop: threading.Event, *,
                   context: dict[str, Any] | None = None, extra: Mapping[str, Any] | None = None,
                   role: str = "", listed: Mapping[str, Any] | None = None,
                   index_item: Mapping[str, Any] | None = None) -> Snapshot:
        """GetTriggerTaskVersion of one version (blank: the latest submitted). ``listed``: its fresh
        ListTriggerTaskVersions item (a cached copy is then used, with the item's approval fields);
        ``index_item``: the task's ListTriggerTasks item, recorded in the latest-mode cache index."""
        if self.cache is not None and version_id and listed is not None:
            with self._cache_lock:
                hit = self.cache.get(self.project_id, task_id, version_id)
            if hit is not None:
                return self._from_cache(task_id, hit, with_fresh_approval(hit.data, listed),
                                        context=context or {}, extra=extra, role=role)
        source = self._source(task_id, role)
        meta = self._meta(task_id)
        params = {"ProjectId": self.project_id, "TaskId": task_id}
        if version_id:
            params["VersionId"] = version_id
        try:
            response = self.client.call("GetTriggerTaskVersion", params, stop=stop)
        except FatalRemoteError:
            stop.set()  # here, not when the consumer gets to it: no worker may send another request
            raise
        except RemoteTaskError as exc:
            meta["fetched_at"] = now_stamp()
            if exc.request_id:
                meta["request_id"] = exc.request_id
            if exc.code:
                meta["error_code"] = exc.code
            if isinstance(exc, ApiError) and exc.code:
                code, message = exc.code, exc.reason.removeprefix(f"{exc.code}: ")
            else:
                code, message = FETCH_FAILED, exc.reason
            return self._errored(task_id, exc.reason, meta, code, message)
        meta["fetched_at"] = now_stamp()
        request_id = response.get("RequestId")
        if isinstance(request_id, str) and request_id:
            meta["request_id"] = request_id
        if "Data" not in response:
            return self._errored(task_id, "the response has no Data", meta)
        data = response["Data"]
        if data is None:
            return self._errored(task_id, "the response Data is null: no version was returned", meta)
        if not isinstance(data, dict):
            return self._errored(task_id, f"the response Data is a {type(data).__name__}, not an object", meta)
        if "request_id" not in meta:
            return self._errored(task_id, "the response has no RequestId", meta)
        meta["sha256"] = sha256_of(data)
        fetched_id = data.get("VersionId") if isinstance(data.get("VersionId"), str) else version_id
        if self.cache is not None and fetched_id:
            with self._cache_lock:
                self.cache.put(self.project_id, task_id, fetched_id, data, request_id=meta["request_id"],
                               fetched_at=meta["fetched_at"])
                if index_item is not None and not version_id:
                    self.cache.put_index(self.project_id, task_id, index_item, fetched_id, meta["fetched_at"])
        if self.snapshot_dir is not None:
            self._save(task_id, response, data, meta, context, extra, role)
        return Snapshot(source=source, data=data, meta=meta, role=role, context=context or {})

    def _errored(self, task_id: str, reason: str, meta: dict[str, Any], code: str = INVALID_RESPONSE,
                 message: str | None = None) -> Snapshot:
        """An errored snapshot, saved (when saving) as an error response that ``check`` reads as errored."""
        if self.snapshot_dir is not None:
            response = error_response(code, reason if message is None else message, meta.get("request_id", ""))
            save_response(self.snapshot_dir, task_id, response, meta)
        return Snapshot(source=f"api:{task_id}", error=reason, meta=meta)


def fetch_versions(client: WeDataClient, project_id: str, tasks: Iterable[TaskRef | str], workers: int = 8,
                   on_progress: ProgressCallback | None = None,
                   snapshot_dir: str | Path | None = None) -> Iterator[Snapshot]:
    """Yield one snapshot per distinct task; after a run-wide refusal, yield what completed, then raise it."""
    run = FetchRun(client, project_id, tasks, workers=workers, on_progress=on_progress,
                   snapshot_dir=snapshot_dir)
    yield from run
    if run.fatal is not None:
        raise run.fatal



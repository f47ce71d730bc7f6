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

import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wedata_audit.errors import FatalRemoteError
from wedata_audit.sources.api.client import ApiError, Cancelled, RemoteTaskError, WeDataClient
from wedata_audit.sources.snapshot import Snapshot, data_sha256

META_KEY = "_wedata_audit"  # the metadata key of a saved snapshot file (read back by sources.py)
PAGE_SIZE = 200
# Error codes of saved snapshots for failures that are not an API error answer.
FETCH_FAILED = "WedataAudit.FetchFailed"  # retries exhausted: network errors, timeouts, 5xx, bodies not JSON
INVALID_RESPONSE = "WedataAudit.InvalidResponse"  # an answer without usable Data or without RequestId
NOT_FETCHED = "WedataAudit.NotFetched"  # the run stopped (refusal, Ctrl-C) before this task was read

TaskRef = tuple[str, str | None]  # (task id, version id or None for the latest); a bare task id also works
ProgressCallback = Callable[[int, int, Snapshot], None]  # (done, total, the snapshot just completed)


class FetchRun:
    """Iterate to fetch; snapshots come in task-list order (a bounded window of ``2 * workers`` requests in
    flight doubles as the reorder buffer). Never raises FatalRemoteError itself:
    after the iteration, :attr:`fatal` holds it (or None) and :attr:`unfetched` the task ids never read.
    """

    def __init__(self, client: WeDataClient, project_id: str, tasks: Iterable[TaskRef | str], *, workers: int = 8,
                 on_progress: ProgressCallback | None = None, snapshot_dir: str | Path | None = None,
                 enrich: Callable[[Snapshot, threading.Event], Snapshot] | None = None) -> None:
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
        pending: dict[Future[Snapshot], str] = {}
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
                        snapshot = future.result()
                    except FatalRemoteError as exc:
                        self.fatal = self.fatal or exc
                        stop.set()
                        self.unfetched.append(task_id)
                        continue
                    except Cancelled:
                        self.unfetched.append(task_id)
                        continue
                    self.done += 1
                    if self.on_progress is not None:
                        self.on_progress(self.done, len(self.tasks), snapshot)
                    yield snapshot
                top_up()
        finally:
            stop.set()  # also when the caller stops iterating early
            pool.shutdown(wait=True, cancel_futures=True)
            for future, task_id in pending.items():  # answers that arrived but were not consumed are kept
                if future.done() and not future.cancelled() and future.exception() is None:
                    self.leftover.append(future.result())
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

    def _fetch_task(self, task_id: str, version_id: str | None, stop: threading.Event) -> Snapshot:
        snapshot = self._fetch_one(task_id, version_id, stop)
        return snapshot if self.enrich is None else self.enrich(snapshot, stop)

    def _fetch_one(self, task_id: str, version_id: str | None, stop: threading.Event) -> Snapshot:
        source = f"api:{task_id}"
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
            meta["fetched_at"] = _now()
            if exc.request_id:
                meta["request_id"] = exc.request_id
            if exc.code:
                meta["error_code"] = exc.code
            if isinstance(exc, ApiError) and exc.code:
                code, message = exc.code, exc.reason.removeprefix(f"{exc.code}: ")
            else:
                code, message = FETCH_FAILED, exc.reason
            return self._errored(task_id, exc.reason, meta, code, message)
        meta["fetched_at"] = _now()
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
        if self.snapshot_dir is not None:
            save_response(self.snapshot_dir, task_id, response, meta)
        return Snapshot(source=source, data=data, meta=meta)

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


def list_tasks(client: WeDataClient, project_id: str, filters: Mapping[str, Any] | None = None) -> list[str]:
    """Every task id ListTriggerTasks returns for these filters (WorkflowId, OwnerUin, TaskTypeId, ...).

    Raises what the client raises (a listing that fails leaves nothing sensible to audit).
    """
    params = {**(filters or {}), "ProjectId": project_id, "PageSize": PAGE_SIZE}
    ids: list[str] = []
    seen = 0
    page = 1
    while True:
        response = client.call("ListTriggerTasks", {**params, "PageNumber": page})
        data = response.get("Data")
        if not isinstance(data, dict):
            raise RemoteTaskError("ListTriggerTasks returned no Data",
                                  request_id=str(response.get("RequestId") or ""))
        items = data.get("Items") or []
        for item in items:
            task_id = item.get("TaskId") if isinstance(item, dict) else None
            if isinstance(task_id, str) and task_id:
                ids.append(task_id)
        seen += len(items)
        total = data.get("TotalCount")
        pages = data.get("TotalPageNumber")
        if not items or not isinstance(total, int) or seen >= total or (isinstance(pages, int) and page >= pages):
            return [t for t, _ in dedupe(ids)]
        page += 1


def dedupe(tasks: Iterable[TaskRef | str]) -> list[TaskRef]:
    """The first reference to each task id, in order."""
    out: dict[str, str | None] = {}
    for ref in tasks:
        task_id, version_id = (ref, None) if isinstance(ref, str) else ref
        out.setdefault(str(task_id), version_id or None)
    return list(out.items())


def sha256_of(data: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of a document: the one ``check``
    verifies a saved snapshot's Data against."""
    return data_sha256(data)


def error_response(code: str, message: str, request_id: str = "") -> dict[str, Any]:
    """An API-style error ``Response`` object (RequestId only when there is one)."""
    response: dict[str, Any] = {"Error": {"Code": code, "Message": message}}
    if request_id:
        response["RequestId"] = request_id
    return response


def snapshot_file_name(task_id: str) -> str:
    """``<task id>.json``; an id with characters unsafe in a file name gets a hash, so two ids never collide."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", task_id).lstrip(".") or "task"
    if name != task_id:
        name = f"{name}-{hashlib.sha256(task_id.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"
    return f"{name}.json"


def save_response(directory: Path, task_id: str, response: Mapping[str, Any], meta: Mapping[str, Any]) -> Path:
    """Write ``<task id>.json``: the full ``{"Response": ...}`` and the ``_wedata_audit`` metadata, atomically."""
    path = directory / snapshot_file_name(task_id)
    name = path.stem
    doc = {"Response": dict(response), META_KEY: dict(meta)}
    try:
        blob = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (valid as a JSON escape, not in UTF-8): keep it escaped
        blob = (json.dumps(doc, ensure_ascii=True, indent=2) + "\n").encode("ascii")
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

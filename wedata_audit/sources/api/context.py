"""Task context for the rule view, fetched only when a rule reads it: the task's workflow
(GetTriggerWorkflow), its upstream tasks (ListUpstreamTriggerTasks, every page) and the project's members
(ListProjectMembers, every page, phone numbers and e-mail addresses dropped on arrival).

What a run needs follows from the rules: :func:`context_needs` walks their keys. One workflow is fetched once
however many tasks share it, members once per project, upstream lists once per task. A fetch that fails
(retries exhausted, an API error) errors the rules that read it on that task; context that cannot exist (a
task without a WorkflowId) makes them ``skip`` (:attr:`Snapshot.unavailable`). Requests go through the
run's client: the same token bucket, retries and run-wide refusals as version fetches.

With a snapshot folder, context is saved beside the versions under ``_context/`` (``workflows/<id>.json``,
``members/<project id>.json``, ``upstream/<task id>.json``), each a ``{"Response": ...}`` document (or the
error response of a failed fetch); :class:`SavedContext` attaches it again for ``check``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.loading import Rule
from wedata_audit.sources.api.client import ApiError, RemoteTaskError, WeDataClient
from wedata_audit.sources.api.fetch import FETCH_FAILED
from wedata_audit.sources.api.saving import error_response, now_stamp, save_response, snapshot_file_name
from wedata_audit.sources.files import parse_json
from wedata_audit.util.personal import member_record, personal_values, scrub_text
from wedata_audit.view.document import CONTEXT_SOURCES
from wedata_audit.view.fields import rule_view_fields

CONTEXT_DIR = "_context"
PAGE_SIZE = 100
WORKFLOW, UPSTREAM, MEMBERS = "workflow", "upstream", "members"
# view field -> the context it is built from (release and task_list come with the version, not from here)
NEEDS = {field: kind for field, kind in CONTEXT_SOURCES.items() if kind in (WORKFLOW, UPSTREAM, MEMBERS)}
FIELDS_OF = {WORKFLOW: ("workflow", "workflow_params", "workflow_triggers"), UPSTREAM: ("upstream",),
             MEMBERS: ("people",)}
FOLDERS = {WORKFLOW: "workflows", UPSTREAM: "upstream", MEMBERS: "members"}
WHAT = {WORKFLOW: "GetTriggerWorkflow", UPSTREAM: "ListUpstreamTriggerTasks", MEMBERS: "ListProjectMembers"}


def context_needs(rules: Iterable[Rule]) -> frozenset[str]:
    """The context the rules read: ``workflow``, ``upstream``, ``members`` (empty: no context request)."""
    reads: set[str] = set()
    for rule in rules:
        reads |= rule_view_fields(rule.spec)
    if "@" in reads:
        reads |= set(NEEDS)
    return frozenset(NEEDS[f] for f in reads if f in NEEDS)


@dataclass(frozen=True)
class Part:
    """One piece of context: its value, or why it could not be read."""

    value: Any = None
    error: str | None = None


class ContextAttacher:
    """Adds context to a snapshot; subclasses say where a piece comes from (:meth:`get`, None: not there)."""

    def __init__(self, needs: Iterable[str]) -> None:
        self.needs = frozenset(needs)

    def get(self, kind: str, key: str, stop: threading.Event | None) -> Part | None:
        raise NotImplementedError

    def attach(self, snap: Snapshot, stop: threading.Event | None = None) -> Snapshot:
        if snap.data is None or snap.error is not None or not self.needs:
            return snap
        subject = snap.subject
        keys = {WORKFLOW: subject.workflow_id, UPSTREAM: subject.task_id,
                MEMBERS: subject.project_id or str(snap.meta.get("project_id") or "")}
        context: dict[str, Any] = {}
        errors: dict[str, str] = {}
        unavailable: set[str] = set()
        for kind in sorted(self.needs):
            part = self.get(kind, keys[kind], stop) if keys[kind] else None
            if part is None:  # cannot exist (no WorkflowId) or not saved
                unavailable.update(FIELDS_OF[kind])
            elif part.error is not None:
                errors.update((f, f"{WHAT[kind]} failed: {part.error}") for f in FIELDS_OF[kind])
            else:
                context[kind] = part.value
        if errors:
            context["errors"] = errors
        if keys[MEMBERS]:
            context["project_id"] = keys[MEMBERS]  # the task's project: upstream tasks of others stand out
        return dataclasses.replace(snap, context={**snap.context, **context},
                                   unavailable=snap.unavailable | unavailable)


class _Once:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.part: Part | None = None


class ContextFetcher(ContextAttacher):
    """Fetches context from the live API, each piece once, from the fetch workers (thread-safe)."""

    def __init__(self, client: WeDataClient, project_id: str, needs: Iterable[str], *,
                 snapshot_dir: Path | None = None) -> None:
        super().__init__(needs)
        self.client = client
        self.project_id = project_id
        self.snapshot_dir = snapshot_dir
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], _Once] = {}
        self._personal: set[str] = set()

    def get(self, kind: str, key: str, stop: threading.Event | None) -> Part | None:
        if kind == UPSTREAM:  # one task's own: asked once, never kept (memory stays flat in the number of tasks)
            return self._fetch(kind, key, stop)
        with self._lock:
            once = self._cache.setdefault((kind, key), _Once())
        with once.lock:  # a second task of the same workflow waits for the first fetch instead of repeating it
            if once.part is None:
                once.part = self._fetch(kind, key, stop)
            return once.part

    def _fetch(self, kind: str, key: str, stop: threading.Event | None) -> Part:
        meta: dict[str, Any] = {"context": kind, "project_id": self.project_id, "key": key,
                                "endpoint": self.client.endpoint, "region": self.client.region}
        try:
            value, request_id = {WORKFLOW: self._workflow, UPSTREAM: self._upstream,
                                 MEMBERS: self._members}[kind](key, stop)
        except RemoteTaskError as exc:  # FatalRemoteError and Cancelled go up: the run stops
            reason = scrub_text(exc.reason, self._personal)
            meta["fetched_at"] = now_stamp()
            code = exc.code if isinstance(exc, ApiError) and exc.code else FETCH_FAILED
            self._save(kind, key, error_response(code, reason, exc.request_id), meta)
            return Part(error=reason)
        meta.update(fetched_at=now_stamp(), request_id=request_id)
        data = value if kind == WORKFLOW else {"Items": value, "TotalCount": len(value)}
        self._save(kind, key, {"Data": data, "RequestId": request_id}, meta)
        return Part(value=value)

    def _save(self, kind: str, key: str, response: dict[str, Any], meta: dict[str, Any]) -> None:
        if self.snapshot_dir is not None:
            folder = self.snapshot_dir / CONTEXT_DIR / FOLDERS[kind]
            folder.mkdir(parents=True, exist_ok=True)
            save_response(folder, key, response, meta)

    def _workflow(self, workflow_id: str, stop: threading.Event | None) -> tuple[Any, str]:
        response = self.client.call("GetTriggerWorkflow", {"ProjectId": self.project_id, "WorkflowId": workflow_id},
                                    stop=stop)
        data = response.get("Data")
        if not isinstance(data, dict):
            raise RemoteTaskError("the response has no Data object", request_id=str(response.get("RequestId") or ""))
        return data, str(response.get("RequestId") or "")

    def _upstream(self, task_id: str, stop: threading.Event | None) -> tuple[Any, str]:
        items, request_id = self._pages("ListUpstreamTriggerTasks", {"ProjectId": self.project_id, "TaskId": task_id},
                                        stop)
        return items, request_id

    def _members(self, project_id: str, stop: threading.Event | None) -> tuple[Any, str]:
        raw, request_id = self._pages("ListProjectMembers", {"ProjectId": project_id}, stop, personal=True)
        return [m for m in (member_record(r) for r in raw) if m is not None], request_id

    def _pages(self, action: str, params: dict[str, Any], stop: threading.Event | None, *,
               personal: bool = False) -> tuple[list[Any], str]:
        items: list[Any] = []
        first_id = ""
        for page, data, request_id in _paged(lambda p: self.client.call(action, {**params, "PageNumber": p,
                                                                                 "PageSize": PAGE_SIZE}, stop=stop)):
            first_id = first_id or request_id
            got = data.get("Items")
            if personal and isinstance(got, list):
                with self._lock:
                    self._personal |= personal_values(got)
                got = [member_record(r) for r in got]  # nothing personal is kept past this line
            if got is not None and not isinstance(got, list):
                raise RemoteTaskError(f"{action} page {page}: Items is not a list")
            items.extend(got or [])
        return items, first_id


def _paged(call: Callable[[int], dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any], str]]:
    """Every page of a paged listing until TotalCount items or TotalPageNumber pages (or an empty page)."""
    seen = 0
    page = 1
    while True:
        response = call(page)
        data = response.get("Data")
        request_id = str(response.get("RequestId") or "")
        if not isinstance(data, dict):
            raise RemoteTaskError("the response has no Data object", request_id=request_id)
        yield page, data, request_id
        items = data.get("Items") or []
        seen += len(items) if isinstance(items, list) else 0
        total, pages = data.get("TotalCount"), data.get("TotalPageNumber")
        if (not items or not isinstance(total, int) or seen >= total
                or (isinstance(pages, int) and page >= pages) or page >= 10_000):
            return
        page += 1


class SavedContext(ContextAttacher):
    """Context saved by ``audit --save-snapshots`` (or written by hand in the same shape) under ``_context/``
    of the folders ``check`` reads. A piece that is not there is unavailable (its rules skip); a saved failure
    errors its rules again, as in the live run."""

    def __init__(self, roots: Iterable[Path]) -> None:
        super().__init__(FIELDS_OF)
        self.roots = [r for r in roots if r.is_dir()]
        self._cache: dict[tuple[str, str], Part | None] = {}

    @classmethod
    def for_paths(cls, paths: Iterable[str]) -> SavedContext | None:
        roots = [Path(p) / CONTEXT_DIR for p in paths if p != "-" and Path(p).is_dir()]
        roots += [Path(p).parent / CONTEXT_DIR for p in paths if p != "-" and Path(p).is_file()]
        found = cls(dict.fromkeys(roots))
        return found if found.roots else None

    def get(self, kind: str, key: str, stop: threading.Event | None) -> Part | None:
        if kind == UPSTREAM:  # read for its one task, not kept
            return self._read(kind, key)
        if (kind, key) not in self._cache:
            self._cache[(kind, key)] = self._read(kind, key)
        return self._cache[(kind, key)]

    def _read(self, kind: str, key: str) -> Part | None:
        for root in self.roots:
            path = root / FOLDERS[kind] / snapshot_file_name(key)
            if path.is_file():
                return read_context_file(path, kind)
        return None


def read_context_file(path: Path, kind: str) -> Part:
    """A saved context document as a :class:`Part` (its Data, or the failure it records)."""
    try:
        doc = parse_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Part(error=f"cannot read the saved context file {path}: {exc}")
    response = doc.get("Response") if isinstance(doc, dict) else None
    if not isinstance(response, dict):
        return Part(error=f"the saved context file {path} holds no Response object")
    error = response.get("Error")
    if error is not None:
        code = error.get("Code") if isinstance(error, dict) else None
        message = error.get("Message") if isinstance(error, dict) else error
        return Part(error=scrub_text(f"{code or 'error'}: {message}"))
    data = response.get("Data")
    if kind == WORKFLOW:
        return Part(value=data) if isinstance(data, dict) else Part(error=f"{path}: Data is not an object")
    items = data.get("Items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return Part(error=f"{path}: Data.Items is not a list")
    if kind == MEMBERS:
        items = [m for m in (member_record(r) for r in items) if m is not None]
    return Part(value=items)


def inline_context(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Context written by hand (a policy case's ``context:``): ``workflow`` (GetTriggerWorkflow Data, or null
    for a task without one), ``upstream`` (items), ``members`` (ProjectUserRole records, reduced on reading),
    ``project_id`` (the task's project, so upstream tasks of other projects are told apart)."""
    out: dict[str, Any] = {}
    if WORKFLOW in spec and spec[WORKFLOW] is not None:
        out[WORKFLOW] = spec[WORKFLOW]
    if UPSTREAM in spec:
        out[UPSTREAM] = spec[UPSTREAM]
    if isinstance(spec.get("project_id"), str):
        out["project_id"] = spec["project_id"]
    if MEMBERS in spec:
        members = spec[MEMBERS] if isinstance(spec[MEMBERS], list) else []
        out[MEMBERS] = [m for m in (member_record(r) for r in members) if m is not None]
    for name in ("release", "task_list"):  # --versions: the release under review; select: the task list item
        if name in spec:
            out[name] = spec[name]
    return out

"""Which tasks and versions there are: ListTriggerTasks (paged) and the ordering of version-list items."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from wedata_audit.sources.api.client import RemoteTaskError, WeDataClient

PAGE_SIZE = 200
TaskRef = tuple[str, str | None]  # (task id, version id or None for the latest); a bare task id also works


def list_tasks(client: WeDataClient, project_id: str, filters: Mapping[str, Any] | None = None) -> list[str]:
    """Every task id ListTriggerTasks returns for these filters (WorkflowId, OwnerUin, TaskTypeId, ...).

    Raises what the client raises (a listing that fails leaves nothing sensible to audit).
    """
    return list(list_task_items(client, project_id, filters))


def list_task_items(client: WeDataClient, project_id: str,
                    filters: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """As :func:`list_tasks`, with each task's ListTriggerTasks item (the first one, when listed twice)."""
    params = {**(filters or {}), "ProjectId": project_id, "PageSize": PAGE_SIZE}
    ids: dict[str, dict[str, Any]] = {}
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
                ids.setdefault(task_id, item)
        seen += len(items)
        total = data.get("TotalCount")
        pages = data.get("TotalPageNumber")
        if not items or not isinstance(total, int) or seen >= total or (isinstance(pages, int) and page >= pages):
            return ids
        page += 1


def version_id_of(item: Mapping[str, Any]) -> str:
    value = item.get("VersionId")
    return value if isinstance(value, str) else ""


def version_order(item: Mapping[str, Any]) -> tuple[int, str]:
    """Newest last: by the number in VersionNum (``V3``, ``3``) when it holds one, then by CreateTime."""
    found = re.search(r"\d+", str(item.get("VersionNum") or ""))
    n = int(found.group()) if found else -1
    created = item.get("CreateTime")
    return n, created if isinstance(created, str) else ""


def version_ref(item: Mapping[str, Any]) -> dict[str, str]:
    num = item.get("VersionNum")
    return {"version_id": version_id_of(item),
            "version_num": str(num) if isinstance(num, (str, int)) and not isinstance(num, bool) else ""}


def dedupe(tasks: Iterable[TaskRef | str]) -> list[TaskRef]:
    """The first reference to each task id, in order."""
    out: dict[str, str | None] = {}
    for ref in tasks:
        task_id, version_id = (ref, None) if isinstance(ref, str) else ref
        out.setdefault(str(task_id), version_id or None)
    return list(out.items())

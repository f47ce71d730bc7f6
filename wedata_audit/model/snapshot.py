"""A task version as read from a file or the API, before it is audited."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from wedata_audit.model.finding import Subject


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One task version (``data`` is a TriggerTaskVersionDetail) or the reason it could not be read.

    ``source`` says where it came from (``path``, ``path:line`` for JSON Lines, ``api:<task id>``).
    ``meta`` carries evidence: project_id, request_id, endpoint, region, fetched_at, sha256.
    ``role``, ``context`` and ``unavailable`` are extension points (see :mod:`wedata_audit.sources`): which
    version of the task this is (empty: the one asked for), data beside the version for the rule view, and
    the view roots the source did not fetch.
    """

    source: str
    data: dict[str, Any] | None = None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    role: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    unavailable: frozenset[str] = frozenset()

    @property
    def subject(self) -> Subject:
        return subject_of(self.source, self.data, self.meta)


def _text(value: Any) -> str:
    """An identity field as text; anything but a scalar (a list, an object) names nothing."""
    return str(value) if isinstance(value, (str, int, float)) else ""


def subject_of(source: str, data: dict[str, Any] | None, meta: dict[str, Any]) -> Subject:
    """Read the identity of a version defensively: any section may be missing, null or mistyped."""
    base: Any = {}
    if isinstance(data, dict):
        task = data.get("Task")
        if isinstance(task, dict):
            base = task.get("TriggerTaskBaseAttribute")
    if not isinstance(base, dict):
        base = {}
    top = data if isinstance(data, dict) else {}
    return Subject(
        source=source,
        project_id=_text(meta.get("project_id")),
        task_id=_text(base.get("TaskId") or meta.get("task_id")),
        task_name=_text(base.get("TaskName")),
        workflow_id=_text(base.get("WorkflowId")),
        workflow_name=_text(base.get("WorkflowName")),
        version_id=_text(top.get("VersionId")),
        version_num=_text(top.get("VersionNum")),
        owner_uin=_text(base.get("OwnerUin")),
    )


def data_sha256(data: Any) -> str:
    """SHA-256 of the canonical JSON of a version's Data (sorted keys, no spaces, UTF-8): its evidence hash."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

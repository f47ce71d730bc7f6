"""The rule view: what policy keys (JMESPath expressions) are evaluated against.

The view holds the raw ``Data`` fields of a TriggerTaskVersionDetail as they are, plus derived fields:

=================  ==========================================================================
``task``           the three sections of ``Task`` (base attribute, configuration, scheduler
                   configuration) merged into one mapping: ``task.TaskName``, ``task.ResourceGroup``
``ext``            TaskExtConfigurationList as a ParamKey -> ParamValue map
``scheduling_params``  TaskSchedulingParameterList as a ParamKey -> ParamValue map
``code``           CodeContent, Base64-decoded to text (null when absent or undecodable)
``code_error``     why CodeContent does not decode (null when it does)
``ext_json``       ext values that hold JSON, or Base64 of JSON, decoded (``extraInfo``, ``specLabelConfItems``)
``task_type``      the documented name of TaskTypeId (null when unknown)
=================  ==========================================================================

Context (``Snapshot.context``, see :mod:`wedata_audit.sources.api.context`) adds ``workflow``
(GetTriggerWorkflow ``Data``), ``workflow_params`` (its WorkflowParams as a map), ``workflow_triggers`` (its
scheduler configurations, each with a derived ``ended``: its EndTime is in the past), ``upstream``
(ListUpstreamTriggerTasks items, each with a derived ``other_project``: its ProjectId is not the task's) and
``people`` (``owner``, ``creator``, ``approver``: the project member
record of OwnerUin, CreateUserUin, ApproveUserUin, or null).

Every part is built defensively: any section may be missing, null or of the wrong type.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from wedata_audit.sources.files import parse_json
from wedata_audit.util.personal import member_record

TASK_TYPES: dict[int, str] = {
    26: "OfflineSynchronization",
    30: "Python",
    32: "DLC SQL",
    35: "Shell",
    38: "Shell Form Mode",
    46: "DLC Spark",
    50: "DLC PySpark",
    130: "Branch Node",
    131: "Merged Node",
    132: "Notebook",
    133: "SSH",
    137: "For-each",
    139: "DLC Spark Streaming",
    140: "Run Workflow",
}

TASK_SECTIONS = ("TriggerTaskBaseAttribute", "TriggerTaskConfiguration", "TriggerTaskSchedulerConfiguration")
DERIVED_FIELDS = ("task", "ext", "scheduling_params", "code", "code_error", "ext_json", "task_type")
# Context fields: what later stages add to the view beside the version (the task's workflow, its params and
# triggers, upstream tasks, people, the release under review, the task list entry). Policy keys may read
# them (and any field below them) now; a version without them reads null. This is the one list of them.
CONTEXT_FIELDS = ("workflow", "workflow_params", "workflow_triggers", "upstream", "people", "release",
                  "task_list")
# Context view field -> the entry of Snapshot.context it is built from. A snapshot without that entry cannot
# answer a rule reading the field: the engine skips the rule rather than read null.
CONTEXT_SOURCES = {"workflow": "workflow", "workflow_params": "workflow", "workflow_triggers": "workflow",
                   "upstream": "upstream", "people": "members",
                   # --versions production|release: {mode, latest, production}; select: the ListTriggerTasks item
                   "release": "release", "task_list": "task_list"}


def pairs_to_map(items: Any) -> dict[str, Any]:
    """A list of ``{ParamKey, ParamValue}`` as a dict; malformed entries are skipped, the last key wins."""
    out: dict[str, Any] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                key = item.get("ParamKey")
                if isinstance(key, str):
                    out[key] = item.get("ParamValue")
    return out


def decode_code(content: Any) -> tuple[str | None, str | None]:
    """Return ``(text, error)`` for a CodeContent value."""
    if content is None:
        return None, None
    if not isinstance(content, str):
        return None, f"CodeContent is a {type(content).__name__}, expected a Base64 string"
    try:
        raw = base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        return None, f"CodeContent is not valid Base64 ({exc})"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"CodeContent decodes to bytes that are not UTF-8 text (byte {exc.start})"


def _parse(text: str) -> Any:
    """Strict JSON as snapshots are read (no NaN, bounded nesting); ``None`` when it is not."""
    try:
        return parse_json(text)
    except (ValueError, RecursionError):
        return None


def _json_value(text: Any) -> Any:
    """Decode a value holding JSON, or Base64 of JSON; ``None`` when it holds neither."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        return _parse(stripped)
    if len(stripped) >= 4 and len(stripped) % 4 == 0:
        try:
            decoded = base64.b64decode(stripped, validate=True).decode("utf-8").strip()
        except (binascii.Error, ValueError):
            return None
        if decoded[:1] in ("{", "["):
            return _parse(decoded)
    return None


def members_by_uin(members: Any) -> dict[str, dict[str, Any]]:
    """Project members by UserUin, each reduced to the fields rules may read (no phone, no e-mail)."""
    out: dict[str, dict[str, Any]] = {}
    for record in members if isinstance(members, list) else ():
        kept = member_record(record)
        if kept is not None and isinstance(kept.get("UserUin"), (str, int)) and str(kept["UserUin"]):
            out.setdefault(str(kept["UserUin"]), kept)
    return out


def _ended(end: Any, now: datetime) -> bool | None:
    """Whether a trigger's EndTime (``2024-06-30 23:59:59``) is in the past; None when absent or unreadable."""
    if not isinstance(end, str) or not end.strip():
        return None
    try:
        return datetime.fromisoformat(end.strip().replace(" ", "T").removesuffix("Z")).replace(tzinfo=None) < now
    except ValueError:
        return None


def _uin(value: Any) -> str:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def context_view(context: Mapping[str, Any], task: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The context fields of the view from ``Snapshot.context`` (``workflow``, ``upstream``, ``members``)."""
    out: dict[str, Any] = {}
    if "workflow" in context:
        workflow = context["workflow"]
        out["workflow"] = workflow
        wf = workflow if isinstance(workflow, dict) else {}
        out["workflow_params"] = pairs_to_map(wf.get("WorkflowParams")) if wf else None
        triggers = wf.get("TriggerWorkflowSchedulerConfigurations")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        out["workflow_triggers"] = ([{**t, "ended": _ended(t.get("EndTime"), now)} if isinstance(t, dict) else t
                                     for t in triggers] if isinstance(triggers, list) else ([] if wf else None))
    if "upstream" in context:
        upstream, project = context["upstream"], _uin(context.get("project_id"))
        out["upstream"] = ([{**u, "other_project": bool(project) and _uin(u.get("ProjectId")) not in ("", project)}
                            if isinstance(u, dict) else u for u in upstream]
                           if isinstance(upstream, list) else upstream)
    for name in ("release", "task_list"):  # as the live source fetched them
        if name in context:
            out[name] = context[name]
    if "members" in context:
        members = members_by_uin(context["members"])
        out["people"] = {role: members.get(_uin(uin)) for role, uin in (
            ("owner", task.get("OwnerUin")), ("creator", data.get("CreateUserUin")),
            ("approver", data.get("ApproveUserUin")))}
    return out


def build_view(data: dict[str, Any], context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    view = dict(data)
    task_obj = data.get("Task")
    merged: dict[str, Any] = {}
    if isinstance(task_obj, dict):
        for section in TASK_SECTIONS:
            part = task_obj.get(section)
            if isinstance(part, dict):
                merged.update(part)
    ext = pairs_to_map(merged.get("TaskExtConfigurationList"))
    code, code_error = decode_code(merged.get("CodeContent"))
    ext_json = {}
    for key, value in ext.items():
        decoded = _json_value(value)
        if decoded is not None:
            ext_json[key] = decoded
    type_id = merged.get("TaskTypeId")
    view.update(
        task=merged,
        ext=ext,
        scheduling_params=pairs_to_map(merged.get("TaskSchedulingParameterList")),
        code=code,
        code_error=code_error,
        ext_json=ext_json,
        task_type=TASK_TYPES.get(type_id) if isinstance(type_id, int) and not isinstance(type_id, bool) else None,
    )
    if context:
        view.update(context_view(context, merged, data))
    return view

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

Every part is built defensively: any section may be missing, null or of the wrong type.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from wedata_audit.sources.files import parse_json

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


def build_view(data: dict[str, Any]) -> dict[str, Any]:
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
    return view

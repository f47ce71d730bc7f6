"""Saved snapshots of a live audit: one ``<task id>.json`` per task, as the API answered (or an API-style error),
with the ``_wedata_audit`` metadata that ``check`` reads back."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wedata_audit.model.snapshot import data_sha256
from wedata_audit.sources.files import META_KEY


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


def now_stamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

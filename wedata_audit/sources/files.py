"""Read task-version snapshots from files, folders and stdin.

Accepted shapes: a full API response (``{"Response": {"Data": ..., "RequestId": ...}}``), a bare
TriggerTaskVersionDetail, a JSON array of either, JSON Lines, a folder (recursive ``*.json`` and
``*.jsonl``), or ``-`` for stdin. Whatever cannot be read becomes a :class:`Snapshot` with an error:
never a crash, never silently dropped.

A snapshot file written by ``audit --save-snapshots`` carries a ``_wedata_audit`` metadata object
beside ``Response``; its ``project_id`` (and other evidence) is taken from there.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from wedata_audit.errors import UsageError
from wedata_audit.model.snapshot import Snapshot, data_sha256

META_KEY = "_wedata_audit"
SUFFIXES = (".json", ".jsonl")
VERSION_FIELDS = frozenset({"Task", "VersionId", "VersionNum", "VersionRemark", "ApproveStatus", "CreateTime",
                            "CreateUserUin", "ApproveTime", "ApproveUserUin"})


# Deeper nesting is refused as invalid input: no task version comes near it, and every consumer that walks a
# value recursively (repr in jsonschema's messages, json.dumps in findings) would hit Python's recursion limit.
MAX_DEPTH = 128
# JSON's whitespace; JSON Lines are separated by "\n" only ("\r\n" works as "\r" is whitespace).
JSON_WHITESPACE = " \t\r\n"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> Any:
    """Strict JSON: NaN and Infinity literals and nesting deeper than MAX_DEPTH are errors (ValueError),
    a UTF-8 BOM is tolerated. Nesting too deep for the parser itself raises RecursionError."""
    text = text.lstrip("\ufeff")
    doc = json.loads(text, parse_constant=_reject_constant)
    # Only a text with that many brackets can nest that deep: most documents skip the walk.
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return doc


def nesting_depth(value: Any, stop: int | None = None) -> int:
    """How many objects and arrays deep ``value`` is (0 for a scalar), without recursion.

    With ``stop``, the walk ends as soon as a depth greater than ``stop`` is seen and returns it.
    """
    deepest = 0
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if stop is not None and deepest > stop:
                break
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return deepest


def expand_paths(paths: Iterable[str], *, exclude: Iterable[Path] = ()) -> list[str]:
    """Files in the order given, folders expanded recursively and sorted; a missing path is a usage error.

    Walking a folder skips ``exclude`` (this run's report files, and the report folder when it lies inside
    the walked folder), so ``check .`` never reads the reports of an earlier run as task versions.
    """
    skip = [e.resolve() for e in exclude]
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            out.extend(_walk(path, skip))
        elif path.exists():
            out.append(p)
        else:
            raise UsageError(f"path does not exist: {p}")
    return out


def _walk(folder: Path, skip: list[Path]) -> list[str]:
    """The *.json and *.jsonl files below ``folder``, sorted, minus the skipped ones (one lstat per folder)."""
    root = folder.resolve()
    inside = [e for e in skip if not root.is_relative_to(e)]  # a skipped folder holding ``folder`` is not skipped
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = root / Path(dirpath).relative_to(folder)
        if any(here == e or here.is_relative_to(e) for e in inside):
            dirnames.clear()
            continue
        for name in filenames:
            if name.endswith(SUFFIXES) and here / name not in inside:
                found.append((Path(dirpath) / name, name))
    return [str(p) for p, _ in sorted(found)]


def read_snapshots(paths: Iterable[str], *, project_id: str | None = None) -> Iterator[Snapshot]:
    """Check every path now (a missing one is a usage error), then read lazily, one file at a time."""
    return _read(expand_paths(paths), project_id)


def _read(names: list[str], project_id: str | None) -> Iterator[Snapshot]:
    for name in names:
        source = "<stdin>" if name == "-" else name
        if name != "-" and name.endswith(".jsonl"):
            yield from _read_jsonl_file(name, project_id)
            continue
        try:
            text = _read_stdin() if name == "-" else Path(name).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield Snapshot(source=source, error=f"cannot read {'stdin' if name == '-' else 'file'}: {exc}")
            continue
        yield from snapshots_from_text(text, source, project_id=project_id, jsonl=name.endswith(".jsonl"))


def _read_stdin() -> str:
    """Stdin as UTF-8, as strictly as a file: its text layer follows the locale (and in the C or C.UTF-8
    locale, Python reads invalid bytes as lone surrogates instead of failing)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # replaced by a text-only stream (tests)
        return sys.stdin.read()
    return buffer.read().decode("utf-8")


def snapshots_from_text(text: str, source: str, *, project_id: str | None = None,
                        jsonl: bool = False) -> Iterator[Snapshot]:
    if not jsonl:
        try:
            doc = parse_json(text)
        except (ValueError, RecursionError) as exc:
            if _looks_like_jsonl(text):
                jsonl = True
            else:
                yield Snapshot(source=source, error=f"invalid JSON: {exc}")
                return
        else:
            yield from snapshots_from_doc(doc, source, project_id)
            return
    # Not splitlines(): it also splits at U+2028, U+2029 and U+0085, which JSON allows raw inside strings.
    yield from _jsonl(text.split("\n"), source, project_id)


def _read_jsonl_file(name: str, project_id: str | None) -> Iterator[Snapshot]:
    """A JSON Lines file, one line in memory at a time (after a streaming check that the whole file is UTF-8,
    so an invalid byte anywhere still makes the file one errored task, as for any other file)."""
    try:
        decoder = codecs.getincrementaldecoder("utf-8")()
        with open(name, "rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
        fh = open(name, "rb")  # noqa: SIM115 -- closed below, after the generator is done with it
    except (OSError, UnicodeDecodeError) as exc:
        yield Snapshot(source=name, error=f"cannot read file: {exc}")
        return
    with fh:
        # Binary lines end at b"\n" only, as text.split("\n") does.
        yield from _jsonl((raw.decode("utf-8").removesuffix("\n") for raw in fh), name, project_id)


def _jsonl(lines: Iterable[str], source: str, project_id: str | None) -> Iterator[Snapshot]:
    for lineno, line in enumerate(lines, start=1):
        if not line.strip(JSON_WHITESPACE):
            continue
        where = f"{source}:{lineno}"
        try:
            doc = parse_json(line)
        except (ValueError, RecursionError) as exc:
            yield Snapshot(source=where, error=f"invalid JSON: {exc}")
            continue
        yield from snapshots_from_doc(doc, where, project_id)


def _looks_like_jsonl(text: str) -> bool:
    lines = [ln for ln in text.lstrip("\ufeff").split("\n") if ln.strip(JSON_WHITESPACE)]
    return len(lines) > 1 and all(ln.lstrip(JSON_WHITESPACE).startswith(("{", "[")) for ln in lines)


def snapshots_from_doc(doc: Any, source: str, project_id: str | None) -> Iterator[Snapshot]:
    if isinstance(doc, list):
        if not doc:
            yield Snapshot(source=source, error="empty JSON array: no task version in it")
        for i, item in enumerate(doc):
            yield one_snapshot(item, f"{source}[{i}]", project_id)
    else:
        yield one_snapshot(doc, source, project_id)


def one_snapshot(doc: Any, source: str, project_id: str | None) -> Snapshot:
    """Classify one JSON value as a version, an API error or something else.

    A saved snapshot records the sha256 of its Data when it was fetched; Data that no longer matches it was
    edited afterwards, and is an errored task rather than evidence the report would vouch for.
    """
    snap = _classify(doc, source, project_id)
    raw_meta = doc.get(META_KEY) if isinstance(doc, dict) else None
    if isinstance(raw_meta, dict) and snap.data is not None:  # what audit --save-snapshots kept beside Data
        context = raw_meta.get("context")
        role = raw_meta.get("role")
        snap = replace(snap, context=dict(context) if isinstance(context, dict) else {},
                       role=role if isinstance(role, str) else "")
    recorded = snap.meta.get("sha256")
    if snap.data is not None and recorded is not None and recorded != data_sha256(snap.data):
        return Snapshot(source=source, error="Data does not match the sha256 recorded when it was fetched: "
                        "the snapshot was edited afterwards", meta={k: v for k, v in snap.meta.items()
                                                                     if k in ("project_id", "task_id")})
    return snap


def _classify(doc: Any, source: str, project_id: str | None) -> Snapshot:
    if not isinstance(doc, dict):
        return Snapshot(source=source, error=f"expected a JSON object, found {_kind(doc)}")
    meta: dict[str, Any] = {}
    raw_meta = doc.get(META_KEY)
    if isinstance(raw_meta, dict):
        meta.update({k: v for k, v in raw_meta.items() if isinstance(v, (str, int, float))})
    if project_id:
        meta["project_id"] = project_id
    if "Response" in doc:
        response = doc["Response"]
        if not isinstance(response, dict):
            return Snapshot(source=source, error=f"Response is {_kind(response)}, expected an object", meta=meta)
        if isinstance(response.get("RequestId"), str):
            meta.setdefault("request_id", response["RequestId"])
        error = response.get("Error")
        if error is not None:
            code = error.get("Code") if isinstance(error, dict) else None
            message = error.get("Message") if isinstance(error, dict) else None
            return Snapshot(source=source, error=f"API error {code or '?'}: {message or error}", meta=meta)
        if "Data" not in response:
            return Snapshot(source=source, error="Response has no Data", meta=meta)
        data = response["Data"]
        if data is None:
            return Snapshot(source=source, error="Response.Data is null: no version was returned", meta=meta)
        if not isinstance(data, dict):
            return Snapshot(source=source, error=f"Response.Data is {_kind(data)}, expected an object", meta=meta)
        return Snapshot(source=source, data=data, meta=meta)
    if "Data" in doc and len(doc.keys() - {META_KEY, "RequestId"}) == 1:
        data = doc["Data"]
        if not isinstance(data, dict):
            return Snapshot(source=source, error=f"Data is {_kind(data)}, expected an object", meta=meta)
        return Snapshot(source=source, data=data, meta=meta)
    data = {k: v for k, v in doc.items() if k != META_KEY}
    if not data.keys() & VERSION_FIELDS:
        return Snapshot(source=source, error="not a task version: none of the TriggerTaskVersionDetail "
                        "fields (Task, VersionId, VersionNum, ...) is there", meta=meta)
    return Snapshot(source=source, data=data, meta=meta)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}")

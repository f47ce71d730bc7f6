"""Where each task-version document of a snapshot file starts in its text, as ``sources`` reads the file.

``sources`` names each version it reads by the file and a suffix: ``""`` for a file holding one document,
``"[i]"`` for element ``i`` of a top-level array, ``":L"`` for line ``L`` of JSON Lines and ``":L[i]"`` for
an element of an array on such a line. :func:`document_start` goes from a suffix to the offset in the text
where that document starts (no parse of the rest of the file); :func:`document_starts` lists every
document of a text, one per snapshot ``sources`` yields, in the same order.

Offsets are Python string indices into the decoded (UTF-8) text; the scanning helpers here are shared with
:mod:`wedata_audit.reporters.locations.locate`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from wedata_audit.sources.files import JSON_WHITESPACE, _looks_like_jsonl, parse_json

WHITESPACE = re.compile(r"[ \t\n\r]*")
SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # (text, at) -> (value, end) or StopIteration
BOM = "\ufeff"
_SUFFIX = re.compile(r"(?::(?P<line>[1-9][0-9]*))?(?:\[(?P<index>0|[1-9][0-9]*)\])?")


class Malformed(Exception):
    """The text is not the JSON it should be at this point."""


@dataclass(frozen=True, slots=True)
class DocumentStart:
    """One version document of a file: the ``suffix`` sources appends to the file's name to make
    ``Subject.source``, and the ``offset`` where the document starts (``None`` where sources reads an error
    instead of a document: invalid JSON, an empty array)."""

    suffix: str
    offset: int | None


def skip_whitespace(text: str, at: int) -> int:
    return WHITESPACE.match(text, at).end()  # type: ignore[union-attr]  # the pattern matches empty text


def value_start(text: str, at: int) -> int:
    """Past any byte-order marks and JSON whitespace (as ``parse_json`` and ``json.loads`` allow)."""
    while text.startswith(BOM, at):
        at += 1
    return skip_whitespace(text, at)


def array_elements(text: str, at: int) -> list[int]:
    """Where each element of the array whose ``[`` is at ``at`` starts (``Malformed`` or ``StopIteration``
    when it is not a well-formed array)."""
    elements: list[int] = []
    i = skip_whitespace(text, at + 1)
    if text[i:i + 1] == "]":
        return elements
    while True:
        elements.append(i)
        _, end = SCAN(text, i)
        i = skip_whitespace(text, end)
        if text[i:i + 1] == ",":
            i = skip_whitespace(text, i + 1)
            continue
        if text[i:i + 1] != "]":
            raise Malformed
        return elements


def line_start(text: str, line: int, starts: Sequence[int] | None = None) -> int | None:
    """The offset where 1-based ``line`` starts (lines end at LF, as sources splits JSON Lines)."""
    if starts is not None:
        return starts[line - 1] if line <= len(starts) else None
    at = 0
    for _ in range(line - 1):
        at = text.find("\n", at) + 1
        if at == 0:
            return None
    return at


def line_starts(text: str) -> list[int]:
    """The offset where each line starts (index 0 is line 1), for many look-ups in one JSON Lines text."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def parse_suffix(suffix: str) -> tuple[int | None, int | None] | None:
    """``(line, index)`` of a source suffix (each ``None`` when absent), ``None`` when it is no suffix."""
    match = _SUFFIX.fullmatch(suffix)
    if match is None:
        return None
    line, index = match.group("line"), match.group("index")
    return (int(line) if line else None), (int(index) if index is not None else None)


def document_start(text: str, suffix: str, *, starts: Sequence[int] | None = None,
                   arrays: dict[int, list[int]] | None = None) -> int | None:
    """The offset of the document a source suffix names, ``None`` when the text holds no such document.

    For many look-ups in one text: ``starts`` (from :func:`line_starts`) spares counting lines for ``:L``,
    and ``arrays`` (a dict the caller keeps for the text) caches the elements of the arrays scanned.
    """
    parsed = parse_suffix(suffix)
    if parsed is None:
        return None
    line, index = parsed
    begin = line_start(text, line, starts) if line is not None else 0
    if begin is None:
        return None
    at = value_start(text, begin)
    if line is not None and text.find("\n", begin, at) != -1:
        return None  # a blank line: the document of a JSON Lines line is on that line
    if index is None:
        return at if at < len(text) else None
    if text[at:at + 1] != "[":
        return None
    elements = arrays.get(at) if arrays is not None else None
    if elements is None:
        try:
            elements = array_elements(text, at)
        except (Malformed, StopIteration, ValueError, RecursionError):
            elements = []
        if arrays is not None:
            arrays[at] = elements
    return elements[index] if index < len(elements) else None


def _starts(text: str, base: int, suffix: str) -> Iterator[DocumentStart]:
    """As ``snapshots_from_doc`` reads one parsed document: an array's elements, or the document."""
    at = value_start(text, base)
    if text[at:at + 1] != "[":
        yield DocumentStart(suffix, at)
        return
    elements = array_elements(text, at)
    if not elements:
        yield DocumentStart(suffix, None)
    for i, element in enumerate(elements):
        yield DocumentStart(f"{suffix}[{i}]", element)


def document_starts(text: str, *, jsonl: bool = False) -> Iterator[DocumentStart]:
    """One :class:`DocumentStart` per snapshot ``sources.snapshots_from_text`` yields for ``text`` (same
    order, same count), with the same switch to JSON Lines when the whole text is not JSON. It parses each
    document, as sources does; to find one document, :func:`document_start` is cheaper."""
    if not jsonl:
        try:
            parse_json(text)
        except (ValueError, RecursionError):
            if not _looks_like_jsonl(text):
                yield DocumentStart("", None)
                return
        else:
            yield from _starts(text, 0, "")
            return
    offset = 0
    for lineno, line in enumerate(text.split("\n"), start=1):
        begin, offset = offset, offset + len(line) + 1
        if not line.strip(JSON_WHITESPACE):
            continue
        try:
            parse_json(line)
        except (ValueError, RecursionError):
            yield DocumentStart(f":{lineno}", None)
            continue
        yield from _starts(text, begin, f":{lineno}")

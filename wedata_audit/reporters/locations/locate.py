"""Where a finding's key is in the raw text of a snapshot file: its 1-based line.

A finding names what failed with a key: a JSON Pointer into a version's ``Data`` for the schema rule
(``/Task/TriggerTaskBaseAttribute/TaskName``), a JMESPath expression over the rule view for policy rules
(``ApproveStatus``, ``task.TaskName``, ``ext.enableKerberosLogin``; see :mod:`wedata_audit.view.document`). This
module maps it back onto the member of the file that holds the value:

=========================  ============================================================================
``/A/B/0``                 that member (the line of its name) or array element (the line it starts on);
                           ``/`` is the ``Data`` object itself
``X`` (a Data field)       the member ``"X"`` of Data, then further down (``VersionRemark``)
``task.X``                 the member ``"X"`` in whichever Task section the view takes it from (the last
                           of base attribute, configuration, scheduler configuration that holds it)
``ext.K``                  the string ``"K"`` of the ``"ParamKey": "K"`` entry of TaskExtConfigurationList
                           (the entry the view uses: the last one with that ParamKey); the line of
                           ``"enableKerberosLogin"`` for ``ext.enableKerberosLogin``. Deeper segments go
                           into the ParamValue when it is an object or array
``scheduling_params.K``    likewise in TaskSchedulingParameterList
``ext_json.K...``          the ext entry ``K`` (the decoded JSON lives inside a string)
``code``, ``code_error``   the member ``"CodeContent"``
``task_type``              the member ``"TaskTypeId"``
=========================  ============================================================================

Keys with more JMESPath than a dotted path (``a || b``, ``a | b``, filters, functions, slices) are parsed
with JMESPath itself (:mod:`wedata_audit.reporters.locations.keypaths`); each plain path in them is a candidate, in
order (an
``or``'s left side first; ``[0]`` and ``[-1]`` are followed). Several keys joined with `` | `` by ``any``
and ``not`` conditions (``param accepted | ApproveStatus``) are candidates in turn; ``param ...`` names no
field. The first candidate that resolves in full wins; else (unless ``exact``) the deepest resolving
prefix, so a missing ``ext.K`` lands on TaskExtConfigurationList and a missing ``task.X`` on ``"Task"``.
Nothing resolving gives ``None`` (callers use line 1).

The text is walked with the standard library's JSON scanner (``json.decoder.scanstring`` for member names,
the decoder's C ``scan_once`` to step over values), so strings holding quotes, braces or ``"ApproveStatus"``
cannot confuse it, names written with escapes (``"\\u0041pproveStatus"``) match, and a duplicated name
resolves to its last occurrence, as ``json.loads`` keeps it. Each object on the way is scanned once per
:class:`Locator`, so locating all of a task's findings costs a few passes over its text, whatever its size.

Lines are counted as ``sources`` numbers JSON Lines: a line ends at each LF (a CRLF ends one line; a lone
CR, which JSON treats as whitespace, does not). Offsets are Python string indices into the decoded text;
:mod:`wedata_audit.reporters.locations.docstarts` says where each version document of a file starts.
"""

from __future__ import annotations

import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # public, not in typeshed
from typing import NamedTuple

from wedata_audit.reporters.locations.docstarts import SCAN, Malformed, array_elements, skip_whitespace, value_start
from wedata_audit.reporters.locations.keypaths import Segment, candidates
from wedata_audit.sources.files import META_KEY

TASK_SECTIONS = ("TriggerTaskBaseAttribute", "TriggerTaskConfiguration", "TriggerTaskSchedulerConfiguration")
PAIR_LISTS = {"ext": "TaskExtConfigurationList", "scheduling_params": "TaskSchedulingParameterList",
              "ext_json": "TaskExtConfigurationList"}
TASK_MEMBERS = {"code": "CodeContent", "code_error": "CodeContent", "task_type": "TaskTypeId"}
DERIVED = frozenset({"task", *PAIR_LISTS, *TASK_MEMBERS})


class _Member(NamedTuple):
    name_at: int  # offset of the member's name (its opening quote)
    value_at: int  # offset of its value's first character


# After a member's name: the colon, and where the value starts. After its value: a comma (and where the
# next name starts) or the closing brace.
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
_NEXT = re.compile(r"[ \t\n\r]*(?:,[ \t\n\r]*(?=\")|\})")


def line_of(text: str, offset: int) -> int:
    """The 1-based line holding character ``offset`` of ``text``."""
    return text.count("\n", 0, offset) + 1


def key_line(text: str, key: str, *, start: int = 0, exact: bool = False) -> int | None:
    """The 1-based line of the member that ``key`` names, in the version document starting at ``start``.

    ``None`` when nothing of the key resolves (or, with ``exact``, when the whole key does not), and for text
    that is not JSON where it should be. For several keys of one document, use one :class:`Locator`.
    """
    return Locator(text, start).line(key, exact=exact)


class Locator:
    """Finds keys in one version document of ``text`` (starting at ``start``), caching what it scanned.

    ``start_line``, the line ``start`` is on, spares counting the lines before the document for every key
    (pass it when locating in many documents of one large file;
    :func:`wedata_audit.reporters.locations.docstarts.line_starts`).
    """

    def __init__(self, text: str, start: int = 0, *, start_line: int | None = None) -> None:
        self.text = text
        self.start = start
        self._start_line = start_line
        self._objects: dict[int, dict[str, _Member]] = {}
        self._arrays: dict[int, list[int]] = {}
        self._pairs: dict[int, dict[str, int]] = {}
        self._data: tuple[int, bool] | None = None
        self._data_known = False

    # --- public -----------------------------------------------------------------------------

    def line(self, key: str, *, exact: bool = False) -> int | None:
        offset = self.offset(key, exact=exact)
        if offset is None:
            return None
        if self._start_line is None or offset < self.start:
            return line_of(self.text, offset)
        return self._start_line + self.text.count("\n", self.start, offset)

    def offset(self, key: str, *, exact: bool = False) -> int | None:
        """The character offset of the located member's name (or element's first character)."""
        try:
            if key.startswith("/"):
                return self._pointer(key, exact)
            return self._view_key(key, exact)
        except (Malformed, StopIteration, ValueError, RecursionError, IndexError):
            return None

    # --- scanning ---------------------------------------------------------------------------

    def _object(self, at: int) -> dict[str, _Member] | None:
        """The members of the object at ``at`` (last occurrence of a name wins), ``None`` if not an object."""
        if self.text[at:at + 1] != "{":
            return None
        cached = self._objects.get(at)
        if cached is not None:
            return cached
        text, members = self.text, {}
        i = skip_whitespace(text, at + 1)
        if text[i:i + 1] != "}":
            while True:
                if text[i:i + 1] != '"':
                    raise Malformed
                name, j = scanstring(text, i + 1)
                colon = _COLON.match(text, j)
                if colon is None:
                    raise Malformed
                value_at = colon.end()
                _, end = SCAN(text, value_at)
                members[name] = _Member(i, value_at)
                after = _NEXT.match(text, end)
                if after is None:
                    raise Malformed
                if text[after.end() - 1] == "}":
                    break
                i = after.end()
        self._objects[at] = members
        return members

    def _array(self, at: int) -> list[int] | None:
        """Where each element of the array at ``at`` starts, ``None`` if not an array."""
        if self.text[at:at + 1] != "[":
            return None
        cached = self._arrays.get(at)
        if cached is not None:
            return cached
        elements = array_elements(self.text, at)
        self._arrays[at] = elements
        return elements

    def _pair_index(self, at: int) -> dict[str, int]:
        """ParamKey -> where its entry starts, for a ``[{ParamKey, ParamValue}]`` list at ``at``,
        as :func:`wedata_audit.view.pairs_to_map` reads it (objects with a string ParamKey; the last wins)."""
        cached = self._pairs.get(at)
        if cached is not None:
            return cached
        index: dict[str, int] = {}
        for element in self._array(at) or ():
            if self.text[element] != "{":
                continue
            value, _ = SCAN(self.text, element)
            param = value.get("ParamKey")
            if isinstance(param, str):
                index[param] = element
        self._pairs[at] = index
        return index

    def _child(self, at: int, segment: Segment) -> tuple[int, int] | None:
        """``(where to point, where the value starts)`` for one step down from the value at ``at``."""
        if isinstance(segment, str):
            members = self._object(at)
            if members is None or segment not in members:
                return None
            member = members[segment]
            return member.name_at, member.value_at
        elements = self._array(at)
        if elements is None or not -len(elements) <= segment < len(elements):
            return None
        return elements[segment], elements[segment]

    def _walk(self, at: int, segments: list[Segment]) -> tuple[int | None, int]:
        """Follow ``segments`` down from the value at ``at``: ``(offset of the deepest step, steps taken)``."""
        found: int | None = None
        for depth, segment in enumerate(segments):
            step = self._child(at, segment)
            if step is None:
                return found, depth
            found, at = step
        return found, len(segments)

    # --- the version's Data -------------------------------------------------------------------

    def _data_at(self) -> tuple[int, bool] | None:
        """Where Data starts, and whether it is the bare document (whose metadata member is not Data)."""
        if not self._data_known:
            self._data, self._data_known = self._find_data(), True
        return self._data

    def _find_data(self) -> tuple[int, bool] | None:
        """As :func:`wedata_audit.sources.one_snapshot` classifies a document."""
        root = value_start(self.text, self.start)
        members = self._object(root)
        if members is None:
            return None
        if "Response" in members:
            response = self._object(members["Response"].value_at)
            if response is None or "Data" not in response:
                return None
            data = response["Data"].value_at
        elif "Data" in members and len(members.keys() - {META_KEY, "RequestId"}) == 1:
            data = members["Data"].value_at
        else:
            return root, True
        return (data, False) if self._object(data) is not None else None

    def _data_member(self, name: str) -> _Member | None:
        where = self._data_at()
        if where is None:
            return None
        data, bare = where
        if bare and name == META_KEY:
            return None
        members = self._object(data)
        return members.get(name) if members is not None else None

    def _task_member(self, name: str) -> _Member | None:
        """``name`` in the Task section the view's merged ``task`` takes it from (the last that holds it)."""
        task = self._data_member("Task")
        members = self._object(task.value_at) if task is not None else None
        if members is None:
            return None
        for section in reversed(TASK_SECTIONS):
            part = members.get(section)
            fields = self._object(part.value_at) if part is not None else None
            if fields is not None and name in fields:
                return fields[name]
        return None

    # --- keys ---------------------------------------------------------------------------------

    def _pointer(self, key: str, exact: bool) -> int | None:
        where = self._data_at()
        if where is None:
            return None
        data = where[0]
        if key == "/":
            return data
        segments: list[Segment] = []
        for raw in key[1:].split("/"):
            token = raw.replace("~1", "/").replace("~0", "~")
            segments.append(int(token) if _is_index(token) else token)
        # A digit token names an array element or an object member, whichever is there.
        found, depth = self._walk_pointer(data, segments, where[1])
        if depth < len(segments) and exact:
            return None
        return found

    def _walk_pointer(self, at: int, segments: list[Segment], bare: bool) -> tuple[int | None, int]:
        found: int | None = None
        for depth, segment in enumerate(segments):
            if depth == 0 and bare and segment == META_KEY:
                return found, 0
            step = self._child(at, segment)
            if step is None and isinstance(segment, int):
                step = self._child(at, str(segment))
            if step is None:
                return found, depth
            found, at = step
        return found, len(segments)

    def _view_key(self, key: str, exact: bool) -> int | None:
        best: tuple[int, int] | None = None  # (depth, offset)
        for segments, complete in candidates(key):
            offset, depth, whole = self._view_path(list(segments))
            if offset is None:
                continue
            if whole and complete:
                return offset
            if not exact and (best is None or depth > best[0]):
                best = (depth, offset)
        return best[1] if best is not None else None

    def _view_path(self, segments: list[Segment]) -> tuple[int | None, int, bool]:
        """``(offset, view segments resolved, all resolved)`` for a plain path over the rule view."""
        if not segments or not isinstance(segments[0], str):
            return None, 0, False
        root, rest = segments[0], segments[1:]
        if root not in DERIVED:
            member = self._data_member(root)
            if member is None:
                return None, 0, False
            found, depth = self._walk(member.value_at, rest)
            return (found if depth else member.name_at), depth + 1, depth == len(rest)
        if root == "task":
            return self._task_path(rest)
        if root in TASK_MEMBERS:
            member = self._task_member(TASK_MEMBERS[root])
            # code and task_type are derived strings: nothing below them maps onto the file
            return (member.name_at if member else None), 1, member is not None and not rest
        return self._pairs_path(root, rest)

    def _task_path(self, rest: list[Segment]) -> tuple[int | None, int, bool]:
        task = self._data_member("Task")
        if task is None:
            return None, 0, False
        if not rest:
            return task.name_at, 1, True
        member = self._task_member(rest[0]) if isinstance(rest[0], str) else None
        if member is None:
            return task.name_at, 1, False
        found, depth = self._walk(member.value_at, rest[1:])
        return (found if depth else member.name_at), depth + 2, depth == len(rest) - 1

    def _pairs_path(self, root: str, rest: list[Segment]) -> tuple[int | None, int, bool]:
        member = self._task_member(PAIR_LISTS[root])
        if member is None:
            return None, 0, False
        if not rest:
            return member.name_at, 1, True
        pairs = self._pair_index(member.value_at) if self.text[member.value_at] == "[" else {}
        name = rest[0]
        if not isinstance(name, str) or name not in pairs:
            return member.name_at, 1, False
        entry = self._object(pairs[name])
        assert entry is not None
        param_at = entry["ParamKey"].value_at
        if root == "ext_json" or len(rest) == 1:
            return param_at, 2, True
        # ParamValue holding an object or array: follow the rest of the path into it
        value = entry.get("ParamValue")
        if value is None:
            return param_at, 2, False
        found, depth = self._walk(value.value_at, rest[1:])
        return (found if depth else param_at), depth + 2, depth == len(rest) - 1


def _is_index(token: str) -> bool:
    return token.isascii() and token.isdigit() and (token == "0" or not token.startswith("0"))

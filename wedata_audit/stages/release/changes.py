"""Release review: what a release changes in a task version, and which rules it breaks or fixes.

Pure functions over two versions' ``Data`` (TriggerTaskVersionDetail) and their rule outcomes; nothing here
reads files or calls the API.

:func:`changes` lists every changed leaf of ``Data`` as ``{pointer, before, after}``:

* **Pointers** are RFC 6901 JSON Pointers (``~`` written ``~0``, ``/`` written ``~1``) into the version's
  ``Data``, with two documented extensions, so that a pointer never depends on the order of a list:

  - a list whose items are all objects with a string ``ParamKey``, each key once (TaskExtConfigurationList,
    TaskSchedulingParameterList, ParamTaskOutList, ParamTaskInList, ...), is addressed by ``ParamKey``
    instead of by index, and the item's other fields follow:
    ``/Task/TriggerTaskConfiguration/TaskExtConfigurationList/python_type/ParamValue``. A reorder of such a
    list is not a change. A list with a duplicated or missing ``ParamKey`` is compared by index.
  - a string that holds JSON (or Base64 of JSON, like ``specLabelConfItems``) on both sides is compared
    decoded, and the pointer goes on into the decoded document: ``.../extraInfo/ParamValue/fromMapping``.
    Key order and spacing inside such a string are therefore not changes.

  :func:`resolve` reads a value back by such a pointer.
* **Nothing is nothing**: a missing key, ``null``, ``{}`` and ``[]`` are the same value (the API returns
  any of them for "no value"), so a key added with ``null`` is no change.
* **CodeContent** is compared Base64-decoded, as ONE entry at its pointer whose ``before`` is null and whose
  ``after`` is a unified diff (``--- before`` / ``+++ after``) of the decoded code. Code that differs only
  inside redacted secrets, or that does not decode on one side, gets a one-line note instead of a diff; the
  raw Base64 is never shown. The code entry comes first, then the other changes in document order (object
  keys sorted, list items by index), so the list is deterministic and a truncated list keeps the code.
* **Bookkeeping** fields that differ between any two versions are excluded (``ignore``, default
  :data:`BOOKKEEPING`): the version's identity and timestamps (``VersionId``, ``VersionNum``, ``CreateTime``,
  ``ApproveTime``; the identity is in :class:`ReleaseInfo` anyway), the task's read-time state
  (``LastUpdateTime``, ``LastUpdateUserName``, ``LastOpsTime``, ``LastOpsUserName``, ``UpdateUserUin``,
  ``TaskLatestVersionNo``, ``TaskLatestSubmitVersionNo``) and the ext key ``ftp.file.name`` (the object-store
  path of the version's code file, named after its save time; the code itself is compared as CodeContent).
  Kept, because a reviewer should see them: ``CreateUserUin``, ``VersionRemark``, ``ApproveStatus``,
  ``ApproveUserUin``, the task's ``Status``/``Submit`` and every other field.
* **Secrets** are masked by ``mask`` (text -> text). The default is
  :func:`wedata_audit.policy.secretmask.secret_masker` of the patterns of the bundled ``no-secrets-in-code`` rule;
  pass the effective patterns of the run (``--param`` overrides) through ``secret_masker``. The code is
  masked before it is diffed. A value whose name (object key, or the ``ParamKey`` of its item) is one a
  secret would be assigned to (``mask('<name>="..."')`` changes it, e.g. ``db_password``) is replaced whole.
  Pointers are masked too (a key may itself be a secret), so a masked pointer may not :func:`resolve`.
* **Bounds**: string values are cut to ``value_limit`` characters, the code diff to ``diff_limit``, each
  with a "… (N characters)" marker; at most ``limit`` changes are returned, followed, when more changed, by
  one marker entry ``{pointer: "", before: null, after: "… N more changes not shown"}``
  (:attr:`Change.is_marker`). Masking happens before truncation, so a cut never uncovers a secret.

:func:`compare_findings` turns two sides' rule outcomes into regressions and fixed rules; :class:`ReleaseInfo`
is the per-task ``release`` object of the JSON report; :func:`review` builds one.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wedata_audit.model.results import RULE_FAIL, RULE_PASS
from wedata_audit.policy.secretmask import REDACTED, Mask, default_mask, secret_masker
from wedata_audit.sources.files import parse_json

__all__ = ["BOOKKEEPING", "REDACTED", "Change", "ReleaseInfo", "VersionRef", "changes", "compare_findings",
           "resolve", "review", "secret_masker"]

Outcomes = Mapping[str, str] | Iterable[tuple[str, str]]

CODE_KEY = "CodeContent"
DEFAULT_LIMIT = 50  # changes per task
VALUE_LIMIT = 200  # characters of one value
DIFF_LIMIT = 10_000  # characters of the code diff
MARKER_POINTER = ""

_BASE = "/Task/TriggerTaskBaseAttribute/"
BOOKKEEPING: frozenset[str] = frozenset({
    "/VersionId", "/VersionNum", "/CreateTime", "/ApproveTime",
    *(_BASE + name for name in ("LastUpdateTime", "LastUpdateUserName", "LastOpsTime", "LastOpsUserName",
                                "UpdateUserUin", "TaskLatestVersionNo", "TaskLatestSubmitVersionNo")),
    "/Task/TriggerTaskConfiguration/TaskExtConfigurationList/ftp.file.name",
})

_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Change:
    """One changed leaf: ``before`` and ``after`` are JSON scalars (strings masked and cut), null for nothing."""

    pointer: str
    before: Any = None
    after: Any = None

    @property
    def is_marker(self) -> bool:
        """The "N more changes" entry that ends a truncated list."""
        return self.pointer == MARKER_POINTER

    def to_json(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "before": self.before, "after": self.after}


# ---------------------------------------------------------------------------------------------- changes

def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any], *, mask: Mask | None = None,
            limit: int = DEFAULT_LIMIT, ignore: Collection[str] = BOOKKEEPING, value_limit: int = VALUE_LIMIT,
            diff_limit: int = DIFF_LIMIT) -> list[Change]:
    """Every changed leaf from ``before`` (None: a version that did not exist) to ``after``; see the module doc.

    ``ignore`` holds pointers (in the naming above) whose whole subtree is left out.
    """
    if limit < 0 or value_limit < 20 or diff_limit < 20:
        raise ValueError("limit must be >= 0, value_limit and diff_limit >= 20")
    walker = _Walker(mask or default_mask(), frozenset(ignore), value_limit, diff_limit)
    walker.walk(_MISSING if before is None else before, after, "", "", False, False)
    found = walker.code + walker.leaves
    if len(found) <= limit:
        return found
    more = len(found) - limit
    return [*found[:limit], Change(MARKER_POINTER, None, f"… {more} more change{'s' * (more != 1)} not shown")]


def escape(segment: str) -> str:
    """One RFC 6901 reference token."""
    return segment.replace("~", "~0").replace("/", "~1")


def _nothing(v: Any) -> bool:
    return v is _MISSING or v is None or (isinstance(v, (dict, list)) and not v)


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, bool) or isinstance(y, bool):
        return type(x) is type(y) and x == y
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return x == y or (x != x and y != y)  # NaN equals NaN here
    return type(x) is type(y) and x == y


def param_items(value: Any) -> dict[str, dict[str, Any]] | None:
    """A ``{ParamKey, ...}`` list as ``ParamKey -> the item's other fields``; None when it is not one."""
    if not isinstance(value, list) or not value:
        return None
    out: dict[str, dict[str, Any]] = {}
    for item in value:
        key = item.get("ParamKey") if isinstance(item, dict) else None
        if not isinstance(key, str) or key in out:
            return None
        out[key] = {k: v for k, v in item.items() if k != "ParamKey"}
    return out


def json_in_string(text: Any) -> Any:
    """The object or array a string holds as JSON, or as Base64 of JSON; None when it holds neither."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if stripped[:1] not in ("{", "["):
        if len(stripped) < 4 or len(stripped) % 4:
            return None
        try:
            stripped = base64.b64decode(stripped, validate=True).decode("utf-8").strip()
        except (binascii.Error, ValueError):
            return None
        if stripped[:1] not in ("{", "["):
            return None
    try:
        doc = parse_json(stripped)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, (dict, list)) else None


def decode_code(content: Any) -> tuple[str, str | None]:
    """``(text, error)`` of a CodeContent value; nothing decodes to ``""``."""
    if _nothing(content):
        return "", None
    if not isinstance(content, str):
        return "", f"is a {type(content).__name__}, not a Base64 string"
    try:
        return base64.b64decode("".join(content.split()), validate=True).decode("utf-8"), None
    except (binascii.Error, ValueError):
        return "", "is not Base64 of UTF-8 text"


def clip(text: str, limit: int, *, lines: bool = False) -> str:
    """``text`` cut to at most ``limit`` characters, ending "… (N characters)" when cut (at a line end with
    ``lines``)."""
    if len(text) <= limit:
        return text
    marker = f"… ({len(text)} characters)"
    keep = text[: max(limit - len(marker) - 1, 0)]
    if lines and "\n" in keep:
        keep = keep[: keep.rindex("\n") + 1]
    return keep + marker


class _Walker:
    def __init__(self, mask: Mask, ignore: frozenset[str], value_limit: int, diff_limit: int) -> None:
        self.mask = mask
        self.ignore = ignore
        self.value_limit = value_limit
        self.diff_limit = diff_limit
        self.code: list[Change] = []
        self.leaves: list[Change] = []
        self._secret_names: dict[str, bool] = {}

    def walk(self, b: Any, a: Any, ptr: str, name: str, keyed_item: bool, decoded: bool) -> None:
        if ptr in self.ignore or (_nothing(b) and _nothing(a)):
            return
        if isinstance(b, dict) or isinstance(a, dict):
            if _nothing(b) or _nothing(a) or (isinstance(b, dict) and isinstance(a, dict)):
                bd, ad = (b if isinstance(b, dict) else {}), (a if isinstance(a, dict) else {})
                for key in sorted(set(bd) | set(ad), key=str):
                    child = f"{ptr}/{escape(str(key))}"
                    if key == CODE_KEY and not decoded:
                        self._code(child, bd.get(key, _MISSING), ad.get(key, _MISSING))
                        continue
                    child_name = name if keyed_item and key == "ParamValue" else str(key)
                    self.walk(bd.get(key, _MISSING), ad.get(key, _MISSING), child, child_name, False, decoded)
                return
        elif isinstance(b, list) or isinstance(a, list):
            if _nothing(b) or _nothing(a) or (isinstance(b, list) and isinstance(a, list)):
                self._list(b if isinstance(b, list) else [], a if isinstance(a, list) else [], ptr, name, decoded)
                return
        else:
            if not decoded and isinstance(b, str) and isinstance(a, str) and b != a:
                jb, ja = json_in_string(b), json_in_string(a)
                if jb is not None and ja is not None:
                    self.walk(jb, ja, ptr, name, False, True)
                    return
            if not _same(_MISSING if _nothing(b) else b, _MISSING if _nothing(a) else a):
                self.leaves.append(Change(self.mask(ptr), self._render(b, name), self._render(a, name)))
            return
        # Mismatched kinds (an object on one side, a list or a scalar on the other): each side against nothing.
        for side_b, side_a in ((b, _MISSING), (_MISSING, a)):
            value = side_b if side_a is _MISSING else side_a
            if isinstance(value, (dict, list)):
                self.walk(side_b, side_a, ptr, name, keyed_item, decoded)
            elif not _nothing(value):
                self.leaves.append(Change(self.mask(ptr), self._render(side_b, name), self._render(side_a, name)))

    def _list(self, b: list[Any], a: list[Any], ptr: str, name: str, decoded: bool) -> None:
        kb, ka = param_items(b), param_items(a)
        if (kb is not None or not b) and (ka is not None or not a) and (kb or ka):
            kb, ka = kb or {}, ka or {}
            for key in sorted(set(kb) | set(ka)):
                self.walk(kb.get(key, _MISSING), ka.get(key, _MISSING), f"{ptr}/{escape(key)}", key, True, decoded)
            return
        for i in range(max(len(b), len(a))):
            self.walk(b[i] if i < len(b) else _MISSING, a[i] if i < len(a) else _MISSING, f"{ptr}/{i}", name,
                      False, decoded)

    def _code(self, ptr: str, b: Any, a: Any) -> None:
        if ptr in self.ignore:
            return
        (bt, be), (at, ae) = decode_code(b), decode_code(a)
        if be or ae:
            if not _same(_MISSING if _nothing(b) else b, _MISSING if _nothing(a) else a):
                why = "; ".join(f"{side} {err}" for side, err in (("before", be), ("after", ae)) if err)
                self.code.append(Change(ptr, None, f"CodeContent changed and cannot be compared as text: {why}"))
            return
        if bt == at:
            return
        mb, ma = self.mask(bt), self.mask(at)
        diff = "\n".join(difflib.unified_diff(mb.splitlines(), ma.splitlines(), "before", "after", lineterm=""))
        if not diff:
            diff = "CodeContent changed only inside text redacted as a secret"
        self.code.append(Change(ptr, None, clip(diff, self.diff_limit, lines=True)))

    def _secret_name(self, name: str) -> bool:
        known = self._secret_names.get(name)
        if known is None:
            probe = f'{name}="Zq7probe9Xv"'
            known = self._secret_names[name] = bool(name) and self.mask(probe) != probe
        return known

    def _render(self, value: Any, name: str) -> Any:
        if _nothing(value):
            return None
        if self._secret_name(name):
            return REDACTED
        if isinstance(value, bool) or (isinstance(value, (int, float)) and value == value
                                       and value not in (float("inf"), float("-inf"))):
            return value
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        return clip(self.mask(text), self.value_limit)


def resolve(data: Any, pointer: str) -> Any:
    """The value at a pointer of :func:`changes` (ParamKey lists by key, JSON strings decoded).

    Raises ``KeyError`` when the pointer names nothing in ``data``.
    """
    if pointer == "":
        return data
    if not pointer.startswith("/"):
        raise KeyError(pointer)
    node = data
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, str) and json_in_string(node) is not None:
            node = json_in_string(node)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and param_items(node) is not None:
            node = next((i for i in node if i["ParamKey"] == token), _MISSING)
            if node is _MISSING:
                raise KeyError(pointer)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


# ---------------------------------------------------------------------------------------------- verdicts

def _outcome_map(outcomes: Outcomes) -> dict[str, str]:
    return dict(outcomes.items() if isinstance(outcomes, Mapping) else outcomes)


def compare_findings(latest_rule_outcomes: Outcomes,
                     production_rule_outcomes: Outcomes) -> tuple[list[str], list[str]]:
    """``(regressions, fixed)`` from rule id -> outcome (``pass``/``fail``/``skip``, as ``TaskResult.outcomes``).

    A regression fails on latest and passes on production; a fixed rule fails on production and passes on
    latest. A rule that was skipped, did not run, or has any other outcome on either side is neither: a
    release is never credited with a fix it was not checked for. Lists keep the order of the side that
    fails (the ruleset's order).
    """
    latest, production = _outcome_map(latest_rule_outcomes), _outcome_map(production_rule_outcomes)
    regressions = [r for r, o in latest.items() if o == RULE_FAIL and production.get(r) == RULE_PASS]
    fixed = [r for r, o in production.items() if o == RULE_FAIL and latest.get(r) == RULE_PASS]
    return regressions, fixed


@dataclass(frozen=True, slots=True)
class VersionRef:
    version_id: str
    version_num: str

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> VersionRef:
        """The identity of a version's Data (empty strings for what is missing or not a scalar)."""
        def text(v: Any) -> str:
            return str(v) if isinstance(v, (str, int)) and not isinstance(v, bool) else ""
        return cls(text(data.get("VersionId")), text(data.get("VersionNum")))

    def to_json(self) -> dict[str, str]:
        return {"version_id": self.version_id, "version_num": self.version_num}


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """The ``release`` object of one task in the JSON report."""

    latest: VersionRef
    production: VersionRef | None
    regressions: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "production": self.production.to_json() if self.production else None,
            "latest": self.latest.to_json(),
            "regressions": list(self.regressions),
            "fixed": list(self.fixed),
            "changes": [c.to_json() for c in self.changes],
        }


def review(latest: Mapping[str, Any], production: Mapping[str, Any] | None, latest_outcomes: Outcomes,
           production_outcomes: Outcomes | None, *, mask: Mask | None = None,
           limit: int = DEFAULT_LIMIT) -> ReleaseInfo:
    """The release of one task: ``production`` None when nothing is in production (every leaf is then new,
    and nothing is a regression or fixed). The same VersionId on both sides means no change, unexamined."""
    latest_ref = VersionRef.of(latest)
    if production is None:
        return ReleaseInfo(latest_ref, None, changes=tuple(changes(None, latest, mask=mask, limit=limit)))
    production_ref = VersionRef.of(production)
    regressions, fixed = compare_findings(latest_outcomes, production_outcomes or {})
    same = bool(latest_ref.version_id) and latest_ref.version_id == production_ref.version_id
    found = () if same else tuple(changes(production, latest, mask=mask, limit=limit))
    return ReleaseInfo(latest_ref, production_ref, tuple(regressions), tuple(fixed), found)

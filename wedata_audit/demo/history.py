"""Version histories of trigger tasks: saved and submitted versions, the one production uses, and the
task-level fields (``ListTriggerTasks``) that follow from them.

A task's versions share one number sequence (V1, V2, ...): every version is saved; some are also
submitted (they carry approval fields and appear in ``ListTriggerTaskVersions`` with ``SUBMIT``); at most
one submitted version is the one production uses. Version content is stored as a TriggerTaskVersionDetail
(``Data`` of GetTriggerTaskVersion) and never changed; task-level fields (:data:`TASK_LEVEL`) are kept in
:attr:`TaskHistory.state` and laid over every version as it is served.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from wedata_audit.demo.rand import ts

# the TriggerTaskBaseAttribute fields that describe the task now, not one version of it
TASK_LEVEL = ("Status", "Submit", "TaskLatestVersionNo", "TaskLatestSubmitVersionNo", "LastUpdateTime",
              "LastOpsTime", "LastUpdateUserName", "LastOpsUserName", "UpdateUserUin")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# a change: a JSON Pointer ("/Task/TriggerTaskSchedulerConfiguration/MaxRetryNumber") to a new value;
# "ext:<ParamKey>" to set (None: remove) a TaskExtConfigurationList entry; "code" to replace the decoded code;
# "code+" to append to it. Or a callable that edits a deep copy of the detail in place.
Changes = Mapping[str, Any] | Callable[[dict[str, Any]], None]


@dataclass
class Version:
    detail: dict[str, Any]   # TriggerTaskVersionDetail, never mutated once stored
    submitted: bool

    @property
    def version_id(self) -> str:
        return str(self.detail["VersionId"])

    @property
    def number(self) -> int:
        return int(str(self.detail["VersionNum"]).lstrip("Vv") or 0)


@dataclass
class TaskHistory:
    """Every version of one task, oldest first, and the task-level fields that go with them."""

    task_id: str
    versions: list[Version]
    used_version_id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)   # overlays each served base; {} = serve as stored
    derived: bool = True                                   # state follows the versions (False: given data)
    _item: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    # ---------------------------------------------------------------- reading

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def latest_submitted(self) -> Version | None:
        return next((v for v in reversed(self.versions) if v.submitted), None)

    @property
    def submitted(self) -> list[Version]:
        return [v for v in self.versions if v.submitted]

    def find(self, version_id: str) -> Version | None:
        return next((v for v in self.versions if v.version_id == version_id), None)

    def served(self, version: Version) -> dict[str, Any]:
        """The version's detail as the API returns it: task-level fields as they are now."""
        if not self.state:
            return version.detail
        task = version.detail.get("Task") or {}
        base = {**(task.get("TriggerTaskBaseAttribute") or {}), **self.state}
        return {**version.detail, "Task": {**task, "TriggerTaskBaseAttribute": base}}

    def list_item(self) -> dict[str, Any]:
        """The ListTriggerTasks item: the latest saved version's base with the task-level fields (kept until
        :meth:`refresh`; callers must not change it)."""
        if self._item is None:
            self._item = dict(self.served(self.latest)["Task"]["TriggerTaskBaseAttribute"])
        return self._item

    def version_item(self, version: Version, kind: str) -> dict[str, Any]:
        """A ListTriggerTaskVersions item (``kind`` SAVE or SUBMIT)."""
        d = version.detail
        item = {k: d.get(k) for k in ("CreateTime", "VersionNum", "CreateUserUin", "VersionId", "VersionRemark")}
        if kind == "SUBMIT":
            used = version.version_id == self.used_version_id
            item.update(ApproveStatus=d.get("ApproveStatus"), ApproveUserUin=d.get("ApproveUserUin"),
                        Status="Y" if used else "N", UsedVersion=used)
        return item

    # ---------------------------------------------------------------- changing

    def add(self, changes: Changes | None = None, *, submit: bool, when: datetime, user: tuple[str, str],
            remark: str | None = None, approve_status: str | None = "APPROVED",
            approver: str | None = None) -> Version:
        """A new version after the latest: its content is the latest's with ``changes`` applied."""
        detail = apply_changes(self.latest.detail, changes or {})
        number = self.latest.number + 1
        when = max(when, parse_time(self.latest.detail.get("CreateTime")) + timedelta(seconds=1))
        detail.update(VersionNum=f"V{number}", VersionId=f"{self.task_id}_{when:%Y%m%d%H%M%S}{number % 1000:03d}",
                      CreateTime=ts(when), CreateUserUin=user[0],
                      VersionRemark=remark if remark is not None else f"change {number}")
        if submit:
            detail.update(ApproveStatus=approve_status, ApproveUserUin=approver,
                          ApproveTime=ts(when + timedelta(minutes=20)) if approve_status else None)
        else:
            detail.update(ApproveStatus=None, ApproveUserUin=None, ApproveTime=None)
        version = Version(detail, submit)
        self.versions.append(version)
        self.state.update(LastUpdateTime=ts(when), LastUpdateUserName=user[1], UpdateUserUin=user[0])
        self.refresh()
        return version

    def release(self, version_id: str | None, when: datetime | None = None) -> None:
        """Make ``version_id`` (a submitted version; None: none) the one production uses."""
        if version_id is not None:
            version = self.find(version_id)
            if version is None or not version.submitted:
                raise ValueError(f"task {self.task_id} has no submitted version {version_id}")
        self.used_version_id = version_id
        if when is not None and self.derived:
            self.state["LastOpsTime"] = ts(when)
        self.refresh()

    def refresh(self) -> None:
        """Task-level fields that follow from the versions (call after changing versions or state)."""
        self._item = None
        if not self.derived:
            return
        submitted = self.latest_submitted
        self.state.update(TaskLatestVersionNo=self.latest.detail.get("VersionNum"),
                          TaskLatestSubmitVersionNo=submitted.detail.get("VersionNum") if submitted else "",
                          Submit=self.latest.submitted, Status="Y" if self.used_version_id else "N")


def parse_time(text: Any) -> datetime:
    try:
        return datetime.strptime(str(text), TIME_FORMAT)
    except ValueError:
        return datetime(2024, 1, 1)


def apply_changes(detail: dict[str, Any], changes: Changes) -> dict[str, Any]:
    """A new detail: ``detail`` with ``changes`` applied (``detail`` itself is left alone)."""
    if callable(changes):
        out = copy.deepcopy(detail)
        changes(out)
        return out
    out = dict(detail)
    for key, value in changes.items():
        if key.startswith("ext:"):
            _set_ext(out, key[4:], value)
        elif key in ("code", "code+"):
            conf = _copy_path(out, ("Task", "TriggerTaskConfiguration"))
            text = value
            if key == "code+":
                text = base64.b64decode(conf.get("CodeContent") or "").decode("utf-8", "replace") + value
            conf["CodeContent"] = base64.b64encode(text.encode("utf-8")).decode("ascii")
        elif key.startswith("/"):
            parts = [p.replace("~1", "/").replace("~0", "~") for p in key[1:].split("/")]
            _copy_path(out, parts[:-1])[parts[-1]] = value
        else:
            raise ValueError(f"unknown change {key!r}: use a JSON Pointer, 'ext:<ParamKey>', 'code' or 'code+'")
    return out


def _copy_path(root: dict[str, Any], parts: Any) -> dict[str, Any]:
    """Copy the dicts along ``parts`` below ``root`` (copy-on-write) and return the last one."""
    node = root
    for part in parts:
        child = node.get(part)
        child = dict(child) if isinstance(child, dict) else {}
        node[part] = child
        node = child
    return node


def _set_ext(detail: dict[str, Any], key: str, value: str | None) -> None:
    conf = _copy_path(detail, ("Task", "TriggerTaskConfiguration"))
    params = [p for p in conf.get("TaskExtConfigurationList") or [] if p.get("ParamKey") != key]
    if value is not None:
        old = next((i for i, p in enumerate(conf.get("TaskExtConfigurationList") or [])
                    if p.get("ParamKey") == key), len(params))
        params.insert(min(old, len(params)), {"ParamKey": key, "ParamValue": value})
    conf["TaskExtConfigurationList"] = params

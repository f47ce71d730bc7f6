"""What the fake API serves, in one object: task histories, workflows, members, other projects' tasks.

:class:`Corpus` is shared by the request handlers; change it between (or during) runs through its methods
(:meth:`Corpus.submit_new_version`, :meth:`Corpus.set_approval`, :meth:`Corpus.release`), which hold its lock.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from wedata_audit.demo import context
from wedata_audit.demo.corpus import DEFAULT_PROJECT_ID
from wedata_audit.demo.history import Changes, TaskHistory, Version, parse_time


class Corpus:
    def __init__(self, histories: Iterable[TaskHistory], *, project_id: str = DEFAULT_PROJECT_ID, seed: int = 0,
                 workflow_kinds: Mapping[str, str] | None = None, foreign: Iterable[dict[str, Any]] = (),
                 members: list[dict[str, Any]] | None = None) -> None:
        self.project_id = project_id
        self.seed = seed
        self.lock = threading.RLock()
        self.tasks: dict[str, TaskHistory] = {h.task_id: h for h in sorted(histories, key=lambda h: h.task_id)}
        self.foreign: dict[str, dict[str, Any]] = {t["TaskId"]: t for t in foreign}
        self.members: list[dict[str, Any]] = members if members is not None else context.members(project_id)
        self.workflows: dict[str, context.Workflow] = {}
        kinds = dict(workflow_kinds or {})
        for history in self.tasks.values():
            for version in history.versions:
                base = version.detail.get("Task", {}).get("TriggerTaskBaseAttribute") or {}
                wid = base.get("WorkflowId")
                if isinstance(wid, str) and wid and wid not in self.workflows and kinds.get(wid) != "deleted":
                    self.workflows[wid] = context.workflow(
                        wid, str(base.get("WorkflowName") or wid), str(base.get("TaskFolderPath") or "/"), seed,
                        kinds.get(wid, "generated"))

    @classmethod
    def from_details(cls, details: Iterable[dict[str, Any]], *, project_id: str = DEFAULT_PROJECT_ID,
                     seed: int = 0) -> Corpus:
        """Exactly these TriggerTaskVersionDetail dicts, served as given: each a submitted version of its
        task, the newest (by VersionId) being the latest submitted and the one production uses."""
        by_task: dict[str, list[Version]] = {}
        for detail in details:
            base = (detail.get("Task") or {}).get("TriggerTaskBaseAttribute")
            if not isinstance(base, dict) or not base.get("TaskId"):
                raise ValueError("every corpus entry needs Task.TriggerTaskBaseAttribute.TaskId")
            by_task.setdefault(str(base["TaskId"]), []).append(Version(detail, submitted=True))
        histories = []
        for task_id, versions in by_task.items():
            versions.sort(key=lambda v: str(v.detail.get("VersionId") or ""))
            histories.append(TaskHistory(task_id, versions, versions[-1].version_id, derived=False))
        return cls(histories, project_id=project_id, seed=seed)

    # ---------------------------------------------------------------- reading (hold the lock)

    @property
    def task_ids(self) -> list[str]:
        return list(self.tasks)

    def task_item(self, history: TaskHistory) -> dict[str, Any]:
        """What ListUpstreamTriggerTasks says about a task of this project."""
        base = history.list_item()
        type_id = base.get("TaskTypeId")
        return {"TaskId": history.task_id, "TaskName": base.get("TaskName"), "WorkflowId": base.get("WorkflowId"),
                "WorkflowName": base.get("WorkflowName"), "ProjectId": self.project_id, "Status": base.get("Status"),
                "TaskTypeId": type_id, "TaskTypeDesc": context.TASK_TYPE_DESC.get(type_id) if isinstance(
                    type_id, int) else None, "OwnerUin": base.get("OwnerUin")}

    def upstream_ids(self, history: TaskHistory) -> list[str]:
        sched = history.latest.detail.get("Task", {}).get("TriggerTaskSchedulerConfiguration") or {}
        return [str(d["TaskId"]) for d in sched.get("UpstreamDependencyConfigList") or []
                if isinstance(d, dict) and d.get("TaskId")]

    def upstream(self, task_id: str) -> list[dict[str, Any]]:
        """The task's upstream tasks (its latest saved version's dependencies), this project's or others'."""
        items = []
        for dep in self.upstream_ids(self.tasks[task_id]):
            if dep in self.tasks:
                items.append(self.task_item(self.tasks[dep]))
            elif dep in self.foreign:
                items.append(dict(self.foreign[dep]))
        return items

    def downstream(self, task_id: str) -> list[dict[str, Any]]:
        return [self.task_item(h) for h in self.tasks.values() if task_id in self.upstream_ids(h)]

    def personal_values(self) -> set[str]:
        """Every phone number and e-mail address ListProjectMembers serves."""
        return context.personal_values(self.members)

    def detail(self, task_id: str, version_id: str | None = None) -> dict[str, Any]:
        """A copy of what GetTriggerTaskVersion serves (blank ``version_id``: the latest submitted)."""
        with self.lock:
            history = self.tasks[task_id]
            version = history.find(version_id) if version_id else history.latest_submitted
            if version is None:
                raise KeyError(f"task {task_id} has no version {version_id or '(submitted)'}")
            return copy.deepcopy(history.served(version))

    # ---------------------------------------------------------------- changing

    def submit_new_version(self, task_id: str, changes: Changes | None = None, *, submit: bool = True,
                           release: bool = False, approve_status: str | None = "APPROVED",
                           approver: str | None = None, user: tuple[str, str] | None = None,
                           remark: str | None = None) -> str:
        """Add a version after the task's latest (its content with ``changes`` applied) and return its
        VersionId. ``submit``: also submitted (else only saved); ``release``: production uses it from now."""
        with self.lock:
            history = self.tasks[task_id]
            if not history.derived:
                history.derived = True
                history.state = {}
            latest = history.latest.detail
            base = latest.get("Task", {}).get("TriggerTaskBaseAttribute") or {}
            user = user or (str(latest.get("CreateUserUin") or ""), str(base.get("LastUpdateUserName") or ""))
            if approver is None:
                previous = history.latest_submitted
                approver = (previous.detail.get("ApproveUserUin") if previous else None) or context.APPROVER[0]
            when = self._now(history)
            version = history.add(changes, submit=submit, when=when, user=user, remark=remark,
                                  approve_status=approve_status, approver=approver)
            if release:
                history.release(version.version_id, when)
            return version.version_id

    def set_approval(self, task_id: str, version_id: str, status: str | None, approver: str | None = None) -> None:
        """Change a submitted version's approval (as an approver would); version content stays the same."""
        with self.lock:
            history = self.tasks[task_id]
            version = history.find(version_id)
            if version is None or not version.submitted:
                raise ValueError(f"task {task_id} has no submitted version {version_id}")
            detail = dict(version.detail, ApproveStatus=status)
            if approver is not None:
                detail["ApproveUserUin"] = approver
            version.detail = detail
            history.refresh()

    def release(self, task_id: str, version_id: str | None) -> None:
        """Production uses ``version_id`` (a submitted version) from now; None: no production version."""
        with self.lock:
            history = self.tasks[task_id]
            if not history.derived:
                history.derived = True
                history.state = {}
            history.release(version_id, self._now(history))

    def _now(self, history: TaskHistory) -> datetime:
        latest = parse_time(history.latest.detail.get("CreateTime"))
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        return max(now, latest + timedelta(seconds=1))

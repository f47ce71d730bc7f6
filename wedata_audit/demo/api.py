"""The actions of the fake API, over a :class:`~wedata_audit.demo.store.Corpus`.

Each handler takes the request's parameters (a dict) and returns the ``Data`` of the answer, or raises
:class:`ApiFailure` with the code the real API uses (``ResourceNotFound`` for an unknown task, version or
workflow; ``UnauthorizedOperation.UserNotInProject`` for another project; ``MissingParameter``,
``InvalidParameter``, ``InvalidParameterValue`` for bad parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wedata_audit.demo.history import TaskHistory
from wedata_audit.demo.protocol import ApiFailure, page, paging, string_param, under
from wedata_audit.demo.store import Corpus

_PAGING = {"PageNumber", "PageSize"}
ALLOWED_PARAMS: dict[str, set[str]] = {
    "GetTriggerTaskVersion": {"ProjectId", "TaskId", "VersionId"},
    "ListTriggerTasks": {"ProjectId", "TaskName", "WorkflowId", "OwnerUin", "TaskTypeId", "Status", "Submit",
                         "BundleId", "CreateUserUin", "ModifyTime", "CreateTime", "TaskFolderPathList",
                         "WorkflowFolderPathList", "TaskNodeTypeList"} | _PAGING,
    "ListTriggerTaskVersions": {"ProjectId", "TaskId", "TaskVersionType"} | _PAGING,
    "GetTriggerWorkflow": {"ProjectId", "WorkflowId"},
    "ListTriggerWorkflows": {"ProjectId", "Keyword", "ParentFolderPath", "BundleId", "OwnerUin", "CreateUserUin",
                             "ExecuteUserUin", "ModifyTime", "CreateTime"} | _PAGING,
    "ListUpstreamTriggerTasks": {"ProjectId", "TaskId"} | _PAGING,
    "ListDownstreamTriggerTasks": {"ProjectId", "TaskId"} | _PAGING,
    "ListProjectMembers": {"ProjectId", "UserName", "UserUin"} | _PAGING,
}


class Actions:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._handlers: dict[str, Callable[[Mapping[str, Any]], Any]] = {
            name: getattr(self, name) for name in ALLOWED_PARAMS}

    def run(self, action: str, params: Mapping[str, Any]) -> Any:
        unknown = sorted(set(params) - ALLOWED_PARAMS[action])
        if unknown:
            raise ApiFailure("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        with self.corpus.lock:
            return self._handlers[action](params)

    # ---------------------------------------------------------------- versions

    def _project(self, params: Mapping[str, Any]) -> None:
        project = string_param(params, "ProjectId", required=True)
        if project != self.corpus.project_id:
            raise ApiFailure("UnauthorizedOperation.UserNotInProject", "The user is not in the project.")

    def _task(self, params: Mapping[str, Any]) -> TaskHistory:
        self._project(params)
        task_id = string_param(params, "TaskId", required=True)
        history = self.corpus.tasks.get(str(task_id))
        if history is None:
            raise ApiFailure("ResourceNotFound", f"The task `{task_id}` does not exist.")
        return history

    def GetTriggerTaskVersion(self, params: Mapping[str, Any]) -> dict[str, Any]:
        history = self._task(params)
        version_id = string_param(params, "VersionId")
        if not version_id:
            version = history.latest_submitted
            if version is None:
                raise ApiFailure("ResourceNotFound", f"The task `{history.task_id}` has no submitted version.")
        else:
            version = history.find(version_id)
            if version is None:
                raise ApiFailure("ResourceNotFound", f"The version `{version_id}` does not exist.")
        return history.served(version)

    def ListTriggerTasks(self, params: Mapping[str, Any]) -> dict[str, Any]:
        self._project(params)
        number, size = paging(params)
        bases = [h.list_item() for h in self.corpus.tasks.values()]
        for key in ("WorkflowId", "OwnerUin", "Status", "BundleId", "CreateUserUin"):
            wanted = string_param(params, key)
            if wanted:
                bases = [b for b in bases if b.get(key) == wanted]
        name = string_param(params, "TaskName")
        if name:
            bases = [b for b in bases if name.lower() in str(b.get("TaskName") or "").lower()]
        type_id = params.get("TaskTypeId")
        if type_id is not None:
            if not isinstance(type_id, int) or isinstance(type_id, bool):
                raise ApiFailure("InvalidParameter", "TaskTypeId must be an integer.")
            bases = [b for b in bases if b.get("TaskTypeId") == type_id]
        submit = params.get("Submit")
        if submit is not None:
            if not isinstance(submit, bool):
                raise ApiFailure("InvalidParameter", "Submit must be a boolean.")
            bases = [b for b in bases if b.get("Submit") is submit]
        folders = _string_list(params, "TaskFolderPathList")
        if folders:
            bases = [b for b in bases if any(under(str(b.get("TaskFolderPath") or ""), f) for f in folders)]
        return page(bases, number, size)

    def ListTriggerTaskVersions(self, params: Mapping[str, Any]) -> dict[str, Any]:
        history = self._task(params)
        kind = string_param(params, "TaskVersionType") or "SAVE"
        if kind not in ("SAVE", "SUBMIT"):
            raise ApiFailure("InvalidParameterValue", "TaskVersionType must be SAVE or SUBMIT.")
        versions = history.versions if kind == "SAVE" else history.submitted
        items = [history.version_item(v, kind) for v in reversed(versions)]   # newest first
        number, size = paging(params)
        answer = page(items, number, size)
        answer["PageCount"] = len(answer["Items"])
        return answer

    # ---------------------------------------------------------------- context

    def GetTriggerWorkflow(self, params: Mapping[str, Any]) -> dict[str, Any]:
        self._project(params)
        workflow_id = string_param(params, "WorkflowId", required=True)
        workflow = self.corpus.workflows.get(str(workflow_id))
        if workflow is None:
            raise ApiFailure("ResourceNotFound", f"The workflow `{workflow_id}` does not exist.")
        return workflow.detail

    def ListTriggerWorkflows(self, params: Mapping[str, Any]) -> dict[str, Any]:
        self._project(params)
        number, size = paging(params)
        workflows = sorted(self.corpus.workflows.values(), key=lambda w: w.workflow_id)
        for key in ("OwnerUin", "CreateUserUin", "ExecuteUserUin", "BundleId"):
            wanted = string_param(params, key)
            if wanted:
                workflows = [w for w in workflows if w.detail.get(key) == wanted]
        keyword = string_param(params, "Keyword")
        if keyword:
            workflows = [w for w in workflows if keyword.lower() in str(w.detail.get("WorkflowName") or "").lower()]
        folder = string_param(params, "ParentFolderPath")
        if folder:
            workflows = [w for w in workflows if under(str(w.detail.get("Path") or ""), folder)]
        return page([w.list_item() for w in workflows], number, size)

    def ListUpstreamTriggerTasks(self, params: Mapping[str, Any]) -> dict[str, Any]:
        history = self._task(params)
        number, size = paging(params)
        return page(self.corpus.upstream(history.task_id), number, size)

    def ListDownstreamTriggerTasks(self, params: Mapping[str, Any]) -> dict[str, Any]:
        history = self._task(params)
        number, size = paging(params)
        return page(self.corpus.downstream(history.task_id), number, size)

    def ListProjectMembers(self, params: Mapping[str, Any]) -> dict[str, Any]:
        self._project(params)
        number, size = paging(params)
        members = self.corpus.members
        uin = string_param(params, "UserUin")
        if uin:
            members = [m for m in members if m.get("UserUin") == uin]
        name = string_param(params, "UserName")
        if name:
            members = [m for m in members if name.lower() in str(m.get("UserName") or "").lower()]
        return page(members, number, size)


def _string_list(params: Mapping[str, Any], key: str) -> list[str]:
    value = params.get(key)
    if not value:
        return []
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        raise ApiFailure("InvalidParameter", f"{key} must be a list of strings.")
    return value

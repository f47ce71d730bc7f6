"""Scenario tasks: fixed task ids, each built to show one thing a version-aware, context-aware audit must
see. :data:`TASKS` maps a scenario name to its task id; :data:`WORKFLOWS` names the scenario workflows.

Each starts from a fully compliant generated version and changes only what its name says (times are in
2025, after every generated task).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wedata_audit.demo import context, corpus
from wedata_audit.demo.history import Changes, TaskHistory, Version, apply_changes
from wedata_audit.demo.rand import ts

TASKS: dict[str, str] = {name: f"20231231{i:09d}" for i, name in enumerate([
    "release-regression-kerberos",  # production V2; latest submitted V3 (APPROVED) turns Kerberos login off
    "release-regression-secret",    # production V3; latest submitted V4 ("Approval in progress") adds a SecretId
    "release-pending-clean",        # production V1; latest submitted V2 ("pass") only retunes retries
    "release-rejected",             # production V1; latest submitted V2 is "REJECT"
    "approval-pending",             # production V2; latest submitted V3 is "pending"
    "unsubmitted-edits",            # production = latest submitted V2; saved V3, V4 (V4: Kerberos off) unsubmitted
    "never-submitted",              # saved V1, V2 only: no submitted version, Status N
    "no-production",                # submitted V1 ("REJECT"), V2 ("Approval in progress"), none in production
    "upstream-not-in-production",   # upstream: never-submitted, no-production (Status N), two tasks of another project
    "owner-not-member",             # OwnerUin is not a project member
    "approver-not-member",          # approved by a former member
    "approver-without-roles",       # approved by a member with no role
    "hostile-values",               # markup, forged CI annotations, newlines, escapes, unicode, 6 KB strings
    "workflow-secret",              # its workflow has credentials in its params and no run-as account
    "workflow-schedule",            # its workflow's trigger ended while ACTIVE, one has no time zone
    "no-workflow",                  # WorkflowId null: context rules have nothing to read
    "workflow-deleted",             # its WorkflowId names no workflow: GetTriggerWorkflow says ResourceNotFound
    "many-upstream",                # 14+ upstream tasks (two pages of ListUpstreamTriggerTasks at PageSize 10)
], start=1)}

WORKFLOWS: dict[str, tuple[str, str]] = {   # name -> (WorkflowId, kind for context.workflow)
    "release": ("5ce0a1e0-0000-4000-8000-000000000001", "clean"),
    "team": ("5ce0a1e0-0000-4000-8000-000000000002", "clean"),
    "hostile": ("5ce0a1e0-0000-4000-8000-000000000003", "hostile"),
    "secret": ("5ce0a1e0-0000-4000-8000-000000000004", "secret"),
    "schedule": ("5ce0a1e0-0000-4000-8000-000000000005", "schedule"),
    "deleted": ("5ce0a1e0-0000-4000-8000-000000000006", "deleted"),   # not served
}
FOREIGN_TASKS = {"20230101000000901": "Y", "20230101000000902": "N"}   # other project's tasks: id -> Status
AUTHOR = ("100031245871", "liwei")
APPROVER = context.APPROVER[0]     # a member with roles
SECRET_LINE = "\n# temporary key for the backfill: {akid}\n"
_START = datetime(2025, 3, 1, 9, 0, 0)


def workflow_name(workflow: str) -> str:
    if workflow == "hostile":
        return context.HOSTILE["html"] + context.HOSTILE["annotation"]
    return f"scenario_{workflow}_wf"


@dataclass
class ScenarioSet:
    histories: list[TaskHistory]
    workflow_kinds: dict[str, str]
    foreign: list[dict[str, Any]]


def build(project_id: str, seed: int, in_production: Iterable[TaskHistory] = ()) -> ScenarioSet:
    """The scenario tasks; ``in_production`` (generated tasks with Status Y) pad many-upstream's list."""
    pool = [s.data for s in corpus.generate_labeled(60, seed + 7919, project_id) if not s.violations]
    out: dict[str, TaskHistory] = {}
    rng = random.Random(f"{seed}:scenarios")

    def task(name: str, workflow: str | None = "release", *, submitted: bool = True, approve: str = "APPROVED",
             base: Mapping[str, Any] | None = None, approver: str = APPROVER, upstream: Iterable[str] = (),
             remark: str = "first version") -> TaskHistory:
        index = len(out)
        detail = pool[index % len(pool)]
        task_id, when = TASKS[name], _START + timedelta(days=3 * index)
        wid = WORKFLOWS[workflow][0] if workflow else None
        changes: dict[str, Any] = {
            "/Task/TriggerTaskBaseAttribute/TaskId": task_id,
            "/Task/TriggerTaskBaseAttribute/TaskName": name.replace("-", "_"),
            "/Task/TriggerTaskBaseAttribute/WorkflowId": wid,
            "/Task/TriggerTaskBaseAttribute/WorkflowName": workflow_name(workflow) if workflow else None,
            "/Task/TriggerTaskBaseAttribute/TaskFolderPath": f"/scenarios/{workflow or 'none'}",
            "/Task/TriggerTaskBaseAttribute/CreateTime": ts(when),
            "/Task/TriggerTaskBaseAttribute/CreateUserUin": AUTHOR[0],
            "/Task/TriggerTaskBaseAttribute/OwnerUin": AUTHOR[0],
            "/Task/TriggerTaskSchedulerConfiguration/UpstreamDependencyConfigList": [{"TaskId": t} for t in upstream],
        }
        changes.update({f"/Task/TriggerTaskBaseAttribute/{k}": v for k, v in (base or {}).items()})
        first = apply_changes(detail, changes)
        first.update(VersionNum="V1", VersionId=f"{task_id}_{when:%Y%m%d%H%M%S}001", CreateTime=ts(when),
                     CreateUserUin=AUTHOR[0], VersionRemark=remark,
                     ApproveStatus=approve if submitted else None, ApproveUserUin=approver if submitted else None,
                     ApproveTime=ts(when + timedelta(minutes=30)) if submitted else None)
        history = TaskHistory(task_id, [Version(first, submitted)])
        history.state.update(LastUpdateTime=ts(when), LastOpsTime=None, LastUpdateUserName=AUTHOR[1],
                             LastOpsUserName=None, UpdateUserUin=AUTHOR[0])
        if submitted and approve == "APPROVED":
            history.release(first["VersionId"], when + timedelta(hours=1))
        history.refresh()
        out[name] = history
        return history

    def add(history: TaskHistory, changes: Changes | None = None, *, submit: bool = True, approve: str = "APPROVED",
            remark: str = "review fixes", release: bool = False, approver: str = APPROVER) -> str:
        when = datetime.strptime(history.latest.detail["CreateTime"], "%Y-%m-%d %H:%M:%S") + timedelta(days=1)
        version = history.add(changes, submit=submit, when=when, user=AUTHOR, remark=remark,
                              approve_status=approve, approver=approver)
        if release:
            history.release(version.version_id, when + timedelta(hours=1))
        return version.version_id

    retries = "/Task/TriggerTaskSchedulerConfiguration/RetryWaitMinute"
    h = task("release-regression-kerberos")
    add(h, {retries: 10}, release=True)
    add(h, {"ext:enableKerberosLogin": "false"}, remark="disable kerberos for the new cluster")
    h = task("release-regression-secret")
    add(h, {retries: 10}, release=False)
    add(h, {retries: 15}, release=True)
    add(h, {"code+": SECRET_LINE.format(akid=context.fake_secret_id(rng))}, approve="Approval in progress",
        remark="hotfix: read the bucket directly")
    h = task("release-pending-clean")
    add(h, {retries: 10, "/Task/TriggerTaskSchedulerConfiguration/MaxRetryNumber": 3}, approve="pass",
        remark="retry less often")
    h = task("release-rejected")
    add(h, {"/Task/TriggerTaskSchedulerConfiguration/MaxRetryNumber": 2}, approve="REJECT")
    h = task("approval-pending")
    add(h, {retries: 10}, release=True)
    add(h, {retries: 15}, approve="pending")
    h = task("unsubmitted-edits")
    add(h, {retries: 10}, release=True)
    add(h, {retries: 15}, submit=False, remark="draft")
    add(h, {"ext:enableKerberosLogin": "false"}, submit=False, remark="draft: try without kerberos")
    h = task("never-submitted", "team", submitted=False)
    add(h, {retries: 10}, submit=False, remark="draft")
    h = task("no-production", "team", approve="REJECT")
    add(h, {retries: 10}, approve="Approval in progress")
    foreign = [context.foreign_task(t, s) for t, s in FOREIGN_TASKS.items()]
    task("upstream-not-in-production", "team", upstream=[TASKS["never-submitted"], TASKS["no-production"],
                                                         *FOREIGN_TASKS])
    task("owner-not-member", "team", base={"OwnerUin": context.NOT_A_MEMBER[0]})
    task("approver-not-member", "team", approver=context.FORMER_MEMBER[0])
    task("approver-without-roles", "team", approver=context.ROLELESS_MEMBER[0])
    hostile = context.HOSTILE
    h = task("hostile-values", "hostile", base={
        "TaskName": hostile["html"] + hostile["annotation"] + hostile["unicode"],
        "TaskDescription": hostile["newlines"] + hostile["ansi"] + hostile["long"],
        "OwnerUin": context.HOSTILE_MEMBER[0], "TaskFolderPath": "/scenarios/<b>hostile</b>"},
        remark=hostile["annotation"] + hostile["newlines"])
    add(h, {"ext:extraInfo": hostile["newlines"] + hostile["html"],
            "/Task/TriggerTaskConfiguration/TaskSchedulingParameterList": [
                {"ParamKey": hostile["html"], "ParamValue": hostile["unicode"] + hostile["long"]}]},
        remark=hostile["unicode"] + hostile["ansi"], release=True)
    task("workflow-secret", "secret")
    task("workflow-schedule", "schedule")
    task("no-workflow", None)
    task("workflow-deleted", "deleted")
    ready = [t for n, t in out.items() if t.state.get("Status") == "Y"]
    extra = [t.task_id for t in in_production][: max(0, 25 - len(ready))]
    task("many-upstream", "team", upstream=[t.task_id for t in ready] + extra)
    kinds = {wid: kind for wid, kind in WORKFLOWS.values()}
    return ScenarioSet(list(out.values()), kinds, foreign)

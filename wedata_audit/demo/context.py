"""Task context the fake API serves: workflows (GetTriggerWorkflow, ListTriggerWorkflows), project members
(ListProjectMembers, phone numbers and e-mail addresses included) and tasks of other projects that a task
may depend on (ListUpstreamTriggerTasks).

Who is who among :data:`corpus.USERS`: everyone is a member except :data:`FORMER_MEMBER` (owners and
approvers of generated tasks, so some tasks are owned or approved by a non-member); :data:`ROLELESS_MEMBER`
is a member without any role.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from wedata_audit.demo.corpus import USERS
from wedata_audit.demo.rand import ALNUM, pick, randint

FORMER_MEMBER = ("100037781234", "peterma")
ROLELESS_MEMBER = ("100036677001", "annaliu")
PROJECT_OWNER = ("100028579606", "gallopcai")
SERVICE_ACCOUNTS = [("100039900001", "svc_wedata_prod"), ("100039900002", "svc_wedata_batch")]
NOT_A_MEMBER = ("100099990001", "departed_contractor")      # never a member; owner of one scenario task
HOSTILE_MEMBER = ("100038800666", "mallory")
APPROVER = ("100028660434", "zhanglin")                      # a member with roles

# values that break naive reports: markup, forged CI annotations, line breaks, terminal escapes, long text
HOSTILE = {
    "html": '<script>alert("wedata")</script><img src=x onerror=alert(1)>&amp;',
    "annotation": "::error::forged annotation ::error file=wedata.py,line=1::forged too",
    "newlines": "line one\nline two\r\n::warning::second forged annotation\n",
    "ansi": "\x1b[31mred\x1b[0m\x1b]0;title\x07 bell",
    "unicode": "数据任务 \u202eevil\u202c 🚀 zero\u200bwidth Ω ﷽",
    "long": "long_" + "a" * 6000,
}

_ROLES = {
    "owner": {"RoleId": "308335260274237440", "RoleName": "project_owner", "RoleDisplayName": "Project Owner",
              "Description": "Manages the project and its members"},
    "engineer": {"RoleId": "308335260676890624", "RoleName": "data_engineer", "RoleDisplayName": "Data Engineer",
                 "Description": "Develops and submits tasks"},
    "ops": {"RoleId": "308335261129875456", "RoleName": "operation_engineer",
            "RoleDisplayName": "Operation Engineer", "Description": "Approves and operates releases"},
    "visitor": {"RoleId": "308335261532528640", "RoleName": "visitor", "RoleDisplayName": "Visitor",
                "Description": "Reads only"},
}


@dataclass(frozen=True)
class Workflow:
    workflow_id: str
    detail: dict[str, Any]        # TriggerWorkflowDetail, the Data of GetTriggerWorkflow
    create_time: str
    modify_time: str
    update_user_uin: str

    def list_item(self) -> dict[str, Any]:
        d = self.detail
        return {"WorkflowId": self.workflow_id, "WorkflowName": d.get("WorkflowName"), "OwnerUin": d.get("OwnerUin"),
                "CreateTime": self.create_time, "ModifyTime": self.modify_time, "UpdateUserUin": self.update_user_uin,
                "WorkflowDesc": d.get("WorkflowDesc"), "CreateUserUin": d.get("CreateUserUin"),
                "ExecuteUserUin": d.get("ExecuteUserUin")}


def members(project_id: str) -> list[dict[str, Any]]:
    """ProjectUserRole records, every one with a (fake) phone number and e-mail address."""
    people = [u for u in USERS if u != FORMER_MEMBER] + SERVICE_ACCOUNTS + [HOSTILE_MEMBER]
    out = []
    for i, (uin, name) in enumerate(people):
        if (uin, name) == PROJECT_OWNER:
            roles = [_ROLES["owner"], _ROLES["engineer"]]
        elif (uin, name) == ROLELESS_MEMBER:
            roles = []
        elif name.startswith("svc_"):
            roles = [_ROLES["ops"]]
        else:
            roles = [_ROLES["engineer"]] + ([_ROLES["ops"]] if i % 2 else [])
        display = HOSTILE["html"] + HOSTILE["newlines"] if (uin, name) == HOSTILE_MEMBER else name.title()
        out.append({"AppId": "1309888888", "RootAccountId": "100028579606", "UserUin": uin, "UserName": name,
                    "DisplayName": display, "Roles": roles, "IsCreator": (uin, name) == PROJECT_OWNER,
                    "CreateTime": f"2024-01-{1 + i:02d} 10:00:00", "IsProjectOwner": (uin, name) == PROJECT_OWNER,
                    "PhoneNum": f"1380013{8000 + i:04d}", "Email": f"{name}.{uin[-4:]}@example.com"})
    return out


def personal_values(records: list[dict[str, Any]]) -> set[str]:
    """Every phone number and e-mail address in ``records`` (what must never leave the auditor)."""
    return {str(r[k]) for r in records for k in ("PhoneNum", "Email") if r.get(k)}


def fake_secret_id(rng: random.Random) -> str:
    """Shaped like a Tencent Cloud SecretId (AKID + 32 letters or digits); made up."""
    return "AKID" + "".join(rng.choices(ALNUM, k=32))


def workflow(workflow_id: str, name: str, path: str, seed: int, kind: str = "generated") -> Workflow:
    """A TriggerWorkflowDetail, the same for the same arguments. ``kind``: ``generated`` (a realistic mix),
    ``clean``, ``secret`` (a credential in its parameters, no run-as account), ``schedule`` (an active
    trigger that ended, one without time zone, unbounded concurrency) or ``hostile`` (hostile strings)."""
    rng = random.Random(f"{seed}:{workflow_id}")
    owner = pick(rng, USERS[:-1])
    roll = rng.random()
    execute = pick(rng, SERVICE_ACCOUNTS)[0] if roll < 0.7 else (pick(rng, USERS)[0] if roll < 0.85 else "")
    concurrency: int | None = pick(rng, [1, 2, 5, 10])
    roll = rng.random()
    if roll < 0.1:
        concurrency = None
    elif roll < 0.2:
        concurrency = 50
    triggers = [_trigger(rng, end_past=rng.random() < 0.1, zone=rng.random() >= 0.05)]
    if rng.random() < 0.2:
        triggers.append(_trigger(rng, file_arrival=True))
    params = [("bizdate", "$[yyyyMMdd-1]"), ("env", pick(rng, ["prod", "prod", "staging"]))]
    general = [{"Type": "SPARK_SQL", "Value": "spark.sql.shuffle.partitions=200;spark.executor.memory=4g"}]
    desc = f"Schedules the {name} tasks"
    status = "ACTIVE" if rng.random() < 0.85 else "PAUSED"
    if kind == "clean":
        execute, concurrency, status = SERVICE_ACCOUNTS[0][0], 4, "ACTIVE"
        triggers = [_trigger(rng)]
    elif kind == "secret":
        execute, concurrency, status = "", 4, "ACTIVE"
        triggers = [_trigger(rng)]
        params += [("cos_secret_id", fake_secret_id(rng)), ("db_password", "Fake-Passw0rd-For-Tests")]
        general = [{"Type": "SPARK_SQL", "Value": f"spark.executor.memory=4g;spark.hadoop.fs.cosn.userinfo."
                                                  f"secretId={fake_secret_id(rng)}"}]
    elif kind == "schedule":
        execute, concurrency, status = SERVICE_ACCOUNTS[1][0], None, "ACTIVE"
        triggers = [_trigger(rng, end_past=True), _trigger(rng, zone=False)]
    elif kind == "hostile":
        execute, concurrency, status = SERVICE_ACCOUNTS[0][0], 1001, "ACTIVE"
        triggers = [_trigger(rng)]
        desc = HOSTILE["newlines"] + HOSTILE["ansi"] + HOSTILE["unicode"] + HOSTILE["long"]
        params += [(HOSTILE["html"], HOSTILE["newlines"]), ("note", HOSTILE["annotation"]),
                   ("label", HOSTILE["unicode"]), ("blob", HOSTILE["long"])]
    elif kind != "generated":
        raise ValueError(f"unknown workflow kind {kind!r}")
    detail = {
        "WorkflowName": name, "OwnerUin": owner[0], "CreateUserUin": owner[0], "WorkflowDesc": desc,
        "Path": path, "BundleId": None, "BundleInfo": None, "ExecuteUserUin": execute,
        "SchedulerStatus": status, "TriggerMode": triggers[0]["TriggerMode"],
        "WorkflowParams": [{"ParamKey": k, "ParamValue": v} for k, v in params],
        "GeneralTaskParams": general,
        "TriggerWorkflowRunConfiguration": {"MaxConcurrentNum": concurrency, "QueuingMode": pick(rng, [0, 1])},
        "TriggerWorkflowSchedulerConfigurations": triggers,
    }
    day = randint(rng, 1, 28)
    return Workflow(workflow_id, detail, f"2023-12-{day:02d} 09:30:00", f"2024-02-{day:02d} 17:45:00",
                    pick(rng, USERS)[0])


def _trigger(rng: random.Random, *, end_past: bool = False, zone: bool = True,
             file_arrival: bool = False) -> dict[str, Any]:
    trigger_id = "".join(rng.choices("0123456789abcdef", k=16))
    config: dict[str, Any] = {
        "TriggerMode": "FILE_ARRIVAL" if file_arrival else "TIME_TRIGGER", "ExtraInfo": None,
        "ScheduleTimeZone": "UTC+8" if zone else None, "StartTime": "2024-01-01 00:00:00",
        "EndTime": "2024-06-30 23:59:59" if end_past else "2099-12-31 23:59:59", "ConfigMode": None,
        "CycleType": None, "CrontabExpression": None, "TriggerId": trigger_id, "FileArrivalPath": None,
        "FileNamePattern": None, "Recursive": None, "TriggerMinimumIntervalSecond": None,
        "TriggerWaitTimeSecond": None, "SchedulerStatus": "ACTIVE",
    }
    if file_arrival:
        config.update(FileArrivalPath=f"cosn://landing-{trigger_id[:6]}/incoming/", FileNamePattern="*.csv",
                      Recursive=pick(rng, [0, 1]), TriggerMinimumIntervalSecond=60, TriggerWaitTimeSecond=300)
        config["ExtraInfo"] = json.dumps({"path": config["FileArrivalPath"], "pattern": "*.csv"})
    else:
        hour = randint(rng, 0, 23)
        config.update(ConfigMode=pick(rng, ["COMMON", "CRON_EXPRESSION"]), CycleType="DAY_CYCLE",
                      CrontabExpression=f"0 0 {hour} * * ? *")
        config["ExtraInfo"] = json.dumps({"cycle": "DAY_CYCLE", "hour": hour})
    return config


def foreign_task(task_id: str, status: str = "Y") -> dict[str, Any]:
    """A ListUpstreamTriggerTasks item for a task of another project."""
    return {"TaskId": task_id, "TaskName": f"shared_dim_{task_id[-4:]}", "WorkflowId": "0f0e0d0c-0b0a-4900-8800-"
            "0000000000ff", "WorkflowName": "shared_dims_wf", "ProjectId": FOREIGN_PROJECT_ID, "Status": status,
            "TaskTypeId": 32, "TaskTypeDesc": TASK_TYPE_DESC[32], "OwnerUin": "100041112222"}


FOREIGN_PROJECT_ID = "1460947878944569999"
TASK_TYPE_DESC = {26: "OfflineSynchronization", 30: "Python", 32: "DLC SQL", 35: "Shell", 38: "Shell Form Mode",
                  46: "DLC Spark", 50: "DLC PySpark", 130: "Branch Node", 131: "Merged Node", 132: "Notebook",
                  133: "SSH", 137: "For-each", 139: "DLC Spark Streaming", 140: "Run Workflow"}

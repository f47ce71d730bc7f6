"""A seeded generator of realistic TriggerTaskVersionDetail records (the ``Data`` of GetTriggerTaskVersion).

Used by the fake API, the benchmarks and the tests. About 60% of the records are fully compliant; every
other record breaks one to three settings, named in :data:`VIOLATIONS`. :func:`generate_labeled` says which.
Every section is present the way the real API returns it (nulls included); a record is about 5 KB of JSON.
"""

from __future__ import annotations

import base64
import copy
import gc
import itertools
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from wedata_audit.demo.rand import digits17 as _digits17
from wedata_audit.demo.rand import pick as _pick
from wedata_audit.demo.rand import randint as _int
from wedata_audit.demo.rand import ts as _ts
from wedata_audit.demo.taskcode import task_code

DEFAULT_PROJECT_ID = "1460947878944567296"
COMPLIANT_SHARE = 0.6

# name -> relative weight among the violations a non-compliant record picks from
VIOLATIONS: dict[str, int] = {
    "approval_missing": 10,       # ApproveStatus / ApproveTime / ApproveUserUin null
    "self_approved": 5,           # ApproveUserUin == CreateUserUin
    "kerberos_disabled": 10,      # enableKerberosLogin "false"
    "wait_ttl_unbounded": 10,     # waitExecutionTotalTTL "-1"
    "wait_ttl_strategy": 4,       # waitExecutionTotalTTLStrategy not "fail"
    "execution_ttl_strategy": 4,  # executionTTLStrategy not "fail"
    "not_submitted": 4,           # Submit false
    "status_new": 4,              # Status "N"
    "owner_missing": 4,           # OwnerUin "" or null
    "description_missing": 6,     # TaskDescription "" or null
    "remark_missing": 6,          # VersionRemark "" or null
    "resource_group_missing": 4,  # ResourceGroup "" or null
    "bad_task_name": 4,           # TaskName not ^[A-Za-z][A-Za-z0-9_-]*$
    "python_version": 4,          # python_sub_version outside python3.9..python3.12
    "secret_in_code": 3,          # AKID + 32 alphanumerics in the code
    "password_in_code": 3,        # password = "..." in the code
    "invalid_base64": 3,          # CodeContent is not Base64
    "dry_run": 3,                 # ScheduleType 1
    "too_many_retries": 3,        # MaxRetryNumber > 10
    "no_execution_ttl": 4,        # ExecutionTTLMinute -1
}

TASK_TYPES: dict[int, str] = {
    26: "json", 30: "python", 32: "sql", 35: "shell", 38: "shell", 46: "spark",
    50: "pyspark", 132: "python", 133: "shell", 139: "sql",
}
_TYPE_WEIGHTS = {26: 8, 30: 14, 32: 22, 35: 18, 38: 6, 46: 6, 50: 10, 132: 3, 133: 4, 139: 2}
_PYTHON_LANGS = ("python", "pyspark")

# (uin, name): creators, owners, updaters and approvers of generated tasks
USERS = _USERS = [("100028579606", "gallopcai"), ("100028660434", "zhanglin"), ("100031245871", "liwei"),
                  ("100029874412", "chenxi"), ("100033120987", "wangfang"), ("100027745630", "zhaoyun"),
                  ("100035512348", "sunmei"), ("100030098123", "huangjie"), ("100036677001", "annaliu"),
                  ("100032214455", "markzhou"), ("100034409876", "oliviaxu"), ("100037781234", "peterma")]
_DOMAINS = ["orders", "payments", "users", "inventory", "logistics", "marketing", "risk", "finance",
            "ads", "search", "crm", "billing", "reviews", "sessions", "devices"]
_LAYERS = ["ods", "dwd", "dws", "ads", "dim"]
_VERBS = ["load", "sync", "clean", "agg", "export", "check", "merge", "snapshot", "backfill", "dedup"]
_FREQ = ["daily", "hourly", "weekly", "monthly", "rt"]
_REGIONS = ["ap-singapore", "ap-hongkong", "ap-jakarta", "eu-frankfurt", "na-ashburn", "na-siliconvalley"]
_GOOD_PY = ["python3.9", "python3.10", "python3.11", "python3.12"]
_BAD_PY = ["python2.7", "python3.6", "python3.7", "python3.8"]
_BAD_NAMES = ["1st_{d}_load", "{d} daily load", "_tmp_{d}", "{d}.export", "任务_{d}", "-{d}-sync", "{d}/agg"]
_SPEC_LABELS = "eyJzcGVjTGFiZWxDb25mSXRlbXMiOltdfQ=="
_EPOCH = datetime(2024, 1, 2, 8, 0, 0)


class Sample(NamedTuple):
    """A generated record and the violations it was built with (empty: fully compliant)."""

    data: dict[str, Any]
    violations: tuple[str, ...]


def generate(n: int, seed: int = 0, project_id: str = DEFAULT_PROJECT_ID) -> list[dict[str, Any]]:
    """``n`` TriggerTaskVersionDetail dicts, one (the latest) version per task, same for the same seed."""
    return [s.data for s in generate_labeled(n, seed, project_id)]


def generate_labeled(n: int, seed: int = 0, project_id: str = DEFAULT_PROJECT_ID) -> list[Sample]:
    """Like :func:`generate`, each record paired with the names of the violations it carries."""
    collecting = gc.isenabled()
    gc.disable()  # many small containers, none of them cyclic: the collector only slows this down
    try:
        return _generate(n, seed, project_id)
    finally:
        if collecting:
            gc.enable()


def _generate(n: int, seed: int, project_id: str) -> list[Sample]:
    rng = random.Random(seed)
    workflows = [_workflow(rng) for _ in range(max(3, min(40, n // 8 + 1)))]
    names, weights = list(VIOLATIONS), list(itertools.accumulate(VIOLATIONS.values()))
    types, type_weights = list(_TYPE_WEIGHTS), list(itertools.accumulate(_TYPE_WEIGHTS.values()))
    out: list[Sample] = []
    clock = _EPOCH
    task_ids: list[str] = []
    for i in range(n):
        clock += timedelta(seconds=_int(rng, 1, 5400), milliseconds=_int(rng, 0, 999))
        violations: set[str] = set()
        if rng.random() >= COMPLIANT_SHARE:
            count = _pick(rng, (1, 1, 2, 3))
            while len(violations) < count:
                violations.add(rng.choices(names, cum_weights=weights)[0])
        type_id = rng.choices(types, cum_weights=type_weights)[0]
        if "python_version" in violations and TASK_TYPES[type_id] not in _PYTHON_LANGS:
            type_id = _pick(rng, (30, 50))
        data = _version(rng, i, clock, type_id, _pick(rng, workflows), violations, task_ids, project_id)
        task_ids.append(data["Task"]["TriggerTaskBaseAttribute"]["TaskId"])
        out.append(Sample(data, tuple(sorted(violations))))
    return out


def earlier_versions(detail: dict[str, Any], count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Up to ``count`` older versions of the same task (V<n-1>, V<n-2>, ...), oldest last."""
    rng = random.Random(f"{seed}:{detail.get('VersionId')}")
    latest = int(str(detail.get("VersionNum") or "V1").lstrip("V") or 1)
    created = datetime.strptime(detail["CreateTime"], "%Y-%m-%d %H:%M:%S")
    task_id = detail["Task"]["TriggerTaskBaseAttribute"]["TaskId"]
    out = []
    for num in range(latest - 1, max(0, latest - 1 - count), -1):
        created -= timedelta(hours=_int(rng, 1, 72), seconds=_int(rng, 0, 3599))
        old = copy.deepcopy(detail)
        old["VersionNum"] = f"V{num}"
        old["VersionId"] = f"{task_id}_{_digits17(created, rng)}"
        old["CreateTime"] = _ts(created)
        old["VersionRemark"] = _pick(rng, ["initial version", "fix partition", "tune retries", "rename"])
        if old.get("ApproveTime"):
            old["ApproveTime"] = _ts(created + timedelta(minutes=_int(rng, 5, 600)))
        out.append(old)
    return out


def response(data: dict[str, Any] | None, request_id: str) -> dict[str, Any]:
    """Wrap a record as the API returns it: ``{"Response": {"Data": ..., "RequestId": ...}}``."""
    return {"Response": {"Data": data, "RequestId": request_id}}


def decode_code(detail: dict[str, Any]) -> str:
    """The task code of a generated record, decoded (raises ValueError when it is not Base64)."""
    text = detail["Task"]["TriggerTaskConfiguration"]["CodeContent"]
    return base64.b64decode(text, validate=True).decode("utf-8")


# ---------------------------------------------------------------- building blocks

def _workflow(rng: random.Random) -> dict[str, str]:
    layer, domain, freq = _pick(rng, _LAYERS), _pick(rng, _DOMAINS), _pick(rng, _FREQ)
    wid = "-".join(f"{rng.getrandbits(b * 4):0{b}x}" for b in (8, 4, 4, 4, 12))
    folder = _pick(rng, ["default folder", layer, f"{layer}/{domain}", "shared"])
    return {"id": wid, "name": f"{layer}_{domain}_{freq}_wf", "domain": domain, "layer": layer,
            "folder": folder}


def _params(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"ParamKey": k, "ParamValue": v} for k, v in pairs]


def _version(rng: random.Random, index: int, created: datetime, type_id: int, wf: dict[str, str],
             violations: set[str], earlier_ids: list[str], project_id: str) -> dict[str, Any]:
    lang = TASK_TYPES[type_id]
    task_id = _digits17(created)
    domain = wf["domain"] if rng.random() < 0.7 else _pick(rng, _DOMAINS)
    table = f"{wf['layer']}_{domain}_{_pick(rng, ['di', 'df', 'hi', 'detail', 'summary'])}"
    name = f"{_pick(rng, _VERBS)}_{table}_{index}"
    if "bad_task_name" in violations:
        name = _pick(rng, _BAD_NAMES).format(d=domain)
    creator_uin, creator = _pick(rng, _USERS)
    owner_uin, _ = _pick(rng, _USERS) if rng.random() < 0.3 else (creator_uin, creator)
    updater_uin, updater = _pick(rng, _USERS)
    version_time = created + timedelta(days=_int(rng, 0, 120), seconds=_int(rng, 60, 86000))
    updated = version_time - timedelta(seconds=_int(rng, 30, 900))
    approver_uin = _pick(rng, [u for u, _ in _USERS if u != creator_uin])
    region = _pick(rng, _REGIONS)
    tenant = str(_int(rng, 1250000000, 1259999999))
    bucket = f"wedata-{domain}-{tenant}"
    python = lang in _PYTHON_LANGS or rng.random() < 0.3
    sub_version = _pick(rng, _BAD_PY if "python_version" in violations else _GOOD_PY)
    wait_ttl = "-1" if "wait_ttl_unbounded" in violations else str(_pick(rng, [30, 60, 120, 180, 360, 720]))
    ext = [("calendar_id", ""), ("data_cluster", "")]
    if python:
        ext.append(("python_type", "python3"))
    ext += [("calendar_open", ""), ("calendar_name", ""), ("waitExecutionTotalTTL", wait_ttl),
            ("executionTTLStrategy", "ignore" if "execution_ttl_strategy" in violations else "fail"),
            ("bucket", bucket), ("specLabelConfItems", _SPEC_LABELS),
            ("waitExecutionTotalTTLStrategy", "ignore" if "wait_ttl_strategy" in violations else "fail")]
    if python:
        ext.append(("python_sub_version", sub_version))
    suffix = {"python": "py", "pyspark": "py", "sql": "sql", "json": "json"}.get(lang, "sh")
    ext += [("ftp.file.name", f"https://{bucket}.cos.{region}.myqcloud.com//datastudio/project/{project_id}/"
             f"{wf['folder']}/{wf['name']}/{name}_{_digits17(version_time, rng)}.{suffix}"),
            ("tenantId", tenant), ("region", region),
            ("enableKerberosLogin", "false" if "kerberos_disabled" in violations else "true"),
            ("extraInfo", '{"fromMapping":false}')]
    code = task_code(rng, lang, table, creator, created, violations)
    content = base64.b64encode(code.encode("utf-8")).decode("ascii")
    if "invalid_base64" in violations:
        cut = _int(rng, 10, max(11, len(content) - 10))
        content = content[:cut] + _pick(rng, ["!!", "*%", " ~", "@#$"]) + content[cut:]
    dlc = type_id in (32, 46, 50, 139)
    sync = type_id == 26
    ttl = -1 if "no_execution_ttl" in violations else _pick(rng, [30, 60, 90, 120, 240])
    recent = earlier_ids[-50:]
    upstream = [{"TaskId": t} for t in rng.sample(recent, min(len(recent), _int(rng, 0, 3)))]
    approved = "approval_missing" not in violations
    approver = creator_uin if "self_approved" in violations else approver_uin
    approve_time = version_time + timedelta(minutes=_int(rng, 3, 900))
    detail: dict[str, Any] = {
        "ApproveStatus": "APPROVED" if approved else None,
        "ApproveTime": _ts(approve_time) if approved else None,
        "ApproveUserUin": approver if approved else None,
        "CreateTime": _ts(version_time),
        "CreateUserUin": creator_uin,
        "Task": {
            "TriggerTaskBaseAttribute": {
                "CreateTime": _ts(created),
                "CreateUserUin": creator_uin,
                "LastOpsTime": _ts(approve_time + timedelta(minutes=5)) if rng.random() < 0.4 else None,
                "LastOpsUserName": creator if rng.random() < 0.4 else None,
                "LastUpdateTime": _ts(updated),
                "LastUpdateUserName": updater,
                "OwnerUin": _blank(rng) if "owner_missing" in violations else owner_uin,
                "Status": "N" if "status_new" in violations else "Y",
                "Submit": "not_submitted" not in violations,
                "TaskDescription": _blank(rng) if "description_missing" in violations
                else f"{_pick(rng, _VERBS).capitalize()} {table} for the {domain} team ({wf['name']})",
                "TaskFolderPath": f"/{wf['folder']}",
                "TaskId": task_id,
                "TaskLatestSubmitVersionNo": None,
                "TaskLatestVersionNo": None,
                "TaskName": name,
                "TaskTypeId": type_id,
                "UpdateUserUin": updater_uin,
                "WorkflowId": wf["id"],
                "WorkflowName": wf["name"],
            },
            "TriggerTaskConfiguration": {
                "BrokerIp": "any",
                "BundleId": None,
                "BundleInfo": None,
                "CodeContent": content,
                "DataCluster": f"dlc-{tenant[-6:]}-{region}" if dlc else "",
                "ResourceGroup": _blank(rng) if "resource_group_missing" in violations
                else f"2024{_int(rng, 10**11, 10**12 - 1)}{_int(rng, 1000, 9999)}",
                "ResourceGroupName": _pick(rng, [None, f"rg-{domain}-{_pick(rng, ['std', 'large'])}"]),
                "SourceServiceId": f"{_int(rng, 10000, 99999)}" if sync else None,
                "SourceServiceName": f"mysql_{domain}_prod" if sync else None,
                "SourceServiceType": "MYSQL" if sync else None,
                "TargetServiceId": f"{_int(rng, 10000, 99999)}" if sync else None,
                "TargetServiceName": f"dlc_{wf['layer']}" if sync else None,
                "TargetServiceType": "DLC" if sync else None,
                "TaskExtConfigurationList": _params(ext),
                "TaskSchedulingParameterList": _params([("bizdate", "$[yyyyMMdd-1]")])
                if rng.random() < 0.5 else [],
                "YarnQueue": None,
            },
            "TriggerTaskSchedulerConfiguration": {
                "AllowDownstreamDependency": 1,
                "AllowRedoType": _pick(rng, ["ALL", "ALL", "FAILURE", "NONE"]),
                "DependencyTriggerPolicy": "ALL_SUCCESS",
                "ExecutionTTLMinute": ttl,
                "MaxRetryNumber": _pick(rng, [11, 15, 20, 99]) if "too_many_retries" in violations
                else _pick(rng, [0, 1, 2, 3, 4, 4, 5, 10]),
                "ParamTaskInList": None,
                "ParamTaskOutList": _params([("row_count", "0")]) if rng.random() < 0.3 else [],
                "RetryWaitMinute": _pick(rng, [1, 5, 5, 10]),
                "RunPriorityType": _pick(rng, [4, 5, 6, 6]),
                "ScheduleType": 1 if "dry_run" in violations else 0,
                "TaskOutputRegistryList": [_registry(rng, domain, table)] if lang == "sql" else None,
                "UpstreamDependencyConfigList": upstream,
                "WaitExecutionTotalTTLMinute": int(wait_ttl),
            },
        },
        "VersionId": f"{task_id}_{_digits17(version_time, rng)}",
        "VersionNum": f"V{_int(rng, 1, 9)}",
        "VersionRemark": _blank(rng) if "remark_missing" in violations
        else _pick(rng, ["submit", "fix null handling", "add partition filter", f"release {domain} v2",
                         "tune resources", "review comments addressed"]),
    }
    # task-level version numbers: a task that is "not submitted" has a saved version newer than this one
    number = int(detail["VersionNum"][1:])
    base = detail["Task"]["TriggerTaskBaseAttribute"]
    base["TaskLatestSubmitVersionNo"] = f"V{number}"
    base["TaskLatestVersionNo"] = f"V{number + 1}" if "not_submitted" in violations else f"V{number}"
    return detail


def _blank(rng: random.Random) -> str | None:
    return _pick(rng, ["", None])


def _registry(rng: random.Random, domain: str, table: str) -> dict[str, Any]:
    return {"CatalogName": "DataLakeCatalog", "DataFlowType": "DOWNSTREAM", "DatabaseName": f"{domain}_db",
            "DatasourceId": str(_int(rng, 1000, 9999)), "DatasourceName": "DataLakeCatalog",
            "DbGuid": None, "PartitionName": "dt", "QualifiedName": f"{domain}_db.{table}",
            "TableGuid": None, "TableName": table, "TablePhysicalId": None}

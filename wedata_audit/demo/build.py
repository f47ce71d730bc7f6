"""The full generated corpus: version histories for generated tasks, plus (optionally) the scenario tasks
of :mod:`wedata_audit.demo.scenarios`, with their workflows, members and upstream lists."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from wedata_audit.demo import corpus
from wedata_audit.demo import scenarios as scenario_tasks
from wedata_audit.demo.history import TaskHistory, Version, apply_changes, parse_time
from wedata_audit.demo.rand import pick, randint, ts
from wedata_audit.demo.store import Corpus

PENDING_RELEASE_SHARE = 0.12   # generated tasks whose latest submitted version is not yet in production
_REMARKS = ["initial version", "fix partition", "tune retries", "rename columns", "add filter", "review fixes"]


def build_corpus(tasks: int = 100, seed: int = 0, project_id: str = corpus.DEFAULT_PROJECT_ID, *,
                 scenarios: bool = False) -> Corpus:
    """``tasks`` generated tasks with consistent version histories (and the scenario tasks when asked)."""
    histories = [history_for(s, seed) for s in corpus.generate_labeled(tasks, seed, project_id)]
    kinds: dict[str, str] = {}
    foreign: list[dict[str, Any]] = []
    if scenarios:
        extra = scenario_tasks.build(project_id, seed, [h for h in histories if h.state.get("Status") == "Y"])
        histories += extra.histories
        kinds, foreign = extra.workflow_kinds, extra.foreign
    return Corpus(histories, project_id=project_id, seed=seed, workflow_kinds=kinds, foreign=foreign)


def history_for(sample: corpus.Sample, seed: int) -> TaskHistory:
    """The history of a generated task whose latest submitted version is ``sample.data`` (V<k>): earlier
    versions V1..V<k-1> (some submitted), a newer saved-only version when the sample is 'not submitted',
    production on the latest submitted version, on the one before it (pending release), or on none
    (status 'new')."""
    latest = sample.data
    task_id = latest["Task"]["TriggerTaskBaseAttribute"]["TaskId"]
    rng = random.Random(f"{seed}:history:{task_id}")
    k = int(str(latest["VersionNum"])[1:])
    created = parse_time(latest["CreateTime"])
    earlier: list[Version] = []
    for num in range(k - 1, 0, -1):
        created -= timedelta(hours=randint(rng, 1, 72), seconds=randint(rng, 0, 3599))
        submitted = num == k - 1 or rng.random() < 0.5
        changes = {"/Task/TriggerTaskSchedulerConfiguration/RetryWaitMinute": pick(rng, [1, 5, 10, 15]),
                   "/Task/TriggerTaskSchedulerConfiguration/RunPriorityType": pick(rng, [4, 5, 6])}
        old = apply_changes(latest, changes)
        approve = pick(rng, ["APPROVED"] * 9 + ["REJECT"]) if submitted else None
        old.update(VersionNum=f"V{num}", VersionId=f"{task_id}_{created:%Y%m%d%H%M%S}{randint(rng, 0, 999):03d}",
                   CreateTime=ts(created), VersionRemark=pick(rng, _REMARKS), ApproveStatus=approve,
                   ApproveTime=ts(created + timedelta(minutes=randint(rng, 5, 600))) if approve else None,
                   ApproveUserUin=latest.get("ApproveUserUin") if approve else None)
        earlier.append(Version(old, submitted))
    versions = [*reversed(earlier), Version(latest, True)]
    history = TaskHistory(task_id, versions)
    base = latest["Task"]["TriggerTaskBaseAttribute"]
    history.state.update({key: base.get(key) for key in ("LastUpdateTime", "LastOpsTime", "LastUpdateUserName",
                                                           "LastOpsUserName", "UpdateUserUin")})
    history.state["LastUpdateTime"] = latest["CreateTime"]
    used: str | None = versions[-1].version_id
    previous = versions[-2] if len(versions) > 1 else None
    if "status_new" in sample.violations:
        used = None
    elif previous is not None and previous.detail.get("ApproveStatus") == "APPROVED" \
            and rng.random() < PENDING_RELEASE_SHARE:
        used = previous.version_id
    history.used_version_id = used
    history.refresh()
    if "not_submitted" in sample.violations:
        when = parse_time(latest["CreateTime"]) + timedelta(hours=randint(rng, 1, 48))
        history.add({"/Task/TriggerTaskSchedulerConfiguration/RetryWaitMinute": 10}, submit=False, when=when,
                    user=(str(base.get("UpdateUserUin") or ""), str(base.get("LastUpdateUserName") or "")),
                    remark="work in progress")
    return history

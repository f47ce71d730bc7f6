"""The generated corpus: deterministic, shaped like the API's Data, a realistic compliance mix, fast."""

from __future__ import annotations

import base64
import json
import re
import time
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import EXAMPLES
from wedata_audit.demo import corpus

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "trigger-task-version.schema.json"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@pytest.fixture(scope="module")
def samples() -> list[corpus.Sample]:
    return corpus.generate_labeled(2000, seed=11)


def _ext(data: dict) -> dict[str, str]:
    items = data["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"]
    return {p["ParamKey"]: p["ParamValue"] for p in items}


def test_deterministic_per_seed() -> None:
    assert corpus.generate(40, seed=5) == corpus.generate(40, seed=5)
    assert corpus.generate(40, seed=5) != corpus.generate(40, seed=6)
    assert corpus.generate(3, project_id="42")[0] != corpus.generate(3)[0]


def test_ids_are_unique_and_well_formed(samples: list[corpus.Sample]) -> None:
    ids = [s.data["Task"]["TriggerTaskBaseAttribute"]["TaskId"] for s in samples]
    assert len(set(ids)) == len(ids)
    for s, task_id in zip(samples, ids, strict=True):
        assert re.fullmatch(r"\d{17}", task_id)
        assert re.fullmatch(rf"{task_id}_\d{{17}}", s.data["VersionId"])
        assert re.fullmatch(r"V\d+", s.data["VersionNum"])


def test_shape_matches_the_examples_and_the_schema(samples: list[corpus.Sample]) -> None:
    example = json.loads((EXAMPLES / "latest-version-v4.response.json").read_text())
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    reference = example["Response"]["Data"]
    for s in samples[:300]:
        assert set(reference) <= set(s.data)
        for section in ("TriggerTaskBaseAttribute", "TriggerTaskConfiguration", "TriggerTaskSchedulerConfiguration"):
            assert set(reference["Task"][section]) <= set(s.data["Task"][section])
        assert list(validator.iter_errors(s.data)) == []
    sizes = [len(json.dumps(s.data, ensure_ascii=False)) for s in samples]
    assert 4000 < sum(sizes) / len(sizes) < 6500


def test_compliance_mix(samples: list[corpus.Sample]) -> None:
    compliant = [s for s in samples if not s.violations]
    assert 0.55 < len(compliant) / len(samples) < 0.65
    counts = Counter(v for s in samples for v in s.violations)
    assert set(counts) == set(corpus.VIOLATIONS)
    assert all(1 <= len(s.violations) <= 3 for s in samples if s.violations)
    assert len({s.data["Task"]["TriggerTaskBaseAttribute"]["TaskTypeId"] for s in samples}) >= 8
    assert len({s.data["Task"]["TriggerTaskBaseAttribute"]["OwnerUin"] for s in samples}) >= 8


def test_compliant_records_meet_every_setting(samples: list[corpus.Sample]) -> None:
    for s in (s for s in samples if not s.violations):
        d = s.data
        base = d["Task"]["TriggerTaskBaseAttribute"]
        conf = d["Task"]["TriggerTaskConfiguration"]
        sched = d["Task"]["TriggerTaskSchedulerConfiguration"]
        ext = _ext(d)
        assert d["ApproveStatus"] and d["ApproveUserUin"] and d["ApproveUserUin"] != d["CreateUserUin"]
        assert ext["enableKerberosLogin"] == "true"
        assert ext["executionTTLStrategy"] == ext["waitExecutionTotalTTLStrategy"] == "fail"
        assert int(ext["waitExecutionTotalTTL"]) > 0
        assert base["Submit"] is True and base["Status"] == "Y"
        assert base["OwnerUin"] and base["TaskDescription"] and d["VersionRemark"] and conf["ResourceGroup"]
        assert NAME.match(base["TaskName"])
        if "python_type" in ext:
            assert ext["python_sub_version"] in ("python3.9", "python3.10", "python3.11", "python3.12")
        code = base64.b64decode(conf["CodeContent"], validate=True).decode()
        assert len(code) > 800
        assert not re.search(r"AKID[A-Za-z0-9]{32}", code) and "password" not in code.lower()
        assert sched["ScheduleType"] == 0 and sched["MaxRetryNumber"] <= 10 and sched["ExecutionTTLMinute"] > 0


def test_violations_are_really_there(samples: list[corpus.Sample]) -> None:
    for s in samples:
        d, v = s.data, set(s.violations)
        ext = _ext(d)
        conf = d["Task"]["TriggerTaskConfiguration"]
        if "invalid_base64" in v:
            with pytest.raises(ValueError):
                base64.b64decode(conf["CodeContent"], validate=True)
        else:
            code = corpus.decode_code(d)
            assert ("secret_in_code" in v) == bool(re.search(r"AKID[A-Za-z0-9]{32}", code))
            assert ("password_in_code" in v) == bool(re.search(r"password\"?\s*[=:]\s*\"", code))
        assert ("kerberos_disabled" in v) == (ext["enableKerberosLogin"] == "false")
        assert ("approval_missing" in v) == (d["ApproveStatus"] is None)
        assert ("wait_ttl_unbounded" in v) == (ext["waitExecutionTotalTTL"] == "-1")
        assert ("bad_task_name" in v) == (not NAME.match(d["Task"]["TriggerTaskBaseAttribute"]["TaskName"]))


def test_earlier_versions_and_response() -> None:
    [latest] = corpus.generate(1, seed=4)
    latest["VersionNum"] = "V5"
    older = corpus.earlier_versions(latest, 3)
    assert [o["VersionNum"] for o in older] == ["V4", "V3", "V2"]
    assert all(o["VersionId"] < latest["VersionId"] for o in older)
    wrapped = corpus.response(latest, "req-1")
    assert wrapped == {"Response": {"Data": latest, "RequestId": "req-1"}}


def test_ten_thousand_records_are_fast() -> None:
    started = time.process_time()  # CPU time: not skewed by other test processes sharing the machine
    data = corpus.generate(10_000)
    assert len(data) == 10_000
    assert time.process_time() - started < 2.0

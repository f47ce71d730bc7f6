"""Large inputs for the size-bound tests and ``bench/size_bench.py``, with the outcome each must have.

* :func:`write_big_code`: one version whose CodeContent is the Base64 of about 15 MB of shell script
  (about 20 MB of Base64); a secret sits on the very last line, so only a scan of the whole text finds it.
* :func:`write_big_ext`: one version whose TaskExtConfigurationList holds 100,000 entries; the last one
  turns Kerberos login on (the last key wins) and one ParamValue near the end is a number (a schema finding).
* :func:`write_many_tasks`: JSON Lines of 50,000 versions: every fifth one compliant, the others with the
  documentation example's four findings, and one line that is not JSON.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "latest-version-v4.response.json"

# The findings of the documentation example, as tests/test_cli.py documents them.
EXAMPLE_FINDINGS = ["approval-status", "description", "kerberos-login", "wait-ttl-bounded"]

CODE_BYTES = 15_000_000
SECRET_LINE = "export DB_PASSWORD=s3cr3t-Value-9"  # matched by no-secrets-in-code's third pattern
EXT_ENTRIES = 100_000
BAD_EXT_INDEX = EXT_ENTRIES - 2  # its ParamValue is a number: the schema wants a string
TASKS = 50_000
BAD_LINE = 25_000  # 1-based line number of the line that is not JSON
COMPLIANT_EVERY = 5


def example_data() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))["Response"]["Data"]


def response(data: dict[str, Any], request_id: str = "req-size") -> dict[str, Any]:
    return {"Response": {"Data": data, "RequestId": request_id}}


def make_compliant(data: dict[str, Any]) -> dict[str, Any]:
    data["ApproveStatus"] = "APPROVED"
    data["ApproveUserUin"] = "100028660434"  # someone other than the author
    data["Task"]["TriggerTaskBaseAttribute"]["TaskDescription"] = "Loads the orders table"
    for item in data["Task"]["TriggerTaskConfiguration"]["TaskExtConfigurationList"]:
        if item["ParamKey"] == "enableKerberosLogin":
            item["ParamValue"] = "true"
        if item["ParamKey"] == "waitExecutionTotalTTL":
            item["ParamValue"] = "120"
    return data


def big_code(size: int = CODE_BYTES) -> tuple[str, int]:
    """About ``size`` bytes of shell script ending with :data:`SECRET_LINE`; returns the text and that line."""
    lines = ["#!/bin/bash", "set -euo pipefail"]
    n = sum(len(s) + 1 for s in lines)
    i = 0
    while n < size:
        line = (f"hdfs dfs -ls /warehouse/ods/orders/dt=2025-11-{i % 28 + 1:02d}/part-{i:08d} | wc -l"
                f"  # step {i}")
        lines.append(line)
        n += len(line) + 1
        i += 1
    lines.append(SECRET_LINE)
    return "\n".join(lines) + "\n", len(lines)


def write_big_code(path: Path) -> int:
    """Write the big-CodeContent version; returns the line number of the secret."""
    data = example_data()
    code, secret_line = big_code()
    data["Task"]["TriggerTaskConfiguration"]["CodeContent"] = base64.b64encode(code.encode("utf-8")).decode("ascii")
    path.write_text(json.dumps(response(data)), encoding="utf-8")
    return secret_line


def write_big_ext(path: Path) -> None:
    data = example_data()
    config = data["Task"]["TriggerTaskConfiguration"]
    items: list[dict[str, Any]] = list(config["TaskExtConfigurationList"])  # enableKerberosLogin "false" among them
    while len(items) < EXT_ENTRIES - 1:
        items.append({"ParamKey": f"custom.key.{len(items)}", "ParamValue": f"value {len(items)}"})
    items.append({"ParamKey": "enableKerberosLogin", "ParamValue": "true"})
    items[BAD_EXT_INDEX] = {"ParamKey": "custom.number", "ParamValue": 42}
    config["TaskExtConfigurationList"] = items
    path.write_text(json.dumps(response(data)), encoding="utf-8")


def write_many_tasks(path: Path, n: int = TASKS) -> dict[str, int]:
    """Write ``n`` versions as JSON Lines; returns the expected summary counts."""
    base = example_data()
    good = make_compliant(copy.deepcopy(base))
    expected = {"tasks": n, "passed": 0, "failed": 0, "errored": 0}
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            lineno = i + 1
            if lineno == BAD_LINE:
                fh.write('{"Response": {"Data": {"VersionId": "truncated\n')
                expected["errored"] += 1
                continue
            compliant = i % COMPLIANT_EVERY == 0
            data = copy.copy(good if compliant else base)
            data["VersionId"] = f"v-{i:06d}"
            fh.write(json.dumps(response(data, f"req-{i}"), separators=(",", ":")) + "\n")
            expected["passed" if compliant else "failed"] += 1
    return expected

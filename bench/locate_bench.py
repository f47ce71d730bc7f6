"""How long finding lines take to locate in snapshot files (reporters.locations: locate,
keylines). Prints figures.

    .venv/bin/python bench/locate_bench.py [--tasks 50000] [--code-mb 20] [--ext 100000]

1. one version whose CodeContent is N MB: every default-pack key located in it (one Locator);
2. a JSON Lines file of --tasks versions and a pretty JSON array of a tenth of them: KeyLines over every
   task, six keys each, as a streaming reporter asks;
3. a TaskExtConfigurationList of --ext entries: ext keys located.
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from wedata_audit.model.finding import Subject
from wedata_audit.reporters.locations.keylines import KeyLines
from wedata_audit.reporters.locations.locate import Locator

ROOT = Path(__file__).resolve().parent.parent
KEYS = ["ApproveStatus", "task.TaskName", "task.TaskDescription", "ext.enableKerberosLogin", "code",
        "ext.waitExecutionTotalTTL || task.WaitExecutionTotalTTLMinute", "/Task/TriggerTaskBaseAttribute/TaskName"]


def example() -> dict[str, Any]:
    return json.loads((ROOT / "examples" / "latest-version-v4.response.json").read_text(encoding="utf-8"))


def timed(label: str, fn: Any) -> Any:
    start = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - start:.3f} s")
    return result


def big_code(mb: int) -> None:
    doc = example()
    config = doc["Response"]["Data"]["Task"]["TriggerTaskConfiguration"]
    config["CodeContent"] = base64.b64encode(b"x" * (mb * 750_000)).decode()
    text = json.dumps(doc, indent=2)
    print(f"-- one version, CodeContent {len(config['CodeContent']) / 1e6:.1f} MB (file {len(text) / 1e6:.1f} MB)")
    locator = Locator(text)
    timed(f"   {len(KEYS)} keys, one Locator", lambda: [locator.line(k) for k in KEYS])
    timed("   1 key, fresh Locator", lambda: Locator(text).line("ApproveStatus"))
    timed("   json.loads of the file, for scale", lambda: json.loads(text))


def many_tasks(tasks: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        doc = example()
        line = json.dumps(doc, separators=(",", ":"))
        (base / "t.jsonl").write_text("\n".join([line] * tasks) + "\n", encoding="utf-8")
        n_array = max(tasks // 10, 1)
        (base / "a.json").write_text(json.dumps([doc] * n_array, indent=2), encoding="utf-8")
        for name, count, suffix in (("t.jsonl", tasks, lambda i: f":{i + 1}"),
                                    ("a.json", n_array, lambda i: f"[{i}]")):
            size = (base / name).stat().st_size / 1e6
            lines = KeyLines(base=base)

            def run(lines: KeyLines = lines, name: str = name, count: int = count, suffix: Any = suffix) -> None:
                for i in range(count):
                    lines.lines(Subject(source=f"{name}{suffix(i)}"), KEYS)

            print(f"-- {name}: {count} versions, {size:.1f} MB")
            timed(f"   KeyLines, {len(KEYS)} keys per version", run)


def long_ext(entries: int) -> None:
    doc = example()
    config = doc["Response"]["Data"]["Task"]["TriggerTaskConfiguration"]
    config["TaskExtConfigurationList"] = [{"ParamKey": f"k{i}", "ParamValue": str(i)} for i in range(entries)]
    text = json.dumps(doc, indent=2)
    print(f"-- TaskExtConfigurationList of {entries} entries ({len(text) / 1e6:.1f} MB)")
    locator = Locator(text)
    timed("   first ext key (indexes the list)", lambda: locator.line(f"ext.k{entries - 1}"))
    timed("   100 more ext keys", lambda: [locator.line(f"ext.k{i}") for i in range(100)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--code-mb", type=int, default=20)
    parser.add_argument("--ext", type=int, default=100_000)
    args = parser.parse_args()
    big_code(args.code_mb)
    many_tasks(args.tasks)
    long_ext(args.ext)


if __name__ == "__main__":
    main()

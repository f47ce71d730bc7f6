"""``wedata-audit diff OLD.json NEW.json``: what changed between two runs, by finding fingerprint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wedata_audit.errors import ConfigError
from wedata_audit.terminal import Terminal, safe


def _findings(path: str) -> dict[str, dict[str, Any]]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        tasks = doc["tasks"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"not a readable wedata-audit JSON report: {exc}", source=path) from None
    out: dict[str, dict[str, Any]] = {}
    for task in tasks:
        label = task.get("task_name") or task.get("task_id") or task.get("source", "")
        for f in task.get("findings") or []:
            out[f["fingerprint"]] = {**f, "task": label, "version_num": task.get("version_num", "")}
    return out


def diff_reports(old: str, new: str, fmt: str, term: Terminal) -> int:
    before, after = _findings(old), _findings(new)
    groups = {
        "new": [after[k] for k in after.keys() - before.keys()],
        "fixed": [before[k] for k in before.keys() - after.keys()],
        "still open": [after[k] for k in after.keys() & before.keys()],
    }
    for items in groups.values():
        items.sort(key=lambda f: (f["task"], f["rule_id"], f.get("key", "")))
    if fmt == "json":
        term.echo(json.dumps({k.replace(" ", "_"): v for k, v in groups.items()}, indent=1, ensure_ascii=False))
    else:
        for name, items in groups.items():
            term.echo(f"{name}: {len(items)}")
            for f in items:
                term.echo(safe(f"  {f['severity']:8} {f['rule_id']:24} {f['task']} {f['version_num']}: {f['message']}"))
    return 1 if groups["new"] else 0

"""``wedata-audit check``: saved snapshots through the one pipeline (build the plan and a file source, then run)."""

from __future__ import annotations

from pathlib import Path

from wedata_audit.pipeline import run_audit
from wedata_audit.reporters.targets import clear_stale_reports
from wedata_audit.settings.config import find_config
from wedata_audit.settings.options import CheckOptions, merge_config, run_inputs, targets_of
from wedata_audit.settings.plan import build_plan
from wedata_audit.sources import FileSource
from wedata_audit.sources.api.context import SavedContext
from wedata_audit.sources.files import expand_paths
from wedata_audit.terminal import Terminal


def execute_check(opts: CheckOptions, term: Terminal) -> int:
    cfg = find_config(opts.config)
    merge_config(cfg, opts.report, opts.filters)
    targets = targets_of(opts.report)
    report_files = [t.path for t in targets if not t.to_stdout]
    saved = SavedContext.for_paths(opts.paths)  # context saved beside the versions (``_context/``): not versions
    files = expand_paths(opts.paths, exclude=[Path(opts.report.output_dir or "reports"), *report_files,
                                              *(saved.roots if saved else ())])
    clear_stale_reports(targets, run_inputs(cfg, opts.rules, opts.filters, snapshots=files))
    plan = build_plan(opts.rules, opts.report, opts.filters, cfg)
    source = FileSource(opts.paths, files=files, project_id=opts.project_id or cfg.get("project_id"),
                        attach=saved.attach if saved else None)
    return run_audit(plan, source, term)

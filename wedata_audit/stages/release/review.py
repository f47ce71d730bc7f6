"""The release review as a pipeline stage: pairs the two versions of a task (``Snapshot.role``
``production`` and ``latest``, as the live source yields them in ``--versions release`` mode and ``check``
reads them back from saved snapshots), then reports ONE result per task: the latest version's, carrying
``meta["release"]`` (:meth:`wedata_audit.stages.release.changes.ReleaseInfo.to_json`).

Findings of the latest version that the production version also has (same rule, same key) become
``existing``: they do not gate unless the release gate is ``all``. Findings only on the latest version stay
open. A production version that could not be read is reported as its own errored task (the run is then
incomplete), and nothing of the latest version is called existing. Only one task's versions are held at a
time, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from wedata_audit.model.finding import FindingStatus
from wedata_audit.model.results import TaskResult
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.loading import Rule
from wedata_audit.policy.secretmask import Mask, default_mask, secret_masker
from wedata_audit.stages.release.changes import review

ROLE_LATEST, ROLE_PRODUCTION = "latest", "production"
GATE_NEW, GATE_ALL = "new", "all"
RELEASE_GATES = (GATE_NEW, GATE_ALL)
SECRETS_RULE = "no-secrets-in-code"


def run_mask(rules: Iterable[Rule]) -> Mask:
    """The secret mask of the run: the compiled patterns of ``no-secrets-in-code`` as in effect (--param
    overrides included), or the bundled patterns when the rule is not loaded."""
    for rule in rules:
        patterns = rule.params.get("patterns") if rule.id == SECRETS_RULE else None
        if isinstance(patterns, list) and patterns:
            return secret_masker(patterns)
    return default_mask()


def _task_id(snap: Snapshot) -> str:
    return snap.subject.task_id or snap.source


class ReleaseStage:
    """``feed(snapshot, result)`` -> the results to report now; ``flush()`` at the end of the run."""

    def __init__(self, rules: Iterable[Rule], *, gate: str = GATE_NEW) -> None:
        if gate not in RELEASE_GATES:
            raise ValueError(f"release gate must be one of {', '.join(RELEASE_GATES)}")
        self.mask = run_mask(rules)
        self.gate = gate
        self._held: tuple[Snapshot, TaskResult] | None = None

    def feed(self, snap: Snapshot, result: TaskResult) -> list[TaskResult]:
        if snap.role not in (ROLE_LATEST, ROLE_PRODUCTION):
            return [*self.flush(), result]
        out: list[TaskResult] = []
        held = self._held
        if held is not None and _task_id(held[0]) == _task_id(snap) and held[0].role != snap.role:
            self._held = None
            latest, production = (held, (snap, result)) if held[0].role == ROLE_LATEST else ((snap, result), held)
            return [*self._errored_side(production), self._review(latest, production)]
        out.extend(self.flush())
        self._held = (snap, result)
        return out

    def flush(self) -> list[TaskResult]:
        """The version held without its partner: a latest version whose production version is the same one
        or was not read, or a production version whose latest was not read (reported as it is)."""
        held, self._held = self._held, None
        if held is None:
            return []
        snap, result = held
        if snap.role == ROLE_PRODUCTION:
            return [result]
        return [self._review(held, None)]

    def _errored_side(self, production: tuple[Snapshot, TaskResult]) -> list[TaskResult]:
        return [production[1]] if production[1].error is not None else []

    def _review(self, latest: tuple[Snapshot, TaskResult],
                production: tuple[Snapshot, TaskResult] | None) -> TaskResult:
        snap, result = latest
        if result.error is not None or snap.data is None:
            return result
        release: Any = snap.context.get("release")
        prod_ref = release.get("production") if isinstance(release, dict) else None
        same = isinstance(prod_ref, dict) and prod_ref.get("version_id") == snap.data.get("VersionId")
        outcomes = dict(result.outcomes)
        if same:  # production uses the latest version: fetched once, nothing changes, nothing regresses
            info = review(snap.data, snap.data, outcomes, outcomes, mask=self.mask)
            existing = {(f.rule_id, f.key) for f in result.findings}
        elif production is not None and production[1].error is None and production[0].data is not None:
            info = review(snap.data, production[0].data, outcomes, dict(production[1].outcomes), mask=self.mask)
            existing = {(f.rule_id, f.key) for f in production[1].findings}
        else:
            info = review(snap.data, None, outcomes, None, mask=self.mask)
            if isinstance(prod_ref, dict):  # in production, but that version was not read: nothing is known
                info = replace(info, production=type(info.latest)(str(prod_ref.get("version_id") or ""),
                                                                   str(prod_ref.get("version_num") or "")),
                               changes=())
            existing = set()
        findings = result.findings
        if self.gate == GATE_NEW and existing:
            findings = tuple(replace(f, status=FindingStatus.EXISTING)
                             if f.is_open and (f.rule_id, f.key) in existing else f for f in findings)
        return replace(result, findings=findings, meta={**result.meta, "release": info.to_json()})

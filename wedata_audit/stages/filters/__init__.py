"""Filters: they change a finding's status (waived, existing), never remove it, one task at a time.

A filter has ``meta_key`` (where its report goes in the run's meta), ``apply(task) -> task`` and
``meta() -> dict`` (read once the run has ended).
"""

from __future__ import annotations

from typing import Any, Protocol

from wedata_audit.model.results import TaskResult


class Filter(Protocol):
    meta_key: str

    def apply(self, task: TaskResult) -> TaskResult: ...

    def meta(self) -> dict[str, Any]: ...

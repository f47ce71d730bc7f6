"""The immutable record that flows from the engine to every reporter."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass


class Severity(str, enum.Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


_RANK = {s: i for i, s in enumerate(Severity)}


class FindingStatus(str, enum.Enum):
    """What the filtering stage made of a finding. Only ``open`` counts for the gate.

    Later statuses (e.g. not evaluated) are added here; every reporter reads them from this enum.
    """

    OPEN = "open"
    WAIVED = "waived"
    EXISTING = "existing"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


@dataclass(frozen=True, slots=True)
class Subject:
    """What a finding is about: one version of one task, and where it came from."""

    source: str
    project_id: str = ""
    task_id: str = ""
    task_name: str = ""
    workflow_id: str = ""
    workflow_name: str = ""
    version_id: str = ""
    version_num: str = ""
    owner_uin: str = ""

    @property
    def label(self) -> str:
        """A stable, human-readable name for the task version."""
        name = self.task_name or self.task_id or self.source
        if self.task_id and self.task_name:
            name = f"{self.task_name} ({self.task_id})"
        return f"{name} {self.version_num}".strip()


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule failing on one task version.

    ``actual`` is always rendered for display and already masked when the rule is sensitive.
    ``status`` is set by the filtering stage (:class:`FindingStatus`): only ``open`` counts for the gate.
    """

    rule_id: str
    severity: Severity
    title: str
    message: str
    subject: Subject
    key: str = ""
    actual: str | None = None
    expected: str | None = None
    status: FindingStatus = FindingStatus.OPEN
    note: str | None = None
    # The date (YYYY-MM-DD) the finding was first reported: set by the first-seen filter (filters/firstseen.py).
    first_seen: str | None = None

    @property
    def fingerprint(self) -> str:
        """Identifies project, task, rule and failing key; never the wording of the message."""
        s = self.subject
        raw = "\x1f".join((s.project_id, s.task_id or s.source, self.rule_id, self.key))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

    @property
    def is_open(self) -> bool:
        return self.status == FindingStatus.OPEN

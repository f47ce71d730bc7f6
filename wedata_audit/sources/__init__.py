"""Sources: where task versions come from. Every command audits a :class:`Source`.

The protocol::

    source.inputs               # what the run read, for the reports ("snaps/", "https://... project 42 (60 tasks)")
    source.snapshots()          # iterator of Snapshot, in a deterministic order; may be closed early
    source.incomplete_reasons() # after iteration (or close): why the run is incomplete, as the source sees it
    source.failure              # an AuditError the run must end with after reports are written (or None)
    source.close()              # stop at once: no new request; idempotent
    source.remainder()          # after close: errored snapshots for what the source owes but will not read

A snapshot that cannot be read is not a reason: it is an errored :class:`Snapshot` (an errored task in
every report). Reasons are what no snapshot can carry: the API refused the run, the task listing failed,
tasks were never fetched (the live source yields those as errored snapshots too), nothing was found.

Extension points (not used yet):

* several versions of one task: a source yields one :class:`Snapshot` per version, each with its
  ``role`` (e.g. ``latest``, ``production``), which is part of the report identity;
* context: ``Snapshot.context`` carries data beside the version (workflow, upstream tasks, project
  members), for the rule view;
* ``Snapshot.unavailable`` names the view roots the source did not fetch (e.g. ``context.members``); the
  engine marks a rule that reads one of them ``skip`` instead of evaluating it on missing data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, runtime_checkable

from wedata_audit.errors import AuditError
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.sources.files import expand_paths, read_snapshots

__all__ = ["FileSource", "ListSource", "Snapshot", "Source"]


@runtime_checkable
class Source(Protocol):
    inputs: tuple[str, ...]
    failure: AuditError | None

    def snapshots(self) -> Iterator[Snapshot]: ...

    def incomplete_reasons(self) -> list[str]: ...

    def close(self) -> None: ...

    def remainder(self) -> Iterator[Snapshot]: ...


class FileSource:
    """Snapshot files, folders (recursive ``*.json``, ``*.jsonl``, sorted) and ``-`` for stdin, read lazily one
    file at a time. Unreadable input becomes errored snapshots; an empty input is a reason."""

    def __init__(self, paths: Iterable[str], *, files: list[str] | None = None, project_id: str | None = None,
                 inputs: Iterable[str] | None = None, attach: Callable[[Snapshot], Snapshot] | None = None) -> None:
        self.paths = list(paths)
        self.attach = attach  # adds saved context to each snapshot (sources/api/context.SavedContext)
        self.files = files if files is not None else expand_paths(self.paths)
        self.project_id = project_id
        self.inputs = tuple(inputs if inputs is not None else self.paths)
        self.failure: AuditError | None = None
        self.count = 0

    def snapshots(self) -> Iterator[Snapshot]:
        for snap in read_snapshots(self.files, project_id=self.project_id):
            self.count += 1
            yield snap if self.attach is None else self.attach(snap)

    def incomplete_reasons(self) -> list[str]:
        return [] if self.count else ["no task version was found in the input"]

    def close(self) -> None:
        pass

    def remainder(self) -> Iterator[Snapshot]:
        return iter(())


class ListSource:
    """Snapshots already in memory (``rules test`` cases, tests, tools)."""

    def __init__(self, snapshots: Iterable[Snapshot], inputs: Iterable[str] = ()) -> None:
        self._snapshots = snapshots
        self.inputs = tuple(inputs)
        self.failure: AuditError | None = None

    def snapshots(self) -> Iterator[Snapshot]:
        yield from self._snapshots

    def incomplete_reasons(self) -> list[str]:
        return []

    def close(self) -> None:
        pass

    def remainder(self) -> Iterator[Snapshot]:
        return iter(())

"""Check kinds built into wedata-audit, named in a rule as ``check: {builtin: NAME}``.

A built-in check reads the version's raw ``Data`` (not the rule view) and returns the same
:class:`~wedata_audit.policy.conditions.Failure` records as a condition. The rules that use them live in
the pack like any other (``rules/core/schema.yaml``).
"""

from __future__ import annotations

from typing import Any, Protocol

from wedata_audit.policy.conditions import Failure, show
from wedata_audit.policy.schemacheck import SchemaChecker


class BuiltinCheck(Protocol):
    def evaluate(self, data: Any) -> list[Failure]: ...


class TaskVersionSchema:
    """The version against ``schemas/trigger-task-version.schema.json``: one failure per bad value, keyed by
    its JSON Pointer."""

    def __init__(self) -> None:
        self.checker = SchemaChecker()

    def evaluate(self, data: Any) -> list[Failure]:
        return [Failure(key=v.pointer, actual=show(v.value, 60), expected=v.message,
                        message=f"{v.pointer} is {show(v.value, 60)}, {v.message}")
                for v in self.checker.violations(data)]


BUILTIN_CHECKS: dict[str, type[BuiltinCheck]] = {"task-version-schema": TaskVersionSchema}


def builtin_check(name: str) -> BuiltinCheck:
    return BUILTIN_CHECKS[name]()

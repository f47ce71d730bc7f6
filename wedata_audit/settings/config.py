"""The configuration file: ``wedata-audit.yaml`` in the working folder, or ``--config FILE``.

Validated against ``schemas/config.schema.json``; errors name the key. Paths in it are relative to the
file. Command-line options win over the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wedata_audit.errors import ConfigError, UsageError
from wedata_audit.util.docschema import all_errors, describe, dotted
from wedata_audit.util.yamlfile import load_yaml_file

DEFAULT_NAME = "wedata-audit.yaml"


@dataclass(frozen=True)
class Config:
    source: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def path(self, key: str) -> str | None:
        """A path setting, resolved against the folder of the configuration file."""
        value = self.data.get(key)
        return None if value is None else self.resolve(value)

    def resolve(self, value: str) -> str:
        if self.source is None or Path(value).is_absolute():
            return value
        return str(Path(self.source).parent / value)


def find_config(explicit: str | None, cwd: Path | None = None) -> Config:
    if explicit is not None:
        if not Path(explicit).is_file():
            raise UsageError(f"configuration file does not exist: {explicit}")
        return load_config(explicit)
    candidate = (cwd or Path.cwd()) / DEFAULT_NAME
    return load_config(str(candidate)) if candidate.is_file() else Config()


def load_config(path: str) -> Config:
    doc = load_yaml_file(path, "configuration")
    if doc is None:
        doc = {}
    errors = all_errors("config.schema.json", doc)
    if errors:
        raise ConfigError("; ".join(f"{dotted(e.absolute_path, '(top level)')}: {describe(e)}" for e in errors[:5]),
                          source=path)
    return Config(source=path, data=doc)

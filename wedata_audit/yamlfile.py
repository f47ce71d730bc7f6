"""Reading a YAML file of the user's (configuration, waivers, policy cases): safely, with errors naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from wedata_audit.errors import ConfigError


def load_yaml_file(path: str | Path, what: str) -> Any:
    """``yaml.safe_load`` of the file; an unreadable file or invalid YAML is a :class:`ConfigError`."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what}: {exc}", source=str(path)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", source=str(path)) from None

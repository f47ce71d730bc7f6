"""Bundled data (the default policy pack and the JSON Schemas), read through importlib.resources."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any


def schema_text(name: str) -> str:
    return files("wedata_audit.schemas").joinpath(name).read_text(encoding="utf-8")


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads(schema_text(name))


def default_rule_files() -> list[Traversable]:
    pack = files("wedata_audit.rules")
    return sorted((f for f in pack.iterdir() if f.name.endswith((".yaml", ".yml"))), key=lambda f: f.name)


def core_rule_files() -> list[Traversable]:
    """The core pack (``rules/core/``): rules loaded with every rule set, also without the default pack."""
    pack = files("wedata_audit.rules").joinpath("core")
    return sorted((f for f in pack.iterdir() if f.name.endswith((".yaml", ".yml"))), key=lambda f: f.name)


def bundled_framework_files() -> list[Traversable]:
    """The bundled framework catalogues (``frameworks/*.yaml``), by file name."""
    pack = files("wedata_audit.frameworks")
    return sorted((f for f in pack.iterdir() if f.name.endswith((".yaml", ".yml"))), key=lambda f: f.name)

"""Reading the user's YAML (policy, configuration, waivers, cases, ``--param`` values): safely, in one way.

The loader is PyYAML's safe loader (the C one when available) without the timestamp resolver: dates stay
strings (``expires: 2027-03-31``), and an impossible date (``2099-02-30``) is a plain string the schema
judges, instead of an exception from deep inside PyYAML.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from wedata_audit.errors import ConfigError, UsageError

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    pass


_Loader.yaml_implicit_resolvers = {  # type: ignore[attr-defined]
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()  # type: ignore[attr-defined]
}


def load_yaml(text: str) -> Any:
    """Safe YAML; raises ``yaml.YAMLError`` (and only that) on bad input."""
    try:
        return yaml.load(text, Loader=_Loader)  # a safe loader
    except yaml.YAMLError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor failed on an odd scalar
        raise yaml.YAMLError(str(exc)) from None


def read_text(path: Any, what: str, source: str | None = None) -> str:
    """A user's file (a path, or an importlib.resources ``Traversable``) as UTF-8 text; unreadable or not UTF-8
    is a :class:`ConfigError` naming ``source`` (default: the path) and ``what`` the file was for."""
    try:
        file = Path(path) if isinstance(path, str) else path
        return str(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what}: {exc}", source=source or str(path)) from None


def load_yaml_file(path: str | Path, what: str) -> Any:
    """The file's YAML; an unreadable file or invalid YAML is a :class:`ConfigError` naming the file."""
    text = read_text(path, what)
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", source=str(path)) from None


def yaml_files(paths: Iterable[str | Path], what: str) -> list[Path]:
    """Files as given, folders as their ``*.yaml`` / ``*.yml`` files (recursively, sorted); a path that does not
    exist is a usage error naming ``what`` it was for (``rules``, ``frameworks``)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(sorted(f for f in path.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file()))
        elif path.is_file():
            out.append(path)
        else:
            raise UsageError(f"{what} path does not exist: {p}")
    return out

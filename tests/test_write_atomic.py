"""Reports are written whole or not at all: never a truncated file, never a stray temporary one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wedata_audit.reporters.base import write_atomic


def test_replaces_whole_and_keeps_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "report.json"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text() == "second"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "junit.xml"
    target.write_text("<old/>")

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "<new>" + "x" * 1_000_000)
    assert target.read_text() == "<old/>"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]


def test_text_that_cannot_be_encoded_never_truncates(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "start" + "\ud800" + "end")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]

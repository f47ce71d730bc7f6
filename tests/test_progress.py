"""Progress on stderr: a bar on a terminal, plain throttled lines elsewhere, nothing when quiet."""

from __future__ import annotations

import io

from wedata_audit.util.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_bar_redrawn_in_place() -> None:
    out = Tty()
    p = Progress(4, stream=out, interval=0)
    for i in range(4):
        p.advance(errored=i == 2)
    text = out.getvalue()
    assert text.count("\r[") == 4 and text.endswith("\n")
    assert "4/4 task(s)" in text and "1 error(s)" in text and "ETA" in text and "[" + "#" * 30 + "]" in text


def test_ci_gets_plain_lines_throttled() -> None:
    out = io.StringIO()
    p = Progress(100, stream=out, interval=3600)
    for _ in range(100):
        p.advance()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("progress: 1/100") and lines[-1].startswith("progress: 100/100")
    assert len(lines) == 2 and "\r" not in out.getvalue()


def test_quiet_prints_nothing() -> None:
    out = Tty()
    p = Progress(3, stream=out, quiet=True, interval=0)
    for _ in range(3):
        p.advance()
    p.close()
    assert out.getvalue() == "" and p.done == 3

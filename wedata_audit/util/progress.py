"""Progress of a live audit on stderr: a bar on a terminal, a plain line every few seconds elsewhere (CI)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Thread-safe counters with a throttled display; ``quiet`` shows nothing."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None,
                 interval: float | None = None) -> None:
        self.total = total
        self.done = 0
        self.errors = 0
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.1 if self.tty else 5.0)
        self._start = time.monotonic()
        self._last = float("-inf")  # the first advance always shows
        self._lock = threading.Lock()

    def advance(self, errored: bool = False) -> None:
        with self._lock:
            self.done += 1
            self.errors += int(errored)
            now = time.monotonic()
            if now - self._last >= self.interval or self.done == self.total:
                self._last = now
                self._show(now)

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"{self.done}/{self.total} task(s), {rate:.1f}/s, ETA {left:.0f}s, "
                f"{self.errors} error(s)")

    def _show(self, now: float) -> None:
        if self.quiet:
            return
        if self.tty:
            width = 30
            filled = int(width * self.done / self.total) if self.total else width
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r[{bar}] {self.line(now)}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"progress: {self.line(now)}\n")
        self.stream.flush()

    def close(self) -> None:
        if not self.quiet and self.tty and self.done != self.total:
            self.stream.write("\n")
            self.stream.flush()

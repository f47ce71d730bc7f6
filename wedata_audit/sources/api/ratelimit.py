"""A thread-safe token bucket that keeps every wall-clock second at or under the API's limit.

The API counts requests per calendar second. A bucket of capacity ``b`` refilled at ``r``/s lets
``b + ceil(r) - 1`` requests into any one-second window, so a plain 20/s bucket with a burst of 2 can put
21 requests into one second. Here the refill rate is derived from the limit instead:
``(limit - burst + 1) / (1 + slack)``. Any window of ``1 + slack`` seconds then holds at most ``limit``
requests, which leaves ``slack`` seconds for the jitter between taking a token and the request reaching
the server. With the defaults (burst 1, slack 0.02 s) a 20/s limit gives one request every 51 ms.

Any limit above 0 works. As the API counts whole requests per second, a fractional limit above 1 counts as
its whole part (2.5/s lets at most 2 requests into any second); a limit below 1 is a long-run rate with a
burst of 1 (0.5/s: one request every 2.04 s).

Implemented as GCRA (a virtual scheduling token bucket): each caller reserves the next free slot under a
lock, then sleeps outside it, so waiting callers are served in order.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``acquire()`` blocks until a request may be sent; shared by every worker of a client."""

    def __init__(self, limit: float = 20.0, *, burst: int = 1, slack: float = 0.02,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not (math.isfinite(limit) and limit > 0):
            raise ValueError(f"the rate limit must be a positive number, not {limit!r}")
        # what the refill is derived from: whole requests per second, or the limit itself below 1
        per_second = math.floor(limit) if limit >= 1 else limit
        if not 1 <= burst <= max(1, math.floor(limit)):
            raise ValueError(f"burst must be between 1 and {max(1, math.floor(limit))} for a limit of {limit:g}/s")
        if not (math.isfinite(slack) and slack >= 0):
            raise ValueError("slack must not be negative")
        self.limit = limit
        self.burst = burst
        self.rate = (per_second - burst + 1) / (1.0 + slack)
        self._interval = 1.0 / self.rate
        self._tolerance = (burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tat = clock()  # theoretical arrival time of the next conforming request

    def reserve(self) -> float:
        """Book the next slot and return how many seconds to wait for it (0 when a token is free)."""
        with self._lock:
            now = self._clock()
            tat = max(self._tat, now)
            start = max(now, tat - self._tolerance)
            self._tat = tat + self._interval
            return start - now

    def acquire(self) -> float:
        """Wait for a token; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def __repr__(self) -> str:
        return f"TokenBucket(limit={self.limit}, burst={self.burst}, rate={self.rate:.3f}/s)"

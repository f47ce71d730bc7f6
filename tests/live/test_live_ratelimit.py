"""The token bucket: no wall-clock second over the limit, whatever the burst; fair under threads."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter

import pytest

from wedata_audit.sources.api.ratelimit import TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _grants(limit: float, burst: int, n: int, slack: float = 0.02) -> list[float]:
    clock = FakeClock()
    bucket = TokenBucket(limit, burst=burst, slack=slack, clock=clock, sleep=clock.sleep)
    out = []
    for _ in range(n):
        bucket.acquire()
        out.append(clock.now)
    return out


def _max_in_window(times: list[float], window: float) -> int:
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


@pytest.mark.parametrize("burst", [1, 2, 5, 20])
def test_any_window_of_one_second_plus_slack_holds_at_most_the_limit(burst: int) -> None:
    times = _grants(20, burst, 200)
    assert _max_in_window(times, 1.02 - 1e-9) <= 20
    assert _max_in_window(times, 1.0) <= 20
    # the long-run rate is what the burst leaves of the limit: (limit - burst + 1) / (1 + slack)
    rate = (len(times) - burst) / (times[-1] - times[0])
    assert rate == pytest.approx((20 - burst + 1) / 1.02, rel=1e-6)


def test_a_plain_bucket_with_burst_two_would_overshoot() -> None:
    """Why the refill is derived from the limit: a naive 20/s bucket of capacity 2 lets 21 in."""
    clock = FakeClock()
    naive = TokenBucket(21, burst=2, slack=0.0, clock=clock, sleep=clock.sleep)  # refill 20/s, capacity 2
    assert naive.rate == 20
    times = []
    for _ in range(60):
        naive.acquire()
        times.append(clock.now)
    assert _max_in_window(times, 1.0 - 1e-6) == 21  # 2 at once, then 19 more within the second


def test_threads_share_the_bucket_and_wall_clock_seconds_stay_under_the_limit() -> None:
    bucket = TokenBucket(100)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(30):
            bucket.acquire()
            with lock:
                stamps.append(time.time())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(Counter(int(s) for s in stamps).values()) <= 100
    assert _max_in_window(sorted(stamps), 1.0) <= 100
    assert time.monotonic() - started >= (180 - 1) / 100 * 0.99


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)
    with pytest.raises(ValueError):
        TokenBucket(5, burst=6)
    assert "20" in repr(TokenBucket(20))


def test_a_limit_below_one_is_a_long_run_rate() -> None:
    times = _grants(0.5, 1, 10)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == pytest.approx([1.02 / 0.5] * 9)
    assert _max_in_window(times, 1.02) == 1


@pytest.mark.parametrize(("limit", "burst"), [(2.5, 1), (2.5, 2), (1.5, 1), (20.9, 5)])
def test_a_fractional_limit_never_lets_more_than_its_whole_part_into_a_second(limit: float, burst: int) -> None:
    times = _grants(limit, burst, 100)
    assert _max_in_window(times, 1.02 - 1e-9) <= int(limit)
    assert _max_in_window(times, 1.0) <= int(limit)


@pytest.mark.parametrize("limit", [0.0, -1.0, float("nan"), float("inf"), float("-inf")])
def test_a_limit_that_is_not_a_positive_number_is_refused(limit: float) -> None:
    with pytest.raises(ValueError, match="positive number"):
        TokenBucket(limit)


def test_burst_is_at_most_the_whole_part_of_the_limit_and_at_least_one() -> None:
    assert TokenBucket(0.2, burst=1).burst == 1
    assert TokenBucket(2.9, burst=2).burst == 2
    for limit, burst in ((0.5, 2), (2.9, 3), (5, 0)):
        with pytest.raises(ValueError, match="burst"):
            TokenBucket(limit, burst=burst)

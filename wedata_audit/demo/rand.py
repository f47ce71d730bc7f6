"""Small, fast random helpers shared by the corpus generators (seeded ``random.Random`` only)."""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

ALNUM = string.ascii_letters + string.digits
T = TypeVar("T")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]  # rng.choice, without its slow path


def randint(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))  # rng.randint, likewise


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def digits17(moment: datetime, rng: random.Random | None = None) -> str:
    millis = moment.microsecond // 1000 if rng is None else randint(rng, 0, 999)
    return f"{moment:%Y%m%d%H%M%S}{millis:03d}"

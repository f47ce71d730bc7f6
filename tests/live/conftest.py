"""Fixtures: a fake WeData API on a free loopback port, and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wedata_audit.demo import TEST_SECRET_ID, TEST_SECRET_KEY, FakeWeData, corpus
from wedata_audit.sources.api.client import RetryPolicy, WeDataClient
from wedata_audit.sources.api.credentials import from_keys

REGION = "ap-singapore"
FAST_RETRY = RetryPolicy(max_attempts=4, base=0.02, cap=0.1)

MakeClient = Callable[..., WeDataClient]


@pytest.fixture
def api() -> Iterator[FakeWeData]:
    """30 tasks, no rate limit, no faults (tests switch them on)."""
    with FakeWeData(corpus.generate(30, seed=7), rate_limit=0, hang_seconds=3.0) as server:
        yield server


@pytest.fixture
def make_client(api: FakeWeData) -> Iterator[MakeClient]:
    clients: list[WeDataClient] = []

    def make(*, secret_id: str = TEST_SECRET_ID, secret_key: str = TEST_SECRET_KEY, token: str | None = None,
             server: FakeWeData | None = None, **options: Any) -> WeDataClient:
        options.setdefault("timeout", 1.0)
        options.setdefault("rate", 200.0)
        options.setdefault("retry", FAST_RETRY)
        client = WeDataClient(from_keys(secret_id, secret_key, token), REGION,
                              endpoint=(server or api).endpoint, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The CLI as a user runs it: test credentials in the environment, no profile, no region, in tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", TEST_SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.delenv("TENCENTCLOUD_TOKEN", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_REGION", raising=False)
    monkeypatch.chdir(tmp_path)

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def example_data(name: str = "latest-version-v4.response.json") -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())["Response"]["Data"]


@pytest.fixture
def data() -> dict[str, Any]:
    """A fresh copy of the documentation's latest-version example (Data only)."""
    return example_data()

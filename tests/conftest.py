from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# In CI the property tests replay the same examples every run (a red CI must mean a regression, not an
# unlucky draw); on a developer's machine they explore new examples each run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def example_data(name: str = "latest-version-v4.response.json") -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())["Response"]["Data"]


@pytest.fixture
def data() -> dict[str, Any]:
    """A fresh copy of the documentation's latest-version example (Data only)."""
    return example_data()

"""The fake WeData API (version 2025-08-06) on loopback, and the generated corpus it serves.

Used by ``wedata-audit demo``, the live tests and the benchmarks. Run it alone with
``python -m wedata_audit.demo --port 8080 --tasks 200``.
"""

from __future__ import annotations

from wedata_audit.demo.server import (
    FAULT_KINDS,
    TEST_SECRET_ID,
    TEST_SECRET_KEY,
    TRANSIENT_FAULTS,
    FakeWeData,
    Stats,
    tc3_signature,
)

__all__ = ["FAULT_KINDS", "TEST_SECRET_ID", "TEST_SECRET_KEY", "TRANSIENT_FAULTS", "FakeWeData", "Stats",
           "tc3_signature"]

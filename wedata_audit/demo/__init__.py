"""The fake WeData API (version 2025-08-06) on loopback, and the generated corpus it serves.

Used by ``wedata-audit demo``, the live tests and the benchmarks. Run it alone with
``python -m wedata_audit.demo --port 8080 --tasks 200``.

Modules: ``server`` (HTTP, rate limit, faults, :class:`FakeWeData`), ``auth`` (envelope and TC3 signature
checks), ``protocol`` (answers, paging), ``api`` (the actions), ``store`` (:class:`Corpus`, what is served),
``history`` (version histories), ``build`` (the generated corpus), ``corpus`` and ``taskcode`` (generated
version records), ``context`` (workflows, members), ``scenarios`` (tasks with fixed ids, one per case).
"""

from __future__ import annotations

from wedata_audit.demo.auth import TEST_SECRET_ID, TEST_SECRET_KEY, tc3_signature
from wedata_audit.demo.build import build_corpus
from wedata_audit.demo.server import FAULT_KINDS, TRANSIENT_FAULTS, FakeWeData, Stats
from wedata_audit.demo.store import Corpus

__all__ = ["FAULT_KINDS", "TEST_SECRET_ID", "TEST_SECRET_KEY", "TRANSIENT_FAULTS", "Corpus", "FakeWeData", "Stats",
           "build_corpus", "tc3_signature"]

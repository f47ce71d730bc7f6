"""A fake WeData API (version 2025-08-06) on loopback, for tests, benchmarks and demos.

It serves the actions of :mod:`wedata_audit.demo.api` from a :class:`~wedata_audit.demo.store.Corpus`,
verifies TC3-HMAC-SHA256 signatures with its own code, enforces a per-wall-clock-second rate limit, and
injects latency and faults on demand, for every action alike::

    with FakeWeData(tasks=50, scenarios=True, rate_limit=20) as api:
        api.inject("http_502", "connection_reset")    # the next two responses
        api.set_faults(0.1)                           # then 10% of responses, seeded
        ... api.endpoint ... api.stats().by_action ...
        api.submit_new_version(task_id, {"ext:enableKerberosLogin": "false"})

Run it by hand: ``python -m wedata_audit.demo --port 8080 --tasks 200``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wedata_audit.demo import corpus as corpus_mod
from wedata_audit.demo.api import ALLOWED_PARAMS, Actions
from wedata_audit.demo.auth import TEST_SECRET_ID, TEST_SECRET_KEY, authenticate, check_envelope, tc3_signature
from wedata_audit.demo.build import build_corpus
from wedata_audit.demo.history import Changes
from wedata_audit.demo.protocol import ApiFailure, Reply, dumps, error_reply, fault_reply
from wedata_audit.demo.store import Corpus

log = logging.getLogger(__name__)

__all__ = ["FAULT_KINDS", "TEST_SECRET_ID", "TEST_SECRET_KEY", "TRANSIENT_FAULTS", "FakeWeData", "Stats",
           "tc3_signature"]

# faults a client should recover from by retrying, then the ones it should report per task or stop on
TRANSIENT_FAULTS = ("http_500", "http_502", "connection_reset", "malformed_json", "html_200", "hang",
                    "internal_error")
FAULT_KINDS = (*TRANSIENT_FAULTS, "data_missing", "data_null", "request_id_missing", "unauthorized")
_TRANSPORT_FAULTS = ("http_500", "http_502", "connection_reset", "malformed_json", "html_200", "hang")


@dataclass
class Stats:
    """What the server has seen; :meth:`FakeWeData.stats` returns a copy."""

    total: int = 0
    connections: int = 0
    actions: Counter[str] = field(default_factory=Counter)     # every request by X-TC-Action ("?" if none)
    outcomes: Counter[str] = field(default_factory=Counter)    # "Success", an error code, or a fault kind
    http_status: Counter[int] = field(default_factory=Counter)
    per_second: Counter[int] = field(default_factory=Counter)  # requests by int(time.time()) on arrival
    outcomes_by_action: dict[str, Counter[str]] = field(default_factory=dict)
    versions_served: Counter[str] = field(default_factory=Counter)  # VersionId -> successful GetTriggerTaskVersion

    @property
    def max_per_second(self) -> int:
        return max(self.per_second.values(), default=0)

    @property
    def by_action(self) -> Counter[str]:
        """Requests per action, whatever their outcome (rate-limited and faulted ones included)."""
        return self.actions

    def successes(self, action: str) -> int:
        return self.outcomes_by_action.get(action, Counter())["Success"]

    def copy(self) -> Stats:
        return Stats(self.total, self.connections, Counter(self.actions), Counter(self.outcomes),
                     Counter(self.http_status), Counter(self.per_second),
                     {a: Counter(c) for a, c in self.outcomes_by_action.items()}, Counter(self.versions_served))


class FakeWeData:
    """The fake API server; a context manager that listens on ``127.0.0.1:<port>`` (0 picks a free port).

    What it serves: ``data`` (TriggerTaskVersionDetail dicts, served exactly as given, see
    :meth:`Corpus.from_details`), or a ready :class:`Corpus`, or else ``build_corpus(tasks, seed, project_id,
    scenarios=scenarios)``: generated tasks with version histories, plus the scenario tasks of
    :mod:`wedata_audit.demo.scenarios` when ``scenarios`` is true.
    """

    def __init__(self, data: Iterable[dict[str, Any]] | Corpus | None = None, *, tasks: int = 100, seed: int = 0,
                 project_id: str = corpus_mod.DEFAULT_PROJECT_ID, scenarios: bool = False,
                 keys: Mapping[str, str] | None = None, tokens: Mapping[str, str] | None = None,
                 rate_limit: int = 20, latency: float = 0.0, fault_rate: float = 0.0,
                 fault_kinds: Sequence[str] = TRANSIENT_FAULTS, hang_seconds: float = 5.0, port: int = 0) -> None:
        if isinstance(data, Corpus):
            self.corpus = data
        elif data is not None:
            self.corpus = Corpus.from_details(data, project_id=project_id, seed=seed)
        else:
            self.corpus = build_corpus(tasks, seed, project_id, scenarios=scenarios)
        self.project_id = self.corpus.project_id
        self.keys = dict(keys) if keys is not None else {TEST_SECRET_ID: TEST_SECRET_KEY}
        self.tokens = dict(tokens or {})
        self.rate_limit = rate_limit
        self.latency = latency
        self.hang_seconds = hang_seconds
        self._actions = Actions(self.corpus)
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._queued: list[tuple[str, str | None]] = []
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self._fault_actions: frozenset[str] | None = None
        self.set_faults(fault_rate, fault_kinds)
        self._stats = Stats()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.app = self
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def task_ids(self) -> list[str]:
        with self.corpus.lock:
            return sorted(self.corpus.tasks)

    def start(self) -> FakeWeData:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"fakeapi-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes up hanging handlers
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeWeData:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ changing the corpus between runs

    def submit_new_version(self, task_id: str, changes: Changes | None = None, **options: Any) -> str:
        """See :meth:`Corpus.submit_new_version`; returns the new VersionId."""
        return self.corpus.submit_new_version(task_id, changes, **options)

    def set_approval(self, task_id: str, version_id: str, status: str | None, approver: str | None = None) -> None:
        self.corpus.set_approval(task_id, version_id, status, approver)

    def release(self, task_id: str, version_id: str | None) -> None:
        self.corpus.release(task_id, version_id)

    # ------------------------------------------------------------ faults and stats

    def set_faults(self, rate: float, kinds: Sequence[str] = TRANSIENT_FAULTS,
                   actions: Iterable[str] | None = None) -> None:
        """From now on, answer ``rate`` (0..1) of the requests (of ``actions``; None: all) with a fault
        drawn from ``kinds``."""
        _check_kinds(kinds)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be within 0..1")
        chosen = None if actions is None else frozenset(_check_actions(actions))
        with self._lock:
            self._fault_rate, self._fault_kinds, self._fault_actions = rate, tuple(kinds), chosen

    def inject(self, *kinds: str, action: str | None = None) -> None:
        """Answer the next ``len(kinds)`` requests (of ``action``; None: any) that pass the rate limit with
        these faults, in order."""
        _check_kinds(kinds)
        if action is not None:
            _check_actions([action])
        with self._lock:
            self._queued.extend((kind, action) for kind in kinds)

    def clear_faults(self) -> None:
        with self._lock:
            self._queued.clear()
            self._fault_rate = 0.0

    def stats(self) -> Stats:
        with self._lock:
            return self._stats.copy()

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = Stats()

    # ------------------------------------------------------------ one request

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        action = headers.get("X-TC-Action") or ""
        now = time.time()
        with self._lock:
            self._stats.total += 1
            self._stats.actions[action or "?"] += 1
            self._stats.per_second[int(now)] += 1
            limited = 0 < self.rate_limit < self._stats.per_second[int(now)]
            fault = None if limited else self._pick_fault(action)
        if self.latency > 0:
            time.sleep(self.latency)
        request_id = str(uuid.uuid4())
        if limited:
            self._record(action, "RequestLimitExceeded")
            reply = error_reply("RequestLimitExceeded", "Your request rate exceeds the limit of "
                                f"{self.rate_limit} per second.", request_id)
        elif fault in _TRANSPORT_FAULTS:
            self._record(action, fault)
            reply = fault_reply(fault, request_id)
        else:
            reply = self._api(action, method, path, headers, body, request_id, fault)
        with self._lock:
            self._stats.http_status[reply.status] += 1
        return reply

    def count_connection(self) -> None:
        with self._lock:
            self._stats.connections += 1

    def hang(self) -> None:
        """Hold a request for ``hang_seconds`` (or until the server stops)."""
        self._stopping.wait(self.hang_seconds)

    def _pick_fault(self, action: str) -> str | None:  # called with the lock held
        for i, (kind, only) in enumerate(self._queued):
            if only is None or only == action:
                del self._queued[i]
                return kind
        if self._fault_actions is not None and action not in self._fault_actions:
            return None
        if self._fault_rate and self._rng.random() < self._fault_rate:
            return self._rng.choice(self._fault_kinds)
        return None

    def _record(self, action: str, outcome: str, version_id: Any = None) -> None:
        with self._lock:
            self._stats.outcomes[outcome] += 1
            self._stats.outcomes_by_action.setdefault(action or "?", Counter())[outcome] += 1
            if isinstance(version_id, str):
                self._stats.versions_served[version_id] += 1

    def _api(self, header_action: str, method: str, path: str, headers: Mapping[str, str], body: bytes,
             request_id: str, fault: str | None) -> Reply:
        try:
            action = check_envelope(headers, ALLOWED_PARAMS)
            authenticate(method, path, headers, body, self.keys, self.tokens)
            if fault == "internal_error":
                raise ApiFailure("InternalError", "An internal error occurred, please retry later.")
            if fault == "unauthorized":
                raise ApiFailure("UnauthorizedOperation.UserNotInProject", "The user is not in the project.")
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                raise ApiFailure("InvalidParameter", "The request body is not valid JSON.") from None
            if not isinstance(params, dict):
                raise ApiFailure("InvalidParameter", "The request body must be a JSON object.")
            data = self._actions.run(action, params)
        except ApiFailure as exc:
            self._record(header_action, fault if fault in ("internal_error", "unauthorized") else exc.code)
            return error_reply(exc.code, exc.message, request_id)
        response: dict[str, Any] = {"Data": data, "RequestId": request_id}
        if fault == "data_missing":
            del response["Data"]
        elif fault == "data_null":
            response["Data"] = None
        elif fault == "request_id_missing":
            del response["RequestId"]
        served = data.get("VersionId") if action == "GetTriggerTaskVersion" and "Data" in response \
            and response["Data"] is not None else None
        self._record(action, fault or "Success", served)
        return Reply(200, dumps({"Response": response}), fault=fault)


def _check_kinds(kinds: Iterable[str]) -> None:
    unknown = set(kinds) - set(FAULT_KINDS)
    if unknown:
        raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {', '.join(FAULT_KINDS)}")


def _check_actions(actions: Iterable[str]) -> list[str]:
    chosen = list(actions)
    unknown = set(chosen) - set(ALLOWED_PARAMS)
    if unknown:
        raise ValueError(f"unknown actions {sorted(unknown)}; choose from {', '.join(ALLOWED_PARAMS)}")
    return chosen


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    app: FakeWeData

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        self.app.count_connection()
        return conn, address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out as two writes: without this, Nagle + delayed ACK add ~40 ms per answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:
        app = self.server.app
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        # the message object looks headers up case-insensitively, as HTTP wants
        reply = app.handle(self.command, self.path, self.headers, body)  # type: ignore[arg-type]
        if reply.fault == "hang":
            app.hang()
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        if reply.fault == "connection_reset":
            self.send_header("Content-Length", str(len(reply.body) * 2))
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
            # SO_LINGER 0: close() sends a TCP reset instead of a clean end of stream
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fakeapi %s " + format, self.address_string(), *args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wedata_audit.demo",
                                     description="A fake WeData API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port (default 8080)")
    parser.add_argument("--tasks", type=int, default=100, help="generated tasks (default 100)")
    parser.add_argument("--no-scenarios", action="store_true", help="leave out the scenario tasks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--project-id", default=corpus_mod.DEFAULT_PROJECT_ID)
    parser.add_argument("--rate-limit", type=int, default=20, help="requests/second, 0 = off")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of faulty answers")
    parser.add_argument("--fault-kinds", default=",".join(TRANSIENT_FAULTS), help="comma-separated")
    args = parser.parse_args(argv)
    api = FakeWeData(tasks=args.tasks, seed=args.seed, project_id=args.project_id, scenarios=not args.no_scenarios,
                     rate_limit=args.rate_limit, latency=args.latency, fault_rate=args.fault_rate, port=args.port,
                     fault_kinds=[k for k in args.fault_kinds.split(",") if k])
    with api:
        print(f"fake WeData API on {api.endpoint} (project {api.project_id}, {len(api.task_ids)} tasks)")
        print(f"  TENCENTCLOUD_SECRET_ID={TEST_SECRET_ID} TENCENTCLOUD_SECRET_KEY={TEST_SECRET_KEY}")
        print("  region ap-singapore; Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0

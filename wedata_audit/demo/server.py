"""A fake WeData API (version 2025-08-06) on loopback, for tests, benchmarks and demos.

It serves GetTriggerTaskVersion, ListTriggerTasks and ListTriggerTaskVersions from a corpus of
TriggerTaskVersionDetail dicts, verifies TC3-HMAC-SHA256 signatures with its own code, enforces a
per-wall-clock-second rate limit, and injects latency and faults on demand::

    with FakeWeData(corpus.generate(50), rate_limit=20) as api:
        api.inject("http_502", "connection_reset")    # the next two responses
        api.set_faults(0.1)                           # then 10% of responses, seeded
        ... api.endpoint ... api.stats().outcomes ...

Run it by hand: ``python -m wedata_audit.demo --port 8080 --tasks 200``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import math
import random
import re
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wedata_audit.demo import corpus as corpus_mod

log = logging.getLogger(__name__)

API_VERSION = "2025-08-06"
SERVICE = "wedata"
TEST_SECRET_ID = "AKIDfakeWeDataAuditTestSecretId0000"
TEST_SECRET_KEY = "fakeWeDataAuditTestSecretKey0000"
MAX_CLOCK_SKEW = 300
SUPPORTED_REGIONS = frozenset({"ap-hongkong", "ap-jakarta", "ap-singapore", "eu-frankfurt", "na-ashburn",
                               "na-siliconvalley"})
# faults a client should recover from by retrying, then the ones it should report per task or stop on
TRANSIENT_FAULTS = ("http_500", "http_502", "connection_reset", "malformed_json", "html_200", "hang",
                    "internal_error")
FAULT_KINDS = (*TRANSIENT_FAULTS, "data_missing", "data_null", "request_id_missing", "unauthorized")

_AUTH = re.compile(r"TC3-HMAC-SHA256 Credential=(?P<id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})"
                   r"/(?P<service>[^/\s]+)/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
                   r"Signature=(?P<sig>[0-9a-f]{64})")
_HTML_ERROR = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
               b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>stgw</center>\r\n"
               b"</body>\r\n</html>\r\n")
_ALLOWED_PARAMS = {
    "GetTriggerTaskVersion": {"ProjectId", "TaskId", "VersionId"},
    "ListTriggerTasks": {"ProjectId", "PageNumber", "PageSize", "TaskName", "WorkflowId", "OwnerUin",
                         "TaskTypeId", "Status", "Submit", "BundleId", "CreateUserUin", "ModifyTime",
                         "CreateTime", "TaskFolderPathList", "WorkflowFolderPathList", "TaskNodeTypeList"},
    "ListTriggerTaskVersions": {"ProjectId", "TaskId", "TaskVersionType", "PageNumber", "PageSize"},
}


class ApiFailure(Exception):
    """An API error answer: ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Stats:
    """What the server has seen; :meth:`FakeWeData.stats` returns a copy."""

    total: int = 0
    connections: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)   # "Success", an error code, or a fault kind
    http_status: Counter[int] = field(default_factory=Counter)
    per_second: Counter[int] = field(default_factory=Counter)  # requests by int(time.time()) on arrival

    @property
    def max_per_second(self) -> int:
        return max(self.per_second.values(), default=0)

    def copy(self) -> Stats:
        return Stats(self.total, self.connections, Counter(self.actions), Counter(self.outcomes),
                     Counter(self.http_status), Counter(self.per_second))


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    fault: str | None = None


class FakeWeData:
    """The fake API server; a context manager that listens on ``127.0.0.1:<port>`` (0 picks a free port)."""

    def __init__(self, data: Iterable[dict[str, Any]] | None = None, *, tasks: int = 100, seed: int = 0,
                 project_id: str = corpus_mod.DEFAULT_PROJECT_ID, keys: Mapping[str, str] | None = None,
                 tokens: Mapping[str, str] | None = None, rate_limit: int = 20, latency: float = 0.0,
                 fault_rate: float = 0.0, fault_kinds: Sequence[str] = TRANSIENT_FAULTS,
                 hang_seconds: float = 5.0, port: int = 0) -> None:
        versions = list(data) if data is not None else corpus_mod.generate(tasks, seed, project_id)
        self.project_id = project_id
        self.keys = dict(keys) if keys is not None else {TEST_SECRET_ID: TEST_SECRET_KEY}
        self.tokens = dict(tokens or {})
        self.rate_limit = rate_limit
        self.latency = latency
        self.hang_seconds = hang_seconds
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._queued: list[str] = []
        self._fault_rate = 0.0
        self._fault_kinds: tuple[str, ...] = ()
        self.set_faults(fault_rate, fault_kinds)
        self._stats = Stats()
        self._stopping = threading.Event()
        self._by_task: dict[str, list[dict[str, Any]]] = {}
        for version in versions:
            self._by_task.setdefault(_base(version)["TaskId"], []).append(version)
        for history in self._by_task.values():
            history.sort(key=lambda v: str(v.get("VersionId") or ""), reverse=True)  # newest first
        self._latest = [self._by_task[t][0] for t in sorted(self._by_task)]
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.app = self
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle and knobs

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def task_ids(self) -> list[str]:
        return sorted(self._by_task)

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

    def set_faults(self, rate: float, kinds: Sequence[str] = TRANSIENT_FAULTS) -> None:
        """From now on, answer ``rate`` (0..1) of the requests with a fault drawn from ``kinds``."""
        _check_kinds(kinds)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be within 0..1")
        with self._lock:
            self._fault_rate, self._fault_kinds = rate, tuple(kinds)

    def inject(self, *kinds: str) -> None:
        """Answer the next ``len(kinds)`` requests (that pass the rate limit) with these faults, in order."""
        _check_kinds(kinds)
        with self._lock:
            self._queued.extend(kinds)

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
            fault = None if limited else self._pick_fault()
        if self.latency > 0:
            time.sleep(self.latency)
        request_id = str(uuid.uuid4())
        if limited:
            self._record("RequestLimitExceeded")
            reply = _error("RequestLimitExceeded", "Your request rate exceeds the limit of "
                           f"{self.rate_limit} per second.", request_id)
        elif fault in ("http_500", "http_502", "connection_reset", "malformed_json", "html_200", "hang"):
            self._record(fault)
            reply = _fault_reply(fault, request_id)
        else:
            reply = self._api(method, path, headers, body, request_id, fault)
        with self._lock:
            self._stats.http_status[reply.status] += 1
        return reply

    def count_connection(self) -> None:
        with self._lock:
            self._stats.connections += 1

    def hang(self) -> None:
        """Hold a request for ``hang_seconds`` (or until the server stops)."""
        self._stopping.wait(self.hang_seconds)

    def _pick_fault(self) -> str | None:  # called with the lock held
        if self._queued:
            return self._queued.pop(0)
        if self._fault_rate and self._rng.random() < self._fault_rate:
            return self._rng.choice(self._fault_kinds)
        return None

    def _record(self, outcome: str) -> None:
        with self._lock:
            self._stats.outcomes[outcome] += 1

    def _api(self, method: str, path: str, headers: Mapping[str, str], body: bytes, request_id: str,
             fault: str | None) -> Reply:
        try:
            action = self._check_envelope(headers)
            self._authenticate(method, path, headers, body)
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
            unknown = sorted(set(params) - _ALLOWED_PARAMS[action])
            if unknown:
                raise ApiFailure("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
            data = getattr(self, f"_{action}")(params)
        except ApiFailure as exc:
            self._record(fault if fault in ("internal_error", "unauthorized") else exc.code)
            return _error(exc.code, exc.message, request_id)
        response: dict[str, Any] = {"Data": data, "RequestId": request_id}
        if fault == "data_missing":
            del response["Data"]
        elif fault == "data_null":
            response["Data"] = None
        elif fault == "request_id_missing":
            del response["RequestId"]
        self._record(fault or "Success")
        return Reply(200, _dumps({"Response": response}), fault=fault)

    def _check_envelope(self, headers: Mapping[str, str]) -> str:
        action, version, region = (headers.get(h) for h in ("X-TC-Action", "X-TC-Version", "X-TC-Region"))
        if not action:
            raise ApiFailure("MissingParameter", "The request is missing the X-TC-Action header.")
        if action not in _ALLOWED_PARAMS:
            raise ApiFailure("InvalidAction", f"The action `{action}` does not exist.")
        if not version:
            raise ApiFailure("MissingParameter", "The request is missing the X-TC-Version header.")
        if version != API_VERSION:
            raise ApiFailure("NoSuchVersion", f"The version `{version}` of wedata does not exist.")
        if not region:
            raise ApiFailure("MissingParameter", "The request is missing the X-TC-Region header.")
        if region not in SUPPORTED_REGIONS:
            raise ApiFailure("UnsupportedRegion", f"The action does not support the region `{region}`.")
        return action

    def _authenticate(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> None:
        match = _AUTH.fullmatch(headers.get("Authorization") or "")
        if match is None:
            raise ApiFailure("AuthFailure.InvalidAuthorization", "The Authorization header is malformed.")
        stamp = headers.get("X-TC-Timestamp") or ""
        if not stamp.isdigit():
            raise ApiFailure("MissingParameter", "The request is missing a valid X-TC-Timestamp header.")
        if abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW:
            raise ApiFailure("AuthFailure.SignatureExpire", "The signature has expired: the request "
                             "timestamp is more than 5 minutes off the server time.")
        secret_key = self.keys.get(match["id"])
        if secret_key is None:
            raise ApiFailure("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        if match["id"] in self.tokens and headers.get("X-TC-Token") != self.tokens[match["id"]]:
            raise ApiFailure("AuthFailure.TokenFailure", "The token is invalid.")
        signed = match["signed"].split(";")
        date = datetime.fromtimestamp(int(stamp), timezone.utc).strftime("%Y-%m-%d")
        if {"content-type", "host"} - set(signed) or match["service"] != SERVICE or match["date"] != date:
            raise ApiFailure("AuthFailure.SignatureFailure", "The credential scope is not valid.")
        expected = tc3_signature(secret_key, method, path, headers, signed, body, stamp, date, SERVICE)
        if not hmac.compare_digest(expected, match["sig"]):
            raise ApiFailure("AuthFailure.SignatureFailure", "The provided credentials could not be "
                             "validated. Please check your signature is correct.")

    # ------------------------------------------------------------ actions

    def _project(self, params: Mapping[str, Any]) -> None:
        project = _string(params, "ProjectId", required=True)
        if project != self.project_id:
            raise ApiFailure("UnauthorizedOperation.UserNotInProject", "The user is not in the project.")

    def _history(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        self._project(params)
        task_id = _string(params, "TaskId", required=True)
        history = self._by_task.get(str(task_id))
        if history is None:
            raise ApiFailure("ResourceNotFound", f"The task `{task_id}` does not exist.")
        return history

    def _GetTriggerTaskVersion(self, params: Mapping[str, Any]) -> dict[str, Any]:
        history = self._history(params)
        version_id = _string(params, "VersionId")
        if not version_id:
            return history[0]
        for version in history:
            if version.get("VersionId") == version_id:
                return version
        raise ApiFailure("ResourceNotFound", f"The version `{version_id}` does not exist.")

    def _ListTriggerTasks(self, params: Mapping[str, Any]) -> dict[str, Any]:
        self._project(params)
        number, size = _paging(params)
        bases = [_base(v) for v in self._latest]
        for key in ("WorkflowId", "OwnerUin", "Status", "BundleId", "CreateUserUin"):
            wanted = _string(params, key)
            if wanted:
                bases = [b for b in bases if b.get(key) == wanted]
        name = _string(params, "TaskName")
        if name:
            bases = [b for b in bases if name.lower() in str(b.get("TaskName") or "").lower()]
        type_id = params.get("TaskTypeId")
        if type_id is not None:
            if not isinstance(type_id, int) or isinstance(type_id, bool):
                raise ApiFailure("InvalidParameter", "TaskTypeId must be an integer.")
            bases = [b for b in bases if b.get("TaskTypeId") == type_id]
        submit = params.get("Submit")
        if submit is not None:
            if not isinstance(submit, bool):
                raise ApiFailure("InvalidParameter", "Submit must be a boolean.")
            bases = [b for b in bases if b.get("Submit") is submit]
        folders = params.get("TaskFolderPathList")
        if folders:
            if not isinstance(folders, list) or not all(isinstance(f, str) for f in folders):
                raise ApiFailure("InvalidParameter", "TaskFolderPathList must be a list of strings.")
            bases = [b for b in bases if any(_under(str(b.get("TaskFolderPath") or ""), f) for f in folders)]
        return _page(bases, number, size)

    def _ListTriggerTaskVersions(self, params: Mapping[str, Any]) -> dict[str, Any]:
        history = self._history(params)
        kind = _string(params, "TaskVersionType") or "SAVE"
        if kind not in ("SAVE", "SUBMIT"):
            raise ApiFailure("InvalidParameterValue", "TaskVersionType must be SAVE or SUBMIT.")
        if kind == "SUBMIT":
            history = [v for v in history if _base(v).get("Submit")]
        keys = ("CreateTime", "VersionNum", "CreateUserUin", "VersionId", "VersionRemark", "ApproveStatus",
                "ApproveUserUin")
        items = [{**{k: v.get(k) for k in keys}, "Status": _base(v).get("Status")} for v in history]
        number, size = _paging(params)
        page = _page(items, number, size)
        page["PageCount"] = len(page["Items"])
        return page


# ---------------------------------------------------------------- signature (independent of the SDK)

def tc3_signature(secret_key: str, method: str, path: str, headers: Mapping[str, str], signed: Sequence[str],
                  body: bytes, timestamp: str, date: str, service: str) -> str:
    """The hex TC3-HMAC-SHA256 signature of a request as received, per the API 3.0 recipe."""
    uri, _, query = path.partition("?")
    canonical_headers = "".join(f"{name}:{(headers.get(name) or '').strip().lower()}\n" for name in signed)
    canonical = "\n".join([method.upper(), uri or "/", query, canonical_headers, ";".join(signed),
                           hashlib.sha256(body).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- helpers

def _base(version: Mapping[str, Any]) -> dict[str, Any]:
    base = (version.get("Task") or {}).get("TriggerTaskBaseAttribute")
    if not isinstance(base, dict) or not base.get("TaskId"):
        raise ValueError("every corpus entry needs Task.TriggerTaskBaseAttribute.TaskId")
    return base


def _check_kinds(kinds: Iterable[str]) -> None:
    unknown = set(kinds) - set(FAULT_KINDS)
    if unknown:
        raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {', '.join(FAULT_KINDS)}")


def _string(params: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise ApiFailure("MissingParameter", f"The request is missing a required parameter `{key}`.")
        return None
    if not isinstance(value, str):
        raise ApiFailure("InvalidParameter", f"The parameter `{key}` must be a string.")
    return value


def _paging(params: Mapping[str, Any]) -> tuple[int, int]:
    number, size = params.get("PageNumber", 1), params.get("PageSize", 10)
    for key, value in (("PageNumber", number), ("PageSize", size)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiFailure("InvalidParameter", f"The parameter `{key}` must be an integer.")
    if number < 1:
        raise ApiFailure("InvalidParameterValue", "PageNumber must be at least 1.")
    if not 10 <= size <= 200:
        raise ApiFailure("InvalidParameterValue", "PageSize must be between 10 and 200.")
    return number, size


def _page(items: list[Any], number: int, size: int) -> dict[str, Any]:
    return {"Items": items[(number - 1) * size: number * size], "PageNumber": number, "PageSize": size,
            "TotalCount": len(items), "TotalPageNumber": math.ceil(len(items) / size)}


def _under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder if folder == "/" else folder + "/")


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _error(code: str, message: str, request_id: str) -> Reply:
    error = {"Code": code, "Message": message}
    return Reply(200, _dumps({"Response": {"Error": error, "RequestId": request_id}}))


def _fault_reply(kind: str, request_id: str) -> Reply:
    if kind == "http_500":
        return Reply(500, b"Internal Server Error", "text/plain", kind)
    if kind == "http_502":
        return Reply(502, _HTML_ERROR, "text/html", kind)
    if kind == "html_200":
        page = _HTML_ERROR.replace(b"502 Bad Gateway", b"Service Temporarily Busy")
        return Reply(200, page, "text/html", kind)
    whole = _dumps({"Response": {"Data": {"VersionId": "x" * 64}, "RequestId": request_id}})
    return Reply(200, whole[: len(whole) // 2], fault=kind)  # malformed_json; connection_reset; hang


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
    parser.add_argument("--tasks", type=int, default=100, help="tasks in the generated corpus (default 100)")
    parser.add_argument("--versions", type=int, default=1, help="versions per task, newest served by default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--project-id", default=corpus_mod.DEFAULT_PROJECT_ID)
    parser.add_argument("--rate-limit", type=int, default=20, help="requests/second, 0 = off")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of faulty answers")
    parser.add_argument("--fault-kinds", default=",".join(TRANSIENT_FAULTS), help="comma-separated")
    args = parser.parse_args(argv)
    data = corpus_mod.generate(args.tasks, args.seed, args.project_id)
    if args.versions > 1:
        data += [old for d in data for old in corpus_mod.earlier_versions(d, args.versions - 1, args.seed)]
    api = FakeWeData(data, seed=args.seed, project_id=args.project_id, rate_limit=args.rate_limit,
                     latency=args.latency, fault_rate=args.fault_rate, port=args.port,
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


if __name__ == "__main__":
    raise SystemExit(main())

"""A small, thread-safe WeData API client: signed JSON POSTs over a pooled session, with retries.

``call(action, params)`` returns the ``Response`` object of a successful answer. Transient failures
(``RequestLimitExceeded*``, ``InternalError*``, network errors, timeouts, HTTP 5xx, bodies that are not an
API response) are retried with exponential backoff and full jitter, a bounded number of times, each
attempt taking a token from the shared rate limiter. ``AuthFailure*``, ``UnauthorizedOperation*`` and
the other run-wide refusals raise :class:`FatalApiError` (a ``FatalRemoteError``) at once; any other API
error raises :class:`ApiError`, which concerns that one request only.

Nothing here logs or raises the secret key or the Authorization header.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from wedata_audit import __version__
from wedata_audit.errors import FatalRemoteError
from wedata_audit.sources.api.credentials import Credentials
from wedata_audit.sources.api.ratelimit import TokenBucket
from wedata_audit.sources.api.signing import sign_headers
from wedata_audit.sources.files import parse_json

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://wedata.intl.tencentcloudapi.com"
API_VERSION = "2025-08-06"
SERVICE = "wedata"
RETRYABLE_CODES = ("RequestLimitExceeded", "InternalError")
FATAL_CODES = ("AuthFailure", "UnauthorizedOperation", "InvalidAction", "NoSuchVersion", "UnsupportedRegion")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class RemoteTaskError(Exception):
    """A request failed; the failure concerns that request (task) only."""

    def __init__(self, reason: str, *, code: str = "", request_id: str = "", attempts: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.request_id = request_id
        self.attempts = attempts


class ApiError(RemoteTaskError):
    """An API error code that retrying will not fix (ResourceNotFound, InvalidParameter*, ...)."""


class RetriesExhausted(RemoteTaskError):
    """Every attempt failed with a transient error."""


class FatalApiError(FatalRemoteError):
    """The API refused the caller as a whole (credentials, permission, action, version, region)."""

    def __init__(self, code: str, message: str, request_id: str = "") -> None:
        super().__init__(f"{code}: {message}" + (f" (RequestId {request_id})" if request_id else ""))
        self.code = code
        self.message = message
        self.request_id = request_id


class Cancelled(Exception):
    """The caller's stop event was set before the request could be sent."""


class _Transient(Exception):
    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class _PreSigned(requests.auth.AuthBase):
    """Keeps our Authorization header: without an auth object requests would apply ~/.netrc over it."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``max_attempts`` tries; before try n+1 sleep uniform(0, min(cap, base * 2**(n-1))) seconds."""

    max_attempts: int = 5
    base: float = 0.5
    cap: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.cap, self.base * 2 ** (attempt - 1)))


class WeDataClient:
    """One client per run, shared by all worker threads (the session pool and the rate limiter with it)."""

    def __init__(self, credentials: Credentials, region: str, *, endpoint: str = DEFAULT_ENDPOINT,
                 timeout: float = 10.0, rate: float = 20.0, limiter: TokenBucket | None = None,
                 retry: RetryPolicy | None = None, pool_size: int = 16, version: str = API_VERSION,
                 service: str = SERVICE) -> None:
        if not region:
            raise ValueError("a region is required (e.g. ap-singapore)")
        if not (math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"the timeout must be a positive number of seconds, not {timeout!r}")
        self.region = region
        self.endpoint, self.host = parse_endpoint(endpoint)
        self._url = self.endpoint + "/"
        self.timeout = timeout
        self.version = version
        self.service = service
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or TokenBucket(rate)
        self._credentials = credentials
        self._rng = random.Random()
        self._rng_lock = threading.Lock()
        self.requests: dict[str, int] = {}  # requests sent per action (every attempt), for the run metadata
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"wedata-audit/{__version__}"
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        hostname = (urlsplit(self.endpoint).hostname or "").lower()
        self._proxies: dict[str, str | None] = (
            {"http": None, "https": None} if hostname in _LOOPBACK else {})  # never proxy loopback

    def __repr__(self) -> str:
        return f"WeDataClient(endpoint={self.endpoint!r}, region={self.region!r}, {self.limiter!r})"

    def __enter__(self) -> WeDataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def call(self, action: str, params: Mapping[str, Any], *,
             stop: threading.Event | None = None) -> dict[str, Any]:
        """The ``Response`` object of a successful answer, after retrying transient failures."""
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        attempts = self.retry.max_attempts
        for attempt in range(1, attempts + 1):
            if stop is not None and stop.is_set():
                raise Cancelled(action)
            self.limiter.acquire()
            if stop is not None and stop.is_set():
                raise Cancelled(action)
            with self._rng_lock:
                self.requests[action] = self.requests.get(action, 0) + 1
            try:
                return self._attempt(action, body)
            except _Transient as exc:
                if attempt == attempts:
                    log.warning("%s failed after %d attempts: %s", action, attempts, exc.reason)
                    raise RetriesExhausted(f"gave up after {attempts} attempts: {exc.reason}", code=exc.code,
                                           attempts=attempts) from None
                with self._rng_lock:
                    delay = self.retry.delay(attempt, self._rng)
                log.info("%s attempt %d/%d failed (%s); retrying in %.2fs", action, attempt, attempts,
                         exc.reason, delay)
                if stop is not None:
                    if stop.wait(delay):
                        raise Cancelled(action) from None
                else:
                    time.sleep(delay)
        raise AssertionError("unreachable")

    def _attempt(self, action: str, body: bytes) -> dict[str, Any]:
        secret_id, secret_key, token = self._credentials.info()
        headers = sign_headers(secret_id=secret_id, secret_key=secret_key, token=token, service=self.service,
                               host=self.host, action=action, version=self.version, region=self.region,
                               body=body, timestamp=int(time.time()))
        started = time.monotonic()
        try:
            resp = self._session.post(self._url, data=body, headers=headers, timeout=self.timeout,
                                      auth=_PreSigned(), proxies=self._proxies,  # type: ignore[arg-type]
                                      allow_redirects=False)
        except requests.Timeout:
            raise _Transient(f"no answer within {self.timeout:g}s") from None
        except requests.RequestException as exc:
            raise _Transient(f"network error ({type(exc).__name__})") from None
        elapsed = time.monotonic() - started
        status = resp.status_code
        if status >= 500 or status in (408, 429):
            log.debug("%s -> HTTP %d in %.3fs", action, status, elapsed)
            raise _Transient(f"HTTP {status}")
        response, problem = _api_response(resp.content)
        if response is None:
            what = f"HTTP {status} with {problem} ({resp.headers.get('Content-Type', 'no content type')})"
            log.debug("%s -> %s, %d bytes in %.3fs", action, what, len(resp.content), elapsed)
            if status == 200:
                raise _Transient(what)
            raise ApiError(what)
        request_id = str(response.get("RequestId") or "")
        error = response.get("Error")
        log.debug("%s -> HTTP %d %s RequestId=%s in %.3fs", action, status,
                  _code(error) if error is not None else "ok", request_id or "-", elapsed)
        if error is None:
            return response
        code, message = _code(error), _message(error)
        if code.startswith(RETRYABLE_CODES):
            raise _Transient(f"{code}: {message}", code)
        if code.startswith(FATAL_CODES):
            raise FatalApiError(code, message, request_id)
        raise ApiError(f"{code}: {message}", code=code, request_id=request_id)


def parse_endpoint(endpoint: str) -> tuple[str, str]:
    """``(scheme://host, host)``; an endpoint without a scheme is https (``wedata.tencentcloudapi.com``).

    Raises ValueError for anything else: another scheme (``ftp://``), a path, a query, user information.
    """
    text = endpoint.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    try:
        port_ok = parts.port is None or parts.port > 0  # reading .port checks it is a number up to 65535
    except ValueError:
        port_ok = False
    if (parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or parts.path.strip("/")
            or parts.query or parts.fragment):
        raise ValueError(f"invalid endpoint {endpoint!r}: expected [http[s]://]host[:port] (only http and https)")
    if parts.username or parts.password:
        raise ValueError("the endpoint must not carry user information")
    host = parts.netloc.lower()
    return f"{parts.scheme}://{host}", host


def _api_response(content: bytes) -> tuple[dict[str, Any] | None, str]:
    """The ``Response`` object, or None and what is wrong with the body."""
    try:
        doc = parse_json(content.decode("utf-8"))  # as strict as the file reader: no NaN, bounded nesting
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, "a body that is not JSON (truncated or an error page)"
    response = doc.get("Response") if isinstance(doc, dict) else None
    if not isinstance(response, dict):
        return None, "JSON that is not an API response"
    return response, ""


def _code(error: Any) -> str:
    return str(error.get("Code") or "UnknownError") if isinstance(error, dict) else "UnknownError"


def _message(error: Any) -> str:
    return str(error.get("Message") or "") if isinstance(error, dict) else str(error)

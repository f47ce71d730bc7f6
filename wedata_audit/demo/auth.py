"""What the fake API checks before any action: the envelope headers and the TC3-HMAC-SHA256 signature,
verified with its own code (independent of the SDK that signs)."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timezone

from wedata_audit.demo.protocol import ApiFailure

API_VERSION = "2025-08-06"
SERVICE = "wedata"
TEST_SECRET_ID = "AKIDfakeWeDataAuditTestSecretId0000"
TEST_SECRET_KEY = "fakeWeDataAuditTestSecretKey0000"
MAX_CLOCK_SKEW = 300
SUPPORTED_REGIONS = frozenset({"ap-hongkong", "ap-jakarta", "ap-singapore", "eu-frankfurt", "na-ashburn",
                               "na-siliconvalley"})

_AUTH = re.compile(r"TC3-HMAC-SHA256 Credential=(?P<id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})"
                   r"/(?P<service>[^/\s]+)/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
                   r"Signature=(?P<sig>[0-9a-f]{64})")


def check_envelope(headers: Mapping[str, str], actions: Collection[str]) -> str:
    """The action named by a request whose X-TC-* headers are all right, else the API's error."""
    action, version, region = (headers.get(h) for h in ("X-TC-Action", "X-TC-Version", "X-TC-Region"))
    if not action:
        raise ApiFailure("MissingParameter", "The request is missing the X-TC-Action header.")
    if action not in actions:
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


def authenticate(method: str, path: str, headers: Mapping[str, str], body: bytes, keys: Mapping[str, str],
                 tokens: Mapping[str, str]) -> None:
    """Raise the API's AuthFailure.* error unless the request is signed with one of ``keys``."""
    match = _AUTH.fullmatch(headers.get("Authorization") or "")
    if match is None:
        raise ApiFailure("AuthFailure.InvalidAuthorization", "The Authorization header is malformed.")
    stamp = headers.get("X-TC-Timestamp") or ""
    if not stamp.isdigit():
        raise ApiFailure("MissingParameter", "The request is missing a valid X-TC-Timestamp header.")
    if abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW:
        raise ApiFailure("AuthFailure.SignatureExpire", "The signature has expired: the request "
                         "timestamp is more than 5 minutes off the server time.")
    secret_key = keys.get(match["id"])
    if secret_key is None:
        raise ApiFailure("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
    if match["id"] in tokens and headers.get("X-TC-Token") != tokens[match["id"]]:
        raise ApiFailure("AuthFailure.TokenFailure", "The token is invalid.")
    signed = match["signed"].split(";")
    date = datetime.fromtimestamp(int(stamp), timezone.utc).strftime("%Y-%m-%d")
    if {"content-type", "host"} - set(signed) or match["service"] != SERVICE or match["date"] != date:
        raise ApiFailure("AuthFailure.SignatureFailure", "The credential scope is not valid.")
    expected = tc3_signature(secret_key, method, path, headers, signed, body, stamp, date, SERVICE)
    if not hmac.compare_digest(expected, match["sig"]):
        raise ApiFailure("AuthFailure.SignatureFailure", "The provided credentials could not be "
                         "validated. Please check your signature is correct.")


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

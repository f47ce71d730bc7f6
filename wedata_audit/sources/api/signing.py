"""TC3-HMAC-SHA256 request signing for Tencent Cloud API 3.0.

The canonical request and the string to sign are built here, as the API documentation describes; the
HMAC key derivation and the signature come from the official SDK (``Sign.sign_tc3``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from tencentcloud.common.sign import Sign

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json"
SIGNED_HEADERS = "content-type;host"


def canonical_request(host: str, body: bytes, content_type: str = CONTENT_TYPE) -> str:
    """``POST``, ``/``, empty query, the signed headers (lower-cased, trimmed), their names, the body hash."""
    headers = f"content-type:{content_type.strip().lower()}\nhost:{host.strip().lower()}\n"
    return "\n".join(["POST", "/", "", headers, SIGNED_HEADERS, hashlib.sha256(body).hexdigest()])


def utc_date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


def string_to_sign(timestamp: int, service: str, canonical: str) -> str:
    scope = f"{utc_date(timestamp)}/{service}/tc3_request"
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def sign_headers(*, secret_id: str, secret_key: str, token: str | None, service: str, host: str, action: str,
                 version: str, region: str | None, body: bytes, timestamp: int) -> dict[str, str]:
    """Every header of a signed JSON ``POST /``: Host, Content-Type, X-TC-*, and Authorization."""
    date = utc_date(timestamp)
    signature = Sign.sign_tc3(secret_key, date, service,
                              string_to_sign(timestamp, service, canonical_request(host, body)))
    headers = {
        "Host": host,
        "Content-Type": CONTENT_TYPE,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp),
        "Authorization": f"{ALGORITHM} Credential={secret_id}/{date}/{service}/tc3_request, "
                         f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}",
    }
    if region:
        headers["X-TC-Region"] = region
    if token:
        headers["X-TC-Token"] = token
    return headers

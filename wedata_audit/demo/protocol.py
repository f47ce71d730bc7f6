"""The wire format of the fake API: error answers, fault answers, parameters and paging."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_HTML_ERROR = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
               b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>stgw</center>\r\n"
               b"</body>\r\n</html>\r\n")


class ApiFailure(Exception):
    """An API error answer: ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    fault: str | None = None


def dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_reply(code: str, message: str, request_id: str) -> Reply:
    error = {"Code": code, "Message": message}
    return Reply(200, dumps({"Response": {"Error": error, "RequestId": request_id}}))


def fault_reply(kind: str, request_id: str) -> Reply:
    if kind == "http_500":
        return Reply(500, b"Internal Server Error", "text/plain", kind)
    if kind == "http_502":
        return Reply(502, _HTML_ERROR, "text/html", kind)
    if kind == "html_200":
        page = _HTML_ERROR.replace(b"502 Bad Gateway", b"Service Temporarily Busy")
        return Reply(200, page, "text/html", kind)
    whole = dumps({"Response": {"Data": {"VersionId": "x" * 64}, "RequestId": request_id}})
    return Reply(200, whole[: len(whole) // 2], fault=kind)  # malformed_json; connection_reset; hang


def string_param(params: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise ApiFailure("MissingParameter", f"The request is missing a required parameter `{key}`.")
        return None
    if not isinstance(value, str):
        raise ApiFailure("InvalidParameter", f"The parameter `{key}` must be a string.")
    return value


def paging(params: Mapping[str, Any]) -> tuple[int, int]:
    number, size = params.get("PageNumber", 1), params.get("PageSize", 10)
    for key, value in (("PageNumber", number), ("PageSize", size)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiFailure("InvalidParameter", f"The parameter `{key}` must be an integer.")
    if number < 1:
        raise ApiFailure("InvalidParameterValue", "PageNumber must be at least 1.")
    if not 10 <= size <= 200:
        raise ApiFailure("InvalidParameterValue", "PageSize must be between 10 and 200.")
    return number, size


def page(items: list[Any], number: int, size: int) -> dict[str, Any]:
    return {"Items": items[(number - 1) * size: number * size], "PageNumber": number, "PageSize": size,
            "TotalCount": len(items), "TotalPageNumber": math.ceil(len(items) / size)}


def under(path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder if folder == "/" else folder + "/")

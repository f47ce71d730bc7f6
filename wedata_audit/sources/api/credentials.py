"""Find the Tencent Cloud credentials to call the API with, the way tccli and the SDK users already keep them.

Order: the environment (``TENCENTCLOUD_SECRET_ID`` / ``TENCENTCLOUD_SECRET_KEY`` / ``TENCENTCLOUD_TOKEN``);
then, when a profile name is given, the tccli profile ``~/.tccli/<name>.credential``; otherwise the SDK
profile file ``~/.tencentcloud/credentials`` (``[default]``); then a CVM role, only when asked for.
``~`` is ``$HOME``. The secret key never appears in a repr, a log line or an exception message.
"""

from __future__ import annotations

import configparser
import json
import os
from pathlib import Path
from typing import Any, Protocol

from tencentcloud.common import credential as sdk
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from wedata_audit.errors import ConfigError

ENV_ID, ENV_KEY, ENV_TOKEN, ENV_REGION = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY",
                                          "TENCENTCLOUD_TOKEN", "TENCENTCLOUD_REGION")


class _Provider(Protocol):
    def get_credential_info(self) -> tuple[str, str, str | None]: ...


class Credentials:
    """Resolved credentials. :meth:`info` is read on every request, so a CVM role refreshes itself."""

    __slots__ = ("_provider", "source")

    def __init__(self, provider: _Provider, source: str) -> None:
        self._provider = provider
        self.source = source

    def info(self) -> tuple[str, str, str | None]:
        """``(secret_id, secret_key, token)``; token is None for permanent keys."""
        secret_id, secret_key, token = self._provider.get_credential_info()
        if not secret_id or not secret_key:
            raise ConfigError(f"credentials from {self.source} are empty (a CVM role without a bound role?)")
        return secret_id, secret_key, token or None

    def __repr__(self) -> str:
        return f"Credentials(source={self.source!r})"


def from_keys(secret_id: str, secret_key: str, token: str | None = None, *,
              source: str = "arguments") -> Credentials:
    """Credentials from explicit values (tests, embedding)."""
    return Credentials(_sdk_credential(secret_id, secret_key, token, source), source)


def resolve_credentials(profile: str | None = None, *, cvm_role: bool = False,
                        role_name: str | None = None) -> Credentials:
    """The first credentials found, in the documented order; :class:`ConfigError` when there are none.

    A profile name that is given but missing is an error, not a reason to look further.
    """
    try:
        found = sdk.EnvironmentVariableCredential().get_credential()
    except TencentCloudSDKException as exc:  # its messages name the problem, never the value
        raise ConfigError(f"environment credentials: {exc.get_message()}") from None
    if found is not None:
        token = os.environ.get(ENV_TOKEN) or None  # the SDK's provider does not read the token
        return from_keys(found.secret_id, found.secret_key, token, source="environment")
    if profile:
        return _tccli_profile(profile)
    found = _sdk_profile()
    if found is not None:
        return Credentials(found, "~/.tencentcloud/credentials")
    if cvm_role:
        return Credentials(sdk.CVMRoleCredential(role_name), f"CVM role {role_name or '(instance default)'}")
    raise ConfigError(f"no Tencent Cloud credentials found: set {ENV_ID} and {ENV_KEY}, "
                      "pass a tccli profile, write ~/.tencentcloud/credentials, or ask for the CVM role")


def resolve_region(region: str | None = None, profile: str | None = None) -> str | None:
    """An explicit region, else ``TENCENTCLOUD_REGION``, else the region of the tccli profile, else None."""
    if region:
        return region
    if os.environ.get(ENV_REGION):
        return os.environ[ENV_REGION]
    configure = _home() / ".tccli" / f"{profile or 'default'}.configure"
    try:
        doc: Any = json.loads(configure.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sys_param = doc.get("_sys_param") if isinstance(doc, dict) else None
    value = sys_param.get("region") if isinstance(sys_param, dict) else None
    return value if isinstance(value, str) and value else None


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def _sdk_profile() -> sdk.Credential | None:
    """``~/.tencentcloud/credentials`` (or ``/etc/tencentcloud/credentials``) through the SDK's reader."""
    where = "~/.tencentcloud/credentials"
    try:
        return sdk.ProfileCredential().get_credential()
    except AttributeError:  # the SDK's reader trips over a file without a [default] section
        return None
    except configparser.Error as exc:
        raise ConfigError(f"{where} is not a valid ini file ({type(exc).__name__})") from None
    except TencentCloudSDKException as exc:
        raise ConfigError(f"{where}: {exc.get_message()}") from None


def _tccli_profile(name: str) -> Credentials:
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ConfigError(f"invalid tccli profile name {name!r}")
    path = _home() / ".tccli" / f"{name}.credential"
    where = f"~/.tccli/{name}.credential"
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"tccli profile {name!r} not found ({where})") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{where} is not readable JSON ({type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{where} must hold a JSON object")
    secret_id, secret_key, token = (doc.get(k) for k in ("secretId", "secretKey", "token"))
    if not isinstance(secret_id, str) or not isinstance(secret_key, str) or not secret_id or not secret_key:
        raise ConfigError(f"{where} has no secretId/secretKey")
    return from_keys(secret_id, secret_key, token if isinstance(token, str) and token else None, source=where)


def _sdk_credential(secret_id: str, secret_key: str, token: str | None, source: str) -> sdk.Credential:
    try:
        return sdk.Credential(secret_id, secret_key, token)
    except TencentCloudSDKException as exc:  # its messages name the problem, never the value
        raise ConfigError(f"{source}: {exc.get_message()}") from None

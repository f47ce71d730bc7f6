"""Credential resolution order, with a temporary HOME and environment; the key never leaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wedata_audit.errors import ConfigError
from wedata_audit.sources.api.credentials import (
    ENV_ID,
    ENV_KEY,
    ENV_REGION,
    ENV_TOKEN,
    resolve_credentials,
    resolve_region,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in (ENV_ID, ENV_KEY, ENV_TOKEN, ENV_REGION):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _ini(home: Path, secret_id: str = "AKIDini00000000000000", secret_key: str = "ini-key-value",
         section: str = "default") -> None:
    (home / ".tencentcloud").mkdir(exist_ok=True)
    (home / ".tencentcloud" / "credentials").write_text(
        f"[{section}]\nsecret_id = {secret_id}\nsecret_key = {secret_key}\n", encoding="utf-8")


def _tccli(home: Path, name: str, doc: object, region: str | None = None) -> None:
    (home / ".tccli").mkdir(exist_ok=True)
    (home / ".tccli" / f"{name}.credential").write_text(json.dumps(doc), encoding="utf-8")
    if region:
        configure = {"_sys_param": {"region": region, "output": "json"}}
        (home / ".tccli" / f"{name}.configure").write_text(json.dumps(configure), encoding="utf-8")


def test_nothing_found_is_a_config_error(home: Path) -> None:
    with pytest.raises(ConfigError, match="no Tencent Cloud credentials"):
        resolve_credentials()


def test_ini_file_under_home(home: Path) -> None:
    _ini(home)
    creds = resolve_credentials()
    assert creds.source == "~/.tencentcloud/credentials"
    assert creds.info() == ("AKIDini00000000000000", "ini-key-value", None)


def test_ini_without_default_section_is_not_used(home: Path) -> None:
    _ini(home, section="other")
    with pytest.raises(ConfigError, match="no Tencent Cloud credentials"):
        resolve_credentials()


def test_named_tccli_profile_wins_over_ini(home: Path) -> None:
    _ini(home)
    _tccli(home, "dev", {"secretId": "AKIDdev00000000000000", "secretKey": "dev-key", "token": "dev-token"})
    creds = resolve_credentials("dev")
    assert creds.source == "~/.tccli/dev.credential"
    assert creds.info() == ("AKIDdev00000000000000", "dev-key", "dev-token")
    assert resolve_credentials().source == "~/.tencentcloud/credentials"  # no profile named: the ini file


def test_missing_named_profile_is_an_error(home: Path) -> None:
    _ini(home)
    with pytest.raises(ConfigError, match="tccli profile 'prod' not found"):
        resolve_credentials("prod")
    with pytest.raises(ConfigError, match="invalid tccli profile name"):
        resolve_credentials("../etc/passwd")


def test_broken_profile_does_not_echo_its_content(home: Path) -> None:
    _tccli(home, "dev", {"secretId": "AKIDdev00000000000000", "secretKey": " leaky key with spaces "})
    with pytest.raises(ConfigError) as info:
        resolve_credentials("dev")
    assert "leaky" not in str(info.value)
    (home / ".tccli" / "dev.credential").write_text("{not json: leaky-secret", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        resolve_credentials("dev")
    assert "leaky" not in str(info.value)


def test_environment_wins_and_carries_the_token(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _ini(home)
    _tccli(home, "dev", {"secretId": "AKIDdev00000000000000", "secretKey": "dev-key"})
    monkeypatch.setenv(ENV_ID, "AKIDenv00000000000000")
    monkeypatch.setenv(ENV_KEY, "env-key-value")
    monkeypatch.setenv(ENV_TOKEN, "env-token")
    for profile in (None, "dev"):
        creds = resolve_credentials(profile)
        assert creds.source == "environment"
        assert creds.info() == ("AKIDenv00000000000000", "env-key-value", "env-token")
        assert "env-key-value" not in repr(creds) and "env-key-value" not in str(creds)


def test_half_set_environment_falls_through(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _ini(home)
    monkeypatch.setenv(ENV_ID, "AKIDenv00000000000000")
    assert resolve_credentials().source == "~/.tencentcloud/credentials"


def test_cvm_role_only_when_asked(home: Path) -> None:
    with pytest.raises(ConfigError):
        resolve_credentials()
    creds = resolve_credentials(cvm_role=True, role_name="auditor")  # resolving does not touch the network
    assert creds.source == "CVM role auditor"


def test_region_resolution(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_region() is None
    _tccli(home, "default", {"secretId": "x", "secretKey": "y"}, region="ap-jakarta")
    _tccli(home, "dev", {"secretId": "x", "secretKey": "y"}, region="eu-frankfurt")
    assert resolve_region() == "ap-jakarta"
    assert resolve_region(profile="dev") == "eu-frankfurt"
    monkeypatch.setenv(ENV_REGION, "na-ashburn")
    assert resolve_region(profile="dev") == "na-ashburn"
    assert resolve_region("ap-hongkong", profile="dev") == "ap-hongkong"

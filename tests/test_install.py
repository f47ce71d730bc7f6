"""The package as a user gets it: a non-editable install, run as a console script from another folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(ROOT)], check=True, capture_output=True, text=True)
    return target


def test_console_script_finds_bundled_pack_and_schemas(installed: Path, tmp_path: Path) -> None:
    assert (installed / "wedata_audit" / "rules" / "kerberos-login.yaml").is_file()
    assert (installed / "wedata_audit" / "schemas" / "trigger-task-version.schema.json").is_file()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    script = installed / "bin" / "wedata-audit"
    proc = subprocess.run([sys.executable, str(script), "check", str(EXAMPLES), "--format", "json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["summary"]["tasks"] == 2 and len(report["ruleset"]["rules"]) > 15
    proc = subprocess.run([sys.executable, "-c", "import wedata_audit; print(wedata_audit.__file__)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert proc.stdout.startswith(str(installed))


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "wedata_audit", "rules", "list"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "no-secrets-in-code" in proc.stdout


def test_installed_package_carries_the_framework_catalogues(installed: Path, tmp_path: Path) -> None:
    assert (installed / "wedata_audit" / "frameworks" / "mlps2-l3.yaml").is_file()
    assert (installed / "wedata_audit" / "schemas" / "framework.schema.json").is_file()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    proc = subprocess.run([sys.executable, "-m", "wedata_audit", "frameworks", "list"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()[:3]] == ["iso27001-2022", "mlps2-l3", "soc2-2017"]

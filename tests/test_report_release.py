"""The release review in the summaries (HTML in headless Chromium, Markdown, terminal): tasks with regressions
first, then each task's change list; bounded; hostile values are inert text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.report_factory import sample_result
from tests.test_report_html import XSS_IMG, XSS_SCRIPT, console_problems, driver, open_report  # noqa: F401
from wedata_audit.model.results import AuditResult
from wedata_audit.reporters.formats.html import HtmlReporter
from wedata_audit.reporters.formats.markdown import MarkdownReporter
from wedata_audit.reporters.releases import ReleaseDigest


def release(regressions: list[str], changes: list[dict[str, Any]], production: bool = True) -> dict[str, Any]:
    return {"production": {"version_id": "v1", "version_num": "V1"} if production else None,
            "latest": {"version_id": "v2", "version_num": "V2"}, "regressions": regressions, "fixed": [],
            "changes": changes}


def release_result() -> AuditResult:
    result = sample_result(4, kinds=("passed",))
    hostile = [{"pointer": "/VersionRemark", "before": XSS_IMG, "after": XSS_SCRIPT}]
    kerberos = [{"pointer": "/Task/TriggerTaskConfiguration/TaskExtConfigurationList/enableKerberosLogin/ParamValue",
                 "before": "true", "after": "false"}]
    metas = [release([], hostile), release(["kerberos-login"], kerberos), release([], []),
             release([], [{"pointer": f"/p{i}", "before": i, "after": i + 1} for i in range(60)])]
    result.tasks = [replace(t, meta={**t.meta, "release": m}) for t, m in zip(result.tasks, metas, strict=True)]
    result.tasks[0] = replace(result.tasks[0], subject=replace(result.tasks[0].subject, task_name=XSS_IMG))
    return result


def test_digest_orders_regressions_first_and_is_bounded() -> None:
    digest = ReleaseDigest(limit=2)
    for task in release_result().tasks:
        digest.add(task)
    assert digest.reviewed == 4 and digest.with_regressions == 1 and digest.with_changes == 3
    entries = digest.entries()
    assert [bool(e.regressions) for e in entries] == [True, False] and digest.left_out == 1


def test_markdown_shows_regressions_first_and_escapes() -> None:
    text = MarkdownReporter().render(release_result())
    section = text[text.index("### Release review"):]
    assert section.index("**regression**") < section.index("**changed**")
    assert "<img" not in text and "<script" not in text
    assert "more change(s) in the HTML/JSON report" in section  # 60 changes: cut at 10


@pytest.mark.browser
def test_html_release_section_is_inert_and_ordered(driver: Any, tmp_path: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    open_report(driver, tmp_path / "report.html", release_result())
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    section = driver.find_element(By.ID, "release")
    summaries = [s.text for s in section.find_elements(By.CSS_SELECTOR, "details > summary")]
    assert summaries[0].startswith("Regression") and all(s.startswith("Changed") for s in summaries[1:])
    assert "enableKerberosLogin" in section.text
    section.find_elements(By.CSS_SELECTOR, "details > summary")[1].click()
    assert XSS_SCRIPT in section.text  # shown as text, not run
    assert not console_problems(driver)
    page = HtmlReporter().render(release_result())
    assert page.index('id="summary"') < page.index('id="release"') < page.index('id="rules"')

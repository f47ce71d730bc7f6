"""The HTML report.

Without a browser: escaping, the embedded JSON, self-containment, section order, counts and size.
In headless Chromium (``@pytest.mark.browser``): hostile names stay inert text, the filters work,
no console error, no network request, and a screenshot for humans in ``test-artifacts/report.png``.
The browser tests are skipped when Chromium or chromedriver is missing, except under ``CI`` where
they fail instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from tests.report_factory import HOSTILE, SECRET, sample_result
from wedata_audit.model.finding import Severity
from wedata_audit.model.results import AuditResult, TaskResult
from wedata_audit.reporters import registry
from wedata_audit.reporters.formats.html import HtmlReporter, build_payload

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
MAX_BYTES = 5 * 1024 * 1024
ALERT = "<script>alert(1)</script>"
XSS_IMG = '<img src=x onerror="window.__pwned=1">'
XSS_SCRIPT = "</script><script>window.__pwned=2</script>"
DATA_BLOCK = re.compile(r'<script type="application/json" id="audit-data">(.*?)</script>', re.S)
COMPLETE_KINDS = ("failed", "passed", "waived")


def render(result: AuditResult) -> str:
    return HtmlReporter().render(result)


def rename(task: TaskResult, name: str) -> TaskResult:
    return replace(task, subject=replace(task.subject, task_name=name))


def hostile_result() -> AuditResult:
    """Eight tasks of every kind with hostile text, two failed ones named to run script if injected."""
    result = sample_result(8, hostile=True)
    result.tasks[0] = rename(result.tasks[0], XSS_IMG)
    result.tasks[4] = rename(result.tasks[4], XSS_SCRIPT)
    return result


def big_result(hostile: bool) -> AuditResult:
    """10,000 failed tasks with four findings each (the factory's first four), 25 rules."""
    result = sample_result(10_000, 25, kinds=("failed",), hostile=hostile)
    result.tasks = [replace(t, findings=t.findings[:4]) for t in result.tasks]
    return result


def well_formed(text: str) -> str:
    """Lone surrogates cannot be written as UTF-8: reports show U+FFFD instead."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


def data_block(page: str) -> str:
    match = DATA_BLOCK.search(page)
    assert match, "no embedded data block"
    return match.group(1)


def pooled(payload: dict[str, Any], cell: Any) -> str | None:
    """A text cell of the payload: a literal, an index into ``strings``, or null."""
    return payload["strings"][cell] if isinstance(cell, int) else cell


def task_names(payload: dict[str, Any]) -> list[str | None]:
    column = payload["taskFields"].index("task_name")
    return [pooled(payload, row[column]) if len(row) > column else "" for row in payload["tasks"]]


# --------------------------------------------------------------------------- without a browser


def test_registered_as_html() -> None:
    assert registry()["html"] is HtmlReporter
    assert HtmlReporter.default_filename == "report.html"


def unknown_rule_result() -> AuditResult:
    """A finding of a rule that is not in the ruleset (e.g. from an older baseline)."""
    result = sample_result(1, kinds=("failed",), hostile=False)
    task = result.tasks[0]
    stray = replace(task.findings[0], rule_id="OLD-001", title="Retired rule")
    result.tasks[0] = replace(task, findings=(*task.findings, stray))
    return result


@pytest.mark.parametrize(
    "result",
    [sample_result(0), sample_result(3, versions=2), sample_result(5, fail_on=Severity.INFO), unknown_rule_result()],
    ids=["empty", "versions", "fail-on-info", "unknown-rule"],
)
def test_renders_edge_cases(result: AuditResult) -> None:
    page = render(result)
    payload = json.loads(data_block(page))
    assert len(payload["tasks"]) == len(result.tasks)
    assert len(payload["findings"]) == len(result.findings())
    rule_ids = [row[0] for row in payload["rules"]]
    assert {f.rule_id for f in result.findings()} <= set(rule_ids)
    assert f'id="verdict">{result.verdict}<' in page


def test_hostile_text_is_never_markup() -> None:
    page = render(hostile_result())
    for text in (ALERT, XSS_IMG, XSS_SCRIPT, "<img"):
        assert text not in page
    assert page.count("<script") == 2  # the JSON data and the page's own script
    assert page.count("</script>") == 2
    # The errored task's reason is shown server-side in the banner, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_data_block_cannot_be_broken_out_of_and_round_trips() -> None:
    result = hostile_result()
    block = data_block(render(result))
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in block
    payload = json.loads(block)
    assert task_names(payload) == [well_formed(t.subject.task_name) for t in result.tasks]
    messages = {pooled(payload, row[4]) for row in payload["findings"]}
    assert {well_formed(f.message) for f in result.findings()} == messages
    assert any(well_formed(HOSTILE) in m for m in messages if m)


def test_line_separators_and_controls_are_escaped() -> None:
    result = sample_result(3, hostile=False)
    result.tasks[0] = rename(result.tasks[0], "a\u2028b\u2029c\x00d\x1be")
    page = render(result)
    assert not re.search("[\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", page)
    assert task_names(json.loads(data_block(page)))[0] == "a\u2028b\u2029c\x00d\x1be"


def test_self_contained() -> None:
    page = render(hostile_result())
    assert not re.search(r"https?://", page, re.I)
    elements = list(lxml_html.fromstring(page).iter())
    for attr in ("src", "srcset", "action", "formaction", "poster", "data", "background"):
        assert not [el.tag for el in elements if attr in el.attrib], attr
    hrefs = [el.get("href") for el in elements if "href" in el.attrib]
    assert hrefs and all(h.startswith("#") or h == "data:," for h in hrefs)
    style = "".join(el.text or "" for el in elements if el.tag == "style")
    assert "url(" not in style
    assert "@import" not in style
    assert "default-src 'none'" in page


def test_csp_pins_the_inline_script_and_style() -> None:
    page = render(sample_result(3))
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp
    script = re.findall(r"<script>(.*?)</script>", page, re.S)
    style = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(script) == 1 and len(style) == 1
    for body, directive in ((script[0], "script-src"), (style[0], "style-src")):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp.group(1)


def test_incomplete_banner_comes_first() -> None:
    result = sample_result(4, complete=False, incomplete_reason="stopped <early> by a rate limit")
    page = render(result)
    lines = page.splitlines()
    assert "AUDIT INCOMPLETE" in lines[1] and "stopped &lt;early&gt; by a rate limit" in lines[1]
    assert re.search(r"<body>\s*<div class=\"banner\" id=\"incomplete-banner\" role=\"alert\">", page)
    banner = lxml_html.fromstring(page).get_element_by_id("incomplete-banner").text_content()
    assert "Audit incomplete" in banner
    assert "stopped <early> by a rate limit" in banner
    assert "1 of 4 task version(s) could not be audited" in banner


def test_sections_in_order() -> None:
    page = render(sample_result(4))
    ids = ["incomplete-banner", "summary", "rules", "findings", "tasks", "run"]
    positions = [page.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("kinds", "verdict"), [(COMPLETE_KINDS, "FAIL"), (("passed", "waived"), "PASS"), (("errored",), "INCOMPLETE")]
)
def test_verdict(kinds: tuple[str, ...], verdict: str) -> None:
    doc = lxml_html.fromstring(render(sample_result(6, kinds=kinds)))
    assert doc.get_element_by_id("verdict").text_content() == verdict
    assert doc.findtext(".//title").startswith(verdict)
    assert (doc.find('.//*[@id="incomplete-banner"]') is not None) == (verdict == "INCOMPLETE")


def test_waived_and_existing_findings_are_not_counted_as_open() -> None:
    result = sample_result(4, kinds=("waived",))
    doc = lxml_html.fromstring(render(result))
    stats = {dt.text_content(): dt.getnext().text_content() for dt in doc.findall('.//dl[@class="stats"]//dt')}
    assert stats["Open findings"] == "0" and stats["Waived"] == "8" and stats["Failed"] == "0"
    assert [c.text_content() for c in doc.find_class("tile-count")] == ["0"] * 5
    rule_rows = doc.xpath("//table[contains(@class, 'rules-table')]/tbody/tr")
    failing = {r[0].text_content(): r[3].text_content().strip() for r in rule_rows}
    assert set(failing.values()) == {"0"}
    payload = build_payload(result)
    assert {row[3] for row in payload["findings"]} == {payload["statuses"].index("waived")}


def test_only_evidence_meta_is_copied() -> None:
    page = render(sample_result(4))
    assert "not for reports" not in page
    assert SECRET not in page
    assert "wedata.tencentcloudapi.com" in page


def test_write_survives_lone_surrogates(tmp_path: Path) -> None:
    path = HtmlReporter().write(hostile_result(), tmp_path / "report.html")
    text = path.read_bytes().decode("utf-8")
    assert "\ud800" not in text


def test_size_at_ten_thousand_tasks_with_four_findings() -> None:
    for hostile in (False, True):
        result = big_result(hostile)
        assert len(result.findings()) == 40_000
        page = render(result)
        size = len(page.encode("utf-8"))
        assert size < MAX_BYTES, f"hostile={hostile}: {size:,} bytes"
        assert page.count("<tr") < 100  # rows are built in the browser, not in the file


# --------------------------------------------------------------------------- in a browser


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing_browser() -> str | None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if not missing:
        return None
    return f"{', '.join(missing)} not installed (apt-get install -y chromium chromium-driver)"


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    reason = _missing_browser()
    if reason and _in_ci():
        pytest.fail(f"browser tests must run under CI: {reason}")
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="wedata-audit-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--window-size=1400,1000",
        ):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        chrome = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield chrome
        finally:
            chrome.quit()


def open_report(driver: Any, path: Path, result: AuditResult) -> str:
    from selenium.webdriver.support.ui import WebDriverWait

    HtmlReporter().write(result, path)
    url = path.resolve().as_uri()
    driver.get_log("browser")  # drop what earlier tests left
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.documentElement.classList.contains('js-ready')")
    )
    return url


def visible_rows(driver: Any) -> int:
    return driver.execute_script(
        "return [...document.querySelectorAll('#findings-body tr.frow')]"
        ".filter(r => r.getClientRects().length).length"
    )


def wait_rows(driver: Any, expected: int) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: visible_rows(d) == expected)


def console_problems(driver: Any) -> list[dict[str, Any]]:
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


@pytest.mark.browser
def test_hostile_names_are_inert_text(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_report(driver, tmp_path / "report.html", hostile_result())
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert driver.execute_script("return [document.images.length, document.scripts.length]") == [0, 2]
    table = driver.find_element(By.ID, "findings-body").text
    evidence = driver.find_element(By.ID, "task-list").text
    for name in (XSS_IMG, XSS_SCRIPT):
        assert name in table and name in evidence
    assert ALERT in evidence  # in messages, notes and the errored task's reason
    assert console_problems(driver) == []


@pytest.mark.browser
def test_filters_and_search_change_the_visible_rows(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    result = sample_result(40, hostile=False)
    findings = result.findings()
    assert len(findings) <= 100  # one page
    open_report(driver, tmp_path / "report.html", result)
    wait_rows(driver, len(findings))

    # Severity: untick "critical" from the keyboard.
    box = driver.find_element(By.CSS_SELECTOR, "#findings-filters input[name=sev][value=critical]")
    box.send_keys(Keys.SPACE)
    wait_rows(driver, sum(f.severity.value != "critical" for f in findings))
    driver.find_element(By.ID, "f-reset").click()
    wait_rows(driver, len(findings))

    # Free-text search on a task id.
    task = result.tasks[4]
    driver.find_element(By.ID, "f-search").send_keys(task.subject.task_id)
    wait_rows(driver, len(task.findings))
    driver.find_element(By.ID, "f-reset").click()
    wait_rows(driver, len(findings))

    # Task filter, then rule and status filters.
    driver.find_element(By.ID, "f-task").send_keys("task_0 ")
    wait_rows(driver, len(result.tasks[0].findings))
    driver.find_element(By.ID, "f-reset").click()
    rule = result.rules[0].id
    Select(driver.find_element(By.ID, "f-rule")).select_by_value(rule)
    wait_rows(driver, sum(f.rule_id == rule for f in findings))
    driver.find_element(By.ID, "f-reset").click()
    Select(driver.find_element(By.ID, "f-status")).select_by_value("waived")
    wait_rows(driver, sum(f.status == "waived" for f in findings))
    statuses = driver.execute_script(
        "return [...document.querySelectorAll('#findings-body .fstatus')].map(e => e.textContent)"
    )
    assert set(statuses) == {"waived"}
    assert console_problems(driver) == []


@pytest.mark.browser
def test_ten_thousand_tasks_paginate_without_errors_or_network(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    url = open_report(driver, tmp_path / "report.html", big_result(hostile=False))
    assert visible_rows(driver) == 100
    assert "of 40,000 findings" in driver.find_element(By.ID, "f-count").text
    driver.find_element(By.CSS_SELECTOR, "#f-pager button[aria-label='Next page']").click()
    assert "Page 2 of 400" in driver.find_element(By.ID, "f-pager").text
    driver.find_element(By.CSS_SELECTOR, "#findings-body button.task-link").click()
    assert "Showing one task version" in driver.find_element(By.ID, "t-count").text
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert all(name == url for name in resources), resources
    assert console_problems(driver) == []


@pytest.mark.browser
def test_screenshots(driver: Any, tmp_path: Path) -> None:
    """For humans: the top of the page, and one task's evidence (``test-artifacts/*.png``)."""
    from selenium.webdriver.common.by import By

    result = sample_result(40, hostile=False, complete=False, incomplete_reason="API rate limit hit")
    open_report(driver, tmp_path / "report.html", result)
    ARTIFACTS.mkdir(exist_ok=True)
    driver.set_window_size(1400, 2400)
    try:
        assert driver.save_screenshot(str(ARTIFACTS / "report.png"))
        driver.find_element(By.CSS_SELECTOR, "#findings-body button.task-link").click()
        driver.find_element(By.ID, "tasks").screenshot(str(ARTIFACTS / "report-task.png"))
    finally:
        driver.set_window_size(1400, 1000)
    for name in ("report.png", "report-task.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
    assert console_problems(driver) == []

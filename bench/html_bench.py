"""HTML report benchmark: size of report.html and the time headless Chromium takes to render it.

Audits N generated versions (the fake API's corpus) with the default pack, writes the HTML report with the
run's framework coverage, and prints the file's size, the time to write it, and (when /usr/bin/chromium and
/usr/bin/chromedriver exist) the time from navigation to the page's script having rendered everything
(``js-ready``), as the median of a few loads.

    python bench/html_bench.py [N] [LOADS]        (default 10000 3)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from wedata_audit.demo.corpus import generate
from wedata_audit.engine import Engine
from wedata_audit.model.finding import Severity
from wedata_audit.model.results import AuditResult
from wedata_audit.model.snapshot import Snapshot
from wedata_audit.policy.frameworks import load_catalogues
from wedata_audit.reporters.formats.html import HtmlReporter
from wedata_audit.settings.options import RuleOptions, build_ruleset
from wedata_audit.stages.coverage import TallyCounter, compute_coverage

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def result(n: int) -> AuditResult:
    rules = build_ruleset(RuleOptions())
    engine = Engine(rules)
    tasks = [engine.audit(Snapshot(source=f"t{i}.json", data=d)) for i, d in enumerate(generate(n, seed=7))]
    counter = TallyCounter()
    for task in tasks:
        counter.add(task)
    infos = tuple(r.info for r in rules)
    coverage = compute_coverage(load_catalogues(), counter.tallies(), infos)
    return AuditResult(tool_version="bench", started="2026-01-01T00:00:00+00:00",
                       finished="2026-01-01T00:01:00+00:00", rules=infos, ruleset_digest="bench",
                       inputs=("bench.jsonl",), tasks=tasks, fail_on=Severity.HIGH, coverage=coverage)


def render_times(path: Path, loads: int) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    times = []
    try:
        for _ in range(loads):
            driver.get("about:blank")
            start = time.perf_counter()
            driver.get(path.resolve().as_uri())
            WebDriverWait(driver, 60).until(
                lambda d: d.execute_script("return document.documentElement.classList.contains('js-ready')"))
            times.append(time.perf_counter() - start)
    finally:
        driver.quit()
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    loads = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    run = result(n)
    with tempfile.TemporaryDirectory(prefix="wedata-audit-html-bench-") as tmp:
        path = Path(tmp) / "report.html"
        start = time.perf_counter()
        HtmlReporter().write(run, path)
        written = time.perf_counter() - start
        size = path.stat().st_size
        print(f"{n} tasks, {len(run.findings())} findings: report.html {size / 1e6:.2f} MB, written in "
              f"{written:.2f} s")
        if CHROMIUM.exists() and CHROMEDRIVER.exists():
            times = render_times(path, loads)
            print(f"render in headless Chromium (navigation to js-ready), median of {loads}: "
                  f"{statistics.median(times):.2f} s (all: {', '.join(f'{t:.2f}' for t in times)})")
        else:
            print("no Chromium/chromedriver: render time not measured")


if __name__ == "__main__":
    main()

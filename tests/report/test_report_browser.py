"""The report in a real browser: Debian's chromium (never Playwright's download), offline.

Builds the warehouse from the bundled snapshot, applies the marts, renders the report, opens it
via file:// and checks: no console errors or page errors, no requests other than the file
itself, every SVG chart laid out with drawn marks, event markers that link to the event table,
and a full-page screenshot that is not blank.

Without /usr/bin/chromium the test is skipped, or fails when CI is set (.ci/run installs it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assets.report.render import render_report

from ._warehouse import apply_marts

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.e2e


def require_chromium() -> Path:
    """Debian's chromium, or a skip (a failure when CI is set)."""
    if not CHROMIUM.exists():
        msg = (
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install -y chromium); the Playwright browser download is not used"
        )
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return CHROMIUM


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    writer = tmp / "cmw.duckdb"
    env = {
        **os.environ,
        "CMW_HTTP_MODE": "replay",
        "CMW_WAREHOUSE": str(writer),
        "CMW_READER": str(tmp / "cmw_reader.duckdb"),
        "CMW_RAW_DIR": str(tmp / "raw"),
        "DAGSTER_HOME": str(tmp / "dagster_home"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # The report needs the loaded tables, not every job green (tests/e2e checks the pipeline).
    assert writer.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    con = duckdb.connect(str(writer))
    try:
        apply_marts(con)
        flows, events = con.execute(
            "SELECT (SELECT count(*) FROM fact_trade_flow), (SELECT count(*) FROM policy_event)"
        ).fetchone()
        assert flows > 0 and events > 0, result.stdout[-3000:] + result.stderr[-3000:]
        html = render_report(con)
    finally:
        con.close()
    path = tmp / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_report_renders_in_chromium(request):
    chromium = require_chromium()  # before building the warehouse, so a skip is instant
    report_file: Path = request.getfixturevalue("report_file")
    from PIL import Image, ImageStat
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    shot = report_file.with_name("report.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True, timeout=30_000
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on(
                "console",
                lambda m: (
                    errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
                ),
            )
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report_file.as_uri(), wait_until="load", timeout=15_000)

            assert "SAMPLE DATA" in page.locator("header").inner_text()
            sections = page.locator("section.mineral")
            n_sections = sections.count()
            assert n_sections >= 4
            for mid in ("lithium", "ree", "cobalt", "graphite"):
                assert page.locator(f"section#mineral-{mid}").count() == 1, mid

            for i in range(n_sections):  # (a) and (b) always; (c) when there is monthly data
                assert sections.nth(i).locator("svg.chart").count() >= 2
            assert page.locator("svg.chart[id$='-monthly']").count() >= 4
            charts = page.locator("svg.chart")
            for i in range(charts.count()):
                chart = charts.nth(i)
                box = chart.bounding_box()
                cid = chart.get_attribute("id")
                assert box and box["width"] > 200 and box["height"] > 100, (cid, box)
                drawn = chart.evaluate(
                    """svg => {
                        const marks = svg.querySelectorAll('.marks rect, .marks circle, .marks polyline');
                        const sized = [...marks].filter(el => {
                            const b = el.getBBox(); return b.width > 0 || b.height > 0; });
                        return {marks: sized.length, title: !!svg.querySelector(':scope > title'),
                                legend: !!svg.querySelector('.legend'),
                                axisLabels: svg.querySelectorAll('.axis-label').length};
                    }"""
                )
                assert drawn["marks"] >= 3 and drawn["title"] and drawn["legend"], (cid, drawn)
                assert drawn["axisLabels"] >= 2, (cid, drawn)

            markers = page.locator("a.event-marker")
            assert markers.count() > 0
            marker_box = markers.first.bounding_box()
            assert marker_box and marker_box["height"] > 10
            target = markers.first.get_attribute("href")
            markers.first.locator("rect").click()
            assert page.evaluate("location.hash") == target
            assert page.locator(f"tr{target}").count() == 1

            rows = page.locator("table.events-table tbody tr")
            assert rows.count() > 0
            hrefs = page.eval_on_selector_all(
                "table.events-table a[href^='http']", "els => els.map(a => a.href)"
            )
            assert hrefs and all(h.startswith("https://www.pib.gov.in/") for h in hrefs)

            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()

    assert not errors, errors
    assert all(u.startswith("file://") for u in requests), requests

    img = Image.open(shot).convert("RGB")
    assert img.width >= 1400 and img.height > 3000, img.size
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200, "screenshot has too few colours"
    stat = ImageStat.Stat(img.convert("L"))
    assert stat.stddev[0] > 20, f"screenshot looks blank (stddev {stat.stddev[0]:.1f})"
    print(f"screenshot: {shot}")

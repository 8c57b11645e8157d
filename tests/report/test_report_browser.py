"""The report in a real browser: Debian's chromium (never Playwright's download), offline.

Two pages, opened via file://:

* the report of the bundled snapshot (the demo's warehouse, marts applied): no console
  messages or page errors, no request other than the file itself, every Vega-Lite chart drawn
  as SVG with marks, a legend and axis titles, event markers that show a tooltip and link to
  the event table, the mirror check's dots and band with their tooltips, and a full-page
  screenshot that is not blank;
* the report of the hand-made warehouse with catalogue events: India's own measures and
  China's export controls (and their suspension) drawn with different colours and shapes, a
  legend naming the sides, and a tooltip giving date, measure and source.

Without /usr/bin/chromium the tests are skipped, or fail when CI is set (.ci/run installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from assets.report.charts import SIDE_STYLE
from assets.report.event_data import SIDE_CHINA, SIDE_CHINA_EASED, SIDE_INDIA, SIDE_OTHER
from assets.report.render import render_report

from ._warehouse import apply_marts, build_warehouse

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

# per chart: drawn marks (sized), legend entries and axis titles, read from Vega's SVG
CHART_PROBE = """el => {
    const svg = el.querySelector('svg');
    if (!svg) return {svg: false};
    const marks = [...svg.querySelectorAll('.role-mark path, .role-mark line, .role-mark rect')]
        .filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; });
    const r = svg.getBoundingClientRect();
    return {svg: true, width: r.width, height: r.height, marks: marks.length,
            legend: svg.querySelectorAll('.role-legend-label').length,
            axisTitles: svg.querySelectorAll('.role-axis-title text').length,
            title: (svg.querySelector('.role-title-text') || {}).textContent || '',
            aria: svg.getAttribute('aria-label') || ''};
}"""


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


@contextmanager
def open_report(path: Path) -> Iterator[tuple[object, list[str], list[str]]]:
    """The report open in headless chromium once every chart is drawn: (page, console, requests)."""
    from playwright.sync_api import sync_playwright

    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(require_chromium()),
            args=CHROMIUM_ARGS,
            headless=True,
            timeout=30_000,
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on(
                "console",
                lambda m: (
                    console.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri(), wait_until="load", timeout=30_000)
            page.wait_for_selector("html[data-charts='ready']", timeout=60_000)
            yield page, console, requests
        finally:
            browser.close()


def hover_tooltip(page, marker) -> str:
    """Hover a mark and return the text of Vega's tooltip."""
    marker.scroll_into_view_if_needed()
    box = marker.bounding_box()
    assert box and box["width"] > 3 and box["height"] > 3, box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator("#vg-tooltip-element.visible")
    tip.wait_for(timeout=5_000)
    return tip.inner_text()


def click_mark(page, marker) -> None:
    marker.scroll_into_view_if_needed()
    box = marker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.fixture(scope="module")
def report_file(demo, tmp_path_factory) -> Path:
    """The report of the main job's warehouse (the session's demo run), rendered from a copy
    of its writer file so the shared run stays untouched."""
    demo_dir, _ = demo
    tmp = tmp_path_factory.mktemp("report")
    writer = tmp / "cmw.duckdb"
    shutil.copyfile(demo_dir / "cmw.duckdb", writer)
    con = duckdb.connect(str(writer))
    try:
        apply_marts(con)
        flows, events = con.execute(
            "SELECT (SELECT count(*) FROM fact_trade_flow), (SELECT count(*) FROM policy_event)"
        ).fetchone()
        assert flows > 0 and events > 0
        html = render_report(con)
    finally:
        con.close()
    path = tmp / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_report_renders_in_chromium(request):
    require_chromium()  # before building the warehouse, so a skip is instant
    report_file: Path = request.getfixturevalue("report_file")
    from PIL import Image, ImageStat

    shot = report_file.with_name("report.png")
    with open_report(report_file) as (page, console, requests):
        assert "SAMPLE DATA" in page.locator("header").inner_text()
        sections = page.locator("section.mineral")
        n_sections = sections.count()
        assert n_sections >= 4
        for mid in ("lithium", "ree", "cobalt", "graphite"):
            assert page.locator(f"section#mineral-{mid}").count() == 1, mid

        for i in range(n_sections):  # (a) and (b) always; (c) when there is monthly data
            assert sections.nth(i).locator(".vl-chart").count() >= 2
        assert page.locator(".vl-chart[id$='-monthly']").count() >= 4
        charts = page.locator(".vl-chart")
        for i in range(charts.count()):
            chart = charts.nth(i)
            cid = chart.get_attribute("id")
            assert chart.get_attribute("data-rendered") == "true", (
                cid,
                chart.get_attribute("data-error"),
            )
            drawn = chart.evaluate(CHART_PROBE)
            assert drawn["svg"] and drawn["width"] > 200 and drawn["height"] > 100, (cid, drawn)
            assert drawn["marks"] >= 3 and drawn["legend"] >= 1, (cid, drawn)
            assert drawn["axisTitles"] >= 2 and drawn["title"], (cid, drawn)

        markers = page.locator(".vl-chart[id$='-monthly'] g.event_markers_marks path")
        assert markers.count() > 0
        tip = hover_tooltip(page, markers.first)
        for key in ("Event", "Date", "Side", "Measure", "Source"):
            assert key in tip, tip
        label = markers.first.get_attribute("aria-label")
        target = "#event-" + label.split(" ")[0]
        click_mark(page, markers.first)
        page.wait_for_function(f"location.hash === '{target}'", timeout=5_000)
        assert page.locator(f"tr{target}").count() == 1

        # the mirror check (issue 12): a dot per partner x year, the band, a tooltip with both
        # sides' figures; the largest-gaps and TradeStat tables next to it
        for mid in ("lithium", "ree", "cobalt", "graphite"):
            assert page.locator(f"#mineral-{mid}-every-side").count() == 1, mid
        assert page.locator(".vl-chart[id$='-mirror']").count() >= 4
        assert page.locator("table.mirror-gaps").count() >= 4
        assert page.locator("table.tradestat-vs-comtrade").count() >= 1
        dots = page.locator("#mineral-lithium-mirror g.mirror_points_marks path")
        assert dots.count() > 5
        tip = hover_tooltip(page, dots.first)
        for key in ("Partner", "Year", "India-reported imports (CIF)", "(FOB)", "CIF/FOB ratio"):
            assert key in tip, tip
        band = page.locator("#mineral-lithium-mirror g.band_marks path")
        assert band.count() == 1  # dots sit on it, so its text is read, not hovered
        assert "1.00 to 1.10" in (band.first.get_attribute("aria-label") or "")

        rows = page.locator("table.events-table tbody tr")
        assert rows.count() > 0
        pib_links = page.eval_on_selector_all(
            "table.events-table tr[data-origin='pib'] a[href^='http']",
            "els => els.map(a => a.href)",
        )
        assert pib_links and all(h.startswith("https://www.pib.gov.in/") for h in pib_links)
        all_links = page.eval_on_selector_all(
            "table.events-table a[href^='http']", "els => els.map(a => a.href)"
        )
        assert all(h.startswith(("https://", "http://")) for h in all_links)

        # China's export controls in the warehouse are drawn with their own colour
        china_rows = page.locator(f'table.events-table tr[data-side="{SIDE_CHINA}"]').count()
        if china_rows:
            fills = page.eval_on_selector_all(
                "g.event_markers_marks path", "els => els.map(e => e.getAttribute('fill'))"
            )
            assert SIDE_STYLE[SIDE_CHINA][0] in fills

        page.screenshot(path=str(shot), full_page=True)

    assert not console, console
    assert all(u.startswith("file://") for u in requests), requests

    img = Image.open(shot).convert("RGB")
    assert img.width >= 1400 and img.height > 3000, img.size
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200, "screenshot has too few colours"
    stat = ImageStat.Stat(img.convert("L"))
    assert stat.stddev[0] > 20, f"screenshot looks blank (stddev {stat.stddev[0]:.1f})"
    print(f"screenshot: {shot}")


def test_sides_are_distinct_with_tooltips_in_chromium(tmp_path):
    require_chromium()
    con = build_warehouse(catalogue=True, label="test: SAMPLE DATA")
    try:
        html = render_report(con)
    finally:
        con.close()
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    with open_report(path) as (page, console, requests):
        chart = page.locator("#mineral-lithium-monthly")
        legend = chart.evaluate(
            "el => [...el.querySelectorAll('.role-legend-label')].map(t => t.textContent)"
        )
        assert legend == [SIDE_INDIA, SIDE_CHINA, SIDE_CHINA_EASED, SIDE_OTHER]
        marks = chart.locator("g.event_markers_marks path")
        drawn = marks.evaluate_all(
            """els => els.map(e => ({fill: e.getAttribute('fill'),
                                     shape: e.getAttribute('d').replace(/[-0-9.]+/g, '#'),
                                     label: e.getAttribute('aria-label')}))"""
        )
        by_side: dict[str, set[tuple[str, str]]] = {}
        for mark in drawn:
            side = next(s for s in SIDE_STYLE if f" · {s} · " in mark["label"])
            by_side.setdefault(side, set()).add((mark["fill"], mark["shape"]))
        assert set(by_side) == set(SIDE_STYLE)
        for side, styles in by_side.items():
            assert styles == {(SIDE_STYLE[side][0], next(iter(styles))[1])}, (side, styles)
        shapes = {next(iter(s))[1] for s in by_side.values()}
        assert len(shapes) == 4, "each side has its own marker shape"

        china = next(
            marks.nth(i) for i, m in enumerate(drawn) if f" · {SIDE_CHINA} · " in m["label"]
        )
        tip = hover_tooltip(page, china)
        assert "2023-04-10" in tip and "China requires export licences" in tip, tip
        assert "mofcom.gov.cn" in tip and SIDE_CHINA in tip, tip
        click_mark(page, china)
        page.wait_for_function("location.hash.startsWith('#event-E')", timeout=5_000)
        row = page.locator(f"tr{page.evaluate('location.hash')}")
        assert row.get_attribute("data-event-id") == "cat-cn-export-control"

    assert not console, console
    assert all(u.startswith("file://") for u in requests), requests

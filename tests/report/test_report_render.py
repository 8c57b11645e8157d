"""Unit tests of the static HTML report on a small hand-made warehouse."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import duckdb
import pytest

from assets.report.render import render_report

from ._warehouse import EVIL_TITLE, build_warehouse


class _Collector(HTMLParser):
    """Every start tag with its attributes, plus the text inside <svg><title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.svg_titles: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        if len(self.stack) >= 2 and self.stack[-1] == "title" and self.stack[-2] == "svg":
            self.svg_titles.append(data)


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def section(html: str, mineral_id: str) -> str:
    m = re.search(
        rf'<section class="mineral" id="mineral-{mineral_id}".*?</section>', html, flags=re.S
    )
    assert m, f"no section for {mineral_id}"
    return m.group(0)


@pytest.fixture(scope="module")
def html() -> str:
    con = build_warehouse(label="offline snapshot replay: trade values are SAMPLE DATA")
    try:
        return render_report(con, title="Test <report> & co")
    finally:
        con.close()


def test_one_document_with_header_label_and_time(html):
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<html") == 1 and html.rstrip().endswith("</html>")
    assert "<title>Test &lt;report&gt; &amp; co</title>" in html
    assert "SAMPLE DATA" in html and 'class="badge"' in html and "sample-banner" in html
    assert re.search(r"Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", html)


def test_three_svg_charts_per_main_mineral(html):
    # lithium has annual and monthly data; copper and nickel annual only (monthly: a message)
    assert re.findall(r'<section class="mineral" id="mineral-([a-z]+)"', html) == [
        "copper",
        "lithium",
        "nickel",
    ]
    assert len(svgs(section(html, "lithium"))) == 3
    assert len(svgs(section(html, "copper"))) == 2
    assert len(svgs(section(html, "nickel"))) == 2
    assert len(svgs(html)) == 7
    for chart in svgs(html):
        assert re.search(r"<svg[^>]*\brole=\"img\"", chart)
        assert "<title" in chart and "<desc" in chart
        assert 'class="legend"' in chart
        assert 'class="axis-label"' in chart
        assert re.search(r"<(rect|circle|polyline)\b", chart)


def test_nickel_without_monthly_data_gets_a_message(html):
    assert "No monthly import data for Nickel." in section(html, "nickel")


def test_chart_titles_are_descriptive(html):
    titles = parse(html).svg_titles
    assert "Lithium: India's import dependence by supplier, 2021–2023" in titles
    assert any(t.startswith("Lithium: supplier concentration (HHI)") for t in titles)
    assert any(t.startswith("Lithium: India's monthly imports and policy events") for t in titles)


def test_stacked_shares_name_top_suppliers_and_other(html):
    shares = svgs(section(html, "lithium"))[0]
    for name in ("China", "Australia", "Chile", "Argentina", "Côte d&#x27;Ivoire &lt;&amp;&gt;"):
        assert name in shares
    copper = svgs(section(html, "copper"))[0]
    assert ">Other</text>" in shares  # the USA, sixth supplier over the period
    assert ">USA</text>" not in shares and "Other, 2023: 0.5% ($5)" in shares
    assert ">Other</text>" not in copper  # three suppliers only: nothing left over
    assert "China, 2023: 44.8% ($450)" in shares  # 450 / 1005


def test_concentration_chart_has_hhi_and_china_share(html):
    conc = svgs(section(html, "lithium"))[1]
    assert "HHI (left axis)" in conc and "China&#x27;s share (right axis)" in conc
    assert "2021: HHI 4,600" in conc  # 60^2 + 30^2 + 10^2
    assert "2021: China 60.0% of imports" in conc


def test_event_markers_on_the_monthly_chart(html):
    monthly = svgs(section(html, "lithium"))[2]
    markers = re.findall(
        r'<a href="#event-(E\d+)" class="event-marker" data-event-id="([^"]+)"', monthly
    )
    assert {eid for _, eid in markers} == {"pib-1001", "pib-1002", "pib-1003"}
    # the 2010 event lies far outside the data: pinned at the left edge with a note
    assert "«E1" in monthly and "outside the chart&#x27;s time range" in monthly
    # the 2024 event is 8 months after the data: the axis is extended, not pinned
    assert "Feb 2024" in monthly or "Jan 2024" in monthly
    assert ">E4<" in monthly and "E4»" not in monthly
    assert "No trade data" in monthly
    # copper's chart has no monthly data, so just a message; its event is listed
    assert "No monthly import data for Copper" in section(html, "copper")
    assert 'href="#event-E4"' in section(html, "copper")


def test_event_numbers_follow_dates_and_match_the_table(html):
    rows = re.findall(r'<tr id="event-(E\d+)" data-event-id="([^"]+)"', html)
    assert rows == [("E1", "pib-1002"), ("E2", "pib-1001"), ("E3", "pib-1005"), ("E4", "pib-1003")]


def test_titles_and_names_are_escaped(html):
    assert "<script" not in html.lower()
    assert EVIL_TITLE not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Lithium &amp; &quot;cobalt&quot; deal"
        in html
    )
    assert "Côte d&#x27;Ivoire &lt;&amp;&gt;" in html


def test_event_table_columns(html):
    table = re.search(r'<table class="events-table">.*?</table>', html, flags=re.S).group(0)
    for head in ("Date", "Type", "Status", "Title", "Minerals", "Countries", "Amounts"):
        assert f"<th>{head}" in table
    assert "2023-03-15 12:00 IST" in table  # 06:30 UTC
    assert "mou agreement" in table and "signed" in table
    assert "outlay: 1,500 INR crore" in table and "block_count: 7 blocks" in table
    assert "Australia, India" in table
    assert '<a href="#mineral-lithium">Lithium</a>' in table
    assert "A mission without a mineral" in table


def test_only_pib_links_and_no_external_resources(html):
    tags = parse(html).tags
    hrefs = []
    for tag, attrs in tags:
        for attr in ("src", "href", "xlink:href", "srcset", "action", "data"):
            value = attrs.get(attr)
            if value is None:
                continue
            if tag == "a" and attr == "href":
                hrefs.append(value)
                continue
            assert not re.match(r"(?i)\s*(https?:)?//", value), (tag, attr, value)
    assert all(t not in {"script", "img", "link", "iframe", "object", "embed"} for t, _ in tags)
    external = [h for h in hrefs if not h.startswith("#")]
    assert external, "expected links to PIB releases"
    for h in external:
        parts = urlsplit(h)
        assert parts.scheme == "https" and parts.hostname in ("www.pib.gov.in", "pib.gov.in"), h
    assert "https://www.pib.gov.in/PressReleasePage.aspx?PRID=1003&amp;reg=3&amp;lang=1" in html
    assert "PRID=1004" in html  # second source release linked as [2]
    assert "evil.example.com" not in " ".join(hrefs) and "javascript:" not in " ".join(hrefs)
    # no CSS imports or urls either
    style = re.search(r"<style>(.*?)</style>", html, flags=re.S).group(1)
    assert "url(" not in style and "@import" not in style
    # every in-page anchor points at an element that exists
    ids = {attrs.get("id") for _, attrs in tags}
    for h in hrefs:
        if h.startswith("#"):
            assert h[1:] in ids, h


def test_focus_minerals_are_kept_beyond_top_n():
    con = build_warehouse()
    try:
        html = render_report(con, top_n=1)
    finally:
        con.close()
    sections = re.findall(r'<section class="mineral" id="mineral-([a-z-]+)"', html)
    assert sections == ["copper", "lithium"]  # top 1 by value + lithium (REE has no trade)


def test_label_read_from_dataset_info_and_live_data_has_no_sample_badge():
    con = build_warehouse(sample=False, label="live sources (2026-01-01)")
    try:
        html = render_report(con)
    finally:
        con.close()
    assert "live sources (2026-01-01)" in html
    assert "SAMPLE DATA" not in html.split("<main>")[0]
    assert 'class="badge"' not in html


def test_sample_rows_show_the_badge_even_without_a_label():
    con = build_warehouse(sample=True, label=None)
    try:
        html = render_report(con)
    finally:
        con.close()
    assert 'class="badge">SAMPLE DATA' in html and "unlabelled" in html


def test_empty_warehouse_gives_messages_not_errors():
    con = build_warehouse(trade=False, events=False)
    try:
        html = render_report(con, dataset_label="empty")
    finally:
        con.close()
    assert "No import data in the warehouse yet" in html
    assert "No policy events in the warehouse yet" in html
    assert "<svg" not in html


def test_events_without_trade_still_listed():
    con = build_warehouse(trade=False)
    try:
        html = render_report(con)
    finally:
        con.close()
    assert "No import data in the warehouse yet" in html
    assert html.count('class="event-marker"') == 0
    assert len(re.findall(r'<tr id="event-E\d+"', html)) == 4


def test_missing_marts_give_a_notice():
    con = duckdb.connect()
    try:
        html = render_report(con, dataset_label="bare")
    finally:
        con.close()
    assert "trade mart views are missing" in html
    assert "mart_policy_timeline) is missing" in html
    assert "<svg" not in html

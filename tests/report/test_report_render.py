"""Unit tests of the static HTML report on a small hand-made warehouse.

The charts are Vega-Lite specs embedded as JSON; these tests read the specs (their datasets,
encodings and titles) and the page around them. ``test_report_browser.py`` draws them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import duckdb
import pytest

from assets.report.charts import LABEL_LIMIT, SIDE_STYLE, event_lanes
from assets.report.event_data import (
    SIDE_CHINA,
    SIDE_CHINA_EASED,
    SIDE_INDIA,
    SIDE_OTHER,
    event_side,
)
from assets.report.render import render_report

from ._warehouse import EVIL_TITLE, NOW, apply_marts, build_warehouse


class _Collector(HTMLParser):
    """Every start tag with its attributes, and the text of every <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def specs(html: str) -> dict[str, dict]:
    """Chart container id -> its Vega-Lite spec."""
    out = {}
    for attrs, text in parse(html).scripts:
        if attrs.get("type") == "application/json" and "vl-spec" in (attrs.get("class") or ""):
            out[attrs["data-target"]] = json.loads(text)
    return out


def section(html: str, mineral_id: str) -> str:
    m = re.search(
        rf'<section class="mineral" id="mineral-{mineral_id}".*?</section>', html, flags=re.S
    )
    assert m, f"no section for {mineral_id}"
    return m.group(0)


def layers(spec: dict, data: dict | None = None) -> list[dict]:
    """Every unit (mark) spec inside a possibly nested layer, with the data it inherits."""
    out = []
    for unit in spec.get("layer", [spec]):
        inherited = unit.get("data") or spec.get("data") or data
        if "layer" in unit:
            out.extend(layers(unit, inherited))
        else:
            out.append({**unit, "data": inherited})
    return out


def layer(spec: dict, name: str) -> dict:
    """The one unit named ``name`` (Altair may suffix names in nested layers: name_0)."""
    hits = [u for u in layers(spec) if re.fullmatch(rf"{name}(_\d+)?", u.get("name") or "")]
    assert len(hits) == 1, (name, [u.get("name") for u in layers(spec)])
    return hits[0]


@pytest.fixture(scope="module")
def html() -> str:
    con = build_warehouse(label="offline snapshot replay: trade values are SAMPLE DATA")
    try:
        return render_report(con, title="Test <report> & co")
    finally:
        con.close()


@pytest.fixture(scope="module")
def charts(html) -> dict[str, dict]:
    return specs(html)


@pytest.fixture(scope="module")
def catalogue_html() -> str:
    con = build_warehouse(catalogue=True)
    try:
        return render_report(con)
    finally:
        con.close()


def test_one_document_with_header_label_and_time(html):
    assert html.startswith("<!DOCTYPE html>")
    page = html.split("<script")[0]  # the Vega bundle's own strings are not page markup
    assert page.count("<html") == 1 and html.rstrip().endswith("</script></body></html>")
    assert "<title>Test &lt;report&gt; &amp; co</title>" in html
    assert "SAMPLE DATA" in html and 'class="badge"' in html and "sample-banner" in html
    assert re.search(r"Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", html)


def test_three_charts_per_main_mineral(html, charts):
    # lithium has annual and monthly data; copper and nickel annual only (monthly: a message)
    assert re.findall(r'<section class="mineral" id="mineral-([a-z]+)"', html) == [
        "copper",
        "lithium",
        "nickel",
    ]
    containers = re.findall(r'<div class="vl-chart" id="([^"]+)"', html)
    assert sorted(containers) == sorted(charts)  # one spec for each container
    assert len(re.findall(r'class="vl-chart"', section(html, "lithium"))) == 3
    assert len(re.findall(r'class="vl-chart"', section(html, "copper"))) == 2
    assert len(re.findall(r'class="vl-chart"', section(html, "nickel"))) == 2
    assert len(charts) == 7
    for cid, spec in charts.items():
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6"), cid
        assert spec["title"] and spec["description"] and spec["usermeta"]["chart"] in cid
        units = layers(spec)
        assert any("tooltip" in u["encoding"] for u in units), cid
        assert any("legend" in json.dumps(u["encoding"]) for u in units), cid
        titles = [
            ch.get("title") for u in units for ch in u["encoding"].values() if isinstance(ch, dict)
        ]
        assert sum(bool(t) for t in titles) >= 2, (cid, titles)  # axis titles
        assert spec["datasets"], cid
        for u in units:  # every layer draws a named dataset that the spec carries
            assert u["data"]["name"] in spec["datasets"], (cid, u["data"])


def test_nickel_without_monthly_data_gets_a_message(html):
    assert "No monthly import data for Nickel." in section(html, "nickel")


def test_chart_titles_are_descriptive(charts):
    titles = {spec["title"] for spec in charts.values()}
    assert "Lithium: India's import dependence by supplier, 2021–2023" in titles
    assert any(t.startswith("Lithium: supplier concentration (HHI)") for t in titles)
    assert any(t.startswith("Lithium: India's monthly imports and policy events") for t in titles)


def test_stacked_shares_name_top_suppliers_and_other(charts):
    shares = charts["mineral-lithium-shares"]
    domain = layer(shares, "shares")["encoding"]["color"]["scale"]["domain"]
    assert domain == ["China", "Australia", "Chile", "Argentina", "Côte d'Ivoire <&>", "Other"]
    colours = layer(shares, "shares")["encoding"]["color"]["scale"]["range"]
    assert colours[0] == "#d62728" and len(set(colours)) == len(colours)  # China in red
    tips = {r["tip"] for r in shares["datasets"]["shares"]}
    assert "Other, 2023: 0.5% ($5)" in tips  # the USA, sixth supplier over the period
    assert "China, 2023: 44.8% ($450)" in tips  # 450 / 1005
    copper = charts["mineral-copper-shares"]
    assert "Other" not in layer(copper, "shares")["encoding"]["color"]["scale"]["domain"]
    for year in ("2021", "2022", "2023"):  # each year's bar adds up to 100%
        total = sum(r["share"] for r in shares["datasets"]["shares"] if r["year"] == year)
        assert total == pytest.approx(1.0)


def test_concentration_chart_has_hhi_and_china_share(charts):
    conc = charts["mineral-lithium-concentration"]
    tips = {r["hhi_tip"] for r in conc["datasets"]["concentration"]}
    assert any(t.startswith("2021: HHI 4,600") for t in tips)  # 60^2 + 30^2 + 10^2
    assert "2021: China 60.0% of imports" in {
        r["china_tip"] for r in conc["datasets"]["concentration"]
    }
    colour = layer(conc, "hhi_points")["encoding"]["color"]["scale"]
    assert colour["domain"] == ["HHI (left axis)", "China's share (right axis)"]
    assert conc["resolve"] == {"scale": {"y": "independent"}}
    assert conc["datasets"]["threshold"][0]["hhi"] == 2500


def test_event_markers_on_the_monthly_chart(html, charts):
    monthly = charts["mineral-lithium-monthly"]
    rows = monthly["datasets"]["events"]
    assert {r["event_id"] for r in rows} == {"pib-1001", "pib-1002", "pib-1003"}
    by_id = {r["event_id"]: r for r in rows}
    # the 2010 event lies far outside the data: pinned at the left edge with a note
    assert by_id["pib-1002"]["label"] == "«E1"
    assert "outside the chart's time range" in by_id["pib-1002"]["date"]
    assert by_id["pib-1002"]["x"] == "2023-01-01"  # the axis starts with the data
    # the 2024 event is 8 months after the data: the axis is extended to it, not pinned
    assert by_id["pib-1003"]["label"] == "E4" and by_id["pib-1003"]["x"] == "2024-02-20"
    domain = layer(monthly, "imports_line")["encoding"]["x"]["scale"]["domain"]
    assert domain[0] == {"year": 2023, "month": 1, "date": 1, "utc": True}
    assert domain[1] == {"year": 2024, "month": 3, "date": 1, "utc": True}
    assert monthly["datasets"]["nodata"][0]["start"] == "2023-07-01"  # shaded: no trade data
    assert by_id["pib-1001"]["href"] == "#event-E2"
    markers = layer(monthly, "event_markers")["encoding"]
    assert markers["href"]["field"] == "href"
    assert {t["field"] for t in markers["tooltip"]} >= {"date", "measure", "source", "side"}
    assert by_id["pib-1001"]["source"] == "PIB release 1001"
    # copper's chart has no monthly data, so just a message; its event is listed
    assert "No monthly import data for Copper" in section(html, "copper")
    assert 'href="#event-E4"' in section(html, "copper")


def test_event_numbers_follow_dates_and_match_the_table(html):
    rows = re.findall(r'<tr id="event-(E\d+)" data-event-id="([^"]+)"', html)
    assert rows == [("E1", "pib-1002"), ("E2", "pib-1001"), ("E3", "pib-1005"), ("E4", "pib-1003")]


def test_titles_and_names_are_escaped(html, charts):
    assert EVIL_TITLE not in html
    assert '<script>alert("x")' not in html and "</script> Lithium" not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Lithium &amp; &quot;cobalt&quot; deal"
        in html
    )
    # inside the JSON specs the same text is escaped for JSON, and parses back unchanged
    assert "\\u003cscript\\u003ealert" in html
    measures = {r["measure"] for r in charts["mineral-lithium-monthly"]["datasets"]["events"]}
    assert EVIL_TITLE in measures
    # the only executable scripts are the Vega bundle and the bootstrap
    scripts = parse(html).scripts
    executable = [(a, t) for a, t in scripts if a.get("type") != "application/json"]
    assert len(executable) == 2
    assert all(not a for a, _ in executable)  # no src, no type, nothing else


def test_csp_allows_exactly_the_inline_scripts_and_no_network(html):
    tags = parse(html).tags
    meta = [a for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(meta) == 1
    policy = dict((part.strip().split(" ", 1) + [""])[:2] for part in meta[0]["content"].split(";"))
    assert policy["default-src"] == "'none'"  # no fetch, no connect, no fonts, no frames
    assert "connect-src" not in policy and "http" not in meta[0]["content"]
    allowed = set(re.findall(r"'sha256-([^']+)'", policy["script-src"]))
    executable = [t for a, t in parse(html).scripts if a.get("type") != "application/json"]
    digests = {
        base64.b64encode(hashlib.sha256(t.encode("utf-8")).digest()).decode() for t in executable
    }
    assert allowed == digests
    assert "'unsafe-inline'" not in policy["script-src"]


def test_event_table_columns(html):
    table = re.search(r'<table class="events-table">.*?</table>', html, flags=re.S).group(0)
    for head in ("Date", "Side", "Type", "Status", "Measure", "Minerals", "Countries", "Amounts"):
        assert f"<th>{head}" in table
    assert "2023-03-15 12:00 IST" in table  # 06:30 UTC
    assert "mou agreement" in table and "signed" in table
    assert "outlay: 1,500 INR crore" in table and "block_count: 7 blocks" in table
    assert "Australia, India" in table
    assert '<a href="#mineral-lithium">Lithium</a>' in table
    assert "A mission without a mineral" in table
    assert "India&#x27;s measure" in table and "PIB release 1001" in table


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
    assert all(t not in {"img", "link", "iframe", "object", "embed"} for t, _ in tags)
    assert all("src" not in a for t, a in tags if t == "script")
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


# ----------------------------------------------------------------------------- sides


def test_catalogue_events_are_drawn_by_side(catalogue_html):
    monthly = specs(catalogue_html)["mineral-lithium-monthly"]
    rows = {r["event_id"]: r for r in monthly["datasets"]["events"]}
    assert rows["cat-cn-export-control"]["side"] == SIDE_CHINA
    assert rows["cat-cn-suspension"]["side"] == SIDE_CHINA_EASED
    assert rows["cat-us-msp"]["side"] == SIDE_OTHER
    assert rows["cat-in-ncmm"]["side"] == SIDE_INDIA
    assert rows["pib-1001"]["side"] == SIDE_INDIA  # PIB events without a jurisdiction
    assert rows["cat-cn-export-control"]["date"] == "2023-04-10"
    assert rows["cat-cn-export-control"]["measure"].startswith("China requires export licences")
    assert rows["cat-cn-export-control"]["source"] == "Event catalogue: mofcom.gov.cn"
    enc = layer(monthly, "event_markers")["encoding"]
    colour, shape = enc["color"]["scale"], enc["shape"]["scale"]
    assert (
        colour["domain"]
        == shape["domain"]
        == [SIDE_INDIA, SIDE_CHINA, SIDE_CHINA_EASED, SIDE_OTHER]
    )
    assert len(set(colour["range"])) == 4 and len(set(shape["range"])) == 4
    assert colour["range"] == [SIDE_STYLE[s][0] for s in colour["domain"]]
    assert enc["color"]["legend"]["title"] == enc["shape"]["legend"]["title"] == "Policy events"
    assert monthly["usermeta"]["sides"] == {
        SIDE_INDIA: 4,
        SIDE_CHINA: 1,
        SIDE_CHINA_EASED: 1,
        SIDE_OTHER: 1,
    }


def test_catalogue_events_in_the_table_and_summary(catalogue_html):
    table = re.search(r'<table class="events-table">.*?</table>', catalogue_html, re.S).group(0)
    row = re.search(r'<tr id="event-E\d+" data-event-id="cat-cn-export-control".*?</tr>', table)
    assert row and 'data-side="China&#x27;s export control"' in row.group(0)
    assert 'data-origin="catalogue"' in row.group(0) and 'class="other-side"' in row.group(0)
    assert 'href="https://www.mofcom.gov.cn/announcement-test"' in row.group(0)
    assert "javascript:" not in catalogue_html.split("<script>")[0]
    assert "<small>CN</small>" in row.group(0)
    summary = re.search(r'<table class="summary">.*?</table>', catalogue_html, re.S).group(0)
    lithium = re.search(r"<tr><td><a href=\"#mineral-lithium\">.*?</tr>", summary).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', lithium)[-2:] == ["7", "2"]


def test_a_pib_export_control_naming_china_is_a_shock():
    # the tagger sets no jurisdiction: a PIB event's 'IN' is the column default, not a fact
    con = build_warehouse(china_pib_event=True)
    try:
        monthly = specs(render_report(con))["mineral-lithium-monthly"]
    finally:
        con.close()
    sides = {r["event_id"]: r["side"] for r in monthly["datasets"]["events"]}
    assert sides["pib-1006"] == SIDE_CHINA and sides["pib-1001"] == SIDE_INDIA


OLD_TIMELINE = """
CREATE VIEW mart_policy_timeline AS
SELECT e.event_id, e.posted_at, e.release_date, e.event_type, e.status, e.title, e.ministry,
       em.mineral_id, m.name AS mineral_name, em.basis AS mineral_basis,
       ec.area_code, c.name AS country_name, ec.actor_name, ec.role AS actor_role,
       NULL AS amounts, e.source_prids, e.source_urls
FROM policy_event e
LEFT JOIN event_mineral em USING (event_id)
LEFT JOIN dim_mineral m ON m.mineral_id = em.mineral_id
LEFT JOIN event_country ec USING (event_id)
LEFT JOIN dim_country c ON c.area_code = ec.area_code
"""


def test_a_warehouse_from_before_the_catalogue_still_renders():
    """Reader files from before migration 0006: no origin, jurisdiction or event_date."""
    from warehouse.store import migrations

    con = duckdb.connect()
    try:
        for number, _, sql in migrations():
            if number <= 5:
                con.execute(sql)
        con.execute(
            "INSERT INTO dim_mineral VALUES ('lithium', 'Lithium', 'Li', 'g', true, "
            "DATE '2023-06-28', NULL, 'test', NULL, NULL, '0', NULL, ?)",
            [NOW],
        )
        for eid, day, etype, title, area in (
            ("pib-1", date(2023, 3, 1), "scheme", "Lithium scheme", 699),
            ("pib-2", date(2023, 4, 1), "export_control", "Curbs on lithium exports", 156),
        ):
            con.execute(
                "INSERT INTO policy_event (event_id, release_date, event_type, title, ministry, "
                "primary_prid, source_prids, source_urls, _loaded_at) "
                "VALUES (?, ?, ?, ?, 'Ministry of Mines', 1, [1], [], ?)",
                [eid, day, etype, title, NOW],
            )
            con.execute(
                "INSERT INTO event_mineral VALUES (?, ?, 'lithium', 'title', 1.0, NULL, NULL, ?)",
                [eid, day, NOW],
            )
            con.execute(
                "INSERT INTO event_country VALUES (?, ?, ?, 'actor', NULL, 'implementer', "
                "NULL, NULL, ?)",
                [eid, day, area, NOW],
            )
        con.execute(OLD_TIMELINE)
        html = render_report(con, dataset_label="old file")
    finally:
        con.close()
    rows = re.findall(r'<tr id="event-(E\d+)" data-event-id="([^"]+)" data-side="([^"]+)"', html)
    assert rows == [
        ("E1", "pib-1", "India&#x27;s measure"),
        ("E2", "pib-2", "China&#x27;s export control"),
    ]


def test_origin_and_jurisdiction_read_from_the_mart_when_it_has_them():
    con = build_warehouse(catalogue=True)
    try:
        con.execute("CREATE TABLE timeline_copy AS SELECT * FROM mart_policy_timeline")
        con.execute("DROP TABLE mart_policy_timeline")  # marts are tables (issue 11)
        con.execute(
            "CREATE VIEW mart_policy_timeline AS SELECT * EXCLUDE (origin, jurisdiction), "
            "'catalogue' AS origin, "
            "CASE WHEN event_id = 'pib-1001' THEN 'CN' ELSE 'IN' END AS jurisdiction "
            "FROM timeline_copy"
            if "origin" in {r[0] for r in con.execute("DESCRIBE timeline_copy").fetchall()}
            else "CREATE VIEW mart_policy_timeline AS SELECT *, 'catalogue' AS origin, "
            "CASE WHEN event_id = 'pib-1001' THEN 'CN' ELSE 'IN' END AS jurisdiction "
            "FROM timeline_copy"
        )
        monthly = specs(render_report(con))["mineral-lithium-monthly"]
    finally:
        con.close()
    rows = {r["event_id"]: r for r in monthly["datasets"]["events"]}
    assert rows["pib-1001"]["side"] == SIDE_CHINA  # the mart's value wins
    assert rows["cat-cn-export-control"]["side"] == SIDE_INDIA


@pytest.mark.parametrize(
    ("jurisdiction", "etype", "status", "title", "china_actor", "side"),
    [
        ("CN", "export_control", "in_force", "Export licences for gallium", False, SIDE_CHINA),
        ("cn", "export_control", "suspended", "Controls on graphite", False, SIDE_CHINA_EASED),
        (
            "CN",
            "export_control",
            None,
            "China suspends the October measures",
            False,
            SIDE_CHINA_EASED,
        ),
        ("IN", "scheme", "approved", "Recycling incentive scheme", False, SIDE_INDIA),
        ("US", "export_control", None, "US export rule", False, SIDE_OTHER),
        ("multilateral", "plurilateral_initiative", None, "MSP", False, SIDE_OTHER),
        (None, "export_control", None, "Curbs on antimony exports", True, SIDE_CHINA),
        (None, "export_control", None, "MOFCOM announcement on tungsten", False, SIDE_CHINA),
        (None, "export_control", None, "DGFT restricts exports of beach sand", False, SIDE_INDIA),
        (None, "mou_agreement", None, "India and China sign an MoU", True, SIDE_INDIA),
    ],
)
def test_event_side_rule(jurisdiction, etype, status, title, china_actor, side):
    got = event_side(
        origin="catalogue",
        jurisdiction=jurisdiction,
        event_type=etype,
        status=status,
        title=title,
        china_actor=china_actor,
    )
    assert got == side


# ----------------------------------------------------------------------------- many events


def test_event_lanes_separate_close_markers():
    assert event_lanes([0.0, 0.5, 1.0, 5.0], gap=2.0) == [0, 1, 2, 0]
    # a pile at one spot (events pinned to an edge) cycles through the bounded lanes
    pile = event_lanes([10.0] * 20, gap=1.0, lanes=8)
    assert pile[:8] == list(range(8)) and set(pile) == set(range(8))
    # markers at least `gap` apart all share the first lane
    assert set(event_lanes([float(i) for i in range(100)], gap=1.0)) == {0}


def test_many_events_keep_a_marker_each_without_text_labels():
    con = build_warehouse()
    try:
        n = LABEL_LIMIT + 160
        con.execute(
            "INSERT INTO policy_event (event_id, release_date, event_type, status, title, "
            "ministry, posted_at, primary_prid, source_prids, source_urls, _loaded_at) "
            "SELECT 'pib-' || (5000 + i), DATE '2019-01-01' + CAST(i * 5 AS INTEGER), "
            "'scheme', NULL, 'Bulk event ' || i, 'Ministry of Mines', NULL, 5000 + i, "
            "[5000 + i], ['https://www.pib.gov.in/PressReleasePage.aspx?PRID=' || (5000 + i)], ? "
            "FROM range(?) t(i)",
            [NOW, n],
        )
        con.execute(
            "INSERT INTO event_mineral (event_id, release_date, mineral_id, basis, confidence, "
            "_loaded_at) SELECT event_id, release_date, 'lithium', 'title', 1.0, ? "
            "FROM policy_event WHERE event_id LIKE 'pib-5%'",
            [NOW],
        )
        apply_marts(con)  # the marts are tables: rebuild them over the new events
        html = render_report(con)
    finally:
        con.close()
    monthly = specs(html)["mineral-lithium-monthly"]
    rows = monthly["datasets"]["events"]
    assert len(rows) == n + 3 and monthly["usermeta"]["labels"] is False
    names = [u.get("name") for u in layers(monthly)]
    assert "event_markers" in names and not any(str(x).startswith("event_labels") for x in names)
    # events from 2019 to 2021 lie more than 36 months before the data: pinned to the left edge
    pinned = [r for r in rows if r["label"].startswith("«")]
    assert pinned and all(r["x"] == "2020-01-01" for r in pinned)
    assert {r["y"] for r in rows} <= {8 + 15 * lane for lane in range(8)}
    # the mineral's list shows the latest 30 and points to the table for the rest
    assert "(the latest 30 of" in section(html, "lithium")


# ----------------------------------------------------------------------------- edge cases


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
    assert 'class="vl-chart"' not in html and "<script" not in html  # no charts, no JavaScript


def test_events_without_trade_still_listed():
    con = build_warehouse(trade=False)
    try:
        html = render_report(con)
    finally:
        con.close()
    assert "No import data in the warehouse yet" in html
    assert not specs(html)
    assert len(re.findall(r'<tr id="event-E\d+"', html)) == 4


def test_missing_marts_give_a_notice():
    con = duckdb.connect()
    try:
        html = render_report(con, dataset_label="bare")
    finally:
        con.close()
    assert "trade mart views are missing" in html
    assert "mart_policy_timeline) is missing" in html
    assert 'class="vl-chart"' not in html

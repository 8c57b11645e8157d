"""The report's "trade from every side" blocks: mirror flows and TradeStat vs Comtrade.

A hand-made warehouse (``_warehouse.py``, ``mirror=True, tradestat=True``) runs the real marts;
the tests read the figures the page shows and compare them with the marts' own rows.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from assets.report.charts import RATIO_AXIS
from assets.report.fmt import fmt_usd, fmt_usd_signed
from assets.report.render import render_report

from ._warehouse import apply_marts, build_warehouse
from .test_report_render import layer, layers, section, specs

EVIL_PARTNER = "Côte d'Ivoire <&>"
EVIL_ESCAPED = "Côte d&#x27;Ivoire &lt;&amp;&gt;"


def block(html: str, mineral_id: str) -> str:
    m = re.search(
        rf'<div class="every-side" id="mineral-{mineral_id}-every-side">.*?</div></div>',
        section(html, mineral_id),
        flags=re.S,
    )
    assert m, f"no every-side block for {mineral_id}"
    return m.group(0)


def table_row(html: str, cls: str, **attrs: object) -> list[str]:
    """The cells' text (tags dropped) of the row of table ``cls`` with these data-attributes."""
    table = re.search(rf'<table class="{cls}">.*?</table>', html, flags=re.S)
    assert table, cls
    match = "".join(f' data-{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    row = re.search(rf"<tr{match}[^>]*>(.*?)</tr>", table.group(0), flags=re.S)
    assert row, (cls, attrs)
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]


@pytest.fixture(scope="module")
def warehouse():
    con = build_warehouse(mirror=True, tradestat=True, label="test: SAMPLE DATA")
    yield con
    con.close()


@pytest.fixture(scope="module")
def html(warehouse) -> str:
    return render_report(warehouse)


def mart_row(con: duckdb.DuckDBPyConnection, partner: int, year: int) -> tuple:
    row = con.execute(
        "SELECT india_reported_usd, partner_reported_usd, gap_usd, cif_fob_ratio, "
        "reconciliation_status FROM mart_trade_reconciliation WHERE mineral_id = 'lithium' "
        "AND freq = 'A' AND india_flow = 'M' AND partner_code = ? AND ref_year = ?",
        [partner, year],
    ).fetchall()
    assert len(row) == 1
    return row[0]


# ----------------------------------------------------------------------------- mirror


def test_mirror_chart_draws_the_marts_ratio_per_partner_and_year(html, warehouse):
    chart = specs(html)["mineral-lithium-mirror"]
    points = {(p["partner"], p["year"]): p for p in chart["datasets"]["mirror"]}
    india, partner, gap, ratio, _ = mart_row(warehouse, 36, 2022)  # Australia 300 vs 200
    got = points[("Australia", "2022")]
    assert got["x"] == pytest.approx(ratio) == pytest.approx(1.5)
    assert got["india_text"] == fmt_usd(india) and got["partner_text"] == fmt_usd(partner)
    assert got["gap_text"] == fmt_usd_signed(gap) == "+$100"
    assert got["status"] == "CIF above the band" and got["ratio_text"] == "1.50"
    assert points[("Chile", "2022")]["status"] == "CIF below FOB"  # 150 / 160
    assert points[("China", "2023")]["status"] == "within the band"
    # 20 / 5 = 4.0 lies beyond the axis: drawn at its right edge, the tooltip says so
    civ = points[(EVIL_PARTNER, "2023")]
    assert civ["x"] == RATIO_AXIS[1] and civ["ratio_text"].startswith("4.00 (beyond the axis")
    assert civ["position"].startswith("above 2")
    # one-sided years (India only, partner only) have no ratio: in the table, not on the chart
    assert ("USA", "2022") not in points and ("Australia", "2021") in points
    assert chart["usermeta"]["not_drawn"] >= 1
    assert chart["datasets"]["band"] == [
        {"lo": 1.0, "hi": 1.1, "tip": chart["datasets"]["band"][0]["tip"]}
    ]
    # the partners are drawn largest first, as the y axis order
    y = layer(chart, "mirror_points")["encoding"]["y"]
    assert y["sort"][:2] == ["China", "Australia"]


def test_mirror_chart_has_title_description_legend_and_tooltips(html):
    chart = specs(html)["mineral-lithium-mirror"]
    assert chart["title"] == (
        "Lithium: India's imports as India and its partners report them, 2021–2023"
    )
    assert "1.00 to 1.10" in chart["description"] and "CIF" in chart["description"]
    for unit in layers(chart):  # the band and the dots: every data mark has a tooltip
        assert "tooltip" in unit["encoding"], unit.get("name")
        assert unit["data"]["name"] in chart["datasets"]
    enc = layer(chart, "mirror_points")["encoding"]
    assert enc["color"]["title"] == "Reconciliation" and "legend" in enc["color"]
    assert enc["color"]["scale"]["domain"] == [
        "within the band",
        "CIF above the band",
        "CIF below FOB",
    ]
    assert enc["x"]["title"].startswith("India-reported imports (CIF)") and enc["y"]["title"]
    assert 'id="mineral-lithium-mirror"' in html and 'data-chart="mirror"' in html


def test_largest_gaps_table_shows_the_marts_figures(html, warehouse):
    lithium = block(html, "lithium")
    india, partner, gap, ratio, _ = mart_row(warehouse, 36, 2022)
    cells = table_row(lithium, "mirror-gaps", partner_code=36, year=2022)
    assert cells == [
        "Australia",
        "2022",
        fmt_usd(india),
        fmt_usd(partner),
        fmt_usd_signed(gap),
        f"{ratio:.2f}",
        "CIF above the band",
    ]
    assert 'title="US$ 300"' in lithium  # the exact dollars in the cell's title
    # a year the partner does not report: India's figure, no ratio, said in words
    cells = table_row(lithium, "mirror-gaps", partner_code=842, year=2022)
    assert cells[2:] == ["–", "$40", "−$40", "–", "partner only (India reports nothing)"]
    # largest absolute gaps first
    gaps = re.findall(r'<tr data-partner-code="\d+" data-year="(\d+)"', lithium)
    assert len(gaps) == 8
    assert re.search(r'<tbody><tr data-partner-code="36" data-year="2022"', lithium)


def test_mirror_summary_sentence_for_the_latest_year(html):
    lithium = block(html, "lithium")
    # 2023: China, Australia, Chile, the USA within; Côte d'Ivoire above
    assert "2023: 4 of 5 partner(s) within the CIF/FOB band 1.00–1.10, 1 above it" in lithium
    # totals where both report: 450 + 350 + 120 + 20 + 5 = 945 vs 420 + 330 + 115 + 5 + 5 = 875
    assert "total $945 (CIF)" in lithium and "$875 (FOB), ratio 1.08" in lithium


def test_partner_imports_from_india_are_not_in_the_main_view(html):
    # China reports imports of 999 from India (India's exports side): not India's imports
    assert "$999" not in html and "999.0" not in html


def test_mineral_without_both_sides_gets_a_message_and_its_table(html):
    copper = block(html, "copper")  # copper's mirror partners report nothing: India only
    assert "No partner-year of Copper has both sides reported" in copper
    assert 'id="mineral-copper-mirror"' not in copper
    cells = table_row(copper, "mirror-gaps", partner_code=152, year=2023)
    assert cells[2] == "$6K" and cells[-1] == "India only (the partner reports nothing)"
    assert "No TradeStat months for Copper" in copper


def test_mineral_without_mirror_rows_gets_a_message():
    con = build_warehouse(mirror=True)
    try:
        con.execute("DELETE FROM mart_trade_reconciliation WHERE mineral_id = 'copper'")
        html = render_report(con)
    finally:
        con.close()
    copper = block(html, "copper")
    assert "No partner reports its exports of Copper to India" in copper
    assert '<p class="empty">' in copper and "mirror-gaps" not in copper
    assert 'id="mineral-lithium-mirror"' in html  # lithium still has its chart


# ----------------------------------------------------------------------------- TradeStat


def test_tradestat_table_equals_the_mart(html, warehouse):
    ts, ct = warehouse.execute(
        "SELECT sum(tradestat_value_usd), sum(comtrade_value_usd) "
        "FROM mart_tradestat_vs_comtrade WHERE mineral_id = 'lithium' AND flow_code = 'M' "
        "AND period = '202303'"
    ).fetchone()
    assert (ts, ct) == (78.0, 69.0)  # China 45 + Australia 26 + Côte d'Ivoire 7; 43 + 26
    lithium = block(html, "lithium")
    cells = table_row(lithium, "tradestat-vs-comtrade", period="202303")
    # 78 - 69 = +9, 9 / 78 = 11.5%; China and Australia on both sides, Côte d'Ivoire in one
    assert cells[:6] == ["Mar 2023", fmt_usd(ts), fmt_usd(ct), "+$9", "+11.5%", "2 / 1 / 0"]
    assert cells[6] == f"{EVIL_ESCAPED}: +$7"  # the largest partner gap: TradeStat only
    cells = table_row(lithium, "tradestat-vs-comtrade", period="202304")
    assert cells[1:5] == ["$72", "$72", "$0", "+0.0%"]


# ----------------------------------------------------------------------------- robustness


def test_missing_marts_give_messages_not_errors():
    """A warehouse from before issue 12: neither mart exists."""
    con = build_warehouse(mirror=True, tradestat=True)
    try:
        con.execute("DROP TABLE mart_trade_reconciliation")
        con.execute("DROP TABLE mart_tradestat_vs_comtrade")
        html = render_report(con)
    finally:
        con.close()
    lithium = block(html, "lithium")
    assert "mart_trade_reconciliation is missing from this warehouse" in lithium
    assert "mart_tradestat_vs_comtrade is missing from this warehouse" in lithium
    assert "-mirror" not in " ".join(specs(html)) and len(specs(html)) == 7
    assert "mirror-gaps" not in html and "tradestat-vs-comtrade" not in html


def test_a_mart_that_cannot_be_read_gives_a_message():
    con = build_warehouse(mirror=True, tradestat=True)
    try:
        con.execute("DROP TABLE mart_trade_reconciliation")
        con.execute("CREATE TABLE mart_trade_reconciliation (mineral_id VARCHAR)")
        html = render_report(con)
    finally:
        con.close()
    assert "mart_trade_reconciliation could not be read" in block(html, "lithium")
    assert "tradestat-vs-comtrade" in block(html, "lithium")  # the other mart still shows


def test_warehouse_text_is_escaped(html):
    lithium = block(html, "lithium")
    assert EVIL_PARTNER not in html and "<&>" not in html.split("<script")[0]
    assert f"<td>{EVIL_ESCAPED}</td>" in lithium  # the gaps table
    assert "Côte d'Ivoire \\u003c\\u0026\\u003e" in html  # inside the JSON spec
    assert EVIL_PARTNER in {
        p["partner"] for p in specs(html)["mineral-lithium-mirror"]["datasets"]["mirror"]
    }


def test_sample_rows_of_the_new_marts_are_labelled():
    con = build_warehouse(mirror=True, tradestat=True, sample=False, side_sample=True)
    try:
        html = render_report(con, dataset_label=None)
    finally:
        con.close()
    assert 'class="badge">SAMPLE DATA' in html.split("<main>")[0]  # page header and banner
    assert "sample-banner" in html
    assert 'class="badge">SAMPLE DATA' in block(html, "lithium")
    con = build_warehouse(mirror=True, tradestat=True, sample=False, label="live")
    try:
        live = render_report(con)
    finally:
        con.close()
    assert 'class="badge"' not in live and 'class="sample-banner"' not in live


def test_a_tradestat_line_rounded_to_zero_is_flagged():
    con = build_warehouse(tradestat=True)
    try:
        con.execute(
            "UPDATE fact_trade_flow_hs8 SET value_usd = 0, usd_rounded_to_zero = true "
            "WHERE period = '202304' AND partner_code = 36"
        )
        apply_marts(con)
        html = render_report(con)
    finally:
        con.close()
    lithium = block(html, "lithium")
    assert table_row(lithium, "tradestat-vs-comtrade", period="202304")[0] == "Apr 2023†"
    assert table_row(lithium, "tradestat-vs-comtrade", period="202303")[0] == "Mar 2023"
    assert "† a TradeStat line printed US$ 0.00" in lithium

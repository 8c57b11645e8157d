"""The TradeStat parsers on the real page layout, and bad input: each fault is a typed error that
names the report, the period and the field."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from assets.tradestat.errors import (
    FlowMismatchError,
    LayoutChangedError,
    PeriodMismatchError,
    TotalMismatchError,
    TradeStatPageError,
    UnitMismatchError,
    UnknownUnitError,
)
from assets.tradestat.fake_site import FakeTradeStat, Request
from assets.tradestat.forms import parse_form
from assets.tradestat.parse import parse_control_page, parse_data_page
from assets.tradestat.policy import control_report, data_report
from assets.tradestat.units import parse_unit_label
from tests.tradestat._helpers import LITHIUM, small_site

FIXTURE = Path(__file__).parent / "fixtures" / "meidb_all_countries_import_7106_dec2025_qty.html"
IMPORTS = data_report("M")


def test_the_real_page_layout_parses_with_its_own_totals():
    """A real saved page: 41 partners, Calendar Year, Quantity, the tfoot inside the tbody."""
    page = parse_data_page(
        FIXTURE.read_bytes(),
        report=IMPORTS,
        url=IMPORTS.url,
        hs_code="7106",
        year=2025,
        month=12,
        unit_kind="qty",
        year_basis="CY",
    )
    assert len(page.rows) == 41
    assert page.total == {
        "month_prev": 421_447.0,
        "month": 459_977.0,
        "cum_prev": 7_669_143.0,
        "cum": 7_221_983.0,
    }
    rows = {r.country: r for r in page.rows}
    assert (rows["AUSTRALIA"].month_prev, rows["AUSTRALIA"].month) == (42_559.0, 0.0)
    assert rows["U K"].cum == 2_199_101.0 and rows["CHINA P RP"].month == 16_130.0
    h = page.header
    assert (h.flow, h.hs_code, h.revision, h.year_basis, h.quantity_unit) == (
        "M",
        "7106",
        "F",
        "CY",
        None,  # below 8 digits the page prints no unit
    )
    assert (h.unit.kind, h.unit.factor) == ("qty", 1.0)
    assert str(h.report_date) == "2026-07-24"
    assert h.description.startswith("SILVR(INCLD SLVR PLTD")


def test_the_real_form_gives_its_own_option_codes():
    """MEIDB's import form codes US $ Million 1, Quantity 2, ₹ Crore 3 (other reports differ)."""
    form = parse_form(FIXTURE.read_bytes(), IMPORTS, "2025-12")
    assert {k: v[0] for k, v in form.units.items()} == {"qty": "2", "usd": "1", "inr": "3"}
    assert form.year_types == {"CY": "2", "FY": "1"}
    assert (form.hs_field, form.month_field, form.year_field) == (
        "cwacimHSCODE",
        "cwacimMonth",
        "cwacimYear",
    )
    assert form.fields("28369100", 2024, 6, "inr", "FY", "2024-06") == {
        "cwacimHSCODE": "28369100",
        "cwacimMonth": "6",
        "cwacimYear": "2024",
        "cwacimReportVal": "3",
        "cwacimReportYear": "1",
    }


@pytest.mark.parametrize(
    "label, kind, factor",
    [
        ("US $ Million", "usd", 1e6),
        ("Values in US$ Million", "usd", 1e6),
        ("₹ Crore", "inr", 1e7),
        ("Rs. Crore", "inr", 1e7),
        ("Rs. Lakh", "inr", 1e5),
        ("Rs Lacs", "inr", 1e5),
        ("Quantity", "qty", 1.0),
        ("Quantity (in thousands)", "qty", 1e3),
    ],
)
def test_units_labels(label, kind, factor):
    unit = parse_unit_label(label)
    assert (unit.kind, unit.factor) == (kind, factor)


@pytest.mark.parametrize("label", ["US $ Thousand", "Rs. Billion", "Tonnes", "", "Values in"])
def test_unknown_units_labels_are_not_guessed(label):
    assert parse_unit_label(label) is None


def _page(kind: str = "usd", flow: str = "M", report: str = "commodity_wise_all_countries") -> str:
    fake = FakeTradeStat(small_site())
    req = Request(report, flow, LITHIUM, 2024, 6, kind, "FY")
    return fake.result_page(req, "tok", {})


def _parse(html: str, kind: str = "usd", flow: str = "M", **kw):
    report = data_report(flow)
    args = dict(report=report, url=report.url, hs_code=LITHIUM, year=2024, month=6)
    return parse_data_page(html.encode(), **args, unit_kind=kind, **kw)


def test_a_rendered_page_parses():
    page = _parse(_page())
    assert [r.country for r in page.rows] == ["ARGENTINA", "CHILE", "CHINA P RP"]
    assert page.total["month"] == pytest.approx(15.55, abs=0.01)
    assert page.header.year_basis == "FY" and page.header.quantity_unit == "KGS"


def _expect(exc_type, html: str, field: str, *, kind: str = "usd", **kw) -> TradeStatPageError:
    with pytest.raises(exc_type) as info:
        _parse(html, kind, **kw)
    err = info.value
    assert err.report == "meidb/commodity_wise_all_countries_import"
    assert err.period == "2024-06"
    assert err.field == field
    for part in ("tradestat", "meidb/commodity_wise_all_countries_import", "2024-06", field):
        assert part in str(err)
    return err


def test_a_changed_table_layout_fails_naming_the_header():
    html = _page().replace("<th>%Growth</th>", "", 1)
    _expect(LayoutChangedError, html, "header")


def test_a_missing_result_table_fails():
    _expect(LayoutChangedError, _page().replace('id="example1"', 'id="results"'), "table#example1")


def test_a_renamed_first_column_fails_naming_it():
    _expect(
        LayoutChangedError, _page().replace("<th>Country</th>", "<th>Partner</th>"), "header[1]"
    )


def test_an_unknown_units_label_fails():
    html = _page().replace("Values in US $ Million", "Values in US $ Thousand")
    err = _expect(UnknownUnitError, html, "Values in")
    assert "US $ Thousand" in str(err)


def test_a_page_in_another_unit_than_asked_fails():
    _expect(UnitMismatchError, _page("inr"), "Values in", kind="usd")


def test_a_page_for_another_month_fails():
    html = _page().replace("<th>Jun-2024", "<th>May-2024")
    _expect(PeriodMismatchError, html, "header[3]")


def test_a_calendar_year_page_on_a_fiscal_year_request_fails():
    html = _page().replace("<th>Apr-Jun2024", "<th>Jan-Jun2024")
    err = _expect(PeriodMismatchError, html, "header[6]")
    assert "CY cumulative" in str(err)


def test_an_export_page_served_for_imports_fails_on_its_title():
    html = _page(flow="X")
    with pytest.raises(FlowMismatchError) as info:
        _parse(html, flow="M")
    assert info.value.field == "title" and "Export :: Commodity wise all Countries" in str(
        info.value
    )


def test_rows_that_do_not_add_up_to_the_total_fail():
    html = _page().replace("<td>12.35</td>", "<td>2.35</td>", 1)
    err = _expect(TotalMismatchError, html, "Total/month")
    assert "add up to" in str(err)


def test_a_page_cut_before_its_total_row_fails():
    html = _page()
    html = html[: html.index("<tfoot>")] + "</tbody></table></body></html>"
    _expect(LayoutChangedError, html, "Total")


def test_a_figure_that_is_not_a_number_fails_naming_partner_and_column():
    html = _page().replace("<td>12.35</td>", "<td>12.3x</td>", 1)
    _expect(LayoutChangedError, html, "CHILE/month")


def test_a_negative_value_fails():
    html = _page().replace("<td>12.35</td>", "<td>-12.35</td>", 1)
    _expect(LayoutChangedError, html, "CHILE/month")


def test_another_hs_code_on_the_page_fails():
    _expect(
        LayoutChangedError,
        _page().replace("Commodity:&nbsp;28369100", "Commodity:&nbsp;28369200"),
        "Commodity",
    )


def test_the_control_page_gives_the_line_and_india_totals():
    fake = FakeTradeStat(small_site())
    html = fake.result_page(Request("commoditywise", "M", LITHIUM, 2024, 6, "usd", "FY"), "t", {})
    report = control_report("M")
    page = parse_control_page(
        html.encode(), report=report, url=report.url, hs_code=LITHIUM, year=2024, month=6,
        unit_kind="usd",
    )  # fmt: skip
    assert page.hs_value == pytest.approx(15.55, abs=0.01)
    assert page.india_total == 56_010.0 and page.india_total_label == "India's Total Import"


def test_a_control_page_whose_own_total_row_names_the_other_flow_fails():
    fake = FakeTradeStat(small_site())
    html = fake.result_page(Request("commoditywise", "M", LITHIUM, 2024, 6, "usd", "FY"), "t", {})
    html = html.replace("India's Total Import", "India's Total Export")
    report = control_report("M")
    with pytest.raises(FlowMismatchError) as info:
        parse_control_page(
            html.encode(), report=report, url=report.url, hs_code=LITHIUM, year=2024, month=6,
            unit_kind="usd",
        )  # fmt: skip
    assert info.value.field == "India's Total row"
    assert "meidb/commoditywise_import" in str(info.value) and "2024-06" in str(info.value)


def test_errors_survive_pickling_with_their_fields():
    err = UnknownUnitError("meidb/x_import", "2024-06", "Values in", "bad", url="u", hs8="1")
    back = pickle.loads(pickle.dumps(err))
    assert (back.report, back.period, back.field, back.hs8, str(back)) == (
        "meidb/x_import",
        "2024-06",
        "Values in",
        "1",
        str(err),
    )

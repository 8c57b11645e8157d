"""From pages to rows: units converted from what each page says, the fiscal calendar, partners via
the crosswalk, and the cross-page checks (a flow that is not the stated flow, rupees in the wrong
unit, an unknown country) failing typed."""

from __future__ import annotations

import re

import polars as pl
import pytest

from assets.tradestat.errors import (
    FlowMismatchError,
    TotalMismatchError,
    UnitMismatchError,
    UnknownPartnerError,
)
from assets.tradestat.fake_site import FakeTradeStat, Request, data_table
from assets.tradestat.fetch import fetch_month
from assets.tradestat.mapping import load_crosswalk, load_hs8_map
from assets.tradestat.normalise import normalise_month
from tests.tradestat._helpers import COBALT, LITHIUM, live_client, small_site

HS8 = [COBALT, LITHIUM]


def _load(fake: FakeTradeStat) -> tuple[pl.DataFrame, pl.DataFrame]:
    _, client = live_client(fake)
    pages = fetch_month(client, "2024-06", HS8)
    return normalise_month(pages, load_hs8_map(), load_crosswalk(), is_sample_data=True)


def test_rows_carry_each_unit_converted_from_its_own_label():
    facts, log = _load(FakeTradeStat(small_site()))
    chile = facts.filter((pl.col("hs8") == LITHIUM) & (pl.col("partner_name") == "CHILE")).row(
        0, named=True
    )
    assert chile["value_usd"] == pytest.approx(12.35e6)  # US $ Million, 2 decimals
    assert chile["value_inr"] == pytest.approx(103.05e7)  # ₹ Crore
    assert chile["quantity"] == 600_000 and chile["quantity_unit"] == "KGS"
    assert chile["value_inr"] / chile["value_usd"] == pytest.approx(83.47, abs=0.05)
    assert (chile["partner_dgcis_code"], chile["partner_code"]) == (73, 152)
    assert (chile["period"], chile["period_key"], chile["fiscal_year"], chile["fiscal_month"]) == (
        "202406",
        "M:202406",
        "2024-25",
        3,
    )
    assert (chile["hs6"], chile["hs_edition"], chile["mineral_id"]) == ("283691", "H6", "lithium")
    assert chile["report"] == "meidb/commodity_wise_all_countries_import"
    assert chile["revision_status"] == "R" and chile["year_basis"] == "FY"
    assert facts.filter(pl.col("partner_name") == "CHINA P RP")[
        "partner_code"
    ].unique().to_list() == [156]
    # 2 lines x 2 flows x (3 tables + 1 control page)
    assert log.height == 16 and set(log["value_kind"]) == {"usd", "inr", "qty"}


def test_a_flow_under_usd_5000_prints_zero_and_is_flagged():
    facts, _ = _load(FakeTradeStat(small_site()))
    arg = facts.filter(pl.col("partner_name") == "ARGENTINA").row(0, named=True)
    assert arg["value_usd"] == 0.0 and arg["usd_rounded_to_zero"]
    assert arg["value_inr"] == pytest.approx(0.03e7) and arg["quantity"] == 210
    assert facts.filter(pl.col("partner_name") != "ARGENTINA")["usd_rounded_to_zero"].sum() == 0


def test_partners_with_no_trade_in_the_month_are_dropped():
    site = small_site()
    site.figures[("M", LITHIUM, 2024, 6)]["PERU"] = (0.0, 0.0)  # traded only in other months
    facts, log = _load(FakeTradeStat(site))
    assert "PERU" not in facts["partner_name"].to_list()


def _swap_export_table_for_imports(req: Request, html: str, site) -> str:
    """The server bug the check exists for: the export page carries the import figures."""
    if req.report != "commodity_wise_all_countries" or req.flow != "X" or req.hs8 != LITHIUM:
        return html
    imports = data_table(site, "M", LITHIUM, req.year, req.month, req.kind, req.basis)
    return re.sub(r'<table id="example1".*?</table>', imports, html, flags=re.S)


def test_a_page_that_mislabels_imports_as_exports_is_rejected():
    site = small_site()
    fake = FakeTradeStat(
        site, mutate=lambda req, html: _swap_export_table_for_imports(req, html, site)
    )
    with pytest.raises(FlowMismatchError) as info:
        _load(fake)
    err = info.value
    assert (err.report, err.period, err.field, err.flow, err.hs8) == (
        "meidb/commodity_wise_all_countries_export",
        "2024-06",
        "Total",
        "X",
        LITHIUM,
    )
    msg = str(err)
    assert "national export total" in msg and "it equals the national import total" in msg
    assert "carries imports under the export title" in msg


def test_control_pages_of_one_flow_must_agree_on_india_s_total():
    site = small_site()

    def mutate(req: Request, html: str) -> str:
        if req.report == "commoditywise" and req.hs8 == LITHIUM and req.flow == "M":
            return html.replace("56,010.00", "56,110.00", 1)
        return html

    with pytest.raises(TotalMismatchError) as info:
        _load(FakeTradeStat(site, mutate=mutate))
    assert (
        info.value.field == "India's Total row"
        and info.value.report == "meidb/commoditywise_import"
    )


def test_export_control_pages_carrying_india_s_import_total_are_rejected():
    site = small_site()
    site.india_totals[("X", 2024, 6)] = site.india_totals[("M", 2024, 6)]
    with pytest.raises(FlowMismatchError) as info:
        _load(FakeTradeStat(site))
    assert (
        info.value.field == "India's Total row"
        and info.value.report == "meidb/commoditywise_export"
    )


def _lakh_site():
    """A portal whose rupee tables are 100 times too large, i.e. printed in lakh."""
    site = small_site()
    site.rates = {(2024, 6): 83.47 * 100}
    return site


def test_rupees_in_lakh_labelled_crore_are_rejected_by_the_implied_rate():
    with pytest.raises(UnitMismatchError) as info:
        _load(FakeTradeStat(_lakh_site()))
    err = info.value
    assert (err.report, err.period, err.field, err.hs8) == (
        "meidb/commodity_wise_all_countries_import",
        "2024-06",
        "Values in",
        COBALT,
    )
    assert "8,347.00 rupees per dollar" in str(err) and "₹ Crore" in str(err)


def test_a_legacy_lakh_page_is_converted_by_its_label():
    fake = FakeTradeStat(
        _lakh_site(),
        mutate=lambda req, html: html.replace("Values in ₹ Crore", "Values in Rs. Lakh"),
    )
    facts, _ = _load(fake)
    reference, _ = _load(FakeTradeStat(small_site()))
    # the lakh page prints finer: equal within half a printed crore (Rs 50,000)
    assert facts["value_inr"].to_list() == pytest.approx(reference["value_inr"].to_list(), abs=5e4)


def test_quantity_in_thousands_is_multiplied_by_its_label():
    site = small_site()

    def thousands(req: Request, html: str) -> str:
        if req.kind != "qty":
            return html
        head, table = html.split('<table id="example1"', 1)

        def div(m: re.Match) -> str:
            return f"{float(m.group(1).replace(',', '')) / 1000:,.3f}"

        table = re.sub(r"(?<=<td>)([\d,]+)(?=</td>)", div, table)
        table = re.sub(r"(?<=\n {24})([\d,]+)(?= {20}</td>)", div, table)
        table = re.sub(r"(?<=<strong>)([\d,]+\.\d{2})(?=</strong>)", div, table)
        head = head.replace("Values in Quantity", "Values in Quantity (in thousands)")
        return head + '<table id="example1"' + table

    facts, _ = _load(FakeTradeStat(site, mutate=thousands))
    chile = facts.filter((pl.col("hs8") == LITHIUM) & (pl.col("partner_name") == "CHILE"))
    assert chile["quantity"].item() == pytest.approx(600_000)


def test_a_country_the_crosswalk_does_not_know_fails_naming_it():
    site = small_site()
    site.figures[("M", COBALT, 2024, 6)]["ATLANTIS"] = (1.0, 10.0)
    with pytest.raises(UnknownPartnerError) as info:
        _load(FakeTradeStat(site))
    assert info.value.field == "Country" and "ATLANTIS" in str(info.value)
    assert info.value.period == "2024-06"

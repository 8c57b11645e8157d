"""From parsed TradeStat pages to ``fact_trade_flow_hs8`` rows (polars), with the cross-page checks.

One row per month x flow x HS8 x partner country. Units are converted from what each page says
it is in (:mod:`assets.tradestat.units`), never from what was asked:

* ``value_usd`` = the US $ Million figure x 1,000,000;
* ``value_inr`` = the ₹ Crore figure x 10,000,000 (a legacy ₹ Lakh page x 100,000);
* ``quantity`` = the Quantity figure in the line's own unit (``quantity_unit``, printed on the
  page as "Unit: KGS"); x 1,000 only when the page says "Quantity (in thousands)" (EIDB's
  convention; MEIDB prints quantities as they are).

Figures print with two decimals of US$ million, so a flow under about US$ 5,000 prints 0.00:
such a row keeps ``value_usd`` 0 and ``usd_rounded_to_zero`` true when its rupee value or
quantity shows trade. Rows with no trade at all in the month (zero or blank in every unit; the
table also lists partners that traded only a year earlier) are dropped.

Checks across pages, each a typed error naming the report, the period and the field:

* **Flow**: the partner table's Total (US$) must equal the HS8's national total of the *stated*
  flow (the control page). A page that carries the other flow's figures under this flow's title
  fails here, and the error says so when its total equals the other flow's national total.
  India's total trade must be the same on every control page of a flow and month, and differ
  between imports and exports.
* **Units**: for every partner with at least US$ 0.1 million, rupees / dollars must be a
  plausible exchange rate (:data:`~assets.tradestat.units.INR_PER_USD_BAND`): a ₹ Lakh table
  labelled ₹ Crore is 100 times off and fails.
* **Partners**: every country must be in the DGCI&S crosswalk.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from assets.comtrade.editions import edition_for_period
from assets.tradestat.errors import (
    FlowMismatchError,
    LayoutChangedError,
    TotalMismatchError,
    UnitMismatchError,
    UnknownPartnerError,
)
from assets.tradestat.fetch import HS8Pages
from assets.tradestat.fiscal import fiscal_month, fiscal_year_label, parse_month_key
from assets.tradestat.mapping import country_key
from assets.tradestat.policy import FLOWS
from assets.tradestat.units import INR, INR_PER_USD_BAND, QTY, USD

SOURCE = "tradestat"
#: Partners below this (US$ million) are too rounded for the exchange-rate check.
RATE_CHECK_MIN_USD_MN = 0.1

FACT_SCHEMA: dict[str, pl.DataType] = {
    "period_key": pl.Utf8,
    "freq": pl.Utf8,
    "period": pl.Utf8,
    "ref_year": pl.Int32,
    "ref_month": pl.Int8,
    "fiscal_year": pl.Utf8,
    "fiscal_month": pl.Int8,
    "flow_code": pl.Utf8,
    "hs8": pl.Utf8,
    "hs6": pl.Utf8,
    "hs_edition": pl.Utf8,
    "mineral_id": pl.Utf8,
    "partner_dgcis_code": pl.Int32,
    "partner_name": pl.Utf8,
    "partner_code": pl.Int32,
    "value_usd": pl.Float64,
    "value_inr": pl.Float64,
    "quantity": pl.Float64,
    "quantity_unit": pl.Utf8,
    "usd_rounded_to_zero": pl.Boolean,
    "revision_status": pl.Utf8,
    "year_basis": pl.Utf8,
    "report": pl.Utf8,
    "report_date": pl.Date,
    "is_sample_data": pl.Boolean,
    "_source": pl.Utf8,
    "_source_url": pl.Utf8,
    "_fetched_at": pl.Datetime("us", "UTC"),
    "_raw_sha256": pl.Utf8,
    "_raw_sha256_inr": pl.Utf8,
    "_raw_sha256_qty": pl.Utf8,
}

PAGE_SCHEMA: dict[str, pl.DataType] = {
    "period_key": pl.Utf8,
    "flow_code": pl.Utf8,
    "hs8": pl.Utf8,
    "report": pl.Utf8,
    "value_kind": pl.Utf8,
    "unit_label": pl.Utf8,
    "url": pl.Utf8,
    "report_date": pl.Date,
    "revision_status": pl.Utf8,
    "partner_rows": pl.Int32,
    "stated_total": pl.Float64,
    "india_total": pl.Float64,
    "raw_sha256": pl.Utf8,
    "_fetched_at": pl.Datetime("us", "UTC"),
}


def period_key(month_key: str) -> str:
    """``"2024-06"`` -> ``"M:202406"`` (the warehouse's period key, as Comtrade's monthly)."""
    year, month = parse_month_key(month_key)
    return f"M:{year:04d}{month:02d}"


def _ts(value: str) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def check_flows(pages: list[HS8Pages]) -> None:
    """The flow checks of one month (see the module docstring)."""
    national = {(p.flow, p.hs8): p.control.page.hs_value for p in pages if p.control}
    india: dict[str, tuple[float | None, HS8Pages]] = {}
    for p in pages:
        data = p.data[USD]
        report, url = data.page.report.path, data.fetched.url
        stated = data.page.total["month"] or 0.0
        known = national.get((p.flow, p.hs8)) or 0.0
        if abs(stated - known) > 0.011:
            other = "X" if p.flow == "M" else "M"
            other_total = national.get((other, p.hs8))
            hint = ""
            if other_total is not None and abs(stated - other_total) <= 0.011:
                hint = (
                    f"; it equals the national {FLOWS[other]} total ({other_total:,.2f}): the "
                    f"page carries {FLOWS[other]}s under the {FLOWS[p.flow]} title"
                )
            raise FlowMismatchError(
                report,
                p.period,
                "Total",
                f"the partner table's Total is US$ {stated:,.2f} million but India's national "
                f"{FLOWS[p.flow]} total of HS {p.hs8} for the month is {known:,.2f} "
                f"({p.control.page.report.path}){hint}",
                url=url,
                flow=p.flow,
                hs8=p.hs8,
            )
        total = p.control.page.india_total
        if p.flow in india and india[p.flow][0] != total:
            first = india[p.flow][1]
            raise TotalMismatchError(
                p.control.page.report.path,
                p.period,
                "India's Total row",
                f"India's total {FLOWS[p.flow]}s are {total} on the page for HS {p.hs8} but "
                f"{india[p.flow][0]} on the page for HS {first.hs8}",
                url=p.control.fetched.url,
                flow=p.flow,
                hs8=p.hs8,
            )
        india.setdefault(p.flow, (total, p))
    if "M" in india and "X" in india and india["M"][0] and india["M"][0] == india["X"][0]:
        p = india["X"][1]
        raise FlowMismatchError(
            p.control.page.report.path,
            p.period,
            "India's Total row",
            f"India's total exports equal India's total imports ({india['M'][0]:,.2f}): the "
            "control pages of one flow carry the other flow's figures",
            url=p.control.fetched.url,
            flow="X",
        )


def _check_rate(p: HS8Pages, country: str, usd: float | None, inr: float | None) -> None:
    if not usd or inr is None or usd < RATE_CHECK_MIN_USD_MN * 1e6:
        return
    rate = inr / usd
    low, high = INR_PER_USD_BAND
    if not low <= rate <= high:
        page = p.data[INR]
        raise UnitMismatchError(
            page.page.report.path,
            p.period,
            "Values in",
            f"{country}: {inr:,.0f} rupees for US$ {usd:,.0f} is {rate:,.2f} rupees per dollar, "
            f"outside {low:g}-{high:g}: the page labelled {page.page.header.unit.label!r} is in "
            "another unit",
            url=page.fetched.url,
            flow=p.flow,
            hs8=p.hs8,
        )


def normalise_month(
    pages: list[HS8Pages],
    hs8_map: pl.DataFrame,
    crosswalk: pl.DataFrame,
    *,
    is_sample_data: bool,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(fact rows, page log) of one month's pages; raises the typed errors above."""
    check_flows(pages)
    names = {
        r["name_key"]: (r["dgcis_code"], r["comtrade_code"])
        for r in crosswalk.select("name_key", "dgcis_code", "comtrade_code").iter_rows(named=True)
    }
    editions = {p.period: edition_for_period(p.period.replace("-", "")) for p in pages}
    lines = {(r["hs8"], r["hs_edition"]): r for r in hs8_map.iter_rows(named=True)}
    rows: list[dict] = []
    log: list[dict] = []
    for p in pages:
        year, month = parse_month_key(p.period)
        line = lines[(p.hs8, editions[p.period])]
        by_kind = {kind: {r.country: r.month for r in p.data[kind].page.rows} for kind in p.data}
        usd_page, qty_page = p.data[USD], p.data[QTY]
        qty_unit = qty_page.page.header.quantity_unit
        if not qty_unit:
            raise LayoutChangedError(
                qty_page.page.report.path,
                p.period,
                "Unit",
                f"no quantity unit printed for HS8 {p.hs8} (TradeStat prints one for every "
                "8-digit line)",
                url=qty_page.fetched.url,
                flow=p.flow,
                hs8=p.hs8,
            )
        countries = sorted(set().union(*(set(v) for v in by_kind.values())))
        for country in countries:
            figs = {kind: by_kind[kind].get(country) for kind in by_kind}
            scaled = {
                kind: (
                    None
                    if figs[kind] is None
                    else figs[kind] * p.data[kind].page.header.unit.factor
                )
                for kind in figs
            }
            if not any(scaled.values()):
                continue  # no trade in the month (the table lists last year's partners too)
            key = country_key(country)
            if key not in names:
                raise UnknownPartnerError(
                    usd_page.page.report.path,
                    p.period,
                    "Country",
                    f"{country!r} is not in dgcis_country_crosswalk.csv",
                    url=usd_page.fetched.url,
                    flow=p.flow,
                    hs8=p.hs8,
                )
            _check_rate(p, country, scaled[USD], scaled[INR])
            dgcis, comtrade = names[key]
            usd = scaled[USD]
            rows.append(
                {
                    "period_key": period_key(p.period),
                    "freq": "M",
                    "period": f"{year:04d}{month:02d}",
                    "ref_year": year,
                    "ref_month": month,
                    "fiscal_year": fiscal_year_label(year, month),
                    "fiscal_month": fiscal_month(month),
                    "flow_code": p.flow,
                    "hs8": p.hs8,
                    "hs6": line["hs6"],
                    "hs_edition": line["hs_edition"],
                    "mineral_id": line["mineral_id"],
                    "partner_dgcis_code": dgcis,
                    "partner_name": country,
                    "partner_code": comtrade,
                    "value_usd": usd if usd is not None else None,
                    "value_inr": scaled[INR],
                    "quantity": scaled[QTY],
                    "quantity_unit": qty_unit,
                    "usd_rounded_to_zero": (usd or 0.0) == 0.0 and bool(scaled[INR] or scaled[QTY]),
                    "revision_status": usd_page.page.header.revision,
                    "year_basis": usd_page.page.header.year_basis,
                    "report": usd_page.page.report.path,
                    "report_date": usd_page.page.header.report_date,
                    "is_sample_data": is_sample_data,
                    "_source": SOURCE,
                    "_source_url": usd_page.fetched.url,
                    "_fetched_at": _ts(usd_page.fetched.fetched_at),
                    "_raw_sha256": usd_page.fetched.sha256,
                    "_raw_sha256_inr": p.data[INR].fetched.sha256,
                    "_raw_sha256_qty": qty_page.fetched.sha256,
                }
            )
        for kind, pf in [*p.data.items(), ("usd", p.control)]:
            page = pf.page
            is_control = pf is p.control
            log.append(
                {
                    "period_key": period_key(p.period),
                    "flow_code": p.flow,
                    "hs8": p.hs8,
                    "report": page.report.path,
                    "value_kind": kind,
                    "unit_label": page.header.unit.label,
                    "url": pf.fetched.url,
                    "report_date": page.header.report_date,
                    "revision_status": page.header.revision,
                    "partner_rows": None if is_control else len(page.rows),
                    "stated_total": page.hs_value if is_control else page.total["month"],
                    "india_total": page.india_total if is_control else None,
                    "raw_sha256": pf.fetched.sha256,
                    "_fetched_at": _ts(pf.fetched.fetched_at),
                }
            )
    facts = pl.DataFrame(rows, schema=FACT_SCHEMA)
    dup = facts.group_by("period_key", "flow_code", "hs8", "partner_dgcis_code").len()
    dup = dup.filter(pl.col("len") > 1)
    if dup.height:
        r = dup.row(0, named=True)
        raise LayoutChangedError(
            f"meidb/commodity_wise_all_countries_{FLOWS[r['flow_code']]}",
            pages[0].period,
            "Country",
            f"two rows of HS {r['hs8']} map to DGCI&S country {r['partner_dgcis_code']}",
            flow=r["flow_code"],
            hs8=r["hs8"],
        )
    return facts, pl.DataFrame(log, schema=PAGE_SCHEMA)

"""Which pages a month needs, fetched and parsed in a fixed order.

For one month and one flow, every HS8 line of the map (in the HS edition of the month) needs
four pages:

* the commodity-wise-all-countries page in **US $ Million**, in **₹ Crore** and in **Quantity**
  (the three units of the same partner table: TradeStat converts each transaction at its own
  exchange rate, so the rupee figure is read, not computed);
* the national commodity-wise page in US $ Million: the HS8's total for the flow, against
  which the partner table's Total is checked, and India's total trade of the flow.

Both flows are fetched (imports, then exports), HS8 codes in ascending order, so a replay asks
for exactly what a recording asked for. Every page is parsed as it arrives; the first page that
fails stops the month with its typed error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assets.tradestat.client import TradeStatClient
from assets.tradestat.fiscal import parse_month_key
from assets.tradestat.parse import ControlPage, DataPage, parse_control_page, parse_data_page
from assets.tradestat.policy import control_report, data_report
from assets.tradestat.units import INR, QTY, USD
from pipelines.http import Fetched

UNITS = (USD, INR, QTY)
FLOW_ORDER = ("M", "X")
#: The year basis asked for: Financial Year (cumulative columns from April).
YEAR_BASIS = "FY"


@dataclass
class PageFetch:
    fetched: Fetched
    page: DataPage | ControlPage


@dataclass
class HS8Pages:
    """The four pages of one HS8 line, flow and month."""

    period: str  # YYYY-MM
    flow: str
    hs8: str
    data: dict[str, PageFetch] = field(default_factory=dict)  # unit kind -> page
    control: PageFetch | None = None


def fetch_month(
    client: TradeStatClient, month_key: str, hs8_codes: list[str], flows=FLOW_ORDER
) -> list[HS8Pages]:
    """Fetch and parse every page of one month (``YYYY-MM``)."""
    year, month = parse_month_key(month_key)
    out: list[HS8Pages] = []
    for flow in flows:
        report, control = data_report(flow), control_report(flow)
        for hs8 in sorted(hs8_codes):
            pages = HS8Pages(month_key, flow, hs8)
            for kind in UNITS:
                fetched = client.post(report, hs8, year, month, kind, month_key)
                page = parse_data_page(
                    fetched.content,
                    report=report,
                    url=fetched.url,
                    hs_code=hs8,
                    year=year,
                    month=month,
                    unit_kind=kind,
                    year_basis=YEAR_BASIS,
                )
                pages.data[kind] = PageFetch(fetched, page)
            fetched = client.post(control, hs8, year, month, USD, month_key)
            pages.control = PageFetch(
                fetched,
                parse_control_page(
                    fetched.content,
                    report=control,
                    url=fetched.url,
                    hs_code=hs8,
                    year=year,
                    month=month,
                    unit_kind=USD,
                    year_basis=YEAR_BASIS,
                ),
            )
            out.append(pages)
    return out

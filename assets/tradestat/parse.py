"""Parsers for the two MEIDB report pages the asset reads, following the real markup.

**Data page**: ``meidb/commodity_wise_all_countries_{import,export}`` -- one HS code, every
partner country, one month (layout of a real saved page, July 2026)::

    <h5><b>Import :: Commodity wise all Countries</b></h5>
    <p><b>Commodity:&nbsp;7106&nbsp;SILVR(...)&nbsp;Unit:&nbsp;</b></p>
    <p style="text-align: right;"><b>Report Dated: 24 Jul 2026&nbsp;||&nbsp;
        Values in Quantity || (F) Final (R) Revised Final</b></p>
    <table id="example1">
      <thead><tr><th>S.No.</th><th>Country</th><th>Dec-2024 (R)</th><th>Dec-2025 (F)</th>
        <th>%Growth</th><th>Jan-Dec2024 (R)</th><th>Jan-Dec2025 (F)</th><th>%Growth</th></tr></thead>
      <tbody><tr><td>1</td><td>AUSTRALIA</td><td>42,559</td><td>0</td><td>-</td>...</tr>...
        <tfoot><tr><td></td><td><strong>Total</strong></td><td><strong>421,447.00</strong></td>...
        </tr></tfoot></tbody></table>

The month columns are the same month a year earlier and the asked month; the cumulative columns
run from April (Financial Year mode) or January (Calendar Year mode) to the month. ``(R)`` marks
revised final figures, ``(F)`` final ones. The ``tfoot`` sits inside the ``tbody``.

**Control page**: ``meidb/commoditywise_{import,export}`` -- the national total of one HS code for
the month, and India's total trade of the flow ("India's Total Import"). Columns S.No., HSCode,
Commodity, then the same six figure columns (layout from the public scrapers' column lists; the
page frame is the data page's).

Both parsers check what a page says about itself against what was asked: flow (title), HS code,
unit ("Values in ..."), month and year basis (column headers). The data page's partner rows must
add up to its own Total row in every figure column, within the rounding of the printed figures.
Any failure is a typed :class:`~assets.tradestat.errors.TradeStatPageError` naming the report,
the period and the field; nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import lxml.html
from lxml import etree

from assets.tradestat.errors import (
    FlowMismatchError,
    LayoutChangedError,
    PeriodMismatchError,
    TotalMismatchError,
    TradeStatPageError,
    UnitMismatchError,
    UnknownUnitError,
)
from assets.tradestat.fiscal import MONTH_ABBR
from assets.tradestat.policy import FLOWS, Report
from assets.tradestat.units import Unit, parse_unit_label

_TITLE = re.compile(r"^(Import|Export)\s*::\s*(.+)$", re.IGNORECASE)
_COMMODITY = re.compile(r"Commodity:\s*(\d{2,8})\s+(.*?)\s*Unit:\s*(\S*)\s*$", re.DOTALL)
_REPORT_DATE = re.compile(r"Report Dated:\s*(\d{1,2}\s+[A-Za-z]{3}\s+\d{4})")
_VALUES_IN = re.compile(r"Values in\s+(.+?)\s*(?:\|\||$)")
_MONTH_COL = re.compile(r"^([A-Z][a-z]{2})-(\d{4})(?:\s*\(([RF])\))?$")
_CUM_COL = re.compile(r"^([A-Z][a-z]{2})-([A-Z][a-z]{2})\s*(\d{4})(?:\s*\(([RF])\))?$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_NO_DATA = re.compile(r"no (?:record|data|result)s? found", re.IGNORECASE)
_INDIA_TOTAL = re.compile(r"India'?s\s+Total\s+(Import|Export)s?", re.IGNORECASE)

#: Figure columns (by index) of the data page and what they hold.
DATA_COLUMNS = {2: "month_prev", 3: "month", 5: "cum_prev", 6: "cum"}
GROWTH_COLUMNS = (4, 7)


@dataclass(frozen=True)
class PageHeader:
    flow: str
    hs_code: str
    description: str
    quantity_unit: str | None
    unit: Unit
    report_date: date | None
    month_label: str  # e.g. "Jun-2024 (F)"
    revision: str | None  # F (final) | R (revised final) | None
    year_basis: str  # FY | CY


@dataclass(frozen=True)
class PartnerRow:
    sno: int
    country: str
    month_prev: float | None
    month: float | None
    cum_prev: float | None
    cum: float | None


@dataclass(frozen=True)
class DataPage:
    report: Report
    url: str
    period: str  # YYYY-MM
    header: PageHeader
    rows: tuple[PartnerRow, ...]
    total: dict[str, float | None]  # column name -> the Total row's figure
    decimals: int  # most decimals printed in the month column


@dataclass(frozen=True)
class ControlPage:
    report: Report
    url: str
    period: str
    header: PageHeader
    hs_value: float | None  # the HS code's national total for the month
    india_total: float | None  # India's total trade of the flow for the month
    india_total_label: str


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def _text(el) -> str:
    return _clean(" ".join(el.itertext()))


def _cells(tr) -> list[str]:
    return [_text(td) for td in tr if isinstance(td.tag, str) and td.tag.lower() == "td"]


class _Page:
    """Shared reading of one page: what it is, and typed errors that name it."""

    def __init__(self, html: str | bytes, report: Report, url: str, period: str, hs_code: str):
        self.report, self.url, self.period, self.hs_code = report, url, period, hs_code
        text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
        try:
            self.doc = lxml.html.document_fromstring(text)
        except (etree.ParserError, ValueError) as exc:
            raise self.error(LayoutChangedError, "page", f"not an HTML page: {exc}") from None

    def error(self, cls: type[TradeStatPageError], field: str, message: str):
        return cls(
            self.report.path,
            self.period,
            field,
            message,
            url=self.url,
            flow=self.report.flow,
            hs8=self.hs_code,
        )

    def number(self, text: str, where: str, *, signed: bool = False) -> float | None:
        """A printed figure: thousands commas, blank or '-' for none."""
        raw = text.strip()
        if raw in ("", "-", "NA", "N/A"):
            return None
        value = raw.replace(",", "")
        if not _NUMBER.match(value):
            raise self.error(LayoutChangedError, where, f"{raw!r} is not a number")
        number = float(value)
        if number < 0 and not signed:
            raise self.error(LayoutChangedError, where, f"negative figure {raw!r}")
        return number

    def header(self, year: int, month: int, unit_kind: str, year_basis: str) -> PageHeader:
        title = next((t for h in self.doc.iter("h5") if _TITLE.match(t := _text(h))), None)
        if title is None:
            raise self.error(
                LayoutChangedError, "title", "no 'Import :: ...' / 'Export :: ...' title"
            )
        page_flow = "M" if _TITLE.match(title).group(1).lower() == "import" else "X"
        if page_flow != self.report.flow:
            raise self.error(
                FlowMismatchError,
                "title",
                f"the page says {title!r} but {FLOWS[self.report.flow]}s were asked for",
            )
        texts = [_text(p) for p in self.doc.iter("p")]
        commodity = next((t for t in texts if t.startswith("Commodity:")), None)
        m = _COMMODITY.search(commodity or "")
        if m is None:
            raise self.error(
                LayoutChangedError, "Commodity", "no 'Commodity: <code> ... Unit:' line"
            )
        if m.group(1) != self.hs_code:
            raise self.error(
                LayoutChangedError,
                "Commodity",
                f"the page is for HS {m.group(1)}, not {self.hs_code}",
            )
        description, qty_unit = m.group(2).strip(), (m.group(3).strip() or None)
        dated = next((t for t in texts if "Report Dated:" in t), None)
        if dated is None:
            raise self.error(LayoutChangedError, "Report Dated", "no 'Report Dated: ... ||' line")
        dm = _REPORT_DATE.search(dated)
        report_date = datetime.strptime(dm.group(1), "%d %b %Y").date() if dm else None
        vm = _VALUES_IN.search(dated)
        if vm is None:
            raise self.error(LayoutChangedError, "Values in", f"no 'Values in ...' in {dated!r}")
        unit = parse_unit_label(vm.group(1))
        if unit is None:
            raise self.error(UnknownUnitError, "Values in", f"unknown units label {vm.group(1)!r}")
        if unit.kind != unit_kind:
            raise self.error(
                UnitMismatchError,
                "Values in",
                f"the page is in {vm.group(1)!r} but {unit_kind} was asked for",
            )
        return PageHeader(
            flow=page_flow,
            hs_code=m.group(1),
            description=description,
            quantity_unit=qty_unit,
            unit=unit,
            report_date=report_date,
            month_label="",
            revision=None,
            year_basis=year_basis,
        )

    def table(self):
        table = next((t for t in self.doc.iter("table") if t.get("id") == "example1"), None)
        if table is None:
            if _NO_DATA.search(_text(self.doc)):
                return None
            raise self.error(LayoutChangedError, "table#example1", "the result table is missing")
        return table

    def columns(self, table, fixed: list[str], year: int, month: int, basis: str):
        """Check the header row; returns (month label, revision flag, year basis)."""
        heads = [_text(th) for th in table.iter("th")]
        n = len(fixed)
        if len(heads) != n + 6:
            raise self.error(
                LayoutChangedError,
                "header",
                f"expected {n + 6} columns, found {len(heads)}: {heads}",
            )
        for i, want in enumerate(fixed):
            if heads[i].rstrip(".").lower() != want.rstrip(".").lower():
                raise self.error(LayoutChangedError, f"header[{i}]", f"{heads[i]!r}, not {want!r}")
        for i in (n + 2, n + 5):
            if heads[i].replace(" ", "") != "%Growth":
                raise self.error(LayoutChangedError, f"header[{i}]", f"{heads[i]!r}, not '%Growth'")
        prev, cur = _MONTH_COL.match(heads[n]), _MONTH_COL.match(heads[n + 1])
        cum_prev, cum = _CUM_COL.match(heads[n + 3]), _CUM_COL.match(heads[n + 4])
        for i, m in ((n, prev), (n + 1, cur), (n + 3, cum_prev), (n + 4, cum)):
            if m is None:
                raise self.error(LayoutChangedError, f"header[{i}]", f"unexpected {heads[i]!r}")
        want_mon = MONTH_ABBR[month - 1]
        if (cur.group(1), int(cur.group(2))) != (want_mon, year):
            raise self.error(
                PeriodMismatchError,
                f"header[{n + 1}]",
                f"the page reports {heads[n + 1]!r}, not {want_mon}-{year}",
            )
        if (prev.group(1), int(prev.group(2))) != (want_mon, year - 1):
            raise self.error(
                PeriodMismatchError, f"header[{n}]", f"{heads[n]!r}, not {want_mon}-{year - 1}"
            )
        page_basis = {"Apr": "FY", "Jan": "CY"}.get(cum.group(1))
        if cum.group(2) != want_mon or page_basis is None:
            raise self.error(
                PeriodMismatchError, f"header[{n + 4}]", f"unexpected {heads[n + 4]!r}"
            )
        if page_basis != basis:
            raise self.error(
                PeriodMismatchError,
                f"header[{n + 4}]",
                f"{heads[n + 4]!r} is a {page_basis} cumulative; the request asked for {basis}",
            )
        return heads[n + 1], cur.group(3), page_basis


def parse_data_page(
    html: str | bytes,
    *,
    report: Report,
    url: str,
    hs_code: str,
    year: int,
    month: int,
    unit_kind: str,
    year_basis: str = "FY",
) -> DataPage:
    """Parse a commodity-wise-all-countries page; typed errors name report, period and field."""
    period = f"{year:04d}-{month:02d}"
    page = _Page(html, report, url, period, hs_code)
    header = page.header(year, month, unit_kind, year_basis)
    table = page.table()
    if table is None:  # an explicit "no records" page: no partner traded this code
        return DataPage(report, url, period, header, (), {c: 0.0 for c in DATA_COLUMNS.values()}, 2)
    label, revision, basis = page.columns(table, ["S.No.", "Country"], year, month, year_basis)
    header = PageHeader(**{**header.__dict__, "month_label": label, "revision": revision})

    rows: list[PartnerRow] = []
    total: dict[str, float | None] | None = None
    decimals = {name: 0 for name in DATA_COLUMNS.values()}
    seen: set[str] = set()
    for tr in table.iter("tr"):
        cells = _cells(tr)
        if not cells:
            continue  # the header row (th cells)
        if len(cells) != 8:
            raise page.error(LayoutChangedError, "row", f"a row with {len(cells)} cells: {cells}")
        if cells[1].lower() == "total" and not cells[0]:
            if total is not None:
                raise page.error(LayoutChangedError, "Total", "two Total rows")
            total = {
                name: page.number(cells[i], f"Total/{name}") for i, name in DATA_COLUMNS.items()
            }
            continue
        if not cells[0].isdigit():
            raise page.error(LayoutChangedError, "S.No.", f"unexpected row {cells[:2]}")
        country = cells[1]
        if not country:
            raise page.error(LayoutChangedError, "Country", f"row {cells[0]} has no country")
        if country in seen:
            raise page.error(LayoutChangedError, "Country", f"{country!r} is listed twice")
        seen.add(country)
        values = {
            name: page.number(cells[i], f"{country}/{name}") for i, name in DATA_COLUMNS.items()
        }
        for i in GROWTH_COLUMNS:
            page.number(cells[i], f"{country}/%Growth", signed=True)
        for i, name in DATA_COLUMNS.items():
            if "." in cells[i]:
                decimals[name] = max(decimals[name], len(cells[i].split(".")[1]))
        rows.append(PartnerRow(int(cells[0]), country, **values))
    if total is None:
        raise page.error(LayoutChangedError, "Total", "the table has no Total row")
    for name in DATA_COLUMNS.values():
        _check_total(page, rows, total, name, decimals[name])
    return DataPage(report, url, period, header, tuple(rows), total, decimals["month"])


def _check_total(
    page: _Page, rows: list[PartnerRow], total: dict, name: str, decimals: int
) -> None:
    """Partner rows add up to the Total row, within the rounding of the printed figures.

    Each printed figure is off by at most half its last digit (0.005 US$ million for two
    decimals, 0.5 for whole quantities), and the Total is printed from the unrounded figures.
    """
    stated = total[name]
    figures = [getattr(r, name) for r in rows if getattr(r, name) is not None]
    if stated is None:
        if any(figures):
            raise page.error(TotalMismatchError, f"Total/{name}", "the Total row is blank")
        return
    summed = sum(figures)
    tolerance = 0.5 * 10.0**-decimals * (len(figures) + 1) + 1e-9
    if abs(summed - stated) > tolerance:
        raise page.error(
            TotalMismatchError,
            f"Total/{name}",
            f"the {len(figures)} partner rows add up to {summed:,.2f} but the page's Total "
            f"row says {stated:,.2f} (tolerance {tolerance:.3f})",
        )


def parse_control_page(
    html: str | bytes,
    *,
    report: Report,
    url: str,
    hs_code: str,
    year: int,
    month: int,
    unit_kind: str,
    year_basis: str = "FY",
) -> ControlPage:
    """Parse a national commodity-wise page: the HS code's total and India's total of the flow."""
    period = f"{year:04d}-{month:02d}"
    page = _Page(html, report, url, period, hs_code)
    header = page.header(year, month, unit_kind, year_basis)
    table = page.table()
    if table is None:
        raise page.error(
            LayoutChangedError, "table#example1", "no result table on the control page"
        )
    label, revision, _ = page.columns(
        table, ["S.No.", "HSCode", "Commodity"], year, month, year_basis
    )
    header = PageHeader(**{**header.__dict__, "month_label": label, "revision": revision})
    hs_value: float | None = None
    found = False
    india_total: float | None = None
    india_label = ""
    for tr in table.iter("tr"):
        cells = _cells(tr)
        if not cells:
            continue
        m = _INDIA_TOTAL.search(" ".join(cells[:-6]))
        if len(cells) != 9 and not (m and len(cells) == 7):  # the label may span 3 columns
            raise page.error(LayoutChangedError, "row", f"a row with {len(cells)} cells: {cells}")
        if m:
            india_label = m.group(0)
            named = "M" if m.group(1).lower() == "import" else "X"
            if named != report.flow:
                raise page.error(
                    FlowMismatchError,
                    "India's Total row",
                    f"the page's own total row is {india_label!r} but "
                    f"{FLOWS[report.flow]}s were asked for",
                )
            india_total = page.number(cells[-5], "India's Total/month")
            continue
        if cells[1] == hs_code:
            if found:
                raise page.error(LayoutChangedError, "HSCode", f"{hs_code} is listed twice")
            found = True
            hs_value = page.number(cells[4], f"{hs_code}/month")
    if not found:
        raise page.error(LayoutChangedError, "HSCode", f"no row for {hs_code}")
    if not india_label:
        raise page.error(
            LayoutChangedError, "India's Total row", "the table has no India's Total row"
        )
    return ControlPage(report, url, period, header, hs_value, india_total, india_label)

"""A fake TradeStat portal (an ``httpx.MockTransport`` handler) serving pages in the real markup.

Used by ``tools/snapshots/build_tradestat.py`` to record the bundled snapshot through the real
client, and by the tests to stage faults (an expired session, a mislabelled page, a changed
layout). It behaves like the Laravel application (trade.md 2.2):

* ``GET /meidb/<report>`` answers the form with a fresh CSRF token and sets the session cookie
  ``indiatrade-session`` (``Max-Age=900``; the live portal also sends ``expires``, left out here
  so a replayed cookie never expires by the calendar);
* ``POST`` to the same URL needs the session cookie and its token, else **HTTP 419 Page
  Expired**; it reads the fields by the names the form declares and answers the result page;
* sessions can be expired on purpose (``expire_before_post``) to stage a 419.

The page frame (header, menus, form, footnotes) and the result blocks follow two real saved
pages: ``meidb/commodity_wise_all_countries_import`` (July 2026) for the data report and its
frame; the national ``meidb/commoditywise`` control report's columns follow the public scrapers'
column lists (S.No., HSCode, Commodity, the six figure columns, an "India's Total" row). Styles
and scripts are left out. The figures come from a :class:`SiteData`; they are whatever the
caller puts there (the bundled snapshot's are SAMPLE DATA).
"""

from __future__ import annotations

import hashlib
import html
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import httpx

from assets.tradestat.fiscal import MONTH_ABBR, MONTH_NAMES
from assets.tradestat.policy import BASE_URL, CONTROL_REPORT, DATA_REPORT, SESSION_COOKIE

#: Field names and option codes per report and flow. The import data form's are those of the
#: real saved page; the others follow the public scrapers (trade.md 2.3).
FORM_FIELDS = {
    (DATA_REPORT, "M"): {
        "hs": "cwacimHSCODE",
        "month": "cwacimMonth",
        "year": "cwacimYear",
        "value": "cwacimReportVal",
        "year_type": "cwacimReportYear",
    },
    (DATA_REPORT, "X"): {
        "hs": "cwacexHSCODE",
        "month": "cwacexMonth",
        "year": "cwacexYear",
        "value": "cwacexReportVal",
        "year_type": "cwacexReportYear",
    },
    (CONTROL_REPORT, "M"): {
        "hs": "imcomval",
        "level": "imddCommodityLevel",
        "radio": "imcomlev",
        "month": "imddMonth",
        "year": "imddYear",
        "value": "imddReportVal",
        "year_type": "imddReportYear",
    },
    (CONTROL_REPORT, "X"): {
        "hs": "comval",
        "level": "ddCommodityLevel",
        "radio": "comlev",
        "month": "ddMonth",
        "year": "ddYear",
        "value": "ddReportVal",
        "year_type": "ddReportYear",
    },
}
#: "Values in" option codes: the data report's are the real page's (1 US$, 2 quantity, 3 ₹),
#: the control report's the scrapers' (1 US$, 2 ₹, 3 quantity).
VALUE_CODES = {
    DATA_REPORT: {"1": "usd", "2": "qty", "3": "inr"},
    CONTROL_REPORT: {"1": "usd", "2": "inr", "3": "qty"},
}
VALUE_LABELS = {"usd": "US $ Million", "inr": "₹ Crore", "qty": "Quantity"}
YEAR_CODES = {"1": "FY", "2": "CY"}
YEARS = tuple(range(2026, 2017, -1))
TITLES = {DATA_REPORT: "Commodity wise all Countries", CONTROL_REPORT: "Commodity-wise"}
FLOW_WORD = {"M": "Import", "X": "Export"}


@dataclass
class SiteData:
    """What the fake portal knows.

    ``figures[(flow, hs8, year, month)][country] = (usd_million, quantity)``: exact (unrounded)
    figures of the months the caller cares about. Other months (a year earlier, the earlier
    months of the fiscal year) are derived deterministically from them, so every page has all
    its columns. ``rates[(year, month)]`` is rupees per US dollar; ``india_totals[(flow, year,
    month)]`` India's total trade of the flow, US$ million.
    """

    commodities: dict[str, tuple[str, str]]  # hs8 -> (description, unit)
    figures: dict[tuple[str, str, int, int], dict[str, tuple[float, float]]]
    rates: dict[tuple[int, int], float]
    india_totals: dict[tuple[str, int, int], float]
    report_date: date
    revised_final_through: tuple[int, int] = (2025, 3)  # (R) up to this month, (F) after
    data_through: tuple[int, int] = (2025, 10)

    def value(
        self, flow: str, hs8: str, country: str, year: int, month: int
    ) -> tuple[float, float]:
        """(US$ million, quantity) of one partner and month; derived when not given."""
        exact = self.figures.get((flow, hs8, year, month))
        if exact is not None:
            return exact.get(country, (0.0, 0.0))
        known = [
            figs[country]
            for (f, h, _, _), figs in sorted(self.figures.items())
            if f == flow and h == hs8 and country in figs
        ]
        if not known:
            return (0.0, 0.0)
        usd = sum(k[0] for k in known) / len(known)
        qty = sum(k[1] for k in known) / len(known)
        seed = f"{flow}|{hs8}|{country}|{year}|{month}"
        rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16))
        factor = 0.0 if rng.random() < 0.15 else rng.uniform(0.55, 1.45)
        return (usd * factor, qty * factor)

    def countries(self, flow: str, hs8: str) -> list[str]:
        names: set[str] = set()
        for (f, h, _, _), figs in self.figures.items():
            if f == flow and h == hs8:
                names |= set(figs)
        return sorted(names)

    def rate(self, year: int, month: int) -> float:
        if (year, month) in self.rates:
            return self.rates[(year, month)]
        return sum(self.rates.values()) / len(self.rates)

    def flag(self, year: int, month: int) -> str:
        return "R" if (year, month) <= self.revised_final_through else "F"


# --------------------------------------------------------------------------- formatting


def fmt(value: float, decimals: int) -> str:
    """A figure as TradeStat prints it: thousands commas, fixed decimals."""
    return f"{value:,.{decimals}f}"


def growth(prev: float, cur: float, decimals: int) -> str:
    if not prev or not cur:
        return "-"
    return fmt((cur - prev) / prev * 100, decimals)


def months_to(year: int, month: int, basis: str) -> list[tuple[int, int]]:
    """The months of the cumulative column: April (FY) or January (CY) to the month."""
    start = 4 if basis == "FY" else 1
    y = year if (basis == "CY" or month >= 4) else year - 1
    out, m = [], start
    while True:
        out.append((y, m))
        if (y, m) == (year, month):
            return out
        m += 1
        if m == 13:
            y, m = y + 1, 1


# --------------------------------------------------------------------------- page parts


def _head() -> str:
    return """<!DOCTYPE html>
<html lang="en">

<head>
  <meta charset="UTF-8">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>TRADESTAT</title>
  <link rel="shortcut icon" href="https://tradestat.commerce.gov.in/assets/images/favicon.png">
</head>
"""


def _banner(site: SiteData) -> str:
    ry, rm = site.revised_final_through
    dy, dm = site.data_through
    updated = site.report_date.strftime("%d/%m/%Y")
    return f"""<body>
  <!-- Header -->
  <div class="container-fluid" style="background-color:#FEE7CE;">
    <div class="row" style="background-color:#ffe7ce; padding: 8px; color:black;">
      <div class="col-lg-3">
        <h4> Government of India</h4>
        <h5> Ministry of Commerce and Industry</h5>
        <h6> DEPARTMENT OF COMMERCE</h6>
      </div>
      <div class="col-lg-8">
      <a class="btn btn-secondary"  href="{BASE_URL}/eidb/commodity_wise_export"><b>EIDB</b></a>
      <a class="btn" style="background-color:#29d; color:white;"  href="{BASE_URL}/meidb/commoditywise_export" ><b>MEIDB</b></a>
      <a class="btn btn-secondary" href="{BASE_URL}/ftpa/export_commodity_group_new"><b>FTPA</b></a>
      <a class="btn btn-secondary" href="{BASE_URL}/ftspcc/export_commodity_wise"><b>FTSPCC</b></a>
      <br>
      <a class="btn" style="background-color:#29d; color:white;">System on  India's Monthly Trade(Harmonised Classification of Commodities)</a>
     <p style="padding-top: 10px;">Data available:Jan 2018 to     {MONTH_ABBR[dm - 1]} {dy} ((R) Revised Final upto {MONTH_ABBR[rm - 1]} {ry}, (F) Final upto&nbsp;{MONTH_ABBR[dm - 1]} {dy})  &nbsp;&nbsp;&nbsp;&nbsp;

      Data last updated on: {updated}</p>
      </div>
    </div>
  </div>
"""


def _menu(report: str, flow: str) -> str:
    word = "import" if flow == "M" else "export"
    other = "export" if flow == "M" else "import"
    return f"""  <section class="border">
    <div class="container-fluid" >
      <div class="row">
        <div class="col-md-7">
          <label class="mt-2"><h6><b>Trade Type: </b></h6></label> &nbsp;
          <a href="{BASE_URL}/meidb/commoditywise_{other}" class="btn btn-secondary mt-2">{other.upper()}S</a>
          <a href="{BASE_URL}/meidb/commoditywise_{word}" class="btn mt-2" style="background-color:#29d; color:white;">{word.upper()}S</a>
        </div>
        <div class="col-md-3 mt-2" id="exportdropdown" style="display: flex;">
          <label class="mt-2"><h6><b>Reports: </b></h6></label> &nbsp;  &nbsp;
          <div class="dropdown" style="width: 100%; max-width: 300px; margin-left: 0px; ">
            <ul class="dropdown-menu" aria-labelledby="dropdownMenuButton">
              <li><a class="dropdown-item" href="{BASE_URL}/meidb/commoditywise_{word}">Commodity-wise</a></li>
              <li><a class="dropdown-item" href="{BASE_URL}/meidb/commodity_wise_all_countries_{word}">Commodity-wise all Countries</a></li>
              <li><a class="dropdown-item" href="{BASE_URL}/meidb/country_wise_{word}">Country-wise</a></li>
            </ul>
          </div>
        </div>
      </div>
    </div>
  </section>
  <div class="container-fluid">
"""


def _select(name: str, options: list[tuple[str, str]], selected: str | None) -> str:
    lines = [f'<select class="form-select" name="{name}" id="{name}" required>']
    if selected is not None:  # the real forms repeat the current choice first
        label = dict(options)[selected]
        lines.append(
            f'                    <option value="{selected}">\n                        {label}</option>'
        )
    for value, label in options:
        sel = " selected " if value == selected else " "
        lines.append(f'                    <option value="{value}"{sel}>{label}</option>')
    lines.append("                </select>")
    return "\n".join(lines)


def _form(report: str, flow: str, token: str, chosen: dict[str, str]) -> str:
    f = FORM_FIELDS[(report, flow)]
    path = f"meidb/{report}_{'import' if flow == 'M' else 'export'}"
    months = [(str(i), name) for i, name in enumerate(MONTH_NAMES, 1)]
    years = [(str(y), str(y)) for y in YEARS]
    codes = VALUE_CODES[report]
    values = [(code, VALUE_LABELS[kind]) for code, kind in codes.items()]
    year_types = [("1", "Financial Year"), ("2", "Calendar Year")]
    extra = ""
    if "radio" in f:
        checked = chosen.get(f["radio"], "all")
        extra = f"""
            <div class="col-sm-12 col-md-2 col-lg-2">
                <input type="radio" name="{f["radio"]}" value="all" {"checked" if checked == "all" else ""}> All Commodities
                <input type="radio" name="{f["radio"]}" value="specific" {"checked" if checked == "specific" else ""}> Specific Commodity
                {_select(f["level"], [("2", "2 Digit"), ("4", "4 Digit"), ("6", "6 Digit"), ("8", "8 Digit")], chosen.get(f["level"]))}
            </div>"""
    return f"""
    <div class="row ">
        <div class="col-md-12 text-center">
            <h5><b>{FLOW_WORD[flow]} :: {TITLES[report]}</b></h5>
        </div>
    </div>
    <form method="POST" action="{BASE_URL}/{path}" onsubmit="openLoader()">
        <input type="hidden" name="_token" value="{token}" autocomplete="off">        <div class="row">
{extra}
            <div class="col-sm-12 col-md-2 col-lg-2">
                <label class="mt-2">
                    <h6>HS&nbsp;Code:</h6>
                </label>&nbsp;
                                <input type="search" name="{f["hs"]}" id="{f["hs"]}" wire:model="{f["hs"]}" value="{html.escape(chosen.get(f["hs"], ""))}" maxLength="8" class="form-control rounded" placeholder="HS CODE" aria-label="Search" aria-describedby="search-addon" required onkeydown="return isNumeric(event.keyCode);" onkeyup="keyUP(event.keyCode)" />&nbsp;&nbsp;
            </div>
            <div class="col-sm-12 col-md-2 col-lg-2">
                <label class="mt-2">
                    <h6>Month:</h6>
                </label>&nbsp;
                {_select(f["month"], months, chosen.get(f["month"]))}
            </div>
            <div class="col-sm-12 col-md-2 col-lg-2">
                <label class="mt-2">
                    <h6>Year:</h6>
                </label>&nbsp;
                {_select(f["year"], years, chosen.get(f["year"]))}
            </div>
            <div class="col-sm-12 col-md-2 col-lg-2">
                <label class="mt-2">
                    <h6>Values&nbsp;in:</h6>
                </label>&nbsp;
                {_select(f["value"], values, chosen.get(f["value"]))}
            </div>
            <div class="col-sm-12 col-md-2 col-lg-2">
                <label class="mt-2">
                    <h6>Year&nbsp;Type:</h6>
                </label>&nbsp;
                {_select(f["year_type"], year_types, chosen.get(f["year_type"]))}
            </div>
            <div class="row text-center">
            <div class="col-sm-12">
                <center>
                    <button type="submit" class="btn mt-4" style="background: #29d; color: #fff;">Submit</button>
                </center>
            </div>
            </div>
        </div>
    </form>
    <br>
"""


_FOOTNOTE = (
    '<p style="color:red;">* ITC HS Code of the Commodity is either dropped or re-allocated and '
    "the unit of the commodity may be changed from April 2026.</p>\n"
)

_MODAL = """
<div class="modal fade" id="exampleModal" tabindex="-1" aria-labelledby="exampleModalLabel" aria-hidden="true">
  <div class="modal-dialog modal-lg"><div class="modal-content"><div class="modal-body">
    <input type="text" id="hscode_value" class="form-control" name="hscode_value" placeholder="Enter HS Code" maxlength="8">
    <input type="text" id="description_value" class="form-control" name="description_value" placeholder="Enter Description">
    <button type="button" id="hscode_fetch"  class="btn btn-primary">Search</button>
  </div></div></div>
</div>
"""


def _tail(token: str) -> str:
    return f"""{_MODAL}<meta name="csrf-token" content="{token}">
  </div>
</body>

</html>
"""


def _result_header(hs8: str, description: str, unit: str, kind: str, report_date: date) -> str:
    return f"""{_FOOTNOTE}
<div class="row">
    <div class="col-md-6"><p><b>Commodity:&nbsp;{hs8}&nbsp;{html.escape(description)}&nbsp;Unit:&nbsp;{unit}</b></p></div>
    <div class="col-md-6">


<p style="text-align: right;"><b>Report Dated: {report_date.strftime("%d %b %Y")}&nbsp;||&nbsp;
                       Values in {VALUE_LABELS[kind]} ||
                                           (F) Final

                                        (R) Revised Final
                    </b>
                </p>
                </div>
</div>
"""


def _th_month(mon: str, year: int, flag: str) -> str:
    return f"<th>{mon}-{year}\n                                                ({flag}) \n                                            </th>"


def _th_cum(first: str, mon: str, year: int, flag: str) -> str:
    return f"<th>{first}-{mon}{year}                    ({flag}) \n                    </th>"


def _head_row(fixed: list[str], site: SiteData, year: int, month: int, basis: str) -> str:
    mon = MONTH_ABBR[month - 1]
    first = "Apr" if basis == "FY" else "Jan"
    cum_year = year
    cells = [f"<th>{name}</th>" for name in fixed] + [
        _th_month(mon, year - 1, site.flag(year - 1, month)),
        _th_month(mon, year, site.flag(year, month)),
        "<th>%Growth</th>",
        _th_cum(first, mon, cum_year - 1, site.flag(year - 1, month)),
        _th_cum(first, mon, cum_year, site.flag(year, month)),
        "<th>%Growth</th>",
    ]
    inner = "\n                        ".join(cells)
    return f"""    <thead>
        <tr style="background: #29d; text-align:center; color: #fff;">
                        {inner}
                    </tr>

    </thead>
"""


def _scale(kind: str, usd: float, qty: float, rate: float) -> float:
    if kind == "usd":
        return usd
    if kind == "inr":
        return usd * rate / 10.0  # US$ million -> ₹ crore
    return qty


def figure_columns(
    site: SiteData,
    flow: str,
    hs8: str,
    country: str | None,
    year: int,
    month: int,
    kind: str,
    basis: str,
) -> tuple[float, float, float, float]:
    """(same month a year earlier, month, cumulative a year earlier, cumulative) of one partner,
    or of all partners of the HS8 when ``country`` is None."""
    names = [country] if country is not None else site.countries(flow, hs8)

    def one(y: int, m: int) -> float:
        return sum(_scale(kind, *site.value(flow, hs8, c, y, m), site.rate(y, m)) for c in names)

    prev, cur = one(year - 1, month), one(year, month)
    cum_prev = sum(one(y, m) for y, m in months_to(year - 1, month, basis))
    cum = sum(one(y, m) for y, m in months_to(year, month, basis))
    return prev, cur, cum_prev, cum


def data_table(
    site: SiteData, flow: str, hs8: str, year: int, month: int, kind: str, basis: str
) -> str:
    decimals = 0 if kind == "qty" else 2
    rows, totals = [], [0.0, 0.0, 0.0, 0.0]
    sno = 0
    for country in site.countries(flow, hs8):
        cols = figure_columns(site, flow, hs8, country, year, month, kind, basis)
        if not any(cols):
            continue
        sno += 1
        totals = [t + c for t, c in zip(totals, cols, strict=True)]
        prev, cur, cum_prev, cum = cols
        rows.append(
            f"""                                        <tr>
                    <td style="text-align:center;">{sno}</td>
                    <td style="text-align:left;">{html.escape(country)}</td>
                                        <td>{fmt(prev, decimals)}</td>
                    <td>{fmt(cur, decimals)}</td>
                    <td>
                        {growth(prev, cur, 0)}                     </td>
                    <td>
                        {fmt(cum_prev, decimals)}                    </td>
                    <td>
                        {fmt(cum, decimals)}                    </td>
                    <td>
                        {growth(cum_prev, cum, 0)}                    </td>


                </tr>
"""
        )
    prev, cur, cum_prev, cum = totals
    total = f"""                                                <tfoot>
                    <tr>
                    <td></td>
                    <td style="text-align:left;"><strong>Total</strong></td>
                    <td align=right><strong>{fmt(prev, 2)}</strong></td>
                    <td align=right><strong>{fmt(cur, 2)}</strong></td>
                    <td align=right><strong>
                        {growth(prev, cur, 2)}</strong></td>
                    <td align=right><strong>{fmt(cum_prev, 2)}</strong></td>
                    <td align=right><strong>{fmt(cum, 2)}</strong></td>
                    <td align=right><strong>
                        {growth(cum_prev, cum, 2)}</strong></td>
                </tr>
                </tfoot>
"""
    return (
        '<table id="example1"  class="table table-bordered border-primary"  style="width:100%">\n'
        + _head_row(["S.No.", "Country"], site, year, month, basis)
        + "    <tbody>\n"
        + "".join(rows)
        + total
        + "\n    </tbody>\n</table>\n"
    )


def control_table(
    site: SiteData, flow: str, hs8: str, year: int, month: int, kind: str, basis: str
) -> str:
    decimals = 0 if kind == "qty" else 2
    prev, cur, cum_prev, cum = figure_columns(site, flow, hs8, None, year, month, kind, basis)
    description = site.commodities[hs8][0]

    def india(y: int, m: int) -> float:
        usd = site.india_totals.get((flow, y, m), 0.0)
        return _scale(kind, usd, 0.0, site.rate(y, m)) if kind != "qty" else 0.0

    i_prev, i_cur = india(year - 1, month), india(year, month)
    i_cum_prev = sum(india(y, m) for y, m in months_to(year - 1, month, basis))
    i_cum = sum(india(y, m) for y, m in months_to(year, month, basis))
    word = FLOW_WORD[flow]
    return f"""<table id="example1"  class="table table-bordered border-primary"  style="width:100%">
{_head_row(["S.No.", "HSCode", "Commodity"], site, year, month, basis)}    <tbody>
                                        <tr>
                    <td style="text-align:center;">1</td>
                    <td style="text-align:left;">{hs8}</td>
                    <td style="text-align:left;">{html.escape(description)}</td>
                    <td>{fmt(prev, decimals)}</td>
                    <td>{fmt(cur, decimals)}</td>
                    <td>{growth(prev, cur, 2)}</td>
                    <td>{fmt(cum_prev, decimals)}</td>
                    <td>{fmt(cum, decimals)}</td>
                    <td>{growth(cum_prev, cum, 2)}</td>
                </tr>
                                                <tfoot>
                    <tr>
                    <td></td>
                    <td></td>
                    <td style="text-align:left;"><strong>India's Total {word}</strong></td>
                    <td align=right><strong>{fmt(i_prev, 2)}</strong></td>
                    <td align=right><strong>{fmt(i_cur, 2)}</strong></td>
                    <td align=right><strong>{growth(i_prev, i_cur, 2)}</strong></td>
                    <td align=right><strong>{fmt(i_cum_prev, 2)}</strong></td>
                    <td align=right><strong>{fmt(i_cum, 2)}</strong></td>
                    <td align=right><strong>{growth(i_cum_prev, i_cum, 2)}</strong></td>
                </tr>
                </tfoot>

    </tbody>
</table>
"""


def render_page(
    site: SiteData,
    report: str,
    flow: str,
    token: str,
    *,
    chosen: dict[str, str] | None = None,
    result: str = "",
) -> str:
    return (
        _head()
        + _banner(site)
        + _menu(report, flow)
        + _form(report, flow, token, chosen or {})
        + '    <div class="row">\n        <div class="col-md-12 table-responsive">\n'
        + result
        + "\n<br>\n\n        </div>\n    </div>\n"
        + _tail(token)
    )


PAGE_EXPIRED_HTML = """<!DOCTYPE html>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <title>Page Expired</title>
    </head>
    <body>
        <div class="flex-center position-ref full-height">
            <div class="code">419</div>
            <div class="message" style="padding: 10px;">Page Expired</div>
        </div>
    </body>
</html>
"""


# --------------------------------------------------------------------------- the portal


@dataclass
class Request:
    """A result request the fake portal answered (for tests and the build script)."""

    report: str
    flow: str
    hs8: str
    year: int
    month: int
    kind: str
    basis: str


@dataclass
class FakeTradeStat:
    """The portal as a MockTransport handler. ``mutate(request, html) -> html`` edits a result page
    before it is served (tests stage broken pages with it); ``expire_before_post`` holds the
    1-based numbers of the POSTs before which the portal forgets every session (HTTP 419);
    ``status_before_post`` maps a POST's number to an error status it answers instead (once)."""

    site: SiteData
    token_seed: str = "tradestat"
    expire_before_post: set[int] = field(default_factory=set)
    status_before_post: dict[int, int] = field(default_factory=dict)
    mutate: Callable[[Request, str], str] | None = None
    sessions: dict[str, str] = field(default_factory=dict)
    posts: int = 0
    served: list[Request] = field(default_factory=list)

    def _new_session(self) -> tuple[str, str]:
        n = len(self.sessions) + 1
        digest = hashlib.sha256(f"{self.token_seed}|{n}".encode()).hexdigest()
        sid, token = f"eyJpdiI6{digest[:40]}", f"{digest[24:64]}"
        self.sessions[sid] = token
        return sid, token

    @staticmethod
    def _route(path: str) -> tuple[str, str] | None:
        name = path.strip("/").removeprefix("meidb/")
        for report in (DATA_REPORT, CONTROL_REPORT):
            for flow, word in (("M", "import"), ("X", "export")):
                if name == f"{report}_{word}":
                    return report, flow
        return None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        route = self._route(urlsplit(str(request.url)).path)
        if route is None:
            return httpx.Response(404, text="<html><title>Not Found</title>404 | Not Found</html>")
        report, flow = route
        cookies = dict(
            p.strip().split("=", 1)
            for p in request.headers.get("cookie", "").split(";")
            if "=" in p
        )
        if request.method == "GET":
            sid, token = self._new_session()
            page = render_page(self.site, report, flow, token)
            return self._html(page, sid)
        self.posts += 1
        if self.posts in self.status_before_post:
            status = self.status_before_post.pop(self.posts)
            self.posts -= 1  # the retry is the same post again
            return httpx.Response(status, text="<html><title>Service Unavailable</title></html>")
        if self.posts in self.expire_before_post:
            self.sessions.clear()
        form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        sid = cookies.get(SESSION_COOKIE)
        if sid not in self.sessions or form.get("_token") != self.sessions[sid]:
            return httpx.Response(
                419, content=PAGE_EXPIRED_HTML.encode(), headers={"Content-Type": "text/html"}
            )
        f = FORM_FIELDS[(report, flow)]
        try:
            req = Request(
                report=report,
                flow=flow,
                hs8=form[f["hs"]],
                year=int(form[f["year"]]),
                month=int(form[f["month"]]),
                kind=VALUE_CODES[report][form[f["value"]]],
                basis=YEAR_CODES[form[f["year_type"]]],
            )
        except (KeyError, ValueError):
            return httpx.Response(500, text="<html>Server Error</html>")
        if report == CONTROL_REPORT and (
            form.get(f["radio"]) != "specific" or form.get(f["level"]) != "8"
        ):
            return httpx.Response(500, text="<html>Server Error</html>")
        self.served.append(req)
        page = self.result_page(req, self.sessions[sid], form)
        if self.mutate is not None:
            page = self.mutate(req, page)
        return self._html(page, sid)

    def result_page(self, req: Request, token: str, chosen: dict[str, str]) -> str:
        description, unit = self.site.commodities[req.hs8]
        header = _result_header(req.hs8, description, unit, req.kind, self.site.report_date)
        if req.report == DATA_REPORT:
            table = data_table(
                self.site, req.flow, req.hs8, req.year, req.month, req.kind, req.basis
            )
        else:
            table = control_table(
                self.site, req.flow, req.hs8, req.year, req.month, req.kind, req.basis
            )
        return render_page(
            self.site, req.report, req.flow, token, chosen=chosen, result=header + table
        )

    @staticmethod
    def _html(page: str, sid: str) -> httpx.Response:
        return httpx.Response(
            200,
            content=page.encode("utf-8"),
            headers={
                "Content-Type": "text/html; charset=UTF-8",
                "Set-Cookie": f"{SESSION_COOKIE}={sid}; Max-Age=900; path=/; secure; httponly; "
                "samesite=lax",
            },
        )

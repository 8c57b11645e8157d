"""A static, self-contained HTML report on India's critical-mineral imports and policy events.

``render_report(con)`` reads the mart views (``mart_import_dependence``,
``mart_supplier_concentration``, ``mart_policy_timeline``) and ``dataset_info`` from an open
DuckDB connection and returns one HTML document as a string. Pure rendering: no file or network
I/O, no JavaScript, no external fonts, styles or images. Charts are inline SVG built here, each
with a ``<title>``/``<desc>``, axis labels and a legend; every data mark carries a ``<title>``
tooltip. All text from the warehouse is HTML-escaped, and the only outbound links are to PIB
release pages (``pib.gov.in``).

For each main mineral (the ``top_n`` largest by imports, plus lithium, REE, cobalt and graphite
when present) the report draws: (a) annual supplier shares (top five partners + Other),
(b) annual supplier concentration (HHI and China's share), (c) monthly imports with the policy
events concerning the mineral marked on the time axis. A policy-event table and a note on
methods follow.
"""

from __future__ import annotations

import calendar
import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import duckdb

__all__ = ["DEFAULT_TITLE", "FOCUS_MINERALS", "render_report"]

DEFAULT_TITLE = "India's critical-mineral imports and policy events"
FOCUS_MINERALS = ("lithium", "ree", "cobalt", "graphite")
CHINA = 156  # Comtrade area code
IST = timezone(timedelta(hours=5, minutes=30), "IST")
TOP_SUPPLIERS = 5
MAX_AXIS_EXTENSION_MONTHS = 36  # events further than this from the data are pinned to the edge
PIB_HOSTS = ("pib.gov.in", "www.pib.gov.in")

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f")
CHINA_COLOUR = "#d62728"
OTHER_COLOUR = "#bab0ac"
HHI_COLOUR = "#1f4e79"
LINE_COLOUR = "#2f6db5"
EVENT_COLOUR = "#c75a00"

_MARTS = ("mart_import_dependence", "mart_supplier_concentration")


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


# ----------------------------------------------------------------------------- data


@dataclass
class _Event:
    num: int
    event_id: str
    day: date | None
    posted_ist: datetime | None
    event_type: str
    status: str | None
    title: str
    ministry: str | None
    minerals: list[tuple[str, str]]  # (mineral_id, name)
    countries: list[str]
    amounts: str | None
    urls: list[str]

    @property
    def label(self) -> str:
        return f"E{self.num}"

    @property
    def anchor(self) -> str:
        return f"event-{self.label}"


@dataclass
class _Mineral:
    mineral_id: str
    name: str
    total_usd: float
    # year -> [(partner_code, partner_name, value_usd, share)]
    annual: dict[int, list[tuple[int, str, float, float]]] = field(default_factory=dict)
    # [(year, hhi, china_share, total_usd, supplier_count, top_supplier, top_share)]
    concentration: list[tuple] = field(default_factory=list)
    # [(year, month, total_usd)]
    monthly: list[tuple[int, int, float]] = field(default_factory=list)
    mixed_share_latest: float | None = None

    @property
    def slug(self) -> str:
        return _mineral_slug(self.mineral_id)


def _mineral_slug(mineral_id: str) -> str:
    return "mineral-" + (re.sub(r"[^a-z0-9]+", "-", mineral_id.lower()).strip("-") or "x")


def _relation_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    try:
        row = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0])


def _dataset_label(con: duckdb.DuckDBPyConnection) -> str | None:
    if not _relation_exists(con, "dataset_info"):
        return None
    try:
        row = con.execute("SELECT value FROM dataset_info WHERE key = 'dataset_label'").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def _any_sample_flag(con: duckdb.DuckDBPyConnection) -> bool:
    if not _relation_exists(con, "mart_import_dependence"):
        return False
    try:
        row = con.execute("SELECT bool_or(is_sample_data) FROM mart_import_dependence").fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0])


def _select_minerals(con: duckdb.DuckDBPyConnection, top_n: int) -> list[_Mineral]:
    rows = con.execute(
        """SELECT mineral_id, any_value(mineral_name),
                  coalesce(sum(import_value_usd) FILTER (WHERE freq = 'A'), 0) AS annual,
                  coalesce(sum(import_value_usd) FILTER (WHERE freq = 'M'), 0) AS monthly
           FROM mart_import_dependence GROUP BY mineral_id"""
    ).fetchall()
    if not rows:
        return []
    has_annual = any(r[2] for r in rows)
    ranked = sorted(
        ((mid, name or mid, float(a if has_annual else m)) for mid, name, a, m in rows),
        key=lambda r: (-r[2], r[0]),
    )
    chosen = {r[0] for r in ranked[: max(top_n, 0)]} | set(FOCUS_MINERALS)
    return [_Mineral(mid, name, total) for mid, name, total in ranked if mid in chosen]


def _load_trade(con: duckdb.DuckDBPyConnection, minerals: list[_Mineral]) -> None:
    by_id = {m.mineral_id: m for m in minerals}
    ids = list(by_id)
    for mid, year, code, name, value, share in con.execute(
        """SELECT mineral_id, ref_year, partner_code,
                  coalesce(partner_name, 'Area ' || CAST(partner_code AS VARCHAR)),
                  import_value_usd, share_of_mineral_imports
           FROM mart_import_dependence
           WHERE freq = 'A' AND list_contains(?, mineral_id)
           ORDER BY mineral_id, ref_year, import_value_usd DESC""",
        [ids],
    ).fetchall():
        by_id[mid].annual.setdefault(int(year), []).append(
            (int(code), str(name), float(value or 0), float(share or 0))
        )
    for row in con.execute(
        """SELECT mineral_id, freq, ref_year, ref_month, hhi, china_share,
                  total_import_value_usd, supplier_count, top_supplier, top_supplier_share
           FROM mart_supplier_concentration
           WHERE list_contains(?, mineral_id)
           ORDER BY mineral_id, freq, ref_year, ref_month""",
        [ids],
    ).fetchall():
        mid, freq, year, month, hhi, china, total, count, top, top_share = row
        m = by_id[mid]
        if freq == "A":
            m.concentration.append(
                (int(year), hhi, china, float(total or 0), count, top, top_share)
            )
        elif freq == "M" and month is not None:
            m.monthly.append((int(year), int(month), float(total or 0)))
    for mid, mixed in con.execute(
        """SELECT mineral_id,
                  sum(value_from_mixed_codes_usd) / nullif(sum(import_value_usd), 0)
           FROM mart_import_dependence
           WHERE freq = 'A' AND list_contains(?, mineral_id)
             AND ref_year = (SELECT max(ref_year) FROM mart_import_dependence WHERE freq = 'A')
           GROUP BY mineral_id""",
        [ids],
    ).fetchall():
        by_id[mid].mixed_share_latest = None if mixed is None else float(mixed)


def _to_ist(ts: object) -> datetime | None:
    if not isinstance(ts, datetime):
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(IST)


def _load_events(con: duckdb.DuckDBPyConnection) -> list[_Event]:
    rows = con.execute(
        """SELECT event_id, any_value(posted_at), any_value(release_date), any_value(event_type),
                  any_value(status), any_value(title), any_value(ministry),
                  list(DISTINCT [mineral_id, coalesce(mineral_name, mineral_id)])
                      FILTER (WHERE mineral_id IS NOT NULL),
                  list(DISTINCT country_name) FILTER (WHERE country_name IS NOT NULL),
                  any_value(amounts), any_value(source_urls)
           FROM mart_policy_timeline
           GROUP BY event_id"""
    ).fetchall()
    events = []
    for eid, posted, day, etype, status, title, ministry, mins, countries, amounts, urls in rows:
        posted_ist = _to_ist(posted)
        if isinstance(day, datetime):
            day = day.date()
        if day is None and posted_ist is not None:
            day = posted_ist.date()
        events.append(
            _Event(
                num=0,
                event_id=str(eid),
                day=day,
                posted_ist=posted_ist,
                event_type=str(etype or ""),
                status=status,
                title=str(title or ""),
                ministry=ministry,
                minerals=sorted({(str(a), str(b)) for a, b in (mins or [])}, key=lambda t: t[1]),
                countries=sorted({str(c) for c in (countries or [])}),
                amounts=amounts,
                urls=[str(u) for u in (urls or []) if u],
            )
        )
    events.sort(
        key=lambda ev: (
            ev.day or date.max,
            ev.posted_ist or datetime.max.replace(tzinfo=IST),
            ev.event_id,
        )
    )
    for i, ev in enumerate(events, start=1):
        ev.num = i
    return events


# ----------------------------------------------------------------------------- formatting


def _fmt_usd(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    a = abs(v)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            x = v / div
            s = f"{x:.1f}" if abs(x) < 100 else f"{x:.0f}"
            return f"${s.removesuffix('.0')}{suffix}"
    return f"${v:.0f}"


def _fmt_pct(v: float | None, digits: int = 1) -> str:
    if v is None:
        return "–"
    return f"{v * 100:.{digits}f}%"


def _fmt_num(v: float) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _fmt_amounts(amounts: str | None) -> list[str]:
    """'outlay: 1500.0 INR crore; ...' -> ['outlay: 1,500 INR crore', ...]."""
    if not amounts:
        return []
    out = []
    for part in amounts.split("; "):
        kind, sep, rest = part.partition(": ")
        num, _, unit = rest.partition(" ")
        try:
            out.append(f"{kind}: {_fmt_num(float(num))} {unit}".strip() if sep else part)
        except ValueError:
            out.append(part)
    return out


def _humanise(slug: str) -> str:
    """'mou_agreement' -> 'mou agreement' (controlled vocabulary slugs, for display)."""
    return slug.replace("_", " ")


def _month_label(idx: int) -> str:
    return f"{calendar.month_abbr[idx % 12 + 1]} {idx // 12}"


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * exp:
            return m * exp
    return 10 * exp


def _value_ticks(vmax: float, n: int = 4) -> list[float]:
    step = _nice_step((vmax if vmax > 0 else 1.0) / n)
    top = step * max(1, math.ceil((vmax if vmax > 0 else 1.0) / step - 1e-9))
    count = round(top / step)
    return [step * i for i in range(count + 1)]


def _trunc(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _pib_url(url: str) -> str | None:
    """The URL if it is an http(s) link to PIB, else None (never linked)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and (parts.hostname or "").lower() in PIB_HOSTS:
        return url
    return None


# ----------------------------------------------------------------------------- SVG helpers

W, H = 640, 320


def _svg_open(cid: str, title: str, desc: str, height: int = H) -> str:
    return (
        f'<svg class="chart" id="{_e(cid)}" viewBox="0 0 {W} {height}" role="img" '
        f'aria-labelledby="{_e(cid)}-title {_e(cid)}-desc" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{_e(cid)}-title">{_e(title)}</title>'
        f'<desc id="{_e(cid)}-desc">{_e(desc)}</desc>'
    )


def _text(
    x: float, y: float, s: str, *, anchor: str = "middle", cls: str = "", extra: str = ""
) -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{_e(s)}</text>'


def _axis_title_y(x: float, y: float, s: str) -> str:
    return (
        f'<text class="axis-label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 {x:.1f} {y:.1f})">{_e(s)}</text>'
    )


def _legend_row(items: list[tuple[str, str]], x0: float, y: float) -> str:
    """Horizontal legend: items are (swatch svg at (0,0)-(18,10), label)."""
    out, x = ['<g class="legend">'], x0
    for swatch, label in items:
        out.append(f'<g transform="translate({x:.1f},{y - 9:.1f})">{swatch}</g>')
        out.append(_text(x + 24, y, label, anchor="start", cls="legend-text"))
        x += 24 + 6.4 * len(label) + 18
    out.append("</g>")
    return "".join(out)


def _message_box(text: str) -> str:
    return f'<p class="empty">{_e(text)}</p>'


# ----------------------------------------------------------------------------- charts


def _chart_shares(m: _Mineral) -> str:
    years = sorted(m.annual)
    if not years:
        return _message_box(f"No annual import data for {m.name}.")
    totals: dict[int, float] = defaultdict(float)
    names: dict[int, str] = {}
    for rows in m.annual.values():
        for code, name, value, _ in rows:
            totals[code] += value
            names[code] = name
    top = sorted(totals, key=lambda c: (-totals[c], names[c]))[:TOP_SUPPLIERS]
    colours, k = {}, 0
    for code in top:
        if code == CHINA:
            colours[code] = CHINA_COLOUR
        else:
            colours[code] = PALETTE[k % len(PALETTE)]
            k += 1
    series: list[tuple[str, str, dict[int, tuple[float, float]]]] = []
    for code in top:
        vals = {}
        for y in years:
            hit = [(v, s) for c, _, v, s in m.annual[y] if c == code]
            vals[y] = hit[0] if hit else (0.0, 0.0)
        series.append((names[code], colours[code], vals))
    other = {
        y: (
            sum(v for c, _, v, _ in m.annual[y] if c not in top),
            sum(s for c, _, _, s in m.annual[y] if c not in top),
        )
        for y in years
    }
    if any(s > 0 for _, s in other.values()):
        series.append(("Other", OTHER_COLOUR, other))

    ml, mr, mt, mb = 58, 200, 16, 46
    pw, ph = W - ml - mr, H - mt - mb
    band = pw / len(years)
    bw = min(60.0, band * 0.7)
    cid = f"{m.slug}-shares"
    out = [
        _svg_open(
            cid,
            f"{m.name}: India's import dependence by supplier, {years[0]}–{years[-1]}",
            f"Stacked bars: each year's imports of {m.name} split by supplier country "
            f"(top {len(top)} suppliers over the period, the rest as Other), as % of the total.",
        )
    ]
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        y = mt + ph * (1 - t)
        out.append(f'<line class="grid" x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(_text(ml - 6, y + 4, f"{t * 100:.0f}%", anchor="end", cls="tick"))
    out.append('<g class="marks">')
    for i, y in enumerate(years):
        x = ml + band * i + (band - bw) / 2
        acc = 0.0
        for name, colour, vals in series:
            value, share = vals[y]
            share = max(0.0, min(share, 1.0 - acc))
            if share <= 0:
                continue
            y_top = mt + ph * (1 - acc - share)
            out.append(
                f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bw:.1f}" height="{ph * share:.1f}" '
                f'fill="{colour}"><title>{_e(f"{name}, {y}: {_fmt_pct(share)} ({_fmt_usd(value)})")}'
                "</title></rect>"
            )
            acc += share
        out.append(_text(ml + band * i + band / 2, mt + ph + 16, str(y), cls="tick"))
    out.append("</g>")
    out.append(f'<line class="axis" x1="{ml}" x2="{ml + pw}" y1="{mt + ph}" y2="{mt + ph}"/>')
    out.append(f'<line class="axis" x1="{ml}" x2="{ml}" y1="{mt}" y2="{mt + ph}"/>')
    out.append(_text(ml + pw / 2, H - 8, "Year", cls="axis-label"))
    out.append(_axis_title_y(16, mt + ph / 2, "Share of India's imports (%)"))
    lx = ml + pw + 18
    out.append('<g class="legend">')
    out.append(_text(lx, mt + 8, "Supplier", anchor="start", cls="legend-title"))
    for j, (name, colour, _) in enumerate(reversed(series)):  # same order as the stack
        yy = mt + 28 + j * 20
        out.append(
            f'<rect x="{lx}" y="{yy - 10}" width="12" height="12" fill="{colour}">'
            f"<title>{_e(name)}</title></rect>"
        )
        out.append(_text(lx + 18, yy, _trunc(name, 24), anchor="start", cls="legend-text"))
    out.append("</g></svg>")
    return "".join(out)


def _chart_concentration(m: _Mineral) -> str:
    rows = [r for r in m.concentration if r[1] is not None]
    if not rows:
        return _message_box(f"No annual concentration data for {m.name}.")
    ml, mr, mt, mb = 62, 56, 40, 46
    pw, ph = W - ml - mr, H - mt - mb
    n = len(rows)
    inner = 24.0

    def x_at(i: int) -> float:
        return ml + pw / 2 if n == 1 else ml + inner + (pw - 2 * inner) * i / (n - 1)

    def y_at(frac: float) -> float:
        return mt + ph * (1 - max(0.0, min(frac, 1.0)))

    cid = f"{m.slug}-concentration"
    out = [
        _svg_open(
            cid,
            f"{m.name}: supplier concentration (HHI) and China's share, {rows[0][0]}–{rows[-1][0]}",
            "Lines: the Herfindahl-Hirschman index of supplier shares (left axis, 0 to 10,000) "
            "and China's share of India's imports (right axis, 0 to 100%), per year.",
        )
    ]
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        y = y_at(t)
        out.append(f'<line class="grid" x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(_text(ml - 6, y + 4, f"{t * 10000:,.0f}", anchor="end", cls="tick"))
        out.append(_text(ml + pw + 6, y + 4, f"{t * 100:.0f}%", anchor="start", cls="tick"))
    y25 = y_at(0.25)
    out.append(f'<line class="threshold" x1="{ml}" x2="{ml + pw}" y1="{y25:.1f}" y2="{y25:.1f}"/>')
    out.append(
        _text(ml + pw - 4, y25 - 5, "HHI 2,500: highly concentrated", anchor="end", cls="note-text")
    )
    hhi_pts = [(x_at(i), y_at(float(r[1]) / 10000)) for i, r in enumerate(rows)]
    cn_pts = [(x_at(i), y_at(float(r[2] or 0))) for i, r in enumerate(rows)]
    out.append('<g class="marks">')
    if n > 1:
        out.append(
            f'<polyline class="series" fill="none" stroke="{HHI_COLOUR}" stroke-width="2.5" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in hhi_pts)}"/>'
        )
        out.append(
            f'<polyline class="series" fill="none" stroke="{CHINA_COLOUR}" stroke-width="2.5" '
            f'stroke-dasharray="7 4" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in cn_pts)}"/>'
        )
    for (x, y), r in zip(hhi_pts, rows, strict=True):
        year, hhi, _, total, count, top, top_share = r
        tip = (
            f"{year}: HHI {float(hhi):,.0f}; {count} suppliers; top supplier {top} "
            f"({_fmt_pct(top_share)}); imports {_fmt_usd(total)}"
        )
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{HHI_COLOUR}"><title>{_e(tip)}</title></circle>'
        )
    for (x, y), r in zip(cn_pts, rows, strict=True):
        out.append(
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{CHINA_COLOUR}">'
            f"<title>{_e(f'{r[0]}: China {_fmt_pct(r[2] or 0)} of imports')}</title></rect>"
        )
    out.append("</g>")
    for i, r in enumerate(rows):
        out.append(_text(x_at(i), mt + ph + 16, str(r[0]), cls="tick"))
    out.append(f'<line class="axis" x1="{ml}" x2="{ml + pw}" y1="{mt + ph}" y2="{mt + ph}"/>')
    out.append(f'<line class="axis" x1="{ml}" x2="{ml}" y1="{mt}" y2="{mt + ph}"/>')
    out.append(f'<line class="axis" x1="{ml + pw}" x2="{ml + pw}" y1="{mt}" y2="{mt + ph}"/>')
    out.append(_text(ml + pw / 2, H - 8, "Year", cls="axis-label"))
    out.append(_axis_title_y(14, mt + ph / 2, "HHI (0–10,000)"))
    out.append(
        f'<text class="axis-label" x="{W - 10}" y="{mt + ph / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(90 {W - 10} {mt + ph / 2:.1f})">China\'s share of imports (%)</text>'
    )
    out.append(
        _legend_row(
            [
                (
                    f'<line x1="0" x2="18" y1="5" y2="5" stroke="{HHI_COLOUR}" stroke-width="2.5"/>'
                    f'<circle cx="9" cy="5" r="3.5" fill="{HHI_COLOUR}"/>',
                    "HHI (left axis)",
                ),
                (
                    f'<line x1="0" x2="18" y1="5" y2="5" stroke="{CHINA_COLOUR}" stroke-width="2.5" '
                    f'stroke-dasharray="5 3"/><rect x="6" y="2" width="6" height="6" fill="{CHINA_COLOUR}"/>',
                    "China's share (right axis)",
                ),
            ],
            ml,
            18,
        )
    )
    out.append("</svg>")
    return "".join(out)


def _event_x(ev: _Event) -> float | None:
    if ev.day is None:
        return None
    dim = calendar.monthrange(ev.day.year, ev.day.month)[1]
    return ev.day.year * 12 + ev.day.month - 1 + (ev.day.day - 1) / dim


def _chart_monthly(m: _Mineral, events: list[_Event]) -> str:
    pts = sorted((y * 12 + mo - 1, v) for y, mo, v in m.monthly)
    dated = [(ev, _event_x(ev)) for ev in events]
    dated = [(ev, x) for ev, x in dated if x is not None]
    if not pts:
        msg = f"No monthly import data for {m.name}."
        if dated:
            msg += f" Its {len(dated)} policy event(s) are listed below and in the event table."
        return _message_box(msg)
    dmin, dmax = pts[0][0], pts[-1][0]
    inside = [
        (ev, x)
        for ev, x in dated
        if dmin - MAX_AXIS_EXTENSION_MONTHS <= x <= dmax + 1 + MAX_AXIS_EXTENSION_MONTHS
    ]
    lo = min([float(dmin)] + [math.floor(x) for _, x in inside])
    hi = max([float(dmax)] + [math.floor(x) for _, x in inside])
    span = hi - lo + 1

    ml, mr, mt, mb = 70, 24, 40, 46
    pw, ph = W - ml - mr, H - mt - mb

    def x_at(idx: float) -> float:
        return ml + pw * (idx - lo + 0.5) / span

    vmax = max(v for _, v in pts)
    ticks = _value_ticks(vmax * 1.15)
    top = ticks[-1]

    def y_at(v: float) -> float:
        return mt + ph * (1 - v / top)

    cid = f"{m.slug}-monthly"
    first, last = _month_label(int(lo)), _month_label(int(hi))
    out = [
        _svg_open(
            cid,
            f"{m.name}: India's monthly imports and policy events, {first} – {last}",
            f"Line: India's monthly imports of {m.name} from all partners (US dollars, CIF). "
            f"Dashed vertical lines mark the {len(dated)} policy event(s) concerning {m.name}, "
            "labelled E1, E2… as in the event table.",
        )
    ]
    for t in ticks:
        y = y_at(t)
        out.append(f'<line class="grid" x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(_text(ml - 6, y + 4, _fmt_usd(t), anchor="end", cls="tick"))
    shaded = False
    if hi > dmax:
        x0 = x_at(dmax + 0.5)
        out.append(
            f'<rect class="nodata" x="{x0:.1f}" y="{mt}" width="{ml + pw - x0:.1f}" height="{ph}">'
            "<title>No monthly trade data for this period yet</title></rect>"
        )
        if ml + pw - x0 > 90:
            out.append(_text((x0 + ml + pw) / 2, mt + ph - 8, "no trade data yet", cls="note-text"))
        shaded = True
    if lo < dmin:
        x1 = x_at(dmin - 0.5)
        out.append(
            f'<rect class="nodata" x="{ml}" y="{mt}" width="{x1 - ml:.1f}" height="{ph}">'
            "<title>No monthly trade data for this period</title></rect>"
        )
        shaded = True
    # month ticks
    n_months = int(hi - lo) + 1
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60, 120) if n_months / s <= 8)
    for idx in range(int(lo), int(hi) + 1):
        if idx % step == 0 or (step == 1):
            x = x_at(idx)
            out.append(
                f'<line class="axis" x1="{x:.1f}" x2="{x:.1f}" y1="{mt + ph}" y2="{mt + ph + 4}"/>'
            )
            out.append(_text(x, mt + ph + 16, _month_label(idx), cls="tick"))
    # the imports line, broken where months are missing
    out.append('<g class="marks">')
    segments: list[list[tuple[int, float]]] = []
    for idx, v in pts:
        if segments and idx == segments[-1][-1][0] + 1:
            segments[-1].append((idx, v))
        else:
            segments.append([(idx, v)])
    for seg in segments:
        if len(seg) > 1:
            out.append(
                f'<polyline class="series" fill="none" stroke="{LINE_COLOUR}" stroke-width="2.5" '
                f'points="{" ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in seg)}"/>'
            )
    for idx, v in pts:
        out.append(
            f'<circle cx="{x_at(idx):.1f}" cy="{y_at(v):.1f}" r="3.5" fill="{LINE_COLOUR}">'
            f"<title>{_e(f'{_month_label(idx)}: {_fmt_usd(v)}')}</title></circle>"
        )
    out.append("</g>")
    # event markers, staggered so labels at the same date do not overlap
    levels: list[tuple[float, int]] = []
    lines: list[str] = []
    labels: list[str] = []
    out.append('<g class="events">')
    for ev, ex in sorted(dated, key=lambda t: t[1]):
        pinned = ""
        # a month's cell spans idx - 0.5 .. idx + 0.5 (its data point sits in the middle)
        if ex < lo:
            x, pinned = ml + 3, "«"
        elif ex >= hi + 1:
            x, pinned = ml + pw - 3, "»"
        else:
            x = x_at(ex - 0.5)
        level = 0
        while any(abs(x - px) < 30 and pl == level for px, pl in levels):
            level += 1
        levels.append((x, level))
        ly = mt + 4 + (level % 8) * 18
        label = f"{pinned}{ev.label}" if pinned == "«" else f"{ev.label}{pinned}"
        note = " (outside the chart's time range; marked at the edge)" if pinned else ""
        tip = f"{ev.label} · {ev.day.isoformat()} · {_humanise(ev.event_type)} · {ev.title}{note}"
        bw = 8 + 7 * len(label)
        bx = min(max(x - bw / 2, ml + 1), ml + pw - bw - 1)  # keep the label inside the plot
        lines.append(
            f'<line class="event-line" x1="{x:.1f}" x2="{x:.1f}" y1="{mt}" y2="{mt + ph}" '
            f'stroke="{EVENT_COLOUR}" stroke-width="1.5" stroke-dasharray="4 3">'
            f"<title>{_e(tip)}</title></line>"
        )
        labels.append(
            f'<a href="#{_e(ev.anchor)}" class="event-marker" data-event-id="{_e(ev.event_id)}">'
            f"<title>{_e(tip)}</title>"
            f'<rect x="{bx:.1f}" y="{ly:.1f}" width="{bw:.1f}" height="15" rx="3" '
            f'fill="#fff" stroke="{EVENT_COLOUR}"/>'
            + _text(bx + bw / 2, ly + 11.5, label, cls="event-label")
            + "</a>"
        )
    out.extend(lines)  # all lines first, so no line crosses another event's label
    out.extend(labels)
    out.append("</g>")
    out.append(f'<line class="axis" x1="{ml}" x2="{ml + pw}" y1="{mt + ph}" y2="{mt + ph}"/>')
    out.append(f'<line class="axis" x1="{ml}" x2="{ml}" y1="{mt}" y2="{mt + ph}"/>')
    out.append(_text(ml + pw / 2, H - 8, "Month", cls="axis-label"))
    out.append(_axis_title_y(14, mt + ph / 2, "Imports, US$ (CIF)"))
    legend = [
        (
            f'<line x1="0" x2="18" y1="5" y2="5" stroke="{LINE_COLOUR}" stroke-width="2.5"/>'
            f'<circle cx="9" cy="5" r="3" fill="{LINE_COLOUR}"/>',
            "Monthly imports, all partners",
        ),
        (
            f'<line x1="9" x2="9" y1="-2" y2="12" stroke="{EVENT_COLOUR}" stroke-width="1.5" '
            'stroke-dasharray="3 2"/>',
            "Policy event (E#)",
        ),
    ]
    if shaded:
        legend.append(
            ('<rect class="nodata" x="0" y="0" width="18" height="10"/>', "No trade data")
        )
    out.append(_legend_row(legend, ml, 18))
    out.append("</svg>")
    return "".join(out)


# ----------------------------------------------------------------------------- HTML parts

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
       Arial, sans-serif; color: #1d232b; background: #f6f7f9; line-height: 1.45; }
header { background: #14324f; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 1.6rem; }
header .meta { margin: 0; opacity: 0.9; font-size: 0.95rem; }
.badge { display: inline-block; background: #ffd23f; color: #3b2c00; font-weight: 700;
         padding: 3px 10px; border-radius: 4px; letter-spacing: 0.05em; margin-right: 8px; }
.sample-banner { background: #fff4c2; border-bottom: 2px solid #e0b400; padding: 10px 32px;
                 font-weight: 600; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 32px 48px; }
nav.toc a { margin-right: 12px; }
section.mineral { background: #fff; border: 1px solid #dde1e6; border-radius: 8px;
                  padding: 16px 20px; margin: 20px 0; }
section.mineral h2 { margin: 0 0 4px; }
.stats { color: #3c4650; margin: 0 0 10px; font-size: 0.95rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; }
figure { margin: 0; }
figcaption { font-size: 0.85rem; color: #4a5560; margin-top: 4px; }
svg.chart { width: 100%; height: auto; display: block; background: #fff; }
svg .grid { stroke: #e3e6ea; stroke-width: 1; }
svg .axis { stroke: #555; stroke-width: 1; }
svg .threshold { stroke: #8a8f96; stroke-width: 1.2; stroke-dasharray: 6 4; }
svg .nodata { fill: #eef0f3; stroke: none; }
svg text { font-family: inherit; fill: #2b333b; }
svg .tick { font-size: 11px; fill: #4a5560; }
svg .axis-label { font-size: 12px; font-weight: 600; }
svg .legend-text { font-size: 12px; }
svg .legend-title { font-size: 12px; font-weight: 700; }
svg .note-text { font-size: 11px; fill: #6b7580; font-style: italic; }
svg .event-label { font-size: 11px; font-weight: 700; fill: #8a3d00; }
svg a.event-marker:hover rect { fill: #ffe7d1; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 0.9rem; }
th, td { border: 1px solid #dde1e6; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td.num { text-align: right; white-space: nowrap; }
tr:target { background: #fff1e0; }
.empty { background: #fff; border: 1px dashed #b8c0c8; padding: 14px; color: #4a5560; }
.mineral-events h3 { font-size: 1rem; margin: 4px 0; }
.event-list { font-size: 0.9rem; margin: 6px 0 0; padding-left: 18px; }
.event-list li { margin-bottom: 4px; }
.events-table td:nth-child(5) { min-width: 20em; }
.events-table td:nth-child(8) { min-width: 12em; }
.methods { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 8px 20px; }
footer { color: #6b7580; font-size: 0.85rem; padding: 0 32px 24px; }
"""


def _header(title: str, label: str | None, is_sample: bool, generated_at: datetime) -> str:
    gen = generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    badge = '<span class="badge">SAMPLE DATA</span>' if is_sample else ""
    out = [
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{badge}Dataset: <span class="dataset-label">'
        f"{_e(label or 'unlabelled')}</span> · Generated {_e(gen)}</p>",
        "</header>",
    ]
    if is_sample:
        out.append(
            '<div class="sample-banner" role="note">SAMPLE DATA: the trade values in this report '
            "come from the bundled offline snapshot and are not official statistics.</div>"
        )
    return "".join(out)


def _summary_table(minerals: list[_Mineral], events_by_mineral: dict[str, list[_Event]]) -> str:
    rows = []
    for m in minerals:
        latest = m.concentration[-1] if m.concentration else None
        rows.append(
            "<tr>"
            f'<td><a href="#{_e(m.slug)}">{_e(m.name)}</a></td>'
            f"<td>{_e(latest[0] if latest else '–')}</td>"
            f'<td class="num">{_e(_fmt_usd(latest[3]) if latest else "–")}</td>'
            f'<td class="num">{_e(latest[4] if latest else "–")}</td>'
            f'<td class="num">{_e(f"{float(latest[1]):,.0f}" if latest and latest[1] is not None else "–")}</td>'
            f"<td>{_e(latest[5] if latest else '–')} "
            f"({_e(_fmt_pct(latest[6]) if latest else '–')})</td>"
            f'<td class="num">{_e(_fmt_pct(latest[2] or 0) if latest else "–")}</td>'
            f'<td class="num">{len(events_by_mineral.get(m.mineral_id, []))}</td>'
            "</tr>"
        )
    return (
        '<table class="summary"><caption>Main minerals, latest year of '
        "annual data</caption><thead><tr><th>Mineral</th><th>Year</th><th>Imports (US$)</th>"
        "<th>Suppliers</th><th>HHI</th><th>Top supplier (share)</th><th>China's share</th>"
        "<th>Policy events</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _mineral_section(m: _Mineral, events: list[_Event]) -> str:
    latest = m.concentration[-1] if m.concentration else None
    stats = []
    if latest:
        year, hhi, china, total, count, top, top_share = latest
        stats.append(f"{year}: imports {_fmt_usd(total)} from {count} suppliers")
        if hhi is not None:
            stats.append(f"HHI {float(hhi):,.0f}")
        stats.append(f"top supplier {top} ({_fmt_pct(top_share)})")
        stats.append(f"China {_fmt_pct(china or 0)}")
    if m.mixed_share_latest:
        stats.append(f"{_fmt_pct(m.mixed_share_latest)} of the value from mixed HS codes")
    ev_items = []
    for ev in events:
        ev_items.append(
            f'<li><a href="#{_e(ev.anchor)}">{_e(ev.label)}</a> '
            f"{_e(ev.day.isoformat() if ev.day else 'undated')} · "
            f"{_e(_humanise(ev.event_type))} · {_e(ev.title)}</li>"
        )
    ev_html = (
        '<div class="mineral-events">'
        f"<h3>Policy events concerning {_e(m.name)}</h3>"
        + (
            f'<ul class="event-list">{"".join(ev_items)}</ul>'
            if ev_items
            else '<p class="event-list">No policy events concern this mineral yet.</p>'
        )
        + "</div>"
    )
    return (
        f'<section class="mineral" id="{_e(m.slug)}" data-mineral="{_e(m.mineral_id)}">'
        f"<h2>{_e(m.name)}</h2>"
        f'<p class="stats">{_e("; ".join(stats)) if stats else "No annual data."}</p>'
        '<div class="charts">'
        f"<figure>{_chart_shares(m)}<figcaption>(a) Import dependence: annual shares of the "
        "top suppliers, the rest as Other.</figcaption></figure>"
        f"<figure>{_chart_concentration(m)}<figcaption>(b) Supplier concentration: HHI "
        "(sum of squared % shares) and China's share of imports.</figcaption></figure>"
        f"<figure>{_chart_monthly(m, events)}<figcaption>(c) Monthly imports with the policy "
        "events concerning this mineral (shaded: no trade data yet; events beyond "
        f"{MAX_AXIS_EXTENSION_MONTHS} months from the data are pinned to the edge with « or »)."
        f"</figcaption></figure>{ev_html}"
        "</div></section>"
    )


def _event_table(events: list[_Event], linked_minerals: set[str]) -> str:
    if not events:
        return _message_box("No policy events in the warehouse yet.")
    rows = []
    for ev in events:
        links = [u for u in (_pib_url(u) for u in ev.urls) if u]
        title = (
            f'<a href="{_e(links[0])}" rel="noopener noreferrer">{_e(ev.title)}</a>'
            if links
            else _e(ev.title)
        )
        extra = "".join(
            f' <a href="{_e(u)}" rel="noopener noreferrer" title="Other source release">[{i}]</a>'
            for i, u in enumerate(links[1:], start=2)
        )
        minerals = ", ".join(
            f'<a href="#{_e(_mineral_slug(mid))}">{_e(name)}</a>'
            if mid in linked_minerals
            else _e(name)
            for mid, name in ev.minerals
        )
        when = ev.day.isoformat() if ev.day else "–"
        if ev.posted_ist:
            when += f" {ev.posted_ist:%H:%M} IST"
        rows.append(
            f'<tr id="{_e(ev.anchor)}" data-event-id="{_e(ev.event_id)}">'
            f'<td>{_e(ev.label)}</td><td class="num">{_e(when)}</td>'
            f"<td>{_e(_humanise(ev.event_type))}</td><td>{_e(ev.status or '–')}</td>"
            f"<td>{title}{extra}"
            + (f"<br><small>{_e(ev.ministry)}</small>" if ev.ministry else "")
            + f"</td><td>{minerals or '–'}</td><td>{_e(', '.join(ev.countries)) or '–'}</td>"
            f"<td>{'<br>'.join(_e(a) for a in _fmt_amounts(ev.amounts)) or '–'}</td></tr>"
        )
    return (
        '<table class="events-table"><thead><tr><th>#</th><th>Date</th><th>Type</th>'
        "<th>Status</th><th>Title (PIB release)</th><th>Minerals</th><th>Countries</th>"
        "<th>Amounts</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


METHODS = """
<ul>
<li><strong>Trade data.</strong> India's imports (flow M) as reported to UN Comtrade, by partner
country, in current US dollars at <strong>CIF</strong> value (cost, insurance and freight to the
Indian border). Annual and monthly series are separate Comtrade releases and need not add up.</li>
<li><strong>HS codes.</strong> Each mineral counts the HS 6-digit codes specific to it and the
<strong>mixed</strong> codes it shares with other materials; a mixed code counts in full for every
mineral it carries, so totals across minerals double count and the mixed part can overstate a
mineral. Downstream products (batteries, magnets) are left out.</li>
<li><strong>Concentration.</strong> HHI = sum of squared percentage supplier shares (0–10,000;
above 2,500 is highly concentrated). China is Comtrade area 156.</li>
<li><strong>Policy events.</strong> Tagged automatically from Press Information Bureau releases;
the mineral and country links are rule-based and may miss or over-assign. Dates are IST days of
the primary release.</li>
<li><strong>Sample data.</strong> When the dataset label says SAMPLE DATA, the trade values come
from the bundled offline snapshot and are illustrative only, not official statistics.</li>
</ul>
"""


def render_report(
    con: duckdb.DuckDBPyConnection,
    *,
    title: str = DEFAULT_TITLE,
    dataset_label: str | None = None,
    top_n: int = 5,
    generated_at: datetime | None = None,
) -> str:
    """Render the report from the mart views on ``con`` as one self-contained HTML string.

    ``dataset_label`` defaults to ``dataset_info.dataset_label``; a label mentioning sample data
    (or sample rows in the marts) shows a SAMPLE DATA badge and banner. ``top_n`` minerals with
    the largest imports are shown, plus lithium, REE, cobalt and graphite when present.
    Missing views or empty tables give messages in the page, never an exception.
    """
    generated_at = generated_at or datetime.now(UTC)
    label = dataset_label if dataset_label is not None else _dataset_label(con)
    is_sample = "sample" in (label or "").lower() or _any_sample_flag(con)

    notices: list[str] = []
    minerals: list[_Mineral] = []
    if all(_relation_exists(con, v) for v in _MARTS):
        try:
            minerals = _select_minerals(con, top_n)
            if minerals:
                _load_trade(con, minerals)
        except duckdb.Error as exc:
            notices.append(f"Trade marts could not be read: {exc}")
            minerals = []
    else:
        notices.append(
            "The trade mart views are missing from this warehouse (run the marts job first)."
        )
    events: list[_Event] = []
    if _relation_exists(con, "mart_policy_timeline"):
        try:
            events = _load_events(con)
        except duckdb.Error as exc:
            notices.append(f"The policy timeline could not be read: {exc}")
    else:
        notices.append("The policy timeline view (mart_policy_timeline) is missing.")

    by_mineral: dict[str, list[_Event]] = defaultdict(list)
    for ev in events:
        for mid, _ in ev.minerals:
            by_mineral[mid].append(ev)

    body = [_header(title, label, is_sample, generated_at), "<main>"]
    body.extend(f'<p class="empty notice">{_e(n)}</p>' for n in notices)
    body.append("<h2>Main minerals</h2>")
    if minerals:
        body.append(
            '<nav class="toc">'
            + "".join(f'<a href="#{_e(m.slug)}">{_e(m.name)}</a>' for m in minerals)
            + ' <a href="#events">Policy events</a> <a href="#methods">Methods</a></nav>'
        )
        body.append(_summary_table(minerals, by_mineral))
        body.extend(_mineral_section(m, by_mineral.get(m.mineral_id, [])) for m in minerals)
    else:
        body.append(_message_box("No import data in the warehouse yet: nothing to chart."))
    body.append('<h2 id="events">Policy events</h2>')
    body.append(_event_table(events, {m.mineral_id for m in minerals}))
    body.append(f'<h2 id="methods">Methods and caveats</h2><div class="methods">{METHODS}</div>')
    body.append("</main>")
    body.append(
        "<footer>Sources: UN Comtrade (trade), Press Information Bureau, Government of India "
        "(policy events). Built from the warehouse marts mart_import_dependence, "
        "mart_supplier_concentration and mart_policy_timeline.</footer>"
    )
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )

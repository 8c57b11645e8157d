"""A static, self-contained HTML report on India's critical-mineral imports and policy events.

``render_report(con)`` reads the marts (``mart_import_dependence``,
``mart_supplier_concentration``, ``mart_policy_timeline``, ``mart_trade_reconciliation``,
``mart_tradestat_vs_comtrade``) and ``dataset_info`` from an open DuckDB connection and returns
one HTML document as a string. Pure rendering: no file or network
I/O. The charts are Vega-Lite specs built with Altair (``charts.py``) and drawn in the browser
by Vega, whose JavaScript is bundled into the page (``vega_page.py``): the file opens offline
from disk, loads nothing, and a Content-Security-Policy forbids any network access. Every data
mark has a tooltip, every chart a title, a description and a legend. All text from the
warehouse is HTML-escaped (and JSON-escaped inside the specs); outbound links go only to PIB
release pages for PIB events and to the cited public sources for catalogue events.

For each main mineral (the ``top_n`` largest by imports, plus lithium, REE, cobalt and graphite
when present) the report draws: (a) annual supplier shares (top five partners + Other),
(b) annual supplier concentration (HHI and China's share), (c) monthly imports with the policy
events concerning the mineral marked on the time axis, India's own measures and the other
side's shocks (China's export controls and their suspension) in different colours and shapes,
and then "trade from every side": (d) the mirror check, India's imports as India reports them
(CIF) against the partner's exports to India as the partner reports them (FOB), one dot per
partner x year for the CIF/FOB ratio against the expected 1.00-1.10 band, with a table of the
largest gaps (partner, year, both figures, gap, ratio, status), and (e) a table of India's own
statistics (TradeStat) against what India reports to Comtrade, per month, with the gap and the
partner of the largest gap. A mart that is missing (a warehouse from before issue 12) or has no
rows for a mineral gives a message in the page; sample rows in any mart show the SAMPLE DATA
badge and banner (and a badge on the block). The two marts are read already grouped, a bounded
number of rows (``recon_data.py``). A policy-event table and a note on methods follow.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import UTC, datetime

import duckdb

from assets.report.charts import (
    MAX_AXIS_EXTENSION_MONTHS,
    RATIO_AXIS,
    SIDE_STYLE,
    concentration_spec,
    mirror_spec,
    monthly_spec,
    ratio_text,
    shares_spec,
)
from assets.report.event_data import SIDE_CHINA, SIDES, Event, load_events, safe_links
from assets.report.fmt import (
    esc,
    fmt_amounts,
    fmt_pct,
    fmt_usd,
    fmt_usd_signed,
    humanise,
    month_label,
)
from assets.report.recon_data import (
    MIRROR_MART,
    MIRROR_PARTNERS,
    MIRROR_YEARS,
    TRADESTAT_MART,
    MirrorRow,
    TradeStatMonth,
    load_mirror,
    load_tradestat,
    sample_flag,
)
from assets.report.trade_data import (
    FOCUS_MINERALS,
    TRADE_MARTS,
    Mineral,
    any_sample_flag,
    load_trade,
    mineral_slug,
    relation_exists,
    select_minerals,
)
from assets.report.trade_data import dataset_label as read_dataset_label
from assets.report.vega_page import BOOTSTRAP, csp, javascript_bundle, spec_script

__all__ = ["DEFAULT_TITLE", "FOCUS_MINERALS", "render_report"]

DEFAULT_TITLE = "India's critical-mineral imports and policy events"
EVENT_LIST_LIMIT = 30  # per mineral section; the event table lists every event
SIDE_GLYPH = {"triangle-up": "▲", "diamond": "◆", "cross": "✚", "square": "■"}
SIDE_CLASS = {side: f"side-{i}" for i, side in enumerate(SIDES)}


def _message_box(text: str) -> str:
    return f'<p class="empty">{esc(text)}</p>'


@functools.cache
def _side_chip(side: str) -> str:
    colour, shape = SIDE_STYLE[side]
    return (
        f'<span class="side {SIDE_CLASS[side]}" title="{esc(side)}">'
        f'<span class="glyph" style="color:{colour}" aria-hidden="true">{SIDE_GLYPH[shape]}</span>'
        f"{esc(side)}</span>"
    )


def _chart(
    spec: dict | None, cid: str, empty: str, caption: str, wide: bool = False
) -> tuple[str, str | None]:
    """A figure holding the chart container (or a message), and the spec's JSON script."""
    fig = '<figure class="wide">' if wide else "<figure>"
    if spec is None:
        return f"{fig}{_message_box(empty)}<figcaption>{caption}</figcaption></figure>", None
    label = f"{spec.get('title', '')}. {spec.get('description', '')}"
    return (
        f'{fig}<div class="vl-chart" id="{esc(cid)}" role="img" aria-label="{esc(label)}" '
        f'data-chart="{esc(spec["usermeta"]["chart"])}" data-rendered="false"></div>'
        f"<figcaption>{caption}</figcaption></figure>",
        spec_script(spec, esc(cid)),
    )


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
figure { margin: 0; min-width: 0; }
figure.wide, .mineral-events { grid-column: 1 / -1; }
figcaption { font-size: 0.85rem; color: #4a5560; margin-top: 4px; }
.vl-chart { display: block; width: 100%; min-height: 300px; background: #fff; }
figure.wide .vl-chart { min-height: 340px; }
.vl-chart.vega-embed { display: block; width: 100%; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 0.9rem; }
th, td { border: 1px solid #dde1e6; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td.num { text-align: right; white-space: nowrap; }
tr:target { background: #fff1e0; }
.empty { background: #fff; border: 1px dashed #b8c0c8; padding: 14px; color: #4a5560; }
.mineral-events h3 { font-size: 1rem; margin: 4px 0; }
.event-list { font-size: 0.9rem; margin: 6px 0 0; padding-left: 18px; }
.event-list li { margin-bottom: 4px; }
.side { white-space: nowrap; font-size: 0.85rem; }
.side .glyph { margin-right: 4px; }
tr.other-side td:first-child { border-left: 4px solid #c2185b; }
.events-table td:nth-child(6) { min-width: 20em; }
.events-table td:nth-child(9) { min-width: 12em; }
.methods { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 8px 20px; }
.every-side { grid-column: 1 / -1; border-top: 1px solid #dde1e6; padding-top: 6px; }
.every-side h3 { font-size: 1rem; margin: 4px 0; }
.every-side h3 .badge { font-size: 0.75rem; margin: 0 0 0 8px; }
.side-table { min-width: 0; overflow-x: auto; }
.side-table caption { text-align: left; font-weight: 600; padding: 4px 0; }
.table-note { font-size: 0.85rem; color: #4a5560; margin: 4px 0 0; }
footer { color: #6b7580; font-size: 0.85rem; padding: 0 32px 24px; }
"""


def _header(title: str, label: str | None, is_sample: bool, generated_at: datetime) -> str:
    gen = generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    badge = '<span class="badge">SAMPLE DATA</span>' if is_sample else ""
    out = [
        "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{badge}Dataset: <span class="dataset-label">'
        f"{esc(label or 'unlabelled')}</span> · Generated {esc(gen)}</p>",
        "</header>",
    ]
    if is_sample:
        out.append(
            '<div class="sample-banner" role="note">SAMPLE DATA: the trade values in this report '
            "come from the bundled offline snapshot and are not official statistics.</div>"
        )
    return "".join(out)


def _summary_table(minerals: list[Mineral], events_by_mineral: dict[str, list[Event]]) -> str:
    rows = []
    for m in minerals:
        latest = m.concentration[-1] if m.concentration else None
        evs = events_by_mineral.get(m.mineral_id, [])
        hhi = f"{float(latest[1]):,.0f}" if latest and latest[1] is not None else "–"
        rows.append(
            "<tr>"
            f'<td><a href="#{esc(m.slug)}">{esc(m.name)}</a></td>'
            f"<td>{esc(latest[0] if latest else '–')}</td>"
            f'<td class="num">{esc(fmt_usd(latest[3]) if latest else "–")}</td>'
            f'<td class="num">{esc(latest[4] if latest else "–")}</td>'
            f'<td class="num">{esc(hhi)}</td>'
            f"<td>{esc(latest[5] if latest else '–')} "
            f"({esc(fmt_pct(latest[6]) if latest else '–')})</td>"
            f'<td class="num">{esc(fmt_pct(latest[2] or 0) if latest else "–")}</td>'
            f'<td class="num">{len(evs)}</td>'
            f'<td class="num">{sum(ev.is_other_side for ev in evs)}</td>'
            "</tr>"
        )
    return (
        '<table class="summary"><caption>Main minerals, latest year of '
        "annual data</caption><thead><tr><th>Mineral</th><th>Year</th><th>Imports (US$)</th>"
        "<th>Suppliers</th><th>HHI</th><th>Top supplier (share)</th><th>China's share</th>"
        "<th>Policy events</th><th>China's export controls and suspensions</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def _mineral_section(
    m: Mineral, events: list[Event], every_side: tuple[str, list[str]] = ("", [])
) -> tuple[str, list[str]]:
    latest = m.concentration[-1] if m.concentration else None
    stats = []
    if latest:
        year, hhi, china, total, count, top, top_share = latest
        stats.append(f"{year}: imports {fmt_usd(total)} from {count} suppliers")
        if hhi is not None:
            stats.append(f"HHI {float(hhi):,.0f}")
        stats.append(f"top supplier {top} ({fmt_pct(top_share)})")
        stats.append(f"China {fmt_pct(china or 0)}")
    if m.mixed_share_latest:
        stats.append(f"{fmt_pct(m.mixed_share_latest)} of the value from mixed HS codes")
    shown = events[-EVENT_LIST_LIMIT:]
    ev_items = [
        f'<li><a href="#{esc(ev.anchor)}">{esc(ev.label)}</a> {esc(ev.date_text)} · '
        f"{_side_chip(ev.side)} · {esc(humanise(ev.event_type))} · {esc(ev.title)}</li>"
        for ev in reversed(shown)
    ]
    more = len(events) - len(shown)
    heading = f"Policy events concerning {esc(m.name)}" + (
        f" (the latest {len(shown)} of {len(events)})" if more else ""
    )
    ev_html = (
        f'<div class="mineral-events"><h3>{heading}</h3>'
        + (
            f'<ul class="event-list">{"".join(ev_items)}</ul>'
            if ev_items
            else '<p class="event-list">No policy events concern this mineral yet.</p>'
        )
        + (
            f'<p class="event-list">{more} earlier event(s): see the '
            '<a href="#events">event table</a>.</p>'
            if more
            else ""
        )
        + "</div>"
    )
    dated = sum(ev.day is not None for ev in events)
    monthly_empty = f"No monthly import data for {m.name}." + (
        f" Its {dated} policy event(s) are listed below and in the event table." if dated else ""
    )
    figures, scripts = [], []
    for spec, suffix, empty, caption in (
        (
            shares_spec(m),
            "shares",
            f"No annual import data for {m.name}.",
            "(a) Import dependence: annual shares of the top suppliers, the rest as Other.",
        ),
        (
            concentration_spec(m),
            "concentration",
            f"No annual concentration data for {m.name}.",
            "(b) Supplier concentration: HHI (sum of squared % shares) and China's share of "
            "imports.",
        ),
        (
            monthly_spec(m, events),
            "monthly",
            monthly_empty,
            "(c) Monthly imports with the policy events concerning this mineral: India's own "
            "measures and the other side's shocks (China's export controls, their suspension) "
            "in different colours and shapes; hover a marker for its date, measure and source, "
            "click it for its row in the event table (shaded: no trade data; events beyond "
            f"{MAX_AXIS_EXTENSION_MONTHS} months from the data are pinned to the edge with « "
            "or »).",
        ),
    ):
        fig, script = _chart(spec, f"{m.slug}-{suffix}", empty, caption, suffix == "monthly")
        figures.append(fig)
        if script:
            scripts.append(script)
    side_html, side_scripts = every_side
    html = (
        f'<section class="mineral" id="{esc(m.slug)}" data-mineral="{esc(m.mineral_id)}">'
        f"<h2>{esc(m.name)}</h2>"
        f'<p class="stats">{esc("; ".join(stats)) if stats else "No annual data."}</p>'
        f'<div class="charts">{"".join(figures)}{ev_html}{side_html}</div></section>'
    )
    return html, scripts + side_scripts


# ----------------------------------------------------------------------------- every side

GAP_ROWS = 8  # rows of the largest-gaps table per mineral


def _usd_cell(v: float | None, signed: bool = False) -> str:
    """A right-aligned money cell: short figure, the exact dollars in its title."""
    if v is None:
        return '<td class="num">–</td>'
    text = fmt_usd_signed(v) if signed else fmt_usd(v)
    return f'<td class="num" title="US$ {v:,.0f}">{esc(text)}</td>'


def _mirror_summary(name: str, rows: list[MirrorRow]) -> str:
    """The latest year in one sentence: partners inside and outside the band, the totals."""
    year = max(r.year for r in rows)
    latest = [r for r in rows if r.year == year]
    both = [r for r in latest if r.ratio is not None]
    lo, hi = latest[0].band
    counts = {s: sum(r.status == s for r in latest) for s in ("within_band", "cif_above_band")}
    below = sum(r.status == "cif_below_fob" for r in latest)
    one_side = len(latest) - len(both)
    parts = [
        f"{year}: {counts['within_band']} of {len(latest)} partner(s) within the CIF/FOB band "
        f"{lo:.2f}–{hi:.2f}, {counts['cif_above_band']} above it, {below} below it"
    ]
    if one_side:
        parts.append(f"{one_side} reported by one side only")
    if both:
        cif = sum(r.india_usd or 0.0 for r in both)
        fob = sum(r.partner_usd or 0.0 for r in both)
        parts.append(
            f"where both report, India's imports of {name} total {fmt_usd(cif)} (CIF) and the "
            f"partners' exports to India {fmt_usd(fob)} (FOB), ratio "
            f"{ratio_text(cif / fob if fob else None)}"
        )
    return "; ".join(parts) + "."


def _gap_table(name: str, rows: list[MirrorRow]) -> str:
    top = sorted(rows, key=lambda r: (-abs(r.gap_usd), -r.year, r.partner))[:GAP_ROWS]
    body = "".join(
        f'<tr data-partner-code="{r.partner_code}" data-year="{r.year}" '
        f'data-status="{esc(r.status)}">'
        f'<td>{esc(r.partner)}</td><td class="num">{r.year}</td>'
        f"{_usd_cell(r.india_usd)}{_usd_cell(r.partner_usd)}{_usd_cell(r.gap_usd, True)}"
        f'<td class="num">{esc(ratio_text(r.ratio))}</td><td>{esc(r.status_text)}</td></tr>'
        for r in top
    )
    return (
        '<table class="mirror-gaps"><caption>Largest gaps between India&#x27;s and its '
        f"partners' reports of India's imports of {esc(name)}</caption><thead><tr>"
        "<th>Partner</th><th>Year</th><th>India-reported imports (CIF)</th>"
        "<th>Partner-reported exports to India (FOB)</th><th>Gap (India − partner)</th>"
        "<th>CIF/FOB ratio</th><th>Status</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _tradestat_table(name: str, months: list[TradeStatMonth]) -> str:
    rows = []
    for t in months:
        share = "–" if t.gap_share is None else f"{t.gap_share * 100:+.1f}%".replace("-", "−")
        top = (
            f"{esc(t.top_partner)}: {esc(fmt_usd_signed(t.top_gap_usd))}"
            if t.top_partner is not None and t.top_gap_usd
            else "–"
        )
        month = month_label(t.year * 12 + t.month - 1) + ("†" if t.rounded_to_zero else "")
        rows.append(
            f'<tr data-period="{t.year}{t.month:02d}"><td>{esc(month)}</td>'
            f"{_usd_cell(t.tradestat_usd)}{_usd_cell(t.comtrade_usd)}{_usd_cell(t.gap_usd, True)}"
            f'<td class="num">{esc(share)}</td>'
            f'<td class="num">{t.partners_both} / {t.partners_tradestat_only} / '
            f"{t.partners_comtrade_only}</td><td>{top}</td></tr>"
        )
    note = (
        '<p class="table-note">† a TradeStat line printed US$ 0.00 (under about US$ 5,000) '
        "for a partner with trade in rupees or quantity.</p>"
        if any(t.rounded_to_zero for t in months)
        else ""
    )
    return (
        '<table class="tradestat-vs-comtrade"><caption>India&#x27;s imports of '
        f"{esc(name)} in its own statistics (TradeStat, HS8 lines summed) and as India reports "
        "them to UN Comtrade (same HS6 codes), per month</caption><thead><tr><th>Month</th>"
        "<th>TradeStat</th><th>Comtrade</th><th>Gap (TradeStat − Comtrade)</th>"
        "<th>Gap, % of the larger</th><th>Partners: both / TradeStat only / Comtrade only</th>"
        "<th>Largest partner gap</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{note}"
    )


def _every_side_block(
    m: Mineral,
    mirror: list[MirrorRow],
    mirror_problem: str | None,
    tradestat: list[TradeStatMonth],
    tradestat_problem: str | None,
) -> tuple[str, list[str]]:
    """(d) the mirror check chart and its largest gaps, (e) TradeStat vs Comtrade, or messages."""
    scripts: list[str] = []
    sample = any(r.is_sample for r in mirror) or any(t.is_sample for t in tradestat)
    badge = ' <span class="badge">SAMPLE DATA</span>' if sample else ""
    parts = [
        f'<div class="every-side" id="{esc(m.slug)}-every-side">'
        f"<h3>Trade from every side: what India&#x27;s partners and India&#x27;s own "
        f"statistics report{badge}</h3>"
    ]
    if mirror:
        parts.append(f'<p class="stats">{esc(_mirror_summary(m.name, mirror))}</p>')
    parts.append('<div class="charts">')
    if mirror_problem:
        parts.append(_message_box(f"Mirror flows: {mirror_problem}"))
    elif not mirror:
        parts.append(
            _message_box(
                f"No partner reports its exports of {m.name} to India in this warehouse "
                "(mirror flows cover the partners of the mirror list): no mirror check."
            )
        )
    else:
        lo, hi = mirror[0].band
        fig, script = _chart(
            mirror_spec(m.mineral_id, m.name, mirror),
            f"{m.slug}-mirror",
            f"No partner-year of {m.name} has both sides reported: nothing to draw; the "
            "table lists the one-sided years.",
            "(d) Mirror check: India's imports as India reports them (CIF) divided by the "
            "partner's exports to India as the partner reports them (FOB), per partner and "
            f"year (the latest {MIRROR_YEARS} years, the {MIRROR_PARTNERS} largest partners). "
            f"The shaded band, {lo:.2f} to {hi:.2f}, is the freight and insurance margin; "
            "outside it the gap comes from timing, goods routed through a third country, "
            "unreported lines or mis-invoicing. Ratios beyond "
            f"{RATIO_AXIS[0]:g}–{RATIO_AXIS[1]:g} sit at the edge; years with one side missing "
            "are in the table only.",
            wide=True,
        )
        parts.append(fig)
        if script:
            scripts.append(script)
        parts.append(f'<div class="side-table">{_gap_table(m.name, mirror)}</div>')
    if tradestat_problem:
        parts.append(_message_box(f"TradeStat: {tradestat_problem}"))
    elif not tradestat:
        parts.append(
            _message_box(
                f"No TradeStat months for {m.name}: India's own statistics are loaded for a "
                "few months and the mapped HS8 lines only."
            )
        )
    else:
        parts.append(f'<div class="side-table">{_tradestat_table(m.name, tradestat)}</div>')
    parts.append("</div></div>")
    return "".join(parts), scripts


def _event_table(events: list[Event], linked_minerals: set[str]) -> str:
    if not events:
        return _message_box("No policy events in the warehouse yet.")
    rows = []
    for ev in events:
        links = safe_links(ev)
        title = (
            f'<a href="{esc(links[0])}" rel="noopener noreferrer">{esc(ev.title)}</a>'
            if links
            else esc(ev.title)
        )
        extra = "".join(
            f' <a href="{esc(u)}" rel="noopener noreferrer" title="Other source">[{i}]</a>'
            for i, u in enumerate(links[1:], start=2)
        )
        minerals = ", ".join(
            f'<a href="#{esc(mineral_slug(mid))}">{esc(name)}</a>'
            if mid in linked_minerals
            else esc(name)
            for mid, name in ev.minerals
        )
        when = ev.date_text if ev.day else "–"
        if ev.posted_ist and ev.origin == "pib":
            when += f" {ev.posted_ist:%H:%M} IST"
        who = [ev.ministry] if ev.ministry else []
        who.append(ev.source_text)
        cls = ' class="other-side"' if ev.is_other_side else ""
        rows.append(
            f'<tr id="{esc(ev.anchor)}" data-event-id="{esc(ev.event_id)}" '
            f'data-side="{esc(ev.side)}" data-origin="{esc(ev.origin)}"{cls}>'
            f'<td>{esc(ev.label)}</td><td class="num">{esc(when)}</td>'
            f"<td>{_side_chip(ev.side)}<br><small>{esc(ev.jurisdiction or '–')}</small></td>"
            f"<td>{esc(humanise(ev.event_type))}</td><td>{esc(ev.status or '–')}</td>"
            f"<td>{title}{extra}<br><small>{esc(' · '.join(who))}</small></td>"
            f"<td>{minerals or '–'}</td><td>{esc(', '.join(ev.countries)) or '–'}</td>"
            f"<td>{'<br>'.join(esc(a) for a in fmt_amounts(ev.amounts)) or '–'}</td></tr>"
        )
    return (
        '<table class="events-table"><thead><tr><th>#</th><th>Date</th><th>Side</th>'
        "<th>Type</th><th>Status</th><th>Measure and source</th><th>Minerals</th>"
        "<th>Countries</th><th>Amounts</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
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
<li><strong>Policy events.</strong> Two origins: events tagged automatically from Press
Information Bureau releases (the mineral and country links are rule-based and may miss or
over-assign; dates are IST days of the primary release), and entries of the reviewed event
catalogue, with their cited sources and date precision. Each event is on one side: India's own
measures; the other side's shocks, China's export controls (jurisdiction CN, or an export control
naming China) and their suspension or easing; or another country or multilateral body.</li>
<li><strong>Trade from every side.</strong> India's partners report their own trade with
India to UN Comtrade (mirror flows, annual, the partners of the mirror list). India values its
imports <strong>CIF</strong>, the partner its exports <strong>FOB</strong> (free on board), so
for the same shipments India's figure should exceed the partner's by freight and insurance: the
ratio CIF/FOB is expected between 1.00 and 1.10 (the IMF uses a flat 1.06). Outside that band
the gap is not valuation: timing (shipments across the year end), goods routed through a third
country, confidential or unreported lines, or mis-invoicing. The same HS codes count on both
sides. India's own statistics (DGCI&amp;S TradeStat, HS8 lines summed to the mineral's HS6
codes) are set against what India reports to Comtrade for the same months: both are India's
figures, so a gap there comes from revisions, HS8 lines the map leaves out, the partner
attribution, rounding and the dollar conversion.</li>
<li><strong>Sample data.</strong> When the dataset label says SAMPLE DATA, the trade values come
from the bundled offline snapshot and are illustrative only, not official statistics.</li>
<li><strong>Charts.</strong> Drawn by Vega-Lite, whose JavaScript is inside this file: the page
needs no network. Each chart's menu exports it as SVG or PNG.</li>
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
    the largest imports are shown, plus lithium, REE, cobalt and graphite when present, each
    with its mirror check and TradeStat comparison when the marts have rows for it.
    Missing marts or empty tables give messages in the page, never an exception.
    """
    generated_at = generated_at or datetime.now(UTC)
    label = dataset_label if dataset_label is not None else read_dataset_label(con)
    is_sample = "sample" in (label or "").lower() or any_sample_flag(con) or sample_flag(con)

    notices: list[str] = []
    minerals: list[Mineral] = []
    if all(relation_exists(con, v) for v in TRADE_MARTS):
        try:
            minerals = select_minerals(con, top_n)
            if minerals:
                load_trade(con, minerals)
        except duckdb.Error as exc:
            notices.append(f"Trade marts could not be read: {exc}")
            minerals = []
    else:
        notices.append(
            "The trade mart views are missing from this warehouse (run the marts job first)."
        )
    ids = [m.mineral_id for m in minerals]
    mirror, mirror_problem = load_mirror(con, ids)
    tradestat, tradestat_problem = load_tradestat(con, ids)
    events: list[Event] = []
    if relation_exists(con, "mart_policy_timeline"):
        try:
            events = load_events(con)
        except duckdb.Error as exc:
            notices.append(f"The policy timeline could not be read: {exc}")
    else:
        notices.append("The policy timeline view (mart_policy_timeline) is missing.")

    by_mineral: dict[str, list[Event]] = defaultdict(list)
    for ev in events:
        for mid, _ in ev.minerals:
            by_mineral[mid].append(ev)

    specs: list[str] = []
    body = [_header(title, label, is_sample, generated_at), "<main>"]
    body.extend(f'<p class="empty notice">{esc(n)}</p>' for n in notices)
    body.append("<h2>Main minerals</h2>")
    if minerals:
        body.append(
            '<nav class="toc">'
            + "".join(f'<a href="#{esc(m.slug)}">{esc(m.name)}</a>' for m in minerals)
            + ' <a href="#events">Policy events</a> <a href="#methods">Methods</a></nav>'
        )
        body.append(
            '<noscript><p class="empty">The charts are drawn by JavaScript that is inside this '
            "file (nothing is downloaded); with scripts off, the tables hold the same facts."
            "</p></noscript>"
        )
        body.append(_summary_table(minerals, by_mineral))
        for m in minerals:
            every_side = _every_side_block(
                m,
                mirror.get(m.mineral_id, []),
                mirror_problem,
                tradestat.get(m.mineral_id, []),
                tradestat_problem,
            )
            section, scripts = _mineral_section(m, by_mineral.get(m.mineral_id, []), every_side)
            body.append(section)
            specs.extend(scripts)
    else:
        body.append(_message_box("No import data in the warehouse yet: nothing to chart."))
    n_china = sum(ev.side == SIDE_CHINA for ev in events)
    body.append('<h2 id="events">Policy events</h2>')
    if events:
        body.append(
            f'<p class="stats">{len(events)} events: '
            + " · ".join(
                f"{_side_chip(s)} {sum(ev.side == s for ev in events)}"
                for s in SIDES
                if any(ev.side == s for ev in events)
            )
            + (f" ({n_china} export controls by China)" if n_china else "")
            + "</p>"
        )
    body.append(_event_table(events, {m.mineral_id for m in minerals}))
    body.append(f'<h2 id="methods">Methods and caveats</h2><div class="methods">{METHODS}</div>')
    body.append("</main>")
    body.append(
        "<footer>Sources: UN Comtrade (trade), Press Information Bureau, Government of India "
        "(policy events), India's partners' reports to UN Comtrade (mirror flows), DGCI&amp;S "
        "TradeStat (India's own statistics), and the public sources cited by the event "
        "catalogue. Built from the warehouse marts mart_import_dependence, "
        f"mart_supplier_concentration, mart_policy_timeline, {MIRROR_MART} and "
        f"{TRADESTAT_MART}.</footer>"
    )
    scripts = [javascript_bundle(), BOOTSTRAP] if specs else []
    body.extend(specs)
    body.extend(f"<script>{s}</script>" for s in scripts)
    policy = csp(scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )

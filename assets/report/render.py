"""A static, self-contained HTML report on India's critical-mineral imports and policy events.

``render_report(con)`` reads the mart views (``mart_import_dependence``,
``mart_supplier_concentration``, ``mart_policy_timeline``) and ``dataset_info`` from an open
DuckDB connection and returns one HTML document as a string. Pure rendering: no file or network
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
side's shocks (China's export controls and their suspension) in different colours and shapes.
A policy-event table and a note on methods follow.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import UTC, datetime

import duckdb

from assets.report.charts import (
    MAX_AXIS_EXTENSION_MONTHS,
    SIDE_STYLE,
    concentration_spec,
    monthly_spec,
    shares_spec,
)
from assets.report.event_data import SIDE_CHINA, SIDES, Event, load_events, safe_links
from assets.report.fmt import esc, fmt_amounts, fmt_pct, fmt_usd, humanise
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


def _mineral_section(m: Mineral, events: list[Event]) -> tuple[str, list[str]]:
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
    html = (
        f'<section class="mineral" id="{esc(m.slug)}" data-mineral="{esc(m.mineral_id)}">'
        f"<h2>{esc(m.name)}</h2>"
        f'<p class="stats">{esc("; ".join(stats)) if stats else "No annual data."}</p>'
        f'<div class="charts">{"".join(figures)}{ev_html}</div></section>'
    )
    return html, scripts


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
    the largest imports are shown, plus lithium, REE, cobalt and graphite when present.
    Missing views or empty tables give messages in the page, never an exception.
    """
    generated_at = generated_at or datetime.now(UTC)
    label = dataset_label if dataset_label is not None else read_dataset_label(con)
    is_sample = "sample" in (label or "").lower() or any_sample_flag(con)

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
            section, scripts = _mineral_section(m, by_mineral.get(m.mineral_id, []))
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
        "(policy events), and the public sources cited by the event catalogue. Built from the "
        "warehouse marts mart_import_dependence, mart_supplier_concentration and "
        "mart_policy_timeline.</footer>"
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

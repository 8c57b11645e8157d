"""Vega-Lite chart specifications for the report, declared with Altair.

Each public function returns one Vega-Lite spec (a dict) or ``None`` when there is nothing to
draw. The charts are declared with Altair over *named* datasets, and each chart shape is
compiled (and validated against the Vega-Lite schema by Altair) **once per process**, with
``$placeholders`` where one mineral's chart differs from another's (title, description, colour
domains, the time axis). A chart is then that template with the placeholders filled and its
rows attached under ``datasets``: building it costs the same for 10 events or 10,000, and
Altair's validation never walks the data.

The mirror chart (d) draws India's imports as India reports them (CIF) against the partners'
reports of the same trade (FOB) as the ratio of the two, one dot per partner x year against the
expected CIF/FOB band.

The monthly chart places its event markers in lanes with one sweep over the events in date
order (a sort, then a fixed number of lanes per event), so the report stays linear-ish in the
number of events; Vega draws the marks, tooltips and legend in the browser.
"""

from __future__ import annotations

import calendar
import functools
from collections import defaultdict
from datetime import date
from typing import Any

from assets.report.event_data import (
    SIDE_CHINA,
    SIDE_CHINA_EASED,
    SIDE_INDIA,
    SIDE_OTHER,
    SIDES,
    Event,
)
from assets.report.fmt import (
    fmt_pct,
    fmt_usd,
    fmt_usd_signed,
    humanise,
    month_label,
    month_start,
    trunc,
)
from assets.report.recon_data import MirrorRow
from assets.report.trade_data import Mineral

__all__ = [
    "LABEL_LIMIT",
    "MAX_AXIS_EXTENSION_MONTHS",
    "RATIO_AXIS",
    "SIDE_STYLE",
    "concentration_spec",
    "event_lanes",
    "mirror_spec",
    "monthly_spec",
    "ratio_text",
    "shares_spec",
]

CHINA = 156
TOP_SUPPLIERS = 5
MAX_AXIS_EXTENSION_MONTHS = 36  # events further than this from the data are pinned to the edge
LABEL_LIMIT = 40  # above this many events on one chart, markers carry no text label
LANES = 8
LANE_PX, LANE_TOP_PX = 15, 8
RIGHT_LABEL_FROM = 0.82  # labels of markers right of this fraction of the axis go to the left

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f")
CHINA_COLOUR = "#d62728"
OTHER_COLOUR = "#bab0ac"
HHI_COLOUR = "#1f4e79"
LINE_COLOUR = "#2f6db5"
NODATA_COLOUR = "#e9ecf0"
# side -> (colour, shape): India's own measures vs the other side's shocks
SIDE_STYLE = {
    SIDE_INDIA: ("#1b7837", "triangle-up"),
    SIDE_CHINA: ("#c2185b", "diamond"),
    SIDE_CHINA_EASED: ("#f48fb1", "cross"),
    SIDE_OTHER: ("#6a51a3", "square"),
}
CONFIG = {
    "font": 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "view": {"stroke": None},
    "title": {"fontSize": 13, "anchor": "start", "fontWeight": 600},
    "axis": {"labelFontSize": 11, "titleFontSize": 12},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 220},
}
HEIGHT = 260
HHI_SERIES = ("HHI (left axis)", "China's share (right axis)")


# ----------------------------------------------------------------------------- templates


def _fill(node: Any, values: dict[str, Any]) -> Any:
    """A copy of a compiled template with each ``$name`` string (or ``["$name"]`` list) filled."""
    if isinstance(node, dict):
        return {k: _fill(v, values) for k, v in node.items()}
    if isinstance(node, list):
        if len(node) == 1 and isinstance(node[0], str) and node[0] in values:
            return list(values[node[0]])
        return [_fill(v, values) for v in node]
    if isinstance(node, str) and node in values:
        return values[node]
    return node


def _compile(chart: Any) -> dict:
    """Validated Vega-Lite dict of an Altair chart, with the report's size and config."""
    spec = chart.properties(
        width="container", height=HEIGHT, title="$title", description="$description"
    ).to_dict()
    spec["config"] = CONFIG
    return spec


def _spec(template: dict, values: dict[str, Any], datasets: dict, meta: dict) -> dict:
    spec = _fill(template, values)
    unknown = [k for k in values if k not in str(template)]
    if unknown:  # a programming error: the template and the values disagree
        raise ValueError(f"chart template has no placeholder {unknown}")
    spec["datasets"] = datasets
    spec["usermeta"] = meta
    return spec


@functools.cache
def _shares_template() -> dict:
    import altair as alt

    chart = (
        alt.Chart(alt.Data(name="shares"))
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "share:Q",
                title="Share of India's imports",
                stack="zero",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%"),
            ),
            color=alt.Color(
                "supplier:N",
                title="Supplier",
                scale=alt.Scale(domain=["$suppliers"], range=["$colours"]),
                legend=alt.Legend(orient="right"),
            ),
            order=alt.Order("order:Q", sort="descending"),
            tooltip=[
                alt.Tooltip("supplier:N", title="Supplier"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("share_text:N", title="Share"),
                alt.Tooltip("value_text:N", title="Imports"),
            ],
            description=alt.Description("tip:N"),
        )
        .properties(name="shares")
    )
    return _compile(chart)


@functools.cache
def _concentration_template() -> dict:
    import altair as alt

    colour = alt.Scale(domain=list(HHI_SERIES), range=[HHI_COLOUR, CHINA_COLOUR])
    legend = alt.Legend(orient="top", title=None)
    x = alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))
    base = alt.Chart(alt.Data(name="concentration"))
    hhi_scale = alt.Scale(domain=[0, 10000])
    y_hhi = alt.Y("hhi:Q", title="HHI (0–10,000)", scale=hhi_scale, axis=alt.Axis(format=",.0f"))
    hhi_colour = alt.Color("hhi_series:N", scale=colour, legend=legend)
    hhi_line = base.mark_line(strokeWidth=2.5).encode(x=x, y=y_hhi, color=hhi_colour)
    hhi_points = (
        base.mark_point(filled=True, size=60, opacity=1)
        .encode(
            x=x,
            y=y_hhi,
            color=hhi_colour,
            tooltip=alt.Tooltip("hhi_tip:N", title="HHI"),
            description=alt.Description("hhi_tip:N"),
        )
        .properties(name="hhi_points")
    )
    threshold = alt.Chart(alt.Data(name="threshold"))
    threshold_rule = threshold.mark_rule(strokeDash=[6, 4], color="#8a8f96").encode(y=y_hhi)
    threshold_text = threshold.mark_text(
        align="right", baseline="bottom", dy=-3, fontStyle="italic", color="#6b7580"
    ).encode(y=y_hhi, x=alt.value("width"), text="label:N")
    cn_colour = alt.Color("china_series:N", scale=colour, legend=legend)
    y_cn = alt.Y(
        "china:Q",
        title="China's share of imports",
        scale=alt.Scale(domain=[0, 1]),
        axis=alt.Axis(format=".0%", orient="right"),
    )
    cn_line = base.mark_line(strokeWidth=2.5, strokeDash=[7, 4]).encode(
        x=x, y=y_cn, color=cn_colour
    )
    cn_points = (
        base.mark_square(size=60, opacity=1)
        .encode(
            x=x,
            y=y_cn,
            color=cn_colour,
            tooltip=alt.Tooltip("china_tip:N", title="China"),
            description=alt.Description("china_tip:N"),
        )
        .properties(name="china_points")
    )
    chart = alt.layer(
        alt.layer(hhi_line, hhi_points, threshold_rule, threshold_text),
        alt.layer(cn_line, cn_points),
    ).resolve_scale(y="independent")
    return _compile(chart)


@functools.cache
def _monthly_template(nodata: bool, events: bool, labels: bool) -> dict:
    import altair as alt

    # the shared time scale and axis are declared once (on the imports line): an explicit
    # domain repeated in several layers makes Vega-Lite merge them into a broken union
    x_axis = alt.X(
        "month:T",
        title="Month",
        scale=alt.Scale(type="utc", domain=["$x_domain"]),
        axis=alt.Axis(format="%b %Y", labelOverlap="greedy", tickCount=6),
    )
    x = alt.X("month:T")
    layers = []
    if nodata:
        layers.append(
            alt.Chart(alt.Data(name="nodata"))
            .mark_rect(color=NODATA_COLOUR)
            .encode(
                x=alt.X("start:T"),
                x2="end:T",
                tooltip=alt.Tooltip("tip:N", title="Trade data"),
            )
            .properties(name="nodata")
        )
    # the top of the value axis leaves room for the event markers' lanes ($y_max)
    y = alt.Y(
        "value:Q",
        title="Monthly imports, US$ (CIF)",
        scale=alt.Scale(domain=[0, "$y_max"], nice=True),
        axis=alt.Axis(format="$~s"),
    )
    base = alt.Chart(alt.Data(name="imports"))
    layers.append(
        base.mark_line(color=LINE_COLOUR, strokeWidth=2.5)
        .encode(x=x_axis, y=y, detail="segment:N")
        .properties(name="imports_line")
    )
    layers.append(
        base.mark_point(color=LINE_COLOUR, filled=True, size=40, opacity=1)
        .encode(
            x=x,
            y=y,
            tooltip=alt.Tooltip("tip:N", title="Imports, all partners"),
            description=alt.Description("tip:N"),
        )
        .properties(name="imports_points")
    )
    if events:
        ev = alt.Chart(alt.Data(name="events"))
        ev_x = alt.X("x:T")
        legend = alt.Legend(orient="top", title="Policy events", direction="horizontal", columns=4)
        colour = alt.Color(
            "side:N", scale=alt.Scale(domain=["$sides"], range=["$side_colours"]), legend=legend
        )
        shape = alt.Shape(
            "side:N", scale=alt.Scale(domain=["$sides"], range=["$side_shapes"]), legend=legend
        )
        tooltip = [
            alt.Tooltip("event:N", title="Event"),
            alt.Tooltip("date:N", title="Date"),
            alt.Tooltip("side:N", title="Side"),
            alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("kind:N", title="Type"),
            alt.Tooltip("source:N", title="Source"),
        ]
        marker_y = alt.Y("y:Q", scale=None)
        layers.append(
            ev.mark_rule(strokeDash=[4, 3], strokeWidth=1.4, opacity=0.8)
            .encode(x=ev_x, color=colour, tooltip=tooltip)
            .properties(name="event_rules")
        )
        layers.append(
            ev.mark_point(filled=True, size=110, opacity=1, stroke="#ffffff", strokeWidth=0.8)
            .encode(
                x=ev_x,
                y=marker_y,
                color=colour,
                shape=shape,
                href="href:N",
                tooltip=tooltip,
                description=alt.Description("aria:N"),
            )
            .properties(name="event_markers")
        )
        if labels:
            for align, dx, test in (("left", 8, "!datum.right"), ("right", -8, "datum.right")):
                layers.append(
                    ev.transform_filter(test)
                    .mark_text(
                        align=align, dx=dx, baseline="middle", fontSize=11, fontWeight="bold"
                    )
                    .encode(
                        x=ev_x,
                        y=marker_y,
                        text="label:N",
                        color=colour,
                        href="href:N",
                        tooltip=tooltip,
                    )
                    .properties(name=f"event_labels_{align}")
                )
    return _compile(alt.layer(*layers))


def _datetime(d: date) -> dict:
    return {"year": d.year, "month": d.month, "date": d.day, "utc": True}


# ----------------------------------------------------------------------------- (a) shares


def shares_spec(m: Mineral) -> dict | None:
    """Stacked bars: each year's imports split by the top suppliers over the period, + Other."""
    years = sorted(m.annual)
    if not years:
        return None
    totals: dict[int, float] = defaultdict(float)
    names: dict[int, str] = {}
    for rows in m.annual.values():
        for code, name, value, _ in rows:
            totals[code] += value
            names[code] = name
    top = sorted(totals, key=lambda c: (-totals[c], names[c]))[:TOP_SUPPLIERS]
    colours, k = [], 0
    for code in top:
        if code == CHINA:
            colours.append(CHINA_COLOUR)
        else:
            colours.append(PALETTE[k % len(PALETTE)])
            k += 1
    series = [names[c] for c in top]
    rows: list[dict] = []
    for y in years:
        acc = 0.0
        by_code = {c: (v, s) for c, _, v, s in m.annual[y]}
        for i, code in enumerate(top):
            value, share = by_code.get(code, (0.0, 0.0))
            share = max(0.0, min(share, 1.0 - acc))
            acc += share
            if share > 0:
                rows.append(_share_row(y, names[code], i, share, value))
        other_v = sum(v for c, (v, _) in by_code.items() if c not in top)
        other_s = sum(s for c, (_, s) in by_code.items() if c not in top)
        other_s = max(0.0, min(other_s, 1.0 - acc))
        if other_s > 0:
            rows.append(_share_row(y, "Other", len(top), other_s, other_v))
    if any(r["supplier"] == "Other" for r in rows):
        series.append("Other")
        colours.append(OTHER_COLOUR)
    values = {
        "$title": f"{m.name}: India's import dependence by supplier, {years[0]}–{years[-1]}",
        "$description": (
            f"Stacked bars: each year's imports of {m.name} split by supplier country "
            f"(top {len(top)} suppliers over the period, the rest as Other), as % of the total."
        ),
        "$suppliers": series,
        "$colours": colours,
    }
    meta = {"chart": "shares", "mineral": m.mineral_id}
    return _spec(_shares_template(), values, {"shares": rows}, meta)


def _share_row(year: int, supplier: str, order: int, share: float, value: float) -> dict:
    return {
        "year": str(year),
        "supplier": supplier,
        "order": order,
        "share": share,
        "share_text": fmt_pct(share),
        "value_text": fmt_usd(value),
        "tip": f"{supplier}, {year}: {fmt_pct(share)} ({fmt_usd(value)})",
    }


# ----------------------------------------------------------------------------- (b) HHI


def concentration_spec(m: Mineral) -> dict | None:
    """Lines: HHI (left axis, 0-10,000) and China's share of imports (right axis, 0-100%)."""
    src = [r for r in m.concentration if r[1] is not None]
    if not src:
        return None
    rows = [
        {
            "year": str(year),
            "hhi": float(hhi),
            "china": float(china or 0),
            "hhi_series": HHI_SERIES[0],
            "china_series": HHI_SERIES[1],
            "hhi_tip": (
                f"{year}: HHI {float(hhi):,.0f}; {count} suppliers; top supplier {top} "
                f"({fmt_pct(top_share)}); imports {fmt_usd(total)}"
            ),
            "china_tip": f"{year}: China {fmt_pct(china or 0)} of imports",
        }
        for year, hhi, china, total, count, top, top_share in src
    ]
    values = {
        "$title": (
            f"{m.name}: supplier concentration (HHI) and China's share, {src[0][0]}–{src[-1][0]}"
        ),
        "$description": (
            "Lines: the Herfindahl-Hirschman index of supplier shares (left axis, 0 to "
            "10,000) and China's share of India's imports (right axis, 0 to 100%), per year."
        ),
    }
    datasets = {
        "concentration": rows,
        "threshold": [{"hhi": 2500, "label": "HHI 2,500: highly concentrated"}],
    }
    meta = {"chart": "concentration", "mineral": m.mineral_id}
    return _spec(_concentration_template(), values, datasets, meta)


# ----------------------------------------------------------------------------- (c) monthly


def _month_pos(d: date) -> float:
    """A day as a fractional month index (year * 12 + month - 1 + fraction of the month)."""
    dim = calendar.monthrange(d.year, d.month)[1]
    return d.year * 12 + d.month - 1 + (d.day - 1) / dim


def event_lanes(positions: list[float], gap: float, lanes: int = LANES) -> list[int]:
    """A lane for each marker so that markers closer than ``gap`` sit in different lanes.

    ``positions`` must be sorted. One sweep: each marker takes the lowest lane whose last
    marker is at least ``gap`` before it, else the lane free for longest. O(n * lanes).
    """
    last = [float("-inf")] * lanes
    out = []
    for x in positions:
        lane = next((i for i in range(lanes) if x - last[i] >= gap), None)
        if lane is None:
            lane = min(range(lanes), key=last.__getitem__)
        last[lane] = x
        out.append(lane)
    return out


def monthly_spec(m: Mineral, events: list[Event]) -> dict | None:
    """Monthly imports (line) with the mineral's events as rules and markers, by side."""
    pts = sorted((y * 12 + mo - 1, v) for y, mo, v in m.monthly)
    if not pts:
        return None
    dated = sorted(
        ((ev, _month_pos(ev.day)) for ev in events if ev.day is not None), key=lambda t: t[1]
    )
    dmin, dmax = pts[0][0], pts[-1][0]
    inside = [
        x
        for _, x in dated
        if dmin - MAX_AXIS_EXTENSION_MONTHS <= x < dmax + 1 + MAX_AXIS_EXTENSION_MONTHS
    ]
    lo = min(dmin, int(inside[0])) if inside else dmin  # dated, hence inside, is sorted
    hi = max(dmax, int(inside[-1])) if inside else dmax
    x_lo, x_hi = month_start(lo), month_start(hi + 1)
    span = hi + 1 - lo
    with_labels = 0 < len(dated) <= LABEL_LIMIT
    gap = span * (0.09 if with_labels else 0.012)

    imports = []
    segment = 0
    for i, (idx, v) in enumerate(pts):
        if i and idx != pts[i - 1][0] + 1:
            segment += 1  # a missing month breaks the line
        imports.append(
            {
                "month": month_start(idx).replace(day=15).isoformat(),
                "value": v,
                "segment": segment,
                "tip": f"{month_label(idx)}: {fmt_usd(v)}",
            }
        )
    nodata = []
    if lo < dmin:
        nodata.append(
            {
                "start": x_lo.isoformat(),
                "end": month_start(dmin).isoformat(),
                "tip": "No monthly trade data for this period",
            }
        )
    if hi > dmax:
        nodata.append(
            {
                "start": month_start(dmax + 1).isoformat(),
                "end": x_hi.isoformat(),
                "tip": "No monthly trade data for this period yet",
            }
        )

    positions, pins = [], []
    for _, x in dated:
        if x < lo:
            positions.append(float(lo))
            pins.append("«")
        elif x >= hi + 1:
            positions.append(float(hi + 1))
            pins.append("»")
        else:
            positions.append(x)
            pins.append("")
    lanes = event_lanes(positions, gap)  # still sorted: pinning to the edges keeps the order
    ev_rows = []
    for (ev, _), pos, pin, lane in zip(dated, positions, pins, lanes, strict=True):
        if pin == "«":
            x_day, text = x_lo, f"«{ev.label}"
        elif pin == "»":
            x_day, text = x_hi, f"{ev.label}»"
        else:
            x_day, text = ev.day, ev.label
        note = " (outside the chart's time range; marked at the edge)" if pin else ""
        kind = humanise(ev.event_type) + (f" · {ev.status}" if ev.status else "")
        measure = trunc(ev.title, 160)
        ev_rows.append(
            {
                "x": x_day.isoformat(),
                "y": LANE_TOP_PX + lane * LANE_PX,
                "label": text,
                "right": (pos - lo) / span > RIGHT_LABEL_FROM,
                "side": ev.side,
                "href": f"#{ev.anchor}",
                "event_id": ev.event_id,
                "event": ev.label,
                "date": ev.date_text + note,
                "measure": measure,
                "kind": kind,
                "source": ev.source_text,
                "aria": f"{ev.label} · {ev.date_text} · {ev.side} · {kind} · {measure}{note}",
            }
        )
    sides = [s for s in SIDES if any(r["side"] == s for r in ev_rows)]
    n = len(ev_rows)
    vmax = max(v for _, v in pts) or 1.0
    reserved = (LANE_TOP_PX + max(lanes, default=-1) * LANE_PX + 14) / HEIGHT if lanes else 0.0
    y_max = vmax * 1.05 / (1 - min(reserved, 0.6))
    values: dict[str, Any] = {
        "$title": (
            f"{m.name}: India's monthly imports and policy events, "
            f"{month_label(lo)} – {month_label(hi)}"
        ),
        "$description": (
            f"Line: India's monthly imports of {m.name} from all partners (US dollars, CIF). "
            f"Dashed vertical lines and markers show the {n} policy event(s) concerning "
            f"{m.name}: India's own measures and the other side's shocks (China's export "
            "controls and their suspension) in different colours and shapes, labelled E1, E2… "
            "as in the event table."
        ),
        "$x_domain": [_datetime(x_lo), _datetime(x_hi)],
        "$y_max": y_max,
    }
    if ev_rows:
        values["$sides"] = sides
        values["$side_colours"] = [SIDE_STYLE[s][0] for s in sides]
        values["$side_shapes"] = [SIDE_STYLE[s][1] for s in sides]
    template = _monthly_template(bool(nodata), bool(ev_rows), with_labels)
    datasets = {"imports": imports, "events": ev_rows, "nodata": nodata}
    meta = {
        "chart": "monthly",
        "mineral": m.mineral_id,
        "events": n,
        "labels": with_labels,
        "sides": {s: sum(r["side"] == s for r in ev_rows) for s in sides},
    }
    return _spec(template, values, datasets, meta)


# ----------------------------------------------------------------------------- (d) mirror

RATIO_AXIS = (0.5, 2.0)  # ratios beyond are pinned to the edge (the tooltip gives the value)
RATIO_TICKS = [0.5, 0.75, 1.0, 1.1, 1.5, 2.0]
YEAR_ROW_PX, PARTNER_PAD_PX = 6, 10
STATUS_STYLE = {  # reconciliation_status -> colour; the rows without a ratio are not drawn
    "within_band": "#2e7d32",
    "cif_above_band": "#e66101",
    "cif_below_fob": "#5e3c99",
}
BAND_COLOUR = "#c7e9c0"
POSITIONS = {  # where a dot sits on the ratio axis -> its shape
    "on the axis": "circle",
    f"below {RATIO_AXIS[0]:g}: at the left edge": "triangle-left",
    f"above {RATIO_AXIS[1]:g}: at the right edge": "triangle-right",
}


@functools.cache
def _mirror_template() -> dict:
    import altair as alt

    x = alt.X(
        "x:Q",
        title="India-reported imports (CIF) ÷ partner-reported exports to India (FOB), log scale",
        scale=alt.Scale(type="log", domain=list(RATIO_AXIS), nice=False),
        axis=alt.Axis(values=RATIO_TICKS, format="~g", grid=True),
    )
    band = (
        alt.Chart(alt.Data(name="band"))
        .mark_rect(color=BAND_COLOUR, opacity=0.7)
        .encode(
            x=alt.X("lo:Q"),
            x2="hi:Q",
            tooltip=alt.Tooltip("tip:N", title="Expected band"),
            description=alt.Description("tip:N"),
        )
        .properties(name="band")
    )
    dots = (
        alt.Chart(alt.Data(name="mirror"))
        .mark_point(filled=True, size=55, opacity=1, stroke="#ffffff", strokeWidth=0.6)
        .encode(
            x=x,
            y=alt.Y(
                "partner:N",
                title="Partner (its years top to bottom, earliest first)",
                sort=["$partners"],
                scale=alt.Scale(type="band", paddingInner=0.25),
            ),
            yOffset=alt.YOffset("year:O", sort="ascending"),
            color=alt.Color(
                "status:N",
                title="Reconciliation",
                scale=alt.Scale(domain=["$statuses"], range=["$status_colours"]),
                legend=alt.Legend(orient="top"),
            ),
            shape=alt.Shape(
                "position:N",
                title="Ratio",
                scale=alt.Scale(domain=["$positions"], range=["$shapes"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("partner:N", title="Partner"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("india_text:N", title="India-reported imports (CIF)"),
                alt.Tooltip("partner_text:N", title="Partner-reported exports to India (FOB)"),
                alt.Tooltip("gap_text:N", title="Gap (India − partner)"),
                alt.Tooltip("ratio_text:N", title="CIF/FOB ratio"),
                alt.Tooltip("status:N", title="Reconciliation"),
            ],
            description=alt.Description("tip:N"),
        )
        .properties(name="mirror_points")
    )
    return _compile(alt.layer(band, dots))


def ratio_text(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}"


def mirror_spec(mineral_id: str, name: str, rows: list[MirrorRow]) -> dict | None:
    """Dots: each partner x year's CIF/FOB ratio (India's imports / the partner's exports to
    India) on a log axis against the expected band; rows missing a side are not drawn."""
    drawn = [r for r in rows if r.ratio is not None and r.ratio > 0]
    if not drawn:
        return None
    lo, hi = RATIO_AXIS
    band = drawn[0].band
    labels = list(POSITIONS)
    points = []
    for r in drawn:
        ratio = float(r.ratio or 0)
        position = labels[1] if ratio < lo else labels[2] if ratio > hi else labels[0]
        pinned = "" if position == labels[0] else " (beyond the axis: drawn at its edge)"
        gap = fmt_usd_signed(r.gap_usd)
        points.append(
            {
                "partner": r.partner,
                "year": str(r.year),
                "x": min(max(ratio, lo), hi),
                "status": r.status_text,
                "position": position,
                "india_text": fmt_usd(r.india_usd),
                "partner_text": fmt_usd(r.partner_usd),
                "gap_text": gap,
                "ratio_text": ratio_text(ratio) + pinned,
                "tip": (
                    f"{r.partner}, {r.year}: India reports {fmt_usd(r.india_usd)} (CIF), the "
                    f"partner {fmt_usd(r.partner_usd)} (FOB); ratio {ratio_text(ratio)}{pinned}, "
                    f"{r.status_text}"
                ),
            }
        )
    partners = list(dict.fromkeys(r.partner for r in drawn))  # rows come largest partner first
    statuses = [s for s in STATUS_STYLE if any(r.status == s for r in drawn)]
    status_labels = [next(r.status_text for r in drawn if r.status == s) for s in statuses]
    positions = [p for p in labels if any(pt["position"] == p for pt in points)]
    years = sorted({r.year for r in drawn})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    values = {
        "$title": f"{name}: India's imports as India and its partners report them, {span}",
        "$description": (
            f"Dots: for each partner and year, India's reported imports of {name} (CIF) divided "
            "by the partner's reported exports to India (FOB), on a log axis from "
            f"{lo:g} to {hi:g} (ratios beyond it are drawn at its edge). The shaded band, "
            f"{band[0]:.2f} to {band[1]:.2f}, is where the ratio sits when both report the "
            "same shipments: CIF adds freight and insurance to FOB. Colour: inside or outside "
            "the band."
        ),
        "$partners": partners,
        "$statuses": status_labels,
        "$status_colours": [STATUS_STYLE[s] for s in statuses],
        "$positions": positions,
        "$shapes": [POSITIONS[p] for p in positions],
    }
    band_row = {
        "lo": band[0],
        "hi": band[1],
        "tip": (
            f"CIF/FOB ratio {band[0]:.2f} to {band[1]:.2f}: the freight and insurance margin "
            "expected when both sides report the same shipments (the IMF uses 1.06)"
        ),
    }
    spec = _spec(_mirror_template(), values, {"mirror": points, "band": [band_row]}, meta={})
    spec["height"] = max(HEIGHT, len(partners) * (len(years) * YEAR_ROW_PX + PARTNER_PAD_PX))
    spec["usermeta"] = {
        "chart": "mirror",
        "mineral": mineral_id,
        "partners": len(partners),
        "years": len(years),
        "not_drawn": len(rows) - len(drawn),
    }
    return spec

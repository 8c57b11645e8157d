"""The static HTML report (group ``report``), generated after the marts.

One self-contained file that opens from disk offline: Vega-Lite charts (declared with Altair)
with the Vega JavaScript bundled inside the page by vl-convert, no CDN, no network. Per
mineral: dependence and concentration over time, China's share, and the monthly imports with
the policy events of both origins (PIB and the catalogue) marked by side: India's own measures
vs China's export controls and their suspension; then trade from every side: the mirror check
(India's CIF imports against the partners' FOB exports to India, the CIF/FOB ratio against its
1.00-1.10 band, the largest gaps) and India's own TradeStat figures against Comtrade. Written
next to the reader file by temp file + atomic rename.
"""

import os
from pathlib import Path

import dagster as dg

from assets.marts.assets import mart_assets
from assets.report.render import render_report
from pipelines.resources import Warehouse


@dg.asset(
    group_name="report",
    kinds={"html"},
    pool="warehouse",
    deps=mart_assets,
    description="Static offline HTML report from the marts: import dependence (top suppliers' "
    "shares), supplier concentration (HHI) and China's share over time per mineral, monthly "
    "imports with policy events marked by side (India's measures vs China's export controls), "
    "the mirror check (India's CIF imports vs the partners' FOB exports to India, CIF/FOB "
    "ratio against the 1.00-1.10 band, largest gaps), TradeStat vs Comtrade per month, "
    "and the event table with links to the sources. Vega-Lite charts, JavaScript inlined.",
)
def analyst_report(warehouse: Warehouse) -> dg.MaterializeResult:
    if not warehouse.report_path:
        raise dg.Failure("no report_path configured (CMW_REPORT)")
    with warehouse.store().read() as con:
        html = render_report(con, dataset_label=warehouse.dataset_label or None)
    target = Path(warehouse.report_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(target)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "bytes": len(html.encode("utf-8")),
            "charts": html.count('class="vl-chart"'),
            "mirror_charts": html.count('data-chart="mirror"'),
            "events": html.count('<tr id="event-E'),
            "open": dg.MetadataValue.url(target.resolve().as_uri()),
        }
    )

"""Analyst marts (group ``marts``): SQL views over the warehouse, one asset per view.

Each view lives in ``warehouse/marts/NN_<name>.sql`` with its ``COMMENT ON`` statements. The
asset (re)creates the view in one transaction and reports its row count and a preview.
Views cost nothing to store and are always current; the published reader file carries them.
"""

import re
from pathlib import Path

import dagster as dg

from assets.comtrade.assets import trade_flow_annual, trade_flow_monthly
from assets.events.assets import policy_event
from assets.reference.assets import dim_country, dim_hs_code, dim_mineral
from pipelines.metadata import preview_md
from pipelines.resources import Warehouse
from warehouse.store import MARTS_DIR

_UPSTREAM = {
    "fact_trade_flow": [trade_flow_annual, trade_flow_monthly],
    "policy_event": [policy_event],
    "event_mineral": [policy_event],
    "event_country": [policy_event],
    "event_amount": [policy_event],
    "dim_hs_code": [dim_hs_code],
    "dim_country": [dim_country],
    "dim_mineral": [dim_mineral],
}


def mart_files() -> list[Path]:
    return sorted(MARTS_DIR.glob("[0-9][0-9]_*.sql"))


def mart_name(path: Path) -> str:
    return path.stem.split("_", 1)[1]


def _view_comment(sql: str) -> str:
    m = re.search(r"COMMENT ON VIEW \w+ IS '((?:[^']|'')*)'", sql)
    return m.group(1).replace("''", "'") if m else ""


def build_mart_asset(path: Path) -> dg.AssetsDefinition:
    name = mart_name(path)
    sql = path.read_text(encoding="utf-8")
    referenced = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", sql, flags=re.IGNORECASE))
    deps: list = []
    for ref in sorted(referenced):
        if ref.startswith("mart_") and ref != name:
            deps.append(dg.AssetKey(ref))
        for up in _UPSTREAM.get(ref, []):
            if up not in deps:
                deps.append(up)

    @dg.asset(
        name=name,
        group_name="marts",
        kinds={"duckdb", "sql"},
        pool="warehouse",
        deps=deps,
        description=_view_comment(sql) + f" (SQL: warehouse/marts/{path.name})",
    )
    def _mart(warehouse: Warehouse) -> dg.MaterializeResult:
        store = warehouse.store()
        store.execute_script(sql)
        with store.read() as con:
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            head = con.execute(f'SELECT * FROM "{name}" LIMIT 10').pl()
        return dg.MaterializeResult(
            metadata={
                "rows": rows,
                "columns": len(head.columns),
                "preview": dg.MetadataValue.md(preview_md(head)),
            }
        )

    return _mart


mart_assets = [build_mart_asset(p) for p in mart_files()]

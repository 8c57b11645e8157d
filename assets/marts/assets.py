"""Analyst marts (group ``marts``): tables built at refresh time, one asset per mart.

Each mart lives in ``warehouse/marts/NN_<name>.sql`` with its ``COMMENT ON`` statements and the
``@inputs`` / ``@period_key`` lines that say what it depends on (``warehouse/mart_build.py``).
The asset brings its table up to date as far as its inputs changed since its last build: not at
all (a PIB day leaves the trade marts alone), the changed period slices (a trade load), or the
whole table; analysts then read precomputed rows. Metadata comes from the build itself (rows,
what was rebuilt and why), never from a count over the mart.
"""

import dagster as dg

from assets.comtrade.assets import trade_flow_annual, trade_flow_monthly
from assets.comtrade.mirror import trade_mirror_annual, trade_mirror_monthly
from assets.events.assets import event_catalogue, policy_event
from assets.reference.assets import dim_country, dim_hs_code, dim_mineral
from assets.tradestat.assets import tradestat_hs8_monthly
from pipelines.metadata import preview_md
from pipelines.resources import Warehouse
from warehouse.mart_build import (
    MartDefinition,
    build_mart,
    mart_definitions,
    mart_files,
    parse_mart,
)

__all__ = ["build_mart_asset", "mart_assets", "mart_files", "mart_name"]

_UPSTREAM = {
    "fact_trade_flow": [
        trade_flow_annual,
        trade_flow_monthly,
        trade_mirror_annual,
        trade_mirror_monthly,
    ],
    "policy_event": [policy_event, event_catalogue],
    "event_mineral": [policy_event, event_catalogue],
    "event_country": [policy_event, event_catalogue],
    "event_amount": [policy_event, event_catalogue],
    "event_hs_code": [event_catalogue],
    "dim_hs_code": [dim_hs_code],
    "dim_country": [dim_country],
    "dim_mineral": [dim_mineral],
    "fact_trade_flow_hs8": [tradestat_hs8_monthly],
    "dim_hs8_code": [tradestat_hs8_monthly],
}
"""The assets that write each table a mart reads: the marts' lineage, which also decides what
the refresh after a load runs (pipelines/definitions.py, sensor refresh_after_load)."""


def mart_name(path) -> str:
    return parse_mart(path).name


def _deps(definition: MartDefinition, marts: set[str]) -> list:
    deps: list = []
    for table in definition.inputs:
        if table in marts:
            deps.append(dg.AssetKey(table))
        for up in _UPSTREAM.get(table, []):
            if up not in deps:
                deps.append(up)
    return deps


def build_mart_asset(definition: MartDefinition, marts: set[str]) -> dg.AssetsDefinition:
    name = definition.name

    @dg.asset(
        name=name,
        group_name="marts",
        kinds={"duckdb", "sql"},
        pool="warehouse",
        deps=_deps(definition, marts),
        description=definition.comment + f" (SQL: warehouse/marts/{definition.path.name})",
    )
    def _mart(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.store().connect() as con:  # one connection: build, then a preview
            build = build_mart(con, definition, _DEFINITIONS, run_id=context.run.run_id)
            head = con.execute(f'SELECT * FROM "{name}" LIMIT 10').pl()
        res = build.result
        stages = {
            s.table: {"mode": s.mode, "rows": s.rows, "seconds": round(s.seconds, 3)}
            for s in build.stages
        }
        return dg.MaterializeResult(
            metadata={
                "rows": res.rows,
                "columns": len(head.columns),
                "build_mode": res.mode,
                "build_reason": res.reason,
                "rows_inserted": res.inserted,
                "rows_deleted": res.deleted,
                "slices_rebuilt": len(res.slices),
                "slices": ", ".join(res.slices[:20]) + (" ..." if len(res.slices) > 20 else ""),
                "build_seconds": round(build.seconds, 3),
                "stages": dg.MetadataValue.json(stages),
                "built_first": ", ".join(u.mart for u in build.upstream) or "none",
                "preview": dg.MetadataValue.md(preview_md(head)),
            }
        )

    return _mart


_DEFINITIONS = mart_definitions()
mart_assets = [build_mart_asset(d, {m.name for m in _DEFINITIONS}) for d in _DEFINITIONS]

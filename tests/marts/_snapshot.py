"""The warehouse the end-to-end tests query, built in-process: the bundled snapshot's
reference lists, event catalogue, PIB days (with their policy events) and trade periods
(``snapshot/manifest.json``; the annual periods with the partners' mirror reports), replayed
offline. No marts, report or publish."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from assets.comtrade.assets import trade_flow_annual, trade_flow_monthly
from assets.comtrade.mirror import trade_mirror_annual
from assets.events.assets import event_catalogue, policy_event
from assets.pib.assets import pib_release
from assets.reference.assets import reference_assets
from pipelines.resources import HttpSources, Warehouse

REPO = Path(__file__).resolve().parents[2]


def _range(start: str, end: str) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end,
    }


def build_snapshot_warehouse(tmp: Path) -> Warehouse:
    manifest = json.loads((REPO / "snapshot" / "manifest.json").read_text())
    wh = Warehouse(path=str(tmp / "w.duckdb"), reader_path=str(tmp / "r.duckdb"))
    res = {
        "http": HttpSources(
            mode="replay", snapshot_dir=str(REPO / "snapshot"), raw_dir=str(tmp / "raw")
        ),
        "warehouse": wh,
    }
    steps = [
        ([*reference_assets, event_catalogue], None),
        ([pib_release, policy_event], manifest["pib_days"]),
        ([trade_flow_annual, trade_mirror_annual], manifest["trade_annual"]),
        ([trade_flow_monthly], manifest["trade_monthly"]),
    ]
    for assets, rng in steps:
        tags = _range(rng["start"], rng["end"]) if rng else None
        result = dg.materialize(assets, resources=res, tags=tags, raise_on_error=False)
        assert result.success, [e.message for e in result.all_events if e.is_failure][:3]
    return wh

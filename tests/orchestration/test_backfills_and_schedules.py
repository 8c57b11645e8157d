"""Backfills run as one run per range with useful metadata; schedules ask for the right ranges."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from assets.comtrade.assets import refresh_ranges, trade_flow_annual
from assets.pib.assets import pib_release
from assets.reference.assets import dim_country, dim_hs_code, dim_mineral
from pipelines.definitions import defs
from pipelines.resources import HttpSources, Warehouse

REPO = Path(__file__).resolve().parents[2]
IST = ZoneInfo("Asia/Kolkata")
RANGE = {
    "dagster/asset_partition_range_start": "2025-11-25",
    "dagster/asset_partition_range_end": "2025-11-27",
}


@pytest.fixture()
def res(tmp_path) -> dict:
    return {
        "http": HttpSources(
            mode="replay", snapshot_dir=str(REPO / "snapshot"), raw_dir=str(tmp_path / "raw")
        ),
        "warehouse": Warehouse(
            path=str(tmp_path / "w.duckdb"), reader_path=str(tmp_path / "r.duckdb")
        ),
    }


def _content(path: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND column_name NOT IN ('_run_id', '_loaded_at') ORDER BY column_index",
                [table],
            ).fetchall()
        ]
        sel = ", ".join(f'"{c}"::VARCHAR' for c in cols)
        return con.execute(f'SELECT {sel} FROM "{table}" ORDER BY ALL').fetchall()
    finally:
        con.close()


def test_pib_backfill_of_the_snapshot_range_is_one_run_with_metadata(res, tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([pib_release], resources=res, tags=RANGE, instance=instance)
    assert result.success
    assert len(instance.get_runs()) == 1
    mats = result.asset_materializations_for_node("pib_release")
    assert sorted(m.partition for m in mats) == ["2025-11-25", "2025-11-26", "2025-11-27"]
    md = mats[0].metadata
    for key in (
        "listed",
        "candidates",
        "fetched",
        "parsed",
        "failed",
        "failed_prids",
        "requests_live",
        "requests_replayed",
        "bytes",
        "per_day",
    ):
        assert key in md, key
    assert md["listed"].value >= 120
    assert md["parsed"].value + md["failed"].value == md["candidates"].value
    assert md["requests_live"].value == 0 and md["requests_replayed"].value > 0
    assert sorted(md["failed_prids"].value) == [2194014, 2194248, 2194590]
    materialized = instance.get_materialized_partitions(pib_release.key)
    assert materialized == {"2025-11-25", "2025-11-26", "2025-11-27"}


def test_pib_rerun_changes_nothing(res, tmp_path):
    assert dg.materialize([pib_release], resources=res, tags=RANGE).success
    before = {
        t: _content(tmp_path / "w.duckdb", t)
        for t in ("pib_listing", "pib_release", "pib_parse_failure")
    }
    assert dg.materialize([pib_release], resources=res, tags=RANGE).success
    after = {t: _content(tmp_path / "w.duckdb", t) for t in before}
    assert after == before
    assert len(before["pib_release"]) == 44


def test_pib_single_day_rerun_touches_only_that_day(res, tmp_path):
    assert dg.materialize([pib_release], resources=res, tags=RANGE).success
    assert dg.materialize([pib_release], resources=res, partition_key="2025-11-26").success
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    runs = con.execute(
        "SELECT release_date::VARCHAR, count(DISTINCT _run_id) FROM pib_release GROUP BY 1 ORDER BY 1"
    ).fetchall()
    con.close()
    assert [d for d, _ in runs] == ["2025-11-25", "2025-11-26", "2025-11-27"]


def test_trade_backfill_is_one_run_and_idempotent(res, tmp_path):
    assert dg.materialize([dim_mineral, dim_hs_code, dim_country], resources=res).success
    tags = {
        "dagster/asset_partition_range_start": "2019",
        "dagster/asset_partition_range_end": "2023",
    }
    first = dg.materialize([trade_flow_annual], resources=res, tags=tags)
    assert first.success
    mats = first.asset_materializations_for_node("trade_flow_annual")
    assert sorted(m.partition for m in mats) == ["2019", "2020", "2021", "2022", "2023"]
    md = mats[0].metadata
    assert md["splits"].value >= 1 and md["calls"].value > 0 and md["rows"].value > 0
    before = _content(tmp_path / "w.duckdb", "fact_trade_flow")
    assert dg.materialize([trade_flow_annual], resources=res, tags=tags).success
    assert _content(tmp_path / "w.duckdb", "fact_trade_flow") == before


def test_pib_nightly_schedule_asks_for_yesterday_plus_recheck_window(monkeypatch):
    monkeypatch.setenv("CMW_PIB_RECHECK_DAYS", "3")
    schedule = defs.resolve_schedule_def("pib_nightly")
    assert schedule.execution_timezone == "Asia/Kolkata"
    ctx = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 24, 1, 30, tzinfo=IST)
    )
    (req,) = schedule.evaluate_tick(ctx).run_requests
    assert req.tags["dagster/asset_partition_range_start"] == "2026-11-20"
    assert req.tags["dagster/asset_partition_range_end"] == "2026-11-23"


def test_trade_refresh_ranges():
    assert refresh_ranges(date(2026, 11, 24)) == {
        "annual": ("2024", "2025"),
        "monthly": ("2026-05", "2026-10"),
    }
    assert refresh_ranges(date(2027, 1, 3))["monthly"] == ("2026-07", "2026-12")
    schedule = defs.resolve_schedule_def("trade_monthly_refresh")
    ctx = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 29, 3, 30, tzinfo=IST)
    )
    (req,) = schedule.evaluate_tick(ctx).run_requests
    assert req.tags["dagster/asset_partition_range_start"] == "2026-05"


def test_reparse_from_raw_store_needs_no_snapshot(res, tmp_path):
    """Load once (raw store filled), then re-parse from the raw store with the snapshot gone."""
    assert dg.materialize([pib_release], resources=res, tags=RANGE).success
    before = _content(tmp_path / "w.duckdb", "pib_release")
    no_snapshot = {
        **res,
        "http": HttpSources(
            mode="replay", snapshot_dir=str(tmp_path / "empty"), raw_dir=str(tmp_path / "raw")
        ),
    }
    again = dg.materialize(
        [pib_release],
        resources=no_snapshot,
        tags=RANGE,
        run_config={"ops": {"pib_release": {"config": {"reparse_from_raw": True}}}},
    )
    assert again.success
    assert _content(tmp_path / "w.duckdb", "pib_release") == before


def test_tagger_evaluation_reports_scores_as_metadata(res):
    from assets.events.assets import tagger_evaluation

    result = dg.materialize([tagger_evaluation], resources=res)
    assert result.success
    (mat,) = result.asset_materializations_for_node("tagger_evaluation")
    md = mat.metadata
    for label in ("relevance", "event_type", "minerals"):
        assert md[f"{label}_f1"].value >= 0.90
    assert md["countries_f1"].value >= 0.85
    assert md["gold_items"].value >= 60
    assert 0.0 <= md["heldout_event_type_f1"].value <= 1.0  # reported, no floor (see README)
    assert "| relevance |" in md["report"].value


def test_title_terms_can_be_switched_off(res, tmp_path):
    """Ministry allow-list only: fewer candidates, and every one picked by its ministry."""
    result = dg.materialize(
        [pib_release],
        resources=res,
        tags=RANGE,
        run_config={"ops": {"pib_release": {"config": {"use_title_terms": False}}}},
    )
    assert result.success
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    reasons = con.execute(
        "SELECT DISTINCT selected_by FROM pib_listing WHERE is_candidate"
    ).fetchall()
    n = con.execute("SELECT count(*) FROM pib_listing WHERE is_candidate").fetchone()[0]
    con.close()
    assert reasons == [("ministry",)]
    assert 0 < n < 47  # the full rule selects 47 on these days

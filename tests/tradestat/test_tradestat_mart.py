"""mart_tradestat_vs_comtrade on a small hand-made warehouse: HS8 summed to HS6 and to the mineral,
Comtrade (India as reporter only) over the same HS6 codes, the gap and the ratio, partners on one
side only, and only the months TradeStat covers."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from assets.tradestat.assets import hs8_dimension
from assets.tradestat.mapping import hs_map_codes, load_hs8_map
from assets.tradestat.normalise import FACT_SCHEMA
from tests.tradestat._helpers import REPO, seeded_store

MART_SQL = REPO / "warehouse" / "marts" / "06_mart_tradestat_vs_comtrade.sql"
NOW = datetime(2025, 12, 8, tzinfo=UTC)


def _ts_row(hs8: str, hs6: str, mineral: str, flow: str, partner: tuple[int, str, int], usd: float):
    dgcis, name, code = partner
    return {
        "period_key": "M:202406", "freq": "M", "period": "202406", "ref_year": 2024,
        "ref_month": 6, "fiscal_year": "2024-25", "fiscal_month": 3, "flow_code": flow,
        "hs8": hs8, "hs6": hs6, "hs_edition": "H6", "mineral_id": mineral,
        "partner_dgcis_code": dgcis, "partner_name": name, "partner_code": code,
        "value_usd": usd, "value_inr": usd * 83.47, "quantity": usd / 10, "quantity_unit": "KGS",
        "usd_rounded_to_zero": False, "revision_status": "R", "year_basis": "FY",
        "report": "meidb/commodity_wise_all_countries_import", "report_date": None,
        "is_sample_data": False, "_source": "tradestat", "_source_url": "u", "_fetched_at": NOW,
        "_raw_sha256": "0" * 64, "_raw_sha256_inr": None, "_raw_sha256_qty": None,
    }  # fmt: skip


def _ct_row(hs6: str, flow: str, partner: int, usd: float, *, reporter: int = 699, period="202406"):
    return {
        "source": "comtrade", "period_key": f"M:{period}", "reporter_code": reporter,
        "partner_code": partner, "flow_code": flow, "freq": "M", "period": period,
        "ref_year": int(period[:4]), "ref_month": int(period[4:]), "hs6": hs6, "hs_edition": "H6",
        "primary_value_usd": usd, "net_weight_kg": usd / 10, "is_qty_estimated": False,
        "is_net_wgt_estimated": False, "is_reported": True, "is_aggregate": False,
        "is_sample_data": False, "_source_url": "u", "_raw_sha256": "0" * 64,
    }  # fmt: skip


CHINA, BELGIUM, CHILE = (77, "CHINA P RP", 156), (33, "BELGIUM", 56), (73, "CHILE", 152)


@pytest.fixture(scope="module")
def mart(tmp_path_factory):
    store = seeded_store(tmp_path_factory.mktemp("mart"))
    minerals = pl.read_csv(REPO / "warehouse" / "reference" / "critical_minerals.csv")
    store.replace_partition(
        "dim_mineral",
        minerals.select(
            "mineral_id",
            "name",
            "symbol_or_group",
            pl.col("group").alias("mineral_group"),
            "in_mmdr_part_d",
            pl.col("in_list_since").str.to_date(),
            pl.lit("test").alias("_source"),
            pl.lit("0" * 64).alias("_raw_sha256"),
        ),  # fmt: skip
    )
    store.replace_partition("dim_hs8_code", hs8_dimension(load_hs8_map(), hs_map_codes()))
    ts = [
        # cobalt oxides in two HS8 lines of 282200, from China: summed to one HS6
        _ts_row("28220010", "282200", "cobalt", "M", CHINA, 700_000.0),
        _ts_row("28220020", "282200", "cobalt", "M", CHINA, 300_000.0),
        # consigned from Belgium in TradeStat (Comtrade has the DR Congo instead)
        _ts_row("28220010", "282200", "cobalt", "M", BELGIUM, 250_000.0),
        _ts_row("28369100", "283691", "lithium", "M", CHILE, 2_000_000.0),
    ]
    store.replace_partition(
        "fact_trade_flow_hs8", pl.DataFrame(ts, schema=FACT_SCHEMA), "period_key", ["M:202406"]
    )
    ct = [
        _ct_row("282200", "M", 156, 1_100_000.0),
        _ct_row("282200", "M", 180, 240_000.0),  # DR Congo: only in Comtrade
        _ct_row("283691", "M", 152, 2_000_000.0),
        _ct_row("283691", "M", 699, 9e9, reporter=152),  # a mirror row: never compared
        _ct_row("284690", "M", 156, 5e6),  # rare-earth compounds: mapped, no TradeStat row
        _ct_row("282200", "M", 156, 1e9, period="202405"),  # a month TradeStat does not cover
    ]
    frame = pl.DataFrame(ct)
    store.replace_partition("fact_trade_flow", frame, "period_key", ["M:202406", "M:202405"])
    store.execute_script(MART_SQL.read_text(encoding="utf-8"))
    with store.read() as con:
        return con.execute(
            "SELECT mineral_id, flow_code, period, fiscal_year, partner_code, hs6_codes, hs8_lines, "
            "tradestat_value_usd, comtrade_value_usd, gap_usd, ratio, in_tradestat, in_comtrade, "
            "tradestat_partner_names FROM mart_tradestat_vs_comtrade ORDER BY ALL"
        ).pl()


def test_hs8_lines_sum_to_hs6_and_meet_comtrade_with_the_gap(mart):
    china = mart.filter((pl.col("mineral_id") == "cobalt") & (pl.col("partner_code") == 156))
    row = china.row(0, named=True)
    assert row["tradestat_value_usd"] == 1_000_000.0 and row["hs8_lines"] == 2
    assert row["comtrade_value_usd"] == 1_100_000.0
    assert row["gap_usd"] == -100_000.0 and row["ratio"] == pytest.approx(1 / 1.1)
    assert (row["period"], row["fiscal_year"]) == ("202406", "2024-25")
    assert "282200" in row["hs6_codes"].split(",")


def test_partners_on_one_side_only_are_kept_with_the_other_side_null(mart):
    belgium = mart.filter(pl.col("partner_code") == 56).row(0, named=True)
    congo = mart.filter(pl.col("partner_code") == 180).row(0, named=True)
    assert (belgium["in_tradestat"], belgium["in_comtrade"], belgium["comtrade_value_usd"]) == (
        True,
        False,
        None,
    )
    assert belgium["gap_usd"] == 250_000.0 and belgium["tradestat_partner_names"] == "BELGIUM"
    assert (congo["in_tradestat"], congo["tradestat_value_usd"], congo["gap_usd"]) == (
        False,
        None,
        -240_000.0,
    )


def test_only_india_reported_months_and_codes_tradestat_covers_are_compared(mart):
    assert set(mart["period"]) == {"202406"}
    assert 699 not in mart["partner_code"].to_list()  # the mirror row
    lithium = mart.filter(pl.col("mineral_id") == "lithium")
    assert lithium.height == 1 and lithium["gap_usd"].item() == 0.0
    # 284690 (rare earths) has mapped HS8 lines, so China's REE row is compared too (no TradeStat)
    ree = mart.filter(pl.col("mineral_id") == "ree")
    assert ree["in_tradestat"].to_list() == [False] and ree["comtrade_value_usd"].item() == 5e6

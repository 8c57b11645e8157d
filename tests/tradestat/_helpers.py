"""Shared helpers: a fake TradeStat site, a replay client, a seeded temp warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import polars as pl

from assets.tradestat.client import TradeStatClient
from assets.tradestat.fake_site import FakeTradeStat, SiteData
from assets.tradestat.mapping import HS_MAP_CSV, load_crosswalk
from assets.tradestat.policy import TRADESTAT_POLICY
from pipelines.http import Mode, SourceClient, VirtualClock
from warehouse.store import WarehouseStore

REPO = Path(__file__).resolve().parents[2]
LITHIUM, COBALT = "28369100", "28220010"


def small_site(**overrides) -> SiteData:
    """Two HS8 lines, one month (June 2024), imports and exports; figures are made up."""
    site = SiteData(
        commodities={LITHIUM: ("LITHIUM CARBONATES", "KGS"), COBALT: ("COBALT OXIDES", "KGS")},
        figures={
            ("M", LITHIUM, 2024, 6): {
                "CHILE": (12.3456, 600_000.0),
                "CHINA P RP": (3.2, 150_000.0),
                "ARGENTINA": (0.004, 210.0),
            },
            ("X", LITHIUM, 2024, 6): {"U ARAB EMTS": (0.8123, 50_000.0)},
            ("M", COBALT, 2024, 6): {"BELGIUM": (4.5, 160_000.0), "CHINA P RP": (2.25, 80_000.0)},
            ("X", COBALT, 2024, 6): {"SINGAPORE": (0.31, 9_000.0)},
        },
        rates={(2024, 6): 83.47},
        india_totals={("M", 2024, 6): 56_010.0, ("X", 2024, 6): 35_200.0},
        report_date=date(2025, 12, 5),
    )
    for k, v in overrides.items():
        setattr(site, k, v)
    return site


def live_client(fake: FakeTradeStat) -> tuple[SourceClient, TradeStatClient]:
    source = SourceClient(
        TRADESTAT_POLICY,
        Mode.LIVE,
        live_transport=httpx.MockTransport(fake),
        clock=VirtualClock(),
    )
    return source, TradeStatClient(source)


def seeded_store(root: Path) -> WarehouseStore:
    """A migrated warehouse whose dim_hs_code (validated) and dim_country come from the CSVs."""
    store = WarehouseStore(root / "w.duckdb", root / "r.duckdb")
    store.migrate()
    hs = pl.read_csv(HS_MAP_CSV, infer_schema=False)
    dim_hs = hs.select(
        "hs6",
        pl.col("edition").alias("hs_edition"),
        "mineral_id",
        "stage",
        "specificity",
        "description",
        pl.lit(True).alias("validated"),
        pl.lit("test").alias("_source"),
        pl.lit("0" * 64).alias("_raw_sha256"),
    )
    xw = load_crosswalk().unique("comtrade_code", keep="first")
    dim_country = xw.select(
        pl.col("comtrade_code").alias("area_code"),
        pl.col("iso3"),
        pl.col("comtrade_name").alias("name"),
        pl.lit(False).alias("is_reporter"),
        pl.lit(True).alias("is_partner"),
        pl.lit(False).alias("is_group"),
        pl.lit("test").alias("_source"),
        pl.lit("0" * 64).alias("_raw_sha256"),
    )
    store.replace_partition("dim_hs_code", dim_hs)
    store.replace_partition("dim_country", dim_country)
    return store

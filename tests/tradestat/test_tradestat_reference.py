"""The reference data of the TradeStat source, and the fiscal calendar its partitions follow."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.reference.parse import parse_countries
from assets.tradestat.assets import build_tradestat_refresh, tradestat_hs8_monthly, tradestat_months
from assets.tradestat.fiscal import (
    current_fiscal_year_to_date,
    fiscal_month,
    fiscal_year_label,
    fiscal_year_partition_keys,
)
from assets.tradestat.mapping import (
    ReferenceDataError,
    country_key,
    hs_map_codes,
    load_crosswalk,
    load_hs8_map,
    validate_hs8_map,
)
from tests.tradestat._helpers import REPO


def test_every_hs8_line_maps_to_a_row_of_the_hs_code_map():
    hs8 = load_hs8_map()
    assert validate_hs8_map(hs8, hs_map_codes()) == []
    assert (hs8["hs8"].str.slice(0, 6) == hs8["hs6"]).all()
    assert hs8["mineral_id"].n_unique() >= 10
    # each line is used in both editions it exists in, with the same mineral
    assert hs8.group_by("hs8").agg(pl.col("mineral_id").n_unique())["mineral_id"].max() == 1


def test_a_mapping_to_a_mineral_the_hs6_does_not_carry_is_reported():
    hs8 = load_hs8_map().with_columns(
        pl.when(pl.col("hs8") == "26030000")
        .then(pl.lit("nickel"))
        .otherwise("mineral_id")
        .alias("mineral_id")
    )
    problems = validate_hs8_map(hs8, hs_map_codes())
    assert problems == ["26030000 -> 260300 (H5) -> nickel", "26030000 -> 260300 (H6) -> nickel"]


@pytest.mark.parametrize(
    "row, message",
    [
        ("2836910,283691,H6,lithium,X,KGS,V,", "is not 8 digits"),
        ("28369100,283692,H6,lithium,X,KGS,V,", "is not the first 6 digits"),
        ("28369100,283691,H9,lithium,X,KGS,V,", "is not H5 or H6"),
        ("28369100,283691,H6,lithium,X,,V,", "unit is empty"),
        ("28369100,283691,H6,lithium,X,KGS,maybe,", "evidence"),
    ],
)
def test_a_broken_hs8_map_names_the_line_and_field(tmp_path: Path, row: str, message: str):
    path = tmp_path / "hs8.csv"
    path.write_text("hs8,hs6,hs_edition,mineral_id,description,unit,evidence,note\n" + row + "\n")
    with pytest.raises(ReferenceDataError, match=message) as info:
        load_hs8_map(path)
    assert "hs8.csv: line 2" in str(info.value)


def test_the_crosswalk_covers_the_portal_s_251_countries_with_known_comtrade_areas():
    xw = load_crosswalk()
    assert xw.height == 251 and xw["dgcis_code"].n_unique() == 251
    codes = dict(zip(xw["name_key"], xw["comtrade_code"], strict=True))
    assert codes["CHINA P RP"] == 156 and codes["U S A"] == 842 and codes["U K"] == 826
    assert codes["KOREA RP"] == 410 and codes["TAIWAN"] == 490 and codes["CONGO D. REP."] == 180
    assert codes[country_key("BRITISH INDIAN ")] == 86  # the portal's names carry stray spaces
    # every Comtrade area code is one of Comtrade's partner areas (the bundled reference file)
    index = REPO / "snapshot" / "comtrade_ref" / "exchanges.jsonl"
    bodies = {}
    for line in index.read_text().splitlines():
        ex = json.loads(line)
        bodies[ex["url"].rsplit("/", 1)[-1]] = (
            REPO / "snapshot" / "comtrade_ref" / ex["body"]
        ).read_bytes()
    areas = parse_countries(bodies["Reporters.json"], bodies["partnerAreas.json"], ("r", "p"))
    unknown = set(xw["comtrade_code"].to_list()) - set(areas["area_code"].to_list())
    assert unknown == set()


def test_a_country_listed_twice_in_the_crosswalk_is_an_error(tmp_path: Path):
    path = tmp_path / "xw.csv"
    path.write_text(
        "dgcis_code,dgcis_name,comtrade_code,comtrade_name,iso3,note\n"
        "77,CHINA P RP,156,China,CHN,\n78,China P Rp ,156,China,CHN,\n"
    )
    with pytest.raises(ReferenceDataError, match="name_key listed twice"):
        load_crosswalk(path)


def test_fiscal_calendar():
    assert fiscal_year_label(2025, 3) == "2024-25" and fiscal_year_label(2025, 4) == "2025-26"
    assert [fiscal_month(m) for m in (4, 12, 1, 3)] == [1, 9, 10, 12]
    keys = fiscal_year_partition_keys("2024-25")
    assert (
        keys[0] == "2024-04"
        and keys[8] == "2024-12"
        and keys[9] == "2025-01"
        and keys[-1] == "2025-03"
    )
    with pytest.raises(ValueError):
        fiscal_year_partition_keys("2024-26")


def test_partitions_start_with_the_first_fiscal_year_of_meidb():
    keys = tradestat_months.get_partition_keys(current_time=datetime(2024, 7, 1))
    assert keys[0] == "2018-04" and keys[-1] == "2024-06"
    assert set(fiscal_year_partition_keys("2023-24")) <= set(keys)


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2025, 6, 16), ("2025-04", "2025-05")),
        (date(2025, 4, 16), ("2024-04", "2025-03")),  # no complete month yet: last FY, restated
        (date(2026, 1, 16), ("2025-04", "2025-12")),
    ],
)
def test_the_refresh_re_pulls_the_fiscal_year_to_date(today, expected):
    assert current_fiscal_year_to_date(today) == expected


def test_the_schedule_asks_for_the_fiscal_year_range():
    job = dg.define_asset_job("j", selection=dg.AssetSelection.assets(tradestat_hs8_monthly))
    schedule = build_tradestat_refresh(job)
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2025, 6, 16, 4, 0))
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.tags["dagster/asset_partition_range_start"] == "2025-04"
    assert request.tags["dagster/asset_partition_range_end"] == "2025-05"

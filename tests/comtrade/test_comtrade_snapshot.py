"""The bundled Comtrade snapshot replays through the real planner + normaliser (no network)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from assets.comtrade.client import ComtradeClient
from assets.comtrade.normalise import normalise_batches
from assets.comtrade.policy import COMTRADE_POLICY
from pipelines.http import Mode, SourceClient

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "comtrade"
EXPECTED = json.loads((ROOT / "tools" / "snapshots" / "comtrade_expected.json").read_text())
HS_MAP = ROOT / "warehouse" / "reference" / "hs_mineral_map.csv"


def _builder() -> ModuleType:
    path = ROOT / "tools" / "snapshots" / "build_comtrade.py"
    spec = importlib.util.spec_from_file_location("build_comtrade", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_comtrade", module)
    spec.loader.exec_module(module)
    return module


def _replay_client() -> ComtradeClient:
    return ComtradeClient(SourceClient(COMTRADE_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT))


@pytest.fixture(scope="module")
def replayed():
    hs = EXPECTED["plan"]["hs_codes"]
    client = _replay_client()
    annual = client.fetch("A", EXPECTED["plan"]["annual_periods"], hs)
    monthly = client.fetch("M", EXPECTED["plan"]["monthly_periods"], hs)
    trade = normalise_batches([*annual.batches, *monthly.batches])
    return client, annual, monthly, trade


def test_snapshot_codes_are_the_mapped_codes():
    mapped = pl.read_csv(HS_MAP, schema_overrides={"hs6": pl.String})["hs6"].unique().sort()
    assert EXPECTED["plan"]["hs_codes"] == mapped.to_list()


def test_replay_reproduces_expected_totals(replayed):
    _client, _annual, _monthly, trade = replayed
    got = _builder().actual_totals(trade.partners, trade.world)
    assert got == EXPECTED["imports_by_code"]
    for freq, counts in EXPECTED["row_counts"].items():
        assert trade.partners.filter(pl.col("freq") == freq).height == counts["partner_rows"]
        assert trade.world.filter(pl.col("freq") == freq).height == counts["world_rows"]
    assert trade.stats["breakdown_rows_dropped"] == 0
    assert trade.stats["duplicates_dropped"] == 0


def test_world_equals_sum_of_partners(replayed):
    trade = replayed[3]
    keys = ["freq", "period", "flow_code", "hs6"]
    sums = trade.partners.group_by(keys).agg(pl.col("primary_value_usd").sum().alias("s"))
    joined = trade.world.join(sums, on=keys, how="full", coalesce=True)
    assert joined.filter(pl.col("s") != pl.col("primary_value_usd")).height == 0
    assert joined.filter(pl.col("s").is_null() | pl.col("primary_value_usd").is_null()).height == 0


def test_snapshot_exercises_every_quirk(replayed):
    client, annual, monthly, trade = replayed
    # one call at the 500-row preview cap, split by HS-code halves
    assert [(s.query.periods, s.rows, s.dimension) for s in annual.splits] == [
        (("2023",), 500, "hs_codes")
    ]
    assert EXPECTED["calls"]["A"] == {"calls": 47, "ok": 46, "no_data": 0, "split": 1}
    # one 429 with Retry-After, replayed and retried
    assert client.source.stats.retries == 1
    assert 2.0 in client.source.clock.sleeps
    # 202406 unpublished: count 0 for every call, recorded as no data
    no_data = {c.query.periods for c in monthly.calls if c.outcome == "no_data"}
    assert no_data == {("202406",)}
    assert trade.partners.filter(pl.col("period") == "202406").height == 0
    # HS editions as reported
    editions = (
        trade.partners.group_by("ref_year").agg(pl.col("hs_edition").unique()).sort("ref_year")
    )
    assert editions.rows() == [
        (2019, ["H5"]), (2020, ["H5"]), (2021, ["H5"]), (2022, ["H6"]), (2023, ["H6"]),
        (2024, ["H6"]),
    ]  # fmt: skip
    # mixed casing normalised: CIFValue (283691, 2020) and cifValue (284690, 202402)
    li = trade.partners.filter((pl.col("hs6") == "283691") & (pl.col("period") == "2020"))
    assert li.height > 0
    assert li.filter(pl.col("flow_code") == "M")["cif_value_usd"].null_count() == 0
    ree = trade.partners.filter((pl.col("hs6") == "284690") & (pl.col("period") == "202402"))
    assert ree.filter(pl.col("flow_code") == "M")["cif_value_usd"].null_count() == 0
    raw = [r for b in monthly.batches for r in b.records if r.get("cmdCode") == "284690"
           and r.get("period") == "202402" and r["partnerCode"] != 0]  # fmt: skip
    assert raw and all("cifValue" in r and "isnetWgtEstimated" in r for r in raw)
    raw = [r for b in annual.batches for r in b.records if r.get("cmdCode") == "283691"
           and r.get("period") == "2020" and r["partnerCode"] != 0]  # fmt: skip
    assert raw and all("CIFValue" in r and "FOBValue" in r for r in raw)
    # a record with null qty and netWgt
    zm = trade.partners.filter(
        (pl.col("hs6") == "282200") & (pl.col("period") == "2021") & (pl.col("partner_code") == 894)
    )
    assert zm.select("qty", "net_weight_kg", "qty_unit").rows() == [(None, None, None)]
    # provenance on every row
    assert trade.partners["raw_sha256"].str.len_chars().unique().to_list() == [64]
    assert trade.partners["source_url"].str.starts_with("https://comtradeapi.un.org/").all()


def test_any_single_partition_replays_on_its_own():
    client = _replay_client()
    result = client.fetch("A", ["2021"], EXPECTED["plan"]["hs_codes"])
    trade = normalise_batches(result.batches)
    li = trade.partners.filter((pl.col("hs6") == "283691") & (pl.col("flow_code") == "M"))
    expected = EXPECTED["imports_by_code"]["283691"]["primary_value_usd"]["2021"]
    assert {str(p): v for p, v in li.select("partner_code", "primary_value_usd").rows()} == expected


def test_builder_is_deterministic():
    assert _builder().main(["--check"]) == 0

"""Real UN Comtrade records as fixtures of the normaliser, and as real data in the snapshot.

The 36 records of ``tools/snapshots/comtrade_real_src/india_imports_2504_2822_282520.csv`` are
real Comtrade v1 final-data records (India's imports of natural graphite 2504, cobalt oxides
2822 and lithium hydroxide 282520 from World and China, 2019-2024), with the quirks of real
answers: ``fobvalue`` 0 in the HS 2017 years and null in the HS 2022 years, 4-digit aggregates
(``aggrLevel`` 4, ``isLeaf`` false, ``isAggregate`` true), World rows never "reported",
``classificationCode`` H5 up to 2021 and H6 from 2022, ``refMonth`` 52, ``period`` a string.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest

from assets.comtrade.client import ComtradeClient
from assets.comtrade.editions import edition_for_period
from assets.comtrade.normalise import Batch, normalise_batches, normalise_records
from assets.comtrade.policy import COMTRADE_POLICY
from pipelines.http import Mode, SourceClient
from pipelines.settings import load_settings, real_trade_records

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "comtrade"
SHARED_CSV = (
    ROOT.parent / "shared" / "data" / "comtrade_real_india" / "india_imports_2504_2822_282520.csv"
)
URL = "https://comtradeapi.un.org/public/v1/preview/C/A/HS?reporterCode=699&flowCode=M"
SHA = "0" * 64


def _module(name: str) -> ModuleType:
    path = ROOT / "tools" / "snapshots" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


REAL = _module("comtrade_real")
RECORDS: list[dict[str, Any]] = REAL.load_real_records()
HS6 = [r for r in RECORDS if r["aggrLevel"] == 6]


@pytest.fixture(scope="module")
def trade():
    return normalise_records(RECORDS, source_url=URL, raw_sha256=SHA)


def _by_key(df: pl.DataFrame) -> dict[tuple[str, int], dict[str, Any]]:
    return {(r["period"], r["partner_code"]): r for r in df.iter_rows(named=True)}


# --------------------------------------------------------------------------- the records


def test_records_are_the_api_json_with_its_types_and_quirks():
    assert len(RECORDS) == 36
    for rec in RECORDS:
        assert list(rec) == list(REAL.FIELD_TYPES)  # 47 fields, in the API's order
        assert isinstance(rec["period"], str) and rec["refMonth"] == 52
        assert isinstance(rec["cmdCode"], str) and isinstance(rec["isLeaf"], bool)
        h5 = rec["period"] <= "2021"
        assert rec["classificationCode"] == ("H5" if h5 else "H6")
        assert rec["fobvalue"] == (0.0 if h5 else None)  # 0 and null are not the same thing
        assert rec["qtyUnitCode"] == 8 and rec["qtyUnitAbbr"] == "kg"
    aggregates = [r for r in RECORDS if len(r["cmdCode"]) == 4]
    assert {r["cmdCode"] for r in aggregates} == {"2504", "2822"} and len(aggregates) == 24
    assert all(r["aggrLevel"] == 4 and not r["isLeaf"] and r["isAggregate"] for r in aggregates)
    assert all(not r["isReported"] for r in RECORDS if r["partnerCode"] == 0)
    assert any(r["isReported"] for r in RECORDS if r["partnerCode"] == 156)
    assert len(HS6) == 12 and {r["cmdCode"] for r in HS6} == {"282520"}


@pytest.mark.skipif(not SHARED_CSV.is_file(), reason="shared data folder not beside the repo")
def test_bundled_copy_is_the_shared_file_unchanged():
    assert REAL.REAL_CSV.read_bytes() == SHARED_CSV.read_bytes()


# --------------------------------------------------------------------------- normaliser


def test_four_digit_aggregates_are_not_loaded_as_hs6_rows(trade):
    assert trade.stats["records_in"] == 36
    assert trade.stats["aggregate_rows_dropped"] == 24
    loaded = pl.concat([trade.partners, trade.world])
    assert set(loaded["hs6"]) == {"282520"}
    assert loaded.height == 12


def test_heading_totals_load_apart_at_level_4():
    """The 24 heading records (2504, 2822) are what a ``level=4`` normaliser keeps, with their
    real values and quirks; the HS6 records are then the ones dropped."""
    heads = normalise_records(RECORDS, source_url=URL, raw_sha256=SHA, level=4)
    assert heads.stats["aggregate_rows_dropped"] == 12
    rows = {
        (r["period"], r["partner_code"], r["hs6"]): r
        for df in (heads.partners, heads.world)
        for r in df.iter_rows(named=True)
    }
    four = [r for r in RECORDS if r["aggrLevel"] == 4]
    assert sorted(rows) == sorted((r["period"], r["partnerCode"], r["cmdCode"]) for r in four)
    for rec in four:
        row = rows[(rec["period"], rec["partnerCode"], rec["cmdCode"])]
        assert row["primary_value_usd"] == rec["primaryValue"]
        assert row["fob_value_usd"] == rec["fobvalue"] and row["is_aggregate"]
        assert row["hs_edition"] == rec["classificationCode"]
    assert set(heads.world["partner_code"]) == {0} and set(heads.partners["partner_code"]) == {156}


def test_a_heading_row_never_passes_as_hs6_or_the_reverse():
    with pytest.raises(ValueError, match="level"):
        normalise_records(RECORDS, source_url=URL, raw_sha256=SHA, level=2)
    hs6 = normalise_records(RECORDS, source_url=URL, raw_sha256=SHA)
    heads = normalise_records(RECORDS, source_url=URL, raw_sha256=SHA, level=4)
    assert set(hs6.partners["hs6"].str.len_chars()) == {6}
    assert set(heads.partners["hs6"].str.len_chars()) == {4}


def test_world_rows_go_to_the_world_table(trade):
    assert sorted(_by_key(trade.world)) == [(str(y), 0) for y in range(2019, 2025)]
    assert sorted(_by_key(trade.partners)) == [(str(y), 156) for y in range(2019, 2025)]
    assert trade.stats["world_rows"] == 6 and trade.stats["partner_rows"] == 6
    # World is not a reported partner row; some China rows are reported, some estimated
    assert not trade.world["is_reported"].any() and trade.world["is_aggregate"].all()
    china = _by_key(trade.partners)
    assert china[("2019", 156)]["is_reported"] and not china[("2023", 156)]["is_reported"]


def test_fob_zero_stays_zero_and_null_stays_null(trade):
    rows = {**_by_key(trade.partners), **_by_key(trade.world)}
    for rec in HS6:
        row = rows[(rec["period"], rec["partnerCode"])]
        if rec["period"] <= "2021":
            assert row["fob_value_usd"] == 0.0 and row["fob_value_usd"] is not None
        else:
            assert row["fob_value_usd"] is None
        assert row["cif_value_usd"] == rec["cifvalue"] == rec["primaryValue"]
    nulls = (
        pl.concat([trade.partners, trade.world])
        .group_by("hs_edition")
        .agg(pl.col("fob_value_usd").null_count().alias("null"), pl.len().alias("rows"))
    )
    assert dict(nulls.select("hs_edition", "null").rows()) == {"H5": 0, "H6": 6}


def test_edition_follows_the_period(trade):
    for df in (trade.partners, trade.world):
        for row in df.iter_rows(named=True):
            assert row["hs_edition"] == edition_for_period(row["period"])
            assert row["hs_edition"] == ("H5" if row["ref_year"] <= 2021 else "H6")


def test_values_are_the_real_values(trade):
    rows = {**_by_key(trade.partners), **_by_key(trade.world)}
    for rec in HS6:
        row = rows[(rec["period"], rec["partnerCode"])]
        assert row["primary_value_usd"] == rec["primaryValue"]
        assert row["net_weight_kg"] == rec["netWgt"] and row["qty"] == rec["qty"]
        assert row["qty_unit"] == "kg" and row["freq"] == "A"
        assert row["ref_month"] is None and row["period"] == rec["period"]  # 52 is not a month
        assert row["is_qty_estimated"] == rec["isQtyEstimated"]
        assert row["legacy_estimation_flag"] == rec["legacyEstimationFlag"]


def test_real_records_mixed_into_a_sample_answer_keep_their_values():
    """Real and sample records in one answer, split over two batches in fetch order."""
    sample = dict(HS6[1], partnerCode=842, partnerISO="USA", partnerDesc="USA", isReported=True)
    trade = normalise_batches(
        [Batch(RECORDS[:18], URL, SHA), Batch([*RECORDS[18:], sample], URL + "&p=2", SHA)]
    )
    assert trade.stats["aggregate_rows_dropped"] == 24
    assert trade.partners.height == 7 and trade.world.height == 6
    assert set(trade.partners["partner_code"]) == {156, 842}


# --------------------------------------------------------------------------- the snapshot


def test_snapshot_answers_hold_exactly_the_real_records_for_their_keys():
    """Every recorded answer that carries a real key carries the real record, as served: the
    36 of them (the HS6 calls hold the 282520 records, the heading calls the 2504 and 2822
    ones)."""
    real = {REAL.grain(r): r for r in RECORDS}
    seen: dict[tuple, int] = {}
    for line in (SNAPSHOT / "exchanges.jsonl").read_text().splitlines():
        ex = json.loads(line)
        if ex["status"] != 200:
            continue
        body = json.loads((SNAPSHOT / ex["body"]).read_text(encoding="utf-8"))
        assert body["count"] == len(body["data"])
        for rec in body["data"]:
            key = REAL.grain(rec)
            if key in real:
                assert rec == real[key]
                assert list(rec) == list(real[key])
                seen[key] = seen.get(key, 0) + 1
    assert seen == dict.fromkeys(real, 1) and len(seen) == 36


def test_snapshot_replays_the_real_rows_through_the_planner():
    expected = json.loads((ROOT / "tools" / "snapshots" / "comtrade_expected.json").read_text())
    codes = expected["plan"]["hs_codes_by_edition"]
    client = ComtradeClient(SourceClient(COMTRADE_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT))
    batches = []
    for year in range(2019, 2025):
        batches += client.fetch("A", [str(year)], codes[edition_for_period(str(year))]).batches
    trade = normalise_batches(batches)
    sel = (pl.col("hs6") == "282520") & (pl.col("flow_code") == "M")
    world = _by_key(trade.world.filter(sel))
    china = _by_key(trade.partners.filter(sel & (pl.col("partner_code") == 156)))
    for rec in HS6:
        row = (world if rec["partnerCode"] == 0 else china)[(rec["period"], rec["partnerCode"])]
        assert row["primary_value_usd"] == rec["primaryValue"]
        assert row["fob_value_usd"] == rec["fobvalue"]
        assert row["hs_edition"] == rec["classificationCode"]
    # the sample partners of the series were scaled: partners add up to the real World figure
    sums = trade.partners.filter(sel).group_by("period").agg(pl.col("primary_value_usd").sum())
    for period, total in sums.rows():
        assert total == pytest.approx(world[(period, 0)]["primary_value_usd"], abs=1e-3)


def test_snapshot_replays_the_real_heading_rows_through_the_planner():
    """The annual heading calls, normalised at level 4, give the 24 real heading records with
    their real values; the sample partners of those series add up to the real World total."""
    client = ComtradeClient(SourceClient(COMTRADE_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT))
    batches = []
    for year in range(2019, 2025):
        batches += client.fetch("A", [str(year)], ["2504", "2822"]).batches
    heads = normalise_batches(batches, level=4)
    rows = {
        (r["period"], r["partner_code"], r["hs6"], r["flow_code"]): r
        for df in (heads.partners, heads.world)
        for r in df.iter_rows(named=True)
    }
    four = [r for r in RECORDS if r["aggrLevel"] == 4]
    for rec in four:
        row = rows[(rec["period"], rec["partnerCode"], rec["cmdCode"], "M")]
        assert row["primary_value_usd"] == rec["primaryValue"]
        assert row["fob_value_usd"] == rec["fobvalue"] and row["is_aggregate"]
    imports = heads.partners.filter(pl.col("flow_code") == "M")
    sums = imports.group_by("period", "hs6").agg(pl.col("primary_value_usd").sum())
    for period, head, total in sums.rows():
        world = rows[(period, 0, head, "M")]["primary_value_usd"]
        assert total == pytest.approx(world, abs=1e-3)


def test_registry_and_label_name_the_real_rows():
    registry = real_trade_records(ROOT / "snapshot")
    assert registry is not None
    keys = {
        (r["freq"], r["period"], r["reporter_code"], r["flow_code"], r["partner_code"], r["hs6"])
        for r in registry["records"]
    }
    assert keys == {REAL.grain(r) for r in RECORDS} and len(keys) == 36
    values = {
        (r["period"], r["partner_code"], r["hs6"]): r["primary_value_usd"]
        for r in registry["records"]
    }
    assert values == {
        (r["period"], r["partnerCode"], r["cmdCode"]): r["primaryValue"] for r in RECORDS
    }
    label = load_settings({"CMW_HTTP_MODE": "replay"}).dataset_label
    assert "SAMPLE DATA" in label and registry["summary"] in label
    assert "is_sample_data = false" in label
    assert "282520" in label and "China (156)" in label and "2019-2024" in label


def test_label_without_real_records_and_in_live_mode(tmp_path: Path):
    snap = tmp_path / "snap"
    assert real_trade_records(snap) is None
    label = load_settings({"CMW_HTTP_MODE": "replay", "CMW_SNAPSHOT_DIR": str(snap)})
    assert label.dataset_label == (
        "offline snapshot replay (snap): trade values are SAMPLE DATA, not official statistics"
    )
    assert load_settings({"CMW_HTTP_MODE": "live"}).dataset_label == "live sources (live)"
    bad = snap / "comtrade" / "real_records.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"records": 3}')
    with pytest.raises(ValueError, match=r"\[comtrade\] .*real_records\.json"):
        real_trade_records(snap)

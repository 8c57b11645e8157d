"""The bundled Comtrade snapshot replays through the real planner + normaliser (no network).

The snapshot holds exactly the requests the asset makes: per (frequency, HS edition) group, one
``client.fetch(freq, periods_of_that_edition, codes_of_that_edition)``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest

from assets.comtrade.client import ComtradeClient
from assets.comtrade.editions import edition_for_period
from assets.comtrade.normalise import normalise_batches
from assets.comtrade.policy import COMTRADE_POLICY
from pipelines.http import Mode, NotInSnapshotError, SourceClient

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "comtrade"
EXPECTED = json.loads((ROOT / "tools" / "snapshots" / "comtrade_expected.json").read_text())
HS_MAP = ROOT / "warehouse" / "reference" / "hs_mineral_map.csv"
CODES = EXPECTED["plan"]["hs_codes_by_edition"]
FETCHES = EXPECTED["plan"]["fetches"]
#: The 4-digit headings the trade assets also ask for (dim_hs_heading), per edition.
HEADINGS: dict[str, set[str]] = {}
for _line in (ROOT / "warehouse/reference/hs_heading_map.csv").read_text().splitlines()[1:]:
    _heading, _edition = _line.split(",")[:2]
    HEADINGS.setdefault(_edition, set()).add(_heading)


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
    """Replay the asset's fetches; ``results`` is keyed by group label (``A-H5``...)."""
    client = _replay_client()
    results = {
        f["label"]: client.fetch(f["freq"], f["periods"], CODES[f["edition"]]) for f in FETCHES
    }
    trade = normalise_batches([b for r in results.values() for b in r.batches])
    return client, results, trade


def _recorded_requests() -> list[tuple[str, str, set[str]]]:
    """(freq, period, cmdCode set) of every recorded exchange."""
    out = []
    for line in (SNAPSHOT / "exchanges.jsonl").read_text().splitlines():
        url = urlsplit(json.loads(line)["url"])
        qs = parse_qs(url.query)
        out.append((url.path.split("/")[-2], qs["period"][0], set(qs["cmdCode"][0].split(","))))
    return out


def test_snapshot_codes_are_the_mapped_codes_per_edition():
    mapped = pl.read_csv(HS_MAP, schema_overrides={"hs6": pl.String})
    for edition in ("H5", "H6"):
        codes = mapped.filter(pl.col("edition") == edition)["hs6"].unique().sort().to_list()
        assert CODES[edition] == codes
    assert set(CODES) == {"H5", "H6"}
    # the editions really differ (HS 2022 split 8103.90, 8109.x, created 8112.3x-8112.6x)
    assert "810390" in CODES["H5"] and "810390" not in CODES["H6"]
    assert {"810391", "810399", "811261"} <= set(CODES["H6"]) - set(CODES["H5"])


def test_fetches_are_grouped_by_edition():
    assert [(f["freq"], f["edition"], f["periods"]) for f in FETCHES] == [
        ("A", "H5", ["2019", "2020", "2021"]),
        ("A", "H6", ["2022", "2023", "2024"]),
        ("M", "H6", [f"{y}{m:02d}" for y in (2024, 2025) for m in range(1, 13)][:22]),
    ]
    assert FETCHES[-1]["periods"][-1] == "202510"
    for f in FETCHES:
        assert {edition_for_period(p) for p in f["periods"]} == {f["edition"]}


def test_every_period_was_requested_with_exactly_its_editions_codes():
    asked: dict[tuple[str, str], set[str]] = {}
    for freq, period, cmds in _recorded_requests():
        # no request mixes editions: every code asked exists in the period's edition, and a
        # request asks HS6 codes or headings, never both
        edition = edition_for_period(period)
        assert cmds <= set(CODES[edition]) or cmds <= HEADINGS[edition], (freq, period)
        asked.setdefault((freq, period), set()).update(cmds)
    want = {
        (f["freq"], p): set(CODES[f["edition"]]) | HEADINGS[f["edition"]]
        for f in FETCHES
        for p in f["periods"]
    }
    assert asked == want


def test_records_exist_only_in_their_editions_periods(replayed):
    _client, results, trade = replayed
    for r in (r for res in results.values() for b in res.batches for r in b.records):
        edition = edition_for_period(r["period"])
        assert r["classificationCode"] == edition
        assert r["cmdCode"] in CODES[edition]
    by_code = trade.partners.group_by("hs6").agg(pl.col("ref_year").unique())
    years = {code: set(ys) for code, ys in by_code.rows()}
    assert years["810390"] <= {2019, 2020, 2021} and years["810390"]
    assert years["810399"] <= {2022, 2023, 2024, 2025} and years["810399"]


def test_replay_reproduces_expected_totals(replayed):
    _client, _results, trade = replayed
    got = _builder().actual_totals(trade.partners, trade.world)
    assert got == EXPECTED["imports_by_code"]
    for freq, counts in EXPECTED["row_counts"].items():
        assert trade.partners.filter(pl.col("freq") == freq).height == counts["partner_rows"]
        assert trade.world.filter(pl.col("freq") == freq).height == counts["world_rows"]
    assert trade.stats["breakdown_rows_dropped"] == 0
    assert trade.stats["duplicates_dropped"] == 0


def test_world_equals_sum_of_partners(replayed):
    trade = replayed[2]
    keys = ["freq", "period", "flow_code", "hs6"]
    sums = trade.partners.group_by(keys).agg(pl.col("primary_value_usd").sum().alias("s"))
    joined = trade.world.join(sums, on=keys, how="full", coalesce=True)
    # real World figures (282520 imports, annual) have 3 decimals: equal to the thousandth,
    # float addition of decimals is not exact; the sample series are whole dollars: exact
    real = (pl.col("hs6") == "282520") & (pl.col("freq") == "A") & (pl.col("flow_code") == "M")
    gap = (pl.col("s") - pl.col("primary_value_usd")).abs()
    assert joined.filter(real).height == 6
    assert joined.filter(real & (gap > 0.001)).height == 0
    assert joined.filter(~real & (pl.col("s") != pl.col("primary_value_usd"))).height == 0
    assert joined.filter(pl.col("s").is_null() | pl.col("primary_value_usd").is_null()).height == 0


def test_snapshot_exercises_every_quirk(replayed):
    client, results, trade = replayed
    annual = [b for k in ("A-H5", "A-H6") for b in results[k].batches]
    monthly = results["M-H6"]
    # one call at the 500-row preview cap (H6 2023, a 20-code chunk), split by HS-code halves
    splits = [(k, s.query.periods, len(s.query.hs_codes), s.rows, s.dimension)
              for k, r in results.items() for s in r.splits]  # fmt: skip
    assert splits == [("A-H6", ("2023",), 20, 500, "hs_codes")]
    assert EXPECTED["calls"] == {
        "A-H5": {"calls": 24, "ok": 24, "no_data": 0, "split": 0},
        "A-H6": {"calls": 26, "ok": 25, "no_data": 0, "split": 1},
        "M-H6": {"calls": 176, "ok": 168, "no_data": 8, "split": 0},
        # the headings (2504, 2822): one call per period, 202510 unpublished here too
        "headings-A-H5": {"calls": 3, "ok": 3, "no_data": 0, "split": 0},
        "headings-A-H6": {"calls": 3, "ok": 3, "no_data": 0, "split": 0},
        "headings-M-H6": {"calls": 22, "ok": 21, "no_data": 1, "split": 0},
    }
    # one 429 with Retry-After, replayed and retried
    assert client.source.stats.retries == 1
    assert 2.0 in client.source.clock.sleeps
    # 202510 (the most recent month) unpublished: count 0 for every call, recorded as no data
    no_data = {c.query.periods for c in monthly.calls if c.outcome == "no_data"}
    assert no_data == {("202510",)}
    assert trade.partners.filter(pl.col("period") == "202510").height == 0
    assert trade.partners.filter(pl.col("period") == "202509").height > 0
    # HS editions as reported
    editions = (
        trade.partners.group_by("ref_year").agg(pl.col("hs_edition").unique()).sort("ref_year")
    )
    assert editions.rows() == [
        (2019, ["H5"]), (2020, ["H5"]), (2021, ["H5"]), (2022, ["H6"]), (2023, ["H6"]),
        (2024, ["H6"]), (2025, ["H6"]),
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
    raw = [r for b in annual for r in b.records if r.get("cmdCode") == "283691"
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


def test_sample_series_around_the_2025_events(replayed):
    """The invented key series carry the shifts analysts look for around November 2025."""
    imports = replayed[2].partners.filter(pl.col("flow_code") == "M")

    def value(hs6: str, periods: list[str], partner: int | None = None) -> float:
        sel = imports.filter((pl.col("hs6") == hs6) & pl.col("period").is_in(periods))
        if partner is not None:
            sel = sel.filter(pl.col("partner_code") == partner)
        return sel["primary_value_usd"].sum()

    h1_2024 = [f"2024{m:02d}" for m in range(1, 7)]
    q3_2025 = ["202507", "202508", "202509"]
    # lithium carbonate: China's share halves; Australia appears from 2024
    china_then = value("283691", h1_2024, 156) / value("283691", h1_2024)
    assert value("283691", q3_2025, 156) / value("283691", q3_2025) < 0.6 * china_then
    assert value("283691", q3_2025, 36) > 0
    assert value("283691", ["2019", "2020", "2021", "2022", "2023"], 36) == 0
    # REE compounds and magnets from China dip after the April 2025 export controls
    for hs6 in ("284690", "850511"):
        before = value(hs6, ["202501", "202502", "202503"], 156)
        assert value(hs6, ["202505", "202506", "202507"], 156) < 0.6 * before
    # a year's months are in the ballpark of its annual value
    for hs6 in ("283691", "284690", "850511", "282200"):
        ratio = value(hs6, [f"2024{m:02d}" for m in range(1, 13)]) / value(hs6, ["2024"])
        assert 0.75 < ratio < 1.25, (hs6, ratio)


@pytest.mark.parametrize("year", ["2021", "2022"])
def test_any_single_partition_replays_on_its_own(year):
    client = _replay_client()
    result = client.fetch("A", [year], CODES[edition_for_period(year)])
    trade = normalise_batches(result.batches)
    li = trade.partners.filter((pl.col("hs6") == "283691") & (pl.col("flow_code") == "M"))
    expected = EXPECTED["imports_by_code"]["283691"]["primary_value_usd"][year]
    assert {str(p): v for p, v in li.select("partner_code", "primary_value_usd").rows()} == expected


def test_single_month_replays_with_h6_codes():
    result = _replay_client().fetch("M", ["202403"], CODES["H6"])
    assert {c.outcome for c in result.calls} == {"ok"}
    assert result.batches


def test_a_period_asked_with_the_other_editions_codes_is_not_in_the_snapshot():
    with pytest.raises(NotInSnapshotError):
        _replay_client().fetch("A", ["2021"], CODES["H6"])
    with pytest.raises(NotInSnapshotError):
        _replay_client().fetch("M", ["202401"], CODES["H5"])


def test_builder_is_deterministic():
    assert _builder().main(["--check"]) == 0

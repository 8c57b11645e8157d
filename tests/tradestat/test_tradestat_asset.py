"""The asset on the bundled snapshot (replay) into a temp warehouse: it loads, reruns to the same
rows, and a bad page or a shrinking load fails the run naming report, month and field, leaving
the warehouse as it was."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import warnings
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

import assets.tradestat.assets as tradestat_assets
from assets.tradestat.assets import TradeStatLoadConfig, tradestat_hs8_monthly
from assets.tradestat.mapping import load_hs8_map
from pipelines.resources import HttpSources, Warehouse
from tests.tradestat._helpers import REPO, seeded_store

warnings.filterwarnings("ignore", category=dg.BetaWarning)
MONTH = "2024-04"
EXPECTED = json.loads((REPO / "tools" / "snapshots" / "tradestat_expected.json").read_text())


def _resources(snapshot: Path, wh: Path) -> dict:
    return {
        "http": HttpSources(mode="replay", snapshot_dir=str(snapshot), raw_dir=str(wh / "raw")),
        "warehouse": Warehouse(path=str(wh / "w.duckdb"), reader_path=str(wh / "r.duckdb")),
    }


def _run(res: dict, *, allow_shrink: bool = False) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [tradestat_hs8_monthly],
        resources=res,
        partition_key=MONTH,
        run_config=dg.RunConfig(
            {"tradestat_hs8_monthly": TradeStatLoadConfig(allow_shrink=allow_shrink)}
        ),
        raise_on_error=False,
    )


def _state(store) -> list[tuple]:
    with store.read() as con:
        return con.execute(
            "SELECT flow_code, hs8, partner_dgcis_code, value_usd, value_inr, quantity "
            "FROM fact_trade_flow_hs8 ORDER BY ALL"
        ).fetchall()


def _failure(result: dg.ExecuteInProcessResult) -> str:
    assert not result.success
    return "\n".join(
        str(e.event_specific_data.error.message)
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    wh = tmp_path_factory.mktemp("wh")
    store = seeded_store(wh)
    result = _run(_resources(REPO / "snapshot", wh))
    assert result.success
    return wh, store, result


def test_a_month_loads_as_the_snapshot_says(loaded):
    wh, store, result = loaded
    meta = result.asset_materializations_for_node("tradestat_hs8_monthly")[0].metadata
    want = [r for r in EXPECTED["usd_by_period_flow"] if r["period"] == MONTH.replace("-", "")]
    with store.read() as con:
        got = con.execute(
            "SELECT period, flow_code, round(sum(value_usd), 2), count(*) FROM fact_trade_flow_hs8 "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        minerals = con.execute(
            "SELECT count(DISTINCT mineral_id) FROM fact_trade_flow_hs8"
        ).fetchone()
        pages = con.execute(
            "SELECT count(*), count(DISTINCT raw_sha256) FROM tradestat_page"
        ).fetchone()
        dim = con.execute("SELECT count(*), bool_and(validated) FROM dim_hs8_code").fetchone()
        fiscal = con.execute(
            "SELECT DISTINCT fiscal_year, fiscal_month FROM fact_trade_flow_hs8"
        ).fetchall()
    assert got == [(w["period"], w["flow"], w["value_usd"], w["rows"]) for w in want]
    assert minerals[0] >= 10
    assert pages[0] == 21 * 2 * 4  # 21 lines x 2 flows x (3 tables + control page)
    assert dim == (load_hs8_map().height, True)
    assert fiscal == [("2024-25", 1)]
    assert meta["page_expired_419"].value == 1 and meta["sample_data"].value is True


def test_a_rerun_gives_the_same_rows(loaded, tmp_path):
    wh, store, _ = loaded
    before = _state(store)
    assert _run(_resources(REPO / "snapshot", wh)).success
    assert _state(store) == before


def _copy_snapshot(tmp: Path) -> Path:
    root = tmp / "snapshot"
    shutil.copytree(REPO / "snapshot" / "tradestat", root / "tradestat")
    return root


def _edit_body(root: Path, match, edit) -> int:
    """Rewrite the bodies of the exchanges ``match`` selects with ``edit(html)`` (in the index)."""
    index = root / "tradestat" / "exchanges.jsonl"
    lines = [json.loads(x) for x in index.read_text(encoding="utf-8").splitlines()]
    n = 0
    for ex in lines:
        if ex["status"] != 200 or not match(ex):
            continue
        html = (root / "tradestat" / ex["body"]).read_text(encoding="utf-8")
        raw = edit(html, lines).encode()
        sha = hashlib.sha256(raw).hexdigest()
        (root / "tradestat" / "bodies" / f"{sha}.html").write_bytes(raw)
        ex.update(body=f"bodies/{sha}.html", sha256=sha, size=len(raw))
        n += 1
    index.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return n


def _is(ex: dict, report: str, hs8: str, month: str, value_code: str) -> bool:
    form = ex["form"]
    return (
        ex["url"].endswith(report)
        and hs8 in form.values()
        and any(k.endswith("Month") and v == month for k, v in form.items())
        and any(k.endswith("ReportVal") and v == value_code for k, v in form.items())
    )


def test_a_page_that_mislabels_imports_as_exports_loads_nothing(loaded, tmp_path):
    """The export table of lithium carbonate, April 2024, carries the import table."""
    wh, store, _ = loaded
    before = _state(store)
    root = _copy_snapshot(tmp_path)
    index = [
        json.loads(x) for x in (root / "tradestat" / "exchanges.jsonl").read_text().splitlines()
    ]
    imports = next(
        ex for ex in index
        if ex["status"] == 200 and _is(ex, "commodity_wise_all_countries_import", "28369100", "4", "1")
    )  # fmt: skip
    import_table = re.search(
        r'<table id="example1".*?</table>',
        (root / "tradestat" / imports["body"]).read_text(encoding="utf-8"),
        re.S,
    ).group(0)

    def swap(html: str, _lines) -> str:
        return re.sub(r'<table id="example1".*?</table>', lambda _: import_table, html, flags=re.S)

    n = _edit_body(
        root, lambda ex: _is(ex, "commodity_wise_all_countries_export", "28369100", "4", "1"), swap
    )
    assert n == 1
    message = _failure(_run(_resources(root, wh)))
    for part in (
        "meidb/commodity_wise_all_countries_export",
        "period 2024-04",
        "field 'Total'",
        "it equals the national import total",
        "Nothing was loaded",
    ):
        assert part in message
    assert _state(store) == before


def test_a_changed_table_layout_loads_nothing(loaded, tmp_path):
    wh, store, _ = loaded
    before = _state(store)
    root = _copy_snapshot(tmp_path)
    n = _edit_body(
        root,
        lambda ex: _is(ex, "commodity_wise_all_countries_import", "26030000", "4", "3"),
        lambda html, _: html.replace("<th>%Growth</th>", "<th>%Growth</th><th>%Share</th>", 1),
    )
    assert n == 1
    message = _failure(_run(_resources(root, wh)))
    assert "period 2024-04" in message and "field 'header'" in message
    assert "meidb/commodity_wise_all_countries_import" in message and "26030000" in message
    assert _state(store) == before


def test_an_unknown_units_label_loads_nothing(loaded, tmp_path):
    wh, store, _ = loaded
    before = _state(store)
    root = _copy_snapshot(tmp_path)
    n = _edit_body(
        root,
        lambda ex: _is(ex, "commodity_wise_all_countries_import", "74031100", "4", "3"),
        lambda html, _: html.replace("Values in ₹ Crore", "Values in ₹ Arab"),
    )
    assert n == 1
    message = _failure(_run(_resources(root, wh)))
    assert "field 'Values in'" in message and "₹ Arab" in message and "2024-04" in message
    assert _state(store) == before


def test_a_load_that_would_shrink_the_month_is_refused_unless_allowed(loaded, monkeypatch):
    wh, store, _ = loaded
    before = _state(store)
    few = load_hs8_map().filter(pl.col("hs8").is_in(["28369100", "28252000"]))
    monkeypatch.setattr(tradestat_assets, "load_hs8_map", lambda: few)
    message = _failure(_run(_resources(REPO / "snapshot", wh)))
    assert "shrink guard" in message and "fact_trade_flow_hs8" in message and "M:202404" in message
    assert _state(store) == before
    assert _run(_resources(REPO / "snapshot", wh), allow_shrink=True).success
    with store.read() as con:
        assert con.execute(
            "SELECT DISTINCT hs8 FROM fact_trade_flow_hs8 ORDER BY 1"
        ).fetchall() == [
            ("28252000",),
            ("28369100",),
        ]


def test_an_hs8_map_row_that_dim_hs_code_does_not_validate_fails_before_fetching(
    tmp_path, monkeypatch
):
    store = seeded_store(tmp_path)
    bad = load_hs8_map().with_columns(
        pl.when(pl.col("hs8") == "28049000")
        .then(pl.lit("tin"))
        .otherwise("mineral_id")
        .alias("mineral_id")
    )
    monkeypatch.setattr(tradestat_assets, "load_hs8_map", lambda: bad)
    message = _failure(_run(_resources(REPO / "snapshot", tmp_path)))
    assert "28049000 -> 280490 (H6) -> tin" in message
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM fact_trade_flow_hs8").fetchone()[0] == 0

"""Bench: loading N Comtrade records (default 1,000,000: 2,000 answers of 500) into the warehouse.

Figure: the project's path after the fetch, as ``assets/comtrade/assets.py::load_trade`` runs
it: every answer body read with ``read_answer`` (as the client does on fetch) and streamed into
a ``TradeNormaliser`` (polars + the dataframely schema), the warehouse columns added as
``load_trade`` adds them, and one ``replace_partitions`` swap of ``fact_trade_flow`` and
``fact_trade_world_total`` into a freshly migrated warehouse file.
Floor: DuckDB's own ``read_json`` of the same files into a table (same file-backed DuckDB).
Extra peer: DuckDB ``read_json`` straight into the project's keyed ``fact_trade_flow``.

Each side runs in its own child process; its peak memory is that child's ``ru_maxrss``
(``wait4``), so polars' and DuckDB's native memory counts. The answers are generated once in
``.cache/bench/comtrade_<answers>x<records>/`` (``bench/_synthetic.py``: the real envelope and
all 47 fields of a final-data record).

If the normaliser's public entry point changes (issue 11, deliverable 1), update
:func:`project_load` only.

    python -m bench.bench_trade_load [--n 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
from pathlib import Path

from bench._result import CACHE, emit, last_json, result, rss_mb, run_child, say, timed

DEFAULT_N = 1_000_000
PER_ANSWER = 500
TARGET_RATIO = 2.0  # the issue: <= 2x the DuckDB floor
TARGET_PEAK_MB = 1024.0  # and <= 1 GB at 1M records


def answers_dir(n: int) -> tuple[Path, list[Path]]:
    from bench._synthetic import comtrade_answers

    answers = max(1, math.ceil(n / PER_ANSWER))
    per = min(n, PER_ANSWER)
    d = CACHE / f"comtrade_{answers}x{per}"
    return d, comtrade_answers(d, answers=answers, per_answer=per)


# --------------------------------------------------------------------------- the two sides


def project_load(paths: list[Path], warehouse: Path) -> dict:
    """The project's normaliser + warehouse swap on the answer files (mirrors load_trade)."""
    from datetime import UTC, datetime

    import polars as pl

    from assets.comtrade.client import read_answer
    from assets.comtrade.normalise import AnswerBatch, TradeNormaliser
    from bench._synthetic import answer_url, sha256_bytes
    from warehouse.store import PartitionWrite, WarehouseStore

    store = WarehouseStore(warehouse)  # migrated before the clock started
    # load_trade streams each answer from the client (which reads it with read_answer) into
    # the normaliser as it is fetched; nothing but the normalised rows is kept
    normaliser = TradeNormaliser()
    for path in paths:
        body = path.read_bytes()
        url = answer_url(path)
        normaliser.add(AnswerBatch(read_answer(body, url), url, sha256_bytes(body)))
    trade = normaliser.finish(keep_order=True)  # as load_trade: rows in fetch order
    fetched_at = datetime.now(UTC)

    def to_table(df: pl.DataFrame) -> pl.DataFrame:  # as load_trade's to_table
        return df.with_columns(
            (pl.col("freq") + ":" + pl.col("period")).alias("period_key"),
            pl.lit(True).alias("is_sample_data"),
            pl.lit(fetched_at, dtype=pl.Datetime("us", "UTC")).alias("_fetched_at"),
        ).rename({"raw_sha256": "_raw_sha256", "source_url": "_source_url"})

    partners, world = to_table(trade.partners), to_table(trade.world)
    keys = sorted(set(partners["period_key"].unique()) | set(world["period_key"].unique()))
    store.replace_partitions(
        [
            PartitionWrite("fact_trade_flow", partners, "period_key", keys, guard=True),
            PartitionWrite("fact_trade_world_total", world, "period_key", keys, guard=True),
        ],
        run_id="bench",
    )
    return {"partner_rows": partners.height, "world_rows": world.height}


def _glob(paths: list[Path]) -> str:
    return str(paths[0].parent / "answer_*.json")


def duckdb_floor(paths: list[Path], warehouse: Path) -> dict:
    """DuckDB's read_json of the same answers into a plain table (the floor)."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute(
        "CREATE TABLE raw_records AS SELECT unnest(data, recursive := true) "
        f"FROM read_json('{_glob(paths)}', format = 'auto')"
    )
    con.execute("CHECKPOINT")
    rows = con.execute("SELECT count(*) FROM raw_records").fetchone()[0]
    con.close()
    return {"rows": rows}


def duckdb_keyed(paths: list[Path], warehouse: Path) -> dict:
    """DuckDB's read_json straight into the project's keyed fact_trade_flow (a peer)."""
    from warehouse.store import WarehouseStore

    store = WarehouseStore(warehouse)  # migrated before the clock started
    with store.connect() as con:
        con.execute(
            f"""INSERT INTO fact_trade_flow
            SELECT 'comtrade', freqCode || ':' || period, reporterCode, partnerCode, flowCode,
                   freqCode, period, refYear, CASE WHEN refMonth = 52 THEN NULL ELSE refMonth END,
                   cmdCode, classificationCode, primaryValue, cifvalue, fobvalue, netWgt, qty,
                   CASE WHEN qtyUnitCode = -1 THEN NULL ELSE qtyUnitAbbr END, isQtyEstimated,
                   isNetWgtEstimated, isReported, isAggregate, legacyEstimationFlag, true,
                   filename, now(), sha256(filename), 'bench', now(), 6
            FROM (SELECT unnest(data, recursive := true), filename
                  FROM read_json('{_glob(paths)}', format = 'auto', filename = true))
            WHERE partnerCode <> 0 AND partner2Code = 0 AND motCode = 0 AND customsCode = 'C00'
              AND aggrLevel = 6"""
        )
        con.execute("CHECKPOINT")
        rows = con.execute("SELECT count(*) FROM fact_trade_flow").fetchone()[0]
    return {"partner_rows": rows}


ROLES = {"project": project_load, "duckdb_floor": duckdb_floor, "duckdb_keyed": duckdb_keyed}


def _child(role: str, n: int, work: Path) -> None:
    """One side, in its own process: print {"seconds", "rss_before_mb", ...} as JSON."""
    import json

    _, paths = answers_dir(n)
    fn = ROLES[role]
    target = work / f"{role}.duckdb"
    if role == "project":  # import the project's modules before the clock starts
        import assets.comtrade.normalise  # noqa: F401
    if role != "duckdb_floor":  # a migrated, empty warehouse file, as a first load finds it
        from warehouse.store import WarehouseStore

        WarehouseStore(target).migrate()
    import duckdb  # noqa: F401

    before = rss_mb()
    seconds, out = timed(lambda: fn(paths, target))
    print(json.dumps({"seconds": seconds, "rss_before_mb": round(before, 1), **out}), flush=True)


def _side(role: str, n: int, work: Path) -> tuple[dict, float]:
    say(f"trade_load: {role} on {n} records")
    out, peak = run_child(
        ["bench.bench_trade_load", "--role", role, "--n", str(n), "--work", str(work)]
    )
    return last_json(out), peak


def run(n: int | None = None, quick: bool = False) -> list[dict]:
    n = n or (5_000 if quick else DEFAULT_N)
    say(f"trade_load: preparing {n} Comtrade records (cached in {CACHE})")
    d, paths = answers_dir(n)
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    work = Path(tempfile.mkdtemp(prefix="cmw-bench-trade-"))
    try:
        proj, proj_peak = _side("project", n, work)
        floor, floor_peak = _side("duckdb_floor", n, work)
        keyed, keyed_peak = _side("duckdb_keyed", n, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    params = {
        "records": n,
        "answers": len(paths),
        "records_per_answer": min(n, PER_ANSWER),
        "json_mb": round(size_mb, 1),
        "partner_rows": proj["partner_rows"],
        "world_rows": proj["world_rows"],
    }
    full = n == DEFAULT_N
    return [
        result(
            "trade_load",
            "trade_load.time",
            unit="s",
            figure=proj["seconds"],
            baseline=floor["seconds"],
            baseline_kind="floor",
            figure_what="read_answer + TradeNormaliser (answers streamed) + warehouse swap of "
            "fact_trade_flow and fact_trade_world_total (fresh file)",
            baseline_what="DuckDB read_json of the same files into a table (file-backed)",
            target=round(floor["seconds"] * TARGET_RATIO, 3) if full else None,
            params=params,
            extra={
                "keyed_duckdb_s": round(keyed["seconds"], 3),
                "ratio_vs_keyed_duckdb": round(proj["seconds"] / keyed["seconds"], 2),
                "floor_rows": floor["rows"],
            },
            quick=quick,
        ),
        result(
            "trade_load",
            "trade_load.peak_memory",
            unit="MB",
            figure=proj_peak,
            baseline=floor_peak,
            baseline_kind="floor",
            figure_what="peak RSS of the child process running the project's load",
            baseline_what="peak RSS of the child process running DuckDB's read_json to a table",
            target=TARGET_PEAK_MB if full else None,
            params=params,
            extra={
                "keyed_duckdb_peak_mb": round(keyed_peak, 1),
                "project_rss_after_imports_mb": proj["rss_before_mb"],
                "floor_rss_after_imports_mb": floor["rss_before_mb"],
            },
            quick=quick,
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help=f"records (default {DEFAULT_N:,})")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    ap.add_argument("--role", choices=sorted(ROLES), help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.role:
        _child(args.role, args.n, args.work)
        return
    for line in run(args.n, args.quick):
        emit(line)


if __name__ == "__main__":
    main()

"""Bench: the refresh after a one-day PIB load, and each mart's read time, at 10M trade rows.

Base warehouse (built once, cached in ``.cache/bench/marts_<rows>_<key>.duckdb``):

* the project's migrations and real dimensions: ``reference_job`` on the bundled snapshot;
* one PIB day (``pib_job`` for 2025-11-25) with its policy events (not with ``--quick``);
* ``fact_trade_flow`` with ``n`` rows (default 10,000,000) made by DuckDB SQL (no Python loop):
  India x every partner of ``dim_country`` x both flows x every validated HS code of the
  period's edition (H5 up to 2021, H6 from 2022) x annual and monthly periods from 2017, sampled
  by a hash to ``n`` rows; values log-uniform; ``fact_trade_world_total`` = their sums;
* mirror flows on top (issue 12): for every India row with a partner of
  ``warehouse/reference/mirror_partners.csv``, that partner's report of the same trade
  (reporter = partner, partner 699, flow flipped, value x 0.7 to 1.3, period key
  ``<key>:mirror``), so ``mart_trade_reconciliation`` has both sides at scale;
* 1,820 synthetic policy events (one every two days, 2017-2026; 100 with ``--quick``) with
  minerals, countries and amounts;
* ``_load_log`` rows for those loads, as the store's swaps would have written them.

Each run copies the base, then, in one process with one Dagster instance:

1. ``refresh_job`` once, untimed in the figures, so the mart tables, report and reader file
   exist as they do after any earlier load (its time is reported as ``extra``);
2. ``pib_job`` for one new day (2025-11-26): the **peer**;
3. ``refresh_job`` with the assets the ``refresh_after_load`` sensor selects after a
   ``pib_job`` run (the event marts, the report, the reader file: ``REFRESH_AFTER_JOB``): the
   **figure** ``marts.refresh_after_pib_day`` (target 10 s at 10M rows); then the whole
   ``refresh_job`` once more, where every mart finds its inputs unchanged (``extra``);
4. for every ``warehouse/marts/NN_<mart>.sql``: ``SELECT * FROM <mart>`` on the published
   reader file, fetched to Arrow (best of ``--repeat``): the figure ``marts.read.<mart>``
   (target 1 s); the **floor** is reading the same rows from a plain in-memory table.

    python -m bench.bench_marts [--n 10000000] [--quick] [--repeat 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from bench._result import CACHE, ROOT, emit, last_json, result, run_child, say, timed

DEFAULT_N = 10_000_000
QUICK_N = 20_000
EVENTS = 1820  # one every two days, 2017-2026
QUICK_EVENTS = 100
BASE_PIB_DAY = "2025-11-25"
PIB_DAY = "2025-11-26"
TARGET_REFRESH_S = 10.0
TARGET_READ_S = 1.0
GENERATOR_VERSION = "4"  # bump when the synthetic data below changes
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}

# --------------------------------------------------------------------------- synthetic SQL

FACT_COLUMNS = """source, period_key, reporter_code, partner_code, flow_code, freq, period,
    ref_year, ref_month, hs6, hs_edition, primary_value_usd, cif_value_usd, fob_value_usd,
    net_weight_kg, qty, qty_unit, is_qty_estimated, is_net_wgt_estimated, is_reported,
    is_aggregate, legacy_estimation_flag, is_sample_data, _source_url, _fetched_at, _raw_sha256,
    _run_id, _loaded_at"""

FACTS_SQL = f"""
INSERT INTO fact_trade_flow ({FACT_COLUMNS})
WITH years AS (SELECT range AS y FROM range(2017, 2017 + $years)),
periods AS (
    SELECT 'A' AS freq, CAST(y AS VARCHAR) AS period, y AS ref_year,
           CAST(NULL AS TINYINT) AS ref_month FROM years
    UNION ALL
    SELECT 'M', printf('%04d%02d', y, m), y, CAST(m AS TINYINT)
    FROM years, (SELECT range AS m FROM range(1, 13))
),
codes AS (SELECT DISTINCT hs6, hs_edition FROM dim_hs_code WHERE validated),
partners AS (
    SELECT area_code FROM dim_country
    WHERE is_partner AND NOT is_group AND area_code NOT IN (0, 699)
),
keys AS (
    SELECT p.*, c.hs6, c.hs_edition, fl.flow_code, pa.area_code AS partner_code,
           hash(p.period, c.hs6, fl.flow_code, pa.area_code) AS h
    FROM periods p
    JOIN codes c ON c.hs_edition = CASE WHEN p.ref_year <= 2021 THEN 'H5' ELSE 'H6' END
    CROSS JOIN (VALUES ('M'), ('X')) fl(flow_code)
    CROSS JOIN partners pa
),
sampled AS (
    SELECT *, (h % 1000003) / 1000003.0 AS u, ((h // 1000003) % 1000) / 1000.0 AS w
    FROM keys WHERE h % 1000000 < $density
    LIMIT $n
)
SELECT 'comtrade', freq || ':' || period, 699, partner_code, flow_code, freq, period, ref_year,
       ref_month, hs6, hs_edition,
       round(exp(4 + 14 * u), 2) AS v,
       CASE WHEN flow_code = 'M' THEN round(exp(4 + 14 * u), 2) END,
       CASE WHEN flow_code = 'X' THEN round(exp(4 + 14 * u), 2) END,
       CASE WHEN w < 0.95 THEN round(exp(4 + 14 * u) / (1 + 60 * w), 1) END,
       CASE WHEN w < 0.95 THEN round(exp(4 + 14 * u) / (1 + 60 * w), 1) END,
       CASE WHEN w < 0.95 THEN 'kg' END,
       false, w > 0.9, true, false, 0, true,
       'https://comtradeapi.un.org/public/v1/preview/C/' || freq || '/HS?bench', now(),
       sha256(freq || ':' || period), 'bench', now()
FROM sampled
"""

# Mirror flows (issue 12): each mirror reporter's own report of its trade with India, one row
# per India row with that partner (flow flipped, value x a CIF/FOB-like ratio 0.7 to 1.3), under
# the mirror period keys, as trade_mirror_annual / trade_mirror_monthly store them.
MIRROR_SQL = f"""
INSERT INTO fact_trade_flow ({FACT_COLUMNS})
SELECT source, period_key || ':mirror', partner_code, 699,
       CASE flow_code WHEN 'M' THEN 'X' ELSE 'M' END, freq, period, ref_year, ref_month, hs6,
       hs_edition, round(primary_value_usd * r, 2),
       CASE WHEN flow_code = 'X' THEN round(primary_value_usd * r, 2) END,
       CASE WHEN flow_code = 'M' THEN round(primary_value_usd * r, 2) END,
       net_weight_kg, qty, qty_unit, is_qty_estimated, is_net_wgt_estimated, true, false, 0, true,
       _source_url || '&mirror', _fetched_at, _raw_sha256, _run_id, _loaded_at
FROM (SELECT *, 0.7 + (hash(period_key, hs6, partner_code, flow_code) % 1000) / 1000.0 * 0.6 AS r
      FROM fact_trade_flow WHERE reporter_code = 699 AND partner_code IN ($reporters))
"""

WORLD_SQL = f"""
INSERT INTO fact_trade_world_total ({FACT_COLUMNS})
SELECT 'comtrade', period_key, 699, 0, flow_code, freq, period, ref_year, ref_month, hs6,
       hs_edition, sum(primary_value_usd), sum(cif_value_usd), sum(fob_value_usd),
       sum(net_weight_kg), sum(qty), any_value(qty_unit), false, false, false, true, 0, true,
       any_value(_source_url), now(), any_value(_raw_sha256), 'bench', now()
FROM fact_trade_flow GROUP BY ALL
"""

EVENTS_SQL = """
CREATE TEMP TABLE bench_ev AS
SELECT e, 'bench-' || e AS event_id, DATE '2017-01-02' + CAST(e * 3640 / $events AS INTEGER) AS d,
       CAST(hash(e) % 1000000007 AS BIGINT) AS h
FROM range(0, $events) t(e);
INSERT INTO policy_event (event_id, release_date, event_type, status, title, ministry, posted_at,
                          primary_prid, source_prids, source_urls, _run_id, _loaded_at)
SELECT event_id, d,
       ['scheme', 'mission', 'mou_agreement', 'auction_launch', 'auction_result',
        'jv_investment_acquisition', 'law_amendment', 'trade_negotiation'][1 + h % 8],
       ['announced', 'approved', 'signed', 'launched'][1 + (h // 8) % 4],
       'Synthetic critical-mineral event ' || e, 'Ministry of Mines',
       CAST(d AS TIMESTAMP) + INTERVAL 6 HOUR, 3000000 + e, [3000000 + e],
       ['https://www.pib.gov.in/PressReleasePage.aspx?PRID=' || (3000000 + e)], 'bench', now()
FROM bench_ev;
INSERT INTO event_mineral (event_id, release_date, mineral_id, basis, confidence, evidence,
                           _run_id, _loaded_at)
SELECT event_id, d, ids[1 + CAST((h // 7 + k * 11) % len(ids) AS BIGINT)], 'title', 0.95,
       'synthetic', 'bench', now()
FROM bench_ev, (SELECT list(mineral_id ORDER BY mineral_id) AS ids FROM dim_mineral),
     range(0, 3) AS r(k)
WHERE k <= h % 3;
INSERT INTO event_country (event_id, release_date, area_code, actor_name, actor_type, role,
                           evidence, _run_id, _loaded_at)
SELECT event_id, d, 699, 'Ministry of Mines', 'ministry', 'implementer', 'synthetic', 'bench',
       now()
FROM bench_ev
UNION ALL
SELECT event_id, d, c, 'Partner ' || c, 'country', 'counterparty', 'synthetic', 'bench', now()
FROM (SELECT *, [36, 32, 152, 156, 842, 398, 604, 180, 392, 276][1 + (h // 3) % 10] AS c
      FROM bench_ev WHERE h % 5 < 3);
INSERT INTO event_amount (event_id, release_date, kind, value, unit, raw_text, _run_id,
                          _loaded_at)
SELECT event_id, d, 'outlay', 100 + h % 20000, 'INR crore', '₹' || (100 + h % 20000) || ' crore',
       'bench', now()
FROM bench_ev WHERE h % 2 = 0;
"""
# Columns later migrations added to the event tables: filled when the table has them, the way a
# PIB-tagged event carries them (migration 0006: origin, load slices, event dates).
EVENT_COLUMN_VALUES = {
    "origin": "'pib'",
    "load_slice": "'pib:' || strftime(release_date, '%Y-%m-%d')",
    "event_date": "release_date",
    "jurisdiction": "'IN'",
    "date_precision": "'day'",
}

LOAD_LOG_SQL = """
INSERT INTO _load_log
SELECT t, c, list(v ORDER BY v), 0, sum(n), 'bench', now()
FROM (
    SELECT 'fact_trade_flow' AS t, 'period_key' AS c, period_key AS v, count(*) AS n
    FROM fact_trade_flow WHERE _run_id = 'bench' GROUP BY ALL
    UNION ALL
    SELECT 'fact_trade_world_total', 'period_key', period_key, count(*)
    FROM fact_trade_world_total WHERE _run_id = 'bench' GROUP BY ALL
    UNION ALL
    SELECT tbl, 'release_date', CAST(release_date AS VARCHAR), n FROM (
        SELECT 'policy_event' AS tbl, release_date, count(*) AS n FROM policy_event
        WHERE _run_id = 'bench' GROUP BY ALL
        UNION ALL SELECT 'event_mineral', release_date, count(*) FROM event_mineral
        WHERE _run_id = 'bench' GROUP BY ALL
        UNION ALL SELECT 'event_country', release_date, count(*) FROM event_country
        WHERE _run_id = 'bench' GROUP BY ALL
        UNION ALL SELECT 'event_amount', release_date, count(*) FROM event_amount
        WHERE _run_id = 'bench' GROUP BY ALL)
)
GROUP BY t, c
"""


def _cache_key(n: int, events: int, quick: bool) -> str:
    h = hashlib.sha256(GENERATOR_VERSION.encode())
    for f in sorted((ROOT / "warehouse" / "migrations").glob("*.sql")):
        h.update(f.name.encode() + f.read_bytes())
    return f"marts_{n}_{events}{'_quick' if quick else ''}_{h.hexdigest()[:12]}"


def _settings_env(work: Path, writer: Path) -> dict[str, str]:
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        "CMW_HTTP_MODE": "replay",
        "CMW_WAREHOUSE": str(writer),
        "CMW_READER": str(work / "cmw_reader.duckdb"),
        "CMW_REPORT": str(work / "cmw_report.html"),
        "CMW_RAW_DIR": str(work / "raw"),
        "DAGSTER_HOME": str(home),
    }


# --------------------------------------------------------------------------- child roles


def _execute(job: str, partition_key: str | None = None, asset_selection=None) -> float:
    import warnings

    import dagster as dg

    from pipelines.definitions import defs

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    instance = dg.DagsterInstance.get()
    seconds, res = timed(
        lambda: defs.resolve_job_def(job).execute_in_process(
            instance=instance,
            partition_key=partition_key,
            run_config=QUIET,
            raise_on_error=False,
            asset_selection=asset_selection,
        )
    )
    if not res.success:
        failures = [e.message for e in res.all_events if e.is_failure][:3]
        raise RuntimeError(f"bench: {job} {partition_key or ''} failed: {failures}")
    return seconds


def _fill_event_columns(con) -> None:
    for table in ("policy_event", "event_mineral", "event_country", "event_amount"):
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [table],
            ).fetchall()
        }
        sets = [f"{c} = {v}" for c, v in EVENT_COLUMN_VALUES.items() if c in have]
        if sets and "release_date" in have:
            con.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE _run_id = 'bench'")


def _build(n: int, out: Path, events: int, quick: bool) -> None:
    """Child: build the base warehouse at ``out`` (the env points the settings at it)."""
    import duckdb

    from assets.comtrade.mirror import load_mirror_partners

    _execute("reference_job")
    if not quick:  # a quick base saves the run: the timed PIB day is then the only one
        _execute("pib_job", BASE_PIB_DAY)
    con = duckdb.connect(str(out))
    try:
        per_year = con.execute(
            """SELECT 13 * (SELECT count(*) FROM dim_country WHERE is_partner AND NOT is_group
                            AND area_code NOT IN (0, 699))
                      * 2 * (SELECT count(DISTINCT hs6) FROM dim_hs_code WHERE validated
                             AND hs_edition = 'H5')"""
        ).fetchone()[0]
        # periods from 2017 on, as few years as hold n rows (2017-2026 for 10M rows), at least
        # 2017-2025; the hash keeps a share of the keys (95%+ at 10M: dense, but all valid)
        years = max(9, -(-n // int(per_year * 0.97)))
        density = min(1_000_000, int(1_000_000 * n / (per_year * years)) + 20_000)
        say(f"marts: inserting {n:,} fact rows over {years} years (density {density / 1e6:.2f})")
        con.execute(
            FACTS_SQL.replace("$years", str(years))
            .replace("$density", str(density))
            .replace("$n", str(n))
        )
        con.execute(WORLD_SQL)  # India's World totals, before the mirror rows join the facts
        reporters = ", ".join(str(p.reporter_code) for p in load_mirror_partners())
        con.execute(MIRROR_SQL.replace("$reporters", reporters))
        con.execute(EVENTS_SQL.replace("$events", str(events)))
        _fill_event_columns(con)
        con.execute(LOAD_LOG_SQL)
        con.execute("CHECKPOINT")
        rows, mirror_rows = con.execute(
            "SELECT count(*) FILTER (WHERE reporter_code = 699), "
            "count(*) FILTER (WHERE reporter_code <> 699) FROM fact_trade_flow"
        ).fetchone()
        events = con.execute("SELECT count(*) FROM policy_event").fetchone()[0]
    finally:
        con.close()
    print(
        json.dumps(
            {"fact_rows": rows, "mirror_rows": mirror_rows, "events": events, "years": years}
        ),
        flush=True,
    )


def _read_marts(reader: Path, repeat: int) -> list[dict]:
    import duckdb

    from assets.marts.assets import mart_files, mart_name

    con = duckdb.connect(str(reader), read_only=True)
    mem = duckdb.connect()
    out = []
    try:
        for path in mart_files():
            name = mart_name(path)
            say(f"marts: reading {name}")
            runs, table = [], None
            for _ in range(repeat):
                s, table = timed(
                    lambda n=name: con.execute(f'SELECT * FROM "{n}"').to_arrow_table()
                )
                runs.append(s)
            mem.register("_mart_rows", table)
            mem.execute("CREATE OR REPLACE TABLE floor AS SELECT * FROM _mart_rows")
            mem.unregister("_mart_rows")
            floor = min(
                timed(lambda: mem.execute("SELECT * FROM floor").to_arrow_table())[0]
                for _ in range(repeat)
            )
            kind = con.execute(
                "SELECT 'table' FROM duckdb_tables() WHERE table_name = ? "
                "UNION ALL SELECT 'view' FROM duckdb_views() WHERE view_name = ?",
                [name, name],
            ).fetchone()
            out.append(
                {
                    "mart": name,
                    "seconds": min(runs),
                    "runs": runs,
                    "floor": floor,
                    "rows": table.num_rows,
                    "kind": kind[0] if kind else None,
                }
            )
    finally:
        con.close()
        mem.close()
    return out


def _run(work: Path, warmup: bool, repeat: int) -> None:
    """Child: warm-up refresh, one PIB day, the timed refresh, then the mart reads."""
    extra = {}
    if warmup:
        say("marts: warm-up refresh_job (marts, report, publish as after any earlier load)")
        extra["first_refresh_s"] = round(_execute("refresh_job"), 3)
    say(f"marts: pib_job for {PIB_DAY}")
    pib_s = _execute("pib_job", PIB_DAY)
    from pipelines.definitions import REFRESH_AFTER_JOB

    selection = REFRESH_AFTER_JOB["pib_job"]  # what the sensor refresh_after_load launches
    extra["refresh_assets"] = [k.to_user_string() for k in selection]
    say("marts: refresh_job after the PIB day (the sensor's selection)")
    refresh_s = _execute("refresh_job", asset_selection=selection)
    say("marts: refresh_job in full once more (every mart checks its inputs; none changed)")
    extra["full_refresh_job_unchanged_s"] = round(_execute("refresh_job"), 3)
    reads = _read_marts(work / "cmw_reader.duckdb", repeat)
    print(
        json.dumps({"pib_day_s": pib_s, "refresh_s": refresh_s, "extra": extra, "reads": reads}),
        flush=True,
    )


# --------------------------------------------------------------------------- parent


def base_warehouse(n: int, events: int, quick: bool = False) -> tuple[Path, dict]:
    """The cached base warehouse for ``n`` fact rows (built when missing)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = _cache_key(n, events, quick)
    path, info_path = CACHE / f"{key}.duckdb", CACHE / f"{key}.json"
    if path.exists() and info_path.exists():
        return path, json.loads(info_path.read_text())
    prefix = key.rsplit("_", 1)[0]  # the same sizes built by older migrations or generator
    for stale in CACHE.glob(f"{prefix}_*"):
        if stale.name.rsplit("_", 1)[0] == prefix:
            stale.unlink(missing_ok=True)
    say(f"marts: building the base warehouse ({n:,} fact rows) in {path}")
    work = Path(tempfile.mkdtemp(prefix="cmw-bench-base-"))
    try:
        tmp = work / "base.duckdb"
        out, _ = run_child(
            ["bench.bench_marts", "--role", "build", "--n", str(n), "--out", str(tmp)]
            + ["--events", str(events)]
            + (["--quick"] if quick else []),
            env=_settings_env(work, tmp),
        )
        info = last_json(out)
        shutil.move(tmp, path)
        info_path.write_text(json.dumps(info))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path, info


def run(n: int | None = None, quick: bool = False, repeat: int = 2) -> list[dict]:
    n = n or (QUICK_N if quick else DEFAULT_N)
    base, info = base_warehouse(n, QUICK_EVENTS if quick else EVENTS, quick)
    work = Path(tempfile.mkdtemp(prefix="cmw-bench-marts-"))
    try:
        writer = work / "cmw_writer.duckdb"
        say(f"marts: copying the base warehouse ({base.stat().st_size / 1e9:.2f} GB)")
        shutil.copyfile(base, writer)
        args = ["bench.bench_marts", "--role", "run", "--work", str(work)]
        args += ["--repeat", str(repeat), "--warmup"]  # quick too: the marts are tables to build
        out, _ = run_child(args, env=_settings_env(work, writer))
        got = last_json(out)
        reader_gb = (work / "cmw_reader.duckdb").stat().st_size / 1e9
    finally:
        shutil.rmtree(work, ignore_errors=True)
    full = n == DEFAULT_N
    params = {
        "fact_rows": info["fact_rows"],  # India's rows: n
        "mirror_rows": info.get("mirror_rows", 0),  # the partners' reports on top
        "events": info["events"],
        "years": info["years"],
        "pib_day": PIB_DAY,
        "reader_file_gb": round(reader_gb, 2),
    }
    lines = [
        result(
            "marts",
            "marts.refresh_after_pib_day",
            unit="s",
            figure=got["refresh_s"],
            baseline=got["pib_day_s"],
            baseline_kind="peer",
            figure_what="the refresh the refresh_after_load sensor launches after a one-day PIB "
            "load (refresh_job: the event marts, the report, the reader file)",
            baseline_what=f"the one-day PIB load itself (pib_job for {PIB_DAY}: listing, "
            "releases, policy events, checks)",
            target=TARGET_REFRESH_S if full else None,
            params=params,
            extra={k: v for k, v in got["extra"].items()},
            quick=quick,
        )
    ]
    for r in got["reads"]:
        lines.append(
            result(
                "marts",
                f"marts.read.{r['mart']}",
                unit="s",
                figure=r["seconds"],
                baseline=r["floor"],
                baseline_kind="floor",
                figure_what=f"SELECT * FROM {r['mart']} on the published reader file, to Arrow "
                f"(best of {repeat})",
                baseline_what="the same rows read from a plain in-memory DuckDB table",
                target=TARGET_READ_S if full else None,
                params={**params, "rows": r["rows"], "stored_as": r["kind"]},
                extra={"runs_s": [round(s, 4) for s in r["runs"]]},
                quick=quick,
            )
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help=f"fact rows (default {DEFAULT_N:,})")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    ap.add_argument("--repeat", type=int, default=2, help="timed reads per mart (best kept)")
    ap.add_argument("--role", choices=["build", "run"], help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--events", type=int, default=EVENTS, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--warmup", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.role == "build":
        _build(args.n, args.out, args.events, args.quick)
    elif args.role == "run":
        _run(args.work, args.warmup, args.repeat)
    else:
        for line in run(args.n, args.quick, args.repeat):
            emit(line)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()

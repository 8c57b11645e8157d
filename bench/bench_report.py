"""Benchmark: the HTML report against the number of policy events (issue 11, deliverable 4).

For each size (1, 4 and 8 years by default) it builds a synthetic warehouse file with the real
migrations and marts: six minerals, six partners, annual trade rows and 24 months of monthly
trade rows, and N years of **daily** policy events (``--per-day`` a day, default 4). The events
start years before the monthly trade data and run past its last month, so many are pinned to
the charts' edges or sit in the shaded no-data part, and several share each day. One event in
25 is a catalogue entry; among those, China's export controls and their suspension.

Each size is rendered in a **fresh Python process** (what a refresh run pays: the Vega bundle
and the chart templates are built cold; module imports are reported apart). The figure is the
cold ``render_report`` time; the floor is the time of the report's own warehouse reads (the
same queries, no rendering), measured in that process after the render. One JSON object per
size is printed, one a line, in the benches' shared format (``bench/_result.py``: ``figure``,
``baseline`` with ``baseline_kind`` floor, ``ratio``, ``target``, ``params``, ``extra``...) with
``years``, ``events``, ``seconds`` and ``floor_seconds`` also at the top level:

    {"years": 8, "events": 11680, "seconds": 7.3, "floor_seconds": 4.1, "bench": "report",
     "name": "report.render.8y", "figure": 7.3, "baseline": 4.1, "ratio": 1.78, "target": 10.0,
     "meets_target": true, "extra": {"cpu_seconds": ..., "warm_seconds": ...}, ...}

Run: ``.venv/bin/python bench/bench_report.py`` (all sizes), ``--years 1`` for one size,
``--quick`` for a smaller warehouse (1 event a day, three minerals). Not part of the test
suite's timings: ``tests/report/test_bench_report.py`` only checks that a quick run works.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TARGET_SECONDS = {8: 10.0}  # issue 11: 8 years of daily events in <= 10 s on 2 cores
MINERALS = [
    ("lithium", "Lithium", "283691"),
    ("cobalt", "Cobalt", "810520"),
    ("graphite", "Graphite", "250410"),
    ("ree", "Rare Earth Elements (REE)", "284690"),
    ("copper", "Copper", "740311"),
    ("nickel", "Nickel", "750210"),
]
PARTNERS = [
    (156, "CHN", "China"),
    (36, "AUS", "Australia"),
    (152, "CHL", "Chile"),
    (32, "ARG", "Argentina"),
    (842, "USA", "USA"),
    (180, "COD", "DR Congo"),
    (699, "IND", "India"),
]
EVENT_TYPES = [
    "mou_agreement",
    "scheme",
    "auction_launch",
    "auction_result",
    "mission",
    "jv_investment_acquisition",
    "trade_negotiation",
    "plurilateral_initiative",
]
FIRST_YEAR = 2017
MONTHLY_MONTHS = 24


def build(path: Path, years: int, per_day: int, n_minerals: int) -> int:
    """Write the synthetic warehouse to ``path``; return the number of events."""
    import duckdb

    from warehouse.store import MARTS_DIR, migrations

    minerals = MINERALS[:n_minerals]
    con = duckdb.connect(str(path))
    try:
        for _, _, sql in migrations():
            con.execute(sql)
        cols = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'policy_event'"
            ).fetchall()
        }
        prov = "'bench', '0', now()"
        for mid, name, hs6 in minerals:
            con.execute(
                "INSERT INTO dim_mineral (mineral_id, name, symbol_or_group, mineral_group, "
                "in_mmdr_part_d, in_list_since, _source, _raw_sha256, _loaded_at) "
                f"VALUES (?, ?, ?, 'g', true, DATE '2023-06-28', {prov})",
                [mid, name, mid[:3]],
            )
            con.execute(
                "INSERT INTO dim_hs_code (hs6, hs_edition, mineral_id, stage, specificity, "
                "description, validated, _source, _raw_sha256, _loaded_at) "
                f"VALUES (?, 'H6', ?, 'ore', 'specific', ?, true, {prov})",
                [hs6, mid, name],
            )
        for code, iso3, name in PARTNERS:
            con.execute(
                "INSERT INTO dim_country (area_code, iso3, iso2, name, is_reporter, is_partner, "
                f"is_group, _source, _raw_sha256, _loaded_at) VALUES (?, ?, ?, ?, true, true, "
                f"false, {prov})",
                [code, iso3, iso3[:2], name],
            )
        last_year = FIRST_YEAR + years  # events run to the end of last_year - 1
        end_idx = last_year * 12 - 4  # monthly trade data stops 3 months before the events
        start_idx = end_idx - MONTHLY_MONTHS + 1
        hs = [h for _, _, h in minerals]
        partners = [c for c, _, _ in PARTNERS if c != 699]
        flow = (
            "INSERT INTO fact_trade_flow (source, period_key, reporter_code, partner_code, "
            "flow_code, freq, period, ref_year, ref_month, hs6, hs_edition, primary_value_usd, "
            "is_qty_estimated, is_net_wgt_estimated, is_reported, is_aggregate, is_sample_data, "
            "_source_url, _raw_sha256, _loaded_at) "
        )
        con.execute(
            flow + "SELECT 'comtrade', 'M:' || p, 699, partner, 'M', 'M', p, y, m, hs6, 'H6', "
            "1e6 * (1 + (idx % 7) + hash(partner, hs6) % 5), false, false, true, false, true, "
            "'bench', '0', now() FROM ("
            "  SELECT idx, idx // 12 AS y, idx % 12 + 1 AS m,"
            "         CAST(idx // 12 AS VARCHAR) || lpad(CAST(idx % 12 + 1 AS VARCHAR), 2, '0') AS p"
            "  FROM range(?, ?) t(idx)) months, unnest(?) AS h(hs6), unnest(?) AS q(partner)",
            [start_idx, end_idx + 1, hs, partners],
        )
        con.execute(
            flow + "SELECT 'comtrade', 'A:' || y, 699, partner, 'M', 'A', CAST(y AS VARCHAR), y, "
            "NULL, hs6, 'H6', 1e7 * (1 + (y % 5) + hash(partner, hs6) % 7), false, false, true, "
            "false, true, 'bench', '0', now() "
            "FROM range(?, ?) t(y), unnest(?) AS h(hs6), unnest(?) AS q(partner)",
            [last_year - 8, last_year, hs, partners],
        )
        n = years * 365 * per_day
        extra_cols, extra_vals = "", ""
        if "origin" in cols:
            extra_cols += ", origin"
            extra_vals += ", CASE WHEN i % 25 = 0 THEN 'catalogue' ELSE 'pib' END"
        if "jurisdiction" in cols:
            extra_cols += ", jurisdiction"
            extra_vals += (
                ", CASE WHEN i % 25 = 0 THEN (CASE WHEN i % 50 = 0 THEN 'CN' ELSE 'IN' END) "
                "ELSE NULL END"
            )
        con.execute(
            "INSERT INTO policy_event (event_id, release_date, event_type, status, title, "
            f"ministry, posted_at, primary_prid, source_prids, source_urls, _loaded_at"
            f"{extra_cols}) "
            "SELECT 'pib-' || (100000 + i), DATE '2017-01-01' + CAST(i // ? AS INTEGER), "
            "CASE WHEN i % 50 = 0 THEN 'export_control' ELSE (?)[i % ? + 1] END, "
            "CASE WHEN i % 100 = 0 THEN 'suspended' ELSE 'announced' END, "
            "CASE WHEN i % 50 = 0 THEN 'China export controls on item group ' || i "
            "     ELSE 'Synthetic policy release number ' || i || ' about critical minerals' END, "
            "'Ministry of Mines', TIMESTAMPTZ '2017-01-01 05:30:00+00' "
            "  + to_days(CAST(i // ? AS INTEGER)) + to_minutes(CAST(i % ? AS INTEGER) * 37), "
            "100000 + i, [100000 + i], "
            "['https://www.pib.gov.in/PressReleasePage.aspx?PRID=' || (100000 + i)], now()"
            f"{extra_vals} FROM range(?) t(i)",
            [per_day, EVENT_TYPES, len(EVENT_TYPES), per_day, per_day, n],
        )
        mids = [m for m, _, _ in minerals]
        con.execute(
            "INSERT INTO event_mineral (event_id, release_date, mineral_id, basis, confidence, "
            "_loaded_at) SELECT event_id, release_date, (?)[CAST(prid % ? AS INTEGER) + 1], "
            "'title', 1.0, now() FROM (SELECT event_id, release_date, primary_prid AS prid "
            "FROM policy_event) "
            "UNION ALL SELECT event_id, release_date, (?)[CAST((prid + 1) % ? AS INTEGER) + 1], "
            "'body', 0.8, now() FROM (SELECT event_id, release_date, primary_prid AS prid "
            "FROM policy_event) WHERE prid % 3 = 0 AND ? > 1",
            [mids, len(mids), mids, len(mids), len(mids)],
        )
        con.execute(
            "INSERT INTO event_country (event_id, release_date, area_code, actor_name, role, "
            "_loaded_at) SELECT event_id, release_date, "
            "CASE WHEN event_type = 'export_control' THEN 156 ELSE (?)[CAST(primary_prid % ? AS "
            "INTEGER) + 1] END, 'actor', 'counterparty', now() FROM policy_event",
            [partners, len(partners)],
        )
        con.execute(
            "INSERT INTO event_amount (event_id, release_date, kind, value, unit, raw_text, "
            "_loaded_at) SELECT event_id, release_date, 'outlay', 100 + primary_prid % 900, "
            "'INR crore', 'Rs ' || (100 + primary_prid % 900) || ' crore', now() "
            "FROM policy_event WHERE primary_prid % 4 = 0"
        )
        con.execute(
            "INSERT INTO dataset_info (key, value, updated_at) VALUES "
            "('dataset_label', 'synthetic benchmark data (SAMPLE DATA)', now())"
        )
        for f in sorted(MARTS_DIR.glob("[0-9][0-9]_*.sql")):
            con.execute(f.read_text(encoding="utf-8"))
        return con.execute("SELECT count(*) FROM policy_event").fetchone()[0]
    finally:
        con.close()


def render_child(path: str) -> dict:
    """In a fresh process: import, render cold, render warm, then time the reads alone."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    import duckdb

    from assets.report.event_data import load_events
    from assets.report.render import render_report
    from assets.report.trade_data import load_trade, select_minerals

    t1 = time.perf_counter()
    con = duckdb.connect(path, read_only=True)
    try:
        t2, c2 = time.perf_counter(), time.process_time()
        html = render_report(con)
        t3, c3 = time.perf_counter(), time.process_time()
        render_report(con)
        t4 = time.perf_counter()
        minerals = select_minerals(con, 5)
        load_trade(con, minerals)
        events = load_events(con)
        t5 = time.perf_counter()
    finally:
        con.close()
    return {
        "seconds": round(t3 - t2, 3),
        "cpu_seconds": round(c3 - c2, 3),
        "import_cpu_seconds": round(c2 - c0, 3),
        "warm_seconds": round(t4 - t3, 3),
        "floor_seconds": round(t5 - t4, 3),
        "import_seconds": round(t1 - t0, 3),
        "html_bytes": len(html.encode("utf-8")),
        "charts": html.count('class="vl-chart"'),
        "events_in_report": len(events),
        "event_markers": html.count('"href":"#event-E'),  # marker rows in the monthly specs
    }


def _result(**kw) -> dict:
    """One result line in the benches' shared format (``bench/_result.py``) when it is there."""
    try:
        from bench._result import result
    except ImportError:  # the same keys, built here
        target = kw.get("target")
        return {
            "bench": kw["bench"],
            "name": kw["name"],
            "unit": kw["unit"],
            "figure": round(kw["figure"], 4),
            "baseline": round(kw["baseline"], 4),
            "baseline_kind": kw["baseline_kind"],
            "figure_what": kw["figure_what"],
            "baseline_what": kw["baseline_what"],
            "ratio": round(kw["figure"] / kw["baseline"], 2) if kw["baseline"] > 0 else None,
            "target": target,
            "meets_target": None if target is None else kw["figure"] <= target,
            "params": kw.get("params") or {},
            "extra": kw.get("extra") or {},
            "quick": kw.get("quick", False),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "load_1m": round(os.getloadavg()[0], 2)},
        }
    return result(**kw)


def run(years: int, per_day: int, n_minerals: int, quick: bool, bundle_seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        db = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        n = build(db, years, per_day, n_minerals)
        built = time.perf_counter() - t0
        proc = subprocess.run(
            [sys.executable, __file__, "--render-child", str(db)],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=1800,
        )
        if proc.returncode != 0:
            raise SystemExit(f"render of {years} year(s) failed:\n{proc.stderr[-4000:]}")
        child = json.loads(proc.stdout.strip().splitlines()[-1])
    line = _result(
        bench="report",
        name=f"report.render.{years}y",
        unit="s",
        figure=child["seconds"],
        baseline=child["floor_seconds"],
        baseline_kind="floor",
        figure_what=(
            "render_report on the warehouse file in a fresh process (chart templates compiled "
            "cold, the Vega bundle read from its cache), wall time"
        ),
        baseline_what=(
            "the report's own reads of the marts (the same queries, no rendering) in that "
            "process, wall time"
        ),
        target=None if quick else TARGET_SECONDS.get(years),
        params={"years": years, "events": n, "per_day": per_day, "minerals": n_minerals},
        extra={
            "cpu_seconds": child["cpu_seconds"],
            "warm_seconds": child["warm_seconds"],
            "import_seconds": child["import_seconds"],
            "import_cpu_seconds": child["import_cpu_seconds"],
            "bundle_build_seconds": bundle_seconds,
            "warehouse_build_seconds": round(built, 3),
            "html_bytes": child["html_bytes"],
            "charts": child["charts"],
            "event_markers": child["event_markers"],
        },
        quick=quick,
    )
    # the brief's own keys, at the top level too
    return {
        "years": years,
        "events": n,
        "seconds": child["seconds"],
        "floor_seconds": child["floor_seconds"],
        **line,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--years", type=int, action="append", help="size(s) in years of daily events (1 4 8)"
    )
    ap.add_argument("--per-day", type=int, default=None, help="events a day (default 4)")
    ap.add_argument("--quick", action="store_true", help="1 event a day, three minerals")
    ap.add_argument("--render-child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.render_child:
        print(json.dumps(render_child(args.render_child)))
        return 0
    per_day = args.per_day or (1 if args.quick else 4)
    n_minerals = 3 if args.quick else len(MINERALS)
    # the Vega bundle is built once per machine and vl-convert version, then read from the
    # cache (assets/report/vega_page.py); build it here so every size measures the steady state
    from assets.report.vega_page import javascript_bundle

    t0 = time.perf_counter()
    javascript_bundle()
    bundle_seconds = round(time.perf_counter() - t0, 3)
    for years in args.years or [1, 4, 8]:
        line = run(years, per_day, n_minerals, args.quick, bundle_seconds)
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

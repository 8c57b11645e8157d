"""An analyst queries the reader file in a loop while a backfill loads and publishes."""

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg

from assets.pib.assets import pib_release
from assets.publish import publish_reader
from assets.reference.assets import dim_country, dim_hs_code, dim_mineral
from pipelines.resources import HttpSources, Warehouse
from warehouse.store import WarehouseStore

REPO = Path(__file__).resolve().parents[2]

ANALYST = textwrap.dedent(
    """
    import sys, time, duckdb
    path, seconds = sys.argv[1], float(sys.argv[2])
    ok = errors = 0
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            con = duckdb.connect(path, read_only=True)   # a new session each time, like a notebook
            con.execute("SELECT count(*) FROM pib_release").fetchone()
            con.execute("SELECT mineral_id, count(*) FROM dim_hs_code GROUP BY 1").fetchall()
            con.execute("SELECT * FROM mart_policy_timeline LIMIT 5").fetchall()
            con.close()
            ok += 1
        except Exception as exc:  # any error at all is a failure of the design
            errors += 1
            print("ERROR", type(exc).__name__, exc, file=sys.stderr)
        time.sleep(0.01)
    print(ok, errors)
    """
)


def test_analyst_queries_never_fail_while_backfills_load_and_publish(tmp_path):
    wh = Warehouse(path=str(tmp_path / "w.duckdb"), reader_path=str(tmp_path / "r.duckdb"))
    res = {
        "http": HttpSources(
            mode="replay", snapshot_dir=str(REPO / "snapshot"), raw_dir=str(tmp_path / "raw")
        ),
        "warehouse": wh,
    }
    assert dg.materialize([dim_mineral, dim_hs_code, dim_country], resources=res).success
    WarehouseStore(wh.path).apply_marts()
    publish_reader(wh, "setup")

    script = tmp_path / "analyst.py"
    script.write_text(ANALYST)
    analyst = subprocess.Popen(
        [sys.executable, str(script), wh.reader_path, "12"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    tags = {
        "dagster/asset_partition_range_start": "2025-11-25",
        "dagster/asset_partition_range_end": "2025-11-27",
    }
    loads = 0
    try:
        time.sleep(0.5)
        deadline = time.time() + 9
        while time.time() < deadline:
            assert dg.materialize([pib_release], resources=res, tags=tags).success
            publish_reader(wh, f"load-{loads}")
            loads += 1
        out, err = analyst.communicate(timeout=60)
    finally:
        analyst.kill()
    ok, errors = map(int, out.split())
    assert analyst.returncode == 0, err
    assert errors == 0, err
    assert ok > 20 and loads >= 2

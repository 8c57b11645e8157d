"""The warehouse: migrations, atomic partition swaps, comments, publish, old-client compatibility."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from warehouse.store import WarehouseError, WarehouseStore, migrations


@pytest.fixture()
def store(tmp_path: Path) -> WarehouseStore:
    return WarehouseStore(tmp_path / "w.duckdb", tmp_path / "reader.duckdb")


def _log_rows(day: str, n: int, label: str = "a") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "table_name": [f"t_{label}_{i}" for i in range(n)],
            "partition_column": ["day"] * n,
            "partition_values": [[day]] * n,
            "rows_deleted": [0] * n,
            "rows_inserted": [i for i in range(n)],
            "run_id": [day] * n,
            "loaded_at": [datetime(2026, 1, 1, tzinfo=UTC)] * n,
        }
    )


def test_migrations_apply_once_and_are_recorded(store: WarehouseStore):
    applied = store.migrate()
    assert applied == [v for v, _, _ in migrations()]
    assert store.migrate() == []  # second start-up applies nothing
    with store.read() as con:
        versions = [
            r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
    assert versions == applied


def test_every_table_and_column_has_a_comment(store: WarehouseStore):
    store.migrate()
    with store.read() as con:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE comment IS NULL AND NOT internal "
            "AND database_name = current_database()"
        ).fetchall()
        cols = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
            "AND database_name = current_database() AND comment IS NULL"
        ).fetchall()
    assert tables == []
    assert cols == []


def _minerals(names: list[str]) -> pl.DataFrame:
    n = len(names)
    return pl.DataFrame(
        {
            "mineral_id": [x.lower() for x in names],
            "name": names,
            "symbol_or_group": ["X"] * n,
            "mineral_group": ["g"] * n,
            "in_mmdr_part_d": [True] * n,
            "in_list_since": [datetime(2023, 6, 28).date()] * n,
            "notes": [None] * n,
            "_source": ["test"] * n,
            "_raw_sha256": ["0" * 64] * n,
        },
        schema_overrides={"notes": pl.Utf8},
    )


def test_replace_partition_swaps_only_its_slice_and_is_idempotent(store: WarehouseStore):
    store.migrate()
    info = lambda keys, v: pl.DataFrame(  # noqa: E731
        {
            "key": keys,
            "value": [v] * len(keys),
            "updated_at": [datetime(2026, 1, 1, tzinfo=UTC)] * len(keys),
        }
    )
    store.replace_partition("dataset_info", info(["a", "b"], "1"), "key", ["a", "b"])
    store.replace_partition("dataset_info", info(["c"], "1"), "key", ["c"])
    r = store.replace_partition("dataset_info", info(["a", "b"], "2"), "key", ["a", "b"])
    assert (r.deleted, r.inserted) == (2, 2)
    again = store.replace_partition("dataset_info", info(["a", "b"], "2"), "key", ["a", "b"])
    assert (again.deleted, again.inserted) == (2, 2)
    with store.read() as con:
        rows = con.execute("SELECT key, value FROM dataset_info ORDER BY key").fetchall()
    assert rows == [("a", "2"), ("b", "2"), ("c", "1")]


def test_failed_load_leaves_previous_contents_intact(store: WarehouseStore):
    store.replace_partition("dim_mineral", _minerals(["Lithium", "Cobalt"]))
    bad = _minerals(["Nickel", "Nickel"])  # duplicate primary key: the insert fails
    with pytest.raises(duckdb.ConstraintException):
        store.replace_partition("dim_mineral", bad)
    with store.read() as con:
        names = [r[0] for r in con.execute("SELECT name FROM dim_mineral ORDER BY 1").fetchall()]
    assert names == ["Cobalt", "Lithium"]


def test_rows_outside_the_partition_are_refused(store: WarehouseStore):
    info = pl.DataFrame(
        {"key": ["x"], "value": ["1"], "updated_at": [datetime(2026, 1, 1, tzinfo=UTC)]}
    )
    with pytest.raises(WarehouseError, match="outside partition"):
        store.replace_partition("dataset_info", info, "key", ["y"])


def test_unknown_columns_are_refused(store: WarehouseStore):
    df = _minerals(["Tin"]).with_columns(pl.lit(1).alias("surprise"))
    with pytest.raises(WarehouseError, match="surprise"):
        store.replace_partition("dim_mineral", df)


READER_LOOP = textwrap.dedent(
    """
    import sys, time, duckdb
    path, seconds = sys.argv[1], float(sys.argv[2])
    con = duckdb.connect(path, read_only=True)   # held open for the whole run
    deadline = time.time() + seconds
    n = 0
    while time.time() < deadline:
        n += con.execute("SELECT count(*) FROM dim_mineral").fetchone()[0] >= 0
        time.sleep(0.02)
    print(n)
    """
)


def test_load_and_publish_while_a_reader_holds_the_reader_file(store: WarehouseStore, tmp_path):
    store.replace_partition("dim_mineral", _minerals(["Lithium"]))
    store.publish()
    script = tmp_path / "reader.py"
    script.write_text(READER_LOOP)
    reader = subprocess.Popen(
        [sys.executable, str(script), str(store.reader_path), "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.8)  # let it open the file
        for i in range(3):
            store.replace_partition("dim_mineral", _minerals(["Lithium", "Cobalt", f"M{i}"]))
            store.publish()
        out, err = reader.communicate(timeout=30)
    finally:
        reader.kill()
    assert reader.returncode == 0, err
    assert int(out.strip()) > 0
    con = duckdb.connect(str(store.reader_path), read_only=True)
    assert con.execute("SELECT count(*) FROM dim_mineral").fetchone()[0] == 3
    con.close()


def test_published_file_opens_in_duckdb_1_4_client(store: WarehouseStore):
    """The reader file opens in DuckDB 1.4 (installed by `python3 tasks.py test`)."""
    compat = os.environ.get("CMW_COMPAT_PYTHON")
    if not compat:
        if os.environ.get("CI"):
            pytest.fail("CMW_COMPAT_PYTHON is not set: run the suite with `python3 tasks.py test`")
        pytest.skip("no DuckDB 1.4 client configured (run via `python3 tasks.py test`)")
    store.replace_partition("dim_mineral", _minerals(["Lithium", "Cobalt"]))
    path = store.publish()
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, c.execute('SELECT count(*) FROM dim_mineral').fetchone()[0])"
    )
    out = subprocess.run([compat, "-c", code, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    version, rows = out.stdout.split()
    assert version.startswith("1.4") and rows == "2"
    # and the pinned client reads it too
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM dim_mineral").fetchone()[0] == 2
    con.close()


# --------------------------------------------------------------------------- shrink guard


def _guard_store(tmp_path):
    from warehouse.store import WarehouseStore

    store = WarehouseStore(tmp_path / "w.duckdb")
    store.execute_script("CREATE TABLE g (day VARCHAR, v INTEGER)")
    rows = pl.DataFrame({"day": ["d1"] * 10 + ["d2"] * 4, "v": list(range(14))})
    store.replace_partition("g", rows, "day", ["d1", "d2"])
    return store


def _day_rows(store, day):
    with store.read() as con:
        return con.execute("SELECT count(*) FROM g WHERE day = ?", [day]).fetchone()[0]


def test_shrink_guard_refuses_to_empty_a_slice_and_keeps_the_old_rows(tmp_path):
    from warehouse.store import PartitionWrite, ShrinkGuardError

    store = _guard_store(tmp_path)
    empty = pl.DataFrame(schema={"day": pl.Utf8, "v": pl.Int32})
    with pytest.raises(ShrinkGuardError, match=r"g \(day=d1\) would empty it \(10 -> 0 rows"):
        store.replace_partitions([PartitionWrite("g", empty, "day", ["d1"], guard=True)])
    assert _day_rows(store, "d1") == 10


def test_shrink_guard_checks_each_partition_value_of_a_range(tmp_path):
    from warehouse.store import PartitionWrite, ShrinkGuardError

    store = _guard_store(tmp_path)
    # d1 grows, d2 loses 3 of 4 rows: the range as a whole shrinks little, d2 a lot
    frame = pl.DataFrame({"day": ["d1"] * 12 + ["d2"], "v": list(range(13))})
    with pytest.raises(ShrinkGuardError, match=r"day=d2\) would shrink it by 75%"):
        store.replace_partitions([PartitionWrite("g", frame, "day", ["d1", "d2"], guard=True)])
    assert (_day_rows(store, "d1"), _day_rows(store, "d2")) == (10, 4)


def test_shrink_within_the_fraction_or_explicitly_allowed_loads(tmp_path):
    from warehouse.store import PartitionWrite, ShrinkPolicy

    store = _guard_store(tmp_path)
    seven = pl.DataFrame({"day": ["d1"] * 7, "v": list(range(7))})  # 30% smaller: allowed
    store.replace_partitions([PartitionWrite("g", seven, "day", ["d1"], guard=True)])
    assert _day_rows(store, "d1") == 7
    empty = pl.DataFrame(schema={"day": pl.Utf8, "v": pl.Int32})
    store.replace_partitions(
        [PartitionWrite("g", empty, "day", ["d1"], guard=True)], shrink=ShrinkPolicy(allow=True)
    )
    assert _day_rows(store, "d1") == 0
    # unguarded writes (failure logs, derived rows) are never blocked
    store.replace_partitions([PartitionWrite("g", empty, "day", ["d2"])])
    assert _day_rows(store, "d2") == 0


# --------------------------------------------------------------------------- locks and temp files


def test_a_writer_file_held_open_by_another_program_fails_clearly_and_writes_nothing(tmp_path):
    from warehouse.store import WarehouseLockedError

    store = WarehouseStore(tmp_path / "w.duckdb", tmp_path / "r.duckdb", open_timeout_s=1.0)
    store.execute_script("CREATE TABLE t (x INTEGER)")
    holder = subprocess.Popen(  # an analyst's client opened on the writer file by mistake
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " time.sleep(60)",
            str(store.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError, match=r"cannot open the writer file .*w\.duckdb"):
            store.replace_partition("t", pl.DataFrame({"x": [1]}))
        assert time.monotonic() - started < 20
    finally:
        holder.kill()
        holder.wait()
    assert store.table_counts()["t"] == 0


def test_publish_removes_temp_files_a_killed_publish_left_behind(tmp_path):
    store = WarehouseStore(tmp_path / "w.duckdb", tmp_path / "pub" / "r.duckdb")
    store.execute_script("CREATE TABLE t (x INTEGER)")
    (tmp_path / "pub").mkdir()
    left = tmp_path / "pub" / ".r.duckdb.4242.tmp"
    left.write_bytes(b"x" * 1000)
    store.publish()
    assert not left.exists()
    assert sorted(p.name for p in (tmp_path / "pub").iterdir()) == ["r.duckdb"]

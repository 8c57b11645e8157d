"""Marts are tables built at refresh time: they hold the rows the views they replace returned,
and a refresh redoes only what its inputs changed (a PIB day never rebuilds the trade marts;
a trade period rebuilds only that period's slices)."""

from __future__ import annotations

import itertools
import math
import os
import random
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.marts.assets import mart_assets
from pipelines.resources import Warehouse
from warehouse.mart_build import MartDefinitionError, mart_definitions, parse_mart
from warehouse.store import PartitionWrite, WarehouseStore

from . import _synthetic as syn
from ._snapshot import build_snapshot_warehouse

OLD_VIEWS = Path(__file__).with_name("views_before_tables.sql")
DEFINITIONS = mart_definitions()
MARTS = [d.name for d in DEFINITIONS]
VIEW_MARTS = re.findall(r"CREATE OR REPLACE VIEW (\w+)", OLD_VIEWS.read_text())
"""The marts that were views before (later marts were tables from the start)."""
TRADE_MARTS = {
    "mart_import_dependence",
    "mart_supplier_concentration",
    "_mart_import_by_code",
    "_mart_partner_trade",
}
EXAMPLES = int(os.environ.get("CMW_MART_EXAMPLES", "4"))


# ----------------------------------------------------------------------------- helpers


def _db(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchone()[0]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):  # lists the SQL builds in no set order
        return _same(tuple(sorted(a, key=repr)), tuple(sorted(b, key=repr)))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _unordered(columns: list[str], row: tuple) -> tuple:
    """string_agg(DISTINCT ...) without ORDER BY: the views gave its parts in any order."""
    return tuple(
        ", ".join(sorted(v.split(", "))) if c == "event_types" and isinstance(v, str) else v
        for c, v in zip(columns, row, strict=True)
    )


def assert_tables_equal_old_views(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every mart table == the old view's query on the same data (the old views as temp views
    that shadow the tables, so they read each other as they used to)."""
    db = _db(con)
    con.execute(OLD_VIEWS.read_text().replace("CREATE OR REPLACE VIEW", "CREATE TEMP VIEW"))
    rows = {}
    try:
        for mart in VIEW_MARTS:
            table_cols = con.execute(f'DESCRIBE "{db}".main."{mart}"').fetchall()
            view_cols = con.execute(f'DESCRIBE temp.main."{mart}"').fetchall()
            assert [c[:2] for c in table_cols] == [c[:2] for c in view_cols], mart
            got = con.execute(f'SELECT * FROM "{db}".main."{mart}" ORDER BY ALL').fetchall()
            want = con.execute(f'SELECT * FROM temp.main."{mart}" ORDER BY ALL').fetchall()
            assert len(got) == len(want), (mart, len(got), len(want))
            names = [c[0] for c in table_cols]
            for g, w in zip(got, want, strict=True):
                g, w = _unordered(names, g), _unordered(names, w)
                diff = {n: (x, y) for n, x, y in zip(names, g, w, strict=True) if not _same(x, y)}
                if diff and _a_tie(con, db, mart, dict(zip(names, g, strict=True)), diff):
                    continue
                assert not diff, f"{mart} {g[:4]}: table vs view {diff}"
            rows[mart] = len(got)
    finally:
        for mart in VIEW_MARTS:
            con.execute(f'DROP VIEW IF EXISTS temp.main."{mart}"')
    return rows


def _a_tie(con, db: str, mart: str, row: dict, diff: dict) -> bool:
    """The view's arg_max picked either of two tied maxima; the table picks one for good."""
    dep = f'"{db}".main.mart_import_dependence'
    if mart == "mart_partner_profile" and set(diff) == {"top_mineral"}:
        n = con.execute(
            f"SELECT count(DISTINCT mineral_name) FROM {dep} WHERE freq = 'A' AND "
            "partner_code = ? AND ref_year = ? AND import_value_usd = ? AND mineral_name IN (?, ?)",
            [
                row["area_code"],
                row["ref_year"],
                row["top_mineral_imports_usd"],
                *diff["top_mineral"],
            ],
        ).fetchone()[0]
        return n == 2
    if mart == "mart_supplier_concentration" and set(diff) == {"top_supplier"}:
        key = [row["mineral_id"], row["freq"], row["period"]]
        n = con.execute(
            f"SELECT count(DISTINCT partner_name) FROM {dep} WHERE mineral_id = ? AND freq = ? "
            "AND period = ? AND partner_name IN (?, ?) AND import_value_usd = (SELECT "
            f"max(import_value_usd) FROM {dep} WHERE mineral_id = ? AND freq = ? AND period = ?)",
            [*key, *diff["top_supplier"], *key],
        ).fetchone()[0]
        return n == 2
    return False


def modes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, list[str]]]:
    return {
        t: (m, s)
        for t, m, s in con.execute("SELECT table_name, mode, slices FROM _mart_build").fetchall()
    }


def assert_row_counts_match(con: duckdb.DuckDBPyConnection) -> None:
    for table, rows in con.execute("SELECT table_name, rows FROM _mart_build").fetchall():
        assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == rows, table


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated, empty warehouse file to copy (migrations run once per module)."""
    path = tmp_path_factory.mktemp("template") / "t.duckdb"
    WarehouseStore(path).migrate()
    return path


@pytest.fixture(scope="module")
def base(template, tmp_path_factory) -> Path:
    """The synthetic warehouse (seed 0) with its marts built, to copy."""
    path = tmp_path_factory.mktemp("base") / "b.duckdb"
    shutil.copyfile(template, path)
    store, _ = syn.new_warehouse(path, seed=0)
    store.apply_marts(run_id="base")
    return path


_FILES = itertools.count()


def _store(base: Path, tmp: Path, seed: int) -> tuple[WarehouseStore, random.Random]:
    """A copy of the base warehouse, and the random source of the changes a test makes."""
    path = tmp / f"w{next(_FILES)}.duckdb"
    shutil.copyfile(base, path)
    return WarehouseStore(path), random.Random(seed)


# ----------------------------------------------------------------------------- definitions


def _relations(sql: str) -> set[str]:
    sql = re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", sql))  # no comments, strings
    refs = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)\b(?!\.)", sql, flags=re.I))
    ctes = set(re.findall(r"\b(\w+)(?:\s*\([\w\s,]*\))?\s+AS\s*\(", sql, flags=re.I))
    return refs - ctes - {"range", "UNNEST"}


def test_every_stage_declares_every_table_it_reads(template):
    con = duckdb.connect(str(template), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = dict(con.execute("SELECT view_name, sql FROM duckdb_views()").fetchall())
    finally:
        con.close()
    built = {s.table for d in DEFINITIONS for s in d.stages}
    for d in DEFINITIONS:
        for stage in d.stages:
            for ref in _relations(stage.query):
                under = _relations(views[ref]) if ref in views else {ref}
                missing = under - set(stage.inputs)
                assert not missing, f"{d.path.name}: {stage.table} reads {ref} -> {missing}"
            for t in stage.inputs:
                assert t in tables or t in built, f"{d.path.name}: unknown input {t}"


def test_a_file_that_breaks_the_format_is_named(tmp_path):
    bad = tmp_path / "07_mart_x.sql"
    bad.write_text("CREATE OR REPLACE TABLE mart_x AS SELECT 1 AS a;\n")
    with pytest.raises(MartDefinitionError, match=r"07_mart_x.sql: table mart_x has no @inputs"):
        parse_mart(bad)
    bad.write_text("-- @inputs dim_mineral\nCREATE OR REPLACE VIEW mart_x AS SELECT 1 AS a;\n")
    with pytest.raises(MartDefinitionError, match="07_mart_x.sql: expected CREATE OR REPLACE"):
        parse_mart(bad)


def test_marts_are_commented_tables(template, tmp_path):
    store = WarehouseStore(tmp_path / "w.duckdb")
    shutil.copyfile(template, store.path)
    store.apply_marts()
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        for d in DEFINITIONS:
            for table in d.tables:
                row = con.execute(
                    "SELECT comment FROM duckdb_tables() WHERE table_name = ?", [table]
                ).fetchone()
                assert row and row[0], table
                bare = con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                    "AND (comment IS NULL OR comment = '')",
                    [table],
                ).fetchall()
                assert bare == [], (table, bare)
        assert (
            con.execute(
                "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'mart_%'"
            ).fetchone()[0]
            == 0
        )
    finally:
        con.close()


# ----------------------------------------------------------------------------- the snapshot


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Warehouse:
    wh = build_snapshot_warehouse(tmp_path_factory.mktemp("snapshot"))
    WarehouseStore(wh.path).apply_marts(run_id="first")
    return wh


def test_on_the_snapshot_the_tables_hold_what_the_views_returned(snapshot):
    with WarehouseStore(snapshot.path).read() as con:
        rows = assert_tables_equal_old_views(con)
        assert_row_counts_match(con)
        mirror = con.execute("SELECT count(*) FROM fact_trade_flow WHERE reporter_code <> 699")
        assert mirror.fetchone()[0] > 0  # partners' mirror reports are there, and left out
    # the snapshot exercises every mart
    assert all(rows[m] > 0 for m in VIEW_MARTS), rows
    assert rows["mart_event_trade_context"] > 20


def test_on_the_snapshot_a_pib_day_rebuilds_only_the_event_marts(snapshot):
    store = WarehouseStore(snapshot.path)
    with store.read() as con:
        day = con.execute(
            "SELECT max(release_date) FROM policy_event WHERE origin = 'pib'"
        ).fetchone()[0]
        slice_ = f"pib:{day.isoformat()}"
        frames = {
            t: con.execute(
                f"SELECT * EXCLUDE (_run_id, _loaded_at) FROM {t} WHERE load_slice = ?", [slice_]
            ).pl()
            for t in ("policy_event", "event_mineral", "event_country", "event_amount")
        }
    first = frames["policy_event"]["event_id"][0]  # the day loses one event
    store.replace_partitions(
        [
            PartitionWrite(t, f.filter(f["event_id"] != first), "load_slice", [slice_])
            for t, f in frames.items()
        ],
        run_id="pib-day",
    )
    store.apply_marts(run_id="refresh")
    with store.read() as con:
        got = modes(con)
        rebuilt = con.execute(
            "SELECT DISTINCT table_name FROM _load_log WHERE run_id = 'refresh'"
        ).fetchall()
        assert_tables_equal_old_views(con)
    for t in TRADE_MARTS:
        assert got[t][0] == "unchanged", (t, got[t])
    for t in ("mart_policy_timeline", "mart_event_trade_context", "mart_partner_profile"):
        assert got[t][0] == "full", (t, got[t])
    assert {r[0] for r in rebuilt} == {
        "mart_policy_timeline",
        "mart_event_trade_context",
        "mart_partner_profile",
    }


# ----------------------------------------------------------------------------- incremental


def test_a_trade_period_rebuilds_only_its_slices(base, tmp_path):
    store, rng = _store(base, tmp_path, seed=1)
    store.replace_partitions([syn.trade_write(rng, "M:202403", 25)], run_id="load")
    store.apply_marts(run_id="refresh")
    with store.read() as con:
        got = modes(con)
        assert_tables_equal_old_views(con)
        assert_row_counts_match(con)
    for t in TRADE_MARTS:
        assert got[t] == ("slices", ["M:202403"]), (t, got[t])
    assert got["mart_policy_timeline"][0] == "unchanged"
    assert got["mart_event_trade_context"][0] == "full"  # its windows span periods


def test_a_new_dimension_or_definition_rebuilds_everything(base, tmp_path):
    store, _ = _store(base, tmp_path, seed=2)
    store.replace_partition("dim_hs_code", syn.dim_hs_code(drop={("250410", "H6", "graphite")}))
    store.apply_marts()
    with store.read() as con:
        got = modes(con)
        assert_tables_equal_old_views(con)
    assert got["mart_import_dependence"][0] == "full"
    assert got["_mart_import_by_code"][0] == "unchanged"  # it reads no dimension
    # an edited SQL file: its mart is rebuilt whole, even with no new load
    edited = tmp_path / DEFINITIONS[0].path.name
    edited.write_text("-- edited\n" + DEFINITIONS[0].sql)
    build = store.build_mart(parse_mart(edited))
    assert build.mode == "full" and "definition changed" in build.result.reason


def test_a_warehouse_from_before_gets_tables_and_a_rewritten_ledger_a_full_build(base, tmp_path):
    store, _ = _store(base, tmp_path, seed=3)
    with store.connect() as con:  # as before migration 0008: the marts were views, no ledger
        con.execute("DELETE FROM _mart_build")
        for d in reversed(DEFINITIONS):
            for t in d.tables:
                con.execute(f'DROP TABLE "{t}"')
        con.execute(OLD_VIEWS.read_text())
    store.apply_marts()
    with store.read() as con:
        kinds = dict(
            con.execute(
                "SELECT table_name, 'table' FROM duckdb_tables() "
                "UNION ALL SELECT view_name, 'view' FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        )
        assert_tables_equal_old_views(con)
    for d in DEFINITIONS:
        assert all(kinds[t] == "table" for t in d.tables), kinds
    with store.connect() as con:  # a ledger that lost rows: nothing can be trusted
        con.execute("DELETE FROM _load_log WHERE table_name = 'fact_trade_flow'")
    builds = {d.name: store.build_mart(d) for d in DEFINITIONS}
    assert all(b.mode == "full" and "_load_log holds" in b.result.reason for b in builds.values())


def test_a_mart_whose_upstream_mart_was_never_built_builds_it_first(template, tmp_path):
    # a new warehouse whose first refresh selects only the event marts (after a PIB load)
    path = tmp_path / "fresh.duckdb"
    shutil.copyfile(template, path)
    store, _ = syn.new_warehouse(path, seed=6)
    profile = next(d for d in DEFINITIONS if d.name == "mart_partner_profile")
    build = store.build_mart(profile)
    assert [u.mart for u in build.upstream] == ["mart_import_dependence"]
    assert build.mode == "full" and build.rows > 0
    again = store.build_mart(profile)
    assert again.upstream == [] and again.mode == "unchanged"


def test_a_failed_build_leaves_the_tables_and_the_ledger_as_they_were(base, tmp_path):
    store, rng = _store(base, tmp_path, seed=4)
    store.replace_partitions([syn.trade_write(rng, "A:2023", 30)])
    d = next(d for d in DEFINITIONS if d.name == "mart_event_trade_context")
    broken = tmp_path / d.path.name
    broken.write_text(d.sql.replace("FROM pairs p\nLEFT JOIN", "FROM no_such_table p\nLEFT JOIN"))
    with store.read() as con:
        before = con.execute("SELECT * FROM _mart_build ORDER BY ALL").fetchall()
        helper = con.execute("SELECT * FROM _mart_import_by_code ORDER BY ALL").fetchall()
    with pytest.raises(duckdb.CatalogException, match="no_such_table"):
        store.build_mart(parse_mart(broken))
    with store.read() as con:
        assert con.execute("SELECT * FROM _mart_build ORDER BY ALL").fetchall() == before
        assert con.execute("SELECT * FROM _mart_import_by_code ORDER BY ALL").fetchall() == helper
    store.apply_marts()  # the good definition then catches up
    with store.read() as con:
        assert modes(con)["_mart_import_by_code"] == ("slices", ["A:2023"])
        assert_tables_equal_old_views(con)


OPS = ("trade", "new_period", "empty_period", "pib_day", "hs_code", "country", "nothing")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**16), ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=4))
def test_any_sequence_of_loads_and_refreshes_gives_the_views_rows(base, tmp_path, seed, ops):
    store, rng = _store(base, tmp_path, seed)
    prids = syn.catalogue_prids()
    for i, op in enumerate(ops):
        writes: list[PartitionWrite] = []
        keys: list[str] = []
        if op in ("trade", "new_period", "empty_period"):
            pool = syn.TRADE_PERIODS if op != "new_period" else ["A:2020", "M:202501"]
            keys = rng.sample(pool, k=1 if op != "trade" else 2)
            n = 0 if op == "empty_period" else rng.randint(1, 30)
            writes = [syn.trade_write(rng, k, n) for k in keys]
        elif op == "pib_day":
            writes = syn.pib_event_writes(rng, rng.choice(syn.PIB_DAYS), rng.randint(0, 3), prids)
        elif op == "hs_code":
            drop = {("250410", "H6", "graphite"), ("282200", "H5", "cobalt")}
            writes = [PartitionWrite("dim_hs_code", syn.dim_hs_code(drop if i % 2 else set()))]
        elif op == "country":
            writes = [PartitionWrite("dim_country", syn.dim_country({36: f"Australia {i}"}))]
        if writes:
            store.replace_partitions(writes, run_id=f"op{i}")
        store.apply_marts(run_id=f"refresh{i}")
        with store.read() as con:
            assert_tables_equal_old_views(con)
            assert_row_counts_match(con)
            got = modes(con)
        if op in ("trade", "new_period", "empty_period"):
            for t in TRADE_MARTS:
                assert got[t] == ("slices", sorted(keys)), (op, t, got[t])
            assert got["mart_policy_timeline"][0] == "unchanged"
        elif op == "pib_day":
            assert all(got[t][0] == "unchanged" for t in TRADE_MARTS), got
        elif op == "nothing":
            assert all(m == "unchanged" for m, _ in got.values()), got


# ----------------------------------------------------------------------------- assets


def test_mart_asset_metadata_comes_from_the_build(base, tmp_path):
    store, rng = _store(base, tmp_path, seed=5)
    wh = Warehouse(path=str(store.path), reader_path=str(tmp_path / "r.duckdb"))
    by_name = {a.key.path[-1]: a for a in mart_assets}
    first = dg.materialize([by_name["mart_import_dependence"]], resources={"warehouse": wh})
    meta = first.asset_materializations_for_node("mart_import_dependence")[0].metadata
    with store.read() as con:
        rows = con.execute("SELECT count(*) FROM mart_import_dependence").fetchone()[0]
    assert meta["rows"].value == rows > 0  # from the ledger: nothing changed since the base
    assert meta["build_mode"].value == "unchanged"
    store.replace_partitions([syn.trade_write(rng, "A:2022", 12)])
    again = dg.materialize([by_name["mart_import_dependence"]], resources={"warehouse": wh})
    meta = again.asset_materializations_for_node("mart_import_dependence")[0].metadata
    with store.read() as con:
        rows = con.execute("SELECT count(*) FROM mart_import_dependence").fetchone()[0]
        logged = con.execute(
            "SELECT partition_values FROM _load_log WHERE table_name = 'mart_import_dependence' "
            "AND run_id = ?",
            [again.run_id],
        ).fetchall()
    assert meta["rows"].value == rows
    assert meta["build_mode"].value == "slices" and meta["slices"].value == "A:2022"
    assert logged == [(["A:2022"],)]

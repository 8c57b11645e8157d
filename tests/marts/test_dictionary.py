"""The data dictionary matches the warehouse exactly, and every object is documented."""

import duckdb
import pytest

from warehouse.dictionary import DICTIONARY, MissingCommentError, build_from_schema, generate


def test_dictionary_file_is_current():
    assert DICTIONARY.read_text(encoding="utf-8") == build_from_schema(), (
        "docs/data_dictionary.md is stale: run `python -m warehouse.dictionary`"
    )


def test_every_table_view_and_column_is_in_the_dictionary():
    text = DICTIONARY.read_text(encoding="utf-8")
    import tempfile
    from pathlib import Path

    from warehouse.store import WarehouseStore

    with tempfile.TemporaryDirectory() as tmp:
        store = WarehouseStore(Path(tmp) / "s.duckdb")
        store.migrate()
        store.apply_marts()
        con = duckdb.connect(str(store.path), read_only=True)
        cols = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
            "AND database_name = current_database()"
        ).fetchall()
        con.close()
    assert len(cols) > 150
    for table, col in cols:
        assert f"## {table}" in text and f"| `{col}` |" in text, (table, col)


def test_an_undocumented_column_is_an_error():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER, b INTEGER)")
    con.execute("COMMENT ON TABLE t IS 'documented table'")
    con.execute("COMMENT ON COLUMN t.a IS 'documented column'")
    with pytest.raises(MissingCommentError, match=r"t\.b"):
        generate(con)

"""Export the analyst tables and marts to Parquet and/or CSV, for people outside DuckDB.

    cmw export --out exports/ --format parquet   # or csv, or both

Reads the published reader file (read-only), never the writer's file. One file per table or
view: the dimensions, the facts, the events and their bridges, and every mart.
"""

from pathlib import Path

import duckdb

EXPORTED_PREFIXES = ("dim_", "fact_", "pib_", "policy_event", "event_", "mart_", "dataset_info")


def exportable(con: duckdb.DuckDBPyConnection) -> list[str]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
        ).fetchall()
    ]
    return [n for n in names if n.startswith(EXPORTED_PREFIXES)]


def export(reader_path: Path, out_dir: Path, formats: tuple[str, ...] = ("parquet",)) -> dict:
    """Write every exportable table/view; returns {file name: rows}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    con = duckdb.connect(str(reader_path), read_only=True)
    try:
        for name in exportable(con):
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for fmt in formats:
                target = out_dir / f"{name}.{fmt}"
                tmp = target.with_name(target.name + ".tmp")
                options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
                con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{tmp}' ({options})")
                tmp.replace(target)
                written[target.name] = rows
    finally:
        con.close()
    return written

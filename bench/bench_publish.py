"""Bench: publishing the analyst reader file at 10M trade rows, and the alternatives.

Publishing must leave analysts who have the old reader file open undisturbed (they keep a
consistent view) and give every new session the whole new warehouse, so a publish writes a new
file and renames it into place. On the base warehouse of ``bench_marts`` (marts built, then
one PIB day's event slice swapped and the marts refreshed, as after a nightly load):

* **figure** ``publish.full_copy``: ``WarehouseStore.publish()`` as the pipeline runs it
  (CHECKPOINT, byte copy to a temp file, fsync, atomic rename);
* **peer** ``publish.changed_tables``: the cheapest way to write only what changed: a copy of
  the previous reader file (the old one cannot be edited in place: analysts hold it open) with
  the changed tables replaced through ``ATTACH`` (``CREATE OR REPLACE TABLE r.t AS SELECT * FROM
  w.t``), fsync, rename; the copy and the table replacement are reported apart;
* extra: the phases of the publish; the same copy through the page cache (``shutil.copyfile``,
  what publish did before it wrote with O_DIRECT); ``COPY FROM DATABASE`` of the whole
  warehouse into a new file (DuckDB rewrites every table).

    python -m bench.bench_publish [--n 10000000] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from bench._result import emit, result, say, timed
from bench.bench_marts import DEFAULT_N, EVENTS, QUICK_EVENTS, QUICK_N, base_warehouse

CHANGED = (  # what a PIB day and its refresh rewrite
    "policy_event",
    "event_mineral",
    "event_country",
    "event_amount",
    "event_hs_code",
    "mart_policy_timeline",
    "mart_event_trade_context",
    "mart_partner_profile",
    "dataset_info",
    "_load_log",
    "_mart_build",
)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _prepare(base: Path, work: Path) -> Path:
    """The writer after a refresh: marts built, one PIB day swapped, marts refreshed."""
    from warehouse.store import PartitionWrite, WarehouseStore

    writer = work / "cmw_writer.duckdb"
    shutil.copyfile(base, writer)
    store = WarehouseStore(writer, work / "cmw_reader.duckdb")
    say("publish: building the marts (untimed)")
    store.apply_marts(run_id="bench-full")
    with store.read() as con:
        day = con.execute("SELECT max(load_slice) FROM policy_event").fetchone()[0]
        frames = {
            t: con.execute(
                f"SELECT * EXCLUDE (_run_id, _loaded_at) FROM {t} WHERE load_slice = ?", [day]
            ).pl()
            for t in ("policy_event", "event_mineral", "event_country", "event_amount")
        }
    store.replace_partitions(
        [PartitionWrite(t, f, "load_slice", [day]) for t, f in frames.items()], run_id="pib"
    )
    store.apply_marts(run_id="bench-refresh")
    return writer


def _changed_tables(writer: Path, previous: Path, work: Path) -> tuple[float, float]:
    """(copy of the previous reader, replacement of the changed tables) in seconds."""
    import duckdb

    from warehouse.store import copy_for_publish

    tmp = work / "changed.tmp"
    copy_s, _ = timed(lambda: copy_for_publish(previous, tmp))

    def replace() -> None:
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{writer}' AS w (READ_ONLY)")
            con.execute(f"ATTACH '{tmp}' AS r")
            con.execute("BEGIN TRANSACTION")
            for t in CHANGED:
                con.execute(f'CREATE OR REPLACE TABLE r."{t}" AS SELECT * FROM w."{t}"')
            con.execute("COMMIT")
            con.execute("CHECKPOINT r")
        finally:
            con.close()
        _fsync(tmp)
        os.replace(tmp, work / "changed.duckdb")

    replace_s, _ = timed(replace)
    return copy_s, replace_s


def _copy_database(writer: Path, work: Path) -> float:
    import duckdb

    from warehouse.store import STORAGE_VERSION

    target = work / "copied.duckdb"

    def go() -> None:
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{writer}' AS w (READ_ONLY)")
            con.execute(f"ATTACH '{target}' AS r (STORAGE_VERSION '{STORAGE_VERSION}')")
            con.execute("COPY FROM DATABASE w TO r")
        finally:
            con.close()
        _fsync(target)

    return timed(go)[0]


def run(n: int | None = None, quick: bool = False) -> list[dict]:
    from warehouse.store import WarehouseStore

    n = n or (QUICK_N if quick else DEFAULT_N)
    base, info = base_warehouse(n, QUICK_EVENTS if quick else EVENTS, quick)
    work = Path(tempfile.mkdtemp(prefix="cmw-bench-publish-"))
    try:
        writer = _prepare(base, work)
        store = WarehouseStore(writer, work / "cmw_reader.duckdb")
        store.publish()  # the previous reader file, untimed
        previous = work / "previous.duckdb"
        shutil.copyfile(store.reader_path, previous)
        say("publish: full copy (the store's publish)")
        parts: dict[str, float] = {}
        publish_s, _ = timed(lambda: store.publish(timings=parts))
        say("publish: the same copy through the page cache (shutil.copyfile)")
        copy_s, _ = timed(lambda: shutil.copyfile(writer, work / "plain.copy"))
        fsync_s, _ = timed(lambda: _fsync(work / "plain.copy"))
        say("publish: copy of the previous reader + changed tables replaced")
        prev_copy_s, replace_s = _changed_tables(writer, previous, work)
        say("publish: COPY FROM DATABASE into a new file")
        copy_db_s = _copy_database(writer, work)
        size_gb = writer.stat().st_size / 1e9
    finally:
        shutil.rmtree(work, ignore_errors=True)
    params = {
        "fact_rows": info["fact_rows"],
        "events": info["events"],
        "file_gb": round(size_gb, 2),
    }
    return [
        result(
            "publish",
            "publish.full_copy_vs_changed_tables",
            unit="s",
            figure=publish_s,
            baseline=prev_copy_s + replace_s,
            baseline_kind="peer",
            figure_what="WarehouseStore.publish(): checkpoint, byte copy of the writer file to a "
            "temp file, fsync, atomic rename",
            baseline_what="copy of the previous reader file (same copy), then only the tables a "
            "PIB day changes replaced through ATTACH, checkpoint, fsync, rename",
            params={**params, "changed_tables": list(CHANGED)},
            extra={
                "publish_parts_s": {k: round(v, 3) for k, v in parts.items()},
                "buffered_copy_s": {"copy": round(copy_s, 3), "fsync": round(fsync_s, 3)},
                "changed_tables_parts_s": {
                    "copy_previous": round(prev_copy_s, 3),
                    "replace_changed": round(replace_s, 3),
                },
                "copy_from_database_s": round(copy_db_s, 3),
            },
            quick=quick,
        )
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help=f"fact rows (default {DEFAULT_N:,})")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = ap.parse_args(argv)
    for line in run(args.n, args.quick):
        emit(line)


if __name__ == "__main__":
    main()

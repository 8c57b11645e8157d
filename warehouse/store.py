"""The DuckDB warehouse: migrations, atomic partition swaps, and the published reader file.

* One writer file (``path``). Writers are serialised three ways: the Dagster pool ``warehouse``
  (limit 1), single-run backfills, and an OS file lock held for every write here.
* ``replace_partition`` deletes a partition's slice and inserts the new frame **by column name**
  in one transaction, so a crash leaves the old slice intact and a rerun gives the same rows.
* ``publish`` copies the checkpointed writer file to ``reader_path`` via a temp file and an
  atomic rename: analysts open the reader file and never hold a lock on the writer's file.
* Files are created with ``STORAGE_VERSION`` pinned so DuckDB 1.4+ clients can open them.
"""

from __future__ import annotations

import fcntl
import functools
import mmap
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from warehouse.mart_build import (
    MARTS_DIR,  # noqa: F401 (re-exported: tests and benches import it from here)
    MartBuild,
    MartDefinition,
    build_mart,
    mart_definitions,
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
STORAGE_VERSION = "v1.4.0"  # oldest DuckDB line that must open our files
_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class WarehouseError(Exception):
    pass


class WarehouseLockedError(WarehouseError):
    """Another process holds the writer file (or the pipeline's write lock) for too long."""


class ShrinkGuardError(WarehouseError):
    """A swap would empty or shrink a partition slice beyond the allowed fraction.

    Raised before anything is written (the transaction rolls back, the old slice stays).
    """

    def __init__(
        self,
        table: str,
        column: str | None,
        value: object,
        before: int,
        after: int,
        max_fraction: float,
    ):
        self.table, self.column, self.value = table, column, value
        self.before, self.after, self.max_fraction = before, after, max_fraction
        where = f"{column}={value}" if column else "whole table"
        what = "empty it" if after == 0 else f"shrink it by {1 - after / before:.0%}"
        super().__init__(
            f"shrink guard: loading {table} ({where}) would {what} ({before} -> {after} rows; "
            f"allowed shrink {max_fraction:.0%}). The previous rows are kept. If the source "
            "really lost these rows, rerun with run config allow_shrink: true."
        )


@dataclass(frozen=True)
class ShrinkPolicy:
    """How much a guarded slice may shrink in one swap.

    A non-empty slice never becomes empty, and never loses more than ``max_fraction`` of its
    rows, unless ``allow`` is set (run config ``allow_shrink``).
    """

    max_fraction: float = 0.5
    allow: bool = False


@dataclass(frozen=True)
class PartitionWrite:
    """One table's slice to swap: rows of ``frame`` replace rows where ``column IN values``.

    ``column=None`` replaces the whole table (unpartitioned dimensions).
    """

    table: str
    frame: pl.DataFrame
    column: str | None = None
    values: Sequence[object] = ()
    guard: bool = False
    """Apply the shrink guard (source facts and dimensions; not failure logs or derived rows)."""


@dataclass(frozen=True)
class WriteResult:
    table: str
    deleted: int
    inserted: int


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration file, in order."""
    names = tuple(sorted(f.name for f in MIGRATIONS_DIR.glob("*.sql")))
    return list(_read_migrations(names))


@functools.lru_cache(maxsize=4)
def _read_migrations(names: tuple[str, ...]) -> tuple[tuple[int, str, str], ...]:
    out = []
    for f in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = _MIGRATION_RE.match(f.name)
        if not m:
            raise WarehouseError(f"migration file name {f.name!r} must look like 0001_name.sql")
        out.append((int(m.group(1)), f.name, f.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in out]
    if len(set(versions)) != len(versions):
        raise WarehouseError(f"duplicate migration numbers in {MIGRATIONS_DIR}")
    return tuple(out)


_DIRECT_CHUNK = 8 << 20  # bytes per write; a multiple of every device block size


def copy_for_publish(src: Path, dst: Path) -> None:
    """Copy ``src`` to a new file ``dst`` byte for byte, writing with O_DIRECT where the file
    system allows it (an ordinary copy where it does not).

    A buffered copy of the 1.3 GB writer file first fills 1.3 GB of fresh page cache for a file
    nobody has read yet; on the 2-core VM the project is measured on that made one copy take
    0.4 to 9 s, against a steady 1 s written directly (bench/bench_publish.py). The caller
    fsyncs and renames as before.
    """
    flag = getattr(os, "O_DIRECT", 0)
    try:
        out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | flag, 0o644) if flag else -1
    except OSError:
        out = -1
    if out < 0:
        shutil.copyfile(src, dst)
        return
    buf = mmap.mmap(-1, _DIRECT_CHUNK)  # page-aligned, as O_DIRECT needs
    src_fd = os.open(src, os.O_RDONLY)
    try:
        offset = 0
        while True:
            n = os.preadv(src_fd, [buf], offset)
            if n == 0:
                break
            if n % 4096:  # an unaligned tail: write it through the page cache
                os.close(out)
                out = os.open(dst, os.O_WRONLY)
                os.pwrite(out, memoryview(buf)[:n], offset)
            else:
                os.pwritev(out, [memoryview(buf)[:n]], offset)
            offset += n
    except OSError:
        os.close(out)
        out = -1
        shutil.copyfile(src, dst)  # O_DIRECT refused mid-way (alignment rules): plain copy
    finally:
        os.close(src_fd)
        if out >= 0:
            os.close(out)
        buf.close()


class WarehouseStore:
    """Plain-Python warehouse; the Dagster resource in pipelines.resources wraps it."""

    def __init__(
        self,
        path: str | Path,
        reader_path: str | Path | None = None,
        *,
        lock_timeout_s: float = 600.0,
        open_timeout_s: float = 30.0,
    ) -> None:
        """``lock_timeout_s``: how long a write waits for another pipeline write to finish;
        ``open_timeout_s``: how long it retries a writer file held open by another program."""
        self.path = Path(path)
        self.reader_path = Path(reader_path) if reader_path else None
        self.lock_timeout_s = lock_timeout_s
        self.open_timeout_s = open_timeout_s

    # -- connections --------------------------------------------------------------------

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "w") as fh:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WarehouseLockedError(
                            f"[warehouse] another pipeline write has held {lock_path} for more "
                            f"than {self.lock_timeout_s:.0f} s; nothing was written. Check for a "
                            "stuck run (Dagster UI, Runs) and rerun."
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _create_if_missing(self) -> None:
        if self.path.exists():
            return
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{self.path}' AS w (STORAGE_VERSION '{STORAGE_VERSION}')")
            con.execute("DETACH w")
        finally:
            con.close()

    def _open(self) -> duckdb.DuckDBPyConnection:
        """Open the writer file, retrying while another program (an analyst's client opened
        on the wrong file, say) holds DuckDB's own lock on it; then fail naming the file."""
        deadline = time.monotonic() + self.open_timeout_s
        delay = 0.1
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise WarehouseLockedError(
                        f"[warehouse] cannot open the writer file {self.path}: another program "
                        f"holds it open ({exc}). Nothing was written. Close that program and "
                        "rerun; analysts should open the published reader file "
                        f"{self.reader_path or '(reader file)'} instead."
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection under the writer lock, migrated, closed on exit."""
        with self._writer_lock():
            self._create_if_missing()
            con = self._open()
            try:
                self._migrate_once(con)
                yield con
            finally:
                con.close()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for pipeline reads (asset checks, summaries). Takes the writer lock."""
        with self.connect() as con:
            yield con

    # -- migrations ---------------------------------------------------------------------

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> list[int]:
        con.execute(
            """CREATE TABLE IF NOT EXISTS schema_version (
                   version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
                   applied_at TIMESTAMPTZ NOT NULL)"""
        )
        con.execute(
            "COMMENT ON TABLE schema_version IS 'Migrations applied to this file, one row each.';"
            "COMMENT ON COLUMN schema_version.version IS 'Migration number (file prefix).';"
            "COMMENT ON COLUMN schema_version.name IS 'Migration file name.';"
            "COMMENT ON COLUMN schema_version.applied_at IS 'When it was applied (UTC).';"
        )
        done = {r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()}
        applied = []
        for version, name, sql in migrations():
            if version in done:
                continue
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(sql)
                con.execute(
                    "INSERT INTO schema_version VALUES (?, ?, ?)",
                    [version, name, datetime.now(UTC)],
                )
                con.execute("COMMIT")
            except Exception as exc:
                con.execute("ROLLBACK")
                raise WarehouseError(f"migration {name} failed: {exc}") from exc
            applied.append(version)
        return applied

    def _migrate_once(self, con: duckdb.DuckDBPyConnection) -> None:
        """Migrate unless the file already records the latest migration (one cheap query)."""
        known = migrations()
        try:
            done = con.execute("SELECT count(*), max(version) FROM schema_version").fetchone()
        except duckdb.CatalogException:
            done = None
        # count as well as max: a migration numbered below the latest applied one is not missed
        if known and done == (len(known), known[-1][0]):
            return
        self._migrate(con)

    def migrate(self) -> list[int]:
        with self._writer_lock():
            self._create_if_missing()
            con = self._open()
            try:
                return self._migrate(con)
            finally:
                con.close()

    # -- writes ---------------------------------------------------------------------------

    def replace_partitions(
        self,
        writes: Sequence[PartitionWrite],
        *,
        run_id: str | None = None,
        shrink: ShrinkPolicy | None = None,
    ) -> list[WriteResult]:
        """Swap several tables' slices in ONE transaction (all or nothing).

        Writes marked ``guard`` are checked against ``shrink`` (default :class:`ShrinkPolicy`)
        first; a violation raises :class:`ShrinkGuardError` and nothing is written.
        """
        shrink = shrink or ShrinkPolicy()
        results: list[WriteResult] = []
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for w in writes:
                    if w.guard and not shrink.allow:
                        self._check_shrink(con, w, shrink.max_fraction)
                for w in writes:
                    results.append(self._swap(con, w, run_id))
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            con.execute("CHECKPOINT")
        return results

    def replace_partition(
        self,
        table: str,
        frame: pl.DataFrame,
        column: str | None = None,
        values: Sequence[object] = (),
        *,
        run_id: str | None = None,
        guard: bool = False,
        shrink: ShrinkPolicy | None = None,
    ) -> WriteResult:
        return self.replace_partitions(
            [PartitionWrite(table, frame, column, values, guard)], run_id=run_id, shrink=shrink
        )[0]

    @staticmethod
    def _check_shrink(con: duckdb.DuckDBPyConnection, w: PartitionWrite, max_fraction: float):
        """Per partition value: before (stored) vs after (incoming) row counts."""
        if w.column is None:
            before = {None: con.execute(f'SELECT count(*) FROM "{w.table}"').fetchone()[0]}
            after = {None: w.frame.height}
        else:
            rows = con.execute(
                f'SELECT "{w.column}", count(*) FROM "{w.table}" '
                f'WHERE "{w.column}" IN (SELECT UNNEST(?)) GROUP BY 1',
                [list(w.values)],
            ).fetchall()
            before = {v: n for v, n in rows}
            after = (
                dict(w.frame.group_by(w.column).len().iter_rows())
                if w.column in w.frame.columns
                else {}
            )
        for value, n_before in sorted(before.items(), key=lambda kv: str(kv[0])):
            n_after = after.get(value, 0)
            if n_before and (n_after == 0 or (n_before - n_after) / n_before > max_fraction):
                raise ShrinkGuardError(w.table, w.column, value, n_before, n_after, max_fraction)

    def _swap(self, con: duckdb.DuckDBPyConnection, w: PartitionWrite, run_id: str | None):
        table_cols = {
            r[0]: r[1]
            for r in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'main' AND table_name = ?",
                [w.table],
            ).fetchall()
        }
        if not table_cols:
            raise WarehouseError(f"table {w.table!r} does not exist (missing migration?)")
        frame = w.frame
        now = datetime.now(UTC)
        if "_run_id" in table_cols and "_run_id" not in frame.columns:
            frame = frame.with_columns(pl.lit(run_id, dtype=pl.Utf8).alias("_run_id"))
        if "_loaded_at" in table_cols and "_loaded_at" not in frame.columns:
            frame = frame.with_columns(pl.lit(now).alias("_loaded_at"))
        extra = [c for c in frame.columns if c not in table_cols]
        if extra:
            raise WarehouseError(f"{w.table}: frame has columns the table lacks: {extra}")
        if w.column is not None:
            if w.column not in frame.columns:
                raise WarehouseError(f"{w.table}: partition column {w.column!r} not in frame")
            outside = frame.filter(~pl.col(w.column).is_in(list(w.values)))
            if outside.height:
                raise WarehouseError(
                    f"{w.table}: {outside.height} rows fall outside partition "
                    f"{w.column} in {list(w.values)[:5]}..."
                )
            deleted = con.execute(
                f'DELETE FROM "{w.table}" WHERE "{w.column}" IN (SELECT UNNEST(?))',
                [list(w.values)],
            ).fetchone()[0]
        else:
            deleted = con.execute(f'DELETE FROM "{w.table}"').fetchone()[0]
        inserted = 0
        if frame.height:
            # Arrow: no row-by-row inserts. The newest Arrow layout hands polars' string views
            # over as they are (the default would copy every string into a new buffer first:
            # 250 MB more, and several seconds, for a million trade rows)
            con.register("_incoming", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
            try:
                cols = ", ".join(f'"{c}"' for c in frame.columns)
                con.execute(f'INSERT INTO "{w.table}" ({cols}) SELECT {cols} FROM _incoming')
            finally:
                con.unregister("_incoming")
            inserted = frame.height
        con.execute(
            "INSERT INTO _load_log (table_name, partition_column, partition_values, "
            "rows_deleted, rows_inserted, run_id, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [w.table, w.column, [str(v) for v in w.values], deleted, inserted, run_id, now],
        )
        return WriteResult(w.table, int(deleted), inserted)

    def execute_script(self, sql: str) -> None:
        """Run SQL (e.g. view definitions) in one transaction."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(sql)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

    def build_mart(
        self,
        definition: MartDefinition,
        *,
        run_id: str | None = None,
        full: bool = False,
        definitions: Sequence[MartDefinition] | None = None,
    ) -> MartBuild:
        """Bring one mart table up to date: nothing, the changed period slices, or all of it
        (see warehouse/mart_build.py), in one transaction under the writer lock."""
        with self.connect() as con:
            return build_mart(
                con, definition, definitions or mart_definitions(), run_id=run_id, full=full
            )

    def apply_marts(self, *, run_id: str | None = None, full: bool = False) -> list[MartBuild]:
        """Build every mart table in warehouse/marts/, in file order, each as far as it changed."""
        definitions = mart_definitions()
        with self.connect() as con:
            return [build_mart(con, d, definitions, run_id=run_id, full=full) for d in definitions]

    # -- publish ----------------------------------------------------------------------------

    def publish(self, timings: dict[str, float] | None = None) -> Path:
        """Copy the writer file to the reader path atomically (temp file + rename).

        A full byte copy is the cheapest safe publish measured (bench/bench_publish.py): the
        old reader file cannot be edited in place (analysts hold it open), and rewriting only
        the changed tables needs that same copy first. The copy bypasses the page cache where
        it can (:func:`copy_for_publish`). ``timings`` (if given) receives the seconds of each
        phase: checkpoint, copy, fsync, rename.
        """
        if self.reader_path is None:
            raise WarehouseError("no reader_path configured; nothing to publish")
        t = timings if timings is not None else {}
        with self._writer_lock():
            if not self.path.exists():
                raise WarehouseError(f"warehouse {self.path} does not exist yet")
            started = time.perf_counter()
            con = self._open()
            try:
                con.execute("CHECKPOINT")
            finally:
                con.close()
            t["checkpoint"] = time.perf_counter() - started
            self.reader_path.parent.mkdir(parents=True, exist_ok=True)
            # a publish killed between copy and rename leaves its temp file behind; under the
            # writer lock no other publish is running, so every leftover can go
            for stale in self.reader_path.parent.glob(f".{self.reader_path.name}.*.tmp"):
                stale.unlink(missing_ok=True)
            tmp = self.reader_path.with_name(f".{self.reader_path.name}.{os.getpid()}.tmp")
            started = time.perf_counter()
            copy_for_publish(self.path, tmp)
            t["copy"] = time.perf_counter() - started
            started = time.perf_counter()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            t["fsync"] = time.perf_counter() - started
            started = time.perf_counter()
            os.replace(tmp, self.reader_path)
            t["rename"] = time.perf_counter() - started
        return self.reader_path

    # -- introspection --------------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        with self.read() as con:
            tables = [
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE schema_name='main' "
                    "AND NOT starts_with(table_name, '_') ORDER BY table_name"
                ).fetchall()
            ]
            return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}

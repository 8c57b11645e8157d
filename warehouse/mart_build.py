"""Marts as tables: build each ``warehouse/marts/NN_<mart>.sql`` at refresh time, redoing only
what changed since its last build.

A mart file is plain DuckDB SQL that builds its tables in full when run on its own (the report's
tests do that): one or more ``CREATE OR REPLACE TABLE <t> AS <query>`` statements, the *stages*
(the last one is the mart; earlier ones are internal tables it reads, such as
``_mart_import_by_code``), each followed by its ``COMMENT ON TABLE/COLUMN`` statements. Two
comment lines above a stage tell the builder what it depends on:

``-- @inputs t1 t2 ...``
    every table the query reads (a view is listed as its tables). A swap of any of them since
    the last build (``_load_log``) means the stage is rebuilt.
``-- @period_key <expression>``  (optional)
    the stage's rows are sliced by period key (``A:2021``, ``M:202403``), given by the
    expression over its columns, and a slice depends only on the same slice of its
    period-sliced inputs (``fact_trade_flow`` and other period-keyed stages). When only such
    slices changed, the builder deletes and recomputes just those slices: it runs the same query
    with each period-sliced input shadowed by a temp view of the changed slices. Any other
    change (a dimension, an event table, a whole-table swap) rebuilds the stage whole.

Every build runs in one transaction, logs each table it rewrote in ``_load_log`` (so the marts
downstream see which slices changed, like any swap) and records in ``_mart_build`` what it saw
(``built_through``: the last ``loaded_at`` of ``_load_log``) and what it did. A stage whose
inputs did not change is left alone. A changed SQL file, a missing table or a ``_load_log``
that no longer holds the rows it held (rows removed, a clock set back) rebuild the mart whole.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

MARTS_DIR = Path(__file__).parent / "marts"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SOURCE_PERIOD_KEYS = {"fact_trade_flow": "period_key", "fact_trade_world_total": "period_key"}
"""Loaded tables whose swaps are period slices, and the column that holds the period key."""

_CREATE_RE = re.compile(
    r"^\s*CREATE\s+OR\s+REPLACE\s+TABLE\s+(\w+)\s+AS\s+(.*?)\s*;?\s*$", re.I | re.S
)
_COMMENT_RE = re.compile(r"^\s*COMMENT\s+ON\s+(?:TABLE|COLUMN)\s+(\w+)", re.I)
_INPUTS_RE = re.compile(r"^\s*--\s*@inputs\s+(.+?)\s*$", re.M)
_PERIOD_KEY_RE = re.compile(r"^\s*--\s*@period_key\s+(.+?)\s*$", re.M)


class MartDefinitionError(Exception):
    """A mart SQL file does not follow the format above (names the file and the problem)."""


@dataclass(frozen=True)
class Stage:
    table: str
    query: str
    inputs: tuple[str, ...]
    period_key: str | None
    comments: tuple[str, ...]


@dataclass(frozen=True)
class MartDefinition:
    name: str
    path: Path
    sql: str
    sha256: str
    stages: tuple[Stage, ...]

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(s.table for s in self.stages)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Tables the mart reads that it does not build itself."""
        own = set(self.tables)
        seen: dict[str, None] = {}
        for s in self.stages:
            for t in s.inputs:
                if t not in own:
                    seen[t] = None
        return tuple(seen)

    @property
    def comment(self) -> str:
        """The mart's own COMMENT ON TABLE text."""
        for stmt in self.stages[-1].comments:
            m = re.search(r"COMMENT\s+ON\s+TABLE\s+\w+\s+IS\s+'((?:[^']|'')*)'", stmt, re.I)
            if m:
                return m.group(1).replace("''", "'")
        return ""


@dataclass
class StageResult:
    table: str
    mode: str  # full | slices | unchanged
    reason: str
    slices: tuple[str, ...] = ()
    rows: int = 0
    deleted: int = 0
    inserted: int = 0
    seconds: float = 0.0


@dataclass
class MartBuild:
    mart: str
    stages: list[StageResult] = field(default_factory=list)
    seconds: float = 0.0
    upstream: list[MartBuild] = field(default_factory=list)
    """Marts this one reads that had no table yet, built first."""

    @property
    def result(self) -> StageResult:
        """The mart's own stage (the last)."""
        return self.stages[-1]

    @property
    def mode(self) -> str:
        return self.result.mode

    @property
    def rows(self) -> int:
        return self.result.rows


def parse_mart(path: Path) -> MartDefinition:
    """Read one mart file into its stages; raises MartDefinitionError naming the file."""
    sql = path.read_text(encoding="utf-8")
    name = path.stem.split("_", 1)[1]
    stages: list[dict] = []
    for stmt in duckdb.extract_statements(sql):
        text = stmt.query
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        create = _CREATE_RE.match(body)
        if create:
            inputs = _INPUTS_RE.search(text)
            if not inputs:
                raise MartDefinitionError(
                    f"{path.name}: table {create.group(1)} has no @inputs line"
                )
            pk = _PERIOD_KEY_RE.search(text)
            stages.append(
                {
                    "table": create.group(1),
                    "query": create.group(2),
                    "inputs": tuple(inputs.group(1).split()),
                    "period_key": pk.group(1) if pk else None,
                    "comments": [],
                }
            )
            continue
        comment = _COMMENT_RE.match(body)
        if comment and stages and comment.group(1) == stages[-1]["table"]:
            stages[-1]["comments"].append(body.strip())
            continue
        raise MartDefinitionError(
            f"{path.name}: expected CREATE OR REPLACE TABLE ... AS or COMMENT ON the table just "
            f"created, got: {body.strip()[:80]!r}"
        )
    if not stages:
        raise MartDefinitionError(f"{path.name}: no CREATE OR REPLACE TABLE statement")
    if stages[-1]["table"] != name:
        raise MartDefinitionError(
            f"{path.name}: the last table built must be {name}, not {stages[-1]['table']}"
        )
    return MartDefinition(
        name=name,
        path=path,
        sql=sql,
        sha256=hashlib.sha256(sql.encode("utf-8")).hexdigest(),
        stages=tuple(
            Stage(s["table"], s["query"], s["inputs"], s["period_key"], tuple(s["comments"]))
            for s in stages
        ),
    )


def mart_files() -> list[Path]:
    return sorted(MARTS_DIR.glob("[0-9][0-9]_*.sql"))


def mart_definitions() -> list[MartDefinition]:
    """Every mart, in file order (a mart may read the marts before it)."""
    return [parse_mart(p) for p in mart_files()]


def period_key_expressions(definitions: Iterable[MartDefinition]) -> dict[str, str]:
    """Table -> SQL expression of its period key, for every period-sliced table."""
    out = dict(SOURCE_PERIOD_KEYS)
    for d in definitions:
        for s in d.stages:
            if s.period_key:
                out[s.table] = s.period_key
    return out


# ----------------------------------------------------------------------------------- build


@dataclass(frozen=True)
class _Change:
    table: str
    column: str | None
    values: tuple[str, ...]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _relation_kind(con: duckdb.DuckDBPyConnection, db: str, name: str) -> str | None:
    row = con.execute(
        "SELECT 'table' FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ? UNION ALL SELECT 'view' FROM duckdb_views() "
        "WHERE database_name = ? AND schema_name = 'main' AND view_name = ?",
        [db, name, db, name],
    ).fetchone()
    return row[0] if row else None


def build_mart(
    con: duckdb.DuckDBPyConnection,
    definition: MartDefinition,
    definitions: Sequence[MartDefinition],
    *,
    run_id: str | None = None,
    full: bool = False,
) -> MartBuild:
    """Bring one mart's tables up to date in one transaction (the caller holds the writer).

    ``definitions`` are all the marts: they say which tables are period-keyed, and a mart this
    one reads that has no table yet (a refresh that selected only the event marts on a new
    warehouse) is built first, in its own transaction.
    """
    started = time.perf_counter()
    build = MartBuild(definition.name)
    db = con.execute("SELECT current_database()").fetchone()[0]
    producers = {t: d for d in definitions for t in d.tables}
    for table in definition.inputs:
        up = producers.get(table)
        if up and up.name != definition.name and _relation_kind(con, db, table) != "table":
            build.upstream.append(build_mart(con, up, definitions, run_id=run_id))
    period_keys = period_key_expressions(definitions)
    con.execute("BEGIN TRANSACTION")
    try:
        through, entries = con.execute("SELECT max(loaded_at), count(*) FROM _load_log").fetchone()
        through = through or EPOCH
        whole_reason, since = _whole_rebuild_reason(con, db, definition, full)
        changes = [] if whole_reason else _changes_since(con, since, definition.inputs)
        done: dict[str, StageResult] = {}
        for stage in definition.stages:
            res = _build_stage(
                con, db, stage, whole_reason, changes, done, period_keys, run_id=run_id
            )
            done[stage.table] = res
            build.stages.append(res)
        now = datetime.now(UTC)
        for stage, res in zip(definition.stages, build.stages, strict=True):
            con.execute(
                "INSERT OR REPLACE INTO _mart_build VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    stage.table,
                    definition.name,
                    definition.sha256,
                    through,
                    entries,
                    res.mode,
                    res.reason,
                    list(res.slices),
                    res.rows,
                    res.deleted,
                    res.inserted,
                    res.seconds,
                    run_id,
                    now,
                ],
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    build.seconds = time.perf_counter() - started
    return build


def _whole_rebuild_reason(
    con: duckdb.DuckDBPyConnection, db: str, d: MartDefinition, full: bool
) -> tuple[str | None, datetime]:
    """(reason to rebuild every stage whole, or None; the built_through of the last build)."""
    if full:
        return "full rebuild requested", EPOCH
    state = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT table_name, definition_sha256, built_through, log_entries FROM _mart_build "
            "WHERE mart = ?",
            [d.name],
        ).fetchall()
    }
    if not state:
        return "first build", EPOCH
    for t in d.tables:
        if t not in state:
            return f"no earlier build of {t}", EPOCH
        if _relation_kind(con, db, t) != "table":
            return f"{t} is missing", EPOCH
    sha, through, entries = state[d.tables[-1]]
    if any(s[0] != sha or s[1] != through for s in state.values()) or sha != d.sha256:
        return f"definition changed ({d.path.name})", EPOCH
    seen = con.execute("SELECT count(*) FROM _load_log WHERE loaded_at <= ?", [through]).fetchone()
    if seen[0] != entries:
        return (
            f"_load_log holds {seen[0]} rows up to {through.isoformat()}, the last build saw "
            f"{entries}",
            EPOCH,
        )
    return None, through


def _changes_since(
    con: duckdb.DuckDBPyConnection, since: datetime, tables: Sequence[str]
) -> list[_Change]:
    rows = con.execute(
        "SELECT table_name, partition_column, partition_values FROM _load_log "
        "WHERE loaded_at > ? AND table_name IN (SELECT UNNEST(?)) ORDER BY loaded_at",
        [since, list(tables)],
    ).fetchall()
    return [_Change(t, c, tuple(str(v) for v in (vals or ()))) for t, c, vals in rows]


def _build_stage(
    con: duckdb.DuckDBPyConnection,
    db: str,
    stage: Stage,
    whole_reason: str | None,
    changes: list[_Change],
    done: dict[str, StageResult],
    period_keys: dict[str, str],
    *,
    run_id: str | None,
) -> StageResult:
    started = time.perf_counter()
    if whole_reason:
        res = _full(con, db, stage, whole_reason, run_id)
    else:
        relevant = [c for c in changes if c.table in stage.inputs]
        for t, r in done.items():  # earlier stages of this mart rebuilt just now
            if t in stage.inputs and r.mode != "unchanged":
                relevant.append(_Change(t, "period_key" if r.mode == "slices" else None, r.slices))
        if not relevant:
            rows = _state_rows(con, stage.table)
            res = StageResult(stage.table, "unchanged", "no input changed", rows=rows)
        else:
            changed = sorted({c.table for c in relevant})
            sliced = stage.period_key is not None and all(
                c.table in period_keys and c.column == _slice_column(c.table) for c in relevant
            )
            if sliced:
                slices = tuple(sorted({v for c in relevant for v in c.values}))
                reason = f"period slices of {', '.join(changed)} changed"
                res = _slices(con, db, stage, slices, period_keys, reason, run_id)
            else:
                res = _full(con, db, stage, f"{', '.join(changed)} changed", run_id)
    res.seconds = time.perf_counter() - started
    return res


def _slice_column(table: str) -> str:
    """The partition_column a period-sliced swap of ``table`` is logged with."""
    return SOURCE_PERIOD_KEYS.get(table, "period_key")


def _state_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute("SELECT rows FROM _mart_build WHERE table_name = ?", [table]).fetchone()
    return int(row[0]) if row else 0


def _full(
    con: duckdb.DuckDBPyConnection, db: str, stage: Stage, reason: str, run_id: str | None
) -> StageResult:
    kind = _relation_kind(con, db, stage.table)
    before = 0
    if kind == "view":  # a warehouse from before marts were tables
        con.execute(f"DROP VIEW {_q(db)}.main.{_q(stage.table)}")
    elif kind == "table":
        before = con.execute(f"SELECT count(*) FROM {_q(db)}.main.{_q(stage.table)}").fetchone()[0]
    rows = con.execute(
        f"CREATE OR REPLACE TABLE {_q(db)}.main.{_q(stage.table)} AS {stage.query}"
    ).fetchone()[0]
    for stmt in stage.comments:  # a replaced table has lost its comments
        con.execute(stmt)
    _log(con, stage.table, None, (), before, rows, run_id)
    return StageResult(stage.table, "full", reason, rows=rows, deleted=before, inserted=rows)


def _slices(
    con: duckdb.DuckDBPyConnection,
    db: str,
    stage: Stage,
    slices: tuple[str, ...],
    period_keys: dict[str, str],
    reason: str,
    run_id: str | None,
) -> StageResult:
    assert stage.period_key is not None
    scope = "(SELECT period_key FROM temp.main._mart_slices)"
    shadowed = [t for t in stage.inputs if t in period_keys]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _mart_slices AS SELECT UNNEST(?::VARCHAR[]) AS period_key",
        [list(slices)],
    )
    try:
        for t in shadowed:  # the query sees only the changed slices of its period-sliced inputs
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {_q(t)} AS SELECT * FROM {_q(db)}.main.{_q(t)} "
                f"WHERE ({period_keys[t]}) IN {scope}"
            )
        target = f"{_q(db)}.main.{_q(stage.table)}"
        deleted = con.execute(
            f"DELETE FROM {target} WHERE ({stage.period_key}) IN {scope}"
        ).fetchone()[0]
        inserted = con.execute(f"INSERT INTO {target} BY NAME {stage.query}").fetchone()[0]
    finally:
        for t in shadowed:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{_q(t)}")
        con.execute("DROP TABLE IF EXISTS temp.main._mart_slices")
    rows = _state_rows(con, stage.table) - deleted + inserted
    _log(con, stage.table, "period_key", slices, deleted, inserted, run_id)
    return StageResult(
        stage.table, "slices", reason, slices, rows=rows, deleted=deleted, inserted=inserted
    )


def _log(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str | None,
    values: Sequence[str],
    deleted: int,
    inserted: int,
    run_id: str | None,
) -> None:
    con.execute(
        "INSERT INTO _load_log (table_name, partition_column, partition_values, rows_deleted, "
        "rows_inserted, run_id, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [table, column, list(values), deleted, inserted, run_id, datetime.now(UTC)],
    )

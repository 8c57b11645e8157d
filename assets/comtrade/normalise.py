"""Normalise Comtrade final-data records into typed polars frames (shared/research/trade.md §1.11).

Rules applied, in order:

1. **Field names case-insensitively**: ``cifvalue`` / ``cifValue`` / ``CIFValue`` are one field,
   as are ``isNetWgtEstimated`` / ``isnetWgtEstimated``. A record carrying two spellings of one
   field with different values is an error.
2. **Schema drift is an error, never a null column.** Every field the normaliser reads is in
   one of three lists (from the record schema in shared/research/trade.md §1.5):

   * :data:`REQUIRED_FIELDS`: the key must be present and its value non-null (codes, periods,
     ``primaryValue``, the ``is*`` flags);
   * :data:`NULLABLE_FIELDS`: the key must be present, but null (or ``""`` in bulk files) is
     *data*: Comtrade has no figure. ``cifvalue`` is null on exports and ``fobvalue`` on imports
     (India's 2019-2021 import rows carry ``fobvalue: 0`` instead: kept as 0, never turned
     into null or the other way round); ``qty``/``netWgt`` are null when not reported;
   * :data:`OPTIONAL_FIELDS`: may be absent (``mosCode``: services' mode of supply, "0" or
     absent for goods).

   Fields the normaliser does not read (the ``*Desc`` texts, ISO codes, ``isLeaf``,
   ``altQty``...) may be absent or renamed without effect.

   A key that is **absent** is drift: :class:`ComtradeSchemaError` names the field, the record
   and the keys the record carries that Comtrade's schema does not know (a rename such as
   ``netWgt`` -> ``netWeight`` shows up there). Unknown extra keys on an otherwise complete
   record are tolerated and listed in :attr:`NormalisedTrade.unknown_fields`.
3. **Types, bounded**: every field is checked and coerced (ints, floats, booleans, codes as
   strings). Integers must fit their column (Int32; ``refMonth`` 1-12 or 52), numbers must be
   finite and are parsed from strings of at most 64 characters, so no huge or nested value
   reaches polars. A value of the wrong type raises :class:`ComtradeRecordError` naming the URL,
   the record index, its period, cmdCode and partnerCode, and the field.
4. **Periods**: annual records must carry ``refMonth`` 52 (Comtrade's "annual" marker) and
   ``period == refYear``; monthly ones ``refMonth`` 1-12 and ``period == YYYYMM``. In the output
   ``ref_month`` is **null for annual rows** (52 is a marker, not a month).
5. **Breakdown and aggregate rows dropped**: only the ``partner2Code == 0``, ``motCode == 0``,
   ``customsCode == "C00"`` (and ``mosCode`` "0" or absent) slice is kept, so nothing is counted
   nine times. Rows of 2- or 4-digit headings or ``TOTAL`` (``aggrLevel`` 2/4/0; the answer
   to an HS6 query should not hold them, real bulk extracts do) are dropped and counted:
   the warehouse grain is HS6 and levels are never summed. ``cmdCode`` must agree with
   ``aggrLevel``.
6. **Duplicates removed** on the grain (freq, period, reporter, flow, partner, partner2, cmdCode,
   customs, mot); the **last** occurrence wins (batches are in fetch order, so the most recently
   fetched answer), and conflicting duplicates are counted in the stats.
7. **World separated**: the partner-0 (World) rows go to their own frame (``world``), the partner
   rows to ``partners``. World is the sum of the partners, so keeping it apart means nothing
   double counts; the warehouse stores them in separate tables.
8. ``classificationCode`` is kept as ``hs_edition`` (H5 = HS 2017, H6 = HS 2022...): the data API
   serves data as reported. ``qty_unit`` is the unit abbreviation, null when Comtrade says N/A
   (code -1). Null quantities and weights stay null (never 0).
9. The output is validated at the boundary by a dataframely schema (:class:`TradeFlowSchema`,
   :class:`WorldTotalSchema`); a row that fails raises :class:`ComtradeRecordError` naming its
   URL, record index and the failing column/rule.

How it runs (issue 11): column by column, never record by record.

* The client checks each answer's envelope without parsing its records
  (:func:`assets.comtrade.client.read_answer`). The normaliser collects answers into batches
  (about 12,500 records or 12 MB) and reads them with :mod:`assets.comtrade.records`: their
  bodies, one a line, go to Arrow's multi-threaded JSON reader; the ``data`` records become
  columns, one per key, each keeping the JSON type of its values (the reader refuses a key
  with mixed types); per answer, the spellings of a field are folded **per column** and a
  needed column with nulls is checked for absent keys by counting its ``"key":`` tokens in the
  answer's body. Anything Arrow cannot vouch for (and records given as dicts) takes the exact
  path: :func:`~assets.comtrade.client.parse_envelope` (whose envelope errors are raised as
  the client raised them), then the values per field, typed in one C-level call when the
  column's Python types are the field's, value by value (the rules of point 3) otherwise.
* The rules of points 3-5 then run as polars expressions, in one pass over about 50,000
  records. A check that fails anywhere finds its first failing record (fetch order, then
  record order, then the order the rules are listed in :data:`FIELDS` and :func:`_checks`)
  and raises the error for it. Only the kept rows stay in memory (about 200 bytes a row; the
  URL and sha256 are stored once per answer), so :class:`TradeNormaliser` is fed answer by
  answer as they are fetched (two threads read and check earlier batches meanwhile);
  deduplication (on packed integer keys), sorting (unless ``keep_order``: the warehouse load
  keeps fetch order, which needs no copy of the rows) and the dataframely validation (in
  slices) run once at the end.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import dataframely as dy
import polars as pl
import pyarrow as pa

from assets.comtrade.client import Answer
from assets.comtrade.fields import (
    CANONICAL,
    FIELD_BY_NAME,
    FIELDS,
    NEEDED_FIELDS,
    NULLABLE_FIELDS,
    OPTIONAL_FIELDS,
    RECORD_FIELDS,
    REQUIRED_FIELDS,
    ComtradeRecordError,
    ComtradeSchemaError,
    Field,
    message_column,
    missing_column,
    shown,
)
from assets.comtrade.records import (
    TypedAnswer,
    fold_record,
    from_answer,
    from_records,
    parse_answers,
    record_context,
    unknown_fields,
)

__all__ = [  # the names other modules and the tests import from here
    "CANONICAL", "NULLABLE_FIELDS", "OPTIONAL_FIELDS", "RECORD_FIELDS", "REQUIRED_FIELDS",
    "AnswerBatch", "Batch", "ComtradeRecordError", "ComtradeSchemaError", "NormalisedTrade",
    "RecordBatch", "TradeFlowSchema", "TradeNormaliser", "WorldTotalSchema", "empty_trade_frame",
    "normalise_batches", "normalise_records", "unknown_fields",
]  # fmt: skip

SOURCE = "comtrade"


#: Grain of a Comtrade final-data row (mosCode is services-only and constant for goods).
GRAIN: tuple[str, ...] = (
    "freq", "period", "reporter_code", "flow_code", "partner_code", "partner2_code", "hs6",
    "customs_code", "mot_code",
)  # fmt: skip

OUTPUT_COLUMNS: tuple[str, ...] = (
    "source", "reporter_code", "partner_code", "flow_code", "freq", "period", "ref_year",
    "ref_month", "hs6", "hs_edition", "primary_value_usd", "cif_value_usd", "fob_value_usd",
    "net_weight_kg", "qty", "qty_unit", "is_qty_estimated", "is_net_wgt_estimated",
    "is_reported", "is_aggregate", "legacy_estimation_flag", "raw_sha256", "source_url",
)  # fmt: skip


_HS6_RE = re.compile(r"^[0-9]{6}$")
_HS_AGGREGATE_RE = re.compile(r"^([0-9]{2}|[0-9]{4}|TOTAL)$")
#: The characters Python's ``str.strip()`` removes (``str.isspace``), for polars' strip.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: Read batches of answers and check their records, one at a time and in order each, beside
#: the thread that fetches them: fetching, Arrow's parse and the polars checks overlap.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="comtrade-read")
_CHECKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="comtrade-check")
#: Records, or bytes of answers, per batch of answers read and checked together.
BATCH_ROWS = 12_500
BATCH_BYTES = 12 << 20
#: Records checked together by the rules (read batches are held as typed columns till then).
CHECK_ROWS = 50_000


class RecordBatch(Protocol):
    """What normalisation needs from a response (``ComtradeResponse`` satisfies it).

    A response may also carry ``answer`` (an :class:`~assets.comtrade.client.Answer`): its
    records are then read from Arrow, not from ``records``.
    """

    @property
    def records(self) -> Sequence[Mapping[str, Any]]: ...

    @property
    def source_url(self) -> str: ...

    @property
    def raw_sha256(self) -> str: ...


@dataclass(frozen=True)
class Batch:
    """A plain :class:`RecordBatch` (tests, raw-store re-parses)."""

    records: Sequence[Mapping[str, Any]]
    source_url: str
    raw_sha256: str


@dataclass(frozen=True)
class AnswerBatch:
    """A :class:`RecordBatch` made of an answer the client parsed (:func:`read_answer`)."""

    answer: Answer
    source_url: str
    raw_sha256: str

    @property
    def records(self) -> Sequence[Mapping[str, Any]]:
        return self.answer.records


# --------------------------------------------------------------------------- schemas


class _TradeBase(dy.Schema):
    source = dy.String(primary_key=True)
    reporter_code = dy.Int32(primary_key=True, min=1)
    partner_code = dy.Int32(primary_key=True, min=0)
    flow_code = dy.String(primary_key=True, regex=r"^(M|X)$")
    freq = dy.String(primary_key=True, regex=r"^(A|M)$")
    period = dy.String(primary_key=True, regex=r"^\d{4}(\d{2})?$")
    ref_year = dy.Int32(nullable=False, min=1962, max=2100)
    ref_month = dy.Int8(nullable=True, min=1, max=12)
    hs6 = dy.String(primary_key=True, regex=r"^\d{6}$")
    hs_edition = dy.String(nullable=False, regex=r"^H[0-9]$")
    primary_value_usd = dy.Float64(nullable=False, min=0.0, allow_inf=False, allow_nan=False)
    cif_value_usd = dy.Float64(nullable=True, min=0.0, allow_inf=False, allow_nan=False)
    fob_value_usd = dy.Float64(nullable=True, min=0.0, allow_inf=False, allow_nan=False)
    net_weight_kg = dy.Float64(nullable=True, min=0.0, allow_inf=False, allow_nan=False)
    qty = dy.Float64(nullable=True, min=0.0, allow_inf=False, allow_nan=False)
    qty_unit = dy.String(nullable=True)
    is_qty_estimated = dy.Bool(nullable=False)
    is_net_wgt_estimated = dy.Bool(nullable=False)
    is_reported = dy.Bool(nullable=False)
    is_aggregate = dy.Bool(nullable=False)
    legacy_estimation_flag = dy.Int32(nullable=True)
    raw_sha256 = dy.String(nullable=False, regex=r"^[0-9a-f]{64}$")
    source_url = dy.String(nullable=False, min_length=1)

    @dy.rule()
    def period_matches_freq(cls) -> pl.Expr:
        return (
            pl.when(pl.col("freq") == "A")
            .then((pl.col("period").str.len_chars() == 4) & pl.col("ref_month").is_null())
            .otherwise((pl.col("period").str.len_chars() == 6) & pl.col("ref_month").is_not_null())
        )

    @dy.rule()
    def period_matches_ref_year(cls) -> pl.Expr:
        return pl.col("period").str.slice(0, 4) == pl.col("ref_year").cast(pl.String)


class TradeFlowSchema(_TradeBase):
    """India x partner x flow x period x HS6 rows (partner 0 / World excluded)."""

    @dy.rule()
    def partner_is_not_world(cls) -> pl.Expr:
        return pl.col("partner_code") != 0


class WorldTotalSchema(_TradeBase):
    """The World (partner 0) totals, kept apart so they never add to partner rows."""

    @dy.rule()
    def partner_is_world(cls) -> pl.Expr:
        return pl.col("partner_code") == 0


class HeadingFlowSchema(TradeFlowSchema):
    """Partner rows of a 4-digit heading (``TradeNormaliser(level=4)``): the code is a heading."""

    hs6 = dy.String(primary_key=True, regex=r"^\d{4}$")


class HeadingWorldSchema(WorldTotalSchema):
    """World rows of a 4-digit heading."""

    hs6 = dy.String(primary_key=True, regex=r"^\d{4}$")


#: Output schemas (partners, World) per HS level the normaliser keeps.
_SCHEMAS = {6: (TradeFlowSchema, WorldTotalSchema), 4: (HeadingFlowSchema, HeadingWorldSchema)}


_POLARS_SCHEMA: dict[str, Any] = {
    **{name: col.dtype for name, col in TradeFlowSchema.columns().items()},
    "partner2_code": pl.Int32,
    "customs_code": pl.String,
    "mot_code": pl.Int32,
}


@dataclass
class NormalisedTrade:
    """Normalised Comtrade rows: partner rows and World totals, plus what was dropped."""

    partners: pl.DataFrame
    world: pl.DataFrame
    stats: dict[str, int] = field(default_factory=dict)
    #: Keys seen in the records that Comtrade's schema does not know (tolerated; first 50).
    unknown_fields: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class _Check:
    """One rule: the field it names, where it fails, and its message for a failing row."""

    field: str
    fails: pl.Expr
    message: Any  # (row: dict) -> str
    schema: bool = False


def _strip(name: str) -> pl.Expr:
    return pl.col(name).str.strip_chars(PY_WHITESPACE)


#: polars dtype of each kind's typed column (as in :mod:`assets.comtrade.records`).
_POLARS = {"int": pl.Int64, "float": pl.Float64, "bool": pl.Boolean, "str": pl.String,
           "period": pl.String, "mos": pl.String}  # fmt: skip


def _cast_exprs(schema: pl.Schema) -> list[pl.Expr]:
    """Columns that arrived in another JSON type than the field's (all null; integers in a
    float field, as Python's ``float()``; an integer mode-of-supply code, as its text)."""
    return [
        pl.col(spec.name).cast(_POLARS[spec.kind])
        for spec in FIELDS
        if schema[spec.name] != _POLARS[spec.kind]
    ]


def _typed_exprs() -> list[pl.Expr]:
    """Strings stripped; an empty optional string is null (as a bulk file's "")."""
    out = []
    for spec in FIELDS:
        if spec.kind in ("str", "period", "mos"):
            s = _strip(spec.name)
            if not spec.required:
                s = pl.when(s == "").then(None).otherwise(s)
            out.append(s.alias(spec.name))
    return out


@functools.lru_cache(maxsize=16)
def _checks(columns: frozenset[str]) -> list[_Check]:
    """Every rule, in the order a record is checked (for a batch with these columns)."""
    checks: list[_Check] = []

    def coerce(spec: Field) -> None:
        value = pl.col(spec.name)
        msg = message_column(spec.name)
        fails = pl.lit(False)
        if msg in columns:
            fails = fails | pl.col(msg).is_not_null()
        if spec.required:
            fails = fails | value.is_null()
        if spec.kind == "int":
            lo, hi = spec.bounds
            fails = fails | ~value.is_between(lo, hi)
        name = spec.name

        def message(row: dict[str, Any]) -> str:
            if row.get(msg) is not None:
                return str(row[msg])
            if row[name] is None:
                return "is null"
            return f"integer {shown(row[name])} is outside {spec.bounds[0]}..{spec.bounds[1]}"

        checks.append(_Check(name, fails.fill_null(False), message))

    def rule(name: str, fails: pl.Expr, message: Any) -> None:
        checks.append(_Check(name, fails.fill_null(False), message))

    if "_not_object" in columns:
        rule("*", pl.col("_not_object"), lambda row: "record is not an object")
    if "_conflict" in columns:
        rule("", pl.col("_conflict"), None)  # the stored error is raised as it is
    missing = [missing_column(name) for name in NEEDED_FIELDS if missing_column(name) in columns]
    if missing:
        checks.append(_Check("", pl.any_horizontal(missing).fill_null(False), None, schema=True))

    freq, year, month, period = (pl.col(c) for c in ("freqCode", "refYear", "refMonth", "period"))
    for name in ("freqCode", "refYear", "refMonth", "period"):
        coerce(FIELD_BY_NAME[name])
    annual, monthly = freq == "A", freq == "M"
    rule(
        "refMonth",
        annual & (month != 52),
        lambda row: f"annual record must carry refMonth 52, got {row['refMonth']}",
    )
    rule(
        "period",
        annual & (month == 52) & (period != year.cast(pl.String)),
        lambda row: f"annual period {shown(row['period'])} does not match refYear {row['refYear']}",
    )
    rule(
        "refMonth",
        monthly & ~month.is_between(1, 12),
        lambda row: f"monthly record must carry refMonth 1-12, got {row['refMonth']}",
    )
    yyyymm = year.cast(pl.String) + month.cast(pl.String).str.zfill(2)
    rule(
        "period",
        monthly & month.is_between(1, 12) & (period != yyyymm),
        lambda row: (
            f"monthly period {shown(row['period'])} does not match "
            f"{row['refYear']}/{row['refMonth']}"
        ),
    )
    rule(
        "freqCode",
        ~freq.is_in(["A", "M"]),
        lambda row: f"expected 'A' or 'M', got {shown(row['freqCode'])}",
    )
    coerce(FIELD_BY_NAME["cmdCode"])
    coerce(FIELD_BY_NAME["aggrLevel"])
    cmd = pl.col("cmdCode")
    is_hs6 = cmd.str.contains(_HS6_RE.pattern)
    is_heading = cmd.str.contains(_HS_AGGREGATE_RE.pattern)
    rule(
        "cmdCode",
        ~is_hs6 & ~is_heading,
        lambda row: f"expected a 6-digit HS6 code, got {shown(row['cmdCode'])}",
    )
    rule(
        "cmdCode",
        (is_hs6 | is_heading) & (_level(cmd) != pl.col("aggrLevel")),
        lambda row: f"{row['cmdCode']!r} does not match aggrLevel {row['aggrLevel']}",
    )
    coerce(FIELD_BY_NAME["flowCode"])
    rule(
        "flowCode",
        ~pl.col("flowCode").is_in(["M", "X"]),
        lambda row: f"expected 'M' or 'X', got {shown(row['flowCode'])}",
    )
    for spec in FIELDS[7:]:
        coerce(spec)
    return checks


def _level(cmd: pl.Expr) -> pl.Expr:
    """HS level of a code: 6 for HS6, 2 or 4 for headings, 0 for TOTAL."""
    return (
        pl.when(cmd.str.contains(_HS6_RE.pattern))
        .then(6)
        .when(cmd == "TOTAL")
        .then(0)
        .otherwise(cmd.str.len_chars())
    )


def _rows_exprs() -> list[pl.Expr]:
    """The output columns of a batch (plus the slice flags and the record's place). Computed
    with the rules in one pass: a cast that would fail belongs to a record that fails a rule
    (integers are bounded by them), so it gives null instead of stopping the pass."""
    col = pl.col
    unit_na = (col("qtyUnitCode") == -1).fill_null(False) | (
        col("qtyUnitAbbr").str.to_uppercase() == "N/A"
    ).fill_null(False)
    mos = col("mosCode")
    return [
        col("reporterCode").cast(pl.Int32, strict=False).alias("reporter_code"),
        col("partnerCode").cast(pl.Int32, strict=False).alias("partner_code"),
        col("flowCode").alias("flow_code"),
        col("freqCode").alias("freq"),
        col("period"),
        col("refYear").cast(pl.Int32, strict=False).alias("ref_year"),
        pl.when(col("freqCode") == "M")
        .then(col("refMonth"))
        .cast(pl.Int8, strict=False)
        .alias("ref_month"),
        col("cmdCode").alias("hs6"),
        col("classificationCode").alias("hs_edition"),
        col("primaryValue").alias("primary_value_usd"),
        col("cifvalue").alias("cif_value_usd"),
        col("fobvalue").alias("fob_value_usd"),
        col("netWgt").alias("net_weight_kg"),
        col("qty"),
        pl.when(unit_na).then(None).otherwise(col("qtyUnitAbbr")).alias("qty_unit"),
        col("isQtyEstimated").alias("is_qty_estimated"),
        col("isNetWgtEstimated").alias("is_net_wgt_estimated"),
        col("isReported").alias("is_reported"),
        col("isAggregate").alias("is_aggregate"),
        col("legacyEstimationFlag").cast(pl.Int32, strict=False).alias("legacy_estimation_flag"),
        col("partner2Code").cast(pl.Int32, strict=False).alias("partner2_code"),
        col("customsCode").alias("customs_code"),
        col("motCode").cast(pl.Int32, strict=False).alias("mot_code"),
        (mos.is_null() | mos.is_in(["0", ""]).fill_null(False)).alias("_mos_ok"),
        col("cmdCode").str.contains(_HS6_RE.pattern).alias("_hs6"),
        col("_answer"),
        col("_index"),
    ]


#: Columns kept per row between the batches and the end (URL, sha256 and source added then).
_KEPT = [c for c in OUTPUT_COLUMNS if c not in ("source", "raw_sha256", "source_url")] + [
    "_answer",
    "_index",
]
#: The grain, without the breakdown dimensions every kept row has at 0 / C00 / 0.
_KEPT_GRAIN = [c for c in GRAIN if c not in ("partner2_code", "customs_code", "mot_code")]
_VALUE_COLUMNS = [
    c for c in OUTPUT_COLUMNS if c not in GRAIN and c not in ("source", "raw_sha256", "source_url")
]


# --------------------------------------------------------------------------- streaming


class TradeNormaliser:
    """Normalise answers as they arrive (fetch order): :meth:`add` each, then :meth:`finish`.

    Two threads, each working in order, read batches of answers (Arrow's parse, the folding of
    spellings) and check their records (polars), while the caller fetches (or reads) the next
    ones. Memory holds the kept rows (typed, about 200 bytes each) and a few batches of
    answers, never the answers' records as Python objects. An error is raised by a later
    :meth:`add` or by :meth:`finish`: within a batch, an answer's envelope error before any
    record error (as the client raised it before); among records, the first failing one in
    fetch order, as the rules name it.
    """

    def __init__(
        self, *, batch_rows: int = BATCH_ROWS, batch_bytes: int = BATCH_BYTES, level: int = 6
    ) -> None:
        if level not in _SCHEMAS:
            raise ValueError(f"level must be one of {sorted(_SCHEMAS)}, got {level!r}")
        self.level = level
        self.batch_rows = batch_rows
        self.batch_bytes = batch_bytes
        self._urls: list[str] = []
        self._shas: list[str] = []
        self._pending: list[tuple[int, Answer | TypedAnswer]] = []
        self._pending_rows = 0
        self._pending_bytes = 0
        self._batch: Future[None] | None = None  # the batch being read
        self._checking: Future[None] | None = None  # the records being checked
        self._typed: list[tuple[int, TypedAnswer]] = []  # read, not checked yet (worker's)
        self._typed_rows = 0
        self._partners: list[pl.DataFrame] = []  # kept rows, a frame per checked batch
        self._world: list[pl.DataFrame] = []
        self._unknown: dict[str, None] = {}
        self.stats = {"records_in": 0, "aggregate_rows_dropped": 0, "breakdown_rows_dropped": 0}

    def add(self, batch: RecordBatch) -> None:
        """Take one response (its records are read and checked with the next batches). Raises
        an error found meanwhile (a bad envelope once its batch is read, a bad record once the
        checks after it were handed over), so a fetch stops soon after a bad answer, not at
        its end; which error wins does not depend on timing."""
        if self._batch is not None and self._batch.done():
            self._wait()
        answer = getattr(batch, "answer", None)
        item: Answer | TypedAnswer
        if isinstance(answer, Answer) and answer.line is not None:
            item = answer  # records not parsed yet: read with the batch, column-wise
            self._pending_bytes += len(answer.content)
        else:
            item = from_records(batch.records, batch.source_url)
        self._urls.append(batch.source_url)
        self._shas.append(batch.raw_sha256)
        self._pending.append((len(self._urls) - 1, item))
        self._pending_rows += answer.rows if isinstance(item, Answer) else item.table.num_rows
        if self._pending_rows >= self.batch_rows or self._pending_bytes >= self.batch_bytes:
            self._flush()

    def _read(
        self, pending: list[tuple[int, Answer | TypedAnswer]]
    ) -> list[tuple[int, TypedAnswer]]:
        """Every pending answer as typed columns: the unparsed ones read together
        (:func:`parse_answers`), any the Arrow path cannot vouch for by the exact path (whose
        envelope errors, :func:`parse_envelope`'s, come before any record's)."""
        unparsed = [item for _, item in pending if isinstance(item, Answer)]
        tables = iter(parse_answers(unparsed) if unparsed else [])
        out = []
        for no, item in pending:
            if isinstance(item, Answer):
                rows = next(tables)
                typed = from_answer(rows, item) if rows is not None else None
                if typed is None:
                    typed = from_records(item.records, item.url)
                item = typed
            for key in item.unknown:
                if len(self._unknown) < 50:
                    self._unknown.setdefault(key, None)
            out.append((no, item))
        return out

    def _flush(self, *, final: bool = False) -> None:
        """Hand the pending answers to the worker thread, once it is done with the previous
        batch (whose error, if any, is raised here): one batch is read and checked while the
        next is collected, so fetching or reading answers overlaps Arrow's parse and polars."""
        pending, self._pending, self._pending_rows, self._pending_bytes = self._pending, [], 0, 0
        self._wait()
        if pending or final:
            self._batch = _WORKER.submit(self._check_batch, pending, final)

    def _wait(self) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            batch.result()

    def _check_batch(self, pending: list[tuple[int, Answer | TypedAnswer]], final: bool) -> None:
        """Read one batch of answers (in the reading thread); every few batches
        (``CHECK_ROWS`` records, typed columns only) hand them to the checking thread, once it
        is done with the previous ones (whose error is raised here, in order)."""
        try:
            if pending:
                typed = self._read(pending)
                self._typed += typed
                self._typed_rows += sum(t.table.num_rows for _, t in typed)
            if self._typed and (final or self._typed_rows >= CHECK_ROWS):
                typed, self._typed, self._typed_rows = self._typed, [], 0
                self._wait_check()
                self._checking = _CHECKER.submit(self._check, typed)
            if final:
                self._wait_check()
        finally:
            _give_back_memory()

    def _wait_check(self) -> None:
        checking, self._checking = self._checking, None
        if checking is not None:
            checking.result()

    def _check(self, pending: list[tuple[int, TypedAnswer]]) -> None:
        groups: dict[pa.Schema, list[pa.Table]] = {}
        for no, typed in pending:
            n = typed.table.num_rows
            table = typed.table.append_column(
                "_answer", pa.array([no] * n, pa.int32())
            ).append_column("_index", pa.array(range(n), pa.int32()))
            groups.setdefault(table.schema, []).append(table)
        frames = []
        for tables in groups.values():  # answers of one layout: one Arrow concat, one cast pass
            frame = pl.from_arrow(pa.concat_tables(tables))
            assert isinstance(frame, pl.DataFrame)
            frames.append(frame.with_columns(_cast_exprs(frame.schema)))
        raw = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal")
        if len(frames) > 1:
            raw = raw.sort("_answer", "_index")  # back in fetch order
        if raw.height == 0:
            return
        checks = _checks(frozenset(raw.columns))
        rows = (  # one pass: typed values, every rule, the output columns
            raw.lazy()
            .with_columns(_typed_exprs())
            .select(pl.any_horizontal([c.fails for c in checks]).alias("_fails"), *_rows_exprs())
            .collect()
        )
        if rows.get_column("_fails").any():
            self._raise_first(raw.with_columns(_typed_exprs()), checks, dict(pending))
        rows = rows.drop("_fails")
        del raw
        at_level = (
            pl.col("_hs6")
            if self.level == 6
            else (pl.col("hs6").str.len_chars() == self.level) & ~pl.col("_hs6")
        )
        hs6 = rows.filter(at_level)
        classic = (
            (pl.col("partner2_code") == 0)
            & (pl.col("mot_code") == 0)
            & (pl.col("customs_code") == "C00")
            & pl.col("_mos_ok")
        )
        kept = hs6.filter(classic).select(_KEPT)
        self.stats["records_in"] += rows.height
        self.stats["aggregate_rows_dropped"] += rows.height - hs6.height
        self.stats["breakdown_rows_dropped"] += hs6.height - kept.height
        world = pl.col("partner_code") == 0  # kept apart from here on: never one grain
        self._partners.append(kept.filter(~world))
        self._world.append(kept.filter(world))

    def _raise_first(
        self, df: pl.DataFrame, checks: list[_Check], typed: dict[int, TypedAnswer]
    ) -> None:
        """Raise the error of the first failing record (fetch order), first rule first."""
        fails = df.select([c.fails.alias(str(i)) for i, c in enumerate(checks)])
        row_no = int(fails.select(pl.any_horizontal(pl.all()).arg_max()).item())
        flags = fails.row(row_no)
        check = checks[flags.index(True)]
        row = df.row(row_no, named=True)
        no, index = int(row["_answer"]), int(row["_index"])
        url = self._urls[no]
        source = typed[no]
        if check.field == "" and not check.schema:
            raise source.conflicts[index]
        raw = _raw_record(source, index)
        ctx = record_context(raw)
        if check.schema:
            missing = [name for name in NEEDED_FIELDS if row.get(missing_column(name))]
            unknown = unknown_fields(raw)
            hint = (
                f"; the record carries keys Comtrade's schema does not know: {unknown[:10]} "
                "(renamed?)"
                if unknown
                else ""
            )
            raise ComtradeSchemaError(
                url,
                missing[0],
                f"missing: the normaliser needs it and the key is absent ({len(missing)} needed "
                f"field(s) absent: {missing[:10]}){hint}",
                index,
                unknown=unknown,
                **ctx,
            )
        if check.field == "*":
            raise ComtradeRecordError(url, "*", "record is not an object", index)
        raise ComtradeRecordError(url, check.field, check.message(row), index, **ctx)

    def finish(self, *, keep_order: bool = False) -> NormalisedTrade:
        """Deduplicate, sort, split and validate everything added (see the module docs).

        ``keep_order``: the rows stay in fetch order (each grain where it last occurs), which
        needs no copy of them (what the warehouse load uses: a table has no row order).
        """
        self._flush(final=True)
        self._wait()
        urls = pl.Series(self._urls, dtype=pl.String)
        shas = pl.Series(self._shas, dtype=pl.String)
        done = []
        for parts, schema in zip((self._partners, self._world), _SCHEMAS[self.level], strict=True):
            frame, duplicates, conflicting = _dedupe(parts, keep_order)
            parts.clear()
            widened = frame.with_columns(
                pl.lit(SOURCE).alias("source"),
                shas.gather(frame["_answer"]).alias("raw_sha256"),  # views into one buffer
                urls.gather(frame["_answer"]).alias("source_url"),  # per answer
            ).select(*OUTPUT_COLUMNS, "_index")
            del frame
            done.append((_validate(schema, widened), duplicates, conflicting))
            del widened
        (partners, dup_p, conf_p), (world, dup_w, conf_w) = done
        stats = {
            **self.stats,
            "duplicates_dropped": dup_p + dup_w,
            "conflicting_duplicates": conf_p + conf_w,
            "partner_rows": partners.height,
            "world_rows": world.height,
        }
        return NormalisedTrade(
            partners=partners, world=world, stats=stats, unknown_fields=list(self._unknown)
        )


def _dedupe(parts: list[pl.DataFrame], keep_order: bool) -> tuple[pl.DataFrame, int, int]:
    """The kept rows of every batch as one frame, each grain's last occurrence only; sorted
    (see :func:`_sorted_keys`) unless ``keep_order``. Returns it with the duplicates dropped
    and the conflicting ones (another value for a grain seen before)."""
    if not parts:
        empty = pl.DataFrame(schema={c: _POLARS_SCHEMA.get(c, pl.Int32) for c in _KEPT})
        return empty, 0, 0
    kept = pl.concat(parts, rechunk=False)
    keys = _sorted_keys(kept)
    duplicates = int(keys.select((~pl.col("_last")).sum()).item())
    conflicting = 0
    if duplicates:
        group_rows = kept[keys.filter(pl.col("_dup")).get_column("_row")]
        conflicting = (
            group_rows.select(pl.struct(_KEPT_GRAIN + _VALUE_COLUMNS).n_unique()).item()
            - group_rows.select(pl.struct(_KEPT_GRAIN).n_unique()).item()
        )
        del group_rows
    if keep_order:
        if duplicates:  # the first occurrences of a grain go; rows keep their fetch order
            dropped = keys.filter(~pl.col("_last")).get_column("_row")
            keep = pl.Series([True] * kept.height).scatter(dropped, False)
            kept = kept.filter(keep)
        return kept, duplicates, conflicting
    order = keys.filter(pl.col("_last")).get_column("_row") if duplicates else keys["_row"]
    del keys
    # the sorted copy is built column by column, each kept column let go as soon as it is
    # copied: memory holds about one copy of the rows, not two
    columns = kept.get_columns()
    del kept
    for i in range(len(columns)):
        columns[i] = columns[i].gather(order)
    return pl.DataFrame(columns), duplicates, conflicting


def _sorted_keys(kept: pl.DataFrame) -> pl.DataFrame:
    """The kept rows' output order: partner rows then World, each by (freq, period, flow, hs6,
    partner, reporter), in fetch order within a grain; ``_last`` marks the last row of each
    grain (the one kept) and ``_dup`` every row of a grain that occurs more than once.

    (The old normaliser sorted by the same keys without the reporter, with an unstable sort:
    rows that differ only in reporter, as mirror loads have, came in no defined order.) The
    string keys are packed into one integer when every period has its frequency's width (the
    integer's order is then the strings' order), which sorts several times faster.
    """
    col = pl.col
    world = col("partner_code") == 0
    standard = kept.select(
        pl.when(col("freq") == "A")
        .then(col("period").str.contains(r"^[0-9]{4}$"))
        .otherwise(col("period").str.contains(r"^[0-9]{6}$"))
        .all()
    ).item()
    if standard:
        packed = (  # bits: world 42, freq 41, period 21-40, flow 20, hs6 0-19
            world.cast(pl.UInt64) * 2**42
            + (col("freq") == "M").cast(pl.UInt64) * 2**41
            + col("period").str.to_integer().cast(pl.UInt64) * 2**21
            + (col("flow_code") == "X").cast(pl.UInt64) * 2**20
            + col("hs6").str.to_integer().cast(pl.UInt64)
        )
        order = [packed.alias("_key")]
    else:
        order = [world.alias("_key"), col("freq"), col("period"), col("flow_code"), col("hs6")]
    keys = kept.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
        world.alias("_world"),
        *order,
        "partner_code",
        "reporter_code",
    )
    grain = [e.meta.output_name() for e in order] + ["partner_code", "reporter_code"]
    keys = keys.sort(grain, maintain_order=True)  # a grain's rows side by side, in fetch order
    same_as_next = pl.all_horizontal([col(c) == col(c).shift(-1) for c in grain]).fill_null(False)
    return keys.with_columns((~same_as_next).alias("_last")).select(
        "_row",
        "_world",
        "_last",
        (~col("_last") | ~col("_last").shift(1).fill_null(True)).alias("_dup"),
    )


def _libc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        return None


_MALLOC_TRIM = _libc_trim()


def _give_back_memory() -> None:
    """Return the memory a batch freed (its bodies, the joined text, Arrow's parse) to the
    system: glibc keeps large freed blocks for reuse, which would add each batch's high-water
    mark to the memory the warehouse swap then needs."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _raw_record(source: TypedAnswer, index: int) -> Mapping[str, Any]:
    """A record as served (canonical keys), for an error's period/cmdCode/partnerCode."""
    if source.records is not None:
        rec = source.records[index]
    elif source.rows is not None:
        rec = source.rows.slice(index, 1).to_pylist()[0]
    else:  # pragma: no cover - every TypedAnswer has one
        return {}
    if not isinstance(rec, Mapping):
        return {}
    return fold_record(rec, "", index)[0]


# --------------------------------------------------------------------------- validation


#: Rows per slice when a frame is validated slice by slice.
VALIDATE_ROWS = 100_000


def _validate(schema: type[dy.Schema], df: pl.DataFrame) -> pl.DataFrame:
    """Validate ``df`` (output columns plus ``_index``); the first failure names its record.

    The rows are checked in slices (without the whole frame's rule columns in memory at
    once): every rule is about one row except the primary key, and after deduplication no two
    rows share a grain (the key plus constant columns), so the slices pass exactly when the
    frame does. A failure is then reported from the whole frame, as before.
    """
    checked = df.drop("_index")
    parts = [checked.slice(i, VALIDATE_ROWS) for i in range(0, checked.height, VALIDATE_ROWS)]
    if all(schema.is_valid(part) for part in parts):
        return checked
    good, failure = schema.filter(checked)
    counts = failure.counts()
    if not counts:  # pragma: no cover - is_valid said otherwise
        return good
    details = failure.details()
    rules = [c for c in details.columns if c in counts]
    first = details.row(0, named=True)
    bad = [rule for rule in rules if first[rule] == "invalid"] or rules
    rule = bad[0]
    column = rule.split("|", 1)[0] if "|" in rule else rule
    value = first.get(column, None) if column in first else None
    value_text = f" value {shown(value)}" if column in first else ""
    keys = ("source_url", "freq", "period", "flow_code", "partner_code", "hs6")
    match = df.filter(*[pl.col(k) == first.get(k) for k in keys if first.get(k) is not None])
    index = int(match["_index"][0]) if match.height else None
    raise ComtradeRecordError(
        str(first.get("source_url")),
        column,
        f"fails {schema.__name__} rule {rule!r}{value_text} (flow={first.get('flow_code')}); "
        f"{sum(counts.values())} rule failures in all: {counts}",
        index,
        period=first.get("period"),
        cmd_code=first.get("hs6"),
        partner_code=first.get("partner_code"),
    )


# --------------------------------------------------------------------------- entry points


def normalise_batches(
    batches: Iterable[RecordBatch], *, keep_order: bool = False, level: int = 6
) -> NormalisedTrade:
    """Normalise the records of several responses (in fetch order) into partner and World frames.

    Output rows are sorted by (freq, period, flow_code, hs6, partner_code) unless ``keep_order``.
    ``level`` 6 keeps HS6 rows, 4 the 4-digit heading rows (the other levels are dropped and
    counted in ``aggregate_rows_dropped``).
    """
    normaliser = TradeNormaliser(level=level)
    for batch in batches:
        normaliser.add(batch)
    return normaliser.finish(keep_order=keep_order)


def normalise_records(
    records: Sequence[Mapping[str, Any]], *, source_url: str, raw_sha256: str, level: int = 6
) -> NormalisedTrade:
    """Normalise the records of one response (``level``: see :func:`normalise_batches`)."""
    return normalise_batches([Batch(records, source_url, raw_sha256)], level=level)


def empty_trade_frame() -> pl.DataFrame:
    """An empty frame with the output schema (for partitions with no data)."""
    return TradeFlowSchema.create_empty()

"""The normaliser as it was before issue 11 (a Python loop over records), kept as the oracle.

The vectorised normaliser (``assets/comtrade/normalise.py``) must give the same frames, stats
and errors; ``test_comtrade_vectorised.py`` compares the two. This file is the old module
verbatim, except that it raises the production error classes (so both sides' errors compare
directly). Do not change its behaviour: it is the reference.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import dataframely as dy
import polars as pl

from assets.comtrade.normalise import ComtradeRecordError, ComtradeSchemaError

SOURCE = "comtrade"

#: The 47 fields of a final-data record, in API spelling (trade.md §1.5).
RECORD_FIELDS: tuple[str, ...] = (
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode",
    "reporterISO", "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO",
    "partnerDesc", "partner2Code", "partner2ISO", "partner2Desc", "classificationCode",
    "classificationSearchCode", "isOriginalClassification", "cmdCode", "cmdDesc", "aggrLevel",
    "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc", "qtyUnitCode",
    "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty",
    "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated",
    "cifvalue", "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
)  # fmt: skip

_CANONICAL = {name.lower(): name for name in RECORD_FIELDS}

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


#: Needed by the normaliser, present and non-null.
REQUIRED_FIELDS: tuple[str, ...] = (
    "freqCode", "refYear", "refMonth", "period", "reporterCode", "partnerCode", "partner2Code",
    "flowCode", "cmdCode", "aggrLevel", "classificationCode", "customsCode", "motCode",
    "primaryValue", "isQtyEstimated", "isNetWgtEstimated", "isReported", "isAggregate",
)  # fmt: skip
#: Needed by the normaliser, present; a null value is data (no figure), kept as null.
NULLABLE_FIELDS: tuple[str, ...] = (
    "cifvalue", "fobvalue", "netWgt", "qty", "qtyUnitCode", "qtyUnitAbbr", "legacyEstimationFlag",
)  # fmt: skip
#: Read when present, may be absent.
OPTIONAL_FIELDS: tuple[str, ...] = ("mosCode",)
_NEEDED = REQUIRED_FIELDS + NULLABLE_FIELDS

_INT32 = (-(2**31), 2**31 - 1)
_MAX_NUMBER_CHARS = 64
_HS6_RE = re.compile(r"^[0-9]{6}$")
_HS_AGGREGATE_RE = re.compile(r"^([0-9]{2}|[0-9]{4}|TOTAL)$")


def _shown(value: Any, limit: int = 60) -> str:
    """A short repr for error messages (never raises, whatever the value)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int of > 4300 digits, deeply nested lists
        size = f"{value.bit_length()} bits" if isinstance(value, int) else "deeply nested"
        text = f"<{type(value).__name__}: {size}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class RecordBatch(Protocol):
    """What normalisation needs from a response (``ComtradeResponse`` satisfies it)."""

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


# --------------------------------------------------------------------------- coercion


def _canonical_record(rec: Mapping[str, Any], url: str, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in rec.items():
        name = _CANONICAL.get(str(key).lower(), str(key))
        if name in out:
            prev = out[name]
            if prev is None:
                out[name] = value
            elif value is not None and _differs(value, prev):
                raise ComtradeRecordError(
                    url,
                    name,
                    f"spelled both {spelled[name]!r} ({_shown(prev)}) and {key!r} ({_shown(value)})",
                    index,
                    **_context(out),
                )
            continue
        out[name] = value
        spelled[name] = str(key)
    return out


def _differs(a: Any, b: Any) -> bool:
    try:
        return bool(a != b)
    except RecursionError:
        return True


def _context(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The identifying values of a (canonical-keyed) record, for error messages."""
    return {
        "period": rec.get("period"),
        "cmd_code": rec.get("cmdCode"),
        "partner_code": rec.get("partnerCode"),
    }


def unknown_fields(rec: Mapping[str, Any]) -> list[str]:
    """Keys of a record that are not in Comtrade's final-data schema (any casing)."""
    return [str(k) for k in rec if str(k).lower() not in _CANONICAL]


class _Coercer:
    def __init__(self, rec: Mapping[str, Any], url: str, index: int) -> None:
        self.rec = rec
        self.url = url
        self.index = index

    def _err(self, name: str, message: str) -> ComtradeRecordError:
        return ComtradeRecordError(self.url, name, message, self.index, **_context(self.rec))

    def check_schema(self, raw: Mapping[str, Any]) -> None:
        """Every needed key present (null allowed where :data:`NULLABLE_FIELDS` says so)."""
        missing = [name for name in _NEEDED if name not in self.rec]
        if not missing:
            return
        unknown = unknown_fields(raw)
        hint = (
            f"; the record carries keys Comtrade's schema does not know: {unknown[:10]} (renamed?)"
            if unknown
            else ""
        )
        raise ComtradeSchemaError(
            self.url,
            missing[0],
            f"missing: the normaliser needs it and the key is absent ({len(missing)} needed "
            f"field(s) absent: {missing[:10]}){hint}",
            self.index,
            unknown=unknown,
            **_context(self.rec),
        )

    def _get(self, name: str, required: bool) -> Any:
        if name not in self.rec:
            if required:
                raise self._err(name, "missing")
            return None
        value = self.rec[name]
        if isinstance(value, str) and value.strip() == "" and not required:
            return None
        if value is None and required:
            raise self._err(name, "is null")
        return value

    def int_(
        self, name: str, required: bool = True, bounds: tuple[int, int] = _INT32
    ) -> int | None:
        v = self._get(name, required)
        if v is None:
            return None
        out: int | None = None
        if isinstance(v, bool):
            pass
        elif isinstance(v, int):
            out = v
        elif isinstance(v, float) and v.is_integer():
            out = int(v)
        elif isinstance(v, str) and len(v) <= _MAX_NUMBER_CHARS:
            with contextlib.suppress(ValueError):
                out = int(v.strip())
        if out is None:
            raise self._err(name, f"expected an integer, got {_shown(v)}")
        lo, hi = bounds
        if not lo <= out <= hi:
            raise self._err(name, f"integer {_shown(v)} is outside {lo}..{hi}")
        return out

    def float_(self, name: str, required: bool = False) -> float | None:
        v = self._get(name, required)
        if v is None:
            return None
        f: float | None = None
        try:
            if isinstance(v, bool):
                pass
            elif isinstance(v, int | float):
                f = float(v)
            elif isinstance(v, str) and len(v) <= _MAX_NUMBER_CHARS:
                f = float(v.strip())
        except (ValueError, OverflowError):
            f = None
        if f is None:
            raise self._err(name, f"expected a number, got {_shown(v)}")
        if math.isnan(f) or math.isinf(f):
            raise self._err(name, f"expected a finite number, got {_shown(v)}")
        return f

    def bool_(self, name: str, required: bool = True) -> bool | None:
        v = self._get(name, required)
        if v is None:
            return None
        if isinstance(v, bool):
            return v
        if isinstance(v, int) and v in (0, 1):
            return bool(v)
        if isinstance(v, str) and v.strip().lower() in ("true", "false"):
            return v.strip().lower() == "true"
        raise self._err(name, f"expected a boolean, got {_shown(v)}")

    def str_(self, name: str, required: bool = True) -> str | None:
        v = self._get(name, required)
        if v is None:
            return None
        if not isinstance(v, str):
            raise self._err(name, f"expected a string, got {type(v).__name__} {_shown(v)}")
        return v.strip()


def _row(rec: Mapping[str, Any], url: str, sha: str, index: int) -> dict[str, Any]:
    r = _Coercer(_canonical_record(rec, url, index), url, index)
    r.check_schema(rec)
    freq = r.str_("freqCode")
    ref_year = r.int_("refYear")
    ref_month = r.int_("refMonth")
    period_raw = r._get("period", True)
    if isinstance(period_raw, int) and not isinstance(period_raw, bool):
        period = str(r.int_("period"))  # bulk listings serve it as an int
    else:
        period = r.str_("period")
    assert freq is not None and ref_year is not None and ref_month is not None
    if freq == "A":
        if ref_month != 52:
            raise r._err("refMonth", f"annual record must carry refMonth 52, got {ref_month}")
        if period != str(ref_year):
            raise r._err(
                "period", f"annual period {_shown(period)} does not match refYear {ref_year}"
            )
        month: int | None = None
    elif freq == "M":
        if not 1 <= ref_month <= 12:
            raise r._err("refMonth", f"monthly record must carry refMonth 1-12, got {ref_month}")
        if period != f"{ref_year}{ref_month:02d}":
            raise r._err(
                "period", f"monthly period {_shown(period)} does not match {ref_year}/{ref_month}"
            )
        month = ref_month
    else:
        raise r._err("freqCode", f"expected 'A' or 'M', got {_shown(freq)}")
    cmd = r.str_("cmdCode")
    aggr = r.int_("aggrLevel", bounds=(0, 12))
    assert cmd is not None and aggr is not None
    if _HS6_RE.match(cmd):
        level = 6
    elif _HS_AGGREGATE_RE.match(cmd):
        level = 0 if cmd == "TOTAL" else len(cmd)
    else:
        raise r._err("cmdCode", f"expected a 6-digit HS6 code, got {_shown(cmd)}")
    if level != aggr:
        raise r._err("cmdCode", f"{cmd!r} does not match aggrLevel {aggr}")
    flow = r.str_("flowCode")
    if flow not in ("M", "X"):
        raise r._err("flowCode", f"expected 'M' or 'X', got {_shown(flow)}")
    mos = r._get("mosCode", False)
    if isinstance(mos, bool) or not isinstance(mos, str | int | None):
        raise r._err("mosCode", f"expected a code, got {_shown(mos)}")
    unit_code = r.int_("qtyUnitCode", required=False)
    unit = r.str_("qtyUnitAbbr", required=False)
    if unit_code == -1 or (unit is not None and unit.upper() == "N/A"):
        unit = None
    return {
        "source": SOURCE,
        "reporter_code": r.int_("reporterCode"),
        "partner_code": r.int_("partnerCode"),
        "flow_code": flow,
        "freq": freq,
        "period": period,
        "ref_year": ref_year,
        "ref_month": month,
        "hs6": cmd,
        "hs_edition": r.str_("classificationCode"),
        "primary_value_usd": r.float_("primaryValue", required=True),
        "cif_value_usd": r.float_("cifvalue"),
        "fob_value_usd": r.float_("fobvalue"),
        "net_weight_kg": r.float_("netWgt"),
        "qty": r.float_("qty"),
        "qty_unit": unit,
        "is_qty_estimated": r.bool_("isQtyEstimated"),
        "is_net_wgt_estimated": r.bool_("isNetWgtEstimated"),
        "is_reported": r.bool_("isReported"),
        "is_aggregate": r.bool_("isAggregate"),
        "legacy_estimation_flag": r.int_("legacyEstimationFlag", required=False),
        "raw_sha256": sha,
        "source_url": url,
        "partner2_code": r.int_("partner2Code"),
        "customs_code": r.str_("customsCode"),
        "mot_code": r.int_("motCode"),
        "_mos_ok": mos is None or mos == 0 or (isinstance(mos, str) and mos.strip() in ("0", "")),
        "_hs6": level == 6,
        "_index": index,
    }


# --------------------------------------------------------------------------- validation


def _validate(schema: type[dy.Schema], df: pl.DataFrame) -> pl.DataFrame:
    """Validate ``df`` (output columns plus ``_index``); the first failure names its record."""
    good, failure = schema.filter(df.drop("_index"))
    counts = failure.counts()
    if not counts:
        return good
    details = failure.details()
    rules = [c for c in details.columns if c in counts]
    first = details.row(0, named=True)
    bad = [rule for rule in rules if first[rule] == "invalid"] or rules
    rule = bad[0]
    column = rule.split("|", 1)[0] if "|" in rule else rule
    value = first.get(column, None) if column in first else None
    shown = f" value {_shown(value)}" if column in first else ""
    keys = ("source_url", "freq", "period", "flow_code", "partner_code", "hs6")
    match = df.filter(*[pl.col(k) == first.get(k) for k in keys if first.get(k) is not None])
    index = int(match["_index"][0]) if match.height else None
    raise ComtradeRecordError(
        str(first.get("source_url")),
        column,
        f"fails {schema.__name__} rule {rule!r}{shown} (flow={first.get('flow_code')}); "
        f"{sum(counts.values())} rule failures in all: {counts}",
        index,
        period=first.get("period"),
        cmd_code=first.get("hs6"),
        partner_code=first.get("partner_code"),
    )


# --------------------------------------------------------------------------- entry points


def normalise_batches(
    batches: Iterable[RecordBatch], *, keep_order: bool = False
) -> NormalisedTrade:
    """Normalise the records of several responses (in fetch order) into partner and World frames.

    Output rows are sorted by (freq, period, flow_code, hs6, partner_code) unless ``keep_order``.
    """
    rows: list[dict[str, Any]] = []
    unknown: dict[str, None] = {}
    records_in = 0
    for batch in batches:
        for i, rec in enumerate(batch.records):
            if not isinstance(rec, Mapping):
                raise ComtradeRecordError(batch.source_url, "*", "record is not an object", i)
            rows.append(_row(rec, batch.source_url, batch.raw_sha256, i))
            for key in unknown_fields(rec):
                if len(unknown) < 50:
                    unknown.setdefault(key, None)
            records_in += 1
    schema = {**_POLARS_SCHEMA, "_mos_ok": pl.Boolean, "_hs6": pl.Boolean, "_index": pl.Int64}
    df = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)

    hs6_rows = df.filter(pl.col("_hs6"))
    aggregate_dropped = df.height - hs6_rows.height
    classic = (
        (pl.col("partner2_code") == 0)
        & (pl.col("mot_code") == 0)
        & (pl.col("customs_code") == "C00")
        & pl.col("_mos_ok")
    )
    kept = hs6_rows.filter(classic)
    breakdown_dropped = hs6_rows.height - kept.height

    value_cols = [
        c for c in OUTPUT_COLUMNS if c not in GRAIN and c not in ("raw_sha256", "source_url")
    ]
    distinct_versions = kept.unique(subset=[*GRAIN, *value_cols]).height
    deduped = kept.unique(subset=list(GRAIN), keep="last", maintain_order=True)
    duplicates_dropped = kept.height - deduped.height
    conflicting = distinct_versions - deduped.height

    out = deduped.select(*OUTPUT_COLUMNS, "_index")
    if not keep_order:
        out = out.sort(["freq", "period", "flow_code", "hs6", "partner_code"])
    partners = _validate(TradeFlowSchema, out.filter(pl.col("partner_code") != 0))
    world = _validate(WorldTotalSchema, out.filter(pl.col("partner_code") == 0))
    stats = {
        "records_in": records_in,
        "aggregate_rows_dropped": aggregate_dropped,
        "breakdown_rows_dropped": breakdown_dropped,
        "duplicates_dropped": duplicates_dropped,
        "conflicting_duplicates": conflicting,
        "partner_rows": partners.height,
        "world_rows": world.height,
    }
    return NormalisedTrade(
        partners=partners, world=world, stats=stats, unknown_fields=list(unknown)
    )


def normalise_records(
    records: Sequence[Mapping[str, Any]], *, source_url: str, raw_sha256: str
) -> NormalisedTrade:
    """Normalise the records of one response."""
    return normalise_batches([Batch(records, source_url, raw_sha256)])


def empty_trade_frame() -> pl.DataFrame:
    """An empty frame with the output schema (for partitions with no data)."""
    return TradeFlowSchema.create_empty()

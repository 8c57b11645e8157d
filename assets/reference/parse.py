"""Pure parsers for the reference inputs of ``dim_mineral``, ``dim_hs_code`` and ``dim_country``.

Inputs:

* ``warehouse/reference/critical_minerals.csv`` -- India's 30 critical minerals (June 2023 list);
* ``warehouse/reference/hs_mineral_map.csv`` -- mineral -> HS6 x edition (shared/research/trade.md
  section 3.3);
* Comtrade reference files ``H5.json`` / ``H6.json`` (HS2017 / HS2022 commodity lists),
  ``Reporters.json`` and ``partnerAreas.json`` (area codes; *not* ISO numeric: India 699, World 0)
  and ``QuantityUnits.json`` (the units named by the HS lists' ``standardUnitAbbr``).

Every frame leaving this module is validated with a dataframely schema. Anything malformed raises
:class:`ReferenceDataError`, whose message starts with the file name and names the record/line and
the field, e.g. ``Reporters.json: record 12 field 'reporterCode' is not an integer (...)`` or
``critical_minerals.csv: column 'mineral_id' has nulls at line 4``. JSON records are numbered from
0 (their index in ``results``); CSV lines are numbered from 1 with the header as line 1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dataframely as dy
import polars as pl
from dataframely.exc import SchemaError, ValidationError

from assets.reference.policy import HS_EDITIONS, REFERENCE_URLS

# --------------------------------------------------------------------------- vocabularies

#: Value-chain stages used in hs_mineral_map.csv.
STAGES: tuple[str, ...] = (
    "ore",
    "mineral",
    "intermediate",
    "oxide",
    "chemical",
    "compound",
    "element",
    "metal",
    "alloy",
    "ferroalloy",
    "scrap",
    "articles",
    "processed",
    "fertiliser",
    "magnet",
    "downstream",
)
#: specific = the code carries only that mineral; mixed = several minerals share it;
#: downstream = a product that contains the mineral (cells, magnets, pigments, fertilisers).
SPECIFICITIES: tuple[str, ...] = ("specific", "mixed", "downstream")
MINERAL_GROUPS: tuple[str, ...] = (
    "battery",
    "rare earths",
    "base metal",
    "precious",
    "fertiliser",
    "alloying",
    "electronics",
)

_POS = "source_row"  # internal: record index (JSON) or line number (CSV), dropped on output


class ReferenceDataError(ValueError):
    """A reference file does not have the expected shape. The message names file and field."""

    def __init__(self, source: str | Path, detail: str) -> None:
        self.source = str(source)
        self.detail = detail
        label = source_label(source)
        where = f" ({self.source})" if label != self.source else ""
        super().__init__(f"{label}: {detail}{where}")


def source_label(source: str | Path) -> str:
    """The file name of a URL or path: ``.../reference/Reporters.json`` -> ``Reporters.json``."""
    text = str(source)
    path = urlsplit(text).path if "://" in text else text
    return Path(path).name or text


# --------------------------------------------------------------------------- schemas


class _Positioned(dy.Schema):
    source_row = dy.Int64(nullable=False)


class HsReferenceSchema(_Positioned):
    """One HS6 code of one edition, as listed in Comtrade's H5.json / H6.json."""

    hs6 = dy.String(nullable=False, primary_key=True, regex=r"^\d{6}$")
    edition = dy.String(nullable=False, regex=r"^H[0-6]$")
    description = dy.String(nullable=False, min_length=1)
    parent = dy.String(nullable=False, regex=r"^\d{4}$")
    is_leaf = dy.Bool(nullable=False)
    standard_unit = dy.String(nullable=True)

    @dy.rule()
    def parent_is_heading(cls) -> pl.Expr:
        return pl.col("parent") == pl.col("hs6").str.slice(0, 4)


class CountrySchema(_Positioned):
    """One Comtrade area code (reporter and/or partner)."""

    area_code = dy.Int32(nullable=False, primary_key=True, min=0, max=999)
    iso3 = dy.String(nullable=True, min_length=1)
    iso2 = dy.String(nullable=True, min_length=1)
    name = dy.String(nullable=False, min_length=1)
    is_reporter = dy.Bool(nullable=False)
    is_partner = dy.Bool(nullable=False)
    is_group = dy.Bool(nullable=False)
    valid_from = dy.Date(nullable=False)
    valid_to = dy.Date(nullable=True)

    @dy.rule()
    def valid_to_after_valid_from(cls) -> pl.Expr:
        return pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("valid_from"))

    @dy.rule()
    def reporter_or_partner(cls) -> pl.Expr:
        return pl.col("is_reporter") | pl.col("is_partner")


class QuantityUnitSchema(_Positioned):
    """One Comtrade quantity unit (``QuantityUnits.json``): -1 = N/A, 8 = kg..."""

    qty_code = dy.Int32(nullable=False, primary_key=True)
    qty_abbr = dy.String(nullable=False, min_length=1)
    description = dy.String(nullable=True)

    @dy.rule()
    def abbreviation_is_unique(cls) -> pl.Expr:
        return pl.col("qty_abbr").is_unique()


class MineralSchema(_Positioned):
    """One of India's critical minerals."""

    mineral_id = dy.String(nullable=False, primary_key=True, regex=r"^[a-z][a-z0-9_]*$")
    name = dy.String(nullable=False, min_length=1)
    symbol_or_group = dy.String(nullable=False, min_length=1)
    group = dy.String(nullable=False, check=lambda c: c.is_in(MINERAL_GROUPS))
    in_mmdr_part_d = dy.Bool(nullable=False)
    in_list_since = dy.Date(nullable=False)
    notes = dy.String(nullable=True)


class HsMapSchema(_Positioned):
    """One (mineral, HS6, edition) row of hs_mineral_map.csv."""

    mineral_id = dy.String(nullable=False, primary_key=True, regex=r"^[a-z][a-z0-9_]*$")
    hs6 = dy.String(nullable=False, primary_key=True, regex=r"^\d{6}$")
    edition = dy.String(nullable=False, primary_key=True, check=lambda c: c.is_in(HS_EDITIONS))
    stage = dy.String(nullable=False, check=lambda c: c.is_in(STAGES))
    specificity = dy.String(nullable=False, check=lambda c: c.is_in(SPECIFICITIES))
    description = dy.String(nullable=False, min_length=1)
    note = dy.String(nullable=True)

    @dy.rule()
    def specific_code_has_one_mineral(cls) -> pl.Expr:
        """A code marked ``specific`` may not be mapped to any other mineral in that edition."""
        n_minerals = pl.col("mineral_id").n_unique().over(["hs6", "edition"])
        return (pl.col("specificity") != "specific") | (n_minerals == 1)


class HsMapValidatedSchema(dy.Schema):
    """A mapping row whose code exists in its edition, with the official description."""

    mineral_id = dy.String(nullable=False, primary_key=True)
    hs6 = dy.String(nullable=False, primary_key=True, regex=r"^\d{6}$")
    edition = dy.String(nullable=False, primary_key=True, check=lambda c: c.is_in(HS_EDITIONS))
    stage = dy.String(nullable=False, check=lambda c: c.is_in(STAGES))
    specificity = dy.String(nullable=False, check=lambda c: c.is_in(SPECIFICITIES))
    description = dy.String(nullable=False, min_length=1)  # official, from H5.json/H6.json
    short_description = dy.String(nullable=False, min_length=1)  # from the mapping CSV
    note = dy.String(nullable=True)
    standard_unit = dy.String(nullable=True)


# --------------------------------------------------------------------------- validation helpers

_RULE_TEXT = {
    "nullability": "has nulls",
    "regex": "has values that do not match the expected pattern",
    "check": "has values outside the allowed set",
    "min_length": "has empty values",
    "min": "has values below the minimum",
    "max": "has values above the maximum",
}


def _validate(schema: type[dy.Schema], df: pl.DataFrame, source: str, unit: str) -> pl.DataFrame:
    """Validate ``df`` with ``schema``; translate failures into a ReferenceDataError.

    ``unit`` is how rows are called in messages ("record" for JSON, "line" for CSV).
    """
    try:
        good, failure = schema.filter(df)
    except (SchemaError, ValidationError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise ReferenceDataError(source, f"does not match {schema.__name__}: {first}") from exc
    counts = failure.counts()
    if not counts:
        return good.drop(_POS) if _POS in good.columns else good
    details = failure.details()
    messages = []
    for rule, n in counts.items():
        bad = details.filter(pl.col(rule) == "invalid")
        rows = _rows_text(bad, unit)
        column, sep, kind = rule.partition("|")
        if sep:
            values = bad.get_column(column).head(5).to_list()
            shown = "" if kind == "nullability" else f": {values}"
            text = _RULE_TEXT.get(kind, f"fails check '{kind}'")
            messages.append(f"column '{column}' {text} at {rows}{shown}")
        elif rule == "primary_key":
            keys = schema.primary_key()
            values = bad.select(keys).unique(maintain_order=True).head(5).rows()
            messages.append(f"duplicate key {tuple(keys)} at {rows}: {values}")
        else:
            messages.append(f"rule '{rule}' fails at {rows} ({n} rows)")
    raise ReferenceDataError(source, "; ".join(messages))


def _rows_text(bad: pl.DataFrame, unit: str) -> str:
    if _POS not in bad.columns:
        return f"{bad.height} rows"
    positions = bad.get_column(_POS).head(10).to_list()
    more = "" if bad.height <= 10 else f" (+{bad.height - 10} more)"
    return f"{unit}{'s' if len(positions) > 1 else ''} {', '.join(map(str, positions))}{more}"


# --------------------------------------------------------------------------- JSON helpers


def _load_json(body: bytes, source: str) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(source, f"is not UTF-8 text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(source, f"is not valid JSON: {exc}") from exc


def _results(doc: Any, source: str) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        raise ReferenceDataError(source, f"top level is {type(doc).__name__}, expected an object")
    if "results" not in doc:
        raise ReferenceDataError(source, "top-level key 'results' is missing")
    results = doc["results"]
    if not isinstance(results, list):
        raise ReferenceDataError(source, "top-level key 'results' is not a list")
    for i, rec in enumerate(results):
        if not isinstance(rec, dict):
            raise ReferenceDataError(source, f"record {i} is {type(rec).__name__}, not an object")
    return results


class _Record:
    """Typed access to one JSON record; every failure names the record and the field."""

    def __init__(self, rec: dict[str, Any], index: int, source: str) -> None:
        self.rec = rec
        self.index = index
        self.source = source
        self._lower = {k.lower(): k for k in rec}

    def _fail(self, key: str, problem: str) -> ReferenceDataError:
        return ReferenceDataError(self.source, f"record {self.index} field '{key}' {problem}")

    def _get(self, key: str, required: bool, case_insensitive: bool = False) -> Any:
        actual = self._lower.get(key.lower()) if case_insensitive else key
        if actual is None or actual not in self.rec:
            if required:
                raise self._fail(key, "is missing")
            return None
        return self.rec[actual]

    def string(self, key: str, *, required: bool = True, ci: bool = False) -> str | None:
        value = self._get(key, required, ci)
        if value is None:
            if required:
                raise self._fail(key, "is null")
            return None
        if not isinstance(value, str):
            raise self._fail(key, f"is not a string (got {value!r})")
        value = value.strip()
        if required and not value:
            raise self._fail(key, "is empty")
        return value or None

    def integer(self, key: str, *, required: bool = True, ci: bool = False) -> int | None:
        value = self._get(key, required, ci)
        if value is None and not required:
            return None
        if isinstance(value, bool) or value is None:
            raise self._fail(key, f"is not an integer (got {value!r})")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            return int(value)
        raise self._fail(key, f"is not an integer (got {value!r})")

    def boolean(self, key: str) -> bool:
        value = self._get(key, True)
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false"):
            return value.strip().lower() in ("1", "true")
        raise self._fail(key, f"is not a boolean (got {value!r})")

    def day(self, key: str, *, required: bool = True) -> date | None:
        value = self.string(key, required=required)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value).date()
        except ValueError as exc:
            raise self._fail(key, f"is not an ISO date (got {value!r})") from exc


# --------------------------------------------------------------------------- HS reference


def parse_hs_reference(body: bytes, edition: str, url: str) -> pl.DataFrame:
    """Parse Comtrade's ``H5.json`` / ``H6.json`` into one row per HS6 code.

    Columns: hs6, edition, description (text without the ``"283691 - "`` prefix), parent
    (4-digit heading), is_leaf (bool; the file has the strings "0"/"1"), standard_unit.
    Chapters, headings and the TOTAL row are dropped.
    """
    doc = _load_json(body, url)
    records = _results(doc, url)
    class_code = doc.get("classCode")
    if class_code is not None and class_code != edition:
        raise ReferenceDataError(
            url, f"field 'classCode' is {class_code!r}, expected edition {edition!r}"
        )
    rows: list[dict[str, Any]] = []
    for i, raw in enumerate(records):
        rec = _Record(raw, i, url)
        code = rec.string("id")
        assert code is not None
        level = rec.integer("aggrLevel", required=False, ci=True)
        if level is None and not re.fullmatch(r"\d{6}", code):
            continue
        if level is not None and level != 6:
            continue
        text = rec.string("text")
        assert text is not None
        prefix = f"{code} - "
        description = text[len(prefix) :].strip() if text.startswith(prefix) else text
        unit = rec.string("standardUnitAbbr", required=False)
        rows.append(
            {
                _POS: i,
                "hs6": code,
                "edition": edition,
                "description": description,
                "parent": rec.string("parent"),
                "is_leaf": rec.boolean("isLeaf"),
                "standard_unit": None if unit in (None, "n/a") else unit,
            }
        )
    if not rows:
        raise ReferenceDataError(url, "contains no 6-digit commodity codes")
    df = pl.DataFrame(rows, schema=_schema_of(HsReferenceSchema))
    return _validate(HsReferenceSchema, df, url, "record")


# --------------------------------------------------------------------------- countries


def _areas(
    body: bytes,
    source: str,
    code_key: str,
    iso2_key: str,
    iso3_key: str,
) -> dict[int, dict[str, Any]]:
    records = _results(_load_json(body, source), source)
    out: dict[int, dict[str, Any]] = {}
    for i, raw in enumerate(records):
        rec = _Record(raw, i, source)
        area = rec.integer("id")
        assert area is not None
        code = rec.integer(code_key, required=False)
        if code is not None and code != area:
            raise ReferenceDataError(
                source, f"record {i} field '{code_key}' is {code}, but field 'id' is {area}"
            )
        if area in out:
            first = out[area][_POS]
            raise ReferenceDataError(
                source, f"record {i} field 'id' repeats area code {area} (first at record {first})"
            )
        out[area] = {
            _POS: i,
            "name": rec.string("text"),
            "iso2": rec.string(iso2_key, required=False),
            "iso3": rec.string(iso3_key, required=False),
            "is_group": rec.boolean("isGroup"),
            "valid_from": rec.day("entryEffectiveDate"),
            "valid_to": rec.day("entryExpiredDate", required=False),
        }
    if not out:
        raise ReferenceDataError(source, "field 'results' is empty")
    return out


def parse_countries(
    reporters: bytes,
    partners: bytes,
    urls: tuple[str, str] = (REFERENCE_URLS["reporters"], REFERENCE_URLS["partners"]),
) -> pl.DataFrame:
    """Merge ``Reporters.json`` and ``partnerAreas.json`` into one row per Comtrade area code.

    Columns: area_code, iso3, iso2, name, is_reporter, is_partner, is_group, valid_from,
    valid_to (null while the code is in use). Where both files list a code, the reporter record
    wins for name, ISO codes and dates. ``urls`` is (reporters_url, partners_url).
    """
    reporters_url, partners_url = urls
    rep = _areas(
        reporters, reporters_url, "reporterCode", "reporterCodeIsoAlpha2", "reporterCodeIsoAlpha3"
    )
    par = _areas(
        partners, partners_url, "PartnerCode", "PartnerCodeIsoAlpha2", "PartnerCodeIsoAlpha3"
    )
    rows = []
    for code in sorted(rep.keys() | par.keys()):
        main = rep.get(code) or par[code]
        rows.append(
            {
                _POS: code,
                "area_code": code,
                "iso3": main["iso3"],
                "iso2": main["iso2"],
                "name": main["name"],
                "is_reporter": code in rep,
                "is_partner": code in par,
                "is_group": main["is_group"],
                "valid_from": main["valid_from"],
                "valid_to": main["valid_to"],
            }
        )
    df = pl.DataFrame(rows, schema=_schema_of(CountrySchema))
    return _validate(CountrySchema, df, f"{reporters_url} + {partners_url}", "area code")


# --------------------------------------------------------------------------- quantity units


def parse_quantity_units(body: bytes, url: str = REFERENCE_URLS["qty_units"]) -> pl.DataFrame:
    """Parse Comtrade's ``QuantityUnits.json`` into one row per unit.

    Columns: qty_code (``qtyCode``; -1 is "N/A"), qty_abbr (``qtyAbbr``, e.g. "kg"),
    description (``qtyDescription``).
    """
    records = _results(_load_json(body, url), url)
    rows = []
    for i, raw in enumerate(records):
        rec = _Record(raw, i, url)
        rows.append(
            {
                _POS: i,
                "qty_code": rec.integer("qtyCode"),
                "qty_abbr": rec.string("qtyAbbr"),
                "description": rec.string("qtyDescription", required=False),
            }
        )
    if not rows:
        raise ReferenceDataError(url, "field 'results' is empty")
    df = pl.DataFrame(rows, schema=_schema_of(QuantityUnitSchema))
    return _validate(QuantityUnitSchema, df, url, "record")


# --------------------------------------------------------------------------- CSV files


def _read_csv(path: str | Path, columns: Sequence[str]) -> pl.DataFrame:
    source = str(path)
    try:
        df = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except FileNotFoundError as exc:
        raise ReferenceDataError(source, "file not found") from exc
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(source, f"is not a readable CSV file: {exc}") from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ReferenceDataError(source, f"column '{missing[0]}' is missing (header: {df.columns})")
    df = df.select(columns).with_columns(pl.col(c).str.strip_chars() for c in columns)
    df = df.with_columns(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in columns
    )
    return df.with_row_index(_POS, offset=2).with_columns(pl.col(_POS).cast(pl.Int64))


def _convert(
    df: pl.DataFrame,
    column: str,
    convert: Callable[[pl.Expr], pl.Expr],
    what: str,
    source: str,
) -> pl.DataFrame:
    """Convert a string column; any non-null input that fails to convert is an error."""
    out = df.with_columns(convert(pl.col(column)).alias(column))
    bad = df.filter(pl.col(column).is_not_null() & out.get_column(column).is_null())
    if bad.height:
        lines = ", ".join(map(str, bad.get_column(_POS).head(10).to_list()))
        values = bad.get_column(column).head(5).to_list()
        raise ReferenceDataError(
            source, f"column '{column}' is not {what} at line(s) {lines}: {values}"
        )
    return out


def _to_bool(col: pl.Expr) -> pl.Expr:
    lowered = col.str.to_lowercase()
    return (
        pl.when(lowered.is_in(["true", "1", "yes"]))
        .then(True)
        .when(lowered.is_in(["false", "0", "no"]))
        .then(False)
        .otherwise(None)
    )


def load_minerals_csv(path: str | Path) -> pl.DataFrame:
    """Load ``critical_minerals.csv`` (one row per mineral), validated."""
    source = str(path)
    columns = [n for n in MineralSchema.column_names() if n != _POS]
    df = _read_csv(path, columns)
    df = _convert(df, "in_mmdr_part_d", _to_bool, "a boolean (true/false)", source)
    df = _convert(
        df,
        "in_list_since",
        lambda c: c.str.to_date("%Y-%m-%d", strict=False),
        "a date (YYYY-MM-DD)",
        source,
    )
    return _validate(MineralSchema, df, source, "line")


def load_hs_map_csv(path: str | Path) -> pl.DataFrame:
    """Load ``hs_mineral_map.csv`` (one row per mineral x HS6 x edition), validated."""
    source = str(path)
    columns = [n for n in HsMapSchema.column_names() if n != _POS]
    df = _read_csv(path, columns)
    return _validate(HsMapSchema, df, source, "line")


# --------------------------------------------------------------------------- map x reference


def validate_hs_map(
    map_df: pl.DataFrame,
    hs_ref_by_edition: Mapping[str, pl.DataFrame],
    minerals: pl.DataFrame | None = None,
    units: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """Check every mapped code against the reference list of its edition.

    Returns ``(validated, problems)``. ``validated`` holds the mapping rows whose code exists in
    its edition, with ``description`` = the official Comtrade text and ``short_description`` =
    the CSV's text. ``problems`` lists, in plain words, every code absent from its edition, codes
    that are not leaves, editions without a reference list and -- when ``minerals`` is given --
    unknown mineral ids and minerals without any code in an edition, and -- when ``units`` (from
    :func:`parse_quantity_units`) is given -- standard units that are not Comtrade quantity units.
    An empty list means the map is consistent; the asset check blocks otherwise.
    """
    problems: list[str] = []
    label = "hs_mineral_map.csv"
    for edition in sorted(set(map_df.get_column("edition").to_list())):
        if edition not in hs_ref_by_edition:
            n = map_df.filter(pl.col("edition") == edition).height
            problems.append(f"{label}: no reference list for edition {edition} ({n} rows)")
    refs = [
        ref.select(
            "hs6",
            pl.lit(edition).alias("edition"),
            pl.col("description").alias("official_description"),
            "is_leaf",
            "standard_unit",
        )
        for edition, ref in hs_ref_by_edition.items()
    ]
    ref_all = pl.concat(refs) if refs else None
    if ref_all is None:
        joined = map_df.with_columns(
            pl.lit(None, pl.String).alias("official_description"),
            pl.lit(None, pl.Boolean).alias("is_leaf"),
            pl.lit(None, pl.String).alias("standard_unit"),
        )
    else:
        joined = map_df.join(ref_all, on=["hs6", "edition"], how="left")
    absent = joined.filter(
        pl.col("official_description").is_null() & pl.col("edition").is_in(list(hs_ref_by_edition))
    )
    for row in absent.sort("edition", "hs6", "mineral_id").iter_rows(named=True):
        problems.append(
            f"{label}: {row['hs6']} ({row['mineral_id']}) is not in the {row['edition']} "
            f"reference list ({source_label(REFERENCE_URLS.get(row['edition'], row['edition']))})"
        )
    not_leaf = joined.filter(pl.col("is_leaf") == False)  # noqa: E712
    for row in not_leaf.iter_rows(named=True):
        problems.append(
            f"{label}: {row['hs6']} ({row['mineral_id']}, {row['edition']}) is not a leaf code"
        )
    found = joined.filter(pl.col("official_description").is_not_null())
    validated = found.select(
        "mineral_id",
        "hs6",
        "edition",
        "stage",
        "specificity",
        pl.col("official_description").alias("description"),
        pl.col("description").alias("short_description"),
        "note",
        "standard_unit",
    ).sort("mineral_id", "hs6", "edition")
    validated = _validate(HsMapValidatedSchema, validated, label, "row")
    if units is not None:
        known_units = set(units.get_column("qty_abbr").to_list())
        odd = validated.filter(
            pl.col("standard_unit").is_not_null() & ~pl.col("standard_unit").is_in(known_units)
        )
        for row in odd.iter_rows(named=True):
            problems.append(
                f"{label}: {row['hs6']} ({row['mineral_id']}, {row['edition']}) has standard "
                f"unit {row['standard_unit']!r}, which is not in QuantityUnits.json"
            )
    if minerals is not None:
        known = set(minerals.get_column("mineral_id").to_list())
        for unknown in sorted(set(map_df.get_column("mineral_id").to_list()) - known):
            problems.append(f"{label}: mineral_id '{unknown}' is not in critical_minerals.csv")
        for edition in hs_ref_by_edition:
            covered = set(
                validated.filter(pl.col("edition") == edition).get_column("mineral_id").to_list()
            )
            for mineral in sorted(known - covered):
                problems.append(f"{label}: mineral '{mineral}' has no valid code in {edition}")
    return validated, problems


# --------------------------------------------------------------------------- utilities


def _schema_of(schema: type[dy.Schema]) -> dict[str, pl.DataType]:
    return {name: column.dtype for name, column in schema.columns().items()}

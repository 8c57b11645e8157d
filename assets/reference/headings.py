"""HS 4-digit headings whose totals the trade loads fetch beside the HS6 codes (issue 12).

``warehouse/reference/hs_heading_map.csv`` lists them (heading x edition -> mineral). Each is
checked against UN Comtrade's official list of its edition, where a heading is a record with
``aggrLevel`` 4 (``"2504 - Graphite; natural"``). The loads ask Comtrade for the validated
headings and store India's answer with ``hs_level = 4``: the reporter's own total for the whole
heading, a cross-check of the HS6 rows under it, never summed with them (the marts read HS6
rows only).
"""

from pathlib import Path
from typing import Any

import polars as pl

from assets.reference.parse import (
    _POS,
    ReferenceDataError,
    _load_json,
    _read_csv,
    _Record,
    _results,
)

HEADING_COLUMNS = ("heading", "edition", "mineral_id", "description", "note")


def parse_hs_headings(body: bytes, edition: str, url: str) -> pl.DataFrame:
    """The 4-digit headings (``aggrLevel`` 4) of Comtrade's ``H5.json`` / ``H6.json``.

    Columns: heading, edition, official_description (text without the ``"2504 - "`` prefix).
    """
    doc = _load_json(body, url)
    rows: list[dict[str, Any]] = []
    for i, raw in enumerate(_results(doc, url)):
        rec = _Record(raw, i, url)
        code = rec.string("id")
        level = rec.integer("aggrLevel", required=False, ci=True)
        if code is None or not code.isdigit() or len(code) != 4 or level not in (None, 4):
            continue
        text = rec.string("text") or ""
        prefix = f"{code} - "
        rows.append(
            {
                "heading": code,
                "edition": edition,
                "official_description": text.removeprefix(prefix).strip() or None,
            }
        )
    if not rows:
        raise ReferenceDataError(url, "contains no 4-digit headings (aggrLevel 4)")
    return pl.DataFrame(
        rows, schema={"heading": pl.Utf8, "edition": pl.Utf8, "official_description": pl.Utf8}
    )


def load_heading_map(path: str | Path) -> pl.DataFrame:
    """``hs_heading_map.csv``, checked: 4-digit headings, a known edition, one row per
    heading x edition, a mineral id and a description on every line."""
    source = str(path)
    df = _read_csv(path, HEADING_COLUMNS)
    for column, ok, what in (
        ("heading", pl.col("heading").str.contains(r"^\d{4}$"), "a 4-digit HS heading"),
        ("edition", pl.col("edition").is_in(["H5", "H6"]), "H5 or H6"),
        ("mineral_id", pl.col("mineral_id").str.contains(r"^[a-z][a-z0-9_]*$"), "a mineral id"),
        ("description", pl.col("description").is_not_null(), "a description"),
    ):
        bad = df.filter(~ok.fill_null(False))
        if bad.height:
            line, value = bad.row(0, named=True)[_POS], bad.row(0, named=True)[column]
            raise ReferenceDataError(
                source, f"line {line}: column '{column}' is not {what}: {value!r}"
            )
    dup = df.filter(pl.struct("heading", "edition").is_duplicated())
    if dup.height:
        r = dup.row(0, named=True)
        raise ReferenceDataError(
            source, f"line {r[_POS]}: heading {r['heading']} {r['edition']} is listed twice"
        )
    return df.drop(_POS)


def validate_headings(
    headings: pl.DataFrame,
    official: dict[str, pl.DataFrame],
    hs_codes: pl.DataFrame,
    minerals: set[str],
) -> tuple[pl.DataFrame, list[str]]:
    """``dim_hs_heading`` rows (validated = the heading exists at aggrLevel 4 in its edition's
    official list) and the problems found: unknown headings, unknown minerals, and headings
    with no validated HS6 code of the same mineral under them (nothing to cross-check)."""
    ref = pl.concat(official.values()) if official else None
    out = headings.join(ref, on=["heading", "edition"], how="left") if ref is not None else None
    if out is None:
        out = headings.with_columns(pl.lit(None, pl.Utf8).alias("official_description"))
    under = (
        hs_codes.filter(pl.col("validated"))
        .with_columns(pl.col("hs6").str.slice(0, 4).alias("heading"))
        .group_by("heading", pl.col("hs_edition").alias("edition"), "mineral_id")
        .agg(pl.col("hs6").n_unique().cast(pl.Int32).alias("hs6_codes_mapped"))
    )
    out = out.join(under, on=["heading", "edition", "mineral_id"], how="left").with_columns(
        pl.col("hs6_codes_mapped").fill_null(0),
        pl.col("official_description").is_not_null().alias("validated"),
    )
    problems = []
    for r in out.iter_rows(named=True):
        where = f"hs_heading_map.csv: heading {r['heading']} {r['edition']}"
        if not r["validated"]:
            problems.append(f"{where} is not a heading of Comtrade's {r['edition']} list")
        if r["mineral_id"] not in minerals:
            problems.append(f"{where}: unknown mineral_id {r['mineral_id']!r}")
        if r["hs6_codes_mapped"] == 0:
            problems.append(f"{where}: no validated HS6 code of {r['mineral_id']} under it")
    table = out.select(
        "heading",
        pl.col("edition").alias("hs_edition"),
        "mineral_id",
        "description",
        "official_description",
        "hs6_codes_mapped",
        pl.col("validated") & pl.col("mineral_id").is_in(list(minerals)),
        pl.col("note").alias("map_note"),
    ).sort("heading", "hs_edition")
    return table, problems

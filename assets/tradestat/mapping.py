"""The two reference files of the TradeStat source, loaded and validated.

* ``warehouse/reference/hs8_mineral_map.csv``: ITC(HS) 8-digit line -> HS6 -> mineral, one row
  per HS edition the line is used in (``H5`` = HS 2017 periods up to 2021, ``H6`` = HS 2022 from
  2022). Every (hs6, edition, mineral) must be a row of ``hs_mineral_map.csv`` (so of
  ``dim_hs_code``); an HS8 maps to one mineral only. ``evidence`` says how sure we are that the
  8-digit line exists: ``V`` checked against TradeStat by a public tracker, ``D`` listed by a
  public DGCI&S scraper, ``U`` from the Customs Tariff's structure, not checked.
* ``warehouse/reference/dgcis_country_crosswalk.csv``: the DGCI&S country list (code and name as
  TradeStat's country select lists them, 251 entries) -> Comtrade area code. TradeStat's result
  tables print names only, so the name is the key (trimmed, case and spacing ignored).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "warehouse" / "reference"
HS8_MAP_CSV = REFERENCE_DIR / "hs8_mineral_map.csv"
CROSSWALK_CSV = REFERENCE_DIR / "dgcis_country_crosswalk.csv"
HS_MAP_CSV = REFERENCE_DIR / "hs_mineral_map.csv"


class ReferenceDataError(ValueError):
    """A reference file that breaks its rules; names the file, the row and the field."""


def country_key(name: str) -> str:
    """Matching key of a DGCI&S country name: upper case, single spaces, trimmed."""
    return " ".join(name.replace("\xa0", " ").split()).upper()


def load_hs8_map(path: Path = HS8_MAP_CSV) -> pl.DataFrame:
    df = pl.read_csv(path, schema_overrides={"hs8": pl.Utf8, "hs6": pl.Utf8}, infer_schema=False)
    problems = []
    for i, row in enumerate(df.iter_rows(named=True), 2):
        if not re.fullmatch(r"\d{8}", row["hs8"] or ""):
            problems.append(f"line {i}: hs8 {row['hs8']!r} is not 8 digits")
        elif row["hs6"] != row["hs8"][:6]:
            problems.append(
                f"line {i}: hs6 {row['hs6']!r} is not the first 6 digits of {row['hs8']}"
            )
        if row["hs_edition"] not in ("H5", "H6"):
            problems.append(f"line {i}: hs_edition {row['hs_edition']!r} is not H5 or H6")
        if row["evidence"] not in ("V", "D", "U"):
            problems.append(f"line {i}: evidence {row['evidence']!r} is not V, D or U")
        if not (row["unit"] or "").strip():
            problems.append(f"line {i}: unit is empty")
    dup = df.group_by("hs8", "hs_edition").len().filter(pl.col("len") > 1)
    if dup.height:
        problems.append(f"(hs8, hs_edition) listed twice: {dup.rows()}")
    multi = df.group_by("hs8").agg(pl.col("mineral_id").n_unique()).filter(pl.col("mineral_id") > 1)
    if multi.height:
        problems.append(f"HS8 lines mapped to more than one mineral: {multi['hs8'].to_list()}")
    if problems:
        raise ReferenceDataError(f"{path.name}: " + "; ".join(problems))
    return df


def validate_hs8_map(hs8: pl.DataFrame, hs_codes: pl.DataFrame) -> list[str]:
    """Rows of the HS8 map whose (hs6, edition, mineral) is not a validated HS code row.

    ``hs_codes`` has columns ``hs6``, ``hs_edition``, ``mineral_id`` (``dim_hs_code``'s validated
    rows, or ``hs_mineral_map.csv`` with ``edition`` renamed).
    """
    known = hs_codes.select("hs6", "hs_edition", "mineral_id").unique()
    missing = hs8.join(known, on=["hs6", "hs_edition", "mineral_id"], how="anti")
    return [
        f"{r['hs8']} -> {r['hs6']} ({r['hs_edition']}) -> {r['mineral_id']}"
        for r in missing.iter_rows(named=True)
    ]


def hs_map_codes(path: Path = HS_MAP_CSV) -> pl.DataFrame:
    """``hs_mineral_map.csv`` as (hs6, hs_edition, mineral_id)."""
    df = pl.read_csv(path, infer_schema=False)
    return df.select("hs6", pl.col("edition").alias("hs_edition"), "mineral_id")


def load_crosswalk(path: Path = CROSSWALK_CSV) -> pl.DataFrame:
    df = pl.read_csv(
        path,
        schema_overrides={"dgcis_code": pl.Int32, "comtrade_code": pl.Int32},
        infer_schema=False,
    ).with_columns(
        pl.col("dgcis_code").cast(pl.Int32),
        pl.col("comtrade_code").cast(pl.Int32),
        pl.col("dgcis_name").map_elements(country_key, return_dtype=pl.Utf8).alias("name_key"),
    )
    problems = []
    for col in ("dgcis_code", "name_key"):
        dup = df.group_by(col).len().filter(pl.col("len") > 1)
        if dup.height:
            problems.append(f"{col} listed twice: {dup[col].to_list()}")
    if df["comtrade_code"].null_count():
        problems.append("rows without a comtrade_code")
    if problems:
        raise ReferenceDataError(f"{path.name}: " + "; ".join(problems))
    return df

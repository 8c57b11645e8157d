"""Reference dimensions: dim_mineral, dim_hs_code, dim_country (group ``reference``)."""

import hashlib
from datetime import datetime
from pathlib import Path

import dagster as dg
import polars as pl

from assets.reference.headings import load_heading_map, parse_hs_headings, validate_headings
from assets.reference.parse import (
    load_hs_map_csv,
    load_minerals_csv,
    parse_countries,
    parse_hs_reference,
    parse_quantity_units,
    validate_hs_map,
)
from assets.reference.policy import COMTRADE_REF_POLICY, fetch_reference_files
from pipelines.checks import table_checks
from pipelines.http import Fetched
from pipelines.metadata import preview_md
from pipelines.resources import HttpSources, Warehouse
from warehouse.store import PartitionWrite

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "warehouse" / "reference"
MINERALS_CSV = REFERENCE_DIR / "critical_minerals.csv"
HS_MAP_CSV = REFERENCE_DIR / "hs_mineral_map.csv"
HS_HEADING_CSV = REFERENCE_DIR / "hs_heading_map.csv"


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _provenance(
    df: pl.DataFrame, source: str, url: str | None, fetched_at: str | None, sha: str
) -> pl.DataFrame:
    ts = datetime.fromisoformat(fetched_at) if fetched_at else None
    return df.with_columns(
        pl.lit(source).alias("_source"),
        pl.lit(url, dtype=pl.Utf8).alias("_source_url"),
        pl.lit(ts, dtype=pl.Datetime("us", "UTC")).alias("_fetched_at"),
        pl.lit(sha).alias("_raw_sha256"),
    )


@dg.asset(
    group_name="reference",
    kinds={"duckdb", "polars", "csv"},
    pool="warehouse",
    description="India's 30 critical minerals (Ministry of Mines list, June 2023), from "
    "warehouse/reference/critical_minerals.csv.",
)
def dim_mineral(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    df = load_minerals_csv(MINERALS_CSV).rename({"group": "mineral_group"})
    df = _provenance(
        df, "warehouse/reference/critical_minerals.csv", None, None, _sha256_file(MINERALS_CSV)
    )
    res = warehouse.store().replace_partition("dim_mineral", df, run_id=context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "rows": res.inserted,
            "rows_replaced": res.deleted,
            "in_mmdr_part_d": int(df["in_mmdr_part_d"].sum()),
            "preview": dg.MetadataValue.md(preview_md(df.drop(pl.selectors.starts_with("_")))),
        }
    )


def _with_validation_flag(mapping: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
    """All mapped rows, with validated = the code exists in its edition's reference list."""
    key = ["hs6", "edition", "mineral_id"]
    ok = found.select(
        *key,
        pl.col("description").alias("official_description"),
        "standard_unit",
        pl.lit(True).alias("validated"),
    )
    return (
        mapping.join(ok, on=key, how="left")
        .select(
            "hs6",
            pl.col("edition").alias("hs_edition"),
            "mineral_id",
            "stage",
            "specificity",
            "description",
            "official_description",
            "standard_unit",
            pl.col("validated").fill_null(False),
            pl.col("note").alias("map_note"),
        )
        .sort("mineral_id", "hs6", "hs_edition")
    )


def _fetch_refs(http: HttpSources, keys: list[str]) -> tuple[dict[str, Fetched], dict[str, int]]:
    """Fetch the named Comtrade reference files (keys of REFERENCE_URLS) through the client."""
    with http.client(COMTRADE_REF_POLICY) as client:
        files = fetch_reference_files(client, keys)
        return files, client.stats.as_metadata()


@dg.asset(
    group_name="reference",
    kinds={"duckdb", "polars"},
    pool="warehouse",
    deps=[dim_mineral],
    description="HS6 code x HS edition -> critical mineral, stage and specificity, from "
    "warehouse/reference/hs_mineral_map.csv, validated against UN Comtrade's full H5 (HS 2017, "
    "5,388 six-digit codes) and H6 (HS 2022, 5,613) reference lists and its quantity units, "
    "fetched through the HTTP client.",
)
def dim_hs_code(
    context: dg.AssetExecutionContext, http: HttpSources, warehouse: Warehouse
) -> dg.MaterializeResult:
    files, stats = _fetch_refs(http, ["H5", "H6", "qty_units"])
    refs = {}
    for edition in ("H5", "H6"):
        f = files[edition]
        refs[edition] = parse_hs_reference(f.content, edition, f.url)
    units = parse_quantity_units(files["qty_units"].content, files["qty_units"].url)
    mapping = load_hs_map_csv(HS_MAP_CSV)
    minerals = load_minerals_csv(MINERALS_CSV)
    found, problems = validate_hs_map(mapping, refs, minerals, units)
    validated = _with_validation_flag(mapping, found)
    parts = []
    for edition in ("H5", "H6"):
        f = files[edition]
        parts.append(
            _provenance(
                validated.filter(pl.col("hs_edition") == edition),
                f"hs_mineral_map.csv + Comtrade {edition}.json",
                f.url,
                f.fetched_at,
                f.sha256,
            )
        )
    df = pl.concat(parts)
    headings, heading_problems = validate_headings(
        load_heading_map(HS_HEADING_CSV),
        {e: parse_hs_headings(files[e].content, e, files[e].url) for e in ("H5", "H6")},
        df,
        set(minerals["mineral_id"].to_list()),
    )
    headings = pl.concat(
        _provenance(
            headings.filter(pl.col("hs_edition") == e),
            f"hs_heading_map.csv + Comtrade {e}.json",
            files[e].url,
            files[e].fetched_at,
            files[e].sha256,
        )
        for e in ("H5", "H6")
    )
    res, _ = warehouse.store().replace_partitions(
        [PartitionWrite("dim_hs_code", df), PartitionWrite("dim_hs_heading", headings)],
        run_id=context.run.run_id,
    )
    problems = [*problems, *heading_problems]
    if problems:
        context.log.error(f"{len(problems)} problems in the HS code map: {problems[:10]}")
    return dg.MaterializeResult(
        metadata={
            "rows": res.inserted,
            "validated_rows": int(df["validated"].sum()),
            "invalid_codes": dg.MetadataValue.json([str(p) for p in problems]),
            "minerals_covered": df["mineral_id"].n_unique(),
            "headings": dg.MetadataValue.json(
                [f"{r['heading']} {r['hs_edition']}" for r in headings.iter_rows(named=True)]
            ),
            "validated_headings": int(headings["validated"].sum()),
            "reference_hs6_codes": dg.MetadataValue.json({e: refs[e].height for e in ("H5", "H6")}),
            "codes_by_edition": dg.MetadataValue.json(
                {e: int(n) for e, n in df.group_by("hs_edition").len().iter_rows()}
            ),
            **stats,
            "preview": dg.MetadataValue.md(preview_md(df.drop(pl.selectors.starts_with("_")))),
        }
    )


@dg.asset(
    group_name="reference",
    kinds={"duckdb", "polars"},
    pool="warehouse",
    description="UN Comtrade reporter and partner areas (the full Reporters.json and "
    "partnerAreas.json lists): Comtrade area code, ISO codes where Comtrade gives them, name, "
    "group flag, validity dates. India is 699 and World is 0; these are not ISO numeric codes.",
)
def dim_country(
    context: dg.AssetExecutionContext, http: HttpSources, warehouse: Warehouse
) -> dg.MaterializeResult:
    files, stats = _fetch_refs(http, ["reporters", "partners"])
    rep, par = files["reporters"], files["partners"]
    df = parse_countries(rep.content, par.content, (rep.url, par.url))
    df = _provenance(
        df, "Comtrade Reporters.json + partnerAreas.json", rep.url, rep.fetched_at, rep.sha256
    )
    res = warehouse.store().replace_partition("dim_country", df, run_id=context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "rows": res.inserted,
            "reporters": int(df["is_reporter"].sum()),
            "partners": int(df["is_partner"].sum()),
            "groups": int(df["is_group"].sum()),
            **stats,
            "preview": dg.MetadataValue.md(preview_md(df.drop(pl.selectors.starts_with("_")))),
        }
    )


@dg.asset_check(
    asset=dim_hs_code,
    blocking=True,
    description="Every mapped HS code (and every heading of hs_heading_map.csv) exists in "
    "Comtrade's reference list for its edition. Blocking: trade assets do not run on an "
    "unvalidated code map.",
)
def dim_hs_code_codes_exist_in_edition(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        bad = con.execute(
            "SELECT hs6, hs_edition, mineral_id FROM dim_hs_code WHERE NOT validated "
            "UNION ALL SELECT heading, hs_edition, mineral_id FROM dim_hs_heading "
            "WHERE NOT validated OR hs6_codes_mapped = 0 ORDER BY ALL"
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not bad, metadata={"invalid": str(bad[:20]), "invalid_count": len(bad)}
    )


@dg.asset_check(
    asset=dim_hs_code,
    description="Every one of the 30 critical minerals has at least one validated HS code, and "
    "every mapped mineral exists in dim_mineral.",
)
def dim_hs_code_covers_all_minerals(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        uncovered = con.execute(
            "SELECT mineral_id FROM dim_mineral EXCEPT "
            "SELECT mineral_id FROM dim_hs_code WHERE validated ORDER BY 1"
        ).fetchall()
        orphans = con.execute(
            "SELECT DISTINCT mineral_id FROM dim_hs_code EXCEPT SELECT mineral_id FROM dim_mineral"
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not uncovered and not orphans,
        metadata={"uncovered": str(uncovered), "unknown_minerals": str(orphans)},
    )


@dg.asset_check(asset=dim_country, description="India (699) and World (0) are present.")
def dim_country_has_india_and_world(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        found = dict(
            con.execute(
                "SELECT area_code, name FROM dim_country WHERE area_code IN (0, 699)"
            ).fetchall()
        )
    return dg.AssetCheckResult(passed=set(found) == {0, 699}, metadata={"found": str(found)})


reference_assets = [dim_mineral, dim_hs_code, dim_country]
reference_checks = [
    *table_checks(
        dim_mineral,
        "dim_mineral",
        key=["mineral_id"],
        required=["mineral_id", "name", "symbol_or_group", "in_mmdr_part_d"],
        min_rows=30,
        max_rows=30,
    ),
    *table_checks(
        dim_hs_code,
        "dim_hs_code",
        key=["hs6", "hs_edition", "mineral_id"],
        required=["hs6", "hs_edition", "mineral_id", "stage", "specificity"],
        min_rows=150,
        max_rows=2000,
    ),
    *table_checks(
        dim_country,
        "dim_country",
        key=["area_code"],
        required=["area_code", "name", "is_group"],
        min_rows=200,
        max_rows=400,
    ),
    dim_hs_code_codes_exist_in_edition,
    dim_hs_code_covers_all_minerals,
    dim_country_has_india_and_world,
]

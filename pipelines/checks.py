"""Asset checks shared by every warehouse table: keys unique, required columns, row counts."""

from collections.abc import Sequence

import dagster as dg

from pipelines.resources import Warehouse


def table_checks(
    asset: dg.AssetsDefinition | str,
    table: str,
    *,
    key: Sequence[str],
    required: Sequence[str],
    min_rows: int,
    max_rows: int | None = None,
    where: str | None = None,
) -> list[dg.AssetChecksDefinition]:
    """Three checks on ``table``: grain unique, required columns non-null, row count in range.

    ``where`` restricts every check to a slice (e.g. the rows a partitioned asset owns).
    """
    asset_key = asset.key if isinstance(asset, dg.AssetsDefinition) else dg.AssetKey(asset)
    filt = f"WHERE {where}" if where else ""
    key_sql = ", ".join(f'"{k}"' for k in key)

    @dg.asset_check(
        asset=asset_key,
        name=f"{table}_key_unique",
        description=f"No two rows of {table} share ({', '.join(key)}).",
    )
    def key_unique(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.store().read() as con:
            dups = con.execute(
                f'SELECT {key_sql}, count(*) n FROM "{table}" {filt} GROUP BY ALL HAVING n > 1 '
                "ORDER BY n DESC LIMIT 5"
            ).fetchall()
        return dg.AssetCheckResult(
            passed=not dups,
            metadata={"duplicate_keys_sample": str(dups), "duplicate_key_count": len(dups)},
        )

    @dg.asset_check(
        asset=asset_key,
        name=f"{table}_required_not_null",
        description=f"Required columns of {table} are never NULL: {', '.join(required)}.",
    )
    def required_not_null(warehouse: Warehouse) -> dg.AssetCheckResult:
        nulls = {}
        with warehouse.store().read() as con:
            for col in required:
                n = con.execute(
                    f'SELECT count(*) FROM "{table}" {filt} '
                    f'{"AND" if where else "WHERE"} "{col}" IS NULL'
                ).fetchone()[0]
                if n:
                    nulls[col] = n
        return dg.AssetCheckResult(passed=not nulls, metadata={"null_counts": str(nulls)})

    @dg.asset_check(
        asset=asset_key,
        name=f"{table}_row_count_in_range",
        description=f"{table} holds between {min_rows} and {max_rows or 'any number of'} rows.",
    )
    def row_count(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.store().read() as con:
            n = con.execute(f'SELECT count(*) FROM "{table}" {filt}').fetchone()[0]
        ok = n >= min_rows and (max_rows is None or n <= max_rows)
        return dg.AssetCheckResult(
            passed=ok, metadata={"rows": n, "min_rows": min_rows, "max_rows": max_rows or -1}
        )

    return [key_unique, required_not_null, row_count]

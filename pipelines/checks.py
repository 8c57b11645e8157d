"""Asset checks shared by every warehouse table: keys unique, required columns, row counts.

The three checks of one table run as ONE step (a multi-asset check) over one connection: a
check step costs a process and a warehouse open, so one step per table instead of three.
"""

from collections.abc import Iterator, Sequence

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
    names = {
        "key": f"{table}_key_unique",
        "required": f"{table}_required_not_null",
        "rows": f"{table}_row_count_in_range",
    }
    specs = [
        dg.AssetCheckSpec(
            names["key"],
            asset=asset_key,
            description=f"No two rows of {table} share ({', '.join(key)}).",
        ),
        dg.AssetCheckSpec(
            names["required"],
            asset=asset_key,
            description=f"Required columns of {table} are never NULL: {', '.join(required)}.",
        ),
        dg.AssetCheckSpec(
            names["rows"],
            asset=asset_key,
            description=f"{table} holds between {min_rows} and {max_rows or 'any number of'} rows.",
        ),
    ]

    @dg.multi_asset_check(
        specs=specs, name=f"{asset_key.to_python_identifier()}__{table}_checks", can_subset=True
    )
    def checks(
        context: dg.AssetCheckExecutionContext, warehouse: Warehouse
    ) -> Iterator[dg.AssetCheckResult]:
        wanted = {k.name for k in context.selected_asset_check_keys}
        with warehouse.store().read() as con:
            if names["key"] in wanted:
                dups = con.execute(
                    f'SELECT {key_sql}, count(*) n FROM "{table}" {filt} GROUP BY ALL '
                    "HAVING n > 1 ORDER BY n DESC LIMIT 5"
                ).fetchall()
                yield dg.AssetCheckResult(
                    asset_key=asset_key,
                    check_name=names["key"],
                    passed=not dups,
                    metadata={"duplicate_keys_sample": str(dups), "duplicate_key_count": len(dups)},
                )
            if names["required"] in wanted:
                nulls = {}
                if required:
                    counts = ", ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in required)
                    row = con.execute(f'SELECT {counts} FROM "{table}" {filt}').fetchone()
                    nulls = {c: n for c, n in zip(required, row, strict=True) if n}
                yield dg.AssetCheckResult(
                    asset_key=asset_key,
                    check_name=names["required"],
                    passed=not nulls,
                    metadata={"null_counts": str(nulls)},
                )
            if names["rows"] in wanted:
                n = con.execute(f'SELECT count(*) FROM "{table}" {filt}').fetchone()[0]
                ok = n >= min_rows and (max_rows is None or n <= max_rows)
                yield dg.AssetCheckResult(
                    asset_key=asset_key,
                    check_name=names["rows"],
                    passed=ok,
                    metadata={"rows": n, "min_rows": min_rows, "max_rows": max_rows or -1},
                )

    return [checks]

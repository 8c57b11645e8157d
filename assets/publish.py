"""The reader snapshot analysts open: labelled, then copied + atomically renamed."""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from pipelines.resources import Warehouse


def publish_reader(warehouse: Warehouse, run_id: str | None) -> dict[str, object]:
    """Write the dataset label, then publish. Returns table row counts for metadata."""
    store = warehouse.store()
    now = datetime.now(UTC)
    info = pl.DataFrame(
        {
            "key": ["dataset_label", "published_at"],
            "value": [warehouse.dataset_label or "unlabelled", now.isoformat(timespec="seconds")],
            "updated_at": [now, now],
        }
    )
    store.replace_partition("dataset_info", info, run_id=run_id)
    path = store.publish()
    counts = store.table_counts()
    return {"reader_path": str(path), "dataset_label": warehouse.dataset_label, "counts": counts}


def build_publish_asset(upstream: list) -> dg.AssetsDefinition:
    @dg.asset(
        name="reader_snapshot",
        group_name="publish",
        kinds={"duckdb"},
        pool="warehouse",
        deps=upstream,
        description="Labels the warehouse (dataset_info) and publishes the analyst reader file by "
        "copy + atomic rename, so analysts never lock the writer's file or see a half-load.",
    )
    def reader_snapshot(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        out = publish_reader(warehouse, context.run.run_id)
        counts = out["counts"]
        table = "\n".join(f"| {t} | {n} |" for t, n in counts.items())
        return dg.MaterializeResult(
            metadata={
                "reader_path": dg.MetadataValue.path(out["reader_path"]),
                "dataset_label": str(out["dataset_label"]),
                "tables": dg.MetadataValue.md("| table | rows |\n| --- | --- |\n" + table),
                **{f"rows_{t}": n for t, n in counts.items()},
            }
        )

    return reader_snapshot

"""The reader snapshot analysts open: labelled, then copied + atomically renamed."""

import time
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
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    store.replace_partition("dataset_info", info, run_id=run_id)
    seconds["label"] = time.perf_counter() - started
    path = store.publish(timings=seconds)
    started = time.perf_counter()
    counts = store.table_counts()
    seconds["counts"] = time.perf_counter() - started
    return {
        "reader_path": str(path),
        "dataset_label": warehouse.dataset_label,
        "counts": counts,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }


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
                "publish_seconds": dg.MetadataValue.json(out["seconds"]),
                **{f"rows_{t}": n for t, n in counts.items()},
            }
        )

    return reader_snapshot

"""Dagster resources: the HTTP sources and the warehouse."""

from pathlib import Path

import dagster as dg

from pipelines.http import Mode, SourceClient, SourcePolicy
from pipelines.settings import Settings, load_settings
from warehouse.store import WarehouseStore


class HttpSources(dg.ConfigurableResource):
    """Hands out one SourceClient per source, all in the same mode."""

    mode: str = "replay"
    snapshot_dir: str
    raw_dir: str | None = None

    def client(self, policy: SourcePolicy) -> SourceClient:
        return SourceClient(
            policy,
            Mode(self.mode),
            snapshot_dir=Path(self.snapshot_dir) / policy.name,
            raw_dir=(Path(self.raw_dir) / policy.name) if self.raw_dir else None,
        )

    def reparse_client(self, policy: SourcePolicy) -> SourceClient:
        """Replays the raw store (latest body per request): re-parse without fetching."""
        if not self.raw_dir:
            raise ValueError("no raw_dir configured")
        return SourceClient(
            policy, Mode.REPLAY, snapshot_dir=Path(self.raw_dir) / policy.name, replay_latest=True
        )


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse (writer file + published reader file)."""

    path: str
    reader_path: str
    report_path: str = ""
    dataset_label: str = ""

    def store(self) -> WarehouseStore:
        return WarehouseStore(self.path, self.reader_path)


def build_resources(settings: Settings | None = None) -> dict[str, dg.ConfigurableResource]:
    s = settings or load_settings()
    return {
        "http": HttpSources(
            mode=s.http_mode, snapshot_dir=str(s.snapshot_dir), raw_dir=str(s.raw_dir)
        ),
        "warehouse": Warehouse(
            path=str(s.warehouse_path),
            reader_path=str(s.reader_path),
            report_path=str(s.report_path),
            dataset_label=s.dataset_label,
        ),
    }

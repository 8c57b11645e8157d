"""Settings from the environment, with defaults that run the bundled offline snapshot.

| variable            | default                         | meaning                                   |
|---------------------|---------------------------------|-------------------------------------------|
| CMW_HTTP_MODE       | replay                          | live, record or replay                    |
| CMW_SNAPSHOT_DIR    | <repo>/snapshot                 | snapshot read by replay / written by record |
| CMW_RAW_DIR         | <repo>/data/raw                 | raw store (every fetched body)            |
| CMW_WAREHOUSE       | <repo>/data/writer/cmw_writer.duckdb | the writer's DuckDB file (pipeline only) |
| CMW_READER          | <repo>/warehouse/cmw_reader.duckdb | the published file analysts open       |
| CMW_REPORT          | <repo>/warehouse/cmw_report.html | the static HTML report                 |
| COMTRADE_API_KEY    | (unset: public preview endpoint)| UN Comtrade subscription key              |
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
#: In a snapshot's Comtrade folder: the records that are real data (tools/snapshots/build_comtrade.py).
REAL_RECORDS = Path("comtrade") / "real_records.json"


def real_trade_records(snapshot_dir: Path) -> dict[str, Any] | None:
    """The snapshot's list of real Comtrade records (``comtrade/real_records.json``: a
    ``summary`` and ``records`` with freq, period, reporter_code, flow_code, partner_code, hs6,
    primary_value_usd), or None when the snapshot has none. Rows with these keys and values are
    real data, not sample data."""
    path = Path(snapshot_dir) / REAL_RECORDS
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc["summary"], str) or not isinstance(doc["records"], list):
            raise TypeError("'summary' must be a string and 'records' a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"[comtrade] {path}: not a real-records list ({exc})") from exc
    return doc


@dataclass(frozen=True)
class Settings:
    http_mode: str
    snapshot_dir: Path
    raw_dir: Path
    warehouse_path: Path
    reader_path: Path
    report_path: Path

    @property
    def dataset_label(self) -> str:
        if self.http_mode == "replay":
            label = (
                f"offline snapshot replay ({self.snapshot_dir.name}): trade values are SAMPLE DATA, "
                "not official statistics"
            )
            real = real_trade_records(self.snapshot_dir)
            if real:
                label += f", except {real['summary']} (rows with is_sample_data = false)"
            return label
        return f"live sources ({self.http_mode})"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    mode = env.get("CMW_HTTP_MODE", "replay").strip().lower()
    if mode not in {"live", "record", "replay"}:
        raise ValueError(f"CMW_HTTP_MODE must be live, record or replay, not {mode!r}")
    return Settings(
        http_mode=mode,
        snapshot_dir=Path(env.get("CMW_SNAPSHOT_DIR", REPO_ROOT / "snapshot")),
        raw_dir=Path(env.get("CMW_RAW_DIR", REPO_ROOT / "data" / "raw")),
        # the writer file lives apart from the reader file, so nobody opens it by mistake
        warehouse_path=Path(
            env.get("CMW_WAREHOUSE", REPO_ROOT / "data" / "writer" / "cmw_writer.duckdb")
        ),
        reader_path=Path(env.get("CMW_READER", REPO_ROOT / "warehouse" / "cmw_reader.duckdb")),
        report_path=Path(env.get("CMW_REPORT", REPO_ROOT / "warehouse" / "cmw_report.html")),
    )

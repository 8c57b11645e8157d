"""Command 1's main job (``cmw demo``) on the bundled snapshot, run into a temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_demo(tmp: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "CMW_HTTP_MODE": "replay",
        "CMW_WAREHOUSE": str(tmp / "cmw.duckdb"),
        "CMW_READER": str(tmp / "cmw_reader.duckdb"),
        "CMW_RAW_DIR": str(tmp / "raw"),
        "DAGSTER_HOME": str(tmp / "dagster_home"),
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )

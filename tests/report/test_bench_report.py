"""The report benchmark runs and prints one JSON object per size (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_report_quick_run_prints_json():
    result = subprocess.run(
        [sys.executable, "bench/bench_report.py", "--years", "1", "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    bundle, size = lines  # the one-off bundle build, then the one size asked for
    assert bundle["bench"] == "report_bundle" and bundle["seconds"] >= 0
    assert Path(bundle["cache"]).is_dir()  # the Vega bundle is kept there between runs
    assert size["bench"] == "report" and size["years"] == 1
    assert size["events"] == 365 and size["minerals"] == 3
    assert size["seconds"] > 0 and size["floor_seconds"] > 0
    assert size["ratio"] == round(size["seconds"] / size["floor_seconds"], 1)
    assert size["charts"] == 9  # three minerals with annual and monthly data, three charts each
    assert size["event_markers"] >= size["events"]  # every event on its minerals' charts
    assert size["target_seconds"] is None  # the 10 s target is for 8 years

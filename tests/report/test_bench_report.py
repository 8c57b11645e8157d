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
    assert len(lines) == 1  # the one size asked for
    size = lines[0]
    assert size["bench"] == "report" and size["name"] == "report.render.1y"
    assert size["years"] == 1 and size["events"] == 365 and size["quick"] is True
    assert size["params"] == {"years": 1, "events": 365, "per_day": 1, "minerals": 3}
    assert size["seconds"] == size["figure"] > 0
    assert size["floor_seconds"] == size["baseline"] > 0 and size["baseline_kind"] == "floor"
    assert size["ratio"] == round(size["figure"] / size["baseline"], 2)
    assert size["extra"]["charts"] == 9  # three minerals with annual and monthly data
    assert size["extra"]["event_markers"] >= size["events"]  # each event on its minerals' charts
    assert size["target"] is None and size["meets_target"] is None  # 10 s is for 8 years

"""Each benchmark runs in ``--quick`` mode and prints JSON lines with the agreed keys.

No timing is asserted: the quick sizes are a smoke test of the machinery (the real figures
come from ``python3 tasks.py bench``). What is asserted is what a reader of the figures relies
on: every key present, the ratio is figure / baseline, the sizes are those asked for, and the
project's work really happened (the merge equals the old merge, every record was loaded, every
mart was read).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from assets.marts.assets import mart_files, mart_name
from bench._result import KEYS

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, timeout: int = 600) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, proc.stdout[-2000:]
    for line in lines:
        _check(line)
    return lines


def _check(line: dict) -> None:
    assert tuple(line) == KEYS
    assert line["unit"] in ("s", "MB") and line["baseline_kind"] in ("floor", "peer")
    assert line["figure"] > 0 and line["baseline"] > 0
    assert line["ratio"] == round(line["figure"] / line["baseline"], 2)
    assert line["figure_what"] and line["baseline_what"]
    assert line["quick"] is True
    assert line["target"] is None and line["meets_target"] is None  # targets are for full sizes
    assert datetime.fromisoformat(line["measured_at"]).tzinfo is not None
    assert line["machine"]["cpus"] >= 1


def test_merge_bench_quick():
    (line,) = _run("bench.bench_merge", "--quick")
    assert line["bench"] == "merge" and line["name"] == "merge.merge_events"
    assert line["params"]["releases"] == 300 and line["params"]["merged_releases"] > 0
    assert line["extra"]["same_events_as_old"] is True


def test_trade_load_bench_quick():
    time_line, memory_line = _run("bench.bench_trade_load", "--quick")
    assert (time_line["name"], time_line["unit"]) == ("trade_load.time", "s")
    assert (memory_line["name"], memory_line["unit"]) == ("trade_load.peak_memory", "MB")
    params = time_line["params"]
    assert params["records"] == 5000 and params["answers"] == 10
    # every synthetic record is a kept HS6 row: partners + World = records, in both sides
    assert params["partner_rows"] + params["world_rows"] == 5000
    assert time_line["extra"]["floor_rows"] == 5000
    # peaks are whole child processes (interpreter and libraries included)
    assert memory_line["figure"] > memory_line["extra"]["project_rss_after_imports_mb"] > 20


@pytest.mark.e2e  # runs pib_job and refresh_job on the bundled snapshot
def test_marts_bench_quick():
    lines = _run("bench.bench_marts", "--quick", "--repeat", "1")
    refresh, *reads = lines
    assert refresh["name"] == "marts.refresh_after_pib_day" and refresh["baseline_kind"] == "peer"
    assert refresh["params"]["fact_rows"] == 20_000 and refresh["params"]["events"] >= 100
    assert [r["name"] for r in reads] == [f"marts.read.{mart_name(p)}" for p in mart_files()]
    for r in reads:
        assert r["baseline_kind"] == "floor" and r["params"]["stored_as"] in ("view", "table")
    by_name = {r["name"]: r for r in reads}
    assert by_name["marts.read.mart_import_dependence"]["params"]["rows"] > 0
    # mirror flows on top of the n India rows, so the reconciliation mart is read with rows
    assert refresh["params"]["mirror_rows"] > 0
    assert by_name["marts.read.mart_trade_reconciliation"]["params"]["rows"] > 0


def test_runner_prints_lines_and_keeps_other_results(tmp_path):
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"results": [{"name": "zz.other", "figure": 1.0}]}))
    (line,) = _run("bench.run", "merge", "--quick", "--out", str(out))
    saved = json.loads(out.read_text())["results"]
    assert [r["name"] for r in saved] == ["merge.merge_events", "zz.other"]
    assert saved[0] == line

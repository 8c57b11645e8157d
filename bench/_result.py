"""The JSON line every bench prints, and the helpers the benches share.

One line per figure, with these keys (the test in ``tests/bench`` holds them):

| key | meaning |
|---|---|
| ``bench`` | the bench module (``merge``, ``trade_load``, ``marts``) |
| ``name`` | the figure, unique across benches (``marts.read.mart_import_dependence``) |
| ``unit`` | ``s`` (seconds of wall time) or ``MB`` (peak resident memory) |
| ``figure`` | the project's figure |
| ``baseline`` | what it is compared with |
| ``baseline_kind`` | ``floor`` (a lower bound for the same work) or ``peer`` (another program or step) |
| ``figure_what``, ``baseline_what`` | one sentence each on what was measured |
| ``ratio`` | ``figure / baseline`` |
| ``target``, ``meets_target`` | the issue's goal for the figure (same unit), when it has one |
| ``params`` | sizes and settings (rows, records, repeats...) |
| ``extra`` | other numbers measured in the same run |
| ``quick`` | true for the tiny ``--quick`` sizes (a smoke test, not a measurement) |
| ``measured_at``, ``machine`` | when (UTC) and where (cores, memory, Python, DuckDB, polars) |
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench"
KEYS = (
    "bench",
    "name",
    "unit",
    "figure",
    "baseline",
    "baseline_kind",
    "figure_what",
    "baseline_what",
    "ratio",
    "target",
    "meets_target",
    "params",
    "extra",
    "quick",
    "measured_at",
    "machine",
)


def machine() -> dict[str, Any]:
    mem_gb = None
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
        mem_gb = round(kb / 1024**2, 1)
    except (OSError, StopIteration, ValueError):
        pass
    versions = {}
    for mod in ("duckdb", "polars"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = None
    return {
        "cpus": os.cpu_count(),
        "mem_gb": mem_gb,
        "python": platform.python_version(),
        **versions,
        "load_1m": round(os.getloadavg()[0], 2),
    }


def _sig(x: float) -> float:
    """``x`` to 5 significant digits."""
    return float(f"{x:.5g}")


def result(
    bench: str,
    name: str,
    *,
    unit: str,
    figure: float,
    baseline: float,
    baseline_kind: str,
    figure_what: str,
    baseline_what: str,
    target: float | None = None,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    quick: bool = False,
) -> dict[str, Any]:
    if baseline_kind not in ("floor", "peer"):
        raise ValueError(f"baseline_kind must be floor or peer, not {baseline_kind!r}")
    figure, baseline = _sig(figure), _sig(baseline)  # the ratio below is of these values
    return {
        "bench": bench,
        "name": name,
        "unit": unit,
        "figure": figure,
        "baseline": baseline,
        "baseline_kind": baseline_kind,
        "figure_what": figure_what,
        "baseline_what": baseline_what,
        "ratio": round(figure / baseline, 2) if baseline > 0 else None,
        "target": target,
        "meets_target": None if target is None else figure <= target,
        "params": params or {},
        "extra": extra or {},
        "quick": quick,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }


def emit(line: dict[str, Any]) -> None:
    """Print one result as a JSON line on stdout (progress goes to stderr)."""
    print(json.dumps(line, ensure_ascii=False), flush=True)


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def rss_mb() -> float:
    """This process's resident memory now (MB), from /proc."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[str, float]:
    """Run ``python -m <args>`` from the repo root; return (stdout, the child's peak RSS in MB).

    The peak comes from ``wait4`` on that one child (its own ``ru_maxrss``), so polars' and
    DuckDB's native allocations count, and nothing else the parent did.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {' '.join(args)} failed with exit code {proc.returncode}")
    return out, usage.ru_maxrss / 1024  # Linux: kilobytes


def last_json(stdout: str) -> dict[str, Any]:
    """The last JSON object a child printed."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"bench child printed no JSON: {stdout[-500:]!r}")

"""Run the benchmarks, print their JSON lines, and keep them in ``bench/results.json``.

    python -m bench.run [merge trade_load marts report] [--n N] [--quick] [--out PATH]

(``python3 tasks.py bench ...`` syncs the environment first, then runs this.)

Each bench runs as its own child process (``python -m bench.bench_<name>``), one after the
other, so one bench's memory or threads never disturb the next. ``--n`` is the size in each
bench's own unit: releases (merge, default 8,000), Comtrade records (trade_load, 1,000,000),
fact rows (marts, 10,000,000); the report bench has fixed sizes (1, 4 and 8 years; 1 year with
``--quick``) and ignores it. The results file keeps the latest line per figure ``name``; a
``--quick`` run writes nowhere unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench._result import KEYS, ROOT, say

BENCHES = ("merge", "trade_load", "marts", "report")
RESULTS = ROOT / "bench" / "results.json"


def _command(name: str, n: int | None, quick: bool) -> list[str]:
    cmd = [sys.executable, "-m", f"bench.bench_{name}"]
    if name == "report":
        return cmd + (["--years", "1", "--quick"] if quick else [])
    return cmd + (["--n", str(n)] if n else []) + (["--quick"] if quick else [])


def run_bench(name: str, n: int | None, quick: bool) -> list[dict]:
    """Run one bench; echo and return its result lines (the report's extra keys are dropped)."""
    say(f"running {name}{' (quick)' if quick else ''}")
    proc = subprocess.Popen(_command(name, n, quick), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = []
    for raw in proc.stdout:
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        line = json.loads(raw)
        line = {k: line.get(k) for k in KEYS}
        lines.append(line)
        print(json.dumps(line, ensure_ascii=False), flush=True)
    if proc.wait() != 0:
        raise SystemExit(f"bench {name} failed (exit code {proc.returncode})")
    return lines


def save(lines: list[dict], out: Path) -> None:
    """Merge ``lines`` into ``out`` (latest line per name), sorted by name."""
    old = json.loads(out.read_text()) if out.exists() else {"results": []}
    by_name = {r["name"]: r for r in old.get("results", [])}
    by_name |= {r["name"]: r for r in lines}
    doc = {
        "about": "Latest figure per name from `python3 tasks.py bench` (see bench/_result.py "
        "for the keys). Wall times on a shared machine: read machine.load_1m with them.",
        "results": [by_name[k] for k in sorted(by_name)],
    }
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"benches: {', '.join(BENCHES)} (default: all)")
    ap.add_argument("--n", type=int, default=None, help="size, in each bench's unit")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    ap.add_argument("--out", type=Path, default=None, help=f"results file (default {RESULTS})")
    args = ap.parse_args(argv)
    names = args.names or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        ap.error(f"unknown bench(es) {unknown}; choose from {', '.join(BENCHES)}")
    lines = []
    for name in names:
        if not (ROOT / "bench" / f"bench_{name}.py").exists():
            say(f"{name}: bench/bench_{name}.py is missing, skipped")
            continue
        lines += run_bench(name, args.n, args.quick)
    out = args.out or (None if args.quick else RESULTS)
    if out is not None:
        save(lines, out)
        say(f"{len(lines)} result(s) written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

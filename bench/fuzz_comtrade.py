"""Feed N mutated real-shaped Comtrade answers to the client + normaliser; print the outcomes.

    .venv/bin/python bench/fuzz_comtrade.py [--answers 10000] [--seed 0]

Uses the generator of ``tests/comtrade/_mutations.py`` (the property test's). Prints one JSON
object: ``answers`` run, ``ok`` (valid frames), ``typed_errors`` (Comtrade / HTTP-client errors),
``untyped`` (anything else; must be 0), counts per outcome class, seconds, and the first untyped
examples if any. Exit status 1 when ``untyped`` > 0.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _mutations():
    path = REPO / "tests" / "comtrade" / "_mutations.py"
    spec = importlib.util.spec_from_file_location("comtrade_mutations", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import logging

    from hypothesis import HealthCheck, given, seed, settings

    logging.disable(logging.WARNING)  # the HTTP client logs every retry it gives up on
    m = _mutations()
    m.seeds()  # load the seeds before the clock starts
    counts: Counter[str] = Counter()
    untyped: list[dict[str, object]] = []

    @seed(args.seed)
    @settings(
        max_examples=args.answers,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(m.answers())
    def run(answer) -> None:
        try:
            counts[m.outcome(answer)] += 1
        except Exception as exc:  # noqa: BLE001 - counting exactly these is the point
            counts["untyped"] += 1
            if len(untyped) < 5:
                untyped.append({"steps": answer.steps, "error": repr(exc)[:300],
                                "trace": traceback.format_exc(limit=4)[-800:]})  # fmt: skip

    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    n_untyped = counts.pop("untyped", 0)
    ok = counts.pop("ok", 0)
    report = {
        "answers": ok + n_untyped + sum(counts.values()),
        "ok": ok,
        "typed_errors": sum(counts.values()),
        "untyped": n_untyped,
        "by_error": dict(counts.most_common()),
        "seconds": round(seconds, 1),
        "seed": args.seed,
    }
    if untyped:
        report["untyped_examples"] = untyped
    print(json.dumps(report, indent=1))
    return 1 if n_untyped else 0


if __name__ == "__main__":
    sys.exit(main())

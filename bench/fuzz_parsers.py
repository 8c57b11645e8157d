"""Feed N mutated bundled PIB pages to the listing and release parsers; print the outcomes.

    .venv/bin/python bench/fuzz_parsers.py [--pages 10000] [--seed 0]

Pages alternate between the 6 listing postbacks (``check_listing_page`` + ``parse_listing``) and
the 82 release pages (``parse_release``) of ``snapshot/pib``, each mutated by 1-4 operations
drawn from a seeded ``random.Random`` with the generator of ``tests/pib/pib_mutations.py`` (the
property tests'). Every 10th page is instead a pure cut before the page's closing ``</html>``,
which must never be accepted. Prints one JSON object: ``pages``, ``ok`` (accepted results that
keep the parser's guarantees), ``typed_errors`` (``PibListingError``/``PibParseError``),
``untyped`` (anything else, must be 0), ``cut_accepted`` (cut pages that parsed, must be 0),
counts per error class, seconds, the first failing examples and the causes behind the first
``*UnexpectedError`` outcomes (typed by the last-resort wrapper). Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _cause(seed, ops) -> str:
    """The original exception behind a ``*UnexpectedError`` (the parser is run again)."""
    from assets.pib.discover import parse_listing
    from assets.pib.parse import parse_release
    from tests.pib.pib_mutations import apply

    page = apply(seed.body, ops)
    try:
        if seed.kind == "listing":
            parse_listing(page, seed.url, seed.day)
        else:
            parse_release(page, seed.url, seed.prid)
    except Exception as exc:  # noqa: BLE001
        return repr(exc.__cause__ or exc)[:300]
    return "not reproduced by parse_listing/parse_release"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from tests.pib.pib_mutations import apply, load_seeds, random_ops, run_parsers

    listings, releases = load_seeds()
    rng = random.Random(args.seed)
    counts: Counter[str] = Counter()
    failures: list[dict[str, object]] = []
    cut_accepted = 0
    unexpected: list[dict[str, object]] = []  # typed, but by the last-resort wrapper: why?
    start = time.perf_counter()
    for n in range(args.pages):
        seed = rng.choice(listings if n % 2 == 0 else releases)
        if n % 10 == 9:
            ops = [("truncate", rng.randrange(seed.end_of_html))]
        else:
            ops = random_ops(rng, len(seed.body))
        try:
            outcome = run_parsers(seed, apply(seed.body, ops))
        except Exception as exc:  # noqa: BLE001 - counting exactly these is the point
            counts["untyped"] += 1
            if len(failures) < 5:
                failures.append(
                    {
                        "url": seed.url,
                        "ops": [tuple(repr(x)[:60] for x in op) for op in ops],
                        "error": repr(exc)[:300],
                        "trace": traceback.format_exc(limit=4)[-800:],
                    }
                )
            continue
        counts[outcome] += 1
        if outcome.endswith("UnexpectedError") and len(unexpected) < 5:
            unexpected.append({"url": seed.url, "ops": ops, "cause": _cause(seed, ops)})
        if outcome == "ok" and n % 10 == 9:
            cut_accepted += 1
            if len(failures) < 5:
                failures.append({"url": seed.url, "ops": ops, "error": "cut page accepted"})
    seconds = time.perf_counter() - start
    untyped = counts.pop("untyped", 0)
    ok = counts.pop("ok", 0)
    report = {
        "pages": args.pages,
        "ok": ok,
        "typed_errors": sum(counts.values()),
        "untyped": untyped,
        "cut_accepted": cut_accepted,
        "by_error": dict(counts.most_common()),
        "seconds": round(seconds, 1),
        "failures": failures,
        "unexpected_causes": unexpected,
    }
    print(json.dumps(report, indent=1, default=str))
    return 1 if untyped or cut_accepted else 0


if __name__ == "__main__":
    sys.exit(main())

"""Bench: ``merge_events`` over a long backfill (default 8,000 tagged releases).

Figure: :func:`assets.events.merge.merge_events` on ``n`` synthetic tagged releases
(``bench/_synthetic.py``: ~25 a day, Cabinet decisions and their reposts, Hindi twins).
Floor: the least any merge must do with them: normalise every title once and sort the releases
by (language, day, posted time). Extra: the old all-pairs merge (the oracle of
``tests/events/test_merge_equivalence.py``) on the first 1,000 releases, as the peer the issue
quoted (24 s at 8,000).

    python -m bench.bench_merge [--n 8000] [--quick]
"""

from __future__ import annotations

import argparse
import statistics

from assets.events.merge import _norm_title, merge_events
from bench._result import emit, result, say, timed
from bench._synthetic import tagged_releases

DEFAULT_N = 8000
TARGET_S = 2.0
REPEATS = 3


def _floor(tagged: list) -> list:
    titles = [_norm_title(t.title) for t in tagged]
    order = sorted(
        range(len(tagged)),
        key=lambda i: (tagged[i].language, tagged[i].posted_at.date(), tagged[i].posted_at),
    )
    return [titles[i] for i in order]


def _old_all_pairs():
    """The pre-issue-11 merge, from the equivalence test (None when tests/ is not there)."""
    try:
        from tests.events.test_merge_equivalence import old_merge_events
    except ImportError:
        return None
    return old_merge_events


def run(n: int | None = None, quick: bool = False) -> list[dict]:
    n = n or (300 if quick else DEFAULT_N)
    say(f"merge: generating {n} tagged releases")
    tagged = tagged_releases(n)
    days = len({t.posted_at.date() for t in tagged})
    say("merge: timing merge_events and the floor")
    merge_s, floor_s, events = [], [], []
    for _ in range(REPEATS):
        s, events = timed(lambda: merge_events(tagged))
        merge_s.append(s)
        floor_s.append(timed(lambda: _floor(tagged))[0])
    extra: dict = {"merge_runs_s": [round(s, 4) for s in merge_s]}
    old = _old_all_pairs()
    if old is not None:
        peer_n = min(n, 200 if quick else 1000)
        say(f"merge: timing the old all-pairs merge on {peer_n} releases")
        sub = tagged[:peer_n]
        old_s, old_events = timed(lambda: old(sub))
        extra |= {
            "old_all_pairs_n": peer_n,
            "old_all_pairs_s": round(old_s, 4),
            "new_on_same_n_s": round(timed(lambda: merge_events(sub))[0], 4),
            "same_events_as_old": old_events == merge_events(sub),
        }
    return [
        result(
            "merge",
            "merge.merge_events",
            unit="s",
            figure=statistics.median(merge_s),
            baseline=statistics.median(floor_s),
            baseline_kind="floor",
            figure_what=f"merge_events on {n} tagged releases (median of {REPEATS})",
            baseline_what="normalise every title once and sort the releases by language, day "
            "and posted time (the least any merge must do)",
            target=TARGET_S if n == DEFAULT_N else None,
            params={
                "releases": n,
                "days": days,
                "events": len(events),
                "merged_releases": sum(len(e.source_prids) - 1 for e in events),
            },
            extra=extra,
            quick=quick,
        )
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help=f"releases (default {DEFAULT_N})")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = ap.parse_args(argv)
    for line in run(args.n, args.quick):
        emit(line)


if __name__ == "__main__":
    main()

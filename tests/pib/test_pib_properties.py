"""Property-based tests: mutated PIB pages give only typed outcomes (issue 9).

Every bundled snapshot page (6 listing postbacks, 82 release pages) is mutated by 1-4 operations
(truncate, delete/duplicate/rename tags, rename classes and ids, insert deep unclosed nesting,
huge digit runs, random bytes; see ``pib_mutations.py``) and fed to ``parse_listing`` and
``check_listing_page`` (listings) or ``parse_release`` (releases). Accepted outcomes: a result
that satisfies the parser's own guarantees, or a ``PibListingError`` / ``PibParseError``
subclass. A page cut before its end must always raise.

``PIB_FUZZ_EXAMPLES`` sets the examples per test (default 300; the 10,000-page run of the issue
is ``bench/fuzz_parsers.py`` or ``PIB_FUZZ_EXAMPLES=2500`` over the four mutation tests).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assets.pib.discover import parse_listing
from assets.pib.errors import ListingIncomplete, PibParseError, ReleaseTruncated
from assets.pib.parse import parse_release
from tests.pib.pib_mutations import (
    NEW_NAMES,
    NEW_VALUES,
    TAG_NAMES,
    Seed,
    apply,
    load_seeds,
    run_parsers,
)

EXAMPLES = int(os.environ.get("PIB_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LISTINGS, RELEASES = load_seeds()


def _parses(seed: Seed) -> bool:
    try:
        parse_release(seed.body, seed.url, seed.prid)
    except PibParseError:
        return False
    return True


OK_RELEASES = [s for s in RELEASES if _parses(s)]
BIG = 1 << 30


@st.composite
def ops(draw, size: int) -> list[tuple]:
    """1 to 4 mutation operations for a page of ``size`` bytes."""
    out: list[tuple] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                (
                    "truncate",
                    "delete_tag",
                    "dup_tag",
                    "rename_tag",
                    "rename_attr",
                    "nest",
                    "digits",
                    "bytes",
                )
            )
        )
        i = draw(st.integers(0, BIG))
        if kind == "truncate":
            out.append((kind, draw(st.integers(0, size))))
        elif kind in ("delete_tag", "dup_tag"):
            out.append((kind, i))
        elif kind == "rename_tag":
            out.append((kind, i, draw(st.sampled_from(NEW_NAMES))))
        elif kind == "rename_attr":
            out.append((kind, i, draw(st.sampled_from(NEW_VALUES))))
        elif kind == "nest":
            depth = draw(st.sampled_from((10, 300, 1_000, 3_000)))
            out.append((kind, draw(st.integers(0, size)), draw(st.sampled_from(TAG_NAMES)), depth))
        elif kind == "digits":
            count = draw(st.sampled_from((1, 10, 13, 20, 40, 5_000)))
            out.append((kind, i, count, draw(st.booleans())))
        else:
            pos = draw(st.integers(0, size))
            out.append((kind, pos, draw(st.integers(0, 64)), draw(st.binary(max_size=64))))
    return out


@st.composite
def mutated(draw, seeds: list[Seed]) -> tuple[Seed, bytes, list[tuple]]:
    seed = draw(st.sampled_from(seeds))
    mutation = draw(ops(len(seed.body)))
    return seed, apply(seed.body, mutation), mutation


@FUZZ
@given(mutated(LISTINGS))
def test_mutated_listing_pages_give_only_typed_outcomes(case):
    seed, page, mutation = case
    outcome = run_parsers(seed, page)
    for kind in {m[0] for m in mutation}:
        event(f"{outcome} after {kind}")


@FUZZ
@given(mutated(RELEASES))
def test_mutated_release_pages_give_only_typed_outcomes(case):
    seed, page, mutation = case
    outcome = run_parsers(seed, page)
    for kind in {m[0] for m in mutation}:
        event(f"{outcome} after {kind}")


@FUZZ
@given(st.data())
def test_a_release_cut_before_its_end_always_raises(data):
    seed = data.draw(st.sampled_from(OK_RELEASES))
    cut = data.draw(st.integers(0, seed.end_of_html - 1))
    with pytest.raises(ReleaseTruncated):
        parse_release(seed.body[:cut], seed.url, seed.prid)


@FUZZ
@given(st.data())
def test_a_listing_cut_before_its_end_always_raises(data):
    seed = data.draw(st.sampled_from(LISTINGS))
    cut = data.draw(st.integers(0, seed.end_of_html - 1))
    with pytest.raises(ListingIncomplete):
        parse_listing(seed.body[:cut], seed.url, seed.day)


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 20))
@given(st.binary(max_size=4096), st.sampled_from(LISTINGS + RELEASES))
def test_random_bytes_give_only_typed_outcomes(raw, seed):
    run_parsers(seed, raw)


def test_the_seeds_cover_every_bundled_page():
    assert len(LISTINGS) == 6
    assert len(RELEASES) >= 80 and len(OK_RELEASES) == len(RELEASES) - 3

"""Merge tagged releases into events: one event per decision (pure code).

Two releases are one decision when

* they are linked by PRID (a release and its translations, either direction), or
* they are the same decision posted twice (:func:`_same_decision`): same language, same posted
  day, at most :data:`~assets.events.tagger.MERGE_WINDOW` apart, and the same or a near-identical
  normalised title (``difflib.SequenceMatcher`` ratio >= :data:`TITLE_RATIO`), e.g. a Cabinet
  decision and its line-ministry repost.

Groups are the connected components of those links (union-find).

**Candidate pairs** (issue 11). Comparing every pair of releases is quadratic: 8,000 releases
(one long backfill) took 24 s. :func:`merge_events` only looks at pairs that can pass
:func:`_same_decision`, and gives exactly the groups of the all-pairs comparison:

1. releases are blocked by (language, posted day) and sorted by ``posted_at``; only pairs
   inside a sliding :data:`MERGE_WINDOW` are candidates;
2. a pair already in one group is skipped (linking it again changes nothing);
3. equal normalised titles link at once; otherwise cheap **upper bounds** on the ratio must
   allow 0.9 before ``SequenceMatcher`` runs: the lengths, the shared character trigrams and
   the shared characters of the two titles (see :func:`_may_reach_ratio`).

Every filter only drops pairs whose ratio is certainly below the threshold, so no link is lost.
Blocking on shared whole *words* was rejected: two titles can reach 0.9 with no word in common
(every word inflected), so it could silently split an event. The cost is linear in the number
of releases times the releases of one language posted within the window of each other (a PIB
day has tens, not thousands).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from difflib import SequenceMatcher

from assets.events.tagger import (
    MERGE_WINDOW,
    ActorTag,
    Event,
    MineralTag,
    TaggedRelease,
    _dedupe_amounts,
    normalise,
)

TITLE_RATIO = 0.9
"""Two normalised titles at least this similar (``SequenceMatcher.ratio``) are one decision."""

_NON_WORD = re.compile(r"\W+")
_CABINET = re.compile(r"\bcabinet\b|\bccea\b", re.I)


def _norm_title(t: str) -> str:
    return _NON_WORD.sub(" ", normalise(t).casefold()).strip()


def _same_decision(a: TaggedRelease, b: TaggedRelease) -> bool:
    """The pairwise rule: same language and day, within the window, near-identical titles."""
    if a.language != b.language or not (a.posted_at and b.posted_at):
        return False
    if a.posted_at.date() != b.posted_at.date() or abs(a.posted_at - b.posted_at) > MERGE_WINDOW:
        return False
    ta, tb = _norm_title(a.title), _norm_title(b.title)
    return ta == tb or SequenceMatcher(None, ta, tb).ratio() >= TITLE_RATIO


def _is_cabinet(t: TaggedRelease) -> bool:
    return bool(_CABINET.search(t.ministry))


def _primary_order(m: TaggedRelease) -> tuple:
    """Relevant first, English first, Cabinet/CCEA first, then earliest, then lowest PRID."""
    ts = m.posted_at.replace(tzinfo=None) if m.posted_at else datetime.max
    return (not m.is_relevant, m.language != "en", not _is_cabinet(m), ts, m.prid)


class _TitleKey:
    """A normalised title; its trigrams and character counts are computed on first use."""

    __slots__ = ("_chars", "_grams", "text")

    def __init__(self, title: str) -> None:
        self.text = _norm_title(title)
        self._grams: set[str] | None = None
        self._chars: dict[str, int] | None = None

    @property
    def grams(self) -> set[str]:
        """Distinct character trigrams."""
        if self._grams is None:
            t = self.text
            self._grams = {t[i : i + 3] for i in range(len(t) - 2)}
        return self._grams

    @property
    def chars(self) -> dict[str, int]:
        """Character counts."""
        if self._chars is None:
            self._chars = Counter(self.text)
        return self._chars


def _may_reach_ratio(a: _TitleKey, b: _TitleKey) -> bool:
    """False only when ``SequenceMatcher(None, a.text, b.text).ratio() < TITLE_RATIO`` for sure.

    ratio = 2M / T, with M the characters in SequenceMatcher's matching blocks and
    T = la + lb. Three upper bounds, cheapest first:

    (a) M <= min(la, lb);
    (b) M <= the characters the two titles share, counted with multiplicity (difflib's own
        ``quick_ratio`` bound);
    (c) trigrams: the blocks are common substrings, so a trigram of ``a`` lying inside one block
        also occurs in ``b``. An unmatched character of ``a`` breaks at most 3 trigram
        occurrences, a gap of unmatched characters of ``b`` between two blocks at most 2, so
        with d = T - 2M unmatched characters, |trigrams(a) & trigrams(b)| >= |trigrams(a)| - 3d
        (and the same from ``b``'s side); ratio >= 0.9 means d <= 0.1 T (rounded up by one
        here, so float rounding can never drop a link).
    """
    la, lb = len(a.text), len(b.text)
    total = la + lb
    if total == 0:
        return True
    if 2.0 * min(la, lb) / total < TITLE_RATIO:
        return False
    small, large = (a.chars, b.chars) if len(a.chars) <= len(b.chars) else (b.chars, a.chars)
    shared = sum(min(n, large.get(c, 0)) for c, n in small.items())
    if 2.0 * shared / total < TITLE_RATIO:
        return False
    d_max = int((1.0 - TITLE_RATIO) * total) + 1
    return len(a.grams & b.grams) >= max(len(a.grams), len(b.grams)) - 3 * d_max


def _candidate_pairs(tagged: Sequence[TaggedRelease]) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) of releases of one language and day posted within the window."""
    blocks: dict[tuple[str, object], list[int]] = {}
    for i, t in enumerate(tagged):
        if t.posted_at:
            blocks.setdefault((t.language, t.posted_at.date()), []).append(i)
    for members in blocks.values():
        members.sort(key=lambda i: tagged[i].posted_at)
        for pos, i in enumerate(members):
            start = tagged[i].posted_at
            for j in members[pos + 1 :]:
                if tagged[j].posted_at - start > MERGE_WINDOW:
                    break
                yield (i, j) if i < j else (j, i)


def merge_events(tagged: list[TaggedRelease]) -> list[Event]:
    """One event per decision: Cabinet/CCEA release + line-ministry repost (near-identical title,
    same day, within :data:`MERGE_WINDOW`) and English + translations (linked by PRID either way).
    Only relevant releases become events; a translation joins its (relevant) twin.

    Near-linear: only candidate pairs are compared (see the module docstring); the groups are
    exactly those of comparing every pair with :func:`_same_decision`."""
    by_prid = {t.prid: t for t in tagged}
    parent = {p: p for p in by_prid}

    def find(p: int) -> int:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for t in tagged:
        for o in t.translations:
            if o in by_prid:
                union(t.prid, o)

    keys: dict[int, _TitleKey] = {}
    for i, j in _candidate_pairs(tagged):
        a, b = tagged[i], tagged[j]
        if find(a.prid) == find(b.prid):
            continue
        ka = keys.get(i) or keys.setdefault(i, _TitleKey(a.title))
        kb = keys.get(j) or keys.setdefault(j, _TitleKey(b.title))
        if ka.text == kb.text or (
            _may_reach_ratio(ka, kb)
            # same argument order as the all-pairs loop (the ratio is not always symmetric)
            and SequenceMatcher(None, ka.text, kb.text).ratio() >= TITLE_RATIO
        ):
            union(a.prid, b.prid)

    groups: dict[int, list[TaggedRelease]] = {}
    for t in tagged:
        groups.setdefault(find(t.prid), []).append(t)
    events = []
    for members in groups.values():
        if not any(m.is_relevant for m in members):
            continue
        ranked = sorted(members, key=_primary_order)
        primary = ranked[0]
        minerals: dict[str, MineralTag] = {}
        actors: dict[tuple[str, str], ActorTag] = {}
        for m in ranked:
            for mt in m.minerals:
                if (
                    mt.mineral_id not in minerals
                    or mt.confidence > minerals[mt.mineral_id].confidence
                ):
                    minerals[mt.mineral_id] = mt
            for at in m.actors:
                actors.setdefault((at.name, at.role), at)
        events.append(
            Event(
                event_id=f"pib-{primary.prid}",
                primary_prid=primary.prid,
                source_prids=sorted(m.prid for m in members),
                title=primary.title,
                event_type=primary.event_type or "other",
                status=primary.status or "announced",
                posted_at=primary.posted_at,
                ministries=list(dict.fromkeys(m.ministry for m in ranked)),
                minerals=sorted(minerals.values(), key=lambda x: x.mineral_id),
                actors=list(actors.values()),
                amounts=_dedupe_amounts(a for m in ranked for a in m.amounts),
            )
        )
    return sorted(events, key=lambda e: (e.posted_at is None, e.posted_at or 0, e.primary_prid))

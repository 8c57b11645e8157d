"""Mutated PIB pages for property tests and ``bench/fuzz_parsers.py``.

Seeds are the bundled snapshot pages (``snapshot/pib``): every listing postback and every
release page, with what each parser needs to be called on them. A mutation is a list of
operations, each a plain tuple of integers/bytes, so hypothesis can draw and shrink them and
the bench script can draw them from a seeded ``random.Random``:

* ``("truncate", pos)`` cut the page;
* ``("delete_tag", i)``, ``("dup_tag", i)`` drop or repeat the i-th tag;
* ``("rename_tag", i, name)`` give the i-th tag (and nothing else) another element name;
* ``("rename_attr", i, value)`` replace the class or id value of the i-th tag that has one;
* ``("nest", pos, tag, depth)`` insert ``depth`` unclosed ``<tag>`` at pos;
* ``("digits", i, n)`` replace the i-th digit run by n digits (targeted runs: PRIDs,
  ``hydpermid``, Release ID, counters, "Displaying N");
* ``("bytes", pos, drop, payload)`` replace ``drop`` bytes at pos by random bytes.
"""

from __future__ import annotations

import contextlib
import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assets.pib.discover import (
    F_DAY,
    F_MONTH,
    F_YEAR,
    DayListing,
    check_listing_page,
    parse_listing,
)
from assets.pib.errors import PibListingError, PibParseError
from assets.pib.markup import PRID_MAX, PRID_MIN
from assets.pib.parse import Release, parse_release
from pipelines.snapshot import SnapshotReader

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "pib"

TAG_RE = re.compile(rb"<[!/]?[A-Za-z][^<>]{0,400}>")
NAMED_ATTR_RE = re.compile(rb"""\b(class|id)\s*=\s*(["'])([^"'<>]{0,200})\2""")
DIGITS_RE = re.compile(rb"[0-9]+")
_TARGETS = ("PRID=", 'value="', "Release ID: ", "रिलीज़ आईडी: ", "Counter : ", "Details(")
TARGET_DIGITS_RE = re.compile(
    rb"(?:" + b"|".join(re.escape(t.encode()) for t in _TARGETS) + rb"|Displaying\s+)([0-9]+)"
)
CLOSE_HTML_RE = re.compile(rb"</\s*html\s*>", re.IGNORECASE)
TAG_NAMES = ("div", "span", "p", "ul", "li", "table", "tr", "td", "b", "a", "h3", "font", "form")
NEW_NAMES = (b"x-div", b"section", b"h4", b"article", b"h3", b"font", b"zz")
NEW_VALUES = (b"", b"content-area", b"font104", b"num", b"leftul", b"ReleaseId", b"hd-x")
KINDS = ("truncate", "delete_tag", "dup_tag", "rename_tag", "rename_attr", "nest", "digits")
KINDS += ("bytes",)


@dataclass(frozen=True)
class Seed:
    kind: str  # "listing" or "release"
    body: bytes
    url: str
    day: date | None = None  # listing: the day posted
    prid: int | None = None  # release: the PRID asked for

    @property
    def end_of_html(self) -> int:
        """Offset just after the page's last ``</html>`` (a cut before it must fail)."""
        ends = [m.end() for m in CLOSE_HTML_RE.finditer(self.body)]
        return ends[-1] if ends else len(self.body)


def load_seeds() -> tuple[list[Seed], list[Seed]]:
    """(listing seeds, release seeds) from the bundled snapshot."""
    reader = SnapshotReader(SNAPSHOT)
    listings, releases = [], []
    keys = reader.keys()  # SnapshotReader is not iterable
    for key in keys:
        ex = reader.next_for(key)
        if ex.status != 200 or not ex.body_path:
            continue
        body = reader.body(ex)
        if ex.method == "POST" and "allRel.aspx" in ex.url:
            f = ex.form
            day = date(int(f[F_YEAR]), int(f[F_MONTH]), int(f[F_DAY]))
            listings.append(Seed("listing", body, ex.url, day=day))
        elif m := re.search(r"PRID=([0-9]+)", ex.url):
            releases.append(Seed("release", body, ex.url, prid=int(m[1])))
    return listings, releases


def _nth(items: list, i: int):
    return items[i % len(items)] if items else None


def apply(body: bytes, ops: list[tuple]) -> bytes:
    """The page after applying ``ops`` in order (see the module docstring)."""
    for op in ops:
        body = _apply_one(body, op)
    return body


def _apply_one(body: bytes, op: tuple) -> bytes:
    kind = op[0]
    n = len(body)
    if kind == "truncate":
        return body[: op[1] % (n + 1)]
    if kind == "nest":
        _, pos, tag, depth = op
        pos %= n + 1
        return body[:pos] + f"<{tag}>".encode() * depth + body[pos:]
    if kind == "bytes":
        _, pos, drop, payload = op
        pos %= n + 1
        return body[:pos] + payload + body[pos + drop :]
    if kind == "digits":
        _, i, count, targeted = op
        runs = [m.span(1) for m in TARGET_DIGITS_RE.finditer(body)] if targeted else []
        runs = runs or [m.span() for m in DIGITS_RE.finditer(body)]
        span = _nth(runs, i)
        if span is None:
            return body
        digits = (b"9" + b"0123456789" * (count // 10 + 1))[:count]
        return body[: span[0]] + digits + body[span[1] :]
    tags = [m for m in TAG_RE.finditer(body)]
    if kind in ("rename_attr",):
        tags = [m for m in tags if NAMED_ATTR_RE.search(m[0])]
    tag = _nth(tags, op[1])
    if tag is None:
        return body
    a, b = tag.span()
    text = tag[0]
    if kind == "delete_tag":
        return body[:a] + body[b:]
    if kind == "dup_tag":
        return body[:a] + text + body[a:]
    if kind == "rename_tag":
        name = re.match(rb"<[!/]?([A-Za-z][A-Za-z0-9]*)", text)
        if not name:
            return body
        new = text[: name.start(1)] + op[2] + text[name.end(1) :]
        return body[:a] + new + body[b:]
    if kind == "rename_attr":
        m = NAMED_ATTR_RE.search(text)
        new = text[: m.start(3)] + op[2] + text[m.end(3) :]
        return body[:a] + new + body[b:]
    raise ValueError(f"unknown mutation {kind!r}")


def random_ops(rng: random.Random, size: int) -> list[tuple]:
    """1 to 4 operations drawn from ``rng`` for a page of ``size`` bytes."""
    ops: list[tuple] = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(KINDS)
        i = rng.randrange(1 << 30)
        if kind == "truncate":
            ops.append((kind, rng.randrange(size + 1)))
        elif kind in ("delete_tag", "dup_tag"):
            ops.append((kind, i))
        elif kind == "rename_tag":
            ops.append((kind, i, rng.choice(NEW_NAMES)))
        elif kind == "rename_attr":
            ops.append((kind, i, rng.choice(NEW_VALUES)))
        elif kind == "nest":
            depth = rng.choice((10, 300, 1_000, 3_000)) if rng.random() < 0.98 else 50_000
            ops.append((kind, rng.randrange(size + 1), rng.choice(TAG_NAMES), depth))
        elif kind == "digits":
            count = rng.choice((1, 10, 13, 20, 40, 5_000))
            ops.append((kind, i, count, rng.random() < 0.7))
        else:
            payload = rng.randbytes(rng.randint(0, 64))
            ops.append((kind, rng.randrange(size + 1), rng.randint(0, 64), payload))
    return ops


def run_parsers(seed: Seed, page: bytes) -> str:
    """Feed ``page`` to the parsers of its kind; return "ok" or the typed error's class name.

    Listings go to ``check_listing_page`` and ``parse_listing``, releases to ``parse_release``.
    Any untyped exception propagates; an accepted result that breaks the parser's guarantees
    raises ``AssertionError``.
    """
    if seed.kind == "listing":
        with contextlib.suppress(PibListingError):  # typed is fine; parse_listing decides
            check_listing_page(page, seed.url, seed.day)
        try:
            got = parse_listing(page, seed.url, seed.day)
        except PibListingError as exc:
            return type(exc).__name__
        assert isinstance(got, DayListing)
        # an accepted listing proved itself complete: the stated count is one of its counts
        assert got.stated_count is not None
        assert len(got.items) <= got.stated_count <= got.release_links
        assert len(got.items) == len({i.prid for i in got.items})
        assert all(PRID_MIN <= i.prid < PRID_MAX for i in got.items)
        return "ok"
    try:
        rel = parse_release(page, seed.url, seed.prid)
    except PibParseError as exc:
        return type(exc).__name__
    assert isinstance(rel, Release)
    assert rel.prid == seed.prid
    assert rel.title and rel.ministry and rel.posted_at is not None
    assert all(PRID_MIN <= t.prid < PRID_MAX for t in rel.translations)
    assert rel.views is None or rel.views < 10**15
    return "ok"

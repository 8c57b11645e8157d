"""Discover PIB releases for one day, and pick the ones worth fetching.

Discovery (shared/research/pib.md §3)
-------------------------------------
The all-releases listing ``allRel.aspx?reg=3&lang=1`` (English, PIB Delhi) shows only *today*;
any other day needs an ASP.NET WebForms postback:

1. ``GET`` the listing (same :class:`~pipelines.http.SourceClient`, so cookies are kept);
2. copy **every** ``input[type=hidden]`` name/value (``__VIEWSTATE``, ``__EVENTVALIDATION``,
   ``script_HiddenField``, ``hydregionid`` ...). The print button ``input[type=image]`` is
   never sent: posting it triggers the print handler;
3. set the visible controls: region 3, language 1, ministry 0 (all), ``ddlday``/``ddlMonth``/
   ``ddlYear``, and ``__EVENTTARGET`` = the ``ddlday`` control, then ``POST`` the form to the same
   URL with ``Referer`` and ``Origin`` headers;
4. check the answer: PIB reports errors with HTTP 200 ("Untitled Page", "The Page you have
   requested is not available at present.") -> :class:`ListingErrorPage`; and the label
   ``#ContentPlaceHolder1_lblDate`` ("05-September-2026") must show the posted date, otherwise
   the server silently ignored the postback -> :class:`ListingDateMismatch`;
5. parse the listing by what is stable in PIB's markup (see "Listing parse" below) and prove
   it complete (see "Completeness").

Listing parse (layout drift)
----------------------------
Two layouts are known: ``div.content-area > ul.num > li > (h3.font104 + ul.leftul > li > a)``
(pib.md §3.1) and the one served in Oct 2026,
``div.content-area > ul > li > (h3.font104 + ul.num > li > a)``. Neither container class is
relied on. The parser walks the content area in document order (``descendants``: iterative,
any nesting depth) and reads

* **ministry headings**: heading elements (``h1``-``h6``, any class) of the level that most
  often directly precedes a release link (``h3`` on every known template; with no link at all,
  ``h3``). Other headings (the page's own ``h2``) are ignored;
* **release links**: any ``<a>`` whose ``href`` carries ``PRID=N`` (any path, relative or
  absolute, decorated with ``&reg=48&lang=1`` or not), or whose ``onclick`` is
  ``return Bind_PressReleaseDetails(N)``. Each belongs to the last ministry heading before it,
  so one list per ministry, one list for all, with or without classes, all parse alike;
* the **"Posted on: 10 Sep 2026"** text after a link (a ``span.publishdatesmall`` that is never
  closed) as its ``listed_on``; on a day listing an item without one is dated the applied
  day, on a month listing (``ddlday=0``; label "Month-YYYY" or day option 0 selected) it is
  left ``None``.

The content area is ``div.content-area`` when it holds release links; if the class drifted and
the links are elsewhere, the whole body is read and only the headings between the first and
the last release link count as ministries. PRIDs are bounded (``1 <= PRID < 10**9``, at most 12
digits before ``int()``); a link with an unreadable PRID fails the day
(:class:`ListingInvalidValue`). PRIDs are de-duplicated (first occurrence wins) and the Hindi
placeholder title "प्रेस विज्ञप्ति" is skipped.

Completeness
------------
A listing is accepted only if the page proves it complete, else :class:`ListingIncomplete`
(naming the day, URL, the stated and the parsed counts, or the empty heading):

* the page ends with its closing ``</html>`` (a cut page never passes, whatever it counts);
* it states "Displaying N Press Releases" (``div.search_box_result``), and N equals the number
  of release links **before** de-duplication, or the number of distinct PRIDs, or the number of
  items kept (after the Hindi placeholder is skipped). Which of these PIB counts is not
  documented, so any of the three is accepted; all are at most the number of links on the page,
  so a page that lost links still fails whenever PIB counts links;
* every ministry heading is followed by at least one release link (a placeholder or duplicate
  counts: the heading did yield its item);
* a day with no release link passes only when the page positively says so: "No Release Found"
  (``div.norecord``) or "Displaying 0 Press Releases". A page that says so *and* lists links
  fails.

A page with neither statement is :class:`ListingCountMissing` (nothing can prove it complete).
Any other failure inside the public parse functions surfaces as
:class:`ListingUnexpectedError` with the original exception as its cause.

Candidate selection
-------------------
A listed item is a *candidate* (its page is fetched) when **either**

* its ministry heading is on the allow-list (:data:`assets.pib.policy.DEFAULT_MINISTRIES`:
  Mines, Commerce & Industry, External Affairs, Heavy Industries, Coal, Steel, Atomic Energy,
  NITI Aayog, Cabinet, CCEA, Cabinet Committee Decisions). Headings are compared case-folded,
  with ``&`` read as ``and`` and whitespace collapsed; a heading "Parent : Department" also
  matches on its parent; **or**
* its title mentions a term of the gazetteer in ``selection_terms.csv`` (kinds ``mineral``:
  India's 30 critical minerals and a few close relatives; ``topic``: "critical mineral",
  "rare earth", "KABIL", ...; ``country``: mineral partner countries such as Argentina,
  Australia, Chile, Peru). Terms match whole words, case-insensitively, with an optional plural
  ``s``/``es`` ("critical minerals", "rare earths"), so a lithium deal announced by any ministry
  is kept. The rule is recall-first: a Defence release naming Australia is fetched too, and the
  event tagger downstream decides what is a critical-mineral event.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from assets.pib.errors import (
    ListingCountMissing,
    ListingDateMismatch,
    ListingErrorPage,
    ListingIncomplete,
    ListingInvalidValue,
    ListingUnexpectedError,
    PibListingError,
)
from assets.pib.markup import PRID_RE, BadNumber, bounded_int, is_error_page, soup_of, valid_prid
from assets.pib.policy import DEFAULT_MINISTRIES
from pipelines.http import Fetched, SourceClient

LISTING_URL = "https://www.pib.gov.in/allRel.aspx?reg=3&lang=1"
ORIGIN = "https://www.pib.gov.in"
REGION_PIB_DELHI = 3
LANG_ENGLISH = 1

# Visible controls of the allRel form (pib.md §3.2).
F_REGION = "ctl00$Bar1$ddlregion"
F_LANG = "ctl00$Bar1$ddlLang"
F_MINISTRY = "ctl00$ContentPlaceHolder1$ddlMinistry"
F_DAY = "ctl00$ContentPlaceHolder1$ddlday"
F_MONTH = "ctl00$ContentPlaceHolder1$ddlMonth"
F_YEAR = "ctl00$ContentPlaceHolder1$ddlYear"
F_EVENTTARGET = "__EVENTTARGET"

DATE_LABEL_SELECTOR = "#ContentPlaceHolder1_lblDate"
HINDI_PLACEHOLDER_TITLE = "प्रेस विज्ञप्ति"

SELECTION_TERMS_FILE = Path(__file__).with_name("selection_terms.csv")

COUNT_FIELD = "div.search_box_result ('Displaying N Press Releases')"
_LISTED_RE = re.compile(r"([0-9]{1,2})\s+([A-Za-z]{3})[a-z]*\s+([0-9]{4})")
_POSTED_RE = re.compile(r"Posted\s+on\s*:?\s*[0-9]{1,2}\s+[A-Za-z]{3,9}\s+[0-9]{4}", re.IGNORECASE)
_ONCLICK_RE = re.compile(r"Bind_PressReleaseDetails\s*\(\s*['\"]?([0-9]*)", re.IGNORECASE)
_DISPLAYING_HINT_RE = re.compile(r"Displaying", re.IGNORECASE)
_COUNT_RE = re.compile(r"Displaying\s+([0-9]+)\s+Press\s+Releases?", re.IGNORECASE)
_MAX_COUNT_DIGITS = 6  # a month of PIB Delhi English is ~1,500 releases
_NO_RECORD_RE = re.compile(r"No\s+Releases?\s+Found", re.IGNORECASE)
_MONTH_LABEL_RE = re.compile(r"[A-Za-z]+-[0-9]{4}")
_CLOSING_RE = re.compile(r"</\s*html\s*>", re.IGNORECASE)
_CLOSING_RE_B = re.compile(rb"</\s*html\s*>", re.IGNORECASE)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_NON_TEXT_TAGS = {"script", "style", "noscript", "template", "textarea", "title", "a"}
_DETAIL_HREF = "/PressReleaseDetail.aspx?PRID={}"
_WS = re.compile(r"\s+")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ListingItem:
    """One release as listed on ``allRel.aspx``."""

    prid: int
    ministry: str
    title: str
    listed_on: date | None
    href: str


@dataclass
class DayListing:
    """The listing of one day as the server applied it."""

    day: date
    url: str
    applied_date_label: str
    items: list[ListingItem]
    fetched: Fetched | None = None
    duplicates_dropped: int = 0
    placeholders_skipped: int = 0
    stated_count: int | None = None  # "Displaying N Press Releases" (0: "No Release Found")
    release_links: int = 0  # release links on the page, before de-duplication
    period: str = "day"  # "month" for a ddlday=0 listing

    @property
    def prids(self) -> list[int]:
        return [i.prid for i in self.items]

    @property
    def ministries(self) -> list[str]:
        """Ministry headings in page order, each once."""
        return list(dict.fromkeys(i.ministry for i in self.items))


@dataclass(frozen=True)
class Candidate:
    """A listing item selected for fetching, with why it was selected."""

    item: ListingItem
    reasons: tuple[str, ...]

    @property
    def prid(self) -> int:
        return self.item.prid


@dataclass(frozen=True)
class SelectionTerms:
    """The title gazetteer: ``kind`` ("mineral", "topic", "country") -> terms."""

    by_kind: Mapping[str, tuple[str, ...]]
    _patterns: tuple[tuple[str, str, re.Pattern[str]], ...] = field(
        default=(), repr=False, compare=False
    )

    @classmethod
    def from_terms(cls, by_kind: Mapping[str, Iterable[str]]) -> SelectionTerms:
        frozen = {k: tuple(v) for k, v in by_kind.items()}
        pats = tuple(
            (kind, term, _term_pattern(term)) for kind, terms in frozen.items() for term in terms
        )
        return cls(by_kind=frozen, _patterns=pats)

    def matches(self, title: str) -> list[tuple[str, str]]:
        """``(kind, term)`` pairs found in ``title``."""
        text = _WS.sub(" ", title)
        return [(kind, term) for kind, term, pat in self._patterns if pat.search(text)]


def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    body = r"[\s\-]+".join(words)
    return re.compile(rf"(?<!\w){body}(?:s|es)?(?!\w)", re.IGNORECASE)


def load_selection_terms(path: Path | str | None = None) -> SelectionTerms:
    """Read the gazetteer CSV (columns ``kind,term,note``)."""
    by_kind: dict[str, list[str]] = {}
    with Path(path or SELECTION_TERMS_FILE).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            term = (row.get("term") or "").strip()
            if term:
                by_kind.setdefault(row["kind"].strip(), []).append(term)
    return SelectionTerms.from_terms(by_kind)


_default_terms: SelectionTerms | None = None


def default_selection_terms() -> SelectionTerms:
    """The bundled gazetteer (loaded once)."""
    global _default_terms
    if _default_terms is None:
        _default_terms = load_selection_terms()
    return _default_terms


# --------------------------------------------------------------------------- postback


def _soup(html: bytes | str) -> BeautifulSoup:
    return soup_of(html)


def hidden_fields(html: bytes | str) -> dict[str, str]:
    """Every ``input[type=hidden]`` name -> value of the page's form, in page order.

    Values come entity-decoded (the parser does it). Image inputs (the print button) and other
    visible inputs are not included.
    """
    soup = _soup(html)
    out: dict[str, str] = {}
    for inp in soup.select("input"):
        if (inp.get("type") or "").lower() != "hidden":
            continue
        name = inp.get("name")
        if name:
            out[str(name)] = str(inp.get("value") or "")
    return out


def build_postback_form(
    listing_html: bytes | str,
    day: date,
    *,
    ministry_id: int = 0,
    region: int = REGION_PIB_DELHI,
    lang: int = LANG_ENGLISH,
) -> dict[str, str]:
    """The form that asks ``allRel.aspx`` for one ``day`` (pure; see module docstring)."""
    form = hidden_fields(listing_html)
    form.update(
        {
            F_EVENTTARGET: F_DAY,
            "__EVENTARGUMENT": "",
            F_REGION: str(region),
            F_LANG: str(lang),
            F_MINISTRY: str(ministry_id),
            F_DAY: str(day.day),
            F_MONTH: str(day.month),
            F_YEAR: str(day.year),
        }
    )
    return form


def _applied_date(soup: BeautifulSoup, url: str) -> tuple[date, str]:
    label = soup.select_one(DATE_LABEL_SELECTOR) or soup.select_one('[id$="lblDate"]')
    if label is None:
        raise PibListingError(url, "date label not found", field=DATE_LABEL_SELECTOR)
    text = _WS.sub(" ", label.get_text(" ")).strip()
    if len(text) <= 40:
        for fmt in ("%d-%B-%Y", "%B-%Y"):  # a day; a whole month (ddlday=0), if so labelled
            try:
                return datetime.strptime(text, fmt).date(), text
            except ValueError:
                continue
    shown = text if len(text) <= 40 else text[:40] + "..."
    raise PibListingError(
        url, f"date label {shown!r} is not DD-Month-YYYY", field=DATE_LABEL_SELECTOR
    )


def applied_date(html: bytes | str, url: str) -> tuple[date, str]:
    """The date the server applied, from ``#ContentPlaceHolder1_lblDate`` ("05-September-2026")."""
    with _typed_listing_errors(url):
        return _applied_date(_soup(html), url)


def check_listing_page(html: bytes | str, url: str, day: date | None) -> str:
    """Raise if ``html`` is the error page or shows another date than ``day``; return the label.

    Raises only :class:`PibListingError` subclasses.
    """
    with _typed_listing_errors(url):
        soup = _soup(html)
        if is_error_page(soup):
            raise ListingErrorPage(
                url, "PIB returned its error page ('Untitled Page') with HTTP 200"
            )
        got, label = _applied_date(soup, url)
        if day is not None and (got != day or _is_month_listing(soup, label)):
            raise ListingDateMismatch(
                url,
                f"asked for {day.isoformat()} but the server applied {label!r} "
                "(postback ignored: stale __VIEWSTATE/__EVENTVALIDATION?)",
                field=DATE_LABEL_SELECTOR,
            )
        return label


@contextmanager
def _typed_listing_errors(url: str) -> Iterator[None]:
    """Let typed listing errors through; turn anything else into a typed one (last resort)."""
    try:
        yield
    except PibListingError:
        raise
    except BadNumber as exc:
        raise ListingInvalidValue(url, str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a parser must never raise an untyped error
        raise ListingUnexpectedError(
            url, f"unexpected {type(exc).__name__} while parsing: {str(exc)[:300]}"
        ) from exc


# --------------------------------------------------------------------------- listing parse


@dataclass
class _Link:
    prid: int
    title: str
    href: str
    posted: date | None = None


@dataclass
class _Group:
    heading: str | None  # None: links before any ministry heading
    links: list[_Link] = field(default_factory=list)


def _listed_on(text: str) -> date | None:
    m = _LISTED_RE.search(text)
    if not m:
        return None
    try:
        return datetime.strptime(f"{m[1]} {m[2].title()} {m[3]}", "%d %b %Y").date()
    except ValueError:
        return None


def _link_prid(a: Tag) -> str | None:
    """The PRID digits an anchor carries (``href`` with ``PRID=`` or the ``onclick`` binder)."""
    for attr, pattern in (("href", PRID_RE), ("onclick", _ONCLICK_RE)):
        value = a.get(attr)
        if value:
            m = pattern.search(str(value))
            if m:
                return m[1]
    return None


def _content_root(soup: BeautifulSoup, links: list[Tag]) -> tuple[Tag, bool]:
    """The element to read and whether every ministry heading in it must yield links.

    ``div.content-area`` holding the release links (strict); else, when links exist elsewhere,
    the whole body (not strict: headings before the first and after the last release link are
    page furniture, not ministries).
    """
    areas = soup.select("div.content-area")
    linked = {id(a) for a in links}
    for area in areas:
        if any(id(a) in linked for a in area.find_all("a")):
            return area, True
    if not links and areas:
        return areas[0], True
    return soup.body or soup, False


def _visible_text(s: object) -> bool:
    """Page text (not a comment, script, link text or title)."""
    return (
        type(s) is NavigableString and s.parent is not None and s.parent.name not in _NON_TEXT_TAGS
    )


def _stated_count(soup: BeautifulSoup, url: str) -> tuple[int | None, bool]:
    """``(N, zero_statement)`` from "Displaying N Press Releases" / "No Release Found"."""
    values: set[int] = set()
    for s in soup.find_all(string=_DISPLAYING_HINT_RE):
        if not _visible_text(s):
            continue
        m = _COUNT_RE.search(str(s))
        if m is None and s.parent is not None:  # "Displaying <b>52</b> Press Releases"
            m = _COUNT_RE.search(s.parent.get_text(" "))
        if m is None:
            continue
        try:
            values.add(bounded_int(m[1], _MAX_COUNT_DIGITS, "stated count"))
        except BadNumber as exc:
            raise ListingCountMissing(url, str(exc), field=COUNT_FIELD) from None
    if len(values) > 1:
        raise ListingCountMissing(
            url, f"conflicting count statements {sorted(values)}", field=COUNT_FIELD
        )
    no_record = any(_visible_text(s) for s in soup.find_all(string=_NO_RECORD_RE))
    stated = values.pop() if values else None
    if stated is None and no_record:
        return 0, True
    return stated, stated == 0 or no_record


def _walk(root: Tag, url: str) -> list[_Group]:
    """Ministry headings and the release links after each, in document order (no recursion)."""
    events: list[tuple[str, Tag | str]] = []
    for node in root.descendants:  # bs4 walks next_element: iterative, any depth
        if isinstance(node, Tag):
            if node.name in _HEADINGS:
                events.append(("h", node))
            elif node.name == "a":
                events.append(("a", node))
        elif _visible_text(node) and "osted" in node:
            events.append(("t", str(node)))
    # The ministry heading level is the one that most often directly precedes a release link
    # (h3 on every known template); with no link at all, any h3 counts as a ministry heading.
    votes: Counter[str] = Counter()
    last: str | None = None
    for kind, node in events:
        if kind == "h":
            last = node.name  # type: ignore[union-attr]
        elif kind == "a" and last is not None and _link_prid(node) is not None:  # type: ignore[arg-type]
            votes[last] += 1
    level = votes.most_common(1)[0][0] if votes else "h3"

    groups: list[_Group] = [_Group(None)]
    for kind, node in events:
        if kind == "h" and node.name == level:  # type: ignore[union-attr]
            groups.append(_Group(_WS.sub(" ", node.get_text(" ")).strip()))  # type: ignore[union-attr]
        elif kind == "a":
            a: Tag = node  # type: ignore[assignment]
            digits = _link_prid(a)
            if digits is None:
                continue
            try:
                prid = valid_prid(digits, "PRID of a listed release")
            except BadNumber as exc:
                raise ListingInvalidValue(url, str(exc), field="a[href*=PRID=]") from None
            title = _WS.sub(" ", str(a.get("title") or a.get_text(" "))).strip()
            href = a.get("href")
            href_s = str(href) if href and PRID_RE.search(str(href)) else _DETAIL_HREF.format(prid)
            groups[-1].links.append(_Link(prid, title, href_s))
        elif kind == "t" and groups[-1].links and groups[-1].links[-1].posted is None:
            m = _POSTED_RE.search(node)  # type: ignore[arg-type]
            if m:
                groups[-1].links[-1].posted = _listed_on(m[0])
    return groups


def _is_month_listing(soup: BeautifulSoup, label: str) -> bool:
    if _MONTH_LABEL_RE.fullmatch(label):
        return True
    opt = soup.select_one('select[name$="ddlday"] option[selected]')
    return opt is not None and str(opt.get("value") or "").strip() == "0"


def _has_closing_markup(html: bytes | str) -> bool:
    pattern = _CLOSING_RE_B if isinstance(html, bytes) else _CLOSING_RE
    return pattern.search(html) is not None  # type: ignore[arg-type]


def parse_listing(html: bytes | str, url: str = LISTING_URL, day: date | None = None) -> DayListing:
    """Parse a listing page into items and prove it complete (see the module docstring).

    No date check (see :func:`check_listing_page`): ``day`` is only used to name the day in
    errors; the returned :class:`DayListing` has ``day`` = the server-applied date. Raises only
    :class:`PibListingError` subclasses.
    """
    with _typed_listing_errors(url):
        return _parse_listing(html, url, day)


def _parse_listing(html: bytes | str, url: str, day: date | None) -> DayListing:
    soup = _soup(html)
    if is_error_page(soup):
        raise ListingErrorPage(url, "PIB returned its error page ('Untitled Page') with HTTP 200")
    if not _has_closing_markup(html):
        raise ListingIncomplete(
            url,
            "the page ends before its closing </html> (cut short)",
            day=day,
            stated=None,
            parsed=0,
            raw=0,
            field="</html>",
        )
    applied, label = _applied_date(soup, url)
    when = day or applied
    month = _is_month_listing(soup, label)
    stated, says_zero = _stated_count(soup, url)
    links = [a for a in soup.find_all("a") if _link_prid(a) is not None]
    root, strict = _content_root(soup, links)
    groups = _walk(root, url)
    if not strict:  # keep the headings from the first to the last one with links
        linked = [i for i, g in enumerate(groups) if g.links and i > 0]
        inner = groups[linked[0] : linked[-1] + 1] if linked else []
        groups = [groups[0], *inner]

    items: list[ListingItem] = []
    seen: set[int] = set()
    raw = dups = placeholders = 0
    for group in groups:
        raw += len(group.links)
        for link in group.links:
            if link.title == HINDI_PLACEHOLDER_TITLE:
                placeholders += 1
                continue
            if link.prid in seen:
                dups += 1
                continue
            seen.add(link.prid)
            listed = link.posted or (None if month else applied)
            items.append(ListingItem(link.prid, group.heading or "", link.title, listed, link.href))
    unique = len({link.prid for g in groups for link in g.links})

    def incomplete(message: str, heading: str | None = None, field: str = COUNT_FIELD):
        return ListingIncomplete(
            url,
            message,
            day=when,
            stated=stated,
            parsed=len(items),
            raw=raw,
            heading=heading,
            field=field,
        )

    if stated is None:
        raise ListingCountMissing(
            url,
            f"day {when.isoformat()}: no 'Displaying N Press Releases' statement and no "
            "'No Release Found' marker: cannot prove the listing complete",
            field=COUNT_FIELD,
        )
    if says_zero and raw:
        raise incomplete("the page says it has no releases but lists some")
    if stated not in (raw, unique, len(items)):
        raise incomplete(f"the page states {stated} releases but {raw} are listed")
    for group in groups[1:]:
        if group.heading and not group.links:
            raise incomplete(
                f"ministry heading {group.heading!r} is followed by no release link",
                heading=group.heading,
                field="h3 (ministry heading)",
            )
    return DayListing(
        day=applied,
        url=url,
        applied_date_label=label,
        items=items,
        duplicates_dropped=dups,
        placeholders_skipped=placeholders,
        stated_count=stated,
        release_links=raw,
        period="month" if month else "day",
    )


# --------------------------------------------------------------------------- client calls


def discover_day(
    client: SourceClient,
    day: date,
    *,
    ministry_id: int = 0,
    listing_url: str = LISTING_URL,
) -> DayListing:
    """All English PIB Delhi releases listed for ``day`` (GET + postback; see module docstring).

    Raises :class:`ListingErrorPage` or :class:`ListingDateMismatch` (both
    :class:`PibListingError`) when the server does not deliver that day.
    """
    first = client.get(listing_url)
    if is_error_page(_soup(first.content)):
        raise ListingErrorPage(first.url, "the listing GET returned the error page")
    with _typed_listing_errors(first.url):
        form = build_postback_form(first.content, day, ministry_id=ministry_id)
    posted = client.post_form(
        listing_url,
        form,
        headers={"Referer": listing_url, "Origin": ORIGIN},
    )
    check_listing_page(posted.content, posted.url, day)
    listing = parse_listing(posted.content, posted.url, day)
    listing.fetched = posted
    return listing


# --------------------------------------------------------------------------- selection


def _norm_ministry(name: str) -> str:
    s = name.casefold().replace("&", " and ")
    return _WS.sub(" ", s).strip()


def ministry_allowed(heading: str, ministries: Iterable[str]) -> bool:
    """Whether a listing heading is on the allow-list (see module docstring)."""
    allowed = {_norm_ministry(m) for m in ministries}
    norm = _norm_ministry(heading)
    if norm in allowed:
        return True
    parent = norm.split(" : ", 1)[0].strip()
    return parent in allowed


def select_candidates(
    listing: DayListing | Iterable[ListingItem],
    *,
    ministries: Iterable[str] = tuple(DEFAULT_MINISTRIES),
    terms: SelectionTerms | None = None,
) -> list[Candidate]:
    """Items to fetch: allow-listed ministry **or** a gazetteer term in the title.

    Order follows the listing. ``reasons`` holds ``"ministry:<heading>"`` and/or
    ``"<kind>:<term>"`` entries.
    """
    items = listing.items if isinstance(listing, DayListing) else list(listing)
    terms = default_selection_terms() if terms is None else terms
    allowed = tuple(ministries)
    out: list[Candidate] = []
    for item in items:
        reasons: list[str] = []
        if ministry_allowed(item.ministry, allowed):
            reasons.append(f"ministry:{item.ministry}")
        reasons.extend(f"{kind}:{term}" for kind, term in terms.matches(item.title))
        if reasons:
            out.append(Candidate(item, tuple(reasons)))
    return out

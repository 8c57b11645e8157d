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
5. parse ``div.content-area ul.num > li``: ``h3.font104`` is the ministry heading and
   ``ul.leftul li a[title]`` the items (the ``span.publishdatesmall`` "Posted on: 10 Sep 2026"
   is never closed). ``PRID=(\\d+)`` is taken from the link whatever its path; PRIDs are
   de-duplicated (first occurrence wins) and the Hindi placeholder title "प्रेस विज्ञप्ति" is skipped.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from assets.pib.errors import ListingDateMismatch, ListingErrorPage, PibListingError
from assets.pib.markup import is_error_page, soup_of
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

_PRID_RE = re.compile(r"PRID=(\d+)", re.IGNORECASE)
_LISTED_RE = re.compile(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})")
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


def applied_date(html: bytes | str, url: str) -> tuple[date, str]:
    """The date the server applied, from ``#ContentPlaceHolder1_lblDate`` ("05-September-2026")."""
    soup = _soup(html)
    label = soup.select_one(DATE_LABEL_SELECTOR)
    if label is None:
        raise PibListingError(url, "date label not found", field=DATE_LABEL_SELECTOR)
    text = label.get_text(strip=True)
    try:
        return datetime.strptime(text, "%d-%B-%Y").date(), text
    except ValueError:
        raise PibListingError(
            url, f"date label {text!r} is not DD-Month-YYYY", field=DATE_LABEL_SELECTOR
        ) from None


def check_listing_page(html: bytes | str, url: str, day: date | None) -> str:
    """Raise if ``html`` is the error page or shows another date than ``day``; return the label."""
    soup = _soup(html)
    if is_error_page(soup):
        raise ListingErrorPage(url, "PIB returned its error page ('Untitled Page') with HTTP 200")
    got, label = applied_date(html, url)
    if day is not None and got != day:
        raise ListingDateMismatch(
            url,
            f"asked for {day.isoformat()} but the server applied {label!r} "
            "(postback ignored: stale __VIEWSTATE/__EVENTVALIDATION?)",
            field=DATE_LABEL_SELECTOR,
        )
    return label


# --------------------------------------------------------------------------- listing parse


def _listed_on(text: str) -> date | None:
    m = _LISTED_RE.search(text)
    if not m:
        return None
    try:
        return datetime.strptime(f"{m[1]} {m[2].title()} {m[3]}", "%d %b %Y").date()
    except ValueError:
        return None


def parse_listing(html: bytes | str, url: str = LISTING_URL) -> DayListing:
    """Parse a listing page into items (no date check; see :func:`check_listing_page`).

    The returned :class:`DayListing` has ``day`` = the server-applied date.
    """
    soup = _soup(html)
    if is_error_page(soup):
        raise ListingErrorPage(url, "PIB returned its error page ('Untitled Page') with HTTP 200")
    day, label = applied_date(html, url)
    root = soup.select_one("div.content-area ul.num")
    if root is None:
        raise PibListingError(url, "listing container not found", field="div.content-area ul.num")
    items: list[ListingItem] = []
    seen: set[int] = set()
    dups = placeholders = 0
    for group in root.find_all("li", recursive=False):
        heading = group.select_one("h3.font104")
        ministry = _WS.sub(" ", heading.get_text(" ")).strip() if heading else ""
        for a in group.select("ul.leftul li a[href]"):
            m = _PRID_RE.search(str(a.get("href")))
            if not m:
                continue
            prid = int(m[1])
            title = _WS.sub(" ", str(a.get("title") or a.get_text(" "))).strip()
            if title == HINDI_PLACEHOLDER_TITLE:
                placeholders += 1
                continue
            if prid in seen:
                dups += 1
                continue
            seen.add(prid)
            li = a.find_parent("li")
            small = li.select_one("span.publishdatesmall") if isinstance(li, Tag) else None
            listed = _listed_on(small.get_text(" ")) if small else None
            items.append(ListingItem(prid, ministry, title, listed, str(a.get("href"))))
    return DayListing(
        day=day,
        url=url,
        applied_date_label=label,
        items=items,
        duplicates_dropped=dups,
        placeholders_skipped=placeholders,
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
    form = build_postback_form(first.content, day, ministry_id=ministry_id)
    posted = client.post_form(
        listing_url,
        form,
        headers={"Referer": listing_url, "Origin": ORIGIN},
    )
    check_listing_page(posted.content, posted.url, day)
    listing = parse_listing(posted.content, posted.url)
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

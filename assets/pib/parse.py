"""Parse one PIB release page into a :class:`Release` (shared/research/pib.md §2).

:func:`parse_release` is pure: bytes (or text) in, a typed record out. It understands

* the current ``PressReleasePage.aspx`` template (title in ``<h1 id="Titleh2">``) and older pages
  (``<h2 id="Titleh2">``, body wrapped in ``div.Section1``/``div.WordSection1``);
* the mobile template ``PressReleseDetailm.aspx`` (ids prefixed ``ctl00_ContentPlaceHolder1_``)
  and the detail template (``ContentPlaceHolder1_``): every lookup is "id ends with";
* pages whose body is only in the hidden ``input[id$=ltrDescriptionn]`` (IframePage style; the
  value is the HTML-escaped body);
* the event/festival layout without ``PrDateTime`` (date in ``FooterEventText``, PRID in
  ``ReleaseIdEvent``);
* Hindi and other-language pages (the date is found by its own pattern, not by the "Posted On:"
  label, which is "प्रविष्टि तिथि:" in Hindi).

The body is read from the content container only: the children after the heading and date up
to the release-id / visitor-counter / translations tail, so the hidden ``PdfDiv`` copy, the
``__VIEWSTATE`` noise, the visitor counter, sign-off codes ("RKJ/M", mixed case "SR/Sri"; the
line must start with a capital, so "and/or" stays), ``****`` lines, pasted "Release ID ... | Visitor
Counter ..." footers and embedded tweets never reach the text. Tables are kept (HTML and
flattened rows). ``get_text()`` is never called on the whole page.

A page is accepted only when it is whole: it must carry its end-of-release markers, the
``(Release ID: N)`` span (``[id$=ReleaseId]``, event layout ``[id$=ReleaseIdEvent]``) with its
number and the visitor counter (``[id$=lblViews]`` / ``[id$=lblViewsEvent]``) inside the content
container, and the closing ``</html>`` after them (pib.md §2: the hidden ``PdfDiv`` copy follows
the container, so a page cut anywhere before its end fails). ``hydpermid`` and the Release ID
marker must name the same PRID.

Parsing is bounded: lxml builds the tree without recursion, the body walk uses an explicit
stack, every number is length-checked before ``int()`` and PRIDs must lie in
``1 <= PRID < 10**9`` (:mod:`assets.pib.markup`).

Failures raise :class:`~assets.pib.errors.PibParseError` subclasses naming PRID, URL and element:
:class:`ReleaseErrorPage` for PIB's HTTP-200 "Untitled Page", :class:`ReleaseTruncated` for a
page without its end markers, :class:`EmptyReleaseError` for a withdrawn/empty release,
:class:`ReleaseInvalidValue` for an out-of-range PRID or counter, plain :class:`PibParseError`
for a page without its container or without a title, ministry or date, and
:class:`ReleaseUnexpectedError` (cause attached) for anything else.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import Declaration, Doctype, ProcessingInstruction

from assets.pib.errors import (
    EmptyReleaseError,
    PibParseError,
    ReleaseErrorPage,
    ReleaseInvalidValue,
    ReleaseTruncated,
    ReleaseUnexpectedError,
)
from assets.pib.markup import (
    BadNumber,
    bounded_int,
    check_prid,
    clean_text,
    is_error_page,
    prid_in,
    soup_of,
    valid_prid,
)
from pipelines.http import Fetched, SourceClient

IST = ZoneInfo("Asia/Kolkata")
RELEASE_URL = "https://www.pib.gov.in/PressReleasePage.aspx?PRID={prid}&reg=3&lang=1"
CONTAINER = "div.innner-page-main-about-us-content-right-part"  # sic: triple "n"

# "30 SEP 2026 3:15PM by PIB Delhi"; no anchor on the label (Hindi pages use another one).
_DATE_RE = re.compile(
    r"(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])(?:\s+by\s+([^|()]+))?"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
# Initials separated by "/" on a line of their own: "RKJ/M", "MJPS/SS/VJ/RK", and mixed case
# "SR/Sri", "Sri/Ab", "SK/sm". The line must start with a capital, so "and/or", "km/h" stay.
_SIGNOFF_RE = re.compile(r"^[A-Z][A-Za-z]{0,5}(/[A-Za-z]{1,6})+/?$")
# the same initials written in Devanagari on Hindi pages ("एसके/एसएम")
_SIGNOFF_DEVANAGARI_RE = re.compile(r"^[\u0900-\u097F]{1,10}(/[\u0900-\u097F]{1,10})+/?$")
_STARS_RE = re.compile(r"^[*\s]+$")
_RELEASE_ID_LINE_RE = re.compile(r"^\(?\s*(release\s*id|रिलीज़\s*आईडी)\s*:?\s*\d", re.IGNORECASE)
_DIGITS_RE = re.compile(r"[0-9]+")
_COUNTER_RE = re.compile(r"[0-9][0-9,]*")
_MAX_COUNTER_DIGITS = 15
_CLOSING_RE = re.compile(r"</\s*html\s*>", re.IGNORECASE)
_CLOSING_RE_B = re.compile(rb"</\s*html\s*>", re.IGNORECASE)
# End-of-release markers (pib.md §2 tail; the event layout uses the *Event ids)
RELEASE_ID_MARKER = '[id$="ReleaseId"], [id$="ReleaseIdEvent"]'
VIEWS_MARKER = '[id$="lblViews"], [id$="lblViewsEvent"]'
_TWEET_HREF_RE = re.compile(r"(twitter\.com|x\.com)/[^/]+/status(es)?/\d+", re.IGNORECASE)
_GENERIC_TITLES = {
    "press release page | press information bureau",
    "press release: press information bureau",
    "press release:",
}

# Container children that end the body (the page tail) ...
_STOP_IDS = (
    "reel_pic",
    "ReleaseId",
    "lblViews",
    "lblRefPhoto",
    "RelLink",
    "ReleaseIdEvent",
    "lblViewsEvent",
    "FooterEventText",
)
_STOP_CLASSES = {"ReleaseLang", "BackgroundRelease", "RelTag"}
# ... and children that are page furniture, not body.
_SKIP_IDS = (
    "MinistryName",
    "lg_g",
    "PrDateTime",
    "hydpermid",
    "hydphotoUrl",
    "Subtitleh3",
    "Titleh2",
    "PdfDiv",  # the hidden PDF copy, should a template ever put it inside the container
    "update12",
    "P_CategoryManagement",
)
_SKIP_CLASSES = {
    "event-heading-background",
    "pt20",
    "MinistryNameSubhead",
    "ReleaseDateSubHeaddateTime",
    "log_oo",
    "clear",
}
_SKIP_TAGS = {
    "script",
    "style",
    "noscript",
    "input",
    "select",
    "button",
    "iframe",
    "link",
    "meta",
    "form",
    "img",
}
_BLOCK_TAGS = {
    "p",
    "div",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
    "center",
    "pre",
    "dl",
    "dt",
    "dd",
    "hr",
    "table",
    "tr",
}


# --------------------------------------------------------------------------- records


class Translation(NamedTuple):
    """A link in ``div.ReleaseLang``: the other-language release and its label ("हिन्दी")."""

    prid: int
    language: str


@dataclass(frozen=True)
class ReleaseTable:
    """A ``<table>`` of the body: its HTML and its cell texts row by row."""

    html: str
    rows: list[list[str]]


@dataclass
class Release:
    """One parsed PIB release."""

    prid: int
    url: str
    ministry: str
    title: str
    subtitles: list[str]
    posted_at: datetime  # timezone-aware, Asia/Kolkata
    office: str | None  # "PIB Delhi"
    language: str  # "en", "hi", ... inferred from the title's script
    paragraphs: list[str]
    tables: list[ReleaseTable] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)
    views: int | None = None
    template: str = "page"  # page | mobile | detail | iframe | event
    title_tag: str | None = None  # h1 (2026 template) or h2 (older pages)
    tweets_removed: int = 0

    @property
    def body_text(self) -> str:
        """Paragraphs joined by blank lines (tables flattened in place as ``a | b`` rows)."""
        return "\n\n".join(self.paragraphs)


# --------------------------------------------------------------------------- public API


def release_url(prid: int) -> str:
    """The canonical English PIB Delhi page of a release."""
    return RELEASE_URL.format(prid=int(prid))


def fetch_release_page(client: SourceClient, prid: int) -> Fetched:
    """GET the release page (redirects and cookies handled by the client)."""
    return client.get(release_url(prid))


def fetch_release(client: SourceClient, prid: int) -> tuple[Fetched, Release]:
    """Fetch and parse one release. Parse errors propagate (the raw page is in the raw store)."""
    fetched = fetch_release_page(client, prid)
    return fetched, parse_release(fetched.content, fetched.url, prid)


def parse_release(html: bytes | str, url: str, prid_hint: int | None = None) -> Release:
    """Parse a release page. See the module docstring for what is handled and raised.

    Raises only :class:`PibParseError` subclasses: any other failure (a bug, a malformed page
    the rules did not foresee) becomes :class:`ReleaseUnexpectedError` naming URL and PRID, with
    the original exception as its cause.
    """
    hint_ok = isinstance(prid_hint, int) and not isinstance(prid_hint, bool)
    named = prid_hint if hint_ok else None
    try:
        return _parse_release(html, url, prid_hint)
    except PibParseError:
        raise
    except BadNumber as exc:
        raise ReleaseInvalidValue(named, url, "number", str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a parser must never raise an untyped error
        raise ReleaseUnexpectedError(
            named, url, "page", f"unexpected {type(exc).__name__}: {str(exc)[:300]}"
        ) from exc


def _parse_release(html: bytes | str, url: str, prid_hint: int | None) -> Release:
    if prid_hint is not None:
        try:
            check_prid(prid_hint, "expected PRID")
        except BadNumber as exc:
            raise ReleaseInvalidValue(None, url, "prid", str(exc)) from None
    try:
        url_prid = prid_in(url)
    except BadNumber as exc:
        raise ReleaseInvalidValue(prid_hint, url, "url", str(exc)) from None
    expected = prid_hint if prid_hint is not None else url_prid
    soup = soup_of(html)

    if is_error_page(soup):
        raise ReleaseErrorPage(
            expected,
            url,
            "title",
            "PIB error page ('Untitled Page': the page is not available at present), HTTP 200",
        )
    if _closing_after(html, 0) is None:
        raise ReleaseTruncated(
            expected, url, "</html>", "truncated page: it ends before its closing </html>"
        )
    container = soup.select_one(CONTAINER)
    if container is None:
        raise PibParseError(
            expected, url, CONTAINER, f"missing element {CONTAINER} (the release content container)"
        )
    _check_end_markers(html, container, expected, url)

    prid = _page_prid(soup, container, expected, url) or url_prid or prid_hint
    if prid is None:
        raise PibParseError(expected, url, "input[id$=hydpermid]", "no PRID on page or in URL")
    if prid_hint is not None and prid != prid_hint:
        raise PibParseError(
            prid_hint,
            url,
            "input[id$=hydpermid]",
            f"page is PRID {prid}, expected PRID {prid_hint}",
        )

    ministry = _text_of(container.select_one('[id$="MinistryName"]'))
    title_el = container.select_one('[id$="Titleh2"]') or soup.select_one('[id$="Titleh2"]')
    title = _text_of(title_el) or _fallback_title(soup)
    sub_el = soup.select_one('[id$="ltrSubtitle"]') or soup.select_one('[id$="Subtitleh3"]')
    subtitles = _split_on_br(sub_el) if sub_el else []

    template = _template_of(container)
    tweets = _remove_tweets(container)
    elements = _body_elements(container)
    paragraphs, tables = _extract(elements)
    image_root: Tag = container
    if not paragraphs:
        desc = soup.select_one('input[id$="ltrDescriptionn"]')
        if desc is not None and (desc.get("value") or "").strip():
            fragment = _description_fragment(str(desc.get("value")))
            tweets += _remove_tweets(fragment)
            paragraphs, tables = _extract(list(fragment.children))
            image_root = fragment
            template = "iframe"

    if not title and not paragraphs:
        raise EmptyReleaseError(
            prid, url, "[id$=Titleh2]", "empty release: title and body are empty (withdrawn?)"
        )
    if not title:
        raise PibParseError(
            prid,
            url,
            "[id$=Titleh2]",
            "missing title ([id$=Titleh2], meta og:title and input ltrTitlee are all empty)",
        )
    if not ministry:
        raise PibParseError(prid, url, "[id$=MinistryName]")

    date_el = soup.select_one('[id$="PrDateTime"]')
    if date_el is None:
        date_el = soup.select_one('[id$="FooterEventText"]')
        if date_el is not None and template == "page":
            template = "event"
    posted = _posted(date_el)
    if posted is None:
        raise PibParseError(
            prid,
            url,
            "[id$=PrDateTime]",
            "missing or unreadable date ([id$=PrDateTime] / [id$=FooterEventText])",
        )
    posted_at, office = posted

    return Release(
        prid=prid,
        url=url,
        ministry=ministry,
        title=title,
        subtitles=subtitles,
        posted_at=posted_at,
        office=office,
        language=infer_language(title or " ".join(paragraphs[:2])),
        paragraphs=paragraphs,
        tables=tables,
        images=_images(image_root, url),
        translations=_translations(soup, prid, url),
        views=_views(soup, prid, url),
        template=template,
        title_tag=title_el.name if isinstance(title_el, Tag) and _text_of(title_el) else None,
        tweets_removed=tweets,
    )


# --------------------------------------------------------------------------- language


_SCRIPT_LANG = (
    ((0x0900, 0x097F), "hi"),  # Devanagari (PIB Delhi: Hindi)
    ((0x0980, 0x09FF), "bn"),
    ((0x0A00, 0x0A7F), "pa"),
    ((0x0A80, 0x0AFF), "gu"),
    ((0x0B00, 0x0B7F), "or"),
    ((0x0B80, 0x0BFF), "ta"),
    ((0x0C00, 0x0C7F), "te"),
    ((0x0C80, 0x0CFF), "kn"),
    ((0x0D00, 0x0D7F), "ml"),
    ((0x0600, 0x06FF), "ur"),  # Arabic script (PIB: Urdu)
)


def infer_language(text: str) -> str:
    """Language code from the dominant script of ``text`` (letters only); Latin -> "en"."""
    counts: dict[str, int] = {}
    for ch in text:
        if not (ch.isalpha() or unicodedata.category(ch) in ("Mn", "Mc")):
            continue
        cp = ord(ch)
        lang = "en" if cp < 0x0250 else "und"
        for (lo, hi), code in _SCRIPT_LANG:
            if lo <= cp <= hi:
                lang = code
                break
        counts[lang] = counts.get(lang, 0) + 1
    if not counts:
        return "und"
    return max(counts.items(), key=lambda kv: kv[1])[0]


# --------------------------------------------------------------------------- internals


def _text_of(el: Tag | None) -> str:
    return clean_text(el.get_text(" ")) if isinstance(el, Tag) else ""


def _fallback_title(soup: BeautifulSoup) -> str:
    og = soup.select_one('meta[property="og:title"]')
    if og is not None:
        t = clean_text(str(og.get("content") or ""))
        if t and t.lower() not in _GENERIC_TITLES:
            return t
    inp = soup.select_one('input[id$="ltrTitlee"]')
    return clean_text(str(inp.get("value") or "")) if inp is not None else ""


def _page_prid(soup: BeautifulSoup, container: Tag, expected: int | None, url: str) -> int | None:
    """The page's own PRID: ``hydpermid``, else the ``(Release ID: N)`` marker; both must agree."""
    found: dict[str, int] = {}
    inp = soup.select_one('input[id$="hydpermid"]')
    if inp is not None:
        m = _DIGITS_RE.search(str(inp.get("value") or ""))
        if m:
            found["input[id$=hydpermid]"] = _prid_or_raise(m[0], expected, url, "hydpermid")
    el = container.select_one(RELEASE_ID_MARKER)
    if el is not None:
        m = _DIGITS_RE.search(el.get_text(" "))
        if m:
            found["[id$=ReleaseId]"] = _prid_or_raise(m[0], expected, url, "ReleaseId")
    if len(set(found.values())) > 1:
        raise PibParseError(
            expected,
            url,
            "[id$=ReleaseId]",
            f"the page names two PRIDs: {found} (hydpermid and the Release ID marker differ)",
        )
    return next(iter(found.values()), None)


def _prid_or_raise(digits: str, expected: int | None, url: str, element: str) -> int:
    try:
        return valid_prid(digits, f"PRID in {element}")
    except BadNumber as exc:
        raise ReleaseInvalidValue(expected, url, f"[id$={element}]", str(exc)) from None


def _closing_after(html: bytes | str, pos: int) -> int | None:
    """Start of a closing ``</html>`` at or after ``pos`` in the raw page, if any."""
    if isinstance(html, bytes):
        m = _CLOSING_RE_B.search(html, pos)
    else:
        m = _CLOSING_RE.search(html, pos)
    return m.start() if m else None


def _check_end_markers(html: bytes | str, container: Tag, expected: int | None, url: str) -> None:
    """The page must end like a whole release: Release ID with its number and the visitor
    counter inside the content container, then ``</html>`` after them (:class:`ReleaseTruncated`).
    """
    rid = container.select_one(RELEASE_ID_MARKER)
    if rid is None or _DIGITS_RE.search(rid.get_text(" ")) is None:
        raise ReleaseTruncated(
            expected,
            url,
            "[id$=ReleaseId]",
            "truncated page: no '(Release ID: N)' marker ([id$=ReleaseId] / [id$=ReleaseIdEvent]) "
            "in the content container",
        )
    if container.select_one(VIEWS_MARKER) is None:
        raise ReleaseTruncated(
            expected,
            url,
            "[id$=lblViews]",
            "truncated page: no visitor counter ([id$=lblViews] / [id$=lblViewsEvent]) in the "
            "content container",
        )
    needles = (b"lblViews", b"ReleaseId") if isinstance(html, bytes) else ("lblViews", "ReleaseId")
    last_marker = max(html.rfind(n) for n in needles)  # type: ignore[arg-type]
    if _closing_after(html, max(last_marker, 0)) is None:
        raise ReleaseTruncated(
            expected,
            url,
            "</html>",
            "truncated page: no closing </html> after the end-of-release markers",
        )


def _template_of(container: Tag) -> str:
    m = container.select_one('[id$="MinistryName"]')
    ident = str(m.get("id") or "") if m is not None else ""
    if ident.startswith("ctl00_ContentPlaceHolder1_"):
        return "mobile"
    if ident.startswith("ContentPlaceHolder1_"):
        return "detail"
    return "page"


def _split_on_br(el: Tag) -> list[str]:
    parts: list[list[str]] = [[]]
    for node in el.descendants:
        if isinstance(node, Tag) and node.name == "br":
            parts.append([])
        elif _is_text(node):
            parts[-1].append(str(node))
    return [t for t in (clean_text("".join(p)) for p in parts) if t]


def _is_text(node: object) -> bool:
    return (
        isinstance(node, NavigableString)
        and not isinstance(node, Comment | Declaration | Doctype | ProcessingInstruction)
        and not (node.parent is not None and node.parent.name in ("script", "style"))
    )


def _classes(tag: Tag) -> set[str]:
    return set(tag.get("class") or [])


def _id_endswith(tag: Tag, suffixes: tuple[str, ...]) -> bool:
    ident = str(tag.get("id") or "")
    return bool(ident) and ident.endswith(suffixes)


def _body_elements(container: Tag) -> list[Tag | NavigableString]:
    out: list[Tag | NavigableString] = []
    for child in container.children:
        if isinstance(child, Tag):
            if _id_endswith(child, _STOP_IDS) or _classes(child) & _STOP_CLASSES:
                break
            if (
                child.name in _SKIP_TAGS
                or child.name == "br"
                or _id_endswith(child, _SKIP_IDS)
                or _classes(child) & _SKIP_CLASSES
            ):
                continue
            out.append(child)
        elif _is_text(child) and str(child).strip():
            out.append(child)
    return out


def _remove_tweets(root: Tag | BeautifulSoup) -> int:
    """Drop embedded tweets (``blockquote.twitter-tweet`` or a block linking to a status)."""
    removed = 0
    for bq in root.select("blockquote.twitter-tweet"):
        bq.decompose()
        removed += 1
    for a in root.select("a[href]"):
        if a.decomposed or not _TWEET_HREF_RE.search(str(a.get("href"))):
            continue
        # the quoting block: a class-less blockquote, else the paragraph holding the link
        block = a.find_parent("blockquote") or a.find_parent("p")
        if block is None or block is root:
            a.decompose()
        else:
            block.decompose()
        removed += 1
    for s in root.select('script[src*="platform.twitter.com"]'):
        s.decompose()
    return removed


def _description_fragment(value: str) -> BeautifulSoup:
    """The body HTML from ``ltrDescriptionn`` (attribute already decoded once; maybe twice)."""
    if "<" not in value and "&lt;" in value:
        value = _html.unescape(value)
    soup = BeautifulSoup(value, "lxml")
    return soup.body or soup  # type: ignore[return-value]


def _extract(elements: list) -> tuple[list[str], list[ReleaseTable]]:
    lines: list[str] = []
    tables: list[ReleaseTable] = []
    buf: list[str] = []
    for el in elements:
        _flush(buf, lines)
        if isinstance(el, Tag):
            if _walk_one(el, buf, lines, tables):
                break  # reached the page tail (an end marker nested inside a body element)
        elif _is_text(el):
            buf.append(str(el))
    _flush(buf, lines)
    return [ln for ln in lines if _keep_line(ln)], tables


_FLUSH = object()  # stack marker: end of a block element


def _walk_one(root: Tag, buf: list[str], lines: list[str], tables: list[ReleaseTable]) -> bool:
    """Text lines of ``root`` in document order: blocks and ``<br>`` break lines, tables are
    kept and flattened. An explicit stack instead of recursion: any nesting depth is fine.

    Returns True when it met a tail element (release id, counter, translations...) nested in
    the body, e.g. under an unclosed ``<div>``: the body ends there."""
    stack: list[object] = [root]
    while stack:
        item = stack.pop()
        if item is _FLUSH:
            _flush(buf, lines)
            continue
        if isinstance(item, str):  # a text node, pushed below
            buf.append(item)
            continue
        el: Tag = item  # type: ignore[assignment]
        if el is not root and (_id_endswith(el, _STOP_IDS) or _classes(el) & _STOP_CLASSES):
            _flush(buf, lines)
            return True
        if el.name in _SKIP_TAGS:
            continue
        if el.name == "br":
            _flush(buf, lines)
            continue
        if el.name == "table":
            _flush(buf, lines)
            table = _table(el)
            tables.append(table)
            lines.extend(" | ".join(c for c in row if c) for row in table.rows if any(row))
            continue
        block = el.name in _BLOCK_TAGS
        if block:
            _flush(buf, lines)
            stack.append(_FLUSH)
        for child in reversed(el.contents):
            if isinstance(child, Tag):
                stack.append(child)
            elif _is_text(child):
                stack.append(str(child))
    return False


def _flush(buf: list[str], lines: list[str]) -> None:
    if buf:
        text = clean_text("".join(buf))
        buf.clear()
        if text:
            lines.append(text)


def _table(el: Tag) -> ReleaseTable:
    rows = [
        [clean_text(cell.get_text(" ")) for cell in tr.find_all(["td", "th"])]
        for tr in el.find_all("tr")
    ]
    return ReleaseTable(html=str(el), rows=rows)


def _keep_line(line: str) -> bool:
    if _STARS_RE.match(line):
        return False
    compact = re.sub(r"\s*/\s*", "/", line)
    if _SIGNOFF_RE.match(compact) or _SIGNOFF_DEVANAGARI_RE.match(compact):
        return False
    if "visitor counter" in line.lower():
        return False
    return not _RELEASE_ID_LINE_RE.match(line)


def _posted(el: Tag | None) -> tuple[datetime, str | None] | None:
    if el is None:
        return None
    m = _DATE_RE.search(clean_text(el.get_text(" ")))
    if not m:
        return None
    day, mon, year, hour, minute, ampm, office = m.groups()
    month = _MONTHS.get(mon.upper())
    h = int(hour)
    if month is None or not 1 <= h <= 12:
        return None
    h = h % 12 + (12 if ampm.upper() == "PM" else 0)
    try:
        when = datetime(int(year), month, int(day), h, int(minute), tzinfo=IST)
    except ValueError:
        return None
    return when, (clean_text(office) or None) if office else None


def _images(root: Tag, url: str) -> list[str]:
    out: list[str] = []
    for img in root.select("img[src]"):
        if img.find_parent(id=re.compile(r"lg_g$")) or img.find_parent(class_="log_oo"):
            continue
        src = urljoin(url, str(img.get("src")).strip())
        if src not in out:
            out.append(src)
    return out


def _translations(soup: BeautifulSoup, own: int, url: str) -> list[Translation]:
    out: list[Translation] = []
    for a in soup.select('div.ReleaseLang a[href*="PRID="]'):
        try:
            prid = prid_in(str(a.get("href")))
        except BadNumber as exc:
            raise ReleaseInvalidValue(own, url, "div.ReleaseLang a", str(exc)) from None
        if prid is None or prid == own or any(t.prid == prid for t in out):
            continue
        out.append(Translation(prid, clean_text(a.get_text(" "))))
    return out


def _views(soup: BeautifulSoup, prid: int, url: str) -> int | None:
    for sel in ('[id$="lblViews"]', '[id$="lblViewsEvent"]'):
        el = soup.select_one(sel)
        if el is not None:
            m = _COUNTER_RE.search(el.get_text(" "))
            if m:
                try:
                    return bounded_int(
                        m[0].replace(",", ""), _MAX_COUNTER_DIGITS, "visitor counter"
                    )
                except BadNumber as exc:
                    raise ReleaseInvalidValue(prid, url, sel, str(exc)) from None
    return None

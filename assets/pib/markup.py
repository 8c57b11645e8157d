"""Small helpers shared by the listing and release parsers (no network, no state).

Numbers read from a page are bounded before ``int()`` is called: a run of 5,000 digits must be
a typed error, not Python's ``ValueError`` ("exceeds the limit for integer string conversion")
or a PRID that overflows an ``Int64`` column later. PRIDs are valid in
``PRID_MIN <= prid < PRID_MAX`` (real ones are 7 digits: ~2,300,000 in 2026).
"""

from __future__ import annotations

import html as _html
import re

from bs4 import BeautifulSoup

PRID_MIN = 1
PRID_MAX = 10**9  # exclusive; real PRIDs are ~2.3e6 (2026) and grow by ~1e3 a day
MAX_PRID_DIGITS = 12  # longer digit runs are refused before int() is called

# ``PRID=`` then the whole digit run (any length; its length is checked before int()).
PRID_RE = re.compile(r"PRID=([0-9]*)", re.IGNORECASE)
WS_RE = re.compile(r"\s+")
# Only complete entities (with the ';'), so "R&D" or "&copy" without ';' stay untouched.
_ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ERROR_TEXT_RE = re.compile(
    r"page\s+you\s+have\s+requested\s+is\s+not\s+available\s+at\s+present", re.IGNORECASE
)
ERROR_PAGE_TITLE = "untitled page"


class BadNumber(ValueError):
    """A number on the page is unreadable or out of range (callers turn it into a typed error)."""


def soup_of(markup: bytes | str) -> BeautifulSoup:
    """Parse with lxml (libxml2 builds the tree iteratively: no recursion on nesting depth).

    Bytes are decoded as the page declares (PIB serves UTF-8). A declaration lxml refuses (an
    encoding name with control characters, an unknown codec) raises ``ValueError`` /
    ``LookupError`` inside bs4; the page is then read as UTF-8 with replacement characters.
    """
    try:
        return BeautifulSoup(markup, "lxml")
    except (ValueError, LookupError):
        if not isinstance(markup, bytes):
            raise
        return BeautifulSoup(markup.decode("utf-8", "replace"), "lxml")


def unescape_leftovers(text: str) -> str:
    """Decode entities that survived HTML parsing (PIB double-escapes: ``&amp;lsquo;`` -> ‘)."""
    for _ in range(2):
        if "&" not in text or not _ENTITY_RE.search(text):
            break
        text = _ENTITY_RE.sub(lambda m: _html.unescape(m.group(0)), text)
    return text


def clean_text(text: str) -> str:
    """Second-pass unescape, whitespace (incl. NBSP) collapsed, trimmed. ZWJ/ZWNJ are kept."""
    return WS_RE.sub(" ", unescape_leftovers(text)).strip()


def is_error_page(soup: BeautifulSoup) -> bool:
    """PIB's HTTP-200 error page: ``<title>Untitled Page</title>`` or its fixed sentence."""
    title = soup.title.get_text(strip=True) if soup.title else ""
    if title.lower() == ERROR_PAGE_TITLE:
        return True
    return soup.find(string=_ERROR_TEXT_RE) is not None


def bounded_int(digits: str, max_digits: int, what: str) -> int:
    """``int(digits)`` for a run of at most ``max_digits`` ASCII digits, else :class:`BadNumber`."""
    if not digits or len(digits) > max_digits or not digits.isascii() or not digits.isdigit():
        shown = digits if len(digits) <= 20 else f"{digits[:12]}... ({len(digits)} digits)"
        raise BadNumber(f"{what} {shown!r} is not a number of 1 to {max_digits} digits")
    return int(digits)


def valid_prid(digits: str, what: str = "PRID") -> int:
    """A PRID from its digits, checked to ``PRID_MIN <= prid < PRID_MAX`` (else BadNumber)."""
    prid = bounded_int(digits, MAX_PRID_DIGITS, what)
    if not PRID_MIN <= prid < PRID_MAX:
        raise BadNumber(f"{what} {prid} is outside {PRID_MIN}..{PRID_MAX - 1}")
    return prid


def check_prid(prid: int, what: str = "PRID") -> int:
    """``prid`` itself checked to the valid range (for PRIDs given by the caller)."""
    if not isinstance(prid, int) or isinstance(prid, bool) or not PRID_MIN <= prid < PRID_MAX:
        raise BadNumber(f"{what} {prid!r} is outside {PRID_MIN}..{PRID_MAX - 1}")
    return prid


def prid_in(text: str | None) -> int | None:
    """The ``PRID=N`` of a URL or href, if any (:class:`BadNumber` if N is not a valid PRID)."""
    m = PRID_RE.search(text or "")
    return valid_prid(m[1], "PRID in link") if m else None

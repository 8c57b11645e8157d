"""Small helpers shared by the listing and release parsers (no network, no state)."""

from __future__ import annotations

import html as _html
import re

from bs4 import BeautifulSoup

PRID_RE = re.compile(r"PRID=(\d+)", re.IGNORECASE)
WS_RE = re.compile(r"\s+")
# Only complete entities (with the ';'), so "R&D" or "&copy" without ';' stay untouched.
_ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ERROR_TEXT_RE = re.compile(
    r"page\s+you\s+have\s+requested\s+is\s+not\s+available\s+at\s+present", re.IGNORECASE
)
ERROR_PAGE_TITLE = "untitled page"


def soup_of(markup: bytes | str) -> BeautifulSoup:
    return BeautifulSoup(markup, "lxml")


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


def prid_in(text: str | None) -> int | None:
    """The ``PRID=N`` of a URL or href, if any."""
    m = PRID_RE.search(text or "")
    return int(m[1]) if m else None

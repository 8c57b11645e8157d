"""Errors raised by the PIB discovery and parse layer.

Every error names the source (``pib``), the URL and, where it applies, the PRID and the page
element that was missing or wrong, so a failed partition can be diagnosed from its message.
"""

from __future__ import annotations

from pipelines.http import SourceHTTPError

SOURCE = "pib"


class PibListingError(SourceHTTPError):
    """The ``allRel.aspx`` listing or its postback did not give what was asked for."""

    def __init__(self, url: str, message: str, *, field: str | None = None):
        self.field = field
        detail = f"listing: {message}" + (f" [field {field}]" if field else "")
        super().__init__(SOURCE, url, detail)


class ListingErrorPage(PibListingError):
    """PIB answered with its HTTP-200 error page ("Untitled Page" / "not available at present")."""


class ListingDateMismatch(PibListingError):
    """The server applied another date than the one posted (a silently ignored postback)."""


class PibParseError(Exception):
    """A release page does not match the expected markup.

    ``element`` names the missing or malformed element (a CSS selector or id suffix).
    """

    def __init__(self, prid: int | None, url: str, element: str, message: str = ""):
        self.source = SOURCE
        self.prid = prid
        self.url = url
        self.element = element
        what = message or f"missing element {element}"
        super().__init__(f"[{SOURCE}] PRID {prid if prid is not None else '?'}: {what} (url={url})")


class ReleaseErrorPage(PibParseError):
    """The HTTP-200 "Untitled Page" error page (unknown PRID, page not available)."""


class EmptyReleaseError(PibParseError):
    """A full page whose title and body are empty (withdrawn or never-filled release)."""

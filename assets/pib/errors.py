"""Errors raised by the PIB discovery and parse layer.

Every error names the source (``pib``), the URL and, where it applies, the PRID and the page
element that was missing or wrong, so a failed partition can be diagnosed from its message.

Two families, and nothing else ever leaves the public parse functions
(:func:`assets.pib.discover.parse_listing`, :func:`~assets.pib.discover.check_listing_page`,
:func:`assets.pib.parse.parse_release`):

* :class:`PibListingError` (a :class:`~pipelines.http.SourceHTTPError`): the day's listing is not
  usable. Subclasses: :class:`ListingErrorPage`, :class:`ListingDateMismatch`,
  :class:`ListingIncomplete`, :class:`ListingCountMissing`, :class:`ListingInvalidValue`,
  :class:`ListingUnexpectedError`.
* :class:`PibParseError`: one release page is not usable. Subclasses: :class:`ReleaseErrorPage`,
  :class:`EmptyReleaseError`, :class:`ReleaseTruncated`, :class:`ReleaseInvalidValue`,
  :class:`ReleaseUnexpectedError`.
"""

from __future__ import annotations

from datetime import date

from pipelines.http import SourceHTTPError

SOURCE = "pib"


def _rebuild(cls: type, args: tuple, kwargs: dict) -> Exception:
    return cls(*args, **kwargs)


class _Picklable:
    """Pickle/copy by the constructor arguments (the default uses the formatted message)."""

    def _keep(self, *args: object, **kwargs: object) -> None:
        self._init = (args, kwargs)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        args, kwargs = getattr(self, "_init", ((), {}))
        return (_rebuild, (type(self), args, kwargs))


class PibListingError(_Picklable, SourceHTTPError):
    """The ``allRel.aspx`` listing or its postback did not give what was asked for."""

    def __init__(self, url: str, message: str, *, field: str | None = None):
        self._keep(url, message, field=field)
        self.field = field
        detail = f"listing: {message}" + (f" [field {field}]" if field else "")
        super().__init__(SOURCE, url, detail)


class ListingErrorPage(PibListingError):
    """PIB answered with its HTTP-200 error page ("Untitled Page" / "not available at present")."""


class ListingDateMismatch(PibListingError):
    """The server applied another date than the one posted (a silently ignored postback)."""


class ListingIncomplete(PibListingError):
    """The listing does not hold what the page says it holds.

    Raised when the number of items parsed matches neither reading of the page's own statement
    "Displaying N Press Releases", when a ministry heading is followed by no release link, when
    a page lists nothing without positively saying so ("No Release Found"), or when it says so
    and lists items anyway. ``stated`` is N (``0`` for a "No Release Found" page), ``parsed`` the
    items kept after de-duplication, ``raw`` the release links seen, ``heading`` the ministry
    heading that yielded nothing (if that is the cause).
    """

    def __init__(
        self,
        url: str,
        message: str,
        *,
        day: date | str | None,
        stated: int | None,
        parsed: int,
        raw: int,
        heading: str | None = None,
        field: str | None = None,
    ):
        init = (url, message)
        kw = dict(day=day, stated=stated, parsed=parsed, raw=raw, heading=heading, field=field)
        self.day = day
        self.stated = stated
        self.parsed = parsed
        self.raw = raw
        self.heading = heading
        when = day.isoformat() if isinstance(day, date) else (day or "?")
        super().__init__(
            url,
            f"day {when}: {message} (page states {stated if stated is not None else 'nothing'}, "
            f"parsed {parsed} item(s) from {raw} release link(s))",
            field=field,
        )
        self._keep(*init, **kw)


class ListingCountMissing(PibListingError):
    """The page carries no readable "Displaying N Press Releases" (nor "No Release Found")."""


class ListingInvalidValue(PibListingError):
    """A value on the listing is out of range (a PRID of 20 digits, a count of 5,000 digits)."""


class ListingUnexpectedError(PibListingError):
    """Any other failure while reading a listing page; the original exception is ``__cause__``."""


class PibParseError(_Picklable, Exception):
    """A release page does not match the expected markup.

    ``element`` names the missing or malformed element (a CSS selector or id suffix).
    """

    def __init__(self, prid: int | None, url: str, element: str, message: str = ""):
        self._keep(prid, url, element, message)
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


class ReleaseTruncated(PibParseError):
    """The page ends before its end-of-release markers: the ``(Release ID: N)`` span
    (``[id$=ReleaseId]`` / ``[id$=ReleaseIdEvent]``), the visitor counter (``[id$=lblViews]`` /
    ``[id$=lblViewsEvent]``) inside the content container, and the closing ``</html>`` after
    them. A cut page is never stored as a release."""


class ReleaseInvalidValue(PibParseError):
    """A value on the page is out of range (a PRID of 20 digits, a counter of 5,000 digits)."""

    def __init__(self, prid: int | None, url: str, element: str, message: str = ""):
        super().__init__(prid, url, element, f"invalid value in {element}: {message}")
        self._keep(prid, url, element, message)


class ReleaseUnexpectedError(PibParseError):
    """Any other failure while reading a release page; the original exception is ``__cause__``."""

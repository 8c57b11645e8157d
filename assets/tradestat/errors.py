"""Typed errors of the TradeStat source.

Every error names the source (``tradestat``), the report (``meidb/...``), the period (``YYYY-MM``)
and the field or page element that was wrong, so a failed partition can be diagnosed from its
message alone. Nothing else leaves the parse and reconcile functions.

* :class:`TradeStatPageError`: one report page is not usable. Subclasses name the fault:
  :class:`LayoutChangedError` (table, header or form not where the real markup has them),
  :class:`UnknownUnitError` (a "Values in ..." label the parser does not know),
  :class:`UnitMismatchError` (a page in another unit than asked, or figures whose implied
  exchange rate says the label is wrong), :class:`PeriodMismatchError` (another month or year
  basis than asked), :class:`FlowMismatchError` (a page whose title, rows or totals belong to the
  other flow), :class:`TotalMismatchError` (partner rows that do not add up to the page's own
  Total), :class:`UnknownPartnerError` (a country the crosswalk does not know).
* :class:`TradeStatSessionError` (a :class:`~pipelines.http.SourceHTTPError`): the form post
  mechanics failed (the session expired again right after a fresh token).
"""

from __future__ import annotations

from pipelines.http import SourceHTTPError

SOURCE = "tradestat"


def _rebuild(cls: type, args: tuple, kwargs: dict) -> Exception:
    return cls(*args, **kwargs)


class TradeStatPageError(Exception):
    """A report page that cannot be loaded. Names the report, the period, the field and the URL."""

    def __init__(
        self,
        report: str,
        period: str,
        field: str,
        message: str,
        *,
        url: str = "",
        flow: str | None = None,
        hs8: str | None = None,
    ) -> None:
        self._init = (
            (report, period, field, message),
            {"url": url, "flow": flow, "hs8": hs8},
        )
        self.report, self.period, self.field = report, period, field
        self.url, self.flow, self.hs8 = url, flow, hs8
        what = ", ".join(
            p for p in (f"flow {flow}" if flow else "", f"HS8 {hs8}" if hs8 else "") if p
        )
        where = f"report {report}, period {period}" + (f", {what}" if what else "")
        super().__init__(
            f"[{SOURCE}] {where}, field {field!r}: {message}" + (f" (url={url})" if url else "")
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        args, kwargs = self._init
        return (_rebuild, (type(self), args, kwargs))


class LayoutChangedError(TradeStatPageError):
    """The page does not have the table, header, row or form element the real markup has."""


class UnknownUnitError(TradeStatPageError):
    """A units label ("Values in ...", a select option) that the parser does not know."""


class UnitMismatchError(TradeStatPageError):
    """A page in another unit than asked for, or figures inconsistent with their unit label."""


class PeriodMismatchError(TradeStatPageError):
    """A page for another month, or on another year basis (calendar vs fiscal) than asked."""


class FlowMismatchError(TradeStatPageError):
    """A page whose title, total rows or totals belong to the other flow (imports vs exports)."""


class TotalMismatchError(TradeStatPageError):
    """Partner rows that do not add up to the page's own Total row (a cut or edited page)."""


class UnknownPartnerError(TradeStatPageError):
    """A country name that ``dgcis_country_crosswalk.csv`` does not list."""


class TradeStatSessionError(SourceHTTPError):
    """The form post failed: HTTP 419 (Page Expired) again after a fresh token."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(SOURCE, url, message, status)

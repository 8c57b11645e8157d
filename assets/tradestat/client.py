"""The TradeStat form-post mechanics, through the project's :class:`~pipelines.http.SourceClient`.

TradeStat has no API; every report is a Laravel form (trade.md 2.2, verified live by two public
clients):

1. ``GET https://tradestat.commerce.gov.in/<section>/<report>`` returns the form with a CSRF
   token (``<input name="_token">``) and sets the session cookie ``indiatrade-session``
   (15 minutes). The SourceClient keeps cookies for its whole life, so the session follows.
2. ``POST`` to the same URL with ``_token``, the report's fields (read from the form by
   :func:`~assets.tradestat.forms.parse_form`) and ``Referer: <same URL>``.
3. An expired session answers **HTTP 419 "Page Expired"**: fetch the form again (fresh token) and
   post once more; a second 419 is :class:`TradeStatSessionError`.

Each report's form is fetched once per client (its token is the session's; Laravel keeps one
token per session, and each result page repeats it). Requests are spaced by the policy's
politeness delay; retries on 429/5xx are the SourceClient's.
"""

from __future__ import annotations

from dataclasses import dataclass

from assets.tradestat.errors import TradeStatSessionError
from assets.tradestat.forms import ReportForm, page_token, parse_form
from assets.tradestat.policy import Report
from pipelines.http import Fetched, HTTPStatusError, SourceClient

PAGE_EXPIRED = 419


@dataclass
class SessionStats:
    form_gets: int = 0
    posts: int = 0
    page_expired: int = 0


class TradeStatClient:
    """Posts TradeStat report forms through one :class:`SourceClient` (one session)."""

    def __init__(self, source: SourceClient) -> None:
        self.source = source
        self.stats = SessionStats()
        self._forms: dict[str, ReportForm] = {}
        self._token: str | None = None

    def form(self, report: Report, period: str, *, refresh: bool = False) -> ReportForm:
        """The report's form (GET once per client, again with ``refresh``)."""
        if refresh or report.path not in self._forms:
            page = self.source.get(report.url)
            self.stats.form_gets += 1
            form = parse_form(page.content, report, period)
            self._forms[report.path] = form
            self._token = form.token
        return self._forms[report.path]

    def post(
        self,
        report: Report,
        hs_code: str,
        year: int,
        month: int,
        unit_kind: str,
        period: str,
        *,
        year_type: str = "FY",
    ) -> Fetched:
        """One report page: the form posted for one HS code, month and unit."""
        form = self.form(report, period)
        fields = form.fields(hs_code, year, month, unit_kind, year_type, period)
        try:
            return self._post(report, fields)
        except HTTPStatusError as exc:
            if exc.status != PAGE_EXPIRED:
                raise
            self.stats.page_expired += 1
        self.form(report, period, refresh=True)  # a fresh session token
        try:
            return self._post(report, fields)
        except HTTPStatusError as exc:
            if exc.status != PAGE_EXPIRED:
                raise
            self.stats.page_expired += 1
            raise TradeStatSessionError(
                report.url,
                f"HTTP 419 (Page Expired) again after a fresh token for {report.path} "
                f"{period} HS {hs_code} ({unit_kind}): the session cookie is not kept or the "
                "form changed",
                PAGE_EXPIRED,
            ) from None

    def _post(self, report: Report, fields: dict[str, str]) -> Fetched:
        data = {"_token": self._token or "", **fields}
        self.stats.posts += 1
        page = self.source.post_form(report.url, data, headers={"Referer": report.url})
        token = page_token(page.content)
        if token:
            self._token = token
        return page

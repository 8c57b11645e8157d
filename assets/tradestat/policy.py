"""How TradeStat (tradestat.commerce.gov.in) is fetched: host, politeness, retries, reports.

Choices (shared/research/trade.md section 2.2):

* **One host**, ``tradestat.commerce.gov.in``; a redirect anywhere else is refused by the client.
* **min_interval_s = 2.0**: the portal documents no rate limit; public scrapers wait 2 to 4 s
  between requests, and we take the lower bound because every request is one small form post.
  A month of the bundled HS8 list is 176 posts, about 6 minutes live. In replay the clock is
  virtual and nothing is slept.
* **Retries** on 429 and 5xx (honouring ``Retry-After`` up to 120 s). **Not on 419**: Laravel's
  "Page Expired" means the session token is stale; :class:`~assets.tradestat.client.TradeStatClient`
  fetches a fresh token once and re-posts, and a second 419 fails.
* **Timeout** 90 s per socket operation (the public scrapers use 90 s for the form posts), 180 s
  per attempt; **size cap** 8 MB (a real result page is about 60 kB).
* ``_token`` is left out of snapshot keys (it changes every session; the default ignored fields).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.http import SourcePolicy

TRADESTAT_HOST = "tradestat.commerce.gov.in"
BASE_URL = f"https://{TRADESTAT_HOST}"
#: Name of the session cookie the portal sets on every page (15 minutes).
SESSION_COOKIE = "indiatrade-session"
TRADESTAT_MIN_INTERVAL_S = 2.0


def tradestat_policy(*, min_interval_s: float = TRADESTAT_MIN_INTERVAL_S) -> SourcePolicy:
    """The :class:`SourcePolicy` for TradeStat, with the politeness delay adjustable."""
    return SourcePolicy(
        name="tradestat",
        allowed_hosts=frozenset({TRADESTAT_HOST}),
        min_interval_s=min_interval_s,
        max_attempts=4,
        retry_statuses=frozenset({429, 500, 502, 503, 504}),
        backoff_base_s=2.0,
        backoff_max_s=60.0,
        max_retry_after_s=120.0,
        max_bytes=8 * 1024 * 1024,
        timeout_s=90.0,
        deadline_s=180.0,
        max_redirects=3,
        headers=(
            ("Accept", "text/html,application/xhtml+xml"),
            ("Accept-Language", "en-IN,en;q=0.9"),
        ),
    )


#: The default policy (policy name ``tradestat`` = snapshot sub-directory name).
TRADESTAT_POLICY: SourcePolicy = tradestat_policy()

FLOWS = {"M": "import", "X": "export"}


@dataclass(frozen=True)
class Report:
    """One TradeStat report for one flow, e.g. ``meidb/commodity_wise_all_countries_import``."""

    section: str
    name: str
    flow: str  # M (imports) or X (exports)

    @property
    def path(self) -> str:
        return f"{self.section}/{self.name}_{FLOWS[self.flow]}"

    @property
    def url(self) -> str:
        return f"{BASE_URL}/{self.path}"


#: HS code x every partner country x month (the data the asset loads).
DATA_REPORT = "commodity_wise_all_countries"
#: HS code x month, national total, with India's total trade of the flow (the control total).
CONTROL_REPORT = "commoditywise"


def data_report(flow: str) -> Report:
    return Report("meidb", DATA_REPORT, flow)


def control_report(flow: str) -> Report:
    return Report("meidb", CONTROL_REPORT, flow)

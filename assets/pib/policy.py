"""How PIB is fetched (the :class:`SourcePolicy`) and the default ministry allow-list.

Facts behind the settings (shared/research/pib.md):

* hosts: release and listing pages live on ``www.pib.gov.in`` and bare ``pib.gov.in`` (redirects
  bounce between them), images on ``static.pib.gov.in``; nothing else is followed (§1, §5);
* politeness: at least 1 s between requests (polite crawlers use 1-1.5 s, §5);
* retries: PIB sits behind Akamai, which answers intermittent **403**s; they are retried with
  back-off like 429 and 5xx (§5). ``Retry-After`` is honoured by the client;
* headers: the client always sends :data:`pipelines.http.BROWSER_UA` (the edge rejects bot-form
  user agents); we add ``Accept-Language: en-IN`` as a browser from India would (§7.2).
"""

from __future__ import annotations

from pipelines.http import SourcePolicy

PIB_HOSTS: frozenset[str] = frozenset({"pib.gov.in", "www.pib.gov.in", "static.pib.gov.in"})

PIB_POLICY = SourcePolicy(
    name="pib",
    allowed_hosts=PIB_HOSTS,
    min_interval_s=1.0,
    max_attempts=4,
    retry_statuses=frozenset({403, 429, 500, 502, 503, 504}),
    backoff_base_s=2.0,
    backoff_max_s=60.0,
    max_bytes=5 * 1024 * 1024,
    timeout_s=30.0,
    # pages are 20-200 KB: a request still trickling after 60 s is a stalled server
    deadline_s=60.0,
    # PIB sends no long Retry-After; beyond 5 minutes fail the page (kept previous row)
    max_retry_after_s=300.0,
    max_redirects=8,
    headers=(
        ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("Accept-Language", "en-IN,en;q=0.9"),
    ),
)

#: Ministry headings whose every release is a candidate, with the PIB ``ddlMinistry`` value
#: (pib.md §1.6; 0 = all). Matching is on the heading text, case- and ``&``/``and``-insensitive;
#: a heading "Parent : Department" also matches on its parent part.
DEFAULT_MINISTRIES: dict[str, int] = {
    "Ministry of Mines": 44,
    "Ministry of Commerce & Industry": 16,
    "Ministry of External Affairs": 4,
    "Ministry of Heavy Industries": 53,
    "Ministry of Coal": 42,
    "Ministry of Steel": 18,
    "Department of Atomic Energy": 56,
    "NITI Aayog": 78,
    "Cabinet": 61,
    "Cabinet Committee on Economic Affairs (CCEA)": 63,
    "Cabinet Committee on Economic Affairs": 63,
    "CCEA": 63,
    "Cabinet Committee Decisions": 62,
}

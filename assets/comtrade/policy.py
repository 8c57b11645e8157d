"""How UN Comtrade (v1 API, "Comtrade Plus") is fetched: hosts, politeness, retries, secrets.

Choices (see shared/research/trade.md §1.4, §1.6):

* **One host**, ``comtradeapi.un.org``; redirects anywhere else are refused by the client.
* **min_interval_s = 6.0** (10 requests per minute), the throttle comtradr uses by default
  (``req_throttle(10/60)``). The per-minute limit is undocumented; the preview endpoint is known
  to answer 429 under bursts, and a keyed tier counts every call against 500 calls/day, so we
  prefer never to provoke a 429 over saving a few seconds: the planner keeps the number of calls
  small (tens per refresh), so 6 s costs about a minute per ten calls. In replay the clock is
  virtual and nothing is slept. Build a faster policy with :func:`comtrade_policy` if a premium
  key allows it.
* **Retries** on 429 and 5xx, honouring ``Retry-After`` (the shared client does it; waits are
  capped at ``max_retry_after_s``). **Not on 403**: Comtrade's 403 means "Out of call volume
  quota" (replenished in hours), so retrying only burns time; the Comtrade client turns it into
  :class:`~assets.comtrade.client.QuotaExhaustedError` with resumable state instead. 401 is
  never retried either (bad key).
* **Secrets**: the key travels in the ``Ocp-Apim-Subscription-Key`` header (never in the URL).
  The official Python client uses the ``subscription-key`` query parameter instead; that name is
  listed as a secret parameter so it would be dropped from snapshot keys and redacted from URLs
  if anyone ever used it.
* **Size cap** 256 MB: a keyed call may return up to 100 000 records of ~1.1 kB each.
* **Timeout** 120 s, as the official client (large keyed answers are slow).
"""

from __future__ import annotations

from pipelines.http import SourcePolicy

COMTRADE_HOST = "comtradeapi.un.org"
COMTRADE_BASE_URL = f"https://{COMTRADE_HOST}"

#: Name of the environment variable holding the (optional) subscription key.
API_KEY_ENV_VAR = "COMTRADE_API_KEY"
#: Header that carries the subscription key (comtradr; Azure API Management standard).
API_KEY_HEADER = "Ocp-Apim-Subscription-Key"
#: Query-parameter form of the key (official comtradeapicall). We never send it; it is listed so
#: that it is redacted and dropped from snapshot keys should it ever appear.
API_KEY_PARAM = "subscription-key"

#: Seconds between two requests to the host: 10 per minute, as comtradr.
COMTRADE_MIN_INTERVAL_S = 6.0


def comtrade_policy(
    *,
    min_interval_s: float = COMTRADE_MIN_INTERVAL_S,
    max_attempts: int = 4,
    max_retry_after_s: float = 120.0,
) -> SourcePolicy:
    """The :class:`SourcePolicy` for UN Comtrade, with the politeness knobs adjustable."""
    return SourcePolicy(
        name="comtrade",
        allowed_hosts=frozenset({COMTRADE_HOST}),
        min_interval_s=min_interval_s,
        max_attempts=max_attempts,
        # 403 deliberately absent: quota exhaustion is not transient within a run.
        retry_statuses=frozenset({429, 500, 502, 503, 504}),
        backoff_base_s=2.0,
        backoff_max_s=60.0,
        max_retry_after_s=max_retry_after_s,
        max_bytes=256 * 1024 * 1024,
        timeout_s=120.0,
        deadline_s=600.0,  # one attempt, whole body: a 256 MB keyed answer at >= 0.45 MB/s
        max_redirects=3,
        headers=(("Accept", "application/json"),),
        secret_params=(API_KEY_PARAM,),
        secret_headers=(API_KEY_HEADER.lower(),),
    )


#: The default Comtrade policy (policy name ``comtrade`` = snapshot sub-directory name).
COMTRADE_POLICY: SourcePolicy = comtrade_policy()

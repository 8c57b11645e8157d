"""A fake UN Comtrade data API (an ``httpx.MockTransport``) for tests and the snapshot builder.

Never used by the pipeline itself. It holds a database of final-data records (full 47-field
dicts, in any field casing) and answers ``/public/v1/preview/C/{A|M}/HS`` and
``/data/v1/get/C/{A|M}/HS`` the way the real API does (shared/research/trade.md §1):

* filters on ``reporterCode``, ``period``, ``cmdCode``, ``flowCode``, ``partnerCode``,
  ``partner2Code``, ``motCode``, ``customsCode`` (parameter names case-insensitive; an omitted
  filter matches everything, so omitting ``partnerCode`` returns every partner plus World);
* a malformed value simply matches nothing: HTTP 200 with ``count: 0``;
* silently truncates at the row cap (500 preview, 100 000 keyed, or ``maxRecords`` if lower);
* the keyed endpoint wants the ``Ocp-Apim-Subscription-Key`` header (else 401, APIM body);
* optional daily quota (then 403 "Out of call volume quota..."), URLs over 4 096 characters
  (414 "Request URL Too Long"), and scripted faults (e.g. one 429 with ``Retry-After``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

_PATH = re.compile(r"^/(public/v1/preview|data/v1/get)/C/(A|M)/HS$")

_FILTERS: tuple[tuple[str, str, bool], ...] = (
    # (query parameter, record field, integer-valued)
    ("reportercode", "reportercode", True),
    ("period", "period", False),
    ("cmdcode", "cmdcode", False),
    ("flowcode", "flowcode", False),
    ("partnercode", "partnercode", True),
    ("partner2code", "partner2code", True),
    ("motcode", "motcode", True),
    ("customscode", "customscode", False),
)


@dataclass
class FakeRequest:
    """What a scripted fault sees of a request."""

    endpoint: str  # "preview" | "data"
    freq: str
    params: dict[str, str]  # lower-cased names
    url: str


@dataclass
class Fault:
    """Answer matching requests with scripted responses (one per match) before normal service."""

    when: Callable[[FakeRequest], bool]
    responses: list[tuple[int, dict[str, str], str]]
    used: int = 0


def json_body(obj: Any) -> str:
    """Compact JSON as the API serves it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def envelope(records: list[dict[str, Any]], error: str = "") -> str:
    """The real envelope: ``{"elapsedTime":"0.21 secs","count":N,"data":[...],"error":""}``."""
    elapsed = f"{0.05 + 0.0009 * len(records):.2f} secs"
    return json_body({"elapsedTime": elapsed, "count": len(records), "data": records,
                      "error": error})  # fmt: skip


def rate_limited(seconds: int = 2) -> tuple[int, dict[str, str], str]:
    """A 429 as Azure APIM sends it."""
    body = {
        "statusCode": 429,
        "message": f"Rate limit is exceeded. Try again in {seconds} seconds.",
    }
    return 429, {"Retry-After": str(seconds), "Content-Type": "application/json"}, json_body(body)


QUOTA_MESSAGE = "Out of call volume quota. Quota will be replenished in 03:14:17."
AUTH_MESSAGE = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an "
    "active subscription."
)


def _lower_keys(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in rec.items()}


@dataclass
class FakeComtrade:
    """The fake API. ``requests`` logs every request it received."""

    records: Iterable[Mapping[str, Any]]
    api_key: str | None = None
    preview_cap: int = 500
    data_cap: int = 100_000
    quota_calls: int | None = None
    max_url_chars: int = 4096
    faults: list[Fault] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    served: int = 0

    def __post_init__(self) -> None:
        self.records = list(self.records)
        self._index = [_lower_keys(r) for r in self.records]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def select(self, freq: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every matching record (uncapped), in database order."""
        wanted: list[tuple[str, set[Any]]] = []
        for pname, fname, is_int in _FILTERS:
            if pname not in params:
                continue
            values = [v.strip() for v in params[pname].split(",") if v.strip()]
            if is_int:
                try:
                    wanted.append((fname, {int(v) for v in values}))
                except ValueError:
                    return []
            else:
                wanted.append((fname, set(values)))
        out = []
        for rec, low in zip(self.records, self._index, strict=True):
            if low.get("freqcode") != freq:
                continue
            if all(low.get(fname) in values for fname, values in wanted):
                out.append(dict(rec))
        return out

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url)
        if len(url) > self.max_url_chars:
            return httpx.Response(
                414, text="<html><body><h2>Request URL Too Long</h2></body></html>",
                headers={"Content-Type": "text/html"},
            )  # fmt: skip
        m = _PATH.match(request.url.path)
        if request.method != "GET" or not m:
            return httpx.Response(404, json={"statusCode": 404, "message": "Resource not found"})
        endpoint = "preview" if m.group(1).startswith("public") else "data"
        freq = m.group(2)
        params = {k.lower(): v for k, v in request.url.params.multi_items()}
        fake_req = FakeRequest(endpoint, freq, params, url)
        if endpoint == "data" and (
            self.api_key is None or request.headers.get("ocp-apim-subscription-key") != self.api_key
        ):
            return httpx.Response(401, json={"statusCode": 401, "message": AUTH_MESSAGE})
        for fault in self.faults:
            if fault.used < len(fault.responses) and fault.when(fake_req):
                status, headers, text = fault.responses[fault.used]
                fault.used += 1
                return httpx.Response(status, headers=headers, text=text)
        if self.quota_calls is not None and self.served >= self.quota_calls:
            return httpx.Response(
                403, headers={"Retry-After": "11657", "Content-Type": "application/json"},
                text=json_body({"statusCode": 403, "message": QUOTA_MESSAGE}),
            )  # fmt: skip
        self.served += 1
        cap = self.preview_cap if endpoint == "preview" else self.data_cap
        try:
            limit = min(cap, int(params.get("maxrecords", cap)))
        except ValueError:
            limit = cap
        rows = self.select(freq, params)[:limit]
        return httpx.Response(
            200,
            headers={"Content-Type": "application/json; charset=utf-8"},
            content=envelope(rows).encode("utf-8"),
        )

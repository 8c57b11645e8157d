"""UN Comtrade trade-flow fetch: parameter validation, query planning, cap-driven splitting.

Endpoints (shared/research/trade.md §1.1):

* no key: ``GET https://comtradeapi.un.org/public/v1/preview/C/{A|M}/HS`` (at most 500 rows)
* key:    ``GET https://comtradeapi.un.org/data/v1/get/C/{A|M}/HS`` (at most 100 000 rows), key in
  the ``Ocp-Apim-Subscription-Key`` header, read from ``COMTRADE_API_KEY``. The key is never put
  in a URL, a log line, an exception, a state file or metadata.

Every call carries the pinned parameters ``reporterCode=699`` (India), ``flowCode=M,X``,
``partner2Code=0``, ``motCode=0``, ``customsCode=C00``, ``breakdownMode=classic``,
``includeDesc=true`` and ``maxRecords=<cap>``; ``partnerCode`` is omitted, so the answer holds
every partner **and** the World (0) row.

Planning (:func:`plan_queries`): HS codes are sorted, de-duplicated and cut into chunks
(``max_codes_per_query``, then halved until the URL is shorter than ``max_url_chars``); by default
each call carries **one period**, so the calls of a period partition do not depend on which other
partitions run with it (a single-partition re-run replays from the same snapshot as a backfill).

Splitting (:meth:`ComtradeClient.fetch`): Comtrade truncates silently at its row cap, so a
response with ``rows >= cap`` is treated as truncated, recorded, and its query split and re-asked:
first the HS-code list in halves, then flow ``M`` vs ``X``, then the period list in halves,
recursively. A single code + single flow + single period at the cap raises
:class:`UnsplittableQueryError`.

Because a malformed query returns HTTP 200 with ``count: 0`` (not an error), every parameter is
validated before sending; an empty answer to a valid query is then trustworthy and is recorded as
"no data for this query".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from assets.comtrade.editions import edition_for_period as edition_for_period  # re-export
from assets.comtrade.policy import API_KEY_ENV_VAR, API_KEY_HEADER, COMTRADE_BASE_URL
from pipelines.http import Fetched, HTTPStatusError, Mode, RetryAfterTooLongError, SourceClient

INDIA = 699
FLOWS: tuple[str, ...] = ("M", "X")
FREQS: tuple[str, ...] = ("A", "M")

#: Longest URL we send. IIS answers "Request URL Too Long" above ~4 096 characters.
MAX_URL_CHARS = 4000
#: Codes per call on the preview endpoint: ~20 HS6 codes x 2 flows x India's partners for one
#: period usually stays under the 500-row cap; the rest is handled by splitting.
PREVIEW_CODES_PER_QUERY = 20

_PERIOD_A = re.compile(r"^(19[6-9]\d|20\d\d)$")
_PERIOD_M = re.compile(r"^(19[6-9]\d|20\d\d)(0[1-9]|1[0-2])$")
#: An HS6 subheading, or a 4-digit heading (its total; ``aggrLevel`` 4 in the answer).
_HS_CODE = re.compile(r"^\d{4}(\d{2})?$")


class Endpoint(StrEnum):
    """Which Comtrade data endpoint a client talks to."""

    PREVIEW = "preview"
    DATA = "data"

    @property
    def cap(self) -> int:
        """Rows at which the endpoint silently truncates."""
        return 500 if self is Endpoint.PREVIEW else 100_000

    def path(self, freq: str) -> str:
        if self is Endpoint.PREVIEW:
            return f"/public/v1/preview/C/{freq}/HS"
        return f"/data/v1/get/C/{freq}/HS"

    def url(self, freq: str, base_url: str = COMTRADE_BASE_URL) -> str:
        return base_url.rstrip("/") + self.path(freq)


# --------------------------------------------------------------------------- errors


class ComtradeError(Exception):
    """Base class of the Comtrade layer's errors."""


class ComtradeParamError(ComtradeError, ValueError):
    """A query parameter is invalid; raised before any request is sent."""


class ComtradeAPIError(ComtradeError):
    """Comtrade answered something we cannot use (an ``error`` in the envelope, not JSON...)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        super().__init__(f"[comtrade] {message} (url={url})")


class ComtradeAuthError(ComtradeAPIError):
    """HTTP 401: missing or invalid subscription key."""


class ComtradeIncompleteAnswerError(ComtradeAPIError):
    """The envelope's ``count`` disagrees with the records it carries (a cut or padded answer)."""

    def __init__(self, url: str, count: int, rows: int) -> None:
        self.count = count
        self.rows = rows
        super().__init__(
            url,
            f"answer is incomplete: 'count' says {count} records but 'data' holds {rows}; "
            "not loading a partial answer",
        )


class ComtradeStateError(ComtradeError):
    """The resumable fetch-state file (or a body it points to) cannot be trusted.

    Raised for a file that is not the state JSON, has a missing or mistyped field, names a body
    by anything but a 64-hex sha256 (a tampered file could point at ``../``), or points at a body
    whose content does not hash to that sha256.
    """

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.path = str(path) if path is not None else None
        where = f" state file {self.path}:" if self.path else ""
        super().__init__(f"[comtrade]{where} {message}")


class UnsplittableQueryError(ComtradeAPIError):
    """One code, one flow and one period still reach the row cap: cannot split further."""


class QuotaExhaustedError(ComtradeAPIError):
    """HTTP 403 "Out of call volume quota": stop now, resume later from :attr:`state`."""

    def __init__(
        self,
        url: str,
        message: str,
        state: FetchState,
        *,
        retry_after_s: float | None = None,
        state_path: Path | None = None,
    ) -> None:
        self.state = state
        self.retry_after_s = retry_after_s
        self.state_path = state_path
        super().__init__(url, message)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class ComtradeQuery:
    """One Comtrade data call: a frequency, periods, HS6 codes and flows for one reporter."""

    freq: str
    periods: tuple[str, ...]
    hs_codes: tuple[str, ...]
    flows: tuple[str, ...] = FLOWS
    reporter_code: int = INDIA
    #: ``None`` (the default): ``partnerCode`` omitted, every partner plus World. A code (e.g.
    #: 699 for mirror flows: what a partner reports about its trade with India) filters on it.
    partner_code: int | None = None

    def __post_init__(self) -> None:
        validate_query_params(
            self.freq, self.periods, self.hs_codes, self.flows, self.reporter_code
        )
        if self.partner_code is not None:
            _check_area_code("partner", self.partner_code)

    def params(self, max_records: int) -> dict[str, str]:
        """The query string, pinned parameters included (``partnerCode`` omitted on purpose
        unless :attr:`partner_code` is set)."""
        partner = {} if self.partner_code is None else {"partnerCode": str(self.partner_code)}
        return {
            "reporterCode": str(self.reporter_code),
            "period": ",".join(self.periods),
            "cmdCode": ",".join(self.hs_codes),
            "flowCode": ",".join(self.flows),
            **partner,
            "partner2Code": "0",
            "motCode": "0",
            "customsCode": "C00",
            "breakdownMode": "classic",
            "includeDesc": "true",
            "maxRecords": str(max_records),
        }

    def url(self, endpoint: Endpoint, base_url: str = COMTRADE_BASE_URL) -> str:
        """The full request URL (no secret is ever part of it)."""
        return str(httpx.URL(endpoint.url(self.freq, base_url), params=self.params(endpoint.cap)))

    def describe(self) -> str:
        codes = self.hs_codes
        shown = codes[0] if len(codes) == 1 else f"{len(codes)} codes {codes[0]}..{codes[-1]}"
        return (
            f"{self.freq} {','.join(self.periods)} flow {','.join(self.flows)} {shown} "
            f"reporter {self.reporter_code}"
            + ("" if self.partner_code is None else f" partner {self.partner_code}")
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "freq": self.freq,
            "periods": list(self.periods),
            "hs_codes": list(self.hs_codes),
            "flows": list(self.flows),
            "reporter_code": self.reporter_code,
        }
        if self.partner_code is not None:
            d["partner_code"] = self.partner_code
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ComtradeQuery:
        return cls(
            freq=d["freq"],
            periods=tuple(d["periods"]),
            hs_codes=tuple(d["hs_codes"]),
            flows=tuple(d.get("flows", FLOWS)),
            reporter_code=int(d.get("reporter_code", INDIA)),
            partner_code=None if d.get("partner_code") is None else int(d["partner_code"]),
        )


def _check_area_code(name: str, code: Any) -> None:
    if isinstance(code, bool) or not isinstance(code, int) or code <= 0:
        raise ComtradeParamError(f"{name} code must be a positive Comtrade area code, got {code!r}")


def validate_query_params(
    freq: str,
    periods: Sequence[str],
    hs_codes: Sequence[str],
    flows: Sequence[str] = FLOWS,
    reporter_code: int = INDIA,
) -> None:
    """Raise :class:`ComtradeParamError` unless every parameter is well formed.

    Comtrade answers a malformed value with HTTP 200 and ``count: 0``; validating here is what
    makes an empty answer mean "no data".
    """
    if freq not in FREQS:
        raise ComtradeParamError(f"freq must be one of {FREQS}, got {freq!r}")
    if not periods:
        raise ComtradeParamError("at least one period is required")
    pattern, form = (_PERIOD_A, "YYYY") if freq == "A" else (_PERIOD_M, "YYYYMM")
    for p in periods:
        if not isinstance(p, str) or not pattern.match(p):
            raise ComtradeParamError(
                f"period {p!r} is not valid for freq {freq!r}: expected {form}"
                + (" (month 01-12)" if freq == "M" else "")
            )
    if not hs_codes:
        raise ComtradeParamError("at least one HS code is required")
    for c in hs_codes:
        if not isinstance(c, str) or not _HS_CODE.match(c):
            raise ComtradeParamError(
                f"HS code {c!r} is not a 6-digit HS6 code (or 4-digit heading) string"
            )
    if not flows:
        raise ComtradeParamError("at least one flow is required")
    for f in flows:
        if f not in FLOWS:
            raise ComtradeParamError(f"flow {f!r} is not supported: expected one of {FLOWS}")
    if isinstance(reporter_code, bool) or not isinstance(reporter_code, int) or reporter_code <= 0:
        raise ComtradeParamError(
            f"reporter code must be a positive Comtrade area code, got {reporter_code!r}"
        )
    for name, values in (("period", periods), ("HS code", hs_codes), ("flow", flows)):
        if len(set(values)) != len(values):
            raise ComtradeParamError(f"duplicate {name} in {list(values)}")


def _canonical(values: Iterable[str], order: Sequence[str] | None = None) -> tuple[str, ...]:
    uniq = set(values)
    if order is not None:
        return tuple(v for v in order if v in uniq) + tuple(sorted(uniq - set(order)))
    return tuple(sorted(uniq))


def plan_queries(
    freq: str,
    periods: Sequence[str],
    hs_codes: Sequence[str],
    *,
    flows: Sequence[str] = FLOWS,
    reporter_code: int = INDIA,
    partner_code: int | None = None,
    endpoint: Endpoint = Endpoint.PREVIEW,
    max_codes_per_query: int | None = None,
    max_periods_per_query: int = 1,
    max_url_chars: int = MAX_URL_CHARS,
    base_url: str = COMTRADE_BASE_URL,
) -> list[ComtradeQuery]:
    """Turn (freq, periods, HS codes) into a deterministic list of calls.

    Codes, periods and flows are de-duplicated and sorted, so the plan (and the snapshot keys)
    depend only on the *sets* passed in. ``max_codes_per_query`` defaults to
    :data:`PREVIEW_CODES_PER_QUERY` on the preview endpoint and to "as many as the URL allows" on
    the keyed endpoint. Every planned URL is shorter than ``max_url_chars``.
    """
    p = _canonical(periods)
    c = _canonical(hs_codes)
    f = _canonical(flows, FLOWS)
    validate_query_params(freq, p, c, f, reporter_code)
    if max_periods_per_query < 1:
        raise ComtradeParamError("max_periods_per_query must be >= 1")
    if max_codes_per_query is None:
        max_codes_per_query = PREVIEW_CODES_PER_QUERY if endpoint is Endpoint.PREVIEW else len(c)
    if max_codes_per_query < 1:
        raise ComtradeParamError("max_codes_per_query must be >= 1")

    def fits(q: ComtradeQuery) -> bool:
        return len(q.url(endpoint, base_url)) < max_url_chars

    def chunk_codes(period_group: tuple[str, ...], codes: tuple[str, ...]) -> list[ComtradeQuery]:
        q = ComtradeQuery(freq, period_group, codes, f, reporter_code, partner_code)
        if fits(q):
            return [q]
        if len(codes) == 1:
            raise ComtradeParamError(
                f"a single-code query is longer than {max_url_chars} characters: {q.describe()}"
            )
        half = (len(codes) + 1) // 2
        return chunk_codes(period_group, codes[:half]) + chunk_codes(period_group, codes[half:])

    plan: list[ComtradeQuery] = []
    for i in range(0, len(p), max_periods_per_query):
        group = p[i : i + max_periods_per_query]
        for j in range(0, len(c), max_codes_per_query):
            plan.extend(chunk_codes(group, c[j : j + max_codes_per_query]))
    return plan


def split_query(query: ComtradeQuery) -> tuple[str, list[ComtradeQuery]]:
    """Split a truncated query: HS codes in halves, else M vs X, else periods in halves.

    Returns the dimension split and the children; raises :class:`ComtradeParamError` for a
    query that is already one code, one flow and one period.
    """
    if len(query.hs_codes) > 1:
        h = (len(query.hs_codes) + 1) // 2
        parts = [query.hs_codes[:h], query.hs_codes[h:]]
        return "hs_codes", [replace(query, hs_codes=part) for part in parts]
    if len(query.flows) > 1:
        return "flows", [replace(query, flows=(fl,)) for fl in query.flows]
    if len(query.periods) > 1:
        h = (len(query.periods) + 1) // 2
        parts = [query.periods[:h], query.periods[h:]]
        return "periods", [replace(query, periods=part) for part in parts]
    raise ComtradeParamError(f"query cannot be split further: {query.describe()}")


# --------------------------------------------------------------------------- responses


#: The envelope keys Comtrade always sends (trade.md §1.5). ``count`` is required: it is how a
#: cut answer is told from a complete one.
ENVELOPE_KEYS: tuple[str, ...] = ("elapsedTime", "count", "data", "error")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _shown(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_envelope(
    content: bytes, url: str, cap: int | None = None
) -> tuple[int, list[dict[str, Any]], str]:
    """Parse Comtrade's ``{"elapsedTime","count","data","error"}`` envelope.

    Returns ``(count, records, elapsedTime)``. Raises :class:`ComtradeAPIError` naming the URL
    for a body that is not the envelope (not JSON, nested too deep, no ``data`` list, no integer
    ``count``) or whose ``error`` is non-empty, and :class:`ComtradeIncompleteAnswerError` when
    ``count`` is not the number of records in ``data`` (a truncated or padded answer). The one
    exception: an answer filled to the row ``cap`` whose ``count`` is larger is the API's own
    truncation, returned as is for the caller to split. Usable on raw-store bodies, so a
    partition can be re-parsed without fetching.
    """
    text = content.decode("utf-8-sig", errors="replace")
    try:
        body = json.loads(text)
    except RecursionError:
        raise ComtradeAPIError(url, "response JSON is nested too deeply to parse") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        snippet = " ".join(text.split())[:120]
        raise ComtradeAPIError(
            url, f"response is not JSON ({str(exc)[:80]}): {snippet!r}"
        ) from None
    if not isinstance(body, dict):
        raise ComtradeAPIError(url, f"response is not a JSON object but {type(body).__name__}")
    error = body.get("error")
    if error:
        raise ComtradeAPIError(url, f"Comtrade returned an error: {_shown(error, 300)}")
    err_obj = body.get("errorObject")
    if isinstance(err_obj, dict) and err_obj.get("errorMessage"):
        raise ComtradeAPIError(
            url, f"Comtrade returned an error: {_shown(err_obj['errorMessage'], 300)}"
        )
    data = body.get("data")
    if not isinstance(data, list):
        raise ComtradeAPIError(url, "response has no 'data' list (not a Comtrade data envelope)")
    for i, r in enumerate(data):
        if not isinstance(r, dict):
            raise ComtradeAPIError(
                url, f"'data' record {i} is {type(r).__name__}, not an object: {_shown(r)}"
            )
    if "count" not in body:
        raise ComtradeAPIError(
            url, f"response has no 'count' (envelope keys: {sorted(map(str, body))[:10]})"
        )
    count = body["count"]
    if isinstance(count, bool) or not isinstance(count, int):
        raise ComtradeAPIError(url, f"'count' is not an integer: {_shown(count)}")
    capped = cap is not None and len(data) >= cap and count > len(data)
    if count != len(data) and not capped:
        raise ComtradeIncompleteAnswerError(url, count, len(data))
    return count, data, str(body.get("elapsedTime", ""))[:100]


@dataclass
class Answer:
    """One answer: its ``count``, how many records it holds, and the raw body.

    When :func:`read_answer` could vouch for the body's shape without parsing its records
    (``line`` set), the records are parsed later by the normaliser, column-wise and many answers
    at a time; :attr:`records` parses them as dicts only if asked for (and then raises what
    :func:`parse_envelope` raises).
    """

    url: str
    content: bytes
    count: int
    rows: int
    elapsed_time: str
    envelope_keys: tuple[str, ...] = ()
    #: The body as one line of JSON (a memoryview of ``content`` without trailing whitespace)
    #: when its records were not parsed yet; None when they were (``records`` holds them).
    line: memoryview | None = field(default=None, repr=False)
    cap: int | None = None
    _records: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def records(self) -> list[dict[str, Any]]:
        """The records as dicts (parsed on first use when the answer was not parsed yet)."""
        if self._records is None:
            self._records = parse_envelope(self.content, self.url, self.cap)[1]
        return self._records


def read_answer(content: bytes, url: str, cap: int | None = None) -> Answer:
    """:func:`parse_envelope` without parsing the records when the body allows it.

    The envelope is parsed on its own (the body with its one ``[...]`` cut to ``[]``), by the
    same rules as :func:`parse_envelope`. When it is a complete envelope under the row cap, the
    answer is returned unparsed, its records taken to number ``count``: the normaliser parses
    the records of many answers in one multi-threaded, column-wise pass, and an answer whose
    records then do not parse, or do not number ``count``, gets :func:`parse_envelope`'s own
    error there (a cut answer: :class:`ComtradeIncompleteAnswerError`). Anything else (an
    error, an answer at the cap, nested lists, a body over several lines, many objects nested
    in records) goes through :func:`parse_envelope` now.
    """
    answer = _read_answer_unparsed(content, url, cap)
    if answer is not None:
        return answer
    count, records, elapsed = parse_envelope(content, url, cap)
    return Answer(url, content, count, len(records), elapsed, cap=cap, _records=records)


#: Up to this many ``{`` in its records, an answer may hold nested objects (Arrow's reader,
#: which recurses on nesting, reads 5,000 levels; a 500-record answer has 500 ``{``).
_FEW_BRACES = 1000
_WHITESPACE = b" \t\n\r"


def _read_answer_unparsed(content: bytes, url: str, cap: int | None) -> Answer | None:
    end = len(content)
    for newline in (b"\n", b"\r"):  # one line of JSON (a trailing newline is fine)
        i = content.find(newline)
        if i >= 0:
            if content[i:].strip(_WHITESPACE):
                return None
            end = min(end, i)
    first = content.find(b"[")
    if first < 0 or content.find(b"[", first + 1) >= 0:
        return None  # no list, or nested lists (and the Arrow reader mishandles some)
    last = content.rfind(b"]")
    try:
        envelope = content[:first] + b"[]" + content[last + 1 :]
        body = json.loads(envelope.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or body.get("data") != [] or body.get("error"):
        return None
    err_obj = body.get("errorObject")
    count = body.get("count")
    if isinstance(err_obj, dict) and err_obj.get("errorMessage"):
        return None
    if isinstance(count, bool) or not isinstance(count, int):
        return None
    head = content[first + 1 : min(first + 65, last)].lstrip(_WHITESPACE)
    if not head:  # an empty list (or only whitespace in it)
        if content[first + 1 : last].strip(_WHITESPACE):
            return None
        rows = 0
    else:
        tail = content[max(first + 1, last - 64) : last].rstrip(_WHITESPACE)
        if head[:1] != b"{" or tail[-1:] != b"}":
            return None
        # the records are taken to number ``count`` (the normaliser's parse checks it); with
        # many braces, each must open a record (one after each separator), none a value
        rows = count
        braces = content.count(b"{", first + 1, last)
        if braces > _FEW_BRACES:
            i = content.find(b"},", first)
            spaced = 0 <= i < last and content[i + 2 : i + 4] == b" {"
            separator = b"}, {" if spaced else b"},{"
            if braces != content.count(separator, first + 1, last) + 1:
                return None  # objects inside records (or braces inside strings): parsed now
    if rows != count or (cap is not None and rows >= cap):
        return None  # parse_envelope decides (an incomplete answer, or one at the cap)
    elapsed = str(body.get("elapsedTime", ""))[:100]
    line = memoryview(content)[:end]
    return Answer(url, content, count, rows, elapsed, tuple(map(str, body)), line, cap)


@dataclass
class ComtradeResponse:
    """One HTTP 200 answer: its query, the raw response and the parsed answer."""

    query: ComtradeQuery
    fetched: Fetched
    answer: Answer
    truncated: bool

    @property
    def source_url(self) -> str:
        return self.fetched.url

    @property
    def raw_sha256(self) -> str:
        return self.fetched.sha256

    @property
    def count(self) -> int:
        return self.answer.count

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.answer.records

    @property
    def elapsed_time(self) -> str:
        return self.answer.elapsed_time

    @property
    def rows(self) -> int:
        return self.answer.rows


@dataclass
class CallRecord:
    """What happened to one planned or split call."""

    query: ComtradeQuery
    url: str
    outcome: str  # "ok" | "no_data" | "split"
    rows: int
    count: int
    sha256: str
    resumed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.to_dict(),
            "url": self.url,
            "outcome": self.outcome,
            "rows": self.rows,
            "count": self.count,
            "sha256": self.sha256,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, resumed: bool = False) -> CallRecord:
        """Read one completed call; every field is checked (a state file can be edited)."""
        url, outcome = d["url"], d["outcome"]
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ComtradeStateError(f"completed call 'url' is not an http(s) URL: {_shown(url)}")
        if outcome not in ("ok", "no_data", "split"):
            raise ComtradeStateError(f"completed call 'outcome' is not known: {_shown(outcome)}")
        return cls(
            query=ComtradeQuery.from_dict(d["query"]),
            url=url,
            outcome=outcome,
            rows=_state_int(d["rows"], "rows"),
            count=_state_int(d["count"], "count"),
            sha256=checked_sha256(d["sha256"]),
            resumed=resumed,
        )


def checked_sha256(value: Any) -> str:
    """``value`` if it is a lower-case 64-hex sha256, else :class:`ComtradeStateError`.

    Body names are built from it (``bodies/<sha256>.*``): anything else (``../``, globs, empty)
    could read a file outside the store.
    """
    if not isinstance(value, str) or not _SHA256.match(value):
        raise ComtradeStateError(f"body sha256 is not 64 hex characters: {_shown(value)}")
    return value


def _state_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
        raise ComtradeStateError(f"'{name}' is not a count: {_shown(value)}")
    return value


@dataclass
class SplitRecord:
    """A truncated query and the children it was split into."""

    query: ComtradeQuery
    dimension: str  # "hs_codes" | "flows" | "periods"
    rows: int
    cap: int
    children: list[ComtradeQuery]

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.to_dict(),
            "dimension": self.dimension,
            "rows": self.rows,
            "cap": self.cap,
            "children": [c.to_dict() for c in self.children],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SplitRecord:
        return cls(
            query=ComtradeQuery.from_dict(d["query"]),
            dimension=d["dimension"],
            rows=int(d["rows"]),
            cap=int(d["cap"]),
            children=[ComtradeQuery.from_dict(c) for c in d["children"]],
        )


@dataclass
class FetchState:
    """Resumable progress of a fetch: completed calls, splits so far, calls still to make."""

    endpoint: str
    completed: list[CallRecord] = field(default_factory=list)
    splits: list[SplitRecord] = field(default_factory=list)
    pending: list[ComtradeQuery] = field(default_factory=list)
    #: What was asked for: ``{"freq", "periods", "hs_codes"}`` (canonical), if known.
    request: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "endpoint": self.endpoint,
            "request": self.request,
            "completed": [c.to_dict() for c in self.completed],
            "splits": [s.to_dict() for s in self.splits],
            "pending": [q.to_dict() for q in self.pending],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FetchState:
        if d.get("version") != 1:
            raise ComtradeStateError(
                f"unsupported Comtrade fetch-state version {_shown(d.get('version'))}"
            )
        if d["endpoint"] not in {e.value for e in Endpoint}:
            raise ComtradeStateError(f"unknown endpoint {_shown(d['endpoint'])}")
        request = d.get("request")
        if request is not None and not (
            isinstance(request, dict) and {"freq", "periods", "hs_codes"} <= set(request)
        ):
            raise ComtradeStateError(f"'request' is not a fetch request: {_shown(request)}")
        return cls(
            endpoint=d["endpoint"],
            completed=[CallRecord.from_dict(c, resumed=True) for c in d["completed"]],
            splits=[SplitRecord.from_dict(s) for s in d["splits"]],
            pending=[ComtradeQuery.from_dict(q) for q in d["pending"]],
            request=request,
        )

    def write(self, path: Path) -> None:
        """Write atomically (temp file + rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> FetchState:
        """Read and check a state file; anything untrustworthy is a :class:`ComtradeStateError`."""
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ComtradeStateError(f"not a JSON object but {type(raw).__name__}")
            return cls.from_dict(raw)
        except ComtradeStateError as exc:
            raise ComtradeStateError(str(exc).removeprefix("[comtrade] "), path) from None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            # ComtradeParamError is a ValueError: a pending query with an invalid parameter
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)[:200]
            raise ComtradeStateError(f"unreadable ({type(exc).__name__}: {what})", path) from None


@dataclass
class FetchResult:
    """Everything one fetch produced: raw responses, call log, splits, records."""

    endpoint: str
    responses: list[ComtradeResponse]
    calls: list[CallRecord]
    splits: list[SplitRecord]
    resumed_responses: list[ComtradeResponse] = field(default_factory=list)
    #: With ``on_answer`` (streaming), the answers are handed over and not kept here:
    #: ``responses`` and ``resumed_responses`` stay empty and these count what went by.
    streamed_records: int = 0
    streamed_bytes: int = 0

    @property
    def fetched(self) -> list[Fetched]:
        """Every raw 200 response of this run, truncated ones included (all carry sha256)."""
        return [r.fetched for r in self.responses]

    @property
    def batches(self) -> list[ComtradeResponse]:
        """Complete (not truncated) responses, resumed ones first: the input to normalisation."""
        return [r for r in (*self.resumed_responses, *self.responses) if not r.truncated]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [rec for b in self.batches for rec in b.records]

    def metadata(self) -> dict[str, Any]:
        """Counters for Dagster materialisation metadata (no secrets)."""
        outcomes = [c.outcome for c in self.calls]
        return {
            "comtrade_endpoint": self.endpoint,
            "comtrade_calls": len(self.calls),
            "comtrade_calls_ok": outcomes.count("ok"),
            "comtrade_calls_no_data": outcomes.count("no_data"),
            "comtrade_calls_truncated_split": outcomes.count("split"),
            "comtrade_calls_resumed": sum(1 for c in self.calls if c.resumed),
            "comtrade_records": sum(b.rows for b in self.batches) + self.streamed_records,
            "comtrade_raw_bytes": sum(len(r.fetched.content) for r in self.responses)
            + self.streamed_bytes,
        }


# --------------------------------------------------------------------------- client


def fetch_request(
    freq: str,
    periods: Sequence[str],
    hs_codes: Sequence[str],
    reporter_code: int = INDIA,
    partner_code: int | None = None,
) -> dict[str, Any]:
    """The canonical identity of a fetch (stored in the state file to guard resumes).

    Reporter and partner are part of it only when not India's own default (reporter 699, all
    partners), so the state files of India's loads keep their shape."""
    out: dict[str, Any] = {
        "freq": freq,
        "periods": list(_canonical(periods)),
        "hs_codes": list(_canonical(hs_codes)),
    }
    if reporter_code != INDIA or partner_code is not None:
        out["reporter_code"] = reporter_code
        out["partner_code"] = partner_code
    return out


def api_key_from_env(env_var: str = API_KEY_ENV_VAR) -> str | None:
    """The subscription key from the environment, or None (preview endpoint)."""
    value = os.environ.get(env_var, "").strip()
    return value or None


def body_loader_from_store(store_dir: Path) -> Callable[[str], bytes]:
    """Load a response body by sha256 from a raw-store / snapshot directory (``bodies/``)."""
    root = Path(store_dir) / "bodies"

    def load(sha256: str) -> bytes:
        checked_sha256(sha256)  # never glob or open a path built from anything else
        matches = sorted(root.glob(f"{sha256}.*"))
        if not matches:
            raise ComtradeStateError(f"no body with sha256 {sha256} under {root}")
        return matches[0].read_bytes()

    return load


class ComtradeClient:
    """Comtrade data calls through a :class:`SourceClient` (live, record or replay).

    With ``api_key`` set it uses the keyed ``/data/v1/get`` endpoint (cap 100 000), otherwise
    the no-key preview (cap 500). ``row_cap`` overrides the endpoint's cap (tests only).
    """

    def __init__(
        self,
        source: SourceClient,
        *,
        api_key: str | None = None,
        base_url: str = COMTRADE_BASE_URL,
        max_url_chars: int = MAX_URL_CHARS,
        max_codes_per_query: int | None = None,
        max_periods_per_query: int = 1,
        row_cap: int | None = None,
    ) -> None:
        self.source = source
        self._api_key = api_key or None
        self.base_url = base_url
        self.max_url_chars = max_url_chars
        self.max_codes_per_query = max_codes_per_query
        self.max_periods_per_query = max_periods_per_query
        self.endpoint = Endpoint.DATA if self._api_key else Endpoint.PREVIEW
        self.cap = row_cap if row_cap is not None else self.endpoint.cap
        self._error_body = b""
        self._install_error_capture()

    @classmethod
    def from_env(
        cls,
        source: SourceClient,
        env_var: str = API_KEY_ENV_VAR,
        *,
        replay_uses_key: bool = False,
        **kwargs: Any,
    ) -> ComtradeClient:
        """Keyed if ``COMTRADE_API_KEY`` is set, preview otherwise.

        In replay mode the key is ignored unless ``replay_uses_key``: the bundled snapshot was
        recorded on the no-key preview endpoint, so a key in the environment must not turn the
        replayed requests into keyed ones (which the snapshot does not hold).
        """
        key = api_key_from_env(env_var)
        if source.mode is Mode.REPLAY and not replay_uses_key:
            key = None
        return cls(source, api_key=key, **kwargs)

    def __repr__(self) -> str:  # never show the key
        return f"ComtradeClient(endpoint={self.endpoint.value}, keyed={self._api_key is not None})"

    # -- planning -------------------------------------------------------------------

    def plan(
        self,
        freq: str,
        periods: Sequence[str],
        hs_codes: Sequence[str],
        *,
        reporter_code: int = INDIA,
        partner_code: int | None = None,
    ) -> list[ComtradeQuery]:
        """The calls :meth:`fetch` would start with (before any cap-driven split)."""
        return plan_queries(
            freq,
            periods,
            hs_codes,
            reporter_code=reporter_code,
            partner_code=partner_code,
            endpoint=self.endpoint,
            max_codes_per_query=self.max_codes_per_query,
            max_periods_per_query=self.max_periods_per_query,
            max_url_chars=self.max_url_chars,
            base_url=self.base_url,
        )

    # -- one call -------------------------------------------------------------------

    def fetch_query(self, query: ComtradeQuery) -> ComtradeResponse:
        """One HTTP call, no splitting. 429/5xx are retried by the source client."""
        params = query.params(self.cap)
        endpoint_url = self.endpoint.url(query.freq, self.base_url)
        url = str(httpx.URL(endpoint_url, params=params))
        if len(url) >= self.max_url_chars:
            raise ComtradeParamError(
                f"URL of {len(url)} characters exceeds the limit of {self.max_url_chars}: "
                f"{query.describe()}"
            )
        headers = {API_KEY_HEADER: self._api_key} if self._api_key else None
        self._error_body = b""
        try:
            fetched = self.source.get(endpoint_url, params=params, headers=headers)
        except HTTPStatusError as exc:
            raise self._status_error(exc, url) from None
        except RetryAfterTooLongError as exc:  # a wait past the cap: stop resumably, like 403
            raise _QuotaSignal(
                url,
                f"rate limited; the server asked to wait {exc.retry_after:g} s",
                exc.retry_after,
            ) from None
        answer = read_answer(fetched.content, fetched.url, self.cap)
        truncated = max(answer.count, answer.rows) >= self.cap
        return ComtradeResponse(query, fetched, answer, truncated)

    # -- a whole plan -----------------------------------------------------------------

    def fetch(
        self,
        freq: str,
        periods: Sequence[str],
        hs_codes: Sequence[str],
        *,
        state_path: Path | None = None,
        body_loader: Callable[[str], bytes] | None = None,
        on_answer: Callable[[ComtradeResponse], None] | None = None,
        reporter_code: int = INDIA,
        partner_code: int | None = None,
    ) -> FetchResult:
        """Plan and run every call for (freq, periods, codes), splitting at the row cap.

        ``reporter_code`` (default India, 699) and ``partner_code`` (default: all partners and
        World) select whose report is asked for: mirror flows pass a partner as reporter and
        ``partner_code=699``.

        If ``state_path`` names an existing state file (left by a :class:`QuotaExhaustedError`),
        the fetch resumes from it: only pending calls are made. Records of the calls completed
        before are loaded with ``body_loader`` (e.g. :func:`body_loader_from_store` on the raw
        store) when given. On quota exhaustion the state is written to ``state_path`` (if set)
        and carried on the exception; on success the state file is removed.

        ``on_answer`` streams: each complete answer is passed to it as soon as it is parsed (the
        resumed ones first, then this run's in fetch order: the order :attr:`FetchResult.batches`
        has) and is not kept, so memory does not grow with the number of answers. An exception
        it raises stops the fetch and propagates.
        """
        request = fetch_request(freq, periods, hs_codes, reporter_code, partner_code)
        if state_path is not None and Path(state_path).exists():
            state = FetchState.read(Path(state_path))
            if state.request is not None and state.request != request:
                raise ComtradeError(
                    f"state file {state_path} belongs to another request "
                    f"({state.request['freq']} {state.request['periods']}); remove it or pass "
                    "the same periods and codes"
                )
            return self.resume(
                state, state_path=state_path, body_loader=body_loader, on_answer=on_answer
            )
        return self.run(
            self.plan(
                freq, periods, hs_codes, reporter_code=reporter_code, partner_code=partner_code
            ),
            state_path=state_path,
            request=request,
            on_answer=on_answer,
        )

    def resume(
        self,
        state: FetchState,
        *,
        state_path: Path | None = None,
        body_loader: Callable[[str], bytes] | None = None,
        on_answer: Callable[[ComtradeResponse], None] | None = None,
    ) -> FetchResult:
        """Continue a fetch interrupted by :class:`QuotaExhaustedError`."""
        if state.endpoint != self.endpoint.value:
            raise ComtradeError(
                f"state was recorded on the {state.endpoint!r} endpoint, this client uses "
                f"{self.endpoint.value!r}"
            )
        resumed: list[ComtradeResponse] = []
        resumed_records = 0
        if body_loader is not None:
            for call in state.completed:
                if call.outcome == "split":
                    continue
                content = body_loader(checked_sha256(call.sha256))
                if hashlib.sha256(content).hexdigest() != call.sha256:
                    raise ComtradeStateError(
                        f"the stored body of completed call {call.url} does not hash to "
                        f"{call.sha256}",
                        state_path,
                    )
                answer = read_answer(content, call.url)
                fake = Fetched(
                    source=self.source.policy.name,
                    url=call.url,
                    requested_url=call.url,
                    status=200,
                    headers=httpx.Headers(),
                    content=content,
                    sha256=call.sha256,
                    fetched_at="",
                    replayed=True,
                )
                response = ComtradeResponse(call.query, fake, answer, False)
                if on_answer is not None:
                    on_answer(response)
                    resumed_records += answer.rows
                else:
                    resumed.append(response)
        result = self.run(
            state.pending,
            state_path=state_path,
            request=state.request,
            prior_calls=state.completed,
            prior_splits=state.splits,
            resumed_responses=resumed,
            on_answer=on_answer,
        )
        result.streamed_records += resumed_records
        return result

    def run(
        self,
        queries: Sequence[ComtradeQuery],
        *,
        state_path: Path | None = None,
        request: dict[str, Any] | None = None,
        prior_calls: Sequence[CallRecord] = (),
        prior_splits: Sequence[SplitRecord] = (),
        resumed_responses: Sequence[ComtradeResponse] = (),
        on_answer: Callable[[ComtradeResponse], None] | None = None,
    ) -> FetchResult:
        """Run explicit queries in order, splitting truncated ones depth-first (``on_answer``:
        see :meth:`fetch`)."""
        queue: deque[ComtradeQuery] = deque(queries)
        calls: list[CallRecord] = list(prior_calls)
        splits: list[SplitRecord] = list(prior_splits)
        responses: list[ComtradeResponse] = []
        streamed_records = streamed_bytes = 0
        while queue:
            query = queue.popleft()
            try:
                resp = self.fetch_query(query)
            except _QuotaSignal as sig:
                state = FetchState(
                    self.endpoint.value, calls, splits, [query, *queue], request=request
                )
                if state_path is not None:
                    state.write(Path(state_path))
                done = sum(1 for c in calls if c.outcome != "split")
                where = f"; state written to {state_path}" if state_path is not None else ""
                raise QuotaExhaustedError(
                    sig.url,
                    f"Comtrade call quota exhausted (HTTP 403: {sig.detail}). {done} calls "
                    f"completed, {len(state.pending)} pending{where}; rerun after the quota is "
                    "replenished to resume (ComtradeClient.fetch(state_path=...) or "
                    ".resume(exc.state))",
                    state,
                    retry_after_s=sig.retry_after_s,
                    state_path=Path(state_path) if state_path is not None else None,
                ) from None
            if on_answer is None:
                responses.append(resp)
            else:
                streamed_bytes += len(resp.fetched.content)
                if not resp.truncated:
                    on_answer(resp)
                    streamed_records += resp.rows
            if resp.truncated:
                try:
                    dimension, children = split_query(query)
                except ComtradeParamError:
                    raise UnsplittableQueryError(
                        resp.source_url,
                        f"{resp.rows} rows returned = the row cap of {self.cap} for a query that "
                        f"cannot be split further ({query.describe()}); the answer is truncated. "
                        "Use an API key (keyed cap 100 000) or the bulk files",
                    ) from None
                calls.append(
                    CallRecord(
                        query, resp.source_url, "split", resp.rows, resp.count, resp.raw_sha256
                    )
                )
                splits.append(SplitRecord(query, dimension, resp.rows, self.cap, children))
                queue.extendleft(reversed(children))
            else:
                outcome = "ok" if resp.rows else "no_data"
                calls.append(
                    CallRecord(
                        query, resp.source_url, outcome, resp.rows, resp.count, resp.raw_sha256
                    )
                )
        if state_path is not None and Path(state_path).exists():
            Path(state_path).unlink()
        return FetchResult(
            self.endpoint.value,
            responses,
            calls,
            splits,
            list(resumed_responses),
            streamed_records=streamed_records,
            streamed_bytes=streamed_bytes,
        )

    # -- errors ---------------------------------------------------------------------

    def _install_error_capture(self) -> None:
        """Keep the (small) body of 4xx answers so 401/403 errors can quote Comtrade.

        The shared client raises on 4xx without the body; a response hook on its httpx client
        reads it first. Best effort: without the hook the errors just lack Comtrade's message.
        """
        http = getattr(self.source, "_http", None)
        if not isinstance(http, httpx.Client):
            return

        def capture(response: httpx.Response) -> None:
            if response.status_code in (401, 403):
                response.read()
                self._error_body = response.content[:2000]

        hooks = dict(http.event_hooks)
        hooks["response"] = [*hooks.get("response", []), capture]
        http.event_hooks = hooks

    def _status_error(self, exc: HTTPStatusError, url: str) -> Exception:
        detail = _apim_message(self._error_body)
        if exc.status == 403:
            return _QuotaSignal(url, detail or "Forbidden", _quota_reset_seconds(detail))
        if exc.status == 401:
            hint = (
                f"set {API_KEY_ENV_VAR} to a valid Comtrade subscription key"
                if self._api_key is None
                else f"the key in {API_KEY_ENV_VAR} was refused"
            )
            return ComtradeAuthError(
                url, f"HTTP 401 unauthorised ({detail or 'invalid subscription key'}); {hint}"
            )
        return ComtradeAPIError(url, f"HTTP {exc.status}" + (f": {detail}" if detail else ""))


class _QuotaSignal(ComtradeError):
    def __init__(self, url: str, detail: str, retry_after_s: float | None) -> None:
        self.url = url
        self.detail = detail
        self.retry_after_s = retry_after_s
        super().__init__(detail)


def _apim_message(body: bytes) -> str:
    """Azure APIM error body ``{"statusCode":403,"message":"..."}`` -> message."""
    if not body:
        return ""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    if isinstance(parsed, dict):
        for key in ("message", "error", "Message"):
            if parsed.get(key):
                return str(parsed[key])
    return text[:200]


def _quota_reset_seconds(message: str) -> float | None:
    """ "Quota will be replenished in 03:14:17." -> 11657.0"""
    m = re.search(r"replenished in (\d+):(\d\d):(\d\d)", message)
    if not m:
        return None
    h, mi, s = (int(g) for g in m.groups())
    return float(h * 3600 + mi * 60 + s)

"""The one HTTP source client: ``live``, ``record`` and ``replay`` through the same code.

* ``live``: httpx over the network.
* ``record``: live, and every hop (redirects included) is appended to a snapshot directory.
* ``replay``: every hop is served from a snapshot directory by an httpx transport, so redirects,
  cookies, retries, size caps and parsing run exactly as they do live. A request that is not
  in the snapshot raises :class:`NotInSnapshotError`; replay never touches the network.

Every mode also writes the final response of each request into the raw store (same format as a
snapshot, see :mod:`pipelines.snapshot`), so a partition can be re-parsed from it later.

Politeness, retries and back-off use an injected clock and sleeper. In replay the default clock is
virtual: waits are counted, not slept, which lets tests check "one request per second" exactly.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from pipelines.snapshot import (
    DEFAULT_IGNORED_FORM_FIELDS,
    SnapshotReader,
    SnapshotWriter,
    kept_headers,
    request_key,
    significant_form,
)


class Mode(StrEnum):
    LIVE = "live"
    RECORD = "record"
    REPLAY = "replay"


BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class SourcePolicy:
    """How one source is fetched: who we may talk to, how politely, and how hard we retry."""

    name: str
    allowed_hosts: frozenset[str]
    min_interval_s: float = 1.0
    max_attempts: int = 4
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    max_retry_after_s: float = 300.0
    max_bytes: int = 20 * 1024 * 1024
    timeout_s: float = 60.0
    max_redirects: int = 8
    headers: tuple[tuple[str, str], ...] = ()
    ignored_form_fields: tuple[str, ...] = DEFAULT_IGNORED_FORM_FIELDS
    secret_params: tuple[str, ...] = ("subscription-key",)
    secret_headers: tuple[str, ...] = ("ocp-apim-subscription-key",)


# --------------------------------------------------------------------------- errors


class SourceHTTPError(Exception):
    """Base class: every error names the source and the URL."""

    def __init__(self, source: str, url: str, message: str, status: int | None = None):
        self.source = source
        self.url = url
        self.status = status
        super().__init__(
            f"[{source}] {message} (url={url}" + (f", status={status})" if status else ")")
        )


class HostNotAllowedError(SourceHTTPError):
    pass


class ResponseTooLargeError(SourceHTTPError):
    pass


class NotInSnapshotError(SourceHTTPError):
    pass


class HTTPStatusError(SourceHTTPError):
    """A status we do not retry (404, 401, ...)."""


class GaveUpError(SourceHTTPError):
    """Retries exhausted."""

    def __init__(self, source: str, url: str, attempts: int, last: str, status: int | None):
        self.attempts = attempts
        super().__init__(source, url, f"gave up after {attempts} attempts; last: {last}", status)


class _Retryable(Exception):
    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


# --------------------------------------------------------------------------- clocks


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class VirtualClock:
    """A clock that advances only when slept on; keeps every sleep for inspection."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.t += seconds


# --------------------------------------------------------------------------- transports


class ReplayTransport(httpx.BaseTransport):
    """Serves recorded exchanges; raises NotInSnapshotError for anything else."""

    def __init__(self, policy: SourcePolicy, reader: SnapshotReader) -> None:
        self.policy = policy
        self.reader = reader

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        form = _form_of(request, self.policy)
        key = request_key(request.method, str(request.url), form, self.policy.secret_params)
        ex = self.reader.next_for(key)
        if ex is None:
            raise NotInSnapshotError(
                self.policy.name,
                _redact(str(request.url), self.policy),
                f"replay: no recorded response for request {key!r} in {self.reader.root}",
            )
        sent = _cookie_names(request)
        missing = [c for c in ex.request_cookies if c not in sent]
        if missing:
            raise NotInSnapshotError(
                self.policy.name,
                str(request.url),
                f"replay: recorded request carried cookies {missing} that this request lacks",
            )
        headers = [(k, v) for k, vs in ex.headers.items() for v in vs.split("\n")]
        return httpx.Response(
            ex.status,
            headers=headers,
            content=self.reader.body(ex),
            request=request,
            extensions={"recorded_at": ex.fetched_at, "recorded_url": ex.url},
        )


class RecordingTransport(httpx.BaseTransport):
    """Wraps a live transport and appends every hop to a snapshot directory."""

    def __init__(self, policy: SourcePolicy, inner: httpx.BaseTransport, writer: SnapshotWriter):
        self.policy = policy
        self.inner = inner
        self.writer = writer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        form = _form_of(request, self.policy)
        headers = kept_headers(response.headers)
        headers.pop("content-encoding", None)  # the stored body is already decoded
        self.writer.write(
            key=request_key(request.method, str(request.url), form, self.policy.secret_params),
            method=request.method,
            url=_redact(str(request.url), self.policy),
            form=form,
            request_cookies=sorted(_cookie_names(request)),
            status=response.status_code,
            headers=headers,
            content=content,
            fetched_at=_utcnow(),
        )
        return httpx.Response(
            response.status_code,
            headers=[
                (k, v)
                for k, v in response.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length")
            ],
            content=content,
            request=request,
        )

    def close(self) -> None:
        self.inner.close()


def _form_of(request: httpx.Request, policy: SourcePolicy) -> dict[str, str]:
    if request.method.upper() != "POST":
        return {}
    ctype = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" not in ctype:
        return {}
    return significant_form(request.content, policy.ignored_form_fields)


def _cookie_names(request: httpx.Request) -> set[str]:
    raw = request.headers.get("cookie", "")
    return {p.split("=", 1)[0].strip() for p in raw.split(";") if "=" in p}


def _redact(url: str, policy: SourcePolicy) -> str:
    parts = urlsplit(url)
    if not parts.query or not any(p in parts.query for p in policy.secret_params):
        return url
    from urllib.parse import parse_qsl, urlencode, urlunsplit

    q = [(k, "REDACTED" if k in policy.secret_params else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(q), ""))


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- results


@dataclass
class Fetched:
    """A final (post-redirect) response, fully read."""

    source: str
    url: str
    requested_url: str
    status: int
    headers: httpx.Headers
    content: bytes
    sha256: str
    fetched_at: str
    replayed: bool
    redirects: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8-sig", errors="replace")

    def json(self):
        import json

        return json.loads(self.text)


@dataclass
class ClientStats:
    requests: int = 0
    live: int = 0
    replayed: int = 0
    retries: int = 0
    bytes: int = 0
    slept_s: float = 0.0

    def as_metadata(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "requests_live": self.live,
            "requests_replayed": self.replayed,
            "retries": self.retries,
            "bytes": self.bytes,
        }


# --------------------------------------------------------------------------- client


class SourceClient:
    """One per source. Thread-safe enough for sequential use from one asset."""

    def __init__(
        self,
        policy: SourcePolicy,
        mode: Mode | str = Mode.REPLAY,
        *,
        snapshot_dir: Path | None = None,
        raw_dir: Path | None = None,
        clock: RealClock | VirtualClock | None = None,
        live_transport: httpx.BaseTransport | None = None,
        rng: random.Random | None = None,
        replay_latest: bool = False,
    ) -> None:
        """``replay_latest`` serves the newest recording of each request (raw-store re-parse)
        instead of replaying a recorded sequence in order."""
        self.policy = policy
        self.mode = Mode(mode)
        self.stats = ClientStats()
        self.clock = clock or (VirtualClock() if self.mode is Mode.REPLAY else RealClock())
        self._rng = rng or random.Random()
        self._last_request_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._raw = SnapshotWriter(Path(raw_dir)) if raw_dir else None

        if self.mode is Mode.REPLAY:
            if snapshot_dir is None:
                raise ValueError(f"[{policy.name}] replay mode needs a snapshot directory")
            reader = SnapshotReader(snapshot_dir, prefer="latest" if replay_latest else "sequence")
            transport: httpx.BaseTransport = ReplayTransport(policy, reader)
        else:
            inner = live_transport or httpx.HTTPTransport(retries=0)
            if self.mode is Mode.RECORD:
                if snapshot_dir is None:
                    raise ValueError(f"[{policy.name}] record mode needs a snapshot directory")
                transport = RecordingTransport(policy, inner, SnapshotWriter(snapshot_dir))
            else:
                transport = inner
        headers = {"User-Agent": BROWSER_UA, **dict(policy.headers)}
        self._http = httpx.Client(
            transport=transport,
            headers=headers,
            follow_redirects=True,
            max_redirects=policy.max_redirects,
            timeout=policy.timeout_s,
            event_hooks={"request": [self._before_hop]},
        )

    # -- public API -----------------------------------------------------------------

    def get(self, url: str, *, params: dict | None = None, headers: dict | None = None) -> Fetched:
        return self.request("GET", url, params=params, headers=headers)

    def post_form(self, url: str, data: dict[str, str], *, headers: dict | None = None) -> Fetched:
        return self.request("POST", url, data=data, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict | None = None,
        data: dict[str, str] | None = None,
        headers: dict | None = None,
    ) -> Fetched:
        request = self._http.build_request(method, url, params=params, data=data, headers=headers)
        shown_url = _redact(str(request.url), self.policy)
        last: list[_Retryable] = []

        def attempt() -> Fetched:
            try:
                return self._send_once(request, shown_url)
            except _Retryable as exc:
                last[:] = [exc]
                self.stats.retries += 1
                raise

        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            reraise=False,
        )
        try:
            return retrying(attempt)
        except RetryError:
            exc = last[0] if last else None
            self.stats.retries -= 1  # the last failure was not followed by a retry
            raise GaveUpError(
                self.policy.name,
                shown_url,
                self.policy.max_attempts,
                str(exc) if exc else "unknown",
                exc.status if exc else None,
            ) from None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        self.stats.slept_s += seconds
        self.clock.sleep(seconds)

    def _wait(self, retry_state) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.max_retry_after_s)
        n = retry_state.attempt_number
        base = min(self.policy.backoff_base_s * (2 ** (n - 1)), self.policy.backoff_max_s)
        return base + self._rng.uniform(0, self.policy.backoff_base_s)

    def _before_hop(self, request: httpx.Request) -> None:
        """Runs for every hop, redirects included: allow-list, then politeness delay."""
        host = request.url.host.lower()
        if host not in self.policy.allowed_hosts:
            raise HostNotAllowedError(
                self.policy.name,
                _redact(str(request.url), self.policy),
                f"host {host!r} is not on the allow-list {sorted(self.policy.allowed_hosts)}",
            )
        site = host.removeprefix("www.")  # www.x and x are one site for politeness
        with self._lock:
            last = self._last_request_at.get(site)
            if last is not None:
                wait = self.policy.min_interval_s - (self.clock.now() - last)
                if wait > 0:
                    self._sleep(wait)
            self._last_request_at[site] = self.clock.now()

    def _send_once(self, request: httpx.Request, shown_url: str) -> Fetched:
        try:
            response = self._http.send(request, stream=True)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            if isinstance(exc, httpx.TooManyRedirects):
                raise HTTPStatusError(self.policy.name, shown_url, "too many redirects") from exc
            if isinstance(exc, NotInSnapshotError | HostNotAllowedError):
                raise
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        except SourceHTTPError:
            raise
        try:
            content = self._read_capped(response, shown_url)
        finally:
            response.close()

        self.stats.requests += 1
        if self.mode is Mode.REPLAY:
            self.stats.replayed += 1 + len(response.history)
        else:
            self.stats.live += 1 + len(response.history)
        status = response.status_code
        if status in self.policy.retry_statuses:
            raise _Retryable(
                f"HTTP {status}", status=status, retry_after=_retry_after(response.headers)
            )
        if status >= 400:
            raise HTTPStatusError(self.policy.name, shown_url, f"HTTP {status}", status)

        self.stats.bytes += len(content)
        fetched = Fetched(
            source=self.policy.name,
            # the raw store records a redirect chain's final URL; replay reports it again
            url=response.extensions.get("recorded_url") or _redact(str(response.url), self.policy),
            requested_url=shown_url,
            status=status,
            headers=response.headers,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            # replay reports when the body was originally fetched, so reruns are identical
            fetched_at=response.extensions.get("recorded_at") or _utcnow(),
            replayed=self.mode is Mode.REPLAY,
            redirects=[_redact(str(r.url), self.policy) for r in response.history],
        )
        if self._raw is not None:
            form = _form_of(request, self.policy)
            self._raw.write(
                key=request_key(request.method, str(request.url), form, self.policy.secret_params),
                method=request.method,
                url=fetched.url,
                form=form,
                request_cookies=[],
                status=status,
                headers={
                    k: v
                    for k, v in kept_headers(response.headers).items()
                    if k != "content-encoding"
                },
                content=content,
                fetched_at=fetched.fetched_at,
            )
        return fetched

    def _read_capped(self, response: httpx.Response, shown_url: str) -> bytes:
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLargeError(
                self.policy.name, shown_url, f"declared size {declared} bytes exceeds cap {cap}"
            )
        chunks, total = [], 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > cap:
                raise ResponseTooLargeError(
                    self.policy.name, shown_url, f"body exceeds cap of {cap} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())

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

Faults (the matrix the fault suite proves is ``docs/fault_matrix.md``):

* **Transport** errors while connecting, sending, reading headers *or reading the body* (reset,
  short body, stall, malformed answer) are retried with back-off; when the attempts run out the
  request ends in :class:`GaveUpError` naming the URL, the number of attempts and the cause.
* **Deadline**: one attempt (every hop of a redirect chain, headers and body) may take at most
  ``SourcePolicy.deadline_s`` seconds of wall-clock time, whatever the server trickles. Every
  socket read, write and connect is bounded by the time left, so the deadline holds even while
  headers trickle in. An attempt past its deadline is retried like a timeout.
* **Retry-After** (or Comtrade's "Try again in N seconds" when the header is missing) is honoured
  up to ``SourcePolicy.max_retry_after_s``; beyond it the request fails at once with
  :class:`RetryAfterTooLongError`, which carries the wait so a caller can resume later.
* **Bodies** (good answers, error answers and redirect hops alike) are read by one guard under
  ``SourcePolicy.max_bytes``, after bounded decompression (gzip/deflate, never more than the cap
  in memory): a gzip bomb is refused with :class:`ResponseTooLargeError`.
* **Allow-list** on scheme, host and port for every hop; secret headers are never sent to
  another origin than the first hop's.
* **Secrets** (values of ``secret_headers`` and ``secret_params``) are replaced by ``***`` in
  every body, header, URL, exception message and log line that leaves the client.
* **Every** exception leaving :meth:`SourceClient.request` is a :class:`SourceHTTPError`.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import math
import random
import re
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

import httpcore
import httpx
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from pipelines.snapshot import (
    DEFAULT_IGNORED_FORM_FIELDS,
    SnapshotError,
    SnapshotReader,
    SnapshotWriter,
    kept_headers,
    request_key,
    significant_form,
)

log = logging.getLogger(__name__)


class Mode(StrEnum):
    LIVE = "live"
    RECORD = "record"
    REPLAY = "replay"


BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

#: Content codings the client can decode under the size cap (and therefore asks for).
ACCEPT_ENCODING = "gzip, deflate"


@dataclass(frozen=True)
class SourcePolicy:
    """How one source is fetched: who we may talk to, how politely, and how hard we retry.

    ``allowed_hosts`` holds host names (default port of the scheme only) and ``host:port``
    entries (that explicit port only). ``timeout_s`` bounds each socket operation,
    ``deadline_s`` one whole attempt. ``max_retry_after_s`` is the longest server-requested wait
    the client sleeps; a longer one raises :class:`RetryAfterTooLongError` at once.
    """

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
    deadline_s: float = 120.0
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
    """A hop to a scheme, host or port that is not on the source's allow-list."""


class ResponseTooLargeError(SourceHTTPError):
    """A body (declared, raw or decompressed) over ``SourcePolicy.max_bytes``."""


class NotInSnapshotError(SourceHTTPError):
    pass


class CorruptSnapshotError(SourceHTTPError):
    """A snapshot entry cannot be served: unsafe body name or missing body file."""


class ContentDecodingError(SourceHTTPError):
    """A body whose ``Content-Encoding`` is unsupported or whose compressed data is corrupt."""


class TooManyRedirectsError(SourceHTTPError):
    """A redirect chain longer than ``SourcePolicy.max_redirects`` (a loop, usually)."""


class StoreWriteError(SourceHTTPError):
    """The raw store or the snapshot being recorded could not be written."""


class RequestFailedError(SourceHTTPError):
    """Any other failure of a request (invalid URL, protocol misuse, a bug in a hook)."""


class HTTPStatusError(SourceHTTPError):
    """A status we do not retry (404, 401, ...).

    ``body`` holds the first bytes of the (capped, scrubbed) error body; ``retry_after`` the
    server's ``Retry-After`` in seconds, when it sent one.
    """

    def __init__(
        self,
        source: str,
        url: str,
        message: str,
        status: int | None = None,
        *,
        body: bytes = b"",
        retry_after: float | None = None,
    ):
        self.body = body
        self.retry_after = retry_after
        super().__init__(source, url, message, status)


class GaveUpError(SourceHTTPError):
    """Retries exhausted. ``attempts`` were made; ``cause`` names the last error's type."""

    def __init__(
        self,
        source: str,
        url: str,
        attempts: int,
        last: str,
        status: int | None,
        *,
        cause: str | None = None,
    ):
        self.attempts = attempts
        self.cause = cause
        super().__init__(source, url, f"gave up after {attempts} attempts; last: {last}", status)


class RetryAfterTooLongError(SourceHTTPError):
    """The server asked for a longer wait than ``max_retry_after_s``: resumable, not retried.

    ``retry_after`` is the wait the server asked for (seconds, may be ``inf``).
    """

    def __init__(
        self, source: str, url: str, status: int, retry_after: float, max_retry_after: float
    ):
        self.retry_after = retry_after
        self.max_retry_after = max_retry_after
        super().__init__(
            source,
            url,
            f"server asked to retry after {retry_after:g} s, more than this source's cap of "
            f"{max_retry_after:g} s; not waiting, resume after that time",
            status,
        )


class _Retryable(Exception):
    def __init__(
        self,
        reason: str,
        status: int | None = None,
        retry_after: float | None = None,
        cause: str | None = None,
    ):
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after
        self.cause = cause or (f"HTTP {status}" if status else None)


# --------------------------------------------------------------------------- secrets

#: What a secret is replaced by in bodies, headers, URLs and messages.
MASK = "***"
#: Shorter values are not treated as secrets: masking them would corrupt ordinary text.
MIN_SECRET_LEN = 6


def scrub(value: str, secrets: Iterable[str]) -> str:
    """``value`` with every occurrence of every secret replaced by :data:`MASK`."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in value:
            value = value.replace(secret, MASK)
    return value


def scrub_bytes(value: bytes, secrets: Iterable[str]) -> bytes:
    """:func:`scrub` for bodies and raw header values (UTF-8)."""
    mask = MASK.encode()
    for secret in sorted(secrets, key=len, reverse=True):
        raw = secret.encode("utf-8", "replace")
        if raw and raw in value:
            value = value.replace(raw, mask)
    return value


#: Every secret any client in this process has learnt: log lines of httpx and httpcore (which
#: print URLs and response headers) are masked with it, whichever client they come from.
_PROCESS_SECRETS: set[str] = set()
_PROCESS_SECRETS_LOCK = threading.Lock()


class _MaskSecretsInLogs(logging.Filter):
    """Masks secrets in a log record's final message (attached to the loggers below)."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = tuple(_PROCESS_SECRETS)
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's business
            return True
        masked = scrub(message, secrets)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


#: Loggers that may print a URL, a header or a body excerpt (logger filters are per logger).
LOGGERS_MASKED = (
    __name__,
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_LOG_FILTER = _MaskSecretsInLogs()
for _name in LOGGERS_MASKED:
    logging.getLogger(_name).addFilter(_LOG_FILTER)


class SecretScrubber:
    """The secret values one client has seen, and the one place they are masked.

    A value is learnt from every request (headers in ``secret_headers``, query and form fields
    in ``secret_params``) before it is sent, and from the policy's fixed headers; its
    percent-encoded forms are masked too.
    """

    def __init__(self, policy: SourcePolicy) -> None:
        self._headers = {h.lower() for h in policy.secret_headers}
        self._params = set(policy.secret_params)
        self._values: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        for name, value in policy.headers:
            if name.lower() in self._headers:
                self.add(value)

    @property
    def values(self) -> frozenset[str]:
        return self._values

    def add(self, value: str) -> None:
        value = value.strip()
        if len(value) < MIN_SECRET_LEN:
            return
        forms = {value, quote(value, safe=""), quote_plus(value, safe="")}
        with self._lock:
            self._values = self._values | forms
        with _PROCESS_SECRETS_LOCK:
            _PROCESS_SECRETS.update(forms)

    def learn(self, request: httpx.Request) -> None:
        for name in self._headers:
            for value in request.headers.get_list(name):
                self.add(value)
        for name, value in request.url.params.multi_items():
            if name in self._params:
                self.add(value)
        if request.method.upper() == "POST" and self._params:
            ctype = request.headers.get("content-type", "")
            if "application/x-www-form-urlencoded" in ctype:
                try:
                    body = request.content.decode("utf-8", "replace")
                except httpx.RequestNotRead:  # a streamed body: nothing to learn from
                    return
                for name, value in parse_qsl(body, keep_blank_values=True):
                    if name in self._params:
                        self.add(value)

    def text(self, value: str) -> str:
        return scrub(value, self._values) if self._values else value

    def bytes(self, value: bytes) -> bytes:
        return scrub_bytes(value, self._values) if self._values else value

    def error(self, exc: SourceHTTPError) -> SourceHTTPError:
        """Mask the secrets in an error's message and attributes (in place)."""
        exc.args = tuple(self.text(a) if isinstance(a, str) else a for a in exc.args)
        exc.url = self.text(exc.url)
        if isinstance(getattr(exc, "body", None), bytes):
            exc.body = self.bytes(exc.body)  # type: ignore[attr-defined]
        return exc


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


# --------------------------------------------------------------------------- deadline

#: Wall-clock (``time.monotonic``) instant the current attempt must end by, or None.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "cmw_http_deadline", default=None
)


def _time_left(timeout: float | None, exc_type: type[Exception]) -> float | None:
    """``timeout`` shortened to the current attempt's deadline; raises once it has passed."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise exc_type("request deadline exceeded")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read, write and TLS handshake ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.start_tls(
                ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout)
            )
        )

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        left = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.connect_tcp(host, port, left, local_address, socket_options)
        )

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        left = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bound_sockets_by_deadline(transport: httpx.BaseTransport) -> None:
    """Make an ``httpx.HTTPTransport``'s sockets honour the attempt deadline.

    httpcore reads the read timeout once per response, so a server that sends one byte just
    before each timeout would never time out; the wrapped backend shortens every socket
    operation to the time left. Transports of other kinds are only checked between chunks.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _DeadlineBackend):
        pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- bodies

_INFLATE_CHUNK = 64 * 1024
_CODING_ALIASES = {"x-gzip": "gzip", "identity": "identity", "gzip": "gzip", "deflate": "deflate"}


class _Corrupt(Exception):
    pass


class _Inflater:
    """One gzip or deflate stage that never returns more than ``limit`` bytes in total."""

    def __init__(self, coding: str, limit: int, too_large: Callable[[], Exception]) -> None:
        self.coding = coding
        self.limit = limit
        self.too_large = too_large
        self.total = 0
        self.seen_input = False
        self._first_feed = True
        self._d = self._new()

    def _new(self, raw_deflate: bool = False):
        if self.coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        first, self._first_feed = self._first_feed, False
        self.seen_input = self.seen_input or bool(data)
        buf, pending = data, False
        while True:
            if self._d.eof:
                tail = self._d.unused_data + buf
                if self.coding == "gzip" and tail[:2] == b"\x1f\x8b":  # another gzip member
                    self._d, buf = self._new(), tail
                    continue
                return  # bytes after the end of the stream are ignored, as httpx does
            if not buf and not pending:
                return
            try:
                piece = self._d.decompress(buf, _INFLATE_CHUNK)
            except zlib.error as exc:
                if first and self.coding == "deflate" and self.total == 0:
                    first, self._d = False, self._new(raw_deflate=True)  # raw deflate (no header)
                    continue
                raise _Corrupt(f"{self.coding}: {exc}") from None
            buf = self._d.unconsumed_tail
            pending = len(piece) == _INFLATE_CHUNK  # more output may wait inside zlib
            self.total += len(piece)
            if self.total > self.limit:
                raise self.too_large()
            if piece:
                yield piece

    @property
    def complete(self) -> bool:
        return self._d.eof or not self.seen_input


class _GuardedBody(httpx.SyncByteStream):
    """Reads a response body once: decoded, capped, within the deadline, then scrubbed."""

    def __init__(
        self,
        inner: httpx.SyncByteStream,
        codings: list[str],
        cap: int,
        request: httpx.Request,
        too_large: Callable[[str], Exception],
        corrupt: Callable[[str], Exception],
        scrubber: SecretScrubber,
    ) -> None:
        self._inner = inner
        self._codings = codings
        self._cap = cap
        self._request = request
        self._too_large = too_large
        self._corrupt = corrupt
        self._scrubber = scrubber

    def __iter__(self) -> Iterator[bytes]:
        cap = self._cap
        stages = [
            _Inflater(c, cap, lambda: self._too_large(f"decompressed body exceeds cap of {cap}"))
            for c in reversed(self._codings)
            if c != "identity"
        ]
        out, raw = bytearray(), 0
        try:
            for chunk in self._inner:
                raw += len(chunk)
                if raw > cap:
                    raise self._too_large(f"body exceeds cap of {cap} bytes")
                pieces: Iterable[bytes] = (chunk,)
                for stage in stages:
                    pieces = [p for piece in pieces for p in stage.feed(piece)]
                for piece in pieces:
                    out += piece
                if len(out) > cap:
                    raise self._too_large(f"body exceeds cap of {cap} bytes")
                _time_left(None, httpx.ReadTimeout)  # deadline between chunks (any transport)
        except _Corrupt as exc:
            raise self._corrupt(f"corrupt compressed body ({exc})") from None
        if not all(stage.complete for stage in stages):
            raise httpx.RemoteProtocolError(
                f"compressed body ended early ({raw} bytes received)", request=self._request
            )
        yield self._scrubber.bytes(bytes(out))

    def close(self) -> None:
        self._inner.close()


def _content_codings(headers: httpx.Headers) -> list[str]:
    codings = []
    for value in headers.get_list("content-encoding"):
        codings += [c.strip().lower() for c in value.split(",") if c.strip()]
    return codings


class GuardTransport(httpx.BaseTransport):
    """Wraps every transport: each hop's body is decoded here, under the cap, and scrubbed.

    The response it returns carries the decoded body (no ``Content-Encoding`` or
    ``Content-Length``), so whoever reads it (the client, an event hook, the recorder) reads at
    most ``max_bytes`` and never sees a secret.
    """

    def __init__(
        self, policy: SourcePolicy, inner: httpx.BaseTransport, scrubber: SecretScrubber
    ) -> None:
        self.policy = policy
        self.inner = inner
        self.scrubber = scrubber

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.scrubber.learn(request)
        response = self.inner.handle_request(request)
        try:
            return self._guarded(request, response)
        except BaseException:
            response.close()
            raise

    def _guarded(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        name, cap = self.policy.name, self.policy.max_bytes
        url = self.scrubber.text(_redact(str(request.url), self.policy))
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLargeError(
                name, url, f"declared size {declared} bytes exceeds cap {cap}", response.status_code
            )
        codings = [_CODING_ALIASES.get(c, c) for c in _content_codings(response.headers)]
        unsupported = [c for c in codings if c not in _CODING_ALIASES.values()]
        if unsupported:
            raise ContentDecodingError(
                name, url, f"unsupported Content-Encoding {unsupported}", response.status_code
            )
        status = response.status_code
        headers = [
            (k, self.scrubber.bytes(v))
            for k, v in response.headers.raw
            if k.lower() not in (b"content-encoding", b"content-length")
        ]
        body = _GuardedBody(
            response.stream,
            codings,
            cap,
            request,
            lambda msg: ResponseTooLargeError(name, url, msg, status),
            lambda msg: ContentDecodingError(name, url, msg, status),
            self.scrubber,
        )
        return httpx.Response(
            status, headers=headers, stream=body, request=request, extensions=response.extensions
        )

    def close(self) -> None:
        self.inner.close()


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
                _redact(str(request.url), self.policy),
                f"replay: recorded request carried cookies {missing} that this request lacks",
            )
        try:
            content = self.reader.body(ex)
        except (SnapshotError, OSError) as exc:
            raise CorruptSnapshotError(
                self.policy.name,
                _redact(str(request.url), self.policy),
                f"replay: cannot serve {key!r} from {self.reader.root}: {exc}",
            ) from None
        headers = [(k, v) for k, vs in ex.headers.items() for v in vs.split("\n")]
        return httpx.Response(
            ex.status,
            headers=headers,
            content=content,
            request=request,
            extensions={"recorded_at": ex.fetched_at, "recorded_url": ex.url},
        )


class RecordingTransport(httpx.BaseTransport):
    """Wraps a (guarded) live transport and appends every hop to a snapshot directory."""

    def __init__(
        self,
        policy: SourcePolicy,
        inner: httpx.BaseTransport,
        writer: SnapshotWriter,
        scrubber: SecretScrubber | None = None,
    ):
        self.policy = policy
        self.inner = inner
        self.writer = writer
        self.scrubber = scrubber or SecretScrubber(policy)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.scrubber.learn(request)
        response = self.inner.handle_request(request)
        try:
            content = self.scrubber.bytes(response.read())  # capped by the guard underneath
        finally:
            response.close()
        form = {k: self.scrubber.text(v) for k, v in _form_of(request, self.policy).items()}
        headers = kept_headers(response.headers)
        headers.pop("content-encoding", None)  # the stored body is already decoded
        url = self.scrubber.text(_redact(str(request.url), self.policy))
        try:
            self.writer.write(
                key=self.scrubber.text(
                    request_key(request.method, str(request.url), form, self.policy.secret_params)
                ),
                method=request.method,
                url=url,
                form=form,
                request_cookies=sorted(_cookie_names(request)),
                status=response.status_code,
                headers={k: self.scrubber.text(v) for k, v in headers.items()},
                content=content,
                fetched_at=_utcnow(),
            )
        except OSError as exc:
            raise StoreWriteError(
                self.policy.name, url, f"cannot record into {self.writer.root}: {exc}"
            ) from None
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
    q = [(k, "REDACTED" if k in policy.secret_params else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(q), ""))


def _utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _allowed_origins(hosts: Iterable[str]) -> frozenset[tuple[str, int | None]]:
    """``{"a.org", "b.org:8443"}`` -> ``{("a.org", None), ("b.org", 8443)}``."""
    out = set()
    for entry in hosts:
        host, sep, port = entry.strip().lower().rpartition(":")
        if sep and port.isdigit() and host and not host.endswith(":"):
            out.add((host.strip("[]"), int(port)))
        else:
            out.add((entry.strip().lower(), None))
    return frozenset(out)


# --------------------------------------------------------------------------- results


@dataclass
class Fetched:
    """A final (post-redirect) response, fully read (secrets already masked)."""

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

#: httpx errors that mean "this attempt failed on the way", worth another attempt.
_RETRYABLE_HTTPX = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)

#: Comtrade (Azure APIM) 429 text: "Rate limit is exceeded. Try again in 2 seconds."
_TRY_AGAIN = re.compile(rb"try again in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


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
        self._allowed = _allowed_origins(policy.allowed_hosts)
        self._origin: tuple[str, str, int | None] | None = None
        self.secrets = SecretScrubber(policy)

        if self.mode is Mode.REPLAY:
            if snapshot_dir is None:
                raise ValueError(f"[{policy.name}] replay mode needs a snapshot directory")
            reader = SnapshotReader(snapshot_dir, prefer="latest" if replay_latest else "sequence")
            transport: httpx.BaseTransport = GuardTransport(
                policy, ReplayTransport(policy, reader), self.secrets
            )
        else:
            inner = live_transport or httpx.HTTPTransport(retries=0)
            _bound_sockets_by_deadline(inner)
            transport = GuardTransport(policy, inner, self.secrets)
            if self.mode is Mode.RECORD:
                if snapshot_dir is None:
                    raise ValueError(f"[{policy.name}] record mode needs a snapshot directory")
                transport = RecordingTransport(
                    policy, transport, SnapshotWriter(snapshot_dir), self.secrets
                )
        headers = {"User-Agent": BROWSER_UA, "Accept-Encoding": ACCEPT_ENCODING}
        headers.update(dict(policy.headers))
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
        """One request, retried per the policy. Raises only :class:`SourceHTTPError`s."""
        try:
            return self._request(method, url, params=params, data=data, headers=headers)
        except SourceHTTPError as exc:
            raise self.secrets.error(exc) from None
        except Exception as exc:  # nothing untyped leaves the client
            where = traceback.extract_tb(exc.__traceback__)[-1:]
            at = f" at {Path(where[0].filename).name}:{where[0].lineno}" if where else ""
            err = RequestFailedError(
                self.policy.name,
                self._shown(url),
                f"request failed: {type(exc).__name__}: {exc}{at}",
            )
            raise self.secrets.error(err) from None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------

    def _shown(self, url: str) -> str:
        """A URL as it may appear in messages: secret parameters redacted, secrets masked."""
        return self.secrets.text(_redact(url, self.policy))

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: dict | None,
        data: dict[str, str] | None,
        headers: dict | None,
    ) -> Fetched:
        request = self._http.build_request(method, url, params=params, data=data, headers=headers)
        self.secrets.learn(request)
        shown_url = self._shown(str(request.url))
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
            err = GaveUpError(
                self.policy.name,
                shown_url,
                self.policy.max_attempts,
                self.secrets.text(str(exc)) if exc else "unknown",
                exc.status if exc else None,
                cause=exc.cause if exc else None,
            )
            raise err from None

    def _sleep(self, seconds: float) -> None:
        self.stats.slept_s += seconds
        self.clock.sleep(seconds)

    def _wait(self, retry_state) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        n = retry_state.attempt_number
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            wait = min(exc.retry_after, self.policy.max_retry_after_s)
        else:
            base = min(self.policy.backoff_base_s * (2 ** (n - 1)), self.policy.backoff_max_s)
            wait = base + self._rng.uniform(0, self.policy.backoff_base_s)
        log.info(
            "[%s] attempt %d of %d failed (%s); retrying in %.1f s",
            self.policy.name,
            n,
            self.policy.max_attempts,
            self.secrets.text(str(exc)),
            wait,
        )
        return wait

    def _check_hop(self, url: httpx.URL) -> None:
        scheme, host, port = url.scheme, url.host.lower(), url.port
        problem = None
        if scheme not in _DEFAULT_PORTS:
            problem = f"scheme {scheme!r} is not allowed (http and https only)"
        elif port is None or port == _DEFAULT_PORTS[scheme]:
            if (host, None) not in self._allowed and (host, _DEFAULT_PORTS[scheme]) not in (
                self._allowed
            ):
                problem = f"host {host!r} is not on the allow-list"
        elif (host, port) not in self._allowed:
            problem = (
                f"host {host!r} on port {port} is not on the allow-list (a port other than "
                "the scheme's default must be allowed as host:port)"
            )
        if problem:
            raise HostNotAllowedError(
                self.policy.name,
                self._shown(str(url)),
                f"{problem} {sorted(self.policy.allowed_hosts)}",
            )

    def _before_hop(self, request: httpx.Request) -> None:
        """Runs for every hop, redirects included: allow-list, secrets, politeness delay."""
        self.secrets.learn(request)
        self._check_hop(request.url)
        origin = (request.url.scheme, request.url.host.lower(), request.url.port)
        if self._origin is not None and origin != self._origin:
            for name in self.policy.secret_headers:  # secrets go to the first origin only
                if name in request.headers:
                    del request.headers[name]
        site = origin[1].removeprefix("www.")  # www.x and x are one site for politeness
        with self._lock:
            last = self._last_request_at.get(site)
            if last is not None:
                wait = self.policy.min_interval_s - (self.clock.now() - last)
                if wait > 0:
                    started = time.monotonic()
                    self._sleep(wait)
                    deadline = _DEADLINE.get()
                    if deadline is not None:  # deliberate waits do not eat the deadline
                        _DEADLINE.set(deadline + time.monotonic() - started)
            self._last_request_at[site] = self.clock.now()

    def _describe(self, exc: Exception, deadline: float) -> str:
        text = self.secrets.text(str(exc))
        name = type(exc).__name__
        if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline - 0.01:
            return f"deadline of {self.policy.deadline_s:g} s exceeded ({name})"
        return f"{name}: {text}" if text else name

    def _send_once(self, request: httpx.Request, shown_url: str) -> Fetched:
        deadline = time.monotonic() + self.policy.deadline_s
        token = _DEADLINE.set(deadline)
        self._origin = (request.url.scheme, request.url.host.lower(), request.url.port)
        try:
            response = self._http.send(request, stream=True)
            try:
                content = self._read_capped(response, shown_url)
            finally:
                response.close()
        except SourceHTTPError:
            raise
        except httpx.TooManyRedirects:
            raise TooManyRedirectsError(
                self.policy.name,
                shown_url,
                f"redirect loop: more than {self.policy.max_redirects} redirects",
            ) from None
        except _RETRYABLE_HTTPX as exc:
            deadline = _DEADLINE.get() or deadline
            raise _Retryable(self._describe(exc, deadline), cause=type(exc).__name__) from None
        except httpx.HTTPError as exc:  # UnsupportedProtocol, LocalProtocolError, ...
            raise RequestFailedError(
                self.policy.name, shown_url, f"{type(exc).__name__}: {exc}"
            ) from None
        finally:
            _DEADLINE.reset(token)
            self._origin = None

        self.stats.requests += 1
        if self.mode is Mode.REPLAY:
            self.stats.replayed += 1 + len(response.history)
        else:
            self.stats.live += 1 + len(response.history)
        status = response.status_code
        retry_after = _retry_after(response.headers)
        if status in self.policy.retry_statuses:
            if retry_after is None:
                retry_after = _retry_after_from_text(content)
            if retry_after is not None and retry_after > self.policy.max_retry_after_s:
                raise RetryAfterTooLongError(
                    self.policy.name, shown_url, status, retry_after, self.policy.max_retry_after_s
                )
            raise _Retryable(f"HTTP {status}", status=status, retry_after=retry_after)
        if status >= 400:
            raise HTTPStatusError(
                self.policy.name,
                shown_url,
                f"HTTP {status}",
                status,
                body=content[:4096],
                retry_after=retry_after,
            )

        self.stats.bytes += len(content)
        fetched = Fetched(
            source=self.policy.name,
            # the raw store records a redirect chain's final URL; replay reports it again
            url=response.extensions.get("recorded_url") or self._shown(str(response.url)),
            requested_url=shown_url,
            status=status,
            headers=response.headers,
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            # replay reports when the body was originally fetched, so reruns are identical
            fetched_at=response.extensions.get("recorded_at") or _utcnow(),
            replayed=self.mode is Mode.REPLAY,
            redirects=[self._shown(str(r.url)) for r in response.history],
        )
        if self._raw is not None:
            form = {k: self.secrets.text(v) for k, v in _form_of(request, self.policy).items()}
            key = request_key(request.method, str(request.url), form, self.policy.secret_params)
            try:
                self._raw.write(
                    key=self.secrets.text(key),
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
            except OSError as exc:
                raise StoreWriteError(
                    self.policy.name,
                    shown_url,
                    f"cannot write the raw store {self._raw.root}: {exc}",
                ) from None
        return fetched

    def _read_capped(self, response: httpx.Response, shown_url: str) -> bytes:
        """The body, read through the guard (which enforces the cap while decoding)."""
        content = self.secrets.bytes(response.read())
        if len(content) > self.policy.max_bytes:  # belt and braces: the guard checked already
            raise ResponseTooLargeError(
                self.policy.name, shown_url, f"body exceeds cap of {self.policy.max_bytes} bytes"
            )
        return content


def _retry_after(headers: httpx.Headers) -> float | None:
    """``Retry-After`` in seconds (delta or HTTP date); ``inf`` for an absurd value."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None or when.tzinfo is None:
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def _retry_after_from_text(content: bytes) -> float | None:
    """The wait in an error body such as Comtrade's ``Try again in 2 seconds.``"""
    m = _TRY_AGAIN.search(content[:4096])
    return float(m.group(1)) if m else None

"""The fault matrix: every fault the local server serves, and what each source's client must do.

``test_http_faults.test_fault_matrix`` runs every row against the real :class:`SourceClient`
(live mode, real httpx transport, real sockets) once per source, and ``docs/fault_matrix.md``
carries :func:`render` of this table (a test keeps the two identical). Regenerate the table with
``.venv/bin/python -m tests.faults.matrix``.

The policies are the real ``PIB_POLICY`` and ``COMTRADE_POLICY`` with only what a local test
needs changed (:func:`local_policy`): the allow-list names the test server's port, the per-read
timeout is 0.2 s and the per-attempt deadline 0.5 s (so stalls end fast), and Comtrade's 256 MiB
size cap is lowered to PIB's 5 MiB (so a bomb test stays light). Retries, retried statuses,
Retry-After caps and redirect limits are each source's own.
"""

from __future__ import annotations

import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from assets.comtrade.policy import COMTRADE_POLICY
from assets.pib.policy import PIB_POLICY
from pipelines.http import (
    ContentDecodingError,
    GaveUpError,
    HostNotAllowedError,
    HTTPStatusError,
    ResponseTooLargeError,
    RetryAfterTooLongError,
    SourceHTTPError,
    SourcePolicy,
    TooManyRedirectsError,
)
from tests.faults import server as fs

SOURCES: dict[str, SourcePolicy] = {"pib": PIB_POLICY, "comtrade": COMTRADE_POLICY}
TEST_CAP = 5 * 1024 * 1024
TIMEOUT_S = 0.2
DEADLINE_S = 0.5


def local_policy(base: SourcePolicy, *ports: int, **overrides) -> SourcePolicy:
    """``base`` allowed to talk to 127.0.0.1 on ``ports``, with short timeouts."""
    return replace(
        base,
        allowed_hosts=frozenset(f"127.0.0.1:{p}" for p in ports),
        timeout_s=TIMEOUT_S,
        deadline_s=DEADLINE_S,
        max_bytes=min(base.max_bytes, TEST_CAP),
        **overrides,
    )


@dataclass(frozen=True)
class Outcome:
    """What a request must end in: an error type (None = a 200 body), server hits, words."""

    error: type[SourceHTTPError] | None
    hits: int
    mentions: tuple[str, ...] = ()
    note: str = ""

    def describe(self) -> str:
        plural = "s" if self.hits != 1 else ""
        if self.error is None:
            text = f"recovers: 200 after {self.hits} request{plural}"
        elif self.error is GaveUpError:
            text = "retried, then `GaveUpError` (4 attempts)"
        else:
            text = f"`{self.error.__name__}` after {self.hits} request{plural}"
        cause = [m for m in self.mentions if not m.endswith(" attempts")]
        if cause:
            text += ": " + ", ".join(cause)
        return text + (f"; {self.note}" if self.note else "")


@dataclass(frozen=True)
class Case:
    id: str
    fault: str  # for the table
    setup: Callable[[fs.FaultServer, fs.FaultServer], str]  # routes the fault, returns the URL
    pib: Outcome
    comtrade: Outcome

    def outcome(self, source: str) -> Outcome:
        return self.pib if source == "pib" else self.comtrade


def _gave_up(cause: str, note: str = "") -> Outcome:
    return Outcome(GaveUpError, 4, ("4 attempts", cause), note)


def _at_once(
    error: type[SourceHTTPError], *mentions: str, hits: int = 1, note: str = ""
) -> Outcome:
    return Outcome(error, hits, mentions, note)


def _route(
    path: str, make: Callable[[], fs.Handler]
) -> Callable[[fs.FaultServer, fs.FaultServer], str]:
    """Route ``path`` to a fresh handler (sequences count per test, not per session)."""
    return lambda srv, spare: srv.route(path, make())


def _closed_port(srv: fs.FaultServer, spare: fs.FaultServer) -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/refused"


def _redirect_other_port(srv: fs.FaultServer, spare: fs.FaultServer) -> str:
    spare.route("/x", fs.respond(200, "the other port"))
    return srv.route("/hop", fs.redirect(spare.url("/x")))


def _redirect_self(path: str) -> Callable[[fs.FaultServer, fs.FaultServer], str]:
    return lambda srv, spare: srv.route(path, fs.redirect(srv.url(path)))


def _redirect_to(path: str, location: str) -> Callable[[fs.FaultServer, fs.FaultServer], str]:
    return lambda srv, spare: srv.route(
        path, fs.redirect(location.format(port=srv.port, spare=spare.port))
    )


COMTRADE_429 = b'{"statusCode":429,"message":"Rate limit is exceeded. Try again in %d seconds."}'
OK = fs.respond(200, "<html>ok</html>")
GZ_OK = zlib.compress(b"<html>ok</html>" * 10, wbits=31)
_RAW = zlib.compressobj(wbits=-zlib.MAX_WBITS)
DEFLATE_RAW_OK = _RAW.compress(b"<html>ok</html>") + _RAW.flush()


def _bomb(status: int) -> fs.Handler:
    return fs.gzipped(status, fs.gzip_bomb())


CASES: list[Case] = [
    # --- transport faults while reading the answer: retried, then typed ---------------------
    Case(
        "reset-mid-body",
        "connection reset (RST) after 100 of 1000 body bytes",
        _route("/reset", lambda: fs.reset_mid_body()),
        pib=_gave_up("ReadError"),
        comtrade=_gave_up("ReadError"),
    ),
    Case(
        "short-body",
        "Content-Length 1000, 100 bytes sent, connection closed",
        _route("/short", lambda: fs.short_body()),
        pib=_gave_up("RemoteProtocolError"),
        comtrade=_gave_up("RemoteProtocolError"),
    ),
    Case(
        "stall-mid-body",
        "100 body bytes, then silence",
        _route("/stall-body", lambda: fs.stall_mid_body()),
        pib=_gave_up("ReadTimeout"),
        comtrade=_gave_up("ReadTimeout"),
    ),
    Case(
        "stall-before-headers",
        "connection accepted, no answer",
        _route("/stall-head", lambda: fs.stall_before_headers()),
        pib=_gave_up("ReadTimeout"),
        comtrade=_gave_up("ReadTimeout"),
    ),
    Case(
        "trickle-body",
        "body trickled 1 byte / 50 ms (each read within the timeout; 20 s in all)",
        _route("/trickle-body", lambda: fs.trickle_body()),
        pib=_gave_up("deadline of 0.5 s exceeded"),
        comtrade=_gave_up("deadline of 0.5 s exceeded"),
    ),
    Case(
        "trickle-headers",
        "status line and headers trickled 1 byte / 50 ms (slowloris)",
        _route("/trickle-head", lambda: fs.trickle_headers()),
        pib=_gave_up("deadline of 0.5 s exceeded"),
        comtrade=_gave_up("deadline of 0.5 s exceeded"),
    ),
    Case(
        "not-http",
        "answer is not HTTP",
        _route("/garbage", lambda: fs.garbage()),
        pib=_gave_up("RemoteProtocolError"),
        comtrade=_gave_up("RemoteProtocolError"),
    ),
    Case(
        "closed-without-answer",
        "connection closed before any answer",
        _route("/closed", lambda: fs.close_without_answer()),
        pib=_gave_up("RemoteProtocolError"),
        comtrade=_gave_up("RemoteProtocolError"),
    ),
    Case(
        "malformed-header",
        "a header line without a colon",
        _route("/bad-header", lambda: fs.bad_header_echo("x")),
        pib=_gave_up("RemoteProtocolError"),
        comtrade=_gave_up("RemoteProtocolError"),
    ),
    Case(
        "conflicting-length",
        "two different Content-Length headers",
        _route("/two-lengths", lambda: fs.respond(200, b"ab", [("Content-Length", "5")])),
        pib=_gave_up("RemoteProtocolError"),
        comtrade=_gave_up("RemoteProtocolError"),
    ),
    Case(
        "connection-refused",
        "nothing listens on the port",
        _closed_port,
        pib=Outcome(GaveUpError, 0, ("4 attempts", "ConnectError")),
        comtrade=Outcome(GaveUpError, 0, ("4 attempts", "ConnectError")),
    ),
    Case(
        "reset-then-ok",
        "reset mid-body once, then a good answer",
        _route("/reset-once", lambda: fs.sequence(fs.reset_mid_body(), OK)),
        pib=Outcome(None, 2),
        comtrade=Outcome(None, 2),
    ),
    Case(
        "short-then-ok",
        "short body once, then a good answer",
        _route("/short-once", lambda: fs.sequence(fs.short_body(), OK)),
        pib=Outcome(None, 2),
        comtrade=Outcome(None, 2),
    ),
    # --- redirects -----------------------------------------------------------------------------
    Case(
        "redirect-loop",
        "302 to itself, forever",
        _redirect_self("/loop"),
        pib=_at_once(TooManyRedirectsError, "more than 8 redirects", hits=9),
        comtrade=_at_once(TooManyRedirectsError, "more than 3 redirects", hits=4),
    ),
    Case(
        "redirect-other-port",
        "302 to the same host on another port",
        _redirect_other_port,
        pib=_at_once(HostNotAllowedError, "on port", note="the other port is never contacted"),
        comtrade=_at_once(HostNotAllowedError, "on port", note="the other port is never contacted"),
    ),
    Case(
        "redirect-other-host",
        "302 to `localhost` (not on the allow-list)",
        _redirect_to("/to-localhost", "http://localhost:{port}/x"),
        pib=_at_once(HostNotAllowedError, "'localhost'"),
        comtrade=_at_once(HostNotAllowedError, "'localhost'"),
    ),
    Case(
        "redirect-other-scheme",
        "302 to `ftp://` on the allowed host and port",
        _redirect_to("/to-ftp", "ftp://127.0.0.1:{port}/x"),
        pib=_at_once(HostNotAllowedError, "scheme 'ftp'"),
        comtrade=_at_once(HostNotAllowedError, "scheme 'ftp'"),
    ),
    Case(
        "redirect-bad-location",
        "302 with an unparseable Location",
        _redirect_to("/bad-location", "http://[bad"),
        pib=_at_once(HostNotAllowedError),
        comtrade=_at_once(HostNotAllowedError),
    ),
    # --- throttling ----------------------------------------------------------------------------
    Case(
        "retry-after-over-cap",
        "429 with Retry-After: 900",
        _route("/ra-900", lambda: fs.respond(429, "slow down", [("Retry-After", "900")])),
        pib=_at_once(RetryAfterTooLongError, "900 s", "cap of 300 s", note="no sleep"),
        comtrade=_at_once(RetryAfterTooLongError, "900 s", "cap of 120 s", note="no sleep"),
    ),
    Case(
        "retry-after-then-ok",
        "429 with Retry-After: 7, then a good answer",
        _route("/ra-7", lambda: fs.sequence(fs.respond(429, "", [("Retry-After", "7")]), OK)),
        pib=Outcome(None, 2, note="slept exactly 7 s"),
        comtrade=Outcome(None, 2, note="slept exactly 7 s"),
    ),
    Case(
        "429-text-then-ok",
        'Comtrade 429 body "Try again in 7 seconds." without Retry-After, then a good answer',
        _route("/429-text", lambda: fs.sequence(fs.respond(429, COMTRADE_429 % 7), OK)),
        pib=Outcome(None, 2, note="slept exactly 7 s"),
        comtrade=Outcome(None, 2, note="slept exactly 7 s"),
    ),
    Case(
        "429-text-over-cap",
        'Comtrade 429 body "Try again in 9999 seconds." without Retry-After',
        _route("/429-long", lambda: fs.respond(429, COMTRADE_429 % 9999)),
        pib=_at_once(RetryAfterTooLongError, "9999 s"),
        comtrade=_at_once(RetryAfterTooLongError, "9999 s"),
    ),
    Case(
        "429-forever",
        "429 with Retry-After: 1 on every attempt",
        _route("/429", lambda: fs.respond(429, "", [("Retry-After", "1")])),
        pib=_gave_up("HTTP 429"),
        comtrade=_gave_up("HTTP 429"),
    ),
    Case(
        "503-forever",
        "503 on every attempt",
        _route("/503", lambda: fs.respond(503, "busy")),
        pib=_gave_up("HTTP 503"),
        comtrade=_gave_up("HTTP 503"),
    ),
    Case(
        "403",
        "403 on every attempt",
        _route("/403", lambda: fs.respond(403, "Access Denied")),
        pib=_gave_up("HTTP 403", "PIB's edge answers intermittent 403s"),
        comtrade=_at_once(HTTPStatusError, "HTTP 403", note="Comtrade's 403 is quota: not retried"),
    ),
    Case(
        "404",
        "404",
        _route("/404", lambda: fs.respond(404, "Not Found")),
        pib=_at_once(HTTPStatusError, "HTTP 404"),
        comtrade=_at_once(HTTPStatusError, "HTTP 404"),
    ),
    # --- sizes and encodings -------------------------------------------------------------------
    Case(
        "gzip-bomb-200",
        "200, Content-Encoding: gzip, 1 GiB of zeros (1 MB on the wire)",
        _route("/bomb-200", lambda: _bomb(200)),
        pib=_at_once(ResponseTooLargeError, "cap of 5242880"),
        comtrade=_at_once(ResponseTooLargeError, "cap of 5242880"),
    ),
    Case(
        "gzip-bomb-403",
        "the same bomb behind a 403",
        _route("/bomb-403", lambda: _bomb(403)),
        pib=_at_once(ResponseTooLargeError, "cap of 5242880"),
        comtrade=_at_once(ResponseTooLargeError, "cap of 5242880"),
    ),
    Case(
        "gzip-bomb-redirect",
        "the same bomb in a 302 hop",
        _route(
            "/bomb-302",
            lambda: fs.gzipped(302, fs.gzip_bomb(), extra=[("Location", "/x")]),
        ),
        pib=_at_once(ResponseTooLargeError, "cap of 5242880"),
        comtrade=_at_once(ResponseTooLargeError, "cap of 5242880"),
    ),
    Case(
        "oversized-no-length",
        "6 MiB body without Content-Length (ends at close)",
        _route("/big", lambda: fs.close_delimited(b"x" * (6 << 20))),
        pib=_at_once(ResponseTooLargeError, "cap of 5242880"),
        comtrade=_at_once(ResponseTooLargeError, "cap of 5242880"),
    ),
    Case(
        "declared-too-large",
        "Content-Length: 10 GB, then silence",
        _route("/declared", lambda: fs.declared_too_large(10**10)),
        pib=_at_once(ResponseTooLargeError, "declared size 10000000000"),
        comtrade=_at_once(ResponseTooLargeError, "declared size 10000000000"),
    ),
    Case(
        "corrupt-gzip",
        "Content-Encoding: gzip over bytes that are not gzip",
        _route("/corrupt-gzip", lambda: fs.gzipped(200, b"this is not gzip at all")),
        pib=_at_once(ContentDecodingError, "corrupt compressed body"),
        comtrade=_at_once(ContentDecodingError, "corrupt compressed body"),
    ),
    Case(
        "truncated-gzip",
        "half a gzip stream, ended by close",
        _route(
            "/half-gzip",
            lambda: fs.close_delimited(
                zlib.compress(bytes(range(256)) * 400, wbits=31)[:500],
                [("Content-Encoding", "gzip")],
            ),
        ),
        pib=_gave_up("compressed body ended early"),
        comtrade=_gave_up("compressed body ended early"),
    ),
    Case(
        "unsupported-encoding",
        "Content-Encoding: br (never asked for)",
        _route("/br", lambda: fs.gzipped(200, b"\x0b\x02\x80ok\x03", encoding="br")),
        pib=_at_once(ContentDecodingError, "unsupported Content-Encoding"),
        comtrade=_at_once(ContentDecodingError, "unsupported Content-Encoding"),
    ),
    Case(
        "gzip-ok",
        "a normal gzip answer",
        _route("/gzip", lambda: fs.gzipped(200, GZ_OK)),
        pib=Outcome(None, 1),
        comtrade=Outcome(None, 1),
    ),
    Case(
        "raw-deflate-ok",
        "Content-Encoding: deflate without the zlib header",
        _route("/deflate", lambda: fs.gzipped(200, DEFLATE_RAW_OK, encoding="deflate")),
        pib=Outcome(None, 1),
        comtrade=Outcome(None, 1),
    ),
]


def render() -> str:
    """The markdown table of :data:`CASES` (what ``docs/fault_matrix.md`` carries)."""
    rows = [
        "| fault | PIB | Comtrade | test |",
        "|---|---|---|---|",
    ]
    for case in CASES:
        pib, comtrade = case.pib.describe(), case.comtrade.describe()
        rows.append(
            f"| {case.fault} | {pib} | {'same' if comtrade == pib else comtrade} | "
            f"`test_fault_matrix[{case.id}-*]` |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(render(), end="")

"""A bounded local HTTP/1.1 fault server on 127.0.0.1 for the fault-injection suite.

Each path is answered by a *handler* that writes raw bytes to the socket, so a fault can be
anything a real server or proxy does: reset the connection in the middle of a body, promise more
bytes than it sends, stall, trickle one byte at a time, loop redirects, serve a gzip bomb, echo
the request's secrets back. Every response says ``Connection: close`` and the server closes the
connection after each request, so no fault leaks into the next request.

Bounded: the server listens on an ephemeral port of 127.0.0.1 only, its threads are daemons,
every wait stops as soon as the server stops, and it stops by itself after ``lifetime_s``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MAX_HEAD = 64 * 1024


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    target: str  # path and query, as sent
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    head: bytes  # request line and headers, raw

    def echo(self) -> bytes:
        """The request, as an echoing proxy would put it in a body (JSON)."""
        return json.dumps(
            {"method": self.method, "target": self.target, "headers": self.headers},
            sort_keys=True,
        ).encode()


class Conn:
    """The server side of one connection, as a handler sees it."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self.stopping = stopping
        self.sent = 0

    def send(self, data: bytes) -> bool:
        """Send all of ``data``; False once the client has gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        self.sent += len(data)
        return True

    def wait(self, seconds: float) -> bool:
        """Sleep, unless the server stops first (then False)."""
        return not self.stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing proxy does."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            self.sock.close()


Handler = Callable[[Conn, Received], None]


def head(status: int, headers: Iterable[tuple[str, str]] = (), reason: str = "X") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
    if not any(k.lower() == "connection" for k, _ in headers):
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class FaultServer:
    """Serves scripted faults on ``http://127.0.0.1:<port>``; use as a context manager."""

    def __init__(self, lifetime_s: float = 30.0) -> None:
        self.lifetime_s = lifetime_s
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.received: list[Received] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="fault-server", daemon=True)

    # -- configuration ---------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        """Answer ``path`` (query ignored) with ``handler``; returns its URL."""
        self.routes[path] = handler
        return self.url(path)

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=2.0)
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()

    def _serve(self) -> None:
        ends = time.monotonic() + self.lifetime_s
        try:
            while not self.stopping.is_set() and time.monotonic() < ends:
                try:
                    sock, _ = self._listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    break
                with self._lock:
                    self._conns.add(sock)
                threading.Thread(target=self._handle, args=(sock,), daemon=True).start()
        finally:
            self.stopping.set()
            self._listener.close()

    def _handle(self, sock: socket.socket) -> None:
        try:
            sock.settimeout(5.0)
            req = _read_request(sock)
            if req is None:
                return
            with self._lock:
                self.hits[req.path] += 1
                self.received.append(req)
            handler = self.routes.get(req.path) or respond(404, b"no such fault")
            handler(Conn(sock, self.stopping), req)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(sock)
            with contextlib.suppress(OSError):
                sock.close()


def _read_request(sock: socket.socket) -> Received | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > MAX_HEAD:
            return None
        data += chunk
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    path = target.split("?", 1)[0]
    return Received(method, target, path, headers, body, head_bytes)


# --------------------------------------------------------------------------- handlers


def respond(
    status: int = 200,
    body: bytes | str = b"",
    headers: Iterable[tuple[str, str]] = (("Content-Type", "text/html; charset=utf-8"),),
) -> Handler:
    """A complete, well-formed answer."""
    content = body.encode() if isinstance(body, str) else body
    hdrs = [*headers, ("Content-Length", str(len(content)))]

    def handler(conn: Conn, req: Received) -> None:
        conn.send(head(status, hdrs) + content)

    return handler


def sequence(*handlers: Handler) -> Handler:
    """The n-th request gets ``handlers[n]`` (the last one repeats)."""
    count = [0]
    lock = threading.Lock()

    def handler(conn: Conn, req: Received) -> None:
        with lock:
            i = min(count[0], len(handlers) - 1)
            count[0] += 1
        handlers[i](conn, req)

    return handler


def reset_mid_body(declared: int = 1000, sent: int = 100) -> Handler:
    def handler(conn: Conn, req: Received) -> None:
        conn.send(head(200, [("Content-Length", str(declared))]) + b"x" * sent)
        conn.wait(0.02)  # let the client read the first bytes, then abort
        conn.reset()

    return handler


def short_body(declared: int = 1000, sent: int = 100) -> Handler:
    """``Content-Length`` promises more than is sent; the connection then closes normally."""

    def handler(conn: Conn, req: Received) -> None:
        conn.send(head(200, [("Content-Length", str(declared))]) + b"x" * sent)

    return handler


def stall_mid_body(stall_s: float = 10.0, declared: int = 1000, sent: int = 100) -> Handler:
    def handler(conn: Conn, req: Received) -> None:
        conn.send(head(200, [("Content-Length", str(declared))]) + b"x" * sent)
        conn.wait(stall_s)

    return handler


def stall_before_headers(stall_s: float = 10.0) -> Handler:
    def handler(conn: Conn, req: Received) -> None:
        conn.wait(stall_s)

    return handler


def trickle_body(interval_s: float = 0.05, declared: int = 400) -> Handler:
    """One byte every ``interval_s`` (shorter than any read timeout), ``declared`` in all."""

    def handler(conn: Conn, req: Received) -> None:
        conn.send(head(200, [("Content-Length", str(declared))]))
        for _ in range(declared):
            if not conn.wait(interval_s) or not conn.send(b"x"):
                return

    return handler


def trickle_headers(interval_s: float = 0.05) -> Handler:
    """The status line and headers one byte at a time (a slowloris answer)."""
    data = head(200, [("Content-Length", "2"), *[(f"X-Pad-{i}", "y" * 20) for i in range(20)]])

    def handler(conn: Conn, req: Received) -> None:
        for i in range(len(data)):
            if not conn.wait(interval_s) or not conn.send(data[i : i + 1]):
                return
        conn.send(b"ok")

    return handler


def garbage() -> Handler:
    """Not HTTP at all."""

    def handler(conn: Conn, req: Received) -> None:
        conn.send(b"HELLO THIS IS NOT HTTP\r\n\r\n")

    return handler


def close_without_answer() -> Handler:
    def handler(conn: Conn, req: Received) -> None:
        return

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return respond(status, b"", [("Location", location)])


def declared_too_large(declared: int) -> Handler:
    """Headers declaring ``declared`` bytes, then nothing (the client must not wait)."""

    def handler(conn: Conn, req: Received) -> None:
        conn.send(head(200, [("Content-Length", str(declared))]))
        conn.wait(10.0)

    return handler


def close_delimited(body: bytes, headers: Iterable[tuple[str, str]] = ()) -> Handler:
    """A body with no length: it ends when the connection closes."""

    def handler(conn: Conn, req: Received) -> None:
        conn.send(head(200, list(headers)) + body)

    return handler


def gzipped(
    status: int,
    payload: bytes,
    *,
    encoding: str = "gzip",
    extra: Iterable[tuple[str, str]] = (),
) -> Handler:
    return respond(
        status, payload, [("Content-Type", "text/html"), ("Content-Encoding", encoding), *extra]
    )


def echo(status: int = 200, *, header_name: str | None = None) -> Handler:
    """Answers with the request (line and headers) in the body, and optionally a header."""

    def handler(conn: Conn, req: Received) -> None:
        body = req.echo()
        hdrs = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if header_name:
            hdrs.append(("X-Echo", header_name + "=" + req.headers.get(header_name, "")))
        conn.send(head(status, hdrs) + body)

    return handler


def bad_header_echo(header_name: str) -> Handler:
    """A malformed header line carrying the request's secret: the parser's error quotes it."""

    def handler(conn: Conn, req: Received) -> None:
        secret = req.headers.get(header_name, "")
        conn.send(f"HTTP/1.1 200 OK\r\nEcho {secret}\r\n\r\n".encode("latin-1"))

    return handler


# --------------------------------------------------------------------------- payloads


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int = 1 << 30) -> bytes:
    """A valid gzip member of ``size`` zero bytes (1 GiB -> ~1 MB), built in well under 1 s.

    Deflate blocks ended by a full flush do not refer back, so one compressed MiB of zeros can
    be repeated; the trailer carries the real CRC-32 and length.
    """
    mib = bytes(1 << 20)
    assert size % len(mib) == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    n = size // len(mib)
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    final = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush(zlib.Z_FINISH)
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
    return header + block * n + final + trailer

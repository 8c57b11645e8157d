"""Fault injection: the real SourceClient, live, over real sockets, against a local fault server.

Every row of :data:`tests.faults.matrix.CASES` runs once per source (PIB and Comtrade policies).
The client is built exactly as the pipeline builds it in live mode (default httpx transport, no
injected transport); only the clock is virtual, so back-off and Retry-After waits are counted,
not slept, while timeouts and deadlines run on the wall clock.
"""

from __future__ import annotations

import json
import logging
import random
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from assets.comtrade.client import ComtradeClient
from assets.comtrade.policy import API_KEY_HEADER
from pipelines.http import (
    GaveUpError,
    HostNotAllowedError,
    HTTPStatusError,
    Mode,
    ResponseTooLargeError,
    SourceClient,
    SourceHTTPError,
    VirtualClock,
)
from tests.faults import server as fs
from tests.faults.matrix import CASES, DEADLINE_S, SOURCES, local_policy, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "fault_matrix.md"
KEY = "c0ffee5ecret4b1dkey0123456789abcd"  # a Comtrade-shaped subscription key
PIB_SECRET_HEADER = "x-pib-token"


@pytest.fixture
def servers():
    with fs.FaultServer(lifetime_s=20.0) as srv, fs.FaultServer(lifetime_s=20.0) as spare:
        yield srv, spare


def live_client(policy, **kw) -> SourceClient:
    return SourceClient(
        policy, Mode.LIVE, clock=kw.pop("clock", VirtualClock()), rng=random.Random(1), **kw
    )


# --------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("source", list(SOURCES))
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault_matrix(case, source, servers):
    """Each fault ends as the matrix says, and only ever in a typed SourceHTTPError."""
    srv, spare = servers
    url = case.setup(srv, spare)
    policy = local_policy(SOURCES[source], srv.port, httpx.URL(url).port)
    expected = case.outcome(source)
    clock = VirtualClock()
    started = time.monotonic()
    with live_client(policy, clock=clock) as client:
        try:
            got = client.get(url)
        except Exception as exc:  # noqa: BLE001 - the point is to see any type at all
            assert isinstance(exc, SourceHTTPError), f"untyped {type(exc).__name__}: {exc}"
            assert expected.error is not None, f"expected a 200, got {exc!r}"
            assert type(exc) is expected.error, repr(exc)
            msg = str(exc)
            assert msg.startswith(f"[{source}] ") and exc.source == source
            assert "(url=" in msg and exc.url
            if not isinstance(exc, HostNotAllowedError):  # that one names the refused hop
                assert exc.url == url
            for word in expected.mentions:
                assert word in msg, msg
            # no raw httpx/h11/socket exception rides along (its text could carry secrets)
            assert exc.__cause__ is None and exc.__suppress_context__
            if isinstance(exc, GaveUpError):
                assert exc.attempts == policy.max_attempts
        else:
            assert expected.error is None, f"expected {expected.error.__name__}, got a {got.status}"
            assert got.status == 200 and b"ok" in got.content
    # no fault holds a request past its deadlines: a trickle (20 s per attempt) included
    assert time.monotonic() - started < policy.max_attempts * (DEADLINE_S + 0.75)
    assert sum(srv.hits.values()) == expected.hits
    assert sum(spare.hits.values()) == 0  # a refused redirect target is never contacted
    if "slept exactly 7 s" in expected.note:
        assert clock.sleeps == [7.0]
    if "no sleep" in expected.note:
        assert clock.sleeps == []


def test_doc_carries_the_matrix():
    """docs/fault_matrix.md shows exactly the table these tests prove."""
    assert render() in DOC.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- specific properties


@pytest.mark.parametrize("source", list(SOURCES))
def test_retry_after_over_cap_is_resumable(source, servers):
    srv, _ = servers
    url = srv.route("/ra", fs.respond(429, "", [("Retry-After", "900")]))
    clock = VirtualClock()
    policy = local_policy(SOURCES[source], srv.port)
    with live_client(policy, clock=clock) as client, pytest.raises(SourceHTTPError) as err:
        client.get(url)
    assert err.value.retry_after == 900.0 and err.value.status == 429
    assert clock.sleeps == [] and srv.hits["/ra"] == 1


def _peak_bytes_while(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("status", [200, 403])
@pytest.mark.parametrize("source", list(SOURCES))
def test_gzip_bomb_is_refused_with_bounded_memory(source, status, servers):
    srv, _ = servers
    bomb = fs.gzip_bomb(1 << 30)  # 1 GiB of zeros, ~1 MB gzipped; built before measuring
    url = srv.route("/bomb", fs.gzipped(status, bomb))
    policy = local_policy(SOURCES[source], srv.port)
    errors: list[Exception] = []

    def fetch() -> None:
        with live_client(policy) as client:
            try:
                client.get(url)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    peak = _peak_bytes_while(fetch)
    assert [type(e) for e in errors] == [ResponseTooLargeError]
    assert srv.hits["/bomb"] == 1
    # a few copies of the cap at most (decoded buffer + the final bytes), never the 1 GiB
    assert peak < 3 * policy.max_bytes + (2 << 20), f"peak {peak / 2**20:.1f} MiB"


def test_comtrade_error_capture_reads_a_bomb_under_the_cap(servers):
    """The Comtrade client reads 401/403 bodies in a response hook: that read is capped too."""
    srv, _ = servers
    fs.gzip_bomb(1 << 30)
    srv.route("/data/v1/get/C/A/HS", fs.gzipped(403, fs.gzip_bomb(1 << 30)))
    policy = local_policy(SOURCES["comtrade"], srv.port)
    errors: list[Exception] = []

    def fetch() -> None:
        with live_client(policy) as source:
            client = ComtradeClient(source, api_key=KEY, base_url=srv.url(""))
            try:
                client.fetch("A", ["2021"], ["283691"])
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    peak = _peak_bytes_while(fetch)
    assert [type(e) for e in errors] == [ResponseTooLargeError]
    assert peak < 3 * policy.max_bytes + (2 << 20), f"peak {peak / 2**20:.1f} MiB"


def test_record_mode_applies_the_cap_and_records_nothing(servers, tmp_path):
    srv, _ = servers
    url = srv.route("/bomb", fs.gzipped(200, fs.gzip_bomb(1 << 30)))
    snap = tmp_path / "snap"
    policy = local_policy(SOURCES["pib"], srv.port)
    with (
        SourceClient(policy, Mode.RECORD, snapshot_dir=snap, clock=VirtualClock()) as client,
        pytest.raises(ResponseTooLargeError),
    ):
        client.get(url)
    assert not (snap / "exchanges.jsonl").exists()


# --------------------------------------------------------------------------- secrets


def _secret_policy(source: str, port: int):
    base = SOURCES[source]
    if source == "pib":  # PIB has no secret; mark a header secret as a policy may
        return local_policy(base, port, secret_headers=(PIB_SECRET_HEADER,))
    return local_policy(base, port)


def _secret_header(source: str) -> str:
    return PIB_SECRET_HEADER if source == "pib" else API_KEY_HEADER.lower()


def _everything_written(*dirs: Path) -> str:
    out = []
    for d in dirs:
        for path in sorted(d.rglob("*")) if d.exists() else []:
            if path.is_file():
                out.append(path.read_bytes().decode("latin-1"))
    return "\n".join(out)


@pytest.mark.parametrize("source", list(SOURCES))
def test_secrets_never_leave_the_client(source, servers, tmp_path, caplog):
    """An echoing proxy puts the key in bodies, headers, redirects and parser errors: the key
    appears in no message, body, header, URL, log line, raw store or recorded snapshot."""
    srv, _ = servers
    header = _secret_header(source)
    srv.route("/echo", fs.echo(200, header_name=header))
    srv.route("/echo-400", fs.echo(400, header_name=header))
    srv.route("/echo-503", fs.echo(503, header_name=header))
    srv.route("/bad", fs.bad_header_echo(header))
    srv.route(
        "/away",
        lambda conn, req: fs.redirect(f"http://evil.example/{req.headers[header]}")(conn, req),
    )
    policy = _secret_policy(source, srv.port)
    seen: list[str] = []
    raw, snap = tmp_path / "raw", tmp_path / "snap"
    caplog.set_level(logging.DEBUG)
    for mode in (Mode.LIVE, Mode.RECORD):
        kw = {"snapshot_dir": snap} if mode is Mode.RECORD else {}
        with SourceClient(
            policy, mode, raw_dir=raw, clock=VirtualClock(), rng=random.Random(1), **kw
        ) as client:
            headers = {header: KEY}
            got = client.get(srv.url("/echo"), params={"subscription-key": KEY}, headers=headers)
            seen += [got.text, got.url, got.requested_url, str(got.headers), *got.redirects]
            assert "***" in got.text  # the echoed header was masked, not dropped
            assert json.loads(got.text)["headers"][header] == "***"
            for path, error in [
                ("/echo-400", HTTPStatusError),
                ("/echo-503", GaveUpError),
                ("/bad", GaveUpError),
                ("/away", HostNotAllowedError),
            ]:
                with pytest.raises(error) as err:
                    client.get(srv.url(path), params={"subscription-key": KEY}, headers=headers)
                seen += [str(err.value), err.value.url, repr(err.value)]
                seen.append(getattr(err.value, "body", b"").decode("latin-1"))
    assert any("***" in s for s in seen)  # the echoes did carry the key back
    seen += [r.getMessage() for r in caplog.records]
    seen.append(_everything_written(raw, snap))
    leaks = [s[:200] for s in seen if KEY in s]
    assert leaks == []
    # the server did receive the key: it was masked on the way back, not withheld
    assert any(r.headers.get(header) == KEY for r in srv.received)


def test_comtrade_key_is_masked_in_quota_errors(servers):
    """Through the real Comtrade client: a proxy echoing the key into a 403 quota body."""
    srv, _ = servers
    srv.route("/data/v1/get/C/A/HS", fs.echo(403, header_name=API_KEY_HEADER.lower()))
    with live_client(local_policy(SOURCES["comtrade"], srv.port)) as source:
        client = ComtradeClient(source, api_key=KEY, base_url=srv.url(""))
        with pytest.raises(Exception) as err:  # noqa: B017 - any error; the key must not be in it
            client.fetch("A", ["2021"], ["283691"])
    assert "***" in str(err.value) and KEY not in str(err.value)
    assert srv.received[0].headers[API_KEY_HEADER.lower()] == KEY


def test_secret_header_is_not_sent_to_another_origin(servers):
    """A redirect to another allowed origin goes without the secret header."""
    srv, _ = servers
    srv.route("/start", fs.redirect(f"http://localhost:{srv.port}/echo"))
    srv.route("/echo", fs.echo(200))
    policy = local_policy(SOURCES["comtrade"], srv.port)
    policy = replace(policy, allowed_hosts=policy.allowed_hosts | {f"localhost:{srv.port}"})
    with live_client(policy) as client:
        got = client.get(srv.url("/start"), headers={API_KEY_HEADER: KEY})
    first, second = srv.received
    assert first.headers[API_KEY_HEADER.lower()] == KEY
    assert API_KEY_HEADER.lower() not in second.headers
    assert API_KEY_HEADER.lower() not in json.loads(got.text)["headers"]

"""The HTTP source client: retries, allow-list, size cap, record/replay, POST keys, cookies."""

from __future__ import annotations

import random

import httpx
import pytest

from pipelines.http import (
    GaveUpError,
    HostNotAllowedError,
    HTTPStatusError,
    Mode,
    NotInSnapshotError,
    ResponseTooLargeError,
    RetryAfterTooLongError,
    SourceClient,
    SourceHTTPError,
    SourcePolicy,
    StoreWriteError,
    VirtualClock,
    scrub,
)
from pipelines.snapshot import SnapshotReader

POLICY = SourcePolicy(
    name="test",
    allowed_hosts=frozenset({"example.org", "www.example.org"}),
    min_interval_s=1.0,
    max_attempts=3,
    retry_statuses=frozenset({429, 500, 502, 503, 504, 403}),
    max_bytes=1000,
)


def scripted(responses: list[httpx.Response], seen: list[httpx.Request]):
    it = iter(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(it)

    return httpx.MockTransport(handler)


def live_client(transport, clock=None, **kw) -> SourceClient:
    return SourceClient(
        POLICY,
        Mode.LIVE,
        live_transport=transport,
        clock=clock or VirtualClock(),
        rng=random.Random(1),
        **kw,
    )


def test_retry_then_success_honours_retry_after():
    seen: list[httpx.Request] = []
    clock = VirtualClock()
    transport = scripted(
        [
            httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"),
            httpx.Response(503, text="busy"),
            httpx.Response(200, text="ok"),
        ],
        seen,
    )
    with live_client(transport, clock) as client:
        got = client.get("https://example.org/a")
    assert got.text == "ok"
    assert len(seen) == 3
    assert clock.sleeps[0] == 7.0  # Retry-After honoured exactly
    assert 2.0 <= clock.sleeps[1] <= 3.0  # second back-off: base*2 + jitter in [0, base)
    assert client.stats.retries == 2


def test_gives_up_after_n_attempts_naming_url_and_status():
    seen: list[httpx.Request] = []
    transport = scripted([httpx.Response(502)] * 3, seen)
    with live_client(transport) as client, pytest.raises(GaveUpError) as err:
        client.get("https://example.org/broken?x=1")
    assert len(seen) == 3
    msg = str(err.value)
    assert "https://example.org/broken?x=1" in msg
    assert "502" in msg and "3 attempts" in msg
    assert err.value.status == 502


def test_connection_errors_are_retried():
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, text="finally")

    with live_client(httpx.MockTransport(handler)) as client:
        assert client.get("https://example.org/").text == "finally"
    assert len(calls) == 3


def test_no_retry_on_404():
    seen: list[httpx.Request] = []
    transport = scripted([httpx.Response(404), httpx.Response(200)], seen)
    with live_client(transport) as client, pytest.raises(HTTPStatusError) as err:
        client.get("https://example.org/missing")
    assert len(seen) == 1
    assert err.value.status == 404


def test_redirect_to_host_off_allow_list_is_refused():
    seen: list[httpx.Request] = []
    transport = scripted(
        [httpx.Response(302, headers={"Location": "https://evil.example.net/x"})], seen
    )
    with live_client(transport) as client, pytest.raises(HostNotAllowedError) as err:
        client.get("https://example.org/start")
    assert "evil.example.net" in str(err.value)
    assert len(seen) == 1  # the off-list host was never contacted


def test_oversized_body_is_refused():
    transport = scripted([httpx.Response(200, content=b"x" * 5000)], [])
    with live_client(transport) as client, pytest.raises(ResponseTooLargeError) as err:
        client.get("https://example.org/big")
    assert "cap of 1000" in str(err.value) or "exceeds cap 1000" in str(err.value)


def test_politeness_delay_between_requests_to_same_host():
    clock = VirtualClock()
    transport = scripted([httpx.Response(200)] * 3, [])
    with live_client(transport, clock) as client:
        for _ in range(3):
            client.get("https://example.org/p")
    assert clock.sleeps == [1.0, 1.0]


def test_replay_missing_request_names_it(tmp_path):
    (tmp_path / "test").mkdir()
    client = SourceClient(POLICY, Mode.REPLAY, snapshot_dir=tmp_path / "test")
    with pytest.raises(NotInSnapshotError) as err:
        client.get("https://example.org/never?b=2&a=1")
    assert "GET https://example.org/never?a=1&b=2" in str(err.value)


def test_record_then_replay_is_byte_identical(tmp_path):
    body = "<html>caf\u00e9 \u2013 \u0932\u093f\u0925\u093f\u092f\u092e</html>".encode()
    binary = bytes(range(256))
    transport = scripted(
        [
            httpx.Response(200, content=body, headers={"Content-Type": "text/html"}),
            httpx.Response(200, content=binary, headers={"Content-Type": "application/x-bin"}),
        ],
        [],
    )
    snap = tmp_path / "snap"
    with SourceClient(
        POLICY, Mode.RECORD, snapshot_dir=snap, live_transport=transport, clock=VirtualClock()
    ) as rec:
        a = rec.get("https://example.org/page", params={"PRID": "1", "lang": "1"})
        b = rec.get("https://example.org/bin")
    with SourceClient(POLICY, Mode.REPLAY, snapshot_dir=snap) as rep:
        a2 = rep.get("https://example.org/page?lang=1&PRID=1")  # param order does not matter
        b2 = rep.get("https://example.org/bin")
    assert a2.content == a.content == body
    assert b2.content == b.content == binary
    assert a2.sha256 == a.sha256
    assert rep.stats.replayed == 2 and rep.stats.live == 0


def test_post_is_keyed_by_significant_fields_not_viewstate(tmp_path):
    transport = scripted([httpx.Response(200, text="day listing")], [])
    snap = tmp_path / "snap"
    form = {
        "__VIEWSTATE": "AAAA" * 50,
        "__EVENTVALIDATION": "BBBB",
        "__EVENTTARGET": "ctl00$ContentPlaceHolder1$ddlday",
        "ctl00$ContentPlaceHolder1$ddlday": "5",
        "ctl00$ContentPlaceHolder1$ddlMonth": "9",
    }
    with SourceClient(
        POLICY, Mode.RECORD, snapshot_dir=snap, live_transport=transport, clock=VirtualClock()
    ) as rec:
        rec.post_form("https://example.org/allRel.aspx", form)
    keys = SnapshotReader(snap).keys()
    assert len(keys) == 1 and "VIEWSTATE" not in keys[0] and "ddlday=5" in keys[0]

    other_state = {**form, "__VIEWSTATE": "ZZZZ", "__EVENTVALIDATION": "YYYY"}
    with SourceClient(POLICY, Mode.REPLAY, snapshot_dir=snap) as rep:
        assert rep.post_form("https://example.org/allRel.aspx", other_state).text == "day listing"
        with pytest.raises(NotInSnapshotError):
            rep.post_form(
                "https://example.org/allRel.aspx",
                {**form, "ctl00$ContentPlaceHolder1$ddlday": "6"},
            )


def test_cookies_kept_across_redirects_in_record_and_replay(tmp_path):
    """A redirect that sets a cookie loops unless the client sends it back (PIB's behaviour)."""

    def site(request: httpx.Request) -> httpx.Response:
        has_cookie = "PIBregion=3" in request.headers.get("cookie", "")
        if request.url.host == "example.org":
            return httpx.Response(
                302,
                headers={
                    "Location": "https://www.example.org/page?PRID=9",
                    "Set-Cookie": "PIBregion=3; path=/; domain=.example.org",
                },
            )
        if not has_cookie:
            return httpx.Response(302, headers={"Location": "https://example.org/page?PRID=9"})
        return httpx.Response(200, text="release 9")

    snap = tmp_path / "snap"
    with SourceClient(
        POLICY,
        Mode.RECORD,
        snapshot_dir=snap,
        live_transport=httpx.MockTransport(site),
        clock=VirtualClock(),
    ) as rec:
        got = rec.get("https://example.org/page?PRID=9")
    assert got.text == "release 9" and got.redirects == ["https://example.org/page?PRID=9"]

    with SourceClient(POLICY, Mode.REPLAY, snapshot_dir=snap) as rep:
        again = rep.get("https://example.org/page?PRID=9")
    assert again.text == "release 9"
    assert again.url == "https://www.example.org/page?PRID=9"

    # A client that drops cookies cannot replay it: the recorded hop required the cookie.
    with SourceClient(POLICY, Mode.REPLAY, snapshot_dir=snap) as rep2:
        rep2._http.cookies = httpx.Cookies()
        rep2._http._cookies = httpx.Cookies()

        def drop(request):  # strip cookies on every hop
            rep2._http.cookies.clear()
            if "cookie" in request.headers:
                del request.headers["cookie"]

        rep2._http.event_hooks["request"].insert(0, drop)
        with pytest.raises(NotInSnapshotError, match="cookies"):
            rep2.get("https://example.org/page?PRID=9")


def test_raw_store_keeps_every_final_body(tmp_path):
    transport = scripted([httpx.Response(200, text="one")], [])
    raw = tmp_path / "raw"
    with live_client(transport, raw_dir=raw) as client:
        got = client.get("https://example.org/r")
    reader = SnapshotReader(raw)
    (key,) = reader.keys()
    ex = reader.next_for(key)
    assert ex.sha256 == got.sha256 and reader.body(ex) == b"one"
    # the raw store is itself replayable: re-parse needs no fetch
    with SourceClient(POLICY, Mode.REPLAY, snapshot_dir=raw) as rep:
        assert rep.get("https://example.org/r").content == b"one"


# --------------------------------------------------------------------------- hardening (issue 9)


def test_allow_list_is_checked_on_host_and_port():
    """A listed host means its default port; another port must be listed as host:port."""
    seen: list[httpx.Request] = []
    transport = scripted(
        [httpx.Response(302, headers={"Location": "https://example.org:8443/x"})], seen
    )
    with live_client(transport) as client, pytest.raises(HostNotAllowedError) as err:
        client.get("https://example.org/start")
    assert "port 8443" in str(err.value) and len(seen) == 1

    with_port = SourcePolicy(name="test", allowed_hosts=frozenset({"example.org:8443"}))
    transport = scripted([httpx.Response(200, text="ok")], [])
    with SourceClient(with_port, Mode.LIVE, live_transport=transport, clock=VirtualClock()) as c:
        assert c.get("https://example.org:8443/x").text == "ok"
        with pytest.raises(HostNotAllowedError):  # the default port is not implied
            c.get("https://example.org/x")


@pytest.mark.parametrize(
    ("header", "outcome"),
    [
        ("900", "too long"),  # POLICY caps at 300 s
        ("inf", "too long"),
        ("-5", "now"),
        ("nan", "backoff"),
        ("soon", "backoff"),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "now"),  # a date in the past: retry now
    ],
)
def test_retry_after_values(header, outcome):
    clock = VirtualClock()
    transport = scripted(
        [httpx.Response(429, headers={"Retry-After": header}), httpx.Response(200, text="ok")], []
    )
    with live_client(transport, clock) as client:
        if outcome == "too long":
            with pytest.raises(RetryAfterTooLongError) as err:
                client.get("https://example.org/a")
            assert err.value.retry_after > POLICY.max_retry_after_s and clock.sleeps == []
            return
        assert client.get("https://example.org/a").text == "ok"
    if outcome == "backoff":
        assert 1.0 <= clock.sleeps[0] < 2.0  # first back-off: base + jitter
    else:  # a zero wait: only the politeness interval is slept
        assert clock.sleeps == [POLICY.min_interval_s]


def test_comtrade_429_text_gives_the_wait_when_the_header_is_missing():
    clock = VirtualClock()
    body = b'{"statusCode":429,"message":"Rate limit is exceeded. Try again in 12 seconds."}'
    transport = scripted([httpx.Response(429, content=body), httpx.Response(200, text="ok")], [])
    with live_client(transport, clock) as client:
        assert client.get("https://example.org/a").text == "ok"
    assert clock.sleeps == [12.0]


def test_scrub_masks_every_form_of_a_secret():
    assert scrub("key=abc/def+1 and abc%2Fdef%2B1", ["abc/def+1", "abc%2Fdef%2B1"]) == (
        "key=*** and ***"
    )
    assert scrub("nothing here", ["abcdefgh"]) == "nothing here"


def test_untyped_failures_become_source_errors():
    """Whatever goes wrong inside (here: a hook bug), the caller sees a SourceHTTPError."""
    transport = scripted([httpx.Response(200, text="ok")], [])
    with live_client(transport) as client:
        client._http.event_hooks["response"].append(lambda r: 1 / 0)
        with pytest.raises(SourceHTTPError) as err:
            client.get("https://example.org/a")
    assert "ZeroDivisionError" in str(err.value) and "https://example.org/a" in str(err.value)
    with live_client(transport) as client, pytest.raises(SourceHTTPError):
        client.get("not a url at all://")


def test_raw_store_write_failure_is_typed(tmp_path):
    blocker = tmp_path / "raw"
    blocker.write_text("a file where the raw store directory should be")
    transport = scripted([httpx.Response(200, text="ok")], [])
    with live_client(transport, raw_dir=blocker) as client, pytest.raises(StoreWriteError):
        client.get("https://example.org/a")

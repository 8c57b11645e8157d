"""Against the (replayed) PIB site: politeness, browser headers, cookies across redirects."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from assets.pib.discover import discover_day, select_candidates
from assets.pib.errors import PibParseError
from assets.pib.parse import fetch_release, parse_release, release_url
from assets.pib.policy import PIB_POLICY
from pipelines.http import BROWSER_UA, Mode, NotInSnapshotError, SourceClient, VirtualClock

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "pib"
MANIFEST = json.loads((ROOT / "tools" / "snapshots" / "pib_expected.json").read_text("utf-8"))


class Tap:
    """Records every hop the client sends (after its politeness wait), with the clock time."""

    def __init__(self, client: SourceClient) -> None:
        self.clock = client.clock
        self.hops: list[tuple[float, httpx.Request]] = []
        client._http.event_hooks["request"].append(self)

    def __call__(self, request: httpx.Request) -> None:
        self.hops.append((self.clock.now(), request))


def run_all_days(client: SourceClient) -> tuple[dict[int, object], dict[int, Exception]]:
    ok, failed = {}, {}
    for day in sorted(MANIFEST["days"]):
        listing = discover_day(client, date.fromisoformat(day))
        for cand in select_candidates(listing):
            try:
                ok[cand.prid] = fetch_release(client, cand.prid)[1]
            except PibParseError as exc:
                failed[cand.prid] = exc
    return ok, failed


def test_whole_snapshot_replays_politely_with_browser_headers():
    clock = VirtualClock()
    with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT, clock=clock) as client:
        tap = Tap(client)
        ok, failed = run_all_days(client)

    expected_fail = {int(p) for p, r in MANIFEST["releases"].items() if r["expected_to_fail"]}
    assert set(failed) == expected_fail
    assert len(ok) + len(failed) == len(MANIFEST["releases"])

    hops = tap.hops
    assert len(hops) == client.stats.replayed  # every recorded hop, redirects included
    times = [t for t, _ in hops]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= PIB_POLICY.min_interval_s  # >= 1 s between any two PIB requests
    assert len(clock.sleeps) == len(hops) - 1 and all(s >= 1.0 for s in clock.sleeps)
    assert PIB_POLICY.min_interval_s >= 1.0

    for _, req in hops:
        ua = req.headers["user-agent"]
        assert ua == BROWSER_UA and ua.startswith("Mozilla/5.0") and "+http" not in ua
        assert req.headers["accept-language"].startswith("en-IN")
        assert req.url.host in PIB_POLICY.allowed_hosts


def test_cookies_are_kept_across_the_redirect_chain():
    with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:
        tap = Tap(client)
        fetched, release = fetch_release(client, 2194517)
    assert fetched.redirects == [
        release_url(2194517),
        "https://www.pib.gov.in/PressReleasePage.aspx?PRID=2194517&reg=48&lang=2",
    ]
    assert fetched.url == release_url(2194517)
    cookies = [req.headers.get("cookie", "") for _, req in tap.hops]
    assert cookies[0] == "" and cookies[1] == ""
    assert "PIBRegion=3" in cookies[2]  # set by the canonical hop, sent on the final one
    assert release.title.startswith("Secretary, Ministry of Mines Reviews KABIL")


def test_a_client_that_drops_cookies_cannot_replay_the_chain():
    with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:

        def drop(request: httpx.Request) -> None:
            client._http.cookies.clear()
            if "cookie" in request.headers:
                del request.headers["cookie"]

        client._http.event_hooks["request"].insert(0, drop)
        with pytest.raises(NotInSnapshotError, match="cookies"):
            client.get(release_url(2194517))


def test_mobile_redirect_is_followed_on_the_allowed_host():
    with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:
        fetched, release = fetch_release(client, 2194472)
    assert fetched.redirects == [release_url(2194472)]
    assert fetched.url.startswith("https://www.pib.gov.in/PressReleseDetailm.aspx?PRID=2194472")
    assert release.template == "mobile"


def test_single_release_replays_in_a_fresh_client():
    """The asset layer may fetch releases without discovering first (no cookie needed)."""
    for prid in (2194182, 2195142, 2194760):
        with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:
            fetched, release = fetch_release(client, prid)
        assert release.prid == prid
        assert parse_release(fetched.content, fetched.url, prid).title == release.title

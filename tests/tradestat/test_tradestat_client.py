"""The form-post mechanics through SourceClient: token and cookie, 419 once, politeness, forms read
from their labels; a fake portal on an httpx MockTransport (no network)."""

from __future__ import annotations

import httpx
import pytest

from assets.tradestat.client import TradeStatClient
from assets.tradestat.errors import LayoutChangedError, TradeStatSessionError, UnknownUnitError
from assets.tradestat.fake_site import FakeTradeStat
from assets.tradestat.parse import parse_data_page
from assets.tradestat.policy import (
    SESSION_COOKIE,
    TRADESTAT_HOST,
    TRADESTAT_POLICY,
    Report,
    control_report,
    data_report,
)
from pipelines.http import HostNotAllowedError, HTTPStatusError, Mode, SourceClient, VirtualClock
from tests.tradestat._helpers import LITHIUM, live_client, small_site


def test_policy_one_host_two_seconds_and_no_retry_on_419():
    assert TRADESTAT_POLICY.allowed_hosts == frozenset({TRADESTAT_HOST})
    assert TRADESTAT_POLICY.min_interval_s == 2.0
    assert 419 not in TRADESTAT_POLICY.retry_statuses
    assert {429, 503} <= TRADESTAT_POLICY.retry_statuses
    assert "_token" in "".join(TRADESTAT_POLICY.ignored_form_fields)  # not in snapshot keys


def test_get_form_then_post_with_token_cookie_and_referer():
    seen: list[httpx.Request] = []
    fake = FakeTradeStat(small_site())

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fake(request)

    source = SourceClient(
        TRADESTAT_POLICY, Mode.LIVE, live_transport=httpx.MockTransport(spy), clock=VirtualClock()
    )
    client = TradeStatClient(source)
    report = data_report("M")
    page = client.post(report, LITHIUM, 2024, 6, "inr", "2024-06")
    get, post = seen
    assert (get.method, str(get.url)) == ("GET", report.url)
    assert (post.method, str(post.url)) == ("POST", report.url)
    assert post.headers["referer"] == report.url
    assert SESSION_COOKIE in post.headers["cookie"]
    body = dict(httpx.QueryParams(post.content.decode()))
    assert body["_token"] == next(iter(fake.sessions.values()))
    # the ₹ option of this form is coded 3 (read from its label, not assumed)
    assert body["cwacimReportVal"] == "3" and body["cwacimReportYear"] == "1"
    parsed = parse_data_page(
        page.content, report=report, url=page.url, hs_code=LITHIUM, year=2024, month=6,
        unit_kind="inr",
    )  # fmt: skip
    assert parsed.header.unit.label == "₹ Crore"


def test_the_control_form_sets_specific_commodity_and_eight_digits():
    fake = FakeTradeStat(small_site())
    source, client = live_client(fake)
    client.post(control_report("X"), LITHIUM, 2024, 6, "usd", "2024-06")
    assert fake.served[-1].report == "commoditywise" and fake.served[-1].flow == "X"


def test_one_page_expired_gets_a_fresh_token_and_succeeds():
    fake = FakeTradeStat(small_site(), expire_before_post={2})
    source, client = live_client(fake)
    report = data_report("M")
    client.post(report, LITHIUM, 2024, 6, "usd", "2024-06")
    page = client.post(report, LITHIUM, 2024, 6, "qty", "2024-06")
    assert page.status == 200
    assert client.stats.page_expired == 1 and client.stats.form_gets == 2
    assert [r.kind for r in fake.served] == ["usd", "qty"]


def test_page_expired_twice_fails_typed_naming_report_and_period():
    fake = FakeTradeStat(small_site(), expire_before_post={1, 2})
    source, client = live_client(fake)
    with pytest.raises(TradeStatSessionError) as info:
        client.post(data_report("M"), LITHIUM, 2024, 6, "usd", "2024-06")
    msg = str(info.value)
    assert "[tradestat]" in msg and "419" in msg and "2024-06" in msg
    assert "commodity_wise_all_countries_import" in msg


def test_other_error_statuses_are_not_turned_into_a_token_refresh():
    fake = FakeTradeStat(small_site())
    source, client = live_client(fake)
    with pytest.raises(HTTPStatusError) as info:
        client.form(Report("meidb", "no_such_report", "M"), "2024-06")
    assert info.value.status == 404 and client.stats.page_expired == 0


def test_requests_are_spaced_by_the_politeness_delay():
    fake = FakeTradeStat(small_site())
    source, client = live_client(fake)
    for kind in ("usd", "inr", "qty"):
        client.post(data_report("M"), LITHIUM, 2024, 6, kind, "2024-06")
    assert source.stats.requests == 4
    assert source.clock.sleeps and all(s == pytest.approx(2.0) for s in source.clock.sleeps)
    assert source.clock.t == pytest.approx(6.0)


def test_a_redirect_off_the_portal_is_refused():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://example.org/login"})

    source = SourceClient(
        TRADESTAT_POLICY,
        Mode.LIVE,
        live_transport=httpx.MockTransport(handler),
        clock=VirtualClock(),
    )
    with pytest.raises(HostNotAllowedError):
        source.get(data_report("M").url)


def _form_page(edit) -> FakeTradeStat:
    fake = FakeTradeStat(small_site())
    original = fake.__call__

    class Edited(FakeTradeStat):
        def __call__(self, request):
            response = original(request)
            if request.method == "GET":
                return httpx.Response(
                    200, content=edit(response.content.decode()).encode(), headers=response.headers
                )
            return response

    return Edited(fake.site)


def test_a_form_without_its_values_select_fails_naming_the_field():
    fake = _form_page(lambda html: html.replace('name="cwacimReportVal"', 'name="x"', 1).replace(
        "US $ Million", "Dollars").replace("₹ Crore", "Rupees").replace("Quantity", "Amount"))  # fmt: skip
    source, client = live_client(fake)
    with pytest.raises(LayoutChangedError) as info:
        client.post(data_report("M"), LITHIUM, 2024, 6, "usd", "2024-06")
    assert info.value.field == "value" and info.value.period == "2024-06"


def test_a_form_option_in_an_unknown_unit_fails():
    fake = _form_page(lambda html: html.replace(">₹ Crore<", ">₹ Arab<"))
    source, client = live_client(fake)
    with pytest.raises(UnknownUnitError) as info:
        client.post(data_report("M"), LITHIUM, 2024, 6, "usd", "2024-06")
    assert info.value.field == "cwacimReportVal" and "Arab" in str(info.value)

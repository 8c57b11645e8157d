"""Comtrade client: planning, cap-driven splitting, validation and every error path (no network)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from assets.comtrade.client import (
    ComtradeAPIError,
    ComtradeAuthError,
    ComtradeClient,
    ComtradeParamError,
    ComtradeQuery,
    Endpoint,
    FetchState,
    QuotaExhaustedError,
    UnsplittableQueryError,
    api_key_from_env,
    body_loader_from_store,
    plan_queries,
    split_query,
)
from assets.comtrade.fake_api import FakeComtrade, Fault, json_body, rate_limited
from assets.comtrade.policy import COMTRADE_POLICY
from pipelines.http import GaveUpError, Mode, SourceClient, VirtualClock

from ._helpers import client_for, codes, record_key, sample_db


def _params(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(str(request.url)).query))


# --------------------------------------------------------------------------- planning


def test_plan_pins_parameters_and_is_canonical():
    plan = plan_queries("A", ["2021", "2019", "2019"], ["284690", "283691", "282200"])
    assert [q.periods for q in plan] == [("2019",), ("2021",)]  # one period per call, sorted
    assert plan[0].hs_codes == ("282200", "283691", "284690")
    params = dict(parse_qsl(urlsplit(plan[0].url(Endpoint.PREVIEW)).query))
    assert params == {
        "reporterCode": "699",
        "period": "2019",
        "cmdCode": "282200,283691,284690",
        "flowCode": "M,X",
        "partner2Code": "0",
        "motCode": "0",
        "customsCode": "C00",
        "breakdownMode": "classic",
        "includeDesc": "true",
        "maxRecords": "500",
    }
    assert "partnerCode" not in params  # all partners + World
    assert (
        plan[0]
        .url(Endpoint.PREVIEW)
        .startswith("https://comtradeapi.un.org/public/v1/preview/C/A/HS?")
    )
    assert Endpoint.DATA.url("M") == "https://comtradeapi.un.org/data/v1/get/C/M/HS"
    # the same sets in another order give the same plan (snapshot keys are stable)
    assert plan == plan_queries("A", ["2019", "2021"], ["282200", "284690", "283691"])


def test_plan_chunks_codes_on_preview_and_keeps_urls_short():
    hs = codes(45)
    plan = plan_queries("M", ["202401"], hs)
    assert [len(q.hs_codes) for q in plan] == [20, 20, 5]
    assert [c for q in plan for c in q.hs_codes] == hs
    # keyed endpoint: no code limit, but a 900-code URL is far above 4 000 characters
    big = codes(900, start=100000)
    keyed = plan_queries("A", ["2022"], big, endpoint=Endpoint.DATA)
    assert len(keyed) > 1
    assert all(len(q.url(Endpoint.DATA)) < 4000 for q in keyed)
    assert [c for q in keyed for c in q.hs_codes] == big
    with pytest.raises(ComtradeParamError, match="longer than 50"):
        plan_queries("A", ["2022"], ["283691"], max_url_chars=50)


def test_long_plans_are_never_refused_by_the_server_for_length():
    big = codes(900, start=100000)
    fake = FakeComtrade([], api_key="k")
    client = client_for(fake, api_key="k")
    result = client.fetch("A", ["2022"], big)
    assert all(c.outcome == "no_data" for c in result.calls)
    assert all(len(str(r.url)) < 4000 for r in fake.requests)


@pytest.mark.parametrize(
    ("freq", "periods", "hs", "match"),
    [
        ("Q", ["2021"], ["283691"], "freq"),
        ("A", ["202101"], ["283691"], "expected YYYY"),
        ("M", ["2021"], ["283691"], "expected YYYYMM"),
        ("M", ["202113"], ["283691"], "month 01-12"),
        ("A", ["21"], ["283691"], "expected YYYY"),
        ("A", [], ["283691"], "at least one period"),
        ("A", ["2021"], ["28369"], "6-digit"),
        ("A", ["2021"], ["2836.91"], "6-digit"),
        ("A", ["2021"], [283691], "6-digit"),
        ("A", ["2021"], ["TOTAL"], "6-digit"),
        ("A", ["2021"], [], "at least one HS code"),
    ],
)
def test_invalid_params_rejected_before_any_request(freq, periods, hs, match):
    fake = FakeComtrade([])
    client = client_for(fake)
    with pytest.raises(ComtradeParamError, match=match):
        client.fetch(freq, periods, hs)
    assert fake.requests == []


def test_invalid_flow_and_duplicates_rejected():
    with pytest.raises(ComtradeParamError, match="flow 'RX'"):
        plan_queries("A", ["2021"], ["283691"], flows=["M", "RX"])
    with pytest.raises(ComtradeParamError, match="duplicate HS code"):
        ComtradeQuery("A", ("2021",), ("283691", "283691"))
    with pytest.raises(ComtradeParamError, match="reporter"):
        ComtradeQuery("A", ("2021",), ("283691",), reporter_code=0)


def test_split_order_codes_then_flows_then_periods():
    q = ComtradeQuery("A", ("2020", "2021", "2022"), ("282200", "283691", "284690"))
    dim, kids = split_query(q)
    assert dim == "hs_codes"
    assert [k.hs_codes for k in kids] == [("282200", "283691"), ("284690",)]
    dim, kids = split_query(kids[1])
    assert dim == "flows" and [k.flows for k in kids] == [("M",), ("X",)]
    dim, kids = split_query(kids[0])
    assert dim == "periods" and [k.periods for k in kids] == [("2020", "2021"), ("2022",)]
    with pytest.raises(ComtradeParamError, match="cannot be split"):
        split_query(ComtradeQuery("A", ("2022",), ("284690",), ("M",)))


# --------------------------------------------------------------------------- splitting


def test_cap_splits_recursively_and_result_is_complete():
    hs = codes(24)
    periods = ["2021", "2022"]
    db = sample_db(hs, periods, partners_per_flow=4)  # 5 rows per (period, flow, code)
    fake = FakeComtrade(db, preview_cap=60)
    client = client_for(fake, row_cap=60, max_codes_per_query=24)
    result = client.fetch("A", periods, hs)

    # completeness: the union of the accepted answers is exactly the full dataset
    got = [record_key(r) for r in result.records]
    assert len(got) == len(set(got))  # split answers are disjoint
    assert set(got) == {record_key(r) for r in db}
    assert len(got) == len(db) == 2 * 2 * 24 * 5

    # every truncated call is recorded, with its split, and answers at the cap
    split_calls = [c for c in result.calls if c.outcome == "split"]
    assert len(split_calls) == len(result.splits) > 0
    assert all(c.rows == 60 for c in split_calls)
    assert all(len(r.records) == 60 for r in result.responses if r.truncated)
    for s in result.splits:
        assert s.dimension == "hs_codes"
        assert [c for k in s.children for c in k.hs_codes] == list(s.query.hs_codes)
    # 24 codes x 10 rows = 240 rows per period -> 12, 6 (60 = cap!) -> 3 codes (30 rows)
    assert [len(c.query.hs_codes) for c in result.calls if c.outcome == "ok"] == [3] * 16
    assert len(fake.requests) == len(result.calls) == 2 * (1 + 2 + 4 + 8)
    assert result.metadata()["comtrade_calls_truncated_split"] == 14


def test_single_code_splits_by_flow_then_period():
    db = sample_db(["283691"], ["2021", "2022"], partners_per_flow=8)  # 9 rows per flow+period
    fake = FakeComtrade(db, preview_cap=10)
    client = client_for(fake, row_cap=10, max_periods_per_query=2)
    result = client.fetch("A", ["2021", "2022"], ["283691"])
    assert [s.dimension for s in result.splits] == ["flows", "periods", "periods"]
    assert {record_key(r) for r in result.records} == {record_key(r) for r in db}
    assert len(result.records) == len(db)


def test_unsplittable_query_at_cap_raises():
    db = sample_db(["283691"], ["2021"], partners_per_flow=9)  # 10 rows for M
    fake = FakeComtrade(db, preview_cap=10)
    client = client_for(fake, row_cap=10)
    with pytest.raises(UnsplittableQueryError) as err:
        client.fetch("A", ["2021"], ["283691"])
    msg = str(err.value)
    assert "cannot be split further" in msg and "283691" in msg and "flow M" in msg
    assert "url=https://comtradeapi.un.org/public/v1/preview/C/A/HS?" in msg


# --------------------------------------------------------------------------- error paths


def test_count_zero_is_no_data_not_an_error():
    db = sample_db(["283691"], ["2021"])
    fake = FakeComtrade(db)
    result = client_for(fake).fetch("A", ["2022"], ["283691"])
    assert [c.outcome for c in result.calls] == ["no_data"]
    assert result.records == [] and result.calls[0].count == 0
    assert result.metadata()["comtrade_calls_no_data"] == 1


def test_429_with_retry_after_is_retried():
    db = sample_db(["283691"], ["2021"])
    fake = FakeComtrade(db, faults=[Fault(lambda r: True, [rate_limited(3)])])
    clock = VirtualClock()
    client = client_for(fake, clock=clock)
    result = client.fetch("A", ["2021"], ["283691"])
    assert len(fake.requests) == 2
    assert 3.0 in clock.sleeps  # Retry-After honoured
    assert client.source.stats.retries == 1
    assert len(result.records) == len(db)


def test_429_forever_gives_up_naming_url():
    fake = FakeComtrade([], faults=[Fault(lambda r: True, [rate_limited(1)] * 10)])
    with pytest.raises(GaveUpError, match="429"):
        client_for(fake).fetch("A", ["2021"], ["283691"])
    assert len(fake.requests) == COMTRADE_POLICY.max_attempts


def test_403_quota_raises_with_resumable_state_and_resume_completes(tmp_path):
    hs = codes(60)
    db = sample_db(hs, ["2021"], partners_per_flow=2)
    state_path = tmp_path / "state" / "comtrade_A.json"
    raw = tmp_path / "raw"
    fake = FakeComtrade(db, quota_calls=2)
    client = client_for(fake, raw_dir=raw)
    with pytest.raises(QuotaExhaustedError) as err:
        client.fetch("A", ["2021"], hs, state_path=state_path)
    exc = err.value
    assert "Out of call volume quota" in str(exc) and "1 pending" in str(exc)
    assert "2 calls completed" in str(exc) and str(state_path) in str(exc)
    assert exc.retry_after_s == 3 * 3600 + 14 * 60 + 17
    assert len(fake.requests) == 3  # the 403 was not retried
    assert [c.outcome for c in exc.state.completed] == ["ok", "ok"]
    assert [q.hs_codes[0] for q in exc.state.pending] == [hs[40]]
    on_disk = FetchState.read(state_path)
    assert on_disk.to_dict() == exc.state.to_dict()
    assert on_disk.request == {"freq": "A", "periods": ["2021"], "hs_codes": hs}

    # the next day: a fresh quota; only the pending call is made
    fake2 = FakeComtrade(db)
    client2 = client_for(fake2, raw_dir=raw)
    result = client2.fetch(
        "A", ["2021"], hs, state_path=state_path, body_loader=body_loader_from_store(raw)
    )
    assert len(fake2.requests) == 1
    assert _params(fake2.requests[0])["cmdCode"].startswith(hs[40])
    assert sorted(record_key(r) for r in result.records) == sorted(record_key(r) for r in db)
    assert [c.resumed for c in result.calls] == [True, True, False]
    assert not state_path.exists()

    # a state file for another request is refused
    exc.state.write(state_path)
    with pytest.raises(Exception, match="belongs to another request"):
        client2.fetch("A", ["2022"], hs, state_path=state_path)


def test_401_is_a_clear_auth_error_without_the_key():
    fake = FakeComtrade([], api_key="right-key")
    client = client_for(fake, api_key="wrong-key-123")
    assert client.endpoint is Endpoint.DATA
    with pytest.raises(ComtradeAuthError) as err:
        client.fetch("A", ["2021"], ["283691"])
    msg = str(err.value)
    assert "401" in msg and "invalid subscription key" in msg and "COMTRADE_API_KEY" in msg
    assert "wrong-key-123" not in msg
    assert "https://comtradeapi.un.org/data/v1/get/C/A/HS?" in msg
    assert len(fake.requests) == 1


def test_error_in_json_envelope_names_url():
    body = json_body({"elapsedTime": "0.01 secs", "count": 0, "data": [], "error": "Bad query"})
    fake = FakeComtrade([], faults=[Fault(lambda r: True, [(200, {}, body)])])
    with pytest.raises(ComtradeAPIError) as err:
        client_for(fake).fetch("A", ["2021"], ["283691"])
    assert "Bad query" in str(err.value)
    assert "url=https://comtradeapi.un.org/public/v1/preview/C/A/HS?" in str(err.value)


def test_non_json_200_names_url():
    page = (200, {"Content-Type": "text/html"}, "<html>The resource has been removed</html>")
    fake = FakeComtrade([], faults=[Fault(lambda r: True, [page])])
    with pytest.raises(ComtradeAPIError, match="not JSON.*url=https://comtradeapi"):
        client_for(fake).fetch("A", ["2021"], ["283691"])


def test_key_is_sent_as_header_and_never_stored(tmp_path, monkeypatch):
    key = "s3cret-key-abcdef"
    monkeypatch.setenv("COMTRADE_API_KEY", key)
    assert api_key_from_env() == key
    db = sample_db(["283691"], ["2021"])
    fake = FakeComtrade(db, api_key=key)
    snap, raw = tmp_path / "snap", tmp_path / "raw"
    source = SourceClient(
        COMTRADE_POLICY, Mode.RECORD, snapshot_dir=snap, raw_dir=raw,
        live_transport=fake.transport(), clock=VirtualClock(),
    )  # fmt: skip
    client = ComtradeClient.from_env(source)
    result = client.fetch("A", ["2021"], ["283691"])
    assert fake.requests[0].headers["Ocp-Apim-Subscription-Key"] == key
    assert key not in str(fake.requests[0].url)
    assert key not in repr(client)
    assert key not in json.dumps(result.metadata())
    assert all(key not in r.fetched.url for r in result.responses)
    for path in [*snap.rglob("*"), *raw.rglob("*")]:
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
    assert len(result.records) == len(db)


def test_from_env_ignores_the_key_in_replay(tmp_path, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", "k")
    replay = SourceClient(COMTRADE_POLICY, Mode.REPLAY, snapshot_dir=tmp_path)
    assert ComtradeClient.from_env(replay).endpoint is Endpoint.PREVIEW
    assert ComtradeClient.from_env(replay, replay_uses_key=True).endpoint is Endpoint.DATA
    monkeypatch.delenv("COMTRADE_API_KEY")
    live = SourceClient(COMTRADE_POLICY, Mode.LIVE, live_transport=FakeComtrade([]).transport())
    assert ComtradeClient.from_env(live).endpoint is Endpoint.PREVIEW


def test_a_wait_longer_than_the_cap_stops_resumably_instead_of_sleeping(tmp_path):
    hs = codes(60)
    db = sample_db(hs, ["2021"], partners_per_flow=2)
    state_path = tmp_path / "state" / "comtrade_A.json"
    first = [True]

    def second_call(_request) -> bool:  # the second call is told to come back in an hour
        if first[0]:
            first[0] = False
            return False
        return True

    fake = FakeComtrade(db, faults=[Fault(second_call, [rate_limited(3600)])])
    clock = VirtualClock()
    with pytest.raises(QuotaExhaustedError) as err:
        client_for(fake, clock=clock).fetch("A", ["2021"], hs, state_path=state_path)
    assert "3600" in str(err.value) and err.value.retry_after_s == 3600
    assert sum(clock.sleeps) < COMTRADE_POLICY.max_retry_after_s  # nothing like an hour slept
    assert len(err.value.state.pending) == 2 and state_path.exists()

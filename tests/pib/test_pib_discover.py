"""PIB discovery: the allRel.aspx postback, listing parse and candidate selection (no network)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from assets.pib.discover import (
    F_DAY,
    F_EVENTTARGET,
    F_MINISTRY,
    F_MONTH,
    F_YEAR,
    LISTING_URL,
    ListingItem,
    build_postback_form,
    discover_day,
    hidden_fields,
    load_selection_terms,
    ministry_allowed,
    parse_listing,
    select_candidates,
)
from assets.pib.errors import ListingDateMismatch, ListingErrorPage, PibListingError
from assets.pib.policy import DEFAULT_MINISTRIES, PIB_POLICY
from pipelines.http import Mode, SourceClient, VirtualClock
from pipelines.snapshot import SnapshotReader

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "pib"
MANIFEST = json.loads((ROOT / "tools" / "snapshots" / "pib_expected.json").read_text("utf-8"))
PRINT_BUTTON = "ctl00$ContentPlaceHolder1$Print1$print"


def snapshot_bodies() -> tuple[bytes, dict[date, bytes], bytes]:
    """(listing GET body, {day: postback body}, error page body) from the bundled snapshot."""
    reader = SnapshotReader(SNAPSHOT)
    get_body, days, error = b"", {}, b""
    keys = reader.keys()  # SnapshotReader is not iterable
    for key in keys:
        ex = reader.next_for(key)
        body = reader.body(ex)
        if key.startswith("GET https://www.pib.gov.in/allRel.aspx"):
            get_body = body
        elif key.startswith("POST https://www.pib.gov.in/allRel.aspx"):
            f = ex.form
            days[date(int(f[F_YEAR]), int(f[F_MONTH]), int(f[F_DAY]))] = body
        elif b"Untitled Page" in body:
            error = body
    return get_body, days, error


GET_BODY, DAY_BODIES, ERROR_BODY = snapshot_bodies()


# --------------------------------------------------------------------------- postback form


def test_postback_form_copies_every_hidden_input_and_sets_the_date():
    hidden = hidden_fields(GET_BODY)
    for name in (
        "script_HiddenField",
        "__EVENTTARGET",
        "__EVENTARGUMENT",
        "__LASTFOCUS",
        "__VIEWSTATE",
        "__VIEWSTATEGENERATOR",
        "__VIEWSTATEENCRYPTED",
        "__EVENTVALIDATION",
        "ctl00$ContentPlaceHolder1$hydregionid",
        "ctl00$ContentPlaceHolder1$hydLangid",
    ):
        assert name in hidden
    assert len(hidden["__VIEWSTATE"]) > 5000
    form = build_postback_form(GET_BODY, date(2025, 11, 25))
    for name, value in hidden.items():
        if name not in (F_EVENTTARGET,):
            assert form[name] == value  # copied verbatim (entity-decoded by the parser)
    assert PRINT_BUTTON not in form
    assert not any(k.endswith((".x", ".y")) for k in form)
    assert form[F_EVENTTARGET] == F_DAY
    assert (form[F_DAY], form[F_MONTH], form[F_YEAR]) == ("25", "11", "2025")
    assert form[F_MINISTRY] == "0"
    assert form["ctl00$Bar1$ddlregion"] == "3" and form["ctl00$Bar1$ddlLang"] == "1"


def _site(post_body: bytes, seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = GET_BODY if request.method == "GET" else post_body
        return httpx.Response(200, content=body, headers={"Content-Type": "text/html"})

    return httpx.MockTransport(handler)


def test_postback_request_on_the_wire():
    seen: list[httpx.Request] = []
    day = date(2025, 11, 26)
    with SourceClient(
        PIB_POLICY, Mode.LIVE, live_transport=_site(DAY_BODIES[day], seen), clock=VirtualClock()
    ) as client:
        listing = discover_day(client, day)
    get, post = seen
    assert get.method == "GET" and str(get.url) == LISTING_URL
    assert post.method == "POST" and str(post.url) == LISTING_URL
    assert post.headers["referer"] == LISTING_URL
    assert post.headers["origin"] == "https://www.pib.gov.in"
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    sent = dict(parse_qsl(post.content.decode(), keep_blank_values=True))
    assert sent["__VIEWSTATE"] == hidden_fields(GET_BODY)["__VIEWSTATE"]
    assert sent["__EVENTVALIDATION"] == hidden_fields(GET_BODY)["__EVENTVALIDATION"]
    assert sent[F_DAY] == "26" and sent[F_MONTH] == "11" and sent[F_YEAR] == "2025"
    assert PRINT_BUTTON not in sent
    assert listing.day == day and listing.applied_date_label == "26-November-2025"


def test_date_label_mismatch_is_an_error_naming_source_url_and_field():
    seen: list[httpx.Request] = []
    # the server ignores the postback and shows another day
    with (
        SourceClient(
            PIB_POLICY,
            Mode.LIVE,
            live_transport=_site(DAY_BODIES[date(2025, 11, 27)], seen),
            clock=VirtualClock(),
        ) as client,
        pytest.raises(ListingDateMismatch) as err,
    ):
        discover_day(client, date(2025, 11, 25))
    msg = str(err.value)
    assert msg.startswith("[pib]")
    assert LISTING_URL in msg
    assert "#ContentPlaceHolder1_lblDate" in msg and "27-November-2025" in msg
    assert "2025-11-25" in msg
    assert err.value.field == "#ContentPlaceHolder1_lblDate"


def test_error_page_after_postback_is_detected():
    assert ERROR_BODY, "the snapshot holds an error page"
    with (
        SourceClient(
            PIB_POLICY, Mode.LIVE, live_transport=_site(ERROR_BODY, []), clock=VirtualClock()
        ) as client,
        pytest.raises(ListingErrorPage) as err,
    ):
        discover_day(client, date(2025, 11, 25))
    assert "Untitled Page" in str(err.value) and LISTING_URL in str(err.value)


def test_missing_date_label_is_an_error():
    html = "<html><head><title>All Press Release</title></head><body><div class='content-area'>"
    html += "<ul class='num'></ul></div></body></html>"
    with pytest.raises(PibListingError, match="lblDate"):
        parse_listing(html, LISTING_URL)


# --------------------------------------------------------------------------- listing parse

LISTING = """<html><head><title>All Press Release</title></head><body>
<div class="search_box_result">Displaying 4 Press Releases
<span id="ContentPlaceHolder1_lblDate">10-September-2026</span></div>
<div class="content-area"><ul class="num">
 <li><h3 class="font104">Ministry of Mines</h3>
   <ul class="leftul">
     <li><a title='Lithium &amp; more' href='/PressReleseDetail.aspx?PRID=2317207' target="_self">Lithium &amp; more</a><span class='publishdatesmall'>Posted on: 10 Sep 2026</li>
     <li><a title='प्रेस विज्ञप्ति' href='/PressReleseDetail.aspx?PRID=2317208' target="_self">प्रेस विज्ञप्ति</a><span class='publishdatesmall'>Posted on: 10 Sep 2026</li>
   </ul></li>
 <li><h3 class="font104">Ministry of Commerce &amp; Industry</h3><ul class="leftul">
     <li><a title='Again' href='PressReleasePage.aspx?PRID=2317207&amp;reg=48&amp;lang=1' target="_self">Again</a><span class='publishdatesmall'>Posted on: 10 Sep 2026</li>
     <li><a title='Trade talks' href='https://pib.gov.in/PressReleaseIframePage.aspx?PRID=2317300' target="_self">Trade talks</a><span class='publishdatesmall'>Posted on: 09 Sep 2026</li>
 </ul></li>
</ul></div></body></html>"""


def test_listing_quirks_unclosed_span_any_path_dedupe_placeholder():
    listing = parse_listing(LISTING, LISTING_URL)
    assert listing.day == date(2026, 9, 10)
    assert [(i.prid, i.ministry, i.title, i.listed_on) for i in listing.items] == [
        (2317207, "Ministry of Mines", "Lithium & more", date(2026, 9, 10)),
        (2317300, "Ministry of Commerce & Industry", "Trade talks", date(2026, 9, 9)),
    ]
    assert listing.duplicates_dropped == 1 and listing.placeholders_skipped == 1


# --------------------------------------------------------------------------- replayed days


# PRIDs are global and grow by ~300-1,000 a day (pib.md §5): each month's days sit in its own band
# (the in-sample days of Nov 2025 and the held-out days of Nov 2023, Jan 2024 and Jan 2025).
PRID_BANDS = {
    "2025-11": (2_193_000, 2_196_000),
    "2023-11": (1_979_000, 1_982_000),
    "2024-01": (1_995_000, 1_998_000),
    "2025-01": (2_096_000, 2_099_000),
}


@pytest.mark.parametrize("day", sorted(MANIFEST["days"]))
def test_discover_snapshot_day_through_replay(day):
    d = date.fromisoformat(day)
    exp = MANIFEST["days"][day]
    with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:
        listing = discover_day(client, d)
    assert listing.day == d
    assert len(listing.items) == exp["listed"]
    assert 40 <= len(listing.items) <= 70
    assert len(listing.ministries) == exp["ministry_headings"] >= 15
    assert len(set(listing.prids)) == len(listing.prids)
    assert all(i.listed_on == d for i in listing.items)
    lo, hi = PRID_BANDS[day[:7]]
    assert all(lo < p < hi for p in listing.prids)
    assert listing.prids != sorted(listing.prids)  # grouped by ministry, not PRID order
    cands = select_candidates(listing)
    assert [c.prid for c in cands] == exp["candidates"]


def test_first_day_has_decorated_duplicate_and_hindi_placeholder():
    with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:
        listing = discover_day(client, date(2025, 11, 25))
    assert listing.duplicates_dropped == 1 and listing.placeholders_skipped == 1
    item = next(i for i in listing.items if i.prid == 2194182)
    assert item.ministry == "Ministry of Mines"
    assert item.title.startswith("Development of 3 Lakh Ton Annual Recycling Capacity")
    hindi = next(i for i in listing.items if i.prid == 2194226)
    assert hindi.title.startswith("₹1,500 करोड़")


def test_replayed_day_not_in_snapshot_names_the_request():
    from pipelines.http import NotInSnapshotError

    with (
        SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client,
        pytest.raises(NotInSnapshotError) as err,
    ):
        discover_day(client, date(2025, 11, 28))
    assert "ddlday=28" in str(err.value)


# --------------------------------------------------------------------------- selection


def item(ministry: str, title: str, prid: int = 1) -> ListingItem:
    return ListingItem(prid, ministry, title, None, f"/PressReleseDetail.aspx?PRID={prid}")


def test_selection_rule_ministry_or_gazetteer():
    items = [
        item("Ministry of Mines", "Swachhata drive at GSI", 1),
        item("Ministry of Commerce and Industry", "Exporters meet", 2),  # '&' vs 'and'
        item("Ministry of Defence", "Naval ship visits Darwin, Australia", 3),
        item("Ministry of Science & Technology", "Process to recover Rare Earths from magnets", 4),
        item("Ministry of Health and Family Welfare", "Meeting on vaccine stocks", 5),  # not 'tin'
        item("Ministry of Petroleum & Natural Gas", "India–Argentina lithium-brine MoU", 6),
        item("Cabinet Committee on Economic Affairs (CCEA)", "Cabinet approves railway line", 7),
        item("Ministry of Chemicals and Fertilizers : Department of Fertilizers", "Urea", 8),
        item("Ministry of Culture", "Heritage walk", 9),
    ]
    got = {c.prid: c.reasons for c in select_candidates(items)}
    assert set(got) == {1, 2, 3, 4, 6, 7}
    assert got[1] == ("ministry:Ministry of Mines",)
    assert got[3] == ("country:Australia",)
    assert got[4] == ("mineral:rare earth",)
    assert set(got[6]) == {"mineral:lithium", "country:Argentina"}


def test_selection_is_configurable():
    items = [
        item("Ministry of Mines", "Samvidhan Divas", 1),
        item("Ministry of Culture", "Cobalt blue pottery show", 2),
    ]
    terms = load_selection_terms(ROOT / "assets" / "pib" / "selection_terms.csv")
    assert [c.prid for c in select_candidates(items, ministries=[], terms=terms)] == [2]
    assert [c.prid for c in select_candidates(items, ministries=["Ministry of Mines"])] == [1, 2]


def test_parent_department_heading_matches_parent_on_allow_list():
    assert ministry_allowed("Ministry of Coal", DEFAULT_MINISTRIES)
    assert ministry_allowed("  cabinet  ", DEFAULT_MINISTRIES)
    assert ministry_allowed("Ministry of Steel : Department X", DEFAULT_MINISTRIES)
    assert not ministry_allowed("Ministry of Coal and Mines Welfare", DEFAULT_MINISTRIES)

"""Issue 9 guards in the PIB parsers: completeness, layout drift, truncation, bounds, sign-offs.

Listing pages are written in the markup PIB served on 6 Oct 2026 (``div.search_box_result``
"Displaying N Press Releases", ``div.content-area > ul > li > h3.font104 + ul.num``) and its
variants; release pages are the bundled snapshot pages, cut or edited.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assets.pib import parse as parse_mod
from assets.pib.discover import check_listing_page, parse_listing
from assets.pib.errors import (
    ListingCountMissing,
    ListingDateMismatch,
    ListingIncomplete,
    ListingInvalidValue,
    ListingUnexpectedError,
    PibListingError,
    PibParseError,
    ReleaseInvalidValue,
    ReleaseTruncated,
    ReleaseUnexpectedError,
)
from assets.pib.parse import parse_release, release_url
from pipelines.snapshot import SnapshotReader

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "pib"
URL = "https://www.pib.gov.in/allRel.aspx?reg=3&lang=1"
DAY = date(2026, 10, 6)


# --------------------------------------------------------------------------- listing markup


def link(prid: int | str, title: str = "", href: str | None = None) -> str:
    title = title or f"Release {prid}"
    href = href if href is not None else f"/PressReleaseDetail.aspx?PRID={prid}"
    return f"<li><a title='{title}' href='{href}' target=\"_blank\">{title} </a></li>"


def listing(
    body: str,
    count: str | None = "auto",
    label: str = "06-October-2026",
    area_class: str = "content-area",
    tail: str = "</body></html>",
) -> str:
    """An allRel page as served on 6 Oct 2026; ``count`` "auto" states the number of links."""
    if count == "auto":
        count = str(body.count("PRID=") + body.count("Bind_PressReleaseDetails"))
    stated = f"Displaying  {count} Press Releases  " if count is not None else ""
    return (
        "<!DOCTYPE html><html><head><title>All Press Release | Press Information Bureau</title>"
        "</head><body><form method='post' action='./allRel.aspx?reg=3&amp;lang=1' id='form1'>"
        '<div class="search_box_result" aria-level="2" role="heading">'
        f'{stated}<span id="ContentPlaceHolder1_lblDate">{label}</span>  </div>'
        f'<div class="{area_class}">{body}</div>'
        "<footer><h3>Contact us</h3><p>Visitor Counter : 8,45,21,907</p></footer></form>" + tail
    )


def ministry(name: str, *links: str, ul: str = "<ul class='num'>") -> str:
    return f"<li><h3 class='font104'>{name}</h3>{ul}{''.join(links)}</ul></li>"


REAL = listing(
    "<ul>"
    + ministry("Ministry of Coal", link(2315470, "Coal stock"))
    + ministry("Ministry of Mines", link(2315471, "Lithium blocks"), link(2315472, "Tranche VII"))
    + "</ul>"
)


def test_real_oct_2026_listing_parses_and_is_complete():
    got = parse_listing(REAL, URL, DAY)
    assert [(i.prid, i.ministry, i.title) for i in got.items] == [
        (2315470, "Ministry of Coal", "Coal stock"),
        (2315471, "Ministry of Mines", "Lithium blocks"),
        (2315472, "Ministry of Mines", "Tranche VII"),
    ]
    assert got.stated_count == 3 and got.release_links == 3
    assert all(i.listed_on == DAY for i in got.items)  # no "Posted on": the applied day
    assert got.period == "day"


# --------------------------------------------------------------------------- 1. completeness


def test_fewer_items_than_stated_names_day_url_and_both_counts():
    page = REAL.replace("Displaying  3 Press", "Displaying  52 Press")
    with pytest.raises(ListingIncomplete) as err:
        parse_listing(page, URL, DAY)
    e = err.value
    assert (e.stated, e.parsed, e.raw, e.day) == (52, 3, 3, DAY)
    msg = str(e)
    assert msg.startswith("[pib]") and URL in msg and "2026-10-06" in msg
    assert "52" in msg and "parsed 3" in msg
    assert isinstance(e, PibListingError)


def test_more_items_than_stated_is_incomplete_too():
    with pytest.raises(ListingIncomplete):
        parse_listing(REAL.replace("Displaying  3 Press", "Displaying  2 Press"), URL, DAY)


def test_stated_count_may_be_raw_or_deduplicated():
    body = "<ul>" + ministry(
        "Ministry of Mines",
        link(2315471, "Lithium"),
        link(2315471, "Lithium again", "PressReleasePage.aspx?PRID=2315471&amp;reg=48&amp;lang=1"),
        link(2315473, "प्रेस विज्ञप्ति"),
        link(2315474, "Graphite"),
    )
    body += "</ul>"
    for stated in (4, 3, 2):  # links, distinct PRIDs, items kept
        got = parse_listing(listing(body, str(stated)), URL, DAY)
        assert [i.prid for i in got.items] == [2315471, 2315474]
        assert got.duplicates_dropped == 1 and got.placeholders_skipped == 1
    with pytest.raises(ListingIncomplete):
        parse_listing(listing(body, "5"), URL, DAY)
    with pytest.raises(ListingIncomplete):
        parse_listing(listing(body, "1"), URL, DAY)


def test_heading_without_items_is_named():
    body = (
        "<ul>"
        + ministry("Ministry of Coal", link(2315470))
        + ministry("Ministry of Steel")
        + ministry("Ministry of Mines", link(2315471))
        + "</ul>"
    )
    with pytest.raises(ListingIncomplete) as err:
        parse_listing(listing(body), URL, DAY)
    assert err.value.heading == "Ministry of Steel"
    assert "'Ministry of Steel'" in str(err.value)


@pytest.mark.parametrize(
    "marker",
    [
        "<div class='norecord'>***No Release Found***</div>",
        "<div class='norecord'>No Releases Found</div>",
    ],
)
def test_an_empty_day_needs_the_no_record_marker(marker):
    got = parse_listing(listing(marker, count=None), URL, DAY)
    assert got.items == [] and got.stated_count == 0
    got = parse_listing(listing("", count="0"), URL, DAY)  # "Displaying 0 Press Releases"
    assert got.items == [] and got.stated_count == 0


def test_an_empty_day_without_a_statement_is_not_accepted():
    with pytest.raises(ListingCountMissing) as err:
        parse_listing(listing("<ul></ul>", count=None), URL, DAY)
    assert err.value.field and "Displaying N Press Releases" in err.value.field
    assert "2026-10-06" in str(err.value) and URL in str(err.value)


def test_no_count_statement_at_all_is_a_typed_error_naming_the_field():
    with pytest.raises(ListingCountMissing) as err:
        parse_listing(REAL.replace("Displaying  3 Press Releases", ""), URL, DAY)
    assert "search_box_result" in str(err.value)


def test_a_page_that_says_none_but_lists_some_is_refused():
    with pytest.raises(ListingIncomplete, match="says it has no releases"):
        parse_listing(REAL.replace("Displaying  3 Press", "Displaying  0 Press"), URL, DAY)
    page = REAL.replace("<ul>", "<div class='norecord'>***No Release Found***</div><ul>", 1)
    with pytest.raises(ListingIncomplete):
        parse_listing(page.replace("Displaying  3 Press Releases", ""), URL, DAY)


def test_conflicting_or_absurd_counts_are_typed():
    two = REAL.replace("</form>", "<p>Displaying 7 Press Releases</p></form>")
    with pytest.raises(ListingCountMissing, match="conflicting"):
        parse_listing(two, URL, DAY)
    huge = REAL.replace("Displaying  3 Press", "Displaying  " + "9" * 5000 + " Press")
    with pytest.raises(ListingCountMissing):
        parse_listing(huge, URL, DAY)


def test_count_split_by_markup_is_still_read():
    page = REAL.replace("Displaying  3 Press", "Displaying <b>3</b> Press")
    assert parse_listing(page, URL, DAY).stated_count == 3


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.8, 0.97])
def test_a_listing_cut_short_never_passes(keep):
    snap = _snapshot_listing(date(2025, 11, 25))
    with pytest.raises(ListingIncomplete):
        parse_listing(snap[: int(len(snap) * keep)], URL, date(2025, 11, 25))


def test_the_snapshot_listings_state_their_count():
    first = parse_listing(_snapshot_listing(date(2025, 11, 25)), URL, date(2025, 11, 25))
    assert (first.stated_count, first.release_links, len(first.items)) == (54, 54, 52)
    old_layout = parse_listing(_snapshot_listing(date(2023, 11, 29)), URL, date(2023, 11, 29))
    assert old_layout.stated_count == old_layout.release_links == len(old_layout.items) == 43


# --------------------------------------------------------------------------- 2. drift


def _prids(page: str) -> list[tuple[int, str]]:
    return [(i.prid, i.ministry) for i in parse_listing(page, URL, DAY).items]


EXPECTED = [
    (2315470, "Ministry of Coal"),
    (2315471, "Ministry of Mines"),
    (2315472, "Ministry of Mines"),
]


def test_old_layout_one_list_per_ministry_ul_leftul_with_posted_on():
    body = (
        '<h2 class="page-heading">All Press Releases</h2><ul class="num">'
        '<li><h3 class="font104">Ministry of Coal</h3><ul class="leftul">'
        "<li><a title='A' href='/PressReleseDetail.aspx?PRID=2315470' target=\"_self\">A</a>"
        "<span class='publishdatesmall'>Posted on: 06 Oct 2026</li></ul></li>"
        '<li><h3 class="font104">Ministry of Mines</h3><ul class="leftul">'
        "<li><a title='B' href='PressReleasePage.aspx?PRID=2315471&amp;reg=48&amp;lang=1'>B</a>"
        "<span class='publishdatesmall'>Posted on: 05 Oct 2026</li>"
        "<li><a title='C' href='https://pib.gov.in/PressReleaseIframePage.aspx?PRID=2315472'>C"
        "</a><span class='publishdatesmall'>Posted on: 06 Oct 2026</li></ul></li></ul>"
    )
    got = parse_listing(listing(body), URL, DAY)
    assert [(i.prid, i.ministry) for i in got.items] == EXPECTED
    assert [i.listed_on for i in got.items] == [DAY, date(2026, 10, 5), DAY]


def test_one_list_for_all_ministries_without_classes():
    body = (
        "<ul><li><h3>Ministry of Coal</h3></li>" + link(2315470) + "<li><h3>Ministry of Mines</h3>"
        "</li>" + link(2315471) + link(2315472) + "</ul>"
    )
    assert _prids(listing(body)) == EXPECTED


def test_renamed_heading_class_and_other_heading_level():
    assert _prids(REAL.replace("class='font104'", "class='hd-ministry'")) == EXPECTED
    h4 = REAL.replace("<h3 class='font104'>", "<h4>").replace("</h3>", "</h4>")
    assert _prids(h4) == EXPECTED


def test_renamed_content_area_reads_headings_between_the_links():
    page = REAL.replace('class="content-area"', 'class="content-area-v2"')
    page = page.replace("id='form1'>", "id='form1'><h3>Search releases</h3>", 1)  # furniture
    assert _prids(page) == EXPECTED  # the footer h3 "Contact us" is not a ministry either


def test_onclick_binder_anchors_and_absolute_links():
    body = "<ul>" + ministry(
        "Ministry of Mines",
        "<li><a href='javascript:void(0)' onclick='return Bind_PressReleaseDetails(2315471)'>"
        "Lithium</a></li>",
        link(2315472, "Graphite", "https://www.pib.gov.in/PressReleasePage.aspx?PRID=2315472"),
    )
    got = parse_listing(listing(body + "</ul>"), URL, DAY)
    assert [(i.prid, i.title) for i in got.items] == [(2315471, "Lithium"), (2315472, "Graphite")]
    assert "PRID=2315471" in got.items[0].href


def test_month_listing_items_carry_their_own_date():
    body = (
        "<ul>"
        + ministry(
            "Ministry of Mines",
            "<li><a title='A' href='/PressReleseDetail.aspx?PRID=2315471'>A</a>"
            "<span class='publishdatesmall'>Posted on: 02 Oct 2026</li>",
            "<li><a title='B' href='/PressReleseDetail.aspx?PRID=2315472'>B</a>"
            "<span class='publishdatesmall'>Posted on: 29 Oct 2026</li>",
        )
        + "</ul>"
    )
    got = parse_listing(listing(body, label="October-2026"), URL)
    assert got.period == "month"
    assert [i.listed_on for i in got.items] == [date(2026, 10, 2), date(2026, 10, 29)]
    with pytest.raises(ListingDateMismatch):  # a day was asked for, a month came back
        check_listing_page(listing(body, label="October-2026"), URL, date(2026, 10, 1))


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_listing_parses_without_recursion(depth):
    nested = REAL.replace("<ul>", "<div>" * depth + "<ul>", 1)
    assert _prids(nested.replace("</ul></div>", "</ul>" + "</div>" * depth + "</div>", 1)) == (
        EXPECTED
    )
    if depth <= 1_000:  # unclosed: the footer (and its "Contact us" h3) is now in the list
        with pytest.raises(ListingIncomplete, match="Contact us"):
            parse_listing(nested, URL, DAY)


# --------------------------------------------------------------------------- 3. truncation


def _snapshot_bodies() -> dict[str, bytes]:
    reader = SnapshotReader(SNAPSHOT)
    out = {}
    keys = reader.keys()  # SnapshotReader is not iterable
    for key in keys:
        ex = reader.next_for(key)
        if ex.status == 200:
            out[key] = reader.body(ex)
    return out


BODIES = _snapshot_bodies()


def _snapshot_listing(day: date) -> str:
    key = next(
        k
        for k in BODIES
        if k.startswith("POST")
        and f"ddlday={day.day}&" in k + "&"
        and f"ddlMonth={day.month}&" in k + "&"
        and f"ddlYear={day.year}" in k
    )
    return BODIES[key].decode()


def _release(prid: int) -> tuple[str, bytes]:
    key = next(
        k
        for k in BODIES
        if k.startswith("GET") and re.search(rf"PRID={prid}(&|$)", k) and "reg=3" in k
    )
    return release_url(prid), BODIES[key]


def test_every_bundled_release_page_carries_its_end_markers():
    pages = [b for k, b in BODIES.items() if "PRID=" in k and b"Untitled Page" not in b]
    assert len(pages) >= 80
    for body in pages:
        assert re.search(rb'id="[\w]*ReleaseId(Event)?">[^<]*\d', body)
        assert re.search(rb'id="[\w]*lblViews(Event)?"', body)
        assert body.rstrip().endswith(b"</html>")
        assert b'PdfDiv" style="display: none;"' in body  # the hidden duplicate body


@pytest.mark.parametrize(
    "cut_before", [b"ReleaseId", b"lblViews", b"RelLink", b"PdfDiv", b"</html>"]
)
def test_a_release_cut_before_its_end_is_truncated(cut_before):
    url, body = _release(2194105)
    cut = body.rindex(cut_before)
    with pytest.raises(ReleaseTruncated) as err:
        parse_release(body[:cut], url, 2194105)
    assert "2194105" in str(err.value) and url in str(err.value)
    parse_release(body, url, 2194105)  # the whole page parses


def test_release_without_counter_or_release_id_is_truncated():
    url, body = _release(2194105)
    no_views = re.sub(rb'<span id="lblViews">[^<]*</span>', b"", body)
    with pytest.raises(ReleaseTruncated, match="lblViews"):
        parse_release(no_views, url, 2194105)
    no_rid = re.sub(rb'<span id="ReleaseId">[^<]*</span>', b"", body)
    with pytest.raises(ReleaseTruncated, match="ReleaseId"):
        parse_release(no_rid, url, 2194105)


def test_event_layout_uses_its_own_markers():
    url, body = _release(2194760)
    assert b"ReleaseIdEvent" in body and b"lblViewsEvent" in body
    assert parse_release(body, url, 2194760).template == "event"
    with pytest.raises(ReleaseTruncated):
        parse_release(body[: body.index(b"lblViewsEvent")], url, 2194760)


def test_release_id_marker_must_agree_with_hydpermid():
    url, body = _release(2194105)
    bad = body.replace(b"(Release ID: 2194105)", b"(Release ID: 2194106)")
    with pytest.raises(PibParseError, match="two PRIDs"):
        parse_release(bad, url, 2194105)


# --------------------------------------------------------------------------- 4. bounds


@pytest.mark.parametrize(
    ("depth", "tag"),
    [(1_000, "div"), (1_000, "span"), (1_000, "table"), (1_000, "li"), (5_000, "b")]
    + [(100_000, "div")],
)
def test_unclosed_tags_do_not_recurse(depth, tag):
    url, body = _release(2194182)
    first = body.index(b'<p style="text-align:justify">')
    deep = body[:first] + f"<{tag}>".encode() * depth + body[first:]
    try:
        got = parse_release(deep, url, 2194182)
    except PibParseError:
        return
    assert "The Secretary, Ministry of Mines, Shri Piyush Goyal" in got.body_text


def test_huge_digit_runs_are_typed_errors():
    url, body = _release(2194105)
    bad = body.replace(
        b'id="hydpermid" value="2194105"', b'id="hydpermid" value="' + b"7" * 5000 + b'"'
    )
    with pytest.raises(ReleaseInvalidValue, match="5000 digits"):
        parse_release(bad, url, 2194105)
    bad = body.replace(b"(Release ID: 2194105)", b"(Release ID: " + b"1" * 5000 + b")")
    with pytest.raises(ReleaseInvalidValue):
        parse_release(bad, url, 2194105)
    bad = re.sub(rb"Visitor Counter : \d+", b"Visitor Counter : " + b"9" * 5000, body)
    with pytest.raises(ReleaseInvalidValue, match="visitor counter"):
        parse_release(bad, url, 2194105)


def test_prid_range_is_validated_everywhere():
    url, body = _release(2194105)
    with pytest.raises(ReleaseInvalidValue):
        parse_release(body, url, 10**19)
    with pytest.raises(ReleaseInvalidValue):
        parse_release(body, release_url(2194105).replace("2194105", "9" * 20), None)
    zero = body.replace(b'id="hydpermid" value="2194105"', b'id="hydpermid" value="0"')
    with pytest.raises(ReleaseInvalidValue):
        parse_release(zero, url, 2194105)
    bad = REAL.replace("PRID=2315471", "PRID=" + "9" * 20)
    with pytest.raises(ListingInvalidValue, match="PRID"):
        parse_listing(bad, URL, DAY)
    with pytest.raises(ListingInvalidValue):
        parse_listing(REAL.replace("PRID=2315471", "PRID=" + "1" * 5000), URL, DAY)


def test_translation_link_with_a_huge_prid_is_typed():
    url, body = _release(2194182)
    bad = body.replace(b"PRID=2194226", b"PRID=" + b"4" * 25)
    with pytest.raises(ReleaseInvalidValue, match="ReleaseLang"):
        parse_release(bad, url, 2194182)


def test_any_other_exception_becomes_typed_with_its_cause(monkeypatch):
    url, body = _release(2194105)

    def boom(*_a, **_k):
        raise KeyError("surprise")

    monkeypatch.setattr(parse_mod, "_images", boom)
    with pytest.raises(ReleaseUnexpectedError) as err:
        parse_release(body, url, 2194105)
    assert isinstance(err.value.__cause__, KeyError)
    assert "2194105" in str(err.value) and url in str(err.value) and "KeyError" in str(err.value)

    import assets.pib.discover as discover_mod

    monkeypatch.setattr(discover_mod, "_walk", boom)
    with pytest.raises(ListingUnexpectedError) as lerr:
        parse_listing(REAL, URL, DAY)
    assert isinstance(lerr.value.__cause__, KeyError) and URL in str(lerr.value)


# --------------------------------------------------------------------------- 5. sign-offs


PAGE = """<html><head><title>Press Release Page | Press Information Bureau</title></head><body>
<input type="hidden" name="hydpermid" id="hydpermid" value="1"/>
<div class="innner-page-main-about-us-content-right-part">
<div id="MinistryName" class="MinistryNameSubhead">Ministry of Mines</div>
<div class="text-center event-heading-background"><h1 id="Titleh2">T</h1></div>
<div id="PrDateTime" class="ReleaseDateSubHeaddateTime">Posted On: 01 DEC 2025 12:05PM by PIB Delhi</div>
{body}
<div id="reel_pic"></div><br/><span id="ReleaseId">(Release ID: 1)</span>
<span id="lblViews">Visitor Counter : 7</span><span id="lblRefPhoto"></span>
<div class="ReleaseLang"></div>
</div>
<div id="PdfDiv" style="display: none;"><p>DUPLICATE BODY</p></div>
</body></html>"""


@pytest.mark.parametrize(
    "code", ["SR/Sri", "Sri/Ab", "RKJ/M", "MJPS/SS/VJ/RK", "Sri / Ab /", "SK/sm"]
)
def test_signoff_codes_in_any_case_are_stripped(code):
    body = f"<p>Real text.</p><p>****</p><p><strong>{code}</strong></p>"
    got = parse_release(PAGE.format(body=body), "https://www.pib.gov.in/x?PRID=1", 1)
    assert got.paragraphs == ["Real text."]


@pytest.mark.parametrize("prose", ["and/or", "A/B testing is fine", "km/h", "Rs. 5/kg", "N/A."])
def test_prose_with_slashes_is_kept(prose):
    body = f"<p>Real text.</p><p>{prose}</p>"
    got = parse_release(PAGE.format(body=body), "https://www.pib.gov.in/x?PRID=1", 1)
    assert got.paragraphs == ["Real text.", prose]


def test_typed_errors_survive_pickling_with_their_fields():
    import pickle

    err = ListingIncomplete(URL, "short", day=DAY, stated=52, parsed=3, raw=3, heading="Coal")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ListingIncomplete and str(back) == str(err)
    assert (back.stated, back.parsed, back.heading, back.url) == (52, 3, "Coal", URL)
    rel = pickle.loads(pickle.dumps(ReleaseTruncated(7, "u", "[id$=ReleaseId]", "cut")))
    assert (rel.prid, rel.element, str(rel)) == (7, "[id$=ReleaseId]", "[pib] PRID 7: cut (url=u)")


def test_a_mangled_charset_declaration_is_read_as_utf8():
    # found by bench/fuzz_parsers.py: lxml refuses an encoding name with control characters
    url, body = _release(2194105)
    bad = body.replace(b'<meta charset="utf-8" />', b'<meta charset="u\xce\x17b=%2C" />')
    assert bad != body
    assert parse_release(bad, url, 2194105).prid == 2194105
    page = REAL.encode().replace(b"<head>", b'<head><meta charset="\x01x" />')
    assert _prids(page.decode()) == EXPECTED and parse_listing(page, URL, DAY).items

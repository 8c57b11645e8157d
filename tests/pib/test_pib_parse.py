"""The PIB release parser on every page variant of the bundled snapshot (no network)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assets.pib.errors import EmptyReleaseError, PibParseError, ReleaseErrorPage
from assets.pib.parse import (
    Release,
    Translation,
    fetch_release,
    fetch_release_page,
    infer_language,
    parse_release,
    release_url,
)
from assets.pib.policy import PIB_POLICY
from pipelines.http import Mode, SourceClient

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "pib"
MANIFEST = json.loads((ROOT / "tools" / "snapshots" / "pib_expected.json").read_text("utf-8"))
IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture(scope="module")
def pages() -> dict[int, tuple[str, bytes]]:
    """Final URL and body of every fetched release page, replayed from the snapshot."""
    out = {}
    with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:
        for prid in MANIFEST["releases"]:
            got = fetch_release_page(client, int(prid))
            out[int(prid)] = (got.url, got.content)
    return out


def parse(pages, prid: int) -> Release:
    url, body = pages[prid]
    return parse_release(body, url, prid)


def ist(y, mo, d, h, mi) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=IST)


def assert_clean_body(r: Release) -> None:
    text = r.body_text
    assert "Visitor Counter" not in text
    assert "Release ID" not in text
    assert "****" not in text
    assert "Posted On" not in text  # nothing from the PdfDiv header copy
    assert "__VIEWSTATE" not in text and "/wEPDwUK" not in text
    assert r.ministry not in r.paragraphs  # the heading is not body
    # the hidden PdfDiv duplicates the body: every paragraph must appear exactly once
    assert len(r.paragraphs) == len(set(r.paragraphs)) or r.tables


# --------------------------------------------------------------------------- variants


def test_standard_2026_page_recycling_review(pages):
    r = parse(pages, 2194182)
    assert r.prid == 2194182
    assert r.ministry == "Ministry of Mines"
    assert r.title == (
        "Development of 3 Lakh Ton Annual Recycling Capacity for Critical Mineral Extraction "
        "Envisaged from the ₹1,500 crore Incentive Scheme"
    )
    assert r.subtitles == [
        "Review of Scheme Implementation Reveal a Significant Number of Beneficiaries Already "
        "Registered for the Scheme"
    ]
    assert r.posted_at == ist(2025, 11, 25, 17, 36)
    assert r.posted_at.utcoffset().total_seconds() == 5.5 * 3600
    assert r.office == "PIB Delhi"
    assert r.language == "en"
    assert r.template == "page" and r.title_tag == "h1"
    assert r.translations == [Translation(2194226, "हिन्दी")]
    assert r.views == 2184
    assert r.images == ["https://static.pib.gov.in/WriteReadData/userfiles/image/image001Y5QK.jpg"]
    assert len(r.paragraphs) == 6
    assert r.paragraphs[0].startswith("The Secretary, Ministry of Mines, Shri Piyush Goyal")
    assert r.paragraphs[-1].endswith("laid down in the guidelines.")
    assert "SK/SM" not in r.body_text
    assert "JNARDDC" in r.body_text and "01.04.2026" in r.body_text
    assert_clean_body(r)


def test_hindi_twin_links_back_and_is_hindi(pages):
    r = parse(pages, 2194226)
    assert r.language == "hi"
    assert r.ministry == "खान मंत्रालय"
    assert r.title.startswith("₹1,500 करोड़ की प्रोत्साहन योजना")
    assert r.posted_at == ist(2025, 11, 25, 18, 48)  # label "प्रविष्टि तिथि:" not "Posted On:"
    assert r.office == "PIB Delhi"
    assert r.translations == [Translation(2194182, "English")]
    assert "एसके/एसएम" not in r.body_text  # Devanagari sign-off dropped too
    assert len(r.paragraphs) == 4
    assert_clean_body(r)


def test_cabinet_decision_and_line_ministry_repost(pages):
    cab, mhi = parse(pages, 2194611), parse(pages, 2194627)
    assert cab.ministry == "Cabinet"
    assert mhi.ministry == "Ministry of Heavy Industries"
    assert (
        cab.title
        == mhi.title
        == (
            "Cabinet approves Scheme to Promote Manufacturing of Sintered Rare Earth Permanent Magnets"
        )
    )
    assert cab.prid != mhi.prid
    assert cab.posted_at == ist(2025, 11, 26, 15, 31)
    assert (mhi.posted_at - cab.posted_at).total_seconds() == 8 * 60
    assert cab.subtitles == [
        "Scheme to establish 6,000 MTPA of integrated Rare Earth Permanent Magnet manufacturing "
        "capacity in India",
        "Total financial outlay of ₹7,280 crore for seven years",
    ]
    assert "₹6,450 crore" in cab.body_text and "₹750 crore" in cab.body_text
    assert "up to 1,200 MTPA" in cab.body_text
    assert "Details of the scheme:" in cab.paragraphs  # bold heading kept as its own line
    assert "MJPS/SK" not in cab.body_text
    assert_clean_body(cab)


def test_mobile_template_after_redirect(pages):
    url, _ = pages[2194472]
    assert "PressReleseDetailm.aspx" in url
    r = parse(pages, 2194472)
    assert r.template == "mobile" and r.title_tag == "h2"
    assert r.ministry == "Ministry of Coal"
    assert r.title == (
        "Ministry of Coal Reviews Coal Stock Position at Thermal Power Plants Ahead of Winter"
    )
    assert r.posted_at == ist(2025, 11, 26, 12, 2)
    assert r.views == 915
    assert len(r.paragraphs) == 2
    assert_clean_body(r)


def test_older_h2_template_with_word_section_wrapper(pages):
    r = parse(pages, 2194534)
    assert r.title_tag == "h2" and r.template == "page"
    assert r.title == "Secretary (Steel) Reviews Progress of PLI Scheme for Specialty Steel"
    assert r.ministry == "Ministry of Steel"
    assert r.posted_at == ist(2025, 11, 26, 13, 38)
    assert len(r.paragraphs) == 2 and r.paragraphs[0].startswith("Secretary, Ministry of Steel")
    assert_clean_body(r)


def test_iframe_style_body_from_ltrDescriptionn(pages):
    r = parse(pages, 2194061)
    assert r.template == "iframe"
    assert r.title == "NITI Aayog Releases Report on Strengthening State Statistical Systems"
    assert r.ministry == "NITI Aayog"
    assert r.posted_at == ist(2025, 11, 25, 15, 30)
    assert len(r.paragraphs) == 3
    assert r.paragraphs[0].startswith("NITI Aayog today released a report")
    assert "DS/SD" not in r.body_text and "&lt;" not in r.body_text and "<p" not in r.body_text


def test_event_layout_without_PrDateTime(pages):
    r = parse(pages, 2194760)
    assert r.template == "event"
    assert r.ministry == "Ministry of Information & Broadcasting"
    assert r.posted_at == ist(2025, 11, 26, 18, 10)
    assert r.office == "PIB Delhi"
    assert r.prid == 2194760 and r.views == 312
    assert len(r.paragraphs) == 3
    assert "रिलीज़ आईडी" not in r.body_text
    assert_clean_body(r)


def test_double_escaped_entities_are_decoded(pages):
    _, raw = pages[2195233]
    assert b"&amp;lsquo;processing parks&amp;rsquo;" in raw  # really double-escaped
    r = parse(pages, 2195233)
    assert "the ‘processing parks’" in r.body_text
    assert "“an important step to build domestic refining capacity”" in r.body_text
    assert "exploration, mining, beneficiation" in r.body_text
    assert "&amp;" not in r.body_text and "&lsquo;" not in r.body_text
    assert "₹16,300 crore" in r.body_text and "₹18,000 crore" in r.body_text


def test_tweet_dropped_table_kept(pages):
    _, raw = pages[2195142]
    assert b'class="twitter-tweet"' in raw
    r = parse(pages, 2195142)
    assert r.tweets_removed == 1
    assert "Last date for bid submission in Tranche VI" not in r.body_text
    assert "twitter.com" not in r.body_text and "pic.twitter" not in r.body_text
    assert len(r.tables) == 1
    table = r.tables[0]
    assert table.rows[0] == ["Tranche", "Launch date", "Blocks offered"]
    assert table.rows[-1] == ["VI", "16 September 2025", "23"]
    assert len(table.rows) == 7
    assert table.html.startswith("<table") and "<td" in table.html
    assert "VI | 16 September 2025 | 23" in r.paragraphs  # flattened into the text too
    assert r.images == ["https://static.pib.gov.in/WriteReadData/userfiles/image/image003TR6.jpg"]
    assert r.subtitles == [
        "19 Composite Licence and 4 Mining Lease blocks across nine States on offer"
    ]
    assert r.posted_at == ist(2025, 11, 27, 12, 40)


def test_pasted_footer_line_is_dropped(pages):
    _, raw = pages[2194517]
    assert b"Release ID: 2193455 | Visitor Counter : 478" in raw
    r = parse(pages, 2194517)
    assert "2193455" not in r.body_text
    assert r.title == (
        "Secretary, Ministry of Mines Reviews KABIL’s Lithium Exploration Project in Catamarca, "
        "Argentina"
    )
    assert "Cortadera-I, Cortadera-VII, Cortadera-VIII, Cateo-2022-01810132" in r.body_text
    assert len(r.paragraphs) == 4


def test_logo_is_not_an_image(pages):
    for prid in (2194182, 2193990, 2194611):
        r = parse(pages, prid)
        assert all("specificdocs" not in src for src in r.images)


# --------------------------------------------------------------------------- failures


def test_http_200_error_page(pages):
    with pytest.raises(ReleaseErrorPage) as err:
        parse(pages, 2194014)
    assert "2194014" in str(err.value) and "Untitled Page" in str(err.value)
    assert err.value.url == release_url(2194014)


def test_empty_withdrawn_release(pages):
    with pytest.raises(EmptyReleaseError) as err:
        parse(pages, 2194590)
    assert "2194590" in str(err.value) and "empty" in str(err.value)


def test_missing_container_names_prid_url_and_element(pages):
    with pytest.raises(PibParseError) as err:
        parse(pages, 2194248)
    msg = str(err.value)
    assert "2194248" in msg
    assert release_url(2194248) in msg
    assert "div.innner-page-main-about-us-content-right-part" in msg
    assert not isinstance(err.value, ReleaseErrorPage | EmptyReleaseError)
    # its neighbours (same day, same ministry) still parse
    assert parse(pages, 2193820).ministry == "Ministry of Steel"
    assert parse(pages, 2194226).language == "hi"


def test_wrong_prid_on_page_is_refused(pages):
    url, body = pages[2194182]
    with pytest.raises(PibParseError, match="page is PRID 2194182, expected PRID 2194183"):
        parse_release(body, url, 2194183)


# --------------------------------------------------------------------------- manifest


@pytest.mark.parametrize("prid", sorted(MANIFEST["releases"], key=int))
def test_every_snapshot_page_matches_the_manifest(pages, prid):
    exp = MANIFEST["releases"][prid]
    if exp["expected_to_fail"]:
        with pytest.raises(PibParseError):
            parse(pages, int(prid))
        return
    r = parse(pages, int(prid))
    assert r.prid == int(prid)
    assert r.ministry == exp["ministry"]
    assert r.title == exp["title"]
    assert r.posted_at.isoformat() == exp["posted_at"]
    assert r.language == exp["language"]
    assert r.office == exp["office"]
    assert r.subtitles == exp["subtitles"]
    assert [list(t) for t in r.translations] == exp["translations"]
    assert r.paragraphs, "body must not be empty"
    assert_clean_body(r)


def test_fetch_release_returns_fetched_and_release():
    with SourceClient(PIB_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:
        fetched, release = fetch_release(client, 2195310)
    assert fetched.url == release_url(2195310) and fetched.replayed
    assert release.ministry == "Ministry of Commerce & Industry"
    assert "Santiago from 27 to 30 October 2025" in release.body_text


# --------------------------------------------------------------------------- small units

PAGE = """<html><head><title>Press Release Page | Press Information Bureau</title>
<meta property="og:title" content="{og}"/></head><body><form>
<input type="hidden" name="hydpermid" id="hydpermid" value="{prid}"/>
<div class="innner-page-main-about-us-content-right-part">
<div id="MinistryName" class="MinistryNameSubhead">  Ministry of Mines  </div>
<div class="text-center event-heading-background"><h1 id="Titleh2">{title}</h1>
<h3 id="Subtitleh3"><span id="ltrSubtitle">{sub}</span></h3></div>
<div id="PrDateTime" class="ReleaseDateSubHeaddateTime">Posted On:
   {posted} by PIB Mumbai</div>
{body}
<span id="ReleaseId">(Release ID: {prid})</span><span id="lblViews">Visitor Counter : 7</span>
<div class="ReleaseLang"></div>
</div>
<div id="PdfDiv" style="display:none"><p>DUPLICATE BODY</p></div>
</form></body></html>"""


def page(**kw) -> str:
    base = dict(og="", prid=1, title="T", sub="", posted="01 DEC 2025 12:05AM", body="<p>Body.</p>")
    return PAGE.format(**{**base, **kw})


def test_midnight_and_office_and_subtitle_split():
    html = page(
        sub="<br/>One <b>bold</b><br/><br/>Two&amp;lsquo;s<br/>", posted="01 DEC 2025 12:05AM"
    )
    r = parse_release(html, "https://www.pib.gov.in/PressReleasePage.aspx?PRID=1", 1)
    assert r.posted_at == ist(2025, 12, 1, 0, 5)
    assert r.office == "PIB Mumbai"
    assert r.subtitles == ["One bold", "Two‘s"]
    assert r.body_text == "Body."


def test_signoff_stars_and_classless_tweet_are_stripped():
    body = (
        "<p>Real text.</p><p>* * *</p><p><strong>RKJ/M</strong></p><p>MJPS / SS / VJ</p>"
        '<blockquote><p>Tweet text</p>&mdash; X <a href="https://x.com/someone/status/123">d</a>'
        "</blockquote><p>Release ID: 999 | Visitor Counter : 12</p><p>A/B testing is fine</p>"
    )
    r = parse_release(page(body=body), "https://www.pib.gov.in/x?PRID=1", None)
    assert r.paragraphs == ["Real text.", "A/B testing is fine"]
    assert r.tweets_removed == 1


def test_title_falls_back_to_og_title_and_whitespace_is_collapsed():
    r = parse_release(page(title="  ", og="From  OG"), "https://www.pib.gov.in/x?PRID=1", 1)
    assert r.title == "From OG"


def test_missing_date_is_a_parse_error():
    with pytest.raises(PibParseError, match="PrDateTime"):
        parse_release(page(posted="soon"), "https://www.pib.gov.in/x?PRID=1", 1)


def test_language_from_script():
    assert infer_language("Cabinet approves scheme") == "en"
    assert infer_language("मंत्रिमंडल ने योजना को मंजूरी दी") == "hi"
    assert infer_language("کابینہ نے منظوری دی") == "ur"
    assert infer_language("அமைச்சரவை ஒப்புதல்") == "ta"
    assert infer_language("₹1,500 करोड़ की योजना (NCMM)") == "hi"

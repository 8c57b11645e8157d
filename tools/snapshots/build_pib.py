"""Build the bundled PIB snapshot (``snapshot/pib/``) from hand-authored page content.

A *fake PIB site* (an ``httpx.MockTransport``) serves pages rendered in PIB's real markup
(shared/research/pib.md §2-§3) from the content in ``tools/snapshots/pib_site/``:

* ``listings/YYYY-MM-DD.tsv``: the day's ``allRel.aspx`` listing, one row per item:
  ``ministry heading <TAB> title`` (PRID generated in the day's range), or
  ``ministry heading <TAB> @PRID`` (title taken from ``releases/PRID.txt``), optionally a third
  column ``href=...`` to override the link (duplicate / decorated links);
* ``releases/PRID.txt``: one release page: ``key: value`` header lines, a ``---`` line, then
  the body in a small markup (blank-line separated blocks; ``- `` bullets; ``|`` table rows;
  ``[img:file.jpg]``; ``[tweet:handle:status_id:text]``; ``[raw]`` verbatim HTML; ``**bold**``).

Pages follow the real ones: every listing states "Displaying N Press Releases" (N = the
entries displayed, duplicates and the Hindi placeholder included; an empty day would show
``div.norecord`` "***No Release Found***"), in the Oct 2026 layout for the Nov 2025 days and the
older ``ul.num``/``ul.leftul`` layout for the held-out days; every release page ends like
pib.md §2 (``(Release ID: N)``, visitor counter, translations, the hidden ``PdfDiv`` copy of
the body, ``</html>``), which the parser requires.

The script then runs the project's **real** discovery and fetch code
(:func:`assets.pib.discover.discover_day`, :func:`assets.pib.discover.select_candidates`,
:func:`assets.pib.parse.fetch_release_page`) through
``SourceClient(PIB_POLICY, Mode.RECORD, live_transport=MockTransport(site), clock=VirtualClock())``
so every recorded request key is exactly what the code asks for. One client per day (as one
daily partition run would use); the cookie-setting redirect chain is fetched last in its day
so that no other recorded request depends on its cookie.

Deterministic and re-runnable: ``snapshot/pib`` is deleted first, generated PRIDs and
``__VIEWSTATE`` blobs come from fixed seeds, and ``fetched_at`` stamps are rewritten to a fixed
recording time. Also writes ``tools/snapshots/pib_expected.json`` (the manifest for tests).

Run: ``.venv/bin/python tools/snapshots/build_pib.py``
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assets.pib.discover import (  # noqa: E402
    F_DAY,
    F_MONTH,
    F_YEAR,
    LISTING_URL,
    discover_day,
    select_candidates,
)
from assets.pib.parse import fetch_release_page, release_url  # noqa: E402
from assets.pib.policy import PIB_POLICY  # noqa: E402
from pipelines.http import Mode, SourceClient, VirtualClock  # noqa: E402
from pipelines.snapshot import Exchange  # noqa: E402

SITE = Path(__file__).resolve().parent / "pib_site"
SNAPSHOT = ROOT / "snapshot" / "pib"
MANIFEST = Path(__file__).resolve().parent / "pib_expected.json"

HOST = "www.pib.gov.in"
STATIC = "https://static.pib.gov.in"
TODAY = date(2025, 11, 27)  # the fake site's "today" (recording at 22:30 IST)
RECORDED_AT = datetime(2025, 11, 27, 17, 0, 0, tzinfo=UTC)
IN_SAMPLE_DAY_PRID_RANGES = {
    date(2025, 11, 25): (2193690, 2194330),
    date(2025, 11, 26): (2194331, 2194985),
    date(2025, 11, 27): (2194986, 2195650),
}
# Held-out days for the event tagger (tests/events/gold_heldout.jsonl): not contiguous with the
# range above, around real events (Tranche I launch; KABIL-CAMYEN agreement; NCMM approval).
# They are recorded *after* the in-sample days, so the first part of exchanges.jsonl (and every
# body of the in-sample days) stays byte-identical; snapshot/manifest.json does not list them.
HELDOUT_DAY_PRID_RANGES = {
    date(2023, 11, 29): (1980560, 1981240),
    date(2024, 1, 15): (1995980, 1996640),
    date(2025, 1, 29): (2096880, 2097560),
}
DAY_PRID_RANGES = {**IN_SAMPLE_DAY_PRID_RANGES, **HELDOUT_DAY_PRID_RANGES}
REGION_COOKIE = "PIBRegion"
IST = ZoneInfo("Asia/Kolkata")
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

# ======================================================================= content model


@dataclass
class ReleaseSpec:
    prid: int
    ministry: str
    title: str
    posted: str  # "25 NOV 2025 5:36PM"
    body: str
    subtitles: list[str] = field(default_factory=list)
    office: str = "PIB Delhi"
    variant: str = "page"  # page | h2 | mobile | iframe | event | error | empty | broken
    redirect: str | None = None  # cookie | mobile
    signoff: str = "SK/SM"
    views: int = 0
    translations: list[tuple[int, str]] = field(default_factory=list)
    double_escape: bool = False
    lang: str = "en"
    expect: str = "ok"  # ok | error_page | empty | missing_container
    note: str = ""

    @property
    def posted_at(self) -> datetime:
        d, mon, y, hm = self.posted.split()
        t = datetime.strptime(hm, "%I:%M%p")
        return datetime(int(y), MONTHS.index(mon) + 1, int(d), t.hour, t.minute, tzinfo=IST)


def load_release(path: Path) -> ReleaseSpec:
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    kv: dict[str, list[str]] = {}
    for line in head.splitlines():
        if line.strip() and not line.startswith("#"):
            k, _, v = line.partition(":")
            kv.setdefault(k.strip(), []).append(v.strip())

    def one(k: str, default: str = "") -> str:
        return kv.get(k, [default])[0]

    return ReleaseSpec(
        prid=int(one("prid")),
        ministry=one("ministry"),
        title=one("title"),
        posted=one("posted"),
        body=body.strip(),
        subtitles=kv.get("subtitle", []),
        office=one("office", "PIB Delhi"),
        variant=one("variant", "page"),
        redirect=one("redirect") or None,
        signoff=one("signoff", "SK/SM"),
        views=int(one("views", "0")),
        translations=[
            (int(p), lab) for p, _, lab in (t.partition("=") for t in kv.get("translation", []))
        ],
        double_escape=one("double_escape") == "true",
        lang=one("lang", "en"),
        expect=one("expect", "ok"),
        note=one("note"),
    )


@dataclass
class Row:
    prid: int
    ministry: str
    title: str
    href: str


def load_listing(day: date, releases: dict[int, ReleaseSpec]) -> list[Row]:
    lo, hi = DAY_PRID_RANGES[day]
    raw = [
        ln.split("\t")
        for ln in (SITE / "listings" / f"{day.isoformat()}.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    used = {int(r[1][1:]) for r in raw if r[1].startswith("@")}
    rng = random.Random(f"pib-{day.isoformat()}")
    free = [p for p in range(lo, hi) if p not in used]
    generated = sorted(rng.sample(free, sum(1 for r in raw if not r[1].startswith("@"))))
    # listing order is by ministry, not by PRID: shuffle the numbers a little
    for i in range(0, len(generated) - 1, 5):
        generated[i], generated[i + 1] = generated[i + 1], generated[i]
    rows: list[Row] = []
    gen = iter(generated)
    for r in raw:
        ministry, ref = r[0], r[1]
        href_override = next((c[5:] for c in r[2:] if c.startswith("href=")), None)
        if ref.startswith("@"):
            prid = int(ref[1:])
            title = releases[prid].title
        else:
            prid, title = next(gen), ref
        href = (href_override or "/PressReleseDetail.aspx?PRID={prid}").format(prid=prid)
        rows.append(Row(prid, ministry, title, href))
    return rows


# ======================================================================= markup helpers


def esc(s: str) -> str:
    return html.escape(s, quote=True).replace("&#x27;", "&#39;")


def blob(seed: str, n: int) -> str:
    """A deterministic base64 blob that looks like ASP.NET state."""
    raw = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(n // 32 + 1))
    return "/wEPDwUK" + base64.b64encode(raw[:n]).decode()


_TYPO = {
    "’": "&rsquo;",
    "‘": "&lsquo;",
    "“": "&ldquo;",
    "”": "&rdquo;",
    "–": "&ndash;",
    "—": "&mdash;",
}


def inline(text: str, double_escape: bool = False) -> str:
    out = html.escape(text, quote=False)
    for ch, ent in _TYPO.items():
        out = out.replace(ch, ent.replace("&", "&amp;") if double_escape else ent)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return out


def para(inner: str, align: str = "justify") -> str:
    return (
        f'<p style="text-align:{align}"><span style="font-size:16px"><span style="font-family:'
        f'&quot;Arial&quot;,sans-serif">{inner}</span></span></p>'
    )


def render_body(text: str, double_escape: bool = False) -> str:
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.rstrip() for ln in block.strip().splitlines()]
        first = lines[0]
        if first.startswith("[raw]"):
            out.append("\n".join(lines)[5:].strip())
        elif m := re.fullmatch(r"\[img:(.+?)\]", first):
            out.append(
                f'<p style="text-align:center"><img alt="" src="{STATIC}/WriteReadData/'
                f'userfiles/image/{m[1]}" style="height:372px; width:560px" /></p>'
            )
        elif m := re.fullmatch(r"\[tweet:([^:]+):(\d+):(.+)\]", first):
            handle, status, ttext = m.groups()
            out.append(
                f'<blockquote class="twitter-tweet"><p dir="ltr" lang="en">{inline(ttext)} '
                f'<a href="https://t.co/{status[-8:]}">pic.twitter.com/{status[-10:]}</a></p>'
                f'&mdash; {esc(handle)} (@{esc(handle)}) <a href="https://twitter.com/{handle}/'
                f'status/{status}?ref_src=twsrc%5Etfw">November 27, 2025</a></blockquote>\n'
                '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8">'
                "</script>"
            )
        elif all(ln.startswith("- ") for ln in lines):
            items = "".join(
                f'<li style="text-align:justify"><span style="font-size:16px">'
                f"{inline(ln[2:], double_escape)}</span></li>"
                for ln in lines
            )
            out.append(f"<ul>{items}</ul>")
        elif all(ln.startswith("|") for ln in lines):
            trs = []
            for i, ln in enumerate(lines):
                cells = [c.strip() for c in ln.strip().strip("|").split("|")]
                tds = "".join(
                    f'<td style="width:{100 // len(cells)}%"><p style="text-align:center">'
                    + (f"<strong>{inline(c)}</strong>" if i == 0 else inline(c))
                    + "</p></td>"
                    for c in cells
                )
                trs.append(f"<tr>{tds}</tr>")
            out.append(
                '<table border="1" cellpadding="0" cellspacing="0" '
                'style="border-collapse:collapse; width:100%"><tbody>'
                + "".join(trs)
                + "</tbody></table>"
            )
        elif first.startswith("## "):
            out.append(para(f"<strong>{inline(first[3:], double_escape)}</strong>"))
        else:
            out.append(para(inline(" ".join(lines), double_escape)))
    return "\n".join(out)


AKAMAI = (
    '<script type="text/javascript">(function(){if(window.BOOMR&&(window.BOOMR.version||'
    "window.BOOMR.snippetExecuted))return;window.BOOMR=window.BOOMR||{};window.BOOMR."
    'snippetExecuted=true;var o={"ak.v":"39","ak.cp":"1217245","ak.ai":parseInt("731203",10),'
    '"ak.ol":"0","ak.cr":14,"ak.ipv":4,"ak.proto":"http/1.1","ak.rid":"%s","ak.r":44387,'
    '"ak.a2":"e","ak.m":"dscb","ak.n":"essl","ak.bpcip":"103.87.56.0","ak.cport":51432,'
    '"ak.gh":"23.45.117.73","ak.quicv":"","ak.tlsv":"tls1.3","ak.0rtt":"","ak.csrc":"-",'
    '"ak.acc":"","ak.t":"1764262800","ak.ak":"hOBiQwZUYzCg5VSAfCLimQ==","ak.pv":"212",'
    '"ak.dpoabenc":"","ak.tf":i};window.BOOMR_config=o;})();</script>'
)

NAV = """<header class="header"><div class="top-header"><div class="container">
<ul class="top-nav"><li><a href="https://pib.gov.in/indexd.aspx">Home</a></li>
<li><a href="https://pib.gov.in/allRel.aspx">Press Releases</a></li>
<li><a href="https://pib.gov.in/PMContents/PMContents.aspx?menuid=1">PMO Releases</a></li>
<li><a href="https://pib.gov.in/ViewRss.aspx">RSS</a></li></ul></div></div>
<div class="logo"><a href="https://pib.gov.in/indexd.aspx"><img src="https://static.pib.gov.in/WriteReadData/specificdocs/photo/2023/mar/ph2023323295601.png" alt="Press Information Bureau" /></a></div>
</header>"""

FOOTER = """<footer class="footer"><div class="container"><p>Site is hosted by <a href="https://www.nic.in">National Informatics Centre (NIC)</a>. Information is provided and updated by Press Information Bureau. <a href="https://www.pib.gov.in/content/3604_2_CopyrightPolicy.aspx">Copyright Policy</a></p>
<p>Visitor Counter : <span>8,45,21,907</span></p></div></footer>"""

LG_G = (
    "<div id='{p}lg_g'><div class='log_oo'><img src='https://static.pib.gov.in/WriteReadData/"
    "specificdocs/photo/2024/aug/ph2024827518901.png' alt='Viksit Bharat' /></div></div>"
)


def page_shell(
    title: str, head_extra: str, form_action: str, hidden: str, content: str, seed: str
) -> str:
    return f"""<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head><meta charset="utf-8" /><meta http-equiv="X-UA-Compatible" content="IE=edge" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
{AKAMAI % hashlib.md5(seed.encode()).hexdigest()[:8]}
<title>
	{title}
</title>
{head_extra}
<link href="/css/bootstrap.min.css" rel="stylesheet" /><link href="/css/style.css?v=2.4" rel="stylesheet" />
<script src="/js/jquery-3.6.0.min.js"></script>
</head>
<body>
<form method="post" action="{form_action}" id="form1">
{hidden}
{NAV}
{content}
{FOOTER}
</form>
</body>
</html>
"""


def hidden_block(
    prefix_script: str, seed: str, generator: str, vs_len: int, extra: str = ""
) -> str:
    return f"""<div class="aspNetHidden">
<input type="hidden" name="{prefix_script}" id="{prefix_script.replace("$", "_")}" value="" />
<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />
<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />
{extra}<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{blob("vs" + seed, vs_len)}" />
</div>
<script type="text/javascript">
//<![CDATA[
var theForm = document.forms['form1'];
if (!theForm) {{ theForm = document.form1; }}
function __doPostBack(eventTarget, eventArgument) {{
    if (!theForm.onsubmit || (theForm.onsubmit() != false)) {{
        theForm.__EVENTTARGET.value = eventTarget;
        theForm.__EVENTARGUMENT.value = eventArgument;
        theForm.submit();
    }}
}}
//]]>
</script>
<div class="aspNetHidden">
	<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="{generator}" />
	<input type="hidden" name="__VIEWSTATEENCRYPTED" id="__VIEWSTATEENCRYPTED" value="" />
	<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="{blob("ev" + seed, 1200)}" />
</div>"""


# ======================================================================= release pages


def render_release(r: ReleaseSpec) -> str:
    if r.variant == "error":
        return error_page()
    mobile = r.variant == "mobile"
    p = "ctl00_ContentPlaceHolder1_" if mobile else ""
    nm = "ctl00$ContentPlaceHolder1$" if mobile else ""
    empty = r.variant == "empty"
    title = "" if empty else r.title
    ministry = "" if empty else r.ministry
    body = "" if empty else render_body(r.body, r.double_escape)
    if r.variant == "h2":
        body = f'<div class="WordSection1">\n{body}\n</div>'
    tag = "h2" if r.variant in ("h2", "mobile") else "h1"
    label = "प्रविष्टि तिथि:" if r.lang == "hi" else "Posted On:"
    date_line = "" if empty else f"{r.posted} by {r.office}"
    subs = "".join(f"<br/>{inline(s)}<br/>" for s in r.subtitles)
    subtitle = f'<h3 id="{p}Subtitleh3"><span id="{p}ltrSubtitle">{subs}</span></h3>'
    langs = "".join(
        f"<a href='https://pib.gov.in/PressReleasePage.aspx?PRID={tp}' target=\"_blank\"> {lab} "
        "</a>"
        for tp, lab in r.translations
    )
    read_in = "इस विज्ञप्ति को इन भाषाओं में पढ़ें" if r.lang == "hi" else "Read this release in"
    lang_div = (
        f'<div class="ReleaseLang">{read_in}: {langs}</div>'
        if langs
        else '<div class="ReleaseLang"></div>'
    )
    signoff = (
        ""
        if empty
        else (
            '<p style="text-align:center">****</p>\n'
            f'<p style="text-align:justify"><span style="font-size:16px"><strong>{r.signoff}'
            "</strong></span></p>"
        )
    )
    iframe_inputs = ""
    visible_title = title
    if r.variant == "iframe":
        iframe_inputs = (
            f'<input type="hidden" name="ltrTitlee" id="ltrTitlee" value="{esc(title)}" />\n'
            f'<input type="hidden" name="ltrDescriptionn" id="ltrDescriptionn" '
            f'value="{esc(body + signoff)}" />\n'
        )
        visible_title = ""
        body, signoff = "", ""
    heading = (
        f'<div class="text-center event-heading-background">\n<{tag} id="{p}Titleh2">\n'
        f"          {esc(visible_title)}\n</{tag}>\n{subtitle}\n</div>"
    )
    if r.variant == "event":
        date_div = ""
        tail = (
            f'<div id="{p}FooterEventText" class="FooterEventText text-center">{label} '
            f'{date_line}</div>\n<span id="{p}ReleaseIdEvent">रिलीज़ आईडी: {r.prid}</span>\n'
            f'<span id="{p}lblViewsEvent">Visitor Counter : {r.views}</span>'
        )
    else:
        date_div = (
            f'<div id="{p}PrDateTime" class="ReleaseDateSubHeaddateTime text-center pt20">'
            f"\n           {label}\n           {date_line}\n</div>"
        )
        tail = (
            f'<div id="{p}reel_pic"></div>\n<br/><span id="{p}ReleaseId">(Release ID: '
            f'{r.prid})</span>\n<span id="{p}lblViews">Visitor Counter : {r.views}</span>\n'
            f'<span id="{p}lblRefPhoto"></span>'
        )
    container_class = (
        "inner-page-main-about-us-content-right-part"
        if r.variant == "broken"
        else "innner-page-main-about-us-content-right-part"
    )
    container = f"""<div class="{container_class}">
<div id="{p}MinistryName" class="MinistryNameSubhead text-center">
          {esc(ministry)}
</div>
{LG_G.format(p=p)}
{heading}
{date_div}
<div class='pt20'></div>
<input type="hidden" name="{nm}hydphotoUrl" id="{p}hydphotoUrl" />
{body}
{signoff}
{tail}
<div class="BackgroundRelease"></div>
{lang_div}
<div class="RelTag"><ul></ul></div> <div class="clear"></div>
<div id="{p}RelLink" class="RelLink"><ul></ul></div>
</div>"""
    pdf = f"""<div id="{p}PdfDiv" style="display: none;">
<table style="width:100%"><tr><td style="text-align:center">{esc(ministry)}</td></tr>
<tr><td><h2 style="text-align:center">{esc(title)}</h2></td></tr>
<tr><td>{"".join(f"<p>{inline(s)}</p>" for s in r.subtitles)}</td></tr>
<tr><td style="text-align:center">{label} {date_line}</td></tr>
<tr><td>{render_body(r.body, r.double_escape) if not empty else ""}</td></tr>
<tr><td>{"" if empty else "****"}</td></tr></table></div>"""
    content = f"""<div class="container">
<div id="accessories" class="accessibility-options">
<a href="#" class="font-inc">A+</a> <a href="#" class="font-dec">A-</a>
<input type="image" name="{nm}Print1$print" id="{p}Print1_print" title="Print" src="/images/print.png" alt="Print" />
</div>
<input type="hidden" name="{nm}hydpermid" id="{p}hydpermid" value="{r.prid}" />
{iframe_inputs}{container}
<div id="{p}update12">
<div id="{p}P_CategoryManagement" class="ModalWindow" style="position:fixed; display: none">
<div class="modal-header">Share this release</div></div></div>
{pdf}
</div>
<script type="text/javascript">
$(document).ready(function () {{
  $.ajax({{ type: "POST", url: "AjaxMethod.aspx/UpdatePRHitCount", data: '{{"PermId":"{r.prid}"}}',
           contentType: "application/json; charset=utf-8", dataType: "json" }});
  $("#hfGridHtml").val($("#{p}PdfDiv").html());
}});
</script>"""
    page_title = (
        "Press Release: Press Information Bureau"
        if mobile
        else "Press Release Page | Press Information Bureau"
    )
    og_title = (
        ""
        if empty
        else (
            "Press Release Page | Press Information Bureau" if r.variant == "iframe" else esc(title)
        )
    )
    desc = re.sub(r"<[^>]+>", "", render_body(r.body))[:100] if not empty else ""
    style = ""
    if r.variant in ("event", "broken"):
        style = (
            '<style type="text/css">.innner-page-main-about-us-content-right-part'
            "{padding:0 15px;} .FooterEventText{font-size:14px;}</style>"
        )
    head = (
        f'<meta property="og:title" content="{og_title}" />\n'
        f'<meta property="og:url" content="www.pib.gov.in/Pressreleaseshare.aspx?PRID={r.prid}" />'
        f'\n<meta property="og:description" content="{esc(html.unescape(desc))}" />\n'
        '<meta property="og:image" content="https://static.pib.gov.in/WriteReadData/'
        'specificdocs/photo/2023/mar/ph2023323295601.png" />\n' + style
    )
    if mobile:
        action = f"./PressReleseDetailm.aspx?PRID={r.prid}&amp;reg=3&amp;lang=1"
        hidden = hidden_block("ctl00$script_HiddenField", f"m{r.prid}", "BA3D1BE8", 6000)
    else:
        action = f"./PressReleasePage.aspx?PRID={r.prid}&amp;reg=3&amp;lang=1"
        hidden = hidden_block("sc_HiddenField", f"r{r.prid}", "59B53027", 8000)
        hidden += '\n<input type="hidden" name="hfGridHtml" id="hfGridHtml" />'
    return page_shell(page_title, head, action, hidden, content, f"r{r.prid}")


def error_page() -> str:
    return """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head><title>
	Untitled Page
</title><link href="/css/style.css" rel="stylesheet" /></head>
<body>
    <form method="post" action="./ErrorPage.aspx" id="form1">
<div class="aspNetHidden">
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1MmRkXsV2c1Wd7+3xpT3j8m0YpP0Qf2E=" />
</div>
    <div style="text-align:center; padding-top:80px">
        <img src="/images/pib-logo.png" alt="PIB" />
        <h3>The Page you have requested is not available at present.</h3>
        <p><a href="https://pib.gov.in/indexd.aspx">Go to Home Page</a></p>
    </div>
    </form>
</body>
</html>
"""


# ======================================================================= listing page

MINISTRY_OPTIONS = [
    (0, "All Ministry"),
    (61, "Cabinet"),
    (63, "Cabinet Committee on Economic Affairs (CCEA)"),
    (62, "Cabinet Committee Decisions"),
    (1, "President's Secretariat"),
    (2, "Vice President's Secretariat"),
    (3, "Prime Minister's Office"),
    (4, "Ministry of External Affairs"),
    (5, "Ministry of Home Affairs"),
    (7, "Ministry of Finance"),
    (8, "Ministry of Defence"),
    (16, "Ministry of Commerce & Industry"),
    (18, "Ministry of Steel"),
    (20, "Ministry of Petroleum & Natural Gas"),
    (24, "Ministry of Communications"),
    (27, "Ministry of Agriculture & Farmers Welfare"),
    (31, "Ministry of Health and Family Welfare"),
    (35, "Election Commission"),
    (41, "Ministry of Chemicals and Fertilizers"),
    (42, "Ministry of Coal"),
    (44, "Ministry of Mines"),
    (52, "Ministry of Power"),
    (53, "Ministry of Heavy Industries"),
    (56, "Department of Atomic Energy"),
    (78, "NITI Aayog"),
    (1323, "Ministry of Electronics & IT"),
    (1005, "PIB Backgrounder"),
]
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _select(name: str, options: list[tuple[int, str]], selected: int) -> str:
    ident = name.replace("$", "_").replace("ctl00_", "")
    sel = ' selected="selected"'
    opts = "".join(
        f'<option{sel if v == selected else ""} value="{v}">{esc(t)}</option>' for v, t in options
    )
    return (
        f'<select name="{name}" onchange="javascript:setTimeout(&#39;__doPostBack(\\&#39;'
        f'{name}\\&#39;,\\&#39;\\&#39;)&#39;, 0)" id="{ident}" class="form-control">{opts}'
        "</select>"
    )


# The allRel layout changed: pages served in Oct 2026 nest ``ul > li > (h3.font104 + ul.num >
# li > a)`` and carry no "Posted on" span; the layout documented before (pib.md §3.1) is
# ``ul.num > li > (h3.font104 + ul.leftul > li > a + span.publishdatesmall)``. The in-sample days
# (Nov 2025) use the new one, the held-out days the old one, so the snapshot exercises both.
NEW_LISTING_LAYOUT_FROM = date(2025, 6, 1)


def render_listing_items(day: date, rows: list[Row]) -> str:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.ministry, []).append(row)
    if not groups:
        return "<div class='norecord'>***No Release Found***</div>"
    if day >= NEW_LISTING_LAYOUT_FROM:
        lis = [
            f"<li><h3 class=\"font104\">{esc(ministry)}</h3><ul class='num'>"
            + "".join(
                f"<li><a title='{esc(it.title)}' href='{esc(it.href)}' target=\"_blank\">"
                f"{esc(it.title)} </a></li>"
                for it in items
            )
            + "</ul></li>"
            for ministry, items in groups.items()
        ]
        return "<ul>" + "\n".join(lis) + "</ul>"
    posted = f"{day.day:02d} {day.strftime('%b')} {day.year}"
    lis = []
    for ministry, items in groups.items():
        entries = "\n".join(
            f"<li><a title='{esc(it.title)}' href='{esc(it.href)}' target=\"_self\">"
            f"{esc(it.title)}</a><span class='publishdatesmall'>Posted on: {posted}</li>"
            for it in items
        )
        lis.append(
            f'<li><h3 class="font104">{esc(ministry)}</h3>\n<ul class="leftul">\n'
            f"{entries}\n</ul></li>"
        )
    return '<ul class="num">\n' + "\n".join(lis) + "\n</ul>"


def render_listing(day: date, rows: list[Row]) -> str:
    """The allRel page of ``day``; it states "Displaying N Press Releases" with N = the number
    of listed entries as displayed (duplicates and Hindi placeholders included)."""
    label = f"{day.day:02d}-{MONTH_NAMES[day.month - 1]}-{day.year}"
    filters = f"""<div class="search-area row">
<div class="col-md-3">{_select("ctl00$ContentPlaceHolder1$ddlMinistry", MINISTRY_OPTIONS, 0)}</div>
<div class="col-md-2">{_select(F_DAY, [(0, "All")] + [(d, str(d)) for d in range(1, 32)], day.day)}</div>
<div class="col-md-2">{_select(F_MONTH, [(m, MONTH_NAMES[m - 1]) for m in range(1, 13)], day.month)}</div>
<div class="col-md-2">{_select(F_YEAR, [(y, str(y)) for y in range(2017, 2026)], day.year)}</div>
<div class="col-md-1"><input type="image" name="ctl00$ContentPlaceHolder1$Print1$print" id="ContentPlaceHolder1_Print1_print" title="Print" src="/images/print.png" alt="Print" /></div>
</div>
<input type="hidden" name="ctl00$ContentPlaceHolder1$hydregionid" id="ContentPlaceHolder1_hydregionid" value="3" />
<input type="hidden" name="ctl00$ContentPlaceHolder1$hydLangid" id="ContentPlaceHolder1_hydLangid" value="1" />"""
    bar = f"""<div class="region-bar">
{_select("ctl00$Bar1$ddlregion", [(48, "National"), (3, "PIB Delhi"), (1, "PIB Mumbai"), (5, "PIB Hyderabad"), (6, "PIB Chennai")], 3)}
{_select("ctl00$Bar1$ddlLang", [(2, "Hindi"), (1, "English"), (3, "Urdu")], 1)}
</div>"""
    result = (
        '<div class="search_box_result" aria-level="2" role="heading">Displaying  '
        f'{len(rows)} Press Releases  <span id="ContentPlaceHolder1_lblDate">{label}</span>  '
        "</div>"
    )
    if day >= NEW_LISTING_LAYOUT_FROM:
        content = f"""<div class="container">
{bar}
{filters}
{result}
<div class="content-area">{render_listing_items(day, rows)}</div>
</div>"""
    else:
        content = f"""<div class="container">
{bar}
<div class="content-area">
<h2 class="page-heading">All Press Releases</h2>
{result}
{filters}
{render_listing_items(day, rows)}
</div></div>"""
    hidden = hidden_block(
        "script_HiddenField",
        f"l{day.isoformat()}",
        "CBED066B",
        10000,
        extra='<input type="hidden" name="__LASTFOCUS" id="__LASTFOCUS" value="" />\n',
    )
    return page_shell(
        "All Press Release | Press Information Bureau",
        "",
        "./allRel.aspx?reg=3&amp;lang=1",
        hidden,
        content,
        f"l{day.isoformat()}",
    )


# ======================================================================= the fake site


class FakePib:
    """Routes requests like pib.gov.in does (as far as the research shows)."""

    def __init__(self, releases: dict[int, ReleaseSpec], listings: dict[date, list[Row]]):
        self.releases = releases
        self.listings = listings
        self.served_viewstates = {blob(f"vsl{d.isoformat()}", 10000) for d in [TODAY, *listings]}
        self.log: list[httpx.Request] = []

    @staticmethod
    def html(content: str, status: int = 200, headers: dict | None = None) -> httpx.Response:
        return httpx.Response(
            status,
            content=content.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})},
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.log.append(request)
        ua = request.headers.get("user-agent", "")
        if "+http" in ua or ua.startswith("python-httpx") or "Mozilla/5.0" not in ua:
            return self.html(
                "<html><head><title>Access Denied</title></head><body>Access Denied</body></html>",
                403,
            )
        if request.url.host != HOST:
            return httpx.Response(301, headers={"Location": str(request.url.copy_with(host=HOST))})
        path = request.url.path.lower()
        q = dict(request.url.params)
        if path == "/allrel.aspx":
            return self.listing(request)
        if path == "/pressreleasepage.aspx" and "PRID" in q:
            return self.release(request, int(q["PRID"]), q)
        if path == "/pressrelesedetailm.aspx" and "PRID" in q:
            spec = self.releases.get(int(q["PRID"]))
            if spec is None or spec.variant != "mobile":
                return self.html(error_page())
            return self.html(render_release(spec))
        return self.html(error_page())

    def listing(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return self.html(render_listing(TODAY, self.listings.get(TODAY, [])))
        form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        ok = (
            form.get("__VIEWSTATE") in self.served_viewstates
            and form.get("__EVENTVALIDATION")
            and form.get("__VIEWSTATEGENERATOR") == "CBED066B"
            and "ctl00$ContentPlaceHolder1$Print1$print" not in form
            and not any(k.endswith(".x") or k.endswith(".y") for k in form)
            and form.get("__EVENTTARGET") == F_DAY
            and request.headers.get("referer") == LISTING_URL
            and request.headers.get("origin") == "https://www.pib.gov.in"
        )
        if not ok:
            return self.html(error_page())
        day = date(int(form[F_YEAR]), int(form[F_MONTH]), int(form[F_DAY]))
        return self.html(render_listing(day, self.listings.get(day, [])))

    def release(self, request: httpx.Request, prid: int, q: dict) -> httpx.Response:
        spec = self.releases.get(prid)
        if spec is None:
            return self.html(error_page())
        canonical = release_url(prid)
        if spec.redirect == "mobile":
            return httpx.Response(
                302,
                headers={
                    "Location": f"https://{HOST}/PressReleseDetailm.aspx?PRID={prid}&reg=3&lang=1"
                },
            )
        if spec.redirect == "cookie":
            has = f"{REGION_COOKIE}=3" in request.headers.get("cookie", "")
            if q.get("reg") == "48":  # the canonical hop: remember the region, go back
                return httpx.Response(
                    302,
                    headers={
                        "Location": canonical,
                        "Set-Cookie": f"{REGION_COOKIE}=3; path=/; HttpOnly",
                    },
                )
            if not has:  # no region cookie: canonicalise to National/Hindi first
                return httpx.Response(
                    302,
                    headers={
                        "Location": f"https://{HOST}/PressReleasePage.aspx?PRID={prid}&reg=48&lang=2"
                    },
                )
        return self.html(render_release(spec))


# ======================================================================= build


def load_site() -> tuple[dict[int, ReleaseSpec], dict[date, list[Row]]]:
    releases = {}
    for path in sorted((SITE / "releases").glob("*.txt")):
        spec = load_release(path)
        assert path.stem == str(spec.prid), f"{path.name}: prid {spec.prid} != file name"
        releases[spec.prid] = spec
    listings = {day: load_listing(day, releases) for day in DAY_PRID_RANGES}
    return releases, listings


def _fix_fetched_at(root: Path) -> None:
    index = root / "exchanges.jsonl"
    lines = index.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        ex = Exchange.from_dict(json.loads(line))
        ex.fetched_at = (RECORDED_AT + timedelta(seconds=2 * i)).isoformat(timespec="seconds")
        out.append(ex.to_json())
    index.write_text("\n".join(out) + "\n", encoding="utf-8")


def build() -> dict:
    releases, listings = load_site()
    site = FakePib(releases, listings)
    if SNAPSHOT.exists():
        shutil.rmtree(SNAPSHOT)
    SNAPSHOT.mkdir(parents=True)
    clock = VirtualClock()
    days: dict[str, dict] = {}
    fetched_all: list[int] = []
    for day in listings:  # in-sample days first, then the held-out days
        with SourceClient(
            PIB_POLICY,
            Mode.RECORD,
            snapshot_dir=SNAPSHOT,
            live_transport=httpx.MockTransport(site),
            clock=clock,
        ) as client:
            listing = discover_day(client, day)
            candidates = select_candidates(listing)
            order = sorted(
                candidates,
                key=lambda c: (
                    releases[c.prid].redirect == "cookie" if c.prid in releases else False
                ),
            )
            for cand in order:
                if cand.prid not in releases:
                    raise SystemExit(
                        f"{day}: candidate {cand.prid} {cand.item.title!r} "
                        f"({cand.reasons}) has no releases/{cand.prid}.txt"
                    )
                fetch_release_page(client, cand.prid)
                fetched_all.append(cand.prid)
        days[day.isoformat()] = {
            "listed": len(listing.items),
            "stated_count": listing.stated_count,
            "release_links": listing.release_links,
            "ministry_headings": len(listing.ministries),
            "duplicates_dropped": listing.duplicates_dropped,
            "placeholders_skipped": listing.placeholders_skipped,
            "candidates": [c.prid for c in candidates],
            "candidate_reasons": {str(c.prid): list(c.reasons) for c in candidates},
        }
    unused = sorted(set(releases) - set(fetched_all))
    if unused:
        raise SystemExit(f"release pages that no day selects as candidate: {unused}")
    _fix_fetched_at(SNAPSHOT)
    manifest = {
        "snapshot": "snapshot/pib",
        "days": days,
        "releases": {
            str(p): {
                "url": release_url(p),
                "ministry": releases[p].ministry,
                "title": releases[p].title,
                "subtitles": releases[p].subtitles,
                "posted_at": releases[p].posted_at.isoformat(),
                "office": releases[p].office,
                "language": releases[p].lang,
                "variant": releases[p].variant,
                "redirect": releases[p].redirect,
                "translations": [[tp, lab] for tp, lab in releases[p].translations],
                "expected_to_fail": releases[p].expect != "ok",
                "failure": None if releases[p].expect == "ok" else releases[p].expect,
                "note": releases[p].note,
            }
            for p in sorted(fetched_all)
        },
    }
    MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    manifest = build()
    n_ex = len((SNAPSHOT / "exchanges.jsonl").read_text(encoding="utf-8").splitlines())
    for day, info in manifest["days"].items():
        print(
            f"{day}: listed {info['listed']} in {info['ministry_headings']} headings, "
            f"candidates {len(info['candidates'])}"
        )
    fails = {p: r["failure"] for p, r in manifest["releases"].items() if r["expected_to_fail"]}
    print(
        f"fetched {len(manifest['releases'])} releases; {n_ex} exchanges; expected failures: "
        f"{fails}"
    )


if __name__ == "__main__":
    main()

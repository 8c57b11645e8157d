"""What the report reads about policy events, and which side of the trade each event is on.

Events come from ``mart_policy_timeline`` (one row per event x mineral x actor), grouped to one
``Event`` each. Two origins share that model: events tagged from PIB releases (``pib``) and
entries of the reviewed event catalogue (``catalogue``; a PIB event that is the same decision
is folded into the catalogue row by the mart, its PRIDs and URLs added). The columns
``origin``, ``jurisdiction``, ``event_date`` and ``date_precision`` (migration 0006) are read
when the warehouse has them (in the mart, else in ``policy_event``); an older file without them
still renders, with every event taken as PIB's and dated by its release day.

Each event is put on one **side**, which the charts draw distinctly:

* ``India's measure``: India's own acts (jurisdiction ``IN``, and every PIB event that is not a
  foreign export control);
* ``China's export control`` and ``China's control suspended or eased``: the other side's
  shocks, jurisdiction ``CN`` (or a PIB-tagged ``export_control`` event whose actors or title
  name China: the tagger sets no jurisdiction, so a PIB event's ``IN`` is only the default);
* ``Other country or multilateral``: any other jurisdiction (US, AU, multilateral...).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import duckdb

__all__ = [
    "IST",
    "SIDES",
    "SIDE_CHINA",
    "SIDE_CHINA_EASED",
    "SIDE_INDIA",
    "SIDE_OTHER",
    "Event",
    "event_side",
    "load_events",
    "safe_links",
]

IST = timezone(timedelta(hours=5, minutes=30), "IST")
CHINA = 156  # Comtrade area code
PIB_HOSTS = ("pib.gov.in", "www.pib.gov.in")

SIDE_INDIA = "India's measure"
SIDE_CHINA = "China's export control"
SIDE_CHINA_EASED = "China's control suspended or eased"
SIDE_OTHER = "Other country or multilateral"
SIDES = (SIDE_INDIA, SIDE_CHINA, SIDE_CHINA_EASED, SIDE_OTHER)
OTHER_SIDE = frozenset({SIDE_CHINA, SIDE_CHINA_EASED})  # the shocks from the other side

_EASED_STATUSES = frozenset(
    {"suspended", "lifted", "revoked", "withdrawn", "ended", "relaxed", "eased", "exempted"}
)
_EASED_TITLE = re.compile(r"\bsuspen\w*|\blift(s|ed|ing)?\b|\brelax\w*|\beas(e|es|ed|ing)\b", re.I)
_CHINA_TITLE = re.compile(r"\bchin(a|ese)\b|\bmofcom\b|\bbeijing\b|\bprc\b", re.I)
_OPTIONAL = ("origin", "jurisdiction", "event_date", "date_precision")


@dataclass
class Event:
    num: int
    event_id: str
    day: date | None
    posted_ist: datetime | None
    event_type: str
    status: str | None
    title: str
    ministry: str | None
    minerals: list[tuple[str, str]]  # (mineral_id, name)
    countries: list[str]
    amounts: str | None
    urls: list[str]
    prids: list[int]
    origin: str
    jurisdiction: str | None
    date_precision: str | None
    side: str

    @property
    def label(self) -> str:
        return f"E{self.num}"

    @property
    def anchor(self) -> str:
        return f"event-{self.label}"

    @property
    def date_text(self) -> str:
        """The date at its precision: '2025-04-04', '2024-08' (month) or '2017' (year)."""
        if self.day is None:
            return "undated"
        if self.date_precision == "year":
            return f"{self.day:%Y}"
        if self.date_precision == "month":
            return f"{self.day:%Y-%m}"
        return self.day.isoformat()

    @functools.cached_property
    def source_text(self) -> str:
        """Where the event comes from, in words: PIB PRIDs and the catalogue's source sites."""
        prids = ", ".join(str(p) for p in self.prids[:3])
        if len(self.prids) > 3:
            prids += f" (+{len(self.prids) - 3})"
        if self.origin == "pib":
            return f"PIB release {prids}" if prids else "PIB release"
        hosts = []
        for url in self.urls:
            host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
            if host and host not in hosts and host != "pib.gov.in":
                hosts.append(host)
        parts = ["Event catalogue"]
        if hosts:
            parts.append(", ".join(hosts[:3]))
        if prids:
            parts.append(f"PIB release {prids}")
        return "; ".join(parts).replace("catalogue; ", "catalogue: ", 1)

    @property
    def is_other_side(self) -> bool:
        return self.side in OTHER_SIDE


def event_side(
    *,
    origin: str,
    jurisdiction: str | None,
    event_type: str,
    status: str | None,
    title: str,
    china_actor: bool,
) -> str:
    """The side an event is on (one of ``SIDES``); see the module docstring for the rule."""
    j = (jurisdiction or "").strip().upper()
    # a catalogue entry's jurisdiction is curated; a PIB event's is only the default 'IN', so
    # an export control that names China counts as China's whatever that column says
    curated = origin != "pib" and bool(j)
    names_china = china_actor or bool(_CHINA_TITLE.search(title))
    if j == "CN" or (not curated and event_type == "export_control" and names_china):
        eased = (status or "").lower() in _EASED_STATUSES or "suspension" in event_type
        return SIDE_CHINA_EASED if eased or _EASED_TITLE.search(title) else SIDE_CHINA
    if j in ("", "IN", "IND"):
        return SIDE_INDIA
    return SIDE_OTHER


def safe_links(ev: Event) -> list[str]:
    """The event's source URLs that may be linked: http(s) only, and for PIB events only PIB.

    PIB events' URLs are built from PRIDs, so anything else there is not trusted; catalogue
    entries are reviewed in the repository and link the public sources they cite.
    """
    out = []
    for url in ev.urls:
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        if ev.origin == "pib" and parts.hostname.lower() not in PIB_HOSTS:
            continue
        out.append(url)
    return out


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def _to_ist(ts: object) -> datetime | None:
    if not isinstance(ts, datetime):
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(IST)


def load_events(con: duckdb.DuckDBPyConnection) -> list[Event]:
    """Every event in ``mart_policy_timeline``, numbered E1, E2... in date order."""
    mart_cols = _columns(con, "mart_policy_timeline")
    event_cols = _columns(con, "policy_event")
    optional, join = [], ""
    for col in _OPTIONAL:
        if col in mart_cols:
            optional.append(f"any_value(t.{col})")
        elif col in event_cols:
            optional.append(f"any_value(p.{col})")
            join = "LEFT JOIN policy_event p ON p.event_id = t.event_id"
        else:
            optional.append("NULL")
    prids = "any_value(t.source_prids)" if "source_prids" in mart_cols else "NULL"
    rows = con.execute(
        f"""SELECT t.event_id, any_value(t.posted_at), any_value(t.release_date),
                  any_value(t.event_type), any_value(t.status), any_value(t.title),
                  any_value(t.ministry),
                  list(DISTINCT [t.mineral_id, coalesce(t.mineral_name, t.mineral_id)])
                      FILTER (WHERE t.mineral_id IS NOT NULL),
                  list(DISTINCT t.country_name) FILTER (WHERE t.country_name IS NOT NULL),
                  coalesce(bool_or(t.area_code = {CHINA}), false),
                  any_value(t.amounts), any_value(t.source_urls), {prids},
                  {", ".join(optional)}
           FROM mart_policy_timeline t {join}
           GROUP BY t.event_id"""
    ).fetchall()
    events = []
    for row in rows:
        (eid, posted, day, etype, status, title, ministry, mins, countries, china_actor) = row[:10]
        amounts, urls, source_prids, origin, jurisdiction, event_date, precision = row[10:]
        posted_ist = _to_ist(posted)
        day = event_date or day  # the decision's date; the release day for PIB events
        if isinstance(day, datetime):
            day = day.date()
        if day is None and posted_ist is not None:
            day = posted_ist.date()
        etype, title = str(etype or ""), str(title or "")
        origin = str(origin or "pib").lower()
        events.append(
            Event(
                num=0,
                event_id=str(eid),
                day=day,
                posted_ist=posted_ist,
                event_type=etype,
                status=status,
                title=title,
                ministry=ministry,
                minerals=sorted({(str(a), str(b)) for a, b in (mins or [])}, key=lambda t: t[1]),
                countries=sorted({str(c) for c in (countries or [])}),
                amounts=amounts,
                urls=[str(u) for u in (urls or []) if u],
                prids=[int(p) for p in (source_prids or []) if p is not None],
                origin=origin,
                jurisdiction=jurisdiction,
                date_precision=precision,
                side=event_side(
                    origin=origin,
                    jurisdiction=jurisdiction,
                    event_type=etype,
                    status=status,
                    title=title,
                    china_actor=bool(china_actor),
                ),
            )
        )
    far = datetime.max.replace(tzinfo=IST)
    events.sort(key=lambda ev: (ev.day or date.max, ev.posted_ist or far, ev.event_id))
    for i, ev in enumerate(events, start=1):
        ev.num = i
    return events

"""Synthetic, realistic-looking inputs for the benchmarks (and the merge equivalence test).

* :func:`tagged_releases`: tagged PIB releases of a long backfill: ~25 a day posted between 09:00
  and 20:00 IST, English with some Hindi twins (linked by PRID), Cabinet decisions with their
  line-ministry reposts (same or near-identical title, within hours), and same-day look-alikes
  that must *not* merge ("Cabinet approves X" / "Cabinet approves Y").
* :func:`comtrade_answers`: Comtrade final-data answers in the real envelope and 47-field
  record shape (see ``snapshot/comtrade/bodies/*.json`` and shared/research/trade.md §1.5).
* the 10M-row trade warehouse is built in :mod:`bench.bench_marts` (DuckDB SQL).

Everything is seeded, so a seed and a size always give the same data.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from assets.events.tagger import ActorTag, Amount, MineralTag, TaggedRelease

IST = ZoneInfo("Asia/Kolkata")

# --------------------------------------------------------------------------- PIB releases

MINISTRIES = [
    "Ministry of Mines",
    "Ministry of Commerce & Industry",
    "Ministry of External Affairs",
    "Ministry of Heavy Industries",
    "Ministry of Coal",
    "Ministry of Steel",
    "Department of Atomic Energy",
    "NITI Aayog",
    "Ministry of Defence",
    "Ministry of Information & Broadcasting",
]
CABINET = ["Cabinet", "Cabinet Committee on Economic Affairs (CCEA)"]
SUBJECTS = [
    "Ministry of Mines",
    "Geological Survey of India",
    "Coal Ministry",
    "DPIIT",
    "APEDA",
    "Secretary, Ministry of Mines",
    "Union Minister Shri G. Kishan Reddy",
    "NITI Aayog",
    "Department of Atomic Energy",
    "Commerce Department",
    "KABIL",
    "IREL (India) Limited",
    "Ministry of Heavy Industries",
    "Indian Naval Ship",
]
VERBS = [
    "Reviews",
    "Launches",
    "Holds",
    "Organises",
    "Inaugurates",
    "Signs MoU with",
    "Releases Report on",
    "Observes",
    "Conducts Outreach on",
    "Chairs Meeting on",
]
OBJECTS = [
    "Lithium Exploration Project in Catamarca, Argentina",
    "Critical Mineral Recycling Incentive Scheme",
    "Safety Preparedness in Underground Mines",
    "Business Reforms Action Plan for States",
    "Tranche {n} of the Critical Mineral Auction",
    "Coal Stock Position at Thermal Power Plants",
    "Green Steel Taxonomy with Industry",
    "National Critical Mineral Mission",
    "Rare Earth Permanent Magnet Manufacturing",
    "Geoscience Data Portal for University Students",
    "Export Promotion Mission with Exporters",
    "Offshore Mineral Blocks Auction",
    "Samvidhan Divas across Its Units",
    "India-Australia Critical Minerals Investment Partnership",
    "Deployment of Electric Buses under PM E-DRIVE",
    "PLI Scheme for Automobile and Auto Component Industry",
    "Swachhata Special Campaign {n}.0",
    "Radiation Technology for Food Preservation",
]
PLACES = [
    "in New Delhi",
    "in Kolkata",
    "at Bharat Mandapam",
    "in Hyderabad",
    "in Bhubaneswar",
    "for 2025-26",
    "",
    "",
]
DECISIONS = [
    "Scheme to Promote Manufacturing of Sintered Rare Earth Permanent Magnets",
    "National Critical Mineral Mission with an outlay of ₹16,300 crore",
    "Amendment to the Mines and Minerals (Development and Regulation) Act",
    "Critical Mineral Recycling Incentive Scheme of ₹1,500 crore",
    "Extension of the Offshore Areas Mineral Auction Rules",
    "Minimum Support Price for Raw Jute for the 2026-27 Season",
    "Royalty Rates for Lithium, Niobium and Rare Earth Elements",
    "Increase in Dearness Allowance for Central Government Employees",
    "Continuation of the Pradhan Mantri Krishi Sinchayee Yojana",
    "Setting up of {n} Semiconductor Units",
]
HINDI = [
    "खान मंत्रालय ने महत्वपूर्ण खनिज नीलामी की समीक्षा की",
    "मंत्रिमंडल ने राष्ट्रीय महत्वपूर्ण खनिज मिशन को मंजूरी दी",
    "भारत और ऑस्ट्रेलिया ने महत्वपूर्ण खनिज साझेदारी की प्रगति की समीक्षा की",
    "प्रोत्साहन योजना से महत्वपूर्ण खनिज निष्कर्षण के लिए पुनर्चक्रण क्षमता",
]
MINERAL_IDS = ["lithium", "cobalt", "ree", "graphite", "copper", "nickel", "pge", "tungsten"]


def _mutate(title: str, rng: random.Random) -> str:
    """A line-ministry repost's title: the same words with one small edit."""
    words = title.split()
    edit = rng.randrange(5)
    if edit == 0:
        return title.upper() if rng.random() < 0.3 else title.lower()
    if edit == 1 and len(words) > 4:
        del words[rng.randrange(1, len(words))]
    elif edit == 2:
        words.insert(rng.randrange(len(words) + 1), rng.choice(["the", "a", "new", "Union"]))
    elif edit == 3:
        i = rng.randrange(len(words))
        words[i] = words[i] + rng.choice(["s", "d", ",", ":"])
    else:
        return title.replace(" approves ", " Approves ").replace("&", "and") + "."
    return " ".join(words)


def _tags(rng: random.Random, relevant: bool) -> tuple[list, list, list]:
    if not relevant:
        return [], [], []
    minerals = [
        MineralTag(m, rng.choice(["title", "body"]), 0.95, f"... {m} ...")
        for m in rng.sample(MINERAL_IDS, rng.randint(1, 3))
    ]
    actors = [ActorTag("Ministry of Mines", 699, "ministry", "implementer", "ministry")]
    if rng.random() < 0.4:
        actors.append(ActorTag("Australia", 36, "country", "counterparty", "... Australia ..."))
    amounts = [Amount("₹1,500 crore", 1500.0, "INR crore", "outlay", 1.5e10)]
    return minerals, actors, amounts


def tagged_releases(
    n: int, *, seed: int = 11, per_day: int = 25, start: date = date(2017, 1, 2)
) -> list[TaggedRelease]:
    """``n`` tagged releases of a backfill, in PRID order (as ``policy_event`` reads them)."""
    rng = random.Random(seed)
    out: list[TaggedRelease] = []
    prid = 1_500_000
    day = start

    def release(title: str, ministry: str, lang: str, at: datetime, relevant: bool, trans=()):
        nonlocal prid
        prid += 1
        minerals, actors, amounts = _tags(rng, relevant)
        t = TaggedRelease(
            prid=prid,
            title=title,
            ministry=ministry,
            language=lang,
            posted_at=at,
            translations=list(trans),
            is_relevant=relevant,
            relevance_score=3.0 if relevant else 0.0,
            relevance_signals=[],
            event_type="scheme" if relevant else None,
            status="approved" if relevant else None,
            minerals=minerals,
            actors=actors,
            amounts=amounts,
        )
        out.append(t)
        return t

    while len(out) < n:
        count = max(1, int(rng.gauss(per_day, per_day / 4)))
        base = datetime(day.year, day.month, day.day, 9, 0, tzinfo=IST)
        for _ in range(count):
            at = base + timedelta(minutes=rng.randrange(11 * 60))
            relevant = rng.random() < 0.3
            kind = rng.random()
            if kind < 0.12:  # a Cabinet decision, usually with its line-ministry repost
                decision = rng.choice(DECISIONS).format(n=rng.randint(2, 9))
                title = f"Cabinet approves {decision}"
                cab = release(title, rng.choice(CABINET), "en", at, relevant)
                if rng.random() < 0.7:
                    later = at + timedelta(minutes=rng.randrange(10, 300))
                    repost = title if rng.random() < 0.5 else _mutate(title, rng)
                    release(repost, rng.choice(MINISTRIES), "en", later, relevant)
                if rng.random() < 0.2:  # the Hindi twin, linked by PRID
                    twin = release(rng.choice(HINDI), "मंत्रिमंडल", "hi", at, relevant, [cab.prid])
                    cab.translations.append(twin.prid)
            elif kind < 0.2:  # an English release with a Hindi translation
                title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
                en = release(title.format(n=rng.randint(1, 5)), "Ministry of Mines", "en", at, True)
                hi = release(rng.choice(HINDI), "खान मंत्रालय", "hi", at, True, [en.prid])
                if rng.random() < 0.5:
                    en.translations.append(hi.prid)
            else:
                title = " ".join(
                    [
                        rng.choice(SUBJECTS),
                        rng.choice(VERBS),
                        rng.choice(OBJECTS),
                        rng.choice(PLACES),
                    ]
                ).strip()
                release(
                    title.format(n=rng.randint(1, 5)), rng.choice(MINISTRIES), "en", at, relevant
                )
            if len(out) >= n:
                break
        day += timedelta(days=1)
    return out[:n]


# --------------------------------------------------------------------------- Comtrade answers

PARTNERS = [
    (36, "AUS", "Australia"), (32, "ARG", "Argentina"), (76, "BRA", "Brazil"),
    (124, "CAN", "Canada"), (152, "CHL", "Chile"), (156, "CHN", "China"),
    (180, "COD", "Dem. Rep. of the Congo"), (251, "FRA", "France"), (276, "DEU", "Germany"),
    (360, "IDN", "Indonesia"), (392, "JPN", "Japan"), (398, "KAZ", "Kazakhstan"),
    (410, "KOR", "Rep. of Korea"), (484, "MEX", "Mexico"), (508, "MOZ", "Mozambique"),
    (516, "NAM", "Namibia"), (604, "PER", "Peru"), (643, "RUS", "Russian Federation"),
    (710, "ZAF", "South Africa"), (784, "ARE", "United Arab Emirates"),
    (826, "GBR", "United Kingdom"), (842, "USA", "USA"), (894, "ZMB", "Zambia"),
    (704, "VNM", "Viet Nam"), (56, "BEL", "Belgium"), (528, "NLD", "Netherlands"),
    (380, "ITA", "Italy"), (724, "ESP", "Spain"), (702, "SGP", "Singapore"),
    (458, "MYS", "Malaysia"), (764, "THA", "Thailand"), (608, "PHL", "Philippines"),
    (792, "TUR", "Türkiye"), (376, "ISR", "Israel"), (682, "SAU", "Saudi Arabia"),
    (512, "OMN", "Oman"), (818, "EGY", "Egypt"), (566, "NGA", "Nigeria"),
    (834, "TZA", "United Rep. of Tanzania"), (450, "MDG", "Madagascar"),
]  # fmt: skip
WORLD = (0, "W00", "World")
HS_MAP = Path(__file__).resolve().parents[1] / "warehouse" / "reference" / "hs_mineral_map.csv"


def hs_codes_by_edition() -> dict[str, list[str]]:
    """The project's mapped HS6 codes per edition (warehouse/reference/hs_mineral_map.csv)."""
    out: dict[str, set[str]] = {}
    with HS_MAP.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["edition"], set()).add(row["hs6"])
    return {k: sorted(v) for k, v in out.items()}


def _record(
    rng: random.Random, period: str, flow: str, partner: tuple[int, str, str], hs6: str
) -> dict:
    """One final-data record, 47 fields in API order and JSON types (trade.md §1.5)."""
    annual = len(period) == 4
    year = int(period[:4])
    month = 52 if annual else int(period[4:])
    code, iso, name = partner
    edition = "H5" if year <= 2021 else "H6"
    value = round(rng.lognormvariate(12, 2.5), 1)
    weight = round(value / rng.uniform(2, 80), 1) if rng.random() > 0.05 else None
    imports = flow == "M"
    fob = None if imports else value
    if imports and edition == "H5":
        fob = 0.0  # India's 2019-2021 import rows carry fobvalue 0, not null
    return {
        "typeCode": "C", "freqCode": "A" if annual else "M",
        "refPeriodId": int(f"{year}{1 if annual else month:02d}01"), "refYear": year,
        "refMonth": month, "period": period, "reporterCode": 699, "reporterISO": "IND",
        "reporterDesc": "India", "flowCode": flow, "flowDesc": "Import" if imports else "Export",
        "partnerCode": code, "partnerISO": iso, "partnerDesc": name, "partner2Code": 0,
        "partner2ISO": "W00", "partner2Desc": "World", "classificationCode": edition,
        "classificationSearchCode": "HS", "isOriginalClassification": True, "cmdCode": hs6,
        "cmdDesc": f"HS {hs6}", "aggrLevel": 6, "isLeaf": True, "customsCode": "C00",
        "customsDesc": "TOTAL CPC", "mosCode": "0", "motCode": 0, "motDesc": "TOTAL MOT",
        "qtyUnitCode": 8, "qtyUnitAbbr": "kg", "qty": weight, "isQtyEstimated": False,
        "altQtyUnitCode": 8, "altQtyUnitAbbr": "kg", "altQty": weight, "isAltQtyEstimated": False,
        "netWgt": weight, "isNetWgtEstimated": rng.random() < 0.1, "grossWgt": None,
        "isGrossWgtEstimated": False, "cifvalue": value if imports else None, "fobvalue": fob,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": code != 0,
        "isAggregate": False,
    }  # fmt: skip


def _grain_keys() -> Iterator[tuple[str, str, tuple[int, str, str], str]]:
    """(period, flow, partner, hs6) keys, all distinct: monthly periods from 2019-01, both
    flows, every mapped HS code of the period's edition, World and 40 partners each (the answer
    to an all-partners query holds the World row too)."""
    codes = hs_codes_by_edition()
    month = 0
    while True:
        year, mon = 2019 + month // 12, month % 12 + 1
        edition = "H5" if year <= 2021 else "H6"
        for flow in "MX":
            for hs6 in codes[edition]:
                for partner in (WORLD, *PARTNERS):
                    yield f"{year}{mon:02d}", flow, partner, hs6
        month += 1


def comtrade_answers(
    out_dir: Path, *, answers: int = 2000, per_answer: int = 500, seed: int = 11
) -> list[Path]:
    """Write ``answers`` Comtrade answers of ``per_answer`` records each (cached: a complete
    directory is reused). Returns the body files in fetch order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done = out_dir / "COMPLETE"
    paths = [out_dir / f"answer_{i:05d}.json" for i in range(answers)]
    if done.exists() and done.read_text() == f"{answers} {per_answer} {seed}":
        return paths
    rng = random.Random(seed)
    keys = _grain_keys()
    for path in paths:
        data = [_record(rng, *next(keys)) for _ in range(per_answer)]
        body = {"elapsedTime": "0.31 secs", "count": len(data), "data": data, "error": ""}
        path.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
    done.write_text(f"{answers} {per_answer} {seed}")
    return paths


def answer_url(path: Path) -> str:
    """A plausible request URL for an answer file (the normaliser records it as provenance)."""
    return (
        "https://comtradeapi.un.org/public/v1/preview/C/M/HS?reporterCode=699&flowCode=M,X"
        f"&partnerCode=&partner2Code=0&motCode=0&customsCode=C00&cmdCode=&q={path.stem}"
    )


def sha256_bytes(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()

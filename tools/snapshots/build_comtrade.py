"""Build the bundled UN Comtrade snapshot (``snapshot/comtrade/``) deterministically.

SAMPLE DATA, NOT REAL STATISTICS, except 36 real records. The trade figures generated here are
plausible in shape (who supplies India with what, rough magnitudes and unit values) but invented
and seeded; the warehouse labels them as sample data. The exceptions are the real UN Comtrade
records of ``comtrade_real_src/`` (:mod:`comtrade_real`), all of which the asset's calls ask
for: India's annual imports of natural graphite (heading 2504), cobalt oxides (heading 2822)
and lithium oxide and hydroxide (282520) from World and China, 2019-2024. They replace the
sample records with the same key, exactly as served (47 fields, real quirks), and are listed in
``snapshot/comtrade/real_records.json`` so the warehouse can mark them ``is_sample_data =
false`` (:func:`apply_real_records`). The headings answer the heading calls
(:func:`heading_groups`, :func:`generate_heading_records`).

What it does:

1. Reads the HS codes (and the HS editions each code exists in) from
   ``warehouse/reference/hs_mineral_map.csv`` (fallback: the §3.3 table of
   shared/research/trade.md) - per edition, the same distinct ``hs6`` set the asset passes from
   dim_hs_code.
2. Generates India (699) final-data records in the real 47-field shape: imports (M) and exports
   (X), annual 2019-2024 and monthly 202401-202510, classified in the edition of the period
   (:func:`assets.comtrade.editions.edition_for_period`: H5 = HS 2017 up to 2021, H6 = HS 2022
   from 2022), a code only in the periods whose edition contains it, with a World (0) row per
   (period, flow, code) equal to the sum of the partners. Months follow the annual factors
   (interpolated, so a year's months add up to about its annual value); from 2024 the key
   series shift (:func:`_shifts`): lithium carbonate imports rise and diversify toward
   Argentina, Chile and Australia; REE compounds and permanent magnets dip from China after its
   April 2025 export controls; DRC cobalt oxides fall away after its February 2025 export ban.
3. Serves them through :class:`assets.comtrade.fake_api.FakeComtrade` (an httpx MockTransport
   that filters like the real API and truncates at the 500-row preview cap) and runs the **real**
   planner and client in ``SourceClient(COMTRADE_POLICY, Mode.RECORD, ...)`` on a virtual clock,
   one ``client.fetch(freq, periods, codes)`` per (frequency, edition) group exactly as the asset
   does (:func:`fetch_groups`: annual 2019-2021 with the H5 codes, annual 2022-2024 with the H6
   codes, monthly 202401-202510 with the H6 codes), so the recorded keys are exactly the ones the
   asset asks for in replay.
4. Mirror flows (issue 12), SAMPLE DATA: each reporter of
   ``warehouse/reference/mirror_partners.csv`` reports its trade with India (partnerCode 699),
   derived from India's sample rows with that partner; annual for every reporter, monthly
   (202401-202510) for the reporters whose ``reports_monthly`` is true. Recorded after India's
   calls (annual mirror, then monthly mirror), through the real client as
   ``assets/comtrade/mirror.py`` asks them, so India's exchanges do not depend on them.
5. Pins ``fetched_at`` in ``exchanges.jsonl`` (so a rebuild is byte-identical), writes
   ``snapshot/comtrade/README.md`` and ``tools/snapshots/comtrade_expected.json``, then replays
   the snapshot through the planner + normaliser and checks it reproduces the expected totals.

Deliberate quirks (the README lists the exchanges that carry them):

* 2023 annual (H6), codes 282690..310420: the broad chemicals trade with many more partners,
  more than 500 rows -> a response at the cap (exactly 500 rows) that the client splits
  (HS-code halves) and re-asks;
* 2021 annual (H5), first code chunk: HTTP 429 with ``Retry-After: 2``, then the 200;
* 202510 (H6), the most recent month: not yet published -> every call answers ``count: 0``
  (no data, recorded);
* mixed field casing: 283691 in 2020 (H5) uses ``CIFValue``/``FOBValue``; 284690 in 202402 (H6)
  uses ``cifValue``/``fobValue``/``isnetWgtEstimated``/``isgrossWgtEstimated``;
* 282200 imports from Zambia (894) in 2021 (H5): ``qty`` and ``netWgt`` null (unit N/A);
* a few records flagged ``isQtyEstimated``/``isNetWgtEstimated`` (UNSD estimates).

Run: ``.venv/bin/python tools/snapshots/build_comtrade.py`` (``--check`` rebuilds into a temp
directory and fails if the bundled snapshot differs).
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import json
import random
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for _p in (ROOT, HERE):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from comtrade_real import REAL_CSV, grain, load_real_records  # noqa: E402

from assets.comtrade.client import ComtradeClient, FetchResult  # noqa: E402
from assets.comtrade.editions import edition_for_period, periods_by_edition  # noqa: E402
from assets.comtrade.fake_api import FakeComtrade, FakeRequest, Fault, rate_limited  # noqa: E402
from assets.comtrade.normalise import normalise_batches  # noqa: E402
from assets.comtrade.policy import COMTRADE_POLICY  # noqa: E402
from pipelines.http import Mode, SourceClient, VirtualClock  # noqa: E402
from pipelines.snapshot import Exchange  # noqa: E402

SNAPSHOT_DIR = ROOT / "snapshot" / "comtrade"
EXPECTED_PATH = ROOT / "tools" / "snapshots" / "comtrade_expected.json"
#: Written beside the exchanges: the real records in the snapshot (read by the warehouse label).
REAL_RECORDS_FILE = "real_records.json"
HS_MAP_CSV = ROOT / "warehouse" / "reference" / "hs_mineral_map.csv"
TRADE_MD = Path("/work/shared/research/trade.md")

SEED = "india-critical-minerals-comtrade-sample-v1"
FETCHED_AT = "2025-11-28T00:00:00+00:00"
ANNUAL_PERIODS = ["2019", "2020", "2021", "2022", "2023", "2024"]
MONTHLY_PERIODS = [f"{y}{m:02d}" for y in (2024, 2025) for m in range(1, 13)][:22]  # ..202510
UNPUBLISHED_PERIODS = {"202510"}  # the most recent month: answered with count 0
# Years with a volume/price factor: the annual periods plus 2025 (monthly data only).
FACTOR_YEARS = [*ANNUAL_PERIODS, "2025"]
EXPECTED_CODES = ("283691", "284690", "282200", "282520")
#: Mirror flows (issue 12): the partners that report their trade WITH India (partnerCode 699).
MIRROR_PARTNERS_CSV = ROOT / "warehouse" / "reference" / "mirror_partners.csv"
HS_HEADING_CSV = ROOT / "warehouse" / "reference" / "hs_heading_map.csv"
#: Comtrade's text for the headings (the official H5/H6 lists and the real records agree).
HEADING_DESC = {"2504": "Graphite; natural",
                "2822": "Cobalt oxides and hydroxides; commercial cobalt oxides"}  # fmt: skip
#: Codes per mirror call: the partner is fixed (India), so an answer holds at most 2 rows per code
#: (X and M), 400 for 200 codes, under the 500-row preview cap (assets.comtrade.mirror).
MIRROR_CODES_PER_QUERY = 200
INDIA_AREA = (699, "IND", "India")

# Comtrade area code -> (ISO3 as served in partnerISO, partnerDesc). Comtrade codes are not
# ISO numeric (USA 842, France 251, Switzerland 757, Other Asia nes 490).
PARTNERS: dict[int, tuple[str, str]] = {
    0: ("W00", "World"),
    32: ("ARG", "Argentina"),
    36: ("AUS", "Australia"),
    50: ("BGD", "Bangladesh"),
    56: ("BEL", "Belgium"),
    76: ("BRA", "Brazil"),
    112: ("BLR", "Belarus"),
    124: ("CAN", "Canada"),
    144: ("LKA", "Sri Lanka"),
    152: ("CHL", "Chile"),
    156: ("CHN", "China"),
    180: ("COD", "Dem. Rep. of the Congo"),
    251: ("FRA", "France"),
    276: ("DEU", "Germany"),
    360: ("IDN", "Indonesia"),
    376: ("ISR", "Israel"),
    392: ("JPN", "Japan"),
    398: ("KAZ", "Kazakhstan"),
    400: ("JOR", "Jordan"),
    410: ("KOR", "Rep. of Korea"),
    450: ("MDG", "Madagascar"),
    458: ("MYS", "Malaysia"),
    490: ("S19", "Other Asia, nes"),
    504: ("MAR", "Morocco"),
    508: ("MOZ", "Mozambique"),
    524: ("NPL", "Nepal"),
    528: ("NLD", "Netherlands"),
    604: ("PER", "Peru"),
    643: ("RUS", "Russian Federation"),
    682: ("SAU", "Saudi Arabia"),
    702: ("SGP", "Singapore"),
    704: ("VNM", "Viet Nam"),
    710: ("ZAF", "South Africa"),
    752: ("SWE", "Sweden"),
    757: ("CHE", "Switzerland"),
    764: ("THA", "Thailand"),
    768: ("TGO", "Togo"),
    784: ("ARE", "United Arab Emirates"),
    792: ("TUR", "Türkiye"),
    818: ("EGY", "Egypt"),
    826: ("GBR", "United Kingdom"),
    842: ("USA", "USA"),
    894: ("ZMB", "Zambia"),
}

# Generic supplier / customer pools with weights (China heavy on the import side).
IMPORT_POOL = [
    (156, 30), (392, 7), (410, 6), (276, 6), (842, 6), (643, 5), (36, 4), (56, 4), (702, 4),
    (784, 4), (710, 3), (360, 3), (826, 3), (528, 3), (251, 2), (490, 3), (458, 2), (764, 2),
    (124, 2), (152, 2), (604, 2), (398, 2), (894, 1), (180, 1), (32, 1), (76, 1), (752, 1),
    (757, 1), (792, 1),
]  # fmt: skip
EXPORT_POOL = [
    (784, 8), (842, 7), (156, 6), (50, 6), (524, 5), (702, 5), (360, 4), (704, 4), (458, 4),
    (764, 4), (144, 3), (682, 3), (792, 3), (276, 3), (392, 3), (410, 3), (826, 2), (528, 2),
    (56, 2), (818, 2), (76, 1), (710, 1),
]  # fmt: skip

# Explicit profiles: code -> flow -> (value in USD 2019, USD per kg 2019, [(partner, weight)]).
KEY_PROFILES: dict[str, dict[str, tuple[float, float, list[tuple[int, int]]]]] = {
    "283691": {
        "M": (32e6, 9.5, [(152, 38), (156, 30), (32, 16), (842, 4), (56, 3), (392, 3), (643, 2),
                          (276, 2), (410, 2)]),
        "X": (0.9e6, 14.0, [(784, 40), (50, 25), (702, 20), (360, 15)]),
    },
    "284690": {
        "M": (48e6, 18.0, [(156, 82), (392, 5), (842, 4), (643, 3), (276, 2), (410, 2),
                           (826, 2)]),
        "X": (14e6, 22.0, [(392, 55), (842, 20), (276, 10), (410, 8), (156, 7)]),
    },
    "282200": {
        "M": (36e6, 28.0, [(156, 46), (56, 24), (894, 14), (180, 6), (392, 4), (410, 3),
                           (276, 3)]),
        "X": (2.1e6, 32.0, [(784, 35), (702, 25), (50, 20), (360, 20)]),
    },
    "282520": {
        "M": (12e6, 12.0, [(156, 70), (643, 15), (842, 8), (152, 7)]),
        "X": (0.4e6, 15.0, [(784, 60), (50, 40)]),
    },
    "260300": {
        "M": (1.9e9, 2.1, [(152, 34), (604, 18), (36, 16), (360, 12), (398, 6), (710, 5),
                           (76, 5), (124, 4)]),
        "X": (8e6, 1.9, [(156, 70), (410, 30)]),
    },
    "740311": {
        "M": (0.55e9, 6.2, [(392, 35), (180, 20), (152, 12), (784, 10), (702, 8), (643, 8),
                            (410, 7)]),
        "X": (1.1e9, 6.1, [(156, 40), (784, 12), (458, 10), (764, 8), (704, 8), (792, 7),
                           (50, 8), (490, 7)]),
    },
    "740400": {
        "M": (1.4e9, 4.5, [(784, 22), (842, 14), (826, 10), (528, 7), (56, 6), (702, 6),
                           (36, 5), (682, 8), (276, 6), (251, 4), (124, 5)]),
        "X": (12e6, 4.0, [(156, 50), (458, 30), (704, 20)]),
    },
    "850760": {
        "M": (1.3e9, 26.0, [(156, 72), (410, 9), (392, 6), (702, 4), (704, 5), (458, 2),
                            (842, 2)]),
        "X": (0.25e9, 30.0, [(842, 25), (784, 15), (276, 12), (826, 10), (524, 10), (50, 10),
                             (144, 8), (702, 10)]),
    },
    "380110": {
        "M": (0.12e9, 1.8, [(156, 66), (392, 10), (643, 8), (410, 6), (276, 5), (842, 5)]),
        "X": (0.09e9, 2.2, [(842, 30), (792, 20), (682, 15), (784, 15), (276, 10), (410, 10)]),
    },
    "250410": {
        "M": (30e6, 0.6, [(156, 45), (450, 25), (508, 20), (76, 10)]),
        "X": (3e6, 0.9, [(842, 40), (392, 30), (276, 30)]),
    },
    "750210": {
        "M": (0.75e9, 15.0, [(643, 24), (702, 18), (392, 12), (36, 10), (124, 10), (528, 8),
                             (826, 8), (56, 5)]),
        "X": (20e6, 16.0, [(784, 40), (50, 30), (524, 30)]),
    },
    "310420": {
        "M": (0.9e9, 0.28, [(643, 28), (124, 22), (112, 14), (400, 16), (376, 12)]),
        "X": (2e6, 0.4, [(524, 60), (50, 40)]),
    },
    "251010": {
        "M": (0.8e9, 0.12, [(504, 36), (400, 24), (768, 14), (818, 12), (643, 8), (360, 6)]),
        "X": (0.5e6, 0.2, [(524, 100)]),
    },
    "711011": {
        "M": (0.25e9, 28000.0, [(710, 40), (826, 18), (757, 14), (643, 12), (842, 8),
                                (276, 8)]),
        "X": (15e6, 30000.0, [(784, 40), (842, 30), (702, 30)]),
    },
    "261400": {
        "M": (0.12e9, 0.35, [(36, 35), (508, 30), (710, 15), (450, 10), (360, 10)]),
        "X": (0.05e9, 0.3, [(156, 50), (392, 20), (410, 15), (842, 15)]),
    },
    "810520": {
        "M": (40e6, 40.0, [(894, 25), (56, 25), (180, 15), (156, 15), (528, 10), (826, 10)]),
        "X": (1e6, 45.0, [(842, 100)]),
    },
    "260500": {
        "M": (6e6, 9.0, [(180, 70), (894, 30)]),
        "X": (0.0, 1.0, []),
    },
    "850511": {
        "M": (0.16e9, 42.0, [(156, 88), (392, 4), (704, 2), (276, 2), (410, 2), (842, 1),
                             (826, 1)]),
        "X": (5e6, 48.0, [(842, 40), (276, 25), (784, 20), (826, 15)]),
    },
}  # fmt: skip

# Generic sizes by stage: (value range USD 2019 imports, USD/kg range).
STAGE_SIZE: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "ore": ((2e6, 60e6), (0.2, 3.0)),
    "mineral": ((2e6, 40e6), (0.05, 1.0)),
    "processed": ((2e6, 40e6), (0.5, 5.0)),
    "oxide": ((3e6, 60e6), (2.0, 30.0)),
    "compound": ((2e6, 40e6), (3.0, 40.0)),
    "chemical": ((5e6, 120e6), (0.5, 20.0)),
    "element": ((0.5e6, 15e6), (2.0, 60.0)),
    "intermediate": ((2e6, 40e6), (5.0, 20.0)),
    "metal": ((3e6, 120e6), (8.0, 80.0)),
    "alloy": ((5e6, 80e6), (4.0, 12.0)),
    "ferroalloy": ((5e6, 150e6), (1.2, 15.0)),
    "scrap": ((1e6, 40e6), (1.0, 20.0)),
    "articles": ((0.5e6, 20e6), (30.0, 200.0)),
    "fertiliser": ((50e6, 600e6), (0.2, 0.6)),
    "downstream": ((20e6, 500e6), (2.0, 30.0)),
    "magnet": ((80e6, 300e6), (35.0, 60.0)),
}
# Broadly traded chemicals: many small partners on both sides.
BROAD_CODES = {"282690", "282739", "283090", "283329", "283421", "284170", "284180", "284190",
               "284990", "283692", "310390", "283324", "283325", "282735", "284610"}  # fmt: skip

LITHIUM = {"283691", "282520"}
# Boom and bust of the lithium price (2022 peak, 2024-2025 slump) while volumes keep rising.
LITHIUM_PRICE = {"2019": 1.0, "2020": 0.75, "2021": 1.6, "2022": 5.5, "2023": 3.4, "2024": 1.45,
                 "2025": 1.1}  # fmt: skip
LITHIUM_VOLUME = {"2019": 1.0, "2020": 0.9, "2021": 1.5, "2022": 1.7, "2023": 2.4, "2024": 3.3,
                  "2025": 4.4}  # fmt: skip
# Codes whose monthly series carry most partners every month (the ones analysts look at).
MONTHLY_DETAIL = {"283691", "284690", "850511", "282200"}
# China's April 2025 export controls on medium/heavy rare earths (and magnets containing them):
# factor on China's monthly shipments of REE compounds and permanent magnets.
REE_CONTROLLED = {"284690", "850511"}
CHINA_REE_2025 = {"202504": 0.6, "202505": 0.3, "202506": 0.25, "202507": 0.4, "202508": 0.55,
                  "202509": 0.7}  # fmt: skip
# DRC's cobalt export suspension (from 22 Feb 2025) and the cobalt price rise that followed.
DRC_COBALT_2025 = {"202503": 0.5, "202504": 0.15, "202505": 0.1, "202506": 0.1, "202507": 0.1,
                   "202508": 0.1, "202509": 0.1}  # fmt: skip
COBALT_PRICE_2025 = {"202503": 1.15, "202504": 1.3, "202505": 1.35, "202506": 1.4,
                     "202507": 1.5, "202508": 1.6, "202509": 1.7}  # fmt: skip


@dataclass(frozen=True)
class Code:
    hs6: str
    editions: frozenset[str]
    stage: str
    description: str


@dataclass(frozen=True)
class FetchGroup:
    """One ``client.fetch`` call of the asset: a frequency, the periods of one HS edition and
    that edition's codes."""

    freq: str
    edition: str
    periods: tuple[str, ...]
    hs_codes: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.freq}-{self.edition}"


# --------------------------------------------------------------------------- inputs


def load_codes() -> list[Code]:
    """Distinct HS6 codes with their editions, stage and description."""
    rows: list[dict[str, str]] = []
    if HS_MAP_CSV.exists():
        with HS_MAP_CSV.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                rows.append({"hs6": r["hs6"], "edition": r["edition"], "stage": r["stage"],
                             "description": r["description"]})  # fmt: skip
    else:  # fallback: the §3.3 table of the research notes
        text = TRADE_MD.read_text(encoding="utf-8")
        block = text.split("mineral,stage,hs6,editions,specificity,description_or_note\n", 1)[1]
        for line in block.split("```", 1)[0].strip().splitlines():
            _mineral, stage, hs6, editions, _spec, desc = line.split(",", 5)
            for ed in editions.split("+"):
                rows.append({"hs6": hs6, "edition": ed, "stage": stage, "description": desc})
    by_code: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = by_code.setdefault(
            r["hs6"], {"editions": set(), "stage": r["stage"], "description": r["description"]}
        )
        c["editions"].add(r["edition"])
    return [
        Code(hs6, frozenset(v["editions"]), v["stage"], v["description"])
        for hs6, v in sorted(by_code.items())
    ]


def codes_by_edition(codes: Iterable[Code]) -> dict[str, list[str]]:
    """``{edition: sorted distinct hs6}``: what the asset reads from dim_hs_code per edition."""
    out: dict[str, set[str]] = defaultdict(set)
    for c in codes:
        for ed in c.editions:
            out[ed].add(c.hs6)
    return {ed: sorted(out[ed]) for ed in sorted(out)}


def fetch_groups(codes: Iterable[Code]) -> list[FetchGroup]:
    """The asset's fetches: per frequency, one group per HS edition of its periods."""
    by_edition = codes_by_edition(codes)
    groups = []
    for freq, periods in (("A", ANNUAL_PERIODS), ("M", MONTHLY_PERIODS)):
        for edition, eps in periods_by_edition(periods).items():
            groups.append(FetchGroup(freq, edition, tuple(eps), tuple(by_edition[edition])))
    return groups


def load_headings() -> dict[str, list[str]]:
    """``{edition: sorted headings}`` of ``warehouse/reference/hs_heading_map.csv``: what the
    trade assets read from dim_hs_heading (validated rows)."""
    out: dict[str, set[str]] = defaultdict(set)
    with HS_HEADING_CSV.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[r["edition"]].add(r["heading"])
    return {ed: sorted(out[ed]) for ed in sorted(out)}


def heading_groups(headings: dict[str, list[str]]) -> list[FetchGroup]:
    """The trade assets' heading fetches: per frequency and edition, after the HS6 group."""
    groups = []
    for freq, periods in (("A", ANNUAL_PERIODS), ("M", MONTHLY_PERIODS)):
        for edition, eps in periods_by_edition(periods).items():
            if headings.get(edition):
                groups.append(FetchGroup(freq, edition, tuple(eps), tuple(headings[edition])))
    return groups


def generate_heading_records(
    db: list[dict[str, Any]], headings: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """SAMPLE heading records (``aggrLevel`` 4): per (freq, period, flow, partner), the sum of
    India's HS6 records under the heading, shaped like the real heading records (``isLeaf``
    false, ``isAggregate`` true, World ``isReported`` false). Where real heading records exist
    (annual 2019-2024 imports of 2504 and 2822 from World and China) they replace these
    (:func:`apply_real_records`)."""
    sums: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in db:
        if r["reporterCode"] != 699 or r["aggrLevel"] != 6:
            continue
        head = r["cmdCode"][:4]
        if head not in headings.get(r["classificationCode"], ()):
            continue
        key = (r["freqCode"], r["period"], r["flowCode"], head, r["partnerCode"])
        kg = r["netWgt"]
        acc = sums.get(key)
        if acc is None:
            rec = {k: v for k, v in r.items() if k.lower() not in ("cifvalue", "fobvalue")}
            rec.update(cifvalue=None, fobvalue=None, primaryValue=Decimal(0), netWgt=Decimal(0),
                       _kg_known=True)  # fmt: skip
            sums[key] = acc = rec
        acc["primaryValue"] += Decimal(repr(_get(r, "primaryValue")))
        if kg is None:
            acc["_kg_known"] = False
        else:
            acc["netWgt"] += Decimal(repr(kg))
    out = []
    for (_freq, _period, flow, head, partner), rec in sorted(
        sums.items(), key=lambda kv: (kv[0][:4], kv[0][4])
    ):
        value = float(rec.pop("primaryValue"))
        kg = float(rec.pop("netWgt")) if rec.pop("_kg_known") else None
        rec.update(
            cmdCode=head, cmdDesc=HEADING_DESC.get(head, head), aggrLevel=4, isLeaf=False,
            isAggregate=True, isReported=partner != 0, primaryValue=value,
            cifvalue=value if flow == "M" else None, fobvalue=value if flow == "X" else None,
            netWgt=kg, qty=kg, altQty=kg,
            qtyUnitCode=8 if kg is not None else -1, qtyUnitAbbr="kg" if kg is not None else "N/A",
        )  # fmt: skip
        out.append({k: rec[k] if k in rec else _get(rec, k) for k in MIRROR_FIELD_ORDER})
    return out


# --------------------------------------------------------------------------- generation


def _profile(code: Code, flow: str) -> tuple[float, float, list[tuple[int, int]]]:
    if code.hs6 in KEY_PROFILES:
        return KEY_PROFILES[code.hs6][flow]
    rng = random.Random(f"{SEED}|profile|{code.hs6}|{flow}")
    (vlo, vhi), (plo, phi) = STAGE_SIZE.get(code.stage, ((1e6, 20e6), (1.0, 20.0)))
    if code.hs6.startswith("7110") or code.hs6.startswith("7112") or code.hs6 == "711510":
        plo, phi = 15000.0, 40000.0
    value = rng.uniform(vlo, vhi)
    price = rng.uniform(plo, phi)
    pool = IMPORT_POOL if flow == "M" else EXPORT_POOL
    if code.hs6 in BROAD_CODES:
        k = rng.randint(5, 8) if flow == "M" else rng.randint(3, 6)
    else:
        k = rng.randint(1, 5) if flow == "M" else rng.randint(1, 3)
    if flow == "X":
        # India exports only some of these products.
        if code.hs6 not in BROAD_CODES and rng.random() > 0.4:
            return 0.0, 1.0, []
        value *= rng.uniform(0.03, 0.6)
        price *= rng.uniform(0.9, 1.3)
    partners: list[tuple[int, int]] = []
    candidates = list(pool)
    while candidates and len(partners) < k:
        total = sum(w for _, w in candidates)
        x = rng.uniform(0, total)
        for i, (p, w) in enumerate(candidates):
            x -= w
            if x <= 0:
                partners.append((p, max(1, int(w * rng.uniform(0.5, 2.0)))))
                candidates.pop(i)
                break
    return value, price, partners


def _widen(partners: list[tuple[int, int]], flow: str, n: int) -> list[tuple[int, int]]:
    """The profile's partners plus the next pool partners (by weight) up to ``n``."""
    have = {p for p, _ in partners}
    pool = sorted(IMPORT_POOL if flow == "M" else EXPORT_POOL, key=lambda pw: (-pw[1], pw[0]))
    extra = [(p, 1) for p, _ in pool if p not in have][: max(0, n - len(partners))]
    return [*partners, *extra]


def _year_factors(code: str, flow: str) -> dict[str, tuple[float, float]]:
    """(volume factor, price factor) per year (the annual periods and 2025)."""
    if code in LITHIUM:
        return {y: (LITHIUM_VOLUME[y], LITHIUM_PRICE[y]) for y in FACTOR_YEARS}
    rng = random.Random(f"{SEED}|years|{code}|{flow}")
    vol, price, out = 1.0, 1.0, {}
    for y in FACTOR_YEARS:
        out[y] = (vol, price)
        vol *= rng.uniform(0.8, 1.3)
        price *= rng.uniform(0.85, 1.2)
    return out


def _month_factors(factors: dict[str, tuple[float, float]], period: str) -> tuple[float, float]:
    """(volume, price) factor of a month: geometric interpolation between the annual factors
    (each taken at mid-year), flat beyond the last year, so the months of a year add up to about
    its annual value."""
    x = int(period[:4]) + (int(period[4:]) - 0.5) / 12 - 0.5
    y0 = int(x)
    frac = x - y0
    a = factors.get(str(y0), factors[min(factors)])
    b = factors.get(str(y0 + 1), factors[max(factors)])
    return (a[0] * (b[0] / a[0]) ** frac, a[1] * (b[1] / a[1]) ** frac)


def _shifts(
    code: str, flow: str, freq: str, period: str, partners: list[tuple[int, float]]
) -> tuple[list[tuple[int, float]], float, float]:
    """Period-specific supplier shifts of the key series from 2024:
    ``(partners, value scale, price scale)``.

    * lithium carbonate imports diversify away from China toward Argentina, Chile and Australia;
    * REE compounds and permanent magnets: China's shipments dip after its April 2025 export
      controls, other suppliers (Japan, Malaysia, Viet Nam...) pick up a little;
    * cobalt oxides: DRC-origin supply collapses after the February 2025 export suspension and
      the unit value climbs.
    """
    if flow != "M" or int(period[:4]) < 2024:
        return partners, 1.0, 1.0
    # months since 2024-01 (an annual period sits at mid-year)
    t = (int(period[:4]) - 2024) * 12 + (5.5 if freq == "A" else int(period[4:]) - 1)
    if code == "283691":
        grow = {152: 0.4, 32: 1.0, 156: -0.7}
        out = [(p, max(8.0, w + grow.get(p, 0.0) * t) if p in grow else w) for p, w in partners]
        return [*out, (36, 2.0 + 0.6 * t)], 1.0, 1.0
    if code in REE_CONTROLLED and freq == "M":
        china = CHINA_REE_2025.get(period, 1.0)
        pick_up = 1.0 + 1.5 * (1.0 - china)
        out = [(p, w * (china if p == 156 else pick_up)) for p, w in partners]
        if china < 1.0:
            extra = {458: 3.0 * (1.0 - china), 704: 2.0 * (1.0 - china)}
            out = [(p, w + extra.pop(p, 0.0)) for p, w in out] + sorted(extra.items())
        scale = sum(w for _, w in out) / sum(w for _, w in partners)
        return out, scale, 1.0
    if code == "282200" and freq == "M":
        drc = DRC_COBALT_2025.get(period, 1.0)
        out = [(p, w * drc if p == 180 else w) for p, w in partners]
        scale = sum(w for _, w in out) / sum(w for _, w in partners)
        price = COBALT_PRICE_2025.get(period, 1.0)
        return out, scale * price, price
    return partners, 1.0, 1.0


def _record(
    *,
    freq: str,
    period: str,
    flow: str,
    partner: int,
    code: Code,
    value: float,
    net_wgt: float | None,
    qty_estimated: bool = False,
) -> dict[str, Any]:
    year = int(period[:4])
    month = 52 if freq == "A" else int(period[4:])
    iso, desc = PARTNERS[partner]
    known_qty = net_wgt is not None
    return {
        "typeCode": "C",
        "freqCode": freq,
        "refPeriodId": int(f"{year}{1 if freq == 'A' else month:02d}01"),
        "refYear": year,
        "refMonth": month,
        "period": period,
        "reporterCode": 699,
        "reporterISO": "IND",
        "reporterDesc": "India",
        "flowCode": flow,
        "flowDesc": "Import" if flow == "M" else "Export",
        "partnerCode": partner,
        "partnerISO": iso,
        "partnerDesc": desc,
        "partner2Code": 0,
        "partner2ISO": "W00",
        "partner2Desc": "World",
        "classificationCode": edition_for_period(period),
        "classificationSearchCode": "HS",
        "isOriginalClassification": True,
        "cmdCode": code.hs6,
        "cmdDesc": code.description,
        "aggrLevel": 6,
        "isLeaf": True,
        "customsCode": "C00",
        "customsDesc": "TOTAL CPC",
        "mosCode": "0",
        "motCode": 0,
        "motDesc": "TOTAL MOT",
        "qtyUnitCode": 8 if known_qty else -1,
        "qtyUnitAbbr": "kg" if known_qty else "N/A",
        "qty": net_wgt,
        "isQtyEstimated": qty_estimated,
        "altQtyUnitCode": 8 if known_qty else -1,
        "altQtyUnitAbbr": "kg" if known_qty else "N/A",
        "altQty": net_wgt,
        "isAltQtyEstimated": qty_estimated,
        "netWgt": net_wgt,
        "isNetWgtEstimated": qty_estimated,
        "grossWgt": None,
        "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None,
        "fobvalue": value if flow == "X" else None,
        "primaryValue": value,
        "legacyEstimationFlag": 2 if qty_estimated else 0,
        "isReported": True,
        "isAggregate": False,
    }


def _partner_rows(
    rng: random.Random,
    total: float,
    price: float,
    partners: list[tuple[int, float]],
    keep_prob: float,
    always: float = 1.0,
) -> list[tuple[int, float, float]]:
    """[(partner, value USD, net weight kg)], top partner always present, and so is any partner
    with at least ``always`` of the weight."""
    if not partners or total <= 0:
        return []
    weight = sum(w for _, w in partners)
    chosen = [partners[0]] + [
        (p, w) for p, w in partners[1:] if (rng.random() < keep_prob) | (w / weight >= always)
    ]
    weights = [w * rng.uniform(0.7, 1.3) for _, w in chosen]
    s = sum(weights)
    out = []
    for (p, _), w in zip(chosen, weights, strict=True):
        value = float(round(total * w / s))
        if value < 500:
            continue
        kg = float(max(1, round(value / (price * rng.uniform(0.9, 1.1)))))
        out.append((p, value, kg))
    return sorted(out)


def generate_records(codes: Iterable[Code]) -> list[dict[str, Any]]:
    """The sample database: every (freq, period, flow, code) with partners and a World row."""
    db: list[dict[str, Any]] = []
    codes = list(codes)
    plan: list[tuple[str, str]] = [("A", p) for p in ANNUAL_PERIODS]
    plan += [("M", p) for p in MONTHLY_PERIODS if p not in UNPUBLISHED_PERIODS]
    for freq, period in plan:
        edition = edition_for_period(period)
        for flow in ("M", "X"):
            for code in codes:
                if edition not in code.editions:
                    continue
                value0, price0, base = _profile(code, flow)
                partners: list[tuple[int, float]] = [(p, float(w)) for p, w in base]
                factors = _year_factors(code.hs6, flow)
                rng = random.Random(f"{SEED}|rows|{freq}|{period}|{flow}|{code.hs6}")
                if freq == "A":
                    vol, pf = factors[period]
                    total = value0 * vol * pf * rng.uniform(0.92, 1.08)
                    keep = 0.85
                    # 2023: trade in the broad chemicals widens to many more partners (this
                    # is what pushes one call over the 500-row preview cap).
                    if period == "2023" and code.hs6 in BROAD_CODES:
                        keep = 1.0
                        partners = [(p, float(w)) for p, w in
                                    _widen(base, flow, 18 if flow == "M" else 14)]  # fmt: skip
                else:
                    vol, pf = _month_factors(factors, period)
                    annual = value0 * vol * pf
                    # small trades are lumpy: many months without any shipment
                    if rng.random() > 0.2 + annual / 40e6:
                        continue
                    total = annual / 12 * rng.uniform(0.8, 1.2)
                    keep = 0.8 if code.hs6 in MONTHLY_DETAIL else 0.25
                partners, value_scale, price_scale = _shifts(code.hs6, flow, freq, period, partners)
                total *= value_scale
                price = price0 * pf * price_scale
                # the key series keep their main partners from 2024 (the shifts stay visible)
                always = 0.08 if code.hs6 in MONTHLY_DETAIL and period >= "2024" else 1.0
                rows = _partner_rows(rng, total, price, partners, keep, always)
                if not rows:
                    continue
                recs = []
                for partner, value, kg in rows:
                    estimated = rng.random() < 0.03
                    recs.append(
                        _record(freq=freq, period=period, flow=flow, partner=partner, code=code,
                                value=value, net_wgt=kg, qty_estimated=estimated)
                    )  # fmt: skip
                _apply_quirks(recs)
                world_value = sum(r["primaryValue"] for r in recs)
                world_kg = sum(r["netWgt"] for r in recs if r.get("netWgt") is not None)
                world = _record(freq=freq, period=period, flow=flow, partner=0, code=code,
                                value=world_value, net_wgt=world_kg)  # fmt: skip
                db.append(world)
                db.extend(recs)
    return db


# --------------------------------------------------------------------------- mirror flows


def load_mirror_partners(monthly_only: bool = False) -> list[int]:
    """Reporter codes of ``warehouse/reference/mirror_partners.csv`` (file order); with
    ``monthly_only`` those whose ``reports_monthly`` is true (the monthly mirror asset's)."""
    with MIRROR_PARTNERS_CSV.open(encoding="utf-8") as fh:
        return [
            int(r["reporter_code"])
            for r in csv.DictReader(fh)
            if not monthly_only or r["reports_monthly"].strip().lower() == "true"
        ]


def mirror_groups(
    codes: Iterable[Code], reporters: Iterable[int], freq: str = "A"
) -> list[FetchGroup]:
    """The mirror asset's fetches: per reporter, one group per HS edition of the frequency's
    periods (annual 2019-2024, monthly 202401-202510)."""
    by_edition = codes_by_edition(codes)
    periods = ANNUAL_PERIODS if freq == "A" else MONTHLY_PERIODS
    return [
        FetchGroup(freq, edition, tuple(eps), tuple(by_edition[edition]))
        for _ in reporters
        for edition, eps in periods_by_edition(periods).items()
    ]


def generate_mirror_records(
    db: list[dict[str, Any]], reporters: list[int], freq: str = "A"
) -> list[dict[str, Any]]:
    """SAMPLE mirror records: each partner's own report of its trade with India (partner 699).

    Derived from India's sample rows of frequency ``freq`` (annual or monthly) with that
    partner, each record on its own seed (period, flow, code, partner), so the annual records
    do not depend on the monthly ones: India's imports (M, CIF) become
    the partner's exports to India (X, FOB = CIF / r) and India's exports (X, FOB) the partner's
    imports from India (M, CIF = FOB x r), with r drawn around the usual CIF/FOB margin (1.02 to
    1.10, seeded); about one series in eight gets a ratio outside the mart's band (0.6-0.9 or
    1.25-1.8: mis-invoicing, transit, timing) and about one in twenty is not reported by the
    partner at all, so the reconciliation mart has every case to show.
    """
    wanted = set(reporters)
    out: list[dict[str, Any]] = []
    for r in db:
        partner = r["partnerCode"]
        if r["freqCode"] != freq or partner not in wanted:
            continue
        key = f"{SEED}|mirror|{r['period']}|{r['flowCode']}|{r['cmdCode']}|{partner}"
        rng = random.Random(key)
        draw = rng.random()
        if draw < 0.05:
            continue  # the partner does not report this series
        if draw < 0.17:
            ratio = rng.uniform(0.6, 0.9) if rng.random() < 0.5 else rng.uniform(1.25, 1.8)
        else:
            ratio = rng.uniform(1.02, 1.10)
        flow = "X" if r["flowCode"] == "M" else "M"
        india_value = _get(r, "primaryValue")
        value = float(round(india_value / ratio if flow == "X" else india_value * ratio, 3))
        kg = r.get("netWgt")
        kg = None if kg is None else float(max(1, round(kg * rng.uniform(0.97, 1.03))))
        iso, desc = PARTNERS[partner]
        rec = dict(r)
        for k in [k for k in rec if k.lower() in ("cifvalue", "fobvalue", "isnetwgtestimated",
                                                  "isgrosswgtestimated")]:  # fmt: skip
            del rec[k]  # casing quirks stay with India's records
        rec.update(
            reporterCode=partner, reporterISO=iso, reporterDesc=desc,
            partnerCode=INDIA_AREA[0], partnerISO=INDIA_AREA[1], partnerDesc=INDIA_AREA[2],
            flowCode=flow, flowDesc="Import" if flow == "M" else "Export",
            qty=kg, altQty=kg, netWgt=kg, isReported=True, isAggregate=False,
        )  # fmt: skip
        rec.update(
            isNetWgtEstimated=bool(r.get("isNetWgtEstimated", r.get("isnetWgtEstimated", False))),
            isGrossWgtEstimated=False,
            cifvalue=value if flow == "M" else None,
            fobvalue=value if flow == "X" else None,
            primaryValue=value,
        )
        out.append({k: rec[k] for k in MIRROR_FIELD_ORDER})
    return out


#: The 47 fields in the order the API serves them (the India sample records' order).
MIRROR_FIELD_ORDER = (
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode",
    "reporterISO", "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO",
    "partnerDesc", "partner2Code", "partner2ISO", "partner2Desc", "classificationCode",
    "classificationSearchCode", "isOriginalClassification", "cmdCode", "cmdDesc", "aggrLevel",
    "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc", "qtyUnitCode",
    "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty",
    "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated",
    "cifvalue", "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
)  # fmt: skip


def mirror_expected(mirror: list[dict[str, Any]], freq: str = "A") -> dict[str, Any]:
    """Counts and totals of the mirror records (per reporter and flow) for the replay checks."""
    rows: dict[str, dict[str, int]] = defaultdict(lambda: {"M": 0, "X": 0})
    value: dict[str, dict[str, float]] = defaultdict(lambda: {"M": 0.0, "X": 0.0})
    for r in mirror:
        rows[str(r["reporterCode"])][r["flowCode"]] += 1
        value[str(r["reporterCode"])][r["flowCode"]] += r["primaryValue"]
    what = "annual" if freq == "A" else "monthly"
    out: dict[str, Any] = {
        "description": f"SAMPLE DATA: partner-reported {what} trade with India (partnerCode "
        "699), rows and primaryValue totals (USD) per reporter and flow (X = the partner's "
        "exports to India, M = its imports from India).",
        "periods": ANNUAL_PERIODS if freq == "A" else MONTHLY_PERIODS,
    }
    if freq == "M":
        out["description"] += (
            " Only the reporters with reports_monthly true in mirror_partners.csv; the "
            "unpublished months answer count 0, as India's do."
        )
        out["unpublished_periods"] = sorted(UNPUBLISHED_PERIODS)
    return out | {
        "reporters": sorted({r["reporterCode"] for r in mirror}),
        "rows": {k: rows[k] for k in sorted(rows, key=int)},
        "primary_value_usd": {k: value[k] for k in sorted(value, key=int)},
    }


# --------------------------------------------------------------------------- real records


def _asked(rec: dict[str, Any], by_edition: dict[str, list[str]]) -> bool:
    """Whether one of the asset's calls asks for this record's key (annual, India, HS6 code or
    heading of the period's edition, the classic slice)."""
    return (
        rec["freqCode"] == "A"
        and rec["period"] in ANNUAL_PERIODS
        and rec["reporterCode"] == 699
        and rec["flowCode"] in ("M", "X")
        and rec["classificationCode"] == edition_for_period(rec["period"])
        and rec["cmdCode"] in by_edition.get(rec["classificationCode"], ())
        and (rec["partner2Code"], rec["motCode"], rec["customsCode"]) == (0, 0, "C00")
    )


def _fill(sample: list[float], target: float) -> list[float]:
    """Scale ``sample`` (values of the sample partners) to add up to ``target``, in decimal
    arithmetic with 3 decimals (Comtrade's precision): the real partners plus these equal the
    real World figure to the thousandth (float sums then agree to ~1e-9 USD)."""
    dec = [Decimal(repr(v)) for v in sample]
    goal = Decimal(repr(target)).quantize(Decimal("0.001"))
    total = sum(dec)
    out = [(v * goal / total).quantize(Decimal("0.001")) for v in dec[:-1]]
    last = goal - sum(out)
    if last <= 0:
        raise SystemExit(f"cannot fill {target} from {sample}")
    return [float(v) for v in (*out, last)]


def _dsub(total: float, parts: list[float]) -> float:
    """``total - sum(parts)`` in decimal arithmetic (the values have 3 decimals)."""
    return float(Decimal(repr(total)) - sum(Decimal(repr(v)) for v in parts))


def apply_real_records(
    db: list[dict[str, Any]], codes: Iterable[Code], real: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Put the real records that the asset's calls ask for into the sample database.

    Each real record replaces the sample record with its key (or is added), byte for byte as
    served. Per series (period, flow, code) the World record must be real; the sample partners
    that stay are rescaled (value, CIF/FOB, weight, quantity) so that the partners still add up
    to the real World figure. Returns the real records placed, in database order.
    """
    by_edition = codes_by_edition(codes)
    for edition, heads in load_headings().items():
        by_edition[edition] = [*by_edition.get(edition, []), *heads]
    placed = [r for r in real if _asked(r, by_edition)]
    series: dict[tuple[Any, ...], dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in placed:
        series[grain(r)[:4] + (r["cmdCode"],)][r["partnerCode"]] = r
    for key, reals in series.items():
        if 0 not in reals:
            raise SystemExit(f"real records for {key} come without their World record")
        in_series = [i for i, r in enumerate(db) if grain(r)[:4] + (r["cmdCode"],) == key]
        if not in_series:
            raise SystemExit(f"no sample series {key} to put the real records in")
        by_partner = {db[i]["partnerCode"]: i for i in in_series}
        for partner, rec in sorted(reals.items()):
            if partner in by_partner:
                db[by_partner[partner]] = dict(rec)
            else:
                at = max(i for p, i in by_partner.items() if p < partner) + 1
                db.insert(at, dict(rec))
                by_partner = {p: (i + 1 if i >= at else i) for p, i in by_partner.items()}
                by_partner[partner] = at
        world = reals[0]
        fixed = [r for p, r in reals.items() if p != 0]
        others = [db[i] for p, i in sorted(by_partner.items()) if p not in reals]
        if not others:
            raise SystemExit(f"{key}: no sample partner left to fill World - real partners")
        value_col = "cifvalue" if key[3] == "M" else "fobvalue"
        values = _fill(
            [o["primaryValue"] for o in others],
            _dsub(world["primaryValue"], [r["primaryValue"] for r in fixed]),
        )
        kg_known = world["netWgt"] is not None and all(r["netWgt"] is not None for r in fixed)
        kg_target = _dsub(world["netWgt"], [r["netWgt"] for r in fixed]) if kg_known else 0.0
        weights = (
            _fill([o["netWgt"] for o in others], kg_target)
            if kg_target > 0 and all(o["netWgt"] for o in others)
            else [o["netWgt"] for o in others]
        )
        for o, value, kg in zip(others, values, weights, strict=True):
            o["primaryValue"] = value
            o[value_col] = value
            if o["netWgt"] is not None:
                o.update(netWgt=kg, qty=kg, altQty=kg)
    return placed


def real_registry(placed: list[dict[str, Any]]) -> dict[str, Any]:
    """``snapshot/comtrade/real_records.json``: which records of the snapshot are real."""
    codes = sorted({r["cmdCode"] for r in placed})
    partners = sorted({(r["partnerCode"], r["partnerDesc"]) for r in placed})
    years = sorted({r["period"] for r in placed})
    flows = sorted({r["flowDesc"].lower() + "s" for r in placed})
    return {
        "description": "Records of this snapshot that are REAL UN Comtrade data (every other "
        "record is sample data). The warehouse marks their rows is_sample_data = false and the "
        "dataset label names them. Written by tools/snapshots/build_comtrade.py.",
        "source": "tools/snapshots/comtrade_real_src/india_imports_2504_2822_282520.csv: "
        "UN Comtrade v1 final data, all 47 fields as the API returns them, exported by a public "
        "analysis project (see PROVENANCE.md there)",
        "summary": f"{len(placed)} real UN Comtrade records: India's annual {', '.join(flows)} "
        f"of HS {', '.join(codes)} from "
        f"{' and '.join(f'{name} ({code})' for code, name in partners)}, "
        f"{years[0]}-{years[-1]}",
        "records": [
            {
                "freq": r["freqCode"],
                "period": r["period"],
                "reporter_code": r["reporterCode"],
                "flow_code": r["flowCode"],
                "partner_code": r["partnerCode"],
                "hs6": r["cmdCode"],
                "hs_edition": r["classificationCode"],
                "primary_value_usd": r["primaryValue"],
            }
            for r in sorted(placed, key=lambda r: (grain(r), r["partnerCode"]))
        ],
    }


def _recase(rec: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    return {renames.get(k, k): v for k, v in rec.items()}


def _apply_quirks(recs: list[dict[str, Any]]) -> None:
    for i, r in enumerate(recs):
        code, period, partner = r["cmdCode"], r["period"], r["partnerCode"]
        if code == "283691" and period == "2020":
            recs[i] = _recase(r, {"cifvalue": "CIFValue", "fobvalue": "FOBValue"})
        elif code == "284690" and period == "202402":
            recs[i] = _recase(r, {"cifvalue": "cifValue", "fobvalue": "fobValue",
                                  "isNetWgtEstimated": "isnetWgtEstimated",
                                  "isGrossWgtEstimated": "isgrossWgtEstimated"})  # fmt: skip
        elif code == "282200" and period == "2021" and partner == 894 and r["flowCode"] == "M":
            r.update(qty=None, netWgt=None, altQty=None, qtyUnitCode=-1, qtyUnitAbbr="N/A",
                     altQtyUnitCode=-1, altQtyUnitAbbr="N/A")  # fmt: skip


def _get(rec: dict[str, Any], name: str) -> Any:
    for k, v in rec.items():
        if k.lower() == name.lower():
            return v
    return None


def expected_totals(db: list[dict[str, Any]]) -> dict[str, Any]:
    """Partner-row totals for the end-to-end checks (annual imports of three codes)."""
    by_code: dict[str, Any] = {}
    for code in EXPECTED_CODES:
        value: dict[str, dict[str, float]] = defaultdict(dict)
        weight: dict[str, dict[str, float | None]] = defaultdict(dict)
        world: dict[str, float] = {}
        for r in db:
            if r["freqCode"] != "A" or r["cmdCode"] != code or r["flowCode"] != "M":
                continue
            if r["partnerCode"] == 0:
                world[r["period"]] = r["primaryValue"]
                continue
            value[r["period"]][str(r["partnerCode"])] = r["primaryValue"]
            weight[r["period"]][str(r["partnerCode"])] = r["netWgt"]
        by_code[code] = {
            "primary_value_usd": {y: dict(sorted(v.items(), key=lambda kv: int(kv[0])))
                                  for y, v in sorted(value.items())},
            "net_weight_kg": {y: dict(sorted(v.items(), key=lambda kv: int(kv[0])))
                              for y, v in sorted(weight.items())},
            "total_primary_value_usd": {y: sum(v.values()) for y, v in sorted(value.items())},
            "world_primary_value_usd": dict(sorted(world.items())),
        }  # fmt: skip
    counts: dict[str, dict[str, int]] = {}
    for freq in ("A", "M"):
        rows = [r for r in db if r["freqCode"] == freq and r["aggrLevel"] == 6]
        counts[freq] = {
            "partner_rows": sum(1 for r in rows if r["partnerCode"] != 0),
            "world_rows": sum(1 for r in rows if r["partnerCode"] == 0),
        }
    return {"imports_by_code": by_code, "row_counts": counts}


# --------------------------------------------------------------------------- recording


def _rate_limit_first_2021(req: FakeRequest) -> bool:
    return (
        req.freq == "A"
        and req.params.get("period") == "2021"
        and req.params.get("cmdcode", "").startswith("250410,")
    )


def record(
    snapshot_dir: Path,
    codes: list[Code],
    db: list[dict[str, Any]],
    reporters: list[int] | None = None,
    monthly_reporters: list[int] | None = None,
    headings: dict[str, list[str]] | None = None,
) -> dict[str, FetchResult]:
    """Run the real client in RECORD mode against the fake API.

    India's fetches first (their exchanges and bodies do not depend on the mirror records: every
    India call filters on reporterCode 699), then the annual mirror fetches
    (``mirror<reporter>-A-<edition>`` labels) of each reporter in ``reporters``, then the monthly
    mirror fetches (``mirror<reporter>-M-<edition>``) of each reporter in ``monthly_reporters``,
    as the mirror assets make them (so the annual mirror exchanges do not depend on the monthly
    ones either), then India's heading fetches (``headings-<freq>-<edition>``: the 4-digit
    headings of ``hs_heading_map.csv``, as the trade assets ask them after their HS6 codes)."""
    if snapshot_dir.exists():
        shutil.rmtree(snapshot_dir)
    snapshot_dir.mkdir(parents=True)
    fake = FakeComtrade(db, faults=[Fault(_rate_limit_first_2021, [rate_limited(2)])])
    results: dict[str, FetchResult] = {}
    source = SourceClient(
        COMTRADE_POLICY,
        Mode.RECORD,
        snapshot_dir=snapshot_dir,
        live_transport=fake.transport(),
        clock=VirtualClock(),
        rng=random.Random(0),
    )
    with source:
        client = ComtradeClient(source)
        for g in fetch_groups(codes):
            results[g.label] = client.fetch(g.freq, list(g.periods), list(g.hs_codes))
        mirror = ComtradeClient(source, max_codes_per_query=MIRROR_CODES_PER_QUERY)
        for freq, freq_reporters in (("A", reporters), ("M", monthly_reporters)):
            for reporter in freq_reporters or []:
                for g in mirror_groups(codes, [reporter], freq):
                    results[f"mirror{reporter}-{g.label}"] = mirror.fetch(
                        g.freq, list(g.periods), list(g.hs_codes),
                        reporter_code=reporter, partner_code=INDIA_AREA[0],
                    )  # fmt: skip
        for g in heading_groups(headings or {}):
            results[f"headings-{g.label}"] = client.fetch(g.freq, list(g.periods), list(g.hs_codes))
    _pin_fetched_at(snapshot_dir / "exchanges.jsonl")
    return results


def _pin_fetched_at(index: Path) -> None:
    lines = []
    for line in index.read_text(encoding="utf-8").splitlines():
        ex = Exchange.from_dict(json.loads(line))
        ex.fetched_at = FETCHED_AT
        lines.append(ex.to_json())
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")


def replay_check(snapshot_dir: Path, codes: list[Code], expected: dict[str, Any]) -> None:
    """Replay the snapshot through the planner + normaliser; compare with the expected totals."""
    import polars as pl

    batches = []
    with SourceClient(COMTRADE_POLICY, Mode.REPLAY, snapshot_dir=snapshot_dir) as source:
        client = ComtradeClient(source)
        for g in fetch_groups(codes):
            batches += client.fetch(g.freq, list(g.periods), list(g.hs_codes)).batches
        mirror_batches: dict[str, list] = {"mirror": [], "mirror_monthly": []}
        mirror = ComtradeClient(source, max_codes_per_query=MIRROR_CODES_PER_QUERY)
        for key, freq in (("mirror", "A"), ("mirror_monthly", "M")):
            for reporter in expected.get(key, {}).get("reporters", []):
                for g in mirror_groups(codes, [reporter], freq):
                    mirror_batches[key] += mirror.fetch(
                        g.freq, list(g.periods), list(g.hs_codes),
                        reporter_code=reporter, partner_code=INDIA_AREA[0],
                    ).batches  # fmt: skip
        heading_batches = []
        for g in heading_groups(load_headings()):
            heading_batches += client.fetch(g.freq, list(g.periods), list(g.hs_codes)).batches
    if "headings" in expected:
        h = normalise_batches(heading_batches, level=4)
        if heading_totals(h.partners, h.world) != expected["headings"]:
            raise SystemExit("replayed heading rows do not reproduce comtrade_expected.json")
    trade = normalise_batches(batches)
    for key, freq in (("mirror", "A"), ("mirror_monthly", "M")):
        if key not in expected:
            continue
        m = normalise_batches(mirror_batches[key]).partners
        rows = {
            str(r): {f: m.filter((pl.col("reporter_code") == r) & (pl.col("flow_code") == f)).height
                     for f in "MX"}
            for r in sorted(m["reporter_code"].unique().to_list())
        }  # fmt: skip
        if (
            rows != expected[key]["rows"]
            or set(m["partner_code"].to_list()) != {699}
            or set(m["freq"].to_list()) != {freq}
        ):
            raise SystemExit(f"replayed {key} rows differ: {rows}")
    got = actual_totals(trade.partners, trade.world)
    if got != expected["imports_by_code"]:
        raise SystemExit("replayed snapshot does not reproduce comtrade_expected.json")
    for freq, c in expected["row_counts"].items():
        n_p = trade.partners.filter(trade.partners["freq"] == freq).height
        n_w = trade.world.filter(trade.world["freq"] == freq).height
        if (n_p, n_w) != (c["partner_rows"], c["world_rows"]):
            raise SystemExit(f"row counts differ for {freq}: {(n_p, n_w)} != {c}")


def heading_totals(partners: Any, world: Any) -> dict[str, Any]:
    """Rows per frequency and the annual import values per heading, year and partner (World
    0 included), from normalised heading frames (``level=4``)."""
    import polars as pl

    both = pl.concat([partners, world])
    rows = {f: both.filter(pl.col("freq") == f).height for f in ("A", "M")}
    imports: dict[str, dict[str, dict[str, float]]] = {}
    sel = both.filter((pl.col("freq") == "A") & (pl.col("flow_code") == "M"))
    for r in sel.sort("hs6", "period", "partner_code").iter_rows(named=True):
        by_year = imports.setdefault(r["hs6"], {}).setdefault(r["period"], {})
        by_year[str(r["partner_code"])] = r["primary_value_usd"]
    return {"rows": rows, "annual_imports_usd": imports}


def _heading_expected(heads: list[dict[str, Any]]) -> dict[str, Any]:
    """:func:`heading_totals` computed from the generated records (what a replay must give)."""
    rows = {f: sum(1 for r in heads if r["freqCode"] == f) for f in ("A", "M")}
    imports: dict[str, dict[str, dict[str, float]]] = {}
    sel = [r for r in heads if r["freqCode"] == "A" and r["flowCode"] == "M"]
    for r in sorted(sel, key=lambda r: (r["cmdCode"], r["period"], r["partnerCode"])):
        by_year = imports.setdefault(r["cmdCode"], {}).setdefault(r["period"], {})
        by_year[str(r["partnerCode"])] = r["primaryValue"]
    return {"rows": rows, "annual_imports_usd": imports}


def actual_totals(partners: Any, world: Any) -> dict[str, Any]:
    """The ``imports_by_code`` block computed from normalised frames (same shape as expected)."""
    import polars as pl

    out: dict[str, Any] = {}
    for code in EXPECTED_CODES:
        sel = partners.filter(
            (pl.col("freq") == "A") & (pl.col("hs6") == code) & (pl.col("flow_code") == "M")
        ).sort(["period", "partner_code"])
        value: dict[str, dict[str, float]] = defaultdict(dict)
        weight: dict[str, dict[str, float | None]] = defaultdict(dict)
        for r in sel.iter_rows(named=True):
            value[r["period"]][str(r["partner_code"])] = r["primary_value_usd"]
            weight[r["period"]][str(r["partner_code"])] = r["net_weight_kg"]
        w = world.filter(
            (pl.col("freq") == "A") & (pl.col("hs6") == code) & (pl.col("flow_code") == "M")
        ).sort("period")
        out[code] = {
            "primary_value_usd": dict(value),
            "net_weight_kg": dict(weight),
            "total_primary_value_usd": {y: sum(v.values()) for y, v in value.items()},
            "world_primary_value_usd": {
                r["period"]: r["primary_value_usd"] for r in w.iter_rows(named=True)
            },
        }
    return out


# --------------------------------------------------------------------------- outputs


def _call_lines(results: dict[str, FetchResult]) -> list[str]:
    lines = []
    for label, res in results.items():
        if label.startswith("mirror"):
            continue
        freq, edition = label.split("-")[-2:]  # "A-H5" or "headings-A-H5"
        for c in res.calls:
            q = c.query
            codes = q.hs_codes[0] if len(q.hs_codes) == 1 else f"{q.hs_codes[0]}..{q.hs_codes[-1]}"
            lines.append(
                f"| {freq} | {edition} | {','.join(q.periods)} | {','.join(q.flows)} | {codes} "
                f"({len(q.hs_codes)}) | {c.outcome} | {c.rows} |"
            )
    return lines


def _chunk_of(results: dict[str, FetchResult], freq: str, period: str, hs6: str) -> str:
    """``"first..last"`` codes of the planned call that asked ``hs6`` for ``period``."""
    for label, res in results.items():
        if not label.startswith((f"{freq}-", f"headings-{freq}-")):
            continue
        for c in res.calls:
            q = c.query
            if period in q.periods and hs6 in q.hs_codes and c.outcome != "split":
                return f"{q.hs_codes[0]}..{q.hs_codes[-1]}"
    raise SystemExit(f"no recorded call asks {freq} {period} {hs6}")


def _real_lines(results: dict[str, FetchResult], registry: dict[str, Any]) -> str:
    lines = []
    for r in registry["records"]:
        chunk = _chunk_of(results, r["freq"], r["period"], r["hs6"])
        lines.append(
            f"| {r['period']} | {r['hs_edition']} | {r['flow_code']} | {r['hs6']} | "
            f"{r['partner_code']} | {r['primary_value_usd']:,.3f} | {chunk} |"
        )
    return "\n".join(lines)


def _is_mirror(label: str, freq: str) -> bool:
    """``mirror<reporter>-<freq>-<edition>``: a mirror fetch of that frequency."""
    return label.startswith("mirror") and label.split("-")[1] == freq


def _mirror_reporters(results: dict[str, FetchResult], freq: str = "A") -> str:
    codes = sorted({int(k[len("mirror") :].split("-")[0]) for k in results if _is_mirror(k, freq)})
    return ", ".join(f"{PARTNERS[c][1]} {c}" for c in codes)


def _mirror_summary(results: dict[str, FetchResult], freq: str = "A") -> str:
    calls = [c for k, r in results.items() if _is_mirror(k, freq) for c in r.calls]
    outcomes = defaultdict(int)
    for c in calls:
        outcomes[c.outcome] += 1
    rows = sum(c.rows for c in calls if c.outcome == "ok")
    what = "annual" if freq == "A" else "monthly"
    return (
        f"{len(calls)} {what} mirror calls ("
        + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
        + f"), {rows} records."
    )


def write_readme(
    snapshot_dir: Path,
    results: dict[str, FetchResult],
    groups: list[FetchGroup],
    registry: dict[str, Any],
) -> None:
    index = (snapshot_dir / "exchanges.jsonl").read_text(encoding="utf-8").splitlines()
    statuses = defaultdict(int)
    for line in index:
        statuses[json.loads(line)["status"]] += 1
    splits = [s for r in results.values() for s in r.splits]
    n_codes = {g.edition: len(g.hs_codes) for g in groups}
    fetches = "\n".join(
        f"  * `client.fetch({g.freq!r}, {list(g.periods)!r}, <the {len(g.hs_codes)} "
        f"{g.edition} codes>)`;"
        for g in groups
    )
    first_2021 = _chunk_of(results, "A", "2021", "250410")
    li_2020 = _chunk_of(results, "A", "2020", "283691")
    ree_202402 = _chunk_of(results, "M", "202402", "284690")
    co_2021 = _chunk_of(results, "A", "2021", "282200")
    unpublished = ", ".join(sorted(UNPUBLISHED_PERIODS))
    text = (
        f"""# Bundled UN Comtrade snapshot (SAMPLE DATA, with {len(registry["records"])} real records)

**The trade figures in this snapshot are sample data, not real statistics**, except the
{len(registry["records"])} real records listed in `real_records.json` (see "Real records" below). The
sample figures were generated by `tools/snapshots/build_comtrade.py` (seeded, deterministic) in
the real Comtrade response format (envelope `{{"elapsedTime","count","data","error"}}`, 47-field
final-data records) and recorded through the real planner and client
(`assets/comtrade/client.py`) in record mode.
Rebuild with `.venv/bin/python tools/snapshots/build_comtrade.py`.

Format: see `pipelines/snapshot.py` (`exchanges.jsonl` + `bodies/<sha256>.json`).
`fetched_at` is pinned to {FETCHED_AT} so rebuilds are byte-identical.

## How it was requested (the replay contract)

* endpoint: no-key preview `GET https://comtradeapi.un.org/public/v1/preview/C/{{A|M}}/HS`
  (cap 500 rows), i.e. `ComtradeClient(source)` with no API key;
* HS codes **per edition**: every period is asked for the codes of its own HS edition
  (`assets.comtrade.editions.edition_for_period`: H5 = HS 2017 for periods up to 2021, H6 =
  HS 2022 from 2022; India reports in the edition in force), i.e. the distinct `hs6` of
  `warehouse/reference/hs_mineral_map.csv` with that `edition` ({n_codes.get("H5", 0)} H5 codes,
  {n_codes.get("H6", 0)} H6 codes), planned with the defaults (20 codes per call, one period per call);
* one fetch per (frequency, edition) group, as the asset makes them:
{fetches}
* annual periods {ANNUAL_PERIODS[0]}-{ANNUAL_PERIODS[-1]};
  monthly periods {MONTHLY_PERIODS[0]}-{MONTHLY_PERIODS[-1]}
  ({unpublished} answers count 0: not yet published);
* a code has records only in the periods whose edition contains it (e.g. 810390 in 2019-2021,
  810391 and 810399 from 2022).

Any subset of these periods replays when asked with its edition's codes (each call carries one
period). A different code list, edition grouping or chunking changes the URLs: rebuild the
snapshot.

## Exchanges

{len(index)} recorded HTTP exchanges: {", ".join(f"{n} x HTTP {s}" for s, n in sorted(statuses.items()))}.

Quirks carried:

* **row cap**: {"; ".join(f"{s.query.freq} {','.join(s.query.periods)} ({edition_for_period(s.query.periods[0])}) codes {s.query.hs_codes[0]}..{s.query.hs_codes[-1]} returned {s.rows} rows (= cap {s.cap}) -> split by {s.dimension}" for s in splits)};
* **429 then 200**: annual 2021 (H5), codes {first_2021} (`Retry-After: 2`, APIM JSON body);
  the two exchanges share one key and replay in order;
* **count 0**: every call for {unpublished} (H6), the most recent month;
* **mixed field casing**: 283691 in 2020 (`CIFValue`, `FOBValue`) in the annual 2020 (H5) call
  for codes {li_2020}; 284690 in 202402 (`cifValue`, `fobValue`, `isnetWgtEstimated`,
  `isgrossWgtEstimated`) in the 202402 (H6) call for codes {ree_202402};
* **null qty and netWgt**: 282200 imports from Zambia (894) in 2021 (annual 2021 (H5) call for
  codes {co_2021});
* a few records with `isQtyEstimated`/`isNetWgtEstimated` true.

## Real records

{registry["summary"]}. All 47 fields exactly as the API returns them (source:
`tools/snapshots/comtrade_real_src/`, provenance there). They replace the sample
records with the same key in the answers of the annual calls that ask for their code: the
282520 records in the HS6 calls, the 2504 and 2822 records (4-digit headings, `aggrLevel` 4) in
the heading calls (`headings-A-*`: the headings of `warehouse/reference/hs_heading_map.csv`,
whose sample records are the sums of the HS6 records under each heading). Each of those answers
holds real records for the real keys and sample records for everything else (`count` is still
the number of records). Real quirks kept: `classificationCode` H5 for 2019-2021 and H6 for
2022-2024, `fobvalue` 0 (H5 years) vs null (H6 years), World rows with `isReported` false and
`isAggregate` true, `refMonth` 52, `period` a string, `qtyUnitCode` 8 (kg). The sample partners
of the same series (imports from partners other than China) are rescaled so that the partners
still add up to the real World figure (to the thousandth of a dollar, the precision of the real
values); they stay sample data, and so do the monthly series, the exports, and the HS6 rows
under 2504 and 2822 (their sum is not the real heading total).

`real_records.json` lists the keys and values of the real records; the warehouse marks their
rows `is_sample_data = false` and the dataset label names them.

| period | edition | flow | hs6 | partner | primaryValue (USD) | call (codes) |
|---|---|---|---|---|---|---|
{_real_lines(results, registry)}

## Sample series (invented, shaped for the November 2025 events)

* lithium carbonate (283691) imports: volume keeps rising through 2024-2025 while the unit
  value slumps from the 2022 peak; suppliers shift from China toward Argentina, Chile and
  (new from 2024) Australia;
* REE compounds (284690) and permanent magnets (850511): China supplies most of it; China's
  monthly shipments dip from 202504 (low in 202505-202506, recovering by 202509) after its April
  2025 export controls on medium/heavy rare earths, while Japan, Malaysia and Viet Nam pick up a
  little;
* cobalt oxides (282200) from China, Belgium, Zambia and DR Congo; DR Congo-origin supply falls
  away from 202503 (export suspension) and the unit value rises through 2025;
* months interpolate the annual factors, so a year's months add up to about its annual value
  (not exactly: the annual and monthly series are drawn separately).

## Mirror flows (SAMPLE DATA)

What India's partners report about their trade **with India** (`partnerCode=699`), for the
mirror asset (`assets/comtrade/mirror.py`) and the reconciliation mart: for each reporter of
`warehouse/reference/mirror_partners.csv` ({_mirror_reporters(results)}), one
`client.fetch("A", <periods of the edition>, <the edition's codes>, reporter_code=<partner>,
partner_code=699)` per HS edition, with {MIRROR_CODES_PER_QUERY} codes per call (the partner is
fixed, so an answer holds at most 2 rows per code). The records are **sample data** derived from
India's sample rows with that partner: the partner's exports to India (X, FOB) are India's
imports (M, CIF) divided by a CIF/FOB ratio drawn between 1.02 and 1.10, its imports from India
(M, CIF) India's exports times such a ratio; about one series in eight has a ratio outside the
band (0.6-0.9 or 1.25-1.8) and about one in twenty is not reported by the partner. These calls
are appended after India's: India's exchanges and bodies are the same as without them.
{_mirror_summary(results, "A")}

Monthly mirror flows: only the reporters whose `reports_monthly` is true in
`warehouse/reference/mirror_partners.csv` ({_mirror_reporters(results, "M")}). That column is
an assumption about who publishes monthly data to Comtrade (see the main README). One
`client.fetch("M", <the monthly periods>, <the H6 codes>, reporter_code=<partner>,
partner_code=699)` per reporter, as `trade_mirror_monthly` asks them. Their records are derived from
India's monthly sample rows with that partner by the same rule (CIF/FOB ratios mostly inside
the band, some outside, a few series unreported; each record on its own seed); the unpublished
month ({unpublished}) answers count 0, as India's do.
These calls come after the annual mirror calls, so neither India's nor the annual mirror
exchanges depend on them. {_mirror_summary(results, "M")}

## Calls

| freq | edition | period | flows | codes | outcome | rows |
|---|---|---|---|---|---|---|
"""
        + "\n".join(_call_lines(results))
        + "\n"
    )
    (snapshot_dir / "README.md").write_text(text, encoding="utf-8")


def build(snapshot_dir: Path, expected_path: Path) -> dict[str, Any]:
    codes = load_codes()
    groups = fetch_groups(codes)
    db = generate_records(codes)
    headings = load_headings()
    db += generate_heading_records(db, headings)
    placed = apply_real_records(db, codes, load_real_records(REAL_CSV))
    heads = [r for r in db if r["aggrLevel"] == 4]
    db = [r for r in db if r["aggrLevel"] == 6]
    reporters = load_mirror_partners()
    mirror = generate_mirror_records(db, reporters)
    monthly_reporters = load_mirror_partners(monthly_only=True)
    mirror_monthly = generate_mirror_records(db, monthly_reporters, "M")
    results = record(
        snapshot_dir,
        codes,
        db + mirror + mirror_monthly + heads,
        reporters,
        monthly_reporters,
        headings,
    )
    registry = real_registry(placed)
    (snapshot_dir / REAL_RECORDS_FILE).write_text(
        json.dumps(registry, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    expected = {
        "description": "SAMPLE DATA, not real statistics, except the real records listed in "
        "snapshot/comtrade/real_records.json (282520, 2504 and 2822 from World and China: real; "
        "their other partners: sample, scaled to the real World total): India (699) annual "
        "imports (flow M) "
        "from each partner (partner rows only; World listed separately), as bundled in "
        "snapshot/comtrade by tools/snapshots/build_comtrade.py. Values in USD, weights in kg; "
        "keys: code -> year -> Comtrade partner code.",
        "reporter_code": 699,
        "flow_code": "M",
        "freq": "A",
        "plan": {
            "endpoint": "preview",
            "annual_periods": ANNUAL_PERIODS,
            "monthly_periods": MONTHLY_PERIODS,
            "hs_codes_by_edition": codes_by_edition(codes),
            "fetches": [
                {"label": g.label, "freq": g.freq, "edition": g.edition, "periods": list(g.periods)}
                for g in groups
            ],
            "max_codes_per_query": 20,
            "max_periods_per_query": 1,
        },
        **expected_totals(db),
        "headings": _heading_expected(heads),
        "mirror": mirror_expected(mirror),
        "mirror_monthly": mirror_expected(mirror_monthly, "M"),
        "calls": {
            label: {
                "calls": len(r.calls),
                "ok": sum(1 for c in r.calls if c.outcome == "ok"),
                "no_data": sum(1 for c in r.calls if c.outcome == "no_data"),
                "split": sum(1 for c in r.calls if c.outcome == "split"),
            }
            for label, r in results.items()
            if not label.startswith("mirror")
        },
    }
    for key, freq in (("mirror", "A"), ("mirror_monthly", "M")):
        expected[key]["calls"] = {
            outcome: sum(
                1
                for label, r in results.items()
                if _is_mirror(label, freq)
                for c in r.calls
                if c.outcome == outcome
            )
            for outcome in ("ok", "no_data", "split")
        }
    expected_path.write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    write_readme(snapshot_dir, results, groups, registry)
    replay_check(snapshot_dir, codes, expected)
    return expected


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=SNAPSHOT_DIR)
    ap.add_argument("--expected", type=Path, default=EXPECTED_PATH)
    ap.add_argument("--check", action="store_true", help="rebuild in a temp dir and compare")
    args = ap.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            out, exp = Path(tmp) / "comtrade", Path(tmp) / "expected.json"
            build(out, exp)
            cmp = filecmp.dircmp(out, args.out)
            same = not (cmp.left_only or cmp.right_only or cmp.diff_files)
            same = same and filecmp.cmp(exp, args.expected, shallow=False)
            body_cmp = filecmp.dircmp(out / "bodies", args.out / "bodies")
            same = same and not (body_cmp.left_only or body_cmp.right_only or body_cmp.diff_files)
            print("snapshot up to date" if same else "snapshot differs from a fresh build")
            return 0 if same else 1
    expected = build(args.out, args.expected)
    print(f"wrote {args.out} and {args.expected}: {json.dumps(expected['calls'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

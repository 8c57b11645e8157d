"""A small warehouse made by hand, changed one swap at a time through the store, as the loads do.

Real dimensions (``warehouse/reference/*.csv``, every code validated; a few countries), the real
event catalogue, and random trade rows and PIB events that a seed decides. Every change goes
through ``WarehouseStore.replace_partitions``, so ``_load_log`` records it as a load would.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime, timedelta

import polars as pl

from assets.events.catalogue import catalogue_frames, load_catalogue
from warehouse.store import PartitionWrite, WarehouseStore

from ._snapshot import REPO

NOW = datetime(2026, 1, 1, tzinfo=UTC)
COUNTRIES = {
    0: ("WLD", "World"),
    699: ("IND", "India"),
    156: ("CHN", "China"),
    36: ("AUS", "Australia"),
    32: ("ARG", "Argentina"),
    842: ("USA", "USA"),
    410: ("KOR", "Rep. of Korea"),
    152: ("CHL", "Chile"),
}
PARTNERS = [156, 36, 32, 842, 410, 152]
MINERALS = ["lithium", "cobalt", "graphite", "ree", "antimony", "gallium"]
TRADE_PERIODS = [f"A:{y}" for y in (2021, 2022, 2023, 2024)] + [
    f"M:{y}{m:02d}" for y in (2023, 2024) for m in range(1, 13)
]
PIB_DAYS = [date(2023, 3, 1) + timedelta(days=37 * i) for i in range(12)]


def _csv(name: str) -> list[dict[str, str]]:
    with open(REPO / "warehouse" / "reference" / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _prov() -> dict:
    return {"_source": "test", "_raw_sha256": "0" * 64, "_loaded_at": NOW}


def dim_mineral() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "mineral_id": r["mineral_id"],
                "name": r["name"],
                "symbol_or_group": r["symbol_or_group"],
                "mineral_group": r["group"],
                "in_mmdr_part_d": r["in_mmdr_part_d"] == "true",
                "in_list_since": date.fromisoformat(r["in_list_since"]),
                **_prov(),
            }
            for r in _csv("critical_minerals.csv")
        ]
    )


def dim_hs_code(drop: set[tuple[str, str, str]] = frozenset()) -> pl.DataFrame:
    rows = [
        {
            "hs6": r["hs6"],
            "hs_edition": r["edition"],
            "mineral_id": r["mineral_id"],
            "stage": r["stage"],
            "specificity": r["specificity"],
            "description": r["description"],
            "validated": True,
            **_prov(),
        }
        for r in _csv("hs_mineral_map.csv")
    ]
    return pl.DataFrame(
        [r for r in rows if (r["hs6"], r["hs_edition"], r["mineral_id"]) not in drop]
    )


def dim_country(rename: dict[int, str] | None = None) -> pl.DataFrame:
    rename = rename or {}
    return pl.DataFrame(
        [
            {
                "area_code": code,
                "iso3": iso3,
                "name": rename.get(code, name),
                "is_reporter": code == 699,
                "is_partner": True,
                "is_group": code == 0,
                **_prov(),
            }
            for code, (iso3, name) in COUNTRIES.items()
        ]
    )


def codes_of(minerals: list[str]) -> dict[str, list[str]]:
    """Edition -> the HS6 codes of these minerals, plus two codes the dimension lacks."""
    out: dict[str, set[str]] = {"H5": {"999999"}, "H6": {"999998"}}
    for r in _csv("hs_mineral_map.csv"):
        if r["mineral_id"] in minerals:
            out[r["edition"]].add(r["hs6"])
    return {k: sorted(v) for k, v in out.items()}


def trade_rows(rng: random.Random, period_key: str, n: int) -> pl.DataFrame:
    freq, period = period_key.split(":")
    year = int(period[:4])
    edition = "H5" if year <= 2021 else "H6"
    codes = codes_of(MINERALS)[edition]
    keys = rng.sample(
        [(p, f, c) for p in PARTNERS for f in "MX" for c in codes], k=n
    )  # unique on the grain
    rows = []
    for partner, flow, hs6 in keys:
        value = rng.randint(1, 2**30) / 1024  # exact in binary; sums never tie
        rows.append(
            {
                "source": "comtrade",
                "period_key": period_key,
                "reporter_code": 699,
                "partner_code": partner,
                "flow_code": flow,
                "freq": freq,
                "period": period,
                "ref_year": year,
                "ref_month": int(period[4:]) if freq == "M" else None,
                "hs6": hs6,
                "hs_edition": edition,
                "primary_value_usd": value,
                "net_weight_kg": None if rng.random() < 0.2 else value * 3,
                "is_qty_estimated": False,
                "is_net_wgt_estimated": False,
                "is_reported": True,
                "is_aggregate": False,
                "is_sample_data": rng.random() < 0.9,
                "_source_url": f"test://{period_key}",
                "_raw_sha256": "0" * 64,
                "_loaded_at": NOW,
            }
        )
    schema = {"ref_month": pl.Int8, "net_weight_kg": pl.Float64}
    return pl.DataFrame(rows, schema_overrides=schema) if rows else _empty("period_key")


def _empty(column: str) -> pl.DataFrame:
    return pl.DataFrame(schema={column: pl.Utf8})


def trade_write(rng: random.Random, period_key: str, n: int) -> PartitionWrite:
    frame = trade_rows(rng, period_key, n)
    return PartitionWrite("fact_trade_flow", frame, "period_key", [period_key])


def pib_event_writes(rng: random.Random, day: date, n: int, catalogue_prids: list[int]) -> list:
    """One PIB day's event slice: n random events with minerals, actors, amounts and (rarely)
    named HS codes; some share a catalogue event's PRID, so they fold into it."""
    slice_ = f"pib:{day.isoformat()}"
    events, minerals, countries, amounts, codes = [], [], [], [], []
    for i in range(n):
        prid = 8_000_000 + day.toordinal() * 10 + i
        prids = [prid]
        if catalogue_prids and rng.random() < 0.3:
            prids.append(rng.choice(catalogue_prids))
        eid = f"pib-{prid}"
        events.append(
            {
                "event_id": eid,
                "release_date": day,
                "event_type": rng.choice(["scheme", "mou_agreement", "auction_launch"]),
                "status": rng.choice(["announced", "approved", "signed"]),
                "title": f"Event {eid}",
                "ministry": "Ministry of Mines",
                "posted_at": datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
                "primary_prid": prid,
                "source_prids": prids,
                "source_urls": [f"https://pib.gov.in/?PRID={p}" for p in prids],
                "origin": "pib",
                "load_slice": slice_,
                "event_date": day,
                "_loaded_at": NOW,
            }
        )
        for m in rng.sample(MINERALS, k=rng.randint(0, 2)):
            minerals.append(
                {
                    "event_id": eid,
                    "release_date": day,
                    "load_slice": slice_,
                    "mineral_id": m,
                    "basis": "title",
                    "confidence": 0.9,
                    "_loaded_at": NOW,
                }
            )
            if rng.random() < 0.25:
                hs = rng.choice(codes_of([m])["H6"] or ["999998"])
                codes.append(
                    {
                        "event_id": eid,
                        "load_slice": slice_,
                        "mineral_id": m,
                        "hs_code": hs + "00",
                        "hs_prefix": hs,
                        "basis": "named",
                        "_loaded_at": NOW,
                    }
                )
        for area in rng.sample([699, *PARTNERS], k=rng.randint(0, 3)):
            countries.append(
                {
                    "event_id": eid,
                    "release_date": day,
                    "load_slice": slice_,
                    "area_code": area,
                    "actor_name": COUNTRIES[area][1],
                    "actor_type": "country",
                    "role": "counterparty",
                    "_loaded_at": NOW,
                }
            )
        if rng.random() < 0.5:
            amounts.append(
                {
                    "event_id": eid,
                    "release_date": day,
                    "load_slice": slice_,
                    "kind": "outlay",
                    "value": float(rng.randint(1, 999)),
                    "unit": "INR crore",
                    "raw_text": "x",
                    "_loaded_at": NOW,
                }
            )
    frames = {
        "policy_event": events,
        "event_mineral": minerals,
        "event_country": countries,
        "event_amount": amounts,
        "event_hs_code": codes,
    }
    return [
        PartitionWrite(
            t, pl.DataFrame(rows) if rows else _empty("load_slice"), "load_slice", [slice_]
        )
        for t, rows in frames.items()
    ]


def catalogue_prids() -> list[int]:
    frame = catalogue_frames(load_catalogue())["policy_event"]
    return sorted({p for ps in frame["source_prids"].to_list() for p in ps})


def initial_writes(rng: random.Random) -> list[PartitionWrite]:
    writes = [
        PartitionWrite("dim_mineral", dim_mineral()),
        PartitionWrite("dim_hs_code", dim_hs_code()),
        PartitionWrite("dim_country", dim_country()),
    ]
    writes += [
        PartitionWrite(t, df, "load_slice", ["catalogue"])
        for t, df in catalogue_frames(load_catalogue()).items()
    ]
    for pk in TRADE_PERIODS:
        writes.append(trade_write(rng, pk, rng.randint(5, 40)))
    prids = catalogue_prids()
    for day in PIB_DAYS[:6]:
        writes += pib_event_writes(rng, day, rng.randint(0, 3), prids)
    return writes


def new_warehouse(path, seed: int) -> tuple[WarehouseStore, random.Random]:
    store = WarehouseStore(path)
    rng = random.Random(seed)
    store.replace_partitions(initial_writes(rng), run_id="setup")
    return store, rng

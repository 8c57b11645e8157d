"""Shared helpers for the Comtrade tests: record factory, sample database, clients."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from assets.comtrade.client import ComtradeClient
from assets.comtrade.fake_api import FakeComtrade
from assets.comtrade.policy import COMTRADE_POLICY
from pipelines.http import Mode, SourceClient, VirtualClock

URL = "https://comtradeapi.un.org/public/v1/preview/C/A/HS?period=2021"
SHA = "ab" * 32


def rec(
    *,
    freq: str = "A",
    period: str = "2021",
    flow: str = "M",
    partner: int = 152,
    cmd: str = "283691",
    value: float = 1000.0,
    kg: float | None = 100.0,
    edition: str = "H5",
    **overrides: Any,
) -> dict[str, Any]:
    """A full 47-field final-data record (API spelling), as the data endpoint serves it."""
    year = int(period[:4])
    month = 52 if freq == "A" else int(period[4:])
    r: dict[str, Any] = {
        "typeCode": "C", "freqCode": freq,
        "refPeriodId": int(f"{year}{1 if freq == 'A' else month:02d}01"),
        "refYear": year, "refMonth": month, "period": period,
        "reporterCode": 699, "reporterISO": "IND", "reporterDesc": "India",
        "flowCode": flow, "flowDesc": "Import" if flow == "M" else "Export",
        "partnerCode": partner, "partnerISO": "W00" if partner == 0 else "XXX",
        "partnerDesc": "World" if partner == 0 else f"Partner {partner}",
        "partner2Code": 0, "partner2ISO": "W00", "partner2Desc": "World",
        "classificationCode": edition, "classificationSearchCode": "HS",
        "isOriginalClassification": True, "cmdCode": cmd, "cmdDesc": "Some commodity",
        "aggrLevel": 6, "isLeaf": True, "customsCode": "C00", "customsDesc": "TOTAL CPC",
        "mosCode": "0", "motCode": 0, "motDesc": "TOTAL MOT",
        "qtyUnitCode": 8 if kg is not None else -1,
        "qtyUnitAbbr": "kg" if kg is not None else "N/A",
        "qty": kg, "isQtyEstimated": False,
        "altQtyUnitCode": -1, "altQtyUnitAbbr": "N/A", "altQty": None, "isAltQtyEstimated": False,
        "netWgt": kg, "isNetWgtEstimated": False, "grossWgt": None, "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None, "fobvalue": value if flow == "X" else None,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": True,
        "isAggregate": False,
    }  # fmt: skip
    r.update(overrides)
    return r


def codes(n: int, start: int = 280000) -> list[str]:
    return [f"{start + i:06d}" for i in range(n)]


def sample_db(
    hs: list[str],
    periods: list[str],
    *,
    freq: str = "A",
    partners_per_flow: int = 4,
    seed: int = 7,
) -> list[dict[str, Any]]:
    """Partner rows and a World row for every (period, flow, code)."""
    rng = random.Random(seed)
    pool = [156, 36, 152, 604, 398, 842, 32, 180, 392, 410, 276, 360, 710, 643, 784, 56]
    db = []
    for period in periods:
        for flow in ("M", "X"):
            for cmd in hs:
                chosen = sorted(rng.sample(pool, partners_per_flow))
                rows = [
                    rec(freq=freq, period=period, flow=flow, partner=p, cmd=cmd,
                        value=float(rng.randint(1000, 10**6)), kg=float(rng.randint(1, 10**4)))
                    for p in chosen
                ]  # fmt: skip
                total = sum(r["primaryValue"] for r in rows)
                kg = sum(r["netWgt"] for r in rows)
                db.append(rec(freq=freq, period=period, flow=flow, partner=0, cmd=cmd,
                              value=total, kg=kg))  # fmt: skip
                db.extend(rows)
    return db


def live_source(
    fake: FakeComtrade,
    clock: VirtualClock | None = None,
    *,
    mode: Mode = Mode.LIVE,
    snapshot_dir: Path | None = None,
    raw_dir: Path | None = None,
) -> SourceClient:
    return SourceClient(
        COMTRADE_POLICY,
        mode,
        snapshot_dir=snapshot_dir,
        raw_dir=raw_dir,
        live_transport=fake.transport(),
        clock=clock or VirtualClock(),
        rng=random.Random(1),
    )


def client_for(
    fake: FakeComtrade, *, clock: VirtualClock | None = None, **kwargs: Any
) -> ComtradeClient:
    source_kw = {k: kwargs.pop(k) for k in ("mode", "snapshot_dir", "raw_dir") if k in kwargs}
    return ComtradeClient(live_source(fake, clock, **source_kw), **kwargs)


def record_key(r: dict[str, Any]) -> tuple:
    """Identity of a raw record for set comparisons."""
    return (r["freqCode"], r["period"], r["flowCode"], r["cmdCode"], r["partnerCode"])

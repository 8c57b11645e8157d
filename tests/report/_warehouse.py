"""A small in-memory warehouse for report tests: the real migrations and marts, hand-made rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb

from warehouse.store import MARTS_DIR, migrations

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PIB = "https://www.pib.gov.in/PressReleasePage.aspx?PRID={}&reg=3&lang=1"

MINERALS = [
    ("lithium", "Lithium", "Li"),
    ("copper", "Copper", "Cu"),
    ("nickel", "Nickel", "Ni"),
    ("ree", "Rare Earth Elements (REE)", "REE"),
]
COUNTRIES = [
    (156, "CHN", "China"),
    (36, "AUS", "Australia"),
    (152, "CHL", "Chile"),
    (32, "ARG", "Argentina"),
    (384, "CIV", "Côte d'Ivoire <&>"),
    (842, "USA", "USA"),
    (699, "IND", "India"),
]
# annual imports: mineral -> year -> {partner: USD}
ANNUAL = {
    "lithium": {
        2021: {156: 600.0, 36: 300.0, 152: 100.0},
        2022: {156: 500.0, 36: 300.0, 152: 150.0, 32: 50.0},
        2023: {156: 450.0, 36: 350.0, 152: 120.0, 32: 60.0, 384: 20.0, 842: 5.0},
    },
    "copper": {
        2021: {152: 5000.0, 36: 3000.0},
        2022: {152: 5500.0, 36: 2500.0, 156: 500.0},
        2023: {152: 6000.0, 36: 2000.0, 156: 700.0},
    },
    "nickel": {2023: {36: 10.0}},
}
# monthly lithium imports, Jan-Jun 2023
MONTHLY = {"lithium": {(2023, m): {156: 40.0 + m, 36: 20.0 + 2 * m} for m in range(1, 7)}}

# mirror flows: what the partner reports as its exports of lithium to India (FOB), year -> USD.
# India's own figures are ANNUAL above: 2021 all within the band, 2022 China within, Australia
# above (300 / 200), Chile below (150 / 160), Argentina India-only, the USA partner-only (India
# reports nothing); 2023 Côte d'Ivoire's 20 / 5 = 4.0 lies beyond the chart's axis.
MIRROR = {
    "lithium": {
        2021: {156: 570.0, 36: 290.0, 152: 100.0},
        2022: {156: 470.0, 36: 200.0, 152: 160.0, 842: 40.0},
        2023: {156: 420.0, 36: 330.0, 152: 115.0, 384: 5.0, 842: 5.0},
    }
}
# a partner's IMPORTS from India (India's exports side): never in the report's main view
MIRROR_IMPORTS = {"lithium": {2023: {156: 999.0}}}
# TradeStat (India's own statistics), lithium imports by month and partner, US dollars; the
# monthly Comtrade rows are MONTHLY above (March: China 43, Australia 26; April: 44 and 28)
TRADESTAT = {
    "lithium": {(2023, 3): {156: 45.0, 36: 26.0, 384: 7.0}, (2023, 4): {156: 44.0, 36: 28.0}}
}

EVIL_TITLE = '<script>alert("x")</script> Lithium & "cobalt" deal'
EVENTS = [
    # event_id, day, type, status, title, minerals, (area, actor, role), amounts, urls
    (
        "pib-1001",
        date(2023, 3, 15),
        "mou_agreement",
        "signed",
        EVIL_TITLE,
        ["lithium"],
        [(36, "Australia", "counterparty"), (699, "KABIL", "implementer")],
        [("outlay", 1500.0, "INR crore")],
        [PIB.format(1001)],
    ),
    (
        "pib-1002",
        date(2010, 1, 4),  # long before the data: pinned to the chart's left edge
        "scheme",
        None,
        "Old lithium scheme",
        ["lithium"],
        [],
        [],
        ["https://evil.example.com/phish", "javascript:alert(1)"],
    ),
    (
        "pib-1003",
        date(2024, 2, 20),  # eight months after the data: the axis is extended to it
        "auction_launch",
        "launched",
        "Auction of lithium and copper blocks",
        ["lithium", "copper"],
        [(699, "Ministry of Mines", "implementer")],
        [("block_count", 7.0, "blocks")],
        [PIB.format(1003), PIB.format(1004)],
    ),
    (
        "pib-1005",
        date(2023, 5, 2),
        "mission",
        "approved",
        "A mission without a mineral",
        [],
        [],
        [],
        [PIB.format(1005)],
    ),
]


# Catalogue entries (origin 'catalogue', with a jurisdiction), loaded when catalogue=True. The
# titles are written for the tests; the dates fall inside the fixture's monthly lithium data.
CATALOGUE_EVENTS = [
    # event_id, day, jurisdiction, type, status, title, minerals, (area, actor, role), urls
    (
        "cat-cn-export-control",
        date(2023, 4, 10),
        "CN",
        "export_control",
        "in_force",
        "China requires export licences for lithium processing items",
        ["lithium"],
        [(156, "MOFCOM", "implementer"), (699, "India", "target")],
        ["https://www.mofcom.gov.cn/announcement-test", "javascript:alert(2)"],
    ),
    (
        "cat-cn-suspension",
        date(2023, 5, 20),
        "CN",
        "export_control",
        "suspended",
        "China suspends the lithium processing export licence rule for one year",
        ["lithium"],
        [(156, "MOFCOM", "implementer")],
        ["https://english.example-news.cn/suspension"],
    ),
    (
        "cat-us-msp",
        date(2023, 2, 6),
        "multilateral",
        "plurilateral_initiative",
        "launched",
        "Minerals Security Partnership finance network launched",
        ["lithium", "copper"],
        [(842, "USA", "implementer")],
        ["https://www.state.gov/msp-test"],
    ),
    (
        "cat-in-ncmm",
        date(2023, 6, 1),
        "IN",
        "mission",
        "approved",
        "National mission for lithium approved (catalogue entry)",
        ["lithium"],
        [(699, "Cabinet", "approver")],
        [PIB.format(2001)],
    ),
]

# A PIB-tagged export control naming China, for warehouses without a jurisdiction column.
CHINA_PIB_EVENT = (
    "pib-1006",
    date(2023, 4, 12),
    "export_control",
    "announced",
    "India reviews supply after China's export controls on lithium processing items",
    ["lithium"],
    [(156, "China", "implementer")],
    [],
    [PIB.format(1006)],
)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()
    }


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict) -> None:
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))


def _flow(
    freq: str,
    year: int,
    month: int | None,
    partner: int,
    hs6: str,
    value: float,
    sample: bool,
    *,
    reporter: int = 699,
    flow: str = "M",
):
    """A fact_trade_flow row: India's report, or with ``reporter`` a partner's mirror row."""
    period = str(year) if freq == "A" else f"{year}{month:02d}"
    return {
        "source": "comtrade",
        "period_key": f"{freq}:{period}" + (":mirror" if reporter != 699 else ""),
        "reporter_code": reporter,
        "partner_code": partner,
        "flow_code": flow,
        "freq": freq,
        "period": period,
        "ref_year": year,
        "ref_month": month,
        "hs6": hs6,
        "hs_edition": "H6",
        "primary_value_usd": value,
        "is_qty_estimated": False,
        "is_net_wgt_estimated": False,
        "is_reported": True,
        "is_aggregate": False,
        "is_sample_data": sample,
        "_source_url": "test",
        "_raw_sha256": "0" * 64,
        "_loaded_at": NOW,
    }


def build_warehouse(
    *,
    trade: bool = True,
    events: bool = True,
    sample: bool = True,
    label: str | None = None,
    catalogue: bool = False,
    china_pib_event: bool = False,
    mirror: bool = False,
    tradestat: bool = False,
    side_sample: bool | None = None,
) -> duckdb.DuckDBPyConnection:
    """Migrated in-memory DuckDB with the marts applied; rows only where asked.

    ``mirror`` adds the partners' reports of ``MIRROR`` (and ``MIRROR_IMPORTS``), ``tradestat``
    the TradeStat rows of ``TRADESTAT`` with their HS8 map; their sample flag is
    ``side_sample`` (default: ``sample``).

    ``catalogue`` adds ``CATALOGUE_EVENTS`` with ``origin`` and ``jurisdiction`` (adding those
    columns to ``policy_event`` when the migrations do not have them yet, as migration 0006
    will); ``china_pib_event`` adds ``CHINA_PIB_EVENT``, a PIB export control naming China.
    """
    con = duckdb.connect()
    for _, _, sql in migrations():
        con.execute(sql)
    prov = {"_source": "test", "_raw_sha256": "0" * 64, "_loaded_at": NOW}
    for mid, name, sym in MINERALS:
        _insert(
            con,
            "dim_mineral",
            {
                "mineral_id": mid,
                "name": name,
                "symbol_or_group": sym,
                "mineral_group": "g",
                "in_mmdr_part_d": True,
                "in_list_since": date(2023, 6, 28),
                **prov,
            },
        )
        _insert(
            con,
            "dim_hs_code",
            {
                "hs6": f"hs{mid}"[:6],
                "hs_edition": "H6",
                "mineral_id": mid,
                "stage": "ore",
                "specificity": "specific",
                "description": name,
                "validated": True,
                **prov,
            },
        )
    for code, iso3, name in COUNTRIES:
        _insert(
            con,
            "dim_country",
            {
                "area_code": code,
                "iso3": iso3,
                "iso2": iso3[:2],
                "name": name,
                "is_reporter": True,
                "is_partner": True,
                "is_group": False,
                **prov,
            },
        )
    if label is not None:
        _insert(con, "dataset_info", {"key": "dataset_label", "value": label, "updated_at": NOW})
    if trade:
        for mid, years in ANNUAL.items():
            for year, partners in years.items():
                for partner, value in partners.items():
                    _insert(
                        con,
                        "fact_trade_flow",
                        _flow("A", year, None, partner, f"hs{mid}"[:6], value, sample),
                    )
        for mid, months in MONTHLY.items():
            for (year, month), partners in months.items():
                for partner, value in partners.items():
                    _insert(
                        con,
                        "fact_trade_flow",
                        _flow("M", year, month, partner, f"hs{mid}"[:6], value, sample),
                    )
    side_sample = sample if side_sample is None else side_sample
    if mirror:
        for flows, flow in ((MIRROR, "X"), (MIRROR_IMPORTS, "M")):
            for mid, years in flows.items():
                for year, partners in years.items():
                    for reporter, value in partners.items():
                        _insert(
                            con,
                            "fact_trade_flow",
                            _flow(
                                "A",
                                year,
                                None,
                                699,
                                f"hs{mid}"[:6],
                                value,
                                side_sample,
                                reporter=reporter,
                                flow=flow,
                            ),
                        )
    if tradestat:
        _add_tradestat(con, side_sample)
    if catalogue:
        con.execute("ALTER TABLE policy_event ADD COLUMN IF NOT EXISTS origin VARCHAR")
        con.execute("ALTER TABLE policy_event ADD COLUMN IF NOT EXISTS jurisdiction VARCHAR")
    event_cols = _columns(con, "policy_event")
    rows = []
    if events:
        rows.extend((*ev, "pib", None) for ev in EVENTS)
    if china_pib_event:
        rows.append((*CHINA_PIB_EVENT, "pib", None))
    if catalogue:
        rows.extend(
            (eid, day, etype, status, title, mins, actors, [], urls, "catalogue", juris)
            for eid, day, juris, etype, status, title, mins, actors, urls in CATALOGUE_EVENTS
        )
    if rows:
        for eid, day, etype, status, title, mins, actors, amounts, urls, origin, juris in rows:
            posted = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
            prid = int(eid.split("-")[1]) if origin == "pib" else None
            row = {
                "event_id": eid,
                "release_date": day,
                "event_type": etype,
                "status": status,
                "title": title,
                "ministry": "Ministry of Mines" if origin == "pib" else "catalogue",
                "posted_at": posted if origin == "pib" else None,
                "primary_prid": prid,
                "source_prids": [prid] * len(urls) if prid else [],
                "source_urls": urls,
                "_loaded_at": NOW,
            }
            if "origin" in event_cols:
                row["origin"] = origin
            if "jurisdiction" in event_cols:
                row["jurisdiction"] = juris
            if "event_date" in event_cols:
                row["event_date"] = day
                row["date_precision"] = "day"
                row["load_slice"] = f"pib:{day}" if origin == "pib" else "catalogue"
            _insert(con, "policy_event", row)
            for mid in mins:
                _insert(
                    con,
                    "event_mineral",
                    {
                        "event_id": eid,
                        "release_date": day,
                        "mineral_id": mid,
                        "basis": "title",
                        "confidence": 1.0,
                        "_loaded_at": NOW,
                    },
                )
            for area, actor, role in actors:
                _insert(
                    con,
                    "event_country",
                    {
                        "event_id": eid,
                        "release_date": day,
                        "area_code": area,
                        "actor_name": actor,
                        "role": role,
                        "_loaded_at": NOW,
                    },
                )
            for kind, value, unit in amounts:
                _insert(
                    con,
                    "event_amount",
                    {
                        "event_id": eid,
                        "release_date": day,
                        "kind": kind,
                        "value": value,
                        "unit": unit,
                        "raw_text": f"{value} {unit}",
                        "_loaded_at": NOW,
                    },
                )
    apply_marts(con)
    return con


def _add_tradestat(con: duckdb.DuckDBPyConnection, sample: bool) -> None:
    names = {code: name for code, _, name in COUNTRIES}
    for mid in TRADESTAT:
        hs6 = f"hs{mid}"[:6]
        _insert(
            con,
            "dim_hs8_code",
            {
                "hs8": f"{hs6}01",
                "hs_edition": "H6",
                "hs6": hs6,
                "mineral_id": mid,
                "description": f"{mid} (test line)",
                "unit": "KGS",
                "evidence": "test",
                "validated": True,
                "_source": "test",
                "_raw_sha256": "0" * 64,
                "_loaded_at": NOW,
            },
        )
    for mid, months in TRADESTAT.items():
        hs6 = f"hs{mid}"[:6]
        for (year, month), partners in months.items():
            for partner, value in partners.items():
                _insert(
                    con,
                    "fact_trade_flow_hs8",
                    {
                        "period_key": f"M:{year}{month:02d}",
                        "freq": "M",
                        "period": f"{year}{month:02d}",
                        "ref_year": year,
                        "ref_month": month,
                        "fiscal_year": "2022-23" if month < 4 else "2023-24",
                        "fiscal_month": (month - 4) % 12 + 1,
                        "flow_code": "M",
                        "hs8": f"{hs6}01",
                        "hs6": hs6,
                        "hs_edition": "H6",
                        "mineral_id": mid,
                        "partner_dgcis_code": partner,
                        "partner_name": names[partner].upper(),
                        "partner_code": partner,
                        "value_usd": value,
                        "usd_rounded_to_zero": False,
                        "year_basis": "calendar",
                        "report": "test",
                        "is_sample_data": sample,
                        "_source": "test",
                        "_source_url": "test",
                        "_raw_sha256": "0" * 64,
                        "_loaded_at": NOW,
                    },
                )


def apply_marts(con: duckdb.DuckDBPyConnection) -> None:
    for f in sorted(MARTS_DIR.glob("[0-9][0-9]_*.sql")):
        con.execute(f.read_text(encoding="utf-8"))

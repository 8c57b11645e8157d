"""mart_event_trade_context on hand-made trade rows: China's graphite control of 2023 (effective
1 Dec 2023), imports of the codes it names from China and from everyone else, 12 months either
side; a measure that names no codes falls back to the mineral's codes."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from assets.events.catalogue import catalogue_frames, load_catalogue
from warehouse.store import PartitionWrite, WarehouseStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)
GRAPHITE = "cat-cn-2023-10-20-graphite-controls"
US_BAN = "cat-cn-2024-12-03-us-dual-use-ban"  # names no codes


def _hs(hs6: str, mineral: str, specificity: str = "specific") -> dict:
    return {
        "hs6": hs6,
        "hs_edition": "H6",
        "mineral_id": mineral,
        "stage": "x",
        "specificity": specificity,
        "description": hs6,
        "validated": True,
        "_source": "test",
        "_raw_sha256": "0" * 64,
        "_loaded_at": NOW,
    }


def _flow(year: int, month: int | None, partner: int, hs6: str, value: float) -> dict:
    period = str(year) if month is None else f"{year}{month:02d}"
    freq = "A" if month is None else "M"
    return {
        "source": "comtrade",
        "period_key": f"{freq}:{period}",
        "reporter_code": 699,
        "partner_code": partner,
        "flow_code": "M",
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
        "is_sample_data": True,
        "_source_url": "test",
        "_raw_sha256": "0" * 64,
        "_loaded_at": NOW,
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    store = WarehouseStore(tmp_path_factory.mktemp("mart") / "w.duckdb")
    frames = catalogue_frames(load_catalogue())
    hs = [
        _hs("250410", "graphite"),  # named by the control (2504101000)
        _hs("380110", "graphite"),  # named (3801100030)
        _hs("854511", "graphite"),  # graphite's, but not named by the control
        _hs("261710", "antimony"),
    ]
    flows = []
    for ym in [(2022, 12), *[(2023, m) for m in range(1, 13)], *[(2024, m) for m in range(1, 13)]]:
        flows += [
            _flow(*ym, 156, "250410", 100.0),  # China
            _flow(*ym, 36, "250410", 10.0),  # Australia
            _flow(*ym, 410, "380110", 1.0),  # Korea
            _flow(*ym, 156, "854511", 1000.0),  # not named: must not count
        ]
    flows += [_flow(2023, None, 156, "250410", 5.0), _flow(2025, None, 156, "854511", 7.0)]
    store.replace_partitions(
        [PartitionWrite(t, df, "load_slice", ["catalogue"]) for t, df in frames.items()]
        + [
            PartitionWrite("dim_hs_code", pl.DataFrame(hs)),
            PartitionWrite("fact_trade_flow", pl.DataFrame(flows)),
        ]
    )
    store.apply_marts()
    with store.read() as c:
        yield c


def _rows(con, event_id: str, mineral: str) -> dict[str, tuple]:
    rows = con.execute(
        """SELECT partner_scope, hs_basis, hs6_codes, imports_12m_before_usd,
                  months_before_with_data, imports_12m_after_usd, months_after_with_data,
                  imports_year_before_usd, imports_year_after_usd, partner_name
           FROM mart_event_trade_context WHERE event_id = ? AND mineral_id = ?""",
        [event_id, mineral],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_china_control_splits_imports_of_the_named_codes_china_vs_rest(con):
    rows = _rows(con, GRAPHITE, "graphite")
    assert set(rows) == {"china", "rest_of_world", "all_partners"}
    china, rest, total = rows["china"], rows["rest_of_world"], rows["all_partners"]
    # effective 1 Dec 2023: before = Dec 2022..Nov 2023, after = Dec 2023..Nov 2024
    assert china[0] == "named_by_measure" and china[1] == ["250410", "380110"]
    assert (china[2], china[3], china[4], china[5]) == (1200.0, 12, 1200.0, 12)
    assert (rest[2], rest[4]) == (12 * 11.0, 12 * 11.0)
    assert total[2] == china[2] + rest[2] and total[4] == china[4] + rest[4]
    assert rest[8] == "All partners except China" and total[8] == "All partners"
    # annual fallback: calendar year before the effective date (2022) has no rows here
    assert china[6] is None


def test_a_measure_naming_no_codes_uses_the_minerals_codes(con):
    rows = _rows(con, US_BAN, "graphite")
    china = rows["china"]
    assert china[0] == "mineral_codes" and china[1] == ["250410", "380110", "854511"]
    # effective 3 Dec 2024: before = Dec 2023..Nov 2024 from China, 100 + 1000 a month
    assert (china[2], china[3]) == (12 * 1100.0, 12)
    assert china[7] == 7.0  # year after (2025), annual


def test_a_linked_or_unlinked_decision_appears_once_per_scope(con):
    dup = con.execute(
        """SELECT event_id, mineral_id, partner_scope, partner_code, count(*) n
           FROM mart_event_trade_context GROUP BY ALL HAVING n > 1"""
    ).fetchall()
    assert dup == []
    china_ids = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT event_id FROM mart_event_trade_context WHERE is_china_control"
        ).fetchall()
    }
    assert len(china_ids) >= 7

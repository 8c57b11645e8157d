"""End to end: run command 1's main job on the bundled snapshot into a temp dir and query it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests._demo import run_demo

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def reader(demo):
    tmp, _ = demo
    con = duckdb.connect(str(tmp / "cmw_reader.duckdb"), read_only=True)
    yield con
    con.close()


def test_summary_names_tables_counts_and_label(demo):
    _, result = demo
    out = result.stdout
    assert "Reader file:" in out and "Dataset:" in out
    assert "SAMPLE DATA" in out
    for table in ("dim_mineral", "dim_hs_code", "dim_country"):
        assert table in out


def test_reference_dimensions(reader):
    assert reader.execute("SELECT count(*) FROM dim_mineral").fetchone()[0] == 30
    n_hs, n_minerals = reader.execute(
        "SELECT count(*), count(DISTINCT mineral_id) FROM dim_hs_code WHERE validated"
    ).fetchone()
    assert n_hs >= 150 and n_minerals == 30
    assert reader.execute("SELECT count(*) FROM dim_hs_code WHERE NOT validated").fetchone()[0] == 0
    assert reader.execute("SELECT count(*) FROM dim_country").fetchone()[0] >= 200
    names = dict(
        reader.execute(
            "SELECT area_code, name FROM dim_country WHERE area_code IN (0, 699)"
        ).fetchall()
    )
    assert names == {0: "World", 699: "India"}


def test_hs_editions_follow_the_2022_split(reader):
    """Cadmium's heading 8107 exists only in HS 2017; 8112.61/69 only in HS 2022."""
    rows = reader.execute(
        "SELECT hs6, hs_edition FROM dim_hs_code WHERE mineral_id = 'cadmium' ORDER BY 1, 2"
    ).fetchall()
    assert ("810720", "H5") in rows and ("811269", "H6") in rows
    assert ("810720", "H6") not in rows and ("811269", "H5") not in rows


def test_rerun_is_idempotent(demo, tmp_path):
    tmp, _ = demo

    def snapshot_counts(path: Path) -> dict[str, int]:
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = [
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE NOT starts_with(table_name, '_') "
                    "AND table_name NOT IN ('dataset_info', 'schema_version')"
                ).fetchall()
            ]
            return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        finally:
            con.close()

    before = snapshot_counts(tmp / "cmw_reader.duckdb")
    again = run_demo(tmp)
    assert again.returncode == 0, again.stdout + again.stderr
    assert snapshot_counts(tmp / "cmw_reader.duckdb") == before


# ----------------------------------------------------------------------------- PIB

_PIB_MANIFEST = __import__("json").loads(
    (REPO / "tools" / "snapshots" / "pib_expected.json").read_text(encoding="utf-8")
)
# `cmw demo` runs only the PIB days of snapshot/manifest.json; the snapshot also holds the
# held-out days of the event gold set (tests/events/gold_heldout.jsonl), which it never loads.
_DEMO_DAYS = __import__("json").loads((REPO / "snapshot" / "manifest.json").read_text("utf-8"))[
    "pib_days"
]
_DEMO_PRIDS = {
    str(p)
    for day, info in _PIB_MANIFEST["days"].items()
    if _DEMO_DAYS["start"] <= day <= _DEMO_DAYS["end"]
    for p in info["candidates"]
}
EXPECTED_PIB = {p: e for p, e in _PIB_MANIFEST["releases"].items() if p in _DEMO_PRIDS}


def test_every_fetched_release_loads_with_ministry_title_and_minute(reader):
    rows = {
        prid: (ministry, title, posted)
        for prid, ministry, title, posted in reader.execute(
            "SELECT prid, ministry, title, strftime(posted_at AT TIME ZONE 'Asia/Kolkata', "
            "'%Y-%m-%dT%H:%M') FROM pib_release"
        ).fetchall()
    }
    expected_ok = {int(p): e for p, e in EXPECTED_PIB.items() if not e["expected_to_fail"]}
    assert set(rows) == set(expected_ok)
    for prid, e in expected_ok.items():
        ministry, title, posted = rows[prid]
        assert ministry == e["ministry"], prid
        assert title == e["title"], prid
        if e["posted_at"]:
            assert posted == e["posted_at"][:16], prid
        else:
            assert posted is None, prid


def test_failures_table_holds_exactly_the_deliberately_broken_pages(reader):
    failed = {
        r[0]: r[1] for r in reader.execute("SELECT prid, error FROM pib_parse_failure").fetchall()
    }
    expected = {int(p) for p, e in EXPECTED_PIB.items() if e["expected_to_fail"]}
    assert set(failed) == expected
    for prid, error in failed.items():
        assert str(prid) in error and "PressReleasePage.aspx" in error


def test_listing_covers_three_full_days(reader):
    per_day = dict(
        reader.execute(
            "SELECT release_date::VARCHAR, count(*) FROM pib_listing GROUP BY 1"
        ).fetchall()
    )
    assert set(per_day) == {"2025-11-25", "2025-11-26", "2025-11-27"}
    assert all(n >= 40 for n in per_day.values())


# ----------------------------------------------------------------------------- trade

EXPECTED_TRADE = __import__("json").loads(
    (REPO / "tools" / "snapshots" / "comtrade_expected.json").read_text(encoding="utf-8")
)

BY_PARTNER_BY_YEAR = """
    SELECT f.ref_year, c.area_code, c.name, sum(f.primary_value_usd) AS imports_usd,
           sum(f.net_weight_kg) AS net_weight_kg
    FROM fact_trade_flow f JOIN dim_country c ON c.area_code = f.partner_code
    WHERE f.flow_code = 'M' AND f.freq = 'A' AND f.hs6 = ? AND f.reporter_code = 699
    GROUP BY ALL ORDER BY 1, 2
"""


@pytest.mark.parametrize("hs6", ["283691", "284690", "282200", "282520"])  # + LiOH (real China)
def test_imports_by_partner_by_year_match_the_snapshot_exactly(reader, hs6):
    expected = EXPECTED_TRADE["imports_by_code"][hs6]["primary_value_usd"]
    got: dict[str, dict[str, float]] = {}
    for year, code, _name, value, _kg in reader.execute(BY_PARTNER_BY_YEAR, [hs6]).fetchall():
        got.setdefault(str(year), {})[str(code)] = value
    assert got == expected


def test_no_partner_row_is_a_world_total_and_partners_sum_to_world(reader):
    assert (
        reader.execute("SELECT count(*) FROM fact_trade_flow WHERE partner_code = 0").fetchone()[0]
        == 0
    )
    worst = reader.execute(
        """SELECT max(abs(w.primary_value_usd - p.total))
           FROM fact_trade_world_total w
           JOIN (SELECT period_key, flow_code, hs6, sum(primary_value_usd) total
                 FROM fact_trade_flow GROUP BY ALL) p USING (period_key, flow_code, hs6)"""
    ).fetchone()[0]
    assert worst < 1.0


def test_every_traded_code_is_mapped_and_labelled_sample(reader):
    unmapped = reader.execute(
        """SELECT count(*) FROM fact_trade_flow f WHERE NOT EXISTS (
               SELECT 1 FROM dim_hs_code d WHERE d.hs6 = f.hs6 AND d.hs_edition = f.hs_edition
               AND f.hs_level = 6) AND NOT EXISTS (
               SELECT 1 FROM dim_hs_heading h WHERE h.heading = f.hs6
               AND h.hs_edition = f.hs_edition AND h.validated AND f.hs_level = 4)"""
    ).fetchone()[0]
    assert unmapped == 0
    # sample data, except the real records (test_real_comtrade_records_load_as_real_data)
    not_sample = reader.execute(
        "SELECT DISTINCT hs6, flow_code, freq FROM fact_trade_flow WHERE NOT is_sample_data "
        "ORDER BY 1"
    ).fetchall()
    assert not_sample == [("2504", "M", "A"), ("2822", "M", "A"), ("282520", "M", "A")]
    label = reader.execute("SELECT value FROM dataset_info WHERE key = 'dataset_label'").fetchone()[
        0
    ]
    assert "SAMPLE DATA" in label
    assert "36 real UN Comtrade records" in label and "HS 2504, 2822, 282520" in label
    counts = dict(
        reader.execute(
            "SELECT freq, count(*) FROM fact_trade_flow WHERE reporter_code = 699 "
            "AND hs_level = 6 GROUP BY 1"
        ).fetchall()
    )
    assert counts == {f: EXPECTED_TRADE["row_counts"][f]["partner_rows"] for f in ("A", "M")}


def test_mirror_flows_are_loaded_and_reconciled(reader):
    """Issue 12: partners' reports of their trade with India (reporter != 699, partner 699) for
    at least 5 partners, under their own period keys, and the reconciliation mart has rows."""
    reporters = reader.execute(
        "SELECT count(DISTINCT reporter_code), count(*) FILTER (WHERE period_key NOT LIKE "
        "'%:mirror'), count(*) FILTER (WHERE partner_code <> 699) FROM fact_trade_flow "
        "WHERE reporter_code <> 699"
    ).fetchone()
    assert reporters[0] >= 5 and reporters[1:] == (0, 0)
    both, partners, statuses = reader.execute(
        "SELECT count(*) FILTER (WHERE india_reported_usd IS NOT NULL AND partner_reported_usd "
        "IS NOT NULL), count(DISTINCT partner_code), count(DISTINCT reconciliation_status) "
        "FROM mart_trade_reconciliation"
    ).fetchone()
    assert both > 0 and partners >= 5 and statuses >= 3


def test_monthly_mirror_flows_are_loaded_and_reconciled(reader):
    """Issue 12, "monthly where partners report it": command 1's monthly trade job loads the
    monthly reports (reporter != 699, partner 699, freq M) of the partners flagged
    reports_monthly, for at least 5 of them, and the reconciliation mart has monthly rows."""
    partners, keys = reader.execute(
        "SELECT count(DISTINCT reporter_code), count(*) FILTER (WHERE period_key NOT LIKE "
        "'M:%:mirror') FROM fact_trade_flow WHERE reporter_code <> 699 AND partner_code = 699 "
        "AND freq = 'M'"
    ).fetchone()
    assert partners >= 5 and keys == 0
    monthly, both = reader.execute(
        "SELECT count(*), count(DISTINCT partner_code) FILTER (WHERE india_reported_usd IS NOT "
        "NULL AND partner_reported_usd IS NOT NULL) FROM mart_trade_reconciliation "
        "WHERE freq = 'M'"
    ).fetchone()
    assert monthly > 0 and both >= 5


REAL_CSV = REPO / "tools" / "snapshots" / "comtrade_real_src" / "india_imports_2504_2822_282520.csv"


def test_real_comtrade_records_load_as_real_data(reader):
    """All 36 real records of the bundled snapshot (India's imports of natural graphite 2504,
    cobalt oxides 2822 and lithium oxide and hydroxide 282520, from World and China, 2019-2024)
    are in the fact tables with their real values and is_sample_data false (partner China in
    fact_trade_flow, World in fact_trade_world_total); they are the only rows that are not
    sample data. The 4-digit headings load as heading rows (hs_level 4), apart from HS6."""
    import csv

    with REAL_CSV.open(encoding="utf-8", newline="") as fh:
        real = list(csv.DictReader(fh))
    assert len(real) == 36
    cols = (
        "hs_edition, primary_value_usd, cif_value_usd, fob_value_usd, net_weight_kg, qty, "
        "qty_unit, is_reported, is_aggregate, is_qty_estimated, legacy_estimation_flag, "
        "ref_month, is_sample_data"
    )
    loaded = 0
    for r in real:
        table = "fact_trade_world_total" if r["partnerCode"] == "0" else "fact_trade_flow"
        rows = reader.execute(
            f"SELECT {cols} FROM {table} WHERE freq = 'A' AND period = ? AND reporter_code = ? "
            "AND flow_code = ? AND partner_code = ? AND hs6 = ? AND hs_level = ?",
            [
                r["period"],
                int(r["reporterCode"]),
                r["flowCode"],
                int(r["partnerCode"]),
                r["cmdCode"],
                int(r["aggrLevel"]),
            ],
        ).fetchall()

        def num(text: str) -> float | None:
            return None if text == "" else float(text)

        assert rows == [
            (
                r["classificationCode"],
                float(r["primaryValue"]),
                num(r["cifvalue"]),
                num(r["fobvalue"]),  # 0 in the H5 years, null in the H6 years
                num(r["netWgt"]),
                num(r["qty"]),
                r["qtyUnitAbbr"],
                r["isReported"] == "True",
                r["isAggregate"] == "True",
                r["isQtyEstimated"] == "True",
                int(r["legacyEstimationFlag"]),
                None,  # refMonth 52 marks annual data; no month
                False,
            )
        ], (table, r["period"], r["partnerCode"])
        loaded += 1
    assert loaded == 36
    not_sample = reader.execute(
        "SELECT (SELECT count(*) FROM fact_trade_flow WHERE NOT is_sample_data), "
        "(SELECT count(*) FROM fact_trade_world_total WHERE NOT is_sample_data)"
    ).fetchone()
    assert not_sample == (18, 18)
    # a code's digits and its level agree; no mart sums a heading with its HS6 rows
    levels = reader.execute(
        "SELECT DISTINCT length(hs6), hs_level FROM fact_trade_flow ORDER BY 1"
    ).fetchall()
    assert levels == [(4, 4), (6, 6)]
    graphite = reader.execute(
        "SELECT sum(total_import_value_usd) FROM mart_supplier_concentration "
        "WHERE mineral_id = 'graphite' AND freq = 'A'"
    ).fetchone()[0]
    hs6_only = reader.execute(
        "SELECT sum(f.primary_value_usd) FROM fact_trade_flow f JOIN dim_hs_code d "
        "ON d.hs6 = f.hs6 AND d.hs_edition = f.hs_edition WHERE d.mineral_id = 'graphite' "
        "AND d.validated AND d.specificity IN ('specific', 'mixed') AND f.freq = 'A' "
        "AND f.flow_code = 'M' AND f.reporter_code = 699"
    ).fetchone()[0]
    assert graphite == pytest.approx(hs6_only)


def test_no_call_was_left_at_the_row_cap(reader):
    """Every answer that reached the cap was split; no 'ok' answer sits at the cap."""
    at_cap_ok = reader.execute(
        "SELECT count(*) FROM comtrade_call WHERE outcome = 'ok' AND rows_returned >= row_cap"
    ).fetchone()[0]
    splits = reader.execute(
        "SELECT count(*) FROM comtrade_call WHERE outcome = 'split'"
    ).fetchone()[0]
    assert at_cap_ok == 0 and splits >= 1


# ----------------------------------------------------------------------------- events

LITHIUM_ARGENTINA_AUSTRALIA = """
    SELECT e.event_id, e.event_type, e.title, a.kind, a.value, a.unit
    FROM policy_event e
    LEFT JOIN event_amount a USING (event_id)
    WHERE e.event_id IN (SELECT event_id FROM event_mineral WHERE mineral_id = 'lithium')
      AND e.event_id IN (SELECT event_id FROM event_country WHERE area_code IN (32, 36))
      AND e.origin = 'pib'
    ORDER BY e.posted_at, a.kind
"""


def test_reposts_and_translations_become_one_event(reader):
    prids = {
        r[0]: sorted(r[1])
        for r in reader.execute(
            "SELECT event_id, source_prids FROM policy_event WHERE origin = 'pib'"
        ).fetchall()
    }
    assert prids["pib-2194611"] == [2194611, 2194627]  # Cabinet + Heavy Industries repost
    assert prids["pib-2194182"] == [2194182, 2194226]  # English + Hindi twin
    every = [p for ps in prids.values() for p in ps]
    assert len(every) == len(set(every))  # no release in two events


def test_lithium_events_with_argentina_or_australia_with_amounts(reader):
    rows = reader.execute(LITHIUM_ARGENTINA_AUSTRALIA).fetchall()
    events = {r[0] for r in rows}
    assert events == {"pib-2193990", "pib-2194517"}
    kinds = {(r[0], r[3], r[5]) for r in rows}
    assert ("pib-2194517", "area", "hectares") in kinds


def test_event_links_resolve_to_dimensions(reader):
    assert (
        reader.execute(
            "SELECT count(*) FROM event_mineral WHERE mineral_id NOT IN (SELECT mineral_id FROM dim_mineral)"
        ).fetchone()[0]
        == 0
    )
    assert (
        reader.execute(
            "SELECT count(*) FROM event_country WHERE area_code NOT IN (SELECT area_code FROM dim_country)"
        ).fetchone()[0]
        == 0
    )
    assert reader.execute("SELECT min(value) FROM event_amount").fetchone()[0] > 0


def test_readme_example_queries_run_as_written(reader):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Example queries", 1)[1].split("```sql", 1)[1].split("```", 1)[0]
    statements = [s for s in block.split(";") if "SELECT" in s]
    assert len(statements) >= 4
    for sql in statements:
        assert reader.execute(sql).fetchall(), sql


# ----------------------------------------------------------------------------- marts


def test_marts_are_consistent_with_the_facts(reader):
    # shares of each mineral-period sum to 1, HHI within bounds, totals match the dependence view
    bad_shares = reader.execute(
        """SELECT count(*) FROM (SELECT mineral_id, freq, period, sum(share_of_mineral_imports) s
           FROM mart_import_dependence GROUP BY ALL) WHERE abs(s - 1) > 1e-9"""
    ).fetchone()[0]
    assert bad_shares == 0
    lo, hi = reader.execute("SELECT min(hhi), max(hhi) FROM mart_supplier_concentration").fetchone()
    assert lo > 0 and hi <= 10000
    li = reader.execute(
        """SELECT sum(f.primary_value_usd) FROM fact_trade_flow f
           WHERE f.flow_code = 'M' AND f.freq = 'A' AND f.period = '2021'
           AND f.reporter_code = 699 AND f.hs6 IN (
             SELECT hs6 FROM dim_hs_code WHERE mineral_id = 'lithium' AND hs_edition = 'H5'
             AND specificity IN ('specific', 'mixed'))"""
    ).fetchone()[0]
    mart = reader.execute(
        "SELECT total_import_value_usd FROM mart_supplier_concentration "
        "WHERE mineral_id = 'lithium' AND freq = 'A' AND period = '2021'"
    ).fetchone()[0]
    assert mart == pytest.approx(li)


def test_policy_timeline_has_one_row_per_event_mineral_actor(reader):
    events = reader.execute("SELECT count(DISTINCT event_id) FROM mart_policy_timeline").fetchone()[
        0
    ]
    linked = reader.execute("SELECT count(*) FROM event_catalogue_link").fetchone()[0]
    assert events == reader.execute("SELECT count(*) FROM policy_event").fetchone()[0] - linked
    # the REPM Cabinet release is the catalogue's REPM decision: one timeline event, not two
    rows = reader.execute(
        "SELECT DISTINCT mineral_id, linked_pib_event_ids FROM mart_policy_timeline "
        "WHERE event_id = 'cat-in-2025-11-26-repm-scheme-approved'"
    ).fetchall()
    assert rows == [("ree", ["pib-2194611"])]


def test_catalogue_is_loaded_and_pib_events_link_to_it(reader):
    n, china = reader.execute(
        "SELECT count(*), count(*) FILTER (WHERE jurisdiction = 'CN' AND event_type = "
        "'export_control') FROM policy_event WHERE origin = 'catalogue'"
    ).fetchone()
    assert n >= 60 and china >= 7
    links = dict(
        reader.execute("SELECT pib_event_id, match_basis FROM event_catalogue_link").fetchall()
    )
    assert links["pib-2194182"] == "prid" and links["pib-2194611"] == "rule"


@pytest.mark.parametrize(
    ("event_id", "minerals"),
    [
        ("cat-cn-2023-10-20-graphite-controls", {"graphite"}),
        ("cat-cn-2023-07-03-gallium-germanium-controls", {"gallium", "germanium"}),
        ("cat-cn-2025-04-04-medium-heavy-rare-earth-controls", {"ree"}),
    ],
)
def test_trade_context_answers_the_china_controls_question(reader, event_id, minerals):
    rows = reader.execute(
        """SELECT mineral_id, partner_scope, hs_basis,
                  coalesce(imports_12m_before_usd, imports_year_before_usd),
                  coalesce(imports_12m_after_usd, imports_year_after_usd)
           FROM mart_event_trade_context WHERE event_id = ?""",
        [event_id],
    ).fetchall()
    assert {r[0] for r in rows} == minerals
    for m in minerals:
        scopes = {r[1]: r for r in rows if r[0] == m}
        assert set(scopes) == {"china", "rest_of_world", "all_partners"}
        assert all(r[2] == "named_by_measure" for r in scopes.values())
        china, rest, total = scopes["china"], scopes["rest_of_world"], scopes["all_partners"]
        for i in (3, 4):  # before and after: China + everyone else = all partners
            assert china[i] is not None and rest[i] is not None
            assert china[i] + rest[i] == pytest.approx(total[i])


def test_example_queries_of_the_dictionary_run(reader):
    sql = (REPO / "warehouse" / "example_queries.sql").read_text()
    for stmt in [s for s in sql.split(";") if "SELECT" in s]:
        assert reader.execute(stmt).fetchall(), stmt


def test_export_writes_parquet_and_csv_for_tables_and_marts(demo, tmp_path):
    import polars as pl

    tmp, _ = demo
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "export",
            "--out",
            str(tmp_path),
            "--format",
            "both",
        ],
        cwd=REPO,
        env={**os.environ, "CMW_READER": str(tmp / "cmw_reader.duckdb")},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    con = duckdb.connect(str(tmp / "cmw_reader.duckdb"), read_only=True)
    for name in ("fact_trade_flow", "mart_supplier_concentration", "policy_event", "dim_country"):
        n = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        assert pl.read_parquet(tmp_path / f"{name}.parquet").height == n
        assert pl.read_csv(tmp_path / f"{name}.csv", infer_schema_length=0).height == n
    con.close()


def test_tradestat_hs8_rows_and_their_comparison_with_comtrade(reader):
    """Issue 12: India's own HS8 statistics load for at least 10 minerals over the manifest's
    fiscal-year months, and the TradeStat-vs-Comtrade mart returns rows on both sides."""
    minerals, months, sample = reader.execute(
        "SELECT count(DISTINCT mineral_id), list(DISTINCT period ORDER BY period), "
        "bool_and(is_sample_data) FROM fact_trade_flow_hs8"
    ).fetchone()
    assert minerals >= 10 and months == ["202404", "202405", "202406"] and sample
    both, gap = reader.execute(
        "SELECT count(*) FILTER (WHERE in_tradestat AND in_comtrade), "
        "median(abs(gap_share)) FILTER (WHERE in_tradestat AND in_comtrade) "
        "FROM mart_tradestat_vs_comtrade"
    ).fetchone()
    assert both > 0 and gap < 0.1

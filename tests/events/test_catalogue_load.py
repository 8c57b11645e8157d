"""The catalogue in a temp warehouse: the asset loads it, PIB day swaps leave it alone, PIB events
that are the same decision are linked (not doubled) in the marts, and the recall check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl
import pytest

from assets.events.assets import (
    event_catalogue,
    policy_event,
    tagger_evaluation,
    warehouse_catalogue_recall,
)
from assets.events.catalogue import load_catalogue
from assets.events.evaluate import catalogue_recall
from pipelines.resources import HttpSources, Warehouse
from warehouse.store import PartitionWrite

IST = ZoneInfo("Asia/Kolkata")
_INSTANCE: dg.DagsterInstance | None = None
NOW = datetime(2026, 1, 1, tzinfo=UTC)
REPM_DAY = date(2025, 11, 26)  # the catalogue's REPM approval day
REPM = "cat-in-2025-11-26-repm-scheme-approved"
REVIEW = "cat-in-2025-11-25-recycling-scheme-review"

RELEASES = {
    # a Cabinet decision that is the catalogue's REPM scheme (no PRID in the catalogue)
    9100001: (
        REPM_DAY,
        "Cabinet",
        "Cabinet approves Scheme to Promote Manufacturing of Sintered Rare Earth Permanent Magnets",
        "The Union Cabinet chaired by the Prime Minister today approved the Scheme to Promote "
        "Manufacturing of Sintered Rare Earth Permanent Magnets with a financial outlay of "
        "₹7,280 crore. The scheme aims to establish 6,000 MTPA of integrated Rare Earth "
        "Permanent Magnet (REPM) manufacturing capacity in India.",
        "26 NOV 2025 3:30PM",
    ),
    # the same day, a different decision: a lithium agreement with Argentina
    9100002: (
        REPM_DAY,
        "Ministry of Mines",
        "KABIL signs MoU with Argentina for lithium exploration",
        "Khanij Bidesh India Limited (KABIL) today signed an MoU with CAMYEN of Argentina for "
        "exploration of lithium brine blocks in Catamarca.",
        "26 NOV 2025 5:00PM",
    ),
    # a release the catalogue names by PRID (recycling scheme review)
    2194182: (
        date(2025, 11, 25),
        "Ministry of Mines",
        "Development of 3 Lakh Ton Annual Recycling Capacity for Critical Mineral Extraction "
        "Envisaged from the ₹1,500 crore Incentive Scheme",
        "The Secretary, Ministry of Mines, today chaired a review of the ₹1,500 crore Incentive "
        "Scheme for recycling of critical minerals such as lithium from e-waste and spent "
        "lithium-ion batteries. The scheme was approved by the Union Cabinet and is part of the "
        "National Critical Mineral Mission.",
        "25 NOV 2025 5:36PM",
    ),
}


@pytest.fixture(scope="module")
def instance():
    """One ephemeral Dagster instance for the module (creating one per run is slow)."""
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture()
def wh(tmp_path, instance) -> Warehouse:
    global _INSTANCE
    _INSTANCE = instance
    return Warehouse(path=str(tmp_path / "w.duckdb"), reader_path=str(tmp_path / "r.duckdb"))


def _posted(s: str) -> datetime:
    return datetime.strptime(s, "%d %b %Y %I:%M%p").replace(tzinfo=IST).astimezone(UTC)


def _load_pib_day(wh: Warehouse, day: date, prids: list[int], listed_only: list[int] = ()) -> None:
    rel, lst = [], []
    for prid in prids:
        d, ministry, title, body, posted = RELEASES[prid]
        assert d == day
        rel.append(
            {
                "prid": prid,
                "release_date": day,
                "ministry": ministry,
                "title": title,
                "subtitles": [],
                "posted_at": _posted(posted),
                "office": "PIB Delhi",
                "language": "en",
                "body_text": body,
                "tables_html": [],
                "images": [],
                "translations": [],
                "template": "test",
                "url": f"https://www.pib.gov.in/PressReleasePage.aspx?PRID={prid}",
                "selected_by": "ministry",
                "_source": "pib",
                "_source_url": "test",
                "_fetched_at": NOW,
                "_raw_sha256": "0" * 64,
                "_loaded_at": NOW,
            }
        )
    for prid in [*prids, *listed_only]:
        lst.append(
            {
                "release_date": day,
                "prid": prid,
                "ministry_heading": "Ministry of Mines",
                "title": RELEASES[prid][2] if prid in RELEASES else "listed",
                "is_candidate": True,
                "selected_by": "ministry",
                "_source_url": "test",
                "_fetched_at": NOW,
                "_raw_sha256": "0" * 64,
                "_loaded_at": NOW,
            }
        )
    writes = [PartitionWrite("pib_listing", pl.DataFrame(lst), "release_date", [day])]
    if rel:
        writes.append(PartitionWrite("pib_release", pl.DataFrame(rel), "release_date", [day]))
    wh.store().replace_partitions(writes)


def _tag_day(wh: Warehouse, day: date) -> None:
    result = dg.materialize(
        [policy_event],
        partition_key=day.isoformat(),
        resources={"warehouse": wh},
        instance=_INSTANCE,
    )
    assert result.success


def _catalogue(wh: Warehouse) -> dg.MaterializeResult:
    result = dg.materialize([event_catalogue], resources={"warehouse": wh}, instance=_INSTANCE)
    assert result.success
    (mat,) = result.asset_materializations_for_node("event_catalogue")
    return mat


def _count(wh: Warehouse, sql: str) -> int:
    with wh.store().read() as con:
        return con.execute(sql).fetchone()[0]


def test_catalogue_asset_loads_every_event_with_counts_as_metadata(wh):
    mat = _catalogue(wh)
    n = len(load_catalogue())
    assert mat.metadata["events"].value == n >= 60
    assert mat.metadata["by_jurisdiction"].value["CN"] >= 7
    assert mat.metadata["by_type"].value["export_control"] >= 7
    assert _count(wh, "SELECT count(*) FROM policy_event WHERE origin = 'catalogue'") == n
    assert _count(wh, "SELECT count(*) FROM event_hs_code") == mat.metadata["hs_codes"].value > 0
    # a second load swaps the slice: same rows, nothing doubled
    _catalogue(wh)
    assert _count(wh, "SELECT count(*) FROM policy_event") == n
    assert _count(wh, "SELECT count(DISTINCT event_id) FROM event_mineral") == _count(
        wh, "SELECT count(DISTINCT event_id) FROM event_mineral WHERE load_slice = 'catalogue'"
    )


def test_pib_day_swap_on_a_catalogue_date_keeps_catalogue_rows(wh):
    _catalogue(wh)
    before = {
        t: _count(wh, f"SELECT count(*) FROM {t} WHERE load_slice = 'catalogue'")
        for t in ("policy_event", "event_mineral", "event_country", "event_amount")
    }
    assert _count(wh, f"SELECT count(*) FROM policy_event WHERE event_id = '{REPM}'") == 1
    _load_pib_day(wh, REPM_DAY, [9100001, 9100002])
    for _ in range(2):  # the first load, then a rerun of the same day
        _tag_day(wh, REPM_DAY)
        assert _count(wh, "SELECT count(*) FROM policy_event WHERE origin = 'pib'") == 2
        for t, n in before.items():
            assert _count(wh, f"SELECT count(*) FROM {t} WHERE load_slice = 'catalogue'") == n, t
        assert _count(wh, f"SELECT count(*) FROM event_amount WHERE event_id = '{REPM}'") == 5
    # and reloading the catalogue leaves the PIB day alone
    _catalogue(wh)
    assert _count(wh, "SELECT count(*) FROM policy_event WHERE origin = 'pib'") == 2


def test_a_pib_event_of_a_catalogued_decision_is_linked_not_doubled(wh):
    _catalogue(wh)
    _load_pib_day(wh, REPM_DAY, [9100001, 9100002])
    _tag_day(wh, REPM_DAY)
    _load_pib_day(wh, date(2025, 11, 25), [2194182])
    _tag_day(wh, date(2025, 11, 25))
    store = wh.store()
    store.apply_marts()
    with store.read() as con:
        links = {
            r[0]: (r[1], r[2])
            for r in con.execute(
                "SELECT pib_event_id, catalogue_event_id, match_basis FROM event_catalogue_link"
            ).fetchall()
        }
        assert links == {"pib-9100001": (REPM, "rule"), "pib-2194182": (REVIEW, "prid")}
        shown = {
            r[0]
            for r in con.execute("SELECT DISTINCT event_id FROM mart_policy_timeline").fetchall()
        }
        n_events = con.execute("SELECT count(*) FROM policy_event").fetchone()[0]
        row = con.execute(
            "SELECT any_value(linked_pib_event_ids), any_value(source_prids), "
            "list(DISTINCT mineral_id) FROM mart_policy_timeline WHERE event_id = ?",
            [REPM],
        ).fetchone()
        context_ids = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT event_id FROM mart_event_trade_context"
            ).fetchall()
        }
    # one row per decision: the linked PIB events are folded into their catalogue events
    assert "pib-9100001" not in shown and "pib-2194182" not in shown
    assert {REPM, REVIEW, "pib-9100002"} <= shown
    assert len(shown) == n_events - 2
    assert row[0] == ["pib-9100001"] and 9100001 in row[1] and row[2] == ["ree"]
    assert "pib-9100001" not in context_ids and REPM in context_ids


def test_recall_check_counts_found_relevant_and_right_type_and_lists_misses(wh):
    _catalogue(wh)
    _load_pib_day(wh, date(2025, 11, 25), [2194182])
    _tag_day(wh, date(2025, 11, 25))
    with wh.store().read() as con:
        ok = warehouse_catalogue_recall(con)
    assert (ok["checkable"], ok["found"], ok["relevant"], ok["right_type"]) == (1, 1, 1, 1)
    assert ok["misses"] == [] and ok["recall"] == 1.0
    # Tranche VII's PRID is listed on a loaded day but its page never loaded: a miss
    RELEASES.setdefault(2243514, (date(2026, 3, 22), "", "Tranche VII", "", ""))
    _load_pib_day(wh, date(2026, 3, 22), [], listed_only=[2243514])
    with wh.store().read() as con:
        miss = warehouse_catalogue_recall(con)
    assert miss["checkable"] == 2 and miss["right_type"] == 1
    assert miss["misses"] == [
        {
            "catalogue_event_id": "cat-in-2026-03-23-auction-tranche-7",
            "prid": 2243514,
            "expected_type": "auction_launch",
            "stage": "not_found",
        }
    ]


def test_catalogue_recall_stages():
    expected = [("cat-a", 1, "scheme"), ("cat-b", 2, "scheme"), ("cat-c", 3, "mission")]
    expected += [("cat-d", 4, "scheme"), ("cat-e", 5, "scheme")]
    events = [("pib-1", "scheme", [1]), ("pib-3", "scheme", [3, 33])]
    r = catalogue_recall(expected, checkable={1, 2, 3, 4}, found={1, 3, 4}, pib_events=events)
    assert (r["checkable"], r["found"], r["relevant"], r["right_type"]) == (4, 3, 2, 1)
    stages = {m["catalogue_event_id"]: m["stage"] for m in r["misses"]}
    assert stages == {"cat-b": "not_found", "cat-c": "wrong_type", "cat-d": "not_relevant"}
    assert r["recall"] == 0.25
    assert catalogue_recall(expected, set(), set(), [])["recall"] is None


def test_tagger_evaluation_reports_catalogue_recall_on_the_snapshot_days(instance):
    from pipelines.settings import load_settings

    http = HttpSources(mode="replay", snapshot_dir=str(load_settings().snapshot_dir))
    result = dg.materialize([tagger_evaluation], resources={"http": http}, instance=instance)
    (mat,) = result.asset_materializations_for_node("tagger_evaluation")
    md = {k: v.value for k, v in mat.metadata.items()}
    # 2194182 (2025-11-25) is on an in-sample day; 1996380 (2024-01-15) on a held-out day
    assert md["catalogue_recall_checkable"] == 2
    assert md["catalogue_recall_found"] == 2
    assert (
        md["catalogue_recall_relevant"]
        + len([m for m in md["catalogue_recall_misses"] if m["stage"] == "not_relevant"])
        == 2
    )
    assert md["catalogue_recall_right_type"] + len(md["catalogue_recall_misses"]) == 2

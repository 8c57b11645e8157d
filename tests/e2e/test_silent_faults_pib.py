"""Issue 9's silent PIB faults, replayed through the real client, parser, asset and store.

Each test loads 2025-11-25 from an intact copy of the bundled snapshot, then breaks one answer
and reruns the day: the run must fail (or recover), and the warehouse must still hold the
previous good rows.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from assets.pib.assets import pib_release, pib_release_no_parse_failures
from pipelines.resources import HttpSources, Warehouse
from tests.e2e._snapshot_faults import FaultySnapshot, listing_post, release_get

DAY = "2025-11-25"
GOOD_PRID = 2194105  # Ministry of Commerce & Industry, parses cleanly in the snapshot


@pytest.fixture()
def snap(tmp_path) -> FaultySnapshot:
    return FaultySnapshot(tmp_path / "snapshot", sources=("pib",))


def _run(snap: FaultySnapshot, tmp_path, *, checks: bool = False, config: dict | None = None):
    res = {
        "http": HttpSources(
            mode="replay", snapshot_dir=str(snap.root), raw_dir=str(tmp_path / "raw")
        ),
        "warehouse": Warehouse(
            path=str(tmp_path / "w.duckdb"), reader_path=str(tmp_path / "r.duckdb")
        ),
    }
    assets = [pib_release, pib_release_no_parse_failures] if checks else [pib_release]
    return dg.materialize(
        assets,
        resources=res,
        partition_key=DAY,
        raise_on_error=False,
        run_config={"ops": {"pib_release": {"config": config}}} if config else None,
    )


def _rows(tmp_path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _state(tmp_path) -> tuple[list, list]:
    listing = _rows(tmp_path, "SELECT prid, title FROM pib_listing ORDER BY prid")
    releases = _rows(
        tmp_path, "SELECT prid, title, body_text, _raw_sha256 FROM pib_release ORDER BY prid"
    )
    return listing, releases


def _failure_text(result) -> str:
    events = [e for e in result.all_events if e.is_step_failure]
    assert events, "the run should have failed"
    return "\n".join(str(e.step_failure_data.error) for e in events)


def test_listing_cut_short_fails_the_day_and_keeps_the_previous_rows(snap, tmp_path):
    assert _run(snap, tmp_path).success
    before = _state(tmp_path)
    assert len(before[0]) == 52
    snap.rewrite_body("pib", listing_post(25), lambda b: b[: int(len(b) * 0.6)])
    result = _run(snap, tmp_path)
    assert not result.success
    assert DAY in _failure_text(result)
    assert _state(tmp_path) == before


def test_listing_cut_short_on_a_first_load_loads_nothing(snap, tmp_path):
    snap.rewrite_body("pib", listing_post(25), lambda b: b[: int(len(b) * 0.6)])
    result = _run(snap, tmp_path)
    assert not result.success
    assert "2025-11-25" in _failure_text(result)
    db = tmp_path / "w.duckdb"  # nothing was written: no file, or a file without rows
    assert not db.exists() or _rows(tmp_path, "SELECT count(*) FROM pib_listing") == [(0,)]


def test_renamed_ministry_heading_class_still_lists_every_release(snap, tmp_path):
    assert _run(snap, tmp_path).success
    before = _state(tmp_path)
    snap.rewrite_body(
        "pib", listing_post(25), lambda b: b.replace(b'class="font104"', b'class="hd-ministry"')
    )
    assert _run(snap, tmp_path).success
    assert _state(tmp_path)[0] == before[0]
    assert [r[0] for r in _state(tmp_path)[1]] == [r[0] for r in before[1]]


def test_release_cut_inside_its_body_is_a_failure_and_the_old_row_stays(snap, tmp_path):
    assert _run(snap, tmp_path).success
    before = _state(tmp_path)
    page = snap.body("pib", release_get(GOOD_PRID))
    # inside the body: after the posting line and the first paragraph, before the end markers
    cut = page.index(b"</p>", page.index(b"PrDateTime")) + 4
    assert cut < page.index(b"ReleaseId")
    snap.rewrite_body("pib", release_get(GOOD_PRID), lambda b: b[:cut])
    result = _run(snap, tmp_path, checks=True)
    assert result.success  # one bad page does not fail the range
    assert _state(tmp_path)[1] == before[1]  # the previous good text is kept
    failure = _rows(
        tmp_path, f"SELECT error_type, error FROM pib_parse_failure WHERE prid = {GOOD_PRID}"
    )
    assert failure and "Truncat" in failure[0][0], failure
    check = result.get_asset_check_evaluations()[0]
    assert not check.passed


def test_rerun_while_a_release_answers_503_keeps_its_good_row(snap, tmp_path):
    assert _run(snap, tmp_path).success
    before = _state(tmp_path)
    assert GOOD_PRID in [r[0] for r in before[1]]
    assert snap.answer_status("pib", release_get(GOOD_PRID), 503) == 1
    result = _run(snap, tmp_path, checks=True)
    assert result.success
    assert _state(tmp_path) == before
    failure = _rows(
        tmp_path, f"SELECT error_type, url, error FROM pib_parse_failure WHERE prid = {GOOD_PRID}"
    )
    assert failure[0][0] == "GaveUpError"
    assert f"PRID={GOOD_PRID}" in failure[0][1] and "503" in failure[0][2]
    mats = result.asset_materializations_for_node("pib_release")
    assert mats[0].metadata["kept_previous_prids"].value == [GOOD_PRID]
    assert not result.get_asset_check_evaluations()[0].passed


def test_an_unexpected_exception_on_one_page_is_a_failure_row_not_a_failed_run(
    snap, tmp_path, monkeypatch
):
    import assets.pib.assets as pib_assets

    real = pib_assets.parse_release

    def explode_on_one(content, url, prid):
        if prid == GOOD_PRID:
            raise RecursionError("maximum recursion depth exceeded")
        return real(content, url, prid)

    monkeypatch.setattr(pib_assets, "parse_release", explode_on_one)
    result = _run(snap, tmp_path)
    assert result.success
    row = _rows(
        tmp_path, f"SELECT error_type, error FROM pib_parse_failure WHERE prid = {GOOD_PRID}"
    )
    assert row[0][0] == "RecursionError"
    assert f"PRID {GOOD_PRID}" in row[0][1] and "url=" in row[0][1]
    assert _rows(tmp_path, "SELECT count(*) FROM pib_release")[0][0] > 5


def test_a_day_that_lost_most_releases_needs_allow_shrink(snap, tmp_path):
    assert _run(snap, tmp_path).success
    before = _state(tmp_path)
    narrow = {"ministries": ["Ministry of Coal"], "use_title_terms": False}
    result = _run(snap, tmp_path, config=narrow)
    assert not result.success
    assert "shrink guard" in _failure_text(result)
    assert _state(tmp_path) == before
    assert _run(snap, tmp_path, config={**narrow, "allow_shrink": True}).success
    assert len(_state(tmp_path)[1]) < len(before[1])

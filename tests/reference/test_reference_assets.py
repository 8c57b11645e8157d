"""The reference assets through Dagster: bad input fails loudly and keeps the old contents."""

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.reference.assets import dim_country, dim_hs_code, dim_mineral, reference_checks
from pipelines.resources import HttpSources, Warehouse

REPO = Path(__file__).resolve().parents[2]


def resources(tmp: Path, snapshot: Path) -> dict:
    return {
        "http": HttpSources(mode="replay", snapshot_dir=str(snapshot), raw_dir=str(tmp / "raw")),
        "warehouse": Warehouse(path=str(tmp / "w.duckdb"), reader_path=str(tmp / "r.duckdb")),
    }


def corrupt_reporters(snapshot: Path) -> None:
    """Make record 3 of Reporters.json carry a non-integer reporterCode."""
    index = snapshot / "comtrade_ref" / "exchanges.jsonl"
    for line in index.read_text().splitlines():
        ex = json.loads(line)
        if ex["url"].endswith("Reporters.json"):
            body = snapshot / "comtrade_ref" / ex["body"]
            doc = json.loads(body.read_text(encoding="utf-8-sig"))
            doc["results"][3]["reporterCode"] = "not-a-number"
            body.write_text(json.dumps(doc))


def test_malformed_reference_file_names_file_and_field_and_keeps_old_rows(tmp_path):
    snap = tmp_path / "snapshot"
    shutil.copytree(REPO / "snapshot" / "comtrade_ref", snap / "comtrade_ref")
    res = resources(tmp_path, snap)
    first = dg.materialize([dim_mineral, dim_hs_code, dim_country], resources=res)
    assert first.success
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    before = con.execute("SELECT count(*), sum(area_code) FROM dim_country").fetchone()
    con.close()

    corrupt_reporters(snap)
    with pytest.raises(Exception) as err:
        dg.materialize([dim_country], resources=resources(tmp_path, snap))
    msg = str(err.value)
    assert "Reporters.json" in msg and "reporterCode" in msg

    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT count(*), sum(area_code) FROM dim_country").fetchone() == before
    con.close()


def test_reference_checks_pass_on_the_bundled_snapshot(tmp_path):
    res = resources(tmp_path, REPO / "snapshot")
    result = dg.materialize(
        [dim_mineral, dim_hs_code, dim_country, *reference_checks], resources=res
    )
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == sum(len(c.check_keys) for c in reference_checks)
    assert [e.check_name for e in evaluations if not e.passed] == []


def test_a_code_absent_from_its_edition_fails_the_blocking_check(tmp_path, monkeypatch):
    import assets.reference.assets as ref

    bad_map = tmp_path / "map.csv"
    text = (REPO / "warehouse" / "reference" / "hs_mineral_map.csv").read_text()
    header = text.splitlines()[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(
        mineral_id="cadmium",
        hs6="810720",
        edition="H6",
        stage="metal",
        specificity="specific",
        description="Unwrought cadmium (HS 2017 code)",
    )
    bad_map.write_text(text.rstrip("\n") + "\n" + ",".join(row[h] for h in header) + "\n")
    monkeypatch.setattr(ref, "HS_MAP_CSV", bad_map)

    result = dg.materialize(
        [ref.dim_mineral, ref.dim_hs_code, ref.dim_hs_code_codes_exist_in_edition],
        resources=resources(tmp_path, REPO / "snapshot"),
        raise_on_error=False,
    )
    (evaluation,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "dim_hs_code_codes_exist_in_edition"
    ]
    assert not evaluation.passed
    assert "810720" in evaluation.metadata["invalid"].value
    assert ref.dim_hs_code_codes_exist_in_edition.check_specs_by_output_name
    spec = next(iter(ref.dim_hs_code_codes_exist_in_edition.check_specs))
    assert spec.blocking


def test_breaking_a_mapped_code_fails_the_check_and_keeps_the_other_rows(tmp_path, monkeypatch):
    """Lithium hydroxide mistyped as 282521 (not an HS 2022 code): the blocking check fails,
    names the code, and the rest of the map still validates against the full lists."""
    import assets.reference.assets as ref

    text = (REPO / "warehouse" / "reference" / "hs_mineral_map.csv").read_text()
    assert "lithium,282520,H6," in text
    bad_map = tmp_path / "map.csv"
    bad_map.write_text(text.replace("lithium,282520,H6,", "lithium,282521,H6,"))
    monkeypatch.setattr(ref, "HS_MAP_CSV", bad_map)

    result = dg.materialize(
        [ref.dim_mineral, ref.dim_hs_code, ref.dim_hs_code_codes_exist_in_edition],
        resources=resources(tmp_path, REPO / "snapshot"),
        raise_on_error=False,
    )
    (evaluation,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "dim_hs_code_codes_exist_in_edition"
    ]
    assert not evaluation.passed
    assert evaluation.metadata["invalid_count"].value == 1
    assert "282521" in evaluation.metadata["invalid"].value
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE validated) FROM dim_hs_code"
        ).fetchone()
        official = con.execute(
            "SELECT official_description FROM dim_hs_code WHERE hs6 = '282520' AND hs_edition = 'H5'"
        ).fetchone()
    finally:
        con.close()
    assert rows == (334, 333)
    assert official == ("Lithium oxide and hydroxide",)

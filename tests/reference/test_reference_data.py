"""Reference inputs for dim_mineral, dim_hs_code and dim_country, on the bundled snapshot."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from assets.reference.headings import load_heading_map, parse_hs_headings, validate_headings
from assets.reference.parse import (
    ReferenceDataError,
    load_hs_map_csv,
    load_minerals_csv,
    parse_countries,
    parse_hs_reference,
    parse_quantity_units,
    validate_hs_map,
)
from assets.reference.policy import (
    COMTRADE_REF_POLICY,
    REFERENCE_URLS,
    fetch_reference_files,
)
from pipelines.http import Fetched, Mode, SourceClient

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "snapshot" / "comtrade_ref"
MINERALS_CSV = ROOT / "warehouse" / "reference" / "critical_minerals.csv"
MAP_CSV = ROOT / "warehouse" / "reference" / "hs_mineral_map.csv"
SRC = ROOT / "tools" / "snapshots" / "comtrade_ref_src"
SHARED = ROOT.parent / "shared" / "data" / "comtrade_reference"

H6_ONLY = [
    "810610",
    "810690",
    "811261",
    "811269",
    "810921",
    "810929",
    "810931",
    "810939",
    "810991",
    "810999",
    "811231",
    "811239",
    "811241",
    "811249",
    "810391",
    "810399",
]
H5_ONLY = ["810600", "810720", "810730", "810790", "810920", "810930", "810990", "810390"]


@pytest.fixture(scope="module")
def fetched() -> dict[str, Fetched]:
    with SourceClient(COMTRADE_REF_POLICY, Mode.REPLAY, snapshot_dir=SNAPSHOT) as client:
        got = fetch_reference_files(client)
        assert client.stats.replayed == 5 and client.stats.live == 0
    return got


@pytest.fixture(scope="module")
def refs(fetched: dict[str, Fetched]) -> dict[str, pl.DataFrame]:
    return {ed: parse_hs_reference(fetched[ed].content, ed, fetched[ed].url) for ed in ("H5", "H6")}


@pytest.fixture(scope="module")
def countries(fetched: dict[str, Fetched]) -> pl.DataFrame:
    return parse_countries(
        fetched["reporters"].content,
        fetched["partners"].content,
        (fetched["reporters"].url, fetched["partners"].url),
    )


@pytest.fixture(scope="module")
def minerals() -> pl.DataFrame:
    return load_minerals_csv(MINERALS_CSV)


@pytest.fixture(scope="module")
def hs_map() -> pl.DataFrame:
    return load_hs_map_csv(MAP_CSV)


# --------------------------------------------------------------------------- policy + fetch


def test_policy_and_urls():
    assert COMTRADE_REF_POLICY.name == "comtrade_ref"
    assert COMTRADE_REF_POLICY.allowed_hosts == frozenset({"comtradeapi.un.org"})
    assert COMTRADE_REF_POLICY.min_interval_s == 1.0
    assert {429, 500, 502, 503, 504} <= COMTRADE_REF_POLICY.retry_statuses
    assert COMTRADE_REF_POLICY.max_bytes == 50 * 1024 * 1024
    base = "https://comtradeapi.un.org/files/v1/app/reference/"
    assert list(REFERENCE_URLS.values()) == [
        base + "H5.json",
        base + "H6.json",
        base + "Reporters.json",
        base + "partnerAreas.json",
        base + "QuantityUnits.json",
    ]


def test_snapshot_replays_every_reference_url(fetched: dict[str, Fetched]):
    assert set(fetched) == set(REFERENCE_URLS)
    for key, f in fetched.items():
        assert f.url == REFERENCE_URLS[key]
        assert f.status == 200 and f.replayed
        assert f.headers["content-type"] == "application/json"


def test_hs_files_have_the_real_shape(fetched: dict[str, Fetched]):
    raw = fetched["H5"].content
    assert b"\r\n\t" in raw  # CRLF + tab whitespace like the real blobs
    doc = json.loads(raw)
    assert doc["more"] is False and doc["minimumInputLength"] == 2 and doc["classCode"] == "H5"
    rec = next(r for r in doc["results"] if r["id"] == "283691")
    assert rec == {
        "id": "283691",
        "text": "283691 - Carbonates; lithium carbonate",
        "parent": "2836",
        "isLeaf": "1",
        "aggrLevel": 6,
        "standardUnitAbbr": "kg",
    }
    heading = next(r for r in doc["results"] if r["id"] == "2504")
    assert (heading["aggrLevel"], heading["isLeaf"], heading["parent"]) == (4, "0", "25")
    # the full official lists: every entry, and 5,388 / 5,613 six-digit codes
    for edition, entries, six in (("H5", 6709, 5388), ("H6", 6940, 5613)):
        results = json.loads(fetched[edition].content)["results"]
        assert len(results) == entries, edition
        assert sum(r["aggrLevel"] == 6 for r in results) == six, edition
        assert results[0]["id"] == "TOTAL" and results[0]["parent"] == "#"


def test_area_and_unit_files_have_the_real_shape(fetched: dict[str, Fetched]):
    reporters = json.loads(fetched["reporters"].content)["results"]
    partners = json.loads(fetched["partners"].content)["results"]
    assert (len(reporters), len(partners)) == (255, 310)
    india = next(r for r in reporters if r["id"] == 699)
    assert india == {
        "id": 699,
        "text": "India",
        "reporterCode": 699,
        "reporterDesc": "India",
        "reporterNote": "India",
        "reporterCodeIsoAlpha2": "IN",
        "reporterCodeIsoAlpha3": "IND",
        "entryEffectiveDate": "1975-01-01T00:00:00",
        "isGroup": False,
    }
    world = next(r for r in partners if r["id"] == 0)
    assert world["PartnerCodeIsoAlpha3"] == "W00" and "PartnerCodeIsoAlpha2" not in world
    assert world["isGroup"] is True and world["entryEffectiveDate"] == "1901-01-01T00:00:00"
    # the exact dates of the recorded real Reporters.json, and real quirks kept as served
    serbia = next(r for r in reporters if r["id"] == 891)
    assert serbia["entryExpiredDate"] == "2006-05-31T00:00:00"
    assert next(r for r in reporters if r["id"] == 975)["reporterCodeIsoAlpha3"] == "R4 "
    units = json.loads(fetched["qty_units"].content)["results"]
    assert len(units) == 41
    assert {"qtyCode": 8, "qtyAbbr": "kg", "qtyDescription": "Weight in kilograms"} in units


def test_reporters_file_is_byte_identical_to_a_recorded_real_one(fetched: dict[str, Fetched]):
    """Content-Length 80812 and Content-MD5 of a recorded real Reporters.json (comtradr fixture)."""
    body = fetched["reporters"].content
    assert len(body) == 80812
    assert base64.b64encode(hashlib.md5(body).digest()).decode() == "kIdb05NEGcYvZBFDlPOPcw=="


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data folder not beside the repository")
@pytest.mark.parametrize(
    "name", ["hs_H5.csv", "hs_H6.csv", "partner_areas.csv", "reporter_areas.csv", "qty_units.csv"]
)
def test_bundled_lists_are_unchanged_copies_of_the_official_lists(name: str):
    assert (SRC / name).read_bytes() == (SHARED / name).read_bytes()


# --------------------------------------------------------------------------- HS reference


def test_parse_hs_reference(refs: dict[str, pl.DataFrame]):
    for edition, df in refs.items():
        assert df.columns == ["hs6", "edition", "description", "parent", "is_leaf", "standard_unit"]
        assert df.get_column("edition").unique().to_list() == [edition]
        assert df.get_column("hs6").str.len_chars().unique().to_list() == [6]
        assert df.get_column("is_leaf").all()
    assert (refs["H5"].height, refs["H6"].height) == (5388, 5613)
    h5 = set(refs["H5"].get_column("hs6"))
    h6 = set(refs["H6"].get_column("hs6"))
    assert not h5 & set(H6_ONLY), "HS2022-only codes leaked into H5"
    assert not h6 & set(H5_ONLY), "HS2017-only codes leaked into H6"
    assert set(H6_ONLY) <= h6 and set(H5_ONLY) <= h5
    li = refs["H6"].filter(pl.col("hs6") == "283691").row(0, named=True)
    assert li["description"] == "Carbonates; lithium carbonate" and li["parent"] == "2836"


def test_hs_reference_edition_mismatch_is_an_error(fetched: dict[str, Fetched]):
    with pytest.raises(ReferenceDataError, match=r"H6\.json: field 'classCode'"):
        parse_hs_reference(fetched["H6"].content, "H5", REFERENCE_URLS["H6"])


# --------------------------------------------------------------------------- countries


def test_countries(countries: pl.DataFrame):
    assert countries.columns == [
        "area_code",
        "iso3",
        "iso2",
        "name",
        "is_reporter",
        "is_partner",
        "is_group",
        "valid_from",
        "valid_to",
    ]
    # every reporter and partner area: 310 partners, 255 reporters, 312 codes in all
    assert countries.height == 312
    assert countries.get_column("is_partner").sum() == 310
    assert countries.get_column("is_reporter").sum() == 255
    assert countries.get_column("area_code").is_unique().all()
    by_code = {r["area_code"]: r for r in countries.iter_rows(named=True)}

    india = by_code[699]
    assert (india["name"], india["iso3"], india["iso2"]) == ("India", "IND", "IN")
    assert india["is_reporter"] and india["is_partner"] and not india["is_group"]
    assert india["valid_from"] == date(1975, 1, 1) and india["valid_to"] is None

    old_india = by_code[356]
    assert old_india["valid_to"] == date(1974, 12, 31)

    world = by_code[0]
    assert world["name"] == "World" and world["is_group"] and world["iso3"] == "W00"
    assert world["is_partner"] and not world["is_reporter"]

    # Comtrade codes are not ISO numeric: 842 is "USA" (with Puerto Rico), 840 a partner-only
    # area; 251 France (with Monaco), 250 Metropolitan France.
    assert (by_code[842]["name"], by_code[842]["iso3"], by_code[842]["is_reporter"]) == (
        "USA",
        "USA",
        True,
    )
    assert by_code[840]["name"] == "United States of America" and not by_code[840]["is_reporter"]
    assert by_code[251]["name"] == "France" and by_code[250]["name"] == "Metropolitan France"
    assert by_code[579]["name"] == "Norway" and by_code[757]["name"] == "Switzerland"
    assert by_code[490]["iso3"] == "S19" and by_code[490]["iso2"] is None
    assert by_code[97]["is_group"] and not by_code[97]["is_partner"]
    groups = set(countries.filter(pl.col("is_group")).get_column("area_code"))
    assert groups == {0, 97, 490, 975}  # World, EU, Other Asia nes (as reporter), ASEAN
    assert {837, 838, 839, 899} <= by_code.keys()
    # ISO codes where Comtrade gives them (stripped of the file's trailing spaces), else null
    assert (by_code[899]["iso3"], by_code[899]["iso2"]) == ("_X", None)
    assert by_code[975]["iso3"] == "R4"
    assert countries.filter(pl.col("iso3").is_null()).height == 0
    assert by_code[756]["name"] == "Switzerland"  # "Switzerland " in the file
    names = {by_code[c]["name"] for c in (410, 180, 156, 792, 704, 643, 826)}
    assert names == {
        "Rep. of Korea",
        "Dem. Rep. of the Congo",
        "China",
        "Türkiye",
        "Viet Nam",
        "Russian Federation",
        "United Kingdom",
    }


# --------------------------------------------------------------------------- minerals + map


def test_minerals_csv(minerals: pl.DataFrame):
    assert minerals.height == 30
    assert minerals.get_column("mineral_id").is_unique().all()
    names = set(minerals.get_column("name"))
    assert {
        "Rare Earth Elements (REE)",
        "Platinum Group Elements (PGE)",
        "Phosphorous",
        "Potash",
        "Lithium",
        "Cadmium",
        "Selenium",
    } <= names
    not_part_d = set(minerals.filter(~pl.col("in_mmdr_part_d")).get_column("mineral_id"))
    assert not_part_d == {
        "antimony",
        "bismuth",
        "copper",
        "germanium",
        "hafnium",
        "silicon",
        "strontium",
    }
    assert minerals.get_column("in_list_since").unique().to_list() == [date(2023, 6, 28)]


def test_every_mapped_code_validates_against_its_edition(
    hs_map: pl.DataFrame, refs: dict[str, pl.DataFrame], minerals: pl.DataFrame
):
    validated, problems = validate_hs_map(hs_map, refs, minerals)
    assert problems == []
    assert validated.height == hs_map.height >= 150
    assert set(validated.get_column("mineral_id")) == set(minerals.get_column("mineral_id"))
    for edition in ("H5", "H6"):
        covered = set(validated.filter(pl.col("edition") == edition).get_column("mineral_id"))
        assert len(covered) == 30, edition
    row = validated.filter((pl.col("hs6") == "283691") & (pl.col("edition") == "H6")).row(
        0, named=True
    )
    assert row["description"] == "Carbonates; lithium carbonate"
    assert row["short_description"] == "Lithium carbonate"
    assert row["standard_unit"] == "kg"
    # Mixed codes appear once per mineral; edition-specific codes only where they exist.
    g = validated.filter((pl.col("hs6") == "811292") & (pl.col("edition") == "H5"))
    assert set(g.get_column("mineral_id")) == {
        "gallium",
        "germanium",
        "hafnium",
        "indium",
        "niobium",
        "rhenium",
        "vanadium",
    }
    assert validated.filter(pl.col("hs6").is_in(H6_ONLY) & (pl.col("edition") == "H5")).is_empty()
    assert validated.filter(pl.col("hs6").is_in(H5_ONLY) & (pl.col("edition") == "H6")).is_empty()


def test_code_in_wrong_edition_is_reported(
    hs_map: pl.DataFrame, refs: dict[str, pl.DataFrame], minerals: pl.DataFrame
):
    wrong = pl.DataFrame(
        [
            ("bismuth", "810600", "H6", "metal", "specific", "Bismuth (HS2017 code)", None),
            ("cadmium", "811261", "H5", "scrap", "specific", "Cadmium scrap (HS2022)", None),
        ],
        schema=hs_map.schema,
        orient="row",
    )
    validated, problems = validate_hs_map(pl.concat([hs_map, wrong]), refs, minerals)
    assert validated.height == hs_map.height
    assert any("810600 (bismuth) is not in the H6 reference list" in p for p in problems)
    assert any("811261 (cadmium) is not in the H5 reference list" in p for p in problems)
    assert len(problems) == 2


@pytest.mark.parametrize(
    ("hs6", "edition"),
    [
        ("811291", "H6"),  # in public "critical mineral" code lists; exists in neither edition
        ("282521", "H5"),  # one digit off lithium hydroxide (282520)
        ("2825", "H6"),  # the heading, not a 6-digit code (the CSV accepts only 6 digits)
        ("282200", "H4"),  # an edition without a reference list
    ],
)
def test_breaking_one_mapped_code_is_reported(
    hs_map: pl.DataFrame,
    refs: dict[str, pl.DataFrame],
    minerals: pl.DataFrame,
    hs6: str,
    edition: str,
):
    """Replace the lithium hydroxide row by a code that is not in the official list."""
    target = (pl.col("mineral_id") == "lithium") & (pl.col("hs6") == "282520")
    target = target & (pl.col("edition") == "H6")
    broken = hs_map.with_columns(
        pl.when(target).then(pl.lit(hs6)).otherwise(pl.col("hs6")).alias("hs6"),
        pl.when(target).then(pl.lit(edition)).otherwise(pl.col("edition")).alias("edition"),
    )
    validated, problems = validate_hs_map(broken, refs, minerals)
    expected = (
        "no reference list for edition H4"
        if edition == "H4"
        else f"{hs6} (lithium) is not in the {edition} reference list ({edition}.json)"
    )
    assert [p for p in problems if expected in p], problems
    assert validated.height == hs_map.height - 1
    assert validated.filter((pl.col("hs6") == hs6) & (pl.col("edition") == edition)).is_empty()


def test_quantity_units(fetched: dict[str, Fetched]):
    units = parse_quantity_units(fetched["qty_units"].content, fetched["qty_units"].url)
    assert units.columns == ["qty_code", "qty_abbr", "description"]
    assert units.height == 41
    by_code = dict(units.select("qty_code", "qty_abbr").rows())
    assert by_code[8] == "kg" and by_code[-1] == "N/A" and by_code[5] == "u"
    doc = json.loads(fetched["qty_units"].content)
    doc["results"][7]["qtyCode"] = "eight"
    with pytest.raises(ReferenceDataError, match=r"^QuantityUnits\.json: record 7 field 'qtyCode'"):
        parse_quantity_units(json.dumps(doc).encode())


def test_every_standard_unit_of_the_lists_is_a_quantity_unit(
    fetched: dict[str, Fetched], refs: dict[str, pl.DataFrame]
):
    units = parse_quantity_units(fetched["qty_units"].content)
    known = set(units.get_column("qty_abbr"))
    for edition, ref in refs.items():
        used = set(ref.get_column("standard_unit").drop_nulls())
        assert used <= known, (edition, used - known)


def test_unknown_standard_unit_is_reported(
    hs_map: pl.DataFrame, refs: dict[str, pl.DataFrame], minerals: pl.DataFrame,
    fetched: dict[str, Fetched],
):  # fmt: skip
    units = parse_quantity_units(fetched["qty_units"].content)
    _, problems = validate_hs_map(hs_map, refs, minerals, units)
    assert problems == []
    no_kg = units.filter(pl.col("qty_abbr") != "kg")
    _, problems = validate_hs_map(hs_map, refs, minerals, no_kg)
    assert any("282520 (lithium, H6) has standard unit 'kg'" in p for p in problems)


def test_missing_edition_reference_and_uncovered_mineral_are_reported(
    hs_map: pl.DataFrame, refs: dict[str, pl.DataFrame], minerals: pl.DataFrame
):
    no_tellurium = hs_map.filter(pl.col("mineral_id") != "tellurium")
    _, problems = validate_hs_map(no_tellurium, {"H5": refs["H5"]}, minerals)
    assert any("no reference list for edition H6" in p for p in problems)
    assert any("mineral 'tellurium' has no valid code in H5" in p for p in problems)


# --------------------------------------------------------------------------- malformed inputs


def _reporters_doc(fetched: dict[str, Fetched]) -> dict:
    return json.loads(fetched["reporters"].content)


def test_non_integer_reporter_code(fetched: dict[str, Fetched]):
    doc = _reporters_doc(fetched)
    doc["results"][12]["reporterCode"] = "IND"
    with pytest.raises(ReferenceDataError) as err:
        parse_countries(json.dumps(doc).encode(), fetched["partners"].content)
    msg = str(err.value)
    assert msg.startswith("Reporters.json: record 12 field 'reporterCode' is not an integer")
    assert REFERENCE_URLS["reporters"] in msg


def test_missing_results_key(fetched: dict[str, Fetched]):
    body = json.dumps({"more": False, "data": []}).encode()
    with pytest.raises(ReferenceDataError, match=r"^partnerAreas\.json: top-level key 'results'"):
        parse_countries(fetched["reporters"].content, body)
    with pytest.raises(ReferenceDataError, match=r"^H5\.json: top-level key 'results'"):
        parse_hs_reference(body, "H5", REFERENCE_URLS["H5"])


def test_bad_hs_record_and_not_json(fetched: dict[str, Fetched]):
    doc = json.loads(fetched["H5"].content)
    idx = next(i for i, r in enumerate(doc["results"]) if r["id"] == "260500")
    doc["results"][idx]["isLeaf"] = "maybe"
    with pytest.raises(ReferenceDataError, match=rf"H5\.json: record {idx} field 'isLeaf'"):
        parse_hs_reference(json.dumps(doc).encode(), "H5", REFERENCE_URLS["H5"])
    with pytest.raises(ReferenceDataError, match=r"H6\.json: is not valid JSON"):
        parse_hs_reference(b"<html>Service Unavailable</html>", "H6", REFERENCE_URLS["H6"])


def test_duplicate_area_code_and_missing_date(fetched: dict[str, Fetched]):
    doc = json.loads(fetched["partners"].content)
    doc["results"].append(dict(doc["results"][3]))
    with pytest.raises(ReferenceDataError, match=r"partnerAreas\.json: record \d+ field 'id'"):
        parse_countries(fetched["reporters"].content, json.dumps(doc).encode())
    doc = _reporters_doc(fetched)
    del doc["results"][0]["entryEffectiveDate"]
    with pytest.raises(ReferenceDataError, match="record 0 field 'entryEffectiveDate' is missing"):
        parse_countries(json.dumps(doc).encode(), fetched["partners"].content)


def _write_variant(tmp_path: Path, source: Path, edit) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines()
    out = tmp_path / source.name
    out.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return out


def test_blank_mineral_id(tmp_path: Path):
    def blank(lines: list[str]) -> list[str]:
        lines[3] = "," + lines[3].split(",", 1)[1]
        return lines

    path = _write_variant(tmp_path, MINERALS_CSV, blank)
    with pytest.raises(ReferenceDataError) as err:
        load_minerals_csv(path)
    msg = str(err.value)
    assert msg.startswith("critical_minerals.csv: column 'mineral_id' has nulls at line 4")


def test_bad_boolean_and_missing_column(tmp_path: Path):
    path = _write_variant(
        tmp_path, MINERALS_CSV, lambda ls: [ls[0]] + [ls[1].replace(",false,", ",nope,")] + ls[2:]
    )
    with pytest.raises(ReferenceDataError, match="column 'in_mmdr_part_d' is not a boolean"):
        load_minerals_csv(path)
    path = _write_variant(
        tmp_path, MINERALS_CSV, lambda ls: [ls[0].replace("symbol_or_group", "symbol")] + ls[1:]
    )
    with pytest.raises(ReferenceDataError, match="column 'symbol_or_group' is missing"):
        load_minerals_csv(path)


def test_bad_map_rows(tmp_path: Path):
    def bad_stage(lines: list[str]) -> list[str]:
        lines[1] = lines[1].replace(",ore,", ",rock,")
        return lines

    with pytest.raises(ReferenceDataError, match=r"hs_mineral_map\.csv: column 'stage' has values"):
        load_hs_map_csv(_write_variant(tmp_path, MAP_CSV, bad_stage))

    def short_code(lines: list[str]) -> list[str]:
        lines[1] = lines[1].replace("261710", "26171")
        return lines

    with pytest.raises(ReferenceDataError, match="column 'hs6' has values that do not match"):
        load_hs_map_csv(_write_variant(tmp_path, MAP_CSV, short_code))

    def duplicate(lines: list[str]) -> list[str]:
        return lines + [lines[1]]

    with pytest.raises(
        ReferenceDataError, match=r"duplicate key \('mineral_id', 'hs6', 'edition'\)"
    ):
        load_hs_map_csv(_write_variant(tmp_path, MAP_CSV, duplicate))

    def specific_twice(lines: list[str]) -> list[str]:
        lithium = next(ln for ln in lines if ln.startswith("lithium,283691,H6,"))
        return lines + [lithium.replace("lithium,", "strontium,", 1)]

    with pytest.raises(ReferenceDataError, match="rule 'specific_code_has_one_mineral' fails"):
        load_hs_map_csv(_write_variant(tmp_path, MAP_CSV, specific_twice))


# --------------------------------------------------------------------------- snapshot freshness


def test_bundled_snapshot_is_rebuilt_identically(tmp_path: Path):
    """The committed snapshot is exactly what the build script produces from its sources."""
    script = ROOT / "tools" / "snapshots" / "build_comtrade_reference.py"
    spec = importlib.util.spec_from_file_location("build_comtrade_reference", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path / "comtrade_ref")
    for rel in ["exchanges.jsonl", "README.md"]:
        assert (tmp_path / "comtrade_ref" / rel).read_bytes() == (SNAPSHOT / rel).read_bytes(), rel
    built = sorted(p.name for p in (tmp_path / "comtrade_ref" / "bodies").iterdir())
    assert built == sorted(p.name for p in (SNAPSHOT / "bodies").iterdir())


# --------------------------------------------------------------------------- HS headings


def _reference_body(edition: str) -> tuple[bytes, str]:
    """The bundled snapshot's official H5/H6 reference file (full list, real JSON shape)."""
    snap = Path(__file__).resolve().parents[2] / "snapshot" / "comtrade_ref"
    for line in (snap / "exchanges.jsonl").read_text().splitlines():
        ex = json.loads(line)
        if ex["url"].rstrip("/").endswith(f"/{edition}.json") and ex["status"] == 200:
            return (snap / ex["body"]).read_bytes(), ex["url"]
    raise AssertionError(f"no {edition} reference file in the snapshot")


def test_headings_come_from_the_official_list_at_aggr_level_4():
    body, url = _reference_body("H6")
    heads = parse_hs_headings(body, "H6", url)
    by = dict(heads.select("heading", "official_description").iter_rows())
    assert by["2504"] == "Graphite; natural"
    assert by["2822"] == "Cobalt oxides and hydroxides; commercial cobalt oxides"
    assert heads["heading"].str.len_chars().unique().to_list() == [4]
    assert heads.height > 1000  # every heading of HS 2022, not a subset


def test_heading_map_is_validated_against_the_list_and_the_hs6_map(tmp_path: Path):
    h5, u5 = _reference_body("H5")
    official = {"H5": parse_hs_headings(h5, "H5", u5)}
    bad = tmp_path / "hs_heading_map.csv"
    bad.write_text(
        "heading,edition,mineral_id,description,note\n"
        "2504,H5,graphite,Natural graphite,\n"
        "2599,H5,graphite,Not a heading,\n"
        "2822,H5,cobalt,Cobalt oxides,\n"
    )
    hs = pl.DataFrame(
        {
            "hs6": ["250410", "250490"],
            "hs_edition": ["H5", "H5"],
            "mineral_id": ["graphite", "graphite"],
            "validated": [True, True],
        }
    )
    table, problems = validate_headings(load_heading_map(bad), official, hs, {"graphite", "cobalt"})
    rows = {r["heading"]: r for r in table.iter_rows(named=True)}
    assert rows["2504"]["validated"] and rows["2504"]["hs6_codes_mapped"] == 2
    assert not rows["2599"]["validated"]
    assert rows["2822"]["hs6_codes_mapped"] == 0  # no cobalt HS6 under it in this map
    assert any("2599 H5 is not a heading" in p for p in problems)
    assert any("2822 H5: no validated HS6 code of cobalt" in p for p in problems)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("250,H5,graphite,x,", "column 'heading' is not a 4-digit HS heading"),
        ("2504,H7,graphite,x,", "column 'edition' is not H5 or H6"),
        ("2504,H5,,x,", "column 'mineral_id'"),
    ],
)
def test_bad_heading_map_lines_name_the_file_line_and_column(tmp_path: Path, line, message):
    path = tmp_path / "hs_heading_map.csv"
    path.write_text(f"heading,edition,mineral_id,description,note\n{line}\n")
    with pytest.raises(ReferenceDataError, match=message) as err:
        load_heading_map(path)
    assert "hs_heading_map.csv" in str(err.value) and "line 2" in str(err.value)

"""The event catalogue file: schema, vocabulary, coverage, and the validator's error messages."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from assets.events.catalogue import (
    CATALOGUE_PATH,
    CatalogueError,
    catalogue_frames,
    hs_prefix,
    load_catalogue,
    load_catalogue_vocab,
    looks_like_hs,
    validate_catalogue,
)

REPO = Path(__file__).resolve().parents[2]
AREAS = REPO / "tools" / "snapshots" / "comtrade_ref_src"  # Comtrade's area lists (CSV)
RESEARCH = REPO.parent / "shared" / "research"


def _areas() -> set[int]:
    codes = set()
    for name in ("reporter_areas.csv", "partner_areas.csv"):
        lines = (AREAS / name).read_text(encoding="utf-8").splitlines()[1:]
        codes |= {int(line.split(",", 1)[0]) for line in lines if line}
    return codes


@pytest.fixture(scope="module")
def events():
    return load_catalogue(known_areas=_areas())


@pytest.fixture(scope="module")
def by_id(events):
    return {e.id: e for e in events}


def test_catalogue_validates_against_the_vocabulary_and_comtrade_areas(events):
    vocab = load_catalogue_vocab()
    assert len(events) >= 60
    for e in events:
        assert e.type in vocab.event_types and e.status in vocab.statuses, e.id
        assert set(e.minerals) <= vocab.mineral_ids, e.id
        assert {a.role for a in e.countries} <= vocab.roles, e.id
        assert e.sources, e.id
        assert date(2017, 1, 1) <= e.date <= date(2026, 12, 31), e.id


def test_at_least_seven_chinese_controls_each_with_minerals_and_a_source(events):
    china = [e for e in events if e.is_china_export_control]
    assert len(china) >= 7
    for e in china:
        assert e.minerals and e.sources and e.effective_date, e.id
        assert all(u.startswith("http") for u in e.sources)
    suspensions = [e for e in china if e.relation == "suspends"]
    assert len(suspensions) >= 2 and all(e.direction == "liberalising" for e in suspensions)


def test_chinese_announcements_name_their_customs_codes(by_id):
    codes = {
        k: {c for _, c in by_id[k].hs_codes}
        for k in (
            "cn-2023-07-03-gallium-germanium-controls",
            "cn-2023-10-20-graphite-controls",
            "cn-2024-08-15-antimony-controls",
            "cn-2025-04-04-medium-heavy-rare-earth-controls",
        )
    }
    assert {"8112929010", "8112921010"} <= codes["cn-2023-07-03-gallium-germanium-controls"]
    assert {"2504101000", "3801100030"} <= codes["cn-2023-10-20-graphite-controls"]
    assert {"2617101000", "8110101000"} <= codes["cn-2024-08-15-antimony-controls"]
    assert {"2805301910", "2846901940"} <= codes["cn-2025-04-04-medium-heavy-rare-earth-controls"]
    for e in by_id.values():
        for _, c in e.hs_codes:
            assert looks_like_hs(c), (e.id, c)


def test_every_required_topic_is_covered(events, by_id):
    titles = " | ".join(e.title.lower() + " " + e.description.lower() for e in events)
    for needle in (
        "30 critical minerals",
        "mmdr amendment bill 2023",
        "mmdr amendment bill 2025",
        "national critical mineral mission",
        "recycling",
        "permanent magnet",
        "customs duty",
        "offshore",
        "exploration licence",
        "camyen",
        "critical minerals office",
        "enami",
        "irel",
        "minerals security partnership",
        "finance network",
        "icet",
        "trust",
        "quad",
        "chile",
        "peru",
    ):
        assert needle in titles, needle
    # every onshore tranche I-VII, the offshore tranche and the exploration licences, each
    # with a block count
    launches = [e for e in events if e.type == "auction_launch"]
    tranches = {m.group(1) for e in launches for m in [re.search(r"tranche-(\d)", e.id)] if m}
    assert {"1", "2", "3", "4", "5", "6", "7"} <= tranches
    for e in launches + [e for e in events if e.type == "auction_result"]:
        if e.id != "in-2026-09-30-offshore-andaman-auction":  # title only known
            assert any(a.kind == "block_count" and a.unit == "blocks" for a in e.amounts), e.id


def test_known_conflicts_keep_both_values_in_the_note(by_id):
    expect = {
        "in-2023-06-28-critical-minerals-list": ("14 June", "29 June"),
        "in-2023-08-02-mmdr-amendment-2023-passed": ("28 July", "26 July"),
        "in-2025-09-03-recycling-scheme-approved": ("9 Sep", "3 Sep"),
        "in-2023-05-11-irel-repm-plant": ("₹197 crore", "₹165 crore"),
        "in-2025-11-26-repm-scheme-approved": ("7,280", "7,300"),
        "in-2024-01-15-kabil-camyen-agreement": ("₹200 crore", "$24 million"),
    }
    for eid, values in expect.items():
        note = by_id[eid].note or ""
        for v in values:
            assert v in note, (eid, v)
        assert "used" in note, eid


def test_no_invented_prids():
    """Every PRID the catalogue gives is one the research notes document."""
    notes = RESEARCH / "pib.md"
    if not notes.exists():
        pytest.skip("shared/research is not beside the repository")
    text = notes.read_text(encoding="utf-8")
    rows = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    prids = [p for r in rows for p in r.get("prids") or []]
    assert prids
    for p in prids:
        assert str(p) in text, p


def test_frames_give_one_catalogue_slice_with_prefixed_ids(events):
    frames = catalogue_frames(events)
    ev = frames["policy_event"]
    assert ev.height == len(events)
    assert set(ev["load_slice"]) == {"catalogue"} and set(ev["origin"]) == {"catalogue"}
    assert all(i.startswith("cat-") for i in ev["event_id"])
    assert ev.filter(ev["source_prids"].list.len() > 0)["primary_prid"].null_count() == 0
    hs = frames["event_hs_code"]
    assert all(len(p) <= 6 and p == c[:6] for p, c in hs.select("hs_prefix", "hs_code").rows())
    keys = Counter(frames["event_country"].select("event_id", "actor_name", "role").rows())
    assert max(keys.values()) == 1


def test_hs_helpers():
    assert hs_prefix("8112.92.9010") == "811292"
    assert hs_prefix("2504") == "2504"
    assert looks_like_hs("28539030") and looks_like_hs("2504 10")
    assert not looks_like_hs("12345") and not looks_like_hs("9912345678")
    assert not looks_like_hs("abcd12")


GOOD = {
    "id": "x-2024-01-01-test",
    "date": "2024-01-01",
    "precision": "day",
    "jurisdiction": "IN",
    "type": "scheme",
    "status": "approved",
    "direction": "supportive",
    "title": "t",
    "description": "d",
    "sources": ["https://example.org/a"],
    "confidence": 0.9,
}


def _problems(**changes) -> list[str]:
    row = {**GOOD, **changes}
    row = {k: v for k, v in row.items() if v is not None}
    return validate_catalogue([row])[1]


def test_a_good_row_validates():
    events, problems = validate_catalogue([GOOD])
    assert not problems and events[0].event_id == "cat-x-2024-01-01-test"


@pytest.mark.parametrize(
    ("changes", "field", "cause"),
    [
        ({"type": "not_a_type"}, "type", "not in vocab/event_types.csv"),
        ({"status": "not_a_status"}, "status", "not in vocab/statuses.csv"),
        ({"minerals": ["unobtainium"]}, "minerals", "not a mineral_id"),
        ({"date": "2024-13-01"}, "date", "not an ISO date"),
        ({"precision": "month", "date": "2024-01-15"}, "date", "first day of the month"),
        ({"date": "2016-05-01"}, "date", "outside 2017"),
        ({"jurisdiction": "India"}, "jurisdiction", "ISO alpha-2"),
        ({"confidence": 1.5}, "confidence", "(0, 1]"),
        ({"sources": ["not a url"]}, "sources", "not an http(s) URL"),
        ({"countries": [[699, "X", "boss"]]}, "countries", "not in vocab/roles.csv"),
        ({"countries": [["IN", "X", "implementer"]]}, "countries", "integer"),
        ({"amounts": [[5, "rupees", "outlay", "5"]]}, "amounts", "unit 'rupees'"),
        ({"amounts": [[-5, "INR crore", "outlay", "5"]]}, "amounts", "positive"),
        ({"minerals": ["graphite"], "hs_codes": {"graphite": ["25A4"]}}, "hs_codes", "HS code"),
        ({"minerals": ["graphite"], "hs_codes": {"graphite": [250410]}}, "hs_codes", "quoted"),
        ({"hs_codes": {"graphite": ["250410"]}}, "hs_codes", "not in the event's minerals"),
        ({"related": ["nope"], "relation": "amends"}, "related", "unknown event"),
        ({"related": ["x-2024-01-01-test"], "relation": "hates"}, "relation", "not in"),
        ({"prids": [0]}, "prids", "positive integers"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"title": None}, "title", "missing"),
    ],
)
def test_errors_name_the_event_and_field(changes, field, cause):
    problems = _problems(**changes)
    assert any(
        p.startswith(f"event x-2024-01-01-test: field {field}:") and cause in p for p in problems
    ), problems


def test_duplicate_ids_and_prids_are_errors(tmp_path):
    other = {**GOOD, "prids": [7]}
    problems = validate_catalogue([other, {**GOOD, "prids": [7]}])[1]
    assert any("used 2 times" in p for p in problems)
    assert any("field prids: 7 already on" in p for p in problems)
    bad = tmp_path / "c.yaml"
    bad.write_text(yaml.safe_dump([{**GOOD, "type": "nonsense"}]), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"(?s)c\.yaml: 1 problem.*field type"):
        load_catalogue(bad)

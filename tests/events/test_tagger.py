"""Unit tests of the tagger: amounts, minerals (with basis), actor roles, vocabulary integrity."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assets.events.tagger import (
    extract_amounts,
    find_actors,
    find_minerals,
    load_vocab,
    tag_release,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def vocab():
    return load_vocab()


@pytest.mark.parametrize(
    ("text", "value", "unit", "value_inr"),
    [
        ("an outlay of ₹1,500 crore", 1500.0, "INR crore", 1.5e10),
        ("an outlay of Rs. 7,280 crore", 7280.0, "INR crore", 7.28e10),
        ("an expenditure of ₹16,300 crore", 16300.0, "INR crore", 1.63e11),
        ("a grant of ₹1,00,000", 0.01, "INR crore", 1e5),
        ("a grant of ₹50 lakh", 0.5, "INR crore", 5e6),
        ("Rs 2.5 lakh crore", None, None, None),  # not a supported scale: no crash
        ("funding of US$ 200 million", 200.0, "USD million", None),
        ("USD 1.2 billion", 1200.0, "USD million", None),
        ("Australia committed A$ 5 million", 5.0, "AUD million", None),
        ("capacity of 6,000 MTPA", 6000.0, "tonnes per year", None),
        ("about 3 lakh tonnes of annual recycling capacity", 300000.0, "tonnes per year", None),
        ("3 lakh tonnes", 300000.0, "tonnes", None),
        ("19 blocks", 19.0, "blocks", None),
        ("an area of about 1,200 hectares", 1200.0, "hectares", None),
    ],
)
def test_amount_values(vocab, text, value, unit, value_inr):
    got = extract_amounts(text, vocab)
    if value is None:
        return
    assert len(got) == 1, got
    a = got[0]
    assert a.value == pytest.approx(value) and a.unit == unit
    assert (a.value_inr == pytest.approx(value_inr)) if value_inr else a.value_inr is None


def test_amount_kinds_follow_cues(vocab):
    text = (
        "The total outlay of ₹7,280 crore comprises sales-linked incentives of ₹6,450 crore over five "
        "years and a capital subsidy of ₹750 crore. The total incentive per entity is capped at ₹50 crore "
        "for large entities and ₹25 crore for small entities. It will bring in an investment of about "
        "₹8,000 crore. The total capacity of 6,000 MTPA will be allocated, with each beneficiary eligible "
        "for up to 1,200 MTPA. The tranche offers 23 mineral blocks covering 1,200 hectares."
    )
    got = {(a.value, a.kind) for a in extract_amounts(text, vocab)}
    assert got == {
        (7280, "outlay"),
        (6450, "incentive"),
        (750, "capex_subsidy"),
        (50, "cap"),
        (25, "cap"),
        (8000, "investment"),
        (6000, "capacity"),
        (1200, "cap"),
        (23, "block_count"),
        (1200, "area"),
    }


def test_amount_after_cue_and_table_rows(vocab):
    got = extract_amounts(
        "review of the ₹1,500 crore Incentive Scheme\n\nI | 29 November 2023 | 20 blocks", vocab
    )
    assert [(a.value, a.kind) for a in got] == [(1500, "outlay")]


def test_minerals_synonyms_and_basis(vocab):
    rel = {
        "title": "Cabinet approves scheme for Rare Earth Permanent Magnets",
        "subtitles": [],
        "body_text": (
            "Feedstock includes spent lithium-ion battery scrap and catalytic converters. Blocks contain "
            "rock phosphate, glauconite, spodumene, PGE and SmCo magnets. Hindustan Copper Limited is a partner."
        ),
    }
    got = {m.mineral_id: m for m in find_minerals(rel, vocab)}
    assert got["ree"].basis == "title" and got["ree"].confidence > got["lithium"].confidence
    assert got["lithium"].basis == "body"
    assert got["phosphorus"].basis == got["potash"].basis == "body"
    assert got["cobalt"].basis == "body"  # SmCo -> ree and cobalt
    assert got["pge"].basis == "body"  # stated PGE beats the inferred catalytic converters
    assert "copper" not in got  # an actor's name is not a mineral mention
    only_inferred = find_minerals(
        {"title": "x", "body_text": "scrap from catalytic converters"}, vocab
    )
    assert [(m.mineral_id, m.basis) for m in only_inferred] == [("pge", "inferred")]


def test_mineral_ids_are_reference_slugs(vocab):
    with (ROOT / "warehouse" / "reference" / "critical_minerals.csv").open(encoding="utf-8") as fh:
        slugs = {r["mineral_id"] for r in csv.DictReader(fh)}
    assert {mid for _, mid, _, _ in vocab.minerals} <= slugs
    assert vocab.mineral_ids == slugs


def test_actor_roles_signing(vocab):
    rel = {"title": "KABIL signs agreement with CAMYEN of Catamarca, Argentina", "body_text": ""}
    got = {(a.name, a.area_code, a.role) for a in find_actors(rel, vocab, "Ministry of Mines")}
    assert ("KABIL", 699, "signatory") in got
    assert ("CAMYEN SE", 32, "counterparty") in got
    assert ("Argentina", 32, "counterparty") in got
    assert ("Ministry of Mines", 699, "implementer") in got


def test_actor_roles_approver_implementer_and_demonyms(vocab):
    rel = {
        "title": "Cabinet approves Scheme",
        "body_text": "The scheme will be implemented by the Ministry of Heavy Industries. "
        "Argentine, Chilean and Peruvian firms may apply.",
    }
    got = {(a.name, a.area_code, a.role) for a in find_actors(rel, vocab, "Cabinet")}
    assert ("Union Cabinet", 699, "approver") in got
    assert ("Ministry of Heavy Industries", 699, "implementer") in got
    # demonyms with no role cue in their sentence are not actors of the event
    assert {c for _, c, _ in got} == {699}
    rel["body_text"] += " The Argentine, Chilean and Peruvian delegations attended the launch."
    got = {(a.name, a.area_code, a.role) for a in find_actors(rel, vocab, "Cabinet")}
    # one cue ("delegations") is shared by the coordinated demonyms
    assert {c for _, c, _ in got} == {699, 32, 152, 604}


def test_groups_expand_only_when_no_foreign_country_in_title(vocab):
    quad = tag_release(
        {"prid": 1, "title": "Quad launches Critical Minerals Initiative", "body_text": ""}, vocab
    )
    assert set(quad.countries) == {842, 699, 392, 36}
    bilateral = tag_release(
        {
            "prid": 2,
            "title": "India and United States Review Critical Minerals Cooperation under "
            "Minerals Security Partnership",
            "body_text": "",
        },
        vocab,
    )
    assert set(bilateral.countries) == {699, 842}


def test_event_type_cabinet_approval_only_for_later_acts(vocab):
    mou = tag_release(
        {
            "prid": 1,
            "ministry": "Cabinet",
            "title": "Cabinet approves signing of MoU "
            "between India and Peru on cooperation in critical minerals",
            "body_text": "",
        },
        vocab,
    )
    assert (mou.event_type, mou.status) == ("cabinet_approval", "approved")
    assert 604 in mou.countries
    scheme = tag_release(
        {
            "prid": 2,
            "ministry": "Cabinet",
            "title": "Cabinet approves Scheme to Promote "
            "Manufacturing of Sintered Rare Earth Permanent Magnets",
            "body_text": "",
        },
        vocab,
    )
    assert (scheme.event_type, scheme.status) == ("scheme", "approved")


def test_fertiliser_release_naming_potash_is_not_relevant(vocab):
    t = tag_release(
        {
            "prid": 3,
            "title": "Government Ensures Adequate Availability of DAP and Potash",
            "body_text": "Stocks of Muriate of Potash (MOP) and NPK fertilizers are adequate.",
        },
        vocab,
    )
    assert not t.is_relevant and t.event_type is None


def test_hindi_minimal(vocab):
    t = tag_release(
        {
            "prid": 4,
            "language": "hi",
            "ministry": "खान मंत्रालय",
            "title": "₹1,500 करोड़ की प्रोत्साहन योजना से महत्वपूर्ण खनिज निष्कर्षण",
            "body_text": "प्रयुक्त लिथियम-आयन बैटरी स्क्रैप",
        },
        vocab,
    )
    assert t.is_relevant and t.event_type == "scheme" and t.mineral_ids == ["lithium"]
    assert [(a.value, a.unit) for a in t.amounts] == [(1500.0, "INR crore")]

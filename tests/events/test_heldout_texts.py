"""Held-out sets 2 and 3 (issue 10): releases written around real facts, read from
``*.texts.jsonl`` instead of the PIB snapshot, labelled by hand (tests/events/README.md).

Set 2 was labelled before the issue-10 rule changes, and the rules were then fixed on its error
classes. Its issue-10 targets (F1 >= 0.90 for relevance, type, minerals and countries, >= 0.85
for amounts) are held here as a **regression floor**, not as an estimate. Set 3 was labelled
after the rules were final and is the honest check, so it has **no floor** (a floor would invite
tuning the rules to it).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from assets.events.evaluate import (
    GOLD_SETS,
    format_report,
    load_gold,
    load_texts,
    releases_for_gold,
    run,
)
from assets.events.tagger import load_vocab, merge_events, tag_release

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {
    "prid",
    "day",
    "source",
    "ministry",
    "title",
    "is_relevant",
    "event_type",
    "status",
    "minerals",
    "countries",
    "amounts",
    "merged_with",
}
TEXT_FIELDS = {
    "prid",
    "day",
    "ministry",
    "title",
    "subtitles",
    "body_text",
    "posted_at",
    "language",
    "translations",
}


def _controlled(name: str) -> set[str]:
    path = ROOT / "assets" / "events" / "vocab" / f"{name}.csv"
    with path.open(encoding="utf-8") as fh:
        return {r[next(iter(r))] for r in csv.DictReader(fh)}


@pytest.fixture(scope="module", params=["heldout2", "heldout3"])
def gold_set(request):
    return request.param, load_gold(GOLD_SETS[request.param])


def test_gold_items_are_labelled_in_the_controlled_vocabulary(gold_set):
    name, gold = gold_set
    prids = [g["prid"] for g in gold]
    assert len(prids) == len(set(prids))
    types, statuses = _controlled("event_types"), _controlled("statuses")
    units, kinds = _controlled("units"), _controlled("amount_kinds")
    minerals = {m for _, m, _, _ in load_vocab().minerals}
    for g in gold:
        assert set(g) == FIELDS and g["source"] == "text", g["prid"]
        assert g["prid"] >= 9_000_000, "made-up PRIDs stay far above the real ones"
        if not g["is_relevant"]:
            assert g["event_type"] is None and g["status"] is None
            assert g["minerals"] == g["countries"] == g["amounts"] == g["merged_with"] == []
            continue
        assert g["event_type"] in types and g["status"] in statuses, g["prid"]
        assert set(g["minerals"]) <= minerals and 699 in g["countries"], g["prid"]
        assert 97 not in g["countries"]  # the EU is a group, not a country
        for value, unit, kind in g["amounts"]:
            assert value > 0 and unit in units and kind in kinds, (g["prid"], value, unit, kind)


def test_every_gold_item_has_its_release_text(gold_set):
    _, gold = gold_set
    texts = load_texts()
    rels = releases_for_gold(gold)  # never opens the PIB snapshot for text items
    assert set(rels) == {g["prid"] for g in gold}
    for g in gold:
        r = texts[g["prid"]]
        assert set(r) == TEXT_FIELDS
        assert r["title"] == g["title"] and r["ministry"] == g["ministry"] and r["day"] == g["day"]
        assert r["body_text"].strip() and r["posted_at"].date().isoformat() == g["day"]


def test_set_sizes_and_hindi_share():
    two, three = load_gold(GOLD_SETS["heldout2"]), load_gold(GOLD_SETS["heldout3"])
    texts = load_texts()
    assert sum(g["is_relevant"] for g in two) >= 40
    assert sum(g["is_relevant"] and texts[g["prid"]]["language"] == "hi" for g in two) >= 5
    assert sum(not g["is_relevant"] for g in two) >= 10
    assert not {g["prid"] for g in two} & {g["prid"] for g in three}


def test_twins_are_linked_both_ways_and_merge_into_one_event():
    gold = load_gold(GOLD_SETS["heldout2"])
    rels = releases_for_gold(gold)
    vocab = load_vocab()
    tagged = {p: tag_release(r, vocab) for p, r in rels.items()}
    by_prid = {g["prid"]: g for g in gold}
    pairs = [g for g in gold if g["merged_with"]]
    assert len(pairs) >= 10
    for g in pairs:
        (other,) = g["merged_with"]
        assert by_prid[other]["merged_with"] == [g["prid"]]
        assert [t["prid"] for t in rels[g["prid"]]["translations"]] == [other]
        (event,) = merge_events([tagged[g["prid"]], tagged[other]])
        assert sorted(event.source_prids) == sorted([g["prid"], other])


def test_missing_text_names_the_item_and_the_files(tmp_path):
    bad = [{"prid": 9_999_999, "title": "No such text", "source": "text"}]
    with pytest.raises(KeyError, match=r"9999999 .*'No such text'.*texts\.jsonl"):
        releases_for_gold(bad)


def test_heldout2_keeps_the_issue_10_targets():
    result = run("heldout2")
    report = format_report(result)
    for label in ("relevance", "event_type", "minerals", "countries"):
        assert result[label]["f1"] >= 0.90, report
    assert result["amounts"]["f1"] >= 0.85, report


def test_heldout3_is_scored_and_reported_without_a_floor():
    result = run("heldout3")
    assert result["n_items"] == result["n_found"] == len(load_gold(GOLD_SETS["heldout3"]))
    for label in ("relevance", "event_type", "status", "minerals", "countries", "amounts"):
        assert 0.0 <= result[label]["f1"] <= 1.0
    assert json.dumps(result["errors"], default=str)  # reported, never asserted away

"""The tagger and the merge over the hand-labelled gold set (releases re-parsed from the replayed
PIB snapshot; listing-only negatives are title-only)."""

from __future__ import annotations

import pytest

from assets.events.evaluate import evaluate, format_report, load_gold, releases_for_gold
from assets.events.tagger import load_vocab, merge_events, tag_release


@pytest.fixture(scope="module")
def gold():
    return load_gold()


@pytest.fixture(scope="module")
def tagged(gold):
    vocab = load_vocab()
    rels = releases_for_gold(gold)
    assert set(rels) == {int(g["prid"]) for g in gold}
    return {p: tag_release(r, vocab) for p, r in rels.items()}


def test_gold_set_shape(gold):
    assert len(gold) >= 60
    assert sum(g["source"] == "release" for g in gold) == 44
    assert sum(g["is_relevant"] for g in gold) >= 10
    for g in gold:
        for other in g["merged_with"]:
            assert g["prid"] in next(x for x in gold if x["prid"] == other)["merged_with"]


def test_gold_scores_meet_floors(gold, tagged):
    result = evaluate(gold, list(tagged.values()))
    report = format_report(result)
    assert result["relevance"]["f1"] >= 0.90, report
    assert result["event_type"]["f1"] >= 0.90, report
    assert result["minerals"]["f1"] >= 0.90, report
    assert result["countries"]["f1"] >= 0.85, report
    assert result["amounts"]["f1"] == 1.0, report  # exact (value, kind) pairs


def test_merge_matches_gold_groups(gold, tagged):
    events = merge_events(list(tagged.values()))
    by_prid = {p: e for e in events for p in e.source_prids}
    relevant = [g for g in gold if g["is_relevant"]]
    assert {p for e in events for p in e.source_prids} == {g["prid"] for g in relevant}
    for g in relevant:
        assert set(by_prid[g["prid"]].source_prids) == {g["prid"], *g["merged_with"]}


def test_merge_cabinet_and_line_ministry_repost(tagged):
    ev = merge_events([tagged[2194611], tagged[2194627]])
    assert len(ev) == 1
    e = ev[0]
    assert e.source_prids == [2194611, 2194627] and e.primary_prid == 2194611
    assert e.event_id == "pib-2194611" and (e.event_type, e.status) == ("scheme", "approved")
    roles = {(a.name, a.role) for a in e.actors}
    assert ("Union Cabinet", "approver") in roles and (
        "Ministry of Heavy Industries",
        "implementer",
    ) in roles
    assert len({(a.value, a.kind) for a in e.amounts}) == len(e.amounts) == 5


def test_merge_english_and_hindi_translation(tagged):
    for order in ([tagged[2194182], tagged[2194226]], [tagged[2194226], tagged[2194182]]):
        ev = merge_events(order)
        assert len(ev) == 1
        assert ev[0].source_prids == [2194182, 2194226] and ev[0].event_id == "pib-2194182"
        assert {m.mineral_id for m in ev[0].minerals} == {"lithium", "pge"}


def test_non_relevant_release_makes_no_event(tagged):
    assert merge_events([tagged[2195298], tagged[2194448]]) == []

"""The HELD-OUT gold set (tests/events/gold_heldout.jsonl): PIB days 2023-11-29, 2024-01-15 and
2025-01-29, labelled by hand before the tagger was run on them.

Only sanity is asserted here (the evaluation runs, every held-out PRID is in the snapshot, the
scores are proportions, nothing is written). There is deliberately **no score floor**: a floor
would invite tuning the vocabulary to these days, which would turn them into in-sample data.
The in-sample floors live in test_gold.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assets.events.evaluate import (
    GOLD_PATH,
    HELDOUT_GOLD_PATH,
    SNAPSHOT,
    format_report,
    load_gold,
    main,
    releases_for_gold,
    run,
)

ROOT = Path(__file__).resolve().parents[2]
PIB_EXPECTED = json.loads(
    (ROOT / "tools" / "snapshots" / "pib_expected.json").read_text(encoding="utf-8")
)
LABELS = ("relevance", "event_type", "status", "minerals", "countries", "amounts")
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


@pytest.fixture(scope="module")
def heldout():
    return load_gold(HELDOUT_GOLD_PATH)


def _tree_state(*roots: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for root in roots
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_heldout_days_are_disjoint_from_the_in_sample_days(heldout):
    in_sample_days = {g["day"] for g in load_gold(GOLD_PATH)}
    days = {g["day"] for g in heldout}
    assert days == {"2023-11-29", "2024-01-15", "2025-01-29"}
    assert not days & in_sample_days
    assert not {g["prid"] for g in heldout} & {g["prid"] for g in load_gold(GOLD_PATH)}


def test_heldout_gold_shape(heldout):
    prids = [g["prid"] for g in heldout]
    assert len(prids) == len(set(prids))
    for g in heldout:
        assert set(g) == FIELDS, g["prid"]
        assert g["source"] in ("release", "listing")
        if not g["is_relevant"]:
            assert g["event_type"] is None and g["status"] is None
            assert g["minerals"] == g["countries"] == g["amounts"] == g["merged_with"] == []
        for other in g["merged_with"]:
            assert g["prid"] in next(x for x in heldout if x["prid"] == other)["merged_with"]
    # every fetched release of the held-out days is labelled as a release
    fetched = {
        p for d in {g["day"] for g in heldout} for p in PIB_EXPECTED["days"][d]["candidates"]
    }
    assert {g["prid"] for g in heldout if g["source"] == "release"} == fetched
    assert sum(g["is_relevant"] for g in heldout) >= 5


def test_every_heldout_prid_is_found_in_the_snapshot(heldout):
    rels = releases_for_gold(heldout, SNAPSHOT)
    assert set(rels) == {g["prid"] for g in heldout}
    for g in heldout:
        r = rels[g["prid"]]
        if g["source"] == "release":
            assert r["body_text"], g["prid"]  # parsed from the release page, not title-only
            assert r["title"] == g["title"] and r["ministry"] == g["ministry"]


def test_heldout_evaluation_runs_and_writes_nothing(capsys):
    before = _tree_state(ROOT / "snapshot", ROOT / "tests" / "events", ROOT / "assets" / "events")
    result = run("heldout")
    assert main(["--gold", "heldout"]) == 0
    after = _tree_state(ROOT / "snapshot", ROOT / "tests" / "events", ROOT / "assets" / "events")
    assert after == before

    gold = load_gold(HELDOUT_GOLD_PATH)
    assert result["n_items"] == result["n_found"] == len(gold)
    assert result["n_relevant"] == sum(g["is_relevant"] for g in gold)
    for label in LABELS:
        m = result[label]
        for k in ("precision", "recall", "f1"):
            assert 0.0 <= m[k] <= 1.0, (label, k, m)
        assert min(m["tp"], m["fp"], m["fn"]) >= 0
    assert isinstance(result["errors"], list)  # reported, never asserted away
    out = capsys.readouterr().out
    assert "heldout" in out and "HELD-OUT" in out and format_report(result) in out


def test_default_report_prints_both_sets(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "## insample:" in out and "## heldout:" in out
    assert out.index("## insample:") < out.index("## heldout:")

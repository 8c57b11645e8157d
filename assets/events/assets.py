"""Policy-event assets (group ``events``): PIB releases -> typed events and their bridges.

``policy_event`` shares pib_release's daily partitions. For a range of days it reads the parsed
releases from the warehouse (no fetching), tags each one with the rules in
``assets/events/vocab/`` (event type, status, minerals, countries/actors, amounts, relevance),
merges reposts and translations into one event, and swaps the range's slices of
``policy_event``, ``event_mineral``, ``event_country`` and ``event_amount`` in one transaction.

``event_catalogue`` loads the curated catalogue (``warehouse/reference/event_catalogue.yaml``,
validated by :mod:`assets.events.catalogue`) into the same tables with ``origin = 'catalogue'``.
Each asset swaps only its own ``load_slice`` (``pib:<day>`` vs ``catalogue``), so a PIB day's
swap never deletes catalogue rows. PIB events that are the same decision as a catalogue event
are linked by the ``event_catalogue_link`` view (migration 0006), not duplicated.

``tagger_evaluation`` scores the tagger on the hand-labelled gold sets and reports per-label
precision, recall and F1 as metadata, plus the catalogue recall on the snapshot days.
"""

from datetime import UTC, date
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl

from assets.events.catalogue import (
    AMOUNT_SCHEMA,
    CATALOGUE_PATH,
    CATALOGUE_SLICE,
    COUNTRY_SCHEMA,
    MINERAL_SCHEMA,
    catalogue_frames,
    load_catalogue,
    summary,
)
from assets.events.evaluate import (
    GOLD_SETS,
    catalogue_recall,
    evaluate,
    format_report,
    load_gold,
    recall_metadata,
    releases_for_gold,
)
from assets.events.tagger import Event, load_vocab, merge_events, tag_release
from assets.pib.assets import pib_daily, pib_release
from assets.pib.parse import release_url
from assets.reference.assets import dim_country, dim_mineral
from pipelines.checks import table_checks
from pipelines.metadata import preview_md
from pipelines.resources import HttpSources, Warehouse
from warehouse.store import PartitionWrite

IST = ZoneInfo("Asia/Kolkata")
LABELS = ("relevance", "event_type", "status", "minerals", "countries", "amounts")

RELEASE_SQL = """
    SELECT prid, release_date, ministry, title, subtitles, body_text, language, translations,
           posted_at AT TIME ZONE 'Asia/Kolkata' AS posted_ist
    FROM pib_release WHERE release_date IN (SELECT UNNEST(?)) ORDER BY prid
"""

EVENT_SCHEMA = {
    "event_id": pl.Utf8,
    "release_date": pl.Date,
    "event_type": pl.Utf8,
    "status": pl.Utf8,
    "title": pl.Utf8,
    "ministry": pl.Utf8,
    "posted_at": pl.Datetime("us", "UTC"),
    "primary_prid": pl.Int64,
    "source_prids": pl.List(pl.Int64),
    "source_urls": pl.List(pl.Utf8),
    "origin": pl.Utf8,
    "load_slice": pl.Utf8,
    "jurisdiction": pl.Utf8,
    "event_date": pl.Date,
    "date_precision": pl.Utf8,
}


def pib_slice(day: date) -> str:
    """load_slice of the PIB events of one IST day."""
    return f"pib:{day.isoformat()}"


def _release_dicts(rows: list[tuple]) -> list[dict]:
    out = []
    for prid, day, ministry, title, subtitles, body, lang, translations, posted in rows:
        out.append(
            {
                "prid": prid,
                "release_date": day,
                "ministry": ministry,
                "title": title,
                "subtitles": list(subtitles or []),
                "body_text": body or "",
                "language": lang,
                "translations": [
                    {"prid": t["prid"], "language": t["language"]} for t in translations or []
                ],
                "posted_at": posted.replace(tzinfo=IST) if posted else None,
            }
        )
    return out


def event_frames(events: list[Event], day_of: dict[int, date]) -> dict[str, pl.DataFrame]:
    """The four tables' rows for a list of merged events."""
    ev, mi, co, am = [], [], [], []
    for e in events:
        day = day_of[e.primary_prid]
        ev.append(
            {
                "event_id": e.event_id,
                "release_date": day,
                "event_type": e.event_type,
                "status": e.status,
                "title": e.title,
                "ministry": e.ministries[0] if e.ministries else "",
                "posted_at": e.posted_at.astimezone(UTC) if e.posted_at else None,
                "primary_prid": e.primary_prid,
                "source_prids": list(e.source_prids),
                "source_urls": [release_url(p) for p in e.source_prids],
                "origin": "pib",
                "load_slice": pib_slice(day),
                "jurisdiction": "IN",
                "event_date": day,
                "date_precision": "day",
            }
        )
        seen_minerals = set()
        for m in e.minerals:
            if m.mineral_id in seen_minerals:
                continue
            seen_minerals.add(m.mineral_id)
            mi.append(
                {
                    "event_id": e.event_id,
                    "release_date": day,
                    "load_slice": pib_slice(day),
                    "mineral_id": m.mineral_id,
                    "basis": m.basis,
                    "confidence": m.confidence,
                    "evidence": m.evidence,
                }
            )
        seen_actors = set()
        for a in e.actors:
            if a.area_code is None or (a.name, a.role) in seen_actors:
                continue
            seen_actors.add((a.name, a.role))
            co.append(
                {
                    "event_id": e.event_id,
                    "release_date": day,
                    "load_slice": pib_slice(day),
                    "area_code": a.area_code,
                    "actor_name": a.name,
                    "actor_type": a.actor_type,
                    "role": a.role,
                    "evidence": a.evidence,
                }
            )
        for x in e.amounts:
            am.append(
                {
                    "event_id": e.event_id,
                    "release_date": day,
                    "load_slice": pib_slice(day),
                    "kind": x.kind,
                    "value": x.value,
                    "unit": x.unit,
                    "raw_text": x.raw_text,
                }
            )
    return {
        "policy_event": pl.DataFrame(ev, schema=EVENT_SCHEMA),
        "event_mineral": pl.DataFrame(mi, schema=MINERAL_SCHEMA),
        "event_country": pl.DataFrame(co, schema=COUNTRY_SCHEMA),
        "event_amount": pl.DataFrame(am, schema=AMOUNT_SCHEMA),
    }


@dg.asset(
    partitions_def=pib_daily,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
    group_name="events",
    kinds={"duckdb", "polars"},
    deps=[pib_release, dim_mineral, dim_country],
    description="Critical-mineral policy events tagged from pib_release with the rules in "
    "assets/events/vocab/: event type and status, minerals (with basis and confidence), "
    "countries and actors with roles, typed amounts. Cabinet decisions and their line-ministry "
    "reposts, and releases and their translations, merge into one event. Writes policy_event, "
    "event_mineral, event_country and event_amount for the partition range (load slices "
    "pib:<day>; catalogue rows are never touched) in one transaction.",
)
def policy_event(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    days = [date.fromisoformat(k) for k in context.partition_keys]
    store = warehouse.store()
    with store.read() as con:
        rows = con.execute(RELEASE_SQL, [days]).fetchall()
    releases = _release_dicts(rows)
    vocab = load_vocab()
    tagged = [tag_release(r, vocab) for r in releases]
    events = merge_events(tagged)
    day_of = {r["prid"]: r["release_date"] for r in releases}
    frames = event_frames(events, day_of)
    slices = [pib_slice(d) for d in days]
    store.replace_partitions(
        [PartitionWrite(t, df, "load_slice", slices) for t, df in frames.items()],
        run_id=context.run.run_id,
    )
    ev = frames["policy_event"]
    return dg.MaterializeResult(
        metadata={
            "releases_read": len(releases),
            "relevant_releases": sum(t.is_relevant for t in tagged),
            "events": ev.height,
            "merged_releases": sum(len(e.source_prids) - 1 for e in events),
            "event_types": dg.MetadataValue.json(
                {k: int(v) for k, v in ev.group_by("event_type").len().iter_rows()}
            ),
            "mineral_links": frames["event_mineral"].height,
            "country_links": frames["event_country"].height,
            "amounts": frames["event_amount"].height,
            "preview": dg.MetadataValue.md(
                preview_md(ev.select("event_id", "event_type", "status", "title"))
            ),
        }
    )


@dg.asset(
    group_name="events",
    kinds={"python"},
    pool="warehouse",
    description="Scores the event tagger on the hand-labelled gold sets (tests/events/gold.jsonl, "
    "in-sample, and gold_heldout.jsonl, held-out days), re-parsed from the bundled PIB snapshot: "
    "per-label precision, recall and F1 (held-out ones prefixed heldout_), and every error, as "
    "metadata; plus catalogue_recall_*: of the catalogue events whose PIB PRID is on those days, "
    "how many the PIB path found, tagged relevant and typed right (misses listed). Writes "
    "nothing to the warehouse.",
)
def tagger_evaluation(http: HttpSources) -> dg.MaterializeResult:
    vocab = load_vocab()
    metadata: dict[str, object] = {}
    reports = []
    snapshot_releases: dict[int, dict] = {}
    snapshot_tagged: list = []
    for name, path in GOLD_SETS.items():
        gold = load_gold(path)
        rels = releases_for_gold(gold, Path(http.snapshot_dir) / "pib")
        tagged = [tag_release(rels[int(g["prid"])], vocab) for g in gold if int(g["prid"]) in rels]
        result = evaluate(gold, tagged)
        prefix = "" if name == "insample" else f"{name}_"
        metadata[f"{prefix}gold_items"] = len(gold)
        metadata[f"{prefix}gold_errors"] = len(result["errors"])
        for label in LABELS:
            for m in ("precision", "recall", "f1"):
                metadata[f"{prefix}{label}_{m}"] = float(result[label][m])
        reports.append(f"## {name}\n\n```\n{format_report(result)}\n```")
        snapshot_releases.update(rels)
        snapshot_tagged += tagged
    recall = snapshot_catalogue_recall(snapshot_releases, snapshot_tagged)
    metadata.update(recall_metadata(recall))
    metadata["report"] = dg.MetadataValue.md("\n\n".join(reports))
    return dg.MaterializeResult(metadata=metadata)


def snapshot_catalogue_recall(releases: dict[int, dict], tagged: list) -> dict:
    """Catalogue recall on the gold days of the snapshot: every catalogue PRID listed on those
    days should be parsed, merged into a relevant event, and typed as the catalogue types it."""
    expected = [(e.event_id, p, e.type) for e in load_catalogue() for p in e.prids]
    found = {p for p, r in releases.items() if r.get("posted_at") is not None or r.get("body_text")}
    events = [(e.event_id, e.event_type, e.source_prids) for e in merge_events(tagged)]
    return catalogue_recall(expected, set(releases), found, events)


@dg.asset(
    group_name="events",
    kinds={"duckdb", "polars", "yaml"},
    pool="warehouse",
    deps=[dim_mineral, dim_country],
    description="The curated event catalogue (warehouse/reference/event_catalogue.yaml): real "
    "critical-mineral policy events since 2017 (India's measures, partners' initiatives, "
    "China's export controls and their suspensions) with date precision, jurisdiction, type "
    "and status, minerals, actors and roles, amounts, the HS codes a measure names, PRIDs, "
    "sources, confidence and notes on conflicting sources. Validated (assets/events/"
    "catalogue.py), then loaded into policy_event (origin catalogue), event_mineral, "
    "event_country, event_amount and event_hs_code by swapping the load slice 'catalogue' "
    "in one transaction; PIB rows are never touched.",
)
def event_catalogue(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    store = warehouse.store()
    with store.read() as con:
        areas = {r[0] for r in con.execute("SELECT area_code FROM dim_country").fetchall()}
    events = load_catalogue(CATALOGUE_PATH, known_areas=areas or None)
    frames = catalogue_frames(events)
    store.replace_partitions(
        [PartitionWrite(t, df, "load_slice", [CATALOGUE_SLICE]) for t, df in frames.items()],
        run_id=context.run.run_id,
    )
    with store.read() as con:
        linked = con.execute("SELECT count(*) FROM event_catalogue_link").fetchone()[0]
    counts = summary(events)
    ev = frames["policy_event"]
    return dg.MaterializeResult(
        metadata={
            "events": counts["events"],
            "by_jurisdiction": dg.MetadataValue.json(counts["by_jurisdiction"]),
            "by_type": dg.MetadataValue.json(counts["by_type"]),
            "china_export_controls": counts["china_export_controls"],
            "with_pib_prid": counts["with_pib_prid"],
            "low_confidence_events": counts["low_confidence"],
            "mineral_links": frames["event_mineral"].height,
            "country_links": frames["event_country"].height,
            "amounts": frames["event_amount"].height,
            "hs_codes": frames["event_hs_code"].height,
            "linked_pib_events": int(linked),
            "preview": dg.MetadataValue.md(
                preview_md(
                    ev.select("event_id", "event_date", "jurisdiction", "event_type", "title")
                )
            ),
        }
    )


@dg.asset_check(
    asset=event_catalogue,
    description="At least 7 Chinese export controls or suspensions, each with minerals and a "
    "source link.",
)
def event_catalogue_china_controls(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        rows = con.execute(
            """SELECT e.event_id, count(m.mineral_id), len(e.source_urls)
               FROM policy_event e LEFT JOIN event_mineral m USING (event_id)
               WHERE e.origin = 'catalogue' AND e.jurisdiction = 'CN'
                 AND e.event_type = 'export_control'
               GROUP BY e.event_id, e.source_urls"""
        ).fetchall()
    bad = [r[0] for r in rows if not r[1] or not r[2]]
    return dg.AssetCheckResult(
        passed=len(rows) >= 7 and not bad,
        metadata={"china_export_controls": len(rows), "without_minerals_or_source": str(bad)},
    )


RECALL_SQL = """
    WITH expected AS (
        SELECT event_id, event_type, unnest(source_prids) AS prid,
               CASE WHEN date_precision = 'day' THEN event_date END AS day
        FROM policy_event WHERE origin = 'catalogue'
    ),
    loaded_days AS (SELECT DISTINCT release_date FROM pib_listing)
    SELECT x.event_id, x.prid, x.event_type,
           x.prid IN (SELECT prid FROM pib_listing) OR x.prid IN (SELECT prid FROM pib_release)
               OR x.day IN (SELECT release_date FROM loaded_days) AS checkable,
           x.prid IN (SELECT prid FROM pib_release) AS found
    FROM expected x
"""


def warehouse_catalogue_recall(con) -> dict:
    """Catalogue recall over the PIB days loaded in the warehouse (see catalogue_recall)."""
    rows = con.execute(RECALL_SQL).fetchall()
    events = con.execute(
        "SELECT event_id, event_type, source_prids FROM policy_event WHERE origin = 'pib'"
    ).fetchall()
    return catalogue_recall(
        [(r[0], int(r[1]), r[2]) for r in rows],
        {int(r[1]) for r in rows if r[3]},
        {int(r[1]) for r in rows if r[4]},
        events,
    )


@dg.asset_check(
    asset=policy_event,
    description="Recall against the catalogue: every catalogue event with a PIB PRID whose day "
    "is loaded was found by the PIB path, tagged relevant and given the catalogue's type "
    "(counts and misses as metadata).",
)
def policy_event_catalogue_recall(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        result = warehouse_catalogue_recall(con)
    md = recall_metadata(result)
    md["catalogue_recall_misses"] = dg.MetadataValue.json(result["misses"])
    return dg.AssetCheckResult(passed=not result["misses"], metadata=md)


@dg.asset_check(
    asset=policy_event,
    description="Every event has a type and a source: PIB events a source PRID, catalogue "
    "events a source link.",
)
def policy_event_has_type_and_source(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        bad = con.execute(
            "SELECT event_id FROM policy_event WHERE event_type IS NULL OR event_type = '' "
            "OR (origin = 'pib' AND len(source_prids) = 0) "
            "OR (origin = 'catalogue' AND len(source_urls) = 0)"
        ).fetchall()
    return dg.AssetCheckResult(passed=not bad, metadata={"bad_events": str(bad)})


@dg.asset_check(
    asset=policy_event,
    description="Every mineral link resolves to dim_mineral and every country link to dim_country.",
)
def policy_event_links_resolve(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        minerals = con.execute(
            "SELECT DISTINCT mineral_id FROM event_mineral "
            "WHERE mineral_id NOT IN (SELECT mineral_id FROM dim_mineral)"
        ).fetchall()
        countries = con.execute(
            "SELECT DISTINCT area_code FROM event_country "
            "WHERE area_code NOT IN (SELECT area_code FROM dim_country)"
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not minerals and not countries,
        metadata={"unknown_minerals": str(minerals), "unknown_countries": str(countries)},
    )


@dg.asset_check(asset=policy_event, description="Every amount is a positive number with a unit.")
def policy_event_amounts_positive(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        bad = con.execute(
            "SELECT event_id, raw_text FROM event_amount WHERE NOT (value > 0) OR unit = ''"
        ).fetchall()
    return dg.AssetCheckResult(passed=not bad, metadata={"bad_amounts": str(bad[:20])})


events_assets = [policy_event, event_catalogue, tagger_evaluation]
events_checks = [
    *table_checks(
        policy_event,
        "policy_event",
        key=["event_id"],
        required=["event_id", "event_type", "title", "primary_prid"],
        min_rows=0,
        where="origin = 'pib'",
    ),
    *table_checks(
        event_catalogue,
        "policy_event",
        key=["event_id"],
        required=["event_id", "event_type", "status", "title", "event_date", "date_precision"]
        + ["jurisdiction", "confidence"],
        min_rows=60,
        where="origin = 'catalogue'",
    ),
    policy_event_has_type_and_source,
    policy_event_links_resolve,
    policy_event_amounts_positive,
    policy_event_catalogue_recall,
    event_catalogue_china_controls,
]

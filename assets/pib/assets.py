"""PIB assets (group ``pib``): daily-partitioned discovery, fetch and parse into ``pib_release``.

One materialisation covers a range of IST days (single-run backfill policy). For each day it
lists every English PIB Delhi release (listing postback), selects candidates (ministry allow-list
or a mineral/partner title term), fetches and parses each candidate, and then swaps the range's
slices of ``pib_listing``, ``pib_release`` and ``pib_parse_failure`` in ONE transaction.

A release that fails to fetch or parse (any exception, not only the expected ones) does not
block its neighbours: it goes to ``pib_parse_failure`` with its PRID, URL, error type and
message and raw sha256 (the body stays in the raw store for a re-parse), and the
``pib_release_no_parse_failures`` check turns red. If that release parsed in an earlier run, its
previous good row is kept in ``pib_release`` (a 503 tonight must not delete yesterday's text).

A day whose listing fails (error page, wrong date applied, fewer items than the page states)
fails the run and nothing is swapped: a silently missing day is worse. The shrink guard
(``allow_shrink``/``max_shrink_fraction`` in the run config) refuses a swap that would empty a
day's listing or releases, or shrink them by more than the allowed fraction.
"""

from datetime import UTC, date, datetime

import dagster as dg
import polars as pl

from assets.pib.discover import (
    DEFAULT_MINISTRIES,
    DayListing,
    SelectionTerms,
    default_selection_terms,
    discover_day,
    select_candidates,
)
from assets.pib.errors import PibListingError
from assets.pib.parse import Release, fetch_release_page, parse_release, release_url
from assets.pib.policy import PIB_POLICY
from pipelines.checks import table_checks
from pipelines.load_config import LoadGuardConfig
from pipelines.metadata import preview_md
from pipelines.resources import HttpSources, Warehouse
from warehouse.store import PartitionWrite, ShrinkGuardError, WarehouseStore

PIB_START = "2017-01-01"  # the listing postback's year dropdown starts in 2017

pib_daily = dg.DailyPartitionsDefinition(start_date=PIB_START, timezone="Asia/Kolkata")


class PibConfig(LoadGuardConfig):
    """Run configuration (editable in the launchpad)."""

    ministries: list[str] = sorted(DEFAULT_MINISTRIES)
    """Ministry headings whose every release is fetched."""
    use_title_terms: bool = True
    """Also fetch any release whose title names a critical mineral or partner country."""
    reparse_from_raw: bool = False
    """Replay the raw store (latest body per request) instead of fetching: re-parse only."""


def _ts(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _release_row(rel: Release, day: date, fetched, reasons: tuple[str, ...]) -> dict:
    body = getattr(rel, "body_text", None) or "\n\n".join(rel.paragraphs)
    return {
        "prid": rel.prid,
        "release_date": day,
        "ministry": rel.ministry,
        "title": rel.title,
        "subtitles": list(rel.subtitles),
        "posted_at": rel.posted_at.astimezone(UTC) if rel.posted_at else None,
        "office": rel.office,
        "language": rel.language,
        "body_text": body,
        "tables_html": [t.html for t in rel.tables],
        "images": list(rel.images),
        "translations": [{"prid": t.prid, "language": t.language} for t in rel.translations],
        "template": rel.template,
        "url": rel.url,
        "selected_by": _selected_by(reasons),
        "_source": "pib",
        "_source_url": fetched.url,
        "_fetched_at": _ts(fetched.fetched_at),
        "_raw_sha256": fetched.sha256,
    }


def _selected_by(reasons: tuple[str, ...]) -> str:
    kinds = sorted({"ministry" if r.startswith("ministry:") else "title_term" for r in reasons})
    return "+".join(kinds)


RELEASE_SCHEMA = {
    "prid": pl.Int64,
    "release_date": pl.Date,
    "ministry": pl.Utf8,
    "title": pl.Utf8,
    "subtitles": pl.List(pl.Utf8),
    "posted_at": pl.Datetime("us", "UTC"),
    "office": pl.Utf8,
    "language": pl.Utf8,
    "body_text": pl.Utf8,
    "tables_html": pl.List(pl.Utf8),
    "images": pl.List(pl.Utf8),
    "translations": pl.List(pl.Struct({"prid": pl.Int64, "language": pl.Utf8})),
    "template": pl.Utf8,
    "url": pl.Utf8,
    "selected_by": pl.Utf8,
    "_source": pl.Utf8,
    "_source_url": pl.Utf8,
    "_fetched_at": pl.Datetime("us", "UTC"),
    "_raw_sha256": pl.Utf8,
}
LISTING_SCHEMA = {
    "release_date": pl.Date,
    "prid": pl.Int64,
    "ministry_heading": pl.Utf8,
    "title": pl.Utf8,
    "is_candidate": pl.Boolean,
    "selected_by": pl.Utf8,
    "_source_url": pl.Utf8,
    "_fetched_at": pl.Datetime("us", "UTC"),
    "_raw_sha256": pl.Utf8,
}
FAILURE_SCHEMA = {
    "prid": pl.Int64,
    "release_date": pl.Date,
    "url": pl.Utf8,
    "error_type": pl.Utf8,
    "error": pl.Utf8,
    "raw_sha256": pl.Utf8,
    "_fetched_at": pl.Datetime("us", "UTC"),
}


def _listing_rows(listing: DayListing, day: date, chosen: dict[int, tuple[str, ...]]) -> list[dict]:
    f = listing.fetched
    return [
        {
            "release_date": day,
            "prid": item.prid,
            "ministry_heading": item.ministry,
            "title": item.title,
            "is_candidate": item.prid in chosen,
            "selected_by": _selected_by(chosen[item.prid]) if item.prid in chosen else None,
            "_source_url": f.url if f else listing.url,
            "_fetched_at": _ts(f.fetched_at) if f else None,
            "_raw_sha256": f.sha256 if f else "",
        }
        for item in listing.items
    ]


def _error_message(exc: Exception, prid: int, url: str) -> str:
    """The message stored for a failed page; untyped errors get the source, PRID and URL."""
    text = str(exc)
    if getattr(exc, "source", None) == "pib" or "url=" in text:
        return text
    return f"[pib] PRID {prid}: unexpected {type(exc).__name__}: {text[:500]} (url={url})"


def previous_good_rows(store: WarehouseStore, prids: list[int], days: list[date]) -> pl.DataFrame:
    """Stored ``pib_release`` rows of ``prids`` in ``days``: kept when a re-fetch fails."""
    cols = [*RELEASE_SCHEMA, "_run_id", "_loaded_at"]
    schema = {**RELEASE_SCHEMA, "_run_id": pl.Utf8, "_loaded_at": pl.Datetime("us", "UTC")}
    if not prids:
        return pl.DataFrame(schema=schema)
    select = ", ".join(f'"{c}"' for c in cols)
    with store.read() as con:
        df = con.execute(
            f"SELECT {select} FROM pib_release WHERE prid IN (SELECT UNNEST(?)) "
            "AND release_date IN (SELECT UNNEST(?))",
            [prids, days],
        ).pl()
    return df.cast(schema)


@dg.asset(
    partitions_def=pib_daily,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
    group_name="pib",
    kinds={"duckdb", "polars", "html"},
    description="Press Information Bureau releases that may concern critical minerals: each IST "
    "day is listed via the allRel.aspx postback, candidates (ministry allow-list or a mineral/"
    "partner term in the title) are fetched and parsed, and pib_listing, pib_release and "
    "pib_parse_failure are swapped for the partition range in one transaction.",
)
def pib_release(
    context: dg.AssetExecutionContext,
    config: PibConfig,
    http: HttpSources,
    warehouse: Warehouse,
) -> dg.MaterializeResult:
    days = [date.fromisoformat(k) for k in context.partition_keys]
    # no title terms -> an empty gazetteer, so only the ministry allow-list selects
    terms = default_selection_terms() if config.use_title_terms else SelectionTerms.from_terms({})
    listings, releases, failures = [], [], []
    per_day: dict[str, dict[str, int]] = {}
    client = http.reparse_client(PIB_POLICY) if config.reparse_from_raw else http.client(PIB_POLICY)
    with client:
        for day in days:
            try:
                listing = discover_day(client, day)
            except PibListingError as exc:
                raise dg.Failure(
                    description=f"PIB listing for {day.isoformat()} is not complete or not "
                    f"the day asked for; nothing was loaded for the range: {exc}",
                    metadata={"day": day.isoformat(), "url": exc.url, "error": str(exc)},
                ) from exc
            candidates = select_candidates(
                listing,
                ministries=config.ministries,
                terms=terms,
            )
            chosen = {c.prid: c.reasons for c in candidates}
            listings += _listing_rows(listing, day, chosen)
            ok = failed = 0
            for cand in candidates:
                url = release_url(cand.prid)
                fetched = None
                try:
                    fetched = fetch_release_page(client, cand.prid)
                    rel = parse_release(fetched.content, fetched.url, cand.prid)
                    releases.append(_release_row(rel, day, fetched, cand.reasons))
                    ok += 1
                except Exception as exc:  # one bad page never fails the range
                    failed += 1
                    message = _error_message(exc, cand.prid, fetched.url if fetched else url)
                    context.log.warning(f"PRID {cand.prid} failed: {message}")
                    failures.append(
                        {
                            "prid": cand.prid,
                            "release_date": day,
                            "url": fetched.url if fetched else url,
                            "error_type": type(exc).__name__,
                            "error": message,
                            "raw_sha256": fetched.sha256 if fetched else None,
                            "_fetched_at": _ts(fetched.fetched_at) if fetched else None,
                        }
                    )
            per_day[day.isoformat()] = {
                "listed": len(listing.items),
                "candidates": len(candidates),
                "parsed": ok,
                "failed": failed,
            }
            context.log.info(f"{day}: {per_day[day.isoformat()]}")
        stats = client.stats.as_metadata()

    store = warehouse.store()
    listing_df = pl.DataFrame(listings, schema=LISTING_SCHEMA)
    release_df = pl.DataFrame(releases, schema=RELEASE_SCHEMA).unique("prid", keep="first")
    failure_df = pl.DataFrame(failures, schema=FAILURE_SCHEMA).unique("prid", keep="first")
    release_df = release_df.with_columns(
        pl.lit(context.run.run_id, dtype=pl.Utf8).alias("_run_id"),
        pl.lit(datetime.now(UTC)).alias("_loaded_at"),
    )
    parsed = release_df.height
    kept = previous_good_rows(store, failure_df["prid"].to_list(), days)
    if kept.height:
        context.log.warning(
            f"kept the previous good row of {kept.height} release(s) that failed this time: "
            f"{kept['prid'].to_list()}"
        )
        release_df = pl.concat([release_df, kept], how="vertical_relaxed")
    try:
        store.replace_partitions(
            [
                PartitionWrite("pib_listing", listing_df, "release_date", days, guard=True),
                PartitionWrite("pib_release", release_df, "release_date", days, guard=True),
                PartitionWrite("pib_parse_failure", failure_df, "release_date", days),
            ],
            run_id=context.run.run_id,
            shrink=config.shrink_policy(),
        )
    except ShrinkGuardError as exc:
        raise dg.Failure(description=f"[pib] {exc}", metadata={"per_day": per_day}) from exc
    return dg.MaterializeResult(
        metadata={
            "days": len(days),
            "listed": listing_df.height,
            "candidates": int(listing_df["is_candidate"].sum()),
            "fetched": parsed + failure_df.filter(pl.col("raw_sha256").is_not_null()).height,
            "parsed": parsed,
            "failed": failure_df.height,
            "failed_prids": dg.MetadataValue.json(failure_df["prid"].to_list()),
            "kept_previous_prids": dg.MetadataValue.json(kept["prid"].to_list()),
            "per_day": dg.MetadataValue.json(per_day),
            **stats,
            "preview": dg.MetadataValue.md(
                preview_md(release_df.select("prid", "posted_at", "ministry", "title"))
            ),
        }
    )


@dg.asset_check(
    asset=pib_release,
    description="No selected release failed to fetch or parse (see pib_parse_failure).",
)
def pib_release_no_parse_failures(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        rows = con.execute(
            "SELECT prid, release_date, error_type, url FROM pib_parse_failure ORDER BY 2, 1"
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not rows,
        metadata={
            "failed": len(rows),
            "failures": dg.MetadataValue.md(
                "\n".join(f"- {p} ({d}) {t}: {u}" for p, d, t, u in rows) or "none"
            ),
        },
    )


@dg.asset_check(
    asset=pib_release,
    description="Every parsed release has a posting time, unless its page uses the event layout.",
)
def pib_release_posted_at_present(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        missing = con.execute(
            "SELECT prid FROM pib_release WHERE posted_at IS NULL AND template <> 'event'"
        ).fetchall()
    return dg.AssetCheckResult(passed=not missing, metadata={"missing": str(missing)})


pib_assets = [pib_release]
pib_checks = [
    *table_checks(
        pib_release,
        "pib_release",
        key=["prid"],
        required=["prid", "release_date", "ministry", "title", "language", "url", "_raw_sha256"],
        min_rows=0,
    ),
    pib_release_no_parse_failures,
    pib_release_posted_at_present,
]

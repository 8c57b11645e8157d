"""Trade assets (group ``trade``): India's Comtrade flows for every mapped HS code.

Two partitioned assets write the same tables, each owning its ``period_key`` slices:

* ``trade_flow_annual``: yearly partitions from 2017 (HS 2017 and HS 2022 editions);
* ``trade_flow_monthly``: monthly partitions from 2019.

For a range of periods, the HS codes come from ``dim_hs_code`` (validated rows) in the edition
that applies to each period, the planner splits any answer that reaches the row cap, each
answer is normalised with polars as it arrives (streamed from the client: the answers are never
held until the end), and ``fact_trade_flow`` (partner rows),
``fact_trade_world_total`` (World rows) and ``comtrade_call`` are swapped for the range in one
transaction. A quota stop (HTTP 403) fails the run with a resumable state file: rerun the same
range and only the pending calls are made (the answers of the calls completed before are read
back from the raw store).

Completeness (issue 9): the fact tables are swapped under the warehouse shrink guard, so a
period that had rows is never emptied, or shrunk by more than ``max_shrink_fraction``, unless
the run config says ``allow_shrink: true`` (:class:`TradeLoadConfig`, in the Launchpad). A call
that returned rows in the stored load and now answers ``count: 0`` (``no_data``) fails the
period the same way, even when the period as a whole shrinks less than the fraction. An answer
whose ``count`` disagrees with its records, a record missing a field the normaliser needs, or
one bad record fails the run with a typed error naming the URL, the record and the field;
the warehouse keeps its previous rows in every case.
"""

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import polars as pl

from assets.comtrade.client import (
    CallRecord,
    ComtradeClient,
    ComtradeResponse,
    QuotaExhaustedError,
    body_loader_from_store,
)
from assets.comtrade.editions import edition_for_period
from assets.comtrade.normalise import TradeNormaliser
from assets.comtrade.policy import COMTRADE_POLICY
from assets.reference.assets import dim_country, dim_hs_code
from pipelines.checks import table_checks
from pipelines.load_config import LoadGuardConfig
from pipelines.metadata import preview_md
from pipelines.resources import HttpSources, Warehouse
from pipelines.settings import real_trade_records
from warehouse.store import PartitionWrite, ShrinkGuardError

annual_periods = dg.TimeWindowPartitionsDefinition(
    start="2017", cron_schedule="0 0 1 1 *", fmt="%Y", timezone="UTC"
)
monthly_periods = dg.MonthlyPartitionsDefinition(start_date="2019-01", fmt="%Y-%m", timezone="UTC")


#: Key + value of a real record (pipelines.settings.real_trade_records) and its column types.
_REAL_KEY = {
    "freq": pl.Utf8,
    "period": pl.Utf8,
    "reporter_code": pl.Int32,
    "flow_code": pl.Utf8,
    "partner_code": pl.Int32,
    "hs6": pl.Utf8,
    "primary_value_usd": pl.Float64,
}


#: fact_trade_flow's grain and the columns every loaded row must have (the table checks of
#: India's loads and of the mirror loads).
FACT_KEY = ("period_key", "reporter_code", "partner_code", "flow_code", "hs6")
FACT_REQUIRED = ("period", "hs6", "hs_edition", "primary_value_usd", "_raw_sha256")


class TradeLoadConfig(LoadGuardConfig):
    """Run configuration of the trade loads (Launchpad: ``ops: {trade_flow_annual: {config:
    {allow_shrink: true}}}``). ``allow_shrink`` lets a load empty or shrink a period that had
    rows, e.g. when Comtrade really withdrew a period."""


class ComtradeNoDataShrinkError(ShrinkGuardError):
    """Calls that returned rows in the stored load now answer ``count: 0`` (``no_data``).

    A shrink-guard violation (the previous rows are kept) even when the period as a whole
    shrinks by less than ``max_shrink_fraction``: one of eight calls losing its 20 codes is a
    fault of the answer, not a revision.
    """

    def __init__(
        self,
        period_key: str,
        before: int,
        after: int,
        max_fraction: float,
        calls: list[tuple[str, int]],
    ) -> None:
        super().__init__("fact_trade_flow", "period_key", period_key, before, after, max_fraction)
        self.calls = calls
        url, rows = calls[0]
        Exception.__init__(
            self,
            f"shrink guard: Comtrade answered count 0 (no_data) for {len(calls)} call(s) of "
            f"period_key={period_key} that returned rows in the stored load; loading "
            f"fact_trade_flow (period_key={period_key}) would go from {before} to {after} rows. "
            "The previous rows are kept. If Comtrade really withdrew these rows, rerun with run "
            f"config allow_shrink: true. First such call returned {rows} rows before: {url}",
        )


def period_of(freq: str, partition_key: str) -> str:
    """Dagster partition key -> Comtrade period ('2021' -> '2021', '2024-03' -> '202403')."""
    return partition_key if freq == "A" else partition_key.replace("-", "")


def _by_edition(warehouse: Warehouse, table: str, code: str) -> dict[str, list[str]]:
    """``{edition: sorted codes}`` of the validated rows of a code dimension."""
    with warehouse.store().read() as con:
        rows = con.execute(
            f"SELECT DISTINCT hs_edition, {code} FROM {table} WHERE validated ORDER BY 1, 2"
        ).fetchall()
    out: dict[str, list[str]] = defaultdict(list)
    for edition, value in rows:
        out[edition].append(value)
    return dict(out)


def codes_by_edition(warehouse: Warehouse) -> dict[str, list[str]]:
    """Validated HS codes per edition, from dim_hs_code."""
    return _by_edition(warehouse, "dim_hs_code", "hs6")


def headings_by_edition(warehouse: Warehouse) -> dict[str, list[str]]:
    """Validated 4-digit headings per edition, from dim_hs_heading (empty before it is loaded)."""
    return _by_edition(warehouse, "dim_hs_heading", "heading")


def _state_path(
    http: HttpSources, freq: str, periods: list[str], edition: str, what: str = ""
) -> Path | None:
    if not http.raw_dir:
        return None
    root = Path(http.raw_dir).parent / "comtrade_state"
    return root / f"{freq}-{periods[0]}-{periods[-1]}-{edition}{what}.json"


def _body_loader(http: HttpSources):
    """Reads completed calls' answers back from the raw store when a fetch resumes."""
    if not http.raw_dir:
        return None
    return body_loader_from_store(Path(http.raw_dir) / COMTRADE_POLICY.name)


def _raw_fetched_at(http: HttpSources) -> dict[str, datetime]:
    """When each raw-store body was fetched (for answers read back when a fetch resumes)."""
    if not http.raw_dir:
        return {}
    index = Path(http.raw_dir) / COMTRADE_POLICY.name / "exchanges.jsonl"
    out: dict[str, datetime] = {}
    if index.exists():
        for line in index.read_text(encoding="utf-8").splitlines():
            try:
                d = json.loads(line)
                out[d["sha256"]] = datetime.fromisoformat(d["fetched_at"])
            except (ValueError, KeyError, TypeError):
                continue
    return out


def _no_data_regressions(
    warehouse: Warehouse,
    calls: list[CallRecord],
    freq: str,
    new_rows: dict[str, int],
    max_fraction: float,
) -> None:
    """Raise :class:`ComtradeNoDataShrinkError` for a call that had rows and now has none."""
    no_data = [c for c in calls if c.outcome == "no_data"]
    if not no_data:
        return
    keys = sorted({f"{freq}:{c.query.periods[0]}" for c in no_data})
    with warehouse.store().read() as con:
        before_calls = {
            (k, url): rows
            for k, url, rows in con.execute(
                "SELECT period_key, url, max(rows_returned) FROM comtrade_call "
                "WHERE period_key IN (SELECT UNNEST(?)) AND outcome = 'ok' AND rows_returned > 0 "
                "GROUP BY ALL",
                [keys],
            ).fetchall()
        }
        before_rows = dict(
            con.execute(
                "SELECT period_key, count(*) FROM fact_trade_flow "
                "WHERE period_key IN (SELECT UNNEST(?)) GROUP BY 1",
                [keys],
            ).fetchall()
        )
    for key in keys:
        lost = [
            (c.url, before_calls[(key, c.url)])
            for c in no_data
            if f"{freq}:{c.query.periods[0]}" == key and (key, c.url) in before_calls
        ]
        if lost:
            raise ComtradeNoDataShrinkError(
                key, before_rows.get(key, 0), new_rows.get(key, 0), max_fraction, lost
            )


def load_trade(
    context: dg.AssetExecutionContext,
    freq: str,
    http: HttpSources,
    warehouse: Warehouse,
    config: TradeLoadConfig | None = None,
) -> dg.MaterializeResult:
    config = config or TradeLoadConfig()
    keys = list(context.partition_keys)
    periods = [period_of(freq, k) for k in keys]
    period_keys = [f"{freq}:{p}" for p in periods]
    codes = codes_by_edition(warehouse)
    groups: dict[str, list[str]] = defaultdict(list)
    for p in periods:
        groups[edition_for_period(p)].append(p)

    calls, splits = [], []
    meta_totals: dict[str, int] = defaultdict(int)
    headings = headings_by_edition(warehouse)
    # Answers stream from the client into the normaliser as they are fetched (resumed ones
    # first, then in fetch order): only the normalised rows are kept, never the answers. The
    # heading totals (dim_hs_heading, aggrLevel 4) are asked for in their own calls and
    # normalised apart: a heading row is never one grain with the HS6 rows under it.
    normalisers = {6: TradeNormaliser(), 4: TradeNormaliser(level=4)}
    fetched_at: dict[str, datetime] = {}
    shas: set[str] = set()

    def taker(level: int):
        def take(response: ComtradeResponse) -> None:
            shas.add(response.raw_sha256)
            if response.fetched.fetched_at:
                fetched_at[response.raw_sha256] = datetime.fromisoformat(
                    response.fetched.fetched_at
                )
            normalisers[level].add(response)

        return take

    fetches = []
    for edition, eperiods in sorted(groups.items()):
        if not codes.get(edition):
            raise dg.Failure(f"dim_hs_code has no validated {edition} codes; load it first")
        fetches.append((6, edition, eperiods, codes[edition], ""))
        if headings.get(edition):
            fetches.append((4, edition, eperiods, headings[edition], "-headings"))

    with http.client(COMTRADE_POLICY) as source:
        client = ComtradeClient.from_env(source)
        for level, edition, eperiods, hs, what in fetches:
            try:
                result = client.fetch(
                    freq,
                    eperiods,
                    hs,
                    state_path=_state_path(http, freq, eperiods, edition, what),
                    body_loader=_body_loader(http),
                    on_answer=taker(level),
                )
            except QuotaExhaustedError as exc:
                raise dg.Failure(
                    description=f"Comtrade quota exhausted: {exc}. Completed calls are saved in "
                    f"{exc.state_path}; rerun the same range after the quota resets to resume.",
                    allow_retries=False,
                ) from exc
            calls += result.calls
            splits += result.splits
            for k, v in result.metadata().items():
                if isinstance(v, int):
                    meta_totals[k] += v
        endpoint = client.endpoint.value
        http_stats = source.stats.as_metadata()

    if len(fetched_at) < len(shas):
        fetched_at = {**_raw_fetched_at(http), **fetched_at}  # answers read back on resume
    trade = normalisers[6].finish(keep_order=True)  # a table has no row order: no sorted copy
    heading_trade = normalisers[4].finish(keep_order=True)
    if trade.unknown_fields:
        context.log.warning(
            f"[comtrade] records carry fields Comtrade's schema does not know (ignored): "
            f"{trade.unknown_fields}"
        )
    sample = http.mode == "replay"
    # the snapshot's real records (snapshot/comtrade/real_records.json) are not sample data
    real = real_trade_records(Path(http.snapshot_dir)) if sample else None
    real_keys = pl.DataFrame(
        [{k: r[k] for k in _REAL_KEY} for r in (real or {"records": []})["records"]],
        schema=_REAL_KEY,
        orient="row",
    ).with_columns(pl.lit(True).alias("_real"))

    def to_table(df: pl.DataFrame) -> pl.DataFrame:
        df = df.join(real_keys, on=list(_REAL_KEY), how="left", maintain_order="left")
        return (
            df.with_columns(
                (pl.col("freq") + ":" + pl.col("period")).alias("period_key"),
                (pl.lit(sample) & pl.col("_real").is_null()).alias("is_sample_data"),
                pl.col("raw_sha256")
                .replace_strict(fetched_at, default=None, return_dtype=pl.Datetime("us", "UTC"))
                .alias("_fetched_at"),
            )
            .drop("_real")
            .rename({"raw_sha256": "_raw_sha256", "source_url": "_source_url"})
        )

    def levelled(df: pl.DataFrame, level: int) -> pl.DataFrame:
        return to_table(df).with_columns(pl.lit(level, pl.Int8).alias("hs_level"))

    partners = pl.concat([levelled(trade.partners, 6), levelled(heading_trade.partners, 4)])
    world = pl.concat([levelled(trade.world, 6), levelled(heading_trade.world, 4)])
    hs6_rows = pl.col("hs_level") == 6
    now = datetime.now(UTC)
    call_rows = [
        {
            "period_key": f"{freq}:{c.query.periods[0]}",
            "call_no": i,
            "url": c.url,
            "outcome": c.outcome,
            "rows_returned": c.rows,
            "row_cap": client.cap,
            "hs_codes": len(c.query.hs_codes),
            "raw_sha256": c.sha256 or None,
            "_loaded_at": now,
        }
        for i, c in enumerate(calls, 1)
    ]
    call_df = pl.DataFrame(
        call_rows,
        schema={
            "period_key": pl.Utf8,
            "call_no": pl.Int32,
            "url": pl.Utf8,
            "outcome": pl.Utf8,
            "rows_returned": pl.Int32,
            "row_cap": pl.Int32,
            "hs_codes": pl.Int32,
            "raw_sha256": pl.Utf8,
            "_loaded_at": pl.Datetime("us", "UTC"),
        },
    )
    counted = dict(partners.group_by("period_key").len().iter_rows())
    new_rows = {k: counted.get(k, 0) for k in period_keys}
    no_data_calls = [
        {"period_key": r["period_key"], "url": r["url"]}
        for r in call_rows
        if r["outcome"] == "no_data"
    ]
    try:
        if not config.allow_shrink:
            _no_data_regressions(warehouse, calls, freq, new_rows, config.max_shrink_fraction)
        warehouse.store().replace_partitions(
            [
                PartitionWrite("fact_trade_flow", partners, "period_key", period_keys, guard=True),
                PartitionWrite(
                    "fact_trade_world_total", world, "period_key", period_keys, guard=True
                ),
                PartitionWrite("comtrade_call", call_df, "period_key", period_keys),
            ],
            run_id=context.run.run_id,
            shrink=config.shrink_policy(),
        )
    except ShrinkGuardError as exc:
        raise dg.Failure(
            description=f"[comtrade] {exc}",
            metadata={
                "rows_this_load": dg.MetadataValue.json(new_rows),
                "no_data_calls": dg.MetadataValue.json(no_data_calls[:50]),
            },
            allow_retries=False,
        ) from exc
    imports_usd, exports_usd = partners.select(
        pl.col("primary_value_usd")
        .filter((pl.col("flow_code") == flow) & hs6_rows)
        .sum()
        .alias(flow)
        for flow in "MX"
    ).row(0)  # sums over the HS6 rows of the frame, no filtered copy of it
    return dg.MaterializeResult(
        metadata={
            "periods": dg.MetadataValue.json(periods),
            "endpoint": endpoint,
            "calls": len(calls),
            "calls_no_data": sum(c.outcome == "no_data" for c in calls),
            "calls_resumed": sum(c.resumed for c in calls),
            "splits": len(splits),
            "rows": partners.height,
            "world_rows": world.height,
            "heading_rows": heading_trade.partners.height + heading_trade.world.height,
            "headings": dg.MetadataValue.json(sorted({h for hs in headings.values() for h in hs})),
            "partners": partners["partner_code"].n_unique(),
            "hs_codes": partners.filter(hs6_rows)["hs6"].n_unique(),
            "imports_usd": float(imports_usd or 0.0),
            "exports_usd": float(exports_usd or 0.0),
            "duplicates_dropped": trade.stats.get("duplicates_dropped", 0)
            + heading_trade.stats.get("duplicates_dropped", 0),
            "aggregate_rows_dropped": trade.stats.get("aggregate_rows_dropped", 0),
            "unknown_fields": dg.MetadataValue.json(trade.unknown_fields),
            "allow_shrink": config.allow_shrink,
            "breakdown_rows_dropped": trade.stats.get("breakdown_rows_dropped", 0),
            "sample_data": sample,
            "real_rows": int(
                (~partners["is_sample_data"]).sum() + (~world["is_sample_data"]).sum()
            ),
            **http_stats,
            "preview": dg.MetadataValue.md(
                preview_md(
                    partners.select(
                        "period", "flow_code", "hs6", "partner_code", "primary_value_usd"
                    ).sort("primary_value_usd", descending=True)
                )
            ),
        }
    )


_DESCRIPTION = (
    "India's imports and exports of every HS code in dim_hs_code, all partners, from UN "
    "Comtrade ({what}). Partner rows go to fact_trade_flow, World totals to "
    "fact_trade_world_total, every call to comtrade_call; swapped per period in one transaction."
)


@dg.asset(
    partitions_def=annual_periods,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
    group_name="trade",
    kinds={"duckdb", "polars", "api"},
    deps=[dim_hs_code, dim_country],
    description=_DESCRIPTION.format(what="annual periods from 2017, HS 2017 and HS 2022"),
)
def trade_flow_annual(
    context: dg.AssetExecutionContext,
    config: TradeLoadConfig,
    http: HttpSources,
    warehouse: Warehouse,
) -> dg.MaterializeResult:
    return load_trade(context, "A", http, warehouse, config)


@dg.asset(
    partitions_def=monthly_periods,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
    group_name="trade",
    kinds={"duckdb", "polars", "api"},
    deps=[dim_hs_code, dim_country],
    description=_DESCRIPTION.format(what="monthly periods from 2019"),
)
def trade_flow_monthly(
    context: dg.AssetExecutionContext,
    config: TradeLoadConfig,
    http: HttpSources,
    warehouse: Warehouse,
) -> dg.MaterializeResult:
    return load_trade(context, "M", http, warehouse, config)


# ----------------------------------------------------------------------------- checks


def _trade_checks(asset: dg.AssetsDefinition, freq: str) -> list[dg.AssetChecksDefinition]:
    where = f"freq = '{freq}'"
    name = asset.key.to_user_string()

    @dg.asset_check(
        asset=asset,
        name=f"{name}_values_non_negative",
        description="Values, weights and quantities are never negative.",
    )
    def non_negative(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.store().read() as con:
            n = con.execute(
                f"SELECT count(*) FROM fact_trade_flow WHERE {where} AND (primary_value_usd < 0 "
                "OR cif_value_usd < 0 OR fob_value_usd < 0 OR net_weight_kg < 0 OR qty < 0)"
            ).fetchone()[0]
        return dg.AssetCheckResult(passed=n == 0, metadata={"negative_rows": n})

    @dg.asset_check(
        asset=asset,
        name=f"{name}_hs_codes_mapped",
        description="Every (hs6, edition) in the facts is in dim_hs_code (heading rows, "
        "hs_level 4: in dim_hs_heading).",
    )
    def hs_mapped(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.store().read() as con:
            bad = con.execute(
                f"SELECT DISTINCT f.hs6, f.hs_edition FROM fact_trade_flow f WHERE {where} "
                "AND NOT EXISTS (SELECT 1 FROM dim_hs_code d WHERE f.hs_level = 6 "
                "AND d.hs6 = f.hs6 AND d.hs_edition = f.hs_edition) "
                "AND NOT EXISTS (SELECT 1 FROM dim_hs_heading h WHERE f.hs_level = 4 "
                "AND h.heading = f.hs6 AND h.hs_edition = f.hs_edition) ORDER BY ALL"
            ).fetchall()
        return dg.AssetCheckResult(passed=not bad, metadata={"unmapped": str(bad[:20])})

    @dg.asset_check(
        asset=asset,
        name=f"{name}_partners_known",
        description="Every partner code is in dim_country.",
    )
    def partners_known(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.store().read() as con:
            bad = con.execute(
                f"SELECT DISTINCT partner_code FROM fact_trade_flow WHERE {where} "
                "AND partner_code NOT IN (SELECT area_code FROM dim_country) ORDER BY 1"
            ).fetchall()
        return dg.AssetCheckResult(passed=not bad, metadata={"unknown_partners": str(bad)})

    @dg.asset_check(
        asset=asset,
        name=f"{name}_partners_sum_to_world",
        description="Sum of partner rows is within 1% of the reporter's World total per period, "
        "flow and code (warning: Comtrade's World can include confidential partners).",
    )
    def partners_vs_world(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.store().read() as con:
            rows = con.execute(
                f"""SELECT w.period, w.flow_code, w.hs6, w.primary_value_usd AS world,
                           coalesce(p.total, 0) AS partners
                    FROM fact_trade_world_total w
                    LEFT JOIN (SELECT period_key, flow_code, hs6, sum(primary_value_usd) total
                               FROM fact_trade_flow GROUP BY ALL) p
                      USING (period_key, flow_code, hs6)
                    WHERE w.{where}
                      AND abs(w.primary_value_usd - coalesce(p.total, 0))
                          > 0.01 * greatest(w.primary_value_usd, 1)
                    ORDER BY abs(w.primary_value_usd - coalesce(p.total, 0)) DESC"""
            ).fetchall()
        gaps = [
            {
                "period": r[0],
                "flow": r[1],
                "hs6": r[2],
                "world": r[3],
                "partners": r[4],
                "gap": r[3] - r[4],
            }
            for r in rows[:20]
        ]
        return dg.AssetCheckResult(
            passed=not rows,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"mismatches": len(rows), "largest_gaps": dg.MetadataValue.json(gaps)},
        )

    return [
        *table_checks(
            asset,
            "fact_trade_flow",
            key=FACT_KEY,
            required=FACT_REQUIRED,
            min_rows=0,
            where=where,
        ),
        non_negative,
        hs_mapped,
        partners_known,
        partners_vs_world,
    ]


trade_assets = [trade_flow_annual, trade_flow_monthly]
trade_checks = [*_trade_checks(trade_flow_annual, "A"), *_trade_checks(trade_flow_monthly, "M")]


def refresh_ranges(today: date) -> dict[str, tuple[str, str]]:
    """Periods the periodic refresh re-pulls (Comtrade revises): last 2 complete years, last 6
    complete months."""
    year = today.year
    annual = (str(year - 2), str(year - 1))
    end_m = (today.year * 12 + today.month - 1) - 1  # previous month, as a month index
    start_m = end_m - 5
    fmt = lambda m: f"{m // 12:04d}-{m % 12 + 1:02d}"  # noqa: E731
    return {"annual": annual, "monthly": (fmt(start_m), fmt(end_m))}

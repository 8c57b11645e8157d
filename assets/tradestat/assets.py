"""TradeStat asset (group ``trade``): India's own HS8 x partner x month trade, from the Ministry of
Commerce's Export Import Data Bank.

**Which report, and why.** TradeStat has one report that gives an 8-digit line against every
partner country for a month: MEIDB "Commodity-wise all Countries"
(``meidb/commodity_wise_all_countries_{import,export}``). The annual EIDB "Commodity x
Country-wise" report gives five fiscal years side by side but for *one* country per request
(251 requests per line), and the other monthly reports are national totals or one country's
totals. So the asset posts the monthly report once per line, month, flow and unit, and checks it
against the national "Commodity-wise" report (``meidb/commoditywise_{import,export}``), whose
line total and "India's Total Import/Export" row say what the stated flow's totals are.

**Partitions follow the fiscal calendar**: one per month from April 2018 (the first month of
FY 2018-19, MEIDB's first year), requested in Financial Year mode; a fiscal year is the twelve
partitions from April (:func:`~assets.tradestat.fiscal.fiscal_year_partition_keys`), rows carry
``fiscal_year`` and ``fiscal_month``, and the schedule re-pulls the current fiscal year to date
(TradeStat restates earlier months of the year with each release).

A range of months is one run: every page is fetched, parsed and checked first, then
``fact_trade_flow_hs8``, ``tradestat_page`` and ``dim_hs8_code`` are swapped in one transaction
under the shrink guard (:class:`TradeStatLoadConfig`). A page that fails (changed layout, unknown
units label, a flow whose totals are not the stated flow's, rows that do not add up) fails the run
with its typed error naming the report, the month and the field, and nothing is written.
"""

import hashlib
from collections import Counter

import dagster as dg
import polars as pl

from assets.comtrade.editions import edition_for_period
from assets.reference.assets import dim_country, dim_hs_code
from assets.tradestat.client import TradeStatClient
from assets.tradestat.errors import TradeStatPageError
from assets.tradestat.fetch import fetch_month
from assets.tradestat.fiscal import IST_TZ, current_fiscal_year_to_date, fiscal_year_label
from assets.tradestat.mapping import (
    HS8_MAP_CSV,
    ReferenceDataError,
    load_crosswalk,
    load_hs8_map,
    validate_hs8_map,
)
from assets.tradestat.normalise import normalise_month, period_key
from assets.tradestat.policy import TRADESTAT_POLICY
from pipelines.checks import table_checks
from pipelines.http import SourceHTTPError
from pipelines.load_config import LoadGuardConfig
from pipelines.metadata import preview_md
from pipelines.resources import HttpSources, Warehouse
from pipelines.schedules import RANGE_END, RANGE_START
from warehouse.store import PartitionWrite, ShrinkGuardError

#: Monthly partitions from April 2018, the first month of fiscal year 2018-19.
tradestat_months = dg.MonthlyPartitionsDefinition(
    start_date="2018-04", fmt="%Y-%m", timezone="Asia/Kolkata"
)


class TradeStatLoadConfig(LoadGuardConfig):
    """Run configuration of the TradeStat load (Launchpad: ``ops: {tradestat_hs8_monthly:
    {config: {allow_shrink: true}}}``): the shrink guard's two fields."""


def validated_hs_codes(warehouse: Warehouse) -> pl.DataFrame:
    with warehouse.store().read() as con:
        return con.execute(
            "SELECT DISTINCT hs6, hs_edition, mineral_id FROM dim_hs_code WHERE validated"
        ).pl()


def hs8_dimension(hs8_map: pl.DataFrame, validated: pl.DataFrame) -> pl.DataFrame:
    ok = validated.with_columns(pl.lit(True).alias("validated"))
    sha = hashlib.sha256(HS8_MAP_CSV.read_bytes()).hexdigest()
    return (
        hs8_map.join(ok, on=["hs6", "hs_edition", "mineral_id"], how="left")
        .with_columns(
            pl.col("validated").fill_null(False),
            pl.lit("warehouse/reference/hs8_mineral_map.csv").alias("_source"),
            pl.lit(sha).alias("_raw_sha256"),
        )
        .select(
            "hs8",
            "hs_edition",
            "hs6",
            "mineral_id",
            "description",
            "unit",
            "evidence",
            "note",
            "validated",
            "_source",
            "_raw_sha256",
        )  # fmt: skip
        .sort("hs8", "hs_edition")
    )


def _failure(exc: Exception, keys: list[str]) -> dg.Failure:
    meta = {"months": dg.MetadataValue.json(keys)}
    for name in ("report", "period", "field", "flow", "hs8", "url"):
        value = getattr(exc, name, None)
        if value:
            meta[name] = str(value)
    return dg.Failure(
        description=f"{exc}. Nothing was loaded for {keys[0]}..{keys[-1]}.",
        metadata=meta,
        allow_retries=False,
    )


def load_tradestat(
    context: dg.AssetExecutionContext,
    http: HttpSources,
    warehouse: Warehouse,
    config: TradeStatLoadConfig | None = None,
) -> dg.MaterializeResult:
    config = config or TradeStatLoadConfig()
    keys = list(context.partition_keys)
    try:
        hs8_map = load_hs8_map()
        crosswalk = load_crosswalk()
    except ReferenceDataError as exc:
        raise dg.Failure(description=f"[tradestat] {exc}", allow_retries=False) from exc
    validated = validated_hs_codes(warehouse)
    problems = validate_hs8_map(hs8_map, validated)
    if problems:
        raise dg.Failure(
            description="[tradestat] hs8_mineral_map.csv maps HS8 lines to (hs6, edition, "
            f"mineral) rows that are not validated in dim_hs_code: {problems[:10]}",
            allow_retries=False,
        )
    facts, logs = [], []
    sample = http.mode == "replay"
    with http.client(TRADESTAT_POLICY) as source:
        client = TradeStatClient(source)
        try:
            for key in keys:
                edition = edition_for_period(key.replace("-", ""))
                codes = hs8_map.filter(pl.col("hs_edition") == edition)["hs8"].to_list()
                pages = fetch_month(client, key, codes)
                month_facts, month_log = normalise_month(
                    pages, hs8_map, crosswalk, is_sample_data=sample
                )
                facts.append(month_facts)
                logs.append(month_log)
                context.log.info(
                    f"[tradestat] {key} ({fiscal_year_label(*map(int, key.split('-')))}): "
                    f"{len(pages) * 4} pages, {month_facts.height} rows"
                )
        except (TradeStatPageError, SourceHTTPError) as exc:
            raise _failure(exc, keys) from exc
        http_stats = source.stats.as_metadata()
    session = client.stats
    fact_df, log_df = pl.concat(facts), pl.concat(logs)
    dim = hs8_dimension(hs8_map, validated)
    period_keys = [period_key(k) for k in keys]
    try:
        warehouse.store().replace_partitions(
            [
                PartitionWrite(
                    "fact_trade_flow_hs8", fact_df, "period_key", period_keys, guard=True
                ),
                PartitionWrite("tradestat_page", log_df, "period_key", period_keys),
                PartitionWrite("dim_hs8_code", dim),
            ],
            run_id=context.run.run_id,
            shrink=config.shrink_policy(),
        )
    except ShrinkGuardError as exc:
        raise dg.Failure(
            description=f"[tradestat] {exc}",
            metadata={
                "rows_this_load": dg.MetadataValue.json(
                    dict(Counter(fact_df["period_key"].to_list()))
                )
            },
            allow_retries=False,
        ) from exc
    imports = fact_df.filter(pl.col("flow_code") == "M")
    exports = fact_df.filter(pl.col("flow_code") == "X")
    return dg.MaterializeResult(
        metadata={
            "months": dg.MetadataValue.json(keys),
            "fiscal_years": dg.MetadataValue.json(sorted(set(fact_df["fiscal_year"].to_list()))),
            "rows": fact_df.height,
            "pages": log_df.height,
            "hs8_codes": fact_df["hs8"].n_unique(),
            "minerals": fact_df["mineral_id"].n_unique(),
            "partners": fact_df["partner_dgcis_code"].n_unique(),
            "imports_usd": float(imports["value_usd"].sum() or 0.0),
            "exports_usd": float(exports["value_usd"].sum() or 0.0),
            "usd_rounded_to_zero_rows": int(fact_df["usd_rounded_to_zero"].sum()),
            "revision_status": dg.MetadataValue.json(
                dict(Counter(str(v) for v in fact_df["revision_status"].to_list()))
            ),
            "form_gets": session.form_gets,
            "form_posts": session.posts,
            "page_expired_419": session.page_expired,
            "allow_shrink": config.allow_shrink,
            "sample_data": sample,
            **http_stats,
            "preview": dg.MetadataValue.md(
                preview_md(
                    fact_df.sort("value_usd", descending=True, nulls_last=True).select(
                        "period",
                        "flow_code",
                        "hs8",
                        "mineral_id",
                        "partner_name",
                        "value_usd",
                        "value_inr",
                        "quantity",
                        "quantity_unit",
                    )  # fmt: skip
                )
            ),
        }
    )


@dg.asset(
    partitions_def=tradestat_months,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
    group_name="trade",
    kinds={"duckdb", "polars", "html"},
    deps=[dim_hs_code, dim_country],
    description="India's imports and exports of critical-mineral ITC-HS 8-digit lines by partner "
    "and month, from the Ministry of Commerce's TradeStat (MEIDB 'Commodity-wise all Countries', "
    "checked against the national 'Commodity-wise' totals): US$, rupees and quantity into "
    "fact_trade_flow_hs8, every page into tradestat_page, the HS8 map into dim_hs8_code. Monthly "
    "partitions from April 2018 (fiscal years April-March).",
)
def tradestat_hs8_monthly(
    context: dg.AssetExecutionContext,
    config: TradeStatLoadConfig,
    http: HttpSources,
    warehouse: Warehouse,
) -> dg.MaterializeResult:
    return load_tradestat(context, http, warehouse, config)


# ----------------------------------------------------------------------------- checks


@dg.asset_check(
    asset=tradestat_hs8_monthly,
    description="Every (hs8, edition) in fact_trade_flow_hs8 is a validated dim_hs8_code row.",
)
def tradestat_hs8_codes_validated(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        bad = con.execute(
            "SELECT DISTINCT f.hs8, f.hs_edition FROM fact_trade_flow_hs8 f "
            "WHERE NOT EXISTS (SELECT 1 FROM dim_hs8_code d WHERE d.hs8 = f.hs8 "
            "AND d.hs_edition = f.hs_edition AND d.validated) ORDER BY ALL"
        ).fetchall()
    return dg.AssetCheckResult(passed=not bad, metadata={"unvalidated": str(bad[:20])})


@dg.asset_check(
    asset=tradestat_hs8_monthly,
    description="Every partner's Comtrade area code (from the DGCI&S crosswalk) is in dim_country.",
)
def tradestat_partners_known(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.store().read() as con:
        bad = con.execute(
            "SELECT DISTINCT partner_name, partner_code FROM fact_trade_flow_hs8 "
            "WHERE partner_code NOT IN (SELECT area_code FROM dim_country) ORDER BY ALL"
        ).fetchall()
    return dg.AssetCheckResult(passed=not bad, metadata={"unknown_partners": str(bad[:20])})


tradestat_assets = [tradestat_hs8_monthly]
tradestat_checks = [
    *table_checks(
        tradestat_hs8_monthly,
        "fact_trade_flow_hs8",
        key=["period_key", "flow_code", "hs8", "partner_dgcis_code"],
        required=[
            "period",
            "fiscal_year",
            "hs8",
            "hs6",
            "mineral_id",
            "partner_code",
            "_raw_sha256",
        ],
        min_rows=0,
    ),
    tradestat_hs8_codes_validated,
    tradestat_partners_known,
]


def build_tradestat_refresh(job) -> dg.ScheduleDefinition:
    """On the 16th of each month (TradeStat publishes the previous month around mid-month):
    re-pull the current fiscal year to date as one run (earlier months are restated)."""

    @dg.schedule(
        name="tradestat_fiscal_year_refresh",
        job=job,
        cron_schedule="0 4 16 * *",
        execution_timezone="Asia/Kolkata",
        description="Re-pull the current fiscal year to date from TradeStat as one run (the "
        "portal restates earlier months of the fiscal year with every release).",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        today = context.scheduled_execution_time.astimezone(IST_TZ).date()
        start, end = current_fiscal_year_to_date(today)
        return dg.RunRequest(
            run_key=f"tradestat-fy-refresh-{today.isoformat()}",
            tags={RANGE_START: start, RANGE_END: end},
        )

    return _schedule

"""The one Definitions object of this code location (loaded by `dagster dev` from the repo root)."""

import dagster as dg

from assets.comtrade.assets import (
    refresh_ranges,
    trade_assets,
    trade_checks,
    trade_flow_annual,
    trade_flow_monthly,
)
from assets.comtrade.mirror import mirror_assets, mirror_checks, trade_mirror_annual
from assets.events.assets import event_catalogue, events_assets, events_checks, policy_event
from assets.marts.assets import mart_assets
from assets.pib.assets import pib_assets, pib_checks
from assets.publish import build_publish_asset
from assets.reference.assets import reference_assets, reference_checks
from assets.report.assets import analyst_report
from assets.tradestat.assets import (
    build_tradestat_refresh,
    tradestat_assets,
    tradestat_checks,
    tradestat_hs8_monthly,
)
from pipelines.resources import build_resources
from pipelines.schedules import build_pib_nightly, build_trade_refresh

reader_snapshot = build_publish_asset(
    [*reference_assets, *pib_assets, *trade_assets, *mirror_assets, policy_event, event_catalogue]
    + [*tradestat_assets, *mart_assets, analyst_report]
)

reference_job = dg.define_asset_job(
    "reference_job",
    selection=dg.AssetSelection.groups("reference") | dg.AssetSelection.assets(event_catalogue),
    description="Rebuild the reference dimensions (minerals, HS codes, countries) and load the "
    "event catalogue.",
)
pib_job = dg.define_asset_job(
    "pib_job",
    selection=dg.AssetSelection.groups("pib") | dg.AssetSelection.assets(policy_event),
    description="PIB releases and the policy events tagged from them, for a range of IST days "
    "(one run per range). The nightly schedule runs it.",
)
trade_annual_job = dg.define_asset_job(
    "trade_annual_job",
    selection=dg.AssetSelection.assets(trade_flow_annual, trade_mirror_annual),
    description="Comtrade annual trade flows for a range of years (one run per range): India's "
    "own report and the partners' mirror flows with India.",
)
trade_monthly_job = dg.define_asset_job(
    "trade_monthly_job",
    selection=dg.AssetSelection.assets(trade_flow_monthly),
    description="Comtrade monthly trade flows for a range of months (one run per range).",
)
tradestat_job = dg.define_asset_job(
    "tradestat_job",
    selection=dg.AssetSelection.assets(tradestat_hs8_monthly),
    description="India's own HS8 trade by partner from TradeStat, for a range of months (one run "
    "per range; a fiscal year is April to March).",
)
events_job = dg.define_asset_job(
    "events_job",
    selection=dg.AssetSelection.assets(policy_event),
    description="Re-tag stored PIB releases into policy events (no fetching), for a range of days.",
)
evaluation_job = dg.define_asset_job(
    "evaluation_job",
    selection=dg.AssetSelection.assets("tagger_evaluation"),
    description="Score the event tagger on the gold set.",
)
refresh_job = dg.define_asset_job(
    "refresh_job",
    selection=dg.AssetSelection.groups("marts", "report")
    | dg.AssetSelection.assets(reader_snapshot),
    description="Recreate the marts and the HTML report, then republish the analyst reader file.",
)
load_jobs = [reference_job, pib_job, trade_annual_job, trade_monthly_job, tradestat_job, events_job]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=load_jobs,
    request_job=refresh_job,
    name="refresh_after_load",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every successful load run: marts, report, and a new analyst reader file.",
)
def refresh_after_load(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=f"refresh-after-{context.dagster_run.run_id}")


defs = dg.Definitions(
    assets=[
        *reference_assets,
        *pib_assets,
        *trade_assets,
        *mirror_assets,
        *tradestat_assets,
        *events_assets,
        *mart_assets,
        analyst_report,
        reader_snapshot,
    ],
    asset_checks=[
        *reference_checks,
        *pib_checks,
        *trade_checks,
        *mirror_checks,
        *tradestat_checks,
        *events_checks,
    ],
    jobs=[*load_jobs, evaluation_job, refresh_job],
    schedules=[
        build_pib_nightly(pib_job),
        *build_trade_refresh(trade_annual_job, trade_monthly_job, refresh_ranges),
        build_tradestat_refresh(tradestat_job),
    ],
    sensors=[refresh_after_load],
    resources=build_resources(),
)

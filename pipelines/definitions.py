"""The one Definitions object of this code location (loaded by `dagster dev` from the repo root)."""

import dagster as dg

from assets.comtrade.assets import (
    refresh_ranges,
    trade_assets,
    trade_checks,
    trade_flow_annual,
    trade_flow_monthly,
)
from assets.comtrade.mirror import (
    mirror_assets,
    mirror_checks,
    trade_mirror_annual,
    trade_mirror_monthly,
)
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
    selection=dg.AssetSelection.assets(trade_flow_monthly, trade_mirror_monthly),
    description="Comtrade monthly trade flows for a range of months (one run per range): India's "
    "own report and the mirror flows of the partners that report monthly.",
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


_ALL_ASSETS = [  # every asset of the code location (defs below), for resolving selections
    *reference_assets,
    *pib_assets,
    *trade_assets,
    *mirror_assets,
    *tradestat_assets,
    *events_assets,
    *mart_assets,
    analyst_report,
    reader_snapshot,
]


def refresh_after(loaded: list[dg.AssetKey]) -> list[dg.AssetKey]:
    """What the refresh after a load of ``loaded`` runs: the marts downstream of it (a PIB day
    reaches the event marts, not the trade marts), the report and the reader file."""
    marts = dg.AssetSelection.assets(*loaded).downstream() & dg.AssetSelection.groups("marts")
    keys = (marts | dg.AssetSelection.assets(analyst_report, reader_snapshot)).resolve(_ALL_ASSETS)
    return sorted(keys, key=lambda k: k.to_user_string())


REFRESH_AFTER_JOB = {
    job.name: refresh_after(list(job.selection.resolve(_ALL_ASSETS))) for job in load_jobs
}
"""Load job -> the assets the refresh after one of its runs materialises."""


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=load_jobs,
    request_job=refresh_job,
    name="refresh_after_load",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every successful load run: the marts downstream of what it loaded (each "
    "rebuilt as far as its inputs changed), the report, and a new analyst reader file.",
)
def refresh_after_load(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    run = context.dagster_run
    loaded = run.asset_selection  # the assets the run materialised (None: its whole job)
    selection = refresh_after(list(loaded)) if loaded else REFRESH_AFTER_JOB.get(run.job_name)
    return dg.RunRequest(run_key=f"refresh-after-{run.run_id}", asset_selection=selection)


defs = dg.Definitions(
    assets=_ALL_ASSETS,
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

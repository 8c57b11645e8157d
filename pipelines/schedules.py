"""Schedules: the nightly PIB run (yesterday plus a re-check window) in IST."""

import os
from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

IST = ZoneInfo("Asia/Kolkata")
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def pib_recheck_days() -> int:
    """How many days before yesterday the nightly run re-lists (PIB adds late items)."""
    return int(os.environ.get("CMW_PIB_RECHECK_DAYS", "3"))


def build_pib_nightly(job) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="pib_nightly",
        job=job,
        cron_schedule="30 1 * * *",
        execution_timezone="Asia/Kolkata",
        description="01:30 IST: yesterday's PIB releases plus a re-check of the days before "
        "(CMW_PIB_RECHECK_DAYS, default 3), as ONE run over the range.",
    )
    def pib_nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        today = context.scheduled_execution_time.astimezone(IST).date()
        end = today - timedelta(days=1)
        start = end - timedelta(days=pib_recheck_days())
        return dg.RunRequest(
            run_key=f"pib-nightly-{end.isoformat()}",
            tags={RANGE_START: start.isoformat(), RANGE_END: end.isoformat()},
        )

    return pib_nightly


def build_trade_refresh(annual_job, monthly_job, refresh_ranges) -> list[dg.ScheduleDefinition]:
    """Weekly re-pulls of recent trade periods (Comtrade revises): one run per range."""

    def make(name: str, job, which: str, cron: str, what: str) -> dg.ScheduleDefinition:
        @dg.schedule(
            name=name,
            job=job,
            cron_schedule=cron,
            execution_timezone="Asia/Kolkata",
            description=f"Re-pull {what} from UN Comtrade as one run (sources revise).",
        )
        def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
            today = context.scheduled_execution_time.astimezone(IST).date()
            start, end = refresh_ranges(today)[which]
            return dg.RunRequest(
                run_key=f"{name}-{today.isoformat()}",
                tags={RANGE_START: start, RANGE_END: end},
            )

        return _schedule

    return [
        make(
            "trade_annual_refresh", annual_job, "annual", "0 3 * * 0", "the last 2 complete years"
        ),
        make(
            "trade_monthly_refresh",
            monthly_job,
            "monthly",
            "30 3 * * 0",
            "the last 6 complete months",
        ),
    ]

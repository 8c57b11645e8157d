"""The refresh after a load runs the marts downstream of what it loaded: a PIB day refreshes the
event marts, the report and the reader file, never the trade marts."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.definitions import defs, refresh_after_load

TRADE_ONLY = {"mart_import_dependence", "mart_supplier_concentration"}
EVENT_MARTS = {"mart_policy_timeline", "mart_event_trade_context", "mart_partner_profile"}
ALWAYS = {"analyst_report", "reader_snapshot"}


def _request(job: str, asset_selection: frozenset[dg.AssetKey] | None = None) -> set[str]:
    run = dg.DagsterRun(job_name=job, run_id=f"run-{job}", asset_selection=asset_selection)
    context = dg.build_run_status_sensor_context(
        sensor_name="refresh_after_load",
        dagster_instance=dg.DagsterInstance.ephemeral(),
        dagster_run=run,
        dagster_event=dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name=job),
    )
    request = refresh_after_load(context)
    assert request.run_key == f"refresh-after-run-{job}"
    refresh = defs.resolve_job_def("refresh_job").asset_layer.executable_asset_keys
    assert set(request.asset_selection) <= set(refresh)
    return {k.to_user_string() for k in request.asset_selection}


@pytest.mark.parametrize("job", ["pib_job", "events_job"])
def test_a_pib_or_events_load_refreshes_only_the_event_marts(job):
    got = _request(job)
    assert got == EVENT_MARTS | ALWAYS


@pytest.mark.parametrize("job", ["trade_annual_job", "trade_monthly_job"])
def test_a_trade_load_refreshes_the_trade_marts_and_what_reads_trade(job):
    got = _request(job)
    assert TRADE_ONLY | {"mart_event_trade_context", "mart_partner_profile"} | ALWAYS <= got
    assert "mart_policy_timeline" not in got


def test_a_reference_load_refreshes_every_mart():
    marts = {k.to_user_string() for k in dg.AssetSelection.groups("marts").resolve(defs.assets)}
    assert _request("reference_job") == marts | ALWAYS


def test_a_run_of_some_assets_refreshes_what_is_downstream_of_those():
    # the catalogue alone, materialised from the UI: a reference_job run of one asset
    got = _request("reference_job", frozenset({dg.AssetKey("event_catalogue")}))
    assert got == EVENT_MARTS | ALWAYS

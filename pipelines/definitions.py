"""The one Definitions object of this code location (loaded by `dagster dev` from the repo root)."""

from __future__ import annotations

import dagster as dg

from assets.publish import build_publish_asset
from assets.reference.assets import reference_assets, reference_checks
from pipelines.resources import build_resources

reader_snapshot = build_publish_asset(reference_assets)

reference_job = dg.define_asset_job(
    "reference_job",
    selection=dg.AssetSelection.groups("reference"),
    description="Rebuild the reference dimensions (minerals, HS codes, countries).",
)
publish_job = dg.define_asset_job(
    "publish_job",
    selection=dg.AssetSelection.assets(reader_snapshot),
    description="Label the warehouse and republish the analyst reader file.",
)

defs = dg.Definitions(
    assets=[*reference_assets, reader_snapshot],
    asset_checks=reference_checks,
    jobs=[reference_job, publish_job],
    resources=build_resources(),
)

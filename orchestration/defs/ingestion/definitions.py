"""The ingestion area: a load asset per connected API source and per CSV export, the
decisions recorded in the dashboards, and the landing checks on the raw tables."""

from __future__ import annotations

import dagster as dg

from earshot.settings import Settings
from ingestion.pipelines import EXPORT_VENDORS
from orchestration.defs import partitions
from orchestration.defs.ingestion.assets import source_assets
from orchestration.defs.ingestion.checks import landing_checks_for
from orchestration.defs.ingestion.decisions import recorded_decisions
from orchestration.defs.ingestion.exports import export_assets


def definitions(settings: Settings) -> dg.Definitions:
    daily = partitions.daily(settings.history_start)
    return dg.Definitions(
        assets=[
            *(source_assets(source, daily) for source in settings.sources),
            *(export_assets(vendor) for vendor in EXPORT_VENDORS if vendor in settings.sources),
            recorded_decisions,
        ],
        asset_checks=landing_checks_for(settings.sources),
    )

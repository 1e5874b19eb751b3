"""The publish area: the dashboards' read-only copy of the marts."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.publish.assets import published_marts_asset
from orchestration.defs.publish.checks import matches_the_warehouse


def definitions(marts: list[dg.AssetKey]) -> dg.Definitions:
    return dg.Definitions(
        assets=[published_marts_asset(marts)], asset_checks=[matches_the_warehouse]
    )

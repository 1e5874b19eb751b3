"""The publish area: the dashboards' read-only copy of the marts."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.publish.assets import published_marts_asset


def definitions(marts: list[dg.AssetKey]) -> dg.Definitions:
    return dg.Definitions(assets=[published_marts_asset(marts)])

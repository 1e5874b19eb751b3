"""The read-only copy of the marts that the dashboards read."""

import dagster as dg

from earshot.publish import publish_marts
from orchestration.defs import partitions
from orchestration.defs.pools import WAREHOUSE_POOL
from orchestration.defs.resources import EarshotResource
from orchestration.defs.transform.assets import PUBLISHED


def published_marts_asset(marts: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=PUBLISHED,
        deps=marts,
        group_name="publish",
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        freshness_policy=partitions.DAILY_FRESHNESS,
        description="Every table in the marts schema, copied to the dashboards' read-only file "
        "and swapped into place atomically, with the newest data it holds ('data through').",
    )
    def published_marts(
        context: dg.AssetExecutionContext, earshot: EarshotResource
    ) -> dg.MaterializeResult:
        target = earshot.settings.published
        with earshot.connect(say=context.log.info) as connection:
            counts = publish_marts(connection, target)
        context.log.info("published %d tables to %s", len(counts), target)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(target)),
                "tables": len(counts),
                **{f"rows/{table}": count for table, count in counts.items()},
            }
        )

    return published_marts

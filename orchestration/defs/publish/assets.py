"""The read-only copy of the marts that the dashboards read."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from earshot import settings
from earshot.publish import publish_marts
from orchestration.defs.pools import WAREHOUSE_POOL
from orchestration.defs.transform.assets import MART_KEYS


@dg.asset(
    key=["published", "marts"],
    deps=MART_KEYS,
    group_name="publish",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    description="Every table in the marts schema, copied to the dashboards' read-only file "
    "and swapped into place atomically.",
)
def published_marts(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    target = settings.published_path()
    with warehouse.get_connection() as connection:
        counts = publish_marts(connection, target)
    context.log.info("published %d tables to %s", len(counts), target)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "tables": len(counts),
            **{f"rows/{table}": count for table, count in counts.items()},
        }
    )

"""The one Definitions object Dagster loads: ``dagster dev -m orchestration.definitions``."""

import dagster as dg

from orchestration.defs.ingestion import assets as ingestion_assets
from orchestration.defs.ingestion.resources import dlt_resource
from orchestration.defs.publish import assets as publish_assets
from orchestration.defs.publish.resources import warehouse_resource
from orchestration.defs.schedules.schedules import daily_refresh_job, daily_refresh_schedule
from orchestration.defs.transform import assets as transform_assets
from orchestration.defs.transform import checks as transform_checks
from orchestration.defs.transform.resources import dbt_resource

defs = dg.Definitions(
    assets=[
        *ingestion_assets.load_assets,
        *dg.load_assets_from_modules([transform_assets, publish_assets]),
    ],
    asset_checks=dg.load_asset_checks_from_modules([transform_checks]),
    jobs=[daily_refresh_job],
    schedules=[daily_refresh_schedule],
    resources={
        "dlt": dlt_resource,
        "dbt": dbt_resource,
        "warehouse": warehouse_resource,
    },
)

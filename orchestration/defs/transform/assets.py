"""Every dbt model and seed as an asset; dbt tests become asset checks."""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from ingestion.pipelines import RAW_DATASETS
from orchestration.defs.pools import WAREHOUSE_POOL
from orchestration.defs.transform.resources import dbt_project

MART_AREAS = ("themes", "cohorts", "demand")


class EarshotDbtTranslator(DagsterDbtTranslator):
    """Key dbt nodes by schema and name, and tie dbt sources to the dlt assets that load them."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # Child tables (orders__line_items) are loaded by their parent's resource.
            table = dbt_resource_props["name"].split("__")[0]
            return dg.AssetKey([RAW_DATASETS[dbt_resource_props["source_name"]], table])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if len(fqn) > 2 and fqn[1] == "marts" and fqn[2] in MART_AREAS:
            return fqn[2]
        return "transform"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    # Child tables (orders__line_items) share their parent's key: one dlt resource loads both.
    dagster_dbt_translator=EarshotDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
    ),
    pool=WAREHOUSE_POOL,
)
def earshot_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    yield from dbt.cli(["build"], context=context).stream()


MART_KEYS = [key for key in earshot_dbt_assets.keys if key.path[0] == "marts"]

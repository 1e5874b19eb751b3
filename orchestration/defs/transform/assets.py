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


def group_for(fqn: list[str]) -> str:
    """The asset group of a dbt node, after its folder: a mart's folder names the question
    it answers (``demand``, ``call_operations``); other layers are grouped as
    ``<layer>_<folder>`` (``staging_shopify``, ``intermediate_voice``); seeds as ``seeds``."""
    folders = fqn[1:-1]
    if not folders:
        return "seeds"
    if folders[0] == "marts" and len(folders) > 1:
        return folders[1]
    return "_".join(folders[:2])


class EarshotDbtTranslator(DagsterDbtTranslator):
    """Key dbt nodes by schema and name, and tie dbt sources to the dlt assets that load them."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # Child tables (orders__line_items) are loaded by their parent's resource.
            table = dbt_resource_props["name"].split("__")[0]
            return dg.AssetKey([RAW_DATASETS[dbt_resource_props["source_name"]], table])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return group_for(dbt_resource_props.get("fqn", []))


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

"""Every dbt model and seed as an asset; dbt tests become asset checks; the dashboards
(dbt exposures) as assets downstream of the published marts."""

import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from ingestion.pipelines import EXPORT_VENDORS
from orchestration.defs import partitions
from orchestration.defs.ingestion.exports import export_key
from orchestration.defs.pools import WAREHOUSE_POOL
from orchestration.defs.resources import EarshotResource

PUBLISHED = dg.AssetKey(["published", "marts"])

# DuckDB's message when a query could not have the memory it asked for
OUT_OF_MEMORY = "Out of Memory Error"
# How many times a dbt build that ran out of memory is run again
OUT_OF_MEMORY_RETRIES = 1


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
    """Key dbt models by schema and name; sources take the key their ``meta.dagster.asset_key``
    names (the raw table's load asset), as dagster-dbt reads it."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return group_for(dbt_resource_props.get("fqn", []))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id)
        if node is None:
            return spec
        if spec.key.path[0] == "marts":
            spec = spec.replace_attributes(freshness_policy=partitions.DAILY_FRESHNESS)
        # A model reading calls or reviews reads what the CSV exports loaded there too.
        exports = {
            export_key(vendor)
            for parent in node.get("depends_on", {}).get("nodes", [])
            if parent.startswith("source.")
            for vendor in [parent.split(".")[2]]
            if vendor in EXPORT_VENDORS
            and parent.split(".")[3].split("__")[0] == EXPORT_VENDORS[vendor]
        }
        return spec.merge_attributes(deps=sorted(exports)) if exports else spec


TRANSLATOR = EarshotDbtTranslator(
    # Child tables (orders__line_items) share their parent's key: one load fills both.
    settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
)


def dbt_vars(earshot: EarshotResource) -> dict[str, str]:
    """The vars every dbt run on a warehouse is given: its path, and nothing that varies
    from run to run, so that dbt can reuse its last parse (a changed var re-parses all)."""
    return {"earshot_warehouse": str(earshot.settings.warehouse)}


def build_args(earshot: EarshotResource) -> list[str]:
    """``dbt build`` as a scheduled run gives it: models, seeds, snapshots and data tests.

    Unit tests are left out. Their inputs are fixed rows in the YAML, so a run
    on new data cannot change their result: they belong to development and CI,
    where the SQL changes (``dbt build`` run by hand, and the test suite's shop
    builds, run them), not to every hourly and daily run.
    """
    return [
        "build",
        "--vars",
        json.dumps(dbt_vars(earshot)),
        "--exclude-resource-type",
        "unit_test",
    ]


def window_environment(window) -> dict[str, str]:
    """The partition window a run reprocesses, as the environment variables
    ``in_partition_window`` (transform/macros/incremental.sql) reads while models run."""
    values = {"EARSHOT_WINDOW_START": "", "EARSHOT_WINDOW_END": ""}
    if window is not None:
        values["EARSHOT_WINDOW_START"] = window.start.strftime("%Y-%m-%d %H:%M:%S")
        if window.end is not None:
            values["EARSHOT_WINDOW_END"] = window.end.strftime("%Y-%m-%d %H:%M:%S")
    return values


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, restored afterwards (dagster-dbt hands dbt a copy)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def out_of_memory_nodes(run_results: Mapping[str, Any]) -> list[str]:
    """The nodes of a dbt run (its ``run_results.json``) that failed because DuckDB ran out
    of memory, by name."""
    return [
        result["unique_id"].split(".")[-1]
        for result in run_results.get("results", [])
        if result.get("status") == "error" and OUT_OF_MEMORY in (result.get("message") or "")
    ]


def run_results_of(invocation: DbtCliInvocation) -> Mapping[str, Any]:
    """The invocation's ``run_results.json``, or nothing where dbt stopped before writing
    one (an error while parsing, say)."""
    try:
        return invocation.get_artifact("run_results.json")
    except (OSError, ValueError):
        return {}


def retry_if_out_of_memory(
    run_results: Mapping[str, Any],
    error: Exception,
    retry_number: int,
    say: Callable[[str], None],
) -> None:
    """Ask Dagster to run the dbt step again, once, when the build failed because DuckDB
    ran out of memory (dbt's errors, which ``error`` carries, say so; ``run_results``
    names the models; ``retry_number``: the step's attempts before this one). Otherwise,
    or a second time, return and let the error stand.

    At the L shop a daily build's ``language_gap`` ran out of memory now and then (once
    in 64 runs of it alone) and passed when run again (docs/benchmarks.md): a second
    run costs one daily build, where a failed one leaves the marts a day old. A build
    that runs out of memory every time fails on its second attempt, with dbt's message;
    ``EARSHOT_DUCKDB_MEMORY_LIMIT`` is then the setting to raise.
    """
    if OUT_OF_MEMORY not in str(error) or retry_number >= OUT_OF_MEMORY_RETRIES:
        return
    nodes = ", ".join(out_of_memory_nodes(run_results)) or "a model"
    say(
        f"DuckDB ran out of memory in {nodes}; running the dbt build again "
        f"(attempt {retry_number + 2} of {OUT_OF_MEMORY_RETRIES + 1}). "
        "Incremental models keep what the first attempt wrote."
    )
    raise dg.RetryRequested(max_retries=OUT_OF_MEMORY_RETRIES) from error


def transform_assets(
    project: DbtProject, partitions_def: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=TRANSLATOR,
        partitions_def=partitions_def,
        backfill_policy=partitions.SINGLE_RUN,
        pool=WAREHOUSE_POOL,
    )
    def earshot_dbt_assets(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, earshot: EarshotResource
    ) -> Iterator[Any]:
        window = partitions.window_of(context)
        args = build_args(earshot)
        # the loads' and checks' worker ends before dbt and the encoder start
        earshot.end_worker(say=context.log.info)
        with earshot.lock(say=context.log.info):
            with environment(window_environment(window)):
                invocation = dbt.cli(
                    args, context=context, target_path=earshot.settings.dbt_target_dir
                )
            try:
                yield from invocation.stream()
            except DagsterDbtCliRuntimeError as error:
                retry_if_out_of_memory(
                    run_results_of(invocation),
                    error,
                    retry_number=context.retry_number,
                    say=context.log.warning,
                )
                raise

    return earshot_dbt_assets


def mart_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    """The marts among a Definitions' assets (what publication copies)."""
    keys = {
        key
        for assets in defs.assets or []
        if isinstance(assets, dg.AssetsDefinition)
        for key in assets.keys
    }
    return sorted(key for key in keys if key.path[0] == "marts")


def dashboard_specs(manifest: Mapping[str, Any]) -> list[dg.AssetSpec]:
    """Each dbt exposure (a dashboard page) as an asset that reads the published marts."""
    specs = []
    for exposure in manifest.get("exposures", {}).values():
        owner = exposure.get("owner") or {}
        specs.append(
            dg.AssetSpec(
                key=dg.AssetKey(["dashboards", exposure["name"]]),
                deps=[PUBLISHED],
                group_name="dashboards",
                kinds={"streamlit"},
                description=(exposure.get("description") or "").strip(),
                owners=[],
                metadata={
                    "label": exposure.get("label") or exposure["name"],
                    "url": dg.MetadataValue.url(exposure["url"]) if exposure.get("url") else "",
                    "maturity": exposure.get("maturity") or "",
                    "owner": owner.get("name") or "",
                    "reads": ", ".join(
                        sorted(
                            node.split(".")[-1]
                            for node in exposure.get("depends_on", {}).get("nodes", [])
                        )
                    ),
                },
            )
        )
    return specs

"""One Dagster asset per dlt resource: ``raw_<source>/<resource>`` in the warehouse."""

from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.extract.source import DltSource

from earshot.settings import connected_sources
from ingestion.aircall import aircall_source
from ingestion.judgeme import judgeme_source
from ingestion.pipelines import (
    LOADER_FILE_FORMAT,
    RAW_DATASETS,
    finish_pending,
    make_pipeline,
    quarantined_in,
)
from ingestion.shopify import shopify_source
from orchestration.defs.pools import WAREHOUSE_POOL


class RawTableTranslator(DagsterDltTranslator):
    """Name each loaded resource after the raw table it fills, e.g. ``raw_shopify/orders``."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        source_name = data.resource.source_name
        return spec.replace_attributes(
            key=dg.AssetKey([RAW_DATASETS[source_name], data.resource.name]),
            deps=[],
            group_name="ingestion",
        )


def source_assets(name: str, make_source: Callable[[], DltSource]) -> dg.AssetsDefinition:
    """The assets that load one source; the source is built afresh for every run."""
    pipeline = make_pipeline(name)

    @dlt_assets(
        dlt_source=make_source(),
        dlt_pipeline=pipeline,
        name=f"load_{name}",
        dagster_dlt_translator=RawTableTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def _assets(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        # A run killed midway leaves packages behind; load them before extracting anew.
        finish_pending(pipeline)
        results = list(
            dlt.run(
                context=context, dlt_source=make_source(), loader_file_format=LOADER_FILE_FORMAT
            )
        )
        load_ids = list(pipeline.last_trace.last_load_info.loads_ids)
        set_aside = quarantined_in(pipeline, load_ids)
        if set_aside:
            context.log.warning(
                "%s: %d record(s) set aside in %s.quarantine", name, set_aside, RAW_DATASETS[name]
            )
        for result in results:
            yield result._replace(metadata={**(result.metadata or {}), "quarantined": set_aside})

    return _assets


SOURCE_FACTORIES: dict[str, Callable[[], DltSource]] = {
    "shopify": shopify_source,
    "aircall": aircall_source,
    "judgeme": judgeme_source,
}
# Only the sources the shop has connected (EARSHOT_SOURCES) get assets.
load_assets = [source_assets(name, SOURCE_FACTORIES[name]) for name in connected_sources()]

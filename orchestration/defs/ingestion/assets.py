"""One Dagster asset per dlt resource: ``raw_<source>/<resource>`` in the warehouse."""

from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.extract.source import DltSource

from ingestion.aircall import aircall_source
from ingestion.judgeme import judgeme_source
from ingestion.pipelines import RAW_DATASETS, make_pipeline
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

    @dlt_assets(
        dlt_source=make_source(),
        dlt_pipeline=make_pipeline(name),
        name=f"load_{name}",
        dagster_dlt_translator=RawTableTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def _assets(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        yield from dlt.run(context=context, dlt_source=make_source())

    return _assets


shopify_assets = source_assets("shopify", shopify_source)
aircall_assets = source_assets("aircall", aircall_source)
judgeme_assets = source_assets("judgeme", judgeme_source)

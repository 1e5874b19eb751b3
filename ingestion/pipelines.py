"""Where each source lands: one dlt pipeline per source, one raw schema per vendor."""

from __future__ import annotations

import dlt

from earshot import settings

RAW_DATASETS = {
    "shopify": "raw_shopify",
    "aircall": "raw_aircall",
    "judgeme": "raw_judgeme",
}


def make_pipeline(source_name: str, progress: str | None = None) -> dlt.Pipeline:
    """The dlt pipeline that loads ``source_name`` into its ``raw_<source>`` schema."""
    settings.configure_process()
    return dlt.pipeline(
        pipeline_name=f"earshot_{source_name}",
        destination=dlt.destinations.duckdb(str(settings.warehouse_path())),
        dataset_name=RAW_DATASETS[source_name],
        pipelines_dir=str(settings.dlt_pipelines_dir()),
        progress=progress,
    )


def run_source(source_name: str, source: dlt.sources.DltSource) -> dlt.common.pipeline.LoadInfo:
    """Load one source on its own, printing progress; used by ``python -m ingestion.<source>``."""
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    pipeline = make_pipeline(source_name, progress="log")
    info = pipeline.run(source)
    print(info)
    return info

"""Where each source lands: one dlt pipeline per source, one raw schema per vendor."""

from __future__ import annotations

import dlt

from earshot import settings

# Parquet load files: DuckDB copies them in a fraction of the time an INSERT of the
# same rows takes (bench/ingestion_bench.py; docs/benchmarks.md).
LOADER_FILE_FORMAT = "parquet"

RAW_DATASETS = {
    "shopify": "raw_shopify",
    "aircall": "raw_aircall",
    "judgeme": "raw_judgeme",
}


def destination() -> dlt.common.destination.TDestinationReferenceArg:
    """The DuckDB warehouse file, or any dlt destination named in ``EARSHOT_DESTINATION``."""
    name = settings.destination_name()
    if name == "duckdb":
        return dlt.destinations.duckdb(str(settings.warehouse_path()))
    return name


def make_pipeline(
    source_name: str, progress: str | None = None, pipeline_suffix: str = ""
) -> dlt.Pipeline:
    """The dlt pipeline that loads ``source_name`` into its ``raw_<source>`` schema.

    ``pipeline_suffix`` names a second pipeline into the same schema (the CSV
    exports load beside the API, with their own state).
    """
    settings.configure_process()
    return dlt.pipeline(
        pipeline_name=f"earshot_{source_name}{pipeline_suffix}",
        destination=destination(),
        dataset_name=RAW_DATASETS[source_name],
        pipelines_dir=str(settings.dlt_pipelines_dir()),
        progress=progress,
    )


def finish_pending(pipeline: dlt.Pipeline) -> None:
    """Load what an interrupted run left extracted or normalized, before extracting anew.

    dlt would otherwise load only the leftover package on the next run and ignore
    the new data; finishing it first keeps every run complete.
    """
    if pipeline.has_pending_data:
        pipeline.normalize()
        pipeline.load()


def quarantined_in(pipeline: dlt.Pipeline, load_ids: list[str]) -> int:
    """How many records the given loads set aside in the source's quarantine table."""
    if not load_ids:
        return 0
    with pipeline.sql_client() as client:
        if not client.has_dataset() or not any(
            table == "quarantine" for table in pipeline.default_schema.tables
        ):
            return 0
        table = client.make_qualified_table_name("quarantine")
        placeholders = ", ".join(["%s"] * len(load_ids))
        rows = client.execute_sql(
            f"select count(*) from {table} where _dlt_load_id in ({placeholders})", *load_ids
        )
    return int(rows[0][0])


def load(pipeline: dlt.Pipeline, source: dlt.sources.DltSource) -> dlt.common.pipeline.LoadInfo:
    """Run ``source`` through ``pipeline`` after finishing anything a crash left behind."""
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    finish_pending(pipeline)
    return pipeline.run(source, loader_file_format=LOADER_FILE_FORMAT)


def run_source(source_name: str, source: dlt.sources.DltSource) -> dlt.common.pipeline.LoadInfo:
    """Load one source on its own, printing progress; used by ``python -m ingestion.<source>``."""
    pipeline = make_pipeline(source_name, progress="log")
    info = load(pipeline, source)
    print(info)
    counts = pipeline.last_trace.last_normalize_info.row_counts
    rows = ", ".join(
        f"{table} {count:,}"
        for table, count in sorted(counts.items())
        if not table.startswith("_dlt")
    )
    print(f"{source_name}: loaded {rows or 'nothing new'}")
    set_aside = quarantined_in(pipeline, list(info.loads_ids))
    if set_aside:
        print(
            f"{source_name}: {set_aside} record(s) set aside in {RAW_DATASETS[source_name]}"
            ".quarantine (see the reason column)"
        )
    return info
